/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ABI of clientbuf_test.ko, the test package the selftests drive.
 *
 * Package "clientbuf_test": the submit buffer is a struct cbtest_cmd. The
 * call's NTSTATUS is the status of the operation it asked for, so the
 * selftests see exactly what copy_to_client_buffer() and friends returned.
 *
 * Device /dev/clientbuf_test: lets a second process (or a delayed work item)
 * act on a request the package holds, to exercise the registered-mm path.
 */
#ifndef _CLIENTBUF_TEST_ABI_H
#define _CLIENTBUF_TEST_ABI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CBTEST_PACKAGE		"clientbuf_test"
#define CBTEST_MAX_HANDLES	64
#define CBTEST_MAX_LEN		(64U << 20)	/* longest copy it makes */

enum cbtest_op {
	CBTEST_OP_NOP,		/* return STATUS_SUCCESS */
	CBTEST_OP_COPY_TO,	/* copy pattern(seed) of len bytes to addr */
	CBTEST_OP_COPY_FROM,	/* read len bytes at addr, compare pattern */
	CBTEST_OP_ALLOC,	/* allocate len bytes; result.return_addr */
	CBTEST_OP_FREE,		/* free_client_buffer(addr) */
	CBTEST_OP_INFO,		/* get_client_info into an allocated block */
	CBTEST_OP_HOLD,		/* keep the request in slot handle, PENDING */
	CBTEST_OP_ALLOC_COPY,	/* allocate len, copy pattern, return it */
	CBTEST_OP_STATUS,	/* return cmd.seed as the NTSTATUS (not PENDING) */
	CBTEST_OP_TABLE,	/* compare ->functions with the exports: a __u32
				 * mask of CBTEST_TABLE_* entries that differ,
				 * in an allocated block */
	CBTEST_OP_DEFER,	/* return PENDING keeping no reference; a work
				 * item completes the call with status seed
				 * len ms later (at most CBTEST_DEFER_MAX_MS) */
};

#define CBTEST_DEFER_MAX_MS	10000

/* CBTEST_OP_TABLE: one bit per entry of struct clientbuf_functions */
#define CBTEST_TABLE_ALLOCATE	(1U << 0)
#define CBTEST_TABLE_FREE	(1U << 1)
#define CBTEST_TABLE_COPY_TO	(1U << 2)
#define CBTEST_TABLE_COPY_FROM	(1U << 3)
#define CBTEST_TABLE_INFO	(1U << 4)
#define CBTEST_TABLE_COMPLETE	(1U << 5)

enum cbtest_ctx {
	CBTEST_CTX_CALLER,	/* the calling thread (client context) */
	CBTEST_CTX_WORKQUEUE,	/* a work item, waited for */
	CBTEST_CTX_KTHREAD,	/* a kthread, waited for */
	CBTEST_CTX_ORDERED,	/* the package's one ordered workqueue, shared
				 * by every client's calls, waited for */
	CBTEST_CTX_MAX = CBTEST_CTX_ORDERED,
};

/* cbtest_cmd.flags */
#define CBTEST_F_NULL_REQUEST	(1U << 0)	/* pass a NULL request */
#define CBTEST_F_NULL_BUFFER	(1U << 1)	/* pass a NULL kernel buffer */
#define CBTEST_F_STALE_REQUEST	(1U << 2)	/* use a finished request */
#define CBTEST_F_TABLE		(1U << 3)	/* call through ->functions */
/*
 * Fault injection (kernels with CONFIG_FAULT_INJECTION): a work item or
 * kthread the operation runs in takes over the calling thread's fail-nth
 * count (current->fail_nth) before it calls into clientbuf, and hands what
 * is left back before the call returns. So one count, armed through
 * /proc/<pid>/task/<tid>/fail-nth of the caller, walks the fault sites of
 * the caller and of the work item or kthread in order. Whatever the flags,
 * the package's own allocations never count as fault sites.
 */
#define CBTEST_F_FAIL_NTH	(1U << 4)

/**
 * struct cbtest_cmd - submit buffer of the "clientbuf_test" package
 * @op: enum cbtest_op
 * @ctx: enum cbtest_ctx the operation runs in
 * @addr: client address
 * @len: length in bytes
 * @seed: pattern seed (COPY_TO/COPY_FROM), or the status (STATUS)
 * @flags: CBTEST_F_*
 * @handle: slot for HOLD, 0 .. CBTEST_MAX_HANDLES - 1
 * @reserved: zero
 * @reserved2: zero
 */
struct cbtest_cmd {
	__u32 op;
	__u32 ctx;
	__aligned_u64 addr;
	__u32 len;
	__u32 seed;
	__u32 flags;
	__u32 handle;
	__u32 reserved;
	__u32 reserved2;
};

/**
 * struct cbtest_remote - /dev/clientbuf_test ioctl argument
 * @handle: slot of a held request
 * @op: CBTEST_OP_COPY_TO, COPY_FROM, ALLOC or FREE (COPY/QUEUE)
 * @addr: client address
 * @len: length in bytes
 * @seed: pattern seed; for CBTEST_IOC_COMPLETE the final NTSTATUS
 * @delay_ms: QUEUE: delay before the work item copies
 * @iterations: QUEUE: number of copies the work item makes (0 means 1);
 *	it stops at the first failure
 * @status: NTSTATUS of the (last) operation (out)
 * @done: QUEUE/RESULT: copies that succeeded (out)
 * @result_addr: ALLOC: the block (out)
 * @flags: COPY: CBTEST_F_* as in struct cbtest_cmd; COMPLETE:
 *	CBTEST_F_TABLE completes through ->functions (in)
 * @protocol_status: COPY: the operation's protocol status, e.g.
 *	STATUS_UNSUCCESSFUL for a COPY_FROM that read the wrong bytes (out)
 */
struct cbtest_remote {
	__u32 handle;
	__u32 op;
	__aligned_u64 addr;
	__u32 len;
	__u32 seed;
	__u32 delay_ms;
	__u32 iterations;
	__u32 status;
	__u32 done;
	__aligned_u64 result_addr;
	__u32 flags;
	__u32 protocol_status;
};

/**
 * struct cbtest_client_info - CBTEST_OP_INFO answer (get_client_info())
 * @pid: calling thread id
 * @tgid: client process id
 * @uid: calling thread's uid
 * @gid: calling thread's gid
 * @flags: CLIENTBUF_CLIENT_* bits (1: process terminated, 2: thread
 *	terminated, 0x100: the package ran in the client's context)
 */
struct cbtest_client_info {
	__s32 pid;
	__s32 tgid;
	__u32 uid;
	__u32 gid;
	__u32 flags;
};

#define CBTEST_INFO_TERMINATED	0x01
#define CBTEST_INFO_IN_CONTEXT	0x100

#define CBTEST_IOC_MAGIC	0xC2
/* run op on the held request now, in the calling process's context */
#define CBTEST_IOC_COPY		_IOWR(CBTEST_IOC_MAGIC, 0, struct cbtest_remote)
/* queue op on a delayed work item (registered-mm path from a kworker) */
#define CBTEST_IOC_QUEUE	_IOW(CBTEST_IOC_MAGIC, 1, struct cbtest_remote)
/* wait for the queued work and fetch its status */
#define CBTEST_IOC_RESULT	_IOWR(CBTEST_IOC_MAGIC, 2, struct cbtest_remote)
/*
 * complete the held request with status seed, drop it; with CBTEST_F_TABLE
 * in flags through the package's function table (->complete_request), and
 * addr/len as the return buffer
 */
#define CBTEST_IOC_COMPLETE	_IOW(CBTEST_IOC_MAGIC, 3, struct cbtest_remote)

/* The pattern both sides compute: byte i of a buffer made from seed. */
static inline __u8 cbtest_pattern(__u32 seed, __u64 i)
{
	return (__u8)((seed * 2654435761U) ^ (i * 131) ^ (i >> 9));
}

#endif /* _CLIENTBUF_TEST_ABI_H */
