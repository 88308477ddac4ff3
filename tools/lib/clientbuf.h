/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libclientbuf: a small C library over the /dev/clientbuf ioctls.
 *
 * clientbuf brings the Windows LSA client-buffer services to Linux: a client
 * opens /dev/clientbuf, registers ranges of its own memory, and calls
 * security packages that move data into and out of those ranges, answering
 * with NTSTATUS codes. This library fills the ioctl structs (including their
 * size fields), issues the ioctls and decodes the NTSTATUS codes.
 *
 * Conventions:
 *  - Every function that can fail returns 0 (or a non-negative value where
 *    documented) on success and a negative errno on failure; errno itself is
 *    not part of the interface (it may or may not be changed).
 *  - An ioctl interrupted by a signal handler is -EINTR; the library does
 *    not repeat it, because the module may have acted on it already.
 *  - Functions with a @status out-parameter store the NTSTATUS of the
 *    operation there even when they fail. If the kernel did not get as far as
 *    writing one (bad fd, wrong device, struct size refused), the library
 *    stores CLIENTBUF_STATUS_UNSUCCESSFUL. @status may be NULL.
 *  - NTSTATUS values are the published Windows values; see
 *    <linux/clientbuf.h> (CLIENTBUF_STATUS_*) and
 *    Documentation/status-codes.rst.
 *
 * The library keeps no state and is safe to use from several threads.
 */
#ifndef _CLIENTBUF_LIB_H
#define _CLIENTBUF_LIB_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include <linux/clientbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Path of the device node. */
#define CLIENTBUF_DEVICE_PATH		"/dev/" CLIENTBUF_DEVICE_NAME

/* Win32 error RtlNtStatusToDosError() gives for an NTSTATUS it does not know */
#define CLIENTBUF_WIN32_MR_MID_NOT_FOUND	317U

/*
 * NTSTATUS severities (bits 31..30), as returned by
 * clientbuf_status_severity()
 */
#define CLIENTBUF_SEVERITY_SUCCESS		0
#define CLIENTBUF_SEVERITY_INFORMATIONAL	1
#define CLIENTBUF_SEVERITY_WARNING		2
#define CLIENTBUF_SEVERITY_ERROR		3

/**
 * clientbuf_open() - open the clientbuf device
 *
 * Opens CLIENTBUF_DEVICE_PATH with O_RDWR | O_CLOEXEC. The open file is one
 * client: buffers registered through it and calls made through it belong to the
 * calling process, and end when the file is closed. The fd must only be used
 * by the process that opened it (not by a child after fork(), nor after
 * execve()).
 *
 * Return: the file descriptor, or a negative errno (-ENOENT when there is no
 * /dev/clientbuf, typically because the module is not loaded).
 */
int clientbuf_open(void);

/**
 * clientbuf_close() - close a clientbuf file descriptor
 * @fd: descriptor from clientbuf_open()
 *
 * Ends the client: pending calls are cancelled or waited for, and every
 * registered buffer is unregistered.
 *
 * Return: 0, or a negative errno from close().
 */
int clientbuf_close(int fd);

/**
 * clientbuf_get_info() - query the module's ABI version, features and limits
 * @fd: descriptor from clientbuf_open()
 * @info: filled on success; the library sets @info->size itself
 *
 * Issues CLIENTBUF_IOC_GET_INFO.
 *
 * Return: 0, or a negative errno.
 */
int clientbuf_get_info(int fd, struct clientbuf_info *info);

/**
 * clientbuf_register() - register a range of the caller's memory
 * @fd: descriptor from clientbuf_open()
 * @addr: start of the range, in the calling process's memory
 * @len: length of the range in bytes, non-zero
 * @flags: CLIENTBUF_BUF_* access flags: at least one of CLIENTBUF_BUF_WRITE
 *	(packages may write into it) and CLIENTBUF_BUF_READ (packages may read
 *	from it); CLIENTBUF_BUF_ALLOC makes it an arena for the packages'
 *	allocate_client_buffer() (needs CLIENTBUF_BUF_WRITE)
 * @id: receives the buffer id (never 0) on success; may be NULL
 * @status: receives the NTSTATUS of the registration; may be NULL
 *
 * Issues CLIENTBUF_IOC_REGISTER. The range must stay mapped for as long as it
 * is registered.
 *
 * Return: 0, or a negative errno (for example -EDQUOT for
 * CLIENTBUF_STATUS_QUOTA_EXCEEDED).
 */
int clientbuf_register(int fd, void *addr, size_t len, unsigned int flags,
		       __u32 *id, __u32 *status);

/**
 * clientbuf_unregister() - unregister a buffer
 * @fd: descriptor from clientbuf_open()
 * @id: id from clientbuf_register()
 * @status: receives the NTSTATUS of the operation; may be NULL
 *
 * Issues CLIENTBUF_IOC_UNREGISTER, which waits for copies in progress on the
 * buffer; once it returns, no package can reach the range any more. A stale
 * or unknown id is CLIENTBUF_STATUS_INVALID_HANDLE (-ENOENT).
 *
 * Return: 0, or a negative errno.
 */
int clientbuf_unregister(int fd, __u32 id, __u32 *status);

/**
 * clientbuf_free() - give a package's answer back to its arena
 * @fd: descriptor from clientbuf_open()
 * @id: the CLIENTBUF_BUF_ALLOC buffer holding the block
 * @addr: start of the block: the return_addr of a call or completion
 * @status: receives the NTSTATUS of the operation; may be NULL
 *
 * Issues CLIENTBUF_IOC_FREE, the LsaFreeReturnBuffer() analogue. An address
 * that is not the start of a live block (including a second free of the same
 * block) is CLIENTBUF_STATUS_INVALID_PARAMETER (-EINVAL).
 *
 * Return: 0, or a negative errno.
 */
int clientbuf_free(int fd, __u32 id, void *addr, __u32 *status);

/**
 * clientbuf_call() - call a security package
 * @fd: descriptor from clientbuf_open()
 * @package: NUL-terminated package name, shorter than
 *	CLIENTBUF_PACKAGE_NAME_MAX bytes
 * @submit: the protocol submit buffer (may be NULL if @submit_len is 0)
 * @submit_len: its length in bytes
 * @return_buf_id: registered CLIENTBUF_BUF_ALLOC buffer the package may put
 *	its answer in, or 0 for any of the client's ALLOC buffers
 * @flags: CLIENTBUF_CALL_* (CLIENTBUF_CALL_ASYNC: return at once with
 *	CLIENTBUF_STATUS_PENDING if the package completes later; then wait
 *	for the completion with clientbuf_wait_completion())
 * @out: receives the whole struct clientbuf_call as the kernel wrote it back:
 *	@out->status, @out->protocol_status, @out->return_addr,
 *	@out->return_len and @out->request_id are valid even when the call
 *	fails
 *
 * Issues CLIENTBUF_IOC_CALL_PACKAGE. The call succeeds when @out->status is
 * a success code (NT_SUCCESS, including CLIENTBUF_STATUS_PENDING); the
 * package's own verdict is in @out->protocol_status and must be checked
 * separately, as with LsaCallAuthenticationPackage(). Free the answer with
 * clientbuf_free() when done with it. A @package name that is NULL or too
 * long is refused here with -EINVAL or -ENAMETOOLONG and
 * CLIENTBUF_STATUS_INVALID_PARAMETER, without an ioctl.
 *
 * Return: 0, or a negative errno (the one clientbuf_status_to_errno() gives for
 * @out->status when the package or module refused the call).
 */
int clientbuf_call(int fd, const char *package, const void *submit,
		   __u32 submit_len, __u32 return_buf_id, unsigned int flags,
		   struct clientbuf_call *out);

/**
 * clientbuf_call_free() - free the previous answer and call, in one ioctl
 * @fd: descriptor from clientbuf_open()
 * @package: as for clientbuf_call()
 * @submit: as for clientbuf_call()
 * @submit_len: as for clientbuf_call()
 * @return_buf_id: as for clientbuf_call(); also the buffer @free_addr is
 *	freed in (0: whichever ALLOC buffer holds it)
 * @flags: as for clientbuf_call()
 * @free_addr: a previous answer (clientbuf_call.return_addr) to free first,
 *	or 0 to free nothing (then this is clientbuf_call())
 * @out: as for clientbuf_call()
 *
 * CLIENTBUF_IOC_CALL_PACKAGE with CLIENTBUF_CALL_FREE (module feature
 * CLIENTBUF_FEAT_REPLY): the block at @free_addr is freed as
 * clientbuf_free() would, then the call is made, so a client that calls in
 * a loop frees each answer without a syscall of its own. If the free fails,
 * @out->status is its status and no call is made; once freed, the block
 * stays freed whatever the call's outcome.
 *
 * Return: as for clientbuf_call().
 */
int clientbuf_call_free(int fd, const char *package, const void *submit,
			__u32 submit_len, __u32 return_buf_id,
			unsigned int flags, __u64 free_addr,
			struct clientbuf_call *out);

/**
 * clientbuf_wait_completion() - wait for and read one completion record
 * @fd: descriptor from clientbuf_open()
 * @c: receives the record
 * @timeout_ms: how long to wait in milliseconds; negative waits for ever,
 *	0 only checks
 *
 * Waits with poll() until a record of an asynchronous call is queued, then
 * read()s exactly one. Records come in completion order, which need not be
 * the order of the calls: match them by @c->request_id. Interrupted waits
 * are restarted with the remaining time.
 *
 * Return: 0 with @c filled, -ETIMEDOUT if no record came in time, or another
 * negative errno.
 */
int clientbuf_wait_completion(int fd, struct clientbuf_completion *c,
			      int timeout_ms);

/**
 * clientbuf_nt_success() - NT_SUCCESS(): a success or informational code?
 * @status: an NTSTATUS
 *
 * Return: 1 for severity 0 (success) and 1 (informational), such as
 * CLIENTBUF_STATUS_SUCCESS and CLIENTBUF_STATUS_PENDING; 0 for warnings and
 * errors (CLIENTBUF_STATUS_PARTIAL_COPY is a warning, so not a success).
 */
int clientbuf_nt_success(__u32 status);

/**
 * clientbuf_status_severity() - severity field of an NTSTATUS
 * @status: an NTSTATUS
 *
 * Return: CLIENTBUF_SEVERITY_SUCCESS, _INFORMATIONAL, _WARNING or _ERROR.
 */
int clientbuf_status_severity(__u32 status);

/**
 * clientbuf_status_name() - symbolic name of an NTSTATUS
 * @status: an NTSTATUS
 *
 * Return: the Windows name ("STATUS_ACCESS_VIOLATION") of a status the module
 * can return, or NULL for any other value.
 */
const char *clientbuf_status_name(__u32 status);

/**
 * clientbuf_status_from_name() - look up an NTSTATUS by name
 * @name: "STATUS_ACCESS_VIOLATION", "ACCESS_VIOLATION" or
 *	"CLIENTBUF_STATUS_ACCESS_VIOLATION" (case-insensitive)
 * @status: receives the value
 *
 * Return: 0, or -ENOENT if @name is not a status the module can return.
 */
int clientbuf_status_from_name(const char *name, __u32 *status);

/**
 * clientbuf_status_to_errno() - errno the module returns for an NTSTATUS
 * @status: an NTSTATUS
 *
 * The table of Documentation/status-codes.rst. A status outside the table is
 * -EIO, unless it is a success or informational code (NT_SUCCESS), which is
 * always 0.
 *
 * Return: 0 or a negative errno, e.g. -EFAULT for
 * CLIENTBUF_STATUS_ACCESS_VIOLATION.
 */
int clientbuf_status_to_errno(__u32 status);

/**
 * clientbuf_status_to_win32() - LsaNtStatusToWinError() for an NTSTATUS
 * @status: an NTSTATUS
 *
 * The Win32 error that Windows's LsaNtStatusToWinError()
 * (RtlNtStatusToDosError()) gives for any NTSTATUS, e.g. 998 (ERROR_NOACCESS)
 * for CLIENTBUF_STATUS_ACCESS_VIOLATION, 1784 for STATUS_INVALID_BUFFER_SIZE
 * (0xC0000206). STATUS_SUCCESS is 0 and a customer code (bit 29) comes back
 * unchanged; 0xD... is read as 0xC...; 0x8007xxxx (HRESULT_FROM_WIN32),
 * 0xC007xxxx and 0xC001xxxx give their low word; then Windows's table
 * (Documentation/status-codes.rst).
 *
 * Return: the Win32 error; CLIENTBUF_WIN32_MR_MID_NOT_FOUND (317) for a status
 * Windows does not map.
 */
__u32 clientbuf_status_to_win32(__u32 status);

/**
 * clientbuf_win32_name() - symbolic name of a Win32 error
 * @win32: a Win32 error code
 *
 * Return: the winerror.h name ("ERROR_NOACCESS") of an error that
 * clientbuf_status_to_win32() can return, or NULL for any other value.
 */
const char *clientbuf_win32_name(__u32 win32);

/*
 * ---- Userspace package servers -------------------------------------------
 *
 * A privileged process (CAP_SYS_ADMIN) can serve a package from userspace,
 * the way lsass serves its packages: clientbuf_serve() on a descriptor from
 * clientbuf_open() returns a new server descriptor for a package name, calls to
 * that package are then received on it with clientbuf_server_recv() as a struct
 * clientbuf_server_call
 * header followed by the client's submit bytes, and answered with the
 * clientbuf_server_*() operations, which run the client-buffer family
 * (CopyToClientBuffer and friends) on the calling client's registered
 * buffers. Every call must end with clientbuf_server_complete(); until then a
 * synchronous caller waits. Closing the server descriptor (not the one
 * clientbuf_serve() ran on, which stays a client) unregisters the package and fails its unanswered calls with
 * CLIENTBUF_STATUS_PORT_DISCONNECTED.
 *
 * Client addresses are __u64: they are addresses in the client's process,
 * not in the server's, and must never be dereferenced by the server.
 */

/**
 * clientbuf_serve() - become the server of a package
 * @fd: descriptor from clientbuf_open()
 * @package: NUL-terminated package name, shorter than
 *	CLIENTBUF_PACKAGE_NAME_MAX bytes
 * @status: receives the NTSTATUS of the operation; may be NULL
 *
 * Issues CLIENTBUF_IOC_SERVE, which makes a new server descriptor
 * (close-on-exec): read() on it returns calls (use clientbuf_server_recv()), and
 * the clientbuf_server_*() operations take it. @fd does not change: it stays a
 * client, closing it does not end the server, and it may serve further
 * packages, each with a server descriptor of its own. A @package that is NULL, empty or too long is refused here
 * with -EINVAL or -ENAMETOOLONG and CLIENTBUF_STATUS_INVALID_PARAMETER,
 * without an ioctl.
 *
 * Return: the server descriptor, or a negative errno: -EPERM
 * (CLIENTBUF_STATUS_ACCESS_DENIED) without CAP_SYS_ADMIN, -EEXIST
 * (CLIENTBUF_STATUS_OBJECT_NAME_COLLISION) if a package of that name
 * exists, -ENOMEM (CLIENTBUF_STATUS_INSUFFICIENT_RESOURCES).
 */
int clientbuf_serve(int fd, const char *package, __u32 *status);

/**
 * clientbuf_server_recv() - receive one call on a server descriptor
 * @fd: server descriptor from clientbuf_serve()
 * @buf: receives a struct clientbuf_server_call, then its submit bytes;
 *	must be suitably aligned for the header (malloc() memory or an
 *	aligned array)
 * @len: size of @buf; sizeof(struct clientbuf_server_call) +
 *	clientbuf_info.max_submit_len always suffices
 *
 * One read(): blocks until a call is queued unless @fd is O_NONBLOCK. Use
 * poll() (POLLIN) to wait with a timeout. The call then belongs to this
 * server until clientbuf_server_complete().
 *
 * Return: the record's length (header + submit_len bytes), or a negative
 * errno: -EMSGSIZE if @len cannot hold the next record (it stays queued),
 * -EAGAIN (O_NONBLOCK, nothing queued), -EINTR, -EIO for a record that is
 * not whole.
 */
ssize_t clientbuf_server_recv(int fd, void *buf, size_t len);

/**
 * clientbuf_server_op() - run one CLIENTBUF_IOC_SERVER_OP
 * @fd: server descriptor
 * @op: the operation; the library sets @op->size itself and leaves the
 *	other fields as given (reserved fields must be zero). On return
 *	@op->status and @op->result_addr are what the kernel wrote back
 *	(@op->status is CLIENTBUF_STATUS_UNSUCCESSFUL if the kernel did not
 *	get as far as writing one).
 *
 * The general form of the wrappers below.
 *
 * Return: 0, or a negative errno: -ENOENT (CLIENTBUF_STATUS_INVALID_HANDLE)
 * for a call id not received on @fd or already completed, -EINVAL when
 * @op is malformed, -ENOTTY when @fd is not a server descriptor, else the errno of the
 * client-buffer function's NTSTATUS (e.g. -EFAULT for
 * CLIENTBUF_STATUS_ACCESS_VIOLATION, -ESRCH for
 * CLIENTBUF_STATUS_PROCESS_IS_TERMINATING once the client exited).
 */
int clientbuf_server_op(int fd, struct clientbuf_server_op *op);

/**
 * clientbuf_server_copy_to() - CopyToClientBuffer() for a received call
 * @fd: server descriptor
 * @call_id: clientbuf_server_call.call_id of a call not yet completed
 * @client_addr: destination in the client, inside a buffer it registered
 *	with CLIENTBUF_BUF_WRITE (or a block from clientbuf_server_alloc())
 * @src: @len bytes in the server's memory
 * @len: bytes to copy
 * @status: receives the NTSTATUS; may be NULL
 *
 * Return: 0, or a negative errno (see clientbuf_server_op()).
 */
int clientbuf_server_copy_to(int fd, __u64 call_id, __u64 client_addr,
			     const void *src, __u32 len, __u32 *status);

/**
 * clientbuf_server_copy_from() - CopyFromClientBuffer() for a received call
 * @fd: server descriptor
 * @call_id: a call not yet completed
 * @dst: @len bytes in the server's memory
 * @client_addr: source in the client, inside a buffer it registered with
 *	CLIENTBUF_BUF_READ
 * @len: bytes to copy
 * @status: receives the NTSTATUS; may be NULL
 *
 * Return: 0, or a negative errno (see clientbuf_server_op()).
 */
int clientbuf_server_copy_from(int fd, __u64 call_id, void *dst,
			       __u64 client_addr, __u32 len, __u32 *status);

/**
 * clientbuf_server_alloc() - AllocateClientBuffer() for a received call
 * @fd: server descriptor
 * @call_id: a call not yet completed
 * @len: bytes to allocate, non-zero
 * @client_addr: receives the block's address in the client (0 on failure)
 * @status: receives the NTSTATUS; may be NULL
 *
 * The block comes from the call's return buffer (clientbuf_call.
 * return_buf_id) or any of the client's CLIENTBUF_BUF_ALLOC buffers.
 *
 * Return: 0, or a negative errno (-ENOMEM for CLIENTBUF_STATUS_NO_MEMORY).
 */
int clientbuf_server_alloc(int fd, __u64 call_id, __u32 len, __u64 *client_addr,
			   __u32 *status);

/**
 * clientbuf_server_free() - FreeClientBuffer() for a received call
 * @fd: server descriptor
 * @call_id: a call not yet completed
 * @client_addr: a block from clientbuf_server_alloc(); 0 is a no-op success
 * @status: receives the NTSTATUS; may be NULL
 *
 * Return: 0, or a negative errno.
 */
int clientbuf_server_free(int fd, __u64 call_id, __u64 client_addr,
			  __u32 *status);

/**
 * clientbuf_server_complete() - finish a received call
 * @fd: server descriptor
 * @call_id: a call not yet completed
 * @call_status: the call's NTSTATUS (clientbuf_call.status); not
 *	CLIENTBUF_STATUS_PENDING
 * @protocol_status: the package's own status
 * @return_addr: client address of the answer (a clientbuf_server_alloc()
 *	block), or 0 for none
 * @return_len: its length
 * @status: receives the NTSTATUS of this operation; may be NULL
 *
 * Wakes a synchronous caller or queues the completion record of an
 * asynchronous one. The call id is stale afterwards.
 *
 * Return: 0, or a negative errno (-EINVAL for CLIENTBUF_STATUS_PENDING).
 */
int clientbuf_server_complete(int fd, __u64 call_id, __u32 call_status,
			      __u32 protocol_status, __u64 return_addr,
			      __u32 return_len, __u32 *status);

/**
 * clientbuf_server_reply() - answer a call and read the next, in one ioctl
 * @fd: the server fd
 * @call_id: the call to answer
 * @call_status: the call's NTSTATUS (not CLIENTBUF_STATUS_PENDING)
 * @protocol_status: the package's own status
 * @answer: @len bytes of answer in the server's memory (NULL if @len is 0)
 * @len: answer bytes; 0 for none
 * @client_addr: receives where the answer landed in the client (its arena),
 *	0 on failure or without an answer; may be NULL
 * @buf: where to read the next call record (as clientbuf_server_recv()),
 *	or NULL to read none
 * @buf_len: bytes at @buf
 * @status: receives the NTSTATUS of the answer; may be NULL
 *
 * SERVER_OP CLIENTBUF_SRV_REPLY (module feature CLIENTBUF_FEAT_REPLY):
 * allocates @len bytes in the client's arena, copies @answer there and
 * completes the call with it, then (with @buf) blocks for the next call
 * unless the fd is O_NONBLOCK - a served call costs the server one
 * syscall. If the answer fails, @status says why and the call is as it
 * was (complete it with clientbuf_server_complete()).
 *
 * Return: the length of the record read into @buf (0 without @buf), or a
 * negative errno. With @status CLIENTBUF_STATUS_SUCCESS a negative errno
 * is the read's (-EAGAIN, -EINTR, -EMSGSIZE, -EFAULT): the call was
 * answered all the same.
 */
ssize_t clientbuf_server_reply(int fd, __u64 call_id, __u32 call_status,
			       __u32 protocol_status, const void *answer,
			       __u32 len, __u64 *client_addr, void *buf,
			       size_t buf_len, __u32 *status);

#ifdef __cplusplus
}
#endif

#endif /* _CLIENTBUF_LIB_H */
