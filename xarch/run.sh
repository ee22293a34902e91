#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make xarch: the hr_xarch KUnit suite (xarch/hr_xarch_kunit.c) on x86_64
# and riscv64, on the bare base (no arm64 patch), in every paging mode that
# one kernel per architecture can boot into; then again with the proposed
# fixes of xarch/patches/ARCH applied; then the table of the page-table pages
# that hot-remove shares with other regions (xarch/table.py).  It fails if a
# boot gives no results, if a fixed kernel fails a case, or if a base kernel
# whose architecture has fixes fails none (the fix would show nothing).
#
# The tree is a git worktree of build/linux at its 'base' tag, under
# build/xarch/linux, with the suite copied to mm/.  Each boot's console log
# is build/xarch/results/LABEL-CONFIG-N.log (LABEL: ARCH or ARCH-fixed), the
# table is table.md there.
#
# Environment:
#   XARCH_ARCHES       the architectures (default: x86_64 riscv64)
#   XARCH_BOOTS        boots of each x86_64 configuration with memory KASLR,
#                      each with its own random layout (default: 300)
#   XARCH_FIXED_BOOTS  at most this many with the fixes (default: 20)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
prog=xarch

die() {
	echo "$prog: error: $*" >&2
	exit 1
}

arches=${XARCH_ARCHES:-x86_64 riscv64}
boots=${XARCH_BOOTS:-300}
fixed_boots=${XARCH_FIXED_BOOTS:-20}
for n in "$boots" "$fixed_boots"; do
	[[ "$n" =~ ^[1-9][0-9]*$ ]] ||
		die "XARCH_BOOTS=$boots, XARCH_FIXED_BOOTS=$fixed_boots: use counts from 1"
done
for a in $arches; do
	case $a in
	x86_64 | riscv64) ;;
	*) die "XARCH_ARCHES names '$a': use x86_64 and/or riscv64" ;;
	esac
done

"$top/ci/deps.sh" gcc-riscv64-linux-gnu qemu-system-x86 qemu-system-misc

# The configurations: name, kernel arguments, boots.
configs_x86_64=(
	"4-level-nokaslr|no5lvl nokaslr|1"
	"4-level-kaslr|no5lvl|$boots"
	"5-level-nokaslr|nokaslr|1"
	"5-level-kaslr||$boots"
)
configs_riscv64=(
	"sv39|no4lvl|1"
	"sv48|no5lvl|1"
	"sv57||1"
)

base_tree=$top/build/linux
tree=$top/build/xarch/linux
res=$top/build/xarch/results

git -C "$base_tree" rev-parse -q --verify base >/dev/null 2>&1 ||
	die "no prepared tree at $base_tree: run 'make tree' first"
# A worktree whose repository went away (make tree rebuilt build/linux)
# is made again; git -C must not reach the checkout around build/.
if [ "$(git -C "$tree" rev-parse --show-toplevel 2>/dev/null)" != "$tree" ]; then
	rm -rf "$tree"
	echo "$prog: worktree of the base at $tree"
	git -C "$base_tree" worktree prune
	git -C "$base_tree" worktree add -q --detach "$tree" base
elif [ "$(git -C "$tree" rev-parse HEAD)" != "$(git -C "$base_tree" rev-parse base)" ]; then
	git -C "$tree" checkout -q --detach base
fi
# Only the suite and its line in mm/Makefile differ from the base.
git -C "$tree" checkout -q -- mm/Makefile
echo 'obj-$(CONFIG_KUNIT) += hr_xarch_kunit.o' >>"$tree/mm/Makefile"
cmp -s "$top/xarch/hr_xarch_kunit.c" "$tree/mm/hr_xarch_kunit.c" ||
	cp "$top/xarch/hr_xarch_kunit.c" "$tree/mm/hr_xarch_kunit.c"

# ccache in front of the compilers, without touching the system.
mkdir -p "$top/build/xarch/ccache-bin" "$res"
for c in gcc riscv64-linux-gnu-gcc; do
	ln -sf "$(command -v ccache)" "$top/build/xarch/ccache-bin/$c"
done
export PATH="$top/build/xarch/ccache-bin:$PATH"
export CCACHE_BASEDIR="$top"

# kunit.py in its own process group, so that an interrupt leaves no QEMU.
kunit_py() {
	local log=$1 pid rc

	shift
	setsid "$tree/tools/testing/kunit/kunit.py" "$@" >"$log" 2>&1 &
	pid=$!
	trap 'kill -TERM -- -$pid 2>/dev/null; wait $pid; exit 130' INT TERM
	set +e
	wait $pid
	rc=$?
	set -e
	trap - INT TERM
	return $rc
}

# A line every 30 s while a kernel builds.
ticker() {
	local t0=$SECONDS

	while sleep 30; do
		echo "$prog: $1: building, $((SECONDS - t0)) s, $(find "$2" -name '*.o' -newer "$2/.xarch-start" | wc -l) objects compiled"
	done
}

rm -f "$res"/*.log "$res"/*.out "$res"/table.md
for arch in $arches; do
	kunit_arch=$arch
	cross=()
	[ "$arch" = riscv64 ] && kunit_arch=riscv cross=(--cross_compile=riscv64-linux-gnu-)
	variants=(base)
	compgen -G "$top/xarch/patches/$arch/*.patch" >/dev/null && variants+=(fixed)

	for variant in "${variants[@]}"; do
		# The base, or the base with this architecture's fixes.
		git -C "$tree" checkout -q -- arch
		label=$arch
		if [ "$variant" = fixed ]; then
			git -C "$tree" apply "$top/xarch/patches/$arch"/*.patch ||
				die "xarch/patches/$arch does not apply to the base"
			label=$arch-fixed
		fi
		out=$top/build/xarch/$label
		common=(--arch="$kunit_arch" --build_dir="$out"
			--qemu_config="$top/xarch/qemu/$arch.py")

		mkdir -p "$out"
		touch "$out/.xarch-start"
		t0=$SECONDS
		ticker "$label" "$out" &
		tick=$!
		trap 'kill $tick 2>/dev/null || true' EXIT
		kunit_py "$res/$label.build" build "${common[@]}" "${cross[@]}" \
			--kunitconfig="$top/xarch/$arch.kunitconfig" --jobs="${JOBS:-$(nproc)}" ||
			{ kill $tick; git -C "$tree" checkout -q -- arch;
			  die "the $label kernel did not build, see $res/$label.build"; }
		kill $tick
		trap - EXIT
		echo "$prog: $label: kernel built in $((SECONDS - t0)) s"

		declare -n configs=configs_$arch
		for c in "${configs[@]}"; do
			IFS='|' read -r name args count <<<"$c"
			# The fixes need fewer boots to show they hold.
			[ "$variant" = fixed ] && [ "$count" -gt "$fixed_boots" ] && count=$fixed_boots
			for i in $(seq 1 "$count"); do
				log=$res/$label-$name-$i.log
				t0=$SECONDS
				kunit_py "$res/$label-$name-$i.out" exec "${common[@]}" --timeout=300 \
					${args:+--kernel_args="$args"} || true
				cp "$out/test.log" "$log" 2>/dev/null || : >"$log"
				summary=$(grep -E "Testing complete|ERROR" "$res/$label-$name-$i.out" |
					  tail -n 1 | sed 's/^\[[0-9:]*\] //' || true)
				echo "$prog: $label $name boot $i/$count: $((SECONDS - t0)) s: ${summary:-no result}"
			done
		done
	done
	git -C "$tree" checkout -q -- arch
done

"$top/xarch/table.py" "$res" | tee "$res/table.md"
