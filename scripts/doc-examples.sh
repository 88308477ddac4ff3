#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every code example of Documentation/ compiles, and runs (make check):
#   1. no C escapes: a plain literal block ("::") that starts with
#      #include is a failure; C examples are ".. code-block:: c" blocks;
#   2. each C block is extracted (scripts/rst-blocks.py, a #line
#      directive names the .rst line in messages); programs and
#      declaration units are compiled -Wall -Wextra -Werror -static
#      against this tree (pkg-config, build/tools/clientbuf-uninstalled.pc);
#   3. for each KVER, the kernel examples are built as modules against
#      build/KVER/kmod/Module.symvers (KBUILD_EXTRA_SYMBOLS, W=1, any
#      warning fails; package.kbuild as a package's Kbuild includes it;
#      in the build root for a kernel the host cannot build for);
#   4. for each KVER, the VM loads them with clientbuf and runs
#      scripts/doc-examples-vm.sh: the minimal package of package-api.rst
#      answers a call, each program exits 0 with the output its page
#      shows; then the VM's kernel log and taint checks.
#
# Usage: scripts/doc-examples.sh KVER...
# TAP on stdout; the last line "CLIENTBUF-DOC: pass=N fail=N skip=N".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tap_prefix=doc
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
[ $# -ge 1 ] || die "usage: $0 KVER..."
build=${BUILD:-$top/build}
out=$build/doc-examples
docs=("$top"/Documentation/*.rst "$top"/Documentation/man/*.rst)

echo "TAP version 13"
rm -rf "$out"
mkdir -p "$out/src" "$out/bin"
list=$("$top/scripts/rst-blocks.py" unmarked "${docs[@]}")
[ -z "$list" ]
ok $? "no C in a plain literal block (not .. code-block:: c)${list:+: $list}"

"$top/scripts/rst-blocks.py" c "$out/src" "${docs[@]}" > "$out/list" ||
	die "rst-blocks.py failed"
pc() {
	PKG_CONFIG_PATH=$build/tools pkg-config --static "$@" clientbuf
}
kernel=()
while read -r src kind; do
	name=$(basename "$src" .c)
	case $kind in
	kernel)
		kernel+=("$src")
		continue ;;
	program)
		# shellcheck disable=SC2046 # pkg-config's flags are words
		run "$name: compiles and links (static, libclientbuf)" \
			"${CC:-gcc}" -std=gnu11 -Wall -Wextra -Werror -O2 -static \
			$(pc --cflags) -o "$out/bin/$name" "$src" $(pc --libs) ;;
	unit)
		# shellcheck disable=SC2046
		run "$name: compiles" "${CC:-gcc}" -std=gnu11 -Wall -Wextra \
			-Werror $(pc --cflags) -fsyntax-only "$src" ;;
	esac
done < "$out/list"

for kver in "$@"; do
	kd=$build/$kver/doc-examples
	rm -rf "$kd"
	mkdir -p "$kd"
	objs=()
	for src in "${kernel[@]}"; do
		m=doc_$(basename "$src" .c | tr -- '-.' '__')
		cp "$src" "$kd/$m.c"
		objs+=("$m")
	done
	{
		echo "# SPDX-License-Identifier: GPL-2.0"
		for m in "${objs[@]}"; do
			echo "obj-m += $m.o"
		done
		echo "include $top/module/include/clientbuf/package.kbuild"
	} > "$kd/Kbuild"
	# on the host, or in the build root of a kernel it cannot build for
	kbuild "$kver" M="$kd" W=1 \
		KBUILD_EXTRA_SYMBOLS="$build/$kver/kmod/Module.symvers" \
		modules > "$kd/make.log" 2>&1
	rc=$?
	grep -q 'warning:' "$kd/make.log" && rc=1
	[ $rc = 0 ] || sed 's/^/# /' "$kd/make.log"
	extra="$out/bin:/opt/doc-examples"
	for m in "${objs[@]}"; do
		[ -f "$kd/$m.ko" ]
		ok $(( $? | rc )) "$kver: $m.ko builds (W=1, no warning)"
		extra="$extra $kd/$m.ko:/lib/clientbuf/$m.ko"
	done

	log=$build/$kver/docex.log
	rm -f "$log"
	RUN_SCRIPT=$top/scripts/doc-examples-vm.sh SELFTESTS=clientbuf_basic \
		EXTRA_FILES="$extra" \
		"$top/scripts/vm-run.sh" "$kver" docex > "$kd/vm.out" 2>&1
	rc=$?
	# the VM script's checks: one for the package, one per program
	nvm=$((1 + $(find "$out/bin" -type f | wc -l)))
	for i in $(seq 1 $nvm); do
		line=$(grep -aE "^(not )?ok $i doc: " "$log" 2>/dev/null | head -n 1)
		case $line in
		ok*) ok 0 "$kver: VM: ${line#ok "$i" doc: }" ;;
		"") ok 1 "$kver: VM: check $i did not run (see $log)" ;;
		*) ok 1 "$kver: VM: ${line#not ok "$i" doc: } (see $log)" ;;
		esac
	done
	ok_vm "$kver" "$log" $rc "$kd/vm.out"
done

echo "1..$num"
echo "CLIENTBUF-DOC: pass=$((num - fail - skipped)) fail=$fail skip=$skipped"
[ $fail = 0 ]
