// SPDX-License-Identifier: GPL-2.0
/*
 * mypkg_server PACKAGE [COUNT]: the template package served from
 * userspace: registers PACKAGE (CAP_SYS_ADMIN) and answers COUNT calls
 * (default: for ever) the way mypkg.ko does, "mypkg: " followed by the
 * submitted bytes. Prints "serving PACKAGE" once it is registered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <clientbuf.h>

#define PREFIX "mypkg: "

static int answer(int sfd, const struct clientbuf_server_call *hdr,
		  const char *submit)
{
	__u32 len = sizeof(PREFIX) - 1 + hdr->submit_len, st, call_st;
	__u64 block = 0;
	char *buf;
	int ret;

	buf = malloc(len);
	if (!buf)
		return -1;
	memcpy(buf, PREFIX, sizeof(PREFIX) - 1);
	memcpy(buf + sizeof(PREFIX) - 1, submit, hdr->submit_len);
	/* the same steps as mypkg_call() in mypkg.c */
	ret = clientbuf_server_alloc(sfd, hdr->call_id, len, &block, &st);
	if (!ret) {
		ret = clientbuf_server_copy_to(sfd, hdr->call_id, block, buf,
					       len, &st);
		if (ret) {
			clientbuf_server_free(sfd, hdr->call_id, block, NULL);
			block = 0;
		}
	}
	free(buf);
	call_st = ret ? st : CLIENTBUF_STATUS_SUCCESS;
	return clientbuf_server_complete(sfd, hdr->call_id, call_st,
					 CLIENTBUF_STATUS_SUCCESS, block,
					 ret ? 0 : len, NULL);
}

int main(int argc, char **argv)
{
	struct clientbuf_server_call *hdr;
	struct clientbuf_info info;
	long count = argc > 2 ? atol(argv[2]) : -1;
	size_t size;
	__u32 st;
	int fd, sfd;
	ssize_t n;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s PACKAGE [COUNT]\n", argv[0]);
		return 2;
	}
	fd = clientbuf_open();
	if (fd < 0 || clientbuf_get_info(fd, &info)) {
		fprintf(stderr, "no /dev/clientbuf\n");
		return 1;
	}
	size = sizeof(*hdr) + info.max_submit_len;
	hdr = malloc(size);
	sfd = clientbuf_serve(fd, argv[1], &st);
	if (!hdr || sfd < 0) {
		fprintf(stderr, "serve %s: %s\n", argv[1],
			clientbuf_status_name(st));
		return 1;
	}
	clientbuf_close(fd);
	printf("serving %s\n", argv[1]);
	fflush(stdout);
	while (count < 0 || count-- > 0) {
		n = clientbuf_server_recv(sfd, hdr, size);
		if (n < 0)
			return 1;
		if (answer(sfd, hdr, (const char *)(hdr + 1)))
			return 1;
		printf("answered call %llu from pid %d\n",
		       (unsigned long long)hdr->call_id, hdr->pid);
		fflush(stdout);
	}
	return 0;
}
