#!/usr/bin/env bash
# The DARTS-space genotypes of the CPU-scale comparison (docs/results/darts-cpu-scale.md) and the
# published DARTS_V2, each trained from scratch with `evaluate` at CPU scale: CIFAR-10 (the JPEG
# archive) at 16x16, 5,000 training images, a class-balanced 2,000-image subset of the test split
# (the same for every genotype), NetworkCIFAR at C=8, L=5 (the search network's size), batch 96,
# 20 epochs, 1 thread, the DARTS protocol otherwise (SGD 0.9, lr 0.025 cosine, weight decay 3e-4,
# clip 5, drop-path 0.2) except cutout 8 (half the image side, as 16 of 32) and no auxiliary head
# (it needs 32 px images). The budget is what two CPU cores allowed beside the search (one epoch
# ~15 s alone); EPOCHS, TRAIN_SIZE, TEST_SIZE, THREADS, CHANNELS, CELLS override it (a bigger machine
# should raise them: the paper trains C=36 L=20 for 600 epochs on the whole 32 px dataset), and JOBS
# evaluations run at once (default 2: one a core at THREADS=1).
# Usage: docs/results/run-darts-eval.sh CIFAR10_ARCHIVE SWEEP_RUNS [OUT_DIR]
#   SWEEP_RUNS: the comparison's run folders (runs/sweeps/darts-cpu-scale); every <method>-seed<seed>
#   with a result.json is evaluated. An interrupted evaluation continues (--resume); a finished one is skipped.
set -euo pipefail
data=${1:?usage: $0 CIFAR10_ARCHIVE SWEEP_RUNS [OUT_DIR]}
sweep=${2:?usage: $0 CIFAR10_ARCHIVE SWEEP_RUNS [OUT_DIR]}
out=${3:-runs/darts-eval}
EPOCHS=${EPOCHS:-20} TRAIN_SIZE=${TRAIN_SIZE:-5000} TEST_SIZE=${TEST_SIZE:-2000} THREADS=${THREADS:-1} CHANNELS=${CHANNELS:-8} CELLS=${CELLS:-5} JOBS=${JOBS:-2}
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184
if [ -z "${CLI:-}" ]; then
  dotnet build src/SingleDarts.Cli -c Release -v q -nologo
  CLI="dotnet src/SingleDarts.Cli/bin/Release/net10.0/singledarts.dll"
fi
evaluate() {  # NAME ARCH
  local run="$out/$1"
  if compgen -G "$run/checkpoints/epoch-*.ckpt" > /dev/null; then
    $CLI evaluate --resume --out "$run" --threads "$THREADS"
  else
    $CLI evaluate --space darts --arch "$2" --seed 0 --data "$data" --image-size 16 --train-size "$TRAIN_SIZE" \
      --test-size "$TEST_SIZE" --channels "$CHANNELS" --cells "$CELLS" --batch-size 96 --epochs "$EPOCHS" --auxiliary-weight 0 --cutout 8 \
      --threads "$THREADS" --out "$run"
  fi
}
names=(darts_v2) archs=(darts_v2)
for result in "$sweep"/*-seed*/result.json; do
  [ -f "$result" ] || continue
  names+=("$(basename "$(dirname "$result")")")
  archs+=("$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["arch"])' "$result")")
done
failed=0
mkdir -p "$out"
for i in "${!names[@]}"; do
  [ -f "$out/${names[$i]}/result.json" ] && continue
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || failed=1; done
  evaluate "${names[$i]}" "${archs[$i]}" >> "$out/${names[$i]}.log" 2>&1 &
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || failed=1; done
for name in "${names[@]}"; do grep -h "^test accuracy" "$out/$name.log" 2>/dev/null | tail -n 1 | sed "s/^/$name: /"; done
exit $failed
