# SPDX-License-Identifier: GPL-2.0
# arm64 QEMU target for the hot-remove suite: -cpu max,pauth-impdef=on,lpa2=off (every granule, no LPA2: 4K/16K 52-bit kernels fall back).
# 3 GiB of RAM, of which mem= hides the top 1 GiB (1 GiB aligned, whole
# sections with every page size): the block-mapping cases alias the 2 GiB the
# kernel uses from a 1 GiB boundary, and the hot-add cases add the rest.
# 2 CPUs: the stress case (hr_stress_test) wants real concurrency.
# rodata=on (6.12), rodata=noalias (7.3, where rodata=on is what 6.12
# called full): hot-added memory may then be mapped with blocks, as on
# systems that cannot change the linear map after boot (the hot-add cases
# need it).  kunit.py loads this file in the tree's top folder.
# panic_on_warn=1: no case provokes a WARNING, so any is a bug and ends the run.
from ..qemu_config import QemuArchParams

with open('arch/arm64/include/asm/setup.h') as f:
	RODATA = 'noalias' if 'noalias' in f.read() else 'on'

QEMU_ARCH = QemuArchParams(linux_arch='arm64',
			   kconfig='''
CONFIG_SERIAL_AMBA_PL011=y
CONFIG_SERIAL_AMBA_PL011_CONSOLE=y''',
			   qemu_arch='aarch64',
			   kernel_path='arch/arm64/boot/Image.gz',
			   kernel_command_line=f'console=ttyAMA0 rodata={RODATA} mem=2048M panic_on_warn=1',
			   extra_qemu_params=['-machine', 'virt', '-cpu', 'max,pauth-impdef=on,lpa2=off',
					      '-m', '3072', '-smp', '2'])
