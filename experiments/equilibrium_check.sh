#!/usr/bin/env bash
# Issue 13, item 5: is a model an *equilibrium* model? Its chains from noise
# must hold the same class mix after 10,000, 100,000 and 1,000,000 Gibbs
# steps (the transient is over, the model holds the variety), with a second
# seed, and its likelihood is measured by AIS and RAISE.
#
#   experiments/equilibrium_check.sh MODEL NAME
#
# Results: experiments/results/eqcheck-NAME-*.json, a picture
# docs/equilibrium-NAME.png (100 chains, 100,000 steps from noise).
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1 name=$2
mkdir -p experiments/runs experiments/results
go build -o experiments/runs/ebm ./cmd/ebm
EBM=experiments/runs/ebm
r=experiments/results/eqcheck-$name
"$EBM" rbm sample --model "$model" --n 500 --steps 10000 --init random --seed 1 \
    --out "experiments/runs/eqcheck-$name-10k.npy" --json > "$r-10k-s1.json"
"$EBM" rbm sample --model "$model" --n 500 --steps 100000 --init random --seed 2 \
    --out "experiments/runs/eqcheck-$name-100k-s2.npy" --json > "$r-100k-s2.json"
"$EBM" rbm sample --model "$model" --n 100 --steps 100000 --init random --seed 4 --cols 10 \
    --out "docs/equilibrium-$name.png" --json > "$r-png.json"
"$EBM" rbm eval --model "$model" --data mnist:test --ais --chains 100 --raise --raise-examples 100 \
    --seed 1 --json > "$r.eval.json"
"$EBM" rbm sample --model "$model" --n 100 --steps 1000000 --init random --seed 3 \
    --out "experiments/runs/eqcheck-$name-1m.npy" --json > "$r-1m-s3.json"
# Chains that all start from one test digit (the first "1", index 2 of
# mnist:test): an equilibrium sampler forgets its start, so after 100,000
# steps they must hold the same class mix as the chains from noise.
one=experiments/runs/one-digit-x500.npy
"${PYTHON:-/usr/bin/python3}" - "$one" <<'PY'   # needs NumPy
import gzip, sys
import numpy as np
im = np.frombuffer(gzip.open("dataset/mnistdata/t10k-images-idx3-ubyte.gz").read()[16:], dtype=np.uint8).reshape(-1, 784)
lb = np.frombuffer(gzip.open("dataset/mnistdata/t10k-labels-idx1-ubyte.gz").read()[8:], dtype=np.uint8)
i = int(np.flatnonzero(lb == 1)[0])
np.save(sys.argv[1], np.repeat((im[i:i + 1] >= 128).astype(np.float32), 500, axis=0))
PY
for steps in 1000 100000; do
  "$EBM" rbm sample --model "$model" --n 500 --steps $steps --init data --data "$one" --seed 5 \
      --out "experiments/runs/eqcheck-$name-one-$steps.npy" --json > "$r-one1-$steps.json"
done
