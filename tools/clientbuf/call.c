// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf call [--async] [--data-hex | --data-file] [--answer-hex]
 * PACKAGE DATA: call a security package with a text or binary submit
 * buffer; and the return buffer and the wait for a completion, which
 * "logon" uses too.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* the largest submit buffer "call" reads (the module's limit is smaller) */
#define CALL_DATA_MAX	(1024 * 1024)

#include "cli.h"

/* hexdump -C style: offset, 16 bytes of hex, printable text. */
void hexdump(const unsigned char *p, size_t len)
{
	size_t off, i;

	for (off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;

		printf("  %08zx  ", off);
		for (i = 0; i < 16; i++) {
			if (i < n)
				printf("%02x ", p[off + i]);
			else
				printf("   ");
			if (i == 7)
				printf(" ");
		}
		printf(" |");
		for (i = 0; i < n; i++)
			putchar(isprint(p[off + i]) ? p[off + i] : '.');
		printf("|\n");
	}
}

/*
 * Wait for the completion record of @request_id; say why on stderr if none
 * came. Return: 0 with @c filled, or a negative errno.
 */
int await_completion(int fd, __u64 request_id, int timeout_ms,
		     struct clientbuf_completion *c)
{
	int ret;

	/* Completions of other calls cannot come: this fd made one. */
	do {
		ret = clientbuf_wait_completion(fd, c, timeout_ms);
	} while (!ret && c->request_id != request_id);
	if (ret == -ETIMEDOUT)
		fprintf(stderr,
			"%s: no completion for request %" PRIu64 " within %d ms (status still STATUS_PENDING)\n",
			prog, (uint64_t)request_id, timeout_ms);
	else if (ret)
		fprintf(stderr,
			"%s: waiting for the completion failed: %s (%s)\n",
			prog, strerror(-ret), errno_name(ret));
	return ret;
}

/*
 * Take a call made with clientbuf_call() (@ret its result) to its end: wait for the
 * completion record of a pending asynchronous call, then print the status,
 * protocol status and return block. @call is updated with the final answer.
 * Return: clientbuf_call()'s result, the errno of the completion's status, or a
 * negative errno if no completion came (@*done is then false).
 */
int finish_call(int fd, struct clientbuf_call *call, int ret,
		int timeout_ms, bool *done)
{
	struct clientbuf_completion c;

	*done = true;
	printf("request_id:       %" PRIu64 "\n", (uint64_t)call->request_id);
	if (!ret && call->status == CLIENTBUF_STATUS_PENDING) {
		printf("call returned:    ");
		print_status_brief(stdout, call->status);
		printf("\nwaiting:          poll()/read() for the completion record\n");
		fflush(stdout);
		ret = await_completion(fd, call->request_id, timeout_ms, &c);
		if (ret) {
			*done = false;
			return ret;
		}
		printf("completion:       request %" PRIu64 "\n",
		       (uint64_t)c.request_id);
		call->status = c.status;
		call->protocol_status = c.protocol_status;
		call->return_addr = c.return_addr;
		call->return_len = c.return_len;
		ret = clientbuf_status_to_errno(c.status);
	}

	printf("status:           ");
	print_status_brief(stdout, call->status);
	printf("\nprotocol_status:  ");
	print_status_brief(stdout, call->protocol_status);
	printf("\nreturn:           0x%" PRIx64 ", %" PRIu32 " bytes%s\n",
	       (uint64_t)call->return_addr, (uint32_t)call->return_len,
	       call->status == CLIENTBUF_STATUS_BUFFER_TOO_SMALL ?
	       " (the length needed)" : "");
	return ret;
}

/*
 * Map and register the CALL_RETURN_BUF_SIZE buffer (ALLOC|WRITE|READ) that
 * packages answer in; NULL after printing why it failed.
 */
void *map_return_buffer(int fd, __u32 *id)
{
	void *buf;
	__u32 st;
	int ret;

	buf = mmap(NULL, CALL_RETURN_BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		fprintf(stderr, "%s: mmap: %s\n", prog, strerror(errno));
		return NULL;
	}
	ret = clientbuf_register(fd, buf, CALL_RETURN_BUF_SIZE,
				 CLIENTBUF_BUF_ALLOC | CLIENTBUF_BUF_WRITE |
				 CLIENTBUF_BUF_READ, id, &st);
	if (ret) {
		fail_status("registering the return buffer", ret, st);
		munmap(buf, CALL_RETURN_BUF_SIZE);
		return NULL;
	}
	return buf;
}

/*
 * Hex digits (pairs; blanks, newlines and ':' between bytes allowed) into
 * a new buffer. Return: 0, or -EINVAL for anything else.
 */
static int parse_hex_data(const char *s, unsigned char **out, size_t *len)
{
	size_t n = 0;
	unsigned char *b = malloc(strlen(s) / 2 + 1);

	if (!b)
		return -ENOMEM;
	while (*s) {
		if (isspace((unsigned char)*s) || *s == ':') {
			s++;
			continue;
		}
		if (!isxdigit((unsigned char)s[0]) ||
		    !isxdigit((unsigned char)s[1])) {
			free(b);
			return -EINVAL;
		}
		b[n++] = (unsigned char)((isdigit((unsigned char)s[0]) ?
				s[0] - '0' : (tolower(s[0]) - 'a' + 10)) << 4 |
				(isdigit((unsigned char)s[1]) ? s[1] - '0' :
				 (tolower(s[1]) - 'a' + 10)));
		s += 2;
	}
	*out = b;
	*len = n;
	return 0;
}

/* The bytes of file @path ("-": standard input) into a new buffer. */
static int read_data_file(const char *path, unsigned char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	unsigned char *b;
	size_t n;
	int err = 0;

	if (!f)
		return -errno;
	b = malloc(CALL_DATA_MAX + 1);
	if (!b) {
		err = -ENOMEM;
		goto out;
	}
	n = fread(b, 1, CALL_DATA_MAX + 1, f);
	if (ferror(f))
		err = -EIO;
	else if (n > CALL_DATA_MAX)
		err = -EFBIG;
	if (err) {
		free(b);
		goto out;
	}
	*out = b;
	*len = n;
out:
	if (f != stdin)
		fclose(f);
	return err;
}

int cmd_call(int argc, char **argv)
{
	struct clientbuf_call call;
	int timeout_ms = CALL_DEFAULT_TIMEOUT_MS;
	const char *package, *data;
	enum { DATA_TEXT, DATA_HEX, DATA_FILE } data_kind = DATA_TEXT;
	bool answer_hex = false;
	unsigned char *submit = NULL;
	size_t submit_len = 0;
	unsigned int flags = 0;
	int fd, ret, rc = EXIT_FAIL;
	__u32 id = 0, st, status, protocol_status, return_len;
	__u64 return_addr;
	unsigned char *buf;
	bool done;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--async")) {
			flags |= CLIENTBUF_CALL_ASYNC;
		} else if (!strcmp(argv[i], "--data-hex")) {
			data_kind = DATA_HEX;
		} else if (!strcmp(argv[i], "--data-file")) {
			data_kind = DATA_FILE;
		} else if (!strcmp(argv[i], "--answer-hex")) {
			answer_hex = true;
		} else if (!strncmp(argv[i], "--timeout=", 10)) {
			if (parse_timeout(argv[i] + 10, &timeout_ms))
				return usage_error("invalid timeout '%s'",
						   argv[i] + 10);
		} else {
			return usage_error("unknown option '%s' for 'call'",
					   argv[i]);
		}
	}
	if (argc - i != 2)
		return usage_error("'call' needs PACKAGE and DATA");
	package = argv[i];
	data = argv[i + 1];
	if (!*package || strlen(package) >= CLIENTBUF_PACKAGE_NAME_MAX)
		return usage_error("invalid package name '%s'", package);
	if (data_kind == DATA_HEX) {
		ret = parse_hex_data(data, &submit, &submit_len);
		if (ret == -EINVAL)
			return usage_error("DATA is not hex bytes: '%s'", data);
	} else if (data_kind == DATA_FILE) {
		ret = read_data_file(data, &submit, &submit_len);
		if (ret) {
			fprintf(stderr, "%s: reading the submit buffer from '%s': %s\n",
				prog, data, ret == -EFBIG ?
				"longer than 1 MiB" : strerror(-ret));
			return EXIT_FAIL;
		}
	} else {
		submit = (unsigned char *)strdup(data);
		ret = submit ? 0 : -ENOMEM;
		submit_len = submit ? strlen(data) : 0;
	}
	if (ret) {
		fprintf(stderr, "%s: %s\n", prog, strerror(-ret));
		return EXIT_FAIL;
	}
	if (submit_len > UINT32_MAX) {
		free(submit);
		return usage_error("DATA too long");
	}

	fd = open_device();
	if (fd < 0) {
		free(submit);
		return EXIT_FAIL;
	}

	buf = map_return_buffer(fd, &id);
	if (!buf)
		goto out_close;

	ret = clientbuf_call(fd, package, submit, (__u32)submit_len, id, flags,
			     &call);
	ret = finish_call(fd, &call, ret, timeout_ms, &done);
	if (!done)
		goto out_unregister;
	status = call.status;
	protocol_status = call.protocol_status;
	return_addr = call.return_addr;
	return_len = call.return_len;

	if (return_addr) {
		uintptr_t lo = (uintptr_t)buf;

		if (return_addr < lo ||
		    return_addr - lo > CALL_RETURN_BUF_SIZE ||
		    return_len > CALL_RETURN_BUF_SIZE - (return_addr - lo)) {
			fprintf(stderr,
				"%s: the answer (0x%" PRIx64 ", %" PRIu32 " bytes) is not inside the return buffer\n",
				prog, (uint64_t)return_addr,
				(uint32_t)return_len);
			goto out_unregister;
		}
		if (answer_hex) {
			printf("answer:           ");
			print_hex(buf + (return_addr - lo), return_len);
			printf("\n");
		} else {
			hexdump(buf + (return_addr - lo), return_len);
		}
		if (clientbuf_free(fd, id, (void *)(uintptr_t)return_addr, &st))
			fprintf(stderr,
				"%s: warning: freeing the answer failed: %s\n",
				prog, status_name(st));
	}

	if (ret || !clientbuf_nt_success(status)) {
		fprintf(stderr, "%s: call to package '%s' failed: ", prog,
			package);
		print_status_brief(stderr, status);
		fprintf(stderr, "\n");
	} else if (!clientbuf_nt_success(protocol_status)) {
		fprintf(stderr, "%s: package '%s' answered with protocol status ",
			prog, package);
		print_status_brief(stderr, protocol_status);
		fprintf(stderr, "\n");
	} else {
		rc = EXIT_OK;
	}

out_unregister:
	if (clientbuf_unregister(fd, id, &st))
		fprintf(stderr, "%s: warning: unregistering failed: %s\n",
			prog, status_name(st));
	munmap(buf, CALL_RETURN_BUF_SIZE);
out_close:
	clientbuf_close(fd);
	free(submit);
	return rc;
}
