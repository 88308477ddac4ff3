#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install-test: run "make install" (for each test kernel) and
# "make install-user" into a temporary INSTALL_MOD_PATH / DESTDIR and check
# what landed:
#   - lib/modules/KVER/extra/clientbuf.ko[.xz|.zst] alone (no test module,
#     no sample), its vermagic is KVER, its version is VERSION, and
#     modules.dep lists it; extra/clientbuf/ holds Module.symvers and the
#     package headers, and the package template builds against them;
#   - PREFIX/include/linux/clientbuf.h (identical to uapi/), the library
#     header, libclientbuf.a, libclientbuf.so.1 (its soname) with its
#     links, clientbuf.pc and the clientbuf CLI; a program built against
#     the installed header and the static library, and one built with the
#     installed clientbuf.pc against the shared library, link and run.
# Prints TAP; exit status 0 when everything passed.
#
# Usage: scripts/install-test.sh [KVER...]   (default: both test kernels)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
if [ $# = 0 ]; then
	for s in 6.1 6.12; do
		k=$(newest_kernel "$s") && set -- "$@" "$k"
	done
fi
"$top/scripts/need-pkg.sh" pkgconf || exit 1
version=$(cat "$top/VERSION")
tmp=$(mktemp -d /tmp/clientbuf-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
tap_prefix=install

# template_build KVER DIR: templates/package built against the clientbuf
# installed in DIR; its module depends on clientbuf
template_build() {
	make -C "$tmp/mypkg" KVER="$1" CLIENTBUF_DIR="$2" \
		CLIENTBUF_SYMVERS="$2/Module.symvers" &&
		modinfo -F depends "$tmp/mypkg/mypkg.ko" | grep -qx clientbuf
}

echo "TAP version 13"
for kver in "$@"; do
	mp=$tmp/mod
	log=$tmp/install-$kver.log
	rc=0
	make -s -C "$top" install KVER="$kver" INSTALL_MOD_PATH="$mp" \
		> "$log" 2>&1 || rc=1
	ok_log $rc "$log" "make install KVER=$kver INSTALL_MOD_PATH=..."

	dir=$mp/lib/modules/$kver
	ko=$(find "$dir/extra" -name 'clientbuf.ko*' 2>/dev/null | head -n 1)
	rc=0
	if [ -z "$ko" ]; then
		echo "# no $dir/extra/clientbuf.ko*"
		rc=1
	else
		others=$(find "$dir" -name '*.ko*' ! -path "$ko")
		[ -z "$others" ] || { echo "# also installed: $others"; rc=1; }
		check_ko "$ko" "$kver" "$version" || rc=1
		grep -q "^extra/${ko##*/}:" "$dir/modules.dep" 2>/dev/null ||
			{ echo "# not in $dir/modules.dep"; rc=1; }
	fi
	ok $rc "$kver: extra/clientbuf.ko alone, vermagic, version, modules.dep"

	# a package built against what was installed (extra/clientbuf/:
	# Module.symvers, the headers, package.kbuild), as the template's
	# Makefile finds it in /lib/modules/KVER/extra/clientbuf
	cbd=$dir/extra/clientbuf
	rm -rf "$tmp/mypkg"
	cp -r "$top/templates/package" "$tmp/mypkg"
	run "$kver: the package template builds against extra/clientbuf/" \
		template_build "$kver" "$cbd"
done

dest=$tmp/root
log=$tmp/install-user.log
rc=0
make -s -C "$top" install-user PREFIX=/usr DESTDIR="$dest" > "$log" 2>&1 ||
	rc=1
ok_log $rc "$log" "make install-user PREFIX=/usr DESTDIR=..."

rc=0
for f in usr/include/linux/clientbuf.h usr/include/clientbuf.h \
	 usr/lib/libclientbuf.a usr/lib/libclientbuf.so.1 \
	 usr/lib/libclientbuf.so usr/lib/pkgconfig/clientbuf.pc \
	 usr/bin/clientbuf; do
	[ -f "$dest/$f" ] || { echo "# missing /$f"; rc=1; }
done
soname=$(readelf -d "$dest/usr/lib/libclientbuf.so.1" 2>/dev/null |
	sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libclientbuf.so.1 ] || { echo "# soname '$soname'"; rc=1; }
[ -x "$dest/usr/bin/clientbuf" ] || { echo "# /usr/bin/clientbuf not executable"; rc=1; }
cmp -s "$top/uapi/linux/clientbuf.h" "$dest/usr/include/linux/clientbuf.h" ||
	{ echo "# installed uapi header differs"; rc=1; }
ok $rc "installed files"

write_status_prog "$tmp/prog.c"
rc=0
cc -Wall -Werror -I"$dest/usr/include" -o "$tmp/prog" "$tmp/prog.c" \
	"$dest/usr/lib/libclientbuf.a" > "$log" 2>&1 && "$tmp/prog" >> "$log" ||
	rc=1
ok_log $rc "$log" "a program builds against the installed header and static library"

# clientbuf.pc says prefix=/usr: PKG_CONFIG_SYSROOT_DIR puts DESTDIR in front
rc=0
flags=$(PKG_CONFIG_PATH="$dest/usr/lib/pkgconfig" PKG_CONFIG_LIBDIR='' \
	PKG_CONFIG_SYSROOT_DIR="$dest" pkg-config --cflags --libs clientbuf \
	2> "$log") || rc=1
# shellcheck disable=SC2086 # $flags is a list of options
[ $rc = 0 ] && cc -Wall -Werror -o "$tmp/prog-shared" "$tmp/prog.c" $flags \
	> "$log" 2>&1 || rc=1
[ $rc = 0 ] && readelf -d "$tmp/prog-shared" |
	grep -q 'NEEDED.*\[libclientbuf\.so\.1\]' || rc=1
[ $rc = 0 ] && LD_LIBRARY_PATH="$dest/usr/lib" "$tmp/prog-shared" \
	>> "$log" 2>&1 || rc=1
[ $rc = 0 ] || { echo "# pkg-config: $flags"; sed 's/^/# /' "$log"; }
ok $rc "a program built with the installed clientbuf.pc runs on libclientbuf.so.1"

tap_end
