# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the ci/ scripts: the base that BASE names (mainline, the
# default, or 6.12) and where its tree, kernels and results live.  Expects
# top.  Sets:
#   BASE, BASE_PKG, BASE_VERSION (the pin), BASE_TARBALL
#   base_tree     the prepared tree (build/mainline/linux, build/linux)
#   base_out      the root of its kernel build folders
#   base_prefix   what its result names start with ('' for mainline,
#                 '6.12-' for 6.12)
#   base_patches  its series (patches, patches/stable-6.12)
#   rodata_default, rodata_blocks: the rodata= values that map RAM with
#                 pages (arm64's default) and with blocks.  6.12 calls them
#                 full and on; 7.3 calls them on and noalias, and rejects
#                 full.
# 6.12 keeps the folders it had before mainline became the base, so that
# the compiler cache of its kernels stays valid.

. "$top/ci/base.conf"
BASE=${BASE:-mainline}
case $BASE in
mainline)
	BASE_PKG=$MAINLINE_PKG
	BASE_VERSION=$MAINLINE_VERSION
	BASE_TARBALL=$top/build/downloads/$MAINLINE_PKG/usr/src/$MAINLINE_PKG.tar.xz
	base_tree=$top/build/mainline/linux
	base_out=$top/build/mainline/kunit
	base_prefix=
	base_patches=patches
	rodata_default=on
	rodata_blocks=noalias
	;;
6.12)
	BASE_PKG=$STABLE_PKG
	BASE_VERSION=$STABLE_VERSION
	BASE_TARBALL=$STABLE_TARBALL
	base_tree=$top/build/linux
	base_out=$top/build/kunit
	base_prefix=6.12-
	base_patches=patches/stable-6.12
	rodata_default=full
	rodata_blocks=on
	;;
*)
	echo "error: BASE=$BASE is not a base: use BASE=mainline (the default) or BASE=6.12" >&2
	exit 1
	;;
esac
export BASE
