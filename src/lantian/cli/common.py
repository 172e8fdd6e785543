"""What every command shares: the --data-dir/--database-url options, output and error rendering."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.errors import MarkupError
from rich.table import Table
from rich.text import Text

from lantian.config import Settings
from lantian.errors import InputError

if TYPE_CHECKING:  # the whole stack: imported when a command opens it, not to print --help
    from lantian.bootstrap import App

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar="LANTIAN_DATA_DIR", help="数据目录 data folder (default ./lantian-data)"),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="LANTIAN_DATABASE_URL",
        help="数据库地址 database URL (default: SQLite in the data folder; postgresql+psycopg://… for PostgreSQL)",
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="输出 JSON output JSON")]
TableFormat = Annotated[
    str | None, typer.Option("--format", help="table | csv | json (default: a table on a terminal, CSV piped)")
]

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

MIN_CELL = 6  # a column narrower than this (in terminal cells, a CJK character is 2) is unreadable


def settings(data_dir: Path | None, database_url: str | None) -> Settings:
    return Settings.load(data_dir, database_url)


@contextmanager
def open_app(data_dir: Path | None, database_url: str | None) -> Iterator[App]:
    from lantian.bootstrap import App

    app = App.open(settings(data_dir, database_url))
    try:
        yield app
    finally:
        app.close()


def rules_path(rules_file: Path | None, data_dir: Path | None) -> Path | None:
    """The accountability rules a command judges by: ``--rules``, else the office's
    ``<data dir>/accountability.toml`` (what the pages use), else None (the shipped defaults)."""
    if rules_file is not None:
        return rules_file
    kept = settings(data_dir, None).rules_file
    return kept if kept.is_file() else None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def parse_date(value: str | None, field: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"not a date (日期格式应为 YYYY-MM-DD): {value!r}", field=field) from None


# ---------------------------------------------------------------------------------------------- tables
# How a command prints a table (表格输出): on a terminal, a table wrapped to its width (long texts fold
# inside their cell; when even six cells a column do not fit, one block per row, "header: value");
# piped or redirected, CSV (a header and the rows, UTF-8, no BOM) so `| grep`, `> file.csv` and
# spreadsheets get the data, never a drawing cut to the width. Titles and remarks go to stderr then.


def to_terminal() -> bool:
    """Whether stdout is a terminal (rich's answer: also true under FORCE_COLOR or TTY_COMPATIBLE=1)."""
    return out.is_terminal


def table_format(fmt: str | None, allowed: tuple[str, ...] = ("table", "csv", "json")) -> str:
    """The output format of a table command: the one asked for, else a table on a terminal and CSV piped."""
    if fmt is None:
        return "table" if to_terminal() else "csv"
    if fmt not in allowed:
        raise InputError(f"unknown format {fmt!r}; use {' | '.join(allowed)} (格式无效)", field="format")
    return fmt


def remark(text: str) -> None:
    """A line that goes with a table (a count, a hint): on stdout beside the table, on stderr when piped."""
    (out if to_terminal() else err).print(text)


def plain(cell: RenderableType | None) -> str:
    """A cell's text without rich markup."""
    if cell is None:
        return ""
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        try:
            return Text.from_markup(cell).plain
        except MarkupError:
            return cell
    return str(cell)


def table_rows(table: Table) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a rich table, as plain text."""
    header = [plain(c.header) for c in table.columns]
    columns = [[plain(cell) for cell in c.cells] for c in table.columns]
    return header, [list(row) for row in zip(*columns, strict=True)] if columns else []


def emit_table(table: Table, *, json_hint: str | None = "--json", csv_when_piped: bool = True) -> None:
    """Print a table: wrapped on a terminal, CSV when piped (``csv_when_piped=False``: a table even then,
    for a table inside a report such as the demo's summary). ``json_hint`` names the option that gives
    JSON; the hint is printed on stderr, and only when stdout is piped while stderr is a terminal — a
    person watching — so scripts and their logs stay clean."""
    if not to_terminal() and csv_when_piped:
        header, rows = table_rows(table)
        if table.title:
            err.print(plain(table.title))
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        sys.stdout.flush()
        if json_hint and err.is_terminal:
            err.print(f"（以 CSV 输出；{json_hint} 输出 JSON）(CSV: stdout is not a terminal; {json_hint} for JSON)")
        return
    width = out.width
    header, rows = table_rows(table)
    natural = [
        max([cell_len(part) for text in (h, *(r[i] for r in rows)) for part in text.splitlines() or [""]])
        for i, h in enumerate(header)
    ]
    needed = sum(min(n, MIN_CELL) for n in natural) + 3 * len(header) + 1  # "│ " … " │" around each cell
    if needed <= width:
        for column in table.columns:
            column.overflow = "fold"  # a long text folds inside its cell, never cut with an ellipsis
            column.no_wrap = False
        out.print(table, soft_wrap=False)
        return
    _print_records(table, header, rows)


def _print_records(table: Table, header: list[str], rows: list[list[str]]) -> None:
    """Too narrow for columns: one block per row, each line "header: value", folded to the width."""
    if table.title:
        out.print(Text(plain(table.title), style="bold"), soft_wrap=False)
    for number, row in enumerate(rows, 1):
        out.print(Text(f"— {number} —", style="dim"), soft_wrap=False)
        for name, value in zip(header, row, strict=True):
            line = Text.assemble((f"{name}: ", "bold"), value)
            out.print(line, soft_wrap=False, overflow="fold")


# ---------------------------------------------------------------------------------------------- progress
Step = Callable[[int, int | None, str], None]  # (done, total or None when unknown, what is being done)


@contextmanager
def progress(label: str) -> Iterator[Step]:
    """Progress of a long command (进度) on stderr — a spinner, and a bar once the total is known — only
    when stderr is a terminal: piped or redirected, nothing is added to the output. It disappears when
    done, leaving the command's own output."""
    if not err.is_terminal:
        yield lambda done, total, what: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def step(done: int, total: int | None, what: str) -> None:
            bar.update(task, completed=done, total=total, description=f"{label} {what}".rstrip())

        yield step
