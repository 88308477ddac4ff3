// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf-bench: clientbuf's paths against what a user would use instead,
 * in one run (tools/bench/bench.sh boots the test VM and runs it).
 *
 * The process that starts is the client: it opens /dev/clientbuf, registers
 * an unpinned and a pinned (CLIENTBUF_BUF_PIN) buffer, has the
 * clientbuf_bench package hold a request, and forks a peer that copies into
 * those buffers through the held request (/dev/clientbuf_bench), as a
 * userspace package server (CLIENTBUF_IOC_SERVER_OP), and with
 * process_vm_writev()/process_vm_readv() and pwrite() to /proc/PID/mem.
 *
 *   1  kernel package, caller's context: copy_to_client_buffer() against a
 *      bare copy_to_user() of the same bytes from the same ioctl
 *   2  kernel package from another context: another process (one ioctl per
 *      copy) against process_vm_writev() and /proc/PID/mem from that
 *      process; a kthread and a workqueue item against access_process_vm()
 *      and kthread_use_mm() + copy_to_user() in the same loop
 *   3  userspace package server: SERVER_OP COPY_TO/COPY_FROM, single and
 *      vectored (VEC_SEGS segments), pinned and unpinned, against
 *      process_vm_writev()/readv() with as many iovecs, same process
 *   4  a whole logon: 32 B token (+ 64 KiB answer) through a kernel
 *      package, a userspace server, and a SOCK_SEQPACKET daemon
 *   5  1, 2, 4, 16 concurrent clients: kernel package, server with 1 and 2
 *      threads on one server fd
 *   6  work per operation: ftrace counts (function tracer, kprobes, kmem
 *      and raw_syscalls events) and the module's debugfs counters
 *
 * Every measured copy is checked: the destination is cleared before a
 * measurement and must hold the expected bytes after it, or the bench
 * fails. Repetitions are interleaved: each repetition runs every path at
 * every size once. Ratios are of medians; the worst repetition (the
 * smallest per-repetition ratio) decides a target.
 *
 * Usage: clientbuf-bench [-r REPS] [-t MS] [-q] [-k CLOCK] [-s | -S]
 *   -r REPS  repetitions (default 7, at least 7 for the targets to count)
 *   -t MS    target time of one measurement (default 30 ms)
 *   -q       quick: -r 3 -t 4, fewer sizes in the work table
 *   -k CLOCK what the guest clock counts, for the report: "insn" (QEMU's
 *            -icount shift=0: one nanosecond is one guest instruction) or
 *            "wall" (default)
 *   -s       only 5 (many clients) and its traced run
 *   -S       everything but 5 (bench.sh runs 5 on the wall clock alone:
 *            -icount runs every vCPU on one host thread)
 *
 * Output: tables, "CBBENCH-<KIND>,..." CSV lines for bench.sh, and one
 * "CBBENCH-TARGET" line per target.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/clientbuf.h>
#include "clientbuf_bench_abi.h"

#define MAXREPS		31
#define HALF		(1U << 20)		/* largest size measured */
#define BUFLEN		(2 * HALF)		/* dst half, src half */
#define VEC_SEGS	8
#define SRV_PACKAGE	"cbbench_srv"
#define LOGON_PACKAGE	"cbbench_logon"
#define LOGON_LARGE	65536
#define ARENA_LEN	(256U << 10)
#define MAXCLIENTS	16
#define TRACE		"/sys/kernel/tracing/"
#define STATS		"/sys/kernel/debug/clientbuf/stats"

static const uint32_t sizes[] = { 64, 512, 4096, 65536, HALF };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* ---- the paths ------------------------------------------------------- */

enum prim { PR_CTU, PR_CFU, PR_MEMCPY, PR_BOTH, PR_NONE };

enum path {
	/* one syscall per copy */
	C1_PKG, C1_BARE, C1_PKG_PIN,
	C2_PKG, C2_PKG_PIN, A_PVW1, A_PROCMEM,
	C3_TO_U, C3_TO_P, C3_FROM_U, C3_FROM_P,
	C3_TOV_U, C3_TOV_P, C3_FROMV_U, C3_FROMV_P,
	A_PVW8, A_PVR1, A_PVR8,
	/* in-kernel loops */
	L_MEMCPY, L_CALLER_PKG, L_CALLER_BARE,
	L_KT_PKG, L_KT_BARE, L_KT_APVM,
	L_WQ_PKG, L_WQ_BARE, L_WQ_APVM,
	L_PROC_PKG, L_PROC_PKG_PIN, L_PROC_APVM,
	NPATHS,
	FIRST_LOOP = L_MEMCPY,
};

/**
 * struct path_desc - one row
 * @key: CSV name
 * @label: table label
 * @peer: measured by the peer process
 * @anchor: an anchor (dashed in the plot)
 * @pinned: into (or from) the pinned buffer
 * @dir_from: the copy reads the client (COPY_FROM, process_vm_readv)
 * @prim: the copy primitive that moves the payload (a SERVER_OP copy,
 *	pinned or not, is one user copy into or out of a client page)
 */
struct path_desc {
	const char *key;
	const char *label;
	bool peer, anchor, pinned, dir_from;
	enum prim prim;
};

static const struct path_desc paths[NPATHS] = {
	[C1_PKG]     = { "c1_pkg", "1 caller ctx copy_to_client_buffer", false, false, false, false, PR_CTU },
	[C1_BARE]    = { "c1_bare", "1 anchor: bare copy_to_user", false, true, false, false, PR_CTU },
	[C1_PKG_PIN] = { "c1_pkg_pin", "1 caller ctx, pinned buffer", false, false, true, false, PR_MEMCPY },
	[C2_PKG]     = { "c2_pkg", "2 other process, unpinned", true, false, false, false, PR_MEMCPY },
	[C2_PKG_PIN] = { "c2_pkg_pin", "2 other process, pinned", true, false, true, false, PR_MEMCPY },
	[A_PVW1]     = { "pvw1", "  anchor: process_vm_writev x1", true, true, false, false, PR_CFU },
	[A_PROCMEM]  = { "procmem", "  anchor: pwrite /proc/PID/mem", true, true, false, false, PR_BOTH },
	[C3_TO_U]    = { "c3_to_unpin", "3 SERVER_OP COPY_TO, unpinned", true, false, false, false, PR_CFU },
	[C3_TO_P]    = { "c3_to_pin", "3 SERVER_OP COPY_TO, pinned", true, false, true, false, PR_CFU },
	[C3_FROM_U]  = { "c3_from_unpin", "3 SERVER_OP COPY_FROM, unpinned", true, false, false, true, PR_CTU },
	[C3_FROM_P]  = { "c3_from_pin", "3 SERVER_OP COPY_FROM, pinned", true, false, true, true, PR_CTU },
	[C3_TOV_U]   = { "c3_tov_unpin", "3 COPY_TO_VEC x8, unpinned", true, false, false, false, PR_CFU },
	[C3_TOV_P]   = { "c3_tov_pin", "3 COPY_TO_VEC x8, pinned", true, false, true, false, PR_CFU },
	[C3_FROMV_U] = { "c3_fromv_unpin", "3 COPY_FROM_VEC x8, unpinned", true, false, false, true, PR_CTU },
	[C3_FROMV_P] = { "c3_fromv_pin", "3 COPY_FROM_VEC x8, pinned", true, false, true, true, PR_CTU },
	[A_PVW8]     = { "pvw8", "  anchor: process_vm_writev x8", true, true, false, false, PR_CFU },
	[A_PVR1]     = { "pvr1", "  anchor: process_vm_readv x1", true, true, false, true, PR_CTU },
	[A_PVR8]     = { "pvr8", "  anchor: process_vm_readv x8", true, true, false, true, PR_CTU },
	[L_MEMCPY]   = { "memcpy", "  userspace memcpy (the limit)", false, true, false, false, PR_NONE },
	[L_CALLER_PKG]  = { "k_caller_pkg", "caller ctx copy_to_client_buffer", false, false, false, false, PR_CTU },
	[L_CALLER_BARE] = { "k_caller_bare", "  caller ctx bare copy_to_user", false, true, false, false, PR_CTU },
	[L_KT_PKG]   = { "k_kthread_pkg", "kthread copy_to_client_buffer", false, false, false, false, PR_CTU },
	[L_KT_BARE]  = { "k_kthread_bare", "  kthread use_mm+copy_to_user", false, true, false, false, PR_CTU },
	[L_KT_APVM]  = { "k_kthread_apvm", "  kthread access_process_vm", false, true, false, false, PR_MEMCPY },
	[L_WQ_PKG]   = { "k_wq_pkg", "workqueue copy_to_client_buffer", false, false, false, false, PR_CTU },
	[L_WQ_BARE]  = { "k_wq_bare", "  workqueue use_mm+copy_to_user", false, true, false, false, PR_CTU },
	[L_WQ_APVM]  = { "k_wq_apvm", "  workqueue access_process_vm", false, true, false, false, PR_MEMCPY },
	[L_PROC_PKG] = { "k_proc_pkg", "other process copy_to_client_buffer", true, false, false, false, PR_MEMCPY },
	[L_PROC_PKG_PIN] = { "k_proc_pkg_pin", "other process, pinned", true, false, true, false, PR_MEMCPY },
	[L_PROC_APVM] = { "k_proc_apvm", "  other process access_process_vm", true, true, false, false, PR_MEMCPY },
};

/* ---- shared state ---------------------------------------------------- */

enum { LG_KERN_U, LG_KERN_P, LG_SRV_U, LG_SRV_P, LG_SOCK, NLOGON };
static const char *const logon_keys[NLOGON] = {
	"kernel_pkg", "kernel_pkg_pinned", "server", "server_pinned",
	"seqpacket",
};
static const char *const logon_labels[NLOGON] = {
	"(a) kernel package", "(a) kernel package, pinned arena",
	"(b) userspace server", "(b) userspace server, pinned arena",
	"(c) SOCK_SEQPACKET daemon",
};
static const uint32_t logon_sizes[2] = { 0, LOGON_LARGE };

enum { SC_KERN, SC_SRV1, SC_SRV2, NSCALE };
static const char *const scale_keys[NSCALE] = {
	"kernel_pkg", "server_1thread", "server_2threads",
};
static const int scale_clients[] = { 1, 2, 4, 16 };
#define NSCALEC (sizeof(scale_clients) / sizeof(scale_clients[0]))

/**
 * struct work - work per operation of one path and size
 * @ok: measured
 * @copy_bytes: payload bytes moved by the copy primitives, per byte
 * @allocs: slab, page and vmalloc allocations per call
 * @largest: largest allocation, bytes
 * @gup: get/pin_user_pages calls per call
 * @vma: VMA lookups per call
 * @locks: lock acquisitions per call
 * @syscalls: per call
 * @faults: page faults handled per call
 * @cb_copies: the module's copy counters, per call
 * @slow: contended lock slow paths per call
 */
struct work {
	bool ok;
	double copy_bytes, allocs, largest, gup, vma, locks, syscalls,
	       faults, cb_copies, slow;
};

struct shared {
	double ns[NPATHS][NSIZES][MAXREPS];	/* per copy, <0: none */
	uint64_t iters[NPATHS][NSIZES];
	char err[NPATHS][96];
	double logon[NLOGON][2][MAXREPS];	/* calls per second */
	uint64_t logon_n[NLOGON][2];
	double scale[NSCALE][NSCALEC][MAXREPS];
	struct work scale_work[NSCALE];
	struct work work[NPATHS][NSIZES];
	struct work logon_work[NLOGON];
	char fatal[160];
	bool trace_on;
	/* scaling runs */
	volatile int go, stop;
	uint64_t calls[MAXCLIENTS];
};

static struct shared *sh;
static int reps = 7;
static bool quick;
static const char *clock_name = "wall";
static bool scale_only, no_scale;
static double target_ns = 30e6;

/* the client's state */
static int cb_fd;
static uint8_t *ubuf, *pbuf;		/* unpinned, pinned: dst | src */
static struct cbbench_result *result;
static pid_t client_pid;

/* the peer's state */
static int bench_fd = -1, srv_fd = -1, mem_fd = -1;
static uint64_t srv_call_id;
static uint8_t *lsrc, *ldst;		/* the peer's own buffers */
static struct clientbuf_segment segs[VEC_SEGS];

static void die(const char *what)
{
	fprintf(stderr, "clientbuf-bench: %s: %s\n", what, strerror(errno));
	if (sh && !sh->fatal[0])
		snprintf(sh->fatal, sizeof(sh->fatal), "%s: %s", what,
			 strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void fill_pattern(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = cbbench_pattern((uint32_t)i);
}

/* first mismatching byte, or -1 */
static long check_pattern(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != cbbench_pattern((uint32_t)i))
			return (long)i;
	return -1;
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

static uint32_t reg(int fd, void *addr, size_t len, uint32_t flags)
{
	struct clientbuf_register r = {
		.size = sizeof(r), .flags = flags,
		.addr = (uintptr_t)addr, .len = len,
	};

	if (ioctl(fd, CLIENTBUF_IOC_REGISTER, &r))
		die("CLIENTBUF_IOC_REGISTER");
	return r.id;
}

/* CLIENTBUF_IOC_CALL_PACKAGE; returns the NTSTATUS, or ~0 on errno. */
static uint32_t call_full(int fd, const char *pkg, const void *submit,
			  uint32_t len, uint32_t flags, uint32_t ret_id,
			  struct clientbuf_call *out)
{
	struct clientbuf_call c = {
		.size = sizeof(c), .flags = flags,
		.submit_addr = (uintptr_t)submit, .submit_len = len,
		.return_buf_id = ret_id,
	};

	strncpy(c.package, pkg, sizeof(c.package) - 1);
	if (ioctl(fd, CLIENTBUF_IOC_CALL_PACKAGE, &c) && !c.status)
		return ~0U;
	if (out)
		*out = c;
	return c.status;
}

static uint32_t call(const char *pkg, const void *submit, uint32_t len,
		     uint32_t flags)
{
	return call_full(cb_fd, pkg, submit, len, flags, 0, NULL);
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

/* ---- measuring --------------------------------------------------------- */

/* Destination (client's for a write, the peer's for a read) of path @p. */
static uint8_t *client_dst(enum path p)
{
	return paths[p].pinned ? pbuf : ubuf;
}

static uint8_t *client_src(enum path p)
{
	return (paths[p].pinned ? pbuf : ubuf) + HALF;
}

/* Clear the destination of @p (@len bytes), from whichever side runs it. */
static void clear_dst(enum path p, uint32_t len)
{
	static uint8_t zero[65536];
	struct iovec l, r;
	uint32_t off, n;

	if (paths[p].dir_from) {
		memset(ldst, 0, len);
		return;
	}
	if (!paths[p].peer) {
		memset(client_dst(p), 0, len);
		return;
	}
	for (off = 0; off < len; off += n) {
		n = len - off < sizeof(zero) ? len - off : sizeof(zero);
		l.iov_base = zero;
		l.iov_len = n;
		r.iov_base = client_dst(p) + off;
		r.iov_len = n;
		if (process_vm_writev(client_pid, &l, 1, &r, 1, 0) != n)
			die("clearing the client's buffer");
	}
}

/* Does the destination of @p hold the pattern? -1 if so. */
static long verify_dst(enum path p, uint32_t len)
{
	struct iovec l, r;

	if (paths[p].dir_from)
		return check_pattern(ldst, len);
	if (!paths[p].peer)
		return check_pattern(client_dst(p), len);
	l.iov_base = ldst;
	l.iov_len = len;
	r.iov_base = client_dst(p);
	r.iov_len = len;
	if (process_vm_readv(client_pid, &l, 1, &r, 1, 0) != len)
		die("reading the client's buffer back");
	return check_pattern(ldst, len);
}

static int loop_ctx(enum path p)
{
	switch (p) {
	case L_KT_PKG: case L_KT_BARE: case L_KT_APVM:
		return CBBENCH_CTX_KTHREAD;
	case L_WQ_PKG: case L_WQ_BARE: case L_WQ_APVM:
		return CBBENCH_CTX_WORKQUEUE;
	default:
		return CBBENCH_CTX_CALLER;
	}
}

static int loop_method(enum path p)
{
	switch (p) {
	case L_CALLER_BARE: case L_KT_BARE: case L_WQ_BARE: case C1_BARE:
		return CBBENCH_METHOD_BARE;
	case L_KT_APVM: case L_WQ_APVM: case L_PROC_APVM:
		return CBBENCH_METHOD_APVM;
	default:
		return CBBENCH_METHOD_PKG;
	}
}

static void set_segs(uint8_t *client, uint8_t *server, uint32_t len)
{
	uint32_t k, seg = len / VEC_SEGS;

	for (k = 0; k < VEC_SEGS; k++) {
		segs[k].client_addr = (uintptr_t)client + (uint64_t)k * seg;
		segs[k].server_addr = (uintptr_t)server + (uint64_t)k * seg;
		segs[k].len = seg;
		segs[k].reserved = 0;
	}
}

/*
 * @iters copies of @len bytes on path @p; returns nanoseconds for all of
 * them (loops: the kernel's own ktime), or -1.
 */
static double run(enum path p, uint32_t len, uint64_t iters)
{
	struct cbbench_cmd cmd = {
		.addr = (uintptr_t)client_dst(p), .len = len,
		.method = loop_method(p), .ctx = loop_ctx(p),
	};
	struct cbbench_remote r = {
		.addr = (uintptr_t)client_dst(p), .len = len,
		.method = loop_method(p), .iters = iters,
	};
	struct clientbuf_server_op op = {
		.size = sizeof(op), .call_id = srv_call_id, .len = len,
	};
	struct iovec liov[VEC_SEGS], riov[VEC_SEGS];
	int nv = 1, k;
	uint32_t st, seg;
	uint64_t i, t0;
	ssize_t got;

	t0 = now_ns();
	switch (p) {
	case L_MEMCPY:
		for (i = 0; i < iters; i++) {
			memcpy(ubuf, ubuf + HALF, len);
			clobber(ubuf);
		}
		break;
	case C1_PKG:
	case C1_BARE:
	case C1_PKG_PIN:
		cmd.op = CBBENCH_OP_COPY;
		for (i = 0; i < iters; i++) {
			st = call(CBBENCH_PACKAGE, &cmd, sizeof(cmd), 0);
			if (st) {
				fail(p, "COPY status %#llx", st);
				return -1;
			}
		}
		break;
	case L_CALLER_PKG: case L_CALLER_BARE:
	case L_KT_PKG: case L_KT_BARE: case L_KT_APVM:
	case L_WQ_PKG: case L_WQ_BARE: case L_WQ_APVM:
		cmd.op = CBBENCH_OP_LOOP;
		cmd.iters = iters;
		cmd.result_addr = (uintptr_t)result;
		memset(result, 0, sizeof(*result));
		st = call(CBBENCH_PACKAGE, &cmd, sizeof(cmd), 0);
		if (st || result->status || result->done != iters) {
			fail(p, "LOOP status %#llx", st ? st : result->status);
			return -1;
		}
		return (double)result->ns;
	case L_PROC_PKG: case L_PROC_PKG_PIN: case L_PROC_APVM:
		if (ioctl(bench_fd, CBBENCH_IOC_LOOP, &r) || r.status ||
		    r.done != iters) {
			fail(p, "IOC_LOOP status %#llx", r.status);
			return -1;
		}
		return (double)r.ns;
	case C2_PKG:
	case C2_PKG_PIN:
		for (i = 0; i < iters; i++) {
			if (ioctl(bench_fd, CBBENCH_IOC_COPY, &r) || r.status) {
				fail(p, "IOC_COPY status %#llx", r.status);
				return -1;
			}
		}
		break;
	case C3_TO_U: case C3_TO_P: case C3_FROM_U: case C3_FROM_P:
		op.op = paths[p].dir_from ? CLIENTBUF_SRV_COPY_FROM :
			CLIENTBUF_SRV_COPY_TO;
		op.client_addr = (uintptr_t)(paths[p].dir_from ?
					     client_src(p) : client_dst(p));
		op.server_addr = (uintptr_t)(paths[p].dir_from ? ldst : lsrc);
		goto srv;
	case C3_TOV_U: case C3_TOV_P: case C3_FROMV_U: case C3_FROMV_P:
		op.op = paths[p].dir_from ? CLIENTBUF_SRV_COPY_FROM_VEC :
			CLIENTBUF_SRV_COPY_TO_VEC;
		if (paths[p].dir_from)
			set_segs(client_src(p), ldst, len);
		else
			set_segs(client_dst(p), lsrc, len);
		op.server_addr = (uintptr_t)segs;
		op.len = VEC_SEGS;
srv:
		if (srv_fd < 0) {
			fail(p, "no server (%llu)", 0);
			return -1;
		}
		for (i = 0; i < iters; i++) {
			op.status = 0;
			if (ioctl(srv_fd, CLIENTBUF_IOC_SERVER_OP, &op) ||
			    op.status) {
				fail(p, "SERVER_OP status %#llx", op.status);
				return -1;
			}
		}
		break;
	case A_PVW8: case A_PVR8:
		nv = VEC_SEGS;
		/* fall through */
	case A_PVW1: case A_PVR1:
		seg = len / nv;
		for (k = 0; k < nv; k++) {
			liov[k].iov_base = (paths[p].dir_from ? ldst : lsrc) +
					   (size_t)k * seg;
			liov[k].iov_len = seg;
			riov[k].iov_base = (paths[p].dir_from ? ubuf + HALF :
					    ubuf) + (size_t)k * seg;
			riov[k].iov_len = seg;
		}
		for (i = 0; i < iters; i++) {
			got = paths[p].dir_from ?
			      process_vm_readv(client_pid, liov, nv, riov, nv, 0) :
			      process_vm_writev(client_pid, liov, nv, riov, nv, 0);
			if (got != (ssize_t)len) {
				fail(p, "process_vm_*v errno %llu", errno);
				return -1;
			}
		}
		break;
	case A_PROCMEM:
		for (i = 0; i < iters; i++) {
			if (pwrite(mem_fd, lsrc, len, (off_t)(uintptr_t)ubuf) !=
			    (ssize_t)len) {
				fail(p, "pwrite /proc/PID/mem errno %llu",
				     errno);
				return -1;
			}
		}
		break;
	default:
		return -1;
	}
	return (double)(now_ns() - t0);
}

/*
 * One repetition of path @p at size index @s, checked: the fastest of
 * BATCHES back-to-back batches (the host's preemption of the emulator only
 * ever adds time).
 */
#define BATCHES 3

static void measure(enum path p, unsigned int s, int rep)
{
	uint32_t len = sizes[s];
	uint64_t n;
	long bad;
	double t;
	int i;

	sh->ns[p][s][rep] = -1;
	if (sh->err[p][0])
		return;
	n = sh->iters[p][s];
	if (!n) {
		/* warm up, then size the loop to the target time */
		if (run(p, len, 1) < 0)
			return;
		t = run(p, len, 1);
		if (t < 0)
			return;
		n = t > 0 ? (uint64_t)(target_ns / BATCHES / t) : 1000;
		n = n < 1 ? 1 : n > 200000 ? 200000 : n;
		sh->iters[p][s] = n;
	}
	clear_dst(p, len);
	t = -1;
	for (i = 0; i < BATCHES; i++) {
		double b = run(p, len, n);

		if (b < 0)
			return;
		if (t < 0 || b < t)
			t = b;
	}
	bad = verify_dst(p, len);
	if (bad >= 0) {
		fail(p, "copy check failed at byte %llu", (unsigned long long)bad);
		snprintf(sh->fatal, sizeof(sh->fatal),
			 "%s at %u B: destination differs at byte %ld",
			 paths[p].key, len, bad);
		return;
	}
	sh->ns[p][s][rep] = t / (double)n;
}

static void measure_side(bool peer, int rep)
{
	unsigned int s;
	int p;

	for (s = 0; s < NSIZES; s++)
		for (p = 0; p < NPATHS; p++)
			if (paths[p].peer == peer)
				measure(p, s, rep);
}

/* ---- ftrace: work per operation ------------------------------------- */

#define trace_ok (sh->trace_on)
static char trace_note[256];

static int tw(const char *file, const char *text, bool append)
{
	char path[160];
	int fd, ret = 0;

	snprintf(path, sizeof(path), TRACE "%s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC));
	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) < 0)
		ret = -1;
	close(fd);
	return ret;
}

/* function tracer filter: counted by name below */
static const char *const trace_funcs[] = {
	"pin_user_pages*", "get_user_pages*", "__get_user_pages",
	"internal_get_user_pages_fast", "gup_fast_fallback",
	"find_vma", "find_extend_vma", "handle_mm_fault",
	"mutex_lock", "mutex_lock_interruptible", "mutex_lock_killable",
	"down_read", "down_read_killable", "down_read_interruptible",
	"down_write", "down_write_killable",
	"_raw_spin_lock", "_raw_spin_lock_irq", "_raw_spin_lock_irqsave",
	"_raw_spin_lock_bh", "_raw_read_lock", "_raw_write_lock",
	"__mutex_lock_slowpath", "rwsem_down_read_slowpath",
	"rwsem_down_write_slowpath", "native_queued_spin_lock_slowpath",
	"__vmalloc_node_range*",
};

/*
 * Payload bytes. The copy primitives themselves (copy_user_generic,
 * rep_movs_alternative, _copy_{to,from}_iter, copy_page_*_iter) cannot be
 * probed on these kernels, so the bytes are counted where the paths call
 * them: the module's own bytes_* counters (every byte its copy engine
 * moved; bytes_bounced, always 0 since the one page loop, included); the
 * bench module's bare copy_to_user() (cbb_copy_user); what process_vm_rw() returns (one copy per byte in its
 * page loop); /proc/PID/mem's mem_rw() (the copy into its page) and
 * access_remote_vm() (the copy out of it); the two skb copies of a Unix
 * socket.
 */
static const char *const kprobes[] = {
	"p:cbk/bare clientbuf_bench:cbb_copy_user n=%dx:u32",
	"r:cbk/pvm process_vm_rw n=$retval:s64",
	"r:cbk/memrw mem_rw n=$retval:s64",
	"r:cbk/arvm access_remote_vm n=$retval:s32",
	"p:cbk/skf skb_copy_datagram_from_iter n=%cx:s32",
	"p:cbk/skt skb_copy_datagram_iter n=%cx:s32",
	"p:cbk/vm __vmalloc_node_range_noprof n=%di:u64",
	"p:cbk/vm __vmalloc_node_range n=%di:u64",
};

static const char *const trace_events[] = {
	"kmem/kmalloc", "kmem/kmem_cache_alloc", "kmem/mm_page_alloc",
	"raw_syscalls/sys_enter",
};

/*
 * Turning tracing on and off patches kernel text (int3 + text_poke, also
 * for every set_ftrace_pid change). Under TCG another vCPU can keep
 * running a stale translation of the patched code and take the int3 after
 * the patch completed (an "Oops: int3" seen in try_to_wake_up()): the
 * traced runs go with CPU 0 alone online.
 */
static int cpus_offlined;

static void other_cpus(bool online)
{
	char path[80];
	int cpu, fd;

	for (cpu = 1; cpu < 64; cpu++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/online", cpu);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (write(fd, online ? "1" : "0", 1) == 1 && !online)
			cpus_offlined++;
		close(fd);
	}
}

static void trace_setup(void)
{
	char probes[64] = "";
	unsigned int i, nf = 0, nk = 0;

	other_cpus(false);
	if (access(TRACE "current_tracer", W_OK)) {
		snprintf(trace_note, sizeof(trace_note),
			 "no tracefs at " TRACE);
		return;
	}
	tw("tracing_on", "0", false);
	tw("current_tracer", "nop", false);
	tw("buffer_size_kb", "8192", false);
	tw("set_ftrace_filter", "", false);
	for (i = 0; i < sizeof(trace_funcs) / sizeof(trace_funcs[0]); i++) {
		char line[80];

		snprintf(line, sizeof(line), "%s\n", trace_funcs[i]);
		if (!tw("set_ftrace_filter", line, true))
			nf++;
	}
	tw("kprobe_events", "", false);
	for (i = 0; i < sizeof(kprobes) / sizeof(kprobes[0]); i++)
		if (!tw("kprobe_events", kprobes[i], true)) {
			nk++;
			snprintf(probes + strlen(probes),
				 sizeof(probes) - strlen(probes), " %.*s",
				 (int)strcspn(kprobes[i] + 6, " "),
				 kprobes[i] + 6);
		}
	tw("events/cbk/enable", "1", false);
	for (i = 0; i < sizeof(trace_events) / sizeof(trace_events[0]); i++) {
		char f[96];

		snprintf(f, sizeof(f), "events/%s/enable", trace_events[i]);
		tw(f, "1", false);
	}
	if (tw("current_tracer", "function", false)) {
		snprintf(trace_note, sizeof(trace_note),
			 "function tracer unavailable");
		return;
	}
	trace_ok = true;
	snprintf(trace_note, sizeof(trace_note),
		 "function tracer on %u filters, kprobes:%s; %d other CPU(s) "
		 "offline while traced", nf, probes, cpus_offlined);
}

static void trace_teardown(void)
{
	if (!access(TRACE "current_tracer", W_OK)) {
		tw("tracing_on", "0", false);
		tw("current_tracer", "nop", false);
		tw("events/enable", "0", false);
		tw("kprobe_events", "", false);
		tw("set_ftrace_filter", "", false);
		tw("set_ftrace_pid", "", false);
		tw("set_event_pid", "", false);
	}
	other_cpus(true);
}

/* sum of the module's counters named @prefix* */
static double cb_stat_sum(const char *prefix)
{
	char line[128], name[64];
	long long v;
	double sum = 0;
	FILE *f = fopen(STATS, "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", name, &v) == 2 &&
		    !strncmp(name, prefix, strlen(prefix)))
			sum += (double)v;
	if (f)
		fclose(f);
	return sum;
}

static double field(const char *s, const char *key)
{
	const char *p = strstr(s, key);

	return p ? strtod(p + strlen(key), NULL) : 0;
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/*
 * Count the trace of one window into @w (totals; the caller divides).
 * Lines: "task-pid [cpu] flags ts: name <-parent" (function tracer) or
 * "... ts: event: fields".
 */
static void trace_count(struct work *w)
{
	char line[1024];
	FILE *f = fopen(TRACE "trace", "r");
	int sys = 0;

	while (f && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ']'), *name;
		size_t n;

		if (line[0] == '#' || !p)
			continue;
		p = strstr(p, ": ");
		if (!p)
			continue;
		name = p + 2;
		n = strcspn(name, " :");
		if (name[n] == ':') {		/* an event */
			const char *a = name + n + 1;

			if (starts(name, "sys_enter:"))
				sys++;
			else if (starts(name, "kmalloc:") ||
				 starts(name, "kmem_cache_alloc:")) {
				double b = field(a, "bytes_req=");

				w->allocs++;
				if (b > w->largest)
					w->largest = b;
			} else if (starts(name, "mm_page_alloc:")) {
				double b = 4096.0 * (1 << (int)field(a, "order="));

				w->allocs++;
				if (b > w->largest)
					w->largest = b;
			} else if (starts(name, "vm:")) {
				double b = field(a, "n=");

				w->allocs++;
				if (b > w->largest)
					w->largest = b;
			} else if (starts(name, "bare:") || starts(name, "pvm:") ||
				   starts(name, "memrw:") || starts(name, "arvm:") ||
				   starts(name, "skf:") || starts(name, "skt:")) {
				double b = field(a, "n=");

				if (b > 0)
					w->copy_bytes += b;
			}
			continue;
		}
		name[n] = 0;
		if (starts(name, "pin_user_pages") ||
		    starts(name, "get_user_pages") ||
		    !strcmp(name, "__get_user_pages") ||
		    !strcmp(name, "internal_get_user_pages_fast") ||
		    !strcmp(name, "gup_fast_fallback"))
			w->gup++;
		else if (starts(name, "find_vma") ||
			 !strcmp(name, "find_extend_vma"))
			w->vma++;
		else if (!strcmp(name, "handle_mm_fault"))
			w->faults++;
		else if (strstr(name, "slowpath"))
			w->slow++;
		else if (starts(name, "mutex_lock") || starts(name, "down_") ||
			 starts(name, "_raw_"))
			w->locks++;
	}
	if (f)
		fclose(f);
	/* the write that turns tracing off entered with tracing on */
	w->syscalls = sys > 0 ? sys - 1 : 0;
}

static int trace_on_fd = -1;

static void window_begin(bool pid_filter, double *stat0)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	tw("set_ftrace_pid", pid_filter ? pid : "", false);
	tw("set_event_pid", pid_filter ? pid : "", false);
	tw("trace", "", false);
	stat0[0] = cb_stat_sum("copies_");
	stat0[1] = cb_stat_sum("bytes_");
	trace_on_fd = open(TRACE "tracing_on", O_WRONLY | O_CLOEXEC);
	if (trace_on_fd < 0 || write(trace_on_fd, "1", 1) != 1)
		die("tracing_on");
}

static void window_end(struct work *w, double calls, double bytes,
		       const double *stat0)
{
	if (write(trace_on_fd, "0", 1) != 1)
		die("tracing_on");
	close(trace_on_fd);
	memset(w, 0, sizeof(*w));
	trace_count(w);
	w->cb_copies = (cb_stat_sum("copies_") - stat0[0]) / calls;
	w->copy_bytes += cb_stat_sum("bytes_") - stat0[1];
	w->copy_bytes = bytes > 0 ? w->copy_bytes / bytes : 0;
	w->allocs /= calls;
	w->gup /= calls;
	w->vma /= calls;
	w->locks /= calls;
	w->syscalls /= calls;
	w->faults /= calls;
	w->slow /= calls;
	w->ok = true;
}

#define WORK_CALLS 4

static bool work_size(unsigned int s)
{
	return sizes[s] != 512 && (!quick || sizes[s] == 4096 ||
				   sizes[s] == HALF);
}

static bool work_path(enum path p)
{
	return p < FIRST_LOOP;
}

static void work_side(bool peer)
{
	unsigned int s;
	double stat0[2];
	int p;

	if (!trace_ok)
		return;
	for (s = 0; s < NSIZES; s++) {
		if (!work_size(s))
			continue;
		for (p = 0; p < NPATHS; p++) {
			if (paths[p].peer != peer || !work_path(p) ||
			    sh->err[p][0])
				continue;
			run(p, sizes[s], 2);	/* warm */
			window_begin(true, stat0);
			run(p, sizes[s], WORK_CALLS);
			window_end(&sh->work[p][s], WORK_CALLS,
				   (double)sizes[s] * WORK_CALLS, stat0);
		}
	}
}

/* ---- the peer -------------------------------------------------------- */

static void peer_setup(int to_parent, int from_parent)
{
	struct cbbench_remote r = { .handle = 0, .pid = client_pid };
	struct clientbuf_serve s = { .size = sizeof(s) };
	char path[64], c = 'r';
	union {
		struct clientbuf_server_call hdr;
		char buf[4096];
	} rec;
	int fd;

	close(cb_fd);
	lsrc = map_buf(HALF, false);
	ldst = map_buf(HALF, false);
	fill_pattern(lsrc, HALF);
	bench_fd = open("/dev/clientbuf_bench", O_RDWR | O_CLOEXEC);
	if (bench_fd < 0)
		die("open /dev/clientbuf_bench");
	if (ioctl(bench_fd, CBBENCH_IOC_BIND, &r))
		die("CBBENCH_IOC_BIND");
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)client_pid);
	/*
	 * Opening another process's mem needs ptrace rights over it; where a
	 * kernel or LSM refuses them, the anchor says so in its row (and
	 * CBBENCH-ERROR) instead of stopping the bench or reading as zero.
	 */
	mem_fd = open(path, O_RDWR | O_CLOEXEC);
	if (mem_fd < 0)
		fail(A_PROCMEM, "cannot run here: open /proc/PID/mem: errno %llu",
		     errno);

	/* a userspace package server, for the SERVER_OP rows */
	fd = open("/dev/clientbuf", O_RDWR | O_CLOEXEC);
	strncpy(s.package, SRV_PACKAGE, sizeof(s.package) - 1);
	if (fd >= 0 && ioctl(fd, CLIENTBUF_IOC_SERVE, &s)) {
		fprintf(stderr, "clientbuf-bench: SERVE: %s (status %#x)\n",
			strerror(errno), s.status);
		c = 'n';
	} else if (fd >= 0) {
		srv_fd = s.fd;	/* the server fd; the client fd may go */
	}
	if (fd >= 0)
		close(fd);
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

static void peer_finish(void)
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

static void peer_main(int to_parent, int from_parent)
{
	char c;
	int rep = 0;

	peer_setup(to_parent, from_parent);
	while (read(from_parent, &c, 1) == 1 && c != 'q') {
		if (c == 'm')
			measure_side(true, rep++);
		else if (c == 'w')
			work_side(true);
		if (write(to_parent, &c, 1) != 1)
			die("write");
	}
	peer_finish();
	exit(0);
}

/* ---- 4 and 5: whole calls ------------------------------------------- */

/**
 * struct logon_req - what a client sends with a logon
 * @nonce: the token is cbbench_token(@nonce, i)
 * @len: answer bytes after the token
 * @pad: zero
 * @user: a user name and a password, as a logon carries them
 */
struct logon_req {
	uint64_t nonce;
	uint32_t len;
	uint32_t pad;
	char user[48];
};

static uint8_t *reply;		/* token + answer, server and daemon side */

static void make_reply(uint64_t nonce)
{
	uint32_t i;

	for (i = 0; i < CBBENCH_TOKEN_LEN; i++)
		reply[i] = cbbench_token(nonce, i);
}

static bool check_answer(const uint8_t *p, uint64_t nonce, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < CBBENCH_TOKEN_LEN; i++)
		if (p[i] != cbbench_token(nonce, i))
			return false;
	return check_pattern(p + CBBENCH_TOKEN_LEN, len) < 0;
}

/* Serve logons on @fd until it fails (the package goes away at exit). */
static void *server_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;
	union {
		struct clientbuf_server_call hdr;
		char buf[4096];
	} rec;
	struct clientbuf_server_op op;
	const struct logon_req *rq = (const void *)(&rec.hdr + 1);
	uint8_t *out = malloc(CBBENCH_TOKEN_LEN + LOGON_LARGE);
	uint32_t i, total;
	ssize_t n;

	if (!out)
		return NULL;
	memcpy(out, reply, CBBENCH_TOKEN_LEN + LOGON_LARGE);
	n = read(fd, &rec, sizeof(rec));
	for (;;) {
		if (n < (ssize_t)(sizeof(rec.hdr) + sizeof(*rq))) {
			if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
				n = read(fd, &rec, sizeof(rec));
				continue;
			}
			break;
		}
		total = CBBENCH_TOKEN_LEN + rq->len;
		for (i = 0; i < CBBENCH_TOKEN_LEN; i++)
			out[i] = cbbench_token(rq->nonce, i);
		/*
		 * One syscall per call: allocate, copy, complete, and read
		 * the next call into the same record buffer.
		 */
		memset(&op, 0, sizeof(op));
		op.size = sizeof(op);
		op.call_id = rec.hdr.call_id;
		op.op = CLIENTBUF_SRV_REPLY;
		op.len = total;
		op.server_addr = (uintptr_t)out;
		op.recv_addr = (uintptr_t)&rec;
		op.recv_len = sizeof(rec);
		if (ioctl(fd, CLIENTBUF_IOC_SERVER_OP, &op)) {
			if (op.status)
				break;
			n = -1;		/* answered; errno is the read's */
			continue;
		}
		n = op.recv_len;
	}
	free(out);
	return NULL;
}

/* A server process with @threads threads on one fd; returns its pid. */
static pid_t start_server(int threads)
{
	struct clientbuf_serve s = { .size = sizeof(s) };
	int p[2], fd, i;
	pthread_t t[2];
	pid_t pid;
	char c = 0;

	if (pipe(p))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		close(p[0]);
		fd = open("/dev/clientbuf", O_RDWR | O_CLOEXEC);
		strncpy(s.package, LOGON_PACKAGE, sizeof(s.package) - 1);
		if (fd < 0 || ioctl(fd, CLIENTBUF_IOC_SERVE, &s))
			die("SERVE " LOGON_PACKAGE);
		fd = s.fd;
		if (write(p[1], &c, 1) != 1)
			die("write");
		for (i = 1; i < threads; i++)
			pthread_create(&t[i], NULL, server_thread,
				       (void *)(intptr_t)fd);
		server_thread((void *)(intptr_t)fd);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		die("server start");
	close(p[0]);
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* SOCK_SEQPACKET daemon on @fd: recv a logon, send token + answer. */
static void seqpacket_daemon(int fd)
{
	struct logon_req rq;

	for (;;) {
		if (recv(fd, &rq, sizeof(rq), 0) != sizeof(rq))
			_exit(0);
		make_reply(rq.nonce);
		if (send(fd, reply, CBBENCH_TOKEN_LEN + rq.len, 0) !=
		    (ssize_t)(CBBENCH_TOKEN_LEN + rq.len))
			_exit(1);
	}
}

/**
 * struct logon_client - a client's state for logons
 * @fd: /dev/clientbuf
 * @arena_id: the ALLOC buffer answers go to
 * @arena: its memory
 * @sock: the daemon's socket, or -1
 * @nonce: next nonce
 * @prev: the previous answer, freed by the next call (CLIENTBUF_CALL_FREE)
 */
struct logon_client {
	int fd;
	uint32_t arena_id;
	uint8_t *arena;
	int sock;
	uint64_t nonce;
	uint64_t prev;
};

static void logon_client_init(struct logon_client *lc, bool pin)
{
	lc->fd = open("/dev/clientbuf", O_RDWR | O_CLOEXEC);
	if (lc->fd < 0)
		die("open /dev/clientbuf");
	lc->arena = map_buf(ARENA_LEN, true);
	lc->arena_id = reg(lc->fd, lc->arena, ARENA_LEN,
			   CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC |
			   (pin ? CLIENTBUF_BUF_PIN : 0));
	lc->sock = -1;
	lc->nonce = (uint64_t)getpid() << 32;
	lc->prev = 0;
}

/*
 * CLIENTBUF_IOC_CALL_PACKAGE into @lc's arena, freeing its previous answer
 * first (CLIENTBUF_CALL_FREE): one syscall per call on the client's side.
 */
static uint32_t logon_call(struct logon_client *lc, const char *pkg,
			   const void *submit, uint32_t len,
			   struct clientbuf_call *c)
{
	*c = (struct clientbuf_call){
		.size = sizeof(*c),
		.flags = lc->prev ? CLIENTBUF_CALL_FREE : 0,
		.submit_addr = (uintptr_t)submit, .submit_len = len,
		.return_buf_id = lc->arena_id, .return_addr = lc->prev,
	};
	strncpy(c->package, pkg, sizeof(c->package) - 1);
	lc->prev = 0;
	if (ioctl(lc->fd, CLIENTBUF_IOC_CALL_PACKAGE, c) && !c->status)
		return ~0U;
	lc->prev = c->status ? 0 : c->return_addr;
	return c->status;
}

/*
 * One logon on @path; answers @len bytes after the token. The answer of
 * the call is checked when @check. Returns 0, or -1.
 */
static int logon(struct logon_client *lc, int path, uint32_t len, bool check)
{
	struct logon_req rq = { .nonce = ++lc->nonce, .len = len };
	struct cbbench_cmd cmd = {
		.op = CBBENCH_OP_LOGON, .len = len, .nonce = rq.nonce,
	};
	struct clientbuf_call c;
	uint32_t st;

	strcpy(rq.user, "alice:correct horse battery staple");
	if (path == LG_SOCK) {
		ssize_t n;

		if (send(lc->sock, &rq, sizeof(rq), 0) != sizeof(rq))
			return -1;
		n = recv(lc->sock, lc->arena, ARENA_LEN, 0);
		if (n != (ssize_t)(CBBENCH_TOKEN_LEN + len))
			return -1;
		return check && !check_answer(lc->arena, rq.nonce, len) ? -1 : 0;
	}
	if (path == LG_KERN_U || path == LG_KERN_P)
		st = logon_call(lc, CBBENCH_PACKAGE, &cmd, sizeof(cmd), &c);
	else
		st = logon_call(lc, LOGON_PACKAGE, &rq, sizeof(rq), &c);
	if (st || c.return_len != CBBENCH_TOKEN_LEN + len || !c.return_addr)
		return -1;
	/* the answer stays until the next call frees it */
	if (check && !check_answer((uint8_t *)(uintptr_t)c.return_addr,
				   rq.nonce, len))
		return -1;
	return 0;
}

/* calls per second of @n logons, the last checked; <0 on failure */
static double logon_batch(struct logon_client *lc, int path, uint32_t len,
			  uint64_t n)
{
	double best = -1, cps;
	uint64_t i, t0;
	int b;

	for (b = 0; b < BATCHES; b++) {
		t0 = now_ns();
		for (i = 0; i < n; i++)
			if (logon(lc, path, len, i == n - 1))
				return -1;
		cps = (double)n * 1e9 / (double)(now_ns() - t0);
		if (cps > best)
			best = cps;
	}
	return best;
}

static void set_cpus(int ncpus)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	for (i = 0; i < ncpus; i++)
		CPU_SET(i, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

/*
 * 4: every path's logons, interleaved; or (@work) the traced calls of the
 * work table. Client, server and daemon share CPU 0: each call is a
 * hand-off between two processes, and waking an idle vCPU of the emulator
 * would cost more than the call.
 */
static void logon_phase(bool work)
{
	struct logon_client lc[NLOGON];
	int sv[2], path, k, rep;
	pid_t srv, daemon;
	double stat0[2], t;
	uint64_t n;

	set_cpus(1);
	srv = start_server(1);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		die("socketpair");
	daemon = fork();
	if (daemon < 0)
		die("fork");
	if (!daemon) {
		close(sv[0]);
		seqpacket_daemon(sv[1]);
	}
	close(sv[1]);
	for (path = 0; path < NLOGON; path++) {
		logon_client_init(&lc[path], path == LG_KERN_P ||
				  path == LG_SRV_P);
		if (path == LG_SOCK)
			lc[path].sock = sv[0];
	}
	for (rep = 0; rep < reps && !work; rep++)
		for (k = 0; k < 2; k++)
			for (path = 0; path < NLOGON; path++) {
				n = sh->logon_n[path][k];
				if (!n) {
					logon_batch(&lc[path], path,
						    logon_sizes[k], 2);
					t = logon_batch(&lc[path], path,
							logon_sizes[k], 1);
					n = t > 0 ? (uint64_t)(t * target_ns /
							       BATCHES / 1e9) : 1;
					n = n < 2 ? 2 : n;
					sh->logon_n[path][k] = n;
				}
				t = logon_batch(&lc[path], path,
						logon_sizes[k], n);
				if (t < 0)
					snprintf(sh->fatal, sizeof(sh->fatal),
						 "logon %s %u B: wrong answer",
						 logon_keys[path],
						 logon_sizes[k]);
				sh->logon[path][k][rep] = t;
			}
	/* work per logon, 64 KiB answer (server and daemon not filtered) */
	for (path = 0; path < NLOGON && work && trace_ok; path++) {
		logon(&lc[path], path, LOGON_LARGE, false);
		window_begin(false, stat0);
		for (k = 0; k < WORK_CALLS; k++)
			logon(&lc[path], path, LOGON_LARGE, false);
		window_end(&sh->logon_work[path], WORK_CALLS,
			   (double)(LOGON_LARGE + CBBENCH_TOKEN_LEN) *
			   WORK_CALLS, stat0);
	}
	for (path = 0; path < NLOGON; path++) {
		close(lc[path].fd);
		munmap(lc[path].arena, ARENA_LEN);
	}
	close(sv[0]);
	waitpid(daemon, NULL, 0);
	stop(srv);
	set_cpus(CPU_SETSIZE);
}

/* @nc clients calling @cfg's package for @ms milliseconds: calls/s */
static double scale_run(int cfg, int nc, int ms, bool traced,
			struct work *w)
{
	pid_t pids[MAXCLIENTS], srv = 0;
	uint64_t total = 0, t0;
	double stat0[2] = { 0, 0 }, secs;
	int i, ready[2];
	char c;

	if (cfg != SC_KERN)
		srv = start_server(cfg == SC_SRV2 ? 2 : 1);
	sh->go = 0;
	sh->stop = 0;
	if (pipe(ready))
		die("pipe");
	for (i = 0; i < nc; i++) {
		sh->calls[i] = 0;
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (!pids[i]) {
			struct logon_client lc;
			int path = cfg == SC_KERN ? LG_KERN_U : LG_SRV_U;
			uint64_t n = 0;

			close(ready[0]);
			logon_client_init(&lc, false);
			if (logon(&lc, path, 0, true))
				_exit(1);
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			while (!sh->go)
				usleep(200);
			while (!sh->stop) {
				if (logon(&lc, path, 0, (n & 63) == 0))
					_exit(1);
				n++;
			}
			sh->calls[i] = n;
			_exit(0);
		}
	}
	close(ready[1]);
	for (i = 0; i < nc; i++)
		if (read(ready[0], &c, 1) != 1)
			die("a scaling client failed to start");
	close(ready[0]);
	if (traced)
		window_begin(false, stat0);
	t0 = now_ns();
	sh->go = 1;
	usleep(ms * 1000);
	sh->stop = 1;
	secs = (double)(now_ns() - t0) / 1e9;
	for (i = 0; i < nc; i++) {
		int status;

		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			snprintf(sh->fatal, sizeof(sh->fatal),
				 "scaling client %d of %d (%s) failed", i, nc,
				 scale_keys[cfg]);
		total += sh->calls[i];
	}
	if (traced)
		window_end(w, total ? (double)total : 1, 0, stat0);
	if (srv)
		stop(srv);
	return (double)total / secs;
}

static void scale_phase(bool work)
{
	int cfg, k, rep, ms = quick ? 100 : 500;

	for (rep = 0; rep < reps && !work; rep++)
		for (k = 0; k < (int)NSCALEC; k++)
			for (cfg = 0; cfg < NSCALE; cfg++)
				sh->scale[cfg][k][rep] =
					scale_run(cfg, scale_clients[k], ms,
						  false, NULL);
	for (cfg = 0; cfg < NSCALE && work && trace_ok; cfg++)
		scale_run(cfg, MAXCLIENTS, ms, true, &sh->scale_work[cfg]);
}

/* ---- report ----------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* median of the positive values of @v[0..n), min and max; -1 if none */
static double median(const double *v, int n, double *lo, double *hi)
{
	double s[MAXREPS];
	int i, m = 0;

	for (i = 0; i < n; i++)
		if (v[i] > 0)
			s[m++] = v[i];
	if (!m)
		return -1;
	qsort(s, m, sizeof(s[0]), cmp_double);
	if (lo)
		*lo = s[0];
	if (hi)
		*hi = s[m - 1];
	return m % 2 ? s[m / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
}

static double med(enum path p, unsigned int s, double *lo, double *hi)
{
	return median(sh->ns[p][s], reps, lo, hi);
}

/*
 * Throughput ratio of @p to anchor @a at size @s (anchor ns / path ns):
 * of the medians, and the worst and best repetition.
 */
static double ratio(enum path p, enum path a, unsigned int s, double *worst,
		    double *best)
{
	double r[MAXREPS], mp = med(p, s, NULL, NULL), ma = med(a, s, NULL, NULL);
	int i, n = 0;

	for (i = 0; i < reps; i++)
		r[i] = sh->ns[p][s][i] > 0 && sh->ns[a][s][i] > 0 ?
		       sh->ns[a][s][i] / sh->ns[p][s][i] : -1;
	for (i = 0; i < reps; i++)
		n += r[i] > 0;
	if (mp <= 0 || ma <= 0 || n < reps) {
		*worst = *best = 0;
		return 0;
	}
	median(r, reps, worst, best);
	return ma / mp;
}

static double gibs(uint32_t len, double ns)
{
	return (double)len / ns * 1e9 / (1024.0 * 1024 * 1024);
}

static const char *size_name(uint32_t n)
{
	static char b[8][16];
	static unsigned int i;
	char *s = b[i++ % 8];

	if (n >= 1 << 20)
		snprintf(s, 16, "%uM", n >> 20);
	else if (n >= 1024)
		snprintf(s, 16, "%uK", n >> 10);
	else
		snprintf(s, 16, "%u", n);
	return s;
}

static bool has_fsrm, has_erms;

static const char *prim_name(enum prim pr)
{
	switch (pr) {
	case PR_CTU:
		return "copy_to_user";
	case PR_CFU:
		return "copy_from_user";
	case PR_MEMCPY:
		return "memcpy";
	case PR_BOTH:
		return "copy_*_user+memcpy";
	default:
		return "userspace";
	}
}

/* The instruction a primitive comes down to on this CPU (6.12 x86-64). */
static const char *prim_insn(enum prim pr)
{
	bool user = pr == PR_CTU || pr == PR_CFU;

	if (pr == PR_NONE)
		return "glibc";
	if (has_fsrm)
		return "rep movsb";
	if (user)
		return has_erms ? "rep movsb (>=64B)" : "rep movsq";
	return pr == PR_MEMCPY ? "movq loop" : "mixed";
}

static bool same_prim(enum path a, enum path b)
{
	return has_fsrm || paths[a].prim == paths[b].prim ||
	       (paths[a].prim <= PR_CFU && paths[b].prim <= PR_CFU);
}

static void print_ns_table(const char *title, int first, int last)
{
	double lo, hi, m;
	unsigned int s;
	int p;

	printf("\n%s\n%-38s %-19s", title, "path", "primitive");
	for (s = 0; s < NSIZES; s++)
		printf(" %19s", size_name(sizes[s]));
	printf("\n");
	for (p = first; p < last; p++) {
		printf("%-38s %-19s", paths[p].label, prim_name(paths[p].prim));
		for (s = 0; s < NSIZES; s++) {
			char cell[40];

			m = med(p, s, &lo, &hi);
			if (m <= 0)
				snprintf(cell, sizeof(cell), "-");
			else
				snprintf(cell, sizeof(cell), "%.0f (%.0f-%.0f)",
					 m, lo, hi);
			printf(" %19s", cell);
		}
		if (sh->err[p][0])
			printf("  [%s]", sh->err[p]);
		printf("\n");
	}
}

static void print_ratio_row(const char *label, enum path p, enum path a)
{
	double w, b, r;
	unsigned int s;

	printf("%-46s%s", label, same_prim(p, a) ? " " : "*");
	for (s = 0; s < NSIZES; s++) {
		char cell[32];

		r = ratio(p, a, s, &w, &b);
		if (r <= 0)
			snprintf(cell, sizeof(cell), "-");
		else
			snprintf(cell, sizeof(cell), "%.2f (%.2f-%.2f)", r, w, b);
		printf(" %17s", cell);
	}
	printf("\n");
}

static void print_ratio_head(const char *title)
{
	unsigned int s;

	printf("\n%s\n%-47s", title, "path / anchor");
	for (s = 0; s < NSIZES; s++)
		printf(" %17s", size_name(sizes[s]));
	printf("\n");
}

static int nmiss;

/* A target over sizes: the worst repetition of every pair must reach it. */
static int nunjudged;

/*
 * A target over sizes: the worst repetition of every pair must reach it.
 * Only pairs whose payload moves with the same primitive on this CPU are
 * judged (the emulator's cost of a primitive cancels only there); the
 * others are shown beside it.
 */
static void target(const char *name, const char *what, const enum path *pp,
		   const enum path *aa, int npairs, uint32_t maxlen,
		   uint32_t minlen, double want)
{
	double worst[2] = { 1e9, 1e9 }, wmed[2] = { 0, 0 }, w, b, r;
	const char *at[2] = { "-", "-" }, *pair[2] = { "-", "-" };
	const char *anchor[2] = { "-", "-" };
	int judged = 0, other = 0, i, j;
	bool ok = true;
	unsigned int s;

	for (i = 0; i < npairs; i++) {
		j = !same_prim(pp[i], aa[i]);
		judged += !j;
		other += j;
		for (s = 0; s < NSIZES; s++) {
			if (sizes[s] > maxlen || sizes[s] < minlen)
				continue;
			r = ratio(pp[i], aa[i], s, &w, &b);
			if (!j && (r <= 0 || w < want))
				ok = false;
			if (w < worst[j]) {
				worst[j] = w;
				wmed[j] = r;
				at[j] = size_name(sizes[s]);
				pair[j] = paths[pp[i]].key;
				anchor[j] = paths[aa[i]].key;
			}
		}
	}
	if (!judged || reps < 7)
		ok = false;
	nmiss += judged && !ok;
	nunjudged += !judged;
	printf("CBBENCH-TARGET: %s %s: %s", name, what,
	       !judged ? "NOT JUDGED (no same-primitive pair on this CPU)" :
	       ok ? "met" : "NOT MET");
	if (judged)
		printf(" - worst repetition %.2fx (median %.2fx) at %s B, %s vs "
		       "%s, over %d same-primitive pair(s)", worst[0], wmed[0],
		       at[0], pair[0], anchor[0], judged);
	if (other)
		printf("; %d pair(s) with different primitives (not judged): "
		       "worst %.2fx (median %.2fx) at %s B, %s vs %s", other,
		       worst[1], wmed[1], at[1], pair[1], anchor[1]);
	printf("; want >= %.2fx%s\n", want,
	       reps < 7 ? " (fewer than 7 repetitions)" : "");
}

static void print_work(void)
{
	static const struct { enum path p, a; } lines[] = {
		{ C1_PKG, C1_BARE }, { C1_PKG_PIN, C1_BARE },
		{ C1_BARE, C1_BARE },
		{ C2_PKG, A_PVW1 }, { C2_PKG_PIN, A_PVW1 },
		{ A_PROCMEM, A_PVW1 }, { A_PVW1, A_PVW1 },
		{ C3_TO_U, A_PVW1 }, { C3_TO_P, A_PVW1 },
		{ C3_FROM_U, A_PVR1 }, { C3_FROM_P, A_PVR1 },
		{ A_PVR1, A_PVR1 },
		{ C3_TOV_U, A_PVW8 }, { C3_TOV_P, A_PVW8 },
		{ A_PVW8, A_PVW8 },
		{ C3_FROMV_U, A_PVR8 }, { C3_FROMV_P, A_PVR8 },
		{ A_PVR8, A_PVR8 },
	};
	int grows = 0, over = 0, lines_n = 0, i, k;
	char grow_at[96] = "", over_at[160] = "";
	unsigned int s;

	if (!trace_ok) {
		printf("\n6. work per operation: not measured (%s)\n",
		       trace_note);
		printf("CBBENCH-TARGET: 6a no allocation growing with length: "
		       "NOT MET - not measured\n");
		printf("CBBENCH-TARGET: 6b work <= the anchor's: NOT MET - "
		       "not measured\n");
		nmiss += 2;
		return;
	}
	printf("\n6. Work per operation (per call; ftrace: %s; %d calls per "
	       "line, traced on the calling process only)\n", trace_note,
	       WORK_CALLS);
	printf("   copyB/B: bytes the copy primitives moved per payload byte "
	       "(includes the ioctl structs); allocs: kmalloc, slab, page and "
	       "vmalloc; gup: get/pin_user_pages calls; vma: VMA lookups; "
	       "locks: mutex/rwsem/spinlock acquisitions; cb: the module's "
	       "copies_* counters\n");
	printf("%-34s %5s %8s %7s %9s %6s %6s %6s %5s %5s %4s  %s\n", "path",
	       "size", "copyB/B", "allocs", "largest", "gup", "vma", "locks",
	       "sys", "flt", "cb", "vs anchor");
	for (i = 0; i < (int)(sizeof(lines) / sizeof(lines[0])); i++) {
		enum path p = lines[i].p, a = lines[i].a;

		for (s = 0; s < NSIZES; s++) {
			const struct work *w = &sh->work[p][s];
			const struct work *x = &sh->work[a][s];
			char verdict[96] = "";

			if (!w->ok)
				continue;
			if (w->copy_bytes < 0.5 && sizes[s] >= 4096)
				strcat(verdict, " (bytes uncounted)");
			if (p != a && !paths[p].anchor) {
				lines_n++;
				if (w->copy_bytes > x->copy_bytes + 0.05)
					strcat(verdict, " copies");
				if (w->allocs > x->allocs + 0.01)
					strcat(verdict, " allocs");
				if (w->gup > x->gup + 0.01)
					strcat(verdict, " gup");
				if (w->vma > x->vma + 0.01)
					strcat(verdict, " vma");
				if (w->locks > x->locks + 0.01)
					strcat(verdict, " locks");
				if (w->syscalls > x->syscalls + 0.01)
					strcat(verdict, " sys");
				if (verdict[0]) {
					over++;
					if (strlen(over_at) < 100)
						snprintf(over_at + strlen(over_at),
							 sizeof(over_at) -
							 strlen(over_at),
							 "%s%s@%s", over_at[0] ? ", " : "",
							 paths[p].key,
							 size_name(sizes[s]));
				}
			}
			/* an allocation of >= 1/8 of the copy at >= 64 KiB */
			if (sizes[s] >= 65536 && w->largest >= sizes[s] / 8.0) {
				grows++;
				if (strlen(grow_at) < 60)
					snprintf(grow_at + strlen(grow_at),
						 sizeof(grow_at) - strlen(grow_at),
						 "%s%s@%s (%.0f B)",
						 grow_at[0] ? ", " : "",
						 paths[p].key,
						 size_name(sizes[s]),
						 w->largest);
			}
			printf("%-34s %5s %8.2f %7.2f %9.0f %6.2f %6.2f %6.2f "
			       "%5.2f %5.2f %4.1f  %s\n", paths[p].label,
			       size_name(sizes[s]), w->copy_bytes, w->allocs,
			       w->largest, w->gup, w->vma, w->locks,
			       w->syscalls, w->faults, w->cb_copies,
			       paths[p].anchor ? "(anchor)" : verdict[0] ? verdict :
			       "<= anchor");
			printf("CBBENCH-WORK,%s,%u,%.3f,%.3f,%.0f,%.3f,%.3f,"
			       "%.3f,%.3f,%.3f,%.3f,%s\n", paths[p].key,
			       sizes[s], w->copy_bytes, w->allocs, w->largest,
			       w->gup, w->vma, w->locks, w->syscalls,
			       w->faults, w->cb_copies, paths[a].key);
		}
	}
	printf("\nWork per logon, 64 KiB answer (not filtered by process: "
	       "client, server and daemon together)\n");
	for (k = 0; k < NLOGON; k++) {
		const struct work *w = &sh->logon_work[k];

		if (!w->ok)
			continue;
		printf("%-34s %5s %8.2f %7.2f %9.0f %6.2f %6.2f %6.2f %5.2f "
		       "%5.2f %4.1f\n", logon_labels[k], "64K", w->copy_bytes,
		       w->allocs, w->largest, w->gup, w->vma, w->locks,
		       w->syscalls, w->faults, w->cb_copies);
		printf("CBBENCH-WORK,logon_%s,%u,%.3f,%.3f,%.0f,%.3f,%.3f,"
		       "%.3f,%.3f,%.3f,%.3f,logon_seqpacket\n", logon_keys[k],
		       LOGON_LARGE, w->copy_bytes, w->allocs, w->largest,
		       w->gup, w->vma, w->locks, w->syscalls, w->faults,
		       w->cb_copies);
	}
	printf("CBBENCH-TARGET: 6a no allocation growing with the copy's "
	       "length: %s - %d line(s) allocate >= 1/8 of the copy%s%s\n",
	       grows ? "NOT MET" : "met", grows, grows ? ": " : "", grow_at);
	printf("CBBENCH-TARGET: 6b work <= the anchor's on every line: %s - "
	       "%d of %d lines above the anchor%s%s\n", over ? "NOT MET" : "met",
	       over, lines_n, over ? ": " : "", over_at);
	nmiss += (grows > 0) + (over > 0);
	{
		const struct work *u = &sh->logon_work[LG_SRV_U];
		const struct work *p = &sh->logon_work[LG_SRV_P];
		const struct work *k = &sh->logon_work[LG_SOCK];
		double worst = u->syscalls > p->syscalls ? u->syscalls :
			       p->syscalls;
		bool ok = u->ok && p->ok && worst <= 3.01;

		printf("CBBENCH-TARGET: 4c syscalls per served logon (client "
		       "and server): %s - %.2f (unpinned arena %.2f, pinned "
		       "%.2f); the SOCK_SEQPACKET daemon %.2f; want <= 3\n",
		       ok ? "met" : "NOT MET", worst, u->syscalls,
		       p->syscalls, k->syscalls);
		nmiss += !ok;
	}
}

static void print_logon(void)
{
	double lo, hi, m, w, r[2][MAXREPS];
	int k, i, path;

	printf("\n4. A whole logon (calls/s, median (min-max)); answer = 32 B "
	       "token, + 64 KiB\n%-40s %24s %24s\n", "path", "32 B",
	       "32 B + 64 KiB");
	for (path = 0; path < NLOGON; path++) {
		printf("%-40s", logon_labels[path]);
		for (k = 0; k < 2; k++) {
			char cell[48];

			m = median(sh->logon[path][k], reps, &lo, &hi);
			snprintf(cell, sizeof(cell), "%.0f (%.0f-%.0f)", m, lo,
				 hi);
			printf(" %24s", cell);
		}
		printf("\n");
		for (k = 0; k < 2; k++) {
			m = median(sh->logon[path][k], reps, &lo, &hi);
			printf("CBBENCH-CALLS,%s,%u,%.1f,%.1f,%.1f\n",
			       logon_keys[path], CBBENCH_TOKEN_LEN +
			       logon_sizes[k], m, lo, hi);
		}
	}
	/*
	 * Judged on both arenas: a server copy, pinned or not, is one
	 * copy_from_user() into a client page, like the socket's two.
	 */
	for (k = 0; k < 2; k++) {
		double want = k ? 2.0 : 1.2, wu, mu;
		bool ok;

		for (i = 0; i < reps; i++)
			r[k][i] = sh->logon[LG_SOCK][k][i] > 0 ?
				  sh->logon[LG_SRV_P][k][i] /
				  sh->logon[LG_SOCK][k][i] : -1;
		m = median(sh->logon[LG_SRV_P][k], reps, NULL, NULL) /
		    median(sh->logon[LG_SOCK][k], reps, NULL, NULL);
		median(r[k], reps, &w, NULL);
		for (i = 0; i < reps; i++)
			r[k][i] = sh->logon[LG_SOCK][k][i] > 0 ?
				  sh->logon[LG_SRV_U][k][i] /
				  sh->logon[LG_SOCK][k][i] : -1;
		mu = median(sh->logon[LG_SRV_U][k], reps, NULL, NULL) /
		     median(sh->logon[LG_SOCK][k], reps, NULL, NULL);
		median(r[k], reps, &wu, NULL);
		if (wu < w)
			w = wu;
		ok = w >= want && reps >= 7;
		printf("CBBENCH-TARGET: 4%c clientbuf serve (pinned and unpinned "
		       "arena) vs SOCK_SEQPACKET, %s answer: %s - worst "
		       "repetition %.2fx (pinned median %.2fx); want >= %.2fx%s; "
		       "unpinned arena: worst %.2fx (median %.2fx); kernel "
		       "package: median %.2fx\n",
		       k ? 'b' : 'a', k ? "32 B + 64 KiB" : "32 B",
		       ok ? "met" : "NOT MET", w, m, want,
		       reps < 7 ? " (fewer than 7 repetitions)" : "", wu, mu,
		       median(sh->logon[LG_KERN_U][k], reps, NULL, NULL) /
		       median(sh->logon[LG_SOCK][k], reps, NULL, NULL));
		nmiss += !ok;
	}
}

static void print_scale(void)
{
	double lo, hi, m, prev;
	int cfg, k, stops;

	printf("\n5. Many clients: logons (32 B answer) per second, all "
	       "clients together, median (min-max); the VM has %ld CPUs\n%-20s",
	       sysconf(_SC_NPROCESSORS_ONLN), "package");
	for (k = 0; k < (int)NSCALEC; k++)
		printf(" %9d clients    ", scale_clients[k]);
	printf("\n");
	for (cfg = 0; cfg < NSCALE; cfg++) {
		printf("%-20s", scale_keys[cfg]);
		prev = 0;
		stops = 0;
		for (k = 0; k < (int)NSCALEC; k++) {
			char cell[48];

			m = median(sh->scale[cfg][k], reps, &lo, &hi);
			snprintf(cell, sizeof(cell), "%.0f (%.0f-%.0f)", m, lo,
				 hi);
			printf(" %21s", cell);
			if (!stops && k && m < prev * 1.1)
				stops = scale_clients[k - 1];
			if (m > prev)
				prev = m;
		}
		printf("\n");
		for (k = 0; k < (int)NSCALEC; k++) {
			m = median(sh->scale[cfg][k], reps, &lo, &hi);
			printf("CBBENCH-SCALE,%s,%d,%.1f,%.1f,%.1f\n",
			       scale_keys[cfg], scale_clients[k], m, lo, hi);
		}
		printf("CBBENCH-SCALING: %s: stops scaling after %d client(s)"
		       "%s; at 16 clients per call (traced on CPU 0 alone): "
		       "%.2f contended lock slow paths, %.2f lock acquisitions, "
		       "%.2f syscalls\n",
		       scale_keys[cfg], stops ? stops : 16,
		       stops ? "" : " (or not before 16)",
		       sh->scale_work[cfg].slow, sh->scale_work[cfg].locks,
		       sh->scale_work[cfg].syscalls);
	}
	printf("CBBENCH-INFO: lock_stat: %s\n",
	       access("/proc/lock_stat", R_OK) ? "not in this kernel "
	       "(CONFIG_LOCK_STAT off); contention from the slow-path counts "
	       "(__mutex_lock_slowpath, rwsem_down_*_slowpath, "
	       "native_queued_spin_lock_slowpath)" : "present");
}

static void print_results(void)
{
	static const enum path t2p[] = {
		C2_PKG, C2_PKG, C2_PKG_PIN, C2_PKG_PIN,
	};
	static const enum path t2a[] = {
		A_PVW1, A_PROCMEM, A_PVW1, A_PROCMEM,
	};
	static const enum path t2pin[] = { C2_PKG_PIN, C2_PKG_PIN };
	static const enum path t2pina[] = { A_PVW1, A_PROCMEM };
	/* judged against what f_fs does in the same context */
	static const enum path t2k[] = { L_KT_PKG, L_WQ_PKG };
	static const enum path t2ka[] = { L_KT_BARE, L_WQ_BARE };
	static const enum path t3p[] = {
		C3_TO_U, C3_TO_P, C3_FROM_U, C3_FROM_P,
		C3_TOV_U, C3_TOV_P, C3_FROMV_U, C3_FROMV_P,
	};
	static const enum path t3a[] = {
		A_PVW1, A_PVW1, A_PVR1, A_PVR1, A_PVW8, A_PVW8, A_PVR8, A_PVR8,
	};
	static const enum path t3pin[] = { C3_TO_P, C3_FROM_P, C3_TOV_P,
					   C3_FROMV_P };
	static const enum path t3pina[] = { A_PVW1, A_PVR1, A_PVW8, A_PVR8 };
	static const enum path t1p[] = { C1_PKG };
	static const enum path t1a[] = { C1_BARE };
	double lo, hi, m, fixed[NSIZES], worst_copies = 0;
	unsigned int s;
	int p, i;

	print_ns_table("Per call, ns (median (min-max)); one syscall per copy",
		       0, FIRST_LOOP);
	print_ns_table("What a package pays inside the kernel: ns per copy in "
		       "a timed in-kernel loop (no syscall; never in a ratio "
		       "against a syscall)", FIRST_LOOP, NPATHS);

	print_ratio_head("1. Kernel package, caller's context (throughput "
			 "ratio, median (worst-best repetition))");
	print_ratio_row("copy_to_client_buffer / bare copy_to_user", C1_PKG,
			C1_BARE);
	print_ratio_row("pinned buffer / bare copy_to_user", C1_PKG_PIN,
			C1_BARE);
	print_ratio_row("in-kernel loop: pkg / bare", L_CALLER_PKG,
			L_CALLER_BARE);
	printf("fixed cost of copy_to_client_buffer() per call (median pkg - "
	       "median bare), ns:");
	for (s = 0; s < NSIZES; s++) {
		fixed[s] = med(C1_PKG, s, NULL, NULL) -
			   med(C1_BARE, s, NULL, NULL);
		printf(" %s %.0f", size_name(sizes[s]), fixed[s]);
	}
	printf("; in the loop: %.0f\n", med(L_CALLER_PKG, 0, NULL, NULL) -
	       med(L_CALLER_BARE, 0, NULL, NULL));

	print_ratio_head("2. Kernel package from another context");
	print_ratio_row("other process / process_vm_writev", C2_PKG, A_PVW1);
	print_ratio_row("other process / /proc/PID/mem", C2_PKG, A_PROCMEM);
	print_ratio_row("other process pinned / process_vm_writev",
			C2_PKG_PIN, A_PVW1);
	print_ratio_row("other process pinned / /proc/PID/mem", C2_PKG_PIN,
			A_PROCMEM);
	print_ratio_row("loop: kthread / access_process_vm", L_KT_PKG,
			L_KT_APVM);
	print_ratio_row("loop: kthread / use_mm+copy_to_user", L_KT_PKG,
			L_KT_BARE);
	print_ratio_row("loop: workqueue / access_process_vm", L_WQ_PKG,
			L_WQ_APVM);
	print_ratio_row("loop: workqueue / use_mm+copy_to_user", L_WQ_PKG,
			L_WQ_BARE);
	print_ratio_row("loop: other process / access_process_vm",
			L_PROC_PKG, L_PROC_APVM);
	print_ratio_row("loop: other process pinned / access_process_vm",
			L_PROC_PKG_PIN, L_PROC_APVM);

	print_ratio_head("3. Userspace package server (SERVER_OP) against "
			 "process_vm_writev/readv with as many iovecs");
	for (i = 0; i < 8; i++) {
		char label[64];

		snprintf(label, sizeof(label), "%s / %s", paths[t3p[i]].key,
			 paths[t3a[i]].key);
		print_ratio_row(label, t3p[i], t3a[i]);
	}
	printf("(* the pair's primitives differ on this CPU: fsrm %s, erms "
	       "%s; such a ratio also measures the emulator's cost of each "
	       "primitive)\n", has_fsrm ? "yes" : "no",
	       has_erms ? "yes" : "no");
	printf("primitives here: copy_to_user/copy_from_user -> %s; kernel "
	       "memcpy -> %s\n", prim_insn(PR_CTU), prim_insn(PR_MEMCPY));

	print_logon();
	if (!no_scale)
		print_scale();
	else
		printf("\n5. Many clients: not in this run (-S; bench.sh runs "
		       "it on the wall clock in a VM of its own)\n");

	for (p = 0; p < NPATHS; p++) {
		if (sh->err[p][0])
			printf("CBBENCH-ERROR,%s,%s\n", paths[p].key,
			       sh->err[p]);
		for (s = 0; s < NSIZES; s++) {
			m = med(p, s, &lo, &hi);
			if (m <= 0)
				continue;
			printf("CBBENCH-CSV,%s,%s,%u,%.1f,%.1f,%.1f,%.4f,%llu,"
			       "%s,%d\n", p < FIRST_LOOP ? "call" : "loop",
			       paths[p].key, sizes[s], m, lo, hi,
			       gibs(sizes[s], m),
			       (unsigned long long)sh->iters[p][s],
			       prim_name(paths[p].prim), paths[p].anchor);
		}
	}

	printf("\nTargets, on the %s clock (a target is met when its worst "
	       "repetition meets it)\n", clock_name);
	target("1", "caller ctx copy_to_client_buffer vs bare copy_to_user, "
	       "64 B", t1p, t1a, 1, 64, 64, 0.95);
	target("1", "caller ctx copy_to_client_buffer vs bare copy_to_user, "
	       ">= 4 KiB", t1p, t1a, 1, ~0U, 4096, 0.98);
	printf("CBBENCH-TARGET: 1 fixed cost per call: %.0f ns at 64 B, %.0f "
	       "ns at 4 KiB (median pkg - median bare)\n", fixed[0], fixed[2]);
	target("2a", "other process vs process_vm_writev and /proc/PID/mem, "
	       "every size", t2p, t2a, 4, ~0U, 0, 1.0);
	target("2b", "other process pinned vs both, <= 4 KiB", t2pin, t2pina,
	       2, 4096, 0, 1.5);
	target("2c", "kthread and workqueue copy_to_client_buffer (in-kernel "
	       "loops) vs kthread_use_mm+copy_to_user in that context, every "
	       "size", t2k, t2ka, 2, ~0U, 0, 1.0);
	target("3a", "SERVER_OP vs process_vm_writev/readv, same iovecs, "
	       "every size", t3p, t3a, 8, ~0U, 0, 1.0);
	target("3b", "SERVER_OP pinned, <= 4 KiB", t3pin, t3pina, 4, 4096, 0,
	       1.3);
	for (i = 0; i < 8; i++)
		for (s = 0; s < NSIZES; s++)
			if (sizes[s] >= 4096 && sh->work[t3p[i]][s].ok &&
			    sh->work[t3p[i]][s].copy_bytes > worst_copies)
				worst_copies = sh->work[t3p[i]][s].copy_bytes;
	printf("CBBENCH-TARGET: 3c SERVER_OP one payload copy per byte: %s - "
	       "at most %.2f bytes copied per payload byte (>= 4 KiB)\n",
	       trace_ok && worst_copies > 0 && worst_copies <= 1.05 ? "met" :
	       "NOT MET", worst_copies);
	nmiss += !(trace_ok && worst_copies > 0 && worst_copies <= 1.05);
	print_work();
}

static void print_machine(void)
{
	char line[8192], model[128] = "?";
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
		if (!strncmp(line, "flags", 5) && colon) {
			line[strcspn(line, "\n")] = ' ';
			has_erms = strstr(line, " erms ") != NULL;
			has_fsrm = strstr(line, " fsrm ") != NULL;
			break;
		}
	}
	if (f)
		fclose(f);
	printf("CBBENCH-INFO: guest kernel %s %s, %ld cpus, cpu model \"%s\"\n",
	       u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), model);
	printf("CBBENCH-INFO: guest cpu flags: erms %s, fsrm %s\n",
	       has_erms ? "yes" : "no", has_fsrm ? "yes" : "no");
	f = fopen("/etc/cbbench.env", "r");
	while (f && fgets(line, sizeof(line), f))
		printf("CBBENCH-INFO: %s", line);
	if (f)
		fclose(f);
	printf("CBBENCH-INFO: reps %d, %.0f ms per measurement, vectored "
	       "paths %d segments\n", reps, target_ns / 1e6, VEC_SEGS);
	printf("CBBENCH-INFO: clock: %s\n", !strcmp(clock_name, "insn") ?
	       "insn - QEMU -icount shift=0: one guest nanosecond is one guest "
	       "instruction; figures count instructions executed (exact and "
	       "load-independent; blind to cache misses, memory bandwidth and "
	       "real syscall entry costs; every vCPU on one host thread, so "
	       "no parallelism)" :
	       "wall - the host's time as the guest sees it (emulator speed "
	       "and the host's other load included)");
}

/* ---- the client ----------------------------------------------------- */

/* -s: 5 alone (bench.sh's wall-clock VM), with its traced run. */
static int scale_main(uint64_t t0)
{
	scale_phase(false);
	fprintf(stderr, "clientbuf-bench: many clients, %.0f s\n",
		(now_ns() - t0) / 1e9);
	trace_setup();
	scale_phase(true);
	trace_teardown();
	print_scale();
	printf("CBBENCH-INFO: run took %.1f s\n", (now_ns() - t0) / 1e9);
	if (sh->fatal[0]) {
		printf("CBBENCH-FAILED: %s\n", sh->fatal);
		return 1;
	}
	printf("CBBENCH-TARGETS: many clients only (no numeric target), on "
	       "the %s clock\n", clock_name);
	return 0;
}

static void sync_peer(int to, int from, char c)
{
	if (write(to, &c, 1) != 1 || read(from, &c, 1) != 1)
		die("peer");
}

int main(int argc, char **argv)
{
	int to_child[2], to_parent[2], opt, rep;
	struct cbbench_cmd hold = { .op = CBBENCH_OP_HOLD, .handle = 0 };
	uint64_t t0 = now_ns();
	uint32_t st;
	pid_t pid;
	char c;

	while ((opt = getopt(argc, argv, "r:t:qk:sS")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 't':
			target_ns = atof(optarg) * 1e6;
			break;
		case 'q':
			quick = true;
			reps = 3;
			target_ns = 4e6;
			break;
		case 'k':
			clock_name = optarg;
			break;
		case 's':
			scale_only = true;
			break;
		case 'S':
			no_scale = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-r REPS] [-t MS] [-q] "
				"[-k insn|wall] [-s | -S]\n", argv[0]);
			return 2;
		}
	}
	if (strcmp(clock_name, "insn") && strcmp(clock_name, "wall")) {
		fprintf(stderr, "clientbuf-bench: -k insn or -k wall\n");
		return 2;
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
	reply = map_buf(CBBENCH_TOKEN_LEN + LOGON_LARGE, false);
	fill_pattern(reply + CBBENCH_TOKEN_LEN, LOGON_LARGE);
	if (scale_only)
		return scale_main(t0);
	client_pid = getpid();
	cb_fd = open("/dev/clientbuf", O_RDWR | O_CLOEXEC);
	if (cb_fd < 0)
		die("open /dev/clientbuf");
	ubuf = map_buf(BUFLEN, true);
	pbuf = map_buf(BUFLEN, true);
	result = map_buf(4096, true);
	fill_pattern(ubuf + HALF, HALF);
	fill_pattern(pbuf + HALF, HALF);
	reg(cb_fd, ubuf, BUFLEN, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ);
	reg(cb_fd, pbuf, BUFLEN, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ |
	    CLIENTBUF_BUF_PIN);
	reg(cb_fd, result, 4096, CLIENTBUF_BUF_WRITE);
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
		peer_main(to_parent[1], to_child[0]);
	}
	close(to_child[0]);
	close(to_parent[1]);
	if (read(to_parent[0], &c, 1) != 1)
		die("peer setup");
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

	for (rep = 0; rep < reps; rep++) {
		measure_side(false, rep);
		sync_peer(to_child[1], to_parent[0], 'm');
		fprintf(stderr, "clientbuf-bench: copies, repetition %d/%d, "
			"%.0f s\n", rep + 1, reps, (now_ns() - t0) / 1e9);
	}
	logon_phase(false);
	fprintf(stderr, "clientbuf-bench: logons, %.0f s\n",
		(now_ns() - t0) / 1e9);
	if (!no_scale) {
		scale_phase(false);
		fprintf(stderr, "clientbuf-bench: many clients, %.0f s\n",
			(now_ns() - t0) / 1e9);
	}

	/* the traced runs, after every timed one */
	trace_setup();
	work_side(false);
	sync_peer(to_child[1], to_parent[0], 'w');
	c = 'q';
	if (write(to_child[1], &c, 1) != 1)
		die("write");
	waitpid(pid, NULL, 0);
	logon_phase(true);
	if (!no_scale)
		scale_phase(true);
	trace_teardown();
	fprintf(stderr, "clientbuf-bench: work per operation, %.0f s\n",
		(now_ns() - t0) / 1e9);

	print_results();
	printf("CBBENCH-INFO: run took %.1f s\n", (now_ns() - t0) / 1e9);
	if (sh->fatal[0]) {
		printf("CBBENCH-FAILED: %s\n", sh->fatal);
		return 1;
	}
	printf("CBBENCH-TARGETS: %d not met, %d not judged, on the %s clock\n",
	       nmiss, nunjudged, clock_name);
	close(cb_fd);
	return 0;
}
