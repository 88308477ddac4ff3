#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the selftests in a VM for each kernel and sum the results (make check).
#
# Usage: scripts/check.sh KVER...
#
# First the lint steps (scripts/lint.sh; LINT=0 skips them): each step is
# one test. Then, counted: every test case of every selftest binary (the
# kselftest harness's "ok N" / "not ok N" lines for each TEST), plus the shell-level
# tests of scripts/vm-init (insmod of each module, unload/reload, kernel
# log, taint). A binary that fails outside its test cases counts as one
# failure; a kernel run that crashes, times out or prints no result counts
# as one failure. The last line is "N passed, N failed[, N skipped]".
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
[ $# -ge 1 ] || { echo "usage: $0 KVER..." >&2; exit 1; }

pass=0
fail=0
skip=0
summary=()

if [ "${LINT:-1}" != 0 ]; then
	mkdir -p "$build"
	log=$build/lint.log
	"$top/scripts/lint.sh" "$@" 2>&1 | tee "$log" || true
	res=$(grep -a '^CLIENTBUF-LINT:' "$log" | tail -n 1 || true)
	if [[ $res =~ pass=([0-9]+)\ fail=([0-9]+)\ skip=([0-9]+) ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[3]}
	else
		p=0 f=1 s=0
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	summary+=("lint: pass=$p fail=$f skip=$s (log $log)")
	while IFS= read -r line; do
		summary+=("    $line")
	done < <(grep -aE '^not ok [0-9]+ ' "$log" || true)
fi
for kver in "$@"; do
	rc=0
	"$top/scripts/vm-run.sh" "$kver" check || rc=$?
	log=$build/$kver/check.log
	res=$(grep -a '^CLIENTBUF-RESULT:' "$log" | tail -n 1 || true)
	end=$(grep -a '^CLIENTBUF-VM-RUN:' "$log" | tail -n 1 || true)
	if [[ $res =~ pass=([0-9]+)\ fail=([0-9]+)\ skip=([0-9]+) ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[3]}
		# the VM must also have ended cleanly
		if [ $rc != 0 ] && [ "$f" = 0 ]; then
			f=1
		fi
	else
		p=0 f=1 s=0
		res="no result"
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	summary+=("$kver: pass=$p fail=$f skip=$s (${end#CLIENTBUF-VM-RUN: })")
	while IFS= read -r line; do
		summary+=("    $line")
	done < <(grep -aE '^(# )?not ok [0-9]+ ' "$log" || true)
	# clientbuf_fail_nth (debug kernels): fault sites per operation
	while IFS= read -r line; do
		summary+=("    fault sites: ${line#*# }")
	done < <(grep -aE '^# # .*(distinct clientbuf sites|distinct sites unknown)' \
		"$log" || true)
done

echo
echo "==== clientbuf check summary ===="
printf '%s\n' "${summary[@]}"
line="$pass passed, $fail failed"
[ $skip = 0 ] || line="$line, $skip skipped"
echo "$line"
[ $fail = 0 ]
