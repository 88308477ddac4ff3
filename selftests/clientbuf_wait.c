// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_wait - blocking read() and completion by the package's
 * function table.
 *
 * A blocking read() of a client's completion records, or of a package
 * server's calls, waits interruptibly: a signal whose handler is not
 * SA_RESTART ends it with EINTR and nothing consumed, and the next record
 * is still delivered whole. A package that completes a call through its
 * function table (functions->complete_request) reaches the same
 * clientbuf_complete_request(): the record or the synchronous caller gets
 * the status, the protocol status and the return buffer.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include "clientbuf_srv_util.h"

CB_RELEASE_SLOTS_AT_EXIT

#define INFO_STATUS	0x40000001U

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* SIGALRM in @ms, its handler without SA_RESTART. */
static int alarm_in(unsigned int ms)
{
	struct sigaction sa;
	struct itimerval it = { .it_value = { ms / 1000,
					      (ms % 1000) * 1000 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL))
		return -1;
	return setitimer(ITIMER_REAL, &it, NULL);
}

FIXTURE(wait) {
	int fd;
	int tfd;
	struct cb_live base;
};

FIXTURE_SETUP(wait)
{
	self->fd = self->tfd = -1;
	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->fd = cb_open();
	ASSERT_LE(0, self->fd);
	self->tfd = cbt_open();
	ASSERT_LE(0, self->tfd);
}

FIXTURE_TEARDOWN(wait)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->tfd >= 0)
		close(self->tfd);
}

/* A blocking read() of completions: EINTR, then the record. */
TEST_F(wait, client_read_eintr)
{
	struct clientbuf_completion c;
	struct cb_res h;
	ssize_t n;

	h = cbt_hold(self->fd, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, h);
	alarms = 0;
	ASSERT_EQ(0, alarm_in(200));
	n = read(self->fd, &c, sizeof(c));
	ASSERT_EQ(-1, n);
	ASSERT_EQ(EINTR, errno);
	ASSERT_EQ(1, alarms);
	/* nothing consumed or queued; the record still comes whole */
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(-1, read(self->fd, &c, sizeof(c)));
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, cbt_complete(self->tfd, 0, INFO_STATUS));
	ASSERT_EQ(sizeof(c), read(self->fd, &c, sizeof(c)));
	ASSERT_EQ(h.req_id, c.request_id);
	ASSERT_EQ(INFO_STATUS, c.status);
	close(self->fd);
	self->fd = -1;
	ASSERT_LIVE_EQ(&self->base);
}

/* A blocking read() of a package server: EINTR, then the call. */
TEST_F(wait, server_read_eintr)
{
	struct {
		struct clientbuf_server_call hdr;
		char s[8];
	} rec;
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct srv_call c;
	int srv = cb_open();
	ssize_t n;

	if (geteuid())
		SKIP(return, "CLIENTBUF_IOC_SERVE needs CAP_SYS_ADMIN");
	ASSERT_LE(0, srv);
	srv_name(name, sizeof(name), "wait");
	ASSERT_OK(srv_serve(&srv, name));
	alarms = 0;
	ASSERT_EQ(0, alarm_in(200));
	n = read(srv, &rec, sizeof(rec));
	ASSERT_EQ(-1, n);
	ASSERT_EQ(EINTR, errno);
	ASSERT_EQ(1, alarms);
	c = srv_call(self->fd, name, "abc", 3, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
	ASSERT_EQ(sizeof(rec.hdr) + 3, read(srv, &rec, sizeof(rec)));
	ASSERT_EQ(1, rec.hdr.call_id);
	ASSERT_EQ(3, rec.hdr.submit_len);
	ASSERT_EQ(0, memcmp(rec.s, "abc", 3));
	ASSERT_OK(srv_complete(srv, rec.hdr.call_id, CLIENTBUF_STATUS_SUCCESS,
			       0, 0, 0));
	close(srv);
	close(self->fd);
	self->fd = -1;
	ASSERT_LIVE_EQ(&self->base);
}

/* complete_request through the function table, with a return buffer. */
static int complete_table(int tfd, __u32 status, void *ret, __u32 len)
{
	struct cbtest_remote r = {
		.handle = 0, .seed = status, .addr = (uintptr_t)ret,
		.len = len, .flags = CBTEST_F_TABLE,
	};

	return cbt_ioctl(tfd, CBTEST_IOC_COMPLETE, &r);
}

TEST_F(wait, complete_request_table_async)
{
	struct clientbuf_completion c;
	__u8 *buf = cb_map(cb_page());
	struct cb_res h;

	ASSERT_NE(NULL, buf);
	h = cbt_hold(self->fd, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, h);
	ASSERT_EQ(0, complete_table(self->tfd, INFO_STATUS, buf + 8, 24));
	ASSERT_EQ(sizeof(c), read(self->fd, &c, sizeof(c)));
	ASSERT_EQ(h.req_id, c.request_id);
	ASSERT_EQ(INFO_STATUS, c.status);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, c.protocol_status);
	ASSERT_EQ((uintptr_t)buf + 8, c.return_addr);
	ASSERT_EQ(24, c.return_len);
	/* completed once: a second completion finds no request */
	ASSERT_EQ(ENOENT, complete_table(self->tfd, INFO_STATUS, NULL, 0));
	close(self->fd);
	self->fd = -1;
	ASSERT_LIVE_EQ(&self->base);
}

struct sync_call {
	int fd;
	struct cb_res r;
};

static void *sync_hold(void *arg)
{
	struct sync_call *s = arg;
	struct cbtest_cmd c = cbt_cmd(CBTEST_OP_HOLD, CBTEST_CTX_CALLER,
				      NULL, 0, 0, 0);

	s->r = _cbt_call(s->fd, &c, 0, 0);
	return NULL;
}

/* A synchronous caller woken by functions->complete_request. */
TEST_F(wait, complete_request_table_sync)
{
	struct sync_call s = { .fd = self->fd };
	pthread_t t;
	int i, err = ENOENT;

	ASSERT_EQ(0, pthread_create(&t, NULL, sync_hold, &s));
	/* wait until the package holds the request */
	for (i = 0; i < 500 && err == ENOENT; i++) {
		err = complete_table(self->tfd, 0xc0000023U, NULL, 77);
		if (err == ENOENT)
			cb_msleep(10);
	}
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, pthread_join(t, NULL));
	/* STATUS_BUFFER_TOO_SMALL: return_len is the length needed */
	ASSERT_RES(ERANGE, CLIENTBUF_STATUS_BUFFER_TOO_SMALL, s.r);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, s.r.proto);
	ASSERT_EQ(77, s.r.ret_len);
	ASSERT_EQ(0, s.r.ret_addr);
	close(self->fd);
	self->fd = -1;
	ASSERT_LIVE_EQ(&self->base);
}

TEST_HARNESS_MAIN
