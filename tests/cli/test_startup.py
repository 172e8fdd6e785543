"""The command line starts light: building it and printing any ``--help`` imports no heavy library.

Run in a fresh interpreter (this test process has imported everything already). Speed itself is
measured by ``benchmarks/bench_cli_startup.py``, not asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = (
    "sqlalchemy", "pyarrow", "pandas", "ibis", "duckdb", "alembic", "matplotlib", "openpyxl", "docx", "fastapi",
    "lantian.bootstrap", "lantian.storage",
)  # fmt: skip

SCRIPT = """
import contextlib, io, json, sys

import typer.main

from lantian.cli.main import app, main

report, data_dir = sys.argv[1], sys.argv[2]


def paths(command, prefix):
    yield prefix
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from paths(sub, [*prefix, name])


failed, shown = [], 0
for path in paths(typer.main.get_command(app), []):
    with contextlib.redirect_stdout(io.StringIO()) as text:
        status = main([*path, "--help"])
    shown += 1
    if status != 0 or "--help" not in text.getvalue():
        failed.append([" ".join(path), status])
with contextlib.redirect_stdout(io.StringIO()):
    version = main(["version", "--data-dir", data_dir])
with open(report, "w", encoding="utf-8") as fh:
    json.dump({"shown": shown, "failed": failed, "version": version, "modules": sorted(sys.modules)}, fh)
"""


def test_every_help_renders_without_importing_the_heavy_stack(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(report), str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["failed"] == [] and result["version"] == 0
    assert result["shown"] > 60  # lantian, every group and every command
    loaded = [h for h in HEAVY if any(m == h or m.startswith(h + ".") for m in result["modules"])]
    assert loaded == [], "imported at start (import them inside the command that uses them): " + ", ".join(loaded)


def test_a_command_that_runs_still_imports_what_it_needs(tmp_path: Path) -> None:
    """The deferred imports resolve: ``db status`` opens the store through the wiring imported on use."""
    done = subprocess.run(
        [sys.executable, "-m", "lantian", "db", "status", "--json", "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["schema"] == json.loads(done.stdout)["newest"]
