#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One coverage run: ci/coverage-run.sh RUN
#
# Builds RUN's kernel (ci/matrix) on BASE's tree with gcov-kernel in
# build/coverage/<kconfig> (BASE=6.12: 6.12-<kconfig>)
# (kunit.py build: the suite's kunitconfig, selftests/config, the page-table
# fragment and coverage/gcov.config), boots it with an initramfs whose /init
# prints the gcov counters after the KUnit suite ran, writes them back next
# to the objects and captures them with lcov; then boots it again to run
# the selftests (ci/selftest-run.sh --gcov) and captures those counters
# too.  RUN.info is the two merged.
#
# Profiled: every C file of arch/arm64/mm/ but the suite itself, and
# mm/memory_hotplug.c, mm/sparse-vmemmap.c and mm/sparse.c.  The choice is
# made with per-object GCOV_PROFILE_<name>.o=y on the make command line, so
# the tree stays untouched; objects of the same name elsewhere get counters
# too and are dropped by lcov --extract.
#
# Results: build/results/cov-RUN.{ktap,json,seconds} (console, kunit.py's
# JSON of the suite's results), cov-selftests-RUN.* (as ci/selftest-run.sh)
# and build/coverage/RUN.info (lcov); on 6.12, cov-6.12-RUN.*,
# cov-6.12-selftests-RUN.* and 6.12-RUN.info.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
run=${1:?usage: ci/coverage-run.sh RUN}

prog=coverage-run
. "$top/ci/run-common.sh"
. "$top/ci/series.sh"
command -v lcov >/dev/null || die "lcov is missing: run 'make deps' as root"

if [ -n "${KDIR:-}" ]; then
	out="$top/build/coverage/kdir-$(echo "$KDIR" | sha1sum | cut -c1-8)-$kconfig"
else
	out="$top/build/coverage/$base_prefix$series_prefix$kconfig"
fi
# Results and tracefile named RUN, on 6.12 6.12-RUN; another series
# (SERIES): SERIES-RUN after that.
name=$base_prefix$series_prefix$run
res="$top/build/results"
mkdir -p "$out" "$res"
rm -f "$res/cov-$name".{ktap,json,seconds} "$top/build/coverage/$name.info"

make_opts=()
for f in "$tree"/arch/arm64/mm/*.c; do
	case $f in
	*_kunit.c) ;;
	*) make_opts+=(--make_options="GCOV_PROFILE_$(basename "${f%.c}").o=y") ;;
	esac
done
for o in memory_hotplug sparse-vmemmap sparse; do
	make_opts+=(--make_options="GCOV_PROFILE_$o.o=y")
done

start=$(date +%s)
echo "coverage-run: $run ($kconfig on -cpu $target): build"
"$tree/tools/testing/kunit/kunit.py" build \
	--build_dir="$out" \
	--kunitconfig="$top/kunit/.kunitconfig" \
	--kunitconfig="$top/selftests/config" \
	--kunitconfig="$top/kconfigs/$kconfig.config" \
	--kunitconfig="$top/coverage/gcov.config" \
	--qemu_config="$top/kunit/qemu/arm64-$target.py" \
	--cross_compile=aarch64-linux-gnu- \
	--jobs="${JOBS:-$(nproc)}" "${make_opts[@]}" >"$res/cov-$name.build" 2>&1 ||
	die "build failed, see $res/cov-$name.build"

cpio="$top/build/coverage/init.cpio"
"$top/ci/initramfs.sh" "$cpio" "$top/coverage/init.sh" \
	"$top/coverage/gcda-dump.sh" /bin/gcda-dump

# The counters of one boot, as lcov's tracefile of the profiled files.
capture() {
	lcov --quiet --capture --directory "$out" --base-directory "$out" \
		--gcov-tool aarch64-linux-gnu-gcov --rc lcov_branch_coverage=1 \
		--output-file "$out/all.info" 2>>"$res/cov-$name.lcov" ||
		die "lcov --capture failed, see $res/cov-$name.lcov"
	lcov --quiet --extract "$out/all.info" '*/arch/arm64/mm/*' \
		'*/mm/memory_hotplug.c' '*/mm/sparse-vmemmap.c' '*/mm/sparse.c' \
		--rc lcov_branch_coverage=1 \
		--output-file "$1" 2>>"$res/cov-$name.lcov" ||
		die "lcov --extract failed, see $res/cov-$name.lcov"
}
rm -f "$res/cov-$name.lcov"

# Counters of an earlier run of this kernel must not leak into this one.
find "$out" -name '*.gcda' -delete
echo "coverage-run: $run: boot (KUnit)"
rc=0
# The rodata that the KUnit targets set (kunit/qemu/*.py), which guest.py
# leaves to its caller: the hot-add cases need block mappings.
"$top/ci/guest.py" --kernel "$out/arch/arm64/boot/Image.gz" --initrd "$cpio" \
	--target "$target" --log "$res/cov-$name.ktap" --append "rodata=$rodata_blocks" \
	--timeout "${KUNIT_TIMEOUT:-300}" --gcda-root "$out" || rc=1
"$tree/tools/testing/kunit/kunit.py" parse --json="$res/cov-$name.json" \
	"$res/cov-$name.ktap" >/dev/null || rc=1
capture "$out/kunit.info"

# The same kernel again, running the selftests (ci/selftest-run.sh --gcov
# starts from zeroed counters).
"$top/ci/selftest-run.sh" --build-dir "$out" --name "cov-$base_prefix${series_prefix}selftests-$run" \
	--gcov "$run" || rc=1
capture "$out/selftests.info"
lcov --quiet --add-tracefile "$out/kunit.info" \
	--add-tracefile "$out/selftests.info" --rc lcov_branch_coverage=1 \
	--output-file "$top/build/coverage/$name.info" 2>>"$res/cov-$name.lcov" ||
	die "lcov merge failed, see $res/cov-$name.lcov"
echo "$(($(date +%s) - start))" >"$res/cov-$name.seconds"
exit $rc
