// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: pinned buffers - the fast path.
 *
 * A buffer registered with CLIENTBUF_BUF_PIN has its pages pinned once, at
 * registration (pin_user_pages_fast() with FOLL_LONGTERM, plus FOLL_WRITE
 * when packages may write), and charged to the client's RLIMIT_MEMLOCK with
 * account_locked_vm(), as io_uring does for fixed buffers. Every copy is then
 * kmap_local_page() + memcpy(): no page-table walk, no mmap_lock, the same
 * from any context.
 *
 * Only anonymous, shmem and hugetlb memory can be pinned: a long-term write
 * pin on a page-cache file page would bypass the file system's dirty
 * tracking (6.5+ refuses it in GUP; 6.1 does not, so the check is made here
 * for every kernel). If the client munmap()s a pinned range, the pages stay
 * pinned until the buffer is unregistered and receive the writes harmlessly;
 * the process no longer sees them.
 */
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "internal.h"

/* May these VMAs be pinned long-term? Called with mmap_lock held. */
static ntstatus_t cb_pin_check_vmas(struct mm_struct *mm, unsigned long start,
				    unsigned long end)
{
	struct vm_area_struct *vma;

	while (start < end) {
		vma = find_vma(mm, start);
		if (!vma || vma->vm_start > start)
			return STATUS_ACCESS_VIOLATION;
		if (!vma_is_anonymous(vma) && !is_vm_hugetlb_page(vma) &&
		    !(vma->vm_file && shmem_file(vma->vm_file)))
			return STATUS_NOT_SUPPORTED;
		start = vma->vm_end;
	}
	return STATUS_SUCCESS;
}

/**
 * cb_pin_buffer() - pin the pages of a buffer being registered
 * @client: the client; current is its owner
 * @buf: the buffer, not yet visible
 *
 * Return: STATUS_SUCCESS; STATUS_QUOTA_EXCEEDED past RLIMIT_MEMLOCK;
 * STATUS_ACCESS_VIOLATION for an unmapped page, or one without the access;
 * STATUS_NOT_SUPPORTED for memory other than anonymous, shmem or hugetlb;
 * STATUS_INSUFFICIENT_RESOURCES.
 */
ntstatus_t cb_pin_buffer(struct cb_client *client, struct cb_buffer *buf)
{
	unsigned long start = buf->addr & PAGE_MASK;
	unsigned long end = PAGE_ALIGN(buf->addr + buf->len);
	unsigned long nr = (end - start) >> PAGE_SHIFT, done = 0;
	unsigned int gup = FOLL_LONGTERM;
	ntstatus_t st;
	int ret;

	if (buf->flags & CLIENTBUF_BUF_WRITE)
		gup |= FOLL_WRITE;
	if (nr > INT_MAX)
		return STATUS_QUOTA_EXCEEDED;

	mmap_read_lock(client->mm);
	st = cb_pin_check_vmas(client->mm, start, end);
	mmap_read_unlock(client->mm);
	if (st != STATUS_SUCCESS)
		return st;

	if (account_locked_vm(client->mm, nr, true))
		return STATUS_QUOTA_EXCEEDED;
	buf->pages = kvmalloc_array(nr, sizeof(*buf->pages),
				    GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!buf->pages) {
		st = STATUS_INSUFFICIENT_RESOURCES;
		goto out_unaccount;
	}
	while (done < nr) {
		ret = pin_user_pages_fast(start + (done << PAGE_SHIFT),
					  nr - done, gup, buf->pages + done);
		if (ret <= 0) {
			st = ret == -ENOMEM ? STATUS_INSUFFICIENT_RESOURCES :
			     ret == -EOPNOTSUPP ? STATUS_NOT_SUPPORTED :
			     STATUS_ACCESS_VIOLATION;
			goto out_unpin;
		}
		done += ret;
	}
	buf->nr_pages = nr;
	cb_stat_add(CB_STAT_PINNED_PAGES, nr);
	return STATUS_SUCCESS;

out_unpin:
	unpin_user_pages(buf->pages, done);
	kvfree(buf->pages);
	buf->pages = NULL;
out_unaccount:
	account_locked_vm(client->mm, nr, false);
	return st;
}

/**
 * cb_unpin_buffer() - release the pages of a buffer that no copy uses
 * @client: the client
 * @buf: the buffer
 */
void cb_unpin_buffer(struct cb_client *client, struct cb_buffer *buf)
{
	if (!buf->pages)
		return;
	unpin_user_pages_dirty_lock(buf->pages, buf->nr_pages,
				    buf->flags & CLIENTBUF_BUF_WRITE);
	account_locked_vm(client->mm, buf->nr_pages, false);
	cb_stat_add(CB_STAT_PINNED_PAGES, -(s64)buf->nr_pages);
	kvfree(buf->pages);
	buf->pages = NULL;
}

/* One chunk within a pinned page; returns the bytes not copied. */
static unsigned long cb_copy_chunk(u8 *p, void *kbuf, void __user *ubuf,
				   unsigned int n, bool write)
{
	if (kbuf && write)
		memcpy(p, kbuf, n);
	else if (kbuf)
		memcpy(kbuf, p, n);
	else if (write)
		return __copy_from_user(p, ubuf, n);
	else
		return copy_to_user(ubuf, p, n);
	return 0;
}

/**
 * cb_copy_pinned() - copy to or from a pinned buffer
 * @buf: the pinned buffer, in use
 * @addr: client address, inside @buf
 * @kbuf: kernel buffer, or NULL to use @ubuf
 * @ubuf: the current process's memory (a package server's), if !@kbuf
 * @len: bytes
 * @write: copy into the client
 *
 * With @kbuf it cannot fail: the pages are pinned. With @ubuf the data
 * moves between the server's memory and the pinned pages with one
 * copy_{from,to}_user(), no bounce buffer; a fault in the server's memory
 * stops it. Copies into the client use __copy_from_user() after one
 * access_ok(): copy_from_user() would zero the rest of the chunk on a
 * fault, writing zeros into the client's memory past the bytes that
 * landed (or into a range reported as STATUS_ACCESS_VIOLATION).
 *
 * Return: bytes not copied.
 */
unsigned long cb_copy_pinned(struct cb_buffer *buf, unsigned long addr,
			     void *kbuf, void __user *ubuf, u32 len, bool write)
{
	unsigned long off = addr - (buf->addr & PAGE_MASK), left = 0;
	u32 done = 0;

	if (!kbuf && !access_ok(ubuf, len))
		return len;
	while (done < len) {
		struct page *page = buf->pages[off >> PAGE_SHIFT];
		unsigned int poff = offset_in_page(off);
		unsigned int n = min_t(unsigned long, len - done,
				       PAGE_SIZE - poff);
		u8 *p = kmap_local_page(page);

		/*
		 * data_race(): the pinned pages are the client's memory. Its
		 * own threads write them at will (unseen by KCSAN), and two
		 * requests may copy into the same bytes at once - a race on
		 * the client's data that the client made, like two threads
		 * write()ing into one buffer. None of the module's own state
		 * is in these pages; the bytes are all that is racy.
		 */
		left = data_race(cb_copy_chunk(p + poff,
					       kbuf ? kbuf + done : NULL,
					       ubuf ? ubuf + done : NULL, n,
					       write));
		kunmap_local(p);
		done += n - left;
		if (left)
			break;
		off += n;
	}
	return len - done;
}
