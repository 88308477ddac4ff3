// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_fail_nth - fail every allocation of every operation, one at a
 * time, like tools/testing/selftests/iommu/iommufd_fail_nth.c.
 *
 * For nth = 1, 2, ...: write nth to /proc/self/task/<tid>/fail-nth, run
 * the operation, read fail-nth back (0: the nth fault site of this thread
 * was failed), disarm. An operation whose allocation failed must fail
 * cleanly - ENOMEM with STATUS_INSUFFICIENT_RESOURCES or STATUS_NO_MEMORY -
 * or succeed (the allocation was optional), and leave nothing behind: the
 * debugfs live counters and pinned_pages are back at their baseline once
 * the test's objects are released. The walk ends at the first nth that
 * fires no fault; each prints how many fault sites it failed.
 *
 * Fault sites are those of failslab and fail_page_alloc (set up in debugfs
 * to fail sleeping allocations and order-0 pages, silently) and, on a
 * kernel with CONFIG_FAULT_INJECTION_USERCOPY, of fail_usercopy: fail-nth
 * counts them all. A failed user copy is EFAULT, with
 * STATUS_ACCESS_VIOLATION or (the ioctl's own struct) no status at all;
 * those are counted apart.
 *
 * Needs CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB,
 * CONFIG_FAULT_INJECTION_DEBUG_FS (the debug kernel of make check-debug);
 * elsewhere every test is skipped. Memory is mlockall()ed so that no page
 * fault of the test itself allocates while a fault is armed.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/syscall.h>

#include "clientbuf_stress_util.h"
#include "clientbuf_srv_util.h"

#define HANDLE		0
#define MAX_NTH		3000
#define COPY_LEN	3000	/* <= PAGE_SIZE: kvmalloc() stays kmalloc() */
#define FAULT_DIR	"/sys/kernel/debug/"
#define NO_STATUS	0xdeadbeefU
#define PINRW	(CLIENTBUF_BUF_PIN | CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ)
#define RW	(CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ)

CB_RELEASE_SLOTS_AT_EXIT

/* ---- fail-nth ------------------------------------------------------------ */

static int fnth_open(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	return open(path, O_RDWR | O_CLOEXEC);
}

static int fnth_arm(int fd, unsigned int nth)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%u", nth);

	return pwrite(fd, b, (size_t)len, 0) == len ? 0 : -1;
}

/*
 * Did the armed fault fire? Disarms. Reading fail-nth back is itself a
 * user copy: if that copy is the nth site, the read fails with EFAULT,
 * which means the operation did not reach it.
 */
static int fnth_fired(int fd)
{
	char b[16] = "";
	ssize_t n = pread(fd, b, sizeof(b) - 1, 0);
	int fired = n > 0 && strtoul(b, NULL, 10) == 0;

	if (n < 0 && errno != EFAULT)
		fired = -1;
	/* (disarming can itself be the nth site, and then it is disarmed) */
	if (fnth_arm(fd, 0))
		fnth_arm(fd, 0);
	return fired;
}

static int debugfs_write(const char *name, const char *val)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), FAULT_DIR "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -errno;
	close(fd);
	return ret;
}

static bool usercopy_injection;

/*
 * failslab and fail_page_alloc: fail sleeping allocations too, and
 * order-0 pages; never print (a stack dump would fail the run's kernel
 * log check). Random failures stay off (probability 0): only fail-nth
 * injects.
 */
static int fault_setup(void)
{
	static const char *const optional[][2] = {
		{ "fail_page_alloc/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "fail_page_alloc/min-order", "0" },
		{ "fail_page_alloc/verbose", "0" },
		{ "fail_usercopy/verbose", "0" },
	};
	size_t i;

	if (debugfs_write("failslab/verbose", "0") ||
	    debugfs_write("failslab/ignore-gfp-wait", "N"))
		return -1;
	for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		debugfs_write(optional[i][0], optional[i][1]);
	usercopy_injection = !access(FAULT_DIR "fail_usercopy", F_OK);
	return 0;
}

/* ---- outcomes ------------------------------------------------------------- */

enum outcome { OUT_OK, OUT_NOMEM, OUT_USERCOPY, OUT_BAD, OUT_NR };

/*
 * @r against @ok, the status of the operation when nothing fails. An
 * errno-less result (a /dev/clientbuf_test ioctl) carries a failed
 * ioctl's errno as 0xdead0000 | errno.
 */
static enum outcome classify(struct cb_res r, __u32 ok)
{
	bool noerr = r.err == CB_NO_ERRNO;

	/* (every @ok is a success code: errno 0) */
	if (r.status == ok && (noerr || !r.err))
		return OUT_OK;
	if ((r.status == CLIENTBUF_STATUS_INSUFFICIENT_RESOURCES ||
	     r.status == CLIENTBUF_STATUS_NO_MEMORY) &&
	    (noerr || r.err == ENOMEM))
		return OUT_NOMEM;
	if (noerr && r.status == (0xdead0000U | ENOMEM))
		return OUT_NOMEM;
	if (!usercopy_injection)
		return OUT_BAD;
	if ((r.status == CLIENTBUF_STATUS_ACCESS_VIOLATION ||
	     r.status == NO_STATUS) && (noerr || r.err == EFAULT))
		return OUT_USERCOPY;
	if (noerr && r.status == (0xdead0000U | EFAULT))
		return OUT_USERCOPY;
	return OUT_BAD;
}

/* ---- the fixture: a client, a held request, buffers -------------------------- */

#define BUF_PAGES	4

FIXTURE(fnth) {
	int nth_fd;
	int fd;		/* the client of the operation */
	int tfd;
	int srv_fd;	/* a package server, for the server ops */
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	__u8 *buf;	/* BUF_PAGES, registered per operation */
	__u8 *sbuf;	/* the server's memory */
	size_t page;
	__u32 id;
	__u64 call_id;	/* a call read by the server */
	__u64 block;	/* an allocated block */
	struct cb_live base;
	long long pinned0;
	int counts[OUT_NR];
};

FIXTURE_SETUP(fnth)
{
	self->fd = self->tfd = self->srv_fd = self->nth_fd = -1;
	self->nth_fd = fnth_open();
	if (self->nth_fd < 0)
		SKIP(return, "no /proc/self/task/<tid>/fail-nth: the kernel "
		     "lacks CONFIG_FAULT_INJECTION (runs on the debug kernel "
		     "of make check-debug)");
	if (fault_setup())
		SKIP(return, "no " FAULT_DIR "failslab: the kernel lacks "
		     "CONFIG_FAILSLAB or CONFIG_FAULT_INJECTION_DEBUG_FS");
	ASSERT_EQ(0, mlockall(MCL_CURRENT | MCL_FUTURE))
		TH_LOG("mlockall: %s", strerror(errno));
	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->pinned0 = cb_stat("pinned_pages");
	self->page = cb_page();
	self->buf = cb_map(BUF_PAGES * self->page);
	self->sbuf = cb_map(BUF_PAGES * self->page);
	ASSERT_NE(NULL, self->buf);
	ASSERT_NE(NULL, self->sbuf);
	memset(self->buf, 1, BUF_PAGES * self->page);
	memset(self->sbuf, 2, BUF_PAGES * self->page);
	self->tfd = cbt_open();
	ASSERT_LE(0, self->tfd);
}

FIXTURE_TEARDOWN(fnth)
{
	if (self->nth_fd >= 0)
		fnth_arm(self->nth_fd, 0);
	if (self->fd >= 0)
		close(self->fd);
	if (self->srv_fd >= 0)
		close(self->srv_fd);
	if (self->tfd >= 0) {
		cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS);
		close(self->tfd);
	}
}

/*
 * struct walk - one operation walked through its fault sites
 * @name: for the report
 * @prepare: make what the operation needs, nothing armed; 0 or an errno
 * @run: the operation, armed
 * @ok: its status when nothing fails
 * @cleanup: release everything, nothing armed
 * @min_nomem: fault sites that must be allocations failed with ENOMEM (at
 *	most 1: with FAULT_INJECTION_USERCOPY the split of the sites between
 *	allocations and user copies varies from run to run)
 */
struct walk {
	const char *name;
	int (*prepare)(FIXTURE_DATA(fnth) *self);
	struct cb_res (*run)(FIXTURE_DATA(fnth) *self);
	__u32 ok;
	void (*cleanup)(FIXTURE_DATA(fnth) *self);
	int min_nomem;
};

static void walk(struct __test_metadata *_metadata, FIXTURE_DATA(fnth) *self,
		 const struct walk *w)
{
	int counts[OUT_NR] = {}, fired, err;
	struct cb_res res;
	enum outcome out;
	unsigned int nth;

	for (nth = 1; nth <= MAX_NTH; nth++) {
		err = w->prepare ? w->prepare(self) : 0;
		ASSERT_EQ(0, err) TH_LOG("%s: prepare: %s", w->name,
					 strerror(err));
		ASSERT_EQ(0, fnth_arm(self->nth_fd, nth));
		res = w->run(self);
		fired = fnth_fired(self->nth_fd);
		ASSERT_LE(0, fired) TH_LOG("read fail-nth: %s",
					   strerror(errno));
		out = classify(res, w->ok);
		if (!fired) {
			ASSERT_EQ(OUT_OK, out)
				TH_LOG("%s, nothing failed: errno %d, status "
				       "%#x (%s)", w->name, res.err,
				       res.status, cb_status_name(res.status));
		} else {
			ASSERT_NE(OUT_BAD, out)
				TH_LOG("%s, fault site %u failed: errno %d, "
				       "status %#x (%s)", w->name, nth,
				       res.err, res.status,
				       cb_status_name(res.status));
			counts[out]++;
		}
		if (w->cleanup)
			w->cleanup(self);
		ASSERT_PINNED_EQ(self->pinned0);
		ASSERT_LIVE_EQ(&self->base);
		if (!fired)
			break;
	}
	ASSERT_GE(MAX_NTH, nth) TH_LOG("%s: still failing at %u", w->name,
				      nth);
	ksft_print_msg("%s: %u fault sites: %d allocations failed cleanly, "
		       "%d optional, %d user copies\n", w->name, nth - 1,
		       counts[OUT_NOMEM], counts[OUT_OK],
		       counts[OUT_USERCOPY]);
	ASSERT_LE(w->min_nomem, counts[OUT_NOMEM]);
}

/* ---- helpers of the walks --------------------------------------------------- */

/* Open the client; register the buffer with @flags (0: none). */
static int open_client(FIXTURE_DATA(fnth) *self, __u32 flags)
{
	struct cb_res r;

	self->fd = cb_open();
	if (self->fd < 0)
		return errno;
	if (!flags)
		return 0;
	r = _cb_register(self->fd, flags, self->buf, BUF_PAGES * self->page);
	self->id = r.id;
	return r.err;
}

static void close_client(FIXTURE_DATA(fnth) *self)
{
	if (self->fd >= 0)
		close(self->fd);
	self->fd = -1;
}

static int prep_none(FIXTURE_DATA(fnth) *self)
{
	return open_client(self, 0);
}

static int prep_rw(FIXTURE_DATA(fnth) *self)
{
	return open_client(self, RW);
}

static int prep_pin(FIXTURE_DATA(fnth) *self)
{
	return open_client(self, PINRW);
}

static int prep_alloc(FIXTURE_DATA(fnth) *self)
{
	return open_client(self, RW | CLIENTBUF_BUF_ALLOC);
}

/* ---- register ------------------------------------------------------------- */

static struct cb_res run_register(FIXTURE_DATA(fnth) *self)
{
	return _cb_register(self->fd, RW, self->buf + 5,
			    BUF_PAGES * self->page - 5);
}

static struct cb_res run_register_pin(FIXTURE_DATA(fnth) *self)
{
	return _cb_register(self->fd, PINRW, self->buf + 5,
			    BUF_PAGES * self->page - 5);
}

static struct cb_res run_register_alloc(FIXTURE_DATA(fnth) *self)
{
	return _cb_register(self->fd, RW | CLIENTBUF_BUF_ALLOC, self->buf,
			    BUF_PAGES * self->page);
}

TEST_F(fnth, register)
{
	const struct walk w[] = {
		{ "register", prep_none, run_register,
		  CLIENTBUF_STATUS_SUCCESS, close_client, 1 },
		{ "register PIN", prep_none, run_register_pin,
		  CLIENTBUF_STATUS_SUCCESS, close_client, 1 },
		{ "register ALLOC", prep_none, run_register_alloc,
		  CLIENTBUF_STATUS_SUCCESS, close_client, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		walk(_metadata, self, &w[i]);
}

/* ---- calls ------------------------------------------------------------------ */

static struct cb_res run_call_sync(FIXTURE_DATA(fnth) *self)
{
	return cbt_op(self->fd, CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL, 0, 0,
		      0);
}

/* An asynchronous call, completed by the package, its record read. */
static struct cb_res run_call_async(FIXTURE_DATA(fnth) *self)
{
	struct clientbuf_completion c;
	struct cb_res r = cbt_hold(self->fd, HANDLE);
	ssize_t n;

	if (r.status != CLIENTBUF_STATUS_PENDING)
		return r;
	if (cbt_complete(self->tfd, HANDLE, 0x40000001U)) {
		r.err = CB_NO_ERRNO;
		r.status = 0xdead0000U | (__u32)errno;
		return r;
	}
	memset(&c, 0, sizeof(c));
	n = read(self->fd, &c, sizeof(c));
	if (n < 0) {
		/* A failed copy of the record: it stays queued. */
		r.err = errno;
		r.status = NO_STATUS;
		return r;
	}
	r.status = c.request_id == r.req_id && n == sizeof(c) ?
		   c.status : 0xbad;
	return r;
}

static void cleanup_async(FIXTURE_DATA(fnth) *self)
{
	struct clientbuf_completion c;

	cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS);
	while (read(self->fd, &c, sizeof(c)) > 0)
		;
	close_client(self);
}

static int prep_nonblock(FIXTURE_DATA(fnth) *self)
{
	int err = open_client(self, 0);

	if (!err)
		fcntl(self->fd, F_SETFL, O_NONBLOCK);
	return err;
}

TEST_F(fnth, call)
{
	const struct walk w[] = {
		{ "call sync", prep_none, run_call_sync,
		  CLIENTBUF_STATUS_SUCCESS, close_client, 1 },
		/* 0x40000001: an informational status, passed through */
		{ "call async + completion + read", prep_nonblock,
		  run_call_async, 0x40000001U, cleanup_async, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		walk(_metadata, self, &w[i]);
}

/* ---- copies in every context ------------------------------------------------- */

static __u32 copy_ctx;
static __u32 copy_op;

static struct cb_res run_copy(FIXTURE_DATA(fnth) *self)
{
	return cbt_op(self->fd, copy_op, copy_ctx, self->buf + 100, COPY_LEN,
		      7, 0);
}

/* Copies from another process: a child walks CBTEST_IOC_COPY itself. */
struct remote_report {
	int setup_err;
	unsigned int sites;
	int counts[OUT_NR];
	int bad_nth;
	__u32 bad_status;
};

static void __attribute__((noreturn))
remote_walker(__u8 *addr, __u32 op, int rd, int wr)
{
	struct remote_report r;
	struct cb_res res;
	unsigned int nth;
	int nfd, tfd, fired;
	enum outcome out;
	char c = 1;

	memset(&r, 0, sizeof(r));
	nfd = fnth_open();
	tfd = cbt_open();
	if (nfd < 0 || tfd < 0 || mlockall(MCL_CURRENT | MCL_FUTURE)) {
		r.setup_err = errno;
		goto out;
	}
	/* The parent rewrites its buffer: no copy-on-write fault remains. */
	if (cb_write_full(wr, &c, 1) || cb_read_full(rd, &c, 1)) {
		r.setup_err = EPIPE;
		goto out;
	}
	for (nth = 1; nth <= MAX_NTH; nth++) {
		fnth_arm(nfd, nth);
		res = cbt_remote_copy(tfd, HANDLE, op, addr, COPY_LEN, 7);
		fired = fnth_fired(nfd);
		out = classify(res, CLIENTBUF_STATUS_SUCCESS);
		if (fired <= 0) {
			if (out != OUT_OK) {
				r.bad_nth = (int)nth;
				r.bad_status = res.status;
			}
			break;
		}
		if (out == OUT_BAD && !r.bad_nth) {
			r.bad_nth = (int)nth;
			r.bad_status = res.status;
		}
		r.counts[out]++;
	}
	r.sites = nth - 1;
out:
	cb_write_full(wr, &r, sizeof(r));
	_exit(0);
}

static void remote_walk(struct __test_metadata *_metadata,
			FIXTURE_DATA(fnth) *self, __u32 op, const char *name)
{
	struct remote_report r;
	int to[2], from[2];
	pid_t pid;
	char c;

	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, cbt_hold(self->fd, HANDLE));
	ASSERT_EQ(0, pipe2(to, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(from, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(to[1]);
		close(from[0]);
		remote_walker(self->buf + 100, op, to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	if (!cb_read_full(from[0], &c, 1)) {
		memset(self->buf, 1, BUF_PAGES * self->page);
		cb_fill(self->buf + 100, COPY_LEN, 7);
		cb_write_full(to[1], &c, 1);
	}
	ASSERT_EQ(0, cb_read_full(from[0], &r, sizeof(r)));
	close(to[1]);
	close(from[0]);
	ASSERT_EQ(0, cb_wait_child(pid));
	ASSERT_EQ(0, r.setup_err) TH_LOG("walker: %s", strerror(r.setup_err));
	ASSERT_EQ(0, r.bad_nth) TH_LOG("%s, fault site %d: status %#x (%s)",
				       name, r.bad_nth, r.bad_status,
				       cb_status_name(r.bad_status));
	ASSERT_GE(MAX_NTH, r.sites);
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS));
	ksft_print_msg("%s: %u fault sites: %d allocations failed cleanly, "
		       "%d optional, %d user copies\n", name, r.sites,
		       r.counts[OUT_NOMEM], r.counts[OUT_OK],
		       r.counts[OUT_USERCOPY]);
	ASSERT_LE(1, r.counts[OUT_NOMEM]);
}

static void copy_walks(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fnth) *self, bool pin)
{
	static const struct {
		__u32 ctx;
		const char *name;
	} ctxs[] = {
		{ CBTEST_CTX_CALLER, "caller" },
		{ CBTEST_CTX_WORKQUEUE, "workqueue" },
		{ CBTEST_CTX_KTHREAD, "kthread" },
	};
	char name[96];
	size_t i;
	int dir;

	for (dir = 0; dir < 2; dir++) {
		for (i = 0; i < sizeof(ctxs) / sizeof(ctxs[0]); i++) {
			struct walk w = {
				.name = name,
				.prepare = pin ? prep_pin : prep_rw,
				.run = run_copy,
				.ok = CLIENTBUF_STATUS_SUCCESS,
				.cleanup = close_client,
				/*
				 * Which of the caller's fault sites are
				 * allocations and which user copies varies
				 * with the context and from run to run
				 * (FAULT_INJECTION_USERCOPY counts both);
				 * every site must fail cleanly, and at least
				 * one must be an allocation that did.
				 */
				.min_nomem = 1,
			};

			copy_op = dir ? CBTEST_OP_COPY_FROM : CBTEST_OP_COPY_TO;
			copy_ctx = ctxs[i].ctx;
			snprintf(name, sizeof(name), "copy %s, %s%s",
				 dir ? "from" : "to", ctxs[i].name,
				 pin ? ", pinned" : "");
			if (dir)
				cb_fill(self->buf + 100, COPY_LEN, 7);
			walk(_metadata, self, &w);
		}
		snprintf(name, sizeof(name), "copy %s, other process%s",
			 dir ? "from" : "to", pin ? ", pinned" : "");
		ASSERT_EQ(0, open_client(self, pin ? PINRW : RW));
		remote_walk(_metadata, self, dir ? CBTEST_OP_COPY_FROM :
			    CBTEST_OP_COPY_TO, name);
		close_client(self);
		ASSERT_PINNED_EQ(self->pinned0);
		ASSERT_LIVE_EQ(&self->base);
	}
}

TEST_F(fnth, copy)
{
	copy_walks(_metadata, self, false);
}

TEST_F(fnth, copy_pinned)
{
	copy_walks(_metadata, self, true);
}

/* ---- allocate and free ------------------------------------------------------ */

static struct cb_res run_alloc_free(FIXTURE_DATA(fnth) *self)
{
	struct cb_res r = cbt_op(self->fd, CBTEST_OP_ALLOC, CBTEST_CTX_CALLER,
				 NULL, 200, 0, 0);

	if (r.status != CLIENTBUF_STATUS_SUCCESS || r.err)
		return r;
	self->block = r.ret_addr;
	r = _cb_free(self->fd, self->id, r.ret_addr);
	if (!r.err)
		self->block = 0;
	return r;
}

static void cleanup_alloc(FIXTURE_DATA(fnth) *self)
{
	/* A free whose struct could not be copied back may have freed. */
	if (self->block)
		_cb_free(self->fd, self->id, self->block);
	self->block = 0;
	close_client(self);
}

TEST_F(fnth, allocate_free)
{
	const struct walk w = {
		"allocate + free", prep_alloc, run_alloc_free,
		CLIENTBUF_STATUS_SUCCESS, cleanup_alloc, 1,
	};

	walk(_metadata, self, &w);
}

/* ---- package servers ---------------------------------------------------------- */

static struct cb_res run_serve(FIXTURE_DATA(fnth) *self)
{
	srv_name(self->name, sizeof(self->name), "fnth");
	return srv_serve(self->fd, self->name);
}

/* A served package, and the client's buffer registered (@flags). */
static int prep_server(FIXTURE_DATA(fnth) *self, __u32 flags)
{
	struct cb_res s;

	self->srv_fd = cb_open();
	if (self->srv_fd < 0)
		return errno;
	srv_name(self->name, sizeof(self->name), "fnth");
	s = srv_serve(self->srv_fd, self->name);
	if (s.err)
		return s.err;
	fcntl(self->srv_fd, F_SETFL, O_NONBLOCK);
	return open_client(self, flags);
}

static int prep_server_rw(FIXTURE_DATA(fnth) *self)
{
	return prep_server(self, RW);
}

static struct cb_res run_server_call(FIXTURE_DATA(fnth) *self)
{
	struct srv_call c = srv_call(self->fd, self->name, "hi", 2,
				     CLIENTBUF_CALL_ASYNC, 0);
	struct cb_res r = { .err = c.err, .status = c.c.status };

	return r;
}

/* Answer whatever the server has, then close both sides. */
static void cleanup_server(FIXTURE_DATA(fnth) *self)
{
	struct {
		struct clientbuf_server_call hdr;
		char s[16];
	} rec;

	while (self->srv_fd >= 0 && read(self->srv_fd, &rec, sizeof(rec)) > 0)
		srv_complete(self->srv_fd, rec.hdr.call_id,
			     CLIENTBUF_STATUS_SUCCESS, 0, 0, 0);
	if (self->call_id)
		srv_complete(self->srv_fd, self->call_id,
			     CLIENTBUF_STATUS_SUCCESS, 0, 0, 0);
	self->call_id = 0;
	if (self->srv_fd >= 0)
		close(self->srv_fd);
	self->srv_fd = -1;
	close_client(self);
}

/* A call the server has read, for SERVER_OP. */
static int prep_server_op(FIXTURE_DATA(fnth) *self, __u32 flags)
{
	struct {
		struct clientbuf_server_call hdr;
		char s[16];
	} rec;
	struct srv_call c;
	int err = prep_server(self, flags);

	if (err)
		return err;
	c = srv_call(self->fd, self->name, "hi", 2, CLIENTBUF_CALL_ASYNC, 0);
	if (c.c.status != CLIENTBUF_STATUS_PENDING)
		return c.err ? c.err : EIO;
	if (read(self->srv_fd, &rec, sizeof(rec)) <= 0)
		return errno;
	self->call_id = rec.hdr.call_id;
	cb_fill(self->buf + 100, COPY_LEN, 9);
	return 0;
}

static int prep_server_op_rw(FIXTURE_DATA(fnth) *self)
{
	return prep_server_op(self, RW);
}

static int prep_server_op_pin(FIXTURE_DATA(fnth) *self)
{
	return prep_server_op(self, PINRW);
}

static struct cb_res run_server_copy_to(FIXTURE_DATA(fnth) *self)
{
	return srv_copy_to(self->srv_fd, self->call_id,
			   (uintptr_t)self->buf + 100, self->sbuf, COPY_LEN);
}

static struct cb_res run_server_copy_from(FIXTURE_DATA(fnth) *self)
{
	return srv_copy_from(self->srv_fd, self->call_id, self->sbuf,
			     (uintptr_t)self->buf + 100, COPY_LEN);
}

static struct cb_res run_server_alloc(FIXTURE_DATA(fnth) *self)
{
	__u64 block;

	return srv_alloc(self->srv_fd, self->call_id, 100, &block);
}

static int prep_server_op_alloc(FIXTURE_DATA(fnth) *self)
{
	return prep_server_op(self, RW | CLIENTBUF_BUF_ALLOC);
}

TEST_F(fnth, server)
{
	const struct walk w[] = {
		{ "SERVE", prep_none, run_serve, CLIENTBUF_STATUS_SUCCESS,
		  close_client, 1 },
		{ "call to a served package", prep_server_rw, run_server_call,
		  CLIENTBUF_STATUS_PENDING, cleanup_server, 1 },
		{ "SERVER_OP COPY_TO", prep_server_op_rw, run_server_copy_to,
		  CLIENTBUF_STATUS_SUCCESS, cleanup_server, 1 },
		{ "SERVER_OP COPY_FROM", prep_server_op_rw,
		  run_server_copy_from, CLIENTBUF_STATUS_SUCCESS,
		  cleanup_server, 1 },
		{ "SERVER_OP COPY_TO, pinned", prep_server_op_pin,
		  run_server_copy_to, CLIENTBUF_STATUS_SUCCESS,
		  cleanup_server, 0 },
		{ "SERVER_OP COPY_FROM, pinned", prep_server_op_pin,
		  run_server_copy_from, CLIENTBUF_STATUS_SUCCESS,
		  cleanup_server, 0 },
		{ "SERVER_OP ALLOC", prep_server_op_alloc, run_server_alloc,
		  CLIENTBUF_STATUS_SUCCESS, cleanup_server, 1 },
	};
	size_t i;

	if (geteuid())
		SKIP(return, "CLIENTBUF_IOC_SERVE needs CAP_SYS_ADMIN");
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		walk(_metadata, self, &w[i]);
}

TEST_HARNESS_MAIN
