#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Extract the code of reStructuredText files, for the tests that keep the
documentation true (scripts/doc-examples.sh, scripts/guide-test.sh).

  rst-blocks.py c OUTDIR FILE...
      every ".. code-block:: c" block to OUTDIR/NAME-N.c (NAME the file's
      base name, N counting its C blocks from 1), with a #line directive
      so that a compiler's message names the .rst file and line; prints
      "OUTDIR/NAME-N.c KIND" per block, KIND "kernel" (includes
      <linux/module.h>), "program" (has main()) or "unit" (declarations:
      compiled, not linked)
  rst-blocks.py unmarked FILE...
      "FILE:LINE" of every plain literal block ("::") that starts with
      #include: C code that would escape the test; status 1 if any
  rst-blocks.py console FILE [CLASS]
      the commands of every ".. code-block:: console" block without a
      :class: option (with ":class: CLASS" when CLASS is given), in order
      (the text after "$ " of each line that starts with it; a line
      ending in "\\" continues on the next), as a bash script of
      'step N LINE "COMMAND"' lines: scripts/guide-test.sh defines step
"""
import os
import re
import sys


def blocks(path, opts=None):
    """(kind, language, first content line number, content lines); the
    options of a directive go into the dict opts, if given."""
    lines = open(path, encoding='utf-8').read().split('\n')
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r'^(\s*)\.\. code-block::\s*(\S+)\s*$', line)
        lit = None
        if m:
            indent, lang = len(m.group(1)), m.group(2)
            kind = 'directive'
        elif line.rstrip().endswith('::') and not line.lstrip().startswith('..'):
            indent = len(line) - len(line.lstrip())
            lang, kind = None, 'literal'
            lit = True
        else:
            i += 1
            continue
        j = i + 1
        # directive options
        if opts is not None:
            opts.clear()
        if kind == 'directive':
            while True:
                o = re.match(r'^\s+:(\w[\w-]*):\s*(.*)$', lines[j]) \
                    if j < len(lines) else None
                if not o:
                    break
                if opts is not None:
                    opts[o.group(1)] = o.group(2).strip()
                j += 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        start = j
        body = []
        while j < len(lines):
            ln = lines[j]
            if ln.strip() and len(ln) - len(ln.lstrip()) <= indent:
                break
            body.append(ln)
            j += 1
        while body and not body[-1].strip():
            body.pop()
        if body:
            ind = min(len(b.expandtabs(8)) - len(b.expandtabs(8).lstrip())
                      for b in body if b.strip())
            body = [b.expandtabs(8)[ind:] for b in body]
            yield kind, lang, start + 1, body
        i = j if j > i + 1 else i + 1
        del lit


def cmd_c(outdir, files):
    os.makedirs(outdir, exist_ok=True)
    for path in files:
        name = os.path.splitext(os.path.basename(path))[0]
        n = 0
        for kind, lang, first, body in blocks(path):
            if kind != 'directive' or lang != 'c':
                continue
            n += 1
            out = os.path.join(outdir, '%s-%d.c' % (name, n))
            text = '\n'.join(body) + '\n'
            with open(out, 'w', encoding='utf-8') as f:
                f.write('#line %d "%s"\n' % (first, os.path.abspath(path)))
                f.write(text)
            if '#include <linux/module.h>' in text:
                what = 'kernel'
            elif re.search(r'\bmain\s*\(', text):
                what = 'program'
            else:
                what = 'unit'
            print(out, what)


def cmd_unmarked(files):
    bad = 0
    for path in files:
        for kind, lang, first, body in blocks(path):
            if kind == 'literal' and body[0].startswith('#include'):
                print('%s:%d' % (path, first))
                bad = 1
    return bad


def cmd_console(path, cls=None):
    n = 0
    opts = {}
    for kind, lang, first, body in blocks(path, opts):
        if kind != 'directive' or lang != 'console':
            continue
        if opts.get('class') != cls:
            continue
        cont = None
        for k, ln in enumerate(body):
            if cont is not None:
                cont += '\n' + ln
            elif ln.startswith('$ '):
                cont, at = ln[2:], first + k
            else:
                continue
            if cont.endswith('\\'):
                continue
            n += 1
            print("step %d %d \"$(cat <<'CLIENTBUF_STEP'\n%s\n"
                  "CLIENTBUF_STEP\n)\"" % (n, at, cont))
            cont = None


def main(argv):
    if len(argv) >= 3 and argv[1] == 'c':
        cmd_c(argv[2], argv[3:])
        return 0
    if len(argv) >= 2 and argv[1] == 'unmarked':
        return cmd_unmarked(argv[2:])
    if len(argv) in (3, 4) and argv[1] == 'console':
        cmd_console(argv[2], argv[3] if len(argv) == 4 else None)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
