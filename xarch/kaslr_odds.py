#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""How often x86_64 memory KASLR puts the end of the direct map and the start
of vmalloc in one pud table (512 GiB), by drawing layouts the way
kernel_randomize_memory() (arch/x86/mm/kaslr.c, 6.12) does.

With 4 levels x86 never frees pud tables, so a shared one is harmless; with
5 levels remove_p4d_table() frees it once its entries are none.  The boots
of make xarch see a handful of layouts; this counts a million.

Usage: kaslr_odds.py [DRAWS] [RAM_GIB]  (default 1000000 draws, 1 GiB RAM:
the guests of make xarch).  Deterministic: the draws use a fixed seed.  The
guests' kernels have no ZONE_DEVICE; with it (distribution kernels) the
direct map keeps its full size, which leaves KASLR less room.
"""

import random
import sys

TB = 1 << 40
PUD = 1 << 30
P4D = 1 << 39                   # what one pud table maps, 4 and 5 levels
MASK = (1 << 64) - 1
CPU_ENTRY_AREA_BASE = (-4 << 39) & MASK
PAD_TB = 10                     # CONFIG_RANDOMIZE_MEMORY_PHYSICAL_PADDING
PAGE_SHIFT, STRUCT_PAGE = 12, 64


def draw(rng, l5, ram_bytes, zone_device):
    """One layout: (end of the direct map, start of vmalloc)."""
    start = 0xff11000000000000 if l5 else 0xffff888000000000
    max_phys_bits = 52 if l5 else 46
    dm_tb = 1 << (max_phys_bits - 40)
    # With ZONE_DEVICE the direct map keeps its full size.
    if not zone_device:
        dm_tb = min(dm_tb, -(-ram_bytes // TB) + PAD_TB)
    vmemmap_tb = -(-((dm_tb << (40 - PAGE_SHIFT)) * STRUCT_PAGE) // TB)
    sizes = [dm_tb, 12800 if l5 else 32, vmemmap_tb]
    remain = CPU_ENTRY_AREA_BASE - start - sum(sizes) * TB
    vaddr, bases, dm_end = start, [], 0
    for i, size in enumerate(sizes):
        entropy = remain // (len(sizes) - i)
        entropy = (rng.getrandbits(64) % (entropy + 1)) & ~(PUD - 1)
        vaddr += entropy
        bases.append(vaddr)
        vaddr += size * TB
        if i == 0:
            dm_end = vaddr
        vaddr = (vaddr + 1 + PUD - 1) & ~(PUD - 1)
        remain -= entropy
    return dm_end, bases[1]


def main():
    draws = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    ram = (int(sys.argv[2]) if len(sys.argv) > 2 else 1) << 30
    rng = random.Random(1)
    for zone_device, l5 in ((False, False), (False, True), (True, False), (True, True)):
        shared, gaps = 0, []
        for _ in range(draws):
            dm_end, vmalloc = draw(rng, l5, ram, zone_device)
            shared += (dm_end - 1) // P4D == vmalloc // P4D
            gaps.append(vmalloc - dm_end)
        gaps.sort()
        levels = 5 if l5 else 4
        rate = shared / draws
        kind = 'ZONE_DEVICE=y' if zone_device else 'ZONE_DEVICE=n'
        print(f'{levels}-level, {kind}: {shared} of {draws:,} layouts ({rate:.4%}) share '
              f'the pud table at the end of the direct map with vmalloc; '
              f'median gap {gaps[len(gaps) // 2] / TB:,.0f} TiB'
              + (f', about 1 boot in {round(1 / rate):,}' if shared else ''))


if __name__ == '__main__':
    main()
