#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's make for one kernel, on the host or in the build root that
# has its headers (scripts/lib.sh kbuild).
#
# Usage: scripts/kbuild.sh KVER MAKE-ARGS...   (KDIR: a kernel tree instead)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
[ $# -ge 1 ] || die "usage: $0 KVER MAKE-ARGS..."
kbuild "$@"
