// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf passwd [OPTIONS] USER: derive a verifier for the passwd_logon
 * package (samples/clientbuf_passwd.c) and add it to its keyring, owned by
 * the account's uid (--uid, or USER's entry in /etc/passwd): a caller
 * without CAP_DAC_READ_SEARCH may check only the account whose key its uid
 * owns. PBKDF2 comes from OpenSSL's libcrypto.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <pwd.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>

#include "cli.h"
#include "clientbuf_passwd.h"
#include "crypto.h"

#define PASSWD_KEYRING_PARAM "/sys/module/clientbuf_passwd/parameters/keyring"
/*
 * A verifier key's permissions (keyctl setperm): its possessor view, read,
 * write, search, link and setattr (what add_key gives it, 0x3f000000), its
 * owner view (0x00010000), group view (0x00000100). keyutils.h names the
 * bits; the CLI does not need libkeyutils for one constant.
 */
#define PASSWD_KEY_PERM	0x3f010100U

/* The serial of the keyring clientbuf_passwd.ko created, or -errno. */
long passwd_keyring(void)
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

/*
 * The uid of @user in /etc/passwd (read with fgetpwent(), which needs no
 * NSS module: the CLI is linked statically), or -ENOENT.
 */
static long passwd_file_uid(const char *user)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	long uid = -ENOENT;

	if (!f)
		return -ENOENT;
	while ((pw = fgetpwent(f)))
		if (!strcmp(pw->pw_name, user)) {
			uid = pw->pw_uid;
			break;
		}
	fclose(f);
	return uid;
}

/* The first line of stdin, without its newline, into @pw (@size bytes). */
int passwd_read(char *pw, size_t size, size_t *len)
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

int cmd_passwd(int argc, char **argv)
{
	char desc[sizeof(PASSWD_KEY_PREFIX) + PASSWD_LOGON_USER_LEN];
	char pw[PASSWD_LOGON_PASSWORD_MAX];
	struct passwd_logon_verifier v;
	unsigned long iterations = PASSWD_ITERATIONS_DEFAULT;
	bool disabled = false, payload = false;
	long keyring = 0, key, uid = -1;
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
		} else if (!strncmp(a, "--uid=", 6)) {
			unsigned long u;

			/* (uid_t)-1 is no uid */
			if (parse_uint(a + 6, 0, UINT32_MAX - 1, &u))
				return usage_error("bad uid '%s'", a + 6);
			uid = (long)u;
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
	if (uid < 0 && !payload) {
		uid = passwd_file_uid(user);
		if (uid < 0) {
			fprintf(stderr, "%s: passwd: %s is not in /etc/passwd: give its uid with --uid=UID\n",
				prog, user);
			return EXIT_FAIL;
		}
	}
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
	ret = cb_pbkdf2_hmac_sha256(pw, pw_len, v.salt, sizeof(v.salt),
				    (uint32_t)iterations, v.dk, sizeof(v.dk));
	explicit_bzero(pw, sizeof(pw));
	if (ret) {
		explicit_bzero(&v, sizeof(v));
		fprintf(stderr, "%s: passwd: PBKDF2 (libcrypto) failed\n",
			prog);
		return EXIT_FAIL;
	}

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
	/*
	 * The owner is the account's uid; until the chown root owns the key,
	 * and only privileged callers may check it. The owner may view the
	 * key, not read it; group 0 (root's) may view it, so that root still
	 * finds it in /proc/keys (keyctl %user:...) once it is not the owner.
	 */
	if (syscall(SYS_keyctl, KEYCTL_SETPERM, key, PASSWD_KEY_PERM) < 0 ||
	    syscall(SYS_keyctl, KEYCTL_CHOWN, key, (uid_t)uid, 0) < 0) {
		fprintf(stderr, "%s: passwd: keyctl setperm/chown %ld to uid %ld: %s\n",
			prog, key, uid, strerror(errno));
		return EXIT_FAIL;
	}
	printf("key %ld: user \"%s\" in keyring %ld (uid %ld, %lu iterations%s)\n",
	       key, desc, keyring, uid, iterations,
	       disabled ? ", disabled" : "");
	return EXIT_OK;
}
