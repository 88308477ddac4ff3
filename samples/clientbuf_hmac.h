/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Protocol of the "hmac_logon" sample security package (clientbuf_hmac.ko).
 *
 * A challenge-response logon: the client submits a user name and a
 * challenge, the package answers with
 *
 *	token = HMAC-SHA256(key, user[0..31] || challenge[0..challenge_len-1])
 *
 * where user is the whole 32-byte, NUL-padded user field of the submit
 * buffer and the challenge is the bytes that follow the header. The key is
 * the module parameter "key" until a CAP_SYS_ADMIN caller replaces it with
 * HMAC_LOGON_OP_SET_KEY.
 *
 * The submit buffer of CLIENTBUF_IOC_CALL_PACKAGE is a struct
 * hmac_logon_submit immediately followed by exactly challenge_len data
 * bytes (the challenge, or the new key for SET_KEY): submit_len must be
 * sizeof(struct hmac_logon_submit) + challenge_len.
 *
 * Answers (call status and protocol status are the same):
 *
 *  - STATUS_SUCCESS: the token is at return_addr, return_len is
 *    HMAC_LOGON_TOKEN_LEN. It is the caller's out buffer if out_addr was
 *    given, else a block allocated in the caller's CLIENTBUF_BUF_ALLOC
 *    buffer (free it with CLIENTBUF_IOC_FREE). SET_KEY returns nothing.
 *  - STATUS_BUFFER_TOO_SMALL: out_len < HMAC_LOGON_TOKEN_LEN; nothing was
 *    written, return_len is the length needed.
 *  - STATUS_INVALID_PARAMETER: a malformed submit buffer (see below).
 *  - STATUS_ACCESS_DENIED: SET_KEY by a caller without CAP_SYS_ADMIN.
 *  - whatever copy_to_client_buffer() or allocate_client_buffer() returned
 *    (e.g. STATUS_ACCESS_VIOLATION for an out buffer the caller did not
 *    register for writing, STATUS_NO_MEMORY without an ALLOC buffer).
 *
 * A submit buffer is malformed if it is shorter than the header, if
 * challenge_len is 0, larger than HMAC_LOGON_DATA_MAX or does not match
 * the bytes that follow the header, if op or a flag is unknown, if a
 * reserved field is not zero, or if user is not a non-empty NUL-terminated
 * string padded with NULs. SET_KEY takes no flags, no user and no out
 * buffer. A delay needs HMAC_LOGON_F_DEFER and is at most
 * HMAC_LOGON_DELAY_MAX_MS.
 */
#ifndef _CLIENTBUF_HMAC_H
#define _CLIENTBUF_HMAC_H

#include <linux/types.h>

#define HMAC_LOGON_PACKAGE	"hmac_logon"
#define HMAC_LOGON_USER_LEN	32	/* user field, NUL-padded */
#define HMAC_LOGON_DATA_MAX	256	/* challenge or key bytes */
#define HMAC_LOGON_TOKEN_LEN	32	/* HMAC-SHA256 output */
#define HMAC_LOGON_DELAY_MAX_MS	2000

/* hmac_logon_submit.op */
#define HMAC_LOGON_OP_LOGON	1	/* compute a token */
#define HMAC_LOGON_OP_SET_KEY	2	/* replace the key (CAP_SYS_ADMIN) */

/*
 * hmac_logon_submit.flags. HMAC_LOGON_F_DEFER: the package answers
 * STATUS_PENDING and computes and delivers the token from a work item (the
 * copy then takes the kthread path); with CLIENTBUF_CALL_ASYNC the call
 * ends in a completion record, without it the ioctl waits. Bits 16..31
 * hold a delay in milliseconds before the work item runs (DEFER only).
 */
#define HMAC_LOGON_F_DEFER		0x00000001U
#define HMAC_LOGON_DELAY_SHIFT		16
#define HMAC_LOGON_F_DELAY(ms)		((__u32)(ms) << HMAC_LOGON_DELAY_SHIFT)
#define HMAC_LOGON_F_DELAY_MASK		(0xffffU << HMAC_LOGON_DELAY_SHIFT)
#define HMAC_LOGON_FLAGS		(HMAC_LOGON_F_DEFER | \
					 HMAC_LOGON_F_DELAY_MASK)

/**
 * struct hmac_logon_submit - header of the submit buffer
 * @op: HMAC_LOGON_OP_*
 * @flags: HMAC_LOGON_F_* (LOGON only)
 * @user: user name, NUL-terminated and NUL-padded; LOGON only, all zero
 *	for SET_KEY
 * @challenge_len: bytes after this header: the challenge (LOGON) or the
 *	key (SET_KEY), 1..HMAC_LOGON_DATA_MAX
 * @reserved: must be zero
 * @out_addr: where to write the token, in a buffer the caller registered
 *	with CLIENTBUF_BUF_WRITE; 0 to have the package allocate it
 * @out_len: size of the buffer at @out_addr; 0 when @out_addr is 0
 * @reserved2: must be zero
 */
struct hmac_logon_submit {
	__u32 op;
	__u32 flags;
	char user[HMAC_LOGON_USER_LEN];
	__u32 challenge_len;
	__u32 reserved;
	__aligned_u64 out_addr;
	__u32 out_len;
	__u32 reserved2;
};

#endif /* _CLIENTBUF_HMAC_H */
