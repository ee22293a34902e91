#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise KUnit runs: ci/summary.py [--table] [--prefix=P] RUN...

Reads build/results/RUN.json (written by kunit.py --json) and RUN.ktap (the
console log) for each run, prints one line per run and, with --table, a
case-by-run table, then the closing line 'N passed, N failed, N skipped'.
With --prefix=P it reads P+RUN.* instead (cov- for the coverage kernels)
and writes summary-P.json rather than summary.json.

A run without results (no boot, no KTAP), with fewer than MIN_CASES cases,
without the suite's configuration line, or whose console shows a kernel
report (panic, oops, BUG, WARNING other than the one the split cases
provoke, KASAN, lockdep and the like: ci/logscan.py) counts as one failure.
Skips are reported apart and make the exit status non-zero: every case the
suite generates must run in the harness's QEMU targets.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logscan  # noqa: E402

MIN_CASES = 20
SUITE = 'arm64_mm_hotremove'
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(TOP, 'build', 'results')
CONFIG_RE = re.compile(r'page_size=(\d+K) va_bits=(\d+) vabits_actual=(\d+) '
                       r'levels=(\d+)')


def leaves(group, prefix=''):
    """Yield (name, status) for every leaf case of a kunit.py JSON group."""
    for case in group.get('test_cases', []):
        yield prefix + case['name'], case['status']
    for sub in group.get('sub_groups', []):
        name = sub['name']
        inner = '' if name == SUITE else prefix + name + ': '
        yield from leaves(sub, inner)


def load(run):
    """Return (cases, config, problem) for one run."""
    path = os.path.join(RESULTS, run + '.json')
    ktap = os.path.join(RESULTS, run + '.ktap')
    try:
        with open(path) as f:
            cases = list(leaves(json.load(f)))
    except (OSError, ValueError):
        return [], None, 'no results (build failed, no boot or no KTAP)'
    config = None
    reports = []
    try:
        with open(ktap, errors='replace') as f:
            log = f.read()
        m = CONFIG_RE.search(log)
        config = m.groups() if m else None
        reports = logscan.scan(log.splitlines())
    except OSError:
        pass
    if not cases:
        return cases, config, 'no test case ran'
    if len(cases) < MIN_CASES:
        return cases, config, f'only {len(cases)} cases, want {MIN_CASES}'
    if config is None:
        return cases, config, 'no configuration line in the KTAP log'
    if reports:
        kind, n, line = reports[0]
        return cases, config, (f'{len(reports)} kernel report(s) in the log, '
                               f'first: {kind} at line {n}: {line}')
    return cases, config, None


def main(argv):
    table = '--table' in argv
    prefix = ''.join(a.split('=', 1)[1] for a in argv
                     if a.startswith('--prefix='))
    runs = [a for a in argv if not a.startswith('--')]
    passed = failed = skipped = 0
    per_run = {}
    summary = []
    print(f'{"run":16} {"page":>4} {"va":>3} {"act":>3} {"lvl":>3} '
          f'{"cases":>5} {"pass":>4} {"fail":>4} {"skip":>4}  result')
    for run in runs:
        cases, config, problem = load(prefix + run)
        per_run[run] = dict(cases)
        p = sum(1 for _, s in cases if s == 'PASS')
        s = sum(1 for _, s in cases if s == 'SKIP')
        f = len(cases) - p - s
        passed += p
        skipped += s
        failed += f + (1 if problem else 0)
        page, va, act, lvl = config or ('?', '?', '?', '?')
        verdict = problem or ('FAIL' if f else 'SKIPPED CASES' if s else 'ok')
        secs = ''
        try:
            with open(os.path.join(RESULTS, prefix + run + '.seconds')) as fh:
                secs = f' ({fh.read().strip()} s)'
        except OSError:
            pass
        print(f'{run:16} {page:>4} {va:>3} {act:>3} {lvl:>3} {len(cases):5} '
              f'{p:4} {f:4} {s:4}  {verdict}{secs}')
        summary.append({'run': run, 'page_size': page, 'va_bits': va,
                        'vabits_actual': act, 'levels': lvl,
                        'cases': len(cases), 'passed': p, 'failed': f,
                        'skipped': s, 'problem': problem})

    if table and runs:
        names = []
        for run in runs:
            for name in per_run[run]:
                if name not in names:
                    names.append(name)
        mark = {'PASS': '.', 'SKIP': 's', None: '-'}
        width = max(len(n) for n in names) if names else 10
        print()
        print('case'.ljust(width), ' '.join(f'{i:>2}' for i in
                                           range(1, len(runs) + 1)))
        for name in names:
            cells = [mark.get(per_run[r].get(name), 'F') for r in runs]
            print(name.ljust(width), ' '.join(f'{c:>2}' for c in cells))
        print('runs:', ', '.join(f'{i}={r}' for i, r in
                                 enumerate(runs, 1)))
        print("'.' pass, 'F' fail, 's' skip, '-' not generated in that run")

    os.makedirs(RESULTS, exist_ok=True)
    name = f'summary-{prefix.rstrip("-")}.json' if prefix else 'summary.json'
    with open(os.path.join(RESULTS, name), 'w') as fh:
        json.dump({'runs': summary, 'passed': passed, 'failed': failed,
                   'skipped': skipped}, fh, indent=2)
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    return 1 if failed or skipped or not runs else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
