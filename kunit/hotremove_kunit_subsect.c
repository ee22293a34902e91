// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for arm64 memory hot-remove: vmemmap pages that subsections
 * share.
 *
 * With 16K and 64K pages the memmap of a subsection (PAGES_PER_SUBSECTION
 * struct pages) is smaller than a page, so one vmemmap page holds the
 * struct pages of several subsections: 2 with 16K pages, 32 with 64K.
 * Device memory is added and removed in subsections, so that page must go
 * with the last subsection it serves, never earlier.
 *
 * Each case adds the first two subsections of an empty section, one after
 * the other, with __add_pages(), as memremap_pages() adds device memory,
 * removes one with __remove_pages(), and checks that the vmemmap page they
 * share is still mapped, was not freed and still holds the other's struct
 * pages; then it removes the other and checks that the page was freed
 * exactly once and that the vmemmap tables are the ones from before.  Without an altmap the
 * range is unused physical address space that is never mapped or touched,
 * as for device-private memory.  With an altmap (one per subsection, as
 * two devices would have) the memmap may be allocated from the range
 * itself, so the range is RAM that mem= hid from the kernel; a page shared
 * with another subsection must not come from an altmap, since it has to
 * outlive either device.
 */
#include <kunit/test.h>
#include <linux/memory_hotplug.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/pgtable.h>
#include <asm/memory.h>

#include "hotremove_kunit.h"

struct hr_subsect_case {
	const char *desc;
	bool upper_added;	/* add the upper subsection first */
	bool upper_first;	/* remove the upper subsection first */
	bool altmap;		/* each subsection comes with its own altmap */
};

/*
 * The first subsection added populates the shared page: as the head of
 * its range when it is the upper one, as the tail when it is the lower.
 */
static const struct hr_subsect_case hr_subsect_cases[] = {
	{ "lower subsection removed first", false, false, false },
	{ "upper subsection removed first", false, true, false },
	{ "upper added first, lower removed first, altmaps", true, false, true },
	{ "lower added first, upper removed first, altmaps", false, true, true },
};

static void hr_subsect_desc(const struct hr_subsect_case *sc, char *desc)
{
	strscpy(desc, sc->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hr_subsect, hr_subsect_cases, hr_subsect_desc);

/* The page that backs the vmemmap page holding @addr, or NULL. */
static struct page *hr_vmemmap_backing(struct hr_snap *s, unsigned long addr)
{
	unsigned long page = ALIGN_DOWN(addr, PAGE_SIZE);

	hr_snapshot(s, page, page + PAGE_SIZE, true);
	return s->nr_pages == 1 ? s->pages[0] : NULL;
}

static bool hr_in_altmap(const struct vmem_altmap *altmap, struct page *page)
{
	unsigned long pfn = page_to_pfn(page);

	return pfn >= altmap->base_pfn && pfn < altmap->end_pfn;
}

static void hr_subsect_remove(const unsigned long *pfn, struct mhp_params *params,
			      int i)
{
	mem_hotplug_begin();
	__remove_pages(pfn[i], PAGES_PER_SUBSECTION, params[i].altmap, NULL);
	mem_hotplug_done();
}

static void hr_subsect_test(struct kunit *test)
{
	static const char * const name[] = { "lower", "upper" };
	const struct hr_subsect_case *sc = test->param_value;
	struct hr_case_ctx *c = test->priv;
	unsigned long nr = PAGES_PER_SUBSECTION;
	size_t memmap = nr * sizeof(struct page);
	struct mhp_params params[2] = {};
	int first = sc->upper_first, second = !first, refs = 0, i, j, ret = 0;
	unsigned long pfn[2], vs, ve;
	struct vmem_altmap *altmap, *owner;
	struct page *page, *held = NULL;
	void *saved, *now;
	phys_addr_t phys;

	if (memmap >= PAGE_SIZE)
		kunit_skip(test,
			   "a subsection's memmap is %zu KiB, whole %lu KiB pages: no vmemmap page is shared",
			   memmap >> 10, PAGE_SIZE >> 10);
	if (sc->altmap && !hr_geo.hidden_size)
		kunit_skip(test,
			   "no RAM hidden with mem= for the altmaps: boot with mem= below the RAM size");
	phys = sc->altmap ? hr_geo.hidden_start :
			    hr_unused_phys(PAGES_PER_SECTION << PAGE_SHIFT);
	pfn[0] = PHYS_PFN(phys);
	pfn[1] = pfn[0] + nr;
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED(pfn[0], PAGES_PER_SECTION));
	KUNIT_ASSERT_FALSE_MSG(test, present_section_nr(pfn_to_section_nr(pfn[0])),
			       "section of pfn %lx already present", pfn[0]);
	KUNIT_ASSERT_TRUE(test, mhp_range_allowed(phys, 2 * (nr << PAGE_SHIFT),
						  false));

	/* One altmap per subsection, lending that subsection's own pages. */
	altmap = kunit_kcalloc(test, 2, sizeof(*altmap), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, altmap);
	for (i = 0; i < 2; i++) {
		struct vmem_altmap a = {
			.base_pfn = pfn[i],
			.end_pfn = pfn[i] + nr,
			.free = nr,
		};

		memcpy(&altmap[i], &a, sizeof(a));
	}
	saved = kunit_kzalloc(test, memmap, GFP_KERNEL);
	now = kunit_kzalloc(test, memmap, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, saved);
	KUNIT_ASSERT_NOT_NULL(test, now);

	vs = (unsigned long)pfn_to_page(pfn[0]);
	ve = (unsigned long)pfn_to_page(pfn[1] + nr);
	hr_snapshot(&c->before, ALIGN_DOWN(vs, PAGE_SIZE), ALIGN(ve, PAGE_SIZE),
		    false);
	KUNIT_ASSERT_EQ(test, c->before.nr_leaves, 0UL);

	for (i = 0; i < 2; i++) {
		params[i].pgprot = PAGE_KERNEL;
		if (sc->altmap)
			params[i].altmap = &altmap[i];
	}
	mem_hotplug_begin();
	for (j = 0; j < 2 && !ret; j++) {
		i = sc->upper_added ? 1 - j : j;
		ret = __add_pages(numa_mem_id(), pfn[i], nr, &params[i]);
	}
	if (ret && j == 2)
		__remove_pages(pfn[!i], nr, params[!i].altmap, NULL);
	mem_hotplug_done();
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "__add_pages() of the %s subsection",
			    name[i]);

	/* Expectations only from here on: both subsections must go again. */
	page = hr_vmemmap_backing(&c->mapped, vs);
	KUNIT_EXPECT_NOT_NULL(test, page);
	KUNIT_EXPECT_PTR_EQ_MSG(test, hr_vmemmap_backing(&c->probe, ve - 1), page,
				"the two memmaps [%lx, %lx) are not in one vmemmap page",
				vs, ve);
	if (page && sc->altmap &&
	    (hr_in_altmap(&altmap[0], page) || hr_in_altmap(&altmap[1], page)))
		KUNIT_FAIL(test,
			   "the vmemmap page both subsections use came from the %s one's altmap: it cannot outlive that device",
			   name[!hr_in_altmap(&altmap[0], page)]);
	else if (page) {
		/* An extra reference tells "freed once" from leaked or freed twice. */
		hr_get(c, page);
		held = page;
		refs = page_ref_count(page);
	}
	memcpy(saved, pfn_to_page(pfn[second]), memmap);

	hr_subsect_remove(pfn, params, first);
	KUNIT_EXPECT_PTR_EQ_MSG(test, hr_vmemmap_backing(&c->probe, vs), page,
				"removing the %s subsection unmapped the vmemmap page the %s one still uses",
				name[first], name[second]);
	if (held)
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(held), refs,
				    "removing the %s subsection freed the vmemmap page the %s one still uses",
				    name[first], name[second]);
	if (copy_from_kernel_nofault(now, pfn_to_page(pfn[second]), memmap))
		KUNIT_FAIL(test, "the %s subsection's struct pages are no longer mapped",
			   name[second]);
	else
		KUNIT_EXPECT_TRUE_MSG(test, !memcmp(now, saved, memmap),
				      "the %s subsection's struct pages changed",
				      name[second]);

	hr_subsect_remove(pfn, params, second);
	hr_snapshot(&c->after, ALIGN_DOWN(vs, PAGE_SIZE), ALIGN(ve, PAGE_SIZE),
		    false);
	KUNIT_EXPECT_EQ_MSG(test, c->after.nr_leaves, 0UL,
			    "the vmemmap page is still mapped after its last subsection went");
	KUNIT_EXPECT_TRUE_MSG(test, hr_same_tables(&c->after, &c->before),
			      "vmemmap tables differ from those before the add");
	if (held)
		KUNIT_EXPECT_EQ_MSG(test, refs - page_ref_count(held), 1,
				    "the vmemmap page was freed %d times, want once",
				    refs - page_ref_count(held));
	for (i = 0; i < 2 && sc->altmap; i++)
		KUNIT_EXPECT_EQ_MSG(test, altmap[i].alloc, 0UL,
				    "the %s subsection's altmap still lends %lu pages",
				    name[i], altmap[i].alloc);

	/* A page the kernel kept must not stay behind for the next case. */
	if (c->after.nr_leaves) {
		owner = NULL;
		for (i = 0; page && sc->altmap && i < 2; i++)
			if (hr_in_altmap(&altmap[i], page))
				owner = &altmap[i];
		vmemmap_free(ALIGN_DOWN(vs, PAGE_SIZE), ALIGN(ve, PAGE_SIZE),
			     owner);
	}
}

static struct kunit_case hr_subsection_cases[] = {
	KUNIT_CASE_PARAM(hr_subsect_test, hr_subsect_gen_params),
	{}
};

static struct kunit_suite hr_subsection_suite = {
	.name = "arm64_mm_hotremove_subsection",
	.suite_init = hr_suite_init,
	.init = hr_test_init,
	.exit = hr_test_exit,
	.test_cases = hr_subsection_cases,
};

kunit_test_suite(hr_subsection_suite);
