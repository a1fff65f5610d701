#!/bin/sh
# AIS side by side: ebm (BenchmarkAIS: 100 chains of the committed 784→500
# MNIST model through a 1,451-value schedule, GOMAXPROCS 2 and 1) and plain
# NumPy/OpenBLAS (bench/ais_numpy.py, the same model, chains and schedule),
# alternating, PAIRS times (default 2). Prints wall and CPU seconds per run
# and the ratios ebm ÷ NumPy of each pair (on a busy machine the CPU ratio
# is the steadier one). Run from the repository root.
set -eu
pairs=${1:-2}
model=experiments/models/cd25-e200-d0.05.safetensors
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/bench.test" ./bench
go run ./cmd/ebm version | sed -n 4,5p
grep -m1 'model name' /proc/cpuinfo
for i in $(seq "$pairs"); do
	echo "pair $i, load $(cut -d' ' -f1-3 /proc/loadavg)"
	for p in 2 1; do
		# ns/op and paper-chains-per-cpu-s: CPU s = 10 paper chains ÷ the rate.
		out=$(cd bench && "$tmp/bench.test" -test.run XXX -test.bench '^BenchmarkAIS$' -test.benchtime 1x -test.cpu "$p" |
			awk '/^BenchmarkAIS/ {printf "%.3f %.3f", $3/1e9, 10/$5}')
		set -- $out
		echo "  ebm GOMAXPROCS=$p  $1 s wall, $2 s CPU"
		eval "wall$p=$1 cpu$p=$2"
	done
	js=$(/usr/bin/python3 bench/ais_numpy.py "$model" --betas 1451)
	nw=$(echo "$js" | sed 's/.*"seconds": \([0-9.]*\).*/\1/')
	nc=$(echo "$js" | sed 's/.*"cpu_seconds": \([0-9.]*\).*/\1/')
	echo "  numpy            $(printf '%.3f' "$nw") s wall, $(printf '%.3f' "$nc") s CPU"
	awk -v a="$wall2" -v b="$wall1" -v c="$cpu2" -v d="$cpu1" -v nw="$nw" -v nc="$nc" 'BEGIN {
		printf "  ebm÷numpy wall: GOMAXPROCS=2 %.3f, GOMAXPROCS=1 %.3f; CPU: %.3f, %.3f\n", a/nw, b/nw, c/nc, d/nc }'
done
