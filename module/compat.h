/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clientbuf: the one place for differences between the kernels it builds
 * on (Debian's 6.1 and 6.12), each keyed on a feature, not on a version.
 * Where no macro of the kernel's tells, Kbuild's cb_feature test compiles
 * a line against the headers and defines a CB_HAVE_* macro.
 */
#ifndef _CLIENTBUF_COMPAT_H
#define _CLIENTBUF_COMPAT_H

#include <linux/mm.h>

/*
 * pin_user_pages_remote() lost its @vmas argument in 6.5. Called with the
 * mmap_lock held for read and no @locked: GUP then never drops the lock
 * (no FAULT_FLAG_ALLOW_RETRY), so the VMAs checked under it are the ones
 * faulted on.
 */
#ifdef CB_HAVE_GUP_VMAS
#define cb_pin_user_pages_remote(mm, start, nr, gup_flags, pages)	\
	pin_user_pages_remote(mm, start, nr, gup_flags, pages, NULL, NULL)
#else
#define cb_pin_user_pages_remote(mm, start, nr, gup_flags, pages)	\
	pin_user_pages_remote(mm, start, nr, gup_flags, pages, NULL)
#endif

#endif /* _CLIENTBUF_COMPAT_H */
