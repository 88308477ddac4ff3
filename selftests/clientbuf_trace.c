// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_trace - the trace events of /sys/kernel/tracing/events/clientbuf/
 * and the counters of /sys/kernel/debug/clientbuf/stats
 * (Documentation/ABI/testing/tracefs-clientbuf, debugfs-clientbuf).
 *
 * Each test enables the clientbuf events on an empty trace buffer, makes
 * a client register a buffer, call the "clientbuf_test" package to copy
 * into it and unregister it, then finds each event in the trace buffer
 * with all its fields (tgid, buffer id, request id, path, length, NTSTATUS)
 * and checks that the counters moved by exactly what was done and that
 * the live-object counters are back where they started.
 *
 * Self-contained: it needs only the uapi header and the test package's
 * ABI. The trace buffer is global, so this program must not run alongside
 * another user of the clientbuf events (the kselftest runner runs one
 * program at a time).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <linux/clientbuf.h>

#include "clientbuf_test_abi.h"
#include "kselftest_harness.h"
#include "clientbuf_skip.h"

#define TRACEFS		"/sys/kernel/tracing"
#define EVENTS		TRACEFS "/events/clientbuf"
#define STATS		"/sys/kernel/debug/clientbuf/stats"
#define LEN		3000	/* not a page: the length must show */
#define SEED		0x5eed

/* ---- files ----------------------------------------------------------- */

static int write_file(const char *path, const char *s, int flags)
{
	int fd = open(path, O_WRONLY | flags);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/* The whole of a (pseudo) file, NUL-terminated; NULL on error. */
static char *read_file(const char *path)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				break;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* ---- tracefs ----------------------------------------------------------- */

/* Mount tracefs if /init has not; 0 when the clientbuf events are there. */
static int trace_available(void)
{
	struct stat st;

	if (stat(EVENTS, &st) == 0)
		return 0;
	if (stat(TRACEFS "/trace", &st) != 0)
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	return stat(EVENTS, &st) == 0 ? 0 : -ENOENT;
}

/* Empty the trace buffer and record only the clientbuf events. */
static int trace_start(void)
{
	int ret;

	ret = write_file(TRACEFS "/tracing_on", "0", 0);
	if (!ret)
		ret = write_file(TRACEFS "/events/enable", "0", 0);
	if (!ret)
		ret = write_file(EVENTS "/enable", "1", 0);
	if (!ret)
		ret = write_file(TRACEFS "/trace", "", O_TRUNC);
	if (!ret)
		ret = write_file(TRACEFS "/tracing_on", "1", 0);
	return ret;
}

static void trace_stop(void)
{
	write_file(EVENTS "/enable", "0", 0);
}

/*
 * The line of the trace buffer that holds "EVENT: FIELDS", formatted as
 * TP_printk() prints them, or NULL. The text must match up to its end, so
 * that "len=30" does not match "len=3000".
 */
static const char *trace_find(const char *trace, const char *fmt, ...)
{
	char want[512];
	const char *p = trace;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	n = strlen(want);
	while ((p = strstr(p, want))) {
		if (p[n] == '\n' || p[n] == '\0' || p[n] == ' ')
			return p;
		p += n;
	}
	return NULL;
}

#define ASSERT_EVENT(_trace, _fmt, ...) do {				\
	char __w[512];							\
	snprintf(__w, sizeof(__w), _fmt, ##__VA_ARGS__);		\
	ASSERT_NE(NULL, trace_find(_trace, "%s", __w))			\
		TH_LOG("no \"%s\" in the trace buffer:\n%s", __w, _trace); \
} while (0)

/* ---- debugfs counters ---------------------------------------------------- */

struct stats {
	long long clients, buffers, requests, allocations, pinned_pages;
	long long copies_client_context, copies_kthread;
	long long bytes_client_context, bytes_kthread;
	long long calls, failed_copies;
	int found;
};

static int stats_read(struct stats *s)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
#define F(x) { #x, offsetof(struct stats, x) }
		F(clients), F(buffers), F(requests), F(allocations),
		F(pinned_pages), F(copies_client_context), F(copies_kthread),
		F(bytes_client_context), F(bytes_kthread), F(calls),
		F(failed_copies),
#undef F
	};
	char name[64];
	long long v;
	size_t i;
	FILE *f = fopen(STATS, "r");

	if (!f)
		return -errno;
	memset(s, 0, sizeof(*s));
	while (fscanf(f, "%63s %lld", name, &v) == 2)
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (!strcmp(name, fields[i].name)) {
				*(long long *)((char *)s + fields[i].off) = v;
				s->found++;
			}
	fclose(f);
	return s->found == sizeof(fields) / sizeof(fields[0]) ? 0 : -EINVAL;
}

static int stats_live_eq(const struct stats *a, const struct stats *b)
{
	return a->clients == b->clients && a->buffers == b->buffers &&
	       a->requests == b->requests &&
	       a->allocations == b->allocations &&
	       a->pinned_pages == b->pinned_pages;
}

/* ---- clientbuf --------------------------------------------------------- */

static int cb_register(int fd, void *addr, __u64 len, __u32 flags,
		       struct clientbuf_register *r)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	r->flags = flags;
	r->addr = (uintptr_t)addr;
	r->len = len;
	r->status = 0xdeadbeef;
	return ioctl(fd, CLIENTBUF_IOC_REGISTER, r) ? errno : 0;
}

static int cb_unregister(int fd, __u32 id, __u32 *status)
{
	struct clientbuf_unregister u = {
		.size = sizeof(u), .id = id, .status = 0xdeadbeef,
	};
	int err = ioctl(fd, CLIENTBUF_IOC_UNREGISTER, &u) ? errno : 0;

	*status = u.status;
	return err;
}

/* One operation of the test package; fills @c (status, request_id). */
static int cbt_call(int fd, __u32 op, __u32 ctx, const void *addr, __u32 len,
		    struct clientbuf_call *c)
{
	static struct cbtest_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = op;
	cmd.ctx = ctx;
	cmd.addr = (uintptr_t)addr;
	cmd.len = len;
	cmd.seed = SEED;
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	strncpy(c->package, CBTEST_PACKAGE, sizeof(c->package) - 1);
	c->submit_addr = (uintptr_t)&cmd;
	c->submit_len = sizeof(cmd);
	c->status = 0xdeadbeef;
	return ioctl(fd, CLIENTBUF_IOC_CALL_PACKAGE, c) ? errno : 0;
}

/*
 * The test package keeps its last finished request, and with it that
 * request's client: make a call from a client of its own, so that the
 * live counters read the same before and after a test.
 */
static void cbt_settle(void)
{
	struct clientbuf_call c;
	int fd = open("/dev/" CLIENTBUF_DEVICE_NAME, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	cbt_call(fd, CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL, 0, &c);
	close(fd);
}

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- tests ---------------------------------------------------------------- */

FIXTURE(trace) {
	int fd;
	size_t page;
	__u8 *buf;
	size_t buf_len;
	struct stats before;
	char *trace;
};

FIXTURE_SETUP(trace)
{
	self->fd = -1;
	self->trace = NULL;
	self->page = (size_t)sysconf(_SC_PAGESIZE);
	self->buf_len = 4 * self->page;
	self->buf = mmap(NULL, self->buf_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);

	if (access("/dev/" CLIENTBUF_DEVICE_NAME, R_OK | W_OK))
		SKIP(return, "no /dev/clientbuf (module not loaded)");
	if (trace_available())
		SKIP(return, "no %s (tracefs or CONFIG_EVENT_TRACING)",
		     EVENTS);
	if (access(STATS, R_OK))
		SKIP(return, "no %s (debugfs)", STATS);

	cbt_settle();
	ASSERT_EQ(0, stats_read(&self->before));
	ASSERT_EQ(0, trace_start());
	self->fd = open("/dev/" CLIENTBUF_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(trace)
{
	if (self->fd >= 0)
		close(self->fd);
	trace_stop();
	free(self->trace);
	munmap(self->buf, self->buf_len);
}

/* Read the trace buffer into self->trace once the client is closed. */
#define TRACE_READ() do {						\
	if (self->fd >= 0)						\
		close(self->fd);					\
	self->fd = -1;							\
	self->trace = read_file(TRACEFS "/trace");			\
	ASSERT_NE(NULL, self->trace);					\
} while (0)

/* The live counters are back at the baseline (work items may lag). */
#define ASSERT_LIVE_BACK() do {						\
	struct stats __now;						\
	int __i;							\
	cbt_settle();							\
	for (__i = 0; __i < 100; __i++) {				\
		ASSERT_EQ(0, stats_read(&__now));			\
		if (stats_live_eq(&__now, &self->before))		\
			break;						\
		msleep(10);						\
	}								\
	EXPECT_EQ(self->before.clients, __now.clients);			\
	EXPECT_EQ(self->before.buffers, __now.buffers);			\
	EXPECT_EQ(self->before.requests, __now.requests);		\
	EXPECT_EQ(self->before.allocations, __now.allocations);		\
	EXPECT_EQ(self->before.pinned_pages, __now.pinned_pages);	\
} while (0)

/*
 * register, a copy in the client's context, unregister: every event with
 * every field, and the counters.
 */
TEST_F(trace, register_copy_unregister)
{
	struct clientbuf_register reg;
	struct clientbuf_call call;
	struct stats after, live;
	__u32 flags = CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ;
	__u8 *dst = self->buf + 100;
	__u32 st;
	size_t i;

	ASSERT_EQ(0, cb_register(self->fd, self->buf, self->buf_len, flags,
				 &reg));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, reg.status);
	ASSERT_NE(0, reg.id);

	ASSERT_EQ(0, stats_read(&live));
	EXPECT_EQ(self->before.clients + 1, live.clients);
	EXPECT_EQ(self->before.buffers + 1, live.buffers);

	ASSERT_EQ(0, cbt_call(self->fd, CBTEST_OP_COPY_TO, CBTEST_CTX_CALLER,
			      dst, LEN, &call));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, call.status);
	ASSERT_NE(0, call.request_id);
	for (i = 0; i < LEN; i++)
		ASSERT_EQ(cbtest_pattern(SEED, i), dst[i]);

	ASSERT_EQ(0, cb_unregister(self->fd, reg.id, &st));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, st);
	TRACE_READ();

	ASSERT_EVENT(self->trace,
		     "clientbuf_register: tgid=%d id=%u addr=0x%llx len=%llu flags=0x%x status=0x00000000",
		     getpid(), reg.id, (unsigned long long)(uintptr_t)self->buf,
		     (unsigned long long)self->buf_len, flags);
	ASSERT_EVENT(self->trace,
		     "clientbuf_call_start: tgid=%d req=%llu package=%s submit_len=%zu async=0",
		     getpid(), (unsigned long long)call.request_id,
		     CBTEST_PACKAGE, sizeof(struct cbtest_cmd));
	ASSERT_EVENT(self->trace,
		     "clientbuf_copy: req=%llu path=client_context dir=to_client addr=0x%llx len=%u status=0x00000000",
		     (unsigned long long)call.request_id,
		     (unsigned long long)(uintptr_t)dst, LEN);
	ASSERT_EVENT(self->trace,
		     "clientbuf_call_end: req=%llu status=0x00000000",
		     (unsigned long long)call.request_id);
	ASSERT_EVENT(self->trace,
		     "clientbuf_unregister: tgid=%d id=%u status=0x00000000",
		     getpid(), reg.id);

	ASSERT_EQ(0, stats_read(&after));
	EXPECT_EQ(self->before.calls + 1, after.calls);
	EXPECT_EQ(self->before.copies_client_context + 1,
		  after.copies_client_context);
	EXPECT_EQ(self->before.bytes_client_context + LEN,
		  after.bytes_client_context);
	EXPECT_EQ(self->before.copies_kthread, after.copies_kthread);
	EXPECT_EQ(self->before.failed_copies, after.failed_copies);
	ASSERT_LIVE_BACK();
}

/* A copy from a kthread is traced and counted as the kthread path. */
TEST_F(trace, kthread_copy)
{
	struct clientbuf_register reg;
	struct clientbuf_call call;
	struct stats after;
	__u8 *dst = self->buf + self->page - 8;	/* crosses a page */
	__u32 st;

	ASSERT_EQ(0, cb_register(self->fd, self->buf, self->buf_len,
				 CLIENTBUF_BUF_WRITE, &reg));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, reg.status);
	ASSERT_EQ(0, cbt_call(self->fd, CBTEST_OP_COPY_TO, CBTEST_CTX_KTHREAD,
			      dst, LEN, &call));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, call.status);
	ASSERT_EQ(0, cb_unregister(self->fd, reg.id, &st));
	TRACE_READ();

	ASSERT_EVENT(self->trace,
		     "clientbuf_copy: req=%llu path=kthread dir=to_client addr=0x%llx len=%u status=0x00000000",
		     (unsigned long long)call.request_id,
		     (unsigned long long)(uintptr_t)dst, LEN);
	ASSERT_EVENT(self->trace,
		     "clientbuf_call_end: req=%llu status=0x00000000",
		     (unsigned long long)call.request_id);

	ASSERT_EQ(0, stats_read(&after));
	EXPECT_EQ(self->before.calls + 1, after.calls);
	EXPECT_EQ(self->before.copies_kthread + 1, after.copies_kthread);
	EXPECT_EQ(self->before.bytes_kthread + LEN, after.bytes_kthread);
	EXPECT_EQ(self->before.copies_client_context,
		  after.copies_client_context);
	ASSERT_LIVE_BACK();
}

/*
 * A copy that straddles the end of the registered buffer: refused before
 * any byte moves, traced with its NTSTATUS, counted as a failed copy only.
 */
TEST_F(trace, failing_copy)
{
	struct clientbuf_register reg;
	struct clientbuf_call call;
	struct stats after;
	__u8 *dst = self->buf + self->page - 16;
	__u32 st;

	/* one page registered; the copy runs 16 bytes into it */
	ASSERT_EQ(0, cb_register(self->fd, self->buf, self->page,
				 CLIENTBUF_BUF_WRITE, &reg));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, reg.status);
	memset(self->buf, 0xaa, self->buf_len);
	EXPECT_EQ(EFAULT, cbt_call(self->fd, CBTEST_OP_COPY_TO,
				   CBTEST_CTX_CALLER, dst, 64, &call));
	ASSERT_EQ(CLIENTBUF_STATUS_ACCESS_VIOLATION, call.status);
	ASSERT_EQ(0xaa, dst[0]);
	ASSERT_EQ(0, cb_unregister(self->fd, reg.id, &st));
	TRACE_READ();

	ASSERT_EVENT(self->trace,
		     "clientbuf_copy: req=%llu path=client_context dir=to_client addr=0x%llx len=64 status=0xc0000005",
		     (unsigned long long)call.request_id,
		     (unsigned long long)(uintptr_t)dst);
	ASSERT_EVENT(self->trace,
		     "clientbuf_call_end: req=%llu status=0xc0000005",
		     (unsigned long long)call.request_id);

	ASSERT_EQ(0, stats_read(&after));
	EXPECT_EQ(self->before.calls + 1, after.calls);
	EXPECT_EQ(self->before.failed_copies + 1, after.failed_copies);
	EXPECT_EQ(self->before.copies_client_context,
		  after.copies_client_context);
	EXPECT_EQ(self->before.bytes_client_context,
		  after.bytes_client_context);
	ASSERT_LIVE_BACK();
}

/* Every field of every event, as the format file lists them. */
TEST_F(trace, formats)
{
	static const struct {
		const char *event;
		const char *fields[7];
	} ev[] = {
		{ "clientbuf_register", { "pid_t tgid;", "u32 id;",
		  "u64 addr;", "u64 len;", "u32 flags;", "u32 status;" } },
		{ "clientbuf_unregister", { "pid_t tgid;", "u32 id;",
		  "u32 status;" } },
		{ "clientbuf_call_start", { "pid_t tgid;", "u64 req_id;",
		  "char package[32];", "u32 submit_len;", "bool async;" } },
		{ "clientbuf_call_end", { "u64 req_id;", "u32 status;",
		  "u32 protocol_status;", "u32 return_len;" } },
		{ "clientbuf_copy", { "u64 req_id;", "int path;",
		  "bool to_client;", "u64 addr;", "u32 len;",
		  "u32 status;" } },
	};
	char path[160], *fmt, *p;
	size_t i, j, n;

	for (i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		snprintf(path, sizeof(path), EVENTS "/%s/format", ev[i].event);
		fmt = read_file(path);
		ASSERT_NE(NULL, fmt) TH_LOG("%s", path);
		/* the event's own fields, after the common_* ones */
		for (j = 0, n = 0; j < 7 && ev[i].fields[j]; j++) {
			snprintf(path, sizeof(path), "field:%s",
				 ev[i].fields[j]);
			EXPECT_NE(NULL, strstr(fmt, path))
				TH_LOG("%s: no \"%s\" in\n%s", ev[i].event,
				       path, fmt);
		}
		for (p = fmt; (p = strstr(p, "field:")); p++)
			if (!strstr(p, "common_") ||
			    strstr(p, "common_") > strchr(p, ';'))
				n++;
		EXPECT_EQ(j, n) TH_LOG("%s: fields not tested:\n%s",
				       ev[i].event, fmt);
		free(fmt);
	}
}

/* An ALLOC_COPY call: call_end with its return_len; COPY_FROM paths. */
TEST_F(trace, call_end_fields)
{
	struct clientbuf_register reg;
	struct clientbuf_call call, bad;
	__u32 st;

	ASSERT_EQ(0, cb_register(self->fd, self->buf, self->buf_len,
				 CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ |
				 CLIENTBUF_BUF_ALLOC, &reg));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, reg.status);
	ASSERT_EQ(0, cbt_call(self->fd, CBTEST_OP_ALLOC_COPY,
			      CBTEST_CTX_CALLER, NULL, LEN, &call));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, call.status);
	ASSERT_EQ(LEN, call.return_len);
	/* bytes that are not the pattern: protocol_status UNSUCCESSFUL */
	memset(self->buf + 2 * self->page, 0x11, 64);
	ASSERT_EQ(0, cbt_call(self->fd, CBTEST_OP_COPY_FROM,
			      CBTEST_CTX_WORKQUEUE, self->buf + 2 * self->page,
			      64, &bad));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, bad.status);
	ASSERT_EQ(CLIENTBUF_STATUS_UNSUCCESSFUL, bad.protocol_status);
	ASSERT_EQ(0, cb_unregister(self->fd, reg.id, &st));
	/* an id that is not registered */
	ASSERT_EQ(ENOENT, cb_unregister(self->fd, reg.id + 40, &st));
	TRACE_READ();

	ASSERT_EVENT(self->trace,
		     "clientbuf_register: tgid=%d id=%u addr=0x%llx len=%llu flags=0x%x status=0x00000000",
		     getpid(), reg.id, (unsigned long long)(uintptr_t)self->buf,
		     (unsigned long long)self->buf_len,
		     CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ |
		     CLIENTBUF_BUF_ALLOC);
	ASSERT_EVENT(self->trace,
		     "clientbuf_copy: req=%llu path=client_context dir=to_client addr=0x%llx len=%u status=0x00000000",
		     (unsigned long long)call.request_id,
		     (unsigned long long)call.return_addr, LEN);
	ASSERT_EVENT(self->trace,
		     "clientbuf_call_end: req=%llu status=0x00000000 protocol_status=0x00000000 return_len=%u",
		     (unsigned long long)call.request_id, LEN);
	ASSERT_EVENT(self->trace,
		     "clientbuf_copy: req=%llu path=kthread dir=from_client addr=0x%llx len=64 status=0x00000000",
		     (unsigned long long)bad.request_id,
		     (unsigned long long)(uintptr_t)(self->buf +
						     2 * self->page));
	ASSERT_EVENT(self->trace,
		     "clientbuf_call_end: req=%llu status=0x00000000 protocol_status=0xc0000001 return_len=0",
		     (unsigned long long)bad.request_id);
	ASSERT_EVENT(self->trace,
		     "clientbuf_unregister: tgid=%d id=%u status=0x00000000",
		     getpid(), reg.id);
	ASSERT_EVENT(self->trace,
		     "clientbuf_unregister: tgid=%d id=%u status=0xc0000008",
		     getpid(), reg.id + 40);
	ASSERT_LIVE_BACK();
}

/*
 * An asynchronous call completed later (call_start async=1, call_end with
 * the completion's status), a copy on a pinned buffer (path=pinned) and a
 * copy from another process (path=other_process) through it.
 */
TEST_F(trace, async_pinned_remote)
{
	struct cbtest_remote r = { .handle = 0, .op = CBTEST_OP_COPY_TO };
	struct clientbuf_completion rec;
	struct clientbuf_register reg, preg;
	struct clientbuf_call hold, pin;
	struct cbtest_cmd cmd = { .op = CBTEST_OP_HOLD };
	int tfd, status;
	pid_t pid;
	__u32 st;

	if (access("/dev/clientbuf_test", R_OK | W_OK))
		SKIP(return, "no /dev/clientbuf_test");
	ASSERT_EQ(0, cb_register(self->fd, self->buf, self->page,
				 CLIENTBUF_BUF_WRITE, &reg));
	ASSERT_EQ(0, cb_register(self->fd, self->buf + self->page,
				 self->page, CLIENTBUF_BUF_WRITE |
				 CLIENTBUF_BUF_READ | CLIENTBUF_BUF_PIN,
				 &preg));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, preg.status);
	ASSERT_EQ(0, cbt_call(self->fd, CBTEST_OP_COPY_FROM,
			      CBTEST_CTX_CALLER, self->buf + self->page + 8,
			      100, &pin));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, pin.status);

	memset(&hold, 0, sizeof(hold));
	hold.size = sizeof(hold);
	hold.flags = CLIENTBUF_CALL_ASYNC;
	strncpy(hold.package, CBTEST_PACKAGE, sizeof(hold.package) - 1);
	hold.submit_addr = (uintptr_t)&cmd;
	hold.submit_len = sizeof(cmd);
	ASSERT_EQ(0, ioctl(self->fd, CLIENTBUF_IOC_CALL_PACKAGE, &hold));
	ASSERT_EQ(CLIENTBUF_STATUS_PENDING, hold.status);

	/* a second process copies through the held request */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		tfd = open("/dev/clientbuf_test", O_RDWR);
		r.addr = (uintptr_t)self->buf + 16;
		r.len = 200;
		r.seed = SEED;
		_exit(tfd < 0 || ioctl(tfd, CBTEST_IOC_COPY, &r) ||
		      r.status != CLIENTBUF_STATUS_SUCCESS);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	tfd = open("/dev/clientbuf_test", O_RDWR);
	ASSERT_LE(0, tfd);
	r.seed = 0x40000001;
	ASSERT_EQ(0, ioctl(tfd, CBTEST_IOC_COMPLETE, &r));
	close(tfd);
	ASSERT_EQ(sizeof(rec), read(self->fd, &rec, sizeof(rec)));
	ASSERT_EQ(0x40000001, rec.status);
	ASSERT_EQ(0, cb_unregister(self->fd, reg.id, &st));
	TRACE_READ();

	ASSERT_EVENT(self->trace,
		     "clientbuf_register: tgid=%d id=%u addr=0x%llx len=%llu flags=0x%x status=0x00000000",
		     getpid(), preg.id,
		     (unsigned long long)(uintptr_t)(self->buf + self->page),
		     (unsigned long long)self->page,
		     CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ |
		     CLIENTBUF_BUF_PIN);
	ASSERT_EVENT(self->trace,
		     "clientbuf_copy: req=%llu path=pinned dir=from_client addr=0x%llx len=100 status=0x00000000",
		     (unsigned long long)pin.request_id,
		     (unsigned long long)(uintptr_t)(self->buf + self->page +
						     8));
	ASSERT_EVENT(self->trace,
		     "clientbuf_call_start: tgid=%d req=%llu package=%s submit_len=%zu async=1",
		     getpid(), (unsigned long long)hold.request_id,
		     CBTEST_PACKAGE, sizeof(struct cbtest_cmd));
	ASSERT_EVENT(self->trace,
		     "clientbuf_copy: req=%llu path=other_process dir=to_client addr=0x%llx len=200 status=0x00000000",
		     (unsigned long long)hold.request_id,
		     (unsigned long long)(uintptr_t)(self->buf + 16));
	ASSERT_EVENT(self->trace,
		     "clientbuf_call_end: req=%llu status=0x40000001 protocol_status=0x00000000 return_len=0",
		     (unsigned long long)hold.request_id);
	ASSERT_LIVE_BACK();
}

/* A failed registration is traced with id 0 and its NTSTATUS. */
TEST_F(trace, failing_register)
{
	struct clientbuf_register reg;

	EXPECT_NE(0, cb_register(self->fd, self->buf, 0, CLIENTBUF_BUF_WRITE,
				 &reg));
	ASSERT_EQ(CLIENTBUF_STATUS_INVALID_PARAMETER, reg.status);
	TRACE_READ();

	ASSERT_EVENT(self->trace,
		     "clientbuf_register: tgid=%d id=0 addr=0x%llx len=0 flags=0x%x status=0xc000000d",
		     getpid(), (unsigned long long)(uintptr_t)self->buf,
		     CLIENTBUF_BUF_WRITE);
	ASSERT_LIVE_BACK();
}

TEST_HARNESS_MAIN
