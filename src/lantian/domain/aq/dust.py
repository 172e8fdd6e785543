"""Sand-dust days (沙尘天气影响日): which days of which area a dust event affected.

Per 《受沙尘天气过程影响城市空气质量评价补充规定》 (环办监测〔2016〕120号) as CNEMC applies it, the
PM10 and PM2.5 statistics and the composite index of a period are reported with the dust days
removed (扣沙), while the good-day and heavy-pollution ratios keep them. Offices receive the list of
affected days; lantian reads it as a CSV with the columns ``区域`` (or ``area``/``城市``/``station``)
and ``日期`` (or ``date``, YYYY-MM-DD), UTF-8 or GBK.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from lantian.errors import StructureError

_HEADER = {"区域": "area", "城市": "area", "area": "area", "station": "area", "站点": "area", "日期": "date",
           "date": "date", "day": "date"}  # fmt: skip


def parse_dust_days(text: str, *, name: str) -> frozenset[tuple[str, dt.date]]:
    """(area, day) pairs from a dust-day CSV; every bad row is an error naming its line."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        raise StructureError("the dust-day list is empty (沙尘日清单为空)", file=name) from None
    cols = {_HEADER[h]: i for i, h in enumerate(header) if h in _HEADER}
    if set(cols) != {"area", "date"}:
        raise StructureError(
            "the dust-day list needs the columns 区域 and 日期 (area, date) (沙尘日清单缺少列)", file=name, line=1
        )
    days: set[tuple[str, dt.date]] = set()
    for line, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) <= max(cols.values()):
            raise StructureError("row is too short (行不完整)", file=name, line=line)
        area, raw = row[cols["area"]].strip(), row[cols["date"]].strip()
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise StructureError(
                f"not a date: {raw!r} (日期应为 YYYY-MM-DD)", file=name, line=line, field="日期"
            ) from None
        if not area:
            raise StructureError("no area (区域为空)", file=name, line=line, field="区域")
        days.add((area, day))
    return frozenset(days)
