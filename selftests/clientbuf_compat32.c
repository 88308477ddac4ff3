// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_compat32 - 32-bit callers, through compat_ptr_ioctl.
 *
 * Built -m32 (selftests/Makefile; gcc-multilib) and run on the 64-bit test
 * kernels, which have IA32 emulation: every ioctl of /dev/clientbuf (and
 * of the test package's device) from a 32-bit process, whose pointers are
 * __aligned_u64 fields (the layout of every uapi struct is the same for
 * both ABIs), every byte checked. Skips when the kernel cannot run 32-bit
 * programs (it would not even start then) or the binary was built for
 * 64 bits.
 */
#define _GNU_SOURCE
#include "clientbuf_srv_util.h"

CB_RELEASE_SLOTS_AT_EXIT

#define INFO_STATUS	0x40000001U

/* The layout both ABIs share (the sizes of the 64-bit build). */
_Static_assert(sizeof(struct clientbuf_info) == 152, "clientbuf_info");
_Static_assert(sizeof(struct clientbuf_completion) == 32,
	       "clientbuf_completion");
_Static_assert(sizeof(struct cbtest_remote) == 56, "cbtest_remote");
_Static_assert(sizeof(struct cbtest_cmd) == 40, "cbtest_cmd");

FIXTURE(compat) {
	int fd;
	int tfd;
	size_t page;
	__u8 *buf;
	struct cb_live base;
};

FIXTURE_SETUP(compat)
{
	self->fd = self->tfd = -1;
	if (sizeof(void *) != 4)
		SKIP(return, "built for 64 bits, not -m32");
	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->page = cb_page();
	self->buf = cb_map(4 * self->page);
	ASSERT_NE(NULL, self->buf);
	self->fd = cb_open();
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(errno));
	self->tfd = cbt_open();
	ASSERT_LE(0, self->tfd);
}

FIXTURE_TEARDOWN(compat)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->tfd >= 0)
		close(self->tfd);
}

#define CLOSE_AND_CHECK() do {						\
	close(self->fd);						\
	self->fd = -1;							\
	ASSERT_LIVE_EQ(&self->base);					\
} while (0)

TEST_F(compat, get_info)
{
	struct clientbuf_info info;

	ASSERT_EQ(0, cb_get_info(self->fd, &info));
	ASSERT_EQ(sizeof(info), info.size);
	ASSERT_EQ(CLIENTBUF_ABI_VERSION, info.abi_version);
	ASSERT_NE(0, info.features & CLIENTBUF_FEAT_PIN);
	ASSERT_NE(0, info.max_buffers);
	ASSERT_NE(0, info.max_buffer_bytes);
	CLOSE_AND_CHECK();
}

/* REGISTER, copies in each context, UNREGISTER, from a 32-bit process. */
TEST_F(compat, register_copy_unregister)
{
	static const __u32 ctxs[] = {
		CBTEST_CTX_CALLER, CBTEST_CTX_WORKQUEUE, CBTEST_CTX_KTHREAD,
	};
	struct cb_res r;
	__u32 id, pid;
	size_t i;

	memset(self->buf, 0, 4 * self->page);
	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ,
		      self->buf, 2 * self->page, &id);
	ASSERT_EQ(1, id);
	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ |
		      CLIENTBUF_BUF_PIN, self->buf + 2 * self->page,
		      2 * self->page, &pid);
	ASSERT_EQ(2, pid);
	for (i = 0; i < 2 * sizeof(ctxs) / sizeof(ctxs[0]); i++) {
		/* the plain buffer, then the pinned one, in each context */
		__u8 *dst = self->buf + 100 + (i & 1) * 2 * self->page;

		memset(dst - 100, 0, 2 * self->page);
		r = cbt_op(self->fd, CBTEST_OP_COPY_TO, ctxs[i / 2], dst,
			   3000, (__u32)i + 1, 0);
		ASSERT_OK(r);
		ASSERT_PATTERN(dst, 3000, (__u32)i + 1);
		ASSERT_EQ(0, dst[-1]);
		ASSERT_EQ(0, dst[3000]);
		r = cbt_op(self->fd, CBTEST_OP_COPY_FROM, ctxs[i / 2], dst,
			   3000, (__u32)i + 1, 0);
		ASSERT_OK(r);
		ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, r.proto);
	}
	/*
	 * All 64 bits of an address field count: the buffer's address plus
	 * 4 GiB is outside every registered range (truncated to 32 bits it
	 * would be inside).
	 */
	{
		struct cbtest_cmd cmd = cbt_cmd(CBTEST_OP_COPY_TO,
						CBTEST_CTX_CALLER, self->buf,
						16, 1, 0);

		cmd.addr += 1ULL << 32;
		memset(self->buf, 0, 16);
		ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
			   _cbt_call(self->fd, &cmd, 0, 0));
		ASSERT_GT(0, cb_not_byte(self->buf, 16, 0));
	}
	test_unregister(self->fd, id);
	test_unregister(self->fd, pid);
	test_err_unregister(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
			    self->fd, id);
	CLOSE_AND_CHECK();
}

/* allocate_client_buffer: the block's address comes back in a __u64. */
TEST_F(compat, alloc_free)
{
	struct cb_res r;
	__u32 id;

	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
		      self->buf, self->page, &id);
	r = cbt_op(self->fd, CBTEST_OP_ALLOC_COPY, CBTEST_CTX_CALLER, NULL,
		   200, 9, 0);
	ASSERT_OK(r);
	ASSERT_EQ((uintptr_t)self->buf, r.ret_addr);
	ASSERT_EQ(200, r.ret_len);
	ASSERT_PATTERN(self->buf, 200, 9);
	ASSERT_OK(_cb_free(self->fd, id, r.ret_addr));
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_free(self->fd, id, r.ret_addr));
	CLOSE_AND_CHECK();
}

/* An asynchronous call and its completion record, read by a 32-bit read(). */
TEST_F(compat, async_record)
{
	struct clientbuf_completion c;
	struct cbtest_remote rm = { .handle = 0, .seed = INFO_STATUS };
	struct cb_res h;

	h = cbt_hold(self->fd, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, h);
	ASSERT_NE(0, h.req_id);
	rm.addr = (uintptr_t)self->buf + 64;
	rm.len = 16;
	ASSERT_EQ(0, cbt_ioctl(self->tfd, CBTEST_IOC_COMPLETE, &rm));
	ASSERT_EQ(sizeof(c), read(self->fd, &c, sizeof(c)));
	ASSERT_EQ(h.req_id, c.request_id);
	ASSERT_EQ(INFO_STATUS, c.status);
	ASSERT_EQ((uintptr_t)self->buf + 64, c.return_addr);
	ASSERT_EQ(16, c.return_len);
	CLOSE_AND_CHECK();
}

/* A 32-bit package server: SERVE, read(), SERVER_OP copies, COMPLETE. */
TEST_F(compat, server)
{
	struct {
		struct clientbuf_server_call hdr;
		char s[8];
	} rec;
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct clientbuf_segment seg[2];
	struct clientbuf_completion c;
	__u8 *sbuf = cb_map(self->page);
	struct srv_call call;
	__u64 index;
	__u32 id;
	int srv;

	if (geteuid())
		SKIP(return, "CLIENTBUF_IOC_SERVE needs CAP_SYS_ADMIN");
	ASSERT_NE(NULL, sbuf);
	srv = cb_open();
	ASSERT_LE(0, srv);
	srv_name(name, sizeof(name), "c32");
	ASSERT_OK(srv_serve(&srv, name));
	memset(self->buf, 0, 4 * self->page);
	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ,
		      self->buf, 2 * self->page, &id);
	call = srv_call(self->fd, name, "c32", 3, CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&call));
	ASSERT_EQ(sizeof(rec.hdr) + 3, read(srv, &rec, sizeof(rec)));
	ASSERT_EQ(getpid(), rec.hdr.tgid);
	ASSERT_EQ(3, rec.hdr.submit_len);
	ASSERT_EQ(0, memcmp(rec.s, "c32", 3));

	cb_fill(sbuf, self->page, 4);
	ASSERT_OK(srv_copy_to(srv, rec.hdr.call_id, (uintptr_t)self->buf + 8,
			      sbuf, 1000));
	ASSERT_PATTERN(self->buf + 8, 1000, 4);
	seg[0] = (struct clientbuf_segment){
		.client_addr = (uintptr_t)self->buf + self->page,
		.server_addr = (uintptr_t)sbuf, .len = 100 };
	seg[1] = (struct clientbuf_segment){
		.client_addr = (uintptr_t)self->buf + self->page + 500,
		.server_addr = (uintptr_t)sbuf, .len = 50 };
	ASSERT_OK(srv_copy_vec(srv, rec.hdr.call_id,
			       CLIENTBUF_SRV_COPY_TO_VEC, seg, 2, &index));
	ASSERT_PATTERN(self->buf + self->page, 100, 4);
	ASSERT_PATTERN(self->buf + self->page + 500, 50, 4);
	ASSERT_EQ(0, self->buf[self->page + 100]);
	memset(sbuf, 0, self->page);
	ASSERT_OK(srv_copy_from(srv, rec.hdr.call_id, sbuf,
				(uintptr_t)self->buf + 8, 1000));
	ASSERT_PATTERN(sbuf, 1000, 4);
	ASSERT_OK(srv_complete(srv, rec.hdr.call_id, INFO_STATUS, 0x77,
			       (uintptr_t)self->buf + 8, 1000));
	ASSERT_EQ(sizeof(c), read(self->fd, &c, sizeof(c)));
	ASSERT_EQ(call.c.request_id, c.request_id);
	ASSERT_EQ(INFO_STATUS, c.status);
	ASSERT_EQ(0x77, c.protocol_status);
	ASSERT_EQ((uintptr_t)self->buf + 8, c.return_addr);
	ASSERT_EQ(1000, c.return_len);
	close(srv);
	CLOSE_AND_CHECK();
}

TEST_HARNESS_MAIN
