#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb-test: install the Debian packages of build/deb/ (make deb) on
# this machine as a user would, check them, and purge them again:
#   1. apt-get install ./build/deb/*.deb (not the -dbgsym ones), which also
#      installs what they depend on (dkms, ...); clientbuf-dkms's postinst
#      has DKMS build and install the module for every kernel with headers;
#   2. for each given kernel: dkms status says "installed", and the
#      installed clientbuf.ko has that kernel's vermagic and VERSION;
#      Then the module is removed for the first kernel (dkms remove -k)
#      and the package's dkms-all-kernels (which the postinst runs after
#      DKMS's own step, for the kernels that step leaves out) must install
#      it again (checked as above);
#   3. a program built with pkg-config --cflags --libs clientbuf links
#      libclientbuf.so.1 and decodes an NTSTATUS (no device needed); the
#      packaged clientbuf CLI runs on the shared library;
#   4. pam_clientbuf.so is in the system's PAM module directory and
#      exports pam_sm_authenticate (SKIP when make deb left libpam-clientbuf
#      out);
#   5. the manual pages open with man (by name and with man -l); then
#      the package template built against the installed packages and
#      installed with DKMS for each kernel (scripts/deb-test-template.sh);
#   6. apt-get purge of every package step 1 installed, then nothing of
#      clientbuf is left (DKMS tree, /usr/src, modules, libraries).
# Step 6 also runs on failure. Needs root. Prints TAP and a summary line;
# exit status 0 when all passed.
#
# Usage: scripts/deb-test.sh KVER...
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tap_prefix="deb-test"
. "$top/scripts/lib.sh"
[ $# -ge 1 ] || { echo "usage: $0 KVER..." >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "deb-test: needs root" >&2; exit 1; }
"$top/scripts/need-pkg.sh" man-db pkgconf gcc libc6-dev || exit 1

kvers=("$@")
name=clientbuf
version=$(cat "$top/VERSION")
debdir=$top/build/deb
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
tmp=$(mktemp -d /tmp/clientbuf-deb-test.XXXXXX)
ours=()
for deb in "$debdir"/*.deb; do
	case $deb in *-dbgsym_*) continue ;; esac
	[ -f "$deb" ] && ours+=("$deb")
done
[ ${#ours[@]} -gt 0 ] || { echo "deb-test: no .deb in $debdir (make deb)" >&2; exit 1; }
pkgs=()
for deb in "${ours[@]}"; do
	pkgs+=("$(dpkg-deb -f "$deb" Package)")
done

installed_pkgs() {
	dpkg-query -W -f='${db:Status-Abbrev} ${binary:Package}\n' 2>/dev/null |
		awk '$1 ~ /^.i/ {print $2}' | sort
}

purged=0
new=()
purge() {
	[ $purged = 0 ] || return 0
	purged=1
	[ ${#new[@]} -gt 0 ] || return 0
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q \
		-o DPkg::Lock::Timeout=600 "${new[@]}" > "$tmp/purge.log" 2>&1
}
trap 'purge; rm -rf "$tmp"' EXIT

echo "TAP version 13"
echo "# packages: ${pkgs[*]}"
# a previous run or make dkms-test may have left clientbuf behind
for p in "${pkgs[@]}"; do
	if dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^.i'; then
		echo "# $p is installed already: purging it"
		apt-get purge -y -q "$p" > /dev/null 2>&1
	fi
done
if dkms status -m "$name" 2>/dev/null | grep -q .; then
	echo "# a dkms $name entry exists already: removing it"
	dkms remove -m "$name" -v "$version" --all > /dev/null 2>&1
fi
rm -rf "/usr/src/$name-$version"

# 1. install
before=$(installed_pkgs)
rc=0
DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends \
	-o DPkg::Lock::Timeout=600 "${ours[@]}" > "$tmp/install.log" 2>&1 || rc=1
mapfile -t new < <(comm -13 <(echo "$before") <(installed_pkgs))
[ $rc = 0 ] || sed 's/^/# /' "$tmp/install.log"
echo "# newly installed: ${new[*]}"
grep -E '^(Building|Done|Module build|It is likely|clientbuf-dkms)' "$tmp/install.log" |
	sed 's/^/# postinst: /'
ok $rc "apt-get install ${pkgs[*]}"

# 2. DKMS: built and installed for every test kernel
# check_dkms WHEN: dkms status and the installed module of each kernel
check_dkms() {
	local kver st rc
	for kver in "${kvers[@]}"; do
		rc=0
		st=$(dkms status -m "$name" -v "$version" -k "$kver" 2>/dev/null)
		echo "# dkms status: $st"
		case $st in
		*": installed"*) ;;
		*) rc=1 ;;
		esac
		check_dkms_ko "$name" "$kver" "$version" || rc=1
		ok $rc "$1: $kver: dkms status installed, clientbuf.ko vermagic $kver, version $version"
	done
}
check_dkms "after install"

allk=/usr/share/clientbuf-dkms/dkms-all-kernels
run "dkms remove -k ${kvers[0]}" \
	dkms remove -m "$name" -v "$version" -k "${kvers[0]}"
rc=0
"$allk" "$version" > "$tmp/allk.log" 2>&1 || rc=1
sed 's/^/# /' "$tmp/allk.log"
grep -q "building for ${kvers[0]}\$" "$tmp/allk.log" || rc=1
ok $rc "$allk $version builds for ${kvers[0]} again"
check_dkms "after $allk"

# 3. pkg-config, the shared library, the CLI

# is_packaged_lib PATH: PATH is libclientbuf1's library (/lib is /usr/lib
# on a merged-/usr system, and ldd may name either)
is_packaged_lib() {
	[ -n "$1" ] && [ "$(readlink -f "$1")" = \
		"$(readlink -f "/usr/lib/$multiarch/libclientbuf.so.1")" ] &&
		dpkg -S "/usr/lib/$multiarch/libclientbuf.so.1" 2>/dev/null |
		grep -q '^libclientbuf1'
}
rc=0
write_status_prog "$tmp/prog.c"
flags=$(pkg-config --cflags --libs clientbuf 2>&1) || rc=1
echo "# pkg-config --cflags --libs clientbuf: $flags"
pcv=$(pkg-config --modversion clientbuf 2>&1)
[ "$pcv" = "$version" ] || { echo "# pkg-config --modversion: $pcv"; rc=1; }
if [ $rc = 0 ]; then
	# shellcheck disable=SC2086 # $flags is a list of options
	cc -Wall -Wextra -Werror -o "$tmp/prog" "$tmp/prog.c" $flags \
		> "$tmp/cc.log" 2>&1 || { sed 's/^/# /' "$tmp/cc.log"; rc=1; }
fi
if [ $rc = 0 ]; then
	lib=$(ldd "$tmp/prog" | awk '$1 == "libclientbuf.so.1" {print $3}')
	echo "# libclientbuf.so.1 => ${lib:-not linked}"
	is_packaged_lib "$lib" || rc=1
	out=$("$tmp/prog" 2>&1) || rc=1
	echo "# prog: $out"
fi
ok $rc "a program built with pkg-config --cflags --libs clientbuf runs on libclientbuf.so.1"

rc=0
lib=$(ldd /usr/bin/clientbuf 2>&1 | awk '$1 == "libclientbuf.so.1" {print $3}')
is_packaged_lib "$lib" ||
	{ echo "# /usr/bin/clientbuf: libclientbuf.so.1 => ${lib:-not linked}"; rc=1; }
out=$(clientbuf status 0xC0000005 2>&1) || rc=1
grep -q 'Win32: *998 ERROR_NOACCESS' <<< "$out" ||
	{ printf '# %s\n' "${out//$'\n'/$'\n'# }"; rc=1; }
ok $rc "clientbuf-tools: clientbuf status 0xC0000005 on the shared library"

# 4. the PAM module
pam=/lib/$multiarch/security/pam_clientbuf.so
if [[ " ${pkgs[*]} " == *" libpam-clientbuf "* ]]; then
	rc=0
	[ -f "$pam" ] || { echo "# no $pam"; rc=1; }
	nm -D --defined-only "$pam" 2>/dev/null | grep -qw pam_sm_authenticate ||
		{ echo "# $pam exports no pam_sm_authenticate"; rc=1; }
	ok $rc "libpam-clientbuf: $pam exports pam_sm_authenticate"
else
	skip "libpam-clientbuf: $pam" \
		"make deb left libpam-clientbuf out (no tools/pam/pam_clientbuf.c)"
fi

# 5. manual pages
pages=("1 clientbuf" "3 libclientbuf")
[[ " ${pkgs[*]} " == *" libpam-clientbuf "* ]] && pages+=("8 pam_clientbuf")
for page in "${pages[@]}"; do
	read -r sec pg <<< "$page"
	rc=0
	file=$(man -w "$sec" "$pg" 2>&1) || rc=1
	echo "# man -w $sec $pg: $file"
	for how in "$sec $pg" "-l $file"; do
		# shellcheck disable=SC2086 # two words: section and page, -l FILE
		out=$(MANPAGER=cat MANWIDTH=80 man $how 2>&1) || rc=1
		if ! grep -q "^NAME" <<< "$out" || ! grep -Eq "^ *$pg +- " <<< "$out"
		then
			echo "# man $how:"
			printf '%s\n' "$out" | head -n 5 | sed 's/^/#   /'
			rc=1
		fi
	done
	ok $rc "man $sec $pg and man -l $file open"
done

# 5b. the package template against the installed packages
# (scripts/deb-test-template.sh, Documentation/write-a-package.rst)
. "$top/scripts/deb-test-template.sh"
template_installed_test "${kvers[@]}"

# 6. purge and look for leftovers
purge
rc=$?
ok_log $rc "$tmp/purge.log" "apt-get purge ${new[*]}"
rc=0
left=$(comm -12 <(printf '%s\n' "${new[@]}" | sort) <(installed_pkgs))
[ -z "$left" ] || { echo "# still installed: $left"; rc=1; }
for f in "/usr/src/$name-$version" "/var/lib/dkms/$name" /usr/share/clientbuf-dkms \
	 /lib/modules/*/updates/dkms/"$name".ko* /usr/lib/"$multiarch"/libclientbuf* \
	 /usr/lib/"$multiarch"/pkgconfig/clientbuf.pc /usr/include/clientbuf.h \
	 /usr/include/linux/clientbuf.h /usr/bin/clientbuf "$pam" \
	 /usr/share/man/man1/clientbuf.1.gz /usr/share/man/man3/libclientbuf.3.gz \
	 /usr/share/man/man8/pam_clientbuf.8.gz; do
	[ -e "$f" ] && { echo "# left behind: $f"; rc=1; }
done
ok $rc "nothing of clientbuf left after the purge"

tap_end
