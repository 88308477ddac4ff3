// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_server - userspace package servers: CLIENTBUF_IOC_SERVE,
 * reading calls from a server fd, CLIENTBUF_IOC_SERVER_OP, and what
 * happens when either side dies. Each check asserts the errno and the
 * NTSTATUS.
 *
 * Most tests are a server (the test process, which asserts) and a client
 * child process, so that the server's copies take the other-process path.
 * The child puts the addresses of its buffers in its submit buffer, as a
 * real protocol would, and reports what its call returned through a pipe.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <grp.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "clientbuf_srv_util.h"

#define SUBMIT_MAGIC	0x43425356U	/* "CBSV" */
#define READ_LEN	4096
#define ALLOC_LEN	(64 * 1024)
#define ANSWER_LEN	200
#define READ_SEED	0x1234
#define ANSWER_SEED	0x9876
#define WAIT_MS		10000

/* What a client child sends its server in the submit buffer. */
struct submit {
	__u32 magic;
	__u32 seed;
	__u64 read_addr;	/* READ buffer, pattern(seed) */
	__u64 alloc_addr;	/* WRITE | ALLOC buffer */
	__u32 read_len;
	__u32 alloc_len;
	char text[16];
};

enum child_mode {
	CHILD_SYNC,		/* synchronous call, report it, exit */
	CHILD_ASYNC,		/* asynchronous call, report, wait, report */
	CHILD_ASYNC_HANG,	/* asynchronous call, report, wait for death */
};

/* What a client child reports: its call, then (async) the completion. */
struct report {
	int err;		/* errno of the call */
	int comp_err;		/* errno of reading the completion */
	struct clientbuf_call call;
	struct clientbuf_completion comp;
	__u64 read_addr;
	__u64 alloc_addr;
	__u8 answer[ANSWER_LEN];	/* the bytes at the return address */
	int answer_ok;		/* the return address was inside alloc */
};

struct client_child {
	pid_t pid;
	int rd;			/* reports */
};

static void child_copy_answer(struct report *r, __u64 addr, __u32 len,
			      const __u8 *alloc)
{
	__u64 lo = (uintptr_t)alloc;

	if (addr >= lo && addr - lo + len <= ALLOC_LEN && len <= ANSWER_LEN) {
		memcpy(r->answer, alloc + (addr - lo), len);
		r->answer_ok = 1;
	}
}

/* The client child: never returns. */
static void __attribute__((noreturn))
client_child_main(const char *pkg, enum child_mode mode, int wr)
{
	struct submit s;
	struct report r;
	struct srv_call c;
	struct cb_res reg;
	__u8 *rbuf, *abuf;
	__u32 aid = 0;
	int fd;

	memset(&r, 0, sizeof(r));
	fd = cb_open();
	rbuf = cb_map(READ_LEN);
	abuf = cb_map(ALLOC_LEN);
	if (fd < 0 || !rbuf || !abuf)
		_exit(10);
	cb_fill(rbuf, READ_LEN, READ_SEED);
	if (_cb_register(fd, CLIENTBUF_BUF_READ, rbuf, READ_LEN).err)
		_exit(11);
	reg = _cb_register(fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC, abuf,
			   ALLOC_LEN);
	if (reg.err)
		_exit(11);
	aid = reg.id;

	memset(&s, 0, sizeof(s));
	s.magic = SUBMIT_MAGIC;
	s.seed = READ_SEED;
	s.read_addr = (uintptr_t)rbuf;
	s.read_len = READ_LEN;
	s.alloc_addr = (uintptr_t)abuf;
	s.alloc_len = ALLOC_LEN;
	strcpy(s.text, "hello server");
	r.read_addr = s.read_addr;
	r.alloc_addr = s.alloc_addr;

	c = srv_call(fd, pkg, &s, sizeof(s),
		     mode == CHILD_SYNC ? 0 : CLIENTBUF_CALL_ASYNC, aid);
	r.err = c.err;
	r.call = c.c;
	if (mode == CHILD_SYNC)
		child_copy_answer(&r, c.c.return_addr, c.c.return_len, abuf);
	if (cb_write_full(wr, &r, sizeof(r)))
		_exit(12);
	if (mode == CHILD_ASYNC_HANG)
		for (;;)
			pause();
	if (mode == CHILD_ASYNC) {
		r.comp_err = srv_read_completion(fd, &r.comp, WAIT_MS);
		child_copy_answer(&r, r.comp.return_addr, r.comp.return_len,
				  abuf);
		if (cb_write_full(wr, &r, sizeof(r)))
			_exit(13);
	}
	close(fd);
	_exit(0);
}

static int client_child_start(struct client_child *ch, const char *pkg,
			      enum child_mode mode)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -1;
	ch->pid = fork();
	if (ch->pid < 0)
		return -1;
	if (!ch->pid) {
		close(p[0]);
		client_child_main(pkg, mode, p[1]);
	}
	close(p[1]);
	ch->rd = p[0];
	return 0;
}

static int client_child_report(struct client_child *ch, struct report *r)
{
	return cb_read_timed(ch->rd, r, sizeof(*r), WAIT_MS);
}

/* A call record as read from a server fd. */
struct record {
	struct clientbuf_server_call hdr;
	struct submit s;
	char slack[64];
};

/* Wait for a call and read it; the byte count or -errno. */
static ssize_t read_record(int fd, struct record *rec, size_t len)
{
	ssize_t n;

	if (!(cb_poll(fd, POLLIN, WAIT_MS) & POLLIN))
		return -ETIMEDOUT;
	memset(rec, 0, sizeof(*rec));
	n = read(fd, rec, len);
	return n < 0 ? -errno : n;
}

FIXTURE(srv) {
	int fd;			/* the server fd */
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct cb_live base;
	struct client_child child;
};

FIXTURE_SETUP(srv)
{
	self->child.pid = 0;
	self->child.rd = -1;
	ASSERT_EQ(0, cb_live_baseline(&self->base))
		TH_LOG("%s: %s", CB_STATS, strerror(errno));
	self->fd = cb_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", CB_DEV, strerror(errno));
	srv_name(self->name, sizeof(self->name), "srv");
	ASSERT_OK(srv_serve(&self->fd, self->name));
}

FIXTURE_TEARDOWN(srv)
{
	if (self->child.pid > 0)
		cb_kill_child(self->child.pid);
	if (self->child.rd >= 0)
		close(self->child.rd);
	if (self->fd >= 0)
		close(self->fd);
}

/* Start a client child and read its record at the server. */
#define START_AND_READ(_mode, _rec) do {				\
	ASSERT_EQ(0, client_child_start(&self->child, self->name, _mode)); \
	ASSERT_EQ((ssize_t)(sizeof((_rec)->hdr) + sizeof((_rec)->s)),	\
		  read_record(self->fd, _rec, sizeof(*(_rec))));	\
} while (0)

TEST(feature_bit)
{
	struct clientbuf_info info;
	int fd = cb_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cb_get_info(fd, &info));
	EXPECT_TRUE(info.features & CLIENTBUF_FEAT_SERVER)
		TH_LOG("features %#llx", (unsigned long long)info.features);
	/* version 2: SERVE returns a server fd of its own */
	EXPECT_EQ(2, CLIENTBUF_ABI_VERSION);
	EXPECT_EQ(2, info.abi_version);
	close(fd);
}

TEST(serve_as_root)
{
	struct clientbuf_serve s;
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct srv_call c;
	struct clientbuf_completion comp;
	int fd = cb_open(), cfd = cb_open();

	ASSERT_LE(0, fd);
	ASSERT_LE(0, cfd);
	srv_name(name, sizeof(name), "root");
	memset(&s, 0, sizeof(s));
	strcpy(s.package, name);
	s.fd = -1;
	ASSERT_OK(srv_serve_raw(fd, &s));
	EXPECT_EQ(0, s.flags);
	/* a new fd, close-on-exec; the client fd is not it */
	ASSERT_LE(0, s.fd);
	ASSERT_NE(fd, s.fd);
	ASSERT_NE(cfd, s.fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(s.fd, F_GETFD));

	/* the name is now a package: a call to it is queued, pending */
	c = srv_call(cfd, name, "x", 1, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
	EXPECT_TRUE(cb_poll(s.fd, POLLIN, WAIT_MS) & POLLIN);
	/* on the server fd, not the client fd SERVE ran on */
	EXPECT_EQ(0, cb_poll(fd, POLLIN, 0));

	/* closing the server fails it and removes the package */
	close(s.fd);
	close(fd);
	ASSERT_EQ(0, srv_read_completion(cfd, &comp, WAIT_MS));
	EXPECT_EQ(c.c.request_id, comp.request_id);
	EXPECT_EQ(CLIENTBUF_STATUS_PORT_DISCONNECTED, comp.status);
	c = srv_call(cfd, name, "x", 1, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(ENOPKG, CLIENTBUF_STATUS_NO_SUCH_PACKAGE, srv_call_res(&c));
	close(cfd);
}

static void set_seg(struct clientbuf_segment *seg, __u64 caddr, void *saddr,
		    __u32 len)
{
	seg->client_addr = caddr;
	seg->server_addr = (uintptr_t)saddr;
	seg->len = len;
	seg->reserved = 0;
}

/* The debugfs counter bytes_bounced (tools/bench/'s work per operation). */
static long long bytes_bounced(void)
{
	static const char *const name[] = { "bytes_bounced" };
	long long v = -1;

	return cb_stats_read(name, &v, 1) == 1 ? v : -1;
}

/*
 * Vectored copies: every segment is checked before any byte moves, then
 * they are copied in order; a bad segment is named by its index. The
 * client's buffers are not pinned, yet no byte goes through a bounce
 * buffer: each moves once, between the server's memory and the client's
 * pages, so bytes_bounced never grows.
 */
TEST_F(srv, vectored_copies)
{
	__u8 a[64], b[120], c[3], in1[100], in2[50];
	struct clientbuf_segment seg[4], big[2];
	struct record rec;
	struct report r;
	__u64 block = 0, index = 0;
	long long bounced;

	START_AND_READ(CHILD_SYNC, &rec);
	ASSERT_OK(srv_alloc(self->fd, rec.hdr.call_id, ANSWER_LEN,
			    &block));
	ASSERT_LE(sizeof(a) + sizeof(b) + sizeof(c), ANSWER_LEN);
	cb_fill(a, sizeof(a), 1);
	cb_fill(b, sizeof(b), 2);
	cb_fill(c, sizeof(c), 3);

	memset(seg, 0, sizeof(seg));
	set_seg(&seg[0], block, a, sizeof(a));
	set_seg(&seg[1], block + sizeof(a), b, sizeof(b));
	set_seg(&seg[2], block + sizeof(a) + sizeof(b), c, sizeof(c));
	/* segment 3 lies in the READ buffer: refused before any byte moves */
	set_seg(&seg[3], rec.s.read_addr, a, 1);
	bounced = bytes_bounced();
	ASSERT_LE(0, bounced);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_copy_vec(self->fd, rec.hdr.call_id,
				CLIENTBUF_SRV_COPY_TO_VEC, seg, 4, &index));
	EXPECT_EQ(3, index);
	/* a reserved field is refused the same way */
	seg[3] = seg[2];
	seg[3].reserved = 1;
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_copy_vec(self->fd, rec.hdr.call_id,
				CLIENTBUF_SRV_COPY_TO_VEC, seg, 4, &index));
	EXPECT_EQ(3, index);
	/* no segment, too many, and a bad array */
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_copy_vec(self->fd, rec.hdr.call_id,
				CLIENTBUF_SRV_COPY_TO_VEC, seg, 0, NULL));
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_copy_vec(self->fd, rec.hdr.call_id,
				CLIENTBUF_SRV_COPY_TO_VEC, seg,
				CLIENTBUF_SRV_VEC_MAX + 1, NULL));
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_copy_vec(self->fd, rec.hdr.call_id,
				CLIENTBUF_SRV_COPY_TO_VEC, NULL, 2, NULL));
	/* a NULL server address stops the copy at its segment */
	big[0] = seg[0];
	big[1] = seg[1];
	big[1].server_addr = 0;
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_copy_vec(self->fd, rec.hdr.call_id,
				CLIENTBUF_SRV_COPY_TO_VEC, big, 2, &index));
	EXPECT_EQ(1, index);
	EXPECT_EQ(bounced, bytes_bounced());
	/* the first three segments land, back to back */
	ASSERT_OK(srv_copy_vec(self->fd, rec.hdr.call_id,
			       CLIENTBUF_SRV_COPY_TO_VEC, seg, 3, NULL));
	EXPECT_EQ(bounced, bytes_bounced());

	/* and two segments of the READ buffer come back */
	memset(big, 0, sizeof(big));
	set_seg(&big[0], rec.s.read_addr, in1, sizeof(in1));
	set_seg(&big[1], rec.s.read_addr + sizeof(in1), in2, sizeof(in2));
	ASSERT_OK(srv_copy_vec(self->fd, rec.hdr.call_id,
			       CLIENTBUF_SRV_COPY_FROM_VEC, big, 2, NULL));
	EXPECT_EQ(bounced, bytes_bounced());
	ASSERT_TRUE(cb_is_pattern(in1, sizeof(in1), rec.s.seed));
	/* in2 is the pattern from offset 100 on */
	{
		__u8 all[sizeof(in1) + sizeof(in2)];

		memcpy(all, in1, sizeof(in1));
		memcpy(all + sizeof(in1), in2, sizeof(in2));
		ASSERT_TRUE(cb_is_pattern(all, sizeof(all), rec.s.seed));
	}

	ASSERT_OK(srv_complete(self->fd, rec.hdr.call_id,
			       CLIENTBUF_STATUS_SUCCESS, 0, block,
			       sizeof(a) + sizeof(b) + sizeof(c)));
	ASSERT_EQ(0, client_child_report(&self->child, &r));
	EXPECT_EQ(CLIENTBUF_STATUS_SUCCESS, r.call.status);
	ASSERT_TRUE(r.answer_ok);
	EXPECT_EQ(0, memcmp(r.answer, a, sizeof(a)));
	EXPECT_EQ(0, memcmp(r.answer + sizeof(a), b, sizeof(b)));
	EXPECT_EQ(0, memcmp(r.answer + sizeof(a) + sizeof(b), c, sizeof(c)));
	EXPECT_EQ(0, cb_wait_child(self->child.pid));
	self->child.pid = 0;
	SRV_CHECK_LEAKS();
}

TEST_F(srv, name_collision)
{
	int fd2 = cb_open();

	ASSERT_LE(0, fd2);
	ASSERT_RES(EEXIST, CLIENTBUF_STATUS_OBJECT_NAME_COLLISION,
		   srv_serve(&fd2, self->name));
	/* a package of a module is a taken name too */
	ASSERT_RES(EEXIST, CLIENTBUF_STATUS_OBJECT_NAME_COLLISION,
		   srv_serve(&fd2, CBTEST_PACKAGE));
	/* the failures left fd2 free to serve; the name frees on close */
	close(self->fd);
	self->fd = -1;
	ASSERT_OK(srv_serve(&fd2, self->name));
	close(fd2);
}

/* SERVE on the client fd *@fd, keeping it; the server fd in *@sfd. */
static struct cb_res serve_keep(int fd, const char *name, int *sfd)
{
	struct clientbuf_serve s;
	struct cb_res r;

	memset(&s, 0, sizeof(s));
	strncpy(s.package, name, sizeof(s.package) - 1);
	s.fd = -1;
	r = srv_serve_raw(fd, &s);
	*sfd = s.fd;
	return r;
}

/*
 * One client fd serves two packages, each on a server fd of its own (no
 * STATUS_DEVICE_BUSY any more), and is a client at the same time: its
 * read() and poll() give its own completion records, the server fds give
 * the calls.
 */
TEST(serve_two_packages_on_one_client_fd)
{
	char a[CLIENTBUF_PACKAGE_NAME_MAX], b[CLIENTBUF_PACKAGE_NAME_MAX];
	struct clientbuf_completion comp;
	struct record rec;
	struct srv_call c;
	int fd = cb_open(), sa, sb;

	ASSERT_LE(0, fd);
	srv_name(a, sizeof(a), "two.a");
	srv_name(b, sizeof(b), "two.b");
	ASSERT_OK(serve_keep(fd, a, &sa));
	ASSERT_OK(serve_keep(fd, b, &sb));
	ASSERT_NE(sa, sb);

	/* the client fd calls the package it serves itself */
	c = srv_call(fd, b, "bee", 3, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
	EXPECT_EQ(0, cb_poll(sa, POLLIN, 0));
	EXPECT_EQ(0, cb_poll(fd, POLLIN, 0));
	ASSERT_EQ((ssize_t)sizeof(rec.hdr) + 3,
		  read_record(sb, &rec, sizeof(rec)));
	ASSERT_OK(srv_complete(sb, rec.hdr.call_id, CLIENTBUF_STATUS_SUCCESS,
			       7, 0, 0));
	/* the completion is the client fd's, read() as a client */
	ASSERT_TRUE(cb_poll(fd, POLLIN, WAIT_MS) & POLLIN);
	ASSERT_EQ(0, srv_read_completion(fd, &comp, WAIT_MS));
	EXPECT_EQ(c.c.request_id, comp.request_id);
	EXPECT_EQ(CLIENTBUF_STATUS_SUCCESS, comp.status);
	EXPECT_EQ(7, comp.protocol_status);

	/* each server fd ends its own package only */
	close(sb);
	c = srv_call(fd, b, "x", 1, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(ENOPKG, CLIENTBUF_STATUS_NO_SUCH_PACKAGE, srv_call_res(&c));
	c = srv_call(fd, a, "x", 1, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
	close(sa);
	ASSERT_EQ(0, srv_read_completion(fd, &comp, WAIT_MS));
	EXPECT_EQ(CLIENTBUF_STATUS_PORT_DISCONNECTED, comp.status);
	close(fd);
}

/*
 * Closing the client fd SERVE ran on leaves the package served: a queued
 * call and one read stay live, and the server completes both.
 */
TEST(client_fd_close_keeps_server)
{
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct clientbuf_completion comp;
	struct record rec;
	struct srv_call c1, c2;
	int fd = cb_open(), cfd = cb_open(), sfd;
	__u64 first;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, cfd);
	srv_name(name, sizeof(name), "keep");
	ASSERT_OK(serve_keep(fd, name, &sfd));
	c1 = srv_call(cfd, name, "one", 3, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c1));
	ASSERT_LT(0, read_record(sfd, &rec, sizeof(rec)));
	first = rec.hdr.call_id;
	c2 = srv_call(cfd, name, "two", 3, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c2));

	close(fd);
	/* nothing was disconnected */
	ASSERT_EQ(ETIMEDOUT, srv_read_completion(cfd, &comp, 100));
	ASSERT_OK(srv_complete(sfd, first, CLIENTBUF_STATUS_SUCCESS, 1, 0, 0));
	ASSERT_LT(0, read_record(sfd, &rec, sizeof(rec)));
	ASSERT_OK(srv_complete(sfd, rec.hdr.call_id, CLIENTBUF_STATUS_SUCCESS,
			       2, 0, 0));
	ASSERT_EQ(0, srv_read_completion(cfd, &comp, WAIT_MS));
	EXPECT_EQ(c1.c.request_id, comp.request_id);
	EXPECT_EQ(CLIENTBUF_STATUS_SUCCESS, comp.status);
	ASSERT_EQ(0, srv_read_completion(cfd, &comp, WAIT_MS));
	EXPECT_EQ(c2.c.request_id, comp.request_id);
	EXPECT_EQ(2, comp.protocol_status);
	/* and a new call still reaches it */
	c1 = srv_call(cfd, name, "x", 1, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c1));
	close(sfd);
	ASSERT_EQ(0, srv_read_completion(cfd, &comp, WAIT_MS));
	EXPECT_EQ(CLIENTBUF_STATUS_PORT_DISCONNECTED, comp.status);
	close(cfd);
}

/*
 * A forked child holds the server fd but is not the server: read() is
 * -EPERM, SERVER_OP STATUS_ACCESS_DENIED, poll() works; when the parent
 * (the serving process) exits, every call fails with
 * STATUS_PORT_DISCONNECTED at once although the child still holds the fd.
 */
TEST(server_fd_in_forked_child)
{
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct clientbuf_completion comp;
	int go[2], die[2], rep[2], cfd, r[4];
	struct srv_call c;
	pid_t srv, holder;
	char x;

	srv_name(name, sizeof(name), "forked");
	cfd = cb_open();
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(die, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	srv = fork();
	ASSERT_LE(0, srv);
	if (!srv) {
		/* the serving process: serve, fork a holder, read, exit */
		struct record rec;
		int fd = cb_open(), sfd;

		if (fd < 0 || serve_keep(fd, name, &sfd).err)
			_exit(1);
		holder = fork();
		if (holder < 0)
			_exit(2);
		if (!holder) {
			struct clientbuf_server_op o =
				srv_op_init(CLIENTBUF_SRV_COMPLETE, 1);

			if (cb_read_timed(go[0], &x, 1, WAIT_MS))
				_exit(3);
			r[0] = read(sfd, &rec, sizeof(rec)) < 0 ? errno : 0;
			r[1] = srv_op_raw(sfd, &o).err;
			r[2] = (int)o.status;
			r[3] = !!(cb_poll(sfd, POLLIN, 0) & POLLIN);
			cb_write_full(rep[1], r, sizeof(r));
			/* hold the fd past the serving process's exit */
			for (;;)
				pause();
		}
		cb_write_full(rep[1], &holder, sizeof(holder));
		if (read_record(sfd, &rec, sizeof(rec)) <= 0)
			_exit(4);
		cb_write_full(rep[1], "r", 1);
		cb_read_timed(die[0], &x, 1, 10 * WAIT_MS);
		_exit(0);
	}
	ASSERT_EQ(0, cb_read_timed(rep[0], &holder, sizeof(holder), WAIT_MS));
	/* one call read by the server, one queued */
	c = srv_call(cfd, name, "read", 4, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
	ASSERT_EQ(0, cb_read_timed(rep[0], &x, 1, WAIT_MS));
	c = srv_call(cfd, name, "queued", 6, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
	/* the holder is refused */
	cb_write_full(go[1], "g", 1);
	ASSERT_EQ(0, cb_read_timed(rep[0], r, sizeof(r), WAIT_MS));
	EXPECT_EQ(EPERM, r[0]);
	EXPECT_EQ(EPERM, r[1]);
	EXPECT_EQ(CLIENTBUF_STATUS_ACCESS_DENIED, (__u32)r[2]);
	EXPECT_TRUE(r[3]);
	/* nothing failed yet: the server lives */
	ASSERT_EQ(ETIMEDOUT, srv_read_completion(cfd, &comp, 100));
	/* the serving process exits; the holder keeps the fd */
	cb_write_full(die[1], "d", 1);
	EXPECT_EQ(0, cb_wait_child(srv));
	ASSERT_EQ(0, srv_read_completion(cfd, &comp, WAIT_MS));
	EXPECT_EQ(CLIENTBUF_STATUS_PORT_DISCONNECTED, comp.status);
	ASSERT_EQ(0, srv_read_completion(cfd, &comp, WAIT_MS));
	EXPECT_EQ(CLIENTBUF_STATUS_PORT_DISCONNECTED, comp.status);
	c = srv_call(cfd, name, "x", 1, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(ENOPKG, CLIENTBUF_STATUS_NO_SUCH_PACKAGE, srv_call_res(&c));
	cb_kill_child(holder);
	close(go[0]);
	close(go[1]);
	close(die[0]);
	close(die[1]);
	close(rep[0]);
	close(rep[1]);
	close(cfd);
}

/* Try SERVE in a child after @drop() ran there; report errno and status. */
static struct cb_res serve_in_child(int (*drop)(void))
{
	struct cb_res r = { .err = CB_NO_REPLY, .status = 0xdeaddead };
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	int p[2], ret;
	pid_t pid;

	srv_name(name, sizeof(name), "unpriv");
	if (pipe2(p, O_CLOEXEC))
		return r;
	pid = fork();
	if (pid < 0)
		return r;
	if (!pid) {
		struct cb_res cr = { .err = CB_NO_REPLY };
		int fd;

		close(p[0]);
		/*
		 * Open first: SERVE checks the capability of the caller,
		 * and the test VM's root directory may not be searchable
		 * by uid 65534.
		 */
		fd = cb_open();
		if (fd < 0)
			_exit(21);
		if (drop())
			_exit(20);
		cr = srv_serve(&fd, name);
		cb_write_full(p[1], &cr, sizeof(cr));
		_exit(0);
	}
	close(p[1]);
	if (cb_read_timed(p[0], &r, sizeof(r), WAIT_MS))
		r.err = CB_NO_REPLY;
	close(p[0]);
	ret = cb_wait_child(pid);
	if (ret) {
		r.err = CB_NO_REPLY;
		r.status = 0xdead0000U | (__u32)ret;	/* the child's exit */
	}
	return r;
}

static int drop_to_nobody(void)
{
	gid_t g = 65534;

	if (setgroups(1, &g) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return -1;
	/* setresuid() away from uid 0 cleared every capability */
	return 0;
}

static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	d[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	d[CAP_TO_INDEX(CAP_SYS_ADMIN)].inheritable &=
		~CAP_TO_MASK(CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &h, d))
		return -1;
	return getuid() == 0 ? 0 : -1;
}

TEST(serve_unprivileged_user)
{
	if (getuid() != 0)
		SKIP(return, "needs root to drop to uid 65534");
	ASSERT_RES(EPERM, CLIENTBUF_STATUS_ACCESS_DENIED,
		   serve_in_child(drop_to_nobody));
}

TEST(serve_root_without_cap_sys_admin)
{
	if (getuid() != 0)
		SKIP(return, "needs root");
	ASSERT_RES(EPERM, CLIENTBUF_STATUS_ACCESS_DENIED,
		   serve_in_child(drop_cap_sys_admin));
}

TEST(serve_bad_arguments)
{
	struct clientbuf_serve s;
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	int fd = cb_open();

	ASSERT_LE(0, fd);
	srv_name(name, sizeof(name), "bad");

	memset(&s, 0, sizeof(s));
	strcpy(s.package, name);
	s.flags = 1;
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_serve_raw(fd, &s));
	s.flags = 0x80000000U;
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_serve_raw(fd, &s));

	memset(&s, 0, sizeof(s));	/* empty name */
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_serve_raw(fd, &s));
	memset(s.package, 'a', sizeof(s.package));	/* unterminated */
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_serve_raw(fd, &s));

	/* a struct smaller than the first published one: size rule only */
	memset(&s, 0, sizeof(s));
	strcpy(s.package, name);
	s.size = offsetof(struct clientbuf_serve, fd);
	s.status = 0xdeadbeef;
	ASSERT_EQ(-1, ioctl(fd, CLIENTBUF_IOC_SERVE, &s));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0xdeadbeef, s.status);

	/* none of it served the name; fd is an out field only */
	memset(&s, 0, sizeof(s));
	strcpy(s.package, name);
	s.fd = 12345;
	ASSERT_OK(srv_serve_raw(fd, &s));
	ASSERT_NE(12345, s.fd);
	close(s.fd);
	close(fd);
}

/*
 * The whole protocol across two processes: the server reads the record,
 * copies from the client's READ buffer, allocates its answer in the
 * client's ALLOC buffer, fills it and completes the call; the client's
 * synchronous call returns all of it.
 */
TEST_F(srv, sync_call_end_to_end)
{
	__u8 in[READ_LEN], answer[ANSWER_LEN];
	struct record rec;
	struct report r;
	__u64 block = 0;

	START_AND_READ(CHILD_SYNC, &rec);
	EXPECT_EQ(1, rec.hdr.call_id);	/* the first call of a new server */
	EXPECT_EQ(sizeof(rec.s), rec.hdr.submit_len);
	EXPECT_EQ(self->child.pid, rec.hdr.pid);
	EXPECT_EQ(self->child.pid, rec.hdr.tgid);
	EXPECT_EQ(getuid(), rec.hdr.uid);
	EXPECT_EQ(getgid(), rec.hdr.gid);
	EXPECT_EQ(0, rec.hdr.reserved);
	ASSERT_EQ(SUBMIT_MAGIC, rec.s.magic);
	EXPECT_STREQ("hello server", rec.s.text);
	ASSERT_EQ(READ_LEN, rec.s.read_len);
	ASSERT_EQ(ALLOC_LEN, rec.s.alloc_len);

	/* nothing else is queued: the child waits for this call */
	EXPECT_EQ(0, cb_poll(self->fd, POLLIN, 0));

	memset(in, 0, sizeof(in));
	ASSERT_OK(srv_copy_from(self->fd, rec.hdr.call_id, in,
				rec.s.read_addr, READ_LEN));
	ASSERT_TRUE(cb_is_pattern(in, READ_LEN, rec.s.seed));
	/* straddling the end of the READ buffer: nothing is read */
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_copy_from(self->fd, rec.hdr.call_id, in,
				 rec.s.read_addr + READ_LEN - 1, 2));
	/* the READ buffer is not writable by packages */
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_copy_to(self->fd, rec.hdr.call_id, rec.s.read_addr,
			       in, 16));

	ASSERT_OK(srv_alloc(self->fd, rec.hdr.call_id, ANSWER_LEN,
			    &block));
	ASSERT_LE(rec.s.alloc_addr, block);
	ASSERT_GE(rec.s.alloc_addr + ALLOC_LEN, block + ANSWER_LEN);
	cb_fill(answer, sizeof(answer), ANSWER_SEED);
	ASSERT_OK(srv_copy_to(self->fd, rec.hdr.call_id, block, answer,
			      ANSWER_LEN));
	ASSERT_OK(srv_complete(self->fd, rec.hdr.call_id,
			       CLIENTBUF_STATUS_SUCCESS,
			       CLIENTBUF_STATUS_BUFFER_TOO_SMALL, block,
			       ANSWER_LEN));

	ASSERT_EQ(0, client_child_report(&self->child, &r));
	EXPECT_EQ(0, r.err);
	EXPECT_EQ(CLIENTBUF_STATUS_SUCCESS, r.call.status);
	EXPECT_EQ(CLIENTBUF_STATUS_BUFFER_TOO_SMALL, r.call.protocol_status);
	EXPECT_EQ(1, r.call.request_id);
	EXPECT_EQ(block, r.call.return_addr);
	EXPECT_EQ(ANSWER_LEN, r.call.return_len);
	ASSERT_TRUE(r.answer_ok);
	EXPECT_TRUE(cb_is_pattern(r.answer, ANSWER_LEN, ANSWER_SEED));
	EXPECT_EQ(0, cb_wait_child(self->child.pid));
	self->child.pid = 0;

	/* the call id is stale now; an id never handed out is unknown */
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_copy_to(self->fd, rec.hdr.call_id, block, answer, 1));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_copy_from(self->fd, rec.hdr.call_id, in,
				 rec.s.read_addr, 1));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_alloc(self->fd, rec.hdr.call_id, 8, NULL));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_free(self->fd, rec.hdr.call_id, block));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_complete(self->fd, rec.hdr.call_id, 0, 0, 0, 0));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_complete(self->fd, 12345, 0, 0, 0, 0));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_copy_from(self->fd, 0, in, rec.s.read_addr, 1));
	SRV_CHECK_LEAKS();
}

/* The server's error status reaches the synchronous caller as its errno. */
TEST_F(srv, sync_call_error_status)
{
	struct record rec;
	struct report r;

	START_AND_READ(CHILD_SYNC, &rec);
	ASSERT_OK(srv_complete(self->fd, rec.hdr.call_id,
			       CLIENTBUF_STATUS_ACCESS_DENIED, 0x1234,
			       0, 77));
	ASSERT_EQ(0, client_child_report(&self->child, &r));
	EXPECT_EQ(EPERM, r.err);
	EXPECT_EQ(CLIENTBUF_STATUS_ACCESS_DENIED, r.call.status);
	EXPECT_EQ(0x1234, r.call.protocol_status);
	/* no return buffer: no length either */
	EXPECT_EQ(0, r.call.return_addr);
	EXPECT_EQ(0, r.call.return_len);
	EXPECT_EQ(0, cb_wait_child(self->child.pid));
	self->child.pid = 0;
	SRV_CHECK_LEAKS();
}

TEST_F(srv, async_call_end_to_end)
{
	__u8 answer[ANSWER_LEN];
	struct record rec;
	struct report r;
	__u64 block = 0;

	START_AND_READ(CHILD_ASYNC, &rec);
	ASSERT_EQ(0, client_child_report(&self->child, &r));
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, ((struct cb_res){
		.err = r.err, .status = r.call.status }));
	ASSERT_EQ(1, r.call.request_id);
	EXPECT_EQ(self->child.pid, rec.hdr.pid);

	ASSERT_OK(srv_alloc(self->fd, rec.hdr.call_id, ANSWER_LEN,
			    &block));
	cb_fill(answer, sizeof(answer), ANSWER_SEED + 1);
	ASSERT_OK(srv_copy_to(self->fd, rec.hdr.call_id, block, answer,
			      ANSWER_LEN));
	ASSERT_OK(srv_complete(self->fd, rec.hdr.call_id,
			       CLIENTBUF_STATUS_SUCCESS, 0x40000001,
			       block, ANSWER_LEN));

	ASSERT_EQ(0, client_child_report(&self->child, &r));
	ASSERT_EQ(0, r.comp_err);
	EXPECT_EQ(1, r.comp.request_id);
	EXPECT_EQ(CLIENTBUF_STATUS_SUCCESS, r.comp.status);
	EXPECT_EQ(0x40000001, r.comp.protocol_status);
	EXPECT_EQ(block, r.comp.return_addr);
	EXPECT_EQ(ANSWER_LEN, r.comp.return_len);
	ASSERT_TRUE(r.answer_ok);
	EXPECT_TRUE(cb_is_pattern(r.answer, ANSWER_LEN, ANSWER_SEED + 1));
	EXPECT_EQ(0, cb_wait_child(self->child.pid));
	self->child.pid = 0;
	SRV_CHECK_LEAKS();
}

/* A server thread of the client's own process: the in-context copy path. */
struct thread_server {
	int fd;
	ssize_t n;
	struct record rec;
	struct cb_res from, alloc, to, complete;
	__u64 block;
	int pattern_ok;
};

static void *thread_server_main(void *arg)
{
	struct thread_server *t = arg;
	__u8 buf[64];

	t->n = read_record(t->fd, &t->rec, sizeof(t->rec));
	if (t->n <= 0)
		return NULL;
	t->from = srv_copy_from(t->fd, t->rec.hdr.call_id, buf,
				t->rec.s.read_addr, sizeof(buf));
	t->pattern_ok = cb_is_pattern(buf, sizeof(buf), t->rec.s.seed);
	t->alloc = srv_alloc(t->fd, t->rec.hdr.call_id, sizeof(buf),
			     &t->block);
	cb_fill(buf, sizeof(buf), ANSWER_SEED);
	t->to = srv_copy_to(t->fd, t->rec.hdr.call_id, t->block, buf,
			    sizeof(buf));
	t->complete = srv_complete(t->fd, t->rec.hdr.call_id,
				   CLIENTBUF_STATUS_SUCCESS, 7, t->block,
				   sizeof(buf));
	return NULL;
}

TEST_F(srv, sync_call_server_thread)
{
	struct thread_server t;
	struct submit s;
	struct srv_call c;
	struct cb_res reg;
	pthread_t th;
	__u8 *rbuf = cb_map(READ_LEN), *abuf = cb_map(ALLOC_LEN);
	__u32 aid = 0;
	int cfd = cb_open();

	ASSERT_LE(0, cfd);
	ASSERT_NE(NULL, rbuf);
	ASSERT_NE(NULL, abuf);
	cb_fill(rbuf, READ_LEN, 77);
	ASSERT_OK(_cb_register(cfd, CLIENTBUF_BUF_READ, rbuf, READ_LEN));
	reg = _cb_register(cfd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
			   abuf, ALLOC_LEN);
	ASSERT_OK(reg);
	aid = reg.id;
	memset(&s, 0, sizeof(s));
	s.magic = SUBMIT_MAGIC;
	s.seed = 77;
	s.read_addr = (uintptr_t)rbuf;

	memset(&t, 0, sizeof(t));
	t.fd = self->fd;
	ASSERT_EQ(0, pthread_create(&th, NULL, thread_server_main, &t));
	c = srv_call(cfd, self->name, &s, sizeof(s), 0, aid);
	ASSERT_EQ(0, pthread_join(th, NULL));

	ASSERT_EQ((ssize_t)(sizeof(t.rec.hdr) + sizeof(s)), t.n);
	EXPECT_EQ(getpid(), t.rec.hdr.tgid);
	EXPECT_EQ(syscall(SYS_gettid), t.rec.hdr.pid);
	ASSERT_OK(t.from);
	EXPECT_TRUE(t.pattern_ok);
	ASSERT_OK(t.alloc);
	ASSERT_OK(t.to);
	ASSERT_OK(t.complete);
	ASSERT_OK(srv_call_res(&c));
	EXPECT_EQ(7, c.c.protocol_status);
	EXPECT_EQ(t.block, c.c.return_addr);
	EXPECT_EQ(64, c.c.return_len);
	ASSERT_LE((uintptr_t)abuf, t.block);
	EXPECT_TRUE(cb_is_pattern(abuf + (t.block - (uintptr_t)abuf), 64,
				  ANSWER_SEED));
	close(cfd);
	munmap(rbuf, READ_LEN);
	munmap(abuf, ALLOC_LEN);
	SRV_CHECK_LEAKS();
}

/* An async call from a second fd of this process, and its record. */
static int local_async_call(int cfd, const char *name, const void *submit,
			    __u32 len, __u64 *req_id)
{
	struct srv_call c = srv_call(cfd, name, submit, len,
				     CLIENTBUF_CALL_ASYNC, 0);

	*req_id = c.c.request_id;
	return c.err || c.c.status != CLIENTBUF_STATUS_PENDING ? -1 : 0;
}

TEST_F(srv, complete_with_pending_status)
{
	struct clientbuf_completion comp;
	struct record rec;
	__u64 req;
	int cfd = cb_open();

	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, local_async_call(cfd, self->name, "abc", 3, &req));
	ASSERT_EQ((ssize_t)sizeof(rec.hdr) + 3,
		  read_record(self->fd, &rec, sizeof(rec)));
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_complete(self->fd, rec.hdr.call_id,
				CLIENTBUF_STATUS_PENDING, 0, 0, 0));
	/* refused without effect: the call is still the server's */
	ASSERT_EQ(ETIMEDOUT, srv_read_completion(cfd, &comp, 0));
	ASSERT_OK(srv_free(self->fd, rec.hdr.call_id, 0));
	ASSERT_OK(srv_complete(self->fd, rec.hdr.call_id,
			       CLIENTBUF_STATUS_CANCELLED, 0, 0, 0));
	ASSERT_EQ(0, srv_read_completion(cfd, &comp, WAIT_MS));
	EXPECT_EQ(req, comp.request_id);
	EXPECT_EQ(CLIENTBUF_STATUS_CANCELLED, comp.status);
	close(cfd);
	SRV_CHECK_LEAKS();
}

TEST_F(srv, bad_ops)
{
	struct clientbuf_server_op o;
	struct record rec;
	__u64 req;
	int cfd = cb_open();

	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, local_async_call(cfd, self->name, "abc", 3, &req));
	ASSERT_LT(0, read_record(self->fd, &rec, sizeof(rec)));

	o = srv_op_init(0, rec.hdr.call_id);
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_op_raw(self->fd, &o));
	o = srv_op_init(CLIENTBUF_SRV_COMPLETE + 1, rec.hdr.call_id);
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_op_raw(self->fd, &o));
	o = srv_op_init(CLIENTBUF_SRV_FREE, rec.hdr.call_id);
	o.reserved = 1;
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_op_raw(self->fd, &o));
	o = srv_op_init(CLIENTBUF_SRV_COMPLETE, rec.hdr.call_id);
	o.reserved2 = 1;
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_op_raw(self->fd, &o));
	/* ALLOC of 0 bytes is the package-API rule */
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_alloc(self->fd, rec.hdr.call_id, 0, NULL));
	/* a NULL client address */
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_copy_to(self->fd, rec.hdr.call_id, 0, "x", 1));

	/* the call survived all of it */
	ASSERT_OK(srv_complete(self->fd, rec.hdr.call_id, 0, 0, 0, 0));
	close(cfd);
	SRV_CHECK_LEAKS();
}

TEST(server_op_on_non_server_fd)
{
	__u32 ops[] = { CLIENTBUF_SRV_COPY_TO, CLIENTBUF_SRV_COPY_FROM,
			CLIENTBUF_SRV_ALLOC, CLIENTBUF_SRV_FREE,
			CLIENTBUF_SRV_COMPLETE };
	char buf[8] = "abcdefg";
	unsigned int i;
	int fd = cb_open();

	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct clientbuf_server_op o = srv_op_init(ops[i], 1);

		o.server_addr = (uintptr_t)buf;
		o.client_addr = (uintptr_t)buf;
		o.len = 4;
		/* not an ioctl of a client fd: refused before any check */
		ASSERT_RES(ENOTTY, 0xdeadbeef, srv_op_raw(fd, &o));
	}
	close(fd);
}

TEST_F(srv, read_too_small)
{
	struct clientbuf_completion comp;
	struct record rec;
	char submit[100];
	__u64 req;
	int cfd = cb_open();

	ASSERT_LE(0, cfd);
	memset(submit, 's', sizeof(submit));
	/* nothing queued: EAGAIN without blocking, no POLLIN */
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(-1, read(self->fd, &rec, sizeof(rec)));
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, cb_poll(self->fd, POLLIN, 0));

	ASSERT_EQ(0, local_async_call(cfd, self->name, submit,
				      sizeof(submit), &req));
	ASSERT_TRUE(cb_poll(self->fd, POLLIN, WAIT_MS) & POLLIN);
	ASSERT_EQ(-1, read(self->fd, &rec, sizeof(rec.hdr) + 99));
	ASSERT_EQ(EMSGSIZE, errno);
	ASSERT_EQ(-1, read(self->fd, &rec, sizeof(rec.hdr)));
	ASSERT_EQ(EMSGSIZE, errno);
	ASSERT_EQ(-1, read(self->fd, &rec, 1));
	ASSERT_EQ(EMSGSIZE, errno);
	/* still queued, whole */
	ASSERT_TRUE(cb_poll(self->fd, POLLIN, 0) & POLLIN);
	memset(&rec, 0, sizeof(rec));
	ASSERT_EQ((ssize_t)sizeof(rec.hdr) + 100,
		  read(self->fd, &rec, sizeof(rec.hdr) + 100));
	EXPECT_EQ(1, rec.hdr.call_id);
	EXPECT_EQ(100, rec.hdr.submit_len);
	EXPECT_EQ(0, memcmp(&rec.s, submit, sizeof(submit)));
	ASSERT_EQ(-1, read(self->fd, &rec, sizeof(rec)));
	ASSERT_EQ(EAGAIN, errno);

	ASSERT_OK(srv_complete(self->fd, 1, 0, 0, 0, 0));
	ASSERT_EQ(0, srv_read_completion(cfd, &comp, WAIT_MS));
	EXPECT_EQ(req, comp.request_id);
	EXPECT_EQ(CLIENTBUF_STATUS_SUCCESS, comp.status);
	close(cfd);
	SRV_CHECK_LEAKS();
}

/* ---- server death --------------------------------------------------------- */

struct sync_caller {
	int fd;
	const char *name;
	struct srv_call c;
};

static void *sync_caller_main(void *arg)
{
	struct sync_caller *s = arg;

	s->c = srv_call(s->fd, s->name, "sync", 4, 0, 0);
	return NULL;
}

/*
 * One synchronous call that the server has read and one asynchronous call
 * still queued; then @kill_server ends the server. Both calls fail with
 * STATUS_PORT_DISCONNECTED.
 */
static void server_death(struct __test_metadata *_metadata, int cfd,
			 const char *name, int srv_fd, int notify_rd,
			 void (*kill_server)(void *), void *arg)
{
	struct clientbuf_completion comp;
	struct sync_caller s = { .fd = cfd, .name = name };
	struct record rec;
	pthread_t th;
	__u64 req;
	char ok;

	ASSERT_EQ(0, pthread_create(&th, NULL, sync_caller_main, &s));
	if (srv_fd >= 0) {
		ASSERT_LT(0, read_record(srv_fd, &rec, sizeof(rec)));
		ASSERT_EQ(4, rec.hdr.submit_len);
	} else {
		ASSERT_EQ(0, cb_read_timed(notify_rd, &ok, 1, WAIT_MS));
	}
	ASSERT_EQ(0, local_async_call(cfd, name, "async", 5, &req));
	kill_server(arg);

	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_RES(ECONNRESET, CLIENTBUF_STATUS_PORT_DISCONNECTED,
		   srv_call_res(&s.c));
	EXPECT_EQ(0, s.c.c.return_addr);
	EXPECT_EQ(0, s.c.c.return_len);
	ASSERT_EQ(0, srv_read_completion(cfd, &comp, WAIT_MS));
	EXPECT_EQ(req, comp.request_id);
	EXPECT_EQ(CLIENTBUF_STATUS_PORT_DISCONNECTED, comp.status);
	EXPECT_EQ(0, comp.return_addr);
	ASSERT_EQ(ETIMEDOUT, srv_read_completion(cfd, &comp, 0));

	/* the package is gone with its server */
	s.c = srv_call(cfd, name, "x", 1, 0, 0);
	ASSERT_RES(ENOPKG, CLIENTBUF_STATUS_NO_SUCH_PACKAGE,
		   srv_call_res(&s.c));
}

static void close_fd(void *arg)
{
	close(*(int *)arg);
	*(int *)arg = -1;
}

TEST_F(srv, server_close_fails_pending_calls)
{
	int cfd = cb_open();

	ASSERT_LE(0, cfd);
	server_death(_metadata, cfd, self->name, self->fd, -1, close_fd,
		     &self->fd);
	close(cfd);
	SRV_CHECK_LEAKS();
}

static void kill_pid(void *arg)
{
	cb_kill_child(*(pid_t *)arg);
	*(pid_t *)arg = 0;
}

TEST_F(srv, server_killed_fails_pending_calls)
{
	int ready[2], got[2], cfd;
	pid_t pid;
	char c;

	/* this test's server is a child; release the fixture's name */
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(got, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct record rec;
		int fd = cb_open();

		if (fd < 0 || srv_serve(&fd, self->name).err)
			_exit(1);
		cb_write_full(ready[1], "r", 1);
		if (read_record(fd, &rec, sizeof(rec)) <= 0)
			_exit(2);
		cb_write_full(got[1], "g", 1);
		for (;;)
			pause();
	}
	self->child.pid = pid;
	close(ready[1]);
	close(got[1]);
	ASSERT_EQ(0, cb_read_timed(ready[0], &c, 1, WAIT_MS));
	cfd = cb_open();
	ASSERT_LE(0, cfd);
	server_death(_metadata, cfd, self->name, -1, got[0], kill_pid,
		     &self->child.pid);
	close(cfd);
	close(ready[0]);
	close(got[0]);
	SRV_CHECK_LEAKS();
}

/* ---- client death ----------------------------------------------------------- */

/*
 * An asynchronous call whose client is killed before the server read it:
 * the client's release cancels it (the server's ->cancel() takes it off the
 * queue), so the server never sees it and its id is unknown.
 */
TEST_F(srv, client_killed_async_before_read)
{
	struct record rec;
	struct report r;
	__u8 buf[8];

	ASSERT_EQ(0, client_child_start(&self->child, self->name,
					CHILD_ASYNC_HANG));
	ASSERT_EQ(0, client_child_report(&self->child, &r));
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING,
		   ((struct cb_res){ .err = r.err, .status = r.call.status }));
	ASSERT_TRUE(cb_poll(self->fd, POLLIN, WAIT_MS) & POLLIN);
	ASSERT_TRUE(cb_kill_child(self->child.pid));
	self->child.pid = 0;

	ASSERT_EQ(0, cb_poll(self->fd, POLLIN, 0));
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(-1, read(self->fd, &rec, sizeof(rec)));
	ASSERT_EQ(EAGAIN, errno);
	/* call id 1 was handed out but never read: not this server's */
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_copy_to(self->fd, 1, r.alloc_addr, buf, sizeof(buf)));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_complete(self->fd, 1, 0, 0, 0, 0));
	SRV_CHECK_LEAKS();
}

/*
 * A synchronous call whose client is killed before the server read it.
 * The client's release cancels every request still pending, the killed
 * synchronous caller's too (request.c, cb_requests_cancel()): the server
 * package withdraws the unread call, so once the client is reaped there is
 * nothing to read and nothing leaks.
 */
TEST_F(srv, client_killed_sync_before_read)
{
	struct record rec;

	ASSERT_EQ(0, client_child_start(&self->child, self->name, CHILD_SYNC));
	ASSERT_TRUE(cb_poll(self->fd, POLLIN, WAIT_MS) & POLLIN);
	cb_msleep(50);		/* let the caller reach its wait */
	ASSERT_TRUE(cb_kill_child(self->child.pid));
	self->child.pid = 0;

	/* reaped: its fd is released, the queued call withdrawn */
	ASSERT_EQ(0, cb_poll(self->fd, POLLIN, 0) & POLLIN);
	ASSERT_EQ(-EAGAIN, ({
		int fl = fcntl(self->fd, F_GETFL);
		ssize_t n;

		fcntl(self->fd, F_SETFL, fl | O_NONBLOCK);
		n = read(self->fd, &rec, sizeof(rec));
		fcntl(self->fd, F_SETFL, fl);
		n < 0 ? -errno : n;
	}));
	SRV_CHECK_LEAKS();
}

/*
 * The client is killed after the server read its call: every operation
 * through the call is STATUS_PROCESS_IS_TERMINATING, COMPLETE still
 * succeeds (it frees the call), and then the id is stale.
 */
static void client_killed_after_read(struct __test_metadata *_metadata,
				     FIXTURE_DATA(srv) *self,
				     enum child_mode mode)
{
	struct record rec;
	struct report r;
	__u8 buf[8] = "answer";
	__u64 block = 0;

	START_AND_READ(mode, &rec);
	if (mode == CHILD_ASYNC_HANG)
		ASSERT_EQ(0, client_child_report(&self->child, &r));
	/* a block allocated before the death is released with the client */
	ASSERT_OK(srv_alloc(self->fd, rec.hdr.call_id, 8, &block));
	ASSERT_TRUE(cb_kill_child(self->child.pid));
	self->child.pid = 0;

	ASSERT_RES(ESRCH, CLIENTBUF_STATUS_PROCESS_IS_TERMINATING,
		   srv_copy_to(self->fd, rec.hdr.call_id, block, buf,
			       sizeof(buf)));
	ASSERT_RES(ESRCH, CLIENTBUF_STATUS_PROCESS_IS_TERMINATING,
		   srv_copy_from(self->fd, rec.hdr.call_id, buf,
				 rec.s.read_addr, sizeof(buf)));
	ASSERT_RES(ESRCH, CLIENTBUF_STATUS_PROCESS_IS_TERMINATING,
		   srv_alloc(self->fd, rec.hdr.call_id, 8, NULL));
	ASSERT_RES(ESRCH, CLIENTBUF_STATUS_PROCESS_IS_TERMINATING,
		   srv_free(self->fd, rec.hdr.call_id, block));
	ASSERT_OK(srv_complete(self->fd, rec.hdr.call_id,
			       CLIENTBUF_STATUS_SUCCESS, 0, block, 8));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_copy_to(self->fd, rec.hdr.call_id, block, buf,
			       sizeof(buf)));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_complete(self->fd, rec.hdr.call_id, 0, 0, 0, 0));
	SRV_CHECK_LEAKS();
}

TEST_F(srv, client_killed_sync_after_read)
{
	client_killed_after_read(_metadata, self, CHILD_SYNC);
}

TEST_F(srv, client_killed_async_after_read)
{
	client_killed_after_read(_metadata, self, CHILD_ASYNC_HANG);
}

/*
 * The client closes its fd (its process lives on) after the server read
 * the call: operations are STATUS_INVALID_HANDLE, not
 * PROCESS_IS_TERMINATING, and COMPLETE still succeeds.
 */
TEST_F(srv, client_closed_after_read)
{
	struct record rec;
	__u8 *abuf = cb_map(4096);
	__u64 req, block = 0;
	int cfd = cb_open();

	ASSERT_LE(0, cfd);
	ASSERT_NE(NULL, abuf);
	ASSERT_OK(_cb_register(cfd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
			       abuf, 4096));
	ASSERT_EQ(0, local_async_call(cfd, self->name, "x", 1, &req));
	ASSERT_LT(0, read_record(self->fd, &rec, sizeof(rec)));
	ASSERT_OK(srv_alloc(self->fd, rec.hdr.call_id, 16, &block));
	close(cfd);

	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_copy_to(self->fd, rec.hdr.call_id, block, "x", 1));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_alloc(self->fd, rec.hdr.call_id, 16, NULL));
	ASSERT_OK(srv_complete(self->fd, rec.hdr.call_id, 0, 0, block,
			       16));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_complete(self->fd, rec.hdr.call_id, 0, 0, 0, 0));
	munmap(abuf, 4096);
	SRV_CHECK_LEAKS();
}

/* ---- the clientbuf CLI ------------------------------------------------------ */

static const char *find_cli(void)
{
	static const char *const paths[] = {
		"/bin/clientbuf", "/usr/bin/clientbuf",
		"/usr/local/bin/clientbuf", "../tools/clientbuf",
	};
	const char *env = getenv("CLIENTBUF");
	unsigned int i;

	if (env && !access(env, X_OK))
		return env;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!access(paths[i], X_OK))
			return paths[i];
	return NULL;
}

/* Run the CLI with stdout and stderr into a pipe; returns the read end. */
static pid_t run_cli(const char *cli, char *const argv[], int *out)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execv(cli, argv);
		_exit(127);
	}
	close(p[1]);
	*out = p[0];
	return pid;
}

/* Read what @fd gives until EOF, within @ms; NUL-terminated. */
static void slurp(int fd, char *buf, size_t len, int ms)
{
	size_t have = 0;

	while (have + 1 < len && (cb_poll(fd, POLLIN, ms) & (POLLIN | POLLHUP))) {
		ssize_t n = read(fd, buf + have, len - 1 - have);

		if (n <= 0)
			break;
		have += (size_t)n;
	}
	buf[have] = '\0';
}

TEST(cli_serve_and_call)
{
	const char *cli = find_cli();
	char name[CLIENTBUF_PACKAGE_NAME_MAX], srv_out[4096], call_out[4096];
	char line[256];
	pid_t spid, cpid;
	int sfd, cfd;
	size_t have = 0;

	if (!cli)
		SKIP(return, "the clientbuf CLI is not installed");
	srv_name(name, sizeof(name), "cli");
	{
		char *const sargv[] = { (char *)cli, "serve", "--count", "1",
					name, NULL };

		spid = run_cli(cli, sargv, &sfd);
	}
	ASSERT_LT(0, spid);
	/* wait for "serving package ..." */
	while (have + 1 < sizeof(line) &&
	       (cb_poll(sfd, POLLIN, WAIT_MS) & POLLIN) &&
	       read(sfd, line + have, 1) == 1 && line[have] != '\n')
		have++;
	line[have] = '\0';
	ASSERT_NE(NULL, strstr(line, "serving package")) TH_LOG("%s", line);
	{
		char *const cargv[] = { (char *)cli, "call", name,
					"hi there", NULL };

		cpid = run_cli(cli, cargv, &cfd);
	}
	ASSERT_LT(0, cpid);
	slurp(cfd, call_out, sizeof(call_out), WAIT_MS);
	ASSERT_EQ(0, cb_wait_child(cpid)) TH_LOG("call:\n%s", call_out);
	slurp(sfd, srv_out, sizeof(srv_out), WAIT_MS);
	ASSERT_EQ(0, cb_wait_child(spid)) TH_LOG("serve:\n%s", srv_out);
	close(cfd);
	close(sfd);

	EXPECT_NE(NULL, strstr(call_out, "STATUS_SUCCESS"))
		TH_LOG("%s", call_out);
	/* the answer is "hello uid 0, you sent: hi there" */
	snprintf(line, sizeof(line), "%d bytes",
		 snprintf(NULL, 0, "hello uid %u, you sent: hi there",
			  (unsigned int)getuid()));
	EXPECT_NE(NULL, strstr(call_out, line)) TH_LOG("%s", call_out);
	EXPECT_NE(NULL, strstr(call_out, "|hello uid ")) TH_LOG("%s", call_out);
	EXPECT_NE(NULL, strstr(srv_out, "\"hi there\"")) TH_LOG("%s", srv_out);
	EXPECT_NE(NULL, strstr(srv_out, "served 1 call")) TH_LOG("%s", srv_out);
}

TEST(cli_serve_unprivileged)
{
	const char *cli = find_cli();
	char name[CLIENTBUF_PACKAGE_NAME_MAX], out[4096];
	int p[2];
	pid_t pid;

	if (!cli)
		SKIP(return, "the clientbuf CLI is not installed");
	if (getuid() != 0)
		SKIP(return, "needs root to drop to uid 65534");
	srv_name(name, sizeof(name), "clinp");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(drop_to_nobody() || access(cli, X_OK) ||
		       access(CB_DEV, R_OK | W_OK) ? 1 : 0);
	if (cb_wait_child(pid))
		SKIP(return, "uid 65534 cannot reach %s or %s (is / mode 0700?)",
		     cli, CB_DEV);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		if (drop_to_nobody())
			_exit(126);
		execl(cli, cli, "serve", "--count=1", name, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	slurp(p[0], out, sizeof(out), WAIT_MS);
	close(p[0]);
	ASSERT_EQ(1, cb_wait_child(pid)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "CAP_SYS_ADMIN")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "STATUS_ACCESS_DENIED")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
