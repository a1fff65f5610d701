#!/usr/bin/env bash
# Issue 13, item 5: an *equilibrium* MNIST RBM — one whose long Gibbs chains
# (100,000 steps from noise) still draw every digit, so that the model and
# not the sampler's transient holds the variety. Long: run it in the
# background; every epoch is checkpointed and a re-run resumes where it
# stopped, then samples and scores (ebm score) the result.
#
#   experiments/equilibrium.sh NAME [train flags…]     (flags only for a new run)
#   nice -n 19 experiments/equilibrium.sh cpcd5 --method pcd --k 5 --chains 500 --centered --epochs 50
#   STEPS=100000 CHAINS=500 experiments/equilibrium.sh cpcd5       (sample and score only, after training)
#
# Results: experiments/results/equilibrium-NAME.{train,sample}.json; the model
# and checkpoint in experiments/runs/ (copy a good model to experiments/models/).
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1; shift
STEPS=${STEPS:-100000}
CHAINS=${CHAINS:-500}
mkdir -p experiments/runs experiments/results
go build -o experiments/runs/ebm ./cmd/ebm
EBM=experiments/runs/ebm
out=experiments/runs/eq-$name.safetensors ck=experiments/runs/eq-$name.ckpt.safetensors
if [ -f "$ck" ]; then
  "$EBM" rbm train --resume "$ck" --json -q "$@" > "experiments/results/equilibrium-$name.train.json"
else
  "$EBM" rbm train --data mnist --hidden 500 --seed 1 -q "$@" --out "$out" --checkpoint "$ck" --json \
      > "experiments/results/equilibrium-$name.train.json"
fi
"$EBM" rbm sample --model "$out" --n "$CHAINS" --steps "$STEPS" --init random --seed 1 \
    --out "experiments/runs/eq-$name.npy" --json > "experiments/results/equilibrium-$name.sample.json"
