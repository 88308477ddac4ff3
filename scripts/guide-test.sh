#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Documentation/write-a-package.rst, followed as written (make check): the
# commands of its console blocks (scripts/rst-blocks.py console), in
# order, in one bash shell in build/guide/run/, each one test. The clone
# it starts with is of build/guide/src, a repository of one commit holding
# this tree's files as git would add them (the working tree, uncommitted
# changes included), so a fresh clone is what is tested. After the first
# failing command the rest are failures too, not run. The summary gives
# the seconds from the clone to the end of the VM run whose first check is
# the first answered call.
#
# Usage: scripts/guide-test.sh
# TAP on stdout; the last line "CLIENTBUF-GUIDE: pass=N fail=N skip=N".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tap_prefix=guide
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
build=${BUILD:-$top/build}
work=$build/guide
guide=$top/Documentation/write-a-package.rst

echo "TAP version 13"
rm -rf "$work"
mkdir -p "$work/src" "$work/run" "$work/logs"
copy_sources "$top" "$work/src" &&
	git -C "$work/src" init -q &&
	git -C "$work/src" add -A &&
	git -C "$work/src" -c user.name=guide -c user.email=guide@localhost \
		commit -qm "the tree under test"
ok $? "a repository of the tree under test to clone"
export CLIENTBUF_GIT=$work/src

start=$(date +%s)
broken=
# step N LINE COMMAND: run COMMAND in this shell (cd and variables carry
# over to the next), its output in build/guide/logs/stepN.log.
step() {
	local n=$1 line=$2 cmd=$3 t0 rc log=$work/logs/step$1.log
	local what="write-a-package.rst:$line: \$ ${cmd//$'\n'/ }"
	if [ -n "$broken" ]; then
		ok 1 "$what (not run: step $broken failed)"
		return
	fi
	t0=$(date +%s)
	# shellcheck disable=SC2294 # the guide's command, as a shell reads it
	eval "$cmd" > "$log" 2>&1 < /dev/null
	rc=$?
	if [ $rc != 0 ]; then
		broken=$n
		tail -n 30 "$log" | sed 's/^/# /'
	fi
	ok $rc "$what ($(($(date +%s) - t0)) s, log $log)"
}

script=$("$top/scripts/rst-blocks.py" console "$guide") ||
	die "rst-blocks.py failed"
cd "$work/run" || die "no $work/run"
eval "$script"
total=$(($(date +%s) - start))
# the VM run's first check is the first answered call
if grep -aq '^ok 1 mypkg: ' "$work/run/clientbuf/build/"*/run.log 2>/dev/null; then
	echo "# from the clone to the first answered call: ${total} s"
	ok 0 "the kernel package answered in the VM (${total} s after the clone)"
else
	ok 1 "the kernel package answered in the VM"
fi

echo "1..$num"
echo "CLIENTBUF-GUIDE: pass=$((num - fail - skipped)) fail=$fail skip=$skipped time=${total}s"
[ $fail = 0 ]
