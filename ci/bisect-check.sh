#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the tree and run the KUnit suite at each patch of the series:
# ci/bisect-check.sh [RUN]   (default RUN: 4k-48, from ci/matrix)
#
# A patch breaks the series when the tree does not build or boot there, or
# when a case that passed at an earlier patch fails.  Cases that fail before
# the patch that fixes them (test-first) are reported, not counted as breaks;
# at the last patch every case must pass.  The first breaking patch is named.
# The tree is left with the whole series applied.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
run=${1:-4k-48}
res="$top/build/results"

die() {
	echo "bisect-check: error: $*" >&2
	exit 1
}

[ -z "${KDIR:-}" ] || die "bisect-check walks patches/ on build/linux: run it without KDIR"
[ -z "${DEBUG:-}" ] || die "bisect-check reads the plain runs' results: run it without DEBUG"
. "$top/ci/series.sh"
n=${#series_patches[@]}
[ "$n" -gt 0 ] || die "series $series holds no patch"
# Another series (SERIES) logs to build/bisect-SERIES.
log="$top/build/bisect${series_prefix:+-$series}"
rm -rf "$log"
mkdir -p "$log"

for k in $(seq 1 "$n"); do
	# The Subject header may be folded over two lines.
	subject=$(sed -n '/^Subject:/{N;s/\n / /;s/\n.*//;s/^Subject: \[PATCH[^]]*\] //p}' \
		"${series_patches[k - 1]}")
	echo "bisect-check: patch $k/$n: $subject"
	UPTO=$k "$top/ci/prepare-tree.sh" >/dev/null || die "patch $k does not apply"
	"$top/ci/kunit-run.sh" --name "bisect-$series_prefix$run" "$run" >/dev/null
	for ext in json out ktap; do
		cp "$res/bisect-$series_prefix$run.$ext" "$log/$k.$ext" 2>/dev/null || true
	done
done
PATCHES= UPTO= "$top/ci/prepare-tree.sh" >/dev/null

python3 - "$log" "$n" <<'EOF'
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(sys.argv[1]), '..', 'ci'))
from summary import leaves  # noqa: E402

log, n = sys.argv[1], int(sys.argv[2])
where = os.path.relpath(log, os.path.join(os.path.dirname(log), '..'))
passed_before = set()
failed_before = set()
first_break = None
for k in range(1, n + 1):
    try:
        with open(os.path.join(log, f'{k}.json')) as f:
            cases = dict(leaves(json.load(f)))
    except (OSError, ValueError):
        print(f'patch {k}: BREAK: no results (build or boot failed), '
              f'see {where}/{k}.out')
        first_break = first_break or k
        continue
    # A skip is neither: the run's manifest says which cases skip.
    fails = sorted(c for c, s in cases.items() if s not in ('PASS', 'SKIP'))
    broke = sorted(c for c in fails if c in passed_before)
    pending = [c for c in fails if c not in passed_before]
    npass = sum(1 for s in cases.values() if s == 'PASS')
    nskip = sum(1 for s in cases.values() if s == 'SKIP')
    print(f'patch {k}: {npass} passed, {len(fails)} failing'
          + (f' ({len(pending)} not fixed yet)' if pending else '')
          + (f', {nskip} skipped' if nskip else ''))
    for c in sorted(c for c in failed_before if cases.get(c) == 'PASS'):
        print(f'  fixed here: {c}')
    failed_before = (failed_before | set(fails)) - {
        c for c, s in cases.items() if s == 'PASS'}
    for c in broke:
        print(f'  BREAK: {c} passed at an earlier patch, fails here')
    if broke:
        first_break = first_break or k
    passed_before |= {c for c, s in cases.items() if s == 'PASS'}
    if k == n and fails:
        for c in fails:
            print(f'  FAIL at the last patch: {c}')
        first_break = first_break or k
if first_break:
    print(f'bisect-check: the first patch that breaks something is {first_break}')
    sys.exit(1)
print(f'bisect-check: all {n} patches build, and no case regresses')
EOF
