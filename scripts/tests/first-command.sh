#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's commands are first commands: "make run", "make bench" and
# "make check" on a machine with no kernel installed must use the kernel
# that their own dependency step installs, not one looked up before it ran.
#
# In a private mount namespace, /boot and the build-root cache are empty
# tmpfs (as on a fresh machine), and in a copy of the tree the installer
# is a stand-in that "installs" a kernel into that /boot, the module build
# (MAKE=:) does nothing, and the VM runner, the bench and the check runner
# are stand-ins that record their arguments. Each command must pass the
# kernel the installer made to them. TAP; needs root (mount namespace).
#
# Usage: scripts/tests/first-command.sh
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
echo "TAP version 13"
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
	echo "1..0 # SKIP needs root and mount namespaces"
	exit 4
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree=$work/tree
mkdir -p "$tree"
# a checkout of its own (a source package's copy may sit inside another)
if [ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" = "$top" ]; then
	(cd "$top" && git ls-files -co --exclude-standard -z |
		grep -zv '^build/' | xargs -0 cp --parents -a -t "$tree" 2>/dev/null)
else
	# a source package's copy (dpkg-buildpackage runs the host tests)
	(cd "$top" && tar --exclude=./build --exclude=./debian -cf - .) |
		tar -xf - -C "$tree"
fi
kver=6.12.999+first-cloud-amd64
rec=$work/args

stub() {
	printf '#!/bin/bash\n%s\n' "$2" > "$tree/$1"
	chmod +x "$tree/$1"
}
stub scripts/install-deps.sh "touch /boot/vmlinuz-$kver /boot/config-$kver"
stub scripts/vm-run.sh "echo \"vm-run \$*\" >> $rec"
stub tools/bench/bench.sh "echo \"bench \$*\" >> $rec"
stub scripts/check.sh "echo \"check \$*\" >> $rec"

# fresh: RUN CMD in a namespace with an empty /boot and cache
fresh() {
	unshare -m --propagation private /bin/bash -c '
		mount -t tmpfs tmpfs /boot
		mkdir -p /var/cache/clientbuf
		mount -t tmpfs tmpfs /var/cache/clientbuf
		"$@"' fresh "$@"
}

n=0
fail=0
for t in "run:vm-run $kver run" "bench:bench $kver" "check:check $kver"; do
	target=${t%%:*}
	want=${t#*:}
	n=$((n + 1))
	: > "$rec"
	# not the make, KVER or NO_DEPS this test may run under
	fresh env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u KVER -u KDIR -u NO_DEPS \
		make -s -C "$tree" "$target" MAKE=: > "$work/out" 2>&1
	got=$(cat "$rec")
	if [ "$got" = "$want" ]; then
		echo "ok $n make $target as the first command uses the kernel deps installed"
	else
		sed 's/^/# /' "$work/out"
		echo "# called: ${got:-nothing}; want: $want"
		echo "not ok $n make $target as the first command uses the kernel deps installed"
		fail=$((fail + 1))
	fi
done
echo "1..$n"
[ $fail = 0 ]
