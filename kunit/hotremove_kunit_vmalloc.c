// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for arm64 memory hot-remove: the vmemmap teardown keeps the
 * tables of vmalloc.
 *
 * A 52-bit kernel that runs with 48 or 47 bits moves VMALLOC_END up into the
 * vmemmap region, over the memmap of the linear map it cannot use.  The
 * case populates and tears down a little vmemmap just above the end of
 * vmalloc with the real vmemmap_populate() and vmemmap_free(): every table
 * that maps it and also reaches below VMALLOC_END belongs to vmalloc as well
 * and must stay.  Elsewhere vmalloc ends below the vmemmap region, and the
 * case skips.
 */
#include <kunit/test.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/vmalloc.h>
#include <asm/memory.h>

#include "hotremove_kunit.h"

/*
 * Whether vmalloc has entries of its own in table @t, below VMALLOC_END: a
 * lower-level table or a leaf.  They keep @t in use whatever the floor.
 */
static bool hr_vmalloc_uses(struct hr_snap *s, const struct hr_table *t)
{
	unsigned int i;

	hr_snapshot(s, t->base, VMALLOC_END, false);
	if (s->nr_leaves)
		return true;
	for (i = 0; i < s->nr_tables; i++)
		if (s->tables[i].level < t->level)
			return true;
	return false;
}

static void hr_vmalloc_floor_test(struct kunit *test)
{
	struct hr_case_ctx *c = test->priv;
	unsigned long a = ALIGN(VMALLOC_END, hr_geo.sect_vmemmap);
	struct hr_range r = { a, a + hr_geo.sect_vmemmap };
	struct hr_plan p = { .region = HR_VMEMMAP };
	struct range plug = mhp_get_pluggable_range(true);
	unsigned long used = (unsigned long)pfn_to_page(PHYS_PFN(plug.start));
	unsigned int i, lost = 0, shared = 0, observable = 0;
	int ret;

	if (VMALLOC_END <= VMEMMAP_START)
		kunit_skip(test, "vmalloc ends below the vmemmap region: no floor to check there");
	/* The vmemmap of the pfns below _PAGE_OFFSET(vabits_actual): unused. */
	KUNIT_ASSERT_LE(test, r.end, used);
	hr_snapshot(&c->before, r.start, r.end, false);
	KUNIT_ASSERT_EQ(test, c->before.nr_leaves, 0UL);
	/* Outside the windows hr_test_exit() cleans: tear down in any case. */
	ret = hr_map(test, &p, &r);
	hr_snapshot(&c->mapped, r.start, r.end, false);
	for (i = 0; i < c->mapped.nr_tables; i++) {
		const struct hr_table *t = &c->mapped.tables[i];

		if (t->base >= VMALLOC_END)
			continue;
		shared++;
		if (!hr_vmalloc_uses(&c->probe, t))
			observable++;
	}
	vmemmap_free(r.start, r.end, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	/*
	 * Assertions, not expectations: the case may skip below, and a skip
	 * after a failed expectation reads as SKIP.
	 */
	hr_snapshot(&c->after, r.start, r.end, false);
	KUNIT_ASSERT_EQ_MSG(test, c->after.nr_leaves, 0UL,
			    "vmemmap_free() left [%lx, %lx) mapped",
			    r.start, r.end);
	for (i = 0; i < c->mapped.nr_tables; i++) {
		const struct hr_table *t = &c->mapped.tables[i];

		if (t->base >= VMALLOC_END || hr_snap_has(&c->after, t))
			continue;
		lost++;
		kunit_info(test, "vmemmap_free() freed the %s table at %lx, which also maps vmalloc up to %lx\n",
			   hr_level_name[t->level], t->base,
			   (unsigned long)VMALLOC_END);
	}
	KUNIT_ASSERT_EQ_MSG(test, lost, 0U,
			    "vmemmap teardown freed tables shared with vmalloc");
	kunit_info(test, "%u tables shared with vmalloc, %u without vmalloc entries\n",
		   shared, observable);
	if (!lost && !observable)
		kunit_skip(test,
			   "vmalloc has entries in every table it shares with the vmemmap here: none could be freed, whatever the floor");
}

static struct kunit_case hr_vmalloc_cases[] = {
	KUNIT_CASE(hr_vmalloc_floor_test),
	{}
};

static struct kunit_suite hr_vmalloc_suite = {
	.name = "arm64_mm_hotremove_vmalloc",
	.suite_init = hr_suite_init,
	.init = hr_test_init,
	.exit = hr_test_exit,
	.test_cases = hr_vmalloc_cases,
};

kunit_test_suite(hr_vmalloc_suite);
