/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clientbuf selftests: the shared base of every helper header.
 *
 * Like tools/testing/selftests/iommu/iommufd_utils.h: each ioctl has a
 * _cb_xxx() function that runs it and returns a struct cb_res (errno and
 * NTSTATUS together), and the tests assert on it with ASSERT_RES(errno,
 * status, expr) - exact errno AND exact NTSTATUS - or with the test_xxx()
 * macros that assert success. Plus: the byte pattern of the test package
 * (cbtest_pattern()), the live-object counters of
 * /sys/kernel/debug/clientbuf/stats for leak checks, and the small helpers
 * for pipes, poll, sleeps and child processes.
 *
 * The other headers build on this one: clientbuf_srv_util.h (package
 * servers, asynchronous calls), clientbuf_hostile.h (hostile input) and
 * clientbuf_stress_util.h (pinning, races, fault injection).
 *
 * Child processes made by the tests never use the harness macros (an
 * ASSERT in a child would run the fixture teardown there): they report
 * through pipes, shared memory or their exit code.
 */
#ifndef _CLIENTBUF_UTIL_H
#define _CLIENTBUF_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/clientbuf.h>

/* libclientbuf (tools/lib): its NTSTATUS decoder, linked in statically */
#include "clientbuf.h"
#include "clientbuf_test_abi.h"
#include "kselftest_harness.h"
#include "clientbuf_skip.h"

/*
 * Debug kernels (make check-debug: KASAN, KCSAN, lockdep) run every
 * instruction several times slower under TCG. Their VM sets
 * clientbuf_timeout_scale=N on the kernel command line (the kernel hands
 * it to init's environment), and every test's harness timeout - the
 * default 30 s or its TEST_F_TIMEOUT() - is multiplied by N before the
 * harness runs (and a test with a wall-clock cap of its own, the fuzzer,
 * scales that). The tests themselves do the same work either way.
 */
static inline int cb_timeout_scale(void)
{
	const char *env = getenv("clientbuf_timeout_scale");
	int scale = env ? atoi(env) : 1;

	return scale > 1 ? scale : 1;
}

static inline void cb_scale_timeouts(void)
{
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	int scale = cb_timeout_scale();

	if (scale <= 1)
		return;
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout *= scale;
}

#undef TEST_HARNESS_MAIN
#define TEST_HARNESS_MAIN \
	int main(int argc, char **argv) \
	{ \
		cb_scale_timeouts(); \
		return test_harness_run(argc, argv); \
	}

#define CB_DEV		"/dev/" CLIENTBUF_DEVICE_NAME
#define CBT_DEV		"/dev/clientbuf_test"
#define CB_STATS	"/sys/kernel/debug/clientbuf/stats"

/* A kernel (direct map) address: never a user address on x86-64. */
#define CB_KERNEL_ADDR	0xffff888000000000ULL

/* cb_res.err when the operation has no errno (a /dev/clientbuf_test op). */
#define CB_NO_ERRNO	(-1)
/*
 * cb_res.err when the answer never came (a pipe message from a child that
 * did not arrive): unlike CB_NO_ERRNO it is compared, and matches no errno.
 */
#define CB_NO_REPLY	(-2)

#define CB_MIB		(1024UL * 1024UL)

/* End of @member in @type: the size of a struct version ending there. */
#define cb_offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

static inline size_t cb_page(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/**
 * struct cb_res - outcome of one operation
 * @err: errno of the ioctl (0 on success), CB_NO_ERRNO or CB_NO_REPLY
 * @status: the NTSTATUS written back
 * @proto: protocol_status of a package call
 * @req_id: request_id of a package call
 * @ret_addr: return_addr of a package call (or the ALLOC block)
 * @ret_len: return_len of a package call
 * @id: buffer id of a registration
 * @done: CBTEST_IOC_RESULT: copies that succeeded
 */
struct cb_res {
	int err;
	__u32 status;
	__u32 proto;
	__u64 req_id;
	__u64 ret_addr;
	__u32 ret_len;
	__u32 id;
	__u32 done;
};

/* The name of an NTSTATUS, from libclientbuf's table; "?" for another. */
static inline const char *cb_status_name(__u32 st)
{
	const char *name = clientbuf_status_name(st);

	return name ? name : "?";
}

/*
 * ASSERT_RES(errno, status, expr): expr (a struct cb_res) has exactly this
 * errno and this NTSTATUS. The errno is not checked when expr has none
 * (CB_NO_ERRNO).
 */
#define __CB_RES(_assert, _err, _status, _res) do {			\
	const struct cb_res __r = (_res);				\
	const __u32 __want = (__u32)(_status);				\
	const int __werr = (_err);					\
	__EXPECT(__want, #_status, __r.status, "status of " #_res, ==, \
		 _assert)						\
		TH_LOG("status %#x (%s), want %#x (%s); errno %d (%s)", \
		       __r.status, cb_status_name(__r.status), __want,	\
		       cb_status_name(__want), __r.err,			\
		       __r.err > 0 ? strerror(__r.err) : "-");		\
	if (__r.err != CB_NO_ERRNO) {					\
		__EXPECT(__werr, #_err, __r.err, "errno of " #_res, ==,	\
			 _assert)					\
			TH_LOG("errno %d (%s), want %d (%s); status %#x (%s)", \
			       __r.err, __r.err > 0 ? strerror(__r.err) : "-", \
			       __werr, strerror(__werr), __r.status,	\
			       cb_status_name(__r.status));		\
	}								\
} while (0)
#define ASSERT_RES(_err, _status, _res) __CB_RES(1, _err, _status, _res)
#define EXPECT_RES(_err, _status, _res) __CB_RES(0, _err, _status, _res)
#define ASSERT_OK(_res) ASSERT_RES(0, CLIENTBUF_STATUS_SUCCESS, _res)

/* ---- /dev/clientbuf --------------------------------------------------- */

static inline int cb_open(void)
{
	return open(CB_DEV, O_RDWR | O_CLOEXEC);
}

static inline int cbt_open(void)
{
	return open(CBT_DEV, O_RDWR | O_CLOEXEC);
}

static inline int cb_get_info(int fd, struct clientbuf_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, CLIENTBUF_IOC_GET_INFO, info) ? errno : 0;
}

static inline struct cb_res _cb_register(int fd, __u32 flags,
					 const void *addr, __u64 len)
{
	struct clientbuf_register r = {
		.size = sizeof(r), .flags = flags,
		.addr = (uintptr_t)addr, .len = len,
		.status = 0xdeadbeef,
	};
	struct cb_res res = {};

	res.err = ioctl(fd, CLIENTBUF_IOC_REGISTER, &r) ? errno : 0;
	res.status = r.status;
	res.id = r.id;
	return res;
}

static inline struct cb_res _cb_unregister(int fd, __u32 id)
{
	struct clientbuf_unregister u = {
		.size = sizeof(u), .id = id, .status = 0xdeadbeef,
	};
	struct cb_res res = {};

	res.err = ioctl(fd, CLIENTBUF_IOC_UNREGISTER, &u) ? errno : 0;
	res.status = u.status;
	return res;
}

static inline struct cb_res _cb_free(int fd, __u32 id, __u64 addr)
{
	struct clientbuf_free f = {
		.size = sizeof(f), .id = id, .addr = addr,
		.status = 0xdeadbeef,
	};
	struct cb_res res = {};

	res.err = ioctl(fd, CLIENTBUF_IOC_FREE, &f) ? errno : 0;
	res.status = f.status;
	return res;
}

static inline struct cb_res cb_call_res(int ret, const struct clientbuf_call *c)
{
	struct cb_res res = {};

	res.err = ret ? errno : 0;
	res.status = c->status;
	res.proto = c->protocol_status;
	res.req_id = c->request_id;
	res.ret_addr = c->return_addr;
	res.ret_len = c->return_len;
	return res;
}

static inline void cb_call_init(struct clientbuf_call *c, const char *pkg,
				const void *submit, __u32 submit_len,
				__u32 flags, __u32 return_buf_id)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->flags = flags;
	memcpy(c->package, pkg, strnlen(pkg, sizeof(c->package) - 1));
	c->submit_addr = (uintptr_t)submit;
	c->submit_len = submit_len;
	c->return_buf_id = return_buf_id;
	c->status = 0xdeadbeef;
	c->protocol_status = 0xdeadbeef;
}

static inline struct cb_res _cb_call(int fd, const char *pkg,
				     const void *submit, __u32 submit_len,
				     __u32 flags, __u32 return_buf_id)
{
	struct clientbuf_call c;

	cb_call_init(&c, pkg, submit, submit_len, flags, return_buf_id);
	return cb_call_res(ioctl(fd, CLIENTBUF_IOC_CALL_PACKAGE, &c), &c);
}

#define test_register(_fd, _flags, _addr, _len, _idp) do {		\
	const struct cb_res __reg = _cb_register(_fd, _flags, _addr, _len); \
	ASSERT_OK(__reg);						\
	ASSERT_NE(0, __reg.id);						\
	*(_idp) = __reg.id;						\
} while (0)
#define test_err_register(_err, _status, _fd, _flags, _addr, _len)	\
	ASSERT_RES(_err, _status, _cb_register(_fd, _flags, _addr, _len))
#define test_unregister(_fd, _id) ASSERT_OK(_cb_unregister(_fd, _id))
#define test_err_unregister(_err, _status, _fd, _id)			\
	ASSERT_RES(_err, _status, _cb_unregister(_fd, _id))

/* ---- the "clientbuf_test" package ------------------------------------- */

static inline struct cbtest_cmd cbt_cmd(__u32 op, __u32 ctx, const void *addr,
					__u32 len, __u32 seed, __u32 flags)
{
	struct cbtest_cmd c = {
		.op = op, .ctx = ctx, .addr = (uintptr_t)addr, .len = len,
		.seed = seed, .flags = flags,
	};

	return c;
}

static inline struct cb_res _cbt_call(int fd, const struct cbtest_cmd *cmd,
				      __u32 flags, __u32 return_buf_id)
{
	return _cb_call(fd, CBTEST_PACKAGE, cmd, sizeof(*cmd), flags,
			return_buf_id);
}

/* One operation of the test package, run synchronously in @ctx. */
static inline struct cb_res cbt_op(int fd, __u32 op, __u32 ctx,
				   const void *addr, __u32 len, __u32 seed,
				   __u32 flags)
{
	struct cbtest_cmd c = cbt_cmd(op, ctx, addr, len, seed, flags);

	return _cbt_call(fd, &c, 0, 0);
}

/* Hold an asynchronous request in slot @handle (STATUS_PENDING). */
static inline struct cb_res cbt_hold(int fd, __u32 handle)
{
	struct cbtest_cmd c = cbt_cmd(CBTEST_OP_HOLD, CBTEST_CTX_CALLER,
				      NULL, 0, 0, 0);

	c.handle = handle;
	return _cbt_call(fd, &c, CLIENTBUF_CALL_ASYNC, 0);
}

#define test_hold(_fd, _handle)						\
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, cbt_hold(_fd, _handle))

static inline struct cbtest_remote cbt_remote(__u32 handle, __u32 op,
					      const void *addr, __u32 len,
					      __u32 seed)
{
	struct cbtest_remote r = {
		.handle = handle, .op = op, .addr = (uintptr_t)addr,
		.len = len, .seed = seed, .status = 0xdeadbeef,
	};

	return r;
}

/* A /dev/clientbuf_test ioctl: the errno of the ioctl, 0 on success. */
static inline int cbt_ioctl(int tfd, unsigned long ioc, struct cbtest_remote *r)
{
	return ioctl(tfd, ioc, r) ? errno : 0;
}

/* CBTEST_IOC_COPY on a held request, from the calling process. */
static inline struct cb_res cbt_remote_copy(int tfd, __u32 handle, __u32 op,
					    const void *addr, __u32 len,
					    __u32 seed)
{
	struct cbtest_remote r = cbt_remote(handle, op, addr, len, seed);
	struct cb_res res = { .err = CB_NO_ERRNO };
	int err = cbt_ioctl(tfd, CBTEST_IOC_COPY, &r);

	res.status = err ? 0xdead0000U | (__u32)err : r.status;
	res.ret_addr = r.result_addr;
	return res;
}

/* CBTEST_IOC_RESULT: wait for the queued work of @handle. */
static inline struct cb_res cbt_result(int tfd, __u32 handle)
{
	struct cbtest_remote r = { .handle = handle, .status = 0xdeadbeef };
	struct cb_res res = { .err = CB_NO_ERRNO };
	int err = cbt_ioctl(tfd, CBTEST_IOC_RESULT, &r);

	res.status = err ? 0xdead0000U | (__u32)err : r.status;
	res.done = r.done;
	return res;
}

static inline int cbt_complete(int tfd, __u32 handle, __u32 status)
{
	struct cbtest_remote r = { .handle = handle, .seed = status };

	return cbt_ioctl(tfd, CBTEST_IOC_COMPLETE, &r);
}

/*
 * Finish whatever a test left in the test package's slots, so that a
 * failed test neither blocks the next one nor the module unload. Called in
 * FIXTURE_SETUP: this harness does not run FIXTURE_TEARDOWN after a failed
 * ASSERT (its 'child' is not volatile across the longjmp()), so teardown
 * alone cannot be relied on; and at exit of the test binary
 * (CB_RELEASE_SLOTS_AT_EXIT). Work items looping on a request stop once
 * its client is gone.
 */
static inline void cbt_release_slots(void)
{
	int tfd = cbt_open();
	__u32 h;

	if (tfd < 0)
		return;
	for (h = 0; h < CBTEST_MAX_HANDLES; h++) {
		cbt_result(tfd, h);
		cbt_complete(tfd, h, CLIENTBUF_STATUS_CANCELLED);
	}
	close(tfd);
}

/*
 * In a test binary that holds requests: release the slots when the
 * harness's main process exits (not in the forked test processes, which
 * leave with _exit()).
 */
#define CB_RELEASE_SLOTS_AT_EXIT					\
	static pid_t cb_main_pid;					\
	static void __attribute__((constructor)) cb_slots_init(void)	\
	{								\
		cb_main_pid = getpid();					\
	}								\
	static void __attribute__((destructor)) cb_slots_exit(void)	\
	{								\
		if (getpid() == cb_main_pid)				\
			cbt_release_slots();				\
	}

/* ---- memory ------------------------------------------------------------ */

static inline void *cb_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* @len bytes at exactly @addr (MAP_FIXED_NOREPLACE), or NULL. */
static inline __u8 *cb_map_fixed(__u64 addr, size_t len)
{
	void *p = mmap((void *)(uintptr_t)addr, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	return p == (void *)(uintptr_t)addr ? p : NULL;
}

static inline void cb_fill(void *p, size_t len, __u32 seed)
{
	__u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = cbtest_pattern(seed, i);
}

/* Index of the first byte that is not pattern(@seed, i), or -1. */
static inline ssize_t cb_mismatch(const void *p, size_t len, __u32 seed)
{
	const __u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != cbtest_pattern(seed, i))
			return (ssize_t)i;
	return -1;
}

static inline bool cb_is_pattern(const void *p, size_t len, __u32 seed)
{
	return cb_mismatch(p, len, seed) < 0;
}

/* Index of the first byte that is not @c, or -1. */
static inline ssize_t cb_not_byte(const void *p, size_t len, __u8 c)
{
	const __u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != c)
			return (ssize_t)i;
	return -1;
}

/* Every byte of [p, p + len) is pattern(seed, i). */
#define ASSERT_PATTERN(_p, _len, _seed) do {				\
	const __u8 *__pb = (const __u8 *)(_p);				\
	const ssize_t __bad = cb_mismatch(__pb, _len, _seed);		\
	ASSERT_EQ(-1, __bad)						\
		TH_LOG("%s: byte %zd of %zu is %#x, pattern(%#x) is %#x", \
		       #_p, __bad, (size_t)(_len), __pb[__bad],		\
		       (unsigned int)(_seed),				\
		       cbtest_pattern(_seed, __bad));			\
} while (0)

/* Every byte of [p, p + len) is c. */
#define ASSERT_BYTES(_p, _len, _c) do {					\
	const __u8 *__pb = (const __u8 *)(_p);				\
	const ssize_t __bad = cb_not_byte(__pb, _len, _c);		\
	ASSERT_EQ(-1, __bad)						\
		TH_LOG("%s: byte %zd of %zu is %#x, want %#x", #_p,	\
		       __bad, (size_t)(_len), __pb[__bad],		\
		       (unsigned int)(_c));				\
} while (0)

/* ---- time ------------------------------------------------------------- */

static inline void cb_msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Wait up to @ms for @events on @fd; returns the revents (0: timeout). */
static inline short cb_poll(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	if (poll(&p, 1, ms) <= 0)
		return 0;
	return p.revents;
}

/* ---- debugfs counters -------------------------------------------------- */

/*
 * Counters @names[0..@n) of /sys/kernel/debug/clientbuf/stats into @v.
 * Returns how many of the names were there, or -errno.
 */
static inline int cb_stats_read(const char *const *names, long long *v,
				int n)
{
	char name[64];
	long long val;
	FILE *f = fopen(CB_STATS, "r");
	int i, found = 0;

	if (!f)
		return -errno;
	while (fscanf(f, "%63s %lld", name, &val) == 2)
		for (i = 0; i < n; i++)
			if (!strcmp(name, names[i]))
				v[i] = val, found++;
	fclose(f);
	return found;
}

/* The live-object counters of the stats file. */
struct cb_live {
	long long clients;
	long long buffers;
	long long requests;
	long long allocations;
	long long pinned_pages;
};

static inline int cb_live_read(struct cb_live *l)
{
	static const char *const names[] = {
		"clients", "buffers", "requests", "allocations", "pinned_pages",
	};
	long long v[5] = { 0 };
	int n = cb_stats_read(names, v, 5);

	l->clients = v[0];
	l->buffers = v[1];
	l->requests = v[2];
	l->allocations = v[3];
	l->pinned_pages = v[4];
	return n < 0 ? n : n == 5 ? 0 : -EINVAL;
}

/* The four object counters (clients, buffers, requests, allocations). */
static inline bool cb_live_eq(const struct cb_live *a, const struct cb_live *b)
{
	return a->clients == b->clients && a->buffers == b->buffers &&
	       a->requests == b->requests &&
	       a->allocations == b->allocations;
}

/* All five, pinned_pages too. */
static inline bool cb_live_eq_all(const struct cb_live *a,
				  const struct cb_live *b)
{
	return cb_live_eq(a, b) && a->pinned_pages == b->pinned_pages;
}

/*
 * The test package keeps the last finished request (for
 * CBTEST_F_STALE_REQUEST), and with it its client struct: make it a NOP
 * request of a closed client, the same before and after a test, so that it
 * neither hides a request the test leaked nor counts as one.
 */
static inline int cb_live_prime(void)
{
	struct cbtest_cmd c = cbt_cmd(CBTEST_OP_NOP, CBTEST_CTX_CALLER,
				      NULL, 0, 0, 0);
	int fd = cb_open();

	if (fd < 0)
		return -errno;
	_cbt_call(fd, &c, 0, 0);
	close(fd);
	return 0;
}

static inline int cb_live_baseline(struct cb_live *l)
{
	int ret = cb_live_prime();

	return ret ? ret : cb_live_read(l);
}

/*
 * Read the counters into @now until they equal @base (cb_live_eq(), or
 * cb_live_eq_all() with @all), waiting up to a second for work items to
 * drop their references. 0, or the error of a failed read.
 */
static inline int cb_live_wait(struct cb_live *now, const struct cb_live *base,
			       bool all)
{
	int i, ret;

	for (i = 0; i < 100; i++) {
		ret = cb_live_read(now);
		if (ret)
			return ret;
		if (all ? cb_live_eq_all(now, base) : cb_live_eq(now, base))
			break;
		cb_msleep(10);
	}
	return 0;
}

/*
 * ASSERT_LIVE_EQ(base): the object counters are back at @base. Call it
 * once the test's clients are closed. ASSERT_LIVE_BASE(base) is the same,
 * but a priming call that could not open /dev/clientbuf is not itself a
 * failure (the server and async tests).
 */
#define __CB_LIVE_EQ(_base, _must_prime) do {				\
	struct cb_live __now;						\
	const int __primed = cb_live_prime();				\
	if (_must_prime) {						\
		ASSERT_EQ(0, __primed);					\
	}								\
	ASSERT_EQ(0, cb_live_wait(&__now, _base, false));		\
	EXPECT_EQ((_base)->clients, __now.clients);			\
	EXPECT_EQ((_base)->buffers, __now.buffers);			\
	EXPECT_EQ((_base)->requests, __now.requests);			\
	ASSERT_EQ((_base)->allocations, __now.allocations);		\
	ASSERT_TRUE(cb_live_eq(&__now, _base));				\
} while (0)
#define ASSERT_LIVE_EQ(_base)	__CB_LIVE_EQ(_base, 1)
#define ASSERT_LIVE_BASE(_base)	__CB_LIVE_EQ(_base, 0)

/* ---- child processes --------------------------------------------------- */

/*
 * Write (@wr) or read exactly @len bytes; when reading with @ms >= 0, each
 * read waits at most @ms for data. 0, or -1 on EOF, error or timeout.
 */
static inline int __cb_io_full(int fd, void *p, size_t len, int ms, bool wr)
{
	char *b = p;

	while (len) {
		ssize_t n;

		if (!wr && ms >= 0 &&
		    !(cb_poll(fd, POLLIN, ms) & (POLLIN | POLLHUP)))
			return -1;
		n = wr ? write(fd, b, len) : read(fd, b, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static inline int cb_write_full(int fd, const void *p, size_t len)
{
	return __cb_io_full(fd, (void *)p, len, -1, true);
}

/* Read exactly @len bytes within @ms for each read (-1: no limit). */
static inline int cb_read_timed(int fd, void *p, size_t len, int ms)
{
	return __cb_io_full(fd, p, len, ms, false);
}

static inline int cb_read_full(int fd, void *p, size_t len)
{
	return cb_read_timed(fd, p, len, -1);
}

/* Exit status of a child, or -1 if it did not exit normally. */
static inline int cb_wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Kill a child and reap it; true if SIGKILL is what ended it. */
static inline bool cb_kill_child(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

/*
 * A copy server: a second process that runs CBTEST_IOC_COPY on held
 * requests for the test (the registered-mm path from another process).
 * Requests and answers are struct cbtest_remote; the answer's @done is
 * the ioctl's errno.
 */
struct cb_server {
	pid_t pid;
	int req;	/* test -> server */
	int resp;	/* server -> test */
};

static inline void cb_server_loop(int in, int out, int tfd)
{
	struct cbtest_remote r;

	while (!cb_read_full(in, &r, sizeof(r))) {
		r.done = (__u32)cbt_ioctl(tfd, CBTEST_IOC_COPY, &r);
		if (cb_write_full(out, &r, sizeof(r)))
			break;
	}
}

/* Start a server; @client_fd (the test's /dev/clientbuf) is closed there. */
static inline int cb_server_start(struct cb_server *s, int client_fd)
{
	int to[2], from[2], tfd;

	if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC))
		return -1;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (!s->pid) {
		if (client_fd >= 0)
			close(client_fd);
		close(to[1]);
		close(from[0]);
		tfd = cbt_open();
		if (tfd < 0)
			_exit(2);
		cb_server_loop(to[0], from[1], tfd);
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	s->req = to[1];
	s->resp = from[0];
	return 0;
}

/* Run CBTEST_IOC_COPY in the server. */
static inline struct cb_res cb_server_copy_flags(struct cb_server *s,
						 __u32 handle, __u32 op,
						 const void *addr, __u32 len,
						 __u32 seed, __u32 flags)
{
	struct cbtest_remote r = cbt_remote(handle, op, addr, len, seed);
	struct cb_res res = { .err = CB_NO_ERRNO, .status = 0xdeaddeadU };

	r.flags = flags;
	if (cb_write_full(s->req, &r, sizeof(r)) ||
	    cb_read_full(s->resp, &r, sizeof(r)))
		return res;
	res.status = r.done ? 0xdead0000U | r.done : r.status;
	res.proto = r.protocol_status;
	res.ret_addr = r.result_addr;
	return res;
}

static inline struct cb_res cb_server_copy(struct cb_server *s, __u32 handle,
					   __u32 op, const void *addr,
					   __u32 len, __u32 seed)
{
	return cb_server_copy_flags(s, handle, op, addr, len, seed, 0);
}

/* Stop the server; returns its exit status (0 when it was fine). */
static inline int cb_server_stop(struct cb_server *s)
{
	int ret;

	if (s->pid <= 0)
		return 0;
	close(s->req);
	close(s->resp);
	ret = cb_wait_child(s->pid);
	s->pid = 0;
	return ret;
}

/*
 * Run @argv as @uid (real, effective and saved, with its gid the same;
 * -1: as the caller) with @in_len bytes of @input on stdin, its stdout and
 * stderr into @out (@size bytes, NUL-terminated); the exit status, or -1.
 */
static inline int cb_run_cmd_as(uid_t uid, const void *input, size_t in_len,
				char *out, size_t size, char *const argv[])
{
	int in[2], res[2], status;
	size_t n = 0;
	ssize_t got;
	pid_t pid;

	out[0] = 0;
	if (pipe2(in, O_CLOEXEC) || pipe2(res, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(in[0], 0);
		dup2(res[1], 1);
		dup2(res[1], 2);
		if (uid != (uid_t)-1 &&
		    (setresgid(uid, uid, uid) || setresuid(uid, uid, uid)))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(res[1]);
	if (in_len && write(in[1], input, in_len) != (ssize_t)in_len)
		n = 0;
	close(in[1]);
	while (n < size - 1 && (got = read(res[0], out + n, size - 1 - n)) > 0)
		n += got;
	out[n] = 0;
	close(res[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* cb_run_cmd_as() as the caller. */
static inline int cb_run_cmd(const void *input, size_t in_len, char *out,
			     size_t size, char *const argv[])
{
	return cb_run_cmd_as((uid_t)-1, input, in_len, out, size, argv);
}

/* clientbuf.ko's module parameters, for the tests that change them. */
#define CB_PARAMS	"/sys/module/clientbuf/parameters/"

/*
 * Read the number in the file @path (decimal, or 0x hex) into @v (0 on
 * an error); 0 or -errno.
 */
static inline int cb_read_ull(const char *path, unsigned long long *v)
{
	char b[64];
	ssize_t n;
	int fd;

	*v = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	b[n] = 0;
	*v = strtoull(b, NULL, 0);
	return 0;
}

/* Read clientbuf's module parameter @name into @v; 0 or -errno. */
static inline int cb_param_read(const char *name, unsigned long long *v)
{
	char path[128];

	snprintf(path, sizeof(path), CB_PARAMS "%s", name);
	return cb_read_ull(path, v);
}

/* Write @v to clientbuf's module parameter @name; 0 or -errno. */
static inline int cb_param_write(const char *name, unsigned long long v)
{
	char path[128], b[64];
	int fd, n, ret = 0;

	snprintf(path, sizeof(path), CB_PARAMS "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(b, sizeof(b), "%llu\n", v);
	if (write(fd, b, n) != n)
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

/* State letter of /proc/@pid/stat ('R', 'S', 'D', 'Z', ...), or 0. */
static inline char cb_proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

#endif /* _CLIENTBUF_UTIL_H */
