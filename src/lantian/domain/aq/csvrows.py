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
    reader = csv.reader(io.StringIO(text))
    try:
        titles = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        raise StructureError(f"the {what} is empty (文件为空)", file=name) from None
    cols: dict[str, int] = {}
    for i, title in enumerate(titles):
        if title in header:
            cols.setdefault(header[title], i)
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
            yield line, {f: row[i].strip() for f, i in cols.items() if i < len(row)}

    return set(cols), rows()
