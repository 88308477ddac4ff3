/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clientbuf tracepoints: /sys/kernel/tracing/events/clientbuf/
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM clientbuf

#if !defined(_CLIENTBUF_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _CLIENTBUF_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/clientbuf.h>

TRACE_EVENT(clientbuf_register,
	TP_PROTO(pid_t tgid, u32 id, u64 addr, u64 len, u32 flags, u32 status),
	TP_ARGS(tgid, id, addr, len, flags, status),
	TP_STRUCT__entry(
		__field(pid_t, tgid)
		__field(u32, id)
		__field(u64, addr)
		__field(u64, len)
		__field(u32, flags)
		__field(u32, status)
	),
	TP_fast_assign(
		__entry->tgid = tgid;
		__entry->id = id;
		__entry->addr = addr;
		__entry->len = len;
		__entry->flags = flags;
		__entry->status = status;
	),
	TP_printk("tgid=%d id=%u addr=0x%llx len=%llu flags=0x%x status=0x%08x",
		  __entry->tgid, __entry->id, __entry->addr, __entry->len,
		  __entry->flags, __entry->status)
);

TRACE_EVENT(clientbuf_unregister,
	TP_PROTO(pid_t tgid, u32 id, u32 status),
	TP_ARGS(tgid, id, status),
	TP_STRUCT__entry(
		__field(pid_t, tgid)
		__field(u32, id)
		__field(u32, status)
	),
	TP_fast_assign(
		__entry->tgid = tgid;
		__entry->id = id;
		__entry->status = status;
	),
	TP_printk("tgid=%d id=%u status=0x%08x",
		  __entry->tgid, __entry->id, __entry->status)
);

TRACE_EVENT(clientbuf_call_start,
	TP_PROTO(pid_t tgid, u64 req_id, const char *package, u32 submit_len,
		 bool async),
	TP_ARGS(tgid, req_id, package, submit_len, async),
	TP_STRUCT__entry(
		__field(pid_t, tgid)
		__field(u64, req_id)
		__array(char, package, CLIENTBUF_PACKAGE_NAME_MAX)
		__field(u32, submit_len)
		__field(bool, async)
	),
	TP_fast_assign(
		__entry->tgid = tgid;
		__entry->req_id = req_id;
		strscpy(__entry->package, package, sizeof(__entry->package));
		__entry->submit_len = submit_len;
		__entry->async = async;
	),
	TP_printk("tgid=%d req=%llu package=%s submit_len=%u async=%d",
		  __entry->tgid, __entry->req_id, __entry->package,
		  __entry->submit_len, __entry->async)
);

TRACE_EVENT(clientbuf_call_end,
	TP_PROTO(u64 req_id, u32 status, u32 protocol_status, u32 return_len),
	TP_ARGS(req_id, status, protocol_status, return_len),
	TP_STRUCT__entry(
		__field(u64, req_id)
		__field(u32, status)
		__field(u32, protocol_status)
		__field(u32, return_len)
	),
	TP_fast_assign(
		__entry->req_id = req_id;
		__entry->status = status;
		__entry->protocol_status = protocol_status;
		__entry->return_len = return_len;
	),
	TP_printk("req=%llu status=0x%08x protocol_status=0x%08x return_len=%u",
		  __entry->req_id, __entry->status, __entry->protocol_status,
		  __entry->return_len)
);

TRACE_EVENT(clientbuf_copy,
	TP_PROTO(u64 req_id, int path, bool to_client, u64 addr, u32 len,
		 u32 status),
	TP_ARGS(req_id, path, to_client, addr, len, status),
	TP_STRUCT__entry(
		__field(u64, req_id)
		__field(int, path)
		__field(bool, to_client)
		__field(u64, addr)
		__field(u32, len)
		__field(u32, status)
	),
	TP_fast_assign(
		__entry->req_id = req_id;
		__entry->path = path;
		__entry->to_client = to_client;
		__entry->addr = addr;
		__entry->len = len;
		__entry->status = status;
	),
	TP_printk("req=%llu path=%s dir=%s addr=0x%llx len=%u status=0x%08x",
		  __entry->req_id,
		  __print_symbolic(__entry->path, { 0, "client_context" },
				   { 1, "kthread" }, { 2, "other_process" },
				   { 3, "pinned" }),
		  __entry->to_client ? "to_client" : "from_client",
		  __entry->addr, __entry->len, __entry->status)
);

#endif /* _CLIENTBUF_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE clientbuf_trace
#include <trace/define_trace.h>
