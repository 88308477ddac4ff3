// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf serve --passwd=DIR PACKAGE: serve the passwd_logon protocol
 * (samples/clientbuf_passwd.h) from userspace, so that pam_clientbuf.so
 * logs users on through a package no kernel module provides.
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
 *    against a dummy and the same answer), STATUS_ACCOUNT_DISABLED (right
 *    password, disabled verifier), or COPY_FROM's status.
 *  - ACCOUNT: STATUS_SUCCESS, STATUS_ACCOUNT_DISABLED, STATUS_NO_SUCH_USER.
 *  - STATUS_INVALID_PARAMETER for a malformed submit buffer.
 *
 * Who may ask: a caller whose process has CAP_SYS_ADMIN in its effective
 * set (a login service: su, login, sshd's monitor) may check any account
 * and use ACCOUNT; any other caller only the account whose /etc/passwd uid
 * is its own (as unix_chkpwd), else STATUS_ACCESS_DENIED. The record's uid
 * is the caller's real uid, which a setuid program does not change, so
 * the capability is read from /proc/TGID/status of the calling process
 * while its call waits.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cli.h"
#include "clientbuf_passwd.h"

#define CAP_SYS_ADMIN_BIT	21

/* A random verifier for users without one (the same work, the same answer). */
static struct passwd_logon_verifier dummy;

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
	dummy.iterations = htole32(PASSWD_ITERATIONS_DEFAULT);
	if (getrandom(dummy.salt, sizeof(dummy.salt), 0) != sizeof(dummy.salt) ||
	    getrandom(dummy.dk, sizeof(dummy.dk), 0) != sizeof(dummy.dk)) {
		fprintf(stderr, "%s: serve: getrandom: %s\n", prog,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* DIR/USER into @v: 0, or -ENOENT for no (usable) verifier. */
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
		return -ENOENT;
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
		return -ENOENT;
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

/* The LOGON answer for @user with @pw. */
static __u32 check_password(const char *dir, const char *user,
			    const char *pw, size_t pw_len)
{
	struct passwd_logon_verifier v;
	unsigned char dk[PASSWD_DK_LEN];
	bool known = !read_verifier(dir, user, &v);
	__u32 st;

	if (!known)
		v = dummy;
	if (!PKCS5_PBKDF2_HMAC(pw, (int)pw_len, v.salt, sizeof(v.salt),
			       (int)le32toh(v.iterations), EVP_sha256(),
			       sizeof(dk), dk))
		st = CLIENTBUF_STATUS_INSUFFICIENT_RESOURCES;
	else if (CRYPTO_memcmp(dk, v.dk, sizeof(dk)) || !known)
		st = CLIENTBUF_STATUS_LOGON_FAILURE;
	else if (le32toh(v.flags) & PASSWD_VERIFIER_F_DISABLED)
		st = CLIENTBUF_STATUS_ACCOUNT_DISABLED;
	else
		st = CLIENTBUF_STATUS_SUCCESS;
	explicit_bzero(dk, sizeof(dk));
	explicit_bzero(&v, sizeof(v));
	return st;
}

/*
 * Answer one passwd_logon call; print one line about it (never the
 * password). Return: clientbuf_server_complete()'s result.
 */
int serve_passwd_answer(int fd, const struct clientbuf_server_call *hdr,
			const unsigned char *submit, const char *dir)
{
	struct passwd_logon_submit s;
	struct passwd_logon_verifier v;
	char pw[PASSWD_LOGON_PASSWORD_MAX];
	const char *what = "?";
	__u32 st, cst;
	int ret;

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
	st = check_password(dir, s.user, pw, s.password_len);
	explicit_bzero(pw, sizeof(pw));

complete:
	printf("call %" PRIu64 ": uid %" PRIu32 " pid %" PRId32 " %s \"%.*s\": ",
	       (uint64_t)hdr->call_id, (uint32_t)hdr->uid, (int32_t)hdr->tgid,
	       what, (int)strnlen(s.user, sizeof(s.user) - 1), s.user);
	print_status_brief(stdout, st);
	printf("\n");
	fflush(stdout);
	ret = clientbuf_server_complete(fd, hdr->call_id, st, st, 0, 0, &cst);
	if (ret) {
		fprintf(stderr, "%s: completing call %" PRIu64 " failed: ", prog,
			(uint64_t)hdr->call_id);
		print_status_brief(stderr, cst);
		fprintf(stderr, "\n");
	}
	return ret;
}
