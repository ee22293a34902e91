# SPDX-License-Identifier: GPL-2.0
# x86_64 QEMU target for hr_xarch: -cpu max has LA57 under TCG, so the same
# kernel runs with 5 levels, or with 4 when booted with no5lvl.
from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='x86_64',
			   kconfig='''
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y''',
			   qemu_arch='x86_64',
			   kernel_path='arch/x86/boot/bzImage',
			   kernel_command_line='console=ttyS0 panic_on_warn=1',
			   extra_qemu_params=['-cpu', 'max', '-m', '1024',
					      '-bios', 'qboot.rom'])
