# SPDX-License-Identifier: GPL-2.0
# riscv64 QEMU target for hr_xarch: the rv64 CPU offers sv57, so the same
# kernel runs sv57, or sv48 with no5lvl, or sv39 with no4lvl.
from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='riscv',
			   kconfig='''
CONFIG_ARCH_VIRT=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_SERIAL_OF_PLATFORM=y
CONFIG_RISCV_SBI_V01=y
CONFIG_SERIAL_EARLYCON_RISCV_SBI=y''',
			   qemu_arch='riscv64',
			   kernel_path='arch/riscv/boot/Image',
			   kernel_command_line='console=ttyS0 panic_on_warn=1',
			   extra_qemu_params=['-machine', 'virt', '-cpu', 'rv64',
					      '-m', '1024', '-bios',
					      '/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin'])
