#!/usr/bin/env python3
"""Prints the criterion results of the last `cargo bench` as a Markdown table, each
benchmark as a ratio against its group's baseline (the function whose name starts
with `baseline`) measured in the same run. Also records the footprint figures.

Usage: python3 scripts/bench-report.py [--footprint]
"""
import glob
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRITERION = os.path.join(ROOT, "target", "criterion")


def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def results():
    groups = {}
    for path in sorted(glob.glob(os.path.join(CRITERION, "**", "new", "benchmark.json"), recursive=True)):
        bench = json.load(open(path))
        est = json.load(open(os.path.join(os.path.dirname(path), "estimates.json")))
        name = bench.get("function_id") or ""
        if bench.get("value_str"):
            name = f"{name}/{bench['value_str']}"
        groups.setdefault(bench["group_id"], []).append((name, est["mean"]["point_estimate"], est["mean"]["confidence_interval"]))
    return groups


def main():
    groups = results()
    if not groups:
        sys.exit("no criterion results under target/criterion: run `cargo bench` first")
    print("| group | benchmark | mean (95% CI) | ratio to baseline |")
    print("|---|---|---|---|")
    for group, benches in sorted(groups.items()):
        base = next((m for n, m, _ in benches if n.startswith("baseline")), None)
        for name, mean, ci in sorted(benches, key=lambda b: (not b[0].startswith("baseline"), b[0])):
            ratio = f"{mean / base:.3f}×" if base else "–"
            print(f"| {group} | {name} | {fmt(mean)} ({fmt(ci['lower_bound'])} – {fmt(ci['upper_bound'])}) | {ratio} |")
    if "--footprint" in sys.argv:
        tree = subprocess.run(
            ["cargo", "tree", "-p", "dingtalk-oapi", "-e", "normal", "--prefix", "none", "--no-dedupe"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout
        crates = {line.split(" (")[0].strip() for line in tree.splitlines() if line.strip()}
        print(f"\ndingtalk-oapi dependencies (normal, unique, itself included): {len(crates)}")
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "dingtalk-cli"], cwd=ROOT, check=True)
        size = os.path.getsize(os.path.join(ROOT, "target", "release", "dingtalk"))
        print(f"dingtalk release binary: {size} bytes ({size / 1024 / 1024:.1f} MiB)")


if __name__ == "__main__":
    main()
