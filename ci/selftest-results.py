#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""KTAP of the selftest guest to kunit.py's JSON: ci/selftest-results.py LOG JSON

The kselftest runner nests each test's own KTAP under a '# ' prefix; KTAP
nests with four spaces.  This glue keeps the runner's part of the console
(between the guest's start and end marks), turns that prefix into the
indentation kunit.py's parser expects, drops kernel messages, and hands the
result to 'kunit.py parse --json=JSON'.  It exits non-zero when there is no
KTAP or a test failed, as kunit.py does.
"""
import os
import re
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The runner's start, or that of the one-test guest (hotremove.only=,
# ci/soak.sh and ci/test-first.sh), whose KTAP is the test program's own.
START = re.compile(r'hotremove-guest: (selftests|only \S+)$')
END = 'hotremove-guest: done'
KTAP = re.compile(r'^(TAP version \d+|KTAP version \d+|1\.\.\d+|(not )?ok \d+.*)$')


def ktap(lines):
    """The runner's KTAP, with its nesting made KTAP's."""
    out, inside = [], False
    for line in lines:
        line = line.rstrip('\r\n')
        if START.search(line):
            inside = True
            continue
        if END in line:
            break
        if not inside:
            continue
        depth = 0
        while line.startswith('# '):
            line = line[2:]
            depth += 1
        if depth and (KTAP.match(line) or line.startswith('# ')):
            out.append('    ' * depth + line)
        elif depth:
            out.append('    ' * depth + '# ' + line)
        elif KTAP.match(line):
            out.append(line)
    return out


def main(argv):
    if len(argv) != 2:
        sys.exit('usage: ci/selftest-results.py LOG JSON')
    log, json_out = argv
    try:
        with open(log, errors='replace') as f:
            lines = ktap(f.readlines())
    except OSError as e:
        sys.exit(f'selftest-results: error: {e}')
    if not lines:
        print(f'selftest-results: {log}: no KTAP from the selftest runner',
              file=sys.stderr)
        return 1
    # Any tree's kunit.py parses KTAP: the one given, or either base's.
    kunit = 'tools/testing/kunit/kunit.py'
    trees = [os.environ.get('KDIR'), os.path.join(TOP, 'build', 'mainline',
                                                  'linux'),
             os.path.join(TOP, 'build', 'linux')]
    parser = next((os.path.join(t, kunit) for t in trees
                   if t and os.path.exists(os.path.join(t, kunit))), None)
    if parser is None:
        print('selftest-results: error: no kernel tree with kunit.py: run '
              "'make tree' first", file=sys.stderr)
        return 1
    with tempfile.NamedTemporaryFile('w', suffix='.ktap') as t:
        t.write('\n'.join(lines) + '\n')
        t.flush()
        r = subprocess.run([parser, 'parse', f'--json={json_out}', t.name],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    return r.returncode


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
