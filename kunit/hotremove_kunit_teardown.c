// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for arm64 memory hot-remove page-table teardown.
 *
 * Each case builds mappings with the real mapping helpers over a synthetic
 * range in an unused part of the kernel address space, tears them down with
 * the real hot-remove helpers (__remove_pgd_mapping(), vmemmap_free(), or
 * unmap_hotplug_range() + free_empty_tables() with a chosen floor/ceiling),
 * or hot-adds and hot-removes RAM that mem= hid with arch_add_memory() and
 * arch_remove_memory(), and checks the result against its own oracle:
 *
 *  - no leaf entry is left in the removed range;
 *  - mappings outside the removed range are bit-for-bit unchanged;
 *  - tables that existed before the case are kept;
 *  - a table the case allocated is freed exactly when it lies entirely
 *    inside [floor, ceiling), and kept otherwise (counted per level);
 *  - every freed page (table or vmemmap backing) is freed exactly once.
 *
 * The cases adapt to the page size, VA_BITS and the number of page-table
 * levels the kernel runs with, including run-time folding of 52-bit kernels
 * on CPUs without LPA2/LVA.  A case that a configuration cannot express (a
 * PUD block with 64K pages, say) reports SKIP with the reason.
 */
#include <kunit/test.h>
#include <linux/memblock.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/kthread.h>
#include <linux/memremap.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/pgtable.h>
#include <linux/ptdump.h>
#include <linux/sizes.h>
#include <linux/vmalloc.h>
#include <asm/memory.h>
#include <asm/mmu.h>
#include <asm/set_memory.h>

#include "hotremove_kunit.h"

struct hr_family {
	hr_plan_fn fn;
	int nr_args;
};

static const struct hr_family hr_families[] = {
	{ hr_plan_linear, 13 },
	{ hr_plan_block, 5 },
	{ hr_plan_vmemmap, 7 },
	{ hr_plan_limits, 3 * HR_NR_LEVELS },
	{ hr_plan_index, 4 * HR_NR_LEVELS },
};

/* (family, arg) pairs, every one of them: a pair that cannot apply skips. */
struct hr_param {
	int family, arg;
};

static struct hr_param hr_params[13 + 5 + 7 + 7 * HR_NR_LEVELS];

static bool hr_fill(const struct hr_param *pa, struct hr_plan *p)
{
	memset(p, 0, sizeof(*p));
	return hr_families[pa->family].fn(p, pa->arg);
}

static void hr_param_desc(struct hr_param *pa, char *desc)
{
	struct hr_plan plan;

	hr_fill(pa, &plan);
	strscpy(desc, plan.desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hr_teardown, hr_params, hr_param_desc);

static void hr_teardown_test(struct kunit *test)
{
	const struct hr_param *pa = test->param_value;
	struct hr_plan plan;

	if (!hr_fill(pa, &plan))
		kunit_skip(test, "%s", plan.skip);
	hr_run_plan(test, &plan);
}

/* ------------------------------------------------------------------------ */

/*
 * Offlining is where a removal can still be refused: the arch memory notifier
 * sees MEM_GOING_OFFLINE before any page is migrated.  It must refuse boot
 * memory and let hot-added memory go.  Each case offlines the memory block
 * at the start of the mapping it built.
 */
struct hr_offline_case {
	const char *desc;
	hr_plan_fn fn;		/* builds the mapping; NULL: boot memory */
	int arg;
	bool memmap;		/* skip the block's own memmap (memmap_on_memory) */
	int want;
};

static const struct hr_offline_case hr_offline_cases[] = {
	{ "pages, one memory block", hr_plan_linear, 8, false, NOTIFY_OK },
	{ "pmd block inside a memory block", hr_plan_block, 0, false, NOTIFY_OK },
	{ "memory block minus its own memmap", hr_plan_block, 0, true, NOTIFY_OK },
	{ "memory block of contiguous pmds minus its memmap", hr_plan_block, 5,
	  true, NOTIFY_OK },
	{ "first section of boot memory", NULL, 0, false, NOTIFY_BAD },
};

static void hr_offline_desc(const struct hr_offline_case *oc, char *desc)
{
	strscpy(desc, oc->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hr_offline, hr_offline_cases, hr_offline_desc);

static void hr_offline_test(struct kunit *test)
{
	const struct hr_offline_case *oc = test->param_value;
	struct hr_plan plan = {};

	if (oc->fn && !oc->fn(&plan, oc->arg))
		kunit_skip(test, "%s", plan.skip);
	KUNIT_EXPECT_EQ(test, hr_going_offline(test, oc->fn ? &plan : NULL,
					       oc->memmap, false), oc->want);
}

/*
 * The notifier's other actions: MEM_OFFLINE of boot memory (which its own
 * MEM_GOING_OFFLINE refusal should have made impossible) is reported and
 * ignored, and actions other than offlining pass.
 */
static void hr_offline_actions_test(struct kunit *test)
{
	struct memory_notify arg = {
		.start_pfn = PHYS_PFN(memblock_start_of_DRAM()),
		.nr_pages = PAGES_PER_SECTION,
	};

	KUNIT_EXPECT_EQ(test, hr_memory_notifier(NULL, MEM_OFFLINE, &arg),
			NOTIFY_DONE);
	KUNIT_EXPECT_EQ(test, hr_memory_notifier(NULL, MEM_GOING_ONLINE, &arg),
			NOTIFY_OK);
}

/* ------------------------------------------------------------------------ */

/*
 * Device memory: the vmemmap is backed by a vmem_altmap, pages taken from the
 * device range itself.  Teardown must hand them back to the altmap, never to
 * the page allocator, and leave the altmap's count where it started.
 */
static const unsigned int hr_altmap_parts[] = { 1, 4 };

static void hr_altmap_desc(const unsigned int *part, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "vmemmap of %s, altmap-backed",
		 *part == 1 ? "one section" : "a quarter section");
}

KUNIT_ARRAY_PARAM(hr_altmap, hr_altmap_parts, hr_altmap_desc);

static void hr_altmap_test(struct kunit *test)
{
	const unsigned int *part = test->param_value;
	struct hr_case_ctx *c = test->priv;
	unsigned long sv = hr_geo.sect_vmemmap;
	unsigned long v = ALIGN(hr_geo.vmem_lo, 8 * sv), end = v + sv / *part;
	unsigned int order = get_order(sv), i, nr = 1U << order, outside = 0;
	bool untouched = true;
	struct page *chunk = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
	struct vmem_altmap altmap = {
		.base_pfn = page_to_pfn(chunk),
		.end_pfn = page_to_pfn(chunk) + nr,
		.free = nr,
	};
	int *refs;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, chunk);
	/* One reference per page: a wrong free of any of them shows. */
	split_page(chunk, order);
	refs = kunit_kcalloc(test, nr, sizeof(*refs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, refs);
	for (i = 0; i < nr; i++)
		refs[i] = page_ref_count(chunk + i);

	/* Expectations only from here on: the altmap must be torn down. */
	ret = vmemmap_populate(v, end, numa_mem_id(), &altmap);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ_MSG(test, altmap.alloc, (end - v) >> PAGE_SHIFT,
			    "vmemmap of [%lx, %lx) not taken from the altmap",
			    v, end);

	hr_snapshot(&c->probe, v, end, true);
	for (i = 0; i < c->probe.nr_pages; i++) {
		unsigned long pfn = page_to_pfn(c->probe.pages[i]);

		if (pfn < altmap.base_pfn || pfn >= altmap.end_pfn)
			outside++;
	}
	KUNIT_EXPECT_EQ_MSG(test, outside, 0U,
			    "vmemmap backing pages from outside the altmap");

	vmemmap_free(v, end, &altmap);
	KUNIT_EXPECT_EQ_MSG(test, altmap.alloc, 0UL,
			    "altmap pages not given back");

	hr_snapshot(&c->probe, v, end, false);
	KUNIT_EXPECT_EQ(test, c->probe.nr_leaves, 0UL);
	for (i = 0; i < nr; i++) {
		if (page_ref_count(chunk + i) == refs[i])
			continue;
		KUNIT_FAIL(test, "altmap page %u went to the page allocator", i);
		untouched = false;
	}
	/* Give the device pages back only if nothing can still use them. */
	if (untouched && !c->probe.nr_leaves && !altmap.alloc)
		for (i = 0; i < nr; i++)
			__free_page(chunk + i);
}

/* ------------------------------------------------------------------------ */

/*
 * The real arch path: arch_add_memory() maps 1 GiB of the RAM that mem= hid
 * (never onlined) and populates its memmap, and arch_remove_memory() must
 * take all of it down again.  The KTAP log reports what the linear map of
 * hot-added memory costs: its leaves and table pages.
 */
static void hr_hotadd_test(struct kunit *test)
{
	struct hr_case_ctx *c = test->priv;
	unsigned int lin_tables, vmem_tables;
	struct hr_hotadd h;

	hr_hotadd_init(test, &h, SZ_1G);
	hr_snapshot(&c->before, h.va, h.va + h.size, false);
	KUNIT_ASSERT_EQ(test, c->before.nr_leaves, 0UL);
	lin_tables = c->before.nr_tables;
	hr_snapshot(&c->before, h.vs, h.ve, false);
	KUNIT_ASSERT_EQ(test, c->before.nr_leaves, 0UL);
	vmem_tables = c->before.nr_tables;

	KUNIT_ASSERT_EQ(test, hr_hotadd_add(&h, NULL), 0);
	hr_snapshot(&c->mapped, h.va, h.va + h.size, false);
	KUNIT_EXPECT_GT(test, c->mapped.nr_leaves, 0UL);
	kunit_info(test,
		   "linear map of %lu MiB: %lu leaves (%lu above pte level, %lu contiguous), largest %lu KiB, %u table pages\n",
		   h.size >> 20, c->mapped.nr_leaves, c->mapped.nr_blocks,
		   c->mapped.nr_cont, c->mapped.max_leaf >> 10,
		   c->mapped.nr_tables - lin_tables);
	hr_hotadd_remove(&h, NULL);

	hr_snapshot(&c->after, h.va, h.va + h.size, false);
	KUNIT_EXPECT_EQ(test, c->after.nr_leaves, 0UL);
	KUNIT_EXPECT_EQ_MSG(test, c->after.nr_tables, lin_tables,
			    "linear map tables left behind");
	hr_snapshot(&c->after, h.vs, h.ve, false);
	KUNIT_EXPECT_EQ(test, c->after.nr_leaves, 0UL);
	KUNIT_EXPECT_EQ_MSG(test, c->after.nr_tables, vmem_tables,
			    "vmemmap tables left behind");
}

#define HR_CYCLES	1000

/*
 * Add and remove one memory block HR_CYCLES times through the arch path.
 * free_empty_tables() keeps every table that reaches past the floor or
 * ceiling of its region; what it keeps must be reused by the next add and
 * never accumulate.  After each removal, the tables that map the block's
 * linear map and vmemmap must be exactly the pages that did before the
 * first add.  The KTAP log reports them per level.
 */
static void hr_cycles_test(struct kunit *test)
{
	struct hr_case_ctx *c = test->priv;
	unsigned int lin[HR_NR_LEVELS], vmem[HR_NR_LEVELS];
	unsigned int i, changed = 0, first = 0;
	struct hr_hotadd h;
	int ret = 0;

	hr_hotadd_init(test, &h, memory_block_size_bytes());
	/* before: the linear map's tables, probe: the vmemmap's. */
	hr_snapshot(&c->before, h.va, h.va + h.size, false);
	hr_snapshot(&c->probe, h.vs, h.ve, false);
	KUNIT_ASSERT_EQ(test, c->before.nr_leaves + c->probe.nr_leaves, 0UL);

	for (i = 1; i <= HR_CYCLES; i++) {
		ret = hr_hotadd_add(&h, NULL);
		if (ret)
			break;
		hr_hotadd_remove(&h, NULL);
		hr_snapshot(&c->after, h.va, h.va + h.size, false);
		hr_snapshot(&c->mapped, h.vs, h.ve, false);
		if (c->after.nr_leaves || c->mapped.nr_leaves ||
		    !hr_same_tables(&c->after, &c->before) ||
		    !hr_same_tables(&c->mapped, &c->probe)) {
			if (!changed++)
				first = i;
		}
	}
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "arch_add_memory() failed in cycle %u", i);
	KUNIT_EXPECT_EQ_MSG(test, changed, 0U,
			    "tables or leaves differ from those before the first add in %u of %u cycles, first in cycle %u",
			    changed, HR_CYCLES, first);

	hr_count_levels(&c->after, lin);
	hr_count_levels(&c->mapped, vmem);
	kunit_info(test,
		   "%u cycles of %lu MiB at %llx: tables kept after each removal (pte/pmd/pud/p4d): linear map %u/%u/%u/%u, vmemmap %u/%u/%u/%u\n",
		   HR_CYCLES, h.size >> 20, (u64)h.phys, lin[HR_PTE], lin[HR_PMD],
		   lin[HR_PUD], lin[HR_P4D], vmem[HR_PTE], vmem[HR_PMD],
		   vmem[HR_PUD], vmem[HR_P4D]);
}

/*
 * A hot-add that fails half way, because its memmap cannot be allocated
 * (an altmap without a free page), must leave nothing behind: no leaf and
 * no table in the linear map or the vmemmap that was not there before.
 */
static void hr_hotadd_fail_test(struct kunit *test)
{
	struct hr_case_ctx *c = test->priv;
	struct vmem_altmap *altmap;
	struct hr_hotadd h;
	int ret;

	hr_hotadd_init(test, &h, memory_block_size_bytes());
	altmap = kunit_kzalloc(test, sizeof(*altmap), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, altmap);
	{
		/* No free page: the memmap cannot be allocated from it. */
		struct vmem_altmap a = {
			.base_pfn = PHYS_PFN(h.phys),
			.end_pfn = PHYS_PFN(h.phys + h.size),
		};

		memcpy(altmap, &a, sizeof(a));
	}
	hr_snapshot(&c->before, h.va, h.va + h.size, false);
	hr_snapshot(&c->probe, h.vs, h.ve, false);
	KUNIT_ASSERT_EQ(test, c->before.nr_leaves + c->probe.nr_leaves, 0UL);

	ret = hr_hotadd_add(&h, altmap);
	if (!ret)
		hr_hotadd_remove(&h, altmap);
	KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM,
			    "hot-add with an exhausted altmap did not fail");

	hr_snapshot(&c->after, h.va, h.va + h.size, false);
	hr_snapshot(&c->mapped, h.vs, h.ve, false);
	KUNIT_EXPECT_EQ(test, c->after.nr_leaves, 0UL);
	KUNIT_EXPECT_EQ(test, c->mapped.nr_leaves, 0UL);
	KUNIT_EXPECT_TRUE_MSG(test, hr_same_tables(&c->after, &c->before),
			      "linear map tables left behind by the failed hot-add");
	KUNIT_EXPECT_TRUE_MSG(test, hr_same_tables(&c->mapped, &c->probe),
			      "vmemmap tables left behind by the failed hot-add");
}

/* ------------------------------------------------------------------------ */

/*
 * Which table pages can the vmemmap and the linear map share with other
 * kernel regions, whose walkers (vmalloc, ioremap, fixmap, ptdump) do not
 * take the memory hotplug lock?  A table at some level covers an aligned
 * span of that level; it is shared when the span holds addresses that
 * hot-remove may tear down and addresses of another region.  The teardown
 * may free a table only when its span lies within the floor and ceiling it
 * is given (free_empty_tables()), so no shared table may lie within them.
 *
 * The case reports every shared table at the lowest and highest address
 * hot-remove can reach in each region and checks that rule for them, with
 * the floor of the vmemmap at the end of vmalloc where that lies inside
 * the vmemmap region (52-bit kernels running with 48 or 47 bits).  Then a
 * populate and teardown with the real vmemmap_free() at the top of the
 * vmemmap window must leave the tables there and the mappings above it
 * unchanged.
 */
struct hr_region_span {
	const char *name;
	unsigned long start, end;
};

static unsigned int hr_check_shared(struct kunit *test, const char *region,
				    unsigned long lo, unsigned long hi,
				    unsigned long floor, unsigned long ceiling,
				    const struct hr_region_span *others,
				    unsigned int nr_others)
{
	unsigned long ends[] = { lo, hi - 1 };
	unsigned int shared = 0, lvl, e, o;

	for (lvl = HR_PTE; lvl < HR_NR_LEVELS; lvl++) {
		if (!hr_geo.real[lvl])
			continue;
		for (e = 0; e < ARRAY_SIZE(ends); e++) {
			unsigned long first = ALIGN_DOWN(ends[e], hr_geo.span[lvl]);
			unsigned long last = first + (hr_geo.span[lvl] - 1);
			bool inside = first >= floor && last <= ceiling - 1;

			if (e && first == ALIGN_DOWN(lo, hr_geo.span[lvl]))
				break;	/* one table covers both ends */
			for (o = 0; o < nr_others; o++) {
				if (others[o].start >= others[o].end ||
				    last < others[o].start ||
				    first > others[o].end - 1)
					continue;
				shared++;
				kunit_info(test,
					   "%s %s table [%lx, %lx] is shared with %s [%lx, %lx): %s\n",
					   region, hr_level_name[lvl], first, last,
					   others[o].name, others[o].start,
					   others[o].end,
					   inside ? "WITHIN floor/ceiling" :
					   "kept, it reaches past the floor or ceiling");
				KUNIT_EXPECT_FALSE_MSG(test, inside,
						       "hot-remove may free a %s table that %s uses",
						       hr_level_name[lvl], others[o].name);
			}
		}
	}
	return shared;
}

static void hr_shared_test(struct kunit *test)
{
	struct hr_case_ctx *c = test->priv;
	struct range plug = mhp_get_pluggable_range(true);
	unsigned long vmem_lo = (unsigned long)pfn_to_page(PHYS_PFN(plug.start));
	unsigned long vmem_hi = (unsigned long)pfn_to_page(PHYS_PFN(plug.end)) +
				sizeof(struct page);
	const struct hr_region_span others[] = {
		{ "linear map", _PAGE_OFFSET(vabits_actual), PAGE_END },
		{ "modules", MODULES_VADDR, MODULES_END },
		{ "vmalloc", VMALLOC_START, VMALLOC_END },
		{ "vmemmap", VMEMMAP_START, VMEMMAP_END },
		{ "PCI I/O", PCI_IO_START, PCI_IO_END },
		{ "fixmap", FIXADDR_TOT_START, FIXADDR_TOP },
#ifdef CONFIG_KASAN
		{ "KASAN shadow", KASAN_SHADOW_START, KASAN_SHADOW_END },
#endif
	};
	unsigned long top = ALIGN_DOWN(hr_geo.vmem_hi, hr_geo.sect_vmemmap);
	struct hr_range r = { top - hr_geo.sect_vmemmap, top };
	struct hr_plan p = { .region = HR_VMEMMAP };
	/*
	 * The rule as it should hold: where vmalloc ends inside the vmemmap
	 * region, the floor is there.  This part only reports and checks the
	 * layout.
	 */
	unsigned long vmem_floor = max_t(unsigned long, VMEMMAP_START, VMALLOC_END);
	unsigned int lin_shared, vmem_shared;

	vmem_hi = min_t(unsigned long, vmem_hi, VMEMMAP_END);
	/* others[3] is the vmemmap itself. */
	vmem_shared = hr_check_shared(test, "vmemmap", vmem_lo, vmem_hi,
				      vmem_floor, VMEMMAP_END, others, 3);
	vmem_shared += hr_check_shared(test, "vmemmap", vmem_lo, vmem_hi,
				       vmem_floor, VMEMMAP_END, others + 4,
				       ARRAY_SIZE(others) - 4);
	lin_shared = hr_check_shared(test, "linear map",
				     (unsigned long)__va(plug.start),
				     (unsigned long)__va(plug.end) + 1,
				     PAGE_OFFSET, PAGE_END, others + 1,
				     ARRAY_SIZE(others) - 1);
	kunit_info(test, "shared tables: vmemmap %u, linear map %u\n",
		   vmem_shared, lin_shared);

	/* The real teardown at the top of the vmemmap window. */
	hr_snapshot(&c->before, r.start, r.end, false);
	KUNIT_ASSERT_EQ(test, c->before.nr_leaves, 0UL);
	/* Up to the fixmap: text patching may use its slots meanwhile. */
	hr_snapshot(&c->probe, hr_geo.vmem_hi, FIXADDR_TOT_START, false);
	KUNIT_ASSERT_EQ(test, hr_map(test, &p, &r), 0);
	vmemmap_free(r.start, r.end, NULL);
	hr_snapshot(&c->after, r.start, r.end, false);
	KUNIT_EXPECT_EQ(test, c->after.nr_leaves, 0UL);
	KUNIT_EXPECT_TRUE_MSG(test, hr_same_tables(&c->before, &c->after),
			      "tables at the top of the vmemmap changed: %u before, %u after",
			      c->before.nr_tables, c->after.nr_tables);
	hr_snapshot(&c->after, hr_geo.vmem_hi, FIXADDR_TOT_START, false);
	KUNIT_EXPECT_EQ_MSG(test, c->after.leaf_hash, c->probe.leaf_hash,
			    "mappings above the vmemmap changed");
	KUNIT_EXPECT_TRUE(test, hr_same_tables(&c->probe, &c->after));
}

/* ------------------------------------------------------------------------ */

/*
 * ptdump walks the kernel page tables without the locks vmalloc takes, so
 * it must not walk while hot-remove may free tables: ptdump_walk_pgd()
 * holds get_online_mems() for the whole walk.  A thread holds the hotplug
 * lock as hot-remove does (mem_hotplug_begin()); a real ptdump walk started
 * meanwhile must not finish until the lock is released.  Completions say
 * when each step happened; the walk of one empty table span takes far less
 * than the second the case gives it.  The state is static: a thread that
 * never finishes must not be left with freed memory.
 */
static struct hr_ptdump {
	struct ptdump_state st;
	struct ptdump_range range[2];
	struct completion held, release, walked;
} hr_ptdump;

/* The walk is what the case is about: what it finds is not looked at. */
static void hr_note_pte(struct ptdump_state *st, unsigned long addr, pte_t pte)
{
}

static void hr_note_pmd(struct ptdump_state *st, unsigned long addr, pmd_t pmd)
{
}

static void hr_note_pud(struct ptdump_state *st, unsigned long addr, pud_t pud)
{
}

static void hr_note_p4d(struct ptdump_state *st, unsigned long addr, p4d_t p4d)
{
}

static void hr_note_pgd(struct ptdump_state *st, unsigned long addr, pgd_t pgd)
{
}

static void hr_note_flush(struct ptdump_state *st)
{
}

static int hr_ptdump_holder(void *data)
{
	struct hr_ptdump *d = data;

	mem_hotplug_begin();
	complete(&d->held);
	wait_for_completion(&d->release);
	mem_hotplug_done();
	return 0;
}

static int hr_ptdump_walker(void *data)
{
	struct hr_ptdump *d = data;

	ptdump_walk_pgd(&d->st, &init_mm, NULL);
	complete(&d->walked);
	return 0;
}

static void hr_ptdump_lock_test(struct kunit *test)
{
	struct hr_ptdump *d = &hr_ptdump;
	struct task_struct *holder, *walker;
	bool early;

	if (!IS_ENABLED(CONFIG_PTDUMP))
		kunit_skip(test, "ptdump is not built: enable CONFIG_PTDUMP_DEBUGFS");
	init_completion(&d->held);
	init_completion(&d->release);
	init_completion(&d->walked);
	d->range[0].start = hr_geo.lin_hi - PMD_SIZE;
	d->range[0].end = hr_geo.lin_hi;
	d->st.range = d->range;
	d->st.note_page_pte = hr_note_pte;
	d->st.note_page_pmd = hr_note_pmd;
	d->st.note_page_pud = hr_note_pud;
	d->st.note_page_p4d = hr_note_p4d;
	d->st.note_page_pgd = hr_note_pgd;
	d->st.note_page_flush = hr_note_flush;

	holder = kthread_run(hr_ptdump_holder, d, "hr_ptdump_holder");
	KUNIT_ASSERT_FALSE(test, IS_ERR(holder));
	wait_for_completion(&d->held);
	walker = kthread_run(hr_ptdump_walker, d, "hr_ptdump_walker");
	if (IS_ERR(walker)) {
		complete(&d->release);
		KUNIT_FAIL(test, "cannot start the ptdump thread");
		return;
	}
	early = wait_for_completion_timeout(&d->walked, HZ);
	complete(&d->release);
	KUNIT_EXPECT_FALSE_MSG(test, early,
			       "ptdump walked the kernel page tables while the memory hotplug lock was held");
	KUNIT_EXPECT_TRUE_MSG(test,
			      wait_for_completion_timeout(&d->walked, 60 * HZ),
			      "ptdump did not finish after the memory hotplug lock was released");
}

/* ------------------------------------------------------------------------ */

/*
 * The geometry a run must have, "4K:48:48:4" (page size, VA_BITS,
 * vabits_actual, levels), from the kernel command line
 * (hotremove_kunit.geometry=): with it, a 52-bit kernel that stopped
 * falling back at run time fails here instead of passing with other cases.
 */
static char *hr_geometry;
module_param_named(geometry, hr_geometry, charp, 0444);
MODULE_PARM_DESC(geometry, "expected page size, VA_BITS, vabits_actual and levels, as 4K:48:48:4");

static void hr_config_test(struct kunit *test)
{
	char have[32];
	int lvl;

	kunit_info(test,
		   "page_size=%luK va_bits=%d vabits_actual=%llu levels=%d\n",
		   PAGE_SIZE >> 10, VA_BITS, (u64)vabits_actual, hr_geo.levels);
	for (lvl = 0; lvl < HR_NR_LEVELS; lvl++)
		if (hr_geo.real[lvl])
			kunit_info(test, "%s table spans %lu MiB\n",
				   hr_level_name[lvl], hr_geo.span[lvl] >> 20);
	kunit_info(test, "linear window [%lx, %lx) vmemmap window [%lx, %lx)\n",
		   hr_geo.lin_lo, hr_geo.lin_hi, hr_geo.vmem_lo, hr_geo.vmem_hi);
	if (hr_geo.hidden_size)
		kunit_info(test, "RAM hidden with mem=: [%llx, %llx)\n",
			   (u64)hr_geo.hidden_start,
			   (u64)(hr_geo.hidden_start + hr_geo.hidden_size));
	else
		kunit_info(test, "no RAM hidden with mem=\n");

	KUNIT_EXPECT_EQ(test, PAGE_SIZE, 1UL << PAGE_SHIFT);
	KUNIT_EXPECT_TRUE(test,
			  vabits_actual == VA_BITS || vabits_actual == VA_BITS_MIN);
	KUNIT_EXPECT_GE(test, hr_geo.levels, 2);
	KUNIT_EXPECT_LE(test, hr_geo.levels, CONFIG_PGTABLE_LEVELS);
	/* A kernel that fell back from 52 bits runs with fewer levels. */
	if (vabits_actual == VA_BITS)
		KUNIT_EXPECT_EQ(test, hr_geo.levels, CONFIG_PGTABLE_LEVELS);
	KUNIT_EXPECT_LT(test, hr_geo.lin_lo, hr_geo.lin_hi);
	KUNIT_EXPECT_LT(test, hr_geo.vmem_lo, hr_geo.vmem_hi);

	snprintf(have, sizeof(have), "%luK:%d:%llu:%d", PAGE_SIZE >> 10,
		 VA_BITS, (u64)vabits_actual, hr_geo.levels);
	if (hr_geometry)
		KUNIT_EXPECT_STREQ_MSG(test, have, hr_geometry,
				       "this run must have another geometry");
	else
		kunit_info(test, "no geometry to check (hotremove_kunit.geometry=)\n");
}

/* The teardown cases' parameters: every (family, arg) pair. */
static int hr_teardown_suite_init(struct kunit_suite *suite)
{
	int f, a, n = 0;

	for (f = 0; f < ARRAY_SIZE(hr_families); f++)
		for (a = 0; a < hr_families[f].nr_args; a++) {
			hr_params[n].family = f;
			hr_params[n].arg = a;
			n++;
		}
	return hr_suite_init(suite);
}

static struct kunit_case hr_cases[] = {
	KUNIT_CASE(hr_config_test),
	KUNIT_CASE_PARAM(hr_teardown_test, hr_teardown_gen_params),
	KUNIT_CASE_PARAM(hr_offline_test, hr_offline_gen_params),
	KUNIT_CASE(hr_offline_actions_test),
	KUNIT_CASE_PARAM(hr_altmap_test, hr_altmap_gen_params),
	KUNIT_CASE(hr_hotadd_test),
	KUNIT_CASE_SLOW(hr_cycles_test),
	KUNIT_CASE(hr_hotadd_fail_test),
	KUNIT_CASE(hr_shared_test),
	KUNIT_CASE(hr_ptdump_lock_test),
	{}
};

static struct kunit_suite hr_suite = {
	.name = "arm64_mm_hotremove",
	.suite_init = hr_teardown_suite_init,
	.init = hr_test_init,
	.exit = hr_test_exit,
	.test_cases = hr_cases,
};

kunit_test_suite(hr_suite);

MODULE_DESCRIPTION("KUnit tests for arm64 memory hot-remove page-table teardown");
MODULE_LICENSE("GPL");
