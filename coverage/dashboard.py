#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the results and coverage dashboard: one static HTML page.

coverage/dashboard.py [--info TRACEFILE] [--also=NAME:RUN,...] RUN...

build/coverage/index.html (BASE=6.12: build/coverage/6.12/index.html) gets:
 - the base version built (read from the tree, as the summary recorded it)
   and the series and harness revisions;
 - the results matrix, run by suite (the KUnit suite and the selftests of
   `make test` or `make matrix`, the selftests of the other guests, the
   README's kunit.py commands (--also: results NAME, manifest RUN), the
   gcov kernels of `make coverage` and the debug kernels of DEBUG=1, where
   build/results/ has them), with pass, fail and skip counts, run times and
   a link to each log.  A cell is green exactly when ci/summary.py's
   verdict of that run is ok (the same functions decide): every case
   passed or skipped as the manifest says.  Expected skips show their
   reasons on hover and in a details row; a difference from the manifest
   is named in the cell.  Each cell names the summary JSON that judged the
   run; a cell whose run that summary does not list says so;
 - line and branch coverage of each hot-remove function of
   arch/arm64/mm/mmu.c, with its uncovered lines, and of each profiled file;
 - a link to the lcov (genhtml) report.
It also writes build/coverage/coverage.json with the same figures.
Results come from build/results/ (kunit.py JSON, read by ci/summary.py);
coverage from the merged lcov tracefile.
"""

import argparse
import datetime
import html
import json
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'ci'))
import summary  # noqa: E402

# The tracefiles are in build/coverage; the dashboard of the mainline
# base is build/coverage/index.html, that of another base (BASE=6.12)
# build/coverage/BASE/index.html.
COV = os.path.join(TOP, 'build', 'coverage')
OUT = COV if summary.BASE == 'mainline' else os.path.join(COV, summary.BASE)
RESULTS_LINK = os.path.relpath(summary.RESULTS, OUT)
RESULTS = summary.RESULTS
HOTREMOVE_FUNCS = re.compile(
    r'^(unmap_hotplug_\w+|free_empty_\w+|free_hotplug_\w+|'
    r'pgtable_range_aligned|vmemmap_free|__remove_pgd_mapping|'
    r'arch_remove_memory|prevent_bootmem_remove_notifier|'
    r'hotplug_leaf_size|hotplug_range_splits_leaf|hotremove_splits_leaf|'
    r'hotplug_map_linear|arch_add_memory)$')
ASSERTION = re.compile(r'\b(WARN_ON|WARN_ON_ONCE|WARN|WARN_ONCE|BUG_ON)\(')


def summary_json(prefix):
    """The summary JSON that ci/summary.py --prefix=PREFIX writes."""
    return f'summary-{prefix.rstrip("-")}.json' if prefix else 'summary.json'


def base_suites():
    """(suite title, results prefix, summary JSON, its key) of the base's
    results: the prefix names build/results/<prefix>RUN.*; the summary that
    judged those runs is build/results/<summary JSON>, its runs under the
    key ('runs' for KUnit, 'selftests', or 'guests' and the variant)."""
    p = summary.PREFIX
    blocks = 'noalias' if summary.BASE == 'mainline' else 'on'
    cov, debug = 'cov-' + p, p + 'debug-'
    return [('KUnit', p, summary_json(p), ('runs',)),
            ('selftests', p + 'selftests-', summary_json(p), ('selftests',)),
            (f'selftests, rodata={blocks} guest',
             f'{p}rodata-{blocks}-selftests-', summary_json(p),
             ('guests', f'rodata-{blocks}')),
            ('selftests, memmap_on_memory guest',
             p + 'memmap-on-memory-selftests-', summary_json(p),
             ('guests', 'memmap-on-memory')),
            ('KUnit, gcov kernel', cov, summary_json(cov), ('runs',)),
            ('selftests, gcov kernel', cov + 'selftests-', summary_json(cov),
             ('selftests',)),
            ('KUnit, debug kernel', debug, summary_json(debug), ('runs',)),
            ('selftests, debug kernel', debug + 'selftests-',
             summary_json(debug), ('selftests',))]


SUITES = base_suites()


def summary_runs(json_name, key):
    """{run: ok} of the runs a summary JSON judged, or None without one."""
    try:
        with open(os.path.join(RESULTS, json_name)) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    for k in key:
        data = data.get(k, {}) if isinstance(data, dict) else {}
    if not isinstance(data, list):
        return {}
    return {r['run']: r.get('ok') for r in data}


def read_info(path):
    """Parse an lcov tracefile: {source: {'fn', 'da', 'br'}}."""
    files, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith('SF:'):
                cur = files.setdefault(line[3:], {'fn': {}, 'da': {}, 'br': {}})
            elif cur is None:
                continue
            elif line.startswith('FN:'):
                start, name = line[3:].split(',', 1)
                cur['fn'][name] = int(start)
            elif line.startswith('DA:'):
                n, hits = line[3:].split(',')[:2]
                cur['da'][int(n)] = cur['da'].get(int(n), 0) + int(hits)
            elif line.startswith('BRDA:'):
                n, block, branch, taken = line[5:].split(',')
                key = (int(n), block, branch)
                t = 0 if taken == '-' else int(taken)
                cur['br'][key] = cur['br'].get(key, 0) + t
            elif line == 'end_of_record':
                cur = None
    return files


def function_spans(source_lines):
    """(name, first line, last line) of every function definition.

    Taken from the source, not from gcov's FN records: gcov leaves out a
    function that was inlined everywhere, but still counts its lines.
    Kernel style: the definition starts in column 0, its body opens with
    a '{' line and closes with a '}' line, both in column 0.
    """
    spans = []
    n = 0
    while n < len(source_lines):
        m = re.match(r'^[A-Za-z_][^;(]*?\b(\w+)\(', source_lines[n])
        if not m or source_lines[n].rstrip().endswith(';'):
            n += 1
            continue
        k = n
        while k < len(source_lines) and source_lines[k].rstrip() != '{' and \
                not source_lines[k].rstrip().endswith(';'):
            k += 1
        if k == len(source_lines) or source_lines[k].rstrip() != '{':
            n = k + 1
            continue
        end = k
        while end < len(source_lines) and source_lines[end].rstrip() != '}':
            end += 1
        spans.append((m.group(1), n + 1, end + 1))
        n = end + 1
    return spans


def function_table(files):
    rows = []
    for path, rec in files.items():
        if not path.endswith('arch/arm64/mm/mmu.c'):
            continue
        try:
            with open(path) as f:
                src = f.read().splitlines()
        except OSError:
            continue
        for name, start, end in function_spans(src):
            if not HOTREMOVE_FUNCS.match(name):
                continue
            lines = {n: h for n, h in rec['da'].items() if start <= n <= end}
            br = {k: t for k, t in rec['br'].items() if start <= k[0] <= end}
            # Branches of WARN_ON()-style assertions: taking one fails the
            # run, so they are shown apart as well.
            plain = {k: t for k, t in br.items()
                     if not ASSERTION.search(src[k[0] - 1])}
            rows.append({
                'function': name, 'first_line': start, 'last_line': end,
                'lines': len(lines),
                'lines_hit': sum(1 for h in lines.values() if h),
                'branches': len(br),
                'branches_hit': sum(1 for t in br.values() if t),
                'branches_no_assert': len(plain),
                'branches_no_assert_hit': sum(1 for t in plain.values() if t),
                'uncovered_lines': sorted(n for n, h in lines.items() if not h),
                'uncovered_branch_lines': sorted({k[0] for k, t in br.items()
                                                  if not t}),
            })
    return rows


def file_table(files):
    rows = []
    for path, rec in sorted(files.items()):
        rows.append({
            'file': re.sub(r'^.*?/(arch/|mm/)', r'\1', path, count=1),
            'lines': len(rec['da']),
            'lines_hit': sum(1 for h in rec['da'].values() if h),
            'branches': len(rec['br']),
            'branches_hit': sum(1 for t in rec['br'].values() if t),
        })
    return rows


def pct(hit, total):
    return f'{100.0 * hit / total:.1f}%' if total else 'n/a'


def results_cell(suite, run, manifest_run):
    """The cell of RUN in SUITE: ci/summary.py's verdict, or None."""
    title, prefix, json_name, key = suite
    name = prefix + run
    # A run that failed to build leaves only its build log or timing.
    if not any(os.path.exists(os.path.join(RESULTS, name + ext))
               for ext in ('.json', '.ktap', '.log', '.out', '.build',
                           '.seconds', '.notrun')):
        return None
    if 'selftests-' in prefix:
        # Coverage and debug kernels run the same tests, with the same
        # known bugs.
        bugs = name.removeprefix('cov-').removeprefix(summary.PREFIX)
        r = summary.selftest_result(name, bugs.removeprefix('debug-'))
        log = name + '.log'
        reasons = {}
        diffs = []
    else:
        r = summary.kunit_result(name, manifest_run)
        log = name + '.ktap'
        reasons = {n: r['reasons'].get(n.split(': ', 1)[-1], '')
                   for n, st in r['cases'] if st == 'SKIP'}
        diffs = r['differences']
    secs = None
    try:
        with open(os.path.join(RESULTS, name + '.seconds')) as f:
            secs = int(f.read().strip())
    except (OSError, ValueError):
        pass
    judged = summary_runs(json_name, key)
    return {'passed': r['passed'], 'failed': r['failed'],
            'skipped': r['skipped'], 'problem': r['problem'],
            'ok': r['ok'], 'verdict': r['verdict'], 'skips': reasons,
            'differences': diffs, 'seconds': secs, 'log': log,
            'summary': json_name, 'not_run': r.get('not_run'),
            'in_summary': judged is not None and run in judged}


def render(meta, runs, cells, funcs, files):
    e = html.escape
    out = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
           '<title>arm64 hot-remove: results and coverage</title>',
           '<style>body{font-family:sans-serif;margin:2em;color:#222}'
           'table{border-collapse:collapse;margin:1em 0}'
           'td,th{border:1px solid #bbb;padding:.25em .6em;text-align:right}'
           'th{background:#eee}td.l,th.l{text-align:left}'
           '.ok{background:#d8f0d8}.bad{background:#f6caca}'
           '.none{color:#888}.mid{background:#f8eec0}'
           'code{font-size:90%}</style></head><body>',
           '<h1>arm64 memory hot-remove: results and coverage</h1>',
           '<table id="meta">']
    for k, v in meta.items():
        out.append(f'<tr><th class="l">{e(k)}</th><td class="l">{e(v)}</td></tr>')
    out.append('</table>')

    # Suites with no result in any run (no debug kernels, say) stay out.
    suites = [t for t, *_ in SUITES if any(cells[r].get(t) for r in runs)]
    out.append('<h2>Results</h2>')
    out.append('<p>Green: the run matches its manifest (<code>ci/expected/'
               '</code>) with no failed case and no kernel report, the '
               'verdict of <code>ci/summary.py</code>; expected skips are '
               'listed with their reasons below the table.</p>')
    out.append('<table id="results"><tr><th class="l">run</th>')
    out += [f'<th>{e(title)}</th>' for title in suites]
    out.append('</tr>')
    details = []
    for run in runs:
        out.append(f'<tr><td class="l">{e(run)}</td>')
        for title in suites:
            c = cells[run].get(title)
            if c is None:
                out.append('<td class="none">not run</td>')
                continue
            text = f"{c['passed']} pass, {c['failed']} fail, {c['skipped']} skip"
            if c.get('not_run'):
                text = f"not run: {c['not_run']}"
            if c['skipped'] and c['ok'] and c['skips']:
                text += ' (as the manifest says)'
            if c['problem']:
                text += f" ({c['problem']})"
            if c['seconds'] is not None:
                text += f", {c['seconds']} s"
            if not c['in_summary']:
                text += f" [not in the last {c['summary']}: older results]"
            tip = '; '.join(f'{n}: {why}' for n, why in c['skips'].items())
            cls = 'ok' if c['ok'] else 'none' if c.get('not_run') else 'bad'
            diffs = ''.join(f'<br><small>{e(d)}</small>'
                            for d in c['differences'])
            out.append(f'<td class="{cls}" data-run="{e(run)}" '
                       f'data-suite="{e(title)}" data-summary="{e(c["summary"])}" '
                       f'title="{e(tip)}">{e(text)} '
                       f'<a href="{e(RESULTS_LINK)}/{e(c["log"])}">log</a>{diffs}</td>')
            if c['skips']:
                details.append((run, title, c['skips']))
        out.append('</tr>')
    out.append('</table>')
    if details:
        out.append('<details id="skips"><summary>Skipped cases and their '
                   'reasons</summary><table><tr><th class="l">run</th>'
                   '<th class="l">suite</th><th class="l">case</th>'
                   '<th class="l">reason</th></tr>')
        for run, title, skips in details:
            for n, why in skips.items():
                out.append(f'<tr><td class="l">{e(run)}</td><td class="l">'
                           f'{e(title)}</td><td class="l">{e(n)}</td>'
                           f'<td class="l">{e(why)}</td></tr>')
        out.append('</table></details>')

    out.append('<h2>Hot-remove functions of arch/arm64/mm/mmu.c</h2>')
    if not funcs:
        out.append('<p class="none">No coverage data: run <code>make coverage</code>.</p>')
    else:
        out.append('<table id="functions"><tr><th class="l">function</th>'
                   '<th>lines</th><th>line coverage</th><th>branches</th>'
                   '<th>branch coverage</th>'
                   '<th>branches outside WARN_ON() lines</th>'
                   '<th class="l">lines not run</th>'
                   '<th class="l">lines with a branch not taken</th></tr>')
        for f in funcs:
            full = f['lines_hit'] == f['lines']
            out.append(
                f'<tr><td class="l"><code>{e(f["function"])}</code> '
                f'(mmu.c:{f["first_line"]})</td>'
                f'<td>{f["lines_hit"]}/{f["lines"]}</td>'
                f'<td class="{"ok" if full else "bad"}">{pct(f["lines_hit"], f["lines"])}</td>'
                f'<td>{f["branches_hit"]}/{f["branches"]}</td>'
                f'<td class="{"ok" if f["branches_hit"] == f["branches"] else "mid"}">'
                f'{pct(f["branches_hit"], f["branches"])}</td>'
                f'<td>{f["branches_no_assert_hit"]}/{f["branches_no_assert"]} '
                f'({pct(f["branches_no_assert_hit"], f["branches_no_assert"])})</td>'
                f'<td class="l">{e(" ".join(map(str, f["uncovered_lines"])) or "none")}</td>'
                f'<td class="l">{e(" ".join(map(str, f["uncovered_branch_lines"])) or "none")}</td></tr>')
        lh = sum(f['lines_hit'] for f in funcs)
        lt = sum(f['lines'] for f in funcs)
        bh = sum(f['branches_hit'] for f in funcs)
        bt = sum(f['branches'] for f in funcs)
        nh = sum(f['branches_no_assert_hit'] for f in funcs)
        nt = sum(f['branches_no_assert'] for f in funcs)
        out.append(f'<tr><th class="l">all</th><th>{lh}/{lt}</th><th>{pct(lh, lt)}</th>'
                   f'<th>{bh}/{bt}</th><th>{pct(bh, bt)}</th>'
                   f'<th>{nh}/{nt} ({pct(nh, nt)})</th><th></th><th></th></tr>')
        out.append('</table>')
        out.append('<h2>Profiled files</h2><table id="files"><tr><th class="l">file</th>'
                   '<th>lines</th><th>line coverage</th><th>branches</th>'
                   '<th>branch coverage</th></tr>')
        for f in files:
            out.append(f'<tr><td class="l"><code>{e(f["file"])}</code></td>'
                       f'<td>{f["lines_hit"]}/{f["lines"]}</td>'
                       f'<td>{pct(f["lines_hit"], f["lines"])}</td>'
                       f'<td>{f["branches_hit"]}/{f["branches"]}</td>'
                       f'<td>{pct(f["branches_hit"], f["branches"])}</td></tr>')
        out.append('</table>')
        out.append('<p><a href="html/index.html">lcov report (genhtml)</a></p>')
    out.append('</body></html>')
    return '\n'.join(out) + '\n'


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--info', help='merged lcov tracefile')
    ap.add_argument('--also', default='',
                    help='NAME:RUN,...: KUnit results NAME, manifest RUN')
    ap.add_argument('runs', nargs='+')
    args = ap.parse_args(argv)

    # What the results were built from: as the last summary recorded it,
    # and the tree as it is now when that differs.
    meta = {}
    try:
        with open(os.path.join(RESULTS, summary_json(summary.PREFIX))) as f:
            meta.update(json.load(f).get('identity', {}))
    except (OSError, ValueError):
        pass
    now = summary.identity()
    if not meta:
        meta = dict(now)
    for k in ('base', 'series', 'harness'):
        if now.get(k) != meta.get(k):
            meta[k + ' now'] = now.get(k, '?')
    meta['written'] = datetime.datetime.now(datetime.timezone.utc).strftime(
        '%Y-%m-%d %H:%M UTC')
    rows = [(r, r) for r in args.runs]
    rows += [tuple((x + ':' + x).split(':')[:2])
             for x in args.also.split(',') if x]
    runs = [name for name, _ in rows]
    cells = {run: {} for run in runs}
    for run, manifest_run in rows:
        for suite in SUITES:
            if manifest_run != run and suite[1]:
                continue  # the README's kunit.py runs: KUnit only
            cells[run][suite[0]] = results_cell(suite, run, manifest_run)
    funcs, files = [], []
    if args.info and os.path.exists(args.info):
        info = read_info(args.info)
        funcs, files = function_table(info), file_table(info)

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'index.html'), 'w') as f:
        f.write(render(meta, runs, cells, funcs, files))
    with open(os.path.join(OUT, 'coverage.json'), 'w') as f:
        json.dump({'meta': meta, 'results': cells, 'functions': funcs,
                   'files': files}, f, indent=2)
    print(f'dashboard: {os.path.join(OUT, "index.html")}')
    if funcs:
        lh = sum(f['lines_hit'] for f in funcs)
        lt = sum(f['lines'] for f in funcs)
        bh = sum(f['branches_hit'] for f in funcs)
        bt = sum(f['branches'] for f in funcs)
        print(f'dashboard: hot-remove functions: lines {lh}/{lt} ({pct(lh, lt)}), '
              f'branches {bh}/{bt} ({pct(bh, bt)})')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
