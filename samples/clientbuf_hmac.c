// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_hmac: "hmac_logon", a sample security package.
 *
 * A challenge-response logon built only on the public package API
 * (<clientbuf/secpkg.h>): the token is HMAC-SHA256(key, user || challenge),
 * computed with the kernel crypto API and delivered into the client's
 * memory the two ways an LSA package answers: copy_to_client_buffer() into
 * an out buffer the client named, or allocate_client_buffer() plus
 * copy_to_client_buffer(), returned as the ProtocolReturnBuffer. With
 * HMAC_LOGON_F_DEFER the call is answered from a work item
 * (CB_STATUS_PENDING, then clientbuf_complete_request()). The protocol is in
 * clientbuf_hmac.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/capability.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <clientbuf/secpkg.h>
#include "clientbuf_hmac.h"

static char hmac_key_param[HMAC_LOGON_DATA_MAX + 1] = "clientbuf-sample-key";
module_param_string(key, hmac_key_param, sizeof(hmac_key_param), 0);
MODULE_PARM_DESC(key,
		 "initial HMAC key, 1.." __stringify(HMAC_LOGON_DATA_MAX)
		 " bytes (default \"clientbuf-sample-key\")");

/**
 * struct hmac_job - one logon, run in the caller or by a work item
 * @dwork: the (delayed) work item of a deferred logon
 * @node: in hmac_jobs while the work item has not started
 * @req: the request; a reference is held for a deferred logon
 * @out_addr: the client's out buffer, or 0
 * @out_len: its size
 * @msg_len: bytes of @msg in use: user field plus challenge
 * @msg: the HMAC input, user field then challenge
 */
struct hmac_job {
	struct delayed_work dwork;
	struct list_head node;
	struct clientbuf_request *req;
	u64 out_addr;
	u32 out_len;
	u32 msg_len;
	u8 msg[HMAC_LOGON_USER_LEN + HMAC_LOGON_DATA_MAX];
};

static struct clientbuf_package hmac_package;

/* The keyed transform: digests under read, setkey under write. */
static struct crypto_shash *hmac_tfm;
static DECLARE_RWSEM(hmac_key_sem);

/* Deferred logons whose work item has not started, for ->cancel(). */
static LIST_HEAD(hmac_jobs);
static DEFINE_SPINLOCK(hmac_jobs_lock);
static struct workqueue_struct *hmac_wq;

/**
 * hmac_token() - compute the token of @job
 * @job: the logon
 * @token: HMAC_LOGON_TOKEN_LEN bytes, filled
 *
 * Return: CB_STATUS_SUCCESS, or CB_STATUS_UNSUCCESSFUL if the crypto API failed.
 */
static ntstatus_t hmac_token(const struct hmac_job *job, u8 *token)
{
	SHASH_DESC_ON_STACK(desc, hmac_tfm);
	int ret;

	down_read(&hmac_key_sem);
	desc->tfm = hmac_tfm;
	ret = crypto_shash_digest(desc, job->msg, job->msg_len, token);
	up_read(&hmac_key_sem);
	shash_desc_zero(desc);
	return ret ? CB_STATUS_UNSUCCESSFUL : CB_STATUS_SUCCESS;
}

/**
 * hmac_deliver() - put @token where the client asked for it
 * @job: the logon
 * @token: the token
 * @res: filled with the answer
 *
 * Return: CB_STATUS_SUCCESS, CB_STATUS_BUFFER_TOO_SMALL (with the needed length
 * in @res), or the status of the client-buffer function that failed.
 */
static ntstatus_t hmac_deliver(const struct hmac_job *job, const u8 *token,
			       struct clientbuf_call_result *res)
{
	const struct clientbuf_functions *fn = hmac_package.functions;
	void __user *block;
	ntstatus_t st;

	if (job->out_addr) {
		if (job->out_len < HMAC_LOGON_TOKEN_LEN) {
			res->return_length = HMAC_LOGON_TOKEN_LEN;
			return CB_STATUS_BUFFER_TOO_SMALL;
		}
		block = u64_to_user_ptr(job->out_addr);
		st = fn->copy_to_client_buffer(job->req, HMAC_LOGON_TOKEN_LEN,
					       block, token);
		if (st != CB_STATUS_SUCCESS)
			return st;
	} else {
		st = fn->allocate_client_buffer(job->req, HMAC_LOGON_TOKEN_LEN,
						&block);
		if (st != CB_STATUS_SUCCESS)
			return st;
		st = fn->copy_to_client_buffer(job->req, HMAC_LOGON_TOKEN_LEN,
					       block, token);
		if (st != CB_STATUS_SUCCESS) {
			fn->free_client_buffer(job->req, block);
			return st;
		}
	}
	res->return_buffer = block;
	res->return_length = HMAC_LOGON_TOKEN_LEN;
	return CB_STATUS_SUCCESS;
}

/* Run the logon @job in the current context; fills @res. */
static ntstatus_t hmac_logon(const struct hmac_job *job,
			     struct clientbuf_call_result *res)
{
	u8 token[HMAC_LOGON_TOKEN_LEN];
	ntstatus_t st;

	st = hmac_token(job, token);
	if (st == CB_STATUS_SUCCESS)
		st = hmac_deliver(job, token, res);
	memzero_explicit(token, sizeof(token));
	res->protocol_status = st;
	return st;
}

static void hmac_work_fn(struct work_struct *work)
{
	struct hmac_job *job = container_of(to_delayed_work(work),
					    struct hmac_job, dwork);
	struct clientbuf_call_result res = {};
	struct clientbuf_request *req = job->req;
	ntstatus_t st;

	spin_lock(&hmac_jobs_lock);
	list_del(&job->node);
	spin_unlock(&hmac_jobs_lock);

	st = hmac_logon(job, &res);
	kfree_sensitive(job);
	clientbuf_complete_request(req, st, res.protocol_status,
				   res.return_buffer, res.return_length);
	/*
	 * The completion above dropped the request's hold on this module;
	 * hmac_exit() still cannot run before this function returned
	 * (destroy_workqueue() waits).
	 */
	clientbuf_request_put(req);
}

/* The client went away: run its deferred logon now (its copies fail). */
static void hmac_cancel(struct clientbuf_request *req)
{
	struct hmac_job *job;

	spin_lock(&hmac_jobs_lock);
	list_for_each_entry(job, &hmac_jobs, node) {
		/* not pending any more: it is running, about to finish */
		if (job->req == req && cancel_delayed_work(&job->dwork))
			queue_delayed_work(hmac_wq, &job->dwork, 0);
	}
	spin_unlock(&hmac_jobs_lock);
}

/* Is @user a non-empty NUL-terminated string, padded with NULs? */
static bool hmac_user_valid(const char *user)
{
	size_t len = strnlen(user, HMAC_LOGON_USER_LEN);

	return len && len < HMAC_LOGON_USER_LEN &&
	       !memchr_inv(user + len, 0, HMAC_LOGON_USER_LEN - len);
}

/* Check the header @s of a @submit_len byte submit buffer. */
static bool hmac_submit_valid(const struct hmac_logon_submit *s,
			      u32 submit_len)
{
	u32 delay;

	if (submit_len < sizeof(*s) || s->reserved || s->reserved2 ||
	    !s->challenge_len || s->challenge_len > HMAC_LOGON_DATA_MAX ||
	    submit_len - sizeof(*s) != s->challenge_len)
		return false;
	if (!s->out_addr && s->out_len)
		return false;

	switch (s->op) {
	case HMAC_LOGON_OP_LOGON:
		delay = s->flags >> HMAC_LOGON_DELAY_SHIFT;
		if (s->flags & ~HMAC_LOGON_FLAGS)
			return false;
		if (delay && (!(s->flags & HMAC_LOGON_F_DEFER) ||
			      delay > HMAC_LOGON_DELAY_MAX_MS))
			return false;
		return hmac_user_valid(s->user);
	case HMAC_LOGON_OP_SET_KEY:
		return !s->flags && !s->out_addr &&
		       !memchr_inv(s->user, 0, HMAC_LOGON_USER_LEN);
	default:
		return false;
	}
}

static ntstatus_t hmac_set_key(const u8 *key, u32 len)
{
	int ret;

	/* call_package runs in the caller's context: its capabilities */
	if (!capable(CAP_SYS_ADMIN))
		return CB_STATUS_ACCESS_DENIED;
	down_write(&hmac_key_sem);
	ret = crypto_shash_setkey(hmac_tfm, key, len);
	up_write(&hmac_key_sem);
	return ret ? CB_STATUS_INVALID_PARAMETER : CB_STATUS_SUCCESS;
}

static ntstatus_t hmac_call(struct clientbuf_request *req, const void *submit,
			    u32 submit_len, struct clientbuf_call_result *res)
{
	const struct hmac_logon_submit *s = submit;
	struct hmac_job *job;
	ntstatus_t st;

	if (!hmac_submit_valid(s, submit_len)) {
		st = CB_STATUS_INVALID_PARAMETER;
		goto out;
	}
	if (s->op == HMAC_LOGON_OP_SET_KEY) {
		st = hmac_set_key((const u8 *)(s + 1), s->challenge_len);
		goto out;
	}

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job) {
		st = CB_STATUS_INSUFFICIENT_RESOURCES;
		goto out;
	}
	job->out_addr = s->out_addr;
	job->out_len = s->out_len;
	memcpy(job->msg, s->user, HMAC_LOGON_USER_LEN);
	memcpy(job->msg + HMAC_LOGON_USER_LEN, s + 1, s->challenge_len);
	job->msg_len = HMAC_LOGON_USER_LEN + s->challenge_len;

	if (!(s->flags & HMAC_LOGON_F_DEFER)) {
		job->req = req;
		st = hmac_logon(job, res);
		kfree_sensitive(job);
		return st;
	}

	job->req = clientbuf_request_get(req);
	INIT_DELAYED_WORK(&job->dwork, hmac_work_fn);
	spin_lock(&hmac_jobs_lock);
	list_add_tail(&job->node, &hmac_jobs);
	queue_delayed_work(hmac_wq, &job->dwork,
			   msecs_to_jiffies(s->flags >> HMAC_LOGON_DELAY_SHIFT));
	spin_unlock(&hmac_jobs_lock);
	return CB_STATUS_PENDING;
out:
	res->protocol_status = st;
	return st;
}

static struct clientbuf_package hmac_package = {
	.name		= HMAC_LOGON_PACKAGE,
	.owner		= THIS_MODULE,
	.call_package	= hmac_call,
	.cancel		= hmac_cancel,
};

static int __init hmac_init(void)
{
	size_t key_len = strlen(hmac_key_param);
	int ret;

	if (!key_len) {
		pr_err("the key must not be empty\n");
		return -EINVAL;
	}
	hmac_tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(hmac_tfm))
		return PTR_ERR(hmac_tfm);
	ret = crypto_shash_setkey(hmac_tfm, hmac_key_param, key_len);
	if (ret)
		goto err_tfm;
	hmac_wq = alloc_workqueue("clientbuf_hmac", WQ_UNBOUND, 0);
	if (!hmac_wq) {
		ret = -ENOMEM;
		goto err_tfm;
	}
	ret = clientbuf_register_package(&hmac_package);
	if (ret)
		goto err_wq;
	return 0;

err_wq:
	destroy_workqueue(hmac_wq);
err_tfm:
	crypto_free_shash(hmac_tfm);
	return ret;
}

static void __exit hmac_exit(void)
{
	clientbuf_unregister_package(&hmac_package);
	/*
	 * Pending logons pin this module, so no job is queued any more; wait
	 * for work functions still returning from clientbuf_request_put().
	 */
	destroy_workqueue(hmac_wq);
	WARN_ON(!list_empty(&hmac_jobs));
	crypto_free_shash(hmac_tfm);
}

module_init(hmac_init);
module_exit(hmac_exit);

MODULE_LICENSE("GPL");
CLIENTBUF_IMPORT_NS();
MODULE_DESCRIPTION("clientbuf sample package: HMAC-SHA256 challenge-response logon");
