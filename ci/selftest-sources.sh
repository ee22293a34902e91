#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Copy the selftests' sources to DEST, and nothing that 'make -C selftests'
# built in place: a binary or module from there could be taken for up to
# date and land in a guest of another kernel.
#
#   ci/selftest-sources.sh DEST
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:?usage: ci/selftest-sources.sh DEST}
mkdir -p "$dest/hotremove_mod"
cd "$top/selftests"
cp Makefile config settings ./*.[ch] ./*.sh "$dest/"
cp hotremove_mod/Makefile hotremove_mod/*.c "$dest/hotremove_mod/"
