#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, once, a debug kernel from Debian's linux-source-6.12 with KASAN,
# KFENCE, lockdep, DEBUG_ATOMIC_SLEEP, kmemleak, UBSAN, DEBUG_LIST and fault
# injection (scripts/debug-kernel.config), cached outside the repo in
# $CLIENTBUF_CACHE (default /var/cache/clientbuf). Prints the kernel tree's
# path. A rebuild happens only when the source package or the config
# fragment changes.
#
# Usage: scripts/build-debug-kernel.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${CLIENTBUF_CACHE:-/var/cache/clientbuf}
src_tar=/usr/src/linux-source-6.12.tar.xz
frag=$top/scripts/debug-kernel.config

need="flex bison libelf-dev libssl-dev bc"
missing=
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || { echo "run as root: apt-get install$missing" >&2; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >&2
fi
[ -f "$src_tar" ] || "$top"/scripts/install-deps.sh >&2

key=$( (stat -c '%s %Y' "$src_tar"; cat "$frag") | sha256sum | cut -c1-16)
dir=$cache/debug-kernel-$key
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
echo "debug kernel: extracting $src_tar" >&2
tar -xJf "$src_tar" -C "$dir"
mv "$dir"/linux-source-* "$tree"

cd "$tree"
echo "debug kernel: configuring" >&2
make -s x86_64_defconfig >&2
scripts/kconfig/merge_config.sh -m .config "$frag" >&2
make -s olddefconfig >&2
for opt in KASAN KFENCE PROVE_LOCKING DEBUG_KMEMLEAK UBSAN FAILSLAB \
	   FAULT_INJECTION_DEBUG_FS DEBUG_ATOMIC_SLEEP DEBUG_LIST; do
	grep -q "^CONFIG_$opt=y" .config ||
		{ echo "debug kernel: CONFIG_$opt did not stick" >&2; exit 1; }
done
echo "debug kernel: building (about 20 minutes on 2 cores)" >&2
nice make -j"$(nproc)" -s bzImage modules >&2
touch .clientbuf-built
echo "$tree"
