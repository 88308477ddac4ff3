// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_isolation - a process can never reach memory that is not its
 * own.
 *
 *   passed fd      The fd of process A in process B - received over a unix
 *                  socket (SCM_RIGHTS), or inherited across fork() - is
 *                  A's client, bound to A's address space: every ioctl is
 *                  EPERM (with STATUS_ACCESS_DENIED where the struct has a
 *                  status; GET_INFO has none), read() is
 *                  EPERM, for a plain client fd and for a package server's
 *                  fd alike; B cannot register its own memory through it
 *                  (so registering "a range of another process" cannot
 *                  even be expressed), and A's client is unchanged.
 *                  (clientbuf_remote.c's "forked" tests cover the fork
 *                  case for REGISTER..read() one per TEST; this table adds
 *                  SERVE, SERVER_OP and SCM_RIGHTS.) poll() is not
 *                  refused: it reports only whether a record is queued.
 *   two clients    A's request reaches only A's buffers: B's buffer
 *                  address in A's call is STATUS_ACCESS_VIOLATION in every
 *                  context (caller, work item, kthread, another process),
 *                  B's bytes unchanged - with A and B in one process, and
 *                  with A and B in two processes that map their buffers at
 *                  the same address (MAP_FIXED_NOREPLACE): there the copy
 *                  lands in the caller's memory only.
 *   exec           A client that exec()s a setuid-root program while
 *                  another process keeps copying into its registered range:
 *                  the new program, mapped at the same address, never
 *                  sees a byte. clientbuf_remote.c (exec_during_*) covers
 *                  a plain buffer and a plain exec; here the client is an
 *                  unprivileged user exec()ing a setuid-root copy of this
 *                  binary, with a plain and with a pinned buffer.
 *   permissions    /dev/clientbuf is 0666: uid 65534 with no capabilities
 *                  opens it and uses its own memory; /dev/clientbuf_test is
 *                  0600: EACCES; SERVE: EPERM / STATUS_ACCESS_DENIED.
 */
#include <grp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "clientbuf_hostile.h"

#define SEED		0x150
#define NOBODY		65534
#define FIXED_ADDR	0x3cc000000000ULL
#define EXEC_ARG	"--clientbuf-isolation-exec"
#define SUID_COPY	"/tmp/clientbuf_isolation.suid"
#define HANDLE		40

CB_RELEASE_SLOTS_AT_EXIT

/* ---- fd passing ------------------------------------------------------- */

static int send_fd(int sock, int fd)
{
	char c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	memset(&u, 0, sizeof(u));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* What process B tries with A's fd. */
enum b_op {
	B_GET_INFO, B_REGISTER_OWN, B_REGISTER_A, B_UNREGISTER, B_CALL_NOP,
	B_CALL_COPY_TO_B, B_CALL_COPY_TO_A, B_FREE, B_SERVE, B_SERVER_OP,
	B_SRV_SERVER_OP, B_SRV_UNREGISTER, B_SRV_SERVE, B_READ, B_SRV_READ,
	B_POLL, B_NR,
};

static const char *const b_names[B_NR] = {
	"GET_INFO", "REGISTER own memory", "REGISTER A's address",
	"UNREGISTER A's id", "CALL_PACKAGE nop", "CALL_PACKAGE copy to B",
	"CALL_PACKAGE copy to A's address", "FREE A's block", "SERVE",
	"SERVER_OP on a client fd", "SERVER_OP on A's server fd",
	"UNREGISTER on A's server fd", "SERVE on A's server fd", "read",
	"read on A's server fd", "poll",
};

struct b_result {
	struct cb_res res[B_NR];
	__s64 b_changed;	/* first byte of B's buffer that changed */
	int recv_err;
};

/* A's side of the passed-fd tests. */
FIXTURE(passed) {
	int fd;			/* A's client */
	int srv;		/* A's package server */
	size_t page;
	__u8 *buf;		/* A's registered buffer */
	__u32 id;
	__u64 block;		/* allocated in buf */
	__u64 call_id;		/* a call read from srv */
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct b_result *shared;
	struct cb_live base;
};

FIXTURE_VARIANT(passed) {
	bool scm;		/* B is not A's child: the fd came by socket */
};

FIXTURE_VARIANT_ADD(passed, scm_rights) {
	.scm = true,
};

FIXTURE_VARIANT_ADD(passed, fork_child) {
	.scm = false,
};

FIXTURE_SETUP(passed)
{
	struct clientbuf_server_call hdr;
	__u8 rec[sizeof(hdr) + 64];
	struct cbtest_cmd nop = cbt_cmd(CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL,
					0, 0, 0);
	struct clientbuf_call c;
	struct cb_res res;

	self->page = cb_page();
	self->fd = self->srv = -1;
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->shared = mmap(NULL, sizeof(*self->shared),
			    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			    -1, 0);
	ASSERT_NE(MAP_FAILED, self->shared);
	memset(self->shared, 0xff, sizeof(*self->shared));
	self->fd = cb_open();
	ASSERT_LE(0, self->fd);
	self->buf = cb_map(4 * self->page);
	ASSERT_NE(NULL, self->buf);
	cb_fill(self->buf, 4 * self->page, SEED);
	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ |
		      CLIENTBUF_BUF_ALLOC, self->buf, 4 * self->page,
		      &self->id);
	res = cbt_op(self->fd, CBTEST_OP_ALLOC, CBTEST_CTX_CALLER, NULL, 64,
		     0, 0);
	ASSERT_OK(res);
	self->block = res.ret_addr;

	if (geteuid())
		return;
	self->srv = cb_open();
	ASSERT_LE(0, self->srv);
	snprintf(self->name, sizeof(self->name), "iso.%d", (int)getpid());
	{
		struct clientbuf_serve s = { .size = sizeof(s) };

		memcpy(s.package, self->name, sizeof(s.package));
		ASSERT_EQ(0, ioctl(self->srv, CLIENTBUF_IOC_SERVE, &s));
		/* the server fd from now on */
		close(self->srv);
		self->srv = s.fd;
	}
	cb_call_init(&c, CBTEST_PACKAGE, &nop, sizeof(nop),
		     CLIENTBUF_CALL_ASYNC, 0);
	memcpy(c.package, self->name, sizeof(c.package));
	ASSERT_EQ(0, ioctl(self->fd, CLIENTBUF_IOC_CALL_PACKAGE, &c));
	ASSERT_EQ(CLIENTBUF_STATUS_PENDING, c.status);
	ASSERT_LT(0, read(self->srv, rec, sizeof(rec)));
	memcpy(&hdr, rec, sizeof(hdr));
	self->call_id = hdr.call_id;
}

FIXTURE_TEARDOWN(passed)
{
	if (self->srv >= 0)
		close(self->srv);
	if (self->fd >= 0)
		close(self->fd);
}

/* In B: every operation on A's fds; results to shared memory. */
static void b_try_all(FIXTURE_DATA(passed) *self, int fd, int srv)
{
	struct b_result *out = self->shared;
	__u8 *own = cb_map(self->page);
	struct clientbuf_info info;
	struct clientbuf_completion rec;
	__u8 srec[256];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < B_NR; i++)
		out->res[i].status = 0xdeadbeef;
	if (!own)
		_exit(3);
	out->res[B_GET_INFO].err = cb_get_info(fd, &info);
	out->res[B_REGISTER_OWN] = _cb_register(fd, CLIENTBUF_BUF_WRITE, own,
						self->page);
	out->res[B_REGISTER_A] = _cb_register(fd, CLIENTBUF_BUF_WRITE,
					      self->buf, self->page);
	out->res[B_UNREGISTER] = _cb_unregister(fd, self->id);
	out->res[B_CALL_NOP] = cbt_op(fd, CBTEST_OP_NOP, CBTEST_CTX_CALLER,
				      NULL, 0, 0, 0);
	out->res[B_CALL_COPY_TO_B] = cbt_op(fd, CBTEST_OP_COPY_TO,
					    CBTEST_CTX_KTHREAD, own,
					    (__u32)self->page, SEED + 1, 0);
	out->res[B_CALL_COPY_TO_A] = cbt_op(fd, CBTEST_OP_COPY_TO,
					    CBTEST_CTX_WORKQUEUE, self->buf,
					    (__u32)self->page, SEED + 1, 0);
	out->res[B_FREE] = _cb_free(fd, self->id, self->block);
	{
		struct clientbuf_serve s = { .size = sizeof(s),
					     .status = 0xdeadbeef };

		strcpy(s.package, "iso.b");
		out->res[B_SERVE].err = ioctl(fd, CLIENTBUF_IOC_SERVE, &s) ?
					errno : 0;
		out->res[B_SERVE].status = s.status;
		if (srv >= 0) {
			s.status = 0xdeadbeef;
			out->res[B_SRV_SERVE].err =
				ioctl(srv, CLIENTBUF_IOC_SERVE, &s) ? errno : 0;
			out->res[B_SRV_SERVE].status = s.status;
		}
	}
	{
		struct clientbuf_server_op o = {
			.size = sizeof(o), .op = CLIENTBUF_SRV_COPY_FROM,
			.call_id = self->call_id,
			.client_addr = (uintptr_t)self->buf,
			.server_addr = (uintptr_t)own, .len = 64,
			.status = 0xdeadbeef,
		};

		out->res[B_SERVER_OP].err =
			ioctl(fd, CLIENTBUF_IOC_SERVER_OP, &o) ? errno : 0;
		out->res[B_SERVER_OP].status = o.status;
		if (srv >= 0) {
			o.status = 0xdeadbeef;
			out->res[B_SRV_SERVER_OP].err =
				ioctl(srv, CLIENTBUF_IOC_SERVER_OP, &o) ?
				errno : 0;
			out->res[B_SRV_SERVER_OP].status = o.status;
			out->res[B_SRV_UNREGISTER] = _cb_unregister(srv, 1);
			out->res[B_SRV_READ].err =
				read(srv, srec, sizeof(srec)) < 0 ? errno : 0;
		}
	}
	out->res[B_READ].err = read(fd, &rec, sizeof(rec)) < 0 ? errno : 0;
	out->res[B_POLL].err = poll(&pfd, 1, 0) < 0 ? errno : 0;
	out->res[B_POLL].status = (__u32)pfd.revents;
	out->b_changed = cb_not_byte(own, self->page, 0);
}

#define EXPECT_DENIED(_i) do {						\
	if (r->res[_i].err != EPERM ||					\
	    r->res[_i].status != CLIENTBUF_STATUS_ACCESS_DENIED)	\
		TH_LOG("B: %s", b_names[_i]);				\
	EXPECT_RES(EPERM, CLIENTBUF_STATUS_ACCESS_DENIED, r->res[_i]);	\
} while (0)

TEST_F(passed, every_ioctl_refused)
{
	struct b_result *r = self->shared;
	int sv[2] = { -1, -1 }, i, fd, srv;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	if (variant->scm) {
		/* B: no fd of A's by inheritance; A's fds come by socket. */
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			close(self->fd);
			if (self->srv >= 0)
				close(self->srv);
			fd = recv_fd(sv[1]);
			srv = self->srv >= 0 ? recv_fd(sv[1]) : -1;
			if (fd < 0 || (self->srv >= 0 && srv < 0))
				_exit(2);
			b_try_all(self, fd, srv);
			_exit(0);
		}
		ASSERT_EQ(0, send_fd(sv[0], self->fd));
		if (self->srv >= 0)
			ASSERT_EQ(0, send_fd(sv[0], self->srv));
	} else {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			b_try_all(self, self->fd, self->srv);
			_exit(0);
		}
	}
	ASSERT_EQ(0, cb_wait_child(pid));
	close(sv[0]);
	close(sv[1]);

	/* GET_INFO tells what the client and its user hold: owner only. */
	ASSERT_EQ(EPERM, r->res[B_GET_INFO].err);
	for (i = B_REGISTER_OWN; i <= B_FREE; i++)
		EXPECT_DENIED(i);
	EXPECT_EQ(EPERM, r->res[B_READ].err);
	EXPECT_EQ(0, r->res[B_POLL].err);
	EXPECT_EQ(-1, r->b_changed) TH_LOG("B's memory changed");
	if (self->srv >= 0) {
		/* the owner check comes before CAP_SYS_ADMIN (B has it) */
		EXPECT_RES(EPERM, CLIENTBUF_STATUS_ACCESS_DENIED,
			   r->res[B_SERVE]);
		/* not an ioctl of the fd: refused before the owner check */
		EXPECT_RES(ENOTTY, 0xdeadbeef, r->res[B_SERVER_OP]);
		EXPECT_DENIED(B_SRV_SERVER_OP);
		EXPECT_EQ(ENOTTY, r->res[B_SRV_UNREGISTER].err);
		EXPECT_RES(ENOTTY, 0xdeadbeef, r->res[B_SRV_SERVE]);
		EXPECT_EQ(EPERM, r->res[B_SRV_READ].err);
	}
	ASSERT_FALSE(_metadata->exit_code);

	/* A's client is as it was. */
	ASSERT_PATTERN(self->buf, 4 * self->page, SEED);
	ASSERT_OK(cbt_op(self->fd, CBTEST_OP_COPY_FROM, CBTEST_CTX_CALLER,
			 self->buf, (__u32)(4 * self->page), SEED, 0));
	ASSERT_OK(_cb_free(self->fd, self->id, self->block));
	if (self->srv >= 0) {
		struct clientbuf_server_op o = {
			.size = sizeof(o), .op = CLIENTBUF_SRV_COMPLETE,
			.call_id = self->call_id,
		};
		struct clientbuf_completion rec;

		ASSERT_EQ(0, ioctl(self->srv, CLIENTBUF_IOC_SERVER_OP, &o));
		ASSERT_EQ((ssize_t)sizeof(rec), read(self->fd, &rec,
						     sizeof(rec)));
		ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, rec.status);
	}
	test_unregister(self->fd, self->id);
	close(self->fd);
	self->fd = -1;
	if (self->srv >= 0) {
		close(self->srv);
		self->srv = -1;
	}
	ASSERT_HX_LIVE_EQ(&self->base);
}

/* ---- two clients ------------------------------------------------------- */

FIXTURE(two) {
	int a, b;		/* two clients of this process */
	int tfd;
	size_t page, len;
	__u8 *abuf, *bbuf;
	__u32 aid, bid;
};

FIXTURE_VARIANT(two) {
	__u32 ctx;
	bool pin_b;
};

FIXTURE_VARIANT_ADD(two, caller) { .ctx = CBTEST_CTX_CALLER };
FIXTURE_VARIANT_ADD(two, workqueue) { .ctx = CBTEST_CTX_WORKQUEUE };
FIXTURE_VARIANT_ADD(two, kthread) { .ctx = CBTEST_CTX_KTHREAD };
FIXTURE_VARIANT_ADD(two, caller_b_pinned) {
	.ctx = CBTEST_CTX_CALLER, .pin_b = true,
};
FIXTURE_VARIANT_ADD(two, kthread_b_pinned) {
	.ctx = CBTEST_CTX_KTHREAD, .pin_b = true,
};

FIXTURE_SETUP(two)
{
	self->page = cb_page();
	self->len = 4 * self->page;
	cbt_release_slots();
	self->a = cb_open();
	self->b = cb_open();
	ASSERT_LE(0, self->a);
	ASSERT_LE(0, self->b);
	self->tfd = geteuid() ? -1 : cbt_open();
	self->abuf = cb_map(self->len);
	self->bbuf = cb_map(self->len);
	ASSERT_NE(NULL, self->abuf);
	ASSERT_NE(NULL, self->bbuf);
	cb_fill(self->bbuf, self->len, SEED);
	test_register(self->a, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ |
		      CLIENTBUF_BUF_ALLOC, self->abuf, self->len, &self->aid);
	test_register(self->b, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ |
		      CLIENTBUF_BUF_ALLOC |
		      (variant->pin_b ? CLIENTBUF_BUF_PIN : 0), self->bbuf,
		      self->len, &self->bid);
}

FIXTURE_TEARDOWN(two)
{
	if (self->tfd >= 0)
		close(self->tfd);
	close(self->a);
	close(self->b);
	cbt_release_slots();
}

#define ASSERT_AV(_res) ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION, _res)

TEST_F(two, a_cannot_reach_b)
{
	struct cb_res res;
	size_t off;

	/* B's range, from its first byte to its last, whole or in part */
	for (off = 0; off < self->len; off += self->page - 1) {
		ASSERT_AV(cbt_op(self->a, CBTEST_OP_COPY_TO, variant->ctx,
				 self->bbuf + off, 1, SEED + 1, 0));
		ASSERT_AV(cbt_op(self->a, CBTEST_OP_COPY_FROM, variant->ctx,
				 self->bbuf + off, 1, SEED, 0));
	}
	ASSERT_AV(cbt_op(self->a, CBTEST_OP_COPY_TO, variant->ctx, self->bbuf,
			 (__u32)self->len, SEED + 1, 0));
	ASSERT_AV(cbt_op(self->a, CBTEST_OP_COPY_TO, variant->ctx,
			 self->bbuf + self->len - 1, 1, SEED + 1, 0));
	/* through the function table too */
	ASSERT_AV(cbt_op(self->a, CBTEST_OP_COPY_TO, variant->ctx, self->bbuf,
			 64, SEED + 1, CBTEST_F_TABLE));
	/* B's block is no block of A's */
	res = cbt_op(self->b, CBTEST_OP_ALLOC, CBTEST_CTX_CALLER, NULL, 64, 0,
		     0);
	ASSERT_OK(res);
	ASSERT_EQ((uintptr_t)self->bbuf, res.ret_addr);
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   cbt_op(self->a, CBTEST_OP_FREE, variant->ctx, self->bbuf,
			  0, 0, 0));
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_free(self->a, self->aid, (uintptr_t)self->bbuf));
	/* A's allocations land in A's buffer, whatever B registered */
	res = cbt_op(self->a, CBTEST_OP_ALLOC_COPY, variant->ctx, NULL, 64,
		     SEED + 2, 0);
	ASSERT_OK(res);
	ASSERT_EQ((uintptr_t)self->abuf, res.ret_addr);
	ASSERT_PATTERN(self->abuf, 64, SEED + 2);

	ASSERT_PATTERN(self->bbuf, self->len, SEED);
	/* B's block is still B's */
	ASSERT_OK(_cb_free(self->b, self->bid, (uintptr_t)self->bbuf));
	/* and B still reaches its own buffer */
	ASSERT_OK(cbt_op(self->b, CBTEST_OP_COPY_FROM, variant->ctx,
			 self->bbuf, (__u32)self->len, SEED, 0));
}

TEST_F(two, held_request_from_another_process)
{
	if (self->tfd < 0)
		SKIP(return, "/dev/clientbuf_test is root's");
	test_hold(self->a, HANDLE);
	/* The copier is another process: the registered-mm path. */
	{
		struct cb_server s;

		ASSERT_EQ(0, cb_server_start(&s, -1));
		ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_ACCESS_VIOLATION,
			   cb_server_copy(&s, HANDLE, CBTEST_OP_COPY_TO,
					  self->bbuf, 64, SEED + 1));
		ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_ACCESS_VIOLATION,
			   cb_server_copy(&s, HANDLE, CBTEST_OP_COPY_FROM,
					  self->bbuf, 64, SEED));
		ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_SUCCESS,
			   cb_server_copy(&s, HANDLE, CBTEST_OP_COPY_TO,
					  self->abuf, 64, SEED + 3));
		ASSERT_EQ(0, cb_server_stop(&s));
	}
	ASSERT_PATTERN(self->abuf, 64, SEED + 3);
	ASSERT_PATTERN(self->bbuf, self->len, SEED);
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE, 0));
}

/* ---- two processes, one address ----------------------------------------- */

struct twin_msg {
	int err;
	__u32 status;
	__s64 changed;		/* first byte of B's range not 0x5a, or -1 */
};

/*
 * B: maps FIXED_ADDR, fills it with 0x5a, registers it (pinned or not),
 * holds a request in slot HANDLE + 1; reports, waits, reports whether a
 * byte changed.
 */
static void twin_b(int cmd, int rep, size_t len, bool pin)
{
	struct twin_msg m = { .changed = -1 };
	struct cb_res res;
	__u8 *p = cb_map_fixed(FIXED_ADDR, len);
	char c;
	int fd = cb_open();

	if (!p || fd < 0) {
		m.err = errno;
		goto out;
	}
	memset(p, 0x5a, len);
	res = _cb_register(fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ |
			   (pin ? CLIENTBUF_BUF_PIN : 0), p, len);
	if (res.err) {
		m.err = res.err, m.status = res.status;
		goto out;
	}
	res = cbt_hold(fd, HANDLE + 1);
	if (res.status != CLIENTBUF_STATUS_PENDING) {
		m.err = res.err ? res.err : EPROTO, m.status = res.status;
		goto out;
	}
	cb_write_full(rep, &m, sizeof(m));
	if (cb_read_full(cmd, &c, 1))
		_exit(1);
	m.changed = cb_not_byte(p, len, 0x5a);
	/* B's own copies land in B */
	res = cbt_op(fd, CBTEST_OP_COPY_TO, CBTEST_CTX_KTHREAD, p, 64, SEED + 9,
		     0);
	m.status = res.status;
	if (!res.err && cb_mismatch(p, 64, SEED + 9) >= 0)
		m.err = EBADMSG;
out:
	cb_write_full(rep, &m, sizeof(m));
	if (cb_read_full(cmd, &c, 1))
		_exit(1);
	_exit(0);
}

FIXTURE(twins) {
	int fd, tfd;
	size_t len;
	__u8 *p;
	pid_t b;
	int cmd, rep;
};

FIXTURE_VARIANT(twins) {
	bool pin;
};

FIXTURE_VARIANT_ADD(twins, plain) { .pin = false };
FIXTURE_VARIANT_ADD(twins, pinned) { .pin = true };

FIXTURE_SETUP(twins)
{
	int cmd[2], rep[2];
	__u32 id;

	self->b = -1;
	self->len = 4 * cb_page();
	if (geteuid())
		SKIP(return, "/dev/clientbuf_test is root's");
	cbt_release_slots();
	self->tfd = cbt_open();
	ASSERT_LE(0, self->tfd);
	ASSERT_EQ(0, pipe2(cmd, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	self->b = fork();
	ASSERT_LE(0, self->b);
	if (!self->b) {
		close(cmd[1]);
		close(rep[0]);
		close(self->tfd);
		twin_b(cmd[0], rep[1], self->len, variant->pin);
	}
	close(cmd[0]);
	close(rep[1]);
	self->cmd = cmd[1];
	self->rep = rep[0];
	/* A: the same address, its own memory, its own client */
	self->p = cb_map_fixed(FIXED_ADDR, self->len);
	ASSERT_NE(NULL, self->p) TH_LOG("map %#llx: %s", FIXED_ADDR,
					strerror(errno));
	self->fd = cb_open();
	ASSERT_LE(0, self->fd);
	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ |
		      (variant->pin ? CLIENTBUF_BUF_PIN : 0), self->p,
		      self->len, &id);
}

FIXTURE_TEARDOWN(twins)
{
	if (self->b > 0) {
		kill(self->b, SIGKILL);
		cb_wait_child(self->b);
	}
	cbt_release_slots();
}

TEST_F(twins, copies_land_in_the_caller_only)
{
	struct twin_msg m;
	__u32 ctx;
	char go = 'g';

	ASSERT_EQ(0, cb_read_full(self->rep, &m, sizeof(m)));
	ASSERT_EQ(0, m.err) TH_LOG("B: %s, status %#x", strerror(m.err),
				   m.status);
	/* A's calls, every context: A's memory at the address */
	for (ctx = CBTEST_CTX_CALLER; ctx <= CBTEST_CTX_KTHREAD; ctx++) {
		memset(self->p, 0, self->len);
		ASSERT_OK(cbt_op(self->fd, CBTEST_OP_COPY_TO, ctx, self->p,
				 (__u32)self->len, SEED + ctx, 0));
		ASSERT_PATTERN(self->p, self->len, SEED + ctx);
	}
	/* A's held request, from another process: A's memory */
	test_hold(self->fd, HANDLE);
	memset(self->p, 0, self->len);
	{
		struct cb_server s;

		ASSERT_EQ(0, cb_server_start(&s, self->fd));
		ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_SUCCESS,
			   cb_server_copy(&s, HANDLE, CBTEST_OP_COPY_TO,
					  self->p, (__u32)self->len, SEED + 7));
		/* B's held request, from this process: B's memory */
		ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_SUCCESS,
			   cbt_remote_copy(self->tfd, HANDLE + 1,
					   CBTEST_OP_COPY_FROM, self->p, 64,
					   SEED + 7));
		ASSERT_EQ(0, cb_server_stop(&s));
	}
	ASSERT_PATTERN(self->p, self->len, SEED + 7);
	/* B's request reads B's bytes (0x5a), not A's pattern */
	{
		struct cbtest_remote r = cbt_remote(HANDLE + 1,
						    CBTEST_OP_COPY_FROM,
						    self->p, 64, SEED + 7);

		r.flags = 0;
		ASSERT_EQ(0, cbt_ioctl(self->tfd, CBTEST_IOC_COPY, &r));
		ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, r.status);
		ASSERT_EQ(CLIENTBUF_STATUS_UNSUCCESSFUL, r.protocol_status)
			TH_LOG("B's request read A's pattern");
	}
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE, 0));
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE + 1, 0));
	ASSERT_EQ(1, write(self->cmd, &go, 1));
	ASSERT_EQ(0, cb_read_full(self->rep, &m, sizeof(m)));
	ASSERT_EQ(-1, m.changed) TH_LOG("byte %lld of B's memory changed",
					(long long)m.changed);
	ASSERT_EQ(0, m.err);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, m.status);
	ASSERT_PATTERN(self->p, self->len, SEED + 7);
	ASSERT_EQ(1, write(self->cmd, &go, 1));
	ASSERT_EQ(0, cb_wait_child(self->b));
	self->b = -1;
}

/* ---- exec of a setuid program ------------------------------------------ */

struct exec_report {
	int err;
	int step;
	__u32 status;
	__u64 addr;
	__u64 len;
	__s64 changed;
	unsigned int euid;
};

/*
 * The new program (setuid root, started by uid 65534): the old address,
 * mapped afresh and zero; reports at once, then again on request.
 */
static int exec_main(int argc, char **argv)
{
	struct exec_report r = { .changed = -1 };
	int cmd, rep;
	__u8 *p;
	char c;

	if (argc != 5)
		return 2;
	r.len = strtoull(argv[2], NULL, 0);
	cmd = atoi(argv[3]);
	rep = atoi(argv[4]);
	r.euid = geteuid();
	p = cb_map_fixed(FIXED_ADDR, r.len);
	if (!p) {
		r.err = errno, r.step = 1;
		cb_write_full(rep, &r, sizeof(r));
		return 1;
	}
	r.addr = (uintptr_t)p;
	r.changed = cb_not_byte(p, r.len, 0);
	cb_write_full(rep, &r, sizeof(r));
	if (cb_read_full(cmd, &c, 1))
		return 1;
	r.changed = cb_not_byte(p, r.len, 0);
	cb_write_full(rep, &r, sizeof(r));
	return 0;
}

/* The client: uid 65534, registers FIXED_ADDR, holds, exec()s. */
static void exec_client(int cmd, int rep, size_t len, bool pin)
{
	struct exec_report r = { .changed = -1 };
	char lenbuf[32], cmdbuf[16], repbuf[16];
	char *argv[] = { "clientbuf_isolation", EXEC_ARG, lenbuf, cmdbuf,
			 repbuf, NULL };
	struct cb_res res;
	__u8 *p;
	char c;
	int fd, i;

	if (setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY)) {
		r.err = errno, r.step = 1;
		goto fail;
	}
	fd = cb_open();
	p = cb_map_fixed(FIXED_ADDR, len);
	if (fd < 0 || !p) {
		r.err = errno, r.step = 2;
		goto fail;
	}
	memset(p, 0, len);
	res = _cb_register(fd, CLIENTBUF_BUF_WRITE |
			   (pin ? CLIENTBUF_BUF_PIN : 0), p, len);
	if (res.err) {
		r.err = res.err, r.step = 3, r.status = res.status;
		goto fail;
	}
	res = cbt_hold(fd, HANDLE + 2);
	if (res.status != CLIENTBUF_STATUS_PENDING) {
		r.err = res.err ? res.err : EPROTO, r.step = 4;
		r.status = res.status;
		goto fail;
	}
	r.addr = (uintptr_t)p;
	r.len = len;
	cb_write_full(rep, &r, sizeof(r));
	if (cb_read_full(cmd, &c, 1))
		_exit(1);
	/* once the copies land */
	for (i = 0; p[len - 1] != cbtest_pattern(SEED, len - 1); i++) {
		if (i == 10000) {
			r.err = ETIMEDOUT, r.step = 5;
			goto fail;
		}
		cb_msleep(1);
	}
	snprintf(lenbuf, sizeof(lenbuf), "%zu", len);
	snprintf(cmdbuf, sizeof(cmdbuf), "%d", cmd);
	snprintf(repbuf, sizeof(repbuf), "%d", rep);
	execv(SUID_COPY, argv);
	r.err = errno, r.step = 6;
fail:
	cb_write_full(rep, &r, sizeof(r));
	_exit(1);
}

/* Copy this binary to SUID_COPY, owned by root, mode 04755. */
static int make_suid_copy(void)
{
	char buf[65536];
	ssize_t n;
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), out;

	unlink(SUID_COPY);
	out = open(SUID_COPY, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (cb_write_full(out, buf, (size_t)n))
			return -1;
	close(in);
	if (fchown(out, 0, 0) || fchmod(out, 04755) || close(out))
		return -1;
	return n ? -1 : 0;
}

FIXTURE(suid) {
	int tfd;
	pid_t child;
	int cmd, rep;
	struct cb_live base;
};

FIXTURE_VARIANT(suid) {
	bool pin;
};

FIXTURE_VARIANT_ADD(suid, plain) { .pin = false };
FIXTURE_VARIANT_ADD(suid, pinned) { .pin = true };

FIXTURE_SETUP(suid)
{
	self->child = -1;
	self->tfd = -1;
	if (geteuid())
		SKIP(return, "needs root to make a setuid program");
	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	ASSERT_EQ(0, make_suid_copy()) TH_LOG("%s: %s", SUID_COPY,
					      strerror(errno));
	self->tfd = cbt_open();
	ASSERT_LE(0, self->tfd);
}

FIXTURE_TEARDOWN(suid)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		cb_wait_child(self->child);
	}
	if (self->tfd >= 0)
		close(self->tfd);
	cbt_release_slots();
	unlink(SUID_COPY);
}

TEST_F(suid, exec_never_receives_a_write)
{
	const size_t len = 16 * cb_page();
	struct exec_report r, after;
	unsigned int ok = 0, i;
	bool setuid_took;
	struct cb_res res;
	int cmd[2], rep[2];
	char go = 'g';
	void *addr;

	/* Not O_CLOEXEC: the new program reports through them. */
	ASSERT_EQ(0, pipe(cmd));
	ASSERT_EQ(0, pipe(rep));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		close(cmd[1]);
		close(rep[0]);
		close(self->tfd);
		exec_client(cmd[0], rep[1], len, variant->pin);
	}
	close(cmd[0]);
	close(rep[1]);
	self->cmd = cmd[1];
	self->rep = rep[0];
	ASSERT_EQ(0, cb_read_full(self->rep, &r, sizeof(r)));
	ASSERT_EQ(0, r.err) TH_LOG("client step %d: %s, status %#x", r.step,
				   strerror(r.err), r.status);
	addr = (void *)(uintptr_t)r.addr;

	/* Copy until the exec stops it (10 s at most). */
	ASSERT_EQ(1, write(self->cmd, &go, 1));
	for (i = 0; i < 1000000; i++) {
		res = cbt_remote_copy(self->tfd, HANDLE + 2, CBTEST_OP_COPY_TO,
				      addr, (__u32)len, SEED);
		if (res.status != CLIENTBUF_STATUS_SUCCESS)
			break;
		ok++;
	}
	ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_PROCESS_IS_TERMINATING, res);
	ASSERT_LT(0, ok);
	ASSERT_EQ(0, cb_read_full(self->rep, &after, sizeof(after)));
	ASSERT_EQ(0, after.err) TH_LOG("new program step %d: %s", after.step,
				       strerror(after.err));
	ASSERT_EQ(r.addr, after.addr);
	setuid_took = after.euid == 0;
	ASSERT_EQ(-1, after.changed) TH_LOG("byte %lld of the new program changed",
					    (long long)after.changed);
	/* The new program is mapped there now: still nothing lands. */
	for (i = 0; i < 200; i++)
		ASSERT_RES(CB_NO_ERRNO,
			   CLIENTBUF_STATUS_PROCESS_IS_TERMINATING,
			   cbt_remote_copy(self->tfd, HANDLE + 2,
					   CBTEST_OP_COPY_TO, addr,
					   (__u32)len, SEED));
	ASSERT_EQ(1, write(self->cmd, &go, 1));
	ASSERT_EQ(0, cb_read_full(self->rep, &after, sizeof(after)));
	ASSERT_EQ(-1, after.changed) TH_LOG("byte %lld of the new program changed",
					    (long long)after.changed);
	ASSERT_EQ(0, cb_wait_child(self->child));
	self->child = -1;
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE + 2, 0));
	ASSERT_HX_LIVE_EQ(&self->base);
	/* the checks held, but the program was not setuid: not what is named */
	if (!setuid_took)
		SKIP(return, "the copy is not setuid here (euid %u): nosuid /tmp?",
		     after.euid);
}

/* ---- device permissions ------------------------------------------------ */

TEST(device_modes)
{
	struct stat st;

	ASSERT_EQ(0, stat(CB_DEV, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0666, st.st_mode & 07777);
	ASSERT_EQ(0, stat(CBT_DEV, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0600, st.st_mode & 07777);
	ASSERT_EQ(0, st.st_uid);
}

/* What the unprivileged child saw. */
struct nobody_result {
	int drop_err;
	int open_err;
	struct cb_res reg, copy, copy_from, serve;
	__s64 mismatch;
	int test_dev_err;
	int capeff_nonzero;
};

TEST(unprivileged_user)
{
	struct nobody_result *r;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to drop to uid %d", NOBODY);
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	memset(r, 0xff, sizeof(*r));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		size_t len = 2 * cb_page();
		__u8 *p = cb_map(len);
		int fd, tfd;

		/* Nothing of clientbuf's is open before the drop. */
		r->drop_err = setgroups(0, NULL) ||
			      setresgid(NOBODY, NOBODY, NOBODY) ||
			      setresuid(NOBODY, NOBODY, NOBODY) ? errno : 0;
		{
			FILE *f = fopen("/proc/self/status", "r");
			char line[256];

			r->capeff_nonzero = -1;
			while (f && fgets(line, sizeof(line), f))
				if (!strncmp(line, "CapEff:", 7))
					r->capeff_nonzero =
						strtoull(line + 7, NULL, 16) != 0;
			if (f)
				fclose(f);
		}
		fd = cb_open();
		r->open_err = fd < 0 ? errno : 0;
		if (fd >= 0 && p) {
			r->reg = _cb_register(fd, CLIENTBUF_BUF_WRITE |
					      CLIENTBUF_BUF_READ, p, len);
			r->copy = cbt_op(fd, CBTEST_OP_COPY_TO,
					 CBTEST_CTX_KTHREAD, p + 3,
					 (__u32)len - 3, SEED, 0);
			r->mismatch = cb_mismatch(p + 3, len - 3, SEED);
			r->copy_from = cbt_op(fd, CBTEST_OP_COPY_FROM,
					      CBTEST_CTX_CALLER, p + 3,
					      (__u32)len - 3, SEED, 0);
			{
				struct clientbuf_serve s = {
					.size = sizeof(s),
					.status = 0xdeadbeef,
				};

				strcpy(s.package, "iso.nobody");
				r->serve.err = ioctl(fd, CLIENTBUF_IOC_SERVE,
						     &s) ? errno : 0;
				r->serve.status = s.status;
			}
		}
		tfd = cbt_open();
		r->test_dev_err = tfd < 0 ? errno : 0;
		_exit(0);
	}
	ASSERT_EQ(0, cb_wait_child(pid));
	ASSERT_EQ(0, r->drop_err);
	ASSERT_EQ(0, r->capeff_nonzero);
	ASSERT_EQ(0, r->open_err);
	ASSERT_OK(r->reg);
	ASSERT_EQ(1, r->reg.id);
	ASSERT_OK(r->copy);
	ASSERT_EQ(-1, r->mismatch);
	ASSERT_OK(r->copy_from);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, r->copy_from.proto);
	ASSERT_RES(EPERM, CLIENTBUF_STATUS_ACCESS_DENIED, r->serve);
	ASSERT_EQ(EACCES, r->test_dev_err);
}

int main(int argc, char **argv)
{
	/* _exit(): the new program must not release the slots at exit. */
	if (argc > 1 && !strcmp(argv[1], EXEC_ARG))
		_exit(exec_main(argc, argv));
	return test_harness_run(argc, argv);
}
