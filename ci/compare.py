#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare two series case family by case family: ci/compare.py [--series S,...] RUN...

Reads the last results of each run for our series (build/results/RUN.*)
and for each other series S (S-RUN.*, written by make ... SERIES=S), and
prints a Markdown table: one row per case family (a KUnit case, or a
parameterised case with all its entries, or a selftest), one column per
run, each cell the verdict of every series, ours first:

  pass   every case of the family passed, or skipped as the manifest says
  FAIL   at least one case failed, or was dropped from the run
  skip   every case skipped
  -      the family is not built on that series (its suite is left out)
  ?      the run has no results

Below the table: each case whose verdict differs from ours, with the first
line of its failure from the KTAP log.  Also written to
build/results/compare.md.  The exit status is 0: this is a report; the
runs' own summaries say whether a series passes.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import summary  # noqa: E402


def family(case):
    return case.split(': ', 1)[0]


def verdicts(cases, expected):
    """{family: verdict} from [(case, status)] and the manifest's cases."""
    fams = {}
    for name, st in cases:
        fams.setdefault(family(name), []).append(st)
    out = {}
    for fam, sts in fams.items():
        if any(s not in ('PASS', 'SKIP') for s in sts):
            out[fam] = 'FAIL'
        elif all(s == 'SKIP' for s in sts):
            out[fam] = 'skip'
        else:
            out[fam] = 'pass'
    # A family the run has, but with fewer cases than the manifest names.
    have = {n for n, _ in cases}
    for name in expected:
        if family(name) in out and name not in have:
            out[family(name)] = 'FAIL'
    return out


def manifest_cases(run):
    try:
        with open(summary.expected_path(run)) as f:
            return [line.rstrip('\n').split('\t')[1] for line in f
                    if line[:4] in ('PASS', 'SKIP', 'FAIL')]
    except OSError:
        return []


def failure_line(prefix, run, case):
    """The first assertion line of @case in the KTAP log, or ''."""
    try:
        with open(os.path.join(summary.RESULTS, prefix + run + '.ktap'),
                  errors='replace') as f:
            log = f.read().splitlines()
    except OSError:
        return ''
    leaf = case.split(': ', 1)[-1]
    body = []
    for line in log:
        m = re.match(r'\s*(not ok|ok) \d+ (.*?)(\s+#.*)?$', line)
        if m:
            if m.group(2) == leaf and m.group(1) == 'not ok':
                for i, b in enumerate(body):
                    if b.strip().startswith('Expected'):
                        return ' '.join(x.strip() for x in body[i:i + 2])
                return body[-1].strip().lstrip('# ').strip() if body else ''
            body = []
        else:
            body.append(line)
    return ''


def load_series(prefix, run):
    cases, _, problem, _, _, _ = summary.load(prefix + run, run)
    st, _, st_problem = summary.load_selftests(prefix + 'selftests-' + run)
    got = {}
    if cases:
        got.update(verdicts(cases, manifest_cases(run)))
    if st:
        for name, status in st:
            got['selftest ' + name] = ('pass' if status == 'PASS' else
                                       'skip' if status == 'SKIP' else 'FAIL')
    return got, cases, problem, st_problem, bool(cases), bool(st)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--series', default='upstream,upstream-fixes')
    ap.add_argument('runs', nargs='+')
    args = ap.parse_args(argv)
    series = [''] + [s + '-' for s in args.series.split(',') if s]
    # Only the series that have results for some run.
    series = [p for p in series if p == '' or any(
        os.path.exists(os.path.join(summary.RESULTS, p + r + '.json'))
        for r in args.runs)]
    names = ['ours'] + [p.rstrip('-') for p in series[1:]]
    if len(series) < 2:
        print('compare: error: no results of another series: run '
              "'make matrix SERIES=upstream' first", file=sys.stderr)
        return 1

    data = {(p, r): load_series(p, r) for p in series for r in args.runs}
    fams = []
    for key in data:
        for f in data[key][0]:
            if f not in fams:
                fams.append(f)
    kunit = [f for f in fams if not f.startswith('selftest ')]
    selft = [f for f in fams if f.startswith('selftest ')]

    lines = [f'Verdicts per run: {" / ".join(names)}.', '',
             '| family | ' + ' | '.join(args.runs) + ' |',
             '|---|' + '---|' * len(args.runs)]
    for f in kunit + selft:
        cells = []
        for r in args.runs:
            v = []
            for p in series:
                got, _, _, _, has_k, has_s = data[(p, r)]
                has = has_s if f.startswith('selftest ') else has_k
                v.append(got.get(f, '-') if has else '?')
            cells.append('/'.join(v) if len(set(v)) > 1 else v[0])
        lines.append(f'| {f} | ' + ' | '.join(cells) + ' |')

    lines += ['', 'Cases whose verdict differs from ours (runs where it does):',
              '']
    diffs = {}	# (series, what, change) -> [runs], first reason
    for p in series[1:]:
        for r in args.runs:
            _, ours, _, _, _, _ = data[('', r)]
            _, theirs, problem, st_problem, _, _ = data[(p, r)]
            mine, got = dict(ours), dict(theirs)
            for name, st in theirs:
                if mine.get(name, 'absent') != st:
                    why = (failure_line(p, r, name)
                           if st not in ('PASS', 'SKIP') else '')
                    key = (p, name, f'{mine.get(name, "absent")} -> {st}')
                    diffs.setdefault(key, [[], why])[0].append(r)
            if theirs:
                for fam in dict.fromkeys(family(n) for n in mine
                                         if n not in got):
                    n = sum(1 for m in mine
                            if family(m) == fam and m not in got)
                    key = (p, fam, f'not built ({n} cases)')
                    diffs.setdefault(key, [[], ''])[0].append(r)
            for what, prob in (('KUnit run', problem),
                               ('selftests', st_problem)):
                if prob and not prob.endswith(f'from ci/expected/{r}'):
                    key = (p, what, prob)
                    diffs.setdefault(key, [[], ''])[0].append(r)
    for (p, what, change), (runs, why) in diffs.items():
        where = ('all runs' if len(runs) == len(args.runs)
                 else ', '.join(runs))
        lines.append(f'- {p.rstrip("-")}: {what}: {change}, {where}'
                     + (f'; {why}' if why else ''))
    text = '\n'.join(lines) + '\n'
    sys.stdout.write(text)
    with open(os.path.join(summary.RESULTS, 'compare.md'), 'w') as f:
        f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
