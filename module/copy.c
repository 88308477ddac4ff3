// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: the copy engine - CopyToClientBuffer and CopyFromClientBuffer.
 *
 * A copy moves bytes between a range of a client's registered memory and
 * an iov_iter: ITER_KVEC over a kernel package's buffer, or ITER_UBUF over
 * a package server's own memory (SERVER_OP). cb_copy_path() alone decides
 * how, and the path is what the clientbuf_copy tracepoint prints:
 *
 *   path        when                              the client's side
 *   ----------  --------------------------------  ----------------------
 *   LOCAL_PAGE  kernel buffer, current->mm is     copy_{to,from}_user(),
 *               the client's mm, the range        no VMA walk
 *               inside one page                   (cb_copy_local())
 *   LOCAL       kernel buffer, current->mm is     copy_{to,from}_user()
 *               the client's mm                   (cb_copy_local())
 *   KTHREAD_MM  a kernel thread, no mm, kernel    copy_{to,from}_user()
 *               buffer                            through the registered
 *                                                 mm, page faults off;
 *                                                 the rest, if short, as
 *                                                 KTHREAD (cb_copy_use_mm())
 *   KTHREAD     a kernel thread, no mm            pages of the registered
 *   REMOTE      anything else (another process,   mm, CB_WALK_BATCH at a
 *               any package server)               time (cb_copy_walk())
 *   PINNED      a CLIENTBUF_BUF_PIN buffer,       the pages pinned at
 *               any context                       registration (pin.c)
 *
 * KTHREAD, REMOTE and PINNED are one loop, cb_copy_run(), shaped like
 * process_vm_rw_pages(): the client's side is pages, the other side the
 * iter, and each byte moves once, with copy_page_from_iter() into the
 * client or copy_page_to_iter() out of it. No bounce buffer, and nothing
 * is allocated whose size grows with the copy: a batch is an on-stack
 * array of CB_WALK_BATCH page pointers (as PVM_MAX_KMALLOC_PAGES).
 *
 *   server memory / kernel buffer           client's registered mm
 *   +--------------------------+  copy_page_{from,to}_iter()  +------+
 *   | iov_iter (UBUF or KVEC)  | <--------------------------> | page |
 *   +--------------------------+   one copy per byte          +------+
 *
 * Outside the client's context (a kernel thread, a workqueue worker,
 * another process) nothing goes through the copier's own mm: the pages are
 * taken from the registered mm itself, in batches, with
 * pin_user_pages_remote() under one mmap_read_lock() and no @locked, after
 * checking under that same lock that every VMA of the range is anonymous,
 * shmem or hugetlb memory that no userfaultfd watches. GUP then cannot
 * drop the lock, so no remap can slip in between the check and the fault,
 * and no fault can wait on the client: a FUSE file or a userfaultfd the
 * client controls would otherwise stall a worker that other clients' calls
 * share. Such ranges are CB_STATUS_NOT_SUPPORTED from these contexts (a
 * pinned buffer, or a copy in the client's own context, reaches them).
 * One walk covers the range for as long as the lock is held, and lets go
 * after CB_WALK_HOLD bytes so that the client's own mmap()/munmap() never
 * waits for more than that much copying.
 *
 * The bytes move under that lock with page faults disabled, so nothing
 * ever faults under the client's mmap_lock: a server's page that is not
 * present makes the batch short (as in process_vm_rw_pages(), each byte
 * moves once, and the bytes before it have landed). Only then does the
 * copy let go of the client, fault the server's side in with nothing of
 * the client's held, and walk the rest again - so that a server whose
 * memory waits (a userfaultfd of its own) holds only the buffer's use
 * count meanwhile, and the client's exit or close is seen by the walk that
 * follows. A walk holds the client's teardown lock for read and a user
 * reference on its mm while it touches the client's pages. Lock order:
 * teardown -> mmap_lock.
 *
 * Writing into the registered mm, never into a task's current mm, is also
 * the exec guard: after execve() the old mm has no users, mmget_not_zero()
 * fails, and a copy that won the race lands in the orphaned old mm, never
 * in the new program. It does not depend on any one thread of the client
 * being alive (the thread-group leader may be a zombie after its
 * pthread_exit()).
 *
 * Whatever the path, the whole range is checked first: it must lie in one
 * registered buffer that allows the direction, and (unpinned) every page
 * must be mapped with the needed protection - so a copy that finds a hole
 * or a read-only page writes nothing. LOCAL_PAGE keeps that promise
 * without the walk: copy_{to,from}_user() of a range inside one page
 * faults on its first byte or not at all (a page is mapped, readable and
 * writable as a whole), so it moves all bytes or none but for a race with
 * munmap()/mprotect(), as after the walk. What it does not refuse is a
 * VM_IO/VM_PFNMAP page the client mapped there itself: in the client's
 * own context it is written as the client itself would write it. Never
 * FOLL_FORCE: a read-only page is refused, a writable MAP_PRIVATE file
 * page is written copy-on-write.
 *
 * A fault on the server's side stops the copy: CB_STATUS_ACCESS_VIOLATION if
 * nothing landed, CB_STATUS_PARTIAL_COPY once bytes did. A copy into the
 * client never writes past the bytes that landed: copy_page_from_iter()
 * from a user-backed iter copies with raw_copy_from_user() (copyin() on
 * 6.1, copy_from_user_iter() on 6.12), which does not zero the tail the
 * way copy_from_user() does.
 */
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
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
	CB_PATH_LOCAL_PAGE = 4,		/* printed as LOCAL: the same context */
	CB_PATH_KTHREAD_MM = 5,		/* printed as KTHREAD */
};

/**
 * struct cb_copy - one copy in progress
 * @client: the request's client
 * @buf: the registered buffer that holds the range, in use
 * @addr: client address
 * @iter: the other side: a kernel buffer (ITER_KVEC, one segment) or the
 *	current process's memory (ITER_UBUF)
 * @len: bytes
 * @done: bytes that landed
 * @pages: pages taken from the registered mm (statistics)
 * @batches: batches they were taken in (statistics)
 * @write: true for a copy to the client
 * @own_mm: between cb_copy_enter() and cb_copy_leave(): current is a task
 *	of the client's mm, and no user reference on it was taken
 * @path: the path cb_copy_path() chose
 */
struct cb_copy {
	struct cb_client *client;
	struct cb_buffer *buf;
	unsigned long addr;
	struct iov_iter *iter;
	u32 len;
	u32 done;
	u32 pages;
	u32 batches;
	bool write;
	bool own_mm;
	enum cb_path path;
};

/* Pages taken from the registered mm at a time (an on-stack array). */
#define CB_WALK_BATCH	16

/*
 * Bytes one walk moves before it lets go of the client (its mmap_lock and
 * teardown) and walks again: a copy of up to 2 GiB never holds off the
 * client's mmap()/munmap() for longer than this much copying.
 */
#define CB_WALK_HOLD	SZ_4M

/* The one place that decides how a copy runs: see the table above. */
static enum cb_path cb_copy_path(const struct cb_copy *c)
{
	if (c->buf->pages)
		return CB_PATH_PINNED;
	if (current->mm == c->client->mm && iov_iter_is_kvec(c->iter))
		return offset_in_page(c->addr) + c->len <= PAGE_SIZE ?
		       CB_PATH_LOCAL_PAGE : CB_PATH_LOCAL;
	if ((current->flags & PF_KTHREAD) && !current->mm)
		return iov_iter_is_kvec(c->iter) ? CB_PATH_KTHREAD_MM :
		       CB_PATH_KTHREAD;
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
 * Return: CB_STATUS_SUCCESS; CB_STATUS_ACCESS_VIOLATION for a hole, a page
 * without the access, or VM_IO/VM_PFNMAP; with @outside,
 * CB_STATUS_NOT_SUPPORTED for memory that cb_vma_outside_ok() refuses.
 */
static ntstatus_t cb_check_vmas_locked(struct mm_struct *mm,
				       unsigned long addr, unsigned long len,
				       bool write, bool outside)
{
	unsigned long end = addr + len;
	vm_flags_t need = write ? VM_WRITE : VM_READ;
	struct vm_area_struct *vma;

	mmap_assert_locked(mm);
	cb_stat_add(CB_STAT_VMA_WALKS, 1);
	while (addr < end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr ||
		    !(vma->vm_flags & need) ||
		    (vma->vm_flags & (VM_IO | VM_PFNMAP)))
			return CB_STATUS_ACCESS_VIOLATION;
		if (outside && !cb_vma_outside_ok(vma))
			return CB_STATUS_NOT_SUPPORTED;
		addr = vma->vm_end;
	}
	return CB_STATUS_SUCCESS;
}

/*
 * Is the client gone, without holding it? CB_STATUS_PROCESS_IS_TERMINATING
 * once its process exited, CB_STATUS_INVALID_HANDLE once its file was
 * closed, else CB_STATUS_SUCCESS. For a pinned buffer (whose use count
 * holds off unpinning) this is the whole check before the copy.
 */
static ntstatus_t cb_copy_client_gone(struct cb_client *client)
{
	if (cb_client_exited(client))
		return CB_STATUS_PROCESS_IS_TERMINATING;
	return READ_ONCE(client->dead) ? CB_STATUS_INVALID_HANDLE :
	       CB_STATUS_SUCCESS;
}

/*
 * Hold the client for a copy that touches its memory: its teardown lock
 * for read, and (on success) a user reference on the registered mm - the
 * exec guard - unless the copy runs in a task of the client's own mm (the
 * LOCAL paths, not a kernel thread that borrowed it with kthread_use_mm(),
 * which holds only mm_count): a task holds its own mm while it runs.
 * Undone by cb_copy_leave().
 */
static ntstatus_t cb_copy_enter(struct cb_copy *c)
{
	struct cb_client *client = c->client;

	down_read(&client->teardown);
	if (client->dead) {
		up_read(&client->teardown);
		return cb_client_exited(client) ?
		       CB_STATUS_PROCESS_IS_TERMINATING : CB_STATUS_INVALID_HANDLE;
	}
	c->own_mm = (c->path == CB_PATH_LOCAL ||
		     c->path == CB_PATH_LOCAL_PAGE) &&
		    !(current->flags & PF_KTHREAD);
	if (!c->own_mm && !mmget_not_zero(client->mm)) {
		up_read(&client->teardown);
		return CB_STATUS_PROCESS_IS_TERMINATING;
	}
	return CB_STATUS_SUCCESS;
}

static void cb_copy_leave(struct cb_copy *c)
{
	lockdep_assert_held_read(&c->client->teardown);
	if (!c->own_mm)
		mmput(c->client->mm);
	up_read(&c->client->teardown);
}

/* cb_check_vmas_locked() for the whole range, between enter and leave. */
static ntstatus_t cb_copy_check_range(struct cb_copy *c)
{
	struct mm_struct *mm = c->client->mm;
	ntstatus_t st;

	lockdep_assert_held_read(&c->client->teardown);
	mmap_read_lock(mm);
	st = cb_check_vmas_locked(mm, c->addr, c->len, c->write,
				  c->path != CB_PATH_LOCAL);
	mmap_read_unlock(mm);
	return st;
}

static void cb_copy_account(const struct cb_copy *c)
{
	static const enum cb_stat copies[] = {
		[CB_PATH_LOCAL] = CB_STAT_COPIES_LOCAL,
		[CB_PATH_LOCAL_PAGE] = CB_STAT_COPIES_LOCAL,
		[CB_PATH_KTHREAD] = CB_STAT_COPIES_KTHREAD,
		[CB_PATH_KTHREAD_MM] = CB_STAT_COPIES_KTHREAD,
		[CB_PATH_REMOTE] = CB_STAT_COPIES_REMOTE,
		[CB_PATH_PINNED] = CB_STAT_COPIES_PINNED,
	};
	static const enum cb_stat bytes[] = {
		[CB_PATH_LOCAL] = CB_STAT_BYTES_LOCAL,
		[CB_PATH_LOCAL_PAGE] = CB_STAT_BYTES_LOCAL,
		[CB_PATH_KTHREAD] = CB_STAT_BYTES_KTHREAD,
		[CB_PATH_KTHREAD_MM] = CB_STAT_BYTES_KTHREAD,
		[CB_PATH_REMOTE] = CB_STAT_BYTES_REMOTE,
		[CB_PATH_PINNED] = CB_STAT_BYTES_PINNED,
	};

	cb_stat_add(copies[c->path], 1);
	cb_stat_add(bytes[c->path], c->done);
	if (c->batches) {
		cb_stat_add(CB_STAT_PAGES_REMOTE, c->pages);
		cb_stat_add(CB_STAT_BATCHES_REMOTE, c->batches);
	}
}

/*
 * LOCAL, LOCAL_PAGE: a kernel buffer, in the client's own context - the
 * current address space is the client's, copy_{to,from}_user() reach any
 * mapping the client could touch itself. LOCAL walks the VMAs first;
 * LOCAL_PAGE, a range inside one page, needs no walk (see the top of this
 * file).
 */
static ntstatus_t cb_copy_local(struct cb_copy *c)
{
	void __user *uaddr = (void __user *)c->addr;
	void *kbuf = c->iter->kvec->iov_base + c->iter->iov_offset;
	unsigned long left;
	ntstatus_t st;

	st = cb_copy_enter(c);
	if (st != CB_STATUS_SUCCESS)
		return st;
	if (c->path == CB_PATH_LOCAL) {
		st = cb_copy_check_range(c);
		if (st != CB_STATUS_SUCCESS)
			goto out;
	}
	if (c->write)
		left = copy_to_user(uaddr, kbuf, c->len);
	else
		left = copy_from_user(kbuf, uaddr, c->len);
	c->done = c->len - left;
	cb_copy_account(c);
	if (!left)
		st = CB_STATUS_SUCCESS;
	else if (c->done)
		st = CB_STATUS_PARTIAL_COPY;
	else if (cb_client_exited(c->client))
		st = CB_STATUS_PROCESS_IS_TERMINATING;
	else
		st = CB_STATUS_ACCESS_VIOLATION;
out:
	cb_copy_leave(c);
	return st;
}

static size_t cb_copy_page(struct page *page, unsigned long off, size_t n,
			   struct iov_iter *iter, bool write)
{
	if (write)
		return copy_page_from_iter(page, off, n, iter);
	return copy_page_to_iter(page, off, n, iter);
}

/**
 * cb_copy_pages() - move bytes between client pages and the iter
 * @pages: the client's pages, the first holding byte @off
 * @off: offset in the first page
 * @len: bytes
 * @iter: the other side, advanced by the bytes copied
 * @write: into the client (copy_page_from_iter()), else out of it
 *
 * As process_vm_rw_pages(). A user-backed @iter may fault: the copy then
 * stops at the fault, short. Into the client, copy_page_from_iter() never
 * writes past the bytes it copied (raw_copy_from_user() on 6.1 and 6.12).
 *
 * Return: bytes copied.
 */
static size_t cb_copy_pages(struct page **pages, unsigned long off,
			    size_t len, struct iov_iter *iter, bool write)
{
	size_t done = 0, n, got;

	while (done < len) {
		n = min_t(size_t, len - done, PAGE_SIZE - off);
		/*
		 * data_race(): the pages are the client's memory. Its own
		 * threads write them at will (unseen by KCSAN), and two
		 * requests may copy into the same bytes at once - a race on
		 * the client's data that the client made, like two threads
		 * write()ing into one buffer. None of the module's own state
		 * is in these pages; the bytes are all that is racy.
		 */
		got = data_race(cb_copy_page(*pages, off, n, iter, write));
		done += got;
		if (got < n)
			break;
		pages++;
		off = 0;
	}
	return done;
}

/*
 * Fault in the other side's next @span bytes (the rest of the copy: one
 * fault-in for a server's buffer that was never touched), with nothing of
 * the client's held (see the top of this file). Returns the bytes that are
 * there now: 0 if the first one is not.
 */
static size_t cb_copy_fault_in(struct cb_copy *c, size_t span)
{
	if (!user_backed_iter(c->iter))
		return span;
	if (c->write)
		return span - fault_in_iov_iter_readable(c->iter, span);
	return span - fault_in_iov_iter_writeable(c->iter, span);
}

/* Why pin_user_pages_remote() took no page of a range the walk passed. */
static ntstatus_t cb_copy_pin_failed(struct cb_copy *c)
{
	if (fatal_signal_pending(current))
		return CB_STATUS_CANCELLED;
	if (cb_client_exited(c->client))
		return CB_STATUS_PROCESS_IS_TERMINATING;
	return CB_STATUS_ACCESS_VIOLATION;
}

/*
 * One batch, under the client's mmap_read_lock(): pin the client's pages
 * of the next at most CB_WALK_BATCH pages, not past byte @end of the copy
 * (no @locked: GUP keeps the lock), and move their bytes with page faults
 * disabled. Sets *@span to the bytes the batch covered and *@n to the
 * bytes that moved; fewer than *@span means the other side needs a fault.
 */
static ntstatus_t cb_copy_batch(struct cb_copy *c, u32 end, size_t *span,
				size_t *n)
{
	unsigned long addr = c->addr + c->done;
	unsigned long off = offset_in_page(addr);
	struct page *batch[CB_WALK_BATCH];
	long nr;

	*span = min_t(size_t, end - c->done,
		      CB_WALK_BATCH * PAGE_SIZE - off);
	if (fatal_signal_pending(current))
		return CB_STATUS_CANCELLED;
	nr = cb_pin_user_pages_remote(c->client->mm, addr & PAGE_MASK,
				      DIV_ROUND_UP(off + *span, PAGE_SIZE),
				      c->write ? FOLL_WRITE : 0, batch);
	if (nr <= 0)
		return cb_copy_pin_failed(c);
	*span = min_t(size_t, *span, nr * PAGE_SIZE - off);
	c->pages += nr;
	c->batches++;
	pagefault_disable();
	*n = cb_copy_pages(batch, off, *span, c->iter, c->write);
	pagefault_enable();
	unpin_user_pages_dirty_lock(batch, nr, c->write);
	return CB_STATUS_SUCCESS;
}

/**
 * cb_copy_walk() - copy what can be copied in one hold of the client
 * @c: the copy, from @c->done on
 * @faulted: out: stopped because the other side needs a fault
 *
 * Holds the client (cb_copy_enter()) and its mmap_read_lock() once and
 * checks the VMAs (cb_check_vmas_locked() with @outside): of the whole
 * rest of the range while no byte has moved - so that a hole anywhere is
 * "nothing written" - and afterwards of what this walk will move. Then
 * copies batch by batch (cb_copy_batch()) until it is done, a batch comes
 * up short, or it moved CB_WALK_HOLD bytes (the caller walks again).
 *
 * Return: CB_STATUS_SUCCESS (with *@faulted if a batch came up short); the
 * walk's status; CB_STATUS_CANCELLED on a fatal signal; the
 * cb_copy_enter() statuses; as cb_copy_pin_failed().
 */
static ntstatus_t cb_copy_walk(struct cb_copy *c, bool *faulted)
{
	struct mm_struct *mm = c->client->mm;
	u32 end = c->done + min_t(u32, c->len - c->done, CB_WALK_HOLD);
	size_t span, n;
	ntstatus_t st;

	*faulted = false;
	st = cb_copy_enter(c);
	if (st != CB_STATUS_SUCCESS)
		return st;
	if (mmap_read_lock_killable(mm)) {
		st = CB_STATUS_CANCELLED;
		goto leave;
	}
	st = cb_check_vmas_locked(mm, c->addr + c->done,
				  (c->done ? end : c->len) - c->done,
				  c->write, true);
	while (st == CB_STATUS_SUCCESS && c->done < end) {
		st = cb_copy_batch(c, end, &span, &n);
		if (st != CB_STATUS_SUCCESS)
			break;
		c->done += n;
		if (n < span) {
			*faulted = true;
			break;
		}
	}
	mmap_read_unlock(mm);
leave:
	cb_copy_leave(c);
	return st;
}

/* PINNED: the pages pinned at registration, the client's use count held. */
static void cb_copy_pinned(struct cb_copy *c)
{
	struct cb_buffer *buf = c->buf;
	unsigned long addr = c->addr + c->done;
	struct page **pages;

	pages = buf->pages + ((addr - (buf->addr & PAGE_MASK)) >> PAGE_SHIFT);
	c->done += cb_copy_pages(pages, offset_in_page(addr),
				 c->len - c->done, c->iter, c->write);
}

/*
 * KTHREAD and REMOTE: batches of the registered mm (cb_copy_walk()). The
 * first walk checks the whole rest of the range before any byte moves, so
 * that a hole or a read-only page is "nothing written", not a partial
 * copy, and the bytes move with page faults disabled. A walk lets go of
 * the client every CB_WALK_HOLD bytes and the next one goes on. Only a
 * copy that came up short on the other side (a server's page not present)
 * faults the next CB_WALK_HOLD bytes of that side in, with nothing of the
 * client's held, and walks again; if the fault-in fails, or the walk after
 * it moves nothing, the copy stops there.
 */
static ntstatus_t cb_copy_unpinned(struct cb_copy *c)
{
	bool faulted, retry = false;
	ntstatus_t st;
	u32 before;

	for (;;) {
		before = c->done;
		st = cb_copy_walk(c, &faulted);
		if (st != CB_STATUS_SUCCESS || c->done == c->len ||
		    (retry && c->done == before))
			return st;
		if (!faulted) {
			/* let go after CB_WALK_HOLD bytes: on with the rest */
			retry = false;
			cond_resched();
			continue;
		}
		if (!cb_copy_fault_in(c, min_t(u32, c->len - c->done,
					       CB_WALK_HOLD)))
			return st;
		retry = true;
	}
}

/*
 * KTHREAD, REMOTE and PINNED: the page loop. The client's side is its
 * pages, the other side the iter.
 */
static ntstatus_t cb_copy_run(struct cb_copy *c)
{
	ntstatus_t st;

	if (c->buf->pages) {
		st = cb_copy_client_gone(c->client);
		if (st == CB_STATUS_SUCCESS)
			cb_copy_pinned(c);
	} else {
		st = cb_copy_unpinned(c);
	}
	cb_copy_account(c);
	if (c->done == c->len)
		return CB_STATUS_SUCCESS;
	if (c->done)
		return CB_STATUS_PARTIAL_COPY;
	return st != CB_STATUS_SUCCESS ? st : CB_STATUS_ACCESS_VIOLATION;
}

/*
 * KTHREAD_MM: a kernel thread (a package's kthread, a work item) copies a
 * kernel buffer through the registered mm, as f_fs does, after the same
 * VMA walk as the page loop (so the same refusals: NOT_SUPPORTED for
 * memory whose faults could wait on the client) and with page faults
 * disabled, so that it never waits on the client either: a page not
 * present (never touched, swapped out, copy-on-write) makes the copy
 * short, and the page loop (KTHREAD) moves the rest.
 */
static ntstatus_t cb_copy_use_mm(struct cb_copy *c)
{
	struct mm_struct *mm = c->client->mm;
	void __user *uaddr = (void __user *)c->addr;
	void *kbuf = c->iter->kvec->iov_base + c->iter->iov_offset;
	unsigned long left;
	ntstatus_t st;

	st = cb_copy_enter(c);
	if (st != CB_STATUS_SUCCESS)
		return st;
	st = cb_copy_check_range(c);
	if (st != CB_STATUS_SUCCESS) {
		cb_copy_leave(c);
		return st;
	}
	kthread_use_mm(mm);
	pagefault_disable();
	if (!access_ok(uaddr, c->len))
		left = c->len;
	else if (c->write)
		left = __copy_to_user_inatomic(uaddr, kbuf, c->len);
	else
		left = __copy_from_user_inatomic(kbuf, uaddr, c->len);
	pagefault_enable();
	kthread_unuse_mm(mm);
	cb_copy_leave(c);
	c->done = c->len - left;
	iov_iter_advance(c->iter, c->done);
	if (!left) {
		cb_copy_account(c);
		return CB_STATUS_SUCCESS;
	}
	return cb_copy_run(c);
}

/* A client range a copy may name: not NULL, not wrapping, under 2 GiB. */
static ntstatus_t cb_copy_range(unsigned long addr, size_t len)
{
	unsigned long end;

	if (!addr || check_add_overflow(addr, (unsigned long)len, &end) ||
	    len > INT_MAX)
		return CB_STATUS_ACCESS_VIOLATION;
	return CB_STATUS_SUCCESS;
}

/**
 * cb_copy_client_hold() - hold the buffer of a client range for a copy
 * @client: the client
 * @client_addr: address in the client
 * @len: bytes
 * @write: copy into the client
 * @buf: out: the buffer, in use until cb_buffer_put(); NULL for an empty
 *	range or on failure
 *
 * The checks cb_copy_client() makes before it looks at the client's
 * mappings: no wrap, the range inside one registered buffer that allows
 * the direction.
 *
 * Return: CB_STATUS_SUCCESS; CB_STATUS_ACCESS_VIOLATION for a range no
 * buffer holds; CB_STATUS_PROCESS_IS_TERMINATING or
 * CB_STATUS_INVALID_HANDLE when that is because the client is going away.
 */
ntstatus_t cb_copy_client_hold(struct cb_client *client,
			       unsigned long client_addr, size_t len,
			       bool write, struct cb_buffer **buf)
{
	ntstatus_t st;

	*buf = NULL;
	if (!len)
		return CB_STATUS_SUCCESS;
	st = cb_copy_range(client_addr, len);
	if (st != CB_STATUS_SUCCESS)
		return st;
	*buf = cb_buffer_find_get(client, client_addr, len,
				  write ? CLIENTBUF_BUF_WRITE :
					  CLIENTBUF_BUF_READ);
	if (*buf)
		return CB_STATUS_SUCCESS;
	/* Not found because the client is going away? Say so. */
	st = cb_copy_client_gone(client);
	return st != CB_STATUS_SUCCESS ? st : CB_STATUS_ACCESS_VIOLATION;
}

static void cb_copy_trace(u64 req_id, enum cb_path path, bool write,
			  unsigned long client_addr, size_t len, ntstatus_t st)
{
	if (st != CB_STATUS_SUCCESS)
		cb_stat_add(CB_STAT_FAILURES, 1);
	trace_clientbuf_copy(req_id, path == CB_PATH_LOCAL_PAGE ?
			     CB_PATH_LOCAL : path == CB_PATH_KTHREAD_MM ?
			     CB_PATH_KTHREAD : path, write, client_addr, len,
			     (__force u32)st);
}

/**
 * cb_copy_client_held() - copy between a client and an iov_iter, the
 *	buffer already held
 * @client: the client, whose request the caller has checked (lsa.c)
 * @req_id: the request's id, for the trace
 * @buf: the buffer cb_copy_client_hold() returned for this range, or
 *	NULL for an empty one; still the caller's to put
 * @client_addr: address in the client's registered memory
 * @iter: as for cb_copy_client(); its count is the length the buffer
 *	was held for
 * @write: copy into the client
 *
 * Chooses the path (cb_copy_path()) and copies; traced and counted. A
 * vectored server op holds every segment's buffer in its check pass and
 * copies with this, so that no segment that passed is refused later by
 * an unregistration in between (which waits for the buffer instead).
 *
 * Return: as copy_to_client_buffer().
 */
ntstatus_t cb_copy_client_held(struct cb_client *client, u64 req_id,
			       struct cb_buffer *buf, unsigned long client_addr,
			       struct iov_iter *iter, bool write)
{
	struct cb_copy c = {
		.client = client, .buf = buf, .addr = client_addr,
		.iter = iter, .len = iov_iter_count(iter), .write = write,
	};
	ntstatus_t st;

	if (!buf)	/* an empty range holds no buffer */
		return CB_STATUS_SUCCESS;
	might_sleep();
	c.path = cb_copy_path(&c);
	if (c.path == CB_PATH_LOCAL || c.path == CB_PATH_LOCAL_PAGE)
		st = cb_copy_local(&c);
	else if (c.path == CB_PATH_KTHREAD_MM)
		st = cb_copy_use_mm(&c);
	else
		st = cb_copy_run(&c);
	cb_copy_trace(req_id, c.path, write, client_addr, c.len, st);
	return st;
}

/**
 * cb_copy_client() - copy between a client and an iov_iter
 * @client: the client, whose request the caller has checked (lsa.c)
 * @req_id: the request's id, for the trace
 * @client_addr: address in the client's registered memory
 * @iter: the other side: ITER_KVEC over a kernel buffer (one segment), or
 *	ITER_UBUF over the current process's memory (a package server's);
 *	its count is the length of the copy
 * @write: copy into the client
 *
 * Checks the range, holds its buffer and copies (cb_copy_client_held()).
 * A fault on @iter's side stops the copy: CB_STATUS_ACCESS_VIOLATION if
 * nothing landed, else CB_STATUS_PARTIAL_COPY.
 *
 * Return: as copy_to_client_buffer().
 */
ntstatus_t cb_copy_client(struct cb_client *client, u64 req_id,
			  unsigned long client_addr, struct iov_iter *iter,
			  bool write)
{
	size_t len = iov_iter_count(iter);
	struct cb_buffer *buf;
	ntstatus_t st;

	st = cb_copy_client_hold(client, client_addr, len, write, &buf);
	if (st != CB_STATUS_SUCCESS) {
		cb_copy_trace(req_id, CB_PATH_LOCAL, write, client_addr, len,
			      st);
		return st;
	}
	st = cb_copy_client_held(client, req_id, buf, client_addr, iter,
				 write);
	if (buf)
		cb_buffer_put(buf);
	return st;
}

/**
 * cb_copy_client_check() - would a copy of this client range be allowed?
 * @client: the client
 * @client_addr: address in the client
 * @length: bytes
 * @write: copy into the client
 *
 * As cb_copy_client_hold(), holding nothing.
 *
 * Return: CB_STATUS_SUCCESS or the status the copy would fail with.
 */
ntstatus_t cb_copy_client_check(struct cb_client *client,
				unsigned long client_addr, u32 length,
				bool write)
{
	struct cb_buffer *buf;
	ntstatus_t st;

	st = cb_copy_client_hold(client, client_addr, length, write, &buf);
	if (buf)
		cb_buffer_put(buf);
	return st;
}
