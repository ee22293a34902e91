#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The hr_xarch table: page-table pages hot-remove shares with other regions.

Reads what make xarch keeps of each boot: the console log
(RESULTS/LABEL-CONFIG-N.log) for the suite's "xarch: key=value ..." lines
and for kernel reports (ci/logscan.py), and kunit.py's JSON beside it for
the cases' results.  Prints one Markdown table per architecture: for each configuration, each
end of the direct map and vmemmap hot-remove can reach and each level where
the table there also maps another region or space outside the region, what
it maps and what the teardown did to it, over all boots of that
configuration ("foreign entries": its entries in use outside the region).
Kernels with the proposed fixes (LABEL ARCH-fixed) get their own table.

Exits 1 if a boot has no results, lacks a case or has a kernel report, a
fixed kernel fails a case, or a base kernel fails a case its architecture has no fix for, or
fails none where it has one.
"""

import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'ci'))
import logscan  # noqa: E402

PAIR = re.compile(r'(\w+)=("[^"]*"|\S+)')
STATUS = {'PASS': 'pass', 'SKIP': 'skip'}
BOUNDARIES = ('direct map, lowest address', 'direct map, highest address',
              'vmemmap, lowest address', 'vmemmap, highest address')
# Every boot must report each of these, so that a lost case shows.
CASES = {'hr_xarch_layout_test', *BOUNDARIES}
LEVELS = ('pte', 'pmd', 'pud', 'p4d')
GIB = 1 << 30


def pairs(line):
    return {k: v.strip('"') for k, v in PAIR.findall(line)}


def leaves(group):
    """Yield (name, status) for every case of a kunit.py JSON group."""
    for case in group.get('test_cases', []):
        yield case['name'], case['status']
    for sub in group.get('sub_groups', []):
        yield from leaves(sub)


def read_boot(path):
    """The suite's findings, its case results and kernel reports of a boot."""
    boot = {'regions': {}, 'tables': [], 'results': collections.Counter(),
            'mode': None, 'failed': [], 'cases': set(), 'reports': []}
    with open(path, errors='replace') as f:
        lines = f.readlines()
    for line in lines:
        if 'xarch: ' not in line:
            continue
        p = pairs(line.split('xarch: ', 1)[1])
        if 'region' in p:
            boot['regions'][p['region']] = (int(p['start'], 16),
                                            int(p['end'], 16))
        elif 'level' in p and 'boundary' in p:
            boot['tables'].append(p)
        if 'mode' in p:
            boot['mode'] = p['mode']
    boot['reports'] = logscan.scan(lines)
    try:
        with open(path[:-len('.log')] + '.json') as f:
            results = list(leaves(json.load(f)))
    except (OSError, ValueError):
        results = []
    for name, status in results:
        # The parameterised test is a group of its own cases.
        if name == 'hr_xarch_shared_test':
            continue
        boot['cases'].add(name)
        boot['results'][STATUS.get(status, 'fail')] += 1
        if status not in STATUS:
            boot['failed'].append(name)
    return boot


def describe(results):
    """'freed 3, kept 7' from a Counter of results."""
    order = ('freed', 'kept', 'mapped', 'none', 'not-populated')
    return ', '.join(f'{r} {results[r]}' if sum(results.values()) > 1 else r
                     for r in order if results[r])


def gap_line(boots):
    """Direct map end to vmalloc start, over the boots (x86_64 KASLR)."""
    gaps = []
    for b in boots:
        dm, vm = b['regions'].get('direct map'), b['regions'].get('vmalloc')
        if dm and vm and vm[0] >= dm[1]:
            gaps.append((vm[0] - dm[1]) / GIB)
    if not gaps:
        return None
    return (f'direct map end to vmalloc start: {min(gaps):,.0f} to '
            f'{max(gaps):,.0f} GiB over {len(gaps)} boot(s)')


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: table.py RESULTS_DIR')
    res = sys.argv[1]
    runs = collections.defaultdict(list)     # (arch, config) -> boots
    missing = []
    fixed = set()       # the architectures booted with their fixes
    for name in sorted(os.listdir(res)):
        m = re.match(r'(x86_64(?:-fixed)?|riscv64(?:-fixed)?)-(.+)-(\d+)\.log$',
                     name)
        if not m:
            continue
        if m.group(1).endswith('-fixed'):
            fixed.add(m.group(1)[:-len('-fixed')])
        boot = read_boot(os.path.join(res, name))
        if not boot['mode'] or not boot['tables']:
            missing.append(f'{name}: no hr_xarch results (did the kernel boot?)')
            continue
        for kind, n, line in boot['reports']:
            missing.append(f'{name}:{n}: kernel {kind}: {line.strip()}')
        if boot['cases'] != CASES:
            missing.append(f'{name}: cases missing: '
                           f'{", ".join(sorted(CASES - boot["cases"]))}; '
                           f'unknown: {", ".join(sorted(boot["cases"] - CASES)) or "none"}')
            continue
        runs[(m.group(1), m.group(2))].append(boot)

    failed = collections.defaultdict(list)     # label -> failed cases
    labels = sorted({a for a, _ in runs}, key=lambda a: (a.split('-')[0] != 'x86_64', a))
    for arch in labels:
        configs = sorted(c for a, c in runs if a == arch)
        title = (f'{arch[:-6]}, with xarch/patches/{arch[:-6]}'
                 if arch.endswith('-fixed') else f'{arch}, the base')
        print(f'## {title}\n')
        print('| configuration | boots | end hot-remove reaches | table | '
              'also maps | teardown | foreign entries | cases |')
        print('|---|---|---|---|---|---|---|---|')
        notes = []
        for config in configs:
            boots = runs[(arch, config)]
            cases = collections.Counter()
            for b in boots:
                cases.update(b['results'])
                failed[arch] += [f'{config}: {t}' for t in b['failed']]
            case_text = ', '.join(f'{cases[k]} {k}' for k in
                                  ('pass', 'fail', 'skip') if cases[k])
            rows = collections.OrderedDict()
            for b in boots:
                for t in b['tables']:
                    key = (t['boundary'], t['level'])
                    row = rows.setdefault(key, {
                        'shares': collections.Counter(),
                        'result': collections.Counter(),
                        'foreign': []})
                    where = t['shares']
                    if where == '-' and t.get('beyond') == '1':
                        where = 'unused space'
                    row['shares'][where] += 1
                    row['result'][t['result']] += 1
                    row['foreign'].append(int(t['foreign_entries']))
            shown = 0
            for (boundary, level), row in sorted(
                    rows.items(), key=lambda kv: (BOUNDARIES.index(kv[0][0]),
                                                  LEVELS.index(kv[0][1]))):
                shared = {s: n for s, n in row['shares'].items() if s != '-'}
                # Tables that boot memory keeps in use, with nothing but
                # unused space besides, say nothing about the teardown.
                if not shared or (set(shared) == {'unused space'} and
                                  set(row['result']) == {'mapped'}):
                    continue
                where = '; '.join(f'{s} ({n} of {len(boots)})'
                                  if len(boots) > 1 else s
                                  for s, n in shared.items())
                fe = row['foreign']
                foreign = (str(fe[0]) if min(fe) == max(fe)
                           else f'{min(fe)}-{max(fe)}')
                print(f'| {config} | {len(boots)} | {boundary} | {level} | '
                      f'{where} | {describe(row["result"])} | {foreign} | '
                      f'{case_text if not shown else ""} |')
                shown += 1
            if not shown:
                print(f'| {config} | {len(boots)} | every end | every level '
                      f'| none | | | {case_text} |')
            gap = gap_line(boots) if arch == 'x86_64' else None
            if gap:
                notes.append(f'- {config}: {gap}')
        print()
        if notes:
            print('\n'.join(notes) + '\n')

    # A base kernel may fail only where its architecture has fixes, and
    # then must fail: the failure is what the fixes are for.
    errors = [f'error: {m}' for m in missing]
    for arch in labels:
        cases = sorted(set(failed[arch]))
        if arch.endswith('-fixed'):
            errors += [f'error: {arch}: fails with the fixes: {c}' for c in cases]
        elif arch in fixed:
            for c in cases:
                print(f'finding: {arch}: {c} (xarch/patches/{arch} fixes it)')
            if not cases:
                errors.append(f'error: {arch}: no case fails on the base, so '
                              f'xarch/patches/{arch} shows nothing')
        else:
            errors += [f'error: {arch}: fails, and xarch/patches/{arch} has no fix: {c}'
                       for c in cases]
    if not runs:
        errors.append(f'error: no usable boot logs in {res}')
    for e in errors:
        print(e)
    sys.exit(1 if errors else 0)


if __name__ == '__main__':
    main()
