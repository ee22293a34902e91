#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Merge the tracefiles of coverage runs, write the genhtml report
# (build/coverage/html/) and the dashboard (build/coverage/index.html).
#
# Usage: coverage/report.sh [--also=NAME:RUN,...] RUN...  (--also: for the
# dashboard only, coverage/dashboard.py)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cov="$top/build/coverage"
mkdir -p "$cov"

also=()
if [[ "${1:-}" == --also=* ]]; then
	also=("$1")
	shift
fi
add=()
for r in "$@"; do
	[ -s "$cov/$r.info" ] && add+=(--add-tracefile "$cov/$r.info")
done
rm -rf "$cov/html" "$cov/total.info"
if [ "${#add[@]}" -gt 0 ]; then
	lcov --quiet "${add[@]}" --rc lcov_branch_coverage=1 \
		--output-file "$cov/total.info"
	genhtml --quiet --branch-coverage --legend \
		--title "arm64 hot-remove: $*" \
		--output-directory "$cov/html" "$cov/total.info" >"$cov/genhtml.log" 2>&1 ||
		echo "coverage: genhtml failed, see $cov/genhtml.log" >&2
else
	echo "coverage: no tracefile for any of: $*" >&2
fi
"$top/coverage/dashboard.py" --info "$cov/total.info" "${also[@]}" "$@"
