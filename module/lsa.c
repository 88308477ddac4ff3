// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: the LSA client-buffer family a package calls.
 *
 * The exported functions of LSA_SECPKG_FUNCTION_TABLE (ntsecpkg.h) and the
 * table itself. Each checks its arguments and the request
 * (cb_request_check()), then calls the engine below it: buffer.c and its
 * arenas for AllocateClientBuffer/FreeClientBuffer, request.c for
 * GetClientInfo, copy.c for the copies. Nothing below this file takes a
 * struct clientbuf_request to allocate or free.
 */
#include <linux/export.h>
#include "internal.h"

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
 * Return: STATUS_SUCCESS; STATUS_INVALID_PARAMETER for a NULL @request or
 * @client_base or a zero @length; STATUS_INVALID_HANDLE for a completed
 * request or a closed client; STATUS_NO_MEMORY when no ALLOC buffer has
 * room; STATUS_INSUFFICIENT_RESOURCES.
 */
ntstatus_t allocate_client_buffer(struct clientbuf_request *request,
				  u32 length, void __user **client_base)
{
	unsigned long addr;
	ntstatus_t st;

	if (!request || !client_base)
		return STATUS_INVALID_PARAMETER;
	st = cb_request_check(request);
	if (st != STATUS_SUCCESS)
		return st;
	if (!length)
		return STATUS_INVALID_PARAMETER;

	st = cb_buffer_alloc_block(request->client, request->return_buf_id,
				   length, &addr);
	if (st == STATUS_SUCCESS)
		*client_base = (void __user *)addr;
	return st;
}
EXPORT_SYMBOL_GPL(allocate_client_buffer);

/**
 * free_client_buffer() - FreeClientBuffer: release an allocated block
 * @request: the call
 * @client_base: a block from allocate_client_buffer(), or NULL
 *
 * Return: STATUS_SUCCESS (also for NULL); STATUS_INVALID_PARAMETER for a
 * NULL @request or an address that is not a live block;
 * STATUS_INVALID_HANDLE for a completed request or a closed client.
 */
ntstatus_t free_client_buffer(struct clientbuf_request *request,
			      void __user *client_base)
{
	ntstatus_t st;

	if (!request)
		return STATUS_INVALID_PARAMETER;
	st = cb_request_check(request);
	if (st != STATUS_SUCCESS || !client_base)
		return st;
	return cb_buffer_free_block(request->client,
				    (unsigned long)client_base);
}
EXPORT_SYMBOL_GPL(free_client_buffer);

/**
 * get_client_info() - GetClientInfo: who made the call
 * @request: the call
 * @info: filled on success
 *
 * Ids are given in the current task's pid and user namespaces.
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER for NULL arguments,
 * STATUS_INVALID_HANDLE for a completed request (whether or not its client
 * still lives) or a client that closed the device. A request still running
 * whose client process exited is STATUS_SUCCESS, reported with
 * CLIENTBUF_CLIENT_PROCESS_TERMINATED.
 */
ntstatus_t get_client_info(struct clientbuf_request *request,
			   struct clientbuf_client_info *info)
{
	if (!request || !info)
		return STATUS_INVALID_PARAMETER;
	if (READ_ONCE(request->state) != CB_REQ_RUNNING ||
	    cb_request_check(request) == STATUS_INVALID_HANDLE)
		return STATUS_INVALID_HANDLE;
	cb_request_info(request, info);
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_GPL(get_client_info);

const struct clientbuf_functions cb_functions = {
	.allocate_client_buffer	 = allocate_client_buffer,
	.free_client_buffer	 = free_client_buffer,
	.copy_to_client_buffer	 = copy_to_client_buffer,
	.copy_from_client_buffer = copy_from_client_buffer,
	.get_client_info	 = get_client_info,
	.complete_request	 = clientbuf_complete_request,
};
