// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_uffd - races forced with userfaultfd, not hoped for.
 *
 * Each test stops a copy on a chosen page: the page is registered with
 * UFFDIO_REGISTER_MODE_MISSING and never touched, so the copy faults on it
 * and waits until the test resolves the fault (UFFDIO_COPY,
 * UFFDIO_ZEROPAGE, or UFFDIO_WAKE once the page is gone). While the copy
 * is held the test does the racing thing - munmap() or mprotect() of the
 * tail, UNREGISTER, close(), exit, execve() of the client, SIGKILL of a
 * package server - then releases the copy and asserts the exact outcome:
 * the NTSTATUS (and errno), which bytes landed, that the operation that
 * must wait did wait, and that everything after it is refused.
 *
 * Where a copy can be held: the caller's copy_to_user(), a work item's or
 * kthread's copy through kthread_use_mm(), a package server's own memory
 * on SERVER_OP, and the server's memory on a copy into a pinned buffer. A
 * copy of the remote path into the client's pages cannot be held:
 * access_process_vm() faults without FAULT_FLAG_ALLOW_RETRY, and
 * userfaultfd answers such a fault with SIGBUS at once. The tests that
 * need the registered-mm path from another process hold the server's side
 * of the copy instead.
 *
 * userfaultfd needs CAP_SYS_PTRACE (or vm.unprivileged_userfaultfd) for
 * faults taken in the kernel: without it every test skips with the reason.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/userfaultfd.h>

#include "clientbuf_stress_util.h"
#include "clientbuf_srv_util.h"

#define NPAGES		4
#define STOP		2	/* the page a copy is stopped on */
#define SEED		0x5eedu
#define SEED2		0x7a11u
#define HANDLE		0
#define FOREVER		0xffffffffU
#define WAIT_MS		5000	/* for a fault, a thread, a report */
#define HOLD_MS		300	/* a waiter must still wait after this */
#define FIXED_ADDR	0x3ce000000000ULL
#define EXEC_CHILD_ARG	"--clientbuf-uffd-exec-child"
#define RW		(CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ)
#define PINRW		(RW | CLIENTBUF_BUF_PIN)

CB_RELEASE_SLOTS_AT_EXIT

/* ---- userfaultfd ------------------------------------------------------- */

/* A userfaultfd of the calling process, or -errno. */
static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	int err;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

static int uffd_register(int uffd, void *addr, size_t len)
{
	struct uffdio_register r = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &r) ? errno : 0;
}

static int uffd_unregister(int uffd, void *addr, size_t len)
{
	struct uffdio_range r = { .start = (uintptr_t)addr, .len = len };

	return ioctl(uffd, UFFDIO_UNREGISTER, &r) ? errno : 0;
}

/* The page of the next fault on @uffd within @ms, or 0. */
static __u64 uffd_fault(int uffd, int ms)
{
	struct uffd_msg msg;

	if (!(cb_poll(uffd, POLLIN, ms) & POLLIN))
		return 0;
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return 0;
	return msg.arg.pagefault.address & ~(__u64)(cb_page() - 1);
}

/* Resolve the fault on @page with the bytes at @src (one page). */
static int uffd_copy(int uffd, void *page, const void *src)
{
	struct uffdio_copy c = {
		.dst = (uintptr_t)page, .src = (uintptr_t)src,
		.len = cb_page(),
	};

	return ioctl(uffd, UFFDIO_COPY, &c) ? errno : 0;
}

/* Resolve the fault on @page with a zero page. */
static int uffd_zero(int uffd, void *page)
{
	struct uffdio_zeropage z = {
		.range = { .start = (uintptr_t)page, .len = cb_page() },
	};

	return ioctl(uffd, UFFDIO_ZEROPAGE, &z) ? errno : 0;
}

/* Wake what waits on @page (which is gone or no longer writable). */
static int uffd_wake(int uffd, void *page)
{
	struct uffdio_range r = { .start = (uintptr_t)page, .len = cb_page() };

	return ioctl(uffd, UFFDIO_WAKE, &r) ? errno : 0;
}

/* A duplicate of fd @fd of process @pid, or -errno. */
static int fd_of(pid_t pid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), ret;

	if (pidfd < 0)
		return -errno;
	ret = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (ret < 0)
		ret = -errno;
	close(pidfd);
	return ret;
}

/* Wait up to @ms for @pid to sleep uninterruptibly ('D'); its state. */
static char wait_state_d(pid_t pid, int ms)
{
	char s = 0;
	int i;

	for (i = 0; i < ms; i++) {
		s = cb_proc_state(pid);
		if (s == 'D' || s == 'Z' || !s)
			break;
		cb_msleep(1);
	}
	return s;
}

/* Skip the test when userfaultfd cannot hold a kernel copy here. */
#define UFFD_OR_SKIP(_fd) do {						\
	if ((_fd) < 0)							\
		SKIP(return, "userfaultfd unavailable: %s (needs "	\
		     "CONFIG_USERFAULTFD and CAP_SYS_PTRACE)",		\
		     strerror(-(_fd)));					\
} while (0)

/* ---- an operation in a thread, which may block ------------------------- */

enum bg_kind {
	BG_CALL_COPY,	/* the test package's copy in bg->ctx */
	BG_UNREGISTER,
	BG_CLOSE,
	BG_REMOTE_COPY,	/* CBTEST_IOC_COPY on bg->tfd */
	BG_SRV_COPY_TO,	/* SERVER_OP COPY_TO on bg->fd, call bg->call_id */
	BG_SRV_COPY_VEC, /* SERVER_OP COPY_TO_VEC of bg->nseg bg->seg */
	BG_SRV_CALL,	/* a synchronous call of package bg->pkg */
};

struct bg {
	pthread_t th;
	enum bg_kind kind;
	int fd;
	int tfd;
	__u32 ctx;
	__u32 id;
	__u8 *addr;
	__u32 len;
	__u32 seed;
	__u64 call_id;
	const void *src;
	const struct clientbuf_segment *seg;
	__u32 nseg;
	__u64 index;
	const char *pkg;
	const void *submit;
	__u32 submit_len;
	struct cb_res res;
	int done;
	bool started;
};

static void *bg_main(void *arg)
{
	struct bg *b = arg;
	struct srv_call c;

	switch (b->kind) {
	case BG_CALL_COPY:
		b->res = cbt_op(b->fd, CBTEST_OP_COPY_TO, b->ctx, b->addr,
				b->len, b->seed, 0);
		break;
	case BG_UNREGISTER:
		b->res = _cb_unregister(b->fd, b->id);
		break;
	case BG_CLOSE:
		b->res.err = close(b->fd) ? errno : 0;
		break;
	case BG_REMOTE_COPY:
		b->res = cbt_remote_copy(b->tfd, HANDLE, CBTEST_OP_COPY_TO,
					 b->addr, b->len, b->seed);
		break;
	case BG_SRV_COPY_TO:
		b->res = srv_copy_to(b->fd, b->call_id, (uintptr_t)b->addr,
				     b->src, b->len);
		break;
	case BG_SRV_COPY_VEC:
		b->res = srv_copy_vec(b->fd, b->call_id,
				      CLIENTBUF_SRV_COPY_TO_VEC, b->seg,
				      b->nseg, &b->index);
		break;
	case BG_SRV_CALL:
		c = srv_call(b->fd, b->pkg, b->submit, b->submit_len, 0, 0);
		b->res = srv_call_res(&c);
		break;
	}
	__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int bg_start(struct bg *b)
{
	b->done = 0;
	b->started = !pthread_create(&b->th, NULL, bg_main, b);
	return b->started ? 0 : -1;
}

static bool bg_done(struct bg *b)
{
	return __atomic_load_n(&b->done, __ATOMIC_ACQUIRE);
}

/* Still running after @ms? */
static bool bg_blocked(struct bg *b, int ms)
{
	cb_msleep(ms);
	return !bg_done(b);
}

/* Wait up to @ms for it to return, and join it; 0 or -1. */
static int bg_join(struct bg *b, int ms)
{
	int i;

	for (i = 0; i < ms && !bg_done(b); i++)
		cb_msleep(1);
	if (!bg_done(b))
		return -1;
	b->started = false;
	return pthread_join(b->th, NULL);
}

#define ASSERT_STOPPED_ON(_uffd, _page) do {				\
	const __u64 __f = uffd_fault(_uffd, WAIT_MS);			\
	ASSERT_EQ((__u64)(uintptr_t)(_page), __f)			\
		TH_LOG("no fault on the chosen page %p within %d ms "	\
		       "(got %#llx)", (void *)(_page), WAIT_MS,		\
		       (unsigned long long)__f);			\
} while (0)

#define ASSERT_JOINED(_b)						\
	ASSERT_EQ(0, bg_join(_b, WAIT_MS))				\
		TH_LOG("the operation did not return within %d ms", WAIT_MS)

/* ======================================================================== */
/* A copy of this process, stopped on page STOP of a NPAGES buffer          */
/* ======================================================================== */

FIXTURE(stop) {
	int fd;
	int tfd;
	int uffd;
	size_t page, len;
	__u8 *buf;
	__u8 *stop;	/* buf + STOP pages */
	__u32 id;
	struct cb_live base;
	struct bg b;
};

FIXTURE_VARIANT(stop) {
	__u32 ctx;
};

FIXTURE_VARIANT_ADD(stop, caller) {
	.ctx = CBTEST_CTX_CALLER,
};

FIXTURE_VARIANT_ADD(stop, workqueue) {
	.ctx = CBTEST_CTX_WORKQUEUE,
};

FIXTURE_VARIANT_ADD(stop, kthread) {
	.ctx = CBTEST_CTX_KTHREAD,
};

static void held_setup(struct __test_metadata *_metadata,
		       FIXTURE_DATA(stop) *self)
{
	size_t i;

	self->fd = self->tfd = -1;
	self->uffd = uffd_open();
	UFFD_OR_SKIP(self->uffd);
	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->page = cb_page();
	self->len = NPAGES * self->page;
	self->buf = cb_map(self->len);
	ASSERT_NE(NULL, self->buf);
	self->stop = self->buf + STOP * self->page;
	/* Every page present but the one the copy stops on. */
	for (i = 0; i < NPAGES; i++)
		if (i != STOP)
			memset(self->buf + i * self->page, 0, self->page);
	ASSERT_EQ(0, uffd_register(self->uffd, self->stop, self->page));
	self->fd = cb_open();
	ASSERT_LE(0, self->fd);
	test_register(self->fd, RW, self->buf, self->len, &self->id);
}

FIXTURE_SETUP(stop)
{
	held_setup(_metadata, self);
}

static void held_teardown(FIXTURE_DATA(stop) *self)
{
	if (self->b.started) {
		uffd_zero(self->uffd, self->stop);
		bg_join(&self->b, WAIT_MS);
	}
	if (self->fd >= 0)
		close(self->fd);
	if (self->tfd >= 0)
		close(self->tfd);
	if (self->uffd >= 0)
		close(self->uffd);
}

FIXTURE_TEARDOWN(stop)
{
	held_teardown(self);
}

/*
 * The page of the next fault on @uffd, or 0 once @b has returned (or
 * after @ms).
 */
static __u64 uffd_fault_or_done(int uffd, struct bg *b, int ms)
{
	__u64 f = 0;
	int i;

	for (i = 0; i < ms / 10 && !f; i++) {
		f = uffd_fault(uffd, 10);
		if (!f && bg_done(b))
			break;
	}
	return f;
}

/*
 * Start a copy of the whole buffer in @ctx; return once it is stopped.
 * Outside the client's context a module may refuse memory the client can
 * stall (a userfaultfd-watched range) with STATUS_NOT_SUPPORTED instead
 * of waiting on it: then nothing may have been written, and there is no
 * copy to hold.
 */
#define START_STOPPED_COPY(_ctx) do {					\
	__u64 __f;							\
	self->b.kind = BG_CALL_COPY;					\
	self->b.fd = self->fd;						\
	self->b.ctx = (_ctx);						\
	self->b.addr = self->buf;					\
	self->b.len = (__u32)self->len;					\
	self->b.seed = SEED;						\
	ASSERT_EQ(0, bg_start(&self->b));				\
	__f = uffd_fault_or_done(self->uffd, &self->b, WAIT_MS);	\
	if (!__f && bg_done(&self->b) && (_ctx) != CBTEST_CTX_CALLER &&	\
	    self->b.res.status == CLIENTBUF_STATUS_NOT_SUPPORTED) {	\
		ASSERT_EQ(0, bg_join(&self->b, WAIT_MS));		\
		ASSERT_RES(EOPNOTSUPP, CLIENTBUF_STATUS_NOT_SUPPORTED,	\
			   self->b.res);				\
		ASSERT_BYTES(self->buf, STOP * self->page, 0);		\
		ASSERT_EQ(0, uffd_unregister(self->uffd, self->stop,	\
					     self->page));		\
		ASSERT_BYTES(self->stop, self->len - STOP * self->page, 0); \
		SKIP(return, "outside the client's context the module "	\
		     "refuses a userfaultfd-watched range "		\
		     "(STATUS_NOT_SUPPORTED, nothing written: checked), "	\
		     "so no copy can be held there");			\
	}								\
	ASSERT_EQ((__u64)(uintptr_t)self->stop, __f)			\
		TH_LOG("no fault on the chosen page %p within %d ms: "	\
		       "%#x (%s)", (void *)self->stop, WAIT_MS,		\
		       self->b.res.status,				\
		       cb_status_name(self->b.res.status));		\
	ASSERT_TRUE(bg_blocked(&self->b, 20))				\
		TH_LOG("the copy returned while its page was missing"); \
} while (0)

#define CLOSE_AND_CHECK_LEAKS() do {					\
	ASSERT_EQ(0, close(self->fd));					\
	self->fd = -1;							\
	ASSERT_LIVE_EQ(&self->base);					\
} while (0)

/* Control: a stopped copy that is released lands whole. */
TEST_F(stop, released_copy_lands_whole)
{
	START_STOPPED_COPY(variant->ctx);
	ASSERT_EQ(0, uffd_zero(self->uffd, self->stop));
	ASSERT_JOINED(&self->b);
	ASSERT_OK(self->b.res);
	ASSERT_PATTERN(self->buf, self->len, SEED);
	test_unregister(self->fd, self->id);
	CLOSE_AND_CHECK_LEAKS();
}

/* munmap() of the tail under the copy: the prefix, and PARTIAL_COPY. */
TEST_F(stop, munmap_tail)
{
	size_t tail = (NPAGES - STOP) * self->page;

	START_STOPPED_COPY(variant->ctx);
	ASSERT_EQ(0, munmap(self->stop, tail));
	/* munmap() does not wake a fault that waits: the copy still waits. */
	ASSERT_TRUE(bg_blocked(&self->b, 20));
	ASSERT_EQ(0, uffd_wake(self->uffd, self->stop));
	ASSERT_JOINED(&self->b);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_PARTIAL_COPY, self->b.res);
	/* Exactly the bytes before the page landed. */
	ASSERT_PATTERN(self->buf, STOP * self->page, SEED);
	/* The tail is gone, and mapped afresh it is zero: nothing waits. */
	ASSERT_EQ(self->stop, mmap(self->stop, tail, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				   -1, 0));
	ASSERT_BYTES(self->stop, tail, 0);
	/* The buffer works as before. */
	ASSERT_OK(cbt_op(self->fd, CBTEST_OP_COPY_TO, variant->ctx, self->buf,
			 (__u32)self->len, SEED2, 0));
	ASSERT_PATTERN(self->buf, self->len, SEED2);
	test_unregister(self->fd, self->id);
	CLOSE_AND_CHECK_LEAKS();
}

/* mprotect(PROT_READ) of the tail under the copy: the same. */
TEST_F(stop, mprotect_tail_read_only)
{
	size_t tail = (NPAGES - STOP) * self->page;

	START_STOPPED_COPY(variant->ctx);
	ASSERT_EQ(0, mprotect(self->stop, tail, PROT_READ));
	ASSERT_TRUE(bg_blocked(&self->b, 20));
	ASSERT_EQ(0, uffd_wake(self->uffd, self->stop));
	ASSERT_JOINED(&self->b);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_PARTIAL_COPY, self->b.res);
	ASSERT_PATTERN(self->buf, STOP * self->page, SEED);
	/* Nothing landed from the page on: not in it, not after it. */
	ASSERT_EQ(0, uffd_unregister(self->uffd, self->stop, self->page));
	ASSERT_BYTES(self->stop, tail, 0);
	/* Read-only now: a new copy is refused before any byte moves. */
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   cbt_op(self->fd, CBTEST_OP_COPY_TO, variant->ctx,
			  self->buf, (__u32)self->len, SEED2, 0));
	ASSERT_PATTERN(self->buf, STOP * self->page, SEED);
	ASSERT_BYTES(self->stop, tail, 0);
	test_unregister(self->fd, self->id);
	CLOSE_AND_CHECK_LEAKS();
}

/* UNREGISTER waits for the copy, then the buffer is gone. */
TEST_F(stop, unregister_waits_then_refuses)
{
	struct bg u = { .kind = BG_UNREGISTER, .fd = self->fd,
			.id = self->id };

	START_STOPPED_COPY(variant->ctx);
	ASSERT_EQ(0, bg_start(&u));
	ASSERT_TRUE(bg_blocked(&u, HOLD_MS))
		TH_LOG("UNREGISTER returned while a copy was stopped in the "
		       "buffer: %d / %#x", u.res.err, u.res.status);
	ASSERT_EQ(0, uffd_zero(self->uffd, self->stop));
	ASSERT_JOINED(&self->b);
	ASSERT_JOINED(&u);
	/* The copy that was under way finished; then UNREGISTER did. */
	ASSERT_OK(self->b.res);
	ASSERT_PATTERN(self->buf, self->len, SEED);
	ASSERT_OK(u.res);
	/* Refused from now on, nothing written. */
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   cbt_op(self->fd, CBTEST_OP_COPY_TO, variant->ctx,
			  self->buf, (__u32)self->len, SEED2, 0));
	ASSERT_PATTERN(self->buf, self->len, SEED);
	test_err_unregister(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE, self->fd,
			    self->id);
	CLOSE_AND_CHECK_LEAKS();
}

/* ======================================================================== */
/* A package server of this process, its SERVER_OP stopped on its own page  */
/* ======================================================================== */

struct srv_submit {
	__u64 addr;
	__u32 len;
	__u32 seed;
};

/*
 * A client (fd) calls a package that this process serves (sfd); the
 * server's COPY_TO into the client is stopped on page STOP of the
 * server's source (src). The copy moves bytes with page faults disabled
 * and faults the server's side in only when it comes up short, so the
 * pages before STOP have reached the client: the copy holds the client's
 * buffer, so close() and UNREGISTER must wait for it.
 *
 * The client has a second buffer of one page (buf2, id2). Variant vec
 * makes the copy a COPY_TO_VEC whose second segment fills buf2 from src2:
 * the op holds both buffers from its check pass to its last segment.
 */
FIXTURE(srvstop) {
	int fd, sfd, uffd;
	size_t page, len;
	__u8 *buf, *src, *stop, *buf2, *src2;
	__u32 id, id2;
	__u64 call_id;
	struct clientbuf_segment seg[2];
	struct cb_live base;
	struct bg b;
};

FIXTURE_VARIANT(srvstop) {
	bool vec;
};

FIXTURE_VARIANT_ADD(srvstop, plain) {
	.vec = false,
};

FIXTURE_VARIANT_ADD(srvstop, vec) {
	.vec = true,
};

FIXTURE_SETUP(srvstop)
{
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct {
		struct clientbuf_server_call hdr;
		struct srv_submit s;
	} rec;
	struct srv_submit sub;
	struct srv_call call;
	size_t i;

	self->fd = self->sfd = -1;
	self->uffd = uffd_open();
	UFFD_OR_SKIP(self->uffd);
	if (geteuid())
		SKIP(return, "CLIENTBUF_IOC_SERVE needs CAP_SYS_ADMIN");
	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->page = cb_page();
	self->len = NPAGES * self->page;
	self->buf = cb_map(self->len);
	self->src = cb_map(self->len);
	self->buf2 = cb_map(self->page);
	self->src2 = cb_map(self->page);
	ASSERT_NE(NULL, self->buf);
	ASSERT_NE(NULL, self->src);
	ASSERT_NE(NULL, self->buf2);
	ASSERT_NE(NULL, self->src2);
	memset(self->buf, 0, self->len);
	memset(self->buf2, 0, self->page);
	cb_fill(self->src2, self->page, SEED2);
	self->stop = self->src + STOP * self->page;
	for (i = 0; i < NPAGES; i++)
		if (i != STOP)
			cb_fill(self->src + i * self->page, self->page,
				SEED + (__u32)i);
	ASSERT_EQ(0, uffd_register(self->uffd, self->stop, self->page));
	self->sfd = cb_open();
	ASSERT_LE(0, self->sfd);
	srv_name(name, sizeof(name), "uffdsrv");
	ASSERT_OK(srv_serve(&self->sfd, name));
	self->fd = cb_open();
	ASSERT_LE(0, self->fd);
	test_register(self->fd, RW, self->buf, self->len, &self->id);
	test_register(self->fd, RW, self->buf2, self->page, &self->id2);
	sub.addr = (uintptr_t)self->buf;
	sub.len = (__u32)self->len;
	sub.seed = SEED;
	call = srv_call(self->fd, name, &sub, sizeof(sub), CLIENTBUF_CALL_ASYNC,
			0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&call));
	ASSERT_TRUE(cb_poll(self->sfd, POLLIN, WAIT_MS) & POLLIN);
	ASSERT_EQ((ssize_t)sizeof(rec), read(self->sfd, &rec, sizeof(rec)));
	self->call_id = rec.hdr.call_id;
	/* The server's copy into the client stops on its own page. */
	self->b.kind = BG_SRV_COPY_TO;
	self->b.fd = self->sfd;
	self->b.call_id = self->call_id;
	self->b.addr = self->buf;
	self->b.src = self->src;
	self->b.len = (__u32)self->len;
	if (variant->vec) {
		self->seg[0] = (struct clientbuf_segment) {
			.client_addr = (uintptr_t)self->buf,
			.server_addr = (uintptr_t)self->src,
			.len = (__u32)self->len,
		};
		self->seg[1] = (struct clientbuf_segment) {
			.client_addr = (uintptr_t)self->buf2,
			.server_addr = (uintptr_t)self->src2,
			.len = (__u32)self->page,
		};
		self->b.kind = BG_SRV_COPY_VEC;
		self->b.seg = self->seg;
		self->b.nseg = 2;
	}
	ASSERT_EQ(0, bg_start(&self->b));
	ASSERT_STOPPED_ON(self->uffd, self->stop);
	ASSERT_TRUE(bg_blocked(&self->b, 20));
}

FIXTURE_TEARDOWN(srvstop)
{
	if (self->b.started) {
		uffd_zero(self->uffd, self->stop);
		bg_join(&self->b, WAIT_MS);
	}
	if (self->fd >= 0)
		close(self->fd);
	if (self->sfd >= 0)
		close(self->sfd);
	if (self->uffd >= 0)
		close(self->uffd);
}

/* The server's source, as the client must see it when the copy landed. */
static void srvstop_release(FIXTURE_DATA(srvstop) *self, __u8 *staging)
{
	cb_fill(staging, self->page, SEED + STOP);
	uffd_copy(self->uffd, self->stop, staging);
}

/* The server completes the call, both fds close, nothing is left over. */
#define SRVSTOP_FINISH() do {						\
	ASSERT_OK(srv_complete(self->sfd, self->call_id,		\
			       CLIENTBUF_STATUS_SUCCESS, 0, 0, 0));	\
	if (self->fd >= 0) {						\
		ASSERT_EQ(0, close(self->fd));				\
		self->fd = -1;						\
	}								\
	ASSERT_EQ(0, close(self->sfd));					\
	self->sfd = -1;							\
	ASSERT_LIVE_BASE(&self->base);					\
} while (0)

#define ASSERT_SOURCE_LANDED() do {					\
	size_t __i;							\
	for (__i = 0; __i < NPAGES; __i++)				\
		ASSERT_PATTERN(self->buf + __i * self->page, self->page, \
			       SEED + (__u32)__i);			\
} while (0)

/* The source's pages before STOP landed, and not a byte from STOP on. */
#define ASSERT_SOURCE_BEFORE_STOP() do {				\
	size_t __i;							\
	for (__i = 0; __i < STOP; __i++)				\
		ASSERT_PATTERN(self->buf + __i * self->page, self->page, \
			       SEED + (__u32)__i);			\
	ASSERT_BYTES(self->buf + STOP * self->page,			\
		     self->len - STOP * self->page, 0);			\
} while (0)

/*
 * close() waits for the stopped copy, which then finds the client closed:
 * PARTIAL_COPY, the pages before STOP landed, nothing after them.
 */
TEST_F(srvstop, close_waits_then_refuses)
{
	struct bg c = { .kind = BG_CLOSE, .fd = self->fd };
	__u8 staging[4096 * 16];

	ASSERT_GE(sizeof(staging), self->page);
	self->fd = -1;
	ASSERT_EQ(0, bg_start(&c));
	ASSERT_TRUE(bg_blocked(&c, HOLD_MS))
		TH_LOG("close() returned while a copy into the client was "
		       "stopped");
	srvstop_release(self, staging);
	ASSERT_JOINED(&self->b);
	ASSERT_JOINED(&c);
	ASSERT_EQ(0, c.res.err);
	/* Resumed after the close: refused, nothing more written. */
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_PARTIAL_COPY, self->b.res);
	ASSERT_SOURCE_BEFORE_STOP();
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_copy_to(self->sfd, self->call_id, (uintptr_t)self->buf,
			       self->src, (__u32)self->len));
	ASSERT_SOURCE_BEFORE_STOP();
	SRVSTOP_FINISH();
}

/* UNREGISTER waits for the stopped copy, which lands; then it is gone. */
TEST_F(srvstop, unregister_waits_then_refuses)
{
	struct bg u = { .kind = BG_UNREGISTER, .fd = self->fd,
			.id = self->id };
	__u8 staging[4096 * 16];

	ASSERT_GE(sizeof(staging), self->page);
	ASSERT_EQ(0, bg_start(&u));
	ASSERT_TRUE(bg_blocked(&u, HOLD_MS))
		TH_LOG("UNREGISTER returned while a copy into the buffer was "
		       "stopped: %d / %#x", u.res.err, u.res.status);
	srvstop_release(self, staging);
	ASSERT_JOINED(&self->b);
	ASSERT_JOINED(&u);
	ASSERT_OK(self->b.res);
	ASSERT_SOURCE_LANDED();
	ASSERT_OK(u.res);
	memset(self->buf, 0, self->len);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_copy_to(self->sfd, self->call_id, (uintptr_t)self->buf,
			       self->src, (__u32)self->len));
	ASSERT_BYTES(self->buf, self->len, 0);
	test_err_unregister(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE, self->fd,
			    self->id);
	SRVSTOP_FINISH();
}

/*
 * UNREGISTER of buf2 while the copy into buf is stopped. A plain COPY_TO
 * does not use buf2: it is gone at once, and the copy lands when let go.
 * A COPY_TO_VEC whose second segment is buf2 checked and held it before
 * its first byte moved: UNREGISTER waits for the op, which copies both
 * segments - a segment that passed the check is never refused later.
 */
TEST_F(srvstop, unregister_of_a_checked_segment_waits)
{
	struct bg u = { .kind = BG_UNREGISTER, .fd = self->fd,
			.id = self->id2 };
	__u8 staging[4096 * 16];

	ASSERT_GE(sizeof(staging), self->page);
	ASSERT_EQ(0, bg_start(&u));
	if (!variant->vec) {
		ASSERT_EQ(0, bg_join(&u, WAIT_MS))
			TH_LOG("UNREGISTER of a buffer no copy uses waited");
		ASSERT_OK(u.res);
		ASSERT_TRUE(bg_blocked(&self->b, 20));
	} else {
		ASSERT_TRUE(bg_blocked(&u, HOLD_MS))
			TH_LOG("UNREGISTER returned while a vectored copy "
			       "that checked the buffer was stopped: %d / %#x",
			       u.res.err, u.res.status);
	}
	srvstop_release(self, staging);
	ASSERT_JOINED(&self->b);
	if (self->b.res.status)
		TH_LOG("the op failed at segment %llu",
		       (unsigned long long)self->b.index);
	ASSERT_OK(self->b.res);
	ASSERT_SOURCE_LANDED();
	if (variant->vec) {
		ASSERT_PATTERN(self->buf2, self->page, SEED2);
		ASSERT_JOINED(&u);
		ASSERT_OK(u.res);
	} else {
		ASSERT_BYTES(self->buf2, self->page, 0);
	}
	test_err_unregister(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE, self->fd,
			    self->id2);
	SRVSTOP_FINISH();
}

/* ======================================================================== */
/* A client child: its exit or execve() while a copy into it is stopped     */
/* ======================================================================== */

#define NHANDLES	4

/* What a client child (or the program it exec()s) reports. */
struct report {
	int err;
	int step;
	__u32 status;
	int uffd;		/* the child's userfaultfd (its fd number) */
	int memfd;		/* the memfd behind its buffer, or -1 */
	__u64 addr;
	__s64 changed;		/* new program: first byte not zero, or -1 */
	__s64 landed;		/* exit: first byte not landed, or -1 */
};

#define CMD_EXIT	'x'
#define CMD_EXEC	'e'
#define CMD_CHECK	'c'

/*
 * The client: open /dev/clientbuf (kept across execve()), map NPAGES at
 * FIXED_ADDR - private anonymous memory, or with @shared a memfd - with
 * every page present but STOP, which its userfaultfd watches (@shared
 * only), register them, hold NHANDLES requests, and make an asynchronous
 * call of package @pkg with the range as its submit.
 */
static void __attribute__((noreturn))
client_child(int cmd, int rep, const char *pkg, bool shared)
{
	size_t page = cb_page(), len = NPAGES * page, i;
	struct report r = { .changed = -1, .landed = -1, .uffd = -1,
			    .memfd = -1 };
	struct srv_submit sub;
	char c;
	struct srv_call call;
	struct cb_res res;
	void *p = NULL;
	int fd;

	fd = open(CB_DEV, O_RDWR);
	if (shared) {
		r.memfd = memfd_create("clientbuf_uffd", MFD_CLOEXEC);
		if (r.memfd >= 0 && !ftruncate(r.memfd, (off_t)len))
			p = mmap((void *)(uintptr_t)FIXED_ADDR, len,
				 PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED_NOREPLACE, r.memfd, 0);
		r.uffd = uffd_open();
	} else {
		p = cb_map_fixed(FIXED_ADDR, len);
	}
	if (fd < 0 || p != (void *)(uintptr_t)FIXED_ADDR ||
	    (shared && r.uffd < 0)) {
		r.err = r.uffd < -1 ? -r.uffd : errno, r.step = 1;
		goto fail;
	}
	for (i = 0; i < NPAGES; i++)
		if (i != STOP || !shared)
			memset((__u8 *)p + i * page, 0, page);
	if (shared) {
		r.err = uffd_register(r.uffd, (__u8 *)p + STOP * page, page);
		if (r.err) {
			r.step = 2;
			goto fail;
		}
	}
	res = _cb_register(fd, RW, p, len);
	if (res.err) {
		r.err = res.err, r.step = 3, r.status = res.status;
		goto fail;
	}
	for (i = 0; i < NHANDLES; i++) {
		res = cbt_hold(fd, HANDLE + (__u32)i);
		if (res.status != CLIENTBUF_STATUS_PENDING) {
			r.err = res.err, r.step = 4, r.status = res.status;
			goto fail;
		}
	}
	sub.addr = (uintptr_t)p;
	sub.len = (__u32)len;
	sub.seed = SEED;
	call = srv_call(fd, pkg, &sub, sizeof(sub), CLIENTBUF_CALL_ASYNC, 0);
	if (call.c.status != CLIENTBUF_STATUS_PENDING) {
		r.err = call.err, r.step = 5, r.status = call.c.status;
		goto fail;
	}
	r.addr = (uintptr_t)p;
	cb_write_full(rep, &r, sizeof(r));
	if (cb_read_full(cmd, &c, 1))
		_exit(0);
	if (c == CMD_EXIT) {
		/* What the copies left before the exit. */
		r.landed = cb_mismatch(p, shared ? STOP * page : len, SEED);
		cb_write_full(rep, &r, sizeof(r));
		_exit(0);
	}
	cb_exec_self("clientbuf_uffd", EXEC_CHILD_ARG, len, cmd, rep);
	r.err = errno, r.step = 6;
fail:
	cb_write_full(rep, &r, sizeof(r));
	_exit(1);
}

/* The new program: the old address mapped afresh; has anything landed? */
static int exec_child(int argc, char **argv)
{
	struct report r = { .changed = -1, .landed = -1 };
	size_t len;
	int cmd, rep;
	__u8 *p;
	char c;

	if (argc != 5)
		return 2;
	len = strtoull(argv[2], NULL, 0);
	cmd = atoi(argv[3]);
	rep = atoi(argv[4]);
	p = cb_map_fixed(FIXED_ADDR, len);
	if (!p) {
		r.err = errno, r.step = 7;
		cb_write_full(rep, &r, sizeof(r));
		return 1;
	}
	r.addr = (uintptr_t)p;
	r.changed = cb_not_byte(p, len, 0);
	cb_write_full(rep, &r, sizeof(r));
	if (cb_read_full(cmd, &c, 1) || c != CMD_CHECK)
		return 1;
	r.changed = cb_not_byte(p, len, 0);
	cb_write_full(rep, &r, sizeof(r));
	return 0;
}

/*
 * The test process serves a package (sfd) that the client child calls;
 * its SERVER_OP COPY_TO into the child is stopped on page STOP of the
 * server's own source, before any byte reached the client.
 */
FIXTURE(child) {
	int tfd, sfd;
	int suffd;	/* the server's (this process's) userfaultfd */
	int cmd, rep;
	pid_t pid;
	struct report r;
	__u8 *addr;
	__u8 *src, *sstop, *staging;
	size_t page, len;
	__u64 call_id;
	struct cb_live base;
	struct bg sc;
};

FIXTURE_SETUP(child)
{
	size_t i;

	self->pid = -1;
	self->tfd = self->sfd = self->cmd = self->rep = -1;
	self->suffd = uffd_open();
	UFFD_OR_SKIP(self->suffd);
	if (geteuid())
		SKIP(return, "CLIENTBUF_IOC_SERVE needs CAP_SYS_ADMIN");
	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->tfd = cbt_open();
	ASSERT_LE(0, self->tfd);
	self->page = cb_page();
	self->len = NPAGES * self->page;
	self->src = cb_map(self->len);
	self->staging = cb_map(self->len);
	ASSERT_NE(NULL, self->src);
	ASSERT_NE(NULL, self->staging);
	cb_fill(self->staging, self->len, SEED);
	self->sstop = self->src + STOP * self->page;
	for (i = 0; i < NPAGES; i++)
		if (i != STOP)
			memcpy(self->src + i * self->page,
			       self->staging + i * self->page, self->page);
	ASSERT_EQ(0, uffd_register(self->suffd, self->sstop, self->page));
}

FIXTURE_TEARDOWN(child)
{
	if (self->sc.started) {
		uffd_copy(self->suffd, self->sstop,
			  self->staging + STOP * self->page);
		bg_join(&self->sc, WAIT_MS);
	}
	if (self->pid > 0)
		cb_kill_child(self->pid);
	if (self->suffd >= 0)
		close(self->suffd);
	if (self->sfd >= 0)
		close(self->sfd);
	if (self->tfd >= 0)
		close(self->tfd);
	cbt_release_slots();
}

/* Serve, start the client, read its call. */
static int start_child(FIXTURE_DATA(child) *self, bool shared)
{
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct {
		struct clientbuf_server_call hdr;
		struct srv_submit s;
	} rec;
	int cmd[2], rep[2];

	self->sfd = cb_open();
	srv_name(name, sizeof(name), "uffdchild");
	if (self->sfd < 0 || srv_serve(&self->sfd, name).err)
		return -1;
	/* Not O_CLOEXEC: the program the child exec()s uses them. */
	if (pipe(cmd) || pipe(rep))
		return -1;
	self->pid = fork();
	if (self->pid < 0)
		return -1;
	if (!self->pid) {
		close(cmd[1]);
		close(rep[0]);
		close(self->tfd);
		close(self->sfd);
		client_child(cmd[0], rep[1], name, shared);
	}
	close(cmd[0]);
	close(rep[1]);
	self->cmd = cmd[1];
	self->rep = rep[0];
	fcntl(self->cmd, F_SETFD, FD_CLOEXEC);
	fcntl(self->rep, F_SETFD, FD_CLOEXEC);
	if (cb_read_timed(self->rep, &self->r, sizeof(self->r), WAIT_MS))
		return -1;
	if (self->r.err)
		return 0;
	self->addr = (__u8 *)(uintptr_t)self->r.addr;
	if (!(cb_poll(self->sfd, POLLIN, WAIT_MS) & POLLIN) ||
	    read(self->sfd, &rec, sizeof(rec)) != sizeof(rec) ||
	    rec.s.addr != self->r.addr)
		return -1;
	self->call_id = rec.hdr.call_id;
	return 0;
}

#define START_CHILD(_shared) do {					\
	ASSERT_EQ(0, start_child(self, _shared))			\
		TH_LOG("client child: %s", strerror(errno));		\
	ASSERT_EQ(0, self->r.err)					\
		TH_LOG("client child step %d: %s, status %#x (%s)",	\
		       self->r.step, strerror(self->r.err),		\
		       self->r.status, cb_status_name(self->r.status));	\
} while (0)

/*
 * The server's COPY_TO of [0, @len) into the client from @src, which
 * holds page sstop: stopped there.
 */
#define START_SERVER_COPY(_src, _len) do {				\
	self->sc.kind = BG_SRV_COPY_TO;					\
	self->sc.fd = self->sfd;					\
	self->sc.call_id = self->call_id;				\
	self->sc.addr = self->addr;					\
	self->sc.src = (_src);						\
	self->sc.len = (__u32)(_len);					\
	ASSERT_EQ(0, bg_start(&self->sc));				\
	ASSERT_STOPPED_ON(self->suffd, self->sstop);			\
	ASSERT_TRUE(bg_blocked(&self->sc, 20));				\
} while (0)

#define RELEASE_SERVER_COPY()						\
	ASSERT_EQ(0, uffd_copy(self->suffd, self->sstop,		\
			       self->staging + STOP * self->page))

static int send_cmd(FIXTURE_DATA(child) *self, char c)
{
	return cb_write_full(self->cmd, &c, 1);
}

static int queue(int tfd, __u32 handle, const void *addr, size_t len,
		 __u32 iterations)
{
	struct cbtest_remote q = cbt_remote(handle, CBTEST_OP_COPY_TO, addr,
					    (__u32)len, SEED);

	q.iterations = iterations;
	return cbt_ioctl(tfd, CBTEST_IOC_QUEUE, &q);
}

#define ASSERT_TERMINATING(_res)					\
	ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_PROCESS_IS_TERMINATING, _res)

/* Every later copy into the gone client: PROCESS_IS_TERMINATING. */
#define ASSERT_LATER_COPIES_TERMINATING(_len) do {			\
	__u32 __h;							\
	for (__h = HANDLE; __h < HANDLE + NHANDLES; __h++) {		\
		struct cb_res __q;					\
		ASSERT_EQ(0, queue(self->tfd, __h, self->addr,		\
				   (_len), 10));			\
		__q = cbt_result(self->tfd, __h);			\
		ASSERT_TERMINATING(__q);				\
		ASSERT_EQ(0, __q.done);					\
		ASSERT_TERMINATING(cbt_remote_copy(self->tfd, __h,	\
						   CBTEST_OP_COPY_TO,	\
						   self->addr,		\
						   (__u32)(_len), SEED));	\
		ASSERT_EQ(0, cbt_complete(self->tfd, __h,		\
					  CLIENTBUF_STATUS_SUCCESS));	\
	}								\
	ASSERT_RES(ESRCH, CLIENTBUF_STATUS_PROCESS_IS_TERMINATING,	\
		   srv_copy_to(self->sfd, self->call_id,		\
			       (uintptr_t)self->addr, self->src,	\
			       (__u32)(_len)));				\
} while (0)

struct vmr {
	pid_t pid;
	void *remote;
	void *local;
	size_t len;
	ssize_t ret;
	int err;
	int done;
};

/* process_vm_readv() of the child's page: it holds the child's mm. */
static void *vmr_main(void *arg)
{
	struct vmr *v = arg;
	struct iovec l = { v->local, v->len }, r = { v->remote, v->len };

	v->ret = process_vm_readv(v->pid, &l, 1, &r, 1, 0);
	v->err = v->ret < 0 ? errno : 0;
	__atomic_store_n(&v->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * The client exits while a server's copy into it is stopped, a work
 * item's copies keep landing, and its mm is held by a process_vm_readv()
 * stopped on its page STOP (anyone may hold an mm for a while: a reader
 * of /proc/PID/stat does): a copy before the exit landed (the client saw
 * the bytes), the exit's close waits for the stopped copy (the client
 * sleeps in exit), and the stopped copy, the work item's next copy and
 * every copy after - queued, from another process, new - is
 * PROCESS_IS_TERMINATING, never INVALID_HANDLE for the closed file.
 */
TEST_F(child, exit_with_stopped_and_queued_copies)
{
	size_t part = STOP * self->page;	/* clear of the watched page */
	struct vmr v = { 0 };
	struct report after;
	struct cb_res res;
	pthread_t vth;
	__u8 *cstop;
	int cuffd;
	char state;

	START_CHILD(true);
	cstop = self->addr + part;
	cuffd = fd_of(self->pid, self->r.uffd);
	ASSERT_LE(0, cuffd);
	/* Before the exit: a copy lands. */
	ASSERT_EQ(0, queue(self->tfd, HANDLE + 1, self->addr, part, 1));
	res = cbt_result(self->tfd, HANDLE + 1);
	ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_SUCCESS, res);
	ASSERT_EQ(1, res.done);
	/* Copies queued to run until they fail, and one stopped. */
	ASSERT_EQ(0, queue(self->tfd, HANDLE + 2, self->addr, part, FOREVER));
	START_SERVER_COPY(self->sstop, part);
	/* The client's mm held by another reader. */
	v.pid = self->pid;
	v.remote = cstop;
	v.local = cb_map(self->page);
	v.len = self->page;
	ASSERT_NE(NULL, v.local);
	ASSERT_EQ(0, pthread_create(&vth, NULL, vmr_main, &v));
	ASSERT_STOPPED_ON(cuffd, cstop);
	/* The client exits. */
	ASSERT_EQ(0, send_cmd(self, CMD_EXIT));
	ASSERT_EQ(0, cb_read_timed(self->rep, &after, sizeof(after), WAIT_MS));
	ASSERT_EQ(-1, after.landed)
		TH_LOG("byte %lld of the copies before the exit did not land",
		       (long long)after.landed);
	/* Its close waits for the stopped copy. */
	state = wait_state_d(self->pid, WAIT_MS);
	ASSERT_EQ('D', state)
		TH_LOG("the exiting client is in state '%c', not waiting for "
		       "the stopped copy", state ? state : '?');
	ASSERT_TRUE(bg_blocked(&self->sc, 20));
	/* The looping work item stopped, and a copy queued now fails. */
	res = cbt_result(self->tfd, HANDLE + 2);
	ASSERT_TERMINATING(res);
	ASSERT_EQ(0, queue(self->tfd, HANDLE + 3, self->addr, part, 1));
	ASSERT_TERMINATING(cbt_result(self->tfd, HANDLE + 3));
	ASSERT_TERMINATING(cbt_remote_copy(self->tfd, HANDLE, CBTEST_OP_COPY_TO,
					   self->addr, (__u32)part, SEED));
	RELEASE_SERVER_COPY();
	ASSERT_JOINED(&self->sc);
	ASSERT_RES(ESRCH, CLIENTBUF_STATUS_PROCESS_IS_TERMINATING,
		   self->sc.res);
	ASSERT_EQ(0, cb_wait_child(self->pid));
	self->pid = -1;
	ASSERT_LATER_COPIES_TERMINATING(part);
	/* Let the reader go; the old mm dies. */
	memset(self->staging, 0, self->page);
	ASSERT_EQ(0, uffd_copy(cuffd, cstop, self->staging));
	ASSERT_EQ(0, pthread_join(vth, NULL));
	ASSERT_EQ((ssize_t)self->page, v.ret) TH_LOG("process_vm_readv: %s",
						     strerror(v.err));
	ksft_print_msg("exit: copies landed before it (%u by the looping "
		       "work item), the stopped one and %d later copies "
		       "PROCESS_IS_TERMINATING\n", res.done, 5 + 2 * NHANDLES);
	close(cuffd);
	ASSERT_OK(srv_complete(self->sfd, self->call_id,
			       CLIENTBUF_STATUS_SUCCESS, 0, 0, 0));
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = -1;
	ASSERT_LIVE_BASE(&self->base);
}

/*
 * The client exec()s while a server's copy into it is stopped - on the
 * server's own page, before any byte moved - and while the client's old
 * mm is kept alive by a process_vm_readv() stopped on a page of it, so
 * that only the exec rule stands between the server's copy and the new
 * program. Released after the exec, the copy either lands in the old
 * program's memory (a memfd, which the test maps too) or is
 * PROCESS_IS_TERMINATING; if exec waited for it, it landed before. The
 * new program never sees a byte.
 */
TEST_F(child, exec_with_stopped_copies)
{
	size_t part = STOP * self->page;	/* what the server copies */
	struct vmr v = { 0 };
	struct report after;
	pthread_t vth;
	__u8 *view, *cstop, *src;
	bool exec_waited;
	int cuffd, memfd;

	START_CHILD(true);
	cstop = self->addr + STOP * self->page;
	cuffd = fd_of(self->pid, self->r.uffd);
	memfd = fd_of(self->pid, self->r.memfd);
	ASSERT_LE(0, cuffd);
	ASSERT_LE(0, memfd);
	/* The old program's memory, as this process sees it: [0, part). */
	view = mmap(NULL, part, PROT_READ, MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, view);
	ASSERT_BYTES(view, part, 0);

	/* Hold the old mm: a process_vm_readv() stopped on its page STOP. */
	v.pid = self->pid;
	v.remote = cstop;
	v.local = cb_map(self->page);
	v.len = self->page;
	ASSERT_NE(NULL, v.local);
	ASSERT_EQ(0, pthread_create(&vth, NULL, vmr_main, &v));
	ASSERT_STOPPED_ON(cuffd, cstop);

	/* The server copies [0, part) from src and stops on its first byte. */
	src = self->sstop;
	START_SERVER_COPY(src, part);
	/* The client exec()s. */
	ASSERT_EQ(0, send_cmd(self, CMD_EXEC));
	exec_waited = cb_read_timed(self->rep, &after, sizeof(after), 2000);
	RELEASE_SERVER_COPY();
	ASSERT_JOINED(&self->sc);
	if (exec_waited) {
		/* exec waited for the copy: it landed in the old program. */
		ASSERT_OK(self->sc.res);
		ASSERT_EQ(0, cb_read_timed(self->rep, &after, sizeof(after),
					   WAIT_MS));
	} else {
		ASSERT_TRUE(self->sc.res.status == CLIENTBUF_STATUS_SUCCESS ||
			    self->sc.res.status ==
			    CLIENTBUF_STATUS_PROCESS_IS_TERMINATING)
			TH_LOG("server copy after the exec: %#x (%s)",
			       self->sc.res.status,
			       cb_status_name(self->sc.res.status));
	}
	ASSERT_EQ(0, after.err) TH_LOG("new program step %d: %s", after.step,
				       strerror(after.err));
	ASSERT_EQ(-1, after.changed)
		TH_LOG("byte %lld of the new program changed",
		       (long long)after.changed);
	/* SUCCESS: the bytes are in the old program's memory, all of them. */
	if (self->sc.res.status == CLIENTBUF_STATUS_SUCCESS) {
		ASSERT_EQ(0, memcmp(view, self->staging + (src - self->src),
				    part))
			TH_LOG("SUCCESS, but the old program does not hold "
			       "the bytes");
	} else {
		ASSERT_BYTES(view, part, 0);
	}

	/* Let the reader go; the old mm dies. */
	memset(self->staging, 0, self->page);
	ASSERT_EQ(0, uffd_copy(cuffd, cstop, self->staging));
	ASSERT_EQ(0, pthread_join(vth, NULL));
	ASSERT_EQ((ssize_t)self->page, v.ret) TH_LOG("process_vm_readv: %s",
						     strerror(v.err));
	/* Nothing reaches the new program from now on. */
	ASSERT_LATER_COPIES_TERMINATING(part);
	ASSERT_EQ(0, send_cmd(self, CMD_CHECK));
	ASSERT_EQ(0, cb_read_timed(self->rep, &after, sizeof(after), WAIT_MS));
	ASSERT_EQ(-1, after.changed)
		TH_LOG("byte %lld of the new program changed",
		       (long long)after.changed);
	ASSERT_EQ(0, cb_wait_child(self->pid));
	self->pid = -1;
	ksft_print_msg("exec: the stopped server copy %s %s the exec\n",
		       cb_status_name(self->sc.res.status),
		       exec_waited ? "before" : "after");
	ASSERT_OK(srv_complete(self->sfd, self->call_id,
			       CLIENTBUF_STATUS_SUCCESS, 0, 0, 0));
	munmap(view, part);
	close(memfd);
	close(cuffd);
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = -1;
	ASSERT_LIVE_BASE(&self->base);
}

/* ======================================================================== */
/* A package server killed while its SERVER_OP copy is stopped              */
/* ======================================================================== */

/*
 * The server child: serve @name, report its userfaultfd, take one call
 * and copy pattern(seed) from its own memory, whose page STOP the
 * userfaultfd watches, into the client.
 */
static void __attribute__((noreturn)) srv_child(const char *name, int rep)
{
	size_t page = cb_page(), len = NPAGES * page;
	struct {
		struct clientbuf_server_call hdr;
		struct srv_submit s;
	} rec;
	struct report r = { 0 };
	int fd = cb_open();
	__u8 *src = cb_map(len), *staging = cb_map(len);
	size_t i;

	r.uffd = uffd_open();
	if (fd < 0 || !src || !staging || r.uffd < 0 || srv_serve(&fd, name).err) {
		r.err = EIO, r.step = 1;
		goto out;
	}
	/* pattern(SEED) in every page but STOP, which stays missing */
	cb_fill(staging, len, SEED);
	for (i = 0; i < NPAGES; i++)
		if (i != STOP)
			memcpy(src + i * page, staging + i * page, page);
	r.addr = (uintptr_t)src + STOP * page;
	r.err = uffd_register(r.uffd, src + STOP * page, page);
	r.step = 2;
	cb_write_full(rep, &r, sizeof(r));
	if (r.err)
		_exit(1);
	if (read(fd, &rec, sizeof(rec)) != sizeof(rec))
		_exit(1);
	srv_copy_to(fd, rec.hdr.call_id, rec.s.addr, src, rec.s.len);
	_exit(0);
out:
	cb_write_full(rep, &r, sizeof(r));
	_exit(1);
}

FIXTURE(srvkill) {
	int fd;
	int uffd;
	pid_t pid;
	__u8 *buf;
	size_t page, len;
	struct cb_live base;
	struct bg call;
};

FIXTURE_VARIANT(srvkill) {
	__u32 flags;
};

FIXTURE_VARIANT_ADD(srvkill, plain) {
	.flags = RW,
};

FIXTURE_VARIANT_ADD(srvkill, pinned) {
	.flags = PINRW,
};

FIXTURE_SETUP(srvkill)
{
	int probe = uffd_open();

	self->fd = self->uffd = -1;
	self->pid = -1;
	UFFD_OR_SKIP(probe);
	close(probe);
	if (geteuid())
		SKIP(return, "CLIENTBUF_IOC_SERVE needs CAP_SYS_ADMIN");
	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->page = cb_page();
	self->len = NPAGES * self->page;
}

FIXTURE_TEARDOWN(srvkill)
{
	if (self->pid > 0)
		cb_kill_child(self->pid);
	if (self->uffd >= 0)
		close(self->uffd);
	if (self->call.started)
		bg_join(&self->call, WAIT_MS);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * The server is killed while its copy into the client is stopped on a
 * page of its own memory: the client's call ends with
 * PORT_DISCONNECTED, and what landed is exactly what the copy had moved
 * before the stop: the pages before the stopped one, for a plain buffer
 * (its bytes move with page faults disabled, the server's side faulted
 * in only when a batch came up short) as for a pinned one.
 */
TEST_F(srvkill, server_killed_in_stopped_copy)
{
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct srv_submit s;
	struct srv_call call;
	struct report r;
	size_t landed;
	__u32 id;
	int rep[2];

	srv_name(name, sizeof(name), "uffdkill");
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (!self->pid) {
		close(rep[0]);
		srv_child(name, rep[1]);
	}
	close(rep[1]);
	ASSERT_EQ(0, cb_read_timed(rep[0], &r, sizeof(r), WAIT_MS));
	close(rep[0]);
	ASSERT_EQ(0, r.err) TH_LOG("server step %d: %s", r.step,
				   strerror(r.err));
	self->uffd = fd_of(self->pid, r.uffd);
	ASSERT_LE(0, self->uffd);

	self->fd = cb_open();
	ASSERT_LE(0, self->fd);
	self->buf = cb_map(self->len);
	ASSERT_NE(NULL, self->buf);
	memset(self->buf, 0, self->len);
	test_register(self->fd, variant->flags, self->buf, self->len, &id);
	s.addr = (uintptr_t)self->buf;
	s.len = (__u32)self->len;
	s.seed = SEED;
	self->call.kind = BG_SRV_CALL;
	self->call.fd = self->fd;
	self->call.pkg = name;
	self->call.submit = &s;
	self->call.submit_len = sizeof(s);
	ASSERT_EQ(0, bg_start(&self->call));
	/* The server stops in SERVER_OP on its own page STOP. */
	ASSERT_STOPPED_ON(self->uffd, (uintptr_t)r.addr);
	ASSERT_TRUE(bg_blocked(&self->call, 20));
	ASSERT_TRUE(cb_kill_child(self->pid));
	self->pid = -1;
	ASSERT_JOINED(&self->call);
	ASSERT_RES(ECONNRESET, CLIENTBUF_STATUS_PORT_DISCONNECTED,
		   self->call.res);
	landed = STOP * self->page;
	ASSERT_PATTERN(self->buf, landed, SEED);
	ASSERT_BYTES(self->buf + landed, self->len - landed, 0);
	/* The package is gone. */
	call = srv_call(self->fd, name, &s, sizeof(s), 0, 0);
	ASSERT_RES(ENOPKG, CLIENTBUF_STATUS_NO_SUCH_PACKAGE,
		   srv_call_res(&call));
	test_unregister(self->fd, id);
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	ASSERT_LIVE_BASE(&self->base);
}

int main(int argc, char **argv)
{
	/* _exit(): the new program must not release the slots at exit. */
	if (argc > 1 && !strcmp(argv[1], EXEC_CHILD_ARG))
		_exit(exec_child(argc, argv));
	return test_harness_run(argc, argv);
}
