#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Show that the suite can fail: apply each deliberate bug in ci/mutants/ to
# build/linux, build and run the suite, and require at least one failed
# case; print the cases that caught it.  ci/mutants.sh [RUN]   (default RUN:
# 4k-48; a mutant whose diff starts with "# run: R" runs on R, for bugs
# that only some configurations can show).  The selftests then run on the
# same mutant kernel (10 cycles); what they catch is printed too, but only
# the KUnit suite is required to catch every mutant.
# The tree is restored after each mutant; the next normal run rebuilds.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
run=${1:-4k-48}
tree="$top/build/linux"
missed=0

[ -z "${KDIR:-}" ] || { echo "mutants: error: run without KDIR" >&2; exit 1; }
[ -z "${DEBUG:-}" ] || { echo "mutants: error: run without DEBUG" >&2; exit 1; }
for m in "$top"/ci/mutants/*.diff; do
	name=$(basename "$m" .diff)
	mrun=$(sed -n '1s/^# run: *//p' "$m")
	mrun=${mrun:-$run}
	git -C "$tree" apply "$m" ||
		{ echo "mutants: error: $name does not apply: refresh ci/mutants/" >&2; exit 1; }
	KUNIT_FORCE_BUILD=1 "$top/ci/kunit-run.sh" "$mrun" >/dev/null
	git -C "$tree" apply -R "$m"
	line=$("$top/ci/summary.py" "$mrun" | tail -n 1)
	failed=$(sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p' <<<"$line")
	if [ "${failed:-0}" -gt 0 ]; then
		echo "mutant $name: caught on $mrun ($line)"
		PYTHONPATH="$top/ci" python3 -c '
import json, sys
from summary import leaves
try:
    with open(sys.argv[1]) as f:
        bad = [n for n, s in leaves(json.load(f)) if s not in ("PASS", "SKIP")]
except (OSError, ValueError):
    bad = ["(no results: the kernel did not boot or crashed)"]
cases = sorted({n.split(":")[0] for n in bad})
print("  failing:", ", ".join(cases))
' "$top/build/results/$mrun.json"
	else
		echo "mutant $name: NOT CAUGHT on $mrun ($line)"
		missed=$((missed + 1))
	fi
	mkconfig=$(awk -v r="$mrun" '$1 == r { print $2 }' "$top/ci/matrix")
	SELFTEST_CYCLES=10 "$top/ci/selftest-run.sh" \
		--build-dir "$top/build/kunit/$mkconfig" "$mrun" >/dev/null 2>&1
	PYTHONPATH="$top/ci" python3 -c '
import sys
from summary import load_selftests
cases, _, problem = load_selftests("selftests-" + sys.argv[1])
bad = [n for n, s in cases if s != "PASS"]
if problem:
    bad.append("(" + problem + ")")
print("  selftests:", ("failing: " + ", ".join(bad)) if bad else "all passed")
' "$mrun"
done
[ "$missed" -eq 0 ]
