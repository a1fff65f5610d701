#!/usr/bin/env bash
# Issue 13: which training gives an MNIST RBM whose samples cover every digit?
# For each run: train (500 hidden unless the flags say otherwise, threshold-binarized MNIST), draw 1,000
# samples with `ebm rbm sample`'s defaults for the model (restart models:
# their matched sampler; others: 1,000 Gibbs steps from noise), score them
# (coverage: entropy, TV, median NN distance, near-copies), and estimate the
# test log-likelihood by AIS (100 chains, 14,501 βs) and RAISE (100 test
# digits). One JSON line per run in experiments/results/coverage-table.jsonl.
#
#   experiments/coverage_table.sh [run ...]     (default: all runs below)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p experiments/runs experiments/results
go build -o experiments/runs/ebm ./cmd/ebm
EBM=experiments/runs/ebm
declare -A RUNS=(
  [restart-k5-cosine]="--method restart"
  [restart-k5]="--method restart --lr-schedule constant"
  [restart-k5-seed2]="--method restart --lr-schedule constant --seed 2"
  [restart-k5-seed3]="--method restart --lr-schedule constant --seed 3"
  [pcd1]="--method pcd"
  [pcd1-centered]="--method pcd --centered"
  [pcd1-chains1000]="--method pcd --chains 1000"
  [cd1]="--method cd"
  [pt10-adapt-e3]="--method pt --temperatures 10 --adapt-ladder --epochs 3"
  [pcd10-h100-chains1000]="--method pcd --k 10 --chains 1000 --hidden 100 --lr 0.01 --epochs 30"
  [pcd10-h100-cosine]="--method pcd --k 10 --chains 1000 --hidden 100 --lr 0.01 --lr-schedule cosine --epochs 30"
)
runs=("$@")
[ ${#runs[@]} -eq 0 ] && runs=(restart-k5-cosine restart-k5 restart-k5-seed2 restart-k5-seed3 pcd1 pcd1-centered pcd1-chains1000 cd1 pt10-adapt-e3 pcd10-h100-chains1000 pcd10-h100-cosine)
for r in "${runs[@]}"; do
  m=experiments/runs/cov-$r.safetensors
  # shellcheck disable=SC2086
  "$EBM" rbm train ${RUNS[$r]} --out "$m" --checkpoint none --json -q > "experiments/runs/cov-$r.train.json"
  "$EBM" rbm sample --model "$m" --n 1000 --out "experiments/runs/cov-$r.npy" --json > "experiments/runs/cov-$r.sample.json"
  "$EBM" rbm eval --model "$m" --data mnist:test --ais --raise --json -q > "experiments/runs/cov-$r.eval.json"
  python3 - "$r" "${RUNS[$r]}" <<'PY' >> experiments/results/coverage-table.jsonl
import json, sys
r, flags = sys.argv[1], sys.argv[2]
t = json.load(open(f"experiments/runs/cov-{r}.train.json"))
s = json.load(open(f"experiments/runs/cov-{r}.sample.json"))
e = json.load(open(f"experiments/runs/cov-{r}.eval.json"))
c = s["coverage"]
print(json.dumps({"run": r, "flags": flags, "train_seconds": t["seconds"], "epochs": t["epochs"],
  "sample_steps": s["steps"], "sample_init": s["init"], "matched_sampler": s["matched_sampler"],
  "entropy_bits": c["entropy_bits"], "tv": c["tv"], "median_nn": c["median_nn_distance"],
  "near_copies": c["near_copies"], "shares": c["shares"], "eval": e}))
PY
done
