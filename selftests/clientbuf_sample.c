// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_sample - the "hmac_logon" sample package (samples/clientbuf_hmac.c)
 * end to end: a challenge-response logon answered synchronously, into a
 * client-given out buffer, asynchronously from a work item; every malformed
 * submit buffer; SET_KEY with and without CAP_SYS_ADMIN; and the module
 * pinned by a pending call. Tokens are checked against an HMAC-SHA256
 * computed here, by a SHA-256 that is itself checked against FIPS 180 and
 * RFC 4231 vectors first.
 *
 * The tests assume clientbuf_hmac.ko was loaded without key=, as the test
 * VM does, and leave it loaded with its default key.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/capability.h>
#include <linux/clientbuf.h>

#include "../samples/clientbuf_hmac.h"
#include "../tools/crypto.h"
#include "kselftest_harness.h"
#include "clientbuf_skip.h"

#define CB_DEV		"/dev/" CLIENTBUF_DEVICE_NAME
#define HMAC_MODULE	"clientbuf_hmac"
#define HMAC_KO		"/lib/clientbuf/" HMAC_MODULE ".ko"
#define HMAC_SYSFS	"/sys/module/" HMAC_MODULE
#define DEFAULT_KEY	"clientbuf-sample-key"
#define ARENA_LEN	(64 * 1024)
#define OUT_LEN		4096
#define FILL		0xa5
#define NOBODY		65534

/*
 * HMAC-SHA256 of the concatenation m1 || m2, with OpenSSL's libcrypto
 * (tools/crypto.c), independent of the kernel's crypto; all ones if
 * libcrypto failed, which no token matches.
 */
static void hmac_sha256_2(const void *key, size_t klen, const void *m1,
			  size_t l1, const void *m2, size_t l2, __u8 out[32])
{
	if (cb_hmac_sha256(key, klen, m1, l1, m2, l2, out))
		memset(out, 0xff, 32);
}

static void unhex(const char *hex, __u8 *out)
{
	unsigned int v;

	for (; *hex; hex += 2, out++)
		*out = sscanf(hex, "%2x", &v) == 1 ? v : 0;
}

/* ---- the package's protocol --------------------------------------------- */

/* A submit buffer: the header and up to one byte more than the maximum. */
struct submit {
	struct hmac_logon_submit h;
	__u8 data[HMAC_LOGON_DATA_MAX + 16];
};

/* The outcome of one CALL_PACKAGE. */
struct res {
	int err;		/* errno of the ioctl, 0 on success */
	struct clientbuf_call c;
};

static void make_logon(struct submit *s, const char *user,
		       const void *chal, __u32 clen)
{
	memset(s, 0, sizeof(*s));
	s->h.op = HMAC_LOGON_OP_LOGON;
	memcpy(s->h.user, user, strnlen(user, sizeof(s->h.user)));
	s->h.challenge_len = clen;
	memcpy(s->data, chal, clen);
}

static void make_set_key(struct submit *s, const void *key, __u32 klen)
{
	memset(s, 0, sizeof(*s));
	s->h.op = HMAC_LOGON_OP_SET_KEY;
	s->h.challenge_len = klen;
	memcpy(s->data, key, klen);
}

static __u32 submit_len(const struct submit *s)
{
	return sizeof(s->h) + s->h.challenge_len;
}

static struct res call(int fd, __u32 flags, const void *submit, __u32 len)
{
	struct res r;

	memset(&r, 0, sizeof(r));
	r.c.size = sizeof(r.c);
	r.c.flags = flags;
	snprintf(r.c.package, sizeof(r.c.package), "%s", HMAC_LOGON_PACKAGE);
	r.c.submit_addr = (uintptr_t)submit;
	r.c.submit_len = len;
	r.c.status = 0xdeadbeef;
	r.c.protocol_status = 0xdeadbeef;
	r.err = ioctl(fd, CLIENTBUF_IOC_CALL_PACKAGE, &r.c) ? errno : 0;
	return r;
}

static struct res call_submit(int fd, __u32 flags, const struct submit *s)
{
	return call(fd, flags, s, submit_len(s));
}

/* The token the package must answer for @s under @key. */
static void expected_token(const void *key, size_t klen,
			   const struct submit *s, __u8 out[32])
{
	hmac_sha256_2(key, klen, s->h.user, sizeof(s->h.user), s->data,
		    s->h.challenge_len, out);
}

static void fill_challenge(__u8 *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (__u8)(seed * 131 + i * 7 + (i >> 3));
}

static bool module_loaded(void)
{
	return access(HMAC_SYSFS, F_OK) == 0;
}

static int module_refcnt(void)
{
	FILE *f = fopen(HMAC_SYSFS "/refcnt", "r");
	int n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

static int load_module(void)
{
	int fd = open(HMAC_KO, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = syscall(__NR_finit_module, fd, "", 0);
	close(fd);
	return ret;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool all_bytes(const __u8 *p, size_t len, __u8 v)
{
	while (len--)
		if (*p++ != v)
			return false;
	return true;
}

/* Wait for and read one completion record. */
static int read_completion(int fd, struct clientbuf_completion *rec,
			   int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n = poll(&pfd, 1, timeout_ms);

	if (n != 1 || !(pfd.revents & POLLIN))
		return -1;
	memset(rec, 0xff, sizeof(*rec));
	return read(fd, rec, sizeof(*rec)) == sizeof(*rec) ? 0 : -1;
}

#define ASSERT_CALL(_err, _status, _r) do {				\
	ASSERT_EQ((_status), (_r).c.status)				\
		TH_LOG("status %#x, errno %d (%s)", (_r).c.status,	\
		       (_r).err, strerror((_r).err));			\
	ASSERT_EQ((_err), (_r).err);					\
} while (0)

/* ---- self-checks of the reference implementation ----------------------- */

TEST(hmac_sha256_vectors)
{
	__u8 got[32], want[32], key[131];

	/* RFC 4231 test case 2 */
	hmac_sha256_2("Jefe", 4, "what do ya want ", 16, "for nothing?", 12,
		    got);
	unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	      want);
	ASSERT_EQ(0, memcmp(got, want, 32));

	/* RFC 4231 test case 6: a key longer than the block */
	memset(key, 0xaa, sizeof(key));
	hmac_sha256_2(key, sizeof(key), "Test Using Larger Than Block-Size Key",
		    37, " - Hash Key First", 17, got);
	unhex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	      want);
	ASSERT_EQ(0, memcmp(got, want, 32));
}

/* ---- the package --------------------------------------------------------- */

FIXTURE(hmac) {
	int fd;
	__u8 *arena;
	__u32 arena_id;
	__u8 *out;
	__u32 out_id;
	bool key_changed;
};

static __u32 reg(int fd, __u32 flags, void *addr, __u64 len)
{
	struct clientbuf_register r = {
		.size = sizeof(r), .flags = flags,
		.addr = (uintptr_t)addr, .len = len,
	};

	if (ioctl(fd, CLIENTBUF_IOC_REGISTER, &r))
		return 0;
	return r.id;
}

static int set_key(int fd, const void *key, __u32 klen, __u32 *status)
{
	struct submit s;
	struct res r;

	make_set_key(&s, key, klen);
	r = call_submit(fd, 0, &s);
	*status = r.c.status;
	return r.err;
}

FIXTURE_SETUP(hmac)
{
	self->fd = -1;
	if (!module_loaded() && load_module())
		SKIP(return, HMAC_MODULE " not loaded, %s: %s", HMAC_KO,
		     strerror(errno));
	self->fd = open(CB_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("%s: %s", CB_DEV, strerror(errno));
	self->arena = mmap(NULL, ARENA_LEN, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->arena);
	self->out = mmap(NULL, OUT_LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->out);
	memset(self->out, FILL, OUT_LEN);
	self->arena_id = reg(self->fd, CLIENTBUF_BUF_ALLOC | CLIENTBUF_BUF_WRITE,
			     self->arena, ARENA_LEN);
	ASSERT_NE(0, self->arena_id) TH_LOG("register arena: %s",
					    strerror(errno));
	self->out_id = reg(self->fd, CLIENTBUF_BUF_WRITE, self->out, OUT_LEN);
	ASSERT_NE(0, self->out_id) TH_LOG("register out: %s", strerror(errno));
}

FIXTURE_TEARDOWN(hmac)
{
	__u32 st;

	if (!module_loaded())
		load_module();
	if (self->key_changed && self->fd >= 0)
		EXPECT_EQ(0, set_key(self->fd, DEFAULT_KEY,
				     strlen(DEFAULT_KEY), &st));
	if (self->fd >= 0)
		close(self->fd);
}

/* A logon answered in an allocated block (ProtocolReturnBuffer). */
TEST_F(hmac, logon_alloc)
{
	static const char *const users[] = { "alice", "b",
		"user-name-of-thirty-one-chars!!" };
	struct clientbuf_free f;
	__u8 want[32];
	struct submit s;
	struct res r;
	unsigned int i;
	__u32 clen;

	for (i = 0; i < 3; i++) {
		clen = i == 2 ? HMAC_LOGON_DATA_MAX : 1 + i * 16;
		make_logon(&s, users[i], "", 0);
		s.h.challenge_len = clen;
		fill_challenge(s.data, clen, i);
		r = call_submit(self->fd, 0, &s);
		ASSERT_CALL(0, CLIENTBUF_STATUS_SUCCESS, r);
		EXPECT_EQ(CLIENTBUF_STATUS_SUCCESS, r.c.protocol_status);
		EXPECT_NE(0, r.c.request_id);
		ASSERT_EQ(HMAC_LOGON_TOKEN_LEN, r.c.return_len);
		ASSERT_LE((uintptr_t)self->arena, r.c.return_addr);
		ASSERT_GE((uintptr_t)self->arena + ARENA_LEN - 32,
			  r.c.return_addr);
		expected_token(DEFAULT_KEY, strlen(DEFAULT_KEY), &s, want);
		EXPECT_EQ(0, memcmp(want, (void *)(uintptr_t)r.c.return_addr,
				    32)) TH_LOG("token of %s", users[i]);

		memset(&f, 0, sizeof(f));
		f.size = sizeof(f);
		f.id = self->arena_id;
		f.addr = r.c.return_addr;
		EXPECT_EQ(0, ioctl(self->fd, CLIENTBUF_IOC_FREE, &f));
		EXPECT_EQ(CLIENTBUF_STATUS_SUCCESS, f.status);
	}
}

/* A logon into an out buffer the client names; nothing else is touched. */
TEST_F(hmac, logon_out_buffer)
{
	static const __u32 lens[] = { 32, 33, 1000 };
	__u8 want[32], chal[20];
	struct submit s;
	struct res r;
	unsigned int i;
	__u8 *dst;

	fill_challenge(chal, sizeof(chal), 7);
	make_logon(&s, "carol", chal, sizeof(chal));
	expected_token(DEFAULT_KEY, strlen(DEFAULT_KEY), &s, want);
	for (i = 0; i < 3; i++) {
		memset(self->out, FILL, OUT_LEN);
		dst = self->out + 64 + i;
		s.h.out_addr = (uintptr_t)dst;
		s.h.out_len = lens[i];
		r = call_submit(self->fd, 0, &s);
		ASSERT_CALL(0, CLIENTBUF_STATUS_SUCCESS, r);
		EXPECT_EQ(CLIENTBUF_STATUS_SUCCESS, r.c.protocol_status);
		EXPECT_EQ((uintptr_t)dst, r.c.return_addr);
		EXPECT_EQ(32, r.c.return_len);
		EXPECT_EQ(0, memcmp(want, dst, 32));
		EXPECT_TRUE(all_bytes(self->out, dst - self->out, FILL));
		EXPECT_TRUE(all_bytes(dst + 32, OUT_LEN - (dst + 32 - self->out),
				      FILL));
	}
}

/* An out buffer that is not registered: nothing is written. */
TEST_F(hmac, logon_out_unregistered)
{
	__u8 stackbuf[64];
	struct submit s;
	struct res r;

	memset(stackbuf, FILL, sizeof(stackbuf));
	make_logon(&s, "dave", "chal", 4);
	s.h.out_addr = (uintptr_t)stackbuf;
	s.h.out_len = sizeof(stackbuf);
	r = call_submit(self->fd, 0, &s);
	ASSERT_CALL(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION, r);
	EXPECT_EQ(0, r.c.return_addr);
	EXPECT_TRUE(all_bytes(stackbuf, sizeof(stackbuf), FILL));
}

/* out_len < 32: STATUS_BUFFER_TOO_SMALL, the length needed, no write. */
TEST_F(hmac, logon_out_too_small)
{
	static const __u32 lens[] = { 0, 1, 31 };
	struct submit s;
	struct res r;
	unsigned int i;

	make_logon(&s, "erin", "0123456789", 10);
	for (i = 0; i < 3; i++) {
		s.h.out_addr = (uintptr_t)(self->out + 128);
		s.h.out_len = lens[i];
		r = call_submit(self->fd, 0, &s);
		ASSERT_CALL(ERANGE, CLIENTBUF_STATUS_BUFFER_TOO_SMALL, r);
		EXPECT_EQ(CLIENTBUF_STATUS_BUFFER_TOO_SMALL,
			  r.c.protocol_status);
		EXPECT_EQ(0, r.c.return_addr);
		EXPECT_EQ(HMAC_LOGON_TOKEN_LEN, r.c.return_len)
			TH_LOG("out_len %u: the needed length", lens[i]);
		EXPECT_TRUE(all_bytes(self->out, OUT_LEN, FILL));
	}
	/* the deferred path answers the same */
	s.h.flags = HMAC_LOGON_F_DEFER;
	r = call_submit(self->fd, 0, &s);
	ASSERT_CALL(ERANGE, CLIENTBUF_STATUS_BUFFER_TOO_SMALL, r);
	EXPECT_EQ(HMAC_LOGON_TOKEN_LEN, r.c.return_len);
	EXPECT_TRUE(all_bytes(self->out, OUT_LEN, FILL));
}

/*
 * CLIENTBUF_CALL_ASYNC + HMAC_LOGON_F_DEFER: PENDING at once, then a
 * completion record; the token was written from a work item (kthread path).
 */
TEST_F(hmac, logon_async_deferred)
{
	struct clientbuf_completion rec;
	__u8 want[32], chal[64];
	struct submit s;
	struct res r;
	int i;

	for (i = 0; i < 2; i++) {
		fill_challenge(chal, sizeof(chal), 40 + i);
		make_logon(&s, "frank", chal, sizeof(chal));
		s.h.flags = HMAC_LOGON_F_DEFER | HMAC_LOGON_F_DELAY(20 * i);
		if (i) {	/* the second one into the out buffer */
			s.h.out_addr = (uintptr_t)(self->out + 256);
			s.h.out_len = 32;
		}
		expected_token(DEFAULT_KEY, strlen(DEFAULT_KEY), &s, want);
		r = call_submit(self->fd, CLIENTBUF_CALL_ASYNC, &s);
		ASSERT_CALL(0, CLIENTBUF_STATUS_PENDING, r);
		ASSERT_NE(0, r.c.request_id);
		EXPECT_EQ(0, r.c.return_addr);

		ASSERT_EQ(0, read_completion(self->fd, &rec, 10000))
			TH_LOG("no completion record: %s", strerror(errno));
		EXPECT_EQ(r.c.request_id, rec.request_id);
		EXPECT_EQ(CLIENTBUF_STATUS_SUCCESS, rec.status);
		EXPECT_EQ(CLIENTBUF_STATUS_SUCCESS, rec.protocol_status);
		EXPECT_EQ(0, rec.reserved);
		ASSERT_EQ(HMAC_LOGON_TOKEN_LEN, rec.return_len);
		if (i) {
			EXPECT_EQ((uintptr_t)(self->out + 256), rec.return_addr);
		} else {
			ASSERT_LE((uintptr_t)self->arena, rec.return_addr);
			ASSERT_GE((uintptr_t)self->arena + ARENA_LEN - 32,
				  rec.return_addr);
		}
		EXPECT_EQ(0, memcmp(want, (void *)(uintptr_t)rec.return_addr,
				    32));
	}
}

/* HMAC_LOGON_F_DEFER without CLIENTBUF_CALL_ASYNC: the ioctl waits. */
TEST_F(hmac, logon_sync_deferred)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	__u8 want[32];
	struct submit s;
	struct res r;

	make_logon(&s, "grace", "sync-deferred", 13);
	s.h.flags = HMAC_LOGON_F_DEFER | HMAC_LOGON_F_DELAY(50);
	expected_token(DEFAULT_KEY, strlen(DEFAULT_KEY), &s, want);
	r = call_submit(self->fd, 0, &s);
	ASSERT_CALL(0, CLIENTBUF_STATUS_SUCCESS, r);
	ASSERT_EQ(32, r.c.return_len);
	EXPECT_EQ(0, memcmp(want, (void *)(uintptr_t)r.c.return_addr, 32));
	EXPECT_EQ(0, poll(&pfd, 1, 0));	/* no completion record */
}

/* Every malformed submit buffer: EINVAL / STATUS_INVALID_PARAMETER. */
TEST_F(hmac, malformed_submit)
{
	static const char *const names[] = {
		"empty", "shorter than the header", "challenge_len 0",
		"challenge_len 0 with data", "challenge_len 257",
		"challenge_len past the submit", "bytes after the challenge",
		"op 0", "op 3", "unknown flag", "delay without DEFER",
		"delay 2001 ms", "reserved", "reserved2",
		"user not NUL-terminated", "empty user", "garbage after the NUL",
		"out_len without out_addr", "SET_KEY with DEFER",
		"SET_KEY with a user", "SET_KEY with out_addr",
	};
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	unsigned int i, j;
	struct submit s;
	struct res r;
	__u32 len;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		make_logon(&s, "mallory", "challenge-bytes!", 16);
		len = submit_len(&s);
		switch (i) {
		case 0:
			len = 0;
			break;
		case 1:
			len = sizeof(s.h) - 1;
			break;
		case 2:
			s.h.challenge_len = 0;
			len = sizeof(s.h);
			break;
		case 3:
			s.h.challenge_len = 0;
			break;
		case 4:
			s.h.challenge_len = HMAC_LOGON_DATA_MAX + 1;
			len = submit_len(&s);
			break;
		case 5:
			s.h.challenge_len = 17;
			break;
		case 6:
			s.h.challenge_len = 15;
			break;
		case 7:
			s.h.op = 0;
			break;
		case 8:
			s.h.op = 3;
			break;
		case 9:
			s.h.flags = 1U << 1;
			break;
		case 10:
			s.h.flags = HMAC_LOGON_F_DELAY(10);
			break;
		case 11:
			s.h.flags = HMAC_LOGON_F_DEFER |
				HMAC_LOGON_F_DELAY(HMAC_LOGON_DELAY_MAX_MS + 1);
			break;
		case 12:
			s.h.reserved = 1;
			break;
		case 13:
			s.h.reserved2 = 1;
			break;
		case 14:
			memset(s.h.user, 'm', sizeof(s.h.user));
			break;
		case 15:
			memset(s.h.user, 0, sizeof(s.h.user));
			break;
		case 16:
			s.h.user[20] = 'x';
			break;
		case 17:
			s.h.out_len = 32;
			break;
		case 18:
			make_set_key(&s, "k", 1);
			s.h.flags = HMAC_LOGON_F_DEFER;
			break;
		case 19:
			make_set_key(&s, "k", 1);
			s.h.user[0] = 'r';
			break;
		case 20:
			make_set_key(&s, "k", 1);
			s.h.out_addr = (uintptr_t)self->out;
			s.h.out_len = 32;
			break;
		}
		if (i >= 18)
			len = submit_len(&s);
		for (j = 0; j < 2; j++) {	/* sync, then async */
			r = call(self->fd, j ? CLIENTBUF_CALL_ASYNC : 0, &s,
				 len);
			EXPECT_EQ(CLIENTBUF_STATUS_INVALID_PARAMETER, r.c.status)
				TH_LOG("%s%s: status %#x", names[i],
				       j ? " (async)" : "", r.c.status);
			EXPECT_EQ(EINVAL, r.err) TH_LOG("%s", names[i]);
			EXPECT_EQ(CLIENTBUF_STATUS_INVALID_PARAMETER,
				  r.c.protocol_status);
			EXPECT_EQ(0, r.c.return_addr);
		}
	}
	EXPECT_EQ(0, poll(&pfd, 1, 0));	/* nothing went pending */
	EXPECT_TRUE(all_bytes(self->out, OUT_LEN, FILL));
}

/* SET_KEY as root: later tokens use the new key. */
TEST_F(hmac, set_key_root)
{
	struct clientbuf_completion rec;
	__u8 key1[40], key2[131], want[32], old[32];
	struct submit s;
	struct res r;
	__u32 st;
	int i;

	if (geteuid())
		SKIP(return, "needs root");
	for (i = 0; i < 40; i++)
		key1[i] = i;	/* binary, with a NUL byte */
	memset(key2, 0xaa, sizeof(key2));

	self->key_changed = true;
	ASSERT_EQ(0, set_key(self->fd, key1, sizeof(key1), &st));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, st);
	make_logon(&s, "heidi", "after SET_KEY", 13);
	r = call_submit(self->fd, 0, &s);
	ASSERT_CALL(0, CLIENTBUF_STATUS_SUCCESS, r);
	expected_token(key1, sizeof(key1), &s, want);
	EXPECT_EQ(0, memcmp(want, (void *)(uintptr_t)r.c.return_addr, 32));
	expected_token(DEFAULT_KEY, strlen(DEFAULT_KEY), &s, old);
	EXPECT_NE(0, memcmp(old, (void *)(uintptr_t)r.c.return_addr, 32));

	/* a key longer than the SHA-256 block, through the deferred path */
	ASSERT_EQ(0, set_key(self->fd, key2, sizeof(key2), &st));
	s.h.flags = HMAC_LOGON_F_DEFER;
	r = call_submit(self->fd, CLIENTBUF_CALL_ASYNC, &s);
	ASSERT_CALL(0, CLIENTBUF_STATUS_PENDING, r);
	ASSERT_EQ(0, read_completion(self->fd, &rec, 10000));
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, rec.status);
	ASSERT_EQ(32, rec.return_len);
	expected_token(key2, sizeof(key2), &s, want);
	EXPECT_EQ(0, memcmp(want, (void *)(uintptr_t)rec.return_addr, 32));

	/* the largest key, then back to the default */
	{
		__u8 key3[HMAC_LOGON_DATA_MAX];

		memset(key3, 0x5c, sizeof(key3));
		ASSERT_EQ(0, set_key(self->fd, key3, sizeof(key3), &st));
	}
	ASSERT_EQ(0, set_key(self->fd, DEFAULT_KEY, strlen(DEFAULT_KEY), &st));
	self->key_changed = false;
	s.h.flags = 0;
	r = call_submit(self->fd, 0, &s);
	ASSERT_CALL(0, CLIENTBUF_STATUS_SUCCESS, r);
	EXPECT_EQ(0, memcmp(old, (void *)(uintptr_t)r.c.return_addr, 32));
}

/*
 * In a child: open /dev/clientbuf (the parent's fd is bound to the
 * parent's mm), drop CAP_SYS_ADMIN - by setuid(nobody), or by capset() as
 * uid 0 - and try SET_KEY: the package checks the capability of the caller
 * at call time. Exit 0 when it got EPERM/STATUS_ACCESS_DENIED.
 */
static int child_set_key(bool use_setuid)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	__u32 st = 0;
	int fd, err;

	fd = open(CB_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 10;
	if (use_setuid) {
		if (setgid(NOBODY) || setuid(NOBODY))
			return 11;
	} else {
		if (syscall(SYS_capget, &hdr, data))
			return 12;
		data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &=
			~CAP_TO_MASK(CAP_SYS_ADMIN);
		data[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted &=
			~CAP_TO_MASK(CAP_SYS_ADMIN);
		if (syscall(SYS_capset, &hdr, data))
			return 13;
	}
	err = set_key(fd, "attacker-key", 12, &st);
	close(fd);
	if (st != CLIENTBUF_STATUS_ACCESS_DENIED)
		return 14;
	return err == EPERM ? 0 : 15;
}

/* SET_KEY without CAP_SYS_ADMIN: EPERM / STATUS_ACCESS_DENIED. */
TEST_F(hmac, set_key_unprivileged)
{
	__u8 want[32];
	struct submit s;
	struct res r;
	int i, status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to drop privileges");
	for (i = 0; i < 2; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(child_set_key(i == 0));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status))
			TH_LOG("%s child: exit %d", i ? "capset" : "setuid",
			       WEXITSTATUS(status));
	}
	/* the key is unchanged */
	make_logon(&s, "ivan", "still the default key", 21);
	r = call_submit(self->fd, 0, &s);
	ASSERT_CALL(0, CLIENTBUF_STATUS_SUCCESS, r);
	expected_token(DEFAULT_KEY, strlen(DEFAULT_KEY), &s, want);
	EXPECT_EQ(0, memcmp(want, (void *)(uintptr_t)r.c.return_addr, 32));
}

/*
 * The client closes its fd while a deferred logon waits: ->cancel() runs
 * the work item at once instead of after its delay, and the module is no
 * longer pinned.
 */
TEST_F(hmac, close_while_pending)
{
	int fd, base, n = -1;
	struct submit s;
	struct res r;
	long t0;
	__u8 *arena;

	base = module_refcnt();
	ASSERT_LE(0, base) TH_LOG("%s/refcnt unreadable", HMAC_SYSFS);
	fd = open(CB_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	arena = mmap(NULL, ARENA_LEN, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, arena);
	ASSERT_NE(0, reg(fd, CLIENTBUF_BUF_ALLOC | CLIENTBUF_BUF_WRITE, arena,
			 ARENA_LEN));
	make_logon(&s, "judy", "closing", 7);
	s.h.flags = HMAC_LOGON_F_DEFER |
		    HMAC_LOGON_F_DELAY(HMAC_LOGON_DELAY_MAX_MS);
	r = call_submit(fd, CLIENTBUF_CALL_ASYNC, &s);
	ASSERT_CALL(0, CLIENTBUF_STATUS_PENDING, r);
	EXPECT_EQ(base + 1, module_refcnt());

	t0 = now_ms();
	close(fd);
	while (now_ms() - t0 < 5000) {
		n = module_refcnt();
		if (n == base)
			break;
		usleep(10000);
	}
	EXPECT_EQ(base, n);
	EXPECT_GT(HMAC_LOGON_DELAY_MAX_MS / 2, now_ms() - t0)
		TH_LOG("the pending logon ended after %ld ms", now_ms() - t0);
	munmap(arena, ARENA_LEN);
}

/*
 * A pending call pins the package's module: delete_module() fails with
 * EWOULDBLOCK (the module's refcount is not zero, kernel/module/main.c
 * try_stop_module()), with or without O_NONBLOCK. Once the call completed
 * the module unloads, the package is gone, and it is loaded again.
 */
TEST_F(hmac, unload_while_pending)
{
	struct clientbuf_completion rec;
	__u8 want[32];
	struct submit s;
	struct res r;
	long t0;
	int ret;

	if (geteuid())
		SKIP(return, "needs CAP_SYS_MODULE");
	if (access(HMAC_KO, R_OK))
		SKIP(return, "%s: %s", HMAC_KO, strerror(errno));

	make_logon(&s, "ken", "unload me", 9);
	s.h.flags = HMAC_LOGON_F_DEFER | HMAC_LOGON_F_DELAY(1500);
	expected_token(DEFAULT_KEY, strlen(DEFAULT_KEY), &s, want);
	r = call_submit(self->fd, CLIENTBUF_CALL_ASYNC, &s);
	ASSERT_CALL(0, CLIENTBUF_STATUS_PENDING, r);

	ret = syscall(__NR_delete_module, HMAC_MODULE, O_NONBLOCK);
	ASSERT_EQ(-1, ret);
	EXPECT_EQ(EWOULDBLOCK, errno) TH_LOG("delete_module: %s",
					     strerror(errno));
	ret = syscall(__NR_delete_module, HMAC_MODULE, 0);
	ASSERT_EQ(-1, ret);
	EXPECT_EQ(EWOULDBLOCK, errno);
	ASSERT_TRUE(module_loaded());

	ASSERT_EQ(0, read_completion(self->fd, &rec, 10000));
	EXPECT_EQ(r.c.request_id, rec.request_id);
	ASSERT_EQ(CLIENTBUF_STATUS_SUCCESS, rec.status);
	ASSERT_EQ(32, rec.return_len);
	EXPECT_EQ(0, memcmp(want, (void *)(uintptr_t)rec.return_addr, 32));

	/* the work item may still be dropping its reference */
	t0 = now_ms();
	while ((ret = syscall(__NR_delete_module, HMAC_MODULE, O_NONBLOCK)) &&
	       errno == EWOULDBLOCK && now_ms() - t0 < 3000)
		usleep(10000);
	ASSERT_EQ(0, ret) TH_LOG("delete_module: %s", strerror(errno));
	EXPECT_FALSE(module_loaded());

	s.h.flags = 0;
	r = call_submit(self->fd, 0, &s);
	EXPECT_EQ(CLIENTBUF_STATUS_NO_SUCH_PACKAGE, r.c.status);
	EXPECT_EQ(ENOPKG, r.err);

	ASSERT_EQ(0, load_module()) TH_LOG("finit_module %s: %s", HMAC_KO,
					   strerror(errno));
	r = call_submit(self->fd, 0, &s);
	ASSERT_CALL(0, CLIENTBUF_STATUS_SUCCESS, r);
	EXPECT_EQ(0, memcmp(want, (void *)(uintptr_t)r.c.return_addr, 32));
}

TEST_HARNESS_MAIN
