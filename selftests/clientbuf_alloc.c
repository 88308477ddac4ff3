// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_alloc - allocate_client_buffer(), free_client_buffer() and
 * CLIENTBUF_IOC_FREE; get_client_info(); asynchronous calls and their
 * completion records (poll() and read() on /dev/clientbuf). One error per
 * TEST.
 */
#include <pthread.h>
#include <sys/syscall.h>

#include "clientbuf_util.h"

#define BUF_PAGES	8
#define START_OFF	3	/* the ALLOC buffer starts unaligned */
#define FILL		0xee

CB_RELEASE_SLOTS_AT_EXIT

FIXTURE(alloc) {
	int fd;
	size_t page;
	__u8 *map;
	__u8 *start;
	size_t len;
	__u32 id;
	struct clientbuf_info info;
};

FIXTURE_VARIANT(alloc) {
	__u32 ctx;
	__u32 flags;
};

FIXTURE_VARIANT_ADD(alloc, caller) {
	.ctx = CBTEST_CTX_CALLER,
};

FIXTURE_VARIANT_ADD(alloc, workqueue) {
	.ctx = CBTEST_CTX_WORKQUEUE,
};

FIXTURE_VARIANT_ADD(alloc, kthread) {
	.ctx = CBTEST_CTX_KTHREAD,
};

FIXTURE_SETUP(alloc)
{
	self->page = cb_page();
	self->len = BUF_PAGES * self->page - 2 * START_OFF;
	self->fd = cb_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", CB_DEV, strerror(errno));
	ASSERT_EQ(0, cb_get_info(self->fd, &self->info));
	self->map = cb_map(BUF_PAGES * self->page);
	ASSERT_NE(NULL, self->map);
	memset(self->map, FILL, BUF_PAGES * self->page);
	self->start = self->map + START_OFF;
	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
		      self->start, self->len, &self->id);
}

FIXTURE_TEARDOWN(alloc)
{
	close(self->fd);
	munmap(self->map, BUF_PAGES * self->page);
}

static struct cb_res op_in(FIXTURE_DATA(alloc) *self,
			   const FIXTURE_VARIANT(alloc) *variant, __u32 op,
			   __u64 addr, __u32 len, __u32 seed, __u32 flags,
			   __u32 return_buf_id)
{
	struct cbtest_cmd c = cbt_cmd(op, variant->ctx,
				      (void *)(uintptr_t)addr, len, seed,
				      variant->flags | flags);

	return _cbt_call(self->fd, &c, 0, return_buf_id);
}

#define do_alloc(_len)							\
	op_in(self, variant, CBTEST_OP_ALLOC, 0, _len, 0, 0, 0)
#define do_free(_addr)							\
	op_in(self, variant, CBTEST_OP_FREE, _addr, 0, 0, 0, 0)

/* A successful allocation: the block lies in [lo, lo + len), aligned. */
#define ASSERT_BLOCK(_res, _len, _lo, _buflen) do {			\
	const struct cb_res __b = (_res);				\
	ASSERT_OK(__b);							\
	ASSERT_EQ((__u32)(_len), __b.ret_len);				\
	ASSERT_EQ(0, __b.ret_addr % 16)					\
		TH_LOG("block %#llx not 16-byte aligned",		\
		       (unsigned long long)__b.ret_addr);		\
	ASSERT_LE((uintptr_t)(_lo), __b.ret_addr);			\
	ASSERT_GE((uintptr_t)(_lo) + (_buflen), __b.ret_addr + (_len));	\
} while (0)

TEST_F(alloc, blocks_inside_aligned_disjoint)
{
	static const __u32 sizes[] = { 1, 15, 16, 17, 100, 4096, 4097, 3, 31 };
	__u64 addr[ARRAY_SIZE(sizes)];
	unsigned int i, j;
	struct cb_res res;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		res = do_alloc(sizes[i]);
		ASSERT_BLOCK(res, sizes[i], self->start, self->len);
		addr[i] = res.ret_addr;
		for (j = 0; j < i; j++) {
			ASSERT_TRUE(addr[i] + sizes[i] <= addr[j] ||
				    addr[j] + sizes[j] <= addr[i])
				TH_LOG("block %u [%#llx+%u] overlaps block %u [%#llx+%u]",
				       i, (unsigned long long)addr[i], sizes[i],
				       j, (unsigned long long)addr[j], sizes[j]);
		}
	}
	/* Allocation reserves; it writes nothing. */
	ASSERT_BYTES(self->map, BUF_PAGES * self->page, FILL);
}

TEST_F(alloc, alloc_copy)
{
	struct cb_res res = op_in(self, variant, CBTEST_OP_ALLOC_COPY, 0, 1000,
				  41, 0, 0);
	__u8 *blk;

	ASSERT_BLOCK(res, 1000, self->start, self->len);
	blk = (__u8 *)(uintptr_t)res.ret_addr;
	ASSERT_PATTERN(blk, 1000, 41);
	ASSERT_BYTES(self->map, blk - self->map, FILL);
	ASSERT_BYTES(blk + 1000, self->map + BUF_PAGES * self->page -
		     (blk + 1000), FILL);
}

TEST_F(alloc, alloc_copy_twice)
{
	struct cb_res a, b;

	a = op_in(self, variant, CBTEST_OP_ALLOC_COPY, 0, 5000, 42, 0, 0);
	ASSERT_BLOCK(a, 5000, self->start, self->len);
	b = op_in(self, variant, CBTEST_OP_ALLOC_COPY, 0, 300, 43, 0, 0);
	ASSERT_BLOCK(b, 300, self->start, self->len);
	ASSERT_TRUE(a.ret_addr + 5000 <= b.ret_addr ||
		    b.ret_addr + 300 <= a.ret_addr);
	ASSERT_PATTERN((__u8 *)(uintptr_t)a.ret_addr, 5000, 42);
	ASSERT_PATTERN((__u8 *)(uintptr_t)b.ret_addr, 300, 43);
}

TEST_F(alloc, whole_buffer_then_exhausted)
{
	/* Blocks start at the first 16-byte boundary of the buffer. */
	__u32 room = (__u32)(self->len - (16 - START_OFF));

	ASSERT_BLOCK(do_alloc(room), room, self->start, self->len);
	ASSERT_RES(ENOMEM, CLIENTBUF_STATUS_NO_MEMORY, do_alloc(1));
}

TEST_F(alloc, too_large)
{
	ASSERT_RES(ENOMEM, CLIENTBUF_STATUS_NO_MEMORY,
		   do_alloc((__u32)self->len + 1));
}

TEST_F(alloc, max_allocs)
{
	__u32 i;

	ASSERT_GE(self->len / 16, self->info.max_allocs);
	for (i = 0; i < self->info.max_allocs; i++)
		ASSERT_OK(do_alloc(1));
	/* Room left, but no block left. */
	ASSERT_RES(ENOMEM, CLIENTBUF_STATUS_NO_MEMORY, do_alloc(1));
}

TEST_F(alloc, no_alloc_buffer)
{
	__u32 id;

	test_unregister(self->fd, self->id);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, self->start, self->len,
		      &id);
	ASSERT_RES(ENOMEM, CLIENTBUF_STATUS_NO_MEMORY, do_alloc(16));
}

TEST_F(alloc, len_zero)
{
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER, do_alloc(0));
}

TEST_F(alloc, null_request)
{
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   op_in(self, variant, CBTEST_OP_ALLOC, 0, 16, 0,
			 CBTEST_F_NULL_REQUEST, 0));
}

TEST_F(alloc, stale_request)
{
	ASSERT_OK(cbt_op(self->fd, CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL, 0,
			 0, 0));
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   op_in(self, variant, CBTEST_OP_ALLOC, 0, 16, 0,
			 CBTEST_F_STALE_REQUEST, 0));
}

TEST_F(alloc, return_buf_id)
{
	__u8 *other = cb_map(self->page);
	struct cb_res res;
	__u32 id2;

	ASSERT_NE(NULL, other);
	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
		      other, self->page, &id2);
	/* The call names the second buffer: the block is there. */
	res = op_in(self, variant, CBTEST_OP_ALLOC, 0, 64, 0, 0, id2);
	ASSERT_BLOCK(res, 64, other, self->page);
	/* Without a name: the first ALLOC buffer with room. */
	res = op_in(self, variant, CBTEST_OP_ALLOC, 0, 64, 0, 0, 0);
	ASSERT_BLOCK(res, 64, self->start, self->len);
	/* The named buffer is full: no other is used. */
	res = op_in(self, variant, CBTEST_OP_ALLOC, 0, (__u32)self->page, 0, 0,
		    id2);
	ASSERT_RES(ENOMEM, CLIENTBUF_STATUS_NO_MEMORY, res);
}

TEST_F(alloc, free_null)
{
	ASSERT_OK(do_free(0));
}

TEST_F(alloc, free_block)
{
	struct cb_res res = do_alloc(64);

	ASSERT_OK(res);
	ASSERT_OK(do_free(res.ret_addr));
}

TEST_F(alloc, free_twice)
{
	struct cb_res res = do_alloc(64);

	ASSERT_OK(res);
	ASSERT_OK(do_free(res.ret_addr));
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   do_free(res.ret_addr));
}

TEST_F(alloc, free_inside_block)
{
	struct cb_res res = do_alloc(64);

	ASSERT_OK(res);
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   do_free(res.ret_addr + 16));
	/* The block is still live. */
	ASSERT_OK(do_free(res.ret_addr));
}

TEST_F(alloc, free_never_allocated)
{
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   do_free((uintptr_t)self->start + 16));
}

TEST_F(alloc, free_outside_buffers)
{
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   do_free((uintptr_t)&self->id));
}

TEST_F(alloc, free_null_request)
{
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   op_in(self, variant, CBTEST_OP_FREE, 0, 0, 0,
			 CBTEST_F_NULL_REQUEST, 0));
}

TEST_F(alloc, free_then_reuse)
{
	struct cb_res a, b, c;

	a = do_alloc(64);
	ASSERT_OK(a);
	b = do_alloc(64);
	ASSERT_OK(b);
	ASSERT_OK(do_free(a.ret_addr));
	/* First fit: the freed block's place is found again. */
	c = do_alloc(48);
	ASSERT_OK(c);
	ASSERT_EQ(a.ret_addr, c.ret_addr);
}

/* get_client_info() through CBTEST_OP_INFO, from the calling thread. */
static struct cb_res call_info(FIXTURE_DATA(alloc) *self,
			       const FIXTURE_VARIANT(alloc) *variant,
			       struct cbtest_client_info *out)
{
	struct cb_res res = op_in(self, variant, CBTEST_OP_INFO, 0, 0, 0, 0,
				  0);

	if (!res.err && res.ret_addr && res.ret_len == sizeof(*out))
		memcpy(out, (void *)(uintptr_t)res.ret_addr, sizeof(*out));
	return res;
}

static void check_info(struct __test_metadata *_metadata,
		       const FIXTURE_VARIANT(alloc) *variant,
		       const struct cbtest_client_info *info, pid_t tid)
{
	ASSERT_EQ(tid, info->pid);
	ASSERT_EQ(getpid(), info->tgid);
	ASSERT_EQ(getuid(), info->uid);
	ASSERT_EQ(getgid(), info->gid);
	ASSERT_EQ(0, info->flags & CBTEST_INFO_TERMINATED);
	if (variant->ctx == CBTEST_CTX_CALLER) {
		ASSERT_EQ(CBTEST_INFO_IN_CONTEXT,
			  info->flags & CBTEST_INFO_IN_CONTEXT);
	} else {
		ASSERT_EQ(0, info->flags & CBTEST_INFO_IN_CONTEXT);
	}
}

TEST_F(alloc, client_info)
{
	struct cbtest_client_info info;
	struct cb_res res;

	memset(&info, 0xff, sizeof(info));
	res = call_info(self, variant, &info);
	ASSERT_BLOCK(res, sizeof(info), self->start, self->len);
	check_info(_metadata, variant, &info, (pid_t)syscall(SYS_gettid));
}

struct info_thread {
	FIXTURE_DATA(alloc) *self;
	const FIXTURE_VARIANT(alloc) *variant;
	struct cbtest_client_info info;
	struct cb_res res;
	pid_t tid;
};

static void *info_thread_fn(void *arg)
{
	struct info_thread *t = arg;

	t->tid = (pid_t)syscall(SYS_gettid);
	t->res = call_info(t->self, t->variant, &t->info);
	return NULL;
}

TEST_F(alloc, client_info_other_thread)
{
	struct info_thread t = { .self = self, .variant = variant };
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, info_thread_fn, &t));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_BLOCK(t.res, sizeof(t.info), self->start, self->len);
	ASSERT_NE(getpid(), t.tid);
	/* pid is the calling thread, tgid the client process. */
	check_info(_metadata, variant, &t.info, t.tid);
}

TEST_F(alloc, client_info_needs_alloc_buffer)
{
	struct cbtest_client_info info;
	__u32 id;

	test_unregister(self->fd, self->id);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, self->start, self->len,
		      &id);
	ASSERT_RES(ENOMEM, CLIENTBUF_STATUS_NO_MEMORY,
		   call_info(self, variant, &info));
}

/* ---- CLIENTBUF_IOC_FREE, asynchronous calls, completion records ------- */

FIXTURE(client) {
	int fd;
	int tfd;
	size_t page;
	__u8 *mem;
	__u32 id;
	struct clientbuf_info info;
	struct cb_live base;
};

FIXTURE_SETUP(client)
{
	self->page = cb_page();
	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->fd = cb_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", CB_DEV, strerror(errno));
	self->tfd = cbt_open();
	ASSERT_LE(0, self->tfd) TH_LOG("open %s: %s", CBT_DEV,
				       strerror(errno));
	ASSERT_EQ(0, cb_get_info(self->fd, &self->info));
	self->mem = cb_map(4 * self->page);
	ASSERT_NE(NULL, self->mem);
	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
		      self->mem, 4 * self->page, &self->id);
}

FIXTURE_TEARDOWN(client)
{
	if (self->fd >= 0)
		close(self->fd);
	close(self->tfd);
	cbt_release_slots();
}

static struct cb_res alloc_caller(int fd, __u32 len)
{
	return cbt_op(fd, CBTEST_OP_ALLOC, CBTEST_CTX_CALLER, NULL, len, 0, 0);
}

TEST_F(client, ioc_free)
{
	struct cb_res res = alloc_caller(self->fd, 64);

	ASSERT_OK(res);
	ASSERT_OK(_cb_free(self->fd, self->id, res.ret_addr));
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_free(self->fd, self->id, res.ret_addr));
}

TEST_F(client, ioc_free_then_package_free)
{
	struct cb_res res = alloc_caller(self->fd, 64);

	ASSERT_OK(res);
	ASSERT_OK(_cb_free(self->fd, self->id, res.ret_addr));
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   cbt_op(self->fd, CBTEST_OP_FREE, CBTEST_CTX_CALLER,
			  (void *)(uintptr_t)res.ret_addr, 0, 0, 0));
}

TEST_F(client, ioc_free_alloc_copy_answer)
{
	/* The LsaFreeReturnBuffer pattern: free the call's return_addr. */
	struct cb_res res = cbt_op(self->fd, CBTEST_OP_ALLOC_COPY,
				   CBTEST_CTX_CALLER, NULL, 100, 7, 0);

	ASSERT_OK(res);
	ASSERT_EQ(100, res.ret_len);
	ASSERT_PATTERN((__u8 *)(uintptr_t)res.ret_addr, 100, 7);
	ASSERT_OK(_cb_free(self->fd, self->id, res.ret_addr));
	ASSERT_EQ(res.ret_addr, alloc_caller(self->fd, 100).ret_addr);
}

TEST_F(client, ioc_free_unknown_id)
{
	struct cb_res res = alloc_caller(self->fd, 64);

	ASSERT_OK(res);
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   _cb_free(self->fd, self->id + 100, res.ret_addr));
}

TEST_F(client, ioc_free_not_alloc_buffer)
{
	__u8 *p = cb_map(self->page);
	__u32 id;

	ASSERT_NE(NULL, p);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, p, self->page, &id);
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_free(self->fd, id, (uintptr_t)p));
}

TEST_F(client, ioc_free_not_block)
{
	struct cb_res res = alloc_caller(self->fd, 64);

	ASSERT_OK(res);
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_free(self->fd, self->id, res.ret_addr + 1));
}

TEST_F(client, ioc_free_null)
{
	/* A client has no business freeing NULL: not a block. */
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_free(self->fd, self->id, 0));
}

TEST_F(client, ioc_free_reserved)
{
	struct cb_res res = alloc_caller(self->fd, 64);
	struct clientbuf_free f = {
		.size = sizeof(f), .id = self->id, .reserved = 1,
		.status = 0xdeadbeef,
	};

	ASSERT_OK(res);
	f.addr = res.ret_addr;
	ASSERT_EQ(-1, ioctl(self->fd, CLIENTBUF_IOC_FREE, &f));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(CLIENTBUF_STATUS_INVALID_PARAMETER, f.status);
	/* Not freed. */
	ASSERT_OK(_cb_free(self->fd, self->id, res.ret_addr));
}

TEST_F(client, close_with_blocks_no_leak)
{
	int i;

	for (i = 0; i < 10; i++)
		ASSERT_OK(alloc_caller(self->fd, 100));
	close(self->fd);
	self->fd = -1;
	ASSERT_LIVE_EQ(&self->base);
}

static int poll_in(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDNORM };
	int n = poll(&p, 1, timeout_ms);

	return n < 0 ? -errno : n ? p.revents : 0;
}

static ssize_t read_nonblock(int fd, void *buf, size_t len)
{
	int fl = fcntl(fd, F_GETFL);
	ssize_t n;

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	n = read(fd, buf, len);
	fcntl(fd, F_SETFL, fl);
	return n;
}

TEST_F(client, async_pending_then_record)
{
	struct clientbuf_completion rec;
	struct cb_res res = cbt_hold(self->fd, 0);

	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, res);
	ASSERT_NE(0, res.req_id);
	ASSERT_EQ(0, poll_in(self->fd, 0));
	ASSERT_EQ(0, cbt_complete(self->tfd, 0, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_EQ(POLLIN | POLLRDNORM, poll_in(self->fd, 1000));
	memset(&rec, 0xff, sizeof(rec));
	ASSERT_EQ((ssize_t)sizeof(rec), read(self->fd, &rec, sizeof(rec)));
	ASSERT_EQ(res.req_id, rec.request_id);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, rec.status);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, rec.protocol_status);
	ASSERT_EQ(0, rec.return_len);
	ASSERT_EQ(0, rec.return_addr);
	ASSERT_EQ(0, rec.reserved);
	/* One record per call. */
	ASSERT_EQ(0, poll_in(self->fd, 0));
	ASSERT_EQ(-1, read_nonblock(self->fd, &rec, sizeof(rec)));
	ASSERT_EQ(EAGAIN, errno);
}

TEST_F(client, async_record_status)
{
	struct clientbuf_completion rec;
	struct cb_res res = cbt_hold(self->fd, 0);

	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, res);
	ASSERT_EQ(0, cbt_complete(self->tfd, 0,
				  CLIENTBUF_STATUS_ACCESS_DENIED));
	ASSERT_EQ(POLLIN | POLLRDNORM, poll_in(self->fd, 1000));
	ASSERT_EQ((ssize_t)sizeof(rec), read(self->fd, &rec, sizeof(rec)));
	ASSERT_EQ(res.req_id, rec.request_id);
	ASSERT_EQ(CLIENTBUF_STATUS_ACCESS_DENIED, rec.status);
}

TEST_F(client, async_records_in_completion_order)
{
	struct clientbuf_completion rec[3];
	struct cb_res a = cbt_hold(self->fd, 0);
	struct cb_res b = cbt_hold(self->fd, 1);

	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, a);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, b);
	ASSERT_LT(a.req_id, b.req_id);
	ASSERT_EQ(0, cbt_complete(self->tfd, 1, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_EQ(0, cbt_complete(self->tfd, 0, CLIENTBUF_STATUS_NO_MEMORY));
	/* Room for three, two are there: whole records only. */
	ASSERT_EQ((ssize_t)(2 * sizeof(rec[0])),
		  read(self->fd, rec, sizeof(rec)));
	ASSERT_EQ(b.req_id, rec[0].request_id);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, rec[0].status);
	ASSERT_EQ(a.req_id, rec[1].request_id);
	ASSERT_EQ(CLIENTBUF_STATUS_NO_MEMORY, rec[1].status);
}

TEST_F(client, read_short_buffer)
{
	struct clientbuf_completion rec;

	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, cbt_hold(self->fd, 0));
	ASSERT_EQ(0, cbt_complete(self->tfd, 0, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_EQ(-1, read(self->fd, &rec, sizeof(rec) - 1));
	ASSERT_EQ(EINVAL, errno);
	/* The record is still there. */
	ASSERT_EQ((ssize_t)sizeof(rec), read(self->fd, &rec, sizeof(rec)));
}

TEST_F(client, read_nonblock_empty)
{
	struct clientbuf_completion rec;

	ASSERT_EQ(-1, read_nonblock(self->fd, &rec, sizeof(rec)));
	ASSERT_EQ(EAGAIN, errno);
}

TEST_F(client, read_nonblock_pending)
{
	struct clientbuf_completion rec;

	/* A call still pending has no record yet. */
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, cbt_hold(self->fd, 0));
	ASSERT_EQ(-1, read_nonblock(self->fd, &rec, sizeof(rec)));
	ASSERT_EQ(EAGAIN, errno);
}

TEST_F(client, sync_calls_have_no_record)
{
	struct clientbuf_completion rec;

	ASSERT_OK(cbt_op(self->fd, CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL, 0,
			 0, 0));
	ASSERT_RES(EIO, 0xC0001234U,
		   cbt_op(self->fd, CBTEST_OP_STATUS, CBTEST_CTX_CALLER, NULL,
			  0, 0xC0001234U, 0));
	ASSERT_EQ(-1, read_nonblock(self->fd, &rec, sizeof(rec)));
	ASSERT_EQ(EAGAIN, errno);
}

TEST_F(client, async_answered_at_once)
{
	struct clientbuf_completion rec;

	/* An asynchronous call the package answers at once: the ioctl says. */
	struct cbtest_cmd c = cbt_cmd(CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL,
				      0, 0, 0);

	ASSERT_OK(_cbt_call(self->fd, &c, CLIENTBUF_CALL_ASYNC, 0));
	ASSERT_EQ(-1, read_nonblock(self->fd, &rec, sizeof(rec)));
	ASSERT_EQ(EAGAIN, errno);
}

TEST_F(client, async_max_pending)
{
	__u32 h;

	if (self->info.max_pending > CBTEST_MAX_HANDLES)
		SKIP(return, "max_pending %u: not enough test slots",
		     self->info.max_pending);
	for (h = 0; h < self->info.max_pending; h++)
		ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, cbt_hold(self->fd, h));
	/* Refused before the package runs: the slot does not matter. */
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED,
		   cbt_hold(self->fd, 0));
	/* Completing one makes room. */
	ASSERT_EQ(0, cbt_complete(self->tfd, 0, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, cbt_hold(self->fd, 0));
}

struct sync_hold {
	int fd;
	struct cb_res res;
};

static void *sync_hold_fn(void *arg)
{
	struct sync_hold *s = arg;
	struct cbtest_cmd c = cbt_cmd(CBTEST_OP_HOLD, CBTEST_CTX_CALLER, NULL,
				      0, 0, 0);

	s->res = _cbt_call(s->fd, &c, 0, 0);
	return NULL;
}

TEST_F(client, sync_call_completed_elsewhere)
{
	struct sync_hold s = { .fd = self->fd };
	struct clientbuf_completion rec;
	pthread_t th;
	int i, err = ENOENT;

	/* A synchronous call waits until the package completes it. */
	ASSERT_EQ(0, pthread_create(&th, NULL, sync_hold_fn, &s));
	for (i = 0; i < 1000 && err == ENOENT; i++) {
		cb_msleep(5);
		err = cbt_complete(self->tfd, 0,
				   CLIENTBUF_STATUS_ACCESS_DENIED);
	}
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_RES(EPERM, CLIENTBUF_STATUS_ACCESS_DENIED, s.res);
	ASSERT_EQ(-1, read_nonblock(self->fd, &rec, sizeof(rec)));
	ASSERT_EQ(EAGAIN, errno);
}

TEST_F(client, close_with_records_no_leak)
{
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, cbt_hold(self->fd, 0));
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, cbt_hold(self->fd, 1));
	ASSERT_EQ(0, cbt_complete(self->tfd, 0, CLIENTBUF_STATUS_SUCCESS));
	/* One record queued, one call pending: close. */
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, cbt_complete(self->tfd, 1, CLIENTBUF_STATUS_SUCCESS));
	ASSERT_LIVE_EQ(&self->base);
}

TEST_HARNESS_MAIN
