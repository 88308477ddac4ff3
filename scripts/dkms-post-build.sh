#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# POST_BUILD of dkms.conf: keep this kernel's Module.symvers (clientbuf's
# exports with their CRCs) next to the module DKMS saved, in
# /var/lib/dkms/clientbuf/VERSION/KVER/ARCH/module/, so that a package
# module can build against it: KBUILD_EXTRA_SYMBOLS=
# /var/lib/dkms/clientbuf/kernel-KVER-ARCH/module/Module.symvers (see
# templates/package/dkms.conf, BUILD_DEPENDS="clientbuf"). DKMS runs it in
# the build directory; DKMS's "remove" deletes the file with the module.
#
# Usage: dkms-post-build.sh DKMS-MODULE-DIR
set -e
[ $# = 1 ] && [ -d "$1" ] || {
	echo "usage: $0 DKMS-MODULE-DIR (an existing directory)" >&2
	exit 1
}
cp Module.symvers "$1/Module.symvers"
