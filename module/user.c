// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: per-user accounting.
 *
 * /dev/clientbuf is open to every user, and a user can open it as often as
 * RLIMIT_NOFILE allows: a limit that one user could multiply by opening
 * more fds is counted here, per user, instead of per client. A client
 * charges the user that opened it (its real uid, as io_uring charges the
 * ring's creator), whatever it does later (setuid(), passing the fd).
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>
#include "internal.h"

/**
 * struct cb_user - what one user holds through all its clients
 * @node: in cb_users, under cb_users_lock
 * @uid: the user
 * @ref: one per client of the user; under cb_users_lock
 * @nr_async: asynchronous calls not yet finished for the client - pending,
 *	or completed with the record not yet read (max_completions)
 */
struct cb_user {
	struct hlist_node node;
	kuid_t uid;
	refcount_t ref;
	atomic_t nr_async;
};

/* cb_users_lock protects cb_users and every cb_user's @node and @ref. */
static DEFINE_SPINLOCK(cb_users_lock);
static DEFINE_HASHTABLE(cb_users, 6);

static struct cb_user *cb_user_find(kuid_t uid)
{
	struct cb_user *user;

	lockdep_assert_held(&cb_users_lock);
	hash_for_each_possible(cb_users, user, node, __kuid_val(uid))
		if (uid_eq(user->uid, uid))
			return user;
	return NULL;
}

/**
 * cb_user_get() - the accounting of the current task's user
 *
 * Return: the user with one more reference, or NULL without memory.
 */
struct cb_user *cb_user_get(void)
{
	kuid_t uid = current_uid();
	struct cb_user *user, *fresh;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	spin_lock(&cb_users_lock);
	user = cb_user_find(uid);
	if (user) {
		refcount_inc(&user->ref);
	} else if (fresh) {
		user = fresh;
		fresh = NULL;
		user->uid = uid;
		refcount_set(&user->ref, 1);
		atomic_set(&user->nr_async, 0);
		hash_add(cb_users, &user->node, __kuid_val(uid));
	}
	spin_unlock(&cb_users_lock);
	kfree(fresh);
	return user;
}

/**
 * cb_user_put() - drop a reference from cb_user_get()
 * @user: the user
 */
void cb_user_put(struct cb_user *user)
{
	spin_lock(&cb_users_lock);
	if (!refcount_dec_and_test(&user->ref)) {
		spin_unlock(&cb_users_lock);
		return;
	}
	hash_del(&user->node);
	spin_unlock(&cb_users_lock);
	WARN_ON_ONCE(atomic_read(&user->nr_async));
	kfree(user);
}

/**
 * cb_user_charge_async() - count one more asynchronous call of @user
 * @user: the user
 *
 * The limit (max_completions) is read at each charge, so lowering it at
 * run time only refuses new calls until the count has dropped below it.
 *
 * Return: true if the call may start, false at the limit.
 */
bool cb_user_charge_async(struct cb_user *user)
{
	unsigned int max = READ_ONCE(cb_max_completions);
	int n = atomic_read(&user->nr_async);

	do {
		if ((unsigned int)n >= max)
			return false;
	} while (!atomic_try_cmpxchg(&user->nr_async, &n, n + 1));
	return true;
}

/**
 * cb_user_uncharge_async() - undo one cb_user_charge_async()
 * @user: the user
 */
void cb_user_uncharge_async(struct cb_user *user)
{
	WARN_ON_ONCE(atomic_dec_return(&user->nr_async) < 0);
}
