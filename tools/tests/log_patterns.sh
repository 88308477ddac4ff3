#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel-log check of scripts/vm-init: BAD_LOG must match every kind of
# report a run fails on, and none of the lines a clean debug kernel prints
# while it boots (the KCSAN kernel's banner names CONFIG_KCSAN_STRICT).
# Prints TAP.
#
# Usage: log_patterns.sh

top=$(cd "$(dirname "$0")/../.." && pwd)
line=$(grep '^BAD_LOG=' "$top/scripts/vm-init") || {
	echo "1..1"
	echo "not ok 1 - scripts/vm-init sets BAD_LOG"
	exit 1
}
eval "$line"
n=0
failed=0

# check WANT LINE: WANT 1 if BAD_LOG must match LINE, 0 if it must not.
check() {
	n=$((n + 1))
	got=0
	printf '%s\n' "$2" | grep -qE "$BAD_LOG" && got=1
	what=passes
	[ "$1" = 1 ] && what=fails
	if [ "$got" = "$1" ]; then
		echo "ok $n - $what: $2"
	else
		echo "not ok $n - $what: $2"
		failed=$((failed + 1))
	fi
}

echo "1..16"
check 0 "[    2.667867] kcsan: enabled early"
check 0 "[    2.669827] kcsan: non-strict mode configured - use CONFIG_KCSAN_STRICT=y to see all data races"
check 0 "[    5.042752] kcsan: selftest: 3/3 tests passed"
check 0 "[    0.000000] kasan: KernelAddressSanitizer initialized (generic)"
check 0 "[    0.210000] kfence: initialized - using 2097152 bytes for 255 objects"
check 0 "[    4.100000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15663)"
check 1 "[  100.000000] BUG: KCSAN: data-race in cb_client_read / cb_request_complete"
check 1 "[  100.000000] BUG: KASAN: slab-use-after-free in cb_request_put+0x1a/0x80 [clientbuf]"
check 1 "[  100.000000] BUG: KFENCE: out-of-bounds read in cb_copy_pages+0x2c/0x1b0 [clientbuf]"
check 1 "[  100.000000] UBSAN: shift-out-of-bounds in module/copy.c:120:9"
check 1 "[  100.000000] WARNING: CPU: 1 PID: 412 at module/client.c:57 cb_client_free+0x9d/0xb0 [clientbuf]"
check 1 "[  100.000000] WARNING: possible circular locking dependency detected"
check 1 "[  100.000000] INFO: lockdep is turned off."
check 1 "[  100.000000] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)"
check 1 "[  100.000000] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI"
check 1 "[  100.000000] general protection fault, probably for non-canonical address 0xdead000000000100"
[ "$failed" = 0 ]
