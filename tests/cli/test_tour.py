"""The README's tour runs as written (导览可照做): every line of its command block, in order, from a
copy of the checkout's layout (the checkout with ``../shared`` beside it), after its own first line,
``python3 -m lantian demo``, which fills ``./lantian-data``.

Each line is given to bash as it stands (globs, comments and all), with ``lantian`` on the PATH as
the command of this source tree. A line whose comment says ``exits N`` must exit with N (a check
that does not pass by design); every other line must exit 0. ``lantian serve`` must answer HTTP
before it is stopped with Ctrl-C (SIGINT). ``LANTIAN_PASSWORD`` answers ``users add``'s question
and ``LANTIAN_PORT`` keeps the server off port 8000 — both documented ways to script them.

The demo runs once, here (about 40 s on a quiet machine; the whole tour about 2 min); the test skips
when the shared seeds and monitoring data are not beside the checkout.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, _free_port, shared_dir

README = REPO / "README.md"


def tour_lines(readme: str) -> list[str]:
    """The lines of the first bash block of the README's "A tour" section."""
    section = readme.split("\n## A tour\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```bash\n(.*?)```", section, re.S)
    assert found, "the tour has no ```bash block"
    return [line for line in found.group(1).splitlines() if line.strip()]


def expected_status(line: str) -> int:
    """0, or the status the line's comment documents (``# exits 1: …``)."""
    comment = line.partition(" #")[2]
    found = re.search(r"\bexits (\d+)", comment)
    return int(found.group(1)) if found else 0


def test_the_tour_is_extracted_with_its_documented_statuses() -> None:
    lines = tour_lines(README.read_text(encoding="utf-8"))
    assert lines[0].startswith("python3 -m lantian demo")
    assert all(line.startswith("lantian ") for line in lines[1:])
    assert len(lines) > 30
    failing = [line for line in lines if expected_status(line) != 0]
    assert [expected_status(line) for line in failing] == [1]
    assert "reduction-list check" in failing[0]


def _layout(root: Path) -> tuple[Path, dict[str, str]]:
    """root/checkout (docs linked from this tree), root/shared (linked), root/bin (lantian, python3)."""
    checkout, bin_dir = root / "checkout", root / "bin"
    checkout.mkdir()
    bin_dir.mkdir()
    (checkout / "docs").symlink_to(REPO / "docs")
    (root / "shared").symlink_to(shared_dir().resolve())
    (bin_dir / "python3").symlink_to(sys.executable)
    lantian = bin_dir / "lantian"
    lantian.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m lantian "$@"\n', encoding="utf-8")
    lantian.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTIAN_")}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(REPO / "src"),
        LANTIAN_PASSWORD="tour-password-2026",
        LANTIAN_PORT=str(_free_port()),
        COLUMNS="100",
    )
    return checkout, env


def _serve(line: str, checkout: Path, env: dict[str, str]) -> str | None:
    """Start the server as written, wait for an answer, stop it with Ctrl-C; None when it answered."""
    process = subprocess.Popen(
        ["bash", "-c", f"exec {line}"], cwd=checkout, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{env['LANTIAN_PORT']}/public"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return f"exited {process.returncode}: {process.stdout.read().decode() if process.stdout else ''}"
            try:
                with urllib.request.urlopen(url, timeout=30) as answer:
                    return None if answer.status == 200 else f"HTTP {answer.status}"
            except OSError:  # not listening yet (URLError), or slow to answer (TimeoutError)
                time.sleep(0.5)
        return "no answer within 90 s"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if process.stdout:
            process.stdout.close()


def test_every_tour_command_runs_as_written(tmp_path: Path) -> None:
    shared = shared_dir()
    if not (shared / "seeds").is_dir() or not (shared / "data" / "aq" / "station_lists").is_dir():
        pytest.skip("the shared seeds and monitoring data are not beside the checkout")
    checkout, env = _layout(tmp_path)
    failures, timings = [], []
    for line in tour_lines(README.read_text(encoding="utf-8")):
        started = time.monotonic()
        if line.startswith("lantian serve"):
            problem = _serve(line, checkout, env)
            if problem:
                failures.append(f"{line}\n  {problem}")
        else:
            done = subprocess.run(
                ["bash", "-c", line], cwd=checkout, env=env, capture_output=True, text=True, timeout=1200,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
            if done.returncode != expected_status(line):
                wanted, said = expected_status(line), done.stderr.strip()[-800:]
                failures.append(f"{line}\n  exit {done.returncode} (expected {wanted})\n  {said}")
            if line.startswith("python3 -m lantian demo") and done.returncode != 0:
                break  # nothing after it can run
        timings.append((time.monotonic() - started, line.split("#")[0].strip()))
    total = sum(t for t, _ in timings)
    print(f"\ntour: {len(timings)} commands in {total:.0f} s; slowest:")
    for seconds, command in sorted(timings, reverse=True)[:5]:
        print(f"  {seconds:6.1f} s  {command}")
    assert not failures, "\n".join(failures)
    # what the tour says it writes is where it says
    reports = checkout / "lantian-data" / "reports"
    assert (reports / "苏州市2025年2月环境空气质量月报.docx").is_file()
    assert not list(checkout.glob("*.docx")), "report monthly wrote into the current folder"
    for written in ("任务清单.xlsx", "责任矩阵.xlsx", "日报.csv", "forecasts.csv", "考核.xlsx", "预报.csv",
                    "清单.xlsx"):  # fmt: skip
        assert (checkout / written).is_file(), written
