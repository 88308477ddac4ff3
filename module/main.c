// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: the /dev/clientbuf misc device, its ioctl table and the
 * module's parameters.
 *
 * The table is applied by cb_ioctl_dispatch() (ioctl.c); each handler
 * here returns the NTSTATUS of its command.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/sizes.h>
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

/* The commands of a /dev/clientbuf fd: see cb_ioctl_dispatch(). */

static ntstatus_t cb_ioctl_get_info(struct cb_ioctl_ctx *ctx,
				    union cb_ioctl_buffer *buf)
{
	struct clientbuf_info *info = &buf->info;
	struct cb_client *client = ctx->obj;
	unsigned long memlock;

	info->abi_version = CLIENTBUF_ABI_VERSION;
	info->features = CLIENTBUF_FEAT_REGISTER | CLIENTBUF_FEAT_CALL_SYNC |
			 CLIENTBUF_FEAT_CALL_ASYNC | CLIENTBUF_FEAT_ALLOC |
			 CLIENTBUF_FEAT_SERVER | CLIENTBUF_FEAT_PIN |
			 CLIENTBUF_FEAT_REPLY;
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
	return CB_STATUS_SUCCESS;
}

static ntstatus_t cb_ioctl_register(struct cb_ioctl_ctx *ctx,
				    union cb_ioctl_buffer *buf)
{
	struct clientbuf_register *reg = &buf->reg;
	ntstatus_t st;

	st = cb_buffer_register(ctx->obj, reg);
	trace_clientbuf_register(task_tgid_vnr(current), reg->id, reg->addr,
				 reg->len, reg->flags, (__force __u32)st);
	return st;
}

static ntstatus_t cb_ioctl_unregister(struct cb_ioctl_ctx *ctx,
				      union cb_ioctl_buffer *buf)
{
	struct clientbuf_unregister *unreg = &buf->unreg;
	ntstatus_t st;

	st = cb_buffer_unregister(ctx->obj, unreg->id);
	trace_clientbuf_unregister(task_tgid_vnr(current), unreg->id,
				   (__force __u32)st);
	return st;
}

static ntstatus_t cb_ioctl_free(struct cb_ioctl_ctx *ctx,
				union cb_ioctl_buffer *buf)
{
	return cb_client_free_block(ctx->obj, buf->free.id, buf->free.addr);
}

static ntstatus_t cb_ioctl_call_package(struct cb_ioctl_ctx *ctx,
					union cb_ioctl_buffer *buf)
{
	return cb_ioctl_call(ctx->obj, &buf->call);
}

static ntstatus_t cb_ioctl_serve_package(struct cb_ioctl_ctx *ctx,
					 union cb_ioctl_buffer *buf)
{
	return cb_ioctl_serve(ctx, &buf->serve);
}

static bool cb_ioctl_client_owner(void *obj)
{
	return cb_client_is_owner(obj);
}

static const struct cb_ioctl_op cb_client_ioctls[] = {
	CB_IOCTL_OP(CLIENTBUF_IOC_GET_INFO, cb_ioctl_get_info,
		    struct clientbuf_info, max_pending, CB_IOCTL_NO_STATUS,
		    false),
	CB_IOCTL_OP(CLIENTBUF_IOC_REGISTER, cb_ioctl_register,
		    struct clientbuf_register, status,
		    offsetof(struct clientbuf_register, status), true),
	CB_IOCTL_OP(CLIENTBUF_IOC_UNREGISTER, cb_ioctl_unregister,
		    struct clientbuf_unregister, reserved,
		    offsetof(struct clientbuf_unregister, status), true,
		    offsetof(struct clientbuf_unregister, reserved)),
	CB_IOCTL_OP(CLIENTBUF_IOC_CALL_PACKAGE, cb_ioctl_call_package,
		    struct clientbuf_call, reserved,
		    offsetof(struct clientbuf_call, status), true,
		    offsetof(struct clientbuf_call, reserved)),
	CB_IOCTL_OP(CLIENTBUF_IOC_FREE, cb_ioctl_free,
		    struct clientbuf_free, reserved,
		    offsetof(struct clientbuf_free, status), true,
		    offsetof(struct clientbuf_free, reserved)),
	CB_IOCTL_OP(CLIENTBUF_IOC_SERVE, cb_ioctl_serve_package,
		    struct clientbuf_serve, fd,
		    offsetof(struct clientbuf_serve, status), true),
};

static const struct cb_ioctl_table cb_client_ioctl_table = {
	.ops = cb_client_ioctls,
	.nr_ops = ARRAY_SIZE(cb_client_ioctls),
	.is_owner = cb_ioctl_client_owner,
};

static long cb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return cb_ioctl_dispatch(&cb_client_ioctl_table, file,
				 file->private_data, cmd, arg);
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
