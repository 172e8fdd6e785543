"""Benchmark: how long the command line takes to start (goal: ``lantian --help`` ≤ 0.3 s).

Baselines, measured in the same run: ``python -c pass`` (the interpreter alone),
``python -c "import typer, rich"`` (the libraries every command needs) and a one-command Typer
app printing its ``--help`` (what Typer's rich help costs by itself). Each command runs in a
fresh process, as a user runs it; prints the median of the runs and the ratios to the baselines.

    python benchmarks/bench_cli_startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from _common import REPO

GOAL_S = 0.3
COMMANDS = [  # --help and light commands: none of them opens the store
    ["--help"],
    ["aq", "--help"],
    ["tasks", "list", "--help"],
    ["version"],
]
TYPER_HELLO = """
import typer
app = typer.Typer()
@app.command()
def hello(name: str = "world") -> None:
    print(name)
@app.command()
def bye() -> None:
    pass
app(["--help"])
"""


def median_run(argv: list[str], repeat: int, env: dict[str, str]) -> float:
    """The median wall time (seconds) of ``repeat`` fresh processes running ``argv``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "LANTIAN_DATA_DIR": data_dir}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "src"), env.get("PYTHONPATH")) if p)
        bare = median_run([python, "-c", "pass"], args.repeat, env)
        floor = median_run([python, "-c", "import typer, rich"], args.repeat, env)
        hello = median_run([python, "-c", TYPER_HELLO], args.repeat, env)
        print(f"baseline python -c pass:                  {bare:.3f} s")
        print(f"baseline python -c 'import typer, rich':  {floor:.3f} s")
        print(f"baseline two-command Typer app --help:     {hello:.3f} s")
        print(f"{'command':28} {'median s':>9} {'× pass':>7} {'× typer,rich':>13} {'× Typer app':>12}")
        slowest = 0.0
        for command in COMMANDS:
            seconds = median_run([python, "-m", "lantian", *command], args.repeat, env)
            slowest = max(slowest, seconds)
            ratios = f"{seconds / bare:7.1f} {seconds / floor:13.1f} {seconds / hello:12.1f}"
            print(f"{'lantian ' + ' '.join(command):28} {seconds:9.3f} {ratios}")
    verdict = "met" if slowest <= GOAL_S else "NOT met"
    print(f"goal: --help and light commands ≤ {GOAL_S} s → {verdict} (slowest {slowest:.3f} s)")


if __name__ == "__main__":
    main()
