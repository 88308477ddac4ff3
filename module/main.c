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

/*
 * Per-user limits (user.c), by enum cb_ucount; max_completions above is
 * the one of CB_UC_COMPLETIONS, RLIMIT_MEMLOCK the one of pinned pages.
 */
unsigned long cb_max_user[CB_UC_NR] = {
	[CB_UC_CLIENTS] = 1024,
	[CB_UC_BUFFERS] = 4096,
	[CB_UC_BUFFER_BYTES] = 16UL << 30,
	[CB_UC_ALLOCS] = 16384,
	[CB_UC_CALLS] = 1024,
	[CB_UC_SERVER_CALLS] = 128,
};

module_param_named(max_user_clients, cb_max_user[CB_UC_CLIENTS], ulong, 0644);
MODULE_PARM_DESC(max_user_clients, "Open clients per user (1024)");
module_param_named(max_user_buffers, cb_max_user[CB_UC_BUFFERS], ulong, 0644);
MODULE_PARM_DESC(max_user_buffers, "Registered buffers per user (4096)");
module_param_named(max_user_buffer_bytes, cb_max_user[CB_UC_BUFFER_BYTES],
		   ulong, 0644);
MODULE_PARM_DESC(max_user_buffer_bytes,
		 "Registered bytes per user (16 GiB)");
module_param_named(max_user_allocs, cb_max_user[CB_UC_ALLOCS], ulong, 0644);
MODULE_PARM_DESC(max_user_allocs, "Live allocated blocks per user (16384)");
module_param_named(max_user_calls, cb_max_user[CB_UC_CALLS], ulong, 0644);
MODULE_PARM_DESC(max_user_calls,
		 "Calls not completed per user, sync and async (1024)");
module_param_named(max_user_server_calls, cb_max_user[CB_UC_SERVER_CALLS],
		   ulong, 0644);
MODULE_PARM_DESC(max_user_server_calls,
		 "Calls per user held by userspace package servers (128)");

static u32 cb_info_u32(unsigned long v)
{
	return min_t(unsigned long, v, U32_MAX);
}

/* The user_* fields of GET_INFO: usage and limit of the client's user. */
static void cb_info_user(struct cb_user *user, struct clientbuf_info *info)
{
	info->user_clients = cb_info_u32(cb_user_usage(user, CB_UC_CLIENTS));
	info->max_user_clients = cb_info_u32(cb_user_max(CB_UC_CLIENTS));
	info->user_buffers = cb_info_u32(cb_user_usage(user, CB_UC_BUFFERS));
	info->max_user_buffers = cb_info_u32(cb_user_max(CB_UC_BUFFERS));
	info->user_buffer_bytes = cb_user_usage(user, CB_UC_BUFFER_BYTES);
	info->max_user_buffer_bytes = cb_user_max(CB_UC_BUFFER_BYTES);
	info->user_allocs = cb_info_u32(cb_user_usage(user, CB_UC_ALLOCS));
	info->max_user_allocs = cb_info_u32(cb_user_max(CB_UC_ALLOCS));
	info->user_calls = cb_info_u32(cb_user_usage(user, CB_UC_CALLS));
	info->max_user_calls = cb_info_u32(cb_user_max(CB_UC_CALLS));
	info->user_server_calls =
		cb_info_u32(cb_user_usage(user, CB_UC_SERVER_CALLS));
	info->max_user_server_calls =
		cb_info_u32(cb_user_max(CB_UC_SERVER_CALLS));
	info->user_completions =
		cb_info_u32(cb_user_usage(user, CB_UC_COMPLETIONS));
	info->reserved = 0;
	info->user_pinned_pages = cb_user_usage(user, CB_UC_PINNED_PAGES);
}

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
			 CLIENTBUF_FEAT_REPLY |
			 CLIENTBUF_FEAT_USER_LIMITS;
	info->max_buffers = READ_ONCE(cb_max_buffers);
	info->max_allocs = READ_ONCE(cb_max_allocs);
	info->max_buffer_bytes = READ_ONCE(cb_max_buffer_bytes);
	info->max_submit_len = READ_ONCE(cb_max_submit_len);
	info->max_pending = READ_ONCE(cb_max_pending);

	if (mutex_lock_killable(&client->reg_lock))
		return CB_STATUS_CANCELLED;
	info->nr_buffers = client->nr_buffers;
	info->buffer_bytes = client->total_bytes;
	info->pinned_pages = client->pinned_pages;
	mutex_unlock(&client->reg_lock);

	info->user_locked_pages = atomic_long_read(&current_user()->locked_vm);
	memlock = rlimit(RLIMIT_MEMLOCK);
	info->memlock_limit = memlock == RLIM_INFINITY ||
			      cb_pin_unlimited() ? U64_MAX : memlock;
	info->max_completions = READ_ONCE(cb_max_completions);
	cb_info_user(client->user, info);
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
		    true),
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
	if (IS_ERR(client))
		return PTR_ERR(client);
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
