// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_local - the fast copies through the client's own mm:
 * copy_to_user() in the client's context, and kthread_use_mm() with page
 * faults disabled from a kthread or a work item.
 *
 * A range inside one page needs no VMA walk to keep "a copy that finds a
 * hole writes nothing": copy_to_user() of one page faults on its first
 * byte or not at all. The debugfs counter vma_walks shows which copies
 * walked: none inside one page, one per copy across pages. The refusals
 * (read-only, PROT_NONE, unmapped) are the same on both sides of the
 * page boundary: CLIENTBUF_STATUS_ACCESS_VIOLATION and nothing written.
 *
 * A package server's copies (SERVER_OP, the REMOTE path) walk once per
 * range - once per 4 MiB of it, letting go of the client in between - and
 * move the bytes with page faults disabled, faulting the server's side in
 * only after a batch came up short.
 */
#include "clientbuf_util.h"
#include "clientbuf_srv_util.h"

static const char *const walk_names[] = {
	"vma_walks", "copies_client_context",
};

struct walks {
	long long walks, copies;
};

static int walks_read(struct walks *w)
{
	long long v[2] = { -1, -1 };

	if (cb_stats_read(walk_names, v, 2) != 2)
		return -1;
	w->walks = v[0];
	w->copies = v[1];
	return 0;
}

FIXTURE(local) {
	int fd;
	size_t page;
	__u8 *buf;		/* 4 pages, registered WRITE | READ */
};

FIXTURE_SETUP(local)
{
	self->page = cb_page();
	self->fd = cb_open();
	ASSERT_LE(0, self->fd);
	self->buf = cb_map(4 * self->page);
	ASSERT_NE(NULL, self->buf);
	memset(self->buf, 0xee, 4 * self->page);
	ASSERT_OK(_cb_register(self->fd, CLIENTBUF_BUF_WRITE |
			       CLIENTBUF_BUF_READ, self->buf,
			       4 * self->page));
}

FIXTURE_TEARDOWN(local)
{
	close(self->fd);
	munmap(self->buf, 4 * self->page);
}

static struct cb_res copy_to(int fd, void *addr, __u32 len, __u32 seed)
{
	return cbt_op(fd, CBTEST_OP_COPY_TO, CBTEST_CTX_CALLER, addr, len,
		      seed, 0);
}

/* Inside one page: no walk, whatever the offset and length. */
TEST_F(local, one_page_no_walk)
{
	const struct { size_t off, len; } r[] = {
		{ 0, 64 }, { 0, 4096 }, { 4096 - 100, 100 }, { 1, 1 },
		{ 2 * 4096 + 7, 4096 - 7 },
	};
	struct walks a, b;
	size_t i;

	ASSERT_EQ(4096, self->page);
	ASSERT_EQ(0, walks_read(&a)) TH_LOG("no vma_walks counter");
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		memset(self->buf, 0xee, 4 * self->page);
		ASSERT_OK(copy_to(self->fd, self->buf + r[i].off,
				  (__u32)r[i].len, 9));
		ASSERT_PATTERN(self->buf + r[i].off, r[i].len, 9);
		ASSERT_BYTES(self->buf, r[i].off, 0xee);
		ASSERT_BYTES(self->buf + r[i].off + r[i].len,
			     4 * self->page - r[i].off - r[i].len, 0xee);
	}
	ASSERT_EQ(0, walks_read(&b));
	EXPECT_EQ(a.copies + (long long)i, b.copies);
	EXPECT_EQ(a.walks, b.walks) TH_LOG("a one-page copy walked the VMAs");
}

/* Across a page boundary: one walk per copy. */
TEST_F(local, crossing_walks_once)
{
	struct walks a, b;

	ASSERT_EQ(0, walks_read(&a));
	ASSERT_OK(copy_to(self->fd, self->buf + self->page - 1, 2, 3));
	ASSERT_OK(copy_to(self->fd, self->buf, 3 * (__u32)self->page, 3));
	ASSERT_EQ(0, walks_read(&b));
	EXPECT_EQ(a.walks + 2, b.walks);
	EXPECT_EQ(a.copies + 2, b.copies);
}

/*
 * The promise, on both sides of the boundary: a one-page range on a
 * read-only, PROT_NONE or unmapped page, and a range crossing into one,
 * write nothing.
 */
TEST_F(local, refusals_write_nothing)
{
	const int prots[] = { PROT_READ, PROT_NONE, -1 };
	__u8 *second = self->buf + self->page;
	struct walks a, b;
	size_t i;

	for (i = 0; i < 3; i++) {
		memset(self->buf, 0xee, self->page);
		if (prots[i] < 0) {
			ASSERT_EQ(0, munmap(second, self->page));
		} else {
			ASSERT_EQ(0, mprotect(second, self->page, prots[i]));
		}
		ASSERT_EQ(0, walks_read(&a));
		/* inside the bad page: refused without a walk */
		ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
			   copy_to(self->fd, second + 8, 16, 4));
		ASSERT_EQ(0, walks_read(&b));
		EXPECT_EQ(a.walks, b.walks);
		/* crossing into it: the walk refuses it, nothing written */
		ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
			   copy_to(self->fd, second - 8, 16, 4));
		ASSERT_BYTES(self->buf, self->page, 0xee);
		if (prots[i] >= 0) {
			ASSERT_EQ(0, mprotect(second, self->page,
					      PROT_READ | PROT_WRITE));
			ASSERT_BYTES(second, self->page, 0xee);
		} else {
			ASSERT_EQ(second, mmap(second, self->page,
					       PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS |
					       MAP_FIXED, -1, 0));
		}
	}
}

/* ---- kthreads and work items --------------------------------------------- */

static const char *const loop_names[] = {
	"batches_remote", "copies_kthread", "bytes_kthread",
};

/*
 * A kthread or a work item copies through the registered mm with page
 * faults disabled: no page batch (batches_remote) when the pages are
 * there; a page not there yet (never touched) makes that copy short and
 * the page loop moves the rest - the same status, every byte right.
 */
TEST_F(local, kthread_fast_then_page_loop)
{
	const __u32 ctxs[] = { CBTEST_CTX_KTHREAD, CBTEST_CTX_WORKQUEUE };
	size_t len = 4 * self->page, i;
	long long a[3], b[3];
	__u8 *fresh;

	for (i = 0; i < 2; i++) {
		/* present: the fast copy alone */
		memset(self->buf, 0xee, len);
		ASSERT_EQ(3, cb_stats_read(loop_names, a, 3));
		ASSERT_OK(cbt_op(self->fd, CBTEST_OP_COPY_TO, ctxs[i],
				 self->buf + 5, (__u32)(len - 10), 21, 0));
		ASSERT_EQ(3, cb_stats_read(loop_names, b, 3));
		ASSERT_PATTERN(self->buf + 5, len - 10, 21);
		ASSERT_BYTES(self->buf, 5, 0xee);
		EXPECT_EQ(a[0], b[0]) TH_LOG("ctx %u took page batches",
					     ctxs[i]);
		EXPECT_EQ(a[1] + 1, b[1]);
		EXPECT_EQ(a[2] + (long long)len - 10, b[2]);
		ASSERT_OK(cbt_op(self->fd, CBTEST_OP_COPY_FROM, ctxs[i],
				 self->buf + 5, (__u32)(len - 10), 21, 0));
		ASSERT_EQ(3, cb_stats_read(loop_names, a, 3));
		EXPECT_EQ(b[0], a[0]);

		/* first page there, the rest never touched: short, then the
		 * page loop
		 */
		fresh = mmap(NULL, len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, fresh);
		fresh[0] = 0xee;
		ASSERT_OK(_cb_register(self->fd, CLIENTBUF_BUF_WRITE, fresh,
				       len));
		ASSERT_EQ(3, cb_stats_read(loop_names, a, 3));
		ASSERT_OK(cbt_op(self->fd, CBTEST_OP_COPY_TO, ctxs[i], fresh,
				 (__u32)len, 22, 0));
		ASSERT_EQ(3, cb_stats_read(loop_names, b, 3));
		ASSERT_PATTERN(fresh, len, 22);
		EXPECT_LT(a[0], b[0]) TH_LOG("no fallback to the page loop");
		EXPECT_EQ(a[1] + 1, b[1]);
		EXPECT_EQ(a[2] + (long long)len, b[2]);
	}
}

/* ---- a package server's copies ------------------------------------------- */

#define SRV_PAGES	40	/* 16 + 16 + 8: three batches of CB_WALK_BATCH */
#define SRV_OFF		100	/* the copies start inside the first page */

static const char *const srv_names[] = {
	"vma_walks", "pages_remote", "batches_remote",
};

/*
 * This process serves a package and calls it: the server's SERVER_OP
 * copies move SRV_PAGES pages (less 2 * SRV_OFF bytes) of a plain
 * buffer, from another context than the client's (REMOTE).
 */
FIXTURE(scopy) {
	int fd, sfd;
	size_t page, len;
	__u8 *buf;
	__u32 n;
	__u64 call_id;
};

FIXTURE_SETUP(scopy)
{
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct {
		struct clientbuf_server_call hdr;
		char sub[8];
	} rec;
	struct srv_call call;
	char sub = 1;
	__u32 id;

	self->fd = self->sfd = -1;
	if (geteuid())
		SKIP(return, "CLIENTBUF_IOC_SERVE needs CAP_SYS_ADMIN");
	self->page = cb_page();
	self->len = SRV_PAGES * self->page;
	self->n = (__u32)(self->len - 2 * SRV_OFF);
	self->buf = cb_map(self->len);
	ASSERT_NE(NULL, self->buf);
	memset(self->buf, 0, self->len);
	self->sfd = cb_open();
	ASSERT_LE(0, self->sfd);
	srv_name(name, sizeof(name), "walks");
	ASSERT_OK(srv_serve(&self->sfd, name));
	self->fd = cb_open();
	ASSERT_LE(0, self->fd);
	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ,
		      self->buf, self->len, &id);
	call = srv_call(self->fd, name, &sub, 1, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&call));
	ASSERT_TRUE(cb_poll(self->sfd, POLLIN, 5000) & POLLIN);
	ASSERT_EQ((ssize_t)sizeof(rec.hdr) + 1,
		  read(self->sfd, &rec, sizeof(rec)));
	self->call_id = rec.hdr.call_id;
}

FIXTURE_TEARDOWN(scopy)
{
	if (self->sfd >= 0)
		srv_complete(self->sfd, self->call_id,
			     CLIENTBUF_STATUS_SUCCESS, 0, 0, 0);
	if (self->fd >= 0)
		close(self->fd);
	if (self->sfd >= 0)
		close(self->sfd);
}

static __u64 scopy_addr(FIXTURE_DATA(scopy) *self)
{
	return (uintptr_t)self->buf + SRV_OFF;
}

/*
 * The server's memory present: one VMA walk per copy, not one per batch;
 * each page of the range taken once, in three batches.
 */
TEST_F(scopy, walks_once_per_range)
{
	__u8 *src = cb_map(self->len), *dst = cb_map(self->len);
	long long a[3], b[3];

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	cb_fill(src, self->n, 31);
	memset(dst, 0, self->len);
	ASSERT_EQ(3, cb_stats_read(srv_names, a, 3));
	ASSERT_OK(srv_copy_to(self->sfd, self->call_id, scopy_addr(self),
			      src, self->n));
	ASSERT_OK(srv_copy_from(self->sfd, self->call_id, dst,
				scopy_addr(self), self->n));
	ASSERT_EQ(3, cb_stats_read(srv_names, b, 3));
	ASSERT_PATTERN(self->buf + SRV_OFF, self->n, 31);
	ASSERT_BYTES(self->buf, SRV_OFF, 0);
	ASSERT_BYTES(self->buf + SRV_OFF + self->n, SRV_OFF, 0);
	ASSERT_PATTERN(dst, self->n, 31);
	EXPECT_EQ(a[0] + 2, b[0]) TH_LOG("VMA walks per copy: %lld",
					 (b[0] - a[0]) / 2);
	EXPECT_EQ(a[1] + 2 * SRV_PAGES, b[1]);
	EXPECT_EQ(a[2] + 2 * 3, b[2]);
}

/*
 * The server's destination never touched: the first batch comes up short
 * on its first byte, the copy lets go of the client, faults the whole
 * rest in at once and walks again: two walks, the first batch's pages
 * taken twice, every byte right.
 */
TEST_F(scopy, faults_in_after_short_batch)
{
	__u8 *dst = cb_map(self->len);
	long long a[3], b[3];

	ASSERT_NE(NULL, dst);
	cb_fill(self->buf + SRV_OFF, self->n, 32);
	ASSERT_EQ(3, cb_stats_read(srv_names, a, 3));
	ASSERT_OK(srv_copy_from(self->sfd, self->call_id, dst,
				scopy_addr(self), self->n));
	ASSERT_EQ(3, cb_stats_read(srv_names, b, 3));
	ASSERT_PATTERN(dst, self->n, 32);
	EXPECT_EQ(a[0] + 2, b[0]);
	EXPECT_EQ(a[1] + 16 + SRV_PAGES, b[1]);
	EXPECT_EQ(a[2] + 1 + 3, b[2]);
}

/*
 * A hole in the server's destination, page 20 of it: the bytes before it
 * land, then the fault-in fails on the hole - PARTIAL_COPY, and not a
 * byte after the hole.
 */
TEST_F(scopy, server_hole_stops_partial)
{
	__u8 *dst = cb_map(self->len);
	size_t hole = 20 * self->page;

	ASSERT_NE(NULL, dst);
	memset(dst, 0xee, self->len);
	ASSERT_EQ(0, munmap(dst + hole, self->page));
	cb_fill(self->buf + SRV_OFF, self->n, 33);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_PARTIAL_COPY,
		   srv_copy_from(self->sfd, self->call_id, dst,
				 scopy_addr(self), self->n));
	ASSERT_PATTERN(dst, hole, 33);
	ASSERT_BYTES(dst + hole + self->page, self->len - hole - self->page,
		     0xee);
	/* Nothing landed: ACCESS_VIOLATION. */
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_copy_from(self->sfd, self->call_id, dst + hole,
				 scopy_addr(self), self->n - (__u32)hole));
	ASSERT_BYTES(dst + hole + self->page, self->len - hole - self->page,
		     0xee);
}

#define WALK_HOLD	(4u << 20)	/* module/copy.c: CB_WALK_HOLD */

/*
 * A copy of two and a half times WALK_HOLD into a buffer of the client:
 * the walk lets go of the client (its mmap_lock) after each WALK_HOLD
 * bytes and walks on - three walks, every byte right. A hole past the
 * first WALK_HOLD is still found before any byte moves: nothing written.
 */
TEST_F(scopy, lets_go_every_walk_hold)
{
	__u32 n = 2 * WALK_HOLD + WALK_HOLD / 2;
	size_t len = n + self->page;
	__u8 *big = cb_map(len), *src = cb_map(n);
	__u64 addr = (uintptr_t)big + SRV_OFF;
	long long a[3], b[3];
	__u32 id;

	ASSERT_NE(NULL, big);
	ASSERT_NE(NULL, src);
	memset(big, 0, len);
	cb_fill(src, n, 34);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, big, len, &id);
	ASSERT_EQ(3, cb_stats_read(srv_names, a, 3));
	ASSERT_OK(srv_copy_to(self->sfd, self->call_id, addr, src, n));
	ASSERT_EQ(3, cb_stats_read(srv_names, b, 3));
	ASSERT_PATTERN(big + SRV_OFF, n, 34);
	ASSERT_BYTES(big, SRV_OFF, 0);
	ASSERT_BYTES(big + SRV_OFF + n, len - SRV_OFF - n, 0);
	EXPECT_EQ(a[0] + 3, b[0]) TH_LOG("VMA walks for %u bytes: %lld", n,
					 b[0] - a[0]);

	/* a hole in the third hold's range: refused, nothing written */
	memset(big, 0, len);
	ASSERT_EQ(0, munmap(big + 2 * WALK_HOLD + self->page, self->page));
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_copy_to(self->sfd, self->call_id, addr, src, n));
	ASSERT_BYTES(big, 2 * WALK_HOLD + self->page, 0);
}

TEST_HARNESS_MAIN
