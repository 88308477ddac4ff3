// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_info - CLIENTBUF_IOC_GET_INFO against the module parameters.
 *
 * Every limit GET_INFO reports is the module parameter of the same name
 * (/sys/module/clientbuf/parameters/max_*, the per-client and the per-user
 * ones); the parameters are writable at
 * run time (root), and both GET_INFO and the limit a new operation meets
 * follow a write at once. Only limits above what a client holds are set
 * here. The values found at start are restored when the program exits,
 * also after a failed test.
 */
#include "clientbuf_util.h"


CB_RELEASE_SLOTS_AT_EXIT

static const char *const names[] = {
	"max_buffers", "max_allocs", "max_buffer_bytes", "max_submit_len",
	"max_pending", "max_completions", "max_user_clients",
	"max_user_buffers", "max_user_buffer_bytes", "max_user_allocs",
	"max_user_calls", "max_user_server_calls",
};

#define NR_PARAMS	(sizeof(names) / sizeof(names[0]))

static unsigned long long saved[NR_PARAMS];
static bool have_saved;
static pid_t main_pid;

static void __attribute__((constructor)) params_save(void)
{
	size_t i;

	main_pid = getpid();
	for (i = 0; i < NR_PARAMS; i++)
		if (cb_param_read(names[i], &saved[i]))
			return;
	have_saved = true;
}

static void __attribute__((destructor)) params_restore(void)
{
	size_t i;

	if (getpid() != main_pid || !have_saved)
		return;
	for (i = 0; i < NR_PARAMS; i++)
		cb_param_write(names[i], saved[i]);
}

/* GET_INFO's field of the parameter @i. */
static unsigned long long info_field(const struct clientbuf_info *info,
				     size_t i)
{
	switch (i) {
	case 0: return info->max_buffers;
	case 1: return info->max_allocs;
	case 2: return info->max_buffer_bytes;
	case 3: return info->max_submit_len;
	case 4: return info->max_pending;
	case 5: return info->max_completions;
	case 6: return info->max_user_clients;
	case 7: return info->max_user_buffers;
	case 8: return info->max_user_buffer_bytes;
	case 9: return info->max_user_allocs;
	case 10: return info->max_user_calls;
	}
	return info->max_user_server_calls;
}

/* Every field of GET_INFO, each limit against its module parameter. */
TEST(fields_match_parameters)
{
	struct clientbuf_info info;
	unsigned long long v;
	int fd = cb_open();
	size_t i;

	ASSERT_LE(0, fd) TH_LOG("open %s: %s", CB_DEV, strerror(errno));
	memset(&info, 0xa5, sizeof(info));
	info.size = sizeof(info);
	ASSERT_EQ(0, ioctl(fd, CLIENTBUF_IOC_GET_INFO, &info));
	ASSERT_EQ(sizeof(info), info.size);
	ASSERT_EQ(CLIENTBUF_ABI_VERSION, info.abi_version);
	ASSERT_EQ(CLIENTBUF_FEAT_REGISTER | CLIENTBUF_FEAT_CALL_SYNC |
		  CLIENTBUF_FEAT_CALL_ASYNC | CLIENTBUF_FEAT_ALLOC |
		  CLIENTBUF_FEAT_SERVER | CLIENTBUF_FEAT_PIN |
		  CLIENTBUF_FEAT_REPLY | CLIENTBUF_FEAT_USER_LIMITS,
		  info.features);
	for (i = 0; i < NR_PARAMS; i++) {
		ASSERT_EQ(0, cb_param_read(names[i], &v))
			TH_LOG("%s%s unreadable", CB_PARAMS, names[i]);
		ASSERT_EQ(v, info_field(&info, i)) TH_LOG("%s", names[i]);
	}
	/* the documented defaults, as loaded by the test VM */
	ASSERT_EQ(64, info.max_buffers);
	ASSERT_EQ(256, info.max_allocs);
	ASSERT_EQ(1ULL << 30, info.max_buffer_bytes);
	ASSERT_EQ(64 * 1024, info.max_submit_len);
	ASSERT_EQ(64, info.max_pending);
	ASSERT_EQ(1024, info.max_completions);
	ASSERT_EQ(1024, info.max_user_clients);
	ASSERT_EQ(4096, info.max_user_buffers);
	ASSERT_EQ(16ULL << 30, info.max_user_buffer_bytes);
	ASSERT_EQ(16384, info.max_user_allocs);
	ASSERT_EQ(1024, info.max_user_calls);
	ASSERT_EQ(128, info.max_user_server_calls);
	ASSERT_EQ(0, info.reserved);
	close(fd);
}

/* A write to each parameter shows in GET_INFO at once, on an open fd. */
TEST(parameters_writable)
{
	struct clientbuf_info info;
	unsigned long long v, orig;
	int fd = cb_open();
	size_t i;

	if (geteuid())
		SKIP(return, "the module parameters are writable by root");
	ASSERT_TRUE(have_saved);
	ASSERT_LE(0, fd);
	for (i = 0; i < NR_PARAMS; i++) {
		ASSERT_EQ(0, cb_param_read(names[i], &orig));
		ASSERT_EQ(0, cb_param_write(names[i], orig + 7)) TH_LOG("%s",
								   names[i]);
		ASSERT_EQ(0, cb_param_read(names[i], &v));
		ASSERT_EQ(orig + 7, v);
		ASSERT_EQ(0, cb_get_info(fd, &info));
		ASSERT_EQ(orig + 7, info_field(&info, i)) TH_LOG("%s",
								names[i]);
		ASSERT_EQ(0, cb_param_write(names[i], orig));
		ASSERT_EQ(0, cb_get_info(fd, &info));
		ASSERT_EQ(orig, info_field(&info, i)) TH_LOG("%s", names[i]);
	}
	close(fd);
}

/*
 * The limits an operation meets are the parameters at that moment: each
 * one set to what a fresh client then reaches exactly, and back.
 */
TEST(limits_follow_parameters)
{
	struct cbtest_cmd cmd = cbt_cmd(CBTEST_OP_NOP, CBTEST_CTX_CALLER,
					NULL, 0, 0, 0);
	size_t page = cb_page();
	__u8 submit[200] = { 0 };
	__u8 *buf = cb_map(8 * page);
	struct cb_res r;
	__u32 id;
	int fd = cb_open();

	if (geteuid())
		SKIP(return, "the module parameters are writable by root");
	ASSERT_TRUE(have_saved);
	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, buf);
	memcpy(submit, &cmd, sizeof(cmd));

	/* max_buffers */
	ASSERT_EQ(0, cb_param_write("max_buffers", 2));
	test_register(fd, CLIENTBUF_BUF_WRITE, buf, page, &id);
	test_register(fd, CLIENTBUF_BUF_WRITE, buf + page, page, &id);
	test_err_register(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, fd,
			  CLIENTBUF_BUF_WRITE, buf + 2 * page, page);
	ASSERT_EQ(0, cb_param_write("max_buffers", saved[0]));
	test_register(fd, CLIENTBUF_BUF_WRITE, buf + 2 * page, page, &id);
	ASSERT_EQ(3, id);

	/* max_buffer_bytes: 3 pages are registered */
	ASSERT_EQ(0, cb_param_write("max_buffer_bytes", 4 * page));
	test_err_register(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, fd,
			  CLIENTBUF_BUF_WRITE, buf + 3 * page, page + 1);
	test_register(fd, CLIENTBUF_BUF_WRITE, buf + 3 * page, page, &id);
	ASSERT_EQ(0, cb_param_write("max_buffer_bytes", saved[2]));

	/* max_allocs: one block per ALLOC buffer */
	ASSERT_EQ(0, cb_param_write("max_allocs", 1));
	test_register(fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
		      buf + 4 * page, page, &id);
	r = cbt_op(fd, CBTEST_OP_ALLOC, CBTEST_CTX_CALLER, NULL, 16, 0, 0);
	ASSERT_OK(r);
	ASSERT_RES(ENOMEM, CLIENTBUF_STATUS_NO_MEMORY,
		   cbt_op(fd, CBTEST_OP_ALLOC, CBTEST_CTX_CALLER, NULL, 16, 0,
			  0));
	ASSERT_EQ(0, cb_param_write("max_allocs", saved[1]));
	ASSERT_OK(cbt_op(fd, CBTEST_OP_ALLOC, CBTEST_CTX_CALLER, NULL, 16, 0,
			 0));

	/* max_submit_len */
	ASSERT_EQ(0, cb_param_write("max_submit_len", sizeof(submit) - 1));
	ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_call(fd, CBTEST_PACKAGE, submit, sizeof(submit), 0, 0));
	ASSERT_OK(_cb_call(fd, CBTEST_PACKAGE, submit, sizeof(submit) - 1, 0,
			   0));
	ASSERT_EQ(0, cb_param_write("max_submit_len", saved[3]));
	ASSERT_OK(_cb_call(fd, CBTEST_PACKAGE, submit, sizeof(submit), 0, 0));

	/* max_pending */
	cbt_release_slots();
	ASSERT_EQ(0, cb_param_write("max_pending", 1));
	test_hold(fd, 0);
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, cbt_hold(fd, 1));
	ASSERT_EQ(0, cb_param_write("max_pending", saved[4]));
	test_hold(fd, 1);
	cbt_release_slots();
	close(fd);
}

TEST_HARNESS_MAIN
