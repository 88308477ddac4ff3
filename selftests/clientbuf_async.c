// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_async - asynchronous calls: many at once from several threads,
 * the per-client pending quota, closing a client with calls pending, and
 * synchronous calls completed from another thread. Calls are kept pending
 * by the test package's HOLD op and completed through /dev/clientbuf_test
 * (CBTEST_IOC_COMPLETE), or by a userspace package server.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>

#include "clientbuf_srv_util.h"

#define WAIT_MS		10000
#define NR_THREADS	8
#define CALLS_PER_THREAD 8
#define NR_CALLS	(NR_THREADS * CALLS_PER_THREAD)

/* HOLD in @slot: the call stays pending until the slot is completed. */
static struct srv_call hold(int fd, __u32 slot, __u32 flags)
{
	struct cbtest_cmd c = { .op = CBTEST_OP_HOLD, .handle = slot };

	return srv_call(fd, CBTEST_PACKAGE, &c, sizeof(c), flags, 0);
}

/* Complete @slot as soon as a call holds it; 0 or an errno (ETIMEDOUT). */
static int complete_when_held(int tfd, __u32 slot, __u32 status, int ms)
{
	int i, err = ENOENT;

	for (i = 0; i < ms && err == ENOENT; i++) {
		err = cbt_complete(tfd, slot, status);
		if (err == ENOENT)
			cb_msleep(1);
	}
	return err == ENOENT ? ETIMEDOUT : err;
}

/* The status the test completes @slot with: a distinct one per slot. */
static __u32 slot_status(__u32 slot)
{
	/* alternate SUCCESS and customer-defined informational codes */
	return slot % 2 ? CLIENTBUF_STATUS_SUCCESS : 0x60000000U | slot;
}

FIXTURE(async) {
	int fd;
	int tfd;
	struct cb_live base;
};

FIXTURE_SETUP(async)
{
	self->fd = -1;
	self->tfd = -1;
	ASSERT_EQ(0, cb_live_baseline(&self->base))
		TH_LOG("%s: %s", CB_STATS, strerror(errno));
	self->fd = cb_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", CB_DEV, strerror(errno));
	self->tfd = cbt_open();
	ASSERT_LE(0, self->tfd) TH_LOG("open %s: %s (clientbuf_test.ko?)",
				       CBT_DEV, strerror(errno));
}

FIXTURE_TEARDOWN(async)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->tfd >= 0)
		close(self->tfd);
	cbt_release_slots();
}

/* ---- many calls from many threads ----------------------------------------- */

struct many {
	int fd;
	int tfd;
	/* per slot: the call's outcome, filled by the caller threads */
	int err[NR_CALLS];
	__u32 status[NR_CALLS];
	__u64 req_id[NR_CALLS];
	/* the completer */
	int complete_err[NR_CALLS];
	/* the readers */
	pthread_mutex_t lock;
	struct clientbuf_completion recs[NR_CALLS * 2];
	int nr_recs;
	int read_errors;
	atomic_int callers_done;
};

struct caller_arg {
	struct many *m;
	int thread;
};

static void *caller_main(void *arg)
{
	struct caller_arg *a = arg;
	struct many *m = a->m;
	int k;

	for (k = 0; k < CALLS_PER_THREAD; k++) {
		__u32 slot = a->thread * CALLS_PER_THREAD + k;
		struct srv_call c = hold(m->fd, slot, CLIENTBUF_CALL_ASYNC);

		m->err[slot] = c.err;
		m->status[slot] = c.c.status;
		m->req_id[slot] = c.c.request_id;
	}
	atomic_fetch_add(&m->callers_done, 1);
	return NULL;
}

static void *completer_main(void *arg)
{
	struct many *m = arg;
	__u32 slot;

	/* in an order unlike the calls' */
	for (slot = 0; slot < NR_CALLS; slot++) {
		__u32 s = (slot * 37) % NR_CALLS;

		m->complete_err[s] = complete_when_held(m->tfd, s,
							slot_status(s),
							WAIT_MS);
	}
	return NULL;
}

static void *reader_main(void *arg)
{
	struct many *m = arg;
	struct clientbuf_completion buf[5];
	int idle = 0;

	for (;;) {
		ssize_t n;
		int i;

		pthread_mutex_lock(&m->lock);
		if (m->nr_recs >= NR_CALLS) {
			pthread_mutex_unlock(&m->lock);
			break;
		}
		pthread_mutex_unlock(&m->lock);
		if (!(cb_poll(m->fd, POLLIN, 100) & POLLIN)) {
			if (++idle > WAIT_MS / 100)
				break;
			continue;
		}
		idle = 0;
		/* several records per read() when they are there */
		n = read(m->fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			pthread_mutex_lock(&m->lock);
			m->read_errors++;
			pthread_mutex_unlock(&m->lock);
			break;
		}
		pthread_mutex_lock(&m->lock);
		if (n % sizeof(buf[0]))
			m->read_errors++;
		for (i = 0; i < (int)(n / sizeof(buf[0])); i++)
			if (m->nr_recs < NR_CALLS * 2)
				m->recs[m->nr_recs++] = buf[i];
		pthread_mutex_unlock(&m->lock);
	}
	return NULL;
}

TEST_F(async, many_threads)
{
	struct caller_arg args[NR_THREADS];
	pthread_t callers[NR_THREADS], readers[2], completer;
	struct clientbuf_info info;
	struct many *m;
	int seen[NR_CALLS];
	int i, j;

	ASSERT_EQ(0, cb_get_info(self->fd, &info));
	if (info.max_pending < NR_CALLS)
		SKIP(return, "max_pending %u < %u", info.max_pending,
		     NR_CALLS);
	m = calloc(1, sizeof(*m));
	ASSERT_NE(NULL, m);
	m->fd = self->fd;
	m->tfd = self->tfd;
	pthread_mutex_init(&m->lock, NULL);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&readers[i], NULL, reader_main, m));
	ASSERT_EQ(0, pthread_create(&completer, NULL, completer_main, m));
	for (i = 0; i < NR_THREADS; i++) {
		args[i].m = m;
		args[i].thread = i;
		ASSERT_EQ(0, pthread_create(&callers[i], NULL, caller_main,
					    &args[i]));
	}
	for (i = 0; i < NR_THREADS; i++)
		ASSERT_EQ(0, pthread_join(callers[i], NULL));
	ASSERT_EQ(0, pthread_join(completer, NULL));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_join(readers[i], NULL));

	for (i = 0; i < NR_CALLS; i++) {
		ASSERT_RES(0, CLIENTBUF_STATUS_PENDING,
			   ((struct cb_res){ .err = m->err[i],
					     .status = m->status[i] }));
		ASSERT_EQ(0, m->complete_err[i]) TH_LOG("slot %d", i);
		ASSERT_NE(0, m->req_id[i]);
		for (j = 0; j < i; j++)
			ASSERT_NE(m->req_id[i], m->req_id[j])
				TH_LOG("slots %d and %d share id %llu", i, j,
				       (unsigned long long)m->req_id[i]);
	}
	ASSERT_EQ(0, m->read_errors);
	ASSERT_EQ(NR_CALLS, m->nr_recs);

	/* each call's record exactly once, with its slot's status */
	memset(seen, 0, sizeof(seen));
	for (j = 0; j < m->nr_recs; j++) {
		const struct clientbuf_completion *c = &m->recs[j];

		for (i = 0; i < NR_CALLS; i++)
			if (m->req_id[i] == c->request_id)
				break;
		ASSERT_LT(i, NR_CALLS) TH_LOG("unknown request_id %llu",
					      (unsigned long long)c->request_id);
		if (i >= NR_CALLS)
			break;
		seen[i]++;
		EXPECT_EQ(slot_status(i), c->status) TH_LOG("slot %d", i);
		EXPECT_EQ(CLIENTBUF_STATUS_SUCCESS, c->protocol_status);
		EXPECT_EQ(0, c->return_addr);
		EXPECT_EQ(0, c->return_len);
		EXPECT_EQ(0, c->reserved);
	}
	for (i = 0; i < NR_CALLS; i++)
		ASSERT_EQ(1, seen[i]) TH_LOG("slot %d", i);
	/* and nothing more */
	ASSERT_EQ(-1, read(self->fd, seen, sizeof(struct clientbuf_completion)));
	ASSERT_EQ(EAGAIN, errno);
	pthread_mutex_destroy(&m->lock);
	free(m);
	SRV_CHECK_LEAKS();
}

/* ---- the pending quota ------------------------------------------------------ */

TEST_F(async, quota_hold)
{
	struct clientbuf_completion comp;
	struct clientbuf_info info;
	struct cbtest_cmd nop = { .op = CBTEST_OP_NOP };
	struct srv_call c;
	__u32 i;

	ASSERT_EQ(0, cb_get_info(self->fd, &info));
	ASSERT_NE(0, info.max_pending);
	if (info.max_pending > CBTEST_MAX_HANDLES)
		SKIP(return, "max_pending %u > %u slots", info.max_pending,
		     CBTEST_MAX_HANDLES);
	for (i = 0; i < info.max_pending; i++) {
		c = hold(self->fd, i, CLIENTBUF_CALL_ASYNC);
		ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
	}
	/* one more asynchronous call, whatever it asks, is refused */
	c = srv_call(self->fd, CBTEST_PACKAGE, &nop, sizeof(nop),
		     CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, srv_call_res(&c));
	/* a synchronous call is not counted */
	c = srv_call(self->fd, CBTEST_PACKAGE, &nop, sizeof(nop), 0, 0);
	ASSERT_OK(srv_call_res(&c));

	/* one completion makes room for one call */
	ASSERT_EQ(0, cbt_complete(self->tfd, 0, CLIENTBUF_STATUS_SUCCESS));
	c = srv_call(self->fd, CBTEST_PACKAGE, &nop, sizeof(nop),
		     CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_OK(srv_call_res(&c));
	c = hold(self->fd, 0, CLIENTBUF_CALL_ASYNC);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
	c = hold(self->fd, CBTEST_MAX_HANDLES - 1, CLIENTBUF_CALL_ASYNC);
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, srv_call_res(&c));

	for (i = 0; i < info.max_pending; i++)
		ASSERT_EQ(0, cbt_complete(self->tfd, i,
					  CLIENTBUF_STATUS_SUCCESS));
	for (i = 0; i < info.max_pending + 1; i++)
		ASSERT_EQ(0, srv_read_completion(self->fd, &comp, WAIT_MS));
	ASSERT_EQ(ETIMEDOUT, srv_read_completion(self->fd, &comp, 0));
	SRV_CHECK_LEAKS();
}

/* The same with calls pending at a userspace server: no slot limit. */
TEST_F(async, quota_server)
{
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct clientbuf_completion comp;
	struct clientbuf_info info;
	struct srv_call c;
	__u32 i;
	int sfd = cb_open();

	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, cb_get_info(self->fd, &info));
	srv_name(name, sizeof(name), "quota");
	ASSERT_OK(srv_serve(&sfd, name));
	for (i = 0; i < info.max_pending; i++) {
		c = srv_call(self->fd, name, &i, sizeof(i),
			     CLIENTBUF_CALL_ASYNC, 0);
		ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
	}
	c = srv_call(self->fd, name, &i, sizeof(i), CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, srv_call_res(&c));

	/* the server goes away: every pending call fails, once */
	close(sfd);
	for (i = 0; i < info.max_pending; i++) {
		ASSERT_EQ(0, srv_read_completion(self->fd, &comp, WAIT_MS));
		EXPECT_EQ(CLIENTBUF_STATUS_PORT_DISCONNECTED, comp.status);
	}
	ASSERT_EQ(ETIMEDOUT, srv_read_completion(self->fd, &comp, 0));
	SRV_CHECK_LEAKS();
}

/* ---- closing a client with calls pending ------------------------------------ */

/*
 * The package is told (its requests are cancelled: copies through them
 * fail with STATUS_INVALID_HANDLE while the process lives), it can still
 * complete them, and nothing is left once it has.
 */
TEST_F(async, close_with_pending_hold)
{
	__u8 *buf = cb_map(4096);
	struct srv_call c;
	__u32 i;

	ASSERT_NE(NULL, buf);
	ASSERT_OK(_cb_register(self->fd, CLIENTBUF_BUF_WRITE, buf, 4096));
	for (i = 0; i < 4; i++) {
		c = hold(self->fd, i, CLIENTBUF_CALL_ASYNC);
		ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
	}
	/* while the client is open, the held requests reach its buffer */
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS,
		  cbt_remote_copy(self->tfd, 0, CBTEST_OP_COPY_TO, buf, 16,
				  1).status);
	close(self->fd);
	self->fd = -1;
	for (i = 0; i < 4; i++)
		ASSERT_EQ(CLIENTBUF_STATUS_INVALID_HANDLE,
			  cbt_remote_copy(self->tfd, i, CBTEST_OP_COPY_TO, buf,
					  16, 1).status)
			TH_LOG("slot %u", i);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, cbt_complete(self->tfd, i,
					  CLIENTBUF_STATUS_SUCCESS));
	munmap(buf, 4096);
	SRV_CHECK_LEAKS();
}

/* A served package sees the cancel: calls it had not read are withdrawn. */
TEST_F(async, close_with_pending_server)
{
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct {
		struct clientbuf_server_call hdr;
		char data[16];
	} rec;
	struct srv_call c;
	__u32 i;
	int sfd = cb_open();

	ASSERT_LE(0, sfd);
	srv_name(name, sizeof(name), "cancel");
	ASSERT_OK(srv_serve(&sfd, name));
	for (i = 0; i < 3; i++) {
		c = srv_call(self->fd, name, &i, sizeof(i),
			     CLIENTBUF_CALL_ASYNC, 0);
		ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
	}
	/* the server takes the first; two stay queued */
	ASSERT_TRUE(cb_poll(sfd, POLLIN, WAIT_MS) & POLLIN);
	ASSERT_EQ((ssize_t)(sizeof(rec.hdr) + sizeof(i)),
		  read(sfd, &rec, sizeof(rec)));
	close(self->fd);
	self->fd = -1;

	ASSERT_EQ(0, cb_poll(sfd, POLLIN, 0));
	ASSERT_EQ(0, fcntl(sfd, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(-1, read(sfd, &rec, sizeof(rec)));
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   srv_copy_to(sfd, rec.hdr.call_id, 0x10000, "x", 1));
	ASSERT_OK(srv_complete(sfd, rec.hdr.call_id, 0, 0, 0, 0));
	close(sfd);
	SRV_CHECK_LEAKS();
}

/* ---- misc -------------------------------------------------------------------- */

TEST_F(async, unknown_package)
{
	struct clientbuf_completion comp;
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct srv_call c;

	srv_name(name, sizeof(name), "nopkg");
	c = srv_call(self->fd, name, "x", 1, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(ENOPKG, CLIENTBUF_STATUS_NO_SUCH_PACKAGE, srv_call_res(&c));
	c = srv_call(self->fd, name, "x", 1, 0, 0);
	ASSERT_RES(ENOPKG, CLIENTBUF_STATUS_NO_SUCH_PACKAGE, srv_call_res(&c));
	/* no completion record for a call that never started */
	ASSERT_EQ(ETIMEDOUT, srv_read_completion(self->fd, &comp, 0));
	SRV_CHECK_LEAKS();
}

TEST_F(async, read_rules)
{
	struct clientbuf_completion comp[2];
	struct srv_call c;

	ASSERT_EQ(0, cb_poll(self->fd, POLLIN, 0));
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(-1, read(self->fd, comp, sizeof(comp)));
	ASSERT_EQ(EAGAIN, errno);

	c = hold(self->fd, 5, CLIENTBUF_CALL_ASYNC);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
	ASSERT_EQ(0, cb_poll(self->fd, POLLIN, 0));
	ASSERT_EQ(0, cbt_complete(self->tfd, 5,
				  CLIENTBUF_STATUS_ACCESS_VIOLATION));
	ASSERT_TRUE(cb_poll(self->fd, POLLIN, WAIT_MS) & POLLIN);
	/* smaller than one record */
	ASSERT_EQ(-1, read(self->fd, comp, sizeof(comp[0]) - 1));
	ASSERT_EQ(EINVAL, errno);
	/* one and a half: one whole record */
	ASSERT_EQ((ssize_t)sizeof(comp[0]),
		  read(self->fd, comp, sizeof(comp[0]) * 3 / 2));
	EXPECT_EQ(c.c.request_id, comp[0].request_id);
	EXPECT_EQ(CLIENTBUF_STATUS_ACCESS_VIOLATION, comp[0].status);
	ASSERT_EQ(-1, read(self->fd, comp, sizeof(comp)));
	ASSERT_EQ(EAGAIN, errno);
	/* the slot was emptied by the completion */
	ASSERT_EQ(ENOENT, cbt_complete(self->tfd, 5, 0));
	SRV_CHECK_LEAKS();
}

/* ---- the pending list's reference ------------------------------------------ */

/* A DEFER call: completed by a work item @ms later, with @status. */
static struct srv_call defer(int fd, __u32 ms, __u32 status)
{
	struct cbtest_cmd c = { .op = CBTEST_OP_DEFER, .len = ms,
				.seed = status };

	return srv_call(fd, CBTEST_PACKAGE, &c, sizeof(c),
			CLIENTBUF_CALL_ASYNC, 0);
}

/*
 * The package keeps no reference: its work item completes the call after
 * the ioctl has returned and dropped its own. The client's pending list
 * holds one, so the request is alive until it is completed (before, it
 * was freed while still on the list, and the completion used it after
 * the free).
 */
TEST_F(async, complete_without_package_reference)
{
	struct clientbuf_completion comp;
	struct srv_call c;

	c = defer(self->fd, 200, 0x60000042U);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
	ASSERT_EQ(0, srv_read_completion(self->fd, &comp, WAIT_MS));
	EXPECT_EQ(c.c.request_id, comp.request_id);
	EXPECT_EQ(0x60000042U, comp.status);
	EXPECT_EQ(CLIENTBUF_STATUS_SUCCESS, comp.protocol_status);
	SRV_CHECK_LEAKS();
}

/* The same, with the client closed first: the completion frees it all. */
TEST_F(async, close_before_unreferenced_completion)
{
	struct cb_live now;
	struct srv_call c;

	c = defer(self->fd, 500, CLIENTBUF_STATUS_SUCCESS);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
	close(self->fd);
	self->fd = -1;
	/* still pending: the list keeps the request, the request the client */
	ASSERT_EQ(0, cb_live_read(&now));
	EXPECT_EQ(self->base.requests + 1, now.requests);
	EXPECT_EQ(self->base.clients + 1, now.clients);
	SRV_CHECK_LEAKS();
}

/* ---- synchronous calls completed from another thread ------------------------ */

struct sync_completer {
	int tfd;
	__u32 slot;
	__u32 status;
	int err;
};

static void *sync_completer_main(void *arg)
{
	struct sync_completer *s = arg;

	s->err = complete_when_held(s->tfd, s->slot, s->status, WAIT_MS);
	return NULL;
}

/* A synchronous HOLD in @slot, completed with @status by another thread. */
static struct srv_call sync_hold(int fd, int tfd, __u32 slot, __u32 status,
				 int *complete_err)
{
	struct sync_completer s = { .tfd = tfd, .slot = slot,
				    .status = status, .err = -1 };
	struct srv_call c;
	pthread_t th;

	memset(&c, 0, sizeof(c));
	c.err = -1;
	if (pthread_create(&th, NULL, sync_completer_main, &s))
		return c;
	c = hold(fd, slot, 0);
	pthread_join(th, NULL);
	*complete_err = s.err;
	return c;
}

TEST_F(async, sync_completed_by_other_thread)
{
	struct clientbuf_completion comp;
	struct srv_call c;
	int err;

	c = sync_hold(self->fd, self->tfd, 3, CLIENTBUF_STATUS_SUCCESS, &err);
	ASSERT_EQ(0, err);
	ASSERT_OK(srv_call_res(&c));
	EXPECT_EQ(CLIENTBUF_STATUS_SUCCESS, c.c.protocol_status);
	EXPECT_EQ(0, c.c.return_addr);

	c = sync_hold(self->fd, self->tfd, 3, CLIENTBUF_STATUS_ACCESS_DENIED,
		      &err);
	ASSERT_EQ(0, err);
	ASSERT_RES(EPERM, CLIENTBUF_STATUS_ACCESS_DENIED, srv_call_res(&c));

	c = sync_hold(self->fd, self->tfd, 60, CLIENTBUF_STATUS_CANCELLED,
		      &err);
	ASSERT_EQ(0, err);
	ASSERT_RES(ECANCELED, CLIENTBUF_STATUS_CANCELLED, srv_call_res(&c));

	/* an informational status is a success: the ioctl returns 0 */
	c = sync_hold(self->fd, self->tfd, 7, 0x40000123U, &err);
	ASSERT_EQ(0, err);
	ASSERT_RES(0, 0x40000123U, srv_call_res(&c));

	/* a warning is not: PARTIAL_COPY is EFAULT */
	c = sync_hold(self->fd, self->tfd, 7, CLIENTBUF_STATUS_PARTIAL_COPY,
		      &err);
	ASSERT_EQ(0, err);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_PARTIAL_COPY, srv_call_res(&c));

	/* completing with STATUS_PENDING is a package bug: UNSUCCESSFUL */
	c = sync_hold(self->fd, self->tfd, 9, CLIENTBUF_STATUS_PENDING, &err);
	ASSERT_EQ(0, err);
	ASSERT_RES(EIO, CLIENTBUF_STATUS_UNSUCCESSFUL, srv_call_res(&c));

	/* synchronous calls leave no completion record */
	ASSERT_EQ(ETIMEDOUT, srv_read_completion(self->fd, &comp, 0));
	SRV_CHECK_LEAKS();
}

/* A synchronous caller killed while its call is held: no leak. */
TEST_F(async, sync_caller_killed)
{
	pid_t pid;
	int i, err = ENOENT;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = cb_open();

		if (fd >= 0)
			hold(fd, 11, 0);
		_exit(1);
	}
	/* wait until the call is held, then kill the caller */
	for (i = 0; i < WAIT_MS; i++) {
		struct cbtest_remote r = { .handle = 11, .op = CBTEST_OP_FREE };

		/* FREE of NULL succeeds through a live request */
		if (!ioctl(self->tfd, CBTEST_IOC_COPY, &r)) {
			err = 0;
			break;
		}
		cb_msleep(1);
	}
	ASSERT_EQ(0, err);
	ASSERT_TRUE(cb_kill_child(pid));
	/* the package completes the orphaned request later */
	ASSERT_EQ(0, cbt_complete(self->tfd, 11, CLIENTBUF_STATUS_SUCCESS));
	SRV_CHECK_LEAKS();
}

TEST_HARNESS_MAIN
