// SPDX-License-Identifier: GPL-2.0
/*
 * pam_clientbuf.so: Linux-PAM logins through a clientbuf security package.
 *
 *   auth    required pam_clientbuf.so package=passwd_logon [device=PATH]
 *                    [timeout=SECONDS] [nullok] [debug]
 *   account required pam_clientbuf.so package=passwd_logon [device=PATH]
 *                    [timeout=SECONDS] [debug]
 *
 * libpam's own options of pam_get_authtok() (use_first_pass,
 * try_first_pass, use_authtok, authtok_type=) are accepted quietly: libpam
 * reads them from the module's arguments itself.
 *
 * auth gets the user and the password through the PAM conversation
 * (pam_get_user(), pam_get_authtok()), copies the password into a page of
 * its own (locked, left out of core dumps) that it registers with
 * /dev/clientbuf as CLIENTBUF_BUF_READ, and calls the package with
 * CLIENTBUF_IOC_CALL_PACKAGE (asynchronous, so that a package that does not
 * answer within timeout= seconds is given up: PAM_AUTHINFO_UNAVAIL) and a
 * struct passwd_logon_submit naming the user and that page; the package (a kernel module, or a userspace
 * package server: the module cannot tell) reads the password with
 * copy_from_client_buffer(). The page is cleared with explicit_bzero()
 * before it is unregistered and unmapped; it is the module's only copy of
 * the password (libpam keeps and clears PAM_AUTHTOK itself). account sends
 * PASSWD_LOGON_OP_ACCOUNT with the user only. An empty password is refused
 * (PAM_AUTH_ERR) without a call unless "nullok" is given, as pam_unix does.
 *
 * The call's NTSTATUS becomes the PAM result (Documentation/pam.rst); auth
 * returns authentication results only (pam_sm_authenticate(3)), whether
 * the account may be used is account's answer (as pam_unix's):
 *
 *   NTSTATUS                              auth                 account
 *   STATUS_SUCCESS                        PAM_SUCCESS          PAM_SUCCESS
 *   STATUS_LOGON_FAILURE, WRONG_PASSWORD  PAM_AUTH_ERR         PAM_AUTH_ERR
 *   STATUS_ACCOUNT_DISABLED               PAM_AUTH_ERR         PAM_ACCT_EXPIRED
 *   STATUS_NO_SUCH_USER                   PAM_USER_UNKNOWN     PAM_USER_UNKNOWN
 *   STATUS_ACCESS_DENIED                  PAM_CRED_INSUFFICIENT
 *     (may not check this account)                             PAM_PERM_DENIED
 *   STATUS_NO_SUCH_PACKAGE, no device,
 *   no answer within timeout=             PAM_AUTHINFO_UNAVAIL PAM_AUTHINFO_UNAVAIL
 *   anything else                         PAM_AUTHINFO_UNAVAIL PAM_SYSTEM_ERR
 *
 * Every outcome is logged with pam_syslog() (LOG_AUTHPRIV facility as
 * libpam sets it); "debug" adds a LOG_DEBUG line per step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/mman.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_modules.h>
#include <security/pam_ext.h>

#include "clientbuf.h"
#include "clientbuf_passwd.h"

/* The PAM entry points are the only symbols the module exports. */
#define PCB_EXPORT	__attribute__((visibility("default")))

/* timeout= default, in seconds; and its largest value */
#define PCB_TIMEOUT_DEFAULT	30
#define PCB_TIMEOUT_MAX		3600

struct pcb_args {
	const char *package;
	const char *device;
	int timeout_ms;		/* how long a package may take to answer */
	bool nullok;		/* pass empty passwords to the package */
	bool debug;
};

/* libpam's options: pam_get_authtok() reads them from argv itself */
static bool pcb_libpam_option(const char *arg)
{
	return !strcmp(arg, "use_first_pass") ||
	       !strcmp(arg, "try_first_pass") ||
	       !strcmp(arg, "use_authtok") ||
	       !strncmp(arg, "authtok_type=", 13);
}

/* timeout=SECONDS: 1..PCB_TIMEOUT_MAX */
static int pcb_parse_timeout(const char *s, int *ms)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > PCB_TIMEOUT_MAX)
		return -1;
	*ms = (int)v * 1000;
	return 0;
}

/* Parse the module arguments; PAM_SERVICE_ERR for a bad service file. */
static int pcb_parse(pam_handle_t *pamh, int argc, const char **argv,
		     struct pcb_args *a)
{
	int i;

	a->package = NULL;
	a->device = CLIENTBUF_DEVICE_PATH;
	a->timeout_ms = PCB_TIMEOUT_DEFAULT * 1000;
	a->nullok = false;
	a->debug = false;
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "package=", 8)) {
			a->package = argv[i] + 8;
		} else if (!strncmp(argv[i], "device=", 7)) {
			a->device = argv[i] + 7;
		} else if (!strncmp(argv[i], "timeout=", 8)) {
			if (pcb_parse_timeout(argv[i] + 8, &a->timeout_ms)) {
				pam_syslog(pamh, LOG_ERR,
					   "timeout=SECONDS (1..%d), not \"%s\"",
					   PCB_TIMEOUT_MAX, argv[i] + 8);
				return PAM_SERVICE_ERR;
			}
		} else if (!strcmp(argv[i], "nullok")) {
			a->nullok = true;
		} else if (!strcmp(argv[i], "debug")) {
			a->debug = true;
		} else if (!pcb_libpam_option(argv[i])) {
			pam_syslog(pamh, LOG_ERR, "unknown option: %s",
				   argv[i]);
		}
	}
	if (!a->package || !*a->package ||
	    strlen(a->package) >= CLIENTBUF_PACKAGE_NAME_MAX) {
		pam_syslog(pamh, LOG_ERR,
			   "package=NAME (1..%d bytes) is required",
			   CLIENTBUF_PACKAGE_NAME_MAX - 1);
		return PAM_SERVICE_ERR;
	}
	if (!*a->device) {
		pam_syslog(pamh, LOG_ERR, "device= must not be empty");
		return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}

/*
 * The PAM result of a package's answer: the table above. @auth: for
 * pam_sm_authenticate(), which returns authentication results only.
 */
static int pcb_status_to_pam(__u32 status, bool auth)
{
	switch (status) {
	case CLIENTBUF_STATUS_SUCCESS:
		return PAM_SUCCESS;
	case CLIENTBUF_STATUS_LOGON_FAILURE:
	case CLIENTBUF_STATUS_WRONG_PASSWORD:
		return PAM_AUTH_ERR;
	case CLIENTBUF_STATUS_NO_SUCH_USER:
		return PAM_USER_UNKNOWN;
	case CLIENTBUF_STATUS_ACCOUNT_DISABLED:
		/* a disabled account is refused; account says why */
		return auth ? PAM_AUTH_ERR : PAM_ACCT_EXPIRED;
	case CLIENTBUF_STATUS_ACCESS_DENIED:
		/* the caller may not check this account (as unix_chkpwd) */
		return auth ? PAM_CRED_INSUFFICIENT : PAM_PERM_DENIED;
	case CLIENTBUF_STATUS_NO_SUCH_PACKAGE:
		return PAM_AUTHINFO_UNAVAIL;
	default:
		return auth ? PAM_AUTHINFO_UNAVAIL : PAM_SYSTEM_ERR;
	}
}

static const char *pcb_status_name(__u32 status)
{
	const char *name = clientbuf_status_name(status);

	return name ? name : "unknown NTSTATUS";
}

/**
 * pcb_call() - one call of the package
 * @pamh: the PAM handle (for logging)
 * @a: the module arguments
 * @op: PASSWD_LOGON_OP_*
 * @user: the user name
 * @password: the password (LOGON), or NULL
 * @status: the call's NTSTATUS, when the call was made
 *
 * The call is asynchronous: a package that answers at once (a kernel
 * package, as a rule) does so in the ioctl; for one that answers later (a
 * userspace package server) the completion record is awaited at most
 * @a->timeout_ms. A call not answered by then is given up: closing the
 * device cancels it, after the password page was cleared.
 *
 * Return: PAM_SUCCESS when the call was made (its answer is in @status),
 * else the PAM result of what stopped it.
 */
static int pcb_call(pam_handle_t *pamh, const struct pcb_args *a, __u32 op,
		    const char *user, const char *password, __u32 *status)
{
	struct passwd_logon_submit submit;
	struct clientbuf_call call;
	size_t pw_len = password ? strlen(password) : 0;
	size_t page_len = (size_t)sysconf(_SC_PAGESIZE);
	__u32 id = 0, st = 0;
	void *page = MAP_FAILED;
	int fd, ret, pam_ret;

	if (pw_len > PASSWD_LOGON_PASSWORD_MAX) {
		pam_syslog(pamh, LOG_NOTICE,
			   "password of user %s longer than %d bytes",
			   user, PASSWD_LOGON_PASSWORD_MAX);
		return PAM_AUTH_ERR;
	}
	fd = open(a->device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		pam_syslog(pamh, LOG_ERR, "cannot open %s: %m", a->device);
		return PAM_AUTHINFO_UNAVAIL;
	}

	memset(&submit, 0, sizeof(submit));
	submit.op = op;
	memcpy(submit.user, user, strlen(user));
	if (password) {
		page = mmap(NULL, page_len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED) {
			pam_syslog(pamh, LOG_ERR, "mmap: %m");
			pam_ret = PAM_BUF_ERR;
			goto out_close;
		}
		/* best effort: not swapped out, not in a core dump */
		(void)mlock(page, page_len);
		(void)madvise(page, page_len, MADV_DONTDUMP);
		memcpy(page, password, pw_len);
		ret = clientbuf_register(fd, page, page_len,
					 CLIENTBUF_BUF_READ, &id, &st);
		if (ret) {
			pam_syslog(pamh, LOG_ERR,
				   "registering the password buffer: %s (0x%08X), %s",
				   pcb_status_name(st), st, strerror(-ret));
			pam_ret = PAM_SYSTEM_ERR;
			goto out_unmap;
		}
		submit.password_addr = (__u64)(uintptr_t)page;
		submit.password_len = (__u32)pw_len;
	}

	if (a->debug)
		pam_syslog(pamh, LOG_DEBUG, "calling package %s (op %u) for user %s",
			   a->package, op, user);
	ret = clientbuf_call(fd, a->package, &submit, sizeof(submit), 0,
			     CLIENTBUF_CALL_ASYNC, &call);
	*status = call.status;
	pam_ret = PAM_SUCCESS;
	if (ret && clientbuf_nt_success(call.status)) {
		/* the ioctl failed before any status: not a clientbuf device? */
		pam_syslog(pamh, LOG_ERR, "CLIENTBUF_IOC_CALL_PACKAGE on %s: %s",
			   a->device, strerror(-ret));
		pam_ret = PAM_SYSTEM_ERR;
	} else if (!ret && call.status == CLIENTBUF_STATUS_PENDING) {
		struct clientbuf_completion c;

		do {
			ret = clientbuf_wait_completion(fd, &c, a->timeout_ms);
		} while (!ret && c.request_id != call.request_id);
		if (ret == -ETIMEDOUT) {
			pam_syslog(pamh, LOG_ERR,
				   "package %s did not answer within %d s (user %s)",
				   a->package, a->timeout_ms / 1000, user);
			pam_ret = PAM_AUTHINFO_UNAVAIL;
		} else if (ret) {
			pam_syslog(pamh, LOG_ERR,
				   "waiting for package %s: %s", a->package,
				   strerror(-ret));
			pam_ret = PAM_SYSTEM_ERR;
		} else {
			*status = c.status;
		}
	}

	if (password) {
		explicit_bzero(page, page_len);
		clientbuf_unregister(fd, id, NULL);
	}
out_unmap:
	if (page != MAP_FAILED) {
		explicit_bzero(page, page_len);
		munlock(page, page_len);
		munmap(page, page_len);
	}
out_close:
	explicit_bzero(&submit, sizeof(submit));
	close(fd);
	return pam_ret;
}

/* The user, checked against what the protocol can carry. */
static int pcb_get_user(pam_handle_t *pamh, const char **user)
{
	int ret = pam_get_user(pamh, user, NULL);

	if (ret != PAM_SUCCESS) {
		pam_syslog(pamh, LOG_NOTICE, "cannot get the user: %s",
			   pam_strerror(pamh, ret));
		return ret;
	}
	if (!*user || !**user || strlen(*user) >= PASSWD_LOGON_USER_LEN) {
		pam_syslog(pamh, LOG_NOTICE, "user name empty or longer than %d bytes",
			   PASSWD_LOGON_USER_LEN - 1);
		return PAM_USER_UNKNOWN;
	}
	return PAM_SUCCESS;
}

/* Log the outcome of a call and give its PAM result. */
static int pcb_result(pam_handle_t *pamh, const struct pcb_args *a,
		      const char *what, const char *user, __u32 status)
{
	int ret = pcb_status_to_pam(status, !strcmp(what, "authentication"));

	pam_syslog(pamh, ret == PAM_SUCCESS ? LOG_INFO : LOG_NOTICE,
		   "%s %s for user %s: package %s answered %s (0x%08X)",
		   what, ret == PAM_SUCCESS ? "succeeded" : "failed", user,
		   a->package, pcb_status_name(status), status);
	return ret;
}

PCB_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	const char *user = NULL, *password = NULL;
	struct pcb_args a;
	__u32 status = 0;
	int ret;

	(void)flags;
	ret = pcb_parse(pamh, argc, argv, &a);
	if (ret != PAM_SUCCESS)
		return ret;
	ret = pcb_get_user(pamh, &user);
	if (ret != PAM_SUCCESS)
		return ret;
	ret = pam_get_authtok(pamh, PAM_AUTHTOK, &password, NULL);
	if (ret != PAM_SUCCESS) {
		pam_syslog(pamh, LOG_NOTICE, "cannot get the password: %s",
			   pam_strerror(pamh, ret));
		return ret;
	}
	if (!password || (!*password && !a.nullok)) {
		/* as pam_unix without nullok: no call, no login */
		pam_syslog(pamh, LOG_NOTICE,
			   "authentication failed for user %s: empty password (no nullok)",
			   user);
		return PAM_AUTH_ERR;
	}
	ret = pcb_call(pamh, &a, PASSWD_LOGON_OP_LOGON, user, password,
		       &status);
	/* a call that could not be made: an authentication result too */
	if (ret == PAM_SYSTEM_ERR || ret == PAM_BUF_ERR)
		return PAM_AUTHINFO_UNAVAIL;
	if (ret != PAM_SUCCESS)
		return ret;
	return pcb_result(pamh, &a, "authentication", user, status);
}

PCB_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
			      const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

PCB_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
				const char **argv)
{
	const char *user = NULL;
	struct pcb_args a;
	__u32 status = 0;
	int ret;

	(void)flags;
	ret = pcb_parse(pamh, argc, argv, &a);
	if (ret != PAM_SUCCESS)
		return ret;
	ret = pcb_get_user(pamh, &user);
	if (ret != PAM_SUCCESS)
		return ret;
	ret = pcb_call(pamh, &a, PASSWD_LOGON_OP_ACCOUNT, user, NULL, &status);
	if (ret != PAM_SUCCESS)
		return ret;
	return pcb_result(pamh, &a, "account check", user, status);
}
