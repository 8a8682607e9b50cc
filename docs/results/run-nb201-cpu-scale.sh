#!/usr/bin/env bash
# The first comparison (docs/results/nb201-cpu-scale.md): the CPU-scale protocol (docs/design.md,
# "Protocols") on CIFAR-10 at 16x16, 10,000 training images split 5,000/5,000, C=8, N=2, batch 64,
# 50 epochs, with the built-in NAS-Bench-201 table; single and darts-v1, seeds 0 1 2, one after another.
# Usage: docs/results/run-nb201-cpu-scale.sh CIFAR10 [OUT_DIR]   (from the repository root)
#   CIFAR10: cifar10 (the official binaries, after `singledarts data download cifar10`) or the path of
#   a CIFAR-10 folder or archive. The recorded figures were measured on a CIFAR-10 image-folder archive
#   of JPEGs (see the .md), which is not the official binary: other images, so other numbers.
set -euo pipefail
data=${1:?usage: $0 CIFAR10 [OUT_DIR]}
out=${2:-runs/nb201-cpu-scale}
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184
dotnet build src/SingleDarts.Cli -c Release -v q -nologo
for seed in 0 1 2; do
  for method in single darts-v1; do
    run="$out/$method-seed$seed"
    [ -f "$run/result.json" ] && continue              # finished earlier
    resume=(); compgen -G "$run/checkpoints/epoch-*.ckpt" > /dev/null && resume=(--resume)   # interrupted: continue it exactly
    dotnet src/SingleDarts.Cli/bin/Release/net10.0/singledarts.dll search "${resume[@]}" \
      --data "$data" --image-size 16 --train-size 10000 --train-portion 0.5 \
      --channels 8 --cells 2 --batch-size 64 --epochs 50 --threads 2 \
      --nb201 builtin \
      --method "$method" --seed "$seed" --out "$run"
  done
done
