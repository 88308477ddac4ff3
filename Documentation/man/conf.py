# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration of the manual pages ("make man", debian/rules):
# sphinx-build -b man Documentation/man OUTDIR. The same .rst files are
# part of the HTML documentation (Documentation/index.rst includes
# man/index), which uses Documentation/conf.py instead of this file; this
# one needs no kernel tools.

import os

_top = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
with open(os.path.join(_top, 'VERSION')) as f:
    version = release = f.read().strip()

project = 'clientbuf'
copyright = 'The clientbuf authors'
author = 'The clientbuf authors'

master_doc = 'index'
primary_domain = 'c'
highlight_language = 'none'

# (source, name, description, authors, section)
man_pages = [
    ('clientbuf', 'clientbuf',
     'command-line client of the clientbuf kernel module', [], 1),
    ('libclientbuf', 'libclientbuf',
     'C library over the /dev/clientbuf ioctls', [], 3),
    ('pam_clientbuf', 'pam_clientbuf',
     'PAM module that logs on through a clientbuf security package', [], 8),
]
# one directory, pages named NAME.SECTION
man_make_section_directory = False
man_show_urls = False
