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
/*
 * Ask the host (ci/guest.py) to set the virtio-mem device's plugged size:
 * "hotremove-host: plug BYTES" on the console itself, not stdout, where
 * the kselftest runner's prefixing pipe would hold the line back.
 */
bool hr_host_plug(unsigned long long bytes);

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
