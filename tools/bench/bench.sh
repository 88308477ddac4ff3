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
# tools/bench/clientbuf_bench.c), ACCEL, VM_TIMEOUT (default 1200), as for
# scripts/vm-run.sh.
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

mkdir -p "$out"
env=$out/cbbench.env
args=$out/cbbench.args
{
	echo "host cpu model \"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')\", host nproc $(nproc), host kernel $(uname -r)"
	echo "qemu $(qemu-system-x86_64 --version | head -n 1 | sed 's/QEMU emulator version //')"
	echo "accelerator (as configured before boot): ${ACCEL:-$(cat "$build/accel" 2>/dev/null || echo 'detected at boot')}"
} > "$env"
echo "${BENCH_ARGS:-}" > "$args"

# The test harness boots with slub_debug=FZPU and KFENCE sampling, which
# tax every allocation (poisoning); measure the production configuration.
rc=0
VM_APPEND="${VM_APPEND:-} slub_debug=- kfence.sample_interval=0" \
VM_TIMEOUT=${VM_TIMEOUT:-1200} \
RUN_SCRIPT=$top/tools/bench/run-bench.sh \
EXTRA_FILES="$bin:/bin/clientbuf-bench $env:/etc/cbbench.env $args:/etc/cbbench.args" \
	"$top/scripts/vm-run.sh" "$kver" bench || rc=$?

log=$build/$kver/bench.log
txt=$out/results-$kver.txt
csv=$out/copies-$kver.csv
png=$out/throughput-$kver.png
accel=${ACCEL:-$(cat "$build/accel" 2>/dev/null || echo '?')}
{
	echo "# clientbuf bench, $(date -u +%Y-%m-%dT%H:%MZ), git $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')"
	echo "CBBENCH-INFO: accelerator used: ${accel:-?} ($( [[ $accel == *kvm* ]] && echo KVM || echo TCG))"
	awk '/^CBBENCH-INFO: guest cmdline/ { on = 1 }
	     on && !/^CBBENCH-(CSV|CALLS|SCALE|WORK),/ &&
	     !/^\[ *[0-9.]+\]/ { print }
	     /^CBBENCH-(TARGETS|FAILED):/ { on = 0 }' "$log"
} > "$txt"
grep -a '^CBBENCH-CSV,' "$log" | cut -d, -f2- > "$csv" || true
grep -a '^CBBENCH-CALLS,' "$log" | cut -d, -f2- > "$out/logon-$kver.csv" || true
grep -a '^CBBENCH-SCALE,' "$log" | cut -d, -f2- > "$out/clients-$kver.csv" || true
grep -a '^CBBENCH-WORK,' "$log" | cut -d, -f2- > "$out/work-$kver.csv" || true
"$top/tools/bench/plot.sh" "$out" "$kver" "${accel:-?}" || rc=1
cat "$txt"
echo "bench: $txt, $csv, $out/logon-$kver.csv, $out/clients-$kver.csv, $out/work-$kver.csv, $png, $out/clients-$kver.png"
if [ $rc != 0 ] || [ ! -s "$csv" ] || grep -q '^CBBENCH-FAILED' "$txt" ||
   ! grep -q '^CBBENCH-TARGETS:' "$txt"; then
	echo "bench: the run failed (rc=$rc); see $log" >&2
	exit 1
fi
