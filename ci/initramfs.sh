#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a guest initramfs: Debian's arm64 busybox-static, an /init script and
# any extra files, packed by the tree's usr/gen_init_cpio (no root needed).
# busybox is downloaded once into build/downloads/ with apt-get options that
# leave the host's dpkg architecture and package lists alone.
#
# Usage: ci/initramfs.sh OUT.cpio INIT [SRC DST]...
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/ci/base.sh"
tree=${KDIR:-$base_tree}
dl="$top/build/downloads"

die() {
	echo "initramfs: error: $*" >&2
	exit 1
}

[ $# -ge 2 ] && [ $(($# % 2)) -eq 0 ] ||
	die "usage: ci/initramfs.sh OUT.cpio INIT [SRC DST]..."
out=$(realpath -m "$1")
init=$2
shift 2
[ -f "$init" ] || die "no init script '$init'"
[ -f "$tree/usr/gen_init_cpio.c" ] ||
	die "no kernel tree at $tree: run 'make tree' first (or set KDIR)"

busybox="$dl/busybox"
if [ ! -x "$busybox" ]; then
	apt=(-q -oAPT::Architecture=arm64 -oAPT::Architectures=arm64
	     -oDir::State::Lists="$dl/apt/lists" -oDir::Cache="$dl/apt/cache"
	     -oDebug::NoLocking=1)
	rm -rf "$dl/deb"
	mkdir -p "$dl/apt/lists/partial" "$dl/apt/cache/archives/partial" "$dl/deb"
	apt-get "${apt[@]}" update >"$dl/apt.log" 2>&1 ||
		die "apt-get update of Debian's arm64 lists failed (see $dl/apt.log): check the network and /etc/apt/sources.list"
	(cd "$dl/deb" && apt-get "${apt[@]}" download busybox-static) >>"$dl/apt.log" 2>&1 ||
		die "cannot download Debian's arm64 busybox-static (see $dl/apt.log)"
	dpkg-deb -x "$dl"/deb/busybox-static_*_arm64.deb "$dl/deb/root"
	install -m 755 "$dl/deb/root/bin/busybox" "$busybox.tmp"
	mv "$busybox.tmp" "$busybox"
fi

gen="$top/build/tools/gen_init_cpio"
if [ ! -x "$gen" ] || [ "$tree/usr/gen_init_cpio.c" -nt "$gen" ]; then
	mkdir -p "$(dirname "$gen")"
	gcc -O2 -o "$gen" "$tree/usr/gen_init_cpio.c" ||
		die "cannot build usr/gen_init_cpio from $tree"
fi

spec=$(mktemp)
trap 'rm -f "$spec" "$out.tmp"' EXIT
{
	printf '%s\n' "dir /dev 755 0 0" "nod /dev/console 600 0 0 c 5 1" \
		"dir /proc 755 0 0" "dir /sys 755 0 0" "dir /tmp 1777 0 0" \
		"dir /bin 755 0 0" "file /bin/busybox $busybox 755 0 0" \
		"slink /bin/sh busybox 777 0 0" "file /init $(realpath "$init") 755 0 0"
	declare -A made=([/]=1 [/bin]=1 [/dev]=1 [/proc]=1 [/sys]=1 [/tmp]=1)
	while [ $# -gt 0 ]; do
		[ -e "$1" ] || die "no file '$1' to put at $2"
		d=$(dirname "$2")
		parents=()
		while [ -z "${made[$d]:-}" ]; do
			parents=("$d" "${parents[@]}")
			made[$d]=1
			d=$(dirname "$d")
		done
		for d in "${parents[@]}"; do
			echo "dir $d 755 0 0"
		done
		echo "file $2 $(realpath "$1") 755 0 0"
		shift 2
	done
} >"$spec"
mkdir -p "$(dirname "$out")"
"$gen" "$spec" >"$out.tmp"
mv "$out.tmp" "$out"
