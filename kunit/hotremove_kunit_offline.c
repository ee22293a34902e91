// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for arm64 memory hot-remove: offlining refused when the
 * removal would split a leaf.
 *
 * A memory block whose linear map shares a block or contiguous run with
 * another memory block can never be removed whole: the arch memory notifier
 * must refuse MEM_GOING_OFFLINE for it, before any page is migrated, so
 * that the teardown never meets such a leaf.  Each case maps a leaf larger
 * than a memory block and offlines the block at its start, or the one at
 * its end: a check that looked at the wrong block (the one after the
 * range, say) would still refuse the first and let the last go.
 */
#include <kunit/test.h>
#include <linux/memory.h>
#include <linux/notifier.h>

#include "hotremove_kunit.h"

struct hr_offline_split_case {
	const char *desc;
	int arg;		/* hr_plan_block() */
	bool last;		/* the leaf's last memory block, not its first */
};

static const struct hr_offline_split_case hr_offline_split_params[] = {
	{ "pud block across memory blocks", 1, false },
	{ "contiguous pmds across memory blocks", 3, false },
	{ "last memory block of a pud block", 1, true },
	{ "last memory block of contiguous pmds", 3, true },
};

static void hr_offline_split_desc(const struct hr_offline_split_case *oc,
				  char *desc)
{
	strscpy(desc, oc->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hr_offline_split, hr_offline_split_params,
		  hr_offline_split_desc);

static void hr_offline_split_test(struct kunit *test)
{
	const struct hr_offline_split_case *oc = test->param_value;
	unsigned long block = memory_block_size_bytes();
	struct hr_plan plan = {};
	unsigned long leaf;

	if (!hr_plan_block(&plan, oc->arg))
		kunit_skip(test, "%s", plan.skip);
	leaf = plan.map[0].end - plan.map[0].start;
	if (leaf <= block)
		kunit_skip(test, "a %lu MiB leaf fits in a memory block of %lu MiB",
			   leaf >> 20, block >> 20);
	KUNIT_EXPECT_EQ(test, hr_going_offline(test, &plan, false, oc->last),
			NOTIFY_BAD);
}

static struct kunit_case hr_offline_cases[] = {
	KUNIT_CASE_PARAM(hr_offline_split_test, hr_offline_split_gen_params),
	{}
};

static struct kunit_suite hr_offline_suite = {
	.name = "arm64_mm_hotremove_offline",
	.suite_init = hr_suite_init,
	.init = hr_test_init,
	.exit = hr_test_exit,
	.test_cases = hr_offline_cases,
};

kunit_test_suite(hr_offline_suite);
