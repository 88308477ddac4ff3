#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the selftests in a VM for each kernel and sum the results (make check).
#
# Usage: scripts/check.sh KVER...
#
# Counted, in this order, each distinct check once:
#  - the dependency resolution: scripts/install-deps.sh --simulate proves
#    that a machine with nothing installed resolves every package, and
#    that the build root of the newest kernel would (one test each);
#  - the lint steps (scripts/lint.sh; LINT=0 skips them), one test each;
#  - the host tests of tools/ (tools/tests/run.sh), each TAP result;
#  - per kernel, every test case of every selftest binary (the kselftest
#    harness's results, counted by scripts/tap-count.awk in the VM: a
#    binary whose results differ from its plan, or that failed outside
#    its test cases, is one more failure; SKIP and XFAIL are skips), plus
#    the shell-level tests of scripts/vm-init (insmod of each module,
#    unload/reload, kernel log, taint). A binary that should have run
#    (selftests/*.c, or those in SELFTESTS) and printed no result is one
#    failure; a kernel run that crashes, times out or prints no result
#    counts as one failure;
#  - the package author's path (scripts/package-tests.sh): the C examples
#    of Documentation/, the package template on each kernel, the
#    kselftest route, the commands of Documentation/write-a-package.rst
#    (PACKAGE_TESTS=0, as make check-debug sets it, leaves them out).
# The summary names the kernels and linux-source versions chosen
# (build/deps.env); the last line is "N passed, N failed[, N skipped]".
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
build=${BUILD:-$top/build}
[ $# -ge 1 ] || { echo "usage: $0 KVER..." >&2; exit 1; }

pass=0
fail=0
skip=0
summary=()

# add_counts "pass=N fail=N skip=N" LABEL: add to the totals.
add_counts() {
	local p f s
	if [[ $1 =~ pass=([0-9]+)\ fail=([0-9]+)\ skip=([0-9]+) ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[3]}
	else
		p=0 f=1 s=0
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	summary+=("$2: pass=$p fail=$f skip=$s${3:+ ($3)}")
}

# The selftest binaries a VM run must report on.
expected_binaries() {
	local c n
	for c in "$top"/selftests/*.c; do
		n=$(basename "$c" .c)
		if [ -n "${SELFTESTS:-}" ] && ! grep -qw -- "$n" <<<"$SELFTESTS"; then
			continue
		fi
		echo "$n"
	done
}

mkdir -p "$build"
log=$build/deps-simulate.log
rc=0
"$top/scripts/install-deps.sh" --simulate > "$log" 2>&1 || rc=$?
cat "$log"
p=$(grep -c '^ok [0-9]' "$log" || true)
f=$(grep -c '^not ok [0-9]' "$log" || true)
# the host's packages, and the build root's when there is a newest kernel
if [ $rc != 0 ] && [ "$f" = 0 ]; then
	f=1
fi
add_counts "pass=$p fail=$f skip=0" "dependencies" "log $log, ${SECONDS}s"
if [ "$f" != 0 ]; then
	summary+=("    $(grep -a '^not ok' "$log" || echo "install-deps --simulate failed")")
fi
if [ -f "$build/deps.env" ]; then
	summary+=("    chosen: $(tr '\n' ' ' < "$build/deps.env")")
fi

t0=$SECONDS
if [ "${LINT:-1}" != 0 ]; then
	mkdir -p "$build"
	log=$build/lint.log
	"$top/scripts/lint.sh" "$@" 2>&1 | tee "$log" || true
	res=$(grep -a '^CLIENTBUF-LINT:' "$log" | tail -n 1 || true)
	add_counts "$res" "lint" "log $log, $((SECONDS - t0))s"
	while IFS= read -r line; do
		summary+=("    $line")
	done < <(grep -aE '^not ok [0-9]+ ' "$log" || true)
fi
log=$build/host-tests.log
t0=$SECONDS
"$top/tools/tests/run.sh" "$build/tools" > "$log" 2>&1 || true
grep -aE '^(not )?ok - host' "$log" || true
res=$(grep -a '^CLIENTBUF-HOST:' "$log" | tail -n 1 || true)
add_counts "$res" "host tests" "log $log, $((SECONDS - t0))s"
while IFS= read -r line; do
	summary+=("    $line")
done < <(grep -aE '^(# )*not ok ' "$log" || true)

for kver in "$@"; do
	rc=0
	# a run that does not start must not find the last run's log
	rm -f "$build/$kver/check.log"
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
	# every binary that was packed must have reported
	missing=
	for n in $(expected_binaries); do
		grep -aqE "^(not )?ok [0-9]+ selftests: clientbuf: $n( |\$)" "$log" ||
			missing="$missing $n"
	done
	if [ -n "$missing" ]; then
		f=$((f + $(wc -w <<<"$missing")))
		fail=$((fail + $(wc -w <<<"$missing")))
	fi
	summary+=("$kver: pass=$p fail=$f skip=$s (${end#CLIENTBUF-VM-RUN: })")
	[ -z "$missing" ] || summary+=("    did not run:$missing")
	while IFS= read -r line; do
		summary+=("    $line")
	done < <(grep -aE '^(# )?not ok [0-9]+ |^# [a-z0-9_]+: (plan|no TAP|a second|unexpected|failed outside)' "$log" || true)
	# clientbuf_fail_nth (debug kernels): fault sites per operation
	while IFS= read -r line; do
		summary+=("    fault sites: ${line#*# }")
	done < <(grep -aE '^# # .*(distinct clientbuf sites|distinct sites unknown)' \
		"$log" || true)
done

# ---- the package author's path (scripts/package-tests.sh) ----
log=$build/package-tests.log
if [ "${PACKAGE_TESTS:-1}" = 0 ]; then
	# make check-debug: a kernel of our own, the selftests are the point
	: > "$log"
	summary+=("package author's path: not run (PACKAGE_TESTS=0)")
else
	"$top/scripts/package-tests.sh" "$@" > "$log" 2>&1 || true
fi
while IFS= read -r line; do
	if [[ $line == "CLIENTBUF-PKGTEST "* ]]; then
		line=${line#CLIENTBUF-PKGTEST }
		add_counts "${line#*: }" "${line%%: *}" "log $build/package-tests/"
	else
		summary+=("$line")
	fi
done < "$log"
# ---- end of the package author's path ----

summary+=("check.sh took ${SECONDS}s (the builds before it are make's)")
echo
echo "==== clientbuf check summary ===="
printf '%s\n' "${summary[@]}"
line="$pass passed, $fail failed"
[ $skip = 0 ] || line="$line, $skip skipped"
echo "$line"
[ $fail = 0 ]
