// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf status CODE: decode an NTSTATUS.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Parse hex (0x...), decimal (also negative, as a signed NTSTATUS) or name. */
int parse_status(const char *s, __u32 *status)
{
	const char *p = s;
	unsigned long long v;
	int neg = 0;
	char *end;

	if (!clientbuf_status_from_name(s, status))
		return 0;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		if (!isxdigit((unsigned char)p[2]))
			return -EINVAL;
		v = strtoull(p, &end, 16);
	} else {
		v = strtoull(p, &end, 10);
	}
	if (errno || *end)
		return -EINVAL;
	if (neg) {
		if (v > 0x80000000ULL)
			return -ERANGE;
		*status = (__u32)(0x100000000ULL - v);
		return 0;
	}
	if (v > UINT32_MAX)
		return -ERANGE;
	*status = (__u32)v;
	return 0;
}

static const char *const severity_names[] = {
	[CLIENTBUF_SEVERITY_SUCCESS]		= "success",
	[CLIENTBUF_SEVERITY_INFORMATIONAL]	= "informational",
	[CLIENTBUF_SEVERITY_WARNING]		= "warning",
	[CLIENTBUF_SEVERITY_ERROR]		= "error",
};

int cmd_status(int argc, char **argv)
{
	const char *name, *wname;
	__u32 status, win32;
	int err, sev;

	if (argc != 2)
		return usage_error("'status' takes one argument: an NTSTATUS");
	if (parse_status(argv[1], &status)) {
		fprintf(stderr,
			"%s: invalid NTSTATUS '%s': expected a 32-bit hex (0x...) or decimal number, or a STATUS_* name\n",
			prog, argv[1]);
		return EXIT_USAGE;
	}
	name = clientbuf_status_name(status);
	err = clientbuf_status_to_errno(status);
	win32 = clientbuf_status_to_win32(status);
	wname = clientbuf_win32_name(win32);
	sev = clientbuf_status_severity(status);

	printf("%s\n", name ? name : "unknown (not a status clientbuf returns)");
	printf("  NTSTATUS:   0x%08" PRIX32 " (%" PRIu32 ", %" PRId32 ")\n",
	       (uint32_t)status, (uint32_t)status, (int32_t)status);
	printf("  severity:   %d %s, NT_SUCCESS %s%s\n", sev, severity_names[sev],
	       clientbuf_nt_success(status) ? "true" : "false",
	       status & 0x20000000U ? ", customer code" : "");
	printf("  facility:   0x%03" PRIX32 "\n",
	       (uint32_t)((status >> 16) & 0xfff));
	if (err)
		printf("  errno:      %s (%d): %s\n", errno_name(err), -err,
		       strerror(-err));
	else
		printf("  errno:      0 (none: a success status)\n");
	/* LsaNtStatusToWinError(): what Windows answers for any code */
	printf("  Win32:      %" PRIu32 "%s%s\n", (uint32_t)win32,
	       wname ? " " : "", wname ? wname : "");
	return EXIT_OK;
}
