#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo of "make run": installed as /bin/run-demo in the VM's initramfs
# (scripts/mkinitramfs.sh, RUN_SCRIPT) and run by /init as root after the
# modules (clientbuf, clientbuf_test, the hmac_logon sample) are loaded.
#
# Sections:
#   (a) clientbuf info: ABI version, features, limits
#   (b) a client logs on through the kernel sample package hmac_logon,
#       synchronously; the token is checked in userspace
#   (c) the same, asynchronously: STATUS_PENDING, then the completion record
#   (d) a userspace package server (clientbuf serve) and a client calling it
#   (e) decoding an NTSTATUS
#   (f) real logins: Debian's pamtester through pam_clientbuf.so and the
#       password package passwd_logon, whose verifier is provisioned into
#       the kernel keyring; one right and one wrong password
#
# Every step prints its command, then its output. The script goes on after
# a failed step and exits 1 at the end if any step failed, so that
# "make run" fails.
#
# Usage: run-demo.sh   (in the VM; needs /dev/clientbuf and root for (d))

KEY=clientbuf-sample-key	# clientbuf_hmac.ko's default "key" parameter
SERVER_PKG=demo_logon
steps=0
failed=0

section() {
	echo
	echo "======================================================================"
	echo " $*"
	echo "======================================================================"
}

# step [!] CMD ARGS...: print the command, run it; with "!" the command is
# expected to fail (exit 1), and succeeding is the failure.
step() {
	want=0
	if [ "$1" = "!" ]; then
		want=1
		shift
	fi
	steps=$((steps + 1))
	echo
	echo "\$ ${STEP_SHOW:-$*}"
	STEP_SHOW=
	"$@"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "!!! step failed: exit $rc, expected $want: $*"
		failed=$((failed + 1))
		return 1
	fi
	[ "$want" = 1 ] && echo "(exit $rc, as expected)"
	return 0
}

# step_sh [!] CMDLINE: step, with CMDLINE run by sh -c (for pipes).
step_sh() {
	if [ "$1" = "!" ]; then
		STEP_SHOW=$2
		step ! sh -c "$2"
	else
		STEP_SHOW=$1
		step sh -c "$1"
	fi
}

# fail MESSAGE: a check of the script's own failed.
fail() {
	steps=$((steps + 1))
	failed=$((failed + 1))
	echo "!!! $*"
}

# A fresh challenge: 8 random bytes as 16 hex digits (the CLI submits
# the digits' bytes).
challenge() {
	c=$(od -A n -t x1 -N 8 /dev/urandom 2>/dev/null | tr -d ' \n')
	[ -n "$c" ] || c=0123456789abcdef
	echo "$c"
}

if ! command -v clientbuf >/dev/null 2>&1; then
	echo "run-demo: the clientbuf CLI is not in the initramfs (make tools)"
	exit 1
fi

section "(a) The module: clientbuf info"
step clientbuf info

section "(b) A client logs on through the kernel package hmac_logon (sync)"
echo "The client registers a 64 KiB ALLOC|WRITE|READ buffer and submits"
echo "user \"alice\" and a challenge; hmac_logon (samples/clientbuf_hmac.c)"
echo "answers HMAC-SHA256(key, user || challenge) in a block it allocates in"
echo "that buffer. The CLI recomputes the HMAC in userspace (OpenSSL libcrypto)."
ch=$(challenge)
step clientbuf logon --verify-key "$KEY" alice "$ch"
echo
echo "The same with an out buffer of the client's own (copy_to_client_buffer"
echo "into a range registered WRITE), then one 16 bytes too small:"
step clientbuf logon --out --verify-key "$KEY" alice "$ch"
step ! clientbuf logon --out-len=16 alice "$ch"

section "(c) The same logon, asynchronous"
echo "CLIENTBUF_CALL_ASYNC: the package answers STATUS_PENDING and computes"
echo "the token from a work item (here after 200 ms); the client waits with"
echo "poll() and read()s the completion record."
ch=$(challenge)
step clientbuf logon --async --delay=200 --verify-key "$KEY" alice "$ch"

section "(d) A package served from userspace: clientbuf serve"
echo "A root process serves package \"$SERVER_PKG\" (CLIENTBUF_IOC_SERVE gives it"
echo "a server fd of its own); a client calls it; the server reads the call"
echo "from that fd, allocates its answer in the client's ALLOC buffer,"
echo "copies it there and completes the call."
log=/tmp/serve.log
echo
echo "\$ clientbuf serve --count=1 $SERVER_PKG &"
clientbuf serve --count=1 "$SERVER_PKG" >"$log" 2>&1 &
spid=$!
# "serving package" is printed once CLIENTBUF_IOC_SERVE succeeded.
i=0
while ! grep -q "^serving package" "$log" && kill -0 "$spid" 2>/dev/null &&
      [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
if grep -q "^serving package" "$log"; then
	echo "(server pid $spid registered $SERVER_PKG)"
	ch=$(challenge)
	step clientbuf call "$SERVER_PKG" "alice:$ch"
	i=0
	while kill -0 "$spid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill "$spid" 2>/dev/null
	wait "$spid"
	src=$?
	echo
	echo "--- the server's side (clientbuf serve, exit $src) ---"
	cat "$log"
	[ "$src" = 0 ] || fail "clientbuf serve exited with $src"
else
	kill "$spid" 2>/dev/null
	wait "$spid"
	cat "$log"
	fail "clientbuf serve did not register $SERVER_PKG"
fi
echo
echo "With the server gone, the package is gone too:"
step ! clientbuf call "$SERVER_PKG" "alice:again"

section "(e) Decoding an NTSTATUS"
step clientbuf status 0xC0000005

section "(f) Real logins: pamtester, pam_clientbuf.so, a keyring-backed package"
echo "The PAM service /etc/pam.d/clientbuf-test stacks pam_clientbuf.so over the"
echo "kernel package passwd_logon (samples/clientbuf_passwd.c). Root provisions"
echo "alice's verifier - PBKDF2-HMAC-SHA256 with a random salt, derived by"
echo "'clientbuf passwd' - as a key in the keyring \"clientbuf:passwd\" that the"
echo "package owns; then Debian's pamtester logs alice on, once with the right"
echo "password and once with a wrong one (PAM_AUTH_ERR)."
if command -v pamtester >/dev/null 2>&1 && [ -f /etc/pam.d/clientbuf-test ]; then
	# pam_syslog() goes to /dev/log: a syslogd to show what was logged
	syslogd -O /tmp/auth.log 2>/dev/null
	step cat /etc/pam.d/clientbuf-test
	step_sh "echo 'correct horse' | clientbuf passwd --uid=1000 alice"
	step_sh "keyctl show %:clientbuf:passwd"
	step_sh "echo 'correct horse' | pamtester -v clientbuf-test alice authenticate"
	step_sh ! "echo 'wrong horse' | pamtester -v clientbuf-test alice authenticate"
	step_sh "keyctl clear %:clientbuf:passwd"
	echo
	echo "What pam_clientbuf.so logged (pam_syslog, through busybox syslogd):"
	sleep 0.2
	grep pam_clientbuf /tmp/auth.log 2>/dev/null | sed 's/^/  /'
else
	fail "pamtester or /etc/pam.d/clientbuf-test not in the initramfs"
fi

echo
if [ "$failed" -eq 0 ]; then
	echo "run-demo: all $steps steps as expected"
	exit 0
fi
echo "run-demo: $failed of $steps steps FAILED"
exit 1
