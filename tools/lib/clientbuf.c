// SPDX-License-Identifier: GPL-2.0
/*
 * libclientbuf: wrappers around the /dev/clientbuf ioctls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "clientbuf.h"

static inline __u64 cb_ptr(const void *p)
{
	return (__u64)(uintptr_t)p;
}

/*
 * The kernel writes a status back once the struct passed its size checks,
 * and never writes STATUS_SUCCESS for a failed ioctl. A failed ioctl whose
 * status is still the zero we sent therefore never reached the module's
 * handler (bad fd, not our device, size refused): say so with
 * STATUS_UNSUCCESSFUL rather than leave a misleading STATUS_SUCCESS.
 */
static void cb_fix_status(int ret, __u32 *status)
{
	if (ret < 0 && *status == CLIENTBUF_STATUS_SUCCESS)
		*status = CLIENTBUF_STATUS_UNSUCCESSFUL;
}

/*
 * -EINTR is handed back, not retried: the module may have acted on the
 * ioctl already (a package call cannot be blindly repeated).
 */
static int cb_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int clientbuf_open(void)
{
	int fd = open(CLIENTBUF_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int clientbuf_close(int fd)
{
	/* Never retry close() on EINTR: the fd is gone either way on Linux. */
	return close(fd) < 0 ? -errno : 0;
}

int clientbuf_get_info(int fd, struct clientbuf_info *info)
{
	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return cb_ioctl(fd, CLIENTBUF_IOC_GET_INFO, info);
}

int clientbuf_register(int fd, void *addr, size_t len, unsigned int flags,
		       __u32 *id, __u32 *status)
{
	struct clientbuf_register r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.flags = flags;
	r.addr = cb_ptr(addr);
	r.len = len;
	ret = cb_ioctl(fd, CLIENTBUF_IOC_REGISTER, &r);
	cb_fix_status(ret, &r.status);
	if (id)
		*id = ret ? 0 : r.id;
	if (status)
		*status = r.status;
	return ret;
}

int clientbuf_unregister(int fd, __u32 id, __u32 *status)
{
	struct clientbuf_unregister u;
	int ret;

	memset(&u, 0, sizeof(u));
	u.size = sizeof(u);
	u.id = id;
	ret = cb_ioctl(fd, CLIENTBUF_IOC_UNREGISTER, &u);
	cb_fix_status(ret, &u.status);
	if (status)
		*status = u.status;
	return ret;
}

int clientbuf_free(int fd, __u32 id, void *addr, __u32 *status)
{
	struct clientbuf_free f;
	int ret;

	memset(&f, 0, sizeof(f));
	f.size = sizeof(f);
	f.id = id;
	f.addr = cb_ptr(addr);
	ret = cb_ioctl(fd, CLIENTBUF_IOC_FREE, &f);
	cb_fix_status(ret, &f.status);
	if (status)
		*status = f.status;
	return ret;
}

static int cb_call(int fd, const char *package, const void *submit,
		   __u32 submit_len, __u32 return_buf_id, unsigned int flags,
		   __u64 free_addr, struct clientbuf_call *out)
{
	size_t name_len;
	int ret;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	if (!package) {
		out->status = CLIENTBUF_STATUS_INVALID_PARAMETER;
		return -EINVAL;
	}
	name_len = strnlen(package, CLIENTBUF_PACKAGE_NAME_MAX);
	if (name_len >= CLIENTBUF_PACKAGE_NAME_MAX) {
		out->status = CLIENTBUF_STATUS_INVALID_PARAMETER;
		return -ENAMETOOLONG;
	}
	memcpy(out->package, package, name_len);
	out->flags = flags;
	out->submit_addr = cb_ptr(submit);
	out->submit_len = submit_len;
	out->return_buf_id = return_buf_id;
	out->return_addr = free_addr;
	ret = cb_ioctl(fd, CLIENTBUF_IOC_CALL_PACKAGE, out);
	cb_fix_status(ret, &out->status);
	return ret;
}

int clientbuf_call(int fd, const char *package, const void *submit,
		   __u32 submit_len, __u32 return_buf_id, unsigned int flags,
		   struct clientbuf_call *out)
{
	return cb_call(fd, package, submit, submit_len, return_buf_id, flags,
		       0, out);
}

int clientbuf_call_free(int fd, const char *package, const void *submit,
			__u32 submit_len, __u32 return_buf_id,
			unsigned int flags, __u64 free_addr,
			struct clientbuf_call *out)
{
	if (!free_addr)
		return clientbuf_call(fd, package, submit, submit_len,
				      return_buf_id, flags, out);
	return cb_call(fd, package, submit, submit_len, return_buf_id,
		       flags | CLIENTBUF_CALL_FREE, free_addr, out);
}

static long long cb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int clientbuf_wait_completion(int fd, struct clientbuf_completion *c,
			      int timeout_ms)
{
	long long deadline = 0;
	struct pollfd pfd;
	ssize_t n;
	int ret;

	if (!c)
		return -EINVAL;
	if (timeout_ms > 0)
		deadline = cb_now_ms() + timeout_ms;

	for (;;) {
		int wait = timeout_ms;

		if (timeout_ms > 0) {
			long long left = deadline - cb_now_ms();

			wait = left > 0 ? (int)left : 0;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		ret = poll(&pfd, 1, wait);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (ret == 0)
			return -ETIMEDOUT;
		if (pfd.revents & POLLNVAL)
			return -EBADF;
		if (!(pfd.revents & POLLIN))
			return -EIO;	/* POLLERR or POLLHUP alone */

		n = read(fd, c, sizeof(*c));
		if (n < 0) {
			/* Another thread took the record: wait again. */
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if ((size_t)n != sizeof(*c))
			return -EIO;	/* read() returns whole records only */
		return 0;
	}
}

/* ---- package servers ---------------------------------------------------- */

int clientbuf_serve(int fd, const char *package, __u32 *status)
{
	struct clientbuf_serve s;
	size_t name_len;
	int ret;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	if (!package || !*package) {
		ret = -EINVAL;
		s.status = CLIENTBUF_STATUS_INVALID_PARAMETER;
		goto out;
	}
	name_len = strnlen(package, CLIENTBUF_PACKAGE_NAME_MAX);
	if (name_len >= CLIENTBUF_PACKAGE_NAME_MAX) {
		ret = -ENAMETOOLONG;
		s.status = CLIENTBUF_STATUS_INVALID_PARAMETER;
		goto out;
	}
	memcpy(s.package, package, name_len);
	s.fd = -1;
	ret = cb_ioctl(fd, CLIENTBUF_IOC_SERVE, &s);
	cb_fix_status(ret, &s.status);
	if (!ret)
		ret = s.fd;
out:
	if (status)
		*status = s.status;
	return ret;
}

ssize_t clientbuf_server_recv(int fd, void *buf, size_t len)
{
	const struct clientbuf_server_call *hdr = buf;
	ssize_t n;

	if (!buf)
		return -EINVAL;
	n = read(fd, buf, len);
	if (n < 0)
		return -errno;
	/* read() on a server fd returns exactly one whole record */
	if ((size_t)n < sizeof(*hdr) ||
	    (size_t)n - sizeof(*hdr) != hdr->submit_len)
		return -EIO;
	return n;
}

int clientbuf_server_op(int fd, struct clientbuf_server_op *op)
{
	int ret;

	if (!op)
		return -EINVAL;
	op->size = sizeof(*op);
	op->status = CLIENTBUF_STATUS_SUCCESS;
	op->result_addr = 0;
	ret = cb_ioctl(fd, CLIENTBUF_IOC_SERVER_OP, op);
	cb_fix_status(ret, &op->status);
	return ret;
}

static int cb_server_run(int fd, struct clientbuf_server_op *op,
			 __u32 *status)
{
	int ret = clientbuf_server_op(fd, op);

	if (status)
		*status = op->status;
	return ret;
}

static void cb_server_op_init(struct clientbuf_server_op *op, __u32 code,
			      __u64 call_id)
{
	memset(op, 0, sizeof(*op));
	op->op = code;
	op->call_id = call_id;
}

int clientbuf_server_copy_to(int fd, __u64 call_id, __u64 client_addr,
			     const void *src, __u32 len, __u32 *status)
{
	struct clientbuf_server_op op;

	cb_server_op_init(&op, CLIENTBUF_SRV_COPY_TO, call_id);
	op.client_addr = client_addr;
	op.server_addr = cb_ptr(src);
	op.len = len;
	return cb_server_run(fd, &op, status);
}

int clientbuf_server_copy_from(int fd, __u64 call_id, void *dst,
			       __u64 client_addr, __u32 len, __u32 *status)
{
	struct clientbuf_server_op op;

	cb_server_op_init(&op, CLIENTBUF_SRV_COPY_FROM, call_id);
	op.client_addr = client_addr;
	op.server_addr = cb_ptr(dst);
	op.len = len;
	return cb_server_run(fd, &op, status);
}

int clientbuf_server_alloc(int fd, __u64 call_id, __u32 len, __u64 *client_addr,
			   __u32 *status)
{
	struct clientbuf_server_op op;
	int ret;

	cb_server_op_init(&op, CLIENTBUF_SRV_ALLOC, call_id);
	op.len = len;
	ret = cb_server_run(fd, &op, status);
	if (client_addr)
		*client_addr = ret ? 0 : op.result_addr;
	return ret;
}

int clientbuf_server_free(int fd, __u64 call_id, __u64 client_addr,
			  __u32 *status)
{
	struct clientbuf_server_op op;

	cb_server_op_init(&op, CLIENTBUF_SRV_FREE, call_id);
	op.client_addr = client_addr;
	return cb_server_run(fd, &op, status);
}

int clientbuf_server_complete(int fd, __u64 call_id, __u32 call_status,
			      __u32 protocol_status, __u64 return_addr,
			      __u32 return_len, __u32 *status)
{
	struct clientbuf_server_op op;

	cb_server_op_init(&op, CLIENTBUF_SRV_COMPLETE, call_id);
	op.call_status = call_status;
	op.protocol_status = protocol_status;
	op.client_addr = return_addr;
	op.len = return_len;
	return cb_server_run(fd, &op, status);
}

ssize_t clientbuf_server_reply(int fd, __u64 call_id, __u32 call_status,
			       __u32 protocol_status, const void *answer,
			       __u32 len, __u64 *client_addr, void *buf,
			       size_t buf_len, __u32 *status)
{
	struct clientbuf_server_op op;
	bool recv = buf && buf_len;
	int ret;

	cb_server_op_init(&op, CLIENTBUF_SRV_REPLY, call_id);
	op.size = sizeof(op);
	op.call_status = call_status;
	op.protocol_status = protocol_status;
	op.server_addr = cb_ptr(answer);
	op.len = len;
	if (recv) {
		op.recv_addr = cb_ptr(buf);
		op.recv_len = buf_len > UINT32_MAX ? UINT32_MAX :
			      (__u32)buf_len;
	}
	ret = cb_ioctl(fd, CLIENTBUF_IOC_SERVER_OP, &op);
	/*
	 * The answer went through and the read failed: the module wrote
	 * SUCCESS and a recv_len of 0. Else a failure without a status
	 * written is UNSUCCESSFUL, as everywhere.
	 */
	if (!(ret < 0 && recv && op.status == CLIENTBUF_STATUS_SUCCESS &&
	      !op.recv_len))
		cb_fix_status(ret, &op.status);
	if (status)
		*status = op.status;
	if (client_addr)
		*client_addr = op.status == CLIENTBUF_STATUS_SUCCESS && len ?
			       op.result_addr : 0;
	return ret ? ret : (ssize_t)op.recv_len;
}
