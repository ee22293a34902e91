#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot an arm64 kernel with an initramfs in QEMU and keep its console.

ci/guest.py --kernel IMAGE --initrd CPIO --target TARGET --log LOG
            [--timeout S] [--append ARGS] [--gcda-root DIR]

TARGET names kunit/qemu/arm64-TARGET.py: the guest gets the same CPU model,
memory and kernel command line as the KUnit runs of that target.  The /init
in the initramfs must print GUEST_DONE_MARK when it has finished, then power
the guest off.

The run fails (exit 1, one line each) when QEMU does not exit within the
timeout (it is killed, with its process group), when the guest never prints
the mark, or when ci/logscan.py finds a panic, oops, BUG, WARNING, KASAN,
lockdep or similar report in the console.

With --gcda-root, blocks printed as "GCDA-BEGIN PATH", base64 lines and
"GCDA-END" are written back to PATH, which must lie under DIR (the build
folder of the kernel): that is how gcov data leaves the guest.
"""

import argparse
import ast
import base64
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logscan  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUEST_DONE_MARK = 'hotremove-guest: done'


def qemu_target(target):
    """Kernel command line and QEMU arguments of a kunit.py QEMU config."""
    path = os.path.join(TOP, 'kunit', 'qemu', f'arm64-{target}.py')
    try:
        with open(path) as f:
            tree = ast.parse(f.read(), path)
    except OSError:
        sys.exit(f'guest: error: no QEMU target {path}: use a target that ci/matrix names')
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, 'id', '') == 'QemuArchParams':
            kw = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            return kw['kernel_command_line'], kw['extra_qemu_params']
    sys.exit(f'guest: error: {path} defines no QemuArchParams')


def extract_gcda(lines, root):
    """Write the GCDA blocks of a console log back under root."""
    root = os.path.realpath(root)
    written = 0
    path, chunks = None, []
    for line in lines:
        line = line.strip()
        if line.startswith('GCDA-BEGIN '):
            path, chunks = line.split(' ', 1)[1], []
        elif line == 'GCDA-END' and path:
            real = os.path.realpath(path)
            if real.startswith(root + os.sep):
                with open(real, 'wb') as f:
                    f.write(base64.b64decode(''.join(chunks)))
                written += 1
            path = None
        elif path is not None:
            chunks.append(line)
    return written


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--kernel', required=True)
    p.add_argument('--initrd', required=True)
    p.add_argument('--target', required=True)
    p.add_argument('--log', required=True)
    p.add_argument('--timeout', type=int, default=600)
    p.add_argument('--append', default='')
    p.add_argument('--gcda-root')
    args = p.parse_args()

    for f in (args.kernel, args.initrd):
        if not os.path.isfile(f):
            sys.exit(f'guest: error: no file {f}: build it first')
    cmdline, qemu_args = qemu_target(args.target)
    cmd = ['qemu-system-aarch64', '-nodefaults', '-nographic', '-no-reboot',
           '-serial', 'stdio', '-kernel', args.kernel, '-initrd', args.initrd,
           '-append', ' '.join(filter(None, [cmdline, 'panic=-1', args.append]))]
    cmd += qemu_args

    problems = []
    with open(args.log, 'w') as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            problems.append(f'guest did not power off within {args.timeout} s (killed)')
        except KeyboardInterrupt:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise

    with open(args.log, errors='replace') as f:
        lines = f.readlines()
    if not any(GUEST_DONE_MARK in line for line in lines):
        problems.append(f'guest never printed "{GUEST_DONE_MARK}"')
    for kind, n, line in logscan.scan(lines):
        problems.append(f'{kind} at line {n}: {line}')
    if args.gcda_root:
        n = extract_gcda(lines, args.gcda_root)
        print(f'guest: {n} .gcda files written under {args.gcda_root}')
        if n == 0:
            problems.append('no gcov data came out of the guest')

    for problem in problems:
        print(f'guest: {args.log}: {problem}', file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
