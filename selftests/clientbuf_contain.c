// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_contain: what one client can make the kernel hold, and for how
 * long - the hardening of the per-user bounds and of the paths where one
 * client's state could wedge others.
 *
 *   completions_bounded_per_user  thousands of unread asynchronous calls:
 *                                 refused past max_completions (per user,
 *                                 over all its fds) with EDQUOT /
 *                                 STATUS_QUOTA_EXCEEDED before the package
 *                                 sees them; memory stays bounded; no record
 *                                 is dropped; reading one makes room; other
 *                                 users are not affected
 *   remote_copy_after_main_thread_exit
 *                                 a copy from another process into a client
 *                                 whose main thread pthread_exit()ed lands
 *   server_gone.{exit,exec}       a server whose fd another process (a child,
 *                                 or the program after execve()) holds:
 *                                 its exit or exec fails the queued calls at
 *                                 once with STATUS_PORT_DISCONNECTED
 *   stall.{workqueue,kthread,ordered,other_process}
 *                                 a copy outside the client's context into a
 *                                 range a userfaultfd of the client watches
 *                                 is refused at once (EOPNOTSUPP /
 *                                 STATUS_NOT_SUPPORTED), never waits on the
 *                                 client's fault handler
 *   stall_shared_worker           while a client's fault would stall the
 *                                 package's one shared worker, another
 *                                 client's call on it completes at once, and
 *                                 unregistering returns at once
 *   info_completed_request_of_exited_client
 *                                 get_client_info() on a completed request
 *                                 of an exited client: STATUS_INVALID_HANDLE
 *
 * Needs root (CAP_SYS_ADMIN for package servers, userfaultfd for kernel
 * faults, setuid() for the second user) and clientbuf_test.ko.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/userfaultfd.h>

#include "clientbuf_srv_util.h"

CB_RELEASE_SLOTS_AT_EXIT

#define SEED		0x5eed1100U
/* How long the test's fault handler holds a fault before resolving it. */
#define HOLD_MS		2000
/* What "at once" means here: well below HOLD_MS, even under TCG. */
#define PROMPT_MS	1000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static unsigned int read_param(const char *name)
{
	char path[128];
	unsigned int v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/clientbuf/parameters/%s",
		 name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%u", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* ---- a package call in a thread of its own ------------------------------- */

struct bg_call {
	pthread_t th;
	int fd;
	int pipe[2];		/* one byte when the call returned */
	char pkg[CLIENTBUF_PACKAGE_NAME_MAX];
	struct cbtest_cmd cmd;
	const void *submit;
	__u32 submit_len;
	struct cb_res res;
	long long ms;		/* how long the call took */
};

static void *bg_call_fn(void *arg)
{
	struct bg_call *b = arg;
	long long t0 = now_ms();
	char c = 1;

	b->res = _cb_call(b->fd, b->pkg, b->submit, b->submit_len, 0, 0);
	b->ms = now_ms() - t0;
	if (write(b->pipe[1], &c, 1) != 1)
		abort();
	return NULL;
}

static int bg_call_start(struct bg_call *b, int fd, const char *pkg,
			 const void *submit, __u32 len)
{
	b->fd = fd;
	snprintf(b->pkg, sizeof(b->pkg), "%s", pkg);
	if (submit == &b->cmd || !submit) {
		b->submit = &b->cmd;
		b->submit_len = sizeof(b->cmd);
	} else {
		b->submit = submit;
		b->submit_len = len;
	}
	b->ms = -1;
	if (pipe2(b->pipe, O_CLOEXEC))
		return -1;
	return pthread_create(&b->th, NULL, bg_call_fn, b) ? -1 : 0;
}

/* Wait up to @ms for the call to return: true if it did. */
static bool bg_call_wait(struct bg_call *b, int ms)
{
	return cb_poll(b->pipe[0], POLLIN, ms) & POLLIN;
}

static void bg_call_join(struct bg_call *b)
{
	pthread_join(b->th, NULL);
	close(b->pipe[0]);
	close(b->pipe[1]);
}

/* ---- 4. unread completions are bounded per user --------------------------- */

#define NR_TRIES	8192

TEST(completions_bounded_per_user)
{
	unsigned int max, limit, i, nr_read;
	struct clientbuf_completion rec;
	struct clientbuf_info info;
	struct cb_live base, now;
	struct cb_res res = {};
	int fd, fd2, tfd, sync_pipe[2], st;
	__u64 last_id;
	pid_t child;

	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&base));
	fd = cb_open();
	tfd = cbt_open();
	ASSERT_LE(0, fd);
	ASSERT_LE(0, tfd);
	ASSERT_EQ(0, cb_get_info(fd, &info));
	max = info.max_completions;
	/* The documented default, should the module not report one. */
	limit = max ? max : 1024;
	if (limit > NR_TRIES / 2)
		SKIP(return, "max_completions %u: too many to fill", limit);

	/* Many thousands of asynchronous calls, completed, never read. */
	for (i = 0; i < NR_TRIES; i++) {
		res = cbt_hold(fd, 0);
		if (res.status != CLIENTBUF_STATUS_PENDING)
			break;
		ASSERT_EQ(0, cbt_complete(tfd, 0, CLIENTBUF_STATUS_SUCCESS));
	}
	ASSERT_EQ(0, cb_live_read(&now));
	ASSERT_EQ(limit, i)
		TH_LOG("%u unread completions accepted (live requests %+lld), want a refusal at %u",
		       i, now.requests - base.requests, limit);
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, res);
	ASSERT_EQ(0ULL, res.req_id);
	/* Refused before it started: the package never saw it. */
	ASSERT_EQ(ENOENT, cbt_complete(tfd, 0, CLIENTBUF_STATUS_SUCCESS));
	/* Kernel memory is bounded: the records, no more. */
	ASSERT_GE(now.requests - base.requests, (long long)limit - 1);
	ASSERT_LE(now.requests - base.requests, (long long)limit);

	/* A documented limit: GET_INFO and the module parameter agree. */
	ASSERT_EQ(max, read_param("max_completions"));

	/* Per user: another fd of the same user has no room either. */
	fd2 = cb_open();
	ASSERT_LE(0, fd2);
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, cbt_hold(fd2, 1));
	ASSERT_EQ(ENOENT, cbt_complete(tfd, 1, CLIENTBUF_STATUS_SUCCESS));
	/* Synchronous calls are not counted. */
	ASSERT_OK(cbt_op(fd2, CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL, 0, 0, 0));

	/* Another user is not affected. */
	ASSERT_EQ(0, pipe2(sync_pipe, O_CLOEXEC));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		struct cb_res r;
		int cfd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		cfd = cb_open();
		if (cfd < 0)
			_exit(3);
		r = cbt_hold(cfd, 2);
		if (cb_write_full(sync_pipe[1], &r.status, sizeof(r.status)))
			_exit(4);
		if (r.status != CLIENTBUF_STATUS_PENDING)
			_exit(5);
		if (srv_read_completion(cfd, &rec, 5000) ||
		    rec.request_id != r.req_id ||
		    rec.status != CLIENTBUF_STATUS_SUCCESS)
			_exit(6);
		_exit(0);
	}
	ASSERT_EQ(0, cb_read_timed(sync_pipe[0], &st, sizeof(st), 5000));
	ASSERT_EQ(CLIENTBUF_STATUS_PENDING, (__u32)st)
		TH_LOG("uid 65534's asynchronous call: %#x (%s)", st,
		       cb_status_name((__u32)st));
	ASSERT_EQ(0, cbt_complete(tfd, 2, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_EQ(0, cb_wait_child(child));
	close(sync_pipe[0]);
	close(sync_pipe[1]);

	/* Reading one record makes room for exactly one call. */
	ASSERT_EQ(0, srv_read_completion(fd, &rec, 1000));
	ASSERT_EQ(1ULL, rec.request_id);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, rec.status);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, cbt_hold(fd2, 1));
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, cbt_hold(fd, 0));
	ASSERT_EQ(0, cbt_complete(tfd, 1, CLIENTBUF_STATUS_SUCCESS));

	/* No completion was dropped: every record, in order. */
	last_id = rec.request_id;
	for (nr_read = 1; !srv_read_completion(fd, &rec, 0); nr_read++) {
		ASSERT_EQ(last_id + 1, rec.request_id);
		ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, rec.status);
		last_id = rec.request_id;
	}
	ASSERT_EQ(limit, nr_read);
	ASSERT_EQ(0, srv_read_completion(fd2, &rec, 1000));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, rec.status);
	/* Room again for a call on the first fd. */
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, cbt_hold(fd, 0));
	ASSERT_EQ(0, cbt_complete(tfd, 0, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_EQ(0, srv_read_completion(fd, &rec, 1000));

	close(fd);
	close(fd2);
	close(tfd);
	ASSERT_LIVE_EQ(&base);
}

/* ---- 5. remote copies after the main thread exited ------------------------ */

#define REMOTE_LEN	(3 * 4096 + 100)
#define REMOTE_SLOT	3

struct keeper {
	__u8 *p;
	int ready;	/* keeper -> test: the buffer's address */
	int go;		/* test -> keeper: check the bytes, then EOF: exit */
	int verdict;	/* keeper -> test: 0 if the bytes landed */
	pid_t leader;
};

/* The leader's state in /proc: 'Z' once its thread has exited. */
static char task_state(pid_t pid, pid_t tid)
{
	char path[64], buf[256], *s;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return '?';
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	s = strrchr(buf, ')');
	return s && s[1] && s[2] ? s[2] : '?';
}

static void *keeper_fn(void *arg)
{
	struct keeper *k = arg;
	__u64 addr = (uintptr_t)k->p;
	char c;
	int i;

	/* Wait until the main thread is a zombie. */
	for (i = 0; i < 500 && task_state(k->leader, k->leader) != 'Z'; i++)
		cb_msleep(10);
	if (task_state(k->leader, k->leader) != 'Z')
		exit(20);
	if (cb_write_full(k->ready, &addr, sizeof(addr)))
		exit(21);
	if (cb_read_full(k->go, &c, 1))
		exit(22);
	c = cb_is_pattern(k->p, REMOTE_LEN, SEED) ? 0 : 1;
	if (cb_write_full(k->verdict, &c, 1))
		exit(23);
	/* Until the test is done with the request. */
	while (read(k->go, &c, 1) > 0)
		;
	exit(0);
}

TEST(remote_copy_after_main_thread_exit)
{
	int ready[2], go[2], verdict[2], tfd;
	struct cb_res copy_to = {}, copy_from = {};
	static struct keeper k;
	__u64 addr = 0;
	char v = 2, c = 1;
	pid_t child;
	int ret;

	tfd = cbt_open();
	ASSERT_LE(0, tfd);
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(verdict, O_CLOEXEC));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		pthread_t th;
		int fd = cb_open();
		struct cb_res r;

		close(ready[0]);
		close(go[1]);
		close(verdict[0]);
		k.p = cb_map(REMOTE_LEN);
		if (fd < 0 || !k.p)
			_exit(10);
		memset(k.p, 0, REMOTE_LEN);
		r = _cb_register(fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ,
				 k.p, REMOTE_LEN);
		if (r.err)
			_exit(11);
		if (cbt_hold(fd, REMOTE_SLOT).status != CLIENTBUF_STATUS_PENDING)
			_exit(12);
		k.ready = ready[1];
		k.go = go[0];
		k.verdict = verdict[1];
		k.leader = getpid();
		if (pthread_create(&th, NULL, keeper_fn, &k))
			_exit(13);
		pthread_exit(NULL);
	}
	close(ready[1]);
	close(go[0]);
	close(verdict[1]);
	ret = cb_read_timed(ready[0], &addr, sizeof(addr), 10000);
	if (!ret) {
		/* From this process: the other-process path. */
		copy_to = cbt_remote_copy(tfd, REMOTE_SLOT, CBTEST_OP_COPY_TO,
					  (void *)(uintptr_t)addr, REMOTE_LEN,
					  SEED);
		if (!cb_write_full(go[1], &c, 1))
			cb_read_timed(verdict[0], &v, 1, 5000);
		{
			struct cbtest_remote r = cbt_remote(REMOTE_SLOT,
				CBTEST_OP_COPY_FROM, (void *)(uintptr_t)addr,
				REMOTE_LEN, SEED);

			copy_from.status = cbt_ioctl(tfd, CBTEST_IOC_COPY, &r) ?
					   0xdead0000U : r.status;
			copy_from.proto = r.protocol_status;
		}
	}
	cbt_complete(tfd, REMOTE_SLOT, CLIENTBUF_STATUS_SUCCESS);
	close(go[1]);
	if (ret)
		cb_kill_child(child);
	ASSERT_EQ(0, ret) TH_LOG("the client's keeper thread did not report");
	ASSERT_EQ(0, cb_wait_child(child));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, copy_to.status)
		TH_LOG("copy into a client whose main thread exited: %#x (%s)",
		       copy_to.status, cb_status_name(copy_to.status));
	ASSERT_EQ(0, v) TH_LOG("the bytes did not land in the client");
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, copy_from.status)
		TH_LOG("copy from it: %#x (%s)", copy_from.status,
		       cb_status_name(copy_from.status));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, copy_from.proto);
	close(tfd);
}

/* ---- 6. a server fd held by another process ------------------------------- */

FIXTURE(server_gone) {
	int fd;
};

FIXTURE_VARIANT(server_gone) {
	bool exec;
};

FIXTURE_VARIANT_ADD(server_gone, exit) { .exec = false };
FIXTURE_VARIANT_ADD(server_gone, exec) { .exec = true };

FIXTURE_SETUP(server_gone)
{
	self->fd = -1;
}

FIXTURE_TEARDOWN(server_gone)
{
}

struct srv_ready {
	__u32 status;
	pid_t holder;		/* the process that keeps the fd */
};

/*
 * The server: serves @name on a server fd without O_CLOEXEC (cleared); a
 * forked child keeps it (exit variant), or execve() keeps it; then, told
 * to, it exits or execs.
 */
static void server_proc(const char *name, bool do_exec, const int *ready,
			const int *go, const int *hold)
{
	struct srv_ready rd = { .status = 0xdeadbeef };
	int fd = open(CB_DEV, O_RDWR);
	int ready_w = ready[1], go_r = go[0], hold_r = hold[0];
	char c;

	close(ready[0]);
	close(go[1]);
	close(hold[1]);
	/* Never outlive the test, nor keep its output open. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (fd >= 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(8);
	}
	if (fd < 0)
		_exit(2);
	rd.status = srv_serve(&fd, name).status;
	/* The server fd is O_CLOEXEC: let the new program keep it. */
	if (rd.status == CLIENTBUF_STATUS_SUCCESS && fcntl(fd, F_SETFD, 0))
		_exit(4);
	rd.holder = getpid();
	if (rd.status == CLIENTBUF_STATUS_SUCCESS && !do_exec) {
		rd.holder = fork();
		if (rd.holder < 0)
			_exit(3);
		if (!rd.holder) {
			/* The child keeps the fd until the test is done. */
			while (read(hold_r, &c, 1) > 0)
				;
			_exit(0);
		}
	}
	if (cb_write_full(ready_w, &rd, sizeof(rd)))
		_exit(4);
	if (rd.status != CLIENTBUF_STATUS_SUCCESS)
		_exit(5);
	if (cb_read_full(go_r, &c, 1))
		_exit(6);
	if (do_exec) {
		/* The new program keeps the fd (no O_CLOEXEC). */
		execl("/bin/sleep", "sleep", "60", (char *)NULL);
		_exit(7);
	}
	_exit(0);
}

TEST_F(server_gone, calls_fail_at_once)
{
	struct clientbuf_completion rec = {};
	int ready[2], go[2], hold[2], cfd, rec_err = -1;
	long long t0 = 0, rec_ms = -1;
	struct srv_ready rd = {};
	struct srv_call async;
	struct cb_res again = {};
	struct bg_call sync = {};
	bool sync_done = false;
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	pid_t srv;
	char c = 1;

	if (variant->exec && access("/bin/sleep", X_OK))
		SKIP(return, "no /bin/sleep to exec");
	srv_name(name, sizeof(name), "gone");
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(hold, O_CLOEXEC));
	srv = fork();
	ASSERT_LE(0, srv);
	if (!srv)
		server_proc(name, variant->exec, ready, go, hold);
	close(ready[1]);
	close(go[0]);
	close(hold[0]);
	ASSERT_EQ(0, cb_read_timed(ready[0], &rd, sizeof(rd), 5000));
	if (rd.status == CLIENTBUF_STATUS_ACCESS_DENIED) {
		cb_kill_child(srv);
		SKIP(return, "serving needs CAP_SYS_ADMIN");
	}
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, rd.status);

	cfd = cb_open();
	ASSERT_LE(0, cfd);
	/* An asynchronous call and a synchronous one, both queued, unread. */
	async = srv_call(cfd, name, "a", 1, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&async));
	ASSERT_EQ(0, bg_call_start(&sync, cfd, name, "s", 1));
	ASSERT_FALSE(bg_call_wait(&sync, 200));

	/* The server exits (its child keeps the fd), or execs. */
	ASSERT_EQ(0, cb_write_full(go[1], &c, 1));
	t0 = now_ms();
	if (!variant->exec)
		cb_wait_child(srv);
	rec_err = srv_read_completion(cfd, &rec, 3000);
	rec_ms = now_ms() - t0;
	sync_done = bg_call_wait(&sync, 3000);
	if (sync_done)
		again = _cb_call(cfd, name, "x", 1, 0, 0);

	/* Unwedge whatever is left before asserting. */
	close(hold[1]);
	if (variant->exec) {
		cb_kill_child(srv);
	} else {
		/* Not our child: the server's. */
		kill(rd.holder, SIGKILL);
		cb_msleep(100);
	}
	if (!sync_done)
		bg_call_join(&sync);

	ASSERT_EQ(0, rec_err)
		TH_LOG("no completion record %lld ms after the server %s",
		       rec_ms, variant->exec ? "exec()ed" : "exited");
	ASSERT_EQ(async.c.request_id, rec.request_id);
	ASSERT_EQ(CLIENTBUF_STATUS_PORT_DISCONNECTED, rec.status)
		TH_LOG("record status %#x (%s)", rec.status,
		       cb_status_name(rec.status));
	ASSERT_LT(rec_ms, PROMPT_MS * 2);
	ASSERT_TRUE(sync_done)
		TH_LOG("the synchronous call still waits 3 s after the server %s",
		       variant->exec ? "exec()ed" : "exited");
	ASSERT_RES(ECONNRESET, CLIENTBUF_STATUS_PORT_DISCONNECTED, sync.res);
	/* The package is gone. */
	ASSERT_RES(ENOPKG, CLIENTBUF_STATUS_NO_SUCH_PACKAGE, again);
	bg_call_join(&sync);
	close(cfd);
}

/* ---- 9. a client's faults never hold a shared worker ---------------------- */

struct uffd_ctl {
	int uffd;
	int stop[2];
	size_t page;
	atomic_int faults;
	pthread_t th;
};

/* The client's fault handler: holds each fault HOLD_MS, then zero-fills. */
static void *uffd_fn(void *arg)
{
	struct uffd_ctl *u = arg;
	struct pollfd p[2] = {
		{ .fd = u->uffd, .events = POLLIN },
		{ .fd = u->stop[0], .events = POLLIN },
	};
	struct uffd_msg msg;

	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		if (read(u->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		atomic_fetch_add(&u->faults, 1);
		cb_poll(u->stop[0], POLLIN, HOLD_MS);
		{
			struct uffdio_zeropage z = {
				.range.start = msg.arg.pagefault.address &
					       ~(__u64)(u->page - 1),
				.range.len = u->page,
			};

			ioctl(u->uffd, UFFDIO_ZEROPAGE, &z);
		}
	}
	return NULL;
}

/*
 * @len bytes of anonymous memory that a userfaultfd of this process
 * watches (missing pages), with its handler running; NULL with errno.
 */
static void *uffd_map(struct uffd_ctl *u, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	void *p;

	u->page = cb_page();
	atomic_init(&u->faults, 0);
	u->uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (u->uffd < 0)
		return NULL;
	if (ioctl(u->uffd, UFFDIO_API, &api))
		return NULL;
	p = cb_map(len);
	if (!p)
		return NULL;
	reg.range.start = (uintptr_t)p;
	reg.range.len = len;
	if (ioctl(u->uffd, UFFDIO_REGISTER, &reg))
		return NULL;
	if (pipe2(u->stop, O_CLOEXEC) ||
	    pthread_create(&u->th, NULL, uffd_fn, u))
		return NULL;
	return p;
}

static void uffd_stop(struct uffd_ctl *u)
{
	char c = 1;

	if (write(u->stop[1], &c, 1) != 1)
		abort();
	pthread_join(u->th, NULL);
	close(u->uffd);
	close(u->stop[0]);
	close(u->stop[1]);
}

FIXTURE(stall) {
	int fd;
	struct uffd_ctl u;
	__u8 *p;
	__u32 id;
};

FIXTURE_VARIANT(stall) {
	__u32 ctx;
	bool remote;
};

FIXTURE_VARIANT_ADD(stall, workqueue) { .ctx = CBTEST_CTX_WORKQUEUE };
FIXTURE_VARIANT_ADD(stall, kthread) { .ctx = CBTEST_CTX_KTHREAD };
FIXTURE_VARIANT_ADD(stall, ordered) { .ctx = CBTEST_CTX_ORDERED };
FIXTURE_VARIANT_ADD(stall, other_process) { .remote = true };

FIXTURE_SETUP(stall)
{
	cbt_release_slots();
	self->fd = cb_open();
	ASSERT_LE(0, self->fd);
	self->p = uffd_map(&self->u, cb_page());
	if (!self->p)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ,
		      self->p, cb_page(), &self->id);
}

FIXTURE_TEARDOWN(stall)
{
}

#define STALL_SLOT	4

TEST_F(stall, refused_at_once)
{
	struct cb_res res = {}, unreg;
	struct cb_server srv = {};
	long long t0, ms, unreg_ms;
	int tfd = cbt_open();

	ASSERT_LE(0, tfd);
	if (variant->remote) {
		test_hold(self->fd, STALL_SLOT);
		ASSERT_EQ(0, cb_server_start(&srv, self->fd));
	}
	t0 = now_ms();
	if (variant->remote)
		res = cb_server_copy(&srv, STALL_SLOT, CBTEST_OP_COPY_TO,
				     self->p, 64, SEED);
	else
		res = cbt_op(self->fd, CBTEST_OP_COPY_TO, variant->ctx,
			     self->p, 64, SEED, 0);
	ms = now_ms() - t0;
	t0 = now_ms();
	unreg = _cb_unregister(self->fd, self->id);
	unreg_ms = now_ms() - t0;
	if (variant->remote) {
		cbt_complete(tfd, STALL_SLOT, CLIENTBUF_STATUS_SUCCESS);
		cb_server_stop(&srv);
	}
	uffd_stop(&self->u);
	close(tfd);

	ASSERT_LT(ms, PROMPT_MS)
		TH_LOG("the copy waited %lld ms on the client's fault handler (%d faults)",
		       ms, atomic_load(&self->u.faults));
	ASSERT_EQ(0, atomic_load(&self->u.faults));
	if (variant->remote)
		ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_NOT_SUPPORTED, res);
	else
		ASSERT_RES(EOPNOTSUPP, CLIENTBUF_STATUS_NOT_SUPPORTED, res);
	ASSERT_OK(unreg);
	ASSERT_LT(unreg_ms, PROMPT_MS);
	close(self->fd);
}

TEST(stall_shared_worker)
{
	struct bg_call a = {}, b = {};
	struct uffd_ctl u;
	struct cb_res unreg, own;
	long long t0, unreg_ms, own_ms;
	bool a_done, b_done;
	int fa, fb;
	__u8 *p, *q;
	__u32 ida, idb;

	cbt_release_slots();
	fa = cb_open();
	fb = cb_open();
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	p = uffd_map(&u, cb_page());
	if (!p)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	q = cb_map(cb_page());
	ASSERT_NE(NULL, q);
	memset(q, 0, cb_page());
	test_register(fa, CLIENTBUF_BUF_WRITE, p, cb_page(), &ida);
	test_register(fb, CLIENTBUF_BUF_WRITE, q, cb_page(), &idb);

	/* Client A's copy on the package's one shared worker... */
	a.cmd = cbt_cmd(CBTEST_OP_COPY_TO, CBTEST_CTX_ORDERED, p, 64, SEED, 0);
	ASSERT_EQ(0, bg_call_start(&a, fa, CBTEST_PACKAGE, &a.cmd, 0));
	cb_msleep(300);
	/* ... then client B's, on the same worker. */
	b.cmd = cbt_cmd(CBTEST_OP_COPY_TO, CBTEST_CTX_ORDERED, q, 64,
			SEED + 1, 0);
	ASSERT_EQ(0, bg_call_start(&b, fb, CBTEST_PACKAGE, &b.cmd, 0));
	b_done = bg_call_wait(&b, PROMPT_MS);
	/* A unregisters its buffer: no copy is left to wait for. */
	t0 = now_ms();
	unreg = _cb_unregister(fa, ida);
	unreg_ms = now_ms() - t0;
	a_done = bg_call_wait(&a, PROMPT_MS);

	/* In its own context, A's copy does reach its memory (and waits). */
	test_register(fa, CLIENTBUF_BUF_WRITE, p, cb_page(), &ida);
	t0 = now_ms();
	own = cbt_op(fa, CBTEST_OP_COPY_TO, CBTEST_CTX_CALLER, p, 64,
		     SEED + 2, 0);
	own_ms = now_ms() - t0;

	bg_call_join(&a);
	bg_call_join(&b);
	uffd_stop(&u);

	ASSERT_TRUE(b_done)
		TH_LOG("another client's call on the shared worker still waits after %d ms",
		       PROMPT_MS);
	ASSERT_LT(b.ms, PROMPT_MS);
	ASSERT_OK(b.res);
	ASSERT_PATTERN(q, 64, SEED + 1);
	ASSERT_TRUE(a_done);
	ASSERT_RES(EOPNOTSUPP, CLIENTBUF_STATUS_NOT_SUPPORTED, a.res);
	ASSERT_LT(a.ms, PROMPT_MS);
	ASSERT_OK(unreg);
	ASSERT_LT(unreg_ms, PROMPT_MS)
		TH_LOG("unregister waited %lld ms", unreg_ms);
	ASSERT_OK(own);
	ASSERT_PATTERN(p, 64, SEED + 2);
	ASSERT_GE(own_ms, HOLD_MS / 2);
	ASSERT_EQ(1, atomic_load(&u.faults));
	close(fa);
	close(fb);
}

/* ---- get_client_info() on a completed request of an exited client -------- */

TEST(info_completed_request_of_exited_client)
{
	struct cb_res res;
	pid_t child;
	int fd;

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		/* The package keeps this finished request (cbt_last). */
		int cfd = cb_open();

		if (cfd < 0)
			_exit(2);
		_exit(cbt_op(cfd, CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL, 0,
			     0, 0).status ? 3 : 0);
	}
	ASSERT_EQ(0, cb_wait_child(child));
	fd = cb_open();
	ASSERT_LE(0, fd);
	res = cbt_op(fd, CBTEST_OP_INFO, CBTEST_CTX_CALLER, NULL, 0, 0,
		     CBTEST_F_STALE_REQUEST);
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE, res);
	close(fd);
}

TEST_HARNESS_MAIN
