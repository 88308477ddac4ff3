#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernels the Makefile works with, for its recipes (expanded when a
# recipe runs, after scripts/install-deps.sh has installed them).
#
# Usage: scripts/kernels.sh test          the test kernels of make check
#        scripts/kernels.sh host          those whose headers are on the host
#        scripts/kernels.sh resolve NAME  NAME (a release or a series such
#                                         as 6.12 or 7) as a release; NAME
#                                         itself when nothing matches
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

case ${1:-} in
test)	test_kernels | xargs ;;
host)	for k in $(test_kernels); do
		[ -d "/lib/modules/$k/build" ] && echo "$k"
	done | xargs ;;
resolve) [ $# = 2 ] || die "usage: $0 resolve NAME"
	resolve_kernel "$2" || echo "$2" ;;
*)	die "usage: $0 test|host|resolve NAME" ;;
esac
