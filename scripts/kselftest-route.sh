#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kselftest route (make check): clientbuf's selftests built,
# installed and run the way the kernel's own are, against Debian's
# linux-source-6.12 (Documentation/testing.rst, "The kselftest route"):
#   1. extract the kernel tree's kselftest framework (tools/testing/
#      selftests/{Makefile,lib.mk,kselftest*,run_kselftest.sh} and
#      scripts/subarch.include) into build/ksft-route/linux/, and place the
#      selftests in it (scripts/kselftest-place.sh);
#   2. make -C linux/tools/testing/selftests TARGETS=clientbuf
#      O=build/ksft-route/out: every program built, none written into the
#      source tree (out of the source);
#   3. the same with "install": run_kselftest.sh, kselftest-list.txt with
#      every clientbuf program, clientbuf/settings;
#   4. for each KVER, the install tree in the VM (EXTRA_FILES, at
#      /kselftest) run by its own run_kselftest.sh for KSFT_TESTS
#      (default: clientbuf_basic clientbuf_call clientbuf_fail_nth): each
#      program's result as the runner prints it ("# SKIP" a skip: a
#      program whose cases all skipped, clientbuf_fail_nth on a kernel
#      without fault injection, exits with kselftest's skip code), then
#      the VM's kernel log and taint checks.
#
# Usage: scripts/kselftest-route.sh KVER...
# TAP on stdout; the last line "CLIENTBUF-KSFT: pass=N fail=N skip=N".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tap_prefix=kselftest-route
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
[ $# -ge 1 ] || die "usage: $0 KVER..."
build=${BUILD:-$top/build}
work=$build/ksft-route
tree=$work/linux
out=$work/out
tarball=/usr/src/linux-source-6.12.tar.xz
tests=${KSFT_TESTS:-clientbuf_basic clientbuf_call clientbuf_fail_nth}

finish() {
	echo "1..$num"
	echo "CLIENTBUF-KSFT: pass=$((num - fail - skipped)) fail=$fail skip=$skipped"
	exit $((fail > 0))
}

echo "TAP version 13"
sel=tools/testing/selftests
rm -rf "$out"
mkdir -p "$work"
if ! run "the kselftest framework of $(basename "$tarball") extracted" \
	extract_once "$tree" "$tarball" "$sel/{Makefile,lib.mk,...}" \
		"$sel/Makefile" "$sel/lib.mk" "$sel/kselftest*" \
		"$sel/run_kselftest.sh" scripts/subarch.include; then
	finish
fi
run "scripts/kselftest-place.sh: selftests placed in $sel/clientbuf" \
	"$top/scripts/kselftest-place.sh" "$tree" || finish
touch "$work/placed"
make -C "$tree/$sel" TARGETS=clientbuf O="$out" > "$work/build.log" 2>&1
rc=$?
missing=
for c in "$top"/selftests/*.c; do
	n=$(basename "$c" .c)
	[ -x "$out/kselftest/clientbuf/$n" ] || missing="$missing $n"
done
[ -z "$missing" ] || { echo "# not built:$missing"; rc=1; }
[ $rc = 0 ] || tail -n 30 "$work/build.log" | sed 's/^/# /'
ok $rc "make -C $sel TARGETS=clientbuf O=...: every program built"
written=$(find "$tree/$sel/clientbuf" -type f -newer "$work/placed" | head)
[ -z "$written" ]
ok $? "nothing written into the source tree${written:+: $written}"

make -C "$tree/$sel" TARGETS=clientbuf O="$out" install \
	> "$work/install.log" 2>&1
rc=$?
inst=$out/kselftest/kselftest_install
for f in run_kselftest.sh kselftest/runner.sh clientbuf/settings; do
	[ -f "$inst/$f" ] || { echo "# no $f installed"; rc=1; }
done
nlist=$(grep -c '^clientbuf:' "$inst/kselftest-list.txt" 2>/dev/null)
nsrc=$(find "$top/selftests" -maxdepth 1 -name '*.c' | wc -l)
[ "$nlist" = "$nsrc" ] || { echo "# kselftest-list.txt: $nlist of $nsrc programs"; rc=1; }
[ $rc = 0 ] || tail -n 30 "$work/install.log" | sed 's/^/# /'
ok $rc "make ... install: run_kselftest.sh, kselftest-list.txt ($nlist programs), settings"
[ $rc = 0 ] || finish

conf=$work/kselftest-route.conf
echo "KSFT_TESTS=\"$tests\"" > "$conf"
for kver in "$@"; do
	log=$build/$kver/ksftroute.log
	rm -f "$log"
	RUN_SCRIPT=$top/scripts/kselftest-route-vm.sh SELFTESTS=clientbuf_basic \
		EXTRA_FILES="$inst:/kselftest $conf:/etc/kselftest-route.conf" \
		"$top/scripts/vm-run.sh" "$kver" ksftroute > "$work/vm-$kver.out" 2>&1
	vrc=$?
	for t in $tests; do
		line=$(grep -aE "^(not )?ok [0-9]+ selftests: clientbuf: $t( |\$)" \
			"$log" 2>/dev/null | head -n 1)
		# its cases, and how many of them skipped
		read -r n s < <(awk -v t="$t" '
			$0 == "# selftests: clientbuf: " t { on = 1; next }
			on && /^(not )?ok [0-9]+ selftests: / { exit }
			on && /^# (not )?ok [0-9]+ / { n++; if (/# SKIP/) s++ }
			END { print n + 0, s + 0 }' "$log" 2>/dev/null)
		what="$kver: run_kselftest.sh: $t"
		case $line in
		"") ok 1 "$what did not report (see $log)" ;;
		not*) ok 1 "$what: $line" ;;
		*"# SKIP"*) skip "$what" "all of its $s cases skipped: exit 4" ;;
		*)	if [ "${n:-0}" -gt 0 ] && [ "$n" = "$s" ]; then
				ok 1 "$what: all of its $n cases skipped, but the runner says ok (exit 0, not KSFT_SKIP 4)"
			else
				ok 0 "$what: $n cases, $s skipped"
			fi ;;
		esac
	done
	ok_vm "$kver" "$log" $vrc "$work/vm-$kver.out"
done
finish
