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
 * first published version of the struct up to a page (4096 bytes on x86):
 * a larger struct must be zero past what the kernel knows (else -E2BIG), a
 * size above a page is -E2BIG, a smaller one is -EINVAL.
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
#define CLIENTBUF_ABI_VERSION		2
#define CLIENTBUF_DEVICE_NAME		"clientbuf"
#define CLIENTBUF_PACKAGE_NAME_MAX	32

/*
 * NTSTATUS values: the published Windows values (ntstatus.h), so that
 * userspace can hand them to code that expects NTSTATUS. The module returns
 * only these; the logon statuses (NO_SUCH_USER .. ACCOUNT_DISABLED) are
 * answered by packages (samples/clientbuf_passwd.c) and decoded by the
 * library and pam_clientbuf.so.
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
#define CLIENTBUF_STATUS_NO_SUCH_USER		0xC0000064U
#define CLIENTBUF_STATUS_WRONG_PASSWORD		0xC000006AU
#define CLIENTBUF_STATUS_LOGON_FAILURE		0xC000006DU
#define CLIENTBUF_STATUS_ACCOUNT_DISABLED	0xC0000072U
#define CLIENTBUF_STATUS_INSUFFICIENT_RESOURCES	0xC000009AU
#define CLIENTBUF_STATUS_NOT_SUPPORTED		0xC00000BBU
#define CLIENTBUF_STATUS_NO_SUCH_PACKAGE	0xC00000FEU
#define CLIENTBUF_STATUS_PROCESS_IS_TERMINATING	0xC000010AU
#define CLIENTBUF_STATUS_CANCELLED		0xC0000120U
#define CLIENTBUF_STATUS_DEVICE_BUSY		0x80000011U
#define CLIENTBUF_STATUS_OBJECT_NAME_COLLISION	0xC0000035U
#define CLIENTBUF_STATUS_PORT_DISCONNECTED	0xC0000037U

/* Feature bits reported in clientbuf_info.features. */
#define CLIENTBUF_FEAT_REGISTER		(1ULL << 0)
#define CLIENTBUF_FEAT_CALL_SYNC	(1ULL << 1)
#define CLIENTBUF_FEAT_CALL_ASYNC	(1ULL << 2)
#define CLIENTBUF_FEAT_ALLOC		(1ULL << 3)
#define CLIENTBUF_FEAT_SERVER		(1ULL << 4)
#define CLIENTBUF_FEAT_PIN		(1ULL << 5)
/* CLIENTBUF_SRV_REPLY and CLIENTBUF_CALL_FREE (answer and free in one call) */
#define CLIENTBUF_FEAT_REPLY		(1ULL << 6)
/* per-user limits and clientbuf_info's user_* fields */
#define CLIENTBUF_FEAT_USER_LIMITS	(1ULL << 7)

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
 * @nr_buffers: buffers this client has registered now (out)
 * @max_completions: asynchronous calls one user may have outstanding over
 *	all its fds: pending, or completed with the record not yet read();
 *	past it a new asynchronous call is refused with
 *	CLIENTBUF_STATUS_QUOTA_EXCEEDED before it starts (out)
 * @buffer_bytes: bytes this client has registered now, counted against
 *	@max_buffer_bytes (out)
 * @pinned_pages: pages the CLIENTBUF_BUF_PIN buffers of this client pin
 *	now (out)
 * @user_locked_pages: pages charged to the caller's user (its uid) against
 *	RLIMIT_MEMLOCK, by every client of that user and by other kernel users
 *	of that count such as io_uring; a caller with CAP_IPC_LOCK pins
 *	without a charge (out)
 * @memlock_limit: the caller's RLIMIT_MEMLOCK in bytes, or ~0 when its pins
 *	are not limited (RLIM_INFINITY, or CAP_IPC_LOCK) (out)
 * @user_clients: open clients of the client's user - the effective uid of
 *	the process that opened the fd, in its user namespace, counted with
 *	the users of the namespaces it created (out)
 * @max_user_clients: the limit of @user_clients; past it open() fails with
 *	EDQUOT (out)
 * @user_buffers: buffers the user has registered (out)
 * @max_user_buffers: the limit of @user_buffers (REGISTER:
 *	CLIENTBUF_STATUS_QUOTA_EXCEEDED) (out)
 * @user_buffer_bytes: bytes the user has registered (out)
 * @max_user_buffer_bytes: the limit of @user_buffer_bytes (REGISTER:
 *	CLIENTBUF_STATUS_QUOTA_EXCEEDED) (out)
 * @user_allocs: live allocate_client_buffer() blocks of the user (out)
 * @max_user_allocs: the limit of @user_allocs (the allocation:
 *	CLIENTBUF_STATUS_QUOTA_EXCEEDED) (out)
 * @user_calls: calls of the user not yet completed, synchronous and
 *	asynchronous (out)
 * @max_user_calls: the limit of @user_calls (CALL_PACKAGE:
 *	CLIENTBUF_STATUS_QUOTA_EXCEEDED) (out)
 * @user_server_calls: calls of the user held by userspace package servers,
 *	read or not (out)
 * @max_user_server_calls: the limit of @user_server_calls (CALL_PACKAGE to
 *	a served package: CLIENTBUF_STATUS_QUOTA_EXCEEDED) (out)
 * @user_completions: asynchronous calls of the user pending or with the
 *	record not yet read, counted against @max_completions (out)
 * @reserved: zero (out)
 * @user_pinned_pages: pages the CLIENTBUF_BUF_PIN buffers of the user pin
 *	(limited by RLIMIT_MEMLOCK, see @user_locked_pages) (out)
 *
 * Only the process that opened the fd may issue it (else EPERM). All output
 * fields are written; the struct is zeroed past what the module knows up to
 * @size. Counts larger than a __u32 field are reported as ~0U. The fields
 * from @nr_buffers on were added in ABI version 1 after the first release,
 * those from @user_clients on in ABI version 2 (CLIENTBUF_FEAT_USER_LIMITS):
 * a caller built with a shorter struct still gets its fields.
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
	__u32 nr_buffers;
	__u32 max_completions;
	__u64 buffer_bytes;
	__u64 pinned_pages;
	__u64 user_locked_pages;
	__u64 memlock_limit;
	__u32 user_clients;
	__u32 max_user_clients;
	__u32 user_buffers;
	__u32 max_user_buffers;
	__u64 user_buffer_bytes;
	__u64 max_user_buffer_bytes;
	__u32 user_allocs;
	__u32 max_user_allocs;
	__u32 user_calls;
	__u32 max_user_calls;
	__u32 user_server_calls;
	__u32 max_user_server_calls;
	__u32 user_completions;
	__u32 reserved;
	__u64 user_pinned_pages;
};

/* clientbuf_register.flags */
#define CLIENTBUF_BUF_WRITE	(1U << 0)	/* packages may write into it */
#define CLIENTBUF_BUF_READ	(1U << 1)	/* packages may read from it */
#define CLIENTBUF_BUF_ALLOC	(1U << 2)	/* allocate_client_buffer() arena */
#define CLIENTBUF_BUF_PIN	(1U << 3)	/* pin the pages now (fast path) */
#define CLIENTBUF_BUF_FLAGS	(CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ | \
				 CLIENTBUF_BUF_ALLOC | CLIENTBUF_BUF_PIN)

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
 * from that process. An ALLOC buffer also needs WRITE. A PIN buffer must be
 * mapped and writable (anonymous, shmem or hugetlb memory) when it is
 * registered, also with READ only; its pages are pinned and charged to the
 * caller's user against RLIMIT_MEMLOCK until it is unregistered.
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
#define CLIENTBUF_CALL_FREE	(1U << 1)	/* free return_addr first */
#define CLIENTBUF_CALL_FLAGS	(CLIENTBUF_CALL_ASYNC | CLIENTBUF_CALL_FREE)

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
 *	0 if none (out); with CLIENTBUF_CALL_FREE also in: a block of an ALLOC
 *	buffer (a previous answer) to free before the call
 * @return_len: length of that answer; with CLIENTBUF_STATUS_BUFFER_TOO_SMALL
 *	the length the package needs (out)
 * @reserved: must be zero
 *
 * The ioctl returns 0 when @status is a success code (including PENDING)
 * and the errno of the status otherwise; in both cases the out fields are
 * written back.
 *
 * CLIENTBUF_CALL_FREE (with CLIENTBUF_FEAT_REPLY) saves the client the
 * CLIENTBUF_IOC_FREE of its previous answer: once the struct is checked,
 * the block at @return_addr is freed as CLIENTBUF_IOC_FREE would free it
 * (in buffer @return_buf_id, or in whichever ALLOC buffer holds it when
 * @return_buf_id is 0), and then the call is made. If the free fails,
 * @status is its status (CLIENTBUF_STATUS_INVALID_HANDLE,
 * CLIENTBUF_STATUS_INVALID_PARAMETER) and no call is made; once freed, the
 * block stays freed whatever the call's outcome.
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
 * @reserved: zero
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

/**
 * struct clientbuf_serve - CLIENTBUF_IOC_SERVE argument
 * @size: size of this struct as the caller knows it (in)
 * @flags: must be zero (in)
 * @package: NUL-terminated name of the package to serve (in)
 * @status: NTSTATUS of the operation (out)
 * @fd: the new server fd (out); -1 when the operation itself failed
 *
 * Makes the caller a userspace package server (needs CAP_SYS_ADMIN): the
 * ioctl returns a new file descriptor, the server fd (O_CLOEXEC), from
 * which calls to @package are read() as struct clientbuf_server_call
 * records and which answers them with CLIENTBUF_IOC_SERVER_OP. The
 * /dev/clientbuf fd the ioctl ran on is not changed: it stays a client,
 * and closing it does not end the server. Each SERVE gives a server fd of
 * its own, so one client fd may serve several packages. When the serving
 * process closes the server fd, or exits or execs (even if another process
 * still holds a copy of the server fd), the package is gone and its
 * unanswered calls fail with CLIENTBUF_STATUS_PORT_DISCONNECTED.
 */
struct clientbuf_serve {
	__u32 size;
	__u32 flags;
	char package[CLIENTBUF_PACKAGE_NAME_MAX];
	__u32 status;
	__s32 fd;
};

/**
 * struct clientbuf_server_call - record read() from a server fd
 * @call_id: names the call in CLIENTBUF_IOC_SERVER_OP; unique, never reused
 * @submit_len: bytes of submit buffer that follow this header
 * @pid: calling thread, in the server's pid namespace
 * @tgid: calling process, in the server's pid namespace
 * @uid: caller's uid, in the server's user namespace
 * @gid: caller's gid, in the server's user namespace
 * @reserved: zero
 *
 * Each read() returns one record: this header, then @submit_len bytes. A
 * read() buffer too small for the next record is -EMSGSIZE and leaves it
 * queued; sizeof(header) + clientbuf_info.max_submit_len always suffices.
 */
struct clientbuf_server_call {
	__u64 call_id;
	__u32 submit_len;
	__s32 pid;
	__s32 tgid;
	__u32 uid;
	__u32 gid;
	__u32 reserved;
};

/* clientbuf_server_op.op */
#define CLIENTBUF_SRV_COPY_TO	1	/* copy_to_client_buffer() */
#define CLIENTBUF_SRV_COPY_FROM	2	/* copy_from_client_buffer() */
#define CLIENTBUF_SRV_ALLOC	3	/* allocate_client_buffer() */
#define CLIENTBUF_SRV_FREE	4	/* free_client_buffer() */
#define CLIENTBUF_SRV_COMPLETE	5	/* clientbuf_complete_request() */
#define CLIENTBUF_SRV_COPY_TO_VEC   6	/* COPY_TO for each segment */
#define CLIENTBUF_SRV_COPY_FROM_VEC 7	/* COPY_FROM for each segment */
#define CLIENTBUF_SRV_REPLY	8	/* ALLOC + COPY_TO + COMPLETE [+ read] */
#define CLIENTBUF_SRV_VEC_MAX	1024	/* segments in one vectored op */

/**
 * struct clientbuf_segment - one segment of a vectored server copy
 * @client_addr: address in the client
 * @server_addr: address in the server's own memory
 * @len: bytes
 * @reserved: must be zero
 *
 * For CLIENTBUF_SRV_COPY_TO_VEC and CLIENTBUF_SRV_COPY_FROM_VEC,
 * clientbuf_server_op.server_addr points to an array of these and
 * clientbuf_server_op.len is their number (1..CLIENTBUF_SRV_VEC_MAX). Every
 * segment is checked (reserved zero, no wrap, inside one registered buffer
 * that allows the direction) before any byte moves; then the segments are
 * copied in order. On failure clientbuf_server_op.result_addr is the index
 * of the segment that failed; the ones before it were copied.
 */
struct clientbuf_segment {
	__aligned_u64 client_addr;
	__aligned_u64 server_addr;
	__u32 len;
	__u32 reserved;
};

/**
 * struct clientbuf_server_op - CLIENTBUF_IOC_SERVER_OP argument
 * @size: size of this struct as the caller knows it (in)
 * @op: CLIENTBUF_SRV_* (in)
 * @call_id: a call read from this server fd, not yet completed (in)
 * @client_addr: address in the client (COPY_TO, COPY_FROM, FREE: a block
 *	this call allocated; COMPLETE: return buffer, 0 or inside a buffer
 *	the client registered with CLIENTBUF_BUF_WRITE) (in)
 * @server_addr: address in the server's own memory (COPY_TO: source,
 *	COPY_FROM: destination; *_VEC: the struct clientbuf_segment array) (in)
 * @len: bytes (COPY_TO, COPY_FROM, ALLOC; COMPLETE: return length;
 *	*_VEC: number of segments) (in)
 * @call_status: COMPLETE: the call's NTSTATUS (in)
 * @protocol_status: COMPLETE: the package's own status (in)
 * @result_addr: ALLOC, REPLY: the block's client address; *_VEC: on
 *	failure the index of the failing segment (out)
 * @status: NTSTATUS of this operation (out)
 * @reserved: must be zero
 * @reserved2: must be zero
 * @recv_addr: REPLY: where to read the next call record, or 0 (in)
 * @recv_len: REPLY: bytes at @recv_addr, 0 to read nothing (in); the
 *	record's length, 0 when REPLY ran and read none (out). Zero (and
 *	@recv_addr too) for other ops, else CLIENTBUF_STATUS_INVALID_PARAMETER.
 * @reserved3: must be zero
 *
 * Issued on a server fd (from CLIENTBUF_IOC_SERVE); on a /dev/clientbuf fd
 * the ioctl is -ENOTTY, as every client ioctl is on a server fd.
 *
 * CLIENTBUF_SRV_REPLY (with CLIENTBUF_FEAT_REPLY) answers a call in one
 * syscall: it allocates @len bytes in the client's arena as ALLOC does
 * (or, with a non-zero @client_addr, uses that client range, which must be
 * writable by the package), copies @len bytes from @server_addr there as
 * COPY_TO does, and completes the call as COMPLETE does with @call_status,
 * @protocol_status and that block as the answer (no answer when @len is 0;
 * @client_addr must then be 0). @result_addr is the block. If any step
 * fails, @status is its status, the call stays as it was (a block the op
 * allocated is freed again) and nothing is read. Once the call is
 * completed, a non-zero @recv_len reads the next call record into
 * @recv_addr as read() on the server fd would (blocking unless the fd is
 * O_NONBLOCK): @status stays CLIENTBUF_STATUS_SUCCESS (the call is
 * answered) and the ioctl fails with read()'s errno when the read does:
 * EAGAIN, EINTR (never restarted), EMSGSIZE or EFAULT, @recv_len 0.
 * The struct grew @recv_addr, @recv_len and @reserved3 with REPLY; the
 * shorter struct is still accepted.
 */
struct clientbuf_server_op {
	__u32 size;
	__u32 op;
	__u64 call_id;
	__aligned_u64 client_addr;
	__aligned_u64 server_addr;
	__u32 len;
	__u32 call_status;
	__u32 protocol_status;
	__u32 status;
	__aligned_u64 result_addr;
	__u32 reserved;
	__u32 reserved2;
	__aligned_u64 recv_addr;
	__u32 recv_len;
	__u32 reserved3;
};

#define CLIENTBUF_IOC_GET_INFO	_IOWR(CLIENTBUF_IOC_MAGIC, 0x00, struct clientbuf_info)
#define CLIENTBUF_IOC_REGISTER	_IOWR(CLIENTBUF_IOC_MAGIC, 0x01, struct clientbuf_register)
#define CLIENTBUF_IOC_UNREGISTER _IOWR(CLIENTBUF_IOC_MAGIC, 0x02, struct clientbuf_unregister)
#define CLIENTBUF_IOC_CALL_PACKAGE _IOWR(CLIENTBUF_IOC_MAGIC, 0x03, struct clientbuf_call)
#define CLIENTBUF_IOC_FREE	_IOWR(CLIENTBUF_IOC_MAGIC, 0x04, struct clientbuf_free)
#define CLIENTBUF_IOC_SERVE	_IOWR(CLIENTBUF_IOC_MAGIC, 0x05, struct clientbuf_serve)
#define CLIENTBUF_IOC_SERVER_OP	_IOWR(CLIENTBUF_IOC_MAGIC, 0x06, struct clientbuf_server_op)

#endif /* _UAPI_LINUX_CLIENTBUF_H */
