#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract the kernel's own lint and documentation tools from Debian's
# linux-source tarball into build/kernel-tools/, once: scripts/checkpatch.pl
# with the spelling.txt and const_structs.checkpatch it reads from its own
# directory, scripts/kernel-doc, .clang-format and the Sphinx extensions of
# Documentation/sphinx/ (kerneldoc.py). Nothing of it is kept in the
# repository.
#
# Usage: scripts/kernel-tools.sh [DEST]
#   DEST defaults to build/kernel-tools; prints DEST (the tree's top).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
dest=${1:-$top/build/kernel-tools}
stamp=$dest/.stamp
tarball=/usr/src/linux-source-6.12.tar.xz

if [ ! -f "$stamp" ]; then
	[ -f "$tarball" ] || {
		echo "kernel-tools: no $tarball; run scripts/install-deps.sh" >&2
		exit 1
	}
	extract_once "$dest" "$tarball" \
		"{scripts/checkpatch.pl,scripts/kernel-doc,...}" \
		scripts/checkpatch.pl scripts/spelling.txt \
		scripts/const_structs.checkpatch \
		scripts/kernel-doc .clang-format \
		"Documentation/sphinx/*"
fi
echo "$dest"
