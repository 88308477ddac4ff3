// SPDX-License-Identifier: GPL-2.0
/*
 * Host-run test of clientbuf_status_to_win32() (LsaNtStatusToWinError()):
 * what Windows answers, checked against the vectors Wine's conformance
 * test (dlls/ntdll/tests/error.c) expects of Windows (win32_vectors.h,
 * written by scripts/win32-table.py), and the rules for codes outside any
 * table: HRESULT_FROM_WIN32 (0x8007xxxx), FACILITY_NTWIN32 (0xC007xxxx)
 * and RPC (0xC001xxxx) codes give their low word, a customer code (bit 29)
 * comes back unchanged, 0xD... is read as 0xC..., and an unknown code is
 * 317 (ERROR_MR_MID_NOT_FOUND). Prints TAP.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "clientbuf.h"
#include "tap.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	__u32 status;
	__u32 win32;
	const char *name;
} vectors[] = {
#include "win32_vectors.h"
};

static const struct {
	__u32 status;
	__u32 win32;
	const char *what;
} cases[] = {
	/* the examples: codes a package may return */
	{ 0xC0000206, 1784, "STATUS_INVALID_BUFFER_SIZE" },
	{ 0xC0000010, 1, "STATUS_INVALID_DEVICE_REQUEST" },
	{ 0xC0000095, 534, "STATUS_INTEGER_OVERFLOW" },
	{ 0xC000000B, 87, "STATUS_INVALID_CID" },
	{ 0xC0000002, 1, "STATUS_NOT_IMPLEMENTED" },
	{ 0xC0000225, 1168, "STATUS_NOT_FOUND" },
	{ 0x00000102, 1460, "STATUS_TIMEOUT" },
	{ 0x80000005, 234, "STATUS_BUFFER_OVERFLOW" },
	/* the 1:1 entries: the status itself */
	{ 0x80000001, 0x80000001, "STATUS_GUARD_PAGE_VIOLATION" },
	/* STATUS_SUCCESS */
	{ 0x00000000, 0, "STATUS_SUCCESS" },
	/* HRESULT_FROM_WIN32(x) and its kin: the low word */
	{ 0x80070005, 5, "HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)" },
	{ 0x8007052E, 1326, "HRESULT_FROM_WIN32(ERROR_LOGON_FAILURE)" },
	{ 0x8007FFFF, 0xFFFF, "HRESULT 0x8007FFFF" },
	{ 0xC0070057, 87, "FACILITY_NTWIN32 ERROR_INVALID_PARAMETER" },
	{ 0xC00106D1, 0x06D1, "0xC001xxxx: the low word" },
	/* customer codes come back unchanged */
	{ 0xE0000005, 0xE0000005, "customer error code" },
	{ 0x20000001, 0x20000001, "customer success code" },
	{ 0xFFFFFFFF, 0xFFFFFFFF, "all bits set (customer bit)" },
	{ 0xE0070005, 0xE0070005, "customer bit beats 0x8007/0xC007" },
	/* 0xD... is 0xC... */
	{ 0xD0000206, 1784, "0xD0000206 as STATUS_INVALID_BUFFER_SIZE" },
	{ 0xD0000005, 998, "0xD0000005 as STATUS_ACCESS_VIOLATION" },
	{ 0xD0070057, 87, "0xD0070057 as FACILITY_NTWIN32" },
	/* unknown: 317 */
	{ 0xC0FFFFFF, 317, "unknown error code" },
	{ 0x4FFFFFFF, 317, "informational code of no table" },
	{ 0x80000000, 317, "smallest warning code" },
	{ 0x0000010F, 317, "hole in the success range" },
	{ 0x80060005, 317, "0x8006xxxx is no HRESULT_FROM_WIN32" },
};

int main(void)
{
	size_t i, bad = 0;

	printf("TAP version 13\n");
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		__u32 w = clientbuf_status_to_win32(cases[i].status);

		check(w == cases[i].win32, "0x%08X (%s) -> %u", cases[i].status,
		      cases[i].what, cases[i].win32);
		if (w != cases[i].win32)
			printf("#   got %u\n", w);
	}
	for (i = 0; i < ARRAY_SIZE(vectors); i++) {
		__u32 w = clientbuf_status_to_win32(vectors[i].status);

		if (w != vectors[i].win32) {
			bad++;
			printf("# %s 0x%08X: got %u, Windows answers %u\n",
			       vectors[i].name, vectors[i].status, w,
			       vectors[i].win32);
		}
	}
	check(!bad && ARRAY_SIZE(vectors) > 500,
	      "%zu of %zu conformance vectors as Windows answers them",
	      ARRAY_SIZE(vectors) - bad, ARRAY_SIZE(vectors));
	return tap_done();
}
