// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf info: the module's ABI version, features and limits.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct {
	__u64 bit;
	const char *name;
} features[] = {
	{ CLIENTBUF_FEAT_REGISTER,	"register" },
	{ CLIENTBUF_FEAT_CALL_SYNC,	"call-sync" },
	{ CLIENTBUF_FEAT_CALL_ASYNC,	"call-async" },
	{ CLIENTBUF_FEAT_ALLOC,		"alloc" },
	{ CLIENTBUF_FEAT_SERVER,	"server" },
	{ CLIENTBUF_FEAT_PIN,		"pin" },
	{ CLIENTBUF_FEAT_REPLY,		"reply" },
	{ CLIENTBUF_FEAT_USER_LIMITS,	"user-limits" },
};

int cmd_info(int argc, char **argv)
{
	struct clientbuf_info info;
	__u64 known = 0;
	size_t i;
	int fd, ret;

	(void)argv;
	if (argc != 1)
		return usage_error("'info' takes no arguments");
	fd = open_device();
	if (fd < 0)
		return EXIT_FAIL;
	ret = clientbuf_get_info(fd, &info);
	clientbuf_close(fd);
	if (ret) {
		fprintf(stderr, "%s: CLIENTBUF_IOC_GET_INFO failed: %s (%s)\n",
			prog, strerror(-ret), errno_name(ret));
		return EXIT_FAIL;
	}

	printf("device:            %s\n", CLIENTBUF_DEVICE_PATH);
	printf("abi_version:       %" PRIu32 "%s\n", (uint32_t)info.abi_version,
	       info.abi_version == CLIENTBUF_ABI_VERSION ? "" :
	       " (this tool was built for a different ABI version)");
	printf("features:          0x%016" PRIx64, (uint64_t)info.features);
	for (i = 0; i < ARRAY_SIZE(features); i++) {
		known |= features[i].bit;
		if (info.features & features[i].bit)
			printf(" %s", features[i].name);
	}
	if (info.features & ~known)
		printf(" unknown:0x%" PRIx64, (uint64_t)(info.features & ~known));
	printf("\n");
	printf("max_buffers:       %" PRIu32 "\n", (uint32_t)info.max_buffers);
	printf("max_allocs:        %" PRIu32 "\n", (uint32_t)info.max_allocs);
	printf("max_buffer_bytes:  %" PRIu64 "\n",
	       (uint64_t)info.max_buffer_bytes);
	printf("max_submit_len:    %" PRIu32 "\n", (uint32_t)info.max_submit_len);
	printf("max_pending:       %" PRIu32 "\n", (uint32_t)info.max_pending);
	printf("max_completions:   %" PRIu32 " (per user)\n",
	       (uint32_t)info.max_completions);
	/* the caller's user: pages charged against its RLIMIT_MEMLOCK */
	printf("user_locked_pages: %" PRIu64 "\n",
	       (uint64_t)info.user_locked_pages);
	if (info.memlock_limit == UINT64_MAX)
		printf("memlock_limit:     unlimited\n");
	else
		printf("memlock_limit:     %" PRIu64 " bytes (%" PRIu64
		       " pages)\n", (uint64_t)info.memlock_limit,
		       (uint64_t)info.memlock_limit /
		       (uint64_t)sysconf(_SC_PAGESIZE));
	if (!(info.features & CLIENTBUF_FEAT_USER_LIMITS))
		return EXIT_OK;
	/* this fd's user (effective uid at open): usage / limit */
	printf("user clients:      %" PRIu32 " / %" PRIu32 "\n",
	       (uint32_t)info.user_clients, (uint32_t)info.max_user_clients);
	printf("user buffers:      %" PRIu32 " / %" PRIu32 "\n",
	       (uint32_t)info.user_buffers, (uint32_t)info.max_user_buffers);
	printf("user buffer bytes: %" PRIu64 " / %" PRIu64 "\n",
	       (uint64_t)info.user_buffer_bytes,
	       (uint64_t)info.max_user_buffer_bytes);
	printf("user allocs:       %" PRIu32 " / %" PRIu32 "\n",
	       (uint32_t)info.user_allocs, (uint32_t)info.max_user_allocs);
	printf("user calls:        %" PRIu32 " / %" PRIu32 "\n",
	       (uint32_t)info.user_calls, (uint32_t)info.max_user_calls);
	printf("user server calls: %" PRIu32 " / %" PRIu32 "\n",
	       (uint32_t)info.user_server_calls,
	       (uint32_t)info.max_user_server_calls);
	printf("user completions:  %" PRIu32 " / %" PRIu32 "\n",
	       (uint32_t)info.user_completions,
	       (uint32_t)info.max_completions);
	printf("user pinned pages: %" PRIu64 "\n",
	       (uint64_t)info.user_pinned_pages);
	return EXIT_OK;
}
