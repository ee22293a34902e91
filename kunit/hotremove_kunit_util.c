// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared parts of the arm64 memory hot-remove KUnit suites.
 *
 * The suites build mappings with the real mapping helpers
 * (__create_pgd_mapping() for the linear map, vmemmap_populate() for the
 * vmemmap) in unused parts of the kernel address space ("windows": the top
 * of the linear map, where no RAM is, and its memmap), tear them down with
 * the real hot-remove helpers, and check the result against an oracle
 * computed by the test itself.
 *
 * "Freed exactly once" is observed without hooks: a case takes an extra
 * reference on each page it expects the teardown to free, so the teardown's
 * free only drops a reference.  Afterwards a count of 1 means freed once,
 * 2 means leaked, 0 means freed twice.  hr_test_exit() drops them.
 *
 * Block mappings of the linear map alias boot RAM, read-only; nothing maps
 * memory that is not RAM.  Cases that hot-add memory use RAM that mem= hid
 * from the kernel, and skip with the reason when there is none.
 */
#include <kunit/visibility.h>
#include <linux/hash.h>
#include <linux/memblock.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/pgtable.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <asm/memory.h>
#include <asm/mmu.h>

#include "hotremove_kunit.h"

const char * const hr_level_name[HR_NR_LEVELS] = {
	"pte", "pmd", "pud", "p4d",
};

struct hr_geo hr_geo;
EXPORT_SYMBOL_IF_KUNIT(hr_geo);

static void hr_record_table(struct hr_snap *s, void *entry,
			    unsigned long base, enum hr_level level)
{
	if (s->nr_tables == HR_MAX_TABLES) {
		s->overflow = true;
		return;
	}
	s->tables[s->nr_tables].table = (void *)ALIGN_DOWN((unsigned long)entry,
							   PAGE_SIZE);
	s->tables[s->nr_tables].base = base;
	s->tables[s->nr_tables].level = level;
	s->nr_tables++;
}

static void hr_record_leaf(struct hr_snap *s, enum hr_level level,
			   unsigned long addr, u64 val, bool cont,
			   struct page *page)
{
	static const unsigned long size[] = { PAGE_SIZE, PMD_SIZE, PUD_SIZE };
	static const unsigned long cont_size[] = { CONT_PTE_SIZE, CONT_PMD_SIZE, 0 };
	int l;

	/* Leaves come in address order: a table is new if its base is. */
	for (l = level; l < HR_NR_LEVELS; l++) {
		unsigned long base = ALIGN_DOWN(addr, hr_geo.span[l]);

		if (!hr_geo.real[l] || s->last_need[l] == base)
			continue;
		s->last_need[l] = base;
		if (s->nr_need == HR_MAX_TABLES) {
			s->overflow = true;
			break;
		}
		s->need[s->nr_need].base = base;
		s->need[s->nr_need].level = l;
		s->nr_need++;
	}
	s->max_leaf = max(s->max_leaf, cont ? cont_size[level] : size[level]);
	s->nr_leaves++;
	if (level != HR_PTE)
		s->nr_blocks++;
	if (cont)
		s->nr_cont++;
	s->leaf_hash = hash_64(s->leaf_hash ^ addr ^ (val * GOLDEN_RATIO_64), 64);
	if (!s->collect_pages)
		return;
	if (s->nr_pages == HR_MAX_PAGES) {
		s->overflow = true;
		return;
	}
	s->pages[s->nr_pages++] = page;
}

/* The walkers follow the structure of the teardown helpers in mmu.c. */
static void hr_walk_pte(struct hr_snap *s, pmd_t *pmdp, unsigned long addr,
			unsigned long end)
{
	pte_t *ptep = pte_offset_kernel(pmdp, addr);

	hr_record_table(s, ptep, addr & PMD_MASK, HR_PTE);
	do {
		pte_t pte;

		ptep = pte_offset_kernel(pmdp, addr);
		pte = __ptep_get(ptep);
		if (pte_none(pte))
			continue;
		hr_record_leaf(s, HR_PTE, addr, pte_val(pte), pte_cont(pte),
			       pte_page(pte));
	} while (addr += PAGE_SIZE, addr < end);
}

static void hr_walk_pmd(struct hr_snap *s, pud_t *pudp, unsigned long addr,
			unsigned long end)
{
	unsigned long next;

	if (hr_geo.real[HR_PMD])
		hr_record_table(s, pmd_offset(pudp, addr), addr & PUD_MASK,
				HR_PMD);
	do {
		pmd_t *pmdp = pmd_offset(pudp, addr);
		pmd_t pmd = READ_ONCE(*pmdp);

		next = pmd_addr_end(addr, end);
		if (pmd_none(pmd))
			continue;
		if (pmd_leaf(pmd)) {
			hr_record_leaf(s, HR_PMD, addr, pmd_val(pmd),
				       pmd_cont(pmd), pmd_page(pmd));
			continue;
		}
		hr_walk_pte(s, pmdp, addr, next);
	} while (addr = next, addr < end);
}

static void hr_walk_pud(struct hr_snap *s, p4d_t *p4dp, unsigned long addr,
			unsigned long end)
{
	unsigned long next;

	if (hr_geo.real[HR_PUD])
		hr_record_table(s, pud_offset(p4dp, addr), addr & P4D_MASK,
				HR_PUD);
	do {
		pud_t *pudp = pud_offset(p4dp, addr);
		pud_t pud = READ_ONCE(*pudp);

		next = pud_addr_end(addr, end);
		if (pud_none(pud))
			continue;
		if (pud_leaf(pud)) {
			hr_record_leaf(s, HR_PUD, addr, pud_val(pud), false,
				       pud_page(pud));
			continue;
		}
		hr_walk_pmd(s, pudp, addr, next);
	} while (addr = next, addr < end);
}

static void hr_walk_p4d(struct hr_snap *s, pgd_t *pgdp, unsigned long addr,
			unsigned long end)
{
	unsigned long next;

	if (hr_geo.real[HR_P4D])
		hr_record_table(s, p4d_offset(pgdp, addr), addr & PGDIR_MASK,
				HR_P4D);
	do {
		p4d_t *p4dp = p4d_offset(pgdp, addr);
		p4d_t p4d = READ_ONCE(*p4dp);

		next = p4d_addr_end(addr, end);
		if (p4d_none(p4d))
			continue;
		hr_walk_pud(s, p4dp, addr, next);
	} while (addr = next, addr < end);
}

/* Record every table and leaf that maps [start, end) in the kernel tables. */
void hr_snapshot(struct hr_snap *s, unsigned long start, unsigned long end,
		 bool collect_pages)
{
	unsigned long addr = start, next;

	memset(s, 0, offsetof(struct hr_snap, pages));
	s->collect_pages = collect_pages;
	do {
		pgd_t *pgdp = pgd_offset_k(addr);
		pgd_t pgd = READ_ONCE(*pgdp);

		next = pgd_addr_end(addr, end);
		if (pgd_none(pgd))
			continue;
		hr_walk_p4d(s, pgdp, addr, next);
	} while (addr = next, addr < end);
}
EXPORT_SYMBOL_IF_KUNIT(hr_snapshot);

bool hr_snap_has(const struct hr_snap *s, const struct hr_table *t)
{
	unsigned int i;

	for (i = 0; i < s->nr_tables; i++)
		if (s->tables[i].table == t->table &&
		    s->tables[i].level == t->level &&
		    s->tables[i].base == t->base)
			return true;
	return false;
}

/* Whether s holds a table of t's level that maps t's base. */
static bool hr_snap_maps(const struct hr_snap *s, const struct hr_table *t)
{
	unsigned int i;

	for (i = 0; i < s->nr_tables; i++)
		if (s->tables[i].level == t->level &&
		    s->tables[i].base == t->base)
			return true;
	return false;
}

bool hr_same_tables(const struct hr_snap *a, const struct hr_snap *b)
{
	unsigned int i;

	if (a->nr_tables != b->nr_tables || a->overflow || b->overflow)
		return false;
	for (i = 0; i < a->nr_tables; i++)
		if (!hr_snap_has(b, &a->tables[i]))
			return false;
	return true;
}

void hr_count_levels(const struct hr_snap *s, unsigned int count[HR_NR_LEVELS])
{
	unsigned int i;

	memset(count, 0, HR_NR_LEVELS * sizeof(*count));
	for (i = 0; i < s->nr_tables; i++)
		count[s->tables[i].level]++;
}

/* ------------------------------------------------------------------------ */

unsigned long hr_phys_off(unsigned long va)
{
	return va & (HR_ALIAS_ALIGN - 1);
}
EXPORT_SYMBOL_IF_KUNIT(hr_phys_off);

/* Map r the way the case's region is mapped by hot-add. */
int hr_map(struct kunit *test, const struct hr_plan *p, const struct hr_range *r)
{
	unsigned long addr;
	int ret;

	if (p->region == HR_LINEAR) {
		if (hr_phys_off(r->start) + (r->end - r->start) > hr_geo.alias_size) {
			kunit_skip(test,
				   "needs %lu MiB of RAM to alias block mappings, have %llu: boot with -m 2048",
				   DIV_ROUND_UP(hr_phys_off(r->start) + r->end - r->start, SZ_1M),
				   (u64)hr_geo.alias_size >> 20);
			return -ENOMEM;
		}
		__create_pgd_mapping(swapper_pg_dir,
				     hr_geo.alias_base + hr_phys_off(r->start),
				     r->start, r->end - r->start, PAGE_KERNEL_RO,
				     hr_pgtable_alloc,
				     NO_EXEC_MAPPINGS | p->map_flags);
		return 0;
	}

	/* vmemmap_populate() takes at most one section at a time. */
	for (addr = r->start; addr < r->end; ) {
		unsigned long next = min(ALIGN(addr + 1, hr_geo.sect_vmemmap), r->end);

		ret = vmemmap_populate(addr, next, numa_mem_id(), NULL);
		if (ret)
			return ret;
		addr = next;
	}
	return 0;
}

/* Tear down @r the way hot-remove tears down @p's region. */
static void hr_teardown(const struct hr_plan *p, const struct hr_range *r)
{
	if (p->own_limits) {
		unmap_hotplug_range(r->start, r->end, p->region == HR_VMEMMAP,
				    NULL);
		free_empty_tables(r->start, r->end, p->floor, p->ceiling);
	} else if (p->region == HR_LINEAR) {
		__remove_pgd_mapping(swapper_pg_dir, r->start,
				     r->end - r->start);
	} else {
		vmemmap_free(r->start, r->end, NULL);
	}
}

/*
 * Map @r and tear it down again under the memory hotplug lock, as hot-add
 * and hot-remove do; false if it could not be mapped.
 */
bool hr_map_remove(struct kunit *test, const struct hr_plan *p,
		   const struct hr_range *r)
{
	bool ok;

	mem_hotplug_begin();
	ok = !hr_map(test, p, r);
	hr_teardown(p, r);
	mem_hotplug_done();
	return ok;
}
EXPORT_SYMBOL_IF_KUNIT(hr_map_remove);

/*
 * Walk [@start, @end) into @s holding what ptdump_walk_pgd() holds,
 * get_online_mems(); false if a table it meets is a free page.
 */
bool hr_tables_live(struct hr_snap *s, unsigned long start, unsigned long end)
{
	bool ok = true;
	unsigned int i;

	get_online_mems();
	hr_snapshot(s, start, end, false);
	for (i = 0; i < s->nr_tables; i++) {
		struct page *page = virt_to_page(s->tables[i].table);

		if (PageBuddy(page) || !page_ref_count(page))
			ok = false;
	}
	put_online_mems();
	return ok;
}
EXPORT_SYMBOL_IF_KUNIT(hr_tables_live);

/* Remove whatever a case left in the windows, whatever happened to it. */
static void hr_clean_windows(void)
{
	unmap_hotplug_range(hr_geo.lin_lo, hr_geo.lin_hi, false, NULL);
	free_empty_tables(hr_geo.lin_lo, hr_geo.lin_hi, PAGE_OFFSET, PAGE_END);
	vmemmap_free(hr_geo.vmem_lo, hr_geo.vmem_hi, NULL);
}

void hr_get(struct hr_case_ctx *c, struct page *page)
{
	get_page(page);
	c->refs[c->nr_refs++] = page;
}

static void hr_put_all(struct hr_case_ctx *c)
{
	while (c->nr_refs) {
		struct page *page = c->refs[--c->nr_refs];

		/* A page the kernel freed twice is gone already: leak it. */
		if (page_ref_count(page) > 0)
			put_page(page);
	}
}

static void hr_scope(const struct hr_plan *p, struct hr_range *scope)
{
	int i;

	*scope = p->remove;
	for (i = 0; i < HR_MAX_RANGES; i++) {
		const struct hr_range *r[] = { &p->map[i], &p->keep[i] };
		int j;

		for (j = 0; j < ARRAY_SIZE(r); j++) {
			if (r[j]->start == r[j]->end)
				continue;
			scope->start = min(scope->start, r[j]->start);
			scope->end = max(scope->end, r[j]->end);
		}
	}
}

static void hr_keep_state(struct hr_snap *s, const struct hr_plan *p,
			  unsigned long *leaves, u64 *hash)
{
	int i;

	*leaves = 0;
	*hash = 0;
	for (i = 0; i < HR_MAX_RANGES; i++) {
		if (p->keep[i].start == p->keep[i].end)
			continue;
		hr_snapshot(s, p->keep[i].start, p->keep[i].end, false);
		*leaves += s->nr_leaves;
		*hash ^= hash_64(s->leaf_hash + i, 64);
	}
}

/* The mapping helpers must have built the leaves the case is about in r. */
void hr_check_shape(struct kunit *test, const struct hr_plan *p,
		    const struct hr_range *r)
{
	struct hr_case_ctx *c = test->priv;

	hr_snapshot(&c->probe, r->start, r->end, false);
	if (p->want_blocks)
		KUNIT_ASSERT_EQ_MSG(test, c->probe.nr_blocks,
				    (unsigned long)p->want_blocks,
				    "block mappings expected in [%lx, %lx)",
				    r->start, r->end);
	if (p->want_cont)
		KUNIT_ASSERT_EQ_MSG(test, c->probe.nr_cont, c->probe.nr_leaves,
				    "contiguous mappings expected in [%lx, %lx)",
				    r->start, r->end);
}

#define HR_PROBES	(3 * HR_MAX_RANGES)

/*
 * Addresses the case maps inside the removed range: the first, a middle
 * and the last word of each mapped range.
 */
static unsigned int hr_probes(const struct hr_plan *p, unsigned long *addr)
{
	unsigned int i, n = 0;

	for (i = 0; i < HR_MAX_RANGES; i++) {
		unsigned long s = max(p->map[i].start, p->remove.start);
		unsigned long e = min(p->map[i].end, p->remove.end);

		if (s >= e)
			continue;
		addr[n++] = s;
		addr[n++] = ALIGN_DOWN(s + (e - s) / 2, sizeof(u64));
		addr[n++] = e - sizeof(u64);
	}
	return n;
}

/* Whether a read of @addr translates, without faulting the kernel. */
static bool hr_translates(unsigned long addr)
{
	u64 v;

	return !copy_from_kernel_nofault(&v, (void *)addr, sizeof(v));
}

/*
 * Map what the plan maps, tear down what it removes, and check the result
 * against the plan: no leaf left in the removed range, neighbours unchanged,
 * tables that existed before kept, and each table the case allocated freed
 * exactly once when it lies within the floor and ceiling, kept otherwise.
 * How many tables of each level go and stay is also computed from the
 * leaves and the table spans, and must match what the walker saw.
 * The addresses it maps are read before the teardown, so that the TLB holds
 * their translations, and must not translate after it: a missing TLB
 * invalidation shows, since QEMU keeps a TLB of its own.
 */
void hr_run_plan(struct kunit *test, const struct hr_plan *p)
{
	struct hr_case_ctx *c = test->priv;
	unsigned int want_freed[HR_NR_LEVELS] = {}, got_freed[HR_NR_LEVELS] = {};
	unsigned int want_kept[HR_NR_LEVELS] = {}, got_kept[HR_NR_LEVELS] = {};
	unsigned long keep_leaves, keep_leaves2, floor, ceiling;
	u64 keep_hash, keep_hash2;
	struct page *alias_page = NULL;
	int alias_refs = 0;
	unsigned long probe[HR_PROBES];
	struct hr_range scope;
	unsigned int i, nr_backing, nr_probes;
	int lvl;

	hr_scope(p, &scope);
	floor = p->own_limits ? p->floor :
		(p->region == HR_LINEAR ? PAGE_OFFSET : VMEMMAP_START);
	ceiling = p->own_limits ? p->ceiling :
		(p->region == HR_LINEAR ? PAGE_END : VMEMMAP_END);

	hr_snapshot(&c->probe, scope.start, scope.end, false);
	KUNIT_ASSERT_EQ_MSG(test, c->probe.nr_leaves, 0UL,
			    "range [%lx, %lx) is not free before the case",
			    scope.start, scope.end);

	for (i = 0; i < HR_MAX_RANGES; i++)
		if (p->keep[i].start != p->keep[i].end)
			KUNIT_ASSERT_EQ(test, hr_map(test, p, &p->keep[i]), 0);

	hr_snapshot(&c->before, scope.start, scope.end, false);
	hr_keep_state(&c->probe, p, &keep_leaves, &keep_hash);

	for (i = 0; i < HR_MAX_RANGES; i++)
		if (p->map[i].start != p->map[i].end)
			KUNIT_ASSERT_EQ(test, hr_map(test, p, &p->map[i]), 0);

	hr_snapshot(&c->mapped, scope.start, scope.end, false);
	KUNIT_ASSERT_FALSE(test, c->before.overflow || c->mapped.overflow);

	/* The mapping helpers must have produced the shape the case is about. */
	hr_check_shape(test, p, &p->remove);

	hr_snapshot(&c->probe, p->remove.start, p->remove.end,
		    p->region == HR_VMEMMAP);
	KUNIT_ASSERT_FALSE(test, c->probe.overflow);

	/* Extra references: vmemmap backing pages, then new tables. */
	nr_backing = c->probe.nr_pages;
	for (i = 0; i < nr_backing; i++)
		hr_get(c, c->probe.pages[i]);
	for (i = 0; i < c->mapped.nr_tables; i++)
		if (!hr_snap_has(&c->before, &c->mapped.tables[i]))
			hr_get(c, virt_to_page(c->mapped.tables[i].table));
	/* The first page of RAM the case mapped: its teardown must not free it. */
	if (p->region == HR_LINEAR && p->map[0].start != p->map[0].end) {
		alias_page = phys_to_page(hr_geo.alias_base +
					  hr_phys_off(p->map[0].start));
		alias_refs = page_ref_count(alias_page);
	}

	nr_probes = hr_probes(p, probe);
	for (i = 0; i < nr_probes; i++)
		KUNIT_ASSERT_TRUE_MSG(test, hr_translates(probe[i]),
				      "%lx is not readable before the teardown",
				      probe[i]);

	hr_teardown(p, &p->remove);

	for (i = 0; i < nr_probes; i++)
		KUNIT_EXPECT_FALSE_MSG(test, hr_translates(probe[i]),
				       "%lx still translates after the teardown: a stale TLB entry",
				       probe[i]);

	hr_snapshot(&c->probe, p->remove.start, p->remove.end, false);
	KUNIT_EXPECT_EQ_MSG(test, c->probe.nr_leaves, 0UL,
			    "leaf entries left in [%lx, %lx)",
			    p->remove.start, p->remove.end);

	hr_keep_state(&c->probe, p, &keep_leaves2, &keep_hash2);
	KUNIT_EXPECT_EQ_MSG(test, keep_leaves2, keep_leaves,
			    "mappings outside [%lx, %lx) were removed",
			    p->remove.start, p->remove.end);
	KUNIT_EXPECT_EQ_MSG(test, keep_hash2, keep_hash,
			    "mappings outside [%lx, %lx) were changed",
			    p->remove.start, p->remove.end);

	/*
	 * How many tables each level must free and keep, from the leaves the
	 * case mapped and the table spans: a table the leaves need that did
	 * not exist before must go when it lies within the floor and ceiling,
	 * and stay otherwise.
	 */
	for (i = 0; i < c->mapped.nr_need; i++) {
		const struct hr_table *t = &c->mapped.need[i];
		unsigned long end = t->base + hr_geo.span[t->level];

		if (hr_snap_maps(&c->before, t))
			continue;
		if (t->base >= floor && end - 1 <= ceiling - 1)
			want_freed[t->level]++;
		else
			want_kept[t->level]++;
	}

	hr_snapshot(&c->after, scope.start, scope.end, false);
	for (i = 0; i < c->before.nr_tables; i++)
		KUNIT_EXPECT_TRUE_MSG(test,
				      hr_snap_has(&c->after, &c->before.tables[i]),
				      "pre-existing %s table for %lx was freed",
				      hr_level_name[c->before.tables[i].level],
				      c->before.tables[i].base);

	for (i = 0; i < c->mapped.nr_tables; i++) {
		const struct hr_table *t = &c->mapped.tables[i];
		unsigned long end = t->base + hr_geo.span[t->level];
		bool inside = t->base >= floor && end - 1 <= ceiling - 1;
		bool present = hr_snap_has(&c->after, t);
		int refs = page_ref_count(virt_to_page(t->table));

		if (hr_snap_has(&c->before, t))
			continue;
		if (inside) {
			KUNIT_EXPECT_FALSE_MSG(test, present,
					       "empty %s table [%lx, %lx) inside [%lx, %lx) still linked",
					       hr_level_name[t->level], t->base,
					       end, floor, ceiling);
			KUNIT_EXPECT_EQ_MSG(test, refs, 1,
					    "%s table [%lx, %lx): %s",
					    hr_level_name[t->level], t->base,
					    end, refs > 1 ? "not freed" :
					    "freed more than once");
		} else {
			KUNIT_EXPECT_TRUE_MSG(test, present,
					      "%s table [%lx, %lx) reaches past [%lx, %lx) but was unlinked",
					      hr_level_name[t->level], t->base,
					      end, floor, ceiling);
			KUNIT_EXPECT_EQ_MSG(test, refs, 2,
					    "%s table [%lx, %lx) reaching past the limits was freed",
					    hr_level_name[t->level], t->base,
					    end);
		}
		if (present)
			got_kept[t->level]++;
		else
			got_freed[t->level]++;
	}
	for (lvl = 0; lvl < HR_NR_LEVELS; lvl++) {
		KUNIT_EXPECT_EQ_MSG(test, got_freed[lvl], want_freed[lvl],
				    "%s tables freed, against those the leaves needed",
				    hr_level_name[lvl]);
		KUNIT_EXPECT_EQ_MSG(test, got_kept[lvl], want_kept[lvl],
				    "new %s tables kept, against those the leaves needed",
				    hr_level_name[lvl]);
	}

	for (i = 0; i < nr_backing; i++) {
		int refs = page_ref_count(c->refs[i]);

		KUNIT_EXPECT_EQ_MSG(test, refs, 1,
				    "vmemmap backing page %d of [%lx, %lx): %s",
				    i, p->remove.start, p->remove.end,
				    refs > 1 ? "not freed" : "freed more than once");
	}
	if (alias_page)
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(alias_page), alias_refs,
				    "linear-map teardown touched the memory it mapped");

	kunit_info(test,
		   "freed pte/pmd/pud/p4d %u/%u/%u/%u kept %u/%u/%u/%u backing %u\n",
		   got_freed[HR_PTE], got_freed[HR_PMD], got_freed[HR_PUD],
		   got_freed[HR_P4D], got_kept[HR_PTE], got_kept[HR_PMD],
		   got_kept[HR_PUD], got_kept[HR_P4D], nr_backing);
}

/* ------------------------------------------------------------------------ */
/*
 * Scenarios.  Each fills a plan from the geometry; one that the running
 * configuration cannot express still gets its name, and says why in
 * plan->skip.
 */

#define HR_P	PAGE_SIZE

static const char hr_cont_pmd_too_big[] =
	"a contiguous pmd run is 16 GiB with 64K pages: more RAM than the case can alias";

void hr_set(struct hr_range *r, unsigned long start, unsigned long end)
{
	r->start = start;
	r->end = end;
}

/* A PTE-table-aligned address in the linear window, with fresh tables above. */
static unsigned long hr_lin_anchor(void)
{
	return hr_geo.lin_hi - 4 * PMD_SIZE;
}

static bool hr_lin_ok(struct hr_plan *p, unsigned long start)
{
	if (start >= hr_geo.lin_lo)
		return true;
	p->skip = "the range starts below the unused top of the linear map";
	return false;
}

static bool hr_no_level(struct hr_plan *p, int lvl)
{
	if (hr_geo.real[lvl])
		return false;
	p->skip = lvl == HR_PMD ? "no pmd level: two levels" :
		  lvl == HR_PUD ? "no pud level at run time" :
				  "no p4d level at run time";
	return true;
}

static bool hr_lin_pages(struct hr_plan *p, const char *desc,
			 unsigned long start, unsigned long end)
{
	p->region = HR_LINEAR;
	p->map_flags = NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS;
	hr_set(&p->map[0], start, end);
	hr_set(&p->remove, start, end);
	snprintf(p->desc, sizeof(p->desc), "%s", desc);
	return hr_lin_ok(p, start);
}

bool hr_plan_linear(struct hr_plan *p, int arg)
{
	unsigned long a = hr_lin_anchor(), b, sect;
	int lvl;

	switch (arg) {
	case 0:
		return hr_lin_pages(p, "linear: one page", a, a + HR_P);
	case 1:
		return hr_lin_pages(p, "linear: unaligned pages", a + 3 * HR_P,
				    a + 7 * HR_P);
	case 2:
		return hr_lin_pages(p, "linear: whole pte table", a,
				    a + PMD_SIZE);
	case 3:
		hr_lin_pages(p, "linear: middle of mapped pages, rest kept",
			     a + 2 * HR_P, a + 6 * HR_P);
		hr_set(&p->keep[0], a, a + 2 * HR_P);
		hr_set(&p->keep[1], a + 6 * HR_P, a + 8 * HR_P);
		return true;
	case 4:
		hr_lin_pages(p, "linear: neighbour in next pte table kept",
			     a, a + 4 * HR_P);
		hr_set(&p->keep[0], a + PMD_SIZE, a + PMD_SIZE + 4 * HR_P);
		return true;
	case 5:
		return hr_lin_pages(p, "linear: ceiling of the linear map",
				    hr_geo.lin_hi - 4 * HR_P, hr_geo.lin_hi);
	case 6:
		/* A failed hot-add: pieces mapped, one pte table never allocated. */
		hr_lin_pages(p, "linear: partially populated range", a,
			     a + 3 * PMD_SIZE);
		hr_set(&p->map[0], a, a + 2 * HR_P);
		hr_set(&p->map[1], a + 6 * HR_P, a + 8 * HR_P);
		hr_set(&p->map[2], a + 2 * PMD_SIZE + 5 * HR_P,
		       a + 2 * PMD_SIZE + 9 * HR_P);
		return true;
	case 7:
		hr_lin_pages(p, "linear: range never mapped", a, a + PMD_SIZE);
		hr_set(&p->map[0], 0, 0);
		return true;
	case 8:
		/* What hot-add of one section builds with rodata=full. */
		sect = 1UL << SECTION_SIZE_BITS;
		b = ALIGN_DOWN(hr_geo.lin_hi - 2 * sect, sect);
		return hr_lin_pages(p, "linear: one memory section", b,
				    b + sect);
	case 9 ... 11:
		/* Straddle the boundary between two tables of one level. */
		lvl = HR_PMD + (arg - 9);
		b = ALIGN_DOWN(hr_geo.lin_hi, hr_geo.span[lvl]) - hr_geo.span[lvl];
		hr_lin_pages(p, "", b - 2 * HR_P, b + 2 * HR_P);
		snprintf(p->desc, sizeof(p->desc),
			 "linear: straddles two %s tables", hr_level_name[lvl]);
		if (hr_no_level(p, lvl))
			return false;
		if (b - 2 * HR_P >= hr_geo.lin_lo && b - 2 * HR_P < b)
			return true;
		p->skip = "a table of that level is larger than the unused linear map";
		return false;
	case 12:
		b = hr_geo.lin_hi - 2 * PMD_SIZE;
		return hr_lin_pages(p, "linear: straddles two pte tables",
				    b - 2 * HR_P, b + 2 * HR_P);
	}
	return false;
}

static bool hr_lin_blocks(struct hr_plan *p, const char *desc,
			  unsigned long start, unsigned long end,
			  unsigned int blocks, bool cont)
{
	p->region = HR_LINEAR;
	p->map_flags = 0;
	hr_set(&p->map[0], start, end);
	hr_set(&p->remove, start, end);
	p->want_blocks = blocks;
	p->want_cont = cont;
	snprintf(p->desc, sizeof(p->desc), "%s", desc);
	return hr_lin_ok(p, start);
}

bool hr_plan_block(struct hr_plan *p, int arg)
{
	/* 1G aligned and below the ceiling: every block size fits here. */
	unsigned long a = ALIGN_DOWN(hr_geo.lin_hi - 3 * (unsigned long)SZ_1G,
				     SZ_1G);

	if (PMD_SIZE > SZ_1G)
		a = ALIGN_DOWN(hr_geo.lin_hi - 3 * PMD_SIZE, PMD_SIZE);

	switch (arg) {
	case 0:
		return hr_lin_blocks(p, "linear: one pmd block", a,
				     a + PMD_SIZE, 1, false);
	case 1:
		if (!hr_lin_blocks(p, "linear: one pud block", a, a + PUD_SIZE,
				   1, false))
			return false;
		if (pud_sect_supported())
			return true;
		p->skip = "no pud blocks without 4K pages";
		return false;
	case 2:
		return hr_lin_blocks(p, "linear: contiguous ptes", a,
				     a + CONT_PTE_SIZE, 0, true);
	case 3:
		if (!hr_lin_blocks(p, "linear: contiguous pmd blocks", a,
				   a + CONT_PMD_SIZE, CONT_PMDS, true))
			return false;
		/*
		 * With two levels the mapping code meets one PMD (pgd) entry at
		 * a time and never sets the contiguous bit on them.  With 64K
		 * pages a CONT_PMD run is 16G, more RAM than the case aliases.
		 */
		if (hr_no_level(p, HR_PMD))
			return false;
		if (CONT_PMD_SIZE <= SZ_1G)
			return true;
		p->skip = hr_cont_pmd_too_big;
		return false;
	case 4:
		return hr_lin_blocks(p, "linear: pmd block with pages each side",
				     a - 4 * HR_P, a + PMD_SIZE + 4 * HR_P, 1,
				     false);
	case 5:
		/* One memory block, as rodata=on maps one that is hot-added alone. */
		return hr_lin_blocks(p, "linear: one memory block, largest leaves",
				     a, a + memory_block_size_bytes(), 0, false);
	}
	return false;
}

static bool hr_vmem(struct hr_plan *p, const char *desc, unsigned long start,
		    unsigned long end)
{
	p->region = HR_VMEMMAP;
	hr_set(&p->map[0], start, end);
	hr_set(&p->remove, start, end);
	snprintf(p->desc, sizeof(p->desc), "%s", desc);
	if (start >= hr_geo.vmem_lo && end <= hr_geo.vmem_hi)
		return true;
	p->skip = "the range lies outside the unused part of the vmemmap";
	return false;
}

bool hr_plan_vmemmap(struct hr_plan *p, int arg)
{
	unsigned long sv = hr_geo.sect_vmemmap;
	unsigned long v = ALIGN(hr_geo.vmem_lo, 8 * sv), b, span;

	switch (arg) {
	case 0:
		return hr_vmem(p, "vmemmap: one section", v, v + sv);
	case 1:
		return hr_vmem(p, "vmemmap: part of a section", v, v + sv / 4);
	case 2:
		hr_vmem(p, "vmemmap: second of two sections", v + sv,
			v + 2 * sv);
		hr_set(&p->keep[0], v, v + sv);
		return true;
	case 3:
		return hr_vmem(p, "vmemmap: section at the ceiling",
			       hr_geo.vmem_hi - sv, hr_geo.vmem_hi);
	case 4:
		hr_vmem(p, "vmemmap: partially populated section", v, v + sv);
		hr_set(&p->map[0], v, v + sv / 4);
		hr_set(&p->map[1], v + sv / 2, v + 3 * sv / 4);
		return true;
	case 5:
		/* Straddle the table that holds the vmemmap's leaf entries. */
		span = IS_ENABLED(CONFIG_ARM64_4K_PAGES) ? PUD_SIZE : PMD_SIZE;
		b = ALIGN(v + 4 * sv, span);
		if (!hr_vmem(p, "vmemmap: sections straddle two tables",
			     b - sv, b + sv))
			return false;
		if (b + 4 * sv <= hr_geo.vmem_hi)
			return true;
		p->skip = "no table boundary inside the unused part of the vmemmap";
		return false;
	case 6:
		/* Pages whose table stays: only their own TLB entries go. */
		hr_vmem(p, "vmemmap: part of a section, the rest kept", v,
			v + sv / 4);
		hr_set(&p->keep[0], v + sv / 4, v + sv / 2);
		return true;
	}
	return false;
}

/*
 * A table of level lvl that one entry keeps alive: its first, its last or
 * a middle one, with the rest of the table removed, from its first entry
 * or up to its last.  The removal leaves a mapped neighbour entry empty;
 * the table must stay, and the kept entry must not change.
 */
bool hr_plan_index(struct hr_plan *p, int arg)
{
	static const char * const what[] = {
		"first entry kept, the rest removed",
		"last entry kept, the rest removed",
		"middle entry kept, removal from the first",
		"middle entry kept, removal up to the last",
	};
	int lvl = arg / ARRAY_SIZE(what), kind = arg % ARRAY_SIZE(what);
	unsigned long span, entry, nr, t, k, nb;

	if (lvl >= HR_NR_LEVELS)
		return false;
	snprintf(p->desc, sizeof(p->desc), "%s table: %s",
		 hr_level_name[lvl], what[kind]);
	if (hr_no_level(p, lvl))
		return false;
	span = hr_geo.span[lvl];
	entry = lvl == HR_PTE ? HR_P : hr_geo.span[lvl - 1];
	nr = span / entry;
	t = ALIGN_DOWN(hr_geo.lin_hi, span) - span;
	if (t < hr_geo.lin_lo || t >= hr_geo.lin_hi) {
		p->skip = "a table of that level is larger than the unused linear map";
		return false;
	}

	p->region = HR_LINEAR;
	p->map_flags = NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS;
	switch (kind) {
	case 0:
		k = 0;
		nb = 1;
		hr_set(&p->remove, t + entry, t + span);
		break;
	case 1:
		k = nr - 1;
		nb = nr - 2;
		hr_set(&p->remove, t, t + span - entry);
		break;
	case 2:
		k = nr / 2;
		nb = k - 1;
		hr_set(&p->remove, t, t + k * entry);
		break;
	default:
		k = nr / 2;
		nb = k + 1;
		hr_set(&p->remove, t + nb * entry, t + span);
		break;
	}
	hr_set(&p->keep[0], t + k * entry, t + k * entry + HR_P);
	hr_set(&p->map[0], t + nb * entry, t + nb * entry + HR_P);
	return true;
}

/*
 * Own floor or ceiling: a limit aligned to the tables of level lvl - 1 but
 * not to those of level lvl keeps the level-lvl table and all above it.
 * A ceiling of 0 stands for the top of the address space: with the floor
 * at the start of a level-lvl table, that table goes.
 */
bool hr_plan_limits(struct hr_plan *p, int arg)
{
	enum { HR_FLOOR, HR_CEILING, HR_NO_CEILING } kind = arg % 3;
	int lvl = arg / 3;
	unsigned long x, cut, below;

	if (lvl >= HR_NR_LEVELS)
		return false;
	if (kind == HR_NO_CEILING)
		snprintf(p->desc, sizeof(p->desc),
			 "no ceiling (0) frees the %s table", hr_level_name[lvl]);
	else
		snprintf(p->desc, sizeof(p->desc), "%s cuts the %s table",
			 kind == HR_CEILING ? "ceiling" : "floor",
			 hr_level_name[lvl]);
	if (hr_no_level(p, lvl))
		return false;
	below = lvl == HR_PTE ? 4 * HR_P : hr_geo.span[lvl - 1];
	x = ALIGN_DOWN(hr_geo.lin_hi, hr_geo.span[lvl]) - 2 * hr_geo.span[lvl];
	if (x < hr_geo.lin_lo || x > hr_geo.lin_hi) {
		p->skip = "two tables of that level are larger than the unused linear map";
		return false;
	}

	p->region = HR_LINEAR;
	p->map_flags = NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS;
	p->own_limits = true;
	switch (kind) {
	case HR_FLOOR:
		cut = x + below;
		hr_set(&p->map[0], cut, cut + 4 * HR_P);
		p->floor = cut;
		p->ceiling = hr_geo.lin_hi;
		break;
	case HR_CEILING:
		cut = x + hr_geo.span[lvl] - below;
		hr_set(&p->map[0], cut - 4 * HR_P, cut);
		p->floor = hr_geo.lin_lo;
		p->ceiling = cut;
		break;
	case HR_NO_CEILING:
		hr_set(&p->map[0], x, x + 4 * HR_P);
		p->floor = x;
		p->ceiling = 0;
		break;
	}
	p->remove = p->map[0];
	return true;
}

/* ------------------------------------------------------------------------ */

/*
 * Unused physical address space for a memmap that is never backed by a
 * mapping of its own: below the top of the linear window and of what
 * sparsemem can describe.
 */
phys_addr_t hr_unused_phys(unsigned long size)
{
	struct range plug = mhp_get_pluggable_range(true);
	u64 top = min3((u64)__pa(hr_geo.lin_hi - 1), (u64)plug.end,
		       (1ULL << MAX_PHYSMEM_BITS) - 1) + 1;

	return ALIGN_DOWN(top - 2 * size, size);
}

/*
 * Prepare a hot-add of @size bytes of the RAM that mem= hid, aligned to
 * @size where it fits, so that the largest leaves can form.
 */
void hr_hotadd_init(struct kunit *test, struct hr_hotadd *h, unsigned long size)
{
	phys_addr_t end = hr_geo.hidden_start + hr_geo.hidden_size;

	if (!hr_geo.hidden_size)
		kunit_skip(test, "no RAM hidden with mem=: boot with mem= below the RAM size");
	h->size = size;
	h->phys = ALIGN(hr_geo.hidden_start, size);
	if (h->phys + size > end)
		h->phys = hr_geo.hidden_start;
	if (h->phys + size > end)
		kunit_skip(test, "needs %lu MiB of RAM hidden with mem=, have %llu MiB",
			   size >> 20, (u64)hr_geo.hidden_size >> 20);
	h->va = (unsigned long)__va(h->phys);
	h->vs = (unsigned long)pfn_to_page(PHYS_PFN(h->phys));
	h->ve = h->vs + PHYS_PFN(size) * sizeof(struct page);
	h->saved_max_pfn = max_pfn;
	h->saved_max_low_pfn = max_low_pfn;
	KUNIT_ASSERT_TRUE(test, mhp_range_allowed(h->phys, size, true));
}

/* arch_add_memory() of the range, as add_memory() does it. */
int hr_hotadd_add(struct hr_hotadd *h, struct vmem_altmap *altmap)
{
	struct mhp_params params = { .pgprot = PAGE_KERNEL, .altmap = altmap };
	int ret;

	mem_hotplug_begin();
	ret = arch_add_memory(numa_mem_id(), h->phys, h->size, &params);
	mem_hotplug_done();
	return ret;
}

/* arch_remove_memory(), then max_pfn as it was: the memory never went online. */
void hr_hotadd_remove(struct hr_hotadd *h, struct vmem_altmap *altmap)
{
	mem_hotplug_begin();
	arch_remove_memory(h->phys, h->size, altmap, NULL);
	mem_hotplug_done();
	max_pfn = h->saved_max_pfn;
	max_low_pfn = h->saved_max_low_pfn;
}

/*
 * RAM that mem= hid from the kernel, in whole sections: the part of a memory
 * node of the device tree above the last memblock.
 */
static void hr_find_hidden(void)
{
	phys_addr_t sect = PAGES_PER_SECTION << PAGE_SHIFT;
	struct device_node *np;

	for_each_node_by_type(np, "memory") {
		struct resource r;
		phys_addr_t start, end;
		int i;

		for (i = 0; !of_address_to_resource(np, i, &r); i++) {
			start = ALIGN(max_t(phys_addr_t, r.start,
					    memblock_end_of_DRAM()), sect);
			end = ALIGN_DOWN(r.end + 1, sect);
			if (start < end && !hr_geo.hidden_size) {
				hr_geo.hidden_start = start;
				hr_geo.hidden_size = end - start;
			}
		}
	}
}

int hr_suite_init(struct kunit_suite *suite)
{
	unsigned long usable_lo = _PAGE_OFFSET(vabits_actual);
	struct hr_snap *s;

	hr_geo.real[HR_PTE] = true;
	hr_geo.real[HR_PMD] = CONFIG_PGTABLE_LEVELS > 2;
	hr_geo.real[HR_PUD] = pgtable_l4_enabled();
	hr_geo.real[HR_P4D] = pgtable_l5_enabled();
	hr_geo.span[HR_PTE] = PMD_SIZE;
	hr_geo.span[HR_PMD] = PUD_SIZE;
	hr_geo.span[HR_PUD] = P4D_SIZE;
	hr_geo.span[HR_P4D] = PGDIR_SIZE;
	hr_geo.levels = 1 + hr_geo.real[HR_PTE] + hr_geo.real[HR_PMD] +
		     hr_geo.real[HR_PUD] + hr_geo.real[HR_P4D];

	/* The upper half of the usable linear map holds no RAM in QEMU. */
	hr_geo.lin_hi = PAGE_END;
	hr_geo.lin_lo = hr_geo.lin_hi - (hr_geo.lin_hi - usable_lo) / 2;
	/*
	 * The struct pages of the linear window: unused too.  (The upper half
	 * of the vmemmap is not: a 52-bit kernel that fell back to 48 bits
	 * keeps its RAM, and so its memmap, near the top of both regions.)
	 */
	hr_geo.vmem_lo = VMEMMAP_START +
		      ((hr_geo.lin_lo - PAGE_OFFSET) >> PAGE_SHIFT) * sizeof(struct page);
	hr_geo.vmem_hi = VMEMMAP_START +
		      ((hr_geo.lin_hi - PAGE_OFFSET) >> PAGE_SHIFT) * sizeof(struct page);
	hr_geo.sect_vmemmap = PAGES_PER_SECTION * sizeof(struct page);

	hr_geo.alias_base = ALIGN(memblock_start_of_DRAM(), HR_ALIAS_ALIGN);
	hr_geo.alias_size = memblock_end_of_DRAM() > hr_geo.alias_base ?
			 memblock_end_of_DRAM() - hr_geo.alias_base : 0;
	hr_find_hidden();

	/*
	 * Every case relies on the windows being unused.  On a machine whose
	 * RAM reaches into them the cases skip, saying so (hr_test_init()).
	 */
	s = kzalloc_obj(*s, GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	hr_geo.busy = NULL;
	hr_snapshot(s, hr_geo.vmem_lo, hr_geo.vmem_hi, false);
	if (s->nr_leaves)
		hr_geo.busy = "the vmemmap window is in use: RAM reaches the top of the linear map";
	hr_snapshot(s, hr_geo.lin_lo, hr_geo.lin_hi, false);
	if (s->nr_leaves)
		hr_geo.busy = "the linear window is in use: RAM reaches the top of the linear map";
	kfree(s);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hr_suite_init);

int hr_test_init(struct kunit *test)
{
	struct hr_case_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	if (hr_geo.busy)
		kunit_skip(test, "%s", hr_geo.busy);
	test->priv = c;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hr_test_init);

void hr_test_exit(struct kunit *test)
{
	struct hr_case_ctx *c = test->priv;

	if (!c)
		return;
	/*
	 * Tear everything down first: a page whose last reference is ours
	 * must not be freed while a table still points at it.
	 */
	hr_clean_windows();
	hr_put_all(c);
}
EXPORT_SYMBOL_IF_KUNIT(hr_test_exit);

/*
 * Send MEM_GOING_OFFLINE to the arch memory notifier, as offline_pages()
 * does, for a memory block of what @p maps: the one at its start, or with
 * @last the one at its end (the first block of boot memory when @p is
 * NULL), without its own memmap when @skip_memmap (memmap_on_memory, as
 * memory_block_offline() does; the suite's kernels have no THP, so their
 * pageblocks are MAX_PAGE_ORDER and only memmap_on_memory=force applies).
 * Returns what the notifier said; skips where memmap_on_memory cannot.
 */
int hr_going_offline(struct kunit *test, const struct hr_plan *p,
		     bool skip_memmap, bool last)
{
	unsigned long block = memory_block_size_bytes();
	struct memory_notify arg = {};
	unsigned long memmap = PHYS_PFN(block) * sizeof(struct page);
	/* memmap_on_memory=force pads it to whole pageblocks: they may be larger. */
	unsigned long skip = PFN_PHYS(pageblock_align(PHYS_PFN(memmap)));
	unsigned long start = 0, end = 0;
	int ret;

	/* As mhp_supports_memmap_on_memory() asks, with arm64's (generic) arch check. */
	if (skip_memmap && (!IS_ALIGNED(memmap, PMD_SIZE) || skip >= block))
		kunit_skip(test,
			   "no memmap_on_memory: the memmap of a memory block is %lu KiB, not whole PMDs",
			   memmap >> 10);
	if (!p) {
		arg.start_pfn = PHYS_PFN(memblock_start_of_DRAM());
		arg.nr_pages = PHYS_PFN(block);
	} else {
		KUNIT_ASSERT_EQ(test, hr_map(test, p, &p->map[0]), 0);
		start = last ? p->map[0].end - block : p->map[0].start;
		KUNIT_ASSERT_TRUE(test, IS_ALIGNED(start, block));
		end = start + block;
		if (skip_memmap)
			start += skip;
		/* The notifier finds the linear map from the pfn, as for RAM. */
		arg.start_pfn = PHYS_PFN(__pa(start));
		arg.nr_pages = PHYS_PFN(end - start);
	}
	ret = hr_memory_notifier(NULL, MEM_GOING_OFFLINE, &arg);
	kunit_info(test, "going offline of [%lx, %lx) (pfn %lx, %lu pages): %s\n",
		   start, end, arg.start_pfn, arg.nr_pages,
		   ret == NOTIFY_OK ? "NOTIFY_OK" :
		   ret == NOTIFY_BAD ? "NOTIFY_BAD" : "other");
	return ret;
}
