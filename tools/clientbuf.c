// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: command-line client for /dev/clientbuf.
 *
 *   clientbuf info                       module ABI version, features, limits
 *   clientbuf status CODE                decode an NTSTATUS
 *   clientbuf call [--async] PKG DATA    call a security package
 *   clientbuf logon [OPTS] USER CHALLENGE
 *                                        log on through the hmac_logon
 *                                        sample package, check the token
 *   clientbuf serve [--count N] PKG      serve PKG from userspace (a toy
 *                                        package that greets its callers)
 *   clientbuf passwd [OPTS] USER         derive a verifier for the
 *                                        passwd_logon package and add it to
 *                                        the keyring "clientbuf:passwd"
 *
 * Exit status: 0 success, 1 failure (the message on stderr names the
 * NTSTATUS or errno), 2 usage error.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <endian.h>
#include <linux/keyctl.h>

#include "clientbuf.h"
#include "clientbuf_hmac.h"
#include "clientbuf_passwd.h"
#include "sha256.h"

#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __printf(a, b)	__attribute__((format(printf, a, b)))

#define CALL_RETURN_BUF_SIZE	(64 * 1024)
#define CALL_DEFAULT_TIMEOUT_MS	10000

static const char *prog = "clientbuf";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  info                     show the module's ABI version, features and limits\n"
		"  status CODE              decode an NTSTATUS: CODE is hex (0xC0000005),\n"
		"                           decimal (3221225477 or -1073741819) or a name\n"
		"                           (STATUS_ACCESS_VIOLATION)\n"
		"  call [OPTIONS] PACKAGE DATA\n"
		"                           call PACKAGE with the string DATA as submit buffer;\n"
		"                           the answer goes to a 64 KiB buffer registered with\n"
		"                           ALLOC|WRITE|READ and is printed as hex and text\n"
		"      --async              make an asynchronous call and wait for its\n"
		"                           completion with poll()/read()\n"
		"      --timeout=MS         how long --async waits (default %d, -1 for ever)\n"
		"  logon [OPTIONS] USER CHALLENGE\n"
		"                           log on as USER through the hmac_logon sample package\n"
		"                           (clientbuf_hmac.ko): submit USER and the bytes of\n"
		"                           CHALLENGE, print the call's statuses and the 32-byte\n"
		"                           token HMAC-SHA256(key, USER NUL-padded to 32 bytes ||\n"
		"                           CHALLENGE), allocated in a 64 KiB ALLOC|WRITE|READ buffer\n"
		"      --async              asynchronous call (CLIENTBUF_CALL_ASYNC, and\n"
		"                           HMAC_LOGON_F_DEFER): STATUS_PENDING, then wait for\n"
		"                           the completion record with poll()/read()\n"
		"      --defer              the package answers from a work item\n"
		"                           (HMAC_LOGON_F_DEFER); without --async the ioctl waits\n"
		"      --delay=MS           the work item waits MS ms first (at most %d;\n"
		"                           implies --defer)\n"
		"      --out                the package writes the token into an out buffer of\n"
		"                           the client's (registered WRITE) instead of allocating\n"
		"      --out-len=N          size of that buffer, 1..4096 (default 32; less than 32\n"
		"                           is STATUS_BUFFER_TOO_SMALL); implies --out\n"
		"      --verify-key KEY     compute the HMAC in userspace with KEY (the module's\n"
		"                           default is \"clientbuf-sample-key\") and compare:\n"
		"                           \"token verified\", or \"token MISMATCH\" and exit 1\n"
		"      --timeout=MS         how long --async waits (default %d, -1 for ever)\n"
		"  serve [OPTIONS] PACKAGE  serve PACKAGE from userspace (needs CAP_SYS_ADMIN):\n"
		"                           print each call (id, pid, uid, submit as text) and\n"
		"                           answer it with \"hello uid N, you sent: DATA\",\n"
		"                           allocated in the caller's ALLOC buffer; runs until\n"
		"                           SIGINT or SIGTERM\n"
		"      --count=N            exit after answering N calls\n"
		"  passwd [OPTIONS] USER    read a password from the first line of standard\n"
		"                           input, derive a verifier for the passwd_logon\n"
		"                           package (clientbuf_passwd.ko: PBKDF2-HMAC-SHA256,\n"
		"                           random 16-byte salt) and add it as the \"user\" key\n"
		"                           \"clientbuf:passwd:USER\" to the package's keyring\n"
		"                           (replacing the user's old verifier; needs root)\n"
		"      --iterations=N       PBKDF2 iterations, 1..%d (default %d)\n"
		"      --disabled           mark the account disabled\n"
		"                           (STATUS_ACCOUNT_DISABLED)\n"
		"      --keyring=SERIAL     the keyring (default: the one clientbuf_passwd.ko\n"
		"                           reports in /sys/module/clientbuf_passwd/parameters/keyring)\n"
		"      --payload            write the %zu-byte key payload to standard output\n"
		"                           instead, for \"keyctl padd user clientbuf:passwd:USER\n"
		"                           %%:clientbuf:passwd\"\n"
		"  help, --help, -h         show this help\n"
		"\n"
		"Exit status: 0 success, 1 failure, 2 usage error.\n",
		prog, CALL_DEFAULT_TIMEOUT_MS, HMAC_LOGON_DELAY_MAX_MS,
		CALL_DEFAULT_TIMEOUT_MS, PASSWD_ITERATIONS_MAX,
		PASSWD_ITERATIONS_DEFAULT, sizeof(struct passwd_logon_verifier));
}

static int __printf(1, 2) usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	return EXIT_USAGE;
}

static const char *errno_name(int err)
{
	const char *name;

	if (err < 0)
		err = -err;
	if (!err)
		return "0";
	name = strerrorname_np(err);
	return name ? name : "E?";
}

static const char *status_name(__u32 status)
{
	const char *name = cb_status_name(status);

	return name ? name : "unknown NTSTATUS";
}

/*
 * "STATUS_NO_SUCH_PACKAGE (0xC00000FE, errno ENOPKG,
 * Win32 1364 ERROR_NO_SUCH_PACKAGE)"
 */
static void print_status_brief(FILE *f, __u32 status)
{
	__u32 win32 = cb_status_to_win32(status);
	const char *wname = cb_win32_name(win32);

	fprintf(f, "%s (0x%08" PRIX32 ", errno %s, Win32 %" PRIu32 "%s%s)",
		status_name(status), (uint32_t)status,
		errno_name(cb_status_to_errno(status)), (uint32_t)win32,
		wname ? " " : "", wname ? wname : "");
}

/* Report a failed ioctl: its NTSTATUS if the module answered, and errno. */
static int fail_status(const char *what, int err, __u32 status)
{
	fprintf(stderr, "%s: %s failed: ", prog, what);
	print_status_brief(stderr, status);
	fprintf(stderr, "; errno %s: %s\n", errno_name(err), strerror(-err));
	return EXIT_FAIL;
}

static int open_device(void)
{
	int fd = cb_open();

	if (fd == -ENOENT)
		fprintf(stderr,
			"%s: no %s (is the clientbuf module loaded?)\n",
			prog, CB_DEVICE_PATH);
	else if (fd < 0)
		fprintf(stderr, "%s: cannot open %s: %s (%s)\n", prog,
			CB_DEVICE_PATH, strerror(-fd), errno_name(fd));
	return fd;
}

/* ---- info ------------------------------------------------------------ */

static const struct {
	__u64 bit;
	const char *name;
} features[] = {
	{ CLIENTBUF_FEAT_REGISTER,	"register" },
	{ CLIENTBUF_FEAT_CALL_SYNC,	"call-sync" },
	{ CLIENTBUF_FEAT_CALL_ASYNC,	"call-async" },
	{ CLIENTBUF_FEAT_ALLOC,		"alloc" },
	{ CLIENTBUF_FEAT_SERVER,	"server" },
	{ CLIENTBUF_FEAT_PIN,		"pin" },
};

static int cmd_info(int argc, char **argv)
{
	struct clientbuf_info info;
	__u64 known = 0;
	size_t i;
	int fd, ret;

	(void)argv;
	if (argc != 1)
		return usage_error("'info' takes no arguments");
	fd = open_device();
	if (fd < 0)
		return EXIT_FAIL;
	ret = cb_get_info(fd, &info);
	cb_close(fd);
	if (ret) {
		fprintf(stderr, "%s: CLIENTBUF_IOC_GET_INFO failed: %s (%s)\n",
			prog, strerror(-ret), errno_name(ret));
		return EXIT_FAIL;
	}

	printf("device:            %s\n", CB_DEVICE_PATH);
	printf("abi_version:       %" PRIu32 "%s\n", (uint32_t)info.abi_version,
	       info.abi_version == CLIENTBUF_ABI_VERSION ? "" :
	       " (this tool was built for a different ABI version)");
	printf("features:          0x%016" PRIx64, (uint64_t)info.features);
	for (i = 0; i < ARRAY_SIZE(features); i++) {
		known |= features[i].bit;
		if (info.features & features[i].bit)
			printf(" %s", features[i].name);
	}
	if (info.features & ~known)
		printf(" unknown:0x%" PRIx64, (uint64_t)(info.features & ~known));
	printf("\n");
	printf("max_buffers:       %" PRIu32 "\n", (uint32_t)info.max_buffers);
	printf("max_allocs:        %" PRIu32 "\n", (uint32_t)info.max_allocs);
	printf("max_buffer_bytes:  %" PRIu64 "\n",
	       (uint64_t)info.max_buffer_bytes);
	printf("max_submit_len:    %" PRIu32 "\n", (uint32_t)info.max_submit_len);
	printf("max_pending:       %" PRIu32 "\n", (uint32_t)info.max_pending);
	printf("max_completions:   %" PRIu32 " (per user)\n",
	       (uint32_t)info.max_completions);
	/* the caller's user: pages charged against its RLIMIT_MEMLOCK */
	printf("user_locked_pages: %" PRIu64 "\n",
	       (uint64_t)info.user_locked_pages);
	if (info.memlock_limit == UINT64_MAX)
		printf("memlock_limit:     unlimited\n");
	else
		printf("memlock_limit:     %" PRIu64 " bytes (%" PRIu64
		       " pages)\n", (uint64_t)info.memlock_limit,
		       (uint64_t)info.memlock_limit /
		       (uint64_t)sysconf(_SC_PAGESIZE));
	return EXIT_OK;
}

/* ---- status ------------------------------------------------------------ */

/* Parse hex (0x...), decimal (also negative, as a signed NTSTATUS) or name. */
static int parse_status(const char *s, __u32 *status)
{
	const char *p = s;
	unsigned long long v;
	int neg = 0;
	char *end;

	if (!cb_status_from_name(s, status))
		return 0;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		if (!isxdigit((unsigned char)p[2]))
			return -EINVAL;
		v = strtoull(p, &end, 16);
	} else {
		v = strtoull(p, &end, 10);
	}
	if (errno || *end)
		return -EINVAL;
	if (neg) {
		if (v > 0x80000000ULL)
			return -ERANGE;
		*status = (__u32)(0x100000000ULL - v);
		return 0;
	}
	if (v > UINT32_MAX)
		return -ERANGE;
	*status = (__u32)v;
	return 0;
}

static const char *const severity_names[] = {
	[CB_SEVERITY_SUCCESS]		= "success",
	[CB_SEVERITY_INFORMATIONAL]	= "informational",
	[CB_SEVERITY_WARNING]		= "warning",
	[CB_SEVERITY_ERROR]		= "error",
};

static int cmd_status(int argc, char **argv)
{
	const char *name, *wname;
	__u32 status, win32;
	int err, sev;

	if (argc != 2)
		return usage_error("'status' takes one argument: an NTSTATUS");
	if (parse_status(argv[1], &status)) {
		fprintf(stderr,
			"%s: invalid NTSTATUS '%s': expected a 32-bit hex (0x...) or decimal number, or a STATUS_* name\n",
			prog, argv[1]);
		return EXIT_USAGE;
	}
	name = cb_status_name(status);
	err = cb_status_to_errno(status);
	win32 = cb_status_to_win32(status);
	wname = cb_win32_name(win32);
	sev = cb_status_severity(status);

	printf("%s\n", name ? name : "unknown (not a status clientbuf returns)");
	printf("  NTSTATUS:   0x%08" PRIX32 " (%" PRIu32 ", %" PRId32 ")\n",
	       (uint32_t)status, (uint32_t)status, (int32_t)status);
	printf("  severity:   %d %s, NT_SUCCESS %s%s\n", sev, severity_names[sev],
	       cb_nt_success(status) ? "true" : "false",
	       status & 0x20000000U ? ", customer code" : "");
	printf("  facility:   0x%03" PRIX32 "\n",
	       (uint32_t)((status >> 16) & 0xfff));
	if (err)
		printf("  errno:      %s (%d): %s\n", errno_name(err), -err,
		       strerror(-err));
	else
		printf("  errno:      0 (none: a success status)\n");
	printf("  Win32:      %" PRIu32 " %s\n", (uint32_t)win32,
	       wname ? wname : "");
	return EXIT_OK;
}

/* ---- call ------------------------------------------------------------ */

/* hexdump -C style: offset, 16 bytes of hex, printable text. */
static void hexdump(const unsigned char *p, size_t len)
{
	size_t off, i;

	for (off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;

		printf("  %08zx  ", off);
		for (i = 0; i < 16; i++) {
			if (i < n)
				printf("%02x ", p[off + i]);
			else
				printf("   ");
			if (i == 7)
				printf(" ");
		}
		printf(" |");
		for (i = 0; i < n; i++)
			putchar(isprint(p[off + i]) ? p[off + i] : '.');
		printf("|\n");
	}
}

static int parse_timeout(const char *s, int *ms)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < -1 || v > INT_MAX)
		return -EINVAL;
	*ms = (int)v;
	return 0;
}

/*
 * Wait for the completion record of @request_id; say why on stderr if none
 * came. Return: 0 with @c filled, or a negative errno.
 */
static int await_completion(int fd, __u64 request_id, int timeout_ms,
			    struct clientbuf_completion *c)
{
	int ret;

	/* Completions of other calls cannot come: this fd made one. */
	do {
		ret = cb_wait_completion(fd, c, timeout_ms);
	} while (!ret && c->request_id != request_id);
	if (ret == -ETIMEDOUT)
		fprintf(stderr,
			"%s: no completion for request %" PRIu64 " within %d ms (status still STATUS_PENDING)\n",
			prog, (uint64_t)request_id, timeout_ms);
	else if (ret)
		fprintf(stderr,
			"%s: waiting for the completion failed: %s (%s)\n",
			prog, strerror(-ret), errno_name(ret));
	return ret;
}

/*
 * Take a call made with cb_call() (@ret its result) to its end: wait for the
 * completion record of a pending asynchronous call, then print the status,
 * protocol status and return block. @call is updated with the final answer.
 * Return: cb_call()'s result, the errno of the completion's status, or a
 * negative errno if no completion came (@*done is then false).
 */
static int finish_call(int fd, struct clientbuf_call *call, int ret,
		       int timeout_ms, bool *done)
{
	struct clientbuf_completion c;

	*done = true;
	printf("request_id:       %" PRIu64 "\n", (uint64_t)call->request_id);
	if (!ret && call->status == CLIENTBUF_STATUS_PENDING) {
		printf("call returned:    ");
		print_status_brief(stdout, call->status);
		printf("\nwaiting:          poll()/read() for the completion record\n");
		fflush(stdout);
		ret = await_completion(fd, call->request_id, timeout_ms, &c);
		if (ret) {
			*done = false;
			return ret;
		}
		printf("completion:       request %" PRIu64 "\n",
		       (uint64_t)c.request_id);
		call->status = c.status;
		call->protocol_status = c.protocol_status;
		call->return_addr = c.return_addr;
		call->return_len = c.return_len;
		ret = cb_status_to_errno(c.status);
	}

	printf("status:           ");
	print_status_brief(stdout, call->status);
	printf("\nprotocol_status:  ");
	print_status_brief(stdout, call->protocol_status);
	printf("\nreturn:           0x%" PRIx64 ", %" PRIu32 " bytes%s\n",
	       (uint64_t)call->return_addr, (uint32_t)call->return_len,
	       call->status == CLIENTBUF_STATUS_BUFFER_TOO_SMALL ?
	       " (the length needed)" : "");
	return ret;
}

/*
 * Map and register the CALL_RETURN_BUF_SIZE buffer (ALLOC|WRITE|READ) that
 * packages answer in; NULL after printing why it failed.
 */
static void *map_return_buffer(int fd, __u32 *id)
{
	void *buf;
	__u32 st;
	int ret;

	buf = mmap(NULL, CALL_RETURN_BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		fprintf(stderr, "%s: mmap: %s\n", prog, strerror(errno));
		return NULL;
	}
	ret = cb_register(fd, buf, CALL_RETURN_BUF_SIZE,
			  CLIENTBUF_BUF_ALLOC | CLIENTBUF_BUF_WRITE |
			  CLIENTBUF_BUF_READ, id, &st);
	if (ret) {
		fail_status("registering the return buffer", ret, st);
		munmap(buf, CALL_RETURN_BUF_SIZE);
		return NULL;
	}
	return buf;
}

static int cmd_call(int argc, char **argv)
{
	struct clientbuf_call call;
	int timeout_ms = CALL_DEFAULT_TIMEOUT_MS;
	const char *package, *data;
	unsigned int flags = 0;
	int fd, ret, rc = EXIT_FAIL;
	__u32 id = 0, st, status, protocol_status, return_len;
	__u64 return_addr;
	unsigned char *buf;
	bool done;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--async")) {
			flags |= CLIENTBUF_CALL_ASYNC;
		} else if (!strncmp(argv[i], "--timeout=", 10)) {
			if (parse_timeout(argv[i] + 10, &timeout_ms))
				return usage_error("invalid timeout '%s'",
						   argv[i] + 10);
		} else {
			return usage_error("unknown option '%s' for 'call'",
					   argv[i]);
		}
	}
	if (argc - i != 2)
		return usage_error("'call' needs PACKAGE and DATA");
	package = argv[i];
	data = argv[i + 1];
	if (!*package || strlen(package) >= CLIENTBUF_PACKAGE_NAME_MAX)
		return usage_error("invalid package name '%s'", package);
	if (strlen(data) > UINT32_MAX)
		return usage_error("DATA too long");

	fd = open_device();
	if (fd < 0)
		return EXIT_FAIL;

	buf = map_return_buffer(fd, &id);
	if (!buf)
		goto out_close;

	ret = cb_call(fd, package, data, (__u32)strlen(data), id, flags,
		      &call);
	ret = finish_call(fd, &call, ret, timeout_ms, &done);
	if (!done)
		goto out_unregister;
	status = call.status;
	protocol_status = call.protocol_status;
	return_addr = call.return_addr;
	return_len = call.return_len;

	if (return_addr) {
		uintptr_t lo = (uintptr_t)buf;

		if (return_addr < lo ||
		    return_addr - lo > CALL_RETURN_BUF_SIZE ||
		    return_len > CALL_RETURN_BUF_SIZE - (return_addr - lo)) {
			fprintf(stderr,
				"%s: the answer (0x%" PRIx64 ", %" PRIu32 " bytes) is not inside the return buffer\n",
				prog, (uint64_t)return_addr,
				(uint32_t)return_len);
			goto out_unregister;
		}
		hexdump(buf + (return_addr - lo), return_len);
		if (cb_free(fd, id, (void *)(uintptr_t)return_addr, &st))
			fprintf(stderr,
				"%s: warning: freeing the answer failed: %s\n",
				prog, status_name(st));
	}

	if (ret || !cb_nt_success(status)) {
		fprintf(stderr, "%s: call to package '%s' failed: ", prog,
			package);
		print_status_brief(stderr, status);
		fprintf(stderr, "\n");
	} else if (!cb_nt_success(protocol_status)) {
		fprintf(stderr, "%s: package '%s' answered with protocol status ",
			prog, package);
		print_status_brief(stderr, protocol_status);
		fprintf(stderr, "\n");
	} else {
		rc = EXIT_OK;
	}

out_unregister:
	if (cb_unregister(fd, id, &st))
		fprintf(stderr, "%s: warning: unregistering failed: %s\n",
			prog, status_name(st));
	munmap(buf, CALL_RETURN_BUF_SIZE);
out_close:
	cb_close(fd);
	return rc;
}

/* Print @len bytes as a C-style quoted string. */
static void print_quoted(const unsigned char *p, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\\')
			printf("\\%c", p[i]);
		else if (isprint(p[i]))
			putchar(p[i]);
		else
			printf("\\x%02x", p[i]);
	}
	putchar('"');
}

/* ---- logon ------------------------------------------------------------ */

#define LOGON_OUT_MAX		4096

struct logon_opts {
	unsigned int call_flags;	/* CLIENTBUF_CALL_* */
	__u32 hmac_flags;		/* HMAC_LOGON_F_* */
	int out;			/* --out: the client's out buffer */
	__u32 out_len;
	const char *verify_key;
	int timeout_ms;
};

/* Parse a decimal number in [@min, @max]. */
static int parse_uint(const char *s, unsigned long min, unsigned long max,
		      unsigned long *v)
{
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end || n < min || n > max)
		return -EINVAL;
	*v = (unsigned long)n;
	return 0;
}

static void print_hex(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
}

/*
 * HMAC-SHA256(@key, user field || challenge) computed here, independently
 * of the kernel's crypto API, and compared with @token.
 */
static int logon_verify(const char *key, const struct hmac_logon_submit *s,
			const unsigned char *challenge,
			const unsigned char *token)
{
	uint8_t mac[SHA256_DIGEST_SIZE];
	struct hmac_sha256_ctx ctx;

	hmac_sha256_init(&ctx, key, strlen(key));
	hmac_sha256_update(&ctx, s->user, sizeof(s->user));
	hmac_sha256_update(&ctx, challenge, s->challenge_len);
	hmac_sha256_final(&ctx, mac);
	printf("expected:         ");
	print_hex(mac, sizeof(mac));
	printf(" (HMAC-SHA256 in userspace, key \"%s\")\n", key);
	if (memcmp(mac, token, HMAC_LOGON_TOKEN_LEN)) {
		printf("token MISMATCH\n");
		fprintf(stderr,
			"%s: the token is not HMAC-SHA256 of the user field and challenge under key \"%s\"\n",
			prog, key);
		return EXIT_FAIL;
	}
	printf("token verified\n");
	return EXIT_OK;
}

static int logon_parse(int argc, char **argv, struct logon_opts *o)
{
	unsigned long v;
	int i;

	memset(o, 0, sizeof(*o));
	o->out_len = HMAC_LOGON_TOKEN_LEN;
	o->timeout_ms = CALL_DEFAULT_TIMEOUT_MS;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "--async")) {
			o->call_flags |= CLIENTBUF_CALL_ASYNC;
			o->hmac_flags |= HMAC_LOGON_F_DEFER;
		} else if (!strcmp(a, "--defer")) {
			o->hmac_flags |= HMAC_LOGON_F_DEFER;
		} else if (!strncmp(a, "--delay=", 8)) {
			if (parse_uint(a + 8, 0, HMAC_LOGON_DELAY_MAX_MS, &v))
				return -usage_error("invalid delay '%s' (0..%d ms)",
						    a + 8,
						    HMAC_LOGON_DELAY_MAX_MS);
			o->hmac_flags &= ~HMAC_LOGON_F_DELAY_MASK;
			o->hmac_flags |= HMAC_LOGON_F_DEFER |
					 HMAC_LOGON_F_DELAY(v);
		} else if (!strcmp(a, "--out")) {
			o->out = 1;
		} else if (!strncmp(a, "--out-len=", 10)) {
			if (parse_uint(a + 10, 1, LOGON_OUT_MAX, &v))
				return -usage_error("invalid out length '%s' (1..%d)",
						    a + 10, LOGON_OUT_MAX);
			o->out = 1;
			o->out_len = (__u32)v;
		} else if (!strcmp(a, "--verify-key") ||
			   !strncmp(a, "--verify-key=", 13)) {
			if (a[12] == '=')
				o->verify_key = a + 13;
			else if (i + 1 < argc)
				o->verify_key = argv[++i];
			if (!o->verify_key || !*o->verify_key)
				return -usage_error("--verify-key needs a non-empty KEY");
		} else if (!strncmp(a, "--timeout=", 10)) {
			if (parse_timeout(a + 10, &o->timeout_ms))
				return -usage_error("invalid timeout '%s'",
						    a + 10);
		} else {
			return -usage_error("unknown option '%s' for 'logon'",
					    a);
		}
	}
	if (argc - i != 2)
		return -usage_error("'logon' needs USER and CHALLENGE");
	if (!*argv[i] || strlen(argv[i]) >= HMAC_LOGON_USER_LEN)
		return -usage_error("USER must be 1..%d bytes",
				    HMAC_LOGON_USER_LEN - 1);
	if (!*argv[i + 1] || strlen(argv[i + 1]) > HMAC_LOGON_DATA_MAX)
		return -usage_error("CHALLENGE must be 1..%d bytes",
				    HMAC_LOGON_DATA_MAX);
	return i;
}

static void logon_print_mode(const struct logon_opts *o)
{
	unsigned int delay = o->hmac_flags >> HMAC_LOGON_DELAY_SHIFT;

	printf("mode:             ");
	if (o->call_flags & CLIENTBUF_CALL_ASYNC)
		printf("async (CLIENTBUF_CALL_ASYNC; the package answers from a work item)");
	else if (o->hmac_flags & HMAC_LOGON_F_DEFER)
		printf("sync, deferred (the package answers from a work item; the ioctl waits)");
	else
		printf("sync (the package answers in the caller's context)");
	if (delay)
		printf(", delay %u ms", delay);
	printf("\n");
}

static int cmd_logon(int argc, char **argv)
{
	struct {
		struct hmac_logon_submit hdr;
		unsigned char data[HMAC_LOGON_DATA_MAX];
	} sub;
	struct hmac_logon_submit *s = &sub.hdr;
	struct clientbuf_call call;
	struct logon_opts o;
	const char *user, *challenge;
	size_t clen;
	unsigned char *arena, *outbuf = NULL;
	const unsigned char *token = NULL;
	__u32 arena_id = 0, out_id = 0, st, status, return_len;
	__u64 return_addr;
	int fd, i, ret, rc = EXIT_FAIL;
	bool done;
	long page = sysconf(_SC_PAGESIZE);

	/* the challenge must follow the header directly */
	_Static_assert(offsetof(typeof(sub), data) ==
		       sizeof(struct hmac_logon_submit), "padding");

	i = logon_parse(argc, argv, &o);
	if (i < 0)
		return -i;
	user = argv[i];
	challenge = argv[i + 1];
	clen = strlen(challenge);

	memset(&sub, 0, sizeof(sub));
	s->op = HMAC_LOGON_OP_LOGON;
	s->flags = o.hmac_flags;
	memcpy(s->user, user, strlen(user));	/* NUL-padded by the memset */
	s->challenge_len = (__u32)clen;
	memcpy(sub.data, challenge, clen);

	fd = open_device();
	if (fd < 0)
		return EXIT_FAIL;

	arena = map_return_buffer(fd, &arena_id);
	if (!arena)
		goto out_close;
	if (o.out) {
		outbuf = mmap(NULL, page, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (outbuf == MAP_FAILED) {
			outbuf = NULL;
			fprintf(stderr, "%s: mmap: %s\n", prog,
				strerror(errno));
			goto out_unregister;
		}
		ret = cb_register(fd, outbuf, page, CLIENTBUF_BUF_WRITE,
				  &out_id, &st);
		if (ret) {
			fail_status("registering the out buffer", ret, st);
			goto out_unregister;
		}
		s->out_addr = (uintptr_t)outbuf;
		s->out_len = o.out_len;
	}

	printf("package:          %s\n", HMAC_LOGON_PACKAGE);
	logon_print_mode(&o);
	printf("user:             \"%s\"\n", user);
	printf("challenge:        ");
	print_quoted((const unsigned char *)challenge, clen);
	printf(" (%zu bytes)\n", clen);
	if (o.out)
		printf("answer into:      out buffer %" PRIu32 " at %p, out_len %" PRIu32 " (registered WRITE)\n",
		       (uint32_t)out_id, (void *)outbuf, (uint32_t)o.out_len);
	else
		printf("answer into:      a block allocated in buffer %" PRIu32 " (%d KiB at %p, ALLOC|WRITE|READ)\n",
		       (uint32_t)arena_id, CALL_RETURN_BUF_SIZE / 1024,
		       (void *)arena);

	ret = cb_call(fd, HMAC_LOGON_PACKAGE, &sub,
		      (__u32)(sizeof(*s) + clen), arena_id, o.call_flags,
		      &call);
	ret = finish_call(fd, &call, ret, o.timeout_ms, &done);
	if (!done)
		goto out_unregister;
	status = call.status;
	return_addr = call.return_addr;
	return_len = call.return_len;

	if (ret || !cb_nt_success(status)) {
		fprintf(stderr, "%s: logon failed: ", prog);
		print_status_brief(stderr, status);
		fprintf(stderr, "\n");
		goto out_unregister;
	}
	if (return_len != HMAC_LOGON_TOKEN_LEN) {
		fprintf(stderr, "%s: the answer is %" PRIu32 " bytes, not a %d-byte token\n",
			prog, (uint32_t)return_len, HMAC_LOGON_TOKEN_LEN);
		goto out_unregister;
	}
	if (o.out) {
		if (return_addr != (uintptr_t)outbuf) {
			fprintf(stderr, "%s: the answer is not in the out buffer\n",
				prog);
			goto out_unregister;
		}
		token = outbuf;
	} else {
		uintptr_t lo = (uintptr_t)arena;

		if (return_addr < lo ||
		    return_addr - lo > CALL_RETURN_BUF_SIZE - return_len) {
			fprintf(stderr, "%s: the answer is not inside the return buffer\n",
				prog);
			goto out_unregister;
		}
		token = arena + (return_addr - lo);
	}
	printf("token:            ");
	print_hex(token, HMAC_LOGON_TOKEN_LEN);
	printf("\n");
	rc = EXIT_OK;
	if (o.verify_key)
		rc = logon_verify(o.verify_key, s, sub.data, token);
	if (!o.out && cb_free(fd, arena_id, (void *)(uintptr_t)return_addr,
			      &st))
		fprintf(stderr, "%s: warning: freeing the token failed: %s\n",
			prog, status_name(st));

out_unregister:
	if (out_id && cb_unregister(fd, out_id, &st))
		fprintf(stderr, "%s: warning: unregistering failed: %s\n",
			prog, status_name(st));
	if (cb_unregister(fd, arena_id, &st))
		fprintf(stderr, "%s: warning: unregistering failed: %s\n",
			prog, status_name(st));
	if (outbuf)
		munmap(outbuf, page);
	munmap(arena, CALL_RETURN_BUF_SIZE);
out_close:
	cb_close(fd);
	return rc;
}

/* ---- serve ------------------------------------------------------------ */

#define SERVE_GREETING_MAX	(64 * 1024)

static volatile sig_atomic_t serve_stop;

static void serve_signal(int sig)
{
	serve_stop = sig;
}

static int parse_count(const char *s, unsigned long *count)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || !v || v > ULONG_MAX)
		return -EINVAL;
	*count = (unsigned long)v;
	return 0;
}

/*
 * Answer one call: allocate the greeting in the client's ALLOC buffer,
 * copy it there and complete the call with it. A step that fails
 * completes the call with that step's status.
 */
static int serve_answer(int fd, const struct clientbuf_server_call *hdr,
			const unsigned char *submit)
{
	static char greeting[SERVE_GREETING_MAX];
	__u32 st = CLIENTBUF_STATUS_SUCCESS, call_st, cst;
	const char *what = NULL;
	__u64 block = 0;
	int len, ret;

	len = snprintf(greeting, sizeof(greeting),
		       "hello uid %" PRIu32 ", you sent: %.*s",
		       (uint32_t)hdr->uid, (int)hdr->submit_len,
		       (const char *)submit);
	if (len < 0)
		len = 0;
	else if ((size_t)len >= sizeof(greeting))
		len = sizeof(greeting) - 1;

	ret = cb_server_alloc(fd, hdr->call_id, (__u32)len, &block, &st);
	if (ret) {
		what = "ALLOC";
	} else {
		ret = cb_server_copy_to(fd, hdr->call_id, block, greeting,
					(__u32)len, &st);
		if (ret) {
			what = "COPY_TO";
			cb_server_free(fd, hdr->call_id, block, NULL);
			block = 0;
		}
	}
	if (what) {
		printf("  %s failed: ", what);
		print_status_brief(stdout, st);
		printf("\n");
		call_st = st;
		len = 0;
	} else {
		printf("  answered %d bytes at 0x%" PRIx64 "\n", len,
		       (uint64_t)block);
		call_st = CLIENTBUF_STATUS_SUCCESS;
	}
	ret = cb_server_complete(fd, hdr->call_id, call_st,
				 CLIENTBUF_STATUS_SUCCESS, block, (__u32)len,
				 &cst);
	if (ret) {
		fprintf(stderr, "%s: completing call %" PRIu64 " failed: ",
			prog, (uint64_t)hdr->call_id);
		print_status_brief(stderr, cst);
		fprintf(stderr, "\n");
	}
	fflush(stdout);
	return ret;
}

static int cmd_serve(int argc, char **argv)
{
	struct clientbuf_server_call *hdr;
	struct clientbuf_info info;
	struct sigaction sa;
	sigset_t block, orig;
	unsigned long count = 0, served = 0;
	const char *package;
	size_t bufsize;
	void *buf = NULL;
	__u32 st;
	int fd, ret, rc = EXIT_FAIL;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strncmp(argv[i], "--count=", 8)) {
			if (parse_count(argv[i] + 8, &count))
				return usage_error("invalid count '%s'",
						   argv[i] + 8);
		} else if (!strcmp(argv[i], "--count")) {
			if (i + 1 >= argc || parse_count(argv[i + 1], &count))
				return usage_error("--count needs a positive number");
			i++;
		} else {
			return usage_error("unknown option '%s' for 'serve'",
					   argv[i]);
		}
	}
	if (argc - i != 1)
		return usage_error("'serve' needs PACKAGE");
	package = argv[i];
	if (!*package || strlen(package) >= CLIENTBUF_PACKAGE_NAME_MAX)
		return usage_error("invalid package name '%s'", package);

	fd = open_device();
	if (fd < 0)
		return EXIT_FAIL;
	ret = cb_get_info(fd, &info);
	if (ret) {
		fprintf(stderr, "%s: CLIENTBUF_IOC_GET_INFO failed: %s (%s)\n",
			prog, strerror(-ret), errno_name(ret));
		goto out_close;
	}
	if (!(info.features & CLIENTBUF_FEAT_SERVER)) {
		fprintf(stderr,
			"%s: this clientbuf module has no package servers\n",
			prog);
		goto out_close;
	}
	bufsize = sizeof(*hdr) + info.max_submit_len;
	buf = malloc(bufsize);
	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out_close;
	}
	hdr = buf;

	ret = cb_serve(fd, package, &st);
	if (ret == -EPERM) {
		fprintf(stderr,
			"%s: serving a package needs CAP_SYS_ADMIN (run as root): ",
			prog);
		print_status_brief(stderr, st);
		fprintf(stderr, "\n");
		goto out_free;
	} else if (ret == -EEXIST) {
		fprintf(stderr, "%s: a package named '%s' already exists: ",
			prog, package);
		print_status_brief(stderr, st);
		fprintf(stderr, "\n");
		goto out_free;
	} else if (ret < 0) {
		fail_status("CLIENTBUF_IOC_SERVE", ret, st);
		goto out_free;
	}
	/* The loop needs only the server fd; the client fd may go. */
	cb_close(fd);
	fd = ret;

	/*
	 * SIGINT and SIGTERM are blocked except inside ppoll(), so a signal
	 * either interrupts the wait or is seen before the next one.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = serve_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigdelset(&orig, SIGINT);
	sigdelset(&orig, SIGTERM);

	printf("serving package '%s'%s\n", package,
	       count ? "" : " (SIGINT or SIGTERM to stop)");
	fflush(stdout);
	rc = EXIT_OK;
	while (!serve_stop && (!count || served < count)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		ret = ppoll(&pfd, 1, NULL, &orig);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", prog,
				strerror(errno));
			rc = EXIT_FAIL;
			break;
		}
		if (pfd.revents & (POLLERR | POLLNVAL)) {
			fprintf(stderr, "%s: poll: error on the device\n",
				prog);
			rc = EXIT_FAIL;
			break;
		}
		n = cb_server_recv(fd, buf, bufsize);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: reading a call failed: %s (%s)\n",
				prog, strerror((int)-n), errno_name((int)n));
			rc = EXIT_FAIL;
			break;
		}
		printf("call %" PRIu64 ": pid %" PRId32 " tgid %" PRId32
		       " uid %" PRIu32 " gid %" PRIu32 ", %" PRIu32
		       " bytes: ", (uint64_t)hdr->call_id,
		       (int32_t)hdr->pid, (int32_t)hdr->tgid,
		       (uint32_t)hdr->uid, (uint32_t)hdr->gid,
		       (uint32_t)hdr->submit_len);
		print_quoted((const unsigned char *)(hdr + 1),
			     hdr->submit_len);
		printf("\n");
		serve_answer(fd, hdr, (const unsigned char *)(hdr + 1));
		served++;
	}
	if (serve_stop)
		printf("%s: stopping\n", strsignal(serve_stop));
	printf("served %lu call%s\n", served, served == 1 ? "" : "s");
	fflush(stdout);

out_free:
	free(buf);
out_close:
	/* Calls not yet read fail with STATUS_PORT_DISCONNECTED. */
	cb_close(fd);
	return rc;
}

/* ---- passwd: verifiers of the passwd_logon package ---------------------- */

#define PASSWD_KEYRING_PARAM "/sys/module/clientbuf_passwd/parameters/keyring"

/* The serial of the keyring clientbuf_passwd.ko created, or -errno. */
static long passwd_keyring(void)
{
	FILE *f = fopen(PASSWD_KEYRING_PARAM, "r");
	long serial;
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "%ld", &serial);
	fclose(f);
	return n == 1 && serial > 0 ? serial : -EINVAL;
}

/* The first line of stdin, without its newline, into @pw (@size bytes). */
static int passwd_read(char *pw, size_t size, size_t *len)
{
	size_t n = 0;
	int c;

	while ((c = getchar()) != EOF && c != '\n') {
		if (n == size) {
			explicit_bzero(pw, size);
			return -EMSGSIZE;
		}
		pw[n++] = (char)c;
	}
	if (ferror(stdin))
		return -EIO;
	*len = n;
	return 0;
}

static int cmd_passwd(int argc, char **argv)
{
	char desc[sizeof(PASSWD_KEY_PREFIX) + PASSWD_LOGON_USER_LEN];
	char pw[PASSWD_LOGON_PASSWORD_MAX];
	struct passwd_logon_verifier v;
	unsigned long iterations = PASSWD_ITERATIONS_DEFAULT;
	bool disabled = false, payload = false;
	long keyring = 0, key;
	const char *user;
	size_t pw_len;
	int i, ret;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--disabled")) {
			disabled = true;
		} else if (!strcmp(a, "--payload")) {
			payload = true;
		} else if (!strncmp(a, "--iterations=", 13)) {
			if (parse_uint(a + 13, 1, PASSWD_ITERATIONS_MAX,
				       &iterations))
				return usage_error("bad iteration count '%s'",
						   a + 13);
		} else if (!strncmp(a, "--keyring=", 10)) {
			unsigned long k;

			if (parse_uint(a + 10, 1, INT32_MAX, &k))
				return usage_error("bad keyring serial '%s'",
						   a + 10);
			keyring = (long)k;
		} else {
			return usage_error("passwd: unknown option '%s'", a);
		}
	}
	if (argc - i != 1)
		return usage_error("passwd: expected USER");
	user = argv[i];
	if (!*user || strlen(user) >= PASSWD_LOGON_USER_LEN)
		return usage_error("passwd: USER must be 1..%d bytes",
				   PASSWD_LOGON_USER_LEN - 1);
	if (!payload && !keyring) {
		keyring = passwd_keyring();
		if (keyring < 0) {
			fprintf(stderr, "%s: passwd: no keyring: %s: %s (load clientbuf_passwd.ko)\n",
				prog, PASSWD_KEYRING_PARAM,
				strerror((int)-keyring));
			return EXIT_FAIL;
		}
	}

	ret = passwd_read(pw, sizeof(pw), &pw_len);
	if (ret) {
		fprintf(stderr, "%s: passwd: reading the password: %s\n", prog,
			ret == -EMSGSIZE ? "longer than 512 bytes" :
			strerror(-ret));
		return EXIT_FAIL;
	}
	memset(&v, 0, sizeof(v));
	v.version = htole32(PASSWD_VERIFIER_VERSION);
	v.flags = htole32(disabled ? PASSWD_VERIFIER_F_DISABLED : 0);
	v.iterations = htole32((uint32_t)iterations);
	if (getrandom(v.salt, sizeof(v.salt), 0) != sizeof(v.salt)) {
		explicit_bzero(pw, sizeof(pw));
		fprintf(stderr, "%s: passwd: getrandom: %s\n", prog,
			strerror(errno));
		return EXIT_FAIL;
	}
	pbkdf2_hmac_sha256(pw, pw_len, v.salt, sizeof(v.salt),
			   (uint32_t)iterations, v.dk, sizeof(v.dk));
	explicit_bzero(pw, sizeof(pw));

	if (payload) {
		ret = fwrite(&v, sizeof(v), 1, stdout) == 1 &&
		      fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
		explicit_bzero(&v, sizeof(v));
		return ret;
	}
	snprintf(desc, sizeof(desc), PASSWD_KEY_PREFIX "%s", user);
	/*
	 * add_key(2) replaces the payload of a key with this description,
	 * which needs write permission on that key: its possessor has it
	 * (its owner only views it). Possess the keyring, and so its keys,
	 * by linking it into a new session keyring of this process.
	 */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 ||
	    syscall(SYS_keyctl, KEYCTL_LINK, keyring,
		    KEY_SPEC_SESSION_KEYRING) < 0) {
		explicit_bzero(&v, sizeof(v));
		fprintf(stderr, "%s: passwd: linking keyring %ld into a session keyring: %s\n",
			prog, keyring, strerror(errno));
		return EXIT_FAIL;
	}
	key = syscall(SYS_add_key, "user", desc, &v, sizeof(v), keyring);
	explicit_bzero(&v, sizeof(v));
	if (key < 0) {
		fprintf(stderr, "%s: passwd: add_key user \"%s\" to keyring %ld: %s\n",
			prog, desc, keyring, strerror(errno));
		return EXIT_FAIL;
	}
	printf("key %ld: user \"%s\" in keyring %ld (%lu iterations%s)\n",
	       key, desc, keyring, iterations, disabled ? ", disabled" : "");
	return EXIT_OK;
}

/* ---- dispatch ------------------------------------------------------------ */

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the command */
} commands[] = {
	{ "info",	cmd_info },
	{ "status",	cmd_status },
	{ "call",	cmd_call },
	{ "logon",	cmd_logon },
	{ "serve",	cmd_serve },
	{ "passwd",	cmd_passwd },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", argv[1]);
}
