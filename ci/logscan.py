#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Find kernel reports in a console log: panics, oopses, BUG and WARNING
splats, KASAN, KFENCE, lockdep, kmemleak, RCU stalls and hung tasks.

The one WARNING the suite provokes on purpose (patch 2's "not unmapping"
WARN_ONCE, when a split case asks for a range that cuts a block) is
expected and not reported.

As a command: ci/logscan.py LOG...; prints one line per report and exits 1
if there is any.
"""

import re
import sys

# Console lines may carry a printk timestamp.
_PREFIX = r'^(?:\[\s*\d+\.\d+\]\s*)?'

REPORTS = [
    ('panic', re.compile(_PREFIX + r'Kernel panic - not syncing')),
    ('oops', re.compile(_PREFIX + r'(Internal error: |Unable to handle kernel )')),
    ('kasan', re.compile(_PREFIX + r'BUG: KASAN: ')),
    ('kfence', re.compile(_PREFIX + r'BUG: KFENCE: ')),
    ('bug', re.compile(_PREFIX + r'(\w+: )?(BUG: |kernel BUG at )')),
    ('lockdep', re.compile(_PREFIX + r'(WARNING: (possible|inconsistent|suspicious) .*(lock|RCU)|'
                   r'INFO: possible .*lock)')),
    ('warning', re.compile(_PREFIX + r'WARNING: ')),
    ('kmemleak', re.compile(_PREFIX + r'kmemleak: \d+ new suspected memory leak')),
    ('rcu-stall', re.compile(_PREFIX + r'rcu: INFO: .*detected stall')),
    ('hung-task', re.compile(_PREFIX + r'INFO: task .* blocked for more than')),
]

CUT = re.compile(_PREFIX + r'-+\[ cut here \]-+')
EXPECTED_WARNING = re.compile(r'arm64: not unmapping \[[0-9a-f]+, [0-9a-f]+\): '
                  r'a block mapping extends past it')


def scan(lines):
    """Return (kind, line number, line) for each report in lines."""
    found = []
    expected = False
    for n, line in enumerate(lines, 1):
        line = line.rstrip('\r\n')
        if CUT.search(line):
            expected = False
            continue
        if EXPECTED_WARNING.search(line):
            expected = True
            continue
        for kind, pattern in REPORTS:
            if not pattern.search(line):
                continue
            if kind == 'warning' and expected:
                expected = False
                break
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
