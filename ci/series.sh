# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the ci/ scripts: the patch series that SERIES names, and the
# prefix that its results and build folders carry.
#
#   SERIES=ours            the base's series (ci/base.sh): on mainline
#                          patches/*.patch, on 6.12 patches/stable-6.12/
#                          (the default)
#   SERIES=upstream        6.12 only: the KUnit glue as it was before the
#                          6.12 series split its tests from its fixes
#                          (patches/upstream/glue/), then patches/upstream/:
#                          mainline's leaf-split rejection backported, and
#                          the glue that builds our suites on it
#   SERIES=upstream-fixes  SERIES=upstream, then patches/upstream-fixes/:
#                          our fixes to mainline's code
#
# Sets series (the name), series_patches (the patch files, in order) and
# series_prefix ('' for ours, 'upstream-' and so on otherwise).  Result
# names start with the base's prefix (base_prefix), then the series'.
# Expects top; sources ci/base.sh.

. "$top/ci/base.sh"

series=${SERIES:-ours}
series_patches=()
series_prefix=

series_add() {
	local p

	for p in "$top/$1"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ -e "$p" ] || continue
		case "$p" in */0000-*) continue ;; esac
		series_patches+=("$p")
	done
}

case $series in
ours)
	series_add "$base_patches"
	;;
upstream | upstream-fixes)
	[ "$BASE" = 6.12 ] || {
		echo "error: SERIES=$series is a 6.12 series (mainline already has that code): add BASE=6.12" >&2
		exit 1
	}
	series_patches=("$top"/patches/upstream/glue/0001-*.patch)
	series_add patches/upstream
	[ "$series" = upstream ] || series_add patches/upstream-fixes
	series_prefix=$series-
	;;
*)
	echo "error: SERIES=$series is not a series: use SERIES=ours (the default), upstream or upstream-fixes" >&2
	exit 1
	;;
esac
