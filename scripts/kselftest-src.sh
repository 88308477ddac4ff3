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
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
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
	sel=tools/testing/selftests
	extract_once "$dest" "$tarball" \
		"$sel/{kselftest*,lib.mk,run_kselftest.sh}" \
		"$sel/kselftest_harness.h" "$sel/kselftest.h" "$sel/lib.mk" \
		"$sel/kselftest/*" "$sel/run_kselftest.sh"
fi
echo "$dest/tools/testing/selftests"
