// SPDX-License-Identifier: GPL-2.0
/*
 * Hot-add, online, offline and hot-remove the RAM that the kernel was told
 * to ignore with mem=, through the test module, with nobody outside the
 * machine: every removal must give back exactly what the add took (the
 * page-table pages of the linear map and the vmemmap, per level, MemTotal,
 * /proc/iomem and the memory block directory, and after the cycles every
 * page that hot-plug's allocation stacks hold, counted by page_owner when
 * the kernel boots with page_owner=on), boot memory must refuse to go
 * offline, a memory notifier's refusal must reach the writer and change
 * nothing, the cycles must leak no kernel object (kmemleak), an add that
 * runs out of memory must fail with ENOMEM and change nothing, and bad
 * requests must fail with a clear errno and change nothing.
 *
 * Boot the kernel with mem= below the RAM size, leaving at least one memory
 * block hidden.  The tests use a window at the top of the hidden RAM, far
 * from boot memory so that it needs page tables of its own where the
 * configuration allows: HOTREMOVE_WINDOW bytes (default 1 GiB, less when
 * less is hidden), or HOTREMOVE_BLOCKS memory blocks.  HOTREMOVE_CYCLES
 * sets the number of cycles (default 100), HOTREMOVE_CHECK_EVERY how often
 * the cycles also count the pages (default: after the last).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "hotremove_util.h"

/* The hidden RAM, the window the tests use in it, and the state before. */
struct window {
	struct hr_state before;
	unsigned long long hidden_start, hidden_end;
	unsigned long long start, size, block;	/* the window */
	char auto_online[32];
};

FIXTURE(hidden) {
	struct window w;
};

static void window_setup(struct __test_metadata *_metadata,
			 struct window *self)
{
	unsigned long long window;
	const char *path;
	char buf[128];
	int ret;

	ret = hr_module_load(&path);
	if (ret)
		SKIP(return, "cannot load %s: %s", path, strerror(-ret));
	ASSERT_EQ(0, hr_read(HR_DEBUGFS "/hidden", buf, sizeof(buf)));
	if (sscanf(buf, "%lli %lli %lli", &self->hidden_start, &self->size,
		   &self->block) != 3)
		SKIP(return, "no hidden RAM: boot with mem= below the RAM size");
	ASSERT_EQ(self->block, hr_block_size());
	self->hidden_end = self->hidden_start + self->size;
	window = getenv("HOTREMOVE_WINDOW") ?
		 strtoull(getenv("HOTREMOVE_WINDOW"), NULL, 0) : 1ULL << 30;
	if (getenv("HOTREMOVE_BLOCKS"))
		window = strtoull(getenv("HOTREMOVE_BLOCKS"), NULL, 0) *
			 self->block;
	window -= window % self->block;
	if (window && window < self->size)
		self->size = window;
	self->start = self->hidden_end - self->size;

	/* Blocks come up offline; each test onlines them itself. */
	ASSERT_EQ(0, hr_read(HR_MEMORY "/auto_online_blocks",
			     self->auto_online, sizeof(self->auto_online)));
	ASSERT_EQ(0, hr_write(HR_MEMORY "/auto_online_blocks", "offline"));
	ASSERT_EQ(0, hr_snapshot(&self->before));
}

/* Leave the machine as it was, whatever failed. */
static void window_teardown(struct window *self)
{
	unsigned long long a;
	char state[32];

	if (!self->block)
		return;
	for (a = self->start; a < self->start + self->size; a += self->block) {
		if (!hr_block_state(a, state, sizeof(state))[0])
			continue;
		hr_block_set(a, "offline");
		hr_request("remove", a, self->block);
	}
	if (self->auto_online[0])
		hr_write(HR_MEMORY "/auto_online_blocks", self->auto_online);
	hr_state_free(&self->before);
}

FIXTURE_SETUP(hidden)
{
	window_setup(_metadata, &self->w);
}

FIXTURE_TEARDOWN(hidden)
{
	window_teardown(&self->w);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Free pages the zones may lose over all the cycles, beyond what the
 * kernel took for itself, where page_owner cannot count hot-plug's own
 * pages exactly.  Free page counts move on their own (per-CPU lists): by
 * up to 40 pages, whatever the page size, in the 13 runs of make matrix,
 * and by 21 with 64K pages once, more than that configuration's memmap of
 * a GiB (16 pages).  The memmap of the window is 16 (64K) to 4096 (4K)
 * pages, so a leak of it every cycle shows after 8 cycles; a page a cycle
 * does not.
 */
#define HR_FREE_PAGES_SLACK	128

/* What pages_check() compares with: pages_begin() reads it. */
struct pages_base {
	struct hr_zone zones[HR_MAX_ZONES];
	int nr_zones;
	long kernel;		/* hr_kernel_pages() */
	struct hr_owner owner;	/* hot-plug's pages, when page_owner counts */
	bool counted;
};

static void pages_begin(struct __test_metadata *_metadata,
			struct pages_base *b)
{
	int ret;

	hr_owner_free(&b->owner);
	b->nr_zones = hr_zones_free(b->zones, HR_MAX_ZONES);
	ASSERT_LT(0, b->nr_zones) TH_LOG("cannot read /proc/zoneinfo");
	/* Read as pages_check() reads them: after the zones. */
	b->kernel = hr_kernel_pages();
	ASSERT_LE(0, b->kernel);
	ret = hr_owner_read(&b->owner);
	ASSERT_TRUE(!ret || ret == -ENOENT)
		TH_LOG("page_owner's stacks: %s", strerror(-ret));
	/* A guest booted to count exactly must not fall back on the allowance. */
	ASSERT_TRUE(!ret || !hr_cmdline_has("page_owner=on"))
		TH_LOG("booted with page_owner=on, but %s: build with CONFIG_PAGE_OWNER=y",
		       strerror(-ret));
	b->counted = !ret;
}

static void pages_end(struct pages_base *b)
{
	hr_owner_free(&b->owner);
}

/*
 * Every page hot-plug took must come back.  With page_owner, exactly: the
 * pages that the allocation stacks of hot-add, onlining, offlining and
 * hot-remove hold (hr_owner_read()) must be as many as at pages_begin(),
 * stack by stack; a leak of one page in all the cycles fails.  The free
 * pages of the zones are then only reported, with what the kernel took
 * for itself meanwhile (hr_kernel_pages(): vmalloc's tables, which the
 * test_vmalloc reader grows and nothing frees, unreclaimable slab and
 * per-CPU memory) and what is left unaccounted, which per-CPU lists and
 * the page cache move.  Without page_owner, fewer than
 * HR_FREE_PAGES_SLACK pages of all zones together may be missing beyond
 * what the kernel took for itself.
 */
static void pages_check(struct __test_metadata *_metadata,
			const struct window *w, const struct pages_base *b,
			const char *when)
{
	long page = hr_page_size(), kernel_after;
	long memmap = (long)(w->size / page) * 64 / page;
	long lost = 0, kernel, held;
	struct hr_zone after[HR_MAX_ZONES];
	char line[HR_MAX_ZONES * 112] = "", why[2048];
	struct hr_owner owner;
	int i, j, nr;

	nr = hr_zones_free(after, HR_MAX_ZONES);
	kernel_after = hr_kernel_pages();
	ASSERT_LT(0, nr);
	ASSERT_LE(0, kernel_after);
	for (i = 0; i < b->nr_zones; i++) {
		for (j = 0; j < nr && strcmp(after[j].name, b->zones[i].name); j++)
			;
		ASSERT_LT(j, nr) TH_LOG("%s is gone", b->zones[i].name);
		lost += b->zones[i].free - after[j].free;
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "%s%s %ld/%ld", i ? ", " : "", b->zones[i].name,
			 b->zones[i].free, after[j].free);
	}
	kernel = kernel_after - b->kernel;
	ksft_print_msg("hotremove: free pages %s: %s; kernel's own pages %+ld, unaccounted loss %ld%s\n",
		       when, line, kernel, lost - kernel,
		       b->counted ? " (reported: page_owner counts hot-plug's pages)" : "");
	if (!b->counted) {
		EXPECT_LT(lost - kernel, HR_FREE_PAGES_SLACK)
			TH_LOG("the zones lost %ld free pages, %ld of them to the kernel's own tables, slab and per-CPU memory; the memmap of %#llx bytes is %ld (boot with page_owner=on to count hot-plug's pages exactly)",
			       lost, kernel, w->size, memmap);
		return;
	}
	ASSERT_EQ(0, hr_owner_read(&owner));
	held = hr_owner_diff(&b->owner, &owner, why, sizeof(why));
	EXPECT_EQ(0, held)
		TH_LOG("memory hot-plug holds %+ld pages %s, by allocation stack:\n%s",
		       held, when, why);
	ksft_print_msg("hotremove: hot-plug's pages (page_owner) %s: %ld/%ld in %d/%d stacks\n",
		       when, b->owner.pages, owner.pages, b->owner.nr, owner.nr);
	hr_owner_free(&owner);
}

/* Offline every block of the window, then remove it (cycle @i). */
static void offline_remove(struct __test_metadata *_metadata,
			   const struct window *w, int i)
{
	unsigned long long a;

	for (a = w->start; a < w->start + w->size; a += w->block)
		ASSERT_EQ(0, hr_block_offline(a))
			TH_LOG("cycle %d: offline of %#llx", i, a);
	ASSERT_EQ(0, hr_request("remove", w->start, w->size))
		TH_LOG("cycle %d: remove", i);
}

/*
 * Every cycle adds all hidden blocks, onlines each (as movable memory in
 * even cycles, as kernel memory in odd ones where the block may join
 * ZONE_NORMAL), offlines and removes them, then compares everything with
 * the state before the first add.  After the last cycle, hot-plug must
 * have given back every page it took (pages_check()).  The real
 * page-table readers (hr_readers_begin()) run alongside from before the
 * pages are first counted, so that what they keep for themselves is in
 * both counts; none of their rounds may fail.
 *
 * make soak (ci/soak.sh) sets HOTREMOVE_CHECK_EVERY=N: the state is then
 * compared every N cycles instead of after each (a leak stays, so it still
 * shows), and every N cycles the readers stop while the pages are counted.
 * The first such count, after N cycles, is the baseline: a debug
 * kernel's own bookkeeping (KASAN's stack depot, kmemleak's objects) grows
 * by hundreds of pages before it settles, where a leak grows every cycle.
 * The timeout is make soak's: a day.
 */
TEST_F_TIMEOUT(hidden, add_online_offline_remove_cycles, 86400)
{
	const char *env = getenv("HOTREMOVE_CYCLES");
	const char *every_env = getenv("HOTREMOVE_CHECK_EVERY");
	int cycles = env ? atoi(env) : 100, i, online_kernel = 0;
	int every = every_env ? atoi(every_env) : 0;
	struct pages_base base = {};
	struct hr_readers readers;
	unsigned long long a;
	struct hr_state now;
	char why[512], line[256];
	double t0;

	ASSERT_TRUE(hr_readers_begin(&readers))
		TH_LOG("the page-table readers did not start or completed no round");
	pages_begin(_metadata, &base);
	t0 = now_ms();
	for (i = 0; i < cycles; i++) {
		ASSERT_EQ(0, hr_request("add", self->w.start, self->w.size))
			TH_LOG("cycle %d: add %#llx+%#llx", i, self->w.start,
			       self->w.size);
		for (a = self->w.start; a < self->w.start + self->w.size;
		     a += self->w.block) {
			const char *how = "online_movable";
			char state[32];

			ASSERT_STREQ("offline",
				     hr_block_state(a, state, sizeof(state)));
			if (i % 2 && hr_block_zone_allowed(a, "Normal")) {
				how = "online_kernel";
				online_kernel++;
			}
			ASSERT_EQ(0, hr_block_set(a, how))
				TH_LOG("cycle %d: %s of %#llx", i, how, a);
		}
		if (i == 0) {
			long want_kb = self->w.before.memtotal_kb +
				       (long)(self->w.size >> 10);

			ASSERT_EQ(0, hr_snapshot(&now));

			/*
			 * A memmap on the memory itself is not in MemTotal:
			 * 1/64 of it with 64-byte struct pages, padded to
			 * pageblocks; allow 1/16.  It must be there where
			 * the kernel can put it.
			 */
			if (hr_memmap_on_memory() && hr_memmap_fits(self->w.block)) {
				ASSERT_GT(want_kb, now.memtotal_kb)
					TH_LOG("memmap_on_memory: no memmap on the memory");
				ASSERT_LE(want_kb - (long)(self->w.size >> 14),
					  now.memtotal_kb);
				ksft_print_msg("hotremove: memmap_on_memory: MemTotal grew by %ld of %llu kB\n",
					       now.memtotal_kb - self->w.before.memtotal_kb,
					       self->w.size >> 10);
			} else {
				ASSERT_EQ(want_kb, now.memtotal_kb);
			}
			hr_tables_line(&now, line, sizeof(line));
			ksft_print_msg("hotremove: tables at peak: %s\n", line);
			/*
			 * Blind counts would pass whatever leaks; with
			 * rodata=on the blocks may fit in existing tables.
			 */
			if (hr_rodata_full()) {
				EXPECT_LT(hr_tables_total(&self->w.before),
					  hr_tables_total(&now))
					TH_LOG("adding %#llx bytes added no table",
					       self->w.size);
			} else {
				ksft_print_msg("hotremove: rodata=on: no table required (%ld before, %ld at peak)\n",
					       hr_tables_total(&self->w.before),
					       hr_tables_total(&now));
			}
			hr_state_free(&now);
		}
		offline_remove(_metadata, &self->w, i);
		if (every > 0 && (i + 1) % every && i + 1 < cycles)
			continue;
		ASSERT_EQ(0, hr_snapshot(&now));
		EXPECT_TRUE(hr_state_same(&self->w.before, &now, why,
					  sizeof(why)))
			TH_LOG("cycle %d left something behind: %s", i, why);
		hr_state_free(&now);
		if (_metadata->exit_code)
			return;
		if (every > 0 && i + 1 < cycles) {
			EXPECT_EQ(0, hr_readers_end(&readers))
				TH_LOG("page-table reader rounds failed");
			if (i + 1 == every) {
				pages_begin(_metadata, &base);
				ksft_print_msg("hotremove: free pages after cycle %d: the baseline from here\n",
					       i + 1);
			} else {
				snprintf(line, sizeof(line),
					 "after cycle %d and after cycle %d",
					 every, i + 1);
				pages_check(_metadata, &self->w, &base, line);
			}
			ksft_print_msg("hotremove: cycles=%d ms_per_cycle=%.1f\n",
				       i + 1, (now_ms() - t0) / (i + 1));
			ASSERT_TRUE(hr_readers_begin(&readers))
				TH_LOG("the page-table readers did not start again");
			if (_metadata->exit_code)
				return;
		}
	}
	EXPECT_EQ(0, hr_readers_end(&readers))
		TH_LOG("page-table reader rounds failed");
	hr_tables_line(&self->w.before, line, sizeof(line));
	ksft_print_msg("hotremove: tables before add and after remove: %s\n",
		       line);
	pages_check(_metadata, &self->w, &base,
		    every > 0 && cycles > every ?
		    "after the baseline's cycle and after the last" :
		    "before add and after remove");
	pages_end(&base);
	ksft_print_msg("hotremove: cycles=%d blocks=%llu block_size=%#llx online_kernel=%d ms_per_cycle=%.1f\n",
		       cycles, self->w.size / self->w.block, self->w.block,
		       online_kernel,
		       (now_ms() - t0) / (cycles ? cycles : 1));
}

/*
 * Boot memory: every block must refuse to go offline and stay online.  A
 * block reaches the arch notifier only if its pages could be isolated: the
 * notifier then refuses MEM_GOING_OFFLINE with NOTIFY_BAD, which
 * offline_pages() turns into -EPERM (notifier_to_errno()), and says so in
 * the kernel log, naming the block's first section.  A block with pages
 * that cannot move fails isolation first, with -EBUSY and no such line.
 * Any other outcome fails.  With 64K pages both 512M blocks of the 1G of
 * boot memory hold unmovable pages, so none reaches the notifier there;
 * hr_offline_test in the KUnit suite calls the notifier directly.
 */
TEST_F(hidden, boot_memory_offline_refused)
{
	unsigned long long a, block = self->w.block;
	char state[32], why[512], line[128];
	int by_notifier = 0, by_isolation = 0;
	struct hr_state now;

	for (a = 0; a < self->w.hidden_start; a += block) {
		int ret, logged;

		if (strcmp(hr_block_state(a, state, sizeof(state)), "online"))
			continue;
		snprintf(line, sizeof(line), "Boot memory [%llx ", a);
		logged = hr_klog_count(line);
		ret = hr_block_set(a, "offline");
		logged = hr_klog_count(line) - logged;
		by_notifier += ret == -EPERM && logged == 1;
		by_isolation += ret == -EBUSY && logged == 0;
		EXPECT_TRUE((ret == -EPERM && logged == 1) ||
			    (ret == -EBUSY && logged == 0))
			TH_LOG("boot memory block at %#llx: offline gave %s with %d \"%s...] offlining attempted\" lines, want EPERM with 1 or EBUSY with 0",
			       a, ret ? strerror(-ret) : "success", logged, line);
		if (!ret)
			hr_block_set(a, "online");
		EXPECT_STREQ("online", hr_block_state(a, state, sizeof(state)));
	}
	ASSERT_LT(0, by_notifier + by_isolation)
		TH_LOG("no boot memory block found");
	ASSERT_EQ(0, hr_snapshot(&now));
	EXPECT_TRUE(hr_state_same(&self->w.before, &now, why, sizeof(why)))
		TH_LOG("refusing changed something: %s", why);
	hr_state_free(&now);
	ksft_print_msg("hotremove: boot_blocks_refused_by_notifier=%d boot_blocks_refused_by_isolation=%d\n",
		       by_notifier, by_isolation);
}

/*
 * The cycles must leak no kernel object: kmemleak scans before the first
 * add and forgets what it finds (boot leaves some behind), then scans after
 * the last remove, and must find nothing unreferenced.  Each cycle onlines
 * the blocks as kernel memory where they may join ZONE_NORMAL, as movable
 * memory otherwise.
 */
TEST_F_TIMEOUT(hidden, cycles_leak_no_kernel_object, 600)
{
	int cycles = 10, i, ret;
	unsigned long long a;
	struct hr_state now;
	char why[2048];

	ret = hr_kmemleak_begin();
	if (ret == -ENOENT)
		SKIP(return, "no kmemleak: build with CONFIG_DEBUG_KMEMLEAK=y and boot without kmemleak=off");
	ASSERT_EQ(0, ret) TH_LOG("kmemleak scan: %s", strerror(-ret));
	for (i = 0; i < cycles; i++) {
		ASSERT_EQ(0, hr_request("add", self->w.start, self->w.size))
			TH_LOG("cycle %d: add", i);
		for (a = self->w.start; a < self->w.start + self->w.size;
		     a += self->w.block)
			ASSERT_EQ(0, hr_block_set(a, hr_block_zone_allowed(a, "Normal") ?
						  "online_kernel" : "online_movable"))
				TH_LOG("cycle %d: online of %#llx", i, a);
		offline_remove(_metadata, &self->w, i);
	}
	ASSERT_EQ(0, hr_snapshot(&now));
	EXPECT_TRUE(hr_state_same(&self->w.before, &now, why, sizeof(why)))
		TH_LOG("the cycles left something behind: %s", why);
	hr_state_free(&now);
	ret = hr_kmemleak_end(why, sizeof(why));
	ASSERT_LE(0, ret) TH_LOG("kmemleak scan: %s", strerror(-ret));
	EXPECT_EQ(0, ret) TH_LOG("kmemleak: %d unreferenced objects after %d cycles, the first:\n%s",
				 ret, cycles, why);
	ksft_print_msg("hotremove: kmemleak_cycles=%d kmemleak_unreferenced=%d\n",
		       cycles, ret);
}

/*
 * Hot-adds that run out of memory.  The page allocator fails the page
 * allocations that add_memory_resource() makes for the test's adds
 * (mainline's __add_memory_resource(), where add_memory_resource() is a
 * wrapper that the compiler inlines into __add_memory())
 * (hr_fail_alloc(): nothing else in the machine fails): memblock's,
 * those of arch_add_memory() (the tables of the linear map and the
 * vmemmap, the memmap, the sections' own bookkeeping) and those of the
 * memory block devices.  It does so at several rates while the test adds
 * the window, 100 times: every allocation, 10% and 1% of them,
 * every 97th, 997th and 1999th (an add of a GiB with 4K pages makes about
 * 540).  Most of those are the linear map's tables, which come first, and
 * the memmap falls back on pages where a block of it cannot be had, so a
 * failure there is rare: 20 more adds fail only the allocations of
 * __add_pages() (the memmap, its tables and the sections' bookkeeping),
 * every one of them and 10%, after arch_add_memory() has mapped the
 * range.  Each add must either succeed whole (every block of the window
 * there), and then go away again, or fail with ENOMEM and change nothing:
 * the tables of each level, MemTotal, /proc/iomem and the blocks.  After
 * the cycles hot-plug's pages must be back (pages_check()).
 * Both outcomes must occur.  Where a page-table allocation of the linear
 * map BUG()s instead of failing (6.12 before mainline's bfc184cb1ba7), the
 * kernel dies here.
 *
 * add_memory() claims the range in /proc/iomem before it calls
 * add_memory_resource(): add_without_resource_fails_with_enomem fails that
 * allocation.
 */
#define HR_ADD_MEMORY	"__add_memory_resource,add_memory_resource"

static const struct {
	int probability, interval, cycles;
	const char *within;
} hr_nomem_rates[] = {
	{ 100, 1, 10, HR_ADD_MEMORY }, { 10, 1, 20, HR_ADD_MEMORY },
	{ 1, 1, 20, HR_ADD_MEMORY }, { 100, 97, 15, HR_ADD_MEMORY },
	{ 100, 997, 20, HR_ADD_MEMORY }, { 100, 1999, 15, HR_ADD_MEMORY },
	{ 100, 1, 10, "__add_pages" }, { 10, 1, 10, "__add_pages" },
};

/*
 * Stop @which (hr_fail_alloc()) and open this task's make-it-fail: the
 * file, or -1 after a SKIP where the kernel lacks @which (@config).
 */
static int fail_alloc_open(struct __test_metadata *_metadata,
			   const char *which, const char *config)
{
	int fd, ret = hr_fail_alloc(which, 0, 1, NULL);

	if (ret == -ENOENT)
		SKIP(return -1, "no %s: build with %s=y and CONFIG_FAULT_INJECTION_DEBUG_FS=y",
		     which, config);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", which, strerror(-ret));
	fd = open("/proc/self/make-it-fail", O_WRONLY);
	ASSERT_LE(0, fd) TH_LOG("/proc/self/make-it-fail: %s",
				strerror(errno));
	return fd;
}

/* Aim @which at @within (hr_fail_alloc()), or fail saying what is missing. */
static void fail_alloc_aim(struct __test_metadata *_metadata,
			   const char *which, int probability, int interval,
			   const char *within)
{
	int ret = hr_fail_alloc(which, probability, interval, within);

	ASSERT_EQ(0, ret) TH_LOG("%s within %s(): %s", which, within,
				 ret == -EINVAL ? "build with CONFIG_FAULT_INJECTION_STACKTRACE_FILTER=y" :
				 strerror(-ret));
}

/* Write @text to @path with the allocator failing (make-it-fail). */
static int nomem_write(int make_it_fail, const char *path, const char *text)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (pwrite(make_it_fail, "1", 1, 0) != 1) {
		ret = -errno;
		goto out;
	}
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	if (pwrite(make_it_fail, "0", 1, 0) != 1 && !ret)
		ret = -errno;
out:
	close(fd);
	return ret;
}

TEST_F_TIMEOUT(hidden, add_without_memory_fails_cleanly, 1200)
{
	int added = 0, failed = 0, make_it_fail, ret;
	unsigned long long addr[64];
	struct pages_base base = {};
	char why[512], text[64];
	struct hr_state now;
	unsigned int r;
	int i;

	make_it_fail = fail_alloc_open(_metadata, "fail_page_alloc",
				       "CONFIG_FAIL_PAGE_ALLOC");
	if (make_it_fail < 0)
		return;
	ASSERT_GE(64, self->w.size / self->w.block);
	pages_begin(_metadata, &base);
	snprintf(text, sizeof(text), "%#llx %#llx", self->w.start, self->w.size);
	for (r = 0; r < ARRAY_SIZE(hr_nomem_rates); r++) {
		int p = hr_nomem_rates[r].probability;
		int n = hr_nomem_rates[r].interval;
		int ok = 0, nomem = 0;

		fail_alloc_aim(_metadata, "fail_page_alloc", p, n,
			       hr_nomem_rates[r].within);
		for (i = 0; i < hr_nomem_rates[r].cycles; i++) {
			ret = nomem_write(make_it_fail, HR_DEBUGFS "/add", text);
			ASSERT_TRUE(!ret || ret == -ENOMEM)
				TH_LOG("%d%% of every %d within %s(): add failed with %s, not ENOMEM",
				       p, n, hr_nomem_rates[r].within, strerror(-ret));
			ASSERT_EQ(0, hr_snapshot(&now));
			if (!ret) {
				ok++;
				EXPECT_EQ(self->w.size / self->w.block,
					  hr_new_blocks(&self->w.before, &now,
							addr, 64))
					TH_LOG("%d%% of every %d within %s(): an add that succeeded lacks blocks",
					       p, n, hr_nomem_rates[r].within);
				hr_state_free(&now);
				ASSERT_EQ(0, hr_request("remove", self->w.start,
							self->w.size));
				ASSERT_EQ(0, hr_snapshot(&now));
			} else {
				nomem++;
			}
			EXPECT_TRUE(hr_state_same(&self->w.before, &now, why,
						  sizeof(why)))
				TH_LOG("%d%% of every %d within %s(): %s left something behind: %s",
				       p, n, hr_nomem_rates[r].within,
				       ret ? "a failed add" : "add and remove", why);
			hr_state_free(&now);
			if (_metadata->exit_code)
				break;
		}
		ksft_print_msg("hotremove: fail_page_alloc probability=%d interval=%d within=%s: added=%d failed_enomem=%d\n",
			       p, n, hr_nomem_rates[r].within, ok, nomem);
		added += ok;
		failed += nomem;
		if (_metadata->exit_code)
			break;
	}
	hr_fail_alloc("fail_page_alloc", 0, 1, NULL);
	close(make_it_fail);
	if (_metadata->exit_code)
		return;
	EXPECT_LT(0, added) TH_LOG("no add succeeded: the cycles never removed memory");
	EXPECT_LT(0, failed) TH_LOG("no add failed: nothing was injected");
	pages_check(_metadata, &self->w, &base,
		    "before the first add and after the last");
	pages_end(&base);
}

/*
 * A hot-add whose /proc/iomem resource cannot be allocated: slab fails the
 * test's allocations below register_memory_resource() (hr_fail_alloc()),
 * which claims the range before anything else of add_memory() runs.  The
 * add must fail with ENOMEM, as an add that runs out of memory anywhere
 * else does, not with EEXIST, which says the range is taken: ACPI's memory
 * hot-add then counts the range as added, virtio-mem marks its device
 * broken where ENOMEM would have it try again.  It must change nothing.
 * Then the range must add, and an add of it while it is there must still
 * fail with EEXIST.
 */
TEST_F(hidden, add_without_resource_fails_with_enomem)
{
	int make_it_fail, ret;
	struct hr_state now;
	char why[512], text[64];

	make_it_fail = fail_alloc_open(_metadata, "failslab", "CONFIG_FAILSLAB");
	if (make_it_fail < 0)
		return;
	fail_alloc_aim(_metadata, "failslab", 100, 1,
		       "register_memory_resource");
	snprintf(text, sizeof(text), "%#llx %#llx", self->w.start,
		 self->w.block);
	ret = nomem_write(make_it_fail, HR_DEBUGFS "/add", text);
	hr_fail_alloc("failslab", 0, 1, NULL);
	close(make_it_fail);
	EXPECT_EQ(-ENOMEM, ret)
		TH_LOG("an add whose resource cannot be allocated %s%s",
		       ret ? "failed with " : "succeeded",
		       ret ? strerror(-ret) : "");
	if (!ret)
		ASSERT_EQ(0, hr_request("remove", self->w.start, self->w.block));
	ASSERT_EQ(0, hr_snapshot(&now));
	EXPECT_TRUE(hr_state_same(&self->w.before, &now, why, sizeof(why)))
		TH_LOG("the failed add left something behind: %s", why);
	hr_state_free(&now);

	ASSERT_EQ(0, hr_request("add", self->w.start, self->w.block))
		TH_LOG("the range does not add after the failed add");
	EXPECT_EQ(-EEXIST, hr_request("add", self->w.start, self->w.block))
		TH_LOG("an add of a range that is there does not fail with EEXIST");
	ASSERT_EQ(0, hr_request("remove", self->w.start, self->w.block));
	ASSERT_EQ(0, hr_snapshot(&now));
	EXPECT_TRUE(hr_state_same(&self->w.before, &now, why, sizeof(why)))
		TH_LOG("add and remove left something behind: %s", why);
	hr_state_free(&now);
}

/*
 * A memory notifier refuses to online or to offline a hot-added block
 * (injected through CONFIG_MEMORY_NOTIFIER_ERROR_INJECT).  The write to the
 * block's state file must fail with the injected errno (EIO, which neither
 * path returns on its own), the block must keep its state, nothing else may
 * change (tables, MemTotal, /proc/iomem, the blocks, the zones' free pages),
 * the kernel must send the cancel action once and not the final one, and
 * the same change must then succeed.
 */
FIXTURE(refused) {
	struct window w;
};

FIXTURE_VARIANT(refused) {
	const char *action;		/* the notifier-error-inject action */
	const char *from, *to;		/* the block's state, the write */
	int going, done, cancel;	/* the module's events */
};

FIXTURE_VARIANT_ADD(refused, going_online) {
	.action = "MEM_GOING_ONLINE", .from = "offline", .to = "online_movable",
	.going = HR_GOING_ONLINE, .done = HR_ONLINE, .cancel = HR_CANCEL_ONLINE,
};

FIXTURE_VARIANT_ADD(refused, going_offline) {
	.action = "MEM_GOING_OFFLINE", .from = "online", .to = "offline",
	.going = HR_GOING_OFFLINE, .done = HR_OFFLINE,
	.cancel = HR_CANCEL_OFFLINE,
};

FIXTURE_SETUP(refused)
{
	window_setup(_metadata, &self->w);
	if (_metadata->exit_code)
		return;
	ASSERT_EQ(0, hr_request("add", self->w.start, self->w.block));
	if (!strcmp(variant->from, "online"))
		ASSERT_EQ(0, hr_block_set(self->w.start, "online_movable"));
}

FIXTURE_TEARDOWN(refused)
{
	hr_notifier_inject(variant->action, 0);
	window_teardown(&self->w);
}

TEST_F(refused, by_notifier)
{
	long ev0[HR_EVENTS], ev1[HR_EVENTS];
	struct pages_base base = {};
	char state[32], why[512];
	struct hr_state a, b;
	int ret;

	ASSERT_EQ(0, hr_events(ev0));
	ret = hr_notifier_inject(variant->action, EIO);
	if (ret == -ENOENT)
		SKIP(return, "no notifier error injection: build with CONFIG_MEMORY_NOTIFIER_ERROR_INJECT=y");
	ASSERT_EQ(0, ret);
	pages_begin(_metadata, &base);
	ASSERT_EQ(0, hr_snapshot(&a));
	ret = hr_block_set(self->w.start, variant->to);
	ASSERT_EQ(0, hr_notifier_inject(variant->action, 0));
	EXPECT_EQ(-EIO, ret)
		TH_LOG("%s with %s refused: got %s", variant->to, variant->action,
		       ret ? strerror(-ret) : "success");
	EXPECT_STREQ(variant->from,
		     hr_block_state(self->w.start, state, sizeof(state)));
	ASSERT_EQ(0, hr_snapshot(&b));
	EXPECT_TRUE(hr_state_same(&a, &b, why, sizeof(why)))
		TH_LOG("the refusal changed something: %s", why);
	hr_state_free(&a);
	hr_state_free(&b);
	pages_check(_metadata, &self->w, &base, "before and after the refusal");
	pages_end(&base);
	ASSERT_EQ(0, hr_events(ev1));
	EXPECT_EQ(ev0[variant->going] + 1, ev1[variant->going]);
	EXPECT_EQ(ev0[variant->cancel] + 1, ev1[variant->cancel])
		TH_LOG("the refused %s was not cancelled", variant->action);
	EXPECT_EQ(ev0[variant->done], ev1[variant->done]);
	/* Nothing half done: the same change goes through now. */
	EXPECT_EQ(0, hr_block_set(self->w.start, variant->to));
}

/*
 * Bad requests, one test each: each must fail with its errno and change
 * nothing.  The module refuses some itself (names starting with module_:
 * alignment, the bounds of the hidden RAM, blocks it never added); the
 * others reach the kernel, whose errno the test expects (kernel_).  A
 * request runs with nothing added, with the window's first block added
 * and online, or after that block was added and removed again.
 */
enum { WINDOW, HIDDEN_START, HIDDEN_END };
enum { NOTHING_ADDED, ONE_ONLINE, ONE_REMOVED };

FIXTURE(bad) {
	struct window w;
};

FIXTURE_VARIANT(bad) {
	const char *op;			/* "add" or "remove" */
	int from;			/* where start_blocks counts from */
	long long start_blocks;		/* in blocks */
	long long start_bytes;		/* added to it */
	long long size_blocks;
	long long size_bytes;
	int stage;
	int err;
};

FIXTURE_VARIANT_ADD(bad, module_unaligned_start) {
	.op = "add", .start_bytes = 4096, .size_blocks = 1, .err = EINVAL,
};

FIXTURE_VARIANT_ADD(bad, module_unaligned_size) {
	.op = "add", .size_bytes = 4096, .err = EINVAL,
};

FIXTURE_VARIANT_ADD(bad, module_empty_range) {
	.op = "add", .err = EINVAL,
};

FIXTURE_VARIANT_ADD(bad, module_beyond_the_hidden_ram) {
	.op = "add", .from = HIDDEN_END, .size_blocks = 1, .err = ERANGE,
};

FIXTURE_VARIANT_ADD(bad, module_across_its_end) {
	.op = "add", .from = HIDDEN_END, .start_blocks = -1, .size_blocks = 2,
	.err = ERANGE,
};

FIXTURE_VARIANT_ADD(bad, module_below_the_hidden_ram) {
	.op = "add", .from = HIDDEN_START, .start_blocks = -1,
	.size_blocks = 1, .err = ERANGE,
};

FIXTURE_VARIANT_ADD(bad, module_never_added) {
	.op = "remove", .size_blocks = 1, .err = ENOENT,
};

FIXTURE_VARIANT_ADD(bad, module_unaligned_removal) {
	.op = "remove", .start_bytes = 4096, .size_blocks = 1, .err = EINVAL,
};

FIXTURE_VARIANT_ADD(bad, module_removed_twice) {
	.op = "remove", .size_blocks = 1, .stage = ONE_REMOVED, .err = ENOENT,
};

/* add_memory() finds the range already registered. */
FIXTURE_VARIANT_ADD(bad, kernel_added_twice) {
	.op = "add", .size_blocks = 1, .stage = ONE_ONLINE, .err = EEXIST,
};

/* remove_memory() of a block that is online. */
FIXTURE_VARIANT_ADD(bad, kernel_removed_while_online) {
	.op = "remove", .size_blocks = 1, .stage = ONE_ONLINE, .err = EBUSY,
};

FIXTURE_SETUP(bad)
{
	window_setup(_metadata, &self->w);
	if (_metadata->exit_code || variant->stage == NOTHING_ADDED)
		return;
	ASSERT_EQ(0, hr_request("add", self->w.start, self->w.block));
	if (variant->stage == ONE_ONLINE) {
		ASSERT_EQ(0, hr_block_set(self->w.start, "online_movable"));
		return;
	}
	ASSERT_EQ(0, hr_request("remove", self->w.start, self->w.block));
}

FIXTURE_TEARDOWN(bad)
{
	window_teardown(&self->w);
}

TEST_F(bad, request)
{
	const struct window *w = &self->w;
	unsigned long long start, size;
	struct hr_state a, b;
	char why[512];

	start = variant->from == HIDDEN_START ? w->hidden_start :
		variant->from == HIDDEN_END ? w->hidden_end : w->start;
	start += variant->start_blocks * w->block + variant->start_bytes;
	size = variant->size_blocks * w->block + variant->size_bytes;
	ASSERT_EQ(0, hr_snapshot(&a));
	EXPECT_EQ(-variant->err, hr_request(variant->op, start, size))
		TH_LOG("%s %#llx+%#llx: want %s", variant->op, start, size,
		       strerror(variant->err));
	ASSERT_EQ(0, hr_snapshot(&b));
	EXPECT_TRUE(hr_state_same(&a, &b, why, sizeof(why)))
		TH_LOG("the request changed something: %s", why);
	hr_state_free(&a);
	hr_state_free(&b);
}

TEST_HARNESS_MAIN
