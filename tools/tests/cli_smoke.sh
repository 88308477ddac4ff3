#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test of the clientbuf CLI's exit codes and output; prints TAP.
# Runs on the host (no module: 'info' must fail cleanly) and in the VM.
#
# Usage: CLIENTBUF=path/to/clientbuf cli_smoke.sh

CB=${CLIENTBUF:-clientbuf}
n=0
failed=0
out=$(mktemp) || exit 1
err=$(mktemp) || exit 1
trap 'rm -f "$out" "$err"' EXIT

# run EXPECTED_EXIT DESCRIPTION ARGS...: run the CLI, check its exit code.
run() {
	want=$1 desc=$2
	shift 2
	"$CB" "$@" >"$out" 2>"$err"
	rc=$?
	n=$((n + 1))
	if [ "$rc" -eq "$want" ]; then
		echo "ok $n - $desc (exit $rc)"
		return 0
	fi
	echo "not ok $n - $desc (exit $rc, expected $want)"
	sed 's/^/# stdout: /' "$out"
	sed 's/^/# stderr: /' "$err"
	failed=$((failed + 1))
	return 1
}

# grep_in FILE PATTERN DESCRIPTION: the last run's FILE must match PATTERN.
grep_in() {
	n=$((n + 1))
	if grep -q -e "$2" "$1"; then
		echo "ok $n - $3"
	else
		echo "not ok $n - $3"
		sed 's/^/# /' "$1"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
run 0 "--help" --help && grep_in "$out" "status CODE" "--help lists the status command"
run 0 "-h" -h
run 2 "no arguments"
run 2 "unknown command" frobnicate && grep_in "$err" "unknown command" "unknown command is named"

run 0 "status 0xC0000005" status 0xC0000005
grep_in "$out" "^STATUS_ACCESS_VIOLATION" "status name printed"
grep_in "$out" "0xC0000005" "NTSTATUS hex printed"
grep_in "$out" "error" "severity printed"
grep_in "$out" "EFAULT (14)" "errno name and number printed"
grep_in "$out" "998 ERROR_NOACCESS" "Win32 code and name printed"
run 0 "status in decimal" status 3221225477 && grep_in "$out" "^STATUS_ACCESS_VIOLATION" "decimal parsed"
run 0 "status as negative decimal" status -1073741819 && grep_in "$out" "^STATUS_ACCESS_VIOLATION" "negative decimal parsed"
run 0 "status by name" status STATUS_NO_SUCH_PACKAGE && grep_in "$out" "1364 ERROR_NO_SUCH_PACKAGE" "name parsed"
run 0 "status 0 is success" status 0 && grep_in "$out" "ERROR_SUCCESS" "STATUS_SUCCESS decoded"
run 0 "a status clientbuf does not return" status 0xC0000206 &&
	grep_in "$out" "Win32:      1784$" "Win32 of STATUS_INVALID_BUFFER_SIZE is Windows's 1784"
grep_in "$out" "EIO (5)" "a status outside clientbuf's table is EIO"
run 0 "status 0xC0000010" status 0xC0000010 && grep_in "$out" "Win32:      1$" "STATUS_INVALID_DEVICE_REQUEST is Win32 1"
run 0 "status 0xC0000095" status 0xC0000095 && grep_in "$out" "Win32:      534$" "STATUS_INTEGER_OVERFLOW is Win32 534"
run 0 "status 0xC000000B" status 0xC000000B && grep_in "$out" "Win32:      87 ERROR_INVALID_PARAMETER" "STATUS_INVALID_CID is Win32 87"
run 0 "an HRESULT_FROM_WIN32" status 0x8007052E && grep_in "$out" "Win32:      1326 ERROR_LOGON_FAILURE" "0x8007xxxx is its low word"
run 0 "a customer code" status 0xE0001234 && grep_in "$out" "Win32:      3758101044$" "a customer code comes back unchanged"
run 0 "0xD... as 0xC..." status 0xD0000005 && grep_in "$out" "Win32:      998 ERROR_NOACCESS" "0xD0000005 is read as 0xC0000005"
run 0 "unknown status" status 0xC0FFFFFF && grep_in "$out" "317 ERROR_MR_MID_NOT_FOUND" "unknown status is Win32 317"
run 2 "status with garbage" status 0xZZ && grep_in "$err" "invalid NTSTATUS" "bad input explained"
run 2 "status out of range" status 0x100000000
run 2 "status without argument" status
run 2 "call without arguments" call
run 2 "call with an unknown option" call --bogus pkg data
run 2 "call with a too long package name" call aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa data
run 2 "call --data-hex with a bad digit" call --data-hex pkg "01 0g" &&
	grep_in "$err" "not hex bytes" "bad hex explained"
run 2 "call --data-hex with half a byte" call --data-hex pkg "012"
run 1 "call --data-file of a missing file" call --data-file pkg /nonexistent/submit &&
	grep_in "$err" "No such file" "missing file explained"
run 0 "--help documents the binary submit" --help &&
	grep_in "$out" "--data-hex" "--help lists --data-hex" &&
	grep_in "$out" "--data-file" "--help lists --data-file" &&
	grep_in "$out" "--answer-hex" "--help lists --answer-hex"
run 0 "--help lists serve" --help && grep_in "$out" "serve \[OPTIONS\] PACKAGE" "--help documents serve"
run 2 "serve without arguments" serve
run 2 "serve with a zero count" serve --count=0 pkg && grep_in "$err" "invalid count" "bad count explained"
run 2 "serve with a missing count" serve --count
run 2 "serve with an unknown option" serve --bogus pkg
run 2 "serve with a too long package name" serve aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
run 2 "serve --deny without --passwd" serve --deny=3 pkg &&
	grep_in "$err" "needs --passwd=DIR" "--passwd options need --passwd"
run 2 "serve --passwd with iterations 0" serve --passwd=/ --iterations=0 pkg &&
	grep_in "$err" "invalid value in '--iterations=0'" "bad --iterations explained"
run 2 "serve --passwd with a delay above 60000" serve --passwd=/ --fail-delay-ms=60001 pkg
run 2 "serve --passwd with no deny count" serve --passwd=/ --deny= pkg
run 0 "--help lists the --passwd options" --help &&
	grep_in "$out" "--fail-delay-ms=MS" "--help documents --fail-delay-ms" &&
	grep_in "$out" "--unlock-time=S" "--help documents --unlock-time"
run 0 "--help lists logon" --help &&
	grep_in "$out" "logon \[OPTIONS\] USER CHALLENGE" "--help documents logon" &&
	grep_in "$out" "--verify-key KEY" "--help documents --verify-key"
run 2 "logon without arguments" logon
run 2 "logon without a challenge" logon alice
run 2 "logon with an unknown option" logon --bogus alice ch
run 2 "logon with an empty user" logon "" ch
run 2 "logon with a 32-byte user" logon aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa ch &&
	grep_in "$err" "USER must be" "long user explained"
run 2 "logon with an empty challenge" logon alice ""
run 2 "logon with a 257-byte challenge" logon alice \
	"$(printf '%257s' '' | tr ' ' x)" &&
	grep_in "$err" "CHALLENGE must be" "long challenge explained"
run 2 "logon with a too long delay" logon --delay=2001 alice ch
run 2 "logon with out-len 0" logon --out-len=0 alice ch
run 2 "logon with out-len 4097" logon --out-len=4097 alice ch
run 2 "logon with --verify-key and no key" logon --verify-key
run 2 "logon with an empty --verify-key=" logon --verify-key= alice ch

if [ -e /dev/clientbuf ]; then
	run 0 "info" info && grep_in "$out" "abi_version" "info prints the ABI version"
	run 1 "call to a missing package" call no_such_package_xyz data &&
		grep_in "$err" "STATUS_NO_SUCH_PACKAGE" "failure names the status"
	if grep -q '^clientbuf_hmac ' /proc/modules; then
		key=clientbuf-sample-key
		for mode in "" --defer --async "--async --out" "--delay=10 --out"; do
			# shellcheck disable=SC2086 # $mode is a list of options
			run 0 "logon ${mode:-(sync)}" logon $mode --verify-key $key alice c1 &&
				grep_in "$out" "^token verified" "logon ${mode:-(sync)}: token verified"
		done
		run 1 "logon with the wrong key" logon --verify-key wrong alice c1 &&
			grep_in "$out" "^token MISMATCH" "wrong key: MISMATCH"
		run 1 "logon with out-len 31" logon --out-len=31 alice c1 &&
			grep_in "$out" "STATUS_BUFFER_TOO_SMALL" "BUFFER_TOO_SMALL named" &&
			grep_in "$out" "0x0, 32 bytes (the length needed)" "needed length reported"
	fi
else
	run 1 "info without the module" info &&
		grep_in "$err" "no /dev/clientbuf" "info says there is no /dev/clientbuf"
	run 1 "call without the module" call pkg data
	run 1 "serve without the module" serve pkg
	run 1 "logon without the module" logon alice ch
fi

# passwd: the uid rule and the verifier, cross-checked with the openssl
# command when there is one
pw=$(mktemp) || exit 1
printf 'pw\n' >"$pw"
run 2 "passwd with a bad --uid" passwd --uid=abc carol <"$pw"
run 1 "passwd for a name not in /etc/passwd, no --uid" \
	passwd --keyring=1 no-such-user-clientbuf <"$pw" &&
	grep_in "$err" "give its uid with --uid=UID" "passwd asks for --uid"
if run 0 "passwd --payload" passwd --payload --iterations=3 carol <"$pw"; then
	hex=$(od -An -v -tx1 "$out" | tr -d ' \n')
	n=$((n + 1))
	if [ ${#hex} -eq 128 ] &&
	   [ "$(printf %s "$hex" | cut -c1-32)" = 01000000000000000300000000000000 ]; then
		echo "ok $n - passwd --payload: 64 bytes, version 1, 3 iterations"
	else
		echo "not ok $n - passwd --payload: 64 bytes, version 1, 3 iterations"
		echo "# $hex"
		failed=$((failed + 1))
	fi
	n=$((n + 1))
	salt=$(printf %s "$hex" | cut -c33-64)
	dk=$(printf %s "$hex" | cut -c65-128)
	if ! command -v openssl >/dev/null 2>&1; then
		echo "ok $n - passwd --payload dk is PBKDF2 of its salt # SKIP no openssl command"
	elif [ "$(openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt pass:pw \
		-kdfopt hexsalt:"$salt" -kdfopt iter:3 PBKDF2 2>&1 |
		tr -d ':\n' | tr 'A-F' 'a-f')" = "$dk" ]; then
		echo "ok $n - passwd --payload dk is PBKDF2 of its salt (openssl kdf)"
	else
		echo "not ok $n - passwd --payload dk is PBKDF2 of its salt (openssl kdf)"
		failed=$((failed + 1))
	fi
fi
rm -f "$pw"

echo "1..$n"
[ "$failed" -eq 0 ]
