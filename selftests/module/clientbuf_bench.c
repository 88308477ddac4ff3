// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_bench: the benchmark package tools/bench/ drives.
 *
 * It uses only the exported package API, as any package module would:
 *
 * - CBBENCH_OP_LOOP times copy_to_client_buffer() in a loop in the kernel,
 *   in the client's context or in a kthread, with ktime around the loop
 *   only (no ioctl entry, no allocation);
 * - /dev/clientbuf_bench lets a second process time the same loop from its
 *   own context (the registered-mm or the pinned path), or make one copy per
 *   ioctl from its own memory into the client, like process_vm_writev()
 *   and a write to /proc/PID/mem do. CBBENCH_COPY_DIRECT does that without
 *   a bounce copy: the caller's source pages are pinned for the call and
 *   mapped (kmap_local_page() for one page, vm_map_ram() for more), and
 *   copy_to_client_buffer() copies from that mapping straight into the
 *   client. CBBENCH_COPY_BOUNCE copies into a kernel buffer first;
 *   CBBENCH_COPY_FIXED copies from a source range the caller pinned and
 *   mapped once with CBBENCH_IOC_SRC_PIN (io_uring's fixed buffers).
 *   CBBENCH_IOC_COPYV makes many copies in one ioctl (the vectored call).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <clientbuf/secpkg.h>
#include "clientbuf_bench_abi.h"

/* Source pages mapped at once by CBBENCH_COPY_DIRECT (vm_map_ram's fast
 * per-cpu blocks take up to BITS_PER_LONG pages).
 */
#define CBB_CHUNK_PAGES	BITS_PER_LONG

/* cbb_lock protects cbb_slots and the allocation of cbb_src. */
static DEFINE_MUTEX(cbb_lock);
static struct clientbuf_request *cbb_slots[CBBENCH_MAX_HANDLES];
static u8 *cbb_src;	/* CBBENCH_MAX_LEN bytes of pattern, made on first use */

/**
 * struct cbb_file - an open /dev/clientbuf_bench
 * @lock: serialises the ioctls of this file
 * @req: the bound request (a reference), or NULL
 * @bounce: CBBENCH_COPY_BOUNCE buffer, or NULL
 * @bounce_len: its size
 * @src_addr: CBBENCH_IOC_SRC_PIN: start of the pinned source range
 * @src_len: its length, 0 if none
 * @src_pages: its pages, pinned
 * @src_nr: number of @src_pages
 * @src_map: the pages mapped contiguously (vmap())
 */
struct cbb_file {
	struct mutex lock;
	struct clientbuf_request *req;
	void *bounce;
	size_t bounce_len;
	unsigned long src_addr;
	unsigned long src_len;
	struct page **src_pages;
	unsigned long src_nr;
	u8 *src_map;
};

/**
 * struct cbb_loop - one timed loop
 * @req: the request
 * @addr: client destination
 * @len: bytes per copy
 * @iters: copies
 * @res: the outcome
 * @done: completed when a kthread finished the loop
 */
struct cbb_loop {
	struct clientbuf_request *req;
	unsigned long addr;
	u32 len;
	u32 iters;
	struct cbbench_result res;
	struct completion done;
};

static const u8 *cbb_source(void)
{
	u8 *p;
	u32 i;

	mutex_lock(&cbb_lock);
	p = cbb_src;
	if (!p) {
		p = vmalloc(CBBENCH_MAX_LEN);
		if (p) {
			for (i = 0; i < CBBENCH_MAX_LEN; i++)
				p[i] = (u8)(i * 131 + (i >> 12));
			cbb_src = p;
		}
	}
	mutex_unlock(&cbb_lock);
	return p;
}

/* Time l->iters copies from the pattern buffer in the current context. */
static void cbb_loop_run(struct cbb_loop *l)
{
	const u8 *src = cbb_source();
	void __user *dst = (void __user *)l->addr;
	ntstatus_t st = STATUS_SUCCESS;
	u32 i, n = l->iters ? l->iters : 1;
	u64 t0;

	if (!src) {
		l->res.status = (__force u32)STATUS_INSUFFICIENT_RESOURCES;
		return;
	}
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		st = copy_to_client_buffer(l->req, l->len, dst, src);
		if (st != STATUS_SUCCESS)
			break;
		if (!(current->flags & PF_KTHREAD) &&
		    fatal_signal_pending(current)) {
			st = STATUS_CANCELLED;
			break;
		}
		cond_resched();
	}
	l->res.ns = ktime_get_ns() - t0;
	l->res.status = (__force u32)st;
	l->res.done = i;
}

static int cbb_kthread_fn(void *data)
{
	struct cbb_loop *l = data;

	cbb_loop_run(l);
	complete(&l->done);
	return 0;
}

static ntstatus_t cbb_op_loop(struct clientbuf_request *req,
			      const struct cbbench_cmd *cmd)
{
	struct cbb_loop l = {
		.req = req, .addr = cmd->addr, .len = cmd->len,
		.iters = cmd->iters,
	};
	struct task_struct *t;

	if (!cmd->len || cmd->len > CBBENCH_MAX_LEN ||
	    cmd->ctx > CBBENCH_CTX_KTHREAD)
		return STATUS_INVALID_PARAMETER;
	if (cmd->ctx == CBBENCH_CTX_KTHREAD) {
		init_completion(&l.done);
		t = kthread_run(cbb_kthread_fn, &l, "cbbench");
		if (IS_ERR(t))
			return STATUS_INSUFFICIENT_RESOURCES;
		wait_for_completion(&l.done);
	} else {
		cbb_loop_run(&l);
	}
	if (cmd->result_addr)
		return copy_to_client_buffer(req, sizeof(l.res),
					     u64_to_user_ptr(cmd->result_addr),
					     &l.res);
	return (__force ntstatus_t)l.res.status;
}

static ntstatus_t cbb_hold(struct clientbuf_request *req, u32 handle)
{
	ntstatus_t st = STATUS_PENDING;

	if (handle >= CBBENCH_MAX_HANDLES)
		return STATUS_INVALID_PARAMETER;
	mutex_lock(&cbb_lock);
	if (cbb_slots[handle])
		st = STATUS_DEVICE_BUSY;
	else
		cbb_slots[handle] = clientbuf_request_get(req);
	mutex_unlock(&cbb_lock);
	return st;
}

static ntstatus_t cbb_call(struct clientbuf_request *req, const void *submit,
			   u32 submit_len, struct clientbuf_call_result *res)
{
	const struct cbbench_cmd *cmd = submit;

	if (submit_len < sizeof(*cmd))
		return STATUS_BUFFER_TOO_SMALL;
	if (cmd->reserved)
		return STATUS_INVALID_PARAMETER;
	switch (cmd->op) {
	case CBBENCH_OP_HOLD:
		return cbb_hold(req, cmd->handle);
	case CBBENCH_OP_LOOP:
		return cbb_op_loop(req, cmd);
	}
	return STATUS_INVALID_PARAMETER;
}

/* Take the request out of slot @handle (or out of any slot, for @req). */
static struct clientbuf_request *cbb_slot_take(u32 handle,
					       struct clientbuf_request *req)
{
	struct clientbuf_request *found = NULL;
	u32 i;

	mutex_lock(&cbb_lock);
	for (i = 0; i < CBBENCH_MAX_HANDLES; i++) {
		if (!cbb_slots[i] || (req ? cbb_slots[i] != req : i != handle))
			continue;
		found = cbb_slots[i];
		cbb_slots[i] = NULL;
		break;
	}
	mutex_unlock(&cbb_lock);
	return found;
}

/* The client closed its fd: finish the request we held for it. */
static void cbb_cancel(struct clientbuf_request *req)
{
	struct clientbuf_request *held = cbb_slot_take(0, req);

	if (!held)
		return;
	clientbuf_complete_request(held, STATUS_CANCELLED, STATUS_SUCCESS,
				   NULL, 0);
	clientbuf_request_put(held);
}

/* ---- /dev/clientbuf_bench ------------------------------------------------ */

static ntstatus_t cbb_copy_bounce(struct cbb_file *f, unsigned long dst,
				  unsigned long src, u32 len)
{
	if (f->bounce_len < len) {
		kvfree(f->bounce);
		f->bounce_len = 0;
		f->bounce = kvmalloc(max_t(size_t, len, PAGE_SIZE), GFP_KERNEL);
		if (!f->bounce)
			return STATUS_INSUFFICIENT_RESOURCES;
		f->bounce_len = max_t(size_t, len, PAGE_SIZE);
	}
	if (copy_from_user(f->bounce, (const void __user *)src, len))
		return STATUS_ACCESS_VIOLATION;
	return copy_to_client_buffer(f->req, len, (void __user *)dst,
				     f->bounce);
}

/*
 * No bounce: pin the caller's source pages for the call, map them and let
 * copy_to_client_buffer() copy from the mapping, so the bytes move once.
 */
static ntstatus_t cbb_copy_direct(struct cbb_file *f, unsigned long dst,
				  unsigned long src, u32 len)
{
	struct page *pages[CBB_CHUNK_PAGES];
	ntstatus_t st = STATUS_SUCCESS;

	while (len && st == STATUS_SUCCESS) {
		unsigned long start = src & PAGE_MASK;
		unsigned int off = offset_in_page(src);
		unsigned int nr = min_t(unsigned long, CBB_CHUNK_PAGES,
					DIV_ROUND_UP(off + (unsigned long)len,
						     PAGE_SIZE));
		u32 n = min_t(unsigned long, len,
			      ((unsigned long)nr << PAGE_SHIFT) - off);
		int got;
		u8 *p;

		got = pin_user_pages_fast(start, nr, 0, pages);
		if (got != nr) {
			if (got > 0)
				unpin_user_pages(pages, got);
			return got == -ENOMEM ? STATUS_INSUFFICIENT_RESOURCES :
			       STATUS_ACCESS_VIOLATION;
		}
		if (nr == 1) {
			p = kmap_local_page(pages[0]);
			st = copy_to_client_buffer(f->req, n,
						   (void __user *)dst, p + off);
			kunmap_local(p);
		} else {
			p = vm_map_ram(pages, nr, NUMA_NO_NODE);
			if (p) {
				st = copy_to_client_buffer(f->req, n,
							   (void __user *)dst,
							   p + off);
				vm_unmap_ram(p, nr);
			} else {
				st = STATUS_INSUFFICIENT_RESOURCES;
			}
		}
		unpin_user_pages(pages, nr);
		dst += n;
		src += n;
		len -= n;
	}
	return st;
}

/* From the source range pinned and mapped by CBBENCH_IOC_SRC_PIN. */
static ntstatus_t cbb_copy_fixed(struct cbb_file *f, unsigned long dst,
				 unsigned long src, u32 len)
{
	if (!f->src_len || src < f->src_addr ||
	    src - f->src_addr > f->src_len ||
	    len > f->src_len - (src - f->src_addr))
		return STATUS_ACCESS_VIOLATION;
	return copy_to_client_buffer(f->req, len, (void __user *)dst,
				     f->src_map + (src - (f->src_addr & PAGE_MASK)));
}

static long cbb_ioc_src_pin(struct cbb_file *f, struct cbbench_remote *r)
{
	unsigned long start = r->src & PAGE_MASK, end, nr;
	int got;

	if (f->src_len)
		return -EBUSY;
	if (!r->len || r->len > CBBENCH_MAX_LEN ||
	    check_add_overflow((unsigned long)r->src, (unsigned long)r->len,
			       &end))
		return -EINVAL;
	nr = (PAGE_ALIGN(end) - start) >> PAGE_SHIFT;
	f->src_pages = kvmalloc_array(nr, sizeof(*f->src_pages), GFP_KERNEL);
	if (!f->src_pages)
		return -ENOMEM;
	got = pin_user_pages_fast(start, nr, FOLL_LONGTERM, f->src_pages);
	if (got != nr) {
		if (got > 0)
			unpin_user_pages(f->src_pages, got);
		kvfree(f->src_pages);
		f->src_pages = NULL;
		return got < 0 ? got : -EFAULT;
	}
	f->src_map = vmap(f->src_pages, nr, VM_MAP, PAGE_KERNEL_RO);
	if (!f->src_map) {
		unpin_user_pages(f->src_pages, nr);
		kvfree(f->src_pages);
		f->src_pages = NULL;
		return -ENOMEM;
	}
	f->src_nr = nr;
	f->src_addr = r->src;
	f->src_len = r->len;
	return 0;
}

static ntstatus_t cbb_copy_one(struct cbb_file *f, u32 flags,
			       unsigned long dst, unsigned long src, u32 len)
{
	if (!len || len > CBBENCH_MAX_LEN || flags > CBBENCH_COPY_FIXED)
		return STATUS_INVALID_PARAMETER;
	switch (flags) {
	case CBBENCH_COPY_BOUNCE:
		return cbb_copy_bounce(f, dst, src, len);
	case CBBENCH_COPY_FIXED:
		return cbb_copy_fixed(f, dst, src, len);
	}
	return cbb_copy_direct(f, dst, src, len);
}

static long cbb_ioc_copyv(struct cbb_file *f, struct cbbench_vec *v)
{
	struct cbbench_seg segs[16];
	struct cbbench_seg __user *useg = u64_to_user_ptr(v->segs);
	ntstatus_t st = STATUS_SUCCESS;
	u32 i = 0, j, n;

	if (v->nr_segs > CBBENCH_MAX_SEGS || v->status || v->done)
		return -EINVAL;
	while (i < v->nr_segs && st == STATUS_SUCCESS) {
		n = min_t(u32, v->nr_segs - i, ARRAY_SIZE(segs));
		if (copy_from_user(segs, useg + i, n * sizeof(segs[0])))
			return -EFAULT;
		for (j = 0; j < n; j++, i++) {
			st = segs[j].reserved ? STATUS_INVALID_PARAMETER :
			     cbb_copy_one(f, v->flags, segs[j].addr,
					  segs[j].src, segs[j].len);
			if (st != STATUS_SUCCESS)
				break;
		}
	}
	v->status = (__force u32)st;
	v->done = i;
	return 0;
}

static long cbb_ioc_remote(struct cbb_file *f, unsigned int cmd,
			   struct cbbench_remote *r)
{
	struct clientbuf_request *req;
	struct cbb_loop l;

	switch (cmd) {
	case CBBENCH_IOC_BIND:
		if (f->req)
			return -EBUSY;
		if (r->handle >= CBBENCH_MAX_HANDLES)
			return -ENOENT;
		mutex_lock(&cbb_lock);
		req = cbb_slots[r->handle];
		if (req)
			f->req = clientbuf_request_get(req);
		mutex_unlock(&cbb_lock);
		return req ? 0 : -ENOENT;
	case CBBENCH_IOC_SRC_PIN:
		return cbb_ioc_src_pin(f, r);
	case CBBENCH_IOC_COMPLETE:
		req = cbb_slot_take(r->handle, NULL);
		if (!req)
			return -ENOENT;
		clientbuf_complete_request(req, STATUS_SUCCESS, STATUS_SUCCESS,
					   NULL, 0);
		clientbuf_request_put(req);
		return 0;
	}
	if (!f->req)
		return -ENOENT;
	if (cmd == CBBENCH_IOC_LOOP) {
		if (!r->len || r->len > CBBENCH_MAX_LEN)
			return -EINVAL;
		memset(&l, 0, sizeof(l));
		l.req = f->req;
		l.addr = r->addr;
		l.len = r->len;
		l.iters = r->iters;
		cbb_loop_run(&l);
		r->ns = l.res.ns;
		r->status = l.res.status;
		r->done = l.res.done;
		return 0;
	}
	/* CBBENCH_IOC_COPY */
	r->status = (__force u32)cbb_copy_one(f, r->flags, r->addr, r->src,
					      r->len);
	return 0;
}

static long cbb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct cbb_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct cbbench_remote r;
	struct cbbench_vec v;
	long ret;

	switch (cmd) {
	case CBBENCH_IOC_COPYV:
		if (copy_from_user(&v, uarg, sizeof(v)))
			return -EFAULT;
		mutex_lock(&f->lock);
		ret = f->req ? cbb_ioc_copyv(f, &v) : -ENOENT;
		mutex_unlock(&f->lock);
		if (!ret && copy_to_user(uarg, &v, sizeof(v)))
			ret = -EFAULT;
		return ret;
	case CBBENCH_IOC_BIND:
	case CBBENCH_IOC_LOOP:
	case CBBENCH_IOC_COPY:
	case CBBENCH_IOC_COMPLETE:
	case CBBENCH_IOC_SRC_PIN:
		break;
	default:
		return -ENOTTY;
	}
	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	mutex_lock(&f->lock);
	ret = cbb_ioc_remote(f, cmd, &r);
	mutex_unlock(&f->lock);
	if (ret)
		return ret;
	if (cmd == CBBENCH_IOC_COPY) {
		/* only the status goes back: keep the round trip lean */
		struct cbbench_remote __user *ur = uarg;

		return put_user(r.status, &ur->status) ? -EFAULT : 0;
	}
	if (cmd == CBBENCH_IOC_LOOP && copy_to_user(uarg, &r, sizeof(r)))
		return -EFAULT;
	return 0;
}

static int cbb_open(struct inode *inode, struct file *file)
{
	struct cbb_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	file->private_data = f;
	return 0;
}

static int cbb_release(struct inode *inode, struct file *file)
{
	struct cbb_file *f = file->private_data;

	clientbuf_request_put(f->req);
	if (f->src_len) {
		vunmap(f->src_map);
		unpin_user_pages(f->src_pages, f->src_nr);
		kvfree(f->src_pages);
	}
	kvfree(f->bounce);
	mutex_destroy(&f->lock);
	kfree(f);
	return 0;
}

static const struct file_operations cbb_fops = {
	.owner		= THIS_MODULE,
	.open		= cbb_open,
	.release	= cbb_release,
	.unlocked_ioctl	= cbb_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice cbb_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "clientbuf_bench",
	.fops	= &cbb_fops,
	.mode	= 0600,
};

static struct clientbuf_package cbb_package = {
	.name		= CBBENCH_PACKAGE,
	.owner		= THIS_MODULE,
	.call_package	= cbb_call,
	.cancel		= cbb_cancel,
};

static int __init cbb_init(void)
{
	int ret;

	ret = clientbuf_register_package(&cbb_package);
	if (ret)
		return ret;
	ret = misc_register(&cbb_miscdev);
	if (ret)
		clientbuf_unregister_package(&cbb_package);
	return ret;
}

static void __exit cbb_exit(void)
{
	unsigned int i;

	misc_deregister(&cbb_miscdev);
	clientbuf_unregister_package(&cbb_package);
	/* Held requests pin this module: none is left when exit runs. */
	for (i = 0; i < CBBENCH_MAX_HANDLES; i++)
		WARN_ON(cbb_slots[i]);
	vfree(cbb_src);
}

module_init(cbb_init);
module_exit(cbb_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("clientbuf benchmark package");
MODULE_INFO(test, "Y");
