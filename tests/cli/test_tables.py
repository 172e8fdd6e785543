"""Tables on the command line (表格输出): piped, CSV with every cell whole; on a terminal, wrapped to
its width — never a column cut to a character — and one block per row when even that does not fit.

The terminal cases run the real command under a pseudo-terminal (``pty``) with ``COLUMNS`` set, as
a person would see it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lantian.cli import common
from lantian.cli.main import main
from tests.conftest import REPO

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
LONG = "持续推进产业绿色转型升级。开展涉气产业集群排查及分类治理，进一步分析产业发展定位，树立行业标杆。"


@pytest.fixture(scope="module")
def data_dir(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tables")
    (seed,) = seeds_dir.glob("001_*")
    assert main(["plans", "import", str(seed), "--data-dir", str(folder)]) == 0
    return folder


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "COLUMNS")}
    return {**env, "PYTHONPATH": str(REPO / "src"), **extra}


def piped(*args: str) -> subprocess.CompletedProcess[str]:
    """The command with stdout and stderr piped (a script, `| grep`, `> file`)."""
    return subprocess.run([sys.executable, "-m", "lantian", *args], capture_output=True, text=True, env=_env(),
                          timeout=300)  # fmt: skip


def on_terminal(*args: str, columns: int, stdout_piped: bool = False) -> tuple[str, str]:
    """The command on a pseudo-terminal ``columns`` wide: (what the terminal shows, stdout when piped)."""
    leader, follower = pty.openpty()
    stdout = subprocess.PIPE if stdout_piped else follower
    process = subprocess.Popen([sys.executable, "-m", "lantian", *args], stdout=stdout, stderr=follower,
                               stdin=subprocess.DEVNULL, env=_env(COLUMNS=str(columns), TERM="xterm"))  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    piped_out = process.stdout.read().decode() if process.stdout else ""
    assert process.wait(timeout=300) == 0
    os.close(leader)
    shown = ANSI.sub("", b"".join(chunks).decode()).replace("\r\n", "\n")
    return shown, piped_out


def test_piped_a_table_is_csv_with_whole_cells(data_dir: Path) -> None:
    done = piped("tasks", "list", "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["序号", "重点工作任务", "具体内容", "牵头单位", "配合单位", "责任单位", "完成时限", "目标值",
                       "状态", "最新进展", "完成比例"]  # fmt: skip
    as_json = json.loads(piped("tasks", "list", "--format", "json", "--data-dir", str(data_dir)).stdout)
    assert len(rows) - 1 == len(as_json) == 36
    texts = {r[2] for r in rows[1:]}
    assert any(len(t) > 200 for t in texts)  # whole, not the 60 characters a table once kept
    assert not done.stdout.startswith("\ufeff") and "┃" not in done.stdout and "│" not in done.stdout
    assert "JSON" not in done.stderr  # no hint: nobody watches stderr either


def test_piped_plans_list_is_csv_and_json_stays_json(data_dir: Path) -> None:
    done = piped("plans", "list", "--data-dir", str(data_dir))
    (header, row) = list(csv.reader(io.StringIO(done.stdout)))
    assert header[:2] == ["计划键 key", "标题 title"]
    assert row[:2] == ["苏气办〔2023〕16号", "苏州市2023年大气污染防治工作计划"]
    listed = json.loads(piped("plans", "list", "--json", "--data-dir", str(data_dir)).stdout)
    assert listed[0]["key"] == "苏气办〔2023〕16号"
    # --format table asks for the drawing even in a pipe
    drawn = piped("tasks", "list", "--format", "table", "--data-dir", str(data_dir)).stdout
    assert "序号" in drawn and "┃" in drawn


def test_on_a_terminal_with_the_output_piped_the_hint_names_json(data_dir: Path) -> None:
    shown, out = on_terminal("plans", "list", "--data-dir", str(data_dir), columns=100, stdout_piped=True)
    assert out.startswith("计划键 key,")
    assert "--json 输出 JSON" in shown  # on stderr, which a person is watching


def _column_widths(shown: str) -> list[int]:
    top = next(line for line in shown.splitlines() if line.startswith("┏"))
    return [cell_len(part) - 2 for part in re.split("[┏┳┓]", top)[1:-1]]  # less the padding


def test_a_narrow_terminal_wraps_and_never_cuts_a_column_to_a_character(data_dir: Path) -> None:
    shown, _ = on_terminal("tasks", "list", "--plan", "苏气办〔2023〕16号", "--data-dir", str(data_dir), columns=90)
    widths = _column_widths(shown)
    assert len(widths) == 8 and min(widths) >= 4, widths
    assert all(cell_len(line) <= 90 for line in shown.splitlines())
    body = "".join(re.sub(r"[│ ]", "", line) for line in shown.splitlines())
    assert "坚决叫停不符合要求的高耗能" in body.replace("┃", "")  # the long text folds, never an ellipsis
    assert "…" not in shown


def test_too_narrow_for_columns_each_row_is_a_block(data_dir: Path) -> None:
    shown, _ = on_terminal("plans", "list", "--data-dir", str(data_dir), columns=40)
    lines = shown.splitlines()
    assert "— 1 —" in lines and "┏" not in shown
    assert "计划键 key: 苏气办〔2023〕16号" in lines
    title = lines.index("标题 title: ") if "标题 title: " in lines else lines.index("标题 title:")
    assert lines[title + 1] == "苏州市2023年大气污染防治工作计划"  # too long for the line: on the next, whole
    assert all(cell_len(line) <= 40 for line in lines)


@pytest.mark.parametrize("width", [30, 50, 80, 120])
def test_emit_table_fits_any_width(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system=None, soft_wrap=True)
    monkeypatch.setattr(common, "out", console)
    table = Table("序号", "任务 task", "牵头 lead", "时限 deadline")
    table.add_row("1", LONG, "市生态环境局", "2023年底前")
    table.add_row("2", "短", "市发改委", "")
    common.emit_table(table)
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert all(cell_len(line) <= width for line in shown.splitlines()), shown
    assert "…" not in shown
    if "┏" in shown:
        assert min(_column_widths(shown)) >= 4
        column = "".join(line.split("│")[2].strip() for line in shown.splitlines() if line.startswith("│"))
        assert column == LONG + "短"  # folded in its cell, whole
    else:
        assert "".join(shown.split("任务 task:", 1)[1].split("牵头 lead:")[0].split()) == LONG
        assert "序号: 1" in shown and "牵头 lead: 市生态环境局" in shown


def test_table_rows_take_the_text_without_markup() -> None:
    table = Table("a", "b")
    table.add_row("[red]未通过[/red]", escape("[x] 不是标记"))
    assert common.table_rows(table) == (["a", "b"], [["未通过", "[x] 不是标记"]])
