# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the scripts that build one run of ci/matrix (kunit-run.sh,
# coverage-run.sh).  Expects top, prog (the name in error lines) and run;
# sets kconfig, target and tree (ci/base.sh: BASE's), defines die(), and puts ccache in front of
# the cross compiler without touching the system.

die() {
	echo "$prog: error: $*" >&2
	exit 1
}

line=$(awk -v r="$run" '$1 == r { print $2, $3 }' "$top/ci/matrix")
[ -n "$line" ] ||
	die "unknown configuration '$run': use one of: $(awk '!/^#/ { printf "%s ", $1 }' "$top/ci/matrix")"
read -r kconfig target <<<"$line"

. "$top/ci/base.sh"
tree=${KDIR:-$base_tree}
[ -x "$tree/tools/testing/kunit/kunit.py" ] ||
	die "no prepared tree at $tree: run 'make tree' first"

mkdir -p "$top/build/ccache-bin"
ln -sf "$(command -v ccache)" "$top/build/ccache-bin/aarch64-linux-gnu-gcc"
export PATH="$top/build/ccache-bin:$PATH"
# Paths relative to the checkout, so that another clone hits the same cache.
export CCACHE_BASEDIR="$top"
