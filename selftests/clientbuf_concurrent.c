// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_concurrent - one client's objects used by several of its
 * threads at once, the accesses the module makes without a lock.
 *
 * On any kernel each test checks the outcome of every operation; on the
 * KCSAN debug kernel (make check-debug KCSAN=1) these are also the
 * accesses the data-race detector must see marked: SERVE on a client fd
 * while other threads read(), poll() and SERVER_OP it (the fd stays a
 * client throughout: it never changes mode), and
 * two requests copying into the same pinned bytes (a race on the client's
 * own data, which the module annotates as such).
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "clientbuf_srv_util.h"

CB_RELEASE_SLOTS_AT_EXIT

#define ROUNDS		100
#define COPIES		200
#define LEN		2048

struct serve_race {
	int fd;
	volatile int go;
	int bad;
	__u32 bad_status;
};

/* SERVER_OP, read() and poll() while the main thread serves on fd. */
static void *server_ops(void *arg)
{
	struct serve_race *r = arg;
	struct clientbuf_completion c;
	struct cb_res res;
	int i;

	while (!r->go)
		;
	for (i = 0; i < 50; i++) {
		res = srv_complete(r->fd, 1, CLIENTBUF_STATUS_SUCCESS, 0, 0,
				   0);
		/* a client fd, before, during and after SERVE */
		if (res.err != ENOTTY || res.status != 0xdeadbeef) {
			r->bad = __LINE__;
			r->bad_status = res.status;
		}
		/* no completion and no call queued either way */
		if (read(r->fd, &c, sizeof(c)) != -1 || errno != EAGAIN)
			r->bad = __LINE__;
		if (cb_poll(r->fd, POLLIN, 0) & POLLIN)
			r->bad = __LINE__;
	}
	return NULL;
}

TEST(serve_while_other_threads_use_the_fd)
{
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct clientbuf_serve s;
	struct serve_race r;
	struct cb_live base;
	pthread_t t;
	int round;

	if (geteuid())
		SKIP(return, "CLIENTBUF_IOC_SERVE needs CAP_SYS_ADMIN");
	ASSERT_EQ(0, cb_live_baseline(&base));
	for (round = 0; round < ROUNDS; round++) {
		memset(&r, 0, sizeof(r));
		r.fd = cb_open();
		ASSERT_LE(0, r.fd);
		ASSERT_EQ(0, fcntl(r.fd, F_SETFL, O_NONBLOCK));
		ASSERT_EQ(0, pthread_create(&t, NULL, server_ops, &r));
		srv_name(name, sizeof(name), "conc");
		memset(&s, 0, sizeof(s));
		memcpy(s.package, name, sizeof(s.package));
		r.go = 1;
		ASSERT_OK(srv_serve_raw(r.fd, &s));
		ASSERT_EQ(0, pthread_join(t, NULL));
		ASSERT_EQ(0, r.bad) TH_LOG("round %d, line %d: status %#x",
					   round, r.bad, r.bad_status);
		close(s.fd);
		close(r.fd);
	}
	ASSERT_LIVE_EQ(&base);
}

struct copier {
	int fd;
	__u8 *dst;
	__u32 seed;
	__u32 ctx;
	int failed;
	__u32 status;
};

static void *copy_loop(void *arg)
{
	struct copier *c = arg;
	struct cb_res r;
	int i;

	for (i = 0; i < COPIES && !c->failed; i++) {
		r = cbt_op(c->fd, CBTEST_OP_COPY_TO, c->ctx, c->dst, LEN,
			   c->seed, 0);
		if (r.err || r.status != CLIENTBUF_STATUS_SUCCESS) {
			c->failed = i + 1;
			c->status = r.status;
		}
	}
	return NULL;
}

/*
 * Two threads (one copying from a work item) write the same pinned bytes
 * at once: every copy succeeds and each byte is one of theirs.
 */
TEST(copies_into_the_same_pinned_bytes)
{
	size_t page = cb_page(), i;
	struct copier c[2];
	struct cb_live base;
	pthread_t t[2];
	__u8 *buf;
	__u32 id;
	int fd, k;

	ASSERT_EQ(0, cb_live_baseline(&base));
	fd = cb_open();
	ASSERT_LE(0, fd);
	buf = cb_map(2 * page);
	ASSERT_NE(NULL, buf);
	memset(buf, 0, 2 * page);
	test_register(fd, CLIENTBUF_BUF_PIN | CLIENTBUF_BUF_WRITE |
		      CLIENTBUF_BUF_READ, buf, 2 * page, &id);
	for (k = 0; k < 2; k++) {
		c[k] = (struct copier){ .fd = fd, .dst = buf + page - 1000,
					.seed = (__u32)k + 11,
					.ctx = k ? CBTEST_CTX_WORKQUEUE :
						   CBTEST_CTX_CALLER };
		ASSERT_EQ(0, pthread_create(&t[k], NULL, copy_loop, &c[k]));
	}
	for (k = 0; k < 2; k++) {
		ASSERT_EQ(0, pthread_join(t[k], NULL));
		ASSERT_EQ(0, c[k].failed) TH_LOG("copier %d, copy %d: %#x (%s)",
						 k, c[k].failed, c[k].status,
						 cb_status_name(c[k].status));
	}
	for (i = 0; i < LEN; i++) {
		__u8 b = buf[page - 1000 + i];

		ASSERT_TRUE(b == cbtest_pattern(11, i) ||
			    b == cbtest_pattern(12, i))
			TH_LOG("byte %zu: %#x", i, b);
	}
	ASSERT_GT(0, cb_not_byte(buf, page - 1000, 0));
	ASSERT_GT(0, cb_not_byte(buf + page - 1000 + LEN,
				 page + 1000 - LEN, 0));
	close(fd);
	ASSERT_LIVE_EQ(&base);
}

TEST_HARNESS_MAIN
