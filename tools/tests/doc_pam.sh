#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The PAM service files the documents show are the ones make check logs in
# with (selftests/pam.d/): each README.md block that starts with
# "# /etc/pam.d/NAME" is that file, indented by four spaces, and
# Documentation/pam.rst and the pam_clientbuf(8) page include the files
# themselves (literalinclude). Prints TAP.
#
# Usage: tools/tests/doc_pam.sh

top=$(cd "$(dirname "$0")/../.." && pwd)
n=0
failed=0

check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
blocks=0
for name in su su-l login sshd; do
	file=$top/selftests/pam.d/$name
	# the README block: from "    # /etc/pam.d/NAME" to the first line
	# that is not indented
	awk -v name="$name" '
		$0 ~ "^    # /etc/pam\\.d/" name ":" { on = 1 }
		on && !/^    / { exit }
		on { sub(/^    /, ""); print }
	' "$top/README.md" > "${TMPDIR:-/tmp}/doc_pam.$$"
	if [ -s "${TMPDIR:-/tmp}/doc_pam.$$" ]; then
		blocks=$((blocks + 1))
		diff -u "$file" "${TMPDIR:-/tmp}/doc_pam.$$" | sed 's/^/# /'
		cmp -s "$file" "${TMPDIR:-/tmp}/doc_pam.$$"
		check $? "README.md's /etc/pam.d/$name is selftests/pam.d/$name"
	fi
	rm -f "${TMPDIR:-/tmp}/doc_pam.$$"
	grep -q "literalinclude:: \.\./selftests/pam\.d/$name\$" \
		"$top/Documentation/pam.rst"
	check $? "pam.rst includes selftests/pam.d/$name"
	grep -q "literalinclude:: \.\./\.\./selftests/pam\.d/$name\$" \
		"$top/Documentation/man/pam_clientbuf.rst"
	check $? "pam_clientbuf(8) includes selftests/pam.d/$name"
done
[ "$blocks" -ge 2 ]
check $? "README.md shows at least su and su-l ($blocks blocks)"

echo "1..$n"
[ "$failed" = 0 ]
