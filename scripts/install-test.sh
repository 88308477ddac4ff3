#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install-test: run "make install" (for each test kernel) and
# "make install-user" into a temporary INSTALL_MOD_PATH / DESTDIR and check
# what landed:
#   - lib/modules/KVER/extra/clientbuf.ko[.xz|.zst] alone (no test module,
#     no sample), its vermagic is KVER, its version is VERSION, and
#     modules.dep lists it;
#   - PREFIX/include/linux/clientbuf.h (identical to uapi/), the library
#     header, libclientbuf.a and the clientbuf CLI; a program built against
#     the installed header and library links and runs.
# Prints TAP; exit status 0 when everything passed.
#
# Usage: scripts/install-test.sh [KVER...]   (default: both test kernels)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
if [ $# = 0 ]; then
	for s in 6.1 6.12; do
		k=$(printf '%s\n' /boot/vmlinuz-"$s".*-cloud-amd64 | sort -V |
			tail -n 1)
		[ -f "$k" ] && set -- "$@" "${k#/boot/vmlinuz-}"
	done
fi
version=$(cat "$top/VERSION")
tmp=$(mktemp -d /tmp/clientbuf-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
num=0
fail=0

ok() {
	num=$((num + 1))
	if [ "$1" = 0 ]; then
		echo "ok $num install: $2"
	else
		echo "not ok $num install: $2"
		fail=$((fail + 1))
	fi
}

echo "TAP version 13"
for kver in "$@"; do
	mp=$tmp/mod
	log=$tmp/install-$kver.log
	rc=0
	make -s -C "$top" install KVER="$kver" INSTALL_MOD_PATH="$mp" \
		> "$log" 2>&1 || rc=1
	[ $rc = 0 ] || sed 's/^/# /' "$log"
	ok $rc "make install KVER=$kver INSTALL_MOD_PATH=..."

	dir=$mp/lib/modules/$kver
	ko=$(find "$dir/extra" -name 'clientbuf.ko*' 2>/dev/null | head -n 1)
	rc=0
	if [ -z "$ko" ]; then
		echo "# no $dir/extra/clientbuf.ko*"
		rc=1
	else
		others=$(find "$dir" -name '*.ko*' ! -path "$ko")
		[ -z "$others" ] || { echo "# also installed: $others"; rc=1; }
		vm=$(modinfo -F vermagic "$ko" | awk '{print $1}')
		[ "$vm" = "$kver" ] || { echo "# vermagic $vm"; rc=1; }
		v=$(modinfo -F version "$ko")
		[ "$v" = "$version" ] || { echo "# version $v, want $version"; rc=1; }
		grep -q "^extra/${ko##*/}:" "$dir/modules.dep" 2>/dev/null ||
			{ echo "# not in $dir/modules.dep"; rc=1; }
	fi
	ok $rc "$kver: extra/clientbuf.ko alone, vermagic, version, modules.dep"
done

dest=$tmp/root
log=$tmp/install-user.log
rc=0
make -s -C "$top" install-user PREFIX=/usr DESTDIR="$dest" > "$log" 2>&1 ||
	rc=1
[ $rc = 0 ] || sed 's/^/# /' "$log"
ok $rc "make install-user PREFIX=/usr DESTDIR=..."

rc=0
for f in usr/include/linux/clientbuf.h usr/include/clientbuf.h \
	 usr/lib/libclientbuf.a usr/bin/clientbuf; do
	[ -f "$dest/$f" ] || { echo "# missing /$f"; rc=1; }
done
[ -x "$dest/usr/bin/clientbuf" ] || { echo "# /usr/bin/clientbuf not executable"; rc=1; }
cmp -s "$top/uapi/linux/clientbuf.h" "$dest/usr/include/linux/clientbuf.h" ||
	{ echo "# installed uapi header differs"; rc=1; }
ok $rc "installed files"

rc=0
cat > "$tmp/prog.c" <<'PROG'
#include <stdio.h>
#include <string.h>
#include <clientbuf.h>

int main(void)
{
	const char *s = cb_status_name(CLIENTBUF_STATUS_ACCESS_VIOLATION);

	return !(s && strstr(s, "ACCESS_VIOLATION"));
}
PROG
cc -Wall -Werror -I"$dest/usr/include" -o "$tmp/prog" "$tmp/prog.c" \
	-L"$dest/usr/lib" -lclientbuf > "$log" 2>&1 && "$tmp/prog" || rc=1
[ $rc = 0 ] || sed 's/^/# /' "$log"
ok $rc "a program builds against the installed header and library"

echo "1..$num"
[ $fail = 0 ]
