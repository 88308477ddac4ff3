// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf-bench: the copy paths of clientbuf side by side with
 * process_vm_writev(), /proc/PID/mem and memcpy(), in one run.
 *
 * The process that starts is the client: it opens /dev/clientbuf, registers
 * an unpinned and a pinned (CLIENTBUF_BUF_PIN) 16 MiB buffer, has the
 * clientbuf_bench package hold a request, and forks a second process that
 * copies into those buffers through the held request (/dev/clientbuf_bench),
 * as a userspace package server (CLIENTBUF_IOC_SERVER_OP), and with
 * process_vm_writev() and pwrite() to /proc/PID/mem. Every measurement is
 * repeated; the repetitions of all paths are interleaved and the median is
 * reported. Needs clientbuf.ko and clientbuf_bench.ko, and root.
 *
 * Usage: clientbuf-bench [-r REPS] [-t MS] [-q] [-P]
 *   -r REPS  repetitions of each measurement (default 7)
 *   -t MS    target time of one measurement (default 25 ms)
 *   -q       quick: -r 3 -t 5
 *   -P       profile instead: one traced call of the second process's
 *            main paths at 512 B and 4 KiB, with tracing_on toggled in
 *            /sys/kernel/tracing around each (set the tracer up first)
 *
 * Output: machine lines, four tables (ns per call, GiB/s, ratio to
 * process_vm_writev, ratio to memcpy), the target checks, and
 * "CBBENCH-CSV,..." lines for tools/bench/plot.sh.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <emmintrin.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/clientbuf.h>
#include "clientbuf_bench_abi.h"

#define MAXREPS		31
#define BUFLEN		CBBENCH_MAX_LEN
#define VEC_SEGS	64
#define SRV_PACKAGE	"clientbuf_bench_srv"

static const uint32_t sizes[] = { 64, 512, 4096, 65536, 1 << 20, 16 << 20 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

enum path {
	P_MEMCPY,
	P_SSE2,
	P_MOVSB,
	P_LOCAL_K,
	P_LOCAL_CALL,
	P_KTHREAD_K,
	P_REMOTE_K,
	P_PIN_K,
	P_REMOTE_IOC,
	P_REMOTE_BOUNCE,
	P_REMOTE_FIXED,
	P_PIN_IOC,
	P_PIN_BOUNCE,
	P_PIN_FIXED,
	P_PIN_VEC,
	P_SRV_REMOTE,
	P_SRV_PIN,
	P_PVW,
	P_PROCMEM,
	NPATHS,
};

/**
 * struct path_desc - one row of the tables
 * @key: CSV name
 * @label: table label
 * @child: measured by the second process
 * @max_len: largest size measured (0: all)
 */
struct path_desc {
	const char *key;
	const char *label;
	bool child;
	uint32_t max_len;
};

static const struct path_desc paths[NPATHS] = {
	[P_MEMCPY]	  = { "memcpy", "(6) memcpy, userspace (the limit)", false, 0 },
	[P_SSE2]	  = { "sse2_loop", "(6) SSE2 copy loop, userspace", false, 0 },
	[P_MOVSB]	  = { "rep_movsb", "    rep movsb, userspace (control)", false, 1 << 20 },
	[P_LOCAL_K]	  = { "local_kloop", "(1) client ctx, kernel loop", false, 0 },
	[P_LOCAL_CALL]	  = { "local_call", "(1) client ctx, CALL_PACKAGE/copy", false, 0 },
	[P_KTHREAD_K]	  = { "kthread_kloop", "(2) kthread use_mm, kernel loop", false, 0 },
	[P_REMOTE_K]	  = { "remote_kloop", "(2) 2nd proc unpinned, kernel loop", true, 0 },
	[P_PIN_K]	  = { "pin_kloop", "(3) 2nd proc pinned, kernel loop", true, 0 },
	[P_REMOTE_IOC]	  = { "remote_ioctl", "(2) 2nd proc unpinned, ioctl", true, 0 },
	[P_REMOTE_BOUNCE] = { "remote_ioctl_bounce", "    ... bounce buffer", true, 0 },
	[P_REMOTE_FIXED]  = { "remote_ioctl_fixed", "    ... fixed (pre-pinned) source", true, 0 },
	[P_PIN_IOC]	  = { "pin_ioctl", "(3) 2nd proc pinned, ioctl", true, 0 },
	[P_PIN_BOUNCE]	  = { "pin_ioctl_bounce", "    ... bounce buffer", true, 0 },
	[P_PIN_FIXED]	  = { "pin_ioctl_fixed", "    ... fixed (pre-pinned) source", true, 0 },
	[P_PIN_VEC]	  = { "pin_vec64", "(3) pinned, vectored x64, per copy", true, 65536 },
	[P_SRV_REMOTE]	  = { "server_op_unpinned", "    SERVER_OP today, unpinned", true, 0 },
	[P_SRV_PIN]	  = { "server_op_pinned", "    SERVER_OP today, pinned", true, 0 },
	[P_PVW]		  = { "process_vm_writev", "(4) process_vm_writev", true, 0 },
	[P_PROCMEM]	  = { "proc_pid_mem", "(5) pwrite /proc/PID/mem", true, 0 },
};

/* Shared between the two processes (MAP_SHARED). */
struct shared {
	double ns[NPATHS][NSIZES][MAXREPS];	/* ns per copy, NAN: none */
	uint64_t iters[NPATHS][NSIZES];
	char err[NPATHS][96];
};

static struct shared *sh;
static int reps = 7;
static bool profile;
static double target_ns = 25e6;

/* the client's state */
static int cb_fd;
static uint8_t *unpinned, *pinned, *src;
static struct cbbench_result *result;
static pid_t client_pid;

/* the second process's state */
static int bench_fd = -1, srv_fd = -1, mem_fd = -1;
static uint64_t srv_call_id;
static struct cbbench_seg segs[VEC_SEGS];

static void die(const char *what)
{
	fprintf(stderr, "clientbuf-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void *map_buf(size_t len, bool dontfork)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	memset(p, 0x5a, len);
	if (dontfork && madvise(p, len, MADV_DONTFORK))
		die("madvise");
	return p;
}

static uint32_t reg(void *addr, size_t len, uint32_t flags)
{
	struct clientbuf_register r = {
		.size = sizeof(r), .flags = flags,
		.addr = (uintptr_t)addr, .len = len,
	};

	if (ioctl(cb_fd, CLIENTBUF_IOC_REGISTER, &r))
		die("CLIENTBUF_IOC_REGISTER");
	return r.id;
}

/* CLIENTBUF_IOC_CALL_PACKAGE; returns the NTSTATUS, or ~0 on errno. */
static uint32_t call(const char *pkg, const void *submit, uint32_t len,
		     uint32_t flags)
{
	struct clientbuf_call c = {
		.size = sizeof(c), .flags = flags,
		.submit_addr = (uintptr_t)submit, .submit_len = len,
	};

	strncpy(c.package, pkg, sizeof(c.package) - 1);
	if (ioctl(cb_fd, CLIENTBUF_IOC_CALL_PACKAGE, &c) && !c.status)
		return ~0U;
	return c.status;
}

static void fail(enum path p, const char *fmt, unsigned long long v)
{
	if (!sh->err[p][0])
		snprintf(sh->err[p], sizeof(sh->err[p]), fmt, v);
}

static inline void clobber(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static void movsb(void *d, const void *s, size_t n)
{
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

/* A plain 64-byte-per-iteration SSE2 loop (sizes here are multiples of 64). */
static void sse2_copy(void *d, const void *s, size_t n)
{
	__m128i *dv = d;
	const __m128i *sv = s;
	size_t i;

	for (i = 0; i < n / 16; i += 4) {
		__m128i a = _mm_loadu_si128(sv + i);
		__m128i b = _mm_loadu_si128(sv + i + 1);
		__m128i c = _mm_loadu_si128(sv + i + 2);
		__m128i e = _mm_loadu_si128(sv + i + 3);

		_mm_storeu_si128(dv + i, a);
		_mm_storeu_si128(dv + i + 1, b);
		_mm_storeu_si128(dv + i + 2, c);
		_mm_storeu_si128(dv + i + 3, e);
	}
}

/*
 * Measure @iters copies of @len bytes on path @p; returns nanoseconds for
 * all of them (kernel-timed paths: the kernel's own ktime), or -1.
 */
static double run(enum path p, uint32_t len, uint64_t iters)
{
	struct cbbench_cmd cmd = { .addr = (uintptr_t)unpinned, .len = len };
	struct cbbench_remote r = { .addr = (uintptr_t)unpinned,
				    .src = (uintptr_t)src, .len = len };
	struct clientbuf_server_op op = {
		.size = sizeof(op), .op = CLIENTBUF_SRV_COPY_TO,
		.call_id = srv_call_id, .client_addr = (uintptr_t)unpinned,
		.server_addr = (uintptr_t)src, .len = len,
	};
	struct iovec liov = { src, len }, riov = { unpinned, len };
	struct cbbench_vec v = { .segs = (uintptr_t)segs };
	uint64_t i, t0, t1;
	unsigned long cmdno = CBBENCH_IOC_COPY;
	uint32_t st, k;

	t0 = now_ns();
	switch (p) {
	case P_MEMCPY:
		for (i = 0; i < iters; i++) {
			memcpy(unpinned, src, len);
			clobber(unpinned);
		}
		break;
	case P_MOVSB:
		for (i = 0; i < iters; i++) {
			movsb(unpinned, src, len);
			clobber(unpinned);
		}
		break;
	case P_SSE2:
		for (i = 0; i < iters; i++) {
			sse2_copy(unpinned, src, len);
			clobber(unpinned);
		}
		break;
	case P_LOCAL_K:
	case P_KTHREAD_K:
		cmd.op = CBBENCH_OP_LOOP;
		cmd.ctx = p == P_KTHREAD_K ? CBBENCH_CTX_KTHREAD :
		      CBBENCH_CTX_CALLER;
		cmd.iters = iters;
		cmd.result_addr = (uintptr_t)result;
		memset(result, 0, sizeof(*result));
		st = call(CBBENCH_PACKAGE, &cmd, sizeof(cmd), 0);
		if (st || result->status || result->done != iters) {
			fail(p, "LOOP status %#llx", st ? st : result->status);
			return -1;
		}
		return (double)result->ns;
	case P_LOCAL_CALL:
		cmd.op = CBBENCH_OP_LOOP;
		cmd.iters = 1;
		for (i = 0; i < iters; i++) {
			st = call(CBBENCH_PACKAGE, &cmd, sizeof(cmd), 0);
			if (st) {
				fail(p, "CALL status %#llx", st);
				return -1;
			}
		}
		break;
	case P_REMOTE_K:
	case P_PIN_K:
		if (p == P_PIN_K)
			r.addr = (uintptr_t)pinned;
		r.iters = iters;
		if (ioctl(bench_fd, CBBENCH_IOC_LOOP, &r) || r.status ||
		    r.done != iters) {
			fail(p, "IOC_LOOP status %#llx", r.status);
			return -1;
		}
		return (double)r.ns;
	case P_PIN_IOC:
	case P_PIN_BOUNCE:
	case P_PIN_FIXED:
		r.addr = (uintptr_t)pinned;
		/* fall through */
	case P_REMOTE_IOC:
	case P_REMOTE_BOUNCE:
	case P_REMOTE_FIXED:
		r.flags = p == P_REMOTE_BOUNCE || p == P_PIN_BOUNCE ?
			  CBBENCH_COPY_BOUNCE :
			  p == P_REMOTE_FIXED || p == P_PIN_FIXED ?
			  CBBENCH_COPY_FIXED : CBBENCH_COPY_AUTO;
		for (i = 0; i < iters; i++) {
			if (ioctl(bench_fd, cmdno, &r) || r.status) {
				fail(p, "IOC_COPY status %#llx", r.status);
				return -1;
			}
		}
		break;
	case P_PIN_VEC:
		for (k = 0; k < VEC_SEGS; k++) {
			segs[k].addr = (uintptr_t)pinned + (uint64_t)k * len;
			segs[k].src = (uintptr_t)src + (uint64_t)k * len;
			segs[k].len = len;
		}
		v.nr_segs = VEC_SEGS;
		for (i = 0; i < iters; i++) {
			v.status = 0;
			v.done = 0;
			if (ioctl(bench_fd, CBBENCH_IOC_COPYV, &v) || v.status ||
			    v.done != VEC_SEGS) {
				fail(p, "IOC_COPYV status %#llx", v.status);
				return -1;
			}
		}
		return (double)(now_ns() - t0) / VEC_SEGS;
	case P_SRV_PIN:
		op.client_addr = (uintptr_t)pinned;
		/* fall through */
	case P_SRV_REMOTE:
		if (srv_fd < 0) {
			fail(p, "no server (errno %llu)", 0);
			return -1;
		}
		for (i = 0; i < iters; i++) {
			if (ioctl(srv_fd, CLIENTBUF_IOC_SERVER_OP, &op) ||
			    op.status) {
				fail(p, "SERVER_OP status %#llx", op.status);
				return -1;
			}
		}
		break;
	case P_PVW:
		for (i = 0; i < iters; i++) {
			if (process_vm_writev(client_pid, &liov, 1, &riov, 1,
					      0) != (ssize_t)len) {
				fail(p, "process_vm_writev errno %llu", errno);
				return -1;
			}
		}
		break;
	case P_PROCMEM:
		for (i = 0; i < iters; i++) {
			if (pwrite(mem_fd, src, len, (off_t)(uintptr_t)unpinned)
			    != (ssize_t)len) {
				fail(p, "pwrite /proc/PID/mem errno %llu",
				     errno);
				return -1;
			}
		}
		break;
	default:
		return -1;
	}
	t1 = now_ns();
	return (double)(t1 - t0);
}

/* One repetition of path @p at every size. */
static void measure_path(enum path p, int rep)
{
	unsigned int s;
	uint64_t n;
	double t;

	for (s = 0; s < NSIZES; s++) {
		sh->ns[p][s][rep] = -1;
		if (sh->err[p][0] ||
		    (paths[p].max_len && sizes[s] > paths[p].max_len))
			continue;
		n = sh->iters[p][s];
		if (!n) {
			/* warm up, then size the loop to the target time */
			if (run(p, sizes[s], 1) < 0)
				continue;
			t = run(p, sizes[s], 1);
			if (t < 0)
				continue;
			if (p == P_PIN_VEC)
				t *= VEC_SEGS;
			n = t > 0 ? (uint64_t)(target_ns / t) : 1000;
			if (n < 1)
				n = 1;
			if (n > 2000000)
				n = 2000000;
			sh->iters[p][s] = n;
		}
		t = run(p, sizes[s], n);
		if (t >= 0)
			sh->ns[p][s][rep] = t / (double)n;
	}
}

static void measure_side(bool child, int rep)
{
	int p;

	for (p = 0; p < NPATHS; p++)
		if (paths[p].child == child)
			measure_path(p, rep);
}

/* ---- the second process --------------------------------------------- */

static void child_setup(int to_parent, int from_parent)
{
	struct cbbench_remote r = { .handle = 0 };
	struct clientbuf_serve s = { .size = sizeof(s) };
	char path[64], c = 'r';
	union {
		struct clientbuf_server_call hdr;
		char buf[4096];
	} rec;

	close(cb_fd);
	src = map_buf(BUFLEN, false);
	bench_fd = open("/dev/clientbuf_bench", O_RDWR | O_CLOEXEC);
	if (bench_fd < 0)
		die("open /dev/clientbuf_bench");
	if (ioctl(bench_fd, CBBENCH_IOC_BIND, &r))
		die("CBBENCH_IOC_BIND");
	r.src = (uintptr_t)src;
	r.len = BUFLEN;
	if (ioctl(bench_fd, CBBENCH_IOC_SRC_PIN, &r))
		die("CBBENCH_IOC_SRC_PIN");
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)client_pid);
	mem_fd = open(path, O_RDWR | O_CLOEXEC);
	if (mem_fd < 0)
		die(path);

	/* a userspace package server, for the SERVER_OP rows */
	srv_fd = open("/dev/clientbuf", O_RDWR | O_CLOEXEC);
	strncpy(s.package, SRV_PACKAGE, sizeof(s.package) - 1);
	if (srv_fd >= 0 && ioctl(srv_fd, CLIENTBUF_IOC_SERVE, &s)) {
		fprintf(stderr, "clientbuf-bench: SERVE: %s (status %#x)\n",
			strerror(errno), s.status);
		close(srv_fd);
		srv_fd = -1;
		c = 'n';
	}
	if (write(to_parent, &c, 1) != 1)
		die("write");
	if (srv_fd >= 0) {
		if (read(from_parent, &c, 1) != 1)
			die("read");
		if (read(srv_fd, &rec, sizeof(rec)) < (ssize_t)sizeof(rec.hdr))
			die("read server call");
		srv_call_id = rec.hdr.call_id;
	}
}

static void child_finish(void)
{
	struct clientbuf_server_op op = {
		.size = sizeof(op), .op = CLIENTBUF_SRV_COMPLETE,
		.call_id = srv_call_id,
	};
	struct cbbench_remote r = { .handle = 0 };

	if (srv_fd >= 0 && ioctl(srv_fd, CLIENTBUF_IOC_SERVER_OP, &op))
		perror("SERVER_OP COMPLETE");
	if (ioctl(bench_fd, CBBENCH_IOC_COMPLETE, &r))
		perror("CBBENCH_IOC_COMPLETE");
}

static void trace_write(const char *file, const char *text)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/tracing/%s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		fprintf(stderr, "clientbuf-bench: %s: %s\n", path,
			strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* One traced call per path and size, after two untraced ones. */
static void child_profile(void)
{
	static const enum path pp[] = {
		P_PIN_IOC, P_REMOTE_IOC, P_PVW, P_PROCMEM, P_SRV_PIN,
	};
	static const uint32_t ps[] = { 512, 4096 };
	char mark[96];
	unsigned int i, j;

	for (j = 0; j < sizeof(ps) / sizeof(ps[0]); j++) {
		for (i = 0; i < sizeof(pp) / sizeof(pp[0]); i++) {
			run(pp[i], ps[j], 1);
			run(pp[i], ps[j], 1);
			snprintf(mark, sizeof(mark), "cbbench: %s %u\n",
				 paths[pp[i]].key, ps[j]);
			trace_write("tracing_on", "1");
			trace_write("trace_marker", mark);
			run(pp[i], ps[j], 1);
			trace_write("tracing_on", "0");
		}
	}
}

static void child_main(int to_parent, int from_parent)
{
	char c;
	int rep = 0;

	child_setup(to_parent, from_parent);
	if (profile)
		child_profile();
	while (read(from_parent, &c, 1) == 1 && c == 'm') {
		measure_side(true, rep++);
		if (write(to_parent, &c, 1) != 1)
			die("write");
	}
	child_finish();
	exit(0);
}

/* ---- report ----------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* median ns per copy, or -1 */
static double med(enum path p, unsigned int s, double *lo, double *hi)
{
	double v[MAXREPS];
	int i, n = 0;

	for (i = 0; i < reps; i++)
		if (sh->ns[p][s][i] > 0)
			v[n++] = sh->ns[p][s][i];
	if (!n)
		return -1;
	qsort(v, n, sizeof(v[0]), cmp_double);
	if (lo)
		*lo = v[0];
	if (hi)
		*hi = v[n - 1];
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* (6) the limit: the faster userspace copy at size index @s */
static double limit(unsigned int s)
{
	double a = med(P_MEMCPY, s, NULL, NULL), b = med(P_SSE2, s, NULL, NULL);

	if (a <= 0 || (b > 0 && b < a))
		return b;
	return a;
}

static double gibs(uint32_t len, double ns)
{
	return (double)len / ns * 1e9 / (1024.0 * 1024 * 1024);
}

static const char *size_name(uint32_t n)
{
	static char b[NSIZES][16];
	static unsigned int i;
	char *s = b[i++ % NSIZES];

	if (n >= 1 << 20)
		snprintf(s, 16, "%u MiB", n >> 20);
	else if (n >= 1024)
		snprintf(s, 16, "%u KiB", n >> 10);
	else
		snprintf(s, 16, "%u B", n);
	return s;
}

enum table { T_NS, T_GIBS, T_PVW, T_MEMCPY };

static void print_table(enum table t)
{
	static const char *const titles[] = {
		[T_NS] = "Latency per copy, ns (median)",
		[T_GIBS] = "Throughput, GiB/s (median)",
		[T_PVW] = "Throughput ratio to (4) process_vm_writev",
		[T_MEMCPY] = "Throughput ratio to (6) the limit: the faster of "
			     "glibc memcpy and the SSE2 loop",
	};
	unsigned int s;
	int p;

	printf("\n%s\n%-38s", titles[t], "path \\ size");
	for (s = 0; s < NSIZES; s++)
		printf(" %10s", size_name(sizes[s]));
	printf("\n");
	for (p = 0; p < NPATHS; p++) {
		printf("%-38s", paths[p].label);
		for (s = 0; s < NSIZES; s++) {
			double ns = med(p, s, NULL, NULL);
			double ref = t == T_PVW ? med(P_PVW, s, NULL, NULL) :
				     limit(s);

			if (ns <= 0 || (t >= T_PVW && ref <= 0))
				printf(" %10s", "-");
			else if (t == T_NS)
				printf(" %10.0f", ns);
			else if (t == T_GIBS)
				printf(" %10.3f", gibs(sizes[s], ns));
			else
				printf(" %10.2f", ref / ns);
		}
		printf("\n");
	}
}

/* @ref NPATHS: the limit */
static int check(const char *what, enum path p, enum path ref, unsigned int s,
		 double want)
{
	double a = med(p, s, NULL, NULL);
	double b = ref == NPATHS ? limit(s) : med(ref, s, NULL, NULL);
	double ratio = a > 0 && b > 0 ? b / a : 0;
	bool ok = ratio >= want;

	printf("  %-4s %-52s %8s: %5.2fx (want >= %.2fx)\n",
	       ok ? "MEET" : "MISS", what, size_name(sizes[s]), ratio, want);
	return ok ? 0 : 1;
}

static void print_targets(void)
{
	unsigned int s;
	int miss = 0;

	printf("\nTargets (ratios of throughput in this run)\n");
	for (s = 0; s < NSIZES; s++)
		miss += check("(3) pinned ioctl vs process_vm_writev", P_PIN_IOC,
			      P_PVW, s, sizes[s] <= 4096 ? 1.5 : 1.0);
	for (s = 0; s < NSIZES; s++)
		if (sizes[s] >= 1 << 20)
			miss += check("(3) pinned ioctl vs memcpy (the limit)",
				      P_PIN_IOC, NPATHS, s, 0.8);
	for (s = 0; s < NSIZES; s++)
		miss += check("(2) unpinned ioctl vs /proc/PID/mem",
			      P_REMOTE_IOC, P_PROCMEM, s, 1.0);
	printf("CBBENCH-TARGETS: %d missed\n", miss);
}

static void print_csv(void)
{
	double lo = 0, hi = 0, m;
	unsigned int s;
	int p;

	for (p = 0; p < NPATHS; p++) {
		if (sh->err[p][0])
			printf("CBBENCH-ERROR,%s,%s\n", paths[p].key,
			       sh->err[p]);
		for (s = 0; s < NSIZES; s++) {
			m = med(p, s, &lo, &hi);
			if (m <= 0)
				continue;
			printf("CBBENCH-CSV,%s,%u,%.1f,%.4f,%.1f,%.1f,%llu\n",
			       paths[p].key, sizes[s], m, gibs(sizes[s], m),
			       lo, hi, (unsigned long long)sh->iters[p][s]);
		}
	}
}

static void print_machine(void)
{
	unsigned int a = 0, b = 0, c = 0, d = 0;
	char line[4096], model[128] = "?", hv[13] = "";
	struct utsname u;
	FILE *f;

	uname(&u);
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && colon) {
			snprintf(model, sizeof(model), "%s", colon + 2);
			model[strcspn(model, "\n")] = 0;
		}
		/* the copy primitives the kernel picks depend on these */
		if (!strncmp(line, "flags", 5) && colon) {
			printf("CBBENCH-INFO: guest cpu has erms %s, fsrm %s\n",
			       strstr(line, " erms") ? "yes" : "no",
			       strstr(line, " fsrm") ? "yes" : "no");
			break;
		}
	}
	if (f)
		fclose(f);
	__cpuid(1, a, b, c, d);
	if (c & (1U << 31)) {
		__cpuid(0x40000000, a, b, c, d);
		memcpy(hv, &b, 4);
		memcpy(hv + 4, &c, 4);
		memcpy(hv + 8, &d, 4);
	}
	printf("CBBENCH-INFO: guest kernel %s %s\n", u.release, u.machine);
	printf("CBBENCH-INFO: guest cpus %ld, cpu model \"%s\", hypervisor "
	       "cpuid \"%s\"\n", sysconf(_SC_NPROCESSORS_ONLN), model, hv);
	/* what the host knew (written by tools/bench/bench.sh) */
	f = fopen("/etc/cbbench.env", "r");
	while (f && fgets(line, sizeof(line), f))
		printf("CBBENCH-INFO: %s", line);
	if (f)
		fclose(f);
	printf("CBBENCH-INFO: reps %d, target %.0f ms per measurement\n",
	       reps, target_ns / 1e6);
}

/* ---- the client ----------------------------------------------------- */

int main(int argc, char **argv)
{
	int to_child[2], to_parent[2], opt, rep;
	struct cbbench_cmd hold = { .op = CBBENCH_OP_HOLD, .handle = 0 };
	uint64_t t0 = now_ns();
	uint32_t st;
	pid_t pid;
	char c;

	while ((opt = getopt(argc, argv, "r:t:qP")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 't':
			target_ns = atof(optarg) * 1e6;
			break;
		case 'q':
			reps = 3;
			target_ns = 5e6;
			break;
		case 'P':
			profile = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-r REPS] [-t MS] [-q] [-P]\n",
				argv[0]);
			return 2;
		}
	}
	if (reps < 1 || reps > MAXREPS || target_ns <= 0) {
		fprintf(stderr, "clientbuf-bench: bad -r or -t\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	print_machine();

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	client_pid = getpid();
	cb_fd = open("/dev/clientbuf", O_RDWR | O_CLOEXEC);
	if (cb_fd < 0)
		die("open /dev/clientbuf");
	unpinned = map_buf(BUFLEN, true);
	pinned = map_buf(BUFLEN, true);
	result = map_buf(4096, true);
	src = map_buf(BUFLEN, true);
	reg(unpinned, BUFLEN, CLIENTBUF_BUF_WRITE);
	reg(pinned, BUFLEN, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_PIN);
	reg(result, 4096, CLIENTBUF_BUF_WRITE);
	st = call(CBBENCH_PACKAGE, &hold, sizeof(hold), CLIENTBUF_CALL_ASYNC);
	if (st != CLIENTBUF_STATUS_PENDING) {
		fprintf(stderr, "clientbuf-bench: HOLD: status %#x\n", st);
		return 1;
	}

	if (pipe(to_child) || pipe(to_parent))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		close(to_child[1]);
		close(to_parent[0]);
		child_main(to_parent[1], to_child[0]);
	}
	close(to_child[0]);
	close(to_parent[1]);
	if (read(to_parent[0], &c, 1) != 1)
		die("child setup");
	if (c == 'r') {
		/* the server's call: it stays pending while the rows run */
		st = call(SRV_PACKAGE, &hold, sizeof(hold),
			  CLIENTBUF_CALL_ASYNC);
		if (st != CLIENTBUF_STATUS_PENDING)
			fprintf(stderr, "clientbuf-bench: server call: %#x\n",
				st);
		if (write(to_child[1], &c, 1) != 1)
			die("write");
	}

	for (rep = 0; rep < reps && !profile; rep++) {
		measure_side(false, rep);
		c = 'm';
		if (write(to_child[1], &c, 1) != 1 ||
		    read(to_parent[0], &c, 1) != 1)
			die("child");
		fprintf(stderr, "clientbuf-bench: repetition %d/%d done, "
			"%.1f s\n", rep + 1, reps, (now_ns() - t0) / 1e9);
	}
	c = 'q';
	if (write(to_child[1], &c, 1) != 1)
		die("write");
	waitpid(pid, NULL, 0);
	if (profile)
		return 0;

	print_table(T_NS);
	print_table(T_GIBS);
	print_table(T_PVW);
	print_table(T_MEMCPY);
	print_targets();
	print_csv();
	printf("CBBENCH-INFO: run took %.1f s\n", (now_ns() - t0) / 1e9);
	close(cb_fd);
	return 0;
}
