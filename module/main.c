// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: the /dev/clientbuf misc device and its ioctl dispatch.
 *
 * One table lists every ioctl with the size of its struct and the smallest
 * size ever published; cb_ioctl() alone reads and checks the struct
 * (copy_struct_from_user()), so each handler sees a validated kernel copy,
 * and writes it back afterwards.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include "internal.h"

#define CREATE_TRACE_POINTS
#include "clientbuf_trace.h"

unsigned int cb_max_buffers = 64;
module_param_named(max_buffers, cb_max_buffers, uint, 0644);
MODULE_PARM_DESC(max_buffers, "Buffers one client may register (64)");

unsigned long cb_max_buffer_bytes = SZ_1G;
module_param_named(max_buffer_bytes, cb_max_buffer_bytes, ulong, 0644);
MODULE_PARM_DESC(max_buffer_bytes,
		 "Total bytes one client may register (1 GiB)");

unsigned int cb_max_allocs = 256;
module_param_named(max_allocs, cb_max_allocs, uint, 0644);
MODULE_PARM_DESC(max_allocs, "Live allocated blocks per ALLOC buffer (256)");

unsigned int cb_max_submit_len = SZ_64K;
module_param_named(max_submit_len, cb_max_submit_len, uint, 0644);
MODULE_PARM_DESC(max_submit_len, "Largest submit buffer of a call (64 KiB)");

unsigned int cb_max_pending = 64;
module_param_named(max_pending, cb_max_pending, uint, 0644);
MODULE_PARM_DESC(max_pending, "Asynchronous calls pending per client (64)");

unsigned int cb_max_completions = 1024;
module_param_named(max_completions, cb_max_completions, uint, 0644);
MODULE_PARM_DESC(max_completions,
		 "Asynchronous calls pending or unread per user (1024)");

union cb_ioctl_buffer {
	struct clientbuf_info info;
	struct clientbuf_register reg;
	struct clientbuf_unregister unreg;
	struct clientbuf_call call;
	struct clientbuf_free free;
	struct clientbuf_serve serve;
	struct clientbuf_server_op srv_op;
};

/**
 * struct cb_ioctl_op - one ioctl
 * @cmd: the ioctl number (its size bits are not compared: the struct's own
 *	size field governs)
 * @size: sizeof the struct this module knows
 * @min_size: size of the first published version of the struct
 * @owner_only: only the process that opened the device may use it
 * @execute: the handler; returns 0 or a negative errno
 */
struct cb_ioctl_op {
	unsigned int cmd;
	unsigned int size;
	unsigned int min_size;
	bool owner_only;
	int (*execute)(struct cb_client *client, union cb_ioctl_buffer *buf);
};

/* Set @status and return its errno: the result of a status-bearing ioctl. */
static int cb_result(__u32 *status, ntstatus_t st)
{
	*status = (__force __u32)st;
	return clientbuf_status_to_errno(st);
}

static int cb_ioctl_get_info(struct cb_client *client,
			     union cb_ioctl_buffer *buf)
{
	struct clientbuf_info *info = &buf->info;
	unsigned long memlock;

	info->abi_version = CLIENTBUF_ABI_VERSION;
	info->features = CLIENTBUF_FEAT_REGISTER | CLIENTBUF_FEAT_CALL_SYNC |
			 CLIENTBUF_FEAT_CALL_ASYNC | CLIENTBUF_FEAT_ALLOC |
			 CLIENTBUF_FEAT_SERVER | CLIENTBUF_FEAT_PIN;
	info->max_buffers = READ_ONCE(cb_max_buffers);
	info->max_allocs = READ_ONCE(cb_max_allocs);
	info->max_buffer_bytes = READ_ONCE(cb_max_buffer_bytes);
	info->max_submit_len = READ_ONCE(cb_max_submit_len);
	info->max_pending = READ_ONCE(cb_max_pending);

	mutex_lock(&client->reg_lock);
	info->nr_buffers = client->nr_buffers;
	info->buffer_bytes = client->total_bytes;
	info->pinned_pages = client->pinned_pages;
	mutex_unlock(&client->reg_lock);

	info->user_locked_pages = atomic_long_read(&current_user()->locked_vm);
	memlock = rlimit(RLIMIT_MEMLOCK);
	info->memlock_limit = memlock == RLIM_INFINITY ||
			      cb_pin_unlimited() ? U64_MAX : memlock;
	info->max_completions = READ_ONCE(cb_max_completions);
	return 0;
}

static int cb_ioctl_register(struct cb_client *client,
			     union cb_ioctl_buffer *buf)
{
	struct clientbuf_register *reg = &buf->reg;
	int ret;

	ret = cb_result(&reg->status, cb_buffer_register(client, reg));
	trace_clientbuf_register(task_tgid_vnr(current), reg->id, reg->addr,
				 reg->len, reg->flags, reg->status);
	return ret;
}

static int cb_ioctl_unregister(struct cb_client *client,
			       union cb_ioctl_buffer *buf)
{
	struct clientbuf_unregister *unreg = &buf->unreg;

	int ret;

	if (unreg->reserved)
		return cb_result(&unreg->status, STATUS_INVALID_PARAMETER);
	ret = cb_result(&unreg->status,
			cb_buffer_unregister(client, unreg->id));
	trace_clientbuf_unregister(task_tgid_vnr(current), unreg->id,
				   unreg->status);
	return ret;
}

static int cb_ioctl_free(struct cb_client *client, union cb_ioctl_buffer *buf)
{
	struct clientbuf_free *fr = &buf->free;

	if (fr->reserved)
		return cb_result(&fr->status, STATUS_INVALID_PARAMETER);
	return cb_result(&fr->status,
			 cb_client_free_block(client, fr->id, fr->addr));
}

static int cb_ioctl_call_package(struct cb_client *client,
				 union cb_ioctl_buffer *buf)
{
	return cb_ioctl_call(client, &buf->call);
}

static int cb_ioctl_serve_op(struct cb_client *client,
			     union cb_ioctl_buffer *buf)
{
	return cb_ioctl_serve(client, &buf->serve);
}

static int cb_ioctl_srv_op(struct cb_client *client,
			   union cb_ioctl_buffer *buf)
{
	return cb_ioctl_server_op(client, &buf->srv_op);
}

#define CB_IOCTL_OP(_ioctl, _fn, _struct, _last, _owner)		\
	[_IOC_NR(_ioctl)] = {						\
		.cmd = _ioctl,						\
		.size = sizeof(_struct),				\
		.min_size = offsetofend(_struct, _last),		\
		.owner_only = _owner,					\
		.execute = _fn,						\
	}

static const struct cb_ioctl_op cb_ioctl_ops[] = {
	CB_IOCTL_OP(CLIENTBUF_IOC_GET_INFO, cb_ioctl_get_info,
		    struct clientbuf_info, max_pending, false),
	CB_IOCTL_OP(CLIENTBUF_IOC_REGISTER, cb_ioctl_register,
		    struct clientbuf_register, status, true),
	CB_IOCTL_OP(CLIENTBUF_IOC_UNREGISTER, cb_ioctl_unregister,
		    struct clientbuf_unregister, reserved, true),
	CB_IOCTL_OP(CLIENTBUF_IOC_CALL_PACKAGE, cb_ioctl_call_package,
		    struct clientbuf_call, reserved, true),
	CB_IOCTL_OP(CLIENTBUF_IOC_FREE, cb_ioctl_free,
		    struct clientbuf_free, reserved, true),
	CB_IOCTL_OP(CLIENTBUF_IOC_SERVE, cb_ioctl_serve_op,
		    struct clientbuf_serve, reserved, true),
	CB_IOCTL_OP(CLIENTBUF_IOC_SERVER_OP, cb_ioctl_srv_op,
		    struct clientbuf_server_op, reserved2, true),
};

#define CB_IOC_NOSIZE(cmd) ((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

/* The status field of a status-bearing struct, for the owner check. */
static __u32 *cb_ioctl_status(unsigned int nr, union cb_ioctl_buffer *buf)
{
	switch (nr) {
	case _IOC_NR(CLIENTBUF_IOC_REGISTER):
		return &buf->reg.status;
	case _IOC_NR(CLIENTBUF_IOC_UNREGISTER):
		return &buf->unreg.status;
	case _IOC_NR(CLIENTBUF_IOC_CALL_PACKAGE):
		return &buf->call.status;
	case _IOC_NR(CLIENTBUF_IOC_FREE):
		return &buf->free.status;
	case _IOC_NR(CLIENTBUF_IOC_SERVE):
		return &buf->serve.status;
	case _IOC_NR(CLIENTBUF_IOC_SERVER_OP):
		return &buf->srv_op.status;
	}
	return NULL;
}

static long cb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct cb_client *client = file->private_data;
	void __user *uarg = (void __user *)arg;
	const struct cb_ioctl_op *op;
	union cb_ioctl_buffer buf;
	unsigned int nr = _IOC_NR(cmd);
	u32 usize;
	int ret;

	if (_IOC_TYPE(cmd) != CLIENTBUF_IOC_MAGIC ||
	    nr >= ARRAY_SIZE(cb_ioctl_ops))
		return -ENOTTY;
	op = &cb_ioctl_ops[nr];
	if (!op->execute || CB_IOC_NOSIZE(cmd) != CB_IOC_NOSIZE(op->cmd))
		return -ENOTTY;

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
	memset(&buf, 0, sizeof(buf));
	ret = copy_struct_from_user(&buf, op->size, uarg, usize);
	if (ret)
		return ret;
	/*
	 * The answer is written back after the handler ran: make sure it can
	 * be (the caller's own bytes, unchanged), so that an ioctl never
	 * takes effect and then fails with EFAULT.
	 */
	if (copy_to_user(uarg, &buf, min_t(u32, usize, op->size)))
		return -EFAULT;

	if (op->owner_only && !cb_client_is_owner(client))
		ret = cb_result(cb_ioctl_status(nr, &buf),
				STATUS_ACCESS_DENIED);
	else
		ret = op->execute(client, &buf);

	if (copy_to_user(uarg, &buf, min_t(u32, usize, op->size)))
		return -EFAULT;
	return ret;
}

static int cb_open(struct inode *inode, struct file *file)
{
	struct cb_client *client;

	client = cb_client_create();
	if (!client)
		return -ENOMEM;
	file->private_data = client;
	return stream_open(inode, file);
}

static int cb_release(struct inode *inode, struct file *file)
{
	cb_client_release(file->private_data);
	return 0;
}

static ssize_t cb_read(struct file *file, char __user *buf, size_t count,
		       loff_t *ppos)
{
	return cb_client_read(file->private_data, buf, count,
			      file->f_flags & O_NONBLOCK);
}

static __poll_t cb_poll(struct file *file, poll_table *wait)
{
	return cb_client_poll(file->private_data, file, wait);
}

static const struct file_operations cb_fops = {
	.owner		= THIS_MODULE,
	.open		= cb_open,
	.release	= cb_release,
	.read		= cb_read,
	.poll		= cb_poll,
	.unlocked_ioctl	= cb_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice cb_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= CLIENTBUF_DEVICE_NAME,
	.fops	= &cb_fops,
	.mode	= 0666,
};

static int __init clientbuf_init(void)
{
	int ret;

	cb_stats_init();
	ret = misc_register(&cb_miscdev);
	if (ret) {
		cb_stats_exit();
		return ret;
	}
	pr_debug("ABI %d ready\n", CLIENTBUF_ABI_VERSION);
	return 0;
}

static void __exit clientbuf_exit(void)
{
	misc_deregister(&cb_miscdev);
	cb_stats_exit();
}

module_init(clientbuf_init);
module_exit(clientbuf_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The clientbuf authors");
MODULE_DESCRIPTION("LSA client-buffer services (CopyToClientBuffer) for Linux");
MODULE_VERSION(CLIENTBUF_VERSION);
