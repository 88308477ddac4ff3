/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clientbuf selftests: helpers of clientbuf_pin.c, clientbuf_race.c and
 * clientbuf_fail_nth.c, on top of clientbuf_util.h.
 *
 * - any counter of /sys/kernel/debug/clientbuf/stats by name, and
 *   ASSERT_PINNED_EQ() for the pinned_pages leak check;
 * - VmPin of a process (its mm->pinned_vm, which pinned buffers are
 *   charged to);
 * - dropping a capability (capset) in a child;
 * - unloading and reloading a module of /lib/clientbuf.
 */
#ifndef _CLIENTBUF_STRESS_UTIL_H
#define _CLIENTBUF_STRESS_UTIL_H

#include <sys/syscall.h>
#include <linux/capability.h>

#include "clientbuf_util.h"

#define CB_MODDIR	"/lib/clientbuf"

/* Counter @name of the debugfs stats file, or LLONG_MIN if unreadable. */
static inline long long cb_stat(const char *name)
{
	long long v = -0x7fffffffffffffffLL - 1;

	cb_stats_read(&name, &v, 1);
	return v;
}

/* pinned_pages is back at @base (waiting up to a second). */
#define ASSERT_PINNED_EQ(_base) do {					\
	long long __p = 0;						\
	int __i;							\
	for (__i = 0; __i < 100; __i++) {				\
		__p = cb_stat("pinned_pages");				\
		if (__p == (_base))					\
			break;						\
		cb_msleep(10);						\
	}								\
	ASSERT_EQ((long long)(_base), __p)				\
		TH_LOG("pinned_pages %lld, baseline %lld", __p,		\
		       (long long)(_base));				\
} while (0)

/* VmPin of /proc/@pid/status (0: self) in kB, or -1. */
static inline long cb_vmpin_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Pages in [addr, addr + len) counted page by page. */
static inline size_t cb_span_pages(const void *addr, size_t len)
{
	uintptr_t page = cb_page(), a = (uintptr_t)addr;

	return ((a + len + page - 1) / page) - a / page;
}

/* Drop capability @cap from the effective and permitted sets. */
static inline int cb_drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[cap / 32].effective &= ~(1U << (cap % 32));
	data[cap / 32].permitted &= ~(1U << (cap % 32));
	data[cap / 32].inheritable &= ~(1U << (cap % 32));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/* ---- modules ------------------------------------------------------------ */

/* Is module @name loaded? */
static inline bool cb_module_loaded(const char *name)
{
	char line[256];
	size_t n = strlen(name);
	bool found = false;
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, name, n) && line[n] == ' ';
	fclose(f);
	return found;
}

/* delete_module(@name, O_NONBLOCK): 0 or the errno. */
static inline int cb_module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? errno : 0;
}

/* finit_module() of CB_MODDIR/@name.ko: 0 or the errno. */
static inline int cb_module_load(const char *name)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s.ko", CB_MODDIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (syscall(SYS_finit_module, fd, "", 0))
		err = errno;
	close(fd);
	return err;
}

/* Load @name if it is not loaded, and wait for its device @dev (or NULL). */
static inline int cb_module_ensure(const char *name, const char *dev)
{
	int i, err;

	if (!cb_module_loaded(name)) {
		err = cb_module_load(name);
		if (err && err != EEXIST)
			return err;
	}
	for (i = 0; dev && i < 200 && access(dev, F_OK); i++)
		cb_msleep(10);
	return dev && access(dev, F_OK) ? ENODEV : 0;
}

/*
 * The exec races: re-execute this test binary as the client's "new
 * program", argv { name, child_arg, len, cmd, rep }; its main() hands
 * child_arg to the child's code. Returns (with errno) only if execv()
 * failed.
 */
static inline void cb_exec_self(const char *name, const char *child_arg,
				size_t len, int cmd, int rep)
{
	char a[3][32];
	char *argv[] = { (char *)name, (char *)child_arg, a[0], a[1], a[2],
			 NULL };

	snprintf(a[0], sizeof(a[0]), "%zu", len);
	snprintf(a[1], sizeof(a[1]), "%d", cmd);
	snprintf(a[2], sizeof(a[2]), "%d", rep);
	execv("/proc/self/exe", argv);
}

#endif /* _CLIENTBUF_STRESS_UTIL_H */
