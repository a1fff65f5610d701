#!/usr/bin/env bash
# Continuous modern Hopfield retrieval, one step, of the 10,000 MNIST test
# images against the 60,000 training images (d = 784, β = 1, intensities in
# [0,1]): ebm (BenchmarkContinuousMNIST) and PyTorch's one-liner
# torch.softmax(beta * Q @ X.T, 1) @ X, one after the other on the same
# machine; prints queries/s, GFLOP/s (4·Q·M·d flops) and the ratio, and the
# CPU seconds each used with the work per CPU-second, which a busy machine
# disturbs less than the wall clock: for ebm the whole benchmark process
# (including about a second of loading MNIST, so its figure is a lower
# bound), for torch the timed statement alone (time.process_time; OpenMP
# threads that spin while waiting count too).
#
#	bench/hopfield_vs_torch.sh [pairs] [unit|real]
#
# runs that many ebm-then-torch pairs (default 1), each reported with the
# load average before and after it. "real" (issue 15) retrieves real-valued
# keys and values instead (BenchmarkContinuousMNISTKeyValue): K = the
# training images standardized per image, Q = the test images standardized
# the same way (by ebm's memory, inside the timed call; torch's Q is
# prepared before its clock starts), V = the training images minus the
# mean image, β = 1/28, and torch's torch.softmax(beta * Q @ K.T, 1) @ V.
# Needs Debian's python3-torch and OpenBLAS (installed with apt-get when
# missing).
set -euo pipefail
pairs=${1:-1}
data=${2:-unit}
case $data in
unit) bench=ContinuousMNIST$ ;;
real) bench=ContinuousMNISTKeyValue ;;
*) echo "data must be unit or real, got $data" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# Debian's torch calls the system BLAS (BLAS_INFO=generic): with only the
# reference libblas3 that apt pulls in, its products run at about 1 GFLOP/s,
# so OpenBLAS is installed too (measured 2026-12-01: 48 GFLOP/s on one core).
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null || ! readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 | grep -q openblas; then
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-pthread >&2
fi
echo "torch's BLAS: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/bench.test" ./bench
cat >"$tmp/retrieve_torch.py" <<'PY'
import gzip, struct, sys, time
import numpy as np, torch
def load(p):
    with gzip.open(p, "rb") as f:
        _, n, r, c = struct.unpack(">IIII", f.read(16))
        return np.frombuffer(f.read(n * r * c), dtype=np.uint8).reshape(n, r * c)
d, data = sys.argv[1], sys.argv[2]
X = torch.from_numpy(load(d + "/train-images-idx3-ubyte.gz").astype(np.float32) / 255)
Q = torch.from_numpy(load(d + "/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255)
K, V, beta = X, X, 1.0
if data == "real":
    def standardize(A):
        A = A.double()
        A = (A - A.mean(1, keepdim=True)) / A.std(1, unbiased=False, keepdim=True)
        return A.float().contiguous()
    K, Q, V, beta = standardize(X), standardize(Q), (X - X.double().mean(0).float()).contiguous(), 1.0 / 28
torch.set_num_threads(2)
t, c = time.perf_counter(), time.process_time()
with torch.no_grad():
    R = torch.softmax(beta * Q @ K.T, 1) @ V
el, cpu = time.perf_counter() - t, time.process_time() - c
print(Q.shape[0] / el, cpu)
PY
echo "machine: $(nproc) cores; data: $data"
TIMEFORMAT='%U %S'
for ((run = 1; run <= pairs; run++)); do
	echo "pair $run of $pairs, $(date '+%F %T'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
	{ time "$tmp/bench.test" -test.run xxx -test.bench "$bench" -test.benchtime 1x >"$tmp/ebm.out"; } 2>"$tmp/ebm.time"
	ebm=$(awk '/queries\/s/ {for (i=1;i<=NF;i++) if ($(i+1)=="queries/s") print $i}' "$tmp/ebm.out")
	ebmcpu=$(awk '{print $1 + $2}' "$tmp/ebm.time")
	# A command substitution, not a process substitution: bash must have
	# reaped python before the next ebm run, or python's CPU time would be
	# counted in that run's time.
	out=$(/usr/bin/python3 "$tmp/retrieve_torch.py" "$root/dataset/mnistdata" "$data")
	read -r torch torchcpu <<<"$out"
	awk -v e="$ebm" -v t="$torch" -v ec="$ebmcpu" -v tc="$torchcpu" 'BEGIN {
		f = 4 * 10000 * 60000 * 784 / 1e9
		printf "%-8s %10s %9s %7s %16s\n", "", "queries/s", "GFLOP/s", "CPU s", "GFLOP per CPU-s"
		printf "%-8s %10.0f %9.1f %7.1f %16.1f\n", "ebm", e, e * f / 10000, ec, f / ec
		printf "%-8s %10.0f %9.1f %7.1f %16.1f\n", "torch", t, t * f / 10000, tc, f / tc
		printf "ebm ÷ torch: %.2f (per CPU-second: %.2f)\n", e / t, tc / ec
	}'
	echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
done
