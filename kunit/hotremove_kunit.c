// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for arm64 memory hot-remove page-table teardown.
 *
 * Each case builds mappings with the real mapping helpers (__create_pgd_mapping()
 * for the linear map, vmemmap_populate() for the vmemmap) over a synthetic
 * range in an unused part of the kernel address space, tears them down with
 * the real hot-remove helpers (__remove_pgd_mapping(), vmemmap_free(), or
 * unmap_hotplug_range() + free_empty_tables() with a chosen floor/ceiling),
 * and checks the result against an oracle computed by the test itself:
 *
 *  - no leaf entry is left in the removed range;
 *  - mappings outside the removed range are bit-for-bit unchanged;
 *  - tables that existed before the case are kept;
 *  - a table the case allocated is freed exactly when it lies entirely
 *    inside [floor, ceiling), and kept otherwise (counted per level);
 *  - every freed page (table or vmemmap backing) is freed exactly once.
 *
 * "Freed exactly once" is observed without hooks: the test takes an extra
 * reference on each page it expects the teardown to free, so the teardown's
 * free only drops a reference.  Afterwards a count of 1 means freed once,
 * 2 means leaked, 0 means freed twice.  The test then drops its own reference.
 *
 * The cases adapt to the page size, VA_BITS and the number of page-table
 * levels the kernel runs with, including run-time folding of 52-bit kernels
 * on CPUs without LPA2/LVA.  Parameters that a configuration cannot express
 * (for example PUD blocks with 64K pages) are not generated there.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/hash.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/memblock.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/memremap.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/pgalloc.h>
#include <linux/pgtable.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/memory.h>
#include <asm/mmu.h>
#include <asm/set_memory.h>

/* Table levels below the pgd, named after the entries they hold. */
enum hr_level { HR_PTE, HR_PMD, HR_PUD, HR_P4D, HR_NR_LEVELS };

static const char * const hr_level_name[HR_NR_LEVELS] = {
	"pte", "pmd", "pud", "p4d",
};

#define HR_MAX_TABLES	256
#define HR_MAX_PAGES	1024
/* Block mappings alias boot RAM from a 1G-aligned base, keeping block alignment. */
#define HR_ALIAS_ALIGN	SZ_1G

struct hr_geo {
	bool real[HR_NR_LEVELS];		/* level exists at run time */
	unsigned long span[HR_NR_LEVELS];	/* VA covered by one table */
	int levels;				/* run-time levels, pgd included */
	unsigned long lin_lo, lin_hi;		/* unused top of the linear map */
	unsigned long vmem_lo, vmem_hi;		/* unused top of the vmemmap */
	unsigned long sect_vmemmap;		/* vmemmap of one section */
	phys_addr_t alias_base, alias_size;	/* RAM that block cases alias */
	phys_addr_t hidden_start, hidden_size;	/* RAM that mem= hid, whole sections */
};

static struct hr_geo geo;

struct hr_table {
	void *table;
	unsigned long base;
	enum hr_level level;
};

struct hr_snap {
	unsigned int nr_tables;
	bool overflow;
	struct hr_table tables[HR_MAX_TABLES];
	unsigned long nr_leaves;	/* present leaf entries */
	unsigned long nr_blocks;	/* leaves above the pte level */
	unsigned long nr_cont;		/* leaves with the contiguous bit */
	unsigned long max_leaf;		/* largest leaf, a contiguous run counted whole */
	u64 leaf_hash;			/* address and value of every leaf */
	/* vmemmap backing pages of the leaves, when collected */
	unsigned int nr_pages;
	struct page *pages[HR_MAX_PAGES];
	bool collect_pages;
};

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

	if (geo.real[HR_PMD])
		hr_record_table(s, pmd_offset(pudp, addr), addr & PUD_MASK,
				HR_PMD);
	do {
		pmd_t *pmdp = pmd_offset(pudp, addr);
		pmd_t pmd = READ_ONCE(*pmdp);

		next = pmd_addr_end(addr, end);
		if (pmd_none(pmd))
			continue;
		if (pmd_sect(pmd)) {
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

	if (geo.real[HR_PUD])
		hr_record_table(s, pud_offset(p4dp, addr), addr & P4D_MASK,
				HR_PUD);
	do {
		pud_t *pudp = pud_offset(p4dp, addr);
		pud_t pud = READ_ONCE(*pudp);

		next = pud_addr_end(addr, end);
		if (pud_none(pud))
			continue;
		if (pud_sect(pud)) {
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

	if (geo.real[HR_P4D])
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
static void hr_snapshot(struct hr_snap *s, unsigned long start,
			unsigned long end, bool collect_pages)
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

static bool hr_snap_has(const struct hr_snap *s, const struct hr_table *t)
{
	unsigned int i;

	for (i = 0; i < s->nr_tables; i++)
		if (s->tables[i].table == t->table &&
		    s->tables[i].level == t->level &&
		    s->tables[i].base == t->base)
			return true;
	return false;
}

/* ------------------------------------------------------------------------ */

enum hr_region { HR_LINEAR, HR_VMEMMAP };

struct hr_range {
	unsigned long start, end;
};

#define HR_MAX_RANGES	3

/* One teardown scenario, computed from the running configuration. */
struct hr_plan {
	char desc[KUNIT_PARAM_DESC_SIZE];
	enum hr_region region;
	int map_flags;				/* linear: __create_pgd_mapping() */
	struct hr_range map[HR_MAX_RANGES];	/* mapped by the case */
	struct hr_range keep[HR_MAX_RANGES];	/* neighbours that must survive */
	struct hr_range remove;			/* what the teardown is given */
	bool own_limits;			/* floor/ceiling below, not the region's */
	unsigned long floor, ceiling;
	unsigned int want_blocks;		/* leaves above pte level expected */
	bool want_cont;				/* contiguous-bit leaves expected */
	bool split;				/* remove cuts a block or contiguous run */
};

static unsigned long hr_phys_off(unsigned long va)
{
	return va & (HR_ALIAS_ALIGN - 1);
}

/* Map r the way the case's region is mapped by hot-add. */
static int hr_map(struct kunit *test, const struct hr_plan *p,
		  const struct hr_range *r)
{
	unsigned long addr;
	int ret;

	if (p->region == HR_LINEAR) {
		if (hr_phys_off(r->start) + (r->end - r->start) > geo.alias_size) {
			kunit_skip(test,
				   "needs %lu MiB of RAM to alias block mappings, have %llu: boot with -m 2048",
				   (hr_phys_off(r->start) + r->end - r->start) >> 20,
				   (u64)geo.alias_size >> 20);
			return -ENOMEM;
		}
		__create_pgd_mapping(swapper_pg_dir,
				     geo.alias_base + hr_phys_off(r->start),
				     r->start, r->end - r->start, PAGE_KERNEL_RO,
				     __pgd_pgtable_alloc,
				     NO_EXEC_MAPPINGS | p->map_flags);
		return 0;
	}

	/* vmemmap_populate() takes at most one section at a time. */
	for (addr = r->start; addr < r->end; ) {
		unsigned long next = min(ALIGN(addr + 1, geo.sect_vmemmap), r->end);

		ret = vmemmap_populate(addr, next, numa_mem_id(), NULL);
		if (ret)
			return ret;
		addr = next;
	}
	return 0;
}

static void hr_teardown(const struct hr_plan *p)
{
	const struct hr_range *r = &p->remove;

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

/* Remove whatever a case left in the windows, whatever happened to it. */
static void hr_clean_windows(void)
{
	unmap_hotplug_range(geo.lin_lo, geo.lin_hi, false, NULL);
	free_empty_tables(geo.lin_lo, geo.lin_hi, PAGE_OFFSET, PAGE_END);
	vmemmap_free(geo.vmem_lo, geo.vmem_hi, NULL);
}

struct hr_case_ctx {
	struct hr_snap before, mapped, after, probe;
	struct page *refs[HR_MAX_TABLES + HR_MAX_PAGES];
	unsigned int nr_refs;
};

static void hr_get(struct hr_case_ctx *c, struct page *page)
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

/*
 * A removal that cuts a block or contiguous run must leave the whole leaf
 * alone: arm64 cannot split a live kernel block on this base, and clearing it
 * would unmap memory outside the range.  Nothing may be freed either.
 */
static void hr_check_split(struct kunit *test, const struct hr_plan *p,
			   struct hr_case_ctx *c, unsigned int nr_backing)
{
	const struct hr_range *m = &p->map[0];
	unsigned long leaves;
	u64 hash;
	unsigned int i;

	hr_snapshot(&c->probe, m->start, m->end, false);
	leaves = c->probe.nr_leaves;
	hash = c->probe.leaf_hash;

	hr_teardown(p);

	hr_snapshot(&c->probe, m->start, m->end, false);
	KUNIT_EXPECT_EQ_MSG(test, c->probe.nr_leaves, leaves,
			    "removing [%lx, %lx) unmapped parts of [%lx, %lx)",
			    p->remove.start, p->remove.end, m->start, m->end);
	KUNIT_EXPECT_EQ_MSG(test, c->probe.leaf_hash, hash,
			    "removing [%lx, %lx) changed the mapping of [%lx, %lx)",
			    p->remove.start, p->remove.end, m->start, m->end);

	hr_snapshot(&c->after, m->start, m->end, false);
	for (i = 0; i < c->mapped.nr_tables; i++) {
		const struct hr_table *t = &c->mapped.tables[i];
		int refs = page_ref_count(virt_to_page(t->table));

		if (hr_snap_has(&c->before, t))
			continue;
		KUNIT_EXPECT_TRUE_MSG(test, hr_snap_has(&c->after, t),
				      "%s table [%lx, %lx) of a kept block was unlinked",
				      hr_level_name[t->level], t->base,
				      t->base + geo.span[t->level]);
		KUNIT_EXPECT_EQ_MSG(test, refs, 2,
				    "%s table [%lx, %lx) of a kept block was freed",
				    hr_level_name[t->level], t->base,
				    t->base + geo.span[t->level]);
	}
	for (i = 0; i < nr_backing; i++) {
		int refs = page_ref_count(c->refs[i]);

		KUNIT_EXPECT_EQ_MSG(test, refs, 2,
				    "vmemmap backing page %u still mapped was freed", i);
	}
}

static void hr_run_plan(struct kunit *test, const struct hr_plan *p)
{
	struct hr_case_ctx *c = test->priv;
	unsigned int want_freed[HR_NR_LEVELS] = {}, got_freed[HR_NR_LEVELS] = {};
	unsigned int want_kept[HR_NR_LEVELS] = {}, got_kept[HR_NR_LEVELS] = {};
	unsigned long keep_leaves, keep_leaves2, floor, ceiling;
	u64 keep_hash, keep_hash2;
	struct page *alias_page = NULL;
	int alias_refs = 0;
	const struct hr_range *shape;
	struct hr_range scope;
	unsigned int i, nr_backing;
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
	shape = p->split ? &p->map[0] : &p->remove;
	hr_snapshot(&c->probe, shape->start, shape->end, false);
	if (p->want_blocks)
		KUNIT_ASSERT_EQ_MSG(test, c->probe.nr_blocks,
				    (unsigned long)p->want_blocks,
				    "block mappings expected in [%lx, %lx)",
				    shape->start, shape->end);
	if (p->want_cont)
		KUNIT_ASSERT_EQ_MSG(test, c->probe.nr_cont, c->probe.nr_leaves,
				    "contiguous mappings expected in [%lx, %lx)",
				    shape->start, shape->end);

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
	if (p->region == HR_LINEAR) {
		alias_page = phys_to_page(geo.alias_base);
		alias_refs = page_ref_count(alias_page);
	}

	if (p->split) {
		hr_check_split(test, p, c, nr_backing);
		return;
	}

	hr_teardown(p);

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

	hr_snapshot(&c->after, scope.start, scope.end, false);
	for (i = 0; i < c->before.nr_tables; i++)
		KUNIT_EXPECT_TRUE_MSG(test,
				      hr_snap_has(&c->after, &c->before.tables[i]),
				      "pre-existing %s table for %lx was freed",
				      hr_level_name[c->before.tables[i].level],
				      c->before.tables[i].base);

	for (i = 0; i < c->mapped.nr_tables; i++) {
		const struct hr_table *t = &c->mapped.tables[i];
		unsigned long end = t->base + geo.span[t->level];
		bool inside = t->base >= floor && end - 1 <= ceiling - 1;
		bool present = hr_snap_has(&c->after, t);
		int refs = page_ref_count(virt_to_page(t->table));

		if (hr_snap_has(&c->before, t))
			continue;
		if (inside) {
			want_freed[t->level]++;
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
			want_kept[t->level]++;
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
				    "%s tables freed", hr_level_name[lvl]);
		KUNIT_EXPECT_EQ_MSG(test, got_kept[lvl], want_kept[lvl],
				    "%s tables kept", hr_level_name[lvl]);
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
/* Scenarios. Each fills a plan from the geometry or says it does not apply. */

#define HR_P	PAGE_SIZE

static void hr_set(struct hr_range *r, unsigned long start, unsigned long end)
{
	r->start = start;
	r->end = end;
}

/* A PTE-table-aligned address in the linear window, with fresh tables above. */
static unsigned long hr_lin_anchor(void)
{
	return geo.lin_hi - 4 * PMD_SIZE;
}

static bool hr_lin_ok(unsigned long start)
{
	return start >= geo.lin_lo;
}

typedef bool (*hr_plan_fn)(struct hr_plan *p, int arg);

static bool hr_lin_pages(struct hr_plan *p, const char *desc,
			 unsigned long start, unsigned long end)
{
	p->region = HR_LINEAR;
	p->map_flags = NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS;
	hr_set(&p->map[0], start, end);
	hr_set(&p->remove, start, end);
	snprintf(p->desc, sizeof(p->desc), "%s", desc);
	return hr_lin_ok(start);
}

static bool hr_plan_linear(struct hr_plan *p, int arg)
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
				    geo.lin_hi - 4 * HR_P, geo.lin_hi);
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
		b = ALIGN_DOWN(geo.lin_hi - 2 * sect, sect);
		return hr_lin_pages(p, "linear: one memory section", b,
				    b + sect);
	case 9 ... 11:
		/* Straddle the boundary between two tables of one level. */
		lvl = HR_PMD + (arg - 9);
		if (!geo.real[lvl])
			return false;
		b = ALIGN_DOWN(geo.lin_hi, geo.span[lvl]) - geo.span[lvl];
		hr_lin_pages(p, "", b - 2 * HR_P, b + 2 * HR_P);
		snprintf(p->desc, sizeof(p->desc),
			 "linear: straddles two %s tables", hr_level_name[lvl]);
		return b - 2 * HR_P >= geo.lin_lo && b - 2 * HR_P < b;
	case 12:
		b = geo.lin_hi - 2 * PMD_SIZE;
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
	return hr_lin_ok(start);
}

static bool hr_plan_block(struct hr_plan *p, int arg)
{
	/* 1G aligned and below the ceiling: every block size fits here. */
	unsigned long a = ALIGN_DOWN(geo.lin_hi - 3 * (unsigned long)SZ_1G,
				     SZ_1G);

	if (PMD_SIZE > SZ_1G)
		a = ALIGN_DOWN(geo.lin_hi - 3 * PMD_SIZE, PMD_SIZE);

	switch (arg) {
	case 0:
		return hr_lin_blocks(p, "linear: one pmd block", a,
				     a + PMD_SIZE, 1, false);
	case 1:
		if (!pud_sect_supported())
			return false;
		return hr_lin_blocks(p, "linear: one pud block", a,
				     a + PUD_SIZE, 1, false);
	case 2:
		return hr_lin_blocks(p, "linear: contiguous ptes", a,
				     a + CONT_PTE_SIZE, 0, true);
	case 3:
		/*
		 * With 64K pages a CONT_PMD run is 16G: more than QEMU's RAM.
		 * With two levels the mapping code meets one PMD (pgd) entry at
		 * a time and never sets the contiguous bit on them.
		 */
		if (!geo.real[HR_PMD])
			return false;
		if (CONT_PMD_SIZE > SZ_1G)
			return false;
		return hr_lin_blocks(p, "linear: contiguous pmd blocks", a,
				     a + CONT_PMD_SIZE, CONT_PMDS, true);
	case 4:
		hr_lin_blocks(p, "linear: pmd block with pages each side",
			      a - 4 * HR_P, a + PMD_SIZE + 4 * HR_P, 1, false);
		return hr_lin_ok(a - 4 * HR_P);
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
	return start >= geo.vmem_lo && end <= geo.vmem_hi;
}

static bool hr_plan_vmemmap(struct hr_plan *p, int arg)
{
	unsigned long sv = geo.sect_vmemmap;
	unsigned long v = ALIGN(geo.vmem_lo, 8 * sv), b, span;

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
			       geo.vmem_hi - sv, geo.vmem_hi);
	case 4:
		hr_vmem(p, "vmemmap: partially populated section", v, v + sv);
		hr_set(&p->map[0], v, v + sv / 4);
		hr_set(&p->map[1], v + sv / 2, v + 3 * sv / 4);
		return true;
	case 5:
		/* Straddle the table that holds the vmemmap's leaf entries. */
		span = IS_ENABLED(CONFIG_ARM64_4K_PAGES) ? PUD_SIZE : PMD_SIZE;
		b = ALIGN(v + 4 * sv, span);
		return hr_vmem(p, "vmemmap: sections straddle two tables",
			       b - sv, b + sv) && b + 4 * sv <= geo.vmem_hi;
	}
	return false;
}

/*
 * Own floor or ceiling: a limit aligned to the tables of level lvl - 1 but
 * not to those of level lvl keeps the level-lvl table and all above it.
 * A ceiling of 0 stands for the top of the address space: with the floor
 * at the start of a level-lvl table, that table goes.
 */
static bool hr_plan_limits(struct hr_plan *p, int arg)
{
	enum { HR_FLOOR, HR_CEILING, HR_NO_CEILING } kind = arg % 3;
	int lvl = arg / 3;
	unsigned long x, cut, below;

	if (lvl >= HR_NR_LEVELS || !geo.real[lvl])
		return false;
	below = lvl == HR_PTE ? 4 * HR_P : geo.span[lvl - 1];
	x = ALIGN_DOWN(geo.lin_hi, geo.span[lvl]) - 2 * geo.span[lvl];
	if (x < geo.lin_lo || x > geo.lin_hi)
		return false;

	p->region = HR_LINEAR;
	p->map_flags = NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS;
	p->own_limits = true;
	switch (kind) {
	case HR_FLOOR:
		cut = x + below;
		hr_set(&p->map[0], cut, cut + 4 * HR_P);
		p->floor = cut;
		p->ceiling = geo.lin_hi;
		break;
	case HR_CEILING:
		cut = x + geo.span[lvl] - below;
		hr_set(&p->map[0], cut - 4 * HR_P, cut);
		p->floor = geo.lin_lo;
		p->ceiling = cut;
		break;
	case HR_NO_CEILING:
		hr_set(&p->map[0], x, x + 4 * HR_P);
		p->floor = x;
		p->ceiling = 0;
		snprintf(p->desc, sizeof(p->desc),
			 "no ceiling (0) frees the %s table",
			 hr_level_name[lvl]);
		p->remove = p->map[0];
		return true;
	}
	p->remove = p->map[0];
	snprintf(p->desc, sizeof(p->desc), "%s cuts the %s table",
		 kind == HR_CEILING ? "ceiling" : "floor", hr_level_name[lvl]);
	return true;
}

/* Remove the start, the middle or the end of one block or contiguous run. */
static bool hr_plan_split(struct hr_plan *p, int arg)
{
	static const char * const pos_name[] = { "start", "middle", "end" };
	int kind = arg / 3, pos = arg % 3;
	unsigned long a, q, size;
	const char *what;
	bool ok;

	switch (kind) {
	case 0:
		ok = hr_plan_block(p, 0);
		size = PMD_SIZE;
		what = "pmd block";
		break;
	case 1:
		ok = hr_plan_block(p, 1);
		size = PUD_SIZE;
		what = "pud block";
		break;
	case 2:
		ok = hr_plan_block(p, 2);
		size = CONT_PTE_SIZE;
		what = "contiguous ptes";
		break;
	case 3:
		ok = hr_plan_block(p, 3);
		size = CONT_PMD_SIZE;
		what = "contiguous pmds";
		break;
	case 4:
		/* Only 4K pages map a full section's vmemmap with a PMD block. */
		if (!IS_ENABLED(CONFIG_ARM64_4K_PAGES))
			return false;
		ok = hr_plan_vmemmap(p, 0);
		p->want_blocks = 1;
		size = geo.sect_vmemmap;
		what = "vmemmap pmd block";
		break;
	default:
		return false;
	}
	if (!ok)
		return false;

	a = p->map[0].start;
	q = size / 4;
	if (pos == 0)
		hr_set(&p->remove, a, a + q);
	else if (pos == 1)
		hr_set(&p->remove, a + q, a + 3 * q);
	else
		hr_set(&p->remove, a + 3 * q, a + size);
	p->map[0].end = a + size;
	p->split = true;
	snprintf(p->desc, sizeof(p->desc), "split: %s, %s removed", what,
		 pos_name[pos]);
	return true;
}

struct hr_family {
	hr_plan_fn fn;
	int nr_args;
};

static const struct hr_family hr_families[] = {
	{ hr_plan_linear, 13 },
	{ hr_plan_block, 5 },
	{ hr_plan_vmemmap, 6 },
	{ hr_plan_limits, 3 * HR_NR_LEVELS },
	{ hr_plan_split, 15 },
};

/*
 * Parameters are (family, arg) pairs packed in a static table; the generator
 * skips the pairs that the running configuration cannot express.
 */
struct hr_param {
	int family, arg;
};

static struct hr_param hr_params[64];

static bool hr_fill(const struct hr_param *pa, struct hr_plan *p)
{
	memset(p, 0, sizeof(*p));
	return hr_families[pa->family].fn(p, pa->arg);
}

static const void *hr_gen_params(const void *prev, char *desc)
{
	const struct hr_param *pa = prev ? (const struct hr_param *)prev + 1 :
					   hr_params;
	struct hr_plan plan;

	for (; pa < hr_params + ARRAY_SIZE(hr_params) && pa->family >= 0; pa++) {
		if (!hr_fill(pa, &plan))
			continue;
		strscpy(desc, plan.desc, KUNIT_PARAM_DESC_SIZE);
		return pa;
	}
	return NULL;
}

static void hr_teardown_test(struct kunit *test)
{
	const struct hr_param *pa = test->param_value;
	struct hr_plan plan;

	KUNIT_ASSERT_TRUE(test, hr_fill(pa, &plan));
	hr_run_plan(test, &plan);
}

/* ------------------------------------------------------------------------ */

/*
 * Offlining is where a removal can still be refused: the arch memory notifier
 * sees MEM_GOING_OFFLINE before any page is migrated.  It must refuse boot
 * memory, and a memory block whose linear map shares a leaf with another
 * block, and let everything else go.  Each case offlines the memory block at
 * the start of the mapping it built.
 */
struct hr_offline_case {
	const char *desc;
	hr_plan_fn fn;		/* builds the mapping; NULL: boot memory */
	int arg;
	unsigned long leaf;	/* a leaf this big must exceed a memory block */
	bool memmap;		/* skip the block's own memmap (memmap_on_memory) */
	int want;
};

static const struct hr_offline_case hr_offline_cases[] = {
	{ "pages, one memory block", hr_plan_linear, 8, 0, false, NOTIFY_OK },
	{ "pmd block inside a memory block", hr_plan_block, 0, 0, false,
	  NOTIFY_OK },
	{ "memory block minus its own memmap", hr_plan_block, 0, 0, true,
	  NOTIFY_OK },
	{ "pud block across memory blocks", hr_plan_block, 1, PUD_SIZE, false,
	  NOTIFY_BAD },
	{ "contiguous pmds across memory blocks", hr_plan_block, 3,
	  CONT_PMD_SIZE, false, NOTIFY_BAD },
	{ "first section of boot memory", NULL, 0, 0, false, NOTIFY_BAD },
};

static bool hr_offline_fill(const struct hr_offline_case *oc,
			    struct hr_plan *p)
{
	memset(p, 0, sizeof(*p));
	if (oc->leaf && oc->leaf <= memory_block_size_bytes())
		return false;
	return !oc->fn || oc->fn(p, oc->arg);
}

static const void *hr_gen_offline(const void *prev, char *desc)
{
	const struct hr_offline_case *oc = prev ?
		(const struct hr_offline_case *)prev + 1 : hr_offline_cases;
	struct hr_plan plan;

	for (; oc < hr_offline_cases + ARRAY_SIZE(hr_offline_cases); oc++) {
		if (!hr_offline_fill(oc, &plan))
			continue;
		strscpy(desc, oc->desc, KUNIT_PARAM_DESC_SIZE);
		return oc;
	}
	return NULL;
}

static void hr_offline_test(struct kunit *test)
{
	const struct hr_offline_case *oc = test->param_value;
	unsigned long block = memory_block_size_bytes();
	struct memory_notify arg = {};
	unsigned long start = 0, end = 0;
	struct hr_plan plan;
	int ret;

	KUNIT_ASSERT_TRUE(test, hr_offline_fill(oc, &plan));
	if (!oc->fn) {
		arg.start_pfn = PHYS_PFN(memblock_start_of_DRAM());
		arg.nr_pages = PHYS_PFN(block);
	} else {
		KUNIT_ASSERT_EQ(test, hr_map(test, &plan, &plan.map[0]), 0);
		start = plan.map[0].start;
		KUNIT_ASSERT_TRUE(test, IS_ALIGNED(start, block));
		end = start + block;
		if (oc->memmap)
			start += PAGE_ALIGN(PHYS_PFN(block) * sizeof(struct page));
		/* The notifier finds the linear map from the pfn, as for RAM. */
		arg.start_pfn = PHYS_PFN(__pa(start));
		arg.nr_pages = PHYS_PFN(end - start);
	}

	ret = prevent_bootmem_remove_notifier(NULL, MEM_GOING_OFFLINE, &arg);
	KUNIT_EXPECT_EQ_MSG(test, ret, oc->want,
			    "going offline of [%lx, %lx) (pfn %lx, %lu pages): want %s",
			    start, end, arg.start_pfn, arg.nr_pages,
			    oc->want == NOTIFY_OK ? "NOTIFY_OK" : "NOTIFY_BAD");
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

	KUNIT_EXPECT_EQ(test, prevent_bootmem_remove_notifier(NULL, MEM_OFFLINE, &arg),
			NOTIFY_DONE);
	KUNIT_EXPECT_EQ(test, prevent_bootmem_remove_notifier(NULL, MEM_GOING_ONLINE, &arg),
			NOTIFY_OK);
}

/*
 * Hot-add must refuse physical addresses that sparsemem cannot describe:
 * sparse_add_section() has no mem_section for them.  Both kinds of hot-add
 * are checked: memory that gets a linear map (add_memory()) and ZONE_DEVICE
 * memory that does not (memremap_pages() of MEMORY_DEVICE_PRIVATE).
 */
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

/*
 * A physical range of the given size (a power of two) for the arch hot-add
 * cases: below the top of the linear window, or of what sparsemem can
 * describe (hr_pluggable_test checks that hot-add itself keeps below that).
 */
static phys_addr_t hr_hotadd_phys(unsigned long size)
{
	struct range plug = mhp_get_pluggable_range(true);
	u64 top = min3((u64)__pa(geo.lin_hi - 1), (u64)plug.end,
		       (1ULL << MAX_PHYSMEM_BITS) - 1) + 1;

	return ALIGN_DOWN(top - 2 * size, size);
}

/* The range of an arch hot-add case and where it is mapped. */
struct hr_hotadd {
	phys_addr_t phys;
	unsigned long size, va, vs, ve;
	unsigned long saved_max_pfn, saved_max_low_pfn;
};

static void hr_hotadd_init(struct kunit *test, struct hr_hotadd *h,
			   unsigned long size)
{
	h->size = size;
	h->phys = hr_hotadd_phys(size);
	h->va = (unsigned long)__va(h->phys);
	h->vs = (unsigned long)pfn_to_page(PHYS_PFN(h->phys));
	h->ve = h->vs + PHYS_PFN(size) * sizeof(struct page);
	h->saved_max_pfn = max_pfn;
	h->saved_max_low_pfn = max_low_pfn;
	/*
	 * With 52-bit VA and 48-bit PA this lies below the linear window, but
	 * still far above RAM: check it is unused instead.
	 */
	KUNIT_ASSERT_GE(test, h->phys, (phys_addr_t)memblock_end_of_DRAM());
	KUNIT_ASSERT_TRUE(test, mhp_range_allowed(h->phys, size, true));
}

/* arch_add_memory() raised max_pfn: put it back. */
static void hr_hotadd_restore(const struct hr_hotadd *h)
{
	max_pfn = h->saved_max_pfn;
	max_low_pfn = h->saved_max_low_pfn;
}

/*
 * The real arch path: arch_add_memory() maps a physical range with no memory
 * behind it (never onlined, never accessed) and populates its memmap, and
 * arch_remove_memory() must take all of it down again.  When hot-added
 * memory may be mapped with blocks (rodata=on, as the harness boots), no
 * leaf may span two memory blocks: removing one would have to split it.
 */
static const bool hr_hotadd_blocks[] = { false, true };

static void hr_hotadd_desc(const bool *blocks, char *desc)
{
	strscpy(desc, *blocks ? "no leaf spans two memory blocks" :
		"add and remove leave no table behind", KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hr_hotadd, hr_hotadd_blocks, hr_hotadd_desc);

static void hr_hotadd_test(struct kunit *test)
{
	const bool *blocks = test->param_value;
	struct hr_case_ctx *c = test->priv;
	unsigned long block = memory_block_size_bytes();
	unsigned long size = max3((unsigned long)SZ_1G, CONT_PMD_SIZE,
				  pud_sect_supported() ? PUD_SIZE : 0UL);
	struct mhp_params params = { .pgprot = PAGE_KERNEL };
	unsigned int lin_tables, vmem_tables;
	struct hr_hotadd h;
	int ret;

	if (*blocks && can_set_direct_map())
		kunit_skip(test, "hot-added memory is mapped with pages: boot with rodata=on");
	hr_hotadd_init(test, &h, size);
	hr_snapshot(&c->probe, h.va, h.va + size, false);
	KUNIT_ASSERT_EQ(test, c->probe.nr_leaves, 0UL);
	hr_snapshot(&c->probe, h.vs, h.ve, false);
	KUNIT_ASSERT_EQ(test, c->probe.nr_leaves, 0UL);

	hr_snapshot(&c->before, h.va, h.va + size, false);
	lin_tables = c->before.nr_tables;
	hr_snapshot(&c->before, h.vs, h.ve, false);
	vmem_tables = c->before.nr_tables;

	mem_hotplug_begin();
	ret = arch_add_memory(numa_mem_id(), h.phys, size, &params);
	mem_hotplug_done();
	KUNIT_ASSERT_EQ(test, ret, 0);

	hr_snapshot(&c->mapped, h.va, h.va + size, false);
	KUNIT_EXPECT_GT(test, c->mapped.nr_leaves, 0UL);
	if (*blocks) {
		KUNIT_EXPECT_GT_MSG(test, c->mapped.nr_blocks, 0UL,
				    "no block mapping: nothing tested");
		KUNIT_EXPECT_LE_MSG(test, c->mapped.max_leaf, block,
				    "a %lu MiB leaf spans memory blocks of %lu MiB",
				    c->mapped.max_leaf >> 20, block >> 20);
	}
	/* What the mapping costs: the TLB reach of hot-added memory. */
	kunit_info(test,
		   "linear map of %lu MiB: %lu leaves (%lu above pte level, %lu contiguous), largest %lu KiB, %u table pages\n",
		   size >> 20, c->mapped.nr_leaves, c->mapped.nr_blocks,
		   c->mapped.nr_cont, c->mapped.max_leaf >> 10,
		   c->mapped.nr_tables - lin_tables);

	mem_hotplug_begin();
	arch_remove_memory(h.phys, size, NULL, NULL);
	mem_hotplug_done();
	hr_hotadd_restore(&h);

	hr_snapshot(&c->after, h.va, h.va + size, false);
	KUNIT_EXPECT_EQ(test, c->after.nr_leaves, 0UL);
	KUNIT_EXPECT_EQ_MSG(test, c->after.nr_tables, lin_tables,
			    "linear map tables left behind");
	hr_snapshot(&c->after, h.vs, h.ve, false);
	KUNIT_EXPECT_EQ(test, c->after.nr_leaves, 0UL);
	KUNIT_EXPECT_EQ_MSG(test, c->after.nr_tables, vmem_tables,
			    "vmemmap tables left behind");
}

static bool hr_same_tables(const struct hr_snap *a, const struct hr_snap *b)
{
	unsigned int i;

	if (a->nr_tables != b->nr_tables || a->overflow || b->overflow)
		return false;
	for (i = 0; i < a->nr_tables; i++)
		if (!hr_snap_has(b, &a->tables[i]))
			return false;
	return true;
}

static void hr_count_levels(const struct hr_snap *s,
			    unsigned int count[HR_NR_LEVELS])
{
	unsigned int i;

	memset(count, 0, HR_NR_LEVELS * sizeof(*count));
	for (i = 0; i < s->nr_tables; i++)
		count[s->tables[i].level]++;
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
	unsigned long size = memory_block_size_bytes();
	struct mhp_params params = { .pgprot = PAGE_KERNEL };
	unsigned int lin[HR_NR_LEVELS], vmem[HR_NR_LEVELS];
	unsigned int i, changed = 0, first = 0;
	struct hr_hotadd h;
	int ret = 0;

	hr_hotadd_init(test, &h, size);
	/* before: the linear map's tables, probe: the vmemmap's. */
	hr_snapshot(&c->before, h.va, h.va + size, false);
	hr_snapshot(&c->probe, h.vs, h.ve, false);
	KUNIT_ASSERT_EQ(test, c->before.nr_leaves + c->probe.nr_leaves, 0UL);

	for (i = 1; i <= HR_CYCLES; i++) {
		mem_hotplug_begin();
		ret = arch_add_memory(numa_mem_id(), h.phys, size, &params);
		if (!ret)
			arch_remove_memory(h.phys, size, NULL, NULL);
		mem_hotplug_done();
		if (ret)
			break;
		hr_snapshot(&c->after, h.va, h.va + size, false);
		hr_snapshot(&c->mapped, h.vs, h.ve, false);
		if (c->after.nr_leaves || c->mapped.nr_leaves ||
		    !hr_same_tables(&c->after, &c->before) ||
		    !hr_same_tables(&c->mapped, &c->probe)) {
			if (!changed++)
				first = i;
		}
	}
	hr_hotadd_restore(&h);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "arch_add_memory() failed in cycle %u", i);
	KUNIT_EXPECT_EQ_MSG(test, changed, 0U,
			    "tables or leaves differ from those before the first add in %u of %u cycles, first in cycle %u",
			    changed, HR_CYCLES, first);

	hr_count_levels(&c->after, lin);
	hr_count_levels(&c->mapped, vmem);
	kunit_info(test,
		   "%u cycles of %lu MiB at %llx: tables kept after each removal (pte/pmd/pud/p4d): linear map %u/%u/%u/%u, vmemmap %u/%u/%u/%u\n",
		   HR_CYCLES, size >> 20, (u64)h.phys, lin[HR_PTE], lin[HR_PMD],
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
	unsigned long size = memory_block_size_bytes();
	phys_addr_t phys = hr_hotadd_phys(size);
	struct vmem_altmap altmap = {
		.base_pfn = PHYS_PFN(phys),
		.end_pfn = PHYS_PFN(phys + size),
	};
	struct mhp_params params = { .pgprot = PAGE_KERNEL, .altmap = &altmap };
	struct hr_hotadd h;
	int ret;

	hr_hotadd_init(test, &h, size);
	hr_snapshot(&c->before, h.va, h.va + size, false);
	hr_snapshot(&c->probe, h.vs, h.ve, false);
	KUNIT_ASSERT_EQ(test, c->before.nr_leaves + c->probe.nr_leaves, 0UL);

	mem_hotplug_begin();
	ret = arch_add_memory(numa_mem_id(), h.phys, size, &params);
	if (!ret)
		arch_remove_memory(h.phys, size, &altmap, NULL);
	mem_hotplug_done();
	hr_hotadd_restore(&h);
	KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM,
			    "hot-add with an exhausted altmap did not fail");

	hr_snapshot(&c->after, h.va, h.va + size, false);
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
 * the vmemmap region (52-bit kernels running with 48 or 47 bits).  Then it
 * checks the real vmemmap_free() against it: a populate and teardown just
 * above the end of vmalloc must keep every table that also maps vmalloc
 * addresses, and one at the top of the vmemmap window must leave the
 * tables there and the mappings above it unchanged.
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
		if (!geo.real[lvl])
			continue;
		for (e = 0; e < ARRAY_SIZE(ends); e++) {
			unsigned long first = ALIGN_DOWN(ends[e], geo.span[lvl]);
			unsigned long last = first + (geo.span[lvl] - 1);
			bool inside = first >= floor && last <= ceiling - 1;

			if (e && first == ALIGN_DOWN(lo, geo.span[lvl]))
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

/*
 * Populate and tear down a little vmemmap just above the end of vmalloc,
 * where that lies inside the vmemmap region: every table that maps it and
 * also reaches below VMALLOC_END belongs to vmalloc as well and must stay.
 */
static void hr_vmalloc_floor_check(struct kunit *test)
{
	struct hr_case_ctx *c = test->priv;
	unsigned long a = ALIGN(VMALLOC_END, geo.sect_vmemmap);
	struct hr_range r = { a, a + geo.sect_vmemmap };
	struct hr_plan p = { .region = HR_VMEMMAP };
	struct range plug = mhp_get_pluggable_range(true);
	unsigned long used = (unsigned long)pfn_to_page(PHYS_PFN(plug.start));
	unsigned int i, lost = 0;
	int ret;

	/* The vmemmap of the pfns below _PAGE_OFFSET(vabits_actual): unused. */
	KUNIT_ASSERT_LE(test, r.end, used);
	hr_snapshot(&c->before, r.start, r.end, false);
	KUNIT_ASSERT_EQ(test, c->before.nr_leaves, 0UL);
	/* Outside the windows hr_test_exit() cleans: tear down in any case. */
	ret = hr_map(test, &p, &r);
	hr_snapshot(&c->mapped, r.start, r.end, false);
	vmemmap_free(r.start, r.end, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	hr_snapshot(&c->after, r.start, r.end, false);
	KUNIT_EXPECT_EQ(test, c->after.nr_leaves, 0UL);
	for (i = 0; i < c->mapped.nr_tables; i++) {
		const struct hr_table *t = &c->mapped.tables[i];

		if (t->base >= VMALLOC_END || hr_snap_has(&c->after, t))
			continue;
		lost++;
		kunit_info(test, "vmemmap_free() freed the %s table at %lx, which also maps vmalloc up to %lx\n",
			   hr_level_name[t->level], t->base,
			   (unsigned long)VMALLOC_END);
	}
	KUNIT_EXPECT_EQ_MSG(test, lost, 0U,
			    "vmemmap teardown freed tables shared with vmalloc");
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
	unsigned long top = ALIGN_DOWN(geo.vmem_hi, geo.sect_vmemmap);
	struct hr_range r = { top - geo.sect_vmemmap, top };
	struct hr_plan p = { .region = HR_VMEMMAP };
	/*
	 * The rule as it should hold: where vmalloc ends inside the vmemmap
	 * region, the floor is there.  This part only reports and checks the
	 * layout; hr_vmalloc_floor_check() checks what vmemmap_free() does.
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

	if (VMALLOC_END > VMEMMAP_START)
		hr_vmalloc_floor_check(test);
	else
		kunit_info(test, "vmalloc ends below the vmemmap region: no floor to check there\n");

	/* The real teardown at the top of the vmemmap window. */
	hr_snapshot(&c->before, r.start, r.end, false);
	KUNIT_ASSERT_EQ(test, c->before.nr_leaves, 0UL);
	/* Up to the fixmap: text patching may use its slots meanwhile. */
	hr_snapshot(&c->probe, geo.vmem_hi, FIXADDR_TOT_START, false);
	KUNIT_ASSERT_EQ(test, hr_map(test, &p, &r), 0);
	vmemmap_free(r.start, r.end, NULL);
	hr_snapshot(&c->after, r.start, r.end, false);
	KUNIT_EXPECT_EQ(test, c->after.nr_leaves, 0UL);
	KUNIT_EXPECT_TRUE_MSG(test, hr_same_tables(&c->before, &c->after),
			      "tables at the top of the vmemmap changed: %u before, %u after",
			      c->before.nr_tables, c->after.nr_tables);
	hr_snapshot(&c->after, geo.vmem_hi, FIXADDR_TOT_START, false);
	KUNIT_EXPECT_EQ_MSG(test, c->after.leaf_hash, c->probe.leaf_hash,
			    "mappings above the vmemmap changed");
	KUNIT_EXPECT_TRUE(test, hr_same_tables(&c->probe, &c->after));
}

/* ------------------------------------------------------------------------ */

/*
 * Walkers that do not take the memory hotplug lock, against hot-remove.
 * Threads map, write and verify memory in the regions next to the vmemmap
 * and the linear map while other threads populate and tear down the top of
 * the vmemmap window (and, where vmalloc ends inside the vmemmap region,
 * the vmemmap just above its end) and of the linear window with the real
 * helpers, and a ptdump-style reader walks all of it under
 * get_online_mems():
 *
 *  - vmalloc: __vmalloc_node_range() aimed at the top of vmalloc, the
 *    region below the vmemmap;
 *  - ioremap: a VM_IOREMAP area at the top of vmalloc mapped with
 *    ioremap_page_range() to a page of RAM, written through the mapping and
 *    read back through the linear map;
 *  - PCI I/O: vmap_page_range() at the top of PCI I/O space, the region
 *    above the vmemmap, as pci_remap_iospace() does, checked the same way.
 *
 * Every thread checks what it wrote through its own mapping in every round.
 * Bounded by round counts; needs no particular timing.  Run it with several
 * CPUs (the harness's QEMU targets have two) for real concurrency.
 */
#define HR_STRESS_ROUNDS	500
#define HR_STRESS_SPAN		SZ_64M

enum hr_stress_kind {
	HR_ST_VMALLOC, HR_ST_IOREMAP, HR_ST_PCI_IO, HR_ST_VMEMMAP, HR_ST_LINEAR,
	HR_ST_READER, HR_ST_NR
};

static const char * const hr_stress_name[HR_ST_NR] = {
	"vmalloc", "ioremap", "PCI I/O", "vmemmap teardown",
	"linear map teardown", "ptdump-style reader",
};

struct hr_stress {
	struct kunit *test;
	struct completion done;
	atomic_t errors;
	atomic_t rounds[HR_ST_NR];
	struct hr_snap *snap;
};

struct hr_stress_arg {
	struct hr_stress *st;
	enum hr_stress_kind kind;
};

static bool hr_stress_fill_check(u64 *p, size_t size, u64 seed)
{
	size_t i, n = size / sizeof(*p);

	for (i = 0; i < n; i++)
		WRITE_ONCE(p[i], seed ^ i);
	cond_resched();
	for (i = 0; i < n; i++)
		if (READ_ONCE(p[i]) != (seed ^ i))
			return false;
	return true;
}

/* Map a page of RAM at addr (ioremap or PCI I/O), write it, read it back. */
static bool hr_stress_alias(unsigned long addr, struct page *page, u64 seed,
			    bool pci_io)
{
	u64 *alias = (u64 *)addr, *lin = page_address(page);
	size_t i, n = PAGE_SIZE / sizeof(u64);
	int ret;

	if (pci_io)
		ret = vmap_page_range(addr, addr + PAGE_SIZE, page_to_phys(page),
				      PAGE_KERNEL);
	else
		ret = ioremap_page_range(addr, addr + PAGE_SIZE,
					 page_to_phys(page), PAGE_KERNEL);
	if (ret)
		return false;
	for (i = 0; i < n; i++)
		WRITE_ONCE(alias[i], seed ^ i);
	cond_resched();
	for (i = 0; i < n; i++)
		if (READ_ONCE(alias[i]) != (seed ^ i) ||
		    READ_ONCE(lin[i]) != (seed ^ i))
			break;
	if (pci_io)
		vunmap_range(addr, addr + PAGE_SIZE);
	return i == n;
}

static bool hr_stress_round(struct hr_stress_arg *a, unsigned int round)
{
	struct hr_stress *st = a->st;
	unsigned long lo = VMALLOC_END - HR_STRESS_SPAN, hi = VMALLOC_END;
	u64 seed = ((u64)a->kind << 32) | round;
	unsigned long top;
	bool ok = true;

	switch (a->kind) {
	case HR_ST_VMALLOC: {
		size_t size = (1 + round % 4) * PAGE_SIZE;
		u64 *p = __vmalloc_node_range(size, 1, lo, hi, GFP_KERNEL,
					      PAGE_KERNEL, 0, NUMA_NO_NODE,
					      __builtin_return_address(0));

		if (!p)
			return false;
		ok = hr_stress_fill_check(p, size, seed);
		vfree(p);
		break;
	}
	case HR_ST_IOREMAP:
	case HR_ST_PCI_IO: {
		struct page *page = alloc_page(GFP_KERNEL);
		struct vm_struct *area = NULL;
		unsigned long addr;

		if (!page)
			return false;
		if (a->kind == HR_ST_IOREMAP) {
			area = __get_vm_area_caller(PAGE_SIZE, VM_IOREMAP, lo, hi,
						    __builtin_return_address(0));
			if (!area) {
				__free_page(page);
				return false;
			}
			addr = (unsigned long)area->addr;
		} else {
			/* The top of PCI I/O space: the harness's guests have no PCI. */
			addr = PCI_IO_END - (1 + round % 8) * PAGE_SIZE;
		}
		ok = hr_stress_alias(addr, page, seed, !area);
		if (area)
			free_vm_area(area);
		__free_page(page);
		break;
	}
	case HR_ST_VMEMMAP: {
		struct hr_plan p = { .region = HR_VMEMMAP };
		struct hr_range r;

		/*
		 * The top of the vmemmap window; every other round, where
		 * vmalloc ends inside the vmemmap region, just above its end,
		 * next to the vmalloc thread.
		 */
		top = ALIGN_DOWN(geo.vmem_hi, geo.sect_vmemmap);
		if ((round & 1) && VMALLOC_END > VMEMMAP_START)
			top = ALIGN(VMALLOC_END, geo.sect_vmemmap) + geo.sect_vmemmap;
		r.start = top - geo.sect_vmemmap;
		r.end = top;
		mem_hotplug_begin();
		ok = !hr_map(st->test, &p, &r);
		vmemmap_free(r.start, r.end, NULL);
		mem_hotplug_done();
		break;
	}
	case HR_ST_LINEAR: {
		struct hr_plan p = { .region = HR_LINEAR };
		struct hr_range r;

		top = ALIGN_DOWN(geo.lin_hi, PMD_SIZE);
		r.start = top - PMD_SIZE;
		r.end = top;
		mem_hotplug_begin();
		ok = !hr_map(st->test, &p, &r);
		__remove_pgd_mapping(swapper_pg_dir, r.start, PMD_SIZE);
		mem_hotplug_done();
		break;
	}
	case HR_ST_READER:
		/* What ptdump_walk_pgd() holds while it walks. */
		get_online_mems();
		hr_snapshot(st->snap, lo, FIXADDR_TOP, false);
		put_online_mems();
		break;
	default:
		break;
	}
	return ok;
}

static int hr_stress_thread(void *data)
{
	struct hr_stress_arg *a = data;
	struct hr_stress *st = a->st;
	unsigned int round;

	for (round = 0; round < HR_STRESS_ROUNDS; round++) {
		if (hr_stress_round(a, round))
			atomic_inc(&st->rounds[a->kind]);
		else
			atomic_inc(&st->errors);
		cond_resched();
	}
	complete(&st->done);
	return 0;
}

static void hr_stress_test(struct kunit *test)
{
	struct hr_stress *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct hr_stress_arg *args;
	unsigned int i, started = 0;

	KUNIT_ASSERT_NOT_NULL(test, st);
	args = kunit_kcalloc(test, HR_ST_NR, sizeof(*args), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, args);
	st->snap = kunit_kzalloc(test, sizeof(*st->snap), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st->snap);
	/* The linear map thread aliases RAM below the top of its window. */
	KUNIT_ASSERT_LE(test, hr_phys_off(ALIGN_DOWN(geo.lin_hi, PMD_SIZE) - PMD_SIZE) +
			PMD_SIZE, (unsigned long)geo.alias_size);
	st->test = test;
	init_completion(&st->done);

	for (i = 0; i < HR_ST_NR; i++) {
		struct task_struct *t;

		args[i].st = st;
		args[i].kind = i;
		t = kthread_run(hr_stress_thread, &args[i], "hr_stress/%u", i);
		if (IS_ERR(t)) {
			KUNIT_FAIL(test, "cannot start the %s thread", hr_stress_name[i]);
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		wait_for_completion(&st->done);

	for (i = 0; i < started; i++)
		kunit_info(test, "%s: %d of %d rounds\n", hr_stress_name[i],
			   atomic_read(&st->rounds[i]), HR_STRESS_ROUNDS);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&st->errors), 0,
			    "rounds that failed or read back wrong data");
	kunit_info(test, "%u threads on %u CPUs\n", started, num_online_cpus());
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
	unsigned long sv = geo.sect_vmemmap;
	unsigned long v = ALIGN(geo.vmem_lo, 8 * sv), end = v + sv / *part;
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
	if (sc->altmap && !geo.hidden_size)
		kunit_skip(test,
			   "no RAM hidden with mem= for the altmaps: boot with mem= below the RAM size");
	phys = sc->altmap ? geo.hidden_start :
			    hr_hotadd_phys(PAGES_PER_SECTION << PAGE_SHIFT);
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
		   PAGE_SIZE >> 10, VA_BITS, (u64)vabits_actual, geo.levels);
	for (lvl = 0; lvl < HR_NR_LEVELS; lvl++)
		if (geo.real[lvl])
			kunit_info(test, "%s table spans %lu MiB\n",
				   hr_level_name[lvl], geo.span[lvl] >> 20);
	kunit_info(test, "linear window [%lx, %lx) vmemmap window [%lx, %lx)\n",
		   geo.lin_lo, geo.lin_hi, geo.vmem_lo, geo.vmem_hi);
	if (geo.hidden_size)
		kunit_info(test, "RAM hidden with mem=: [%llx, %llx)\n",
			   (u64)geo.hidden_start,
			   (u64)(geo.hidden_start + geo.hidden_size));
	else
		kunit_info(test, "no RAM hidden with mem=\n");

	KUNIT_EXPECT_EQ(test, PAGE_SIZE, 1UL << PAGE_SHIFT);
	KUNIT_EXPECT_TRUE(test,
			  vabits_actual == VA_BITS || vabits_actual == VA_BITS_MIN);
	KUNIT_EXPECT_GE(test, geo.levels, 2);
	KUNIT_EXPECT_LE(test, geo.levels, CONFIG_PGTABLE_LEVELS);
	/* A kernel that fell back from 52 bits runs with fewer levels. */
	if (vabits_actual == VA_BITS)
		KUNIT_EXPECT_EQ(test, geo.levels, CONFIG_PGTABLE_LEVELS);
	KUNIT_EXPECT_LT(test, geo.lin_lo, geo.lin_hi);
	KUNIT_EXPECT_LT(test, geo.vmem_lo, geo.vmem_hi);

	snprintf(have, sizeof(have), "%luK:%d:%llu:%d", PAGE_SIZE >> 10,
		 VA_BITS, (u64)vabits_actual, geo.levels);
	if (hr_geometry)
		KUNIT_EXPECT_STREQ_MSG(test, have, hr_geometry,
				       "this run must have another geometry");
	else
		kunit_info(test, "no geometry to check (hotremove_kunit.geometry=)\n");
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
			if (start < end && !geo.hidden_size) {
				geo.hidden_start = start;
				geo.hidden_size = end - start;
			}
		}
	}
}

static int hr_suite_init(struct kunit_suite *suite)
{
	unsigned long usable_lo = _PAGE_OFFSET(vabits_actual);
	struct hr_snap *s;
	int f, a, n = 0;
	int ret = 0;

	geo.real[HR_PTE] = true;
	geo.real[HR_PMD] = CONFIG_PGTABLE_LEVELS > 2;
	geo.real[HR_PUD] = pgtable_l4_enabled();
	geo.real[HR_P4D] = pgtable_l5_enabled();
	geo.span[HR_PTE] = PMD_SIZE;
	geo.span[HR_PMD] = PUD_SIZE;
	geo.span[HR_PUD] = P4D_SIZE;
	geo.span[HR_P4D] = PGDIR_SIZE;
	geo.levels = 1 + geo.real[HR_PTE] + geo.real[HR_PMD] +
		     geo.real[HR_PUD] + geo.real[HR_P4D];

	/* The upper half of the usable linear map holds no RAM in QEMU. */
	geo.lin_hi = PAGE_END;
	geo.lin_lo = geo.lin_hi - (geo.lin_hi - usable_lo) / 2;
	/*
	 * The struct pages of the linear window: unused too.  (The upper half
	 * of the vmemmap is not: a 52-bit kernel that fell back to 48 bits
	 * keeps its RAM, and so its memmap, near the top of both regions.)
	 */
	geo.vmem_lo = VMEMMAP_START +
		      ((geo.lin_lo - PAGE_OFFSET) >> PAGE_SHIFT) * sizeof(struct page);
	geo.vmem_hi = VMEMMAP_START +
		      ((geo.lin_hi - PAGE_OFFSET) >> PAGE_SHIFT) * sizeof(struct page);
	geo.sect_vmemmap = PAGES_PER_SECTION * sizeof(struct page);

	geo.alias_base = ALIGN(memblock_start_of_DRAM(), HR_ALIAS_ALIGN);
	geo.alias_size = memblock_end_of_DRAM() > geo.alias_base ?
			 memblock_end_of_DRAM() - geo.alias_base : 0;
	hr_find_hidden();

	for (f = 0; f < ARRAY_SIZE(hr_families); f++)
		for (a = 0; a < hr_families[f].nr_args; a++) {
			if (n == ARRAY_SIZE(hr_params) - 1)
				return -E2BIG;
			hr_params[n].family = f;
			hr_params[n].arg = a;
			n++;
		}
	hr_params[n].family = -1;

	/* Every case relies on the windows being unused. */
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	hr_snapshot(s, geo.lin_lo, geo.lin_hi, false);
	if (s->nr_leaves) {
		pr_err("arm64_mm_hotremove: linear window [%lx, %lx) is in use\n",
		       geo.lin_lo, geo.lin_hi);
		ret = -EBUSY;
	}
	hr_snapshot(s, geo.vmem_lo, geo.vmem_hi, false);
	if (s->nr_leaves) {
		pr_err("arm64_mm_hotremove: vmemmap window [%lx, %lx) is in use\n",
		       geo.vmem_lo, geo.vmem_hi);
		ret = -EBUSY;
	}
	kfree(s);
	return ret;
}

static int hr_test_init(struct kunit *test)
{
	struct hr_case_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	test->priv = c;
	return 0;
}

static void hr_test_exit(struct kunit *test)
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

static struct kunit_case hr_cases[] = {
	KUNIT_CASE(hr_config_test),
	KUNIT_CASE_PARAM(hr_teardown_test, hr_gen_params),
	KUNIT_CASE_PARAM(hr_offline_test, hr_gen_offline),
	KUNIT_CASE(hr_offline_actions_test),
	KUNIT_CASE_PARAM(hr_altmap_test, hr_altmap_gen_params),
	KUNIT_CASE_PARAM(hr_subsect_test, hr_subsect_gen_params),
	KUNIT_CASE(hr_pluggable_test),
	KUNIT_CASE_PARAM(hr_hotadd_test, hr_hotadd_gen_params),
	KUNIT_CASE_SLOW(hr_cycles_test),
	KUNIT_CASE(hr_hotadd_fail_test),
	KUNIT_CASE(hr_shared_test),
	KUNIT_CASE_SLOW(hr_stress_test),
	{}
};

static struct kunit_suite hr_suite = {
	.name = "arm64_mm_hotremove",
	.suite_init = hr_suite_init,
	.init = hr_test_init,
	.exit = hr_test_exit,
	.test_cases = hr_cases,
};

kunit_test_suite(hr_suite);

MODULE_DESCRIPTION("KUnit tests for arm64 memory hot-remove page-table teardown");
MODULE_LICENSE("GPL");
