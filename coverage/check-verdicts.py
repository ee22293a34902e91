#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the rendered dashboard against the summaries: check-verdicts.py DOM

DOM is the page as headless Chromium rendered it (coverage/check-dashboard.sh).
Every results cell names its run, its suite and the summary JSON that judged
that suite (build/results/summary.json, summary-cov.json, ...).  For each
run that a summary judged, the dashboard must have its cell, green exactly
when the summary's verdict ('ok') is true.  Prints each disagreement; exits
1 if there is one.
"""
import os
import sys
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dashboard  # noqa: E402


class Cells(HTMLParser):
    """{(run, suite): colour class} of the results table's cells."""

    def __init__(self):
        super().__init__()
        self.cells = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'td' and 'data-run' in a:
            self.cells[(a['data-run'], a['data-suite'])] = a.get('class', '')


def main(argv):
    parser = Cells()
    with open(argv[0], errors='replace') as f:
        parser.feed(f.read())
    bad = []
    checked = 0
    for title, _, json_name, key in dashboard.SUITES:
        judged = dashboard.summary_runs(json_name, key)
        for run, ok in (judged or {}).items():
            cls = parser.cells.get((run, title))
            if cls is None:
                bad.append(f'{json_name} judged {run} ({title}), and the '
                           f'dashboard has no cell for it')
            elif (cls == 'ok') != bool(ok):
                bad.append(f'{run} ({title}) is {cls} on the dashboard, and '
                           f'{json_name} says {"ok" if ok else "not ok"}')
            else:
                checked += 1
    for line in bad:
        print(f'dashboard-check: error: {line}')
    if not checked and not bad:
        print('dashboard-check: error: no summary JSON judged any run: '
              "run 'make test' (or make kunit, make coverage) first")
        return 1
    print(f'dashboard-check: {checked} cells agree with the summaries')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
