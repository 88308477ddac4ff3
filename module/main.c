// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: the /dev/clientbuf misc device and the module's parameters.
 *
 * The ioctls are dispatched by ioctl.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
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

static long cb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return cb_ioctl_dispatch(&cb_client_ioctl_table, file->private_data,
				 cmd, arg);
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
