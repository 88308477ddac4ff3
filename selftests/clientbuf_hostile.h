/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clientbuf selftests: helpers of the hostile-input tests
 * (clientbuf_abi.c, clientbuf_fuzz.c, clientbuf_isolation.c).
 *
 * On top of clientbuf_util.h: a leak check on every live counter of
 * /sys/kernel/debug/clientbuf/stats (pinned_pages too), a page followed by
 * a PROT_NONE guard page, and a count that the harness's forked test
 * processes add to and the main process prints at exit.
 */
#ifndef _CLIENTBUF_HOSTILE_H
#define _CLIENTBUF_HOSTILE_H

#include "clientbuf_util.h"

/* The highest CLIENTBUF_SRV_* op this uapi header knows. */
#if defined(CLIENTBUF_SRV_REPLY)
#define HX_SRV_OP_MAX	CLIENTBUF_SRV_REPLY
#elif defined(CLIENTBUF_SRV_COPY_FROM_VEC)
#define HX_SRV_OP_MAX	CLIENTBUF_SRV_COPY_FROM_VEC
#else
#define HX_SRV_OP_MAX	CLIENTBUF_SRV_COMPLETE
#endif

/* The argument of any /dev/clientbuf ioctl. */
union hx_ioc_arg {
	struct clientbuf_info info;
	struct clientbuf_register reg;
	struct clientbuf_unregister unreg;
	struct clientbuf_call call;
	struct clientbuf_free fr;
	struct clientbuf_serve serve;
	struct clientbuf_server_op op;
};

#define HX_LIVE_FMT "clients %lld buffers %lld requests %lld allocations %lld pinned_pages %lld"
#define HX_LIVE_ARGS(_l) (_l)->clients, (_l)->buffers, (_l)->requests, \
	(_l)->allocations, (_l)->pinned_pages

/*
 * Every live counter, pinned_pages too, is back at @base (after
 * cb_live_prime(), waiting up to a second for work items). Call it once
 * the test's clients are closed.
 */
#define ASSERT_HX_LIVE_EQ(_base) do {					\
	struct cb_live __now;						\
	ASSERT_EQ(0, cb_live_prime());					\
	ASSERT_EQ(0, cb_live_wait(&__now, _base, true));		\
	ASSERT_TRUE(cb_live_eq_all(&__now, _base))			\
		TH_LOG("now  " HX_LIVE_FMT, HX_LIVE_ARGS(&__now));	\
} while (0)

/*
 * @npages read-write pages followed by one PROT_NONE page. Returns the
 * first byte of the guard page (so "end - n" is n bytes before it), or
 * NULL.
 */
static inline __u8 *hx_map_guarded(size_t npages)
{
	size_t page = cb_page();
	__u8 *p = mmap(NULL, (npages + 1) * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + npages * page, page, PROT_NONE))
		return NULL;
	return p + npages * page;
}

/* The CPU has 5-level paging (the user address space is not 47 bits). */
static inline bool hx_la57(void)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) && strstr(line, " la57"))
			found = true;
	fclose(f);
	return found;
}

/*
 * A count shared by the harness's test processes: each test adds the
 * cases it ran, the main process prints the total at exit.
 */
#define HX_COUNT_AT_EXIT(_what)						\
	static unsigned long *hx_shared_count;				\
	static pid_t hx_main_pid;					\
	static void __attribute__((constructor)) hx_count_init(void)	\
	{								\
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,	\
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);	\
		hx_main_pid = getpid();					\
		hx_shared_count = p == MAP_FAILED ? NULL : p;		\
	}								\
	static void hx_count_add(unsigned long n)			\
	{								\
		if (hx_shared_count)					\
			__atomic_add_fetch(hx_shared_count, n,		\
					   __ATOMIC_RELAXED);		\
	}								\
	static void __attribute__((destructor)) hx_count_exit(void)	\
	{								\
		if (getpid() == hx_main_pid && hx_shared_count)		\
			ksft_print_msg("%s: %lu in all\n", _what,	\
				       *hx_shared_count);		\
	}

#endif /* _CLIENTBUF_HOSTILE_H */
