#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build and run the KUnit suite for one matrix run: ci/kunit-run.sh RUN
#
# RUN is a name from ci/matrix.  The kernel is built with kunit.py in its own
# O= folder per kconfig fragment (runs that differ only by CPU model share
# it), through ccache.  When nothing that goes into the kernel changed since
# the last build, the kernel is only booted again (kunit.py exec).
#
# Results: build/results/RUN.json (kunit.py's JSON), RUN.ktap (the raw
# console log) and RUN.out (kunit.py's own output).
#
# Environment: BASE (ci/base.sh: mainline, the default, or 6.12; results of
# 6.12 are named 6.12-RUN.*), KDIR (tree to use, default the base's), JOBS,
# KUNIT_TIMEOUT,
# KUNIT_FORCE_BUILD (build even if nothing tracked changed; never reused),
# DEBUG=1 (add kconfigs/debug.config: a debug kernel in its own folder,
# results named debug-RUN.*), SERIES (ci/series.sh: another series in its
# own folders, results named SERIES-RUN.*, debug-SERIES-RUN.*).
#
# With --build-only the kernel is only built (kunit.py build), and only when
# it is missing or out of date: ci/selftest-run.sh boots the same kernel.
# With --name NAME the results are build/results/NAME.* instead: the runs
# of make mutants, test-first and bisect-check, which must never be read as
# the run's own results.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: ci/kunit-run.sh [--build-only] [--name NAME] RUN"
build_only= name_opt=
while [ $# -gt 1 ]; do
	case $1 in
	--build-only) build_only=1; shift ;;
	--name) name_opt=$2; shift 2 ;;
	*) echo "kunit-run: error: $usage" >&2; exit 1 ;;
	esac
done
run=${1:?$usage}

prog=kunit-run
. "$top/ci/run-common.sh"
. "$top/ci/series.sh"
. "$top/ci/kunit-py.sh"

if [ -n "${KDIR:-}" ]; then
	# One set of build folders per foreign tree.
	outroot="$top/build/kunit-kdir/$(echo "$KDIR" | sha1sum | cut -c1-8)"
else
	outroot=$base_out
fi
fragments=("$top/kunit/.kunitconfig" "$top/selftests/config"
	"$top/kconfigs/$kconfig.config")
name=$base_prefix$series_prefix$run
out="$outroot/$series_prefix$kconfig"
timeout=${KUNIT_TIMEOUT:-180}
tag=
if [ "${DEBUG:-}" = 1 ]; then
	fragments+=("$top/kconfigs/debug.config")
	tag=" + debug"
	name=${base_prefix}debug-$series_prefix$run
	out="$outroot/$series_prefix$kconfig-debug"
	timeout=${KUNIT_TIMEOUT:-900}
fi
name=${name_opt:-$name}
res="$top/build/results"
mkdir -p "$out" "$res"
[ -n "$build_only" ] || rm -f "$res/$name".{json,ktap,out,seconds,notrun}

# Everything that decides the kernel image, including edits made by hand
# in build/linux since 'make tree' (git diff), and the suite files as the
# tree has them: the kernel is built from the copies 'make tree' puts
# there, so an edit of kunit/ counts once it is copied, not before.  A
# foreign tree is always rebuilt (kbuild makes that incremental): its
# sources are not tracked here.
key=$({ cat "${fragments[@]}" "$tree"/arch/arm64/mm/hotremove_kunit*.[ch] \
	"$top/kunit/qemu/arm64-$target.py" \
	"$tree/.git/hotremove-state"; git -C "$tree" diff HEAD; } 2>/dev/null |
	sha1sum | cut -c1-16)
if [ -n "${KDIR:-}" ] || [ -n "${KUNIT_FORCE_BUILD:-}" ] ||
   [ ! -f "$out/arch/arm64/boot/Image.gz" ] ||
   [ "$(cat "$out/.hotremove-key" 2>/dev/null)" != "$key" ]; then
	mode=run
	rm -f "$out/.hotremove-key"
else
	mode=exec
fi

if [ -n "$build_only" ]; then
	[ "$mode" = run ] || exit 0
	args=(--build_dir="$out" --qemu_config="$top/kunit/qemu/arm64-$target.py"
	      --cross_compile=aarch64-linux-gnu- --jobs="${JOBS:-$(nproc)}")
	for f in "${fragments[@]}"; do
		args+=(--kunitconfig="$f")
	done
	echo "kunit-run: $name ($kconfig$tag): kunit.py build"
	kunit_py "$tree" "$name" "$out" "$res/$name.build" build "${args[@]}" ||
		die "kernel build failed, see $res/$name.build"
	echo "$key" >"$out/.hotremove-key"
	exit 0
fi

args=(
	--build_dir="$out"
	--qemu_config="$top/kunit/qemu/arm64-$target.py"
	--timeout="$timeout"
	--json="$res/$name.json"
)
# hr_config_test checks the geometry the run's manifest names.
geometry=$(awk -F'\t' '$1 == "geometry" { gsub(/ /, ":", $2); print $2 }' \
	"$top/ci/expected/$BASE/$run" 2>/dev/null || true)
[ -z "$geometry" ] || args+=(--kernel_args="hotremove_kunit.geometry=$geometry")
if [ "$mode" = run ]; then
	for f in "${fragments[@]}"; do
		args+=(--kunitconfig="$f")
	done
	args+=(
		--cross_compile=aarch64-linux-gnu-
		--jobs="${JOBS:-$(nproc)}"
	)
fi

echo "kunit-run: $name ($kconfig$tag on -cpu $target): kunit.py $mode"
start=$(date +%s)
set +e
kunit_py "$tree" "$name" "$out" "$res/$name.out" "$mode" "${args[@]}"
rc=$?
set -e
cp "$out/test.log" "$res/$name.ktap" 2>/dev/null || true
echo "$(( $(date +%s) - start ))" >"$res/$name.seconds"

# kunit.py boots the kernel only after a good build: remember that build.
# A forced build (a mutant tree, say) is never reused.
if [ "$mode" = run ] && [ -z "${KUNIT_FORCE_BUILD:-}" ] &&
   grep -q "Starting KUnit Kernel" "$res/$name.out"; then
	echo "$key" >"$out/.hotremove-key"
fi
tail -n 3 "$res/$name.out" | sed "s/^/  $name: /"
exit $rc
