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
 *
 * passwd_logon behaves like unix_chkpwd (Documentation/pam.rst): a caller
 * without CAP_DAC_READ_SEARCH checks only its own uid's account, failures
 * are answered fail_delay_ms later from a timer, counted per name and
 * locked out as pam_faillock does, logged with the caller's uid, and every
 * check costs dummy_iterations PBKDF2 iterations (the module's counter
 * iterations_done shows it). The tests below check each.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>
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
/* the uids the verifiers record */
#define ALICE_UID	"1000"
#define BOB_UID		"1001"
#define CAROL_UID	"1002"
#define CAROL_UID_N	1002
/* the module's defaults */
#define FAIL_DELAY_MS	2000
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
	return cb_run_cmd(input, input ? strlen(input) : 0, out, OUT_MAX,
			  argv);
}

/*
 * pamtester SERVICE USER OP with @password (and a newline) on stdin, as
 * @uid (real, effective and saved; -1: as the test); its exit status.
 */
static int pamtester_as(uid_t uid, const char *service, const char *user,
			const char *password, const char *op, char *out)
{
	char input[256];
	char *argv[] = { PAMTESTER, (char *)service, (char *)user, (char *)op,
			 NULL };

	snprintf(input, sizeof(input), "%s\n", password);
	return cb_run_cmd_as(uid, input, strlen(input), out, OUT_MAX, argv);
}

/* pamtester_as() as the test itself */
static int pamtester(const char *service, const char *user,
		     const char *password, const char *op, char *out)
{
	return pamtester_as((uid_t)-1, service, user, password, op, out);
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
	unsigned long long v;
	int ret = cb_read_ull(PARAMS "keyring", &v);

	return ret ? ret : (long)v;
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

/*
 * clientbuf passwd --iterations=@iterations --uid=@uid [--disabled] USER,
 * the password on stdin.
 */
static int provision_it(const char *user, const char *password,
			const char *uid, const char *iterations,
			bool disabled, char *out)
{
	char input[256], it[32], uidopt[32];
	char *argv[] = { CLI, "passwd", it, uidopt,
			 disabled ? "--disabled" : (char *)user,
			 disabled ? (char *)user : NULL, NULL };

	snprintf(it, sizeof(it), "--iterations=%s", iterations);
	snprintf(uidopt, sizeof(uidopt), "--uid=%s", uid);
	snprintf(input, sizeof(input), "%s\n", password);
	return run(input, out, argv);
}

/* The same with TEST_ITERATIONS. */
static int provision(const char *user, const char *password, const char *uid,
		     bool disabled, char *out)
{
	return provision_it(user, password, uid, TEST_ITERATIONS, disabled,
			    out);
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

/*
 * A logon of @user with @password by a child of uid @uid. Return: the
 * call's errno (0 for STATUS_SUCCESS), 100 + the step that failed.
 */
static int logon_as(uid_t uid, const char *user, const char *password)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		struct direct d = { .fd = -1, .page = MAP_FAILED };
		struct cb_res r;

		if (setgid(uid) || setuid(uid))
			_exit(101);
		if (direct_open(&d))
			_exit(102);
		r = direct_logon(&d, user, password);
		_exit(r.err);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
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
	ASSERT_EQ(0, provision("alice", "alice-pw", ALICE_UID, false, out))
		TH_LOG("%s", out);
	ASSERT_EQ(0, provision("bob", "bob-pw", BOB_UID, true, out))
		TH_LOG("%s", out);
}

FIXTURE_TEARDOWN(pam)
{
	char out[OUT_MAX], ring[32];

	if (!module_loaded())
		return;
	write_param("reveal_unknown_user", "0");
	write_param("dummy_iterations", "4096");
	/* the defaults again, and no failure remembered */
	write_param("fail_delay_ms", "2000");
	write_param("deny", "3");
	write_param("unlock_time", "600");
	write_param("unlock", "*");
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
	/* the same answer whatever the password: it tells nothing of it */
	EXPECT_PAM(SERVICE, "bob", "bob-px", "authenticate", 1,
		   PAM_AUTH_ERR);
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
	ASSERT_EQ(0, provision("alice", "alice-pw", ALICE_UID, false, out))
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
	ASSERT_EQ(0, provision("alice", "new-pw", ALICE_UID, false, out))
		TH_LOG("%s", out);
	EXPECT_PAM(SERVICE, "alice", "alice-pw", "authenticate", 1,
		   PAM_AUTH_ERR);
	EXPECT_PAM(SERVICE, "alice", "new-pw", "authenticate", 0, PAM_OK);

	/* keyutils finds the keyring by name and removes the key */
	EXPECT_EQ(0, keyctl(out, "unlink", "%user:" PASSWD_KEY_PREFIX "alice",
			    "%:" PASSWD_KEYRING, NULL, NULL)) TH_LOG("%s", out);
	EXPECT_PAM(SERVICE, "alice", "new-pw", "authenticate", 1,
		   PAM_AUTH_ERR);

	/*
	 * a verifier added with keyctl padd from "clientbuf passwd --payload";
	 * its default 4096 iterations are above dummy_iterations (1000 here),
	 * so it is refused until they are at most that
	 */
	snprintf(cmd, sizeof(cmd),
		 "echo carol-pw | " CLI " passwd --payload carol | " KEYCTL
		 " padd user " PASSWD_KEY_PREFIX "carol %%:" PASSWD_KEYRING);
	EXPECT_EQ(0, run(NULL, out, sh)) TH_LOG("%s: %s", cmd, out);
	EXPECT_PAM(SERVICE, "carol", "carol-pw", "authenticate", 1,
		   PAM_AUTH_ERR);
	/* (keyctl padd cannot update a key it does not possess) */
	EXPECT_EQ(0, keyctl(out, "unlink", "%user:" PASSWD_KEY_PREFIX "carol",
			    "%:" PASSWD_KEYRING, NULL, NULL)) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd),
		 "echo carol-pw | " CLI " passwd --payload --iterations="
		 TEST_ITERATIONS " carol | " KEYCTL " padd user "
		 PASSWD_KEY_PREFIX "carol %%:" PASSWD_KEYRING);
	EXPECT_EQ(0, run(NULL, out, sh)) TH_LOG("%s: %s", cmd, out);
	EXPECT_PAM(SERVICE, "carol", "carol-pw", "authenticate", 0, PAM_OK);
	/*
	 * root owns that key (uid 0's account): carol's uid gets
	 * ACCESS_DENIED until clientbuf passwd gives it to her uid
	 */
	EXPECT_EQ(EPERM, logon_as(CAROL_UID_N, "carol", "carol-pw"));
	EXPECT_EQ(0, provision("carol", "carol-pw", CAROL_UID, false, out))
		TH_LOG("%s", out);
	EXPECT_EQ(0, logon_as(CAROL_UID_N, "carol", "carol-pw"));
	EXPECT_EQ(EPERM, logon_as(CAROL_UID_N + 1, "carol", "carol-pw"));
	/* root still finds the chowned key (group 0 may view it) */
	EXPECT_EQ(0, keyctl(out, "rdescribe",
			    "%user:" PASSWD_KEY_PREFIX "carol", NULL, NULL,
			    NULL)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "user;" CAROL_UID ";0;3f010100;"
			       PASSWD_KEY_PREFIX "carol"))
		TH_LOG("keyctl rdescribe: %s", out);

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
	/* disabled says nothing about the password */
	EXPECT_RES(EPERM, CLIENTBUF_STATUS_ACCOUNT_DISABLED,
		   direct_logon(&d, "bob", "bob-pX"));
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

	/*
	 * ACCOUNT tells whether a user exists, LOGON checks a password:
	 * another uid's account needs CAP_DAC_READ_SEARCH
	 */
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
		memcpy(d.page, "alice-pw", 8);
		submit_init(&s, PASSWD_LOGON_OP_LOGON, "alice", d.page, 8);
		r = _cb_call(d.fd, PASSWD_LOGON_PACKAGE, &s, sizeof(s), 0, 0);
		_exit(r.err != EPERM ||
		      r.status != CLIENTBUF_STATUS_ACCESS_DENIED ? 12 : 0);
	}
	EXPECT_EQ(0, cb_wait_child(pid));
#undef INVAL
#undef BAD
}

/* ---- unix_chkpwd's rules: who, how fast, how often, at what cost -------- */

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static long long now_ms(void)
{
	return now_us() / 1000;
}


/* The counter iterations_done, or -errno. */
static long long iterations_done(void)
{
	unsigned long long v;
	int ret = cb_read_ull(PARAMS "iterations_done", &v);

	return ret ? ret : (long long)v;
}

/* A logon on a fresh fd of its own, timed. */
struct timed_logon {
	const char *user;
	const char *password;
	struct cb_res res;
	long long ms;
	int open_err;
};

static void timed_logon(struct timed_logon *t)
{
	struct direct d = { .fd = -1, .page = MAP_FAILED };
	long long start;

	t->open_err = direct_open(&d);
	if (!t->open_err) {
		start = now_ms();
		t->res = direct_logon(&d, t->user, t->password);
		t->ms = now_ms() - start;
	}
	direct_close(&d);
}

static void *timed_logon_thread(void *arg)
{
	timed_logon(arg);
	return NULL;
}

/* A logon on a fresh fd of its own. */
static struct cb_res direct_logon_once(const char *user, const char *password)
{
	struct timed_logon t = { .user = user, .password = password };

	timed_logon(&t);
	if (t.open_err)
		t.res.err = -t.open_err;
	return t.res;
}

/*
 * In a child: EXPECT-like check of one answer; on a mismatch print it and
 * exit with @code.
 */
#define CHILD_RES(_err, _status, _res, _code) do {			\
	struct cb_res __r = (_res);					\
	if (__r.err != (_err) || __r.status != (_status)) {		\
		fprintf(stderr, "# child step %d: errno %d status %#x, "	\
			"want errno %d status %#x\n", (_code), __r.err,	\
			__r.status, (_err), (_status));			\
		_exit(_code);						\
	}								\
} while (0)

/* Keep CAP_DAC_READ_SEARCH only, effective, across setuid(@uid). */
static int become_with_dac_read_search(uid_t uid)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct c[2] = {};

	if (prctl(PR_SET_KEEPCAPS, 1) || setgid(uid) || setuid(uid))
		return -1;
	c[0].effective = c[0].permitted = 1U << CAP_DAC_READ_SEARCH;
	return syscall(SYS_capset, &h, c);
}

/* The records of /dev/kmsg after @fd's position that contain @needle. */
static int kmsg_count(int fd, const char *needle)
{
	char rec[2048];
	ssize_t n;
	int count = 0;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = 0;
		if (strstr(rec, needle))
			count++;
	}
	return count;
}

/*
 * Through PAM, a caller that may not check the account (uid 65534 asking
 * for alice, as unix_chkpwd refuses it) is told so, not that the service
 * is unavailable: PAM_CRED_INSUFFICIENT from auth, PAM_PERM_DENIED from
 * account.
 */
TEST_F(pam, other_users_account_through_pam)
{
	static const struct {
		const char *op, *text;
	} want[] = {
		{ "authenticate",
		  "Insufficient credentials to access authentication data" },
		{ "acct_mgmt", "Permission denied" },
	};
	char out[OUT_MAX];
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		EXPECT_EQ(1, pamtester_as(NOBODY, SERVICE, "alice", "alice-pw",
					  want[i].op, out));
		EXPECT_NE(NULL, strstr(out, want[i].text))
			TH_LOG("pamtester %s as uid %d: want \"%s\", got:\n%s",
			       want[i].op, NOBODY, want[i].text, out);
	}
}

/*
 * uid 65534 may check only the account whose verifier records uid 65534:
 * alice's right password and an unknown name both get ACCESS_DENIED (the
 * same answer, so it tells nobody who exists), with no work done. With
 * CAP_DAC_READ_SEARCH the same uid may check alice. Refusals and failures
 * are logged with the caller's uid, at most 10 lines in 5 s.
 */
TEST_F(pam, other_users_account_is_access_denied)
{
	char out[OUT_MAX];
	int kmsg, lines;
	pid_t pid;

	ASSERT_EQ(0, provision("nob", "nob-pw", "65534", false, out))
		TH_LOG("%s", out);
	/* the rate limit's 5 s window of earlier tests is over */
	cb_msleep(5100);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, kmsg);
	ASSERT_LE(0, lseek(kmsg, 0, SEEK_END));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct direct d = { .fd = -1, .page = MAP_FAILED };
		struct passwd_logon_submit s;
		long long before = iterations_done();

		if (setgid(NOBODY) || setuid(NOBODY) || direct_open(&d))
			_exit(10);
		CHILD_RES(EPERM, CLIENTBUF_STATUS_ACCESS_DENIED,
			  direct_logon(&d, "alice", "alice-pw"), 11);
		CHILD_RES(EPERM, CLIENTBUF_STATUS_ACCESS_DENIED,
			  direct_logon(&d, "mallory", "alice-pw"), 12);
		submit_init(&s, PASSWD_LOGON_OP_ACCOUNT, "nob", NULL, 0);
		CHILD_RES(0, CLIENTBUF_STATUS_SUCCESS,
			  _cb_call(d.fd, PASSWD_LOGON_PACKAGE, &s, sizeof(s),
				   0, 0), 13);
		/* a refusal costs no derivation */
		if (iterations_done() != before) {
			fprintf(stderr, "# %lld iterations for refusals\n",
				iterations_done() - before);
			_exit(14);
		}
		/* its own account */
		CHILD_RES(0, CLIENTBUF_STATUS_SUCCESS,
			  direct_logon(&d, "nob", "nob-pw"), 15);
		CHILD_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
			  direct_logon(&d, "nob", "nob-pX"), 16);
		_exit(0);
	}
	EXPECT_EQ(0, cb_wait_child(pid));

	/* the lines, with the caller's uid */
	EXPECT_EQ(1, kmsg_count(kmsg, "uid 65534: user \"alice\": may not check"));
	ASSERT_LE(0, lseek(kmsg, 0, SEEK_END));

	/* a caller with CAP_DAC_READ_SEARCH checks any account */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct direct d = { .fd = -1, .page = MAP_FAILED };

		if (become_with_dac_read_search(NOBODY) || direct_open(&d))
			_exit(20);
		CHILD_RES(0, CLIENTBUF_STATUS_SUCCESS,
			  direct_logon(&d, "alice", "alice-pw"), 21);
		_exit(0);
	}
	EXPECT_EQ(0, cb_wait_child(pid));

	/* 30 refusals in a row: at most the burst of 10 is logged */
	cb_msleep(5100);
	ASSERT_LE(0, lseek(kmsg, 0, SEEK_END));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct direct d = { .fd = -1, .page = MAP_FAILED };
		int i;

		if (setgid(NOBODY) || setuid(NOBODY) || direct_open(&d))
			_exit(30);
		for (i = 0; i < 30; i++)
			CHILD_RES(EPERM, CLIENTBUF_STATUS_ACCESS_DENIED,
				  direct_logon(&d, "alice", "x"), 31);
		_exit(0);
	}
	EXPECT_EQ(0, cb_wait_child(pid));
	lines = kmsg_count(kmsg, "uid 65534: user \"alice\": may not check");
	EXPECT_LE(1, lines);
	EXPECT_GE(10, lines);
	close(kmsg);
}

/*
 * Every failure is answered fail_delay_ms late, from a timer: 12 failing
 * checks wait at once while another user's check completes, no task's
 * stack is in the module meanwhile (no worker, no caller sleeps in it),
 * and the 12 end together, not one after another.
 */
#define DELAYED 12
TEST_F_TIMEOUT(pam, failures_are_delayed_without_holding_a_worker, 60)
{
	struct timed_logon fail[DELAYED], ok = {
		.user = "carol", .password = "carol-pw",
	};
	char out[OUT_MAX], names[DELAYED][16];
	pthread_t th[DELAYED];
	long long start, total;
	int i, held = -1;

	EXPECT_EQ(0, write_param("fail_delay_ms", "2000"));
	ASSERT_EQ(0, provision("carol", "carol-pw", CAROL_UID, false, out))
		TH_LOG("%s", out);
	start = now_ms();
	for (i = 0; i < DELAYED; i++) {
		snprintf(names[i], sizeof(names[i]), "ghost%d", i);
		fail[i] = (struct timed_logon){ .user = names[i],
					    .password = "ghost-pw" };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, timed_logon_thread,
					    &fail[i]));
	}
	/* the derivations are done well before the delay is */
	cb_msleep(700);
	if (!access("/proc/self/stack", R_OK)) {
		char cmd[] = "grep -l '\\[clientbuf_passwd\\]' /proc/[0-9]*/task/*/stack 2>/dev/null | wc -l";
		char *sh[] = { "/bin/sh", "-c", cmd, NULL };

		if (!run(NULL, out, sh))
			held = atoi(out);
	}
	timed_logon(&ok);
	for (i = 0; i < DELAYED; i++)
		pthread_join(th[i], NULL);
	total = now_ms() - start;

	EXPECT_EQ(0, ok.open_err);
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, ok.res);
	EXPECT_GT(FAIL_DELAY_MS / 2, ok.ms)
		TH_LOG("carol's check took %lld ms while %d failures waited",
		       ok.ms, DELAYED);
	for (i = 0; i < DELAYED; i++) {
		EXPECT_EQ(0, fail[i].open_err);
		EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE, fail[i].res);
		EXPECT_LE(FAIL_DELAY_MS, fail[i].ms)
			TH_LOG("failure %d answered after %lld ms, want at least %d",
			       i, fail[i].ms, FAIL_DELAY_MS);
	}
	/*
	 * together: serialized they would take DELAYED * 2 s. Beside the
	 * one delay, 2 s for the threads and checks, times the debug
	 * kernel's slowdown (cb_timeout_scale(): 6 under KASAN, which
	 * still leaves 14 s against the 24 s of a serialized wait).
	 */
	EXPECT_GT(FAIL_DELAY_MS + 2000LL * cb_timeout_scale(), total)
		TH_LOG("%d delayed failures took %lld ms in all", DELAYED,
		       total);
	if (held < 0)
		TH_LOG("no /proc/PID/stack here: the stack check did not run");
	else
		EXPECT_EQ(0, held) TH_LOG("%d tasks in clientbuf_passwd", held);
	TH_LOG("carol %lld ms; %d failures of %d ms each in %lld ms in all",
	       ok.ms, DELAYED, FAIL_DELAY_MS, total);
}

/*
 * A caller killed while its failure waits is answered at once (->cancel),
 * so nothing of it stays: the module, which a pending call pins, unloads
 * at once instead of fail_delay_ms (10 s here) later.
 */
TEST_F_TIMEOUT(pam, killed_caller_is_answered_at_once, 60)
{
	char out[OUT_MAX];
	long long start;
	int ret, status;
	pid_t pid;

	EXPECT_EQ(0, write_param("fail_delay_ms", "10000"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct timed_logon t = { .user = "alice",
					 .password = "alice-pX" };

		timed_logon(&t);
		_exit(100);	/* not reached: killed while it waits */
	}
	cb_msleep(1000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* it was still waiting for its answer */
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("the caller was not waiting: status %#x", status);
	start = now_ms();
	ret = unload_module();
	EXPECT_EQ(0, ret) TH_LOG("rmmod " PASSWD_MODULE ": %s", strerror(-ret));
	EXPECT_GT(3000, now_ms() - start)
		TH_LOG("the unload waited %lld ms", now_ms() - start);
	/* as the fixture left it */
	ASSERT_EQ(0, load_module());
	ASSERT_EQ(0, write_param("dummy_iterations", TEST_ITERATIONS));
	self->keyring = keyring_serial();
	ASSERT_EQ(0, provision("alice", "alice-pw", ALICE_UID, false, out))
		TH_LOG("%s", out);
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS,
		   direct_logon_once("alice", "alice-pw"));
}

/*
 * pam_faillock's rule: deny (3) failures within fail_interval lock the
 * name out, counted when each check starts (3 at once count 3); then
 * even the right password gets LOGON_FAILURE, until the parameter unlock
 * or unlock_time. A success forgets the failures.
 */
TEST_F_TIMEOUT(pam, failures_lock_the_account_out, 60)
{
	struct timed_logon t[3];
	struct direct d = { .fd = -1, .page = MAP_FAILED };
	char out[OUT_MAX];
	pthread_t th[3];
	int i;

	EXPECT_EQ(0, write_param("fail_delay_ms", "200"));
	for (i = 0; i < 3; i++) {
		t[i] = (struct timed_logon){ .user = "alice",
					    .password = "alice-pX" };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, timed_logon_thread,
					    &t[i]));
	}
	for (i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE, t[i].res);
	}
	ASSERT_EQ(0, direct_open(&d));
	/* locked out: the right password fails too */
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   direct_logon(&d, "alice", "alice-pw"));
	/* the lockout is per name */
	ASSERT_EQ(0, provision("carol", "carol-pw", CAROL_UID, false, out))
		TH_LOG("%s", out);
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS,
		   direct_logon(&d, "carol", "carol-pw"));
	/* unlocked by hand */
	EXPECT_EQ(0, write_param("unlock", "alice"));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS,
		   direct_logon(&d, "alice", "alice-pw"));
	/* a success forgot the failures: 2 more and the right one work */
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   direct_logon(&d, "alice", "alice-pX"));
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   direct_logon(&d, "alice", "alice-pX"));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS,
		   direct_logon(&d, "alice", "alice-pw"));
	/* an unknown name locks the same way: nothing tells it apart */
	for (i = 0; i < 3; i++)
		EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
			   direct_logon(&d, "mallory", "x"));
	/* unlock_time ends a lockout */
	EXPECT_EQ(0, write_param("unlock_time", "1"));
	for (i = 0; i < 3; i++)
		EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
			   direct_logon(&d, "alice", "alice-pX"));
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   direct_logon(&d, "alice", "alice-pw"));
	cb_msleep(1500);
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS,
		   direct_logon(&d, "alice", "alice-pw"));
	/* deny=0: no lockout */
	EXPECT_EQ(0, write_param("deny", "0"));
	for (i = 0; i < 4; i++)
		EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
			   direct_logon(&d, "alice", "alice-pX"));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS,
		   direct_logon(&d, "alice", "alice-pw"));
	direct_close(&d);
}

/*
 * An unknown name costs what a known one costs, whatever iteration counts
 * the keyring holds: every check does dummy_iterations (8000) PBKDF2
 * iterations - a verifier of 2000 runs on to 8000, one of 16000 is refused
 * and checked like an unknown name - counted exactly by iterations_done,
 * and timed (wrong passwords, no delay, no lockout). Under TCG on a
 * shared machine time is noisy (the guest's clock runs on while the host
 * runs other work), so the counter is what is asserted; the minimum and
 * the median of the rounds' times are logged.
 */
#define COST_ROUNDS 15
TEST_F_TIMEOUT(pam, unknown_user_costs_what_a_known_one_costs, 120)
{
	static const char *const users[] = { "nosuchuser", "light", "equal",
					     "heavy" };
	long long us[4][COST_ROUNDS], med[4], min[4], before, delta;
	struct direct d = { .fd = -1, .page = MAP_FAILED };
	char out[OUT_MAX];
	int u, r, i, j, k;

	EXPECT_EQ(0, write_param("fail_delay_ms", "0"));
	EXPECT_EQ(0, write_param("deny", "0"));
	ASSERT_EQ(0, write_param("dummy_iterations", "8000"));
	ASSERT_EQ(0, provision_it("light", "light-pw", "1003", "2000", false,
				  out)) TH_LOG("%s", out);
	ASSERT_EQ(0, provision_it("equal", "equal-pw", "1004", "8000", false,
				  out)) TH_LOG("%s", out);
	ASSERT_EQ(0, provision_it("heavy", "heavy-pw", "1005", "16000", false,
				  out)) TH_LOG("%s", out);
	ASSERT_EQ(0, direct_open(&d));
	/* the right passwords work, but for the refused verifier */
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS,
		   direct_logon(&d, "light", "light-pw"));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS,
		   direct_logon(&d, "equal", "equal-pw"));
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   direct_logon(&d, "heavy", "heavy-pw"));

	for (r = 0; r < COST_ROUNDS; r++) {
		/* each round starts with another user: no order bias */
		for (k = 0; k < 4; k++) {
			long long start;
			struct cb_res res;

			u = (r + k) % 4;
			before = iterations_done();
			start = now_us();
			res = direct_logon(&d, users[u], "wrong-pw");
			us[u][r] = now_us() - start;
			delta = iterations_done() - before;
			EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE, res);
			EXPECT_LE(0, before) TH_LOG("no counter iterations_done");
			EXPECT_EQ(8000, delta)
				TH_LOG("%s: %lld iterations", users[u], delta);
		}
	}
	direct_close(&d);
	/* medians */
	for (u = 0; u < 4; u++) {
		for (i = 0; i < COST_ROUNDS; i++)
			for (j = i + 1; j < COST_ROUNDS; j++)
				if (us[u][j] < us[u][i]) {
					long long x = us[u][i];

					us[u][i] = us[u][j];
					us[u][j] = x;
				}
		med[u] = us[u][COST_ROUNDS / 2];
		min[u] = us[u][0];
	}
	TH_LOG("us of a check, min/median: unknown %lld/%lld, 2000-iteration verifier %lld/%lld, 8000 %lld/%lld, 16000 (refused) %lld/%lld",
	       min[0], med[0], min[1], med[1], min[2], med[2], min[3], med[3]);
	for (u = 1; u < 4; u++) {
		double pct = min[0] ? (min[u] - min[0]) * 100.0 / min[0] : 0;
		double mpct = med[0] ? (med[u] - med[0]) * 100.0 / med[0] : 0;

		TH_LOG("%s: %+.1f %% (median %+.1f %%) of an unknown name's time",
		       users[u], pct, mpct);
		/*
		 * logged, not asserted: the counter above is the exact check,
		 * and on this shared 2-core machine the same 8000 iterations
		 * took 37 to 99 ms in one run (6.1)
		 */
	}
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
