#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write libclientbuf's NTSTATUS -> Win32 table and its test vectors.

Usage: scripts/win32-table.py WINE_SOURCE_DIR

What Windows's RtlNtStatusToDosError() (which LsaNtStatusToWinError() is)
answers is a published fact: Wine records it in dlls/ntdll/error.h (one
Win32 symbol per NTSTATUS, the NTSTATUS in the comment), and its
conformance test dlls/ntdll/tests/error.c asks real Windows for it
("cmp(STATUS_X, ERROR_Y)"). This script reads those two files and the
symbols' values from Wine's include/winerror.h, ntstatus.h and
rpcnterr.h, and writes numbers only:

  tools/lib/clientbuf_win32_table.h   { NTSTATUS, Win32 } for every code
                                      Windows maps (not to 317), sorted
  tools/tests/win32_vectors.h         { NTSTATUS, Win32, "name" } of the
                                      conformance test's strict checks

Wine 8.0 (Debian bookworm's "apt-get source wine") made the files in the
tree. Nothing of Wine's code is used; no build step runs this script.
"""
import os
import re
import sys

HEADERS = ['include/winerror.h', 'include/ntstatus.h', 'include/rpcnterr.h']
CASTS = re.compile(r'\(\s*(NTSTATUS|DWORD|LONG|HRESULT|ULONG)\s*\)|'
                   r'_HRESULT_TYPEDEF_|_NDIS_ERROR_TYPEDEF_')


def read_defines(src):
    defs = {}
    for h in HEADERS:
        with open(os.path.join(src, h), encoding='latin-1') as f:
            for line in f:
                m = re.match(r'\s*#\s*define\s+(\w+)\s+(.+?)\s*(/\*.*)?$',
                             line)
                if m and m.group(1) not in defs:
                    defs[m.group(1)] = m.group(2)
    return defs


def value(defs, name, depth=0):
    v = defs.get(name)
    if v is None or depth > 10:
        return None
    v = CASTS.sub('', v).strip().strip('()').strip()
    m = re.fullmatch(r'(0x[0-9a-fA-F]+|\d+)[uUlL]*', v)
    if m:
        return int(m.group(1), 0) & 0xffffffff
    if re.fullmatch(r'\w+', v):
        return value(defs, v, depth + 1)
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    src = sys.argv[1]
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    defs = read_defines(src)

    table = []
    with open(os.path.join(src, 'dlls/ntdll/error.h')) as f:
        for line in f:
            m = re.match(r'\s*(\w+),?\s*/\* ([0-9a-f]{8})', line)
            if not m:
                continue
            w = value(defs, m.group(1))
            if w is None:
                sys.exit('unresolved symbol ' + m.group(1))
            if w != 317:
                table.append((int(m.group(2), 16), w))
    table.sort()

    vectors = []
    with open(os.path.join(src, 'dlls/ntdll/tests/error.c')) as f:
        text = f.read()
    for m in re.finditer(r'\bcmp\(\s*(STATUS_\w+|RPC_NT_\w+|\w+)\s*,'
                         r'\s*(\w+)\s*\)', text):
        s, w = value(defs, m.group(1)), value(defs, m.group(2))
        if s is None or w is None:
            continue
        vectors.append((s, w, m.group(1)))

    with open(os.path.join(top, 'tools/lib/clientbuf_win32_table.h'),
              'w') as f:
        f.write('/* SPDX-License-Identifier: GPL-2.0 */\n'
                '/*\n'
                ' * What Windows\'s RtlNtStatusToDosError() answers for each'
                ' NTSTATUS it\n'
                ' * maps (every code not listed maps to 317,'
                ' ERROR_MR_MID_NOT_FOUND,\n'
                ' * after the rules of clientbuf_status_to_win32()): '
                '{ NTSTATUS, Win32 },\n'
                ' * sorted by NTSTATUS. Written by scripts/win32-table.py'
                ' from the facts\n'
                ' * Wine 8.0 records; do not edit.\n'
                ' */\n'
                '/* %d codes */\n' % len(table))
        for s, w in table:
            f.write('{ 0x%08X, %u },\n' % (s, w))

    with open(os.path.join(top, 'tools/tests/win32_vectors.h'), 'w') as f:
        f.write('/* SPDX-License-Identifier: GPL-2.0 */\n'
                '/*\n'
                ' * RtlNtStatusToDosError() as Wine\'s conformance test'
                ' (dlls/ntdll/tests/\n'
                ' * error.c, strict "cmp" checks) expects it of Windows:'
                ' { NTSTATUS, Win32,\n'
                ' * name }. Written by scripts/win32-table.py; do not'
                ' edit.\n'
                ' */\n'
                '/* %d vectors */\n' % len(vectors))
        for s, w, n in vectors:
            f.write('{ 0x%08X, %u, "%s" },\n' % (s, w, n))
    print('%d table entries, %d vectors' % (len(table), len(vectors)))


if __name__ == '__main__':
    main()
