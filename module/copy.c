// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: the copy engine - CopyToClientBuffer and CopyFromClientBuffer.
 *
 * Which path a copy takes depends only on the context it runs in:
 *
 * - client context (current->mm is the client's mm): copy_to_user() /
 *   copy_from_user() on the current address space;
 * - kernel thread (a kthread or a workqueue worker, no mm of its own):
 *   kthread_use_mm() on the registered mm, then copy_to_user() - the write
 *   can only ever land in the registered mm;
 * - a pinned buffer (CLIENTBUF_BUF_PIN), from any context: kmap_local_page()
 *   + memcpy() on the pages pinned at registration (see pin.c);
 * - any other process (a package server, a test's second process):
 *   access_process_vm() on the client's thread-group leader under the
 *   exec guard: the leader's signal->exec_update_lock is held for read and
 *   task->mm is checked to be the registered mm, so execve() (which takes
 *   that lock for write before it swaps the mm) cannot put another program
 *   under the copy. Lock order: exec_update_lock -> teardown -> mmap_lock.
 *
 * Whatever the path, the whole range is checked first: it must lie in one
 * registered buffer that allows the direction, and every page must be
 * mapped with the needed protection. Never FOLL_FORCE: a read-only page is
 * refused, a writable MAP_PRIVATE file page is written copy-on-write.
 */
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>
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
 * @task: CB_PATH_REMOTE: the client's thread-group leader (a reference)
 */
struct cb_copy {
	struct cb_client *client;
	unsigned long addr;
	void *kbuf;
	void __user *ubuf;
	u32 len;
	bool write;
	enum cb_path path;
	struct task_struct *task;
};

static enum cb_path cb_copy_path(struct cb_client *client)
{
	if (current->mm == client->mm)
		return CB_PATH_LOCAL;
	if ((current->flags & PF_KTHREAD) && !current->mm)
		return CB_PATH_KTHREAD;
	return CB_PATH_REMOTE;
}

/**
 * cb_check_vmas() - is every page of the range mapped with the access?
 * @mm: the client's mm, with a user reference held
 * @addr: start
 * @len: length, non-zero, not wrapping
 * @write: the copy writes into the range
 *
 * Return: STATUS_SUCCESS or STATUS_ACCESS_VIOLATION.
 */
static ntstatus_t cb_check_vmas(struct mm_struct *mm, unsigned long addr,
				unsigned long len, bool write)
{
	unsigned long end = addr + len;
	vm_flags_t need = write ? VM_WRITE : VM_READ;
	struct vm_area_struct *vma;
	ntstatus_t st = STATUS_SUCCESS;

	mmap_read_lock(mm);
	while (addr < end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr ||
		    !(vma->vm_flags & need) ||
		    (vma->vm_flags & (VM_IO | VM_PFNMAP))) {
			st = STATUS_ACCESS_VIOLATION;
			break;
		}
		addr = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return st;
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
	unsigned long left;
	int done;

	switch (c->path) {
	case CB_PATH_LOCAL:
		return cb_copy_uaccess(c);
	case CB_PATH_KTHREAD:
		kthread_use_mm(mm);
		left = cb_copy_uaccess(c);
		kthread_unuse_mm(mm);
		return left;
	case CB_PATH_REMOTE:
		done = access_process_vm(c->task, c->addr, c->kbuf, c->len,
					 c->write ? FOLL_WRITE : 0);
		return done > 0 ? c->len - done : c->len;
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

/*
 * With the client's teardown lock held for read (and, on the remote path,
 * the exec guard): pin the mm, check the pages, copy.
 */
static ntstatus_t cb_copy_locked(struct cb_copy *c)
{
	struct cb_client *client = c->client;
	unsigned long left;
	ntstatus_t st;

	if (client->dead)
		return cb_client_exited(client) ?
		       STATUS_PROCESS_IS_TERMINATING : STATUS_INVALID_HANDLE;
	if (c->path == CB_PATH_REMOTE && c->task->mm != client->mm)
		return STATUS_PROCESS_IS_TERMINATING;
	if (!mmget_not_zero(client->mm))
		return STATUS_PROCESS_IS_TERMINATING;

	st = cb_check_vmas(client->mm, c->addr, c->len, c->write);
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
	else
		st = STATUS_ACCESS_VIOLATION;
out_mm:
	mmput(client->mm);
	return st;
}

/* The remote path: take the exec guard around cb_copy_locked(). */
static ntstatus_t cb_copy_remote(struct cb_copy *c)
{
	struct rw_semaphore *exec_lock;
	ntstatus_t st;

	c->task = get_pid_task(c->client->tgid, PIDTYPE_TGID);
	if (!c->task)
		return STATUS_PROCESS_IS_TERMINATING;
	exec_lock = &c->task->signal->exec_update_lock;
	if (down_read_killable(exec_lock)) {
		st = STATUS_CANCELLED;
		goto out;
	}
	down_read(&c->client->teardown);
	st = cb_copy_locked(c);
	up_read(&c->client->teardown);
	up_read(exec_lock);
out:
	put_task_struct(c->task);
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
	st = cb_check_vmas(c->client->mm, c->addr, c->len, c->write);
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
	if (b.path == CB_PATH_REMOTE) {
		st = cb_copy_remote(&b);
	} else {
		down_read(&b.client->teardown);
		st = cb_copy_locked(&b);
		up_read(&b.client->teardown);
	}
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
	if (c.path == CB_PATH_PINNED) {
		st = cb_copy_pin(&c, buf);
	} else if (ubuf) {
		st = cb_copy_bounce(&c);
	} else if (c.path == CB_PATH_REMOTE) {
		st = cb_copy_remote(&c);
	} else {
		down_read(&c.client->teardown);
		st = cb_copy_locked(&c);
		up_read(&c.client->teardown);
	}
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
 * client exited or exec()ed); STATUS_CANCELLED (fatal signal while waiting
 * for the exec guard).
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
