"""Read ``.docx`` plans into neutral blocks (读取 Word 文档).

Paragraphs and tables come in body order. ``line`` is a running position: every body paragraph
counts one (empty ones too) and every table row counts one, so a message can point at "段落/行 N".
Bold runs are kept as ``**…**`` (the plan parser takes a bold lead phrase as the task title). In
tables, a horizontally merged cell (``gridSpan``) appears once; a vertically merged continuation
cell (``vMerge`` without ``restart``) is empty — exactly like a blank 重点工作任务 cell, which the
parser reads as "continues the row above".
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from lantian.domain.blocks import Block, Cell, Document, Paragraph, Row, Table
from lantian.errors import InputError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(data: bytes, *, name: str, sha256: str) -> Document:
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise InputError(f"python-docx is not installed: {exc}", file=name) from None
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"not a valid .docx file (不是有效的 .docx 文件): {exc}", file=name) from None
    except Exception as exc:  # lxml and zip errors of a damaged file come in many types
        raise InputError(f"the .docx file is damaged (文件已损坏): {type(exc).__name__}: {exc}", file=name) from None
    blocks: list[Block] = []
    line = 0
    for child in document.element.body.iterchildren():
        tag = child.tag
        if tag == f"{_W}p":
            line += 1
            text = _paragraph_text(child)
            if text.strip():
                blocks.append(Paragraph(text=text.strip(), line=line))
        elif tag == f"{_W}tbl":
            rows: list[Row] = []
            first = line + 1
            for tr in child.iterchildren(f"{_W}tr"):
                line += 1
                cells = tuple(Cell(text=_cell_text(tc), line=line) for tc in tr.iterchildren(f"{_W}tc"))
                rows.append(Row(cells=cells, line=line))
            if rows:
                blocks.append(Table(rows=tuple(rows), line=first, end_line=line))
    return Document(name=name, blocks=tuple(blocks), encoding="docx", sha256=sha256, kind="docx")


def _is_bold(run: Any) -> bool:
    rpr = run.find(f"{_W}rPr")
    if rpr is None:
        return False
    b = rpr.find(f"{_W}b")
    return b is not None and b.get(f"{_W}val", "true") not in ("0", "false")


def _paragraph_text(p: Any) -> str:
    parts: list[tuple[bool, str]] = []
    for run in p.iter(f"{_W}r"):
        text = "".join(
            node.text or "" if node.tag == f"{_W}t" else "\t" if node.tag == f"{_W}tab" else ""
            for node in run.iterchildren()
        )
        if not text:
            continue
        bold = _is_bold(run) and bool(text.strip())
        if parts and parts[-1][0] == bold:
            parts[-1] = (bold, parts[-1][1] + text)
        else:
            parts.append((bold, text))
    return "".join(f"**{t}**" if bold else t for bold, t in parts)


def _cell_text(tc: Any) -> str:
    tcpr = tc.find(f"{_W}tcPr")
    if tcpr is not None:
        vmerge = tcpr.find(f"{_W}vMerge")
        if vmerge is not None and vmerge.get(f"{_W}val") != "restart":
            return ""  # continuation of a vertically merged cell
    lines = [_paragraph_text(p) for p in tc.iter(f"{_W}p")]
    return "\n".join(line for line in lines if line.strip()).strip()
