#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the selftest guest (ci/selftest-run.sh): run the installed
# hot-remove selftests with the kselftest runner, KTAP on the console, then
# power off; in the benchmark guest (ci/bench.sh), bench/hotremove_bench
# instead, and in the soak guest (ci/soak.sh, hotremove.only=TEST on the
# kernel command line) that one test of hotremove_hidden.  The host
# (ci/guest.py) carries out the virtio-mem plug requests from the console,
# so tell the tests someone listens.
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
# Only emergencies (an oops, a panic: panic_on_warn=1 makes a WARN one) go
# to the console while the tests run: any other kernel message could land
# in the middle of a KTAP line and break it.  Warnings and worse are
# printed after the tests, where ci/logscan.py finds them.
dmesg -n 1
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
elif [ -n "${HOTREMOVE_ONLY:-}" ]; then
	# The soak guest of ci/soak.sh: one test of hotremove_hidden.
	echo "hotremove-guest: only $HOTREMOVE_ONLY"
	cd /selftests/hotremove
	./hotremove_hidden -t "$HOTREMOVE_ONLY"
else
	echo "hotremove-guest: selftests"
	cd /selftests/hotremove
	BASE_DIR=/selftests
	. /selftests/kselftest/runner.sh
	# Mainline's run_many leaves the KTAP header and plan to its caller
	# (run_kselftest.sh), through ktap_helpers.sh; 6.12's prints them.
	if [ -f /selftests/kselftest/ktap_helpers.sh ]; then
		ktap_print_header
		ktap_set_plan 3
	fi
	run_many ./hotremove_hidden ./hotremove_virtio_mem ./hotremove_stress.sh
fi
# The kernel's warnings and worse, one a line, after the KTAP.
echo "hotremove-guest: kernel log"
dmesg -r | sed -n 's/^<[0-4]>/kernel: /p'
# Coverage guests (ci/selftest-run.sh --gcov) carry the gcov dumper.
[ ! -x /bin/gcda-dump ] || /bin/gcda-dump
echo "hotremove-guest: done"
poweroff -f
