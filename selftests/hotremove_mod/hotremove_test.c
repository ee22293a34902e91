// SPDX-License-Identifier: GPL-2.0
/*
 * Test module for the arm64 memory hot-remove selftests.
 *
 * It plays the part of the firmware for the RAM that the kernel was told to
 * ignore with mem=: it finds that RAM (in the device tree's memory nodes,
 * above the last System RAM) and hot-adds and hot-removes it, one or more
 * memory blocks at a time, when asked through debugfs.  It also counts the
 * page-table pages, per level, that map the linear map and the vmemmap, so
 * that a test can tell whether a removal left a table behind.
 *
 * /sys/kernel/debug/hotremove_test/
 *   hidden  read:  "START SIZE BLOCK_SIZE" of the hidden RAM (hex), or
 *                  "none" when there is none
 *   add     write: "START SIZE": add_memory(); the blocks stay offline or
 *                  are onlined as memory/auto_online_blocks says
 *   remove  write: "START SIZE": remove_memory() of blocks added here
 *   tables  read:  one line per region: "linear p4d=N pud=N pmd=N pte=N"
 *                  and "vmemmap ..."; a level the running kernel folds
 *                  reads "-"
 *   table_list read: the same tables, one per line: region, level and the
 *                  first address the table maps
 *   leaves  read:  the leaf entries of the linear map of the hidden RAM:
 *                  "pte=N cont_pte=N pmd=N cont_pmd=N pud=N" (a contiguous
 *                  run counts once per entry in it, under cont_*)
 *   vmalloc_pages read: the pages vmalloc keeps for itself where no
 *                  counter of the kernel's shows them: the page-table pages
 *                  of the module and vmalloc regions, and with
 *                  CONFIG_KASAN_VMALLOC the pages and tables of their
 *                  shadow
 *   events  read:  how often the memory notifier chain has announced each
 *                  action since the module loaded, for memory of the
 *                  hidden RAM: "going_online=N online=N cancel_online=N
 *                  going_offline=N offline=N cancel_offline=N"; the module
 *                  listens first, so it also sees the actions that a later
 *                  notifier refuses
 *
 * Requests outside the hidden RAM fail with ERANGE and removals of blocks
 * this module did not add with ENOENT: the kernel trusts its caller on both
 * (it would map RAM that does not exist, or tear down what it never
 * mapped).  Everything else is left to the kernel to refuse, except an
 * unaligned removal, which remove_memory() treats as a bug (EINVAL here).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/ioport.h>
#include <linux/kasan.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/pgtable.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/sysreg.h>

enum { HT_P4D, HT_PUD, HT_PMD, HT_PTE, HT_LEVELS };
static const char *const level_name[HT_LEVELS] = { "p4d", "pud", "pmd", "pte" };

static u64 hidden_start, hidden_size, block_size;
static unsigned long *added;	/* one bit per block of the hidden RAM */
static DEFINE_MUTEX(ht_lock);
static struct dentry *ht_dir;
static pgd_t *ht_pgd;		/* swapper_pg_dir, from TTBR1_EL1 */

enum { HT_GOING_ONLINE, HT_ONLINE, HT_CANCEL_ONLINE, HT_GOING_OFFLINE,
       HT_OFFLINE, HT_CANCEL_OFFLINE, HT_EVENTS };
static const struct {
	unsigned long action;
	const char *name;
} ht_event[HT_EVENTS] = {
	{ MEM_GOING_ONLINE, "going_online" },
	{ MEM_ONLINE, "online" },
	{ MEM_CANCEL_ONLINE, "cancel_online" },
	{ MEM_GOING_OFFLINE, "going_offline" },
	{ MEM_OFFLINE, "offline" },
	{ MEM_CANCEL_OFFLINE, "cancel_offline" },
};
static atomic_t ht_events[HT_EVENTS];
static bool ht_real[HT_LEVELS];

/*
 * init_mm is not exported to modules; the kernel's own tables are the ones
 * TTBR1_EL1 points at whenever the kernel runs.  A 52-bit kernel without
 * LPA2 running with 48 bits points TTBR1 into its pgd, past the entries
 * the smaller VA range does not use; the pgd itself is page aligned.
 */
static pgd_t *ht_kernel_pgd(void)
{
	u64 ttbr = read_sysreg(ttbr1_el1);
	phys_addr_t pa;

	if (IS_ENABLED(CONFIG_ARM64_PA_BITS_52))
		pa = (ttbr & GENMASK_ULL(47, 6)) |
		     ((ttbr & GENMASK_ULL(5, 2)) << 46);
	else
		pa = ttbr & GENMASK_ULL(47, 1);
	return (pgd_t *)phys_to_virt(pa & PAGE_MASK);
}

/* Whether the tables at ht_pgd map the kernel address addr to phys. */
static bool ht_maps(unsigned long addr, phys_addr_t phys)
{
	pgd_t *pgdp = pgd_offset_pgd(ht_pgd, addr);
	p4d_t *p4dp;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t pte;

	if (pgd_none(READ_ONCE(*pgdp)))
		return false;
	p4dp = p4d_offset(pgdp, addr);
	if (p4d_none(READ_ONCE(*p4dp)))
		return false;
	pudp = pud_offset(p4dp, addr);
	pud = READ_ONCE(*pudp);
	if (pud_none(pud))
		return false;
	if (pud_leaf(pud))
		return __pud_to_phys(pud) + (addr & ~PUD_MASK) == phys;
	pmdp = pmd_offset(pudp, addr);
	pmd = READ_ONCE(*pmdp);
	if (pmd_none(pmd))
		return false;
	if (pmd_leaf(pmd))
		return __pmd_to_phys(pmd) + (addr & ~PMD_MASK) == phys;
	pte = __ptep_get(pte_offset_kernel(pmdp, addr));
	return pte_present(pte) &&
	       __pte_to_phys(pte) + (addr & ~PAGE_MASK) == phys;
}

struct ht_count {
	unsigned long n[HT_LEVELS];
	bool pages;		/* also count the pages that ptes map */
	unsigned long nr_pages;
	struct seq_file *list;	/* when set, one line per table */
	const char *region;
};

/* Count one table page at level l that maps from addr (aligned down). */
static void ht_table(struct ht_count *c, int l, unsigned long addr,
		     unsigned long span)
{
	c->n[l]++;
	if (c->list)
		seq_printf(c->list, "%s %s %#lx\n", c->region, level_name[l],
			   addr & ~(span - 1));
}

static void ht_count_pte(struct ht_count *c, pmd_t *pmdp, unsigned long addr,
			 unsigned long end)
{
	pte_t *ptep = pte_offset_kernel(pmdp, addr);

	for (; addr < end; addr += PAGE_SIZE, ptep++)
		c->nr_pages += pte_present(__ptep_get(ptep));
}

static void ht_count_pmd(struct ht_count *c, pud_t *pudp, unsigned long addr,
			 unsigned long end)
{
	unsigned long next;

	do {
		pmd_t *pmdp = pmd_offset(pudp, addr);
		pmd_t pmd = READ_ONCE(*pmdp);

		next = pmd_addr_end(addr, end);
		if (pmd_none(pmd) || pmd_leaf(pmd))
			continue;
		ht_table(c, HT_PTE, addr, PMD_SIZE);
		if (c->pages)
			ht_count_pte(c, pmdp, addr, next);
	} while (addr = next, addr < end);
}

static void ht_count_pud(struct ht_count *c, p4d_t *p4dp, unsigned long addr,
			 unsigned long end)
{
	unsigned long next;

	do {
		pud_t *pudp = pud_offset(p4dp, addr);
		pud_t pud = READ_ONCE(*pudp);

		next = pud_addr_end(addr, end);
		if (pud_none(pud) || pud_leaf(pud))
			continue;
		if (ht_real[HT_PMD])
			ht_table(c, HT_PMD, addr, PUD_SIZE);
		ht_count_pmd(c, pudp, addr, next);
	} while (addr = next, addr < end);
}

static void ht_count_p4d(struct ht_count *c, pgd_t *pgdp, unsigned long addr,
			 unsigned long end)
{
	unsigned long next;

	do {
		p4d_t *p4dp = p4d_offset(pgdp, addr);
		p4d_t p4d = READ_ONCE(*p4dp);

		next = p4d_addr_end(addr, end);
		if (p4d_none(p4d))
			continue;
		if (ht_real[HT_PUD])
			ht_table(c, HT_PUD, addr, P4D_SIZE);
		ht_count_pud(c, p4dp, addr, next);
	} while (addr = next, addr < end);
}

/*
 * Count the table pages below the pgd that map [start, end).  A walker
 * descends once per entry, so each table is entered (and counted) once;
 * a folded level is the level above it and counts nothing.
 */
static void ht_count(struct ht_count *c, unsigned long start, unsigned long end)
{
	unsigned long addr = start, next;

	memset(c->n, 0, sizeof(c->n));
	c->nr_pages = 0;
	do {
		pgd_t *pgdp = pgd_offset_pgd(ht_pgd, addr);
		pgd_t pgd = READ_ONCE(*pgdp);

		next = pgd_addr_end(addr, end);
		if (pgd_none(pgd))
			continue;
		if (ht_real[HT_P4D])
			ht_table(c, HT_P4D, addr, PGDIR_SIZE);
		ht_count_p4d(c, pgdp, addr, next);
	} while (addr = next, addr < end);
}

static void ht_show_count(struct seq_file *m, const char *region,
			  unsigned long start, unsigned long end)
{
	struct ht_count c = { .region = region };
	int l;

	ht_count(&c, start, end);
	seq_puts(m, region);
	for (l = 0; l < HT_LEVELS; l++) {
		if (ht_real[l])
			seq_printf(m, " %s=%lu", level_name[l], c.n[l]);
		else
			seq_printf(m, " %s=-", level_name[l]);
	}
	seq_putc(m, '\n');
}

/*
 * Nothing here holds the hotplug lock (it is not exported): the tests read
 * the counts while no memory is being added or removed.
 */
static int tables_show(struct seq_file *m, void *unused)
{
	ht_show_count(m, "linear", _PAGE_OFFSET(vabits_actual), PAGE_END);
	ht_show_count(m, "vmemmap", VMEMMAP_START, VMEMMAP_END);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tables);

/* The table pages ht_count() found, all levels together. */
static unsigned long ht_total(const struct ht_count *c)
{
	unsigned long n = 0;
	int l;

	for (l = 0; l < HT_LEVELS; l++)
		n += c->n[l];
	return n;
}

/*
 * What a test must not count as lost when vmalloc runs alongside it:
 * vmalloc never frees its page tables (nor those of modules, which sit
 * just below it), and with CONFIG_KASAN_VMALLOC, KASAN maps a shadow for
 * each area it allocates, frees the shadow's pages only when lazily freed
 * areas are purged, which no test controls, and never frees its tables.
 * None of that is in any counter of /proc/meminfo.
 */
static int vmalloc_pages_show(struct seq_file *m, void *unused)
{
	struct ht_count c = { .region = "vmalloc" };
	unsigned long n;

	ht_count(&c, MODULES_VADDR, VMALLOC_END);
	n = ht_total(&c);
#ifdef CONFIG_KASAN_VMALLOC
	c.pages = true;
	ht_count(&c, (unsigned long)kasan_mem_to_shadow((void *)MODULES_VADDR),
		 (unsigned long)kasan_mem_to_shadow((void *)VMALLOC_END));
	n += ht_total(&c) + c.nr_pages;
#endif
	seq_printf(m, "%lu\n", n);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmalloc_pages);

static int table_list_show(struct seq_file *m, void *unused)
{
	struct ht_count c = { .list = m, .region = "linear" };

	ht_count(&c, _PAGE_OFFSET(vabits_actual), PAGE_END);
	c.region = "vmemmap";
	ht_count(&c, VMEMMAP_START, VMEMMAP_END);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(table_list);

struct ht_leaves {
	unsigned long pte, cont_pte, pmd, cont_pmd, pud;
};

static void ht_leaves_pte(struct ht_leaves *l, pmd_t *pmdp, unsigned long addr,
			  unsigned long end)
{
	do {
		pte_t pte = __ptep_get(pte_offset_kernel(pmdp, addr));

		if (!pte_present(pte))
			continue;
		if (pte_cont(pte))
			l->cont_pte++;
		else
			l->pte++;
	} while (addr += PAGE_SIZE, addr < end);
}

/* The leaves that map [addr, end) of the linear map, by kind. */
static void ht_leaves(struct ht_leaves *l, unsigned long addr,
		      unsigned long end)
{
	unsigned long next;

	for (; addr < end; addr = next) {
		pgd_t *pgdp = pgd_offset_pgd(ht_pgd, addr);
		p4d_t *p4dp;
		pud_t *pudp, pud;
		pmd_t *pmdp, pmd;

		next = pgd_addr_end(addr, end);
		if (pgd_none(READ_ONCE(*pgdp)))
			continue;
		p4dp = p4d_offset(pgdp, addr);
		next = p4d_addr_end(addr, end);
		if (p4d_none(READ_ONCE(*p4dp)))
			continue;
		pudp = pud_offset(p4dp, addr);
		pud = READ_ONCE(*pudp);
		next = pud_addr_end(addr, end);
		if (pud_none(pud))
			continue;
		if (pud_leaf(pud)) {
			l->pud++;
			continue;
		}
		pmdp = pmd_offset(pudp, addr);
		pmd = READ_ONCE(*pmdp);
		next = pmd_addr_end(addr, end);
		if (pmd_none(pmd))
			continue;
		if (pmd_leaf(pmd)) {
			if (pmd_cont(pmd))
				l->cont_pmd++;
			else
				l->pmd++;
			continue;
		}
		ht_leaves_pte(l, pmdp, addr, next);
	}
}

static int leaves_show(struct seq_file *m, void *unused)
{
	struct ht_leaves l = {};

	if (hidden_size)
		ht_leaves(&l, (unsigned long)__va(hidden_start),
			  (unsigned long)__va(hidden_start) + hidden_size);
	seq_printf(m, "pte=%lu cont_pte=%lu pmd=%lu cont_pmd=%lu pud=%lu\n",
		   l.pte, l.cont_pte, l.pmd, l.cont_pmd, l.pud);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(leaves);

static int hidden_show(struct seq_file *m, void *unused)
{
	if (!hidden_size)
		seq_puts(m, "none\n");
	else
		seq_printf(m, "%#llx %#llx %#llx\n", hidden_start, hidden_size,
			   block_size);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hidden);

static int ht_memory_event(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	const struct memory_notify *arg = data;
	u64 start = PFN_PHYS(arg->start_pfn);
	int i;

	if (start < hidden_start || start >= hidden_start + hidden_size)
		return NOTIFY_DONE;
	for (i = 0; i < HT_EVENTS; i++)
		if (ht_event[i].action == action)
			atomic_inc(&ht_events[i]);
	return NOTIFY_DONE;
}

static struct notifier_block ht_memory_nb = {
	.notifier_call = ht_memory_event,
	.priority = INT_MAX,
};

static int events_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < HT_EVENTS; i++)
		seq_printf(m, "%s%s=%d", i ? " " : "", ht_event[i].name,
			   atomic_read(&ht_events[i]));
	seq_putc(m, '\n');
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(events);

static int ht_parse(const char __user *ubuf, size_t len, u64 *start, u64 *size)
{
	char buf[64];

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%lli %lli", start, size) != 2)
		return -EINVAL;
	if (!*size || *start + *size < *start)
		return -EINVAL;
	if (*start < hidden_start || *start + *size > hidden_start + hidden_size)
		return -ERANGE;
	return 0;
}

static ssize_t add_write(struct file *file, const char __user *ubuf,
			 size_t len, loff_t *ppos)
{
	u64 start, size;
	int ret;

	ret = ht_parse(ubuf, len, &start, &size);
	if (ret)
		return ret;
	mutex_lock(&ht_lock);
	/*
	 * Each memory block carries its own memmap when the kernel was booted
	 * with memory_hotplug.memmap_on_memory=1 or =force and the block
	 * qualifies; otherwise the flag changes nothing.
	 */
	ret = add_memory(first_online_node, start, size, MHP_MEMMAP_ON_MEMORY);
	if (!ret)
		bitmap_set(added, (start - hidden_start) / block_size,
			   size / block_size);
	mutex_unlock(&ht_lock);
	return ret ?: len;
}

static const struct file_operations add_fops = {
	.owner = THIS_MODULE,
	.write = add_write,
};

static ssize_t remove_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	unsigned long first, nr;
	u64 start, size;
	int ret;

	ret = ht_parse(ubuf, len, &start, &size);
	if (ret)
		return ret;
	if (!IS_ALIGNED(start, block_size) || !IS_ALIGNED(size, block_size))
		return -EINVAL;
	first = (start - hidden_start) / block_size;
	nr = size / block_size;
	mutex_lock(&ht_lock);
	if (find_next_zero_bit(added, first + nr, first) < first + nr)
		ret = -ENOENT;
	else
		ret = remove_memory(start, size);
	if (!ret)
		bitmap_clear(added, first, nr);
	mutex_unlock(&ht_lock);
	return ret ?: len;
}

static const struct file_operations remove_fops = {
	.owner = THIS_MODULE,
	.write = remove_write,
};

static int ht_ram_end(struct resource *res, void *arg)
{
	u64 *end = arg;

	*end = max_t(u64, *end, res->end + 1);
	return 0;
}

/* The first RAM range of the device tree with no System RAM at its top. */
static void ht_find_hidden(void)
{
	struct device_node *np;

	for_each_node_by_type(np, "memory") {
		struct resource r;
		int i;

		for (i = 0; !of_address_to_resource(np, i, &r); i++) {
			u64 ram_end = r.start, start, end;

			walk_iomem_res_desc(IORES_DESC_NONE,
					    IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
					    r.start, r.end, &ram_end, ht_ram_end);
			start = ALIGN(ram_end, block_size);
			end = ALIGN_DOWN(r.end + 1, block_size);
			if (start < end) {
				hidden_start = start;
				hidden_size = end - start;
				of_node_put(np);
				return;
			}
		}
	}
}

static int __init ht_init(void)
{
	struct page *probe;
	bool ok;

	/* The tables found must map a page of the linear map to that page. */
	ht_pgd = ht_kernel_pgd();
	probe = alloc_page(GFP_KERNEL);
	if (!probe)
		return -ENOMEM;
	ok = ht_maps((unsigned long)page_address(probe) + 8,
		     page_to_phys(probe) + 8);
	__free_page(probe);
	if (!ok) {
		pr_err("the tables TTBR1_EL1 points at do not map the linear map: cannot count tables\n");
		return -ENODEV;
	}
	ht_real[HT_PTE] = true;
	ht_real[HT_PMD] = CONFIG_PGTABLE_LEVELS > 2;
	ht_real[HT_PUD] = pgtable_l4_enabled();
	ht_real[HT_P4D] = pgtable_l5_enabled();

	block_size = memory_block_size_bytes();
	ht_find_hidden();
	if (hidden_size) {
		added = bitmap_zalloc(hidden_size / block_size, GFP_KERNEL);
		if (!added)
			return -ENOMEM;
		pr_info("hidden RAM %#llx-%#llx, %llu blocks of %#llx\n",
			hidden_start, hidden_start + hidden_size - 1,
			hidden_size / block_size, block_size);
	} else {
		pr_info("no hidden RAM: boot with mem= below the RAM size\n");
	}

	ht_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("hidden", 0400, ht_dir, NULL, &hidden_fops);
	debugfs_create_file("tables", 0400, ht_dir, NULL, &tables_fops);
	debugfs_create_file("table_list", 0400, ht_dir, NULL,
			    &table_list_fops);
	debugfs_create_file("leaves", 0400, ht_dir, NULL, &leaves_fops);
	debugfs_create_file("vmalloc_pages", 0400, ht_dir, NULL,
			    &vmalloc_pages_fops);
	if (hidden_size) {
		int ret = register_memory_notifier(&ht_memory_nb);

		if (ret) {
			debugfs_remove_recursive(ht_dir);
			bitmap_free(added);
			return ret;
		}
		debugfs_create_file("events", 0400, ht_dir, NULL, &events_fops);
		debugfs_create_file("add", 0200, ht_dir, NULL, &add_fops);
		debugfs_create_file("remove", 0200, ht_dir, NULL, &remove_fops);
	}
	return 0;
}

/* Remove what is still added and offline; online memory stays. */
static void __exit ht_exit(void)
{
	unsigned long b;

	debugfs_remove_recursive(ht_dir);
	if (!added)
		return;
	unregister_memory_notifier(&ht_memory_nb);
	for_each_set_bit(b, added, hidden_size / block_size) {
		u64 start = hidden_start + b * block_size;

		if (remove_memory(start, block_size))
			pr_warn("block at %#llx stays: it is online\n", start);
	}
	bitmap_free(added);
}

module_init(ht_init);
module_exit(ht_exit);
MODULE_DESCRIPTION("Hot-add and hot-remove the RAM hidden with mem=, count page-table pages");
MODULE_LICENSE("GPL");
