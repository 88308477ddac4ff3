// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: the arena, a first-fit allocator of client address ranges.
 *
 * An arena hands out blocks of one range [base, base + size): a list of
 * live blocks sorted by offset, first fit, 16-byte aligned (in the range's
 * addresses), at most cb_max_allocs blocks. It only does arithmetic on
 * addresses; it never touches the memory, and it knows nothing of
 * requests, clients or buffers (as binder_alloc.c knows nothing of
 * transactions): buffer.c gives each CLIENTBUF_BUF_ALLOC buffer an arena
 * and lsa.c turns allocate_client_buffer()/free_client_buffer() into calls
 * on it. Every call but cb_arena_create() and cb_arena_destroy() runs under
 * the mutex given at creation (the client's reg_lock; see "Locking" in
 * internal.h).
 */
#include <linux/align.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include "internal.h"

#define CB_ARENA_ALIGN	16

/*
 * One block; @owner is the id the arena's user tagged it with (the
 * request it was allocated for), never 0.
 */
struct cb_block {
	struct list_head node;
	u64 offset;
	u64 len;
	u64 owner;
};

/**
 * struct cb_arena - blocks allocated in one address range
 * @lock: the mutex the arena's owner holds around every call (asserted
 *	only)
 * @base: first address of the range
 * @size: its length in bytes
 * @blocks: struct cb_block, sorted by offset; under @lock
 * @nr: number of blocks; under @lock
 */
struct cb_arena {
	struct mutex *lock;		/* see @lock above */
	unsigned long base;
	u64 size;
	struct list_head blocks;
	unsigned int nr;
};

/**
 * cb_arena_create() - an empty arena over [@base, @base + @size)
 * @base: first address of the range
 * @size: its length in bytes
 * @lock: the mutex held around cb_arena_alloc() and cb_arena_free()
 *
 * Return: the arena, or NULL on allocation failure.
 */
struct cb_arena *cb_arena_create(unsigned long base, u64 size,
				 struct mutex *lock)
{
	struct cb_arena *arena = kzalloc(sizeof(*arena), GFP_KERNEL_ACCOUNT);

	if (!arena)
		return NULL;
	arena->lock = lock;
	arena->base = base;
	arena->size = size;
	INIT_LIST_HEAD(&arena->blocks);
	return arena;
}

/**
 * cb_arena_destroy() - free an arena and its blocks
 * @arena: the arena, or NULL; nobody else can reach it any more
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
 * cb_arena_blocks() - the number of live blocks
 * @arena: the arena; its lock held, or nobody else can reach it any more
 *
 * Return: the blocks cb_arena_destroy() would free now.
 */
unsigned int cb_arena_blocks(const struct cb_arena *arena)
{
	return arena->nr;
}

/**
 * cb_arena_alloc() - first-fit allocation
 * @arena: the arena
 * @length: bytes, non-zero
 * @owner: the block's tag (non-zero), for cb_arena_free()
 * @addr: the block's address, on success
 *
 * Context: the arena's lock held.
 * Return: CB_STATUS_SUCCESS, CB_STATUS_NO_MEMORY (no room, or the block limit),
 * or CB_STATUS_INSUFFICIENT_RESOURCES.
 */
ntstatus_t cb_arena_alloc(struct cb_arena *arena, u32 length, u64 owner,
			  unsigned long *addr)
{
	struct list_head *pos = &arena->blocks;
	struct cb_block *blk, *new;
	u64 start;

	lockdep_assert_held(arena->lock);
	if (arena->nr >= READ_ONCE(cb_max_allocs))
		return CB_STATUS_NO_MEMORY;

	/* Blocks start 16-byte aligned in the client's address space. */
	start = ALIGN(arena->base, CB_ARENA_ALIGN) - arena->base;
	list_for_each_entry(blk, &arena->blocks, node) {
		if (blk->offset >= start && blk->offset - start >= length) {
			pos = &blk->node;
			goto found;
		}
		start = ALIGN(arena->base + blk->offset + blk->len,
			      CB_ARENA_ALIGN) - arena->base;
	}
	if (start > arena->size || arena->size - start < length)
		return CB_STATUS_NO_MEMORY;
found:
	new = kmalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return CB_STATUS_INSUFFICIENT_RESOURCES;
	new->offset = start;
	new->len = length;
	new->owner = owner;
	list_add_tail(&new->node, pos);
	arena->nr++;
	cb_stat_add(CB_STAT_ALLOCS, 1);
	*addr = arena->base + start;
	return CB_STATUS_SUCCESS;
}

/**
 * cb_arena_free() - free the block starting at @addr
 * @arena: the arena
 * @addr: address of a block's start
 * @owner: the tag the block was allocated with, or 0 for any block
 *
 * Context: the arena's lock held.
 * Return: CB_STATUS_SUCCESS, or CB_STATUS_INVALID_PARAMETER if no live block
 * of @owner starts at @addr (including a second free of the same block).
 */
ntstatus_t cb_arena_free(struct cb_arena *arena, unsigned long addr,
			 u64 owner)
{
	struct cb_block *blk;

	lockdep_assert_held(arena->lock);
	list_for_each_entry(blk, &arena->blocks, node) {
		if (arena->base + blk->offset == addr) {
			if (owner && blk->owner != owner)
				break;
			list_del(&blk->node);
			arena->nr--;
			kfree(blk);
			cb_stat_add(CB_STAT_ALLOCS, -1);
			return CB_STATUS_SUCCESS;
		}
	}
	return CB_STATUS_INVALID_PARAMETER;
}
