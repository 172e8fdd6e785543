"""Size checks (大小检查) made before a file is parsed; each refusal names the limit.

- :func:`check_package`: a ``.docx``/``.xlsx`` is a zip package. Its central directory (中央目录)
  says how many members it has and how large each unpacks; a zip bomb (a few MB that unpack to
  GBs) is refused from that directory alone, before python-docx, openpyxl or calamine open a
  member. The member count is read from the end record first, so even a directory of a million
  entries is not loaded. Python's zipfile never unpacks more than a member's stated size (and
  checks its CRC), so for the readers that use it the stated sizes are an upper bound.
- :func:`check_text`: a plan's text, its characters and its longest line (计划文本长度、单行长度),
  checked before it is split into blocks; :func:`check_document` the same for the blocks a
  ``.docx``/``.xlsx`` yielded.

The limits themselves are :class:`lantian.config.Limits` (environment ``LANTIAN_MAX_*``).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import IO

from lantian.config import Limits
from lantian.domain.blocks import Document, Paragraph, Table
from lantian.errors import InputError, LimitError

_LINE = re.compile(r"[^\r\n]+")
RATIO_FLOOR = 1024 * 1024  # members that unpack to less than this are not held to the ratio


def limit_error(what: str, english: str, name: str, value: int, *, file: str | None) -> LimitError:
    """``"解压后大小超过上限 256 MB (LANTIAN_MAX_UNPACKED_MB); the package unpacks to more than that"``."""
    shown = Limits.describe(name, value)
    return LimitError(f"{what}超过上限 {shown}; {english}", file=file)


def check_package(source: bytes | Path, *, name: str, limits: Limits) -> None:
    """Refuse a zip package whose directory exceeds the limits; a damaged zip is an InputError."""
    handle: IO[bytes] = io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")
    with handle:
        entries = _entry_count(handle)
        if entries is not None and entries > limits.zip_members:
            raise _too_many(entries, name, limits)
        try:
            with zipfile.ZipFile(handle) as package:
                members = package.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise InputError(f"文件已损坏，不是有效的压缩包 (not a valid zip package): {exc}", file=name) from None
    if len(members) > limits.zip_members:
        raise _too_many(len(members), name, limits)
    total = 0
    for info in members:
        total += info.file_size
        if total > limits.unpacked_bytes:
            english = "the package unpacks to more than that"
            raise limit_error("解压后大小", english, "unpacked_bytes", limits.unpacked_bytes, file=name)
        if info.file_size > RATIO_FLOOR and info.file_size > limits.zip_ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            what, english = (
                f"成员 {info.filename} 的压缩比 {ratio:,}:1，",
                "a member is packed beyond that (a zip bomb?)",
            )
            raise limit_error(what, english, "zip_ratio", limits.zip_ratio, file=name)


def _too_many(count: int, name: str, limits: Limits) -> LimitError:
    what, english = f"压缩包成员 {count:,} 个，", "the package has more members than that"
    return limit_error(what, english, "zip_members", limits.zip_members, file=name)


def _entry_count(handle: IO[bytes]) -> int | None:
    """The member count the zip's end record states, without reading the directory (None if absent)."""
    find = getattr(zipfile, "_EndRecData", None)
    if find is None:  # pragma: no cover - every CPython has it; infolist() is checked anyway
        return None
    try:
        record = find(handle)
    except OSError:
        return None
    handle.seek(0)
    if not record:
        return None
    count = record[4]  # _ECD_ENTRIES_TOTAL
    return count if isinstance(count, int) else None


def check_text(text: str, *, name: str, limits: Limits) -> None:
    """Refuse a plan text over the character limit or with a line over the line limit."""
    if len(text) > limits.plan_chars:
        english = "the plan's text has more characters than that"
        raise limit_error(f"计划文本 {len(text):,} 字符，", english, "plan_chars", limits.plan_chars, file=name)
    # one match per line (no backtracking: linear in the text), only its length is looked at
    for run in _LINE.finditer(text):
        if run.end() - run.start() > limits.line_chars:
            english = "a line has more characters than that"
            error = limit_error("单行长度", english, "line_chars", limits.line_chars, file=name)
            error.line = text.count("\n", 0, run.start()) + 1
            raise error


def check_bytes(size: int, *, name: str, limits: Limits) -> None:
    """A text file whose bytes cannot fit the character limit is refused before it is decoded (a
    character takes at most 4 bytes in UTF-8, 4 in GB18030)."""
    if size > 4 * limits.plan_chars:
        english = "the plan's text has more characters than that"
        raise limit_error(f"计划文本 {size:,} 字节，", english, "plan_chars", limits.plan_chars, file=name)


def check_package_size(size: int, *, name: str, limits: Limits) -> None:
    """A package larger than the unpacked limit cannot unpack within it; refused unread."""
    if size > limits.unpacked_bytes:
        english = "the package is larger than what it may unpack to"
        raise limit_error(f"文件 {size:,} 字节，", english, "unpacked_bytes", limits.unpacked_bytes, file=name)


def check_document(document: Document, *, limits: Limits) -> None:
    """The same limits for the paragraphs and cells a ``.docx``/``.xlsx`` yielded."""
    total = 0
    for block in document.blocks:
        texts = [(block.text, block.line)] if isinstance(block, Paragraph) else []
        if isinstance(block, Table):
            texts = [(cell.text, cell.line) for row in block.rows for cell in row.cells]
        for text, line in texts:
            total += len(text)
            if total > limits.plan_chars:
                english = "the plan's text has more characters than that"
                raise limit_error("计划文本", english, "plan_chars", limits.plan_chars, file=document.name)
            if len(text) > limits.line_chars:
                english = "a paragraph or cell has more characters than that"
                error = limit_error("段落或单元格长度", english, "line_chars", limits.line_chars, file=document.name)
                error.line = line
                raise error
