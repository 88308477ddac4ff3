// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf logon [OPTIONS] USER CHALLENGE: the client of the hmac_logon
 * sample package (clientbuf_hmac.c beside it). It logs USER on with
 * CHALLENGE, prints the call's statuses and the token, and with
 * --verify-key checks the token with an HMAC-SHA256 computed here, with
 * OpenSSL's libcrypto (independent of the kernel's crypto API).
 *
 * Userspace: built into the clientbuf CLI (tools/Makefile) as its "logon"
 * command, not by Kbuild.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "cli.h"
#include "clientbuf_hmac.h"
#include "crypto.h"

#define LOGON_OUT_MAX		4096

struct logon_opts {
	unsigned int call_flags;	/* CLIENTBUF_CALL_* */
	__u32 hmac_flags;		/* HMAC_LOGON_F_* */
	int out;			/* --out: the client's out buffer */
	__u32 out_len;
	const char *verify_key;
	int timeout_ms;
};

/*
 * HMAC-SHA256(@key, user field || challenge) computed here with libcrypto,
 * independently of the kernel's crypto API, and compared with @token.
 */
int logon_verify(const char *key, const struct hmac_logon_submit *s,
		 const unsigned char *challenge,
		 const unsigned char *token)
{
	uint8_t mac[CB_SHA256_DIGEST_SIZE];

	if (cb_hmac_sha256(key, strlen(key), s->user, sizeof(s->user),
			   challenge, s->challenge_len, mac)) {
		fprintf(stderr, "%s: HMAC-SHA256 (libcrypto) failed\n", prog);
		return EXIT_FAIL;
	}
	printf("expected:         ");
	print_hex(mac, sizeof(mac));
	printf(" (HMAC-SHA256 in userspace, key \"%s\")\n", key);
	if (memcmp(mac, token, HMAC_LOGON_TOKEN_LEN)) {
		printf("token MISMATCH\n");
		fprintf(stderr,
			"%s: the token is not HMAC-SHA256 of the user field and challenge under key \"%s\"\n",
			prog, key);
		return EXIT_FAIL;
	}
	printf("token verified\n");
	return EXIT_OK;
}

int logon_parse(int argc, char **argv, struct logon_opts *o)
{
	unsigned long v;
	int i;

	memset(o, 0, sizeof(*o));
	o->out_len = HMAC_LOGON_TOKEN_LEN;
	o->timeout_ms = CALL_DEFAULT_TIMEOUT_MS;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "--async")) {
			o->call_flags |= CLIENTBUF_CALL_ASYNC;
			o->hmac_flags |= HMAC_LOGON_F_DEFER;
		} else if (!strcmp(a, "--defer")) {
			o->hmac_flags |= HMAC_LOGON_F_DEFER;
		} else if (!strncmp(a, "--delay=", 8)) {
			if (parse_uint(a + 8, 0, HMAC_LOGON_DELAY_MAX_MS, &v))
				return -usage_error("invalid delay '%s' (0..%d ms)",
						    a + 8,
						    HMAC_LOGON_DELAY_MAX_MS);
			o->hmac_flags &= ~HMAC_LOGON_F_DELAY_MASK;
			o->hmac_flags |= HMAC_LOGON_F_DEFER |
					 HMAC_LOGON_F_DELAY(v);
		} else if (!strcmp(a, "--out")) {
			o->out = 1;
		} else if (!strncmp(a, "--out-len=", 10)) {
			if (parse_uint(a + 10, 1, LOGON_OUT_MAX, &v))
				return -usage_error("invalid out length '%s' (1..%d)",
						    a + 10, LOGON_OUT_MAX);
			o->out = 1;
			o->out_len = (__u32)v;
		} else if (!strcmp(a, "--verify-key") ||
			   !strncmp(a, "--verify-key=", 13)) {
			if (a[12] == '=')
				o->verify_key = a + 13;
			else if (i + 1 < argc)
				o->verify_key = argv[++i];
			if (!o->verify_key || !*o->verify_key)
				return -usage_error("--verify-key needs a non-empty KEY");
		} else if (!strncmp(a, "--timeout=", 10)) {
			if (parse_timeout(a + 10, &o->timeout_ms))
				return -usage_error("invalid timeout '%s'",
						    a + 10);
		} else {
			return -usage_error("unknown option '%s' for 'logon'",
					    a);
		}
	}
	if (argc - i != 2)
		return -usage_error("'logon' needs USER and CHALLENGE");
	if (!*argv[i] || strlen(argv[i]) >= HMAC_LOGON_USER_LEN)
		return -usage_error("USER must be 1..%d bytes",
				    HMAC_LOGON_USER_LEN - 1);
	if (!*argv[i + 1] || strlen(argv[i + 1]) > HMAC_LOGON_DATA_MAX)
		return -usage_error("CHALLENGE must be 1..%d bytes",
				    HMAC_LOGON_DATA_MAX);
	return i;
}

void logon_print_mode(const struct logon_opts *o)
{
	unsigned int delay = o->hmac_flags >> HMAC_LOGON_DELAY_SHIFT;

	printf("mode:             ");
	if (o->call_flags & CLIENTBUF_CALL_ASYNC)
		printf("async (CLIENTBUF_CALL_ASYNC; the package answers from a work item)");
	else if (o->hmac_flags & HMAC_LOGON_F_DEFER)
		printf("sync, deferred (the package answers from a work item; the ioctl waits)");
	else
		printf("sync (the package answers in the caller's context)");
	if (delay)
		printf(", delay %u ms", delay);
	printf("\n");
}

int cmd_logon(int argc, char **argv)
{
	struct {
		struct hmac_logon_submit hdr;
		unsigned char data[HMAC_LOGON_DATA_MAX];
	} sub;
	struct hmac_logon_submit *s = &sub.hdr;
	struct clientbuf_call call;
	struct logon_opts o;
	const char *user, *challenge;
	size_t clen;
	unsigned char *arena, *outbuf = NULL;
	const unsigned char *token = NULL;
	__u32 arena_id = 0, out_id = 0, st, status, return_len;
	__u64 return_addr;
	int fd, i, ret, rc = EXIT_FAIL;
	bool done;
	long page = sysconf(_SC_PAGESIZE);

	/* the challenge must follow the header directly */
	_Static_assert(offsetof(typeof(sub), data) ==
		       sizeof(struct hmac_logon_submit), "padding");

	i = logon_parse(argc, argv, &o);
	if (i < 0)
		return -i;
	user = argv[i];
	challenge = argv[i + 1];
	clen = strlen(challenge);

	memset(&sub, 0, sizeof(sub));
	s->op = HMAC_LOGON_OP_LOGON;
	s->flags = o.hmac_flags;
	memcpy(s->user, user, strlen(user));	/* NUL-padded by the memset */
	s->challenge_len = (__u32)clen;
	memcpy(sub.data, challenge, clen);

	fd = open_device();
	if (fd < 0)
		return EXIT_FAIL;

	arena = map_return_buffer(fd, &arena_id);
	if (!arena)
		goto out_close;
	if (o.out) {
		outbuf = mmap(NULL, page, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (outbuf == MAP_FAILED) {
			outbuf = NULL;
			fprintf(stderr, "%s: mmap: %s\n", prog,
				strerror(errno));
			goto out_unregister;
		}
		ret = clientbuf_register(fd, outbuf, page, CLIENTBUF_BUF_WRITE,
					 &out_id, &st);
		if (ret) {
			fail_status("registering the out buffer", ret, st);
			goto out_unregister;
		}
		s->out_addr = (uintptr_t)outbuf;
		s->out_len = o.out_len;
	}

	printf("package:          %s\n", HMAC_LOGON_PACKAGE);
	logon_print_mode(&o);
	printf("user:             \"%s\"\n", user);
	printf("challenge:        ");
	print_quoted((const unsigned char *)challenge, clen);
	printf(" (%zu bytes)\n", clen);
	if (o.out)
		printf("answer into:      out buffer %" PRIu32 " at %p, out_len %" PRIu32 " (registered WRITE)\n",
		       (uint32_t)out_id, (void *)outbuf, (uint32_t)o.out_len);
	else
		printf("answer into:      a block allocated in buffer %" PRIu32 " (%d KiB at %p, ALLOC|WRITE|READ)\n",
		       (uint32_t)arena_id, CALL_RETURN_BUF_SIZE / 1024,
		       (void *)arena);

	ret = clientbuf_call(fd, HMAC_LOGON_PACKAGE, &sub,
			     (__u32)(sizeof(*s) + clen), arena_id, o.call_flags,
			     &call);
	ret = finish_call(fd, &call, ret, o.timeout_ms, &done);
	if (!done)
		goto out_unregister;
	status = call.status;
	return_addr = call.return_addr;
	return_len = call.return_len;

	if (ret || !clientbuf_nt_success(status)) {
		fprintf(stderr, "%s: logon failed: ", prog);
		print_status_brief(stderr, status);
		fprintf(stderr, "\n");
		goto out_unregister;
	}
	if (return_len != HMAC_LOGON_TOKEN_LEN) {
		fprintf(stderr, "%s: the answer is %" PRIu32 " bytes, not a %d-byte token\n",
			prog, (uint32_t)return_len, HMAC_LOGON_TOKEN_LEN);
		goto out_unregister;
	}
	if (o.out) {
		if (return_addr != (uintptr_t)outbuf) {
			fprintf(stderr, "%s: the answer is not in the out buffer\n",
				prog);
			goto out_unregister;
		}
		token = outbuf;
	} else {
		uintptr_t lo = (uintptr_t)arena;

		if (return_addr < lo ||
		    return_addr - lo > CALL_RETURN_BUF_SIZE - return_len) {
			fprintf(stderr, "%s: the answer is not inside the return buffer\n",
				prog);
			goto out_unregister;
		}
		token = arena + (return_addr - lo);
	}
	printf("token:            ");
	print_hex(token, HMAC_LOGON_TOKEN_LEN);
	printf("\n");
	rc = EXIT_OK;
	if (o.verify_key)
		rc = logon_verify(o.verify_key, s, sub.data, token);
	if (!o.out && clientbuf_free(fd, arena_id, (void *)(uintptr_t)return_addr,
				     &st))
		fprintf(stderr, "%s: warning: freeing the token failed: %s\n",
			prog, status_name(st));

out_unregister:
	if (out_id && clientbuf_unregister(fd, out_id, &st))
		fprintf(stderr, "%s: warning: unregistering failed: %s\n",
			prog, status_name(st));
	if (clientbuf_unregister(fd, arena_id, &st))
		fprintf(stderr, "%s: warning: unregistering failed: %s\n",
			prog, status_name(st));
	if (outbuf)
		munmap(outbuf, page);
	munmap(arena, CALL_RETURN_BUF_SIZE);
out_close:
	clientbuf_close(fd);
	return rc;
}
