// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: NTSTATUS -> errno and NTSTATUS -> Win32 error.
 *
 * NTSTATUS and Win32 values are the published Windows ones (ntstatus.h,
 * winerror.h; RtlNtStatusToDosError() as tabulated in Wine's
 * dlls/ntdll/error.c). The errno column is ours. See
 * Documentation/status-codes.rst.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <clientbuf/ntstatus.h>
#include <clientbuf/secpkg.h>

/* RtlNtStatusToDosError() of a status it does not know. */
#define ERROR_MR_MID_NOT_FOUND	317

struct cb_status_map {
	ntstatus_t status;
	int err;
	u32 win32;
};

static const struct cb_status_map cb_status_table[] = {
	{ CB_STATUS_SUCCESS,		0,		0 },
	{ CB_STATUS_PENDING,		0,		997 },
	{ CB_STATUS_PARTIAL_COPY,		EFAULT,		299 },
	{ CB_STATUS_DEVICE_BUSY,		EBUSY,		170 },
	{ CB_STATUS_UNSUCCESSFUL,		EIO,		31 },
	{ CB_STATUS_ACCESS_VIOLATION,	EFAULT,		998 },
	{ CB_STATUS_INVALID_HANDLE,	ENOENT,		6 },
	{ CB_STATUS_INVALID_PARAMETER,	EINVAL,		87 },
	{ CB_STATUS_NO_MEMORY,		ENOMEM,		8 },
	{ CB_STATUS_ACCESS_DENIED,		EPERM,		5 },
	{ CB_STATUS_OBJECT_NAME_COLLISION,	EEXIST,		183 },
	{ CB_STATUS_PORT_DISCONNECTED,	ECONNRESET,	6 },
	{ CB_STATUS_BUFFER_TOO_SMALL,	ERANGE,		122 },
	{ CB_STATUS_QUOTA_EXCEEDED,	EDQUOT,		1816 },
	{ CB_STATUS_NO_SUCH_USER,		ENOENT,		1317 },
	{ CB_STATUS_WRONG_PASSWORD,	EACCES,		86 },
	{ CB_STATUS_LOGON_FAILURE,		EACCES,		1326 },
	{ CB_STATUS_ACCOUNT_DISABLED,	EPERM,		1331 },
	{ CB_STATUS_INSUFFICIENT_RESOURCES, ENOMEM,	1450 },
	{ CB_STATUS_NOT_SUPPORTED,		EOPNOTSUPP,	50 },
	{ CB_STATUS_NO_SUCH_PACKAGE,	ENOPKG,		1364 },
	{ CB_STATUS_PROCESS_IS_TERMINATING, ESRCH,		5 },
	{ CB_STATUS_CANCELLED,		ECANCELED,	995 },
};

static const struct cb_status_map *cb_status_lookup(ntstatus_t status)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cb_status_table); i++)
		if (cb_status_table[i].status == status)
			return &cb_status_table[i];
	return NULL;
}

/**
 * clientbuf_status_to_errno() - the errno an ioctl returns for a status
 * @status: an NTSTATUS
 *
 * Return: 0 for NT_SUCCESS() codes, else a negative errno; -EIO for an
 * error or warning code not in the table.
 */
int clientbuf_status_to_errno(ntstatus_t status)
{
	const struct cb_status_map *map;

	if (nt_success(status))
		return 0;
	map = cb_status_lookup(status);
	return map ? -map->err : -EIO;
}
EXPORT_SYMBOL_NS_GPL(clientbuf_status_to_errno, CLIENTBUF_NS);

/**
 * clientbuf_status_to_win32() - LsaNtStatusToWinError() of a status
 * @status: an NTSTATUS
 *
 * Return: the Win32 error code, ERROR_MR_MID_NOT_FOUND (317) for a status
 * not in the table, as RtlNtStatusToDosError() does.
 */
u32 clientbuf_status_to_win32(ntstatus_t status)
{
	const struct cb_status_map *map = cb_status_lookup(status);

	return map ? map->win32 : ERROR_MR_MID_NOT_FOUND;
}
EXPORT_SYMBOL_NS_GPL(clientbuf_status_to_win32, CLIENTBUF_NS);
