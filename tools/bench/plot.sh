#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Plot a clientbuf-bench run (the CSV files tools/bench/bench.sh writes).
# Usage: tools/bench/plot.sh DIR KVER [ACCEL]
#   DIR/throughput-KVER.png  GiB/s against copy size, one line per path,
#                            the anchors dashed: one syscall per copy
#                            (left), in-kernel loops (right)
#   DIR/clients-KVER.png     logons per second against concurrent clients
set -euo pipefail
dir=$1
kver=$2
accel=${3:-}
command -v gnuplot >/dev/null ||
	{ echo "plot: gnuplot missing (scripts/install-deps.sh)" >&2; exit 1; }
csv=$dir/copies-$kver.csv
scale=$dir/clients-$kver.csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# $1 table (call|loop): one data block per path, and the plot clause
plot_clause() {
	local table=$1 i=0 clause='' key anchor style
	: > "$tmp/$table.dat"
	for key in $(awk -F, -v t="$table" '$1 == t { print $2 }' "$csv" |
		     awk '!seen[$0]++'); do
		anchor=$(awk -F, -v t="$table" -v k="$key" \
			 '$1 == t && $2 == k { print $10; exit }' "$csv")
		awk -F, -v t="$table" -v k="$key" \
			'$1 == t && $2 == k { print $3, $7 }' "$csv" \
			>> "$tmp/$table.dat"
		printf '\n\n' >> "$tmp/$table.dat"
		if [ "$anchor" = 1 ]; then style="lw 2 dt 2"; else style="lw 2"; fi
		clause="$clause${clause:+, }'$tmp/$table.dat' index $i using 1:2 with linespoints $style title '$key'"
		i=$((i + 1))
	done
	echo "$clause"
}

call=$(plot_clause call)
loop=$(plot_clause loop)
[ -n "$call" ] && [ -n "$loop" ] ||
	{ echo "plot: no data in $csv" >&2; exit 1; }
gnuplot <<EOG
set terminal pngcairo size 1800,800 noenhanced
set output '$dir/throughput-$kver.png'
set multiplot layout 1,2 title 'clientbuf throughput (medians), $kver, $accel'
set xlabel 'copy size (bytes)'
set ylabel 'GiB/s'
set logscale xy
set xtics ("64" 64, "512" 512, "4K" 4096, "64K" 65536, "1M" 1048576)
set grid
set key left top font ',8'
set title 'one syscall per copy (anchors dashed)'
plot $call
set title 'in-kernel loops: what a package pays inside the kernel'
plot $loop
unset multiplot
EOG

i=0
clause=
: > "$tmp/scale.dat"
for key in $(cut -d, -f1 "$scale" | awk '!seen[$0]++'); do
	awk -F, -v k="$key" '$1 == k { print $2, $3, $4, $5 }' "$scale" \
		>> "$tmp/scale.dat"
	printf '\n\n' >> "$tmp/scale.dat"
	clause="$clause${clause:+, }'$tmp/scale.dat' index $i using 1:2:3:4 with yerrorlines lw 2 title '$key'"
	i=$((i + 1))
done
[ -n "$clause" ] || { echo "plot: no data in $scale" >&2; exit 1; }
gnuplot <<EOG
set terminal pngcairo size 1000,700 noenhanced
set output '$dir/clients-$kver.png'
set title 'logons (32 B answer) per second, all clients; $kver, $accel'
set xlabel 'concurrent clients'
set ylabel 'calls/s (median, min-max)'
set logscale x 2
set xtics (1, 2, 4, 16)
set grid
set key left top
plot $clause
EOG
