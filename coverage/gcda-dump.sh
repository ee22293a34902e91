#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In a coverage guest: print every gcov counter file as base64 between
# markers on the console; ci/guest.py --gcda-root writes them back into the
# kernel's build folder.  Kernel messages are silenced so that they cannot
# interleave with the data.
cd /sys/kernel/debug/gcov || { echo "coverage: no gcov in debugfs"; exit 1; }
dmesg -n 1
find . -name '*.gcda' | while read -r f; do
	echo "GCDA-BEGIN ${f#.}"
	base64 < "$f"
	echo "GCDA-END"
done
