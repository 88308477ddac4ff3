// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: allocate_client_buffer() and free_client_buffer().
 *
 * The kernel never maps memory into a client behind its back: a package
 * allocates blocks inside buffers the client registered with
 * CLIENTBUF_BUF_ALLOC. Each such buffer has an arena: a list of live blocks
 * sorted by offset, first fit, 16-byte aligned, at most cb_max_allocs
 * blocks. Allocation only reserves the range; no byte of the client's memory
 * is touched. Blocks live until a package frees them, the client frees them
 * (CLIENTBUF_IOC_FREE, the LsaFreeReturnBuffer analogue), or the buffer is
 * unregistered. All arena state is under the client's reg_lock.
 */
#include <linux/align.h>
#include <linux/list.h>
#include <linux/slab.h>
#include "internal.h"

#define CB_ARENA_ALIGN	16

struct cb_block {
	struct list_head node;
	u64 offset;
	u64 len;
};

/**
 * struct cb_arena - blocks allocated in one ALLOC buffer
 * @blocks: struct cb_block, sorted by offset
 * @nr: number of blocks
 */
struct cb_arena {
	struct list_head blocks;
	unsigned int nr;
};

/**
 * cb_arena_create() - an empty arena
 *
 * Return: the arena, or NULL on allocation failure.
 */
struct cb_arena *cb_arena_create(void)
{
	struct cb_arena *arena = kzalloc(sizeof(*arena), GFP_KERNEL_ACCOUNT);

	if (arena)
		INIT_LIST_HEAD(&arena->blocks);
	return arena;
}

/**
 * cb_arena_destroy() - free an arena and its blocks
 * @arena: the arena, or NULL
 */
void cb_arena_destroy(struct cb_arena *arena)
{
	struct cb_block *blk, *tmp;

	if (!arena)
		return;
	list_for_each_entry_safe(blk, tmp, &arena->blocks, node) {
		kfree(blk);
		cb_stat_add(CB_STAT_ALLOCS, -1);
	}
	kfree(arena);
}

/**
 * cb_arena_alloc() - first-fit allocation in one buffer
 * @buf: an ALLOC buffer
 * @length: bytes, non-zero
 * @addr: the block's client address, on success
 *
 * Return: STATUS_SUCCESS, STATUS_NO_MEMORY (no room, or the block limit),
 * or STATUS_INSUFFICIENT_RESOURCES.
 */
ntstatus_t cb_arena_alloc(struct cb_buffer *buf, u32 length,
			  unsigned long *addr)
{
	struct cb_arena *arena = buf->arena;
	struct list_head *pos = &arena->blocks;
	struct cb_block *blk, *new;
	u64 start = 0, first;

	/* Blocks start 16-byte aligned in the client's address space. */
	first = ALIGN(buf->addr, CB_ARENA_ALIGN) - buf->addr;
	if (arena->nr >= READ_ONCE(cb_max_allocs))
		return STATUS_NO_MEMORY;

	start = first;
	list_for_each_entry(blk, &arena->blocks, node) {
		if (blk->offset >= start && blk->offset - start >= length) {
			pos = &blk->node;
			goto found;
		}
		start = ALIGN(buf->addr + blk->offset + blk->len,
			      CB_ARENA_ALIGN) - buf->addr;
	}
	if (start > buf->len || buf->len - start < length)
		return STATUS_NO_MEMORY;
found:
	new = kmalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return STATUS_INSUFFICIENT_RESOURCES;
	new->offset = start;
	new->len = length;
	list_add_tail(&new->node, pos);
	arena->nr++;
	cb_stat_add(CB_STAT_ALLOCS, 1);
	*addr = buf->addr + start;
	return STATUS_SUCCESS;
}

/**
 * cb_arena_free() - free the block starting at @addr
 * @buf: an ALLOC buffer
 * @addr: client address of a block's start
 *
 * Return: STATUS_SUCCESS, or STATUS_INVALID_PARAMETER if no live block
 * starts at @addr (including a second free of the same block).
 */
ntstatus_t cb_arena_free(struct cb_buffer *buf, unsigned long addr)
{
	struct cb_block *blk;

	list_for_each_entry(blk, &buf->arena->blocks, node) {
		if (buf->addr + blk->offset == addr) {
			list_del(&blk->node);
			buf->arena->nr--;
			kfree(blk);
			cb_stat_add(CB_STAT_ALLOCS, -1);
			return STATUS_SUCCESS;
		}
	}
	return STATUS_INVALID_PARAMETER;
}

/**
 * cb_client_free_block() - CLIENTBUF_IOC_FREE
 * @client: the client; the caller is its owner
 * @id: the ALLOC buffer
 * @addr: the block
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_HANDLE (no such buffer),
 * STATUS_INVALID_PARAMETER (not an ALLOC buffer, or not a block).
 */
ntstatus_t cb_client_free_block(struct cb_client *client, u32 id,
				unsigned long addr)
{
	struct cb_buffer *buf;
	ntstatus_t st;

	mutex_lock(&client->reg_lock);
	buf = xa_load(&client->buffers, id);
	if (!buf)
		st = STATUS_INVALID_HANDLE;
	else if (!buf->arena)
		st = STATUS_INVALID_PARAMETER;
	else
		st = cb_arena_free(buf, addr);
	mutex_unlock(&client->reg_lock);
	return st;
}

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
	struct cb_client *client;
	struct cb_buffer *buf;
	unsigned long id, addr = 0;
	ntstatus_t st;

	if (!request || !client_base)
		return STATUS_INVALID_PARAMETER;
	st = cb_request_check(request);
	if (st != STATUS_SUCCESS)
		return st;
	if (!length)
		return STATUS_INVALID_PARAMETER;

	client = request->client;
	st = STATUS_NO_MEMORY;
	mutex_lock(&client->reg_lock);
	xa_for_each(&client->buffers, id, buf) {
		if (!buf->arena || (request->return_buf_id &&
				    request->return_buf_id != buf->id))
			continue;
		st = cb_arena_alloc(buf, length, &addr);
		if (st != STATUS_NO_MEMORY)
			break;
	}
	mutex_unlock(&client->reg_lock);
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
	unsigned long addr = (unsigned long)client_base;
	struct cb_client *client;
	struct cb_buffer *buf;
	unsigned long id;
	ntstatus_t st;

	if (!request)
		return STATUS_INVALID_PARAMETER;
	st = cb_request_check(request);
	if (st != STATUS_SUCCESS || !client_base)
		return st;

	client = request->client;
	st = STATUS_INVALID_PARAMETER;
	mutex_lock(&client->reg_lock);
	xa_for_each(&client->buffers, id, buf) {
		if (buf->arena && addr >= buf->addr &&
		    addr - buf->addr < buf->len) {
			st = cb_arena_free(buf, addr);
			break;
		}
	}
	mutex_unlock(&client->reg_lock);
	return st;
}
EXPORT_SYMBOL_GPL(free_client_buffer);
