#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: build clientbuf's Debian packages (debian/) and check them with
# lintian:
#   1. install the build dependencies (scripts/need-pkg.sh, idempotent);
#   2. check that debian/changelog's version is VERSION;
#   3. copy the sources (the files git knows or would add, not build/) to
#      build/deb/src and run dpkg-buildpackage -b -us -uc there, which
#      leaves the .debs, .buildinfo and .changes in build/deb/;
#   4. lintian on the .changes: any error or warning fails (each warning
#      that stays is justified in debian/*.lintian-overrides); the report,
#      with info tags and the overridden ones, is build/deb/lintian.log.
# Needs root only to install missing build dependencies.
#
# Usage: scripts/deb-build.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/deb
. "$top/scripts/lib.sh"

"$top/scripts/need-pkg.sh" debhelper dh-dkms dkms lintian dpkg-dev fakeroot \
	python3-sphinx libpam0g-dev libssl-dev

version=$(cat "$top/VERSION")
dversion=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
if [ "${dversion%-*}" != "$version" ]; then
	echo "deb: debian/changelog has version $dversion, VERSION is $version" >&2
	exit 1
fi

rm -rf "$out"
mkdir -p "$out/src"
copy_sources "$top" "$out/src"
[ -f "$top/tools/pam/pam_clientbuf.c" ] ||
	echo "deb: no tools/pam/pam_clientbuf.c: libpam-clientbuf left out"

echo "  DEB     dpkg-buildpackage -b -us -uc (log: $out/build.log)"
if ! (cd "$out/src" && dpkg-buildpackage -b -us -uc) > "$out/build.log" 2>&1
then
	tail -n 40 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed; see $out/build.log" >&2
	exit 1
fi

changes=$(ls "$out"/clientbuf_"$dversion"_*.changes)
for deb in "$out"/*.deb; do
	printf '  %-48s %s\n' "${deb#"$top"/}" \
		"$(dpkg-deb -f "$deb" Package Version Architecture | tr '\n' ' ')"
done

echo "  LINTIAN ${changes#"$top"/} (log: $out/lintian.log)"
rc=0
lintian --display-info --show-overrides --fail-on error,warning \
	"$changes" > "$out/lintian.log" 2>&1 || rc=$?
sed 's/^/    /' "$out/lintian.log"
errors=$(grep -c '^E: ' "$out/lintian.log" || true)
warnings=$(grep -c '^W: ' "$out/lintian.log" || true)
overridden=$(grep -c '^O: ' "$out/lintian.log" || true)
debs=("$out"/*.deb)
echo "deb: ${#debs[@]} packages in ${out#"$top"/}; lintian:" \
	"$errors errors, $warnings warnings, $overridden overridden (exit $rc)"
exit $rc
