#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel-doc of one kernel series, from that series' Debian
# linux-source tarball (on the host, or in the build root of
# scripts/buildroot.sh), extracted once into build/kernel-doc-SERIES/: the
# Perl scripts/kernel-doc up to 6.x, the Python tools/docs/kernel-doc with
# its tools/lib/python/ since. Nothing of it is kept in the repository.
#
# Usage: scripts/kernel-doc-tool.sh KVER   prints the kernel-doc to run
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
[ $# = 1 ] || die "usage: $0 KVER"
series=$(cut -d. -f1,2 <<<"$1")
dest=${BUILD:-$top/build}/kernel-doc-$series
root=$(kernel_root "$1") || root=
tarball=$root/usr/src/linux-source-$series.tar.xz
[ -f "$tarball" ] || die "no $tarball (scripts/install-deps.sh)"

if [ ! -f "$dest/.stamp" ]; then
	members=(scripts/kernel-doc)
	if tar -tJf "$tarball" "linux-source-$series/tools/docs/kernel-doc" \
			>/dev/null 2>&1; then
		members+=(tools/docs/kernel-doc "tools/lib/python/*")
	fi
	extract_once "$dest" "$tarball" kernel-doc "${members[@]}"
fi
if [ -f "$dest/tools/docs/kernel-doc" ]; then
	echo "$dest/tools/docs/kernel-doc"
else
	echo "$dest/scripts/kernel-doc"
fi
