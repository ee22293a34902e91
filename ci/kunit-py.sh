# SPDX-License-Identifier: GPL-2.0
#
# Sourced by ci/kunit-run.sh, ci/doc-check.sh and xarch/run.sh.  Expects
# prog (the name in progress lines).
#
# kunit_py TREE LABEL OUT LOG ARGS...: run TREE's kunit.py with ARGS in its
# own process group (an interrupted run leaves no QEMU behind), its output
# in the file LOG, and print a line every 30 s while it runs, so that a
# build of several minutes does not look hung: elapsed time and the objects
# compiled so far in the build folder OUT.  Returns kunit.py's status.

kunit_progress() {
	local label=$1 out=$2 what=$3 t0=$SECONDS n nap

	trap 'kill $nap 2>/dev/null; exit 0' TERM
	while :; do
		sleep 30 &
		nap=$!
		wait $nap
		n=$(find "$out" -name '*.o' -newer "$out/.kunit-py-start" 2>/dev/null | wc -l)
		echo "$prog: $label: $what, $((SECONDS - t0)) s, $n objects compiled"
	done
}

# in_group LOG TICKER... -- COMMAND...: run COMMAND in its own process
# group (an interrupted run leaves no QEMU behind), its output in the file
# LOG, and the command TICKER beside it until COMMAND ends.  Returns
# COMMAND's status.
in_group() {
	local log=$1 tick=() pid ticker rc

	shift
	while [ "$1" != -- ]; do
		tick+=("$1")
		shift
	done
	shift
	setsid "$@" >"$log" 2>&1 &
	pid=$!
	"${tick[@]}" &
	ticker=$!
	trap 'kill $ticker 2>/dev/null; kill -TERM -- -$pid 2>/dev/null; wait $pid; exit 130' INT TERM
	wait $pid
	rc=$?
	trap - INT TERM
	kill $ticker 2>/dev/null
	wait $ticker 2>/dev/null
	return $rc
}

kunit_py() {
	local tree=$1 label=$2 out=$3 log=$4

	shift 4
	mkdir -p "$out"
	touch "$out/.kunit-py-start"
	in_group "$log" kunit_progress "$label" "$out" "kunit.py $1" -- \
		"$tree/tools/testing/kunit/kunit.py" "$@"
}
