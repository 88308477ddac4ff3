// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_pin - pinned buffers (CLIENTBUF_BUF_PIN, CLIENTBUF_FEAT_PIN).
 *
 * - accounting: debugfs pinned_pages and the process's VmPin grow by the
 *   pages of the range at registration and go back on unregister, close
 *   and exit; RLIMIT_MEMLOCK without CAP_IPC_LOCK is enforced
 *   (EDQUOT/STATUS_QUOTA_EXCEEDED) and a refused registration leaves
 *   nothing pinned;
 * - what can be pinned: a hole or an inaccessible page is
 *   EFAULT/STATUS_ACCESS_VIOLATION, a file mapping other than shmem is
 *   EOPNOTSUPP/STATUS_NOT_SUPPORTED, memfd and tmpfs files are accepted;
 *   a read-only mapping is refused also for READ (pins are FOLL_WRITE);
 *   a ramfs file mmap(MAP_FIXED)ed over the range while the pin is stopped
 *   by userfaultfd is refused with STATUS_NOT_SUPPORTED and never pinned;
 * - copies: byte-exact in every context (caller, workqueue, kthread,
 *   another process through CBTEST_IOC_COPY) from 1 byte to 4 MiB, counted
 *   in copies_pinned; through a package server's SERVER_OP COPY_TO and
 *   COPY_FROM, which move the bytes straight between the server's memory
 *   and the pinned pages, with a fault in the server's memory part-way
 *   (STATUS_PARTIAL_COPY) or at the start (STATUS_ACCESS_VIOLATION);
 * - READ|PIN over untouched anonymous memory, or a private file mapping,
 *   that the client writes after registering: the package reads the
 *   client's bytes in every context;
 * - a pinned range the client munmap()s: the pages stay pinned, copies
 *   succeed and land in them, a new mapping at the address sees nothing.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <linux/userfaultfd.h>

#include "clientbuf_stress_util.h"
#include "clientbuf_srv_util.h"

#define HANDLE		0
#define PINRW		(CLIENTBUF_BUF_PIN | CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ)
#define FIXED_ADDR	0x3cc000000000ULL
#define WAIT_MS		10000

CB_RELEASE_SLOTS_AT_EXIT

static bool pin_supported(void)
{
	struct clientbuf_info info;
	int fd = cb_open();
	bool ok;

	if (fd < 0)
		return false;
	ok = !cb_get_info(fd, &info) && (info.features & CLIENTBUF_FEAT_PIN);
	close(fd);
	return ok;
}

#define NEED_PIN() do {							\
	if (!pin_supported())						\
		SKIP(return, "no CLIENTBUF_FEAT_PIN");			\
} while (0)

/* ---- accounting ----------------------------------------------------------- */

FIXTURE(acct) {
	int fd;
	size_t page;
	long long pinned0;
	long vmpin0;
	struct cb_live base;
};

FIXTURE_SETUP(acct)
{
	self->page = cb_page();
	self->fd = -1;
	NEED_PIN();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->pinned0 = cb_stat("pinned_pages");
	ASSERT_LE(0, self->pinned0);
	self->vmpin0 = cb_vmpin_kb(0);
	ASSERT_LE(0, self->vmpin0);
	self->fd = cb_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", CB_DEV, strerror(errno));
}

FIXTURE_TEARDOWN(acct)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* pinned_pages and VmPin are @pages above the baseline. */
#define ASSERT_CHARGED(_pages) do {					\
	ASSERT_EQ(self->pinned0 + (long long)(_pages),			\
		  cb_stat("pinned_pages"));				\
	ASSERT_EQ(self->vmpin0 + (long)((_pages) * self->page / 1024),	\
		  cb_vmpin_kb(0));					\
} while (0)

#define ASSERT_CLEAN() do {						\
	if (self->fd >= 0)						\
		close(self->fd);					\
	self->fd = -1;							\
	ASSERT_PINNED_EQ(self->pinned0);				\
	ASSERT_EQ(self->vmpin0, cb_vmpin_kb(0));			\
	ASSERT_LIVE_EQ(&self->base);					\
} while (0)

TEST_F(acct, feature_bit)
{
	struct clientbuf_info info;

	ASSERT_EQ(0, cb_get_info(self->fd, &info));
	ASSERT_EQ(CLIENTBUF_FEAT_PIN, info.features & CLIENTBUF_FEAT_PIN);
}

TEST_F(acct, unregister)
{
	size_t len = 16 * self->page;
	__u8 *p = cb_map(len + self->page);
	__u32 id, id2;

	ASSERT_NE(NULL, p);
	/* 16 pages starting 100 bytes in: 17 pages pinned. */
	test_register(self->fd, PINRW, p + 100, len, &id);
	ASSERT_CHARGED(17);
	test_register(self->fd, CLIENTBUF_BUF_PIN | CLIENTBUF_BUF_WRITE, p,
		      1, &id2);
	ASSERT_CHARGED(18);
	test_unregister(self->fd, id);
	ASSERT_CHARGED(1);
	test_unregister(self->fd, id2);
	ASSERT_CHARGED(0);
	/* Not pinned at all: nothing charged. */
	test_register(self->fd, CLIENTBUF_BUF_WRITE, p, len, &id);
	ASSERT_CHARGED(0);
	close(self->fd);
	self->fd = -1;
	ASSERT_CLEAN();
	munmap(p, len + self->page);
}

TEST_F(acct, close)
{
	size_t len = 8 * self->page;
	__u8 *p = cb_map(2 * len);
	__u32 id;

	ASSERT_NE(NULL, p);
	test_register(self->fd, PINRW, p, len, &id);
	test_register(self->fd, CLIENTBUF_BUF_PIN | CLIENTBUF_BUF_READ, p + len,
		      len - 1, &id);
	/* Overlapping ranges are charged twice, as they are pinned twice. */
	test_register(self->fd, PINRW, p, 2 * len, &id);
	ASSERT_CHARGED(32);
	close(self->fd);
	self->fd = -1;
	ASSERT_CLEAN();
	munmap(p, 2 * len);
}

/* A child registers pinned ranges, reports, and exits (or is killed). */
static void exit_test(struct __test_metadata *_metadata,
		      FIXTURE_DATA(acct) *self, bool killed)
{
	size_t len = 12 * self->page;
	int to[2], from[2], fd;
	long long pinned;
	long vm;
	pid_t pid;
	char c = 1;

	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, pipe(to));
	ASSERT_EQ(0, pipe(from));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		__u8 *m = cb_map(len);

		close(to[1]);
		close(from[0]);
		fd = cb_open();
		if (fd < 0 || !m)
			_exit(1);
		if (_cb_register(fd, PINRW, m, len).err ||
		    _cb_register(fd, PINRW, m + 1, 1).err)
			_exit(2);
		cb_write_full(from[1], &c, 1);
		if (killed)
			for (;;)
				pause();
		/* exit() without closing the fd */
		cb_read_full(to[0], &c, 1);
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	ASSERT_EQ(0, cb_read_full(from[0], &c, 1));
	pinned = cb_stat("pinned_pages");
	vm = cb_vmpin_kb(pid);
	if (killed)
		kill(pid, SIGKILL);
	else
		cb_write_full(to[1], &c, 1);
	close(to[1]);
	close(from[0]);
	if (killed) {
		int st;

		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		ASSERT_TRUE(WIFSIGNALED(st));
	} else {
		ASSERT_EQ(0, cb_wait_child(pid));
	}
	ASSERT_EQ(self->pinned0 + 13, pinned);
	ASSERT_EQ((long)(13 * self->page / 1024), vm);
	ASSERT_CLEAN();
}

TEST_F(acct, exit)
{
	exit_test(_metadata, self, false);
}

TEST_F(acct, sigkill)
{
	exit_test(_metadata, self, true);
}

/* ---- RLIMIT_MEMLOCK --------------------------------------------------------- */

/* What the rlimit child saw, step by step. */
struct rl_report {
	int step;		/* last step reached */
	long vm0;		/* VmPin before, kB */
	struct cb_res four;	/* 4 pages: within the limit */
	long vm_four;
	long long pinned_four;
	struct cb_res fifth;	/* 1 more page: past it */
	long vm_fifth;
	long long pinned_fifth;
	struct cb_res unreg;
	long vm_unreg;
	struct cb_res five;	/* 5 pages at once: past it */
	long vm_five;
	long long pinned_five;
	struct cb_res again;	/* 4 pages: within it again */
	long vm_again;
};

/*
 * In a child: optionally drop CAP_IPC_LOCK, set RLIMIT_MEMLOCK to 4 pages
 * above what the user has locked already, and register.
 */
static void rlimit_child(int wr, bool drop_cap, size_t page)
{
	struct clientbuf_info info;
	struct rl_report r;
	struct rlimit rl;
	__u8 *m = cb_map(16 * page);
	int fd = cb_open();

	memset(&r, 0, sizeof(r));
	if (fd < 0 || !m)
		goto out;
	r.step = 1;
	if (drop_cap && cb_drop_cap(CAP_IPC_LOCK))
		goto out;
	r.step = 2;
	r.vm0 = cb_vmpin_kb(0);
	/* The limit counts the user's pins, wherever they are. */
	if (cb_get_info(fd, &info))
		goto out;
	rl.rlim_cur = rl.rlim_max = (info.user_locked_pages + 4) * page;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		goto out;
	r.step = 3;
	r.four = _cb_register(fd, PINRW, m, 4 * page);
	r.vm_four = cb_vmpin_kb(0);
	r.pinned_four = cb_stat("pinned_pages");
	r.fifth = _cb_register(fd, PINRW, m + 8 * page, 1);
	r.vm_fifth = cb_vmpin_kb(0);
	r.pinned_fifth = cb_stat("pinned_pages");
	r.unreg = _cb_unregister(fd, r.four.id);
	r.vm_unreg = cb_vmpin_kb(0);
	r.five = _cb_register(fd, PINRW, m, 5 * page);
	r.vm_five = cb_vmpin_kb(0);
	r.pinned_five = cb_stat("pinned_pages");
	r.again = _cb_register(fd, PINRW, m + page, 4 * page);
	r.vm_again = cb_vmpin_kb(0);
	r.step = 4;
out:
	cb_write_full(wr, &r, sizeof(r));
	_exit(0);
}

static void run_rlimit_child(struct __test_metadata *_metadata,
			     FIXTURE_DATA(acct) *self, bool drop_cap,
			     struct rl_report *r)
{
	int p[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		close(self->fd);
		rlimit_child(p[1], drop_cap, self->page);
	}
	close(p[1]);
	ASSERT_EQ(0, cb_read_full(p[0], r, sizeof(*r)));
	close(p[0]);
	ASSERT_EQ(0, cb_wait_child(pid));
	ASSERT_EQ(4, r->step) TH_LOG("rlimit child stopped at step %d",
				     r->step);
}

TEST_F(acct, rlimit_memlock)
{
	long kp = (long)self->page / 1024;
	struct rl_report r;

	run_rlimit_child(_metadata, self, true, &r);
	ASSERT_OK(r.four);
	ASSERT_EQ(r.vm0 + 4 * kp, r.vm_four);
	ASSERT_EQ(self->pinned0 + 4, r.pinned_four);
	/* One page past the limit: refused, nothing more pinned. */
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, r.fifth);
	ASSERT_EQ(0, r.fifth.id);
	ASSERT_EQ(r.vm_four, r.vm_fifth);
	ASSERT_EQ(r.pinned_four, r.pinned_fifth);
	ASSERT_OK(r.unreg);
	ASSERT_EQ(r.vm0, r.vm_unreg);
	ASSERT_RES(EDQUOT, CLIENTBUF_STATUS_QUOTA_EXCEEDED, r.five);
	ASSERT_EQ(r.vm0, r.vm_five);
	ASSERT_EQ(self->pinned0, r.pinned_five);
	ASSERT_OK(r.again);
	ASSERT_EQ(r.vm0 + 4 * kp, r.vm_again);
	ASSERT_CLEAN();
}

/* With CAP_IPC_LOCK the limit does not apply, but the pages are charged. */
TEST_F(acct, rlimit_memlock_cap_ipc_lock)
{
	long kp = (long)self->page / 1024;
	struct rl_report r;

	if (geteuid())
		SKIP(return, "needs CAP_IPC_LOCK (root)");
	run_rlimit_child(_metadata, self, false, &r);
	ASSERT_OK(r.four);
	ASSERT_OK(r.fifth);
	ASSERT_EQ(r.vm0 + 5 * kp, r.vm_fifth);
	ASSERT_EQ(self->pinned0 + 5, r.pinned_fifth);
	ASSERT_OK(r.five);
	ASSERT_EQ(r.vm0 + 6 * kp, r.vm_five);
	ASSERT_CLEAN();
}

/* ---- what can be pinned ------------------------------------------------------ */

/* A refused registration: exact errno and status, nothing left behind. */
#define ASSERT_REFUSED(_err, _status, _flags, _addr, _len) do {	\
	test_err_register(_err, _status, self->fd, _flags, _addr, _len); \
	ASSERT_CHARGED(0);						\
	ASSERT_LIVE_EQ_OPEN();						\
} while (0)

/* Live counters with our client open: baseline plus one client. */
#define ASSERT_LIVE_EQ_OPEN() do {					\
	struct cb_live __o = self->base;				\
	__o.clients++;							\
	ASSERT_LIVE_EQ(&__o);						\
} while (0)

TEST_F(acct, hole_in_the_middle)
{
	__u8 *p = cb_map(3 * self->page);

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, munmap(p + self->page, self->page));
	ASSERT_REFUSED(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION, PINRW, p,
		       3 * self->page);
	/* Registered without PIN, the same range is fine. */
	ASSERT_OK(_cb_register(self->fd, CLIENTBUF_BUF_WRITE, p,
			       3 * self->page));
	ASSERT_CHARGED(0);
}

TEST_F(acct, never_mapped)
{
	__u8 *p = cb_map(4 * self->page);

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, munmap(p, 4 * self->page));
	ASSERT_REFUSED(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION, PINRW, p,
		       4 * self->page);
	ASSERT_REFUSED(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION, PINRW,
		       p + 3 * self->page, 1);
}

/* The last page cannot be pinned: the first ones were, and are released. */
TEST_F(acct, prot_none_last_page)
{
	__u8 *p = cb_map(4 * self->page);

	ASSERT_NE(NULL, p);
	memset(p, 1, 4 * self->page);
	ASSERT_EQ(0, mprotect(p + 3 * self->page, self->page, PROT_NONE));
	ASSERT_REFUSED(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION, PINRW, p,
		       4 * self->page);
	ASSERT_REFUSED(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		       CLIENTBUF_BUF_PIN | CLIENTBUF_BUF_READ, p,
		       4 * self->page);
	/* The three pages before it can be pinned. */
	ASSERT_OK(_cb_register(self->fd, PINRW, p, 3 * self->page));
	ASSERT_CHARGED(3);
}

/* A page the kernel may write must be writable. */
TEST_F(acct, read_only_mapping_for_write)
{
	__u8 *p = cb_map(2 * self->page);

	ASSERT_NE(NULL, p);
	memset(p, 1, 2 * self->page);
	ASSERT_EQ(0, mprotect(p + self->page, self->page, PROT_READ));
	ASSERT_REFUSED(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		       CLIENTBUF_BUF_PIN | CLIENTBUF_BUF_WRITE, p,
		       2 * self->page);
}

/* Map @len bytes of @fd (MAP_SHARED or MAP_PRIVATE), touched. */
static __u8 *map_file(int fd, size_t len, int flags)
{
	__u8 *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0x5a, len);
	return p;
}

/* Register a file mapping with PIN: @want_status, or success and copies. */
static void check_file(struct __test_metadata *_metadata,
		       FIXTURE_DATA(acct) *self, int ffd, int flags,
		       int want_err, __u32 want_status)
{
	size_t len = 3 * self->page;
	__u8 *p;
	struct cb_res res;
	__u32 id;

	ASSERT_EQ(0, ftruncate(ffd, (off_t)len));
	p = map_file(ffd, len, flags);
	ASSERT_NE(NULL, p);
	if (want_err) {
		ASSERT_REFUSED(want_err, want_status, PINRW, p, len);
		ASSERT_REFUSED(want_err, want_status,
			       CLIENTBUF_BUF_PIN | CLIENTBUF_BUF_READ, p, len);
		/* Without PIN it may be registered. */
		test_register(self->fd, CLIENTBUF_BUF_WRITE, p, len, &id);
		ASSERT_CHARGED(0);
		test_unregister(self->fd, id);
	} else {
		test_register(self->fd, PINRW, p + 1, len - 1, &id);
		ASSERT_CHARGED(3);
		res = cbt_op(self->fd, CBTEST_OP_COPY_TO, CBTEST_CTX_KTHREAD,
			     p + 1, (__u32)len - 1, 77, 0);
		ASSERT_OK(res);
		ASSERT_PATTERN(p + 1, len - 1, 77);
		if (flags & MAP_SHARED) {
			/* The write went to the file's pages. */
			__u8 *b = malloc(len);

			ASSERT_NE(NULL, b);
			ASSERT_EQ((ssize_t)len - 1, pread(ffd, b, len - 1, 1));
			ASSERT_PATTERN(b, len - 1, 77);
			free(b);
		}
		test_unregister(self->fd, id);
		ASSERT_CHARGED(0);
	}
	munmap(p, len);
}

TEST_F(acct, memfd_accepted)
{
	int ffd = memfd_create("clientbuf_pin", MFD_CLOEXEC);

	ASSERT_LE(0, ffd);
	check_file(_metadata, self, ffd, MAP_SHARED, 0, 0);
	check_file(_metadata, self, ffd, MAP_PRIVATE, 0, 0);
	close(ffd);
}

/*
 * A file in the VM's root: the initramfs root is tmpfs (shmem, accepted)
 * when the kernel has CONFIG_TMPFS, else ramfs (not shmem, refused).
 */
TEST_F(acct, root_fs_file)
{
	char path[64];
	struct statfs sf;
	int ffd;

	ASSERT_EQ(0, statfs("/", &sf));
	if (sf.f_type != TMPFS_MAGIC && sf.f_type != RAMFS_MAGIC)
		SKIP(return, "/ is neither tmpfs nor ramfs (%#lx)",
		     (unsigned long)sf.f_type);
	snprintf(path, sizeof(path), "/.clientbuf_pin.%d", (int)getpid());
	ffd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (ffd < 0)
		SKIP(return, "cannot create %s: %s", path, strerror(errno));
	unlink(path);
	TH_LOG("/ is %s", sf.f_type == TMPFS_MAGIC ? "tmpfs" : "ramfs");
	if (sf.f_type == TMPFS_MAGIC) {
		check_file(_metadata, self, ffd, MAP_SHARED, 0, 0);
	} else {
		check_file(_metadata, self, ffd, MAP_SHARED, EOPNOTSUPP,
			   CLIENTBUF_STATUS_NOT_SUPPORTED);
	}
	close(ffd);
}

/* A file of ramfs: page cache that is not shmem, refused shared or private. */
TEST_F(acct, ramfs_file_refused)
{
	char dir[] = "/tmp/clientbuf_pin.XXXXXX", path[64];
	struct statfs sf;
	int ffd;

	ASSERT_NE(NULL, mkdtemp(dir));
	if (mount("ramfs", dir, "ramfs", 0, NULL)) {
		int err = errno;

		rmdir(dir);
		SKIP(return, "mount ramfs: %s", strerror(err));
	}
	snprintf(path, sizeof(path), "%s/f", dir);
	ffd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	unlink(path);
	EXPECT_EQ(0, statfs(dir, &sf));
	EXPECT_EQ(RAMFS_MAGIC, sf.f_type);
	if (ffd >= 0) {
		check_file(_metadata, self, ffd, MAP_SHARED, EOPNOTSUPP,
			   CLIENTBUF_STATUS_NOT_SUPPORTED);
		check_file(_metadata, self, ffd, MAP_PRIVATE, EOPNOTSUPP,
			   CLIENTBUF_STATUS_NOT_SUPPORTED);
		close(ffd);
	}
	EXPECT_EQ(0, umount(dir));
	rmdir(dir);
	ASSERT_LE(0, ffd);
}

/* A read-only mapping cannot be pinned, also for READ: FOLL_WRITE always. */
TEST_F(acct, read_only_mapping_for_read)
{
	__u8 *p = cb_map(2 * self->page);

	ASSERT_NE(NULL, p);
	memset(p, 1, 2 * self->page);
	ASSERT_EQ(0, mprotect(p, 2 * self->page, PROT_READ));
	ASSERT_REFUSED(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		       CLIENTBUF_BUF_PIN | CLIENTBUF_BUF_READ, p,
		       2 * self->page);
	/* Without PIN it may be registered for READ. */
	ASSERT_OK(_cb_register(self->fd, CLIENTBUF_BUF_READ, p,
			       2 * self->page));
	ASSERT_CHARGED(0);
}

/* ---- a file mapped over the range while it is being pinned ------------- */

struct pin_race {
	int fd;
	__u8 *addr;
	size_t len;
	struct cb_res res;
};

static void *pin_race_register(void *arg)
{
	struct pin_race *r = arg;

	r->res = _cb_register(r->fd, PINRW, r->addr, r->len);
	return NULL;
}

/*
 * The range is anonymous when registration checks it; userfaultfd stops
 * the pin on its second page, and meanwhile a ramfs file (page cache that
 * is neither anonymous nor shmem; the VM has no disk file system) is
 * mmap(MAP_FIXED)ed over that page. The registration must fail with
 * EOPNOTSUPP/STATUS_NOT_SUPPORTED and leave nothing pinned; the file's
 * page must never be pinned: a copy through the buffer, had it been
 * registered, must not reach the file.
 */
TEST_F(acct, file_mapped_over_while_pinning)
{
	char dir[] = "/tmp/clientbuf_pinrace.XXXXXX", path[64];
	size_t page = self->page, len = 2 * page;
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register ureg;
	struct uffdio_range wake;
	struct uffd_msg msg;
	struct pin_race r;
	pthread_t th;
	int ffd, uffd;
	__u8 *p, *b;

	uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	ASSERT_NE(NULL, mkdtemp(dir));
	if (mount("ramfs", dir, "ramfs", 0, NULL)) {
		int err = errno;

		rmdir(dir);
		SKIP(return, "mount ramfs: %s", strerror(err));
	}
	snprintf(path, sizeof(path), "%s/f", dir);
	ffd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	unlink(path);
	ASSERT_LE(0, ffd);
	b = malloc(page);
	ASSERT_NE(NULL, b);
	memset(b, 0x11, page);
	ASSERT_EQ((ssize_t)page, pwrite(ffd, b, page, 0));

	p = cb_map(len);
	ASSERT_NE(NULL, p);
	memset(p, 0x22, page);		/* page 1 stays missing */
	ureg.range.start = (uintptr_t)p + page;
	ureg.range.len = page;
	ureg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &ureg));

	r.fd = self->fd;
	r.addr = p;
	r.len = len;
	ASSERT_EQ(0, pthread_create(&th, NULL, pin_race_register, &r));
	/* The pin stops on page 1. */
	if (cb_read_timed(uffd, &msg, sizeof(msg), WAIT_MS)) {
		close(uffd);
		pthread_join(th, NULL);
		/*
		 * 6.1's long-term GUP faults without FAULT_FLAG_ALLOW_RETRY:
		 * userfaultfd cannot hold it, the fault fails at once.
		 * race_file_mapping_while_pinning covers that kernel.
		 */
		if (r.res.err == EFAULT &&
		    r.res.status == CLIENTBUF_STATUS_ACCESS_VIOLATION)
			SKIP(return, "this kernel's long-term pin does not wait for userfaultfd");
		ASSERT_TRUE(false)
			TH_LOG("the registration did not fault on the second page: errno %d status %#x",
			       r.res.err, r.res.status);
	}
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	ASSERT_EQ((uintptr_t)p + page, msg.arg.pagefault.address & ~(page - 1));
	/* The file over page 1, then let the pin go on. */
	ASSERT_EQ(p + page, mmap(p + page, page, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED, ffd, 0));
	wake.start = (uintptr_t)p + page;
	wake.len = page;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_WAKE, &wake));
	ASSERT_EQ(0, pthread_join(th, NULL));

	if (!r.res.err) {
		/* Registered: a copy must not land in the file's page. */
		struct cb_res c = cbt_op(self->fd, CBTEST_OP_COPY_TO,
					 CBTEST_CTX_KTHREAD, p + page, 64,
					 0x77, 0);

		ASSERT_OK(c);
		ASSERT_EQ((ssize_t)page, pread(ffd, b, page, 0));
		ASSERT_FALSE(cb_is_pattern(b, 64, 0x77))
			TH_LOG("the file's page-cache page was pinned: a copy through the buffer landed in the file");
		test_unregister(self->fd, r.res.id);
	}
	ASSERT_RES(EOPNOTSUPP, CLIENTBUF_STATUS_NOT_SUPPORTED, r.res);
	ASSERT_EQ(0, r.res.id);
	ASSERT_CHARGED(0);
	ASSERT_LIVE_EQ_OPEN();
	/* The file was not written. */
	ASSERT_EQ((ssize_t)page, pread(ffd, b, page, 0));
	ASSERT_BYTES(b, page, 0x11);
	munmap(p, len);
	close(ffd);
	close(uffd);
	free(b);
	EXPECT_EQ(0, umount(dir));
	rmdir(dir);
}

/*
 * The racing thread: each round, once the test has mapped the range
 * anonymous and is about to register it, wait a little (a different delay
 * each round), then mmap(MAP_FIXED) the ramfs file over it.
 */
struct remap_race {
	__u8 *addr;
	size_t len;
	int ffd;
	int go;			/* round to run, -1: stop */
	int done;		/* last round run */
	int err;
};

static void spin_ns(long ns)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000000000L + b.tv_nsec - a.tv_nsec <
		 ns);
}

static long race_delay_ns(int round)
{
	return (long)(((unsigned int)round * 7919U) % 300000U);
}

static void *remap_race_fn(void *arg)
{
	struct remap_race *m = arg;
	int round = 0;

	for (;;) {
		int go;

		while ((go = __atomic_load_n(&m->go, __ATOMIC_ACQUIRE)) ==
		       round)
			sched_yield();
		if (go < 0)
			break;
		round = go;
		spin_ns(race_delay_ns(round));
		if (mmap(m->addr, m->len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, m->ffd, 0) != m->addr)
			m->err = errno;
		__atomic_store_n(&m->done, round, __ATOMIC_RELEASE);
	}
	return NULL;
}

#define RACE_ROUNDS	3000
#define RACE_SECONDS	20

/*
 * A bounded loop racing registration against another thread that
 * mmap(MAP_FIXED)s a ramfs file over the anonymous range, after a delay
 * swept over 0..300 us. Every registration either fails with
 * STATUS_NOT_SUPPORTED (the file was there, at the check or at the pin) or
 * pinned anonymous memory: a copy through each registered buffer must never
 * reach the file, whose bytes must stay as written.
 */
TEST_F_TIMEOUT(acct, race_file_mapping_while_pinning, 120)
{
	char dir[] = "/tmp/clientbuf_pinloop.XXXXXX", path[64];
	size_t len = 2 * self->page;
	unsigned long ok = 0, refused = 0, other = 0, reached = 0;
	struct remap_race m = { .len = len };
	time_t end = time(NULL) + RACE_SECONDS;
	__u32 first_other = 0;
	pthread_t th;
	int round;
	__u8 *b;

	ASSERT_NE(NULL, mkdtemp(dir));
	if (mount("ramfs", dir, "ramfs", 0, NULL)) {
		int err = errno;

		rmdir(dir);
		SKIP(return, "mount ramfs: %s", strerror(err));
	}
	snprintf(path, sizeof(path), "%s/f", dir);
	m.ffd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	unlink(path);
	ASSERT_LE(0, m.ffd);
	b = malloc(len);
	ASSERT_NE(NULL, b);
	memset(b, 0x11, len);
	ASSERT_EQ((ssize_t)len, pwrite(m.ffd, b, len, 0));
	m.addr = cb_map(len);
	ASSERT_NE(NULL, m.addr);
	ASSERT_EQ(0, pthread_create(&th, NULL, remap_race_fn, &m));
	for (round = 1; round <= RACE_ROUNDS && time(NULL) < end; round++) {
		struct cb_res reg, res;

		if (mmap(m.addr, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
		    m.addr) {
			m.err = errno;
			break;
		}
		__atomic_store_n(&m.go, round, __ATOMIC_RELEASE);
		reg = _cb_register(self->fd, PINRW, m.addr, len);
		while (__atomic_load_n(&m.done, __ATOMIC_ACQUIRE) != round)
			sched_yield();
		if (reg.err) {
			if (reg.err == EOPNOTSUPP &&
			    reg.status == CLIENTBUF_STATUS_NOT_SUPPORTED)
				refused++;
			else if (!other++)
				first_other = reg.status;
			continue;
		}
		ok++;
		/* Into the pinned pages; the file is mapped there now. */
		res = cbt_op(self->fd, CBTEST_OP_COPY_TO, CBTEST_CTX_KTHREAD,
			     m.addr, (__u32)len, 0x77, 0);
		if (res.err && !other++)
			first_other = res.status;
		if (pread(m.ffd, b, len, 0) != (ssize_t)len ||
		    cb_not_byte(b, len, 0x11) != -1) {
			reached++;
			memset(b, 0x11, len);
			if (pwrite(m.ffd, b, len, 0) != (ssize_t)len)
				break;
		}
		res = _cb_unregister(self->fd, reg.id);
		if (res.err && !other++)
			first_other = res.status;
	}
	__atomic_store_n(&m.go, -1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(th, NULL));
	TH_LOG("%d rounds: %lu pinned anonymous memory, %lu refused, %lu other",
	       round - 1, ok, refused, other);
	ASSERT_EQ(0, m.err);
	ASSERT_EQ(0, reached)
		TH_LOG("%lu copies through a pinned buffer landed in the file's page cache",
		       reached);
	ASSERT_EQ(0, other)
		TH_LOG("first other result: %#x (%s)", first_other,
		       cb_status_name(first_other));
	close(self->fd);
	self->fd = -1;
	ASSERT_CLEAN();
	munmap(m.addr, len);
	close(m.ffd);
	free(b);
	EXPECT_EQ(0, umount(dir));
	rmdir(dir);
}

/* ---- copies in every context ------------------------------------------------ */

FIXTURE(pcopy) {
	int fd;
	int tfd;
	size_t page;
	long long pinned0;
	struct cb_live base;
	struct cb_server srv;
	bool held;
};

FIXTURE_VARIANT(pcopy) {
	__u32 ctx;
	bool remote;
};

FIXTURE_VARIANT_ADD(pcopy, caller) {
	.ctx = CBTEST_CTX_CALLER,
};

FIXTURE_VARIANT_ADD(pcopy, workqueue) {
	.ctx = CBTEST_CTX_WORKQUEUE,
};

FIXTURE_VARIANT_ADD(pcopy, kthread) {
	.ctx = CBTEST_CTX_KTHREAD,
};

FIXTURE_VARIANT_ADD(pcopy, other_process) {
	.remote = true,
};

FIXTURE_SETUP(pcopy)
{
	self->page = cb_page();
	self->tfd = -1;
	self->fd = -1;
	self->srv.pid = 0;
	NEED_PIN();
	cbt_release_slots();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->pinned0 = cb_stat("pinned_pages");
	self->fd = cb_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", CB_DEV, strerror(errno));
	if (!variant->remote)
		return;
	self->tfd = cbt_open();
	ASSERT_LE(0, self->tfd);
	test_hold(self->fd, HANDLE);
	self->held = true;
	ASSERT_EQ(0, cb_server_start(&self->srv, self->fd));
}

FIXTURE_TEARDOWN(pcopy)
{
	cb_server_stop(&self->srv);
	if (self->held)
		cbt_complete(self->tfd, HANDLE, CLIENTBUF_STATUS_SUCCESS);
	if (self->tfd >= 0)
		close(self->tfd);
	if (self->fd >= 0)
		close(self->fd);
}

static struct cb_res pcopy_op(FIXTURE_DATA(pcopy) *self,
			      const FIXTURE_VARIANT(pcopy) *variant, __u32 op,
			      const void *addr, size_t len, __u32 seed)
{
	if (variant->remote)
		return cb_server_copy(&self->srv, HANDLE, op, addr,
				      (__u32)len, seed);
	return cbt_op(self->fd, op, variant->ctx, addr, (__u32)len, seed, 0);
}

/* Everything released: the server, the held request, the fd. */
static void pcopy_finish(struct __test_metadata *_metadata,
			 FIXTURE_DATA(pcopy) *self)
{
	ASSERT_EQ(0, cb_server_stop(&self->srv));
	if (self->held) {
		ASSERT_EQ(0, cbt_complete(self->tfd, HANDLE,
					  CLIENTBUF_STATUS_SUCCESS));
		self->held = false;
	}
	close(self->fd);
	self->fd = -1;
	ASSERT_PINNED_EQ(self->pinned0);
	ASSERT_LIVE_EQ(&self->base);
}

static const struct {
	size_t len;
	size_t off;
} sizes[] = {
	{ 1, 0 }, { 1, 4095 }, { 7, 4093 }, { 4095, 1 }, { 4096, 0 },
	{ 4096, 2048 }, { 4097, 4095 }, { 65536 + 3, 5 },
	{ 4 * CB_MIB, 0 }, { 4 * CB_MIB, 4093 },
};

/* Canary: ~pattern(@seed, i - @first), never the pattern itself. */
static void canary(__u8 *m, size_t len, size_t first, __u32 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		m[i] = (__u8)~cbtest_pattern(seed, (__u64)(i - first));
}

/* First byte of @m outside [first, first + len) that is not the canary. */
static ssize_t canary_broken(const __u8 *m, size_t map_len, size_t first,
			     size_t len, __u32 seed)
{
	size_t i;

	for (i = 0; i < map_len; i++) {
		if (i >= first && i < first + len)
			continue;
		__u8 want = (__u8)~cbtest_pattern(seed, (__u64)(i - first));

		if (m[i] != want)
			return (ssize_t)i;
	}
	return -1;
}

TEST_F(pcopy, sizes)
{
	long long copies0 = cb_stat("copies_pinned");
	long long bytes0 = cb_stat("bytes_pinned");
	long long ncopies = 0, nbytes = 0;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = sizes[i].len, off = sizes[i].off;
		size_t first = self->page + off;
		size_t map_len = (first + len + 2 * self->page - 1) /
				 self->page * self->page;
		__u32 seed = 0x7000u + (__u32)i;
		__u8 *m = cb_map(map_len);
		struct cb_res res;
		__u32 id;

		ASSERT_NE(NULL, m);
		canary(m, map_len, first, seed);
		/* The whole mapping, guard pages included, is pinned. */
		test_register(self->fd, PINRW, m, map_len, &id);
		ASSERT_EQ(self->pinned0 + (long long)(map_len / self->page),
			  cb_stat("pinned_pages"));
		res = pcopy_op(self, variant, CBTEST_OP_COPY_TO, m + first,
			       len, seed);
		ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, res.status)
			TH_LOG("len %zu off %zu: %s", len, off,
			       cb_status_name(res.status));
		ASSERT_OK(res);
		ASSERT_PATTERN(m + first, len, seed);
		ASSERT_EQ(-1, canary_broken(m, map_len, first, len, seed))
			TH_LOG("len %zu off %zu: a byte outside changed",
			       len, off);
		/* Read back what the client now holds. */
		res = pcopy_op(self, variant, CBTEST_OP_COPY_FROM, m + first,
			       len, seed);
		ASSERT_OK(res);
		ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, res.proto);
		/* One byte changed by the client: the package sees it. */
		m[first + len - 1] ^= 0x80;
		res = pcopy_op(self, variant, CBTEST_OP_COPY_FROM, m + first,
			       len, seed);
		ASSERT_OK(res);
		ASSERT_EQ(CLIENTBUF_STATUS_UNSUCCESSFUL, res.proto);
		ncopies += 3;
		nbytes += 3 * (long long)len;
		test_unregister(self->fd, id);
		ASSERT_PINNED_EQ(self->pinned0);
		munmap(m, map_len);
	}
	ASSERT_EQ(copies0 + ncopies, cb_stat("copies_pinned"));
	ASSERT_EQ(bytes0 + nbytes, cb_stat("bytes_pinned"));
	pcopy_finish(_metadata, self);
}

/*
 * READ|PIN over fresh private memory that the client writes only after
 * registering: every context reads what the client wrote. (6.1 pinned
 * the shared zero page for a read-only long-term pin of untouched memory,
 * and packages read zeros with STATUS_SUCCESS.)
 */
TEST_F(pcopy, read_pin_written_after_register)
{
	size_t len = 4 * self->page;
	__u8 *m = cb_map(len);
	struct cb_res res;
	__u32 id;

	ASSERT_NE(NULL, m);
	test_register(self->fd, CLIENTBUF_BUF_PIN | CLIENTBUF_BUF_READ, m, len,
		      &id);
	ASSERT_EQ(self->pinned0 + 4, cb_stat("pinned_pages"));
	cb_fill(m, len, 0x93);
	res = pcopy_op(self, variant, CBTEST_OP_COPY_FROM, m, len, 0x93);
	ASSERT_OK(res);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, res.proto)
		TH_LOG("the package did not read what the client wrote");
	/* A later write too. */
	m[len / 2] ^= 0x80;
	res = pcopy_op(self, variant, CBTEST_OP_COPY_FROM, m, len, 0x93);
	ASSERT_OK(res);
	ASSERT_EQ(CLIENTBUF_STATUS_UNSUCCESSFUL, res.proto);
	test_unregister(self->fd, id);
	munmap(m, len);
	pcopy_finish(_metadata, self);
}

/*
 * READ|PIN over a private mapping of a memfd that the client writes after
 * registering: the package reads the client's bytes, not the file's, and
 * the file is not written.
 */
TEST_F(pcopy, read_pin_private_file_written_after_register)
{
	size_t len = 3 * self->page;
	int ffd = memfd_create("clientbuf_pin_cow", MFD_CLOEXEC);
	__u8 *m, *b = malloc(len);
	struct cb_res res;
	__u32 id;

	ASSERT_LE(0, ffd);
	ASSERT_NE(NULL, b);
	cb_fill(b, len, 0x31);
	ASSERT_EQ((ssize_t)len, pwrite(ffd, b, len, 0));
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, ffd, 0);
	ASSERT_NE(MAP_FAILED, m);
	test_register(self->fd, CLIENTBUF_BUF_PIN | CLIENTBUF_BUF_READ, m, len,
		      &id);
	cb_fill(m, len, 0x32);
	res = pcopy_op(self, variant, CBTEST_OP_COPY_FROM, m, len, 0x32);
	ASSERT_OK(res);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, res.proto)
		TH_LOG("the package did not read what the client wrote");
	ASSERT_EQ((ssize_t)len, pread(ffd, b, len, 0));
	ASSERT_PATTERN(b, len, 0x31);
	test_unregister(self->fd, id);
	munmap(m, len);
	close(ffd);
	free(b);
	pcopy_finish(_metadata, self);
}

/*
 * munmap() after registration: the pages stay pinned and take the
 * copies; a new mapping at the address sees none of it.
 */
TEST_F(pcopy, munmap_after_register)
{
	size_t len = 4 * self->page;
	long long copies0 = cb_stat("copies_pinned");
	void *want = (void *)(uintptr_t)FIXED_ADDR;
	struct cb_res res;
	__u8 *m;
	__u32 id;

	m = mmap(want, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_EQ(want, m);
	memset(m, 0x11, len);
	test_register(self->fd, PINRW, m, len, &id);
	ASSERT_EQ(0, munmap(m, len));
	ASSERT_EQ(self->pinned0 + 4, cb_stat("pinned_pages"));

	ASSERT_OK(pcopy_op(self, variant, CBTEST_OP_COPY_TO, m + 3, len - 3,
			   0x51));
	res = pcopy_op(self, variant, CBTEST_OP_COPY_FROM, m + 3, len - 3,
		       0x51);
	ASSERT_OK(res);
	/* The bytes are in the pinned pages. */
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, res.proto);

	/* A new mapping at the same address: fresh zero pages. */
	m = mmap(want, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_EQ(want, m);
	ASSERT_BYTES(m, len, 0);
	ASSERT_OK(pcopy_op(self, variant, CBTEST_OP_COPY_TO, m, len, 0x52));
	ASSERT_BYTES(m, len, 0);
	res = pcopy_op(self, variant, CBTEST_OP_COPY_FROM, m, len, 0x52);
	ASSERT_OK(res);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, res.proto);
	ASSERT_EQ(copies0 + 4, cb_stat("copies_pinned"));

	test_unregister(self->fd, id);
	ASSERT_PINNED_EQ(self->pinned0);
	ASSERT_OK(_cb_register(self->fd, CLIENTBUF_BUF_WRITE, m, len));
	/* Registered again without PIN: the copy lands in the new mapping. */
	ASSERT_OK(pcopy_op(self, variant, CBTEST_OP_COPY_TO, m, len, 0x53));
	ASSERT_PATTERN(m, len, 0x53);
	munmap(m, len);
	pcopy_finish(_metadata, self);
}

/* ---- a package server's copies ------------------------------------------------ */

#define SRV_LEN		(8 * 4096)
#define SRV_OFF		1000	/* client offset: not page aligned */

/* The client child's submit buffer, and what it reports back. */
struct pin_submit {
	__u64 addr;
	__u32 len;
	__u32 id;
};

struct pin_report {
	int step;
	struct cb_res reg;
	struct srv_call call;
};

FIXTURE(psrv) {
	int fd;
	size_t page;
	char name[CLIENTBUF_PACKAGE_NAME_MAX];
	long long pinned0;
	struct cb_live base;
	__u8 *shared;		/* the client's registered range */
	pid_t child;
	int rd;
	__u64 call_id;
	struct pin_submit sub;
};

/*
 * The same server tests on a pinned buffer and on a plain one: both are one
 * copy per byte, page by page, between the server's memory and the
 * client's pages (pinned at registration, or taken from the client's mm in
 * batches) - no bounce buffer, so a fault in the server's memory stops the
 * copy at the fault on either.
 */
FIXTURE_VARIANT(psrv) {
	__u32 flags;
	const char *copies;	/* the counter of the copies' path */
	const char *bytes;
};

FIXTURE_VARIANT_ADD(psrv, pinned) {
	.flags = PINRW,
	.copies = "copies_pinned",
	.bytes = "bytes_pinned",
};

FIXTURE_VARIANT_ADD(psrv, plain) {
	.flags = CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ,
	.copies = "copies_other_process",
	.bytes = "bytes_other_process",
};

/* The client: register the shared range, call, report. */
static void __attribute__((noreturn))
psrv_client(const char *name, __u8 *shared, __u32 flags, int wr)
{
	struct pin_report r;
	struct pin_submit s = {
		.addr = (uintptr_t)shared + SRV_OFF, .len = SRV_LEN - SRV_OFF,
	};
	int fd = cb_open();

	memset(&r, 0, sizeof(r));
	if (fd < 0)
		goto out;
	r.step = 1;
	r.reg = _cb_register(fd, flags, shared, SRV_LEN);
	if (r.reg.err)
		goto out;
	s.id = r.reg.id;
	r.step = 2;
	r.call = srv_call(fd, name, &s, sizeof(s), 0, 0);
	r.step = 3;
out:
	cb_write_full(wr, &r, sizeof(r));
	_exit(0);
}

FIXTURE_SETUP(psrv)
{
	struct {
		struct clientbuf_server_call hdr;
		struct pin_submit s;
	} rec;
	int p[2];

	self->page = cb_page();
	self->child = -1;
	self->rd = -1;
	self->fd = -1;
	self->shared = NULL;
	if (variant->flags & CLIENTBUF_BUF_PIN)
		NEED_PIN();
	ASSERT_EQ(0, cb_live_baseline(&self->base));
	self->pinned0 = cb_stat("pinned_pages");
	/* shmem, so that this process sees what lands in the client. */
	self->shared = mmap(NULL, SRV_LEN, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->shared);
	memset(self->shared, 0xee, SRV_LEN);
	self->fd = cb_open();
	ASSERT_LE(0, self->fd);
	srv_name(self->name, sizeof(self->name), "pin");
	ASSERT_OK(srv_serve(&self->fd, self->name));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		close(p[0]);
		close(self->fd);
		psrv_client(self->name, self->shared, variant->flags, p[1]);
	}
	close(p[1]);
	self->rd = p[0];
	ASSERT_EQ(POLLIN, cb_poll(self->fd, POLLIN, WAIT_MS) & POLLIN)
		TH_LOG("no call came");
	ASSERT_EQ((ssize_t)sizeof(rec), read(self->fd, &rec, sizeof(rec)));
	ASSERT_EQ(sizeof(rec.s), rec.hdr.submit_len);
	self->call_id = rec.hdr.call_id;
	self->sub = rec.s;
	ASSERT_EQ(self->pinned0 + (variant->flags & CLIENTBUF_BUF_PIN ?
				   SRV_LEN / 4096 : 0),
		  cb_stat("pinned_pages"));
}

FIXTURE_TEARDOWN(psrv)
{
	if (self->child > 0)
		cb_kill_child(self->child);
	if (self->rd >= 0)
		close(self->rd);
	if (self->fd >= 0)
		close(self->fd);
	if (self->shared && self->shared != MAP_FAILED)
		munmap(self->shared, SRV_LEN);
}

/* Complete the call and check what the client saw; nothing left over. */
static void psrv_finish(struct __test_metadata *_metadata,
			FIXTURE_DATA(psrv) *self)
{
	struct pin_report r;

	ASSERT_OK(srv_complete(self->fd, self->call_id,
			       CLIENTBUF_STATUS_SUCCESS, 0, 0, 0));
	ASSERT_EQ(0, cb_read_timed(self->rd, &r, sizeof(r), WAIT_MS));
	ASSERT_EQ(0, cb_wait_child(self->child));
	self->child = -1;
	ASSERT_EQ(3, r.step);
	ASSERT_OK(r.reg);
	ASSERT_OK(srv_call_res(&r.call));
	close(self->fd);
	self->fd = -1;
	ASSERT_PINNED_EQ(self->pinned0);
	ASSERT_LIVE_BASE(&self->base);
}

/* Server memory: 3 pages of pattern(@seed), the third one unmapped. */
static __u8 *server_mem(size_t page, __u32 seed)
{
	__u8 *m = cb_map(3 * page);

	if (!m)
		return NULL;
	cb_fill(m, 3 * page, seed);
	munmap(m + 2 * page, page);
	return m;
}

TEST_F(psrv, copy_to_and_from)
{
	size_t page = self->page, len = self->sub.len;
	long long copies0 = cb_stat(variant->copies);
	__u8 *src = cb_map(len), *dst = cb_map(len);

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ASSERT_EQ((uintptr_t)self->shared + SRV_OFF, self->sub.addr);
	cb_fill(src, len, 0x3131);
	ASSERT_OK(srv_copy_to(self->fd, self->call_id, self->sub.addr,
			      src, (__u32)len));
	ASSERT_PATTERN(self->shared + SRV_OFF, len, 0x3131);
	ASSERT_BYTES(self->shared, SRV_OFF, 0xee);
	/* 1 byte, page-crossing 7 bytes */
	ASSERT_OK(srv_copy_to(self->fd, self->call_id,
			      (uintptr_t)self->shared, src, 1));
	ASSERT_EQ(cbtest_pattern(0x3131, 0), self->shared[0]);
	ASSERT_OK(srv_copy_from(self->fd, self->call_id, dst,
				(uintptr_t)self->shared + page - 3, 7));
	ASSERT_EQ(0, memcmp(dst, self->shared + page - 3, 7));
	ASSERT_OK(srv_copy_from(self->fd, self->call_id, dst,
				self->sub.addr, (__u32)len));
	ASSERT_PATTERN(dst, len, 0x3131);
	ASSERT_EQ(copies0 + 4, cb_stat(variant->copies));
	psrv_finish(_metadata, self);
}

/*
 * One payload copy per byte, no bounce: a COPY_TO and a COPY_FROM of the
 * whole range count each byte once on their path, bytes_bounced does not
 * move, and the plain buffer's pages were taken from the client's mm in
 * batches of at most 16 (CB_WALK_BATCH), the pinned one's not at all.
 */
TEST_F(psrv, one_copy_no_bounce)
{
	static const char *const names[] = {
		"bytes_bounced", "pages_remote", "batches_remote",
	};
	size_t len = self->sub.len, page = self->page;
	size_t pages = (SRV_OFF + len + page - 1) / page;
	long long before[3], after[3], bytes0 = cb_stat(variant->bytes);
	bool plain = !(variant->flags & CLIENTBUF_BUF_PIN);
	__u8 *src = cb_map(len), *dst = cb_map(len);

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	/* The server's memory present: no batch comes up short. */
	cb_fill(src, len, 0x5151);
	memset(dst, 0, len);
	ASSERT_EQ(3, cb_stats_read(names, before, 3));
	ASSERT_OK(srv_copy_to(self->fd, self->call_id, self->sub.addr,
			      src, (__u32)len));
	ASSERT_OK(srv_copy_from(self->fd, self->call_id, dst,
				self->sub.addr, (__u32)len));
	ASSERT_PATTERN(dst, len, 0x5151);
	ASSERT_EQ(3, cb_stats_read(names, after, 3));
	EXPECT_EQ(before[0], after[0]) TH_LOG("bytes were bounced");
	EXPECT_EQ(bytes0 + 2 * (long long)len, cb_stat(variant->bytes));
	EXPECT_EQ(before[1] + (plain ? 2 * (long long)pages : 0), after[1]);
	EXPECT_EQ(before[2] + (plain ? 2 * (long long)((pages + 15) / 16) : 0),
		  after[2]);
	psrv_finish(_metadata, self);
}

/*
 * COPY_TO from server memory that ends in a hole: the bytes before the
 * hole land, the result is STATUS_PARTIAL_COPY, and no client byte past
 * the fault changes.
 */
TEST_F(psrv, copy_to_server_fault_part_way)
{
	size_t page = self->page;
	__u8 *src = server_mem(page, 0x4242);
	__u8 *c = self->shared + SRV_OFF;
	size_t before = 100, len = 3000, k;

	ASSERT_NE(NULL, src);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_PARTIAL_COPY,
		   srv_copy_to(self->fd, self->call_id, self->sub.addr,
			       src + 2 * page - before, (__u32)len));
	for (k = 0; k < before && c[k] == src[2 * page - before + k]; k++)
		;
	ASSERT_LT(0, k) TH_LOG("nothing landed");
	ASSERT_GE(before, k);
	ASSERT_BYTES(c + before, len - before, 0xee);
	ASSERT_BYTES(self->shared, SRV_OFF, 0xee);
	psrv_finish(_metadata, self);
}

/* COPY_TO from a hole: nothing lands, STATUS_ACCESS_VIOLATION. */
TEST_F(psrv, copy_to_server_fault_at_start)
{
	size_t page = self->page;
	__u8 *src = server_mem(page, 0x4343);

	ASSERT_NE(NULL, src);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_copy_to(self->fd, self->call_id, self->sub.addr,
			       src + 2 * page, 64));
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_copy_to(self->fd, self->call_id, self->sub.addr,
			       NULL, 64));
	ASSERT_BYTES(self->shared, SRV_LEN, 0xee);
	psrv_finish(_metadata, self);
}

/* COPY_FROM into server memory that ends in a hole. */
TEST_F(psrv, copy_from_server_fault_part_way)
{
	size_t page = self->page, before = 300, len = 5000, k;
	__u8 *dst = server_mem(page, 0x4444), *c = self->shared + SRV_OFF;

	ASSERT_NE(NULL, dst);
	cb_fill(c, len, 0x4545);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_PARTIAL_COPY,
		   srv_copy_from(self->fd, self->call_id,
				 dst + 2 * page - before, self->sub.addr,
				 (__u32)len));
	for (k = 0; k < before && dst[2 * page - before + k] ==
	     cbtest_pattern(0x4545, k); k++)
		;
	ASSERT_LT(0, k) TH_LOG("nothing landed");
	/* The server's memory before the destination is untouched. */
	ASSERT_PATTERN(dst, 2 * page - before, 0x4444);
	/* The client's memory is untouched. */
	ASSERT_PATTERN(c, len, 0x4545);
	psrv_finish(_metadata, self);
}

/* COPY_FROM into a hole or a read-only page: STATUS_ACCESS_VIOLATION. */
TEST_F(psrv, copy_from_server_fault_at_start)
{
	size_t page = self->page;
	__u8 *dst = server_mem(page, 0x4646);

	ASSERT_NE(NULL, dst);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_copy_from(self->fd, self->call_id, dst + 2 * page,
				 self->sub.addr, 64));
	ASSERT_EQ(0, mprotect(dst, page, PROT_READ));
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_copy_from(self->fd, self->call_id, dst,
				 self->sub.addr, 64));
	ASSERT_PATTERN(dst, 2 * page, 0x4646);
	psrv_finish(_metadata, self);
}

/* The client munmap()s nothing here, but the server still cannot escape. */
TEST_F(psrv, outside_the_pinned_range)
{
	__u8 *src = cb_map(self->page);

	ASSERT_NE(NULL, src);
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_copy_to(self->fd, self->call_id,
			       (uintptr_t)self->shared + SRV_LEN - 10, src, 11));
	ASSERT_RES(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION,
		   srv_copy_to(self->fd, self->call_id,
			       (uintptr_t)self->shared - 1, src, 2));
	ASSERT_BYTES(self->shared, SRV_LEN, 0xee);
	psrv_finish(_metadata, self);
}

TEST_HARNESS_MAIN
