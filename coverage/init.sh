#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the coverage guest.  The KUnit suites ran during boot, before
# this; print every gcov counter file as base64 between markers on the
# console (ci/guest.py writes them back into the build folder), then power
# off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
# Keep kernel messages from interleaving with the data.
dmesg -n 1
cd /sys/kernel/debug/gcov || { echo "coverage: no gcov in debugfs"; poweroff -f; }
find . -name '*.gcda' | while read -r f; do
	echo "GCDA-BEGIN ${f#.}"
	base64 < "$f"
	echo "GCDA-END"
done
echo "hotremove-guest: done"
poweroff -f
