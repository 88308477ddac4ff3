// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_remote - lifetimes on the registered-mm paths: the client
 * exits, execve()s, forks, closes or unregisters while a package holds its
 * request and copies from a work item (CBTEST_IOC_QUEUE) or from another
 * process (CBTEST_IOC_COPY). Nothing may land in memory that is not the
 * registered range of the live client, and nothing may leak (the live
 * counters of /sys/kernel/debug/clientbuf/stats return to their baseline).
 *
 * The client is a forked child where the test needs it to exit or exec;
 * after execve() it runs this binary again with EXEC_CHILD_ARG, maps a
 * zero-filled range at the registered address and reports whether any byte
 * changed. Children never use the harness macros.
 */
#include <signal.h>

#include "clientbuf_util.h"

#define HANDLE		0
#define SEED		0x5eed
#define NPAGES		16
/* Where the client child maps its registered range (and the new program). */
#define FIXED_ADDR	0x3cb000000000ULL
#define EXEC_CHILD_ARG	"--clientbuf-exec-child"
#define FOREVER		0xffffffffU
#define WAIT_MS		10000

CB_RELEASE_SLOTS_AT_EXIT

/* What a client child (or the program it exec()s) reports. */
struct report {
	int err;		/* errno of the failing step, 0 if fine */
	int step;		/* which step failed */
	__u32 status;		/* NTSTATUS of that step */
	__u64 addr;		/* the registered range */
	__u64 len;
	__s64 changed;		/* new program: first byte not zero, or -1 */
	int reg_err;		/* new program: REGISTER on the old fd */
	__u32 reg_status;
};

enum {
	STEP_OPEN = 1, STEP_MAP, STEP_REGISTER, STEP_HOLD, STEP_WAIT,
	STEP_EXEC,
};

/* Commands to a client child. */
#define CMD_EXIT	'x'
#define CMD_EXIT_LANDED	'l'	/* exit once the copies are landing */
#define CMD_EXEC	'e'	/* once the copies are landing */
#define CMD_CHECK	'c'	/* new program: check the range now */

static bool landed(const volatile __u8 *p, size_t len)
{
	return p[0] == cbtest_pattern(SEED, 0) &&
	       p[len - 1] == cbtest_pattern(SEED, len - 1);
}

static bool wait_landed(const volatile __u8 *p, size_t len)
{
	int i;

	for (i = 0; i < WAIT_MS; i++) {
		if (landed(p, len))
			return true;
		cb_msleep(1);
	}
	return false;
}

/*
 * The client child: open /dev/clientbuf (kept across execve()), map and
 * register NPAGES at FIXED_ADDR, hold a request in HANDLE, report, obey.
 */
static void client_child(int cmd, int rep)
{
	size_t len = NPAGES * cb_page();
	struct report r = { .changed = -1 };
	struct cb_res res;
	char argv_buf[5][32];
	char *argv[8];
	__u8 *p;
	char c;
	int fd;

	fd = open(CB_DEV, O_RDWR);
	if (fd < 0) {
		r.err = errno, r.step = STEP_OPEN;
		goto fail;
	}
	p = cb_map_fixed(FIXED_ADDR, len);
	if (!p) {
		r.err = errno, r.step = STEP_MAP;
		goto fail;
	}
	r.addr = (uintptr_t)p;
	r.len = len;
	res = _cb_register(fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ, p,
			   len);
	if (res.err || res.status) {
		r.err = res.err, r.step = STEP_REGISTER, r.status = res.status;
		goto fail;
	}
	res = cbt_hold(fd, HANDLE);
	if (res.err || res.status != CLIENTBUF_STATUS_PENDING) {
		r.err = res.err, r.step = STEP_HOLD, r.status = res.status;
		goto fail;
	}
	cb_write_full(rep, &r, sizeof(r));

	while (!cb_read_full(cmd, &c, 1)) {
		switch (c) {
		case CMD_EXIT:
			_exit(0);
		case CMD_EXIT_LANDED:
			if (!wait_landed(p, len)) {
				r.err = ETIMEDOUT, r.step = STEP_WAIT;
				goto fail;
			}
			_exit(0);
		case CMD_EXEC:
			if (!wait_landed(p, len)) {
				r.err = ETIMEDOUT, r.step = STEP_WAIT;
				goto fail;
			}
			snprintf(argv_buf[0], 32, "%llu", (unsigned long long)r.addr);
			snprintf(argv_buf[1], 32, "%llu", (unsigned long long)len);
			snprintf(argv_buf[2], 32, "%d", cmd);
			snprintf(argv_buf[3], 32, "%d", rep);
			snprintf(argv_buf[4], 32, "%d", fd);
			argv[0] = "clientbuf_remote";
			argv[1] = EXEC_CHILD_ARG;
			argv[2] = argv_buf[0];
			argv[3] = argv_buf[1];
			argv[4] = argv_buf[2];
			argv[5] = argv_buf[3];
			argv[6] = argv_buf[4];
			argv[7] = NULL;
			execv("/proc/self/exe", argv);
			r.err = errno, r.step = STEP_EXEC;
			goto fail;
		}
	}
	_exit(0);
fail:
	cb_write_full(rep, &r, sizeof(r));
	_exit(1);
}

/*
 * The program the client exec()s: the registered address, mapped afresh
 * and zero-filled. Reports once mapped, waits for CMD_CHECK while the test
 * keeps copying, then reports whether any byte changed.
 */
static int exec_child(int argc, char **argv)
{
	struct report r = { .changed = -1 };
	unsigned long long addr, len;
	int cmd, rep, fd;
	struct cb_res res;
	__u8 *p;
	char c;

	if (argc != 7)
		return 2;
	addr = strtoull(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	cmd = atoi(argv[4]);
	rep = atoi(argv[5]);
	fd = atoi(argv[6]);
	r.addr = addr;
	r.len = len;
	p = cb_map_fixed(FIXED_ADDR, len);
	if (!p || (uintptr_t)p != addr) {
		r.err = errno, r.step = STEP_MAP;
		cb_write_full(rep, &r, sizeof(r));
		return 1;
	}
	/* The old program's fd is no use to the new one. */
	res = _cb_register(fd, CLIENTBUF_BUF_WRITE, p, len);
	r.reg_err = res.err;
	r.reg_status = res.status;
	r.changed = cb_not_byte(p, len, 0);
	cb_write_full(rep, &r, sizeof(r));
	if (cb_read_full(cmd, &c, 1) || c != CMD_CHECK)
		return 1;
	r.changed = cb_not_byte(p, len, 0);
	cb_write_full(rep, &r, sizeof(r));
	return 0;
}

FIXTURE(remote) {
	int tfd;
	size_t page;
	struct cb_live base;
	pid_t child;
	int cmd;	/* to the child */
	int rep;	/* from the child */
	struct report r;
};

FIXTURE_SETUP(remote)
{
	self->page = cb_page();
	self->child = -1;
	self->cmd = self->rep = -1;
	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&self->base))
		TH_LOG("%s: %s", CB_STATS, strerror(errno));
	self->tfd = cbt_open();
	ASSERT_LE(0, self->tfd) TH_LOG("open %s: %s", CBT_DEV,
				       strerror(errno));
}

FIXTURE_TEARDOWN(remote)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		cb_wait_child(self->child);
	}
	if (self->cmd >= 0)
		close(self->cmd);
	if (self->rep >= 0)
		close(self->rep);
	close(self->tfd);
	cbt_release_slots();
}

/* Start the client child and read its first report. */
static int start_client(FIXTURE_DATA(remote) *self)
{
	int cmd[2], rep[2];

	/* Not O_CLOEXEC: the program the child exec()s uses them. */
	if (pipe(cmd) || pipe(rep))
		return -1;
	self->child = fork();
	if (self->child < 0)
		return -1;
	if (!self->child) {
		close(cmd[1]);
		close(rep[0]);
		close(self->tfd);
		client_child(cmd[0], rep[1]);
	}
	close(cmd[0]);
	close(rep[1]);
	self->cmd = cmd[1];
	self->rep = rep[0];
	fcntl(self->cmd, F_SETFD, FD_CLOEXEC);
	fcntl(self->rep, F_SETFD, FD_CLOEXEC);
	return cb_read_full(self->rep, &self->r, sizeof(self->r));
}

#define START_CLIENT() do {						\
	ASSERT_EQ(0, start_client(self));				\
	ASSERT_EQ(0, self->r.err)					\
		TH_LOG("client child step %d: %s, status %#x",		\
		       self->r.step, strerror(self->r.err),		\
		       self->r.status);					\
} while (0)

static int send_cmd(FIXTURE_DATA(remote) *self, char c)
{
	return cb_write_full(self->cmd, &c, 1);
}

/* Wait for the client child; its exit status. */
static int reap_client(FIXTURE_DATA(remote) *self)
{
	int ret = cb_wait_child(self->child);

	self->child = -1;
	return ret;
}

static int queue(int tfd, __u32 op, __u64 addr, __u64 len, __u32 delay_ms,
		 __u32 iterations)
{
	struct cbtest_remote r = cbt_remote(HANDLE, op,
					    (void *)(uintptr_t)addr,
					    (__u32)len, SEED);

	r.delay_ms = delay_ms;
	r.iterations = iterations;
	return cbt_ioctl(tfd, CBTEST_IOC_QUEUE, &r);
}

#define ASSERT_TERMINATING(_res)					\
	ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_PROCESS_IS_TERMINATING, _res)

/* ---- the client exits -------------------------------------------------- */

TEST_F(remote, exit_while_queued)
{
	struct cb_res res;

	START_CLIENT();
	/* The work item copies half a second from now... */
	ASSERT_EQ(0, queue(self->tfd, CBTEST_OP_COPY_TO, self->r.addr,
			   self->r.len, 500, 1));
	/* ...when the client is gone. */
	ASSERT_EQ(0, send_cmd(self, CMD_EXIT));
	ASSERT_EQ(0, reap_client(self));
	res = cbt_result(self->tfd, HANDLE);
	ASSERT_TERMINATING(res);
	ASSERT_EQ(0, res.done);
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_LIVE_EQ(&self->base);
}

/*
 * Unlike exit_while_queued, the copies were landing when the client
 * exited (the child saw their bytes): some succeeded, then the work item's
 * loop stopped at the first PROCESS_IS_TERMINATING.
 */
TEST_F(remote, exit_during_queued_copies)
{
	struct cb_res res;

	START_CLIENT();
	ASSERT_EQ(0, queue(self->tfd, CBTEST_OP_COPY_TO, self->r.addr,
			   self->r.len, 0, FOREVER));
	ASSERT_EQ(0, send_cmd(self, CMD_EXIT_LANDED));
	ASSERT_EQ(0, reap_client(self)) TH_LOG("the copies never landed");
	res = cbt_result(self->tfd, HANDLE);
	ASSERT_TERMINATING(res);
	ASSERT_LT(0, res.done);
	/* Every later copy fails the same way. */
	ASSERT_EQ(0, queue(self->tfd, CBTEST_OP_COPY_TO, self->r.addr,
			   self->r.len, 0, 10));
	res = cbt_result(self->tfd, HANDLE);
	ASSERT_TERMINATING(res);
	ASSERT_EQ(0, res.done);
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_LIVE_EQ(&self->base);
}

TEST_F(remote, exit_then_remote_copy)
{
	START_CLIENT();
	ASSERT_EQ(0, send_cmd(self, CMD_EXIT));
	ASSERT_EQ(0, reap_client(self));
	ASSERT_TERMINATING(cbt_remote_copy(self->tfd, HANDLE,
					   CBTEST_OP_COPY_TO,
					   (void *)(uintptr_t)self->r.addr,
					   (__u32)self->r.len, SEED));
	ASSERT_TERMINATING(cbt_remote_copy(self->tfd, HANDLE,
					   CBTEST_OP_COPY_FROM,
					   (void *)(uintptr_t)self->r.addr,
					   (__u32)self->r.len, SEED));
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_LIVE_EQ(&self->base);
}

TEST_F(remote, exit_with_allocations)
{
	/* Blocks allocated in a buffer of an exiting client are freed. */
	int fd = cb_open();
	size_t len = 4 * self->page;
	__u8 *p = cb_map(len);
	__u32 id;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, p);
	test_register(fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC, p, len,
		      &id);
	ASSERT_OK(cbt_op(fd, CBTEST_OP_ALLOC, CBTEST_CTX_CALLER, NULL, 100, 0,
			 0));
	ASSERT_OK(cbt_op(fd, CBTEST_OP_ALLOC_COPY, CBTEST_CTX_WORKQUEUE, NULL,
			 100, 3, 0));
	test_hold(fd, HANDLE);
	ASSERT_EQ(0, queue(self->tfd, CBTEST_OP_ALLOC, 0, 64, 0, 1));
	ASSERT_OK(cbt_result(self->tfd, HANDLE));
	/* Closing the client with live blocks frees them. */
	close(fd);
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_LIVE_EQ(&self->base);
}

/* ---- the client closes its fd ------------------------------------------ */

TEST_F(remote, close_while_held)
{
	int fd = cb_open();
	__u8 *p = cb_map(self->page);
	__u32 id;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, p);
	test_register(fd, CLIENTBUF_BUF_WRITE, p, self->page, &id);
	test_hold(fd, HANDLE);
	close(fd);
	/* The client process lives on, its client does not. */
	ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_INVALID_HANDLE,
		   cbt_remote_copy(self->tfd, HANDLE, CBTEST_OP_COPY_TO, p,
				   (__u32)self->page, SEED));
	ASSERT_EQ(0, queue(self->tfd, CBTEST_OP_COPY_TO, (uintptr_t)p,
			   self->page, 0, 1));
	ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_INVALID_HANDLE,
		   cbt_result(self->tfd, HANDLE));
	ASSERT_BYTES(p, self->page, 0);
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_LIVE_EQ(&self->base);
}

/* ---- the client exec()s ------------------------------------------------ */

/* The new program: mapped at the old address, nothing landed, no access. */
#define ASSERT_NEW_PROGRAM(_r) do {					\
	ASSERT_EQ(0, (_r)->err)						\
		TH_LOG("new program step %d: %s", (_r)->step,		\
		       strerror((_r)->err));				\
	ASSERT_EQ(-1, (_r)->changed)					\
		TH_LOG("byte %lld of the new program's memory changed",	\
		       (long long)(_r)->changed);			\
	ASSERT_EQ(EPERM, (_r)->reg_err);				\
	ASSERT_EQ(CLIENTBUF_STATUS_ACCESS_DENIED, (_r)->reg_status);	\
} while (0)

TEST_F(remote, exec_during_queued_copies)
{
	struct report after;
	struct cb_res res;

	START_CLIENT();
	ASSERT_EQ(0, queue(self->tfd, CBTEST_OP_COPY_TO, self->r.addr,
			   self->r.len, 0, FOREVER));
	/* The child exec()s once the copies are landing in it. */
	ASSERT_EQ(0, send_cmd(self, CMD_EXEC));
	ASSERT_EQ(0, cb_read_full(self->rep, &after, sizeof(after)));
	ASSERT_NEW_PROGRAM(&after);
	/* The copies ran, then stopped at the exec. */
	res = cbt_result(self->tfd, HANDLE);
	ASSERT_TERMINATING(res);
	ASSERT_LT(0, res.done);
	/* Later copies from a work item fail as well... */
	ASSERT_EQ(0, queue(self->tfd, CBTEST_OP_COPY_TO, self->r.addr,
			   self->r.len, 0, 100));
	res = cbt_result(self->tfd, HANDLE);
	ASSERT_TERMINATING(res);
	ASSERT_EQ(0, res.done);
	/* ...and from another process. */
	ASSERT_TERMINATING(cbt_remote_copy(self->tfd, HANDLE,
					   CBTEST_OP_COPY_TO,
					   (void *)(uintptr_t)self->r.addr,
					   (__u32)self->r.len, SEED));
	ASSERT_EQ(0, send_cmd(self, CMD_CHECK));
	ASSERT_EQ(0, cb_read_full(self->rep, &after, sizeof(after)));
	ASSERT_NEW_PROGRAM(&after);
	ASSERT_EQ(0, reap_client(self));
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_LIVE_EQ(&self->base);
}

TEST_F(remote, exec_during_remote_copies)
{
	void *addr = (void *)(uintptr_t)self->r.addr;
	struct report after;
	struct cb_res res;
	unsigned int ok = 0, i;
	struct timespec t0, t;

	START_CLIENT();
	addr = (void *)(uintptr_t)self->r.addr;
	ASSERT_EQ(0, send_cmd(self, CMD_EXEC));
	/* Copy from this process until the exec stops it. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		res = cbt_remote_copy(self->tfd, HANDLE, CBTEST_OP_COPY_TO,
				      addr, (__u32)self->r.len, SEED);
		if (res.status != CLIENTBUF_STATUS_SUCCESS)
			break;
		ok++;
		clock_gettime(CLOCK_MONOTONIC, &t);
		ASSERT_GT(WAIT_MS / 1000, t.tv_sec - t0.tv_sec)
			TH_LOG("the child did not exec");
	}
	ASSERT_TERMINATING(res);
	ASSERT_LT(0, ok);
	ASSERT_EQ(0, cb_read_full(self->rep, &after, sizeof(after)));
	ASSERT_NEW_PROGRAM(&after);
	/* The new program is mapped at the address: still nothing lands. */
	for (i = 0; i < 100; i++)
		ASSERT_TERMINATING(cbt_remote_copy(self->tfd, HANDLE,
						   CBTEST_OP_COPY_TO, addr,
						   (__u32)self->r.len, SEED));
	ASSERT_TERMINATING(cbt_remote_copy(self->tfd, HANDLE,
					   CBTEST_OP_COPY_FROM, addr,
					   (__u32)self->r.len, SEED));
	ASSERT_EQ(0, send_cmd(self, CMD_CHECK));
	ASSERT_EQ(0, cb_read_full(self->rep, &after, sizeof(after)));
	ASSERT_NEW_PROGRAM(&after);
	ASSERT_EQ(0, reap_client(self));
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_LIVE_EQ(&self->base);
}

/* ---- fork: the child has the fd, not the client ------------------------ */

FIXTURE(forked) {
	int fd;
	size_t page;
	__u8 *buf;
	__u32 id;
	struct cb_res *shared;
};

FIXTURE_SETUP(forked)
{
	self->page = cb_page();
	cbt_release_slots();
	self->fd = cb_open();
	ASSERT_LE(0, self->fd);
	self->buf = cb_map(4 * self->page);
	ASSERT_NE(NULL, self->buf);
	test_register(self->fd,
		      CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ |
		      CLIENTBUF_BUF_ALLOC, self->buf, 4 * self->page,
		      &self->id);
	self->shared = mmap(NULL, self->page, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->shared);
	memset(self->shared, 0xff, sizeof(*self->shared));
}

FIXTURE_TEARDOWN(forked)
{
	close(self->fd);
	cbt_release_slots();
}

enum child_op {
	CHILD_REGISTER, CHILD_UNREGISTER, CHILD_CALL_COPY, CHILD_CALL_NOP,
	CHILD_FREE, CHILD_READ,
};

static void child_try(FIXTURE_DATA(forked) *self, enum child_op op)
{
	struct cb_res res = {};
	struct clientbuf_completion rec;

	switch (op) {
	case CHILD_REGISTER:
		res = _cb_register(self->fd, CLIENTBUF_BUF_WRITE, self->buf,
				   self->page);
		break;
	case CHILD_UNREGISTER:
		res = _cb_unregister(self->fd, self->id);
		break;
	case CHILD_CALL_COPY:
		res = cbt_op(self->fd, CBTEST_OP_COPY_TO, CBTEST_CTX_CALLER,
			     self->buf, (__u32)self->page, SEED, 0);
		/* Not in the parent's memory, not in the child's either. */
		if (cb_not_byte(self->buf, 4 * self->page, 0) >= 0)
			res.done = 1;
		break;
	case CHILD_CALL_NOP:
		res = cbt_op(self->fd, CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL,
			     0, 0, 0);
		break;
	case CHILD_FREE:
		res = _cb_free(self->fd, self->id, (uintptr_t)self->buf);
		break;
	case CHILD_READ:
		res.err = read(self->fd, &rec, sizeof(rec)) < 0 ? errno : 0;
		break;
	}
	*self->shared = res;
}

static struct cb_res in_child(struct __test_metadata *_metadata,
			      FIXTURE_DATA(forked) *self, enum child_op op)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		child_try(self, op);
		_exit(0);
	}
	ASSERT_EQ(0, cb_wait_child(pid));
	return *self->shared;
}

#define ASSERT_DENIED(_op)						\
	ASSERT_RES(EPERM, CLIENTBUF_STATUS_ACCESS_DENIED,		\
		   in_child(_metadata, self, _op))

TEST_F(forked, register)
{
	ASSERT_DENIED(CHILD_REGISTER);
}

TEST_F(forked, unregister)
{
	ASSERT_DENIED(CHILD_UNREGISTER);
	/* The buffer is still the parent's. */
	test_unregister(self->fd, self->id);
}

TEST_F(forked, call_nop)
{
	ASSERT_DENIED(CHILD_CALL_NOP);
}

TEST_F(forked, call_copy_to_parent_buffer)
{
	ASSERT_DENIED(CHILD_CALL_COPY);
	ASSERT_EQ(0, self->shared->done) TH_LOG("the child's memory changed");
	ASSERT_BYTES(self->buf, 4 * self->page, 0);
	/* The parent itself can. */
	ASSERT_OK(cbt_op(self->fd, CBTEST_OP_COPY_TO, CBTEST_CTX_CALLER,
			 self->buf, (__u32)self->page, SEED, 0));
	ASSERT_PATTERN(self->buf, self->page, SEED);
}

TEST_F(forked, free)
{
	struct cb_res res = cbt_op(self->fd, CBTEST_OP_ALLOC,
				   CBTEST_CTX_CALLER, NULL, 64, 0, 0);

	ASSERT_OK(res);
	ASSERT_EQ((uintptr_t)self->buf, res.ret_addr);
	ASSERT_DENIED(CHILD_FREE);
	/* Still allocated: the parent frees it once. */
	ASSERT_OK(_cb_free(self->fd, self->id, res.ret_addr));
}

TEST_F(forked, read)
{
	struct cb_res res = in_child(_metadata, self, CHILD_READ);

	ASSERT_EQ(EPERM, res.err);
}

TEST_F(forked, get_info_denied)
{
	struct clientbuf_info info;
	pid_t pid = fork();

	/* GET_INFO tells what the client and its user hold: owner only. */
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(cb_get_info(self->fd, &info));
	ASSERT_EQ(EPERM, cb_wait_child(pid));
}

/* ---- another process copies: it reaches the client, not itself ------- */

TEST_F(forked, remote_copy_lands_in_client)
{
	int tfd = cbt_open();
	pid_t pid;

	ASSERT_LE(0, tfd);
	test_hold(self->fd, HANDLE);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct cb_res res = cbt_remote_copy(tfd, HANDLE,
						    CBTEST_OP_COPY_TO,
						    self->buf + 5,
						    (__u32)(2 * self->page),
						    SEED);
		/* The child's own copy of the range stays as it was. */
		if (cb_not_byte(self->buf, 4 * self->page, 0) >= 0)
			res.done = 1;
		*self->shared = res;
		_exit(0);
	}
	ASSERT_EQ(0, cb_wait_child(pid));
	ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_SUCCESS, *self->shared);
	ASSERT_EQ(0, self->shared->done) TH_LOG("the copier's memory changed");
	ASSERT_BYTES(self->buf, 5, 0);
	ASSERT_PATTERN(self->buf + 5, 2 * self->page, SEED);
	ASSERT_BYTES(self->buf + 5 + 2 * self->page, 2 * self->page - 5, 0);
	ASSERT_EQ(0, cbt_complete(tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS));
	close(tfd);
}

/* ---- unregister while copies run -------------------------------------- */

FIXTURE(unreg) {
	int fd;
	int tfd;
	size_t len;
	__u8 *buf;
	__u32 id;
	struct cb_live base;
};

FIXTURE_SETUP(unreg)
{
	self->len = NPAGES * cb_page();
	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->fd = cb_open();
	ASSERT_LE(0, self->fd);
	self->tfd = cbt_open();
	ASSERT_LE(0, self->tfd);
	self->buf = cb_map(self->len);
	ASSERT_NE(NULL, self->buf);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, self->buf, self->len,
		      &self->id);
	test_hold(self->fd, HANDLE);
}

FIXTURE_TEARDOWN(unreg)
{
	close(self->fd);
	close(self->tfd);
	cbt_release_slots();
}

/* Unregister once the copies land, then zero: it must stay zero. */
#define UNREGISTER_AND_ZERO() do {					\
	ASSERT_TRUE(wait_landed(self->buf, self->len))			\
		TH_LOG("the copies never landed");			\
	test_unregister(self->fd, self->id);				\
	memset(self->buf, 0, self->len);				\
} while (0)

TEST_F(unreg, during_queued_copies)
{
	struct cb_res res;

	ASSERT_EQ(0, queue(self->tfd, CBTEST_OP_COPY_TO, (uintptr_t)self->buf,
			   self->len, 0, FOREVER));
	UNREGISTER_AND_ZERO();
	res = cbt_result(self->tfd, HANDLE);
	ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_ACCESS_VIOLATION, res);
	ASSERT_LT(0, res.done);
	ASSERT_BYTES(self->buf, self->len, 0);
	/* Later copies fail too, and write nothing. */
	ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   cbt_remote_copy(self->tfd, HANDLE, CBTEST_OP_COPY_TO,
				   self->buf, (__u32)self->len, SEED));
	cb_msleep(20);
	ASSERT_BYTES(self->buf, self->len, 0);
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS));
	close(self->fd);
	self->fd = -1;
	ASSERT_LIVE_EQ(&self->base);
}

TEST_F(unreg, during_remote_copies)
{
	struct cb_res *shared = mmap(NULL, sizeof(*shared),
				     PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	ASSERT_NE(MAP_FAILED, shared);
	/* Another process copies until a copy fails. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct cb_res res;
		__u32 n = 0;

		close(self->fd);
		for (;;) {
			res = cbt_remote_copy(self->tfd, HANDLE,
					      CBTEST_OP_COPY_TO, self->buf,
					      (__u32)self->len, SEED);
			if (res.status != CLIENTBUF_STATUS_SUCCESS)
				break;
			n++;
		}
		res.done = n;
		*shared = res;
		_exit(0);
	}
	UNREGISTER_AND_ZERO();
	ASSERT_EQ(0, cb_wait_child(pid));
	ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_ACCESS_VIOLATION, *shared);
	ASSERT_LT(0, shared->done);
	ASSERT_BYTES(self->buf, self->len, 0);
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS));
	close(self->fd);
	self->fd = -1;
	ASSERT_LIVE_EQ(&self->base);
}

TEST_F(unreg, one_of_two_buffers)
{
	__u8 *other = cb_map(self->len);
	struct cb_res res;
	__u32 id2;

	/* Unregistering one buffer leaves the other reachable. */
	ASSERT_NE(NULL, other);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, other, self->len, &id2);
	ASSERT_EQ(0, queue(self->tfd, CBTEST_OP_COPY_TO, (uintptr_t)self->buf,
			   self->len, 0, FOREVER));
	UNREGISTER_AND_ZERO();
	res = cbt_result(self->tfd, HANDLE);
	ASSERT_RES(CB_NO_ERRNO, CLIENTBUF_STATUS_ACCESS_VIOLATION, res);
	ASSERT_OK(cbt_remote_copy(self->tfd, HANDLE, CBTEST_OP_COPY_TO, other,
				  (__u32)self->len, SEED));
	ASSERT_PATTERN(other, self->len, SEED);
	ASSERT_BYTES(self->buf, self->len, 0);
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS));
}

int main(int argc, char **argv)
{
	/* _exit(): the new program must not release the slots at exit. */
	if (argc > 1 && !strcmp(argv[1], EXEC_CHILD_ARG))
		_exit(exec_child(argc, argv));
	return test_harness_run(argc, argv);
}
