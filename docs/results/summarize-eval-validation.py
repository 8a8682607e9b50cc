#!/usr/bin/env python3
"""Rank agreement of `evaluate` with NAS-Bench-201 (docs/results/nb201-eval-validation.md).

Reads every RUN_DIR/cell<index>-seed<seed>/result.json written by run-nb201-eval-validation.sh,
averages each cell's final test accuracy over its seeds, and compares it with the table's CIFAR-10
test accuracy: Kendall's tau-b and Spearman's rho (average ranks for ties), printed as markdown.
Usage: summarize-eval-validation.py [NB201_TABLE_CSV[.gz]] [RUN_DIR]
(default table: the one the program ships, src/SingleDarts.Search/Benchmarks/nb201-test-accuracy.csv.gz)
"""
import csv
import glob
import gzip
import json
import math
import os
import re
import sys


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r


def pearson(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy)


def spearman(x, y):
    return pearson(ranks(x), ranks(y))


def kendall_tau_b(x, y):
    concordant = discordant = tx = ty = 0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            dx, dy = x[i] - x[j], y[i] - y[j]
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                tx += 1
            elif dy == 0:
                ty += 1
            elif dx * dy > 0:
                concordant += 1
            else:
                discordant += 1
    return (concordant - discordant) / math.sqrt((concordant + discordant + tx) * (concordant + discordant + ty))


def main():
    table_path = sys.argv[1] if len(sys.argv) > 1 else "src/SingleDarts.Search/Benchmarks/nb201-test-accuracy.csv.gz"
    run_dir = sys.argv[2] if len(sys.argv) > 2 else "runs/nb201-eval-validation"
    with (gzip.open(table_path, "rt") if table_path.endswith(".gz") else open(table_path)) as f:
        table = {row["index"]: row for row in csv.DictReader(f)}
    cells = {}
    for path in sorted(glob.glob(os.path.join(run_dir, "cell*-seed*", "result.json"))):
        index, seed = re.match(r"cell(\d+)-seed(\d+)", os.path.basename(os.path.dirname(path))).groups()
        result = json.load(open(path))
        cells.setdefault(index, []).append((int(seed), result))
    if len(cells) < 2:
        sys.exit(f"{run_dir}: fewer than two finished cells")
    rows = []
    for index, runs in cells.items():
        accs = [100 * r["test_acc"] for _, r in runs]
        mean = sum(accs) / len(accs)
        std = math.sqrt(sum((a - mean) ** 2 for a in accs) / (len(accs) - 1)) if len(accs) > 1 else 0.0
        rows.append((index, table[index]["arch"], float(table[index]["cifar10_test"]), mean, std, len(accs),
                     runs[0][1]["weights"], sum(r["seconds"] for _, r in runs)))
    rows.sort(key=lambda r: -r[2])
    print("| table index | arch | NB201 CIFAR-10 test % (200 ep, 32 px) | ours: test % (mean ± std) | seeds | weights | wall time |")
    print("|---|---|---|---|---|---|---|")
    for index, arch, truth, mean, std, n, weights, seconds in rows:
        cell = arch.replace("|", "\\|")      # a pipe inside a markdown table cell
        print(f"| {index} | `{cell}` | {truth:.2f} | {mean:.2f} ± {std:.2f} | {n} | {weights:,} | {seconds / 60:.1f} min |")
    truth = [r[2] for r in rows]
    ours = [r[3] for r in rows]
    print()
    print(f"n = {len(rows)} cells: Kendall tau-b = {kendall_tau_b(truth, ours):.3f}, Spearman rho = {spearman(truth, ours):.3f}")
    top = [r for r in rows if r[2] >= 85]
    if 2 < len(top) < len(rows):
        t, o = [r[2] for r in top], [r[3] for r in top]
        print(f"cells at >= 85 % in the table only (n = {len(top)}): Kendall tau-b = {kendall_tau_b(t, o):.3f}, Spearman rho = {spearman(t, o):.3f}")


if __name__ == "__main__":
    main()
