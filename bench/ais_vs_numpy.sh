#!/bin/sh
# AIS side by side: ebm (BenchmarkAIS: 100 chains of the committed 784→500
# MNIST model through a 1,451-value schedule, GOMAXPROCS 2 and 1) and plain
# NumPy/OpenBLAS (bench/ais_numpy.py, the same model, chains and schedule),
# alternating, PAIRS times (default 2). Prints seconds per run and the ratio
# ebm ÷ NumPy of each pair. Run from the repository root.
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
		ns=$(cd bench && "$tmp/bench.test" -test.run XXX -test.bench '^BenchmarkAIS$' -test.benchtime 1x -test.cpu "$p" |
			awk '/^BenchmarkAIS/ {print $3}')
		echo "  ebm GOMAXPROCS=$p  $(echo "$ns" | awk '{printf "%.2f s", $1/1e9}')"
		eval "ebm$p=$ns"
	done
	np=$(/usr/bin/python3 bench/ais_numpy.py "$model" --betas 1451 | sed 's/.*"seconds": \([0-9.]*\).*/\1/')
	echo "  numpy            $(printf '%.2f' "$np") s"
	awk -v a="$ebm2" -v b="$ebm1" -v n="$np" 'BEGIN {printf "  ebm÷numpy: GOMAXPROCS=2 %.3f, GOMAXPROCS=1 %.3f\n", a/1e9/n, b/1e9/n}'
done
