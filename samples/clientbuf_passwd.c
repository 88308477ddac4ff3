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
 * hmac(sha256), and compares with crypto_memneq(). A user without a
 * verifier costs the same derivation, against a dummy verifier, and gets
 * the same CB_STATUS_LOGON_FAILURE as a wrong password unless the parameter
 * reveal_unknown_user is set.
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
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/key.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <clientbuf/secpkg.h>
#include "clientbuf_passwd.h"

static bool reveal_unknown_user;
module_param(reveal_unknown_user, bool, 0644);
MODULE_PARM_DESC(reveal_unknown_user,
		 "answer STATUS_NO_SUCH_USER for a user without a verifier instead of STATUS_LOGON_FAILURE (default off)");

static unsigned int dummy_iterations = PASSWD_ITERATIONS_DEFAULT;
module_param(dummy_iterations, uint, 0644);
MODULE_PARM_DESC(dummy_iterations,
		 "PBKDF2 iterations spent on a user without a verifier; set it to the count the verifiers use (default "
		 __stringify(PASSWD_ITERATIONS_DEFAULT) ")");

/* The keyring's serial, for the tools (read-only). */
static int passwd_keyring_serial;
module_param_named(keyring, passwd_keyring_serial, int, 0444);
MODULE_PARM_DESC(keyring, "serial number of the keyring \"" PASSWD_KEYRING
		 "\" (read-only)");

/* Created at init, invalidated and put at exit; calls pin the module. */
static struct key *passwd_keyring;

/* What a user without a verifier is checked against (random, never met). */
static struct passwd_logon_verifier passwd_dummy;

static struct clientbuf_package passwd_package;

/**
 * passwd_pbkdf2() - PBKDF2-HMAC-SHA256 with a one-block output
 * @password: the password
 * @password_len: its length
 * @salt: PASSWD_SALT_LEN bytes
 * @iterations: iteration count, at least 1
 * @dk: PASSWD_DK_LEN bytes, filled
 *
 * RFC 8018 5.2 with dkLen = hLen: T1 = U1 ^ U2 ^ ... ^ Uc, U1 =
 * HMAC(P, S || INT(1)), Ui = HMAC(P, Ui-1).
 *
 * Return: 0, or a negative errno from the crypto API.
 */
static int passwd_pbkdf2(const u8 *password, u32 password_len, const u8 *salt,
			 u32 iterations, u8 *dk)
{
	static const u8 block_index[4] = { 0, 0, 0, 1 };
	struct crypto_shash *tfm;
	u8 u[PASSWD_DK_LEN];
	unsigned int i, j;
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
		for (i = 1; !ret && i < iterations; i++) {
			ret = crypto_shash_digest(desc, u, sizeof(u), u);
			for (j = 0; j < PASSWD_DK_LEN; j++)
				dk[j] ^= u[j];
			cond_resched();
		}
		shash_desc_zero(desc);
	}
out:
	memzero_explicit(u, sizeof(u));
	crypto_free_shash(tfm);
	return ret;
}

/**
 * passwd_lookup() - copy the verifier of @user out of the keyring
 * @user: the user name, NUL-terminated
 * @v: filled with the verifier
 *
 * Return: 0; -ENOKEY if the user has none (or it was revoked); -EINVAL if
 * it is malformed; -ENOMEM.
 */
static int passwd_lookup(const char *user, struct passwd_logon_verifier *v)
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

/* The dummy verifier, with the current dummy_iterations. */
static void passwd_get_dummy(struct passwd_logon_verifier *v)
{
	u32 iterations = READ_ONCE(dummy_iterations);

	*v = passwd_dummy;
	v->iterations = cpu_to_le32(clamp_t(u32, iterations, 1,
					    PASSWD_ITERATIONS_MAX));
}

/**
 * passwd_logon() - check the password of @s
 * @req: the request
 * @s: the (valid) submit buffer
 *
 * Return: the answer, see clientbuf_passwd.h.
 */
static ntstatus_t passwd_logon(struct clientbuf_request *req,
			       const struct passwd_logon_submit *s)
{
	const struct clientbuf_functions *fn = passwd_package.functions;
	struct passwd_logon_verifier v;
	u8 dk[PASSWD_DK_LEN];
	ntstatus_t st;
	u8 *password;
	int found;

	/* kmalloc(0) is ZERO_SIZE_PTR: fine for an empty password */
	password = kmalloc(s->password_len, GFP_KERNEL);
	if (!password)
		return CB_STATUS_INSUFFICIENT_RESOURCES;
	st = fn->copy_from_client_buffer(req, s->password_len, password,
					 u64_to_user_ptr(s->password_addr));
	if (st != CB_STATUS_SUCCESS)
		goto out;

	found = passwd_lookup(s->user, &v);
	if (found == -ENOMEM) {
		st = CB_STATUS_INSUFFICIENT_RESOURCES;
		goto out;
	}
	if (found == -EINVAL)
		pr_warn_ratelimited("malformed verifier for user %s\n",
				    s->user);
	if (found)
		passwd_get_dummy(&v);

	/* the same derivation whether or not the user has a verifier */
	if (passwd_pbkdf2(password, s->password_len, v.salt,
			  le32_to_cpu(v.iterations), dk)) {
		st = CB_STATUS_INSUFFICIENT_RESOURCES;
	} else if (crypto_memneq(dk, v.dk, sizeof(dk)) || found) {
		st = found == -ENOKEY && READ_ONCE(reveal_unknown_user) ?
		     CB_STATUS_NO_SUCH_USER : CB_STATUS_LOGON_FAILURE;
	} else if (le32_to_cpu(v.flags) & PASSWD_VERIFIER_F_DISABLED) {
		st = CB_STATUS_ACCOUNT_DISABLED;
	} else {
		st = CB_STATUS_SUCCESS;
	}
	memzero_explicit(dk, sizeof(dk));
	memzero_explicit(&v, sizeof(v));
out:
	kfree_sensitive(password);
	return st;
}

static ntstatus_t passwd_account(const struct passwd_logon_submit *s)
{
	struct passwd_logon_verifier v;
	ntstatus_t st;
	int ret;

	/* call_package runs in the caller's context: its capabilities */
	if (!capable(CAP_SYS_ADMIN))
		return CB_STATUS_ACCESS_DENIED;
	ret = passwd_lookup(s->user, &v);
	if (ret == -ENOMEM)
		return CB_STATUS_INSUFFICIENT_RESOURCES;
	if (ret == -ENOKEY)
		return CB_STATUS_NO_SUCH_USER;
	if (ret)
		return CB_STATUS_ACCOUNT_DISABLED;	/* malformed: no logon */
	st = le32_to_cpu(v.flags) & PASSWD_VERIFIER_F_DISABLED ?
	     CB_STATUS_ACCOUNT_DISABLED : CB_STATUS_SUCCESS;
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

	if (!passwd_submit_valid(s, submit_len))
		st = CB_STATUS_INVALID_PARAMETER;
	else if (s->op == PASSWD_LOGON_OP_LOGON)
		st = passwd_logon(req, s);
	else
		st = passwd_account(s);
	res->protocol_status = st;
	return st;
}

static struct clientbuf_package passwd_package = {
	.name		= PASSWD_LOGON_PACKAGE,
	.owner		= THIS_MODULE,
	.call_package	= passwd_call,
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

	passwd_keyring = keyring_alloc(PASSWD_KEYRING, GLOBAL_ROOT_UID,
				       GLOBAL_ROOT_GID, current_cred(), perm,
				       KEY_ALLOC_NOT_IN_QUOTA, NULL, NULL);
	if (IS_ERR(passwd_keyring))
		return PTR_ERR(passwd_keyring);
	passwd_keyring_serial = passwd_keyring->serial;

	ret = clientbuf_register_package(&passwd_package);
	if (ret) {
		key_invalidate(passwd_keyring);
		key_put(passwd_keyring);
	}
	return ret;
}

static void __exit passwd_exit(void)
{
	clientbuf_unregister_package(&passwd_package);
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
