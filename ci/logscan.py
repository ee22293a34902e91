#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Find kernel reports in a console log: panics, oopses, BUG and WARNING
splats, KASAN, KFENCE, lockdep, kmemleak, RCU stalls and hung tasks.

A report is found anywhere in a line, not only at its start: the console
interleaves kernel messages with whatever userspace was printing, so a
WARNING can follow a test's output on the same line.

One WARNING is waived, in KUnit logs only (scan(..., kunit=True)): patch 2's
"not unmapping" WARN_ONCE, which the split cases of the teardown suite
provoke by asking for a range that cuts a block.  WARN_ONCE prints it at
most once a boot, so EXPECTED_WARNINGS is 1; a second one, or one in a
guest selftest log, is a report like any other.

As a command: ci/logscan.py [--kunit] LOG...; prints one line per report
and exits 1 if there is any.
"""

import re
import sys

REPORTS = [
    ('panic', re.compile(r'Kernel panic - not syncing')),
    ('oops', re.compile(r'(Internal error: |Unable to handle kernel )')),
    ('kasan', re.compile(r'\bBUG: KASAN: ')),
    ('kfence', re.compile(r'\bBUG: KFENCE: ')),
    ('bug', re.compile(r'(\bBUG: |\bkernel BUG at )')),
    ('lockdep', re.compile(r'(\bWARNING: (possible|inconsistent|suspicious) .*(lock|RCU)|'
                           r'\bINFO: possible .*lock)')),
    ('warning', re.compile(r'\bWARNING: ')),
    ('kmemleak', re.compile(r'kmemleak: \d+ new suspected memory leak')),
    ('rcu-stall', re.compile(r'rcu: INFO: .*detected stall')),
    ('hung-task', re.compile(r'\bINFO: task .* blocked for more than')),
]

CUT = re.compile(r'-+\[ cut here \]-+')
EXPECTED_WARNING = re.compile(r'arm64: not unmapping \[[0-9a-f]+, [0-9a-f]+\): '
                              r'a block mapping extends past it')
EXPECTED_WARNINGS = 1


def scan(lines, kunit=False):
    """Return (kind, line number, line) for each report in lines."""
    found = []
    expected = False
    waived = 0
    for n, line in enumerate(lines, 1):
        line = line.rstrip('\r\n')
        if CUT.search(line):
            expected = False
            continue
        if (kunit and waived < EXPECTED_WARNINGS and
                EXPECTED_WARNING.search(line)):
            expected = True
            continue
        for kind, pattern in REPORTS:
            if not pattern.search(line):
                continue
            if kind == 'warning' and expected:
                expected = False
                waived += 1
                break
            found.append((kind, n, line.strip()))
            break
    return found


def scan_file(path, kunit=False):
    with open(path, errors='replace') as f:
        return scan(f.readlines(), kunit)


def main(argv):
    kunit = '--kunit' in argv
    argv = [a for a in argv if a != '--kunit']
    if not argv:
        print('usage: ci/logscan.py [--kunit] LOG...', file=sys.stderr)
        return 2
    bad = 0
    for path in argv:
        for kind, n, line in scan_file(path, kunit):
            print(f'{path}:{n}: {kind}: {line}')
            bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
