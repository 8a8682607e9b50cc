#!/usr/bin/env bash
# Validation of the evaluation pipeline against NAS-Bench-201 (docs/results/nb201-eval-validation.md):
# 13 cells spread over the table's CIFAR-10 test-accuracy range (the optimum, the ResNet cell, the
# all-skip cell and the cells at the 1st..95th percentile) trained from scratch with `evaluate` at CPU
# scale: CIFAR-10 (the JPEG archive) at 16x16, 10,000 training images, the whole 10,000-image test
# split, C=8, N=1, batch 128, 30 epochs, NAS-Bench-201's optimiser otherwise (SGD Nesterov 0.9, lr 0.1
# cosine to 0, weight decay 5e-4, crop + flip). Then docs/results/summarize-eval-validation.py.
# Usage: docs/results/run-nb201-eval-validation.sh CIFAR10_ARCHIVE [OUT_DIR] [SEEDS...]
# An interrupted run continues exactly where it stopped (--resume); a finished one is skipped.
set -euo pipefail
data=${1:?usage: $0 CIFAR10_ARCHIVE [OUT_DIR] [SEEDS...]}
out=${2:-runs/nb201-eval-validation}
shift $(( $# >= 2 ? 2 : $# ))
seeds=("${@:-0}")
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184
if [ -z "${CLI:-}" ]; then
  dotnet build src/SingleDarts.Cli -c Release -v q -nologo
  CLI="dotnet src/SingleDarts.Cli/bin/Release/net10.0/singledarts.dll"
fi
# table index and arch (NATS-Bench tss, CIFAR-10 test accuracy after 200 epochs in the comment)
cells=(
  "6111 |nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"    # 94.37, the optimum
  "13991 |nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|"  # 93.78, 1st percentile
  "11472 |nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"                  # 93.91, the ResNet cell
  "5646 |none~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_1x1~2|"                   # 93.28, 5th
  "7726 |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|nor_conv_1x1~1|nor_conv_1x1~2|"   # 92.93, 10th
  "7269 |nor_conv_1x1~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_1x1~1|nor_conv_3x3~2|"   # 92.37, 20th
  "14281 |none~0|+|skip_connect~0|skip_connect~1|+|nor_conv_3x3~0|avg_pool_3x3~1|skip_connect~2|"          # 91.87, 35th
  "3457 |avg_pool_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_1x1~2|"   # 90.75, 50th
  "7669 |none~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|skip_connect~2|"                   # 89.00, 65th
  "6280 |none~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"                   # 86.63, 80th
  "14685 |skip_connect~0|+|skip_connect~0|skip_connect~1|+|nor_conv_3x3~0|avg_pool_3x3~1|skip_connect~2|"  # 79.58, 90th
  "12870 |none~0|+|avg_pool_3x3~0|skip_connect~1|+|avg_pool_3x3~0|skip_connect~1|skip_connect~2|"         # 73.54, 95th
  "1835 |skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"   # 54.30, all skip_connect
)
for seed in "${seeds[@]}"; do
  for cell in "${cells[@]}"; do
    index=${cell%% *}; arch=${cell#* }
    run="$out/cell$index-seed$seed"
    [ -f "$run/result.json" ] && continue
    if compgen -G "$run/checkpoints/epoch-*.ckpt" > /dev/null; then
      $CLI evaluate --resume --out "$run"
    else
      $CLI evaluate --space nb201 --arch "$arch" --seed "$seed" \
        --data "$data" --image-size 16 --train-size 10000 \
        --channels 8 --cells 1 --batch-size 128 --epochs 30 --threads 2 --out "$run"
    fi
  done
done
