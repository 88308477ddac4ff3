// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: client requests (LSA_CLIENT_REQUEST) and package calls.
 *
 * A request is made for each CLIENTBUF_IOC_CALL_PACKAGE and handed to the
 * package. It is reference counted; it holds a reference on its client, and
 * pins the package's module until it completes (a package may keep a
 * completed request without keeping its own module loaded). The client's
 * pending list holds a reference on it until it completes, so a running
 * request is always alive; a completion record holds that reference until
 * it is read. It is RUNNING
 * until the package completes it (at once, by returning a status other
 * than CB_STATUS_PENDING, or later by clientbuf_complete_request()), then
 * DONE: copies through a DONE request fail with CB_STATUS_INVALID_HANDLE.
 */
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include "internal.h"
#include "clientbuf_trace.h"

static struct clientbuf_request *cb_request_alloc(struct cb_client *client,
						  struct clientbuf_package *pkg,
						  const struct clientbuf_call *c)
{
	struct clientbuf_request *req;

	req = kzalloc(sizeof(*req), GFP_KERNEL_ACCOUNT);
	if (!req)
		return NULL;
	kref_init(&req->ref);
	kref_get(&client->ref);
	req->client = client;
	req->package = pkg;
	req->holds_package = true;
	req->return_buf_id = c->return_buf_id;
	req->thread = get_task_pid(current, PIDTYPE_PID);
	req->cred = get_current_cred();
	req->async = c->flags & CLIENTBUF_CALL_ASYNC;
	req->state = CB_REQ_RUNNING;
	INIT_LIST_HEAD(&req->node);
	init_completion(&req->done);
	cb_stat_add(CB_STAT_REQUESTS, 1);
	return req;
}

static void cb_request_free(struct kref *ref)
{
	struct clientbuf_request *req =
		container_of(ref, struct clientbuf_request, ref);

	put_cred(req->cred);
	put_pid(req->thread);
	if (req->holds_package)
		cb_package_put(req->package);
	cb_client_put(req->client);
	kfree(req);
	cb_stat_add(CB_STAT_REQUESTS, -1);
}

/**
 * clientbuf_request_get() - take a reference to a request
 * @request: the request
 *
 * A package that returns CB_STATUS_PENDING takes one to complete the call
 * later.
 *
 * Return: @request.
 */
struct clientbuf_request *clientbuf_request_get(struct clientbuf_request *request)
{
	kref_get(&request->ref);
	return request;
}
EXPORT_SYMBOL_NS_GPL(clientbuf_request_get, CLIENTBUF_NS);

/**
 * clientbuf_request_put() - drop a reference to a request
 * @request: the request, or NULL
 *
 * May sleep.
 */
void clientbuf_request_put(struct clientbuf_request *request)
{
	if (request)
		kref_put(&request->ref, cb_request_free);
}
EXPORT_SYMBOL_NS_GPL(clientbuf_request_put, CLIENTBUF_NS);

/**
 * clientbuf_request_id() - the id the client knows the request by
 * @request: the request
 *
 * Return: clientbuf_call.request_id of the call.
 */
u64 clientbuf_request_id(const struct clientbuf_request *request)
{
	return request->id;
}
EXPORT_SYMBOL_NS_GPL(clientbuf_request_id, CLIENTBUF_NS);

/**
 * cb_request_check() - may a package still act through @request?
 * @request: a non-NULL request
 *
 * Return: CB_STATUS_SUCCESS; CB_STATUS_INVALID_HANDLE once the request is
 * completed or its client closed the device, or
 * CB_STATUS_PROCESS_IS_TERMINATING if the client process exited.
 */
ntstatus_t cb_request_check(struct clientbuf_request *request)
{
	struct cb_client *client = request->client;

	if (READ_ONCE(client->dead) || READ_ONCE(request->state) != CB_REQ_RUNNING)
		return cb_client_exited(client) ?
		       CB_STATUS_PROCESS_IS_TERMINATING : CB_STATUS_INVALID_HANDLE;
	return CB_STATUS_SUCCESS;
}

/**
 * clientbuf_complete_request() - finish a call
 * @request: a request the package returned CB_STATUS_PENDING for
 * @status: the call's final NTSTATUS; must not be CB_STATUS_PENDING
 * @protocol_status: the package's own status
 * @return_buffer: client address of the answer, or NULL
 * @return_length: its length
 *
 * Wakes a synchronous caller, or queues a completion record for read().
 * Afterwards copies through @request fail. Completing a request twice is a
 * package bug and is ignored (if the package still holds a reference).
 * The client's pending list holds a reference until this returns, so a
 * package that does not use @request afterwards need not hold one of its
 * own. Any context that may sleep.
 */
void clientbuf_complete_request(struct clientbuf_request *request,
				ntstatus_t status, ntstatus_t protocol_status,
				void __user *return_buffer, u32 return_length)
{
	struct cb_client *client = request->client;
	bool queue;

	might_sleep();
	if (status == CB_STATUS_PENDING)
		status = CB_STATUS_UNSUCCESSFUL;

	spin_lock(&client->req_lock);
	if (request->state != CB_REQ_RUNNING) {
		spin_unlock(&client->req_lock);
		pr_warn_ratelimited("clientbuf: request %llu completed twice\n",
				    request->id);
		return;
	}
	WRITE_ONCE(request->state, CB_REQ_DONE);
	request->holds_package = false;
	list_del_init(&request->node);
	if (request->async)
		client->nr_pending--;
	cb_user_uncharge(client->user, CB_UC_CALLS, 1);
	request->result.request_id = request->id;
	request->result.status = (__force __u32)status;
	request->result.protocol_status = (__force __u32)protocol_status;
	request->result.return_addr = (unsigned long)return_buffer;
	/* With CB_STATUS_BUFFER_TOO_SMALL the length is the one needed. */
	request->result.return_len = return_buffer ||
		status == CB_STATUS_BUFFER_TOO_SMALL ? return_length : 0;
	trace_clientbuf_call_end(request->id, request->result.status,
				 request->result.protocol_status,
				 request->result.return_len);
	/*
	 * @dead is written under teardown, not req_lock: READ_ONCE. A
	 * completion that still sees the client alive queues its record,
	 * and cb_client_drop_completions() (after @dead is set, under
	 * req_lock) frees it; either way nobody reads it.
	 */
	queue = request->async && !request->detached &&
		!READ_ONCE(client->dead);
	if (queue) {
		/*
		 * The pending list's reference passes to the completion
		 * list; the charge stays until the record is read or dropped.
		 */
		list_add_tail(&request->node, &client->completions);
	} else if (request->charged) {
		request->charged = false;
		cb_user_uncharge(client->user, CB_UC_COMPLETIONS, 1);
	}
	spin_unlock(&client->req_lock);

	complete_all(&request->done);
	wake_up_interruptible(&client->wait);
	/* A completed request no longer pins its package's module. */
	cb_package_put(request->package);
	/*
	 * Last, and outside req_lock: the pending list's reference may be the
	 * last one when the package kept none (cb_request_free() sleeps).
	 */
	if (!queue)
		clientbuf_request_put(request);
}
EXPORT_SYMBOL_NS_GPL(clientbuf_complete_request, CLIENTBUF_NS);

/*
 * Nobody waits for @req any more (its client is closing, or its
 * synchronous caller was killed): mark it detached and, once, move it to
 * the client's cancelled list and call its package's ->cancel(). Called
 * with the client's req_lock held; drops it.
 */
static void cb_request_cancel(struct cb_client *client,
			      struct clientbuf_request *req)
	__releases(&client->req_lock)
{
	struct clientbuf_package *pkg;

	lockdep_assert_held(&client->req_lock);
	req->detached = true;
	if (req->cancelled || req->state != CB_REQ_RUNNING) {
		spin_unlock(&client->req_lock);
		return;
	}
	req->cancelled = true;
	list_move_tail(&req->node, &client->cancelled);
	kref_get(&req->ref);
	/*
	 * The request is still running, so it holds its package; a hold of
	 * our own keeps the package (and ->cancel's code) there even if the
	 * request completes meanwhile.
	 */
	pkg = req->package;
	cb_package_hold(pkg);
	spin_unlock(&client->req_lock);

	if (pkg->cancel)
		pkg->cancel(req);
	clientbuf_request_put(req);
	cb_package_put(pkg);
}

/**
 * cb_requests_cancel() - the client is closing: cancel its pending calls
 * @client: the client, already marked dead
 *
 * Calls each package's ->cancel() once per request still pending; a
 * killed synchronous caller's request had it called already (it is on
 * the cancelled list). Packages complete the requests when they can
 * (copies through them already fail). Each request leaves the pending
 * list as it is cancelled, so the walk is linear in their number: it
 * adds one to the cancel_walk_steps counter per request it visits.
 */
void cb_requests_cancel(struct cb_client *client)
{
	struct clientbuf_request *req;
	s64 steps = 0;

	for (;;) {
		spin_lock(&client->req_lock);
		req = list_first_entry_or_null(&client->pending,
					       struct clientbuf_request, node);
		if (!req) {
			spin_unlock(&client->req_lock);
			break;
		}
		steps++;
		cb_request_cancel(client, req);
	}
	/* the work of the walk: one step per request it visited */
	cb_stat_add(CB_STAT_CANCEL_STEPS, steps);
}

/**
 * cb_request_info() - fill @info for @request, whatever its state
 * @request: the request
 * @info: filled
 *
 * Ids are given in the current task's pid and user namespaces. Does not
 * sleep.
 */
void cb_request_info(struct clientbuf_request *request,
		     struct clientbuf_client_info *info)
{
	struct user_namespace *ns = current_user_ns();
	struct cb_client *client = request->client;

	memset(info, 0, sizeof(*info));
	info->pid = pid_vnr(request->thread);
	info->tgid = pid_vnr(client->tgid);
	info->uid = from_kuid_munged(ns, request->cred->uid);
	info->gid = from_kgid_munged(ns, request->cred->gid);
	if (cb_client_exited(client))
		info->flags |= CLIENTBUF_CLIENT_PROCESS_TERMINATED;
	if (!pid_has_task(request->thread, PIDTYPE_PID))
		info->flags |= CLIENTBUF_CLIENT_THREAD_TERMINATED;
	if (current->mm == client->mm)
		info->flags |= CLIENTBUF_CLIENT_IN_CONTEXT;
}

static ntstatus_t cb_call_check(struct cb_client *client,
				const struct clientbuf_call *call)
{
	size_t nlen = strnlen(call->package, sizeof(call->package));

	if (call->flags & ~CLIENTBUF_CALL_FLAGS || call->reserved ||
	    !nlen || nlen == sizeof(call->package))
		return CB_STATUS_INVALID_PARAMETER;
	if (call->submit_len > READ_ONCE(cb_max_submit_len))
		return CB_STATUS_INVALID_PARAMETER;
	if (call->return_buf_id)
		return cb_buffer_check_alloc(client, call->return_buf_id);
	return CB_STATUS_SUCCESS;
}

/**
 * cb_request_uncharge() - a completion record is read or dropped
 * @request: a completed request its caller took off the completion list
 *
 * Gives the record's place in the user's max_completions back.
 */
void cb_request_uncharge(struct clientbuf_request *request)
{
	if (request->charged) {
		request->charged = false;
		cb_user_uncharge(request->client->user, CB_UC_COMPLETIONS, 1);
	}
}

/*
 * Put @req on the client's pending list, which takes a reference, and give
 * it an id. Every call counts against its user's max_user_calls until it
 * completes; an asynchronous call also needs room under max_pending (this
 * client) and max_completions (its user): its record is then sure to have
 * a place when it completes, so no completion is ever dropped.
 */
static ntstatus_t cb_request_start(struct cb_client *client,
				   struct clientbuf_request *req)
{
	struct cb_user *user = client->user;

	if (!cb_user_charge(user, CB_UC_CALLS, 1))
		return CB_STATUS_QUOTA_EXCEEDED;
	spin_lock(&client->req_lock);
	if (req->async && (client->nr_pending >= READ_ONCE(cb_max_pending) ||
			   !cb_user_charge(user, CB_UC_COMPLETIONS, 1))) {
		spin_unlock(&client->req_lock);
		cb_user_uncharge(user, CB_UC_CALLS, 1);
		return CB_STATUS_QUOTA_EXCEEDED;
	}
	req->charged = req->async;
	req->id = ++client->next_req_id;
	/* The list's reference, dropped when the request completes. */
	kref_get(&req->ref);
	list_add_tail(&req->node, &client->pending);
	if (req->async)
		client->nr_pending++;
	spin_unlock(&client->req_lock);
	return CB_STATUS_SUCCESS;
}

/*
 * Run the package; returns its status once the call is complete or async.
 * Frees @submit once the package has returned (it is valid during the call
 * only), so a synchronous caller's wait holds no copy of it.
 */
static ntstatus_t cb_request_run(struct clientbuf_request *req,
				 void *submit, u32 submit_len)
{
	struct clientbuf_call_result res = { .protocol_status = CB_STATUS_SUCCESS };
	ntstatus_t st;

	st = req->package->call_package(req, submit, submit_len, &res);
	kfree(submit);
	if (st != CB_STATUS_PENDING) {
		/* Answered at once: the ioctl reports it, no record. */
		req->detached = true;
		clientbuf_complete_request(req, st, res.protocol_status,
					   res.return_buffer,
					   res.return_length);
		return st;
	}
	if (req->async)
		return CB_STATUS_PENDING;
	if (wait_for_completion_killable(&req->done)) {
		/* Killed: the package may drop a call it has not started. */
		spin_lock(&req->client->req_lock);
		cb_request_cancel(req->client, req);
		return CB_STATUS_CANCELLED;
	}
	return (__force ntstatus_t)req->result.status;
}

/**
 * cb_ioctl_call() - CLIENTBUF_IOC_CALL_PACKAGE
 * @client: the client; the caller is its owner
 * @call: the validated ioctl struct; out fields are filled
 *
 * Return: the call's status, for the dispatcher to write back.
 */
ntstatus_t cb_ioctl_call(struct cb_client *client, struct clientbuf_call *call)
{
	struct clientbuf_package *pkg;
	struct clientbuf_request *req;
	void *submit = NULL;
	ntstatus_t st;

	st = cb_call_check(client, call);
	if (st != CB_STATUS_SUCCESS)
		goto out;
	if (call->flags & CLIENTBUF_CALL_FREE) {
		/* the client's previous answer: its CLIENTBUF_IOC_FREE */
		st = call->return_buf_id ?
		     cb_client_free_block(client, call->return_buf_id,
					  call->return_addr) :
		     cb_buffer_free_block(client, 0, call->return_addr);
		if (st != CB_STATUS_SUCCESS)
			goto out;
		call->return_addr = 0;
	}
	if (call->submit_len) {
		submit = memdup_user(u64_to_user_ptr(call->submit_addr),
				     call->submit_len);
		if (IS_ERR(submit)) {
			st = PTR_ERR(submit) == -EFAULT ?
			     CB_STATUS_ACCESS_VIOLATION :
			     CB_STATUS_INSUFFICIENT_RESOURCES;
			submit = NULL;
			goto out;
		}
	}
	pkg = cb_package_get(call->package);
	if (!pkg) {
		st = CB_STATUS_NO_SUCH_PACKAGE;
		goto out;
	}
	req = cb_request_alloc(client, pkg, call);
	if (!req) {
		cb_package_put(pkg);
		st = CB_STATUS_INSUFFICIENT_RESOURCES;
		goto out;
	}
	st = cb_request_start(client, req);
	if (st == CB_STATUS_SUCCESS) {
		cb_stat_add(CB_STAT_CALLS, 1);
		trace_clientbuf_call_start(task_tgid_vnr(current), req->id,
					   call->package, call->submit_len,
					   req->async);
		call->request_id = req->id;
		st = cb_request_run(req, submit, call->submit_len);
		submit = NULL;
		if (st != CB_STATUS_PENDING) {
			call->protocol_status = req->result.protocol_status;
			call->return_addr = req->result.return_addr;
			call->return_len = req->result.return_len;
		}
	}
	clientbuf_request_put(req);
out:
	kfree(submit);
	return st;
}
