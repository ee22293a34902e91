// SPDX-License-Identifier: GPL-2.0
/*
 * Hot-add, online, offline and hot-remove the RAM that the kernel was told
 * to ignore with mem=, through the test module, with nobody outside the
 * machine: every removal must give back exactly what the add took (the
 * page-table pages of the linear map and the vmemmap, per level, MemTotal,
 * /proc/iomem and the memory block directory), boot memory must refuse to
 * go offline, and bad requests must fail with a clear errno and change
 * nothing.
 *
 * Boot the kernel with mem= below the RAM size, leaving at least one memory
 * block hidden.  The tests use a window at the top of the hidden RAM, far
 * from boot memory so that it needs page tables of its own where the
 * configuration allows: HOTREMOVE_WINDOW bytes (default 1 GiB, less when
 * less is hidden).  HOTREMOVE_CYCLES sets the number of cycles (default
 * 100).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "hotremove_util.h"

FIXTURE(hidden) {
	struct hr_state before;
	unsigned long long hidden_start, hidden_end;
	unsigned long long start, size, block;	/* the window */
	char auto_online[32];
};

FIXTURE_SETUP(hidden)
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
FIXTURE_TEARDOWN(hidden)
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

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}


/*
 * Every cycle adds all hidden blocks, onlines each (as movable memory in
 * even cycles, as kernel memory in odd ones where the block may join
 * ZONE_NORMAL), offlines and removes them, then compares everything with
 * the state before the first add.
 */
TEST_F_TIMEOUT(hidden, add_online_offline_remove_cycles, 3600)
{
	const char *env = getenv("HOTREMOVE_CYCLES");
	int cycles = env ? atoi(env) : 100, i, kernel = 0;
	unsigned long long a;
	struct hr_state now;
	char why[512], line[256];
	double t0;

	t0 = now_ms();
	for (i = 0; i < cycles; i++) {
		ASSERT_EQ(0, hr_request("add", self->start, self->size))
			TH_LOG("cycle %d: add %#llx+%#llx", i, self->start,
			       self->size);
		for (a = self->start; a < self->start + self->size;
		     a += self->block) {
			const char *how = "online_movable";
			char state[32];

			ASSERT_STREQ("offline",
				     hr_block_state(a, state, sizeof(state)));
			if (i % 2 && hr_block_zone_allowed(a, "Normal")) {
				how = "online_kernel";
				kernel++;
			}
			ASSERT_EQ(0, hr_block_set(a, how))
				TH_LOG("cycle %d: %s of %#llx", i, how, a);
		}
		if (i == 0) {
			ASSERT_EQ(0, hr_snapshot(&now));
			ASSERT_EQ(self->before.memtotal_kb +
				  (long)(self->size >> 10), now.memtotal_kb);
			hr_tables_line(&now, line, sizeof(line));
			ksft_print_msg("hotremove: tables at peak: %s\n", line);
			/* Blind counts would pass whatever leaks. */
			EXPECT_LT(hr_tables_total(&self->before),
				  hr_tables_total(&now))
				TH_LOG("adding %#llx bytes added no table", self->size);
			hr_state_free(&now);
		}
		for (a = self->start; a < self->start + self->size;
		     a += self->block)
			ASSERT_EQ(0, hr_block_offline(a))
				TH_LOG("cycle %d: offline of %#llx", i, a);
		ASSERT_EQ(0, hr_request("remove", self->start, self->size))
			TH_LOG("cycle %d: remove", i);
		ASSERT_EQ(0, hr_snapshot(&now));
		EXPECT_TRUE(hr_state_same(&self->before, &now, why,
					  sizeof(why)))
			TH_LOG("cycle %d left something behind: %s", i, why);
		hr_state_free(&now);
		if (_metadata->exit_code)
			return;
	}
	hr_tables_line(&self->before, line, sizeof(line));
	ksft_print_msg("hotremove: tables before add and after remove: %s\n",
		       line);
	ksft_print_msg("hotremove: cycles=%d blocks=%llu block_size=%#llx online_kernel=%d ms_per_cycle=%.1f\n",
		       cycles, self->size / self->block, self->block, kernel,
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
	unsigned long long a, block = self->block;
	char state[32], why[512], line[128];
	int by_notifier = 0, by_isolation = 0;
	struct hr_state now;

	for (a = 0; a < self->hidden_start; a += block) {
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
	EXPECT_TRUE(hr_state_same(&self->before, &now, why, sizeof(why)))
		TH_LOG("refusing changed something: %s", why);
	hr_state_free(&now);
	ksft_print_msg("hotremove: boot_blocks_refused_by_notifier=%d boot_blocks_refused_by_isolation=%d\n",
		       by_notifier, by_isolation);
}

enum { WINDOW, HIDDEN_START, HIDDEN_END };

struct bad_request {
	const char *what;
	const char *op;			/* "add" or "remove" */
	int from;			/* where start_blocks counts from */
	long long start_blocks;		/* in blocks */
	long long start_bytes;		/* added to it */
	long long size_blocks;
	long long size_bytes;
	int err;
};

/*
 * Run one bad request and check it fails with err and changes nothing;
 * "added" says which single block (the first) is added at that point.
 */
static void check_bad(struct __test_metadata *_metadata,
		      FIXTURE_DATA(hidden) *self, const struct bad_request *r)
{
	unsigned long long start, size;
	struct hr_state a, b;
	char why[512];

	start = r->from == HIDDEN_START ? self->hidden_start :
		r->from == HIDDEN_END ? self->hidden_end : self->start;
	start += r->start_blocks * self->block + r->start_bytes;
	size = r->size_blocks * self->block + r->size_bytes;
	ASSERT_EQ(0, hr_snapshot(&a));
	EXPECT_EQ(-r->err, hr_request(r->op, start, size))
		TH_LOG("%s (%s %#llx+%#llx)", r->what, r->op, start, size);
	ASSERT_EQ(0, hr_snapshot(&b));
	EXPECT_TRUE(hr_state_same(&a, &b, why, sizeof(why)))
		TH_LOG("%s changed something: %s", r->what, why);
	hr_state_free(&a);
	hr_state_free(&b);
}

TEST_F(hidden, bad_requests)
{
	static const struct bad_request nothing_added[] = {
		{ "unaligned start", "add", WINDOW, 0, 4096, 1, 0, EINVAL },
		{ "unaligned size", "add", WINDOW, 0, 0, 0, 4096, EINVAL },
		{ "empty range", "add", WINDOW, 0, 0, 0, 0, EINVAL },
		{ "beyond the hidden RAM", "add", HIDDEN_END, 0, 0, 1, 0, ERANGE },
		{ "across its end", "add", HIDDEN_END, -1, 0, 2, 0, ERANGE },
		{ "below the hidden RAM", "add", HIDDEN_START, -1, 0, 1, 0, ERANGE },
		{ "never added", "remove", WINDOW, 0, 0, 1, 0, ENOENT },
		{ "unaligned removal", "remove", WINDOW, 0, 4096, 1, 0, EINVAL },
	};
	static const struct bad_request one_added[] = {
		{ "added twice", "add", WINDOW, 0, 0, 1, 0, EEXIST },
		{ "removed while online", "remove", WINDOW, 0, 0, 1, 0, EBUSY },
	};
	static const struct bad_request removed = {
		"removed twice", "remove", WINDOW, 0, 0, 1, 0, ENOENT
	};
	struct hr_state now;
	char why[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(nothing_added); i++)
		check_bad(_metadata, self, &nothing_added[i]);

	ASSERT_EQ(0, hr_request("add", self->start, self->block));
	ASSERT_EQ(0, hr_block_set(self->start, "online_movable"));
	for (i = 0; i < ARRAY_SIZE(one_added); i++)
		check_bad(_metadata, self, &one_added[i]);
	ASSERT_EQ(0, hr_block_offline(self->start));
	ASSERT_EQ(0, hr_request("remove", self->start, self->block));
	check_bad(_metadata, self, &removed);

	ASSERT_EQ(0, hr_snapshot(&now));
	EXPECT_TRUE(hr_state_same(&self->before, &now, why, sizeof(why)))
		TH_LOG("after the bad requests: %s", why);
	hr_state_free(&now);
}

TEST_HARNESS_MAIN
