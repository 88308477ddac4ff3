/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clientbuf CLI: what the commands share. One file a command (info.c,
 * status.c, call.c, serve.c with serve_passwd.c, passwd.c; "logon", the client of the hmac
 * sample, is samples/clientbuf_hmac_logon.c); main.c has the usage text
 * and the command table, common.c the helpers declared here.
 *
 * Every cmd_*() gets argv[0] = its command name and returns the exit
 * status: EXIT_OK, EXIT_FAIL (the message on stderr names the NTSTATUS or
 * errno) or EXIT_USAGE.
 */
#ifndef _CLIENTBUF_CLI_H
#define _CLIENTBUF_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "clientbuf.h"

#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __printf(a, b)	__attribute__((format(printf, a, b)))

/* the ALLOC|WRITE|READ buffer "call" and "logon" register for the answer */
#define CALL_RETURN_BUF_SIZE	(64 * 1024)
#define CALL_DEFAULT_TIMEOUT_MS	10000

/* "clientbuf": the prefix of every message */
extern const char *prog;

/* "PROG: MESSAGE" and "Try 'PROG --help'." on stderr; returns EXIT_USAGE */
int __printf(1, 2) usage_error(const char *fmt, ...);
/* "ENOENT" for ENOENT or -ENOENT, "0" for 0 */
const char *errno_name(int err);
/* clientbuf_status_name(), or "unknown NTSTATUS" */
const char *status_name(__u32 status);
/* "STATUS_X (0x..., errno E..., Win32 N ERROR_Y)" */
void print_status_brief(FILE *f, __u32 status);
/* "PROG: WHAT failed: <status>; errno ...": returns EXIT_FAIL */
int fail_status(const char *what, int err, __u32 status);
/* clientbuf_open(), saying on stderr why it failed */
int open_device(void);
/* a timeout in ms, -1..INT_MAX */
int parse_timeout(const char *s, int *ms);
/* a decimal number in [@min, @max] */
int parse_uint(const char *s, unsigned long min, unsigned long max,
	       unsigned long *v);
/* @len bytes as a C-style quoted string, on stdout */
void print_quoted(const unsigned char *p, size_t len);
/* @len bytes as hex, on stdout */
void print_hex(const unsigned char *p, size_t len);

/* call.c: the return buffer, and a call taken to its end */
void *map_return_buffer(int fd, __u32 *id);
int finish_call(int fd, struct clientbuf_call *call, int ret,
		int timeout_ms, bool *done);

int cmd_info(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_call(int argc, char **argv);
int cmd_logon(int argc, char **argv);
int cmd_serve(int argc, char **argv);
/* serve_passwd.c: "serve --passwd=DIR", the passwd_logon protocol */
/* 1: @arg was an option of --passwd (set), 0: not one, -1: bad (said so) */
int serve_passwd_option(const char *arg);
int serve_passwd_init(const char *dir);
/* answer a call, or (a failure) put its answer on the pending list */
int serve_passwd_answer(int fd, const struct clientbuf_server_call *hdr,
			const unsigned char *submit, const char *dir);
/* ms until the first pending answer is due, 0 if one is, -1 if none */
int serve_passwd_timeout(void);
/* complete the pending answers that are due (@all: every one); how many */
size_t serve_passwd_flush(int fd, bool all);
size_t serve_passwd_pending(void);
/* SIGUSR1: forget every name's failures */
void serve_passwd_unlock(void);
/* the count of log lines left out, the iterations done; free the lists */
void serve_passwd_finish(void);
int cmd_passwd(int argc, char **argv);

#endif /* _CLIENTBUF_CLI_H */
