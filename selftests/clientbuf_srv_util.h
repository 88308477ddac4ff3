/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clientbuf selftests: helpers of clientbuf_server.c and clientbuf_async.c
 * (package servers and asynchronous calls), on top of clientbuf_util.h.
 *
 * Every operation returns a struct cb_res - the ioctl's errno and the
 * NTSTATUS written back - and the tests assert both with ASSERT_RES(errno,
 * status, expr). Child processes never use the harness macros: they report
 * through pipes and their exit code. Threads other than the test's own
 * never assert either: they store what they saw for the test to check.
 */
#ifndef _CLIENTBUF_SRV_UTIL_H
#define _CLIENTBUF_SRV_UTIL_H

#include "clientbuf_util.h"

/* A package name no other test (or run) uses. */
static inline void srv_name(char *name, size_t len, const char *tag)
{
	static unsigned int n;

	snprintf(name, len, "%s.%d.%u", tag, (int)getpid(), n++);
}

/* ---- CLIENTBUF_IOC_SERVE / SERVER_OP ------------------------------------ */

/* Run @_ioc on the struct at @_arg (size set, status preset). */
#define __SRV_IOCTL(_fd, _ioc, _arg) ({					\
	struct cb_res __r = {};						\
	(_arg)->size = sizeof(*(_arg));					\
	(_arg)->status = 0xdeadbeef;					\
	__r.err = ioctl(_fd, _ioc, _arg) ? errno : 0;			\
	__r.status = (_arg)->status;					\
	__r;								\
})

static inline struct cb_res srv_serve_raw(int fd, struct clientbuf_serve *s)
{
	return __SRV_IOCTL(fd, CLIENTBUF_IOC_SERVE, s);
}

/*
 * CLIENTBUF_IOC_SERVE on the client fd *@fd. On success the client fd is
 * closed (that does not end the server) and *@fd is the new server fd, so
 * that a test's server variable names the fd it reads calls from and
 * answers them on; on failure *@fd is left alone.
 */
static inline struct cb_res srv_serve(int *fd, const char *name)
{
	struct clientbuf_serve s;
	struct cb_res r;

	memset(&s, 0, sizeof(s));
	memcpy(s.package, name, strnlen(name, sizeof(s.package) - 1));
	s.fd = -1;
	r = srv_serve_raw(*fd, &s);
	if (!r.err) {
		close(*fd);
		*fd = s.fd;
	}
	return r;
}

static inline struct cb_res srv_op_raw(int fd, struct clientbuf_server_op *o)
{
	return __SRV_IOCTL(fd, CLIENTBUF_IOC_SERVER_OP, o);
}

static inline struct clientbuf_server_op srv_op_init(__u32 op, __u64 call_id)
{
	struct clientbuf_server_op o;

	memset(&o, 0, sizeof(o));
	o.op = op;
	o.call_id = call_id;
	return o;
}

static inline struct cb_res srv_copy_to(int fd, __u64 id, __u64 caddr,
					 const void *src, __u32 len)
{
	struct clientbuf_server_op o = srv_op_init(CLIENTBUF_SRV_COPY_TO, id);

	o.client_addr = caddr;
	o.server_addr = (uintptr_t)src;
	o.len = len;
	return srv_op_raw(fd, &o);
}

static inline struct cb_res srv_copy_from(int fd, __u64 id, void *dst,
					   __u64 caddr, __u32 len)
{
	struct clientbuf_server_op o =
		srv_op_init(CLIENTBUF_SRV_COPY_FROM, id);

	o.client_addr = caddr;
	o.server_addr = (uintptr_t)dst;
	o.len = len;
	return srv_op_raw(fd, &o);
}

/* A vectored copy; *@index gets result_addr (the failing segment). */
static inline struct cb_res srv_copy_vec(int fd, __u64 id, __u32 op,
					  const struct clientbuf_segment *seg,
					  __u32 n, __u64 *index)
{
	struct clientbuf_server_op o = srv_op_init(op, id);
	struct cb_res r;

	o.server_addr = (uintptr_t)seg;
	o.len = n;
	o.result_addr = 0xdeadbeef;
	r = srv_op_raw(fd, &o);
	if (index)
		*index = o.result_addr;
	return r;
}

static inline struct cb_res srv_alloc(int fd, __u64 id, __u32 len,
				       __u64 *block)
{
	struct clientbuf_server_op o = srv_op_init(CLIENTBUF_SRV_ALLOC, id);
	struct cb_res r;

	o.len = len;
	o.result_addr = 0xdeadbeef;
	r = srv_op_raw(fd, &o);
	if (block)
		*block = o.result_addr;
	return r;
}

static inline struct cb_res srv_free(int fd, __u64 id, __u64 caddr)
{
	struct clientbuf_server_op o = srv_op_init(CLIENTBUF_SRV_FREE, id);

	o.client_addr = caddr;
	return srv_op_raw(fd, &o);
}

static inline struct cb_res srv_complete(int fd, __u64 id, __u32 status,
					  __u32 proto, __u64 ret_addr,
					  __u32 ret_len)
{
	struct clientbuf_server_op o =
		srv_op_init(CLIENTBUF_SRV_COMPLETE, id);

	o.call_status = status;
	o.protocol_status = proto;
	o.client_addr = ret_addr;
	o.len = ret_len;
	return srv_op_raw(fd, &o);
}

/* ---- CLIENTBUF_IOC_CALL_PACKAGE ----------------------------------------- */

struct srv_call {
	int err;
	struct clientbuf_call c;
};

static inline struct srv_call srv_call(int fd, const char *pkg,
				       const void *submit, __u32 len,
				       __u32 flags, __u32 ret_id)
{
	struct srv_call r;

	memset(&r, 0, sizeof(r));
	cb_call_init(&r.c, pkg, submit, len, flags, ret_id);
	r.err = ioctl(fd, CLIENTBUF_IOC_CALL_PACKAGE, &r.c) ? errno : 0;
	return r;
}

/* The outcome of srv_call() as a struct cb_res. */
static inline struct cb_res srv_call_res(const struct srv_call *c)
{
	struct cb_res r = cb_call_res(0, &c->c);

	r.err = c->err;
	return r;
}

/*
 * Leak check at the end of a test of a fixture with @fd (the client or
 * server fd, opened after the baseline was read) and @base: close the fd
 * and compare the live counters with the baseline.
 */
#define SRV_CHECK_LEAKS() do {						\
	if (self->fd >= 0) {						\
		close(self->fd);					\
		self->fd = -1;						\
	}								\
	ASSERT_LIVE_BASE(&self->base);					\
} while (0)

/* Read one completion record within @ms; 0 or an errno (ETIMEDOUT). */
static inline int srv_read_completion(int fd, struct clientbuf_completion *c,
				      int ms)
{
	ssize_t n;

	if (!(cb_poll(fd, POLLIN, ms) & POLLIN))
		return ETIMEDOUT;
	n = read(fd, c, sizeof(*c));
	if (n < 0)
		return errno;
	return n == sizeof(*c) ? 0 : EIO;
}

#endif /* _CLIENTBUF_SRV_UTIL_H */
