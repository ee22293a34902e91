// SPDX-License-Identifier: GPL-2.0
/*
 * A real device: memory plugged into and unplugged from a virtio-mem-pci
 * device by the host, with the checks in the guest between the phases.
 *
 * The host listens on the console: the test writes
 * "hotremove-host: plug BYTES" to /dev/console, the host sets the device's
 * requested size over QMP, and the test waits until MemTotal shows the
 * change.  The harness (make selftests) sets HOTREMOVE_HOST=console when
 * it listens; without it the test skips.
 *
 * HOTREMOVE_VMEM_SIZE (bytes, default 1 GiB) and HOTREMOVE_VMEM_ROUNDS
 * (default 3) size the test; every round also offlines and onlines each
 * plugged block HOTREMOVE_VMEM_CYCLES times (default 10).  The real
 * page-table readers (hr_readers_begin()) run alongside all rounds.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "hotremove_util.h"

#define SETTLE_TIMEOUT_MS 60000
#define MAX_BLOCKS	256

static unsigned long long env_ull(const char *name, unsigned long long def)
{
	const char *v = getenv(name);

	return v ? strtoull(v, NULL, 0) : def;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Wait until MemTotal reads want_kb; the driver adds blocks on its own. */
static bool settle(long want_kb)
{
	double end = now_ms() + SETTLE_TIMEOUT_MS;

	while (hr_memtotal_kb() != want_kb) {
		if (now_ms() > end)
			return false;
		usleep(50000);
	}
	return true;
}

/*
 * The driver offlines a block (MemTotal drops) before it removes it (its
 * tables go, then its /proc/iomem entry): wait until everything is back to
 * want, or say what is not.  The tables are walked without the hotplug
 * lock, so only once /proc/iomem shows that no removal is under way.
 */
static bool settle_state(const struct hr_state *want, char *why, size_t size)
{
	double end = now_ms() + SETTLE_TIMEOUT_MS;
	struct hr_state now;
	bool same;

	do {
		char *iomem = hr_slurp("/proc/iomem");

		same = iomem && !strcmp(iomem, want->iomem) &&
		       hr_memtotal_kb() == want->memtotal_kb;
		free(iomem);
		if (!same) {
			snprintf(why, size, "MemTotal or /proc/iomem not back");
			usleep(100000);
			continue;
		}
		if (hr_snapshot(&now)) {
			snprintf(why, size, "cannot read the state");
			return false;
		}
		same = hr_state_same(want, &now, why, size);
		hr_state_free(&now);
		if (same)
			return true;
		usleep(100000);
	} while (now_ms() < end);
	return false;
}

FIXTURE(vmem) {
	struct hr_state before;
	char auto_online[32];
	bool plugged;
};

FIXTURE_SETUP(vmem)
{
	const char *path;
	glob_t g;
	int ret;

	if (glob("/sys/bus/virtio/drivers/virtio_mem/virtio*", 0, NULL, &g))
		SKIP(return, "no virtio-mem device: start the guest with -device virtio-mem-pci ('make selftests' does)");
	globfree(&g);
	if (!getenv("HOTREMOVE_HOST"))
		SKIP(return, "no host to plug the device: run it through 'make selftests'");
	ret = hr_module_load(&path);
	if (ret)
		SKIP(return, "cannot load %s: %s", path, strerror(-ret));

	/* virtio-mem memory goes to ZONE_MOVABLE, so that all of it can go. */
	ASSERT_EQ(0, hr_read(HR_MEMORY "/auto_online_blocks",
			     self->auto_online, sizeof(self->auto_online)));
	ASSERT_EQ(0, hr_write(HR_MEMORY "/auto_online_blocks",
			      "online_movable"));
	ASSERT_EQ(0, hr_snapshot(&self->before));
}

FIXTURE_TEARDOWN(vmem)
{
	if (self->plugged)
		hr_host_plug(0);
	if (self->auto_online[0])
		hr_write(HR_MEMORY "/auto_online_blocks", self->auto_online);
	hr_state_free(&self->before);
}


TEST_F_TIMEOUT(vmem, plug_online_offline_unplug, 3600)
{
	unsigned long long size = env_ull("HOTREMOVE_VMEM_SIZE", 1ULL << 30);
	int rounds = env_ull("HOTREMOVE_VMEM_ROUNDS", 3);
	int cycles = env_ull("HOTREMOVE_VMEM_CYCLES", 10);
	unsigned long long block = hr_block_size(), addr[MAX_BLOCKS];
	long want = self->before.memtotal_kb + (long)(size >> 10);
	char why[512], line[256], state[32];
	struct hr_readers readers;
	struct hr_state now;
	double t0;
	int r, c, b, blocks = 0;

	ASSERT_TRUE(hr_readers_begin(&readers))
		TH_LOG("the page-table readers did not start or completed no round");
	t0 = now_ms();

	for (r = 0; r < rounds; r++) {
		self->plugged = true;
		ASSERT_TRUE(hr_host_plug(size)) TH_LOG("round %d: plug", r);
		ASSERT_TRUE(settle(want))
			TH_LOG("round %d: MemTotal %ld kB, want %ld kB", r,
			       hr_memtotal_kb(), want);
		ASSERT_EQ(0, hr_snapshot(&now));
		if (r == 0) {
			hr_tables_line(&now, line, sizeof(line));
			ksft_print_msg("hotremove: tables at peak: %s\n", line);
			/*
			 * Blind counts would pass whatever leaks; with
			 * rodata=on the blocks may fit in existing tables.
			 */
			if (hr_rodata_full()) {
				EXPECT_LT(hr_tables_total(&self->before),
					  hr_tables_total(&now))
					TH_LOG("plugging %#llx bytes added no table",
					       size);
			} else {
				ksft_print_msg("hotremove: rodata=on: no table required (%ld before, %ld at peak)\n",
					       hr_tables_total(&self->before),
					       hr_tables_total(&now));
			}
		}
		/* The blocks the device added, each online and movable. */
		blocks = hr_new_blocks(&self->before, &now, addr, MAX_BLOCKS);
		hr_state_free(&now);
		ASSERT_EQ(size / block, blocks)
			TH_LOG("round %d: %d new blocks", r, blocks);
		for (b = 0; b < blocks; b++) {
			ASSERT_STREQ("online", hr_block_state(addr[b], state,
							      sizeof(state)));
			ASSERT_TRUE(hr_block_zone_allowed(addr[b], "Movable"))
				TH_LOG("block at %#llx is not movable", addr[b]);
		}
		for (c = 0; c < cycles; c++) {
			for (b = 0; b < blocks; b++) {
				ASSERT_EQ(0, hr_block_offline(addr[b]))
					TH_LOG("round %d: offline %#llx", r,
					       addr[b]);
				ASSERT_EQ(0, hr_block_set(addr[b],
							  "online_movable"))
					TH_LOG("round %d: online %#llx", r,
					       addr[b]);
			}
		}

		ASSERT_TRUE(hr_host_plug(0)) TH_LOG("round %d: unplug", r);
		self->plugged = false;
		EXPECT_TRUE(settle_state(&self->before, why, sizeof(why)))
			TH_LOG("round %d left something behind: %s", r, why);
		if (_metadata->exit_code)
			return;
	}
	EXPECT_EQ(0, hr_readers_end(&readers))
		TH_LOG("page-table reader rounds failed");
	hr_tables_line(&self->before, line, sizeof(line));
	ksft_print_msg("hotremove: tables before plug and after unplug: %s\n",
		       line);
	ksft_print_msg("hotremove: rounds=%d blocks=%d block_size=%#llx cycles_per_block=%d ms_per_round=%.1f\n",
		       rounds, blocks, block, cycles,
		       (now_ms() - t0) / (rounds ? rounds : 1));
}

TEST_HARNESS_MAIN
