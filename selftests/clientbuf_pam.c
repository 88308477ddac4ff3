// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_pam - real logins: Debian's pamtester and libpam against
 * pam_clientbuf.so (tools/pam/), with the kernel package passwd_logon
 * (samples/clientbuf_passwd.c) and its verifiers in the kernel keyring, and
 * with the same PAM stack served by a userspace package server.
 *
 * The VM's initramfs carries /usr/bin/pamtester, /usr/bin/keyctl (keyutils),
 * their libraries, pam_clientbuf.so in libpam's module directory and the
 * services of selftests/pam.d/ in /etc/pam.d (scripts/mkinitramfs.sh).
 * Verifiers are provisioned with "clientbuf passwd" and with "keyctl padd";
 * the tests also call passwd_logon directly to check its exact errno and
 * NTSTATUS on every answer.
 *
 * Every pamtester run is checked for its exit code and for the PAM result
 * it prints ("pamtester: " + pam_strerror()).
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>

#include "../samples/clientbuf_passwd.h"
#include "clientbuf_srv_util.h"

#define PAMTESTER	"/usr/bin/pamtester"
#define KEYCTL		"/usr/bin/keyctl"
#define CLI		"/bin/clientbuf"
#define PASSWD_MODULE	"clientbuf_passwd"
#define PASSWD_KO	"/lib/clientbuf/" PASSWD_MODULE ".ko"
#define PARAMS		"/sys/module/" PASSWD_MODULE "/parameters/"
#define SERVICE		"clientbuf-test"
#define SRV_PACKAGE	"test_passwd_srv"
#define NOBODY		65534
/* PBKDF2 iterations of the test verifiers (TCG is slow) */
#define TEST_ITERATIONS	"1000"

/* pam_strerror() of the results the tests expect (Linux-PAM's texts) */
#define PAM_OK		"successfully authenticated"
#define PAM_ACCT_OK	"account management done."
#define PAM_AUTH_ERR	"Authentication failure"
#define PAM_USER_UNKNOWN "User not known to the underlying authentication module"
#define PAM_ACCT_EXPIRED "User account has expired"
#define PAM_AUTHINFO_UNAVAIL \
	"Authentication service cannot retrieve authentication info"

#define OUT_MAX		4096

/* Run @argv with @input on stdin; stdout and stderr into @out. */
static int run(const char *input, char *out, char *const argv[])
{
	int in[2], res[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	out[0] = 0;
	if (pipe2(in, O_CLOEXEC) || pipe2(res, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(in[0], 0);
		dup2(res[1], 1);
		dup2(res[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(res[1]);
	if (input && write(in[1], input, strlen(input)) < 0)
		n = 0;
	close(in[1]);
	while (n < OUT_MAX - 1 &&
	       (r = read(res[0], out + n, OUT_MAX - 1 - n)) > 0)
		n += r;
	out[n] = 0;
	close(res[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* pamtester SERVICE USER OP with @password (and a newline) on stdin. */
static int pamtester(const char *service, const char *user,
		     const char *password, const char *op, char *out)
{
	char input[256];
	char *argv[] = { PAMTESTER, (char *)service, (char *)user, (char *)op,
			 NULL };

	snprintf(input, sizeof(input), "%s\n", password);
	return run(input, out, argv);
}

/*
 * EXPECT_PAM(service, user, password, op, rc, text): pamtester exits with
 * @rc and prints "pamtester: @text".
 */
#define EXPECT_PAM(_svc, _user, _pw, _op, _rc, _text) do {		\
	char __out[OUT_MAX], __want[256];				\
	int __rc = pamtester(_svc, _user, _pw, _op, __out);		\
	snprintf(__want, sizeof(__want), "pamtester: %s", _text);	\
	EXPECT_EQ(_rc, __rc);						\
	EXPECT_NE(NULL, strstr(__out, __want))				\
		TH_LOG("pamtester %s %s %s: want \"%s\", got:\n%s",	\
		       _svc, _user, _op, __want, __out);		\
} while (0)

static int write_param(const char *name, const char *value)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static long keyring_serial(void)
{
	char buf[32] = "";
	int fd = open(PARAMS "keyring", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -EINVAL;
}

static bool module_loaded(void)
{
	return !access("/sys/module/" PASSWD_MODULE, F_OK);
}

static int load_module(void)
{
	int fd, ret;

	if (module_loaded())
		return 0;
	fd = open(PASSWD_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

static int unload_module(void)
{
	int i;

	/* pamtester's last call may still hold the module: retry 3 s */
	for (i = 0; i < 30; i++) {
		if (!syscall(SYS_delete_module, PASSWD_MODULE, O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -errno;
		usleep(100 * 1000);
	}
	return -EBUSY;
}

/* clientbuf passwd [--disabled] USER, the password on stdin. */
static int provision(const char *user, const char *password, bool disabled,
		     char *out)
{
	char input[256];
	char *argv[] = { CLI, "passwd", "--iterations=" TEST_ITERATIONS,
			 disabled ? "--disabled" : (char *)user,
			 disabled ? (char *)user : NULL, NULL };

	snprintf(input, sizeof(input), "%s\n", password);
	return run(input, out, argv);
}

/* keyctl A1 [A2 [A3 [A4 [A5]]]] (NULL ends the list) */
static int keyctl(char *out, const char *a1, const char *a2, const char *a3,
		  const char *a4, const char *a5)
{
	char *argv[] = { KEYCTL, (char *)a1, (char *)a2, (char *)a3,
			 (char *)a4, (char *)a5, NULL };

	return run(NULL, out, argv);
}

/* ---- direct calls of passwd_logon --------------------------------------- */

struct direct {
	int fd;
	__u32 id;
	char *page;
};

static int direct_open(struct direct *d)
{
	struct cb_res r;

	d->fd = cb_open();
	if (d->fd < 0)
		return -errno;
	d->page = mmap(NULL, cb_page(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (d->page == MAP_FAILED)
		return -errno;
	r = _cb_register(d->fd, CLIENTBUF_BUF_READ, d->page, cb_page());
	d->id = r.id;
	return r.err ? -r.err : 0;
}

static void direct_close(struct direct *d)
{
	if (d->page != MAP_FAILED)
		munmap(d->page, cb_page());
	if (d->fd >= 0)
		close(d->fd);
}

static void submit_init(struct passwd_logon_submit *s, __u32 op,
			const char *user, const void *pw_addr, __u32 pw_len)
{
	memset(s, 0, sizeof(*s));
	s->op = op;
	strncpy(s->user, user, sizeof(s->user) - 1);
	s->password_addr = (uintptr_t)pw_addr;
	s->password_len = pw_len;
}

/* A logon of @user with @password put into the registered page. */
static struct cb_res direct_logon(struct direct *d, const char *user,
				  const char *password)
{
	struct passwd_logon_submit s;
	size_t len = strlen(password);

	memcpy(d->page, password, len);
	submit_init(&s, PASSWD_LOGON_OP_LOGON, user, d->page, len);
	return _cb_call(d->fd, PASSWD_LOGON_PACKAGE, &s, sizeof(s), 0, 0);
}

/* ---- the fixture ------------------------------------------------------- */

FIXTURE(pam) {
	long keyring;
};

FIXTURE_SETUP(pam)
{
	char out[OUT_MAX];
	int ret;

	if (access(PAMTESTER, X_OK) || access(KEYCTL, X_OK) ||
	    access("/etc/pam.d/" SERVICE, R_OK) || access(CLI, X_OK))
		SKIP(return, "pamtester, keyctl, clientbuf or /etc/pam.d/"
		     SERVICE " not in this image");
	ret = load_module();
	ASSERT_EQ(0, ret) TH_LOG("loading " PASSWD_KO ": %s", strerror(-ret));
	ASSERT_EQ(0, write_param("reveal_unknown_user", "0"));
	/* unknown users cost what the verifiers below cost */
	ASSERT_EQ(0, write_param("dummy_iterations", TEST_ITERATIONS));
	self->keyring = keyring_serial();
	ASSERT_LT(0, self->keyring);
	ASSERT_EQ(0, provision("alice", "alice-pw", false, out))
		TH_LOG("%s", out);
	ASSERT_EQ(0, provision("bob", "bob-pw", true, out))
		TH_LOG("%s", out);
}

FIXTURE_TEARDOWN(pam)
{
	char out[OUT_MAX], ring[32];

	if (!module_loaded())
		return;
	write_param("reveal_unknown_user", "0");
	write_param("dummy_iterations", "4096");
	snprintf(ring, sizeof(ring), "%ld", keyring_serial());
	/* keyctl clear: every verifier goes */
	if (keyctl(out, "clear", ring, NULL, NULL, NULL))
		TH_LOG("keyctl clear %s: %s", ring, out);
}

TEST_F(pam, right_password_succeeds)
{
	EXPECT_PAM(SERVICE, "alice", "alice-pw", "authenticate", 0, PAM_OK);
}

TEST_F(pam, wrong_password_is_auth_err)
{
	EXPECT_PAM(SERVICE, "alice", "alice-px", "authenticate", 1,
		   PAM_AUTH_ERR);
	EXPECT_PAM(SERVICE, "alice", "", "authenticate", 1, PAM_AUTH_ERR);
	/* and the right one still works */
	EXPECT_PAM(SERVICE, "alice", "alice-pw", "authenticate", 0, PAM_OK);
}

/* reveal_unknown_user=0: the same answer as a wrong password */
TEST_F(pam, unknown_user_is_auth_err_by_default)
{
	EXPECT_PAM(SERVICE, "mallory", "alice-pw", "authenticate", 1,
		   PAM_AUTH_ERR);
}

TEST_F(pam, unknown_user_revealed_is_user_unknown)
{
	ASSERT_EQ(0, write_param("reveal_unknown_user", "1"));
	EXPECT_PAM(SERVICE, "mallory", "x", "authenticate", 1,
		   PAM_USER_UNKNOWN);
	/* a wrong password of a known user is still AUTH_ERR */
	EXPECT_PAM(SERVICE, "alice", "x", "authenticate", 1, PAM_AUTH_ERR);
}

/*
 * auth answers authentication results only (sshd drops the connection on
 * PAM_ACCT_EXPIRED from auth): a disabled account is refused there, and
 * account says it expired, as pam_unix does.
 */
TEST_F(pam, disabled_account_is_auth_err_then_acct_expired)
{
	EXPECT_PAM(SERVICE, "bob", "bob-pw", "authenticate", 1,
		   PAM_AUTH_ERR);
	EXPECT_PAM(SERVICE, "bob", "bob-pw", "acct_mgmt", 1,
		   PAM_ACCT_EXPIRED);
	/* without the right password nothing tells it is disabled */
	EXPECT_PAM(SERVICE, "bob", "bob-px", "authenticate", 1, PAM_AUTH_ERR);
}

TEST_F(pam, account_management)
{
	EXPECT_PAM(SERVICE, "alice", "", "acct_mgmt", 0, PAM_ACCT_OK);
	EXPECT_PAM(SERVICE, "bob", "", "acct_mgmt", 1, PAM_ACCT_EXPIRED);
	EXPECT_PAM(SERVICE, "mallory", "", "acct_mgmt", 1, PAM_USER_UNKNOWN);
}

TEST_F(pam, missing_package_is_authinfo_unavail)
{
	EXPECT_PAM(SERVICE "-nopkg", "alice", "alice-pw", "authenticate", 1,
		   PAM_AUTHINFO_UNAVAIL);
}

TEST_F(pam, no_device_is_authinfo_unavail)
{
	EXPECT_PAM(SERVICE "-nodev", "alice", "alice-pw", "authenticate", 1,
		   PAM_AUTHINFO_UNAVAIL);
}

/*
 * With clientbuf_passwd.ko unloaded the package is gone; loaded again it
 * has a new, empty keyring (the old one was invalidated).
 */
TEST_F(pam, unloaded_package_module_is_authinfo_unavail)
{
	char out[OUT_MAX];
	long old = self->keyring;
	int ret;

	ret = unload_module();
	ASSERT_EQ(0, ret) TH_LOG("rmmod " PASSWD_MODULE ": %s",
				 strerror(-ret));
	EXPECT_PAM(SERVICE, "alice", "alice-pw", "authenticate", 1,
		   PAM_AUTHINFO_UNAVAIL);
	ASSERT_EQ(0, load_module());
	ASSERT_EQ(0, write_param("dummy_iterations", TEST_ITERATIONS));
	self->keyring = keyring_serial();
	EXPECT_NE(old, self->keyring);
	EXPECT_PAM(SERVICE, "alice", "alice-pw", "authenticate", 1,
		   PAM_AUTH_ERR);
	ASSERT_EQ(0, provision("alice", "alice-pw", false, out))
		TH_LOG("%s", out);
	EXPECT_PAM(SERVICE, "alice", "alice-pw", "authenticate", 0, PAM_OK);
}

/* Changes to the keyring take effect with the next call. */
TEST_F(pam, keyring_changes_take_effect)
{
	char out[OUT_MAX], ring[32], cmd[256];
	char *sh[] = { "/bin/sh", "-c", cmd, NULL };

	snprintf(ring, sizeof(ring), "%ld", self->keyring);
	/* a new password replaces the old verifier */
	ASSERT_EQ(0, provision("alice", "new-pw", false, out))
		TH_LOG("%s", out);
	EXPECT_PAM(SERVICE, "alice", "alice-pw", "authenticate", 1,
		   PAM_AUTH_ERR);
	EXPECT_PAM(SERVICE, "alice", "new-pw", "authenticate", 0, PAM_OK);

	/* keyutils finds the keyring by name and removes the key */
	EXPECT_EQ(0, keyctl(out, "unlink", "%user:" PASSWD_KEY_PREFIX "alice",
			    "%:" PASSWD_KEYRING, NULL, NULL)) TH_LOG("%s", out);
	EXPECT_PAM(SERVICE, "alice", "new-pw", "authenticate", 1,
		   PAM_AUTH_ERR);

	/* a verifier added with keyctl padd from "clientbuf passwd --payload" */
	snprintf(cmd, sizeof(cmd),
		 "echo carol-pw | " CLI " passwd --payload carol | " KEYCTL
		 " padd user " PASSWD_KEY_PREFIX "carol %%:" PASSWD_KEYRING);
	EXPECT_EQ(0, run(NULL, out, sh)) TH_LOG("%s: %s", cmd, out);
	EXPECT_PAM(SERVICE, "carol", "carol-pw", "authenticate", 0, PAM_OK);

	/* a malformed verifier logs nobody on, and tells nothing */
	ASSERT_EQ(0, write_param("reveal_unknown_user", "1"));
	EXPECT_EQ(0, keyctl(out, "add", "user", PASSWD_KEY_PREFIX "dave",
			    "not-a-verifier", ring)) TH_LOG("%s", out);
	EXPECT_PAM(SERVICE, "dave", "not-a-verifier", "authenticate", 1,
		   PAM_AUTH_ERR);
}

/* Only root reaches the keyring: a user can neither read nor add keys. */
TEST_F(pam, keyring_closed_to_other_users)
{
	struct passwd_logon_verifier v = {};
	long ring = self->keyring;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char buf[256];

		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(10);
		if (syscall(SYS_add_key, "user", PASSWD_KEY_PREFIX "alice", &v,
			    sizeof(v), ring) != -1 || errno != EACCES)
			_exit(11);
		if (syscall(SYS_keyctl, KEYCTL_READ, ring, buf,
			    sizeof(buf)) != -1 || errno != EACCES)
			_exit(12);
		if (syscall(SYS_keyctl, KEYCTL_SEARCH, ring, "user",
			    PASSWD_KEY_PREFIX "alice", 0) != -1 ||
		    errno != EACCES)
			_exit(13);
		_exit(0);
	}
	EXPECT_EQ(0, cb_wait_child(pid));
	/* alice's verifier is untouched */
	EXPECT_PAM(SERVICE, "alice", "alice-pw", "authenticate", 0, PAM_OK);
}

/* The package's answers, with their exact errno, called directly. */
TEST_F(pam, package_answers)
{
	struct direct d = { .fd = -1, .page = MAP_FAILED };
	struct passwd_logon_submit s;

	ASSERT_EQ(0, direct_open(&d));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS,
		   direct_logon(&d, "alice", "alice-pw"));
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   direct_logon(&d, "alice", "alice-pX"));
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   direct_logon(&d, "mallory", "alice-pw"));
	EXPECT_RES(EPERM, CLIENTBUF_STATUS_ACCOUNT_DISABLED,
		   direct_logon(&d, "bob", "bob-pw"));
	ASSERT_EQ(0, write_param("reveal_unknown_user", "1"));
	EXPECT_RES(ENOENT, CLIENTBUF_STATUS_NO_SUCH_USER,
		   direct_logon(&d, "mallory", "alice-pw"));
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   direct_logon(&d, "alice", "alice-pX"));

	/* ACCOUNT */
	submit_init(&s, PASSWD_LOGON_OP_ACCOUNT, "alice", NULL, 0);
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS,
		   _cb_call(d.fd, PASSWD_LOGON_PACKAGE, &s, sizeof(s), 0, 0));
	submit_init(&s, PASSWD_LOGON_OP_ACCOUNT, "bob", NULL, 0);
	EXPECT_RES(EPERM, CLIENTBUF_STATUS_ACCOUNT_DISABLED,
		   _cb_call(d.fd, PASSWD_LOGON_PACKAGE, &s, sizeof(s), 0, 0));
	submit_init(&s, PASSWD_LOGON_OP_ACCOUNT, "mallory", NULL, 0);
	EXPECT_RES(ENOENT, CLIENTBUF_STATUS_NO_SUCH_USER,
		   _cb_call(d.fd, PASSWD_LOGON_PACKAGE, &s, sizeof(s), 0, 0));
	direct_close(&d);
}

/* Malformed submit buffers and passwords out of reach. */
TEST_F(pam, package_refuses_bad_submits)
{
	struct direct d = { .fd = -1, .page = MAP_FAILED };
	struct passwd_logon_submit s;
	char stack_pw[] = "alice-pw";
	pid_t pid;

#define BAD(_err, _status, _len) \
	EXPECT_RES(_err, _status, \
		   _cb_call(d.fd, PASSWD_LOGON_PACKAGE, &s, _len, 0, 0))
#define INVAL(_len) \
	BAD(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER, _len)

	ASSERT_EQ(0, direct_open(&d));
	memcpy(d.page, "alice-pw", 8);
	submit_init(&s, PASSWD_LOGON_OP_LOGON, "alice", d.page, 8);
	BAD(0, CLIENTBUF_STATUS_SUCCESS, sizeof(s));
	INVAL(sizeof(s) - 1);
	INVAL(sizeof(s) + 1);
	s.op = 3;
	INVAL(sizeof(s));
	s.op = PASSWD_LOGON_OP_LOGON;
	s.flags = 1;
	INVAL(sizeof(s));
	s.flags = 0;
	s.reserved = 1;
	INVAL(sizeof(s));
	s.reserved = 0;
	s.password_len = PASSWD_LOGON_PASSWORD_MAX + 1;
	INVAL(sizeof(s));
	s.password_len = 8;
	memset(s.user, 'a', sizeof(s.user));	/* not NUL-terminated */
	INVAL(sizeof(s));
	memset(s.user, 0, sizeof(s.user));	/* empty */
	INVAL(sizeof(s));
	strcpy(s.user, "alice");
	s.user[10] = 'x';			/* not NUL-padded */
	INVAL(sizeof(s));
	s.user[10] = 0;
	/* ACCOUNT carries no password */
	s.op = PASSWD_LOGON_OP_ACCOUNT;
	INVAL(sizeof(s));
	s.op = PASSWD_LOGON_OP_LOGON;
	/* the password must be in a READ buffer of the caller's */
	s.password_addr = (uintptr_t)stack_pw;
	BAD(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION, sizeof(s));
	s.password_addr = (uintptr_t)d.page + cb_page() - 4;
	BAD(EFAULT, CLIENTBUF_STATUS_ACCESS_VIOLATION, sizeof(s));
	s.password_addr = (uintptr_t)d.page;
	BAD(0, CLIENTBUF_STATUS_SUCCESS, sizeof(s));

	/* ACCOUNT tells whether a user exists: CAP_SYS_ADMIN only */
	direct_close(&d);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct cb_res r;

		if (setgid(NOBODY) || setuid(NOBODY) || direct_open(&d))
			_exit(10);
		submit_init(&s, PASSWD_LOGON_OP_ACCOUNT, "alice", NULL, 0);
		r = _cb_call(d.fd, PASSWD_LOGON_PACKAGE, &s, sizeof(s), 0, 0);
		if (r.err != EPERM ||
		    r.status != CLIENTBUF_STATUS_ACCESS_DENIED)
			_exit(11);
		/* LOGON is for everyone */
		memcpy(d.page, "alice-pw", 8);
		submit_init(&s, PASSWD_LOGON_OP_LOGON, "alice", d.page, 8);
		r = _cb_call(d.fd, PASSWD_LOGON_PACKAGE, &s, sizeof(s), 0, 0);
		_exit(r.err || r.status ? 12 : 0);
	}
	EXPECT_EQ(0, cb_wait_child(pid));
#undef INVAL
#undef BAD
}

/* ---- the same PAM stack served from userspace ---------------------------- */

/*
 * A userspace passwd_logon: user "sam" with password "sam-pw"; reads the
 * password from the caller's READ buffer with COPY_FROM and completes
 * with SUCCESS, LOGON_FAILURE or NO_SUCH_USER. Answers @calls calls, then
 * exits 0 (or the number of what went wrong). Writes one byte to @ready
 * once it serves.
 */
static int passwd_server(int ready, int calls)
{
	struct {
		struct clientbuf_server_call h;
		struct passwd_logon_submit s;
		char spare[64];
	} rec;
	char pw[PASSWD_LOGON_PASSWORD_MAX];
	struct cb_res r;
	__u32 st;
	int fd = cb_open();

	if (fd < 0)
		return 20;
	r = srv_serve(&fd, SRV_PACKAGE);
	if (r.err || r.status)
		return 21;
	if (write(ready, "r", 1) != 1)
		return 22;
	while (calls--) {
		ssize_t n = read(fd, &rec, sizeof(rec));

		if (n != sizeof(rec.h) + sizeof(rec.s) ||
		    rec.h.submit_len != sizeof(rec.s))
			return 23;
		st = CLIENTBUF_STATUS_INVALID_PARAMETER;
		if (rec.s.op == PASSWD_LOGON_OP_LOGON &&
		    rec.s.password_len <= sizeof(pw)) {
			r = srv_copy_from(fd, rec.h.call_id, pw,
					  rec.s.password_addr,
					  rec.s.password_len);
			if (r.err || r.status)
				st = r.status;
			else if (strcmp(rec.s.user, "sam"))
				st = CLIENTBUF_STATUS_NO_SUCH_USER;
			else if (rec.s.password_len != 6 ||
				 memcmp(pw, "sam-pw", 6))
				st = CLIENTBUF_STATUS_LOGON_FAILURE;
			else
				st = CLIENTBUF_STATUS_SUCCESS;
			explicit_bzero(pw, sizeof(pw));
		}
		r = srv_complete(fd, rec.h.call_id, st, st, 0, 0);
		if (r.err || r.status)
			return 24;
	}
	close(fd);
	return 0;
}

TEST_F(pam, userspace_server_answers_pamtester)
{
	int p[2], i, status = 0;
	char c;
	pid_t pid;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		_exit(passwd_server(p[1], 3));
	}
	close(p[1]);
	ASSERT_EQ(1, read(p[0], &c, 1));
	close(p[0]);
	EXPECT_PAM(SERVICE "-srv", "sam", "sam-pw", "authenticate", 0, PAM_OK);
	EXPECT_PAM(SERVICE "-srv", "sam", "sam-px", "authenticate", 1,
		   PAM_AUTH_ERR);
	EXPECT_PAM(SERVICE "-srv", "nobody-else", "sam-pw", "authenticate", 1,
		   PAM_USER_UNKNOWN);
	/* it answered its 3 calls and exits; never wait for ever */
	for (i = 0; i < 300 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(100 * 1000);
	if (i == 300) {
		cb_kill_child(pid);
		ASSERT_TRUE(0) TH_LOG("the server did not get its 3 calls");
	}
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("server exit status %#x", status);
	/* the server is gone, and with it the package */
	EXPECT_PAM(SERVICE "-srv", "sam", "sam-pw", "authenticate", 1,
		   PAM_AUTHINFO_UNAVAIL);
}

/*
 * A server that reads its calls and never answers, and closes after
 * @linger_s seconds: the module gives the call up after timeout=2 with
 * PAM_AUTHINFO_UNAVAIL (before, pamtester waited until the server went
 * away and got PAM_SYSTEM_ERR from STATUS_PORT_DISCONNECTED).
 */
static int silent_server(int ready, int linger_s)
{
	struct {
		struct clientbuf_server_call h;
		char submit[256];
	} rec;
	struct cb_res r;
	int fd = cb_open();

	if (fd < 0)
		return 20;
	r = srv_serve(&fd, "test_silent_srv");
	if (r.err || r.status)
		return 21;
	if (write(ready, "r", 1) != 1)
		return 22;
	if (read(fd, &rec, sizeof(rec)) <= 0)
		return 23;
	sleep(linger_s);
	close(fd);
	return 0;
}

TEST_F_TIMEOUT(pam, silent_server_times_out, 60)
{
	struct timespec t0, t1;
	long ms;
	int p[2];
	char c;
	pid_t pid;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		_exit(silent_server(p[1], 12));
	}
	close(p[1]);
	ASSERT_EQ(1, read(p[0], &c, 1));
	close(p[0]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_PAM(SERVICE "-timeout", "alice", "alice-pw", "authenticate", 1,
		   PAM_AUTHINFO_UNAVAIL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	/* timeout=2: well before the server's 12 s */
	EXPECT_LT(ms, 8000) TH_LOG("pamtester took %ld ms", ms);
	EXPECT_GE(ms, 1900) TH_LOG("pamtester took %ld ms", ms);
	cb_kill_child(pid);
}

TEST_HARNESS_MAIN
