/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Protocol of the "passwd_logon" sample security package
 * (clientbuf_passwd.ko), and the format of its verifiers.
 *
 * A password logon: the client submits a user name and the address of the
 * password in a buffer it registered with CLIENTBUF_BUF_READ; the package
 * reads the password with copy_from_client_buffer() (so it never travels
 * in the submit buffer, which the core copies and frees), derives
 * PBKDF2-HMAC-SHA256 with the user's salt and iteration count, compares
 * the result with the user's verifier in constant time and answers (call
 * status and protocol status are the same, nothing is returned):
 *
 *  - STATUS_SUCCESS: the password is right.
 *  - STATUS_LOGON_FAILURE: the password is wrong, or the user has no
 *    verifier (the same work and the same answer for both), or the
 *    verifier is malformed, or the account is locked out after too many
 *    failures (whatever the password).
 *  - STATUS_NO_SUCH_USER: the user has no verifier, only when the module
 *    parameter reveal_unknown_user is set.
 *  - STATUS_ACCOUNT_DISABLED: the verifier has PASSWD_VERIFIER_F_DISABLED,
 *    whatever the password (after the same derivation and delay).
 *  - STATUS_ACCESS_DENIED: the caller may not check this user: it lacks
 *    CAP_DAC_READ_SEARCH and its real or effective uid is not the owner of
 *    the user's verifier key (also for a user without a verifier, so that
 *    the answer tells nothing about who exists). Answered at once.
 *  - STATUS_INVALID_PARAMETER: a malformed submit buffer.
 *  - STATUS_INSUFFICIENT_RESOURCES: out of memory.
 *  - whatever copy_from_client_buffer() answered for the password (e.g.
 *    STATUS_ACCESS_VIOLATION when it is not in a READ buffer).
 *
 * LOGON_FAILURE, NO_SUCH_USER and ACCOUNT_DISABLED come back fail_delay_ms
 * (module parameter) after the check: the call is pending meanwhile (a
 * timer, no thread is held). Every check costs dummy_iterations PBKDF2
 * iterations, known user or not. Failures are counted per user name and
 * lock the name out as pam_faillock does (parameters deny, fail_interval,
 * unlock_time; unlock by writing the name, or "*", to the parameter
 * unlock). Documentation/pam.rst has the details.
 *
 * PASSWD_LOGON_OP_ACCOUNT (pam_sm_acct_mgmt) submits a user and no
 * password and answers STATUS_SUCCESS, STATUS_ACCOUNT_DISABLED or
 * STATUS_NO_SUCH_USER; it tells whether a user exists, so it needs the
 * same right as a logon: CAP_DAC_READ_SEARCH, or the caller's own account
 * (STATUS_ACCESS_DENIED otherwise).
 *
 * A submit buffer is malformed if submit_len is not sizeof(struct
 * passwd_logon_submit), op or a flag is unknown, a reserved field is not
 * zero, user is not a non-empty NUL-terminated string padded with NULs,
 * or password_len is above PASSWD_LOGON_PASSWORD_MAX (LOGON) or not 0
 * with password_addr 0 (ACCOUNT).
 *
 * Verifiers are keys of type "user" in the keyring "clientbuf:passwd",
 * which the module creates when it loads (owner root; root may view, read,
 * write, search and link it, nobody else anything) and invalidates when it
 * unloads. The key of user U has the description "clientbuf:passwd:U" and
 * a payload of exactly sizeof(struct passwd_logon_verifier) bytes; the
 * key's owner (keyctl chown; "clientbuf passwd" sets it) is the account's
 * uid. A key root still owns is an account of uid 0: only callers with
 * CAP_DAC_READ_SEARCH, or uid 0, check it.
 */
#ifndef _CLIENTBUF_PASSWD_H
#define _CLIENTBUF_PASSWD_H

#include <linux/types.h>

#define PASSWD_LOGON_PACKAGE		"passwd_logon"
#define PASSWD_LOGON_USER_LEN		64	/* user field, NUL-padded */
#define PASSWD_LOGON_PASSWORD_MAX	512

/* passwd_logon_submit.op */
#define PASSWD_LOGON_OP_LOGON		1	/* check a password */
#define PASSWD_LOGON_OP_ACCOUNT		2	/* is the account usable? */

/**
 * struct passwd_logon_submit - the submit buffer
 * @op: PASSWD_LOGON_OP_*
 * @flags: must be zero
 * @user: user name, NUL-terminated and NUL-padded
 * @password_addr: the password (not NUL-terminated), in a buffer the
 *	caller registered with CLIENTBUF_BUF_READ; 0 for ACCOUNT
 * @password_len: its length, 0..PASSWD_LOGON_PASSWORD_MAX; 0 for ACCOUNT
 * @reserved: must be zero
 */
struct passwd_logon_submit {
	__u32 op;
	__u32 flags;
	char user[PASSWD_LOGON_USER_LEN];
	__aligned_u64 password_addr;
	__u32 password_len;
	__u32 reserved;
};

/* The keyring and the key descriptions ("clientbuf:passwd:" + user). */
#define PASSWD_KEYRING			"clientbuf:passwd"
#define PASSWD_KEY_PREFIX		"clientbuf:passwd:"

#define PASSWD_VERIFIER_VERSION		1
#define PASSWD_VERIFIER_F_DISABLED	0x00000001U	/* no logon */
#define PASSWD_VERIFIER_FLAGS		PASSWD_VERIFIER_F_DISABLED
#define PASSWD_SALT_LEN			16
#define PASSWD_DK_LEN			32	/* one HMAC-SHA256 block */
#define PASSWD_ITERATIONS_DEFAULT	4096
#define PASSWD_ITERATIONS_MAX		1000000

/**
 * struct passwd_logon_verifier - payload of a verifier key
 * @version: PASSWD_VERIFIER_VERSION, little-endian
 * @flags: PASSWD_VERIFIER_F_*, little-endian
 * @iterations: PBKDF2 iteration count, 1..PASSWD_ITERATIONS_MAX,
 *	little-endian
 * @reserved: zero
 * @salt: the salt
 * @dk: PBKDF2-HMAC-SHA256(password, salt, iterations, PASSWD_DK_LEN)
 *	(RFC 8018, section 5.2)
 */
struct passwd_logon_verifier {
	__le32 version;
	__le32 flags;
	__le32 iterations;
	__le32 reserved;
	__u8 salt[PASSWD_SALT_LEN];
	__u8 dk[PASSWD_DK_LEN];
};

#endif /* _CLIENTBUF_PASSWD_H */
