// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_basic - the device and the struct-size rules of the ioctl ABI,
 * tried on CLIENTBUF_IOC_GET_INFO. One error path per TEST.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <linux/clientbuf.h>

#include "kselftest_harness.h"
#include "clientbuf_skip.h"

#define DEV_PATH "/dev/" CLIENTBUF_DEVICE_NAME

/* A GET_INFO argument as a newer userspace would build it. */
struct info_ext {
	struct clientbuf_info info;
	__u64 tail;
};

FIXTURE(basic) {
	int fd;
};

FIXTURE_SETUP(basic)
{
	self->fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV_PATH,
				      strerror(errno));
}

FIXTURE_TEARDOWN(basic)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat(DEV_PATH, &st)) TH_LOG("%s: %s", DEV_PATH,
						 strerror(errno));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(basic, get_info)
{
	struct clientbuf_info info;

	memset(&info, 0xa5, sizeof(info));
	info.size = sizeof(info);
	ASSERT_EQ(0, ioctl(self->fd, CLIENTBUF_IOC_GET_INFO, &info))
		TH_LOG("GET_INFO: %s", strerror(errno));
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(CLIENTBUF_ABI_VERSION, info.abi_version);
	EXPECT_NE(0, info.max_buffers);
	EXPECT_NE(0, info.max_allocs);
	EXPECT_NE(0, info.max_buffer_bytes);
	EXPECT_NE(0, info.max_submit_len);
	EXPECT_NE(0, info.max_pending);
	TH_LOG("abi %u features %#llx buffers %u allocs %u bytes %llu submit %u pending %u",
	       info.abi_version, (unsigned long long)info.features,
	       info.max_buffers, info.max_allocs,
	       (unsigned long long)info.max_buffer_bytes,
	       info.max_submit_len, info.max_pending);
}

/* Size of the first published struct clientbuf_info (up to max_pending). */
#define INFO_V0_SIZE offsetof(struct clientbuf_info, nr_buffers)

TEST_F(basic, size_too_small)
{
	struct clientbuf_info info = { .size = INFO_V0_SIZE - 1 };

	ASSERT_EQ(-1, ioctl(self->fd, CLIENTBUF_IOC_GET_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

/* A caller built with the first struct gets its fields, nothing more. */
TEST_F(basic, size_first_version)
{
	struct clientbuf_info info;

	memset(&info, 0xa5, sizeof(info));
	info.size = INFO_V0_SIZE;
	ASSERT_EQ(0, ioctl(self->fd, CLIENTBUF_IOC_GET_INFO, &info))
		TH_LOG("GET_INFO: %s", strerror(errno));
	EXPECT_EQ(CLIENTBUF_ABI_VERSION, info.abi_version);
	EXPECT_NE(0, info.max_pending);
	EXPECT_EQ(0xa5a5a5a5U, info.nr_buffers);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, info.memlock_limit);
}

TEST_F(basic, size_zero)
{
	struct clientbuf_info info = { .size = 0 };

	ASSERT_EQ(-1, ioctl(self->fd, CLIENTBUF_IOC_GET_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(basic, size_larger_nonzero_tail)
{
	struct info_ext ext;

	memset(&ext, 0, sizeof(ext));
	ext.info.size = sizeof(ext);
	ext.tail = 1;
	ASSERT_EQ(-1, ioctl(self->fd, CLIENTBUF_IOC_GET_INFO, &ext));
	EXPECT_EQ(E2BIG, errno);
}

TEST_F(basic, size_larger_zero_tail)
{
	struct info_ext ext;

	memset(&ext, 0, sizeof(ext));
	ext.info.size = sizeof(ext);
	ASSERT_EQ(0, ioctl(self->fd, CLIENTBUF_IOC_GET_INFO, &ext))
		TH_LOG("GET_INFO: %s", strerror(errno));
	EXPECT_EQ(CLIENTBUF_ABI_VERSION, ext.info.abi_version);
	EXPECT_EQ(0, ext.tail);
}

TEST_F(basic, unknown_nr)
{
	struct clientbuf_info info = { .size = sizeof(info) };

	ASSERT_EQ(-1, ioctl(self->fd, _IOWR(CLIENTBUF_IOC_MAGIC, 0x3f,
					   struct clientbuf_info), &info));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(basic, foreign_type)
{
	struct clientbuf_info info = { .size = sizeof(info) };

	ASSERT_EQ(-1, ioctl(self->fd, _IOWR(0xC3, 0x00,
					   struct clientbuf_info), &info));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_HARNESS_MAIN
