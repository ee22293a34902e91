#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: what the series costs against the base, on this machine.
#
#   ci/bench.sh [RUN...]        (default: 4k-48 16k-47 64k-48)
#
# Two kernels per run, on BASE (ci/base.sh): the base (patch 1 only: the
# KUnit glue, which changes no behaviour; built from a worktree of BASE's
# tree at that commit, build/bench/BASE/linux-base) and the whole series
# (BASE's tree).  Both are RUN's KUnit kernels, booted with the suites off.
# Were the series patch 1 alone, the two would be the same source, and the
# bench would measure its own noise.  Each
# boot runs bench/hotremove_bench in a guest with 10 GiB of RAM, 6 GiB of
# it hidden by mem= (test_vmalloc's long_busy_list test takes 15000 pages a
# thread: 1.8 GiB with 64K pages), and a virtio-mem device of 1 GiB, with
# arm64's default rodata (7.3: on, 6.12: full) and with the rodata that maps
# RAM with blocks (7.3: noalias, 6.12: on).
#
# Rounds are interleaved: every pass boots each kernel once per run and
# rodata mode, base and series in turn (the order swaps every pass), and
# passes repeat until every ratio's 95% interval is narrower than 5%, or
# BENCH_MAX_PASSES (default 3; at least 2).  ci/bench.py prints the table
# and writes build/results/bench.json (6.12: bench-6.12.json).  Logs:
# build/bench/BASE/logs/.
#
# Environment: BENCH_MODES (the rodata values to boot with; default both,
# but on mainline only arm64's default, since the base kernel, bare 7.3.4,
# cannot take block-mapped hot-added memory offline), BENCH_ROUNDS
# (add/remove and plug/unplug rounds per boot, default 20),
# BENCH_VMALLOC_LOOPS (test_vmalloc loops per thread, default 10000),
# BENCH_VMALLOC_REPEAT (runs of each vmalloc test per boot, default 3),
# BENCH_MAX_PASSES.  Not part of CI: timing under TCG says little
# alone; only the side-by-side ratios mean something.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(4k-48 16k-47 64k-48)
rounds=${BENCH_ROUNDS:-20}
loops=${BENCH_VMALLOC_LOOPS:-10000}
repeat=${BENCH_VMALLOC_REPEAT:-3}
max_passes=${BENCH_MAX_PASSES:-3}
[ "$max_passes" -ge 2 ] || max_passes=2
. "$top/ci/base.sh"
tree=$base_tree
bench="$top/build/bench/$BASE"
base="$bench/linux-base"

die() {
	echo "bench: error: $*" >&2
	exit 1
}

[ -z "${KDIR:-}" ] || die "bench builds its own two trees: run it without KDIR"
[ -z "${DEBUG:-}" ] || die "bench measures the plain kernels: run it without DEBUG"
[ "${SERIES:-ours}" = ours ] || die "bench measures our series against its base: run it without SERIES=$SERIES"
for r in "${runs[@]}"; do
	awk -v r="$r" '$1 == r { f = 1 } END { exit !f }' "$top/ci/matrix" ||
		die "unknown run '$r': use names from ci/matrix"
done

# The base: the first commit on top of the pinned base, which must be
# patch 1 of the base's series.
want=$(sed -n '/^Subject:/{N;s/\n / /;s/\n.*//;s/^Subject: \[PATCH[^]]*\] //p}' \
	"$(ls "$top/$base_patches"/0001-*.patch)")
commit=$(git -C "$tree" rev-list --reverse HEAD | sed -n 2p)
[ "$(git -C "$tree" log -1 --format=%s "$commit")" = "$want" ] ||
	die "${tree#"$top"/} does not start with patch 1 of $base_patches: run 'make tree'"
modes=${BENCH_MODES:-$rodata_default $rodata_blocks}
[ "$commit" != "$(git -C "$tree" rev-parse HEAD)" ] ||
	echo "bench: $base_patches is patch 1 alone: base and series are the same source, so the ratios measure the bench's own noise"
# The base kernel is bare 7.3.4, which maps a hot-added GiB with one PUD
# leaf under rodata=noalias and then refuses to take any block of it
# offline (fixed by the series' notifier patches).
if [ "$BASE" = mainline ] && [ -z "${BENCH_MODES:-}" ]; then
	modes=$rodata_default
	echo "bench: rodata=$rodata_blocks left out: the base kernel, bare mainline, cannot take a GiB it hot-added with block mappings offline again (README: bare mainline); BENCH_MODES='$rodata_default $rodata_blocks' tries it"
fi
if [ "$(git -C "$base" rev-parse HEAD 2>/dev/null)" != "$commit" ]; then
	echo "bench: worktree of patch 1 at ${base#"$top"/}"
	git -C "$tree" worktree remove --force "$base" 2>/dev/null || rm -rf "$base"
	git -C "$tree" worktree prune
	mkdir -p "$bench"
	git -C "$tree" worktree add -q --detach "$base" "$commit" >/dev/null
fi
# Patch 1's Makefile lines build its suite files, which kunit/ holds.
KDIR="$base" "$top/ci/prepare-tree.sh"
ref_out="$top/build/kunit-kdir/$(echo "$base" | sha1sum | cut -c1-8)"

# Build both kernels of each run, then the module and the bench program
# against each, and a guest image per kernel.
bench_prog="$bench/hotremove_bench"
aarch64-linux-gnu-gcc -static -O2 -Wall -I"$top/selftests" \
	-o "$bench_prog" "$top/bench/hotremove_bench.c" \
	"$top/selftests/hotremove_util.c" || die "bench program does not build"
mkdir -p "$bench/logs"
rm -f "$bench"/logs/*.log
for r in "${runs[@]}"; do
	kconfig=$(awk -v r="$r" '$1 == r { print $2 }' "$top/ci/matrix")
	for kind in base series; do
		if [ $kind = base ]; then
			KDIR="$base" "$top/ci/kunit-run.sh" --build-only "$r"
			out="$ref_out/$kconfig"
		else
			"$top/ci/kunit-run.sh" --build-only "$r"
			out="$base_out/$kconfig"
		fi
		[ -f "$out/lib/test_vmalloc.ko" ] ||
			die "$out has no lib/test_vmalloc.ko (selftests/config sets CONFIG_TEST_VMALLOC=m)"
		work="$bench/$r-$kind"
		rm -rf "$work"
		mkdir -p "$work"
		"$top/ci/selftest-sources.sh" "$work/src"
		echo "bench: $r $kind: module against $out"
		make -C "$work/src" KSRC="$tree" KDIR="$out" install \
			INSTALL_PATH="$work/install" >"$work/build.log" 2>&1 ||
			die "module build failed, see $work/build.log"
		# The selftest guest's /init runs the bench when it is there.
		"$top/ci/initramfs.sh" "$work/init.cpio" "$top/ci/selftest-init.sh" \
			"$bench_prog" /bench/hotremove_bench \
			"$work/install/hotremove_mod/hotremove_test.ko" /bench/hotremove_test.ko \
			"$out/lib/test_vmalloc.ko" /bench/test_vmalloc.ko
		echo "$out/arch/arm64/boot/Image.gz" >"$work/kernel"
	done
done

boot() {	# RUN KIND MODE PASS
	local work="$bench/$1-$2" target log
	target=$(awk -v r="$1" '$1 == r { print $3 }' "$top/ci/matrix")
	log="$bench/logs/$1-$2-$3-$4.log"
	echo "bench: pass $4: $1 $2 rodata=$3"
	"$top/ci/guest.py" --kernel "$(cat "$work/kernel")" \
		--initrd "$work/init.cpio" --target "$target" --log "$log" \
		--timeout 1200 --memory 10240 --virtio-mem $((1 << 30)) \
		--append "rodata=$3 kunit.enable=0 mem=4096M hotremove.bench_rounds=$rounds hotremove.bench_vmalloc_loops=$loops hotremove.bench_vmalloc_repeat=$repeat hotremove.vmem_size=$((1 << 30))" ||
		die "guest failed, see $log"
	grep -q '^bench: done' "$log" || die "the bench did not finish, see $log"
}

start=$(date +%s)
for pass in $(seq 1 "$max_passes"); do
	for r in "${runs[@]}"; do
		for mode in $modes; do
			if [ $((pass % 2)) = 1 ]; then
				boot "$r" base $mode "$pass"; boot "$r" series $mode "$pass"
			else
				boot "$r" series $mode "$pass"; boot "$r" base $mode "$pass"
			fi
		done
	done
	echo "bench: pass $pass done, $(( $(date +%s) - start )) s"
	if [ "$pass" -ge 2 ] && "$top/ci/bench.py" --check "$bench/logs"; then
		break
	fi
done
"$top/ci/bench.py" --json="bench${base_prefix:+-${base_prefix%-}}.json" "$bench/logs"
