#!/usr/bin/env python3
"""Per-seed table of the headline study (docs/results/nb201-cpu-scale.md) from the sweep's JSON export.

    python3 docs/results/summarize-study.py EXPORT.json [singledarts command]

Where the sweep recorded the Hessian diagnostic, a second table gives each seed's λ_max (the dominant
eigenvalue of the held-out loss's Hessian in α) at its first and last recorded epochs and at its peak.

Reads exports of either format (numbers as properties of each epoch, up to commit acd674f; or in each
epoch's "metrics"); the transfer accuracies come from `singledarts nb201 show` (the built-in table).
"""
import json
import shlex
import subprocess
import sys

LEGACY = {"param_free_edges": "cell.param_free", "nb201_acc": "nb201.test_acc", "nb201_rank": "nb201.rank"}


def metric(epoch, key):
    if "metrics" in epoch:
        return epoch["metrics"].get(key)
    for old, new in LEGACY.items():
        if new == key:
            return epoch.get(old)
    return None


def table_row(cli, arch, cache={}):
    if arch not in cache:
        out = subprocess.run(cli + ["nb201", "show", arch], check=True, capture_output=True, text=True).stdout
        rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:] if line.strip()}
        cache[arch] = rows
    return cache[arch]


def collapse_epoch(history, threshold):
    start = None
    for e in history:
        if (metric(e, "cell.param_free") or 0) >= threshold:
            start = start or e["epoch"]
        else:
            start = None
    return start


def main():
    export = json.load(open(sys.argv[1]))
    cli = shlex.split(sys.argv[2]) if len(sys.argv) > 2 else ["singledarts"]
    threshold = export["sweep"]["spec"].get("collapse_threshold") or 4
    order = {m: i for i, m in enumerate(export["sweep"]["spec"]["methods"])}
    seeds = sorted(export["seeds"], key=lambda s: (order.get(s["status"]["method"], 99), s["status"]["seed"]))
    print("| method | seed | final cell | NB201 CIFAR-10 (%) | rank | CIFAR-100 (%) | ImageNet16-120 (%) | param-free | held-out acc (%) "
          "| collapsed from epoch | live alarm after epoch | wall (min) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for s in seeds:
        st, h = s["status"], s["history"]
        if st["state"] != "completed" or not h:
            continue
        last = h[-1]
        t = table_row(cli, last["arch"])
        print(f"| {st['method']} | {st['seed']} | `{last['arch'].replace('|', chr(92) + '|')}` | {float(t['cifar10'][0]):.2f} | {t['cifar10'][1]} "
              f"| {float(t['cifar100'][0]):.2f} | {float(t['imagenet16-120'][0]):.2f} | {int(metric(last, 'cell.param_free'))} "
              f"| {100 * last['valid_acc']:.2f} | {collapse_epoch(h, threshold) or 'never'} | {st.get('alarm_epoch') or '–'} "
              f"| {st['seconds'] / 60:.1f} |")
    lam = [(s["status"], [(e["epoch"], metric(e, "hessian.lambda_max")) for e in s["history"]]) for s in seeds
           if s["status"]["state"] == "completed"]
    lam = [(st, [(ep, v) for ep, v in curve if v is not None]) for st, curve in lam]
    if any(curve for _, curve in lam):
        print()
        print("| method | seed | λ_max first epoch | λ_max peak (epoch) | λ_max last epoch | last / first |")
        print("|---|---|---|---|---|---|")
        for st, curve in lam:
            if not curve:
                continue
            peak = max(curve, key=lambda c: c[1])
            print(f"| {st['method']} | {st['seed']} | {curve[0][1]:.4f} | {peak[1]:.4f} ({peak[0]}) | {curve[-1][1]:.4f} "
                  f"| {curve[-1][1] / curve[0][1]:.2f} |")


if __name__ == "__main__":
    main()
