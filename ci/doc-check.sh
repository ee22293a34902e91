#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the commands README.md shows, as a reader types them: ci/doc-check.sh
#
# The commands are read from README's ```sh blocks (a '\' joins lines, a
# '#' starts a comment), so README cannot show one that CI does not run:
# each must be one this script knows, and one it does not know fails.  Each
# is run whole, or to its first step where the whole command is a long
# target of its own; two are not run, and say why (the command CI itself
# runs, and one that runs in the arm64 guest).  A line per command goes to
# build/results/doc-check.tsv: STATUS<TAB>COMMAND<TAB>DETAIL, STATUS being
# PASS, FAIL or SKIP; ci/summary.py --doc counts them.
#
# README's commands work on mainline, the default base.  The kunit.py
# commands leave their results as build/results/kunitpy.* (kunit.py's own
# arm64 target: manifest ci/expected/mainline/kunitpy) and byhand-RUN.*
# (the harness's kernel of RUN: manifest ci/expected/mainline/RUN), which
# ci/summary.py --also matches against their manifests.
#
# The commands run in a checkout whose mainline tree 'make tree' prepared,
# and take the kernels they name from build/mainline/kunit/ (built here
# when missing).  Only
# what a reader's machine would not share is changed: ccache goes in front
# of the cross compiler, as the harness does, and the install of the
# selftests goes to a folder under build/ instead of /tmp/hr.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
prog=doc-check
res="$top/build/results"
work="$top/build/doc-check"
tsv="$res/doc-check.tsv"

die() {
	echo "doc-check: error: $*" >&2
	exit 1
}

tree=$top/build/mainline/linux
[ -x "$tree/tools/testing/kunit/kunit.py" ] ||
	die "no prepared tree in build/mainline/linux: run 'make tree' first"
[ -z "${KDIR:-}" ] && [ "${SERIES:-ours}" = ours ] && [ -z "${DEBUG:-}" ] &&
	[ "${BASE:-mainline}" = mainline ] ||
	die "README's commands use the mainline tree and plain kernels: run without KDIR, SERIES, DEBUG and BASE"
. "$top/ci/kunit-py.sh"
mkdir -p "$res" "$top/build/ccache-bin"
rm -rf "$work" "$tsv" "$res/doc-check.notrun"
mkdir -p "$work"
ln -sf "$(command -v ccache)" "$top/build/ccache-bin/aarch64-linux-gnu-gcc"
export PATH="$top/build/ccache-bin:$PATH" CCACHE_BASEDIR="$top"
# A reader's shell, not make's: the commands must not see the variables of
# a 'make test' that runs this script.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES KDIR PATCHES UPTO SERIES \
	SELFTEST_GUEST DEBUG BASE

# The commands of README's ```sh blocks, one a line, and a blank line
# between blocks (a 'cd' holds until the end of its block).
commands() {
	awk '
	/^```/ { if (inb) print ""; inb = ($0 == "```sh"); next }
	!inb { next }
	{
		sub(/^[ \t]+/, ""); sub(/[ \t]+#.*$/, ""); sub(/^#.*$/, "")
		if (/\\$/) { sub(/\\$/, ""); cur = cur $0 " "; next }
		cur = cur $0; gsub(/[ \t]+/, " ", cur); sub(/ $/, "", cur)
		if (cur != "") print cur
		cur = ""
	}' "$top/README.md"
}

record() {
	printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >>"$tsv"
	echo "doc-check: $1: $2${3:+ ($3)}"
}

ticker() {
	local t0=$SECONDS nap

	trap 'kill $nap 2>/dev/null; exit 0' TERM
	while :; do
		sleep 30 &
		nap=$!
		wait $nap
		echo "doc-check: ${1:0:40}...: $((SECONDS - t0)) s"
	done
}

# run_logged LOG DIR COMMAND: run the command line COMMAND in DIR, output
# in LOG, a line every 30 s while it runs (in_group, ci/kunit-py.sh).
run_logged() {
	touch "$work/.start"
	in_group "$1" ticker "$3" -- bash -c 'cd "$1" && eval "$2"' - "$2" "$3"
}

# A harness kernel that a command names (build/mainline/kunit/RUN), built when
# missing, as 'make' or 'make test' would have built it.
need_kernel() {
	"$top/ci/kunit-run.sh" --build-only "$1" >/dev/null 2>&1 ||
		{ record FAIL "$2" "the kernel of run $1 does not build: see build/results/$1.build"; return 1; }
}

# kunit.py run ...: run it; NAME its results for ci/summary.py --also.
check_kunit_py() {
	local cmd=$1 dir=$2 name=$3 build_dir log="$work/$3.log"

	build_dir=$(sed -n 's/.*--build_dir=\([^ ]*\).*/\1/p' <<<"$cmd")
	build_dir=$dir/${build_dir:-.kunit}
	rm -f "$res/$name".{json,ktap,out,notrun}
	# kunit.py also exits 1 when a case fails: a command that ran to its
	# end passes here, and its results are judged against the manifest and
	# known-bugs by ci/summary.py --also, like every run.
	if run_logged "$log" "$dir" "$cmd"; then
		record PASS "$cmd" "results $name, matched against ci/expected/mainline/$4"
	elif grep -q 'Elapsed time:.* running' "$log"; then
		record PASS "$cmd" "ran to the end, some cases failed: results $name, matched against ci/expected/mainline/$4 and known-bugs"
	else
		record FAIL "$cmd" "kunit.py failed: $({ grep -E 'ERROR|Missing|error:' "$log" || tail -n 1 "$log"; } | head -n 2 | tr '\n' ' ')"
	fi
	cp "$log" "$res/$name.out"
	if [ -s "$build_dir/test.log" ] && [ "$build_dir/test.log" -nt "$work/.start" ]; then
		cp "$build_dir/test.log" "$res/$name.ktap"
		"$tree/tools/testing/kunit/kunit.py" parse \
			--json="$res/$name.json" "$res/$name.ktap" >/dev/null 2>&1 || true
	fi
}

# The selftest binaries must be static aarch64 programs.
static_aarch64() {
	local f

	for f in "$@"; do
		[ -f "$f" ] && readelf -h "$f" 2>/dev/null | grep -q 'Machine:.*AArch64' &&
			! readelf -l "$f" 2>/dev/null | grep -q INTERP || return 1
	done
}

cwd=$top
n=0
while IFS= read -r cmd; do
	if [ -z "$cmd" ]; then
		cwd=$top
		continue
	fi
	n=$((n + 1))
	echo "doc-check: $cmd"
	case $cmd in
	"cd build/mainline/linux")
		cwd=$tree
		;;
	"make test")
		record SKIP "$cmd" "the command CI runs: its result is this summary"
		;;
	make)
		# Its summary of one run must not replace the summary of the
		# runs that make test is judging.
		cp "$res/summary.json" "$work/summary.json" 2>/dev/null
		if run_logged "$work/make.log" "$top" "$cmd"; then
			record PASS "$cmd" "$(grep -E '^[0-9]+ passed, ' "$work/make.log" | tail -n 1)"
		else
			record FAIL "$cmd" "exit $?, see build/doc-check/make.log: $(grep -E '^[0-9]+ passed, |error:' "$work/make.log" | tail -n 1)"
		fi
		if [ -f "$work/summary.json" ]; then
			mv "$work/summary.json" "$res/summary.json"
		else
			rm -f "$res/summary.json"
		fi
		;;
	"tools/testing/kunit/kunit.py run --arch=arm64 "*)
		check_kunit_py "$cmd" "$cwd" kunitpy kunitpy
		;;
	"tools/testing/kunit/kunit.py run --build_dir=../kunit/"*)
		r=$(sed -n 's,.*--build_dir=../kunit/\([^ ]*\).*,\1,p' <<<"$cmd")
		need_kernel "$r" "$cmd" && check_kunit_py "$cmd" "$cwd" "byhand-$r" "$r"
		;;
	"make -C selftests KDIR=\$PWD/build/mainline/kunit/"*" install INSTALL_PATH=/tmp/hr")
		r=$(sed -n 's,.*build/mainline/kunit/\([^ ]*\) .*,\1,p' <<<"$cmd")
		dest=$work/install
		need_kernel "$r" "$cmd" || continue
		if run_logged "$work/selftests-install.log" "$top" "${cmd%/tmp/hr}$dest" &&
		   static_aarch64 "$dest/hotremove_hidden" "$dest/hotremove_virtio_mem" &&
		   [ -f "$dest/hotremove_mod/hotremove_test.ko" ] &&
		   [ -x "$dest/hotremove_stress.sh" ] && [ -f "$dest/settings" ]; then
			record PASS "$cmd" "installed into build/doc-check/install: the two tests, the module, the stress script, settings"
		else
			record FAIL "$cmd" "see build/doc-check/selftests-install.log"
		fi
		;;
	"make -C selftests KDIR=\$PWD/build/mainline/kunit/"*)
		r=$(sed -n 's,.*build/mainline/kunit/\([^ ]*\)$,\1,p' <<<"$cmd")
		need_kernel "$r" "$cmd" || continue
		if run_logged "$work/selftests.log" "$top" "$cmd" &&
		   static_aarch64 "$top/selftests/hotremove_hidden" "$top/selftests/hotremove_virtio_mem" &&
		   [ -f "$top/selftests/hotremove_mod/hotremove_test.ko" ]; then
			record PASS "$cmd" "static aarch64 tests and the module, built against build/mainline/kunit/$r"
		else
			record FAIL "$cmd" "see build/doc-check/selftests.log"
		fi
		;;
	"make -C selftests run_tests")
		record SKIP "$cmd" "runs in the arm64 guest: the selftest guests of make test run the installed tests with kselftest's runner.sh, as run_tests does"
		;;
	"make test KDIR=/path/to/linux")
		# Its first step: the tree is checked and the suite installed.
		# A tree that is not one must fail with one line naming the fix.
		if run_logged "$work/kdir.log" "$top" "make tree KDIR=\$PWD/build/mainline/linux" &&
		   ! run_logged "$work/kdir-bad.log" "$top" "make tree KDIR=\$PWD/build/no-such-tree" &&
		   [ "$(grep -c 'error:' "$work/kdir-bad.log")" = 1 ] &&
		   grep -q 'point KDIR at the top of a kernel tree' "$work/kdir-bad.log"; then
			record PASS "$cmd" "first step, 'make tree' with KDIR: build/mainline/linux is accepted and the suite installed; a folder that is no tree gets one error line"
		else
			record FAIL "$cmd" "see build/doc-check/kdir.log and kdir-bad.log"
		fi
		;;
	"make series" | "make series BASE=6.12")
		# It signs the patches off with the git identity of whoever
		# runs it, and without one refuses with one line naming the fix.
		if [ -n "$(git -C "$top" config user.name)" ] && [ -n "$(git -C "$top" config user.email)" ]; then
			if run_logged "$work/series.log" "$top" "$cmd" &&
			   ! grep -q 'warning' "$work/series.log"; then
				if [ "$cmd" = "make series" ]; then
					record PASS "$cmd" "$(ls "$top"/build/series/mainline/*/0*.patch 2>/dev/null | grep -vc cover-letter) patches of the mainline series in $(ls -d "$top"/build/series/mainline/*/ | wc -l) series with their cover letters, all applying to bare 7.3, checkpatch clean"
				else
					record PASS "$cmd" "$(ls "$top"/build/series/0*.patch 2>/dev/null | grep -vc cover-letter) patches of the 6.12 series and its cover letter, applied to bare 6.12, checkpatch clean"
				fi
			else
				record FAIL "$cmd" "see build/doc-check/series.log: $(grep -m1 'error\|warning' "$work/series.log")"
			fi
		elif ! run_logged "$work/series.log" "$top" "$cmd" &&
		     [ "$(grep -c 'error:' "$work/series.log")" = 1 ] &&
		     grep -q "git config user.name" "$work/series.log"; then
			record PASS "$cmd" "this machine has no git identity: it refuses with one line naming 'git config user.name' and 'user.email'"
		else
			record FAIL "$cmd" "see build/doc-check/series.log: without a git identity it must refuse with one error line"
		fi
		;;
	*)
		record FAIL "$cmd" "README shows this command, and ci/doc-check.sh does not check it: add a check there"
		;;
	esac
done < <(commands)
[ "$n" -gt 0 ] || record FAIL "README.md" "no command found in its sh blocks"
! grep -q '^FAIL' "$tsv"
