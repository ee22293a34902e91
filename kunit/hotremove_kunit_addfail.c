// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for memory hot-add that fails part way: a hot-add of several
 * sections whose memmap cannot be allocated for one of them must leave
 * nothing of the others behind.
 *
 * The case hot-adds the RAM that mem= hid, every section of it, with
 * arch_add_memory() and a vmem_altmap that has room for the memmap of the
 * sections before the one that must fail (the second, a middle or the last
 * one): __add_pages() then adds those, and sparse_add_section() fails with
 * -ENOMEM on the next.  Afterwards no section of the range may be present,
 * no leaf and no new table may be left in the linear map or the vmemmap,
 * and the same range must hot-add (without an altmap) and go away again.
 */
#include <kunit/test.h>
#include <linux/memory_hotplug.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mmzone.h>

#include "hotremove_kunit.h"

struct hr_addfail_case {
	const char *desc;
	int fail;	/* 0: the second section, 1: a middle one, 2: the last */
};

static const struct hr_addfail_case hr_addfail_cases[] = {
	{ "fails at the second section", 0 },
	{ "fails at a middle section", 1 },
	{ "fails at the last section", 2 },
};

static void hr_addfail_desc(const struct hr_addfail_case *fc, char *desc)
{
	strscpy(desc, fc->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hr_addfail, hr_addfail_cases, hr_addfail_desc);

/* Sections of [pfn, pfn + nr) that are present. */
static unsigned long hr_present_sections(unsigned long pfn, unsigned long nr)
{
	unsigned long n = 0, end = pfn + nr;

	for (; pfn < end; pfn += PAGES_PER_SECTION)
		n += present_section_nr(pfn_to_section_nr(pfn));
	return n;
}

static void hr_hotadd_partial_test(struct kunit *test)
{
	const struct hr_addfail_case *fc = test->param_value;
	unsigned long sect = PAGES_PER_SECTION << PAGE_SHIFT;
	unsigned long memmap = PAGES_PER_SECTION * sizeof(struct page);
	struct hr_case_ctx *c = test->priv;
	struct vmem_altmap *altmap;
	unsigned long n, ok, left;
	struct hr_hotadd h;
	int ret;

	n = min_t(u64, hr_geo.hidden_size, SZ_1G) / sect;
	if (n < 2)
		kunit_skip(test, "needs 2 sections of %lu MiB hidden with mem=, have %llu MiB",
			   sect >> 20, (u64)hr_geo.hidden_size >> 20);
	/* Sections added before the one that fails. */
	ok = fc->fail == 0 ? 1 : fc->fail == 1 ? n / 2 : n - 1;
	if (fc->fail && (ok <= 1 || (fc->fail == 1 && ok == n - 1)))
		kunit_skip(test, "%lu sections of %lu MiB hidden: the %s section is %s",
			   n, sect >> 20, fc->fail == 1 ? "middle" : "last",
			   fc->fail == 1 ? "the second or the last" : "the second");
	hr_hotadd_init(test, &h, n * sect);

	/* Room for the memmap of @ok sections, in the hot-added RAM itself. */
	altmap = kunit_kzalloc(test, sizeof(*altmap), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, altmap);
	{
		struct vmem_altmap a = {
			.base_pfn = PHYS_PFN(h.phys),
			.end_pfn = PHYS_PFN(h.phys + h.size),
			.free = ok * (memmap >> PAGE_SHIFT),
		};

		memcpy(altmap, &a, sizeof(a));
	}
	hr_snapshot(&c->before, h.va, h.va + h.size, false);
	hr_snapshot(&c->probe, h.vs, h.ve, false);
	KUNIT_ASSERT_EQ(test, c->before.nr_leaves + c->probe.nr_leaves, 0UL);
	KUNIT_ASSERT_EQ(test, hr_present_sections(PHYS_PFN(h.phys), PHYS_PFN(h.size)), 0UL);

	ret = hr_hotadd_add(&h, altmap);
	if (!ret)
		hr_hotadd_remove(&h, altmap);
	KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM,
			    "hot-add of %lu sections with the memmap of %lu did not fail",
			    n, ok);

	left = hr_present_sections(PHYS_PFN(h.phys), PHYS_PFN(h.size));
	hr_snapshot(&c->after, h.va, h.va + h.size, false);
	hr_snapshot(&c->mapped, h.vs, h.ve, false);
	KUNIT_EXPECT_EQ_MSG(test, left, 0UL,
			    "%lu of the %lu sections added before section %lu failed are still present",
			    left, ok, ok + 1);
	KUNIT_EXPECT_EQ(test, c->after.nr_leaves, 0UL);
	KUNIT_EXPECT_EQ_MSG(test, c->mapped.nr_leaves, 0UL,
			    "the vmemmap of the sections added before the failure is still mapped");
	KUNIT_EXPECT_TRUE_MSG(test, hr_same_tables(&c->after, &c->before),
			      "linear map tables left behind by the failed hot-add");
	KUNIT_EXPECT_TRUE_MSG(test, hr_same_tables(&c->mapped, &c->probe),
			      "vmemmap tables left behind by the failed hot-add");

	/* Nothing half done: the same range goes in and out again. */
	ret = hr_hotadd_add(&h, NULL);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0,
			    "the range does not hot-add again after the failure");
	if (!ret)
		hr_hotadd_remove(&h, NULL);
	if (left) {
		/* Leave the hidden RAM usable for the cases that follow. */
		mem_hotplug_begin();
		__remove_pages(PHYS_PFN(h.phys), left * PAGES_PER_SECTION,
			       altmap, NULL);
		mem_hotplug_done();
	}
	hr_snapshot(&c->after, h.va, h.va + h.size, false);
	hr_snapshot(&c->mapped, h.vs, h.ve, false);
	KUNIT_EXPECT_EQ(test, c->after.nr_leaves + c->mapped.nr_leaves, 0UL);
}

static struct kunit_case hr_addfail_test_cases[] = {
	KUNIT_CASE_PARAM(hr_hotadd_partial_test, hr_addfail_gen_params),
	{}
};

static struct kunit_suite hr_addfail_suite = {
	.name = "arm64_mm_hotremove_addfail",
	.suite_init = hr_suite_init,
	.init = hr_test_init,
	.exit = hr_test_exit,
	.test_cases = hr_addfail_test_cases,
};

kunit_test_suite(hr_addfail_suite);
