// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: userspace package servers (the lsass model).
 *
 * A privileged process (CAP_SYS_ADMIN) becomes the server of a package name
 * with CLIENTBUF_IOC_SERVE on its /dev/clientbuf fd, which returns a new
 * fd: the server fd, an anon inode with file operations of its own (the
 * client fd does not change). A call to that package becomes a struct
 * cb_server_call queued on the server; the server read()s it from the
 * server fd (header and submit bytes), acts on the client's buffers with
 * CLIENTBUF_IOC_SERVER_OP on the server fd - the copies run in the
 * server's process context, so through the registered-mm path - and
 * completes it. The shape is that of seccomp user notification: a listener
 * fd of its own, records read from it, answered by ioctl with an id that
 * is checked for staleness.
 *
 * The server keeps what it needs itself and does not hang off the client
 * fd SERVE ran on: closing that fd does not end the server, and one client
 * fd may serve several packages, each with its own server fd.
 *
 * Lifetime: struct cb_server has a reference for the server file and one
 * for each request made to it (taken by cb_package_get()), so ->cancel()
 * and the final put of a request can always reach it.
 *
 * The package is the serving process's: it goes away (unregistered, every
 * call not completed failed with CB_STATUS_PORT_DISCONNECTED) when that
 * process exits or execs, or when it closes the server fd (->flush(), even
 * while another process holds a copy), whichever comes first. A forked
 * child or the program after execve() may still hold the fd, but can
 * never use it (the owner check: current->mm is the server's
 * mm, which the server holds with mmgrab()), so waiting for the last close
 * would leave the package registered and its calls queued for nobody. A
 * module cannot hook exit or exec; it can watch the address space that
 * makes the serving process: an mmu_notifier on the server's mm, whose
 * ->release() runs from exit_mmap() when the last thread of the process
 * exits and, at execve(), when the old mm is dropped - the moment the
 * process stops being the server, with nothing polled. (seccomp's
 * listener, by contrast, lives until its last close; its supervisor
 * usually owns it alone.)
 *
 * A call's state (enum cb_call_state, under the server's lock):
 *
 *   QUEUED ---read()---> DELIVERING ---copied out---> DELIVERED
 *     ^                      |                            |
 *     +----copy fault--------+                            |
 *   QUEUED: ->cancel() (CANCELLED) or disconnect (PORT_DISCONNECTED)
 *   DELIVERING: only the reader acts on it; if the server died meanwhile
 *	it fails the call with PORT_DISCONNECTED itself
 *   DELIVERED: SERVER_OP COMPLETE, or disconnect (PORT_DISCONNECTED)
 *
 * and a completed call is freed.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mmu_notifier.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include "internal.h"

/**
 * struct cb_server - a package served from userspace
 * @pkg: the package, registered under @name
 * @name: the package name
 * @ref: one for the server file, one per request made to the package
 * @mm: the serving process's mm (mmgrab()): the owner check compares it
 *	with current->mm, and @mn watches it. Never changes.
 * @lock: protects @queue, @active, @next_call_id, @dead and the state of
 *	every call of this server
 * @queue: CB_CALL_QUEUED calls, oldest first
 * @active: CB_CALL_DELIVERED calls
 * @next_call_id: last call id handed out
 * @dead: disconnected: the serving process exited or exec()ed, or the
 *	server fd was closed; no call is queued any more
 * @wait: woken when a call is queued, and at disconnect
 * @mn: watches @mm (see the top of this file)
 */
struct cb_server {
	struct clientbuf_package pkg;
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	struct kref ref;
	struct mm_struct *mm;
	spinlock_t lock;		/* see @lock above */
	struct list_head queue;
	struct list_head active;
	u64 next_call_id;
	bool dead;
	wait_queue_head_t wait;
	struct mmu_notifier mn;
};

/**
 * enum cb_call_state - where a server call is (see the top of this file)
 * @CB_CALL_QUEUED: on the server's queue, not read yet
 * @CB_CALL_DELIVERING: taken off the queue by a read() copying it out; on
 *	no list, and only that reader may act on it
 * @CB_CALL_DELIVERED: read, on the server's active list until completed
 */
enum cb_call_state {
	CB_CALL_QUEUED,
	CB_CALL_DELIVERING,
	CB_CALL_DELIVERED,
};

/**
 * struct cb_server_call - one call on its way through a server
 * @node: in the server's queue (QUEUED) or active list (DELIVERED)
 * @state: enum cb_call_state, under the server's lock
 * @id: the call id the server knows it by
 * @req: the request (a reference)
 * @submit_len: bytes in @submit
 * @submit: copy of the client's submit buffer
 */
struct cb_server_call {
	struct list_head node;
	enum cb_call_state state;
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
	struct cb_server *srv = container_of(ref, struct cb_server, ref);

	mmdrop(srv->mm);
	kfree(srv);
}

static void cb_server_call_finish(struct cb_server_call *call,
				  ntstatus_t status, ntstatus_t protocol,
				  void __user *ret, u32 ret_len)
{
	cb_user_uncharge(call->req->client->user, CB_UC_SERVER_CALLS, 1);
	clientbuf_complete_request(call->req, status, protocol, ret, ret_len);
	clientbuf_request_put(call->req);
	kfree(call);
}

/* Take @call off its list; it is the caller's to finish. */
static void cb_server_call_take(struct cb_server *srv,
				struct cb_server_call *call)
{
	lockdep_assert_held(&srv->lock);
	WARN_ON_ONCE(call->state == CB_CALL_DELIVERING);
	list_del_init(&call->node);
}

/*
 * Queue a call. Each call on a server, with its copy of the submit buffer,
 * counts against the calling user's max_user_server_calls until it is
 * finished: a user cannot fill the queue of a package others use.
 */
static ntstatus_t cb_server_call_package(struct clientbuf_request *req,
					 const void *submit, u32 submit_len,
					 struct clientbuf_call_result *res)
{
	struct cb_server *srv = cb_pkg_server(req->package);
	struct cb_user *user = req->client->user;
	struct cb_server_call *call;

	if (!cb_user_charge(user, CB_UC_SERVER_CALLS, 1))
		return CB_STATUS_QUOTA_EXCEEDED;
	call = kmalloc(struct_size(call, submit, submit_len),
		       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!call) {
		cb_user_uncharge(user, CB_UC_SERVER_CALLS, 1);
		return CB_STATUS_INSUFFICIENT_RESOURCES;
	}
	call->req = clientbuf_request_get(req);
	call->submit_len = submit_len;
	memcpy(call->submit, submit, submit_len);

	spin_lock(&srv->lock);
	if (srv->dead) {
		spin_unlock(&srv->lock);
		cb_user_uncharge(user, CB_UC_SERVER_CALLS, 1);
		clientbuf_request_put(req);
		kfree(call);
		return CB_STATUS_PORT_DISCONNECTED;
	}
	call->id = ++srv->next_call_id;
	call->state = CB_CALL_QUEUED;
	list_add_tail(&call->node, &srv->queue);
	spin_unlock(&srv->lock);
	wake_up_interruptible(&srv->wait);
	return CB_STATUS_PENDING;
}

/* The client went away: drop its call if the server has not read it. */
static void cb_server_cancel(struct clientbuf_request *req)
{
	struct cb_server *srv = cb_pkg_server(req->package);
	struct cb_server_call *call, *found = NULL;

	spin_lock(&srv->lock);
	list_for_each_entry(call, &srv->queue, node) {
		if (call->req == req) {
			WARN_ON_ONCE(call->state != CB_CALL_QUEUED);
			cb_server_call_take(srv, call);
			found = call;
			break;
		}
	}
	spin_unlock(&srv->lock);
	if (found)
		cb_server_call_finish(found, CB_STATUS_CANCELLED, CB_STATUS_SUCCESS,
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
 * The package goes away: unregister it and fail every QUEUED and
 * DELIVERED call with CB_STATUS_PORT_DISCONNECTED; a DELIVERING call is
 * failed by its reader when it sees @dead. Idempotent: the mm notifier and
 * the server file's release may both get here.
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
	/* Off the server's lists: no one else can reach them now. */
	list_for_each_entry_safe(call, tmp, &list, node) {
		WARN_ON_ONCE(call->state == CB_CALL_DELIVERING);
		list_del(&call->node);
		cb_server_call_finish(call, CB_STATUS_PORT_DISCONNECTED,
				      CB_STATUS_SUCCESS, NULL, 0);
	}
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

static bool cb_server_is_owner(struct cb_server *srv)
{
	return current->mm == srv->mm;
}

/*
 * close() of a server fd by the serving process ends the package at once,
 * whoever else holds a copy of the file (a forked child, the receiver of
 * SCM_RIGHTS): they can never use it, and the last close might come much
 * later. A close by anyone else changes nothing. Closing a dup() of the
 * fd in the serving process ends the package too.
 */
static int cb_server_flush(struct file *file, fl_owner_t id)
{
	struct cb_server *srv = file->private_data;

	if (cb_server_is_owner(srv))
		cb_server_disconnect(srv);
	return 0;
}

/*
 * The server fd is closed: unregister the package and fail every call not
 * yet completed with CB_STATUS_PORT_DISCONNECTED, unless the serving process's
 * exit or exec did so already; mmu_notifier_unregister() runs ->release()
 * if exit_mmap() has not, and waits for one that is running.
 */
static int cb_server_release(struct inode *inode, struct file *file)
{
	struct cb_server *srv = file->private_data;

	mmu_notifier_unregister(&srv->mn, srv->mm);
	kref_put(&srv->ref, cb_server_free);
	return 0;
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

/*
 * Read one call record into @buf (@count bytes), waiting for one unless
 * @nonblock. Return: bytes read, -EMSGSIZE if @count cannot hold the next
 * record (it stays queued), -EAGAIN, -ERESTARTSYS or -EFAULT (the call is
 * queued again, first).
 */
static ssize_t cb_server_recv(struct cb_server *srv, char __user *buf,
			      size_t count, bool nonblock)
{
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
			list_del_init(&call->node);
			call->state = CB_CALL_DELIVERING;
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
		cb_server_call_finish(call, CB_STATUS_PORT_DISCONNECTED,
				      CB_STATUS_SUCCESS, NULL, 0);
		return ret ? ret : len;
	}
	if (ret) {
		call->state = CB_CALL_QUEUED;
		list_add(&call->node, &srv->queue);
	} else {
		call->state = CB_CALL_DELIVERED;
		list_add_tail(&call->node, &srv->active);
	}
	spin_unlock(&srv->lock);
	return ret ? ret : len;
}

/*
 * read() one call record from a server fd. Return: bytes read, -EPERM for
 * anyone but the serving process, else as cb_server_recv().
 */
static ssize_t cb_server_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct cb_server *srv = file->private_data;

	if (!cb_server_is_owner(srv))
		return -EPERM;
	return cb_server_recv(srv, buf, count, file->f_flags & O_NONBLOCK);
}

/* EPOLLIN | EPOLLRDNORM while a call is queued. */
static __poll_t cb_server_poll(struct file *file, poll_table *wait)
{
	struct cb_server *srv = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &srv->wait, wait);
	spin_lock(&srv->lock);
	if (!list_empty(&srv->queue))
		mask = EPOLLIN | EPOLLRDNORM;
	spin_unlock(&srv->lock);
	return mask;
}

/* Look up a DELIVERED call; with @take, take it off the active list. */
static struct cb_server_call *cb_server_find(struct cb_server *srv, u64 id,
					     bool take)
{
	struct cb_server_call *call;

	lockdep_assert_held(&srv->lock);
	list_for_each_entry(call, &srv->active, node) {
		if (call->id == id) {
			WARN_ON_ONCE(call->state != CB_CALL_DELIVERED);
			if (take)
				cb_server_call_take(srv, call);
			return call;
		}
	}
	return NULL;
}

/* An ITER_UBUF over the server's side of one copy. */
static ntstatus_t cb_server_iter(struct iov_iter *iter, u64 server_addr,
				 u32 len, bool write)
{
	void __user *saddr = u64_to_user_ptr(server_addr);

	if (!saddr && len)
		return CB_STATUS_ACCESS_VIOLATION;
	/* access_ok() is in every user copy of the iter (both kernels) */
	iov_iter_ubuf(iter, write ? ITER_SOURCE : ITER_DEST, saddr, len);
	return CB_STATUS_SUCCESS;
}

/* One copy: an ITER_UBUF over the server's memory, then cb_copy_iter(). */
static ntstatus_t cb_server_copy_seg(struct clientbuf_request *req,
				     u64 client_addr, u64 server_addr, u32 len,
				     bool write)
{
	struct iov_iter iter;
	ntstatus_t st;

	st = cb_server_iter(&iter, server_addr, len, write);
	if (st != CB_STATUS_SUCCESS)
		return st;
	return cb_copy_iter(req, client_addr, &iter, write);
}

static ntstatus_t cb_server_copy(struct clientbuf_request *req,
				 struct clientbuf_server_op *op)
{
	return cb_server_copy_seg(req, op->client_addr, op->server_addr,
				  op->len, op->op == CLIENTBUF_SRV_COPY_TO);
}

/*
 * Segments of a vectored op kept on the stack (192 bytes, and 64 for the
 * buffers they hold), as UIO_FASTIOV
 */
#define CB_SRV_VEC_STACK	8

/*
 * A vectored copy: every segment checked first, its buffer held
 * (cb_copy_hold()), then copied in order, each its own copy with an
 * ITER_UBUF over the segment's server memory (a segment names its own
 * client range too); op->result_addr is the index of the segment that
 * failed. The buffers stay held until the last segment is done, so an
 * unregistration meanwhile waits for the op rather than failing a
 * segment that passed the check.
 */
static ntstatus_t cb_server_copy_vec(struct clientbuf_request *req,
				     struct clientbuf_server_op *op)
{
	bool write = op->op == CLIENTBUF_SRV_COPY_TO_VEC;
	struct clientbuf_segment stack[CB_SRV_VEC_STACK], *seg = stack;
	struct cb_buffer *held_stack[CB_SRV_VEC_STACK], **held = held_stack;
	ntstatus_t st = CB_STATUS_SUCCESS;
	u32 i, nheld = 0, n = op->len;
	struct iov_iter iter;

	if (!n || n > CLIENTBUF_SRV_VEC_MAX)
		return CB_STATUS_INVALID_PARAMETER;
	/* as process_vm_rw()'s UIO_FASTIOV: a small op allocates nothing */
	if (n > CB_SRV_VEC_STACK) {
		seg = kvmalloc_array(n, sizeof(*seg) + sizeof(*held),
				     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!seg)
			return CB_STATUS_INSUFFICIENT_RESOURCES;
		held = (struct cb_buffer **)(seg + n);
	}
	if (copy_from_user(seg, u64_to_user_ptr(op->server_addr),
			   array_size(n, sizeof(*seg)))) {
		st = CB_STATUS_ACCESS_VIOLATION;
		goto out;
	}
	for (i = 0; i < n; i++, nheld++) {
		st = seg[i].reserved ? CB_STATUS_INVALID_PARAMETER :
		     cb_copy_hold(req, seg[i].client_addr, seg[i].len, write,
				  &held[i]);
		if (st != CB_STATUS_SUCCESS)
			goto fail;
	}
	for (i = 0; i < n; i++) {
		st = cb_server_iter(&iter, seg[i].server_addr, seg[i].len,
				    write);
		if (st == CB_STATUS_SUCCESS)
			st = cb_copy_iter_held(req, held[i],
					       seg[i].client_addr, &iter,
					       write);
		if (st != CB_STATUS_SUCCESS)
			goto fail;
	}
	goto out;
fail:
	op->result_addr = i;
out:
	while (nheld--)
		if (held[nheld])
			cb_buffer_put(held[nheld]);
	if (seg != stack)
		kvfree(seg);
	return st;
}

/*
 * The return buffer of a COMPLETE must be client memory a package may
 * write: inside one registered CLIENTBUF_BUF_WRITE buffer, with its
 * length (with CB_STATUS_BUFFER_TOO_SMALL the length is the size needed,
 * and only the address is checked). A call whose client is gone is not
 * checked: nobody reads the answer, and the server must be able to free
 * the call.
 */
static ntstatus_t cb_server_check_return(struct clientbuf_request *req,
					 ntstatus_t status,
					 struct clientbuf_server_op *op)
{
	u32 len = op->len;

	if (!op->client_addr ||
	    cb_request_check(req) != CB_STATUS_SUCCESS)
		return CB_STATUS_SUCCESS;
	if (status == CB_STATUS_BUFFER_TOO_SMALL || !len)
		len = 1;
	return cb_copy_client_check(req->client, op->client_addr, len, true);
}

static ntstatus_t cb_server_complete(struct cb_server *srv,
				     struct clientbuf_server_op *op)
{
	ntstatus_t status = (__force ntstatus_t)op->call_status;
	struct clientbuf_request *req = NULL;
	struct cb_server_call *call;
	ntstatus_t st;

	if (status == CB_STATUS_PENDING)
		return CB_STATUS_INVALID_PARAMETER;
	spin_lock(&srv->lock);
	call = cb_server_find(srv, op->call_id, false);
	if (call)
		req = clientbuf_request_get(call->req);
	spin_unlock(&srv->lock);
	if (!req)
		return CB_STATUS_INVALID_HANDLE;
	st = cb_server_check_return(req, status, op);
	clientbuf_request_put(req);
	if (st != CB_STATUS_SUCCESS)
		return st;

	/* Refused without effect above; taken now, unless another op was. */
	spin_lock(&srv->lock);
	call = cb_server_find(srv, op->call_id, true);
	spin_unlock(&srv->lock);
	if (!call)
		return CB_STATUS_INVALID_HANDLE;
	cb_server_call_finish(call, status,
			      (__force ntstatus_t)op->protocol_status,
			      u64_to_user_ptr(op->client_addr), op->len);
	return CB_STATUS_SUCCESS;
}

/*
 * SERVER_OP REPLY: ALLOC (unless op->client_addr names the range), COPY_TO
 * and COMPLETE of call @call_id, whose request @req the caller holds; on
 * any failure the call is left as it was and a block allocated here is
 * freed again (through the client: the request may have been completed
 * by a disconnect meanwhile).
 */
static ntstatus_t cb_server_reply(struct cb_server *srv,
				  struct clientbuf_request *req,
				  struct clientbuf_server_op *op)
{
	void __user *block = u64_to_user_ptr(op->client_addr);
	ntstatus_t status = (__force ntstatus_t)op->call_status;
	struct cb_server_call *call;
	bool alloc = false;
	ntstatus_t st;

	if (status == CB_STATUS_PENDING || (!op->len && block))
		return CB_STATUS_INVALID_PARAMETER;
	if (op->len && !block) {
		st = allocate_client_buffer(req, op->len, &block);
		if (st != CB_STATUS_SUCCESS)
			return st;
		alloc = true;
	}
	if (op->len) {
		st = cb_server_copy_seg(req, (unsigned long)block,
					op->server_addr, op->len, true);
		if (st != CB_STATUS_SUCCESS)
			goto undo;
	}
	spin_lock(&srv->lock);
	call = cb_server_find(srv, op->call_id, true);
	spin_unlock(&srv->lock);
	if (!call) {
		/* completed by another thread or failed by a disconnect */
		st = CB_STATUS_INVALID_HANDLE;
		goto undo;
	}
	cb_server_call_finish(call, status,
			      (__force ntstatus_t)op->protocol_status,
			      op->len ? block : NULL, op->len);
	op->result_addr = (unsigned long)block;
	return CB_STATUS_SUCCESS;

undo:
	if (alloc)
		cb_buffer_free_block(req->client, req->id,
				     (unsigned long)block);
	return st;
}

/*
 * The read of SERVER_OP REPLY, once the call is answered: the record's
 * length in op->recv_len, or 0 and the errno in ctx->err (never a restart:
 * the reply is done).
 */
static void cb_server_reply_recv(struct cb_ioctl_ctx *ctx,
				 struct cb_server *srv,
				 struct clientbuf_server_op *op, u32 len)
{
	ssize_t n;

	n = cb_server_recv(srv, u64_to_user_ptr(op->recv_addr), len,
			   ctx->file->f_flags & O_NONBLOCK);
	op->recv_len = n < 0 ? 0 : n;
	if (n == -ERESTARTSYS)
		n = -EINTR;
	ctx->err = n < 0 ? n : 0;
}

/*
 * CLIENTBUF_IOC_SERVER_OP, the caller being the serving process.
 * Return: CB_STATUS_INVALID_PARAMETER for a bad op, CB_STATUS_INVALID_HANDLE for
 * a call id that was not read from this server fd or is completed, else
 * the status of the client-buffer function the op runs.
 */
static ntstatus_t cb_ioctl_server_op(struct cb_ioctl_ctx *ctx,
				     union cb_ioctl_buffer *buf)
{
	struct clientbuf_server_op *op = &buf->srv_op;
	struct clientbuf_request *req = NULL;
	struct cb_server *srv = ctx->obj;
	u32 recv_len = op->recv_len;
	struct cb_server_call *call;
	void __user *block;
	ntstatus_t st;

	if (!op->op || op->op > CLIENTBUF_SRV_REPLY)
		return CB_STATUS_INVALID_PARAMETER;
	if (op->op != CLIENTBUF_SRV_REPLY && (op->recv_addr || op->recv_len))
		return CB_STATUS_INVALID_PARAMETER;
	/* REPLY: 0 unless a record is read */
	op->recv_len = 0;
	if (op->op == CLIENTBUF_SRV_COMPLETE)
		return cb_server_complete(srv, op);

	spin_lock(&srv->lock);
	call = cb_server_find(srv, op->call_id, false);
	if (call)
		req = clientbuf_request_get(call->req);
	spin_unlock(&srv->lock);
	if (!req)
		return CB_STATUS_INVALID_HANDLE;

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
		if (st == CB_STATUS_SUCCESS)
			op->result_addr = (unsigned long)block;
		break;
	case CLIENTBUF_SRV_REPLY:
		st = cb_server_reply(srv, req, op);
		break;
	default:
		/* only a block this call allocated */
		st = cb_free_own_block(req, u64_to_user_ptr(op->client_addr));
	}
	clientbuf_request_put(req);
	if (st == CB_STATUS_SUCCESS && op->op == CLIENTBUF_SRV_REPLY &&
	    recv_len)
		cb_server_reply_recv(ctx, srv, op, recv_len);
	return st;
}

static bool cb_ioctl_server_owner(void *obj)
{
	return cb_server_is_owner(obj);
}

static const struct cb_ioctl_op cb_server_ioctls[] = {
	CB_IOCTL_OP(CLIENTBUF_IOC_SERVER_OP, cb_ioctl_server_op,
		    struct clientbuf_server_op, reserved2,
		    offsetof(struct clientbuf_server_op, status), true,
		    offsetof(struct clientbuf_server_op, reserved),
		    offsetof(struct clientbuf_server_op, reserved2),
		    offsetof(struct clientbuf_server_op, reserved3)),
};

static const struct cb_ioctl_table cb_server_ioctl_table = {
	.ops = cb_server_ioctls,
	.nr_ops = ARRAY_SIZE(cb_server_ioctls),
	.is_owner = cb_ioctl_server_owner,
};

static long cb_server_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	return cb_ioctl_dispatch(&cb_server_ioctl_table, file,
				 file->private_data, cmd, arg);
}

static const struct file_operations cb_server_fops = {
	.owner		= THIS_MODULE,
	.flush		= cb_server_flush,
	.release	= cb_server_release,
	.read		= cb_server_read,
	.poll		= cb_server_poll,
	.unlocked_ioctl	= cb_server_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/**
 * cb_ioctl_serve() - CLIENTBUF_IOC_SERVE
 * @ctx: the ioctl; the caller is the client's owner
 * @serve: the validated ioctl struct; @serve->fd is set
 *
 * Makes a server and its file; the dispatcher installs the file as
 * @serve->fd once the struct is written back.
 *
 * Return: CB_STATUS_SUCCESS, CB_STATUS_ACCESS_DENIED without CAP_SYS_ADMIN,
 * CB_STATUS_INVALID_PARAMETER (flags, name), CB_STATUS_OBJECT_NAME_COLLISION if
 * the name is taken, CB_STATUS_INSUFFICIENT_RESOURCES (also when the caller
 * has no fd left).
 */
ntstatus_t cb_ioctl_serve(struct cb_ioctl_ctx *ctx,
			  struct clientbuf_serve *serve)
{
	size_t nlen = strnlen(serve->package, sizeof(serve->package));
	struct cb_server *srv;
	struct file *file;
	int fd, ret;

	serve->fd = -1;
	if (!capable(CAP_SYS_ADMIN))
		return CB_STATUS_ACCESS_DENIED;
	if (serve->flags || !nlen || nlen == sizeof(serve->package))
		return CB_STATUS_INVALID_PARAMETER;
	srv = kzalloc(sizeof(*srv), GFP_KERNEL_ACCOUNT);
	if (!srv)
		return CB_STATUS_INSUFFICIENT_RESOURCES;
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
	/* The caller is the client's owner: current->mm is the client's. */
	srv->mm = current->mm;
	mmgrab(srv->mm);

	if (mmu_notifier_register(&srv->mn, srv->mm))
		goto free;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		goto unregister;
	/* From here on the file's release undoes everything. */
	file = anon_inode_getfile("[clientbuf-server]", &cb_server_fops, srv,
				  O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		goto unregister;
	}
	ret = clientbuf_register_package(&srv->pkg);
	if (ret) {
		put_unused_fd(fd);
		/* Never registered: its disconnect finds nothing to do. */
		fput(file);
		return ret == -EEXIST ? CB_STATUS_OBJECT_NAME_COLLISION :
					CB_STATUS_INVALID_PARAMETER;
	}
	serve->fd = fd;
	ctx->new_file = file;
	ctx->new_fd = fd;
	return CB_STATUS_SUCCESS;

unregister:
	/* Never registered: its ->release() finds nothing to do. */
	mmu_notifier_unregister(&srv->mn, srv->mm);
free:
	kref_put(&srv->ref, cb_server_free);
	return CB_STATUS_INSUFFICIENT_RESOURCES;
}
