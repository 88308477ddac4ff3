// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_register - CLIENTBUF_IOC_REGISTER and CLIENTBUF_IOC_UNREGISTER:
 * ids, every error path with its exact errno and NTSTATUS, the per-client
 * limits, the owner rule after fork(), and the struct-size rules. One error
 * per TEST.
 */
#include "clientbuf_util.h"

FIXTURE(reg) {
	int fd;
	struct clientbuf_info info;
	size_t page;
	void *mem;
	size_t len;
	struct cb_live base;
};

FIXTURE_SETUP(reg)
{
	self->fd = -1;
	self->page = cb_page();
	self->len = 16 * self->page;
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->fd = cb_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", CB_DEV, strerror(errno));
	ASSERT_EQ(0, cb_get_info(self->fd, &self->info));
	self->mem = cb_map(self->len);
	ASSERT_NE(NULL, self->mem);
}

FIXTURE_TEARDOWN(reg)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->mem)
		munmap(self->mem, self->len);
}

TEST_F(reg, ids_nonzero_increasing)
{
	__u32 id[4], again;
	int i;

	for (i = 0; i < 4; i++) {
		test_register(self->fd, CLIENTBUF_BUF_WRITE,
			      (char *)self->mem + i * self->page, self->page,
			      &id[i]);
		if (i) {
			ASSERT_LT(id[i - 1], id[i]);
		}
	}
	/* Never reused while the client lives. */
	test_unregister(self->fd, id[3]);
	test_register(self->fd, CLIENTBUF_BUF_READ, self->mem, self->page,
		      &again);
	ASSERT_LT(id[3], again);
}

TEST_F(reg, flag_combinations)
{
	static const __u32 ok[] = {
		CLIENTBUF_BUF_WRITE, CLIENTBUF_BUF_READ,
		CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ,
		CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
		CLIENTBUF_BUF_FLAGS,
	};
	unsigned int i;
	__u32 id;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		test_register(self->fd, ok[i], self->mem, self->len, &id);
		test_unregister(self->fd, id);
	}
}

TEST_F(reg, unknown_flag)
{
	test_err_register(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER, self->fd,
			  CLIENTBUF_BUF_WRITE | (CLIENTBUF_BUF_FLAGS + 1),
			  self->mem, self->len);
}

TEST_F(reg, high_flag)
{
	test_err_register(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER, self->fd,
			  CLIENTBUF_BUF_READ | (1U << 31), self->mem,
			  self->len);
}

TEST_F(reg, no_access_flag)
{
	test_err_register(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER, self->fd,
			  0, self->mem, self->len);
}

TEST_F(reg, alloc_only)
{
	test_err_register(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER, self->fd,
			  CLIENTBUF_BUF_ALLOC, self->mem, self->len);
}

TEST_F(reg, alloc_without_write)
{
	test_err_register(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER, self->fd,
			  CLIENTBUF_BUF_ALLOC | CLIENTBUF_BUF_READ, self->mem,
			  self->len);
}

TEST_F(reg, len_zero)
{
	test_err_register(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER, self->fd,
			  CLIENTBUF_BUF_WRITE, self->mem, 0);
}

TEST_F(reg, null_addr)
{
	test_err_register(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION, self->fd,
			  CLIENTBUF_BUF_WRITE, NULL, self->page);
}

TEST_F(reg, wrapping)
{
	test_err_register(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION, self->fd,
			  CLIENTBUF_BUF_WRITE, self->mem, UINT64_MAX);
}

TEST_F(reg, wrapping_top)
{
	test_err_register(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION, self->fd,
			  CLIENTBUF_BUF_WRITE, (void *)(uintptr_t)-4096,
			  2 * 4096);
}

TEST_F(reg, kernel_addr)
{
	test_err_register(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION, self->fd,
			  CLIENTBUF_BUF_WRITE,
			  (void *)(uintptr_t)CB_KERNEL_ADDR, self->page);
}

TEST_F(reg, crosses_into_kernel)
{
	/*
	 * From user memory up into the kernel half (whether the CPU has 4- or
	 * 5-level paging): not wholly user memory, though it does not wrap.
	 */
	__u64 len = (1ULL << 63) - (uintptr_t)self->mem + self->page;

	test_err_register(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION, self->fd,
			  CLIENTBUF_BUF_WRITE, self->mem, len);
}

TEST_F(reg, unmapped_range_is_accepted)
{
	__u32 id;

	/* Registration records the range; pages are looked up per copy. */
	ASSERT_EQ(0, munmap((char *)self->mem + self->page, self->page));
	test_register(self->fd, CLIENTBUF_BUF_WRITE, self->mem, self->len,
		      &id);
}

TEST_F(reg, max_buffers)
{
	__u32 i, id;

	ASSERT_LT(0, self->info.max_buffers);
	for (i = 0; i < self->info.max_buffers; i++)
		test_register(self->fd, CLIENTBUF_BUF_WRITE,
			      (char *)self->mem + (i % 16) * self->page,
			      self->page, &id);
	test_err_register(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, self->fd,
			  CLIENTBUF_BUF_WRITE, self->mem, self->page);
	/* Unregistering one makes room for one. */
	test_unregister(self->fd, id);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, self->mem, self->page,
		      &id);
}

/* A reserved, inaccessible range of @len bytes to register (never touched). */
static void *reserve(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

TEST_F(reg, max_buffer_bytes_exact)
{
	__u64 max = self->info.max_buffer_bytes;
	void *p = reserve(max);
	__u32 id;

	ASSERT_NE(NULL, p);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, p, max, &id);
	test_unregister(self->fd, id);
	munmap(p, max);
}

TEST_F(reg, max_buffer_bytes_one_range)
{
	__u64 max = self->info.max_buffer_bytes;
	void *p = reserve(max + self->page);

	ASSERT_NE(NULL, p);
	test_err_register(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, self->fd,
			  CLIENTBUF_BUF_WRITE, p, max + 1);
	munmap(p, max + self->page);
}

TEST_F(reg, max_buffer_bytes_total)
{
	__u64 max = self->info.max_buffer_bytes;
	void *p = reserve(max);
	__u32 id;

	ASSERT_NE(NULL, p);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, p, max - self->page,
		      &id);
	test_register(self->fd, CLIENTBUF_BUF_READ, self->mem, self->page,
		      &id);
	test_err_register(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, self->fd,
			  CLIENTBUF_BUF_WRITE, self->mem, 1);
	/* Giving bytes back makes room again. */
	test_unregister(self->fd, id);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, self->mem, self->page,
		      &id);
	munmap(p, max);
}

/* Run @fn in a fork()ed child; its struct cb_res comes back in @res. */
static int in_child(struct cb_res (*fn)(int fd, void *mem, size_t len),
		    int fd, void *mem, size_t len, struct cb_res *res)
{
	struct cb_res *shared = mmap(NULL, sizeof(*shared),
				     PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	int ret;

	if (shared == MAP_FAILED)
		return -1;
	memset(shared, 0xff, sizeof(*shared));
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		*shared = fn(fd, mem, len);
		_exit(0);
	}
	ret = cb_wait_child(pid);
	*res = *shared;
	munmap(shared, sizeof(*shared));
	return ret;
}

static struct cb_res child_register(int fd, void *mem, size_t len)
{
	return _cb_register(fd, CLIENTBUF_BUF_WRITE, mem, len);
}

TEST_F(reg, fork_child_register)
{
	struct cb_res res;

	ASSERT_EQ(0, in_child(child_register, self->fd, self->mem, self->len,
			      &res));
	ASSERT_RES(EPERM, CLIENTBUF_STATUS_ACCESS_DENIED, res);
	/* The parent still can. */
	ASSERT_OK(_cb_register(self->fd, CLIENTBUF_BUF_WRITE, self->mem,
			       self->len));
}

static struct cb_res child_unregister(int fd, void *mem, size_t len)
{
	(void)mem;
	return _cb_unregister(fd, (__u32)len);
}

TEST_F(reg, fork_child_unregister)
{
	struct cb_res res;
	__u32 id;

	test_register(self->fd, CLIENTBUF_BUF_WRITE, self->mem, self->len,
		      &id);
	ASSERT_EQ(0, in_child(child_unregister, self->fd, NULL, id, &res));
	ASSERT_RES(EPERM, CLIENTBUF_STATUS_ACCESS_DENIED, res);
	/* Still registered: the parent can unregister it. */
	test_unregister(self->fd, id);
}

TEST_F(reg, unregister_unknown)
{
	test_err_unregister(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE, self->fd,
			    12345);
}

TEST_F(reg, unregister_zero)
{
	test_err_unregister(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE, self->fd,
			    0);
}

TEST_F(reg, unregister_stale)
{
	__u32 id;

	test_register(self->fd, CLIENTBUF_BUF_WRITE, self->mem, self->len,
		      &id);
	test_unregister(self->fd, id);
	test_err_unregister(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE, self->fd,
			    id);
}

TEST_F(reg, unregister_other_client)
{
	int fd2 = cb_open();
	__u32 id;

	ASSERT_LE(0, fd2);
	test_register(self->fd, CLIENTBUF_BUF_WRITE, self->mem, self->len,
		      &id);
	/* Ids are per client: the other client has no buffer @id. */
	test_err_unregister(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE, fd2, id);
	close(fd2);
	test_unregister(self->fd, id);
}

TEST_F(reg, unregister_reserved)
{
	struct clientbuf_unregister u = {
		.size = sizeof(u), .reserved = 1, .status = 0xdeadbeef,
	};
	__u32 id;

	test_register(self->fd, CLIENTBUF_BUF_WRITE, self->mem, self->len,
		      &id);
	u.id = id;
	ASSERT_EQ(-1, ioctl(self->fd, CLIENTBUF_IOC_UNREGISTER, &u));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(CLIENTBUF_STATUS_INVALID_PARAMETER, u.status);
	/* Nothing was unregistered. */
	test_unregister(self->fd, id);
}

TEST_F(reg, size_too_small)
{
	struct clientbuf_register r = {
		.size = offsetof(struct clientbuf_register, status) +
			sizeof(__u32) - 1,
		.flags = CLIENTBUF_BUF_WRITE,
		.addr = (uintptr_t)self->mem, .len = self->len,
		.status = 0xdeadbeef,
	};

	ASSERT_EQ(-1, ioctl(self->fd, CLIENTBUF_IOC_REGISTER, &r));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, r.id);
}

TEST_F(reg, size_zero)
{
	struct clientbuf_register r = {
		.size = 0, .flags = CLIENTBUF_BUF_WRITE,
		.addr = (uintptr_t)self->mem, .len = self->len,
	};

	ASSERT_EQ(-1, ioctl(self->fd, CLIENTBUF_IOC_REGISTER, &r));
	ASSERT_EQ(EINVAL, errno);
}

struct register_ext {
	struct clientbuf_register reg;
	__u64 tail;
};

TEST_F(reg, size_larger_nonzero_tail)
{
	struct register_ext ext;

	memset(&ext, 0, sizeof(ext));
	ext.reg.size = sizeof(ext);
	ext.reg.flags = CLIENTBUF_BUF_WRITE;
	ext.reg.addr = (uintptr_t)self->mem;
	ext.reg.len = self->len;
	ext.tail = 1;
	ASSERT_EQ(-1, ioctl(self->fd, CLIENTBUF_IOC_REGISTER, &ext));
	ASSERT_EQ(E2BIG, errno);
	ASSERT_EQ(0, ext.reg.id);
}

TEST_F(reg, size_larger_zero_tail)
{
	struct register_ext ext;

	memset(&ext, 0, sizeof(ext));
	ext.reg.size = sizeof(ext);
	ext.reg.flags = CLIENTBUF_BUF_WRITE;
	ext.reg.addr = (uintptr_t)self->mem;
	ext.reg.len = self->len;
	ext.reg.status = 0xdeadbeef;
	ASSERT_EQ(0, ioctl(self->fd, CLIENTBUF_IOC_REGISTER, &ext))
		TH_LOG("REGISTER: %s", strerror(errno));
	ASSERT_NE(0, ext.reg.id);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, ext.reg.status);
	ASSERT_EQ(0, ext.tail);
	test_unregister(self->fd, ext.reg.id);
}

TEST_F(reg, close_releases_buffers)
{
	__u32 id;
	int i;

	for (i = 0; i < 8; i++)
		test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
			      (char *)self->mem + i * self->page, self->page,
			      &id);
	close(self->fd);
	self->fd = -1;
	ASSERT_LIVE_EQ(&self->base);
}

TEST_HARNESS_MAIN
