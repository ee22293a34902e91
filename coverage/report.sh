#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Merge the tracefiles of coverage runs (build/coverage/RUN.info; BASE=6.12:
# 6.12-RUN.info), write the genhtml report (html/) and the dashboard
# (index.html) in build/coverage/ (BASE=6.12: build/coverage/6.12/).
#
# Usage: coverage/report.sh [--also=NAME:RUN,...] RUN...  (--also: for the
# dashboard only, coverage/dashboard.py)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/ci/base.sh"
cov="$top/build/coverage"
out=$cov
[ "$BASE" = mainline ] || out=$cov/$BASE
mkdir -p "$out"

also=()
if [[ "${1:-}" == --also=* ]]; then
	also=("$1")
	shift
fi
add=()
for r in "$@"; do
	[ -s "$cov/$base_prefix$r.info" ] && add+=(--add-tracefile "$cov/$base_prefix$r.info")
done
rm -rf "$out/html" "$out/total.info"
if [ "${#add[@]}" -gt 0 ]; then
	lcov --quiet "${add[@]}" --rc lcov_branch_coverage=1 \
		--output-file "$out/total.info"
	genhtml --quiet --branch-coverage --legend \
		--title "arm64 hot-remove, $BASE_PKG: $*" \
		--output-directory "$out/html" "$out/total.info" >"$out/genhtml.log" 2>&1 ||
		echo "coverage: genhtml failed, see $out/genhtml.log" >&2
else
	echo "coverage: no tracefile for any of: $*" >&2
fi
"$top/coverage/dashboard.py" --info "$out/total.info" "${also[@]}" "$@"
