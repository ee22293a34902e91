// SPDX-License-Identifier: GPL-2.0
/*
 * What hot-add and hot-remove cost, measured in an arm64 guest (ci/bench.sh
 * boots it; nothing here checks a result, the selftests do that).
 *
 * 1. Latency: HOTREMOVE_BENCH_ROUNDS rounds of add, online (movable),
 *    offline and remove of the top GiB of the RAM hidden with mem=, through
 *    the selftests' module; then, when the guest has a virtio-mem device,
 *    as many rounds of plug and unplug of HOTREMOVE_VMEM_SIZE through the
 *    host.  One line per round, in milliseconds:
 *      bench: latency add=A online=O offline=F remove=R
 *      bench: virtio-mem plug=P unplug=U
 * 2. Cost: the page-table pages and the leaves of the linear map of the
 *    added GiB, per level, from the module:
 *      bench: tables before: ...   bench: tables added: ...
 *      bench: leaves added: pte=N cont_pte=N pmd=N cont_pmd=N pud=N
 * 3. vmalloc throughput: lib/test_vmalloc.ko's fix_size, random_size and
 *    long_busy_list tests (2 threads, HOTREMOVE_BENCH_VMALLOC_LOOPS loops
 *    each), alone and with an add/online/offline/remove loop of the same
 *    GiB running alongside, HOTREMOVE_BENCH_VMALLOC_REPEAT times; the wall
 *    time of each test run:
 *      bench: vmalloc test=NAME busy=0|1 ms=T
 *
 * Ends with "bench: done".  Any failure prints "bench: error: ..." and
 * stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hotremove_util.h"

static unsigned long long start, size, block;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v ? strtol(v, NULL, 0) : def;
}

static void die(const char *what, int err)
{
	printf("bench: error: %s: %s\n", what, strerror(err < 0 ? -err : err));
	fflush(stdout);
	exit(1);
}

static int blocks_set(const char *how)
{
	unsigned long long a;
	int ret;

	for (a = start; a < start + size; a += block) {
		ret = strcmp(how, "offline") ? hr_block_set(a, how) :
					       hr_block_offline(a);
		if (ret)
			return ret;
	}
	return 0;
}

/* One add, online, offline, remove of the window; times in ms, or -errno. */
static int cycle(double t[4])
{
	double t0 = now_ms();
	int ret;

	ret = hr_request("add", start, size);
	if (ret)
		return ret;
	t[0] = now_ms() - t0;
	t0 = now_ms();
	ret = blocks_set("online_movable");
	if (ret)
		return ret;
	t[1] = now_ms() - t0;
	t0 = now_ms();
	ret = blocks_set("offline");
	if (ret)
		return ret;
	t[2] = now_ms() - t0;
	t0 = now_ms();
	ret = hr_request("remove", start, size);
	t[3] = now_ms() - t0;
	return ret;
}

/* A first cycle, not reported, warms the caches and the allocator up. */
static void latency(int rounds)
{
	double t[4];
	int r, ret;

	for (r = -1; r < rounds; r++) {
		ret = cycle(t);
		if (ret)
			die("add/online/offline/remove", ret);
		if (r >= 0)
			printf("bench: latency add=%.3f online=%.3f offline=%.3f remove=%.3f\n",
			       t[0], t[1], t[2], t[3]);
	}
}

/* The page-table pages and leaves the added window costs. */
static void cost(void)
{
	char before[256], added[256], leaves[256];
	int ret;

	if (hr_read(HR_DEBUGFS "/tables", before, sizeof(before)))
		die("read tables", errno);
	ret = hr_request("add", start, size);
	if (ret)
		die("add", ret);
	if (hr_read(HR_DEBUGFS "/tables", added, sizeof(added)) ||
	    hr_read(HR_DEBUGFS "/leaves", leaves, sizeof(leaves)))
		die("read tables or leaves", errno);
	ret = hr_request("remove", start, size);
	if (ret)
		die("remove", ret);
	before[strcspn(before, "\n")] = ';';
	added[strcspn(added, "\n")] = ';';
	printf("bench: tables before: %s", before);
	printf("bench: tables added: %s", added);
	printf("bench: leaves added: %s", leaves);
}

/* Wait, polling every millisecond, until cond holds; false after 60 s. */
static bool wait_for(bool (*cond)(const void *), const void *arg)
{
	double end = now_ms() + 60000;

	while (!cond(arg)) {
		if (now_ms() > end)
			return false;
		usleep(1000);
	}
	return true;
}

static bool memtotal_is(const void *arg)
{
	return hr_memtotal_kb() == *(const long *)arg;
}

static bool iomem_is(const void *arg)
{
	char *iomem = hr_slurp("/proc/iomem");
	bool same = iomem && !strcmp(iomem, arg);

	free(iomem);
	return same;
}

/*
 * Plug: from the request until all of it is online.  Unplug: from the
 * request until MemTotal and /proc/iomem are as before.
 */
static void virtio_mem(int rounds)
{
	long vsize = env_long("HOTREMOVE_VMEM_SIZE", 1L << 30);
	long base_kb = hr_memtotal_kb(), want_kb = base_kb + (vsize >> 10);
	char *iomem = hr_slurp("/proc/iomem");
	double t0, plug;
	int r;

	if (access("/sys/bus/virtio/drivers/virtio_mem", F_OK) || !iomem) {
		printf("bench: no virtio-mem device\n");
		free(iomem);
		return;
	}
	hr_write(HR_MEMORY "/auto_online_blocks", "online_movable");
	for (r = 0; r < rounds; r++) {
		t0 = now_ms();
		if (!hr_host_plug(vsize) || !wait_for(memtotal_is, &want_kb))
			die("virtio-mem plug", ETIMEDOUT);
		plug = now_ms() - t0;
		t0 = now_ms();
		if (!hr_host_plug(0) || !wait_for(memtotal_is, &base_kb) ||
		    !wait_for(iomem_is, iomem))
			die("virtio-mem unplug", ETIMEDOUT);
		printf("bench: virtio-mem plug=%.3f unplug=%.3f\n", plug,
		       now_ms() - t0);
	}
	hr_write(HR_MEMORY "/auto_online_blocks", "offline");
	free(iomem);
}

/* Add/online/offline/remove until the parent closes the pipe. */
static void busy_loop(int stop_fd)
{
	double t[4];
	char c;
	int n = 0, ret;

	fcntl(stop_fd, F_SETFL, O_NONBLOCK);
	while (read(stop_fd, &c, 1) < 0 && errno == EAGAIN) {
		ret = cycle(t);
		if (ret) {
			printf("bench: error: busy loop: %s\n", strerror(-ret));
			_exit(1);
		}
		n++;
	}
	printf("bench: busy loop cycles=%d\n", n);
	_exit(0);
}

static double vmalloc_run(int fd, int mask, long loops)
{
	char params[128];
	double t0;
	int ret;

	snprintf(params, sizeof(params),
		 "run_test_mask=%d nr_threads=2 test_loop_count=%ld", mask,
		 loops);
	t0 = now_ms();
	/* The module runs its tests, then fails its init on purpose. */
	ret = syscall(SYS_finit_module, fd, params, 0);
	if (ret == 0)
		syscall(SYS_delete_module, "test_vmalloc", O_NONBLOCK);
	else if (errno != EAGAIN)
		die("load test_vmalloc.ko", errno);
	return now_ms() - t0;
}

/* One run of a test_vmalloc test, with the busy loop alongside or not. */
static void vmalloc_one(int fd, const char *name, int mask, bool busy,
			long loops)
{
	int pipefd[2], status = 0;
	pid_t pid = -1;
	double ms;

	if (busy) {
		if (pipe(pipefd))
			die("pipe", errno);
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			die("fork", errno);
		if (!pid) {
			close(pipefd[1]);
			busy_loop(pipefd[0]);
		}
		close(pipefd[0]);
	}
	ms = vmalloc_run(fd, mask, loops);
	if (busy) {
		close(pipefd[1]);
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			die("busy loop", ECHILD);
	}
	printf("bench: vmalloc test=%s busy=%d ms=%.3f\n", name, busy, ms);
}

static void vmalloc_bench(long loops, int repeat)
{
	static const struct { const char *name; int mask; } tests[] = {
		{ "fix_size", 1 },
		{ "long_busy_list", 4 },
		{ "random_size", 8 },
	};
	const char *path = getenv("HOTREMOVE_BENCH_VMALLOC") ?:
			   "test_vmalloc.ko";
	int fd = open(path, O_RDONLY | O_CLOEXEC), rep, busy;
	unsigned int i;

	if (fd < 0) {
		printf("bench: no %s: vmalloc throughput not measured\n", path);
		return;
	}
	for (rep = 0; rep < repeat; rep++)
		for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
			for (busy = 0; busy < 2; busy++)
				vmalloc_one(fd, tests[i].name, tests[i].mask,
					    busy, loops);
	close(fd);
}

int main(void)
{
	int rounds = env_long("HOTREMOVE_BENCH_ROUNDS", 20);
	long loops = env_long("HOTREMOVE_BENCH_VMALLOC_LOOPS", 10000);
	int repeat = env_long("HOTREMOVE_BENCH_VMALLOC_REPEAT", 3);
	const char *path;
	char buf[128];
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = hr_module_load(&path);
	if (ret)
		die(path, ret);
	if (hr_read(HR_DEBUGFS "/hidden", buf, sizeof(buf)) ||
	    sscanf(buf, "%lli %lli %lli", &start, &size, &block) != 3)
		die("no hidden RAM: boot with mem= below the RAM size", EINVAL);
	/* The top GiB of the hidden RAM, as the selftests use it. */
	if (size > 1ULL << 30) {
		start += size - (1ULL << 30);
		size = 1ULL << 30;
	}
	printf("bench: window start=%#llx size=%#llx block=%#llx page=%ld\n",
	       start, size, block, sysconf(_SC_PAGESIZE));
	if (hr_write(HR_MEMORY "/auto_online_blocks", "offline"))
		die("auto_online_blocks", errno);

	cost();
	latency(rounds);
	virtio_mem(rounds);
	vmalloc_bench(loops, repeat);
	printf("bench: done\n");
	return 0;
}
