# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The package template against the installed Debian packages, for
# scripts/deb-test.sh (sourced; uses its TAP helpers ok/run and $top):
# Documentation/write-a-package.rst's ":class: installed" console block
# (scripts/rst-blocks.py), run as written for each kernel, in a scratch
# directory holding a copy of templates/package as "mypkg", with KVER set:
# mypkg.ko built against the DKMS tree's Module.symvers and the source
# DKMS built (/var/lib/dkms/clientbuf/kernel-KVER-ARCH/), the programs
# against libclientbuf-dev (pkg-config), and mypkg installed by DKMS
# (BUILD_DEPENDS="clientbuf"). Then modinfo of the installed mypkg.ko,
# and mypkg removed from DKMS and /usr/src.

# shellcheck disable=SC2154 # top: set by deb-test.sh
# template_installed_test KVER...
template_installed_test() {
	local kver dir script rc ko info arch
	arch=$(uname -m)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/clientbuf-deb-template.XXXXXX")
	cp -r "$top/templates/package" "$dir/mypkg"
	script=$("$top/scripts/rst-blocks.py" console \
		"$top/Documentation/write-a-package.rst" installed)
	for kver in "$@"; do
		rc=0
		[ -f "/var/lib/dkms/clientbuf/kernel-$kver-$arch/module/Module.symvers" ] ||
			{ echo "# no Module.symvers in clientbuf's DKMS tree for $kver"; rc=1; }
		ok $rc "$kver: clientbuf's DKMS tree keeps Module.symvers (POST_BUILD)"
		# step N LINE COMMAND: one command of the guide's block
		# shellcheck disable=SC2317 # called by the eval below
		step() {
			local out r=0
			out=$(cd "$dir" && export KVER=$kver && eval "$3" 2>&1) || r=1
			[ $r = 0 ] || printf '# %s\n' "${out//$'\n'/$'\n'# }" | tail -n 30
			ok $r "$kver: write-a-package.rst:$2: \$ $3"
		}
		eval "$script"
		ko=$(find "/lib/modules/$kver/updates/dkms" -name 'mypkg.ko*' \
			2>/dev/null | head -n 1)
		info=
		[ -n "$ko" ] && info="$(modinfo -F vermagic "$ko" | cut -d' ' -f1) $(modinfo -F depends "$ko") $(modinfo -F import_ns "$ko")"
		echo "# ${ko:-no mypkg.ko installed}: $info"
		[ "$info" = "$kver clientbuf CLIENTBUF" ]
		ok $? "$kver: DKMS installed mypkg.ko: vermagic, depends clientbuf, imports CLIENTBUF"
	done
	rc=0
	dkms remove mypkg/0.1 --all > /dev/null 2>&1 || rc=1
	rm -rf /usr/src/mypkg-0.1 "$dir"
	ok $rc "dkms remove mypkg/0.1 --all"
}
