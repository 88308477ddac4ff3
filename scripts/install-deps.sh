#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what clientbuf needs to build and to test in QEMU, idempotently:
# build tools, Debian's 6.1 and 6.12 cloud kernels with the headers of the
# same version, linux-source-6.1 and linux-source-6.12, QEMU, busybox,
# sparse and the packages the tests copy into the VM.
#
# Packages are resolved from the archive as it is on the day: for each
# kernel series the newest linux-image-SERIES.*-cloud-amd64 that any
# configured suite offers together with linux-headers of the same version
# (bookworm-security, bookworm, bookworm-backports: whichever is newest),
# and linux-source-SERIES by its own name. Nothing is pinned to a version.
# bookworm-backports is added to the Debian source the machine already has
# (no mirror is named here) only when no configured suite offers a 6.12
# kernel.
#
# The third test kernel is the newest Debian cloud kernel of the suites
# stable and stable-backports of the same mirror (7.3 from trixie-backports
# as of 2026-12), when its series is newer than 6.12: the host cannot build
# for it, so scripts/buildroot.sh makes a cached Debian build root with
# debootstrap and installs that kernel's image and headers there.
#
# The choice is written to build/deps.env (KERNEL_6_1=..., SOURCE_6_12=...,
# KERNEL_NEWEST=..., BUILDROOT=...) and printed by make check.
#
# Usage: scripts/install-deps.sh [--check | --simulate]
#   --check     only report whether everything is present (exit 1 if not)
#   --simulate  resolve every package with "apt-get -s" against an empty
#               dpkg status, as on a machine with nothing installed, and
#               those of the build root (scripts/buildroot.sh simulate);
#               prints two TAP lines and exits non-zero when anything does
#               not resolve. Needs no root and installs nothing.
#
# Environment: EXTRA_PKGS adds packages (for a test of the resolution).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
build=${BUILD:-$top/build}
FLAVOUR=cloud-amd64
SERIES="6.1 6.12"
# busybox-static, keyutils, pamtester, libpam-wrapper: copied into the VM,
# and so are the login programs of clientbuf_login: util-linux (su),
# login, openssh-server (sshd), openssh-client (ssh, ssh-keygen), sshpass,
# libpam-modules (pam_unix.so). libssl-dev: OpenSSL's libcrypto for the
# CLI. gcc-multilib: the 32-bit compat test. rsync: kselftest's "make
# install" (the kselftest route, scripts/kselftest-route.sh). pkg-config,
# git: the package template and the guide
# (Documentation/write-a-package.rst). The rest builds and lints.
BASE_PKGS="build-essential bc kmod cpio xz-utils busybox-static qemu-system-x86
	sparse python3 python3-sphinx gnuplot-nox initramfs-tools debootstrap
	gcc-multilib keyutils pamtester libpam0g-dev libpam-wrapper libpamtest0-dev
	util-linux login openssh-server openssh-client sshpass libpam-modules
	libssl-dev rsync pkg-config git
	${EXTRA_PKGS:-}"


mode=${1:-install}
case $mode in
install|--check|--simulate) ;;
*) die "usage: $0 [--check | --simulate]" ;;
esac

# Candidate versions of packages $@, "NAME VERSION" per line ("(none)"
# when no configured suite offers it).
candidates() {
	LC_ALL=C apt-cache policy "$@" 2>/dev/null | awk '
		/^[^ ].*:$/ { sub(/:$/, ""); name = $0 }
		/^  Candidate:/ { print name, $2 }'
}

# The kernel release of series $1 to use: the newest cloud image whose
# headers exist in the same version. Prints "RELEASE VERSION".
pick_kernel() {
	local series=$1 re names rel img hdr
	re="^linux-image-${series//./\\.}\\.[0-9][^ ]*-$FLAVOUR\$"
	names=$(apt-cache pkgnames "linux-image-$series." 2>/dev/null |
		grep -E "$re" | grep -v -- '-unsigned$' || true)
	[ -n "$names" ] || return 1
	while read -r img; do
		rel=${img#linux-image-}
		hdr=$(candidates "linux-image-$rel" "linux-headers-$rel" |
			awk '{print $2}' | sort -u)
		# one version, and not "(none)"
		if [ "$(wc -l <<<"$hdr")" = 1 ] && [ "$hdr" != "(none)" ]; then
			echo "$rel $hdr"
			return 0
		fi
	done < <(sort -rV <<<"$names")
	return 1
}

# Add bookworm-backports next to bookworm in the configured Debian source.
enable_backports() {
	local f changed=0 line
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# deb822: a stanza whose Suites has "bookworm" (the main archive).
		if grep -qE '^Suites:.*\bbookworm\b' "$f" &&
		   ! grep -q 'bookworm-backports' "$f"; then
			sed -i -E '/^Suites:/{/(^|[[:space:]])bookworm([[:space:]]|$)/s/$/ bookworm-backports/}' "$f"
			changed=1
		fi
	done
	if [ $changed = 0 ] && [ -f /etc/apt/sources.list ]; then
		# one-line format: copy the main bookworm line with the new suite.
		line=$(grep -E '^deb[[:space:]]+[^[:space:]]+[[:space:]]+bookworm[[:space:]]' \
			/etc/apt/sources.list | head -n1 || true)
		if [ -n "$line" ]; then
			sed -E 's/[[:space:]]bookworm[[:space:]]/ bookworm-backports /' \
				<<<"$line" >> /etc/apt/sources.list
			changed=1
		fi
	fi
	[ $changed = 1 ] || die "no Debian bookworm source found in /etc/apt to reuse"
	apt-get update -qq
}

# Resolve every package: sets PKGS (the list to install) and CHOSEN (the
# lines of build/deps.env).
resolve() {
	local s k rel ver src sver var
	PKGS=$BASE_PKGS
	CHOSEN=
	for s in $SERIES; do
		if ! k=$(pick_kernel "$s"); then
			if [ "$s" = 6.12 ] && [ "$mode" = install ] &&
			   [ "$(id -u)" = 0 ] &&
			   ! apt-cache policy | grep -q bookworm-backports; then
				enable_backports
				k=$(pick_kernel "$s") || die "no $s kernel in any suite"
			else
				die "no $s cloud kernel with headers of the same version"
			fi
		fi
		read -r rel ver <<<"$k"
		src=linux-source-$s
		sver=$(candidates "$src" | awk '{print $2}')
		if [ -z "$sver" ] || [ "$sver" = "(none)" ]; then
			die "no $src in any configured suite"
		fi
		PKGS="$PKGS linux-image-$rel linux-headers-$rel $src"
		var=${s//./_}
		CHOSEN+="KERNEL_$var=$rel"$'\n'"KERNEL_VERSION_$var=$ver"$'\n'
		CHOSEN+="SOURCE_$var=$sver"$'\n'
	done
}

# The newest kernel of the archive (scripts/buildroot.sh resolve), when its
# series is newer than every one of SERIES: sets NEWEST ("RELEASE VERSION
# CODENAME") and adds its lines to CHOSEN; NEWEST is empty otherwise.
resolve_newest() {
	local rel ver code last
	NEWEST=
	read -r rel ver code < <("$top/scripts/buildroot.sh" resolve) ||
		die "cannot resolve the newest kernel (scripts/buildroot.sh resolve)"
	last=$(printf '%s\n' $SERIES | sort -V | tail -n 1)
	if [ "$(printf '%s\n%s\n' "$last.999" "$rel" | sort -V | tail -n 1)" = \
	     "$last.999" ]; then
		echo "install-deps: the newest kernel, $rel, is not newer than $last" >&2
		return 0
	fi
	NEWEST="$rel $ver $code"
	CHOSEN+="KERNEL_NEWEST=$rel"$'\n'"KERNEL_VERSION_NEWEST=$ver"$'\n'
	CHOSEN+="BUILDROOT=${CLIENTBUF_CACHE:-/var/cache/clientbuf}/root-$code"$'\n'
}

# The build root has the newest kernel's image and headers.
newest_installed() {
	local rel root
	[ -n "$NEWEST" ] || return 0
	read -r rel _ _ <<<"$NEWEST"
	root=$(sed -n 's/^BUILDROOT=//p' <<<"$CHOSEN")
	[ -f "$root/.stamp" ] && [ -f "$root/boot/vmlinuz-$rel" ] &&
		[ -f "$root/lib/modules/$rel/build/Makefile" ]
}

installed() {
	dpkg-query -W -f='${Status}\n' "$@" 2>/dev/null |
		grep -c 'install ok installed' || true
}

record() {
	mkdir -p "$build"
	printf '%s' "$CHOSEN" > "$build/deps.env"
}

# apt-get -s of everything against an empty dpkg status.
simulate() {
	local empty out rc=0 n
	empty=$(mktemp)
	# shellcheck disable=SC2086 # word splitting of the package list is wanted
	out=$(apt-get -s -o Dir::State::status="$empty" \
		-o Debug::NoLocking=1 install --no-install-recommends \
		$PKGS 2>&1) || rc=$?
	rm -f "$empty"
	n=$(grep -c '^Inst ' <<<"$out" || true)
	if [ $rc = 0 ] && [ "$n" -gt 0 ]; then
		printf "%s" "$CHOSEN" | sed "s/^/# /"
		echo "ok 1 install-deps: $n packages resolve on an empty machine"
	else
		grep -vE '^(Inst|Conf) ' <<<"$out" | tail -n 30 | sed 's/^/# /'
		echo "not ok 1 install-deps: packages resolve on an empty machine"
		rc=1
	fi
	if [ -n "$NEWEST" ]; then
		"$top/scripts/buildroot.sh" simulate 2 || rc=1
	fi
	return $rc
}

if [ "$mode" != --simulate ] && [ "$(id -u)" = 0 ]; then
	# One installer at a time on a machine: two make commands started
	# together would otherwise race for apt's lock and fail.
	exec 8>/run/lock/clientbuf-install-deps.lock
	flock 8
	apt-get update -qq || die "apt-get update failed"
fi
resolve
resolve_newest
if [ "$mode" = --simulate ]; then
	simulate
	exit
fi

# shellcheck disable=SC2086 # word splitting of the package list is wanted
total=$(wc -w <<<"$PKGS")
# shellcheck disable=SC2086
if [ "$(installed $PKGS)" = "$total" ]; then
	host_ok=1
else
	host_ok=0
fi
if [ "$mode" = --check ]; then
	[ $host_ok = 1 ] && newest_installed
	exit
fi
if [ "$(id -u)" != 0 ]; then
	if [ $host_ok = 1 ] && newest_installed; then
		record
		exit 0
	fi
	echo "install-deps: missing packages; run as root:" >&2
	echo "  sudo $0" >&2
	exit 1
fi

if [ $host_ok = 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
		--no-install-recommends $PKGS
	# shellcheck disable=SC2086
	[ "$(installed $PKGS)" = "$total" ] ||
		die "apt-get install finished but not every package is installed"
fi
# the build root: made once, its packages installed when missing
if [ -n "$NEWEST" ]; then
	"$top/scripts/buildroot.sh" ensure >/dev/null
fi
record
if [ $host_ok = 0 ]; then
	sed 's/^/install-deps: /' "$build/deps.env"
	echo "install-deps: all dependencies present"
fi
