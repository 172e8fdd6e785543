"""Write neutral blocks back to ``.docx`` / ``.xlsx`` (写出文档): to convert a plan between formats.

What comes back from :func:`~lantian.documents.read.read_document` after a write is the same
plan: the plan parser finds the same tasks, departments and targets.

- Word (:func:`write_docx`): paragraphs as paragraphs, ``**…**`` segments as bold runs (in table
  cells too); tables as Word tables in the "Table Grid" style; a row shorter than the table has
  its last cell merged across the rest (as Word draws the seeds' header rows); a ``\\n`` in a cell
  starts a new paragraph of the cell.
- Excel (:func:`write_xlsx`): the paragraphs before the first table as one-cell rows, then the
  first table, on sheet 任务表; every further table on a sheet of its own (表2, 表3 …) under the
  paragraphs that precede it (an annex's heading). Paragraphs after the last table (signature,
  date) are not written: below a table they would read back as truncated table rows. Text is
  always stored as text (a cell beginning with ``=`` is not a formula).

Both set the document title (core properties) from the first paragraph. Failing to write (a
missing folder, no permission) is a :class:`~lantian.errors.LantianError` naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lantian.domain.blocks import Document, Paragraph, Table
from lantian.errors import LantianError

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_TITLE_MAX = 200
FIRST_SHEET = "任务表"


def _title(doc: Document) -> str:
    first = next((b.text for b in doc.blocks if isinstance(b, Paragraph)), "")
    return _BOLD.sub(r"\1", first)[:_TITLE_MAX]


def _add_runs(paragraph: Any, text: str) -> None:
    """Add ``text`` to a python-docx paragraph, ``**…**`` segments as bold runs."""
    pos = 0
    for m in _BOLD.finditer(text):
        if m.start() > pos:
            paragraph.add_run(text[pos : m.start()])
        paragraph.add_run(m.group(1)).bold = True
        pos = m.end()
    if pos < len(text):
        paragraph.add_run(text[pos:])


def write_docx(doc: Document, path: Path) -> None:
    """Write ``doc`` as a Word document at ``path`` (see module docstring)."""
    import docx

    out = docx.Document()
    props = out.core_properties
    props.title = _title(doc)
    props.author = "lantian"
    props.last_modified_by = "lantian"
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            _add_runs(out.add_paragraph(), block.text)
            continue
        width = max((len(r.cells) for r in block.rows), default=0)
        if not width:
            continue
        table = out.add_table(rows=0, cols=width)
        table.style = "Table Grid"
        for row in block.rows:
            cells = table.add_row().cells
            for i, cell in enumerate(row.cells):
                first, *more = cell.text.split("\n")
                _add_runs(cells[i].paragraphs[0], first)  # a new cell holds one empty paragraph
                for extra in more:
                    _add_runs(cells[i].add_paragraph(), extra)
            if 0 < len(row.cells) < width:  # a short row: its last cell spans the rest, as Word draws it
                cells[len(row.cells) - 1].merge(cells[width - 1])
    _save(lambda: out.save(str(path)), path)


def _sheet_rows(doc: Document) -> list[tuple[list[Paragraph], Table | None]]:
    """Group blocks per sheet: (paragraphs before the table, the table)."""
    groups: list[tuple[list[Paragraph], Table | None]] = []
    pending: list[Paragraph] = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            pending.append(block)
        else:
            groups.append((pending, block))
            pending = []
    if not groups:
        groups.append((pending, None))
    return groups


def _put(sheet: Any, row: int, col: int, text: str) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = sheet.cell(row=row, column=col)
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)
    cell.data_type = "s"  # always text: "=…" is not a formula, "01" keeps its zero


def write_xlsx(doc: Document, path: Path) -> None:
    """Write ``doc`` as an Excel workbook at ``path`` (see module docstring)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.title = _title(doc)
    wb.properties.creator = "lantian"
    for i, (paragraphs, table) in enumerate(_sheet_rows(doc)):
        sheet = wb.active if i == 0 else wb.create_sheet(f"表{i + 1}")
        if i == 0:
            sheet.title = FIRST_SHEET
        n = 0
        for para in paragraphs:
            n += 1
            _put(sheet, n, 1, para.text)
        if table is None:
            continue
        width = max((len(r.cells) for r in table.rows), default=0)
        for row in table.rows:
            n += 1
            for col, text in enumerate(row.texts, start=1):
                _put(sheet, n, col, text)
            if 0 < len(row.cells) < width:  # a short row: its last cell spans the rest
                sheet.merge_cells(start_row=n, start_column=len(row.cells), end_row=n, end_column=width)
    _save(lambda: wb.save(str(path)), path)


def _save(save: Callable[[], None], path: Path) -> None:
    try:
        save()
    except OSError as exc:
        raise LantianError(f"cannot write the file (无法写入文件): {exc.strerror or exc}", file=str(path)) from None
