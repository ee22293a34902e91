#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Show that each patch's tests fail without its fix: ci/test-first.sh [K...]
#
# For each patch K listed in ci/expected/BASE/test-first (all of them by
# default), on the run named there: build the patches before K plus the
# KUnit suite files that the table's third column names, and run them; a
# case of those suites must fail, or they must fail to build because they
# call what patch K adds.  Then build up to K with the same suites: every
# case of them must pass or skip.  The test glue (patch 1) builds most
# suites; a suite that calls what a later patch adds is built by a test
# patch after it (6.12's last), so for those two builds its line is added
# to the tree's arch/arm64/mm/Makefile, and taken out again after.
# A fix that KUnit cannot reach lands with a selftest of hotremove_hidden
# instead (one that needs an allocation of the kernel's own to fail, which
# only fault injection aimed from debugfs does): the third column names it,
# and the selftest guest of the run boots with that test alone
# (hotremove.only=), on the patches before K and then up to K.  Without K
# it must fail (not ok, or a kernel report); with it, it must pass.
# Results: build/test-first/K-{without,with}.{json,ktap,out}, .log for a
# selftest.  The tree is left with the whole series applied; the runs'
# results are named test-first-RUN.*, never RUN.*.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
res="$top/build/results"
log="$top/build/test-first"

die() {
	echo "test-first: error: $*" >&2
	exit 1
}

[ -z "${KDIR:-}" ] || die "test-first walks the base's series on its own tree: run it without KDIR"
[ -z "${DEBUG:-}" ] || die "test-first runs the plain kernels: run it without DEBUG"
[ "${SERIES:-ours}" = ours ] || die "test-first walks our series: run it without SERIES=$SERIES"
. "$top/ci/series.sh"
patches=("${series_patches[@]}")
[ "${#patches[@]}" -gt 0 ] || die "$base_patches/ holds no patch"
table=$top/ci/expected/$BASE/test-first
[ -f "$table" ] || die "${table#"$top"/} is missing: it names each patch's run"
want=("$@")
if [ "${#want[@]}" -eq 0 ]; then
	mapfile -t want < <(awk '!/^#/ && NF { print $1 }' "$table")
fi
rm -rf "$log"
mkdir -p "$log"

keep() {
	local run=$1 to=$2 ext

	for ext in json ktap out; do
		cp "$res/test-first-$run.$ext" "$log/$to.$ext" 2>/dev/null || true
	done
}

# Build the suite objects in the arguments: add a line to the tree's
# arch/arm64/mm/Makefile for each that it does not build yet, after the
# last hotremove_kunit-y assignment (continuation lines included).
build_suites() {
	python3 - "$base_tree/arch/arm64/mm/Makefile" "$@" <<'PY'
import sys
path, objs = sys.argv[1], sys.argv[2:]
lines = open(path).read().split('\n')
have, end, i = set(), None, 0
while i < len(lines):
    first = i
    while lines[i].endswith('\\') and i + 1 < len(lines):
        i += 1
    if lines[first].startswith('hotremove_kunit-y'):
        have.update(' '.join(lines[first:i + 1]).replace('\\', ' ').split())
        end = i
    i += 1
if end is None:
    sys.exit(f'{path} has no hotremove_kunit-y line: is patch 1 applied?')
new = [f'hotremove_kunit-y\t+= {o}' for o in objs if o not in have]
open(path, 'w').write('\n'.join(lines[:end + 1] + new + lines[end + 1:]))
PY
}

# Patch $1's selftest $3 on run $2, without and with the patch.
selftest_first() {
	local k=$1 run=$2 test=$3 which upto name

	for which in without with; do
		upto=$k
		[ "$which" = with ] || upto=$((k - 1))
		UPTO=$upto "$top/ci/prepare-tree.sh" >/dev/null ||
			die "patches 1..$upto do not apply"
		name=test-first-$k-$which
		SELFTEST_APPEND="hotremove.only=$test" \
			"$top/ci/selftest-run.sh" --name "$name" "$run" \
			>"$log/$k-$which.out" 2>&1 || true
		cp "$res/$name.log" "$log/$k-$which.log" 2>/dev/null || true
		cp "$res/$name.json" "$log/$k-$which.json" 2>/dev/null || true
	done
	python3 - "$log" "$k" "$test" <<'PY'
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), '..', 'ci'))
from logscan import scan_file  # noqa: E402
from summary import leaves  # noqa: E402

log, k, test = sys.argv[1:]


def outcome(which):
    """The test's status (kunit.py's JSON of the guest), the harness's
    failure lines and the kernel reports of its console."""
    path = os.path.join(log, f'{k}-{which}')
    try:
        with open(path + '.json') as f:
            result = dict(leaves(json.load(f))).get(f'hidden.{test}')
        text = open(path + '.log', errors='replace').read()
    except (OSError, ValueError):
        return None, [], []
    why = [l.strip() for l in text.splitlines()
           if re.match(r'#\s+\S+\.c:\d+:', l.strip())]
    return result, why, scan_file(path + '.log')


ok = True
result, why, reports = outcome('without')
if result == 'FAIL' or reports:
    print(f'  without it: hidden.{test} ' +
          ('fails' if result == 'FAIL' else 'brings a kernel report') +
          (f': {why[0]}' if why else f': {reports[0][2]}' if reports else ''))
else:
    print(f'  without it: FAIL: hidden.{test} ' +
          (f'says {result}: it cannot show the bug here' if result else
           f'gave no result, see build/test-first/{k}-without.out'))
    ok = False
result, why, reports = outcome('with')
if result == 'PASS' and not reports:
    print(f'  with it: hidden.{test} passes')
else:
    print(f'  with it: FAIL: hidden.{test} ' +
          (f'says {result}' if result else 'gave no result') +
          (f', {len(reports)} kernel reports' if reports else '') +
          f', see build/test-first/{k}-with.log')
    ok = False
sys.exit(0 if ok else 1)
PY
}

bad=0
for k in "${want[@]}"; do
	[[ "$k" =~ ^[0-9]+$ ]] && [ "$k" -ge 2 ] && [ "$k" -le "${#patches[@]}" ] ||
		die "no patch $k to check: use 2..${#patches[@]}"
	run=$(awk -v k="$k" '$1 == k { print $2 }' "$table")
	[ -n "$run" ] || die "${table#"$top"/} names no run for patch $k"
	selftest=$(awk -v k="$k" '$1 == k { print $3 }' "$table")
	[ -n "$selftest" ] || die "${table#"$top"/} names no suite or selftest for patch $k"
	if [[ "$selftest" != *.o ]]; then
		echo "test-first: patch $k on $run: selftest hidden.$selftest"
		selftest_first "$k" "$run" "$selftest" || bad=1
		continue
	fi
	objs="${selftest//,/ } "
	for o in $objs; do
		[ -f "$top/kunit/${o%.o}.c" ] ||
			die "${table#"$top"/} names $o for patch $k, but kunit/ has no ${o%.o}.c"
	done
	echo "test-first: patch $k on $run: ${objs% }"

	UPTO=$((k - 1)) "$top/ci/prepare-tree.sh" >/dev/null || die "patches 1..$((k - 1)) do not apply"
	build_suites $objs || die "cannot add ${objs% } to $base_tree/arch/arm64/mm/Makefile"
	KUNIT_FORCE_BUILD=1 "$top/ci/kunit-run.sh" --name "test-first-$run" "$run" >/dev/null 2>&1
	keep "$run" "$k-without"
	git -C "$base_tree" checkout -q -- arch/arm64/mm/Makefile
	UPTO=$k "$top/ci/prepare-tree.sh" >/dev/null || die "patches 1..$k do not apply"
	build_suites $objs || die "cannot add ${objs% } to $base_tree/arch/arm64/mm/Makefile"
	KUNIT_FORCE_BUILD=1 "$top/ci/kunit-run.sh" --name "test-first-$run" "$run" >/dev/null 2>&1
	keep "$run" "$k-with"
	git -C "$base_tree" checkout -q -- arch/arm64/mm/Makefile

	python3 - "$log" "$k" $objs <<'PY' || bad=1
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), '..', 'ci'))
from summary import leaves  # noqa: E402

log, k, objs = sys.argv[1], sys.argv[2], sys.argv[3:]
top = os.path.join(os.path.dirname(os.path.abspath(log)), '..')
suites = []
for o in objs:
    src = open(os.path.join(top, 'kunit', o[:-2] + '.c')).read()
    suites += re.findall(r'\.name = "(arm64_mm_hotremove\w*)"', src)


def cases(which):
    try:
        with open(os.path.join(log, f'{k}-{which}.json')) as f:
            root = json.load(f)
    except (OSError, ValueError):
        return None
    got = {}
    for s in root.get('sub_groups', []):
        if s['name'] in suites:
            got.update(leaves(s))
    return got


ok = True
without = cases('without')
if without is None:
    out = open(os.path.join(log, f'{k}-without.out'), errors='replace').read()
    err = [l.strip() for l in out.splitlines()
           if re.search(r'hotremove_kunit_\w+\.c:\d+:\d+: error:', l)]
    if err:
        print(f'  without it: does not build: {err[0].split("/")[-1]}')
    else:
        print(f'  without it: BROKEN: no results, see build/test-first/{k}-without.out')
        ok = False
else:
    failed = sorted(c for c, s in without.items() if s not in ('PASS', 'SKIP'))
    print(f'  without it: {len(failed)} of {len(without)} cases fail')
    for c in failed:
        print(f'    {c}')
    if not failed:
        print('  FAIL: its tests pass without it: they cannot show the bug here')
        ok = False
with_ = cases('with')
if not with_:
    print(f'  with it: FAIL: no results, see build/test-first/{k}-with.out')
    ok = False
else:
    bad = sorted(c for c, s in with_.items() if s not in ('PASS', 'SKIP'))
    npass = sum(1 for s in with_.values() if s == 'PASS')
    print(f'  with it: {npass} passed, {len(bad)} failed, '
          f'{len(with_) - npass - len(bad)} skipped')
    for c in bad:
        print(f'    FAIL: {c}')
    ok = ok and not bad and npass > 0
sys.exit(0 if ok else 1)
PY
done
PATCHES= UPTO= "$top/ci/prepare-tree.sh" >/dev/null
if [ "$bad" -ne 0 ]; then
	echo "test-first: some patches' tests do not fail without them, or fail with them" >&2
	exit 1
fi
echo "test-first: every checked patch's tests fail without it and pass with it"
