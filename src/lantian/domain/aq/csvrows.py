"""Reading the small CSV lists of the air-quality domain (station lists, area maps, dust days):
a header mapped to field names, then one dict per non-blank row with its line number."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping

from lantian.errors import StructureError


def csv_rows(
    text: str, *, name: str, header: Mapping[str, str], required: tuple[str, ...], what: str
) -> tuple[set[str], Iterator[tuple[int, dict[str, str]]]]:
    """The fields the header has, and the rows as (line, {field: stripped text}).

    ``header`` maps column titles to fields; ``required`` fields must be present (else an error
    naming the missing titles at line 1); a row without a required cell is an error naming its
    line. ``what`` names the list in messages, e.g. "站点列表 station list"."""
    reader = csv.reader(io.StringIO(text, newline=""))  # a lone CR ends a line too
    try:
        titles = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        raise StructureError(f"the {what} is empty (文件为空)", file=name) from None
    cols = header_columns(titles, header, where=name)
    missing = [t for t, f in header.items() if f in required and f not in cols]
    if any(f not in cols for f in required):
        shown = "、".join(dict.fromkeys(missing))
        raise StructureError(f"the {what} lacks the column(s) {shown} (缺少列)", file=name, line=1, field=shown)
    needed = max(cols[f] for f in required)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for line, row in enumerate(reader, start=2):
            if not row or not "".join(row).strip():
                continue
            if len(row) <= needed:
                raise StructureError("row is too short (行不完整)", file=name, line=line)
            stray = next((i for i in range(len(row)) if (i >= len(titles) or not titles[i]) and row[i].strip()), None)
            if stray is not None:
                raise StructureError(
                    f"第 {line} 行第 {stray + 1} 列有数据但没有表头，列可能错位 "
                    f"(a value under no header: the columns may be shifted): {row[stray]!r}",
                    file=name,
                    line=line,
                    field=column_name(stray),
                )
            yield line, {f: row[i].strip() for f, i in cols.items() if i < len(row)}

    return set(cols), rows()


def column_name(index: int, letters: bool = False) -> str:
    """A column as a person names it: ``C列`` in a workbook, ``第3列`` in a CSV file (0-based index)."""
    if not letters:
        return f"第{index + 1}列"
    name, n = "", index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(ord("A") + rest) + name
    return f"{name}列"


def header_columns(
    titles: list[str], header: Mapping[str, str], *, where: str, letters: bool = False
) -> dict[str, int]:
    """Field → column index from the header titles. Two columns that mean the same field (e.g.
    ``SO2(t/a)`` and ``SO2排放量(t/a)``) are refused, naming both: which one holds the data would
    otherwise be a guess."""
    cols: dict[str, int] = {}
    for i, title in enumerate(titles):
        field = header.get(title)
        if field is None:
            continue
        if field in cols:
            first = cols[field]
            raise StructureError(
                f"{column_name(first, letters)}「{titles[first]}」与{column_name(i, letters)}「{title}」"
                f"是同一项，只能保留一列 (two columns for the same field)",
                file=where,
                line=1,
                field=title,
            )
        cols[field] = i
    return cols
