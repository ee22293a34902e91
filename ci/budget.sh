#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run one step of make test within CI's time:
#
#   ci/budget.sh [--after=NAME] MIN NAME... -- COMMAND...
#
# Without HR_DEADLINE (seconds since the epoch; .ci/run sets it from CI's
# time limit) COMMAND just runs.  With it, COMMAND starts only when at
# least MIN seconds are left, and is stopped, with its process group, at
# the deadline: a kernel built with a cold compiler cache takes 8 to 25
# minutes on 2 cores, which no estimate made beforehand gets right.
# --after=NAME: COMMAND needs what step NAME built, and does not start
# when NAME did not run.
#
# A step that does not start, or is stopped, gets build/results/NAME.notrun
# for each of its result names, with the reason, in place of any results
# it left; ci/summary.py shows it as not run, neither passed nor failed.
# ci/kunit-run.sh, ci/selftest-run.sh and ci/doc-check.sh remove it.
# Exit status: COMMAND's, or 1 when it did not run to its end.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
res=$top/build/results
usage="usage: ci/budget.sh [--after=NAME] MIN NAME... -- COMMAND..."
after=
case ${1:-} in
--after=*) after=${1#--after=}; shift ;;
esac
min=${1:-}
[[ "$min" =~ ^[0-9]+$ ]] || { echo "budget: error: $usage" >&2; exit 2; }
shift
names=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	names+=("$1")
	shift
done
[ "${1:-}" = -- ] && [ $# -gt 1 ] && [ ${#names[@]} -gt 0 ] ||
	{ echo "budget: error: $usage" >&2; exit 2; }
shift

# not_run REASON: mark every name as not run, dropping what it left.
not_run() {
	local name

	mkdir -p "$res"
	for name in "${names[@]}"; do
		rm -f "$res/$name".{json,ktap,out,seconds,log,problem,build}
		echo "$1" >"$res/$name.notrun"
		echo "budget: $name not run: $1"
	done
	exit 1
}

[ -n "${HR_DEADLINE:-}" ] || exec "$@"
hint="'make test BASE=${BASE:-mainline}' runs it"
[ -z "$after" ] || [ ! -e "$res/$after.notrun" ] ||
	not_run "$after did not run, and this needs its kernel; $hint"
left=$((HR_DEADLINE - $(date +%s)))
[ "$left" -ge "$min" ] ||
	not_run "out of CI time ($((left > 0 ? left : 0)) s left, $min s needed to start); $hint"
start=$(date +%s)
# timeout signals its whole process group; the steps pass TERM on to the
# process groups of their own (kunit.py, QEMU) and clean up.
timeout -k 60 "$left" "$@"
rc=$?
[ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] ||
	not_run "stopped at CI's deadline after $(($(date +%s) - start)) s; $hint"
exit "$rc"
