#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /bin/run-bench in the test VM (scripts/vm-init MODE=bench): the modules
# are loaded; run the benchmark with the arguments tools/bench/bench.sh
# put in /etc/cbbench.args, then (unless BENCH_PROFILE=0 there) one traced
# call of each main path under ftrace's function_graph tracer, whose
# durations are the per-function breakdown Documentation/performance.rst
# quotes.
set -e
wait_dev() {
	i=0
	while [ ! -c "$1" ] && [ $i -lt 20 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
wait_dev /dev/clientbuf
wait_dev /dev/clientbuf_bench
args=$(cat /etc/cbbench.args 2>/dev/null || true)
echo "CBBENCH-INFO: guest cmdline: $(cat /proc/cmdline)"
p=$(cat /sys/kernel/slab/kmalloc-4k/poison 2>/dev/null || echo '?')
echo "CBBENCH-INFO: guest slab poisoning (kmalloc-4k): $p"
profile=$(cat /etc/cbbench.profile 2>/dev/null || echo 1)
# shellcheck disable=SC2086 # a list of arguments
/bin/clientbuf-bench $args

t=/sys/kernel/tracing
if [ "$profile" = 1 ] && [ -w $t/current_tracer ] &&
   grep -qw function_graph $t/available_tracers; then
	echo 0 > $t/tracing_on
	echo 8192 > $t/buffer_size_kb
	echo function_graph > $t/current_tracer
	echo 7 > $t/max_graph_depth
	echo funcgraph-tail > $t/trace_options 2>/dev/null || true
	echo nofuncgraph-irqs > $t/trace_options 2>/dev/null || true
	: > $t/set_graph_function
	for f in cbb_ioctl cb_ioctl __x64_sys_process_vm_writev \
		 __x64_sys_pwrite64; do
		echo "$f" >> $t/set_graph_function 2>/dev/null ||
			echo "run-bench: cannot trace $f"
	done
	: > $t/trace
	/bin/clientbuf-bench -P
	echo "CBBENCH-PROFILE-BEGIN (function_graph, max depth 7, TCG: times are inflated by the tracer)"
	sed 's/^/CBBENCH-PROFILE: /' $t/trace
	echo "CBBENCH-PROFILE-END"
	echo nop > $t/current_tracer
fi
