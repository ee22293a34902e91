#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The KUnit stress suite of arm64 memory hot-remove, a module of its own
# (CONFIG_ARM64_MM_HOTREMOVE_STRESS_TEST=m): load it, which runs the suite,
# and report each of its cases as a test, with the suite's log as
# diagnostics.  The module is ./hotremove_kunit_stress.ko where the guest
# image carries one, or else the running kernel's installed module.
mod=hotremove_kunit_stress
suite=arm64_mm_hotremove_stress
results=/sys/kernel/debug/kunit/$suite/results
ksft_skip=4

echo "TAP version 13"
if [ -f "./$mod.ko" ]; then
	load="insmod ./$mod.ko"
elif modinfo "$mod" >/dev/null 2>&1; then
	load="modprobe $mod"
else
	echo "1..0 # SKIP no $mod module: build the kernel with CONFIG_ARM64_MM_HOTREMOVE_STRESS_TEST=m"
	exit $ksft_skip
fi
[ -d /sys/kernel/debug/kunit ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
! grep -q "^$mod " /proc/modules || rmmod "$mod"
# The suite runs while the module loads; its results go with the module.
if ! $load; then
	echo "Bail out! '$load' failed"
	exit 1
fi
log=$(cat "$results" 2>/dev/null)
rmmod "$mod"
if [ -z "$log" ]; then
	echo "Bail out! $mod ran no suite: boot without kunit.enable=0, and with no kunit.filter_glob that leaves out $suite"
	exit 1
fi

# The cases are the suite's KTAP lines indented once (a parameterised
# case's own subtests twice); everything else is diagnostics.
cases=$(echo "$log" | grep -E '^    (not )?ok [0-9]+ ')
echo "$log" | grep -vE '^    (not )?ok [0-9]+ ' | sed 's/^ */# kunit: /'
if [ -z "$cases" ]; then
	echo "Bail out! no case results in $results"
	exit 1
fi
echo "1..$(echo "$cases" | grep -c .)"
echo "$cases" | sed 's/^    //'
if echo "$cases" | grep -q '^    not ok'; then
	exit 1
elif echo "$cases" | grep -qv '# SKIP'; then
	exit 0
fi
exit $ksft_skip
