#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the test VM (busybox sh), for scripts/doc-examples.sh: the kernel
# examples of Documentation/ are loaded from /lib/clientbuf/ (doc_*.ko);
# the programs are in /opt/doc-examples/. Prints "ok N doc: ..." or
# "not ok N doc: ..." per check; exits non-zero if one failed.
n=0
rc=0

# t RC DESCRIPTION
t() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n doc: $2"
	else
		echo "not ok $n doc: $2"
		rc=1
	fi
}

# package-api.rst, the minimal package: "hello" with its NUL, 6 bytes
echo '$ clientbuf call hello alice'
out=$(clientbuf call hello alice 2>&1)
r=$?
echo "$out"
[ $r = 0 ] && echo "$out" | grep -q '68 65 6c 6c 6f 00 .*|hello.|'
t $? "package-api.rst: the minimal package registers and answers \"hello\""

# each program: exit 0, and the output its page shows
for p in /opt/doc-examples/*; do
	[ -x "$p" ] || continue
	name=${p##*/}
	echo "\$ $name"
	out=$("$p" 2>&1)
	r=$?
	echo "$out"
	case $name in
	userspace-api-1) want='status 0x00000000, 6 bytes: hello' ;;
	libclientbuf-2) want='STATUS_ACCESS_VIOLATION: errno 14, Win32 998' ;;
	*) want=$out ;;
	esac
	[ $r = 0 ] && [ "$out" = "$want" ]
	t $? "$name: exit 0, prints \"$want\""
done
exit $rc
