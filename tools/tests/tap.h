/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal TAP producer for the host-run tests of tools/: check() prints
 * "ok N - ..." or "not ok N - ...", tap_done() the plan and the exit code.
 */
#ifndef _CLIENTBUF_TAP_H
#define _CLIENTBUF_TAP_H

#include <stdarg.h>
#include <stdio.h>

#define __printf(a, b)	__attribute__((format(printf, a, b)))

static int test_num, failures;

static inline void __printf(2, 3) check(int ok, const char *fmt, ...)
{
	va_list ap;

	test_num++;
	if (!ok)
		failures++;
	printf("%sok %d - ", ok ? "" : "not ", test_num);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Print the plan; the exit status: 1 if any check failed. */
static inline int tap_done(void)
{
	printf("1..%d\n", test_num);
	if (failures)
		printf("# %d of %d tests failed\n", failures, test_num);
	return failures ? 1 : 0;
}

#endif /* _CLIENTBUF_TAP_H */
