// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_test: the test package the clientbuf selftests drive.
 *
 * It registers the package "clientbuf_test" through the exported API, as
 * any package module would, and runs the operation a struct cbtest_cmd asks
 * for in the context it names (the caller, a work item, a kthread). The
 * device /dev/clientbuf_test lets a second process, or a delayed work item,
 * act on a request the package holds (the registered-mm path).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <clientbuf/secpkg.h>
#include "clientbuf_test_abi.h"

/**
 * struct cbt_op - one operation and its outcome
 * @req: the request
 * @op: enum cbtest_op
 * @addr: client address
 * @len: length
 * @seed: pattern seed
 * @flags: CBTEST_F_*
 * @status: NTSTATUS of the operation
 * @result: what the package answers
 */
struct cbt_op {
	struct clientbuf_request *req;
	u32 op;
	unsigned long addr;
	u32 len;
	u32 seed;
	u32 flags;
	ntstatus_t status;
	struct clientbuf_call_result result;
};

/**
 * struct cbt_slot - a held request
 * @req: the request, with a reference, or NULL
 * @work: a queued operation, or NULL
 */
struct cbt_slot {
	struct clientbuf_request *req;
	struct cbt_work *work;
};

/**
 * struct cbt_work - an operation run by a (delayed) work item or kthread
 * @dwork: the work item
 * @op: the operation; op.req holds a reference
 * @iterations: times to run it, stopping at the first failure
 * @done_ok: successful runs
 * @fail_nth: CBTEST_F_FAIL_NTH: the caller's fail-nth count, taken over
 *	by the work item and handed back when it is done
 * @done: completed when the work item finished
 */
struct cbt_work {
	struct delayed_work dwork;
	struct cbt_op op;
	u32 iterations;
	u32 done_ok;
	unsigned int fail_nth;
	struct completion done;
};

/**
 * struct cbt_defer - CBTEST_OP_DEFER: a call a work item completes
 * @dwork: the work item, on cbt_ordered_wq (drained at module exit)
 * @req: the request, without a reference of the package's: the client's
 *	pending list keeps a running request alive
 * @status: the status to complete it with
 */
struct cbt_defer {
	struct delayed_work dwork;
	struct clientbuf_request *req;
	ntstatus_t status;
};

static struct clientbuf_package cbt_package;

/* One worker for every client's CBTEST_CTX_ORDERED operations. */
static struct workqueue_struct *cbt_ordered_wq;

/* cbt_lock protects cbt_slots and cbt_last. */
static DEFINE_MUTEX(cbt_lock);
static struct cbt_slot cbt_slots[CBTEST_MAX_HANDLES];
static struct clientbuf_request *cbt_last;	/* a finished request */

#ifdef CONFIG_FAULT_INJECTION
/*
 * Take the current task's fail-nth count away (it is 0 until handed back):
 * the package's own allocations are not fault sites of clientbuf, and
 * CBTEST_F_FAIL_NTH moves the count into a work item or kthread.
 */
static unsigned int cbt_nth_take(void)
{
	unsigned int nth = READ_ONCE(current->fail_nth);

	WRITE_ONCE(current->fail_nth, 0);
	return nth;
}

static void cbt_nth_give(unsigned int nth)
{
	WRITE_ONCE(current->fail_nth, nth);
}
#else
static unsigned int cbt_nth_take(void)
{
	return 0;
}

static void cbt_nth_give(unsigned int nth)
{
}
#endif

/* An allocation of the package itself: never a fault site. */
static void *cbt_kvmalloc(size_t len)
{
	unsigned int nth = cbt_nth_take();
	void *p = kvmalloc(len, GFP_KERNEL | __GFP_NOWARN);

	cbt_nth_give(nth);
	return p;
}

static void cbt_fill(u8 *p, u32 len, u32 seed)
{
	u32 i;

	for (i = 0; i < len; i++)
		p[i] = cbtest_pattern(seed, i);
}

static bool cbt_check(const u8 *p, u32 len, u32 seed)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (p[i] != cbtest_pattern(seed, i))
			return false;
	return true;
}

static const struct clientbuf_functions *cbt_fn(struct cbt_op *o)
{
	static const struct clientbuf_functions direct = {
		.allocate_client_buffer	 = allocate_client_buffer,
		.free_client_buffer	 = free_client_buffer,
		.copy_to_client_buffer	 = copy_to_client_buffer,
		.copy_from_client_buffer = copy_from_client_buffer,
		.get_client_info	 = get_client_info,
		.complete_request	 = clientbuf_complete_request,
	};

	return o->flags & CBTEST_F_TABLE ? cbt_package.functions : &direct;
}

static void cbt_op_copy(struct cbt_op *o, struct clientbuf_request *req)
{
	const struct clientbuf_functions *fn = cbt_fn(o);
	void __user *uaddr = (void __user *)o->addr;
	u8 *kbuf = NULL;

	if (o->len && !(o->flags & CBTEST_F_NULL_BUFFER)) {
		kbuf = cbt_kvmalloc(o->len);
		if (!kbuf) {
			o->status = CB_STATUS_INSUFFICIENT_RESOURCES;
			return;
		}
	}
	if (o->op == CBTEST_OP_COPY_TO) {
		if (kbuf)
			cbt_fill(kbuf, o->len, o->seed);
		o->status = fn->copy_to_client_buffer(req, o->len, uaddr, kbuf);
	} else {
		o->status = fn->copy_from_client_buffer(req, o->len, kbuf,
							uaddr);
		if (o->status == CB_STATUS_SUCCESS)
			o->result.protocol_status =
				kbuf && !cbt_check(kbuf, o->len, o->seed) ?
				CB_STATUS_UNSUCCESSFUL : CB_STATUS_SUCCESS;
	}
	kvfree(kbuf);
}

static void cbt_op_alloc_copy(struct cbt_op *o, struct clientbuf_request *req,
			      const void *data, u32 len)
{
	const struct clientbuf_functions *fn = cbt_fn(o);
	void __user *block;

	o->status = fn->allocate_client_buffer(req, len, &block);
	if (o->status != CB_STATUS_SUCCESS)
		return;
	o->status = fn->copy_to_client_buffer(req, len, block, data);
	if (o->status != CB_STATUS_SUCCESS) {
		fn->free_client_buffer(req, block);
		return;
	}
	o->result.return_buffer = block;
	o->result.return_length = len;
}

static void cbt_op_info(struct cbt_op *o, struct clientbuf_request *req)
{
	struct clientbuf_client_info info;
	struct cbtest_client_info out = {};

	o->status = cbt_fn(o)->get_client_info(req, &info);
	if (o->status != CB_STATUS_SUCCESS)
		return;
	out.pid = info.pid;
	out.tgid = info.tgid;
	out.uid = info.uid;
	out.gid = info.gid;
	out.flags = info.flags;
	cbt_op_alloc_copy(o, req, &out, sizeof(out));
}

static void cbt_op_alloc_pattern(struct cbt_op *o,
				 struct clientbuf_request *req)
{
	u8 *kbuf = cbt_kvmalloc(o->len ? o->len : 1);

	if (!kbuf) {
		o->status = CB_STATUS_INSUFFICIENT_RESOURCES;
		return;
	}
	cbt_fill(kbuf, o->len, o->seed);
	cbt_op_alloc_copy(o, req, kbuf, o->len);
	kvfree(kbuf);
}

/* Which entries of the package's function table are not the exports. */
static void cbt_op_table(struct cbt_op *o, struct clientbuf_request *req)
{
	const struct clientbuf_functions *fn = cbt_package.functions;
	u32 mask = 0;

	if (fn->allocate_client_buffer != allocate_client_buffer)
		mask |= CBTEST_TABLE_ALLOCATE;
	if (fn->free_client_buffer != free_client_buffer)
		mask |= CBTEST_TABLE_FREE;
	if (fn->copy_to_client_buffer != copy_to_client_buffer)
		mask |= CBTEST_TABLE_COPY_TO;
	if (fn->copy_from_client_buffer != copy_from_client_buffer)
		mask |= CBTEST_TABLE_COPY_FROM;
	if (fn->get_client_info != get_client_info)
		mask |= CBTEST_TABLE_INFO;
	if (fn->complete_request != clientbuf_complete_request)
		mask |= CBTEST_TABLE_COMPLETE;
	cbt_op_alloc_copy(o, req, &mask, sizeof(mask));
}

/* Run @o in the current context. */
static void cbt_run(struct cbt_op *o)
{
	const struct clientbuf_functions *fn = cbt_fn(o);
	struct clientbuf_request *req = o->req;
	void __user *block;

	if (o->flags & CBTEST_F_NULL_REQUEST)
		req = NULL;
	if (o->flags & CBTEST_F_STALE_REQUEST) {
		mutex_lock(&cbt_lock);
		req = cbt_last ? clientbuf_request_get(cbt_last) : NULL;
		mutex_unlock(&cbt_lock);
		if (!req) {
			o->status = CB_STATUS_UNSUCCESSFUL;
			return;
		}
	}

	switch (o->op) {
	case CBTEST_OP_COPY_TO:
	case CBTEST_OP_COPY_FROM:
		cbt_op_copy(o, req);
		break;
	case CBTEST_OP_ALLOC:
		o->status = fn->allocate_client_buffer(req, o->len, &block);
		if (o->status == CB_STATUS_SUCCESS) {
			o->result.return_buffer = block;
			o->result.return_length = o->len;
		}
		break;
	case CBTEST_OP_FREE:
		o->status = fn->free_client_buffer(req,
						   (void __user *)o->addr);
		break;
	case CBTEST_OP_INFO:
		cbt_op_info(o, req);
		break;
	case CBTEST_OP_ALLOC_COPY:
		cbt_op_alloc_pattern(o, req);
		break;
	case CBTEST_OP_TABLE:
		cbt_op_table(o, req);
		break;
	default:
		o->status = CB_STATUS_INVALID_PARAMETER;
	}
	if (o->flags & CBTEST_F_STALE_REQUEST)
		clientbuf_request_put(req);
}

static void cbt_work_fn(struct work_struct *work)
{
	struct cbt_work *w = container_of(to_delayed_work(work),
					  struct cbt_work, dwork);
	u32 i, n = w->iterations ? w->iterations : 1;

	cbt_nth_give(w->fail_nth);
	for (i = 0; i < n; i++) {
		cbt_run(&w->op);
		if (w->op.status != CB_STATUS_SUCCESS)
			break;
		w->done_ok++;
	}
	/* (a worker thread must not keep a count for the next work item) */
	w->fail_nth = cbt_nth_take();
	complete(&w->done);
}

static int cbt_kthread_fn(void *data)
{
	cbt_work_fn(&((struct cbt_work *)data)->dwork.work);
	return 0;
}

/* Run @o in the context @ctx names and wait for it. */
static void cbt_run_in(struct cbt_op *o, u32 ctx)
{
	struct cbt_work *w;
	struct task_struct *t;
	unsigned int nth;

	if (ctx == CBTEST_CTX_CALLER) {
		cbt_run(o);
		return;
	}
	/* The package's own allocations (and kthreadd's) are not counted. */
	nth = cbt_nth_take();
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w) {
		cbt_nth_give(nth);
		o->status = CB_STATUS_INSUFFICIENT_RESOURCES;
		return;
	}
	w->op = *o;
	if (o->flags & CBTEST_F_FAIL_NTH) {
		w->fail_nth = nth;
		nth = 0;
	}
	init_completion(&w->done);
	INIT_DELAYED_WORK(&w->dwork, cbt_work_fn);
	if (ctx == CBTEST_CTX_WORKQUEUE) {
		queue_delayed_work(system_unbound_wq, &w->dwork, 0);
	} else if (ctx == CBTEST_CTX_ORDERED) {
		queue_delayed_work(cbt_ordered_wq, &w->dwork, 0);
	} else {
		t = kthread_run(cbt_kthread_fn, w, "cbtest");
		if (IS_ERR(t)) {
			cbt_nth_give(nth + w->fail_nth);
			kfree(w);
			o->status = CB_STATUS_INSUFFICIENT_RESOURCES;
			return;
		}
	}
	wait_for_completion(&w->done);
	/* What the work item left of the count (0: its fault fired). */
	cbt_nth_give((o->flags & CBTEST_F_FAIL_NTH) ? w->fail_nth : nth);
	*o = w->op;
	kfree(w);
}

static ntstatus_t cbt_hold(struct clientbuf_request *req, u32 handle)
{
	ntstatus_t st = CB_STATUS_PENDING;

	if (handle >= CBTEST_MAX_HANDLES)
		return CB_STATUS_INVALID_PARAMETER;
	mutex_lock(&cbt_lock);
	if (cbt_slots[handle].req)
		st = CB_STATUS_DEVICE_BUSY;
	else
		cbt_slots[handle].req = clientbuf_request_get(req);
	mutex_unlock(&cbt_lock);
	return st;
}

static void cbt_remember(struct clientbuf_request *req)
{
	struct clientbuf_request *old;

	mutex_lock(&cbt_lock);
	old = cbt_last;
	cbt_last = clientbuf_request_get(req);
	mutex_unlock(&cbt_lock);
	clientbuf_request_put(old);
}

static void cbt_defer_fn(struct work_struct *work)
{
	struct cbt_defer *d = container_of(to_delayed_work(work),
					   struct cbt_defer, dwork);
	struct clientbuf_request *req = d->req;
	ntstatus_t st = d->status;

	kfree(d);
	/* The request is not touched after this. */
	clientbuf_complete_request(req, st, CB_STATUS_SUCCESS, NULL, 0);
}

/*
 * PENDING without clientbuf_request_get(): the caller's ioctl drops its
 * reference when it returns, before the work item completes the call.
 */
static ntstatus_t cbt_defer(struct clientbuf_request *req,
			    const struct cbtest_cmd *cmd)
{
	struct cbt_defer *d;
	unsigned int nth;

	if (cmd->seed == CLIENTBUF_STATUS_PENDING ||
	    cmd->len > CBTEST_DEFER_MAX_MS)
		return CB_STATUS_INVALID_PARAMETER;
	nth = cbt_nth_take();
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	cbt_nth_give(nth);
	if (!d)
		return CB_STATUS_INSUFFICIENT_RESOURCES;
	d->req = req;
	d->status = (__force ntstatus_t)cmd->seed;
	INIT_DELAYED_WORK(&d->dwork, cbt_defer_fn);
	queue_delayed_work(cbt_ordered_wq, &d->dwork,
			   msecs_to_jiffies(cmd->len));
	return CB_STATUS_PENDING;
}

static ntstatus_t cbt_call(struct clientbuf_request *req, const void *submit,
			   u32 submit_len, struct clientbuf_call_result *res)
{
	const struct cbtest_cmd *cmd = submit;
	struct cbt_op o = { .req = req };

	if (submit_len < sizeof(*cmd))
		return CB_STATUS_BUFFER_TOO_SMALL;
	if (cmd->reserved || cmd->reserved2 || cmd->ctx > CBTEST_CTX_MAX ||
	    cmd->len > CBTEST_MAX_LEN)
		return CB_STATUS_INVALID_PARAMETER;

	/* (not remembered: no reference of the package's may keep it) */
	if (cmd->op == CBTEST_OP_DEFER)
		return cbt_defer(req, cmd);
	if (!(cmd->flags & CBTEST_F_STALE_REQUEST))
		cbt_remember(req);
	switch (cmd->op) {
	case CBTEST_OP_NOP:
		return CB_STATUS_SUCCESS;
	case CBTEST_OP_STATUS:
		/* PENDING without keeping the request would never complete */
		if (cmd->seed == CLIENTBUF_STATUS_PENDING)
			return CB_STATUS_INVALID_PARAMETER;
		return (__force ntstatus_t)cmd->seed;
	case CBTEST_OP_HOLD:
		return cbt_hold(req, cmd->handle);
	}
	o.op = cmd->op;
	o.addr = cmd->addr;
	o.len = cmd->len;
	o.seed = cmd->seed;
	o.flags = cmd->flags;
	cbt_run_in(&o, cmd->ctx);
	*res = o.result;
	return o.status;
}

/* Take a reference to the request held in @handle. */
static struct clientbuf_request *cbt_slot_get(u32 handle)
{
	struct clientbuf_request *req = NULL;

	if (handle >= CBTEST_MAX_HANDLES)
		return NULL;
	mutex_lock(&cbt_lock);
	if (cbt_slots[handle].req)
		req = clientbuf_request_get(cbt_slots[handle].req);
	mutex_unlock(&cbt_lock);
	return req;
}

static void cbt_remote_to_op(const struct cbtest_remote *r, struct cbt_op *o,
			     struct clientbuf_request *req)
{
	memset(o, 0, sizeof(*o));
	o->req = req;
	o->op = r->op;
	o->addr = r->addr;
	o->len = r->len;
	o->seed = r->seed;
	o->flags = r->flags;
}

static long cbt_ioc_copy(struct cbtest_remote *r)
{
	struct clientbuf_request *req;
	struct cbt_op o;

	if (r->len > CBTEST_MAX_LEN)
		return -EINVAL;
	req = cbt_slot_get(r->handle);
	if (!req)
		return -ENOENT;
	cbt_remote_to_op(r, &o, req);
	cbt_run(&o);
	clientbuf_request_put(req);
	r->status = (__force u32)o.status;
	r->protocol_status = (__force u32)o.result.protocol_status;
	r->result_addr = (unsigned long)o.result.return_buffer;
	return 0;
}

static long cbt_ioc_queue(struct cbtest_remote *r)
{
	struct clientbuf_request *req;
	struct cbt_work *w;
	long ret = 0;

	if (r->len > CBTEST_MAX_LEN)
		return -EINVAL;
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	mutex_lock(&cbt_lock);
	req = r->handle < CBTEST_MAX_HANDLES ? cbt_slots[r->handle].req : NULL;
	if (!req || cbt_slots[r->handle].work) {
		ret = req ? -EBUSY : -ENOENT;
		kfree(w);
		goto out;
	}
	cbt_remote_to_op(r, &w->op, clientbuf_request_get(req));
	w->iterations = r->iterations;
	init_completion(&w->done);
	INIT_DELAYED_WORK(&w->dwork, cbt_work_fn);
	cbt_slots[r->handle].work = w;
	queue_delayed_work(system_unbound_wq, &w->dwork,
			   msecs_to_jiffies(r->delay_ms));
out:
	mutex_unlock(&cbt_lock);
	return ret;
}

static long cbt_ioc_result(struct cbtest_remote *r)
{
	struct cbt_work *w;

	if (r->handle >= CBTEST_MAX_HANDLES)
		return -ENOENT;
	mutex_lock(&cbt_lock);
	w = cbt_slots[r->handle].work;
	cbt_slots[r->handle].work = NULL;
	mutex_unlock(&cbt_lock);
	if (!w)
		return -ENOENT;
	wait_for_completion(&w->done);
	r->status = (__force u32)w->op.status;
	r->done = w->done_ok;
	clientbuf_request_put(w->op.req);
	kfree(w);
	return 0;
}

static long cbt_ioc_complete(struct cbtest_remote *r)
{
	const struct clientbuf_functions *fn;
	struct clientbuf_request *req = NULL;
	ntstatus_t st = (__force ntstatus_t)r->seed;
	void __user *ret = (void __user *)(unsigned long)r->addr;

	if (r->handle >= CBTEST_MAX_HANDLES)
		return -ENOENT;
	mutex_lock(&cbt_lock);
	if (!cbt_slots[r->handle].work) {
		req = cbt_slots[r->handle].req;
		cbt_slots[r->handle].req = NULL;
	}
	mutex_unlock(&cbt_lock);
	if (!req)
		return -ENOENT;
	if (r->flags & CBTEST_F_TABLE) {
		fn = cbt_package.functions;
		fn->complete_request(req, st, CB_STATUS_SUCCESS, ret, r->len);
	} else {
		clientbuf_complete_request(req, st, CB_STATUS_SUCCESS, ret,
					   r->len);
	}
	clientbuf_request_put(req);
	return 0;
}

static long cbt_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct cbtest_remote r;
	long ret;

	if (copy_from_user(&r, (void __user *)arg, sizeof(r)))
		return -EFAULT;
	switch (cmd) {
	case CBTEST_IOC_COPY:
		ret = cbt_ioc_copy(&r);
		break;
	case CBTEST_IOC_QUEUE:
		return cbt_ioc_queue(&r);
	case CBTEST_IOC_RESULT:
		ret = cbt_ioc_result(&r);
		break;
	case CBTEST_IOC_COMPLETE:
		return cbt_ioc_complete(&r);
	default:
		return -ENOTTY;
	}
	if (!ret && copy_to_user((void __user *)arg, &r, sizeof(r)))
		ret = -EFAULT;
	return ret;
}

static const struct file_operations cbt_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= cbt_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice cbt_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "clientbuf_test",
	.fops	= &cbt_fops,
	.mode	= 0600,
};

static struct clientbuf_package cbt_package = {
	.name		= CBTEST_PACKAGE,
	.owner		= THIS_MODULE,
	.call_package	= cbt_call,
};

static int __init cbt_init(void)
{
	int ret;

	cbt_ordered_wq = alloc_ordered_workqueue("cbtest_ordered", 0);
	if (!cbt_ordered_wq)
		return -ENOMEM;
	ret = clientbuf_register_package(&cbt_package);
	if (ret)
		goto out_wq;
	ret = misc_register(&cbt_miscdev);
	if (ret)
		goto out_pkg;
	return 0;

out_pkg:
	clientbuf_unregister_package(&cbt_package);
out_wq:
	destroy_workqueue(cbt_ordered_wq);
	return ret;
}

static void __exit cbt_exit(void)
{
	unsigned int i;

	misc_deregister(&cbt_miscdev);
	clientbuf_unregister_package(&cbt_package);
	/* Held requests pin this module: none is left when exit runs. */
	for (i = 0; i < CBTEST_MAX_HANDLES; i++)
		WARN_ON(cbt_slots[i].req || cbt_slots[i].work);
	clientbuf_request_put(cbt_last);
	destroy_workqueue(cbt_ordered_wq);
}

module_init(cbt_init);
module_exit(cbt_exit);

MODULE_LICENSE("GPL");
CLIENTBUF_IMPORT_NS();
MODULE_DESCRIPTION("clientbuf test package for the selftests");
MODULE_INFO(test, "Y");
