#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# EXTRA_FILES of the VM's initramfs (scripts/extra-files.sh), on the host:
# scripts/mkinitramfs.sh in its probe mode (busybox, /init, vm-exit and
# EXTRA_FILES only), its archive listed with cpio:
#   - a directory SRC is packed whole at DST, executables 0755;
#   - a DST ending in "/" takes SRC's name;
#   - a file without ":DST" keeps its path;
#   - a DST under /tmp is refused, naming the tmpfs, and nothing is built.
#
# Usage: scripts/extra-files-test.sh KVER
# TAP on stdout; the last line "CLIENTBUF-EXTRA: pass=N fail=N skip=N".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tap_prefix=extra-files
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
[ $# = 1 ] || die "usage: $0 KVER"
build=${BUILD:-$top/build}
work=$build/extra-files-test
rm -rf "$work"
mkdir -p "$work/src/dir/sub" "$work/opt"

printf '#!/bin/sh\necho hi\n' > "$work/src/dir/run.sh"
chmod 0755 "$work/src/dir/run.sh"
echo data > "$work/src/dir/sub/data.txt"
echo one > "$work/src/one.txt"
echo same > "$work/opt/same.txt"

# pack OUT EXTRA_FILES: the listing ("MODE NAME" lines) of an initramfs
pack() {
	local out=$work/$1.cpio.gz
	rm -f "$out"
	MODE=probe EXTRA_FILES=$2 "$top/scripts/mkinitramfs.sh" "$1" "$out" \
		> "$work/$1.log" 2>&1 || return 1
	zcat "$out" | cpio -itv --quiet 2>/dev/null |
		awk '{ print $1, $NF }' > "$work/$1.list"
}

echo "TAP version 13"
pack "$1" "$work/src/dir:/opt/pkg $work/src/one.txt:/etc/ $work/opt/same.txt"
rc=$?
[ $rc = 0 ] || sed 's/^/# /' "$work/$1.log"
ok $rc "mkinitramfs with a directory, a DST ending in /, a bare path"
# want MODE PATH KVER: the archive has PATH (absolute) with MODE
want() {
	grep -qxF -e "$1 ${2#/}" "$work/$3.list" 2>/dev/null
}
want '-rwxr-xr-x' /opt/pkg/run.sh "$1"
ok $? "a directory: its executable at DST, mode 0755"
want '-rw-r--r--' /opt/pkg/sub/data.txt "$1"
ok $? "a directory: its subdirectories' files, mode 0644"
want '-rw-r--r--' /etc/one.txt "$1"
ok $? "a DST ending in /: the file under its own name"
want '-rw-r--r--' "$work/opt/same.txt" "$1"
ok $? "no DST: the file at its own path"

out=$(MODE=probe EXTRA_FILES="$work/src/one.txt:/tmp/one.txt" \
	"$top/scripts/mkinitramfs.sh" "$1" "$work/tmp.cpio.gz" 2>&1)
rc=$?
echo "# $out"
[ $rc != 0 ] && grep -q 'tmpfs on /tmp' <<<"$out" && [ ! -e "$work/tmp.cpio.gz" ]
ok $? "a DST under /tmp is refused, saying why"

echo "1..$num"
echo "CLIENTBUF-EXTRA: pass=$((num - fail - skipped)) fail=$fail skip=$skipped"
[ $fail = 0 ]
