/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clientbuf: in-kernel API for security packages.
 *
 * The LSA_SECPKG_FUNCTION_TABLE client-buffer family (ntsecpkg.h) for Linux
 * kernel modules. A package registers a struct clientbuf_package; for each
 * call a client makes, the package's ->call_package() receives an opaque
 * struct clientbuf_request naming the client, and uses the functions below
 * (directly, or through the table in clientbuf_package.functions) to move
 * data between itself and the client's registered buffers.
 *
 * See Documentation/package-api.rst.
 */
#ifndef _CLIENTBUF_SECPKG_H
#define _CLIENTBUF_SECPKG_H

#include <linux/list.h>
#include <linux/types.h>
#include <clientbuf/ntstatus.h>

struct module;
struct clientbuf_request;

/*
 * CLIENTBUF_NS - the symbol namespace of every clientbuf export, spelled as
 * this kernel's EXPORT_SYMBOL_NS_GPL() and MODULE_IMPORT_NS() take it: a
 * bare word up to 6.12, a string literal since 6.13. A package imports it
 * with CLIENTBUF_IMPORT_NS() and needs no #if of its own. The feature test
 * is in package.kbuild (next to this header), which the package's Kbuild
 * includes; see Documentation/package-api.rst.
 */
#if defined(CB_HAVE_NS_WORD)
#define CLIENTBUF_NS CLIENTBUF
#elif defined(CB_HAVE_NS_STRING)
#define CLIENTBUF_NS "CLIENTBUF"
#else
#error "include clientbuf's module/include/clientbuf/package.kbuild in your Kbuild"
#endif

/* MODULE_IMPORT_NS() of clientbuf's namespace, for every kernel. */
#define CLIENTBUF_IMPORT_NS() MODULE_IMPORT_NS(CLIENTBUF_NS)

/* clientbuf_client_info.flags */
#define CLIENTBUF_CLIENT_PROCESS_TERMINATED	0x01 /* SECPKG_CLIENT_... */
#define CLIENTBUF_CLIENT_THREAD_TERMINATED	0x02
#define CLIENTBUF_CLIENT_IN_CONTEXT		0x100 /* current is the client */

/**
 * struct clientbuf_client_info - what get_client_info() reports
 * @pid: id of the thread that made the call, in the caller's pid namespace
 * @tgid: id of the client process, in the caller's pid namespace
 * @uid: the calling thread's uid at call time, in the caller's user namespace
 * @gid: the calling thread's gid at call time, in the caller's user namespace
 * @flags: CLIENTBUF_CLIENT_* (SECPKG_CLIENT_INFO.ClientFlags and more)
 */
struct clientbuf_client_info {
	pid_t pid;
	pid_t tgid;
	uid_t uid;
	gid_t gid;
	u32 flags;
};

/*
 * The contracts below are those of the functions as clientbuf implements
 * them (module/lsa.c, request.c, package.c). Common to every function that
 * takes a request:
 *
 * - "Context" names where it may be called. None of them may be called in
 *   atomic context (under a spinlock, with preemption or interrupts off, in
 *   an interrupt) except where it says "does not sleep".
 * - A request may be used while it is referenced: during ->call_package()
 *   and ->cancel() (clientbuf holds it), and while the package holds a
 *   reference of its own (clientbuf_request_get()). Until it is completed,
 *   clientbuf's own reference (the client's pending list) also keeps it.
 * - Once the request is completed, or its client closed the device, every
 *   client-buffer function fails: CB_STATUS_INVALID_HANDLE, or
 *   CB_STATUS_PROCESS_IS_TERMINATING once the client process exited or
 *   exec()ed. Nothing is written into the client then.
 * - clientbuf takes its own locks inside these functions and releases them
 *   before returning; it never calls back into the package while holding
 *   one. A package may hold its own mutexes across a call, but a copy in
 *   the client's context can wait on the client's page faults (a
 *   userfaultfd the client serves): hold nothing there that another
 *   client's call needs.
 */

/**
 * copy_to_client_buffer() - CopyToClientBuffer: write into the client
 * @request: the call
 * @length: bytes to copy
 * @client_base: destination, inside a range the client registered with
 *	CLIENTBUF_BUF_WRITE (or a block from allocate_client_buffer())
 * @buffer: @length bytes of kernel memory
 *
 * The whole range is checked before any byte moves; either all @length
 * bytes land, or the result is an error.
 *
 * Context: process context, may sleep: in ->call_package() (the client's
 * own context: any mapping), or from a work item, a kthread or another
 * process (the registered mm: only anonymous, shmem and hugetlb memory that
 * no userfaultfd watches, else CB_STATUS_NOT_SUPPORTED; pinned buffers from
 * anywhere). Takes the client's teardown rwsem for read and, for unpinned
 * buffers, its mmap_lock; the caller must not hold the client's mmap_lock.
 *
 * Return: CB_STATUS_SUCCESS (also for @length 0 on a live request);
 * CB_STATUS_INVALID_PARAMETER: NULL @request, or NULL @buffer with a
 * @length; CB_STATUS_INVALID_HANDLE: completed request or closed client;
 * CB_STATUS_PROCESS_IS_TERMINATING: the client exited or exec()ed;
 * CB_STATUS_ACCESS_VIOLATION: NULL, wrapping, unregistered or not writable
 * range, or an unmapped, read-only or PROT_NONE page (nothing written);
 * CB_STATUS_PARTIAL_COPY: a race with munmap()/mprotect() stopped the copy
 * after some bytes landed; CB_STATUS_NOT_SUPPORTED: see Context (nothing
 * written); CB_STATUS_CANCELLED: a fatal signal stopped the copy.
 */
ntstatus_t copy_to_client_buffer(struct clientbuf_request *request,
				 u32 length, void __user *client_base,
				 const void *buffer);

/**
 * copy_from_client_buffer() - CopyFromClientBuffer: read from the client
 * @request: the call
 * @length: bytes to copy
 * @buffer: @length bytes of kernel memory, filled
 * @client_base: source, inside a range the client registered with
 *	CLIENTBUF_BUF_READ
 *
 * As copy_to_client_buffer(), in the other direction. On any status but
 * CB_STATUS_SUCCESS the contents of @buffer are undefined.
 *
 * Context: as copy_to_client_buffer().
 *
 * Return: as copy_to_client_buffer() (a range not registered readable is
 * CB_STATUS_ACCESS_VIOLATION).
 */
ntstatus_t copy_from_client_buffer(struct clientbuf_request *request,
				   u32 length, void *buffer,
				   const void __user *client_base);

/**
 * allocate_client_buffer() - AllocateClientBuffer: a block in the client
 * @request: the call
 * @length: bytes wanted, non-zero
 * @client_base: receives the block's client address (unchanged on error)
 *
 * Allocates in the call's return buffer (clientbuf_call.return_buf_id) or,
 * when the call named none, in the client's CLIENTBUF_BUF_ALLOC buffers,
 * lowest id first. The block's contents are whatever the client left there:
 * fill it with copy_to_client_buffer().
 *
 * Ownership: the block belongs to the client's arena, not to the request.
 * Completing the call does not free it, whatever the status. Either hand it
 * to the client as &clientbuf_call_result.return_buffer (or the
 * return_buffer of clientbuf_complete_request()), which the client frees
 * with CLIENTBUF_IOC_FREE (its address is reported with any status), or
 * free it with free_client_buffer() before completing the call: after
 * completion free_client_buffer() fails, and a block the client was not
 * told of stays allocated until the client unregisters the buffer or
 * closes the device.
 *
 * Context: process context, may sleep (takes the client's registration
 * mutex).
 *
 * Return: CB_STATUS_SUCCESS; CB_STATUS_INVALID_PARAMETER: NULL @request or
 * @client_base, or @length 0; CB_STATUS_INVALID_HANDLE,
 * CB_STATUS_PROCESS_IS_TERMINATING: as copy_to_client_buffer();
 * CB_STATUS_NO_MEMORY: no ALLOC buffer has room, or the buffer's block
 * limit (max_allocs) is reached, or the call's return buffer is no longer
 * registered; CB_STATUS_INSUFFICIENT_RESOURCES: the block's bookkeeping
 * could not be allocated.
 */
ntstatus_t allocate_client_buffer(struct clientbuf_request *request,
				  u32 length, void __user **client_base);

/**
 * free_client_buffer() - FreeClientBuffer: give a block back
 * @request: the call that may still act for the client
 * @client_base: a block from allocate_client_buffer() (of any call of this
 *	client), or NULL
 *
 * Context: process context, may sleep (takes the client's registration
 * mutex).
 *
 * Return: CB_STATUS_SUCCESS (also for NULL on a live request);
 * CB_STATUS_INVALID_PARAMETER: NULL @request, or @client_base is not the
 * start of a live block; CB_STATUS_INVALID_HANDLE,
 * CB_STATUS_PROCESS_IS_TERMINATING: as copy_to_client_buffer() (the block
 * stays allocated).
 */
ntstatus_t free_client_buffer(struct clientbuf_request *request,
			      void __user *client_base);

/**
 * get_client_info() - GetClientInfo: who made the call
 * @request: the call
 * @info: filled on success (left alone otherwise)
 *
 * Ids are given in the pid and user namespaces of the task calling
 * get_client_info(); uid and gid are the caller's credentials at the time
 * of the call.
 *
 * Context: any context that may use RCU; does not sleep.
 *
 * Return: CB_STATUS_SUCCESS; CB_STATUS_INVALID_PARAMETER: NULL argument;
 * CB_STATUS_INVALID_HANDLE: the request is completed (whether or not its
 * client lives) or its client closed the device. A request still running
 * whose client process exited is CB_STATUS_SUCCESS with
 * CLIENTBUF_CLIENT_PROCESS_TERMINATED in @info->flags.
 */
ntstatus_t get_client_info(struct clientbuf_request *request,
			   struct clientbuf_client_info *info);

/**
 * struct clientbuf_functions - the client-buffer function table
 * @allocate_client_buffer: see allocate_client_buffer()
 * @free_client_buffer: see free_client_buffer()
 * @copy_to_client_buffer: see copy_to_client_buffer()
 * @copy_from_client_buffer: see copy_from_client_buffer()
 * @get_client_info: see get_client_info()
 * @complete_request: see clientbuf_complete_request()
 *
 * The shape of LSA_SECPKG_FUNCTION_TABLE, so that a ported package keeps
 * calling functions->copy_to_client_buffer(...). The same functions as the
 * exported ones, with the same contracts.
 */
struct clientbuf_functions {
	ntstatus_t (*allocate_client_buffer)(struct clientbuf_request *request,
					     u32 length,
					     void __user **client_base);
	ntstatus_t (*free_client_buffer)(struct clientbuf_request *request,
					 void __user *client_base);
	ntstatus_t (*copy_to_client_buffer)(struct clientbuf_request *request,
					    u32 length,
					    void __user *client_base,
					    const void *buffer);
	ntstatus_t (*copy_from_client_buffer)(struct clientbuf_request *request,
					      u32 length, void *buffer,
					      const void __user *client_base);
	ntstatus_t (*get_client_info)(struct clientbuf_request *request,
				      struct clientbuf_client_info *info);
	void (*complete_request)(struct clientbuf_request *request,
				 ntstatus_t status, ntstatus_t protocol_status,
				 void __user *return_buffer, u32 return_length);
};

/**
 * struct clientbuf_call_result - what a package answers for one call
 * @protocol_status: the package's own status (ProtocolStatus); clientbuf
 *	sets it to CB_STATUS_SUCCESS before the call
 * @return_buffer: client address of the answer (ProtocolReturnBuffer);
 *	NULL before the call
 * @return_length: its length (ReturnBufferLength); 0 before the call
 *
 * Read by clientbuf only when ->call_package() returns a status other than
 * CB_STATUS_PENDING, and then whatever that status is: @protocol_status is
 * reported to the client as set; @return_buffer is reported as set (so a
 * block handed over with an error status is still the client's to free);
 * @return_length is reported when @return_buffer is set, or with
 * CB_STATUS_BUFFER_TOO_SMALL (the length needed), else the client sees 0.
 * With CB_STATUS_PENDING nothing of it is read: the answer is given to
 * clientbuf_complete_request().
 */
struct clientbuf_call_result {
	ntstatus_t protocol_status;
	void __user *return_buffer;
	u32 return_length;
};

/**
 * struct clientbuf_package - a security package
 * @name: unique name clients call it by, 1 to CLIENTBUF_PACKAGE_NAME_MAX - 1
 *	bytes; must stay valid while the package is registered
 * @owner: THIS_MODULE; clientbuf pins it from the start of each call until
 *	the call is completed
 * @call_package: LsaApCallPackage: handle one call. @submit is a kernel
 *	copy of the client's submit buffer (@submit_length bytes, NULL when
 *	0), freed when ->call_package() returns: valid during the call only.
 *	Answer at once by returning the call's NTSTATUS and filling @result
 *	(see struct clientbuf_call_result), or answer later: take a reference
 *	(clientbuf_request_get()) if the package will use the request after
 *	clientbuf_complete_request(), return CB_STATUS_PENDING, and complete
 *	the call with clientbuf_complete_request() exactly once. Context: the
 *	calling client's ioctl (current is the client thread, its mm the
 *	client's registered mm), no clientbuf lock held, may sleep; calls run
 *	concurrently, for the same or different clients.
 * @cancel: optional: nobody waits for a pending call any more. Either its
 *	client closed the device (or its process exited): called from the
 *	release of the client's file (any process context, often the exiting
 *	client's), the client already marked dead, so copies through the
 *	request now fail and a completion record would be dropped; or its
 *	synchronous caller was killed: called in that caller's context as
 *	its ioctl gives up with CB_STATUS_CANCELLED, the client alive (copies
 *	may still succeed) but the result discarded. Called at most once per
 *	request, not for one already completed when clientbuf decides to
 *	cancel it, with a reference to the request and a pin on the package
 *	held for the duration, no clientbuf lock held; may sleep. The package
 *	must still complete the request (clientbuf_complete_request(), from
 *	->cancel() itself or from its own work; it may drop work it has not
 *	started): it stays pending, and the module pinned, until it is.
 *	->cancel() races with the package's own completion: the package's
 *	work item may complete the request just before or while ->cancel()
 *	runs, so ->cancel() must not assume the request is still pending,
 *	and the package must make sure it is completed once: a second
 *	completion is ignored with a warning, and only safe while the request
 *	is still referenced. Releasing the file waits for ->cancel() to
 *	return, not for the completion.
 * @functions: set by clientbuf_register_package() (SpInitialize)
 * @list: private to clientbuf
 * @server_get: private to clientbuf: set by clientbuf for a
 *	userspace-served package (CLIENTBUF_IOC_SERVE), which a call keeps
 *	with @server_get/@server_put instead of a module reference; kernel
 *	packages leave it NULL
 * @server_put: private to clientbuf: drops what @server_get took; set with
 *	it, kernel packages leave it NULL
 *
 * A package served from userspace has the same life: its server reads the
 * call (the kernel side returns CB_STATUS_PENDING for it), acts with
 * CLIENTBUF_IOC_SERVER_OP and completes it with the COMPLETE op; a
 * synchronous caller waits, an asynchronous one gets a completion record;
 * when the server exits or execs, its pending calls complete with
 * CB_STATUS_PORT_DISCONNECTED (Documentation/userspace-api.rst).
 */
struct clientbuf_package {
	const char *name;
	struct module *owner;
	ntstatus_t (*call_package)(struct clientbuf_request *request,
				   const void *submit, u32 submit_length,
				   struct clientbuf_call_result *result);
	void (*cancel)(struct clientbuf_request *request);
	const struct clientbuf_functions *functions;
	struct list_head list;
	void (*server_get)(struct clientbuf_package *package);
	void (*server_put)(struct clientbuf_package *package);
};

/**
 * clientbuf_register_package() - make a package callable by clients
 * @package: the package: ->name, ->owner and ->call_package set; it must
 *	stay in place until clientbuf_unregister_package() returns and its
 *	calls are completed
 *
 * Sets @package->functions to the client-buffer function table, as
 * SpInitialize() hands LSA_SECPKG_FUNCTION_TABLE to an LSA package, before
 * the first call can arrive: call it last in the module's init function,
 * when everything ->call_package() uses is ready.
 *
 * Context: process context, may sleep (takes the package list's mutex).
 *
 * Return: 0; -EINVAL: NULL @package, no ->call_package, or a name that is
 * missing, empty or CLIENTBUF_PACKAGE_NAME_MAX bytes or longer; -EEXIST: a
 * package of that name (kernel or served) is registered.
 */
int clientbuf_register_package(struct clientbuf_package *package);

/**
 * clientbuf_unregister_package() - stop new calls to a package
 * @package: a registered package
 *
 * New calls fail with CB_STATUS_NO_SUCH_PACKAGE once this returns. Calls
 * already running or pending go on: each keeps the package's module pinned
 * until it is completed, so a module with pending calls cannot be
 * unloaded (its exit function does not run). Call it first in the exit
 * function; then flush or destroy the package's own work items, which may
 * still be running code after they completed their requests.
 *
 * Context: process context, may sleep (takes the package list's mutex).
 */
void clientbuf_unregister_package(struct clientbuf_package *package);

/**
 * clientbuf_request_get() - take a reference to a request
 * @req: a request the caller may use (see above)
 *
 * For a package that answers later and uses the request after
 * clientbuf_complete_request(), or may complete it from two paths (its
 * work item and ->cancel()). Drop it with clientbuf_request_put().
 *
 * Context: any; does not sleep.
 *
 * Return: @req.
 */
struct clientbuf_request *clientbuf_request_get(struct clientbuf_request *req);

/**
 * clientbuf_request_put() - drop a reference to a request
 * @request: the request, or NULL
 *
 * The last reference frees the request, and may free its client.
 *
 * Context: process context, may sleep.
 */
void clientbuf_request_put(struct clientbuf_request *request);

/**
 * clientbuf_complete_request() - finish a call answered later
 * @request: a request ->call_package() returned CB_STATUS_PENDING for
 * @status: the call's final NTSTATUS; CB_STATUS_PENDING is turned into
 *	CB_STATUS_UNSUCCESSFUL
 * @protocol_status: the package's own status, reported whatever @status is
 * @return_buffer: client address of the answer (a block from
 *	allocate_client_buffer() or an out buffer the client named), or NULL;
 *	reported whatever @status is
 * @return_length: its length, reported when @return_buffer is set or
 *	@status is CB_STATUS_BUFFER_TOO_SMALL (the length needed), else 0
 *
 * Wakes a synchronous caller, or queues a completion record for read()
 * (dropped if the client closed the device). Afterwards every function
 * fails on @request, and it no longer pins the package's module. A second
 * completion is a package bug: ignored, with a rate-limited warning, if the
 * request is still referenced. clientbuf's own reference (the pending list)
 * lasts until this returns, so a package that does not touch @request
 * afterwards needs no reference of its own.
 *
 * Context: process context (a work item, a kthread, another process, or
 * ->cancel()), may sleep; not under a spinlock.
 */
void clientbuf_complete_request(struct clientbuf_request *request,
				ntstatus_t status, ntstatus_t protocol_status,
				void __user *return_buffer, u32 return_length);

/**
 * clientbuf_request_id() - the id the client knows the request by
 * @request: a request the caller may use
 *
 * Context: any; does not sleep.
 *
 * Return: clientbuf_call.request_id of the call (and of its completion
 * record).
 */
u64 clientbuf_request_id(const struct clientbuf_request *request);

#endif /* _CLIENTBUF_SECPKG_H */
