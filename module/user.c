// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: per-user accounting.
 *
 * /dev/clientbuf is open to every user, and a user can open it as often as
 * RLIMIT_NOFILE allows, from as many processes as it likes: every object a
 * user can make the module hold is counted here, per user, against a limit
 * of its own (enum cb_ucount, the max_user_* module parameters).
 *
 * A user is a user id in a user namespace, as the kernel's ucounts count
 * inotify instances: a client charges the effective uid of the task that
 * opened it, in that task's user namespace (as inotify_init() does), and
 * whatever the client does later (setuid(), passing the fd) does not
 * change who pays. The effective uid, not the real one: a setuid program a
 * user runs is charged to the program's owner, so the user cannot use up
 * the quota of the setuid programs it starts (issue 21). Every charge is
 * also made, and checked, at each ancestor namespace, against the user that
 * created the namespace (struct user_namespace.owner): creating user
 * namespaces (or mapping other ids into them) gives a user no room beyond
 * its own limits in the namespace it started in.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include "internal.h"

/**
 * struct cb_user - what one user holds through all its clients
 * @node: in cb_users, under cb_users_lock
 * @ns: the user namespace (a reference)
 * @uid: the user
 * @parent: the user that created @ns, in @ns's parent namespace (a
 *	reference); NULL in the initial user namespace
 * @ref: one per client of the user, one per child namespace's user; under
 *	cb_users_lock
 * @count: what the user holds, per enum cb_ucount, including what is held
 *	by users of namespaces it created
 */
struct cb_user {
	struct hlist_node node;
	struct user_namespace *ns;
	kuid_t uid;
	struct cb_user *parent;
	refcount_t ref;
	atomic_long_t count[CB_UC_NR];
};

/* cb_users_lock protects cb_users and every cb_user's @node and @ref. */
static DEFINE_SPINLOCK(cb_users_lock);
static DEFINE_HASHTABLE(cb_users, 6);

static unsigned long cb_user_hash(struct user_namespace *ns, kuid_t uid)
{
	return (unsigned long)ns ^ __kuid_val(uid);
}

static struct cb_user *cb_user_find(struct user_namespace *ns, kuid_t uid)
{
	struct cb_user *user;

	lockdep_assert_held(&cb_users_lock);
	hash_for_each_possible(cb_users, user, node, cb_user_hash(ns, uid))
		if (user->ns == ns && uid_eq(user->uid, uid))
			return user;
	return NULL;
}

/*
 * The accounting of @uid in @ns, and of every ancestor namespace's owner.
 * Recursive, at most 32 levels deep (the kernel's user namespace depth).
 */
static struct cb_user *cb_user_lookup(struct user_namespace *ns, kuid_t uid)
{
	struct cb_user *user, *fresh, *parent = NULL;
	int i;

	if (ns != &init_user_ns) {
		parent = cb_user_lookup(ns->parent, ns->owner);
		if (!parent)
			return NULL;
	}
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	spin_lock(&cb_users_lock);
	user = cb_user_find(ns, uid);
	if (user) {
		refcount_inc(&user->ref);
	} else if (fresh) {
		user = fresh;
		fresh = NULL;
		user->ns = get_user_ns(ns);
		user->uid = uid;
		/* the parent's reference passes to the new user */
		user->parent = parent;
		parent = NULL;
		refcount_set(&user->ref, 1);
		for (i = 0; i < CB_UC_NR; i++)
			atomic_long_set(&user->count[i], 0);
		hash_add(cb_users, &user->node, cb_user_hash(ns, uid));
	}
	spin_unlock(&cb_users_lock);
	kfree(fresh);
	if (parent)
		cb_user_put(parent);
	return user;
}

/**
 * cb_user_get() - the accounting of the current task's user
 *
 * The task's effective uid in its user namespace (see the top of this
 * file).
 *
 * Return: the user with one more reference, or NULL without memory.
 */
struct cb_user *cb_user_get(void)
{
	const struct cred *cred = current_cred();

	return cb_user_lookup(cred->user_ns, cred->euid);
}

/**
 * cb_user_put() - drop a reference from cb_user_get()
 * @user: the user
 */
void cb_user_put(struct cb_user *user)
{
	struct cb_user *parent;
	int i;

	while (user) {
		spin_lock(&cb_users_lock);
		if (!refcount_dec_and_test(&user->ref)) {
			spin_unlock(&cb_users_lock);
			return;
		}
		hash_del(&user->node);
		spin_unlock(&cb_users_lock);
		for (i = 0; i < CB_UC_NR; i++)
			WARN_ON_ONCE(atomic_long_read(&user->count[i]));
		parent = user->parent;
		put_user_ns(user->ns);
		kfree(user);
		user = parent;
	}
}

/**
 * cb_user_max() - the per-user limit of a count
 * @type: the count
 *
 * Return: the limit now (module parameters may change at any time);
 * ULONG_MAX for CB_UC_PINNED_PAGES, which RLIMIT_MEMLOCK limits (pin.c).
 */
unsigned long cb_user_max(enum cb_ucount type)
{
	switch (type) {
	case CB_UC_COMPLETIONS:
		return READ_ONCE(cb_max_completions);
	case CB_UC_PINNED_PAGES:
		return ULONG_MAX;
	default:
		return READ_ONCE(cb_max_user[type]);
	}
}

/**
 * cb_user_charge() - count @n more of @type for @user
 * @user: the user
 * @type: what
 * @n: how many
 *
 * Charged at @user and at the owner of each ancestor namespace; refused if
 * any of them would pass the limit. The limit is read at each charge, so
 * lowering it at run time only refuses new charges until the count has
 * dropped below it.
 *
 * Return: true if charged, false at the limit (nothing charged).
 */
bool cb_user_charge(struct cb_user *user, enum cb_ucount type,
		    unsigned long n)
{
	unsigned long max = cb_user_max(type);
	struct cb_user *iter, *undo;
	long cur;

	for (iter = user; iter; iter = iter->parent) {
		cur = atomic_long_read(&iter->count[type]);
		do {
			if ((unsigned long)cur > max ||
			    n > max - (unsigned long)cur)
				goto undo;
		} while (!atomic_long_try_cmpxchg(&iter->count[type], &cur,
						  cur + n));
	}
	return true;
undo:
	for (undo = user; undo != iter; undo = undo->parent)
		atomic_long_sub(n, &undo->count[type]);
	return false;
}

/**
 * cb_user_uncharge() - undo cb_user_charge()
 * @user: the user
 * @type: what
 * @n: how many
 */
void cb_user_uncharge(struct cb_user *user, enum cb_ucount type,
		      unsigned long n)
{
	for (; user; user = user->parent)
		WARN_ON_ONCE(atomic_long_sub_return(n, &user->count[type]) < 0);
}

/**
 * cb_user_usage() - what @user holds of @type now
 * @user: the user
 * @type: what
 *
 * Return: the count at @user's own level (with what users of namespaces
 * it created hold).
 */
unsigned long cb_user_usage(struct cb_user *user, enum cb_ucount type)
{
	return atomic_long_read(&user->count[type]);
}
