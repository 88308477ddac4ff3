#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Place clientbuf's selftests in a kernel tree as one of its kselftest
# targets: selftests/ (without the test module) copied to
# KERNEL-TREE/tools/testing/selftests/clientbuf/, with the clientbuf
# sources the tests include or link (the uapi header, libclientbuf's
# header and NTSTATUS tables, the crypto helpers, the samples' protocol
# headers) in its clientbuf-src/. Then, as for the kernel's own targets:
#
#   make -C KERNEL-TREE/tools/testing/selftests TARGETS=clientbuf O=DIR
#   make -C KERNEL-TREE/tools/testing/selftests TARGETS=clientbuf O=DIR install
#   DIR/kselftest/kselftest_install/run_kselftest.sh    (where clientbuf.ko is loaded)
#
# Usage: scripts/kselftest-place.sh KERNEL-TREE
# A previous placement is replaced. Documentation/testing.rst, "The
# kselftest route".
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
[ $# = 1 ] || die "usage: $0 KERNEL-TREE"
sel=$1/tools/testing/selftests
[ -f "$sel/lib.mk" ] || die "$sel/lib.mk missing: not a kernel tree"
dest=$sel/clientbuf

rm -rf "$dest"
mkdir -p "$dest"
(cd "$top/selftests" && find . -path ./module -prune -o -type f -print0 |
	xargs -0 cp --parents -t "$dest")
src=$dest/clientbuf-src
# what the tests include or link: the uapi header, libclientbuf's sources
# (its header and NTSTATUS tables), the tools' own sources (the crypto
# helpers on OpenSSL's libcrypto), the samples' protocol headers; whole
# directories' sources, so a new file there comes along
for f in uapi/linux/clientbuf.h tools/lib/*.[ch] tools/*.[ch] \
	 samples/*.h; do
	[ -f "$top/$f" ] || die "$top/$f missing"
	install -D -m 0644 "$top/$f" "$src/$f"
done
echo "$dest"
