#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the selftests (selftests/) of one matrix run in an arm64 guest:
# ci/selftest-run.sh [--build-dir DIR] [--name NAME] [--guest VARIANT] [--gcov] RUN
#
# The guest kernel is RUN's KUnit kernel (selftests/config is part of every
# kernel the harness builds; ci/kunit-run.sh --build-only builds it when it
# is missing), booted with the built-in KUnit suites filtered out (the
# stress suite, a module, runs when hotremove_stress.sh loads it) and mem=
# hiding most of its RAM, with a virtio-mem-pci device of one GiB that
# ci/guest.py plugs and unplugs over QMP when the test asks.  The initramfs
# holds Debian's arm64 busybox, the installed selftests (built against this
# kernel), the stress module and the tree's kselftest runner.
#
#   --build-dir DIR  boot the kernel built in DIR as it is (a mutant's, a
#                    coverage kernel), instead of RUN's KUnit kernel
#   --name NAME      results named NAME.* (default selftests-RUN)
#   --guest VARIANT  boot guest VARIANT (as SELFTEST_GUEST) under NAME, for
#                    a caller whose names say the variant (make mutants)
#   --gcov           the guest prints its gcov counters after the tests;
#                    they are written back under the build folder
#
# SELFTEST_GUEST picks the guest's kernel command line (default: arm64's
# default rodata, which maps hot-added memory with pages: rodata=on on
# mainline, rodata=full on 6.12, ci/base.sh):
#   rodata-noalias    mainline's rodata=noalias: block and contiguous
#   (6.12: rodata-on) mappings; 6.12 called that mode rodata=on
#   memmap-on-memory  memory_hotplug.memmap_on_memory=force: each memory
#                     block the module hot-adds carries its own memmap
#                     (force: without THP pageblocks are MAX_PAGE_ORDER, and
#                     =1 refuses a memmap that is not whole pageblocks; only
#                     4K pages qualify, where a block's memmap is one PMD)
#   rodata-noalias-memmap (6.12: rodata-on-memmap)  both
# Results of a variant are named VARIANT-selftests-RUN (after debug- and
# SERIES-).
#
# Results in build/results/: NAME.log (console), .json (kunit.py parse of
# the KTAP), .build, .seconds, and .problem when the guest failed (hang,
# kernel report, no end mark).  Environment: KDIR, DEBUG=1, SERIES as for
# ci/kunit-run.sh; SELFTEST_CYCLES (add/remove cycles, default 100, 10 on
# debug kernels),
# SELFTEST_TIMEOUT (seconds, default 1500); SELFTEST_APPEND (more kernel
# command line, e.g. hotremove.only=TEST, as ci/soak.sh uses it).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: ci/selftest-run.sh [--build-dir DIR] [--name NAME] [--guest VARIANT] [--gcov] RUN"
out= name= gcov= def= guest_opt=
while [ $# -gt 1 ]; do
	case $1 in
	--build-dir) out=$(realpath "$2"); shift 2 ;;
	--name) name=$2; shift 2 ;;
	--guest) guest_opt=$2; shift 2 ;;
	--gcov) gcov=1; shift ;;
	*) echo "selftest-run: error: $usage" >&2; exit 1 ;;
	esac
done
run=${1:?$usage}

prog=selftest-run
. "$top/ci/run-common.sh"
. "$top/ci/series.sh"

[ -z "$guest_opt" ] || SELFTEST_GUEST=$guest_opt
guest_args="rodata=$rodata_default"
guest_prefix=
case ${SELFTEST_GUEST:-default} in
default) ;;
"rodata-$rodata_blocks") guest_args="rodata=$rodata_blocks" ;;
memmap-on-memory) guest_args="rodata=$rodata_default memory_hotplug.memmap_on_memory=force" ;;
"rodata-$rodata_blocks-memmap") guest_args="rodata=$rodata_blocks memory_hotplug.memmap_on_memory=force" ;;
*) die "SELFTEST_GUEST=$SELFTEST_GUEST is not a guest of BASE=$BASE: use default, rodata-$rodata_blocks, memmap-on-memory or rodata-$rodata_blocks-memmap" ;;
esac
[ "${SELFTEST_GUEST:-default}" = default ] || guest_prefix=$SELFTEST_GUEST-
# A caller that names the results itself boots only the default guest, its
# names carrying no variant, unless it names the guest with --guest.
[ -z "$guest_prefix" ] || [ -z "${name:-}" ] || [ -n "$guest_opt" ] ||
	die "SELFTEST_GUEST=$SELFTEST_GUEST applies to 'make selftests' and 'make test' only: run without it"

if [ -z "$out" ]; then
	if [ -n "${KDIR:-}" ]; then
		outroot="$top/build/kunit-kdir/$(echo "$KDIR" | sha1sum | cut -c1-8)"
	else
		outroot=$base_out
	fi
	out="$outroot/$series_prefix$kconfig"
	def=${base_prefix}${series_prefix}${guest_prefix}selftests-$run
	if [ "${DEBUG:-}" = 1 ]; then
		out="$outroot/$series_prefix$kconfig-debug"
		def=${base_prefix}debug-${series_prefix}${guest_prefix}selftests-$run
	fi
	name=${name:-$def}
fi
name=${name:-${base_prefix}selftests-$run}
res="$top/build/results"
work="$top/build/selftests/$name"
mkdir -p "$res"
# Before anything can fail: a failed build must never leave the last
# run's results to be read as this one's.
rm -f "$res/$name".{log,json,seconds,problem,build,notrun}
if [ -n "$def" ]; then
	"$top/ci/kunit-run.sh" --build-only "$run"
fi
[ -f "$out/arch/arm64/boot/Image.gz" ] || die "no kernel in $out: build it first"

start=$(date +%s)

# 10 GiB of RAM, all but the first GiB hidden with mem= (the tests use its
# top GiB, far enough from boot memory to need page tables of its own: 8
# memory blocks with 4K and 16K pages, 2 with 64K), and a virtio-mem device
# of one GiB right above the RAM.  Guest RAM that is never touched costs
# the host nothing.
ram_mb=10240
boot_mb=1024
vmem_mb=1024
# A debug kernel (KASAN, lockdep, DEBUG_VM) under TCG takes about 24 s a
# cycle: it runs 10 cycles unless told otherwise, and 2 offline/online
# cycles per virtio-mem block instead of 10.
cycles=${SELFTEST_CYCLES:-100}
vmem_cycles=10
if [ "${DEBUG:-}" = 1 ]; then
	cycles=${SELFTEST_CYCLES:-10}
	vmem_cycles=2
fi
# log_buf_len=4M: the guest prints the kernel's warnings after the tests
# (ci/selftest-init.sh), so none may fall out of the ring buffer before.
# The guest runs arm64's default rodata, which maps hot-added memory with
# pages: pte tables of its own at every page size.

# The tests and the module, built against this kernel, installed for the
# guest; the checkout's selftests/ stays clean.
rm -rf "$work"
mkdir -p "$work"
"$top/ci/selftest-sources.sh" "$work/src"
echo "selftest-run: $name: build the tests against $out"
make -C "$work/src" KSRC="$tree" KDIR="$out" install \
	INSTALL_PATH="$work/install" >"$res/$name.build" 2>&1 ||
	die "selftests build failed, see $res/$name.build"

cpio="$work/init.cpio"
ins="$work/install"
files=(
	"$tree/tools/testing/selftests/kselftest/runner.sh" /selftests/kselftest/runner.sh
	"$ins/hotremove_hidden" /selftests/hotremove/hotremove_hidden
	"$ins/hotremove_virtio_mem" /selftests/hotremove/hotremove_virtio_mem
	"$ins/settings" /selftests/hotremove/settings
	"$ins/hotremove_mod/hotremove_test.ko" /selftests/hotremove/hotremove_mod/hotremove_test.ko
	"$ins/hotremove_stress.sh" /selftests/hotremove/hotremove_stress.sh
)
# Mainline's runner.sh sources the KTAP helpers beside it (6.12's does not).
helpers=$tree/tools/testing/selftests/kselftest/ktap_helpers.sh
[ ! -f "$helpers" ] || files+=("$helpers" /selftests/kselftest/ktap_helpers.sh)
# The KUnit stress module, where the kernel has one (hotremove_stress.sh
# says SKIP, which fails the run, where it has not).
stress=$out/arch/arm64/mm/hotremove_kunit_stress.ko
[ ! -f "$stress" ] || files+=("$stress" /selftests/hotremove/hotremove_kunit_stress.ko)
# lib/test_vmalloc.ko, which the tests run alongside hot-plug.
[ ! -f "$out/lib/test_vmalloc.ko" ] ||
	files+=("$out/lib/test_vmalloc.ko" /selftests/hotremove/test_vmalloc.ko)
guest_opts=()
if [ -n "$gcov" ]; then
	files+=("$top/coverage/gcda-dump.sh" /bin/gcda-dump)
	guest_opts+=(--gcda-root "$out")
	# Counters of an earlier boot of this kernel must not leak into these.
	find "$out" -name '*.gcda' -delete
fi
"$top/ci/initramfs.sh" "$cpio" "$top/ci/selftest-init.sh" "${files[@]}"

echo "selftest-run: $name ($kconfig on -cpu $target): boot, ${ram_mb}M RAM, mem=${boot_mb}M, virtio-mem ${vmem_mb}M, $guest_args"
rc=0
"$top/ci/guest.py" --kernel "$out/arch/arm64/boot/Image.gz" --initrd "$cpio" \
	--target "$target" --log "$res/$name.log" \
	--timeout "${SELFTEST_TIMEOUT:-1500}" --memory "$ram_mb" \
	--append "$guest_args page_owner=on log_buf_len=4M kunit.filter_glob=arm64_mm_hotremove_stress mem=${boot_mb}M hotremove.cycles=$cycles hotremove.vmem_cycles=$vmem_cycles hotremove.vmem_size=$((vmem_mb << 20)) ${SELFTEST_APPEND:-}" \
	--virtio-mem "$((vmem_mb << 20))" "${guest_opts[@]}" \
	2>"$res/$name.problem" || rc=1
[ -s "$res/$name.problem" ] || rm -f "$res/$name.problem"
"$top/ci/selftest-results.py" "$res/$name.log" "$res/$name.json" || rc=1
echo "$(( $(date +%s) - start ))" >"$res/$name.seconds"
exit $rc
