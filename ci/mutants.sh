#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Show that the suite can fail: apply each deliberate bug in ci/mutants/ to
# build/linux, build and run the suite, and require at least one failed
# case; print the cases that caught it.
#
#   ci/mutants.sh [RUN [DIFF...]]
#
# RUN defaults to 4k-48; a mutant whose diff starts with "# run: R" runs on
# R, for bugs that only some configurations can show.  With DIFFs, only
# those mutants run.  A mutant counts as caught only when its kernel built
# and booted, kunit.py wrote its JSON and a named case failed; one whose
# kernel did not build, or gave no KTAP (the boot crashed), is broken, and
# fails the target like a mutant that was not caught.  The selftests then
# run on the same mutant kernel (10 cycles); what they catch is printed
# too, but only the KUnit suite is required to catch every mutant, except
# one whose diff has a line "# caught by: selftests": a bug that only the
# real path in a guest can reach (an allocation that fails inside
# arch_add_memory(), through fail_page_alloc), which the selftests must
# catch instead.
# The tree is restored after each mutant; the next normal run rebuilds.
# Results are named mutant-RUN.* and mutant-selftests-RUN.*, never RUN.*.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
run=${1:-4k-48}
shift || true
# Mutants to run: the given diffs, or every one in ci/mutants/.
mutants=()
for d in "$@"; do
	[ -f "$d" ] || { echo "mutants: error: no mutant $d: name a diff file" >&2; exit 1; }
	mutants+=("$(realpath "$d")")
done
[ ${#mutants[@]} -gt 0 ] || mutants=("$top"/ci/mutants/*.diff)
tree="$top/build/linux"
missed=0
caught=()	# "mutant run family,family,..." of each mutant caught

[ -z "${KDIR:-}" ] || { echo "mutants: error: run without KDIR" >&2; exit 1; }
[ -z "${DEBUG:-}" ] || { echo "mutants: error: run without DEBUG" >&2; exit 1; }
[ "${SERIES:-ours}" = ours ] || { echo "mutants: error: the mutants apply to our series: run without SERIES=$SERIES" >&2; exit 1; }
for m in "${mutants[@]}"; do
	name=$(basename "$m" .diff)
	mrun=$(sed -n '1s/^# run: *//p' "$m")
	mrun=${mrun:-$run}
	by_selftests=
	! grep -q '^# caught by: selftests' "$m" || by_selftests=1
	git -C "$tree" apply "$m" ||
		{ echo "mutants: error: $name does not apply: refresh ci/mutants/" >&2; exit 1; }
	KUNIT_FORCE_BUILD=1 "$top/ci/kunit-run.sh" --name "mutant-$mrun" "$mrun" >/dev/null
	git -C "$tree" apply -R "$m"
	verdict=$(PYTHONPATH="$top/ci" python3 -c '
import json, sys
from summary import leaves
out, js = sys.argv[1:]
try:
    with open(out, errors="replace") as f:
        built = "Starting KUnit Kernel" in f.read()
except OSError:
    built = False
if not built:
    print("broken: its kernel did not build (see " + out + ")")
    sys.exit()
try:
    with open(js) as f:
        cases = list(leaves(json.load(f)))
except (OSError, ValueError):
    cases = []
if not cases:
    print("broken: no KTAP, the kernel did not boot (see " + out + ")")
    sys.exit()
bad = sorted({n.split(":")[0] for n, s in cases
              if s not in ("PASS", "SKIP")} - {""})
print(("caught by " + ", ".join(bad)) if bad else "NOT CAUGHT")
' "$top/build/results/mutant-$mrun.out" "$top/build/results/mutant-$mrun.json")
	if [ -n "$by_selftests" ] && [ "$verdict" = "NOT CAUGHT" ]; then
		echo "mutant $name on $mrun: not caught by KUnit, which cannot reach it; the selftests must"
	else
		echo "mutant $name on $mrun: $verdict"
	fi
	case $verdict in
	caught*) caught+=("$name $mrun ${verdict#caught by }") ;;
	broken*) missed=$((missed + 1)); continue ;;
	*) [ -n "$by_selftests" ] || missed=$((missed + 1)) ;;
	esac
	mkconfig=$(awk -v r="$mrun" '$1 == r { print $2 }' "$top/ci/matrix")
	SELFTEST_CYCLES=10 "$top/ci/selftest-run.sh" \
		--build-dir "$top/build/kunit/$mkconfig" \
		--name "mutant-selftests-$mrun" "$mrun" >/dev/null 2>&1
	PYTHONPATH="$top/ci" python3 -c '
import sys
from summary import load_selftests
cases, _, problem = load_selftests("mutant-selftests-" + sys.argv[1])
bad = [n for n, s in cases if s != "PASS"]
if problem:
    bad.append("(" + problem + ")")
print("  selftests:", ("failing: " + ", ".join(bad)) if bad else "all passed")
sys.exit(0 if bad else 1)
' "$mrun" && { [ -z "$by_selftests" ] || caught+=("$name $mrun selftests"); } ||
		if [ -n "$by_selftests" ]; then
			echo "  NOT CAUGHT: the selftests must catch $name"
			missed=$((missed + 1))
		fi
done

# Which case families caught which mutant; the families of the suites are
# the KUNIT_CASE entries of kunit/*.c.
printf '%s\n' "${caught[@]}" | python3 -c '
import re, sys
src = "".join(open(f).read() for f in sys.argv[1:])
fams = re.findall(r"KUNIT_CASE\w*\((hr_\w+)", src)
rows = [l.split(" ", 2) for l in sys.stdin.read().splitlines() if l.strip()]
if not rows:
    sys.exit()
w = max(len(r[0]) + len(r[1]) + 3 for r in rows)
print()
print("family-by-mutant (x: a case of the family failed):")
print(" " * w + " ".join(f"{i:>2}" for i in range(1, len(fams) + 1)))
for name, run, fam in rows:
    got = set(f.strip() for f in fam.split(","))
    marks = ["x" if f in got else "." for f in fams]
    print(f"{name} ({run})".ljust(w) + " ".join(f"{m:>2}" for m in marks))
print("families:", ", ".join(f"{i}={f}" for i, f in enumerate(fams, 1)))
none = [f for f in fams if not any(f in r[2] for r in rows)]
if none:
    print("families that caught no mutant:", ", ".join(none))
' "$top"/kunit/*.c
[ "$missed" -eq 0 ]
