# SPDX-License-Identifier: GPL-2.0
#
# arm64 memory hot-remove: kernel series and regression suite.
# 'make help' lists the targets; README.md explains them.

include ci/base.conf

# The base (ci/base.conf, ci/base.sh): mainline, the default, or 6.12.
# make test runs both, mainline first, unless BASE is given.
TEST_BASES := $(if $(filter-out undefined default,$(origin BASE))$(KDIR),$(or $(BASE),mainline),mainline 6.12)
BASE ?= mainline
BASE_PREFIX := $(if $(filter mainline,$(BASE)),,$(BASE)-)
# What exists for 6.12 only: the mutants are written against 6.12's code,
# and compare reads 6.12's series against SERIES=upstream.  These targets
# run on BASE=6.12.
STABLE_ONLY := mutants compare
ifneq ($(filter $(STABLE_ONLY),$(MAKECMDGOALS)),)
ifeq ($(filter 6.12,$(BASE))$(filter command line environment,$(origin BASE)),command line)
$(error make $(filter $(STABLE_ONLY),$(MAKECMDGOALS)) works on our 6.12 series only (its mutants and SERIES=upstream are 6.12's): drop BASE=$(BASE))
endif
override BASE := 6.12
BASE_PREFIX := 6.12-
endif

# Runs are named in ci/matrix.  The default is arm64's default page-table
# configuration (4K pages, 52-bit VA with LPA2).
CONFIG ?= 4k-52
# The CI tier of each base, with one run-time fallback from 52 bits on each
# page size.  Mainline: 4 kernels, 3, 4 and 5 levels, and the runs where
# the bugs of 6.12's series show (64k-52: PHYSMEM_END; 4k-52-nolpa2: the
# vmemmap floor).  6.12: 6 kernels, 2, 3, 4 and 5 levels.
TEST_RUNS_mainline := 4k-48 4k-52 4k-52-nolpa2 16k-52-nolpa2 64k-52 64k-52-a72
TEST_RUNS_6.12 := 4k-48 4k-52 4k-52-nolpa2 16k-36 16k-52-nolpa2 64k-48 64k-52 64k-52-a72
TEST_RUNS := $(TEST_RUNS_$(BASE))
# make test also boots selftest guests with block mappings (mainline's
# rodata=noalias, 6.12's rodata=on), on a 4K and a 64K run, and with each
# memory block's memmap on the block itself, on 4K: the only page size
# where a block's memmap is whole PMDs, which the kernel needs to put it
# there.
BLOCKS_GUEST := rodata-$(if $(filter mainline,$(BASE)),noalias,on)
TEST_GUESTS := $(BLOCKS_GUEST) memmap-on-memory
TEST_GUEST_RUNS_$(BLOCKS_GUEST) := 4k-48 $(if $(filter mainline,$(BASE)),64k-52,64k-48)
TEST_GUEST_RUNS_memmap-on-memory := 4k-48
comma := ,
space := $(subst ,, )
MATRIX_RUNS := $(shell awk '!/^\#/ && NF { print $$1 }' ci/matrix)

# The commands README.md shows in its code blocks, run as a reader types
# them (ci/doc-check.sh), in plain make test runs: its two kunit.py runs
# (results NAME, manifest ci/expected/RUN) and a line per command.
DOC_RUNS := kunitpy byhand-4k-52:4k-52
DOC_SUMMARY := --also=$(subst $(space),$(comma),$(DOC_RUNS)) --doc

# SERIES=upstream: mainline's leaf-split rejection (patches/upstream/) instead
# of our series, upstream-fixes: with our fixes to it (ci/series.sh); its own
# build folders, results named SERIES-RUN.  Default: our series.
SERIES ?= ours
SERIES_PREFIX := $(if $(filter-out ours,$(SERIES)),$(SERIES)-)
# SELFTEST_GUEST=rodata-noalias (6.12: rodata-on), memmap-on-memory or
# rodata-noalias-memmap (6.12: rodata-on-memmap): make selftests boots the
# guest so (ci/selftest-run.sh), results named VARIANT-selftests-RUN.
# Default: arm64's default rodata.
SELFTEST_GUEST ?= default
GUEST_PREFIX := $(if $(filter-out default,$(SELFTEST_GUEST)),$(SELFTEST_GUEST)-)
ONE_GUEST = $(if $(GUEST_PREFIX),echo "error: SELFTEST_GUEST applies to 'make selftests' only" >&2; exit 1;)
# DEBUG=1: debug kernels (kconfigs/debug.config), results named debug-RUN.
SUMMARY_PREFIX := $(BASE_PREFIX)$(if $(filter 1,$(DEBUG)),debug-)$(SERIES_PREFIX)
SUMMARY := ci/summary.py $(if $(SUMMARY_PREFIX),--prefix=$(SUMMARY_PREFIX))
# make test checks README's commands only where they apply: the mainline
# tree and the plain kernels.
DOC_CHECK := $(if $(KDIR)$(SUMMARY_PREFIX),,yes)
# The summary JSON of each base's tier (ci/summary.py --total adds them).
TEST_SUMMARIES := $(foreach b,$(TEST_BASES),summary$(if $(filter mainline,$(b)),,-$(b)).json)

export BASE KDIR PATCHES UPTO JOBS DEBUG SERIES SELFTEST_GUEST TREE_RESET

.PHONY: all test test-base doc-check matrix kunit selftests expected check-config deps tree \
	series bisect-check test-first mutants bench soak coverage compare dashboard \
	dashboard-check xarch check-xarch clean help

all: check-config deps tree
	@$(ONE_GUEST) ci/kunit-run.sh $(CONFIG); ci/selftest-run.sh $(CONFIG); \
	$(SUMMARY) --selftests $(CONFIG)

# Each base's tier (test-base), then the closing line over both.
test:
	@$(ONE_GUEST) rc=0; for b in $(TEST_BASES); do \
		rm -f build/results/summary$$([ $$b = mainline ] || echo -$$b).json; \
		$(MAKE) --no-print-directory test-base BASE=$$b || rc=1; \
	done; \
	echo; ci/summary.py --total=$(subst $(space),$(comma),$(TEST_SUMMARIES)) || rc=1; \
	exit $$rc

# One base's tier.  Each run: the KUnit suite, then the selftests in a guest
# booted with the same kernel.  With HR_DEADLINE (.ci/run), each step runs
# under ci/budget.sh: it starts only while STEP_MIN seconds are left, is
# stopped at the deadline, and a step that did not run to its end shows as
# not run.
STEP_MIN ?= 240
BUDGET := ci/budget.sh
test-base: deps tree
	@echo "== BASE=$(BASE): $(TEST_RUNS)"; \
	for r in $(TEST_RUNS); do \
		$(BUDGET) $(STEP_MIN) $(BASE_PREFIX)$$r -- ci/kunit-run.sh $$r || true; \
		$(BUDGET) --after=$(BASE_PREFIX)$$r $(STEP_MIN) $(BASE_PREFIX)selftests-$$r -- \
			ci/selftest-run.sh $$r || true; \
	done; \
	$(foreach g,$(TEST_GUESTS),$(foreach r,$(TEST_GUEST_RUNS_$(g)),\
		SELFTEST_GUEST=$(g) $(BUDGET) --after=$(BASE_PREFIX)$(r) $(STEP_MIN) \
			$(BASE_PREFIX)$(g)-selftests-$(r) -- ci/selftest-run.sh $(r) || true;)) \
	$(if $(DOC_CHECK),$(BUDGET) $(STEP_MIN) doc-check \
		$(foreach d,$(DOC_RUNS),$(firstword $(subst :, ,$(d)))) -- ci/doc-check.sh || true;) \
	$(SUMMARY) --table --selftests $(TEST_RUNS) \
		$(foreach g,$(TEST_GUESTS),--guests=$(g):$(subst $(space),$(comma),$(TEST_GUEST_RUNS_$(g)))) \
		$(if $(DOC_CHECK),$(DOC_SUMMARY))

# README's commands alone (ci/doc-check.sh), with their own summary
# (build/results/summary-doc.json).
doc-check: deps tree
	@ci/doc-check.sh; ci/summary.py --summary-json=summary-doc.json $(DOC_SUMMARY)

matrix: deps tree
	@$(ONE_GUEST) for r in $(MATRIX_RUNS); do \
		ci/kunit-run.sh $$r || true; ci/selftest-run.sh $$r || true; \
	done; \
	$(SUMMARY) --table --selftests $(MATRIX_RUNS)

kunit: check-config deps tree
	@ci/kunit-run.sh $(CONFIG); $(SUMMARY) $(CONFIG)

# The selftests (selftests/) of one run in an arm64 guest: the hidden-RAM
# module and a virtio-mem device plugged over QMP.
selftests: check-config deps tree
	@ci/selftest-run.sh $(CONFIG); \
	ci/summary.py --prefix=$(SUMMARY_PREFIX)$(GUEST_PREFIX) --selftests --no-kunit $(CONFIG)

# Write ci/expected/RUN, the manifest each run must match, from the results
# of the last run of each of RUNS (default: the runs that have results).
RUNS ?= $(foreach r,$(MATRIX_RUNS) kunitpy,$(if $(wildcard build/results/$(BASE_PREFIX)$(r).json),$(r)))
expected:
	@$(if $(SERIES_PREFIX),echo "error: the manifests describe our series: run 'make expected' without SERIES=$(SERIES)" >&2; false,\
	 $(if $(strip $(RUNS)),ci/summary.py $(if $(BASE_PREFIX),--prefix=$(BASE_PREFIX)) --write-expected $(RUNS),\
	  echo "error: no results to write manifests from: run 'make test' first" >&2; false))

check-config:
	@$(if $(filter $(CONFIG),$(MATRIX_RUNS)),true,\
	  echo "error: unknown CONFIG=$(CONFIG): use one of: $(MATRIX_RUNS)" >&2; false)

deps:
	@ci/deps.sh

tree: deps
	@ci/prepare-tree.sh

series: deps tree
	@ci/make-series.sh

# Build and run the suite at each patch; BISECT_RUN picks the configuration.
BISECT_RUN ?= 4k-48
bisect-check: deps tree
	@ci/bisect-check.sh $(BISECT_RUN)

# Each patch's KUnit suites on the patches before it (they must fail, or not
# build) and with it (they must pass), on the run that
# ci/expected/BASE/test-first names.
test-first: deps tree
	@ci/test-first.sh $(PATCH)

# Deliberate bugs in ci/mutants/: after a control run of the clean tree,
# each must fail the cases its header names, and change nothing else.
# MUTANTS picks some (paths of diffs); default: all.
MUTANTS ?=
mutants: deps tree
	@ci/mutants.sh $(MUTANTS)

# Series against base (patch 1 only): hot-add/remove latency, table and
# leaf cost, vmalloc throughput; ratios with their spread (not in CI).
BENCH_RUNS ?= 4k-48 16k-47 64k-48
bench: deps tree
	@ci/bench.sh $(BENCH_RUNS)

# Soak: CYCLES add/online/offline/remove cycles of one memory block on
# CONFIG's debug kernel, with ptdump and test_vmalloc alongside (not in CI).
CYCLES ?= 10000
soak: deps tree
	@ci/soak.sh $(CONFIG) $(CYCLES)

# gcov kernels for the make test runs (all of ci/matrix with MATRIX=1),
# lcov and genhtml report, dashboard.
COVERAGE_RUNS := $(if $(MATRIX),$(MATRIX_RUNS),$(TEST_RUNS))
coverage: deps tree
	@$(ONE_GUEST) rc=0; for r in $(COVERAGE_RUNS); do ci/coverage-run.sh $$r || true; done; \
	coverage/report.sh $(addprefix $(SERIES_PREFIX),$(COVERAGE_RUNS)) || rc=1; \
	ci/summary.py --prefix=cov-$(BASE_PREFIX)$(SERIES_PREFIX) --selftests $(COVERAGE_RUNS) || rc=1; exit $$rc

# Ours against the other series (SERIES=upstream, upstream-fixes), case
# family by run, from the last results of each (build/results/compare.md).
compare:
	@ci/compare.py $(MATRIX_RUNS)

# The dashboard again, from whatever results and tracefiles build/ holds.
dashboard:
	@coverage/report.sh --also=$(subst $(space),$(comma),$(DOC_RUNS)) $(MATRIX_RUNS)

# Render the dashboard in headless Chromium (installed when missing).
dashboard-check: dashboard
	@coverage/check-dashboard.sh

# Other architectures (xarch/): the tables hot-remove shares with other
# regions on x86_64 and riscv64, on the bare base (not in CI).
XARCH_BOOTS ?= 300
xarch: check-xarch deps tree
	@XARCH_BOOTS=$(XARCH_BOOTS) xarch/run.sh

check-xarch:
	@$(if $(KDIR),echo "error: make xarch builds the base's own tree and not KDIR=$(KDIR): drop KDIR" >&2; false,true)

clean:
	rm -rf build/results build/kunit build/mainline/kunit build/kunit-kdir build/series build/coverage \
		build/selftests build/bench build/bisect build/bisect-* build/xarch
	for t in build/linux build/mainline/linux; do [ ! -d $$t/.git ] || git -C $$t worktree prune; done

help:
	@echo "BASE=mainline|6.12   the base (default mainline: Debian's linux-source-7.3 and the test glue;"
	@echo "                     6.12: linux-source-6.12 and our series)"
	@echo "make                 default configuration ($(CONFIG)): build, KUnit suite, selftests, summary"
	@echo "make test            CI: the mainline tier, then the 6.12 tier (BASE= or KDIR=: one)"
	@echo "make test-base       one base's tier, KUnit and selftests: $(TEST_RUNS)"
	@echo "make doc-check       run the commands README.md shows, as a reader types them (part of make test)"
	@echo "make matrix          KUnit and selftests in all $(words $(MATRIX_RUNS)) runs of ci/matrix, case-by-run table"
	@echo "make kunit CONFIG=R  one run R of ci/matrix"
	@echo "make selftests CONFIG=R  the selftests of run R in an arm64 guest (module and virtio-mem)"
	@echo "                     SELFTEST_GUEST=$(BLOCKS_GUEST)|memmap-on-memory|$(BLOCKS_GUEST)-memmap: other guests"
	@echo "make expected [RUNS=...]  write ci/expected/RUN from the last results of each run (review, commit)"
	@echo "make series          upstream-ready series, signed off by you: build/series/mainline/<destination>/ (6.12: build/series/)"
	@echo "make bisect-check    build and run the suite at each patch ($(BISECT_RUN)), name the first that breaks"
	@echo "make test-first      each patch's suites fail without it and pass with it (ci/expected/BASE/test-first; PATCH=K: one)"
	@echo "make mutants         control run, then each deliberate bug in ci/mutants/: its named cases must fail"
	@echo "make bench           series against base: latency, table and leaf cost, vmalloc (BENCH_RUNS=$(BENCH_RUNS))"
	@echo "make soak CONFIG=R CYCLES=N  N hot-plug cycles of one block on R's debug kernel, readers alongside"
	@echo "make coverage        gcov kernels of the make test runs (MATRIX=1: all), lcov report and dashboard"
	@echo "make dashboard       rewrite build/coverage/index.html from the results in build/"
	@echo "make dashboard-check render the dashboard in headless Chromium, keep a screenshot"
	@echo "make xarch           x86_64 and riscv64: tables hot-remove shares with other regions (XARCH_BOOTS=$(XARCH_BOOTS))"
	@echo "make tree            prepare the base's tree (PATCHES=none|glue, UPTO=N; KDIR= uses another tree)"
	@echo "SERIES=upstream      with make kunit/selftests/test/matrix/bisect-check/coverage: mainline's"
	@echo "                     leaf-split rejection instead of our series (upstream-fixes: with our fixes)"
	@echo "make compare         ours against SERIES=upstream(-fixes): family-by-run table of the last results"
	@echo "make deps            install missing Debian packages (as root), fetch the mainline source"
	@echo "make clean           remove build folders and results, keep the trees"
	@echo "mutants, compare: the 6.12 series only"
