# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the tests that install clientbuf on the host
# (scripts/install-test.sh, dkms-test.sh, deb-test.sh) and by
# scripts/deb-build.sh: TAP lines, the copy of the source tree, the checks
# of an installed clientbuf.ko and the program built against libclientbuf.
#
# Set tap_prefix (e.g. "dkms") before using ok/run.

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
