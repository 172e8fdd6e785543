"""Read ``.docx`` plans into neutral blocks (读取 Word 文档).

Paragraphs and tables come in body order (content controls ``w:sdt`` are opened, their content
read in place).

Line numbers (行号): ``line`` is a 1-based running position through the body — every body
paragraph counts one (empty ones too, although they yield no block) and every table row counts
one. A message such as ``plan.docx:12: 责任分工: …`` therefore means "the 12th paragraph-or-row
(段落/行 12)". Paragraphs inside table cells do not count; the cell has its row's number.

Text (文本):

- Bold runs are kept as ``**…**`` (the form the text exports use; the plan parser takes a bold
  lead phrase as the task title). Adjacent bold runs are merged; a whitespace-only bold run does
  not start a bold segment; whitespace at a segment's edges stays outside the markers.
- Tables: one :class:`~lantian.domain.blocks.Row` per ``<w:tr>``, one cell per ``<w:tc>``. A
  horizontally merged cell (``gridSpan``) therefore appears once; a vertically merged continuation
  cell (``vMerge`` without ``restart``) is empty — exactly like a blank 重点工作任务 cell, which the
  parser reads as "continues the row above". A cell's text is its paragraphs joined with ``\\n``
  (a line break inside a cell is a ``\\n`` too); a nested table's text is flattened into the cell.
- Text boxes and drawings are skipped (Word stores their text twice, as drawing and fallback).

A file that is not a Word document (random bytes, a zip without ``word/document.xml``, an old
``.doc`` renamed) is an :class:`~lantian.errors.InputError` naming the file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from lantian.domain.blocks import Block, Cell, Document, Paragraph, Row, Table
from lantian.errors import InputError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_P, _TBL, _TR, _TC, _R, _T = (f"{_W}{t}" for t in ("p", "tbl", "tr", "tc", "r", "t"))
_SDT, _SDT_CONTENT = f"{_W}sdt", f"{_W}sdtContent"
# elements whose text is not body text, or is stored twice (drawing + fallback)
_SKIP = frozenset(
    {
        f"{_W}drawing",
        f"{_W}pict",
        f"{_W}object",
        f"{_W}txbxContent",
        f"{_W}del",
        f"{_W}moveFrom",
        f"{_W}instrText",
        f"{_W}fldData",
        f"{_MC}AlternateContent",
    }
)
_FALSE = ("0", "false", "off")


def read_docx(data: bytes, *, name: str, sha256: str) -> Document:
    """Read the bytes of a ``.docx`` file; ``name`` is what messages call the file."""
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise InputError(f"python-docx is not installed (未安装读取 .docx 文件的组件): {exc}", file=name) from None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        reason = "an old Word .doc file; save it as .docx" if data[:4] == b"\xd0\xcf\x11\xe0" else "not a zip package"
        raise InputError(f"not a valid .docx file (不是有效的 .docx 文件): {reason}", file=name)
    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"not a valid .docx file (不是有效的 .docx 文件): {exc}", file=name) from None
    except Exception as exc:  # lxml and zip errors of a damaged file come in many types
        raise InputError(f"the .docx file is damaged (文件已损坏): {type(exc).__name__}: {exc}", file=name) from None
    blocks: list[Block] = []
    line = 0
    for child in _body_items(body):
        if child.tag == _P:
            line += 1
            text = _paragraph_text(child, in_cell=False).strip()
            if text:
                blocks.append(Paragraph(text=text, line=line))
        else:
            rows: list[Row] = []
            first = line + 1
            for tr in child.iterchildren(_TR):
                line += 1
                cells = tuple(Cell(text=_cell_text(tc), line=line) for tc in _row_cells(tr))
                rows.append(Row(cells=cells, line=line))
            if rows:
                blocks.append(Table(rows=tuple(rows), line=first, end_line=line))
    return Document(name=name, blocks=tuple(blocks), encoding="docx", sha256=sha256, kind="docx")


def _body_items(parent: Any) -> Iterator[Any]:
    """Body paragraphs and tables in order, opening content controls (``w:sdt``)."""
    for child in parent.iterchildren():
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag == _SDT:
            for content in child.iterchildren(_SDT_CONTENT):
                yield from _body_items(content)


def _row_cells(tr: Any) -> Iterator[Any]:
    """The ``<w:tc>`` of a row, including those wrapped in content controls."""
    for child in tr.iterchildren():
        if child.tag == _TC:
            yield child
        elif child.tag == _SDT:
            for content in child.iterchildren(_SDT_CONTENT):
                yield from _row_cells(content)


def _walk(el: Any, tags: tuple[str, ...]) -> Iterator[Any]:
    """Descendants of ``el`` with one of ``tags``, not descending into them nor into :data:`_SKIP`."""
    for child in el.iterchildren():
        if not isinstance(child.tag, str) or child.tag in _SKIP:
            continue
        if child.tag in tags:
            yield child
        else:
            yield from _walk(child, tags)


def _is_bold(run: Any) -> bool:
    rpr = run.find(f"{_W}rPr")
    if rpr is None:
        return False
    b = rpr.find(f"{_W}b")
    return b is not None and str(b.get(f"{_W}val", "true")).lower() not in _FALSE


def _run_text(run: Any, *, in_cell: bool) -> str:
    out: list[str] = []
    for node in run.iterchildren():
        tag = node.tag
        if tag == _T:
            out.append(node.text or "")
        elif tag == f"{_W}tab":
            out.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            # a manual line break: a new line in a cell; inside a body paragraph Chinese text just runs on
            if in_cell and node.get(f"{_W}type") not in ("page", "column"):
                out.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            out.append("-")
    return "".join(out)


def _paragraph_text(p: Any, *, in_cell: bool) -> str:
    parts: list[tuple[bool, str]] = []  # (bold, text) segments
    for run in _walk(p, (_R,)):
        text = _run_text(run, in_cell=in_cell)
        if not text:
            continue
        bold = _is_bold(run)
        if not text.strip():
            # whitespace-only: joins a bold segment it sits in, never starts one
            bold = bool(parts) and parts[-1][0] and bold
        if parts and parts[-1][0] == bold:
            parts[-1] = (bold, parts[-1][1] + text)
        else:
            parts.append((bold, text))
    return "".join(_mark(text) if bold else text for bold, text in parts)


def _mark(text: str) -> str:
    """``" 标题 "`` → ``" **标题** "``: whitespace stays outside the markers."""
    core = text.strip()
    if not core:
        return text
    start = text.index(core[0])
    return f"{text[:start]}**{core}**{text[start + len(core) :]}"


def _cell_text(tc: Any) -> str:
    tcpr = tc.find(f"{_W}tcPr")
    if tcpr is not None:
        vmerge = tcpr.find(f"{_W}vMerge")
        if vmerge is not None and vmerge.get(f"{_W}val") != "restart":
            return ""  # continuation of a vertically merged cell
    # paragraphs of the cell and of any nested table, in document order (nested tables flattened)
    lines = [_paragraph_text(p, in_cell=True).strip() for p in _walk(tc, (_P,))]
    return "\n".join(line for line in lines if line).strip()
