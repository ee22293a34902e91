#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian 12 packages the harness needs, when any is missing.
# As root it runs apt-get itself; otherwise it names the command to run.
# Arguments name more packages, for one target (make xarch).
#
# Then fetch the mainline source (ci/base.conf) when build/downloads lacks
# it: apt-get download from its suite, with a sources list, package lists
# and cache of its own under build/downloads, so the machine's release,
# sources and packages stay as they are (no root needed), and dpkg-deb -x.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/ci/base.conf"

# Kernel build (cross and host), QEMU, ccache, kunit.py (Python 3 standard
# library only), git for the tree, perl and python3-ply/-git for checkpatch
# (its SPDX check), lcov for coverage, the arm64 C library (static
# selftests) and rsync (kselftest's install rules).
pkgs=(
	"$STABLE_PKG" gcc-aarch64-linux-gnu gcc make bc bison flex libssl-dev
	libelf-dev xz-utils qemu-system-arm ccache python3 python3-ply
	python3-git git perl lcov libc6-dev-arm64-cross rsync
	"$@"
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: error: missing packages: ${missing[*]}: run 'sudo apt-get install ${missing[*]}' (or 'make deps' as root)" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The mainline source: build/downloads/PKG/ holds the extracted package and
# VERSION, the version it is.
dl=$top/build/downloads/$MAINLINE_PKG
[ ! -f "$dl/VERSION" ] || [ ! -f "$dl/usr/src/$MAINLINE_PKG.tar.xz" ] || exit 0
apt=$top/build/downloads/apt
rm -rf "$dl" "$apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/deb"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $MAINLINE_SUITE main" \
	>"$apt/sources.list"
aptopts=(-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache"
	-o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)")
echo "deps: fetching $MAINLINE_PKG from Debian's $MAINLINE_SUITE"
apt-get -qq "${aptopts[@]}" update >"$apt/update.log" 2>&1 ||
	{ cat "$apt/update.log" >&2; echo "deps: error: could not read Debian's $MAINLINE_SUITE package lists (see above): check the network, or that debian-archive-keyring knows $MAINLINE_SUITE's key" >&2; exit 1; }
have=$(apt-cache "${aptopts[@]}" show "$MAINLINE_PKG" 2>/dev/null |
	sed -n 's/^Version: //p' | sort -V | tail -n 1)
[ -n "$have" ] ||
	{ echo "deps: error: $MAINLINE_SUITE has no $MAINLINE_PKG: set MAINLINE_PKG and MAINLINE_VERSION in ci/base.conf to the mainline source it has" >&2; exit 1; }
if apt-cache "${aptopts[@]}" show "$MAINLINE_PKG=$MAINLINE_VERSION" >/dev/null 2>&1; then
	have=$MAINLINE_VERSION
elif dpkg --compare-versions "$have" gt "$MAINLINE_VERSION"; then
	echo "deps: warning: $MAINLINE_SUITE has $MAINLINE_PKG $have, not the pinned $MAINLINE_VERSION; results may differ (they name $have)" >&2
else
	echo "deps: error: $MAINLINE_SUITE has $MAINLINE_PKG $have, older than the pinned $MAINLINE_VERSION" >&2
	exit 1
fi
(cd "$apt/deb" && apt-get -qq "${aptopts[@]}" download "$MAINLINE_PKG=$have") ||
	{ echo "deps: error: could not download $MAINLINE_PKG $have" >&2; exit 1; }
rm -rf "$dl.tmp"
dpkg-deb -x "$apt/deb/"*.deb "$dl.tmp"
[ -f "$dl.tmp/usr/src/$MAINLINE_PKG.tar.xz" ] ||
	{ rm -rf "$dl.tmp"; echo "deps: error: $MAINLINE_PKG $have holds no usr/src/$MAINLINE_PKG.tar.xz" >&2; exit 1; }
echo "$have" >"$dl.tmp/VERSION"
mv "$dl.tmp" "$dl"
rm -rf "$apt"
echo "deps: $MAINLINE_PKG $have in build/downloads"
