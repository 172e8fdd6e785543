"""Read ``.txt``, ``.docx`` and ``.xlsx`` files into neutral blocks (读取文档).

Encodings are handled here, once: UTF-8 with or without BOM, then GB18030 (a superset of GBK and
GB2312). Anything else, an empty file or a binary file is an :class:`~lantian.errors.InputError`
naming the file (and the line, where there is one).

Text layout (the seeds' exports from Word): a table row is a group of lines that each begin with
a tab (one cell per line), rows are separated by a blank line, and a line without a tab inside a
table continues the cell above (``完善重污染`` / ``天气应对机制``). Everything else is a paragraph,
one per non-blank line.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

from lantian.config import Limits
from lantian.documents.limits import check_bytes, check_document, check_package, check_package_size, check_text
from lantian.domain.blocks import Block, Cell, Document, Paragraph, Row, Table
from lantian.errors import EmptyInputError, EncodingError, InputError, UnsupportedFormatError

SUFFIXES = (".txt", ".docx", ".xlsx")
_ANNEX_LINE = re.compile(r"^\s*附\s*件\s*\d+")


def read_document(path: str | Path, *, name: str | None = None, limits: Limits | None = None) -> Document:
    """Read one file into a :class:`Document`; ``name`` is what messages call it. ``limits``
    (default: from the environment) are checked before anything is parsed (see
    :mod:`lantian.documents.limits`)."""
    p = Path(path)
    shown = name or str(path)
    limits = limits or Limits.load()
    if not p.exists():
        raise InputError("file not found (文件不存在)", file=shown)
    if p.is_dir():
        raise InputError("is a folder, not a file (这是文件夹)", file=shown)
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnsupportedFormatError(
            f"unsupported file type {suffix or '(none)'}; lantian reads .txt, .docx and .xlsx (不支持的文件类型)",
            file=shown,
        )
    precheck(p, name=shown, limits=limits)
    data = p.read_bytes()
    if not data.strip():
        raise EmptyInputError("the file is empty (文件为空)", file=shown)
    digest = hashlib.sha256(data).hexdigest()
    if suffix == ".txt":
        return read_text_bytes(data, name=shown, sha256=digest, limits=limits)
    if suffix == ".docx":
        from lantian.documents.docx_reader import read_docx

        document = read_docx(data, name=shown, sha256=digest)
    else:
        from lantian.documents.xlsx_reader import read_xlsx

        document = read_xlsx(data, name=shown, sha256=digest)
    check_document(document, limits=limits)
    return document


def precheck(path: Path, *, name: str, limits: Limits) -> None:
    """The limits a file can be held to unread (its size; a package's zip directory): cheap enough
    to run on every file of an import before anything else is opened."""
    size = path.stat().st_size
    if path.suffix.lower() == ".txt":
        check_bytes(size, name=name, limits=limits)
        return
    check_package_size(size, name=name, limits=limits)
    if zipfile.is_zipfile(path):  # not a zip: the reader says what it is instead
        check_package(path, name=name, limits=limits)


def decode_text(data: bytes, *, name: str) -> tuple[str, str]:
    """Decode text bytes → (text, encoding). UTF-8 (BOM stripped), else GB18030 (GBK)."""
    if b"\x00" in data[:4096]:
        raise UnsupportedFormatError("this looks like a binary file, not text (二进制文件，不是文本)", file=name)
    if data.startswith(b"\xef\xbb\xbf"):
        data, enc = data[3:], "utf-8-sig"
    else:
        enc = "utf-8"
    try:
        return data.decode("utf-8"), enc
    except UnicodeDecodeError as utf_err:
        if enc == "utf-8-sig":
            line = data[: utf_err.start].count(b"\n") + 1
            raise EncodingError(
                "starts with a UTF-8 BOM but is not valid UTF-8 (编码错误)", file=name, line=line
            ) from None
        try:
            return data.decode("gb18030"), "gbk"
        except UnicodeDecodeError as gb_err:
            line = data[: gb_err.start].count(b"\n") + 1
            raise EncodingError(
                "neither UTF-8 nor GBK text; save it as UTF-8 and retry "
                "(既不是UTF-8也不是GBK编码，请另存为UTF-8后重试)",
                file=name,
                line=line,
            ) from None


def read_text_bytes(data: bytes, *, name: str, sha256: str = "", limits: Limits | None = None) -> Document:
    limits = limits or Limits.load()
    check_bytes(len(data), name=name, limits=limits)
    text, encoding = decode_text(data, name=name)
    check_text(text, name=name, limits=limits)
    if not text.strip():
        raise EmptyInputError("the file is empty (文件为空)", file=name)
    if _looks_binary(text):
        raise UnsupportedFormatError("this looks like a binary file, not text (二进制文件，不是文本)", file=name)
    return Document(
        name=name,
        blocks=tuple(split_text_blocks(text)),
        encoding=encoding,
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
        kind="txt",
    )


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return controls > max(8, len(sample) // 50)


def split_text_blocks(text: str) -> list[Block]:
    """Split exported text into paragraphs and tab-indented tables (see module docstring)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []
    rows: list[Row] = []
    cells: list[Cell] = []
    row_line = 0
    table_line = 0

    def close_row() -> None:
        nonlocal cells
        if cells:
            rows.append(Row(cells=tuple(cells), line=row_line))
            cells = []

    def close_table(last: int) -> None:
        nonlocal rows
        close_row()
        if rows:
            blocks.append(Table(rows=tuple(rows), line=table_line, end_line=last))
            rows = []

    last_content = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if raw.startswith("\t"):
            if not rows and not cells:
                table_line = number
            if not cells:
                row_line = number
            cells.append(Cell(text=raw[1:].strip(), line=number))
            last_content = number
        elif not line.strip():
            close_row()
        elif (rows or cells) and not _ANNEX_LINE.match(line):
            # a line without a tab inside a table continues the cell above
            if not cells:
                # a blank line inside a cell (源头替代“回头看” / (blank) / 企业数): the row goes on
                reopened = rows.pop()
                cells, row_line = list(reopened.cells), reopened.line
            prev = cells[-1]
            cells[-1] = Cell(text=prev.text + line.strip(), line=prev.line)
            last_content = number
        else:
            close_table(last_content)
            blocks.append(Paragraph(text=line.strip(), line=number))
            last_content = number
    close_table(last_content)
    return blocks
