"""Read ``.xlsx`` task tables into neutral blocks (读取 Excel 任务表).

Which sheet (工作表): the first sheet with a header row naming 序号 and one of 具体内容 /
重点工作任务 / 工作任务 / 任务内容 / 牵头单位 / 责任单位 / 责任分工 (else the first sheet with
content). Every other sheet with content is named in ``Document.warnings``
("sheet X ignored (已忽略工作表 X)").

Blocks (文档块): rows above the header (title, 文号 lines) become paragraphs, their cells joined
with a space; the header and every row under it become ONE table. ``line`` is the Excel row
number, so ``plan.xlsx:7: …`` means row 7 of the task sheet. Empty rows are dropped; columns are
trimmed to the header's width or the widest row, whichever is wider; empty leading columns
(a table that starts in column B) are dropped.

Merged cells (合并单元格) read like Word's: the value sits in the range's top-left cell; cells
merged downward are empty (a blank category cell continues the row above); cells merged to the
right are dropped, so a header cell spanning two columns appears once, as ``gridSpan`` does in
Word. A two-row header — ``责任单位`` merged over ``牵头单位 | 配合单位`` in the row below — is read
as one header row with the lower labels.

Values (值): text as is (stripped); whole numbers without ``.0``; other numbers without float
noise; a number formatted as a percentage as ``35%``; dates as ISO dates; formulas as their last
computed value.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

from lantian.domain.blocks import Block, Cell, Document, Paragraph, Row, Table
from lantian.errors import EmptyInputError, InputError

_NUMBER = ("序号",)
_HEADER_WORDS = ("具体内容", "重点工作任务", "工作任务", "任务内容", "牵头单位", "责任单位", "责任分工")
_HEADER_SCAN = 30  # the header is looked for in the first rows with content
_SPACE = re.compile(r"\s+")

Grid = list[tuple[int, list[str]]]  # (Excel row number, cell texts)


def read_xlsx(data: bytes, *, name: str, sha256: str) -> Document:
    """Read the bytes of an ``.xlsx`` workbook; ``name`` is what messages call the file."""
    try:
        from openpyxl import load_workbook
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise InputError(f"openpyxl is not installed (未安装读取 .xlsx 文件的组件): {exc}", file=name) from None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        reason = "an old Excel .xls file; save it as .xlsx" if data[:4] == b"\xd0\xcf\x11\xe0" else "not a zip package"
        raise InputError(f"not a valid .xlsx file (不是有效的 .xlsx 文件): {reason}", file=name)
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)  # read_only=False: merged cells are needed
        sheets = [(ws.title, _grid(ws)) for ws in wb.worksheets]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"not a valid .xlsx file (不是有效的 .xlsx 文件): {exc}", file=name) from None
    except Exception as exc:  # a damaged workbook fails in many ways inside openpyxl
        raise InputError(f"the .xlsx file is damaged (文件已损坏): {type(exc).__name__}: {exc}", file=name) from None
    sheets = [(title, grid) for title, grid in sheets if grid]
    if not sheets:
        raise EmptyInputError("the workbook has no content (工作簿为空，所有工作表都是空的)", file=name)
    chosen = next(((t, g, h) for t, g in sheets if (h := _header_index(g)) is not None), None)
    header: int | None
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
        body = [(number, values) for number, values in grid[header:] if any(values)]
        width = max(len(_trim(values)) for _, values in body)
        rows = tuple(
            Row(cells=tuple(Cell(text=v, line=number) for v in values[:width]), line=number) for number, values in body
        )
        blocks.append(Table(rows=rows, line=rows[0].line, end_line=rows[-1].line))
    return Document(
        name=name,
        blocks=tuple(blocks),
        encoding="xlsx",
        sha256=sha256,
        kind="xlsx",
        warnings=warnings,
    )


def cell_text(value: Any, number_format: str = "General") -> str:
    """One cell value as text: ``12`` not ``12.0``, ``0.3`` not ``0.30000000000000004``, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, int | float):
        if "%" in (number_format or ""):
            return f"{_number(value * 100)}%"
        return _number(value)
    return str(value).strip()


def _number(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):  # NaN/inf: as Excel would not show them
        return ""
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    text = f"{value:.15g}"
    if "e" in text:  # keep plain notation for ordinary magnitudes
        text = f"{value:.15f}".rstrip("0").rstrip(".")
    return text


def _grid(ws: Any) -> Grid:
    """(Excel row number, cell texts) for every row up to the last with content (see module doc)."""
    dropped: set[tuple[int, int]] = set()  # merged to the right of a range's first column
    emptied: set[tuple[int, int]] = set()  # merged downward in a range's first column
    spans: dict[tuple[int, int], int] = {}  # top-left of a horizontal range → its last column
    for rng in ws.merged_cells.ranges:
        if rng.max_col > rng.min_col:
            spans[(rng.min_row, rng.min_col)] = rng.max_col
        for row in range(rng.min_row, rng.max_row + 1):
            for col in range(rng.min_col, rng.max_col + 1):
                if (row, col) != (rng.min_row, rng.min_col):
                    (emptied if col == rng.min_col else dropped).add((row, col))
    raw: list[tuple[int, list[tuple[int, str]]]] = []
    for row in ws.iter_rows():
        if not row:
            continue
        cells = [
            (c.column, "" if (c.row, c.column) in emptied else cell_text(c.value, c.number_format))
            for c in row
            if c.column is not None
        ]
        raw.append((row[0].row, cells))
    while raw and not any(text for _, text in raw[-1][1]):
        raw.pop()
    if not raw:
        return []
    used = [col for _, cells in raw for col, text in cells if text]
    first_col = min(used) if used else 1
    raw = [(n, [(col, text) for col, text in cells if col >= first_col]) for n, cells in raw]
    raw = _fold_two_row_header(raw, spans, dropped)
    return [(n, [text for col, text in cells if (n, col) not in dropped]) for n, cells in raw]


def _fold_two_row_header(
    raw: list[tuple[int, list[tuple[int, str]]]],
    spans: dict[tuple[int, int], int],
    dropped: set[tuple[int, int]],
) -> list[tuple[int, list[tuple[int, str]]]]:
    """``责任单位`` merged over ``牵头单位 | 配合单位`` → one header row with the lower labels.

    Applies when the header row has a horizontally merged cell and the row below has text only
    under such merged cells (its other cells empty or merged down from the header).
    """
    index = _header_index([(n, [t for _, t in cells]) for n, cells in raw])
    if index is None or index + 1 >= len(raw):
        return raw
    number, cells = raw[index]
    _, below = raw[index + 1]
    under: set[int] = set()
    for col, _ in cells:
        last = spans.get((number, col))
        if last is not None:
            under.update(range(col, last + 1))
    below_text = {col: text for col, text in below if text}
    if not under or not below_text or not set(below_text) <= under:
        return raw
    folded: list[tuple[int, str]] = []
    for col, text in cells:
        if col in under and col in below_text:
            folded.append((col, below_text[col]))
            dropped.discard((number, col))
        elif col in under and (number, col) in dropped:
            continue  # an unlabelled column under the merged header cell keeps being dropped
        else:
            folded.append((col, text))
    return [*raw[:index], (number, folded), *raw[index + 2 :]]


def _trim(values: list[str]) -> list[str]:
    end = len(values)
    while end and not values[end - 1]:
        end -= 1
    return values[:end]


def _label(text: str) -> str:
    return _SPACE.sub("", text)


def _matches(label: str, words: tuple[str, ...]) -> bool:
    """``序 号`` and ``牵头单位（部门）`` match; a long sentence that merely mentions a word does not."""
    return any(label == w or (label.startswith(w) and len(label) <= len(w) + 6) for w in words)


def _header_index(grid: Grid) -> int | None:
    for i, (_, values) in enumerate(grid[:_HEADER_SCAN]):
        labels = [_label(v) for v in values if v]
        if any(_matches(v, _NUMBER) for v in labels) and any(_matches(v, _HEADER_WORDS) for v in labels):
            return i
    return None
