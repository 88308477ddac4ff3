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

ntstatus_t copy_to_client_buffer(struct clientbuf_request *request,
				 u32 length, void __user *client_base,
				 const void *buffer);
ntstatus_t copy_from_client_buffer(struct clientbuf_request *request,
				   u32 length, void *buffer,
				   const void __user *client_base);
ntstatus_t allocate_client_buffer(struct clientbuf_request *request,
				  u32 length, void __user **client_base);
ntstatus_t free_client_buffer(struct clientbuf_request *request,
			      void __user *client_base);
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
 * calling functions->copy_to_client_buffer(...).
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
 * @protocol_status: the package's own status (ProtocolStatus)
 * @return_buffer: client address of the answer (ProtocolReturnBuffer)
 * @return_length: its length (ReturnBufferLength)
 */
struct clientbuf_call_result {
	ntstatus_t protocol_status;
	void __user *return_buffer;
	u32 return_length;
};

/**
 * struct clientbuf_package - a security package
 * @name: unique name clients call it by, at most
 *	CLIENTBUF_PACKAGE_NAME_MAX - 1 bytes
 * @owner: THIS_MODULE; pinned while a call runs or is pending
 * @call_package: LsaApCallPackage: handle one call. @submit is a kernel
 *	copy of the client's submit buffer, valid during the call only.
 *	Return the call's NTSTATUS and fill @result, or return CB_STATUS_PENDING
 *	after taking a reference with clientbuf_request_get(), and finish
 *	later with clientbuf_complete_request() from any context that may
 *	sleep (a request is alive until it is completed; the reference is
 *	for using it afterwards). Called in the client's context, may sleep.
 * @cancel: optional: the client went away while a call was pending; the
 *	package should complete it soon (copies now fail). May sleep.
 * @functions: set by clientbuf_register_package() (SpInitialize)
 * @list: private to clientbuf
 * @server_get: private to clientbuf: set by clientbuf for a
 *	userspace-served package (CLIENTBUF_IOC_SERVE), which a call keeps
 *	with @server_get/@server_put instead of a module reference; kernel
 *	packages leave it NULL
 * @server_put: private to clientbuf: drops what @server_get took; set with
 *	it, kernel packages leave it NULL
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

int clientbuf_register_package(struct clientbuf_package *package);
void clientbuf_unregister_package(struct clientbuf_package *package);

struct clientbuf_request *clientbuf_request_get(struct clientbuf_request *req);
void clientbuf_request_put(struct clientbuf_request *request);
void clientbuf_complete_request(struct clientbuf_request *request,
				ntstatus_t status, ntstatus_t protocol_status,
				void __user *return_buffer, u32 return_length);
u64 clientbuf_request_id(const struct clientbuf_request *request);

#endif /* _CLIENTBUF_SECPKG_H */
