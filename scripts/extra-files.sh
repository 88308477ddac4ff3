# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# EXTRA_FILES of scripts/mkinitramfs.sh (make run, make check, vm-run.sh):
# one's own files packed into the test VM. Sourced by mkinitramfs.sh, which
# defines $root (the initramfs tree), add_exe and die.
#
# EXTRA_FILES="SRC[:DST] ..." (space-separated; SRC a host path, DST an
# absolute path in the VM, SRC's own path when left out; a DST ending in
# "/" is a directory that SRC goes into, under its own name):
#  - a file: an executable keeps mode 0755 and, when dynamically linked,
#    brings its libraries (better: link it -static); anything else is
#    0644;
#  - a directory: its whole tree, at DST, the same way file by file;
#  - DST under /tmp is refused: the VM mounts an empty tmpfs on /tmp at
#    boot, which would hide it;
#  - a .ko in /lib/clientbuf/ is loaded after clientbuf.ko (and
#    clientbuf_test.ko) by both "make run" and "make check".

# shellcheck disable=SC2154 # root: set by mkinitramfs.sh
# extra_file SRC DST: one regular file.
extra_file() {
	if [ -x "$1" ]; then
		add_exe "$1" "$2"
	else
		install -D -m 0644 "$1" "$root$2"
	fi
}

# add_extra_files "SRC[:DST] ...": everything EXTRA_FILES names.
add_extra_files() {
	local pair src dst f
	for pair in $1; do
		src=${pair%%:*}
		dst=${pair#*:}
		[[ $dst == */ ]] && dst=$dst${src##*/}
		case $dst in
		/*) ;;
		*) die "EXTRA_FILES: '$pair': the VM path '$dst' must be absolute" ;;
		esac
		case ${dst%/} in
		/tmp|/tmp/*)
			die "EXTRA_FILES: '$pair': the VM mounts an empty tmpfs" \
			    "on /tmp at boot, which would hide $dst; give" \
			    "another VM path, e.g. $src:/opt/${src##*/}" ;;
		esac
		[ -e "$src" ] || die "EXTRA_FILES: $src missing"
		if [ -d "$src" ]; then
			while IFS= read -r -d '' f; do
				extra_file "$src/$f" "${dst%/}/$f"
			done < <(cd "$src" && find . -type f -printf '%P\0')
		elif [ -f "$src" ]; then
			extra_file "$src" "$dst"
		else
			die "EXTRA_FILES: $src is neither a file nor a directory"
		fi
	done
}
