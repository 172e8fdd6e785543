"""Sand-dust days (沙尘天气影响日): which days of which area a dust event affected.

Per 《受沙尘天气过程影响城市空气质量评价补充规定》 (环办监测〔2016〕120号) as CNEMC applies it, the
PM10 and PM2.5 statistics and the composite index of a period are reported with the dust days
removed (扣沙), while the good-day and heavy-pollution ratios keep them. Offices receive the list of
affected days; lantian reads it as a CSV with the columns ``区域`` (or ``area``/``城市``/``station``)
and ``日期`` (or ``date``, YYYY-MM-DD), UTF-8 or GBK.
"""

from __future__ import annotations

import datetime as dt

from lantian.domain.aq.csvrows import csv_rows
from lantian.errors import StructureError

_HEADER = {"区域": "area", "城市": "area", "area": "area", "station": "area", "站点": "area", "日期": "date",
           "date": "date", "day": "date"}  # fmt: skip


def parse_dust_days(text: str, *, name: str) -> frozenset[tuple[str, dt.date]]:
    """(area, day) pairs from a dust-day CSV; every bad row is an error naming its line."""
    _, rows = csv_rows(text, name=name, header=_HEADER, required=("area", "date"), what="dust-day list (沙尘日清单)")
    days: set[tuple[str, dt.date]] = set()
    for line, row in rows:
        area, raw = row["area"], row["date"]
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
