#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Soak (make soak CONFIG=RUN CYCLES=N): N add/online/offline/remove cycles of
# one memory block on RUN's debug kernel (KASAN, lockdep, kmemleak, DEBUG_VM:
# kconfigs/debug.config and selftests/config), with the real ptdump and
# lib/test_vmalloc.ko running alongside.  It is the selftest
# hidden.add_online_offline_remove_cycles on its own (ci/selftest-run.sh
# with hotremove.only=): every 100 cycles the tables of every level,
# MemTotal, /proc/iomem and the blocks must be as before the first add,
# and the pages that hot-plug's allocation stacks hold (page_owner) exactly
# as after the first 100 (a debug kernel's own bookkeeping grows by
# hundreds of pages before it settles; the zones' free pages are reported).
# One memory block, not the GiB of make test: a cycle of the GiB takes
# about 24 s on a debug kernel under TCG.
#
# Prints the cycles run, cycles per minute, the page counts, the kernel
# reports (ci/logscan.py) and the verdict; writes build/results/soak-RUN.txt.
# Not in CI.  SOAK_EVERY: cycles between page counts (default 100).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: ci/soak.sh RUN CYCLES"
run=${1:?$usage}
cycles=${2:?$usage}
every=${SOAK_EVERY:-100}
die() {
	echo "soak: error: $*" >&2
	exit 1
}
[[ "$cycles" =~ ^[1-9][0-9]*$ ]] || die "CYCLES=$cycles is not a number of cycles: make soak CONFIG=$run CYCLES=10000"
[[ "$every" =~ ^[1-9][0-9]*$ ]] || die "SOAK_EVERY=$every is not a number of cycles"
awk -v r="$run" '!/^#/ && $1 == r { found = 1 } END { exit !found }' "$top/ci/matrix" ||
	die "no run $run in ci/matrix: pick one of $(awk '!/^#/ && NF { printf "%s ", $1 }' "$top/ci/matrix")"
[ -z "${SELFTEST_GUEST:-}" ] || [ "$SELFTEST_GUEST" = default ] ||
	die "make soak boots the default guest: run it without SELFTEST_GUEST"

name=soak-$run
res="$top/build/results"
log="$res/$name.log"
# Generous: a debug cycle of one block takes seconds under TCG; the guest
# says how fast it goes every SOAK_EVERY cycles.
timeout=$((1800 + cycles * 30))
echo "soak: $run: $cycles cycles of one memory block on the debug kernel, pages counted every $every"
start=$(date +%s)
DEBUG=1 SELFTEST_CYCLES=$cycles SELFTEST_TIMEOUT=$timeout \
SELFTEST_APPEND="hotremove.only=add_online_offline_remove_cycles hotremove.blocks=1 hotremove.check_every=$every" \
	"$top/ci/selftest-run.sh" --name "$name" "$run" || true
secs=$(($(date +%s) - start))
# A guest that hung, or printed no end mark, says so here; the test's
# status is kunit.py's, in the JSON that selftest-results.py wrote.
problem=0
[ ! -s "$res/$name.problem" ] || problem=1

python3 - "$log" "$cycles" "$secs" "$problem" "$res/$name.txt" "$res/$name.json" <<'PY'
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), '..', '..', 'ci'))
from logscan import scan_file  # noqa: E402
from summary import leaves  # noqa: E402

log, want, secs, problem, out, ktap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
text = open(log, errors='replace').read() if os.path.exists(log) else ''
done = [int(m) for m in re.findall(r'hotremove: cycles=(\d+)', text)]
ms = re.findall(r'hotremove: cycles=\d+ .*?ms_per_cycle=([\d.]+)', text)
loss = re.findall(r'hotremove: free pages ([^:]*): .*unaccounted loss (-?\d+)', text)
held = [(int(a), int(b)) for a, b in
        re.findall(r"hotremove: hot-plug's pages \(page_owner\) [^:]*: (\d+)/(\d+)", text)]
readers = re.findall(r'ptdump_reads=(\d+) ptdump_failed=(\d+) test_vmalloc_rounds=(\d+) test_vmalloc_failed=(\d+)', text)
reports = scan_file(log) if text else []
try:
    with open(ktap) as f:
        passed = dict(leaves(json.load(f))).get('hidden.add_online_offline_remove_cycles') == 'PASS'
except (OSError, ValueError):
    passed = False
cycles = max(done) if done else 0
lines = [f'soak: {cycles} of {want} cycles in {secs} s ({secs / 3600:.2f} h)']
if ms:
    lines.append(f'soak: {60000 / float(ms[-1]):.1f} cycles a minute ({ms[-1]} ms a cycle)')
worst = max((int(l) for _, l in loss), default=None)
lines.append(f'soak: {len(loss)} free-page readings, largest unaccounted loss {worst} pages (reported)'
             if loss else 'soak: no free-page reading')
# Every count is against the baseline: the last one says what the cycles kept.
lost = held[-1][1] - held[-1][0] if held else None
lines.append(f'soak: {len(held)} counts of hot-plug\'s pages (page_owner), pages lost {lost}'
             if held else 'soak: no count of hot-plug\'s pages ran: the guest needs page_owner=on and CONFIG_PAGE_OWNER')
reads = [sum(int(r[i]) for r in readers) for i in range(4)]
lines.append(f'soak: ptdump reads {reads[0]} ({reads[1]} failed), '
             f'test_vmalloc rounds {reads[2]} ({reads[3]} failed)')
lines.append(f'soak: kernel reports: {len(reports)}')
for kind, n, line in reports[:10]:
    lines.append(f'  {kind}: {line}')
ok = passed and cycles == want and not reports and not problem and lost == 0
lines.append(f'soak: {"PASS" if ok else "FAIL"}' +
             ('' if ok else f' (see {log})'))
print('\n'.join(lines))
open(out, 'w').write('\n'.join(lines) + '\n')
sys.exit(0 if ok else 1)
PY
