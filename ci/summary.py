#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise KUnit runs: ci/summary.py [--table] [--prefix=P] [--selftests [--no-kunit]] RUN...

Reads build/results/RUN.json (written by kunit.py --json) and RUN.ktap (the
console log) for each run, prints one line per run and, with --table, a
case-by-run table, then the closing line 'N passed, N failed, N skipped'.
With --prefix=P it reads P+RUN.* instead (cov- for the coverage kernels)
and writes summary-P.json rather than summary.json.

A run without results (no boot, no KTAP), with fewer than MIN_CASES cases,
without the suite's configuration line, or whose console shows a kernel
report (panic, oops, BUG, WARNING, KASAN, lockdep and the like:
ci/logscan.py) counts as one failure.  The KUnit kernels boot with
panic_on_warn=1, so a WARNING also ends the run.
Every run must match its manifest, ci/expected/BASE/RUN (BASE from the
environment, ci/base.sh: mainline or 6.12): its geometry (page size,
VA_BITS, vabits_actual, levels) and every case with its status, a skip with
its reason.  A missing, extra or renamed case, a case that passed where it
should skip or skipped where it should pass, another skip reason or another
geometry counts as one failure of the run, listed below its line.  So does
another figure (FIGURES: the shared tables, the tables hr_cycles_test keeps,
the cost of a hot-added GiB), compared in plain runs only.  A run without a
manifest fails too.  --write-expected writes the manifests of
the given runs from their results instead (review the diff, then commit).

A case or selftest that fails because of a bug in the base itself is listed
in ci/expected/BASE/known-bugs (run, case, the bug) and in the manifest as
FAIL: it is counted as a known failure, not a failure, and the run stays
green while it fails exactly so.  When it passes, the run fails until the
entry is removed: the base, or the suite, changed.  Any other failure
counts as a failure.  --total=JSON,... prints the sum of summary JSONs
(make test's two bases) as the closing line.

A run or guest that ci/budget.sh did not let start, or stopped at CI's
deadline, has NAME.notrun instead of results: it shows as not run, with
the reason, counts neither as passed nor as failed, and the closing line
says how many runs did not run.

With --guests=G,G:RUN,RUN it also reads P+G-selftests-RUN.* for each guest
variant G (ci/selftest-run.sh with SELFTEST_GUEST=G), counted alike.
With --selftests it also reads P+selftests-RUN.* (ci/selftest-run.sh) and
counts every selftest like a case: a missing result, a guest problem (hang,
kernel report) or fewer than SELFTEST_CASES tests counts as one failure.
The figures the tests print ('hotremove: ...' lines: table pages per level
before and at peak, cycles, time per cycle) go into the summary JSON.
With --summary-json=NAME the summary goes to build/results/NAME instead.
With --also=NAME[:RUN],... it also reads KUnit runs that have no selftests:
the README's kunit.py commands that ci/doc-check.sh runs, each matched
against ci/expected/RUN (default NAME).  With --doc it counts the README
commands of build/results/doc-check.tsv: a failed one is a failure.

kunit_result() and selftest_result() are the verdict of one run: the
summary and the dashboard (coverage/dashboard.py) both use them, and the
summary JSON records each run's verdict ('ok') and what was built
(identity()).
"""
import hashlib
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logscan  # noqa: E402

MIN_CASES = 20
SELFTEST_CASES = 20
FIGURES_RE = re.compile(r'hotremove: (tables at peak|tables before [a-z ]+): (.*)$')
SUITE = 'arm64_mm_hotremove'
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(TOP, 'build', 'results')
BASE = os.environ.get('BASE') or 'mainline'
EXPECTED = os.path.join(TOP, 'ci', 'expected', BASE)
PREFIX = '' if BASE == 'mainline' else BASE + '-'
BASE_TREE = os.path.join(TOP, 'build', *(('mainline', 'linux')
                                         if BASE == 'mainline' else ('linux',)))
SKIP_RE = re.compile(r'^\s*ok \d+ (.*?) # SKIP ?(.*)$')
# Figures the cover letter and the commit messages quote, from the KTAP
# log: (case, what its line starts with).  They must match the manifest in
# plain runs; debug (KASAN) and coverage kernels lay memory out otherwise.
FIGURES = (('hr_shared_test', 'shared tables: '),
           ('hr_cycles_test', 'tables kept after each removal '),
           ('hr_hotadd_test', 'linear map of '))
CONFIG_RE = re.compile(r'page_size=(\d+K) va_bits=(\d+) vabits_actual=(\d+) '
                       r'levels=(\d+)')


def suite_leaves(group, suite='', prefix=''):
    """Yield (suite, name, status) for every leaf case of a kunit.py JSON
    group; suite is '' outside the arm64_mm_hotremove* suites."""
    for case in group.get('test_cases', []):
        yield suite, prefix + case['name'], case['status']
    for sub in group.get('sub_groups', []):
        name = sub['name']
        # The suites (arm64_mm_hotremove*) are not part of a case's name:
        # each case family belongs to one suite.
        if name.startswith(SUITE):
            yield from suite_leaves(sub, name)
        else:
            yield from suite_leaves(sub, suite, prefix + name + ': ')


def leaves(group):
    """Yield (name, status) for every leaf case of a kunit.py JSON group."""
    for _, name, status in suite_leaves(group):
        yield name, status


def skip_reasons(log):
    """{case name: reason} of every SKIP line of a KTAP log."""
    reasons = {}
    for line in log.splitlines():
        m = SKIP_RE.match(line.rstrip())
        if m:
            reasons[m.group(1)] = m.group(2).strip()
    return reasons


def figures(log):
    """['figure\tCASE\tTEXT'] for the FIGURES lines of a KTAP log."""
    out = []
    for case, start in FIGURES:
        m = re.search(r'# ' + case + r': .*?(' + re.escape(start) + r'.*)$',
                      log, re.M)
        if m:
            out.append(f'figure\t{case}\t{m.group(1).strip()}')
    return out


def manifest_lines(cases, config, reasons, figs=()):
    """The manifest of a run: geometry, one line per case, figures."""
    lines = ['geometry\t' + ' '.join(config)]
    for name, status in cases:
        line = f'{status}\t{name}'
        if status == 'SKIP':
            line += '\t' + reasons.get(name.split(': ', 1)[-1], '')
        lines.append(line)
    return lines + list(figs)


def expected_path(run):
    return os.path.join(EXPECTED, run)


def known_bugs():
    """{(run, case): bug} of ci/expected/BASE/known-bugs."""
    bugs = {}
    try:
        with open(os.path.join(EXPECTED, 'known-bugs')) as f:
            for line in f:
                if line.strip() and not line.startswith('#'):
                    run, case, bug = (line.rstrip('\n').split('\t') +
                                      ['', ''])[:3]
                    bugs[(run, case)] = bug
    except OSError:
        pass
    return bugs


def split_known(key, cases):
    """(known, fixed) of a run's cases: the failures that known-bugs lists
    for run KEY, and the listed cases that did not fail."""
    listed = {c: b for (r, c), b in known_bugs().items() if r == key}
    status = dict(cases)
    known = {c: b for c, b in listed.items() if status.get(c) == 'FAIL'}
    fixed = {c: b for c, b in listed.items() if status.get(c) != 'FAIL'}
    return known, fixed


def check_manifest(run, cases, config, reasons, figs=None):
    """Differences between a run's results and ci/expected/RUN, as lines.

    figs None: a debug or coverage kernel, whose figures are not compared.
    """
    try:
        with open(expected_path(run)) as f:
            want = [l.rstrip('\n') for l in f
                    if l.strip() and not l.startswith('#')]
    except OSError:
        return [f'no manifest ci/expected/{BASE}/{run}: write it with '
                f"'make expected BASE={BASE} RUNS={run}', review it and "
                'commit it']
    diffs = []
    want_figs = [l for l in want if l.startswith('figure\t')]
    want = [l for l in want if not l.startswith('figure\t')]
    if figs is not None:
        for w in want_figs:
            case = w.split('\t')[1]
            got = [f for f in figs if f.split('\t')[1] == case]
            if got != [w]:
                diffs.append(f'figure of {case}: manifest says '
                             f'{w.split(chr(9))[2]!r}, run says '
                             f'{got[0].split(chr(9))[2] if got else "nothing"!r}')
        cases_fig = {w.split('\t')[1] for w in want_figs}
        for f in figs:
            if f.split('\t')[1] not in cases_fig:
                diffs.append(f'figure not in the manifest: {f!r}')
    have = manifest_lines(cases, config or ('?',) * 4, reasons)
    if want[:1] != have[:1]:
        diffs.append(f'geometry {have[0].split(chr(9))[1]}, manifest says '
                     f'{want[0].split(chr(9))[-1] if want else "nothing"}')
    want_cases = {l.split('\t')[1]: l for l in want[1:]}
    have_cases = {l.split('\t')[1]: l for l in have[1:]}
    for name, line in want_cases.items():
        if name not in have_cases:
            diffs.append(f'missing: {line}')
        elif have_cases[name] != line:
            diffs.append(f'want {line!r}, got {have_cases[name]!r}')
    for name, line in have_cases.items():
        if name not in want_cases:
            diffs.append(f'not in the manifest: {line}')
    return diffs


def manifest_problem(diffs, run):
    """The problem a run has when only its manifest differs."""
    return f'{len(diffs)} difference(s) from ci/expected/{BASE}/{run}'


def load(run, manifest_run=None):
    """Return (cases, config, problem, reasons, diffs, figures) of one run."""
    path = os.path.join(RESULTS, run + '.json')
    ktap = os.path.join(RESULTS, run + '.ktap')
    try:
        with open(path) as f:
            cases = list(leaves(json.load(f)))
    except (OSError, ValueError):
        return [], None, 'no results (build failed, no boot or no KTAP)', {}, [], []
    config = None
    reports = []
    reasons = {}
    figs = []
    try:
        with open(ktap, errors='replace') as f:
            log = f.read()
        m = CONFIG_RE.search(log)
        config = m.groups() if m else None
        reports = logscan.scan(log.splitlines())
        reasons = skip_reasons(log)
        figs = figures(log)
    except OSError:
        pass
    plain = manifest_run in (None, run)
    diffs = check_manifest(manifest_run or run, cases, config, reasons,
                           figs if plain else None)
    problem = None
    if not cases:
        problem = 'no test case ran'
    elif len(cases) < MIN_CASES:
        problem = f'only {len(cases)} cases, want {MIN_CASES}'
    elif config is None:
        problem = 'no configuration line in the KTAP log'
    elif reports:
        kind, n, line = reports[0]
        problem = (f'{len(reports)} kernel report(s) in the log, '
                   f'first: {kind} at line {n}: {line}')
    elif diffs:
        problem = manifest_problem(diffs, manifest_run or run)
    return cases, config, problem, reasons, diffs, figs


def counts(cases):
    """(passed, failed, skipped) of a list of (name, status)."""
    p = sum(1 for _, st in cases if st == 'PASS')
    sk = sum(1 for _, st in cases if st == 'SKIP')
    return p, len(cases) - p - sk, sk


def not_run(name):
    """Why run NAME did not start (build/results/NAME.notrun, written by
    ci/budget.sh), or None."""
    try:
        with open(os.path.join(RESULTS, name + '.notrun')) as f:
            return f.readline().strip() or 'no reason given'
    except OSError:
        return None


def not_run_result(why, **empty):
    """The verdict of a run that did not start: not ok, and not failed."""
    return {'cases': [], 'problem': None, 'passed': 0, 'failed': 0,
            'skipped': 0, 'known': {}, 'ok': False, 'not_run': why,
            'verdict': f'not run: {why}', **empty}


def kunit_result(name, manifest_run=None):
    """The verdict of KUnit run NAME (build/results/NAME.*), as a dict.

    ok is true exactly when the run has results, a configuration line, no
    kernel report, no failed case and matches ci/expected/MANIFEST_RUN
    (default NAME): expected skips, with the manifest's reasons, are fine.
    """
    why = not_run(name)
    if why:
        return not_run_result(why, config=None, reasons={}, differences=[],
                              figures=[])
    cases, config, problem, reasons, diffs, figs = load(name, manifest_run)
    p, f, s = counts(cases)
    known, fixed = split_known(manifest_run or name.removeprefix(PREFIX),
                               cases)
    f -= len(known)
    if fixed and not problem:
        problem = (f'{len(fixed)} known bug(s) of the base no longer fail: '
                   f'{", ".join(sorted(fixed))}: update '
                   f'ci/expected/{BASE}/known-bugs')
    return {'cases': cases, 'config': config, 'problem': problem,
            'reasons': reasons, 'differences': diffs, 'figures': figs,
            'passed': p, 'failed': f, 'skipped': s, 'known': known,
            'ok': not f and not problem,
            'verdict': problem or ('FAIL' if f else 'ok')}


def selftest_result(name, key=None):
    """The verdict of selftest run NAME, as a dict: every test must pass,
    or fail as known-bugs says for KEY (default: NAME without the base's
    prefix)."""
    why = not_run(name)
    if why:
        return not_run_result(why, figures={})
    cases, figures, problem = load_selftests(name)
    problem = problem or readers_problem(cases, figures)
    p, f, s = counts(cases)
    known, fixed = split_known(key or name.removeprefix(PREFIX), cases)
    f -= len(known)
    if fixed and not problem:
        problem = (f'{len(fixed)} known bug(s) of the base no longer fail: '
                   f'{", ".join(sorted(fixed))}: update '
                   f'ci/expected/{BASE}/known-bugs')
    verdict = problem or ('FAIL' if f else 'SKIPPED TESTS' if s else 'ok')
    return {'cases': cases, 'figures': figures, 'problem': problem,
            'passed': p, 'failed': f, 'skipped': s, 'known': known,
            'ok': verdict == 'ok', 'verdict': verdict}


def git(tree, *args):
    """Output of a git command in TREE, or '' when it fails."""
    try:
        return subprocess.run(['git', '-C', tree, *args], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ''


def local_changes(tree):
    """' + local changes SHA' (the SHA-1 of 'git diff HEAD', first 12
    digits) when TREE's tracked files differ from its HEAD, or ''."""
    diff = git(tree, 'diff', 'HEAD')
    if not diff:
        return ''
    return f' + local changes {hashlib.sha1(diff.encode()).hexdigest()[:12]}'


def identity():
    """What the results were built from: base, series and harness.

    The base is the one extracted into the tree (its 'base' commit), not
    the pin of ci/base.conf; KDIR names a tree used as it is.  Changes not
    committed, in the tree or in the harness, are named by the hash of
    their diff, so that two results from different edits never look the
    same.
    """
    kdir = os.environ.get('KDIR')
    tree = kdir or BASE_TREE
    head = git(tree, 'rev-parse', '--short=12', 'HEAD')
    local = local_changes(tree)
    if kdir:
        base = f'KDIR={kdir}'
        series = f'tree at {head or "?"}{local}'
    else:
        subject = git(tree, 'log', '-1', '--format=%s', 'base')
        base = subject.split(': ', 1)[1] if subject.startswith('base: ') \
            else 'no prepared tree'
        n = git(tree, 'rev-list', '--count', 'base..HEAD') or '?'
        series = f'{n} patches on the base, tree at {head or "?"}{local}'
    harness = (git(TOP, 'rev-parse', '--short=12', 'HEAD') or '?') + \
        local_changes(TOP)
    return {'base': base, 'series': series, 'harness': harness}


def doc_checks():
    """[(status, command, detail)] of build/results/doc-check.tsv, or None."""
    try:
        with open(os.path.join(RESULTS, 'doc-check.tsv')) as f:
            return [tuple((l.rstrip('\n').split('\t') + ['', ''])[:3])
                    for l in f if l.strip()]
    except OSError:
        return None


def seconds(name):
    """' (N s)' from build/results/NAME.seconds, or ''."""
    try:
        with open(os.path.join(RESULTS, name + '.seconds')) as fh:
            return f' ({fh.read().strip()} s)'
    except OSError:
        return ''


def load_selftests(name):
    """Return (cases, figures, problem) of one selftest run."""
    base = os.path.join(RESULTS, name)
    figures = {}
    try:
        with open(base + '.log', errors='replace') as f:
            test = None
            for line in f:
                line = line.rstrip()
                m = re.search(r'RUN\s+(\S+) \.\.\.', line)
                if m:
                    test = m.group(1)
                    continue
                m = FIGURES_RE.search(line)
                if m and test:
                    figures.setdefault(test, {})[m.group(1)] = m.group(2)
                    continue
                m = re.search(r'hotremove: ((\w+=\S+ ?)+)$', line)
                if m and test:
                    figures.setdefault(test, {}).update(
                        kv.split('=', 1) for kv in m.group(1).split())
    except OSError:
        pass
    try:
        with open(base + '.json') as f:
            cases = [(n.split(': ')[-1], st) for n, st in leaves(json.load(f))]
    except (OSError, ValueError):
        cases = []
    problem = None
    try:
        with open(base + '.problem') as f:
            problem = f.readline().strip() or None
    except OSError:
        pass
    if not problem and not cases:
        problem = 'no results (build failed, no boot or no KTAP)'
    elif not problem and len(cases) < SELFTEST_CASES:
        problem = f'only {len(cases)} tests, want {SELFTEST_CASES}'
    return cases, figures, problem


# The tests that run the real page-table readers alongside hot-plug
# (hr_readers_begin()), and the figures that show each reader ran.
READER_TESTS = ('hidden.add_online_offline_remove_cycles',
                'vmem.plug_online_offline_unplug')
READER_FIGURES = ('ptdump_reads', 'test_vmalloc_rounds')


def readers_problem(cases, figures):
    """Why a passing reader test shows no reader rounds, or None."""
    status = dict(cases)
    for test in READER_TESTS:
        if status.get(test) != 'PASS':
            continue
        for key in READER_FIGURES:
            if int(figures.get(test, {}).get(key, '0')) < 1:
                return f'{test}: no {key}: a page-table reader did not run'
    return None


def selftest_table(prefix, runs, guest=''):
    """Print the selftest lines of PREFIX + GUEST + selftests-RUN (GUEST:
    'VARIANT-' or ''); return (passed, failed, skipped, known, json)."""
    passed = failed = skipped = known = 0
    out = []
    print()
    print(f'{"selftests":16} {"tests":>5} {"pass":>4} {"fail":>4} {"skip":>4} '
          f'{"cycles":>6} {"ms/cycle":>8}  result')
    for run in runs:
        key = guest + 'selftests-' + run
        r = selftest_result(prefix + key, key)
        cases, figures, problem = r['cases'], r['figures'], r['problem']
        p, f, sk = r['passed'], r['failed'], r['skipped']
        passed += p
        skipped += sk
        known += len(r['known'])
        # Every selftest must run: a skip fails the run.
        failed += f + (1 if problem or sk else 0)
        cyc = figures.get('hidden.add_online_offline_remove_cycles', {})
        verdict = r['verdict']
        secs = seconds(prefix + key)
        print(f'{run:16} {len(cases):5} {p:4} {f:4} {sk:4} '
              f'{cyc.get("cycles", "-"):>6} {cyc.get("ms_per_cycle", "-"):>8}'
              f'  {verdict}{secs}')
        for test, fig in figures.items():
            for key in ('tables before add and after remove',
                        'tables before plug and after unplug',
                        'tables at peak'):
                if key in fig:
                    print(f'  {test}: {key}: {fig[key]}')
        for test, bug in r['known'].items():
            print(f'  {run}: known failure: {test}: {bug}')
        out.append({'run': run, 'tests': dict(cases), 'passed': p,
                    'failed': f, 'skipped': sk, 'figures': figures,
                    'known_failures': r['known'],
                    'problem': problem, 'not_run': r.get('not_run'),
                    'ok': r['ok']})
    return passed, failed, skipped, known, out


def write_expected(run, cases, config, reasons, problem, diffs, figs):
    """Write ci/expected/RUN from a good run; return the run's problem."""
    if problem and problem != manifest_problem(diffs, run):
        return f'manifest not written: {problem}'
    known, _ = split_known(run, cases)
    if any(st not in ('PASS', 'SKIP') and n not in known for n, st in cases):
        return ('manifest not written: a case failed that '
                f'ci/expected/{BASE}/known-bugs does not list')
    os.makedirs(EXPECTED, exist_ok=True)
    with open(expected_path(run), 'w') as f:
        f.write(f'# What run {run} must report: its geometry (page size, '
                f'VA_BITS,\n# vabits_actual, levels), then every case: '
                f'status, name, skip reason; then the\n# figures that '
                f'cases print and the cover letter quotes.\n# Written by '
                f"'make expected RUNS={run}' from a reviewed run.\n")
        f.write('\n'.join(manifest_lines(cases, config, reasons, figs)) +
                '\n')
    print(f'summary: wrote ci/expected/{BASE}/{run}')
    return None


def kunit_line(run, name, manifest_run, write):
    """Print the line of one KUnit run; return its summary entry."""
    r = kunit_result(name, manifest_run)
    if write and r.get('not_run'):
        r['problem'] = 'did not run: no manifest written'
        r['verdict'] = r['problem']
    elif write:
        r['problem'] = write_expected(run, r['cases'], r['config'],
                                      r['reasons'], r['problem'],
                                      r['differences'], r['figures'])
        r['differences'] = []
        r['ok'] = not r['failed'] and not r['problem']
        r['verdict'] = r['problem'] or ('FAIL' if r['failed'] else 'ok')
    page, va, act, lvl = r['config'] or ('?', '?', '?', '?')
    print(f'{run:16} {page:>4} {va:>3} {act:>3} {lvl:>3} {len(r["cases"]):5} '
          f'{r["passed"]:4} {r["failed"]:4} {r["skipped"]:4}  '
          f'{r["verdict"]}{seconds(name)}')
    for d in r['differences']:
        print(f'  {run}: {d}')
    for case, bug in r['known'].items():
        print(f'  {run}: known failure: {case}: {bug}')
    return r, {'run': run, 'page_size': page, 'va_bits': va,
               'vabits_actual': act, 'levels': lvl,
               'cases': len(r['cases']), 'passed': r['passed'],
               'failed': r['failed'], 'skipped': r['skipped'],
               'known_failures': r['known'],
               'problem': r['problem'], 'differences': r['differences'],
               'not_run': r.get('not_run'), 'ok': r['ok']}


def doc_table():
    """Print the README commands ci/doc-check.sh ran; return counts, JSON."""
    checks = doc_checks()
    print('\nREADME commands (ci/doc-check.sh):')
    why = not_run('doc-check')
    if why:
        print(f'  not run: {why}')
        return 0, 0, 0, [{'status': 'NOT RUN', 'command': 'ci/doc-check.sh',
                          'detail': why, 'not_run': why}]
    if checks is None:
        print('  no build/results/doc-check.tsv: ci/doc-check.sh did not run')
        return 0, 1, 0, [{'status': 'FAIL', 'command': 'ci/doc-check.sh',
                          'detail': 'did not run'}]
    n = {'PASS': 0, 'FAIL': 0, 'SKIP': 0}
    out = []
    for status, command, detail in checks:
        status = status if status in n else 'FAIL'
        n[status] += 1
        print(f'  {status:4}  {command}' + (f'  # {detail}' if detail else ''))
        out.append({'status': status, 'command': command, 'detail': detail})
    return n['PASS'], n['FAIL'], n['SKIP'], out


def main(argv):
    table = '--table' in argv
    prefix = ''.join(a.split('=', 1)[1] for a in argv
                     if a.startswith('--prefix='))
    runs = [a for a in argv if not a.startswith('--')]
    # --also=NAME[:RUN],...: KUnit runs without selftests (ci/doc-check.sh).
    also = [tuple((x + ':' + x).split(':')[:2])
            for a in argv if a.startswith('--also=')
            for x in a.split('=', 1)[1].split(',') if x]
    total = ''.join(a.split('=', 1)[1] for a in argv
                    if a.startswith('--total='))
    if total:
        return print_total(total.split(','))
    passed = failed = skipped = known = 0
    per_run = {}
    summary = []
    runs_kunit = [] if '--no-kunit' in argv else runs
    if runs_kunit or also:
        print(f'{"run":16} {"page":>4} {"va":>3} {"act":>3} {"lvl":>3} '
              f'{"cases":>5} {"pass":>4} {"fail":>4} {"skip":>4}  result')
    write = '--write-expected' in argv
    if write and prefix != PREFIX:
        print('summary: error: manifests come from plain runs, not ' +
              prefix + 'RUN', file=sys.stderr)
        return 1
    for run, name, manifest_run in ([(r, prefix + r, r) for r in runs_kunit] +
                                    [(n, n, m) for n, m in also]):
        r, entry = kunit_line(run, name, manifest_run, write)
        per_run[run] = dict(r['cases'])
        passed += r['passed']
        skipped += r['skipped']
        known += len(r['known'])
        failed += r['failed'] + (1 if r['problem'] else 0)
        summary.append(entry)

    if table and runs_kunit:
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

    selftests = None
    if '--selftests' in argv and runs:
        p, f, sk, k, selftests = selftest_table(prefix, runs)
        passed += p
        failed += f
        skipped += sk
        known += k
    # --guests=G,G:RUN,RUN: the selftests of those runs in the other guests
    # too (ci/selftest-run.sh SELFTEST_GUEST=G: G-selftests-RUN).
    guests = {}
    for a in argv:
        if a.startswith('--guests='):
            names, _, gruns = a.split('=', 1)[1].partition(':')
            for g in filter(None, names.split(',')):
                print(f'\nguest {g}:', end='')
                p, f, sk, k, guests[g] = selftest_table(
                    prefix, [r for r in gruns.split(',') if r], g + '-')
                passed += p
                failed += f
                skipped += sk
                known += k
    docs = None
    if '--doc' in argv:
        p, f, sk, docs = doc_table()
        passed += p
        failed += f
        skipped += sk

    os.makedirs(RESULTS, exist_ok=True)
    name = f'summary-{prefix.rstrip("-")}.json' if prefix else 'summary.json'
    # --summary-json=NAME: a check of its own (make doc-check) that must
    # not replace the summary of the runs.
    name = ''.join(a.split('=', 1)[1] for a in argv
                   if a.startswith('--summary-json=')) or name
    entries = (summary + (selftests or []) + (docs or []) +
               [e for g in guests.values() for e in g])
    not_started = sum(1 for e in entries if e.get('not_run'))
    result = {'base': BASE, 'identity': identity(), 'runs': summary,
              'passed': passed, 'failed': failed, 'skipped': skipped,
              'known_failures': known, 'not_run': not_started}
    if selftests is not None:
        result['selftests'] = selftests
    if guests:
        result['guests'] = guests
    if docs is not None:
        result['readme_commands'] = docs
    with open(os.path.join(RESULTS, name), 'w') as fh:
        json.dump(result, fh, indent=2)
    print(closing_line(passed, failed, skipped, known, not_started))
    return 1 if failed or not (runs or also) else 0


def closing_line(passed, failed, skipped, known, not_started=0):
    """'N passed, N failed, N skipped[, N known failures ...][, N runs not
    run ...]'."""
    line = f'{passed} passed, {failed} failed, {skipped} skipped'
    if known:
        line += (f', {known} known failures (bugs of the base, '
                 'ci/expected/*/known-bugs)')
    if not_started:
        line += (f', {not_started} run{"s" if not_started != 1 else ""} '
                 'not run (out of CI time, each named above with the command '
                 'that runs it)')
    return line


def print_total(names):
    """The closing line over several summary JSONs (build/results/NAME)."""
    n = [0, 0, 0, 0, 0]
    for name in names:
        try:
            with open(os.path.join(RESULTS, name)) as f:
                s = json.load(f)
        except (OSError, ValueError):
            print(f'summary: no {name}: its tier did not finish')
            n[1] += 1
            continue
        for i, k in enumerate(('passed', 'failed', 'skipped',
                               'known_failures', 'not_run')):
            n[i] += s.get(k, 0)
        print(f'{s.get("base", "?")}: {s["passed"]} passed, {s["failed"]} '
              f'failed, {s["skipped"]} skipped, {s.get("known_failures", 0)} '
              f'known failures, {s.get("not_run", 0)} runs not run '
              f'({s["identity"]["base"]})')
    print(closing_line(*n))
    return 1 if n[1] else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
