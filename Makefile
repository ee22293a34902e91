# SPDX-License-Identifier: GPL-2.0
#
# arm64 memory hot-remove: kernel series and regression suite.
# 'make help' lists the targets; README.md explains them.

include ci/base.conf

# Runs are named in ci/matrix.  The default is arm64's default page-table
# configuration (4K pages, 52-bit VA with LPA2).
CONFIG ?= 4k-52
# The CI tier: 4K, 16K and 64K pages; 2, 3, 4 and 5 levels; one run-time
# fallback from 52 bits.
TEST_RUNS := 4k-48 4k-52 4k-52-nolpa2 16k-36 64k-48 64k-52 64k-52-a72
MATRIX_RUNS := $(shell awk '!/^\#/ && NF { print $$1 }' ci/matrix)

export KDIR PATCHES UPTO JOBS

.PHONY: all test matrix kunit check-config deps tree series bisect-check \
	mutants clean help

all: check-config deps tree
	@ci/kunit-run.sh $(CONFIG); ci/summary.py $(CONFIG)

test: deps tree
	@for r in $(TEST_RUNS); do ci/kunit-run.sh $$r || true; done; \
	ci/summary.py --table $(TEST_RUNS)

matrix: deps tree
	@for r in $(MATRIX_RUNS); do ci/kunit-run.sh $$r || true; done; \
	ci/summary.py --table $(MATRIX_RUNS)

kunit: check-config deps tree
	@ci/kunit-run.sh $(CONFIG); ci/summary.py $(CONFIG)

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

# Deliberate bugs in ci/mutants/: the suite must catch every one.
mutants: deps tree
	@ci/mutants.sh $(BISECT_RUN)

clean:
	rm -rf build/results build/kunit build/kunit-kdir build/series

help:
	@echo "make                 default configuration ($(CONFIG)): build, KUnit run, summary"
	@echo "make test            CI tier: $(TEST_RUNS)"
	@echo "make matrix          all $(words $(MATRIX_RUNS)) runs of ci/matrix and the case-by-run table"
	@echo "make kunit CONFIG=R  one run R of ci/matrix"
	@echo "make series          upstream-ready series under build/series/"
	@echo "make bisect-check    build and run the suite at each patch ($(BISECT_RUN)), name the first that breaks"
	@echo "make mutants         apply each deliberate bug in ci/mutants/, the suite must fail"
	@echo "make tree            prepare build/linux (PATCHES=none, UPTO=N; KDIR= uses another tree)"
	@echo "make deps            install missing Debian packages (as root)"
	@echo "make clean           remove build folders and results, keep build/linux"
