#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Series against base from the logs of ci/bench.sh.

ci/bench.py [--check] [--json=NAME] LOGDIR

LOGDIR holds RUN-KIND-MODE-PASS.log (KIND base or series, MODE the rodata
mode) with the 'bench:' lines of bench/hotremove_bench.c.  For each run,
rodata mode and measure it prints the base's and the series' median and
interquartile range, and series/base: the ratio of the medians for
latencies (lower is better), of the throughputs for vmalloc (higher is
better), with a 95% bootstrap interval that draws whole boots first.  Then the cost of a hot-added GiB
in page-table pages and leaves.  Writes build/results/bench.json (--json:
build/results/NAME).

A measure that one of the two kernels did not report (a guest without
virtio-mem or test_vmalloc.ko, say) is named, and fails the run.

--check: print nothing, exit 0 when every ratio's interval is narrower
than WIDTH (5%) of the ratio, 1 otherwise.
"""
import json
import os
import random
import re
import statistics
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(TOP, 'build', 'results')
WIDTH = 0.05
NAME_RE = re.compile(r'^(.+)-(base|series)-(full|on|noalias)-(\d+)\.log$')
LAT_RE = re.compile(r'bench: latency (.*)$')
VMEM_RE = re.compile(r'bench: virtio-mem (.*)$')
VMALLOC_RE = re.compile(r'bench: vmalloc test=(\S+) busy=(\d) ms=([\d.]+)')
COST_RE = re.compile(r'bench: (tables before|tables added|leaves added): (.*)$')
# Measures in table order: (name, unit, higher is better).
MEASURES = [
    ('add', 'ms/GiB', False), ('online', 'ms/GiB', False),
    ('offline', 'ms/GiB', False), ('remove', 'ms/GiB', False),
    ('plug', 'ms/GiB', False), ('unplug', 'ms/GiB', False),
]
for test in ('fix_size', 'long_busy_list', 'random_size'):
    for busy in ('0', '1'):
        MEASURES.append((f'vmalloc {test}' + (' +hotplug' if busy == '1' else ''),
                         'runs/s', True))


def parse(logdir):
    """{(run, mode): {kind: {measure: [[samples of a boot], ...]}}}, and
    {(run, mode, kind): cost}."""
    data, cost = {}, {}
    for name in sorted(os.listdir(logdir)):
        m = NAME_RE.match(name)
        if not m:
            continue
        run, kind, mode, _ = m.groups()
        boots = data.setdefault((run, mode), {}).setdefault(kind, {})
        samples = {}
        with open(os.path.join(logdir, name), errors='replace') as f:
            for line in f:
                line = line.strip()
                for regex in (LAT_RE, VMEM_RE):
                    m = regex.search(line)
                    if m:
                        for kv in m.group(1).split():
                            k, v = kv.split('=')
                            samples.setdefault(k, []).append(float(v))
                m = VMALLOC_RE.search(line)
                if m:
                    test, busy, ms = m.groups()
                    key = f'vmalloc {test}' + (' +hotplug' if busy == '1' else '')
                    samples.setdefault(key, []).append(1000.0 / float(ms))
                m = COST_RE.search(line)
                if m:
                    cost.setdefault((run, mode, kind), {})[m.group(1)] = m.group(2)
        for key, values in samples.items():
            boots.setdefault(key, []).append(values)
    return data, cost


def quartiles(xs):
    if len(xs) < 2:
        return xs[0], xs[0]
    q = statistics.quantiles(xs, n=4)
    return q[0], q[2]


def spread(xs):
    q1, q3 = quartiles(xs)
    return f'{statistics.median(xs):.1f} ({q1:.1f}-{q3:.1f})'


def flat(boots):
    return [x for boot in boots for x in boot]


def resample(rng, boots):
    """Boots drawn with replacement, then samples within each boot drawn."""
    out = []
    for _ in boots:
        boot = rng.choice(boots)
        out.extend(rng.choice(boot) for _ in boot)
    return out


def ratio(base, series, seed=1):
    """Ratio of the medians, series/base, and its 95% interval.

    base and series are lists of boots, each a list of samples.  The
    bootstrap draws whole boots first, so that what differs from one boot
    to the next (where memory lands, the host) widens the interval as it
    should, instead of counting the rounds of one boot as independent.
    """
    rng = random.Random(seed)
    r = statistics.median(flat(series)) / statistics.median(flat(base))
    boots = []
    for _ in range(1000):
        boots.append(statistics.median(resample(rng, series)) /
                     statistics.median(resample(rng, base)))
    boots.sort()
    return r, boots[25], boots[974]


def rows(data):
    """(run, mode, measure, unit, base, series, ratio, lo, hi) for each cell,
    and a line for each cell that one of the two kernels did not measure."""
    out, missing = [], []
    for (run, mode), kinds in sorted(data.items()):
        b, s = kinds.get('base', {}), kinds.get('series', {})
        for name, unit, _ in MEASURES:
            if not b.get(name) or not s.get(name):
                missing.append(f'{run} rodata={mode} {name}: no samples from '
                               + ' or '.join(k for k, v in (('base', b),
                                                            ('series', s))
                                             if not v.get(name)))
                continue
            r, lo, hi = ratio(b[name], s[name])
            out.append((run, mode, name, unit, b[name], s[name], r, lo, hi))
    return out, missing


def narrow(lo, hi, r):
    return (hi - lo) / r < WIDTH


def levels(text):
    """'linear p4d=- pud=1 ...;vmemmap ...;' as {region: {level: n}}."""
    out = {}
    for part in filter(None, (p.strip() for p in text.split(';'))):
        region, *kvs = part.split()
        out[region] = {k: v for k, v in (kv.split('=') for kv in kvs)}
    return out


def cost_line(c):
    """Tables the added GiB took, per region and level, and its leaves."""
    before = levels(c.get('tables before', ''))
    added = levels(c.get('tables added', ''))
    parts = []
    for region in ('linear', 'vmemmap'):
        new = []
        for lvl in ('p4d', 'pud', 'pmd', 'pte'):
            a = added.get(region, {}).get(lvl, '-')
            b = before.get(region, {}).get(lvl, '-')
            if a != '-' and b != '-':
                new.append(f'{lvl}+{int(a) - int(b)}')
        parts.append(f'{region} tables ' + ' '.join(new))
    return '; '.join(parts) + '; linear leaves ' + c.get('leaves added', '?')


def main(argv):
    check = '--check' in argv
    dirs = [a for a in argv if not a.startswith('--')]
    if len(dirs) != 1:
        print('usage: ci/bench.py [--check] LOGDIR', file=sys.stderr)
        return 2
    data, cost = parse(dirs[0])
    table, missing = rows(data)
    if check:
        return 0 if table and not missing and all(
            narrow(lo, hi, r) for *_, r, lo, hi in table) else 1
    if not table:
        print('bench: error: no results in ' + dirs[0], file=sys.stderr)
        return 1
    print(f'{"run":7} {"rodata":6} {"measure":31} {"unit":7} '
          f'{"base median (IQR)":>24} {"series median (IQR)":>24} '
          f'{"series/base [95%]":>22} n')
    result = []
    for run, mode, name, unit, b, s, r, lo, hi in table:
        flag = '' if narrow(lo, hi, r) else ' wide'
        print(f'{run:7} {mode:6} {name:31} {unit:7} {spread(flat(b)):>24} '
              f'{spread(flat(s)):>24} {r:7.3f} [{lo:.3f}, {hi:.3f}]{flag} '
              f'{len(flat(b))}/{len(flat(s))}')
        result.append({'run': run, 'rodata': mode, 'measure': name,
                       'unit': unit, 'base': b, 'series': s, 'ratio': r,
                       'interval': [lo, hi]})
    print()
    print('cost of the added GiB (page-table pages, and leaves of its linear map):')
    costs = []
    for (run, mode, kind), c in sorted(cost.items()):
        line = cost_line(c)
        print(f'  {run:7} rodata={mode:4} {kind:6}: {line}')
        costs.append({'run': run, 'rodata': mode, 'kernel': kind,
                      'cost': line, 'raw': c})
    rem = [r for run, mode, name, *_, r, lo, hi in table if name == 'remove']
    vm = [r for run, mode, name, *_, r, lo, hi in table
          if name.startswith('vmalloc')]
    print()
    if rem:
        print(f'goal: hot-remove ratio <= 1.05: worst {max(rem):.3f}')
    if vm:
        print(f'goal: vmalloc throughput ratio >= 0.98: worst {min(vm):.3f}')
    os.makedirs(RESULTS, exist_ok=True)
    name = ''.join(a.split('=', 1)[1] for a in argv
                   if a.startswith('--json=')) or 'bench.json'
    with open(os.path.join(RESULTS, name), 'w') as f:
        json.dump({'ratios': result, 'cost': costs, 'missing': missing}, f,
                  indent=2)
    for line in missing:
        print('bench: error: ' + line, file=sys.stderr)
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
