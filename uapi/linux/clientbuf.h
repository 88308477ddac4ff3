/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * clientbuf: LSA client-buffer services for Linux - userspace ABI.
 *
 * Clients open /dev/clientbuf, register ranges of their own memory and call
 * security packages; packages move data into and out of the registered
 * ranges and answer with NTSTATUS codes (Windows values, below).
 *
 * Every ioctl argument starts with a __u32 size that the caller sets to the
 * size of the struct it was built with. The kernel accepts any size from the
 * first published version of the struct up: a larger struct must be zero
 * past what the kernel knows (else -E2BIG), a smaller one is -EINVAL.
 * Reserved fields and unknown flags must be zero (else -EINVAL). Addresses are
 * carried in __aligned_u64 fields, so 32-bit and 64-bit callers share one
 * layout. Once the size checks pass, a struct with a status field gets the
 * NTSTATUS of the operation written back even when the ioctl fails; the
 * errno is the one clientbuf_status_to_errno() gives for it.
 * The ioctl type letter is 0xC1 (see Documentation/userspace-api.rst).
 */
#ifndef _UAPI_LINUX_CLIENTBUF_H
#define _UAPI_LINUX_CLIENTBUF_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CLIENTBUF_IOC_MAGIC		0xC1
#define CLIENTBUF_ABI_VERSION		1
#define CLIENTBUF_DEVICE_NAME		"clientbuf"
#define CLIENTBUF_PACKAGE_NAME_MAX	32

/*
 * NTSTATUS values: the published Windows values (ntstatus.h), so that
 * userspace can hand them to code that expects NTSTATUS. The module returns
 * only these.
 */
#define CLIENTBUF_STATUS_SUCCESS		0x00000000U
#define CLIENTBUF_STATUS_PENDING		0x00000103U
#define CLIENTBUF_STATUS_PARTIAL_COPY		0x8000000DU
#define CLIENTBUF_STATUS_UNSUCCESSFUL		0xC0000001U
#define CLIENTBUF_STATUS_ACCESS_VIOLATION	0xC0000005U
#define CLIENTBUF_STATUS_INVALID_HANDLE		0xC0000008U
#define CLIENTBUF_STATUS_INVALID_PARAMETER	0xC000000DU
#define CLIENTBUF_STATUS_NO_MEMORY		0xC0000017U
#define CLIENTBUF_STATUS_ACCESS_DENIED		0xC0000022U
#define CLIENTBUF_STATUS_BUFFER_TOO_SMALL	0xC0000023U
#define CLIENTBUF_STATUS_QUOTA_EXCEEDED		0xC0000044U
#define CLIENTBUF_STATUS_INSUFFICIENT_RESOURCES	0xC000009AU
#define CLIENTBUF_STATUS_NOT_SUPPORTED		0xC00000BBU
#define CLIENTBUF_STATUS_NO_SUCH_PACKAGE	0xC00000FEU
#define CLIENTBUF_STATUS_PROCESS_IS_TERMINATING	0xC000010AU
#define CLIENTBUF_STATUS_CANCELLED		0xC0000120U
#define CLIENTBUF_STATUS_DEVICE_BUSY		0x80000011U

/* Feature bits reported in clientbuf_info.features. */
#define CLIENTBUF_FEAT_REGISTER		(1ULL << 0)
#define CLIENTBUF_FEAT_CALL_SYNC	(1ULL << 1)
#define CLIENTBUF_FEAT_CALL_ASYNC	(1ULL << 2)
#define CLIENTBUF_FEAT_ALLOC		(1ULL << 3)

/**
 * struct clientbuf_info - CLIENTBUF_IOC_GET_INFO argument
 * @size: size of this struct as the caller knows it (in)
 * @abi_version: CLIENTBUF_ABI_VERSION of the running module (out)
 * @features: CLIENTBUF_FEAT_* bits the module supports (out)
 * @max_buffers: registered buffers one client may hold at once (out)
 * @max_allocs: live allocate_client_buffer() blocks per buffer (out)
 * @max_buffer_bytes: total bytes one client may register (out)
 * @max_submit_len: largest submit buffer of a package call (out)
 * @max_pending: asynchronous calls one client may have pending (out)
 *
 * All output fields are written; the struct is zeroed past what the module
 * knows up to @size.
 */
struct clientbuf_info {
	__u32 size;
	__u32 abi_version;
	__u64 features;
	__u32 max_buffers;
	__u32 max_allocs;
	__u64 max_buffer_bytes;
	__u32 max_submit_len;
	__u32 max_pending;
};

/* clientbuf_register.flags */
#define CLIENTBUF_BUF_WRITE	(1U << 0)	/* packages may write into it */
#define CLIENTBUF_BUF_READ	(1U << 1)	/* packages may read from it */
#define CLIENTBUF_BUF_ALLOC	(1U << 2)	/* allocate_client_buffer() arena */
#define CLIENTBUF_BUF_FLAGS	(CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ | \
				 CLIENTBUF_BUF_ALLOC)

/**
 * struct clientbuf_register - CLIENTBUF_IOC_REGISTER argument
 * @size: size of this struct as the caller knows it (in)
 * @flags: CLIENTBUF_BUF_* access flags; at least one of WRITE/READ (in)
 * @addr: start of the range in the caller's address space (in)
 * @len: length of the range in bytes, non-zero (in)
 * @id: buffer id, never 0, never reused while the fd is open (out)
 * @status: NTSTATUS of the registration (out)
 *
 * Only memory of the process that opened the fd can be registered, and only
 * from that process. An ALLOC buffer also needs WRITE.
 */
struct clientbuf_register {
	__u32 size;
	__u32 flags;
	__aligned_u64 addr;
	__u64 len;
	__u32 id;
	__u32 status;
};

/**
 * struct clientbuf_unregister - CLIENTBUF_IOC_UNREGISTER argument
 * @size: size of this struct as the caller knows it (in)
 * @id: id returned by CLIENTBUF_IOC_REGISTER (in)
 * @status: NTSTATUS of the operation (out)
 * @reserved: must be zero
 *
 * Waits for copies in progress on the buffer to finish; when it returns no
 * package can reach the range any more.
 */
struct clientbuf_unregister {
	__u32 size;
	__u32 id;
	__u32 status;
	__u32 reserved;
};

/* clientbuf_call.flags */
#define CLIENTBUF_CALL_ASYNC	(1U << 0)	/* return at once if pending */
#define CLIENTBUF_CALL_FLAGS	CLIENTBUF_CALL_ASYNC

/**
 * struct clientbuf_call - CLIENTBUF_IOC_CALL_PACKAGE argument
 * @size: size of this struct as the caller knows it (in)
 * @flags: CLIENTBUF_CALL_* (in)
 * @package: NUL-terminated package name (in)
 * @submit_addr: protocol submit buffer in the caller's memory (in)
 * @submit_len: its length, at most clientbuf_info.max_submit_len (in)
 * @return_buf_id: registered ALLOC buffer the package may allocate its
 *	answer in, or 0 for any of the client's ALLOC buffers (in)
 * @request_id: id of this call, also in its completion record (out)
 * @status: NTSTATUS of the call; CLIENTBUF_STATUS_PENDING for an
 *	asynchronous call still running (out)
 * @protocol_status: the package's own status (out)
 * @return_addr: where in the client's memory the package put its answer,
 *	0 if none (out)
 * @return_len: length of that answer (out)
 * @reserved: must be zero
 *
 * The ioctl returns 0 when @status is a success code (including PENDING)
 * and the errno of the status otherwise; in both cases the out fields are
 * written back.
 */
struct clientbuf_call {
	__u32 size;
	__u32 flags;
	char package[CLIENTBUF_PACKAGE_NAME_MAX];
	__aligned_u64 submit_addr;
	__u32 submit_len;
	__u32 return_buf_id;
	__u64 request_id;
	__u32 status;
	__u32 protocol_status;
	__aligned_u64 return_addr;
	__u32 return_len;
	__u32 reserved;
};

/**
 * struct clientbuf_completion - record read() from /dev/clientbuf
 * @request_id: clientbuf_call.request_id of the asynchronous call
 * @status: final NTSTATUS of the call
 * @protocol_status: the package's own status
 * @return_len: length of the package's answer
 * @return_addr: where the package put its answer, 0 if none
 *
 * read() returns whole records only; poll() reports EPOLLIN while one is
 * queued.
 */
struct clientbuf_completion {
	__u64 request_id;
	__u32 status;
	__u32 protocol_status;
	__u32 return_len;
	__u32 reserved;
	__aligned_u64 return_addr;
};

/**
 * struct clientbuf_free - CLIENTBUF_IOC_FREE argument
 * @size: size of this struct as the caller knows it (in)
 * @id: the registered ALLOC buffer holding the block (in)
 * @addr: start of a block a package allocated (a return_addr) (in)
 * @status: NTSTATUS of the operation (out)
 * @reserved: must be zero
 *
 * The LsaFreeReturnBuffer analogue: gives the block back to the arena.
 */
struct clientbuf_free {
	__u32 size;
	__u32 id;
	__aligned_u64 addr;
	__u32 status;
	__u32 reserved;
};

#define CLIENTBUF_IOC_GET_INFO	_IOWR(CLIENTBUF_IOC_MAGIC, 0x00, struct clientbuf_info)
#define CLIENTBUF_IOC_REGISTER	_IOWR(CLIENTBUF_IOC_MAGIC, 0x01, struct clientbuf_register)
#define CLIENTBUF_IOC_UNREGISTER _IOWR(CLIENTBUF_IOC_MAGIC, 0x02, struct clientbuf_unregister)
#define CLIENTBUF_IOC_CALL_PACKAGE _IOWR(CLIENTBUF_IOC_MAGIC, 0x03, struct clientbuf_call)
#define CLIENTBUF_IOC_FREE	_IOWR(CLIENTBUF_IOC_MAGIC, 0x04, struct clientbuf_free)

#endif /* _UAPI_LINUX_CLIENTBUF_H */
