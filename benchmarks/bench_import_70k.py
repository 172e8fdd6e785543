"""Benchmark: import a generated 70,000-task table (the size of Jiangsu's yearly task list, 003 附件7).

The table repeats seed 000's rows (their departments, deadlines and targets) with fresh numbers,
in 000's own layout. Goal: the whole import (read, parse, store) under 60 s.

Baseline, measured in the same run: reading the file into blocks plus inserting the same 70,000
raw rows (number, text, responsibility) into an empty SQLite table with one ``executemany`` —
the floor of any import. Each phase runs in a fresh process so its peak memory is its own.

    python benchmarks/bench_import_70k.py [--tasks 70000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import peak_rss_mib, seeds_dir


def generate(path: Path, n: int) -> None:
    (source,) = seeds_dir().glob("000_*.txt")
    head, _, body = source.read_text(encoding="utf-8").partition("\n\n")
    rows = body.strip("\n").split("\n\n")
    out = [head]
    number = 0
    while number < n:
        for row in rows:
            number += 1
            cells = row.split("\n\t")
            cells[0] = f"\t{number}"
            out.append("\n\t".join(cells))
            if number >= n:
                break
    path.write_text("\n\n".join(out) + "\n", encoding="utf-8")


def phase_baseline(path: str) -> dict[str, float]:
    from lantian.documents.read import read_document

    start = time.perf_counter()
    doc = read_document(path)
    table = doc.tables()[0]
    rows = [tuple(c.text for c in r.cells[:4]) + ("",) * (4 - len(r.cells[:4])) for r in table.rows[1:]]
    with tempfile.TemporaryDirectory() as tmp:
        con = sqlite3.connect(Path(tmp) / "floor.db")
        con.execute("create table t (number text, category text, body text, duty text)")
        con.executemany("insert into t values (?, ?, ?, ?)", rows)
        con.commit()
        con.close()
    return {"seconds": time.perf_counter() - start, "rows": len(rows), "peak_mib": peak_rss_mib()}


def phase_import(path: str, url: str | None, data_dir: str) -> dict[str, float]:
    from lantian.bootstrap import App
    from lantian.config import Settings
    from lantian.documents.read import read_document
    from lantian.domain.plans.parser import parse_plan

    app = App.open(Settings.load(data_dir, url))
    start = time.perf_counter()
    doc = read_document(path)
    read_s = time.perf_counter() - start
    plan = parse_plan(doc, dictionary=app.plans.dictionary)
    parse_s = time.perf_counter() - start - read_s
    app.close()
    app = App.open(Settings.load(data_dir, url))
    start2 = time.perf_counter()
    report = app.plans.import_files([path])
    total = time.perf_counter() - start2
    counts = app.plans.counts()
    app.close()
    return {
        "read_s": read_s,
        "parse_s": parse_s,
        "import_s": total,
        "tasks": report.outcomes[0].tasks,
        "stored_tasks": counts["tasks"],
        "departments": counts["departments"],
        "peak_mib": peak_rss_mib(),
        "plan_tasks": len(plan.tasks),
    }


def run_phase(*args: str) -> dict[str, float]:
    result = subprocess.run([sys.executable, __file__, "--phase", *args], capture_output=True, text=True, check=True)
    data: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tasks", type=int, default=70_000)
    ap.add_argument("--database-url", default=None, help="default: SQLite in a temporary data folder")
    ap.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        kind, *rest = args.phase
        if kind == "baseline":
            print(json.dumps(phase_baseline(rest[0])))
        else:
            url = rest[1] if rest[1] != "-" else None
            print(json.dumps(phase_import(rest[0], url, rest[2])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tasks_70k.txt"
        generate(path, args.tasks)
        size = path.stat().st_size / 2**20
        base = run_phase("baseline", str(path))
        imp = run_phase("import", str(path), args.database_url or "-", str(Path(tmp) / "data"))
    print(f"generated table: {args.tasks} tasks, {size:.1f} MiB")
    print(
        f"baseline (read + raw SQLite insert of {int(base['rows'])} rows): {base['seconds']:.2f} s, "
        f"peak {base['peak_mib']:.0f} MiB"
    )
    print(f"read {imp['read_s']:.2f} s · parse {imp['parse_s']:.2f} s (parse alone, separate run)")
    print(
        f"import (read + parse + store, one transaction): {imp['import_s']:.2f} s "
        f"= {imp['import_s'] / base['seconds']:.1f} × baseline; peak {imp['peak_mib']:.0f} MiB"
    )
    print(f"stored: {int(imp['stored_tasks'])} tasks, {int(imp['departments'])} distinct departments")
    print(f"goal: under 60 s → {'met' if imp['import_s'] < 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
