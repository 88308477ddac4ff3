// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: the LSA client-buffer family a package calls.
 *
 * The exported functions of LSA_SECPKG_FUNCTION_TABLE (ntsecpkg.h) and the
 * table itself. Each checks its arguments and the request
 * (cb_request_check()), then calls the engine below it: buffer.c and its
 * arenas for AllocateClientBuffer/FreeClientBuffer, request.c for
 * GetClientInfo, copy.c for the copies. Nothing below this file takes a
 * struct clientbuf_request to allocate, free or copy: the engine works on
 * the client (cb_copy_client()).
 */
#include <linux/export.h>
#include <linux/uio.h>
#include "internal.h"

/* Refused because the request completed meanwhile? Say so. */
static ntstatus_t cb_copy_recheck(struct clientbuf_request *request,
				  ntstatus_t st)
{
	ntstatus_t now;

	if (st != CB_STATUS_ACCESS_VIOLATION)
		return st;
	now = cb_request_check(request);
	return now != CB_STATUS_SUCCESS ? now : st;
}

/**
 * cb_copy_iter() - a package's copy between the client and an iov_iter
 * @request: the call
 * @client_addr: address in the client's registered memory
 * @iter: the other side (see cb_copy_client()); its count is the length
 * @write: copy into the client
 *
 * The request checks of the copy family, then the engine. Used by the
 * exported copies below and by a package server's SERVER_OP copies.
 *
 * Return: as copy_to_client_buffer().
 */
ntstatus_t cb_copy_iter(struct clientbuf_request *request,
			unsigned long client_addr, struct iov_iter *iter,
			bool write)
{
	ntstatus_t st;

	if (!request)
		return CB_STATUS_INVALID_PARAMETER;
	st = cb_request_check(request);
	if (st != CB_STATUS_SUCCESS)
		return st;
	st = cb_copy_client(request->client, request->id, client_addr, iter,
			    write);
	return cb_copy_recheck(request, st);
}

/**
 * cb_copy_hold() - check a copy of this range, and hold its buffer
 * @request: the call
 * @client_addr: address in the client
 * @length: bytes
 * @write: copy into the client
 * @buf: out: as for cb_copy_client_hold()
 *
 * Request live, then cb_copy_client_hold(). A vectored copy holds every
 * segment's buffer this way before any byte moves, then copies each with
 * cb_copy_iter_held().
 *
 * Return: CB_STATUS_SUCCESS or the status the copy would fail with.
 */
ntstatus_t cb_copy_hold(struct clientbuf_request *request,
			unsigned long client_addr, u32 length, bool write,
			struct cb_buffer **buf)
{
	ntstatus_t st;

	*buf = NULL;
	st = cb_request_check(request);
	if (st != CB_STATUS_SUCCESS)
		return st;
	return cb_copy_client_hold(request->client, client_addr, length,
				   write, buf);
}

/**
 * cb_copy_iter_held() - cb_copy_iter() of a range cb_copy_hold() held
 * @request: the call
 * @buf: the buffer cb_copy_hold() returned (NULL for an empty range)
 * @client_addr: address in the client's registered memory
 * @iter: the other side; its count is the length that was held
 * @write: copy into the client
 *
 * Return: as copy_to_client_buffer().
 */
ntstatus_t cb_copy_iter_held(struct clientbuf_request *request,
			     struct cb_buffer *buf, unsigned long client_addr,
			     struct iov_iter *iter, bool write)
{
	ntstatus_t st;

	st = cb_request_check(request);
	if (st != CB_STATUS_SUCCESS)
		return st;
	st = cb_copy_client_held(request->client, request->id, buf,
				 client_addr, iter, write);
	return cb_copy_recheck(request, st);
}

/**
 * copy_to_client_buffer() - CopyToClientBuffer: write into the client
 * @request: the call
 * @length: bytes to copy
 * @client_base: destination in the client's registered memory
 * @buffer: source, in the kernel
 *
 * Works from any context that may sleep; see the path table at the top of
 * copy.c. Either all @length bytes land, or the result is an error.
 *
 * Return: CB_STATUS_SUCCESS (also for @length 0 on a live request);
 * CB_STATUS_INVALID_PARAMETER (NULL @request, or NULL @buffer with @length);
 * CB_STATUS_INVALID_HANDLE (completed request, closed client);
 * CB_STATUS_ACCESS_VIOLATION (NULL, wrapping or unregistered range, a range
 * not allowing writes, an unmapped, read-only or PROT_NONE page - nothing
 * written); CB_STATUS_PARTIAL_COPY (a race with munmap()/mprotect() stopped
 * the copy after some bytes landed); CB_STATUS_PROCESS_IS_TERMINATING (the
 * client exited or exec()ed); CB_STATUS_NOT_SUPPORTED (outside the client's
 * context, an unpinned range that is not anonymous, shmem or hugetlb
 * memory, or that a userfaultfd watches - nothing written);
 * CB_STATUS_CANCELLED (a fatal signal stopped the copy of another process).
 */
ntstatus_t copy_to_client_buffer(struct clientbuf_request *request,
				 u32 length, void __user *client_base,
				 const void *buffer)
{
	struct kvec kv = { .iov_base = (void *)buffer, .iov_len = length };
	struct iov_iter iter;

	if (!request || (!buffer && length))
		return CB_STATUS_INVALID_PARAMETER;
	iov_iter_kvec(&iter, ITER_SOURCE, &kv, 1, length);
	return cb_copy_iter(request, (unsigned long)client_base, &iter, true);
}
EXPORT_SYMBOL_NS_GPL(copy_to_client_buffer, CLIENTBUF_NS);

/**
 * copy_from_client_buffer() - CopyFromClientBuffer: read from the client
 * @request: the call
 * @length: bytes to copy
 * @buffer: destination, in the kernel
 * @client_base: source in the client's registered memory
 *
 * As copy_to_client_buffer(), in the other direction: the range must be in
 * a CLIENTBUF_BUF_READ buffer and readable. On failure the contents of
 * @buffer are undefined.
 *
 * Return: as copy_to_client_buffer().
 */
ntstatus_t copy_from_client_buffer(struct clientbuf_request *request,
				   u32 length, void *buffer,
				   const void __user *client_base)
{
	struct kvec kv = { .iov_base = buffer, .iov_len = length };
	struct iov_iter iter;

	if (!request || (!buffer && length))
		return CB_STATUS_INVALID_PARAMETER;
	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, length);
	return cb_copy_iter(request, (unsigned long)client_base, &iter,
			    false);
}
EXPORT_SYMBOL_NS_GPL(copy_from_client_buffer, CLIENTBUF_NS);

/**
 * allocate_client_buffer() - AllocateClientBuffer: reserve client memory
 * @request: the call
 * @length: bytes wanted, non-zero
 * @client_base: where the block's client address is stored
 *
 * Allocates in the request's return buffer (clientbuf_call.return_buf_id),
 * or in any ALLOC buffer of the client, lowest id first, if the call named
 * none. The block's contents are whatever the client left there; fill it
 * with copy_to_client_buffer(). May sleep.
 *
 * The block is tagged with @request: a package server's SERVER_OP FREE
 * frees only the blocks of the call it names (cb_free_own_block()).
 *
 * Return: CB_STATUS_SUCCESS; CB_STATUS_INVALID_PARAMETER for a NULL @request or
 * @client_base or a zero @length; CB_STATUS_INVALID_HANDLE for a completed
 * request or a closed client; CB_STATUS_NO_MEMORY when no ALLOC buffer has
 * room; CB_STATUS_QUOTA_EXCEEDED at the client's user's max_user_allocs;
 * CB_STATUS_CANCELLED if a fatal signal ended the wait for the client's
 * registry; CB_STATUS_INSUFFICIENT_RESOURCES.
 */
ntstatus_t allocate_client_buffer(struct clientbuf_request *request,
				  u32 length, void __user **client_base)
{
	unsigned long addr;
	ntstatus_t st;

	if (!request || !client_base)
		return CB_STATUS_INVALID_PARAMETER;
	st = cb_request_check(request);
	if (st != CB_STATUS_SUCCESS)
		return st;
	if (!length)
		return CB_STATUS_INVALID_PARAMETER;

	st = cb_buffer_alloc_block(request->client, request->return_buf_id,
				   request->id, length, &addr);
	if (st == CB_STATUS_SUCCESS)
		*client_base = (void __user *)addr;
	return st;
}
EXPORT_SYMBOL_NS_GPL(allocate_client_buffer, CLIENTBUF_NS);

/* free_client_buffer() of a block tagged @owner, or of any for 0. */
static ntstatus_t cb_free_block(struct clientbuf_request *request,
				void __user *client_base, u64 owner)
{
	ntstatus_t st;

	if (!request)
		return CB_STATUS_INVALID_PARAMETER;
	st = cb_request_check(request);
	if (st != CB_STATUS_SUCCESS || !client_base)
		return st;
	return cb_buffer_free_block(request->client, owner,
				    (unsigned long)client_base);
}

/**
 * free_client_buffer() - FreeClientBuffer: release an allocated block
 * @request: the call
 * @client_base: a block from allocate_client_buffer(), or NULL
 *
 * Any live block of the client may be freed, as FreeClientBuffer frees any
 * buffer in the client process (a kernel package is trusted with it).
 *
 * Return: CB_STATUS_SUCCESS (also for NULL); CB_STATUS_INVALID_PARAMETER for a
 * NULL @request or an address that is not a live block;
 * CB_STATUS_INVALID_HANDLE for a completed request or a closed client;
 * CB_STATUS_CANCELLED if a fatal signal ended the wait for the client's
 * registry.
 */
ntstatus_t free_client_buffer(struct clientbuf_request *request,
			      void __user *client_base)
{
	return cb_free_block(request, client_base, 0);
}
EXPORT_SYMBOL_NS_GPL(free_client_buffer, CLIENTBUF_NS);

/**
 * cb_free_own_block() - free_client_buffer() of a block of @request only
 * @request: the call
 * @client_base: a block allocate_client_buffer() gave through @request, or
 *	NULL
 *
 * A package server's SERVER_OP FREE: a server answers calls of many
 * clients, and a call must not free what another call of the same client
 * was given (its answer, which the client may still be reading).
 *
 * Return: as free_client_buffer(); CB_STATUS_INVALID_PARAMETER also for a
 * live block of another request.
 */
ntstatus_t cb_free_own_block(struct clientbuf_request *request,
			     void __user *client_base)
{
	return cb_free_block(request, client_base, request ? request->id : 0);
}

/**
 * get_client_info() - GetClientInfo: who made the call
 * @request: the call
 * @info: filled on success
 *
 * Ids are given in the current task's pid and user namespaces.
 *
 * Return: CB_STATUS_SUCCESS, CB_STATUS_INVALID_PARAMETER for NULL arguments,
 * CB_STATUS_INVALID_HANDLE for a completed request (whether or not its client
 * still lives) or a client that closed the device. A request still running
 * whose client process exited is CB_STATUS_SUCCESS, reported with
 * CLIENTBUF_CLIENT_PROCESS_TERMINATED.
 */
ntstatus_t get_client_info(struct clientbuf_request *request,
			   struct clientbuf_client_info *info)
{
	if (!request || !info)
		return CB_STATUS_INVALID_PARAMETER;
	if (READ_ONCE(request->state) != CB_REQ_RUNNING ||
	    cb_request_check(request) == CB_STATUS_INVALID_HANDLE)
		return CB_STATUS_INVALID_HANDLE;
	cb_request_info(request, info);
	return CB_STATUS_SUCCESS;
}
EXPORT_SYMBOL_NS_GPL(get_client_info, CLIENTBUF_NS);

const struct clientbuf_functions cb_functions = {
	.allocate_client_buffer	 = allocate_client_buffer,
	.free_client_buffer	 = free_client_buffer,
	.copy_to_client_buffer	 = copy_to_client_buffer,
	.copy_from_client_buffer = copy_from_client_buffer,
	.get_client_info	 = get_client_info,
	.complete_request	 = clientbuf_complete_request,
};
