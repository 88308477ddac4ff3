// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_passwd: "passwd_logon", a sample password package whose
 * verifiers live in the kernel keyring.
 *
 * A logon submits a user name and the address of the password in one of
 * the client's READ buffers (the protocol is in clientbuf_passwd.h). The
 * package reads the password with copy_from_client_buffer(), looks up the
 * user's verifier (a "user" key "clientbuf:passwd:USER" in the keyring
 * "clientbuf:passwd" that this module owns and root provisions, with
 * keyctl or "clientbuf passwd"), derives PBKDF2-HMAC-SHA256 with the
 * verifier's salt and iteration count through the crypto API's
 * hmac(sha256), and compares with crypto_memneq().
 *
 * As unix_chkpwd does for pam_unix:
 *  - a caller without CAP_DAC_READ_SEARCH (the right to read /etc/shadow,
 *    which unix_chkpwd's group shadow stands for) checks only its own
 *    account: its real and effective uid must own the user's key (root
 *    provisions it, then chowns it to the account's uid: "clientbuf
 *    passwd" does both); any other name, known or not, gets
 *    CB_STATUS_ACCESS_DENIED at once, with no work done, no count and a
 *    log line;
 *  - every check costs dummy_iterations PBKDF2 iterations: a verifier with
 *    fewer runs on to that count, one with more is refused as malformed
 *    (logged), a user without a verifier is checked against a dummy; so an
 *    unknown name costs what a known one costs whatever the keyring holds;
 *  - failures are counted per user name (struct passwd_account) before the
 *    answer, so killing the caller does not undo them; deny failures within
 *    fail_interval seconds lock the name out for unlock_time seconds, and
 *    a locked-out check answers CB_STATUS_LOGON_FAILURE whatever the
 *    password, after the same work;
 *  - every failure is answered fail_delay_ms later: the call returns
 *    CB_STATUS_PENDING and a delayed work item completes it, so the delay
 *    holds a timer, not a thread;
 *  - failures and refusals are logged, rate-limited, with the caller's uid;
 *  - a disabled account answers CB_STATUS_ACCOUNT_DISABLED whatever the
 *    password, after the same work and delay, and is not counted.
 *
 * Keyring changes while calls are in flight: a call looks its key up once
 * (keyring_search() takes a reference), copies the payload under the
 * key's semaphore and drops the reference before deriving; it uses the
 * verifier as it was at that moment. An update (keyctl update, "clientbuf
 * passwd" again) replaces the payload whole, so a call sees the old or the
 * new verifier, never a mix; a key unlinked, revoked or invalidated after
 * the lookup still serves the call that found it, and later calls do not
 * find it. Calls hold a reference on this module, so the keyring outlives
 * them; unloading the module invalidates the keyring and with it every
 * verifier.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <keys/user-type.h>
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/key.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>
#include <clientbuf/secpkg.h>
#include "clientbuf_passwd.h"

static bool reveal_unknown_user;
module_param(reveal_unknown_user, bool, 0644);
MODULE_PARM_DESC(reveal_unknown_user,
		 "answer STATUS_NO_SUCH_USER for a user without a verifier instead of STATUS_LOGON_FAILURE (default off)");

/*
 * The parameter kept its name (a user without a verifier is checked with
 * this count) and now sets what every check costs.
 */
static unsigned int dummy_iterations = PASSWD_ITERATIONS_DEFAULT;
module_param(dummy_iterations, uint, 0644);
MODULE_PARM_DESC(dummy_iterations,
		 "PBKDF2 iterations every check costs, known user or not; verifiers with more are refused (default "
		 __stringify(PASSWD_ITERATIONS_DEFAULT) ")");

static unsigned int fail_delay_ms = 2000;
module_param(fail_delay_ms, uint, 0644);
MODULE_PARM_DESC(fail_delay_ms,
		 "delay of every failed check, ms, at most 60000 (default 2000)");
#define PASSWD_FAIL_DELAY_MAX_MS	60000

static unsigned int deny = 3;
module_param(deny, uint, 0644);
MODULE_PARM_DESC(deny,
		 "failures within fail_interval that lock a user out, 0: never (default 3)");

static unsigned int fail_interval = 900;
module_param(fail_interval, uint, 0644);
MODULE_PARM_DESC(fail_interval,
		 "seconds within which failures add up (default 900)");

static unsigned int unlock_time = 600;
module_param(unlock_time, uint, 0644);
MODULE_PARM_DESC(unlock_time,
		 "seconds after the last failure that a lockout ends, 0: only by the parameter unlock (default 600)");

static unsigned int max_accounts = 1024;
module_param(max_accounts, uint, 0644);
MODULE_PARM_DESC(max_accounts,
		 "user names whose failures are remembered; the least recently failed is forgotten first (default 1024)");

/* The keyring's serial, for the tools (read-only). */
static int passwd_keyring_serial;
module_param_named(keyring, passwd_keyring_serial, int, 0444);
MODULE_PARM_DESC(keyring, "serial number of the keyring \"" PASSWD_KEYRING
		 "\" (read-only)");

/* PBKDF2 iterations (HMAC computations) done since load, for the tests. */
static atomic64_t passwd_iterations_done = ATOMIC64_INIT(0);

static int passwd_iterations_done_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&passwd_iterations_done));
}

static const struct kernel_param_ops passwd_iterations_done_ops = {
	.get = passwd_iterations_done_get,
};

module_param_cb(iterations_done, &passwd_iterations_done_ops, NULL, 0444);
MODULE_PARM_DESC(iterations_done,
		 "PBKDF2 iterations computed since the module loaded (read-only)");

static int passwd_unlock_set(const char *val, const struct kernel_param *kp);

static const struct kernel_param_ops passwd_unlock_ops = {
	.set = passwd_unlock_set,
};

module_param_cb(unlock, &passwd_unlock_ops, NULL, 0200);
MODULE_PARM_DESC(unlock,
		 "write a user name to forget its failures (unlock it), or \"*\" for every user");

/* Created at init, invalidated and put at exit; calls pin the module. */
static struct key *passwd_keyring;

/* What a user without a verifier is checked against (random, never met). */
static struct passwd_logon_verifier passwd_dummy;

static struct clientbuf_package passwd_package;

/**
 * struct passwd_account - the failures of one user name
 * @node: in passwd_accounts, the most recently failed first
 * @fails: failures since @first_fail, each counted when its check starts
 *	(a success forgets the record)
 * @first_fail: jiffies of the first of them
 * @last_fail: jiffies of the last of them
 * @user: the name, NUL-padded
 *
 * Records exist for names that failed, known users or not, so that a
 * lockout tells nothing about who exists; at most max_accounts of them.
 */
struct passwd_account {
	struct list_head node;
	unsigned int fails;
	unsigned long first_fail;
	unsigned long last_fail;
	char user[PASSWD_LOGON_USER_LEN];
};

/*
 * passwd_accounts_lock protects passwd_accounts, passwd_naccounts and
 * every record's fields. Innermost lock of this module (nothing is taken
 * under it; a key's semaphore is never held with it).
 */
static DEFINE_MUTEX(passwd_accounts_lock);
static LIST_HEAD(passwd_accounts);
static unsigned int passwd_naccounts;

/**
 * struct passwd_job - a failed check whose answer waits for fail_delay_ms
 * @dwork: completes the request when the delay is over
 * @node: in passwd_jobs while the work item has not started
 * @req: the request, with a reference
 * @status: the answer
 */
struct passwd_job {
	struct delayed_work dwork;
	struct list_head node;
	struct clientbuf_request *req;
	ntstatus_t status;
};

/* Delayed answers whose work item has not started, for ->cancel(). */
static LIST_HEAD(passwd_jobs);
static DEFINE_SPINLOCK(passwd_jobs_lock);
static struct workqueue_struct *passwd_wq;

/* One log line per failure or refusal, at most 10 every 5 s. */
static DEFINE_RATELIMIT_STATE(passwd_log_rs, 5 * HZ, 10);

/**
 * passwd_pbkdf2() - PBKDF2-HMAC-SHA256 with a one-block output
 * @password: the password
 * @password_len: its length
 * @salt: PASSWD_SALT_LEN bytes
 * @iterations: iteration count, 1..@cost
 * @cost: HMAC computations done in all: the chain runs on past
 *	@iterations, into a scratch block, so that every check costs the same
 * @dk: PASSWD_DK_LEN bytes, filled
 *
 * RFC 8018 5.2 with dkLen = hLen: T1 = U1 ^ U2 ^ ... ^ Uc, U1 =
 * HMAC(P, S || INT(1)), Ui = HMAC(P, Ui-1).
 *
 * Return: 0, or a negative errno from the crypto API.
 */
static int passwd_pbkdf2(const u8 *password, u32 password_len, const u8 *salt,
			 u32 iterations, u32 cost, u8 *dk)
{
	static const u8 block_index[4] = { 0, 0, 0, 1 };
	struct crypto_shash *tfm;
	u8 u[PASSWD_DK_LEN], scratch[PASSWD_DK_LEN];
	unsigned int i, j;
	u8 *acc;
	int ret;

	/* one transform per call: setkey is per password */
	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ret = crypto_shash_setkey(tfm, password, password_len);
	if (ret)
		goto out;
	{
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		ret = crypto_shash_init(desc) ?:
		      crypto_shash_update(desc, salt, PASSWD_SALT_LEN) ?:
		      crypto_shash_finup(desc, block_index,
					 sizeof(block_index), u);
		memcpy(dk, u, PASSWD_DK_LEN);
		memcpy(scratch, u, PASSWD_DK_LEN);
		for (i = 1; !ret && i < cost; i++) {
			ret = crypto_shash_digest(desc, u, sizeof(u), u);
			acc = i < iterations ? dk : scratch;
			for (j = 0; j < PASSWD_DK_LEN; j++)
				acc[j] ^= u[j];
			cond_resched();
		}
		shash_desc_zero(desc);
		atomic64_add(cost, &passwd_iterations_done);
	}
out:
	memzero_explicit(u, sizeof(u));
	memzero_explicit(scratch, sizeof(scratch));
	crypto_free_shash(tfm);
	return ret;
}

/**
 * passwd_lookup() - copy the verifier of @user out of the keyring
 * @user: the user name, NUL-terminated
 * @v: filled with the verifier
 * @owner: filled with the key's owner, the account's uid
 *
 * Return: 0; -ENOKEY if the user has none (or it was revoked); -EINVAL if
 * it is malformed (@v is then zeroed); -ENOMEM.
 */
static int passwd_lookup(const char *user, struct passwd_logon_verifier *v,
			 kuid_t *owner)
{
	char desc[sizeof(PASSWD_KEY_PREFIX) + PASSWD_LOGON_USER_LEN];
	const struct user_key_payload *payload;
	key_ref_t ref;
	struct key *key;
	u32 iterations;
	int ret = 0;

	snprintf(desc, sizeof(desc), PASSWD_KEY_PREFIX "%s", user);
	ref = keyring_search(make_key_ref(passwd_keyring, true),
			     &key_type_user, desc, false);
	if (IS_ERR(ref))
		return PTR_ERR(ref) == -ENOMEM ? -ENOMEM : -ENOKEY;
	key = key_ref_to_ptr(ref);

	down_read(&key->sem);
	*owner = key->uid;		/* keyctl chown writes it under sem */
	payload = user_key_payload_locked(key);
	if (!payload)
		ret = -ENOKEY;		/* revoked after the search */
	else if (payload->datalen != sizeof(*v))
		ret = -EINVAL;
	else
		memcpy(v, payload->data, sizeof(*v));
	up_read(&key->sem);
	key_put(key);
	if (ret)
		return ret;

	iterations = le32_to_cpu(v->iterations);
	if (le32_to_cpu(v->version) != PASSWD_VERIFIER_VERSION ||
	    le32_to_cpu(v->flags) & ~PASSWD_VERIFIER_FLAGS || v->reserved ||
	    !iterations || iterations > PASSWD_ITERATIONS_MAX) {
		memzero_explicit(v, sizeof(*v));
		return -EINVAL;
	}
	return 0;
}

/* The count every check costs now. */
static u32 passwd_cost(void)
{
	return clamp_t(u32, READ_ONCE(dummy_iterations), 1,
		       PASSWD_ITERATIONS_MAX);
}

/* Log @fmt with the caller's uid and the escaped user name, limited. */
static __printf(2, 3) void passwd_log(const char *user, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (!__ratelimit(&passwd_log_rs))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_notice("uid %u: user \"%*pE\": %pV\n",
		  from_kuid(&init_user_ns, current_uid()), (int)strlen(user),
		  user, &vaf);
	va_end(args);
}

/**
 * passwd_may_check() - may the caller check an account?
 * @found: the account has a valid verifier
 * @owner: its key's owner, the account's uid (if @found)
 *
 * Runs in the caller's context (call_package does).
 *
 * Return: true with CAP_DAC_READ_SEARCH, or if the caller's real and
 * effective uid are @owner.
 */
static bool passwd_may_check(bool found, kuid_t owner)
{
	if (capable(CAP_DAC_READ_SEARCH))
		return true;
	return found && uid_eq(current_uid(), owner) &&
	       uid_eq(current_euid(), owner);
}

/* The record of @user, or NULL. Under passwd_accounts_lock. */
static struct passwd_account *passwd_account_find(const char *user)
{
	struct passwd_account *a;

	list_for_each_entry(a, &passwd_accounts, node)
		if (!strncmp(a->user, user, PASSWD_LOGON_USER_LEN))
			return a;
	return NULL;
}

static void passwd_account_free(struct passwd_account *a)
{
	list_del(&a->node);
	passwd_naccounts--;
	kfree(a);
}

/**
 * passwd_account_begin() - count a check of @user as a failure, at its start
 * @user: the name
 *
 * Forgets failures older than fail_interval and lockouts older than
 * unlock_time, then adds one failure unless the name is locked out.
 *
 * Return: 1 if @user is locked out (nothing counted), 0 if counted,
 * -ENOMEM.
 */
static int passwd_account_begin(const char *user)
{
	unsigned long now = jiffies;
	unsigned int max_deny = READ_ONCE(deny);
	unsigned long interval = READ_ONCE(fail_interval) * (unsigned long)HZ;
	unsigned long unlock = READ_ONCE(unlock_time) * (unsigned long)HZ;
	struct passwd_account *a, *fresh;
	int ret = 0;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return -ENOMEM;
	mutex_lock(&passwd_accounts_lock);
	a = passwd_account_find(user);
	if (a && max_deny && a->fails >= max_deny) {
		if (!unlock || time_before(now, a->last_fail + unlock)) {
			ret = 1;
			goto out;
		}
		a->fails = 0;		/* the lockout is over */
	}
	if (!a) {
		if (passwd_naccounts >= max(READ_ONCE(max_accounts), 1U)) {
			a = list_last_entry(&passwd_accounts,
					    struct passwd_account, node);
			passwd_account_free(a);
		}
		a = fresh;
		fresh = NULL;
		strscpy_pad(a->user, user, sizeof(a->user));
		list_add(&a->node, &passwd_accounts);
		passwd_naccounts++;
	}
	if (a->fails && interval && time_after(now, a->first_fail + interval))
		a->fails = 0;
	if (!a->fails)
		a->first_fail = now;
	a->fails++;
	a->last_fail = now;
	list_move(&a->node, &passwd_accounts);
	if (max_deny && a->fails == max_deny)
		passwd_log(user, "locked out after %u failures", max_deny);
out:
	mutex_unlock(&passwd_accounts_lock);
	kfree(fresh);
	return ret;
}

/* A success: forget the failures of @user. */
static void passwd_account_forget(const char *user)
{
	struct passwd_account *a;

	mutex_lock(&passwd_accounts_lock);
	a = passwd_account_find(user);
	if (a)
		passwd_account_free(a);
	mutex_unlock(&passwd_accounts_lock);
}

/* The parameter unlock: a user name, or "*" for every user. */
static int passwd_unlock_set(const char *val, const struct kernel_param *kp)
{
	char user[PASSWD_LOGON_USER_LEN];
	struct passwd_account *a, *tmp;
	size_t len = strcspn(val, "\n");

	if (!len || len >= sizeof(user))
		return -EINVAL;
	memcpy(user, val, len);
	user[len] = 0;
	mutex_lock(&passwd_accounts_lock);
	list_for_each_entry_safe(a, tmp, &passwd_accounts, node)
		if (!strcmp(user, "*") ||
		    !strncmp(a->user, user, PASSWD_LOGON_USER_LEN))
			passwd_account_free(a);
	mutex_unlock(&passwd_accounts_lock);
	return 0;
}

static void passwd_job_fn(struct work_struct *work)
{
	struct passwd_job *job = container_of(to_delayed_work(work),
					      struct passwd_job, dwork);
	struct clientbuf_request *req = job->req;
	ntstatus_t st = job->status;

	spin_lock(&passwd_jobs_lock);
	list_del(&job->node);
	spin_unlock(&passwd_jobs_lock);
	kfree(job);
	clientbuf_complete_request(req, st, st, NULL, 0);
	/*
	 * The completion dropped the request's hold on this module;
	 * passwd_exit() still cannot finish before this function returned
	 * (destroy_workqueue() waits).
	 */
	clientbuf_request_put(req);
}

/* The client went away: answer its delayed failure now (nobody reads it). */
static void passwd_cancel(struct clientbuf_request *req)
{
	struct passwd_job *job;

	spin_lock(&passwd_jobs_lock);
	list_for_each_entry(job, &passwd_jobs, node) {
		if (job->req == req && cancel_delayed_work(&job->dwork))
			queue_delayed_work(passwd_wq, &job->dwork, 0);
	}
	spin_unlock(&passwd_jobs_lock);
}

/* Answer @st after fail_delay_ms, through @job. Return: CB_STATUS_PENDING. */
static ntstatus_t passwd_delay(struct clientbuf_request *req,
			       struct passwd_job *job, ntstatus_t st)
{
	unsigned int ms = min_t(unsigned int, READ_ONCE(fail_delay_ms),
				PASSWD_FAIL_DELAY_MAX_MS);

	job->req = clientbuf_request_get(req);
	job->status = st;
	INIT_DELAYED_WORK(&job->dwork, passwd_job_fn);
	spin_lock(&passwd_jobs_lock);
	list_add_tail(&job->node, &passwd_jobs);
	queue_delayed_work(passwd_wq, &job->dwork, msecs_to_jiffies(ms));
	spin_unlock(&passwd_jobs_lock);
	return CB_STATUS_PENDING;
}

/**
 * passwd_logon() - check the password of @s
 * @req: the request
 * @s: the (valid) submit buffer
 * @res: the result, for an answer given at once
 *
 * Return: the answer, see clientbuf_passwd.h, or CB_STATUS_PENDING for a
 * failure answered later.
 */
static ntstatus_t passwd_logon(struct clientbuf_request *req,
			       const struct passwd_logon_submit *s,
			       struct clientbuf_call_result *res)
{
	const struct clientbuf_functions *fn = passwd_package.functions;
	struct passwd_logon_verifier v;
	struct passwd_job *job = NULL;
	kuid_t owner = INVALID_UID;
	bool disabled, locked = false;
	u32 cost = passwd_cost();
	u8 dk[PASSWD_DK_LEN];
	u8 *password;
	ntstatus_t st;
	int found;

	/* kmalloc(0) is ZERO_SIZE_PTR: fine for an empty password */
	password = kmalloc(s->password_len, GFP_KERNEL);
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!password || !job) {
		st = CB_STATUS_INSUFFICIENT_RESOURCES;
		goto out;
	}
	st = fn->copy_from_client_buffer(req, s->password_len, password,
					 u64_to_user_ptr(s->password_addr));
	if (st != CB_STATUS_SUCCESS)
		goto out;

	found = passwd_lookup(s->user, &v, &owner);
	if (found == -ENOMEM) {
		st = CB_STATUS_INSUFFICIENT_RESOURCES;
		goto out;
	}
	if (!found && le32_to_cpu(v.iterations) > cost) {
		passwd_log(s->user, "verifier of %u iterations, above dummy_iterations %u: refused",
			   le32_to_cpu(v.iterations), cost);
		found = -EINVAL;
		memzero_explicit(&v, sizeof(v));
	} else if (found == -EINVAL) {
		passwd_log(s->user, "malformed verifier");
	}
	if (!passwd_may_check(!found, owner)) {
		passwd_log(s->user, "may not check this user: access denied");
		st = CB_STATUS_ACCESS_DENIED;
		goto out_v;
	}
	if (found) {
		v = passwd_dummy;
		v.iterations = cpu_to_le32(cost);
	}
	disabled = le32_to_cpu(v.flags) & PASSWD_VERIFIER_F_DISABLED;
	/* a disabled account answers the same whatever the password */
	if (!disabled) {
		int ret = passwd_account_begin(s->user);

		if (ret < 0) {
			st = CB_STATUS_INSUFFICIENT_RESOURCES;
			goto out_v;
		}
		locked = ret;
	}

	/* the same work whatever the user, the verifier and the lockout */
	if (passwd_pbkdf2(password, s->password_len, v.salt,
			  le32_to_cpu(v.iterations), cost, dk)) {
		st = CB_STATUS_INSUFFICIENT_RESOURCES;
	} else if (disabled) {
		st = CB_STATUS_ACCOUNT_DISABLED;
	} else if (crypto_memneq(dk, v.dk, sizeof(dk)) || found || locked) {
		st = found == -ENOKEY && READ_ONCE(reveal_unknown_user) ?
		     CB_STATUS_NO_SUCH_USER : CB_STATUS_LOGON_FAILURE;
	} else {
		st = CB_STATUS_SUCCESS;
		passwd_account_forget(s->user);
	}
	memzero_explicit(dk, sizeof(dk));
	if (st == CB_STATUS_LOGON_FAILURE || st == CB_STATUS_NO_SUCH_USER ||
	    st == CB_STATUS_ACCOUNT_DISABLED) {
		passwd_log(s->user, "authentication failure%s%s",
			   locked ? " (locked out)" : "",
			   disabled ? " (account disabled)" : "");
		st = passwd_delay(req, job, st);
		job = NULL;
	}
out_v:
	memzero_explicit(&v, sizeof(v));
out:
	kfree(job);
	kfree_sensitive(password);
	if (st != CB_STATUS_PENDING)
		res->protocol_status = st;
	return st;
}

static ntstatus_t passwd_account(const struct passwd_logon_submit *s)
{
	struct passwd_logon_verifier v;
	kuid_t owner = INVALID_UID;
	ntstatus_t st;
	int ret;

	ret = passwd_lookup(s->user, &v, &owner);
	if (ret == -ENOMEM)
		return CB_STATUS_INSUFFICIENT_RESOURCES;
	/* call_package runs in the caller's context: its credentials */
	if (!passwd_may_check(!ret, owner)) {
		passwd_log(s->user, "may not query this user: access denied");
		st = CB_STATUS_ACCESS_DENIED;
	} else if (ret == -ENOKEY) {
		st = CB_STATUS_NO_SUCH_USER;
	} else if (ret) {
		st = CB_STATUS_ACCOUNT_DISABLED;	/* malformed: no logon */
	} else {
		st = le32_to_cpu(v.flags) & PASSWD_VERIFIER_F_DISABLED ?
		     CB_STATUS_ACCOUNT_DISABLED : CB_STATUS_SUCCESS;
	}
	memzero_explicit(&v, sizeof(v));
	return st;
}

/* Is @user a non-empty NUL-terminated string, padded with NULs? */
static bool passwd_user_valid(const char *user)
{
	size_t len = strnlen(user, PASSWD_LOGON_USER_LEN);

	return len && len < PASSWD_LOGON_USER_LEN &&
	       !memchr_inv(user + len, 0, PASSWD_LOGON_USER_LEN - len);
}

static bool passwd_submit_valid(const struct passwd_logon_submit *s,
				u32 submit_len)
{
	if (submit_len != sizeof(*s) || s->flags || s->reserved ||
	    !passwd_user_valid(s->user))
		return false;
	switch (s->op) {
	case PASSWD_LOGON_OP_LOGON:
		return s->password_len <= PASSWD_LOGON_PASSWORD_MAX;
	case PASSWD_LOGON_OP_ACCOUNT:
		return !s->password_addr && !s->password_len;
	default:
		return false;
	}
}

static ntstatus_t passwd_call(struct clientbuf_request *req,
			      const void *submit, u32 submit_len,
			      struct clientbuf_call_result *res)
{
	const struct passwd_logon_submit *s = submit;
	ntstatus_t st;

	if (!passwd_submit_valid(s, submit_len)) {
		res->protocol_status = CB_STATUS_INVALID_PARAMETER;
		return CB_STATUS_INVALID_PARAMETER;
	}
	if (s->op == PASSWD_LOGON_OP_LOGON)
		return passwd_logon(req, s, res);
	st = passwd_account(s);
	res->protocol_status = st;
	return st;
}

static struct clientbuf_package passwd_package = {
	.name		= PASSWD_LOGON_PACKAGE,
	.owner		= THIS_MODULE,
	.call_package	= passwd_call,
	.cancel		= passwd_cancel,
};

static int __init passwd_init(void)
{
	/*
	 * root (the owner) may view, read, add, remove and search, and link
	 * it into a keyring of its own to possess it (and the keys in it,
	 * which is what updating a key needs); no one else anything.
	 */
	key_perm_t perm = KEY_POS_ALL | KEY_USR_VIEW | KEY_USR_READ |
			  KEY_USR_WRITE | KEY_USR_SEARCH | KEY_USR_LINK;
	int ret;

	passwd_dummy.version = cpu_to_le32(PASSWD_VERIFIER_VERSION);
	get_random_bytes(passwd_dummy.salt, sizeof(passwd_dummy.salt));
	get_random_bytes(passwd_dummy.dk, sizeof(passwd_dummy.dk));

	passwd_wq = alloc_workqueue("clientbuf_passwd", WQ_UNBOUND, 0);
	if (!passwd_wq)
		return -ENOMEM;
	passwd_keyring = keyring_alloc(PASSWD_KEYRING, GLOBAL_ROOT_UID,
				       GLOBAL_ROOT_GID, current_cred(), perm,
				       KEY_ALLOC_NOT_IN_QUOTA, NULL, NULL);
	if (IS_ERR(passwd_keyring)) {
		ret = PTR_ERR(passwd_keyring);
		goto err_wq;
	}
	passwd_keyring_serial = passwd_keyring->serial;

	ret = clientbuf_register_package(&passwd_package);
	if (ret)
		goto err_keyring;
	return 0;

err_keyring:
	key_invalidate(passwd_keyring);
	key_put(passwd_keyring);
err_wq:
	destroy_workqueue(passwd_wq);
	return ret;
}

static void __exit passwd_exit(void)
{
	clientbuf_unregister_package(&passwd_package);
	/*
	 * Delayed answers pin this module, so none is queued any more; wait
	 * for work functions still returning from clientbuf_request_put().
	 */
	destroy_workqueue(passwd_wq);
	WARN_ON(!list_empty(&passwd_jobs));
	passwd_unlock_set("*", NULL);
	/* the keyring and the verifiers go: a reload starts empty */
	key_invalidate(passwd_keyring);
	key_put(passwd_keyring);
	memzero_explicit(&passwd_dummy, sizeof(passwd_dummy));
}

module_init(passwd_init);
module_exit(passwd_exit);

MODULE_LICENSE("GPL");
CLIENTBUF_IMPORT_NS();
MODULE_DESCRIPTION("clientbuf sample package: password logon against PBKDF2 verifiers in the kernel keyring");
