// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: registered buffers.
 *
 * A client registers ranges of its own memory; packages can reach nothing
 * else. Registration records the range only: pages are looked up at copy
 * time, so a range may be mapped, unmapped or remapped at will, and a copy
 * to a range that is not mapped then fails with CB_STATUS_ACCESS_VIOLATION.
 *
 * A CLIENTBUF_BUF_ALLOC buffer has an arena (arena.c); the functions at the
 * end of this file pick the buffer a block is allocated in or freed from,
 * for lsa.c and for CLIENTBUF_IOC_FREE.
 */
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait_bit.h>
#include "internal.h"

/* The checks of the arguments alone: no lock. */
static ntstatus_t cb_register_check(const struct clientbuf_register *reg)
{
	u32 access = reg->flags & (CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ);
	u64 end;

	if (reg->flags & ~CLIENTBUF_BUF_FLAGS || !access ||
	    !reg->len)
		return CB_STATUS_INVALID_PARAMETER;
	if ((reg->flags & CLIENTBUF_BUF_ALLOC) &&
	    !(reg->flags & CLIENTBUF_BUF_WRITE))
		return CB_STATUS_INVALID_PARAMETER;
	if (!reg->addr || check_add_overflow(reg->addr, reg->len, &end) ||
	    end > TASK_SIZE_MAX ||
	    !access_ok(u64_to_user_ptr(reg->addr), reg->len))
		return CB_STATUS_ACCESS_VIOLATION;
	return CB_STATUS_SUCCESS;
}

/*
 * Reserve room for a buffer of @len bytes: the client's and the user's
 * counts go up now, before the buffer is visible, so that concurrent
 * registrations cannot pass a limit while one of them pins its pages
 * outside reg_lock.
 */
static ntstatus_t cb_register_reserve(struct cb_client *client, u64 len)
{
	u64 max_bytes = READ_ONCE(cb_max_buffer_bytes);

	lockdep_assert_held(&client->reg_lock);
	/*
	 * The limits may be lowered at any time, below what the client holds
	 * already: compare, never subtract from, the limit.
	 */
	if (client->nr_buffers >= READ_ONCE(cb_max_buffers) ||
	    client->total_bytes > max_bytes ||
	    len > max_bytes - client->total_bytes ||
	    client->next_buf_id == U32_MAX)
		return CB_STATUS_QUOTA_EXCEEDED;
	if (!cb_user_charge(client->user, CB_UC_BUFFERS, 1))
		return CB_STATUS_QUOTA_EXCEEDED;
	if (!cb_user_charge(client->user, CB_UC_BUFFER_BYTES, len)) {
		cb_user_uncharge(client->user, CB_UC_BUFFERS, 1);
		return CB_STATUS_QUOTA_EXCEEDED;
	}
	client->nr_buffers++;
	client->total_bytes += len;
	return CB_STATUS_SUCCESS;
}

/* Give back what cb_register_reserve() took. */
static void cb_register_unreserve(struct cb_client *client, u64 len)
{
	lockdep_assert_held(&client->reg_lock);
	client->nr_buffers--;
	client->total_bytes -= len;
	cb_user_uncharge(client->user, CB_UC_BUFFER_BYTES, len);
	cb_user_uncharge(client->user, CB_UC_BUFFERS, 1);
}

/**
 * cb_buffer_register() - CLIENTBUF_IOC_REGISTER
 * @client: the client; the caller is its owner
 * @reg: the validated ioctl struct; ->id is set on success
 *
 * A CLIENTBUF_BUF_PIN buffer's pages are pinned without reg_lock held: the
 * pin faults the pages in, and a fault the client controls (userfaultfd,
 * a FUSE mapping) must not stall the packages, whose
 * allocate_client_buffer() and free_client_buffer() take reg_lock. Room is
 * reserved first and the buffer is made visible (given its id) after.
 *
 * Return: CB_STATUS_SUCCESS, CB_STATUS_INVALID_PARAMETER (flags, reserved, zero
 * length), CB_STATUS_ACCESS_VIOLATION (NULL, wrapping or non-user range),
 * CB_STATUS_QUOTA_EXCEEDED (the client's or the user's limits),
 * CB_STATUS_CANCELLED (a fatal signal while waiting for reg_lock), or
 * CB_STATUS_INSUFFICIENT_RESOURCES; for CLIENTBUF_BUF_PIN also what
 * cb_pin_buffer() returns.
 */
ntstatus_t cb_buffer_register(struct cb_client *client,
			      struct clientbuf_register *reg)
{
	struct cb_buffer *buf;
	ntstatus_t st;
	int ret;

	st = cb_register_check(reg);
	if (st != CB_STATUS_SUCCESS)
		return st;
	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return CB_STATUS_INSUFFICIENT_RESOURCES;
	buf->flags = reg->flags;
	buf->addr = reg->addr;
	buf->len = reg->len;
	atomic_set(&buf->active, 1);	/* registered */
	if (reg->flags & CLIENTBUF_BUF_ALLOC) {
		buf->arena = cb_arena_create(reg->addr, reg->len,
					     &client->reg_lock);
		if (!buf->arena) {
			st = CB_STATUS_INSUFFICIENT_RESOURCES;
			goto out_free;
		}
	}

	if (mutex_lock_killable(&client->reg_lock)) {
		st = CB_STATUS_CANCELLED;
		goto out_arena;
	}
	st = cb_register_reserve(client, buf->len);
	mutex_unlock(&client->reg_lock);
	if (st != CB_STATUS_SUCCESS)
		goto out_arena;

	if (reg->flags & CLIENTBUF_BUF_PIN) {
		st = cb_pin_buffer(client, buf);
		if (st != CB_STATUS_SUCCESS)
			goto out_unreserve;
	}

	/* Not killable: what was reserved and pinned must be undone. */
	mutex_lock(&client->reg_lock);
	st = CB_STATUS_QUOTA_EXCEEDED;
	if (client->next_buf_id == U32_MAX)
		goto out_unpin;
	buf->id = client->next_buf_id + 1;
	st = CB_STATUS_INSUFFICIENT_RESOURCES;
	ret = xa_insert(&client->buffers, buf->id, buf, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto out_unpin;

	client->next_buf_id = buf->id;
	client->pinned_pages += buf->nr_pages;
	reg->id = buf->id;
	cb_stat_add(CB_STAT_BUFFERS, 1);
	mutex_unlock(&client->reg_lock);
	return CB_STATUS_SUCCESS;

out_unpin:
	mutex_unlock(&client->reg_lock);
	cb_unpin_buffer(client, buf);
out_unreserve:
	mutex_lock(&client->reg_lock);
	cb_register_unreserve(client, buf->len);
	mutex_unlock(&client->reg_lock);
out_arena:
	cb_arena_destroy(buf->arena);
out_free:
	kfree(buf);
	return st;
}

/* Wait until no copy uses @buf, then free it. @buf is out of the xarray. */
static void cb_buffer_destroy(struct cb_client *client, struct cb_buffer *buf)
{
	if (!atomic_dec_and_test(&buf->active))
		wait_var_event(&buf->active, !atomic_read(&buf->active));
	cb_unpin_buffer(client, buf);
	if (buf->arena)
		cb_user_uncharge(client->user, CB_UC_ALLOCS,
				 cb_arena_blocks(buf->arena));
	cb_arena_destroy(buf->arena);
	kfree(buf);
	cb_stat_add(CB_STAT_BUFFERS, -1);
}

/**
 * cb_buffer_unregister() - CLIENTBUF_IOC_UNREGISTER
 * @client: the client; the caller is its owner
 * @id: buffer id
 *
 * Waits for copies in progress on the buffer; blocks allocated in it are
 * dropped with it.
 *
 * Return: CB_STATUS_SUCCESS, or CB_STATUS_INVALID_HANDLE for an id that is not
 * registered.
 */
ntstatus_t cb_buffer_unregister(struct cb_client *client, u32 id)
{
	struct cb_buffer *buf;

	mutex_lock(&client->reg_lock);
	buf = xa_erase(&client->buffers, id);
	if (buf) {
		cb_register_unreserve(client, buf->len);
		client->pinned_pages -= buf->nr_pages;
	}
	mutex_unlock(&client->reg_lock);
	if (!buf)
		return CB_STATUS_INVALID_HANDLE;
	cb_buffer_destroy(client, buf);
	return CB_STATUS_SUCCESS;
}

/**
 * cb_buffer_release_all() - drop every buffer of a closing client
 * @client: the client, already marked dead
 */
void cb_buffer_release_all(struct cb_client *client)
{
	struct cb_buffer *buf;
	unsigned long id;

	mutex_lock(&client->reg_lock);
	xa_for_each(&client->buffers, id, buf) {
		xa_erase(&client->buffers, id);
		cb_register_unreserve(client, buf->len);
		client->pinned_pages -= buf->nr_pages;
		cb_buffer_destroy(client, buf);
	}
	mutex_unlock(&client->reg_lock);
}

/**
 * cb_buffer_find_get() - the buffer that wholly holds a range
 * @client: the client
 * @addr: start of the range
 * @len: its length, non-zero, not wrapping
 * @access: CLIENTBUF_BUF_WRITE or CLIENTBUF_BUF_READ
 *
 * Return: the buffer, marked in use until cb_buffer_put(), or NULL if no
 * registered buffer allowing @access contains [@addr, @addr + @len).
 */
struct cb_buffer *cb_buffer_find_get(struct cb_client *client,
				     unsigned long addr, u64 len, u32 access)
{
	XA_STATE(xas, &client->buffers, 0);
	struct cb_buffer *buf, *found = NULL;

	/*
	 * xas_for_each() under the lock, not xa_for_each(): that one calls
	 * xa_find() per entry, each an RCU section and a walk from the
	 * root - most of what a copy costs beyond the bare copy_to_user()
	 * (Documentation/performance.rst); this one steps along the node.
	 */
	xas_lock(&xas);
	xas_for_each(&xas, buf, ULONG_MAX) {
		if ((buf->flags & access) && addr >= buf->addr &&
		    addr - buf->addr <= buf->len &&
		    len <= buf->len - (addr - buf->addr)) {
			atomic_inc(&buf->active);
			found = buf;
			break;
		}
	}
	xas_unlock(&xas);
	return found;
}

/**
 * cb_buffer_put() - end a use begun by cb_buffer_find_get()
 * @buf: the buffer
 */
void cb_buffer_put(struct cb_buffer *buf)
{
	if (atomic_dec_and_test(&buf->active))
		wake_up_var(&buf->active);
}

/* The ALLOC buffer @id of @client, or NULL with *@st set. */
static struct cb_buffer *cb_buffer_alloc_find(struct cb_client *client, u32 id,
					      ntstatus_t *st)
{
	struct cb_buffer *buf;

	lockdep_assert_held(&client->reg_lock);
	buf = xa_load(&client->buffers, id);
	if (!buf)
		*st = CB_STATUS_INVALID_HANDLE;
	else if (!buf->arena)
		*st = CB_STATUS_INVALID_PARAMETER;
	else
		return buf;
	return NULL;
}

/**
 * cb_buffer_check_alloc() - is @id an ALLOC buffer of @client?
 * @client: the client
 * @id: buffer id
 *
 * Return: CB_STATUS_SUCCESS, CB_STATUS_INVALID_HANDLE (no such buffer),
 * CB_STATUS_INVALID_PARAMETER (not an ALLOC buffer) or CB_STATUS_CANCELLED
 * (a fatal signal while waiting for reg_lock).
 */
ntstatus_t cb_buffer_check_alloc(struct cb_client *client, u32 id)
{
	ntstatus_t st = CB_STATUS_SUCCESS;

	if (mutex_lock_killable(&client->reg_lock))
		return CB_STATUS_CANCELLED;
	cb_buffer_alloc_find(client, id, &st);
	mutex_unlock(&client->reg_lock);
	return st;
}

/**
 * cb_buffer_alloc_block() - allocate a block in an ALLOC buffer
 * @client: the client
 * @id: the ALLOC buffer to allocate in, or 0 for any, lowest id first
 * @owner: the id of the request the block is for (never 0)
 * @length: bytes, non-zero
 * @addr: the block's client address, on success
 *
 * The block counts against the client's user (max_user_allocs) until it
 * is freed or its buffer unregistered.
 *
 * Return: CB_STATUS_SUCCESS; CB_STATUS_NO_MEMORY when no ALLOC buffer (or not
 * buffer @id) has room; CB_STATUS_QUOTA_EXCEEDED at the user's limit;
 * CB_STATUS_CANCELLED (a fatal signal while waiting for reg_lock);
 * CB_STATUS_INSUFFICIENT_RESOURCES.
 */
ntstatus_t cb_buffer_alloc_block(struct cb_client *client, u32 id, u64 owner,
				 u32 length, unsigned long *addr)
{
	ntstatus_t st = CB_STATUS_NO_MEMORY;
	struct cb_buffer *buf;
	unsigned long i;

	if (!cb_user_charge(client->user, CB_UC_ALLOCS, 1))
		return CB_STATUS_QUOTA_EXCEEDED;
	if (mutex_lock_killable(&client->reg_lock)) {
		st = CB_STATUS_CANCELLED;
		goto out;
	}
	xa_for_each(&client->buffers, i, buf) {
		if (!buf->arena || (id && id != buf->id))
			continue;
		st = cb_arena_alloc(buf->arena, length, owner, addr);
		if (st != CB_STATUS_NO_MEMORY)
			break;
	}
	mutex_unlock(&client->reg_lock);
out:
	if (st != CB_STATUS_SUCCESS)
		cb_user_uncharge(client->user, CB_UC_ALLOCS, 1);
	return st;
}

/**
 * cb_buffer_free_block() - free a block, whichever ALLOC buffer holds it
 * @client: the client
 * @owner: the request freeing it: only its own blocks may go
 * @addr: the block's client address
 *
 * Return: CB_STATUS_SUCCESS; CB_STATUS_INVALID_PARAMETER if @addr is not the
 * start of a live block of @owner; CB_STATUS_CANCELLED (a fatal signal
 * while waiting for reg_lock).
 */
ntstatus_t cb_buffer_free_block(struct cb_client *client, u64 owner,
				unsigned long addr)
{
	ntstatus_t st = CB_STATUS_INVALID_PARAMETER;
	struct cb_buffer *buf;
	unsigned long i;

	if (mutex_lock_killable(&client->reg_lock))
		return CB_STATUS_CANCELLED;
	xa_for_each(&client->buffers, i, buf) {
		if (buf->arena && addr >= buf->addr &&
		    addr - buf->addr < buf->len) {
			st = cb_arena_free(buf->arena, addr, owner);
			break;
		}
	}
	mutex_unlock(&client->reg_lock);
	if (st == CB_STATUS_SUCCESS)
		cb_user_uncharge(client->user, CB_UC_ALLOCS, 1);
	return st;
}

/**
 * cb_client_free_block() - CLIENTBUF_IOC_FREE
 * @client: the client; the caller is its owner
 * @id: the ALLOC buffer
 * @addr: the block, whichever request allocated it
 *
 * Return: CB_STATUS_SUCCESS, CB_STATUS_INVALID_HANDLE (no such buffer),
 * CB_STATUS_INVALID_PARAMETER (not an ALLOC buffer, or not a block),
 * CB_STATUS_CANCELLED (a fatal signal while waiting for reg_lock).
 */
ntstatus_t cb_client_free_block(struct cb_client *client, u32 id,
				unsigned long addr)
{
	struct cb_buffer *buf;
	ntstatus_t st;

	if (mutex_lock_killable(&client->reg_lock))
		return CB_STATUS_CANCELLED;
	buf = cb_buffer_alloc_find(client, id, &st);
	if (buf)
		st = cb_arena_free(buf->arena, addr, 0);
	mutex_unlock(&client->reg_lock);
	if (st == CB_STATUS_SUCCESS)
		cb_user_uncharge(client->user, CB_UC_ALLOCS, 1);
	return st;
}
