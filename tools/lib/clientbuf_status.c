// SPDX-License-Identifier: GPL-2.0
/*
 * libclientbuf: NTSTATUS decoding.
 *
 * The same table as the module's (module/status.c) and
 * Documentation/status-codes.rst: NTSTATUS and Win32 values are the published
 * Windows ones (ntstatus.h, winerror.h, as paired in Wine's
 * dlls/ntdll/error.c); the errno column is clientbuf's choice.
 * tools/tests/status_table.c checks it against an independent copy.
 *
 * The Win32 error of any NTSTATUS is what Windows's LsaNtStatusToWinError()
 * (RtlNtStatusToDosError()) answers: its rules in clientbuf_status_to_win32(),
 * its table in clientbuf_win32_table.h (scripts/win32-table.py);
 * tools/tests/win32_map.c checks both against Wine's conformance test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "clientbuf.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct cb_status_desc {
	__u32 status;
	const char *name;
	int err;		/* positive errno, 0 for none */
};

/* the Win32 column of status-codes.rst is clientbuf_status_to_win32()'s */
#define S(sym, e, w)	{ CLIENTBUF_STATUS_##sym, "STATUS_" #sym, e }

static const struct cb_status_desc cb_status_table[] = {
	S(SUCCESS,			0,		0),
	S(PENDING,			0,		997),
	S(PARTIAL_COPY,			EFAULT,		299),
	S(DEVICE_BUSY,			EBUSY,		170),
	S(UNSUCCESSFUL,			EIO,		31),
	S(ACCESS_VIOLATION,		EFAULT,		998),
	S(INVALID_HANDLE,		ENOENT,		6),
	S(INVALID_PARAMETER,		EINVAL,		87),
	S(NO_MEMORY,			ENOMEM,		8),
	S(ACCESS_DENIED,		EPERM,		5),
	S(OBJECT_NAME_COLLISION,	EEXIST,		183),
	S(PORT_DISCONNECTED,		ECONNRESET,	6),
	S(BUFFER_TOO_SMALL,		ERANGE,		122),
	S(QUOTA_EXCEEDED,		EDQUOT,		1816),
	S(NO_SUCH_USER,			ENOENT,		1317),
	S(WRONG_PASSWORD,		EACCES,		86),
	S(LOGON_FAILURE,			EACCES,		1326),
	S(ACCOUNT_DISABLED,		EPERM,		1331),
	S(INSUFFICIENT_RESOURCES,	ENOMEM,		1450),
	S(NOT_SUPPORTED,		EOPNOTSUPP,	50),
	S(NO_SUCH_PACKAGE,		ENOPKG,		1364),
	S(PROCESS_IS_TERMINATING,	ESRCH,		5),
	S(CANCELLED,			ECANCELED,	995),
};

#undef S

struct cb_win32_desc {
	__u32 code;
	const char *name;
};

static const struct cb_win32_desc cb_win32_table[] = {
	{ 0,	"ERROR_SUCCESS" },
	{ 5,	"ERROR_ACCESS_DENIED" },
	{ 6,	"ERROR_INVALID_HANDLE" },
	{ 8,	"ERROR_NOT_ENOUGH_MEMORY" },
	{ 31,	"ERROR_GEN_FAILURE" },
	{ 50,	"ERROR_NOT_SUPPORTED" },
	{ 86,	"ERROR_INVALID_PASSWORD" },
	{ 87,	"ERROR_INVALID_PARAMETER" },
	{ 122,	"ERROR_INSUFFICIENT_BUFFER" },
	{ 170,	"ERROR_BUSY" },
	{ 183,	"ERROR_ALREADY_EXISTS" },
	{ 299,	"ERROR_PARTIAL_COPY" },
	{ 317,	"ERROR_MR_MID_NOT_FOUND" },
	{ 995,	"ERROR_OPERATION_ABORTED" },
	{ 997,	"ERROR_IO_PENDING" },
	{ 998,	"ERROR_NOACCESS" },
	{ 1317,	"ERROR_NO_SUCH_USER" },
	{ 1326,	"ERROR_LOGON_FAILURE" },
	{ 1331,	"ERROR_ACCOUNT_DISABLED" },
	{ 1364,	"ERROR_NO_SUCH_PACKAGE" },
	{ 1450,	"ERROR_NO_SYSTEM_RESOURCES" },
	{ 1816,	"ERROR_NOT_ENOUGH_QUOTA" },
};

static const struct cb_status_desc *cb_status_find(__u32 status)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cb_status_table); i++)
		if (cb_status_table[i].status == status)
			return &cb_status_table[i];
	return NULL;
}

int clientbuf_nt_success(__u32 status)
{
	return (status & 0x80000000U) == 0;
}

int clientbuf_status_severity(__u32 status)
{
	return (int)(status >> 30);
}

const char *clientbuf_status_name(__u32 status)
{
	const struct cb_status_desc *d = cb_status_find(status);

	return d ? d->name : NULL;
}

int clientbuf_status_from_name(const char *name, __u32 *status)
{
	size_t i;

	if (!name || !status)
		return -EINVAL;
	if (!strncasecmp(name, "CLIENTBUF_", 10))
		name += 10;
	if (!strncasecmp(name, "STATUS_", 7))
		name += 7;
	for (i = 0; i < ARRAY_SIZE(cb_status_table); i++) {
		if (!strcasecmp(name, cb_status_table[i].name + 7)) {
			*status = cb_status_table[i].status;
			return 0;
		}
	}
	return -ENOENT;
}

int clientbuf_status_to_errno(__u32 status)
{
	const struct cb_status_desc *d = cb_status_find(status);

	if (d)
		return -d->err;
	return clientbuf_nt_success(status) ? 0 : -EIO;
}

struct cb_win32_map {
	__u32 status;
	__u32 win32;
};

/* { NTSTATUS, Win32 } of every code Windows maps, sorted by NTSTATUS */
static const struct cb_win32_map cb_win32_map[] = {
#include "clientbuf_win32_table.h"
};

__u32 clientbuf_status_to_win32(__u32 status)
{
	size_t lo = 0, hi = ARRAY_SIZE(cb_win32_map);
	__u32 high = status >> 16;

	/* STATUS_SUCCESS, and customer codes (bit 29), come back unchanged */
	if (!status || (status & 0x20000000U))
		return status;
	/* 0xD... is read as 0xC... */
	if ((status & 0xF0000000U) == 0xD0000000U) {
		status &= ~0x10000000U;
		high = status >> 16;
	}
	/*
	 * A Win32 error carried in an NTSTATUS (FACILITY_NTWIN32, 0xC007)
	 * or an HRESULT (HRESULT_FROM_WIN32, 0x8007), and RPC's (0xC001):
	 * the low word.
	 */
	if (high == 0xC001 || high == 0x8007 || high == 0xC007)
		return status & 0xFFFF;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cb_win32_map[mid].status == status)
			return cb_win32_map[mid].win32;
		if (cb_win32_map[mid].status < status)
			lo = mid + 1;
		else
			hi = mid;
	}
	return CLIENTBUF_WIN32_MR_MID_NOT_FOUND;
}

const char *clientbuf_win32_name(__u32 win32)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cb_win32_table); i++)
		if (cb_win32_table[i].code == win32)
			return cb_win32_table[i].name;
	return NULL;
}
