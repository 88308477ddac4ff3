// SPDX-License-Identifier: GPL-2.0
/*
 * mypkg_client PACKAGE TEXT: call PACKAGE (the kernel package "mypkg" or
 * the served one, mypkg_server) with TEXT, print the answer, and exit 0
 * only when it is "mypkg: TEXT" with STATUS_SUCCESS.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <clientbuf.h>

#define ARENA_LEN (64 * 1024)

static void print_status(const char *what, __u32 st)
{
	const char *name = clientbuf_status_name(st);

	printf("%s: %s (0x%08X)\n", what, name ? name : "?", st);
}

int main(int argc, char **argv)
{
	struct clientbuf_call call;
	char want[256];
	void *arena;
	__u32 id, st;
	int fd, ret;

	if (argc != 3) {
		fprintf(stderr, "usage: %s PACKAGE TEXT\n", argv[0]);
		return 2;
	}
	snprintf(want, sizeof(want), "mypkg: %s", argv[2]);

	fd = clientbuf_open();
	if (fd < 0) {
		fprintf(stderr, "clientbuf_open: %s\n", strerror(-fd));
		return 1;
	}
	/* an arena the package allocates its answer in */
	arena = mmap(NULL, ARENA_LEN, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED)
		return 1;
	ret = clientbuf_register(fd, arena, ARENA_LEN,
				 CLIENTBUF_BUF_ALLOC | CLIENTBUF_BUF_WRITE,
				 &id, &st);
	if (ret) {
		print_status("register", st);
		return 1;
	}
	ret = clientbuf_call(fd, argv[1], argv[2], strlen(argv[2]), id, 0,
			     &call);
	print_status("status", call.status);
	print_status("protocol_status", call.protocol_status);
	if (ret)
		return 1;
	printf("answer: %.*s\n", (int)call.return_len,
	       (const char *)(uintptr_t)call.return_addr);
	if (call.return_len != strlen(want) ||
	    memcmp((const void *)(uintptr_t)call.return_addr, want,
		   call.return_len)) {
		printf("expected: %s\n", want);
		return 1;
	}
	clientbuf_free(fd, id, (void *)(uintptr_t)call.return_addr, NULL);
	clientbuf_close(fd);
	return 0;
}
