// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_limits - limits a user cannot escape, and limits changed at run
 * time.
 *
 * - pins are charged to the user: an unprivileged user (uid 65534, no
 *   CAP_IPC_LOCK) with a small RLIMIT_MEMLOCK cannot pin more than it in
 *   total, across several fds, across execve() of a program that keeps the
 *   fds (a new mm starts with locked_vm 0) and across fork() and the exit
 *   of the process that registered; the registration past the limit is
 *   EDQUOT/STATUS_QUOTA_EXCEEDED, and GET_INFO reports the user's count
 *   (user_locked_pages) and the client's own (pinned_pages);
 * - every module parameter max_* lowered below what a client holds, through
 *   /sys/module/clientbuf/parameters/: GET_INFO reports the new limit and
 *   the usage unchanged (no underflow), the next registration, allocation
 *   or call past it is refused with the documented status, unregistering,
 *   freeing and completing still work, and room appears again once the
 *   usage is below the limit. Each parameter is restored.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "clientbuf_stress_util.h"

#define EXEC_ARG	"--clientbuf-limits-exec"
#define PINRW	(CLIENTBUF_BUF_PIN | CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ)
#define NOBODY	65534
#define LIMIT	8	/* RLIMIT_MEMLOCK of the unprivileged user, pages */

CB_RELEASE_SLOTS_AT_EXIT

/* ---- pins are charged to the user ---------------------------------------- */

/* What one process of the unprivileged user saw. */
struct ur_report {
	int who;		/* 1 before exec, 2 after exec, 3 forked child */
	int step;		/* last step reached */
	__u64 base;		/* user_locked_pages before anything */
	__u64 limit;		/* memlock_limit */
	struct cb_res r1, r2, r3, r4;
	struct clientbuf_info i1, i2;
};

static void ur_send(int rep, struct ur_report *r)
{
	cb_write_full(rep, r, sizeof(*r));
}

/* Become uid/gid 65534 without any capability, RLIMIT_MEMLOCK LIMIT pages. */
static int ur_become_nobody(size_t page)
{
	struct rlimit rl = { LIMIT * page, LIMIT * page };

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
	    setgid(NOBODY) || setuid(NOBODY))
		return -1;
	return 0;
}

/*
 * After execve(): the fds of the old program are still open (fd1, fd2 hold
 * LIMIT pages). A new fd may pin nothing; neither may a forked child after
 * this process has exited; once the child closes the old fds, the user may
 * pin LIMIT pages again and no more.
 */
static int ur_exec_child(char **argv)
{
	size_t page = cb_page();
	struct ur_report r = { .who = 2 };
	int rep = atoi(argv[2]), fd1 = atoi(argv[3]), fd2 = atoi(argv[4]);
	int p[2], fd;
	__u8 *m = cb_map((LIMIT + 1) * page);
	pid_t pid;
	char c;

	fd = cb_open();
	if (fd < 0 || !m || pipe(p))
		goto out;
	r.step = 1;
	cb_get_info(fd, &r.i1);
	r.r1 = _cb_register(fd, PINRW, m, page);
	cb_get_info(fd, &r.i2);
	close(fd);
	r.step = 2;
	pid = fork();
	if (pid < 0)
		goto out;
	if (!pid) {
		struct ur_report g = { .who = 3 };

		close(p[1]);
		/* EOF once the process that exec'd has exited. */
		while (read(p[0], &c, 1) > 0)
			;
		g.step = 1;
		fd = cb_open();
		if (fd < 0)
			goto gout;
		g.r1 = _cb_register(fd, PINRW, m, page);
		cb_get_info(fd, &g.i1);
		/* The last holder of the old clients closes them. */
		close(fd1);
		close(fd2);
		g.step = 2;
		g.r2 = _cb_register(fd, PINRW, m, LIMIT * page);
		g.r3 = _cb_register(fd, PINRW, m + LIMIT * page, 1);
		cb_get_info(fd, &g.i2);
		g.r4 = _cb_unregister(fd, g.r2.id);
		close(fd);
		g.step = 3;
gout:
		ur_send(rep, &g);
		_exit(0);
	}
	close(p[0]);
	r.step = 3;
out:
	ur_send(rep, &r);
	_exit(0);
}

/* Before execve(): two fds pin LIMIT pages, a third pins nothing more. */
static void ur_child(int rep, size_t page)
{
	struct ur_report r = { .who = 1 };
	__u8 *m = cb_map(2 * LIMIT * page);
	char a[3][16], *argv[6];
	int fd1, fd2, fd3;

	if (!m || ur_become_nobody(page))
		goto out;
	r.step = 1;
	fd1 = cb_open();
	fd2 = cb_open();
	fd3 = cb_open();
	if (fd1 < 0 || fd2 < 0 || fd3 < 0)
		goto out;
	cb_get_info(fd1, &r.i1);
	r.base = r.i1.user_locked_pages;
	r.limit = r.i1.memlock_limit;
	r.step = 2;
	r.r1 = _cb_register(fd1, PINRW, m, LIMIT / 2 * page);
	r.r2 = _cb_register(fd2, PINRW, m + LIMIT * page, LIMIT / 2 * page);
	r.r3 = _cb_register(fd3, PINRW, m + LIMIT / 2 * page, 1);
	cb_get_info(fd1, &r.i2);
	close(fd3);
	r.step = 3;
	ur_send(rep, &r);

	/* Keep fd1 and fd2 across execve(). */
	fcntl(fd1, F_SETFD, 0);
	fcntl(fd2, F_SETFD, 0);
	fcntl(rep, F_SETFD, 0);
	snprintf(a[0], sizeof(a[0]), "%d", rep);
	snprintf(a[1], sizeof(a[1]), "%d", fd1);
	snprintf(a[2], sizeof(a[2]), "%d", fd2);
	argv[0] = "clientbuf_limits";
	argv[1] = EXEC_ARG;
	argv[2] = a[0];
	argv[3] = a[1];
	argv[4] = a[2];
	argv[5] = NULL;
	execv("/proc/self/exe", argv);
	r.step = -1;
out:
	ur_send(rep, &r);
	_exit(1);
}

#define ASSERT_INFO_PINS(_i, _user, _client) do {			\
	ASSERT_EQ((__u64)(_user), (_i).user_locked_pages)		\
		TH_LOG("user_locked_pages %llu, want %llu",		\
		       (unsigned long long)(_i).user_locked_pages,	\
		       (unsigned long long)(_user));			\
	ASSERT_EQ((__u64)(_client), (_i).pinned_pages);			\
} while (0)

TEST(memlock_per_user)
{
	size_t page = cb_page();
	struct ur_report r[3], x;
	int p[2], st, n = 0, i;
	__u64 base;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to become uid %d", NOBODY);
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		ur_child(p[1], page);
	}
	close(p[1]);
	memset(r, 0, sizeof(r));
	while (n < 3 && !cb_read_full(p[0], &x, sizeof(x))) {
		ASSERT_TRUE(x.who >= 1 && x.who <= 3);
		r[x.who - 1] = x;
		n++;
	}
	close(p[0]);
	/* The exec'd process and its child (we are their subreaper). */
	for (i = 0; i < 2; i++)
		if (waitpid(-1, &st, 0) > 0)
			EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));

	ASSERT_EQ(3, r[0].step) TH_LOG("unprivileged child stopped at %d",
				       r[0].step);
	ASSERT_EQ(3, r[1].step) TH_LOG("exec'd child stopped at %d",
				       r[1].step);
	ASSERT_EQ(3, r[2].step) TH_LOG("forked child stopped at %d",
				       r[2].step);
	/* Before execve(): across three fds, LIMIT pages and no more. */
	ASSERT_OK(r[0].r1);
	ASSERT_OK(r[0].r2);
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, r[0].r3);
	ASSERT_EQ(0, r[0].r3.id);
	/* After execve(): the new mm starts at 0, the user does not. */
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, r[1].r1);
	/* Forked, after the registering process exited: still charged. */
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, r[2].r1);
	/* The old fds closed: LIMIT pages again, and no more. */
	ASSERT_OK(r[2].r2);
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, r[2].r3);
	ASSERT_OK(r[2].r4);

	/* What GET_INFO reported at each step. */
	ASSERT_EQ((__u64)LIMIT * page, r[0].limit)
		TH_LOG("memlock_limit %#llx", (unsigned long long)r[0].limit);
	base = r[0].base;
	ASSERT_INFO_PINS(r[0].i2, base + LIMIT, LIMIT / 2);
	ASSERT_INFO_PINS(r[1].i1, base + LIMIT, 0);
	ASSERT_INFO_PINS(r[1].i2, base + LIMIT, 0);
	ASSERT_INFO_PINS(r[2].i1, base + LIMIT, 0);
	ASSERT_INFO_PINS(r[2].i2, base + LIMIT, LIMIT);
}

/* GET_INFO of a process with CAP_IPC_LOCK: not limited, not charged. */
TEST(memlock_cap_ipc_lock_info)
{
	size_t page = cb_page();
	struct clientbuf_info i0, i1;
	__u8 *m = cb_map(4 * page);
	struct cb_res res;
	int fd;

	if (geteuid())
		SKIP(return, "needs CAP_IPC_LOCK (root)");
	fd = cb_open();
	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, cb_get_info(fd, &i0));
	ASSERT_EQ(~0ULL, i0.memlock_limit);
	res = _cb_register(fd, PINRW, m, 4 * page);
	ASSERT_OK(res);
	ASSERT_EQ(0, cb_get_info(fd, &i1));
	ASSERT_EQ(i0.user_locked_pages, i1.user_locked_pages);
	ASSERT_EQ(i0.pinned_pages + 4, i1.pinned_pages);
	ASSERT_EQ(1, i1.nr_buffers);
	ASSERT_EQ(4 * page, i1.buffer_bytes);
	ASSERT_NE(0, i1.max_completions);
	close(fd);
}

/* ---- limits lowered at run time ------------------------------------------ */


/*
 * The values at start, read by the harness's main process before any test
 * forks: every FIXTURE_SETUP writes them back (the harness skips
 * FIXTURE_TEARDOWN after a failed ASSERT), and so does the main process at
 * exit.
 */
static struct {
	const char *name;
	unsigned long long v;
	bool ok;
} saved_params[] = {
	{ "max_buffers", 0, false }, { "max_buffer_bytes", 0, false },
	{ "max_allocs", 0, false }, { "max_submit_len", 0, false },
	{ "max_pending", 0, false },
};
static pid_t params_pid;

static void restore_params(void)
{
	size_t i;

	for (i = 0; i < sizeof(saved_params) / sizeof(saved_params[0]); i++)
		if (saved_params[i].ok)
			cb_param_write(saved_params[i].name, saved_params[i].v);
}

static void __attribute__((constructor)) params_save(void)
{
	size_t i;

	params_pid = getpid();
	for (i = 0; i < sizeof(saved_params) / sizeof(saved_params[0]); i++)
		saved_params[i].ok = !cb_param_read(saved_params[i].name,
						 &saved_params[i].v);
}

static void __attribute__((destructor)) params_restore_at_exit(void)
{
	if (getpid() == params_pid)
		restore_params();
}

FIXTURE(param) {
	int fd;
	int tfd;
	size_t page;
	const char *name;
	unsigned long long saved;
	bool set;
	struct clientbuf_info info;
};

FIXTURE_VARIANT(param) {
	const char *name;
};

FIXTURE_VARIANT_ADD(param, max_buffers) { .name = "max_buffers" };
FIXTURE_VARIANT_ADD(param, max_buffer_bytes) { .name = "max_buffer_bytes" };
FIXTURE_VARIANT_ADD(param, max_allocs) { .name = "max_allocs" };
FIXTURE_VARIANT_ADD(param, max_submit_len) { .name = "max_submit_len" };
FIXTURE_VARIANT_ADD(param, max_pending) { .name = "max_pending" };

FIXTURE_SETUP(param)
{
	int ret;

	cbt_release_slots();
	if (!geteuid())
		restore_params();
	self->page = cb_page();
	self->name = variant->name;
	self->fd = -1;
	self->tfd = -1;
	ret = cb_param_read(self->name, &self->saved);
	if (ret)
		SKIP(return, "%s%s: %s", CB_PARAMS, self->name, strerror(-ret));
	if (geteuid())
		SKIP(return, "writing %s%s needs root", CB_PARAMS, self->name);
	self->fd = cb_open();
	ASSERT_LE(0, self->fd);
	self->tfd = cbt_open();
	ASSERT_LE(0, self->tfd);
	ASSERT_EQ(0, cb_get_info(self->fd, &self->info));
}

FIXTURE_TEARDOWN(param)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->tfd >= 0)
		close(self->tfd);
	if (self->set)
		cb_param_write(self->name, self->saved);
	cbt_release_slots();
}

/* Set the parameter; GET_INFO shows it. */
#define SET_PARAM(_v) do {						\
	struct clientbuf_info __i;					\
	self->set = true;						\
	ASSERT_EQ(0, cb_param_write(self->name, (_v)));			\
	ASSERT_EQ(0, cb_get_info(self->fd, &__i));			\
	self->info = __i;						\
} while (0)

#define ASSERT_USAGE(_nr, _bytes) do {					\
	struct clientbuf_info __i;					\
	ASSERT_EQ(0, cb_get_info(self->fd, &__i));			\
	ASSERT_EQ((__u32)(_nr), __i.nr_buffers);			\
	ASSERT_EQ((__u64)(_bytes), __i.buffer_bytes)			\
		TH_LOG("buffer_bytes %llu, want %llu",			\
		       (unsigned long long)__i.buffer_bytes,		\
		       (unsigned long long)(_bytes));			\
} while (0)

static void lowered_registry(struct __test_metadata *_metadata,
			     FIXTURE_DATA(param) *self, bool bytes)
{
	size_t page = self->page;
	__u8 *m = cb_map(8 * page);
	__u32 id[3], next;
	struct cb_res res;
	int i;

	ASSERT_NE(NULL, m);
	for (i = 0; i < 3; i++)
		test_register(self->fd, CLIENTBUF_BUF_WRITE, m + i * page,
			      2 * page, &id[i]);
	/* Below what the client holds: 3 buffers of 6 pages. */
	if (bytes) {
		SET_PARAM(4 * page);
		ASSERT_EQ(4 * page, self->info.max_buffer_bytes);
	} else {
		SET_PARAM(1);
		ASSERT_EQ(1, self->info.max_buffers);
	}
	test_err_register(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, self->fd,
			  CLIENTBUF_BUF_WRITE, m, 1);
	ASSERT_USAGE(3, 6 * page);
	/* Unregistering works, and the usage goes down, not around. */
	test_unregister(self->fd, id[0]);
	ASSERT_USAGE(2, 4 * page);
	test_err_register(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, self->fd,
			  CLIENTBUF_BUF_WRITE, m, 1);
	test_unregister(self->fd, id[1]);
	ASSERT_USAGE(1, 2 * page);
	if (bytes) {
		/* 2 pages + 2 pages fit in 4, one byte more does not. */
		test_register(self->fd, CLIENTBUF_BUF_WRITE, m, 2 * page,
			      &next);
		ASSERT_EQ(id[2] + 1, next);
		ASSERT_USAGE(2, 4 * page);
		test_err_register(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED,
				  self->fd, CLIENTBUF_BUF_WRITE, m, 1);
		test_unregister(self->fd, next);
	} else {
		test_err_register(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED,
				  self->fd, CLIENTBUF_BUF_WRITE, m, 1);
	}
	test_unregister(self->fd, id[2]);
	ASSERT_USAGE(0, 0);
	res = _cb_register(self->fd, CLIENTBUF_BUF_WRITE, m, page);
	ASSERT_OK(res);
	/* No id was used up by the refusals. */
	ASSERT_EQ(id[2] + (bytes ? 2 : 1), res.id);
	test_unregister(self->fd, res.id);
	munmap(m, 8 * page);
}

static void lowered_allocs(struct __test_metadata *_metadata,
			   FIXTURE_DATA(param) *self)
{
	struct cbtest_cmd cmd = cbt_cmd(CBTEST_OP_ALLOC, CBTEST_CTX_CALLER,
					NULL, 64, 0, 0);
	__u8 *m = cb_map(4 * self->page);
	struct cb_res blk[3], res;
	__u32 id;
	int i;

	ASSERT_NE(NULL, m);
	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC, m,
		      4 * self->page, &id);
	for (i = 0; i < 3; i++) {
		blk[i] = _cbt_call(self->fd, &cmd, 0, id);
		ASSERT_OK(blk[i]);
	}
	SET_PARAM(1);
	ASSERT_EQ(1, self->info.max_allocs);
	res = _cbt_call(self->fd, &cmd, 0, id);
	ASSERT_RES(ENOMEM, CLIENTBUF_STATUS_NO_MEMORY, res);
	ASSERT_OK(_cb_free(self->fd, id, blk[0].ret_addr));
	ASSERT_OK(_cb_free(self->fd, id, blk[1].ret_addr));
	res = _cbt_call(self->fd, &cmd, 0, id);
	ASSERT_RES(ENOMEM, CLIENTBUF_STATUS_NO_MEMORY, res);
	ASSERT_OK(_cb_free(self->fd, id, blk[2].ret_addr));
	res = _cbt_call(self->fd, &cmd, 0, id);
	ASSERT_OK(res);
	ASSERT_RES(ENOMEM, CLIENTBUF_STATUS_NO_MEMORY,
		   _cbt_call(self->fd, &cmd, 0, id));
	ASSERT_OK(_cb_free(self->fd, id, res.ret_addr));
	test_unregister(self->fd, id);
	munmap(m, 4 * self->page);
}

static void lowered_submit_len(struct __test_metadata *_metadata,
			       FIXTURE_DATA(param) *self)
{
	struct cbtest_cmd cmd = cbt_cmd(CBTEST_OP_NOP, CBTEST_CTX_CALLER,
					NULL, 0, 0, 0);
	__u8 big[sizeof(cmd) + 16];

	memset(big, 0, sizeof(big));
	memcpy(big, &cmd, sizeof(cmd));
	ASSERT_OK(_cb_call(self->fd, CBTEST_PACKAGE, big, sizeof(big), 0, 0));
	SET_PARAM(sizeof(cmd));
	ASSERT_EQ(sizeof(cmd), self->info.max_submit_len);
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_call(self->fd, CBTEST_PACKAGE, big, sizeof(big), 0, 0));
	ASSERT_OK(_cb_call(self->fd, CBTEST_PACKAGE, big, sizeof(cmd), 0, 0));
}

static void lowered_pending(struct __test_metadata *_metadata,
			    FIXTURE_DATA(param) *self)
{
	struct clientbuf_completion rec;
	__u32 h;

	ASSERT_LE(3, CBTEST_MAX_HANDLES);
	for (h = 0; h < 3; h++)
		test_hold(self->fd, h);
	SET_PARAM(1);
	ASSERT_EQ(1, self->info.max_pending);
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED,
		   cbt_hold(self->fd, 3));
	/* Completing still works; room only once below the limit. */
	ASSERT_EQ(0, cbt_complete(self->tfd, 0, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_EQ(0, cbt_complete(self->tfd, 1, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED,
		   cbt_hold(self->fd, 3));
	ASSERT_EQ(0, cbt_complete(self->tfd, 2, CLIENTBUF_STATUS_SUCCESS));
	for (h = 0; h < 3; h++)
		ASSERT_EQ(0, cb_read_timed(self->fd, &rec, sizeof(rec), 5000));
	test_hold(self->fd, 3);
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED,
		   cbt_hold(self->fd, 4));
	ASSERT_EQ(0, cbt_complete(self->tfd, 3, CLIENTBUF_STATUS_SUCCESS));
}

TEST_F(param, lowered_below_use)
{
	if (!strcmp(self->name, "max_buffers"))
		lowered_registry(_metadata, self, false);
	else if (!strcmp(self->name, "max_buffer_bytes"))
		lowered_registry(_metadata, self, true);
	else if (!strcmp(self->name, "max_allocs"))
		lowered_allocs(_metadata, self);
	else if (!strcmp(self->name, "max_submit_len"))
		lowered_submit_len(_metadata, self);
	else
		lowered_pending(_metadata, self);
}

int main(int argc, char **argv)
{
	if (argc > 4 && !strcmp(argv[1], EXEC_ARG))
		return ur_exec_child(argv);
	return test_harness_run(argc, argv);
}
