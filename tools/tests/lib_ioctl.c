// SPDX-License-Identifier: GPL-2.0
/*
 * Host-run unit test of libclientbuf's ioctl wrappers; prints TAP.
 *
 * Linked with -Wl,--wrap=ioctl: __wrap_ioctl() plays the module, checking
 * what the library sends (command, size field, zeroed reserved fields) and
 * answering as the uapi header says the module does. clientbuf_wait_completion()
 * is tested on a pipe, which poll()s and read()s like the device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clientbuf.h"
#include "tap.h"

int __wrap_ioctl(int fd, unsigned long cmd, ...);


#define FAKE_FD		42
#define FAKE_SERVER_FD	44	/* what the fake SERVE returns */
#define FAKE_ID		7
#define FAKE_CALL	11

static unsigned long last_cmd;
static int fail_early;		/* answer -EINVAL without writing a status */
static int eintr_once;		/* fail the next ioctl with EINTR */
static struct clientbuf_server_op last_op;	/* last SERVER_OP sent */


static int fake_errno(__u32 status)
{
	int err = clientbuf_status_to_errno(status);

	if (!err)
		return 0;
	errno = -err;
	return -1;
}

int __wrap_ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	last_cmd = cmd;
	if (eintr_once) {
		eintr_once = 0;
		errno = EINTR;
		return -1;
	}
	if (fd != FAKE_FD) {
		errno = EBADF;
		return -1;
	}
	if (fail_early) {
		errno = EINVAL;
		return -1;
	}

	switch (cmd) {
	case CLIENTBUF_IOC_GET_INFO: {
		struct clientbuf_info *i = arg;

		if (i->size != sizeof(*i))
			break;
		i->abi_version = CLIENTBUF_ABI_VERSION;
		i->features = CLIENTBUF_FEAT_REGISTER;
		i->max_buffers = 16;
		return 0;
	}
	case CLIENTBUF_IOC_REGISTER: {
		struct clientbuf_register *r = arg;

		if (r->size != sizeof(*r) || r->id || r->status)
			break;
		if (r->flags & ~CLIENTBUF_BUF_FLAGS || !r->len) {
			r->status = CLIENTBUF_STATUS_INVALID_PARAMETER;
			return fake_errno(r->status);
		}
		r->id = FAKE_ID;
		r->status = CLIENTBUF_STATUS_SUCCESS;
		return 0;
	}
	case CLIENTBUF_IOC_UNREGISTER: {
		struct clientbuf_unregister *u = arg;

		if (u->size != sizeof(*u) || u->reserved || u->status)
			break;
		u->status = u->id == FAKE_ID ? CLIENTBUF_STATUS_SUCCESS :
			    CLIENTBUF_STATUS_INVALID_HANDLE;
		return fake_errno(u->status);
	}
	case CLIENTBUF_IOC_FREE: {
		struct clientbuf_free *f = arg;

		if (f->size != sizeof(*f) || f->reserved || f->status)
			break;
		f->status = f->id == FAKE_ID && f->addr == 0x1000 ?
			    CLIENTBUF_STATUS_SUCCESS :
			    CLIENTBUF_STATUS_INVALID_PARAMETER;
		return fake_errno(f->status);
	}
	case CLIENTBUF_IOC_CALL_PACKAGE: {
		struct clientbuf_call *c = arg;

		if (c->size != sizeof(*c) || c->reserved || c->status ||
		    c->request_id || c->return_len ||
		    !(c->flags & CLIENTBUF_CALL_FREE) != !c->return_addr ||
		    memchr(c->package, 0, sizeof(c->package)) == NULL)
			break;
		c->request_id = 99;
		if (strcmp(c->package, "echo")) {
			c->status = CLIENTBUF_STATUS_NO_SUCH_PACKAGE;
			return fake_errno(c->status);
		}
		if (c->flags & CLIENTBUF_CALL_ASYNC) {
			c->status = CLIENTBUF_STATUS_PENDING;
			return 0;
		}
		c->status = CLIENTBUF_STATUS_SUCCESS;
		c->protocol_status = CLIENTBUF_STATUS_BUFFER_TOO_SMALL;
		c->return_addr = c->submit_addr;
		c->return_len = c->submit_len + c->return_buf_id;
		return 0;
	}
	case CLIENTBUF_IOC_SERVE: {
		struct clientbuf_serve *sv = arg;

		if (sv->size != sizeof(*sv) || sv->flags || sv->fd != -1 ||
		    sv->status ||
		    memchr(sv->package, 0, sizeof(sv->package)) == NULL)
			break;
		sv->status = strcmp(sv->package, "taken") ?
			     CLIENTBUF_STATUS_SUCCESS :
			     CLIENTBUF_STATUS_OBJECT_NAME_COLLISION;
		if (sv->status == CLIENTBUF_STATUS_SUCCESS)
			sv->fd = FAKE_SERVER_FD;
		return fake_errno(sv->status);
	}
	case CLIENTBUF_IOC_SERVER_OP: {
		struct clientbuf_server_op *o = arg;

		if (o->size != sizeof(*o) || o->reserved || o->reserved2 ||
		    o->status || o->result_addr)
			break;
		last_op = *o;
		if (o->call_id != FAKE_CALL) {
			o->status = CLIENTBUF_STATUS_INVALID_HANDLE;
			return fake_errno(o->status);
		}
		if (o->op == CLIENTBUF_SRV_ALLOC)
			o->result_addr = 0x5000;
		if (o->op != CLIENTBUF_SRV_REPLY && (o->recv_addr || o->recv_len))
			break;
		if (o->op == CLIENTBUF_SRV_REPLY) {
			o->result_addr = o->len ? 0x6000 : 0;
			if (o->recv_len && o->call_status == 0x1234) {
				/* answered; the read found nothing */
				o->recv_len = 0;
				errno = EAGAIN;
				return -1;
			}
			if (o->recv_len)
				o->recv_len = 40;
		}
		if (o->op == CLIENTBUF_SRV_COMPLETE &&
		    o->call_status == CLIENTBUF_STATUS_PENDING)
			o->status = CLIENTBUF_STATUS_INVALID_PARAMETER;
		return fake_errno(o->status);
	}
	default:
		errno = ENOTTY;
		return -1;
	}
	/* the library sent something the module would refuse */
	errno = E2BIG;
	return -1;
}

static void test_ioctls(void)
{
	struct clientbuf_info info;
	struct clientbuf_call call;
	char data[] = "hello";
	char name[CLIENTBUF_PACKAGE_NAME_MAX + 1];
	__u32 id = 1234, st = 1234;
	int ret;

	memset(&info, 0xff, sizeof(info));
	ret = clientbuf_get_info(FAKE_FD, &info);
	check(!ret && last_cmd == CLIENTBUF_IOC_GET_INFO &&
	      info.abi_version == CLIENTBUF_ABI_VERSION &&
	      info.max_buffers == 16 && info.max_pending == 0,
	      "clientbuf_get_info sets size, clears the struct, returns the answer");
	check(clientbuf_get_info(FAKE_FD + 1, &info) == -EBADF,
	      "clientbuf_get_info on a bad fd is -EBADF");

	ret = clientbuf_register(FAKE_FD, data, sizeof(data),
				 CLIENTBUF_BUF_READ | CLIENTBUF_BUF_WRITE, &id, &st);
	check(!ret && id == FAKE_ID && st == CLIENTBUF_STATUS_SUCCESS,
	      "clientbuf_register returns the id and STATUS_SUCCESS");
	ret = clientbuf_register(FAKE_FD, data, 0, CLIENTBUF_BUF_READ, &id, &st);
	check(ret == -EINVAL && id == 0 &&
	      st == CLIENTBUF_STATUS_INVALID_PARAMETER,
	      "clientbuf_register failure: -EINVAL, id 0, the module's status");
	check(!clientbuf_register(FAKE_FD, data, 1, CLIENTBUF_BUF_READ, NULL, NULL),
	      "clientbuf_register accepts NULL id and status pointers");
	fail_early = 1;
	ret = clientbuf_register(FAKE_FD, data, 1, CLIENTBUF_BUF_READ, &id, &st);
	fail_early = 0;
	check(ret == -EINVAL && st == CLIENTBUF_STATUS_UNSUCCESSFUL,
	      "status not written by the kernel becomes STATUS_UNSUCCESSFUL");
	eintr_once = 1;
	ret = clientbuf_register(FAKE_FD, data, 1, CLIENTBUF_BUF_READ, &id, &st);
	check(ret == -EINTR && st == CLIENTBUF_STATUS_UNSUCCESSFUL,
	      "an interrupted ioctl is -EINTR, not retried");

	check(!clientbuf_unregister(FAKE_FD, FAKE_ID, &st) &&
	      st == CLIENTBUF_STATUS_SUCCESS,
	      "clientbuf_unregister of a live id");
	check(clientbuf_unregister(FAKE_FD, 3, &st) == -ENOENT &&
	      st == CLIENTBUF_STATUS_INVALID_HANDLE,
	      "clientbuf_unregister of a stale id: -ENOENT, STATUS_INVALID_HANDLE");
	check(!clientbuf_free(FAKE_FD, FAKE_ID, (void *)0x1000, &st) &&
	      st == CLIENTBUF_STATUS_SUCCESS, "clientbuf_free of a block");
	check(clientbuf_free(FAKE_FD, FAKE_ID, (void *)0x2000, &st) == -EINVAL &&
	      st == CLIENTBUF_STATUS_INVALID_PARAMETER,
	      "clientbuf_free of a non-block: -EINVAL, STATUS_INVALID_PARAMETER");

	ret = clientbuf_call(FAKE_FD, "echo", data, 5, 3, 0, &call);
	check(!ret && call.status == CLIENTBUF_STATUS_SUCCESS &&
	      call.protocol_status == CLIENTBUF_STATUS_BUFFER_TOO_SMALL &&
	      call.return_addr == (uintptr_t)data && call.return_len == 8 &&
	      call.request_id == 99 && call.flags == 0 &&
	      !strcmp(call.package, "echo"),
	      "clientbuf_call fills the struct and returns the kernel's answer");
	ret = clientbuf_call(FAKE_FD, "echo", NULL, 0, 0, CLIENTBUF_CALL_ASYNC, &call);
	check(!ret && call.status == CLIENTBUF_STATUS_PENDING &&
	      call.flags == CLIENTBUF_CALL_ASYNC,
	      "asynchronous clientbuf_call returns 0 with STATUS_PENDING");
	ret = clientbuf_call(FAKE_FD, "nope", data, 5, 0, 0, &call);
	check(ret == -ENOPKG && call.status == CLIENTBUF_STATUS_NO_SUCH_PACKAGE &&
	      call.request_id == 99,
	      "clientbuf_call failure: -ENOPKG, out fields written");

	memset(name, 'a', CLIENTBUF_PACKAGE_NAME_MAX - 1);
	name[CLIENTBUF_PACKAGE_NAME_MAX - 1] = '\0';
	ret = clientbuf_call(FAKE_FD, name, data, 5, 0, 0, &call);
	check(ret == -ENOPKG && last_cmd == CLIENTBUF_IOC_CALL_PACKAGE,
	      "a package name of CLIENTBUF_PACKAGE_NAME_MAX - 1 bytes is sent");
	memset(name, 'a', CLIENTBUF_PACKAGE_NAME_MAX);
	name[CLIENTBUF_PACKAGE_NAME_MAX] = '\0';
	last_cmd = 0;
	ret = clientbuf_call(FAKE_FD, name, data, 5, 0, 0, &call);
	check(ret == -ENAMETOOLONG && last_cmd == 0 &&
	      call.status == CLIENTBUF_STATUS_INVALID_PARAMETER,
	      "a longer package name is refused without an ioctl");
	ret = clientbuf_call_free(FAKE_FD, "echo", data, 5, 3, 0, 0x7000,
				  &call);
	check(!ret && call.status == CLIENTBUF_STATUS_SUCCESS &&
	      call.flags == CLIENTBUF_CALL_FREE,
	      "clientbuf_call_free sends CLIENTBUF_CALL_FREE and the block");
	ret = clientbuf_call_free(FAKE_FD, "echo", data, 5, 3, 0, 0, &call);
	check(!ret && call.flags == 0,
	      "clientbuf_call_free of no block is clientbuf_call");
	check(clientbuf_call(FAKE_FD, NULL, data, 5, 0, 0, &call) == -EINVAL &&
	      clientbuf_call(FAKE_FD, "echo", data, 5, 0, 0, NULL) == -EINVAL,
	      "clientbuf_call refuses NULL package and out");
}

static void test_wait(void)
{
	struct clientbuf_completion in, out;
	int p[2];

	if (pipe(p)) {
		check(0, "pipe: %s", strerror(errno));
		return;
	}
	check(clientbuf_wait_completion(p[0], &out, 0) == -ETIMEDOUT,
	      "clientbuf_wait_completion with nothing queued and timeout 0");
	check(clientbuf_wait_completion(p[0], &out, 50) == -ETIMEDOUT,
	      "clientbuf_wait_completion times out after 50 ms");

	memset(&in, 0, sizeof(in));
	in.request_id = 5;
	in.status = CLIENTBUF_STATUS_SUCCESS;
	in.return_len = 12;
	in.return_addr = 0x1000;
	if (write(p[1], &in, sizeof(in)) != sizeof(in) ||
	    write(p[1], &in, sizeof(in)) != sizeof(in))
		check(0, "write to pipe");
	memset(&out, 0, sizeof(out));
	check(!clientbuf_wait_completion(p[0], &out, 1000) &&
	      !memcmp(&in, &out, sizeof(in)),
	      "clientbuf_wait_completion reads one whole record");
	memset(&out, 0, sizeof(out));
	check(!clientbuf_wait_completion(p[0], &out, -1) &&
	      !memcmp(&in, &out, sizeof(in)),
	      "the second record is read by the next call");
	check(clientbuf_wait_completion(p[0], &out, 0) == -ETIMEDOUT,
	      "no third record");

	if (write(p[1], &in, 8) != 8)
		check(0, "write to pipe");
	check(clientbuf_wait_completion(p[0], &out, 1000) == -EIO,
	      "a short record is -EIO");
	close(p[1]);
	check(clientbuf_wait_completion(p[0], &out, 1000) == -EIO,
	      "a hung-up fd is -EIO");
	close(p[0]);
	check(clientbuf_wait_completion(p[0], &out, 1000) == -EBADF,
	      "a closed fd is -EBADF");
}

static void test_server(void)
{
	struct clientbuf_server_op op;
	union {
		struct clientbuf_server_call hdr;
		char raw[64];
	} rec;
	char name[CLIENTBUF_PACKAGE_NAME_MAX + 1];
	char data[8] = "abcdefg";
	__u64 addr = 1;
	__u32 st = 1234;
	int p[2];

	check(clientbuf_serve(FAKE_FD, "mypkg", &st) == FAKE_SERVER_FD &&
	      last_cmd == CLIENTBUF_IOC_SERVE && st == CLIENTBUF_STATUS_SUCCESS,
	      "clientbuf_serve sends CLIENTBUF_IOC_SERVE, returns the server fd");
	check(clientbuf_serve(FAKE_FD, "taken", &st) == -EEXIST &&
	      st == CLIENTBUF_STATUS_OBJECT_NAME_COLLISION,
	      "clientbuf_serve of a taken name: -EEXIST, OBJECT_NAME_COLLISION");
	memset(name, 'a', CLIENTBUF_PACKAGE_NAME_MAX);
	name[CLIENTBUF_PACKAGE_NAME_MAX] = '\0';
	last_cmd = 0;
	check(clientbuf_serve(FAKE_FD, name, &st) == -ENAMETOOLONG &&
	      st == CLIENTBUF_STATUS_INVALID_PARAMETER && last_cmd == 0 &&
	      clientbuf_serve(FAKE_FD, "", &st) == -EINVAL &&
	      clientbuf_serve(FAKE_FD, NULL, NULL) == -EINVAL && last_cmd == 0,
	      "clientbuf_serve refuses bad names without an ioctl");
	check(clientbuf_serve(FAKE_FD + 1, "x", &st) == -EBADF &&
	      st == CLIENTBUF_STATUS_UNSUCCESSFUL,
	      "clientbuf_serve on a bad fd: -EBADF, STATUS_UNSUCCESSFUL");

	check(!clientbuf_server_copy_to(FAKE_FD, FAKE_CALL, 0x1000, data, 7, &st) &&
	      st == CLIENTBUF_STATUS_SUCCESS &&
	      last_op.op == CLIENTBUF_SRV_COPY_TO &&
	      last_op.client_addr == 0x1000 &&
	      last_op.server_addr == (uintptr_t)data && last_op.len == 7,
	      "clientbuf_server_copy_to fills the op");
	check(!clientbuf_server_copy_from(FAKE_FD, FAKE_CALL, data, 0x2000, 3, NULL) &&
	      last_op.op == CLIENTBUF_SRV_COPY_FROM &&
	      last_op.client_addr == 0x2000 &&
	      last_op.server_addr == (uintptr_t)data && last_op.len == 3,
	      "clientbuf_server_copy_from fills the op");
	check(!clientbuf_server_alloc(FAKE_FD, FAKE_CALL, 16, &addr, &st) &&
	      addr == 0x5000 && last_op.op == CLIENTBUF_SRV_ALLOC &&
	      last_op.len == 16, "clientbuf_server_alloc returns the block");
	check(clientbuf_server_alloc(FAKE_FD, FAKE_CALL + 1, 16, &addr, &st) ==
	      -ENOENT && addr == 0 && st == CLIENTBUF_STATUS_INVALID_HANDLE,
	      "clientbuf_server_alloc with a stale call id: -ENOENT, address 0");
	check(!clientbuf_server_free(FAKE_FD, FAKE_CALL, 0x5000, NULL) &&
	      last_op.op == CLIENTBUF_SRV_FREE && last_op.client_addr == 0x5000,
	      "clientbuf_server_free fills the op");
	check(!clientbuf_server_complete(FAKE_FD, FAKE_CALL, 0,
					 CLIENTBUF_STATUS_BUFFER_TOO_SMALL, 0x5000, 9,
					 &st) &&
	      last_op.op == CLIENTBUF_SRV_COMPLETE && last_op.call_status == 0 &&
	      last_op.protocol_status == CLIENTBUF_STATUS_BUFFER_TOO_SMALL &&
	      last_op.client_addr == 0x5000 && last_op.len == 9,
	      "clientbuf_server_complete fills the op");
	check(clientbuf_server_complete(FAKE_FD, FAKE_CALL, CLIENTBUF_STATUS_PENDING,
					0, 0, 0, &st) == -EINVAL &&
	      st == CLIENTBUF_STATUS_INVALID_PARAMETER,
	      "clientbuf_server_complete with STATUS_PENDING: -EINVAL");
	memset(&op, 0xff, sizeof(op));
	op.op = CLIENTBUF_SRV_FREE;
	op.call_id = FAKE_CALL;
	op.reserved = 0;
	op.reserved2 = 0;
	op.recv_addr = 0;
	op.recv_len = 0;
	op.reserved3 = 0;
	check(!clientbuf_server_op(FAKE_FD, &op) && op.size == sizeof(op) &&
	      op.status == CLIENTBUF_STATUS_SUCCESS,
	      "clientbuf_server_op sets size and clears the out fields");
	check(clientbuf_server_op(FAKE_FD, NULL) == -EINVAL, "clientbuf_server_op(NULL)");

	addr = 1;
	check(clientbuf_server_reply(FAKE_FD, FAKE_CALL, 0, 5, data, 6, &addr,
				     NULL, 0, &st) == 0 &&
	      st == CLIENTBUF_STATUS_SUCCESS && addr == 0x6000 &&
	      last_op.op == CLIENTBUF_SRV_REPLY && last_op.len == 6 &&
	      last_op.server_addr == (uintptr_t)data &&
	      last_op.protocol_status == 5 && !last_op.recv_addr &&
	      !last_op.recv_len && !last_op.client_addr,
	      "clientbuf_server_reply without a read fills the op");
	check(clientbuf_server_reply(FAKE_FD, FAKE_CALL, 0, 0, data, 6, &addr,
				     &rec, sizeof(rec), &st) == 40 &&
	      st == CLIENTBUF_STATUS_SUCCESS && addr == 0x6000 &&
	      last_op.recv_addr == (uintptr_t)&rec &&
	      last_op.recv_len == sizeof(rec),
	      "clientbuf_server_reply returns the next record's length");
	check(clientbuf_server_reply(FAKE_FD, FAKE_CALL, 0x1234, 0, NULL, 0,
				     &addr, &rec, sizeof(rec), &st) ==
	      -EAGAIN && st == CLIENTBUF_STATUS_SUCCESS && addr == 0,
	      "clientbuf_server_reply: answered, read failed: -EAGAIN, SUCCESS");
	check(clientbuf_server_reply(FAKE_FD, FAKE_CALL + 1, 0, 0, data, 6,
				     &addr, &rec, sizeof(rec), &st) ==
	      -ENOENT && st == CLIENTBUF_STATUS_INVALID_HANDLE && addr == 0,
	      "clientbuf_server_reply with a stale call: -ENOENT");
	check(clientbuf_server_reply(FAKE_FD + 1, FAKE_CALL, 0, 0, data, 6,
				     &addr, &rec, sizeof(rec), &st) ==
	      -EBADF && st == CLIENTBUF_STATUS_UNSUCCESSFUL,
	      "clientbuf_server_reply on a bad fd: -EBADF, UNSUCCESSFUL");

	if (pipe(p)) {
		check(0, "pipe: %s", strerror(errno));
		return;
	}
	memset(&rec, 0, sizeof(rec));
	rec.hdr.call_id = 3;
	rec.hdr.submit_len = 5;
	memcpy(rec.raw + sizeof(rec.hdr), "hello", 5);
	if (write(p[1], &rec, sizeof(rec.hdr) + 5) != sizeof(rec.hdr) + 5)
		check(0, "write to pipe");
	memset(&rec, 0, sizeof(rec));
	check(clientbuf_server_recv(p[0], &rec, sizeof(rec)) ==
	      (ssize_t)sizeof(rec.hdr) + 5 && rec.hdr.call_id == 3 &&
	      !memcmp(rec.raw + sizeof(rec.hdr), "hello", 5),
	      "clientbuf_server_recv returns one record");
	rec.hdr.submit_len = 9;
	if (write(p[1], &rec, sizeof(rec.hdr) + 5) != sizeof(rec.hdr) + 5)
		check(0, "write to pipe");
	check(clientbuf_server_recv(p[0], &rec, sizeof(rec)) == -EIO,
	      "clientbuf_server_recv: a record shorter than its submit_len is -EIO");
	close(p[1]);
	close(p[0]);
	check(clientbuf_server_recv(p[0], &rec, sizeof(rec)) == -EBADF,
	      "clientbuf_server_recv on a closed fd is -EBADF");
}

int main(void)
{
	printf("TAP version 13\n");
	test_ioctls();
	test_wait();
	test_server();
	return tap_done();
}
