// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_login - the login programs users run, through pam_clientbuf.so:
 * Debian's su (util-linux; as root, and as an unprivileged user through the
 * setuid binary), "su -" (PAM service su-l), login (shadow) and OpenSSH's
 * sshd (UsePAM yes) with sshpass + ssh on 127.0.0.1, each with the right and
 * a wrong password. The PAM services are the documented ones
 * (selftests/pam.d/su, su-l, login, sshd: Documentation/pam.rst includes
 * them, tools/tests/doc_pam.sh holds the README to them), naming the
 * package passwd_logon, which two variants provide:
 *
 *   kernel     clientbuf_passwd.ko, verifiers in its keyring
 *              ("clientbuf passwd")
 *   userspace  "clientbuf serve --passwd=DIR passwd_logon" (the module
 *              unloaded), verifiers in DIR ("clientbuf passwd --payload")
 *
 * The initramfs carries the real programs with their libraries, su's
 * setuid bit, PAM modules, an sshd host key of mode 0600, /etc/passwd,
 * shadow, group, nsswitch.conf (scripts/mkinitramfs.sh, "login
 * programs"). Each login's transcript is printed ("# " lines).
 *
 * Users: alice (1000, password "alice-pw"), bob (1002, "bob-pw", his
 * verifier disabled), user1 (1001, runs the setuid su).
 *
 * login_srv calls "clientbuf serve --passwd" directly: every answer with
 * its errno and NTSTATUS, the verifier file rules, and that a caller
 * without CAP_SYS_ADMIN may check only its own account; and the kernel
 * sample's rules it keeps (Documentation/pam.rst): failures answered
 * --fail-delay-ms late while other calls are answered, the lockout after
 * --deny failures, the same iteration count for every check (its printed
 * counts, asserted exactly), the log lines with the caller's uid and
 * their rate limit.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pty.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "../samples/clientbuf_passwd.h"
#include "clientbuf_srv_util.h"

#define SU		"/usr/bin/su"
#define LOGIN		"/usr/bin/login"
#define SSHD		"/usr/sbin/sshd"
#define SSH		"/usr/bin/ssh"
#define SSHPASS		"/usr/bin/sshpass"
#define CLI		"/bin/clientbuf"
#define PASSWD_MODULE	"clientbuf_passwd"
#define PASSWD_KO	"/lib/clientbuf/" PASSWD_MODULE ".ko"
#define PARAMS		"/sys/module/" PASSWD_MODULE "/parameters/"
#define VERIFIERS	"/run/clientbuf-verifiers"
#define SERVER_LOG	"/tmp/clientbuf-login-server.log"
#define SSHD_LOG	"/tmp/clientbuf-login-sshd.log"
#define USER1		1001
#define ITERATIONS	"1000"

#define OUT_MAX		8192

struct login_run {
	int status;		/* exit status, -1 if killed or not exited */
	char out[OUT_MAX];	/* what the program printed */
};

static void print_transcript(const char *what, const struct login_run *r)
{
	const char *p = r->out, *nl;

	printf("# --- %s (exit %d) ---\n", what, r->status);
	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		/* the pty's carriage returns */
		printf("#   %.*s\n", (int)(nl - p - (nl > p && nl[-1] == '\r')),
		       p);
		p = *nl ? nl + 1 : nl;
	}
	fflush(stdout);
}

/*
 * Run @argv on a new pty as its controlling terminal, as uid @uid (or
 * root if 0). The first "assword:" prompt is answered with @password; if
 * @then is given, it is typed once a shell prompt ("$ ") follows. A
 * "Login incorrect" ends the run (login would ask again). At most
 * @timeout_s seconds.
 */
static void pty_run(char *const argv[], uid_t uid, const char *password,
		    const char *then, int timeout_s, struct login_run *r)
{
	size_t n = 0, answered = 0;
	bool sent_pw = false, sent_then = false;
	struct timeval start, now;
	int master, status;
	pid_t pid;

	r->status = -1;
	r->out[0] = 0;
	pid = forkpty(&master, NULL, NULL, NULL);
	if (pid < 0) {
		snprintf(r->out, sizeof(r->out), "forkpty: %s", strerror(errno));
		return;
	}
	if (!pid) {
		if (uid && (setgid(uid) || setuid(uid)))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	gettimeofday(&start, NULL);
	for (;;) {
		struct pollfd pfd = { .fd = master, .events = POLLIN };
		ssize_t got;

		gettimeofday(&now, NULL);
		if (now.tv_sec - start.tv_sec > timeout_s) {
			strncat(r->out, "\n[timed out]", sizeof(r->out) - n - 1);
			break;
		}
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		got = read(master, r->out + n, sizeof(r->out) - 1 - n);
		if (got <= 0)
			break;		/* EIO: the program and its children exited */
		n += got;
		r->out[n] = 0;
		if (!sent_pw && strstr(r->out, "assword:")) {
			dprintf(master, "%s\n", password);
			sent_pw = true;
			answered = n;
		} else if (sent_pw && then && !sent_then &&
			   strstr(r->out + answered, "$ ")) {
			dprintf(master, "%s\n", then);
			sent_then = true;
		}
		if (sent_pw && strstr(r->out + answered, "Login incorrect"))
			break;
		if (n == sizeof(r->out) - 1)
			break;
	}
	close(master);
	if (waitpid(pid, &status, WNOHANG) == pid ||
	    (usleep(500 * 1000), waitpid(pid, &status, WNOHANG) == pid)) {
		r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		return;
	}
	cb_kill_child(pid);
}

/* Run @argv (no pty), stdout and stderr into @r, at most @timeout_s s. */
static void plain_run(char *const argv[], int timeout_s, struct login_run *r)
{
	int p[2], status, i;
	size_t n = 0;
	pid_t pid;

	r->status = -1;
	r->out[0] = 0;
	if (pipe2(p, O_CLOEXEC))
		return;
	pid = fork();
	if (pid < 0)
		return;
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (i = 0; i < timeout_s * 10; i++) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		ssize_t got;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		got = read(p[0], r->out + n, sizeof(r->out) - 1 - n);
		if (got <= 0)
			break;
		n += got;
		r->out[n] = 0;
	}
	close(p[0]);
	if (i == timeout_s * 10) {
		cb_kill_child(pid);
		strncat(r->out, "\n[timed out]", sizeof(r->out) - n - 1);
		return;
	}
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		r->status = WEXITSTATUS(status);
}

/* Run @argv with @input on stdin; the exit status, output into @out. */
static int run_input(const char *input, char *out, size_t size,
		     char *const argv[])
{
	return cb_run_cmd(input, input ? strlen(input) : 0, out, size, argv);
}

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

static int load_module(void)
{
	int fd, ret;

	if (!access("/sys/module/" PASSWD_MODULE, F_OK))
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

	for (i = 0; i < 30; i++) {
		if (!syscall(SYS_delete_module, PASSWD_MODULE, O_NONBLOCK) ||
		    errno == ENOENT)
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -errno;
		usleep(100 * 1000);
	}
	return -EBUSY;
}

/*
 * A verifier for @user derived with @iterations: into the keyring, or
 * (@dir) into @dir/@user.
 */
static int provision_iter(const char *user, const char *password,
			  bool disabled, const char *dir, const char *iterations,
			  char *out)
{
	char input[128], path[256], iter[64];
	char *argv[8];
	int i = 0, fd, ret;

	snprintf(iter, sizeof(iter), "--iterations=%s", iterations);
	argv[i++] = CLI;
	argv[i++] = "passwd";
	argv[i++] = iter;
	if (disabled)
		argv[i++] = "--disabled";
	if (dir)
		argv[i++] = "--payload";
	argv[i++] = (char *)user;
	argv[i] = NULL;
	snprintf(input, sizeof(input), "%s\n", password);
	if (!dir)
		return run_input(input, out, OUT_MAX, argv);

	/* the 64-byte payload, straight into the file */
	snprintf(path, sizeof(path), "%s/%s", dir, user);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	{
		char payload[OUT_MAX];

		ret = run_input(input, payload, sizeof(payload), argv);
		if (!ret && write(fd, payload, 64) != 64)
			ret = -1;
	}
	close(fd);
	out[0] = 0;
	return ret;
}

static int provision(const char *user, const char *password, bool disabled,
		     const char *dir, char *out)
{
	return provision_iter(user, password, disabled, dir, ITERATIONS, out);
}

/* ---- the fixture ---------------------------------------------------- */

FIXTURE(login) {
	pid_t server;
	pid_t sshd;
};

FIXTURE_VARIANT(login) {
	bool userspace;
};

FIXTURE_VARIANT_ADD(login, kernel) {
	.userspace = false,
};

FIXTURE_VARIANT_ADD(login, userspace) {
	.userspace = true,
};

/* Wait until @path contains @text (at most @tenths * 0.1 s). */
static bool wait_for_text(const char *path, const char *text, int tenths)
{
	char buf[4096];
	int i, fd;
	ssize_t n;

	for (i = 0; i < tenths; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 0) {
				buf[n] = 0;
				if (strstr(buf, text))
					return true;
			}
		}
		usleep(100 * 1000);
	}
	return false;
}

static void print_file(const char *what, const char *path)
{
	char buf[OUT_MAX];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	printf("# --- %s ---\n", what);
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
		printf("#   %s\n", l);
}

/* Start a child whose stdout and stderr go to @log. */
static pid_t spawn_logged(char *const argv[], const char *log)
{
	pid_t pid = fork();

	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		setsid();
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

FIXTURE_SETUP(login)
{
	char out[OUT_MAX];
	struct stat st;
	int ret;

	self->server = -1;
	self->sshd = -1;
	if (access(SU, X_OK) || access(LOGIN, X_OK) || access(SSHD, X_OK) ||
	    access(SSHPASS, X_OK) || access("/etc/pam.d/su", R_OK) ||
	    access(CLI, X_OK))
		SKIP(return, "su, login, sshd, sshpass, clientbuf or the PAM services not in this image");
	/* the image must keep su's setuid bit, and su must not be busybox */
	ASSERT_EQ(0, lstat(SU, &st));
	ASSERT_TRUE(S_ISREG(st.st_mode) && (st.st_mode & S_ISUID) &&
		    st.st_uid == 0) TH_LOG("%s: mode %o uid %u", SU,
					   st.st_mode, st.st_uid);
	/* the real programs, no busybox applet links in their place */
	ASSERT_EQ(0, lstat(LOGIN, &st));
	ASSERT_TRUE(S_ISREG(st.st_mode));
	ASSERT_EQ(0, lstat(SSHD, &st));
	ASSERT_TRUE(S_ISREG(st.st_mode));
	ASSERT_EQ(0, stat("/etc/ssh/ssh_host_ed25519_key", &st));
	ASSERT_EQ(0600, st.st_mode & 07777);

	if (!variant->userspace) {
		ret = load_module();
		ASSERT_EQ(0, ret) TH_LOG("loading %s: %s", PASSWD_KO,
					 strerror(-ret));
		ASSERT_EQ(0, write_param("dummy_iterations", ITERATIONS));
		/*
		 * Each test gives a wrong password to one or two programs:
		 * the failures of the tests before must not lock alice out
		 * (pam_faillock's rule, the module's deny=3).
		 */
		ASSERT_EQ(0, write_param("unlock", "*"));
		ASSERT_EQ(0, provision("alice", "alice-pw", false, NULL, out))
			TH_LOG("%s", out);
		ASSERT_EQ(0, provision("bob", "bob-pw", true, NULL, out))
			TH_LOG("%s", out);
	} else {
		char *serve[] = { CLI, "serve", "--passwd=" VERIFIERS,
				  "passwd_logon", NULL };

		/* the kernel package goes; the same name is served instead */
		ASSERT_EQ(0, unload_module());
		mkdir(VERIFIERS, 0700);
		ASSERT_EQ(0, chmod(VERIFIERS, 0700));
		ASSERT_EQ(0, provision("alice", "alice-pw", false, VERIFIERS,
				       out));
		ASSERT_EQ(0, provision("bob", "bob-pw", true, VERIFIERS, out));
		unlink(SERVER_LOG);	/* not the last test's "serving package" */
		self->server = spawn_logged(serve, SERVER_LOG);
		ASSERT_LT(0, self->server);
		ASSERT_TRUE(wait_for_text(SERVER_LOG, "serving package", 100))
			print_file("server", SERVER_LOG);
	}
}

FIXTURE_TEARDOWN(login)
{
	if (self->sshd > 0) {
		kill(-self->sshd, SIGTERM);
		cb_wait_child(self->sshd);
		print_file("sshd -e", SSHD_LOG);
	}
	if (self->server > 0) {
		kill(self->server, SIGTERM);
		cb_wait_child(self->server);
		print_file("clientbuf serve --passwd", SERVER_LOG);
		/* the kernel package back, as the other tests expect it */
		load_module();
	}
	if (!variant->userspace && !access(PARAMS "keyring", R_OK)) {
		char out[OUT_MAX], ring[32] = "";
		char *clear[] = { "/usr/bin/keyctl", "clear", ring, NULL };
		int fd = open(PARAMS "keyring", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			if (read(fd, ring, sizeof(ring) - 1) > 0)
				ring[strcspn(ring, "\n")] = 0;
			close(fd);
			run_input(NULL, out, sizeof(out), clear);
		}
		write_param("dummy_iterations", "4096");
	}
}

/* su USER -c 'id -un' as @uid: right password, then a wrong one. */
static void su_logins(struct __test_metadata *_metadata, bool dash, uid_t uid,
		      const char *label)
{
	struct login_run r;
	char *argv_l[] = { SU, "-", "alice", "-c", "id -un; pwd", NULL };
	char *argv[] = { SU, "alice", "-c", "id -un", NULL };
	char what[128];

	snprintf(what, sizeof(what), "%s, right password", label);
	pty_run(dash ? argv_l : argv, uid, "alice-pw", NULL, 60, &r);
	print_transcript(what, &r);
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "\nalice"));
	if (dash)	/* a login shell: in alice's home */
		EXPECT_NE(NULL, strstr(r.out, "/home/alice"));

	snprintf(what, sizeof(what), "%s, wrong password", label);
	pty_run(dash ? argv_l : argv, uid, "alice-px", NULL, 60, &r);
	print_transcript(what, &r);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.out, "su: Authentication failure"));
	EXPECT_EQ(NULL, strstr(r.out, "\nalice"));
}

TEST_F_TIMEOUT(login, su_as_root, 180)
{
	su_logins(_metadata, false, 0, "su alice (as root)");
}

TEST_F_TIMEOUT(login, su_setuid_as_user, 180)
{
	su_logins(_metadata, false, USER1,
		  "su alice (as user1, through the setuid binary)");
}

/* "su -" is the PAM service su-l on Debian */
TEST_F_TIMEOUT(login, su_dash_l, 180)
{
	su_logins(_metadata, true, USER1, "su - alice (service su-l)");
}

TEST_F_TIMEOUT(login, login_program, 180)
{
	char *argv[] = { LOGIN, "alice", NULL };
	struct login_run r;

	pty_run(argv, 0, "alice-pw", "id -un; exit", 60, &r);
	print_transcript("login alice, right password", &r);
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "\nalice"));

	pty_run(argv, 0, "alice-px", NULL, 60, &r);
	print_transcript("login alice, wrong password", &r);
	EXPECT_NE(NULL, strstr(r.out, "Login incorrect"));
	EXPECT_EQ(NULL, strstr(r.out, "\nalice"));
}

/*
 * sshd listens on 127.0.0.1: a kernel without IPv4 (the debug kernels of
 * make check-debug are built without CONFIG_INET) cannot run those tests.
 */
static bool have_ipv4(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return errno != EAFNOSUPPORT;
	close(fd);
	return true;
}

static void start_sshd(struct __test_metadata *_metadata,
		       FIXTURE_DATA(login) *self)
{
	char *argv[] = { SSHD, "-D", "-e", "-f", "/etc/ssh/sshd_config",
			 NULL };
	int i, fd;

	unlink(SSHD_LOG);
	self->sshd = spawn_logged(argv, SSHD_LOG);
	ASSERT_LT(0, self->sshd);
	/* listening once a connect() to 127.0.0.1:22 succeeds */
	for (i = 0; i < 300; i++) {
		struct sockaddr_in sa = {
			.sin_family = AF_INET,
			.sin_port = htons(22),
			.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		};

		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ASSERT_LE(0, fd);
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			close(fd);
			return;
		}
		close(fd);
		usleep(100 * 1000);
	}
	print_file("sshd -e", SSHD_LOG);
	ASSERT_TRUE(0) TH_LOG("sshd did not listen on 127.0.0.1:22");
}

/*
 * sshpass -p PASSWORD ssh USER@127.0.0.1 'id -un', with the method
 * "password" (sshd's PAM password path) or "keyboard-interactive" (the
 * PAM conversation through the monitor).
 */
static void ssh_login_method(const char *user, const char *password,
			     const char *method, struct login_run *r)
{
	char target[64], pref[64];
	char *argv[] = { SSHPASS, "-p", (char *)password, SSH,
			 "-o", "StrictHostKeyChecking=no",
			 "-o", "UserKnownHostsFile=/dev/null",
			 "-o", pref,
			 "-o", "PubkeyAuthentication=no",
			 "-o", "NumberOfPasswordPrompts=1",
			 "-o", "LogLevel=ERROR",
			 target, "id -un", NULL };

	snprintf(target, sizeof(target), "%s@127.0.0.1", user);
	snprintf(pref, sizeof(pref), "PreferredAuthentications=%s", method);
	plain_run(argv, 90, r);
}

static void ssh_login(const char *user, const char *password,
		      struct login_run *r)
{
	ssh_login_method(user, password, "password", r);
}

TEST_F_TIMEOUT(login, sshd_use_pam, 240)
{
	struct login_run r;

	if (!have_ipv4())
		SKIP(return, "no IPv4 in this kernel (CONFIG_INET is off)");
	start_sshd(_metadata, self);
	ssh_login("alice", "alice-pw", &r);
	print_transcript("ssh alice@127.0.0.1, right password", &r);
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "alice"));

	ssh_login("alice", "alice-px", &r);
	print_transcript("ssh alice@127.0.0.1, wrong password", &r);
	EXPECT_EQ(255, r.status);
	EXPECT_NE(NULL, strstr(r.out, "Permission denied"));

	/*
	 * A disabled account, right password: refused by auth as
	 * PAM_AUTH_ERR, so "Permission denied" (PAM_ACCT_EXPIRED from auth
	 * made sshd's monitor drop the connection).
	 */
	ssh_login("bob", "bob-pw", &r);
	print_transcript("ssh bob@127.0.0.1 (disabled), right password", &r);
	EXPECT_EQ(255, r.status);
	EXPECT_NE(NULL, strstr(r.out, "Permission denied"));
}

/*
 * keyboard-interactive: sshd runs the PAM conversation in a thread of its
 * own, and logs the PAM result of auth. A disabled account must be an
 * authentication failure there: auth returned PAM_ACCT_EXPIRED before
 * ("PAM: User account has expired for bob"), which is no authentication
 * result (a report saw sshd's monitor drop the connection on it).
 */
TEST_F_TIMEOUT(login, sshd_keyboard_interactive, 240)
{
	struct login_run r;

	if (!have_ipv4())
		SKIP(return, "no IPv4 in this kernel (CONFIG_INET is off)");
	start_sshd(_metadata, self);
	ssh_login_method("alice", "alice-pw", "keyboard-interactive", &r);
	print_transcript("ssh (keyboard-interactive) alice, right password",
			 &r);
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "alice"));

	ssh_login_method("alice", "alice-px", "keyboard-interactive", &r);
	print_transcript("ssh (keyboard-interactive) alice, wrong password",
			 &r);
	EXPECT_EQ(255, r.status);
	EXPECT_NE(NULL, strstr(r.out, "Permission denied"));

	ssh_login_method("bob", "bob-pw", "keyboard-interactive", &r);
	print_transcript("ssh (keyboard-interactive) bob (disabled), right password",
			 &r);
	EXPECT_EQ(255, r.status);
	EXPECT_NE(NULL, strstr(r.out, "Permission denied"));
	/* what sshd logged of auth's result for bob */
	EXPECT_TRUE(wait_for_text(SSHD_LOG,
				  "PAM: Authentication failure for bob", 50));
	EXPECT_FALSE(wait_for_text(SSHD_LOG, "has expired", 1));
}

/* Four logins at once: each gets its own answer. */
TEST_F_TIMEOUT(login, sshd_four_at_once, 240)
{
	struct login_run *r;
	pid_t pids[4];
	int i;

	r = mmap(NULL, sizeof(*r) * 4, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	if (!have_ipv4())
		SKIP(return, "no IPv4 in this kernel (CONFIG_INET is off)");
	start_sshd(_metadata, self);
	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			ssh_login("alice", i % 2 ? "alice-px" : "alice-pw",
				  &r[i]);
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, cb_wait_child(pids[i]));
	for (i = 0; i < 4; i++) {
		print_transcript(i % 2 ? "at once: wrong" : "at once: right",
				 &r[i]);
		EXPECT_EQ(i % 2 ? 255 : 0, r[i].status);
	}
	munmap(r, sizeof(*r) * 4);
}

/* ---- clientbuf serve --passwd, called directly ---------------------- */

#define SRV_DIR		"/run/clientbuf-verifiers-direct"
#define SRV_PKG		"test_passwd_cli"
#define SRV_LOG		"/tmp/clientbuf-login-direct.log"
#define SRV_PID		"/tmp/clientbuf-login-direct.pid"

FIXTURE(login_srv) {
	pid_t server;
};

/*
 * The harness skips the teardown of a test that ended on a failed ASSERT
 * (kselftest_harness.h: its fork's "child" is not kept across the
 * longjmp): a server such a test started would hold SRV_PKG for every
 * test after it. End it by the pid its start recorded.
 */
static void srv_kill_stale(void)
{
	char path[64], stat[256];
	int fd, i;
	long pid;
	FILE *f = fopen(SRV_PID, "re");

	if (!f)
		return;
	if (fscanf(f, "%ld", &pid) != 1 || pid <= 1) {
		fclose(f);
		return;
	}
	fclose(f);
	unlink(SRV_PID);
	kill((pid_t)pid, SIGKILL);
	/* gone, or a zombie: its server fd is closed, the package ended */
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	for (i = 0; i < 50; i++) {
		ssize_t n;

		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		n = read(fd, stat, sizeof(stat) - 1);
		close(fd);
		if (n <= 0)
			return;
		stat[n] = 0;
		if (strstr(stat, ") Z ") || strstr(stat, ") X "))
			return;
		usleep(100 * 1000);
	}
}

static void srv_record(pid_t pid)
{
	FILE *f = fopen(SRV_PID, "we");

	if (!f)
		return;
	fprintf(f, "%d\n", (int)pid);
	fclose(f);
}

FIXTURE_SETUP(login_srv)
{
	char *serve[] = { CLI, "serve", "--passwd=" SRV_DIR, SRV_PKG, NULL };
	char out[OUT_MAX];

	self->server = -1;
	if (access(CLI, X_OK))
		SKIP(return, CLI " not in this image");
	mkdir(SRV_DIR, 0700);
	ASSERT_EQ(0, chmod(SRV_DIR, 0700));
	ASSERT_EQ(0, provision("alice", "alice-pw", false, SRV_DIR, out));
	ASSERT_EQ(0, provision("bob", "bob-pw", true, SRV_DIR, out));
	ASSERT_EQ(0, provision("user1", "user1-pw", false, SRV_DIR, out));
	ASSERT_EQ(0, provision("carol", "carol-pw", false, SRV_DIR, out));
	ASSERT_EQ(0, chmod(SRV_DIR "/carol", 0644));
	/*
	 * The log of the test before says "serving package" too: without
	 * the unlink, the wait below could end before this server truncated
	 * it, and the first call find no package.
	 */
	srv_kill_stale();
	unlink(SRV_LOG);
	self->server = spawn_logged(serve, SRV_LOG);
	ASSERT_LT(0, self->server);
	srv_record(self->server);
	ASSERT_TRUE(wait_for_text(SRV_LOG, "serving package", 100))
		print_file("server", SRV_LOG);
}

FIXTURE_TEARDOWN(login_srv)
{
	if (self->server > 0) {
		kill(self->server, SIGTERM);
		cb_wait_child(self->server);
		print_file("clientbuf serve --passwd", SRV_LOG);
	}
}

/* Stop the server (SIGTERM): its exit status, its log complete. */
static int srv_stop(FIXTURE_DATA(login_srv) *self)
{
	int ret;

	if (self->server <= 0)
		return -1;
	kill(self->server, SIGTERM);
	ret = cb_wait_child(self->server);
	self->server = -1;
	return ret;
}

/*
 * Serve SRV_PKG anew with the options @opts (NULL-terminated, at most 8):
 * true once it says it serves. Its failures and lockouts start empty.
 */
static bool srv_restart(FIXTURE_DATA(login_srv) *self, const char *const *opts)
{
	char *argv[12];
	int i = 0;

	srv_stop(self);
	argv[i++] = CLI;
	argv[i++] = "serve";
	argv[i++] = "--passwd=" SRV_DIR;
	while (opts && *opts && i < 11)
		argv[i++] = (char *)*opts++;
	argv[i++] = SRV_PKG;
	argv[i] = NULL;
	unlink(SRV_LOG);	/* not the old server's "serving package" */
	self->server = spawn_logged(argv, SRV_LOG);
	if (self->server <= 0)
		return false;
	srv_record(self->server);
	if (wait_for_text(SRV_LOG, "serving package", 100))
		return true;
	print_file("server", SRV_LOG);
	return false;
}

/* The whole log into @buf (NUL-terminated). */
static void srv_log(char *buf, size_t size)
{
	int fd = open(SRV_LOG, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t got;

	buf[0] = 0;
	if (fd < 0)
		return;
	while (n < size - 1 && (got = read(fd, buf + n, size - 1 - n)) > 0)
		n += got;
	buf[n] = 0;
	close(fd);
}

static int count_text(const char *buf, const char *text)
{
	int n = 0;

	for (const char *p = strstr(buf, text); p; p = strstr(p + 1, text))
		n++;
	return n;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A LOGON (@pw not NULL) or ACCOUNT call of @user through SRV_PKG. */
static struct cb_res pw_srv_call(const char *user, const char *pw)
{
	struct passwd_logon_submit s;
	struct cb_res r = { .err = -1 };
	size_t len = pw ? strlen(pw) : 0;
	char *page;
	int fd = cb_open();

	if (fd < 0)
		return r;
	page = mmap(NULL, cb_page(), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		goto out;
	memset(&s, 0, sizeof(s));
	strncpy(s.user, user, sizeof(s.user) - 1);
	if (pw) {
		r = _cb_register(fd, CLIENTBUF_BUF_READ, page, cb_page());
		if (r.err)
			goto out_unmap;
		memcpy(page, pw, len);
		s.op = PASSWD_LOGON_OP_LOGON;
		s.password_addr = (uintptr_t)page;
		s.password_len = len;
	} else {
		s.op = PASSWD_LOGON_OP_ACCOUNT;
	}
	r = _cb_call(fd, SRV_PKG, &s, sizeof(s), 0, 0);
out_unmap:
	munmap(page, cb_page());
out:
	close(fd);
	return r;
}

/*
 * The answers of "clientbuf serve --passwd" with their exact errno and
 * NTSTATUS, the rules for its verifier files, and who may ask: root any
 * account, an unprivileged caller (user1) only its own, no ACCOUNT.
 */
TEST_F_TIMEOUT(login_srv, answers_and_callers, 120)
{
	struct passwd_logon_submit bad;
	pid_t pid;
	int fd;

	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, pw_srv_call("alice", "alice-pw"));
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   pw_srv_call("alice", "alice-px"));
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   pw_srv_call("mallory", "alice-pw"));
	EXPECT_RES(EPERM, CLIENTBUF_STATUS_ACCOUNT_DISABLED,
		   pw_srv_call("bob", "bob-pw"));
	/* the kernel sample's rule: whatever the password */
	EXPECT_RES(EPERM, CLIENTBUF_STATUS_ACCOUNT_DISABLED,
		   pw_srv_call("bob", "bob-px"));
	/* a verifier others may read counts as none */
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   pw_srv_call("carol", "carol-pw"));
	/* no path out of the directory */
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   pw_srv_call("../clientbuf-verifiers-direct/alice", "alice-pw"));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, pw_srv_call("alice", NULL));
	EXPECT_RES(EPERM, CLIENTBUF_STATUS_ACCOUNT_DISABLED,
		   pw_srv_call("bob", NULL));
	EXPECT_RES(ENOENT, CLIENTBUF_STATUS_NO_SUCH_USER,
		   pw_srv_call("mallory", NULL));
	/* a malformed submit buffer */
	fd = cb_open();
	ASSERT_LE(0, fd);
	memset(&bad, 0, sizeof(bad));
	bad.op = 3;
	strcpy(bad.user, "alice");
	EXPECT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_call(fd, SRV_PKG, &bad, sizeof(bad), 0, 0));
	bad.op = PASSWD_LOGON_OP_LOGON;
	EXPECT_RES(EINVAL, CLIENTBUF_STATUS_INVALID_PARAMETER,
		   _cb_call(fd, SRV_PKG, &bad, sizeof(bad) - 1, 0, 0));
	close(fd);

	/* user1 has no CAP_SYS_ADMIN: its own account only */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct cb_res r;

		if (setgid(USER1) || setuid(USER1))
			_exit(10);
		r = pw_srv_call("alice", "alice-pw");
		if (r.err != EPERM || r.status != CLIENTBUF_STATUS_ACCESS_DENIED)
			_exit(11);
		r = pw_srv_call("user1", "user1-pw");
		if (r.err || r.status != CLIENTBUF_STATUS_SUCCESS)
			_exit(12);
		r = pw_srv_call("user1", "user1-px");
		if (r.err != EACCES ||
		    r.status != CLIENTBUF_STATUS_LOGON_FAILURE)
			_exit(13);
		r = pw_srv_call("user1", NULL);
		if (r.err != EPERM || r.status != CLIENTBUF_STATUS_ACCESS_DENIED)
			_exit(14);
		_exit(0);
	}
	EXPECT_EQ(0, cb_wait_child(pid));
}

/* One call's result and when it started and ended (CLOCK_MONOTONIC ms). */
struct timed_call {
	struct cb_res r;
	uint64_t start, end;
};

/*
 * A failure is answered --fail-delay-ms (default 2000) late, from the
 * server's pending list: another user's check, made while it waits, is
 * answered before it; four failures at once are all answered no sooner
 * than the delay, and not one after the other.
 */
TEST_F_TIMEOUT(login_srv, failure_delayed_others_answered, 120)
{
	const uint64_t delay = 2000;
	struct timed_call *t;
	uint64_t ok_end, start;
	pid_t pids[5];
	int i;

	t = mmap(NULL, sizeof(*t) * 5, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, t);
	pids[0] = fork();
	ASSERT_LE(0, pids[0]);
	if (!pids[0]) {
		t[0].start = mono_ms();
		t[0].r = pw_srv_call("alice", "alice-px");
		t[0].end = mono_ms();
		_exit(0);
	}
	/* the failure read and checked: its line is printed */
	EXPECT_TRUE(wait_for_text(SRV_LOG, "LOGON \"alice\": STATUS_LOGON_FAILURE",
				  100));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, pw_srv_call("user1", "user1-pw"));
	ok_end = mono_ms();
	EXPECT_EQ(0, cb_wait_child(pids[0]));
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE, t[0].r);
	EXPECT_LE(delay, t[0].end - t[0].start)
		TH_LOG("the failure came back after %llu ms",
		       (unsigned long long)(t[0].end - t[0].start));
	EXPECT_LT(ok_end, t[0].end)
		TH_LOG("user1's success at %llu, alice's failure at %llu",
		       (unsigned long long)ok_end,
		       (unsigned long long)t[0].end);
	printf("# alice's failure answered after %llu ms, user1's success %lld ms before it\n",
	       (unsigned long long)(t[0].end - t[0].start),
	       (long long)(t[0].end - ok_end));

	/* four at once (unknown names: no lockout), each after the delay */
	start = mono_ms();
	for (i = 1; i < 5; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			char user[32];

			snprintf(user, sizeof(user), "ghost%d", i);
			t[i].start = mono_ms();
			t[i].r = pw_srv_call(user, "guess");
			t[i].end = mono_ms();
			_exit(0);
		}
	}
	for (i = 1; i < 5; i++)
		EXPECT_EQ(0, cb_wait_child(pids[i]));
	for (i = 1; i < 5; i++) {
		EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE, t[i].r);
		EXPECT_LE(delay, t[i].end - t[i].start);
		/* one after the other would take 4 delays */
		EXPECT_GT(start + 2 * delay * cb_timeout_scale(), t[i].end)
			TH_LOG("failure %d answered %llu ms after the first call",
			       i, (unsigned long long)(t[i].end - start));
		printf("# failure %d at once: answered after %llu ms\n", i,
		       (unsigned long long)(t[i].end - t[i].start));
	}
	munmap(t, sizeof(*t) * 5);
}

/*
 * A caller killed while its failure waits: the module keeps the call the
 * server read until the server completes it; the server completes it at
 * its deadline without an error and goes on serving.
 */
TEST_F_TIMEOUT(login_srv, killed_caller_while_failure_waits, 120)
{
	char log[65536];
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		pw_srv_call("alice", "alice-px");
		_exit(0);
	}
	EXPECT_TRUE(wait_for_text(SRV_LOG, "LOGON \"alice\": STATUS_LOGON_FAILURE",
				  100));
	EXPECT_TRUE(cb_kill_child(pid));
	/* served meanwhile, and after the deadline */
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, pw_srv_call("user1", "user1-pw"));
	usleep(2500 * 1000);
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, pw_srv_call("alice", "alice-pw"));
	EXPECT_EQ(0, srv_stop(self));
	srv_log(log, sizeof(log));
	EXPECT_EQ(0, count_text(log, "completing call")) TH_LOG("%s", log);
	EXPECT_EQ(0, count_text(log, "delayed failure")) TH_LOG("%s", log);
	EXPECT_EQ(1, count_text(log, "\nserved 3 calls\n")) TH_LOG("%s", log);
}

/*
 * deny=3 (the default): after three failures the right password is
 * STATUS_LOGON_FAILURE (EACCES) too, with the same work; other accounts
 * go on; SIGUSR1, a restart of the server, or --unlock-time after the
 * last failure end the lockout; --deny=0 never locks.
 */
TEST_F_TIMEOUT(login_srv, lockout_after_deny, 240)
{
	static const char *const fast[] = { "--fail-delay-ms=100",
					    "--unlock-time=3", NULL };
	static const char *const never[] = { "--fail-delay-ms=100",
					     "--deny=0", NULL };
	char log[65536];
	uint64_t last;
	int i;

	for (i = 0; i < 3; i++)
		EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
			   pw_srv_call("alice", "alice-px"));
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   pw_srv_call("alice", "alice-pw"));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, pw_srv_call("user1", "user1-pw"));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, pw_srv_call("alice", NULL));
	srv_log(log, sizeof(log));
	EXPECT_EQ(1, count_text(log, "uid 0: user \"alice\": locked out after 3 failures"))
		TH_LOG("%s", log);
	EXPECT_EQ(1, count_text(log, "user \"alice\": authentication failure (locked out)"));
	/* the locked-out check did the same work */
	EXPECT_EQ(5, count_text(log, ", 4096 iterations"));
	/* SIGUSR1 forgets the failures */
	ASSERT_EQ(0, kill(self->server, SIGUSR1));
	ASSERT_TRUE(wait_for_text(SRV_LOG, "SIGUSR1: the failures of every name forgotten",
				  50));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, pw_srv_call("alice", "alice-pw"));

	/* locked again; a new server knows nothing of it */
	for (i = 0; i < 3; i++)
		EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
			   pw_srv_call("alice", "alice-px"));
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   pw_srv_call("alice", "alice-pw"));
	ASSERT_TRUE(srv_restart(self, NULL));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, pw_srv_call("alice", "alice-pw"));

	/* --unlock-time=3: locked until 3 s after the last failure */
	ASSERT_TRUE(srv_restart(self, fast));
	for (i = 0; i < 3; i++)
		EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
			   pw_srv_call("alice", "alice-px"));
	last = mono_ms();
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   pw_srv_call("alice", "alice-pw"));
	/* the last failure was counted before @last: 3 s after it is enough */
	while (mono_ms() < last + 3000)
		usleep(100 * 1000);
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, pw_srv_call("alice", "alice-pw"));

	/* --deny=0: no lockout */
	ASSERT_TRUE(srv_restart(self, never));
	for (i = 0; i < 5; i++)
		EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
			   pw_srv_call("alice", "alice-px"));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, pw_srv_call("alice", "alice-pw"));
}

/* How many call lines of the log say ", @count iterations". */
static int iteration_lines(const char *log, unsigned int count)
{
	char text[64];

	snprintf(text, sizeof(text), ", %u iterations", count);
	return count_text(log, text);
}

/*
 * Every LOGON check derives exactly --iterations PBKDF2 iterations
 * (default 4096): a 1000-iteration verifier (topped up), an unknown
 * name, a verifier with more (refused, logged), a disabled account, right
 * and wrong passwords. Counted, not timed: each call's line and the total
 * the server prints at exit.
 */
TEST_F_TIMEOUT(login_srv, same_iterations_known_or_not, 180)
{
	static const char *const it8000[] = { "--iterations=8000", NULL };
	char log[65536], out[OUT_MAX], total[64];
	pid_t pid;

	ASSERT_EQ(0, provision_iter("dave", "dave-pw", false, SRV_DIR, "8000",
				    out));
	ASSERT_EQ(0, provision_iter("erin", "erin-pw", false, SRV_DIR, "4096",
				    out));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, pw_srv_call("alice", "alice-pw"));
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   pw_srv_call("alice", "alice-px"));
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   pw_srv_call("nosuchuser", "alice-pw"));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, pw_srv_call("erin", "erin-pw"));
	/* 8000 > 4096: refused, the right password too */
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   pw_srv_call("dave", "dave-pw"));
	EXPECT_RES(EPERM, CLIENTBUF_STATUS_ACCOUNT_DISABLED,
		   pw_srv_call("bob", "bob-px"));
	/* refused before any work: no derivation */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct cb_res r;

		if (setgid(USER1) || setuid(USER1))
			_exit(10);
		r = pw_srv_call("alice", "alice-pw");
		_exit(r.err == EPERM &&
		      r.status == CLIENTBUF_STATUS_ACCESS_DENIED ? 0 : 11);
	}
	EXPECT_EQ(0, cb_wait_child(pid));
	EXPECT_EQ(0, srv_stop(self));
	srv_log(log, sizeof(log));
	EXPECT_EQ(6, count_text(log, " LOGON \"")
		     - count_text(log, "STATUS_ACCESS_DENIED")) TH_LOG("%s", log);
	EXPECT_EQ(6, iteration_lines(log, 4096)) TH_LOG("%s", log);
	/* the total is the sum of the calls' counts: no other count */
	snprintf(total, sizeof(total), "\n%u PBKDF2 iterations\n", 6 * 4096);
	EXPECT_EQ(1, count_text(log, total)) TH_LOG("want%s", total);
	EXPECT_EQ(1, count_text(log, "uid 0: user \"dave\": verifier of 8000 iterations, above --iterations 4096: refused"));

	/* --iterations=8000: dave's verifier is accepted, the others topped up */
	ASSERT_TRUE(srv_restart(self, it8000));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, pw_srv_call("dave", "dave-pw"));
	EXPECT_RES(0, CLIENTBUF_STATUS_SUCCESS, pw_srv_call("alice", "alice-pw"));
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   pw_srv_call("nosuchuser", "dave-pw"));
	EXPECT_EQ(0, srv_stop(self));
	srv_log(log, sizeof(log));
	EXPECT_EQ(3, iteration_lines(log, 8000)) TH_LOG("%s", log);
	EXPECT_EQ(1, count_text(log, "\n24000 PBKDF2 iterations\n"));
}

/*
 * A log line per failure or refusal on the server's standard error, with
 * the caller's uid and the user, never the password; at most 10 every
 * 5 s, then the count of the lines left out.
 */
TEST_F_TIMEOUT(login_srv, log_lines_uid_rate_limit, 120)
{
	static const char *const quick[] = { "--fail-delay-ms=0",
					     "--iterations=100", NULL };
	char log[65536];
	struct cb_res *r;
	pid_t pid;
	int i;

	r = mmap(NULL, sizeof(*r) * 2, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgid(USER1) || setuid(USER1))
			_exit(10);
		r[0] = pw_srv_call("user1", "user1-px");
		r[1] = pw_srv_call("alice", "alice-pw");
		_exit(0);
	}
	EXPECT_EQ(0, cb_wait_child(pid));
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE, r[0]);
	EXPECT_RES(EPERM, CLIENTBUF_STATUS_ACCESS_DENIED, r[1]);
	munmap(r, sizeof(*r) * 2);
	EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
		   pw_srv_call("carol", "carol-pw"));
	srv_log(log, sizeof(log));
	EXPECT_EQ(1, count_text(log, "clientbuf serve: uid 1001: user \"user1\": authentication failure\n"))
		TH_LOG("%s", log);
	EXPECT_EQ(1, count_text(log, "clientbuf serve: uid 1001: user \"alice\": may not check this user: access denied\n"));
	EXPECT_EQ(1, count_text(log, "clientbuf serve: uid 0: user \"carol\": malformed or unsafe verifier file\n"));
	EXPECT_EQ(0, count_text(log, "user1-px"));
	EXPECT_EQ(0, count_text(log, "alice-pw"));
	EXPECT_EQ(0, count_text(log, "carol-pw"));

	/* 12 failures within 5 s: 10 lines, then "2 ... suppressed" */
	ASSERT_TRUE(srv_restart(self, quick));
	for (i = 0; i < 12; i++) {
		char user[32];

		snprintf(user, sizeof(user), "ghost%d", i);
		EXPECT_RES(EACCES, CLIENTBUF_STATUS_LOGON_FAILURE,
			   pw_srv_call(user, "guess"));
	}
	EXPECT_EQ(0, srv_stop(self));
	srv_log(log, sizeof(log));
	EXPECT_EQ(10, count_text(log, ": authentication failure\n"))
		TH_LOG("%s", log);
	EXPECT_EQ(1, count_text(log, "clientbuf serve: 2 log lines suppressed\n"));
}

TEST_HARNESS_MAIN
