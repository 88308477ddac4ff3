#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The newest Debian kernel, and the Debian build root that builds for it.
#
# The host is Debian 12; the newest kernel Debian ships (7.3 from
# trixie-backports as of 2026-12) needs a newer compiler (gcc-14) and libc
# than the host has, and its packages cannot be installed on the host. So
# it is resolved from the suites "stable" and "stable-backports" of the
# Debian mirror that the host's apt sources already name (no mirror host is
# written anywhere), and built for inside a Debian "stable" root made with
# debootstrap and cached in /var/cache/clientbuf/root-CODENAME. Suite
# aliases, not codenames: when a new Debian release becomes stable, or
# stable-backports offers a newer series, it is picked up by itself.
#
# Usage: scripts/buildroot.sh COMMAND
#   resolve    print "RELEASE VERSION CODENAME" of the newest cloud kernel
#              (linux-image-*-cloud-amd64 whose linux-headers exist in the
#              same version) in stable or stable-backports; no root needed
#              (apt's lists go to build/apt-stable/)
#   simulate [N]  one TAP line (test number N, default 1): the build root's packages (debootstrap's
#              minbase set, the compiler, the kernel's image and headers,
#              dkms) resolve with "apt-get -s" against an empty dpkg
#              status; no root needed
#   ensure     (root) make the build root once, install the newest kernel's
#              image and headers in it (idempotent), print the root
#   path       print the root of an existing build root (status 1 if none)
#   mirror     print the URI of the host's Debian archive
#   run KVER CMD...   (root) run CMD in the build root that has kernel KVER,
#              in a private mount namespace with the source tree, the
#              build directory and /proc mounted at their host paths
#
# Environment: BUILD (default <repo>/build), CLIENTBUF_CACHE (default
# /var/cache/clientbuf).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
build=${BUILD:-$top/build}
cache=${CLIENTBUF_CACHE:-/var/cache/clientbuf}
FLAVOUR=cloud-amd64
SUITES="stable stable-backports"
# In the root: make for Kbuild (the headers depend on the compiler they
# were built with), kmod (depmod, modinfo).
ROOT_PKGS="make kmod ca-certificates"
# DKMS for make dkms-test, built inside the root too.
ROOT_DKMS_PKGS="dkms"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# The URI of the host's Debian archive: the source whose suites include the
# host's own codename (not -security, not -updates).
host_mirror() {
	local codename f uri
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk -v c="$codename" '
			/^[[:space:]]*$/ { if (ok && u) { print u; exit } ok = 0; u = "" }
			/^URIs:/ { u = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == c) ok = 1 }
			END { if (ok && u) print u }' "$f" | head -n 1)
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		uri=$(awk -v c="$codename" '$1 == "deb" && $0 !~ /\[/ && $3 == c { print $2; exit }
			$1 == "deb" && $2 ~ /^\[/ { for (i = 2; i <= NF; i++) if ($i ~ /\]$/) break;
				if ($(i + 2) == c) { print $(i + 1); exit } }' "$f")
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	done
	die "no Debian source for $codename in /etc/apt to reuse"
}

aptdir=$build/apt-stable
apt_opts=(-o "Dir::State=$aptdir/state" -o "Dir::Cache=$aptdir/cache"
	-o "Dir::Etc::SourceList=$aptdir/sources.list"
	-o "Dir::Etc::SourceParts=/dev/null"
	-o "Dir::Etc::Preferences=/dev/null"
	-o "Dir::Etc::PreferencesParts=/dev/null"
	-o "Dir::State::status=/dev/null" -o Debug::NoLocking=1
	-o "APT::Default-Release=stable-backports")

# Private apt lists of stable and stable-backports, refreshed once per run
# of this script (apt-get update is cheap when nothing changed).
apt_lists() {
	local m s
	m=$(host_mirror)
	mkdir -p "$aptdir/state/lists/partial" "$aptdir/cache/archives/partial"
	: > "$aptdir/sources.list"
	for s in $SUITES; do
		echo "deb [signed-by=$keyring] $m $s main" >> "$aptdir/sources.list"
	done
	apt-get -qq "${apt_opts[@]}" update >/dev/null 2>"$aptdir/update.log" ||
		{ cat "$aptdir/update.log" >&2; die "apt-get update of $SUITES failed"; }
}

# The codename of stable, from its Release file.
stable_codename() {
	local f
	f=$(ls "$aptdir"/state/lists/*_dists_stable_InRelease 2>/dev/null |
		head -n 1)
	[ -n "$f" ] || die "no stable InRelease in $aptdir"
	awk '/^Codename:/ { print $2; exit }' "$f"
}

# "RELEASE VERSION" of the newest cloud kernel with same-version headers.
pick_newest() {
	local img rel v
	while read -r img; do
		rel=${img#linux-image-}
		v=$(apt-cache "${apt_opts[@]}" policy "linux-image-$rel" \
			"linux-headers-$rel" 2>/dev/null |
			awk '/^  Candidate:/ { print $2 }' | sort -u)
		if [ "$(wc -l <<<"$v")" = 1 ] && [ -n "$v" ] &&
		   [ "$v" != "(none)" ]; then
			echo "$rel $v"
			return 0
		fi
	done < <(apt-cache "${apt_opts[@]}" pkgnames linux-image- 2>/dev/null |
		grep -E "^linux-image-[0-9][^ ]*-$FLAVOUR\$" | sort -rV)
	return 1
}

resolve() {
	local k
	apt_lists
	k=$(pick_newest) || die "no $FLAVOUR kernel with headers in $SUITES"
	echo "$k $(stable_codename)"
}

# The packages of the build root for kernel release $1: with its
# linux-source-SERIES, whose kernel-doc make lint runs, and sparse, which
# make lint tries on that kernel's headers.
root_pkgs() {
	local series
	series=$(cut -d. -f1,2 <<<"$1")
	echo "$ROOT_PKGS $ROOT_DKMS_PKGS sparse linux-image-$1 linux-headers-$1" \
		"linux-source-$series"
}

simulate() {
	local t=${1:-1} rel ver code out rc=0 n
	read -r rel ver code < <(resolve)
	# minbase's own set comes along as dependencies of what is listed
	# shellcheck disable=SC2046 # word splitting of the package list
	out=$(apt-get -s "${apt_opts[@]}" install --no-install-recommends \
		-t stable-backports $(root_pkgs "$rel") 2>&1) || rc=$?
	n=$(grep -c '^Inst ' <<<"$out" || true)
	echo "# build root: Debian $code (stable), kernel $rel $ver"
	if [ $rc = 0 ] && [ "$n" -gt 0 ]; then
		echo "ok $t buildroot: $n packages resolve for a $code build root with $rel"
		return 0
	fi
	grep -vE '^(Inst|Conf) ' <<<"$out" | tail -n 30 | sed 's/^/# /'
	echo "not ok $t buildroot: packages resolve for a $code build root with $rel"
	return 1
}

# The existing build root (the newest made).
root_path() {
	local r
	r=$(ls -d "$cache"/root-*/.stamp 2>/dev/null | sort -V | tail -n 1)
	[ -n "$r" ] || return 1
	dirname "$r"
}

# in_root ROOT CMD...: CMD in ROOT, with /proc, the source tree and the
# build directory at their host paths, in a private mount namespace (the
# mounts end with CMD).
in_root() {
	local root=$1
	shift
	mkdir -p "$build"
	# private mounts, also where / is not a mount point of its own (a
	# chroot), where unshare's --propagation private cannot be applied
	unshare -m --propagation unchanged /bin/bash -c '
		set -e
		root=$1 top=$2 build=$3
		shift 3
		mount --make-rprivate / 2>/dev/null || true
		for d in "$top" "$build"; do
			mkdir -p "$root$d"
			mount --bind "$d" "$root$d"
		done
		mount -t proc proc "$root/proc"
		mount -t tmpfs tmpfs "$root/tmp"
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C.UTF-8 "$@"' in_root "$root" "$top" "$build" "$@"
}

ensure() {
	local rel ver code root m
	[ "$(id -u)" = 0 ] || die "ensure needs root"
	read -r rel ver code < <(resolve)
	root=$cache/root-$code
	m=$(host_mirror)
	if [ ! -f "$root/.stamp" ]; then
		echo "  DEBOOTSTRAP $code into $root" >&2
		rm -rf "$root"
		mkdir -p "$cache"
		debootstrap --variant=minbase --keyring="$keyring" stable \
			"$root" "$m" > "$cache/debootstrap-$code.log" 2>&1 || {
			tail -n 20 "$cache/debootstrap-$code.log" >&2
			die "debootstrap of $code failed (log $cache/debootstrap-$code.log)"
		}
		printf 'deb %s stable main\ndeb %s stable-backports main\n' \
			"$m" "$m" > "$root/etc/apt/sources.list"
		touch "$root/.stamp"
	fi
	# shellcheck disable=SC2046 # word splitting of the package list
	if [ ! -f "$root/boot/vmlinuz-$rel" ] ||
	   [ ! -f "$root/lib/modules/$rel/build/Makefile" ] ||
	   [ "$(in_root "$root" dpkg-query -W -f='${Status}\n' $(root_pkgs "$rel") 2>/dev/null |
		grep -c 'install ok installed')" != "$(root_pkgs "$rel" | wc -w)" ]; then
		echo "  BUILDROOT install $rel in $root" >&2
		# no initramfs in the root: the VM boots clientbuf's own
		# shellcheck disable=SC2046 # word splitting of the package list
		in_root "$root" /bin/sh -c 'apt-get update -qq &&
			DEBIAN_FRONTEND=noninteractive INITRD=No \
			apt-get install -y -qq --no-install-recommends \
				-t stable-backports "$@"' sh $(root_pkgs "$rel") \
			> "$cache/install-$code.log" 2>&1 || {
			tail -n 20 "$cache/install-$code.log" >&2
			die "installing $rel in $root failed (log $cache/install-$code.log)"
		}
	fi
	echo "$root"
}

# The build root that has kernel $1.
root_for() {
	local r
	for r in "$cache"/root-*; do
		[ -f "$r/.stamp" ] && [ -d "$r/lib/modules/$1" ] &&
			{ echo "$r"; return 0; }
	done
	die "no build root in $cache has kernel $1 (scripts/buildroot.sh ensure)"
}

case ${1:-} in
resolve)	resolve ;;
simulate)	simulate "${2:-}" ;;
ensure)		ensure ;;
path)		root_path ;;
mirror)		host_mirror ;;
run)
	[ $# -ge 3 ] || die "usage: $0 run KVER CMD..."
	[ "$(id -u)" = 0 ] || die "run needs root"
	root=$(root_for "$2")
	shift 2
	in_root "$root" "$@"
	;;
*)	die "usage: $0 resolve|simulate|ensure|path|run KVER CMD..." ;;
esac
