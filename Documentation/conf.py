# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration for clientbuf's Documentation/ ("make docs").
#
# The ".. kernel-doc::" directive is the kernel's own Sphinx extension
# (Documentation/sphinx/kerneldoc.py running scripts/kernel-doc), taken
# from Debian's linux-source by scripts/kernel-tools.sh; "make docs"
# passes its location in the KERNEL_TOOLS environment variable.

import os
import sys

_top = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
_ktools = os.environ.get('KERNEL_TOOLS',
                         os.path.join(_top, 'build', 'kernel-tools'))
sys.path.insert(0, os.path.join(_ktools, 'Documentation', 'sphinx'))

project = 'clientbuf'
copyright = 'The clientbuf authors'
author = 'The clientbuf authors'

extensions = ['kerneldoc']
kerneldoc_bin = os.path.join(_ktools, 'scripts', 'kernel-doc')
# kernel-doc:: paths are relative to the repository's top
kerneldoc_srctree = _top

master_doc = 'index'
exclude_patterns = ['ABI/**']
primary_domain = 'c'
highlight_language = 'none'
html_theme = 'alabaster'
html_static_path = []
html_copy_source = False

# Kernel annotations the Sphinx C domain must skip in declarations (a subset
# of the list in the kernel's own Documentation/conf.py).
c_id_attributes = [
    '__user', '__kernel', '__iomem', '__rcu', '__force', '__bitwise',
    '__must_check', '__init', '__exit', '__cold', '__always_inline',
    '__printf', '__maybe_unused', 'noinline', 'asmlinkage',
]
