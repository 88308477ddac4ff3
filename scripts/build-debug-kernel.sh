#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, once, a debug kernel from Debian's linux-source-6.12 with KASAN,
# KFENCE, lockdep, DEBUG_ATOMIC_SLEEP, kmemleak, UBSAN, DEBUG_LIST and fault
# injection (scripts/debug-kernel.config), cached outside the repo in
# $CLIENTBUF_CACHE (default /var/cache/clientbuf). Prints the kernel tree's
# path. A rebuild happens only when the source package or a config
# fragment changes.
#
# With --kcsan (make check-debug KCSAN=1) the second debug kernel: the same
# fragment with scripts/debug-kernel-kcsan.config merged on top, which
# turns KASAN and KFENCE off (KCSAN excludes KASAN) and KCSAN on; its own
# cache directory and release (-kcsan), so both trees can coexist.
#
# Usage: scripts/build-debug-kernel.sh [--kcsan]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
cache=${CLIENTBUF_CACHE:-/var/cache/clientbuf}
src_tar=/usr/src/linux-source-6.12.tar.xz
frag=$top/scripts/debug-kernel.config
frags=$frag
name=debug-kernel
# options that must end up =y in .config
want="KASAN KFENCE PROVE_LOCKING DEBUG_KMEMLEAK UBSAN FAILSLAB FAIL_PAGE_ALLOC MMU_NOTIFIER
      FAULT_INJECTION_DEBUG_FS FAULT_INJECTION_STACKTRACE_FILTER
      FAULT_INJECTION_USERCOPY DEBUG_ATOMIC_SLEEP DEBUG_LIST"
case "${1:-}" in
"") ;;
--kcsan)
	frags="$frag $top/scripts/debug-kernel-kcsan.config"
	name=kcsan-kernel
	want="KCSAN KCSAN_VERBOSE PROVE_LOCKING DEBUG_KMEMLEAK UBSAN FAILSLAB MMU_NOTIFIER
	      FAIL_PAGE_ALLOC FAULT_INJECTION_DEBUG_FS
	      FAULT_INJECTION_STACKTRACE_FILTER FAULT_INJECTION_USERCOPY
	      DEBUG_ATOMIC_SLEEP DEBUG_LIST"
	;;
*)
	echo "usage: $0 [--kcsan]" >&2
	exit 2
	;;
esac

need="flex bison libelf-dev libssl-dev bc"
# shellcheck disable=SC2086 # $need is a list of package names
missing=$(pkgs_missing $need | sed 's/^/ /' | tr -d '\n')
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || { echo "run as root: apt-get install$missing" >&2; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >&2
fi
[ -f "$src_tar" ] || "$top"/scripts/install-deps.sh >&2

# shellcheck disable=SC2086 # $frags is a list of paths without blanks
key=$( (stat -c '%s %Y' "$src_tar"; cat $frags) | sha256sum | cut -c1-16)
dir=$cache/$name-$key
tree=$dir/linux
mkdir -p "$dir"
# One build at a time: a second caller waits for the first one's tree.
exec 9>"$dir/.lock"
flock 9
if [ -f "$tree/.clientbuf-built" ]; then
	echo "$tree"
	exit 0
fi

rm -rf "$tree" "$dir"/linux-source-*
echo "$name: extracting $src_tar" >&2
tar -xJf "$src_tar" -C "$dir"
mv "$dir"/linux-source-* "$tree"

cd "$tree"
echo "$name: configuring" >&2
make -s x86_64_defconfig >&2
# shellcheck disable=SC2086
scripts/kconfig/merge_config.sh -m .config $frags >&2
make -s olddefconfig >&2
for opt in $want; do
	grep -q "^CONFIG_$opt=y" .config ||
		{ echo "$name: CONFIG_$opt did not stick" >&2; exit 1; }
done
if [ "$name" = kcsan-kernel ]; then
	for opt in KASAN KFENCE; do
		! grep -q "^CONFIG_$opt=y" .config ||
			{ echo "$name: CONFIG_$opt still on" >&2; exit 1; }
	done
fi
echo "$name: building (about 20 minutes on 2 cores)" >&2
nice make -j"$(nproc)" -s bzImage modules >&2
touch .clientbuf-built
echo "$tree"
