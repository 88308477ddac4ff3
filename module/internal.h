/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clientbuf: private definitions shared by the module's files.
 */
#ifndef _CLIENTBUF_INTERNAL_H
#define _CLIENTBUF_INTERNAL_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <clientbuf/secpkg.h>

struct cb_user;
struct cred;
struct mm_struct;
struct pid;
struct user_struct;

/**
 * DOC: Locking
 *
 * Every lock of the module, and the order in which they nest, outermost
 * first. A lock is only ever taken while holding locks above it in this
 * list; locks on the same line are never held together. The functions
 * that need a lock their caller holds say so with lockdep_assert_held()
 * (or mmap_assert_locked()).
 *
 * 1. &cb_client.teardown (rw_semaphore). A copy on an unpinned buffer
 *    holds it for read around its whole-range VMA check, around the
 *    copy_{to,from}_user() of the client-context path, and around each
 *    walk of the page loop, at most 4 MiB of copying (copy.c:
 *    cb_copy_enter()/cb_copy_leave());
 *    release() takes it for write, holding nothing else, to set
 *    &cb_client.dead, and so waits for the batch in flight.
 * 2. &cb_client.reg_lock (mutex). Registration (its reservation and its
 *    insertion, not the pinning between them), unregistration and
 *    release of buffers, every arena (arena.c asserts the lock it was
 *    created with), the checks of a call's return buffer and
 *    CLIENTBUF_IOC_GET_INFO. Held only for bookkeeping, never across a
 *    fault on client memory; taken killably wherever the caller can
 *    return a status.
 * 3. cb_packages_lock (mutex, package.c), the package list: taken under
 *    no other clientbuf lock (CLIENTBUF_IOC_SERVE registers its package
 *    holding nothing). Under it, cb_package_get() only takes a module or
 *    server reference (no lock).
 * 4. The client's mmap_lock (read). Under teardown in the registered-mm
 *    walk of copy.c; under no clientbuf lock when a CLIENTBUF_BUF_PIN
 *    buffer is registered (cb_pin_buffer(): its VMA check, and the faults
 *    of pin_user_pages_fast(), which the client controls - userfaultfd, a
 *    FUSE mapping - so reg_lock, which packages' allocate_client_buffer()
 *    and free_client_buffer() wait for, is never held across them).
 *    Nothing of clientbuf is taken under it.
 *    mmu_notifier_register(), which takes the server's mmap_lock for
 *    write, is called by CLIENTBUF_IOC_SERVE holding no clientbuf lock.
 * 5. Spinlocks, each innermost, nothing taken and nothing sleeping under
 *    them: the xa_lock of &cb_client.buffers (under reg_lock when
 *    xa_insert()/xa_erase() change the xarray, alone in
 *    cb_buffer_find_get()); &cb_client.req_lock; &cb_server.lock
 *    (server.c); cb_users_lock (user.c). req_lock and a server's lock
 *    are never held together: a call is queued on the server from
 *    ->call_package(), and finished (clientbuf_complete_request(), which
 *    takes req_lock) after the server's lock is dropped.
 *
 * Waits that are not locks, but order the same way: release() and
 * unregistration wait for &cb_buffer.active to drop (release under
 * reg_lock) - a copy holding it takes teardown and mmap_lock, never
 * reg_lock; a synchronous call waits for &clientbuf_request.done holding
 * nothing. The server's mmu_notifier ->release() (exit_mmap() of the
 * serving process, or mmu_notifier_unregister() from release()) runs with
 * no clientbuf lock held and takes cb_packages_lock, a server's lock and
 * req_lock, one at a time.
 *
 * References put under no lock: the last put of a request
 * (cb_request_free()) sleeps in cb_package_put() and cb_client_put(), so
 * a request is never put under req_lock or a server's lock; whoever takes
 * it off a list puts it after unlocking.
 */

/* Per-client limits: module parameters, reported by CLIENTBUF_IOC_GET_INFO. */
extern unsigned int cb_max_buffers;
extern unsigned int cb_max_allocs;
extern unsigned long cb_max_buffer_bytes;
extern unsigned int cb_max_submit_len;
extern unsigned int cb_max_pending;
extern unsigned int cb_max_completions;

/**
 * enum cb_ucount - what is counted per user (user.c)
 * @CB_UC_CLIENTS: open clients (struct cb_client, until its last reference)
 * @CB_UC_BUFFERS: registered buffers
 * @CB_UC_BUFFER_BYTES: bytes registered
 * @CB_UC_ALLOCS: live allocate_client_buffer() blocks
 * @CB_UC_CALLS: calls not yet completed, synchronous and asynchronous
 * @CB_UC_SERVER_CALLS: calls on a userspace server (queued, or read and
 *	not yet completed), each with its kernel copy of the submit buffer
 * @CB_UC_COMPLETIONS: asynchronous calls pending, or completed with the
 *	record not yet read (max_completions)
 * @CB_UC_PINNED_PAGES: pages pinned by CLIENTBUF_BUF_PIN buffers; limited
 *	by RLIMIT_MEMLOCK (pin.c), counted here for GET_INFO
 * @CB_UC_NR: number of counts
 */
enum cb_ucount {
	CB_UC_CLIENTS,
	CB_UC_BUFFERS,
	CB_UC_BUFFER_BYTES,
	CB_UC_ALLOCS,
	CB_UC_CALLS,
	CB_UC_SERVER_CALLS,
	CB_UC_COMPLETIONS,
	CB_UC_PINNED_PAGES,
	CB_UC_NR,
};

/* Per-user limits (max_user_* module parameters), by enum cb_ucount. */
extern unsigned long cb_max_user[CB_UC_NR];

/**
 * struct cb_client - one open file of /dev/clientbuf
 * @ref: the file holds one reference, each request one more
 * @mm: the opener's mm, mmgrab()ed: the struct lives as long as the client,
 *	its pages only while mm_users > 0. Never changes.
 * @tgid: the opener's thread group; never looked up again by number
 * @user: the opener's user, charged for the per-user limits (a reference)
 * @teardown: copies hold it for read while they may touch the client's
 *	memory; release takes it for write to set @dead, so that no copy is
 *	running or can start once the file is closed
 * @dead: set once under @teardown held for write (WRITE_ONCE: request
 *	checks, completions and pinned copies read it without the lock)
 * @reg_lock: serialises registration, unregistration and the arenas;
 *	protects @next_buf_id, @nr_buffers, @total_bytes, @pinned_pages and
 *	every arena (see "Locking" above for how the locks nest)
 * @buffers: id -> struct cb_buffer; its xa_lock also orders lookups against
 *	removal (see struct cb_buffer.active)
 * @next_buf_id: next buffer id; ids are never reused while the client lives
 * @nr_buffers: registered buffers
 * @total_bytes: bytes registered
 * @pinned_pages: pages pinned by the client's CLIENTBUF_BUF_PIN buffers
 * @req_lock: protects @pending, @cancelled, @nr_pending, @completions,
 *	@next_req_id and the state of every request of this client
 * @pending: requests whose package has not completed them and which
 *	nobody cancelled; the list holds a reference on each
 * @cancelled: requests not completed yet whose package's ->cancel() was
 *	called (client closed, or synchronous caller killed); the list holds
 *	the reference @pending held
 * @nr_pending: asynchronous requests on @pending and @cancelled
 * @completions: completed asynchronous requests not yet read(); the list
 *	holds a reference on each (the one @pending held)
 * @next_req_id: last request id handed out
 * @wait: woken when a completion is queued or a request completes
 */
struct cb_client {
	struct kref ref;
	struct mm_struct *mm;
	struct pid *tgid;
	struct cb_user *user;

	struct rw_semaphore teardown;
	bool dead;

	struct mutex reg_lock;		/* see @reg_lock above */
	struct xarray buffers;
	u32 next_buf_id;
	unsigned int nr_buffers;
	u64 total_bytes;
	u64 pinned_pages;

	spinlock_t req_lock;		/* see @req_lock above */
	struct list_head pending;
	struct list_head cancelled;
	unsigned int nr_pending;
	struct list_head completions;
	u64 next_req_id;
	wait_queue_head_t wait;
};

struct cb_arena;
struct cb_server;

/**
 * struct cb_buffer - a registered range of the client's memory
 * @id: the client-visible id
 * @flags: CLIENTBUF_BUF_*
 * @addr: start address in the client's mm
 * @len: length in bytes
 * @active: copies using the buffer, plus one while it is registered;
 *	taken under the client's xa_lock while the buffer is in the xarray,
 *	so once unregistration has erased it and dropped the registration's
 *	count, it only has to wait for @active to drop to zero (and a copy's
 *	put wakes nobody before that)
 * @arena: allocation state of a CLIENTBUF_BUF_ALLOC buffer, else NULL;
 *	under the client's @reg_lock
 * @pages: CLIENTBUF_BUF_PIN: the pinned pages, set before the buffer is
 *	visible and released after it is gone, else NULL
 * @nr_pages: number of @pages
 * @user: CLIENTBUF_BUF_PIN: the user whose locked_vm @nr_pages are charged
 *	to (a reference), or NULL (the registering task had CAP_IPC_LOCK)
 */
struct cb_buffer {
	u32 id;
	u32 flags;
	unsigned long addr;
	u64 len;
	atomic_t active;
	struct cb_arena *arena;
	struct page **pages;
	unsigned long nr_pages;
	struct user_struct *user;
};

enum cb_request_state {
	CB_REQ_RUNNING,		/* package still working on it */
	CB_REQ_DONE,		/* completed: copies are refused */
};

/**
 * struct clientbuf_request - one package call (LSA_CLIENT_REQUEST)
 * @ref: reference count: the caller of the ioctl, the package while it
 *	keeps the request, and the client's @pending list, then its
 *	@completions list (one reference, passed from one to the other)
 * @client: the client that made the call (a reference)
 * @package: the package called; its module (or server) is pinned while
 *	@holds_package, that is until the request completes
 * @holds_package: the request holds the package; under req_lock
 * @id: per-client request id
 * @return_buf_id: ALLOC buffer for allocate_client_buffer(), 0 for any
 * @thread: the calling thread
 * @cred: the calling thread's credentials at call time
 * @async: the client asked not to wait
 * @detached: nobody will read the result (sync caller killed, or the
 *	package answered at once)
 * @cancelled: the package's ->cancel() was called (client closed)
 * @charged: an asynchronous call counted against the user's
 *	max_completions: from its start until its record is read or dropped,
 *	or until it completes without a record; under the client's req_lock
 *	until it completes, then owned by whoever took it off the lists
 * @state: enum cb_request_state, under the client's req_lock
 * @node: in the client's pending list (or its cancelled list), then in
 *	its completions list, with a reference; under the client's req_lock
 * @done: completed when the package completes the request
 * @result: the completion record
 */
struct clientbuf_request {
	struct kref ref;
	struct cb_client *client;
	struct clientbuf_package *package;
	bool holds_package;
	u64 id;
	u32 return_buf_id;
	struct pid *thread;
	const struct cred *cred;
	bool async;
	bool detached;
	bool cancelled;
	bool charged;
	enum cb_request_state state;
	struct list_head node;
	struct completion done;
	struct clientbuf_completion result;
};

/* client.c */
struct cb_client *cb_client_create(void);
void cb_client_release(struct cb_client *client);
void cb_client_put(struct cb_client *client);
bool cb_client_is_owner(struct cb_client *client);
bool cb_client_exited(struct cb_client *client);
ssize_t cb_client_read(struct cb_client *client, char __user *buf,
		       size_t count, bool nonblock);
__poll_t cb_client_poll(struct cb_client *client, struct file *file,
			poll_table *wait);

/* buffer.c */
ntstatus_t cb_buffer_register(struct cb_client *client,
			      struct clientbuf_register *reg);
ntstatus_t cb_buffer_unregister(struct cb_client *client, u32 id);
void cb_buffer_release_all(struct cb_client *client);
struct cb_buffer *cb_buffer_find_get(struct cb_client *client,
				     unsigned long addr, u64 len, u32 access);
void cb_buffer_put(struct cb_buffer *buf);
ntstatus_t cb_buffer_check_alloc(struct cb_client *client, u32 id);
ntstatus_t cb_buffer_alloc_block(struct cb_client *client, u32 id, u64 owner,
				 u32 length, unsigned long *addr);
ntstatus_t cb_buffer_free_block(struct cb_client *client, u64 owner,
				unsigned long addr);
ntstatus_t cb_client_free_block(struct cb_client *client, u32 id,
				unsigned long addr);

/* pin.c */
bool cb_pin_unlimited(void);
ntstatus_t cb_pin_buffer(struct cb_client *client, struct cb_buffer *buf);
void cb_unpin_buffer(struct cb_client *client, struct cb_buffer *buf);

/* copy.c */
struct iov_iter;
ntstatus_t cb_copy_client(struct cb_client *client, u64 req_id,
			  unsigned long client_addr, struct iov_iter *iter,
			  bool write);
ntstatus_t cb_copy_client_held(struct cb_client *client, u64 req_id,
			       struct cb_buffer *buf, unsigned long client_addr,
			       struct iov_iter *iter, bool write);
ntstatus_t cb_copy_client_hold(struct cb_client *client,
			       unsigned long client_addr, size_t len,
			       bool write, struct cb_buffer **buf);
ntstatus_t cb_copy_client_check(struct cb_client *client,
				unsigned long client_addr, u32 length,
				bool write);

/* lsa.c */
ntstatus_t cb_copy_iter(struct clientbuf_request *request,
			unsigned long client_addr, struct iov_iter *iter,
			bool write);
ntstatus_t cb_copy_iter_held(struct clientbuf_request *request,
			     struct cb_buffer *buf, unsigned long client_addr,
			     struct iov_iter *iter, bool write);
ntstatus_t cb_copy_hold(struct clientbuf_request *request,
			unsigned long client_addr, u32 length, bool write,
			struct cb_buffer **buf);
ntstatus_t cb_free_own_block(struct clientbuf_request *request,
			     void __user *client_base);
extern const struct clientbuf_functions cb_functions;

/* arena.c */
struct cb_arena *cb_arena_create(unsigned long base, u64 size,
				 struct mutex *lock);	/* held for every use */
void cb_arena_destroy(struct cb_arena *arena);
unsigned int cb_arena_blocks(const struct cb_arena *arena);
ntstatus_t cb_arena_alloc(struct cb_arena *arena, u32 length, u64 owner,
			  unsigned long *addr);
ntstatus_t cb_arena_free(struct cb_arena *arena, unsigned long addr,
			 u64 owner);

/* request.c */
ntstatus_t cb_ioctl_call(struct cb_client *client, struct clientbuf_call *call);
void cb_requests_cancel(struct cb_client *client);
ntstatus_t cb_request_check(struct clientbuf_request *request);
void cb_request_info(struct clientbuf_request *request,
		     struct clientbuf_client_info *info);
void cb_request_uncharge(struct clientbuf_request *request);

/* user.c */
struct cb_user *cb_user_get(void);
void cb_user_put(struct cb_user *user);
unsigned long cb_user_max(enum cb_ucount type);
bool cb_user_charge(struct cb_user *user, enum cb_ucount type,
		    unsigned long n);
void cb_user_uncharge(struct cb_user *user, enum cb_ucount type,
		      unsigned long n);
unsigned long cb_user_usage(struct cb_user *user, enum cb_ucount type);

/* ioctl.c */

/**
 * union cb_ioctl_buffer - the kernel copy of any ioctl's struct
 * @info: CLIENTBUF_IOC_GET_INFO
 * @reg: CLIENTBUF_IOC_REGISTER
 * @unreg: CLIENTBUF_IOC_UNREGISTER
 * @call: CLIENTBUF_IOC_CALL_PACKAGE
 * @free: CLIENTBUF_IOC_FREE
 * @serve: CLIENTBUF_IOC_SERVE
 * @srv_op: CLIENTBUF_IOC_SERVER_OP (on a server fd)
 *
 * CB_IOCTL_OP() proves at build time that every struct fits.
 */
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
 * struct cb_ioctl_ctx - one ioctl on its way through cb_ioctl_dispatch()
 * @obj: the object of the file (struct cb_client or struct cb_server)
 * @file: the file the ioctl was issued on
 * @err: with a success status, an errno for the ioctl to fail with all the
 *	same (the part of an op after its effect failed: SERVER_OP REPLY's
 *	read of the next call); 0 otherwise
 * @new_file: a file the handler made for the caller, with @new_fd reserved
 *	by get_unused_fd_flags() and already written into the struct; the
 *	dispatcher installs it once the struct is written back, else puts
 *	both (so a new fd is never visible to a caller that gets -EFAULT)
 * @new_fd: the reserved fd for @new_file
 */
struct cb_ioctl_ctx {
	void *obj;
	struct file *file;
	int err;
	struct file *new_file;
	int new_fd;
};

#define CB_IOCTL_NO_STATUS	0xffff
#define CB_IOCTL_NR_RESERVED	3

/**
 * struct cb_ioctl_op - one ioctl
 * @cmd: the ioctl number (its size bits are not compared: the struct's own
 *	size field governs)
 * @size: sizeof the struct this module knows
 * @min_size: size of the first published version of the struct
 * @status_off: offset of the struct's __u32 status field, written with the
 *	handler's result, or CB_IOCTL_NO_STATUS
 * @reserved: offsets of __u32 fields that must be zero (else
 *	CB_STATUS_INVALID_PARAMETER before the handler runs); 0 ends the list
 * @owner_only: only the file's owner may issue it (else
 *	CB_STATUS_ACCESS_DENIED before the handler runs)
 * @execute: the handler; returns the NTSTATUS of the operation and never
 *	writes the status field itself
 */
struct cb_ioctl_op {
	unsigned int cmd;
	u16 size;
	u16 min_size;
	u16 status_off;
	u16 reserved[CB_IOCTL_NR_RESERVED];
	bool owner_only;
	ntstatus_t (*execute)(struct cb_ioctl_ctx *ctx,
			      union cb_ioctl_buffer *buf);
};

/*
 * One table entry; the build fails unless
 * the struct fits the argument union. @_status and the trailing arguments
 * (reserved fields) are offsetof() __u32 fields.
 */
#define CB_IOCTL_OP(_ioctl, _fn, _struct, _last, _status, _owner, ...)	\
	{								\
		.cmd = _ioctl,						\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(_struct) >		\
					  sizeof(union cb_ioctl_buffer)), \
		.min_size = offsetofend(_struct, _last),		\
		.status_off = _status,					\
		.reserved = { __VA_ARGS__ },				\
		.owner_only = _owner,					\
		.execute = _fn,						\
	}

/**
 * struct cb_ioctl_table - the ioctls of one file type
 * @ops: the ioctls; any other command is -ENOTTY
 * @nr_ops: entries in @ops
 * @is_owner: may the current task use the object (for owner_only ops)?
 */
struct cb_ioctl_table {
	const struct cb_ioctl_op *ops;
	unsigned int nr_ops;
	bool (*is_owner)(void *obj);
};

long cb_ioctl_dispatch(const struct cb_ioctl_table *table, struct file *file,
		       void *obj, unsigned int cmd, unsigned long arg);

/* server.c */
ntstatus_t cb_ioctl_serve(struct cb_ioctl_ctx *ctx,
			  struct clientbuf_serve *serve);

/* package.c */
struct clientbuf_package *cb_package_get(const char *name);
void cb_package_hold(struct clientbuf_package *package);
void cb_package_put(struct clientbuf_package *package);

/* stats.c */
enum cb_stat {
	CB_STAT_CLIENTS,
	CB_STAT_BUFFERS,
	CB_STAT_REQUESTS,
	CB_STAT_ALLOCS,
	CB_STAT_PINNED_PAGES,
	CB_STAT_NR_LIVE,	/* the above are live objects, leak-checked */
	CB_STAT_COPIES_LOCAL = CB_STAT_NR_LIVE,
	CB_STAT_COPIES_KTHREAD,
	CB_STAT_COPIES_REMOTE,
	CB_STAT_COPIES_PINNED,
	CB_STAT_BYTES_LOCAL,
	CB_STAT_BYTES_KTHREAD,
	CB_STAT_BYTES_REMOTE,
	CB_STAT_BYTES_PINNED,
	CB_STAT_BYTES_BOUNCED,	/* always 0: no copy bounces any more */
	CB_STAT_PAGES_REMOTE,
	CB_STAT_BATCHES_REMOTE,
	CB_STAT_VMA_WALKS,
	CB_STAT_CALLS,
	CB_STAT_FAILURES,
	CB_STAT_CANCEL_STEPS,	/* requests the close-time cancel walk visited */
	CB_STAT_NR,
};

extern atomic64_t cb_stats[CB_STAT_NR];

/**
 * cb_stat_add() - add @delta to counter @stat
 * @stat: the counter
 * @delta: the amount, negative to decrement a live-object counter
 *
 * Inline: the copy paths count several things a copy.
 */
static inline void cb_stat_add(enum cb_stat stat, s64 delta)
{
	atomic64_add(delta, &cb_stats[stat]);
}

int cb_stats_init(void);
void cb_stats_exit(void);

#endif /* _CLIENTBUF_INTERNAL_H */
