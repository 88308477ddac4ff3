// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_abi - the ABI abuse suite: every ioctl of /dev/clientbuf
 * (GET_INFO, REGISTER, UNREGISTER, CALL_PACKAGE, FREE, SERVE, SERVER_OP)
 * fed hostile arguments, table-driven:
 *
 *   size rules       0, 1, 4, first-4, first-1 (first: the first published
 *                    size) -> EINVAL; min+1..min+8 with a
 *                    non-zero tail byte -> E2BIG; a larger struct with a
 *                    zero tail -> accepted, the tail and the bytes after it
 *                    untouched; any size above a page (page + 1 ..
 *                    0xffffffff), over zeros or at the end of a mapping
 *                    followed by a PROT_NONE page -> E2BIG before the tail
 *                    is read, a page exactly -> accepted; a struct
 *                    straddling the guard -> EFAULT;
 *   pointers         NULL, kernel (0xffff888000000000), the guard page,
 *                    0x1, the top of the address space -> EFAULT;
 *   commands         other direction bits -> ENOTTY; other size bits ->
 *                    accepted (the struct's own size governs); unknown nr;
 *   reserved fields  each non-zero -> EINVAL + STATUS_INVALID_PARAMETER;
 *   flags            every bit 0..31 outside CLIENTBUF_*_FLAGS -> EINVAL;
 *                    SERVER_OP ops past the last known -> EINVAL;
 *   wraps            address + length wrapping or leaving user space in
 *                    REGISTER, SERVER_OP (both addresses), CALL_PACKAGE's
 *                    submit buffer and the package's copies;
 *   limits           each GET_INFO limit at and past it (max_buffers,
 *                    max_buffer_bytes, max_submit_len, max_pending,
 *                    max_allocs through CBTEST_OP_ALLOC);
 *   ids              stale, foreign (another fd of this process), never
 *                    issued (0, U32_MAX/U64_MAX, the next one).
 *
 * Each case asserts the exact errno, and the exact NTSTATUS written back
 * (or that nothing at all was written back when the size rules refuse the
 * struct), then that the client is as it was: the live counters of
 * /sys/kernel/debug/clientbuf/stats are unchanged, a registered buffer
 * still holds its bytes and is still reachable by a package, the package
 * server's call is still live, the object the case was aimed at (a buffer,
 * a block, an fd that could still serve) is still there, and the next
 * registration gets the next id (no registration happened behind the
 * caller's back). The number of cases is printed at the end.
 */
#include "clientbuf_hostile.h"
#include "clientbuf_srv_util.h"

#define SEED		0xab1
#define A_PAGES		4
#define SENTINEL	0xdeadbeefU
/* No status field to check, or the struct is not readable. */
#define NO_STATUS	0x1U
/* The struct must be byte for byte as it was: nothing written back. */
#define UNTOUCHED	0x2U
#define FAR_ADDR	0x200000000000ULL

HX_COUNT_AT_EXIT("abi abuse cases")

enum {
	NR_INFO, NR_REGISTER, NR_UNREGISTER, NR_CALL, NR_FREE, NR_SERVE,
	NR_SERVER_OP, NR_COUNT,
};

struct ioc_desc {
	const char *name;
	unsigned long cmd;
	__u32 size;
	int status_off;		/* -1: no status field */
	__u32 first;		/* size of the first published version */
};

static const struct ioc_desc iocs[NR_COUNT] = {
	[NR_INFO] = { "GET_INFO", CLIENTBUF_IOC_GET_INFO,
		      sizeof(struct clientbuf_info), -1,
		      offsetof(struct clientbuf_info, nr_buffers) },
	[NR_REGISTER] = { "REGISTER", CLIENTBUF_IOC_REGISTER,
			  sizeof(struct clientbuf_register),
			  offsetof(struct clientbuf_register, status) },
	[NR_UNREGISTER] = { "UNREGISTER", CLIENTBUF_IOC_UNREGISTER,
			    sizeof(struct clientbuf_unregister),
			    offsetof(struct clientbuf_unregister, status) },
	[NR_CALL] = { "CALL_PACKAGE", CLIENTBUF_IOC_CALL_PACKAGE,
		      sizeof(struct clientbuf_call),
		      offsetof(struct clientbuf_call, status) },
	[NR_FREE] = { "FREE", CLIENTBUF_IOC_FREE, sizeof(struct clientbuf_free),
		      offsetof(struct clientbuf_free, status) },
	[NR_SERVE] = { "SERVE", CLIENTBUF_IOC_SERVE,
		       sizeof(struct clientbuf_serve),
		       offsetof(struct clientbuf_serve, status) },
	[NR_SERVER_OP] = { "SERVER_OP", CLIENTBUF_IOC_SERVER_OP,
			   sizeof(struct clientbuf_server_op),
			   offsetof(struct clientbuf_server_op, status),
			   cb_offsetofend(struct clientbuf_server_op,
					  reserved2) },
};

FIXTURE(abi) {
	int fd;			/* the client under attack */
	int fd2;		/* another client of this process */
	int srv;		/* a package server */
	size_t page;
	struct clientbuf_info info;
	__u8 *a;		/* WRITE|READ, pattern SEED */
	size_t alen;
	__u32 id_a;
	__u8 *arena;		/* WRITE|ALLOC */
	__u32 id_alloc;
	__u8 *spare;		/* scratch registrations */
	__u32 next_id;		/* the id fd's next registration gets */
	__u32 id_foreign;	/* registered on fd2, never issued on fd */
	__u8 *guard;		/* first byte of a PROT_NONE page */
	__u8 *argbuf;		/* where arguments are built */
	__u8 *srvbuf;		/* the server's memory */
	char srv_name[CLIENTBUF_PACKAGE_NAME_MAX];
	__u64 call_id;		/* a call read from srv, not completed */
	__u64 next_call_id;	/* never issued on srv yet */
	struct cbtest_cmd nop;
	unsigned int cases;
	bool root;
};

/* One case on its way: begin(), mutate, finish(). */
struct abcase {
	int nr;
	int fd;
	unsigned long cmd;
	__u8 *arg;		/* where the struct is; may be unmapped */
	bool readable;		/* arg can be read back */
	bool no_id_probe;	/* the next REGISTER would hit a limit */
	__u32 scratch_id;	/* UNREGISTER: the buffer aimed at */
	__u64 block;		/* FREE: the block aimed at */
	int sfd;		/* SERVE: a fresh fd */
	__u8 before[8192];	/* the struct as passed (UNTOUCHED) */
	size_t before_len;
	struct cb_live live;
};

static void srv_name_new(char *name, size_t len)
{
	static unsigned int n;

	snprintf(name, len, "abi.%d.%u", (int)getpid(), n++);
}

/* The client is as it was: bytes, reachability, the server's call. */
static void check_client(struct __test_metadata *_metadata,
			 FIXTURE_DATA(abi) *self, struct cb_live *live)
{
	struct cb_res res;

	ASSERT_PATTERN(self->a, self->alen, SEED);
	res = cbt_op(self->fd, CBTEST_OP_COPY_FROM, CBTEST_CTX_CALLER,
		     self->a, (__u32)self->alen, SEED, 0);
	ASSERT_OK(res);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, res.proto);
	if (self->root) {
		memset(self->srvbuf, 0, 64);
		ASSERT_OK(srv_copy_from(self->srv, self->call_id,
					self->srvbuf,
					(uintptr_t)self->a + 64, 64));
		ASSERT_EQ(0, memcmp(self->srvbuf, self->a + 64, 64));
	}
	ASSERT_EQ(0, cb_live_read(live));
}

FIXTURE_SETUP(abi)
{
	struct clientbuf_server_call hdr;
	__u8 rec[sizeof(hdr) + 64];
	struct srv_call c;
	__u32 i, id;

	self->page = cb_page();
	self->root = geteuid() == 0;
	self->fd = cb_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", CB_DEV, strerror(errno));
	self->fd2 = cb_open();
	ASSERT_LE(0, self->fd2);
	ASSERT_EQ(0, cb_get_info(self->fd, &self->info));
	self->nop = cbt_cmd(CBTEST_OP_NOP, CBTEST_CTX_CALLER, NULL, 0, 0, 0);

	self->alen = A_PAGES * self->page;
	self->a = cb_map(self->alen);
	ASSERT_NE(NULL, self->a);
	cb_fill(self->a, self->alen, SEED);
	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ,
		      self->a, self->alen, &self->id_a);
	self->arena = cb_map(A_PAGES * self->page);
	ASSERT_NE(NULL, self->arena);
	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
		      self->arena, A_PAGES * self->page, &self->id_alloc);
	self->next_id = self->id_alloc + 1;
	self->spare = cb_map(4 * self->page);
	ASSERT_NE(NULL, self->spare);

	/* fd2 issues ids fd will never reach in one test; keeps the last. */
	for (i = 0; i < 400; i++) {
		test_register(self->fd2, CLIENTBUF_BUF_WRITE, self->spare,
			      self->page, &id);
		if (i < 399)
			test_unregister(self->fd2, id);
	}
	self->id_foreign = id;

	self->guard = hx_map_guarded(2);
	ASSERT_NE(NULL, self->guard);
	self->argbuf = self->guard - 2 * self->page;
	self->srvbuf = cb_map(self->page);
	ASSERT_NE(NULL, self->srvbuf);

	self->srv = -1;
	if (!self->root)
		return;
	/* A server with one call of fd read and not completed. */
	self->srv = cb_open();
	ASSERT_LE(0, self->srv);
	srv_name_new(self->srv_name, sizeof(self->srv_name));
	ASSERT_OK(srv_serve(&self->srv, self->srv_name));
	c = srv_call(self->fd, self->srv_name, &self->nop, sizeof(self->nop),
		     CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_EQ(0, c.err);
	ASSERT_EQ(CLIENTBUF_STATUS_PENDING, c.c.status);
	ASSERT_EQ((ssize_t)sizeof(rec) - 64 + (ssize_t)sizeof(self->nop),
		  read(self->srv, rec, sizeof(rec)));
	memcpy(&hdr, rec, sizeof(hdr));
	self->call_id = hdr.call_id;
	self->next_call_id = hdr.call_id + 1;
}

FIXTURE_TEARDOWN(abi)
{
	struct clientbuf_completion rec;

	if (self->srv >= 0) {
		srv_complete(self->srv, self->call_id, 0, 0, 0, 0);
		read(self->fd, &rec, sizeof(rec));
		close(self->srv);
	}
	close(self->fd2);
	close(self->fd);
	if (self->cases) {
		ksft_print_msg("%s: %u abuse cases\n", _metadata->name,
			       self->cases);
		hx_count_add(self->cases);
	}
}

/* The struct a valid call of @nr takes, at @p. */
static void build_valid(struct __test_metadata *_metadata,
			FIXTURE_DATA(abi) *self, struct abcase *c, __u8 *p)
{
	union hx_ioc_arg u;
	struct cb_res res;

	memset(&u, 0, sizeof(u));
	switch (c->nr) {
	case NR_INFO:
		break;
	case NR_REGISTER:
		u.reg.flags = CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_READ;
		u.reg.addr = (uintptr_t)self->spare;
		u.reg.len = self->page;
		u.reg.status = SENTINEL;
		break;
	case NR_UNREGISTER:
		res = _cb_register(self->fd, CLIENTBUF_BUF_WRITE,
				   self->spare, self->page);
		ASSERT_OK(res);
		ASSERT_EQ(self->next_id, res.id);
		self->next_id++;
		c->scratch_id = res.id;
		u.unreg.id = res.id;
		u.unreg.status = SENTINEL;
		break;
	case NR_CALL:
		cb_call_init(&u.call, CBTEST_PACKAGE, &self->nop,
			     sizeof(self->nop), 0, 0);
		u.call.status = SENTINEL;
		break;
	case NR_FREE:
		{
			struct cbtest_cmd cmd = cbt_cmd(CBTEST_OP_ALLOC,
							CBTEST_CTX_CALLER,
							NULL, 64, 0, 0);

			res = _cbt_call(self->fd, &cmd, 0, self->id_alloc);
			ASSERT_OK(res);
			c->block = res.ret_addr;
		}
		u.fr.id = self->id_alloc;
		u.fr.addr = c->block;
		u.fr.status = SENTINEL;
		break;
	case NR_SERVE:
		c->sfd = cb_open();
		ASSERT_LE(0, c->sfd);
		c->fd = c->sfd;
		srv_name_new(u.serve.package, sizeof(u.serve.package));
		u.serve.status = SENTINEL;
		break;
	case NR_SERVER_OP:
		c->fd = self->srv;
		u.op.op = CLIENTBUF_SRV_COPY_FROM;
		u.op.call_id = self->call_id;
		u.op.client_addr = (uintptr_t)self->a + 16;
		u.op.server_addr = (uintptr_t)self->srvbuf;
		u.op.len = 64;
		u.op.status = SENTINEL;
		break;
	}
	u.info.size = iocs[c->nr].size;	/* every struct starts with it */
	memcpy(p, &u, iocs[c->nr].size);
}

/*
 * Start a case of @nr: snapshot the client, build a valid struct in the
 * argument area (zeroed), aimed at a fresh object where the ioctl acts on
 * one. The caller then breaks one thing and calls finish().
 */
static void begin(struct __test_metadata *_metadata, FIXTURE_DATA(abi) *self,
		  struct abcase *c, int nr)
{
	memset(c, 0, sizeof(*c));
	c->nr = nr;
	c->fd = self->fd;
	c->sfd = -1;
	c->cmd = iocs[nr].cmd;
	c->readable = true;
	check_client(_metadata, self, &c->live);
	memset(self->argbuf, 0, 2 * self->page);
	c->arg = self->argbuf + 64;
	build_valid(_metadata, self, c, c->arg);
}

/* Move the struct so that it ends @gap bytes before the guard page. */
static void place_at_end(FIXTURE_DATA(abi) *self, struct abcase *c,
			 size_t gap)
{
	__u8 *to = self->guard - gap - iocs[c->nr].size;

	memmove(to, c->arg, iocs[c->nr].size);
	if (to < c->arg)
		memset(to + iocs[c->nr].size, 0,
		       (size_t)(c->arg - to));
	c->arg = to;
}

static void set_usize(struct abcase *c, __u32 usize)
{
	memcpy(c->arg, &usize, sizeof(usize));
}

#define FIELD(_c, _type, _field) (((_type *)(_c)->arg)->_field)

/* What a successful call of @nr must have done; undone where needed. */
static void check_success(struct __test_metadata *_metadata,
			  FIXTURE_DATA(abi) *self, struct abcase *c)
{
	switch (c->nr) {
	case NR_INFO:
		ASSERT_EQ(CLIENTBUF_ABI_VERSION,
			  FIELD(c, struct clientbuf_info, abi_version));
		ASSERT_EQ(self->info.max_buffers,
			  FIELD(c, struct clientbuf_info, max_buffers));
		ASSERT_EQ(self->info.max_pending,
			  FIELD(c, struct clientbuf_info, max_pending));
		break;
	case NR_REGISTER:
		ASSERT_EQ(self->next_id,
			  FIELD(c, struct clientbuf_register, id));
		test_unregister(self->fd, self->next_id);
		self->next_id++;
		break;
	case NR_UNREGISTER:
		test_err_unregister(ENOENT, CLIENTBUF_STATUS_INVALID_HANDLE,
				    self->fd, c->scratch_id);
		c->scratch_id = 0;
		break;
	case NR_CALL:
		ASSERT_NE(0, FIELD(c, struct clientbuf_call, request_id));
		break;
	case NR_FREE:
		ASSERT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
			   _cb_free(self->fd, self->id_alloc, c->block));
		c->block = 0;
		break;
	case NR_SERVE: {
		int nfd = FIELD(c, struct clientbuf_serve, fd);
		struct clientbuf_serve again;
		char name[CLIENTBUF_PACKAGE_NAME_MAX];

		/* A new server fd, close-on-exec; the client fd unchanged. */
		ASSERT_LE(0, nfd);
		ASSERT_NE(c->sfd, nfd);
		ASSERT_EQ(FD_CLOEXEC, fcntl(nfd, F_GETFD));
		/* The name is served: a second SERVE of it is refused. */
		memset(&again, 0, sizeof(again));
		memcpy(again.package, FIELD(c, struct clientbuf_serve, package),
		       sizeof(again.package));
		ASSERT_RES(EEXIST, CLIENTBUF_STATUS_OBJECT_NAME_COLLISION,
			   srv_serve_raw(c->sfd, &again));
		ASSERT_EQ(-1, again.fd);
		close(nfd);
		/* Gone with its fd: the client fd may serve it again, */
		ASSERT_OK(srv_serve_raw(c->sfd, &again));
		nfd = again.fd;
		/* and another package beside it. */
		srv_name_new(name, sizeof(name));
		memset(&again, 0, sizeof(again));
		memcpy(again.package, name, sizeof(again.package));
		ASSERT_OK(srv_serve_raw(c->sfd, &again));
		ASSERT_NE(nfd, again.fd);
		close(nfd);
		close(again.fd);
		break;
	}
	case NR_SERVER_OP:
		ASSERT_EQ(0, memcmp(self->srvbuf, self->a + 16, 64));
		break;
	}
}

/* After a failed call: the object it was aimed at is intact. */
static void check_failure(struct __test_metadata *_metadata,
			  FIXTURE_DATA(abi) *self, struct abcase *c)
{
	char name[CLIENTBUF_PACKAGE_NAME_MAX];

	switch (c->nr) {
	case NR_UNREGISTER:
		test_unregister(self->fd, c->scratch_id);
		c->scratch_id = 0;
		break;
	case NR_FREE:
		ASSERT_OK(_cb_free(self->fd, self->id_alloc, c->block));
		c->block = 0;
		break;
	case NR_SERVE:
		/* Nothing half-done: the fd can still serve. */
		srv_name_new(name, sizeof(name));
		ASSERT_OK(srv_serve(&c->sfd, name));
		break;
	case NR_SERVER_OP:
		ASSERT_BYTES(self->srvbuf, 64, 0);
		break;
	}
}

/*
 * Run the case: the ioctl gives @err and writes back @status (or
 * NO_STATUS / UNTOUCHED); the client is as it was.
 */
static void finish(struct __test_metadata *_metadata, FIXTURE_DATA(abi) *self,
		   struct abcase *c, const char *what, int err, __u32 status)
{
	const struct ioc_desc *d = &iocs[c->nr];
	struct cb_live live;
	struct cb_res res;
	__u32 got = 0;
	int ret, e;

	if (c->nr == NR_SERVER_OP)
		memset(self->srvbuf, 0, 64);
	c->before_len = d->size;
	if (c->readable)
		memcpy(c->before, c->arg, d->size);
	ret = ioctl(c->fd, c->cmd, c->arg);
	e = ret ? errno : 0;
	self->cases++;
	ASSERT_EQ(err ? -1 : 0, ret)
		TH_LOG("%s %s: returned %d, errno %d (%s), want errno %d (%s)",
		       d->name, what, ret, e, strerror(e), err, strerror(err));
	ASSERT_EQ(err, e)
		TH_LOG("%s %s: errno %d (%s), want %d (%s)", d->name, what, e,
		       strerror(e), err, strerror(err));
	if (status == UNTOUCHED) {
		ASSERT_TRUE(c->readable);
		ASSERT_EQ(0, memcmp(c->before, c->arg, d->size))
			TH_LOG("%s %s: the struct was written", d->name, what);
	} else if (status != NO_STATUS && d->status_off >= 0) {
		memcpy(&got, c->arg + d->status_off, sizeof(got));
		ASSERT_EQ(status, got)
			TH_LOG("%s %s: status %#x (%s), want %#x (%s)",
			       d->name, what, got, cb_status_name(got), status,
			       cb_status_name(status));
	}
	if (!ret)
		check_success(_metadata, self, c);
	else
		check_failure(_metadata, self, c);
	if (c->sfd >= 0)
		close(c->sfd);

	/* No registration happened behind the caller's back. */
	if (!c->no_id_probe) {
		res = _cb_register(self->fd, CLIENTBUF_BUF_WRITE, self->spare,
				   self->page);
		ASSERT_OK(res);
		ASSERT_EQ(self->next_id, res.id)
			TH_LOG("%s %s: an id was used up", d->name, what);
		test_unregister(self->fd, res.id);
		self->next_id++;
	}
	check_client(_metadata, self, &live);
	ASSERT_TRUE(cb_live_eq_all(&c->live, &live))
		TH_LOG("%s %s: before " HX_LIVE_FMT "; after " HX_LIVE_FMT,
		       d->name, what, HX_LIVE_ARGS(&c->live),
		       HX_LIVE_ARGS(&live));
}

#define NEED_ROOT(_nr)							\
	((_nr) == NR_SERVE || (_nr) == NR_SERVER_OP)

/* The result of a valid call of @nr. */
static __u32 ok_status(int nr)
{
	return nr == NR_INFO ? NO_STATUS : CLIENTBUF_STATUS_SUCCESS;
}

/* ---- size rules --------------------------------------------------------- */

TEST_F(abi, size_rules)
{
	static const __u32 huge[] = {
		65536, 1U << 20, 0x7fffffffU, 0x80000000U, 0xffffffffU,
	};
	char what[96];
	struct abcase c;
	__u32 min, first, k, i, pos;
	int nr;

	for (nr = 0; nr < NR_COUNT; nr++) {
		if (NEED_ROOT(nr) && !self->root)
			continue;
		min = iocs[nr].size;
		first = iocs[nr].first ? iocs[nr].first : min;

		/* too small: refused before anything is written */
		{
			const __u32 small[] = { 0, 1, 4, first - 4,
						first - 1 };

			for (i = 0; i < 5; i++) {
				begin(_metadata, self, &c, nr);
				set_usize(&c, small[i]);
				snprintf(what, sizeof(what), "size %u",
					 small[i]);
				finish(_metadata, self, &c, what, EINVAL,
				       UNTOUCHED);
			}
		}

		/* the first published size: accepted, nothing written past it */
		if (first < min) {
			begin(_metadata, self, &c, nr);
			set_usize(&c, first);
			memset(c.arg + first, 0xa5, min - first + 32);
			finish(_metadata, self, &c, "first published size", 0,
			       ok_status(nr));
			ASSERT_BYTES(c.arg + first, min - first + 32, 0xa5);
		}

		/* larger, a non-zero tail byte first or last: E2BIG */
		for (k = 1; k <= 8; k++) {
			for (pos = 0; pos < (k > 1 ? 2U : 1U); pos++) {
				begin(_metadata, self, &c, nr);
				set_usize(&c, min + k);
				c.arg[min + (pos ? k - 1 : 0)] =
					pos ? 0x80 : 0x01;
				snprintf(what, sizeof(what),
					 "size min+%u, tail byte %u set", k,
					 pos ? k - 1 : 0);
				finish(_metadata, self, &c, what, E2BIG,
				       UNTOUCHED);
			}
		}

		/* larger with a zero tail: accepted, tail and beyond kept */
		{
			const __u32 extra[] = { 1, 2, 3, 4, 5, 6, 7, 8, 16, 64,
						3000 };

			for (i = 0; i < 11; i++) {
				__u32 us = min + extra[i];

				begin(_metadata, self, &c, nr);
				set_usize(&c, us);
				memset(c.arg + us, 0xa5, 32);
				snprintf(what, sizeof(what),
					 "size min+%u, zero tail", extra[i]);
				finish(_metadata, self, &c, what, 0,
				       ok_status(nr));
				ASSERT_EQ(us, FIELD(&c, struct clientbuf_info,
						    size));
				ASSERT_BYTES(c.arg + min, extra[i], 0);
				ASSERT_BYTES(c.arg + us, 32, 0xa5);
			}
		}

		/* the struct ends at a PROT_NONE page */
		begin(_metadata, self, &c, nr);
		place_at_end(self, &c, 0);
		finish(_metadata, self, &c, "exact size at the guard", 0,
		       ok_status(nr));
		for (i = 0; i < 5; i++) {
			begin(_metadata, self, &c, nr);
			place_at_end(self, &c, 0);
			set_usize(&c, huge[i]);
			snprintf(what, sizeof(what),
				 "size %#x at the guard", huge[i]);
			finish(_metadata, self, &c, what, E2BIG, UNTOUCHED);

			begin(_metadata, self, &c, nr);
			place_at_end(self, &c, 64);
			set_usize(&c, huge[i]);
			snprintf(what, sizeof(what),
				 "size %#x, zero tail up to the guard",
				 huge[i]);
			finish(_metadata, self, &c, what, E2BIG, UNTOUCHED);

			begin(_metadata, self, &c, nr);
			place_at_end(self, &c, 64);
			set_usize(&c, huge[i]);
			self->guard[-1] = 1;
			snprintf(what, sizeof(what),
				 "size %#x, non-zero tail byte before the guard",
				 huge[i]);
			finish(_metadata, self, &c, what, E2BIG, UNTOUCHED);
		}
		for (k = 1; k <= 8; k++) {
			begin(_metadata, self, &c, nr);
			place_at_end(self, &c, 0);
			set_usize(&c, min + k);
			snprintf(what, sizeof(what), "size min+%u at the guard",
				 k);
			finish(_metadata, self, &c, what, EFAULT, UNTOUCHED);
		}

		/* the struct straddles the guard: only its head is mapped */
		{
			const __u32 head[] = { 2, 4, 8, min / 2, min - 1 };

			for (i = 0; i < 5; i++) {
				__u8 *to = self->guard - head[i];

				begin(_metadata, self, &c, nr);
				memcpy(to, c.arg, head[i]);
				c.arg = to;
				c.readable = false;
				snprintf(what, sizeof(what),
					 "only %u bytes mapped", head[i]);
				finish(_metadata, self, &c, what, EFAULT,
				       NO_STATUS);
			}
		}
	}
}

/*
 * A size above a page is E2BIG on every ioctl, before a byte past the size
 * field is read (copy_struct_from_user() would scan the whole tail, up to
 * 4 GiB of zeros), and nothing is written back or done; a page exactly,
 * with a zero tail, is accepted.
 */
TEST_F(abi, size_above_a_page)
{
	const __u32 page = (__u32)self->page;
	const __u32 big[] = {
		page + 1, page + 8, page + 64, 2 * page, 1U << 20,
		0x7fffffffU, 0xffffffffU,
	};
	char what[96];
	struct abcase c;
	unsigned int i;
	int nr;

	for (nr = 0; nr < NR_COUNT; nr++) {
		if (NEED_ROOT(nr) && !self->root)
			continue;
		/* every byte after the struct is zero, up to the guard */
		for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
			begin(_metadata, self, &c, nr);
			set_usize(&c, big[i]);
			snprintf(what, sizeof(what), "size %#x, zero tail",
				 big[i]);
			finish(_metadata, self, &c, what, E2BIG, UNTOUCHED);
		}
		begin(_metadata, self, &c, nr);
		set_usize(&c, page);
		finish(_metadata, self, &c, "size of a page, zero tail", 0,
		       ok_status(nr));
	}
}

/* ---- pointers ----------------------------------------------------------- */

TEST_F(abi, bad_pointers)
{
	struct {
		const char *what;
		__u64 addr;
	} ptrs[] = {
		{ "NULL", 0 },
		{ "0x1", 1 },
		{ "kernel address", CB_KERNEL_ADDR },
		{ "guard page", (uintptr_t)self->guard },
		{ "top of the address space", ~0ULL - 3 },
		{ "non-canonical", 0x8000000000000000ULL },
	};
	struct abcase c;
	char what[96];
	unsigned int i;
	int nr;

	for (nr = 0; nr < NR_COUNT; nr++) {
		if (NEED_ROOT(nr) && !self->root)
			continue;
		for (i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++) {
			begin(_metadata, self, &c, nr);
			c.arg = (__u8 *)(uintptr_t)ptrs[i].addr;
			c.readable = false;
			snprintf(what, sizeof(what), "arg %s", ptrs[i].what);
			finish(_metadata, self, &c, what, EFAULT, NO_STATUS);
		}
	}

	/* Read-only argument: a failing call cannot write its status. */
	ASSERT_EQ(0, mprotect(self->argbuf, self->page, PROT_READ | PROT_WRITE));
	begin(_metadata, self, &c, NR_INFO);
	ASSERT_EQ(0, mprotect(self->argbuf, self->page, PROT_READ));
	finish(_metadata, self, &c, "read-only arg", EFAULT, UNTOUCHED);
	ASSERT_EQ(0, mprotect(self->argbuf, self->page, PROT_READ | PROT_WRITE));
	begin(_metadata, self, &c, NR_CALL);
	FIELD(&c, struct clientbuf_call, flags) = 0x80;
	ASSERT_EQ(0, mprotect(self->argbuf, self->page, PROT_READ));
	finish(_metadata, self, &c, "read-only arg, bad flag", EFAULT,
	       UNTOUCHED);
	ASSERT_EQ(0, mprotect(self->argbuf, self->page, PROT_READ | PROT_WRITE));
	/* a valid registration whose answer could not be written: not done */
	begin(_metadata, self, &c, NR_REGISTER);
	ASSERT_EQ(0, mprotect(self->argbuf, self->page, PROT_READ));
	finish(_metadata, self, &c, "read-only arg, valid register", EFAULT,
	       UNTOUCHED);
	ASSERT_EQ(0, mprotect(self->argbuf, self->page, PROT_READ | PROT_WRITE));
}

/*
 * A valid REGISTER whose struct runs from a writable page into a
 * read-only one: the answer could not be written back, so it is refused
 * before it takes effect (EFAULT, no buffer, no id used) and no byte of
 * the struct changed - the writability check covers its last byte too.
 */
TEST_F(abi, answer_straddling_into_read_only_page)
{
	__u8 *two = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct clientbuf_register r = {
		.size = sizeof(r), .flags = CLIENTBUF_BUF_WRITE,
		.addr = (uintptr_t)self->spare, .len = self->page,
		.status = 0xdeadbeef,
	};
	struct clientbuf_register *u, before;
	struct cb_res res;

	ASSERT_NE(MAP_FAILED, two);
	u = (void *)(two + self->page - sizeof(r) / 2);
	memcpy(u, &r, sizeof(r));
	before = *u;
	ASSERT_EQ(0, mprotect(two + self->page, self->page, PROT_READ));
	ASSERT_EQ(-1, ioctl(self->fd, CLIENTBUF_IOC_REGISTER, u));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(0, memcmp(&before, u, sizeof(before)));
	/* nothing registered: the next registration gets the next id */
	res = _cb_register(self->fd, CLIENTBUF_BUF_WRITE, self->spare,
			   self->page);
	ASSERT_OK(res);
	ASSERT_EQ(self->next_id, res.id);
	ASSERT_OK(_cb_unregister(self->fd, res.id));
	ASSERT_EQ(0, munmap(two, 2 * self->page));
}

/* ---- commands ----------------------------------------------------------- */

TEST_F(abi, commands)
{
	static const unsigned long dirs[] = { _IOC_NONE, _IOC_READ,
					      _IOC_WRITE };
	static const unsigned int sizes[] = { 0, 1, 8, 0x3fff };
	static const unsigned int nrs[] = { 7, 8, 15, 0x3f, 0x80, 0xff };
	struct abcase c;
	char what[96];
	unsigned int i;
	int nr;

	for (nr = 0; nr < NR_COUNT; nr++) {
		unsigned long cmd = iocs[nr].cmd;

		if (NEED_ROOT(nr) && !self->root)
			continue;
		for (i = 0; i < 3; i++) {
			begin(_metadata, self, &c, nr);
			c.cmd = _IOC(dirs[i], _IOC_TYPE(cmd), _IOC_NR(cmd),
				     _IOC_SIZE(cmd));
			snprintf(what, sizeof(what), "direction %lu", dirs[i]);
			finish(_metadata, self, &c, what, ENOTTY, UNTOUCHED);
		}
		/* The size bits are not compared: the struct's size is. */
		for (i = 0; i < 4; i++) {
			begin(_metadata, self, &c, nr);
			c.cmd = _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd),
				     _IOC_NR(cmd), sizes[i]);
			snprintf(what, sizeof(what), "size bits %u", sizes[i]);
			finish(_metadata, self, &c, what, 0, ok_status(nr));
		}
		begin(_metadata, self, &c, nr);
		c.cmd = _IOC(_IOC_DIR(cmd), 0xC2, _IOC_NR(cmd), _IOC_SIZE(cmd));
		finish(_metadata, self, &c, "type 0xC2", ENOTTY, UNTOUCHED);
	}
	for (i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		begin(_metadata, self, &c, NR_INFO);
		c.cmd = _IOWR(CLIENTBUF_IOC_MAGIC, nrs[i],
			      struct clientbuf_info);
		snprintf(what, sizeof(what), "nr %#x", nrs[i]);
		finish(_metadata, self, &c, what, ENOTTY, UNTOUCHED);
	}
}

/* ---- reserved fields and flags ------------------------------------------ */

static const __u32 nonzero[] = { 1, 0x80, 0x80000000U, 0xffffffffU };

#define RESERVED_CASE(_nr, _type, _field) do {				\
	unsigned int __i;						\
	for (__i = 0; __i < 4; __i++) {					\
		char __w[64];						\
		begin(_metadata, self, &c, _nr);			\
		FIELD(&c, _type, _field) = nonzero[__i];		\
		snprintf(__w, sizeof(__w), #_field " = %#x",		\
			 nonzero[__i]);					\
		finish(_metadata, self, &c, __w, EINVAL,		\
		       CLIENTBUF_STATUS_INVALID_PARAMETER);		\
	}								\
} while (0)

TEST_F(abi, reserved_fields)
{
	struct abcase c;

	RESERVED_CASE(NR_UNREGISTER, struct clientbuf_unregister, reserved);
	RESERVED_CASE(NR_CALL, struct clientbuf_call, reserved);
	RESERVED_CASE(NR_FREE, struct clientbuf_free, reserved);
	if (!self->root)
		SKIP(return, "SERVE and SERVER_OP need CAP_SYS_ADMIN");
	RESERVED_CASE(NR_SERVER_OP, struct clientbuf_server_op, reserved);
	RESERVED_CASE(NR_SERVER_OP, struct clientbuf_server_op, reserved2);
	RESERVED_CASE(NR_SERVER_OP, struct clientbuf_server_op, reserved3);
}

TEST_F(abi, unknown_flags)
{
	struct abcase c;
	char what[64];
	unsigned int b;

	for (b = 0; b < 32; b++) {
		__u32 bit = 1U << b;

		if (!(bit & CLIENTBUF_BUF_FLAGS)) {
			begin(_metadata, self, &c, NR_REGISTER);
			FIELD(&c, struct clientbuf_register, flags) |= bit;
			snprintf(what, sizeof(what), "flag bit %u", b);
			finish(_metadata, self, &c, what, EINVAL,
			       CLIENTBUF_STATUS_INVALID_PARAMETER);
		}
		if (!(bit & CLIENTBUF_CALL_FLAGS)) {
			begin(_metadata, self, &c, NR_CALL);
			FIELD(&c, struct clientbuf_call, flags) = bit;
			snprintf(what, sizeof(what), "flag bit %u", b);
			finish(_metadata, self, &c, what, EINVAL,
			       CLIENTBUF_STATUS_INVALID_PARAMETER);
			begin(_metadata, self, &c, NR_CALL);
			FIELD(&c, struct clientbuf_call, flags) =
				bit | CLIENTBUF_CALL_ASYNC;
			snprintf(what, sizeof(what), "ASYNC | flag bit %u", b);
			finish(_metadata, self, &c, what, EINVAL,
			       CLIENTBUF_STATUS_INVALID_PARAMETER);
		}
		if (self->root) {
			begin(_metadata, self, &c, NR_SERVE);
			FIELD(&c, struct clientbuf_serve, flags) = bit;
			snprintf(what, sizeof(what), "flag bit %u", b);
			finish(_metadata, self, &c, what, EINVAL,
			       CLIENTBUF_STATUS_INVALID_PARAMETER);
			/* ops: 1..HX_SRV_OP_MAX; every other power of two */
			if (bit > HX_SRV_OP_MAX) {
				begin(_metadata, self, &c, NR_SERVER_OP);
				FIELD(&c, struct clientbuf_server_op, op) = bit;
				snprintf(what, sizeof(what), "op %#x", bit);
				finish(_metadata, self, &c, what, EINVAL,
				       CLIENTBUF_STATUS_INVALID_PARAMETER);
			}
		}
	}
	/* REGISTER: no access bit, ALLOC without WRITE */
	{
		const __u32 bad[] = {
			0, CLIENTBUF_BUF_ALLOC, CLIENTBUF_BUF_PIN,
			CLIENTBUF_BUF_READ | CLIENTBUF_BUF_ALLOC,
			CLIENTBUF_BUF_ALLOC | CLIENTBUF_BUF_PIN,
		};

		for (b = 0; b < 5; b++) {
			begin(_metadata, self, &c, NR_REGISTER);
			FIELD(&c, struct clientbuf_register, flags) = bad[b];
			snprintf(what, sizeof(what), "flags %#x", bad[b]);
			finish(_metadata, self, &c, what, EINVAL,
			       CLIENTBUF_STATUS_INVALID_PARAMETER);
		}
	}
	if (self->root) {
		const __u32 ops[] = { 0, HX_SRV_OP_MAX + 1, HX_SRV_OP_MAX + 2,
				      0xff, 0xffffffffU };

		for (b = 0; b < 5; b++) {
			begin(_metadata, self, &c, NR_SERVER_OP);
			FIELD(&c, struct clientbuf_server_op, op) = ops[b];
			snprintf(what, sizeof(what), "op %#x", ops[b]);
			finish(_metadata, self, &c, what, EINVAL,
			       CLIENTBUF_STATUS_INVALID_PARAMETER);
		}
	}
}

/* ---- address + length --------------------------------------------------- */

TEST_F(abi, register_ranges)
{
	const __u64 a = (uintptr_t)self->spare;
	const struct {
		const char *what;
		__u64 addr, len;
		int err;
		__u32 status;
	} cases[] = {
		{ "len 0", a, 0, EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER },
		{ "addr 0", 0, 4096, EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION },
		{ "len U64_MAX", a, ~0ULL, EFAULT,
		  CLIENTBUF_STATUS_ACCESS_VIOLATION },
		{ "end exactly 2^64", a, -a, EFAULT,
		  CLIENTBUF_STATUS_ACCESS_VIOLATION },
		{ "end 2^64 + 1", a, -a + 1, EFAULT,
		  CLIENTBUF_STATUS_ACCESS_VIOLATION },
		{ "addr top page", ~0ULL - 4095, 8192, EFAULT,
		  CLIENTBUF_STATUS_ACCESS_VIOLATION },
		{ "addr U64_MAX len 1", ~0ULL, 1, EFAULT,
		  CLIENTBUF_STATUS_ACCESS_VIOLATION },
		{ "kernel address", CB_KERNEL_ADDR, 4096, EFAULT,
		  CLIENTBUF_STATUS_ACCESS_VIOLATION },
		{ "non-canonical", 0x8000000000000000ULL, 4096, EFAULT,
		  CLIENTBUF_STATUS_ACCESS_VIOLATION },
		{ "into the kernel", a, CB_KERNEL_ADDR - a, EFAULT,
		  CLIENTBUF_STATUS_ACCESS_VIOLATION },
		/* range checks come before the quota */
		{ "len 2^63", a, 1ULL << 63, EFAULT,
		  CLIENTBUF_STATUS_ACCESS_VIOLATION },
	};
	struct abcase c;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		begin(_metadata, self, &c, NR_REGISTER);
		FIELD(&c, struct clientbuf_register, addr) = cases[i].addr;
		FIELD(&c, struct clientbuf_register, len) = cases[i].len;
		finish(_metadata, self, &c, cases[i].what, cases[i].err,
		       cases[i].status);
	}
}

/*
 * The end of user space: TASK_SIZE_MAX is 0x7ffffffff000 with 4-level
 * page tables, 0xfffffffffff000 with 5-level ones (LA57; a TCG guest has
 * them). A range ending exactly there is accepted by 6.1's access_ok()
 * and refused by 6.12's (it checks the end address itself): not asserted.
 */
TEST_F(abi, register_task_size_end)
{
	const __u64 end = hx_la57() ? 0xfffffffffff000ULL : 0x7ffffffff000ULL;
	struct abcase c;

	TH_LOG("TASK_SIZE_MAX %#llx (%s)", (unsigned long long)end,
	       hx_la57() ? "LA57" : "4-level");
	begin(_metadata, self, &c, NR_REGISTER);
	FIELD(&c, struct clientbuf_register, addr) = end - 0x2000;
	FIELD(&c, struct clientbuf_register, len) = 4096;
	finish(_metadata, self, &c, "ends a page before TASK_SIZE_MAX", 0,
	       CLIENTBUF_STATUS_SUCCESS);
	begin(_metadata, self, &c, NR_REGISTER);
	FIELD(&c, struct clientbuf_register, addr) = end - 0x1000;
	FIELD(&c, struct clientbuf_register, len) = 4095;
	finish(_metadata, self, &c, "ends a byte before TASK_SIZE_MAX", 0,
	       CLIENTBUF_STATUS_SUCCESS);
	begin(_metadata, self, &c, NR_REGISTER);
	FIELD(&c, struct clientbuf_register, addr) = end - 0x1000;
	FIELD(&c, struct clientbuf_register, len) = 4097;
	finish(_metadata, self, &c, "ends past TASK_SIZE_MAX", EFAULT,
	       CLIENTBUF_STATUS_ACCESS_VIOLATION);
	begin(_metadata, self, &c, NR_REGISTER);
	FIELD(&c, struct clientbuf_register, addr) = end;
	FIELD(&c, struct clientbuf_register, len) = 1;
	finish(_metadata, self, &c, "starts at TASK_SIZE_MAX", EFAULT,
	       CLIENTBUF_STATUS_ACCESS_VIOLATION);
}

TEST_F(abi, server_op_ranges)
{
	const __u64 a = (uintptr_t)self->a, s = (uintptr_t)self->srvbuf;
	/* server memory that ends in a hole (self->guard's holds argbuf) */
	__u8 *hole = hx_map_guarded(1);
	const struct {
		const char *what;
		__u32 op;
		__u64 caddr, saddr;
		__u32 len;
	} cases[] = {
		{ "client wraps", CLIENTBUF_SRV_COPY_FROM, ~0ULL - 15, s, 64 },
		{ "client wraps", CLIENTBUF_SRV_COPY_TO, ~0ULL - 15, s, 64 },
		{ "client NULL", CLIENTBUF_SRV_COPY_FROM, 0, s, 64 },
		{ "client NULL", CLIENTBUF_SRV_COPY_TO, 0, s, 64 },
		{ "client kernel", CLIENTBUF_SRV_COPY_FROM, CB_KERNEL_ADDR, s,
		  64 },
		{ "client kernel", CLIENTBUF_SRV_COPY_TO, CB_KERNEL_ADDR, s,
		  64 },
		{ "client straddles the end", CLIENTBUF_SRV_COPY_FROM,
		  a + A_PAGES * 4096 - 8, s, 64 },
		{ "client straddles the start", CLIENTBUF_SRV_COPY_TO, a - 8,
		  s, 64 },
		{ "client in fd2's range only", CLIENTBUF_SRV_COPY_TO,
		  (uintptr_t)self->spare, s, 64 },
		{ "len > INT_MAX", CLIENTBUF_SRV_COPY_FROM, a, s, 0x80000000U },
		{ "len U32_MAX", CLIENTBUF_SRV_COPY_TO, a, s, 0xffffffffU },
		{ "len past the buffer", CLIENTBUF_SRV_COPY_TO, a, s,
		  A_PAGES * 4096 + 1 },
		{ "server wraps", CLIENTBUF_SRV_COPY_FROM, a, ~0ULL - 15, 64 },
		{ "server wraps", CLIENTBUF_SRV_COPY_TO, a, ~0ULL - 15, 64 },
		{ "server NULL", CLIENTBUF_SRV_COPY_FROM, a, 0, 64 },
		{ "server NULL", CLIENTBUF_SRV_COPY_TO, a, 0, 64 },
		{ "server kernel", CLIENTBUF_SRV_COPY_FROM, a, CB_KERNEL_ADDR,
		  64 },
		{ "server kernel", CLIENTBUF_SRV_COPY_TO, a, CB_KERNEL_ADDR,
		  64 },
		{ "server guard page", CLIENTBUF_SRV_COPY_FROM, a,
		  (uintptr_t)self->guard, 64 },
		{ "server guard page", CLIENTBUF_SRV_COPY_TO, a,
		  (uintptr_t)self->guard, 64 },
		/*
		 * The 32 bytes before the guard land, as a pinned buffer's
		 * always did (one loop: clientbuf_pin's psrv tests check
		 * the bytes exactly): the last case, STATUS_PARTIAL_COPY.
		 * Those 32 bytes are the client's own first 32, so that the
		 * client's memory still holds its pattern afterwards if -
		 * and only if - nothing landed past the guard.
		 */
		{ "server runs into the guard", CLIENTBUF_SRV_COPY_TO, a,
		  (uintptr_t)hole - 32, 64 },
	};
	struct abcase c;
	char what[96];
	unsigned int i;

	if (!self->root)
		SKIP(return, "SERVER_OP needs CAP_SYS_ADMIN");
	ASSERT_EQ(4096, self->page);
	ASSERT_NE(NULL, hole);
	memcpy(hole - 32, self->a, 32);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		begin(_metadata, self, &c, NR_SERVER_OP);
		FIELD(&c, struct clientbuf_server_op, op) = cases[i].op;
		FIELD(&c, struct clientbuf_server_op, client_addr) =
			cases[i].caddr;
		FIELD(&c, struct clientbuf_server_op, server_addr) =
			cases[i].saddr;
		FIELD(&c, struct clientbuf_server_op, len) = cases[i].len;
		snprintf(what, sizeof(what), "%s %s",
			 cases[i].op == CLIENTBUF_SRV_COPY_TO ? "COPY_TO" :
			 "COPY_FROM", cases[i].what);
		finish(_metadata, self, &c, what, EFAULT,
		       i == sizeof(cases) / sizeof(cases[0]) - 1 ?
		       CLIENTBUF_STATUS_PARTIAL_COPY :
		       CLIENTBUF_STATUS_ACCESS_VIOLATION);
	}
}

TEST_F(abi, call_ranges)
{
	const struct {
		const char *what;
		__u64 addr;
		__u32 len;
	} subs[] = {
		{ "submit wraps", ~0ULL - 7, 64 },
		{ "submit NULL", 0, 64 },
		{ "submit kernel", CB_KERNEL_ADDR, 64 },
		{ "submit guard page", (uintptr_t)self->guard, 64 },
		{ "submit runs into the guard", (uintptr_t)self->guard - 16,
		  64 },
	};
	const struct {
		const char *what;
		__u64 addr;
		__u32 len;
		__u32 op;
	} copies[] = {
		{ "copy wraps", ~0ULL - 15, 64, CBTEST_OP_COPY_TO },
		{ "copy wraps", ~0ULL - 15, 64, CBTEST_OP_COPY_FROM },
		{ "copy NULL", 0, 64, CBTEST_OP_COPY_TO },
		{ "copy kernel", CB_KERNEL_ADDR, 64, CBTEST_OP_COPY_TO },
		{ "copy past the end", (uintptr_t)self->a + 1, A_PAGES * 4096,
		  CBTEST_OP_COPY_FROM },
		{ "copy into fd2's range", (uintptr_t)self->spare, 64,
		  CBTEST_OP_COPY_TO },
	};
	struct cbtest_cmd *cmd;
	struct abcase c;
	char what[96];
	__u8 *big;
	unsigned int i;

	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		begin(_metadata, self, &c, NR_CALL);
		FIELD(&c, struct clientbuf_call, submit_addr) = subs[i].addr;
		FIELD(&c, struct clientbuf_call, submit_len) = subs[i].len;
		finish(_metadata, self, &c, subs[i].what, EFAULT,
		       CLIENTBUF_STATUS_ACCESS_VIOLATION);
	}

	/* max_submit_len: at the limit the package runs, past it no */
	big = cb_map(self->info.max_submit_len + self->page);
	ASSERT_NE(NULL, big);
	memcpy(big, &self->nop, sizeof(self->nop));
	begin(_metadata, self, &c, NR_CALL);
	FIELD(&c, struct clientbuf_call, submit_addr) = (uintptr_t)big;
	FIELD(&c, struct clientbuf_call, submit_len) = self->info.max_submit_len;
	finish(_metadata, self, &c, "submit_len max_submit_len", 0,
	       CLIENTBUF_STATUS_SUCCESS);
	{
		const __u32 lens[] = { self->info.max_submit_len + 1,
				       self->info.max_submit_len * 2,
				       0x80000000U, 0xffffffffU };

		for (i = 0; i < 4; i++) {
			begin(_metadata, self, &c, NR_CALL);
			FIELD(&c, struct clientbuf_call, submit_addr) =
				(uintptr_t)big;
			FIELD(&c, struct clientbuf_call, submit_len) = lens[i];
			snprintf(what, sizeof(what), "submit_len %#x", lens[i]);
			finish(_metadata, self, &c, what, EINVAL,
			       CLIENTBUF_STATUS_INVALID_PARAMETER);
		}
	}
	munmap(big, self->info.max_submit_len + self->page);

	/* the package's copies: the range checks of copy_*_client_buffer */
	for (i = 0; i < sizeof(copies) / sizeof(copies[0]); i++) {
		begin(_metadata, self, &c, NR_CALL);
		cmd = (struct cbtest_cmd *)(self->argbuf + self->page);
		*cmd = cbt_cmd(copies[i].op, CBTEST_CTX_CALLER,
			       (void *)(uintptr_t)copies[i].addr, copies[i].len,
			       SEED, 0);
		FIELD(&c, struct clientbuf_call, submit_addr) = (uintptr_t)cmd;
		snprintf(what, sizeof(what), "%s %s", copies[i].what,
			 copies[i].op == CBTEST_OP_COPY_TO ? "to" : "from");
		finish(_metadata, self, &c, what, EFAULT,
		       CLIENTBUF_STATUS_ACCESS_VIOLATION);
	}

	/* package names */
	begin(_metadata, self, &c, NR_CALL);
	memset(FIELD(&c, struct clientbuf_call, package), 'x',
	       CLIENTBUF_PACKAGE_NAME_MAX);
	finish(_metadata, self, &c, "name not terminated", EINVAL,
	       CLIENTBUF_STATUS_INVALID_PARAMETER);
	begin(_metadata, self, &c, NR_CALL);
	memset(FIELD(&c, struct clientbuf_call, package), 0,
	       CLIENTBUF_PACKAGE_NAME_MAX);
	finish(_metadata, self, &c, "name empty", EINVAL,
	       CLIENTBUF_STATUS_INVALID_PARAMETER);
	begin(_metadata, self, &c, NR_CALL);
	FIELD(&c, struct clientbuf_call, package)[0] = 'X';
	finish(_metadata, self, &c, "unknown name", ENOPKG,
	       CLIENTBUF_STATUS_NO_SUCH_PACKAGE);
}

/* ---- limits ------------------------------------------------------------- */

TEST_F(abi, limit_max_buffers)
{
	__u32 ids[1024], n = 0, i;
	struct cb_live base;
	struct abcase c;

	ASSERT_GE(1024, self->info.max_buffers);
	check_client(_metadata, self, &base);
	/* fd holds a and arena: fill up to the limit */
	for (i = 2; i < self->info.max_buffers; i++) {
		test_register(self->fd, CLIENTBUF_BUF_WRITE, self->spare,
			      self->page, &ids[n]);
		ASSERT_EQ(self->next_id, ids[n]);
		self->next_id++;
		n++;
	}
	begin(_metadata, self, &c, NR_REGISTER);
	c.no_id_probe = true;
	finish(_metadata, self, &c, "one past max_buffers", EDQUOT,
	       CLIENTBUF_STATUS_QUOTA_EXCEEDED);
	/* Even a tiny one, and even a PIN one. */
	begin(_metadata, self, &c, NR_REGISTER);
	c.no_id_probe = true;
	FIELD(&c, struct clientbuf_register, len) = 1;
	FIELD(&c, struct clientbuf_register, flags) |= CLIENTBUF_BUF_PIN;
	finish(_metadata, self, &c, "PIN, one past max_buffers", EDQUOT,
	       CLIENTBUF_STATUS_QUOTA_EXCEEDED);
	/* The other fd is not affected. */
	test_register(self->fd2, CLIENTBUF_BUF_WRITE, self->spare, self->page,
		      &i);
	test_unregister(self->fd2, i);
	/* One unregistered: room for exactly one. */
	test_unregister(self->fd, ids[--n]);
	begin(_metadata, self, &c, NR_REGISTER);
	c.no_id_probe = true;
	finish(_metadata, self, &c, "at max_buffers again", 0,
	       CLIENTBUF_STATUS_SUCCESS);
	while (n)
		test_unregister(self->fd, ids[--n]);
	{
		struct cb_live now;

		check_client(_metadata, self, &now);
		ASSERT_TRUE(cb_live_eq_all(&base, &now));
	}
}

TEST_F(abi, limit_max_buffer_bytes)
{
	const __u64 used = self->alen + A_PAGES * self->page;
	const __u64 room = self->info.max_buffer_bytes - used;
	struct abcase c;
	__u32 id;

	begin(_metadata, self, &c, NR_REGISTER);
	FIELD(&c, struct clientbuf_register, addr) = FAR_ADDR;
	FIELD(&c, struct clientbuf_register, len) = room + 1;
	finish(_metadata, self, &c, "one byte past max_buffer_bytes", EDQUOT,
	       CLIENTBUF_STATUS_QUOTA_EXCEEDED);
	begin(_metadata, self, &c, NR_REGISTER);
	FIELD(&c, struct clientbuf_register, addr) = FAR_ADDR;
	FIELD(&c, struct clientbuf_register, len) =
		self->info.max_buffer_bytes + 1;
	finish(_metadata, self, &c, "max_buffer_bytes + 1 alone", EDQUOT,
	       CLIENTBUF_STATUS_QUOTA_EXCEEDED);
	begin(_metadata, self, &c, NR_REGISTER);
	FIELD(&c, struct clientbuf_register, addr) = FAR_ADDR;
	FIELD(&c, struct clientbuf_register, len) = room;
	finish(_metadata, self, &c, "exactly max_buffer_bytes in all", 0,
	       CLIENTBUF_STATUS_SUCCESS);

	/* Full: then not one byte more, until one is given back. */
	test_register(self->fd, CLIENTBUF_BUF_WRITE,
		      (void *)(uintptr_t)FAR_ADDR, room, &id);
	ASSERT_EQ(self->next_id, id);
	self->next_id++;
	begin(_metadata, self, &c, NR_REGISTER);
	c.no_id_probe = true;
	FIELD(&c, struct clientbuf_register, len) = 1;
	finish(_metadata, self, &c, "1 byte when full", EDQUOT,
	       CLIENTBUF_STATUS_QUOTA_EXCEEDED);
	test_unregister(self->fd, id);
}

TEST_F(abi, limit_max_pending)
{
	struct abcase c;
	struct srv_call sc;
	struct cb_live base;
	__u32 i;
	int cfd;

	if (!self->root)
		SKIP(return, "the server needs CAP_SYS_ADMIN");
	check_client(_metadata, self, &base);
	/* Calls to the server stay pending until it answers. */
	cfd = cb_open();
	ASSERT_LE(0, cfd);
	for (i = 0; i < self->info.max_pending; i++) {
		sc = srv_call(cfd, self->srv_name, &self->nop,
			      sizeof(self->nop), CLIENTBUF_CALL_ASYNC, 0);
		ASSERT_EQ(0, sc.err);
		ASSERT_EQ(CLIENTBUF_STATUS_PENDING, sc.c.status);
	}
	begin(_metadata, self, &c, NR_CALL);
	c.fd = cfd;
	strcpy(FIELD(&c, struct clientbuf_call, package), self->srv_name);
	FIELD(&c, struct clientbuf_call, flags) = CLIENTBUF_CALL_ASYNC;
	finish(_metadata, self, &c, "one past max_pending", EDQUOT,
	       CLIENTBUF_STATUS_QUOTA_EXCEEDED);
	/* A synchronous call is not pending: it still runs. */
	begin(_metadata, self, &c, NR_CALL);
	c.fd = cfd;
	finish(_metadata, self, &c, "sync call at max_pending", 0,
	       CLIENTBUF_STATUS_SUCCESS);
	/* Closing cancels them all; nothing stays behind. */
	close(cfd);
	for (i = 0; i < 100; i++) {
		struct cb_live now;

		check_client(_metadata, self, &now);
		if (cb_live_eq_all(&base, &now))
			break;
		cb_msleep(10);
	}
	ASSERT_GT(100, i);
}

TEST_F(abi, limit_max_allocs)
{
	__u64 *blocks;
	struct abcase c;
	struct cbtest_cmd *cmd;
	struct cb_res res;
	__u8 *mem;
	__u32 id, i, n = self->info.max_allocs;
	size_t len = (size_t)n * 16 + self->page;

	blocks = calloc(n, sizeof(*blocks));
	ASSERT_NE(NULL, blocks);
	mem = cb_map(len);
	ASSERT_NE(NULL, mem);
	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC, mem,
		      len, &id);
	ASSERT_EQ(self->next_id, id);
	self->next_id++;
	for (i = 0; i < n; i++) {
		struct cbtest_cmd a = cbt_cmd(CBTEST_OP_ALLOC, CBTEST_CTX_CALLER,
					      NULL, 16, 0, 0);

		res = _cbt_call(self->fd, &a, 0, id);
		ASSERT_OK(res);
		blocks[i] = res.ret_addr;
	}
	/* One more, with room to spare in the buffer: NO_MEMORY. */
	begin(_metadata, self, &c, NR_CALL);
	cmd = (struct cbtest_cmd *)(self->argbuf + self->page);
	*cmd = cbt_cmd(CBTEST_OP_ALLOC, CBTEST_CTX_CALLER, NULL, 16, 0, 0);
	FIELD(&c, struct clientbuf_call, submit_addr) = (uintptr_t)cmd;
	FIELD(&c, struct clientbuf_call, return_buf_id) = id;
	finish(_metadata, self, &c, "one past max_allocs", ENOMEM,
	       CLIENTBUF_STATUS_NO_MEMORY);
	/* Another ALLOC buffer still has room. */
	begin(_metadata, self, &c, NR_CALL);
	*cmd = cbt_cmd(CBTEST_OP_ALLOC, CBTEST_CTX_CALLER, NULL, 16, 0, 0);
	FIELD(&c, struct clientbuf_call, submit_addr) = (uintptr_t)cmd;
	FIELD(&c, struct clientbuf_call, return_buf_id) = self->id_alloc;
	ASSERT_EQ(0, ioctl(c.fd, c.cmd, c.arg));
	ASSERT_EQ((uintptr_t)self->arena,
		  FIELD(&c, struct clientbuf_call, return_addr));
	ASSERT_OK(_cb_free(self->fd, self->id_alloc, (uintptr_t)self->arena));
	for (i = 0; i < n; i++)
		ASSERT_OK(_cb_free(self->fd, id, blocks[i]));
	test_unregister(self->fd, id);
	free(blocks);
}

/* ---- ids ---------------------------------------------------------------- */

TEST_F(abi, ids)
{
	struct abcase c;
	char what[96];
	__u32 stale, i;
	__u32 bad[5];
	const char *names[5] = { "0", "U32_MAX", "never issued", "stale",
				 "foreign" };
	struct cb_res res;

	test_register(self->fd, CLIENTBUF_BUF_WRITE | CLIENTBUF_BUF_ALLOC,
		      self->spare, self->page, &stale);
	test_unregister(self->fd, stale);
	self->next_id = stale + 1;
	bad[0] = 0;
	bad[1] = 0xffffffffU;
	bad[2] = 300;		/* fd issues far fewer in this test */
	bad[3] = stale;
	bad[4] = self->id_foreign;

	for (i = 0; i < 5; i++) {
		begin(_metadata, self, &c, NR_UNREGISTER);
		FIELD(&c, struct clientbuf_unregister, id) = bad[i];
		snprintf(what, sizeof(what), "id %s", names[i]);
		finish(_metadata, self, &c, what, ENOENT,
		       CLIENTBUF_STATUS_INVALID_HANDLE);

		begin(_metadata, self, &c, NR_FREE);
		FIELD(&c, struct clientbuf_free, id) = bad[i];
		snprintf(what, sizeof(what), "id %s", names[i]);
		finish(_metadata, self, &c, what, ENOENT,
		       CLIENTBUF_STATUS_INVALID_HANDLE);

		if (!bad[i])
			continue;	/* return_buf_id 0: any ALLOC buffer */
		begin(_metadata, self, &c, NR_CALL);
		FIELD(&c, struct clientbuf_call, return_buf_id) = bad[i];
		snprintf(what, sizeof(what), "return_buf_id %s", names[i]);
		finish(_metadata, self, &c, what, ENOENT,
		       CLIENTBUF_STATUS_INVALID_HANDLE);
	}
	/* fd2's buffer is untouched by all that */
	res = cbt_op(self->fd2, CBTEST_OP_COPY_TO, CBTEST_CTX_CALLER,
		     self->spare, 16, SEED, 0);
	ASSERT_OK(res);
	test_unregister(self->fd2, self->id_foreign);

	/* the wrong kind of buffer, the wrong block */
	begin(_metadata, self, &c, NR_FREE);
	FIELD(&c, struct clientbuf_free, id) = self->id_a;
	finish(_metadata, self, &c, "not an ALLOC buffer", EINVAL,
	       CLIENTBUF_STATUS_INVALID_PARAMETER);
	begin(_metadata, self, &c, NR_CALL);
	FIELD(&c, struct clientbuf_call, return_buf_id) = self->id_a;
	finish(_metadata, self, &c, "return_buf_id not ALLOC", EINVAL,
	       CLIENTBUF_STATUS_INVALID_PARAMETER);
	{
		const __s64 off[] = { 16, 1, -16, 4096 };

		for (i = 0; i < 4; i++) {
			begin(_metadata, self, &c, NR_FREE);
			FIELD(&c, struct clientbuf_free, addr) += off[i];
			snprintf(what, sizeof(what), "block %+lld",
				 (long long)off[i]);
			finish(_metadata, self, &c, what, EINVAL,
			       CLIENTBUF_STATUS_INVALID_PARAMETER);
		}
		begin(_metadata, self, &c, NR_FREE);
		FIELD(&c, struct clientbuf_free, addr) = 0;
		finish(_metadata, self, &c, "block NULL", EINVAL,
		       CLIENTBUF_STATUS_INVALID_PARAMETER);
	}
}

TEST_F(abi, server_call_ids)
{
	struct clientbuf_server_call hdr;
	__u8 rec[sizeof(hdr) + 64];
	struct abcase c;
	struct srv_call sc;
	char what[96], name[CLIENTBUF_PACKAGE_NAME_MAX];
	__u64 bad[6], done_id, queued_id;
	const char *names[6] = { "0", "U64_MAX", "never issued", "completed",
				 "queued, not read", "another server's" };
	unsigned int i, op;
	int srv2, cfd;

	if (!self->root)
		SKIP(return, "SERVER_OP needs CAP_SYS_ADMIN");
	cfd = cb_open();
	ASSERT_LE(0, cfd);
	/* a completed call */
	sc = srv_call(cfd, self->srv_name, &self->nop, sizeof(self->nop),
		      CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_EQ(CLIENTBUF_STATUS_PENDING, sc.c.status);
	ASSERT_LT(0, read(self->srv, rec, sizeof(rec)));
	memcpy(&hdr, rec, sizeof(hdr));
	done_id = hdr.call_id;
	ASSERT_OK(srv_complete(self->srv, done_id, 0, 0, 0, 0));
	/* a queued call */
	sc = srv_call(cfd, self->srv_name, &self->nop, sizeof(self->nop),
		      CLIENTBUF_CALL_ASYNC, 0);
	ASSERT_EQ(CLIENTBUF_STATUS_PENDING, sc.c.status);
	queued_id = done_id + 1;
	/* another server with a call read */
	srv2 = cb_open();
	ASSERT_LE(0, srv2);
	srv_name_new(name, sizeof(name));
	ASSERT_OK(srv_serve(&srv2, name));
	for (i = 0; i < 5; i++) {
		sc = srv_call(cfd, name, &self->nop, sizeof(self->nop),
			      CLIENTBUF_CALL_ASYNC, 0);
		ASSERT_EQ(CLIENTBUF_STATUS_PENDING, sc.c.status);
		ASSERT_LT(0, read(srv2, rec, sizeof(rec)));
	}
	memcpy(&hdr, rec, sizeof(hdr));
	ASSERT_LT(queued_id + 1, hdr.call_id);

	bad[0] = 0;
	bad[1] = ~0ULL;
	bad[2] = queued_id + 1000;
	bad[3] = done_id;
	bad[4] = queued_id;
	bad[5] = hdr.call_id;
	for (i = 0; i < 6; i++) {
		for (op = CLIENTBUF_SRV_COPY_TO; op <= CLIENTBUF_SRV_COMPLETE;
		     op++) {
			begin(_metadata, self, &c, NR_SERVER_OP);
			FIELD(&c, struct clientbuf_server_op, op) = op;
			FIELD(&c, struct clientbuf_server_op, call_id) = bad[i];
			snprintf(what, sizeof(what), "op %u, call id %s", op,
				 names[i]);
			finish(_metadata, self, &c, what, ENOENT,
			       CLIENTBUF_STATUS_INVALID_HANDLE);
		}
	}
	/* SERVER_OP is not an ioctl of a client fd */
	begin(_metadata, self, &c, NR_SERVER_OP);
	c.fd = self->fd;
	finish(_metadata, self, &c, "on a client fd", ENOTTY, UNTOUCHED);
	close(srv2);
	close(cfd);
}

TEST_HARNESS_MAIN
