#!/bin/sh
# Runs one `ebm deep train ... --json` on a toy set and appends a line to
# experiments/results/deep-toy-sweep.txt: data, objective, KL(true‖model),
# true NLL, test NLL, seconds, then the exact command.
#   experiments/deep_toy_sweep.sh EBM_BINARY --data rings --objective ssm ...
# Runs under nice -n 10, one at a time; --checkpoint none and a scratch --out
# are added.
set -eu
ebm=$1
shift
out=experiments/results/deep-toy-sweep.txt
tmp=$(mktemp -d)
json=$(nice -n 10 "$ebm" deep train "$@" --json -q --checkpoint none --out "$tmp/m.safetensors")
rm -rf "$tmp"
line=$(printf '%s' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("%-13s %-4s kl %.4f true_nll %.4f test_nll %.4f %6.1fs" % (d["data"], d["objective"], d["kl"], d["true_nll"], d["test_nll"], d["seconds"]))')
echo "$line | ebm deep train $* --json" | tee -a "$out"
