// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_copy - copy_to_client_buffer() and copy_from_client_buffer()
 * through the test package, in every context a package can run in:
 *
 *   caller      the calling thread (client context, copy_to_user)
 *   workqueue   a work item (kthread_use_mm on the registered mm)
 *   kthread     a kthread (likewise)
 *   remote      a second process, CBTEST_IOC_COPY on a request held with
 *               CBTEST_OP_HOLD + CLIENTBUF_CALL_ASYNC (access_process_vm
 *               under the exec guard)
 *
 * The pinned_* tests register with CLIENTBUF_BUF_PIN: kmap + memcpy on
 * the pages pinned at registration, whatever the context.
 *
 * function_table checks that every entry of clientbuf_package.functions
 * is the matching export, and that one call through each entry gives what
 * the direct call gives (the variants above call the exports directly).
 *
 * Every byte is checked against cbtest_pattern(), and so are the bytes
 * around the range. The errno is checked for the package-call paths; the
 * remote path has only the NTSTATUS. One error per TEST.
 */
#include "clientbuf_util.h"

#define HANDLE	0

CB_RELEASE_SLOTS_AT_EXIT

FIXTURE(copy) {
	int fd;
	int tfd;
	size_t page;
	struct cb_server srv;
	bool held;
};

FIXTURE_VARIANT(copy) {
	__u32 ctx;
	__u32 flags;
	bool remote;
};

FIXTURE_VARIANT_ADD(copy, caller) {
	.ctx = CBTEST_CTX_CALLER,
};

FIXTURE_VARIANT_ADD(copy, workqueue) {
	.ctx = CBTEST_CTX_WORKQUEUE,
};

FIXTURE_VARIANT_ADD(copy, kthread) {
	.ctx = CBTEST_CTX_KTHREAD,
};

FIXTURE_VARIANT_ADD(copy, remote) {
	.remote = true,
};

FIXTURE_SETUP(copy)
{
	self->page = cb_page();
	self->tfd = -1;
	self->fd = cb_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", CB_DEV, strerror(errno));
	if (!variant->remote)
		return;
	cbt_release_slots();
	self->tfd = cbt_open();
	ASSERT_LE(0, self->tfd) TH_LOG("open %s: %s", CBT_DEV,
				       strerror(errno));
	test_hold(self->fd, HANDLE);
	self->held = true;
	ASSERT_EQ(0, cb_server_start(&self->srv, self->fd));
}

FIXTURE_TEARDOWN(copy)
{
	if (variant->remote) {
		EXPECT_EQ(0, cb_server_stop(&self->srv));
		if (self->held) {
			EXPECT_EQ(0, cbt_complete(self->tfd, HANDLE,
						  CLIENTBUF_STATUS_SUCCESS));
		}
		close(self->tfd);
	}
	close(self->fd);
	if (variant->remote)
		cbt_release_slots();
}

/* One copy operation in the variant's context. */
static struct cb_res do_copy(FIXTURE_DATA(copy) *self,
			     const FIXTURE_VARIANT(copy) *variant, __u32 op,
			     const void *addr, __u32 len, __u32 seed,
			     __u32 flags)
{
	if (variant->remote)
		return cb_server_copy_flags(&self->srv, HANDLE, op, addr, len,
					    seed, variant->flags | flags);
	return cbt_op(self->fd, op, variant->ctx, addr, len, seed,
		      variant->flags | flags);
}

#define copy_to(_addr, _len, _seed)					\
	do_copy(self, variant, CBTEST_OP_COPY_TO, _addr, _len, _seed, 0)
#define copy_from(_addr, _len, _seed)					\
	do_copy(self, variant, CBTEST_OP_COPY_FROM, _addr, _len, _seed, 0)

/*
 * A registered range with a page of registered guard bytes on each side:
 * map = [guard page | off bytes | range of len | guard page, rounded up].
 * @expect is what the whole mapping must hold.
 */
struct area {
	__u8 *map;
	size_t map_len;
	__u8 *start;
	size_t len;
	__u8 *expect;
	__u32 id;
};

/* Fill the mapping with a canary that a shifted pattern(@seed) never is. */
static int area_init(struct area *a, size_t page, size_t off, size_t len,
		     __u32 seed)
{
	size_t i, first = page + off;

	a->map_len = (first + len + 2 * page - 1) / page * page;
	a->len = len;
	a->map = cb_map(a->map_len);
	a->expect = malloc(a->map_len);
	if (!a->map || !a->expect)
		return -1;
	a->start = a->map + first;
	for (i = 0; i < a->map_len; i++)
		a->map[i] = (__u8)~cbtest_pattern(seed, (__u64)(i - first));
	memcpy(a->expect, a->map, a->map_len);
	return 0;
}

static void area_free(struct area *a)
{
	if (a->map)
		munmap(a->map, a->map_len);
	free(a->expect);
}

/* The whole mapping is what @expect says; logs the first difference. */
#define ASSERT_AREA(_a) do {						\
	size_t __i;							\
	for (__i = 0; __i < (_a)->map_len; __i++)			\
		if ((_a)->map[__i] != (_a)->expect[__i])		\
			break;						\
	ASSERT_EQ((_a)->map_len, __i)					\
		TH_LOG("byte %zd (range at %zd, len %zu) is %#x, want %#x", \
		       __i, (_a)->start - (_a)->map, (_a)->len,		\
		       (_a)->map[__i], (_a)->expect[__i]);		\
} while (0)

static void check_copy_to(struct __test_metadata *_metadata,
			  FIXTURE_DATA(copy) *self,
			  const FIXTURE_VARIANT(copy) *variant, size_t len,
			  size_t off, __u32 reg_flags)
{
	__u32 seed = 0x1000u + (__u32)len * 7u + (__u32)off;
	struct area a = {};

	ASSERT_EQ(0, area_init(&a, self->page, off, len, seed));
	test_register(self->fd, CLIENTBUF_BUF_WRITE | reg_flags, a.map,
		      a.map_len, &a.id);
	ASSERT_OK(copy_to(a.start, (__u32)len, seed));
	ASSERT_PATTERN(a.start, len, seed);
	cb_fill(a.expect + (a.start - a.map), len, seed);
	ASSERT_AREA(&a);
	area_free(&a);
}

static void check_copy_from(struct __test_metadata *_metadata,
			    FIXTURE_DATA(copy) *self,
			    const FIXTURE_VARIANT(copy) *variant, size_t len,
			    size_t off, __u32 reg_flags)
{
	__u32 seed = 0x2000u + (__u32)len * 5u + (__u32)off;
	struct area a = {};
	struct cb_res res;

	ASSERT_EQ(0, area_init(&a, self->page, off, len, seed));
	cb_fill(a.start, len, seed);
	memcpy(a.expect, a.map, a.map_len);
	test_register(self->fd, CLIENTBUF_BUF_READ | reg_flags, a.map,
		      a.map_len, &a.id);
	res = copy_from(a.start, (__u32)len, seed);
	ASSERT_OK(res);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, res.proto)
		TH_LOG("the package read something else");
	ASSERT_AREA(&a);
	area_free(&a);
}

#define COPY_TO_TEST(_name, _len, _off)					\
	TEST_F(copy, to_##_name)					\
	{								\
		check_copy_to(_metadata, self, variant, _len, _off, 0);	\
	}
#define COPY_FROM_TEST(_name, _len, _off)				\
	TEST_F(copy, from_##_name)					\
	{								\
		check_copy_from(_metadata, self, variant, _len, _off, 0); \
	}

/* The same through pinned buffers (kmap + memcpy from any context). */
#define PINNED_TO_TEST(_name, _len, _off)				\
	TEST_F(copy, pinned_to_##_name)					\
	{								\
		check_copy_to(_metadata, self, variant, _len, _off,	\
			      CLIENTBUF_BUF_PIN);			\
	}
#define PINNED_FROM_TEST(_name, _len, _off)				\
	TEST_F(copy, pinned_from_##_name)				\
	{								\
		check_copy_from(_metadata, self, variant, _len, _off,	\
				CLIENTBUF_BUF_PIN);			\
	}

COPY_TO_TEST(1, 1, 0)
COPY_TO_TEST(1_last_byte_of_page, 1, 4095)
COPY_TO_TEST(7_unaligned, 7, 3)
COPY_TO_TEST(7_page_crossing, 7, 4093)
COPY_TO_TEST(4095, 4095, 0)
COPY_TO_TEST(4095_unaligned, 4095, 1)
COPY_TO_TEST(4096, 4096, 0)
COPY_TO_TEST(4096_page_crossing, 4096, 2048)
COPY_TO_TEST(4097, 4097, 0)
COPY_TO_TEST(4097_two_crossings, 4097, 4095)
COPY_TO_TEST(65539, 65536 + 3, 5)
COPY_TO_TEST(4m, 4 * CB_MIB, 0)
COPY_TO_TEST(4m_unaligned, 4 * CB_MIB, 4093)

COPY_FROM_TEST(1, 1, 0)
COPY_FROM_TEST(7_page_crossing, 7, 4093)
COPY_FROM_TEST(4096_page_crossing, 4096, 2048)
COPY_FROM_TEST(4097_two_crossings, 4097, 4095)
COPY_FROM_TEST(65539, 65536 + 3, 5)
COPY_FROM_TEST(4m_unaligned, 4 * CB_MIB, 4093)

PINNED_TO_TEST(7_page_crossing, 7, 4093)
PINNED_TO_TEST(4097_two_crossings, 4097, 4095)
PINNED_TO_TEST(4m_unaligned, 4 * CB_MIB, 4093)
PINNED_FROM_TEST(4097_two_crossings, 4097, 4095)
PINNED_FROM_TEST(65539, 65536 + 3, 5)

/* A wrong byte anywhere is seen: the package reads what is really there. */
static void check_wrong_pattern(struct __test_metadata *_metadata,
				FIXTURE_DATA(copy) *self,
				const FIXTURE_VARIANT(copy) *variant,
				size_t len, size_t bad)
{
	__u32 seed = 0x3000u + (__u32)bad;
	struct area a = {};
	struct cb_res res;

	ASSERT_EQ(0, area_init(&a, self->page, 4000, len, seed));
	cb_fill(a.start, len, seed);
	a.start[bad] ^= 0x01;
	test_register(self->fd, CLIENTBUF_BUF_READ, a.map, a.map_len, &a.id);
	res = copy_from(a.start, (__u32)len, seed);
	/* Not a copy error: the package's own verdict. */
	ASSERT_OK(res);
	ASSERT_EQ(CLIENTBUF_STATUS_UNSUCCESSFUL, res.proto);
	area_free(&a);
}

TEST_F(copy, from_wrong_last_byte)
{
	check_wrong_pattern(_metadata, self, variant, 3 * 4096, 3 * 4096 - 1);
}

TEST_F(copy, from_wrong_first_byte)
{
	check_wrong_pattern(_metadata, self, variant, 3 * 4096, 0);
}

TEST_F(copy, from_wrong_seed)
{
	__u8 *p = cb_map(self->page);
	struct cb_res res;
	__u32 id;

	ASSERT_NE(NULL, p);
	cb_fill(p, self->page, 1);
	test_register(self->fd, CLIENTBUF_BUF_READ, p, self->page, &id);
	res = copy_from(p, (__u32)self->page, 2);
	ASSERT_OK(res);
	ASSERT_EQ(CLIENTBUF_STATUS_UNSUCCESSFUL, res.proto);
	res = copy_from(p, (__u32)self->page, 1);
	ASSERT_OK(res);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, res.proto);
}

TEST_F(copy, to_read_write_buffer)
{
	__u8 *p = cb_map(self->page);
	__u32 id;

	ASSERT_NE(NULL, p);
	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ, p,
		      self->page, &id);
	ASSERT_OK(copy_to(p, (__u32)self->page, 77));
	ASSERT_PATTERN(p, self->page, 77);
	ASSERT_OK(copy_from(p, (__u32)self->page, 77));
}

TEST_F(copy, to_whole_buffer_exact)
{
	/* A range that is exactly a registered buffer, not page aligned. */
	__u8 *p = cb_map(3 * self->page);
	__u32 id;

	ASSERT_NE(NULL, p);
	memset(p, 0xee, 3 * self->page);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, p + 100, 5000, &id);
	ASSERT_OK(copy_to(p + 100, 5000, 78));
	ASSERT_PATTERN(p + 100, 5000, 78);
	ASSERT_BYTES(p, 100, 0xee);
	ASSERT_BYTES(p + 5100, 3 * self->page - 5100, 0xee);
}

/* ---- errors ------------------------------------------------------------ */

/*
 * One registered RW page with a 0xee fill, for the error tests; the pages
 * around it are mapped and unregistered.
 */
struct errbuf {
	__u8 *map;	/* 3 pages */
	__u8 *buf;	/* the middle one, registered */
	__u32 id;
};

#define ERRBUF(_e, _flags) do {						\
	(_e)->map = cb_map(3 * self->page);				\
	ASSERT_NE(NULL, (_e)->map);					\
	memset((_e)->map, 0xee, 3 * self->page);			\
	(_e)->buf = (_e)->map + self->page;				\
	test_register(self->fd, _flags, (_e)->buf, self->page,		\
		      &(_e)->id);					\
} while (0)

#define ASSERT_UNTOUCHED(_e)						\
	ASSERT_BYTES((_e)->map, 3 * self->page, 0xee)

TEST_F(copy, null_request)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   do_copy(self, variant, CBTEST_OP_COPY_TO, e.buf, 16, 1,
			   CBTEST_F_NULL_REQUEST));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, null_request_len_zero)
{
	/* The request is checked first, even for length 0. */
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   do_copy(self, variant, CBTEST_OP_COPY_TO, NULL, 0, 1,
			   CBTEST_F_NULL_REQUEST));
}

TEST_F(copy, null_request_from)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_READ);
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   do_copy(self, variant, CBTEST_OP_COPY_FROM, e.buf, 16, 1,
			   CBTEST_F_NULL_REQUEST));
}

TEST_F(copy, null_buffer)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   do_copy(self, variant, CBTEST_OP_COPY_TO, e.buf, 16, 1,
			   CBTEST_F_NULL_BUFFER));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, null_buffer_from)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_READ);
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   do_copy(self, variant, CBTEST_OP_COPY_FROM, e.buf, 16, 1,
			   CBTEST_F_NULL_BUFFER));
}

TEST_F(copy, null_buffer_len_zero)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	ASSERT_OK(do_copy(self, variant, CBTEST_OP_COPY_TO, e.buf, 0, 1,
			  CBTEST_F_NULL_BUFFER));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, len_zero)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	ASSERT_OK(copy_to(e.buf, 0, 1));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, len_zero_anywhere)
{
	/* Nothing is touched, so no address is checked. */
	ASSERT_OK(copy_to(NULL, 0, 1));
	ASSERT_OK(copy_from((void *)(uintptr_t)CB_KERNEL_ADDR, 0, 1));
}

TEST_F(copy, stale_request)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	/* The test package keeps the last finished request: this one. */
	ASSERT_OK(cbt_op(self->fd, CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL, 0,
			 0, 0));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   do_copy(self, variant, CBTEST_OP_COPY_TO, e.buf, 16, 1,
			   CBTEST_F_STALE_REQUEST));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, stale_request_len_zero)
{
	ASSERT_OK(cbt_op(self->fd, CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL, 0,
			 0, 0));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   do_copy(self, variant, CBTEST_OP_COPY_TO, NULL, 0, 1,
			   CBTEST_F_STALE_REQUEST));
}

TEST_F(copy, stale_request_from)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_READ);
	ASSERT_OK(cbt_op(self->fd, CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL, 0,
			 0, 0));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   do_copy(self, variant, CBTEST_OP_COPY_FROM, e.buf, 16, 1,
			   CBTEST_F_STALE_REQUEST));
}

TEST_F(copy, null_client_addr)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(NULL, 16, 1));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, wrapping)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to((void *)(uintptr_t)-16, 32, 1));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, kernel_addr)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to((void *)(uintptr_t)CB_KERNEL_ADDR, 16, 1));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, outside_every_buffer)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	/* Mapped, writable, but not registered. */
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(e.map, 16, 1));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, outside_every_buffer_from)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_READ);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_from(e.map + 2 * self->page, 16, 1));
}

TEST_F(copy, no_buffer_at_all)
{
	__u8 *p = cb_map(self->page);

	ASSERT_NE(NULL, p);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(p, 16, 1));
	ASSERT_BYTES(p, self->page, 0);
}

TEST_F(copy, straddle_end)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(e.buf + self->page - 8, 16, 1));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, straddle_end_by_one)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(e.buf, (__u32)self->page + 1, 1));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, straddle_start)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(e.buf - 1, 16, 1));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, straddle_two_buffers)
{
	struct errbuf e;
	__u32 id2;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, e.buf + self->page,
		      self->page, &id2);
	/* Each half alone is fine... */
	ASSERT_OK(copy_to(e.buf + self->page - 8, 8, 1));
	ASSERT_OK(copy_to(e.buf + self->page, 8, 1));
	memset(e.map, 0xee, 3 * self->page);
	/* ...the range across both is not. */
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(e.buf + self->page - 8, 16, 1));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, straddle_two_buffers_from)
{
	struct errbuf e;
	__u32 id2;

	ERRBUF(&e, CLIENTBUF_BUF_READ);
	test_register(self->fd, CLIENTBUF_BUF_READ, e.buf + self->page,
		      self->page, &id2);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_from(e.buf + self->page - 8, 16, 1));
}

TEST_F(copy, pinned_straddle_end)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_PIN);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(e.buf + self->page - 8, 16, 1));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, pinned_write_to_read_only_buffer)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_READ | CLIENTBUF_BUF_PIN);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(e.buf, 16, 1));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, write_to_read_only_buffer)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_READ);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(e.buf, 16, 1));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, read_from_write_only_buffer)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_from(e.buf, 16, 1));
}

TEST_F(copy, read_write_buffers_overlapping)
{
	struct errbuf e;
	__u32 id2;

	/* A READ buffer and a WRITE buffer over the same page: each way. */
	ERRBUF(&e, CLIENTBUF_BUF_READ);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, e.buf, self->page, &id2);
	ASSERT_OK(copy_to(e.buf, 64, 9));
	ASSERT_PATTERN(e.buf, 64, 9);
	ASSERT_OK(copy_from(e.buf, 64, 9));
	test_unregister(self->fd, id2);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(e.buf, 64, 10));
	ASSERT_PATTERN(e.buf, 64, 9);
}

TEST_F(copy, after_unregister)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	test_unregister(self->fd, e.id);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(e.buf, 16, 1));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, prot_read)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	ASSERT_EQ(0, mprotect(e.buf, self->page, PROT_READ));
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(e.buf, 16, 1));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, prot_read_readable)
{
	struct errbuf e;
	struct cb_res res;

	/* Reading a read-only mapping is fine. */
	ERRBUF(&e, CLIENTBUF_BUF_READ);
	cb_fill(e.buf, self->page, 5);
	ASSERT_EQ(0, mprotect(e.buf, self->page, PROT_READ));
	res = copy_from(e.buf, (__u32)self->page, 5);
	ASSERT_OK(res);
	if (!variant->remote) {
		ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, res.proto);
	}
}

TEST_F(copy, prot_none)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	ASSERT_EQ(0, mprotect(e.buf, self->page, PROT_NONE));
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(e.buf, 16, 1));
	ASSERT_EQ(0, mprotect(e.buf, self->page, PROT_READ));
	ASSERT_UNTOUCHED(&e);
}

TEST_F(copy, prot_none_from)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_READ);
	ASSERT_EQ(0, mprotect(e.buf, self->page, PROT_NONE));
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_from(e.buf, 16, 1));
}

TEST_F(copy, unmapped_after_register)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_WRITE);
	ASSERT_EQ(0, munmap(e.buf, self->page));
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(e.buf, 16, 1));
	ASSERT_BYTES(e.map, self->page, 0xee);
	ASSERT_BYTES(e.map + 2 * self->page, self->page, 0xee);
	/* Mapped again (zero-filled): the registration still covers it. */
	ASSERT_EQ(e.buf, mmap(e.buf, self->page, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	ASSERT_OK(copy_to(e.buf, 16, 1));
	ASSERT_PATTERN(e.buf, 16, 1);
}

TEST_F(copy, unmapped_after_register_from)
{
	struct errbuf e;

	ERRBUF(&e, CLIENTBUF_BUF_READ);
	ASSERT_EQ(0, munmap(e.buf, self->page));
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_from(e.buf, 16, 1));
}

/* A range over a writable page, then one that is not: nothing written. */
static void check_hole(struct __test_metadata *_metadata,
		       FIXTURE_DATA(copy) *self,
		       const FIXTURE_VARIANT(copy) *variant, int prot,
		       bool unmap)
{
	size_t page = self->page;
	__u8 *p = cb_map(3 * page);
	__u32 id;

	ASSERT_NE(NULL, p);
	memset(p, 0xee, 3 * page);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, p, 3 * page, &id);
	if (unmap) {
		ASSERT_EQ(0, munmap(p + page, page));
	} else {
		ASSERT_EQ(0, mprotect(p + page, page, prot));
	}
	/* From the middle of the writable first page into the second. */
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(p + page / 2, (__u32)page, 1));
	ASSERT_BYTES(p, page, 0xee);
	if (!unmap && prot != PROT_NONE) {
		ASSERT_BYTES(p + page, page, 0xee);
	}
	/* And over all three pages: the third is untouched too. */
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(p, (__u32)(3 * page), 1));
	ASSERT_BYTES(p, page, 0xee);
	ASSERT_BYTES(p + 2 * page, page, 0xee);
}

TEST_F(copy, writable_then_read_only)
{
	check_hole(_metadata, self, variant, PROT_READ, false);
}

TEST_F(copy, writable_then_prot_none)
{
	check_hole(_metadata, self, variant, PROT_NONE, false);
}

TEST_F(copy, writable_then_unmapped)
{
	check_hole(_metadata, self, variant, 0, true);
}

TEST_F(copy, readable_then_prot_none_from)
{
	size_t page = self->page;
	__u8 *p = cb_map(2 * page);
	__u32 id;

	ASSERT_NE(NULL, p);
	test_register(self->fd, CLIENTBUF_BUF_READ, p, 2 * page, &id);
	ASSERT_EQ(0, mprotect(p + page, page, PROT_NONE));
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_from(p + page / 2, (__u32)page, 1));
}

/* A file in /tmp (tmpfs in the test VM) holding pattern(@seed). */
static int make_file(struct __test_metadata *_metadata, size_t len,
		     __u32 seed)
{
	char path[] = "/tmp/clientbuf_copy.XXXXXX";
	void *data = malloc(len);
	int fd = mkstemp(path);

	if (fd < 0 || !data) {
		TH_LOG("mkstemp %s: %s", path, strerror(errno));
		free(data);
		return -1;
	}
	unlink(path);
	cb_fill(data, len, seed);
	if (pwrite(fd, data, len, 0) != (ssize_t)len) {
		TH_LOG("pwrite %s: %s", path, strerror(errno));
		close(fd);
		fd = -1;
	}
	free(data);
	return fd;
}

#define FILE_PAGES	3

TEST_F(copy, private_file_mapping_cow)
{
	size_t len = FILE_PAGES * self->page;
	int ffd = make_file(_metadata, len, 21);
	__u8 *p, *back;
	__u32 id;

	ASSERT_LE(0, ffd) TH_LOG("/tmp must be writable");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, ffd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_PATTERN(p, len, 21);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, p, len, &id);
	/* Across a page boundary, most of two pages. */
	ASSERT_OK(copy_to(p + 100, (__u32)(2 * self->page), 22));
	ASSERT_PATTERN(p + 100, 2 * self->page, 22);
	ASSERT_PATTERN(p, 100, 21);
	/* The file is unchanged. */
	back = malloc(len);
	ASSERT_NE(NULL, back);
	ASSERT_EQ((ssize_t)len, pread(ffd, back, len, 0));
	ASSERT_PATTERN(back, len, 21);
	/* And so is a fresh mapping of it. */
	munmap(p, len);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, ffd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_PATTERN(p, len, 21);
	free(back);
	close(ffd);
}

TEST_F(copy, private_file_mapping_read_only)
{
	size_t len = FILE_PAGES * self->page;
	int ffd = make_file(_metadata, len, 23);
	__u8 *p, *back;
	__u32 id;

	ASSERT_LE(0, ffd);
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, ffd, 0);
	ASSERT_NE(MAP_FAILED, p);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, p, len, &id);
	/* No FOLL_FORCE: a read-only private mapping is not written. */
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   copy_to(p, 16, 24));
	ASSERT_PATTERN(p, len, 23);
	back = malloc(len);
	ASSERT_NE(NULL, back);
	ASSERT_EQ((ssize_t)len, pread(ffd, back, len, 0));
	ASSERT_PATTERN(back, len, 23);
	free(back);
	close(ffd);
}

TEST_F(copy, shared_file_mapping_written_through)
{
	/* The control for the COW test: a shared mapping does reach the file. */
	size_t len = FILE_PAGES * self->page;
	int ffd = make_file(_metadata, len, 25);
	__u8 *p, *back;
	__u32 id;

	ASSERT_LE(0, ffd);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
	ASSERT_NE(MAP_FAILED, p);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, p, len, &id);
	ASSERT_OK(copy_to(p + 100, (__u32)(2 * self->page), 26));
	back = malloc(len);
	ASSERT_NE(NULL, back);
	ASSERT_EQ((ssize_t)len, pread(ffd, back, len, 0));
	ASSERT_PATTERN(back + 100, 2 * self->page, 26);
	ASSERT_PATTERN(back, 100, 25);
	free(back);
	munmap(p, len);
	close(ffd);
}

/* ---- the function table ------------------------------------------------ */

/* One operation in the caller's context, direct or through ->functions. */
static struct cb_res table_op(int fd, bool table, __u32 op, const void *addr,
			      __u32 len, __u32 seed)
{
	return cbt_op(fd, op, CBTEST_CTX_CALLER, addr, len, seed,
		      table ? CBTEST_F_TABLE : 0);
}

TEST(function_table)
{
	const size_t page = cb_page(), len = 4 * page;
	struct cbtest_client_info info[2];
	struct clientbuf_completion comp[2];
	struct cb_res res[2];
	struct cbtest_remote r;
	__u32 wid, aid, mask;
	__u8 *buf, *arena;
	int fd, tfd, t;

	cbt_release_slots();
	fd = cb_open();
	ASSERT_LE(0, fd);
	tfd = cbt_open();
	ASSERT_LE(0, tfd);
	buf = cb_map(len);
	arena = cb_map(len);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, arena);
	test_register(fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ, buf, len,
		      &wid);
	test_register(fd, CLIENTBUF_BUF_ALLOC | CLIENTBUF_BUF_WRITE |
		      CLIENTBUF_BUF_READ, arena, len, &aid);

	/* every entry is the export of the same name */
	res[0] = table_op(fd, false, CBTEST_OP_TABLE, NULL, 0, 0);
	ASSERT_OK(res[0]);
	ASSERT_EQ(sizeof(mask), res[0].ret_len);
	memcpy(&mask, (void *)(uintptr_t)res[0].ret_addr, sizeof(mask));
	ASSERT_EQ(0, mask) TH_LOG("entries not the exports: %#x", mask);
	ASSERT_OK(_cb_free(fd, aid, res[0].ret_addr));

	for (t = 0; t < 2; t++) {
		__u8 *half = buf + t * (len / 2);
		__u32 seed = 0x7ab1e0 + t;

		/* copy_to_client_buffer: the bytes land, nothing else */
		ASSERT_OK(table_op(fd, t, CBTEST_OP_COPY_TO, half,
				   (__u32)(len / 2), seed));
		ASSERT_PATTERN(half, len / 2, seed);
		/* copy_from_client_buffer: the package reads them back */
		ASSERT_OK(table_op(fd, t, CBTEST_OP_COPY_FROM, half,
				   (__u32)(len / 2), seed));
		/* and refuses the same way outside every buffer */
		ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
			   table_op(fd, t, CBTEST_OP_COPY_TO, buf + len, 1,
				    seed));
		ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
			   table_op(fd, t, CBTEST_OP_COPY_FROM, buf + len, 1,
				    seed));
		/* allocate_client_buffer: a block of the arena */
		res[t] = table_op(fd, t, CBTEST_OP_ALLOC, NULL, 64, 0);
		ASSERT_OK(res[t]);
		ASSERT_LE((uintptr_t)arena, res[t].ret_addr);
		ASSERT_GE((uintptr_t)arena + len, res[t].ret_addr + 64);
		/* get_client_info: the same answer both ways */
		res[t] = table_op(fd, t, CBTEST_OP_INFO, NULL, 0, 0);
		ASSERT_OK(res[t]);
		ASSERT_EQ(sizeof(info[t]), res[t].ret_len);
		memcpy(&info[t], (void *)(uintptr_t)res[t].ret_addr,
		       sizeof(info[t]));
		/* free_client_buffer: once, then not an allocation */
		ASSERT_OK(table_op(fd, t, CBTEST_OP_FREE,
				   (void *)(uintptr_t)res[t].ret_addr, 0, 0));
		ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
			   table_op(fd, t, CBTEST_OP_FREE,
				    (void *)(uintptr_t)res[t].ret_addr, 0, 0));
	}
	ASSERT_EQ(0, memcmp(&info[0], &info[1], sizeof(info[0])));
	ASSERT_EQ(gettid(), info[0].pid);

	/* complete_request: the same completion record both ways */
	for (t = 0; t < 2; t++) {
		test_hold(fd, HANDLE + t);
		r = (struct cbtest_remote){
			.handle = HANDLE + t,
			.seed = CLIENTBUF_STATUS_ACCESS_DENIED,
			.flags = t ? CBTEST_F_TABLE : 0,
		};
		ASSERT_EQ(0, cbt_ioctl(tfd, CBTEST_IOC_COMPLETE, &r));
		ASSERT_EQ(0, cb_read_full(fd, &comp[t], sizeof(comp[t])));
		ASSERT_EQ(CLIENTBUF_STATUS_ACCESS_DENIED, comp[t].status);
		ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, comp[t].protocol_status);
		ASSERT_EQ(0, comp[t].return_addr);
		ASSERT_EQ(0, comp[t].return_len);
	}
	ASSERT_NE(comp[0].request_id, comp[1].request_id);
	close(tfd);
	close(fd);
}

TEST_HARNESS_MAIN
