#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lint steps of "make lint" and "make check". Each step is one test:
# it passes with zero findings, fails otherwise (findings are printed as
# "# " diagnostics). The kernel's tools come from Debian's linux-source
# (scripts/kernel-tools.sh).
#
# Usage: scripts/lint.sh KVER...
#   KVER   the kernels to build and check for (headers on the host, or in
#          the build root of scripts/buildroot.sh)
#
# Steps:
#   checkpatch        checkpatch.pl --strict --no-tree -f on every kernel and
#                     uapi source (module/, uapi/, selftests/module/,
#                     samples/), with the per-file suppressions below
#   kernel-doc KVER   that kernel's own kernel-doc (scripts/kernel-doc-tool.sh,
#                     from its linux-source) -none -Wall on every C file or
#                     header that has a kernel-doc comment (/**)
#   W=1 KVER          W=1 module build (clientbuf, test module, samples) in
#                     build/lint/KVER/w1 (up to 6.x it also runs the
#                     kernel's kernel-doc on each source); no "warning:" or
#                     "error:" line
#   sparse KVER       C=2 build; no "warning:" or "error:" line. A SKIP, with
#                     the reason, where it cannot check anything: the
#                     kernel's headers lack scripts/checker-valid.sh (C=2
#                     would silently check nothing), or sparse cannot parse
#                     the headers themselves (an empty module gives
#                     findings). A missing sparse is a failure.
#   uapi-c, uapi-c++  uapi/linux/clientbuf.h and selftests/clientbuf_test_abi.h
#                     each compile alone as C (gnu11 -pedantic; c90 too for
#                     the uapi header) and as C++ (c++98, c++17 -pedantic),
#                     -Wall -Wextra -Werror
#   smb2status        a package including <clientbuf/secpkg.h> beside the
#                     kernel's fs/smb/common/smb2status.h (both define
#                     NTSTATUS names) builds warning-free on the 6.12 headers
#   docs              sphinx-build -W of Documentation/ (make docs); skipped
#                     with LINT_DOCS=0
#
# Prints TAP and, last, "CLIENTBUF-LINT: pass=N fail=N skip=N"; the exit
# status is 0 when nothing failed. Logs of the build steps: build/lint/.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
build=${BUILD:-$top/build}
out=$build/lint
cd "$top" || exit 1

# checkpatch types suppressed for some files, with the reason.
#   glob            types (comma-separated)
suppress=(
	# TRACE_EVENT() bodies are laid out as in include/trace/events/:
	# one argument of the macro per line, "TP_STRUCT__entry(" open-ended.
	'module/clientbuf_trace.h'	'OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT'
	# BIT()/BIT_ULL() are kernel-internal; a uapi header cannot use them
	# (include/uapi/ uses (1U << n) for the same reason).
	'uapi/*'			'BIT_MACRO'
	# The Kbuild fragment shows the line that includes it, its name too.
	'module/include/clientbuf/package.kbuild' 'EMBEDDED_FILENAME'
	# CB_IOCTL_OP(_ioctl, ...) uses the ioctl number as the array index
	# and as .cmd, like IOCTL_OP() in drivers/iommu/iommufd/main.c: it is
	# always a constant.
	'module/main.c'			'MACRO_ARG_REUSE'
	# The hmac sample's client (the CLI's "logon" command) is userspace
	# C11: <stdint.h>/<inttypes.h> types and PRI* macros, _Static_assert,
	# and its messages unsplit (as the CLI's, tools/clientbuf/).
	'samples/clientbuf_hmac_logon.c' 'PREFER_KERNEL_TYPES,CAMELCASE,LONG_LINE_STRING'
)

pass=0
fail=0
skip=0
num=0
mkdir -p "$out"

# result RES NAME [FINDINGS-FILE]: RES is ok, fail or skip.
result() {
	local res=$1 name=$2 file=${3:-}
	num=$((num + 1))
	if [ -n "$file" ] && [ -s "$file" ]; then
		sed 's/^/# /' "$file"
	fi
	case $res in
	ok)	pass=$((pass + 1)); echo "ok $num lint: $name" ;;
	skip)	skip=$((skip + 1)); echo "ok $num lint: $name # SKIP ${4:-}" ;;
	*)	fail=$((fail + 1)); echo "not ok $num lint: $name" ;;
	esac
}

# The sources (tracked and new, not ignored) matching the patterns; outside
# a git checkout, every file but build/.
sources() {
	local p
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$top" ls-files -co --exclude-standard -- "$@"
	else
		for p in "$@"; do
			find . -path ./build -prune -o -type f -path "./$p" -print |
				sed 's|^\./||'
		done
	fi | sort -u
}

ktools=$("$top/scripts/kernel-tools.sh") || {
	echo "lint: cannot extract the kernel tools" >&2
	exit 1
}

echo "TAP version 13"

# ---- checkpatch ---------------------------------------------------------
step_checkpatch() {
	local f i ignore log=$out/checkpatch.log rc=0
	: > "$log"
	for f in $(sources 'module/*' 'uapi/*' 'selftests/module/*' \
			'samples/*'); do
		ignore=
		for ((i = 0; i < ${#suppress[@]}; i += 2)); do
			# shellcheck disable=SC2053 # glob match intended
			if [[ $f == ${suppress[i]} ]]; then
				ignore="$ignore,${suppress[i + 1]}"
			fi
		done
		"$ktools/scripts/checkpatch.pl" --strict --no-tree -f \
			--show-types --terse --no-summary --color=never \
			${ignore:+--ignore "${ignore#,}"} "$f" >> "$log" 2>&1 ||
			rc=1
	done
	if [ $rc = 0 ] && [ ! -s "$log" ]; then
		result ok checkpatch
	else
		result fail checkpatch "$log"
	fi
}

# ---- kernel-doc -----------------------------------------------------------
step_kernel_doc() {
	local kver=$1 f kdoc log=$out/kernel-doc-$1.log rc=0
	local -a w=()
	: > "$log"
	if ! kdoc=$("$top/scripts/kernel-doc-tool.sh" "$kver"); then
		echo "no kernel-doc for $kver" > "$log"
		result fail "kernel-doc $kver" "$log"
		return
	fi
	# -Wall (its extra warnings) where this kernel-doc has it (6.3+)
	"$kdoc" -none -Wall /dev/null >/dev/null 2>&1 && w=(-Wall)
	for f in $(sources '*.c' '*.h'); do
		grep -q '^/\*\*' "$f" || continue
		"$kdoc" -none "${w[@]}" "$f" >> "$log" 2>&1 || rc=1
	done
	if [ $rc = 0 ] && [ ! -s "$log" ]; then
		result ok "kernel-doc $kver"
	else
		result fail "kernel-doc $kver" "$log"
	fi
}

# kbuild_step NAME FINDINGS LOG KVER MAKE-ARGS...: one step that is a
# kernel build for KVER (scripts/lib.sh kbuild); its "warning:" and
# "error:" lines (or a failed build) are findings.
kbuild_step() {
	local name=$1 find=$2 log=$3 kver=$4
	shift 4
	if kbuild "$kver" -s "$@" > "$log" 2>&1; then
		grep -E '(warning|error):' "$log" > "$find"
	else
		{ echo "build failed:"; tail -n 30 "$log"; } > "$find"
	fi
	if [ -s "$find" ]; then
		result fail "$name" "$find"
	else
		result ok "$name"
	fi
}

# lint_tree KVER NAME: a fresh copy of the module sources in
# build/lint/KVER/NAME, as the module build makes one (Makefile,
# build_kmod); prints its path.
lint_tree() {
	local d=$out/$1/$2 f
	rm -rf "$d"
	mkdir -p "$d/selftests"
	for f in Kbuild VERSION module uapi samples; do
		[ -e "$f" ] && cp -a "$f" "$d/"
	done
	cp -a selftests/module selftests/clientbuf_test_abi.h "$d/selftests/"
	echo "$d"
}

# The headers directory of KVER, as the host sees it.
kernel_headers() {
	local root
	root=$(kernel_root "$1" 2>/dev/null) || root=
	[ -d "/lib/modules/$1/build" ] && root=
	echo "$root/lib/modules/$1/build"
}

# ---- W=1 ------------------------------------------------------------------
# Up to 6.x, W=1 also runs the kernel's kernel-doc on each source of an
# external module; 7.x runs it only in-tree (the kernel-doc step covers it).
step_w1() {
	local kver=$1 d kdir find=$out/w1-$1.findings
	kdir=$(kernel_headers "$kver")
	if [ ! -f "$kdir/Makefile" ]; then
		echo "no kernel headers for $kver" > "$find"
		result fail "W=1 $kver" "$find"
		return
	fi
	d=$(lint_tree "$kver" w1)
	kbuild_step "W=1 $kver" "$find" "$out/w1-$kver.log" "$kver" \
		-j"${LINT_JOBS:-2}" M="$d" W=1 modules
}

# ---- sparse ---------------------------------------------------------------
step_sparse() {
	local kver=$1 d kdir find=$out/sparse-$1.findings why
	kdir=$(kernel_headers "$kver")
	if [ -d "/lib/modules/$kver/build" ]; then
		command -v sparse >/dev/null || why="no sparse on the host"
	elif ! "$top/scripts/buildroot.sh" run "$kver" \
			sh -c 'command -v sparse' >/dev/null 2>&1; then
		why="no sparse in the build root"
	fi
	if [ -n "${why:-}" ]; then
		echo "$why" > "$find"
		result fail "sparse $kver" "$find"
		return
	fi
	if grep -q checker-valid.sh "$kdir/Makefile" "$kdir"/../*/Makefile 2>/dev/null &&
	   [ ! -f "$kdir/scripts/checker-valid.sh" ]; then
		result skip "sparse $kver" "" "the headers lack scripts/checker-valid.sh: C=2 would check nothing"
		return
	fi
	# sparse on an empty module: findings there are the headers'
	d=$out/$kver/sparse-probe
	rm -rf "$d"
	mkdir -p "$d"
	printf '%s\n' '// SPDX-License-Identifier: GPL-2.0' \
		'#include <linux/module.h>' 'MODULE_LICENSE("GPL");' > "$d/probe.c"
	echo 'obj-m := probe.o' > "$d/Kbuild"
	kbuild "$kver" -s M="$d" C=2 modules > "$d/build.log" 2>&1 || true
	why=$(grep -m1 -E '(warning|error):' "$d/build.log" || true)
	if [ -n "$why" ]; then
		result skip "sparse $kver" "" "sparse cannot parse the headers: ${why#*/build/}"
		return
	fi
	d=$(lint_tree "$kver" sparse)
	kbuild_step "sparse $kver" "$find" "$out/sparse-$kver.log" "$kver" \
		-j"${LINT_JOBS:-2}" M="$d" C=2 modules
}

# ---- uapi self-containment ----------------------------------------------
step_uapi() {
	local lang=$1 h std rc=0
	local log=$out/uapi-$lang.log
	local -a compilers
	if [ "$lang" = c ]; then
		compilers=("gcc -x c -std=c90" "gcc -x c -std=gnu11 -pedantic")
	else
		compilers=("g++ -x c++ -std=c++98" "g++ -x c++ -std=c++17 -pedantic")
	fi
	: > "$log"
	for h in uapi/linux/clientbuf.h selftests/clientbuf_test_abi.h; do
		for std in "${compilers[@]}"; do
			# c90 (as the kernel's usr/include header test) for the
			# installable header only: the test ABI has static inline
			[[ $h != uapi/* && $std == *c90 ]] && continue
			# shellcheck disable=SC2086 # $std is a command line
			echo "#include \"$top/$h\"" | $std -Wall -Wextra -Werror \
				-I"$top/uapi" -fsyntax-only - >> "$log" 2>&1 || {
				echo "$h: $std failed" >> "$log"
				rc=1
			}
		done
	done
	if [ $rc = 0 ]; then
		result ok "uapi headers self-contained ($lang)"
	else
		result fail "uapi headers self-contained ($lang)" "$log"
	fi
}

# ---- Documentation ----------------------------------------------------------
step_docs() {
	local log=$out/docs.log
	if [ "${LINT_DOCS:-1}" = 0 ]; then
		result skip docs "" "LINT_DOCS=0"
		return
	fi
	if make -s -C "$top" docs NO_DEPS=1 > "$log" 2>&1; then
		result ok docs
	else
		tail -n 30 "$log" > "$log.tail"
		result fail docs "$log.tail"
	fi
}

# ---- the package headers beside the kernel's SMB status header -------------
# fs/smb/common/smb2status.h (from linux-source, at lint time) defines
# STATUS_SUCCESS and friends; a package must be able to include it beside
# <clientbuf/secpkg.h>, whose NTSTATUS macros are CB_STATUS_*.
step_smb_coexist() {
	local kver=$1 d=$out/smb-coexist
	local src=/usr/src/linux-source-6.12.tar.xz find=$out/smb-coexist.findings
	rm -rf "$d"
	mkdir -p "$d"
	if ! tar -xJf "$src" -O linux-source-6.12/fs/smb/common/smb2status.h \
			> "$d/smb2status.h" 2> "$find"; then
		result fail "package headers beside smb2status.h" "$find"
		return
	fi
	cat > "$d/cb_smb_coexist.c" <<'EOC'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include "smb2status.h"
#include <clientbuf/secpkg.h>

static int __init cb_smb_coexist_init(void)
{
	__le32 smb = STATUS_SUCCESS;
	ntstatus_t nt = CB_STATUS_SUCCESS;

	return (__force u32)smb | (__force u32)nt;
}
module_init(cb_smb_coexist_init);
MODULE_LICENSE("GPL");
EOC
	# built as a package outside the tree is (package-api.rst)
	printf 'obj-m := cb_smb_coexist.o\ninclude %s\n' \
		"$top/module/include/clientbuf/package.kbuild" > "$d/Kbuild"
	kbuild_step "package headers beside smb2status.h" "$find" \
		"$d/build.log" "$kver" M="$d" W=1 modules
}

step_checkpatch
for kver in "$@"; do
	step_kernel_doc "$kver"
	step_w1 "$kver"
	step_sparse "$kver"
done
step_uapi c
step_uapi c++
for kver in "$@"; do
	case $kver in 6.12*) step_smb_coexist "$kver"; break ;; esac
done
step_docs

echo "1..$num"
echo "CLIENTBUF-LINT: pass=$pass fail=$fail skip=$skip"
[ $fail = 0 ]
