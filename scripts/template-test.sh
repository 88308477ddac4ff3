#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The package template (templates/package/) as a package author uses it,
# for one kernel (make check runs it for each):
#   1. copy it to build/KVER/template/ and build mypkg.ko outside the tree
#      against this tree's build (CLIENTBUF=.: build/KVER/kmod/
#      Module.symvers through KBUILD_EXTRA_SYMBOLS, module/include, uapi);
#      (on the host, or for a kernel the host cannot build for, 7.x, in
#      its build root: scripts/buildroot.sh run);
#   2. modinfo: vermagic KVER, depends on clientbuf, imports CLIENTBUF;
#   3. "make user": mypkg_client and mypkg_server, static, through
#      pkg-config and build/tools/clientbuf-uninstalled.pc;
#   4. boot KVER with them (EXTRA_FILES; mypkg.ko in /lib/clientbuf/ is
#      loaded after clientbuf.ko) and run templates/package/vm-test.sh:
#      a client calls the kernel package and the served package, each
#      answer checked (its "ok N mypkg:" lines; a line missing is a
#      failure), then the VM's kernel log and taint checks.
#
# Usage: scripts/template-test.sh KVER
# TAP on stdout; the last line "CLIENTBUF-TEMPLATE: pass=N fail=N skip=N".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tap_prefix=template
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
[ $# = 1 ] || die "usage: $0 KVER"
kver=$1
build=${BUILD:-$top/build}
dir=$build/$kver/template
# the VM script's checks
nvm=2

finish() {
	echo "1..$num"
	echo "CLIENTBUF-TEMPLATE: pass=$((num - fail - skipped)) fail=$fail skip=$skipped"
	exit $((fail > 0))
}

# kmake MAKE-ARGS...: make on the host when it has KVER's headers, else in
# the build root that has them (scripts/buildroot.sh: 7.x needs gcc-14),
# as a package author would build there
# shellcheck disable=SC2317 # called through run()
kmake() {
	if [ -f "/lib/modules/$kver/build/Makefile" ]; then
		make "$@"
	else
		"$top/scripts/buildroot.sh" run "$kver" make "$@"
	fi
}

echo "TAP version 13"
rm -rf "$dir"
mkdir -p "$dir"
cp -a "$top/templates/package/." "$dir/"
if ! run "$kver: mypkg.ko built outside the tree against build/$kver/kmod" \
	kmake -C "$dir" KVER="$kver" CLIENTBUF="$top"; then
	num=$((num + nvm))
	fail=$((fail + nvm))
	finish
fi
ko=$dir/mypkg.ko
info="$(modinfo -F vermagic "$ko" | cut -d' ' -f1) $(modinfo -F depends "$ko") $(modinfo -F import_ns "$ko")"
echo "# modinfo: $info"
[ "$info" = "$kver clientbuf CLIENTBUF" ]
ok $? "$kver: mypkg.ko: vermagic, depends clientbuf, imports CLIENTBUF"
run "mypkg_client, mypkg_server: static, pkg-config clientbuf-uninstalled" \
	make -C "$dir" KVER="$kver" CLIENTBUF="$top" user
for p in mypkg_client mypkg_server; do
	ldd "$dir/$p" >/dev/null 2>&1 && { echo "# $p is not static"; }
done

log=$build/$kver/template.log
rm -f "$log"
RUN_SCRIPT=$dir/vm-test.sh SELFTESTS=clientbuf_basic \
	EXTRA_FILES="$ko:/lib/clientbuf/mypkg.ko $dir/mypkg_client:/bin/mypkg_client $dir/mypkg_server:/bin/mypkg_server" \
	"$top/scripts/vm-run.sh" "$kver" template > "$build/$kver/template-vm.out" 2>&1
rc=$?
for i in $(seq 1 $nvm); do
	line=$(grep -aE "^ok $i mypkg: " "$log" 2>/dev/null | head -n 1)
	if [ -n "$line" ]; then
		ok 0 "$kver: VM: ${line#ok "$i" mypkg: }"
	else
		ok 1 "$kver: VM: mypkg check $i (see $log)"
	fi
done
# the kernel log and taint checks of scripts/vm-init, and how the VM ended
ok_vm "$kver" "$log" $rc "$build/$kver/template-vm.out"
finish
