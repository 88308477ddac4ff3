// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf serve [--count N] [--passwd=DIR [PASSWD OPTIONS]] PACKAGE:
 * serve PACKAGE from userspace: a toy package that greets its callers, or
 * with --passwd the passwd_logon protocol (serve_passwd.c), whose failures
 * are answered later: the loop's poll() then times out at the first
 * pending answer's deadline (serve_passwd_timeout()).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define SERVE_GREETING_MAX	(64 * 1024)

static volatile sig_atomic_t serve_stop, serve_unlock;

void serve_signal(int sig)
{
	serve_stop = sig;
}

static void serve_unlock_signal(int sig)
{
	(void)sig;
	serve_unlock = 1;
}

int parse_count(const char *s, unsigned long *count)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || !v || v > ULONG_MAX)
		return -EINVAL;
	*count = (unsigned long)v;
	return 0;
}

/*
 * Answer one call: the greeting, allocated in the client's ALLOC buffer,
 * copied there and the call completed with it, in one SERVER_OP REPLY that
 * also reads the next call into @next (up to @next_len bytes) if one is
 * queued. A REPLY that fails leaves the call as it was: it is then
 * completed with the REPLY's status. Returns the length of the record read
 * into @next, 0 if none, or -1 when the call could not be completed.
 */
static ssize_t serve_answer(int fd, const struct clientbuf_server_call *hdr,
			    const unsigned char *submit, void *next,
			    size_t next_len)
{
	static char greeting[SERVE_GREETING_MAX];
	__u32 st = CLIENTBUF_STATUS_SUCCESS, cst;
	__u64 block = 0;
	ssize_t n;
	int len, ret;

	len = snprintf(greeting, sizeof(greeting),
		       "hello uid %" PRIu32 ", you sent: %.*s",
		       (uint32_t)hdr->uid, (int)hdr->submit_len,
		       (const char *)submit);
	if (len < 0)
		len = 0;
	else if ((size_t)len >= sizeof(greeting))
		len = sizeof(greeting) - 1;

	n = clientbuf_server_reply(fd, hdr->call_id, CLIENTBUF_STATUS_SUCCESS,
				   CLIENTBUF_STATUS_SUCCESS, greeting,
				   (__u32)len, &block, next, next_len, &st);
	if (st == CLIENTBUF_STATUS_SUCCESS) {
		printf("  answered %d bytes at 0x%" PRIx64 "\n", len,
		       (uint64_t)block);
		fflush(stdout);
		/* the fd is O_NONBLOCK: no call queued is -EAGAIN */
		return n < 0 ? 0 : n;
	}
	printf("  REPLY failed: ");
	print_status_brief(stdout, st);
	printf("\n");
	ret = clientbuf_server_complete(fd, hdr->call_id, st,
					CLIENTBUF_STATUS_SUCCESS, 0, 0, &cst);
	if (ret) {
		fprintf(stderr, "%s: completing call %" PRIu64 " failed: ",
			prog, (uint64_t)hdr->call_id);
		print_status_brief(stderr, cst);
		fprintf(stderr, "\n");
	}
	fflush(stdout);
	return ret ? -1 : 0;
}

static void print_call(const struct clientbuf_server_call *hdr)
{
	printf("call %" PRIu64 ": pid %" PRId32 " tgid %" PRId32
	       " uid %" PRIu32 " gid %" PRIu32 ", %" PRIu32
	       " bytes: ", (uint64_t)hdr->call_id,
	       (int32_t)hdr->pid, (int32_t)hdr->tgid,
	       (uint32_t)hdr->uid, (uint32_t)hdr->gid,
	       (uint32_t)hdr->submit_len);
	print_quoted((const unsigned char *)(hdr + 1), hdr->submit_len);
	printf("\n");
}

int cmd_serve(int argc, char **argv)
{
	struct clientbuf_server_call *hdr;
	struct clientbuf_info info;
	struct sigaction sa;
	sigset_t block, orig;
	unsigned long count = 0, served = 0;
	const char *package, *passwd_dir = NULL;
	size_t bufsize;
	void *buf = NULL;
	__u32 st;
	const char *passwd_opt = NULL;
	int fd, ret, rc = EXIT_FAIL;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strncmp(argv[i], "--count=", 8)) {
			if (parse_count(argv[i] + 8, &count))
				return usage_error("invalid count '%s'",
						   argv[i] + 8);
		} else if (!strcmp(argv[i], "--count")) {
			if (i + 1 >= argc || parse_count(argv[i + 1], &count))
				return usage_error("--count needs a positive number");
			i++;
		} else if (!strncmp(argv[i], "--passwd=", 9) && argv[i][9]) {
			passwd_dir = argv[i] + 9;
		} else if ((ret = serve_passwd_option(argv[i]))) {
			if (ret < 0)
				return EXIT_USAGE;
			passwd_opt = argv[i];
		} else {
			return usage_error("unknown option '%s' for 'serve'",
					   argv[i]);
		}
	}
	if (argc - i != 1)
		return usage_error("'serve' needs PACKAGE");
	if (passwd_opt && !passwd_dir)
		return usage_error("'%s' needs --passwd=DIR", passwd_opt);
	package = argv[i];
	if (!*package || strlen(package) >= CLIENTBUF_PACKAGE_NAME_MAX)
		return usage_error("invalid package name '%s'", package);

	if (passwd_dir && serve_passwd_init(passwd_dir))
		return EXIT_FAIL;
	fd = open_device();
	if (fd < 0)
		return EXIT_FAIL;
	ret = clientbuf_get_info(fd, &info);
	if (ret) {
		fprintf(stderr, "%s: CLIENTBUF_IOC_GET_INFO failed: %s (%s)\n",
			prog, strerror(-ret), errno_name(ret));
		goto out_close;
	}
	if (!(info.features & CLIENTBUF_FEAT_SERVER)) {
		fprintf(stderr,
			"%s: this clientbuf module has no package servers\n",
			prog);
		goto out_close;
	}
	bufsize = sizeof(*hdr) + info.max_submit_len;
	buf = malloc(bufsize);
	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out_close;
	}
	hdr = buf;

	ret = clientbuf_serve(fd, package, &st);
	if (ret == -EPERM) {
		fprintf(stderr,
			"%s: serving a package needs CAP_SYS_ADMIN (run as root): ",
			prog);
		print_status_brief(stderr, st);
		fprintf(stderr, "\n");
		goto out_free;
	} else if (ret == -EEXIST) {
		fprintf(stderr, "%s: a package named '%s' already exists: ",
			prog, package);
		print_status_brief(stderr, st);
		fprintf(stderr, "\n");
		goto out_free;
	} else if (ret < 0) {
		fail_status("CLIENTBUF_IOC_SERVE", ret, st);
		goto out_free;
	}
	/* The loop needs only the server fd; the client fd may go. */
	clientbuf_close(fd);
	fd = ret;
	/* serve_answer() reads the next call only if one is queued */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)) {
		fprintf(stderr, "%s: fcntl: %s\n", prog, strerror(errno));
		goto out_free;
	}

	/*
	 * SIGINT and SIGTERM are blocked except inside ppoll(), so a signal
	 * either interrupts the wait or is seen before the next one.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = serve_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (passwd_dir) {
		/* SIGUSR1: forget every name's failures (unlock them) */
		sa.sa_handler = serve_unlock_signal;
		sigaction(SIGUSR1, &sa, NULL);
		sigaddset(&block, SIGUSR1);
	}
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigdelset(&orig, SIGINT);
	sigdelset(&orig, SIGTERM);
	sigdelset(&orig, SIGUSR1);

	printf("serving package '%s'%s%s%s%s\n", package,
	       passwd_dir ? " (passwd_logon protocol, verifiers in " : "",
	       passwd_dir ? passwd_dir : "", passwd_dir ? ")" : "",
	       count ? "" : " (SIGINT or SIGTERM to stop)");
	fflush(stdout);
	rc = EXIT_OK;
	while (!serve_stop) {
		bool reading = !count || served < count;
		int timeout = passwd_dir ? serve_passwd_timeout() : -1;
		struct pollfd pfd = { .fd = reading ? fd : -1,
				      .events = POLLIN };
		struct timespec ts, *tsp = NULL;
		ssize_t n;

		/* with --count, the delayed answers still go out */
		if (!reading && timeout < 0)
			break;
		if (timeout >= 0) {
			ts.tv_sec = timeout / 1000;
			ts.tv_nsec = (long)(timeout % 1000) * 1000000;
			tsp = &ts;
		}
		ret = ppoll(&pfd, 1, tsp, &orig);
		if (serve_unlock) {
			serve_unlock = 0;
			serve_passwd_unlock();
		}
		if (passwd_dir)
			serve_passwd_flush(fd, false);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", prog,
				strerror(errno));
			rc = EXIT_FAIL;
			break;
		}
		if (!ret || !reading)
			continue;
		if (pfd.revents & (POLLERR | POLLNVAL)) {
			fprintf(stderr, "%s: poll: error on the device\n",
				prog);
			rc = EXIT_FAIL;
			break;
		}
		n = clientbuf_server_recv(fd, buf, bufsize);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: reading a call failed: %s (%s)\n",
				prog, strerror((int)-n), errno_name((int)n));
			rc = EXIT_FAIL;
			break;
		}
		if (passwd_dir) {
			serve_passwd_answer(fd, hdr,
					    (const unsigned char *)(hdr + 1),
					    passwd_dir);
			served++;
			continue;
		}
		/*
		 * Each answer reads the next queued call in the same
		 * syscall; back to ppoll() only when none is queued (or the
		 * count is reached: then nothing more is read).
		 */
		do {
			bool more = !count || served + 1 < count;

			/* the next record may overwrite this one: the
			 * greeting is made before the ioctl reads it
			 */
			print_call(hdr);
			n = serve_answer(fd, hdr, (const unsigned char *)
					 (hdr + 1), more ? buf : NULL,
					 more ? bufsize : 0);
			served++;
		} while (n > 0 && !serve_stop);
	}
	if (serve_stop)
		printf("%s: stopping\n", strsignal(serve_stop));
	printf("served %lu call%s\n", served, served == 1 ? "" : "s");
	if (passwd_dir) {
		/* stopped early: the failures waiting are answered now */
		size_t early = serve_passwd_flush(fd, true);

		if (early)
			printf("answered %zu delayed failure%s early\n", early,
			       early == 1 ? "" : "s");
		serve_passwd_finish();
	}
	fflush(stdout);

out_free:
	free(buf);
out_close:
	/* Calls not yet read fail with STATUS_PORT_DISCONNECTED. */
	clientbuf_close(fd);
	return rc;
}
