// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf serve --passwd=DIR PACKAGE: serve the passwd_logon protocol
 * (samples/clientbuf_passwd.h) from userspace, so that pam_clientbuf.so
 * logs users on through a package no kernel module provides, with the
 * rules of the kernel sample (samples/clientbuf_passwd.c; people copy
 * samples, so this one is as careful as the module).
 *
 * The verifiers are files: DIR/USER holds the 64-byte struct
 * passwd_logon_verifier that "clientbuf passwd --payload USER" writes (the
 * payload of the kernel package's keys), read again at every call, so a
 * change takes effect with the next call. DIR must belong to root and be
 * writable by nobody else, each verifier a regular file of root's that
 * nobody else may read or write; anything else counts as no verifier.
 *
 * The answers are the kernel package's (Documentation/pam.rst):
 *
 *  - LOGON: the password is read from the caller's READ buffer with
 *    SERVER_OP COPY_FROM; PBKDF2-HMAC-SHA256 (OpenSSL's
 *    PKCS5_PBKDF2_HMAC()) with the verifier's salt and iteration count,
 *    compared with CRYPTO_memcmp(): STATUS_SUCCESS, STATUS_LOGON_FAILURE
 *    (wrong password, no or a malformed verifier: the same derivation
 *    against a dummy and the same answer; a locked-out name whatever the
 *    password), STATUS_ACCOUNT_DISABLED (disabled verifier, whatever the
 *    password), or COPY_FROM's status.
 *  - ACCOUNT: STATUS_SUCCESS, STATUS_ACCOUNT_DISABLED, STATUS_NO_SUCH_USER.
 *  - STATUS_INVALID_PARAMETER for a malformed submit buffer.
 *
 * Who may ask: a caller whose process has CAP_SYS_ADMIN in its effective
 * set (a login service: su, login, sshd's monitor) may check any account
 * and use ACCOUNT; any other caller only the account whose /etc/passwd uid
 * is its own (as unix_chkpwd), else STATUS_ACCESS_DENIED at once, with no
 * derivation, no count and a log line. The record's uid is the caller's
 * real uid, which a setuid program does not change, so the capability is
 * read from /proc/TGID/status of the calling process while its call waits.
 *
 * As the kernel sample:
 *  - equal work: every LOGON check costs exactly --iterations PBKDF2
 *    iterations (default PASSWD_ITERATIONS_DEFAULT, the kernel sample's
 *    dummy_iterations): a verifier with fewer is derived with its own
 *    count and then as many more iterations as it lacks are derived into
 *    a scratch block (a second PKCS5_PBKDF2_HMAC() with a random salt), a
 *    verifier with more is refused as malformed (logged), a user without
 *    one is checked against a random dummy of --iterations; the count is
 *    printed on each call's line and in all at exit;
 *  - failures are counted per user name before the check (struct
 *    pw_account): --deny failures within --fail-interval seconds lock the
 *    name out until --unlock-time seconds after the last one (SIGUSR1
 *    forgets every name's failures, as the kernel's unlock=*); a
 *    locked-out check answers STATUS_LOGON_FAILURE whatever the password,
 *    after the same work;
 *  - every failure (STATUS_LOGON_FAILURE, STATUS_ACCOUNT_DISABLED) is
 *    answered --fail-delay-ms later: the call goes on a list of pending
 *    answers with its deadline (struct pw_pending) and the serve loop,
 *    whose poll() times out at the earliest deadline, completes it then,
 *    answering other calls meanwhile (calls are independent by call_id);
 *  - a log line per failure or refusal on standard error, with the
 *    caller's uid and the escaped user name, never the password, at most
 *    PW_LOG_BURST lines every PW_LOG_INTERVAL_MS ms (then a count of the
 *    lines left out).
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "crypto.h"
#include "clientbuf_passwd.h"

#define CAP_SYS_ADMIN_BIT	21

/* the kernel sample's limits and its log rate: 10 lines every 5 s */
#define PW_FAIL_DELAY_MAX_MS	60000
#define PW_LOG_BURST		10
#define PW_LOG_INTERVAL_MS	5000

/* The options (serve_passwd_option()), with the kernel sample's defaults. */
static struct {
	unsigned long iterations;	/* every check's PBKDF2 iterations */
	unsigned long fail_delay_ms;	/* a failure's answer comes this late */
	unsigned long deny;		/* failures that lock a name; 0: never */
	unsigned long fail_interval;	/* s within which failures add up */
	unsigned long unlock_time;	/* s after the last failure; 0: never */
	unsigned long max_accounts;	/* names whose failures are kept */
} opt = {
	.iterations = PASSWD_ITERATIONS_DEFAULT,
	.fail_delay_ms = 2000,
	.deny = 3,
	.fail_interval = 900,
	.unlock_time = 600,
	.max_accounts = 1024,
};

/* A random verifier for users without one (the same work, the same answer). */
static struct passwd_logon_verifier dummy;
/* The salt of the iterations a verifier with fewer than opt.iterations lacks. */
static unsigned char pad_salt[PASSWD_SALT_LEN];
/* PBKDF2 iterations derived since the start (printed at exit). */
static unsigned long long iterations_done;

/**
 * struct pw_account - the failures of one user name (as the kernel
 * sample's struct passwd_account)
 * @user: the name, NUL-padded
 * @fails: failures since @first_fail, each counted when its check starts
 *	(a success forgets the record)
 * @first_fail: CLOCK_MONOTONIC ms of the first of them
 * @last_fail: the same of the last of them
 *
 * Records exist for names that failed, known users or not, so that a
 * lockout tells nothing about who exists; at most opt.max_accounts, the
 * least recently failed is forgotten first.
 */
struct pw_account {
	char user[PASSWD_LOGON_USER_LEN];
	unsigned long fails;
	uint64_t first_fail;
	uint64_t last_fail;
};

static struct pw_account *accounts;
static size_t naccounts, accounts_cap;

/**
 * struct pw_pending - a failure whose answer waits for opt.fail_delay_ms
 * @call_id: the call, read and not yet completed
 * @deadline: CLOCK_MONOTONIC ms at which it is answered
 * @status: the answer (call and protocol status)
 *
 * As many as calls the module lets the server hold: it bounds the calls
 * outstanding per user (userspace-api.rst, max_user_server_calls).
 */
struct pw_pending {
	__u64 call_id;
	uint64_t deadline;
	__u32 status;
};

static struct pw_pending *pending;
static size_t npending, pending_cap;

/* The log's rate limit: the window's start, lines printed and left out. */
static uint64_t log_begin;
static unsigned int log_printed;
static unsigned long log_missed;
static bool log_started;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int serve_passwd_option(const char *arg)
{
	static const struct {
		const char *name;
		unsigned long *v;
		unsigned long min, max;
	} opts[] = {
		{ "--iterations=", &opt.iterations, 1, PASSWD_ITERATIONS_MAX },
		{ "--fail-delay-ms=", &opt.fail_delay_ms, 0,
		  PW_FAIL_DELAY_MAX_MS },
		{ "--deny=", &opt.deny, 0, UINT_MAX },
		{ "--fail-interval=", &opt.fail_interval, 0, UINT_MAX },
		{ "--unlock-time=", &opt.unlock_time, 0, UINT_MAX },
		{ "--max-accounts=", &opt.max_accounts, 1, 1000000 },
	};
	size_t i, len;

	for (i = 0; i < ARRAY_SIZE(opts); i++) {
		len = strlen(opts[i].name);
		if (strncmp(arg, opts[i].name, len))
			continue;
		if (parse_uint(arg + len, opts[i].min, opts[i].max,
			       opts[i].v)) {
			usage_error("invalid value in '%s' (%lu..%lu)", arg,
				    opts[i].min, opts[i].max);
			return -1;
		}
		return 1;
	}
	return 0;
}

/* @user on @f as the kernel's %pE would: printable ASCII, else \xNN. */
static void print_user(FILE *f, const char *user)
{
	const unsigned char *p = (const unsigned char *)user;
	size_t i, len = strnlen(user, PASSWD_LOGON_USER_LEN - 1);

	for (i = 0; i < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' &&
		    p[i] != '\\')
			fputc(p[i], f);
		else
			fprintf(f, "\\x%02x", p[i]);
	}
}

static void log_suppressed(void)
{
	if (!log_missed)
		return;
	fprintf(stderr, "%s serve: %lu log line%s suppressed\n", prog,
		log_missed, log_missed == 1 ? "" : "s");
	log_missed = 0;
}

/*
 * "clientbuf serve: uid UID: user "NAME": MESSAGE" on standard error, at
 * most PW_LOG_BURST lines every PW_LOG_INTERVAL_MS (the kernel's
 * __ratelimit()): the lines left out are counted and their number printed
 * when the next window opens, and at exit.
 */
static void __printf(3, 4) pw_log(__u32 uid, const char *user,
				  const char *fmt, ...)
{
	uint64_t now = now_ms();
	va_list ap;

	if (!log_started || now - log_begin >= PW_LOG_INTERVAL_MS) {
		log_suppressed();
		log_started = true;
		log_begin = now;
		log_printed = 0;
	}
	if (log_printed >= PW_LOG_BURST) {
		log_missed++;
		return;
	}
	log_printed++;
	fprintf(stderr, "%s serve: uid %" PRIu32 ": user \"", prog,
		(uint32_t)uid);
	print_user(stderr, user);
	fputs("\": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

int serve_passwd_init(const char *dir)
{
	struct stat st;

	if (stat(dir, &st)) {
		fprintf(stderr, "%s: serve: --passwd=%s: %s\n", prog, dir,
			strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid || (st.st_mode & 022)) {
		fprintf(stderr,
			"%s: serve: --passwd=%s must be a directory of root's that only root may write\n",
			prog, dir);
		return -1;
	}
	memset(&dummy, 0, sizeof(dummy));
	dummy.version = htole32(PASSWD_VERIFIER_VERSION);
	if (getrandom(dummy.salt, sizeof(dummy.salt), 0) != sizeof(dummy.salt) ||
	    getrandom(dummy.dk, sizeof(dummy.dk), 0) != sizeof(dummy.dk) ||
	    getrandom(pad_salt, sizeof(pad_salt), 0) != sizeof(pad_salt)) {
		fprintf(stderr, "%s: serve: getrandom: %s\n", prog,
			strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * DIR/USER into @v: 0; -ENOENT if there is no such file (or @user names
 * no file of DIR); -EINVAL if it is there but unusable: not a regular
 * file of root's that only root may read and write, or not a valid
 * verifier (@v is then zeroed).
 */
static int read_verifier(const char *dir, const char *user,
			 struct passwd_logon_verifier *v)
{
	char path[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	/* one path component, not "." or ".." */
	if (strchr(user, '/') || user[0] == '.')
		return -ENOENT;
	if (snprintf(path, sizeof(path), "%s/%s", dir, user) >=
	    (int)sizeof(path))
		return -ENOENT;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -EINVAL;
	n = -1;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && !st.st_uid &&
	    !(st.st_mode & 077) && st.st_size == (off_t)sizeof(*v))
		n = read(fd, v, sizeof(*v));
	close(fd);
	if (n != (ssize_t)sizeof(*v) ||
	    le32toh(v->version) != PASSWD_VERIFIER_VERSION ||
	    (le32toh(v->flags) & ~PASSWD_VERIFIER_FLAGS) || v->reserved ||
	    !le32toh(v->iterations) ||
	    le32toh(v->iterations) > PASSWD_ITERATIONS_MAX) {
		explicit_bzero(v, sizeof(*v));
		return -EINVAL;
	}
	return 0;
}

/* Does process @tgid have CAP_SYS_ADMIN in its effective set? */
static bool caller_is_admin(__s32 tgid)
{
	char path[64], line[256];
	unsigned long long eff = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%" PRId32 "/status", (int32_t)tgid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			found = true;
			break;
		}
	fclose(f);
	return found && (eff & (1ULL << CAP_SYS_ADMIN_BIT));
}

/* Is @user's /etc/passwd uid @uid? */
static bool own_account(const char *user, __u32 uid)
{
	struct passwd *pw;
	bool own = false;
	FILE *f = fopen("/etc/passwd", "re");

	if (!f)
		return false;
	while ((pw = fgetpwent(f)))
		if (!strcmp(pw->pw_name, user)) {
			own = pw->pw_uid == uid;
			break;
		}
	fclose(f);
	return own;
}

/* A submit buffer as passwd_logon accepts it. */
static bool submit_ok(const struct passwd_logon_submit *s)
{
	size_t len = strnlen(s->user, sizeof(s->user));
	size_t i;

	if (s->flags || s->reserved || !len || len == sizeof(s->user))
		return false;
	for (i = len; i < sizeof(s->user); i++)
		if (s->user[i])
			return false;
	if (s->op == PASSWD_LOGON_OP_LOGON)
		return s->password_len <= PASSWD_LOGON_PASSWORD_MAX;
	if (s->op == PASSWD_LOGON_OP_ACCOUNT)
		return !s->password_addr && !s->password_len;
	return false;
}

/* The record of @user, or NULL. */
static struct pw_account *account_find(const char *user)
{
	size_t i;

	for (i = 0; i < naccounts; i++)
		if (!strncmp(accounts[i].user, user, PASSWD_LOGON_USER_LEN))
			return &accounts[i];
	return NULL;
}

/*
 * Count a check of @user (by @uid) as a failure, at its start: forget
 * failures older than --fail-interval and a lockout older than
 * --unlock-time, then add one unless the name is locked out. Return: 1 if
 * it is locked out (nothing counted), 0 if counted, -ENOMEM.
 */
static int account_begin(const char *user, __u32 uid)
{
	uint64_t now = now_ms();
	uint64_t interval = (uint64_t)opt.fail_interval * 1000;
	uint64_t unlock = (uint64_t)opt.unlock_time * 1000;
	struct pw_account *a = account_find(user);
	size_t i;

	if (a && opt.deny && a->fails >= opt.deny) {
		if (!unlock || now < a->last_fail + unlock)
			return 1;
		a->fails = 0;		/* the lockout is over */
	}
	if (!a) {
		if (naccounts >= opt.max_accounts) {
			/* forget the least recently failed name */
			a = &accounts[0];
			for (i = 1; i < naccounts; i++)
				if (accounts[i].last_fail < a->last_fail)
					a = &accounts[i];
		} else {
			if (naccounts == accounts_cap) {
				size_t cap = accounts_cap ? accounts_cap * 2 : 16;
				struct pw_account *p;

				p = reallocarray(accounts, cap, sizeof(*p));
				if (!p)
					return -ENOMEM;
				accounts = p;
				accounts_cap = cap;
			}
			a = &accounts[naccounts++];
		}
		memset(a, 0, sizeof(*a));
		memcpy(a->user, user, strnlen(user, sizeof(a->user) - 1));
	}
	if (a->fails && interval && now > a->first_fail + interval)
		a->fails = 0;
	if (!a->fails)
		a->first_fail = now;
	a->fails++;
	a->last_fail = now;
	if (opt.deny && a->fails == opt.deny)
		pw_log(uid, user, "locked out after %lu failures", opt.deny);
	return 0;
}

/* A success: forget the failures of @user. */
static void account_forget(const char *user)
{
	struct pw_account *a = account_find(user);

	if (a)
		*a = accounts[--naccounts];
}

void serve_passwd_unlock(void)
{
	naccounts = 0;
	printf("SIGUSR1: the failures of every name forgotten\n");
	fflush(stdout);
}

/*
 * PBKDF2-HMAC-SHA256 of @pw with @v's salt and count into @dk, then, if
 * that count is below opt.iterations, the iterations it lacks into a
 * scratch block (with pad_salt): opt.iterations in all, added to
 * iterations_done and *@done. Return: 0, or -1 if libcrypto failed.
 */
static int derive(const char *pw, size_t pw_len,
		  const struct passwd_logon_verifier *v,
		  unsigned char dk[PASSWD_DK_LEN], unsigned long *done)
{
	uint32_t it = le32toh(v->iterations);
	unsigned char scratch[PASSWD_DK_LEN];
	int ret;

	if (cb_pbkdf2_hmac_sha256(pw, pw_len, v->salt, sizeof(v->salt), it,
				  dk, PASSWD_DK_LEN))
		return -1;
	*done += it;
	if (it >= opt.iterations)
		return 0;
	ret = cb_pbkdf2_hmac_sha256(pw, pw_len, pad_salt, sizeof(pad_salt),
				    (uint32_t)opt.iterations - it, scratch,
				    sizeof(scratch));
	explicit_bzero(scratch, sizeof(scratch));
	if (!ret)
		*done += opt.iterations - it;
	return ret;
}

/* The LOGON answer for @user with @pw, asked by @uid; *@done: iterations. */
static __u32 check_password(const char *dir, const char *user, __u32 uid,
			    const char *pw, size_t pw_len, unsigned long *done)
{
	struct passwd_logon_verifier v;
	unsigned char dk[PASSWD_DK_LEN];
	bool disabled, locked = false;
	int found = read_verifier(dir, user, &v);
	__u32 st;

	if (!found && le32toh(v.iterations) > opt.iterations) {
		pw_log(uid, user,
		       "verifier of %" PRIu32 " iterations, above --iterations %lu: refused",
		       (uint32_t)le32toh(v.iterations), opt.iterations);
		found = -EINVAL;
	} else if (found == -EINVAL) {
		pw_log(uid, user, "malformed or unsafe verifier file");
	}
	if (found) {
		v = dummy;
		v.iterations = htole32((uint32_t)opt.iterations);
	}
	disabled = le32toh(v.flags) & PASSWD_VERIFIER_F_DISABLED;
	/* a disabled account answers the same whatever the password */
	if (!disabled) {
		int ret = account_begin(user, uid);

		if (ret < 0) {
			st = CLIENTBUF_STATUS_INSUFFICIENT_RESOURCES;
			goto out;
		}
		locked = ret;
	}
	/* the same work whatever the user, the verifier and the lockout */
	if (derive(pw, pw_len, &v, dk, done))
		st = CLIENTBUF_STATUS_INSUFFICIENT_RESOURCES;
	else if (disabled)
		st = CLIENTBUF_STATUS_ACCOUNT_DISABLED;
	else if (CRYPTO_memcmp(dk, v.dk, sizeof(dk)) || found || locked)
		st = CLIENTBUF_STATUS_LOGON_FAILURE;
	else
		st = CLIENTBUF_STATUS_SUCCESS;
	if (st == CLIENTBUF_STATUS_SUCCESS)
		account_forget(user);
	else if (st != CLIENTBUF_STATUS_INSUFFICIENT_RESOURCES)
		pw_log(uid, user, "authentication failure%s%s",
		       locked ? " (locked out)" : "",
		       disabled ? " (account disabled)" : "");
out:
	explicit_bzero(dk, sizeof(dk));
	explicit_bzero(&v, sizeof(v));
	return st;
}

static int complete(int fd, __u64 call_id, __u32 st)
{
	__u32 cst;
	int ret;

	ret = clientbuf_server_complete(fd, call_id, st, st, 0, 0, &cst);
	if (ret) {
		fprintf(stderr, "%s: completing call %" PRIu64 " failed: ",
			prog, (uint64_t)call_id);
		print_status_brief(stderr, cst);
		fprintf(stderr, "\n");
	}
	return ret;
}

/* Answer @call_id with @st opt.fail_delay_ms from now. Return: 0, -ENOMEM. */
static int delay_answer(__u64 call_id, __u32 st)
{
	if (npending == pending_cap) {
		size_t cap = pending_cap ? pending_cap * 2 : 16;
		struct pw_pending *p = reallocarray(pending, cap, sizeof(*p));

		if (!p)
			return -ENOMEM;
		pending = p;
		pending_cap = cap;
	}
	pending[npending].call_id = call_id;
	pending[npending].status = st;
	pending[npending].deadline = now_ms() + opt.fail_delay_ms;
	npending++;
	return 0;
}

int serve_passwd_timeout(void)
{
	uint64_t now = now_ms(), first = UINT64_MAX;
	size_t i;

	if (!npending)
		return -1;
	for (i = 0; i < npending; i++)
		if (pending[i].deadline < first)
			first = pending[i].deadline;
	return first <= now ? 0 : (int)(first - now);
}

size_t serve_passwd_flush(int fd, bool all)
{
	uint64_t now = now_ms();
	size_t i = 0, done = 0;

	while (i < npending) {
		if (!all && pending[i].deadline > now) {
			i++;
			continue;
		}
		complete(fd, pending[i].call_id, pending[i].status);
		pending[i] = pending[--npending];
		done++;
	}
	return done;
}

size_t serve_passwd_pending(void)
{
	return npending;
}

void serve_passwd_finish(void)
{
	log_suppressed();
	printf("%llu PBKDF2 iterations\n", iterations_done);
	fflush(stdout);
	free(pending);
	free(accounts);
	pending = NULL;
	accounts = NULL;
	npending = pending_cap = naccounts = accounts_cap = 0;
}

/*
 * Answer one passwd_logon call, a failure opt.fail_delay_ms later; print
 * one line about it (never the password). Return: 0, or -1 if completing
 * the call failed.
 */
int serve_passwd_answer(int fd, const struct clientbuf_server_call *hdr,
			const unsigned char *submit, const char *dir)
{
	struct passwd_logon_submit s;
	struct passwd_logon_verifier v;
	char pw[PASSWD_LOGON_PASSWORD_MAX];
	const char *what = "?";
	unsigned long done = 0;
	bool delayed = false;
	__u32 st;

	memset(&s, 0, sizeof(s));
	if (hdr->submit_len != sizeof(s)) {
		st = CLIENTBUF_STATUS_INVALID_PARAMETER;
		goto complete;
	}
	memcpy(&s, submit, sizeof(s));
	if (!submit_ok(&s)) {
		st = CLIENTBUF_STATUS_INVALID_PARAMETER;
		goto complete;
	}
	what = s.op == PASSWD_LOGON_OP_LOGON ? "LOGON" : "ACCOUNT";
	if (!caller_is_admin(hdr->tgid) &&
	    (s.op == PASSWD_LOGON_OP_ACCOUNT || !own_account(s.user, hdr->uid))) {
		pw_log(hdr->uid, s.user, "may not %s this user: access denied",
		       s.op == PASSWD_LOGON_OP_LOGON ? "check" : "query");
		st = CLIENTBUF_STATUS_ACCESS_DENIED;
		goto complete;
	}
	if (s.op == PASSWD_LOGON_OP_ACCOUNT) {
		if (read_verifier(dir, s.user, &v))
			st = CLIENTBUF_STATUS_NO_SUCH_USER;
		else if (le32toh(v.flags) & PASSWD_VERIFIER_F_DISABLED)
			st = CLIENTBUF_STATUS_ACCOUNT_DISABLED;
		else
			st = CLIENTBUF_STATUS_SUCCESS;
		explicit_bzero(&v, sizeof(v));
		goto complete;
	}
	if (s.password_len &&
	    clientbuf_server_copy_from(fd, hdr->call_id, pw, s.password_addr,
				       s.password_len, &st))
		goto complete;
	st = check_password(dir, s.user, hdr->uid, pw, s.password_len, &done);
	explicit_bzero(pw, sizeof(pw));
	iterations_done += done;
	if ((st == CLIENTBUF_STATUS_LOGON_FAILURE ||
	     st == CLIENTBUF_STATUS_ACCOUNT_DISABLED) && opt.fail_delay_ms) {
		if (delay_answer(hdr->call_id, st))
			st = CLIENTBUF_STATUS_INSUFFICIENT_RESOURCES;
		else
			delayed = true;
	}

complete:
	printf("call %" PRIu64 ": uid %" PRIu32 " pid %" PRId32 " %s \"",
	       (uint64_t)hdr->call_id, (uint32_t)hdr->uid, (int32_t)hdr->tgid,
	       what);
	print_user(stdout, s.user);
	printf("\": ");
	print_status_brief(stdout, st);
	if (s.op == PASSWD_LOGON_OP_LOGON && done)
		printf(", %lu iterations", done);
	if (delayed)
		printf(", answered in %lu ms", opt.fail_delay_ms);
	printf("\n");
	fflush(stdout);
	return delayed ? 0 : complete(fd, hdr->call_id, st) ? -1 : 0;
}
