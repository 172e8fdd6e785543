"""Benchmark: parse the five seed plans (goal: under 2 s in total).

Baseline, measured in the same run: reading the same files into blocks (decode + split), the
floor any parser pays. Prints the parse time, the ratio to the baseline, and the goal check.

    python benchmarks/bench_parse_seeds.py [--repeat 5]
"""

from __future__ import annotations

import argparse

from _common import best_of, peak_rss_mib, seeds_dir

from lantian.documents.read import read_document
from lantian.domain.plans.departments import DepartmentDictionary
from lantian.domain.plans.parser import parse_plan


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    files = sorted(seeds_dir().glob("*.txt"))
    dictionary = DepartmentDictionary.load_default()
    read_s, docs = best_of(args.repeat, lambda: [read_document(f) for f in files])
    per_file = []
    for doc in docs:
        seconds, plan = best_of(args.repeat, lambda doc=doc: parse_plan(doc, dictionary=dictionary))
        per_file.append((doc.name.rsplit("/", 1)[-1], seconds, len(plan.tasks)))
    total_s, _ = best_of(args.repeat, lambda: [parse_plan(read_document(f), dictionary=dictionary) for f in files])
    print(f"{'file':32} {'parse s':>9} {'tasks':>6}")
    for name, seconds, n in per_file:
        print(f"{name:32} {seconds:9.4f} {n:6d}")
    print(f"baseline (read five files into blocks): {read_s:.4f} s")
    print(f"read + parse, five seeds:               {total_s:.4f} s  = {total_s / read_s:.1f} × baseline")
    print(f"goal: five seeds in under 2 s → {'met' if total_s < 2 else 'NOT met'}; peak RSS {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
