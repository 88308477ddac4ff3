// SPDX-License-Identifier: GPL-2.0
/*
 * mypkg: a package template for clientbuf.
 *
 * The package "mypkg" answers each call with "mypkg: " followed by the
 * bytes the client submitted, in a block it allocates in the client's
 * CLIENTBUF_BUF_ALLOC buffer (the ProtocolReturnBuffer of an LSA package).
 * Copy this directory, rename the package, and change mypkg_call().
 * See Documentation/write-a-package.rst.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <clientbuf/secpkg.h>

#define MYPKG_PREFIX "mypkg: "

static struct clientbuf_package mypkg_package;

static ntstatus_t mypkg_call(struct clientbuf_request *req,
			     const void *submit, u32 submit_len,
			     struct clientbuf_call_result *result)
{
	const struct clientbuf_functions *fn = mypkg_package.functions;
	u32 len = sizeof(MYPKG_PREFIX) - 1 + submit_len;
	void __user *block;
	ntstatus_t st;
	char *answer;

	answer = kmalloc(len, GFP_KERNEL);
	if (!answer)
		return CB_STATUS_INSUFFICIENT_RESOURCES;
	memcpy(answer, MYPKG_PREFIX, sizeof(MYPKG_PREFIX) - 1);
	memcpy(answer + sizeof(MYPKG_PREFIX) - 1, submit, submit_len);

	st = fn->allocate_client_buffer(req, len, &block);
	if (st == CB_STATUS_SUCCESS) {
		st = fn->copy_to_client_buffer(req, len, block, answer);
		if (st != CB_STATUS_SUCCESS)
			fn->free_client_buffer(req, block);
	}
	kfree(answer);
	if (st != CB_STATUS_SUCCESS)
		return st;
	result->protocol_status = CB_STATUS_SUCCESS;
	result->return_buffer = block;
	result->return_length = len;
	return CB_STATUS_SUCCESS;
}

static struct clientbuf_package mypkg_package = {
	.name = "mypkg",
	.owner = THIS_MODULE,
	.call_package = mypkg_call,
};

static int __init mypkg_init(void)
{
	return clientbuf_register_package(&mypkg_package);
}

static void __exit mypkg_exit(void)
{
	clientbuf_unregister_package(&mypkg_package);
}

module_init(mypkg_init);
module_exit(mypkg_exit);

MODULE_LICENSE("GPL");
CLIENTBUF_IMPORT_NS();
MODULE_DESCRIPTION("clientbuf package template: mypkg");
