// SPDX-License-Identifier: GPL-2.0
/*
 * clientbuf: counters in debugfs (/sys/kernel/debug/clientbuf/stats).
 *
 * The first CB_STAT_NR_LIVE counters count live objects: they return to
 * zero when every client has closed, which the selftests use as a leak
 * check. The rest only grow. The bytes_* counters are the work per
 * operation tools/bench/ reports: bytes_client_context .. bytes_pinned
 * count each byte a copy delivered, once, on the path it took - the only
 * copy of it, since no path bounces; bytes_bounced, which counted the
 * second copy of a byte that went through a kernel bounce buffer, stays 0
 * (kept for readers of the file). pages_remote counts the client pages the
 * unpinned page loop took from the registered mm with
 * pin_user_pages_remote(), batches_remote the batches (at most
 * CB_WALK_BATCH pages each, one mmap_read_lock() each) it took them in;
 * both are added once per copy. cancel_walk_steps counts the requests
 * cb_requests_cancel() visited when clients closed, one per turn of its
 * loop (also a turn that skips a request), so its growth at one close
 * shows that the walk is linear in the calls the client left pending.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "internal.h"

atomic64_t cb_stats[CB_STAT_NR];
static struct dentry *cb_debugfs_dir;

static const char * const cb_stat_names[CB_STAT_NR] = {
	[CB_STAT_CLIENTS]	 = "clients",
	[CB_STAT_BUFFERS]	 = "buffers",
	[CB_STAT_REQUESTS]	 = "requests",
	[CB_STAT_ALLOCS]	 = "allocations",
	[CB_STAT_PINNED_PAGES]	 = "pinned_pages",
	[CB_STAT_COPIES_LOCAL]	 = "copies_client_context",
	[CB_STAT_COPIES_KTHREAD] = "copies_kthread",
	[CB_STAT_COPIES_REMOTE]	 = "copies_other_process",
	[CB_STAT_COPIES_PINNED]	 = "copies_pinned",
	[CB_STAT_BYTES_LOCAL]	 = "bytes_client_context",
	[CB_STAT_BYTES_KTHREAD]	 = "bytes_kthread",
	[CB_STAT_BYTES_REMOTE]	 = "bytes_other_process",
	[CB_STAT_BYTES_PINNED]	 = "bytes_pinned",
	[CB_STAT_BYTES_BOUNCED]	 = "bytes_bounced",
	[CB_STAT_PAGES_REMOTE]	 = "pages_remote",
	[CB_STAT_BATCHES_REMOTE] = "batches_remote",
	[CB_STAT_VMA_WALKS]	 = "vma_walks",
	[CB_STAT_CALLS]		 = "calls",
	[CB_STAT_FAILURES]	 = "failed_copies",
	[CB_STAT_CANCEL_STEPS]	 = "cancel_walk_steps",
};

static int cb_stats_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 0; i < CB_STAT_NR; i++)
		seq_printf(m, "%s %lld\n", cb_stat_names[i],
			   (long long)atomic64_read(&cb_stats[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cb_stats);

/**
 * cb_stats_init() - create the debugfs files
 *
 * Return: 0; debugfs failures are not fatal.
 */
int cb_stats_init(void)
{
	cb_debugfs_dir = debugfs_create_dir("clientbuf", NULL);
	debugfs_create_file("stats", 0400, cb_debugfs_dir, NULL,
			    &cb_stats_fops);
	return 0;
}

/**
 * cb_stats_exit() - remove the debugfs files
 */
void cb_stats_exit(void)
{
	debugfs_remove_recursive(cb_debugfs_dir);
}
