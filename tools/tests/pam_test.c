// SPDX-License-Identifier: GPL-2.0
/*
 * Host-run unit test of pam_clientbuf.so with cwrap's pam_wrapper and
 * libpamtest; prints TAP.
 *
 * pam_wrapper (LD_PRELOAD=libpam_wrapper.so, PAM_WRAPPER=1) makes libpam
 * read the service files of a directory of ours; libpamtest runs
 * pam_authenticate() and pam_acct_mgmt() with a scripted conversation. No
 * /dev/clientbuf is needed: the services name a regular file of ours as
 * device=, and this program defines ioctl() (exported with -rdynamic, so
 * the dlopen()ed module binds to it) to play clientbuf and the
 * passwd_logon package on that file. The fake checks what the module
 * sends (the password in a registered READ buffer, the submit layout) and
 * whether the password buffer is all zero when it is unregistered. The
 * module's pam_syslog() lines are what pam_wrapper prints on stderr
 * (PAM_WRAPPER_DEBUGLEVEL=2: LOG_NOTICE and above); each test reads
 * them back from a file.
 *
 * Usage: pam_test PATH/TO/pam_clientbuf.so
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "clientbuf.h"
#include "clientbuf_passwd.h"
#include "tap.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- what the module logs ---------------------------------------------- */

static char logged[8192];

static void log_reset(void)
{
	logged[0] = 0;
}

static int saved_stderr = -1;

/* stderr into a temporary file until log_collect() */
static void log_capture(void)
{
	FILE *f = tmpfile();

	fflush(stderr);
	saved_stderr = dup(2);
	if (f) {
		dup2(fileno(f), 2);
		fclose(f);
	}
}

/* what was written to stderr since log_capture(), into logged[] */
static void log_collect(void)
{
	ssize_t n;

	fflush(stderr);
	n = pread(2, logged, sizeof(logged) - 1, 0);
	logged[n > 0 ? n : 0] = 0;
	if (saved_stderr >= 0) {
		dup2(saved_stderr, 2);
		close(saved_stderr);
		saved_stderr = -1;
	}
}

/* ---- the fake device -------------------------------------------------- */

static dev_t fake_dev;
static ino_t fake_ino;

static struct {
	void *addr;		/* the registered buffer, NULL if none */
	size_t len;
	unsigned int flags;
	int calls;		/* CALL_PACKAGE ioctls */
	int registered;		/* REGISTER ioctls */
	int unregistered;	/* UNREGISTER ioctls */
	int scrubbed;		/* ... of which found the buffer all zero */
	char password[PASSWD_LOGON_PASSWORD_MAX + 1];	/* last one seen */
	char user[PASSWD_LOGON_USER_LEN];
	__u32 op;
	char package[CLIENTBUF_PACKAGE_NAME_MAX];	/* last one called */
	bool bad_submit;	/* a malformed submit was seen */
} fake;

static void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
}

static bool is_fake(int fd)
{
	struct stat st;

	return fake_ino && !fstat(fd, &st) && st.st_dev == fake_dev &&
	       st.st_ino == fake_ino;
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i])
			return false;
	return true;
}

/* The fake passwd_logon package. */
static __u32 fake_package(const struct passwd_logon_submit *s)
{
	static const struct {
		const char *user, *password;
		__u32 answer;		/* for the right password */
		__u32 account;
	} users[] = {
		{ "alice", "alice-secret", CLIENTBUF_STATUS_SUCCESS,
		  CLIENTBUF_STATUS_SUCCESS },
		{ "bob", "bob-secret", CLIENTBUF_STATUS_ACCOUNT_DISABLED,
		  CLIENTBUF_STATUS_ACCOUNT_DISABLED },
		{ "carol", "carol-secret", CLIENTBUF_STATUS_QUOTA_EXCEEDED,
		  CLIENTBUF_STATUS_QUOTA_EXCEEDED },
		{ "dave", "dave-secret", CLIENTBUF_STATUS_WRONG_PASSWORD,
		  CLIENTBUF_STATUS_SUCCESS },
	};
	const char *pw;
	size_t i;

	fake.op = s->op;
	memcpy(fake.user, s->user, sizeof(fake.user));
	fake.user[sizeof(fake.user) - 1] = 0;
	if (s->flags || s->reserved || !s->user[0] ||
	    s->user[PASSWD_LOGON_USER_LEN - 1]) {
		fake.bad_submit = true;
		return CLIENTBUF_STATUS_INVALID_PARAMETER;
	}
	if (s->op == PASSWD_LOGON_OP_LOGON) {
		/* copy_from_client_buffer(): inside the READ buffer only */
		if (!fake.addr || !(fake.flags & CLIENTBUF_BUF_READ) ||
		    s->password_addr < (uintptr_t)fake.addr ||
		    s->password_addr + s->password_len >
		    (uintptr_t)fake.addr + fake.len ||
		    s->password_len > PASSWD_LOGON_PASSWORD_MAX) {
			fake.bad_submit = true;
			return CLIENTBUF_STATUS_ACCESS_VIOLATION;
		}
		pw = (const char *)(uintptr_t)s->password_addr;
		memcpy(fake.password, pw, s->password_len);
		fake.password[s->password_len] = 0;
	} else if (s->op != PASSWD_LOGON_OP_ACCOUNT || s->password_addr ||
		   s->password_len) {
		fake.bad_submit = true;
		return CLIENTBUF_STATUS_INVALID_PARAMETER;
	}
	for (i = 0; i < ARRAY_SIZE(users); i++) {
		if (strcmp(s->user, users[i].user))
			continue;
		if (s->op == PASSWD_LOGON_OP_ACCOUNT)
			return users[i].account;
		return strcmp(fake.password, users[i].password) ?
		       CLIENTBUF_STATUS_LOGON_FAILURE : users[i].answer;
	}
	return CLIENTBUF_STATUS_NO_SUCH_USER;
}

static int fake_ioctl(unsigned long cmd, void *arg)
{
	struct clientbuf_register *r = arg;
	struct clientbuf_unregister *u = arg;
	struct clientbuf_call *c = arg;
	__u32 st;

	switch (cmd) {
	case CLIENTBUF_IOC_REGISTER:
		fake.registered++;
		if (r->size != sizeof(*r) || fake.addr) {
			errno = EINVAL;
			return -1;
		}
		fake.addr = (void *)(uintptr_t)r->addr;
		fake.len = r->len;
		fake.flags = r->flags;
		r->id = 1;
		r->status = CLIENTBUF_STATUS_SUCCESS;
		return 0;
	case CLIENTBUF_IOC_UNREGISTER:
		fake.unregistered++;
		if (u->id != 1 || !fake.addr) {
			u->status = CLIENTBUF_STATUS_INVALID_HANDLE;
			errno = ENOENT;
			return -1;
		}
		if (all_zero(fake.addr, fake.len))
			fake.scrubbed++;
		fake.addr = NULL;
		u->status = CLIENTBUF_STATUS_SUCCESS;
		return 0;
	case CLIENTBUF_IOC_CALL_PACKAGE:
		fake.calls++;
		memcpy(fake.package, c->package, sizeof(fake.package));
		fake.package[sizeof(fake.package) - 1] = 0;
		if (strcmp(c->package, PASSWD_LOGON_PACKAGE))
			st = CLIENTBUF_STATUS_NO_SUCH_PACKAGE;
		else if (c->submit_len != sizeof(struct passwd_logon_submit))
			st = CLIENTBUF_STATUS_INVALID_PARAMETER;
		else
			st = fake_package((const void *)(uintptr_t)
					  c->submit_addr);
		c->status = st;
		c->protocol_status = st;
		if (clientbuf_nt_success(st))
			return 0;
		errno = -clientbuf_status_to_errno(st);
		return -1;
	default:
		errno = ENOTTY;
		return -1;
	}
}

/* Every ioctl() of this process, the PAM module's included. */
int ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (is_fake(fd))
		return fake_ioctl(cmd, arg);
	return (int)syscall(SYS_ioctl, fd, cmd, arg);
}

/* ---- the services ------------------------------------------------------- */

static char dir[256];

static void write_file(const char *name, const char *fmt, ...)
{
	char path[512];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void write_services(const char *so)
{
	write_file("pcb", "auth required %s package=passwd_logon device=%s/dev debug\n"
		   "account required %s package=passwd_logon device=%s/dev\n",
		   so, dir, so, dir);
	write_file("pcb_nopkg", "auth required %s package=no_such_package device=%s/dev\n",
		   so, dir);
	write_file("pcb_nodev", "auth required %s package=passwd_logon device=%s/missing\n"
		   "account required %s package=passwd_logon device=%s/missing\n",
		   so, dir, so, dir);
	write_file("pcb_noarg", "auth required %s device=%s/dev\n", so, dir);
	write_file("pcb_notdev", "auth required %s package=passwd_logon device=/dev/null\n",
		   so);
	write_file("pcb_nullok", "auth required %s package=passwd_logon device=%s/dev nullok\n",
		   so, dir);
	/* every documented option, and libpam's own */
	write_file("pcb_opts", "auth required %s package=passwd_logon device=%s/dev debug timeout=5 nullok try_first_pass\n"
		   "auth required %s package=passwd_logon device=%s/dev use_first_pass use_authtok authtok_type=UNIX\n"
		   "account required %s package=passwd_logon device=%s/dev timeout=1 debug\n",
		   so, dir, so, dir, so, dir);
	write_file("pcb_bogus", "auth required %s package=passwd_logon device=%s/dev bogus_option\n",
		   so, dir);
	write_file("pcb_badtimeout", "auth required %s package=passwd_logon device=%s/dev timeout=0\n",
		   so, dir);
	write_file("other", "");
	write_file("dev", "not a device\n");
}

static void remove_services(void)
{
	static const char *const names[] = {
		"pcb", "pcb_nopkg", "pcb_nodev", "pcb_noarg", "pcb_notdev",
		"pcb_nullok", "pcb_opts", "pcb_bogus", "pcb_badtimeout",
		"other", "dev",
	};
	char path[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* pam_authenticate() of @user with @password through @service. */
static int auth(const char *service, const char *user, const char *password,
		int op)
{
	const char *echo_off[] = { password, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = echo_off };
	struct pam_testcase tc[] = { pam_test(PAMTEST_AUTHENTICATE, 0) };
	enum pamtest_err err;

	tc[0].pam_operation = op;
	fake_reset();
	log_reset();
	log_capture();
	err = run_pamtest(service, user, &conv, tc, NULL);
	log_collect();
	if (err != PAMTEST_ERR_OK && err != PAMTEST_ERR_CASE) {
		printf("# run_pamtest: %s\n", pamtest_strerror(err));
		return -1;
	}
	return tc[0].op_rv;
}

static void expect_auth(const char *service, const char *user,
			const char *password, int want, const char *what)
{
	int got = auth(service, user, password, PAMTEST_AUTHENTICATE);
	bool reached = !strcmp(fake.package, PASSWD_LOGON_PACKAGE);
	bool call_ok = fake.calls == 1 && !fake.bad_submit &&
		       (!reached || (fake.op == PASSWD_LOGON_OP_LOGON &&
				     !strcmp(fake.user, user) &&
				     !strcmp(fake.password, password))) &&
		       fake.registered == 1 && fake.unregistered == 1 &&
		       fake.scrubbed == 1 && fake.flags == CLIENTBUF_BUF_READ;

	check(got == want && call_ok,
	      "%s: %s/%s gives %s; one call, password in a READ buffer, scrubbed before unregister",
	      what, service, user, pam_strerror(NULL, want));
	if (got != want || !call_ok)
		printf("#   got %d (%s); calls %d registered %d unregistered %d scrubbed %d bad_submit %d flags %#x user \"%s\" password \"%s\"\n",
		       got, got >= 0 ? pam_strerror(NULL, got) : "-",
		       fake.calls, fake.registered, fake.unregistered,
		       fake.scrubbed, fake.bad_submit, fake.flags, fake.user,
		       fake.password);
}

static void expect_account(const char *user, int want, const char *what)
{
	int got = auth("pcb", user, "unused", PAMTEST_ACCOUNT);
	bool call_ok = fake.calls == 1 && !fake.bad_submit &&
		       fake.op == PASSWD_LOGON_OP_ACCOUNT &&
		       !strcmp(fake.user, user) && !fake.registered;

	check(got == want && call_ok,
	      "%s: account of %s gives %s; one ACCOUNT call, no password buffer",
	      what, user, pam_strerror(NULL, want));
	if (got != want || !call_ok)
		printf("#   got %d; calls %d registered %d bad_submit %d op %u\n",
		       got, fake.calls, fake.registered, fake.bad_submit,
		       fake.op);
}

/* A failure before any call: nothing registered, no call. */
static void expect_early(const char *service, const char *user,
			 const char *password, int op, int want,
			 const char *what)
{
	int got = auth(service, user, password, op);

	check(got == want && !fake.calls && !fake.registered,
	      "%s: %s gives %s, no call made", what, service,
	      pam_strerror(NULL, want));
	if (got != want || fake.calls || fake.registered)
		printf("#   got %d; calls %d registered %d\n", got, fake.calls,
		       fake.registered);
}

int main(int argc, char **argv)
{
	struct stat st;
	char path[512];

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH/TO/pam_clientbuf.so\n", argv[0]);
		return 2;
	}
	if (!getenv("PAM_WRAPPER")) {
		/* again, with pam_wrapper preloaded and our service dir */
		char tmpl[] = "/tmp/pam_clientbuf_test.XXXXXX";
		char so[4096];

		void *pw = dlopen("libpam_wrapper.so", RTLD_NOW | RTLD_LOCAL);

		if (!pw) {
			/* a SKIP with its reason, not a pass */
			printf("1..0 # SKIP libpam_wrapper.so (Debian's libpam-wrapper) not found: %s\n",
			       dlerror());
			return 0;
		}
		dlclose(pw);
		if (!realpath(argv[1], so) || !mkdtemp(tmpl)) {
			perror(argv[1]);
			return 1;
		}
		snprintf(dir, sizeof(dir), "%s", tmpl);
		write_services(so);
		setenv("PAM_WRAPPER", "1", 1);
		setenv("PAM_WRAPPER_SERVICE_DIR", dir, 1);
		setenv("LD_PRELOAD", "libpam_wrapper.so", 1);
		setenv("PAM_WRAPPER_DEBUGLEVEL", "2", 1);
		fflush(stdout);
		execv("/proc/self/exe", argv);
		perror("execv");
		return 1;
	}
	printf("TAP version 13\n");
	snprintf(dir, sizeof(dir), "%s", getenv("PAM_WRAPPER_SERVICE_DIR"));
	snprintf(path, sizeof(path), "%s/dev", dir);
	if (stat(path, &st)) {
		perror(path);
		return 1;
	}
	fake_dev = st.st_dev;
	fake_ino = st.st_ino;

	expect_auth("pcb", "alice", "alice-secret", PAM_SUCCESS,
		    "right password");
	expect_auth("pcb", "alice", "wrong", PAM_AUTH_ERR, "wrong password");
	expect_early("pcb", "alice", "", PAMTEST_AUTHENTICATE, PAM_AUTH_ERR,
		     "empty password without nullok");
	check(strstr(logged, "empty password (no nullok)") != NULL,
	      "empty password without nullok: logged as such");
	expect_auth("pcb_nullok", "alice", "", PAM_AUTH_ERR,
		    "empty password with nullok (the package refuses it)");
	expect_auth("pcb", "nobody-here", "x", PAM_USER_UNKNOWN,
		    "STATUS_NO_SUCH_USER");
	/* auth answers authentication results only; account tells expiry */
	expect_auth("pcb", "bob", "bob-secret", PAM_AUTH_ERR,
		    "STATUS_ACCOUNT_DISABLED (auth)");
	expect_auth("pcb", "dave", "dave-secret", PAM_AUTH_ERR,
		    "STATUS_WRONG_PASSWORD");
	expect_auth("pcb", "carol", "carol-secret", PAM_AUTHINFO_UNAVAIL,
		    "another status (STATUS_QUOTA_EXCEEDED, auth)");
	expect_auth("pcb_nopkg", "alice", "alice-secret", PAM_AUTHINFO_UNAVAIL,
		    "STATUS_NO_SUCH_PACKAGE");

	expect_account("alice", PAM_SUCCESS, "account usable");
	expect_account("bob", PAM_ACCT_EXPIRED, "account disabled");
	expect_account("nobody-here", PAM_USER_UNKNOWN, "account unknown");

	expect_early("pcb_nodev", "alice", "alice-secret", PAMTEST_AUTHENTICATE, PAM_AUTHINFO_UNAVAIL,
		     "no device (auth)");
	expect_early("pcb_nodev", "alice", "alice-secret", PAMTEST_ACCOUNT, PAM_AUTHINFO_UNAVAIL,
		     "no device (account)");
	expect_early("pcb_noarg", "alice", "alice-secret", PAMTEST_AUTHENTICATE, PAM_SERVICE_ERR,
		     "no package= argument");
	expect_early("pcb_notdev", "alice", "alice-secret", PAMTEST_AUTHENTICATE, PAM_AUTHINFO_UNAVAIL,
		     "device= not a clientbuf device (auth)");
	expect_early("pcb_badtimeout", "alice", "alice-secret", PAMTEST_AUTHENTICATE, PAM_SERVICE_ERR,
		     "timeout=0");

	/* options: the documented ones and libpam's, without a word */
	{
		int got = auth("pcb_opts", "alice", "alice-secret",
			       PAMTEST_AUTHENTICATE);

		check(got == PAM_SUCCESS && fake.calls == 2 &&
		      !strstr(logged, "unknown option"),
		      "debug timeout= nullok use_first_pass try_first_pass use_authtok authtok_type= accepted quietly (auth)");
		if (got != PAM_SUCCESS || fake.calls != 2 ||
		    strstr(logged, "unknown option"))
			printf("#   got %d, calls %d, logged:\n%s", got,
			       fake.calls, logged);
		got = auth("pcb_opts", "alice", "x", PAMTEST_ACCOUNT);
		check(got == PAM_SUCCESS && !strstr(logged, "unknown option"),
		      "timeout= debug accepted quietly (account)");
		got = auth("pcb_bogus", "alice", "alice-secret",
			   PAMTEST_AUTHENTICATE);
		check(got == PAM_SUCCESS &&
		      strstr(logged, "unknown option: bogus_option"),
		      "an unknown option is logged (and ignored)");
		if (!strstr(logged, "unknown option: bogus_option"))
			printf("#   logged:\n%s", logged);
	}

	{
		char long_user[PASSWD_LOGON_USER_LEN + 1];
		char long_pw[PASSWD_LOGON_PASSWORD_MAX + 2];

		memset(long_user, 'u', PASSWD_LOGON_USER_LEN);
		long_user[PASSWD_LOGON_USER_LEN] = 0;
		expect_early("pcb", long_user, "x", PAMTEST_AUTHENTICATE,
			     PAM_USER_UNKNOWN, "user name of 64 bytes");
		memset(long_pw, 'p', PASSWD_LOGON_PASSWORD_MAX + 1);
		long_pw[PASSWD_LOGON_PASSWORD_MAX + 1] = 0;
		expect_early("pcb", "alice", long_pw, PAMTEST_AUTHENTICATE,
			     PAM_AUTH_ERR, "password of 513 bytes");
	}

	remove_services();
	return tap_done();
}
