#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make sure the Debian packages a target needs are installed, idempotently:
# returns at once when they are; else installs them with apt-get (as root).
# For the packages only one target needs (python3-sphinx for "make docs",
# dkms for "make dkms-test"); the rest is scripts/install-deps.sh's.
#
# Usage: scripts/need-pkg.sh PACKAGE...
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

mapfile -t missing < <(pkgs_missing "$@")
[ ${#missing[@]} = 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "need-pkg: missing ${missing[*]}; run as root:" >&2
	echo "  sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "need-pkg: installing ${missing[*]}" >&2
apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends \
	"${missing[@]}" >&2 || {
	apt-get update -qq
	apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
		--no-install-recommends "${missing[@]}" >&2
}
