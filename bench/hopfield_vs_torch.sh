#!/usr/bin/env bash
# Continuous modern Hopfield retrieval, one step, of the 10,000 MNIST test
# images against the 60,000 training images (d = 784, β = 1, intensities in
# [0,1]): ebm (BenchmarkContinuousMNIST) and PyTorch's one-liner
# torch.softmax(beta * Q @ X.T, 1) @ X, in one run on the same machine;
# prints queries/s, GFLOP/s (4·Q·M·d flops) and the ratio.
# Needs Debian's python3-torch (installed with apt-get when missing).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >&2
fi
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
ebm=$(go test -run xxx -bench ContinuousMNIST -benchtime 1x ./bench | awk '/queries\/s/ {for (i=1;i<=NF;i++) if ($(i+1)=="queries/s") print $i}')
torch=$(/usr/bin/python3 - "$root/dataset/mnistdata" <<'PY'
import gzip, struct, sys, time
import numpy as np, torch
def load(p):
    with gzip.open(p, "rb") as f:
        _, n, r, c = struct.unpack(">IIII", f.read(16))
        return np.frombuffer(f.read(n * r * c), dtype=np.uint8).reshape(n, r * c)
d = sys.argv[1]
X = torch.from_numpy(load(d + "/train-images-idx3-ubyte.gz").astype(np.float32) / 255)
Q = torch.from_numpy(load(d + "/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255)
beta = 1.0
torch.set_num_threads(2)
t = time.perf_counter()
with torch.no_grad():
    R = torch.softmax(beta * Q @ X.T, 1) @ X
el = time.perf_counter() - t
print(Q.shape[0] / el)
PY
)
awk -v e="$ebm" -v t="$torch" 'BEGIN {
	f = 4 * 10000 * 60000 * 784 / 1e9
	printf "%-8s %10s %9s\n", "", "queries/s", "GFLOP/s"
	printf "%-8s %10.0f %9.1f\n", "ebm", e, e * f / 10000
	printf "%-8s %10.0f %9.1f\n", "torch", t, t * f / 10000
	printf "ebm ÷ torch: %.2f\n", e / t
}'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
