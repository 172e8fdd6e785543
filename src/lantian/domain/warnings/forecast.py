"""City air-quality forecasts (城市空气质量预报), as issued: one row per city, issue and forecast day
(or forecast hour). docs/warnings.md has the format and a template ships with lantian.

Columns (Chinese or English titles): ``city`` 城市, ``issued`` 发布时间 (date or date and time),
``date`` 预报日期, ``aqi`` 预报AQI; optional ``hour`` 时次 (0–23: the row is the AQI of the 24 hours
ending at that hour, so a warning can run across day boundaries), ``aqi_low`` / ``aqi_high`` (the
published range), ``level`` 预报级别 (the published level range: 良至轻度污染, 轻度污染, 2-3, 二级至三级),
``primary_pollutant`` 首要污染物 (several separated by 、 / or ;).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lantian.domain.standards.hj633 import POLLUTANT_LABELS
from lantian.errors import StructureError

HEADER = {
    "city": "city", "城市": "city",
    "issued": "issued", "发布时间": "issued", "发布日期": "issued",
    "date": "date", "预报日期": "date", "日期": "date",
    "hour": "hour", "时次": "hour",
    "aqi": "aqi", "AQI": "aqi", "预报AQI": "aqi",
    "aqi_low": "aqi_low", "AQI下限": "aqi_low",
    "aqi_high": "aqi_high", "AQI上限": "aqi_high",
    "primary_pollutant": "primary_pollutant", "首要污染物": "primary_pollutant",
    "level": "level", "预报级别": "level", "级别": "level", "空气质量级别": "level",
}  # fmt: skip
# AQI levels (HJ 633 Table 2): categories and numbers as offices write them
_LEVEL_WORDS = {
    "优": 1, "良": 2, "轻度污染": 3, "轻度": 3, "中度污染": 4, "中度": 4, "重度污染": 5, "重度": 5,
    "严重污染": 6, "严重": 6, "一级": 1, "二级": 2, "三级": 3, "四级": 4, "五级": 5, "六级": 6,
    "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6,
}  # fmt: skip
_LEVEL_SPLIT = re.compile(r"\s*(?:至|到|~|～|〜|—|–|-)\s*")


def level_range(text: str) -> tuple[int, int] | None:
    """``良至轻度污染`` → (2, 3); ``轻度污染`` → (3, 3); None when it does not name levels."""
    parts = [p for p in _LEVEL_SPLIT.split(text.strip()) if p]
    if not 1 <= len(parts) <= 2:
        return None
    found = [_LEVEL_WORDS.get(p.upper()) for p in parts]
    if any(f is None for f in found):
        return None
    low, high = min(f for f in found if f), max(f for f in found if f)
    return low, high


REQUIRED = ("city", "issued", "date", "aqi")
# pollutant names → keys: the labels the engine writes (PM2.5 …), the keys, and common Chinese names
POLLUTANTS = {
    **{label.upper(): key for key, label in POLLUTANT_LABELS.items()},
    **{key.upper(): key for key in POLLUTANT_LABELS},
    "O3_8H": "o3", "O3-8H": "o3", "臭氧": "o3", "细颗粒物": "pm25", "可吸入颗粒物": "pm10",
}  # fmt: skip


def pollutant_keys(text: str) -> tuple[str, ...] | None:
    """``PM2.5,O3`` → ("pm25", "o3"); None when a name is not a pollutant. Separators: 、 / ; ,"""
    names = [p.strip() for p in re.split(r"[、/;；,，]", text) if p.strip() and p.strip() not in ("—", "-")]
    keys = [POLLUTANTS.get(n.upper().replace("₂", "2").replace("₅", "5")) for n in names]
    if any(k is None for k in keys):
        return None
    return tuple(dict.fromkeys(k for k in keys if k is not None))


_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::\d{2})?)?$")


@dataclass(frozen=True)
class ForecastRow:
    city: str
    issued: dt.datetime
    date: dt.date
    hour: int | None  # None: the day's AQI; 0–23: the 24-h AQI ending at that hour
    aqi: int
    aqi_low: int | None = None
    aqi_high: int | None = None
    primary: tuple[str, ...] = ()
    line: int = 0
    levels: tuple[int, int] | None = None  # the published level range (1 优 … 6 严重污染)

    @property
    def lead_days(self) -> int:
        """24-h lead: the forecast day minus the issue day (1 = tomorrow, 24 h)."""
        return (self.date - self.issued.date()).days


def parse_forecast_rows(rows: Iterable[tuple[int, Mapping[str, str]]], *, name: str) -> list[ForecastRow]:
    """Rows as (line, {field: text}) — the CSV and .xlsx readers give them — checked; any bad cell
    stops the import with the file, line and column."""
    out: list[ForecastRow] = []
    seen: dict[tuple[str, dt.datetime, dt.date, int | None], int] = {}
    for line, row in rows:
        city = row.get("city", "").strip()
        if not city:
            raise StructureError("no city (缺少城市)", file=name, line=line, field="city")
        issued = _when(row.get("issued", ""), name, line, "issued")
        date = _when(row.get("date", ""), name, line, "date").date()
        hour = _int(row.get("hour", ""), name, line, "hour", 0, 23, optional=True)
        aqi = _int(row.get("aqi", ""), name, line, "aqi", 0, 500)
        assert aqi is not None
        low = _int(row.get("aqi_low", ""), name, line, "aqi_low", 0, 500, optional=True)
        high = _int(row.get("aqi_high", ""), name, line, "aqi_high", 0, 500, optional=True)
        if low is not None and high is not None and low > high:
            raise StructureError(f"aqi_low {low} is above aqi_high {high} (范围颠倒)", file=name, line=line,
                                 field="aqi_low")  # fmt: skip
        if date < issued.date():
            raise StructureError(f"forecast day {date} is before the issue {issued:%Y-%m-%d} (预报日期早于发布)",
                                 file=name, line=line, field="date")  # fmt: skip
        primary = _pollutants(row.get("primary_pollutant", ""), name, line)
        levels = None
        if row.get("level", "").strip():
            levels = level_range(row["level"])
            if levels is None:
                raise StructureError(f"{row['level']!r} is not an AQI level or range (级别无法识别: 良至轻度污染, 2-3)",
                                     file=name, line=line, field="level")  # fmt: skip
        key = (city, issued, date, hour)
        if key in seen:
            raise StructureError(f"{city} {date} issued {issued} appears twice, also on line {seen[key]} (重复)",
                                 file=name, line=line, field="date")  # fmt: skip
        seen[key] = line
        out.append(ForecastRow(city, issued, date, hour, aqi, low, high, primary, line, levels))
    if not out:
        raise StructureError("the forecast has no rows (预报文件没有数据)", file=name)
    return out


def _when(raw: str, name: str, line: int, field: str) -> dt.datetime:
    m = _DATE.match(raw.strip())
    try:
        if m is None:
            raise ValueError
        return dt.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4] or 0), int(m[5] or 0))
    except ValueError:
        raise StructureError(f"{raw!r} is not a date (日期无效)", file=name, line=line, field=field) from None


def _int(raw: str, name: str, line: int, field: str, low: int, high: int, *, optional: bool = False) -> int | None:
    text = raw.strip()
    if not text and optional:
        return None
    try:
        number = float(text)
        if number != int(number):
            raise ValueError
        value = int(number)
    except ValueError:
        raise StructureError(f"{raw!r} is not a whole number (不是整数)", file=name, line=line, field=field) from None
    if not low <= value <= high:
        raise StructureError(f"{value} is outside {low}–{high} (超出范围)", file=name, line=line, field=field)
    return value


def _pollutants(raw: str, name: str, line: int) -> tuple[str, ...]:
    keys = pollutant_keys(raw)
    if keys is None:
        raise StructureError(f"{raw!r} names something that is not a pollutant (首要污染物无法识别)", file=name,
                             line=line, field="primary_pollutant")  # fmt: skip
    return keys
