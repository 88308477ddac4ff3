// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_ns - ids in the reader's pid and user namespaces.
 *
 * get_client_info() and the header of a server's call record give the
 * caller's pid, tgid, uid and gid as the task that asks sees them: its own
 * pid namespace (0 for a process outside it) and user namespace (the
 * overflow id for an unmapped one). A package running in the client's
 * context sees the client's own view; a work item (the initial
 * namespaces) sees the global ids.
 */
#define _GNU_SOURCE
#include <sched.h>

#include "clientbuf_srv_util.h"

CB_RELEASE_SLOTS_AT_EXIT

#define SKIP_CODE	77
#define NS_UID		4242
#define OVERFLOW_ID	65534

/* A check in a child: exit with the line number when it fails. */
#define CHILD_CHECK(_cond) do {						\
	if (!(_cond)) {							\
		fprintf(stderr, "child: %s:%d: %s\n", __FILE__, __LINE__, \
			#_cond);					\
		_exit(__LINE__ % 250 + 1);				\
	}								\
} while (0)

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/*
 * A user namespace of our own: uid NS_UID inside is our euid outside, no
 * gid mapped. 0, or SKIP_CODE when the kernel refuses one.
 */
static int enter_user_ns(void)
{
	char map[64];
	uid_t uid = geteuid();

	if (unshare(CLONE_NEWUSER))
		return SKIP_CODE;
	snprintf(map, sizeof(map), "%d %d 1", NS_UID, (int)uid);
	if (write_str("/proc/self/setgroups", "deny") ||
	    write_str("/proc/self/uid_map", map))
		return -1;
	return 0;
}

/* Wait for @pid; its exit code, SKIP_CODE passed through. */
static int child_code(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
	       WTERMSIG(status);
}

/* get_client_info() through the test package in @ctx, into @out. */
static int client_info(int fd, __u8 *arena, __u32 ctx,
		       struct cbtest_client_info *out)
{
	struct cb_res r = cbt_op(fd, CBTEST_OP_INFO, ctx, NULL, 0, 0, 0);

	if (r.err || r.status != CLIENTBUF_STATUS_SUCCESS || !r.ret_addr ||
	    r.ret_len != sizeof(*out))
		return -1;
	memcpy(out, (void *)(uintptr_t)r.ret_addr, sizeof(*out));
	(void)arena;
	return 0;
}

/* A client with an ALLOC buffer for the answers. */
static int info_client(__u8 **arena)
{
	size_t page = cb_page();
	int fd = cb_open();

	*arena = cb_map(page);
	if (fd < 0 || !*arena ||
	    _cb_register(fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
			 *arena, page).err)
		return -1;
	return fd;
}

FIXTURE(ns) {
	struct cb_live base;
};

FIXTURE_SETUP(ns)
{
	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
}

FIXTURE_TEARDOWN(ns)
{
}

#define ASSERT_CHILD(_pid) do {						\
	int __code = child_code(_pid);					\
	if (__code == SKIP_CODE)					\
		SKIP(return, "no namespace of that kind (unshare "	\
		     "refused)");					\
	ASSERT_EQ(0, __code) TH_LOG("the child failed (line code %d)",	\
				    __code);				\
} while (0)

/*
 * A client that is pid 1 of a new pid namespace: get_client_info() in its
 * own context says pid 1, tgid 1; in a work item its global pid.
 */
TEST_F(ns, client_info_pid_ns)
{
	int p[2];
	pid_t pid;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct cbtest_client_info in, wq;
		pid_t inner, global;
		__u8 *arena;
		int fd;

		if (unshare(CLONE_NEWPID))
			_exit(SKIP_CODE);
		inner = fork();
		CHILD_CHECK(inner >= 0);
		if (inner) {
			CHILD_CHECK(write(p[1], &inner, sizeof(inner)) ==
				    sizeof(inner));
			_exit(child_code(inner));
		}
		CHILD_CHECK(read(p[0], &global, sizeof(global)) ==
			    sizeof(global));
		CHILD_CHECK(getpid() == 1);
		fd = info_client(&arena);
		CHILD_CHECK(fd >= 0);
		CHILD_CHECK(!client_info(fd, arena, CBTEST_CTX_CALLER, &in));
		CHILD_CHECK(in.pid == 1 && in.tgid == 1);
		CHILD_CHECK(in.flags == CBTEST_INFO_IN_CONTEXT);
		CHILD_CHECK(in.uid == getuid() && in.gid == getgid());
		CHILD_CHECK(!client_info(fd, arena, CBTEST_CTX_WORKQUEUE,
					 &wq));
		CHILD_CHECK(wq.pid == global && wq.tgid == global);
		CHILD_CHECK(wq.flags == 0);
		close(fd);
		_exit(0);
	}
	ASSERT_CHILD(pid);
	close(p[0]);
	close(p[1]);
	ASSERT_LIVE_EQ(&self->base);
}

/*
 * A client in a user namespace of its own: in its context uid NS_UID and
 * the overflow gid (unmapped); in a work item the ids outside.
 */
TEST_F(ns, client_info_user_ns)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		struct cbtest_client_info in, wq;
		__u8 *arena;
		int fd, ret = enter_user_ns();

		if (ret)
			_exit(ret == SKIP_CODE ? SKIP_CODE : 2);
		fd = info_client(&arena);
		CHILD_CHECK(fd >= 0);
		CHILD_CHECK(!client_info(fd, arena, CBTEST_CTX_CALLER, &in));
		CHILD_CHECK(in.uid == NS_UID);
		CHILD_CHECK(in.gid == OVERFLOW_ID);
		CHILD_CHECK(in.pid == getpid() && in.tgid == getpid());
		CHILD_CHECK(!client_info(fd, arena, CBTEST_CTX_WORKQUEUE,
					 &wq));
		CHILD_CHECK(wq.uid == uid && wq.gid == gid);
		close(fd);
		_exit(0);
	}
	ASSERT_CHILD(pid);
	ASSERT_LIVE_EQ(&self->base);
}

struct rec {
	struct clientbuf_server_call hdr;
	char s[8];
};

/*
 * A server in the initial namespaces and a client that is pid 1 of a new
 * pid namespace: the record carries the client's global pid.
 */
TEST_F(ns, server_record_client_in_pid_ns)
{
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	int p[2], go[2], srv;
	pid_t pid, global;
	struct rec rec;

	if (geteuid())
		SKIP(return, "CLIENTBUF_IOC_SERVE needs CAP_SYS_ADMIN");
	srv = cb_open();
	ASSERT_LE(0, srv);
	srv_name(name, sizeof(name), "ns");
	ASSERT_OK(srv_serve(&srv, name));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct clientbuf_completion c;
		struct srv_call call;
		pid_t inner;
		int fd;

		if (unshare(CLONE_NEWPID))
			_exit(SKIP_CODE);
		inner = fork();
		CHILD_CHECK(inner >= 0);
		if (inner) {
			CHILD_CHECK(write(p[1], &inner, sizeof(inner)) ==
				    sizeof(inner));
			_exit(child_code(inner));
		}
		fd = cb_open();
		CHILD_CHECK(fd >= 0);
		call = srv_call(fd, name, "ns", 2, CLIENTBUF_CALL_ASYNC, 0);
		CHILD_CHECK(call.c.status == CLIENTBUF_STATUS_PENDING);
		/* the completion, once the server answered */
		CHILD_CHECK(read(fd, &c, sizeof(c)) == sizeof(c));
		CHILD_CHECK(c.status == CLIENTBUF_STATUS_SUCCESS);
		close(fd);
		_exit(0);
	}
	ASSERT_EQ(sizeof(global), read(p[0], &global, sizeof(global)));
	ASSERT_EQ(sizeof(rec.hdr) + 2, read(srv, &rec, sizeof(rec)));
	ASSERT_EQ(global, rec.hdr.pid);
	ASSERT_EQ(global, rec.hdr.tgid);
	ASSERT_EQ(getuid(), rec.hdr.uid);
	ASSERT_EQ(getgid(), rec.hdr.gid);
	ASSERT_OK(srv_complete(srv, rec.hdr.call_id, CLIENTBUF_STATUS_SUCCESS,
			       0, 0, 0));
	ASSERT_CHILD(pid);
	close(srv);
	ASSERT_LIVE_EQ(&self->base);
}

/*
 * A server that is pid 1 of a new pid namespace and a client outside it:
 * the client is not in the server's namespace, so pid and tgid are 0.
 */
TEST_F(ns, server_in_pid_ns)
{
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct clientbuf_completion c;
	struct srv_call call;
	int ready[2], fd;
	pid_t pid;
	char b;

	if (geteuid())
		SKIP(return, "CLIENTBUF_IOC_SERVE needs CAP_SYS_ADMIN");
	srv_name(name, sizeof(name), "nssrv");
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct rec rec;
		pid_t inner;
		int srv;

		if (unshare(CLONE_NEWPID))
			_exit(SKIP_CODE);
		inner = fork();
		CHILD_CHECK(inner >= 0);
		if (inner)
			_exit(child_code(inner));
		srv = cb_open();
		CHILD_CHECK(srv >= 0);
		CHILD_CHECK(srv_serve(&srv, name).status ==
			    CLIENTBUF_STATUS_SUCCESS);
		CHILD_CHECK(write(ready[1], "r", 1) == 1);
		CHILD_CHECK(read(srv, &rec, sizeof(rec)) ==
			    (ssize_t)sizeof(rec.hdr) + 2);
		CHILD_CHECK(rec.hdr.pid == 0 && rec.hdr.tgid == 0);
		CHILD_CHECK(rec.hdr.uid == getuid() &&
			    rec.hdr.gid == getgid());
		CHILD_CHECK(srv_complete(srv, rec.hdr.call_id,
					 CLIENTBUF_STATUS_SUCCESS, 0, 0,
					 0).status ==
			    CLIENTBUF_STATUS_SUCCESS);
		close(srv);
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &b, 1) != 1)
		ASSERT_CHILD(pid);
	fd = cb_open();
	ASSERT_LE(0, fd);
	call = srv_call(fd, name, "ns", 2, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&call));
	ASSERT_EQ(sizeof(c), read(fd, &c, sizeof(c)));
	ASSERT_EQ(call.c.request_id, c.request_id);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, c.status);
	ASSERT_CHILD(pid);
	close(fd);
	ASSERT_LIVE_EQ(&self->base);
}

/*
 * A server that entered a user namespace of its own after SERVE: the ids
 * of every record it reads are mapped into it (uid NS_UID, gid unmapped),
 * also for a call made before it entered.
 */
TEST_F(ns, server_in_user_ns)
{
	pid_t pid;

	if (geteuid())
		SKIP(return, "CLIENTBUF_IOC_SERVE needs CAP_SYS_ADMIN");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char name[CLIENTBUF_PACKAGE_NAME_MAX];
		struct clientbuf_completion c;
		struct srv_call early, late;
		int srv, fd, ret, i;
		struct rec rec;

		srv = cb_open();
		fd = cb_open();
		CHILD_CHECK(srv >= 0 && fd >= 0);
		srv_name(name, sizeof(name), "nsuser");
		CHILD_CHECK(srv_serve(&srv, name).status ==
			    CLIENTBUF_STATUS_SUCCESS);
		early = srv_call(fd, name, "e1", 2, CLIENTBUF_CALL_ASYNC, 0);
		CHILD_CHECK(early.c.status == CLIENTBUF_STATUS_PENDING);
		ret = enter_user_ns();
		if (ret)
			_exit(ret == SKIP_CODE ? SKIP_CODE : 2);
		late = srv_call(fd, name, "l2", 2, CLIENTBUF_CALL_ASYNC, 0);
		CHILD_CHECK(late.c.status == CLIENTBUF_STATUS_PENDING);
		for (i = 0; i < 2; i++) {
			CHILD_CHECK(read(srv, &rec, sizeof(rec)) ==
				    (ssize_t)sizeof(rec.hdr) + 2);
			CHILD_CHECK(rec.hdr.uid == NS_UID);
			CHILD_CHECK(rec.hdr.gid == OVERFLOW_ID);
			CHILD_CHECK(rec.hdr.tgid == getpid());
			CHILD_CHECK(srv_complete(srv, rec.hdr.call_id,
						 CLIENTBUF_STATUS_SUCCESS, 0,
						 0, 0).status ==
				    CLIENTBUF_STATUS_SUCCESS);
			CHILD_CHECK(read(fd, &c, sizeof(c)) == sizeof(c));
			CHILD_CHECK(c.status == CLIENTBUF_STATUS_SUCCESS);
		}
		close(fd);
		close(srv);
		_exit(0);
	}
	ASSERT_CHILD(pid);
	ASSERT_LIVE_EQ(&self->base);
}

TEST_HARNESS_MAIN
