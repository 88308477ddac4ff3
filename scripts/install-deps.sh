#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what clientbuf needs to build and to test in QEMU, idempotently:
# build tools, Debian's 6.1 (bookworm) and 6.12 (bookworm-backports) cloud
# kernels with their headers, QEMU, busybox, sparse and linux-source.
#
# bookworm-backports is enabled by adding the suite to the Debian source the
# machine already has configured: no mirror is named here.
#
# Usage: scripts/install-deps.sh [--check]
#   --check   only report whether everything is present (exit 1 if not)
set -euo pipefail

STAMP_DIR=${CLIENTBUF_CACHE:-/var/cache/clientbuf}
BASE_PKGS="build-essential bc kmod cpio xz-utils busybox-static qemu-system-x86
	sparse linux-source-6.1 python3 gnuplot-nox"
FLAVOUR=cloud-amd64

die() { echo "install-deps: $*" >&2; exit 1; }

# Print the name of the versioned package the metapackage $1 depends on,
# as offered by suite $2 (the candidate of the default release if empty).
versioned_pkg() {
	local meta=$1 suite=$2 ver
	if [ -n "$suite" ]; then
		ver=$(apt-cache madison "$meta" | awk -v s="$suite" \
			'$0 ~ s"/" {print $3; exit}')
	else
		ver=$(apt-cache madison "$meta" | awk \
			'$0 !~ /backports/ {print $3; exit}')
	fi
	[ -n "$ver" ] || return 1
	apt-cache show "$meta=$ver" | sed -n 's/^Depends: //p' | tr ',' '\n' |
		sed 's/^ *//; s/ .*//' | grep -E "^${meta%-$FLAVOUR}-[0-9]" |
		head -n1
}

# Add bookworm-backports next to bookworm in the configured Debian source.
enable_backports() {
	local f changed=0
	if apt-cache policy 2>/dev/null | grep -q 'bookworm-backports'; then
		return 0
	fi
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
		local line
		line=$(grep -E '^deb[[:space:]]+[^[:space:]]+[[:space:]]+bookworm[[:space:]]' \
			/etc/apt/sources.list | head -n1 || true)
		if [ -n "$line" ]; then
			echo "$line" | sed -E 's/[[:space:]]bookworm[[:space:]]/ bookworm-backports /' \
				>> /etc/apt/sources.list
			changed=1
		fi
	fi
	[ $changed = 1 ] || die "no Debian bookworm source found in /etc/apt to reuse"
	apt-get update -qq
}

kernels_present() {
	ls /boot/vmlinuz-6.1.*-$FLAVOUR >/dev/null 2>&1 &&
	ls /boot/vmlinuz-6.12.*-$FLAVOUR >/dev/null 2>&1 &&
	ls -d /usr/src/linux-headers-6.1.*-$FLAVOUR >/dev/null 2>&1 &&
	ls -d /usr/src/linux-headers-6.12.*-$FLAVOUR >/dev/null 2>&1
}

all_present() {
	local p
	for p in $BASE_PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || return 1
	done
	ls /usr/src/linux-source-6.12*.tar.xz >/dev/null 2>&1 || return 1
	kernels_present
}

if all_present; then
	exit 0
fi
[ "${1:-}" = --check ] && exit 1

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages; run as root:" >&2
	echo "  sudo $0" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
enable_backports

img61=$(versioned_pkg linux-image-$FLAVOUR "") || die "no 6.1 kernel image"
hdr61=$(versioned_pkg linux-headers-$FLAVOUR "") || die "no 6.1 headers"
img612=$(versioned_pkg linux-image-$FLAVOUR bookworm-backports) ||
	die "no bookworm-backports kernel image"
hdr612=$(versioned_pkg linux-headers-$FLAVOUR bookworm-backports) ||
	die "no bookworm-backports headers"
src612=$(apt-cache madison linux-source | awk '/backports/ {print $3; exit}')

apt-get install -y -qq --no-install-recommends $BASE_PKGS \
	"$img61" "$hdr61" initramfs-tools
apt-get install -y -qq --no-install-recommends \
	"$img612" "$hdr612" "linux-source=$src612"
mkdir -p "$STAMP_DIR"
all_present || die "packages installed but kernels/headers not found"
echo "install-deps: all dependencies present"
