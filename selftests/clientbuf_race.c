// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_race - bounded stress tests: each runs a fixed number of
 * iterations, prints how many ran and what they saw, and then checks that
 * nothing was left behind (debugfs live counters and pinned_pages back at
 * their baseline; the VM's harness checks the kernel log).
 *
 * - register/unregister/copy/call/close from many threads on one fd;
 * - the client exits or execve()s while a work item and another process
 *   copy into it through a held request (pinned and not);
 * - munmap() and mprotect() of a registered range during copies, in the
 *   caller, a work item and another process: a copy either lands whole
 *   (STATUS_SUCCESS), not at all (STATUS_ACCESS_VIOLATION), or a prefix
 *   (STATUS_PARTIAL_COPY), and the bytes say which;
 * - a package server killed while calls are in flight;
 * - delete_module() of the test package and of the sample package against
 *   calls: EWOULDBLOCK while a call is pending, success once none is; the
 *   modules are loaded again from /lib/clientbuf.
 *
 * Threads and children never assert: they count, and keep the first
 * unexpected result for the test to report. Each test then asserts a
 * minimum count of each outcome it races for (a copy that landed before
 * the exit, a call in flight at the kill, a copy that met the munmap()),
 * so that a run in which the race never happened fails. The same races,
 * held at a chosen page so that the outcome is exact, are in
 * clientbuf_uffd.c.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include "clientbuf_stress_util.h"
#include "clientbuf_srv_util.h"
#include "../samples/clientbuf_hmac.h"

#define HANDLE		0
#define SEED		0x5eed
#define FOREVER		0xffffffffU
#define WAIT_MS		10000
#define FIXED_ADDR	0x3cd000000000ULL
#define EXEC_CHILD_ARG	"--clientbuf-race-exec-child"
#define PINRW	(CLIENTBUF_BUF_PIN | CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ)
#define RW	(CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ)

CB_RELEASE_SLOTS_AT_EXIT

/* ---- unexpected results, from any thread -------------------------------- */

struct bad {
	pthread_mutex_t lock;
	int n;
	char first[256];
};

static void bad_note(struct bad *b, const char *what, int err, __u32 st)
{
	pthread_mutex_lock(&b->lock);
	if (!b->n++)
		snprintf(b->first, sizeof(b->first),
			 "%s: errno %d (%s), status %#x (%s)", what, err,
			 err > 0 ? strerror(err) : "-", st,
			 cb_status_name(st));
	pthread_mutex_unlock(&b->lock);
}

#define ASSERT_NO_BAD(_b)						\
	ASSERT_EQ(0, (_b)->n) TH_LOG("%d unexpected results, first: %s", \
				     (_b)->n, (_b)->first)

static bool is(struct cb_res r, int err, __u32 st)
{
	return r.err == err && r.status == st;
}

/* The common fixture: baselines, checked at the end of each test. */
struct base {
	struct cb_live live;
	long long pinned;
};

static int base_read(struct base *b)
{
	cbt_release_slots();
	b->pinned = cb_stat("pinned_pages");
	return cb_live_baseline(&b->live);
}

#define ASSERT_BASE(_b) do {						\
	ASSERT_PINNED_EQ((_b)->pinned);					\
	ASSERT_LIVE_EQ(&(_b)->live);					\
} while (0)

/* ======================================================================== */
/* Many threads on one fd                                                    */
/* ======================================================================== */

#define MT_ROUNDS	6
#define MT_THREADS	4
#define MT_OPS		150
#define MT_PAGES	64
#define MT_IDS		32

struct mt {
	int fd;
	int closed;		/* set once, by whoever closes fd */
	__u8 *map;
	size_t page;
	__u32 ids[MT_IDS];	/* registered ids, 0 = free slot */
	struct bad bad;
	long ok[6];
	long refused[6];
	long ebadf;
};

enum { MT_REG, MT_UNREG, MT_COPY, MT_CALL, MT_CLOSE, MT_FREE_ALL };

struct mt_thread {
	struct mt *mt;
	unsigned int seed;
	int close_at;		/* op index at which to close, or -1 */
};

static void mt_count(struct mt *mt, int op, bool ok)
{
	__atomic_add_fetch(ok ? &mt->ok[op] : &mt->refused[op], 1,
			   __ATOMIC_RELAXED);
}

/* After close the fd is dead: EBADF is the only answer. */
static bool mt_ebadf(struct mt *mt, struct cb_res r)
{
	if (r.err != EBADF || !__atomic_load_n(&mt->closed, __ATOMIC_ACQUIRE))
		return false;
	__atomic_add_fetch(&mt->ebadf, 1, __ATOMIC_RELAXED);
	return true;
}

static void *mt_main(void *arg)
{
	struct mt_thread *t = arg;
	struct mt *mt = t->mt;
	int i;

	for (i = 0; i < MT_OPS; i++) {
		unsigned int r = rand_r(&t->seed);
		size_t first = r % MT_PAGES, n = 1 + (r >> 8) % 4;
		size_t len = n * mt->page - 64;
		struct cb_res res;
		__u32 id, *slot;
		__u8 *addr;

		if (first + n > MT_PAGES)
			first = MT_PAGES - n;
		addr = mt->map + first * mt->page + (r >> 12) % 64;
		if (i == t->close_at) {
			if (!__atomic_exchange_n(&mt->closed, 1,
						 __ATOMIC_ACQ_REL)) {
				close(mt->fd);
				mt_count(mt, MT_CLOSE, true);
			}
			continue;
		}
		switch ((r >> 20) % 4) {
		case 0:
			res = _cb_register(mt->fd, (r & 0x10000) ? PINRW : RW,
					   addr, len);
			if (is(res, 0, CLIENTBUF_STATUS_SUCCESS)) {
				mt_count(mt, MT_REG, true);
				slot = &mt->ids[res.id % MT_IDS];
				__atomic_store_n(slot, res.id,
						 __ATOMIC_RELEASE);
			} else if (is(res, EDQUOT,
				      CLIENTBUF_STATUS_QUOTA_EXCEEDED)) {
				mt_count(mt, MT_REG, false);
			} else if (!mt_ebadf(mt, res)) {
				bad_note(&mt->bad, "register", res.err,
					 res.status);
			}
			break;
		case 1:
			slot = &mt->ids[(r >> 4) % MT_IDS];
			id = __atomic_exchange_n(slot, 0, __ATOMIC_ACQ_REL);
			if (!id)
				id = 1 + (r >> 4) % 200;	/* maybe stale */
			res = _cb_unregister(mt->fd, id);
			if (is(res, 0, CLIENTBUF_STATUS_SUCCESS))
				mt_count(mt, MT_UNREG, true);
			else if (is(res, ENOENT,
				    CLIENTBUF_STATUS_INVALID_HANDLE))
				mt_count(mt, MT_UNREG, false);
			else if (!mt_ebadf(mt, res))
				bad_note(&mt->bad, "unregister", res.err,
					 res.status);
			break;
		case 2:
			res = cbt_op(mt->fd, (r & 0x20000) ? CBTEST_OP_COPY_TO :
				     CBTEST_OP_COPY_FROM,
				     (r & 0x40000) ? CBTEST_CTX_WORKQUEUE :
				     CBTEST_CTX_CALLER, addr, (__u32)len, r, 0);
			if (is(res, 0, CLIENTBUF_STATUS_SUCCESS))
				mt_count(mt, MT_COPY, true);
			else if (is(res, EFAULT,
				    CLIENTBUF_STATUS_ACCESS_VIOLATION))
				mt_count(mt, MT_COPY, false);
			else if (!mt_ebadf(mt, res))
				bad_note(&mt->bad, "copy", res.err,
					 res.status);
			break;
		default:
			res = cbt_op(mt->fd, CBTEST_OP_NOP, CBTEST_CTX_CALLER,
				     NULL, 0, 0, 0);
			if (is(res, 0, CLIENTBUF_STATUS_SUCCESS))
				mt_count(mt, MT_CALL, true);
			else if (!mt_ebadf(mt, res))
				bad_note(&mt->bad, "call", res.err,
					 res.status);
			break;
		}
	}
	return NULL;
}

TEST(threads_on_one_fd)
{
	struct mt_thread t[MT_THREADS];
	pthread_t th[MT_THREADS];
	struct base b;
	struct mt *mt;
	int round, i;

	ASSERT_EQ(0, base_read(&b));
	mt = calloc(1, sizeof(*mt));
	ASSERT_NE(NULL, mt);
	pthread_mutex_init(&mt->bad.lock, NULL);
	mt->page = cb_page();
	mt->map = cb_map(MT_PAGES * mt->page);
	ASSERT_NE(NULL, mt->map);
	memset(mt->map, 0, MT_PAGES * mt->page);
	for (round = 0; round < MT_ROUNDS; round++) {
		mt->fd = cb_open();
		ASSERT_LE(0, mt->fd);
		mt->closed = 0;
		memset(mt->ids, 0, sizeof(mt->ids));
		for (i = 0; i < MT_THREADS; i++) {
			t[i].mt = mt;
			t[i].seed = 0x1234u * (unsigned int)(round + 1) + (unsigned int)i;
			/* Half of the rounds close the fd under the threads. */
			t[i].close_at = (round & 1) && i == round % MT_THREADS ?
					MT_OPS / 2 + round * 7 : -1;
			ASSERT_EQ(0, pthread_create(&th[i], NULL, mt_main,
						    &t[i]));
		}
		for (i = 0; i < MT_THREADS; i++)
			ASSERT_EQ(0, pthread_join(th[i], NULL));
		if (!mt->closed)
			close(mt->fd);
		ASSERT_NO_BAD(&mt->bad);
		ASSERT_BASE(&b);
	}
	ksft_print_msg("threads_on_one_fd: %d rounds x %d threads x %d ops: "
		       "register %ld/%ld, unregister %ld/%ld, copy %ld/%ld, "
		       "call %ld, close %ld, EBADF after close %ld\n",
		       MT_ROUNDS, MT_THREADS, MT_OPS, mt->ok[MT_REG],
		       mt->refused[MT_REG], mt->ok[MT_UNREG],
		       mt->refused[MT_UNREG], mt->ok[MT_COPY],
		       mt->refused[MT_COPY], mt->ok[MT_CALL], mt->ok[MT_CLOSE],
		       mt->ebadf);
	/* Each outcome was seen: the operations did meet. */
	ASSERT_LT(0, mt->ok[MT_REG]);
	ASSERT_LT(0, mt->ok[MT_UNREG]);
	ASSERT_LT(0, mt->refused[MT_UNREG]);
	ASSERT_LT(0, mt->ok[MT_COPY]);
	ASSERT_LT(0, mt->ok[MT_CALL]);
	ASSERT_EQ(MT_ROUNDS / 2, mt->ok[MT_CLOSE]);
	ASSERT_LT(0, mt->ebadf) TH_LOG("no operation raced the close");
	munmap(mt->map, MT_PAGES * mt->page);
	free(mt);
}

/* ======================================================================== */
/* The client exits or exec()s against in-flight copies                      */
/* ======================================================================== */

#define EX_ROUNDS	6
#define EX_PAGES	16

/* What a client child, or the program it exec()s, reports. */
struct ex_report {
	int err;
	int step;
	__u32 status;
	__s64 changed;	/* new program: first byte not zero, or -1 */
};

#define CMD_EXIT	'x'
#define CMD_EXEC	'e'
#define CMD_CHECK	'c'

static void __attribute__((noreturn))
ex_client(int cmd, int rep, bool pin, unsigned int delay_us)
{
	size_t len = EX_PAGES * cb_page();
	struct ex_report r = { .changed = -1 };
	struct cb_res res;
	__u8 *p;
	char c;
	int fd;

	fd = open(CB_DEV, O_RDWR);
	p = cb_map_fixed(FIXED_ADDR, len);
	if (fd < 0 || !p) {
		r.err = errno, r.step = 1;
		goto fail;
	}
	res = _cb_register(fd, pin ? PINRW : RW, p, len);
	if (res.err) {
		r.err = res.err, r.step = 2, r.status = res.status;
		goto fail;
	}
	res = cbt_hold(fd, HANDLE);
	if (res.err || res.status != CLIENTBUF_STATUS_PENDING) {
		r.err = res.err, r.step = 3, r.status = res.status;
		goto fail;
	}
	cb_write_full(rep, &r, sizeof(r));
	if (cb_read_full(cmd, &c, 1))
		_exit(0);
	/* Let the copies land for a moment. */
	usleep(delay_us);
	if (c == CMD_EXIT)
		_exit(0);
	cb_exec_self("clientbuf_race", EXEC_CHILD_ARG, len, cmd, rep);
	r.err = errno, r.step = 4;
fail:
	cb_write_full(rep, &r, sizeof(r));
	_exit(1);
}

/* The new program: the old address mapped afresh; has anything landed? */
static int ex_exec_child(int argc, char **argv)
{
	struct ex_report r = { .changed = -1 };
	size_t len;
	int cmd, rep;
	__u8 *p;
	char c;

	if (argc != 5)
		return 2;
	len = strtoull(argv[2], NULL, 0);
	cmd = atoi(argv[3]);
	rep = atoi(argv[4]);
	p = cb_map_fixed(FIXED_ADDR, len);
	if (!p) {
		r.err = errno, r.step = 5;
		cb_write_full(rep, &r, sizeof(r));
		return 1;
	}
	r.changed = cb_not_byte(p, len, 0);
	cb_write_full(rep, &r, sizeof(r));
	if (cb_read_full(cmd, &c, 1) || c != CMD_CHECK)
		return 1;
	r.changed = cb_not_byte(p, len, 0);
	cb_write_full(rep, &r, sizeof(r));
	return 0;
}

/*
 * A copy into a client that exits or exec()s: it lands whole while the
 * client lives, else PROCESS_IS_TERMINATING (status-codes.rst) - never
 * ACCESS_VIOLATION or INVALID_HANDLE, although the client's buffers and
 * its fd go away with it.
 */
static bool ex_allowed(__u32 st)
{
	return st == CLIENTBUF_STATUS_SUCCESS ||
	       st == CLIENTBUF_STATUS_PROCESS_IS_TERMINATING;
}

/* One round: start the client, copy into it while it exits or execs. */
static void ex_round(struct __test_metadata *_metadata, int tfd, bool exec,
		     bool pin, unsigned int delay_us, long *remote_ok,
		     long *queued_ok, int *rounds_landed)
{
	long remote_before = *remote_ok, queued_before = *queued_ok;
	void *addr = (void *)(uintptr_t)FIXED_ADDR;
	__u32 len = EX_PAGES * (__u32)cb_page();
	int cmd[2], rep[2], i;
	struct cbtest_remote q;
	struct ex_report r;
	struct cb_res res;
	char c = exec ? CMD_EXEC : CMD_EXIT;
	pid_t pid;

	/* Not O_CLOEXEC: the program the child exec()s uses them. */
	ASSERT_EQ(0, pipe(cmd));
	ASSERT_EQ(0, pipe(rep));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(cmd[1]);
		close(rep[0]);
		close(tfd);
		ex_client(cmd[0], rep[1], pin, delay_us);
	}
	close(cmd[0]);
	close(rep[1]);
	ASSERT_EQ(0, cb_read_full(rep[0], &r, sizeof(r)));
	ASSERT_EQ(0, r.err) TH_LOG("client step %d: %s, status %#x", r.step,
				   strerror(r.err), r.status);

	q = cbt_remote(HANDLE, CBTEST_OP_COPY_TO, addr, len, SEED);
	q.iterations = FOREVER;
	ASSERT_EQ(0, cbt_ioctl(tfd, CBTEST_IOC_QUEUE, &q));
	ASSERT_EQ(1, write(cmd[1], &c, 1));
	/* Copy from this process until the client is gone. */
	for (i = 0; i < 100000; i++) {
		res = cbt_remote_copy(tfd, HANDLE, i & 1 ? CBTEST_OP_COPY_FROM :
				      CBTEST_OP_COPY_TO, addr, len, SEED);
		ASSERT_TRUE(ex_allowed(res.status))
			TH_LOG("remote copy %d: %#x (%s)", i, res.status,
			       cb_status_name(res.status));
		if (res.status != CLIENTBUF_STATUS_SUCCESS)
			break;
		(*remote_ok)++;
	}
	ASSERT_NE(CLIENTBUF_STATUS_SUCCESS, res.status);
	res = cbt_result(tfd, HANDLE);
	ASSERT_TRUE(ex_allowed(res.status) &&
		    res.status != CLIENTBUF_STATUS_SUCCESS)
		TH_LOG("queued copies: %#x (%s)", res.status,
		       cb_status_name(res.status));
	*queued_ok += res.done;
	if (exec) {
		ASSERT_EQ(0, cb_read_full(rep[0], &r, sizeof(r)));
		ASSERT_EQ(0, r.err) TH_LOG("new program step %d: %s", r.step,
					   strerror(r.err));
		ASSERT_EQ(-1, r.changed);
		/* More copies, pinned or not: none lands in the new program. */
		for (i = 0; i < 20; i++) {
			res = cbt_remote_copy(tfd, HANDLE, CBTEST_OP_COPY_TO,
					      addr, len, SEED);
			ASSERT_EQ(CLIENTBUF_STATUS_PROCESS_IS_TERMINATING,
				  res.status);
		}
		c = CMD_CHECK;
		ASSERT_EQ(1, write(cmd[1], &c, 1));
		ASSERT_EQ(0, cb_read_full(rep[0], &r, sizeof(r)));
		ASSERT_EQ(-1, r.changed)
			TH_LOG("byte %lld of the new program changed",
			       (long long)r.changed);
	}
	ASSERT_EQ(0, cb_wait_child(pid));
	close(cmd[1]);
	close(rep[0]);
	ASSERT_EQ(0, cbt_complete(tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS));
	if (*remote_ok > remote_before && *queued_ok > queued_before)
		(*rounds_landed)++;
}

static void ex_test(struct __test_metadata *_metadata, bool exec)
{
	long remote_ok = 0, queued_ok = 0;
	int tfd, k, rounds_landed = 0;
	struct base b;

	ASSERT_EQ(0, base_read(&b));
	tfd = cbt_open();
	ASSERT_LE(0, tfd);
	for (k = 0; k < EX_ROUNDS; k++) {
		ex_round(_metadata, tfd, exec, k & 1,
			 (unsigned int)(k * 1500), &remote_ok, &queued_ok,
			 &rounds_landed);
		ASSERT_BASE(&b);
	}
	close(tfd);
	ksft_print_msg("client_%s: %d rounds (pinned and not), %ld remote and "
		       "%ld queued copies landed before the %s, both in %d "
		       "rounds\n", exec ? "exec" : "exit", EX_ROUNDS,
		       remote_ok, queued_ok, exec ? "exec" : "exit",
		       rounds_landed);
	ASSERT_BASE(&b);
	/*
	 * The race happened: in at least half of the rounds copies from
	 * both sides were landing when the client went (a round whose
	 * copies all came too late proves nothing).
	 */
	ASSERT_LE(EX_ROUNDS / 2, rounds_landed)
		TH_LOG("copies landed before the %s in only %d of %d rounds",
		       exec ? "exec" : "exit", rounds_landed, EX_ROUNDS);
}

TEST(client_exit_during_copies)
{
	ex_test(_metadata, false);
}

TEST(client_exec_during_copies)
{
	ex_test(_metadata, true);
}

/* ======================================================================== */
/* munmap() and mprotect() during copies                                     */
/* ======================================================================== */

#define MM_PAGES	8
#define MM_VICTIM	4	/* the page that comes and goes */
#define MM_ITER		120

enum mm_kind { MM_MUNMAP, MM_RDONLY, MM_NONE };

struct mm_shared {
	__u8 *map;
	size_t page;
	enum mm_kind kind;
	int run;	/* main -> mutator: mutate */
	int epoch;	/* main: bumped at each stop */
	int ack;	/* mutator: the epoch it saw stopped, page restored */
	int stop;
	long mutations;
	int err;	/* a failed munmap/mmap/mprotect */
};

static void mm_restore(struct mm_shared *s)
{
	__u8 *v = s->map + MM_VICTIM * s->page;

	if (s->kind == MM_MUNMAP) {
		if (mmap(v, s->page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != v)
			s->err = errno;
	} else if (mprotect(v, s->page, PROT_READ | PROT_WRITE)) {
		s->err = errno;
	}
}

static void *mm_mutator(void *arg)
{
	struct mm_shared *s = arg;
	__u8 *v = s->map + MM_VICTIM * s->page;
	unsigned int spin = 1;
	volatile unsigned int j;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		if (!__atomic_load_n(&s->run, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&s->ack,
					 __atomic_load_n(&s->epoch,
							 __ATOMIC_ACQUIRE),
					 __ATOMIC_RELEASE);
			sched_yield();
			continue;
		}
		if (s->kind == MM_MUNMAP) {
			if (munmap(v, s->page))
				s->err = errno;
		} else if (mprotect(v, s->page, s->kind == MM_RDONLY ?
				    PROT_READ : PROT_NONE)) {
			s->err = errno;
		}
		__atomic_add_fetch(&s->mutations, 1, __ATOMIC_RELEASE);
		for (j = 0; j < spin; j++)
			;
		mm_restore(s);
		for (j = 0; j < spin; j++)
			;
		spin = spin * 7 % 4093;
	}
	return NULL;
}

/*
 * Start or stop the mutator. Stopped means: it saw run == 0 after the
 * epoch was bumped, so it is not between a mutation and its undoing.
 */
static void mm_set_run(struct mm_shared *s, int run)
{
	int e;

	long m = __atomic_load_n(&s->mutations, __ATOMIC_ACQUIRE);

	if (run) {
		/* Copy only once the mutator is at work. */
		__atomic_store_n(&s->run, 1, __ATOMIC_RELEASE);
		for (e = 0; e < 100000 && __atomic_load_n(&s->mutations,
		     __ATOMIC_ACQUIRE) == m; e++)
			sched_yield();
		return;
	}
	__atomic_store_n(&s->run, 0, __ATOMIC_SEQ_CST);
	e = __atomic_add_fetch(&s->epoch, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&s->ack, __ATOMIC_ACQUIRE) != e)
		sched_yield();
}

FIXTURE(mm) {
	int fd;
	int tfd;
	struct cb_server srv;
	bool held;
	struct base b;
};

FIXTURE_VARIANT(mm) {
	__u32 ctx;
	bool remote;
};

FIXTURE_VARIANT_ADD(mm, caller) {
	.ctx = CBTEST_CTX_CALLER,
};

FIXTURE_VARIANT_ADD(mm, workqueue) {
	.ctx = CBTEST_CTX_WORKQUEUE,
};

FIXTURE_VARIANT_ADD(mm, other_process) {
	.remote = true,
};

FIXTURE_SETUP(mm)
{
	self->tfd = -1;
	ASSERT_EQ(0, base_read(&self->b));
	self->fd = cb_open();
	ASSERT_LE(0, self->fd);
	if (!variant->remote)
		return;
	self->tfd = cbt_open();
	ASSERT_LE(0, self->tfd);
	test_hold(self->fd, HANDLE);
	self->held = true;
	ASSERT_EQ(0, cb_server_start(&self->srv, self->fd));
}

FIXTURE_TEARDOWN(mm)
{
	cb_server_stop(&self->srv);
	if (self->held)
		cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS);
	if (self->tfd >= 0)
		close(self->tfd);
	if (self->fd >= 0)
		close(self->fd);
}

/* Canary byte i: never pattern(seed, i). */
static __u8 mm_canary(__u32 seed, size_t i)
{
	return (__u8)~cbtest_pattern(seed, i);
}

/*
 * After a copy to the client: is what the range holds consistent with
 * @st? A prefix [0, k) of pattern, then bytes that did not land: the
 * canary, or zero in the victim page when it was unmapped and mapped again.
 * SUCCESS needs k == len, ACCESS_VIOLATION k == 0 (nothing written),
 * PARTIAL_COPY 0 < k < len. Returns NULL or what is wrong.
 */
static const char *mm_check_to(const struct mm_shared *s, __u32 seed,
			       __u32 st, size_t *where)
{
	size_t len = MM_PAGES * s->page, k, i;
	size_t v0 = MM_VICTIM * s->page, v1 = v0 + s->page;
	bool zero_ok = s->kind == MM_MUNMAP;

	for (k = 0; k < len && s->map[k] == cbtest_pattern(seed, k); k++)
		;
	/* A remapped victim page may have lost what had landed in it. */
	if (zero_ok && st == CLIENTBUF_STATUS_SUCCESS && k >= v0 && k < v1) {
		for (i = k; i < v1; i++)
			if (s->map[i] && s->map[i] != cbtest_pattern(seed, i))
				break;
		if (i == v1)
			for (k = v1; k < len && s->map[k] ==
			     cbtest_pattern(seed, k); k++)
				;
	}
	*where = k;
	for (i = k; i < len; i++) {
		if (s->map[i] == mm_canary(seed, i))
			continue;
		if (zero_ok && !s->map[i] && i >= v0 && i < v1)
			continue;
		if (st == CLIENTBUF_STATUS_SUCCESS)
			break;
		*where = i;
		return "a byte past the copied prefix changed";
	}
	switch (st) {
	case CLIENTBUF_STATUS_SUCCESS:
		return k == len ? NULL : "SUCCESS but not every byte landed";
	case CLIENTBUF_STATUS_ACCESS_VIOLATION:
		return k == 0 ? NULL : "ACCESS_VIOLATION but bytes landed";
	case CLIENTBUF_STATUS_PARTIAL_COPY:
		return k > 0 && k < len ? NULL :
		       "PARTIAL_COPY but all or nothing landed";
	}
	return "unexpected status";
}

static void mm_test(struct __test_metadata *_metadata,
		    FIXTURE_DATA(mm) *self, const FIXTURE_VARIANT(mm) *variant,
		    enum mm_kind kind, bool to)
{
	struct mm_shared s = { .kind = kind, .page = cb_page() };
	size_t len = MM_PAGES * s.page, where, i;
	long n[3] = {};
	const char *why;
	pthread_t th;
	struct cb_res res;
	__u32 op = to ? CBTEST_OP_COPY_TO : CBTEST_OP_COPY_FROM, id;
	int it;

	s.map = cb_map(len);
	ASSERT_NE(NULL, s.map);
	test_register(self->fd, RW, s.map, len, &id);
	ASSERT_EQ(0, pthread_create(&th, NULL, mm_mutator, &s));
	for (it = 0; it < MM_ITER; it++) {
		__u32 seed = 0x900u + (__u32)it;

		for (i = 0; i < len; i++)
			s.map[i] = to ? mm_canary(seed, i) :
				   cbtest_pattern(seed, i);
		mm_set_run(&s, 1);
		if (variant->remote)
			res = cb_server_copy(&self->srv, HANDLE, op, s.map,
					     (__u32)len, seed);
		else
			res = cbt_op(self->fd, op, variant->ctx, s.map,
				     (__u32)len, seed, 0);
		mm_set_run(&s, 0);
		ASSERT_EQ(0, s.err) TH_LOG("mutator: %s", strerror(s.err));
		if (res.status == CLIENTBUF_STATUS_SUCCESS) {
			n[0]++;
			/* What the package read was the client's bytes. */
			if (!to) {
				ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, res.proto);
			}
		} else if (res.status == CLIENTBUF_STATUS_PARTIAL_COPY) {
			n[1]++;
		} else {
			ASSERT_EQ(CLIENTBUF_STATUS_ACCESS_VIOLATION, res.status)
				TH_LOG("copy %d: %#x (%s)", it, res.status,
				       cb_status_name(res.status));
			n[2]++;
		}
		if (!variant->remote) {
			ASSERT_EQ(res.status == CLIENTBUF_STATUS_SUCCESS ? 0 :
				  EFAULT, res.err);
		}
		if (to) {
			why = mm_check_to(&s, seed, res.status, &where);
			ASSERT_EQ(NULL, why)
				TH_LOG("copy %d, %s: %s at byte %zu (victim "
				       "page at %zu)", it,
				       cb_status_name(res.status), why, where,
				       MM_VICTIM * s.page);
		}
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	ksft_print_msg("%s %s: %d copies: %ld SUCCESS, %ld PARTIAL_COPY, "
		       "%ld ACCESS_VIOLATION; %ld mutations\n",
		       kind == MM_MUNMAP ? "munmap" : kind == MM_RDONLY ?
		       "mprotect(PROT_READ)" : "mprotect(PROT_NONE)",
		       to ? "copy_to" : "copy_from", MM_ITER, n[0], n[1], n[2],
		       s.mutations);
	/*
	 * The race happened: the mutation hit copies (PARTIAL_COPY or
	 * ACCESS_VIOLATION; with PROT_NONE on a loaded host it may hit all
	 * of them). A PARTIAL_COPY at a chosen page is forced in
	 * clientbuf_uffd; here it is only counted.
	 */
	ASSERT_LE(1, n[1] + n[2])
		TH_LOG("no copy overlapped a mutation in %d copies", MM_ITER);
	test_unregister(self->fd, id);
	munmap(s.map, len);
	ASSERT_EQ(0, cb_server_stop(&self->srv));
	if (self->held) {
		ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE,
					  CLIENTBUF_STATUS_SUCCESS));
		self->held = false;
	}
	close(self->fd);
	self->fd = -1;
	ASSERT_BASE(&self->b);
}

/*
 * 120 copies of 8 pages against a mutator take a few seconds alone, far
 * more on a loaded TCG host: not the harness's default 30 s.
 */
TEST_F_TIMEOUT(mm, munmap_copy_to, 150)
{
	mm_test(_metadata, self, variant, MM_MUNMAP, true);
}

TEST_F_TIMEOUT(mm, mprotect_read_only_copy_to, 150)
{
	mm_test(_metadata, self, variant, MM_RDONLY, true);
}

TEST_F_TIMEOUT(mm, mprotect_none_copy_from, 150)
{
	mm_test(_metadata, self, variant, MM_NONE, false);
}

/* ======================================================================== */
/* A package server killed against in-flight calls                           */
/* ======================================================================== */

#define SK_ROUNDS	5
#define SK_CALLERS	3
#define SK_LEN		8192

struct sk_submit {
	__u64 addr;
	__u32 len;
	__u32 seed;
};

/* The server child: serve @name, answer every call with a copy. */
static void __attribute__((noreturn)) sk_server(const char *name, int ready)
{
	struct {
		struct clientbuf_server_call hdr;
		struct sk_submit s;
	} rec;
	__u8 *src = cb_map(SK_LEN);
	int fd = cb_open();
	char c = 1;

	if (fd < 0 || !src || srv_serve(&fd, name).err)
		_exit(1);
	cb_write_full(ready, &c, 1);
	for (;;) {
		if (read(fd, &rec, sizeof(rec)) != sizeof(rec))
			continue;
		cb_fill(src, rec.s.len, rec.s.seed);
		srv_copy_to(fd, rec.hdr.call_id, rec.s.addr, src, rec.s.len);
		srv_complete(fd, rec.hdr.call_id, CLIENTBUF_STATUS_SUCCESS, 0,
			     0, 0);
	}
}

struct sk {
	int fd;
	const char *name;
	struct bad bad;
	long ok, disconnected, gone;
};

struct sk_caller {
	struct sk *sk;
	__u8 *buf;
	bool async;
	__u32 seed;
};

/* Did a finished call do what it says? */
static void sk_outcome(struct sk_caller *c, const char *what, int err,
		       __u32 st, bool *stop)
{
	struct sk *sk = c->sk;

	*stop = true;
	if (st == CLIENTBUF_STATUS_SUCCESS && !err) {
		if (!cb_is_pattern(c->buf, SK_LEN, c->seed))
			bad_note(&sk->bad, "SUCCESS but the bytes did not land",
				 err, st);
		__atomic_add_fetch(&sk->ok, 1, __ATOMIC_RELAXED);
		*stop = false;
	} else if (st == CLIENTBUF_STATUS_PORT_DISCONNECTED &&
		   (err == ECONNRESET || err == -1)) {
		__atomic_add_fetch(&sk->disconnected, 1, __ATOMIC_RELAXED);
	} else if (st == CLIENTBUF_STATUS_NO_SUCH_PACKAGE && err == ENOPKG) {
		__atomic_add_fetch(&sk->gone, 1, __ATOMIC_RELAXED);
	} else {
		bad_note(&sk->bad, what, err, st);
	}
}

static void *sk_caller_main(void *arg)
{
	struct sk_caller *c = arg;
	struct sk *sk = c->sk;
	struct clientbuf_completion comp;
	struct sk_submit s = { .addr = (uintptr_t)c->buf, .len = SK_LEN };
	struct srv_call r;
	bool stop = false;
	int i, err;

	for (i = 0; i < 100000 && !stop; i++) {
		s.seed = c->seed = (__u32)rand();
		memset(c->buf, 0, SK_LEN);
		r = srv_call(sk->fd, sk->name, &s, sizeof(s),
			     c->async ? CLIENTBUF_CALL_ASYNC : 0, 0);
		if (!c->async || r.c.status != CLIENTBUF_STATUS_PENDING) {
			sk_outcome(c, "call", r.err, r.c.status, &stop);
			continue;
		}
		err = srv_read_completion(sk->fd, &comp, WAIT_MS);
		if (err) {
			bad_note(&sk->bad, "no completion", err, 0);
			break;
		}
		if (comp.request_id != r.c.request_id)
			bad_note(&sk->bad, "completion of another call", 0,
				 comp.status);
		sk_outcome(c, "completion", comp.status ? -1 : 0, comp.status,
			   &stop);
	}
	return NULL;
}

TEST(server_killed_during_calls)
{
	struct sk_caller c[SK_CALLERS];
	pthread_t th[SK_CALLERS];
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct base b;
	struct sk sk;
	int round, i, p[2];
	pid_t pid;
	char ch;

	if (geteuid())
		SKIP(return, "CLIENTBUF_IOC_SERVE needs CAP_SYS_ADMIN");
	ASSERT_EQ(0, base_read(&b));
	memset(&sk, 0, sizeof(sk));
	pthread_mutex_init(&sk.bad.lock, NULL);
	srand(42);
	for (round = 0; round < SK_ROUNDS; round++) {
		srv_name(name, sizeof(name), "race");
		sk.name = name;
		ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			close(p[0]);
			sk_server(name, p[1]);
		}
		close(p[1]);
		ASSERT_EQ(0, cb_read_timed(p[0], &ch, 1, WAIT_MS))
			TH_LOG("the server did not start");
		close(p[0]);
		sk.fd = cb_open();
		ASSERT_LE(0, sk.fd);
		for (i = 0; i < SK_CALLERS; i++) {
			c[i].sk = &sk;
			c[i].async = i == SK_CALLERS - 1;
			c[i].buf = cb_map(SK_LEN);
			ASSERT_NE(NULL, c[i].buf);
			ASSERT_OK(_cb_register(sk.fd, i & 1 ? PINRW : RW,
					       c[i].buf, SK_LEN));
		}
		for (i = 0; i < SK_CALLERS; i++)
			ASSERT_EQ(0, pthread_create(&th[i], NULL,
						    sk_caller_main, &c[i]));
		cb_msleep(20 + 30 * (unsigned int)round);
		ASSERT_TRUE(cb_kill_child(pid));
		for (i = 0; i < SK_CALLERS; i++) {
			ASSERT_EQ(0, pthread_join(th[i], NULL));
			munmap(c[i].buf, SK_LEN);
		}
		close(sk.fd);
		ASSERT_NO_BAD(&sk.bad);
		ASSERT_BASE(&b);
	}
	ksft_print_msg("server_killed_during_calls: %d rounds x %d callers: "
		       "%ld calls answered, %ld PORT_DISCONNECTED, %ld "
		       "NO_SUCH_PACKAGE\n", SK_ROUNDS, SK_CALLERS, sk.ok,
		       sk.disconnected, sk.gone);
	ASSERT_EQ(SK_ROUNDS * SK_CALLERS, sk.disconnected + sk.gone);
	/* The race happened: calls were answered, and in flight at a kill. */
	ASSERT_LE(SK_ROUNDS, sk.ok);
	ASSERT_LE(1, sk.disconnected)
		TH_LOG("no call was in flight when a server was killed");
}

/* ======================================================================== */
/* delete_module() against calls                                             */
/* ======================================================================== */

#define UL_TEST_MOD	"clientbuf_test"
#define UL_HMAC_MOD	"clientbuf_hmac"
#define UL_CALLS_MIN	20

struct ul {
	int fd;
	int stop;
	struct bad bad;
	long ok, gone;
	bool hmac;
	__u8 *out;
};

/* A call to the package; SUCCESS, or NO_SUCH_PACKAGE while it is away. */
static struct cb_res ul_call(struct ul *u)
{
	struct {
		struct hmac_logon_submit h;
		__u8 chal[8];
	} s;

	if (!u->hmac)
		return cbt_op(u->fd, CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL, 0,
			      0, 0);
	memset(&s, 0, sizeof(s));
	s.h.op = HMAC_LOGON_OP_LOGON;
	s.h.flags = HMAC_LOGON_F_DEFER | HMAC_LOGON_F_DELAY(2);
	strcpy(s.h.user, "race");
	s.h.challenge_len = sizeof(s.chal);
	s.h.out_addr = (uintptr_t)u->out;
	s.h.out_len = HMAC_LOGON_TOKEN_LEN;
	return _cb_call(u->fd, HMAC_LOGON_PACKAGE, &s, sizeof(s), 0, 0);
}

static void *ul_caller(void *arg)
{
	struct ul *u = arg;
	struct cb_res r;
	unsigned int n = 0;

	while (!__atomic_load_n(&u->stop, __ATOMIC_ACQUIRE)) {
		/* A pause now and then: a window with no call in flight. */
		if (!(++n % 8))
			usleep(500);
		r = ul_call(u);
		if (is(r, 0, CLIENTBUF_STATUS_SUCCESS))
			__atomic_add_fetch(&u->ok, 1, __ATOMIC_RELAXED);
		else if (is(r, ENOPKG, CLIENTBUF_STATUS_NO_SUCH_PACKAGE))
			__atomic_add_fetch(&u->gone, 1, __ATOMIC_RELAXED);
		else
			bad_note(&u->bad, "call", r.err, r.status);
	}
	return NULL;
}

/*
 * Unload @mod while a thread calls it, until it has been unloaded @times
 * (reloading it each time); returns the refusals (EWOULDBLOCK) seen.
 */
static void ul_cycle(struct __test_metadata *_metadata, struct ul *u,
		     const char *mod, const char *dev, int times,
		     long *refused)
{
	long ok_before;
	int unloaded = 0, attempts, err;

	for (attempts = 0; unloaded < times && attempts < 20000; attempts++) {
		err = cb_module_unload(mod);
		if (err == EWOULDBLOCK) {
			(*refused)++;
			usleep(100);
			continue;
		}
		ASSERT_EQ(0, err) TH_LOG("delete_module(%s): %s", mod,
					 strerror(err));
		unloaded++;
		cb_msleep(5);
		ASSERT_EQ(0, cb_module_ensure(mod, dev))
			TH_LOG("reload %s", mod);
		/* The package is back: calls succeed again. */
		ok_before = __atomic_load_n(&u->ok, __ATOMIC_ACQUIRE);
		for (err = 0; err < 1000 && __atomic_load_n(&u->ok,
		     __ATOMIC_ACQUIRE) == ok_before; err++)
			cb_msleep(2);
		ASSERT_LT(ok_before, __atomic_load_n(&u->ok, __ATOMIC_ACQUIRE));
	}
	ASSERT_EQ(times, unloaded) TH_LOG("%s: %d unloads in %d attempts",
					  mod, unloaded, attempts);
}

FIXTURE(ul) {
	struct base b;
	struct ul u;
	pthread_t th;
	bool running;
};

FIXTURE_SETUP(ul)
{
	self->u.fd = -1;
	if (geteuid())
		SKIP(return, "delete_module() needs CAP_SYS_MODULE");
	ASSERT_EQ(0, base_read(&self->b));
	pthread_mutex_init(&self->u.bad.lock, NULL);
	self->u.fd = cb_open();
	ASSERT_LE(0, self->u.fd);
}

FIXTURE_TEARDOWN(ul)
{
	if (self->running) {
		__atomic_store_n(&self->u.stop, 1, __ATOMIC_RELEASE);
		pthread_join(self->th, NULL);
	}
	if (self->u.fd >= 0)
		close(self->u.fd);
	/* Whatever happened, the later tests need the modules. */
	cb_module_ensure(UL_TEST_MOD, CBT_DEV);
	if (self->u.hmac)
		cb_module_ensure(UL_HMAC_MOD, NULL);
}

static void ul_stop(struct __test_metadata *_metadata, FIXTURE_DATA(ul) *self)
{
	__atomic_store_n(&self->u.stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(self->th, NULL));
	self->running = false;
	close(self->u.fd);
	self->u.fd = -1;
	ASSERT_NO_BAD(&self->u.bad);
}

TEST_F(ul, test_package)
{
	long refused = 0;
	int tfd, i;

	/* A held request pins the module. */
	test_hold(self->u.fd, HANDLE);
	ASSERT_EQ(0, pthread_create(&self->th, NULL, ul_caller, &self->u));
	self->running = true;
	tfd = cbt_open();
	ASSERT_LE(0, tfd);
	for (i = 0; i < 10; i++)
		ASSERT_EQ(EWOULDBLOCK, cb_module_unload(UL_TEST_MOD));
	ASSERT_EQ(0, cbt_complete(tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS));
	/* The open /dev/clientbuf_test pins it too. */
	ASSERT_EQ(EWOULDBLOCK, cb_module_unload(UL_TEST_MOD));
	close(tfd);
	ASSERT_TRUE(cb_module_loaded(UL_TEST_MOD));
	ul_cycle(_metadata, &self->u, UL_TEST_MOD, CBT_DEV, 3, &refused);
	ul_stop(_metadata, self);
	ksft_print_msg("unload %s: 3 unloads against calls, %ld refused "
		       "(EWOULDBLOCK); calls: %ld answered, %ld "
		       "NO_SUCH_PACKAGE\n", UL_TEST_MOD, refused + 11,
		       self->u.ok, self->u.gone);
	ASSERT_LT(UL_CALLS_MIN, self->u.ok);
	/* A call found the package unloaded: the unload met the calls. */
	ASSERT_LT(0, self->u.gone);
	ASSERT_BASE(&self->b);
}

TEST_F(ul, sample_package)
{
	long refused = 0;
	__u32 id;

	if (!cb_module_loaded(UL_HMAC_MOD))
		SKIP(return, UL_HMAC_MOD " is not loaded");
	self->u.hmac = true;
	self->u.out = cb_map(cb_page());
	ASSERT_NE(NULL, self->u.out);
	test_register(self->u.fd, CLIENTBUF_BUF_WRITE, self->u.out,
		      cb_page(), &id);
	ASSERT_EQ(0, pthread_create(&self->th, NULL, ul_caller, &self->u));
	self->running = true;
	ul_cycle(_metadata, &self->u, UL_HMAC_MOD, NULL, 3, &refused);
	ul_stop(_metadata, self);
	ksft_print_msg("unload %s: 3 unloads against deferred calls, %ld "
		       "refused (EWOULDBLOCK); calls: %ld answered, %ld "
		       "NO_SUCH_PACKAGE\n", UL_HMAC_MOD, refused, self->u.ok,
		       self->u.gone);
	ASSERT_LT(0, refused);
	ASSERT_LT(0, self->u.gone);
	ASSERT_BASE(&self->b);
}

int main(int argc, char **argv)
{
	/* _exit(): the new program must not release the slots at exit. */
	if (argc > 1 && !strcmp(argv[1], EXEC_CHILD_ARG))
		_exit(ex_exec_child(argc, argv));
	return test_harness_run(argc, argv);
}
