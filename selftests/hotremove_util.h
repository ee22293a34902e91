/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the arm64 memory hot-remove selftests: the test
 * module's debugfs interface, memory block sysfs files, and a snapshot of
 * everything a hot-remove must give back.
 */
#ifndef HOTREMOVE_UTIL_H
#define HOTREMOVE_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define HR_DEBUGFS	"/sys/kernel/debug/hotremove_test"
#define HR_MEMORY	"/sys/devices/system/memory"
#define HR_MODULE	"hotremove_mod/hotremove_test.ko"

/* What a removal must give back exactly. */
struct hr_state {
	char tables[256];	/* the module's page-table page counts */
	char *table_list;	/* and the tables themselves */
	long memtotal_kb;	/* MemTotal of /proc/meminfo */
	char *iomem;		/* /proc/iomem */
	char *blocks;		/* "memoryN state" per memory block */
};

/* 0 or -errno.  Reads at most size - 1 bytes and ends them with '\0'. */
int hr_read(const char *path, char *buf, size_t size);
/* 0 or -errno of the write(2) (what the kernel refused it with). */
int hr_write(const char *path, const char *text);
/* How often the kernel log holds needle, or -1 (klogctl(2), as root). */
int hr_klog_count(const char *needle);
/* A whole file in a malloc'd string, or NULL. */
char *hr_slurp(const char *path);

/*
 * Load the test module (next to the test, or $HOTREMOVE_MODULE); 0 when
 * it is loaded after the call, -errno otherwise, with its path in *path.
 */
int hr_module_load(const char **path);
/* "add" or "remove" of the module: 0 or the -errno it failed with. */
int hr_request(const char *what, unsigned long long start,
	       unsigned long long size);

unsigned long long hr_block_size(void);
/* State ("online", "offline") of the block at addr, or "" when none. */
const char *hr_block_state(unsigned long long addr, char *buf, size_t size);
int hr_block_set(unsigned long long addr, const char *state);
/* Offline the block at addr, retrying while a page is briefly busy. */
int hr_block_offline(unsigned long long addr);
bool hr_block_zone_allowed(unsigned long long addr, const char *zone);

long hr_memtotal_kb(void);
bool hr_memmap_on_memory(void);
/*
 * Whether the memmap of a memory block of this size can go on the block:
 * mhp_supports_memmap_on_memory() needs it to be whole PMDs (64-byte
 * struct pages) and whole pageblocks, unless memmap_on_memory=force pads it.
 */
bool hr_memmap_fits(unsigned long long block);
bool hr_rodata_full(void);
/* Whether the kernel command line holds @word, whole. */
bool hr_cmdline_has(const char *word);
/*
 * Ask the host (ci/guest.py) to set the virtio-mem device's plugged size:
 * "hotremove-host: plug BYTES" on the console itself, not stdout, where
 * the kselftest runner's prefixing pipe would hold the line back.
 */
bool hr_host_plug(unsigned long long bytes);

/*
 * Make the memory notifier chain refuse action ("MEM_GOING_ONLINE",
 * "MEM_GOING_OFFLINE") with -err, or accept it again with err 0
 * (CONFIG_MEMORY_NOTIFIER_ERROR_INJECT): 0, or -ENOENT without it.
 */
int hr_notifier_inject(const char *action, int err);

/*
 * Make an allocator fail the allocations of tasks that write 1 to their
 * /proc/<pid>/make-it-fail (task-filter, so that nothing else in the
 * machine fails) that the kernel function @within (or a function it calls,
 * 32 frames deep) makes, @within being the first of a comma-separated list
 * of names that /proc/kallsyms has: @which is "fail_page_alloc" (the page allocator,
 * at any order) or "failslab" (slab).  probability percent of them, and of
 * those only every interval-th, also where they may sleep (ignore-gfp-wait
 * off: page tables and most of hot-add allocate with GFP_KERNEL), with no
 * limit on their number; probability 0 stops it.  0, -ENOENT without
 * CONFIG_FAIL_PAGE_ALLOC or CONFIG_FAILSLAB and
 * CONFIG_FAULT_INJECTION_DEBUG_FS, -ESRCH when /proc/kallsyms lacks
 * every name of @within, -EINVAL without CONFIG_FAULT_INJECTION_STACKTRACE_FILTER.
 */
int hr_fail_alloc(const char *which, int probability, int interval,
		  const char *within);

/* Memory notifier actions the module saw for the hidden RAM (its "events"). */
enum { HR_GOING_ONLINE, HR_ONLINE, HR_CANCEL_ONLINE, HR_GOING_OFFLINE,
       HR_OFFLINE, HR_CANCEL_OFFLINE, HR_EVENTS };
/* 0, or -errno (-ENOENT: a module without the events file). */
int hr_events(long ev[HR_EVENTS]);

/*
 * kmemleak: hr_kmemleak_begin() scans and forgets what it finds, so that
 * only objects that leak afterwards count; hr_kmemleak_end() waits until
 * those are old enough to report, scans again, and returns how many
 * unreferenced objects it reports, the first of them in first.  Both return
 * -ENOENT without CONFIG_DEBUG_KMEMLEAK (or with kmemleak off).
 */
int hr_kmemleak_begin(void);
int hr_kmemleak_end(char *first, size_t size);

/*
 * Readers of the kernel page tables that run alongside a test, each in a
 * process of its own: one reads /sys/kernel/debug/kernel_page_tables (the
 * real ptdump, which walks under get_online_mems()) over and over, pausing
 * four times as long as a read took so that hot-plug gets the lock most of
 * the time; the other loads lib/test_vmalloc.ko (2 threads) over and over
 * ($HOTREMOVE_VMALLOC, or test_vmalloc.ko next to the test), pausing as
 * long as a round took so that the test's own work gets CPUs.  Each counts
 * the rounds it completed and those that failed, in memory it shares with
 * the test.  The readers die with the test.
 */
enum { HR_PTDUMP, HR_VMALLOC, HR_READERS };
struct hr_readers {
	int pid[HR_READERS];		/* 0: not running */
	const char *missing[HR_READERS];	/* why it does not run */
	long *done, *failed;		/* shared, HR_READERS each */
	long *stop;			/* shared: stop after this round */
};
extern const char *const hr_reader_name[HR_READERS];

/* Start those readers that can run; -errno if none could be set up. */
int hr_readers_start(struct hr_readers *r);
/* Wait until each running reader has completed a round: false on timeout. */
bool hr_readers_warm(const struct hr_readers *r, int timeout_ms);
/*
 * Stop them after the round under way (one that has not ended 60 s later
 * counts as failed, with its kernel stack printed), and keep their counts.
 */
void hr_readers_stop(struct hr_readers *r, long done[HR_READERS],
		     long failed[HR_READERS]);
/*
 * Start the readers and wait for their first round, saying which cannot
 * run; false if none could be set up or one never completed a round.
 */
bool hr_readers_begin(struct hr_readers *r);
/*
 * Stop them and print "hotremove: ptdump_reads=N ptdump_failed=N
 * test_vmalloc_rounds=N test_vmalloc_failed=N"; the rounds that failed.
 */
long hr_readers_end(struct hr_readers *r);

#define HR_MAX_ZONES	16

/* Free pages of one zone: in the buddy lists and the per-CPU lists. */
struct hr_zone {
	char name[64];		/* "Node 0, zone Normal" */
	long free;
};

/*
 * Drop the page cache and slab caches, then read the free pages of every
 * populated zone from /proc/zoneinfo; the number of zones, or -errno.
 */
int hr_zones_free(struct hr_zone *z, int max);
/*
 * Pages the kernel holds for itself that other work alongside a test (the
 * page-table readers) may take and keep: vmalloc's page tables and KASAN's
 * shadow of vmalloc (the test module's vmalloc_pages), unreclaimable slab
 * and per-CPU memory.  -1 when they cannot be read.
 */
long hr_kernel_pages(void);
/*
 * The pages that memory hot-plug holds, by allocation stack, from
 * page_owner (CONFIG_PAGE_OWNER, booted with page_owner=on): the stacks of
 * /sys/kernel/debug/page_owner_stacks/show_stacks that pass through a
 * function of hot-add, onlining, offlining or hot-remove, less those of
 * slab pages (their objects are kmemleak's to count), of per-CPU chunks
 * and of vmalloc's page tables, which hold memory for others too.
 */
struct hr_owner_stack {
	char *frames;		/* as show_stacks prints them */
	long pages;
};
struct hr_owner {
	int nr;
	long pages;		/* of all these stacks together */
	struct hr_owner_stack *stacks;
};
/* 0, -ENOENT without page_owner, or -errno. */
int hr_owner_read(struct hr_owner *o);
/*
 * How many pages more @after holds than @before (fewer: negative), and
 * the stacks whose count differs, with the difference, in why.
 */
long hr_owner_diff(const struct hr_owner *before, const struct hr_owner *after,
		   char *why, size_t size);
void hr_owner_free(struct hr_owner *o);
/* The page size, from sysconf(). */
long hr_page_size(void);
int hr_snapshot(struct hr_state *s);
void hr_state_free(struct hr_state *s);
/* true when equal; otherwise what differs first, in why. */
bool hr_state_same(const struct hr_state *a, const struct hr_state *b,
		   char *why, size_t size);
/* Start addresses of the blocks in now but not in before; their number. */
int hr_new_blocks(const struct hr_state *before, const struct hr_state *now,
		  unsigned long long *addr, int max);
/* All page-table pages hr_state.tables counts, every level and region. */
long hr_tables_total(const struct hr_state *s);
/* The counts of hr_state.tables on one line. */
void hr_tables_line(const struct hr_state *s, char *buf, size_t size);

#endif
