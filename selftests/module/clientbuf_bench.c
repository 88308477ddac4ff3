// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_bench: the benchmark package tools/bench/ drives.
 *
 * It uses only the exported package API, as any package module would, and
 * sets beside each of its copies what a package author would write without
 * clientbuf, from the same context and of the same bytes:
 *
 * - in the caller's context, copy_to_client_buffer() against a bare
 *   copy_to_user() (CBBENCH_OP_COPY, one copy per CALL_PACKAGE ioctl, and
 *   CBBENCH_OP_LOOP, a timed loop inside one call);
 * - in a kthread or a workqueue item, copy_to_client_buffer() against
 *   kthread_use_mm() + copy_to_user() (what f_fs does) and against
 *   access_process_vm() (what /proc/PID/mem does inside);
 * - from another process (/dev/clientbuf_bench), copy_to_client_buffer()
 *   through a held request, one copy per ioctl (against process_vm_writev()
 *   and /proc/PID/mem in userspace) or in a timed loop (against
 *   access_process_vm() in the same loop);
 * - CBBENCH_OP_LOGON answers a logon in a block from
 *   allocate_client_buffer(), as a kernel package would.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <clientbuf/secpkg.h>
#include "clientbuf_bench_abi.h"

/* cbb_lock protects cbb_slots and the allocation of cbb_src. */
static DEFINE_MUTEX(cbb_lock);
static struct clientbuf_request *cbb_slots[CBBENCH_MAX_HANDLES];
static u8 *cbb_src;	/* CBBENCH_MAX_LEN bytes of pattern, made on first use */

/**
 * struct cbb_file - an open /dev/clientbuf_bench
 * @lock: serialises the ioctls of this file
 * @req: the bound request (a reference), or NULL
 * @task: the client's thread-group leader (a reference), or NULL
 */
struct cbb_file {
	struct mutex lock;		/* see @lock above */
	struct clientbuf_request *req;
	struct task_struct *task;
};

/**
 * struct cbb_loop - one timed loop
 * @req: the request (CBBENCH_METHOD_PKG)
 * @mm: the client's mm, a user reference (CBBENCH_METHOD_BARE outside the
 *	caller's context), or NULL
 * @task: the client task, a reference (CBBENCH_METHOD_APVM), or NULL
 * @method: enum cbbench_method
 * @addr: client destination
 * @len: bytes per copy
 * @iters: copies
 * @res: the outcome
 * @work: CBBENCH_CTX_WORKQUEUE item
 * @done: completed when a kthread or a work item finished the loop
 */
struct cbb_loop {
	struct clientbuf_request *req;
	struct mm_struct *mm;
	struct task_struct *task;
	u32 method;
	unsigned long addr;
	u32 len;
	u32 iters;
	struct cbbench_result res;
	struct work_struct work;
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
				p[i] = cbbench_pattern(i);
			cbb_src = p;
		}
	}
	mutex_unlock(&cbb_lock);
	return p;
}

/*
 * The bare copy_to_user() a package author would write without clientbuf;
 * a function of its own so that tools/bench/ can count its bytes with a
 * kprobe (copy_to_user() itself is inlined).
 */
static noinline unsigned long cbb_copy_user(void __user *dst, const void *src,
					    u32 len)
{
	return copy_to_user(dst, src, len);
}

/* One copy of @l on its method; returns an NTSTATUS. */
static ntstatus_t cbb_copy(struct cbb_loop *l, const u8 *src)
{
	void __user *dst = (void __user *)l->addr;
	unsigned long left;
	int n;

	switch (l->method) {
	case CBBENCH_METHOD_PKG:
		return copy_to_client_buffer(l->req, l->len, dst, src);
	case CBBENCH_METHOD_BARE:
		if (!l->mm)
			return cbb_copy_user(dst, src, l->len) ?
			       CB_STATUS_ACCESS_VIOLATION : CB_STATUS_SUCCESS;
		kthread_use_mm(l->mm);
		left = cbb_copy_user(dst, src, l->len);
		kthread_unuse_mm(l->mm);
		return left ? CB_STATUS_ACCESS_VIOLATION : CB_STATUS_SUCCESS;
	case CBBENCH_METHOD_APVM:
		n = access_process_vm(l->task, l->addr, (void *)src, l->len,
				      FOLL_WRITE);
		return n == l->len ? CB_STATUS_SUCCESS : CB_STATUS_ACCESS_VIOLATION;
	}
	return CB_STATUS_INVALID_PARAMETER;
}

/* Time l->iters copies from the pattern buffer in the current context. */
static void cbb_loop_run(struct cbb_loop *l)
{
	const u8 *src = cbb_source();
	ntstatus_t st = CB_STATUS_SUCCESS;
	u32 i, n = l->iters ? l->iters : 1;
	u64 t0;

	if (!src) {
		l->res.status = (__force u32)CB_STATUS_INSUFFICIENT_RESOURCES;
		return;
	}
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		st = cbb_copy(l, src);
		if (st != CB_STATUS_SUCCESS)
			break;
		if (!(current->flags & PF_KTHREAD) &&
		    fatal_signal_pending(current)) {
			st = CB_STATUS_CANCELLED;
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

static void cbb_work_fn(struct work_struct *work)
{
	struct cbb_loop *l = container_of(work, struct cbb_loop, work);

	cbb_loop_run(l);
	complete(&l->done);
}

/* Run @l in @ctx; the caller holds the references @l names. */
static ntstatus_t cbb_loop_in(struct cbb_loop *l, u32 ctx)
{
	struct task_struct *t;

	switch (ctx) {
	case CBBENCH_CTX_CALLER:
		cbb_loop_run(l);
		break;
	case CBBENCH_CTX_KTHREAD:
		init_completion(&l->done);
		t = kthread_run(cbb_kthread_fn, l, "cbbench");
		if (IS_ERR(t))
			return CB_STATUS_INSUFFICIENT_RESOURCES;
		wait_for_completion(&l->done);
		break;
	case CBBENCH_CTX_WORKQUEUE:
		init_completion(&l->done);
		INIT_WORK_ONSTACK(&l->work, cbb_work_fn);
		queue_work(system_unbound_wq, &l->work);
		wait_for_completion(&l->done);
		destroy_work_on_stack(&l->work);
		break;
	default:
		return CB_STATUS_INVALID_PARAMETER;
	}
	return (__force ntstatus_t)l->res.status;
}

static ntstatus_t cbb_op_loop(struct clientbuf_request *req,
			      const struct cbbench_cmd *cmd)
{
	struct cbb_loop l = {
		.req = req, .method = cmd->method, .addr = cmd->addr,
		.len = cmd->len, .iters = cmd->iters,
	};
	ntstatus_t st;

	if (!cmd->len || cmd->len > CBBENCH_MAX_LEN ||
	    cmd->ctx > CBBENCH_CTX_WORKQUEUE ||
	    cmd->method > CBBENCH_METHOD_APVM)
		return CB_STATUS_INVALID_PARAMETER;
	if (cmd->method == CBBENCH_METHOD_BARE &&
	    cmd->ctx != CBBENCH_CTX_CALLER) {
		l.mm = current->mm;
		mmget(l.mm);
	}
	if (cmd->method == CBBENCH_METHOD_APVM)
		l.task = get_task_struct(current->group_leader);
	st = cbb_loop_in(&l, cmd->ctx);
	if (l.mm)
		mmput(l.mm);
	if (l.task)
		put_task_struct(l.task);
	if (st == CB_STATUS_INSUFFICIENT_RESOURCES && !l.res.ns)
		return st;
	if (cmd->result_addr)
		return copy_to_client_buffer(req, sizeof(l.res),
					     u64_to_user_ptr(cmd->result_addr),
					     &l.res);
	return st;
}

static ntstatus_t cbb_op_copy(struct clientbuf_request *req,
			      const struct cbbench_cmd *cmd)
{
	struct cbb_loop l = {
		.req = req, .method = cmd->method, .addr = cmd->addr,
		.len = cmd->len,
	};
	const u8 *src = cbb_source();

	if (!cmd->len || cmd->len > CBBENCH_MAX_LEN ||
	    cmd->method > CBBENCH_METHOD_BARE)
		return CB_STATUS_INVALID_PARAMETER;
	if (!src)
		return CB_STATUS_INSUFFICIENT_RESOURCES;
	return cbb_copy(&l, src);
}

/* A logon answer: the token, then @len bytes, in one client block. */
static ntstatus_t cbb_op_logon(struct clientbuf_request *req,
			       const struct cbbench_cmd *cmd,
			       struct clientbuf_call_result *res)
{
	u8 token[CBBENCH_TOKEN_LEN];
	const u8 *src = cbb_source();
	void __user *block;
	ntstatus_t st;
	u32 i;

	if (cmd->len > CBBENCH_MAX_LEN - CBBENCH_TOKEN_LEN)
		return CB_STATUS_INVALID_PARAMETER;
	if (!src)
		return CB_STATUS_INSUFFICIENT_RESOURCES;
	for (i = 0; i < CBBENCH_TOKEN_LEN; i++)
		token[i] = cbbench_token(cmd->nonce, i);
	st = allocate_client_buffer(req, CBBENCH_TOKEN_LEN + cmd->len,
				    &block);
	if (st != CB_STATUS_SUCCESS)
		return st;
	st = copy_to_client_buffer(req, CBBENCH_TOKEN_LEN, block, token);
	if (st == CB_STATUS_SUCCESS && cmd->len)
		st = copy_to_client_buffer(req, cmd->len,
					   block + CBBENCH_TOKEN_LEN, src);
	if (st != CB_STATUS_SUCCESS) {
		free_client_buffer(req, block);
		return st;
	}
	res->return_buffer = block;
	res->return_length = CBBENCH_TOKEN_LEN + cmd->len;
	return CB_STATUS_SUCCESS;
}

static ntstatus_t cbb_hold(struct clientbuf_request *req, u32 handle)
{
	ntstatus_t st = CB_STATUS_PENDING;

	if (handle >= CBBENCH_MAX_HANDLES)
		return CB_STATUS_INVALID_PARAMETER;
	mutex_lock(&cbb_lock);
	if (cbb_slots[handle])
		st = CB_STATUS_DEVICE_BUSY;
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
		return CB_STATUS_BUFFER_TOO_SMALL;
	switch (cmd->op) {
	case CBBENCH_OP_HOLD:
		return cbb_hold(req, cmd->handle);
	case CBBENCH_OP_LOOP:
		return cbb_op_loop(req, cmd);
	case CBBENCH_OP_COPY:
		return cbb_op_copy(req, cmd);
	case CBBENCH_OP_LOGON:
		return cbb_op_logon(req, cmd, res);
	}
	return CB_STATUS_INVALID_PARAMETER;
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
	clientbuf_complete_request(held, CB_STATUS_CANCELLED, CB_STATUS_SUCCESS,
				   NULL, 0);
	clientbuf_request_put(held);
}

/* ---- /dev/clientbuf_bench ------------------------------------------------ */

static long cbb_ioc_bind(struct cbb_file *f, struct cbbench_remote *r)
{
	struct clientbuf_request *req;
	struct task_struct *task;
	struct pid *pid;

	if (f->req)
		return -EBUSY;
	if (r->handle >= CBBENCH_MAX_HANDLES)
		return -ENOENT;
	pid = find_get_pid(r->pid);
	task = pid ? get_pid_task(pid, PIDTYPE_TGID) : NULL;
	put_pid(pid);
	if (!task)
		return -ESRCH;
	mutex_lock(&cbb_lock);
	req = cbb_slots[r->handle];
	if (req)
		f->req = clientbuf_request_get(req);
	mutex_unlock(&cbb_lock);
	if (!req) {
		put_task_struct(task);
		return -ENOENT;
	}
	f->task = task;
	return 0;
}

static long cbb_ioc_remote(struct cbb_file *f, unsigned int cmd,
			   struct cbbench_remote *r)
{
	struct clientbuf_request *req;
	struct cbb_loop l;
	const u8 *src;

	switch (cmd) {
	case CBBENCH_IOC_BIND:
		return cbb_ioc_bind(f, r);
	case CBBENCH_IOC_COMPLETE:
		req = cbb_slot_take(r->handle, NULL);
		if (!req)
			return -ENOENT;
		clientbuf_complete_request(req, CB_STATUS_SUCCESS, CB_STATUS_SUCCESS,
					   NULL, 0);
		clientbuf_request_put(req);
		return 0;
	}
	if (!f->req)
		return -ENOENT;
	if (!r->len || r->len > CBBENCH_MAX_LEN)
		return -EINVAL;
	memset(&l, 0, sizeof(l));
	l.req = f->req;
	l.task = f->task;
	l.addr = r->addr;
	l.len = r->len;
	if (cmd == CBBENCH_IOC_COPY) {
		src = cbb_source();
		r->status = src ? (__force u32)cbb_copy(&l, src) :
			    (__force u32)CB_STATUS_INSUFFICIENT_RESOURCES;
		return 0;
	}
	/* CBBENCH_IOC_LOOP */
	if (r->method != CBBENCH_METHOD_PKG &&
	    r->method != CBBENCH_METHOD_APVM)
		return -EINVAL;
	l.method = r->method;
	l.iters = r->iters;
	cbb_loop_run(&l);
	r->ns = l.res.ns;
	r->status = l.res.status;
	r->done = l.res.done;
	return 0;
}

static long cbb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct cbb_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct cbbench_remote r;
	long ret;

	switch (cmd) {
	case CBBENCH_IOC_BIND:
	case CBBENCH_IOC_LOOP:
	case CBBENCH_IOC_COPY:
	case CBBENCH_IOC_COMPLETE:
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
		/* only the status goes back, as a syscall's return would */
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
	if (f->task)
		put_task_struct(f->task);
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
CLIENTBUF_IMPORT_NS();
MODULE_DESCRIPTION("clientbuf benchmark package");
MODULE_INFO(test, "Y");
