// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: userspace package servers (the lsass model).
 *
 * A privileged process (CAP_SYS_ADMIN) turns its fd into the server of a
 * package name with CLIENTBUF_IOC_SERVE. A call to that package becomes a
 * struct cb_server_call queued on the server; the server read()s it (header
 * and submit bytes), acts on the client's buffers with
 * CLIENTBUF_IOC_SERVER_OP - the copies run in the server's process context,
 * so through the registered-mm path - and completes it. The shape is that of
 * seccomp user notification: records read from an fd, answered by ioctl with
 * an id that is checked for staleness.
 *
 * Lifetime: struct cb_server has a reference for the serving fd and one for
 * each request made to it (taken by cb_package_get()), so ->cancel() and the
 * final put of a request can always reach it.
 *
 * The package is the serving process's: it goes away (unregistered, every
 * call not completed failed with STATUS_PORT_DISCONNECTED) when that
 * process exits or execs, or when the fd is closed, whichever comes first.
 * A forked child or the program after execve() may still hold the fd, but
 * can never use it (the owner check), so waiting for the last close would
 * leave the package registered and its calls queued for nobody. A module
 * cannot hook exit or exec; it can watch the address space that makes the
 * serving process: an mmu_notifier on the server's mm, whose ->release()
 * runs from exit_mmap() when the last thread of the process exits and, at
 * execve(), when the old mm is dropped - the moment the process stops
 * being the server, with nothing polled. (seccomp's listener, by contrast,
 * lives until its last close; its supervisor usually owns it alone.)
 */
#include <linux/mmu_notifier.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include "internal.h"

/**
 * struct cb_server - a package served from userspace
 * @pkg: the package, registered under @name
 * @name: the package name
 * @ref: one for the serving fd, one per request made to the package
 * @lock: protects @queue, @active, @next_call_id and @dead
 * @queue: calls not yet read
 * @active: calls read but not completed
 * @next_call_id: last call id handed out
 * @dead: disconnected: the serving process exited or exec()ed, or the
 *	fd was closed; no call is queued any more
 * @wait: woken when a call is queued
 * @mn: watches the serving process's mm (see the top of this file)
 */
struct cb_server {
	struct clientbuf_package pkg;
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct kref ref;
	spinlock_t lock;
	struct list_head queue;
	struct list_head active;
	u64 next_call_id;
	bool dead;
	wait_queue_head_t wait;
	struct mmu_notifier mn;
};

/**
 * struct cb_server_call - one call on its way through a server
 * @node: in the server's queue, then its active list
 * @id: the call id the server knows it by
 * @req: the request (a reference)
 * @submit_len: bytes in @submit
 * @submit: copy of the client's submit buffer
 */
struct cb_server_call {
	struct list_head node;
	u64 id;
	struct clientbuf_request *req;
	u32 submit_len;
	u8 submit[];
};

static struct cb_server *cb_pkg_server(struct clientbuf_package *pkg)
{
	return container_of(pkg, struct cb_server, pkg);
}

static void cb_server_free(struct kref *ref)
{
	kfree(container_of(ref, struct cb_server, ref));
}

static void cb_server_call_finish(struct cb_server_call *call,
				  ntstatus_t status, ntstatus_t protocol,
				  void __user *ret, u32 ret_len)
{
	clientbuf_complete_request(call->req, status, protocol, ret, ret_len);
	clientbuf_request_put(call->req);
	kfree(call);
}

static ntstatus_t cb_server_call_package(struct clientbuf_request *req,
					 const void *submit, u32 submit_len,
					 struct clientbuf_call_result *res)
{
	struct cb_server *srv = cb_pkg_server(req->package);
	struct cb_server_call *call;

	call = kmalloc(struct_size(call, submit, submit_len),
		       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!call)
		return STATUS_INSUFFICIENT_RESOURCES;
	call->req = clientbuf_request_get(req);
	call->submit_len = submit_len;
	memcpy(call->submit, submit, submit_len);

	spin_lock(&srv->lock);
	if (srv->dead) {
		spin_unlock(&srv->lock);
		clientbuf_request_put(req);
		kfree(call);
		return STATUS_PORT_DISCONNECTED;
	}
	call->id = ++srv->next_call_id;
	list_add_tail(&call->node, &srv->queue);
	spin_unlock(&srv->lock);
	wake_up_interruptible(&srv->wait);
	return STATUS_PENDING;
}

/* The client went away: drop its call if the server has not read it. */
static void cb_server_cancel(struct clientbuf_request *req)
{
	struct cb_server *srv = cb_pkg_server(req->package);
	struct cb_server_call *call, *found = NULL;

	spin_lock(&srv->lock);
	list_for_each_entry(call, &srv->queue, node) {
		if (call->req == req) {
			list_del(&call->node);
			found = call;
			break;
		}
	}
	spin_unlock(&srv->lock);
	if (found)
		cb_server_call_finish(found, STATUS_CANCELLED, STATUS_SUCCESS,
				      NULL, 0);
}

/* ->server_get/->server_put: a request to the package keeps the server. */
static void cb_server_get(struct clientbuf_package *pkg)
{
	kref_get(&cb_pkg_server(pkg)->ref);
}

static void cb_server_put(struct clientbuf_package *pkg)
{
	kref_put(&cb_pkg_server(pkg)->ref, cb_server_free);
}

/*
 * The package goes away: unregister it and fail every call not completed,
 * read or not, with STATUS_PORT_DISCONNECTED. Idempotent: the mm notifier
 * and the fd's release may both get here.
 */
static void cb_server_disconnect(struct cb_server *srv)
{
	struct cb_server_call *call, *tmp;
	LIST_HEAD(list);

	clientbuf_unregister_package(&srv->pkg);
	spin_lock(&srv->lock);
	srv->dead = true;
	list_splice_init(&srv->queue, &list);
	list_splice_init(&srv->active, &list);
	spin_unlock(&srv->lock);
	list_for_each_entry_safe(call, tmp, &list, node)
		cb_server_call_finish(call, STATUS_PORT_DISCONNECTED,
				      STATUS_SUCCESS, NULL, 0);
	wake_up_interruptible(&srv->wait);
}

/*
 * The serving process's mm is being torn down: its last thread exited, or
 * it exec()ed. Runs from exit_mmap() (or from mmu_notifier_unregister()),
 * may sleep.
 */
static void cb_server_mm_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	cb_server_disconnect(container_of(mn, struct cb_server, mn));
}

static const struct mmu_notifier_ops cb_server_mn_ops = {
	.release = cb_server_mm_release,
};

/**
 * cb_ioctl_serve() - CLIENTBUF_IOC_SERVE
 * @client: the client; the caller is its owner
 * @serve: the validated ioctl struct
 *
 * Return: 0 or the errno of serve->status: STATUS_ACCESS_DENIED without
 * CAP_SYS_ADMIN, STATUS_INVALID_PARAMETER (flags, reserved, name),
 * STATUS_DEVICE_BUSY if the fd already serves a package,
 * STATUS_OBJECT_NAME_COLLISION if the name is taken,
 * STATUS_INSUFFICIENT_RESOURCES.
 */
int cb_ioctl_serve(struct cb_client *client, struct clientbuf_serve *serve)
{
	size_t nlen = strnlen(serve->package, sizeof(serve->package));
	struct cb_server *srv;
	ntstatus_t st = STATUS_SUCCESS;
	int ret;

	if (!capable(CAP_SYS_ADMIN)) {
		st = STATUS_ACCESS_DENIED;
		goto out;
	}
	if (serve->flags || serve->reserved || !nlen ||
	    nlen == sizeof(serve->package)) {
		st = STATUS_INVALID_PARAMETER;
		goto out;
	}
	srv = kzalloc(sizeof(*srv), GFP_KERNEL_ACCOUNT);
	if (!srv) {
		st = STATUS_INSUFFICIENT_RESOURCES;
		goto out;
	}
	memcpy(srv->name, serve->package, nlen);
	srv->pkg.name = srv->name;
	srv->pkg.call_package = cb_server_call_package;
	srv->pkg.cancel = cb_server_cancel;
	srv->pkg.server_get = cb_server_get;
	srv->pkg.server_put = cb_server_put;
	INIT_LIST_HEAD(&srv->pkg.list);
	kref_init(&srv->ref);
	spin_lock_init(&srv->lock);
	INIT_LIST_HEAD(&srv->queue);
	INIT_LIST_HEAD(&srv->active);
	init_waitqueue_head(&srv->wait);
	srv->mn.ops = &cb_server_mn_ops;

	/* The caller is the owner: current->mm is client->mm. */
	if (mmu_notifier_register(&srv->mn, client->mm)) {
		kfree(srv);
		st = STATUS_INSUFFICIENT_RESOURCES;
		goto out;
	}
	mutex_lock(&client->reg_lock);
	if (client->server) {
		st = STATUS_DEVICE_BUSY;
	} else {
		ret = clientbuf_register_package(&srv->pkg);
		if (ret == -EEXIST)
			st = STATUS_OBJECT_NAME_COLLISION;
		else if (ret)
			st = STATUS_INVALID_PARAMETER;
		else
			/*
			 * read(), poll() and SERVER_OP of the owner's other
			 * threads read it without reg_lock
			 */
			WRITE_ONCE(client->server, srv);
	}
	mutex_unlock(&client->reg_lock);
	if (st != STATUS_SUCCESS) {
		/* Never registered: its ->release() finds nothing to do. */
		mmu_notifier_unregister(&srv->mn, client->mm);
		kfree(srv);
	}
out:
	serve->status = (__force __u32)st;
	return clientbuf_status_to_errno(st);
}

/**
 * cb_server_shutdown() - the serving fd is closed
 * @client: the client that served a package
 *
 * Unregisters the package and fails every call not yet completed with
 * STATUS_PORT_DISCONNECTED, unless the serving process's exit or exec did
 * so already; mmu_notifier_unregister() runs ->release() if exit_mmap()
 * has not, and waits for one that is running.
 */
void cb_server_shutdown(struct cb_client *client)
{
	struct cb_server *srv = client->server;

	if (!srv)
		return;
	mmu_notifier_unregister(&srv->mn, client->mm);
	client->server = NULL;
	kref_put(&srv->ref, cb_server_free);
}

/* Fill the record header for @call, in the reading server's namespaces. */
static void cb_server_header(struct cb_server_call *call,
			     struct clientbuf_server_call *hdr)
{
	struct clientbuf_client_info info;

	memset(hdr, 0, sizeof(*hdr));
	cb_request_info(call->req, &info);
	hdr->call_id = call->id;
	hdr->submit_len = call->submit_len;
	hdr->pid = info.pid;
	hdr->tgid = info.tgid;
	hdr->uid = info.uid;
	hdr->gid = info.gid;
}

/**
 * cb_server_read() - read() one call record from a server fd
 * @client: the serving client
 * @buf: user buffer
 * @count: its size
 * @nonblock: O_NONBLOCK
 *
 * Return: bytes read, -EMSGSIZE if @count cannot hold the next record (it
 * stays queued), -EAGAIN, -EINTR or -EFAULT.
 */
ssize_t cb_server_read(struct cb_client *client, char __user *buf,
		       size_t count, bool nonblock)
{
	struct cb_server *srv = READ_ONCE(client->server);
	struct clientbuf_server_call hdr;
	struct cb_server_call *call;
	size_t len = 0;
	int ret;

	for (;;) {
		spin_lock(&srv->lock);
		call = list_first_entry_or_null(&srv->queue,
						struct cb_server_call, node);
		if (call) {
			len = sizeof(hdr) + call->submit_len;
			if (count < len) {
				spin_unlock(&srv->lock);
				return -EMSGSIZE;
			}
			/* In transit: on no list until it is copied out. */
			list_del_init(&call->node);
		}
		spin_unlock(&srv->lock);
		if (call)
			break;
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(srv->wait,
					       !list_empty(&srv->queue));
		if (ret)
			return ret;
	}

	cb_server_header(call, &hdr);
	ret = 0;
	if (copy_to_user(buf, &hdr, sizeof(hdr)) ||
	    copy_to_user(buf + sizeof(hdr), call->submit, call->submit_len))
		ret = -EFAULT;

	spin_lock(&srv->lock);
	if (srv->dead) {
		spin_unlock(&srv->lock);
		cb_server_call_finish(call, STATUS_PORT_DISCONNECTED,
				      STATUS_SUCCESS, NULL, 0);
		return ret ? ret : len;
	}
	if (ret)
		list_add(&call->node, &srv->queue);
	else
		list_add_tail(&call->node, &srv->active);
	spin_unlock(&srv->lock);
	return ret ? ret : len;
}

/**
 * cb_server_poll() - EPOLLIN while a call is queued
 * @client: the serving client
 * @file: its file
 * @wait: poll table
 *
 * Return: the poll mask.
 */
__poll_t cb_server_poll(struct cb_client *client, struct file *file,
			poll_table *wait)
{
	struct cb_server *srv = READ_ONCE(client->server);
	__poll_t mask = 0;

	poll_wait(file, &srv->wait, wait);
	spin_lock(&srv->lock);
	if (!list_empty(&srv->queue))
		mask = EPOLLIN | EPOLLRDNORM;
	spin_unlock(&srv->lock);
	return mask;
}

/* Look up an active call; with @remove, take it off the list. */
static struct cb_server_call *cb_server_find(struct cb_server *srv, u64 id,
					     bool remove)
{
	struct cb_server_call *call;

	list_for_each_entry(call, &srv->active, node) {
		if (call->id == id) {
			if (remove)
				list_del(&call->node);
			return call;
		}
	}
	return NULL;
}

static ntstatus_t cb_server_copy(struct clientbuf_request *req,
				 struct clientbuf_server_op *op)
{
	void __user *saddr = u64_to_user_ptr(op->server_addr);
	bool write = op->op == CLIENTBUF_SRV_COPY_TO;
	struct iov_iter iter;

	if (!saddr && op->len)
		return STATUS_ACCESS_VIOLATION;
	/* access_ok() is in every user copy of the iter (both kernels) */
	iov_iter_ubuf(&iter, write ? ITER_SOURCE : ITER_DEST, saddr, op->len);
	return cb_copy_iter(req, op->client_addr, &iter, write);
}

/*
 * A vectored copy: every segment checked first, then copied in order, each
 * its own copy with an ITER_UBUF over the segment's server memory (a
 * segment names its own client range too); op->result_addr is the index
 * of the segment that failed.
 */
static ntstatus_t cb_server_copy_vec(struct clientbuf_request *req,
				     struct clientbuf_server_op *op)
{
	bool write = op->op == CLIENTBUF_SRV_COPY_TO_VEC;
	struct clientbuf_segment *seg;
	ntstatus_t st = STATUS_SUCCESS;
	u32 i, n = op->len;

	if (!n || n > CLIENTBUF_SRV_VEC_MAX)
		return STATUS_INVALID_PARAMETER;
	seg = kvmalloc_array(n, sizeof(*seg), GFP_KERNEL_ACCOUNT |
			     __GFP_NOWARN);
	if (!seg)
		return STATUS_INSUFFICIENT_RESOURCES;
	if (copy_from_user(seg, u64_to_user_ptr(op->server_addr),
			   array_size(n, sizeof(*seg)))) {
		st = STATUS_ACCESS_VIOLATION;
		goto out;
	}
	for (i = 0; i < n; i++) {
		st = seg[i].reserved ? STATUS_INVALID_PARAMETER :
		     cb_copy_check(req, seg[i].client_addr, seg[i].len, write);
		if (st != STATUS_SUCCESS)
			goto fail;
	}
	for (i = 0; i < n; i++) {
		void __user *saddr = u64_to_user_ptr(seg[i].server_addr);
		struct iov_iter iter;

		iov_iter_ubuf(&iter, write ? ITER_SOURCE : ITER_DEST, saddr,
			      seg[i].len);
		st = !saddr && seg[i].len ? STATUS_ACCESS_VIOLATION :
		     cb_copy_iter(req, seg[i].client_addr, &iter, write);
		if (st != STATUS_SUCCESS)
			goto fail;
	}
	goto out;
fail:
	op->result_addr = i;
out:
	kvfree(seg);
	return st;
}

static ntstatus_t cb_server_complete(struct cb_server *srv,
				     struct clientbuf_server_op *op)
{
	ntstatus_t status = (__force ntstatus_t)op->call_status;
	struct cb_server_call *call;

	if (status == STATUS_PENDING)
		return STATUS_INVALID_PARAMETER;
	spin_lock(&srv->lock);
	call = cb_server_find(srv, op->call_id, true);
	spin_unlock(&srv->lock);
	if (!call)
		return STATUS_INVALID_HANDLE;
	cb_server_call_finish(call, status,
			      (__force ntstatus_t)op->protocol_status,
			      u64_to_user_ptr(op->client_addr), op->len);
	return STATUS_SUCCESS;
}

static ntstatus_t cb_server_op_run(struct cb_server *srv,
				   struct clientbuf_server_op *op)
{
	struct clientbuf_request *req = NULL;
	struct cb_server_call *call;
	void __user *block;
	ntstatus_t st;

	if (op->reserved || op->reserved2 || !op->op ||
	    op->op > CLIENTBUF_SRV_COPY_FROM_VEC)
		return STATUS_INVALID_PARAMETER;
	if (op->op == CLIENTBUF_SRV_COMPLETE)
		return cb_server_complete(srv, op);

	spin_lock(&srv->lock);
	call = cb_server_find(srv, op->call_id, false);
	if (call)
		req = clientbuf_request_get(call->req);
	spin_unlock(&srv->lock);
	if (!req)
		return STATUS_INVALID_HANDLE;

	switch (op->op) {
	case CLIENTBUF_SRV_COPY_TO:
	case CLIENTBUF_SRV_COPY_FROM:
		st = cb_server_copy(req, op);
		break;
	case CLIENTBUF_SRV_COPY_TO_VEC:
	case CLIENTBUF_SRV_COPY_FROM_VEC:
		st = cb_server_copy_vec(req, op);
		break;
	case CLIENTBUF_SRV_ALLOC:
		st = allocate_client_buffer(req, op->len, &block);
		if (st == STATUS_SUCCESS)
			op->result_addr = (unsigned long)block;
		break;
	default:
		st = free_client_buffer(req, u64_to_user_ptr(op->client_addr));
	}
	clientbuf_request_put(req);
	return st;
}

/**
 * cb_ioctl_server_op() - CLIENTBUF_IOC_SERVER_OP
 * @client: the client; the caller is its owner
 * @op: the validated ioctl struct
 *
 * Return: 0 or the errno of op->status: STATUS_INVALID_PARAMETER if the fd
 * serves no package or for a bad op, STATUS_INVALID_HANDLE for a call id
 * that was not read from this fd or is completed, else the status of the
 * client-buffer function the op runs.
 */
int cb_ioctl_server_op(struct cb_client *client,
		       struct clientbuf_server_op *op)
{
	/* once: SERVE on another thread may set it meanwhile */
	struct cb_server *srv = READ_ONCE(client->server);
	ntstatus_t st;

	st = srv ? cb_server_op_run(srv, op) : STATUS_INVALID_PARAMETER;
	op->status = (__force __u32)st;
	return clientbuf_status_to_errno(st);
}
