// SPDX-License-Identifier: GPL-2.0
/*
 * Host-run known-answer test of the CLI's HMAC-SHA256 and
 * PBKDF2-HMAC-SHA256 (tools/crypto.c, OpenSSL's libcrypto) against
 * published vectors: RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (test case 5
 * is truncated output, which the CLI does not use) and the
 * PBKDF2-HMAC-SHA256 vectors of RFC 7914 section 11. Prints TAP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

static int num, failed;

static void check(const char *name, int ret, const uint8_t *digest,
		  size_t len, const char *want)
{
	char got[2 * 64 + 1];
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(got + 2 * i, "%02x", digest[i]);
	num++;
	if (!ret && !strcmp(got, want)) {
		printf("ok %d - %s\n", num, name);
	} else {
		printf("not ok %d - %s\n# ret %d\n# got  %s\n# want %s\n", num,
		       name, ret, got, want);
		failed++;
	}
}

int main(void)
{
	static const char tc7[] =
		"This is a test using a larger than block-size key and a "
		"larger than block-size data. The key needs to be hashed "
		"before being used by the HMAC algorithm.";
	static const char tc6[] =
		"Test Using Larger Than Block-Size Key - Hash Key First";
	uint8_t key[131], data[50], out[CB_SHA256_DIGEST_SIZE], dk[64];
	size_t i;
	int ret;

	printf("TAP version 13\n");

	memset(key, 0x0b, 20);
	ret = cb_hmac_sha256(key, 20, "Hi There", 8, NULL, 0, out);
	check("hmac-sha256 RFC 4231 test case 1", ret, out, sizeof(out),
	      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	/* in two parts, as the CLI hashes user field and challenge */
	ret = cb_hmac_sha256("Jefe", 4, "what do ya want ", 16,
			     "for nothing?", 12, out);
	check("hmac-sha256 RFC 4231 test case 2, in two parts", ret, out,
	      sizeof(out),
	      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, sizeof(key));
	memset(data, 0xdd, sizeof(data));
	ret = cb_hmac_sha256(key, 20, data, sizeof(data), NULL, 0, out);
	check("hmac-sha256 RFC 4231 test case 3", ret, out, sizeof(out),
	      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	for (i = 0; i < 25; i++)
		key[i] = (uint8_t)(i + 1);
	memset(data, 0xcd, sizeof(data));
	ret = cb_hmac_sha256(key, 25, data, sizeof(data), NULL, 0, out);
	check("hmac-sha256 RFC 4231 test case 4", ret, out, sizeof(out),
	      "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
	memset(key, 0xaa, sizeof(key));
	ret = cb_hmac_sha256(key, 131, tc6, strlen(tc6), NULL, 0, out);
	check("hmac-sha256 RFC 4231 test case 6 (key hashed)", ret, out,
	      sizeof(out),
	      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	ret = cb_hmac_sha256(key, 131, tc7, 50, tc7 + 50, strlen(tc7) - 50,
			     out);
	check("hmac-sha256 RFC 4231 test case 7, in two parts", ret, out,
	      sizeof(out),
	      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");

	ret = cb_pbkdf2_hmac_sha256("passwd", 6, "salt", 4, 1, dk, sizeof(dk));
	check("pbkdf2-hmac-sha256 RFC 7914 passwd/salt, c=1, 64 bytes", ret,
	      dk, sizeof(dk),
	      "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
	      "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
	ret = cb_pbkdf2_hmac_sha256("Password", 8, "NaCl", 4, 80000, dk,
				    sizeof(dk));
	check("pbkdf2-hmac-sha256 RFC 7914 Password/NaCl, c=80000, 64 bytes",
	      ret, dk, sizeof(dk),
	      "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
	      "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");

	/* refused, not truncated: an iteration count libcrypto cannot take */
	num++;
	if (cb_pbkdf2_hmac_sha256("p", 1, "s", 1, 0, dk, sizeof(dk)) == -1 &&
	    cb_pbkdf2_hmac_sha256("p", 1, "s", 1, 0x80000000U, dk,
				  sizeof(dk)) == -1) {
		printf("ok %d - pbkdf2 refuses 0 and 2^31 iterations\n", num);
	} else {
		printf("not ok %d - pbkdf2 refuses 0 and 2^31 iterations\n",
		       num);
		failed++;
	}

	printf("1..%d\n", num);
	return failed ? 1 : 0;
}
