# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The shell logic the scripts share, sourced by every script of scripts/
# that runs on the host (and tools/bench/bench.sh): messages (die), the
# installed kernels (on the host or in a build root) and building for them, Debian package checks, extracting files from a tarball once,
# TAP lines (ok, skip, run, tap_end: the tests that install clientbuf on
# the host, scripts/install-test.sh, dkms-test.sh, deb-test.sh, and
# scripts/deb-build.sh), the copy of the source tree, the checks of an
# installed clientbuf.ko and the program built against libclientbuf.
#
# Sourcing it defines functions and sets tap_prefix, num, fail and skipped
# (the TAP counters); a script that counts with variables of these names
# sets them after sourcing. Set tap_prefix (e.g. "dkms") before using
# ok/run. The scripts that run inside the VM (scripts/vm-init,
# scripts/run-demo.sh) are busybox sh and do not source it.

# die MESSAGE: "SCRIPT: MESSAGE" on stderr (SCRIPT: $0's name without
# .sh), exit 1.
die() {
	local name=${0##*/}
	echo "${name%.sh}: $*" >&2
	exit 1
}

# The Debian build roots of scripts/buildroot.sh (kernels the host cannot
# build for): /var/cache/clientbuf/root-CODENAME.
cb_cache=${CLIENTBUF_CACHE:-/var/cache/clientbuf}

# kernel_root KVER: the directory whose boot/vmlinuz-KVER and
# lib/modules/KVER are the kernel's: "" for the host, else the build root;
# status 1 when no such kernel is installed.
kernel_root() {
	local r
	if [ -f "/boot/vmlinuz-$1" ]; then
		echo ""
		return 0
	fi
	for r in "$cb_cache"/root-*; do
		if [ -f "$r/.stamp" ] && [ -f "$r/boot/vmlinuz-$1" ]; then
			echo "$r"
			return 0
		fi
	done
	return 1
}

# newest_kernel SERIES: the release of the newest installed
# vmlinuz-SERIES.*-cloud-amd64, on the host or in a build root
# (6.12 -> 6.12.117+deb12-cloud-amd64, 7 -> 7.3.4+deb13-cloud-amd64);
# status 1, printing nothing, when there is none.
newest_kernel() {
	local k
	k=$(printf '%s\n' /boot/vmlinuz-"$1".*-cloud-amd64 \
		"$cb_cache"/root-*/boot/vmlinuz-"$1".*-cloud-amd64 |
		sed 's|.*/boot/vmlinuz-||' | grep -v '\*' | sort -V | tail -n 1)
	[ -n "$k" ] || return 1
	echo "$k"
}

# resolve_kernel NAME: NAME when it is an installed kernel release, else
# the newest installed kernel of the series NAME; status 1 when none.
resolve_kernel() {
	if [ -d "/lib/modules/$1/build" ] || kernel_root "$1" >/dev/null; then
		echo "$1"
		return 0
	fi
	newest_kernel "$1"
}

# test_kernels: the kernels of make check, one per line: the newest 6.1
# and 6.12 on the host, and the newest kernel of the archive
# (KERNEL_NEWEST in build/deps.env, built in a build root) when installed.
test_kernels() {
	local k env=${BUILD:-$top/build}/deps.env
	newest_kernel 6.1 || true
	newest_kernel 6.12 || true
	if [ -f "$env" ]; then
		k=$(sed -n 's/^KERNEL_NEWEST=//p' "$env")
		[ -n "$k" ] && kernel_root "$k" >/dev/null && echo "$k"
	fi
	return 0
}

# kbuild KVER MAKE-ARGS...: the kernel's make for KVER (a module build:
# M=DIR ...), on the host when it has the headers, else inside the build
# root that has them (scripts/buildroot.sh run). KDIR, when set, is the
# kernel tree to use on the host (a debug kernel).
kbuild() {
	local kver=$1
	shift
	if [ -n "${KDIR:-}" ]; then
		make -C "$KDIR" "$@"
	elif [ -f "/lib/modules/$kver/build/Makefile" ]; then
		make -C "/lib/modules/$kver/build" "$@"
	else
		"$top/scripts/buildroot.sh" run "$kver" \
			make -j"$(nproc)" -C "/lib/modules/$kver/build" "$@"
	fi
}

# pkg_installed PACKAGE: status 0 when the Debian package is installed.
pkg_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null |
		grep -q 'install ok installed'
}

# pkgs_missing PACKAGE...: those of the packages that are not installed,
# one line each.
pkgs_missing() {
	local p
	for p in "$@"; do
		pkg_installed "$p" || echo "$p"
	done
}

# extract_once DEST TARBALL WHAT MEMBER...: unpack the MEMBERs (paths
# below the top directory of TARBALL, a linux-source-*.tar.xz; globs
# allowed) into DEST, unless DEST/.stamp says that was done. WHAT names
# them in the "EXTRACT" line on stderr.
extract_once() {
	local dest=$1 tarball=$2 what=$3 base tmp m
	local members=()
	shift 3
	[ -f "$dest/.stamp" ] && return 0
	base=$(basename "$tarball" .tar.xz)
	for m in "$@"; do
		members+=("$base/$m")
	done
	tmp=$dest.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	echo "  EXTRACT $base/$what from $tarball" >&2
	tar -xJf "$tarball" -C "$tmp" --strip-components=1 --wildcards \
		"${members[@]}"
	echo "$tarball" > "$tmp/.stamp"
	rm -rf "$dest"
	mv "$tmp" "$dest"
}

tap_prefix=${tap_prefix:-clientbuf}
num=0
fail=0
skipped=0

# ok RC DESCRIPTION: one TAP line, "ok" when RC is 0.
ok() {
	num=$((num + 1))
	if [ "$1" = 0 ]; then
		echo "ok $num $tap_prefix: $2"
	else
		echo "not ok $num $tap_prefix: $2"
		fail=$((fail + 1))
	fi
}

# skip DESCRIPTION REASON: a test that cannot run here.
skip() {
	num=$((num + 1))
	skipped=$((skipped + 1))
	echo "ok $num $tap_prefix: $1 # SKIP $2"
}

# run DESCRIPTION CMD...: one step, its output as diagnostics on failure.
run() {
	local what=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	[ $rc = 0 ] || printf '# %s\n' "${out//$'\n'/$'\n'# }"
	ok $rc "$what"
	return $rc
}

# ok_log RC LOG DESCRIPTION: ok, with LOG as diagnostics when RC is not 0.
ok_log() {
	[ "$1" = 0 ] || sed 's/^/# /' "$2"
	ok "$1" "$3"
}

# ok_vm KVER LOG RC OUT: one result for each of the VM's own checks in LOG
# (vm-init's kernel log and taint lines), then one for how the VM run
# ended, RC, with the last lines of OUT when it failed.
ok_vm() {
	local kver=$1 log=$2 rc=$3 out=$4 line r

	while IFS= read -r line; do
		r=0
		[[ $line == "not ok"* ]] && r=1
		ok $r "$kver: VM: ${line#* clientbuf: }"
	done < <(grep -aE '^(not )?ok [0-9]+ clientbuf: ' "$log" 2>/dev/null)
	[ "$rc" = 0 ] || tail -n 40 "$out" | sed 's/^/# /'
	ok "$rc" "$kver: VM run ($(grep -a '^CLIENTBUF-VM-RUN:' "$log" 2>/dev/null | tail -n 1))"
}

# tap_end: the plan and a summary line; status 0 when nothing failed.
tap_end() {
	local s=""
	[ "$skipped" = 0 ] || s=", $skipped skipped"
	echo "1..$num"
	echo "$tap_prefix: $((num - fail - skipped)) passed, $fail failed$s"
	[ "$fail" = 0 ]
}

# copy_sources TOP DEST: the files git knows or would add (not build/, not
# ignored files) from TOP into DEST, as a source package or DKMS has them.
copy_sources() {
	(cd "$1" && git ls-files -co --exclude-standard -z |
		while IFS= read -r -d '' f; do
			[ -e "$f" ] && printf '%s\0' "$f"
		done | xargs -0 cp --parents -a -t "$2")
}

# check_ko KO KVER VERSION: KO is clientbuf.ko built for KVER (vermagic) at
# VERSION (MODULE_VERSION); diagnostics on stdout, status 1 on a mismatch.
check_ko() {
	local ko=$1 kver=$2 version=$3 vm v rc=0
	if [ ! -f "$ko" ]; then
		echo "# no $ko"
		return 1
	fi
	vm=$(modinfo -F vermagic "$ko")
	echo "# $ko: vermagic $vm"
	[ "${vm%% *}" = "$kver" ] || { echo "# vermagic is not $kver"; rc=1; }
	v=$(modinfo -F version "$ko")
	[ "$v" = "$version" ] || { echo "# version $v, want $version"; rc=1; }
	return $rc
}

# check_dkms_ko NAME KVER VERSION: check_ko of the NAME.ko that DKMS
# installed for KVER.
check_dkms_ko() {
	local ko
	ko=$(find /lib/modules/"$2"/updates/dkms -name "$1.ko*" 2>/dev/null |
		head -n 1)
	check_ko "${ko:-/lib/modules/$2/updates/dkms/$1.ko}" "$2" "$3"
}

# write_status_prog FILE: a C program that calls libclientbuf's NTSTATUS
# decoder (no device needed) and exits 0 when the answer is right.
write_status_prog() {
	cat > "$1" <<'PROG'
#include <stdio.h>
#include <string.h>
#include <clientbuf.h>

int main(void)
{
	__u32 s = CLIENTBUF_STATUS_ACCESS_VIOLATION;
	const char *name = clientbuf_status_name(s);

	printf("%s: errno %d, Win32 %u\n", name ? name : "(null)",
	       -clientbuf_status_to_errno(s), clientbuf_status_to_win32(s));
	return !(name && strcmp(name, "STATUS_ACCESS_VIOLATION") == 0 &&
		 clientbuf_status_to_win32(s) == 998);
}
PROG
}
