#!/usr/bin/env bash
# How much can a second core give on this machine, and how much of it does
# ebm take? Interleaved rounds of the CD-1 training step (BenchmarkTrainStep,
# 784→500, batch 100):
#   one      one process, GOMAXPROCS=1
#   pair     two independent processes at once, GOMAXPROCS=1 each: their
#            summed rate is the ceiling the host gives two cores' worth of
#            this work (shared caches, memory, a host that runs the virtual
#            CPUs on shared physical ones) — no parallel code can beat it
#   threads  one process, GOMAXPROCS=2: ebm's own split of each step
# and prints the medians and the ratios pair÷one (the ceiling), threads÷one
# (issue 19's "GOMAXPROCS=2 ÷ GOMAXPROCS=1") and threads÷pair.
#
#   sh bench/two_cores.sh [rounds]        (default 10)
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/rbm.test" ./rbm
run() { (cd rbm && "$tmp/rbm.test" -test.run xxx -test.bench '^BenchmarkTrainStep$/^cd$' -test.cpu "$1" -test.benchtime 600x) |
  awk '/^BenchmarkTrainStep/ {print $3}'; }
grep -m1 "model name" /proc/cpuinfo || true
echo "rounds: $rounds; ns per step"
for r in $(seq "$rounds"); do
  one=$(run 1)
  run 1 > "$tmp/a" & run 1 > "$tmp/b"; wait
  pair=$(( ($(cat "$tmp/a") + $(cat "$tmp/b")) / 2 ))
  threads=$(run 2)
  echo "round $r one $one pair $pair threads $threads"
done | tee "$tmp/rounds"
awk '{one[NR]=$4; pair[NR]=$6; thr[NR]=$8}
  function med(a, n,   i, j, t, b) { for (i = 1; i <= n; i++) b[i] = a[i]
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
    return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2 }
  END { n = NR; o = med(one, n); p = med(pair, n); t = med(thr, n)
    printf "median ns/step: one %d, pair %d (each), threads %d\n", o, p, t
    printf "samples/s: one %.0f, pair %.0f (both together), threads %.0f\n", 1e11 / o, 2e11 / p, 1e11 / t
    printf "pair ÷ one %.2f (the ceiling of two cores here), threads ÷ one %.2f, threads ÷ pair %.2f\n", 2 * o / p, o / t, p / (2 * t) }' "$tmp/rounds"
