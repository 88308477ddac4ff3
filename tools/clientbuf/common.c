// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf CLI: what every command uses (messages, the device, parsers).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *prog = "clientbuf";

int __printf(1, 2) usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	return EXIT_USAGE;
}

const char *errno_name(int err)
{
	const char *name;

	if (err < 0)
		err = -err;
	if (!err)
		return "0";
	name = strerrorname_np(err);
	return name ? name : "E?";
}

const char *status_name(__u32 status)
{
	const char *name = clientbuf_status_name(status);

	return name ? name : "unknown NTSTATUS";
}

/*
 * "STATUS_NO_SUCH_PACKAGE (0xC00000FE, errno ENOPKG,
 * Win32 1364 ERROR_NO_SUCH_PACKAGE)"
 */
void print_status_brief(FILE *f, __u32 status)
{
	__u32 win32 = clientbuf_status_to_win32(status);
	const char *wname = clientbuf_win32_name(win32);

	fprintf(f, "%s (0x%08" PRIX32 ", errno %s, Win32 %" PRIu32 "%s%s)",
		status_name(status), (uint32_t)status,
		errno_name(clientbuf_status_to_errno(status)), (uint32_t)win32,
		wname ? " " : "", wname ? wname : "");
}

/* Report a failed ioctl: its NTSTATUS if the module answered, and errno. */
int fail_status(const char *what, int err, __u32 status)
{
	fprintf(stderr, "%s: %s failed: ", prog, what);
	print_status_brief(stderr, status);
	fprintf(stderr, "; errno %s: %s\n", errno_name(err), strerror(-err));
	return EXIT_FAIL;
}

int open_device(void)
{
	int fd = clientbuf_open();

	if (fd == -ENOENT)
		fprintf(stderr,
			"%s: no %s (is the clientbuf module loaded?)\n",
			prog, CLIENTBUF_DEVICE_PATH);
	else if (fd < 0)
		fprintf(stderr, "%s: cannot open %s: %s (%s)\n", prog,
			CLIENTBUF_DEVICE_PATH, strerror(-fd), errno_name(fd));
	return fd;
}

int parse_timeout(const char *s, int *ms)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < -1 || v > INT_MAX)
		return -EINVAL;
	*ms = (int)v;
	return 0;
}

/* Parse a decimal number in [@min, @max]. */
int parse_uint(const char *s, unsigned long min, unsigned long max,
	       unsigned long *v)
{
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end || n < min || n > max)
		return -EINVAL;
	*v = (unsigned long)n;
	return 0;
}

void print_hex(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
}

/* Print @len bytes as a C-style quoted string. */
void print_quoted(const unsigned char *p, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\\')
			printf("\\%c", p[i]);
		else if (isprint(p[i]))
			putchar(p[i]);
		else
			printf("\\x%02x", p[i]);
	}
	putchar('"');
}
