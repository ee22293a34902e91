# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the ci/ scripts: the patch series that SERIES names, and the
# prefix that its results and build folders carry.
#
#   SERIES=ours            patches/*.patch, our series (the default)
#   SERIES=upstream        our patch 1 (the KUnit glue), then patches/upstream/:
#                          mainline's leaf-split rejection backported, and
#                          the glue that builds our suites on it
#   SERIES=upstream-fixes  SERIES=upstream, then patches/upstream-fixes/:
#                          our fixes to mainline's code
#
# Sets series (the name), series_patches (the patch files, in order) and
# series_prefix ('' for ours, 'upstream-' and so on otherwise).  Expects top.

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
	series_add patches
	;;
upstream | upstream-fixes)
	series_patches=("$top"/patches/0001-*.patch)
	series_add patches/upstream
	[ "$series" = upstream ] || series_add patches/upstream-fixes
	series_prefix=$series-
	;;
*)
	echo "error: SERIES=$series is not a series: use SERIES=ours (the default), upstream or upstream-fixes" >&2
	exit 1
	;;
esac
