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
# BASE (ci/base.sh) picks the base: mainline (the default) or 6.12.  The
# tree is a git worktree of BASE's tree at its 'base' tag, under
# build/xarch/BASE/linux, with the suite copied to mm/.  Each boot's console
# log is build/xarch/BASE/results/LABEL-CONFIG-N.log (LABEL: ARCH or
# ARCH-fixed), kunit.py's JSON LABEL-CONFIG-N.json beside it; the table is
# table.md there.
#
# Environment:
#   XARCH_ARCHES       the architectures (default: x86_64 riscv64)
#   XARCH_BOOTS        boots of each x86_64 configuration with memory KASLR,
#                      each with its own random layout (default: 300)
#   XARCH_FIXED_BOOTS  at most this many with the fixes (default: 20)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
prog=xarch
. "$top/ci/kunit-py.sh"

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

. "$top/ci/base.sh"
xarch=$top/build/xarch/$BASE
tree=$xarch/linux
res=$xarch/results

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

rm -f "$res"/*.log "$res"/*.out "$res"/*.json "$res"/table.md
for arch in $arches; do
	kunit_arch=$arch
	cross=()
	[ "$arch" = riscv64 ] && kunit_arch=riscv cross=(--cross_compile=riscv64-linux-gnu-)
	# The fixes: xarch/patches/ARCH, or, where a base needs its own
	# version of them, xarch/patches/BASE/ARCH.
	fixes=$top/xarch/patches/$arch
	[ ! -d "$top/xarch/patches/$BASE/$arch" ] || fixes=$top/xarch/patches/$BASE/$arch
	variants=(base)
	compgen -G "$fixes/*.patch" >/dev/null && variants+=(fixed)

	for variant in "${variants[@]}"; do
		# The base, or the base with this architecture's fixes.
		git -C "$tree" checkout -q -- arch
		label=$arch
		if [ "$variant" = fixed ]; then
			git -C "$tree" apply "$fixes"/*.patch ||
				die "${fixes#"$top"/} does not apply to $BASE_PKG"
			label=$arch-fixed
		fi
		out=$xarch/$label
		common=(--arch="$kunit_arch" --build_dir="$out"
			--qemu_config="$top/xarch/qemu/$arch.py")

		t0=$SECONDS
		kunit_py "$tree" "$label" "$out" "$res/$label.build" build \
			"${common[@]}" "${cross[@]}" \
			--kunitconfig="$top/xarch/$arch.kunitconfig" --jobs="${JOBS:-$(nproc)}" ||
			{ git -C "$tree" checkout -q -- arch;
			  die "the $label kernel did not build, see $res/$label.build"; }
		echo "$prog: $label: kernel built in $((SECONDS - t0)) s"

		declare -n configs=configs_$arch
		for c in "${configs[@]}"; do
			IFS='|' read -r name args count <<<"$c"
			# The fixes need fewer boots to show they hold.
			[ "$variant" = fixed ] && [ "$count" -gt "$fixed_boots" ] && count=$fixed_boots
			for i in $(seq 1 "$count"); do
				log=$res/$label-$name-$i.log
				t0=$SECONDS
				# A failed case is for table.py to judge, from the JSON.
				kunit_py "$tree" "$label" "$out" "$res/$label-$name-$i.out" \
					exec "${common[@]}" --timeout=300 \
					--json="$res/$label-$name-$i.json" \
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
