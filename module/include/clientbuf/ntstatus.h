/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clientbuf: the NTSTATUS type of the in-kernel API.
 *
 * ntstatus_t is a sparse __bitwise type, like blk_status_t: sparse (C=2)
 * reports an errno or plain integer used where an NTSTATUS is due, and the
 * reverse. Convert explicitly with clientbuf_status_to_errno().
 */
#ifndef _CLIENTBUF_NTSTATUS_H
#define _CLIENTBUF_NTSTATUS_H

#include <linux/types.h>
#include <linux/clientbuf.h>

typedef u32 __bitwise ntstatus_t;

#define CB_NTSTATUS(v)	((__force ntstatus_t)(v))

#define STATUS_SUCCESS		CB_NTSTATUS(CLIENTBUF_STATUS_SUCCESS)
#define STATUS_PENDING		CB_NTSTATUS(CLIENTBUF_STATUS_PENDING)
#define STATUS_PARTIAL_COPY	CB_NTSTATUS(CLIENTBUF_STATUS_PARTIAL_COPY)
#define STATUS_UNSUCCESSFUL	CB_NTSTATUS(CLIENTBUF_STATUS_UNSUCCESSFUL)
#define STATUS_ACCESS_VIOLATION	CB_NTSTATUS(CLIENTBUF_STATUS_ACCESS_VIOLATION)
#define STATUS_INVALID_HANDLE	CB_NTSTATUS(CLIENTBUF_STATUS_INVALID_HANDLE)
#define STATUS_INVALID_PARAMETER \
	CB_NTSTATUS(CLIENTBUF_STATUS_INVALID_PARAMETER)
#define STATUS_NO_MEMORY	CB_NTSTATUS(CLIENTBUF_STATUS_NO_MEMORY)
#define STATUS_ACCESS_DENIED	CB_NTSTATUS(CLIENTBUF_STATUS_ACCESS_DENIED)
#define STATUS_BUFFER_TOO_SMALL	CB_NTSTATUS(CLIENTBUF_STATUS_BUFFER_TOO_SMALL)
#define STATUS_QUOTA_EXCEEDED	CB_NTSTATUS(CLIENTBUF_STATUS_QUOTA_EXCEEDED)
#define STATUS_INSUFFICIENT_RESOURCES \
	CB_NTSTATUS(CLIENTBUF_STATUS_INSUFFICIENT_RESOURCES)
#define STATUS_NOT_SUPPORTED	CB_NTSTATUS(CLIENTBUF_STATUS_NOT_SUPPORTED)
#define STATUS_NO_SUCH_PACKAGE	CB_NTSTATUS(CLIENTBUF_STATUS_NO_SUCH_PACKAGE)
#define STATUS_PROCESS_IS_TERMINATING \
	CB_NTSTATUS(CLIENTBUF_STATUS_PROCESS_IS_TERMINATING)
#define STATUS_CANCELLED	CB_NTSTATUS(CLIENTBUF_STATUS_CANCELLED)
#define STATUS_DEVICE_BUSY	CB_NTSTATUS(CLIENTBUF_STATUS_DEVICE_BUSY)

/**
 * nt_success() - NT_SUCCESS(): is @status a success or informational code?
 * @status: the NTSTATUS to test
 *
 * Return: true for severity 0 (success) and 1 (informational), as
 * NT_SUCCESS() in ntdef.h. STATUS_PARTIAL_COPY (a warning) is not a success.
 */
static inline bool nt_success(ntstatus_t status)
{
	return (__force s32)status >= 0;
}

int clientbuf_status_to_errno(ntstatus_t status);
u32 clientbuf_status_to_win32(ntstatus_t status);

#endif /* _CLIENTBUF_NTSTATUS_H */
