// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for arm64 memory hot-add: no leaf of the linear map spans two
 * memory blocks.
 *
 * Memory is offlined and removed one memory block at a time, so a block or
 * contiguous run that reaches into another block could never be removed
 * without splitting it.  The case hot-adds 1 GiB of the RAM that mem= hid,
 * aligned to 1 GiB, with arch_add_memory(), and checks the largest leaf of
 * its linear map.  Blocks appear only where the linear map may use them:
 * with rodata=on (not the default rodata=full), or on a CPU that cannot
 * change the linear map after boot.
 */
#include <kunit/test.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/sizes.h>
#include <asm/set_memory.h>

#include "hotremove_kunit.h"

static void hr_hotadd_blocks_test(struct kunit *test)
{
	struct hr_case_ctx *c = test->priv;
	unsigned long block = memory_block_size_bytes();
	struct hr_hotadd h;

	if (can_set_direct_map())
		kunit_skip(test,
			   "hot-added memory is mapped with pages: boot with rodata=noalias (before 7.3: rodata=on)");
	hr_hotadd_init(test, &h, SZ_1G);
	KUNIT_ASSERT_EQ(test, hr_hotadd_add(&h, NULL), 0);
	hr_snapshot(&c->mapped, h.va, h.va + h.size, false);
	hr_hotadd_remove(&h, NULL);

	KUNIT_EXPECT_GT_MSG(test, c->mapped.nr_blocks, 0UL,
			    "no block mapping: nothing tested");
	KUNIT_EXPECT_LE_MSG(test, c->mapped.max_leaf, block,
			    "a %lu MiB leaf spans memory blocks of %lu MiB",
			    c->mapped.max_leaf >> 20, block >> 20);
	kunit_info(test, "largest leaf %lu KiB, memory block %lu MiB\n",
		   c->mapped.max_leaf >> 10, block >> 20);
}

static struct kunit_case hr_blocks_cases[] = {
	KUNIT_CASE(hr_hotadd_blocks_test),
	{}
};

static struct kunit_suite hr_blocks_suite = {
	.name = "arm64_mm_hotremove_blocks",
	.suite_init = hr_suite_init,
	.init = hr_test_init,
	.exit = hr_test_exit,
	.test_cases = hr_blocks_cases,
};

kunit_test_suite(hr_blocks_suite);
