// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: the copy engine - CopyToClientBuffer and CopyFromClientBuffer.
 *
 * Which path a copy takes depends only on the context it runs in:
 *
 * - client context (current->mm is the client's mm): copy_to_user() /
 *   copy_from_user() on the current address space;
 * - kernel thread (a kthread or a workqueue worker, no mm of its own):
 *   a page walk of the registered mm (below) - the write can only ever
 *   land in the registered mm;
 * - a pinned buffer (CLIENTBUF_BUF_PIN), from any context: kmap_local_page()
 *   + memcpy() on the pages pinned at registration (see pin.c);
 * - any other process (a package server, a test's second process): the
 *   same walk of the registered mm as a kernel thread, below.
 *
 * Outside the client's context (a kernel thread, a workqueue worker,
 * another process) nothing goes through the copier's own mm: the pages are
 * taken from the registered mm itself, in batches, with
 * pin_user_pages_remote() under mmap_read_lock() and no @locked, after
 * checking under that same lock that every VMA of the batch is anonymous,
 * shmem or hugetlb memory that no userfaultfd watches. GUP then cannot
 * drop the lock, so no remap can slip in between the check and the fault,
 * and no fault can wait on the client: a FUSE file or a userfaultfd the
 * client controls would otherwise stall a worker that other clients' calls
 * share. Such ranges are STATUS_NOT_SUPPORTED from these contexts (a
 * pinned buffer, or a copy in the client's own context, reaches them).
 * Writing into the registered mm, never into a task's current mm, is also
 * the exec guard: after execve() the old mm has no users, mmget_not_zero()
 * fails, and a copy that won the race lands in the orphaned old mm, never
 * in the new program. It does not depend on any one thread of the client
 * being alive (the thread-group leader may be a zombie after its
 * pthread_exit()). Lock order: teardown -> mmap_lock.
 *
 * Whatever the path, the whole range is checked first: it must lie in one
 * registered buffer that allows the direction, and every page must be
 * mapped with the needed protection. Never FOLL_FORCE: a read-only page is
 * refused, a writable MAP_PRIVATE file page is written copy-on-write.
 */
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/uaccess.h>
#include <linux/userfaultfd_k.h>
#include "compat.h"
#include "internal.h"
#include "clientbuf_trace.h"

/* The numbers are those the clientbuf_copy tracepoint prints by name. */
enum cb_path {
	CB_PATH_LOCAL = 0,
	CB_PATH_KTHREAD = 1,
	CB_PATH_REMOTE = 2,
	CB_PATH_PINNED = 3,
};

/**
 * struct cb_copy - one copy in progress
 * @client: the request's client
 * @addr: client address
 * @kbuf: kernel buffer; NULL when @ubuf is used
 * @ubuf: the current process's memory (pinned buffers only), or NULL
 * @len: bytes
 * @write: true for a copy to the client
 * @path: the path chosen for the current context
 */
struct cb_copy {
	struct cb_client *client;
	unsigned long addr;
	void *kbuf;
	void __user *ubuf;
	u32 len;
	bool write;
	enum cb_path path;
};

/* Pages taken from the registered mm at a time (an on-stack array). */
#define CB_WALK_BATCH	16

static enum cb_path cb_copy_path(struct cb_client *client)
{
	if (current->mm == client->mm)
		return CB_PATH_LOCAL;
	if ((current->flags & PF_KTHREAD) && !current->mm)
		return CB_PATH_KTHREAD;
	return CB_PATH_REMOTE;
}

/*
 * May a copy running outside the client's context fault on @vma? Only
 * memory whose faults the kernel resolves by itself: anonymous, shmem and
 * hugetlb, with no userfaultfd registered on it.
 */
static bool cb_vma_outside_ok(struct vm_area_struct *vma)
{
	if (userfaultfd_armed(vma))
		return false;
	return vma_is_anonymous(vma) || is_vm_hugetlb_page(vma) ||
	       (vma->vm_file && shmem_file(vma->vm_file));
}

/**
 * cb_check_vmas_locked() - is every page of the range mapped with the access?
 * @mm: the client's mm, with a user reference and mmap_lock held
 * @addr: start
 * @len: length, non-zero, not wrapping
 * @write: the copy writes into the range
 * @outside: the copy runs outside the client's context (see the top of
 *	this file)
 *
 * Return: STATUS_SUCCESS; STATUS_ACCESS_VIOLATION for a hole, a page
 * without the access, or VM_IO/VM_PFNMAP; with @outside,
 * STATUS_NOT_SUPPORTED for memory that cb_vma_outside_ok() refuses.
 */
static ntstatus_t cb_check_vmas_locked(struct mm_struct *mm,
				       unsigned long addr, unsigned long len,
				       bool write, bool outside)
{
	unsigned long end = addr + len;
	vm_flags_t need = write ? VM_WRITE : VM_READ;
	struct vm_area_struct *vma;

	mmap_assert_locked(mm);
	while (addr < end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr ||
		    !(vma->vm_flags & need) ||
		    (vma->vm_flags & (VM_IO | VM_PFNMAP)))
			return STATUS_ACCESS_VIOLATION;
		if (outside && !cb_vma_outside_ok(vma))
			return STATUS_NOT_SUPPORTED;
		addr = vma->vm_end;
	}
	return STATUS_SUCCESS;
}

/* cb_check_vmas_locked() for the whole range of @c, taking the lock. */
static ntstatus_t cb_check_vmas(struct cb_copy *c, struct mm_struct *mm)
{
	ntstatus_t st;

	mmap_read_lock(mm);
	st = cb_check_vmas_locked(mm, c->addr, c->len, c->write,
				  c->path != CB_PATH_LOCAL);
	mmap_read_unlock(mm);
	return st;
}

/**
 * cb_copy_mm() - copy through the pages of the registered mm
 * @c: the copy; @c->kbuf is the kernel side
 * @mm: the registered mm, with a user reference held
 *
 * The walk of the kernel-thread and other-process paths: for each batch of
 * up to CB_WALK_BATCH pages, under mmap_read_lock(), check the batch's
 * VMAs (cb_check_vmas_locked() with @outside) and pin its pages with
 * pin_user_pages_remote() without dropping the lock; then, unlocked,
 * kmap_local_page() + memcpy() and unpin (dirtying the pages written).
 * Never FOLL_FORCE: a read-only page stops the copy.
 *
 * Return: bytes not copied.
 */
static unsigned long cb_copy_mm(struct cb_copy *c, struct mm_struct *mm)
{
	unsigned int gup = c->write ? FOLL_WRITE : 0;
	struct page *pages[CB_WALK_BATCH];
	unsigned long done = 0;

	while (done < c->len) {
		unsigned long addr = c->addr + done;
		unsigned long off = offset_in_page(addr);
		unsigned long span = min_t(unsigned long, c->len - done,
					   CB_WALK_BATCH * PAGE_SIZE - off);
		unsigned long nr = DIV_ROUND_UP(off + span, PAGE_SIZE);
		long got, i;

		if (fatal_signal_pending(current) ||
		    mmap_read_lock_killable(mm))
			break;
		got = 0;
		if (cb_check_vmas_locked(mm, addr, span, c->write, true) ==
		    STATUS_SUCCESS)
			got = cb_pin_user_pages_remote(mm, addr & PAGE_MASK, nr,
						       gup, pages);
		mmap_read_unlock(mm);
		if (got <= 0)
			break;
		for (i = 0; i < got && done < c->len; i++) {
			unsigned long n = min_t(unsigned long, c->len - done,
						PAGE_SIZE - off);
			u8 *p = kmap_local_page(pages[i]);

			if (c->write)
				memcpy(p + off, c->kbuf + done, n);
			else
				memcpy(c->kbuf + done, p + off, n);
			kunmap_local(p);
			done += n;
			off = 0;
		}
		unpin_user_pages_dirty_lock(pages, got, c->write);
	}
	return c->len - done;
}

/* Copy in the current address space; returns the bytes not copied. */
static unsigned long cb_copy_uaccess(struct cb_copy *c)
{
	void __user *uaddr = (void __user *)c->addr;

	if (c->write)
		return copy_to_user(uaddr, c->kbuf, c->len);
	return copy_from_user(c->kbuf, uaddr, c->len);
}

/* Move the bytes on the chosen path; returns the bytes not copied. */
static unsigned long cb_copy_bytes(struct cb_copy *c, struct mm_struct *mm)
{
	switch (c->path) {
	case CB_PATH_LOCAL:
		return cb_copy_uaccess(c);
	case CB_PATH_KTHREAD:
	case CB_PATH_REMOTE:
		return cb_copy_mm(c, mm);
	case CB_PATH_PINNED:
		break;
	}
	return c->len;
}

static void cb_copy_account(enum cb_path path, unsigned long copied)
{
	static const enum cb_stat copies[] = {
		[CB_PATH_LOCAL] = CB_STAT_COPIES_LOCAL,
		[CB_PATH_KTHREAD] = CB_STAT_COPIES_KTHREAD,
		[CB_PATH_REMOTE] = CB_STAT_COPIES_REMOTE,
		[CB_PATH_PINNED] = CB_STAT_COPIES_PINNED,
	};
	static const enum cb_stat bytes[] = {
		[CB_PATH_LOCAL] = CB_STAT_BYTES_LOCAL,
		[CB_PATH_KTHREAD] = CB_STAT_BYTES_KTHREAD,
		[CB_PATH_REMOTE] = CB_STAT_BYTES_REMOTE,
		[CB_PATH_PINNED] = CB_STAT_BYTES_PINNED,
	};

	cb_stat_add(copies[path], 1);
	cb_stat_add(bytes[path], copied);
}

/* With the client's teardown lock held for read: pin the mm, check, copy. */
static ntstatus_t cb_copy_locked(struct cb_copy *c)
{
	struct cb_client *client = c->client;
	unsigned long left;
	ntstatus_t st;

	lockdep_assert_held_read(&client->teardown);
	if (client->dead)
		return cb_client_exited(client) ?
		       STATUS_PROCESS_IS_TERMINATING : STATUS_INVALID_HANDLE;
	if (!mmget_not_zero(client->mm))
		return STATUS_PROCESS_IS_TERMINATING;

	st = cb_check_vmas(c, client->mm);
	if (st != STATUS_SUCCESS)
		goto out_mm;

	left = cb_copy_bytes(c, client->mm);
	cb_copy_account(c->path, c->len - left);
	if (!left)
		st = STATUS_SUCCESS;
	else if (left < c->len)
		st = STATUS_PARTIAL_COPY;
	else if (cb_client_exited(client))
		st = STATUS_PROCESS_IS_TERMINATING;
	else if (c->path != CB_PATH_LOCAL && fatal_signal_pending(current))
		st = STATUS_CANCELLED;
	else
		st = STATUS_ACCESS_VIOLATION;
out_mm:
	mmput(client->mm);
	return st;
}

static ntstatus_t cb_copy_unpinned(struct cb_copy *c)
{
	ntstatus_t st;

	down_read(&c->client->teardown);
	st = cb_copy_locked(c);
	up_read(&c->client->teardown);
	return st;
}

/*
 * A pinned buffer: no mm, no page tables, any context. The buffer's use
 * count holds off unregistration and release, which unpin.
 */
static ntstatus_t cb_copy_pin(struct cb_copy *c, struct cb_buffer *buf)
{
	unsigned long left;

	if (READ_ONCE(c->client->dead) || cb_client_exited(c->client))
		return cb_client_exited(c->client) ?
		       STATUS_PROCESS_IS_TERMINATING : STATUS_INVALID_HANDLE;
	left = cb_copy_pinned(buf, c->addr, c->kbuf, c->ubuf, c->len,
			      c->write);
	cb_copy_account(CB_PATH_PINNED, c->len - left);
	if (!left)
		return STATUS_SUCCESS;
	return left < c->len ? STATUS_PARTIAL_COPY : STATUS_ACCESS_VIOLATION;
}

/*
 * Copy between the client and the current process's memory @c->ubuf
 * through a kernel bounce buffer: the unpinned paths need one.
 */
static ntstatus_t cb_copy_bounce(struct cb_copy *c)
{
	struct cb_copy b = *c;
	ntstatus_t st;

	/* Check the client's pages before allocating up to c->len bytes. */
	if (!mmget_not_zero(c->client->mm))
		return STATUS_PROCESS_IS_TERMINATING;
	st = cb_check_vmas(c, c->client->mm);
	mmput(c->client->mm);
	if (st != STATUS_SUCCESS)
		return st;

	b.ubuf = NULL;
	b.kbuf = kvmalloc(c->len, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!b.kbuf)
		return STATUS_INSUFFICIENT_RESOURCES;
	if (c->write) {
		if (copy_from_user(b.kbuf, c->ubuf, c->len)) {
			st = STATUS_ACCESS_VIOLATION;
			goto out;
		}
		cb_stat_add(CB_STAT_BYTES_BOUNCED, c->len);
	}
	st = cb_copy_unpinned(&b);
	if (st == STATUS_SUCCESS && !c->write) {
		if (copy_to_user(c->ubuf, b.kbuf, c->len))
			st = STATUS_ACCESS_VIOLATION;
		else
			cb_stat_add(CB_STAT_BYTES_BOUNCED, c->len);
	}
out:
	kvfree(b.kbuf);
	return st;
}

static ntstatus_t cb_copy(struct clientbuf_request *request,
			  unsigned long addr, void *kbuf, void __user *ubuf,
			  u32 length, bool write)
{
	struct cb_copy c = {
		.addr = addr, .kbuf = kbuf, .ubuf = ubuf, .len = length,
		.write = write,
	};
	struct cb_buffer *buf;
	unsigned long end;
	ntstatus_t st;

	if (!request || (!kbuf && !ubuf && length))
		return STATUS_INVALID_PARAMETER;
	st = cb_request_check(request);
	if (st != STATUS_SUCCESS)
		return st;
	if (!length)
		return STATUS_SUCCESS;
	if (!addr || check_add_overflow(addr, (unsigned long)length, &end) ||
	    length > INT_MAX)
		return STATUS_ACCESS_VIOLATION;

	might_sleep();
	c.client = request->client;
	buf = cb_buffer_find_get(c.client, addr, length,
				 write ? CLIENTBUF_BUF_WRITE : CLIENTBUF_BUF_READ);
	if (!buf) {
		/* Not found because the client is going away? Say so. */
		st = cb_request_check(request);
		if (st == STATUS_SUCCESS)
			st = STATUS_ACCESS_VIOLATION;
		goto out;
	}
	c.path = buf->pages ? CB_PATH_PINNED : cb_copy_path(c.client);
	if (c.path == CB_PATH_PINNED)
		st = cb_copy_pin(&c, buf);
	else if (ubuf)
		st = cb_copy_bounce(&c);
	else
		st = cb_copy_unpinned(&c);
	cb_buffer_put(buf);
out:
	if (st != STATUS_SUCCESS)
		cb_stat_add(CB_STAT_FAILURES, 1);
	trace_clientbuf_copy(request->id, c.path, write, addr, length,
			     (__force u32)st);
	return st;
}

/**
 * copy_to_client_buffer() - CopyToClientBuffer: write into the client
 * @request: the call
 * @length: bytes to copy
 * @client_base: destination in the client's registered memory
 * @buffer: source, in the kernel
 *
 * Works from any context that may sleep; see the path table at the top of
 * this file. Either all @length bytes land, or the result is an error.
 *
 * Return: STATUS_SUCCESS (also for @length 0 on a live request);
 * STATUS_INVALID_PARAMETER (NULL @request, or NULL @buffer with @length);
 * STATUS_INVALID_HANDLE (completed request, closed client);
 * STATUS_ACCESS_VIOLATION (NULL, wrapping or unregistered range, a range
 * not allowing writes, an unmapped, read-only or PROT_NONE page - nothing
 * written); STATUS_PARTIAL_COPY (a race with munmap()/mprotect() stopped
 * the copy after some bytes landed); STATUS_PROCESS_IS_TERMINATING (the
 * client exited or exec()ed); STATUS_NOT_SUPPORTED (outside the client's
 * context, an unpinned range that is not anonymous, shmem or hugetlb
 * memory, or that a userfaultfd watches - nothing written);
 * STATUS_CANCELLED (a fatal signal stopped the copy of another process).
 */
ntstatus_t copy_to_client_buffer(struct clientbuf_request *request,
				 u32 length, void __user *client_base,
				 const void *buffer)
{
	return cb_copy(request, (unsigned long)client_base, (void *)buffer,
		       NULL, length, true);
}
EXPORT_SYMBOL_GPL(copy_to_client_buffer);

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
	return cb_copy(request, (unsigned long)client_base, buffer, NULL,
		       length, false);
}
EXPORT_SYMBOL_GPL(copy_from_client_buffer);

/**
 * cb_copy_user() - copy between the client and the current process
 * @request: the call
 * @client_addr: address in the client's registered memory
 * @ubuf: address in the current process's memory (a package server's)
 * @length: bytes
 * @write: copy into the client
 *
 * For a pinned buffer the bytes move in one copy between the server's
 * memory and the pinned pages; otherwise through a bounce buffer. Same
 * checks and statuses as copy_to_client_buffer(); a fault in @ubuf is
 * STATUS_ACCESS_VIOLATION (or STATUS_PARTIAL_COPY once bytes landed).
 *
 * Return: the NTSTATUS of the copy.
 */
ntstatus_t cb_copy_user(struct clientbuf_request *request,
			unsigned long client_addr, void __user *ubuf,
			u32 length, bool write)
{
	return cb_copy(request, client_addr, NULL, ubuf, length, write);
}

/**
 * cb_copy_check() - would a copy of this range be allowed?
 * @request: the call
 * @client_addr: address in the client
 * @length: bytes
 * @write: copy into the client
 *
 * The checks cb_copy() makes before it looks at the client's mappings:
 * request live, no wrap, the range inside one registered buffer that
 * allows the direction. Used to check every segment of a vectored copy
 * before any byte moves.
 *
 * Return: STATUS_SUCCESS or the status the copy would fail with.
 */
ntstatus_t cb_copy_check(struct clientbuf_request *request,
			 unsigned long client_addr, u32 length, bool write)
{
	struct cb_buffer *buf;
	unsigned long end;
	ntstatus_t st;

	st = cb_request_check(request);
	if (st != STATUS_SUCCESS || !length)
		return st;
	if (!client_addr ||
	    check_add_overflow(client_addr, (unsigned long)length, &end) ||
	    length > INT_MAX)
		return STATUS_ACCESS_VIOLATION;
	buf = cb_buffer_find_get(request->client, client_addr, length,
				 write ? CLIENTBUF_BUF_WRITE :
					 CLIENTBUF_BUF_READ);
	if (!buf)
		return STATUS_ACCESS_VIOLATION;
	cb_buffer_put(buf);
	return STATUS_SUCCESS;
}
