// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for a page-table allocation that fails while hot-add maps new
 * memory into the linear map: __create_pgd_mapping() must return -ENOMEM
 * instead of crashing, allocate nothing after the failure, and leave every
 * table it did allocate linked into the tree, so that the unwinding of
 * arch_add_memory() (__remove_pgd_mapping()) finds and frees them all.
 *
 * The case maps part of the RAM that mem= hid at its linear address with
 * pages, as arch_add_memory() does under arm64's default rodata=full (the
 * suite boots with rodata=on, which would give one block-mapped table),
 * through an allocator that fails at a chosen table: the first, the first
 * pte table, a middle one or the last one the mapping needs (counted by a
 * mapping that does not fail).
 */
#include <kunit/test.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <asm/mmu.h>

#include "hotremove_kunit.h"

enum hr_pgalloc_fail { HR_FAIL_FIRST, HR_FAIL_FIRST_PTE, HR_FAIL_MIDDLE,
		       HR_FAIL_LAST };

struct hr_pgalloc_case {
	const char *desc;
	enum hr_pgalloc_fail fail;
};

static const struct hr_pgalloc_case hr_pgalloc_cases[] = {
	{ "the first table fails", HR_FAIL_FIRST },
	{ "the first pte table fails", HR_FAIL_FIRST_PTE },
	{ "a middle table fails", HR_FAIL_MIDDLE },
	{ "the last table fails", HR_FAIL_LAST },
};

static void hr_pgalloc_desc(const struct hr_pgalloc_case *pc, char *desc)
{
	strscpy(desc, pc->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hr_pgalloc, hr_pgalloc_cases, hr_pgalloc_desc);

/* At most 64 pte tables are mapped (hr_pgalloc_size()), and a few above. */
#define HR_PGALLOC_MAX	128

/*
 * The allocator's state: the callback takes no argument, and the cases
 * run one at a time, under the memory hotplug lock.
 */
static struct {
	unsigned int calls;
	unsigned int fail_at;		/* 1-based; 0: never fail */
	int shift[HR_PGALLOC_MAX];	/* what each call asked for */
} hr_pga;

/*
 * __pgd_pgtable_alloc(), the allocator hot-add uses, failing at call
 * hr_pga.fail_at the way it fails when the page allocator does: with
 * mmu.c's INVALID_PHYS_ADDR.
 */
static phys_addr_t hr_pgalloc_alloc(int shift)
{
	unsigned int n = hr_pga.calls++;

	if (n < HR_PGALLOC_MAX)
		hr_pga.shift[n] = shift;
	if (n + 1 == hr_pga.fail_at)
		return (phys_addr_t)-1;
	return __pgd_pgtable_alloc(shift);
}

static const char *hr_pgalloc_level(int shift)
{
	if (shift == PAGE_SHIFT)
		return "pte";
	if (shift == PMD_SHIFT)
		return "pmd";
	if (shift == PUD_SHIFT)
		return "pud";
	return "p4d";
}

/*
 * Map [h->va, h->va + h->size) onto its RAM with pages, as
 * arch_add_memory() does when can_set_direct_map(), failing at table
 * @fail_at (0: none); what __create_pgd_mapping() said.
 */
static int hr_pgalloc_map(const struct hr_hotadd *h, unsigned int fail_at)
{
	int flags = NO_EXEC_MAPPINGS | NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS;
	int ret;

	memset(&hr_pga, 0, sizeof(hr_pga));
	hr_pga.fail_at = fail_at;
	mem_hotplug_begin();
	ret = __create_pgd_mapping(swapper_pg_dir, h->phys, h->va, h->size,
				   PAGE_KERNEL, hr_pgalloc_alloc, flags);
	mem_hotplug_done();
	return ret;
}

static void hr_pgalloc_unmap(const struct hr_hotadd *h)
{
	mem_hotplug_begin();
	__remove_pgd_mapping(swapper_pg_dir, h->va, h->size);
	mem_hotplug_done();
}

/*
 * Enough RAM for several tables of the lowest level but no more than the
 * walker records: 64 pte tables' worth, at most 1 GiB.
 */
static unsigned long hr_pgalloc_size(void)
{
	unsigned long size = min_t(u64, hr_geo.hidden_size, SZ_1G);

	return min(size, 64 * hr_geo.span[HR_PTE]);
}

static void hr_pgalloc_fail_test(struct kunit *test)
{
	const struct hr_pgalloc_case *pc = test->param_value;
	struct hr_case_ctx *c = test->priv;
	unsigned int n, fail_at, i, linked;
	struct hr_hotadd h;
	int ret;

	hr_hotadd_init(test, &h, hr_pgalloc_size());
	hr_snapshot(&c->before, h.va, h.va + h.size, false);
	KUNIT_ASSERT_EQ(test, c->before.nr_leaves, 0UL);
	KUNIT_ASSERT_FALSE(test, c->before.overflow);

	/* Count the tables the mapping needs, and check it goes away whole. */
	ret = hr_pgalloc_map(&h, 0);
	n = hr_pga.calls;
	hr_pgalloc_unmap(&h);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_GT(test, n, 0U);
	KUNIT_ASSERT_LE(test, n, HR_PGALLOC_MAX);
	hr_snapshot(&c->after, h.va, h.va + h.size, false);
	KUNIT_ASSERT_TRUE(test, hr_same_tables(&c->after, &c->before));

	switch (pc->fail) {
	case HR_FAIL_FIRST:
		fail_at = 1;
		break;
	case HR_FAIL_FIRST_PTE:
		for (i = 0; i < n && hr_pga.shift[i] != PAGE_SHIFT; i++)
			;
		if (i == n)
			kunit_skip(test, "mapping %lu MiB allocates no pte table here",
				   h.size >> 20);
		if (i == 0)
			kunit_skip(test, "the first table is a pte table here: the first case");
		fail_at = i + 1;
		break;
	case HR_FAIL_MIDDLE:
		if (n < 3)
			kunit_skip(test, "mapping %lu MiB allocates %u tables here: no middle one",
				   h.size >> 20, n);
		fail_at = n / 2 + 1;
		break;
	default:
		if (n < 2)
			kunit_skip(test, "mapping %lu MiB allocates one table here: the first case",
				   h.size >> 20);
		fail_at = n;
		break;
	}
	kunit_info(test, "table %u of %u fails, a %s table", fail_at, n,
		   hr_pgalloc_level(hr_pga.shift[fail_at - 1]));

	ret = hr_pgalloc_map(&h, fail_at);
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	KUNIT_EXPECT_EQ_MSG(test, hr_pga.calls, fail_at,
			    "tables were allocated after the failure");
	/* What it allocated is in the tree, where the unwinding finds it. */
	hr_snapshot(&c->mapped, h.va, h.va + h.size, false);
	KUNIT_EXPECT_FALSE(test, c->mapped.overflow);
	linked = c->mapped.nr_tables - c->before.nr_tables;
	KUNIT_EXPECT_EQ_MSG(test, linked, fail_at - 1,
			    "%u tables allocated before the failure, %u linked",
			    fail_at - 1, linked);

	hr_pgalloc_unmap(&h);
	hr_snapshot(&c->after, h.va, h.va + h.size, false);
	KUNIT_EXPECT_EQ(test, c->after.nr_leaves, 0UL);
	KUNIT_EXPECT_TRUE_MSG(test, hr_same_tables(&c->after, &c->before),
			      "tables left behind after unwinding the failed mapping");

	/* Nothing half done: the same range maps and goes away again. */
	ret = hr_pgalloc_map(&h, 0);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, hr_pga.calls, n);
	hr_pgalloc_unmap(&h);
	hr_snapshot(&c->after, h.va, h.va + h.size, false);
	KUNIT_EXPECT_EQ(test, c->after.nr_leaves, 0UL);
	KUNIT_EXPECT_TRUE(test, hr_same_tables(&c->after, &c->before));
}

static struct kunit_case hr_pgalloc_test_cases[] = {
	KUNIT_CASE_PARAM(hr_pgalloc_fail_test, hr_pgalloc_gen_params),
	{}
};

static struct kunit_suite hr_pgalloc_suite = {
	.name = "arm64_mm_hotremove_pgalloc",
	.suite_init = hr_suite_init,
	.init = hr_test_init,
	.exit = hr_test_exit,
	.test_cases = hr_pgalloc_test_cases,
};

kunit_test_suite(hr_pgalloc_suite);
