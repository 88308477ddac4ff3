#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the host tests of tools/ (no module needed: status_table, lib_ioctl,
# crypto_test, win32_map, pam_test under pam_wrapper, cli_smoke.sh,
# log_patterns.sh, doc_pam.sh; and of the Makefile,
# scripts/tests/first-command.sh)
# and count their TAP, checking each program's plan (scripts/tap-count.awk).
# The last line is "CLIENTBUF-HOST: pass=N fail=N skip=N"; the exit status
# is 1 if any check failed. make -C tools test and make check both run this.
#
# Usage: tools/tests/run.sh OUTDIR   (the directory of the built tools)
set -uo pipefail

tests=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$tests/../.." && pwd)
out=${1:?usage: $0 OUTDIR}
pass=0 fail=0 skip=0

# one NAME COMMAND...: run a test program, count its results.
one() {
	local name=$1 log rc res p f s
	shift
	log=$(mktemp)
	"$@" >"$log" 2>&1
	rc=$?
	sed 's/^/# /' "$log"
	res=$(awk -f "$top/scripts/tap-count.awk" -v name="$name" -v rc=$rc \
		"$log")
	rm -f "$log"
	grep '^# ' <<<"$res"
	res=$(tail -n 1 <<<"$res")
	[[ $res =~ pass=([0-9]+)\ fail=([0-9]+)\ skip=([0-9]+) ]] || res="pass=0 fail=1 skip=0"
	p=${BASH_REMATCH[1]:-0} f=${BASH_REMATCH[2]:-1} s=${BASH_REMATCH[3]:-0}
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	if [ "$f" = 0 ]; then
		echo "ok - host: $name ($res)"
	else
		echo "not ok - host: $name ($res)"
	fi
}

one status_table "$out/status_table" "$top/uapi/linux/clientbuf.h"
one lib_ioctl "$out/lib_ioctl"
one crypto_test "$out/crypto_test"
one win32_map "$out/win32_map"
one pam_test "$out/tests/pam_test" "$out/pam_clientbuf.so"
one cli_smoke env CLIENTBUF="$out/clientbuf" "$tests/cli_smoke.sh"
one log_patterns "$tests/log_patterns.sh"
one doc_pam "$tests/doc_pam.sh"
one first_command "$top/scripts/tests/first-command.sh"

echo "CLIENTBUF-HOST: pass=$pass fail=$fail skip=$skip"
[ "$fail" = 0 ]
