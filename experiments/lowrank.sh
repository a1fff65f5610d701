#!/usr/bin/env bash
# Issue 13, item 2: low-rank initialisation (Béreux et al. 2025) against the
# default init, threshold-binarized MNIST, 784×500, PCD-10 with 1,000
# persistent chains, 5 epochs, seed 1. The low-rank run is the --epochs 0
# fit (its own model file, lr-init) resumed to 5 epochs, which the
# checkpoint makes bit-identical to a straight run. Each model: 1,000
# samples from noise after 10,000 Gibbs steps (coverage score), and AIS
# (100 chains, 3,000 βs) with RAISE on the test set. Raw outputs go to
# experiments/results/lowrank-*; every run niced on one core, one at a time.
#
#   experiments/lowrank.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p experiments/runs experiments/results
go build -o experiments/runs/ebm ./cmd/ebm
EBM="nice -n 10 env GOMAXPROCS=1 experiments/runs/ebm"
R=experiments/results
M=experiments/runs
TRAIN="rbm train --method pcd --k 10 --chains 1000 --seed 1 --json"

$EBM $TRAIN --epochs 5 --out $M/lowrank-default.safetensors > $R/lowrank-default.train.json
$EBM $TRAIN --epochs 0 --init lowrank --init-rank 2 --out $M/lowrank-init.safetensors > $R/lowrank-init.train.json
$EBM rbm train --resume $M/lowrank-init.ckpt.safetensors --epochs 5 --out $M/lowrank-pcd.safetensors --json > $R/lowrank-pcd.train.json
for m in default init pcd; do
  $EBM rbm sample --model $M/lowrank-$m.safetensors --n 1000 --steps 10000 --init random --out $M/lowrank-$m.samples.npy --json > $R/lowrank-$m.sample.json
  $EBM rbm eval --model $M/lowrank-$m.safetensors --data mnist:test --ais --raise --chains 100 --betas 3000 --json > $R/lowrank-$m.eval.json
done
