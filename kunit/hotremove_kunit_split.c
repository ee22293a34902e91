// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for arm64 memory hot-remove: removals that would cut a leaf.
 *
 * Removing the start, the middle or the end of a block or contiguous run
 * would unmap memory outside the removed range, and arm64 cannot split a
 * live kernel block here.  hotplug_range_splits_leaf() is where the
 * teardown decides that: each case maps one leaf, asks about a removal that
 * cuts it and about one that takes it whole, and checks the answers and
 * that asking changed no mapping.  No case tears down a range that cuts a
 * leaf: unmap_hotplug_range() warns when asked to, and a warning must mean
 * a bug.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <asm/memory.h>
#include <asm/mmu.h>

#include "hotremove_kunit.h"

struct hr_split_case {
	int leaf;		/* hr_plan_block() arg, or -1: a vmemmap block */
	int pos;		/* 0: start removed, 1: middle, 2: end */
};

static const char * const hr_split_leaf_name[] = {
	"pmd block", "pud block", "contiguous ptes", "contiguous pmds",
};

static const struct hr_split_case hr_split_params[] = {
	{ 0, 0 }, { 0, 1 }, { 0, 2 },
	{ 1, 0 }, { 1, 1 }, { 1, 2 },
	{ 2, 0 }, { 2, 1 }, { 2, 2 },
	{ 3, 0 }, { 3, 1 }, { 3, 2 },
	{ -1, 0 }, { -1, 1 }, { -1, 2 },
};

/* Fill @p with the leaf of @sc and the removal that cuts it; its size. */
static unsigned long hr_split_plan(const struct hr_split_case *sc,
				   struct hr_plan *p)
{
	static const char * const pos_name[] = { "start", "middle", "end" };
	static const unsigned long size[] = {
		PMD_SIZE, PUD_SIZE, CONT_PTE_SIZE, CONT_PMD_SIZE,
	};
	unsigned long a, q, leaf;
	bool ok;

	memset(p, 0, sizeof(*p));
	if (sc->leaf < 0) {
		ok = hr_plan_vmemmap(p, 0);
		leaf = hr_geo.sect_vmemmap;
		/* Only 4K pages map a whole section's memmap with a PMD block. */
		if (ok && !IS_ENABLED(CONFIG_ARM64_4K_PAGES)) {
			p->skip = "the vmemmap is mapped with pages without 4K pages";
			ok = false;
		}
		p->want_blocks = 1;
	} else {
		ok = hr_plan_block(p, sc->leaf);
		leaf = size[sc->leaf];
	}
	snprintf(p->desc, sizeof(p->desc), "%s, %s removed",
		 sc->leaf < 0 ? "vmemmap pmd block" : hr_split_leaf_name[sc->leaf],
		 pos_name[sc->pos]);
	if (!ok)
		return 0;

	a = p->map[0].start;
	q = leaf / 4;
	p->map[0].end = a + leaf;
	if (sc->pos == 0)
		hr_set(&p->remove, a, a + q);
	else if (sc->pos == 1)
		hr_set(&p->remove, a + q, a + 3 * q);
	else
		hr_set(&p->remove, a + 3 * q, a + leaf);
	return leaf;
}

static void hr_split_desc(const struct hr_split_case *sc, char *desc)
{
	struct hr_plan p;

	hr_split_plan(sc, &p);
	strscpy(desc, p.desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hr_split, hr_split_params, hr_split_desc);

static void hr_split_test(struct kunit *test)
{
	const struct hr_split_case *sc = test->param_value;
	struct hr_case_ctx *c = test->priv;
	const struct hr_range *m, *r;
	unsigned long leaf, leaves, cut;
	struct hr_plan p;
	u64 hash;

	leaf = hr_split_plan(sc, &p);
	if (!leaf)
		kunit_skip(test, "%s", p.skip);
	m = &p.map[0];
	r = &p.remove;

	hr_snapshot(&c->probe, m->start, m->end, false);
	KUNIT_ASSERT_EQ_MSG(test, c->probe.nr_leaves, 0UL,
			    "range [%lx, %lx) is not free before the case",
			    m->start, m->end);
	KUNIT_ASSERT_EQ(test, hr_map(test, &p, m), 0);
	hr_check_shape(test, &p, m);
	KUNIT_ASSERT_EQ_MSG(test, c->probe.max_leaf, leaf,
			    "one %lu KiB leaf expected over [%lx, %lx)",
			    leaf >> 10, m->start, m->end);
	leaves = c->probe.nr_leaves;
	hash = c->probe.leaf_hash;

	cut = hotplug_range_splits_leaf(r->start, r->end);
	KUNIT_EXPECT_EQ_MSG(test, cut, leaf,
			    "removing [%lx, %lx) would cut the leaf [%lx, %lx)",
			    r->start, r->end, m->start, m->end);
	KUNIT_EXPECT_EQ_MSG(test, hotplug_range_splits_leaf(m->start, m->end), 0UL,
			    "removing the whole leaf [%lx, %lx) cuts nothing",
			    m->start, m->end);

	hr_snapshot(&c->probe, m->start, m->end, false);
	KUNIT_EXPECT_EQ(test, c->probe.nr_leaves, leaves);
	KUNIT_EXPECT_EQ(test, c->probe.leaf_hash, hash);
}

static struct kunit_case hr_split_cases[] = {
	KUNIT_CASE_PARAM(hr_split_test, hr_split_gen_params),
	{}
};

static struct kunit_suite hr_split_suite = {
	.name = "arm64_mm_hotremove_split",
	.suite_init = hr_suite_init,
	.init = hr_test_init,
	.exit = hr_test_exit,
	.test_cases = hr_split_cases,
};

kunit_test_suite(hr_split_suite);
