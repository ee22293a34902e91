#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The verdicts of make mutants (ci/mutants.sh), from build/results/.

  ci/mutants.py header DIFF           run and guest of a mutant, tab-separated
  ci/mutants.py control RUN [GUEST]   is the clean tree's run of RUN as its
                                      manifest says (and its guest all passed)?
  ci/mutants.py report DIFF...        each mutant's expected catchers against
                                      the cases that failed; exit 1 unless
                                      every one is caught as its header says

A mutant's header, the comment lines before its diff, names what must catch
it, one catcher a line:

  # run: RUN                 the matrix run it needs (default 4k-48)
  # guest: VARIANT           the selftest guest that can show it (default:
                             arm64's default rodata)
  # caught by: SUITE: CASE   CASE must fail on the mutant's kernel
  # also affected: SUITE: CASE
                             CASE may change too (a leak that a later case
                             also sees), without being required to
  # crashes: WHY             the kernel oopses (after the catchers failed):
                             the cases after the crash are absent

SUITE is a KUnit suite (arm64_mm_hotremove, arm64_mm_hotremove_split, ...)
or "selftests"; CASE a case (hr_teardown_test), a case and one of its
parameters (hr_teardown_test: linear: one page), or a selftest
(hidden.add_online_offline_remove_cycles).  A case named without a
parameter is caught when any of its parameters fails; likewise a group of
selftests (bad: bad.kernel_added_twice.request, ...).

A mutant is caught when its kernel built and booted, every KUnit catcher
failed, and no other case changed from the control run (the clean tree's
run of the same configuration, which must match its manifest).  A selftest
catcher must fail in a guest that finished: a guest that hung, crashed or
gave no results catches nothing.  The selftests run on every mutant; the
report gives their score beside KUnit's.
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from summary import (RESULTS, TOP, kunit_result, load_selftests,  # noqa: E402
                     selftest_result, suite_leaves)
import logscan  # noqa: E402

DEFAULT_RUN = '4k-48'
SELFTESTS = 'selftests'
KEYS = ('run', 'guest', 'caught by', 'also affected', 'crashes')


def header(path):
    """{key: [values]} of a mutant's header comment."""
    got = {k: [] for k in KEYS}
    with open(path) as f:
        for line in f:
            if not line.startswith('#'):
                break
            m = re.match(r'# (' + '|'.join(KEYS) + r'): *(.+?)\s*$', line)
            if m:
                got[m.group(1)].append(m.group(2))
    return got


def catchers(values, path):
    """[(suite, case)] of header lines; exits on one without a suite."""
    out = []
    for v in values:
        suite, sep, case = v.partition(': ')
        if not sep or not case:
            sys.exit(f'mutants: error: {path}: "{v}" names no case: write '
                     '"# caught by: SUITE: CASE"')
        out.append((suite, case))
    return out


class Mutant:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)[:-len('.diff')]
        h = header(path)
        self.run = (h['run'] or [DEFAULT_RUN])[0]
        self.guest = (h['guest'] or ['default'])[0]
        self.caught_by = catchers(h['caught by'], path)
        self.also = catchers(h['also affected'], path)
        self.crashes = ' '.join(h['crashes'])
        if not self.caught_by:
            sys.exit(f'mutants: error: {path} names no catcher: add '
                     '"# caught by: SUITE: CASE" to its header')

    def kunit_catchers(self):
        return [c for c in self.caught_by if c[0] != SELFTESTS]

    def selftest_catchers(self):
        return [c[1] for c in self.caught_by if c[0] == SELFTESTS]


def kunit_cases(name):
    """({(suite, case): status}, why-broken) of KUnit results NAME."""
    try:
        with open(os.path.join(RESULTS, name + '.out'),
                  errors='replace') as f:
            built = 'Starting KUnit Kernel' in f.read()
    except OSError:
        built = False
    if not built:
        return {}, f'its kernel did not build (see build/results/{name}.out)'
    try:
        with open(os.path.join(RESULTS, name + '.json')) as f:
            cases = {(su, n): st for su, n, st in suite_leaves(json.load(f))}
    except (OSError, ValueError):
        cases = {}
    if not cases:
        return {}, ('no KTAP: the kernel did not boot or crashed first '
                    f'(see build/results/{name}.out)')
    return cases, None


def reports(name):
    """The kernel reports in a KUnit run's console log."""
    try:
        with open(os.path.join(RESULTS, name + '.ktap'),
                  errors='replace') as f:
            return logscan.scan(f.read().splitlines())
    except OSError:
        return []


def matches(catcher, leaf):
    suite, case = catcher
    lsuite, lcase = leaf
    sep = '.' if suite == SELFTESTS else ': '
    return suite == lsuite and (lcase == case or
                                lcase.startswith(case + sep))


def failing(status):
    return status not in ('PASS', 'SKIP')


def by_case(leaves):
    """'hr_x_test (2), hr_y_test' of (suite, case) leaves."""
    n = {}
    for _, case in sorted(leaves):
        # kunit.py's nameless ERROR results: the cases a crash cut off.
        fam = case.split(': ')[0] or 'crashed'
        n[fam] = n.get(fam, 0) + 1
    return ', '.join(f'{f} ({c})' if c > 1 else f for f, c in n.items())


def control_name(run):
    return 'mutant-control-' + run


def control_selftests_name(run, guest):
    return ('mutant-control-' + ('' if guest == 'default' else guest + '-')
            + 'selftests-' + run)


def control(run, guest=None):
    """Exit 0 when the clean tree's runs are as their manifests say."""
    name = control_selftests_name(run, guest) if guest else control_name(run)
    if guest:
        r = selftest_result(name, key='selftests-' + run)
    else:
        r = kunit_result(name, manifest_run=run)
    if r['ok']:
        return 0
    why = r['verdict']
    for d in r.get('differences', [])[:10]:
        why += '\n  ' + d
    print(f'mutants: error: the control run {name} of the clean tree is '
          f'not as ci/expected says: {why}; the mutants cannot be judged '
          'against it (see build/results/' + name + '.*)', file=sys.stderr)
    return 1


def judge(m):
    """The row of the report for mutant M, and whether it was caught."""
    name = 'mutant-' + m.name
    ctrl, _ = kunit_cases(control_name(m.run))
    cases, broken = kunit_cases(name)
    row = {'mutant': m.name, 'run': m.run, 'guest': m.guest,
           'kunit_expected': [c for _, c in m.kunit_catchers()],
           'selftests_expected': m.selftest_catchers()}
    if broken:
        row.update(kunit_failed='-', selftests_failed='-',
                   selftests_caught=False, verdict='BROKEN: ' + broken)
        return row, False
    failed = sorted(leaf for leaf, st in cases.items() if failing(st))
    row['kunit_failed'] = by_case(failed) or 'none'
    row['families'] = sorted({c.split(': ')[0] for _, c in failed})
    problems = []
    for c in m.kunit_catchers():
        if not any(matches(c, leaf) and failing(st)
                   for leaf, st in cases.items()):
            seen = any(matches(c, leaf) for leaf in cases)
            problems.append(f'{c[1]} did not fail' if seen else
                            f'{c[0]}: {c[1]} is no case of this run')
    allowed = m.caught_by + m.also
    rep = reports(name)
    # A crash the header expects leaves the cases after it absent, and
    # kunit.py's nameless ERROR lines where they were.
    crashed = bool(m.crashes) and bool(rep)
    changed = sorted(leaf for leaf in set(ctrl) | set(cases)
                     if ctrl.get(leaf) != cases.get(leaf) and
                     not any(matches(c, leaf) for c in allowed) and
                     not (crashed and (leaf not in cases or not leaf[1])))
    if rep and not m.crashes:
        kind, n, line = rep[0]
        problems.append(f'kernel report at line {n} of '
                        f'build/results/{name}.ktap: {kind}: {line}')
    elif m.crashes and not rep:
        problems.append('its header says it crashes, and it did not')
    if changed:
        problems.append('unlisted change from the control run: ' +
                        '; '.join(f'{c} {ctrl.get((s, c), "absent")} -> '
                                  f'{cases.get((s, c), "absent")}'
                                  for s, c in changed[:5]) +
                        (f' (and {len(changed) - 5} more)'
                         if len(changed) > 5 else ''))
    if rep:
        kind, n, line = rep[0]
        row['report'] = f'{kind}: {line}'

    # The selftests: a catch is a named test that FAILed in a guest that
    # finished; a mutant that names none gets its score only.
    st_name = 'mutant-selftests-' + m.name
    st_cases, _, st_problem = load_selftests(st_name)
    st = dict(st_cases)
    st_failed = sorted(n for n, s in st_cases if s == 'FAIL')
    row['selftests_failed'] = (f'guest did not finish: {st_problem}'
                               if st_problem else
                               ', '.join(st_failed) or 'none')
    row['selftests_caught'] = bool(st_failed) and not st_problem
    for t in m.selftest_catchers():
        if st_problem:
            problems.append(f'selftests: the guest did not finish, so '
                            f'{t} caught nothing ({st_problem})')
        elif st.get(t) != 'FAIL':
            problems.append(f'selftests: {t} {st.get(t, "absent")}, '
                            'not FAIL')
    if m.selftest_catchers() and not st_problem:
        ctrl_st = dict(load_selftests(control_selftests_name(
            m.run, m.guest))[0])
        extra = sorted(n for n in set(ctrl_st) | set(st)
                       if ctrl_st.get(n) != st.get(n) and
                       not any(matches(c, (SELFTESTS, n))
                               for c in allowed))
        if extra:
            problems.append('unlisted selftest change: ' + ', '.join(extra))
    row['verdict'] = ('NOT CAUGHT AS NAMED: ' + '; '.join(problems)
                      if problems else 'caught')
    return row, not problems


def cell(v):
    if isinstance(v, list):
        v = '<br>'.join(v) or '-'
    return str(v).replace('|', '\\|')


def report(paths):
    mutants = [Mutant(p) for p in paths]
    rows = []
    ok = 0
    for m in mutants:
        row, good = judge(m)
        rows.append(row)
        ok += good
    cols = (('mutant', 'mutant'), ('run', 'run'),
            ('expected (KUnit)', 'kunit_expected'),
            ('failed (KUnit)', 'kunit_failed'),
            ('expected (selftests)', 'selftests_expected'),
            ('failed (selftests)', 'selftests_failed'),
            ('verdict', 'verdict'))
    lines = ['| ' + ' | '.join(c for c, _ in cols) + ' |',
             '| ' + ' | '.join('---' for _ in cols) + ' |']
    for r in rows:
        lines.append('| ' + ' | '.join(cell(r[k]) for _, k in cols) + ' |')
    st_score = sum(r['selftests_caught'] for r in rows)
    lines += ['', f'{ok} of {len(rows)} mutants caught as their headers '
              f'name; the selftests failed on {st_score} of {len(rows)}.']
    # The cases that no mutant made fail: a check nothing shows can fail.
    src = ''
    for f in sorted(os.listdir(os.path.join(TOP, 'kunit'))):
        if f.endswith('.c'):
            with open(os.path.join(TOP, 'kunit', f)) as fh:
                src += fh.read()
    fams = re.findall(r'KUNIT_CASE\w*\((hr_\w+)', src)
    hit = {fam for r in rows for fam in r.get('families', ())}
    idle = [f for f in fams if f not in hit]
    if idle:
        lines.append('Cases that failed on no mutant: ' + ', '.join(idle) +
                     '.')
    for r in rows:
        if 'report' in r:
            lines.append(f'- {r["mutant"]}: kernel report in the KUnit '
                         f'run: {r["report"]}')
    text = '\n'.join(lines) + '\n'
    with open(os.path.join(RESULTS, 'mutants.md'), 'w') as f:
        f.write(text)
    with open(os.path.join(RESULTS, 'mutants.json'), 'w') as f:
        json.dump(rows, f, indent=1)
    print(text, end='')
    print('(build/results/mutants.md, mutants.json)')
    return 0 if ok == len(rows) else 1


def main(argv):
    if len(argv) >= 2 and argv[0] == 'header':
        m = Mutant(argv[1])
        print(f'{m.run}\t{m.guest}')
        return 0
    if len(argv) in (2, 3) and argv[0] == 'control':
        return control(*argv[1:])
    if len(argv) >= 2 and argv[0] == 'report':
        return report(argv[1:])
    print(__doc__.split('\n\n')[0], file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
