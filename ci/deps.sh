#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian 12 packages the harness needs, when any is missing.
# As root it runs apt-get itself; otherwise it names the command to run.
# Arguments name more packages, for one target (make xarch).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/ci/base.conf"

# Kernel build (cross and host), QEMU, ccache, kunit.py (Python 3 standard
# library only), git for the tree, perl and python3-ply/-git for checkpatch
# (its SPDX check), lcov for coverage, the arm64 C library (static
# selftests) and rsync (kselftest's install rules).
pkgs=(
	"$BASE_PKG" gcc-aarch64-linux-gnu gcc make bc bison flex libssl-dev
	libelf-dev xz-utils qemu-system-arm ccache python3 python3-ply
	python3-git git perl lcov libc6-dev-arm64-cross rsync
	"$@"
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: error: missing packages: ${missing[*]}: run 'sudo apt-get install ${missing[*]}' (or 'make deps' as root)" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
