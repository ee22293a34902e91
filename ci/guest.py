#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot an arm64 kernel with an initramfs in QEMU and keep its console.

ci/guest.py --kernel IMAGE --initrd CPIO --target TARGET --log LOG
            [--timeout S] [--append ARGS] [--gcda-root DIR]
            [--virtio-mem BYTES] [--memory MIB]

TARGET names kunit/qemu/arm64-TARGET.py: the guest gets the same CPU model,
memory (unless --memory) and kernel command line as the KUnit runs of that
target.  The /init in the initramfs must print GUEST_DONE_MARK when it has
finished, then power the guest off.

The run fails (exit 1, one line each) when QEMU does not exit within the
timeout (it is killed, with its process group), when the guest never prints
the mark, or when ci/logscan.py finds a panic, oops, BUG, WARNING, KASAN,
lockdep or similar report in the console.

With --gcda-root, blocks printed as "GCDA-BEGIN PATH", base64 lines and
"GCDA-END" are written back to PATH, which must lie under DIR (the build
folder of the kernel): that is how gcov data leaves the guest.

With --virtio-mem, the guest gets a virtio-mem-pci device of BYTES (id vm0,
nothing plugged) and its memory limit grows by BYTES; this script is the
host that plugs it: on a console line "hotremove-host: plug N" it sets the
device's requested size to N over QMP.  The guest watches the memory come
and go itself; a QMP failure fails the run.
"""

import argparse
import ast
import base64
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logscan  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUEST_DONE_MARK = 'hotremove-guest: done'
HOST_REQUEST = re.compile(rb'hotremove-host: plug (\d+)')
QMP_TIMEOUT = 30


class Qmp:
    """The few QMP commands the host side needs, on a unix socket."""

    def __init__(self, path, deadline):
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        # A QMP command that never answers must not stop the console
        # copy for good (QMP_TIMEOUT).
        self.sock.settimeout(QMP_TIMEOUT)
        self.file = self.sock.makefile('rwb')
        self._reply()                   # the greeting
        self.execute('qmp_capabilities')

    def _reply(self):
        while True:
            line = self.file.readline()
            if not line:
                raise OSError('QMP socket closed')
            msg = json.loads(line)
            if 'event' not in msg:
                return msg

    def execute(self, cmd, **arguments):
        req = {'execute': cmd}
        if arguments:
            req['arguments'] = arguments
        self.file.write(json.dumps(req).encode() + b'\n')
        self.file.flush()
        msg = self._reply()
        if 'error' in msg:
            raise OSError(f'QMP {cmd}: {msg["error"].get("desc")}')
        return msg.get('return')

    def plug(self, size):
        """Ask vm0 for size bytes; the guest sees the memory come or go."""
        self.execute('qom-set', path='/machine/peripheral/vm0',
                     property='requested-size', value=size)


def literal(node):
    """The value of a keyword of QemuArchParams.  An f-string keeps its
    literal words only: the word it computes (rodata=, from the tree) is
    one the guest sets itself (ci/selftest-run.sh)."""
    if isinstance(node, ast.JoinedStr):
        text = ''.join(v.value if isinstance(v, ast.Constant) else '\0'
                       for v in node.values)
        return ' '.join(w for w in text.split() if '\0' not in w)
    return ast.literal_eval(node)


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
            kw = {k.arg: literal(k.value) for k in node.keywords}
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


def console(proc, log, qmp_path, timeout):
    """Copy the console to log until QEMU exits, carrying out the guest's
    plug requests; kill QEMU (and its process group) after timeout."""
    problems = []
    deadline = time.monotonic() + timeout
    qmp = None
    pending = b''
    fd = proc.stdout.fileno()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            problems.append(f'guest did not power off within {timeout} s (killed)')
            break
        ready, _, _ = select.select([fd], [], [], min(left, 1.0))
        if not ready:
            continue
        data = os.read(fd, 65536)
        if not data:
            proc.wait()
            break
        log.write(data)
        log.flush()
        pending += data
        *lines, pending = pending.split(b'\n')
        for line in lines:
            m = HOST_REQUEST.search(line)
            if not m:
                continue
            if not qmp_path:
                problems.append('the guest asked for a plug, but it has no virtio-mem device')
                continue
            try:
                qmp = qmp or Qmp(qmp_path, time.monotonic() + 10)
                qmp.plug(int(m.group(1)))
            except (OSError, ValueError) as e:
                problems.append(f'QMP: {e}')
    return problems


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--kernel', required=True)
    p.add_argument('--initrd', required=True)
    p.add_argument('--target', required=True)
    p.add_argument('--log', required=True)
    p.add_argument('--timeout', type=int, default=600)
    p.add_argument('--append', default='')
    p.add_argument('--gcda-root')
    p.add_argument('--virtio-mem', type=int, default=0)
    p.add_argument('--memory', type=int, default=0,
                   help="RAM in MiB instead of the target's")
    args = p.parse_args()

    for f in (args.kernel, args.initrd):
        if not os.path.isfile(f):
            sys.exit(f'guest: error: no file {f}: build it first')
    cmdline, qemu_args = qemu_target(args.target)
    cmd = ['qemu-system-aarch64', '-nodefaults', '-nographic', '-no-reboot',
           '-serial', 'stdio', '-kernel', args.kernel, '-initrd', args.initrd,
           # An oops ends the run at once instead of leaving a hung guest
           # to the timeout: oops=panic, and panic=-1 powers off (-no-reboot).
           '-append', ' '.join(filter(None, [cmdline, 'oops=panic', 'panic=-1',
                                             args.append]))]

    if args.memory:
        qemu_args[qemu_args.index('-m') + 1] = str(args.memory)
    qmp_path = None
    if args.virtio_mem:
        size = args.virtio_mem
        mem = qemu_args.index('-m') + 1
        qemu_args[mem] = f'{qemu_args[mem]}M,maxmem={int(qemu_args[mem]) + (size >> 20)}M'
        qmp_dir = tempfile.mkdtemp(prefix='hotremove-qmp-')
        qmp_path = os.path.join(qmp_dir, 'qmp.sock')
        qemu_args += ['-object', f'memory-backend-ram,id=vmem0,size={size}',
                      '-device', 'virtio-mem-pci,id=vm0,memdev=vmem0,requested-size=0',
                      '-qmp', f'unix:{qmp_path},server=on,wait=off']
    cmd += qemu_args

    # A TERM (make interrupted, a killed parent) must run the clean-up
    # below; it waits while QEMU starts, so that none is left unaccounted.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    problems = []
    with open(args.log, 'wb') as log:
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            problems += console(proc, log, qmp_path, args.timeout)
        finally:
            # Never leave a QEMU behind, whatever stopped this script.
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            if qmp_path:
                shutil.rmtree(os.path.dirname(qmp_path), ignore_errors=True)

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
