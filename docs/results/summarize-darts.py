#!/usr/bin/env python3
"""Markdown tables for docs/results/darts-cpu-scale.md from the run folders of the darts-cpu-scale sweep.

Usage: python3 docs/results/summarize-darts.py [RUNS_DIR [EVAL_DIR]]
  (defaults runs/sweeps/darts-cpu-scale and runs/darts-eval; standard library only)
Reads every RUNS_DIR/<method>-seed<seed>/epochs.jsonl (and result.json when the seed has finished). The
weight counts of each final genotype's evaluation network come from `singledarts evaluate --dry-run`
(CLI: the command to run it, default the Release build of this checkout).
"""
import json, math, os, re, shlex, statistics, subprocess, sys
from pathlib import Path

CLI = shlex.split(os.environ.get("CLI", "dotnet src/SingleDarts.Cli/bin/Release/net10.0/singledarts.dll"))

def weights(arch, channels, cells):
    """The evaluation network's weights (auxiliary head excluded) for 10 classes, from the CLI's dry run."""
    out = subprocess.run(CLI + ["evaluate", "--space", "darts", "--arch", arch, "--dry-run", "--channels", str(channels),
                                "--cells", str(cells), "--auxiliary-weight", "0", "--data", "cifar10"],
                         check=True, capture_output=True, text=True).stdout
    return int(re.search(r": ([\d,]+) weights", out).group(1).replace(",", ""))

root = Path(sys.argv[1] if len(sys.argv) > 1 else "runs/sweeps/darts-cpu-scale")
evals = Path(sys.argv[2] if len(sys.argv) > 2 else "runs/darts-eval")
runs = []
for d in sorted(root.iterdir()):
    if not (d / "epochs.jsonl").exists():
        continue
    epochs = [json.loads(l) for l in (d / "epochs.jsonl").read_text().splitlines() if l.strip()]
    if not epochs:
        continue        # started, no epoch finished yet
    result = json.loads((d / "result.json").read_text()) if (d / "result.json").exists() else None
    method, seed = d.name.rsplit("-seed", 1)
    runs.append((method, int(seed), epochs, result))

def entropy(epoch):
    """Mean entropy (nats) of the relaxed α over the edges, and the largest single operation weight."""
    rows = epoch["op_weights"]
    return statistics.mean(-sum(w * math.log(w) for w in row if w > 0) for row in rows), max(max(row) for row in rows)

def ms(values, digits=2):
    if not values:
        return "–"
    m = statistics.mean(values)
    if len(values) == 1:
        return f"{m:.{digits}f} (n=1)"
    return f"{m:.{digits}f} ± {statistics.stdev(values):.{digits}f}"

print("| method | seed | epochs | final skip_connect (of 8) | final param-free (of 8) | held-out acc (%) | H(α) (max ln 8 = 2.0794) | largest op weight | eval net weights C36 L20 | C8 L5 | median s/epoch | total min | final genotype |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for method, seed, e, r in sorted(runs):
    last = e[-1]
    secs = [x["seconds"] for x in e]
    state = "" if r else " (running)"
    h, top = entropy(last)
    print(f"| {method} | {seed} | {len(e)}{state} | {last['skip_connects']} | {last['param_free_edges']} | {100 * last['valid_acc']:.2f} | "
          f"{h:.4f} | {top:.3f} | {weights(last['arch'], 36, 20):,} | {weights(last['arch'], 8, 5):,} | {statistics.median(secs):.1f} | {sum(secs) / 60:.1f} | `{last['arch']}` |")
print()
print("skip_connect / parameter-free edges of the normal cell, per epoch:")
print()
for method, seed, e, _ in sorted(runs):
    print(f"- {method} seed {seed}: " + " ".join(f"{x['skip_connects']}/{x['param_free_edges']}" for x in e))
print()
print("| method | finished seeds | final skip_connect | final param-free | held-out acc (%) | distinct final genotypes |")
print("|---|---|---|---|---|---|")
for method in sorted({m for m, *_ in runs}):
    done = [(e, r) for m, _, e, r in runs if m == method and r]
    print(f"| {method} | {len(done)} | {ms([e[-1]['skip_connects'] for e, _ in done])} | {ms([e[-1]['param_free_edges'] for e, _ in done])} | "
          f"{ms([100 * e[-1]['valid_acc'] for e, _ in done])} | {len({r['arch'] for _, r in done})} |")

# time per step and per epoch (wall clock: the fastest epochs are the ones that had the cores to themselves)
print()
print("| method | s/step fastest epoch | s/step median | s/epoch fastest | s/epoch median | epochs timed |")
print("|---|---|---|---|---|---|")
for method in sorted({m for m, *_ in runs}):
    es = [x for m, _, e, _ in runs if m == method for x in e]
    per_step = [x["step_seconds"] / x["steps"] for x in es]
    secs = [x["seconds"] for x in es]
    print(f"| {method} | {min(per_step):.2f} | {statistics.median(per_step):.2f} | {min(secs):.1f} | {statistics.median(secs):.1f} | {len(es)} |")

# the found genotypes (and DARTS_V2) trained from scratch by docs/results/run-darts-eval.sh
if evals.is_dir():
    rows = []
    for d in sorted(evals.iterdir()):
        if (d / "result.json").exists():
            r = json.loads((d / "result.json").read_text())
            epochs = [json.loads(l) for l in (d / "epochs.jsonl").read_text().splitlines() if l.strip()]
            rows.append((d.name, r, epochs))
    if rows:
        print()
        print("| genotype | test acc (%) | best epoch's (%) | train acc (%) | weights | epochs | median s/epoch |")
        print("|---|---|---|---|---|---|---|")
        for name, r, e in rows:
            print(f"| {name} | {100 * r['test_acc']:.2f} | {100 * r['best_test_acc']:.2f} (epoch {r['best_epoch']}) | {100 * r['train_acc']:.2f} | "
                  f"{r['weights']:,} | {r['epochs']} | {statistics.median(x['seconds'] for x in e):.1f} |")
        print()
        print("| method | genotypes evaluated | test acc (%) mean ± std | min | max |")
        print("|---|---|---|---|---|")
        groups = {}
        for name, r, _ in rows:
            groups.setdefault(name.rsplit("-seed", 1)[0] if "-seed" in name else name, []).append(100 * r["test_acc"])
        for method, accs in sorted(groups.items()):
            print(f"| {method} | {len(accs)} | {ms(accs)} | {min(accs):.2f} | {max(accs):.2f} |")
