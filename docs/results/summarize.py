#!/usr/bin/env python3
"""Markdown tables for docs/results/nb201-cpu-scale.md from the run folders of run-nb201-cpu-scale.sh.

Usage: python3 docs/results/summarize.py [RUNS_DIR]   (default runs/nb201-cpu-scale; standard library only)
Reads every RUNS_DIR/<method>-seed<seed>/{epochs.jsonl,result.json}.
"""
import json, statistics, sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else "runs/nb201-cpu-scale")
runs = {}
for d in sorted(root.iterdir()):
    if not (d / "result.json").exists():
        continue
    epochs = [json.loads(l) for l in (d / "epochs.jsonl").read_text().splitlines() if l.strip()]
    result = json.loads((d / "result.json").read_text())
    runs.setdefault(result["method"], []).append((result, epochs))

def ms(values, digits=2):
    m = statistics.mean(values)
    s = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{m:.{digits}f} ± {s:.{digits}f}"

print("| method | seed | final arch | NB201 CIFAR-10 test (%) | rank of 15,625 | param-free share | supernet held-out acc (%) | median s/epoch | total min |")
print("|---|---|---|---|---|---|---|---|---|")
for method, items in runs.items():
    for r, e in sorted(items, key=lambda x: x[0]["seed"]):
        secs = [x["seconds"] for x in e]
        print(f"| {method} | {r['seed']} | `{r['arch']}` | {r['nb201']['test_acc']:.2f} | {r['nb201']['rank']} | "
              f"{r['param_free_share']:.2f} | {100 * r['valid_acc']:.2f} | {statistics.median(secs):.1f} | {sum(secs) / 60:.1f} |")
print()
print("| method | seeds | NB201 CIFAR-10 test (%) | param-free share | supernet held-out acc (%) | distinct final archs |")
print("|---|---|---|---|---|---|")
for method, items in runs.items():
    rs = [r for r, _ in items]
    print(f"| {method} | {len(rs)} | {ms([r['nb201']['test_acc'] for r in rs])} | {ms([r['param_free_share'] for r in rs])} | "
          f"{ms([100 * r['valid_acc'] for r in rs])} | {len({r['arch'] for r in rs})} |")
print()
n = min(len(e) for items in runs.values() for _, e in items)
marks = [1] + list(range(5, n + 1, 5))
print("Mean over seeds at epoch: NB201 CIFAR-10 test accuracy of the current cell (%) / param-free share / supernet held-out accuracy (%)")
print()
print("| epoch | " + " | ".join(runs) + " |")
print("|---|" + "---|" * len(runs))
for k in marks:
    cells = []
    for method, items in runs.items():
        at = [e[k - 1] for _, e in items]
        cells.append(f"{statistics.mean(x['nb201']['test_acc'] for x in at):.2f} / {statistics.mean(x['param_free_share'] for x in at):.2f} / "
                     f"{100 * statistics.mean(x['valid_acc'] for x in at):.1f}")
    print(f"| {k} | " + " | ".join(cells) + " |")
print()
print("Per seed, every 5 epochs: NB201 CIFAR-10 test accuracy of the current cell (%) [parameter-free edges of 6]")
print()
for method, items in runs.items():
    for r, e in sorted(items, key=lambda x: x[0]["seed"]):
        path = " → ".join(f"{e[k - 1]['nb201']['test_acc']:.1f}[{round(6 * e[k - 1]['param_free_share'])}]" for k in marks)
        print(f"- {method} seed {r['seed']}: {path}")
