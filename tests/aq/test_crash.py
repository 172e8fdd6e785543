"""Fault injection (故障注入): `aq import` and `plans import` killed with SIGKILL at chosen points.

Each kill runs the real CLI in a child Python that wraps one function of the write path and kills
itself (``os.kill(os.getpid(), SIGKILL)``) on its n-th call — deterministic points, no product hook.
Afterwards the store must open and read, and importing again must give the state of a clean import.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lantian.analytics.parquet_store import HourlyStore
from lantian.cli.main import main

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
JIANGSU = SHARED / "data" / "aq" / "cnemc_sites_2019_jiangsu"
LISTS = SHARED / "data" / "aq" / "station_lists"
SEED = SHARED / "seeds" / "001_f9b5447a1a986f08.txt"

pytestmark = pytest.mark.skipif(not JIANGSU.is_dir() or not SEED.is_file(), reason="shared data not present")

# the child: wrap `target` (module:qualified name); on its n-th call (or the first call with an SQL
# statement starting with n), kill itself `when` = before | after | partial
CHILD = textwrap.dedent(
    """
    import importlib, os, signal, sys
    module_name, attr, n, when = sys.argv[1:5]
    owner_path = attr.split(".")
    owner = importlib.import_module(module_name)
    for part in owner_path[:-1]:
        owner = getattr(owner, part)
    original = getattr(owner, owner_path[-1])
    calls = [0]

    def chosen(args):  # the n-th call, or the first whose statement starts with the text given
        if n.isdigit():
            calls[0] += 1
            return calls[0] == int(n)
        return any(isinstance(a, str) and a.lstrip().startswith(n) for a in map(str, args))

    def wrapped(*args, **kwargs):
        if chosen(args):
            if when == "partial":  # write the file, then cut it in half, as a kill mid-write would
                result = original(*args, **kwargs)
                path = str(args[1])
                size = os.path.getsize(path)
                with open(path, "r+b") as fh:
                    fh.truncate(size // 2)
                os.kill(os.getpid(), signal.SIGKILL)
            if when == "before":
                os.kill(os.getpid(), signal.SIGKILL)
            result = original(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(owner, owner_path[-1], wrapped)
    from lantian.cli.main import main
    sys.exit(main(sys.argv[5:]))
    """
)


def _killed(target: str, n: str, when: str, args: list[str], data: Path) -> None:
    module, attr = target.split(":")
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, module, attr, n, when, *args, "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr[-2000:])


_capture: list[pytest.CaptureFixture[str]] = []


@pytest.fixture(autouse=True)
def _output(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    _capture.append(capsys)
    yield
    _capture.pop()


def _cli(args: list[str], data: Path) -> str:
    """The CLI in this process (the store is opened afresh by every command)."""
    capsys = _capture[-1]
    capsys.readouterr()
    status = main([*args, "--data-dir", str(data)])
    captured = capsys.readouterr()
    assert status == 0, (args, status, captured.err[-2000:])
    return captured.out


FILES = sorted(JIANGSU.glob("china_sites_*.csv"))[:2]
_CLEAN: dict[str, Any] = {}  # the state of a clean import, computed once


def _aq_state(data: Path) -> tuple[str, str]:
    daily = _cli(["aq", "daily", "--format", "csv"], data)
    status = json.loads(_cli(["aq", "status", "--json"], data))
    return daily, json.dumps({k: status[k] for k in ("days", "first_day", "last_day")})


@pytest.fixture
def clean_aq(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    if "aq" not in _CLEAN:
        data = tmp_path_factory.mktemp("clean-aq")
        _cli(["aq", "stations", "import", *map(str, sorted(LISTS.glob("站点列表-20*.csv")))], data)
        _cli(["aq", "import", *map(str, FILES)], data)
        _CLEAN["aq"] = _aq_state(data)
    return _CLEAN["aq"]


@pytest.mark.parametrize(
    ("target", "n", "when"),
    [
        ("pyarrow.parquet:write_table", "1", "partial"),  # the first day file half written
        ("pyarrow.parquet:write_table", "2", "after"),  # the second day staged, not renamed
        ("lantian.analytics.parquet_store:replace_atomically", "1", "after"),  # renamed, then killed
        ("lantian.analytics.parquet_store:HourlyStore.write", "2", "before"),  # the first file in, not the second
    ],
)
def test_a_killed_aq_import_leaves_a_store_that_reads_and_reimports(
    tmp_path: Path, clean_aq: tuple[str, str], target: str, n: str, when: str
) -> None:
    data = tmp_path / "data"
    _cli(["aq", "stations", "import", *map(str, sorted(LISTS.glob("站点列表-20*.csv")))], data)
    _cli(["aq", "import", str(FILES[0])], data)  # a day already there, which the killed import rewrites
    _killed(target, n, when, ["aq", "import", *map(str, FILES)], data)
    hourly = data / "aq" / "hourly"
    _cli(["aq", "daily", "--format", "csv"], data)  # reads after the kill, before any repair
    assert not list(hourly.rglob(".tmp-*")) and not [p for p in hourly.rglob("*") if p.name.startswith("part-")]
    _cli(["aq", "import", *map(str, FILES)], data)
    assert _aq_state(data) == clean_aq
    staging = data / "aq" / "staging"
    _cli(["aq", "status"], data)  # the next open sweeps what the killed process left
    assert not staging.exists() or not any(staging.rglob("*.parquet"))


def test_leftovers_of_an_older_version_beside_the_day_files_are_ignored_and_removed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _cli(["aq", "import", str(FILES[0])], data)
    month = next((data / "aq" / "hourly" / "sites").glob("year=*/month=*"))
    leftover = month / ".tmp-abc123.parquet"
    leftover.write_bytes(b"PAR1")  # what a kill -9 during a write used to leave: not a Parquet file
    assert json.loads(_cli(["aq", "status", "--json"], data))["days"] == 1
    assert not leftover.exists()
    store = HourlyStore(data / "aq")
    leftover.write_bytes(b"PAR1")  # written while the store is open: reads still never take it
    assert [p.name for p in store.files()] == ["20190101.parquet"]


EXECUTE = "sqlalchemy.engine.base:Connection._execute_context"


def _plans_state(data: Path) -> list[dict[str, object]]:
    plans = json.loads(_cli(["plans", "list", "--json"], data))
    tasks = json.loads(_cli(["tasks", "list", "--format", "json"], data))
    return [*[{k: v for k, v in p.items() if not k.endswith("_at")} for p in plans], {"tasks": tasks}]


@pytest.mark.parametrize(
    ("target", "n", "when"),
    [
        (EXECUTE, "INSERT INTO plan_revisions", "after"),  # the plan and its revision written
        (EXECUTE, "INSERT INTO task_departments", "after"),  # its tasks too
        (EXECUTE, "INSERT INTO audit_log", "after"),  # the audit entry, not the chain's head
        ("sqlalchemy.engine.base:Connection._commit_impl", "1", "before"),  # everything but the commit
    ],
)
def test_a_killed_plans_import_leaves_a_store_that_opens_and_reimports(
    tmp_path: Path, target: str, n: str, when: str
) -> None:
    if "plans" not in _CLEAN:
        clean = tmp_path / "clean"
        _cli(["plans", "import", str(SEED)], clean)
        _CLEAN["plans"] = _plans_state(clean)
    data = tmp_path / "data"
    _cli(["plans", "list"], data)  # the store exists (migrated) before the killed import
    _killed(target, n, when, ["plans", "import", str(SEED)], data)
    assert json.loads(_cli(["plans", "list", "--json"], data)) == []  # nothing half imported
    _cli(["plans", "import", str(SEED)], data)
    assert _plans_state(data) == _CLEAN["plans"]


def test_what_a_killed_import_staged_is_swept_at_the_next_open(tmp_path: Path) -> None:
    """Killed before the first Parquet write: its staged file is left, no day is stored, and the next
    command that opens the data folder removes the leftover (the process that wrote it is gone)."""
    data = tmp_path / "data"
    _killed("pyarrow.parquet:write_table", "1", "before", ["aq", "import", str(FILES[0])], data)
    staging = data / "aq" / "staging"
    assert [p.name[:5] for p in staging.rglob("*.parquet")] == ["part-"]
    assert not list((data / "aq" / "hourly").rglob("*.parquet"))
    assert json.loads(_cli(["aq", "status", "--json"], data))["days"] == 0
    assert not list(staging.iterdir())
