#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Find kernel reports in a console log: panics, oopses, BUG and WARNING
splats, KASAN, KFENCE, lockdep, kmemleak, RCU stalls and hung tasks.

A report is found anywhere in a line, not only at its start: the console
interleaves kernel messages with whatever userspace was printing, so a
WARNING can follow a test's output on the same line.

Nothing is waived: no test provokes a WARNING on purpose, so every one
means a bug.

As a command: ci/logscan.py LOG...; prints one line per report and exits 1
if there is any.
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



def scan(lines):
    """Return (kind, line number, line) for each report in lines."""
    found = []
    for n, line in enumerate(lines, 1):
        line = line.rstrip('\r\n')
        for kind, pattern in REPORTS:
            if pattern.search(line):
                found.append((kind, n, line.strip()))
                break
    return found


def scan_file(path):
    with open(path, errors='replace') as f:
        return scan(f.readlines())


def main(argv):
    if not argv:
        print('usage: ci/logscan.py LOG...', file=sys.stderr)
        return 2
    bad = 0
    for path in argv:
        for kind, n, line in scan_file(path):
            print(f'{path}:{n}: {kind}: {line}')
            bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
