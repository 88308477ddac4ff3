#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract the kselftest framework (kselftest_harness.h, kselftest.h, lib.mk,
# kselftest/ runner, run_kselftest.sh) from Debian's linux-source tarball
# into build/kselftest/, once. Nothing of it is kept in the repository.
#
# Usage: scripts/kselftest-src.sh [DEST]
#   DEST defaults to build/kselftest; prints the selftests directory.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$top/build/kselftest}
stamp=$dest/.stamp

find_tarball() {
	local t
	for t in /usr/src/linux-source-6.12.tar.xz /usr/src/linux-source-6.1.tar.xz \
		 /usr/src/linux-source-*.tar.xz; do
		if [ -f "$t" ]; then
			echo "$t"
			return 0
		fi
	done
	return 1
}

if [ ! -f "$stamp" ]; then
	tarball=$(find_tarball) || {
		echo "kselftest-src: no /usr/src/linux-source-*.tar.xz;" \
		     "run scripts/install-deps.sh" >&2
		exit 1
	}
	base=$(basename "$tarball" .tar.xz)
	sel=$base/tools/testing/selftests
	tmp=$dest.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	echo "  EXTRACT $sel/{kselftest*,lib.mk,run_kselftest.sh} from $tarball" >&2
	tar -xJf "$tarball" -C "$tmp" --strip-components=1 --wildcards \
		"$sel/kselftest_harness.h" "$sel/kselftest.h" "$sel/lib.mk" \
		"$sel/kselftest/*" "$sel/run_kselftest.sh"
	echo "$tarball" > "$tmp/.stamp"
	rm -rf "$dest"
	mv "$tmp" "$dest"
fi
echo "$dest/tools/testing/selftests"
