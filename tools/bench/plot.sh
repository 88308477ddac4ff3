#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Plot throughput against copy size from a clientbuf-bench CSV.
# Usage: tools/bench/plot.sh RESULTS.csv OUT.png [TITLE]
set -euo pipefail
csv=$1
png=$2
title=${3:-}
command -v gnuplot >/dev/null || { echo "plot: gnuplot missing (scripts/install-deps.sh)" >&2; exit 1; }
# The rows worth a line; the variants stay in the CSV and the tables.
rows="memcpy sse2_loop local_kloop kthread_kloop remote_kloop pin_kloop local_call
remote_ioctl pin_ioctl pin_vec64 server_op_unpinned server_op_pinned
process_vm_writev proc_pid_mem"
dat=$(mktemp)
trap 'rm -f "$dat"' EXIT
plot=
i=0
for r in $rows; do
	grep -q "^$r," "$csv" || continue
	awk -F, -v r="$r" '$1 == r { print $2, $4 }' "$csv" >> "$dat"
	printf '\n\n' >> "$dat"
	case $r in
	memcpy|sse2_loop|process_vm_writev|proc_pid_mem) style="lw 3 dt 2" ;;
	*) style="lw 2" ;;
	esac
	plot="$plot${plot:+, }'$dat' index $i using 1:2 with linespoints $style title '$r'"
	i=$((i + 1))
done
gnuplot <<EOG
set terminal pngcairo size 1200,800 noenhanced
set output '$png'
set title 'clientbuf copy throughput (medians) $title'
set xlabel 'copy size (bytes)'
set ylabel 'GiB/s'
set logscale xy
set xtics ("64" 64, "512" 512, "4K" 4096, "64K" 65536, "1M" 1048576, "16M" 16777216)
set grid
set key outside right
plot $plot
EOG
