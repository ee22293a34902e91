// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the arm64 memory hot-remove selftests.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hotremove_util.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

int hr_read(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	buf[n] = '\0';
	close(fd);
	return 0;
}

int hr_write(const char *path, const char *text)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int hr_klog_count(const char *needle)
{
	int size = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	const char *p;
	char *buf;
	int n, count = 0;

	if (size <= 0)
		return -1;
	buf = malloc(size + 1);
	if (!buf)
		return -1;
	n = klogctl(3, buf, size);		/* SYSLOG_ACTION_READ_ALL */
	if (n < 0) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	for (p = buf; (p = strstr(p, needle)); p++)
		count++;
	free(buf);
	return count;
}

int hr_notifier_inject(const char *action, int err)
{
	char path[128], val[16];

	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/notifier-error-inject/memory/actions/%s/error",
		 action);
	snprintf(val, sizeof(val), "%d", -err);
	return hr_write(path, val);
}

/* [*start, *end) of the kernel function @name, from /proc/kallsyms. */
static int hr_kallsyms_range(const char *name, unsigned long long *start,
			     unsigned long long *end)
{
	unsigned long long addr;
	char line[512], sym[256];
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return -errno;
	*start = *end = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %*c %255s", &addr, sym) != 2)
			continue;
		if (!*start && !strcmp(sym, name))
			*start = addr;
		else if (*start && addr > *start && (!*end || addr < *end))
			*end = addr;
	}
	fclose(f);
	return *start && *end ? 0 : -ESRCH;
}

/* Write @val to the attribute @attr of the fault injector in @dir. */
static int hr_fail_set(const char *dir, const char *attr, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	return hr_write(path, val);
}

int hr_fail_alloc(const char *which, int probability, int interval,
		  const char *within)
{
	static const char *const set[][2] = {
		{ "task-filter", "Y" },
		{ "ignore-gfp-wait", "N" },
		{ "times", "-1" },
		{ "space", "0" },
		{ "verbose", "0" },
		{ "stacktrace-depth", "32" },
	};
	unsigned long long start = 0, end = ~0ULL;
	char dir[64], val[32];
	unsigned int i;
	int ret;

	snprintf(dir, sizeof(dir), "/sys/kernel/debug/%s", which);
	if (access(dir, F_OK))
		return -ENOENT;
	if (probability) {
		char names[128], *name, *save;

		snprintf(names, sizeof(names), "%s", within);
		ret = -ESRCH;
		for (name = strtok_r(names, ",", &save); name && ret;
		     name = strtok_r(NULL, ",", &save))
			ret = hr_kallsyms_range(name, &start, &end);
		if (ret)
			return ret;
	}
	for (i = 0; i < ARRAY_SIZE(set); i++) {
		ret = hr_fail_set(dir, set[i][0], set[i][1]);
		if (ret)
			return ret == -ENOENT &&
			       !strcmp(set[i][0], "stacktrace-depth") ?
			       -EINVAL : ret;
	}
	/* Allocations of any order: fail_page_alloc spares order 0 by default. */
	if (!strcmp(which, "fail_page_alloc")) {
		ret = hr_fail_set(dir, "min-order", "0");
		if (ret)
			return ret;
	}
	snprintf(val, sizeof(val), "%#llx", start);
	ret = hr_fail_set(dir, "require-start", val);
	snprintf(val, sizeof(val), "%#llx", end);
	ret = ret ?: hr_fail_set(dir, "require-end", val);
	snprintf(val, sizeof(val), "%d", interval);
	ret = ret ?: hr_fail_set(dir, "interval", val);
	snprintf(val, sizeof(val), "%d", probability);
	return ret ?: hr_fail_set(dir, "probability", val);
}

int hr_events(long ev[HR_EVENTS])
{
	char buf[256];
	int ret = hr_read(HR_DEBUGFS "/events", buf, sizeof(buf));

	if (ret)
		return ret;
	if (sscanf(buf, "going_online=%ld online=%ld cancel_online=%ld going_offline=%ld offline=%ld cancel_offline=%ld",
		   &ev[HR_GOING_ONLINE], &ev[HR_ONLINE], &ev[HR_CANCEL_ONLINE],
		   &ev[HR_GOING_OFFLINE], &ev[HR_OFFLINE],
		   &ev[HR_CANCEL_OFFLINE]) != HR_EVENTS)
		return -EINVAL;
	return 0;
}

#define HR_KMEMLEAK	"/sys/kernel/debug/kmemleak"

int hr_kmemleak_begin(void)
{
	int ret = hr_write(HR_KMEMLEAK, "scan");

	return ret ? ret : hr_write(HR_KMEMLEAK, "clear");
}

int hr_kmemleak_end(char *first, size_t size)
{
	char *report, *p;
	int ret, n = 0;

	/* kmemleak reports no object younger than 5 s (jiffies_min_age). */
	sleep(6);
	ret = hr_write(HR_KMEMLEAK, "scan");
	if (ret)
		return ret;
	report = hr_slurp(HR_KMEMLEAK);
	if (!report)
		return -errno;
	for (p = report; (p = strstr(p, "unreferenced object")); p++)
		n++;
	if (size) {
		p = strstr(report, "unreferenced object");
		snprintf(first, size, "%s", p ? p : "");
	}
	free(report);
	return n;
}

const char *const hr_reader_name[HR_READERS] = { "ptdump", "test_vmalloc" };

#define HR_PTDUMP_FILE	"/sys/kernel/debug/kernel_page_tables"
/* fix_size, random_size and vm_map_ram: about a second a round under TCG. */
#define HR_VMALLOC_PARAMS "run_test_mask=1033 nr_threads=2 test_loop_count=200"

/*
 * Each reader pauses for this many times as long as its round took: ptdump
 * holds get_online_mems() while it walks, and test_vmalloc's two threads
 * keep both CPUs of the guest busy.
 */
static const int hr_reader_pause[HR_READERS] = { 4, 1 };

/* A round that has not ended this long after the reader was told to stop hangs. */
#define HR_READER_STUCK_S	60

static double hr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static bool hr_ptdump_round(void)
{
	static char buf[65536];
	int fd = open(HR_PTDUMP_FILE, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return n == 0;
}

/* The module runs its tests, then fails its init with EAGAIN on purpose. */
static bool hr_vmalloc_round(int fd)
{
	if (!syscall(SYS_finit_module, fd, HR_VMALLOC_PARAMS, 0)) {
		syscall(SYS_delete_module, "test_vmalloc", O_NONBLOCK);
		return false;
	}
	return errno == EAGAIN;
}

static void hr_reader(struct hr_readers *r, int which, int fd)
{
	while (!__atomic_load_n(r->stop, __ATOMIC_SEQ_CST)) {
		double t0 = hr_now_ms();
		bool ok = which == HR_PTDUMP ? hr_ptdump_round() :
			  hr_vmalloc_round(fd);

		__atomic_add_fetch(ok ? &r->done[which] : &r->failed[which], 1,
				   __ATOMIC_SEQ_CST);
		usleep((useconds_t)(hr_reader_pause[which] * 1000 *
				    (hr_now_ms() - t0)));
	}
	_exit(0);
}

int hr_readers_start(struct hr_readers *r)
{
	static char vmalloc[PATH_MAX];
	const char *env = getenv("HOTREMOVE_VMALLOC");
	int which, fd = -1;

	memset(r, 0, sizeof(*r));
	r->done = mmap(NULL, (2 * HR_READERS + 1) * sizeof(long),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->done == MAP_FAILED) {
		r->done = NULL;
		return -errno;
	}
	r->failed = r->done + HR_READERS;
	r->stop = r->failed + HR_READERS;
	if (access(HR_PTDUMP_FILE, R_OK))
		r->missing[HR_PTDUMP] = "no " HR_PTDUMP_FILE ": build with CONFIG_PTDUMP_DEBUGFS=y";
	if (env) {
		snprintf(vmalloc, sizeof(vmalloc), "%s", env);
	} else {
		ssize_t n = readlink("/proc/self/exe", vmalloc, sizeof(vmalloc) - 1);
		char *slash;

		vmalloc[n > 0 ? n : 0] = '\0';
		slash = strrchr(vmalloc, '/');
		snprintf(slash ? slash + 1 : vmalloc,
			 sizeof(vmalloc) - (slash ? slash + 1 - vmalloc : 0),
			 "test_vmalloc.ko");
	}
	fd = open(vmalloc, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		r->missing[HR_VMALLOC] = "no test_vmalloc.ko next to the test or in $HOTREMOVE_VMALLOC: build with CONFIG_TEST_VMALLOC=m";
	fflush(NULL);
	for (which = 0; which < HR_READERS; which++) {
		pid_t pid;

		if (r->missing[which])
			continue;
		pid = fork();
		if (pid < 0) {
			hr_readers_stop(r, NULL, NULL);
			if (fd >= 0)
				close(fd);
			return -errno;
		}
		if (!pid) {
			int null = open("/dev/null", O_WRONLY);

			/*
			 * Not the test's output: a reader stuck in the kernel
			 * would keep the kselftest runner's pipe open.
			 */
			if (null >= 0) {
				dup2(null, STDOUT_FILENO);
				dup2(null, STDERR_FILENO);
			}
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			hr_reader(r, which, fd);
		}
		r->pid[which] = pid;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

bool hr_readers_warm(const struct hr_readers *r, int timeout_ms)
{
	double end = hr_now_ms() + timeout_ms;
	int which;

	for (which = 0; which < HR_READERS; which++)
		while (r->pid[which] &&
		       !__atomic_load_n(&r->done[which], __ATOMIC_SEQ_CST)) {
			if (hr_now_ms() > end)
				return false;
			usleep(10000);
		}
	return true;
}

/* Print where a reader that does not die sits in the kernel. */
static void hr_reader_stuck(int which, pid_t pid)
{
	char path[64], *stack;

	snprintf(path, sizeof(path), "/proc/%d/stack", (int)pid);
	stack = hr_slurp(path);
	printf("# hotremove: the %s reader did not finish its round within %d s of being told to stop, in the kernel at:\n%s",
	       hr_reader_name[which], HR_READER_STUCK_S, stack ? stack : "(no /proc/PID/stack)\n");
	free(stack);
}

void hr_readers_stop(struct hr_readers *r, long done[HR_READERS],
		     long failed[HR_READERS])
{
	int which, waited;

	/*
	 * Each reader stops after its round.  Not SIGKILL: test_vmalloc
	 * waits forever for its workers when a fatal signal makes it fail
	 * to start them all (do_concurrent_test()).
	 */
	if (r->stop)
		__atomic_store_n(r->stop, 1, __ATOMIC_SEQ_CST);
	for (which = 0; which < HR_READERS; which++) {
		if (!r->pid[which])
			continue;
		for (waited = 0; waited < 10 * HR_READER_STUCK_S; waited++) {
			if (waitpid(r->pid[which], NULL, WNOHANG) == r->pid[which])
				break;
			usleep(100000);
		}
		if (waited == 10 * HR_READER_STUCK_S) {
			hr_reader_stuck(which, r->pid[which]);
			kill(r->pid[which], SIGKILL);
			if (r->failed)
				r->failed[which]++;
		}
		r->pid[which] = 0;
	}
	for (which = 0; which < HR_READERS && r->done; which++) {
		if (done)
			done[which] = r->done[which];
		if (failed)
			failed[which] = r->failed[which];
	}
	if (r->done)
		munmap(r->done, (2 * HR_READERS + 1) * sizeof(long));
	r->done = r->failed = r->stop = NULL;
}

bool hr_readers_begin(struct hr_readers *r)
{
	int which;

	if (hr_readers_start(r))
		return false;
	for (which = 0; which < HR_READERS; which++)
		if (r->missing[which])
			printf("# hotremove: the %s reader does not run: %s\n",
			       hr_reader_name[which], r->missing[which]);
	return hr_readers_warm(r, 120000);
}

long hr_readers_end(struct hr_readers *r)
{
	long done[HR_READERS] = { 0 }, failed[HR_READERS] = { 0 };

	hr_readers_stop(r, done, failed);
	printf("# hotremove: ptdump_reads=%ld ptdump_failed=%ld test_vmalloc_rounds=%ld test_vmalloc_failed=%ld\n",
	       done[HR_PTDUMP], failed[HR_PTDUMP], done[HR_VMALLOC],
	       failed[HR_VMALLOC]);
	return failed[HR_PTDUMP] + failed[HR_VMALLOC];
}

char *hr_slurp(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

int hr_module_load(const char **path)
{
	static char where[PATH_MAX];
	const char *env = getenv("HOTREMOVE_MODULE");
	int fd, ret = 0;

	if (env) {
		snprintf(where, sizeof(where), "%s", env);
	} else {
		ssize_t n = readlink("/proc/self/exe", where, sizeof(where) - 1);
		char *slash;

		if (n < 0)
			n = 0;
		where[n] = '\0';
		slash = strrchr(where, '/');
		snprintf(slash ? slash + 1 : where,
			 sizeof(where) - (slash ? slash + 1 - where : 0),
			 "%s", HR_MODULE);
	}
	*path = where;
	if (access(HR_DEBUGFS, F_OK) == 0)
		return 0;
	fd = open(where, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST)
		ret = -errno;
	close(fd);
	if (!ret && access(HR_DEBUGFS, F_OK))
		ret = -ENOENT;	/* loaded, but debugfs is not mounted */
	return ret;
}

int hr_request(const char *what, unsigned long long start,
	       unsigned long long size)
{
	char path[128], text[64];

	snprintf(path, sizeof(path), HR_DEBUGFS "/%s", what);
	snprintf(text, sizeof(text), "%#llx %#llx", start, size);
	return hr_write(path, text);
}

unsigned long long hr_block_size(void)
{
	char buf[64];

	if (hr_read(HR_MEMORY "/block_size_bytes", buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 16);
}

static void hr_block_file(unsigned long long addr, const char *file,
			  char *path, size_t size)
{
	snprintf(path, size, HR_MEMORY "/memory%llu/%s",
		 addr / hr_block_size(), file);
}

const char *hr_block_state(unsigned long long addr, char *buf, size_t size)
{
	char path[128];

	hr_block_file(addr, "state", path, sizeof(path));
	if (hr_read(path, buf, size))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

int hr_block_set(unsigned long long addr, const char *state)
{
	char path[128];

	hr_block_file(addr, "state", path, sizeof(path));
	return hr_write(path, state);
}

int hr_block_offline(unsigned long long addr)
{
	int ret, tries;

	for (tries = 0; tries < 10; tries++) {
		ret = hr_block_set(addr, "offline");
		if (ret != -EBUSY && ret != -EAGAIN)
			break;
		usleep(100000);
	}
	return ret;
}

bool hr_block_zone_allowed(unsigned long long addr, const char *zone)
{
	char path[128], buf[128], *tok, *save;

	hr_block_file(addr, "valid_zones", path, sizeof(path));
	if (hr_read(path, buf, sizeof(buf)))
		return false;
	for (tok = strtok_r(buf, "\n ", &save); tok;
	     tok = strtok_r(NULL, "\n ", &save))
		if (!strcmp(tok, zone))
			return true;
	return false;
}

static long hr_meminfo_kb(const char *key)
{
	char *info = hr_slurp("/proc/meminfo");
	char *p = info ? strstr(info, key) : NULL;
	long kb = -1;

	if (p)
		sscanf(p + strlen(key), " %ld kB", &kb);
	free(info);
	return kb;
}

long hr_kernel_pages(void)
{
	long slab = hr_meminfo_kb("SUnreclaim:"), percpu = hr_meminfo_kb("Percpu:");
	char buf[64];
	long tables;

	if (slab < 0 || percpu < 0 || hr_read(HR_DEBUGFS "/vmalloc_pages", buf, sizeof(buf)))
		return -1;
	tables = atol(buf);
	return tables + (slab + percpu) * 1024 / hr_page_size();
}

#define HR_OWNER_STACKS	"/sys/kernel/debug/page_owner_stacks/show_stacks"

/*
 * Functions of the hot-plug paths, on 6.12 and on mainline; a trailing '*'
 * matches any name that starts so.  A stack holds
 * no more than 16 frames, so each path is named at several depths: the
 * allocation of a pte table of the vmemmap ends in vmemmap_pte_populate()
 * several frames below arch_add_memory().  Not the table allocators
 * themselves: mainline's split_kernel_leaf_mapping() allocates tables
 * for the boot linear map through them too.
 */
static const char *const hr_hotplug_frames[] = {
	"add_memory_resource", "__add_memory_resource", "arch_add_memory",
	"__add_pages", "sparse_add_section", "section_activate",
	"__populate_section_memmap", "vmemmap_populate*", "vmemmap_p4d_populate",
	"vmemmap_pud_populate", "vmemmap_pmd_populate", "vmemmap_pte_populate", "vmemmap_alloc_block*", "__create_pgd_mapping*",
	"online_pages", "offline_pages", "online_page_ext", "offline_page_ext",
	"memory_block_online", "memory_block_offline",
	"try_remove_memory", "arch_remove_memory", "__remove_pages",
	"sparse_remove_section", "section_deactivate", "unmap_hotplug*",
	"free_empty*",
};
/*
 * Stacks that hold memory for others than hot-plug: slab pages, per-CPU
 * chunks and vmalloc's page tables, which vmalloc never frees (page_ext
 * falls back on vmalloc when a section's worth cannot be had at once).
 */
static const char *const hr_shared_frames[] = {
	"allocate_slab", "new_slab", "pcpu_*", "vmap_*",
};

/* The end of the line at @s: its '\n', or the string's end. */
static char *hr_eol(const char *s)
{
	return (char *)s + strcspn(s, "\n");
}

static bool hr_frame_is(const char *frame, size_t len, const char *const *names,
			size_t nr)
{
	size_t i, n;

	for (i = 0; i < nr; i++) {
		n = strlen(names[i]);
		if (names[i][n - 1] == '*') {
			if (len >= n - 1 && !strncmp(frame, names[i], n - 1))
				return true;
		} else if (len == n && !strncmp(frame, names[i], n)) {
			return true;
		}
	}
	return false;
}

/* Whether the frames of one stack are hot-plug's alone. */
static bool hr_hotplug_stack(const char *frames)
{
	bool hotplug = false;
	const char *f, *e;

	for (f = frames; *f; f = *e ? e + 1 : e) {
		size_t len;

		e = hr_eol(f);
		while (f < e && *f == ' ')
			f++;
		len = strcspn(f, "+ \n");
		if (len > (size_t)(e - f))
			len = e - f;
		if (hr_frame_is(f, len, hr_shared_frames,
				sizeof(hr_shared_frames) / sizeof(hr_shared_frames[0])))
			return false;
		if (hr_frame_is(f, len, hr_hotplug_frames,
				sizeof(hr_hotplug_frames) / sizeof(hr_hotplug_frames[0])))
			hotplug = true;
	}
	return hotplug;
}

int hr_owner_read(struct hr_owner *o)
{
	char *text = hr_slurp(HR_OWNER_STACKS), *block, *next, *count;
	int cap = 0;

	memset(o, 0, sizeof(*o));
	if (!text)
		return -errno;
	/* Blocks of frames, each ending in "nr_base_pages: N" and a blank line. */
	for (block = text; (count = strstr(block, "nr_base_pages: ")); block = next) {
		long pages = atol(count + strlen("nr_base_pages: "));

		next = hr_eol(count);
		if (*next)
			next++;
		*count = '\0';
		if (!hr_hotplug_stack(block))
			continue;
		if (o->nr == cap) {
			struct hr_owner_stack *more;

			cap = cap ? 2 * cap : 32;
			more = realloc(o->stacks, cap * sizeof(*more));
			if (!more)
				goto nomem;
			o->stacks = more;
		}
		/* The blank line that ends the block before leads this one. */
		while (*block == '\n')
			block++;
		o->stacks[o->nr].frames = strdup(block);
		if (!o->stacks[o->nr].frames)
			goto nomem;
		o->stacks[o->nr++].pages = pages;
		o->pages += pages;
	}
	free(text);
	return 0;
nomem:
	free(text);
	hr_owner_free(o);
	return -ENOMEM;
}

static long hr_owner_pages(const struct hr_owner *o, const char *frames)
{
	int i;

	for (i = 0; i < o->nr; i++)
		if (!strcmp(o->stacks[i].frames, frames))
			return o->stacks[i].pages;
	return 0;
}

/* Append the stack's difference and its frames, on one line, to why. */
static void hr_owner_why(char *why, size_t size, long diff, const char *frames)
{
	size_t len = strlen(why);
	const char *f;

	if (len + 2 >= size)
		return;
	len += snprintf(why + len, size - len, "%s%+ld pages:", len ? "\n" : "",
			diff);
	for (f = frames; *f && len + 2 < size; f++) {
		if (*f == '\n') {
			/* The next frame follows "<". */
			if (f[1])
				len += snprintf(why + len, size - len, " <");
			continue;
		}
		why[len++] = *f;
		why[len] = '\0';
	}
}

long hr_owner_diff(const struct hr_owner *before, const struct hr_owner *after,
		   char *why, size_t size)
{
	long diff, total = 0;
	int i;

	if (size)
		why[0] = '\0';
	for (i = 0; i < after->nr; i++) {
		diff = after->stacks[i].pages -
		       hr_owner_pages(before, after->stacks[i].frames);
		if (diff)
			hr_owner_why(why, size, diff, after->stacks[i].frames);
		total += diff;
	}
	for (i = 0; i < before->nr; i++) {
		if (hr_owner_pages(after, before->stacks[i].frames))
			continue;
		diff = -before->stacks[i].pages;
		hr_owner_why(why, size, diff, before->stacks[i].frames);
		total += diff;
	}
	return total;
}

void hr_owner_free(struct hr_owner *o)
{
	int i;

	for (i = 0; i < o->nr; i++)
		free(o->stacks[i].frames);
	free(o->stacks);
	memset(o, 0, sizeof(*o));
}

long hr_memtotal_kb(void)
{
	char buf[256];
	long kb = -1;

	if (!hr_read("/proc/meminfo", buf, sizeof(buf)))
		sscanf(buf, "MemTotal: %ld kB", &kb);
	return kb;
}

/*
 * Whether the kernel runs with rodata=full (arm64's default; the last
 * rodata= on the command line wins): hot-added memory is then mapped with
 * pages, so every GiB added needs pte tables of its own.  With rodata=on
 * it may get blocks that fit in tables already there (64K pages: two PMD
 * blocks).
 */
bool hr_rodata_full(void)
{
	char buf[1024], *p, *last = NULL;

	if (hr_read("/proc/cmdline", buf, sizeof(buf)))
		return true;
	for (p = strstr(buf, "rodata="); p; p = strstr(p + 1, "rodata="))
		if (p == buf || p[-1] == ' ')
			last = p + strlen("rodata=");
	return !last || !strncmp(last, "full", 4);
}

bool hr_cmdline_has(const char *word)
{
	size_t n = strlen(word);
	char buf[1024], *p;

	if (hr_read("/proc/cmdline", buf, sizeof(buf)))
		return false;
	for (p = strstr(buf, word); p; p = strstr(p + 1, word))
		if ((p == buf || p[-1] == ' ') && strchr(" \n", p[n]))
			return true;
	return false;
}

/*
 * Whether memory_hotplug.memmap_on_memory is on ("Y" or "force"): memory
 * blocks hot-added with MHP_MEMMAP_ON_MEMORY may then carry their memmap,
 * which MemTotal does not count.
 */
bool hr_memmap_on_memory(void)
{
	char buf[16] = "";

	if (hr_read("/sys/module/memory_hotplug/parameters/memmap_on_memory",
		    buf, sizeof(buf)))
		return false;
	return buf[0] && buf[0] != 'N';
}

bool hr_memmap_fits(unsigned long long block)
{
	unsigned long long page = hr_page_size();
	unsigned long long memmap = block / page * 64, pmd = page * (page / 8);
	char mode[16] = "", *info, *p;
	int order = -1;

	if (memmap % pmd || memmap >= block)
		return false;
	hr_read("/sys/module/memory_hotplug/parameters/memmap_on_memory",
		mode, sizeof(mode));
	if (!strncmp(mode, "force", 5))
		return true;
	/* Without "force" the memmap must also be whole pageblocks. */
	info = hr_slurp("/proc/pagetypeinfo");
	p = info ? strstr(info, "Page block order:") : NULL;
	if (p)
		sscanf(p, "Page block order: %d", &order);
	free(info);
	return order >= 0 && memmap / page % (1ULL << order) == 0;
}

bool hr_host_plug(unsigned long long bytes)
{
	int fd = open("/dev/console", O_WRONLY | O_NOCTTY);
	bool ok;

	if (fd < 0)
		return false;
	ok = dprintf(fd, "hotremove-host: plug %llu\n", bytes) > 0;
	close(fd);
	return ok;
}

long hr_page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

int hr_zones_free(struct hr_zone *z, int max)
{
	char line[256], node[16], zone[24];
	long n;
	int nr = -1;
	FILE *f;

	sync();
	hr_write("/proc/sys/vm/drop_caches", "3");
	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %15[^,], zone %23s", node, zone) == 2) {
			if (nr + 1 == max)
				break;
			nr++;
			snprintf(z[nr].name, sizeof(z[nr].name),
				 "Node %s, zone %s", node, zone);
			z[nr].free = 0;
		} else if (nr >= 0 &&
			   (sscanf(line, " pages free %ld", &n) == 1 ||
			    sscanf(line, " count: %ld", &n) == 1)) {
			z[nr].free += n;
		}
	}
	fclose(f);
	return nr + 1;
}

static int hr_block_cmp(const void *a, const void *b)
{
	const struct dirent *const *x = a, *const *y = b;

	return strtol((*x)->d_name + 6, NULL, 10) -
	       strtol((*y)->d_name + 6, NULL, 10);
}

static int hr_is_block(const struct dirent *d)
{
	return !strncmp(d->d_name, "memory", 6) &&
	       d->d_name[6] >= '0' && d->d_name[6] <= '9';
}

static char *hr_blocks(void)
{
	struct dirent **list;
	size_t len = 0, cap;
	char *out;
	int i, n;

	n = scandir(HR_MEMORY, &list, hr_is_block, NULL);
	if (n < 0)
		return NULL;
	qsort(list, n, sizeof(*list), hr_block_cmp);
	cap = 64 * (n + 1);
	out = malloc(cap);
	for (i = 0; i < n; i++) {
		char path[300], state[32] = "";

		snprintf(path, sizeof(path), HR_MEMORY "/%s/state",
			 list[i]->d_name);
		hr_read(path, state, sizeof(state));
		state[strcspn(state, "\n")] = '\0';
		if (out)
			len += snprintf(out + len, cap - len, "%s %s\n",
					list[i]->d_name, state);
		free(list[i]);
	}
	free(list);
	return out;
}

int hr_snapshot(struct hr_state *s)
{
	memset(s, 0, sizeof(*s));
	if (hr_read(HR_DEBUGFS "/tables", s->tables, sizeof(s->tables)))
		return -1;
	s->table_list = hr_slurp(HR_DEBUGFS "/table_list");
	s->memtotal_kb = hr_memtotal_kb();
	s->iomem = hr_slurp("/proc/iomem");
	s->blocks = hr_blocks();
	return s->memtotal_kb > 0 && s->table_list && s->iomem && s->blocks ?
	       0 : -1;
}

void hr_state_free(struct hr_state *s)
{
	free(s->table_list);
	free(s->iomem);
	free(s->blocks);
	s->table_list = NULL;
	s->iomem = NULL;
	s->blocks = NULL;
}

/* The first line where a and b differ, as "was '...', is '...'". */
static void hr_first_diff(const char *a, const char *b, char *why, size_t size)
{
	while (*a && *b) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");

		if (la != lb || strncmp(a, b, la))
			break;
		a += la + (a[la] == '\n');
		b += lb + (b[lb] == '\n');
	}
	snprintf(why + strlen(why), size - strlen(why), "was '%.*s', is '%.*s'",
		 (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
}

bool hr_state_same(const struct hr_state *a, const struct hr_state *b,
		   char *why, size_t size)
{
	why[0] = '\0';
	if (strcmp(a->tables, b->tables)) {
		snprintf(why, size, "page-table pages: ");
		hr_first_diff(a->tables, b->tables, why, size);
		snprintf(why + strlen(why), size - strlen(why),
			 "; first table that differs: ");
		hr_first_diff(a->table_list, b->table_list, why, size);
	} else if (a->memtotal_kb != b->memtotal_kb) {
		snprintf(why, size, "MemTotal: was %ld kB, is %ld kB",
			 a->memtotal_kb, b->memtotal_kb);
	} else if (strcmp(a->iomem, b->iomem)) {
		snprintf(why, size, "/proc/iomem: ");
		hr_first_diff(a->iomem, b->iomem, why, size);
	} else if (strcmp(a->blocks, b->blocks)) {
		snprintf(why, size, "memory blocks: ");
		hr_first_diff(a->blocks, b->blocks, why, size);
	}
	return !why[0];
}

long hr_tables_total(const struct hr_state *s)
{
	const char *p = s->tables;
	long total = 0;

	while ((p = strchr(p, '=')))
		total += strtol(++p, NULL, 10);
	return total;
}

void hr_tables_line(const struct hr_state *s, char *buf, size_t size)
{
	size_t i, n = 0;

	for (i = 0; s->tables[i] && n + 1 < size; i++)
		buf[n++] = s->tables[i] == '\n' ? ';' : s->tables[i];
	while (n && buf[n - 1] == ';')
		n--;
	buf[n] = '\0';
}

int hr_new_blocks(const struct hr_state *before, const struct hr_state *now,
		  unsigned long long *addr, int max)
{
	unsigned long long block = hr_block_size();
	const char *line = now->blocks;
	char *known = malloc(strlen(before->blocks) + 2);
	int n = 0;

	if (!known)
		return -1;
	/* Every name in known follows a newline, the first one too. */
	sprintf(known, "\n%s", before->blocks);
	while (*line && n < max) {
		char name[64];

		snprintf(name, sizeof(name), "\n%.*s ",
			 (int)strcspn(line, "\n "), line);
		if (!strstr(known, name))
			addr[n++] = strtoull(line + 6, NULL, 10) * block;
		line += strcspn(line, "\n");
		line += *line == '\n';
	}
	free(known);
	return n;
}
