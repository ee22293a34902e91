// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit stress test for arm64 memory hot-remove: walkers that do not take
 * the memory hotplug lock, against hot-remove.  A module of its own
 * (CONFIG_ARM64_MM_HOTREMOVE_STRESS_TEST=m), like lib/test_vmalloc.c: the
 * suite runs when it is loaded, and its results are in
 * /sys/kernel/debug/kunit/arm64_mm_hotremove_stress/results.
 *
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
 * Every thread checks what it wrote through its own mapping in every round,
 * and the reader that no table it meets is a free page.  Bounded by round
 * counts; needs no particular timing.  The threads are bound round-robin to
 * the online CPUs; with one CPU the case skips.  It maps the top of PCI I/O
 * space, so it skips where something is mapped there.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/hash.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/memory.h>
#include <asm/mmu.h>

#include "hotremove_kunit.h"

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
			/* The top of PCI I/O space, unused (hr_stress_test()). */
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
		top = ALIGN_DOWN(hr_geo.vmem_hi, hr_geo.sect_vmemmap);
		if ((round & 1) && VMALLOC_END > VMEMMAP_START)
			top = ALIGN(VMALLOC_END, hr_geo.sect_vmemmap) + hr_geo.sect_vmemmap;
		r.start = top - hr_geo.sect_vmemmap;
		r.end = top;
		ok = hr_map_remove(st->test, &p, &r);
		break;
	}
	case HR_ST_LINEAR: {
		struct hr_plan p = { .region = HR_LINEAR };
		struct hr_range r;

		top = ALIGN_DOWN(hr_geo.lin_hi, PMD_SIZE);
		r.start = top - PMD_SIZE;
		r.end = top;
		ok = hr_map_remove(st->test, &p, &r);
		break;
	}
	case HR_ST_READER:
		/*
		 * What ptdump_walk_pgd() holds while it walks: no table it
		 * meets may be a freed page.
		 */
		ok = hr_tables_live(st->snap, lo, FIXADDR_TOP);
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
	unsigned int i, started = 0, cpus = num_online_cpus();
	struct hr_stress_arg *args;

	if (cpus < 2)
		kunit_skip(test, "one CPU online: the threads could not run at the same time");
	KUNIT_ASSERT_NOT_NULL(test, st);
	args = kunit_kcalloc(test, HR_ST_NR, sizeof(*args), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, args);
	st->snap = kunit_kzalloc(test, sizeof(*st->snap), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st->snap);
	hr_snapshot(st->snap, PCI_IO_END - 8 * PAGE_SIZE, PCI_IO_END, false);
	if (st->snap->nr_leaves)
		kunit_skip(test, "the top of PCI I/O space is in use");
	/* The linear map thread aliases RAM below the top of its window. */
	KUNIT_ASSERT_LE(test, hr_phys_off(ALIGN_DOWN(hr_geo.lin_hi, PMD_SIZE) - PMD_SIZE) +
			PMD_SIZE, (unsigned long)hr_geo.alias_size);
	st->test = test;
	init_completion(&st->done);

	for (i = 0; i < HR_ST_NR; i++) {
		struct task_struct *t;

		args[i].st = st;
		args[i].kind = i;
		t = kthread_create(hr_stress_thread, &args[i], "hr_stress/%u", i);
		if (IS_ERR(t)) {
			KUNIT_FAIL(test, "cannot start the %s thread", hr_stress_name[i]);
			break;
		}
		/* Spread over the online CPUs, so that they really overlap. */
		kthread_bind(t, cpumask_nth(i % cpus, cpu_online_mask));
		wake_up_process(t);
		started++;
	}
	for (i = 0; i < started; i++)
		wait_for_completion(&st->done);

	for (i = 0; i < started; i++)
		kunit_info(test, "%s: %d of %d rounds\n", hr_stress_name[i],
			   atomic_read(&st->rounds[i]), HR_STRESS_ROUNDS);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&st->errors), 0,
			    "rounds that failed or read back wrong data");
	kunit_info(test, "%u threads on %u CPUs\n", started, cpus);
}

static struct kunit_case hr_stress_cases[] = {
	KUNIT_CASE_SLOW(hr_stress_test),
	{}
};

static struct kunit_suite hr_stress_suite = {
	.name = "arm64_mm_hotremove_stress",
	.suite_init = hr_suite_init,
	.init = hr_test_init,
	.exit = hr_test_exit,
	.test_cases = hr_stress_cases,
};

kunit_test_suite(hr_stress_suite);

MODULE_DESCRIPTION("Stress test for arm64 memory hot-remove against vmalloc and ioremap");
MODULE_LICENSE("GPL");
/*
 * What MODULE_IMPORT_NS() expands to both where it stringifies its argument
 * (6.12) and where it takes a string (mainline), so the module builds on both.
 */
MODULE_INFO(import_ns, "EXPORTED_FOR_KUNIT_TESTING");
