// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: the package registry.
 *
 * A package is kept while a call to it runs by a reference on its module
 * or, for a package served from userspace, by the pair of hooks the server
 * code sets in it (->server_get/->server_put); this file knows nothing
 * else of servers.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include "internal.h"

/*
 * cb_packages_lock protects cb_packages and every package's ->list; see
 * "Locking" in internal.h for where it nests.
 */
static DEFINE_MUTEX(cb_packages_lock);
static LIST_HEAD(cb_packages);

static struct clientbuf_package *cb_package_find(const char *name)
{
	struct clientbuf_package *pkg;

	lockdep_assert_held(&cb_packages_lock);
	list_for_each_entry(pkg, &cb_packages, list)
		if (!strcmp(pkg->name, name))
			return pkg;
	return NULL;
}

/**
 * clientbuf_register_package() - make a package callable by clients
 * @package: the package; ->name, ->owner and ->call_package set
 *
 * Sets @package->functions to the client-buffer function table, as
 * SpInitialize() hands LSA_SECPKG_FUNCTION_TABLE to an LSA package.
 *
 * Return: 0, -EINVAL for a missing or too long name or no ->call_package,
 * -EEXIST if a package of that name is registered.
 */
int clientbuf_register_package(struct clientbuf_package *package)
{
	size_t len;
	int ret = 0;

	if (!package || !package->name || !package->call_package)
		return -EINVAL;
	len = strnlen(package->name, CLIENTBUF_PACKAGE_NAME_MAX);
	if (!len || len >= CLIENTBUF_PACKAGE_NAME_MAX)
		return -EINVAL;

	mutex_lock(&cb_packages_lock);
	if (cb_package_find(package->name)) {
		ret = -EEXIST;
		goto out;
	}
	package->functions = &cb_functions;
	list_add_tail(&package->list, &cb_packages);
	pr_debug("package %s registered\n", package->name);
out:
	mutex_unlock(&cb_packages_lock);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(clientbuf_register_package, CLIENTBUF_NS);

/**
 * clientbuf_unregister_package() - stop new calls to a package
 * @package: a registered package
 *
 * New calls fail with CB_STATUS_NO_SUCH_PACKAGE once this returns. Calls still
 * pending keep the package's module pinned, so a module cannot be unloaded
 * while they are; a package module must complete them and flush its own
 * work items before its exit function returns.
 */
void clientbuf_unregister_package(struct clientbuf_package *package)
{
	mutex_lock(&cb_packages_lock);
	list_del_init(&package->list);
	mutex_unlock(&cb_packages_lock);
	pr_debug("package %s unregistered\n", package->name);
}
EXPORT_SYMBOL_NS_GPL(clientbuf_unregister_package, CLIENTBUF_NS);

/* Pin @pkg for one more call: its module, or its server. */
static bool cb_package_pin(struct clientbuf_package *pkg)
{
	if (pkg->server_get) {
		pkg->server_get(pkg);
		return true;
	}
	return try_module_get(pkg->owner);
}

/**
 * cb_package_get() - look up a package and pin it
 * @name: NUL-terminated package name
 *
 * A kernel package's module is pinned; a served package (CLIENTBUF_IOC_SERVE,
 * no owner) is kept by its ->server_get() hook instead, which may be called
 * only while the package is registered, that is under cb_packages_lock.
 *
 * Return: the package, or NULL if none is registered under @name or its
 * module is going away.
 */
struct clientbuf_package *cb_package_get(const char *name)
{
	struct clientbuf_package *pkg;

	mutex_lock(&cb_packages_lock);
	pkg = cb_package_find(name);
	if (pkg && !cb_package_pin(pkg))
		pkg = NULL;
	mutex_unlock(&cb_packages_lock);
	return pkg;
}

/**
 * cb_package_hold() - one more pin on a package already pinned
 * @package: a package the caller knows to be pinned (a running request's)
 */
void cb_package_hold(struct clientbuf_package *package)
{
	if (package->server_get)
		package->server_get(package);
	else
		__module_get(package->owner);
}

/**
 * cb_package_put() - unpin a package
 * @package: a package from cb_package_get() or cb_package_hold()
 *
 * May sleep (the last put of a served package frees it); never called
 * under a spinlock.
 */
void cb_package_put(struct clientbuf_package *package)
{
	if (package->server_put)
		package->server_put(package);
	else
		module_put(package->owner);
}
