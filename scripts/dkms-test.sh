#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make dkms-test: package clientbuf with DKMS as a user would, against each
# given kernel's headers:
#   1. install Debian's dkms (scripts/need-pkg.sh, idempotent);
#   2. copy the sources (the files git knows or would add, not build/) to
#      /usr/src/clientbuf-VERSION;
#   3. dkms add, then dkms build and dkms install -k KVER for each kernel,
#      and check the installed clientbuf.ko's vermagic (modinfo -F
#      vermagic) is KVER and that the test module was not built;
#   4. dkms remove --all, and remove /usr/src/clientbuf-VERSION.
# Step 4 also runs on failure. Needs root. Exit status 0 when all passed.
#
# Usage: scripts/dkms-test.sh KVER...
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 KVER..." >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "dkms-test: needs root" >&2; exit 1; }
"$top/scripts/need-pkg.sh" dkms || exit 1

name=clientbuf
version=$(cat "$top/VERSION")
src=/usr/src/$name-$version
tap_prefix=dkms
. "$top/scripts/lib.sh"

cleanup() {
	if dkms status -m "$name" -v "$version" 2>/dev/null | grep -q .; then
		dkms remove -m "$name" -v "$version" --all >/dev/null 2>&1
	fi
	rm -rf "$src"
}

echo "TAP version 13"
if [ -e "$src" ] || dkms status -m "$name" 2>/dev/null | grep -q .; then
	echo "# $src or a dkms $name entry exists already: removing it"
	cleanup
fi
trap cleanup EXIT

mkdir -p "$src"
copy_sources "$top" "$src" || { ok 1 "copy sources to $src"; exit 1; }
ok 0 "copy sources to $src"
run "dkms add -m $name -v $version" dkms add -m "$name" -v "$version" ||
	exit 1

for kver in "$@"; do
	run "dkms build -k $kver" \
		dkms build -m "$name" -v "$version" -k "$kver" || continue
	run "dkms install -k $kver" \
		dkms install -m "$name" -v "$version" -k "$kver" || continue
	rc=0
	check_dkms_ko "$name" "$kver" "$version" || rc=1
	if find /var/lib/dkms/"$name"/"$version"/"$kver" \
		/lib/modules/"$kver"/updates -name 'clientbuf_test.ko*' \
		2>/dev/null | grep -q .; then
		echo "# the test module was built or installed"
		rc=1
	fi
	ok $rc "$kver: installed clientbuf.ko, vermagic $kver, version $version"
done

run "dkms remove --all" dkms remove -m "$name" -v "$version" --all
rc=0
for kver in "$@"; do
	if ls /lib/modules/"$kver"/updates/dkms/"$name".ko* >/dev/null 2>&1; then
		echo "# /lib/modules/$kver/updates/dkms/$name.ko* left behind"
		rc=1
	fi
done
ok $rc "nothing left installed"

tap_end
