#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the coverage guest.  The KUnit suites ran during boot, before
# this; print the gcov counters (coverage/gcda-dump.sh, at /bin/gcda-dump),
# then power off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
/bin/gcda-dump
echo "hotremove-guest: done"
poweroff -f
