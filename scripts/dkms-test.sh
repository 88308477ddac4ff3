#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make dkms-test: package clientbuf with DKMS as a user would, against each
# given kernel's headers:
#   1. install Debian's dkms (scripts/need-pkg.sh, idempotent);
#   2. copy the sources (the files git knows or would add, not build/) to
#      /usr/src/clientbuf-VERSION;
#   3. dkms add, dkms build and dkms install -k KVER, and check the
#      installed clientbuf.ko's vermagic (modinfo -F vermagic) is KVER and
#      that the test module was not built;
#   4. dkms remove --all, and remove /usr/src/clientbuf-VERSION.
# Once per kernel; a kernel the host cannot build for (the newest, see
# scripts/buildroot.sh) goes through the same steps inside its build root,
# with Debian's dkms there. Step 4 also runs on failure. Needs root. Exit
# status 0 when all passed.
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

# on KVER: CMD... on the host, or in the build root that has KVER's
# headers (its own dkms, compiler and /usr/src).
on() {
	local kver=$1
	shift
	if [ -d "/lib/modules/$kver/build" ]; then
		"$@"
	else
		"$top/scripts/buildroot.sh" run "$kver" "$@"
	fi
}

# The root (prefix of /usr/src, /lib/modules, /var/lib/dkms) of KVER.
root_of() {
	if [ -d "/lib/modules/$1/build" ]; then
		echo ""
	else
		kernel_root "$1"
	fi
}

# cleanup KVER: no dkms entry and no /usr/src/clientbuf-VERSION left.
cleanup() {
	local kver=$1 r
	r=$(root_of "$kver")
	if on "$kver" dkms status -m "$name" -v "$version" 2>/dev/null | grep -q .; then
		on "$kver" dkms remove -m "$name" -v "$version" --all >/dev/null 2>&1
	fi
	rm -rf "$r$src"
}

echo "TAP version 13"
current=
trap '[ -z "$current" ] || cleanup "$current"' EXIT

for kver in "$@"; do
	r=$(root_of "$kver")
	where=${r:+ (in the build root $r)}
	if [ -e "$r$src" ] || on "$kver" dkms status -m "$name" 2>/dev/null | grep -q .; then
		echo "# $r$src or a dkms $name entry exists already: removing it"
		cleanup "$kver"
	fi
	current=$kver
	mkdir -p "$r$src"
	rc=0
	copy_sources "$top" "$r$src" || rc=1
	ok $rc "$kver: copy sources to $src$where" || true
	[ $rc = 0 ] || continue
	run "$kver: dkms add -m $name -v $version" \
		on "$kver" dkms add -m "$name" -v "$version" || continue
	run "dkms build -k $kver" \
		on "$kver" dkms build -m "$name" -v "$version" -k "$kver" || continue
	run "dkms install -k $kver" \
		on "$kver" dkms install -m "$name" -v "$version" -k "$kver" || continue
	rc=0
	on "$kver" /bin/bash -c '. "$1/scripts/lib.sh"; check_dkms_ko "$2" "$3" "$4"' \
		sh "$top" "$name" "$kver" "$version" || rc=1
	if find "$r/var/lib/dkms/$name/$version/$kver" \
		"$r/lib/modules/$kver/updates" -name 'clientbuf_test.ko*' \
		2>/dev/null | grep -q .; then
		echo "# the test module was built or installed"
		rc=1
	fi
	ok $rc "$kver: installed clientbuf.ko, vermagic $kver, version $version"
	run "$kver: dkms remove --all" \
		on "$kver" dkms remove -m "$name" -v "$version" --all
	rc=0
	if ls "$r/lib/modules/$kver/updates/dkms/$name".ko* >/dev/null 2>&1; then
		echo "# $r/lib/modules/$kver/updates/dkms/$name.ko* left behind"
		rc=1
	fi
	rm -rf "$r$src"
	current=
	ok $rc "$kver: nothing left installed"
done

tap_end
