#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Show that the suite can fail, and which case fails: apply each deliberate
# bug in ci/mutants/ to build/linux, build and run the suite and the guest
# selftests on it, and compare with the control run, the clean tree's.
#
#   ci/mutants.sh [DIFF...]
#
# First the control run of every configuration the mutants need (KUnit and
# the selftest guest), each of which must match its manifest.  Then each
# mutant: its header (ci/mutants.py explains it) names the run, the guest
# and the cases that must fail; any other case that changes from the
# control run must be listed as also affected.  A mutant whose kernel does
# not build or boot is broken, never caught.  A selftest catch is a named
# test that failed in a guest that finished.  The tree is restored after
# each mutant, and on any exit (an interrupt included).
#
# Results: mutant-control-RUN.*, mutant-control-selftests-RUN.* (and
# mutant-control-VARIANT-selftests-RUN.*), mutant-NAME.*,
# mutant-selftests-NAME.*; the table in build/results/mutants.md.  Never
# named like a run's own results.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree="$top/build/linux"
res="$top/build/results"
die() { echo "mutants: error: $*" >&2; exit 1; }

[ -z "${KDIR:-}" ] || die "run without KDIR"
[ -z "${DEBUG:-}" ] || die "run without DEBUG"
[ "${SERIES:-ours}" = ours ] || die "the mutants apply to our series: run without SERIES=$SERIES"
[ -z "${SELFTEST_GUEST:-}" ] || [ "$SELFTEST_GUEST" = default ] ||
	die "run without SELFTEST_GUEST: a mutant's header names its guest"
mutants=()
for d in "$@"; do
	[ -f "$d" ] || die "no mutant $d: name a diff file of ci/mutants/"
	mutants+=("$(realpath "$d")")
done
[ ${#mutants[@]} -gt 0 ] || mutants=("$top"/ci/mutants/*.diff)
[ -z "$(git -C "$tree" status --porcelain -uno)" ] ||
	die "build/linux has changes of its own ('git -C build/linux status'): 'make tree TREE_RESET=1' puts it back to the series"

# Each mutant's run and guest, read (and its header checked) before anything
# is built.
declare -A mrun mguest
for m in "${mutants[@]}"; do
	hdr=$(python3 "$top/ci/mutants.py" header "$m") || exit 1
	mrun[$m]=${hdr%%$'\t'*}
	mguest[$m]=${hdr#*$'\t'}
	git -C "$tree" apply --check "$m" 2>/dev/null ||
		die "$(basename "$m") does not apply to build/linux: refresh it"
done

# The tree is put back whatever happens: a later make test must never test
# a mutant.
applied=
restore() {
	if [ -n "$applied" ]; then
		git -C "$tree" apply -R "$applied" ||
			echo "mutants: error: could not take $(basename "$applied") out of build/linux: 'make tree TREE_RESET=1'" >&2
		applied=
	fi
}
trap restore EXIT
trap 'restore; exit 130' INT TERM

selftests() {	# RUN GUEST NAME: the selftests on the kernel of RUN as built
	local kconfig
	kconfig=$(awk -v r="$1" '$1 == r { print $2 }' "$top/ci/matrix")
	rm -f "$res/$3".*
	SELFTEST_CYCLES=10 "$top/ci/selftest-run.sh" --guest "$2" \
		--build-dir "$top/build/kunit/$kconfig" --name "$3" "$1" \
		>"$res/$3.run" 2>&1
}

# The control runs: the clean tree, once per run and guest the mutants use.
declare -A done_run done_guest
for m in "${mutants[@]}"; do
	r=${mrun[$m]} g=${mguest[$m]}
	if [ -z "${done_run[$r]:-}" ]; then
		echo "mutants: control run $r: the clean tree's suite"
		KUNIT_FORCE_BUILD=1 "$top/ci/kunit-run.sh" --name "mutant-control-$r" "$r" >/dev/null
		python3 "$top/ci/mutants.py" control "$r" || exit 1
		done_run[$r]=1
	fi
	if [ -z "${done_guest[$r $g]:-}" ]; then
		name=mutant-control-$([ "$g" = default ] || echo "$g-")selftests-$r
		echo "mutants: control run $r: the clean tree's selftests ($g guest)"
		# No mutant has run yet: the kernel of run $r is the clean one.
		selftests "$r" "$g" "$name"
		python3 "$top/ci/mutants.py" control "$r" "$g" || exit 1
		done_guest[$r $g]=1
	fi
done

i=0
for m in "${mutants[@]}"; do
	i=$((i + 1))
	name=$(basename "$m" .diff)
	r=${mrun[$m]}
	echo "mutants: $i/${#mutants[@]} $name on $r"
	rm -f "$res/mutant-$name".* "$res/mutant-selftests-$name".*
	git -C "$tree" apply "$m" || die "$name does not apply"
	applied=$m
	KUNIT_FORCE_BUILD=1 "$top/ci/kunit-run.sh" --name "mutant-$name" "$r" >/dev/null
	# A kernel that built boots in the guest too, whatever KUnit said.
	if grep -q "Starting KUnit Kernel" "$res/mutant-$name.out" 2>/dev/null; then
		selftests "$r" "${mguest[$m]}" "mutant-selftests-$name"
	fi
	restore
done
trap - EXIT INT TERM

echo
python3 "$top/ci/mutants.py" report "${mutants[@]}"
