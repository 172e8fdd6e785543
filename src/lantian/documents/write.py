"""Write neutral blocks back to ``.docx`` / ``.xlsx`` (写出文档): to convert a plan between formats.

``**…**`` segments become bold runs in Word. In Excel, paragraphs become one-cell rows above the
first table; further tables go to sheets of their own.
"""

from __future__ import annotations

import re
from pathlib import Path

from lantian.domain.blocks import Document, Paragraph, Table

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def write_docx(doc: Document, path: Path) -> None:
    import docx

    out = docx.Document()
    title = next((b.text for b in doc.blocks if isinstance(b, Paragraph)), "")
    out.core_properties.title = _BOLD.sub(r"\1", title)[:200]
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            para = out.add_paragraph()
            pos = 0
            for m in _BOLD.finditer(block.text):
                if m.start() > pos:
                    para.add_run(block.text[pos : m.start()])
                para.add_run(m.group(1)).bold = True
                pos = m.end()
            if pos < len(block.text):
                para.add_run(block.text[pos:])
        else:
            width = max(len(r.cells) for r in block.rows)
            table = out.add_table(rows=0, cols=width)
            table.style = "Table Grid"
            for row in block.rows:
                cells = table.add_row().cells
                for i, cell in enumerate(row.cells):
                    cells[i].text = cell.text
                if 0 < len(row.cells) < width:  # a short row: its last cell spans the rest, as Word draws it
                    cells[len(row.cells) - 1].merge(cells[width - 1])
    out.save(str(path))


def write_xlsx(doc: Document, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "任务表"
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    for block in doc.blocks:
        if isinstance(block, Paragraph) and (not tables or block.line < tables[0].line):
            ws.append([block.text])
    for i, table in enumerate(tables):
        sheet = ws if i == 0 else wb.create_sheet(f"表{i + 1}")
        width = max(len(r.cells) for r in table.rows)
        for row in table.rows:
            sheet.append(row.texts)
            if 0 < len(row.cells) < width:  # a short row: its last cell spans the rest
                n = sheet.max_row
                sheet.merge_cells(start_row=n, start_column=len(row.cells), end_row=n, end_column=width)
    wb.save(path)
