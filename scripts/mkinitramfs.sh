#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the busybox initramfs that the clientbuf test VM boots.
#
# Usage: scripts/mkinitramfs.sh KVER OUT.cpio.gz
#
# Contents: /bin/busybox (applets are linked by /init at boot), /init
# (scripts/vm-init), /bin/vm-exit, the modules built for KVER in
# /lib/clientbuf/ (clientbuf.ko, clientbuf_test.ko, samples), the selftest
# binaries in /selftests/clientbuf/ with the kselftest runner in /selftests,
# the tools' binaries (if built) in /bin, and with pam_clientbuf.so built:
# pamtester, keyctl, their libraries, the module and selftests/pam.d/, and
# the login programs of the clientbuf_login selftest: Debian's su (setuid),
# login, sshd, ssh and sshpass with their libraries, PAM modules, a fresh
# sshd host key (0600) and the accounts and configuration of
# selftests/login/ (passwd, group, shadow, nsswitch.conf, sshd_config...).
#
# Environment:
#   MODE=check|run|bench|probe   what /init does (default check); probe
#                                packs only busybox, /init and vm-exit
#   RUN_SCRIPT=FILE    installed as /bin/run-demo (MODE=run) or
#                      /bin/run-$MODE (other modes)
#   EXTRA_FILES="SRC[:DST] ..."  more files or directories to pack (DST
#                                absolute, not under /tmp; see
#                                scripts/extra-files.sh)
#   SELFTESTS="NAME ..."         pack only these selftest binaries (for
#                                work on one test; make check packs all)
#   BUILD=DIR          build directory (default: <repo>/build)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

[ $# = 2 ] || die "usage: $0 KVER OUT.cpio.gz"
kver=$1
out=$2
build=${BUILD:-$top/build}
mode=${MODE:-check}
kmod=$build/$kver/kmod
busybox=${BUSYBOX:-/bin/busybox}

root=$(mktemp -d "${TMPDIR:-/tmp}/clientbuf-initramfs.XXXXXX")
chmod 0755 "$root"
trap 'rm -rf "$root"' EXIT

# Copy an executable (mode 0755, or MODE) and, if it is dynamically linked,
# the libraries and loader it needs.
add_exe() {
	local src=$1 dst=$2 mode=${3:-0755} lib
	install -D -m "$mode" "$src" "$root$dst"
	if ldd "$src" >/dev/null 2>&1; then
		for lib in $(ldd "$src" | grep -oE '/[^ ]+'); do
			[ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"
		done
	fi
}

# A real program at its own path, as installed: its mode with a setuid bit
# (the archive is made with -R 0:0, so root owns it, and the kernel's
# unpacker keeps the mode), and its libraries. It is not shadowed by a
# busybox applet: /init's "busybox --install" never replaces a file, and
# /usr/bin, /usr/sbin come first in PATH.
add_real() {
	local src
	for src in "$@"; do
		[ -x "$src" ] || die "$src missing (scripts/install-deps.sh)"
		add_exe "$src" "$src" "$(stat -L -c %a "$src")"
	done
}

ldd "$busybox" >/dev/null 2>&1 &&
	die "$busybox is not static (install busybox-static)"

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root}
mkdir -p "$root"/lib/clientbuf "$root"/selftests/clientbuf
install -m 0755 "$busybox" "$root/bin/busybox"
install -m 0755 "$top/scripts/vm-init" "$root/init"

vmexit=$build/vm-exit
if [ ! -x "$vmexit" ] || [ "$top/scripts/vm-exit.c" -nt "$vmexit" ]; then
	mkdir -p "$build"
	${CC:-gcc} -std=c11 -Wall -Wextra -Werror -O2 -static \
		-o "$vmexit" "$top/scripts/vm-exit.c"
fi
install -m 0755 "$vmexit" "$root/bin/vm-exit"

# The kselftest runner calls "timeout --foreground"; busybox's timeout
# does not know that option.
cat > "$root/usr/bin/timeout" <<'EOS'
#!/bin/sh
[ "$1" = --foreground ] && shift
exec /bin/busybox timeout "$@"
EOS
chmod 0755 "$root/usr/bin/timeout"

{
	echo "MODE=$mode"
	echo "KVER=$kver"
} > "$root/etc/clientbuf.conf"

if [ "$mode" != probe ]; then
	[ -f "$kmod/clientbuf.ko" ] ||
		die "$kmod/clientbuf.ko missing (make modules KVER=$kver)"
	cp "$kmod/clientbuf.ko" "$root/lib/clientbuf/"
	install -m 0644 "$top/scripts/tap-count.awk" "$root/lib/clientbuf/"
	for ko in "$kmod"/selftests/module/*.ko "$kmod"/samples/*.ko \
		  "$kmod"/samples/*/*.ko; do
		[ -f "$ko" ] && cp "$ko" "$root/lib/clientbuf/"
	done

	# selftests: binaries, settings, config, and the kselftest runner
	ksft=$("$top/scripts/kselftest-src.sh")
	cp -r "$ksft/kselftest" "$ksft/run_kselftest.sh" "$root/selftests/"
	for f in "$top/selftests/settings" "$top/selftests/config"; do
		[ -f "$f" ] && cp "$f" "$root/selftests/clientbuf/"
	done
	: > "$root/selftests/kselftest-list.txt"
	# one binary per selftests/*.c (stale binaries in build/ are left out)
	for c in "$top"/selftests/*.c; do
		t=$build/selftests/$(basename "$c" .c)
		if [ -n "${SELFTESTS:-}" ] &&
		   ! grep -qw -- "$(basename "$t")" <<<"$SELFTESTS"; then
			continue
		fi
		[ -x "$t" ] || die "$t missing (make selftests)"
		add_exe "$t" "/selftests/clientbuf/$(basename "$t")"
		echo "clientbuf:$(basename "$t")" >> "$root/selftests/kselftest-list.txt"
	done

	# tools: every executable the tools build produced
	if [ -d "$build/tools" ]; then
		while IFS= read -r t; do
			add_exe "$t" "/bin/$(basename "$t")"
		done < <(find "$build/tools" -maxdepth 1 -type f -perm -u+x ! -name '*.so*' \
				! -name '*.o' ! -name '*.a')
	fi

	# PAM (selftests/clientbuf_pam.c, the demo): Debian's pamtester and
	# libpam, keyutils' keyctl, pam_clientbuf.so in libpam's module
	# directory and the test services of selftests/pam.d/
	if [ -f "$build/tools/pam_clientbuf.so" ]; then
		for exe in /usr/bin/pamtester /usr/bin/keyctl; do
			[ -x "$exe" ] ||
				die "$exe missing (scripts/install-deps.sh)"
			add_exe "$exe" "$exe"
		done
		libpam=$(ldd /usr/bin/pamtester | awk '/libpam\.so/ {print $3}')
		[ -n "$libpam" ] || die "pamtester is not linked with libpam"
		add_exe "$build/tools/pam_clientbuf.so" \
			"$(dirname "$libpam")/security/pam_clientbuf.so"
		for f in "$top"/selftests/pam.d/*; do
			install -D -m 0644 "$f" "$root/etc/pam.d/$(basename "$f")"
		done

		# login programs (selftests/clientbuf_login.c): the services
		# su, su-l, login and sshd of selftests/pam.d/ name
		# pam_clientbuf.so and pam_unix.so (session)
		add_real /usr/bin/su /usr/bin/login /usr/sbin/sshd \
			/usr/bin/ssh /usr/bin/sshpass
		for m in pam_unix.so pam_permit.so pam_deny.so; do
			add_exe "$(dirname "$libpam")/security/$m" \
				"$(dirname "$libpam")/security/$m" 0644
		done
		login=$top/selftests/login
		for f in passwd group nsswitch.conf shells hosts; do
			install -D -m 0644 "$login/$f" "$root/etc/$f"
		done
		install -m 0600 "$login/shadow" "$root/etc/shadow"
		[ -f /etc/login.defs ] &&
			install -m 0644 /etc/login.defs "$root/etc/login.defs"
		install -D -m 0644 "$login/sshd_config" \
			"$root/etc/ssh/sshd_config"
		ssh-keygen -q -t ed25519 -N '' -C clientbuf-vm \
			-f "$root/etc/ssh/ssh_host_ed25519_key"
		chmod 0600 "$root/etc/ssh/ssh_host_ed25519_key"
		install -d -m 0755 "$root/run/sshd" "$root/home/alice" \
			"$root/home/user1" "$root/home/bob"
		chmod 0700 "$root/root"
	fi

	# default demo: the command-line client if built, else a selftest
	cat > "$root/bin/run-demo" <<'EOS'
#!/bin/sh
# Default demo of "make run": what the module reports about itself.
set -e
if command -v clientbuf >/dev/null 2>&1; then
	echo '$ clientbuf info'
	clientbuf info
else
	echo '(tools not built; running the basic selftest instead)'
	cd /selftests/clientbuf && ./clientbuf_basic
fi
EOS
	chmod 0755 "$root/bin/run-demo"
fi

if [ -n "${RUN_SCRIPT:-}" ]; then
	name=run-$mode
	[ "$mode" = run ] && name=run-demo
	install -m 0755 "$RUN_SCRIPT" "$root/bin/$name"
fi
# one's own files (scripts/extra-files.sh)
# shellcheck source=scripts/extra-files.sh
. "$top/scripts/extra-files.sh"
add_extra_files "${EXTRA_FILES:-}"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
