#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /bin/run-bench in the test VM (scripts/vm-init MODE=bench): the modules
# are loaded; run the benchmark with the arguments tools/bench/bench.sh
# put in /etc/cbbench.args. The benchmark sets up ftrace itself (function
# tracer, kprobes, kmem and raw_syscalls events) for the work-per-operation
# table and puts it back to nop when done.
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
# shellcheck disable=SC2086 # a list of arguments
/bin/clientbuf-bench $args
