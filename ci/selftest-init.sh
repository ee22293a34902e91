#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the selftest guest (ci/selftest-run.sh): run the installed
# hot-remove selftests with the kselftest runner, KTAP on the console, then
# power off; in the benchmark guest (ci/bench.sh), bench/hotremove_bench
# instead.  The host (ci/guest.py) carries out the virtio-mem plug requests
# from the console, so tell the tests someone listens.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# The kselftest runner logs to /dev/stdout; only udev would make these.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
# Kernel messages stay on the console (a WARN must show), but only the
# important ones (warnings and worse): the KTAP must stay readable.
dmesg -n 5
export HOTREMOVE_HOST=console
for arg in $(cat /proc/cmdline); do
	case $arg in
	hotremove.*=*)
		name=${arg#hotremove.}
		export "HOTREMOVE_$(echo "${name%%=*}" | tr a-z A-Z)=${arg#*=}"
		;;
	esac
done
if [ -x /bench/hotremove_bench ]; then
	# The benchmark guest of ci/bench.sh, instead of the selftests.
	echo "hotremove-guest: bench"
	HOTREMOVE_MODULE=/bench/hotremove_test.ko \
	HOTREMOVE_BENCH_VMALLOC=/bench/test_vmalloc.ko /bench/hotremove_bench
else
	echo "hotremove-guest: selftests"
	cd /selftests/hotremove
	BASE_DIR=/selftests
	. /selftests/kselftest/runner.sh
	run_many ./hotremove_hidden ./hotremove_virtio_mem
fi
# Coverage guests (ci/selftest-run.sh --gcov) carry the gcov dumper.
[ ! -x /bin/gcda-dump ] || /bin/gcda-dump
echo "hotremove-guest: done"
poweroff -f
