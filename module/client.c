// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: clients - one per open file of /dev/clientbuf.
 *
 * A client pins the opener's mm_struct (mmgrab(): the struct, not its
 * pages) and its thread group's struct pid, and never looks the process up
 * by number again. Only the process whose mm is the client's mm may use the
 * client: a child that inherited the fd across fork(), or the program that
 * replaced the opener by execve(), is refused (the /proc/PID/mem rule,
 * CVE-2012-0056).
 */
#include <linux/cred.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "internal.h"

/**
 * cb_client_create() - make the client of the current process
 *
 * Charged to the current task's user (user.c) until the client's last
 * reference is gone.
 *
 * Return: the client with one reference (the file's); ERR_PTR(-EDQUOT) at
 * the user's max_user_clients, ERR_PTR(-ENOMEM).
 */
struct cb_client *cb_client_create(void)
{
	struct cb_client *client;
	struct cb_user *user;

	if (!current->mm)
		return ERR_PTR(-ENOMEM);
	user = cb_user_get();
	if (!user)
		return ERR_PTR(-ENOMEM);
	if (!cb_user_charge(user, CB_UC_CLIENTS, 1)) {
		cb_user_put(user);
		return ERR_PTR(-EDQUOT);
	}
	client = kzalloc(sizeof(*client), GFP_KERNEL_ACCOUNT);
	if (!client) {
		cb_user_uncharge(user, CB_UC_CLIENTS, 1);
		cb_user_put(user);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&client->ref);
	client->user = user;
	client->mm = current->mm;
	mmgrab(client->mm);
	client->tgid = get_task_pid(current, PIDTYPE_TGID);
	init_rwsem(&client->teardown);
	mutex_init(&client->reg_lock);
	xa_init(&client->buffers);
	spin_lock_init(&client->req_lock);
	INIT_LIST_HEAD(&client->pending);
	INIT_LIST_HEAD(&client->cancelled);
	INIT_LIST_HEAD(&client->completions);
	init_waitqueue_head(&client->wait);
	cb_stat_add(CB_STAT_CLIENTS, 1);
	return client;
}

static void cb_client_free(struct kref *ref)
{
	struct cb_client *client = container_of(ref, struct cb_client, ref);

	WARN_ON_ONCE(!list_empty(&client->pending));
	WARN_ON_ONCE(!list_empty(&client->cancelled));
	xa_destroy(&client->buffers);
	put_pid(client->tgid);
	mmdrop(client->mm);
	cb_user_uncharge(client->user, CB_UC_CLIENTS, 1);
	cb_user_put(client->user);
	kfree(client);
	cb_stat_add(CB_STAT_CLIENTS, -1);
}

/**
 * cb_client_put() - drop a reference to a client
 * @client: the client
 */
void cb_client_put(struct cb_client *client)
{
	kref_put(&client->ref, cb_client_free);
}

/**
 * cb_client_is_owner() - may the current task use @client?
 * @client: the client
 *
 * Return: true if the current task runs in the client's address space.
 */
bool cb_client_is_owner(struct cb_client *client)
{
	return current->mm == client->mm;
}

/**
 * cb_client_exited() - has the client's process let go of its memory?
 * @client: the client
 *
 * The registered mm's users are not enough: anyone may hold the mm for a
 * moment (a reader of /proc/PID/stat, process_vm_readv(), khugepaged), so
 * an exited client's mm can still have users when its file is released.
 * A thread group that is exiting (exit_group(), a fatal signal) or gone
 * counts as exited too.
 *
 * Return: true once the registered mm has no users left (the process
 * exited, or execve() replaced its address space), or the client's thread
 * group is exiting or gone.
 */
bool cb_client_exited(struct cb_client *client)
{
	struct task_struct *task;
	bool exited;

	if (!atomic_read(&client->mm->mm_users))
		return true;
	rcu_read_lock();
	task = pid_task(client->tgid, PIDTYPE_TGID);
	exited = !task || (READ_ONCE(task->signal->flags) & SIGNAL_GROUP_EXIT);
	rcu_read_unlock();
	return exited;
}

static void cb_client_drop_completions(struct cb_client *client)
{
	struct clientbuf_request *req, *tmp;
	LIST_HEAD(list);

	spin_lock(&client->req_lock);
	list_splice_init(&client->completions, &list);
	spin_unlock(&client->req_lock);
	list_for_each_entry_safe(req, tmp, &list, node) {
		list_del_init(&req->node);
		cb_request_uncharge(req);
		clientbuf_request_put(req);
	}
}

/**
 * cb_client_release() - the file is closed: end the client
 * @client: the client
 *
 * Waits for copies in progress, refuses every later one, tells packages
 * to cancel pending calls, and releases the buffers. Requests that packages
 * still hold keep only the (inert) client struct alive.
 */
void cb_client_release(struct cb_client *client)
{
	down_write(&client->teardown);
	/* request checks, completions and pinned copies read it unlocked */
	WRITE_ONCE(client->dead, true);
	up_write(&client->teardown);

	cb_requests_cancel(client);
	cb_buffer_release_all(client);
	cb_client_drop_completions(client);
	cb_client_put(client);
}

static struct clientbuf_request *cb_client_next_completion(struct cb_client *c)
{
	struct clientbuf_request *req;

	spin_lock(&c->req_lock);
	req = list_first_entry_or_null(&c->completions,
				       struct clientbuf_request, node);
	if (req)
		list_del_init(&req->node);
	spin_unlock(&c->req_lock);
	return req;
}

static void cb_client_requeue(struct cb_client *c,
			      struct clientbuf_request *req)
{
	spin_lock(&c->req_lock);
	list_add(&req->node, &c->completions);
	spin_unlock(&c->req_lock);
}

/**
 * cb_client_read() - read() completion records
 * @client: the client
 * @buf: user buffer
 * @count: its size; at least one struct clientbuf_completion
 * @nonblock: O_NONBLOCK
 *
 * Return: bytes read (whole records), or a negative errno.
 */
ssize_t cb_client_read(struct cb_client *client, char __user *buf,
		       size_t count, bool nonblock)
{
	const size_t rec = sizeof(struct clientbuf_completion);
	struct clientbuf_request *req;
	ssize_t done = 0;
	int ret;

	if (!cb_client_is_owner(client))
		return -EPERM;
	if (count < rec)
		return -EINVAL;

	while (done + rec <= count) {
		req = cb_client_next_completion(client);
		if (!req) {
			if (done)
				break;
			if (nonblock)
				return -EAGAIN;
			ret = wait_event_interruptible(client->wait,
						       !list_empty(&client->completions));
			if (ret)
				return ret;
			continue;
		}
		if (copy_to_user(buf + done, &req->result, rec)) {
			cb_client_requeue(client, req);
			return done ? done : -EFAULT;
		}
		/* Read: the record no longer counts against the user. */
		cb_request_uncharge(req);
		clientbuf_request_put(req);
		done += rec;
	}
	return done;
}

/**
 * cb_client_poll() - poll() for completion records
 * @client: the client
 * @file: its file
 * @wait: poll table
 *
 * Return: EPOLLIN | EPOLLRDNORM while a record is queued.
 */
__poll_t cb_client_poll(struct cb_client *client, struct file *file,
			poll_table *wait)
{
	__poll_t mask = 0;

	poll_wait(file, &client->wait, wait);
	spin_lock(&client->req_lock);
	if (!list_empty(&client->completions))
		mask = EPOLLIN | EPOLLRDNORM;
	spin_unlock(&client->req_lock);
	return mask;
}
