"""What every command shares: the --data-dir/--database-url options, output and error rendering."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

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

out = Console(soft_wrap=True, highlight=False)


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
