// SPDX-License-Identifier: GPL-2.0
/*
 * HMAC-SHA256 and PBKDF2-HMAC-SHA256 through OpenSSL's libcrypto; see
 * crypto.h.
 */
#include <limits.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto.h"

int cb_hmac_sha256(const void *key, size_t key_len, const void *d1,
		   size_t l1, const void *d2, size_t l2,
		   uint8_t out[CB_SHA256_DIGEST_SIZE])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 "SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	size_t len = 0;
	int ok;

	ok = ctx && EVP_MAC_init(ctx, key, key_len, params) &&
	     EVP_MAC_update(ctx, d1, l1) &&
	     (!l2 || EVP_MAC_update(ctx, d2, l2)) &&
	     EVP_MAC_final(ctx, out, &len, CB_SHA256_DIGEST_SIZE) &&
	     len == CB_SHA256_DIGEST_SIZE;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok ? 0 : -1;
}

int cb_pbkdf2_hmac_sha256(const void *password, size_t password_len,
			  const void *salt, size_t salt_len,
			  uint32_t iterations, uint8_t *dk, size_t dk_len)
{
	if (!iterations || iterations > INT_MAX || password_len > INT_MAX ||
	    salt_len > INT_MAX || dk_len > INT_MAX)
		return -1;
	return PKCS5_PBKDF2_HMAC(password, (int)password_len, salt,
				 (int)salt_len, (int)iterations, EVP_sha256(),
				 (int)dk_len, dk) == 1 ? 0 : -1;
}
