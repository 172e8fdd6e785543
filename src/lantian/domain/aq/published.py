"""Published city daily values (城市日报发布值): the daily AQI and concentrations a city's report
gives, read as **history** — the seasons of past years that the target projection resamples, and the
days for which there is no station data.

Three layouts are read (docs/airquality.md, "Published city daily values"):

- ``tidy``: a header with 城市/city, 日期/date and any of AQI, PM2.5, PM10, SO2, NO2, CO, O3
  (O3 as the day's MDA8), one row per city and day;
- ``aqistudy``: the 真气网 history pages as the public scrapers save them, no header,
  ``城市,日期,AQI,AQI范围,质量等级,PM2.5,PM10,SO2,CO,NO2,O3,排名``;
- ``aqistudy-api``: header ``aqi,co,no2,o3,pm10,pm2_5,quality,rank,so2,time_point``, without a
  city: the user names it (``--city``) or asks for the file name (``--city-from-file-name``);
- the tianqihoubao export whose header is shifted (``日期,质量等级,AQI,PM2.5,PM10,SO2,NO2,CO,O3,城市``
  over columns that really are ``日期,质量等级,AQI,排名,PM2.5,PM10,NO2,SO2,CO,城市``): read in the
  real order, without O3.

Values are kept as published (aggregators publish decimals); an empty cell or ``—`` is missing; a
row whose AQI and concentrations are all 0 is an outage, not a day, and is skipped. Anything else
that is not a number, a value outside its physical range (:data:`BOUNDS`), a date outside the
accepted window and a row without a city are errors naming the file, line and column: published
history is small and is either read whole or not at all. A city is never guessed: it comes from
the file's city column, else from the city the user names, else from the file name only when the
user asks for that (and the import says so).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lantian.domain.aq.archive import TimeWindow
from lantian.domain.standards.rounding import round_half_even
from lantian.errors import StructureError

FIELDS = ("aqi", "pm25", "pm10", "so2", "no2", "co", "o3")
_MISSING = {"", "—", "-", "--", "NA", "N/A", "null", "None"}
_TITLES = {
    "城市": "city", "city": "city", "城市名称": "city",
    "日期": "day", "date": "day", "day": "day", "time_point": "day",
    "aqi": "aqi", "AQI": "aqi",
    "PM2.5": "pm25", "pm2.5": "pm25", "pm25": "pm25", "pm2_5": "pm25",
    "PM10": "pm10", "pm10": "pm10",
    "SO2": "so2", "so2": "so2",
    "NO2": "no2", "no2": "no2",
    "CO": "co", "co": "co",
    "O3": "o3", "o3": "o3", "O3_8h": "o3", "o3_8h": "o3",
}  # fmt: skip
# The physical range (物理范围) of a published daily value: 0 … the bound, both included. HJ 633 caps
# an IAQI at 500, but aggregators print AQIs above it for concentrations past the top breakpoint,
# so the AQI bound is twice the scale; a concentration's bound is several times HJ 633's top
# breakpoint, beyond any daily mean ever measured (dust storms bring PM10 to a few thousand µg/m³).
# The largest values in the published data shipped beside lantian (aqistudy 2013–2017, tianqihoubao
# 2025–2026): AQI 430, PM2.5 452, PM10 531, SO2 213, NO2 574, CO 4.0, O3 1013 (an aggregator's MDA8).
BOUNDS: dict[str, float] = {
    "aqi": 1000, "pm25": 2000, "pm10": 10000, "so2": 5000, "no2": 3000, "co": 150, "o3": 3000
}  # fmt: skip
UNITS = {"aqi": "", "co": " mg/m³"}
_SHIFTED_TIANQIHOUBAO = ["日期", "质量等级", "AQI", "PM2.5", "PM10", "SO2", "NO2", "CO", "O3", "城市"]
_TIANQIHOUBAO_REAL = ["day", None, "aqi", None, "pm25", "pm10", "no2", "so2", "co", "city"]
_AQISTUDY = ["city", "day", "aqi", None, None, "pm25", "pm10", "so2", "co", "no2", "o3", None]
_DATE = re.compile(r"^(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?$")


@dataclass(frozen=True)
class PublishedDay:
    city: str
    day: dt.date
    values: dict[str, float]  # aqi, pm25, … as published; a missing value is absent


@dataclass
class PublishedFile:
    file: str
    layout: str  # tidy | aqistudy | aqistudy-api | tianqihoubao
    days: list[PublishedDay] = field(default_factory=list)
    skipped_outages: int = 0  # all-zero rows
    city_given: str | None = None  # the city of the rows without one, as the user named it (or the file name)
    rows_given_city: int = 0  # how many rows took it

    @property
    def cities(self) -> list[str]:
        return sorted({d.city for d in self.days})


def parse_published(
    text: str, *, name: str, city: str | None = None, window: TimeWindow | None = None
) -> PublishedFile:
    """Read one file of published city daily values (any of the layouts above).

    ``city`` is the city of rows without one (a layout without a city column, or an empty cell), as
    the user named it; without it such a row is an error. Days outside ``window`` are errors."""
    earliest, latest = (window or TimeWindow()).bounds()
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    first = next((r for r in rows if r and "".join(r).strip()), None)
    if first is None:
        raise StructureError("the file is empty (文件为空)", file=name)
    header = [c.strip() for c in first]
    if header == _SHIFTED_TIANQIHOUBAO:
        layout, columns, start = "tianqihoubao", _TIANQIHOUBAO_REAL, 1
    elif len(header) == len(_AQISTUDY) and _DATE.match(header[1]):
        layout, columns, start = "aqistudy", _AQISTUDY, 0
    else:
        columns = [_TITLES.get(h) for h in header]
        if "day" not in columns:
            raise StructureError(
                "no 日期/date column, and not a known layout (缺少日期列，也不是已知格式)",
                file=name,
                line=1,
                field="日期",
            )
        layout = "aqistudy-api" if "time_point" in header else "tidy"
        start = 1
        if "city" not in columns and not city:
            raise StructureError(
                "no 城市/city column: name the city with --city, or take it from the file name with "
                "--city-from-file-name (缺少城市列：请在文件中加入城市列，或导入时指明城市)",
                file=name,
                line=1,
                field="城市",
            )
    out = PublishedFile(name, layout, city_given=city)
    seen: dict[tuple[str, dt.date], int] = {}
    for index, row in enumerate(rows[start:], start=start + 1):
        if not row or not "".join(row).strip():
            continue
        if len(row) < len(columns):
            raise StructureError(f"row has {len(row)} cells, expected {len(columns)} (行不完整)", file=name, line=index)
        cells = {c: row[i].strip() for i, c in enumerate(columns) if c is not None}
        row_city = cells.get("city") or city or ""
        if not row_city:
            raise StructureError(
                "no city: fill the cell or name the city with --city (缺少城市：请填写城市，或导入时指明城市)",
                file=name,
                line=index,
                field="城市",
            )
        out.rows_given_city += not cells.get("city")
        day = _date(cells["day"], name, index)
        if not earliest <= day <= latest:
            raise StructureError(
                f"日期 {day} 超出合理范围 {earliest} … {latest} (outside the accepted dates; "
                "LANTIAN_AQ_EARLIEST / LANTIAN_AQ_LATEST)",
                file=name,
                line=index,
                field="日期",
            )
        values: dict[str, float] = {}
        for f in FIELDS:
            raw = cells.get(f, "")
            if raw in _MISSING:
                continue
            try:
                number = float(raw)
            except ValueError:
                raise StructureError(f"{raw!r} is not a number (不是数值)", file=name, line=index, field=f) from None
            if not math.isfinite(number) or number < 0:
                raise StructureError(f"{raw!r} is not a valid value (数值无效)", file=name, line=index, field=f)
            if number > BOUNDS[f]:
                raise StructureError(
                    f"{raw} 超出物理范围 0–{BOUNDS[f]:g}{UNITS.get(f, ' µg/m³')} (above the physical range)",
                    file=name,
                    line=index,
                    field=f,
                )
            values[f] = number
        if values and not any(values.values()):
            out.skipped_outages += 1
            continue
        key = (row_city, day)
        if key in seen:
            raise StructureError(
                f"{row_city} {day} appears twice, also on line {seen[key]} (日期重复)",
                file=name,
                line=index,
                field="日期",
            )
        seen[key] = index
        out.days.append(PublishedDay(row_city, day, values))
    return out


def _date(raw: str, name: str, line: int) -> dt.date:
    m = _DATE.match(raw.strip().split(" ")[0])
    try:
        if m is None:
            raise ValueError
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise StructureError(f"{raw!r} is not a date (日期无效)", file=name, line=line, field="日期") from None


def daily_row(city: str, day: dt.date, values: dict[str, float], source: str) -> dict[str, Any]:
    """A published day as a daily row: concentrations rounded as a report gives them (GB/T 8170:
    integers, CO to 0.1 mg/m³), O3 as the day's MDA8."""
    row: dict[str, Any] = {"station": city, "day": day, "source": source}
    for f, column in (("pm25", "pm25"), ("pm10", "pm10"), ("so2", "so2"), ("no2", "no2"), ("o3", "o3_8h_max")):
        v = values.get(f)
        row[column] = None if v is None else int(round_half_even(Decimal(str(v)), 0))
    co = values.get("co")
    row["co"] = None if co is None else float(round_half_even(Decimal(str(co)), 1))
    aqi = values.get("aqi")
    row["aqi"] = None if aqi is None else int(round_half_even(Decimal(str(aqi)), 0))
    return row
