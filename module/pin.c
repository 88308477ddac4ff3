// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: pinned buffers - the fast path.
 *
 * A buffer registered with CLIENTBUF_BUF_PIN has its pages pinned once, at
 * registration (pin_user_pages_fast() with FOLL_WRITE | FOLL_LONGTERM, for
 * read-only buffers too), and charged as io_uring charges its fixed buffers:
 * to the registering *user* (user_struct.locked_vm against RLIMIT_MEMLOCK,
 * unless the caller has CAP_IPC_LOCK) and, for accounting only, to the
 * client's mm_struct.pinned_vm (VmPin). The charge stays with the user until
 * the pages are unpinned, whatever happens to the process: execve() (a new
 * mm with locked_vm 0), fork() or passing the fd cannot reset it. Every copy
 * then runs the copy engine's page loop (copy.c) on buf->pages: no
 * page-table walk, no mmap_lock, the same from any context.
 *
 * FOLL_WRITE for read-only buffers as well: without it, 6.1 pins the shared
 * zero page (or a page that a later write copies away from) for untouched
 * private memory, and packages would read stale bytes. A pinned range must
 * therefore be writable by the process.
 *
 * Only anonymous, shmem and hugetlb memory can be pinned: a long-term write
 * pin on a page-cache file page would bypass the file system's dirty
 * tracking. The VMAs are checked first (for the documented status), but
 * another thread can mmap(MAP_FIXED) a file over the range between that
 * check and the pin, and GUP refuses only some file pages (6.5+: the
 * dirty-tracked ones; 6.1: none), so every pinned folio is checked again
 * after the pin, and the whole range is unpinned and refused if one is not
 * anonymous, shmem or hugetlb. If the client munmap()s a pinned range, the
 * pages stay pinned until the buffer is unregistered and receive the writes
 * harmlessly; the process no longer sees them.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include "internal.h"

/* May these VMAs be pinned long-term? Called with mmap_lock held. */
static ntstatus_t cb_pin_check_vmas(struct mm_struct *mm, unsigned long start,
				    unsigned long end)
{
	struct vm_area_struct *vma;

	mmap_assert_locked(mm);
	while (start < end) {
		vma = find_vma(mm, start);
		if (!vma || vma->vm_start > start)
			return CB_STATUS_ACCESS_VIOLATION;
		if (!vma_is_anonymous(vma) && !is_vm_hugetlb_page(vma) &&
		    !(vma->vm_file && shmem_file(vma->vm_file)))
			return CB_STATUS_NOT_SUPPORTED;
		start = vma->vm_end;
	}
	return CB_STATUS_SUCCESS;
}

/*
 * Is a pinned page anonymous, shmem or hugetlb memory? The pin keeps the
 * folio from being freed; a page-cache folio being truncated may lose its
 * mapping meanwhile, which only makes the answer "no".
 */
static bool cb_pin_page_ok(struct page *page)
{
	struct folio *folio = page_folio(page);
	struct address_space *mapping;

	if (folio_test_anon(folio) || folio_test_hugetlb(folio))
		return true;
	mapping = READ_ONCE(folio->mapping);
	return mapping && shmem_mapping(mapping);
}

/**
 * cb_pin_unlimited() - may the current task pin without a charge?
 *
 * As io_uring: CAP_IPC_LOCK in the initial user namespace, checked without
 * an audit record (a refusal here is not a denial, only a charge).
 *
 * Return: true if the task's pins are neither limited nor charged.
 */
bool cb_pin_unlimited(void)
{
	return ns_capable_noaudit(&init_user_ns, CAP_IPC_LOCK);
}

/**
 * cb_pin_account() - charge pages about to be pinned
 * @client: the client, whose mm gets the pinned_vm share
 * @buf: the buffer; ->user is set to the charged user, or left NULL
 * @nr: pages
 *
 * As io_uring's __io_account_mem(): the user's locked_vm may not pass the
 * caller's RLIMIT_MEMLOCK; a caller with CAP_IPC_LOCK is not limited (nor
 * charged there). The user reference is held until cb_pin_unaccount().
 *
 * Return: CB_STATUS_SUCCESS, or CB_STATUS_QUOTA_EXCEEDED past RLIMIT_MEMLOCK.
 */
static ntstatus_t cb_pin_account(struct cb_client *client,
				 struct cb_buffer *buf, unsigned long nr)
{
	struct user_struct *user;
	unsigned long limit, cur, new;

	if (!cb_pin_unlimited()) {
		user = current_user();
		limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
		cur = atomic_long_read(&user->locked_vm);
		do {
			if (check_add_overflow(cur, nr, &new) || new > limit)
				return CB_STATUS_QUOTA_EXCEEDED;
		} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur,
						  new));
		buf->user = get_uid(user);
	}
	atomic64_add(nr, &client->mm->pinned_vm);
	return CB_STATUS_SUCCESS;
}

/* Undo cb_pin_account() for @nr pages of @buf. */
static void cb_pin_unaccount(struct cb_client *client, struct cb_buffer *buf,
			     unsigned long nr)
{
	if (buf->user) {
		atomic_long_sub(nr, &buf->user->locked_vm);
		free_uid(buf->user);
		buf->user = NULL;
	}
	atomic64_sub(nr, &client->mm->pinned_vm);
}

/**
 * cb_pin_buffer() - pin the pages of a buffer being registered
 * @client: the client; current is its owner
 * @buf: the buffer, not yet visible
 *
 * Called without reg_lock: the pin faults the range in, and the client
 * controls how long a fault takes.
 *
 * Return: CB_STATUS_SUCCESS; CB_STATUS_QUOTA_EXCEEDED past RLIMIT_MEMLOCK;
 * CB_STATUS_ACCESS_VIOLATION for an unmapped page, or one that is not
 * writable; CB_STATUS_NOT_SUPPORTED for memory other than anonymous, shmem or
 * hugetlb (also when such memory was mapped over the range while it was
 * being pinned); CB_STATUS_INSUFFICIENT_RESOURCES.
 */
ntstatus_t cb_pin_buffer(struct cb_client *client, struct cb_buffer *buf)
{
	unsigned long start = buf->addr & PAGE_MASK;
	unsigned long end = PAGE_ALIGN(buf->addr + buf->len);
	unsigned long nr = (end - start) >> PAGE_SHIFT, done = 0, i;
	ntstatus_t st;
	int ret;

	if (nr > INT_MAX)
		return CB_STATUS_QUOTA_EXCEEDED;

	mmap_read_lock(client->mm);
	st = cb_pin_check_vmas(client->mm, start, end);
	mmap_read_unlock(client->mm);
	if (st != CB_STATUS_SUCCESS)
		return st;

	st = cb_pin_account(client, buf, nr);
	if (st != CB_STATUS_SUCCESS)
		return st;
	buf->pages = kvmalloc_array(nr, sizeof(*buf->pages),
				    GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!buf->pages) {
		st = CB_STATUS_INSUFFICIENT_RESOURCES;
		goto out_unaccount;
	}
	while (done < nr) {
		ret = pin_user_pages_fast(start + (done << PAGE_SHIFT),
					  nr - done, FOLL_WRITE | FOLL_LONGTERM,
					  buf->pages + done);
		if (ret <= 0) {
			st = ret == -ENOMEM ? CB_STATUS_INSUFFICIENT_RESOURCES :
			     ret == -EOPNOTSUPP ? CB_STATUS_NOT_SUPPORTED :
			     CB_STATUS_ACCESS_VIOLATION;
			/*
			 * 6.5+ GUP refuses a dirty-tracked file mapping put
			 * over the range since the check with -EFAULT: say
			 * what the check would say now.
			 */
			if (st == CB_STATUS_ACCESS_VIOLATION) {
				mmap_read_lock(client->mm);
				if (cb_pin_check_vmas(client->mm, start, end) ==
				    CB_STATUS_NOT_SUPPORTED)
					st = CB_STATUS_NOT_SUPPORTED;
				mmap_read_unlock(client->mm);
			}
			goto out_unpin;
		}
		done += ret;
	}
	for (i = 0; i < nr; i++) {
		if (!cb_pin_page_ok(buf->pages[i])) {
			st = CB_STATUS_NOT_SUPPORTED;
			goto out_unpin;
		}
	}
	buf->nr_pages = nr;
	/* GET_INFO's count; RLIMIT_MEMLOCK is the limit (no refusal here) */
	cb_user_charge(client->user, CB_UC_PINNED_PAGES, nr);
	cb_stat_add(CB_STAT_PINNED_PAGES, nr);
	return CB_STATUS_SUCCESS;

out_unpin:
	unpin_user_pages(buf->pages, done);
	kvfree(buf->pages);
	buf->pages = NULL;
out_unaccount:
	cb_pin_unaccount(client, buf, nr);
	return st;
}

/**
 * cb_unpin_buffer() - release the pages of a buffer that no copy uses
 * @client: the client
 * @buf: the buffer
 *
 * Uncharges the user and the mm that cb_pin_buffer() charged, whichever
 * process (if any) holds the client now.
 */
void cb_unpin_buffer(struct cb_client *client, struct cb_buffer *buf)
{
	if (!buf->pages)
		return;
	unpin_user_pages_dirty_lock(buf->pages, buf->nr_pages,
				    buf->flags & CLIENTBUF_BUF_WRITE);
	cb_pin_unaccount(client, buf, buf->nr_pages);
	cb_user_uncharge(client->user, CB_UC_PINNED_PAGES, buf->nr_pages);
	cb_stat_add(CB_STAT_PINNED_PAGES, -(s64)buf->nr_pages);
	kvfree(buf->pages);
	buf->pages = NULL;
}
