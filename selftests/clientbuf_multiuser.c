// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_multiuser - a machine shared by users (issue 21): everything a
 * user can make the module hold is bounded per user, a killed caller's
 * call is freed at once, a package is not stalled by a client's fault,
 * the server's owner ends its package by closing its fd, and a server can
 * neither point a client at memory it did not register nor free another
 * call's answer.
 *
 *   killed_sync_callers   Synchronous callers sharing one client (clone()
 *                         with CLONE_VM, so they pass the owner check) are
 *                         killed while their calls wait on a server that
 *                         does not read: the calls are gone from the
 *                         server's queue at once and no request is left,
 *                         while the client stays open.
 *   close_cancel_walk_linear  One client closes with 200 asynchronous calls
 *                         pending (150 read by a server that holds them,
 *                         50 unread) and 16 killed synchronous callers'
 *                         calls held by the server: the cancel walk at
 *                         close visits each pending call once (the debugfs
 *                         counter cancel_walk_steps grows by exactly 200;
 *                         a walk that rescans from the head takes about
 *                         N*N/2), the unread calls are freed at close, the
 *                         held ones when the server completes them.
 *   per-user limits       max_user_clients, max_user_buffers,
 *                         max_user_buffer_bytes, max_user_allocs,
 *                         max_user_calls, max_user_server_calls, each set
 *                         low: the user reaches it over several fds and is
 *                         refused with the documented errno and NTSTATUS,
 *                         another user is not, GET_INFO reports usage and
 *                         limit, and room comes back when usage drops. A
 *                         user namespace gives no more room.
 *   async_quota_euid      max_completions is the effective user's: a
 *                         process with the real uid of a user that used up
 *                         its quota and effective uid 0 (a setuid-root
 *                         program) can still call.
 *   alloc_during_pin_fault A PIN registration held in a userfaultfd fault
 *                         does not block a package's SERVER_OP ALLOC on the
 *                         same client.
 *   server_close_*        The server's owner closes its fd while a forked
 *                         child or an SCM_RIGHTS receiver holds a copy: the
 *                         package ends at once.
 *   complete_return_*     SERVER_OP COMPLETE's return buffer must be in a
 *                         registered WRITE buffer of the client.
 *   free_other_call       SERVER_OP FREE frees only its own call's blocks.
 *   get_info_owner        GET_INFO is the fd owner's only.
 *   worst_case_bytes      What one user can make the kernel hold, measured
 *                         per object (MemAvailable deltas), against the
 *                         bound stated in Documentation/design.rst.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/userfaultfd.h>

#include "clientbuf_stress_util.h"
#include "clientbuf_srv_util.h"

#define NOBODY		65534
#define OTHER		65533
#define FRESH		65532
#define WAIT_MS		5000
/* a step of a user's process: long, and longer on a debug kernel */
#define KID_WAIT_MS	(60000 * cb_timeout_scale())
#define NR_CALLERS	16

CB_RELEASE_SLOTS_AT_EXIT

/* ---- module parameters, restored at exit and by every test ------------ */

static struct {
	const char *name;
	unsigned long long v;
	bool ok;
} saved[] = {
	{ "max_user_clients", 0, false }, { "max_user_buffers", 0, false },
	{ "max_user_buffer_bytes", 0, false },
	{ "max_user_allocs", 0, false }, { "max_user_calls", 0, false },
	{ "max_user_server_calls", 0, false },
	{ "max_completions", 0, false }, { "max_pending", 0, false },
};

#define NR_SAVED	(sizeof(saved) / sizeof(saved[0]))

static pid_t main_pid;

static void params_restore(void)
{
	size_t i;

	for (i = 0; i < NR_SAVED; i++)
		if (saved[i].ok)
			cb_param_write(saved[i].name, saved[i].v);
}

static void __attribute__((constructor)) params_save(void)
{
	size_t i;

	main_pid = getpid();
	for (i = 0; i < NR_SAVED; i++)
		saved[i].ok = !cb_param_read(saved[i].name, &saved[i].v);
}

static void __attribute__((destructor)) params_restore_at_exit(void)
{
	if (getpid() == main_pid)
		params_restore();
}

#define SET_PARAM(_name, _v) do {					\
	int __e = cb_param_write(_name, _v);				\
	ASSERT_EQ(0, __e) TH_LOG("%s%s: %s", CB_PARAMS, _name,		\
				 strerror(-__e));			\
} while (0)

#define NEED_ROOT() do {						\
	if (geteuid())							\
		SKIP(return, "needs root (other users, parameters)");	\
} while (0)

/* ---- children of other users ------------------------------------------ */

/* Drop to @ruid/@euid (groups: nobody's); 0 or -1. */
static int become(uid_t ruid, uid_t euid)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(ruid, euid, euid))
		return -1;
	return 0;
}

/*
 * In a child: a failed check prints its line and ends the child with
 * status 1; the test asserts the child's exit status 0.
 */
#define CHK(_c) do {							\
	if (!(_c)) {							\
		fprintf(stderr, "# child %d: line %d: %s\n",		\
			(int)getpid(), __LINE__, #_c);			\
		_exit(1);						\
	}								\
} while (0)

/* The result of @_r is exactly errno @_e and NTSTATUS @_s. */
#define CHK_RES(_e, _s, _r) do {					\
	struct cb_res __r = (_r);					\
	if (__r.err != (_e) || __r.status != (_s)) {			\
		fprintf(stderr, "# child %d: line %d: errno %d status "\
			"%#x, want %d %#x\n", (int)getpid(), __LINE__,	\
			__r.err, __r.status, (_e), (_s));		\
		_exit(1);						\
	}								\
} while (0)

static int info_of(int fd, struct clientbuf_info *i)
{
	return cb_get_info(fd, i);
}

/* An asynchronous call of @pkg with one byte of submit. */
static struct cb_res async_call(int fd, const char *pkg, __u32 ret_id)
{
	struct srv_call c = srv_call(fd, pkg, "x", 1, CLIENTBUF_CALL_ASYNC,
				     ret_id);

	return srv_call_res(&c);
}

static struct cb_res sync_call(int fd, const char *pkg)
{
	struct srv_call c = srv_call(fd, pkg, "x", 1, 0, 0);

	return srv_call_res(&c);
}

#define PENDING_RES(_r)							\
	CHK_RES(0, CLIENTBUF_STATUS_PENDING, _r)
#define QUOTA_RES(_r)							\
	CHK_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, _r)

/* Step signals between a test and its child: one byte each way. */
static int sig_send(int fd)
{
	return write(fd, "s", 1) == 1 ? 0 : -1;
}

static int sig_wait(int fd, int ms)
{
	char c;

	return cb_read_timed(fd, &c, 1, ms);
}

struct kid {
	pid_t pid;
	int to;		/* test -> child */
	int from;	/* child -> test */
};

/* Fork a child running @fn(@arg, to, from) as @ruid/@euid. */
static int kid_start(struct kid *k, uid_t ruid, uid_t euid,
		     void (*fn)(void *arg, int rd, int wr), void *arg)
{
	int a[2], b[2];

	if (pipe2(a, O_CLOEXEC) || pipe2(b, O_CLOEXEC))
		return -1;
	k->pid = fork();
	if (k->pid < 0)
		return -1;
	if (!k->pid) {
		close(a[1]);
		close(b[0]);
		if (become(ruid, euid))
			_exit(2);
		fn(arg, a[0], b[1]);
		_exit(0);
	}
	close(a[0]);
	close(b[1]);
	k->to = a[1];
	k->from = b[0];
	return 0;
}

static void kid_end(struct kid *k)
{
	if (k->pid > 0)
		cb_kill_child(k->pid);
	k->pid = 0;
	close(k->to);
	close(k->from);
}

static int kid_exit(struct kid *k)
{
	int st = cb_wait_child(k->pid);

	k->pid = 0;
	close(k->to);
	close(k->from);
	return st;
}

/* Read one call from the server fd within @ms; its id, or 0. */
static __u64 srv_next(int sfd, int ms)
{
	static struct {
		struct clientbuf_server_call hdr;
		__u8 submit[64 * 1024];
	} rec;

	if (!(cb_poll(sfd, POLLIN, ms) & POLLIN))
		return 0;
	if (read(sfd, &rec, sizeof(rec)) < (ssize_t)sizeof(rec.hdr))
		return 0;
	return rec.hdr.call_id;
}

/* A non-blocking read of the server fd: bytes, or -errno. */
static ssize_t srv_try_read(int sfd)
{
	__u8 rec[256];
	int fl = fcntl(sfd, F_GETFL);
	ssize_t n;

	fcntl(sfd, F_SETFL, fl | O_NONBLOCK);
	n = read(sfd, rec, sizeof(rec));
	if (n < 0)
		n = -errno;
	fcntl(sfd, F_SETFL, fl);
	return n;
}

FIXTURE(mu) {
	int sfd;		/* a package server of the test process */
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct kid k[2];
	struct cb_live base;
};

FIXTURE_SETUP(mu)
{
	self->sfd = -1;
	memset(self->k, 0, sizeof(self->k));
	self->k[0].to = self->k[0].from = -1;
	self->k[1].to = self->k[1].from = -1;
	if (geteuid())
		SKIP(return, "needs root (other users, parameters, SERVE)");
	params_restore();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->sfd = cb_open();
	ASSERT_LE(0, self->sfd);
	srv_name(self->name, sizeof(self->name), "mu");
	ASSERT_OK(srv_serve(&self->sfd, self->name));
}

FIXTURE_TEARDOWN(mu)
{
	int i;

	for (i = 0; i < 2; i++)
		if (self->k[i].pid > 0)
			kid_end(&self->k[i]);
	if (self->sfd >= 0)
		close(self->sfd);
	params_restore();
}

/* ---- 1: killed synchronous callers ------------------------------------- */

struct caller_arg {
	int fd;
	const char *pkg;
};

static int caller_fn(void *p)
{
	struct caller_arg *a = p;
	struct clientbuf_call c;

	cb_call_init(&c, a->pkg, "x", 1, 0, 0);
	syscall(SYS_ioctl, a->fd, CLIENTBUF_IOC_CALL_PACKAGE, &c);
	return 0;
}

static char caller_stacks[NR_CALLERS][64 * 1024]
	__attribute__((aligned(16)));

/*
 * Open a client (@a->fd) and start NR_CALLERS CLONE_VM callers of it,
 * each calling @a->pkg once; report their pids on @wr.
 */
static void callers_start(struct caller_arg *a, int wr)
{
	pid_t pids[NR_CALLERS];
	int i;

	a->fd = cb_open();
	CHK(a->fd >= 0);
	for (i = 0; i < NR_CALLERS; i++) {
		pids[i] = clone(caller_fn, caller_stacks[i] +
				sizeof(caller_stacks[i]), CLONE_VM | SIGCHLD,
				a);
		CHK(pids[i] > 0);
	}
	CHK(!cb_write_full(wr, pids, sizeof(pids)));
}

/* One client, NR_CALLERS CLONE_VM callers of it; reports their pids. */
static void callers_kid(void *arg, int rd, int wr)
{
	struct caller_arg a = { .pkg = arg };

	callers_start(&a, wr);
	/* keep the client open until the test ends us */
	sig_wait(rd, KID_WAIT_MS);
	_exit(0);
}

/* Wait up to @ms for @pid to be in one of the states @want; its state. */
static char wait_state(pid_t pid, const char *want, int ms)
{
	char s = 0;
	int i;

	for (i = 0; i < ms; i++) {
		s = cb_proc_state(pid);
		if (s && strchr(want, s))
			break;
		cb_msleep(1);
	}
	return s;
}

TEST_F(mu, killed_sync_callers)
{
	pid_t pids[NR_CALLERS];
	long long req = 0;
	ssize_t n;
	int i;

	ASSERT_EQ(0, kid_start(&self->k[0], NOBODY, NOBODY, callers_kid,
			       self->name));
	ASSERT_EQ(0, cb_read_timed(self->k[0].from, pids, sizeof(pids),
				   WAIT_MS));
	/* every caller waits in its call: killable, shown as 'D' */
	for (i = 0; i < NR_CALLERS; i++) {
		pid_t p = pids[i];

		ASSERT_EQ('D', wait_state(p, "D", WAIT_MS))
			TH_LOG("caller %d", p);
	}
	ASSERT_TRUE(cb_poll(self->sfd, POLLIN, WAIT_MS) & POLLIN);
	for (i = 0; i < NR_CALLERS; i++) {
		pid_t p = pids[i];

		ASSERT_EQ(0, kill(p, SIGKILL));
		/* not reaped by their parent: zombies once they exited */
		ASSERT_EQ('Z', wait_state(p, "Z", WAIT_MS))
			TH_LOG("caller %d", p);
	}
	/* the client is still open: nothing of the killed calls is left */
	n = srv_try_read(self->sfd);
	ASSERT_EQ(-EAGAIN, n)
		TH_LOG("a killed caller's call is still queued (read %zd)", n);
	for (i = 0; i < 1000; i++) {
		req = cb_stat("requests");
		if (req == self->base.requests)
			break;
		cb_msleep(1);
	}
	ASSERT_EQ(self->base.requests, req);
	kid_end(&self->k[0]);
}

/*
 * Closing a client with many pending calls: the cancel walk is linear.
 * The calls: NR_CALLERS synchronous callers (killed, their calls read and
 * held by the server: cancelled when they were killed, so no longer
 * pending), then NR_WALK asynchronous calls of which the server reads and
 * holds NR_WALK_HELD (->cancel() leaves them running) and leaves the rest
 * queued (->cancel() drops them at once).
 */
#define NR_WALK		200
#define NR_WALK_HELD	150
#define NR_HELD		(NR_CALLERS + NR_WALK_HELD)

struct walk_arg {
	const char *pkg;
	int fd;
};

static void walk_kid(void *p, int rd, int wr)
{
	struct walk_arg *w = p;
	struct caller_arg a = { .pkg = w->pkg };
	int i;

	callers_start(&a, wr);
	/* the callers are killed: now the asynchronous calls */
	CHK(!sig_wait(rd, KID_WAIT_MS));
	for (i = 0; i < NR_WALK; i++)
		PENDING_RES(async_call(a.fd, a.pkg, 0));
	CHK(!sig_send(wr));
	/* the server has read some: close the client */
	CHK(!sig_wait(rd, KID_WAIT_MS));
	CHK(!close(a.fd));
	CHK(!sig_send(wr));
	sig_wait(rd, KID_WAIT_MS);
}

TEST_F(mu, close_cancel_walk_linear)
{
	struct walk_arg w = { .pkg = self->name };
	long long steps0, steps;
	__u64 ids[NR_HELD];
	pid_t pids[NR_CALLERS];
	struct cb_live now;
	ssize_t n;
	int i;

	steps0 = cb_stat("cancel_walk_steps");
	ASSERT_LE(0, steps0) TH_LOG("no cancel_walk_steps counter");
	SET_PARAM("max_pending", NR_WALK);
	SET_PARAM("max_user_server_calls", NR_CALLERS + NR_WALK);
	ASSERT_EQ(0, kid_start(&self->k[0], NOBODY, NOBODY, walk_kid, &w));
	ASSERT_EQ(0, cb_read_timed(self->k[0].from, pids, sizeof(pids),
				   WAIT_MS))
		TH_LOG("child: exit %d", kid_exit(&self->k[0]));
	for (i = 0; i < NR_CALLERS; i++)
		ASSERT_EQ('D', wait_state(pids[i], "D", WAIT_MS))
			TH_LOG("caller %d", pids[i]);
	/* the server reads and holds every caller's call */
	for (i = 0; i < NR_CALLERS; i++) {
		ids[i] = srv_next(self->sfd, WAIT_MS);
		ASSERT_NE(0, ids[i]) TH_LOG("caller call %d", i);
	}
	for (i = 0; i < NR_CALLERS; i++) {
		ASSERT_EQ(0, kill(pids[i], SIGKILL));
		ASSERT_EQ('Z', wait_state(pids[i], "Z", WAIT_MS))
			TH_LOG("caller %d", pids[i]);
	}
	ASSERT_EQ(0, sig_send(self->k[0].to));
	ASSERT_EQ(0, sig_wait(self->k[0].from, KID_WAIT_MS))
		TH_LOG("child: exit %d", kid_exit(&self->k[0]));
	for (i = NR_CALLERS; i < NR_HELD; i++) {
		ids[i] = srv_next(self->sfd, WAIT_MS);
		ASSERT_NE(0, ids[i]) TH_LOG("async call %d", i - NR_CALLERS);
	}
	ASSERT_EQ(self->base.requests + NR_CALLERS + NR_WALK,
		  cb_stat("requests"));
	/* no other client closes meanwhile: the test process holds none */
	ASSERT_EQ(steps0, cb_stat("cancel_walk_steps"));
	ASSERT_EQ(0, sig_send(self->k[0].to));
	ASSERT_EQ(0, sig_wait(self->k[0].from, KID_WAIT_MS))
		TH_LOG("child: exit %d", kid_exit(&self->k[0]));
	steps = cb_stat("cancel_walk_steps") - steps0;
	TH_LOG("close with %d pending calls: %lld walk steps", NR_WALK,
	       steps);
	ASSERT_EQ(NR_WALK, steps);
	/* the unread calls were dropped at close, the held ones stay */
	n = srv_try_read(self->sfd);
	ASSERT_EQ(-EAGAIN, n) TH_LOG("an unread call is still queued");
	ASSERT_EQ(self->base.requests + NR_HELD, cb_stat("requests"));
	for (i = 0; i < NR_HELD; i++)
		ASSERT_OK(srv_complete(self->sfd, ids[i],
				       CLIENTBUF_STATUS_SUCCESS, 0, 0, 0));
	/* every request and the closed client's struct are freed */
	ASSERT_EQ(0, cb_live_wait(&now, &self->base, true));
	EXPECT_EQ(self->base.clients, now.clients);
	EXPECT_EQ(self->base.buffers, now.buffers);
	EXPECT_EQ(self->base.allocations, now.allocations);
	EXPECT_EQ(self->base.pinned_pages, now.pinned_pages);
	ASSERT_EQ(self->base.requests, now.requests);
	/* completing the held calls walked nothing */
	ASSERT_EQ(steps0 + NR_WALK, cb_stat("cancel_walk_steps"));
	kid_end(&self->k[0]);
}

/* ---- 2: per-user limits ------------------------------------------------ */

static void clients_kid(void *arg, int rd, int wr)
{
	struct clientbuf_info info;
	int fd[3], i;

	(void)arg;
	(void)rd;
	(void)wr;
	for (i = 0; i < 3; i++) {
		fd[i] = cb_open();
		CHK(fd[i] >= 0);
	}
	CHK(cb_open() == -1 && errno == EDQUOT);
	CHK(!info_of(fd[0], &info));
	CHK(info.user_clients == 3);
	CHK(info.max_user_clients == 3);
	close(fd[2]);
	fd[2] = cb_open();
	CHK(fd[2] >= 0);
	CHK(cb_open() == -1 && errno == EDQUOT);
}

TEST_F(mu, clients_per_user)
{
	int fd;

	SET_PARAM("max_user_clients", 3);
	ASSERT_EQ(0, kid_start(&self->k[0], NOBODY, NOBODY, clients_kid,
			       NULL));
	ASSERT_EQ(0, kid_exit(&self->k[0]));
	/* another user (root) is not limited by nobody's clients */
	fd = cb_open();
	ASSERT_LE(0, fd);
	close(fd);
}

/* In a user namespace of its own, a user has no more room. */
static void userns_kid(void *arg, int rd, int wr)
{
	struct clientbuf_info info;
	int fd[2], nfd, st;
	pid_t pid;

	(void)arg;
	(void)rd;
	(void)wr;
	fd[0] = cb_open();
	fd[1] = cb_open();
	CHK(fd[0] >= 0 && fd[1] >= 0);
	pid = fork();
	CHK(pid >= 0);
	if (!pid) {
		if (unshare(CLONE_NEWUSER)) {
			/* report the skip: status 4 */
			_exit(4);
		}
		nfd = cb_open();
		CHK(nfd == -1 && errno == EDQUOT);
		_exit(0);
	}
	st = cb_wait_child(pid);
	if (st == 4)
		_exit(4);
	CHK(st == 0);
	close(fd[1]);
	/* room for one at the parent level: the namespace may use it */
	pid = fork();
	CHK(pid >= 0);
	if (!pid) {
		CHK(!unshare(CLONE_NEWUSER));
		nfd = cb_open();
		CHK(nfd >= 0);
		CHK(!info_of(nfd, &info));
		/* its own level counts its one client */
		CHK(info.user_clients == 1);
		CHK(cb_open() == -1 && errno == EDQUOT);
		_exit(0);
	}
	CHK(cb_wait_child(pid) == 0);
	CHK(!info_of(fd[0], &info));
	CHK(info.user_clients == 1);
}

TEST_F(mu, clients_per_user_namespace)
{
	int st;

	SET_PARAM("max_user_clients", 2);
	ASSERT_EQ(0, kid_start(&self->k[0], NOBODY, NOBODY, userns_kid,
			       NULL));
	st = kid_exit(&self->k[0]);
	if (st == 4)
		SKIP(return, "unshare(CLONE_NEWUSER) refused to uid %d",
		     NOBODY);
	ASSERT_EQ(0, st);
}

static void buffers_kid(void *arg, int rd, int wr)
{
	size_t page = cb_page();
	__u8 *m = cb_map(16 * page);
	struct clientbuf_info info;
	struct cb_res r[3];
	int fd1 = cb_open(), fd2 = cb_open();

	(void)arg;
	(void)rd;
	(void)wr;
	CHK(m && fd1 >= 0 && fd2 >= 0);
	r[0] = _cb_register(fd1, CLIENTBUF_BUF_WRITE, m, page);
	r[1] = _cb_register(fd1, CLIENTBUF_BUF_WRITE, m + page, page);
	r[2] = _cb_register(fd2, CLIENTBUF_BUF_WRITE, m + 2 * page, page);
	CHK_RES(0, CLIENTBUF_STATUS_SUCCESS, r[0]);
	CHK_RES(0, CLIENTBUF_STATUS_SUCCESS, r[1]);
	CHK_RES(0, CLIENTBUF_STATUS_SUCCESS, r[2]);
	QUOTA_RES(_cb_register(fd2, CLIENTBUF_BUF_WRITE, m, page));
	CHK(!info_of(fd2, &info));
	CHK(info.nr_buffers == 1);
	CHK(info.user_buffers == 3 && info.max_user_buffers == 3);
	CHK(info.user_buffer_bytes == 3 * page);
	CHK_RES(0, CLIENTBUF_STATUS_SUCCESS, _cb_unregister(fd1, r[0].id));
	/* max_user_buffer_bytes is 4 pages: 2 held, 3 do not fit, 2 do */
	QUOTA_RES(_cb_register(fd2, CLIENTBUF_BUF_WRITE, m, 3 * page));
	r[0] = _cb_register(fd2, CLIENTBUF_BUF_WRITE, m, 2 * page);
	CHK_RES(0, CLIENTBUF_STATUS_SUCCESS, r[0]);
	CHK(!info_of(fd1, &info));
	CHK(info.user_buffers == 3);
	CHK(info.user_buffer_bytes == 4 * page);
	CHK(info.max_user_buffer_bytes == 4 * page);
	close(fd1);
	CHK(!info_of(fd2, &info));
	CHK(info.user_buffers == 2 && info.user_buffer_bytes == 3 * page);
}

TEST_F(mu, buffers_per_user)
{
	SET_PARAM("max_user_buffers", 3);
	SET_PARAM("max_user_buffer_bytes", 4 * cb_page());
	ASSERT_EQ(0, kid_start(&self->k[0], NOBODY, NOBODY, buffers_kid,
			       NULL));
	ASSERT_EQ(0, kid_exit(&self->k[0]));
}

/*
 * A client of @uid that makes @n asynchronous calls of the package (each
 * PENDING), then one more that is @last_quota ? refused : PENDING, reports
 * GET_INFO, waits for the test, then makes one more that must be PENDING.
 */
struct calls_arg {
	const char *pkg;
	int n;
	bool last_quota;
	bool sync_too;
};

static void calls_kid(void *p, int rd, int wr)
{
	struct calls_arg *a = p;
	struct clientbuf_info info;
	int fd = cb_open(), i;

	CHK(fd >= 0);
	for (i = 0; i < a->n; i++)
		PENDING_RES(async_call(fd, a->pkg, 0));
	if (a->last_quota) {
		QUOTA_RES(async_call(fd, a->pkg, 0));
		if (a->sync_too)
			QUOTA_RES(sync_call(fd, a->pkg));
	}
	CHK(!info_of(fd, &info));
	CHK(!cb_write_full(wr, &info, sizeof(info)));
	CHK(!sig_wait(rd, KID_WAIT_MS));
	PENDING_RES(async_call(fd, a->pkg, 0));
	CHK(!sig_send(wr));
	sig_wait(rd, KID_WAIT_MS);
}

TEST_F(mu, server_calls_per_user)
{
	struct calls_arg a = { .pkg = self->name, .n = 4, .last_quota = true,
			       .sync_too = true };
	struct calls_arg b = { .pkg = self->name, .n = 1 };
	struct clientbuf_info info;
	__u64 id;

	SET_PARAM("max_user_server_calls", 4);
	ASSERT_EQ(0, kid_start(&self->k[0], NOBODY, NOBODY, calls_kid, &a));
	ASSERT_EQ(0, cb_read_timed(self->k[0].from, &info, sizeof(info),
				   WAIT_MS))
		TH_LOG("child: exit %d", kid_exit(&self->k[0]));
	EXPECT_EQ(4, info.user_server_calls);
	EXPECT_EQ(4, info.max_user_server_calls);
	EXPECT_EQ(4, info.user_calls);
	EXPECT_EQ(4, info.user_completions);
	/* another user still has room on the same package */
	ASSERT_EQ(0, kid_start(&self->k[1], OTHER, OTHER, calls_kid, &b));
	ASSERT_EQ(0, cb_read_timed(self->k[1].from, &info, sizeof(info),
				   WAIT_MS))
		TH_LOG("other user's child: exit %d", kid_exit(&self->k[1]));
	EXPECT_EQ(1, info.user_server_calls);
	/* the server answers one of nobody's calls: room for one more */
	id = srv_next(self->sfd, WAIT_MS);
	ASSERT_NE(0, id);
	ASSERT_OK(srv_complete(self->sfd, id, CLIENTBUF_STATUS_SUCCESS, 0,
			       0, 0));
	ASSERT_EQ(0, sig_send(self->k[0].to));
	ASSERT_EQ(0, sig_wait(self->k[0].from, WAIT_MS))
		TH_LOG("child: exit %d", kid_exit(&self->k[0]));
}

TEST_F(mu, calls_per_user)
{
	struct calls_arg a = { .pkg = self->name, .n = 3, .last_quota = true,
			       .sync_too = true };
	struct clientbuf_info info;
	__u64 id;

	SET_PARAM("max_user_calls", 3);
	ASSERT_EQ(0, kid_start(&self->k[0], NOBODY, NOBODY, calls_kid, &a));
	ASSERT_EQ(0, cb_read_timed(self->k[0].from, &info, sizeof(info),
				   WAIT_MS))
		TH_LOG("child: exit %d", kid_exit(&self->k[0]));
	EXPECT_EQ(3, info.user_calls);
	EXPECT_EQ(3, info.max_user_calls);
	id = srv_next(self->sfd, WAIT_MS);
	ASSERT_NE(0, id);
	ASSERT_OK(srv_complete(self->sfd, id, CLIENTBUF_STATUS_SUCCESS, 0,
			       0, 0));
	/* completed, record unread: no longer a call */
	ASSERT_EQ(0, sig_send(self->k[0].to));
	ASSERT_EQ(0, sig_wait(self->k[0].from, WAIT_MS))
		TH_LOG("child: exit %d", kid_exit(&self->k[0]));
}

/* A client with an ALLOC buffer and one async call on the package. */
static void alloc_kid(void *arg, int rd, int wr)
{
	size_t page = cb_page();
	__u8 *m = cb_map(4 * page);
	struct cb_res r;
	int fd = cb_open();

	(void)rd;
	CHK(m && fd >= 0);
	r = _cb_register(fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC, m,
			 4 * page);
	CHK_RES(0, CLIENTBUF_STATUS_SUCCESS, r);
	PENDING_RES(async_call(fd, arg, r.id));
	CHK(!sig_send(wr));
	sig_wait(rd, KID_WAIT_MS);
}

TEST_F(mu, allocs_per_user)
{
	__u64 id, b[3];

	SET_PARAM("max_user_allocs", 2);
	ASSERT_EQ(0, kid_start(&self->k[0], NOBODY, NOBODY, alloc_kid,
			       self->name));
	ASSERT_EQ(0, sig_wait(self->k[0].from, WAIT_MS));
	id = srv_next(self->sfd, WAIT_MS);
	ASSERT_NE(0, id);
	ASSERT_OK(srv_alloc(self->sfd, id, 16, &b[0]));
	ASSERT_OK(srv_alloc(self->sfd, id, 16, &b[1]));
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED,
		   srv_alloc(self->sfd, id, 16, &b[2]));
	ASSERT_OK(srv_free(self->sfd, id, b[0]));
	ASSERT_OK(srv_alloc(self->sfd, id, 16, &b[2]));
	ASSERT_OK(srv_complete(self->sfd, id, CLIENTBUF_STATUS_SUCCESS, 0,
			       b[2], 16));
}

/* ---- 7: the asynchronous quota is the effective user's ---------------- */

struct euid_arg {
	const char *pkg;
	int n;
	bool then_quota;
};

static void euid_kid(void *p, int rd, int wr)
{
	struct euid_arg *a = p;
	int fd = cb_open(), i;

	CHK(fd >= 0);
	for (i = 0; i < a->n; i++)
		PENDING_RES(async_call(fd, a->pkg, 0));
	if (a->then_quota)
		QUOTA_RES(async_call(fd, a->pkg, 0));
	CHK(!sig_send(wr));
	sig_wait(rd, KID_WAIT_MS);
}

TEST_F(mu, async_quota_euid)
{
	struct euid_arg user = { .pkg = self->name, .n = 2,
				 .then_quota = true };
	struct euid_arg setuid_prog = { .pkg = self->name, .n = 1 };

	SET_PARAM("max_completions", 2);
	/* nobody uses up its quota */
	ASSERT_EQ(0, kid_start(&self->k[0], NOBODY, NOBODY, euid_kid, &user));
	ASSERT_EQ(0, sig_wait(self->k[0].from, WAIT_MS))
		TH_LOG("child: exit %d", kid_exit(&self->k[0]));
	/* a setuid-root program nobody runs: real uid nobody, euid 0 */
	ASSERT_EQ(0, kid_start(&self->k[1], NOBODY, 0, euid_kid,
			       &setuid_prog));
	ASSERT_EQ(0, sig_wait(self->k[1].from, WAIT_MS))
		TH_LOG("setuid child: exit %d", kid_exit(&self->k[1]));
}

/* ---- 7: GET_INFO is the owner's ---------------------------------------- */

TEST(get_info_owner)
{
	struct clientbuf_info info;
	int fd = cb_open();
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cb_get_info(fd, &info));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		info.abi_version = 0x5a5a5a5a;
		if (!ioctl(fd, CLIENTBUF_IOC_GET_INFO, &info))
			_exit(100);
		/* refused, and nothing written back */
		_exit(info.abi_version == 0x5a5a5a5a ? errno : 101);
	}
	ASSERT_EQ(EPERM, cb_wait_child(pid));
	close(fd);
}

/* ---- 7: SERVER_OP COMPLETE and FREE ------------------------------------ */

FIXTURE(one) {
	int cfd;		/* the client (this process) */
	int sfd;		/* the server (this process) */
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	size_t page;
	__u8 *alloc, *ro;
	__u32 aid, rid;
	struct cb_live base;
};

FIXTURE_SETUP(one)
{
	struct cb_res r;

	self->cfd = self->sfd = -1;
	if (geteuid())
		SKIP(return, "SERVE needs CAP_SYS_ADMIN");
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->page = cb_page();
	self->alloc = cb_map(4 * self->page);
	self->ro = cb_map(self->page);
	ASSERT_TRUE(self->alloc && self->ro);
	self->cfd = cb_open();
	ASSERT_LE(0, self->cfd);
	r = _cb_register(self->cfd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
			 self->alloc, 4 * self->page);
	ASSERT_OK(r);
	self->aid = r.id;
	r = _cb_register(self->cfd, CLIENTBUF_BUF_READ, self->ro,
			 self->page);
	ASSERT_OK(r);
	self->rid = r.id;
	self->sfd = cb_open();
	ASSERT_LE(0, self->sfd);
	srv_name(self->name, sizeof(self->name), "one");
	ASSERT_OK(srv_serve(&self->sfd, self->name));
}

FIXTURE_TEARDOWN(one)
{
	if (self->cfd >= 0)
		close(self->cfd);
	if (self->sfd >= 0)
		close(self->sfd);
}

TEST_F(one, complete_return_checked)
{
	struct clientbuf_completion comp;
	__u8 local[64];
	__u64 id, blk;

	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING,
		   async_call(self->cfd, self->name, self->aid));
	id = srv_next(self->sfd, WAIT_MS);
	ASSERT_NE(0, id);
	ASSERT_OK(srv_alloc(self->sfd, id, 32, &blk));
	/* not registered */
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_complete(self->sfd, id, CLIENTBUF_STATUS_SUCCESS, 0,
				(uintptr_t)local, sizeof(local)));
	/* registered, but not for packages to write */
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_complete(self->sfd, id, CLIENTBUF_STATUS_SUCCESS, 0,
				(uintptr_t)self->ro, 16));
	/* past the end of the ALLOC buffer */
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_complete(self->sfd, id, CLIENTBUF_STATUS_SUCCESS, 0,
				(uintptr_t)self->alloc + 4 * self->page - 8,
				16));
	/* refused without effect: no record, the call is still the server's */
	ASSERT_EQ(ETIMEDOUT, srv_read_completion(self->cfd, &comp, 100));
	ASSERT_OK(srv_copy_to(self->sfd, id, blk, "answer", 6));
	ASSERT_OK(srv_complete(self->sfd, id, CLIENTBUF_STATUS_SUCCESS, 0,
			       blk, 6));
	ASSERT_EQ(0, srv_read_completion(self->cfd, &comp, WAIT_MS));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, comp.status);
	ASSERT_EQ(blk, comp.return_addr);
	ASSERT_EQ(6, comp.return_len);
	ASSERT_EQ(0, memcmp((void *)(uintptr_t)blk, "answer", 6));
	ASSERT_OK(_cb_free(self->cfd, self->aid, blk));
}

/* BUFFER_TOO_SMALL: the length is the size needed, the address checked. */
TEST_F(one, complete_too_small_checks_address)
{
	struct clientbuf_completion comp;
	__u8 local[8];
	__u64 id, blk;

	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING,
		   async_call(self->cfd, self->name, self->aid));
	id = srv_next(self->sfd, WAIT_MS);
	ASSERT_NE(0, id);
	ASSERT_OK(srv_alloc(self->sfd, id, 16, &blk));
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_complete(self->sfd, id,
				CLIENTBUF_STATUS_BUFFER_TOO_SMALL, 0,
				(uintptr_t)local, 1 << 20));
	ASSERT_OK(srv_complete(self->sfd, id,
			       CLIENTBUF_STATUS_BUFFER_TOO_SMALL, 0, blk,
			       1 << 20));
	ASSERT_EQ(0, srv_read_completion(self->cfd, &comp, WAIT_MS));
	ASSERT_EQ(CLIENTBUF_STATUS_BUFFER_TOO_SMALL, comp.status);
	ASSERT_EQ(1 << 20, comp.return_len);
	ASSERT_OK(_cb_free(self->cfd, self->aid, blk));
}

TEST_F(one, free_other_call)
{
	struct clientbuf_completion comp;
	__u64 id1, id2, b1, b2;

	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING,
		   async_call(self->cfd, self->name, self->aid));
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING,
		   async_call(self->cfd, self->name, self->aid));
	id1 = srv_next(self->sfd, WAIT_MS);
	id2 = srv_next(self->sfd, WAIT_MS);
	ASSERT_TRUE(id1 && id2);
	ASSERT_OK(srv_alloc(self->sfd, id1, 64, &b1));
	ASSERT_OK(srv_alloc(self->sfd, id2, 64, &b2));
	/* the other call's block: as if it were no block */
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_free(self->sfd, id2, b1));
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_free(self->sfd, id1, b2));
	/* its own, once */
	ASSERT_OK(srv_free(self->sfd, id1, b1));
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   srv_free(self->sfd, id1, b1));
	ASSERT_OK(srv_complete(self->sfd, id1, CLIENTBUF_STATUS_SUCCESS, 0,
			       0, 0));
	ASSERT_OK(srv_complete(self->sfd, id2, CLIENTBUF_STATUS_SUCCESS, 0,
			       b2, 64));
	ASSERT_EQ(0, srv_read_completion(self->cfd, &comp, WAIT_MS));
	ASSERT_EQ(0, srv_read_completion(self->cfd, &comp, WAIT_MS));
	/* the client frees any block of its own */
	ASSERT_OK(_cb_free(self->cfd, self->aid, b2));
}

/* ---- 6: the server's owner closes its fd -------------------------------- */

/*
 * Hold two copies of @fd (a server fd not ours); close one when told,
 * keep the other until killed.
 */
static void holder_wait(int fd, int rd, int wr)
{
	int keep = dup(fd);

	CHK(keep >= 0);
	CHK(!sig_send(wr));
	CHK(!sig_wait(rd, KID_WAIT_MS));
	close(fd);
	CHK(!sig_send(wr));
	sig_wait(rd, KID_WAIT_MS);
	close(keep);
	_exit(0);
}

/* The package lives on; the owner closes; the package is gone at once. */
static void owner_close(struct __test_metadata *_metadata,
			FIXTURE_DATA(one) *self, int rd, int wr)
{
	struct clientbuf_completion comp;
	__u64 id;

	/* the holder closes its copy: nothing changes */
	ASSERT_EQ(0, sig_send(wr));
	ASSERT_EQ(0, sig_wait(rd, WAIT_MS));
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING,
		   async_call(self->cfd, self->name, 0));
	id = srv_next(self->sfd, WAIT_MS);
	ASSERT_NE(0, id);
	ASSERT_OK(srv_complete(self->sfd, id, CLIENTBUF_STATUS_SUCCESS, 0,
			       0, 0));
	ASSERT_EQ(0, srv_read_completion(self->cfd, &comp, WAIT_MS));
	/* a queued call and a read one, then the owner closes */
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING,
		   async_call(self->cfd, self->name, 0));
	ASSERT_NE(0, srv_next(self->sfd, WAIT_MS));
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING,
		   async_call(self->cfd, self->name, 0));
	close(self->sfd);
	self->sfd = -1;
	ASSERT_EQ(0, srv_read_completion(self->cfd, &comp, 1000));
	ASSERT_EQ(CLIENTBUF_STATUS_PORT_DISCONNECTED, comp.status);
	ASSERT_EQ(0, srv_read_completion(self->cfd, &comp, 1000));
	ASSERT_EQ(CLIENTBUF_STATUS_PORT_DISCONNECTED, comp.status);
	ASSERT_RES(ENOPKG, CLIENTBUF_STATUS_NO_SUCH_PACKAGE,
		   async_call(self->cfd, self->name, 0));
}

TEST_F(one, server_close_with_forked_copy)
{
	int a[2], b[2];
	pid_t pid;

	ASSERT_EQ(0, pipe2(a, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(b, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(a[1]);
		close(b[0]);
		holder_wait(self->sfd, a[0], b[1]);
	}
	close(a[0]);
	close(b[1]);
	ASSERT_EQ(0, sig_wait(b[0], WAIT_MS));
	owner_close(_metadata, self, b[0], a[1]);
	cb_kill_child(pid);
	close(a[1]);
	close(b[0]);
}

TEST_F(one, server_close_with_passed_copy)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int sv[2], a[2], b[2];
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pipe2(a, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(b, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int got = -1;

		/* a process that never had the fd: it receives it */
		close(self->sfd);
		close(a[1]);
		close(b[0]);
		if (recvmsg(sv[1], &msg, 0) == 1) {
			cm = CMSG_FIRSTHDR(&msg);
			if (cm && cm->cmsg_type == SCM_RIGHTS)
				memcpy(&got, CMSG_DATA(cm), sizeof(int));
		}
		CHK(got >= 0);
		holder_wait(got, a[0], b[1]);
	}
	close(a[0]);
	close(b[1]);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &self->sfd, sizeof(int));
	ASSERT_EQ(1, sendmsg(sv[0], &msg, 0));
	ASSERT_EQ(0, sig_wait(b[0], WAIT_MS));
	owner_close(_metadata, self, b[0], a[1]);
	cb_kill_child(pid);
	close(a[1]);
	close(b[0]);
	close(sv[0]);
	close(sv[1]);
}

/* ---- 5: a registration's fault does not stall a package ---------------- */

struct bg_op {
	pthread_t th;
	int fd;
	__u32 flags;
	void *addr;
	size_t len;
	__u64 call_id;
	struct cb_res res;
	__u64 block;
	volatile int done;
};

static void *bg_register(void *p)
{
	struct bg_op *b = p;

	b->res = _cb_register(b->fd, b->flags, b->addr, b->len);
	__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *bg_alloc(void *p)
{
	struct bg_op *b = p;

	b->res = srv_alloc(b->fd, b->call_id, 32, &b->block);
	__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static bool bg_wait(struct bg_op *b, int ms)
{
	int i;

	for (i = 0; i < ms; i++) {
		if (__atomic_load_n(&b->done, __ATOMIC_ACQUIRE))
			return true;
		cb_msleep(1);
	}
	return false;
}

TEST_F(one, alloc_during_pin_fault)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register ur = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage z = { 0 };
	struct bg_op reg = { 0 }, al = { 0 };
	size_t page = self->page;
	__u8 *m = cb_map(2 * page);
	bool alloc_first;
	__u64 id;
	int uffd;

	ASSERT_NE(NULL, m);
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	ur.range.start = (uintptr_t)m;
	ur.range.len = 2 * page;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &ur));

	/* a call the server holds, for its ALLOC */
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING,
		   async_call(self->cfd, self->name, self->aid));
	id = srv_next(self->sfd, WAIT_MS);
	ASSERT_NE(0, id);

	/* the registration faults on the first page and waits for us */
	reg.fd = self->cfd;
	reg.flags = CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ |
		    CLIENTBUF_BUF_PIN;
	reg.addr = m;
	reg.len = 2 * page;
	ASSERT_EQ(0, pthread_create(&reg.th, NULL, bg_register, &reg));
	if (!(cb_poll(uffd, POLLIN, WAIT_MS) & POLLIN) && bg_wait(&reg, 1)) {
		/*
		 * 6.1's GUP pins long-term without FAULT_FLAG_ALLOW_RETRY:
		 * userfaultfd cannot hold the fault and answers it with
		 * SIGBUS, the registration fails at once - nothing to hold.
		 */
		pthread_join(reg.th, NULL);
		ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION, reg.res);
		ASSERT_OK(srv_complete(self->sfd, id,
				       CLIENTBUF_STATUS_SUCCESS, 0, 0, 0));
		close(uffd);
		SKIP(return, "this kernel does not let userfaultfd hold a "
		     "long-term pin's fault (the registration fails at once)");
	}
	ASSERT_FALSE(__atomic_load_n(&reg.done, __ATOMIC_ACQUIRE))
		TH_LOG("the registration did not fault");

	/* the package's ALLOC on the same client, meanwhile */
	al.fd = self->sfd;
	al.call_id = id;
	ASSERT_EQ(0, pthread_create(&al.th, NULL, bg_alloc, &al));
	alloc_first = bg_wait(&al, 2000);

	/* resolve every fault of the registration, then join both */
	z.range.start = (uintptr_t)m;
	z.range.len = 2 * page;
	ioctl(uffd, UFFDIO_ZEROPAGE, &z);
	ASSERT_TRUE(bg_wait(&reg, WAIT_MS));
	ASSERT_TRUE(bg_wait(&al, WAIT_MS));
	pthread_join(reg.th, NULL);
	pthread_join(al.th, NULL);
	ASSERT_TRUE(alloc_first)
		TH_LOG("SERVER_OP ALLOC waited for the client's fault");
	ASSERT_OK(al.res);
	ASSERT_OK(reg.res);
	ASSERT_OK(_cb_unregister(self->cfd, reg.res.id));
	ASSERT_OK(srv_complete(self->sfd, id, CLIENTBUF_STATUS_SUCCESS, 0,
			       al.block, 32));
	close(uffd);
}

/* ---- the bound, measured ------------------------------------------------ */

static long long meminfo_kb(const char *field)
{
	char line[256];
	long long v = -1;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			v = strtoll(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/* Bytes of live slab objects: active_objs * objsize over every cache. */
static long long slab_bytes(void)
{
	char line[512], name[64];
	long long active, total = 0;
	unsigned long num, size;
	FILE *f = fopen("/proc/slabinfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld %lu %lu", name, &active, &num,
			   &size) == 4)
			total += active * (long long)size;
	fclose(f);
	return total;
}

/*
 * Why this kernel's objects are bigger than a production kernel's, or
 * NULL: slab debugging on every cache (make check-debug's
 * CONFIG_SLUB_DEBUG_ON: red zones, poison, the owner's stack) or kmemleak
 * (a tracking object per allocation, itself in slabinfo).
 */
static const char *slab_debugging(void)
{
	static const char *const flags[] = { "red_zone", "poison",
					     "store_user" };
	char path[96];
	size_t i;
	FILE *f;
	int on;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/slab/kmalloc-64/%s",
			 flags[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%d", &on) != 1)
			on = 0;
		fclose(f);
		if (on == 1)
			return "slab debugging on every cache";
	}
	if (!access("/sys/kernel/debug/kmemleak", F_OK))
		return "kmemleak";
	return NULL;
}

struct meas {
	long long slab, free;
};

static struct meas meas_now(void)
{
	struct meas m;

	m.slab = slab_bytes();
	m.free = meminfo_kb("MemFree") * 1024;
	return m;
}

/*
 * Kernel bytes held since @a: of slab objects (clients, buffers, blocks,
 * requests are), or of pages (a kmalloc() above 8 KiB, such as a server
 * call's copy of a 64 KiB submit buffer, is a page allocation). Small
 * objects are counted in slab bytes: MemFree moves by whole pages and with
 * every other allocation of the kernel.
 */
static long long meas_delta(struct meas a, struct meas b, bool pages)
{
	return pages ? a.free - b.free : b.slab - a.slab;
}

#define MEASURE_N	256
#define MEASURE_CALLS	128

/*
 * Steps of one user's client process, one per signal of the test:
 * MEASURE_N clients; an ALLOC buffer in each; MEASURE_CALLS asynchronous
 * calls of the package with a 64 KiB submit buffer (64 per client, its
 * max_pending). The test measures around each step.
 */
static void measure_kid(void *arg, int rd, int wr)
{
	static int fds[MEASURE_N];
	size_t page = cb_page();
	const char *pkg = arg;
	__u8 *m = cb_map(MEASURE_N * page), *submit = malloc(64 * 1024);
	struct cb_res res;
	int i;

	CHK(m && submit);
	memset(submit, 1, 64 * 1024);
	CHK(!sig_wait(rd, KID_WAIT_MS));
	for (i = 0; i < MEASURE_N; i++) {
		fds[i] = cb_open();
		CHK(fds[i] >= 0);
	}
	CHK(!sig_send(wr));
	CHK(!sig_wait(rd, KID_WAIT_MS));
	for (i = 0; i < MEASURE_N; i++) {
		res = _cb_register(fds[i], CLIENTBUF_BUF_WRITE |
				   CLIENTBUF_BUF_ALLOC, m + i * page, page);
		CHK_RES(0, CLIENTBUF_STATUS_SUCCESS, res);
	}
	CHK(!sig_send(wr));
	CHK(!sig_wait(rd, KID_WAIT_MS));
	for (i = 0; i < MEASURE_CALLS; i++) {
		struct srv_call c = srv_call(fds[i / 64], pkg, submit,
					     64 * 1024, CLIENTBUF_CALL_ASYNC,
					     0);

		CHK_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
	}
	CHK(!sig_send(wr));
	sig_wait(rd, KID_WAIT_MS);
}

/* Run one step of the child; kernel bytes it made the kernel hold. */
static long long measure_step(struct kid *k, bool pages)
{
	struct meas a, b;

	a = meas_now();
	if (sig_send(k->to) || sig_wait(k->from, KID_WAIT_MS))
		return -1;
	b = meas_now();
	return meas_delta(a, b, pages);
}

/*
 * Bytes per object, from many of each held by one user: a client (an
 * open fd), an ALLOC buffer, an allocated block, a call queued on a
 * server with a 64 KiB submit buffer. The figures are printed; each must
 * be within the per-object bound Documentation/design.rst's threat model
 * multiplies by its limit.
 */
TEST_F(mu, worst_case_bytes)
{
	/* the per-object figures design.rst uses, bytes */
	static const long long bound[4] = { 1536, 1536, 320, 136 * 1024 };
	static const char *const what[4] = {
		"client", "ALLOC buffer", "block", "server call (64 KiB)",
	};
	long long per[4], d;
	const char *dbg;
	struct meas a, b;
	__u64 id, blk;
	int i;

	ASSERT_LE(0, slab_bytes()) TH_LOG("/proc/slabinfo unreadable");
	/* absent on a module without per-user limits: measured all the same */
	cb_param_write("max_user_server_calls", MEASURE_CALLS);
	ASSERT_EQ(0, kid_start(&self->k[0], FRESH, FRESH, measure_kid,
			       self->name));
	d = measure_step(&self->k[0], false);
	ASSERT_LE(0, d) TH_LOG("child: exit %d", kid_exit(&self->k[0]));
	per[0] = d / MEASURE_N;
	d = measure_step(&self->k[0], false);
	ASSERT_LE(0, d) TH_LOG("child: exit %d", kid_exit(&self->k[0]));
	per[1] = d / MEASURE_N;
	d = measure_step(&self->k[0], true);
	ASSERT_LE(0, d) TH_LOG("child: exit %d", kid_exit(&self->k[0]));
	per[3] = d / MEASURE_CALLS;
	/* blocks: 256 in the first call's client's one-page buffer */
	id = srv_next(self->sfd, WAIT_MS);
	ASSERT_NE(0, id);
	a = meas_now();
	for (i = 0; i < 256; i++)
		ASSERT_OK(srv_alloc(self->sfd, id, 16, &blk));
	b = meas_now();
	per[2] = meas_delta(a, b, false) / 256;
	dbg = slab_debugging();
	for (i = 0; i < 4; i++) {
		ksft_print_msg("worst_case_bytes: %s: %lld bytes each\n",
			       what[i], per[i]);
		if (!dbg)
			EXPECT_GE(bound[i], per[i]) TH_LOG("%s", what[i]);
	}
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = -1;
	kid_end(&self->k[0]);
	if (dbg)
		SKIP(return, "%s makes every object bigger: the bounds are "
		     "for a kernel without it (figures printed)", dbg);
}

TEST_HARNESS_MAIN
