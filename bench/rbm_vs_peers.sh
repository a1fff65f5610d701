#!/usr/bin/env bash
# One epoch of CD-1 on MNIST (784 → 500, batch 100, threshold-binarized,
# 60,000 images) by `ebm rbm train` and by the peers of rbm_peers.py
# (scikit-learn BernoulliRBM float32/float64, a plain PyTorch CPU RBM), in one
# run on the same machine, printing samples/s for each and the ratios.
#
# Usage: bench/rbm_vs_peers.sh            (from anywhere in the repository)
# Environment:
#   EBM=path        use this ebm binary instead of building ./cmd/ebm
#   BASELINE_REF=r  also build and time the ebm of git revision r (e.g. the
#                   commit before the fast kernels), for the regression check
#   EXTRA="n=p …"  also time these ebm binaries, labelled n (e.g. a build
#                   with proposed wiring)
#   PROCS="2 1"     GOMAXPROCS values to time ebm with (default: "2 1")
#   PEERS=path      rbm_peers.py (default: ../shared/peers/rbm_peers.py)
#   PEER_LIST=…     peers to run (default: sklearn32,sklearn64,torch)
#   SKIP_PEERS=1    time ebm only
# The peers need Debian's python3-sklearn and python3-torch; the script
# installs them with apt-get when /usr/bin/python3 cannot import them.
# Timings on a shared machine are noisy: compare the ratios of one run.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

peers=${PEERS:-$root/../shared/peers/rbm_peers.py}
procs=${PROCS:-2 1}
mnist=$root/dataset/mnistdata

if [[ -z "${EBM:-}" ]]; then
	CGO_ENABLED=0 go build -o "$tmp/ebm" ./cmd/ebm
	EBM=$tmp/ebm
fi
bins=("ebm=$EBM")
for e in ${EXTRA:-}; do
	bins+=("$e")
done
if [[ -n "${BASELINE_REF:-}" ]]; then
	git worktree add -q --detach "$tmp/base" "$BASELINE_REF"
	(cd "$tmp/base" && CGO_ENABLED=0 go build -o "$tmp/ebm-base" ./cmd/ebm)
	git worktree remove --force "$tmp/base"
	bins+=("ebm@$BASELINE_REF=$tmp/ebm-base")
fi

if [[ -z "${SKIP_PEERS:-}" ]]; then
	if ! /usr/bin/python3 -c 'import sklearn, torch' 2>/dev/null; then
		echo "installing python3-sklearn python3-torch with apt-get…" >&2
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-sklearn python3-torch >&2
	fi
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
results=$tmp/results
: >"$results"

time_ebm() { # $1: before or after
	for b in "${bins[@]}"; do
		name=${b%%=*}
		bin=${b#*=}
		for p in $procs; do
			GOMAXPROCS=$p "$bin" rbm train --data mnist --hidden 500 --batch 100 --method cd --k 1 \
				--epochs 1 --json -q --pll-rows 1 --monitor 100 --out "$tmp/model.safetensors" >"$tmp/out.json"
			sps=$(/usr/bin/python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["samples_per_second"], 1))' "$tmp/out.json")
			echo "$name(GOMAXPROCS=$p) $sps $1" | tee -a "$results"
		done
	done
}

# ebm is timed before and after the peers (the load of a shared machine
# drifts); its figure is the mean of the two.
time_ebm before
if [[ -z "${SKIP_PEERS:-}" ]]; then
	/usr/bin/python3 "$peers" --mnist "$mnist" --hidden 500 --batch 100 --samples 60000 \
		--peers "${PEER_LIST:-sklearn32,sklearn64,torch}" >"$tmp/peers.json"
	/usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("{"):
        r = json.loads(line)
        print(r["peer"], r["samples_per_s"], "peer")
' "$tmp/peers.json" | tee -a "$results"
	time_ebm after
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "--- samples/s (ebm: mean of the runs before and after the peers) and ratios ---"
/usr/bin/python3 -c '
import sys, collections
runs = collections.OrderedDict()
for l in open(sys.argv[1]):
    f = l.split()
    if f:
        runs.setdefault(f[0], []).append(float(f[1]))
base = sys.argv[2]
vals = {n: sum(v) / len(v) for n, v in runs.items()}
peers = {n: v for n, v in vals.items() if not n.startswith("ebm")}
best = max(peers, key=peers.get) if peers else None
w = max(len(n) for n in vals)
empty = ""
hdr = f"{empty:{w}}  samples/s         runs"
if best:
    hdr += f"  ÷{best}"
if base:
    hdr += f"  ÷ebm@{base}"
print(hdr)
for n, v in vals.items():
    r = "/".join(f"{x:.0f}" for x in runs[n])
    line = f"{n:{w}}  {v:9.0f}  {r:>11}"
    if best:
        line += f"  {v / peers[best]:>{len(best)+1}.2f}"
    if base and n.startswith("ebm") and not n.startswith("ebm@"):
        b = vals.get("ebm@" + base + n[n.index("("):])
        if b:
            line += f"  {v / b:>{len(base)+5}.2f}"
    print(line)
' "$results" "${BASELINE_REF:-}"
