// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: ioctl dispatch - the one place that applies the ABI rules.
 *
 * Each file type (/dev/clientbuf in main.c, the server fd in server.c) has
 * a table listing every ioctl with the size of its struct, the smallest
 * size ever published, the offset of its status field, its reserved
 * fields, whether only the owner may issue it, and a handler that returns
 * an NTSTATUS. cb_ioctl_dispatch()
 * alone reads and checks the struct (copy_struct_from_user()), so each
 * handler sees a validated kernel copy; it then writes the status and the
 * struct back and turns the status into the errno.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include "internal.h"

#define CB_IOC_NOSIZE(cmd) ((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

static __u32 *cb_ioctl_field(union cb_ioctl_buffer *buf, u16 off)
{
	return (__u32 *)((char *)buf + off);
}

/**
 * cb_ioctl_dispatch() - run one ioctl of a table
 * @table: the file type's ioctls
 * @file: the file
 * @obj: the file's object (struct cb_client, struct cb_server)
 * @cmd: the ioctl number
 * @arg: the user struct
 *
 * Return: 0, the errno of the status the handler returned (or the errno it
 * left in ctx.err with a success status), -ENOTTY for an ioctl not in
 * @table, -EINVAL, -E2BIG or -EFAULT for a struct that cannot be read or
 * written back.
 */
long cb_ioctl_dispatch(const struct cb_ioctl_table *table, struct file *file,
		       void *obj, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct cb_ioctl_ctx ctx = { .obj = obj, .file = file, .new_fd = -1 };
	const struct cb_ioctl_op *op;
	union cb_ioctl_buffer buf;
	unsigned int i;
	ntstatus_t st;
	u32 usize, len;
	int ret;

	for (i = 0; i < table->nr_ops; i++)
		if (CB_IOC_NOSIZE(cmd) == CB_IOC_NOSIZE(table->ops[i].cmd))
			break;
	if (i == table->nr_ops)
		return -ENOTTY;
	op = &table->ops[i];

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < op->min_size)
		return -EINVAL;
	/*
	 * As clone3() and openat2(): no struct is ever that large, and
	 * copy_struct_from_user() would scan every byte past what we know.
	 */
	if (usize > PAGE_SIZE)
		return -E2BIG;
	/* fills all op->size bytes of @buf: zeroes what usize lacks */
	ret = copy_struct_from_user(&buf, op->size, uarg, usize);
	if (ret)
		return ret;
	/*
	 * The answer is written back after the handler ran: make sure it can
	 * be, so that an ioctl never takes effect and then fails with EFAULT.
	 * It spans at most two pages (usize <= PAGE_SIZE): its first and last
	 * byte are written back as they were read.
	 */
	len = min_t(u32, usize, op->size);
	if (put_user(((u8 *)&buf)[0], (u8 __user *)uarg) ||
	    put_user(((u8 *)&buf)[len - 1], (u8 __user *)uarg + len - 1))
		return -EFAULT;

	st = CB_STATUS_SUCCESS;
	if (op->owner_only && !table->is_owner(obj))
		st = CB_STATUS_ACCESS_DENIED;
	for (i = 0; i < ARRAY_SIZE(op->reserved) && st == CB_STATUS_SUCCESS; i++)
		if (op->reserved[i] && *cb_ioctl_field(&buf, op->reserved[i]))
			st = CB_STATUS_INVALID_PARAMETER;
	if (st == CB_STATUS_SUCCESS)
		st = op->execute(&ctx, &buf);
	if (op->status_off != CB_IOCTL_NO_STATUS)
		*cb_ioctl_field(&buf, op->status_off) = (__force __u32)st;
	/* Only a successful handler hands over a file. */
	WARN_ON_ONCE(ctx.new_file && st != CB_STATUS_SUCCESS);

	if (copy_to_user(uarg, &buf, len)) {
		/* The fd was never visible: take it back. */
		if (ctx.new_file) {
			put_unused_fd(ctx.new_fd);
			fput(ctx.new_file);
		}
		return -EFAULT;
	}
	if (ctx.new_file)
		fd_install(ctx.new_fd, ctx.new_file);
	if (st == CB_STATUS_SUCCESS && ctx.err)
		return ctx.err;
	return clientbuf_status_to_errno(st);
}
