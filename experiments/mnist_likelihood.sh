#!/usr/bin/env bash
# Reproduce Salakhutdinov & Murray (2008), table 1: 500-hidden RBMs on
# stochastically binarized MNIST trained by CD-1, CD-3 and CD-25 (and our
# PCD-1), test log-likelihood by AIS (100 chains, the paper's 14,501 βs) with
# RAISE as the conservative counterpart. Long: run it in the background; every
# epoch is checkpointed and a re-run resumes where it stopped.
#
#   experiments/mnist_likelihood.sh [run ...]     runs: cd1 cd3 cd25 pcd1 (default: all)
#   EPOCHS=50 experiments/mnist_likelihood.sh cd1
#   EPOCHS=200 LR_DECAY=0.05 experiments/mnist_likelihood.sh cd25    (rate of epoch e: lr/(1+0.05e))
#   BINARIZE=threshold EPOCHS=200 LR_DECAY=0.05 experiments/mnist_likelihood.sh cd25
#       (pixels ≥ 0.5 → 1, the binarization of PyDeep's published figures; names get -thr)
#
# Results: experiments/results/<run>[-e<EPOCHS>][-d<LR_DECAY>].train.json and
# .eval.json (the suffix only when not the 50-epoch baseline); models and
# checkpoints in experiments/runs/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${EPOCHS:-50}
mkdir -p experiments/runs experiments/results
go build -o experiments/runs/ebm ./cmd/ebm
EBM=experiments/runs/ebm

# Settings shared by every run: 500 hidden units, batch 100, weight decay
# 2e-4, pixels drawn once as Bernoulli(intensity) with seed 1 (the paper's
# stochastic binarization). CD runs: lr 0.05, momentum 0.5 → 0.9 after 5
# epochs; PCD: lr 0.02, momentum 0.5 (ebm's defaults for each method).
BINARIZE=${BINARIZE:-sample}
bin=(--binarize "$BINARIZE")
[ "$BINARIZE" = sample ] && bin+=(--binarize-seed 1)
common=(--data mnist "${bin[@]}" --hidden 500 --batch 100
        --weight-decay 2e-4 --seed 1 --epochs "$EPOCHS" --monitor 1000 --pll-rows 100 -q
        ${LR_DECAY:+--lr-decay "$LR_DECAY"})

train() { # name, method flags...
  local name=$1$SUFFIX; shift
  local out=experiments/runs/$name.safetensors ck=experiments/runs/$name.ckpt.safetensors
  if [ -f "$ck" ]; then
    "$EBM" rbm train --resume "$ck" --epochs "$EPOCHS" --json > "experiments/results/$name.train.json"
  else
    "$EBM" rbm train "${common[@]}" "$@" --out "$out" --checkpoint "$ck" --json > "experiments/results/$name.train.json"
  fi
  "$EBM" rbm eval --model "$out" --data mnist:test "${bin[@]}" \
      --ais --chains 100 --raise --raise-examples 100 --seed 1 --json -q > "experiments/results/$name.eval.json"
}

# Runs other than the 50-epoch, constant-rate baseline get their own names
# (cd25-e200-d0.05, say), so longer runs never overwrite the baseline results.
SUFFIX=""
[ "$EPOCHS" != 50 ] && SUFFIX="$SUFFIX-e$EPOCHS"
[ -n "${LR_DECAY:-}" ] && SUFFIX="$SUFFIX-d$LR_DECAY"
[ "$BINARIZE" = threshold ] && SUFFIX="$SUFFIX-thr"

runs=("$@")
[ ${#runs[@]} -eq 0 ] && runs=(cd1 cd3 cd25 pcd1)
for r in "${runs[@]}"; do
  case $r in
    cd1)  train cd1 --method cd --k 1 ;;
    cd3)  train cd3 --method cd --k 3 ;;
    cd25) train cd25 --method cd --k 25 ;;
    pcd1) train pcd1 --method pcd --k 1 ;;
    *) echo "unknown run $r (want cd1 cd3 cd25 pcd1)" >&2; exit 2 ;;
  esac
done
