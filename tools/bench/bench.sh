#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the clientbuf benchmark in the test VM and collect its results
# (the "bench" target of the top-level Makefile).
#
# Usage: tools/bench/bench.sh [KVER]      (default 6.12: the newest 6.12.*)
#
# Needs the modules for KVER, the selftests and build/bench/clientbuf-bench
# built ("make bench" does that). Writes to build/bench/:
#   results-KVER.txt   machine, kernel, accelerator, the tables, the targets
#   copies-KVER.csv    table,path,size,median ns,min ns,max ns,GiB/s,
#                      iterations,primitive,anchor
#   logon-KVER.csv     path,answer bytes,calls/s median,min,max
#   clients-KVER.csv   package,clients,calls/s median,min,max
#   work-KVER.csv      path,size,copy bytes per byte,allocations,largest,
#                      gup calls,vma lookups,locks,syscalls,faults,
#                      module copies,anchor
#   throughput-KVER.png   throughput against copy size, one line per path
#                      (anchors dashed); clients-KVER.png calls/s against
#                      clients
# Environment: BENCH_ARGS (default empty; "-q" for a short run, see
# tools/bench/clientbuf_bench.c), VM_TIMEOUT (default 1200), as for
# scripts/vm-run.sh, and
#   BENCH_CLOCK=insn   (default) the guest clock counts instructions: the
#                      VM boots with ACCEL_INSN (QEMU -icount shift=0,
#                      one vCPU thread), everything but the many-clients
#                      comparison (5) runs there and the targets are judged
#                      on it; 5 then runs in a second VM on the wall clock
#                      (ACCEL, default: detected, as for scripts/vm-run.sh),
#                      since it needs vCPUs that really run in parallel
#   BENCH_CLOCK=wall   one VM, everything on the wall clock (ACCEL)
#   ACCEL_INSN         default "-accel tcg,thread=single -cpu max
#                      -icount shift=0,sleep=on"
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
out=$build/bench
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
kver=${1:-6.12}
kver=$(resolve_kernel "$kver") ||
	{ echo "bench: no kernel $kver" >&2; exit 1; }
bin=$out/clientbuf-bench
[ -x "$bin" ] || { echo "bench: $bin missing (make -C tools/bench)" >&2; exit 1; }

clock=${BENCH_CLOCK:-insn}
case $clock in
insn|wall) ;;
*) echo "bench: BENCH_CLOCK is insn or wall, not '$clock'" >&2; exit 1 ;;
esac
accel_insn=${ACCEL_INSN:-"-accel tcg,thread=single -cpu max -icount shift=0,sleep=on"}
accel_wall=${ACCEL:-$(cat "$build/accel" 2>/dev/null || echo '')}

mkdir -p "$out"
env=$out/cbbench.env
args=$out/cbbench.args

# run_vm CLOCK ACCEL ARGS LOG: one bench VM; its console log goes to LOG.
run_vm() {
	local k=$1 a=$2 bargs=$3 dest=$4 r=0
	{
		echo "host cpu model \"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')\", host nproc $(nproc), host kernel $(uname -r)"
		echo "qemu $(qemu-system-x86_64 --version | head -n 1 | sed 's/QEMU emulator version //')"
		echo "accelerator (as configured before boot): ${a:-detected at boot}"
	} > "$env"
	echo "-k $k $bargs" > "$args"
	# The test harness boots with slub_debug=FZPU and KFENCE sampling,
	# which tax every allocation (poisoning); measure the production
	# configuration.
	ACCEL=$a \
	VM_APPEND="${VM_APPEND:-} slub_debug=- kfence.sample_interval=0" \
	VM_TIMEOUT=${VM_TIMEOUT:-1200} \
	RUN_SCRIPT=$top/tools/bench/run-bench.sh \
	EXTRA_FILES="$bin:/bin/clientbuf-bench $env:/etc/cbbench.env $args:/etc/cbbench.args" \
		"$top/scripts/vm-run.sh" "$kver" bench || r=$?
	mv "$build/$kver/bench.log" "$dest"
	return $r
}

# results LOG ACCEL: the report part of a VM's console log.
results() {
	local a=$2
	echo "CBBENCH-INFO: accelerator used: ${a:-?} ($( [[ $a == *kvm* ]] && echo KVM || echo TCG))"
	awk '/^CBBENCH-INFO: guest cmdline/ { on = 1 }
	     on && !/^CBBENCH-(CSV|CALLS|SCALE|WORK),/ &&
	     !/^\[ *[0-9.]+\]/ { print }
	     /^CBBENCH-(TARGETS|FAILED):/ { on = 0 }' "$1"
}

rc=0
rc2=0
log=$build/$kver/bench-$clock.log
logs=$log
if [ "$clock" = insn ]; then
	run_vm insn "$accel_insn" "${BENCH_ARGS:-} -S" "$log" || rc=$?
	# 5 needs vCPUs running in parallel: the wall clock, a VM of its own
	if [ -z "$accel_wall" ]; then
		accel_wall=$(cat "$build/accel" 2>/dev/null || echo '')
	fi
	logs="$log $build/$kver/bench-wall-clients.log"
	run_vm wall "$accel_wall" "${BENCH_ARGS:-} -s" \
		"$build/$kver/bench-wall-clients.log" || rc2=$?
	[ -n "$accel_wall" ] || accel_wall=$(cat "$build/accel" 2>/dev/null || echo '?')
else
	run_vm wall "$accel_wall" "${BENCH_ARGS:-}" "$log" || rc=$?
	[ -n "$accel_wall" ] || accel_wall=$(cat "$build/accel" 2>/dev/null || echo '?')
fi

txt=$out/results-$kver.txt
csv=$out/copies-$kver.csv
png=$out/throughput-$kver.png
{
	echo "# clientbuf bench, $(date -u +%Y-%m-%dT%H:%MZ), git $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')"
	if [ "$clock" = insn ]; then
		echo "CBBENCH-INFO: clock: the targets are judged on the instruction clock (QEMU -icount shift=0); many clients (5) on the wall clock, in a second VM"
		results "$log" "$accel_insn"
		echo
		echo "# many clients (5), wall clock, a second VM"
		results "$build/$kver/bench-wall-clients.log" "$accel_wall"
	else
		echo "CBBENCH-INFO: clock: wall (BENCH_CLOCK=wall); figures include the emulator's speed and the host's load"
		results "$log" "$accel_wall"
	fi
} > "$txt"
# shellcheck disable=SC2086 # a list of logs
cat $logs > "$build/$kver/bench.log"
grep -a '^CBBENCH-CSV,' "$log" | cut -d, -f2- > "$csv" || true
grep -a '^CBBENCH-CALLS,' "$log" | cut -d, -f2- > "$out/logon-$kver.csv" || true
# shellcheck disable=SC2086
grep -ah '^CBBENCH-SCALE,' $logs | cut -d, -f2- > "$out/clients-$kver.csv" || true
grep -a '^CBBENCH-WORK,' "$log" | cut -d, -f2- > "$out/work-$kver.csv" || true
"$top/tools/bench/plot.sh" "$out" "$kver" "$clock clock" || rc=1
cat "$txt"
echo "bench: $txt, $csv, $out/logon-$kver.csv, $out/clients-$kver.csv, $out/work-$kver.csv, $png, $out/clients-$kver.png"
if [ $rc != 0 ] || [ $rc2 != 0 ] || [ ! -s "$csv" ] ||
   grep -q '^CBBENCH-FAILED' "$txt" ||
   [ "$(grep -c '^CBBENCH-TARGETS:' "$txt")" != \
     "$( [ "$clock" = insn ] && echo 2 || echo 1)" ]; then
	echo "bench: the run failed (rc=$rc, $rc2); see $logs" >&2
	exit 1
fi
