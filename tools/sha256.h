/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), written for the
 * clientbuf CLI so that it can check the tokens of the hmac_logon sample
 * package independently of the kernel's crypto API, and PBKDF2 on top of
 * them for the verifiers of the passwd_logon package. Not constant-time
 * hardened beyond what the algorithm gives; not for production keys.
 */
#ifndef _CLIENTBUF_SHA256_H
#define _CLIENTBUF_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BLOCK_SIZE	64
#define SHA256_DIGEST_SIZE	32

struct sha256_ctx {
	uint32_t state[8];
	uint64_t bytes;			/* total bytes hashed */
	uint8_t buf[SHA256_BLOCK_SIZE];	/* partial block */
	size_t buf_len;
};

void sha256_init(struct sha256_ctx *ctx);
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);
void sha256_final(struct sha256_ctx *ctx, uint8_t out[SHA256_DIGEST_SIZE]);
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE]);

struct hmac_sha256_ctx {
	struct sha256_ctx inner;
	struct sha256_ctx outer;
};

void hmac_sha256_init(struct hmac_sha256_ctx *ctx, const void *key,
		      size_t key_len);
void hmac_sha256_update(struct hmac_sha256_ctx *ctx, const void *data,
			size_t len);
void hmac_sha256_final(struct hmac_sha256_ctx *ctx,
		       uint8_t out[SHA256_DIGEST_SIZE]);
void hmac_sha256(const void *key, size_t key_len, const void *data,
		 size_t len, uint8_t out[SHA256_DIGEST_SIZE]);

/*
 * PBKDF2-HMAC-SHA256 (RFC 8018, section 5.2): @dk_len bytes of derived key
 * from @password and @salt with @iterations (at least 1) rounds.
 */
void pbkdf2_hmac_sha256(const void *password, size_t password_len,
			const void *salt, size_t salt_len,
			uint32_t iterations, uint8_t *dk, size_t dk_len);

#endif /* _CLIENTBUF_SHA256_H */
