/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ABI of clientbuf_bench.ko, the benchmark package tools/bench/ drives.
 *
 * Package "clientbuf_bench": the submit buffer is a struct cbbench_cmd.
 *
 * - CBBENCH_OP_HOLD keeps the request (call it with CLIENTBUF_CALL_ASYNC)
 *   so that a second process can copy through it;
 * - CBBENCH_OP_COPY makes one copy per call in the caller's context: the
 *   package's copy_to_client_buffer() (CBBENCH_METHOD_PKG) or a bare
 *   copy_to_user() of the same bytes from the same ioctl
 *   (CBBENCH_METHOD_BARE), the framework's floor;
 * - CBBENCH_OP_LOOP makes @iters copies in the caller's context, a kthread
 *   or a workqueue item and reports the time of the loop alone (ktime in
 *   the kernel): what a package pays inside the kernel;
 * - CBBENCH_OP_LOGON answers a logon as a kernel package would: a block
 *   from allocate_client_buffer() holding a 32-byte token and @len bytes
 *   of answer, returned as the call's return buffer.
 *
 * The bytes copied are always cbbench_pattern(i) for the i-th byte of the
 * answer (and cbbench_token() for the token), so that the caller can
 * check every destination afterwards.
 *
 * Device /dev/clientbuf_bench (root only): a second process binds its fd to
 * a held request, then makes one copy per ioctl through it from kernel
 * memory (CBBENCH_IOC_COPY), or times in-kernel loops from its own context
 * (CBBENCH_IOC_LOOP).
 */
#ifndef _CLIENTBUF_BENCH_ABI_H
#define _CLIENTBUF_BENCH_ABI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CBBENCH_PACKAGE		"clientbuf_bench"
#define CBBENCH_MAX_HANDLES	8
#define CBBENCH_MAX_LEN		(16U << 20)	/* largest copy */
#define CBBENCH_TOKEN_LEN	32		/* CBBENCH_OP_LOGON token */

enum cbbench_op {
	CBBENCH_OP_HOLD = 1,	/* keep the request in slot @handle, PENDING */
	CBBENCH_OP_LOOP = 2,	/* time @iters copies of @len bytes to @addr */
	CBBENCH_OP_COPY = 3,	/* one copy of @len bytes to @addr */
	CBBENCH_OP_LOGON = 4,	/* token + @len bytes in a client block */
};

enum cbbench_ctx {
	CBBENCH_CTX_CALLER,	/* the calling thread (client context) */
	CBBENCH_CTX_KTHREAD,	/* a kthread */
	CBBENCH_CTX_WORKQUEUE,	/* a work item on system_unbound_wq */
};

enum cbbench_method {
	CBBENCH_METHOD_PKG,	/* copy_to_client_buffer() */
	CBBENCH_METHOD_BARE,	/* copy_to_user(), kthread_use_mm() if needed */
	CBBENCH_METHOD_APVM,	/* access_process_vm() on the client task */
};

/**
 * struct cbbench_result - what CBBENCH_OP_LOOP writes at @result_addr
 * @ns: ktime of the loop, nanoseconds
 * @status: NTSTATUS of the last copy (CBBENCH_METHOD_PKG), else 0 or
 *	STATUS_ACCESS_VIOLATION
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
 * @addr: client destination (LOOP, COPY)
 * @len: bytes per copy, at most CBBENCH_MAX_LEN (LOOP, COPY, LOGON)
 * @iters: copies (LOOP), 0 means 1
 * @result_addr: where in the client's registered memory the package
 *	writes a struct cbbench_result, or 0 for none (LOOP)
 * @handle: slot, 0 .. CBBENCH_MAX_HANDLES - 1 (HOLD)
 * @method: enum cbbench_method (LOOP, COPY)
 * @nonce: LOGON: the token is cbbench_token(@nonce, i)
 */
struct cbbench_cmd {
	__u32 op;
	__u32 ctx;
	__aligned_u64 addr;
	__u32 len;
	__u32 iters;
	__aligned_u64 result_addr;
	__u32 handle;
	__u32 method;
	__u64 nonce;
};

/**
 * struct cbbench_remote - /dev/clientbuf_bench ioctl argument
 * @handle: BIND, COMPLETE: slot of a held request
 * @method: LOOP: CBBENCH_METHOD_PKG or CBBENCH_METHOD_APVM
 * @addr: LOOP, COPY: client destination
 * @pid: BIND: the client's pid (for CBBENCH_METHOD_APVM)
 * @len: LOOP, COPY: bytes per copy
 * @iters: LOOP: copies, 0 means 1
 * @pad: zero
 * @ns: LOOP: ktime of the loop (out)
 * @status: NTSTATUS of the (last) copy (out)
 * @done: LOOP: copies that succeeded (out)
 */
struct cbbench_remote {
	__u32 handle;
	__u32 method;
	__aligned_u64 addr;
	__s32 pid;
	__u32 len;
	__u32 iters;
	__u32 pad;
	__u64 ns;
	__u32 status;
	__u32 done;
};

#define CBBENCH_IOC_MAGIC	0xC4
/* bind this fd to the request held in slot handle (once per fd) */
#define CBBENCH_IOC_BIND	_IOW(CBBENCH_IOC_MAGIC, 0, struct cbbench_remote)
/* iters copies from a kernel buffer, in this process's context, timed */
#define CBBENCH_IOC_LOOP	_IOWR(CBBENCH_IOC_MAGIC, 1, struct cbbench_remote)
/* one copy_to_client_buffer() from kernel memory into the client */
#define CBBENCH_IOC_COPY	_IOWR(CBBENCH_IOC_MAGIC, 2, struct cbbench_remote)
/* complete the request held in slot handle and drop it */
#define CBBENCH_IOC_COMPLETE	_IOW(CBBENCH_IOC_MAGIC, 4, struct cbbench_remote)

/* The i-th byte of every answer, and of the token of a logon. */
static inline __u8 cbbench_pattern(__u32 i)
{
	return (__u8)(i * 131 + (i >> 12));
}

static inline __u8 cbbench_token(__u64 nonce, __u32 i)
{
	return (__u8)((nonce >> ((i & 7) * 8)) ^ (i * 29));
}

#endif /* _CLIENTBUF_BENCH_ABI_H */
