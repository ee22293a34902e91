#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Render build/coverage/index.html (BASE=6.12: build/coverage/6.12/) in
# headless Chromium, from disk, as a reviewer would open it: the results
# table (and, with coverage data, the function table) must be in the
# rendered page, and each cell's colour must be the verdict of the summary
# that judged its run (coverage/check-verdicts.py).  Keeps a screenshot,
# dashboard.png, beside the page.  Installs Debian's chromium when missing.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/ci/base.sh"
cov="$top/build/coverage"
[ "$BASE" = mainline ] || cov=$cov/$BASE
page="$cov/index.html"

die() {
	echo "dashboard-check: error: $*" >&2
	exit 1
}

[ -f "$page" ] || die "no dashboard at $page: run 'make dashboard' or 'make coverage' first"
if ! command -v chromium >/dev/null; then
	[ "$(id -u)" -eq 0 ] ||
		die "chromium is missing: run 'sudo apt-get install chromium'"
	echo "dashboard-check: installing chromium"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends chromium >/dev/null
fi

browser=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars)
dom=$("${browser[@]}" --dump-dom "file://$page" 2>/dev/null) ||
	die "chromium could not load $page"
grep -q '<table id="results">' <<<"$dom" ||
	die "the rendered page has no results table"
if [ -s "$cov/total.info" ]; then
	grep -q '<table id="functions">' <<<"$dom" ||
		die "coverage data exists but the rendered page has no function table"
fi
printf '%s\n' "$dom" >"$cov/dashboard.dom.html"
"$top/coverage/check-verdicts.py" "$cov/dashboard.dom.html" ||
	die "the dashboard's colours disagree with the summaries: see the lines above"
rm -f "$cov/dashboard.png"
"${browser[@]}" --window-size=1400,2000 --screenshot="$cov/dashboard.png" \
	"file://$page" >/dev/null 2>&1 || true
[ -s "$cov/dashboard.png" ] || die "chromium wrote no screenshot"
echo "dashboard-check: rendered $page; screenshot $cov/dashboard.png"
