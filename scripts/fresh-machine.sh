#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a make command as the first command on a fresh Debian machine: a
# Debian root made with debootstrap (minbase, plus what a new machine has:
# make, git, ca-certificates) from the mirror the host's apt sources name,
# with a clean clone of this repository's HEAD in /src, and nothing else:
# no kernel, headers, sources, QEMU or build root. The command runs there
# as root with /proc, /sys and /dev from the host, so it installs what it
# needs itself, as on a new machine.
#
# Usage: scripts/fresh-machine.sh [-k] DIR MAKE-TARGET [VAR=VALUE...]
#   DIR   where to make the root (it is removed first; -k keeps it after)
# Exit status: the command's. Its output is on stdout.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
keep=0
if [ "${1:-}" = -k ]; then
	keep=1
	shift
fi
[ $# -ge 2 ] || die "usage: $0 [-k] DIR MAKE-TARGET [VAR=VALUE...]"
[ "$(id -u)" = 0 ] || die "needs root"
root=$1
shift
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
mirror=$("$top/scripts/buildroot.sh" mirror)

rm -rf "$root"
mkdir -p "$root"
echo "fresh-machine: debootstrap $codename into $root" >&2
debootstrap --variant=minbase --include=make,git,ca-certificates \
	"$codename" "$root" "$mirror" > "$root.debootstrap.log" 2>&1 ||
	{ tail -n 20 "$root.debootstrap.log" >&2; die "debootstrap failed"; }
# the host's apt sources, as the new machine would have them
cp -a /etc/apt/sources.list.d/. "$root/etc/apt/sources.list.d/"
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/"
rm -f "$root"/etc/apt/sources.list.d/*.disabled* 2>/dev/null || true
git clone -q "$top" "$root/src"

rc=0
unshare -m --propagation private /bin/bash -c '
	root=$1
	shift
	# the root is a mount point, as / is on a machine
	mount --bind "$root" "$root"
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --rbind /dev "$root/dev"
	mount -t tmpfs tmpfs "$root/tmp"
	mkdir -p "$root/run/lock"
	exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 make -C /src "$@"' fresh "$root" "$@" ||
	rc=$?
[ $keep = 1 ] || rm -rf "$root" "$root.debootstrap.log"
exit $rc
