// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite: which page-table pages does memory hot-remove share with
 * other kernel regions on x86_64 and riscv64, and does the teardown free
 * them?
 *
 * Hot-remove tears down the direct map and the vmemmap of the removed range
 * and frees every table page that it leaves empty.  A table page whose span
 * also covers another region (vmalloc, modules, fixmap, ...) can be reached
 * by that region's walkers, which take no lock that hot-remove takes: if
 * the teardown frees it, a concurrent vmalloc() can write into a freed page.
 *
 * hr_xarch_layout_test prints the regions of this boot.  For each end of
 * the direct map and of the vmemmap that hot-remove can reach (the memory
 * mhp_get_pluggable_range() allows), hr_xarch_shared_test finds the table
 * at each level that covers it and the regions it shares that table with.
 * Where the end is not mapped, it maps a 2 MiB block of new RAM there with
 * vmemmap_populate() and tears it down with vmemmap_free(): the teardown
 * that hot-remove runs (on both architectures the direct map and the
 * vmemmap share it, with the same rules for freeing tables).  It then says
 * for each level whether the table was freed, and fails if a table that
 * another region can reach was freed, or, where memory KASLR randomises the
 * layout, a table that reaches outside the region: the space there may be
 * another region's in the next boot.
 *
 * Each finding is one line, "xarch: key=value ...", for xarch/table.py.
 */
#include <kunit/test.h>
#include <linux/align.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/range.h>
#include <linux/sizes.h>

#if defined(CONFIG_X86_64)
#include <asm/cpu_entry_area.h>
#include <asm/fixmap.h>
#include <asm/setup.h>
#elif defined(CONFIG_RISCV)
#include <asm/fixmap.h>
#else
#error "hr_xarch_kunit: x86_64 and riscv64 only"
#endif

/*
 * A region of the kernel's address space: [start, last].  A hot-removable
 * region owns the space up to own_last, which no other region can have,
 * even where the layout is random.
 */
struct hr_region {
	const char *name;
	unsigned long start;
	unsigned long last;
	unsigned long own_last;
	bool hot_removable;
};

#define HR_MAX_REGIONS	12

struct hr_layout {
	struct hr_region r[HR_MAX_REGIONS];
	int nr;
	bool overflow;		/* a region did not fit in r[] */
	const char *mode;
};

enum hr_level { HR_PTE, HR_PMD, HR_PUD, HR_P4D, HR_NR_LEVELS };

static const char *const hr_level_name[HR_NR_LEVELS] = {
	"pte", "pmd", "pud", "p4d",
};

/*
 * end is exclusive; 0 is the top of the address space.  A region that ends
 * before it starts is kept, for hr_xarch_layout_test to report.
 */
static void hr_add(struct hr_layout *l, const char *name, unsigned long start,
		   unsigned long end, bool hot_removable)
{
	if (l->nr == HR_MAX_REGIONS) {
		l->overflow = true;
		return;
	}
	l->r[l->nr++] = (struct hr_region){ name, start, end - 1, end - 1,
					    hot_removable };
}

/* The bytes a table at each level covers, and each of its entries. */
static unsigned long hr_table_span(enum hr_level lvl)
{
	switch (lvl) {
	case HR_PTE:
		return PMD_SIZE;
	case HR_PMD:
		return PUD_SIZE;
	case HR_PUD:
		return P4D_SIZE;
	default:
		return PGDIR_SIZE;
	}
}

static unsigned long hr_entry_span(enum hr_level lvl)
{
	return lvl == HR_PTE ? PAGE_SIZE : hr_table_span(lvl - 1);
}

#if defined(CONFIG_X86_64)
static bool hr_level_exists(enum hr_level lvl)
{
	return lvl != HR_P4D || pgtable_l5_enabled();
}

/* Memory KASLR may place vmalloc anywhere past the end of the direct map. */
static bool hr_layout_random(void)
{
	return kaslr_memory_enabled();
}

/*
 * The last physical byte the direct map can map: DIRECT_MAP_PHYSMEM_END in
 * 7.3, PHYSMEM_END in 6.12.
 */
static u64 hr_direct_map_last_phys(void)
{
#ifdef DIRECT_MAP_PHYSMEM_END
	return DIRECT_MAP_PHYSMEM_END;
#else
	return PHYSMEM_END;
#endif
}

/* The vmemmap region is sized in TiB, with memory KASLR or without. */
static unsigned long hr_vmemmap_own_last(const struct hr_region *r)
{
	return r->start + ALIGN(r->last - r->start + 1, 1UL << 40) - 1;
}

/* x86's vmemmap_populate() maps any kernel address it is given. */
static const char *hr_cannot_populate(unsigned long addr)
{
	return NULL;
}

static void hr_arch_layout(struct hr_layout *l)
{
	l->mode = pgtable_l5_enabled() ?
		(kaslr_memory_enabled() ? "5-level, memory KASLR" : "5-level, no KASLR") :
		(kaslr_memory_enabled() ? "4-level, memory KASLR" : "4-level, no KASLR");
	/* VMALLOC_END is the last byte on x86. */
	hr_add(l, "vmalloc", VMALLOC_START, VMALLOC_END + 1, false);
	hr_add(l, "LDT remap", LDT_BASE_ADDR, LDT_END_ADDR, false);
	hr_add(l, "cpu_entry_area", CPU_ENTRY_AREA_BASE,
	       CPU_ENTRY_AREA_BASE + CPU_ENTRY_AREA_MAP_SIZE, false);
	hr_add(l, "espfix", ESPFIX_BASE_ADDR, ESPFIX_BASE_ADDR + P4D_SIZE, false);
	hr_add(l, "EFI", EFI_VA_END, EFI_VA_START, false);
	hr_add(l, "kernel image", __START_KERNEL_map,
	       __START_KERNEL_map + KERNEL_IMAGE_SIZE, false);
	hr_add(l, "modules", MODULES_VADDR, MODULES_END, false);
	hr_add(l, "fixmap", FIXADDR_START, FIXADDR_TOP + PAGE_SIZE, false);
}
#else
static bool hr_level_exists(enum hr_level lvl)
{
	if (lvl == HR_P4D)
		return pgtable_l5_enabled;
	return lvl != HR_PUD || pgtable_l4_enabled;
}

static bool hr_layout_random(void)
{
	return false;
}

static unsigned long hr_vmemmap_own_last(const struct hr_region *r)
{
	return VMEMMAP_END - 1;
}

/* The direct map is KERN_VIRT_SIZE from PAGE_OFFSET (vm-layout.rst). */
static u64 hr_direct_map_last_phys(void)
{
	return __pa(PAGE_OFFSET + KERN_VIRT_SIZE - 1);
}

/*
 * riscv's vmemmap_populate() is for the vmemmap region: 7.3.4 warns when it
 * is asked to map anything else (arch/riscv/mm/init.c).
 */
static const char *hr_cannot_populate(unsigned long addr)
{
	if (addr >= VMEMMAP_START && addr + PMD_SIZE <= VMEMMAP_END)
		return NULL;
	return "riscv's vmemmap_populate() maps the vmemmap region only: the tables here are read, not torn down";
}

static void hr_arch_layout(struct hr_layout *l)
{
	l->mode = pgtable_l5_enabled ? "sv57" : pgtable_l4_enabled ? "sv48" : "sv39";
	hr_add(l, "vmalloc", VMALLOC_START, VMALLOC_END, false);
	hr_add(l, "modules", MODULES_VADDR, MODULES_END, false);
	hr_add(l, "PCI I/O", PCI_IO_START, PCI_IO_END, false);
	hr_add(l, "fixmap", FIXADDR_START, FIXADDR_TOP, false);
	hr_add(l, "kernel image", kernel_map.virt_addr,
	       kernel_map.virt_addr + kernel_map.size, false);
}
#endif

/*
 * What hot-remove can reach: the direct map and the memmap of the physical
 * range memory may be hot-added to, within what the direct map can map
 * (hr_xarch_layout_test checks that the range stays within it).
 */
static void hr_get_layout(struct hr_layout *l)
{
	struct range pluggable = mhp_get_pluggable_range(true);
	unsigned long first = PFN_DOWN(pluggable.start);
	unsigned long last = PFN_DOWN(min_t(u64, pluggable.end,
					    hr_direct_map_last_phys()));

	memset(l, 0, sizeof(*l));
	hr_add(l, "direct map", (unsigned long)__va(PFN_PHYS(first)),
	       (unsigned long)__va(PFN_PHYS(last)) + PAGE_SIZE, true);
	hr_add(l, "vmemmap", (unsigned long)pfn_to_page(first),
	       (unsigned long)(pfn_to_page(last) + 1), true);
	l->r[1].own_last = hr_vmemmap_own_last(&l->r[1]);
	hr_arch_layout(l);
}

/* The table page at each level that covers addr, NULL where there is none. */
static void hr_walk(unsigned long addr, void *table[HR_NR_LEVELS])
{
	pgd_t *pgdp = pgd_offset_k(addr);
	p4d_t *p4dp;
	pud_t *pudp;
	pmd_t *pmdp;

	memset(table, 0, sizeof(void *) * HR_NR_LEVELS);
	if (pgd_none(pgdp_get(pgdp)) || pgd_leaf(pgdp_get(pgdp)))
		return;
	p4dp = p4d_offset(pgdp, addr);
	if (hr_level_exists(HR_P4D))
		table[HR_P4D] = p4dp - p4d_index(addr);
	if (p4d_none(p4dp_get(p4dp)) || p4d_leaf(p4dp_get(p4dp)))
		return;
	pudp = pud_offset(p4dp, addr);
	if (hr_level_exists(HR_PUD))
		table[HR_PUD] = pudp - pud_index(addr);
	if (pud_none(pudp_get(pudp)) || pud_leaf(pudp_get(pudp)))
		return;
	pmdp = pmd_offset(pudp, addr);
	table[HR_PMD] = pmdp - pmd_index(addr);
	if (pmd_none(pmdp_get(pmdp)) || pmd_leaf(pmdp_get(pmdp)))
		return;
	table[HR_PTE] = pte_offset_kernel(pmdp, addr) - pte_index(addr);
}

/* Is anything mapped in the 2 MiB at addr (a leaf, or a pte table)? */
static bool hr_pmd_in_use(unsigned long addr)
{
	void *table[HR_NR_LEVELS];
	pmd_t *pmdp;

	hr_walk(addr, table);
	if (!table[HR_PMD])
		return false;
	pmdp = (pmd_t *)table[HR_PMD] + pmd_index(addr);
	return !pmd_none(pmdp_get(pmdp));
}

static bool hr_entry_none(enum hr_level lvl, void *table, int i)
{
	switch (lvl) {
	case HR_PTE:
		return pte_none(ptep_get((pte_t *)table + i));
	case HR_PMD:
		return pmd_none(pmdp_get((pmd_t *)table + i));
	case HR_PUD:
		return pud_none(pudp_get((pud_t *)table + i));
	default:
		return p4d_none(p4dp_get((p4d_t *)table + i));
	}
}

static bool hr_overlaps(const struct hr_region *r, unsigned long start,
			unsigned long last)
{
	return r->start <= last && start <= r->last;
}

/* Entries of the table that map something outside the hot-removable regions. */
static int hr_foreign_entries(const struct hr_layout *l, enum hr_level lvl,
			      void *table, unsigned long base)
{
	unsigned long step = hr_entry_span(lvl);
	int i, j, n = 0;

	for (i = 0; i < PAGE_SIZE / sizeof(unsigned long); i++) {
		unsigned long s = base + i * step;
		bool ours = false;

		if (hr_entry_none(lvl, table, i))
			continue;
		for (j = 0; j < l->nr; j++)
			if (l->r[j].hot_removable &&
			    l->r[j].start <= s && s + step - 1 <= l->r[j].last)
				ours = true;
		n += !ours;
	}
	return n;
}

struct hr_boundary {
	const char *name;
	int region;		/* 0: direct map, 1: vmemmap */
	bool top;
};

static const struct hr_boundary hr_boundaries[] = {
	{ "direct map, lowest address", 0, false },
	{ "direct map, highest address", 0, true },
	{ "vmemmap, lowest address", 1, false },
	{ "vmemmap, highest address", 1, true },
};

static void hr_boundary_desc(const struct hr_boundary *b, char *desc)
{
	strscpy(desc, b->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hr_boundary, hr_boundaries, hr_boundary_desc);

static void hr_xarch_layout_test(struct kunit *test)
{
	struct range pluggable = mhp_get_pluggable_range(true);
	struct hr_layout l;
	int i;

	hr_get_layout(&l);
	kunit_info(test, "xarch: mode=\"%s\" page_offset=0x%lx pluggable=0x%llx-0x%llx direct_map_last_phys=0x%llx\n",
		   l.mode, PAGE_OFFSET, pluggable.start, pluggable.end,
		   hr_direct_map_last_phys());
	KUNIT_EXPECT_LE_MSG(test, pluggable.end, hr_direct_map_last_phys(),
			    "memory may be hot-added up to 0x%llx, which the direct map cannot map (it ends at 0x%llx)",
			    pluggable.end, hr_direct_map_last_phys());
	for (i = 0; i < l.nr; i++) {
		kunit_info(test, "xarch: region=\"%s\" start=0x%lx end=0x%lx\n",
			   l.r[i].name, l.r[i].start, l.r[i].last + 1);
		KUNIT_EXPECT_LT_MSG(test, l.r[i].start, l.r[i].last,
				    "the %s ends before it starts", l.r[i].name);
	}
	KUNIT_EXPECT_FALSE_MSG(test, l.overflow, "more regions than HR_MAX_REGIONS");
	for (i = HR_PTE; i < HR_NR_LEVELS; i++)
		if (hr_level_exists(i))
			kunit_info(test, "xarch: level=%s table_span=0x%lx\n",
				   hr_level_name[i], hr_table_span(i));
}

static void hr_xarch_shared_test(struct kunit *test)
{
	const struct hr_boundary *b = test->param_value;
	void *before[HR_NR_LEVELS], *mapped[HR_NR_LEVELS], *after[HR_NR_LEVELS];
	const struct hr_region *own;
	struct hr_layout l;
	unsigned long addr;
	bool populated = false, in_use;
	const char *cannot;
	int lvl, i, ret;

	hr_get_layout(&l);
	own = &l.r[b->region];
	KUNIT_ASSERT_LT_MSG(test, own->start, own->last,
			    "the %s hot-remove reaches ends before it starts", own->name);
	/* The 2 MiB block at this end of the region, inside it. */
	addr = b->top ? ALIGN_DOWN(own->last + 1, PMD_SIZE) - PMD_SIZE :
			ALIGN(own->start, PMD_SIZE);
	KUNIT_ASSERT_TRUE(test, addr >= own->start && addr + PMD_SIZE - 1 <= own->last);

	cannot = hr_cannot_populate(addr);
	mem_hotplug_begin();
	in_use = hr_pmd_in_use(addr);
	hr_walk(addr, before);
	if (!in_use && !cannot) {
		ret = vmemmap_populate(addr, addr + PMD_SIZE, numa_node_id(), NULL);
		hr_walk(addr, mapped);
		if (!ret) {
			populated = true;
			vmemmap_free(addr, addr + PMD_SIZE, NULL);
			hr_walk(addr, after);
		}
	}
	mem_hotplug_done();

	kunit_info(test, "xarch: mode=\"%s\" boundary=\"%s\" addr=0x%lx in_use=%d\n",
		   l.mode, b->name, addr, in_use);

	for (lvl = HR_PTE; lvl < HR_NR_LEVELS; lvl++) {
		unsigned long span = hr_table_span(lvl);
		unsigned long base = ALIGN_DOWN(addr, span);
		char shares[128] = "";
		bool shared = false, beyond;
		const char *result;
		void *table;
		int foreign = 0;

		if (!hr_level_exists(lvl))
			continue;
		for (i = 0; i < l.nr; i++) {
			if (&l.r[i] == own || !hr_overlaps(&l.r[i], base, base + span - 1))
				continue;
			if (!l.r[i].hot_removable)
				shared = true;
			strlcat(shares, shares[0] ? "," : "", sizeof(shares));
			strlcat(shares, l.r[i].name, sizeof(shares));
		}

		table = populated ? mapped[lvl] : before[lvl];
		if (table)
			foreign = hr_foreign_entries(&l, lvl, table, base);
		if (!populated)
			result = in_use ? "mapped" : "not-populated";
		else if (!mapped[lvl])
			result = "none";	/* a leaf above this level */
		else if (after[lvl] == mapped[lvl])
			result = "kept";
		else
			result = "freed";

		/* beyond: the table also maps space the region does not own. */
		beyond = base < own->start || base + span - 1 > own->own_last;
		kunit_info(test,
			   "xarch: mode=\"%s\" boundary=\"%s\" level=%s table=0x%lx-0x%lx beyond=%d shares=\"%s\" existed=%d result=%s foreign_entries=%d\n",
			   l.mode, b->name, hr_level_name[lvl], base, base + span - 1,
			   beyond, shares[0] ? shares : "-", !!before[lvl], result, foreign);
		KUNIT_EXPECT_FALSE_MSG(test, shared && !strcmp(result, "freed"),
				       "the %s table at 0x%lx, shared with %s, was freed by the teardown",
				       hr_level_name[lvl], base, shares);
		/*
		 * Where the layout is random, space outside the region that
		 * is unused in this boot may belong to another region in the
		 * next one.
		 */
		KUNIT_EXPECT_FALSE_MSG(test, beyond && hr_layout_random() &&
				       !strcmp(result, "freed"),
				       "the %s table at 0x%lx-0x%lx reaches outside the %s, where a random layout may put another region, and was freed by the teardown",
				       hr_level_name[lvl], base, base + span - 1, own->name);
	}

	if (in_use)
		kunit_skip(test,
			   "0x%lx is mapped from boot: no room for a synthetic range, and boot memory keeps its tables in use",
			   addr);
	if (cannot)
		kunit_skip(test, "%s", cannot);
	if (!populated)
		kunit_skip(test, "vmemmap_populate() failed: no teardown to check");
}

static struct kunit_case hr_xarch_cases[] = {
	KUNIT_CASE(hr_xarch_layout_test),
	KUNIT_CASE_PARAM(hr_xarch_shared_test, hr_boundary_gen_params),
	{}
};

static struct kunit_suite hr_xarch_suite = {
	.name = "hr_xarch",
	.test_cases = hr_xarch_cases,
};

kunit_test_suite(hr_xarch_suite);

MODULE_DESCRIPTION("Page tables shared by hot-remove and other kernel regions");
MODULE_LICENSE("GPL");
