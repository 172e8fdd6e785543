"""Tables a user hands in as ``.csv`` (UTF-8 with or without BOM, or GBK) or as a sheet of an
``.xlsx`` workbook (读取表格): a header row mapped to field names, then (line, {field: text}) rows.

Workbooks are read with calamine (fast enough for a 100,000-row measure sheet). Cell values
become text the way a person typed them: whole numbers without ``.0``, dates as ISO dates, a
date-time as ``YYYY-MM-DD HH:MM``. Messages name the file, the sheet (``file!sheet``), the line
(the spreadsheet's row number) and the column.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from lantian.config import Limits
from lantian.documents.limits import check_package, check_package_size
from lantian.documents.read import decode_text
from lantian.domain.aq.csvrows import column_name, csv_rows, header_columns
from lantian.errors import EmptyInputError, InputError, StructureError, UnsupportedFormatError

Rows = Iterator[tuple[int, dict[str, str]]]


def table_rows(
    path: Path, *, header: Mapping[str, str], required: tuple[str, ...], what: str, sheet: str | None = None
) -> Rows:
    """The rows of a CSV file, or of a workbook's sheet ``sheet`` (default: the first sheet)."""
    if not path.is_file():
        raise InputError("file not found (文件不存在)", file=str(path))
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return sheet_rows(open_workbook(path), sheet, header=header, required=required, what=what, file=str(path))
    if suffix not in (".csv", ".txt"):
        raise UnsupportedFormatError(f"the {what} is a .csv or .xlsx file (应为 CSV 或 xlsx)", file=str(path))
    data = path.read_bytes()
    if not data.strip():
        raise EmptyInputError("the file is empty (文件为空)", file=str(path))
    text, _ = decode_text(data, name=str(path))
    _, rows = csv_rows(text, name=str(path), header=header, required=required, what=what)
    return rows


def open_workbook(path: Path, limits: Limits | None = None) -> Any:
    """A workbook opened with calamine, once its zip directory is within ``limits`` (default: from
    the environment; see :mod:`lantian.documents.limits`)."""
    from python_calamine import CalamineWorkbook

    if not path.is_file():
        raise InputError("file not found (文件不存在)", file=str(path))
    if zipfile.is_zipfile(path):  # not a zip: calamine says what it is instead
        limits = limits or Limits.load()
        check_package_size(path.stat().st_size, name=str(path), limits=limits)
        check_package(path, name=str(path), limits=limits)
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for a damaged or foreign file
        raise UnsupportedFormatError(f"not a readable .xlsx file (无法读取): {exc}", file=str(path)) from None


def find_sheet(book: Any, names: Sequence[str]) -> str | None:
    """The first of the workbook's sheets whose name is one of ``names`` (case and spaces ignored)."""
    wanted = {n.strip().lower() for n in names}
    return next((s for s in book.sheet_names if s.strip().lower() in wanted), None)


def sheet_rows(
    book: Any, sheet: str | None, *, header: Mapping[str, str], required: tuple[str, ...], what: str, file: str
) -> Rows:
    name = sheet if sheet is not None else book.sheet_names[0]
    where = f"{file}!{name}"
    rows = iter(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
    titles = [_header(c) for c in next(rows, [])]
    cols = header_columns(titles, header, where=where, letters=True)
    if any(f not in cols for f in required):
        missing = "、".join(dict.fromkeys(t for t, f in header.items() if f in required and f not in cols))
        raise StructureError(f"the {what} lacks the column(s) {missing} (缺少列)", file=where, line=1, field=missing)
    untitled = [i for i, t in enumerate(titles) if not t]

    def generate() -> Rows:
        for line, row in enumerate(rows, start=2):
            if not any(c not in (None, "") for c in row):
                continue
            stray = next((i for i in [*untitled, *range(len(titles), len(row))] if row[i] not in (None, "")), None)
            if stray is not None:
                raise StructureError(
                    f"第 {line} 行{column_name(stray, True)}有数据但没有表头，列可能错位 "
                    f"(a value under no header: the columns may be shifted): {cell_text(row[stray])!r}",
                    file=where,
                    line=line,
                    field=column_name(stray, True),
                )
            yield line, {f: cell_text(row[i]) if i < len(row) else "" for f, i in cols.items()}

    return generate()


def _header(value: Any) -> str:
    text = cell_text(value).replace("（", "(").replace("）", ")").replace(" ", "")
    return text.lstrip("\ufeff")


def cell_text(value: Any) -> str:
    if type(value) is str:  # the common case first: a 100,000-row sheet calls this a million times
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour, value.minute) != (0, 0) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value).strip()
