// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for arm64 memory hot-add: the physical addresses it accepts.
 *
 * Hot-add must refuse physical addresses that sparsemem cannot describe:
 * sparse_add_section() has no mem_section for them.  Both kinds of hot-add
 * are checked: memory that gets a linear map (add_memory()) and ZONE_DEVICE
 * memory that does not (memremap_pages() of MEMORY_DEVICE_PRIVATE).
 */
#include <kunit/test.h>
#include <linux/memory_hotplug.h>
#include <linux/mmzone.h>
#include <linux/range.h>

#include "hotremove_kunit.h"

static void hr_pluggable_test(struct kunit *test)
{
	static const bool need_mapping[] = { false, true };
	u64 sparse_end = (1ULL << MAX_PHYSMEM_BITS) - 1;
	int i;

	for (i = 0; i < ARRAY_SIZE(need_mapping); i++) {
		struct range plug = mhp_get_pluggable_range(need_mapping[i]);

		KUNIT_EXPECT_LE_MSG(test, (u64)plug.end, sparse_end,
				    "hot-add (%s) accepts [%llx, %llx] but sparsemem ends at %llx (MAX_PHYSMEM_BITS %d)",
				    need_mapping[i] ? "mapped" : "unmapped",
				    (u64)plug.start, (u64)plug.end, sparse_end,
				    MAX_PHYSMEM_BITS);
	}
}

static struct kunit_case hr_physmem_cases[] = {
	KUNIT_CASE(hr_pluggable_test),
	{}
};

static struct kunit_suite hr_physmem_suite = {
	.name = "arm64_mm_hotremove_physmem",
	.test_cases = hr_physmem_cases,
};

kunit_test_suite(hr_physmem_suite);
