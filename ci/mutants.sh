#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Show that the suite can fail: apply each deliberate bug in ci/mutants/ to
# build/linux, build and run the suite, and require at least one failed
# case.  ci/mutants.sh [RUN]   (default RUN: 4k-48)
# The tree is restored after each mutant; the next normal run rebuilds.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
run=${1:-4k-48}
tree="$top/build/linux"
missed=0

[ -z "${KDIR:-}" ] || { echo "mutants: error: run without KDIR" >&2; exit 1; }
for m in "$top"/ci/mutants/*.diff; do
	name=$(basename "$m" .diff)
	git -C "$tree" apply "$m" ||
		{ echo "mutants: error: $name does not apply: refresh ci/mutants/" >&2; exit 1; }
	KUNIT_FORCE_BUILD=1 "$top/ci/kunit-run.sh" "$run" >/dev/null
	git -C "$tree" apply -R "$m"
	line=$("$top/ci/summary.py" "$run" | tail -n 1)
	failed=$(sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p' <<<"$line")
	if [ "${failed:-0}" -gt 0 ]; then
		echo "mutant $name: caught ($line)"
	else
		echo "mutant $name: NOT CAUGHT ($line)"
		missed=$((missed + 1))
	fi
done
[ "$missed" -eq 0 ]
