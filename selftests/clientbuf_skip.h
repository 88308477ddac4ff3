/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A program whose test cases were all skipped exits with kselftest's skip
 * code, KSFT_SKIP (4), so that run_kselftest.sh reports it as
 * "ok N selftests: clientbuf: NAME # SKIP" and not as a pass.
 *
 * kselftest_harness.h's test_harness_run() ends with ksft_exit(ret == 0):
 * KSFT_PASS when nothing failed, even when every case was a SKIP (the
 * harness of Debian's 6.12 tree, which the tests build with, and of 6.1).
 * An exit handler of the main process, registered before main(), turns
 * that exit into KSFT_SKIP when the harness counted skips and nothing
 * else (ksft_cnt, kselftest.h's counters, which the harness updates in
 * the main process for each case). The cases' own child processes (the
 * harness forks one per case) inherit the handler but are left alone:
 * they are not the process it was registered in.
 *
 * Include after kselftest_harness.h (clientbuf_util.h does).
 */
#ifndef _CLIENTBUF_SKIP_H
#define _CLIENTBUF_SKIP_H

#include <stdlib.h>
#include <unistd.h>

#include "kselftest_harness.h"

static pid_t cb_skip_main_pid;

static void cb_skip_exit(void)
{
	if (getpid() != cb_skip_main_pid)
		return;
	if (ksft_cnt.ksft_xskip && !ksft_cnt.ksft_pass &&
	    !ksft_cnt.ksft_fail && !ksft_cnt.ksft_xfail &&
	    !ksft_cnt.ksft_xpass && !ksft_cnt.ksft_error) {
		fflush(stdout);
		_exit(KSFT_SKIP);
	}
}

static void __attribute__((constructor)) cb_skip_init(void)
{
	cb_skip_main_pid = getpid();
	atexit(cb_skip_exit);
}

#endif /* _CLIENTBUF_SKIP_H */
