#!/usr/bin/env bash
# The first comparison (docs/results/nb201-cpu-scale.md): the CPU-scale protocol of DESIGN.md §6 on
# CIFAR-10 (the shared JPEG archive) at 16x16, 10,000 training images split 5,000/5,000, C=8, N=2,
# batch 64, 50 epochs, with the NAS-Bench-201 table; single and darts-v1, seeds 0 1 2, one after another.
# Usage: docs/results/run-nb201-cpu-scale.sh [OUT_DIR]   (from the repository root; ../shared/data must exist)
set -euo pipefail
out=${1:-runs/nb201-cpu-scale}
data=../shared/data
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184
dotnet build src/SingleDarts.Cli -c Release -v q -nologo
for seed in 0 1 2; do
  for method in single darts-v1; do
    run="$out/$method-seed$seed"
    [ -f "$run/result.json" ] && continue              # finished earlier
    resume=(); compgen -G "$run/checkpoints/epoch-*.ckpt" > /dev/null && resume=(--resume)   # interrupted: continue it exactly
    dotnet src/SingleDarts.Cli/bin/Release/net10.0/singledarts.dll search "${resume[@]}" \
      --data "$data/cifar10/cifar10-jpeg.tar.gz" --image-size 16 --train-size 10000 --train-portion 0.5 \
      --channels 8 --cells 2 --batch-size 64 --epochs 50 --threads 2 \
      --nb201 "$data/nb201/nb201-test-accuracy.csv" \
      --method "$method" --seed "$seed" --out "$run"
  done
done
