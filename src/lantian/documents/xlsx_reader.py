"""Read ``.xlsx`` task tables into neutral blocks (读取 Excel 任务表).

The task sheet is the first sheet with a header row naming 序号 and one of 具体内容 / 重点工作任务 /
工作任务 / 任务内容 / 牵头单位 / 责任单位 / 责任分工 (else the first sheet with content). Rows above the
header (title, 文号) become paragraphs; the header and the rows under it one table. ``line`` is the
Excel row number. A merged range keeps its value in the top-left cell; its other cells are empty.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from lantian.domain.blocks import Block, Cell, Document, Paragraph, Row, Table
from lantian.errors import EmptyInputError, InputError

_NUMBER = ("序号",)
_HEADER_WORDS = ("具体内容", "重点工作任务", "工作任务", "任务内容", "牵头单位", "责任单位", "责任分工")


def read_xlsx(data: bytes, *, name: str, sha256: str) -> Document:
    try:
        from openpyxl import load_workbook
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise InputError(f"openpyxl is not installed: {exc}", file=name) from None
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"not a valid .xlsx file (不是有效的 .xlsx 文件): {exc}", file=name) from None
    except Exception as exc:  # a damaged workbook fails in many ways inside openpyxl
        raise InputError(f"the .xlsx file is damaged (文件已损坏): {type(exc).__name__}: {exc}", file=name) from None
    sheets = [(ws.title, _grid(ws)) for ws in wb.worksheets]
    sheets = [(title, grid) for title, grid in sheets if grid]
    if not sheets:
        raise EmptyInputError("the workbook has no content (工作簿为空)", file=name)
    chosen = next(((t, g, h) for t, g in sheets if (h := _header_index(g)) is not None), None)
    if chosen is None:
        title, grid = sheets[0]
        header = None
    else:
        title, grid, header = chosen
    warnings = tuple(f"sheet {t} ignored (已忽略工作表 {t})" for t, _ in sheets if t != title)
    blocks: list[Block] = []
    start = header if header is not None else len(grid)
    for number, values in grid[:start]:
        text = " ".join(v for v in values if v)
        if text:
            blocks.append(Paragraph(text=text, line=number))
    if header is not None:
        body = grid[header:]
        width = max(len(_trim(values)) for _, values in body)
        rows = tuple(
            Row(cells=tuple(Cell(text=v, line=number) for v in values[:width]), line=number)
            for number, values in body
            if any(values)
        )
        blocks.append(Table(rows=rows, line=rows[0].line, end_line=rows[-1].line))
    return Document(
        name=f"{name}",
        blocks=tuple(blocks),
        encoding="xlsx",
        sha256=sha256,
        kind="xlsx",
        warnings=warnings,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _grid(ws: Any) -> list[tuple[int, list[str]]]:
    """(Excel row number, cell texts) for every row up to the last with content.

    Like Word's tables: a merged range's value stays in its first cell; cells merged to the right
    are dropped (a header cell spanning two columns appears once), and cells merged downward in the
    range's first column are empty (a blank category cell continues the row above).
    """
    dropped: set[tuple[int, int]] = set()
    emptied: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        for row in range(rng.min_row, rng.max_row + 1):
            for col in range(rng.min_col, rng.max_col + 1):
                if (row, col) == (rng.min_row, rng.min_col):
                    continue
                (emptied if col == rng.min_col else dropped).add((row, col))
    out: list[tuple[int, list[str]]] = []
    for row in ws.iter_rows():
        values = [
            "" if (c.row, c.column) in emptied else _text(c.value) for c in row if (c.row, c.column) not in dropped
        ]
        if row:
            out.append((row[0].row, values))
    while out and not any(out[-1][1]):
        out.pop()
    return out


def _trim(values: list[str]) -> list[str]:
    end = len(values)
    while end and not values[end - 1]:
        end -= 1
    return values[:end]


def _header_index(grid: list[tuple[int, list[str]]]) -> int | None:
    for i, (_, values) in enumerate(grid[:30]):
        labels = {"".join(v.split()) for v in values}
        if labels & set(_NUMBER) and labels & set(_HEADER_WORDS):
            return i
    return None
