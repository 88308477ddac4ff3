// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_fail_nth - fail every fault site of clientbuf.ko in every
 * operation, one at a time, like tools/testing/selftests/iommu/
 * iommufd_fail_nth.c.
 *
 * For nth = 1, 2, ...: prepare the operation (nothing armed), note the
 * state, write nth to /proc/self/task/<tid>/fail-nth, run the operation,
 * read fail-nth back (0: the nth fault site of this thread was failed),
 * disarm; then, before any cleanup, check the outcome:
 *
 * - the status is the one the failed site implies: STATUS_INSUFFICIENT_
 *   RESOURCES or STATUS_NO_MEMORY (ENOMEM) for an allocation,
 *   STATUS_ACCESS_VIOLATION / STATUS_PARTIAL_COPY or a bare EFAULT for a
 *   user copy - or the operation succeeded (the allocation was optional);
 * - nothing is half done: the debugfs live counters (clients, buffers,
 *   requests, allocations, pinned_pages) and VmPin are those before the
 *   operation, or, when it succeeded, those before plus what the operation
 *   makes; and the operation's own state is probed (the next buffer id and
 *   request id, the completion and server queues, the arena, the bytes of
 *   the client's and the server's memory);
 * - when the operation succeeded anyway, its bytes and protocol status are
 *   right.
 *
 * Every walk runs twice: once with only allocations as fault sites
 * (failslab, fail_page_alloc) and once with only user copies
 * (fail_usercopy), so that each failure can be held to the status of its
 * kind. Both are restricted to clientbuf.ko: require-start/require-end of
 * each fault attribute are set to the module's text (from
 * /sys/module/clientbuf/sections/ and the section sizes of the .ko), so
 * only call chains through clientbuf.ko are counted, and the test
 * package's own allocations are taken out of the count by the package
 * itself. Work items and kthreads of the test package take over the
 * caller's count (CBTEST_F_FAIL_NTH), so their copies are walked too.
 *
 * Each walk prints how many sites it failed and how many distinct
 * clientbuf sites that was: a kretprobe on should_fail_ex() with the
 * stacktrace option in a trace instance of its own names the innermost
 * frame in a module for every injected failure.
 *
 * Needs CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC,
 * CONFIG_FAULT_INJECTION_USERCOPY, CONFIG_FAULT_INJECTION_DEBUG_FS and
 * CONFIG_FAULT_INJECTION_STACKTRACE_FILTER (the debug kernels of make
 * check-debug); elsewhere every test is skipped. Memory is mlockall()ed so
 * that no page fault of the test itself allocates while a fault is armed.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "clientbuf_stress_util.h"
#include "clientbuf_srv_util.h"
#include "../samples/clientbuf_hmac.h"

#define HANDLE		0
#define MAX_NTH		3000
#define COPY_LEN	3000	/* <= PAGE_SIZE: kvmalloc() stays kmalloc() */
#define FAULT_DIR	"/sys/kernel/debug/"
#define TRACE_DIR	"/sys/kernel/tracing/"
#define TRACE_INST	TRACE_DIR "instances/clientbuf_fnth/"
#define NO_STATUS	0xdeadbeefU
#define INFO_STATUS	0x40000001U	/* informational: passed through */
#define PROTO		0x00001234U
#define PINRW	(CLIENTBUF_BUF_PIN | CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ)
#define RW	(CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ)
#define ALLOC	(RW | CLIENTBUF_BUF_ALLOC)
#define BUF_PAGES	8

CB_RELEASE_SLOTS_AT_EXIT

/* ---- fail-nth ------------------------------------------------------------ */

static int fnth_open(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	return open(path, O_RDWR | O_CLOEXEC);
}

static int fnth_arm(int fd, unsigned int nth)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%u", nth);

	return pwrite(fd, b, (size_t)len, 0) == len ? 0 : -1;
}

/*
 * Did the armed fault fire? Disarms. (Reading fail-nth back is a user
 * copy, but not one of clientbuf: it is not counted.)
 */
static int fnth_fired(int fd)
{
	char b[16] = "";
	ssize_t n = pread(fd, b, sizeof(b) - 1, 0);
	int fired = n > 0 && strtoul(b, NULL, 10) == 0;

	if (n < 0)
		fired = -1;
	fnth_arm(fd, 0);
	return fired;
}

/* ---- fault attributes ------------------------------------------------------ */

static int file_write(const char *path, const char *val, int flags)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -errno;
	close(fd);
	return ret;
}

static int debugfs_write(const char *name, const char *val)
{
	char path[160];

	snprintf(path, sizeof(path), FAULT_DIR "%s", name);
	return file_write(path, val, 0);
}

enum kind { K_ALLOC, K_USERCOPY, K_NR };

static const char *const kind_name[K_NR] = { "allocations", "user copies" };
static const char *const kind_attrs[K_NR][2] = {
	{ "failslab", "fail_page_alloc" },
	{ "fail_usercopy", NULL },
};

/* clientbuf.ko's text: [cb_text_start, cb_text_end) */
static unsigned long cb_text_start, cb_text_end;

static int section_addr(const char *name, unsigned long *addr)
{
	unsigned long long v;
	char path[160];
	int ret;

	snprintf(path, sizeof(path), "/sys/module/clientbuf/sections/%s",
		 name);
	ret = cb_read_ull(path, &v);
	if (ret)
		return ret;
	*addr = v;
	return *addr ? 0 : -EPERM;
}

/*
 * The text of the loaded clientbuf.ko, as the module loader lays it out
 * (kernel/module/main.c layout_sections()): every SHF_ALLOC|SHF_EXECINSTR
 * section but .init*, in ELF order, each at the next offset aligned to its
 * sh_addralign. The offsets computed from the .ko must match the addresses
 * in /sys/module/clientbuf/sections/, which proves the file is the loaded
 * module.
 */
static int module_text(const char *ko)
{
	unsigned long base = 0, off = 0, addr = 0, a;
	const Elf64_Shdr *sh;
	const Elf64_Ehdr *eh;
	const char *names;
	bool have = false;
	struct stat st;
	char *img;
	int fd, i, ret = -EINVAL;

	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(*eh)) {
		close(fd);
		return -EINVAL;
	}
	img = malloc(st.st_size);
	if (!img || read(fd, img, st.st_size) != st.st_size) {
		free(img);
		close(fd);
		return -EIO;
	}
	close(fd);
	eh = (const Elf64_Ehdr *)img;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) >
	    (size_t)st.st_size)
		goto out;
	sh = (const Elf64_Shdr *)(img + eh->e_shoff);
	names = img + sh[eh->e_shstrndx].sh_offset;
	for (i = 1; i < eh->e_shnum; i++) {
		const char *name = names + sh[i].sh_name;

		if ((sh[i].sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) !=
		    (SHF_ALLOC | SHF_EXECINSTR) || !strncmp(name, ".init", 5))
			continue;
		a = sh[i].sh_addralign ? sh[i].sh_addralign : 1;
		off = (off + a - 1) / a * a;
		if (sh[i].sh_size && !section_addr(name, &addr)) {
			if (!have)
				base = addr - off;
			else if (addr - off != base)
				goto out;	/* not the loaded module */
			have = true;
		}
		off += sh[i].sh_size;
	}
	if (have) {
		cb_text_start = base;
		cb_text_end = base + off;
		ret = 0;
	}
out:
	free(img);
	return ret;
}

/*
 * Only @k's fault attributes count, and only in call chains through
 * clientbuf.ko; the others get an empty range (nothing matches).
 */
static int fault_filter(enum kind k)
{
	char path[96], start[32], end[32];
	int i, j, ret = 0;

	for (i = 0; i < K_NR; i++) {
		snprintf(start, sizeof(start), "%#lx",
			 i == (int)k ? cb_text_start : 1UL);
		snprintf(end, sizeof(end), "%#lx",
			 i == (int)k ? cb_text_end : 1UL);
		for (j = 0; j < 2 && kind_attrs[i][j]; j++) {
			snprintf(path, sizeof(path), "%s/require-start",
				 kind_attrs[i][j]);
			ret = ret ?: debugfs_write(path, start);
			snprintf(path, sizeof(path), "%s/require-end",
				 kind_attrs[i][j]);
			ret = ret ?: debugfs_write(path, end);
		}
	}
	return ret;
}

/*
 * Every attribute: fail sleeping allocations and order-0 pages too, look
 * 32 frames deep for clientbuf, never print (a message per failure would
 * flood the kernel log). Random failures stay off (probability 0): only
 * fail-nth injects. Returns a reason to skip, or NULL.
 */
static const char *fault_setup(void)
{
	static const char *const opts[][2] = {
		{ "failslab/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "fail_page_alloc/min-order", "0" },
		{ "failslab/verbose", "0" },
		{ "fail_page_alloc/verbose", "0" },
		{ "fail_usercopy/verbose", "0" },
		{ "failslab/stacktrace-depth", "32" },
		{ "fail_page_alloc/stacktrace-depth", "32" },
		{ "fail_usercopy/stacktrace-depth", "32" },
	};
	size_t i;
	int ret;

	if (access(FAULT_DIR "failslab", F_OK) ||
	    access(FAULT_DIR "fail_page_alloc", F_OK) ||
	    access(FAULT_DIR "fail_usercopy", F_OK))
		return "no " FAULT_DIR "failslab, fail_page_alloc or "
		       "fail_usercopy: the kernel lacks CONFIG_FAILSLAB, "
		       "CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_USERCOPY "
		       "or CONFIG_FAULT_INJECTION_DEBUG_FS";
	if (access(FAULT_DIR "failslab/require-start", F_OK))
		return "no require-start: the kernel lacks "
		       "CONFIG_FAULT_INJECTION_STACKTRACE_FILTER, so injection "
		       "cannot be restricted to clientbuf.ko";
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (debugfs_write(opts[i][0], opts[i][1]))
			return "cannot set up the fault attributes";
	ret = module_text(getenv("CLIENTBUF_KO") ?:
			  CB_MODDIR "/clientbuf.ko");
	if (ret)
		return "cannot find clientbuf.ko's text (set CLIENTBUF_KO to "
		       "the loaded module file)";
	return NULL;
}

/* ---- which site failed: a kretprobe on should_fail_ex() ------------------- */

#define MAX_SITES	64

struct sites {
	int n;		/* distinct sites in clientbuf.ko */
	int other;	/* distinct sites whose innermost module is another */
	int traced;	/* failures whose call chain was found */
	char key[MAX_SITES][96];
	bool in_cb[MAX_SITES];
};

static bool site_trace;

static void site_clear(void)
{
	if (site_trace)
		file_write(TRACE_INST "trace", "", O_TRUNC);
}

/*
 * A kretprobe event on should_fail_ex() that returned true, with the
 * stacktrace option: every injected failure leaves its call chain in the
 * instance's buffer. Without kprobe events the walks still run; they only
 * cannot tell sites apart.
 */
static void site_setup(void)
{
	site_trace = false;
	/* what a failed test may have left */
	file_write(TRACE_INST "events/cbfnth/fail/enable", "0", 0);
	file_write(TRACE_DIR "kprobe_events", "-:cbfnth/fail\n", O_APPEND);
	if (file_write(TRACE_DIR "kprobe_events",
		       "r:cbfnth/fail should_fail_ex ret=$retval:u8\n",
		       O_APPEND))
		return;
	if (mkdir(TRACE_INST, 0700) && errno != EEXIST)
		return;
	if (file_write(TRACE_INST "options/sym-offset", "1", 0) ||
	    file_write(TRACE_INST "options/stacktrace", "1", 0) ||
	    file_write(TRACE_INST "events/cbfnth/fail/filter", "ret == 1",
		       0) ||
	    file_write(TRACE_INST "events/cbfnth/fail/enable", "1", 0))
		return;
	site_trace = true;
	site_clear();
}

static void site_teardown(void)
{
	file_write(TRACE_INST "events/cbfnth/fail/enable", "0", 0);
	rmdir(TRACE_INST);
	file_write(TRACE_DIR "kprobe_events", "-:cbfnth/fail\n", O_APPEND);
}

/*
 * Note the site of the failure just injected: the innermost stack frame
 * in a module ("func+0x1a/0x80 [clientbuf]"), offset into the function
 * included, so two calls of kmalloc() in one function are two sites.
 */
static void site_note(struct sites *s)
{
	char line[256], key[96] = "", *p, *m;
	FILE *f;
	int i;

	if (!site_trace)
		return;
	f = fopen(TRACE_INST "trace", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, " => ");
		m = p ? strstr(p, " [") : NULL;
		if (!m)
			continue;
		p += 4;
		m[strcspn(m, "\n")] = '\0';
		/* drop the function's size: "+0x1a/0x80" -> "+0x1a" */
		p[strcspn(p, "/ ")] = '\0';
		snprintf(key, sizeof(key), "%.60s %.30s", p, m + 1);
		break;
	}
	fclose(f);
	site_clear();
	if (!key[0])
		return;
	s->traced++;
	for (i = 0; i < s->n + s->other; i++)
		if (!strcmp(s->key[i], key))
			return;
	if (i >= MAX_SITES)
		return;
	snprintf(s->key[i], sizeof(s->key[i]), "%s", key);
	s->in_cb[i] = strstr(key, "[clientbuf]") != NULL;
	if (s->in_cb[i])
		s->n++;
	else
		s->other++;
}

/* ---- outcomes --------------------------------------------------------------- */

enum outcome { OUT_OK, OUT_FAILED, OUT_BAD, OUT_NR };

/*
 * @r against @ok, the status of the operation when nothing fails, and
 * the kind of site that failed. An errno-less result (a
 * /dev/clientbuf_test ioctl) carries a failed ioctl's errno as
 * 0xdead0000 | errno; a result with no status at all (open(), read(), an
 * ioctl whose struct could not be copied) is NO_STATUS with the errno.
 */
static enum outcome classify(enum kind k, struct cb_res r, __u32 ok)
{
	bool noerr = r.err == CB_NO_ERRNO;
	int want = k == K_ALLOC ? ENOMEM : EFAULT;

	if (r.status == ok && (noerr || !r.err))
		return OUT_OK;
	if (r.status == NO_STATUS && r.err == want)
		return OUT_FAILED;
	if (noerr && r.status == (0xdead0000U | (__u32)want))
		return OUT_FAILED;
	if (k == K_ALLOC)
		return (r.status == CLIENTBUF_STATUS_INSUFFICIENT_RESOURCES ||
			r.status == CLIENTBUF_STATUS_NO_MEMORY) &&
		       (noerr || r.err == ENOMEM) ? OUT_FAILED : OUT_BAD;
	return (r.status == CLIENTBUF_STATUS_ACCESS_VIOLATION ||
		r.status == CLIENTBUF_STATUS_PARTIAL_COPY) &&
	       (noerr || r.err == EFAULT) ? OUT_FAILED : OUT_BAD;
}

/* ---- the fixture ------------------------------------------------------------ */

struct fstate {
	struct cb_live live;
	long vmpin;
};

FIXTURE(fnth) {
	int nth_fd;
	int fd;		/* the client of the operation */
	int fd2;	/* a second client */
	int tfd;
	int srv_fd;	/* a package server, for the server ops */
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	__u8 *buf;	/* BUF_PAGES, registered per operation */
	__u8 *sbuf;	/* the server's memory */
	size_t page;
	__u32 id;
	__u64 last_req;	/* request id of the last call before the run */
	__u64 call_id;	/* a call read by the server */
	__u64 block;	/* an allocated block */
	struct clientbuf_completion rec;
	__u8 token[HMAC_LOGON_TOKEN_LEN];
	struct cb_live base;
	long long pinned0;
};

FIXTURE_SETUP(fnth)
{
	const char *why;

	self->fd = self->fd2 = self->tfd = self->srv_fd = self->nth_fd = -1;
	self->nth_fd = fnth_open();
	if (self->nth_fd < 0)
		SKIP(return, "no /proc/self/task/<tid>/fail-nth: the kernel "
		     "lacks CONFIG_FAULT_INJECTION (runs on the debug kernels "
		     "of make check-debug)");
	why = fault_setup();
	if (why)
		SKIP(return, "%s", why);
	site_setup();
	ASSERT_EQ(0, mlockall(MCL_CURRENT | MCL_FUTURE))
		TH_LOG("mlockall: %s", strerror(errno));
	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->pinned0 = cb_stat("pinned_pages");
	self->page = cb_page();
	self->buf = cb_map(BUF_PAGES * self->page);
	self->sbuf = cb_map(BUF_PAGES * self->page);
	ASSERT_NE(NULL, self->buf);
	ASSERT_NE(NULL, self->sbuf);
	self->tfd = cbt_open();
	ASSERT_LE(0, self->tfd);
}

FIXTURE_TEARDOWN(fnth)
{
	if (self->nth_fd >= 0)
		fnth_arm(self->nth_fd, 0);
	if (self->fd >= 0)
		close(self->fd);
	if (self->fd2 >= 0)
		close(self->fd2);
	if (self->srv_fd >= 0)
		close(self->srv_fd);
	if (self->tfd >= 0) {
		cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS);
		close(self->tfd);
	}
	site_teardown();
	fault_filter(K_ALLOC);
}

#define F FIXTURE_DATA(fnth)

/*
 * struct walk - one operation walked through its fault sites
 * @name: for the report
 * @prepare: make what the operation needs, nothing armed; 0 or an errno
 * @run: the operation, armed
 * @ok: its status when nothing fails
 * @delta: how the live counters change when it succeeds
 * @check: the operation's own state and bytes, before any cleanup; @done:
 *	the operation took effect (its status was @ok, or it was an ioctl
 *	whose struct could not be copied back after the handler ran)
 * @cleanup: release everything, nothing armed
 * @min_alloc: allocation sites that must fail cleanly (0 or 1), or
 *	NO_ALLOC: the operation allocates nothing at all (a SERVER_OP copy of
 *	up to 8 segments: no bounce buffer, the segment array on the stack)
 */
struct walk {
	const char *name;
	int (*prepare)(F *self);
	struct cb_res (*run)(F *self);
	__u32 ok;
	struct cb_live delta;
	void (*check)(struct __test_metadata *_metadata, F *self,
		      struct cb_res r, bool done);
	void (*cleanup)(F *self);
	int min_alloc;
};

#define NO_ALLOC	(-1)

static int state_read(struct fstate *s)
{
	s->vmpin = cb_vmpin_kb(0);
	return cb_live_read(&s->live);
}

static struct cb_live live_add(const struct cb_live *a,
			       const struct cb_live *d)
{
	struct cb_live r = {
		.clients = a->clients + d->clients,
		.buffers = a->buffers + d->buffers,
		.requests = a->requests + d->requests,
		.allocations = a->allocations + d->allocations,
		.pinned_pages = a->pinned_pages + d->pinned_pages,
	};

	return r;
}

/* The counters now equal @want (waiting up to a second)? */
static bool state_is(const struct cb_live *want, struct fstate *now)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (state_read(now))
			return false;
		if (cb_live_eq_all(&now->live, want))
			return true;
		cb_msleep(10);
	}
	return false;
}

static void walk_kind(struct __test_metadata *_metadata, F *self,
		      const struct walk *w, enum kind k)
{
	int counts[OUT_NR] = {}, fired, err, late = 0;
	struct cb_live done_live;
	struct fstate s0, now;
	struct sites sites;
	struct cb_res res;
	enum outcome out;
	unsigned int nth;
	bool done;

	memset(&sites, 0, sizeof(sites));
	ASSERT_EQ(0, fault_filter(k));
	for (nth = 1; nth <= MAX_NTH; nth++) {
		err = w->prepare ? w->prepare(self) : 0;
		ASSERT_EQ(0, err) TH_LOG("%s: prepare: %s", w->name,
					 strerror(err));
		ASSERT_EQ(0, state_read(&s0));
		site_clear();
		ASSERT_EQ(0, fnth_arm(self->nth_fd, nth));
		res = w->run(self);
		fired = fnth_fired(self->nth_fd);
		ASSERT_LE(0, fired) TH_LOG("read fail-nth: %s",
					   strerror(errno));
		out = classify(k, res, w->ok);
		if (!fired) {
			ASSERT_EQ(OUT_OK, out)
				TH_LOG("%s, nothing failed: errno %d, status "
				       "%#x (%s)", w->name, res.err,
				       res.status, cb_status_name(res.status));
		} else {
			ASSERT_NE(OUT_BAD, out)
				TH_LOG("%s, %s site %u failed: errno %d, "
				       "status %#x (%s)", w->name,
				       kind_name[k], nth, res.err, res.status,
				       cb_status_name(res.status));
			counts[out]++;
			site_note(&sites);
		}

		/* Before any cleanup: nothing half done. */
		done = out == OUT_OK;
		done_live = live_add(&s0.live, &w->delta);
		if (!done && res.status == NO_STATUS && res.err == EFAULT &&
		    !cb_live_eq_all(&done_live, &s0.live) &&
		    state_is(&done_live, &now)) {
			/* the handler ran, its answer could not be copied */
			done = true;
			late++;
		}
		ASSERT_TRUE(state_is(done ? &done_live : &s0.live, &now))
			TH_LOG("%s, site %u (%s): live counters clients %lld "
			       "buffers %lld requests %lld allocations %lld "
			       "pinned_pages %lld, want %lld %lld %lld %lld "
			       "%lld", w->name, nth, done ? "done" : "failed",
			       now.live.clients, now.live.buffers,
			       now.live.requests, now.live.allocations,
			       now.live.pinned_pages,
			       (done ? &done_live : &s0.live)->clients,
			       (done ? &done_live : &s0.live)->buffers,
			       (done ? &done_live : &s0.live)->requests,
			       (done ? &done_live : &s0.live)->allocations,
			       (done ? &done_live : &s0.live)->pinned_pages);
		ASSERT_EQ(s0.vmpin + (now.live.pinned_pages -
				      s0.live.pinned_pages) *
				     (long)(self->page / 1024), now.vmpin)
			TH_LOG("%s, site %u: VmPin", w->name, nth);
		if (w->check)
			w->check(_metadata, self, res, done);

		if (w->cleanup)
			w->cleanup(self);
		ASSERT_PINNED_EQ(self->pinned0);
		ASSERT_LIVE_EQ(&self->base);
		if (!fired)
			break;
	}
	ASSERT_GE(MAX_NTH, nth) TH_LOG("%s: still failing at %u", w->name,
				      nth);
	if (k == K_ALLOC && w->min_alloc == NO_ALLOC)
		ASSERT_EQ(1, nth)
			TH_LOG("%s: %u allocation sites, want none", w->name,
			       nth - 1);
	if (site_trace && sites.traced)
		ksft_print_msg("%s, %s: %u fault sites, %d distinct clientbuf "
			       "sites%s%.0d%s: %d failed cleanly, %d optional "
			       "(succeeded)%s\n", w->name, kind_name[k],
			       nth - 1, sites.n,
			       sites.other ? " (+" : "", sites.other,
			       sites.other ? " in the package)" : "",
			       counts[OUT_FAILED], counts[OUT_OK],
			       late ? ", some done but not answered" : "");
	else
		ksft_print_msg("%s, %s: %u fault sites (%s: distinct sites "
			       "unknown): %d failed cleanly, "
			       "%d optional (succeeded)\n", w->name,
			       kind_name[k], nth - 1, site_trace ?
			       "no call chain traced" : "no kprobe events",
			       counts[OUT_FAILED],
			       counts[OUT_OK]);
	for (nth = 0; nth < (unsigned int)(sites.n + sites.other); nth++)
		ksft_print_msg("    site %s\n", sites.key[nth]);
	if (k == K_ALLOC)
		ASSERT_LE(w->min_alloc, counts[OUT_FAILED])
			TH_LOG("%s: no allocation failed", w->name);
}

static void walk(struct __test_metadata *_metadata, F *self,
		 const struct walk *w)
{
	walk_kind(_metadata, self, w, K_ALLOC);
	walk_kind(_metadata, self, w, K_USERCOPY);
}

static void walk_all(struct __test_metadata *_metadata, F *self,
		     const struct walk *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		walk(_metadata, self, &w[i]);
}

#define WALK_ALL(_w) walk_all(_metadata, self, _w, sizeof(_w) / sizeof(_w[0]))

/* ---- helpers of the walks ----------------------------------------------------- */

static struct cb_res no_status(int ret)
{
	struct cb_res r = { .err = ret < 0 ? errno : 0, .status = NO_STATUS };

	return r;
}

/* Open the client (non-blocking reads); 0 or an errno. */
static int open_client(F *self)
{
	self->fd = cb_open();
	if (self->fd < 0)
		return errno;
	return fcntl(self->fd, F_SETFL, O_NONBLOCK) ? errno : 0;
}

/* Register @len bytes at page @pg of buf with @flags; 0 or an errno. */
static int reg(F *self, __u32 flags, size_t pg, size_t len, __u32 *id)
{
	struct cb_res r = _cb_register(self->fd, flags, self->buf +
				       pg * self->page, len);

	if (id)
		*id = r.id;
	return r.err;
}

/* A NOP call: the test package remembers this client's last request. */
static int prime(F *self)
{
	struct cb_res r = cbt_op(self->fd, CBTEST_OP_NOP, CBTEST_CTX_CALLER,
				 NULL, 0, 0, 0);

	self->last_req = r.req_id;
	return r.err;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Reads of @fd return at once: the walks' cleanup must never wait. */
static void set_nonblock(int fd)
{
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/*
 * Release what the operation left. self->fd may be a file the operation
 * itself opened (open(), or the server fd of SERVE), blocking like any
 * new file: it is drained without waiting like the others.
 */
static void cleanup_all(F *self)
{
	struct {
		struct clientbuf_server_call hdr;
		char s[16];
	} rec;
	struct clientbuf_completion c;

	set_nonblock(self->fd);
	set_nonblock(self->srv_fd);
	cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS);
	while (self->srv_fd >= 0 && read(self->srv_fd, &rec, sizeof(rec)) > 0)
		srv_complete(self->srv_fd, rec.hdr.call_id,
			     CLIENTBUF_STATUS_SUCCESS, 0, 0, 0);
	if (self->call_id)
		srv_complete(self->srv_fd, self->call_id,
			     CLIENTBUF_STATUS_SUCCESS, 0, 0, 0);
	self->call_id = 0;
	while (self->fd >= 0 && read(self->fd, &c, sizeof(c)) > 0)
		;
	close_fd(&self->srv_fd);
	close_fd(&self->fd2);
	close_fd(&self->fd);
	self->block = 0;
}

/* No completion record is queued for the client. */
#define ASSERT_NO_RECORD(_fd) do {					\
	struct clientbuf_completion __c;				\
	ASSERT_EQ(-1, read(_fd, &__c, sizeof(__c)));			\
	ASSERT_EQ(EAGAIN, errno);					\
} while (0)

/*
 * The bytes at @p after a copy of @len bytes of seed @nseed over seed
 * @oseed (0: a memset to 0) that ended with @r: all of them for SUCCESS,
 * none for a failure that wrote nothing, a proper prefix for
 * PARTIAL_COPY, all or none for an ioctl without an answer (@done says).
 */
static bool landed_at(const __u8 *base, size_t off, size_t len,
		      __u32 nseed, __u32 oseed, struct cb_res r, bool done)
{
	const __u8 *p = base + off;
	size_t n = 0, i;

	while (n < len && p[n] == cbtest_pattern(nseed, off + n))
		n++;
	for (i = n; i < len; i++)
		if (p[i] != (oseed ? cbtest_pattern(oseed, off + i) : 0))
			return false;
	if (r.status == CLIENTBUF_STATUS_PARTIAL_COPY)
		return n > 0 && n < len;
	if (r.status == NO_STATUS && !done)
		return n == 0 || n == len;
	if (done)
		return n == len;
	for (i = 0; i < len; i++)
		if (p[i] != (oseed ? cbtest_pattern(oseed, off + i) : 0))
			return false;
	return true;
}

static bool landed_ok(const __u8 *p, size_t len, __u32 nseed, __u32 oseed,
		      struct cb_res r, bool done)
{
	return landed_at(p, 0, len, nseed, oseed, r, done);
}

/* ---- open, GET_INFO ---------------------------------------------------------- */

static struct cb_res run_open(F *self)
{
	self->fd = cb_open();
	return no_status(self->fd);
}

static void check_open(struct __test_metadata *_metadata, F *self,
		       struct cb_res r, bool done)
{
	struct clientbuf_info info;

	(void)r;
	if (done) {
		ASSERT_EQ(0, cb_get_info(self->fd, &info));
	} else {
		ASSERT_EQ(-1, self->fd);
	}
}

static unsigned long long param(const char *name)
{
	char path[96], b[32] = "";
	int fd;

	snprintf(path, sizeof(path), "/sys/module/clientbuf/parameters/%s",
		 name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ~0ULL;
	if (read(fd, b, sizeof(b) - 1) <= 0)
		b[0] = '\0';
	close(fd);
	return strtoull(b, NULL, 10);
}

static struct clientbuf_info info_out;

static struct cb_res run_get_info(F *self)
{
	memset(&info_out, 0, sizeof(info_out));
	info_out.size = sizeof(info_out);
	return no_status(ioctl(self->fd, CLIENTBUF_IOC_GET_INFO, &info_out));
}

static void check_get_info(struct __test_metadata *_metadata, F *self,
			   struct cb_res r, bool done)
{
	(void)self;
	(void)r;
	if (!done)
		return;
	ASSERT_EQ(CLIENTBUF_ABI_VERSION, info_out.abi_version);
	ASSERT_EQ(param("max_buffers"), info_out.max_buffers);
	ASSERT_EQ(param("max_allocs"), info_out.max_allocs);
	ASSERT_EQ(param("max_buffer_bytes"), info_out.max_buffer_bytes);
	ASSERT_EQ(param("max_submit_len"), info_out.max_submit_len);
	ASSERT_EQ(param("max_pending"), info_out.max_pending);
}

static int prep_open(F *self)
{
	return open_client(self);
}

TEST_F(fnth, open_get_info)
{
	const struct walk w[] = {
		{ "open", NULL, run_open, NO_STATUS, { .clients = 1 },
		  check_open, cleanup_all, 1 },
		{ "GET_INFO", prep_open, run_get_info, NO_STATUS, {},
		  check_get_info, cleanup_all, 0 },
	};

	WALK_ALL(w);
}

/* ---- REGISTER, UNREGISTER ------------------------------------------------------ */

static __u32 reg_flags;

/* The client, with buffer 1 on pages 0-1. */
static int prep_reg(F *self)
{
	return open_client(self) ?: reg(self, RW, 0, 2 * self->page, NULL);
}

static struct cb_res run_register(F *self)
{
	return _cb_register(self->fd, reg_flags, self->buf + 2 * self->page + 5,
			    2 * self->page - 5);
}

static void check_register(struct __test_metadata *_metadata, F *self,
			   struct cb_res r, bool done)
{
	__u32 id;

	if (done && r.status != NO_STATUS)
		ASSERT_EQ(2, r.id);
	/* the next id, the quota and the range are as they should be */
	ASSERT_EQ(0, reg(self, reg_flags, 4, self->page, &id));
	ASSERT_EQ(done ? 3 : 2, id);
	ASSERT_OK(_cb_unregister(self->fd, id));
	ASSERT_RES(done ? 0 : ENOENT, done ? CLIENTBUF_STATUS_SUCCESS :
		   CLIENTBUF_STATUS_INVALID_HANDLE,
		   _cb_unregister(self->fd, 2));
}

static struct cb_res run_register_plain(F *self)
{
	reg_flags = RW;
	return run_register(self);
}

static struct cb_res run_register_pin(F *self)
{
	reg_flags = PINRW;
	return run_register(self);
}

static struct cb_res run_register_alloc(F *self)
{
	reg_flags = ALLOC;
	return run_register(self);
}

/* Buffer 1 (pages 0-1) and buffer 2 (pages 2-3, @flags). */
static int prep_unreg(F *self, __u32 flags)
{
	return prep_reg(self) ?: reg(self, flags, 2, 2 * self->page, NULL);
}

static int prep_unreg_plain(F *self)
{
	return prep_unreg(self, RW);
}

static int prep_unreg_pin(F *self)
{
	return prep_unreg(self, PINRW);
}

static struct cb_res run_unregister(F *self)
{
	return _cb_unregister(self->fd, 2);
}

static void check_unregister(struct __test_metadata *_metadata, F *self,
			     struct cb_res r, bool done)
{
	(void)r;
	if (done) {
		ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
			   _cb_unregister(self->fd, 2));
	} else {
		ASSERT_OK(_cb_unregister(self->fd, 2));
	}
}

TEST_F(fnth, register)
{
	const struct walk w[] = {
		{ "REGISTER", prep_reg, run_register_plain,
		  CLIENTBUF_STATUS_SUCCESS, { .buffers = 1 }, check_register,
		  cleanup_all, 1 },
		{ "REGISTER PIN", prep_reg, run_register_pin,
		  CLIENTBUF_STATUS_SUCCESS,
		  { .buffers = 1, .pinned_pages = 2 }, check_register,
		  cleanup_all, 1 },
		{ "REGISTER ALLOC", prep_reg, run_register_alloc,
		  CLIENTBUF_STATUS_SUCCESS, { .buffers = 1 }, check_register,
		  cleanup_all, 1 },
		{ "UNREGISTER", prep_unreg_plain, run_unregister,
		  CLIENTBUF_STATUS_SUCCESS, { .buffers = -1 },
		  check_unregister, cleanup_all, 0 },
		{ "UNREGISTER PIN", prep_unreg_pin, run_unregister,
		  CLIENTBUF_STATUS_SUCCESS,
		  { .buffers = -1, .pinned_pages = -2 }, check_unregister,
		  cleanup_all, 0 },
	};

	WALK_ALL(w);
}

/* ---- CALL_PACKAGE, completion, read() ------------------------------------------- */

static int prep_call(F *self)
{
	return open_client(self) ?: prime(self);
}

static struct cb_res run_call_sync(F *self)
{
	return cbt_op(self->fd, CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL, 0, 0,
		      0);
}

/* The next call gets the next request id: a failed call took none. */
static void check_next_req(struct __test_metadata *_metadata, F *self,
			   __u64 want)
{
	struct cb_res p = cbt_op(self->fd, CBTEST_OP_NOP, CBTEST_CTX_CALLER,
				 NULL, 0, 0, 0);

	ASSERT_OK(p);
	ASSERT_EQ(want, p.req_id);
}

static void check_call_sync(struct __test_metadata *_metadata, F *self,
			    struct cb_res r, bool done)
{
	if (done && r.status != NO_STATUS) {
		ASSERT_EQ(self->last_req + 1, r.req_id);
		ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, r.proto);
	}
	ASSERT_NO_RECORD(self->fd);
	if (r.status == NO_STATUS && !done) {
		/* no answer: the call may have run or not, never half */
		struct cb_res p = cbt_op(self->fd, CBTEST_OP_NOP,
					 CBTEST_CTX_CALLER, NULL, 0, 0, 0);

		ASSERT_OK(p);
		ASSERT_TRUE(p.req_id == self->last_req + 1 ||
			    p.req_id == self->last_req + 2);
		return;
	}
	check_next_req(_metadata, self, self->last_req + (done ? 2 : 1));
}

static struct cb_res run_call_async(F *self)
{
	return cbt_hold(self->fd, HANDLE);
}

static void check_call_async(struct __test_metadata *_metadata, F *self,
			     struct cb_res r, bool done)
{
	struct clientbuf_completion c;
	int held;

	ASSERT_NO_RECORD(self->fd);
	held = cbt_complete(self->tfd, HANDLE, INFO_STATUS);
	if (r.status == NO_STATUS && !done)
		/* no answer: the package holds the call, or no call ran */
		done = !held;
	if (!done) {
		ASSERT_EQ(ENOENT, held);
		check_next_req(_metadata, self, self->last_req + 1);
		return;
	}
	if (r.status != NO_STATUS)
		ASSERT_EQ(self->last_req + 1, r.req_id);
	ASSERT_EQ(0, held);
	ASSERT_EQ(sizeof(c), read(self->fd, &c, sizeof(c)));
	ASSERT_EQ(self->last_req + 1, c.request_id);
	ASSERT_EQ(INFO_STATUS, c.status);
}

/* A held request; its id in last_req. */
static int prep_held(F *self)
{
	struct cb_res r;
	int err = prep_call(self);

	if (err)
		return err;
	r = cbt_hold(self->fd, HANDLE);
	self->last_req = r.req_id;
	return r.status == CLIENTBUF_STATUS_PENDING ? 0 : EIO;
}

static __u32 complete_flags;

static struct cb_res run_complete(F *self)
{
	struct cbtest_remote rm = { .handle = HANDLE, .seed = INFO_STATUS,
				    .flags = complete_flags };
	struct cb_res r = { .err = CB_NO_ERRNO };
	int err = cbt_ioctl(self->tfd, CBTEST_IOC_COMPLETE, &rm);

	r.status = err ? 0xdead0000U | (__u32)err : INFO_STATUS;
	return r;
}

static struct cb_res run_complete_direct(F *self)
{
	complete_flags = 0;
	return run_complete(self);
}

static struct cb_res run_complete_table(F *self)
{
	complete_flags = CBTEST_F_TABLE;
	return run_complete(self);
}

static void check_complete(struct __test_metadata *_metadata, F *self,
			   struct cb_res r, bool done)
{
	struct clientbuf_completion c;

	(void)r;
	if (!done) {
		ASSERT_NO_RECORD(self->fd);
		return;
	}
	ASSERT_EQ(sizeof(c), read(self->fd, &c, sizeof(c)));
	ASSERT_EQ(self->last_req, c.request_id);
	ASSERT_EQ(INFO_STATUS, c.status);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, c.protocol_status);
}

/* A completed request, its record queued. */
static int prep_record(F *self)
{
	return prep_held(self) ?: cbt_complete(self->tfd, HANDLE, INFO_STATUS);
}

static struct cb_res run_read(F *self)
{
	ssize_t n;
	struct cb_res r;

	memset(&self->rec, 0, sizeof(self->rec));
	n = read(self->fd, &self->rec, sizeof(self->rec));
	r = no_status(n < 0 ? -1 : 0);
	if (n == sizeof(self->rec))
		r.status = self->rec.status;
	return r;
}

static void check_read(struct __test_metadata *_metadata, F *self,
		       struct cb_res r, bool done)
{
	(void)r;
	if (!done) {
		/* the record stayed queued, intact */
		ASSERT_EQ(sizeof(self->rec),
			  read(self->fd, &self->rec, sizeof(self->rec)));
	}
	ASSERT_EQ(self->last_req, self->rec.request_id);
	ASSERT_EQ(INFO_STATUS, self->rec.status);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, self->rec.protocol_status);
	ASSERT_EQ(0, self->rec.return_len);
	ASSERT_NO_RECORD(self->fd);
}

TEST_F(fnth, call)
{
	const struct walk w[] = {
		{ "CALL sync", prep_call, run_call_sync,
		  CLIENTBUF_STATUS_SUCCESS, {}, check_call_sync, cleanup_all,
		  1 },
		/*
		 * (the held request takes the place of the primed one the
		 * test package remembered: the counters do not move)
		 */
		{ "CALL async", prep_call, run_call_async,
		  CLIENTBUF_STATUS_PENDING, {},
		  check_call_async, cleanup_all, 1 },
		{ "complete (clientbuf_complete_request)", prep_held,
		  run_complete_direct, INFO_STATUS, {}, check_complete,
		  cleanup_all, 0 },
		{ "complete (functions->complete_request)", prep_held,
		  run_complete_table, INFO_STATUS, {}, check_complete,
		  cleanup_all, 0 },
		{ "read() of a completion", prep_record, run_read,
		  INFO_STATUS, {}, check_read, cleanup_all,
		  0 },
	};

	WALK_ALL(w);
}

/* ---- copies in every context ----------------------------------------------------- */

static __u32 copy_ctx, copy_op, copy_reg;

/* The client, buffer 1 (pages 0-3) with copy_reg, the bytes preset. */
static int prep_copy(F *self)
{
	int err = open_client(self) ?: reg(self, copy_reg, 0,
					  4 * self->page, NULL) ?: prime(self);

	cb_fill(self->buf + 100, COPY_LEN, copy_op == CBTEST_OP_COPY_TO ? 3 :
		7);
	return err;
}

static struct cb_res run_copy(F *self)
{
	return cbt_op(self->fd, copy_op, copy_ctx, self->buf + 100, COPY_LEN,
		      7, CBTEST_F_FAIL_NTH);
}

static void check_copy(struct __test_metadata *_metadata, F *self,
		       struct cb_res r, bool done)
{
	if (copy_op == CBTEST_OP_COPY_TO) {
		ASSERT_TRUE(landed_ok(self->buf + 100, COPY_LEN, 7, 3, r,
				      done))
			TH_LOG("status %#x: bytes", r.status);
	} else if (done && r.status != NO_STATUS) {
		ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, r.proto);
	}
}

/* Does the client hold pattern @seed at @addr? (COPY_FROM's protocol) */
static bool remote_holds(int tfd, __u8 *addr, __u32 seed)
{
	struct cbtest_remote r = cbt_remote(HANDLE, CBTEST_OP_COPY_FROM, addr,
					    COPY_LEN, seed);

	return !cbt_ioctl(tfd, CBTEST_IOC_COPY, &r) &&
	       r.status == CLIENTBUF_STATUS_SUCCESS &&
	       r.protocol_status == CLIENTBUF_STATUS_SUCCESS;
}

/* CBTEST_IOC_COPY with the operation's protocol status. */
static struct cb_res remote_copy(int tfd, __u32 op, __u8 *addr, __u32 seed)
{
	struct cbtest_remote r = cbt_remote(HANDLE, op, addr, COPY_LEN, seed);
	struct cb_res res = { .err = CB_NO_ERRNO };
	int err = cbt_ioctl(tfd, CBTEST_IOC_COPY, &r);

	res.status = err ? 0xdead0000U | (__u32)err : r.status;
	res.proto = r.protocol_status;
	return res;
}

/* Copies from another process: a child walks CBTEST_IOC_COPY itself. */
struct remote_report {
	int setup_err;
	unsigned int sites;
	int counts[OUT_NR];
	int bad_nth;
	__u32 bad_status;
	const char *bad;
	struct sites s;
};

static void __attribute__((noreturn))
remote_walker(__u8 *addr, __u32 op, enum kind k, int rd, int wr)
{
	struct remote_report r;
	struct cb_live l0, l1;
	struct cb_res res;
	unsigned int nth;
	int nfd, tfd, fired;
	enum outcome out;
	char c = 1;

	memset(&r, 0, sizeof(r));
	nfd = fnth_open();
	tfd = cbt_open();
	if (nfd < 0 || tfd < 0 || mlockall(MCL_CURRENT | MCL_FUTURE)) {
		r.setup_err = errno;
		goto out;
	}
	/* The parent rewrites its buffer: no copy-on-write fault remains. */
	if (cb_write_full(wr, &c, 1) || cb_read_full(rd, &c, 1)) {
		r.setup_err = EPIPE;
		goto out;
	}
	for (nth = 1; nth <= MAX_NTH; nth++) {
		/* the client's bytes: seed 3 before a copy to it */
		if (op == CBTEST_OP_COPY_TO)
			cbt_remote_copy(tfd, HANDLE, op, addr, COPY_LEN, 3);
		cb_live_read(&l0);
		site_clear();
		fnth_arm(nfd, nth);
		res = remote_copy(tfd, op, addr, 7);
		fired = fnth_fired(nfd);
		out = classify(k, res, CLIENTBUF_STATUS_SUCCESS);
		if (fired > 0)
			site_note(&r.s);
		if (cb_live_read(&l1) || !cb_live_eq_all(&l0, &l1)) {
			r.bad = "live counters changed";
		} else if (op == CBTEST_OP_COPY_TO &&
			   res.status != CLIENTBUF_STATUS_PARTIAL_COPY) {
			/* all of seed 7 or all of seed 3 */
			if (!remote_holds(tfd, addr, out == OUT_OK ? 7 : 3))
				r.bad = "bytes";
		} else if (op == CBTEST_OP_COPY_FROM && out == OUT_OK &&
			   res.status == CLIENTBUF_STATUS_SUCCESS) {
			/* what the package read was the client's bytes */
			if (res.proto != CLIENTBUF_STATUS_SUCCESS)
				r.bad = "bytes read";
		}
		if (fired <= 0 && out != OUT_OK)
			r.bad = "failed with nothing injected";
		if (fired > 0 && out == OUT_BAD)
			r.bad = "status";
		if (r.bad) {
			r.bad_nth = (int)nth;
			r.bad_status = res.status;
			break;
		}
		if (fired <= 0)
			break;
		r.counts[out]++;
	}
	r.sites = nth - 1;
out:
	cb_write_full(wr, &r, sizeof(r));
	_exit(0);
}

static void remote_walk(struct __test_metadata *_metadata, F *self, __u32 op,
			enum kind k, const char *name)
{
	struct remote_report r;
	int to[2], from[2], i;
	pid_t pid;
	char c;

	ASSERT_EQ(0, fault_filter(k));
	ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, cbt_hold(self->fd, HANDLE));
	ASSERT_EQ(0, pipe2(to, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(from, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(to[1]);
		close(from[0]);
		remote_walker(self->buf + 100, op, k, to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	if (!cb_read_full(from[0], &c, 1)) {
		memset(self->buf, 1, BUF_PAGES * self->page);
		cb_fill(self->buf + 100, COPY_LEN, 7);
		cb_write_full(to[1], &c, 1);
	}
	ASSERT_EQ(0, cb_read_full(from[0], &r, sizeof(r)));
	close(to[1]);
	close(from[0]);
	ASSERT_EQ(0, cb_wait_child(pid));
	ASSERT_EQ(0, r.setup_err) TH_LOG("walker: %s", strerror(r.setup_err));
	ASSERT_EQ(0, r.bad_nth) TH_LOG("%s, %s site %d: %s, status %#x (%s)",
				       name, kind_name[k], r.bad_nth, r.bad,
				       r.bad_status,
				       cb_status_name(r.bad_status));
	ASSERT_GE(MAX_NTH, r.sites);
	ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS));
	ksft_print_msg("%s, %s: %u fault sites, %d distinct clientbuf sites: "
		       "%d failed cleanly, %d optional (succeeded)\n", name,
		       kind_name[k], r.sites, r.s.n, r.counts[OUT_FAILED],
		       r.counts[OUT_OK]);
	for (i = 0; i < r.s.n + r.s.other; i++)
		ksft_print_msg("    site %s\n", r.s.key[i]);
}

static void copy_walks(struct __test_metadata *_metadata, F *self, bool pin)
{
	static const struct {
		__u32 ctx;
		const char *name;
	} ctxs[] = {
		{ CBTEST_CTX_CALLER, "caller" },
		{ CBTEST_CTX_WORKQUEUE, "work item" },
		{ CBTEST_CTX_KTHREAD, "kthread" },
	};
	char name[96];
	size_t i;
	int dir, k;

	copy_reg = pin ? PINRW : RW;
	for (dir = 0; dir < 2; dir++) {
		for (i = 0; i < sizeof(ctxs) / sizeof(ctxs[0]); i++) {
			struct walk w = {
				.name = name,
				.prepare = prep_copy,
				.run = run_copy,
				.ok = CLIENTBUF_STATUS_SUCCESS,
				.check = check_copy,
				.cleanup = cleanup_all,
				/* the call's submit copy and its request */
				.min_alloc = 1,
			};

			copy_op = dir ? CBTEST_OP_COPY_FROM : CBTEST_OP_COPY_TO;
			copy_ctx = ctxs[i].ctx;
			snprintf(name, sizeof(name), "copy %s, %s%s",
				 dir ? "from" : "to", ctxs[i].name,
				 pin ? ", pinned" : "");
			walk(_metadata, self, &w);
		}
		snprintf(name, sizeof(name), "copy %s, other process%s",
			 dir ? "from" : "to", pin ? ", pinned" : "");
		for (k = 0; k < K_NR; k++) {
			ASSERT_EQ(0, open_client(self));
			ASSERT_EQ(0, reg(self, copy_reg, 0, 4 * self->page,
					 NULL));
			remote_walk(_metadata, self, dir ? CBTEST_OP_COPY_FROM :
				    CBTEST_OP_COPY_TO, k, name);
			cleanup_all(self);
			ASSERT_PINNED_EQ(self->pinned0);
			ASSERT_LIVE_EQ(&self->base);
		}
	}
}

TEST_F(fnth, copy)
{
	copy_walks(_metadata, self, false);
}

TEST_F(fnth, copy_pinned)
{
	copy_walks(_metadata, self, true);
}

/* ---- allocate, FREE ------------------------------------------------------------ */

/* An ALLOC buffer on pages 4-7 (id 1), its bytes zero. */
static int prep_alloc(F *self)
{
	int err = open_client(self) ?: reg(self, ALLOC, 4, 4 * self->page,
					  &self->id) ?: prime(self);

	memset(self->buf + 4 * self->page, 0, 4 * self->page);
	return err;
}

static struct cb_res run_alloc_copy(F *self)
{
	return cbt_op(self->fd, CBTEST_OP_ALLOC_COPY, CBTEST_CTX_CALLER, NULL,
		      200, 3, 0);
}

static void check_alloc_copy(struct __test_metadata *_metadata, F *self,
			     struct cb_res r, bool done)
{
	__u8 *first = self->buf + 4 * self->page;

	ASSERT_TRUE(landed_ok(first, 200, 3, 0, r, done));
	if (done && r.status != NO_STATUS) {
		ASSERT_EQ((uintptr_t)first, r.ret_addr);
		ASSERT_EQ(200, r.ret_len);
	}
	/* the arena: the first block is taken, or free */
	ASSERT_RES(done ? 0 : EINVAL, done ? CLIENTBUF_STATUS_SUCCESS :
		   CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_free(self->fd, self->id, (uintptr_t)first));
}

/* A block allocated at the start of the ALLOC buffer. */
static int prep_block(F *self)
{
	struct cb_res r;
	int err = prep_alloc(self);

	if (err)
		return err;
	r = cbt_op(self->fd, CBTEST_OP_ALLOC, CBTEST_CTX_CALLER, NULL, 200,
		   0, 0);
	self->block = r.ret_addr;
	return r.err;
}

static struct cb_res run_free(F *self)
{
	return _cb_free(self->fd, self->id, self->block);
}

static void check_free(struct __test_metadata *_metadata, F *self,
		       struct cb_res r, bool done)
{
	(void)r;
	ASSERT_RES(done ? EINVAL : 0, done ?
		   CLIENTBUF_STATUS_INVALID_PARAMETER :
		   CLIENTBUF_STATUS_SUCCESS,
		   _cb_free(self->fd, self->id, self->block));
}

TEST_F(fnth, allocate_free)
{
	const struct walk w[] = {
		{ "allocate_client_buffer + copy", prep_alloc, run_alloc_copy,
		  CLIENTBUF_STATUS_SUCCESS, { .allocations = 1 },
		  check_alloc_copy, cleanup_all, 1 },
		{ "FREE", prep_block, run_free, CLIENTBUF_STATUS_SUCCESS,
		  { .allocations = -1 }, check_free, cleanup_all, 0 },
	};

	WALK_ALL(w);
}

/* ---- package servers ------------------------------------------------------------- */

static struct cb_res run_serve(F *self)
{
	srv_name(self->name, sizeof(self->name), "fnth");
	return srv_serve(&self->fd, self->name);
}

static void check_serve(struct __test_metadata *_metadata, F *self,
			struct cb_res r, bool done)
{
	struct srv_call c;

	if (r.status == NO_STATUS && !done) {
		/*
		 * No answer: then no server fd either (one the answer could
		 * not name is put back), so the name is free to serve.
		 */
		ASSERT_OK(srv_serve(&self->fd, self->name));
		return;
	}
	self->fd2 = cb_open();
	ASSERT_LE(0, self->fd2);
	c = srv_call(self->fd2, self->name, "hi", 2, CLIENTBUF_CALL_ASYNC, 0);
	if (done) {
		/* served (self->fd is the server fd): the name is taken */
		ASSERT_RES(EEXIST, CLIENTBUF_STATUS_OBJECT_NAME_COLLISION,
			   srv_serve(&self->fd2, self->name));
		ASSERT_RES(0, CLIENTBUF_STATUS_PENDING, srv_call_res(&c));
		close_fd(&self->fd2);
	} else {
		ASSERT_RES(ENOPKG, CLIENTBUF_STATUS_NO_SUCH_PACKAGE,
			   srv_call_res(&c));
		ASSERT_OK(srv_serve(&self->fd, self->name));
	}
}

/* A served package; the client with @flags on pages 0-3 (0: none). */
static int prep_server(F *self, __u32 flags)
{
	struct cb_res s;

	self->srv_fd = cb_open();
	if (self->srv_fd < 0)
		return errno;
	srv_name(self->name, sizeof(self->name), "fnth");
	s = srv_serve(&self->srv_fd, self->name);
	if (s.err)
		return s.err;
	fcntl(self->srv_fd, F_SETFL, O_NONBLOCK);
	return open_client(self) ?:
	       (flags ? reg(self, flags, 0, 4 * self->page, &self->id) : 0);
}

static int prep_server_rw(F *self)
{
	return prep_server(self, RW);
}

static struct cb_res run_server_call(F *self)
{
	struct srv_call c = srv_call(self->fd, self->name, "hi", 2,
				     CLIENTBUF_CALL_ASYNC, 0);

	self->last_req = c.c.request_id;
	return srv_call_res(&c);
}

struct srv_rec {
	struct clientbuf_server_call hdr;
	char s[16];
};

static struct srv_rec srec;

static void check_server_call(struct __test_metadata *_metadata, F *self,
			      struct cb_res r, bool done)
{
	(void)r;
	ASSERT_NO_RECORD(self->fd);
	if (!done) {
		ASSERT_EQ(-1, read(self->srv_fd, &srec, sizeof(srec)));
		ASSERT_EQ(EAGAIN, errno);
		return;
	}
	ASSERT_EQ(sizeof(srec.hdr) + 2, read(self->srv_fd, &srec,
					     sizeof(srec)));
	ASSERT_EQ(0, memcmp(srec.s, "hi", 2));
	self->call_id = srec.hdr.call_id;
}

/* A call queued on the server, not read. */
static int prep_queued(F *self)
{
	struct srv_call c;
	int err = prep_server(self, RW);

	if (err)
		return err;
	c = srv_call(self->fd, self->name, "hi", 2, CLIENTBUF_CALL_ASYNC, 0);
	return c.c.status == CLIENTBUF_STATUS_PENDING ? 0 : EIO;
}

static struct cb_res run_server_read(F *self)
{
	ssize_t n;
	struct cb_res r;

	memset(&srec, 0, sizeof(srec));
	n = read(self->srv_fd, &srec, sizeof(srec));
	r = no_status(n < 0 ? -1 : 0);
	if (n == (ssize_t)sizeof(srec.hdr) + 2)
		r.status = CLIENTBUF_STATUS_SUCCESS;
	return r;
}

static void check_server_read(struct __test_metadata *_metadata, F *self,
			      struct cb_res r, bool done)
{
	(void)r;
	if (!done) {
		/* the call stayed queued, intact */
		ASSERT_EQ(sizeof(srec.hdr) + 2,
			  read(self->srv_fd, &srec, sizeof(srec)));
	}
	ASSERT_EQ(1, srec.hdr.call_id);
	ASSERT_EQ(2, srec.hdr.submit_len);
	ASSERT_EQ(syscall(SYS_gettid), srec.hdr.pid);
	ASSERT_EQ(getpid(), srec.hdr.tgid);
	ASSERT_EQ(getuid(), srec.hdr.uid);
	ASSERT_EQ(getgid(), srec.hdr.gid);
	ASSERT_EQ(0, memcmp(srec.s, "hi", 2));
	self->call_id = srec.hdr.call_id;
	ASSERT_EQ(-1, read(self->srv_fd, &srec, sizeof(srec)));
	ASSERT_EQ(EAGAIN, errno);
}

/* A call the server has read, for SERVER_OP; the bytes preset. */
static int prep_server_op(F *self, __u32 flags)
{
	struct srv_call c;
	int err = prep_server(self, flags);

	if (err)
		return err;
	c = srv_call(self->fd, self->name, "hi", 2, CLIENTBUF_CALL_ASYNC, 0);
	if (c.c.status != CLIENTBUF_STATUS_PENDING)
		return c.err ? c.err : EIO;
	self->last_req = c.c.request_id;
	if (read(self->srv_fd, &srec, sizeof(srec)) <= 0)
		return errno;
	self->call_id = srec.hdr.call_id;
	cb_fill(self->buf, 4 * self->page, 9);
	cb_fill(self->sbuf, 4 * self->page, 5);
	return 0;
}

static int prep_server_op_rw(F *self)
{
	return prep_server_op(self, RW);
}

static int prep_server_op_pin(F *self)
{
	return prep_server_op(self, PINRW);
}

static int prep_server_op_alloc(F *self)
{
	return prep_server_op(self, ALLOC);
}

static struct cb_res run_server_copy_to(F *self)
{
	return srv_copy_to(self->srv_fd, self->call_id,
			   (uintptr_t)self->buf, self->sbuf, COPY_LEN);
}

static struct cb_res run_server_copy_from(F *self)
{
	return srv_copy_from(self->srv_fd, self->call_id, self->sbuf,
			     (uintptr_t)self->buf, COPY_LEN);
}

static void check_server_copy_to(struct __test_metadata *_metadata, F *self,
				 struct cb_res r, bool done)
{
	ASSERT_TRUE(landed_ok(self->buf, COPY_LEN, 5, 9, r, done))
		TH_LOG("status %#x: client bytes", r.status);
	ASSERT_TRUE(cb_is_pattern(self->sbuf, COPY_LEN, 5));
}

static void check_server_copy_from(struct __test_metadata *_metadata,
				   F *self, struct cb_res r, bool done)
{
	ASSERT_TRUE(landed_ok(self->sbuf, COPY_LEN, 9, 5, r, done))
		TH_LOG("status %#x: server bytes", r.status);
	ASSERT_TRUE(cb_is_pattern(self->buf, COPY_LEN, 9));
}

/* Two segments: client page 0 +100 and page 2 +200, 1000 bytes each. */
static struct clientbuf_segment vseg[2];
static __u64 vindex;

static struct cb_res run_server_vec(F *self, __u32 op)
{
	size_t p = self->page;

	vseg[0] = (struct clientbuf_segment){
		.client_addr = (uintptr_t)self->buf + 100,
		.server_addr = (uintptr_t)self->sbuf + 100, .len = 1000 };
	vseg[1] = (struct clientbuf_segment){
		.client_addr = (uintptr_t)self->buf + 2 * p + 200,
		.server_addr = (uintptr_t)self->sbuf + 2 * p + 200,
		.len = 1000 };
	vindex = 0xdeadbeef;
	return srv_copy_vec(self->srv_fd, self->call_id, op, vseg, 2,
			    &vindex);
}

static struct cb_res run_server_copy_to_vec(F *self)
{
	return run_server_vec(self, CLIENTBUF_SRV_COPY_TO_VEC);
}

static struct cb_res run_server_copy_from_vec(F *self)
{
	return run_server_vec(self, CLIENTBUF_SRV_COPY_FROM_VEC);
}

/*
 * Segment i of @dst now has the bytes of seed @nseed (from the other side)
 * or still those of @oseed: a failed segment named by result_addr, those
 * before it complete, those after it untouched.
 */
static void check_vec(struct __test_metadata *_metadata, F *self,
		      struct cb_res r, bool done, bool to)
{
	__u8 *dst = to ? self->buf : self->sbuf;
	__u32 nseed = to ? 5 : 9, oseed = to ? 9 : 5;
	unsigned int i, failed = done ? 2 : vindex;
	size_t off[2] = { 100, 2 * self->page + 200 };

	if (!done && r.status == NO_STATUS) {
		/* no answer: both segments copied, or none */
		struct cb_res none = { .status = CLIENTBUF_STATUS_UNSUCCESSFUL };

		failed = landed_at(dst, off[0], 1000, nseed, oseed, none,
				   false) ? 0 : 2;
	} else if (!done && vindex >= 2) {
		/* failed before the first segment: result_addr untouched */
		ASSERT_EQ(0xdeadbeef, vindex);
		failed = 0;
	}
	for (i = 0; i < 2; i++) {
		struct cb_res seg = r;

		if (i != failed)
			seg.status = CLIENTBUF_STATUS_SUCCESS;
		ASSERT_TRUE(landed_at(dst, off[i], 1000, nseed, oseed, seg,
				      i < failed))
			TH_LOG("segment %u of 2, failed %u: status %#x", i,
			       failed, r.status);
	}
	/* the bytes around the segments are untouched */
	ASSERT_TRUE(cb_is_pattern(dst, 100, oseed));
}

static void check_server_copy_to_vec(struct __test_metadata *_metadata,
				     F *self, struct cb_res r, bool done)
{
	check_vec(_metadata, self, r, done, true);
}

static void check_server_copy_from_vec(struct __test_metadata *_metadata,
				       F *self, struct cb_res r, bool done)
{
	check_vec(_metadata, self, r, done, false);
}

static struct cb_res run_server_alloc(F *self)
{
	return srv_alloc(self->srv_fd, self->call_id, 100, &self->block);
}

static void check_server_alloc(struct __test_metadata *_metadata, F *self,
			       struct cb_res r, bool done)
{
	if (done && r.status != NO_STATUS)
		ASSERT_EQ((uintptr_t)self->buf, self->block);
	ASSERT_RES(done ? 0 : EINVAL, done ? CLIENTBUF_STATUS_SUCCESS :
		   CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_free(self->fd, self->id, (uintptr_t)self->buf));
	self->block = 0;
}

static int prep_server_block(F *self)
{
	int err = prep_server_op(self, ALLOC);

	if (err)
		return err;
	return srv_alloc(self->srv_fd, self->call_id, 100, &self->block).err;
}

static struct cb_res run_server_free(F *self)
{
	return srv_free(self->srv_fd, self->call_id, self->block);
}

static void check_server_free(struct __test_metadata *_metadata, F *self,
			      struct cb_res r, bool done)
{
	(void)r;
	ASSERT_RES(done ? EINVAL : 0, done ?
		   CLIENTBUF_STATUS_INVALID_PARAMETER :
		   CLIENTBUF_STATUS_SUCCESS,
		   srv_free(self->srv_fd, self->call_id, self->block));
}

static struct cb_res run_server_complete(F *self)
{
	return srv_complete(self->srv_fd, self->call_id, INFO_STATUS, PROTO,
			    0, 0);
}

static void check_server_complete(struct __test_metadata *_metadata,
				  F *self, struct cb_res r, bool done)
{
	struct clientbuf_completion c;
	bool have = false;

	if (r.status == NO_STATUS && !done) {
		/* no answer: completed or not, as the client's queue tells */
		have = read(self->fd, &c, sizeof(c)) == sizeof(c);
		done = have;
	}
	if (!done) {
		ASSERT_NO_RECORD(self->fd);
		ASSERT_OK(run_server_complete(self));
	} else {
		ASSERT_RES(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
			   run_server_complete(self));
	}
	self->call_id = 0;
	if (!have) {
		ASSERT_EQ(sizeof(c), read(self->fd, &c, sizeof(c)));
	}
	ASSERT_EQ(self->last_req, c.request_id);
	ASSERT_EQ(INFO_STATUS, c.status);
	ASSERT_EQ(PROTO, c.protocol_status);
}

TEST_F(fnth, server)
{
	const struct walk w[] = {
		/* srv_serve() closes the client fd once it has the server's */
		{ "SERVE", prep_open, run_serve, CLIENTBUF_STATUS_SUCCESS,
		  { .clients = -1 }, check_serve, cleanup_all, 1 },
		{ "CALL to a served package", prep_server_rw, run_server_call,
		  CLIENTBUF_STATUS_PENDING, { .requests = 1 },
		  check_server_call, cleanup_all, 1 },
		{ "server read() of a call", prep_queued, run_server_read,
		  CLIENTBUF_STATUS_SUCCESS, {}, check_server_read,
		  cleanup_all, 0 },
		{ "SERVER_OP COPY_TO", prep_server_op_rw, run_server_copy_to,
		  CLIENTBUF_STATUS_SUCCESS, {}, check_server_copy_to,
		  cleanup_all, NO_ALLOC },
		{ "SERVER_OP COPY_FROM", prep_server_op_rw,
		  run_server_copy_from, CLIENTBUF_STATUS_SUCCESS, {},
		  check_server_copy_from, cleanup_all, NO_ALLOC },
		{ "SERVER_OP COPY_TO, pinned", prep_server_op_pin,
		  run_server_copy_to, CLIENTBUF_STATUS_SUCCESS, {},
		  check_server_copy_to, cleanup_all, NO_ALLOC },
		{ "SERVER_OP COPY_FROM, pinned", prep_server_op_pin,
		  run_server_copy_from, CLIENTBUF_STATUS_SUCCESS, {},
		  check_server_copy_from, cleanup_all, NO_ALLOC },
		{ "SERVER_OP COPY_TO_VEC", prep_server_op_rw,
		  run_server_copy_to_vec, CLIENTBUF_STATUS_SUCCESS, {},
		  check_server_copy_to_vec, cleanup_all, NO_ALLOC },
		{ "SERVER_OP COPY_FROM_VEC", prep_server_op_rw,
		  run_server_copy_from_vec, CLIENTBUF_STATUS_SUCCESS, {},
		  check_server_copy_from_vec, cleanup_all, NO_ALLOC },
		{ "SERVER_OP COPY_TO_VEC, pinned", prep_server_op_pin,
		  run_server_copy_to_vec, CLIENTBUF_STATUS_SUCCESS, {},
		  check_server_copy_to_vec, cleanup_all, NO_ALLOC },
		{ "SERVER_OP COPY_FROM_VEC, pinned", prep_server_op_pin,
		  run_server_copy_from_vec, CLIENTBUF_STATUS_SUCCESS, {},
		  check_server_copy_from_vec, cleanup_all, NO_ALLOC },
		{ "SERVER_OP ALLOC", prep_server_op_alloc, run_server_alloc,
		  CLIENTBUF_STATUS_SUCCESS, { .allocations = 1 },
		  check_server_alloc, cleanup_all, 1 },
		{ "SERVER_OP FREE", prep_server_block, run_server_free,
		  CLIENTBUF_STATUS_SUCCESS, { .allocations = -1 },
		  check_server_free, cleanup_all, 0 },
		{ "SERVER_OP COMPLETE", prep_server_op_rw, run_server_complete,
		  CLIENTBUF_STATUS_SUCCESS, {}, check_server_complete,
		  cleanup_all, 0 },
	};

	if (geteuid())
		SKIP(return, "CLIENTBUF_IOC_SERVE needs CAP_SYS_ADMIN");
	WALK_ALL(w);
}

/* ---- the hmac_logon sample --------------------------------------------------------- */

static struct {
	struct hmac_logon_submit h;
	__u8 chal[16];
} logon;

/* The token lands in page 0 of buf (registered RW), zeroed first. */
static int prep_logon(F *self)
{
	int err = open_client(self) ?: reg(self, RW, 0, self->page, NULL);

	memset(self->buf, 0, self->page);
	memset(&logon, 0, sizeof(logon));
	logon.h.op = HMAC_LOGON_OP_LOGON;
	snprintf(logon.h.user, sizeof(logon.h.user), "fnth");
	logon.h.challenge_len = sizeof(logon.chal);
	memset(logon.chal, 0x5a, sizeof(logon.chal));
	logon.h.out_addr = (uintptr_t)self->buf;
	logon.h.out_len = HMAC_LOGON_TOKEN_LEN;
	return err;
}

static struct cb_res run_logon(F *self)
{
	return _cb_call(self->fd, HMAC_LOGON_PACKAGE, &logon, sizeof(logon),
			0, 0);
}

static void check_logon(struct __test_metadata *_metadata, F *self,
			struct cb_res r, bool done)
{
	if (r.status == NO_STATUS && !done)
		/* no answer: the token landed, or nothing */
		done = !memcmp(self->buf, self->token, sizeof(self->token));
	if (!done) {
		ASSERT_GT(0, cb_not_byte(self->buf, self->page, 0));
		return;
	}
	ASSERT_EQ(0, memcmp(self->buf, self->token, sizeof(self->token)));
	ASSERT_GT(0, cb_not_byte(self->buf + sizeof(self->token),
				 self->page - sizeof(self->token), 0));
	if (r.status != NO_STATUS) {
		ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, r.proto);
		ASSERT_EQ((uintptr_t)self->buf, r.ret_addr);
		ASSERT_EQ(HMAC_LOGON_TOKEN_LEN, r.ret_len);
	}
}

TEST_F(fnth, hmac_logon)
{
	const struct walk w = {
		"hmac_logon LOGON", prep_logon, run_logon,
		CLIENTBUF_STATUS_SUCCESS, {}, check_logon, cleanup_all, 1,
	};
	struct cb_res r;

	/* the token the package answers when nothing fails */
	ASSERT_EQ(0, prep_logon(self));
	r = run_logon(self);
	if (r.status == CLIENTBUF_STATUS_NO_SUCH_PACKAGE)
		SKIP(return, "clientbuf_hmac.ko is not loaded");
	ASSERT_OK(r);
	memcpy(self->token, self->buf, sizeof(self->token));
	cleanup_all(self);
	walk(_metadata, self, &w);
}

TEST_HARNESS_MAIN
