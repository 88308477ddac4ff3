// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: command-line client for /dev/clientbuf.
 *
 *   clientbuf info                       module ABI version, features, limits
 *   clientbuf status CODE                decode an NTSTATUS
 *   clientbuf call [--async] [--data-hex|--data-file] [--answer-hex]
 *                  PKG DATA              call a security package
 *   clientbuf logon [OPTS] USER CHALLENGE
 *                                        log on through the hmac_logon
 *                                        sample package, check the token
 *   clientbuf serve [--count N] [--passwd=DIR [OPTS]] PKG
 *                                        serve PKG from userspace (a toy
 *                                        package that greets its callers,
 *                                        or the passwd_logon protocol)
 *   clientbuf passwd [OPTS] USER         derive a verifier for the
 *                                        passwd_logon package and add it to
 *                                        the keyring "clientbuf:passwd"
 *
 * Exit status: 0 success, 1 failure (the message on stderr names the
 * NTSTATUS or errno), 2 usage error.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "clientbuf_hmac.h"
#include "clientbuf_passwd.h"

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
		"      --data-hex           DATA is the submit buffer in hex (\"01 00 0a ff\";\n"
		"                           blanks and ':' between bytes allowed)\n"
		"      --data-file          DATA names a file holding the submit buffer, \"-\"\n"
		"                           standard input (at most 1 MiB)\n"
		"      --answer-hex         print the answer as one line \"answer: HEX\"\n"
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
		"      --passwd=DIR         serve the passwd_logon protocol instead (what\n"
		"                           pam_clientbuf.so speaks): DIR/USER holds USER's\n"
		"                           verifier as \"passwd --payload USER\" writes it\n"
		"                           (DIR and files root's, mode 0700/0600); callers\n"
		"                           without CAP_SYS_ADMIN may check their own account\n"
		"                           only; as clientbuf_passwd.ko: every check costs the\n"
		"                           same iterations, failures are answered late, counted\n"
		"                           and logged (stderr), deny failures lock a name out;\n"
		"                           SIGUSR1 unlocks every name\n"
		"      --iterations=N       PBKDF2 iterations of every check, 1..%d (default\n"
		"                           %d); a verifier with more is refused\n"
		"      --fail-delay-ms=MS   a failure is answered MS ms late, 0..60000 (default\n"
		"                           2000), without holding the server\n"
		"      --deny=N             failures that lock a name out, 0: never (default 3)\n"
		"      --fail-interval=S    seconds within which failures add up (default 900)\n"
		"      --unlock-time=S      seconds after the last failure that a lockout\n"
		"                           ends, 0: only by SIGUSR1 or a restart (default 600)\n"
		"      --max-accounts=N     names whose failures are kept (default 1024)\n"
		"  passwd [OPTIONS] USER    read a password from the first line of standard\n"
		"                           input, derive a verifier for the passwd_logon\n"
		"                           package (clientbuf_passwd.ko: PBKDF2-HMAC-SHA256,\n"
		"                           random 16-byte salt) and add it as the \"user\" key\n"
		"                           \"clientbuf:passwd:USER\" to the package's keyring\n"
		"                           (replacing the user's old verifier; needs root)\n"
		"      --iterations=N       PBKDF2 iterations, 1..%d (default %d)\n"
		"      --uid=UID            the account's uid: a caller without\n"
		"                           CAP_DAC_READ_SEARCH may check only the account\n"
		"                           of its own uid (default: USER's uid in /etc/passwd)\n"
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
		PASSWD_ITERATIONS_DEFAULT, PASSWD_ITERATIONS_MAX,
		PASSWD_ITERATIONS_DEFAULT, sizeof(struct passwd_logon_verifier));
}

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
