// SPDX-License-Identifier: GPL-2.0
/*
 * Host-run test of the CLI's SHA-256 and HMAC-SHA256 (tools/sha256.c)
 * against published vectors: FIPS 180-4 examples (NIST CSRC "Example
 * Algorithms", SHA256.pdf), RFC 4231 test cases 1, 2, 3, 6 and 7, and the
 * PBKDF2-HMAC-SHA256 vectors of RFC 7914 section 11. Prints TAP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int num, failed;

static void hex(const uint8_t *p, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void check_len(const char *name, const uint8_t *digest, size_t len,
		      const char *want)
{
	char got[2 * 64 + 1];

	hex(digest, len, got);
	num++;
	if (!strcmp(got, want)) {
		printf("ok %d - %s\n", num, name);
	} else {
		printf("not ok %d - %s\n# got  %s\n# want %s\n", num, name,
		       got, want);
		failed++;
	}
}

static void check(const char *name, const uint8_t *digest, const char *want)
{
	check_len(name, digest, SHA256_DIGEST_SIZE, want);
}

static const struct {
	const char *name;
	const char *msg;
	const char *digest;
} sha_vectors[] = {
	{ "sha256 empty", "",
	  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "sha256 abc", "abc",
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "sha256 two blocks",
	  "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
};

int main(void)
{
	static const char tc7[] =
		"This is a test using a larger than block-size key and a "
		"larger than block-size data. The key needs to be hashed "
		"before being used by the HMAC algorithm.";
	static const char tc6[] =
		"Test Using Larger Than Block-Size Key - Hash Key First";
	uint8_t key[131], data[50], out[SHA256_DIGEST_SIZE], dk[64];
	struct sha256_ctx ctx;
	struct hmac_sha256_ctx hctx;
	char *million;
	size_t i, n;

	printf("TAP version 13\n");
	for (i = 0; i < ARRAY_SIZE(sha_vectors); i++) {
		sha256(sha_vectors[i].msg, strlen(sha_vectors[i].msg), out);
		check(sha_vectors[i].name, out, sha_vectors[i].digest);
	}

	/* one million 'a', fed in odd-sized pieces across block borders */
	million = malloc(1000000);
	if (!million)
		return 1;
	memset(million, 'a', 1000000);
	sha256(million, 1000000, out);
	check("sha256 one million a", out,
	      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	sha256_init(&ctx);
	for (i = 0; i < 1000000; i += n) {
		n = 1000000 - i < 61 ? 1000000 - i : 61;
		sha256_update(&ctx, million + i, n);
	}
	sha256_final(&ctx, out);
	check("sha256 one million a, 61 bytes at a time", out,
	      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);

	memset(key, 0x0b, 20);
	hmac_sha256(key, 20, "Hi There", 8, out);
	check("hmac-sha256 RFC 4231 test case 1", out,
	      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, out);
	check("hmac-sha256 RFC 4231 test case 2", out,
	      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, sizeof(key));
	memset(data, 0xdd, sizeof(data));
	hmac_sha256(key, 20, data, sizeof(data), out);
	check("hmac-sha256 RFC 4231 test case 3", out,
	      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	hmac_sha256(key, 131, tc6, strlen(tc6), out);
	check("hmac-sha256 RFC 4231 test case 6 (key hashed)", out,
	      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	hmac_sha256_init(&hctx, key, 131);
	for (i = 0; i < strlen(tc7); i += 13)
		hmac_sha256_update(&hctx, tc7 + i,
				   strlen(tc7) - i < 13 ? strlen(tc7) - i : 13);
	hmac_sha256_final(&hctx, out);
	check("hmac-sha256 RFC 4231 test case 7, 13 bytes at a time", out,
	      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");

	pbkdf2_hmac_sha256("passwd", 6, "salt", 4, 1, dk, sizeof(dk));
	check_len("pbkdf2-hmac-sha256 RFC 7914 passwd/salt, c=1, 64 bytes",
		  dk, sizeof(dk),
		  "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
		  "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
	pbkdf2_hmac_sha256("Password", 8, "NaCl", 4, 80000, dk, sizeof(dk));
	check_len("pbkdf2-hmac-sha256 RFC 7914 Password/NaCl, c=80000, 64 bytes",
		  dk, sizeof(dk),
		  "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
		  "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");

	printf("1..%d\n", num);
	return failed ? 1 : 0;
}
