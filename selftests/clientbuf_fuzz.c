// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_fuzz - a bounded ioctl fuzzer for /dev/clientbuf.
 *
 * A fixed seed (printed; FUZZ_SEED overrides it) drives FUZZ_ITERS
 * (default 20000) iterations; FUZZ_SEED=s FUZZ_ITERS=n repeat a run
 * exactly. A run that the wall-clock cap (FUZZ_SECONDS, default 150)
 * cuts short of its iteration count fails, and says how far it got. Each
 * iteration
 * picks an fd - two clients, a package server, a client that turned into a
 * server - and one of: a real command with a struct that starts valid and
 * has a few fields replaced by interesting values (0, 1, -1, limits, ids
 * that are live on this fd or another, addresses inside, at the edge of
 * and outside the registered buffers, kernel and non-canonical addresses)
 * and sometimes a hostile size or argument pointer; a random command of
 * type 0xC1 (nr 0..15, any direction and size bits); read() or poll(); a
 * call to the test package with a random command. Meanwhile a forked
 * child hammers the parent's fds, which it may not use, and every 64
 * iterations a separate client makes a full copy round through the test
 * package that must succeed with the right bytes.
 *
 * Checked on every call: the errno is one of the documented set, and for a
 * struct with a status field the errno is the one the written-back
 * NTSTATUS maps to (status-codes.rst), or, with nothing written back, one
 * of the size-rule errnos. Afterwards: the module still works (register,
 * call, copy, verify), no /dev/clientbuf fd is left open, and every live
 * counter in debugfs is back at its baseline.
 *
 * The fuzzer keeps a model of the module's state: per fd the registered
 * buffers (id, range, flags) and the next id, the blocks allocated in
 * them, the requests pending (answered STATUS_PENDING, not yet read back
 * as a completion record), the package it serves and the server calls
 * read and not completed. Every SUCCESS (and PENDING) must be one the
 * model allows - a registration gets the next id, an unregistration or a
 * free names something the model has, a copy lies in a buffer of the
 * calling client with that access over pages mapped with that protection,
 * an allocation lies in an ALLOC buffer, a completion record answers a
 * pending request of that fd, a SERVER_OP names a call the server read -
 * and the model follows it.
 *
 * Addresses the kernel might write to (registered ranges, the server's
 * buffers, read() buffers) all lie in a sandbox mapping, so the fuzzer
 * never corrupts itself; submit buffers may be anywhere. The sandbox is
 * filled with canary bytes and laid out with canary pages around and
 * between the registered buffers; a shadow copy of it is compared after
 * every step, and a byte may only have changed inside a range the step
 * was allowed to write: the writable buffers of the calling client (a
 * test-package call), of any client (a server's copy into a client), the
 * server's own destination (a server's copy from a client) or the read()
 * buffer. Any other change fails the run at that step.
 */
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>

#include "clientbuf_hostile.h"

CB_RELEASE_SLOTS_AT_EXIT

#define DEFAULT_SEED	0xc11e7b0f5eedULL
#define DEFAULT_ITERS	20000
#define DEFAULT_SECONDS	150
#define SANDBOX_PAGES	64
#define SENTINEL	0x5e71e1a1U
#define NFDS		4
#define MAX_POOL	64
#define CHECK_EVERY	64

/* ---- the random source ---------------------------------------------- */

static __u64 rng_state;

static __u64 rnd(void)
{
	__u64 x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static __u32 rnd_below(__u32 n)
{
	return n ? (__u32)(rnd() % n) : 0;
}

static bool chance(unsigned int percent)
{
	return rnd_below(100) < percent;
}

/* ---- errno and status --------------------------------------------------- */

static const struct {
	__u32 status;
	int err;
} status_map[] = {
	{ CLIENTBUF_STATUS_PARTIAL_COPY, EFAULT },
	{ CLIENTBUF_STATUS_DEVICE_BUSY, EBUSY },
	{ CLIENTBUF_STATUS_UNSUCCESSFUL, EIO },
	{ CLIENTBUF_STATUS_ACCESS_VIOLATION, EFAULT },
	{ CLIENTBUF_STATUS_INVALID_HANDLE, ENOENT },
	{ CLIENTBUF_STATUS_INVALID_PARAMETER, EINVAL },
	{ CLIENTBUF_STATUS_NO_MEMORY, ENOMEM },
	{ CLIENTBUF_STATUS_ACCESS_DENIED, EPERM },
	{ CLIENTBUF_STATUS_OBJECT_NAME_COLLISION, EEXIST },
	{ CLIENTBUF_STATUS_PORT_DISCONNECTED, ECONNRESET },
	{ CLIENTBUF_STATUS_BUFFER_TOO_SMALL, ERANGE },
	{ CLIENTBUF_STATUS_QUOTA_EXCEEDED, EDQUOT },
	{ CLIENTBUF_STATUS_NO_SUCH_USER, ENOENT },
	{ CLIENTBUF_STATUS_WRONG_PASSWORD, EACCES },
	{ CLIENTBUF_STATUS_LOGON_FAILURE, EACCES },
	{ CLIENTBUF_STATUS_ACCOUNT_DISABLED, EPERM },
	{ CLIENTBUF_STATUS_INSUFFICIENT_RESOURCES, ENOMEM },
	{ CLIENTBUF_STATUS_NOT_SUPPORTED, EOPNOTSUPP },
	{ CLIENTBUF_STATUS_NO_SUCH_PACKAGE, ENOPKG },
	{ CLIENTBUF_STATUS_PROCESS_IS_TERMINATING, ESRCH },
	{ CLIENTBUF_STATUS_CANCELLED, ECANCELED },
};

/* clientbuf_status_to_errno(), as status-codes.rst documents it */
static int status_errno(__u32 st)
{
	unsigned int i;

	if ((st >> 30) < 2)
		return 0;
	for (i = 0; i < sizeof(status_map) / sizeof(status_map[0]); i++)
		if (status_map[i].status == st)
			return status_map[i].err;
	return EIO;
}

/*
 * Every errno an ioctl, read() or poll() of /dev/clientbuf may give
 * (EACCES: the logon statuses a package may answer, status-codes.rst).
 */
static bool errno_documented(int e)
{
	switch (e) {
	case 0: case ENOTTY: case EFAULT: case EINVAL: case E2BIG:
	case EPERM: case ENOENT: case EDQUOT: case ENOMEM: case EBUSY:
	case EEXIST: case ECONNRESET: case ERANGE: case EOPNOTSUPP:
	case ENOPKG: case ESRCH: case ECANCELED: case EIO: case EAGAIN:
	case EMSGSIZE: case EACCES:
		return true;
	}
	return false;
}

#define HIST_MAX 160

/* What one process saw; lives in shared memory for the child's part. */
struct tally {
	unsigned long iters;
	unsigned long calls;
	unsigned long ioctls[8];	/* per real nr, [7]: random cmds */
	unsigned long reads, polls, pkg_calls, rounds;
	unsigned long hist[HIST_MAX];	/* per errno */
	unsigned long bad;		/* results outside the rules */
	char first_bad[256];
};

static void tally_bad(struct tally *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tally_bad(struct tally *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->bad++) {
		va_start(ap, fmt);
		vsnprintf(t->first_bad, sizeof(t->first_bad), fmt, ap);
		va_end(ap);
	}
}

static void tally_errno(struct tally *t, int e)
{
	t->calls++;
	t->hist[e >= 0 && e < HIST_MAX ? e : 0]++;
	if (!errno_documented(e))
		tally_bad(t, "undocumented errno %d (%s)", e, strerror(e));
}

/* ---- the world the fuzzer plays in --------------------------------------- */

struct model;

struct world {
	int fds[NFDS];		/* 0, 1: clients; 2: server fd; 3: client */
	bool server[NFDS];	/* serves a package: calls to it go async */
	__u8 *sandbox;		/* the only memory the kernel may write */
	__u8 *shadow;		/* what the sandbox must hold */
	struct model *m;	/* the parent's model of the module */
	size_t sblen;
	__u64 sb_lo, sb_hi;	/* with its PROT_NONE and read-only pages */
	__u8 *argbuf;		/* the ioctl argument, before a guard page */
	__u8 *guard;
	__u8 *submit;		/* submit buffers, a cbtest_cmd at its start */
	__u8 *segs;		/* segments of vectored server ops */
	struct clientbuf_info info;
	char names[6][CLIENTBUF_PACKAGE_NAME_MAX];
	unsigned int nnames;
	__u64 addrs[MAX_POOL];	/* interesting addresses */
	unsigned int naddrs;
	__u32 ids[MAX_POOL];	/* buffer ids ever returned, any fd */
	unsigned int nids;
	__u64 call_ids[MAX_POOL]; /* call ids read from any server fd */
	unsigned int ncalls;
	__u64 blocks[MAX_POOL];	/* return addresses of packages */
	unsigned int nblocks;
	unsigned int serial;
	size_t page;
};

static void pool_add64(__u64 *pool, unsigned int *n, __u64 v)
{
	if (*n < MAX_POOL)
		pool[(*n)++] = v;
	else
		pool[rnd_below(MAX_POOL)] = v;
}

static void pool_add_id(struct world *w, __u32 id)
{
	if (w->nids < MAX_POOL)
		w->ids[w->nids++] = id;
	else
		w->ids[rnd_below(MAX_POOL)] = id;
}

/*
 * A range a package may write into: the sandbox, or memory that is never
 * mapped (below mmap_min_addr, [16 TiB, 32 TiB)), or a range the module
 * refuses anyway (NULL, wrapping, past the user address space).
 */
static bool safe_range(struct world *w, __u64 addr, __u64 len)
{
	__u64 end;

	if (!addr || !len || __builtin_add_overflow(addr, len, &end) ||
	    end > 0x7ffffffff000ULL)
		return true;
	if (addr >= w->sb_lo && end <= w->sb_hi)
		return true;
	if (end <= 0x10000)
		return true;
	return addr >= 0x100000000000ULL && end <= 0x200000000000ULL;
}

/* ---- the model ---------------------------------------------------------- */

#define MAX_MBUF	256	/* buffers, all fds */
#define MAX_MBLK	1024	/* allocated blocks, all fds */
#define MAX_MREQ	512	/* pending requests, read server calls */
#define MAX_ALLOW	(MAX_MBUF + CLIENTBUF_SRV_VEC_MAX + 4)

/* A registered buffer of fd index @fd. */
struct mbuf {
	int fd;
	__u32 id;
	__u32 flags;
	__u64 addr, len;
};

/* A block: @fd -1 when the client is unknown, @id 0 when the buffer is. */
struct mblk {
	int fd;
	__u32 id;
	__u64 addr, len;
};

/* A pending request (an fd's call id) or a server call read on an fd. */
struct mreq {
	int fd;
	__u64 id;
};

struct model {
	struct mbuf buf[MAX_MBUF];
	unsigned int nbuf;
	struct mblk blk[MAX_MBLK];
	unsigned int nblk;
	bool blk_lost;		/* a block was not recorded: no FREE checks */
	struct mreq req[MAX_MREQ];
	unsigned int nreq;
	bool req_lost;
	struct mreq call[MAX_MREQ];
	unsigned int ncall;
	bool call_lost;
	__u32 next_id[NFDS];
	bool server[NFDS];
	/* what the current step may write */
	struct { __u64 lo, hi; } allow[MAX_ALLOW];
	unsigned int nallow;
	char step[160];
	/* counts */
	unsigned long successes;	/* SUCCESS / PENDING checked */
	unsigned long writes;		/* bytes that changed where allowed */
	unsigned long steps;		/* sandbox compares */
	unsigned long max_bufs, max_blks, max_reqs;
};

static bool inside(__u64 a, __u64 alen, __u64 lo, __u64 len)
{
	return a >= lo && alen <= len && a - lo <= len - alen;
}

/* Is every page of [a, a + len) mapped writable (or readable)? */
static bool model_mapped(const struct world *w, __u64 a, __u64 len, bool wr)
{
	__u64 lo = (uintptr_t)w->sandbox;

	return inside(a, len, lo, w->sblen + (wr ? 0 : w->page));
}

static const struct mbuf *model_buf(const struct model *m, int fd, __u32 id)
{
	unsigned int i;

	for (i = 0; i < m->nbuf; i++)
		if (m->buf[i].fd == fd && m->buf[i].id == id)
			return &m->buf[i];
	return NULL;
}

/*
 * A buffer of fd @fd (any client fd for -1) holding [a, a + len) with
 * all of @flags; with @count, *@count is how many do.
 */
static const struct mbuf *model_find(const struct model *m, int fd, __u64 a,
				     __u64 len, __u32 flags,
				     unsigned int *count)
{
	const struct mbuf *found = NULL;
	unsigned int i, n = 0;

	for (i = 0; i < m->nbuf; i++) {
		const struct mbuf *b = &m->buf[i];

		if ((fd >= 0 && b->fd != fd) || (b->flags & flags) != flags ||
		    !inside(a, len, b->addr, b->len))
			continue;
		if (!found)
			found = b;
		n++;
	}
	if (count)
		*count = n;
	return found;
}

static void allow_add(struct model *m, __u64 lo, __u64 len)
{
	if (!len || m->nallow >= MAX_ALLOW)
		return;
	m->allow[m->nallow].lo = lo;
	m->allow[m->nallow].hi = lo + len < lo ? ~0ULL : lo + len;
	m->nallow++;
}

/* The writable buffers of fd @fd (-1: of every fd) may change. */
static void allow_bufs(struct model *m, int fd)
{
	unsigned int i;

	for (i = 0; i < m->nbuf; i++)
		if ((fd < 0 || m->buf[i].fd == fd) &&
		    (m->buf[i].flags & CLIENTBUF_BUF_WRITE))
			allow_add(m, m->buf[i].addr, m->buf[i].len);
}

static bool allowed(const struct model *m, __u64 a)
{
	unsigned int i;

	for (i = 0; i < m->nallow; i++)
		if (a >= m->allow[i].lo && a < m->allow[i].hi)
			return true;
	return false;
}

static void model_bad(struct model *m, struct tally *t, const char *what)
{
	tally_bad(t, "%s: %s", m->step, what);
}

/*
 * After a step: the sandbox (and the read-only page after it) may differ
 * from the shadow only where the step was allowed to write.
 */
static void model_check_memory(struct world *w, struct model *m,
			       struct tally *t)
{
	size_t n = w->sblen + w->page, off, i;
	__u8 *live = w->sandbox, *sh = w->shadow;

	m->steps++;
	for (off = 0; off < n; off += w->page) {
		if (!memcmp(live + off, sh + off, w->page))
			continue;
		for (i = off; i < off + w->page; i++) {
			if (live[i] == sh[i])
				continue;
			if (allowed(m, (uintptr_t)live + i)) {
				m->writes++;
			} else if (!t->bad) {
				char what[128];

				snprintf(what, sizeof(what), "byte %zu of the "
					 "sandbox (page %zu) changed outside "
					 "every range the step may write", i,
					 i / w->page);
				model_bad(m, t, what);
			}
			sh[i] = live[i];
		}
	}
	m->nallow = 0;
}

static void model_add_buf(struct model *m, int fd, __u32 id, __u32 flags,
			  __u64 addr, __u64 len)
{
	if (m->nbuf < MAX_MBUF) {
		m->buf[m->nbuf++] = (struct mbuf){ fd, id, flags, addr, len };
		if (m->nbuf > m->max_bufs)
			m->max_bufs = m->nbuf;
	}
	m->next_id[fd] = id + 1;
}

static void model_del_blk(struct model *m, unsigned int i)
{
	m->blk[i] = m->blk[--m->nblk];
}

static void model_unregister(struct model *m, struct tally *t, int fd,
			     __u32 id)
{
	const struct mbuf *b = model_buf(m, fd, id);
	struct mbuf gone;
	unsigned int i, n;

	if (!b) {
		model_bad(m, t, "UNREGISTER succeeded for an id the fd does "
			  "not have");
		return;
	}
	gone = *b;
	m->buf[b - m->buf] = m->buf[--m->nbuf];
	/* Its blocks go with it (those surely in it, or only in it). */
	for (i = 0; i < m->nblk; ) {
		struct mblk *k = &m->blk[i];

		if (k->fd == fd && (k->id == id ||
		    (!k->id && inside(k->addr, k->len, gone.addr, gone.len) &&
		     (model_find(m, fd, k->addr, k->len, CLIENTBUF_BUF_ALLOC,
				 &n), !n)))) {
			model_del_blk(m, i);
			continue;
		}
		i++;
	}
}

/*
 * A block the module handed out to fd @fd (-1: a server's client) from
 * buffer @want (0: any): it must lie, aligned, in an ALLOC buffer of the
 * client and overlap no live block of the same buffer.
 */
static void model_alloc(struct world *w, struct model *m, struct tally *t,
			int fd, __u32 want, __u64 addr, __u64 len)
{
	const struct mbuf *b;
	unsigned int n, i;
	__u32 id = 0;

	if (!addr || !len || addr % 16) {
		model_bad(m, t, "an allocation returned a bad block");
		return;
	}
	if (want) {
		b = fd >= 0 ? model_buf(m, fd, want) : NULL;
		if (fd >= 0 && (!b || !inside(addr, len, b->addr, b->len))) {
			model_bad(m, t, "a block outside the return buffer");
			return;
		}
		id = want;
	} else {
		b = model_find(m, fd, addr, len, CLIENTBUF_BUF_ALLOC, &n);
		if (!b) {
			model_bad(m, t, "a block outside every ALLOC buffer of "
				  "the client");
			return;
		}
		if (n == 1 && fd >= 0)
			id = b->id;
	}
	for (i = 0; id && !m->blk_lost && i < m->nblk; i++)
		if (m->blk[i].fd == fd && m->blk[i].id == id &&
		    addr < m->blk[i].addr + m->blk[i].len &&
		    m->blk[i].addr < addr + len)
			model_bad(m, t, "a block overlapping a live block");
	(void)w;
	if (m->nblk >= MAX_MBLK) {
		m->blk_lost = true;
		return;
	}
	m->blk[m->nblk++] = (struct mblk){ fd, id, addr, len };
	if (m->nblk > m->max_blks)
		m->max_blks = m->nblk;
}

/*
 * A block freed on fd @fd (-1: by a server) in buffer @id (0: any):
 * the model must have it.
 */
static void model_free(struct model *m, struct tally *t, int fd, __u32 id,
		       __u64 addr)
{
	const struct mbuf *b = fd >= 0 && id ? model_buf(m, fd, id) : NULL;
	unsigned int i, found = m->nblk, n = 0;

	for (i = 0; i < m->nblk; i++) {
		const struct mblk *k = &m->blk[i];

		if (k->addr != addr)
			continue;
		if (fd >= 0 && k->fd >= 0 && k->fd != fd)
			continue;
		if (id && k->id && k->id != id)
			continue;
		if (id && !k->id && (!b || !inside(k->addr, k->len, b->addr,
						   b->len)))
			continue;
		if (found == m->nblk)
			found = i;
		n++;
	}
	if (n > 1)
		m->blk_lost = true;	/* which one it was is not known */
	if (found < m->nblk) {
		model_del_blk(m, found);
		return;
	}
	if (!m->blk_lost)
		model_bad(m, t, "a free succeeded for a block the model does "
			  "not have");
}

static void model_pending(struct model *m, struct tally *t, int fd,
			  __u64 id, bool async)
{
	if (!async) {
		model_bad(m, t, "a synchronous call answered PENDING");
		return;
	}
	if (m->nreq >= MAX_MREQ) {
		m->req_lost = true;
		return;
	}
	m->req[m->nreq++] = (struct mreq){ fd, id };
	if (m->nreq > m->max_reqs)
		m->max_reqs = m->nreq;
}

/* A record read on fd @fd: a completion of one of its pending requests. */
static void model_completion(struct model *m, struct tally *t, int fd,
			     __u64 id)
{
	unsigned int i;

	for (i = 0; i < m->nreq; i++)
		if (m->req[i].fd == fd && m->req[i].id == id) {
			m->req[i] = m->req[--m->nreq];
			return;
		}
	if (!m->req_lost)
		model_bad(m, t, "a completion record for no pending request "
			  "of the fd");
}

static struct mreq *model_call(struct model *m, int fd, __u64 id)
{
	unsigned int i;

	for (i = 0; i < m->ncall; i++)
		if (m->call[i].fd == fd && m->call[i].id == id)
			return &m->call[i];
	return NULL;
}

/*
 * A call of the test package on fd @fd answered: what it did must be
 * allowed. @cmd is what it was asked, @c the ioctl's answer.
 */
static void model_pkg_call(struct world *w, struct model *m, struct tally *t,
			   int fd, const struct cbtest_cmd *cmd,
			   const struct clientbuf_call *c)
{
	bool async = c->flags & CLIENTBUF_CALL_ASYNC;

	if (c->status == CLIENTBUF_STATUS_PENDING) {
		model_pending(m, t, fd, c->request_id, async);
		return;
	}
	if (c->status != CLIENTBUF_STATUS_SUCCESS || !cmd ||
	    cmd->flags & (CBTEST_F_NULL_REQUEST | CBTEST_F_STALE_REQUEST))
		return;
	m->successes++;
	switch (cmd->op) {
	case CBTEST_OP_COPY_TO:
	case CBTEST_OP_COPY_FROM: {
		bool to = cmd->op == CBTEST_OP_COPY_TO;

		if (!cmd->len)
			break;
		if (!model_find(m, fd, cmd->addr, cmd->len,
				to ? CLIENTBUF_BUF_WRITE : CLIENTBUF_BUF_READ,
				NULL))
			model_bad(m, t, "a copy succeeded outside every "
				  "buffer of the client with that access");
		else if (!model_mapped(w, cmd->addr, cmd->len, to))
			model_bad(m, t, "a copy succeeded over pages not "
				  "mapped with that protection");
		break;
	}
	case CBTEST_OP_ALLOC:
	case CBTEST_OP_ALLOC_COPY:
	case CBTEST_OP_INFO:
	case CBTEST_OP_TABLE:		/* its answer is an allocated block */
		model_alloc(w, m, t, fd, c->return_buf_id, c->return_addr,
			    c->return_len);
		if (cmd->op != CBTEST_OP_ALLOC &&
		    !model_mapped(w, c->return_addr, c->return_len, true))
			model_bad(m, t, "a block was filled over pages not "
				  "mapped writable");
		break;
	case CBTEST_OP_FREE:
		if (cmd->addr)
			model_free(m, t, fd, 0, cmd->addr);
		break;
	}
}

/* Before an ioctl of @nr on fd @x with argument @p: what it may write. */
static void model_before_ioctl(struct world *w, struct model *m, int x,
			       int nr, const __u8 *p, bool readable)
{
	const struct clientbuf_call *call = (const void *)p;
	const struct clientbuf_server_op *op = (const void *)p;

	size_t l = strlen(m->step);

	snprintf(m->step + l, sizeof(m->step) - l, ", ioctl nr %d on fd %d",
		 nr, x);
	if (!readable)
		return;
	if (nr == 3 && !strncmp(call->package, CBTEST_PACKAGE,
				sizeof(call->package)))
		allow_bufs(m, -1);	/* STALE_REQUEST reaches any client */
	if (nr != 6)
		return;
	switch (op->op) {
	case CLIENTBUF_SRV_COPY_TO:
	case CLIENTBUF_SRV_COPY_TO_VEC:
		allow_bufs(m, -1);
		break;
	case CLIENTBUF_SRV_COPY_FROM:
		allow_add(m, op->server_addr, op->len);
		break;
#ifdef CLIENTBUF_SRV_VEC_MAX
	case CLIENTBUF_SRV_COPY_FROM_VEC:
		if (op->server_addr == (uintptr_t)w->segs) {
			const struct clientbuf_segment *seg = (void *)w->segs;
			__u32 i;

			for (i = 0; i < op->len && i < CLIENTBUF_SRV_VEC_MAX;
			     i++)
				allow_add(m, seg[i].server_addr, seg[i].len);
		}
		break;
#endif
	}
}

/* After a real ioctl @nr on fd @x answered errno @e with the struct @p. */
static void model_after_ioctl(struct world *w, struct model *m,
			      struct tally *t, int x, int nr, const __u8 *p,
			      const struct cbtest_cmd *cmd, int e)
{
	const struct clientbuf_register *reg = (const void *)p;
	const struct clientbuf_unregister *ur = (const void *)p;
	const struct clientbuf_call *call = (const void *)p;
	const struct clientbuf_free *fr = (const void *)p;
	const struct clientbuf_server_op *op = (const void *)p;
	unsigned int n, mine;
	struct mreq *c;

	if (e)
		return;
	switch (nr) {
	case 1:
		if (reg->status != CLIENTBUF_STATUS_SUCCESS)
			break;
		m->successes++;
		if (reg->id != m->next_id[x])
			model_bad(m, t, "REGISTER gave an id that is not the "
				  "next one");
		if (!reg->len || !(reg->flags & (CLIENTBUF_BUF_READ |
						 CLIENTBUF_BUF_WRITE)) ||
		    ((reg->flags & CLIENTBUF_BUF_ALLOC) &&
		     !(reg->flags & CLIENTBUF_BUF_WRITE)))
			model_bad(m, t, "REGISTER succeeded with bad flags or "
				  "length");
		/* Pinned: mapped with the access it asks for (userspace-api) */
		if ((reg->flags & CLIENTBUF_BUF_PIN) &&
		    !model_mapped(w, reg->addr, reg->len,
				  reg->flags & CLIENTBUF_BUF_WRITE)) {
			char what[160];

			snprintf(what, sizeof(what), "REGISTER pinned pages "
				 "not mapped with the access (flags %#x, "
				 "sandbox offset %lld, length %llu)",
				 reg->flags, (long long)(reg->addr -
				 (uintptr_t)w->sandbox),
				 (unsigned long long)reg->len);
			model_bad(m, t, what);
		}
		model_add_buf(m, x, reg->id, reg->flags, reg->addr, reg->len);
		for (n = 0, mine = 0; n < m->nbuf; n++)
			mine += m->buf[n].fd == x;
		if (mine > w->info.max_buffers)
			model_bad(m, t, "more buffers than max_buffers");
		break;
	case 2:
		if (ur->status == CLIENTBUF_STATUS_SUCCESS) {
			m->successes++;
			model_unregister(m, t, x, ur->id);
		}
		break;
	case 3:
		if (!strncmp(call->package, CBTEST_PACKAGE,
			     sizeof(call->package))) {
			model_pkg_call(w, m, t, x, cmd, call);
		} else if (call->status == CLIENTBUF_STATUS_PENDING) {
			m->successes++;
			model_pending(m, t, x, call->request_id,
				      call->flags & CLIENTBUF_CALL_ASYNC);
		}
		break;
	case 4:
		if (fr->status == CLIENTBUF_STATUS_SUCCESS) {
			m->successes++;
			model_free(m, t, x, fr->id, fr->addr);
		}
		break;
	case 5:
		if (((const struct clientbuf_serve *)p)->status)
			break;
		m->successes++;
		/* (its new server fd is closed at once: the package gone) */
		if (m->server[x])
			model_bad(m, t, "SERVE succeeded on a server fd");
		break;
	case 6:
		if (op->status != CLIENTBUF_STATUS_SUCCESS)
			break;
		m->successes++;
		c = model_call(m, x, op->call_id);
		if (!c) {
			if (!m->call_lost)
				model_bad(m, t, "SERVER_OP succeeded on a call "
					  "the server did not read");
			break;
		}
		switch (op->op) {
		case CLIENTBUF_SRV_COPY_TO:
		case CLIENTBUF_SRV_COPY_FROM:
			if (op->len && !model_find(m, -1, op->client_addr,
						   op->len,
						   op->op == CLIENTBUF_SRV_COPY_TO ?
						   CLIENTBUF_BUF_WRITE :
						   CLIENTBUF_BUF_READ, NULL))
				model_bad(m, t, "a server copy succeeded "
					  "outside every client buffer");
			if (op->op == CLIENTBUF_SRV_COPY_FROM && op->len &&
			    !model_mapped(w, op->server_addr, op->len, true))
				model_bad(m, t, "a server copy wrote server "
					  "memory that is not writable");
			break;
		case CLIENTBUF_SRV_ALLOC:
			model_alloc(w, m, t, -1, 0, op->result_addr, op->len);
			break;
		case CLIENTBUF_SRV_FREE:
			if (op->client_addr)
				model_free(m, t, -1, 0, op->client_addr);
			break;
		case CLIENTBUF_SRV_COMPLETE:
			*c = m->call[--m->ncall];
			break;
		}
		break;
	}
}

/* A read() on fd @x returned @r bytes at @buf. */
static void model_after_read(struct model *m, struct tally *t, int x,
			     const __u8 *buf, ssize_t r)
{
	const size_t rec = sizeof(struct clientbuf_completion);
	struct clientbuf_completion c;
	ssize_t off;
	__u64 id;

	if (r <= 0)
		return;
	m->successes++;
	if (m->server[x]) {
		memcpy(&id, buf, sizeof(id));
		if (m->ncall >= MAX_MREQ)
			m->call_lost = true;
		else
			m->call[m->ncall++] = (struct mreq){ x, id };
		return;
	}
	for (off = 0; off + (ssize_t)rec <= r; off += rec) {
		memcpy(&c, buf + off, rec);
		model_completion(m, t, x, c.request_id);
	}
}

static __u32 any_u32(struct world *w)
{
	const __u32 v[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 17, 63, 64, 0x7f, 0x80, 0xff,
		0x100, 4095, 4096, 4097, 65535, 65536, 0x7fffffff, 0x80000000U,
		0xfffffffeU, 0xffffffffU, SENTINEL,
		w->info.max_submit_len, w->info.max_submit_len + 1,
		w->info.max_allocs, w->info.max_pending, w->info.max_buffers,
	};

	if (chance(10))
		return (__u32)rnd();
	return v[rnd_below(sizeof(v) / sizeof(v[0]))];
}

static __u32 any_id(struct world *w)
{
	if (w->nids && chance(70))
		return w->ids[rnd_below(w->nids)];
	return any_u32(w);
}

static __u64 any_addr(struct world *w)
{
	if (w->nblocks && chance(10))
		return w->blocks[rnd_below(w->nblocks)];
	return w->addrs[rnd_below(w->naddrs)] + (chance(20) ?
		(__u64)(__s64)(__s32)(rnd_below(64) - 32) : 0);
}

/* Where a server may have the kernel write: the sandbox, or nowhere. */
static __u64 any_server_addr(struct world *w)
{
	const __u64 bad[] = { 0, 1, CB_KERNEL_ADDR, ~0ULL - 15,
			      0x8000000000000000ULL, (uintptr_t)w->guard,
			      w->sb_lo, w->sb_hi - 8 };

	if (chance(20))
		return bad[rnd_below(sizeof(bad) / sizeof(bad[0]))];
	return (uintptr_t)w->sandbox + rnd_below((__u32)w->sblen);
}

/* Lengths a package may kvmalloc() - see the report in the commit. */
static __u32 any_len(struct world *w)
{
	const __u32 v[] = {
		0, 1, 15, 16, 17, 64, 4095, 4096, 4097, 65536,
		(__u32)w->sblen - 1, (__u32)w->sblen, (__u32)w->sblen + 1,
		1U << 20, 0x80000000U, 0xffffffffU,
	};

	return v[rnd_below(sizeof(v) / sizeof(v[0]))];
}

static __u64 any_len64(struct world *w)
{
	const __u64 v[] = {
		0, 1, 4096, w->sblen, w->sblen + 1, 1ULL << 30,
		w->info.max_buffer_bytes, w->info.max_buffer_bytes + 1,
		1ULL << 47, ~0ULL, ~0ULL - 4095,
	};

	if (chance(30))
		return any_len(w);
	return v[rnd_below(sizeof(v) / sizeof(v[0]))];
}

static void any_name(struct world *w, char *name)
{
	memset(name, 0, CLIENTBUF_PACKAGE_NAME_MAX);
	switch (rnd_below(8)) {
	case 0:
		break;				/* empty */
	case 1:
		memset(name, 'z', CLIENTBUF_PACKAGE_NAME_MAX); /* unterminated */
		break;
	case 2:
		snprintf(name, CLIENTBUF_PACKAGE_NAME_MAX, "fz.%d.%u",
			 (int)getpid(), w->serial++ % 4);
		break;
	default:
		memcpy(name, w->names[rnd_below(w->nnames)],
		       CLIENTBUF_PACKAGE_NAME_MAX);
	}
}

/* A cbtest_cmd for the test package, in the submit buffer. */
static void any_cmd(struct world *w, struct cbtest_cmd *c)
{
	memset(c, 0, sizeof(*c));
	c->op = rnd_below(10);
	c->ctx = chance(85) ? CBTEST_CTX_CALLER : rnd_below(4);
	c->addr = any_addr(w);
	c->len = any_len(w);
	/* A package's kvmalloc(len) must stay sane: see the report. */
	if (c->len > (1U << 20) &&
	    (c->op == CBTEST_OP_COPY_TO || c->op == CBTEST_OP_COPY_FROM ||
	     c->op == CBTEST_OP_ALLOC_COPY))
		c->len = 1U << 20;
	c->seed = (__u32)rnd();
	if (c->op == CBTEST_OP_STATUS)
		c->seed = chance(50) ? any_u32(w) : status_map[rnd_below(
			sizeof(status_map) / sizeof(status_map[0]))].status;
	/* STATUS_PENDING with nobody to complete it would hang the call. */
	if (c->op == CBTEST_OP_STATUS &&
	    (c->seed == CLIENTBUF_STATUS_PENDING || c->seed == SENTINEL))
		c->seed = CLIENTBUF_STATUS_UNSUCCESSFUL;
	if (chance(20))
		c->flags = rnd_below(16);
	c->handle = chance(90) ? rnd_below(8) : any_u32(w);
	if (chance(5))
		c->reserved = 1;
	if (chance(5))
		c->reserved2 = any_u32(w);
}

/* ---- one iteration ---------------------------------------------------- */

static const unsigned long real_cmds[7] = {
	CLIENTBUF_IOC_GET_INFO, CLIENTBUF_IOC_REGISTER,
	CLIENTBUF_IOC_UNREGISTER, CLIENTBUF_IOC_CALL_PACKAGE,
	CLIENTBUF_IOC_FREE, CLIENTBUF_IOC_SERVE, CLIENTBUF_IOC_SERVER_OP,
};
static const unsigned int status_off[7] = {
	0, offsetof(struct clientbuf_register, status),
	offsetof(struct clientbuf_unregister, status),
	offsetof(struct clientbuf_call, status),
	offsetof(struct clientbuf_free, status),
	offsetof(struct clientbuf_serve, status),
	offsetof(struct clientbuf_server_op, status),
};

#ifdef CLIENTBUF_SRV_VEC_MAX
#define NSEGS	16
/* A vectored op: segments in their own array, aimed like COPY_TO/FROM. */
static void build_segments(struct world *w, struct clientbuf_server_op *op)
{
	struct clientbuf_segment *seg = (void *)w->segs;
	const __u32 counts[] = { 0, 1, 2, 3, NSEGS, CLIENTBUF_SRV_VEC_MAX,
				 CLIENTBUF_SRV_VEC_MAX + 1, 0xffffffffU };
	unsigned int i;

	memset(seg, 0, CLIENTBUF_SRV_VEC_MAX * sizeof(*seg));
	for (i = 0; i < NSEGS; i++) {
		seg[i].client_addr = any_addr(w);
		seg[i].server_addr = any_server_addr(w);
		seg[i].len = any_len(w);
		if (seg[i].len > (1U << 20) && seg[i].len <= 0x7fffffffU)
			seg[i].len = 1U << 20;
		seg[i].reserved = chance(3) ? any_u32(w) : 0;
	}
	op->server_addr = chance(90) ? (uintptr_t)seg : any_server_addr(w);
	op->len = chance(70) ? 1 + rnd_below(NSEGS) :
		  counts[rnd_below(sizeof(counts) / sizeof(counts[0]))];
}
#endif

/* A struct for @nr that starts valid, then has fields replaced. */
static __u32 build(struct world *w, int nr, __u8 *p, size_t room,
		   bool *force_async)
{
	union hx_ioc_arg u;
	__u32 size = _IOC_SIZE(real_cmds[nr]);

	memset(&u, 0, sizeof(u));
	switch (nr) {
	case 1:
		u.reg.flags = chance(80) ? 1 + rnd_below(15) : any_u32(w);
		u.reg.addr = any_addr(w);
		u.reg.len = any_len64(w);
		if (!safe_range(w, u.reg.addr, u.reg.len)) {
			u.reg.addr = (uintptr_t)w->sandbox +
				     rnd_below((__u32)w->sblen);
			u.reg.len = w->sb_hi - u.reg.addr -
				    rnd_below(2 * (__u32)w->page);
		}
		break;
	case 2:
		u.unreg.id = any_id(w);
		if (chance(5))
			u.unreg.reserved = any_u32(w);
		break;
	case 3:
		u.call.flags = chance(90) ? rnd_below(2) : any_u32(w);
		any_name(w, u.call.package);
		u.call.submit_addr = chance(70) ? (uintptr_t)w->submit :
				     any_addr(w);
		u.call.submit_len = chance(70) ? sizeof(struct cbtest_cmd) :
				    any_u32(w);
		u.call.return_buf_id = chance(60) ? 0 : any_id(w);
		if (chance(5))
			u.call.reserved = any_u32(w);
		any_cmd(w, (struct cbtest_cmd *)w->submit);
		/*
		 * Nothing but clientbuf_test answers a sync call here (a
		 * server of ours would never answer: we are single-threaded),
		 * and HOLD is answered later.
		 */
		if (strncmp(u.call.package, CBTEST_PACKAGE,
			    sizeof(u.call.package)) ||
		    ((struct cbtest_cmd *)w->submit)->op == CBTEST_OP_HOLD) {
			u.call.flags |= CLIENTBUF_CALL_ASYNC;
			*force_async = true;
		}
		break;
	case 4:
		u.fr.id = any_id(w);
		u.fr.addr = any_addr(w);
		if (chance(5))
			u.fr.reserved = any_u32(w);
		break;
	case 5:
		u.serve.flags = chance(90) ? 0 : any_u32(w);
		any_name(w, u.serve.package);
		if (chance(5))
			u.serve.fd = any_u32(w);	/* out only */
		break;
	case 6:
		u.op.op = chance(90) ? 1 + rnd_below(5) : any_u32(w);
		u.op.call_id = w->ncalls && chance(80) ?
			       w->call_ids[rnd_below(w->ncalls)] : any_u32(w);
		u.op.client_addr = any_addr(w);
		u.op.server_addr = any_server_addr(w);
		u.op.len = any_len(w);
		/* the bounce buffer: see the report */
		if (u.op.len > (1U << 20) && u.op.len <= 0x7fffffffU)
			u.op.len = 1U << 20;
		u.op.call_status = chance(50) ? 0 : any_u32(w);
		u.op.protocol_status = any_u32(w);
		if (chance(5))
			u.op.reserved = 1;
		if (chance(5))
			u.op.reserved2 = any_u32(w);
#ifdef CLIENTBUF_SRV_VEC_MAX
		if (chance(10))
			u.op.op = CLIENTBUF_SRV_COPY_TO_VEC + rnd_below(2);
		if (u.op.op == CLIENTBUF_SRV_COPY_TO_VEC ||
		    u.op.op == CLIENTBUF_SRV_COPY_FROM_VEC)
			build_segments(w, &u.op);
#endif
		break;
	}
	u.info.size = size;
	if (nr)
		memcpy((__u8 *)&u + status_off[nr], &(__u32){ SENTINEL }, 4);
	memcpy(p, &u, size);

	/* the size: mostly right; sometimes too small, larger, huge */
	if (chance(8)) {
		const __u32 sizes[] = { 0, 1, 4, size - 1, size + 1, size + 8,
					size + 64, 4096, 0xffffffffU };
		__u32 s = sizes[rnd_below(sizeof(sizes) / sizeof(sizes[0]))];

		memcpy(p, &s, 4);
		if (s > size && s <= room && chance(50))
			p[s - 1] = 1;		/* a non-zero tail */
		return s;
	}
	return size;
}

static void note_results(struct world *w, int nr, const __u8 *p)
{
	const struct clientbuf_register *reg = (const void *)p;
	const struct clientbuf_call *call = (const void *)p;

	if (nr == 1 && reg->status == CLIENTBUF_STATUS_SUCCESS)
		pool_add_id(w, reg->id);
	if (nr == 3 && call->status == CLIENTBUF_STATUS_SUCCESS &&
	    call->return_addr)
		pool_add64(w->blocks, &w->nblocks, call->return_addr);
}

/* One ioctl: a real command (maybe with a hostile pointer) or a random one. */
static void fuzz_ioctl(struct world *w, struct tally *t, int x,
		       bool is_parent)
{
	bool force_async = false, readable = true;
	int nr = rnd_below(7), ret, e, fd = w->fds[x];
	struct cbtest_cmd cmd_copy, *cmdp = NULL;
	unsigned long cmd = real_cmds[nr];
	__u8 *p = w->argbuf;
	__u32 st;

	if (chance(10)) {
		/* A random command; a real one gets its own struct. */
		cmd = _IOC(rnd_below(4), CLIENTBUF_IOC_MAGIC, rnd_below(16),
			   chance(50) ? _IOC_SIZE(cmd) : rnd_below(1 << 14));
		if (_IOC_NR(cmd) < 7)
			nr = _IOC_NR(cmd);
	}
	memset(w->argbuf, 0, 2 * w->page);
	/* the struct mostly mid-page, sometimes right at the guard */
	if (chance(10))
		p = w->guard - _IOC_SIZE(real_cmds[nr]);
	build(w, nr, p, (size_t)(w->guard - p), &force_async);
	if (chance(3)) {
		const __u64 bad[] = { 0, 1, CB_KERNEL_ADDR, ~0ULL - 3,
				      0x8000000000000000ULL };

		p = (__u8 *)(uintptr_t)(chance(50) ? (uintptr_t)w->guard :
					bad[rnd_below(5)]);
		readable = false;
	}
	if (is_parent && readable && nr == 3 &&
	    ((struct clientbuf_call *)p)->submit_addr == (uintptr_t)w->submit &&
	    ((struct clientbuf_call *)p)->submit_len >= sizeof(cmd_copy)) {
		memcpy(&cmd_copy, w->submit, sizeof(cmd_copy));
		cmdp = &cmd_copy;
	}
	if (is_parent && _IOC_NR(cmd) == (unsigned int)nr)
		model_before_ioctl(w, w->m, x, nr, p, readable);
	t->ioctls[cmd == real_cmds[nr] ? nr : 7]++;
	ret = ioctl(fd, cmd, p);
	e = ret ? errno : 0;
	if (ret && ret != -1)
		tally_bad(t, "ioctl %#lx returned %d", cmd, ret);
	tally_errno(t, e);
	if (!readable || nr == 0 || _IOC_NR(cmd) != (unsigned int)nr ||
	    _IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE))
		return;
	memcpy(&st, p + status_off[nr], 4);
	if (st == SENTINEL) {
		if (e != EINVAL && e != E2BIG && e != EFAULT && e != ENOTTY)
			tally_bad(t, "nr %d: errno %d (%s) with no status", nr,
				  e, strerror(e));
	} else if (e != status_errno(st)) {
		tally_bad(t, "nr %d: errno %d (%s) for status %#x (errno %d)",
			  nr, e, strerror(e), st, status_errno(st));
	}
	/* A new server fd: closing it ends the package at once. */
	if (nr == 5 && !e)
		close(((struct clientbuf_serve *)p)->fd);
	if (is_parent && !e)
		note_results(w, nr, p);
	/* (the dispatcher ignores the size bits of the command) */
	if (is_parent)
		model_after_ioctl(w, w->m, t, x, nr, p, cmdp, e);
}

static void fuzz_read(struct world *w, struct tally *t, int x)
{
	int fd = w->fds[x];
	const size_t sizes[] = { 0, 1, sizeof(struct clientbuf_completion),
				 sizeof(struct clientbuf_server_call),
				 sizeof(struct clientbuf_server_call) + 40,
				 4096, w->sblen };
	size_t n = sizes[rnd_below(sizeof(sizes) / sizeof(sizes[0]))];
	__u8 *buf = w->sandbox + (chance(90) ? 0 : w->sblen - 8);
	ssize_t r;

	if (chance(3))
		buf = (__u8 *)(uintptr_t)CB_KERNEL_ADDR;
	t->reads++;
	strcat(w->m->step, ", read()");
	allow_add(w->m, (uintptr_t)buf, n);
	r = read(fd, buf, n);
	tally_errno(t, r < 0 ? errno : 0);
	model_after_read(w->m, t, x, buf, r);
	if (r >= (ssize_t)sizeof(struct clientbuf_server_call) &&
	    buf == w->sandbox) {
		/* a server record (or a completion): remember the id */
		__u64 id;

		memcpy(&id, buf, sizeof(id));
		pool_add64(w->call_ids, &w->ncalls, id);
	}
}

static void fuzz_poll(struct tally *t, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

	t->polls++;
	tally_errno(t, poll(&pfd, 1, 0) < 0 ? errno : 0);
}

/* ---- the checker: a client the fuzzer never touches ---------------------- */

struct checker {
	int fd;
	__u8 *buf;
	size_t len;
};

/* A full round; 0 or a description of what went wrong. */
static const char *check_round(struct checker *c, __u32 seed, __u32 ctx)
{
	size_t off = seed % 64, len = c->len / 2 + seed % 1000;
	struct cb_res res;

	memset(c->buf, 0, c->len);
	res = cbt_op(c->fd, CBTEST_OP_COPY_TO, ctx, c->buf + off, (__u32)len,
		     seed, 0);
	if (res.err || res.status)
		return "COPY_TO failed";
	if (cb_not_byte(c->buf, off, 0) >= 0 ||
	    cb_mismatch(c->buf + off, len, seed) >= 0 ||
	    cb_not_byte(c->buf + off + len, c->len - off - len, 0) >= 0)
		return "COPY_TO wrote the wrong bytes";
	res = cbt_op(c->fd, CBTEST_OP_COPY_FROM, ctx, c->buf + off,
		     (__u32)len, seed, 0);
	if (res.err || res.status || res.proto)
		return "COPY_FROM failed";
	return NULL;
}

/* ---- the fork child: the parent's fds are not its own ------------------ */

static void child_fuzz(struct world *w, struct tally *t, unsigned long iters,
		       __u64 seed)
{
	struct clientbuf_completion rec;
	unsigned long i;
	int fd, x;

	rng_state = seed ^ 0xc41d;
	for (i = 0; i < iters; i++) {
		x = rnd_below(NFDS);
		fd = w->fds[x];
		t->iters++;
		if (chance(5)) {
			ssize_t r = read(fd, &rec, sizeof(rec));

			t->reads++;
			tally_errno(t, r < 0 ? errno : 0);
			if (r >= 0 || errno != EPERM)
				tally_bad(t, "child read: %zd, errno %d", r,
					  errno);
			continue;
		}
		fuzz_ioctl(w, t, x, false);
	}
}

static void child_check(struct tally *t)
{
	int e;

	/* Only the size rules, bad pointers, bad commands and EPERM. */
	for (e = 1; e < HIST_MAX; e++)
		if (t->hist[e] && e != EPERM && e != EINVAL && e != E2BIG &&
		    e != EFAULT && e != ENOTTY)
			tally_bad(t, "child saw errno %d (%s) %lu times", e,
				  strerror(e), t->hist[e]);
}

/* ---- the test ---------------------------------------------------------- */

static __u64 env_u64(const char *name, __u64 def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

static void print_tally(const char *who, const struct tally *t)
{
	char line[1024];
	size_t n = 0;
	int e;

	ksft_print_msg("%s: %lu iterations, %lu calls (GET_INFO %lu, REGISTER %lu, UNREGISTER %lu, CALL_PACKAGE %lu, FREE %lu, SERVE %lu, SERVER_OP %lu, random commands %lu; read %lu, poll %lu, package calls %lu, checker rounds %lu)\n",
		       who, t->iters, t->calls, t->ioctls[0], t->ioctls[1],
		       t->ioctls[2], t->ioctls[3], t->ioctls[4], t->ioctls[5],
		       t->ioctls[6], t->ioctls[7], t->reads, t->polls,
		       t->pkg_calls, t->rounds);
	for (e = 0; e < HIST_MAX; e++)
		if (t->hist[e] && n < sizeof(line) - 64)
			n += snprintf(line + n, sizeof(line) - n, " %s:%lu",
				      e ? strerrorname_np(e) : "OK",
				      t->hist[e]);
	ksft_print_msg("%s: errnos%s\n", who, line);
}

/* No fd of this process is open on /dev/clientbuf* any more. */
static int clientbuf_fds_open(void)
{
	char path[300], target[256];
	struct dirent *d;
	int n = 0;
	ssize_t len;
	DIR *dir = opendir("/proc/self/fd");

	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", d->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = 0;
		if (strstr(target, "/dev/clientbuf"))
			n++;
	}
	closedir(dir);
	return n;
}

FIXTURE(fuzz) {
	struct world w;
	struct checker chk;
	struct cb_live base;
	struct tally *t;	/* [0] parent, [1] child; shared */
};

FIXTURE_SETUP(fuzz)
{
	struct world *w = &self->w;
	__u8 *sb;
	__u32 id;
	int i;

	if (geteuid())
		SKIP(return, "the fuzzer serves a package: needs root");
	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	memset(w, 0, sizeof(*w));
	w->page = cb_page();
	w->m = calloc(1, sizeof(*w->m));
	ASSERT_NE(NULL, w->m);
	for (i = 0; i < NFDS; i++)
		w->m->next_id[i] = 1;
	self->t = mmap(NULL, 2 * sizeof(struct tally), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->t);
	memset(self->t, 0, 2 * sizeof(struct tally));

	for (i = 0; i < NFDS; i++) {
		w->fds[i] = open(CB_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		ASSERT_LE(0, w->fds[i]);
	}
	ASSERT_EQ(0, cb_get_info(w->fds[0], &w->info));

	/* sandbox: a PROT_NONE page, rw, a read-only page, a PROT_NONE page */
	w->sblen = SANDBOX_PAGES * w->page;
	sb = cb_map(w->sblen + 3 * w->page);
	ASSERT_NE(NULL, sb);
	ASSERT_EQ(0, mprotect(sb, w->page, PROT_NONE));
	w->sb_lo = (uintptr_t)sb;
	sb += w->page;
	w->sandbox = sb;
	for (i = 0; i < (int)w->page; i++)
		sb[w->sblen + i] = (__u8)(0xa5 ^ ((w->sblen + i) * 7) ^
					  ((w->sblen + i) >> 12));
	ASSERT_EQ(0, mprotect(sb + w->sblen, w->page, PROT_READ));
	ASSERT_EQ(0, mprotect(sb + w->sblen + w->page, w->page, PROT_NONE));
	w->sb_hi = (uintptr_t)sb + w->sblen + 2 * w->page;
	/* the rw pages and the read-only one after them */
	w->shadow = malloc(w->sblen + w->page);
	ASSERT_NE(NULL, w->shadow);
	w->guard = hx_map_guarded(2);
	ASSERT_NE(NULL, w->guard);
	w->argbuf = w->guard - 2 * w->page;
	w->submit = cb_map(w->info.max_submit_len + w->page);
	ASSERT_NE(NULL, w->submit);
	w->segs = cb_map(64 * w->page);
	ASSERT_NE(NULL, w->segs);

	{
		const __u64 a[] = {
			(uintptr_t)sb, (uintptr_t)sb + 8, (uintptr_t)sb + 4093,
			(uintptr_t)sb + w->page, (uintptr_t)sb + 16 * w->page,
			(uintptr_t)sb + 32 * w->page,
			(uintptr_t)sb + 48 * w->page,
			(uintptr_t)sb + w->sblen - 16,
			(uintptr_t)sb + w->sblen - 1, (uintptr_t)sb + w->sblen,
			(uintptr_t)sb + w->sblen + w->page,
			(uintptr_t)sb - 1, (uintptr_t)w->guard,
			(uintptr_t)w->submit,
			0, 1, 4096, CB_KERNEL_ADDR, ~0ULL, ~0ULL - 15,
			0x7ffffffff000ULL, 0x7fffffffe000ULL,
			0x8000000000000000ULL, 0x100000000000ULL,
		};

		for (i = 0; i < (int)(sizeof(a) / sizeof(a[0])); i++)
			w->addrs[w->naddrs++] = a[i];
	}

	/*
	 * The sandbox holds canary bytes, and fd 0's buffers have canary
	 * pages around and between them: 0 | RW 1-11 | 12 | W+ALLOC 13-23 |
	 * 24 | RW+PIN 25-28 | 29-63, where the fuzzer registers more. fd 1
	 * has one RW+ALLOC buffer over pages 6-17, across fd 0's canary 12.
	 */
	for (i = 0; i < (int)(w->sblen + w->page); i++)
		w->shadow[i] = (__u8)(0xa5 ^ (i * 7) ^ (i >> 12));
	memcpy(sb, w->shadow, w->sblen);
	{
		static const struct { int fd, first, n; __u32 flags; } layout[] = {
			{ 0, 1, 11, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ },
			{ 0, 13, 11, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC },
			{ 0, 25, 4, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ |
				    CLIENTBUF_BUF_PIN },
			{ 1, 6, 12, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ |
				    CLIENTBUF_BUF_ALLOC },
		};
		unsigned int k;

		for (k = 0; k < sizeof(layout) / sizeof(layout[0]); k++) {
			__u8 *a = sb + layout[k].first * w->page;
			size_t len = layout[k].n * w->page;

			test_register(w->fds[layout[k].fd], layout[k].flags, a,
				      len, &id);
			ASSERT_EQ(w->m->next_id[layout[k].fd], id);
			model_add_buf(w->m, layout[k].fd, id, layout[k].flags,
				      (uintptr_t)a, len);
			pool_add_id(w, id);
		}
	}

	/* fd 2 serves a package */
	snprintf(w->names[0], sizeof(w->names[0]), "fuzz.%d", (int)getpid());
	{
		struct clientbuf_serve s = { .size = sizeof(s) };

		memcpy(s.package, w->names[0], sizeof(s.package));
		ASSERT_EQ(0, ioctl(w->fds[2], CLIENTBUF_IOC_SERVE, &s));
		/* fd 2 (no buffers) is the server fd from now on */
		ASSERT_EQ(0, close(w->fds[2]));
		w->fds[2] = s.fd;
		ASSERT_EQ(0, fcntl(s.fd, F_SETFL, O_NONBLOCK));
		w->server[2] = true;
		w->m->server[2] = true;
	}
	strcpy(w->names[1], CBTEST_PACKAGE);
	strcpy(w->names[2], CBTEST_PACKAGE);
	strcpy(w->names[3], CBTEST_PACKAGE);
	strcpy(w->names[4], "no_such_package");
	strcpy(w->names[5], "clientbuf_tes");
	w->nnames = 6;

	/* the checker: a client of its own */
	self->chk.fd = cb_open();
	ASSERT_LE(0, self->chk.fd);
	self->chk.len = 8 * w->page;
	self->chk.buf = cb_map(self->chk.len);
	ASSERT_NE(NULL, self->chk.buf);
	test_register(self->chk.fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ,
		      self->chk.buf, self->chk.len, &id);
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* FUZZ_<name>, else the older CLIENTBUF_FUZZ_<name>, else @def. */
static __u64 env_fuzz(const char *name, __u64 def)
{
	char a[64], b[64];

	snprintf(a, sizeof(a), "FUZZ_%s", name);
	snprintf(b, sizeof(b), "CLIENTBUF_FUZZ_%s", name);
	return env_u64(a, env_u64(b, def));
}

TEST_F_TIMEOUT(fuzz, hostile_ioctls, 280)
{
	struct world *w = &self->w;
	struct model *m = w->m;
	struct tally *t = &self->t[0], *ct = &self->t[1];
	const __u64 seed = env_fuzz("SEED", DEFAULT_SEED);
	const unsigned long iters = env_fuzz("ITERS", DEFAULT_ITERS);
	const unsigned long secs = env_fuzz("SECONDS",
						 DEFAULT_SECONDS * cb_timeout_scale());
	struct timespec t0, now;
	unsigned long i;
	const char *err;
	pid_t child;
	int fd, x;

	ksft_print_msg("FUZZ_SEED=%#llx FUZZ_ITERS=%lu (at most %lu s: "
		       "FUZZ_SECONDS)\n", (unsigned long long)seed, iters,
		       secs);
	rng_state = seed ? seed : 1;

	/* The child: a quarter as many iterations on the parent's fds. */
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		child_fuzz(w, ct, iters / 4, seed);
		_exit(0);
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < iters; i++) {
		x = rnd_below(NFDS);
		fd = w->fds[x];
		t->iters++;
		snprintf(m->step, sizeof(m->step), "iteration %lu", i);
		switch (rnd_below(20)) {
		case 0:
			fuzz_read(w, t, x);
			break;
		case 1:
			fuzz_poll(t, fd);
			break;
		case 2:
		case 3: {
			/* a test-package call with a random command */
			struct cbtest_cmd *c = (void *)w->submit, cmd;
			struct clientbuf_call call;
			int ret;

			any_cmd(w, c);
			cmd = *c;
			cb_call_init(&call, CBTEST_PACKAGE, c, sizeof(*c),
				     c->op == CBTEST_OP_HOLD || chance(10) ?
				     CLIENTBUF_CALL_ASYNC : 0,
				     chance(70) ? 0 : any_id(w));
			call.status = SENTINEL;
			t->pkg_calls++;
			strcat(m->step, ", package call");
			allow_bufs(m, -1);
			ret = ioctl(fd, CLIENTBUF_IOC_CALL_PACKAGE, &call);
			ret = ret ? errno : 0;
			tally_errno(t, ret);
			/* a server fd takes no client ioctl */
			if (w->server[x] ? ret != ENOTTY ||
					   call.status != SENTINEL :
			    ret != status_errno(call.status))
				tally_bad(t, "package call: errno %d, status %#x",
					  ret, call.status);
			if (!ret && call.return_addr)
				pool_add64(w->blocks, &w->nblocks,
					   call.return_addr);
			if (!ret)
				model_pkg_call(w, m, t, x, &cmd, &call);
			break;
		}
		default:
			fuzz_ioctl(w, t, x, true);
		}
		/* After every step: only allowed bytes changed. */
		model_check_memory(w, m, t);
		ASSERT_EQ(0, t->bad) TH_LOG("%s (FUZZ_SEED=%#llx "
					    "FUZZ_ITERS=%lu)", t->first_bad,
					    (unsigned long long)seed, i + 1);
		if (!(i % CHECK_EVERY)) {
			err = check_round(&self->chk, (__u32)rnd(),
					  chance(80) ? CBTEST_CTX_CALLER :
					  rnd_below(3));
			t->rounds++;
			ASSERT_EQ(NULL, err) TH_LOG("iteration %lu: %s", i, err);
			clock_gettime(CLOCK_MONOTONIC, &now);
			if ((unsigned long)(now.tv_sec - t0.tv_sec) >= secs)
				break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	ksft_print_msg("FUZZ_SEED=%#llx: %lu of %lu iterations in %ld ms; "
		       "model: %lu answers checked, %lu sandbox compares, "
		       "%lu bytes written where allowed, at most %lu buffers, "
		       "%lu blocks, %lu pending requests\n",
		       (unsigned long long)seed, t->iters, iters,
		       (long)((now.tv_sec - t0.tv_sec) * 1000 +
			      (now.tv_nsec - t0.tv_nsec) / 1000000),
		       m->successes, m->steps, m->writes, m->max_bufs,
		       m->max_blks, m->max_reqs);
	/* A run the time cap cut short did not do what it says. */
	ASSERT_EQ(iters, t->iters)
		TH_LOG("the %lu s cap stopped the run after %lu of %lu "
		       "iterations (raise FUZZ_SECONDS or lower FUZZ_ITERS)",
		       secs, t->iters, iters);
	ASSERT_EQ(0, t->bad) TH_LOG("%s", t->first_bad);
	ASSERT_EQ(0, cb_wait_child(child));
	child_check(ct);
	print_tally("parent", t);
	print_tally("fork child", ct);
	ASSERT_EQ(0, ct->bad) TH_LOG("child: %s", ct->first_bad);
	ASSERT_LT(0, ct->hist[EPERM]);

	/* Wind down: held requests completed, every fd closed. */
	cbt_release_slots();
	for (x = 0; x < NFDS; x++)
		ASSERT_EQ(0, close(w->fds[x]));
	ASSERT_EQ(NULL, check_round(&self->chk, 7, CBTEST_CTX_KTHREAD));
	ASSERT_EQ(0, close(self->chk.fd));
	cbt_release_slots();

	/* The module still works: a fresh client, a full round. */
	self->chk.fd = cb_open();
	ASSERT_LE(0, self->chk.fd);
	{
		__u32 id;

		test_register(self->chk.fd,
			      CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ,
			      self->chk.buf, self->chk.len, &id);
		ASSERT_EQ(1, id);
		ASSERT_EQ(NULL, check_round(&self->chk, 8, CBTEST_CTX_CALLER));
		ASSERT_EQ(NULL, check_round(&self->chk, 9,
					    CBTEST_CTX_WORKQUEUE));
		test_unregister(self->chk.fd, id);
	}
	ASSERT_EQ(0, close(self->chk.fd));
	ASSERT_EQ(0, clientbuf_fds_open());
	ASSERT_HX_LIVE_EQ(&self->base);
}

TEST_HARNESS_MAIN
