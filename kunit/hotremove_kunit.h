/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the arm64 memory hot-remove KUnit suites share: the geometry of the
 * running configuration, a walker that records the kernel page tables over a
 * range, and teardown scenarios ("plans") built from the geometry.
 */
#ifndef __ARM64_MM_HOTREMOVE_KUNIT_H
#define __ARM64_MM_HOTREMOVE_KUNIT_H

#include <kunit/test.h>
#include <linux/memory_hotplug.h>
#include <linux/types.h>

/* Table levels below the pgd, named after the entries they hold. */
enum hr_level { HR_PTE, HR_PMD, HR_PUD, HR_P4D, HR_NR_LEVELS };

extern const char * const hr_level_name[HR_NR_LEVELS];

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
	const char *busy;			/* why the windows cannot be used */
};

extern struct hr_geo hr_geo;

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
	/*
	 * The tables the leaves need, from the table spans alone: for a leaf
	 * at level L, the table of each level from L up that covers it.
	 * Only .base and .level are set.
	 */
	unsigned int nr_need;
	struct hr_table need[HR_MAX_TABLES];
	unsigned long last_need[HR_NR_LEVELS];	/* 0: none yet */
	/* vmemmap backing pages of the leaves, when collected */
	unsigned int nr_pages;
	struct page *pages[HR_MAX_PAGES];
	bool collect_pages;
};

void hr_snapshot(struct hr_snap *s, unsigned long start, unsigned long end,
		 bool collect_pages);
bool hr_snap_has(const struct hr_snap *s, const struct hr_table *t);
bool hr_same_tables(const struct hr_snap *a, const struct hr_snap *b);
bool hr_tables_live(struct hr_snap *s, unsigned long start, unsigned long end);
void hr_count_levels(const struct hr_snap *s, unsigned int count[HR_NR_LEVELS]);

enum hr_region { HR_LINEAR, HR_VMEMMAP };

struct hr_range {
	unsigned long start, end;
};

#define HR_MAX_RANGES	3

/* One teardown scenario, computed from the running configuration. */
struct hr_plan {
	char desc[KUNIT_PARAM_DESC_SIZE];
	const char *skip;			/* why it cannot apply here */
	enum hr_region region;
	int map_flags;				/* linear: __create_pgd_mapping() */
	struct hr_range map[HR_MAX_RANGES];	/* mapped by the case */
	struct hr_range keep[HR_MAX_RANGES];	/* neighbours that must survive */
	struct hr_range remove;			/* what the teardown is given */
	bool own_limits;			/* floor/ceiling below, not the region's */
	unsigned long floor, ceiling;
	unsigned int want_blocks;		/* leaves above pte level expected */
	bool want_cont;				/* contiguous-bit leaves expected */
};

/* Fill a plan from the geometry; false (with plan->skip) if it cannot apply. */
typedef bool (*hr_plan_fn)(struct hr_plan *p, int arg);

bool hr_plan_linear(struct hr_plan *p, int arg);
bool hr_plan_block(struct hr_plan *p, int arg);
bool hr_plan_vmemmap(struct hr_plan *p, int arg);
bool hr_plan_limits(struct hr_plan *p, int arg);
bool hr_plan_index(struct hr_plan *p, int arg);
void hr_set(struct hr_range *r, unsigned long start, unsigned long end);

unsigned long hr_phys_off(unsigned long va);
int hr_map(struct kunit *test, const struct hr_plan *p, const struct hr_range *r);
bool hr_map_remove(struct kunit *test, const struct hr_plan *p,
		   const struct hr_range *r);
void hr_check_shape(struct kunit *test, const struct hr_plan *p,
		    const struct hr_range *r);
void hr_run_plan(struct kunit *test, const struct hr_plan *p);

/* Per-case state: snapshots, and the extra page references a case holds. */
struct hr_case_ctx {
	struct hr_snap before, mapped, after, probe;
	struct page *refs[HR_MAX_TABLES + HR_MAX_PAGES];
	unsigned int nr_refs;
};

void hr_get(struct hr_case_ctx *c, struct page *page);

/* A hot-add of RAM that mem= hid from the kernel, and where it is mapped. */
struct hr_hotadd {
	phys_addr_t phys;
	unsigned long size, va, vs, ve;
	unsigned long saved_max_pfn, saved_max_low_pfn;
};

phys_addr_t hr_unused_phys(unsigned long size);
void hr_hotadd_init(struct kunit *test, struct hr_hotadd *h, unsigned long size);
int hr_hotadd_add(struct hr_hotadd *h, struct vmem_altmap *altmap);
void hr_hotadd_remove(struct hr_hotadd *h, struct vmem_altmap *altmap);

/*
 * The arch memory notifier that guards offlining.  Mainline renamed it
 * prevent_memory_remove_notifier() when it added its leaf-split check; the
 * glue that builds the suites on that code (patches/upstream/) says so with
 * -Dhr_memory_notifier=prevent_memory_remove_notifier.
 */
#ifndef hr_memory_notifier
#define hr_memory_notifier prevent_bootmem_remove_notifier
#endif

/*
 * The page-table allocator hot-add passes to __create_pgd_mapping().
 * Mainline's takes the level as an enum pgtable_level and is called
 * pgd_pgtable_alloc_init_mm(); the glue that builds the suites there says
 * so with -Dhr_pgtable_alloc=pgd_pgtable_alloc_init_mm.
 */
#ifndef hr_pgtable_alloc
#define hr_pgtable_alloc __pgd_pgtable_alloc
#endif

int hr_going_offline(struct kunit *test, const struct hr_plan *p,
		     bool skip_memmap, bool last);

int hr_suite_init(struct kunit_suite *suite);
int hr_test_init(struct kunit *test);
void hr_test_exit(struct kunit *test);

#endif /* __ARM64_MM_HOTREMOVE_KUNIT_H */
