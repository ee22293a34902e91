# SPDX-License-Identifier: GPL-2.0
#
# arm64 memory hot-remove: kernel series and regression suite.
# 'make help' lists the targets; README.md explains them.

include ci/base.conf

# Runs are named in ci/matrix.  The default is arm64's default page-table
# configuration (4K pages, 52-bit VA with LPA2).
CONFIG ?= 4k-52
# The CI tier: 4K, 16K and 64K pages; 2, 3, 4 and 5 levels; one run-time
# fallback from 52 bits on each page size.
TEST_RUNS := 4k-48 4k-52 4k-52-nolpa2 16k-36 16k-52-nolpa2 64k-48 64k-52 64k-52-a72
MATRIX_RUNS := $(shell awk '!/^\#/ && NF { print $$1 }' ci/matrix)

# DEBUG=1: debug kernels (kconfigs/debug.config), results named debug-RUN.
SUMMARY := ci/summary.py $(if $(filter 1,$(DEBUG)),--prefix=debug-)

export KDIR PATCHES UPTO JOBS DEBUG

.PHONY: all test matrix kunit selftests expected check-config deps tree \
	series bisect-check test-first mutants bench coverage dashboard \
	dashboard-check clean help

all: check-config deps tree
	@ci/kunit-run.sh $(CONFIG); ci/selftest-run.sh $(CONFIG); \
	$(SUMMARY) --selftests $(CONFIG)

# Each run: the KUnit suite, then the selftests in a guest booted with the
# same kernel.
test: deps tree
	@for r in $(TEST_RUNS); do \
		ci/kunit-run.sh $$r || true; ci/selftest-run.sh $$r || true; \
	done; \
	$(SUMMARY) --table --selftests $(TEST_RUNS)

matrix: deps tree
	@for r in $(MATRIX_RUNS); do \
		ci/kunit-run.sh $$r || true; ci/selftest-run.sh $$r || true; \
	done; \
	$(SUMMARY) --table --selftests $(MATRIX_RUNS)

kunit: check-config deps tree
	@ci/kunit-run.sh $(CONFIG); $(SUMMARY) $(CONFIG)

# The selftests (selftests/) of one run in an arm64 guest: the hidden-RAM
# module and a virtio-mem device plugged over QMP.
selftests: check-config deps tree
	@ci/selftest-run.sh $(CONFIG); $(SUMMARY) --selftests --no-kunit $(CONFIG)

# Write ci/expected/RUN, the manifest each run must match, from the results
# of the last run of each of RUNS (default: the runs that have results).
RUNS ?= $(foreach r,$(MATRIX_RUNS),$(if $(wildcard build/results/$(r).json),$(r)))
expected:
	@$(if $(strip $(RUNS)),ci/summary.py --write-expected $(RUNS),\
	  echo "error: no results to write manifests from: run 'make test' first" >&2; false)

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
# build) and with it (they must pass), on the run ci/test-first names.
test-first: deps tree
	@ci/test-first.sh $(PATCH)

# Deliberate bugs in ci/mutants/: the suite must catch every one.
mutants: deps tree
	@ci/mutants.sh $(BISECT_RUN)

# Series against base (patch 1 only): hot-add/remove latency, table and
# leaf cost, vmalloc throughput; ratios with their spread (not in CI).
BENCH_RUNS ?= 4k-48 16k-47 64k-48
bench: deps tree
	@ci/bench.sh $(BENCH_RUNS)

# gcov kernels for the make test runs (all of ci/matrix with MATRIX=1),
# lcov and genhtml report, dashboard.
COVERAGE_RUNS := $(if $(MATRIX),$(MATRIX_RUNS),$(TEST_RUNS))
coverage: deps tree
	@rc=0; for r in $(COVERAGE_RUNS); do ci/coverage-run.sh $$r || true; done; \
	coverage/report.sh $(COVERAGE_RUNS) || rc=1; \
	ci/summary.py --prefix=cov- --selftests $(COVERAGE_RUNS) || rc=1; exit $$rc

# The dashboard again, from whatever results and tracefiles build/ holds.
dashboard:
	@coverage/report.sh $(MATRIX_RUNS)

# Render the dashboard in headless Chromium (installed when missing).
dashboard-check: dashboard
	@coverage/check-dashboard.sh

clean:
	rm -rf build/results build/kunit build/kunit-kdir build/series build/coverage \
		build/selftests build/bench
	[ ! -d build/linux/.git ] || git -C build/linux worktree prune

help:
	@echo "make                 default configuration ($(CONFIG)): build, KUnit suite, selftests, summary"
	@echo "make test            CI tier, KUnit and selftests: $(TEST_RUNS)"
	@echo "make matrix          KUnit and selftests in all $(words $(MATRIX_RUNS)) runs of ci/matrix, case-by-run table"
	@echo "make kunit CONFIG=R  one run R of ci/matrix"
	@echo "make selftests CONFIG=R  the selftests of run R in an arm64 guest (module and virtio-mem)"
	@echo "make expected [RUNS=...]  write ci/expected/RUN from the last results of each run (review, commit)"
	@echo "make series          upstream-ready series under build/series/"
	@echo "make bisect-check    build and run the suite at each patch ($(BISECT_RUN)), name the first that breaks"
	@echo "make test-first      each patch's suites fail without it and pass with it (ci/test-first; PATCH=K: one)"
	@echo "make mutants         apply each deliberate bug in ci/mutants/, the suite must fail"
	@echo "make bench           series against base: latency, table and leaf cost, vmalloc (BENCH_RUNS=$(BENCH_RUNS))"
	@echo "make coverage        gcov kernels of the make test runs (MATRIX=1: all), lcov report and dashboard"
	@echo "make dashboard       rewrite build/coverage/index.html from the results in build/"
	@echo "make dashboard-check render the dashboard in headless Chromium, keep a screenshot"
	@echo "make tree            prepare build/linux (PATCHES=none, UPTO=N; KDIR= uses another tree)"
	@echo "make deps            install missing Debian packages (as root)"
	@echo "make clean           remove build folders and results, keep build/linux"
