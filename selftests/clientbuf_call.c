// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_call - CLIENTBUF_IOC_CALL_PACKAGE: the checks of the call
 * itself (package name, flags, submit buffer, return buffer, struct size)
 * and the status pass-through of the test package. One error per TEST.
 */
#include "clientbuf_util.h"

FIXTURE(call) {
	int fd;
	struct clientbuf_info info;
	size_t page;
	void *mem;
	size_t len;
	struct cbtest_cmd nop;
};

FIXTURE_SETUP(call)
{
	self->page = cb_page();
	self->len = 4 * self->page;
	self->fd = cb_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", CB_DEV, strerror(errno));
	ASSERT_EQ(0, cb_get_info(self->fd, &self->info));
	self->mem = cb_map(self->len);
	ASSERT_NE(NULL, self->mem);
	self->nop = cbt_cmd(CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL, 0, 0, 0);
}

FIXTURE_TEARDOWN(call)
{
	close(self->fd);
	munmap(self->mem, self->len);
}

static struct cb_res call_raw(int fd, struct clientbuf_call *c)
{
	return cb_call_res(ioctl(fd, CLIENTBUF_IOC_CALL_PACKAGE, c), c);
}

TEST_F(call, nop)
{
	struct cb_res a, b;

	a = _cbt_call(self->fd, &self->nop, 0, 0);
	ASSERT_OK(a);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, a.proto);
	ASSERT_NE(0, a.req_id);
	ASSERT_EQ(0, a.ret_addr);
	ASSERT_EQ(0, a.ret_len);
	b = _cbt_call(self->fd, &self->nop, 0, 0);
	ASSERT_OK(b);
	ASSERT_LT(a.req_id, b.req_id);
}

TEST_F(call, unknown_package)
{
	ASSERT_RES(ENOPKG, CLIENTBUF_STATUS_NO_SUCH_PACKAGE,
		   _cb_call(self->fd, "no_such_package", &self->nop,
			    sizeof(self->nop), 0, 0));
}

TEST_F(call, package_prefix)
{
	/* Names match whole: a prefix of the package is no package. */
	ASSERT_RES(ENOPKG, CLIENTBUF_STATUS_NO_SUCH_PACKAGE,
		   _cb_call(self->fd, "clientbuf_tes", &self->nop,
			    sizeof(self->nop), 0, 0));
}

TEST_F(call, name_not_terminated)
{
	struct clientbuf_call c;

	cb_call_init(&c, CBTEST_PACKAGE, &self->nop, sizeof(self->nop), 0, 0);
	memset(c.package, 'a', sizeof(c.package));
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   call_raw(self->fd, &c));
}

TEST_F(call, name_terminated_and_padded)
{
	struct clientbuf_call c;

	/* The package name, then garbage after its NUL: still the name. */
	cb_call_init(&c, CBTEST_PACKAGE, &self->nop, sizeof(self->nop), 0, 0);
	memset(c.package + sizeof(CBTEST_PACKAGE), 'x',
	       sizeof(c.package) - sizeof(CBTEST_PACKAGE));
	ASSERT_OK(call_raw(self->fd, &c));
}

TEST_F(call, name_empty)
{
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_call(self->fd, "", &self->nop, sizeof(self->nop), 0,
			    0));
}

TEST_F(call, unknown_flag)
{
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_call(self->fd, CBTEST_PACKAGE, &self->nop,
			    sizeof(self->nop), CLIENTBUF_CALL_FLAGS << 1, 0));
}

TEST_F(call, reserved)
{
	struct clientbuf_call c;

	cb_call_init(&c, CBTEST_PACKAGE, &self->nop, sizeof(self->nop), 0, 0);
	c.reserved = 1;
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   call_raw(self->fd, &c));
}

TEST_F(call, submit_too_long)
{
	size_t len = self->info.max_submit_len + 1UL;
	void *p = cb_map(len);

	ASSERT_NE(NULL, p);
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_call(self->fd, CBTEST_PACKAGE, p, (__u32)len, 0, 0));
	munmap(p, len);
}

TEST_F(call, submit_max_len)
{
	size_t len = self->info.max_submit_len;
	void *p = cb_map(len);

	ASSERT_NE(NULL, p);
	memcpy(p, &self->nop, sizeof(self->nop));
	ASSERT_OK(_cb_call(self->fd, CBTEST_PACKAGE, p, (__u32)len, 0, 0));
	munmap(p, len);
}

TEST_F(call, submit_null)
{
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   _cb_call(self->fd, CBTEST_PACKAGE, NULL,
			    sizeof(struct cbtest_cmd), 0, 0));
}

TEST_F(call, submit_kernel_addr)
{
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   _cb_call(self->fd, CBTEST_PACKAGE,
			    (void *)(uintptr_t)CB_KERNEL_ADDR,
			    sizeof(struct cbtest_cmd), 0, 0));
}

TEST_F(call, submit_unmapped)
{
	ASSERT_EQ(0, munmap(self->mem, self->len));
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   _cb_call(self->fd, CBTEST_PACKAGE, self->mem,
			    sizeof(struct cbtest_cmd), 0, 0));
	self->mem = cb_map(self->len);
	ASSERT_NE(NULL, self->mem);
}

TEST_F(call, return_buf_unknown)
{
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   _cbt_call(self->fd, &self->nop, 0, 4242));
}

TEST_F(call, return_buf_not_alloc)
{
	__u32 id;

	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ,
		      self->mem, self->len, &id);
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cbt_call(self->fd, &self->nop, 0, id));
}

TEST_F(call, return_buf_alloc)
{
	__u32 id;

	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
		      self->mem, self->len, &id);
	ASSERT_OK(_cbt_call(self->fd, &self->nop, 0, id));
}

TEST_F(call, return_buf_unregistered)
{
	__u32 id;

	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
		      self->mem, self->len, &id);
	test_unregister(self->fd, id);
	ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
		   _cbt_call(self->fd, &self->nop, 0, id));
}

TEST_F(call, submit_short)
{
	ASSERT_RES(ERANGE, CLIENTBUF_STATUS_BUFFER_TOO_SMALL,
		   _cb_call(self->fd, CBTEST_PACKAGE, &self->nop,
			    sizeof(self->nop) - 1, 0, 0));
}

TEST_F(call, submit_empty)
{
	/* No submit buffer at all: the package sees length 0. */
	ASSERT_RES(ERANGE, CLIENTBUF_STATUS_BUFFER_TOO_SMALL,
		   _cb_call(self->fd, CBTEST_PACKAGE, NULL, 0, 0, 0));
}

TEST_F(call, cmd_reserved)
{
	struct cbtest_cmd c = self->nop;

	c.reserved2 = 1;
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cbt_call(self->fd, &c, 0, 0));
}

TEST_F(call, cmd_bad_ctx)
{
	struct cbtest_cmd c = self->nop;

	c.ctx = CBTEST_CTX_MAX + 1;
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cbt_call(self->fd, &c, 0, 0));
}

TEST_F(call, status_access_denied)
{
	struct cbtest_cmd c = cbt_cmd(CBTEST_OP_STATUS, CBTEST_CTX_CALLER,
				      NULL, 0,
				      CLIENTBUF_STATUS_ACCESS_DENIED, 0);

	ASSERT_RES(EPERM, CLIENTBUF_STATUS_ACCESS_DENIED,
		   _cbt_call(self->fd, &c, 0, 0));
}

TEST_F(call, status_no_memory)
{
	struct cbtest_cmd c = cbt_cmd(CBTEST_OP_STATUS, CBTEST_CTX_CALLER,
				      NULL, 0, CLIENTBUF_STATUS_NO_MEMORY, 0);

	ASSERT_RES(ENOMEM, CLIENTBUF_STATUS_NO_MEMORY,
		   _cbt_call(self->fd, &c, 0, 0));
}

TEST_F(call, status_unknown_error)
{
	/* An error the table does not know: EIO (ERROR_MR_MID_NOT_FOUND). */
	struct cbtest_cmd c = cbt_cmd(CBTEST_OP_STATUS, CBTEST_CTX_CALLER,
				      NULL, 0, 0xC0001234U, 0);

	ASSERT_RES(EIO, 0xC0001234U, _cbt_call(self->fd, &c, 0, 0));
}

TEST_F(call, status_informational)
{
	/* NT_SUCCESS() (severity 1): the ioctl succeeds. */
	struct cbtest_cmd c = cbt_cmd(CBTEST_OP_STATUS, CBTEST_CTX_CALLER,
				      NULL, 0, 0x40000000U, 0);

	ASSERT_RES(0, 0x40000000U, _cbt_call(self->fd, &c, 0, 0));
}

TEST_F(call, status_warning)
{
	/* Severity 2 is not NT_SUCCESS(): STATUS_PARTIAL_COPY is EFAULT. */
	struct cbtest_cmd c = cbt_cmd(CBTEST_OP_STATUS, CBTEST_CTX_CALLER,
				      NULL, 0, CLIENTBUF_STATUS_PARTIAL_COPY,
				      0);

	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_PARTIAL_COPY,
		   _cbt_call(self->fd, &c, 0, 0));
}

TEST_F(call, size_too_small)
{
	struct clientbuf_call c;

	cb_call_init(&c, CBTEST_PACKAGE, &self->nop, sizeof(self->nop), 0, 0);
	c.size = offsetof(struct clientbuf_call, reserved);
	ASSERT_EQ(-1, ioctl(self->fd, CLIENTBUF_IOC_CALL_PACKAGE, &c));
	ASSERT_EQ(EINVAL, errno);
	/* Refused before anything ran: nothing written back. */
	ASSERT_EQ(0xdeadbeef, c.status);
	ASSERT_EQ(0, c.request_id);
}

struct call_ext {
	struct clientbuf_call call;
	__u64 tail;
};

TEST_F(call, size_larger_nonzero_tail)
{
	struct call_ext ext;

	memset(&ext, 0, sizeof(ext));
	cb_call_init(&ext.call, CBTEST_PACKAGE, &self->nop, sizeof(self->nop),
		     0, 0);
	ext.call.size = sizeof(ext);
	ext.tail = 1;
	ASSERT_EQ(-1, ioctl(self->fd, CLIENTBUF_IOC_CALL_PACKAGE, &ext));
	ASSERT_EQ(E2BIG, errno);
	ASSERT_EQ(0, ext.call.request_id);
}

TEST_F(call, size_larger_zero_tail)
{
	struct call_ext ext;

	memset(&ext, 0, sizeof(ext));
	cb_call_init(&ext.call, CBTEST_PACKAGE, &self->nop, sizeof(self->nop),
		     0, 0);
	ext.call.size = sizeof(ext);
	ASSERT_EQ(0, ioctl(self->fd, CLIENTBUF_IOC_CALL_PACKAGE, &ext))
		TH_LOG("CALL: %s", strerror(errno));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, ext.call.status);
	ASSERT_NE(0, ext.call.request_id);
	ASSERT_EQ(0, ext.tail);
}

TEST_HARNESS_MAIN
