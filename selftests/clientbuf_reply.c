// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_reply - a call answered in one syscall (CLIENTBUF_FEAT_REPLY):
 * SERVER_OP CLIENTBUF_SRV_REPLY (ALLOC + COPY_TO + COMPLETE, then the next
 * call read in the same ioctl) and CLIENTBUF_CALL_FREE (the client frees
 * its previous answer in its next call). Every error path asserts the
 * errno and the NTSTATUS, and that nothing else changed: the call is still
 * the server's, no completion was queued, no block was left allocated (the
 * "allocations" live counter), the next record is still queued.
 *
 * The client is a second /dev/clientbuf fd of the test process making
 * asynchronous calls, so the test thread is both sides.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <linux/userfaultfd.h>

#include "clientbuf_srv_util.h"

#define ARENA_LEN	(16 * 4096)
#define WBUF_LEN	4096
#define ANSWER_LEN	200
#define ANSWER_SEED	0x5151
#define WAIT_MS		10000

struct record {
	struct clientbuf_server_call hdr;
	char submit[64];
};

FIXTURE(reply) {
	int fd;			/* the server fd */
	int cfd;		/* the client */
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct cb_live base;
	__u8 *arena;		/* client: WRITE | ALLOC */
	__u32 aid;
	__u8 *wbuf;		/* client: WRITE */
	__u8 *rbuf;		/* client: READ only */
	__u8 *answer;		/* server: the answer, pattern ANSWER_SEED */
	__u8 *guard;		/* a PROT_NONE page */
};

FIXTURE_SETUP(reply)
{
	struct cb_res r;

	self->cfd = -1;
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->fd = cb_open();
	ASSERT_LE(0, self->fd);
	srv_name(self->name, sizeof(self->name), "reply");
	ASSERT_OK(srv_serve(&self->fd, self->name));
	self->cfd = cb_open();
	ASSERT_LE(0, self->cfd);
	self->arena = cb_map(ARENA_LEN);
	self->wbuf = cb_map(WBUF_LEN);
	self->rbuf = cb_map(WBUF_LEN);
	self->answer = cb_map(ARENA_LEN);
	self->guard = cb_map(2 * 4096);
	ASSERT_NE(NULL, self->arena);
	ASSERT_NE(NULL, self->wbuf);
	ASSERT_NE(NULL, self->rbuf);
	ASSERT_NE(NULL, self->answer);
	ASSERT_NE(NULL, self->guard);
	/* a mapped page, then the guard */
	self->guard += 4096;
	ASSERT_EQ(0, mprotect(self->guard, 4096, PROT_NONE));
	cb_fill(self->answer, ARENA_LEN, ANSWER_SEED);
	r = _cb_register(self->cfd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
			 self->arena, ARENA_LEN);
	ASSERT_OK(r);
	self->aid = r.id;
	ASSERT_OK(_cb_register(self->cfd, CLIENTBUF_BUF_WRITE, self->wbuf,
			       WBUF_LEN));
	ASSERT_OK(_cb_register(self->cfd, CLIENTBUF_BUF_READ, self->rbuf,
			       WBUF_LEN));
}

FIXTURE_TEARDOWN(reply)
{
	if (self->cfd >= 0)
		close(self->cfd);
	if (self->fd >= 0)
		close(self->fd);
}

/* SERVER_OP REPLY; *@block gets result_addr, *@got recv_len. */
static struct cb_res reply(int fd, __u64 id, __u32 status, __u32 proto,
			   const void *src, __u32 len, __u64 caddr,
			   void *recv, __u32 recv_len, __u64 *block,
			   __u32 *got)
{
	struct clientbuf_server_op o = srv_op_init(CLIENTBUF_SRV_REPLY, id);
	struct cb_res r;

	o.call_status = status;
	o.protocol_status = proto;
	o.server_addr = (uintptr_t)src;
	o.len = len;
	o.client_addr = caddr;
	o.recv_addr = (uintptr_t)recv;
	o.recv_len = recv_len;
	o.result_addr = 0xdeadbeef;
	r = srv_op_raw(fd, &o);
	if (block)
		*block = o.result_addr;
	if (got)
		*got = o.recv_len;
	return r;
}

/* An asynchronous call of the client; its request id, or 0. */
static __u64 acall(FIXTURE_DATA(reply) *self,
		   const char *submit, __u32 flags, __u64 free_addr)
{
	struct clientbuf_call c;

	cb_call_init(&c, self->name, submit, strlen(submit),
		     CLIENTBUF_CALL_ASYNC | flags, self->aid);
	c.return_addr = free_addr;
	if (ioctl(self->cfd, CLIENTBUF_IOC_CALL_PACKAGE, &c) ||
	    c.status != CLIENTBUF_STATUS_PENDING)
		return 0;
	return c.request_id;
}

/* Read one record without waiting; its length or -errno. */
static ssize_t read_now(int fd, struct record *rec)
{
	ssize_t n;

	memset(rec, 0, sizeof(*rec));
	n = read(fd, rec, sizeof(*rec));
	return n < 0 ? -errno : n;
}

/* A call made and read by the server: its call id. */
#define CALL_AND_READ(_submit, _rec) ({					\
	ASSERT_NE(0, acall(self, _submit, 0, 0));		\
	ASSERT_EQ((ssize_t)(sizeof((_rec)->hdr) + strlen(_submit)),	\
		  read_now(self->fd, _rec));				\
	(_rec)->hdr.call_id;						\
})

/* Nothing changed: no completion queued, no allocation left. */
#define ASSERT_UNCHANGED(_live) do {					\
	struct clientbuf_completion __c;				\
	struct cb_live __now;						\
	ASSERT_EQ(ETIMEDOUT, srv_read_completion(self->cfd, &__c, 0));	\
	ASSERT_EQ(0, cb_live_read(&__now));				\
	ASSERT_EQ((_live)->allocations, __now.allocations);		\
	ASSERT_EQ((_live)->requests, __now.requests);			\
} while (0)

/* The completion of the call answered last, checked. */
#define ASSERT_COMPLETED(_req, _status, _proto, _addr, _len) do {	\
	struct clientbuf_completion __c;				\
	ASSERT_EQ(0, srv_read_completion(self->cfd, &__c, WAIT_MS));	\
	EXPECT_EQ(_req, __c.request_id);				\
	EXPECT_EQ(_status, __c.status);					\
	EXPECT_EQ(_proto, __c.protocol_status);				\
	EXPECT_EQ(_addr, __c.return_addr);				\
	EXPECT_EQ(_len, __c.return_len);				\
} while (0)

TEST(feature_bit)
{
	struct clientbuf_info info;
	int fd = cb_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cb_get_info(fd, &info));
	EXPECT_EQ(CLIENTBUF_FEAT_REPLY, info.features & CLIENTBUF_FEAT_REPLY);
	close(fd);
}

TEST_F(reply, answer_in_arena)
{
	struct record rec;
	__u64 id, block = 0;
	__u32 got = 7;

	id = CALL_AND_READ("one", &rec);
	ASSERT_OK(reply(self->fd, id, CLIENTBUF_STATUS_SUCCESS, 0x40000001,
			self->answer, ANSWER_LEN, 0, NULL, 0, &block, &got));
	EXPECT_EQ(0, got);
	ASSERT_LE((uintptr_t)self->arena, block);
	ASSERT_GE((uintptr_t)self->arena + ARENA_LEN - ANSWER_LEN, block);
	ASSERT_COMPLETED(1, CLIENTBUF_STATUS_SUCCESS, 0x40000001, block,
			 ANSWER_LEN);
	ASSERT_PATTERN((__u8 *)(uintptr_t)block, ANSWER_LEN, ANSWER_SEED);
	/* the call is gone, the block is the client's */
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_complete(self->fd, id, 0, 0, 0, 0));
	ASSERT_OK(_cb_free(self->cfd, self->aid, block));
	close(self->cfd);
	self->cfd = -1;
	SRV_CHECK_LEAKS();
}

TEST_F(reply, answer_in_named_range_and_empty_answer)
{
	struct record rec;
	__u64 id, block = 0;

	id = CALL_AND_READ("one", &rec);
	ASSERT_OK(reply(self->fd, id, CLIENTBUF_STATUS_SUCCESS, 3,
			self->answer, 64, (uintptr_t)self->wbuf + 128, NULL,
			0, &block, NULL));
	EXPECT_EQ((uintptr_t)self->wbuf + 128, block);
	ASSERT_COMPLETED(1, CLIENTBUF_STATUS_SUCCESS, 3, block, 64);
	ASSERT_PATTERN(self->wbuf + 128, 64, ANSWER_SEED);

	/* no answer: an error status alone */
	id = CALL_AND_READ("two", &rec);
	ASSERT_OK(reply(self->fd, id, CLIENTBUF_STATUS_LOGON_FAILURE, 9,
			NULL, 0, 0, NULL, 0, &block, NULL));
	EXPECT_EQ(0, block);
	ASSERT_COMPLETED(2, CLIENTBUF_STATUS_LOGON_FAILURE, 9, 0, 0);
	close(self->cfd);
	self->cfd = -1;
	SRV_CHECK_LEAKS();
}

TEST_F(reply, reads_the_next_call)
{
	struct record rec, next;
	__u64 id, block = 0;
	__u32 got = 0;
	int fl;

	id = CALL_AND_READ("first", &rec);
	ASSERT_NE(0, acall(self, "second", 0, 0));
	memset(&next, 0, sizeof(next));
	ASSERT_OK(reply(self->fd, id, CLIENTBUF_STATUS_SUCCESS, 0,
			self->answer, 32, 0, &next, sizeof(next), &block,
			&got));
	ASSERT_EQ(sizeof(next.hdr) + 6, got);
	EXPECT_EQ(6, next.hdr.submit_len);
	EXPECT_EQ(0, memcmp(next.submit, "second", 6));
	EXPECT_EQ(getpid(), next.hdr.tgid);
	ASSERT_COMPLETED(1, CLIENTBUF_STATUS_SUCCESS, 0, block, 32);
	ASSERT_OK(_cb_free(self->cfd, self->aid, block));

	/* blocking read with a call on its way from another thread */
	ASSERT_OK(reply(self->fd, next.hdr.call_id, CLIENTBUF_STATUS_SUCCESS,
			0, NULL, 0, 0, NULL, 0, NULL, NULL));
	ASSERT_COMPLETED(2, CLIENTBUF_STATUS_SUCCESS, 0, 0, 0);

	/* O_NONBLOCK and nothing queued: EAGAIN, the reply is done */
	id = CALL_AND_READ("third", &rec);
	fl = fcntl(self->fd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
	got = 7;
	ASSERT_RES(EAGAIN, CLIENTBUF_STATUS_SUCCESS,
		   reply(self->fd, id, CLIENTBUF_STATUS_SUCCESS, 0, NULL, 0,
			 0, &next, sizeof(next), NULL, &got));
	EXPECT_EQ(0, got);
	ASSERT_COMPLETED(3, CLIENTBUF_STATUS_SUCCESS, 0, 0, 0);
	close(self->cfd);
	self->cfd = -1;
	SRV_CHECK_LEAKS();
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A blocking read interrupted by a signal: EINTR even with SA_RESTART. */
TEST_F(reply, read_interrupted_is_not_restarted)
{
	struct sigaction sa = { .sa_handler = on_alarm,
				.sa_flags = SA_RESTART };
	struct record rec, next;
	__u32 got = 7;
	__u64 id;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	id = CALL_AND_READ("one", &rec);
	alarm(1);
	ASSERT_RES(EINTR, CLIENTBUF_STATUS_SUCCESS,
		   reply(self->fd, id, CLIENTBUF_STATUS_SUCCESS, 5,
			 self->answer, 16, 0, &next, sizeof(next), NULL,
			 &got));
	alarm(0);
	EXPECT_EQ(0, got);
	/* answered once: the restart would have failed INVALID_HANDLE */
	ASSERT_COMPLETED(1, CLIENTBUF_STATUS_SUCCESS, 5,
			 (uintptr_t)self->arena, 16);
	close(self->cfd);
	self->cfd = -1;
	SRV_CHECK_LEAKS();
}

/* The read fails after the reply: the next record stays queued. */
TEST_F(reply, read_errors_leave_the_next_call_queued)
{
	struct record rec, next;
	__u32 got = 7;
	__u64 id;

	id = CALL_AND_READ("one", &rec);
	ASSERT_NE(0, acall(self, "second", 0, 0));
	/* too small for the record */
	ASSERT_RES(EMSGSIZE, CLIENTBUF_STATUS_SUCCESS,
		   reply(self->fd, id, CLIENTBUF_STATUS_SUCCESS, 0, NULL, 0,
			 0, &next, sizeof(next.hdr) + 5, NULL, &got));
	EXPECT_EQ(0, got);
	ASSERT_COMPLETED(1, CLIENTBUF_STATUS_SUCCESS, 0, 0, 0);

	/* "second" was left queued; then an unmapped buffer */
	ASSERT_EQ((ssize_t)sizeof(rec.hdr) + 6, read_now(self->fd, &rec));
	EXPECT_EQ(0, memcmp(rec.submit, "second", 6));
	id = rec.hdr.call_id;
	ASSERT_NE(0, acall(self, "third", 0, 0));
	got = 7;
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_SUCCESS,
		   reply(self->fd, id, CLIENTBUF_STATUS_SUCCESS, 0, NULL, 0,
			 0, self->guard, sizeof(next), NULL, &got));
	EXPECT_EQ(0, got);
	ASSERT_COMPLETED(2, CLIENTBUF_STATUS_SUCCESS, 0, 0, 0);
	/* the third call is still first in the queue */
	ASSERT_EQ((ssize_t)sizeof(rec.hdr) + 5, read_now(self->fd, &rec));
	EXPECT_EQ(0, memcmp(rec.submit, "third", 5));
	ASSERT_OK(srv_complete(self->fd, rec.hdr.call_id, 0, 0, 0, 0));
	ASSERT_COMPLETED(3, CLIENTBUF_STATUS_SUCCESS, 0, 0, 0);
	close(self->cfd);
	self->cfd = -1;
	SRV_CHECK_LEAKS();
}

/* Each refused REPLY: exact errno and status, and nothing changed. */
TEST_F(reply, errors_change_nothing)
{
	struct clientbuf_server_op o;
	struct record rec, next;
	struct cb_live live;
	__u64 id, block;
	__u32 got;
	int i;
	const struct {
		const char *what;
		int err;
		__u32 status, call_status, len;
		const void *src;
		__u64 caddr;
	} bad[] = {
		{ "PENDING as the call's status", EINVAL,
		  CLIENTBUF_STATUS_INVALID_PARAMETER, CLIENTBUF_STATUS_PENDING,
		  16, self->answer, 0 },
		{ "a client range without a length", EINVAL,
		  CLIENTBUF_STATUS_INVALID_PARAMETER, 0, 0, NULL,
		  (uintptr_t)self->wbuf },
		{ "larger than the arena", ENOMEM, CLIENTBUF_STATUS_NO_MEMORY,
		  0, ARENA_LEN + 1, self->answer, 0 },
		{ "a NULL server address", EFAULT,
		  CLIENTBUF_STATUS_ACCESS_VIOLATION, 0, 16, NULL, 0 },
		{ "an unmapped server address", EFAULT,
		  CLIENTBUF_STATUS_ACCESS_VIOLATION, 0, 16, self->guard, 0 },
		{ "the server's source ends in a hole", EFAULT,
		  CLIENTBUF_STATUS_PARTIAL_COPY, 0, 4096 + 16,
		  self->guard - 4096, 0 },
		{ "a client range not registered", EFAULT,
		  CLIENTBUF_STATUS_ACCESS_VIOLATION, 0, 16, self->answer,
		  (uintptr_t)self->answer },
		{ "a client range without WRITE", EFAULT,
		  CLIENTBUF_STATUS_ACCESS_VIOLATION, 0, 16, self->answer,
		  (uintptr_t)self->rbuf },
		{ "a client range past its buffer", EFAULT,
		  CLIENTBUF_STATUS_ACCESS_VIOLATION, 0, 16, self->answer,
		  (uintptr_t)self->wbuf + WBUF_LEN - 8 },
	};

	id = CALL_AND_READ("one", &rec);
	/* the next call is queued: a refused REPLY must not read it */
	ASSERT_NE(0, acall(self, "second", 0, 0));
	ASSERT_EQ(0, cb_live_read(&live));
	memset(self->wbuf, 0, WBUF_LEN);
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		block = 0xdeadbeef;
		got = 7;
		TH_LOG("case: %s", bad[i].what);
		ASSERT_RES(bad[i].err, bad[i].status,
			   reply(self->fd, id, bad[i].call_status, 0,
				 bad[i].src, bad[i].len, bad[i].caddr, &next,
				 sizeof(next), &block, &got));
		EXPECT_EQ(0xdeadbeef, block);
		EXPECT_EQ(0, got);
		ASSERT_UNCHANGED(&live);
		ASSERT_BYTES(self->wbuf, WBUF_LEN, 0);
	}
	/* a call id never read, and 0 */
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   reply(self->fd, id + 100, 0, 0, self->answer, 16, 0, &next,
			 sizeof(next), NULL, NULL));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   reply(self->fd, 0, 0, 0, NULL, 0, 0, &next, sizeof(next),
			 NULL, NULL));
	ASSERT_UNCHANGED(&live);
	/* reserved3, and recv fields on another op */
	o = srv_op_init(CLIENTBUF_SRV_REPLY, id);
	o.reserved3 = 1;
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_op_raw(self->fd, &o));
	o = srv_op_init(CLIENTBUF_SRV_COMPLETE, id);
	o.recv_len = sizeof(next);
	o.recv_addr = (uintptr_t)&next;
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_op_raw(self->fd, &o));
	o = srv_op_init(CLIENTBUF_SRV_COPY_TO, id);
	o.recv_addr = (uintptr_t)&next;
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_op_raw(self->fd, &o));
	ASSERT_UNCHANGED(&live);

	/* the call survived all of it; REPLY then reads "second" */
	got = 0;
	ASSERT_OK(reply(self->fd, id, CLIENTBUF_STATUS_SUCCESS, 0,
			self->answer, 16, 0, &next, sizeof(next), &block,
			&got));
	ASSERT_EQ(sizeof(next.hdr) + 6, got);
	ASSERT_COMPLETED(1, CLIENTBUF_STATUS_SUCCESS, 0, block, 16);
	/* answered: a second REPLY finds no call */
	ASSERT_EQ(0, cb_live_read(&live));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   reply(self->fd, id, 0, 0, self->answer, 16, 0, NULL, 0,
			 NULL, NULL));
	ASSERT_UNCHANGED(&live);
	ASSERT_OK(srv_complete(self->fd, next.hdr.call_id, 0, 0, 0, 0));
	ASSERT_COMPLETED(2, CLIENTBUF_STATUS_SUCCESS, 0, 0, 0);
	close(self->cfd);
	self->cfd = -1;
	SRV_CHECK_LEAKS();
}

/* A caller built with the first struct (no recv fields) gets REPLY too. */
TEST_F(reply, short_struct)
{
	struct clientbuf_server_op o;
	struct record rec;
	__u64 id;
	__u8 *tail;

	id = CALL_AND_READ("one", &rec);
	o = srv_op_init(CLIENTBUF_SRV_REPLY, id);
	o.server_addr = (uintptr_t)self->answer;
	o.len = 8;
	o.size = offsetof(struct clientbuf_server_op, recv_addr);
	o.status = 0xdeadbeef;
	tail = (__u8 *)&o + o.size;
	memset(tail, 0xa5, sizeof(o) - o.size);
	/* the tail is not the kernel's to read: nothing past size */
	ASSERT_EQ(0, ioctl(self->fd, CLIENTBUF_IOC_SERVER_OP, &o));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, o.status);
	ASSERT_BYTES(tail, sizeof(o) - offsetof(struct clientbuf_server_op,
						 recv_addr), 0xa5);
	ASSERT_COMPLETED(1, CLIENTBUF_STATUS_SUCCESS, 0, o.result_addr, 8);
	close(self->cfd);
	self->cfd = -1;
	SRV_CHECK_LEAKS();
}

/* ---- a REPLY that loses its call after allocating ---------------------- */

static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

struct racer {
	int fd;
	__u64 id;
	const void *src;
	__u64 block;
	struct cb_res r;
};

static void *reply_main(void *arg)
{
	struct racer *t = arg;

	t->block = 0xdeadbeef;
	t->r = reply(t->fd, t->id, CLIENTBUF_STATUS_SUCCESS, 0, t->src,
		     4096, 0, NULL, 0, &t->block, NULL);
	return NULL;
}

/*
 * REPLY allocates its block, then its copy waits on a userfaultfd page of
 * the server's source; meanwhile another thread COMPLETEs the call. Once
 * the page arrives REPLY finds the call gone: INVALID_HANDLE, and the
 * block it allocated is freed again.
 */
TEST_F(reply, loses_the_call_during_its_copy)
{
	struct uffdio_register ureg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_copy ucopy = { .len = 4096 };
	struct clientbuf_completion c;
	struct uffd_msg msg;
	struct cb_live live;
	struct record rec;
	struct racer t;
	pthread_t th;
	__u8 *src;
	int uffd;

	uffd = uffd_open();
	if (uffd < 0)
		SKIP(return, "userfaultfd unavailable: %s", strerror(-uffd));
	src = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, src);
	ureg.range.start = (uintptr_t)src;
	ureg.range.len = 4096;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &ureg));

	ASSERT_EQ(0, cb_live_read(&live));
	t.fd = self->fd;
	t.id = CALL_AND_READ("race", &rec);
	t.src = src;
	ASSERT_EQ(0, pthread_create(&th, NULL, reply_main, &t));
	/* REPLY has its block and waits in the copy */
	ASSERT_EQ(POLLIN, cb_poll(uffd, POLLIN, WAIT_MS) & POLLIN);
	ASSERT_EQ(sizeof(msg), read(uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	{
		struct cb_live now;

		ASSERT_EQ(0, cb_live_read(&now));
		ASSERT_EQ(live.allocations + 1, now.allocations);
	}
	ASSERT_OK(srv_complete(self->fd, t.id, CLIENTBUF_STATUS_CANCELLED, 0,
			       0, 0));
	ucopy.dst = (uintptr_t)src;
	ucopy.src = (uintptr_t)self->answer;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_COPY, &ucopy));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE, t.r);
	EXPECT_EQ(0xdeadbeef, t.block);
	ASSERT_EQ(0, srv_read_completion(self->cfd, &c, WAIT_MS));
	EXPECT_EQ(CLIENTBUF_STATUS_CANCELLED, c.status);
	EXPECT_EQ(0, c.return_addr);
	ASSERT_UNCHANGED(&live);
	close(uffd);
	munmap(src, 4096);
	close(self->cfd);
	self->cfd = -1;
	SRV_CHECK_LEAKS();
}

/* ---- CLIENTBUF_CALL_FREE ------------------------------------------------ */

TEST_F(reply, call_frees_the_previous_answer)
{
	struct record rec;
	struct cb_live live;
	__u64 id, block = 0, block2 = 0;

	id = CALL_AND_READ("one", &rec);
	ASSERT_OK(reply(self->fd, id, 0, 0, self->answer, ANSWER_LEN, 0,
			NULL, 0, &block, NULL));
	ASSERT_COMPLETED(1, CLIENTBUF_STATUS_SUCCESS, 0, block, ANSWER_LEN);
	ASSERT_EQ(0, cb_live_read(&live));

	/* the next call frees it first: one allocation fewer */
	ASSERT_EQ(2, acall(self, "two", CLIENTBUF_CALL_FREE,
			   block));
	{
		struct cb_live now;

		ASSERT_EQ(0, cb_live_read(&now));
		ASSERT_EQ(live.allocations - 1, now.allocations);
	}
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_free(self->cfd, self->aid, block));
	ASSERT_EQ((ssize_t)sizeof(rec.hdr) + 3, read_now(self->fd, &rec));
	ASSERT_OK(reply(self->fd, rec.hdr.call_id, 0, 0, self->answer,
			ANSWER_LEN, 0, NULL, 0, &block2, NULL));
	/* first fit: the freed block again */
	EXPECT_EQ(block, block2);
	ASSERT_COMPLETED(2, CLIENTBUF_STATUS_SUCCESS, 0, block2, ANSWER_LEN);

	/* with return_buf_id 0 the buffer holding the block is found */
	{
		struct clientbuf_call c;

		cb_call_init(&c, self->name, "x", 1,
			     CLIENTBUF_CALL_ASYNC | CLIENTBUF_CALL_FREE, 0);
		c.return_addr = block2;
		ASSERT_EQ(0, ioctl(self->cfd, CLIENTBUF_IOC_CALL_PACKAGE, &c));
		ASSERT_EQ(CLIENTBUF_STATUS_PENDING, c.status);
		EXPECT_EQ(0, c.return_addr);
	}
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_free(self->cfd, self->aid, block2));
	close(self->cfd);
	self->cfd = -1;
	SRV_CHECK_LEAKS();
}

/* A free that fails: its status, and no call is made. */
TEST_F(reply, call_free_errors_make_no_call)
{
	struct clientbuf_call c;
	struct record rec;
	struct cb_live live;
	__u64 id, block = 0;
	int i;
	struct {
		const char *what;
		__u64 addr;
		__u32 buf_id;
		int err;
		__u32 status;
	} bad[] = {
		{ "no address", 0, 0, EINVAL,
		  CLIENTBUF_STATUS_INVALID_PARAMETER },
		{ "not a block", 0, 0, EINVAL,
		  CLIENTBUF_STATUS_INVALID_PARAMETER },
		{ "outside every arena", (uintptr_t)self->wbuf, 0, EINVAL,
		  CLIENTBUF_STATUS_INVALID_PARAMETER },
		{ "a buffer id not registered", 0, 0, ENOENT,
		  CLIENTBUF_STATUS_INVALID_HANDLE },
		{ "a buffer that is not ALLOC", 0, 0, EINVAL,
		  CLIENTBUF_STATUS_INVALID_PARAMETER },
	};

	id = CALL_AND_READ("one", &rec);
	ASSERT_OK(reply(self->fd, id, 0, 0, self->answer, ANSWER_LEN, 0,
			NULL, 0, &block, NULL));
	ASSERT_COMPLETED(1, CLIENTBUF_STATUS_SUCCESS, 0, block, ANSWER_LEN);
	bad[1].addr = block + 8;
	bad[1].buf_id = self->aid;
	bad[3].addr = block;
	bad[3].buf_id = self->aid + 100;
	bad[4].addr = block;
	bad[4].buf_id = self->aid + 1;	/* wbuf: WRITE only */
	ASSERT_EQ(0, cb_live_read(&live));
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		TH_LOG("case: %s", bad[i].what);
		cb_call_init(&c, self->name, "x", 1,
			     CLIENTBUF_CALL_ASYNC | CLIENTBUF_CALL_FREE,
			     bad[i].buf_id);
		c.return_addr = bad[i].addr;
		ASSERT_RES(bad[i].err, bad[i].status,
			   cb_call_res(ioctl(self->cfd,
					     CLIENTBUF_IOC_CALL_PACKAGE, &c),
				       &c));
		EXPECT_EQ(0, c.request_id);
		/* no call reached the server, the block is still live */
		ASSERT_EQ(-EAGAIN, ({
			int __fl = fcntl(self->fd, F_GETFL);
			ssize_t __n;

			fcntl(self->fd, F_SETFL, __fl | O_NONBLOCK);
			__n = read_now(self->fd, &rec);
			fcntl(self->fd, F_SETFL, __fl);
			__n; }));
		ASSERT_UNCHANGED(&live);
	}
	ASSERT_OK(_cb_free(self->cfd, self->aid, block));
	close(self->cfd);
	self->cfd = -1;
	SRV_CHECK_LEAKS();
}

TEST_HARNESS_MAIN
