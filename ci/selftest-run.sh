#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the selftests (selftests/) of one matrix run in an arm64 guest:
# ci/selftest-run.sh RUN
#
# The guest kernel is RUN's KUnit kernel (selftests/config is part of every
# kernel the harness builds; ci/kunit-run.sh --build-only builds it when it
# is missing), booted with the KUnit suites off and mem= hiding the top GiB
# of its RAM, with a virtio-mem-pci device of one GiB that ci/guest.py
# plugs and unplugs over QMP when the test asks.
# The initramfs holds Debian's arm64 busybox, the installed selftests (built
# against this kernel) and the tree's kselftest runner.
#
# Results in build/results/: selftests-RUN.log (console), .json (kunit.py
# parse of the KTAP), .seconds, and .problem when the guest failed (hang,
# kernel report, no end mark).  Environment: KDIR, DEBUG=1 as for
# ci/kunit-run.sh; SELFTEST_CYCLES (add/remove cycles, default 100),
# SELFTEST_TIMEOUT (seconds, default 1500), SELFTEST_KERNEL_AS_IS (below).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
run=${1:?usage: ci/selftest-run.sh RUN}

prog=selftest-run
. "$top/ci/run-common.sh"

if [ -n "${KDIR:-}" ]; then
	outroot="$top/build/kunit-kdir/$(echo "$KDIR" | sha1sum | cut -c1-8)"
else
	outroot="$top/build/kunit"
fi
name=selftests-$run
out="$outroot/$kconfig"
if [ "${DEBUG:-}" = 1 ]; then
	name=debug-selftests-$run
	out="$outroot/$kconfig-debug"
fi
res="$top/build/results"
work="$top/build/selftests/$name"
mkdir -p "$res"
rm -f "$res/$name".{log,json,seconds,problem,build}
start=$(date +%s)

# SELFTEST_KERNEL_AS_IS=1 boots whatever kernel the folder holds (a mutant's,
# built by ci/mutants.sh from a tree that is restored since).
[ -n "${SELFTEST_KERNEL_AS_IS:-}" ] || "$top/ci/kunit-run.sh" --build-only "$run"
[ -f "$out/arch/arm64/boot/Image.gz" ] || die "no kernel in $out"

# The top GiB of RAM hidden with mem= (8 memory blocks with 4K and 16K
# pages, 2 with 64K; a linear-map table of its own with 4K pages), and a
# virtio-mem device of one GiB right above the RAM.
ram_mb=$(python3 -c "import ast, sys
t = ast.parse(open(sys.argv[1]).read())
for n in ast.walk(t):
    if isinstance(n, ast.keyword) and n.arg == 'extra_qemu_params':
        p = ast.literal_eval(n.value); print(p[p.index('-m') + 1])" \
	"$top/kunit/qemu/arm64-$target.py")
hide_mb=1024

# The tests and the module, built against this kernel, installed for the
# guest; the checkout's selftests/ stays clean.
rm -rf "$work"
mkdir -p "$work"
cp -r "$top/selftests" "$work/src"
echo "selftest-run: $name: build the tests against $out"
make -C "$work/src" KSRC="$tree" KDIR="$out" install \
	INSTALL_PATH="$work/install" >"$res/$name.build" 2>&1 ||
	die "selftests build failed, see $res/$name.build"

cpio="$work/init.cpio"
ins="$work/install"
"$top/ci/initramfs.sh" "$cpio" "$top/ci/selftest-init.sh" \
	"$tree/tools/testing/selftests/kselftest/runner.sh" /selftests/kselftest/runner.sh \
	"$ins/hotremove_hidden" /selftests/hotremove/hotremove_hidden \
	"$ins/hotremove_virtio_mem" /selftests/hotremove/hotremove_virtio_mem \
	"$ins/settings" /selftests/hotremove/settings \
	"$ins/hotremove_mod/hotremove_test.ko" /selftests/hotremove/hotremove_mod/hotremove_test.ko

echo "selftest-run: $name ($kconfig on -cpu $target): boot, mem=$((ram_mb - hide_mb))M, virtio-mem $hide_mb MiB"
rc=0
"$top/ci/guest.py" --kernel "$out/arch/arm64/boot/Image.gz" --initrd "$cpio" \
	--target "$target" --log "$res/$name.log" \
	--timeout "${SELFTEST_TIMEOUT:-1500}" \
	--append "kunit.enable=0 mem=$((ram_mb - hide_mb))M hotremove.cycles=${SELFTEST_CYCLES:-100} hotremove.vmem_size=$((hide_mb << 20))" \
	--virtio-mem "$((hide_mb << 20))" 2>"$res/$name.problem" || rc=1
[ -s "$res/$name.problem" ] || rm -f "$res/$name.problem"
"$top/ci/selftest-results.py" "$res/$name.log" "$res/$name.json" || rc=1
echo "$(( $(date +%s) - start ))" >"$res/$name.seconds"
exit $rc
