#!/usr/bin/env bash
# The bad-input census of docs/robustness.md: every line of lines.txt is an
# ebm command line that must fail with a message naming its flag or file,
# within 30 s, without a panic or runtime trace, and without touching the
# model it is given or the sentinel at keep.png. Prints the counts.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
cd "$here/../.." && go build -o "$work/ebm" ./cmd/ebm || exit 1
cd "$work"
./ebm rbm train --data bars:3x3 --hidden 4 --epochs 2 --out m.safetensors --checkpoint none -q >/dev/null
./ebm hopfield store --patterns random:3 --neurons 16 --out h.safetensors >/dev/null
./ebm deep train --data 8gaussians:300 --iters 5 --out d.safetensors -q >/dev/null
mkfifo fifo; ln -s /dev/zero zlink; printf x > junk.npy; echo sentinel > keep.png; cp m.safetensors orig.st
n=0; panics=0; exit0=0; timeouts=0
while read -r line; do
  n=$((n+1))
  # shellcheck disable=SC2086
  timeout 30 ./ebm $line >out.txt 2>err.txt; rc=$?
  grep -q "panic\|goroutine \|runtime error" err.txt && { panics=$((panics+1)); echo "PANIC: $line"; }
  [ $rc -eq 0 ] && { exit0=$((exit0+1)); echo "EXIT 0: $line"; }
  [ $rc -eq 124 ] && { timeouts=$((timeouts+1)); echo "TIMEOUT: $line"; }
  echo "ebm $line => $(tail -1 err.txt)" >>messages.txt
done <"$here/lines.txt"
cmp -s m.safetensors orig.st && model=intact || model=CHANGED
echo "lines $n, panics $panics, exit status 0: $exit0, timeouts $timeouts, model $model, sentinel $(cat keep.png); messages in $work/messages.txt"
