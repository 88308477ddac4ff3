/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HMAC-SHA256 and PBKDF2-HMAC-SHA256 for the clientbuf CLI and tests, from
 * OpenSSL's libcrypto (link with -lcrypto): the CLI checks the tokens of
 * the hmac_logon sample package with it, independently of the kernel's
 * crypto API, and derives the verifiers of the passwd_logon package.
 * tools/tests/crypto_test.c checks both against the published vectors.
 */
#ifndef _CLIENTBUF_CRYPTO_H
#define _CLIENTBUF_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CB_SHA256_DIGEST_SIZE	32

/*
 * HMAC-SHA256 (RFC 2104) under @key of @d1 followed by @d2 (@l2 may be 0).
 * Return: 0, or -1 if libcrypto failed.
 */
int cb_hmac_sha256(const void *key, size_t key_len, const void *d1,
		   size_t l1, const void *d2, size_t l2,
		   uint8_t out[CB_SHA256_DIGEST_SIZE]);

/*
 * PBKDF2-HMAC-SHA256 (RFC 8018, section 5.2): @dk_len bytes from
 * @password and @salt with @iterations (at least 1) rounds.
 * Return: 0, or -1 if libcrypto failed or an argument is out of its range.
 */
int cb_pbkdf2_hmac_sha256(const void *password, size_t password_len,
			  const void *salt, size_t salt_len,
			  uint32_t iterations, uint8_t *dk, size_t dk_len);

#endif /* _CLIENTBUF_CRYPTO_H */
