#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The package author's path, as make check tests it (after the selftest
# runs; scripts/check.sh counts each part):
#   extra files     scripts/extra-files-test.sh: EXTRA_FILES packs
#                   directories, refuses a VM path under /tmp
#   doc examples    scripts/doc-examples.sh KVER...: every C example of
#                   Documentation/ compiled, the kernel ones for each
#                   kernel, loaded and called in the VM
#   template KVER   scripts/template-test.sh KVER: templates/package built
#                   outside the tree against build/KVER/kmod, its client
#                   calling the kernel and the served package in the VM
#   kselftest route scripts/kselftest-route.sh KVER...: the selftests
#                   built and installed from a kernel tree (Debian's
#                   linux-source) and run by run_kselftest.sh in the VM
#   guide           scripts/guide-test.sh: the commands of
#                   Documentation/write-a-package.rst on a fresh clone
# Each part's TAP goes to build/package-tests/PART.log; on stdout, one
# line per part, "CLIENTBUF-PKGTEST PART: pass=N fail=N skip=N", and the
# failing lines ("not ok ...") of each.
# GUIDE=0 leaves out the guide (it clones and builds the tree again).
#
# Usage: scripts/package-tests.sh KVER...
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
[ $# -ge 1 ] || die "usage: $0 KVER..."
build=${BUILD:-$top/build}
logs=$build/package-tests
mkdir -p "$logs"
rc=0

# part NAME LOG CMD...: run one part, report its result line.
part() {
	local name=$1 log=$2 res
	shift 2
	"$@" > "$log" 2>&1 || rc=1
	res=$(grep -aE '^CLIENTBUF-[A-Z]+: pass=' "$log" | tail -n 1)
	res=${res#*: }
	[ -n "$res" ] || res="pass=0 fail=1 skip=0 (no result, see $log)"
	echo "CLIENTBUF-PKGTEST $name: $res"
	grep -aE '^not ok ' "$log" | sed 's/^/    /'
}

part "extra files" "$logs/extra-files.log" \
	"$top/scripts/extra-files-test.sh" "$1"
part "doc examples" "$logs/doc-examples.log" \
	"$top/scripts/doc-examples.sh" "$@"
for kver in "$@"; do
	part "template $kver" "$logs/template-$kver.log" \
		"$top/scripts/template-test.sh" "$kver"
done
if [ -x "$top/scripts/kselftest-route.sh" ]; then
	part "kselftest route" "$logs/kselftest-route.log" \
		"$top/scripts/kselftest-route.sh" "$@"
fi
if [ "${GUIDE:-1}" != 0 ]; then
	part "guide" "$logs/guide.log" "$top/scripts/guide-test.sh"
fi
exit $rc
