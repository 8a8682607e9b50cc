#!/usr/bin/env bash
# The DARTS-space genotypes of the CPU-scale comparison (docs/results/darts-cpu-scale.md) and the
# published DARTS_V2, each trained from scratch with `evaluate` at CPU scale: CIFAR-10 (the JPEG
# archive) at 16x16, 10,000 training images, the whole 10,000-image test split, NetworkCIFAR at C=8,
# L=5 (the search network's size), batch 96, 20 epochs, the DARTS protocol otherwise (SGD 0.9, lr
# 0.025 cosine, weight decay 3e-4, clip 5, drop-path 0.2) except cutout 8 (half the image side, as 16
# of 32) and no auxiliary head (it needs 32 px images).
# Usage: docs/results/run-darts-eval.sh CIFAR10_ARCHIVE SWEEP_RUNS [OUT_DIR]
#   SWEEP_RUNS: the comparison's run folders (runs/sweeps/darts-cpu-scale); every <method>-seed<seed>
#   with a result.json is evaluated. An interrupted evaluation continues (--resume); a finished one is skipped.
set -euo pipefail
data=${1:?usage: $0 CIFAR10_ARCHIVE SWEEP_RUNS [OUT_DIR]}
sweep=${2:?usage: $0 CIFAR10_ARCHIVE SWEEP_RUNS [OUT_DIR]}
out=${3:-runs/darts-eval}
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184
if [ -z "${CLI:-}" ]; then
  dotnet build src/SingleDarts.Cli -c Release -v q -nologo
  CLI="dotnet src/SingleDarts.Cli/bin/Release/net10.0/singledarts.dll"
fi
evaluate() {  # NAME ARCH
  local run="$out/$1"
  [ -f "$run/result.json" ] && return 0
  if compgen -G "$run/checkpoints/epoch-*.ckpt" > /dev/null; then
    $CLI evaluate --resume --out "$run"
  else
    $CLI evaluate --space darts --arch "$2" --seed 0 --data "$data" --image-size 16 --train-size 10000 \
      --channels 8 --cells 5 --batch-size 96 --epochs 20 --auxiliary-weight 0 --cutout 8 --threads 2 --out "$run"
  fi
}
evaluate darts_v2 darts_v2
for result in "$sweep"/*-seed*/result.json; do
  [ -f "$result" ] || continue
  name=$(basename "$(dirname "$result")")
  evaluate "$name" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["arch"])' "$result")"
done
