// SPDX-License-Identifier: GPL-2.0
/*
 * Host-run unit test of libclientbuf's NTSTATUS table; prints TAP.
 *
 * The expected values below are written out independently of the library:
 * NTSTATUS values from the Windows SDK's ntstatus.h, Win32 values and names
 * from winerror.h, paired as in Wine's dlls/ntdll/error.c (the
 * RtlNtStatusToDosError() table that LsaNtStatusToWinError() is), and the
 * errno column of Documentation/status-codes.rst.
 *
 * The test also reads uapi/linux/clientbuf.h (path compiled in, or argv[1])
 * and fails if it defines a CLIENTBUF_STATUS_* this table does not cover.
 *
 * Usage: status_table [path/to/uapi/linux/clientbuf.h]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clientbuf.h"
#include "tap.h"

#ifndef CB_UAPI_HEADER
#define CB_UAPI_HEADER "../uapi/linux/clientbuf.h"
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct expect {
	const char *name;	/* Windows name */
	__u32 uapi;		/* CLIENTBUF_STATUS_* as the uapi header has it */
	__u32 value;		/* published value, written out */
	int err;		/* expected errno, positive; 0 for none */
	__u32 win32;		/* RtlNtStatusToDosError() */
	const char *win32_name;
	int success;		/* NT_SUCCESS() */
};

static const struct expect expected[] = {
	{ "STATUS_SUCCESS", CLIENTBUF_STATUS_SUCCESS,
	  0x00000000, 0, 0, "ERROR_SUCCESS", 1 },
	{ "STATUS_PENDING", CLIENTBUF_STATUS_PENDING,
	  0x00000103, 0, 997, "ERROR_IO_PENDING", 1 },
	{ "STATUS_PARTIAL_COPY", CLIENTBUF_STATUS_PARTIAL_COPY,
	  0x8000000D, EFAULT, 299, "ERROR_PARTIAL_COPY", 0 },
	{ "STATUS_DEVICE_BUSY", CLIENTBUF_STATUS_DEVICE_BUSY,
	  0x80000011, EBUSY, 170, "ERROR_BUSY", 0 },
	{ "STATUS_UNSUCCESSFUL", CLIENTBUF_STATUS_UNSUCCESSFUL,
	  0xC0000001, EIO, 31, "ERROR_GEN_FAILURE", 0 },
	{ "STATUS_ACCESS_VIOLATION", CLIENTBUF_STATUS_ACCESS_VIOLATION,
	  0xC0000005, EFAULT, 998, "ERROR_NOACCESS", 0 },
	{ "STATUS_INVALID_HANDLE", CLIENTBUF_STATUS_INVALID_HANDLE,
	  0xC0000008, ENOENT, 6, "ERROR_INVALID_HANDLE", 0 },
	{ "STATUS_INVALID_PARAMETER", CLIENTBUF_STATUS_INVALID_PARAMETER,
	  0xC000000D, EINVAL, 87, "ERROR_INVALID_PARAMETER", 0 },
	{ "STATUS_NO_MEMORY", CLIENTBUF_STATUS_NO_MEMORY,
	  0xC0000017, ENOMEM, 8, "ERROR_NOT_ENOUGH_MEMORY", 0 },
	{ "STATUS_ACCESS_DENIED", CLIENTBUF_STATUS_ACCESS_DENIED,
	  0xC0000022, EPERM, 5, "ERROR_ACCESS_DENIED", 0 },
	{ "STATUS_OBJECT_NAME_COLLISION",
	  CLIENTBUF_STATUS_OBJECT_NAME_COLLISION,
	  0xC0000035, EEXIST, 183, "ERROR_ALREADY_EXISTS", 0 },
	{ "STATUS_PORT_DISCONNECTED", CLIENTBUF_STATUS_PORT_DISCONNECTED,
	  0xC0000037, ECONNRESET, 6, "ERROR_INVALID_HANDLE", 0 },
	{ "STATUS_BUFFER_TOO_SMALL", CLIENTBUF_STATUS_BUFFER_TOO_SMALL,
	  0xC0000023, ERANGE, 122, "ERROR_INSUFFICIENT_BUFFER", 0 },
	{ "STATUS_QUOTA_EXCEEDED", CLIENTBUF_STATUS_QUOTA_EXCEEDED,
	  0xC0000044, EDQUOT, 1816, "ERROR_NOT_ENOUGH_QUOTA", 0 },
	{ "STATUS_NO_SUCH_USER", CLIENTBUF_STATUS_NO_SUCH_USER,
	  0xC0000064, ENOENT, 1317, "ERROR_NO_SUCH_USER", 0 },
	{ "STATUS_WRONG_PASSWORD", CLIENTBUF_STATUS_WRONG_PASSWORD,
	  0xC000006A, EACCES, 86, "ERROR_INVALID_PASSWORD", 0 },
	{ "STATUS_LOGON_FAILURE", CLIENTBUF_STATUS_LOGON_FAILURE,
	  0xC000006D, EACCES, 1326, "ERROR_LOGON_FAILURE", 0 },
	{ "STATUS_ACCOUNT_DISABLED", CLIENTBUF_STATUS_ACCOUNT_DISABLED,
	  0xC0000072, EPERM, 1331, "ERROR_ACCOUNT_DISABLED", 0 },
	{ "STATUS_INSUFFICIENT_RESOURCES",
	  CLIENTBUF_STATUS_INSUFFICIENT_RESOURCES,
	  0xC000009A, ENOMEM, 1450, "ERROR_NO_SYSTEM_RESOURCES", 0 },
	{ "STATUS_NOT_SUPPORTED", CLIENTBUF_STATUS_NOT_SUPPORTED,
	  0xC00000BB, EOPNOTSUPP, 50, "ERROR_NOT_SUPPORTED", 0 },
	{ "STATUS_NO_SUCH_PACKAGE", CLIENTBUF_STATUS_NO_SUCH_PACKAGE,
	  0xC00000FE, ENOPKG, 1364, "ERROR_NO_SUCH_PACKAGE", 0 },
	{ "STATUS_PROCESS_IS_TERMINATING",
	  CLIENTBUF_STATUS_PROCESS_IS_TERMINATING,
	  0xC000010A, ESRCH, 5, "ERROR_ACCESS_DENIED", 0 },
	{ "STATUS_CANCELLED", CLIENTBUF_STATUS_CANCELLED,
	  0xC0000120, ECANCELED, 995, "ERROR_OPERATION_ABORTED", 0 },
};

/*
 * Codes clientbuf never returns itself (a package may): unknown to the
 * table, so errno 0 for NT_SUCCESS codes and EIO otherwise. Their Win32
 * error is what Windows answers (tools/tests/win32_map.c checks it).
 */
static const struct {
	__u32 value;
	const char *what;
	int success;
} unknown[] = {
	{ 0x00000001, "STATUS_WAIT_1", 1 },
	{ 0x00000102, "STATUS_TIMEOUT", 1 },
	{ 0x40000000, "STATUS_OBJECT_NAME_EXISTS (informational)", 1 },
	{ 0x7FFFFFFF, "largest informational code", 1 },
	{ 0x80000000, "smallest warning code", 0 },
	{ 0x80000001, "STATUS_GUARD_PAGE_VIOLATION (warning)", 0 },
	{ 0x80000005, "STATUS_BUFFER_OVERFLOW (warning)", 0 },
	{ 0xC0000002, "STATUS_NOT_IMPLEMENTED", 0 },
	{ 0xC0000225, "STATUS_NOT_FOUND", 0 },
	{ 0xE0000005, "customer error code", 0 },
	{ 0xFFFFFFFF, "all bits set", 0 },
	{ 0x00000005, "low bits of STATUS_ACCESS_VIOLATION", 1 },
	{ 0x4000000D, "STATUS_PARTIAL_COPY with another severity", 1 },
};



static int streq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static const char *str(const char *s)
{
	return s ? s : "(null)";
}

static const struct expect *find_expected(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(expected); i++)
		if (!strcmp(expected[i].name, name))
			return &expected[i];
	return NULL;
}

static void test_known(const struct expect *e)
{
	const char *name = clientbuf_status_name(e->value);
	const char *wname = clientbuf_win32_name(e->win32);
	int err = clientbuf_status_to_errno(e->value);
	__u32 win32 = clientbuf_status_to_win32(e->value);
	__u32 back = 0;
	int ok;

	ok = e->uapi == e->value && streq(name, e->name) &&
	     err == -e->err && win32 == e->win32 &&
	     !!clientbuf_nt_success(e->value) == e->success &&
	     clientbuf_status_severity(e->value) == (int)(e->value >> 30) &&
	     streq(wname, e->win32_name) &&
	     !clientbuf_status_from_name(e->name, &back) && back == e->value;
	if (ok) {
		check(1, "%s 0x%08X: errno %d, Win32 %u %s, NT_SUCCESS %d",
		      e->name, e->value, -e->err, e->win32, e->win32_name,
		      e->success);
		return;
	}
	check(0, "%s 0x%08X", e->name, e->value);
	printf("#   uapi value 0x%08X, expected 0x%08X\n", e->uapi, e->value);
	printf("#   name %s, expected %s\n", str(name), e->name);
	printf("#   errno %d, expected %d\n", err, -e->err);
	printf("#   Win32 %u (%s), expected %u (%s)\n", win32, str(wname),
	       e->win32, e->win32_name);
	printf("#   NT_SUCCESS %d, expected %d\n", clientbuf_nt_success(e->value),
	       e->success);
	printf("#   name lookup gives 0x%08X\n", back);
}

static void test_unknown(__u32 v, const char *what, int success)
{
	int err = clientbuf_status_to_errno(v);
	__u32 win32 = clientbuf_status_to_win32(v);
	int ok;

	ok = !clientbuf_status_name(v) && err == (success ? 0 : -EIO) &&
	     !!clientbuf_nt_success(v) == success;
	check(ok, "unknown 0x%08X (%s): no name, errno %d, NT_SUCCESS %d",
	      v, what, success ? 0 : -EIO, success);
	if (!ok)
		printf("#   got name %s, errno %d, Win32 %u, NT_SUCCESS %d\n",
		       str(clientbuf_status_name(v)), err, win32, clientbuf_nt_success(v));
}

/* Every CLIENTBUF_STATUS_* the uapi header defines must be in expected[]. */
static void test_uapi_coverage(const char *path)
{
	char line[512], sym[128];
	unsigned int value;
	size_t seen = 0;
	int all = 1;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		check(0, "read %s: %s", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		const struct expect *e;

		if (sscanf(line, "#define CLIENTBUF_STATUS_%127s %x", sym,
			   &value) != 2)
			continue;
		seen++;
		/* sym lacks the "STATUS_" that the Windows name has */
		memmove(sym + 7, sym, strlen(sym) + 1);
		memcpy(sym, "STATUS_", 7);
		e = find_expected(sym);
		if (!e || e->value != value) {
			all = 0;
			printf("# uapi %s 0x%08X: %s\n", sym, value,
			       e ? "value differs from the expected table" :
			       "not in the expected table");
		}
	}
	fclose(f);
	check(all && seen == ARRAY_SIZE(expected),
	      "uapi header defines %zu statuses, all in the expected table of %zu",
	      seen, ARRAY_SIZE(expected));
}

static void test_names(void)
{
	__u32 v = 0;

	check(!clientbuf_status_from_name("ACCESS_VIOLATION", &v) &&
	      v == 0xC0000005 &&
	      !clientbuf_status_from_name("clientbuf_status_no_such_package", &v) &&
	      v == 0xC00000FE,
	      "name lookup accepts short, prefixed and lower-case names");
	check(clientbuf_status_from_name("STATUS_NOT_A_STATUS", &v) == -ENOENT &&
	      clientbuf_status_from_name("", &v) == -ENOENT &&
	      clientbuf_status_from_name("STATUS_", &v) == -ENOENT,
	      "name lookup refuses unknown names with -ENOENT");
	check(streq(clientbuf_win32_name(317), "ERROR_MR_MID_NOT_FOUND"),
	      "Win32 317 is ERROR_MR_MID_NOT_FOUND");
	check(!clientbuf_win32_name(1) && !clientbuf_win32_name(0xFFFFFFFF),
	      "unknown Win32 codes have no name");
	check(clientbuf_status_severity(0x00000000) == CLIENTBUF_SEVERITY_SUCCESS &&
	      clientbuf_status_severity(0x40000000) == CLIENTBUF_SEVERITY_INFORMATIONAL &&
	      clientbuf_status_severity(0x8000000D) == CLIENTBUF_SEVERITY_WARNING &&
	      clientbuf_status_severity(0xC0000005) == CLIENTBUF_SEVERITY_ERROR,
	      "severity of success, informational, warning, error codes");
}

int main(int argc, char **argv)
{
	const char *uapi = argc > 1 ? argv[1] : CB_UAPI_HEADER;
	size_t i;

	printf("TAP version 13\n");
	for (i = 0; i < ARRAY_SIZE(expected); i++)
		test_known(&expected[i]);
	for (i = 0; i < ARRAY_SIZE(unknown); i++)
		test_unknown(unknown[i].value, unknown[i].what,
			     unknown[i].success);
	test_uapi_coverage(uapi);
	test_names();
	return tap_done();
}
