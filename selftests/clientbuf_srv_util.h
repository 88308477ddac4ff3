/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clientbuf selftests: helpers of clientbuf_server.c and clientbuf_async.c
 * (package servers and asynchronous calls).
 *
 * Every operation returns a struct srv_res - the ioctl's errno and the
 * NTSTATUS written back - and the tests assert both with ASSERT_SRV(errno,
 * status, expr). Child processes never use the harness macros: they report
 * through pipes and their exit code. Threads other than the test's own
 * never assert either: they store what they saw for the test to check.
 */
#ifndef _CLIENTBUF_SRV_UTIL_H
#define _CLIENTBUF_SRV_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
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

#include "clientbuf_test_abi.h"
#include "kselftest_harness.h"

#define SRV_DEV		"/dev/" CLIENTBUF_DEVICE_NAME
#define SRV_TEST_DEV	"/dev/clientbuf_test"
#define SRV_STATS	"/sys/kernel/debug/clientbuf/stats"

/* errno of an operation that has none (a pipe message that never came) */
#define SRV_NO_REPLY	(-1)

struct srv_res {
	int err;		/* errno of the ioctl, 0 on success */
	__u32 status;		/* NTSTATUS written back */
};

static inline const char *srv_status_name(__u32 st)
{
	switch (st) {
	case CLIENTBUF_STATUS_SUCCESS: return "SUCCESS";
	case CLIENTBUF_STATUS_PENDING: return "PENDING";
	case CLIENTBUF_STATUS_PARTIAL_COPY: return "PARTIAL_COPY";
	case CLIENTBUF_STATUS_UNSUCCESSFUL: return "UNSUCCESSFUL";
	case CLIENTBUF_STATUS_ACCESS_VIOLATION: return "ACCESS_VIOLATION";
	case CLIENTBUF_STATUS_INVALID_HANDLE: return "INVALID_HANDLE";
	case CLIENTBUF_STATUS_INVALID_PARAMETER: return "INVALID_PARAMETER";
	case CLIENTBUF_STATUS_NO_MEMORY: return "NO_MEMORY";
	case CLIENTBUF_STATUS_ACCESS_DENIED: return "ACCESS_DENIED";
	case CLIENTBUF_STATUS_BUFFER_TOO_SMALL: return "BUFFER_TOO_SMALL";
	case CLIENTBUF_STATUS_QUOTA_EXCEEDED: return "QUOTA_EXCEEDED";
	case CLIENTBUF_STATUS_INSUFFICIENT_RESOURCES:
		return "INSUFFICIENT_RESOURCES";
	case CLIENTBUF_STATUS_NOT_SUPPORTED: return "NOT_SUPPORTED";
	case CLIENTBUF_STATUS_NO_SUCH_PACKAGE: return "NO_SUCH_PACKAGE";
	case CLIENTBUF_STATUS_PROCESS_IS_TERMINATING:
		return "PROCESS_IS_TERMINATING";
	case CLIENTBUF_STATUS_CANCELLED: return "CANCELLED";
	case CLIENTBUF_STATUS_DEVICE_BUSY: return "DEVICE_BUSY";
	case CLIENTBUF_STATUS_OBJECT_NAME_COLLISION:
		return "OBJECT_NAME_COLLISION";
	case CLIENTBUF_STATUS_PORT_DISCONNECTED: return "PORT_DISCONNECTED";
	}
	return "?";
}

/* ASSERT_SRV(errno, status, expr): exactly this errno and this NTSTATUS. */
#define __SRV_RES(_assert, _err, _status, _res) do {			\
	const struct srv_res __r = (_res);				\
	const __u32 __want = (__u32)(_status);				\
	const int __werr = (_err);					\
	__EXPECT(__want, #_status, __r.status, "status of " #_res, ==, \
		 _assert)						\
		TH_LOG("status %#x (%s), want %#x (%s); errno %d (%s)", \
		       __r.status, srv_status_name(__r.status), __want,	\
		       srv_status_name(__want), __r.err,		\
		       __r.err > 0 ? strerror(__r.err) : "-");		\
	__EXPECT(__werr, #_err, __r.err, "errno of " #_res, ==, _assert) \
		TH_LOG("errno %d (%s), want %d (%s); status %#x (%s)",	\
		       __r.err, __r.err > 0 ? strerror(__r.err) : "-",	\
		       __werr, strerror(__werr), __r.status,		\
		       srv_status_name(__r.status));			\
} while (0)
#define ASSERT_SRV(_err, _status, _res) __SRV_RES(1, _err, _status, _res)
#define EXPECT_SRV(_err, _status, _res) __SRV_RES(0, _err, _status, _res)
#define ASSERT_SRV_OK(_res) ASSERT_SRV(0, CLIENTBUF_STATUS_SUCCESS, _res)

static inline int srv_open(void)
{
	return open(SRV_DEV, O_RDWR | O_CLOEXEC);
}

static inline int srv_get_info(int fd, struct clientbuf_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, CLIENTBUF_IOC_GET_INFO, info) ? errno : 0;
}

/* A package name no other test (or run) uses. */
static inline void srv_name(char *name, size_t len, const char *tag)
{
	static unsigned int n;

	snprintf(name, len, "%s.%d.%u", tag, (int)getpid(), n++);
}

/* ---- CLIENTBUF_IOC_SERVE / SERVER_OP ------------------------------------ */

static inline struct srv_res srv_serve_raw(int fd, struct clientbuf_serve *s)
{
	struct srv_res r;

	s->size = sizeof(*s);
	s->status = 0xdeadbeef;
	r.err = ioctl(fd, CLIENTBUF_IOC_SERVE, s) ? errno : 0;
	r.status = s->status;
	return r;
}

static inline struct srv_res srv_serve(int fd, const char *name)
{
	struct clientbuf_serve s;

	memset(&s, 0, sizeof(s));
	memcpy(s.package, name, strnlen(name, sizeof(s.package) - 1));
	return srv_serve_raw(fd, &s);
}

static inline struct srv_res srv_op_raw(int fd, struct clientbuf_server_op *o)
{
	struct srv_res r;

	o->size = sizeof(*o);
	o->status = 0xdeadbeef;
	r.err = ioctl(fd, CLIENTBUF_IOC_SERVER_OP, o) ? errno : 0;
	r.status = o->status;
	return r;
}

static inline struct clientbuf_server_op srv_op_init(__u32 op, __u64 call_id)
{
	struct clientbuf_server_op o;

	memset(&o, 0, sizeof(o));
	o.op = op;
	o.call_id = call_id;
	return o;
}

static inline struct srv_res srv_copy_to(int fd, __u64 id, __u64 caddr,
					 const void *src, __u32 len)
{
	struct clientbuf_server_op o = srv_op_init(CLIENTBUF_SRV_COPY_TO, id);

	o.client_addr = caddr;
	o.server_addr = (uintptr_t)src;
	o.len = len;
	return srv_op_raw(fd, &o);
}

static inline struct srv_res srv_copy_from(int fd, __u64 id, void *dst,
					   __u64 caddr, __u32 len)
{
	struct clientbuf_server_op o =
		srv_op_init(CLIENTBUF_SRV_COPY_FROM, id);

	o.client_addr = caddr;
	o.server_addr = (uintptr_t)dst;
	o.len = len;
	return srv_op_raw(fd, &o);
}

/* A vectored copy; *@index gets result_addr (the failing segment). */
static inline struct srv_res srv_copy_vec(int fd, __u64 id, __u32 op,
					  const struct clientbuf_segment *seg,
					  __u32 n, __u64 *index)
{
	struct clientbuf_server_op o = srv_op_init(op, id);
	struct srv_res r;

	o.server_addr = (uintptr_t)seg;
	o.len = n;
	o.result_addr = 0xdeadbeef;
	r = srv_op_raw(fd, &o);
	if (index)
		*index = o.result_addr;
	return r;
}

static inline struct srv_res srv_alloc(int fd, __u64 id, __u32 len,
				       __u64 *block)
{
	struct clientbuf_server_op o = srv_op_init(CLIENTBUF_SRV_ALLOC, id);
	struct srv_res r;

	o.len = len;
	o.result_addr = 0xdeadbeef;
	r = srv_op_raw(fd, &o);
	if (block)
		*block = o.result_addr;
	return r;
}

static inline struct srv_res srv_free(int fd, __u64 id, __u64 caddr)
{
	struct clientbuf_server_op o = srv_op_init(CLIENTBUF_SRV_FREE, id);

	o.client_addr = caddr;
	return srv_op_raw(fd, &o);
}

static inline struct srv_res srv_complete(int fd, __u64 id, __u32 status,
					  __u32 proto, __u64 ret_addr,
					  __u32 ret_len)
{
	struct clientbuf_server_op o =
		srv_op_init(CLIENTBUF_SRV_COMPLETE, id);

	o.call_status = status;
	o.protocol_status = proto;
	o.client_addr = ret_addr;
	o.len = ret_len;
	return srv_op_raw(fd, &o);
}

/* Wait up to @ms for @events on @fd; returns the revents (0: timeout). */
static inline short srv_poll(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	if (poll(&p, 1, ms) <= 0)
		return 0;
	return p.revents;
}

/* ---- CLIENTBUF_IOC_CALL_PACKAGE ----------------------------------------- */

struct srv_call {
	int err;
	struct clientbuf_call c;
};

static inline struct srv_call srv_call(int fd, const char *pkg,
				       const void *submit, __u32 len,
				       __u32 flags, __u32 ret_id)
{
	struct srv_call r;

	memset(&r, 0, sizeof(r));
	r.c.size = sizeof(r.c);
	r.c.flags = flags;
	memcpy(r.c.package, pkg, strnlen(pkg, sizeof(r.c.package) - 1));
	r.c.submit_addr = (uintptr_t)submit;
	r.c.submit_len = len;
	r.c.return_buf_id = ret_id;
	r.c.status = 0xdeadbeef;
	r.c.protocol_status = 0xdeadbeef;
	r.err = ioctl(fd, CLIENTBUF_IOC_CALL_PACKAGE, &r.c) ? errno : 0;
	return r;
}

static inline struct srv_res srv_call_res(const struct srv_call *c)
{
	struct srv_res r = { .err = c->err, .status = c->c.status };

	return r;
}

static inline struct srv_res srv_register(int fd, __u32 flags, void *addr,
					  __u64 len, __u32 *id)
{
	struct clientbuf_register reg = {
		.size = sizeof(reg), .flags = flags,
		.addr = (uintptr_t)addr, .len = len, .status = 0xdeadbeef,
	};
	struct srv_res r;

	r.err = ioctl(fd, CLIENTBUF_IOC_REGISTER, &reg) ? errno : 0;
	r.status = reg.status;
	if (id)
		*id = reg.id;
	return r;
}

/* Read one completion record within @ms; 0 or an errno (ETIMEDOUT). */
static inline int srv_read_completion(int fd, struct clientbuf_completion *c,
				      int ms)
{
	ssize_t n;

	if (!(srv_poll(fd, POLLIN, ms) & POLLIN))
		return ETIMEDOUT;
	n = read(fd, c, sizeof(*c));
	if (n < 0)
		return errno;
	return n == sizeof(*c) ? 0 : EIO;
}

/* ---- memory, pipes, children -------------------------------------------- */

static inline void *srv_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static inline void srv_fill(void *p, size_t len, __u32 seed)
{
	__u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = cbtest_pattern(seed, i);
}

static inline bool srv_is_pattern(const void *p, size_t len, __u32 seed)
{
	const __u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != cbtest_pattern(seed, i))
			return false;
	return true;
}

static inline int srv_write_full(int fd, const void *p, size_t len)
{
	const char *b = p;

	while (len) {
		ssize_t n = write(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read exactly @len bytes within @ms; 0, or -1 on EOF/error/timeout. */
static inline int srv_read_full(int fd, void *p, size_t len, int ms)
{
	char *b = p;

	while (len) {
		ssize_t n;

		if (ms >= 0 && !(srv_poll(fd, POLLIN, ms) & (POLLIN | POLLHUP)))
			return -1;
		n = read(fd, b, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Exit status of a child, or -1 if it did not exit normally. */
static inline int srv_wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Kill a child and reap it; true if SIGKILL is what ended it. */
static inline bool srv_kill_child(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

/* ---- debugfs live-object counters ---------------------------------------- */

struct srv_live {
	long long clients, buffers, requests, allocations;
};

static inline int srv_live_read(struct srv_live *l)
{
	char name[64];
	long long v;
	FILE *f = fopen(SRV_STATS, "r");
	int n = 0;

	if (!f)
		return -errno;
	memset(l, 0, sizeof(*l));
	while (fscanf(f, "%63s %lld", name, &v) == 2) {
		if (!strcmp(name, "clients"))
			l->clients = v, n++;
		else if (!strcmp(name, "buffers"))
			l->buffers = v, n++;
		else if (!strcmp(name, "requests"))
			l->requests = v, n++;
		else if (!strcmp(name, "allocations"))
			l->allocations = v, n++;
	}
	fclose(f);
	return n == 4 ? 0 : -EINVAL;
}

static inline bool srv_live_eq(const struct srv_live *a,
			       const struct srv_live *b)
{
	return a->clients == b->clients && a->buffers == b->buffers &&
	       a->requests == b->requests && a->allocations == b->allocations;
}

static inline void srv_msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * The test package keeps its last finished request (for
 * CBTEST_F_STALE_REQUEST), and with it that request's client struct. Make
 * one such call from a throwaway fd before reading a baseline, and again
 * before comparing, so that this one reference is the same on both sides.
 */
static inline void srv_settle_test_package(void)
{
	struct cbtest_cmd c = { .op = CBTEST_OP_NOP };
	int fd = srv_open();

	if (fd < 0)
		return;
	srv_call(fd, CBTEST_PACKAGE, &c, sizeof(c), 0, 0);
	close(fd);
}

static inline int srv_live_baseline(struct srv_live *l)
{
	srv_settle_test_package();
	return srv_live_read(l);
}

/* The live counters are back at @base (within a second). */
#define ASSERT_LIVE_BASE(_base) do {					\
	struct srv_live __now;						\
	int __i;							\
	srv_settle_test_package();					\
	for (__i = 0; __i < 100; __i++) {				\
		ASSERT_EQ(0, srv_live_read(&__now));			\
		if (srv_live_eq(&__now, _base))				\
			break;						\
		srv_msleep(10);						\
	}								\
	EXPECT_EQ((_base)->clients, __now.clients);			\
	EXPECT_EQ((_base)->buffers, __now.buffers);			\
	EXPECT_EQ((_base)->requests, __now.requests);			\
	ASSERT_EQ((_base)->allocations, __now.allocations);		\
	ASSERT_TRUE(srv_live_eq(&__now, _base));			\
} while (0)

#endif /* _CLIENTBUF_SRV_UTIL_H */
