/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ABI of clientbuf_bench.ko, the benchmark package tools/bench/ drives.
 *
 * Package "clientbuf_bench": the submit buffer is a struct cbbench_cmd.
 * CBBENCH_OP_HOLD keeps the request (call it with CLIENTBUF_CALL_ASYNC) so
 * that a second process can copy through it; CBBENCH_OP_LOOP makes @iters
 * copy_to_client_buffer() calls in the caller's context or in a kthread and
 * reports the time of the loop alone, measured in the kernel with ktime.
 *
 * Device /dev/clientbuf_bench (root only): a second process binds its fd to
 * a held request, then times in-kernel loops from its own context
 * (CBBENCH_IOC_LOOP), or makes one copy per ioctl from its own memory into
 * the client (CBBENCH_IOC_COPY, CBBENCH_IOC_COPYV).
 */
#ifndef _CLIENTBUF_BENCH_ABI_H
#define _CLIENTBUF_BENCH_ABI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CBBENCH_PACKAGE		"clientbuf_bench"
#define CBBENCH_MAX_HANDLES	8
#define CBBENCH_MAX_LEN		(16U << 20)	/* largest copy */
#define CBBENCH_MAX_SEGS	256		/* CBBENCH_IOC_COPYV */

enum cbbench_op {
	CBBENCH_OP_HOLD = 1,	/* keep the request in slot @handle, PENDING */
	CBBENCH_OP_LOOP = 2,	/* time @iters copies of @len bytes to @addr */
};

enum cbbench_ctx {
	CBBENCH_CTX_CALLER,	/* the calling thread (client context) */
	CBBENCH_CTX_KTHREAD,	/* a kthread (kthread_use_mm path) */
};

/**
 * struct cbbench_result - what CBBENCH_OP_LOOP writes at @result_addr
 * @ns: ktime of the loop, nanoseconds
 * @status: NTSTATUS of the last copy
 * @done: copies that succeeded
 */
struct cbbench_result {
	__u64 ns;
	__u32 status;
	__u32 done;
};

/**
 * struct cbbench_cmd - submit buffer of the "clientbuf_bench" package
 * @op: enum cbbench_op
 * @ctx: enum cbbench_ctx (LOOP)
 * @addr: client destination (LOOP)
 * @len: bytes per copy, at most CBBENCH_MAX_LEN (LOOP)
 * @iters: copies (LOOP), 0 means 1
 * @result_addr: where in the client's registered memory the package
 *	writes a struct cbbench_result, or 0 for none (LOOP)
 * @handle: slot, 0 .. CBBENCH_MAX_HANDLES - 1 (HOLD)
 * @reserved: zero
 */
struct cbbench_cmd {
	__u32 op;
	__u32 ctx;
	__aligned_u64 addr;
	__u32 len;
	__u32 iters;
	__aligned_u64 result_addr;
	__u32 handle;
	__u32 reserved;
};

/* cbbench_remote.flags and cbbench_vec.flags (CBBENCH_IOC_COPY/COPYV) */
#define CBBENCH_COPY_AUTO	0	/* the cheapest measured: DIRECT */
#define CBBENCH_COPY_BOUNCE	1	/* copy_from_user() into a kernel buffer */
#define CBBENCH_COPY_DIRECT	2	/* pin the source pages, no bounce */
#define CBBENCH_COPY_FIXED	3	/* source in the CBBENCH_IOC_SRC_PIN range */

/**
 * struct cbbench_remote - /dev/clientbuf_bench ioctl argument
 * @handle: BIND, COMPLETE: slot of a held request
 * @flags: COPY: CBBENCH_COPY_*
 * @addr: LOOP, COPY: client destination
 * @src: COPY, SRC_PIN: source in the caller's memory
 * @len: LOOP, COPY: bytes per copy; SRC_PIN: length of the source range
 * @iters: LOOP: copies, 0 means 1
 * @ns: LOOP: ktime of the loop (out)
 * @status: NTSTATUS of the (last) copy (out)
 * @done: LOOP: copies that succeeded (out)
 */
struct cbbench_remote {
	__u32 handle;
	__u32 flags;
	__aligned_u64 addr;
	__aligned_u64 src;
	__u32 len;
	__u32 iters;
	__u64 ns;
	__u32 status;
	__u32 done;
};

/**
 * struct cbbench_seg - one copy of a vectored call
 * @addr: client destination
 * @src: source in the caller's memory
 * @len: bytes
 * @reserved: zero
 */
struct cbbench_seg {
	__aligned_u64 addr;
	__aligned_u64 src;
	__u32 len;
	__u32 reserved;
};

/**
 * struct cbbench_vec - CBBENCH_IOC_COPYV argument
 * @segs: array of struct cbbench_seg in the caller's memory
 * @nr_segs: entries, at most CBBENCH_MAX_SEGS
 * @flags: CBBENCH_COPY_*
 * @status: NTSTATUS of the first failing copy, or success (out)
 * @done: copies that succeeded before it (out)
 */
struct cbbench_vec {
	__aligned_u64 segs;
	__u32 nr_segs;
	__u32 flags;
	__u32 status;
	__u32 done;
};

#define CBBENCH_IOC_MAGIC	0xC4
/* bind this fd to the request held in slot handle (once per fd) */
#define CBBENCH_IOC_BIND	_IOW(CBBENCH_IOC_MAGIC, 0, struct cbbench_remote)
/* iters copies from a kernel buffer, in this process's context, timed */
#define CBBENCH_IOC_LOOP	_IOWR(CBBENCH_IOC_MAGIC, 1, struct cbbench_remote)
/* one copy from the caller's memory into the client */
#define CBBENCH_IOC_COPY	_IOWR(CBBENCH_IOC_MAGIC, 2, struct cbbench_remote)
/* nr_segs copies in one call */
#define CBBENCH_IOC_COPYV	_IOWR(CBBENCH_IOC_MAGIC, 3, struct cbbench_vec)
/* complete the request held in slot handle and drop it */
#define CBBENCH_IOC_COMPLETE	_IOW(CBBENCH_IOC_MAGIC, 4, struct cbbench_remote)
/*
 * pin and map [src, src + len) of the caller's memory once, for
 * CBBENCH_COPY_FIXED (a registered source buffer, as io_uring's fixed
 * buffers); once per fd, released when the fd is closed
 */
#define CBBENCH_IOC_SRC_PIN	_IOW(CBBENCH_IOC_MAGIC, 5, struct cbbench_remote)

#endif /* _CLIENTBUF_BENCH_ABI_H */
