// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf_cli - the clientbuf command against the running module: a
 * binary protocol driven from the shell. "clientbuf call" sends a struct
 * hmac_logon_submit (samples/clientbuf_hmac.h) given as hex
 * (--data-hex) and as a file (--data-file, and "-" for standard input),
 * and prints the 32-byte token hmac_logon allocates as hex
 * (--answer-hex); the token must be the one "clientbuf logon
 * --verify-key" computes in userspace for the same user and challenge.
 * Malformed submits get the package's exact status.
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include "../samples/clientbuf_hmac.h"
#include "clientbuf_util.h"

#define CLI		"/bin/clientbuf"
#define SUBMIT_FILE	"/tmp/clientbuf-cli-submit.bin"
#define OUT_MAX		8192
#define SAMPLE_KEY	"clientbuf-sample-key"

/* Run @argv with @input (@in_len bytes) on stdin; output into @out. */
static int run(const void *input, size_t in_len, char *out, char *const argv[])
{
	return cb_run_cmd(input, in_len, out, OUT_MAX, argv);
}

/* The hex after "@label" up to the end of its line, into @hex. */
static bool field(const char *out, const char *label, char *hex, size_t size)
{
	const char *p = strstr(out, label);
	size_t n;

	if (!p)
		return false;
	p += strlen(label);
	while (*p == ' ')
		p++;
	n = strcspn(p, " \n");
	if (!n || n >= size)
		return false;
	memcpy(hex, p, n);
	hex[n] = 0;
	return true;
}

struct submit {
	struct hmac_logon_submit h;
	char challenge[2];
} __attribute__((packed));

static void submit_init(struct submit *s)
{
	memset(s, 0, sizeof(*s));
	s->h.op = HMAC_LOGON_OP_LOGON;
	strcpy(s->h.user, "alice");
	s->h.challenge_len = sizeof(s->challenge);
	memcpy(s->challenge, "c1", 2);
}

static void to_hex(const void *p, size_t len, char *hex)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", b[i]);
}

FIXTURE(cli) {
	char expected[2 * HMAC_LOGON_TOKEN_LEN + 1];
};

FIXTURE_SETUP(cli)
{
	char out[OUT_MAX];
	char *logon[] = { CLI, "logon", "--verify-key", SAMPLE_KEY, "alice",
			  "c1", NULL };

	if (access(CLI, X_OK) || access("/sys/module/clientbuf_hmac", F_OK))
		SKIP(return, CLI " or clientbuf_hmac.ko not in this image");
	/* the token as the CLI's own check computes it in userspace */
	ASSERT_EQ(0, run(NULL, 0, out, logon)) TH_LOG("%s", out);
	ASSERT_TRUE(field(out, "expected:", self->expected,
			  sizeof(self->expected))) TH_LOG("%s", out);
	ASSERT_EQ(2 * HMAC_LOGON_TOKEN_LEN, strlen(self->expected));
}

FIXTURE_TEARDOWN(cli)
{
	unlink(SUBMIT_FILE);
}

TEST_F(cli, call_data_hex_answer_hex)
{
	char out[OUT_MAX], hex[2 * sizeof(struct submit) + 1], token[128];
	char *argv[] = { CLI, "call", "--data-hex", "--answer-hex",
			 HMAC_LOGON_PACKAGE, hex, NULL };
	struct submit s;

	submit_init(&s);
	to_hex(&s, sizeof(s), hex);
	EXPECT_EQ(0, run(NULL, 0, out, argv)) TH_LOG("%s", out);
	EXPECT_TRUE(field(out, "answer:", token, sizeof(token)))
		TH_LOG("%s", out);
	EXPECT_STREQ(self->expected, token);
	EXPECT_NE(NULL, strstr(out, "status:           STATUS_SUCCESS"));
	printf("# %s", out);
}

TEST_F(cli, call_data_file_answer_hex)
{
	char out[OUT_MAX], token[128];
	char *file[] = { CLI, "call", "--data-file", "--answer-hex",
			 HMAC_LOGON_PACKAGE, SUBMIT_FILE, NULL };
	char *std_in[] = { CLI, "call", "--data-file", "--answer-hex",
			   HMAC_LOGON_PACKAGE, "-", NULL };
	struct submit s;
	int fd;

	submit_init(&s);
	fd = open(SUBMIT_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)sizeof(s), write(fd, &s, sizeof(s)));
	close(fd);
	EXPECT_EQ(0, run(NULL, 0, out, file)) TH_LOG("%s", out);
	EXPECT_TRUE(field(out, "answer:", token, sizeof(token)))
		TH_LOG("%s", out);
	EXPECT_STREQ(self->expected, token);

	EXPECT_EQ(0, run(&s, sizeof(s), out, std_in)) TH_LOG("%s", out);
	EXPECT_TRUE(field(out, "answer:", token, sizeof(token)))
		TH_LOG("%s", out);
	EXPECT_STREQ(self->expected, token);
}

/* A malformed binary submit: the package's status, exit 1, no answer. */
TEST_F(cli, call_binary_submit_refused)
{
	char out[OUT_MAX], hex[2 * sizeof(struct submit) + 1];
	char *argv[] = { CLI, "call", "--data-hex", "--answer-hex",
			 HMAC_LOGON_PACKAGE, hex, NULL };
	struct submit s;

	submit_init(&s);
	s.h.reserved = 1;
	to_hex(&s, sizeof(s), hex);
	EXPECT_EQ(1, run(NULL, 0, out, argv)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "STATUS_INVALID_PARAMETER (0xC000000D"))
		TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "answer:"));
	/* one byte short of the header */
	to_hex(&s, sizeof(s.h) - 1, hex);
	EXPECT_EQ(1, run(NULL, 0, out, argv)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "STATUS_INVALID_PARAMETER (0xC000000D"))
		TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
