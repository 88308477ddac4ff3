# SPDX-License-Identifier: GPL-2.0
#
# clientbuf - user-facing make targets (the module itself is built by Kbuild).
#
#   make              modules for $(KVER), or for the test kernels, plus
#                     the selftests and tools
#   make check        build, boot each test kernel in QEMU, run the selftests;
#                     ends with "N passed, N failed"
#   make run          boot the 6.12 test kernel (KVER=7: the newest) and
#                     run the demo
#                     (scripts/run-demo.sh; RUN_SCRIPT=FILE for another)
#                     EXTRA_FILES="SRC[:DST] ..." (run and check): one's
#                     own files or directories packed into the VM (DST
#                     absolute, not /tmp); a .ko put in /lib/clientbuf/
#                     is loaded after clientbuf.ko; link programs -static
#                     (Documentation/write-a-package.rst)
#   make bench        boot the 6.12 test kernel and run the benchmark:
#                     clientbuf against bare copy_to_user, process_vm_writev,
#                     /proc/PID/mem and a Unix-socket daemon (tools/bench/;
#                     tables, CSV, plots and target lines in build/bench/)
#   make lint         checkpatch, kernel-doc, sparse, uapi headers, docs
#                     (make check runs it first; LINT=0 skips it there)
#   make docs         Documentation/ to build/docs/html (Sphinx, -W)
#   make man          the manual pages (Documentation/man/) to build/man
#   make deb          Debian packages (debian/, dpkg-buildpackage) into
#                     build/deb/, checked with lintian
#   make deb-test     install the packages on this machine, check them
#                     (DKMS module for both test kernels, pkg-config, man
#                     pages), purge them (root)
#   make modules KVER=$(uname -r)   build for the running kernel
#   make install      clientbuf.ko into /lib/modules/KVER/extra, depmod;
#                     its Module.symvers and headers into extra/clientbuf/
#                     (KVER defaults to the running kernel; INSTALL_MOD_PATH)
#   make install-user uapi header, libclientbuf, clientbuf CLI, and
#                     pam_clientbuf.so into libpam's directory (PAMDIR)
#                     (PREFIX=/usr/local, DESTDIR)
#   make install-test both installs into a temporary directory, checked
#   make dkms-test    dkms add/build/install/remove for each test kernel
#                     (the newest inside its build root)
#   make check-debug  build (once, cached in /var/cache/clientbuf) a debug
#                     kernel from linux-source-6.12 with KASAN, KFENCE,
#                     lockdep, UBSAN, kmemleak and fault injection, and run
#                     the whole suite on it; KCSAN=1: a second debug
#                     kernel with KCSAN (and lockdep, UBSAN, kmemleak,
#                     fault injection) instead of KASAN and KFENCE
#   make clean
#
# KVER selects one kernel release (headers in /lib/modules/KVER/build), or
# the newest test kernel of a series (KVER=6.1, KVER=6.12, KVER=7);
# KDIR overrides the headers directory. The test kernels are the newest
# Debian cloud kernels 6.1.* and 6.12.* in /boot and the newest cloud
# kernel of Debian stable/stable-backports, which is built for inside a
# debootstrapped build root (scripts/buildroot.sh). Modules are built in
# build/KVER/kmod/ from a copy of the sources, one tree per kernel.
# NO_DEPS=1 skips scripts/install-deps.sh (which "make modules" with KVER
# or KDIR does not run anyway).

SHELL := /bin/bash
.DEFAULT_GOAL := all

top := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
B := $(top)/build

# The kernels (scripts/kernels.sh), found when a recipe runs: after
# scripts/install-deps.sh has installed them, so that every target works
# as the first command on a machine with no kernel installed. Every target
# that uses them depends on deps.
kernels = $(shell $(top)/scripts/kernels.sh $(1))
TEST_KVERS = $(call kernels,test)
HOST_KVERS = $(call kernels,host)
RUN_KVER = $(call kernels,resolve $(or $(KVER),6.12))

ifneq ($(KVER),)
# a series such as KVER=6.12 or KVER=7 means the newest such kernel
KVERS = $(call kernels,resolve $(KVER))
else ifneq ($(KDIR),)
KVER := $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
KVERS = $(KVER)
else
KVERS = $(TEST_KVERS)
endif

# Sources a module build needs, copied to build/KVER/kmod/.
KMOD_SRCS := Kbuild VERSION module uapi $(wildcard samples)
KMOD_TEST_SRCS := selftests/module selftests/clientbuf_test_abi.h

.PHONY: all deps modules kmod selftests tools vm-exit check run bench clean help \
	check-debug \
	lint docs man install install-user install-test dkms-test deb deb-test


all: modules selftests tools vm-exit

deps:
ifeq ($(NO_DEPS),)
	@$(top)/scripts/install-deps.sh
endif

# modules for one kernel: $(1) = kernel release
define build_kmod
	@set -e; v='$(1)'; km='$(B)'/$$v/kmod; \
	[ -n "$$v" ] || { echo "no kernel release (KVER)" >&2; exit 1; }; \
	echo "  MODULES $$v"; \
	mkdir -p "$$km/selftests"; \
	cp -a $(addprefix $(top)/,$(KMOD_SRCS)) "$$km/"; \
	cp -a $(addprefix $(top)/,$(KMOD_TEST_SRCS)) "$$km/selftests/"; \
	for f in $$(cd "$$km" && find module uapi selftests/module samples \
			-name '*.[ch]' 2>/dev/null); do \
		[ -e '$(top)'/"$$f" ] || rm -f "$$km/$$f"; \
	done; \
	KDIR='$(KDIR)' $(top)/scripts/kbuild.sh "$$v" M="$$km" W=1 modules
endef

# With an explicit KVER/KDIR (a real machine's kernel) the test kernels
# and QEMU are not needed: only the headers.
modules: $(if $(KVER)$(KDIR),,deps)
	@set -e; for v in $(KVERS); do \
		$(MAKE) --no-print-directory kmod KMOD_KVER=$$v; \
	done

# one kernel: KMOD_KVER
kmod:
	$(call build_kmod,$(KMOD_KVER))

selftests: deps
	@$(MAKE) -C $(top)/selftests OUTPUT=$(B)/selftests

tools: deps
	@if [ -f $(top)/tools/Makefile ]; then \
		$(MAKE) -C $(top)/tools; \
	fi

vm-exit: $(B)/vm-exit

$(B)/vm-exit: $(top)/scripts/vm-exit.c
	@mkdir -p $(B)
	$(CC) -std=c11 -Wall -Wextra -Werror -O2 -static -o $@ $<

# LINT=0 leaves the lint steps out of make check.
check: all
	@LINT=$(or $(LINT),1) $(top)/scripts/check.sh $(KVERS)

# The debug kernel's release names its build tree, build/KVER/.
# KCSAN=1: the second debug kernel, KCSAN instead of KASAN and KFENCE.
# Debug kernels run several times slower: every test's harness timeout is
# scaled (selftests/clientbuf_util.h) and so is the runner's per binary.
DEBUG_APPEND = kmemleak=on clientbuf_timeout_scale=6 \
	       kselftest_override_timeout=1800
check-debug: deps
	@set -e; \
	tree=$$($(top)/scripts/build-debug-kernel.sh $(if $(filter 1,$(KCSAN)),--kcsan)); \
	kver=$$(cat "$$tree/include/config/kernel.release"); \
	$(MAKE) --no-print-directory modules selftests tools vm-exit \
		KDIR="$$tree" NO_DEPS=1; \
	KERNEL_IMAGE="$$tree/arch/x86/boot/bzImage" \
	KERNEL_CONFIG="$$tree/.config" VM_MEM=4G \
	VM_TIMEOUT=$${VM_TIMEOUT:-5400} VM_APPEND="$(DEBUG_APPEND)" \
	LINT=0 PACKAGE_TESTS=0 $(top)/scripts/check.sh "$$kver"

lint: deps
	@$(top)/scripts/lint.sh $(KVERS)

docs:
	@$(top)/scripts/need-pkg.sh python3-sphinx
	@rm -rf $(B)/docs
	KERNEL_TOOLS=$$($(top)/scripts/kernel-tools.sh) \
		/usr/bin/sphinx-build -W --keep-going -q -b html \
		-d $(B)/docs/doctrees $(top)/Documentation $(B)/docs/html
	@echo "  DOCS    $(B)/docs/html/index.html"

man:
	@$(top)/scripts/need-pkg.sh python3-sphinx
	@rm -rf $(B)/man
	/usr/bin/sphinx-build -W --keep-going -q -b man \
		-d $(B)/man/.doctrees $(top)/Documentation/man $(B)/man
	@echo "  MAN     $(B)/man"

# make install: clientbuf.ko alone (no test package, no samples) for KVER,
# by default the running kernel, through kbuild's modules_install.
INSTALL_KVER = $(or $(KVER),$(shell uname -r))
INSTALL_KDIR = $(or $(KDIR),/lib/modules/$(INSTALL_KVER)/build)
INSTALL_KM = $(B)/install/$(INSTALL_KVER)/kmod

install:
	@set -e; km='$(INSTALL_KM)'; kdir='$(INSTALL_KDIR)'; \
	[ -f "$$kdir/Makefile" ] || \
		{ echo "no kernel headers in $$kdir (set KVER or KDIR)" >&2; exit 1; }; \
	rm -rf "$$km"; mkdir -p "$$km"; \
	cp -a $(top)/Kbuild $(top)/VERSION $(top)/module $(top)/uapi "$$km/"; \
	$(MAKE) -C "$$kdir" M="$$km" CLIENTBUF_MODULE_ONLY=y modules; \
	$(MAKE) -C "$$kdir" M="$$km" CLIENTBUF_MODULE_ONLY=y \
		INSTALL_MOD_DIR=extra modules_install
	@# for package modules built outside the tree (templates/package,
	@# CLIENTBUF_DIR=extra/clientbuf): clientbuf's Module.symvers, the
	@# headers and package.kbuild, laid out as in the tree
	@d='$(INSTALL_MOD_PATH)/lib/modules/$(INSTALL_KVER)/extra/clientbuf'; \
	install -D -m 0644 '$(INSTALL_KM)/Module.symvers' "$$d/Module.symvers"; \
	install -D -m 0644 -t "$$d/module/include/clientbuf" \
		$(top)/module/include/clientbuf/*; \
	install -D -m 0644 -t "$$d/uapi/linux" $(top)/uapi/linux/clientbuf.h
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(INSTALL_KVER)

install-user:
	@$(MAKE) -C $(top)/tools install PREFIX=$(or $(PREFIX),/usr/local) \
		DESTDIR=$(DESTDIR)

install-test:
	@$(top)/scripts/install-test.sh

dkms-test: deps
	@$(top)/scripts/dkms-test.sh $(TEST_KVERS)

deb:
	@$(top)/scripts/deb-build.sh

# the packages install on this Debian 12 host: its own kernels only
deb-test: deb deps
	@$(top)/scripts/deb-test.sh $(HOST_KVERS)

# RUN_SCRIPT=FILE runs FILE in the VM instead of scripts/run-demo.sh.
# RUN_KVER is expanded when the recipe runs, after deps installed it.
run: deps
	@$(MAKE) --no-print-directory all KVER=$(RUN_KVER) NO_DEPS=1
	@RUN_SCRIPT=$(or $(RUN_SCRIPT),$(top)/scripts/run-demo.sh) \
		$(top)/scripts/vm-run.sh $(RUN_KVER) run

bench: deps
	@$(MAKE) --no-print-directory all KVER=$(RUN_KVER) NO_DEPS=1
	@$(MAKE) --no-print-directory -C $(top)/tools/bench
	@$(top)/tools/bench/bench.sh $(RUN_KVER)

clean:
	@if [ -f $(top)/tools/Makefile ]; then \
		$(MAKE) -C $(top)/tools clean; \
	fi
	rm -rf $(B)

help:
	@awk 'NR > 2 && !/^#/ {exit} NR > 2 {sub(/^# ?/, ""); print}' $(lastword $(MAKEFILE_LIST))
