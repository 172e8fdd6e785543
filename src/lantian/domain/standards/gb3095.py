"""GB 3095 《环境空气质量标准》: limit values by date and the data-validity minimums (Table 4).

Three limit sets (:data:`LIMIT_SETS`), µg/m³ (CO mg/m³), per grade (一级/二级):

- ``2012``: GB 3095-2012 (with its 2018 amendment), in force until 2026-02-28;
- ``2026``: GB 3095-2026 transition stage (过渡阶段), 2026-03-01 … 2030-12-31;
- ``2031``: GB 3095-2026 final limits, from 2031-01-01.

Keys are ``<pollutant>_<averaging>``: ``annual``, ``24h``, ``1h`` and, for O3, ``8h`` (the daily
maximum 8-h mean). :func:`limits_for` picks the set in force on a date; an override names a set.
The validity minimums are identical in 2012 and 2026.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from lantian.errors import ConfigError


def _d(values: dict[str, str]) -> Mapping[str, Decimal]:
    return MappingProxyType({k: Decimal(v) for k, v in values.items()})


_SHARED = {"no2_1h": "200", "co_24h": "4", "co_1h": "10"}
_GRADE1_2012 = {
    "so2_annual": "20", "so2_24h": "50", "so2_1h": "150", "no2_annual": "40", "no2_24h": "80",
    "o3_8h": "100", "o3_1h": "160", "pm10_annual": "40", "pm10_24h": "50", "pm25_annual": "15", "pm25_24h": "35",
}  # fmt: skip
_GRADE2_2012 = {
    "so2_annual": "60", "so2_24h": "150", "so2_1h": "500", "no2_annual": "40", "no2_24h": "80",
    "o3_8h": "160", "o3_1h": "200", "pm10_annual": "70", "pm10_24h": "150", "pm25_annual": "35", "pm25_24h": "75",
}  # fmt: skip


@dataclass(frozen=True)
class LimitSet:
    code: str  # "2012" | "2026" | "2031"
    title: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    grade1: Mapping[str, Decimal]  # 一级浓度限值 (一类区)
    grade2: Mapping[str, Decimal]  # 二级浓度限值 (二类区)

    def grade(self, grade: int) -> Mapping[str, Decimal]:
        if grade == 1:
            return self.grade1
        if grade == 2:
            return self.grade2
        raise ConfigError(f"grade must be 1 or 2, not {grade} (级别应为一级或二级)", field="grade")


LIMIT_SETS: Mapping[str, LimitSet] = MappingProxyType(
    {
        "2012": LimitSet(
            "2012",
            "GB 3095-2012",
            None,
            dt.date(2026, 2, 28),
            _d({**_SHARED, **_GRADE1_2012}),
            _d({**_SHARED, **_GRADE2_2012}),
        ),
        "2026": LimitSet(
            "2026",
            "GB 3095-2026 过渡阶段",
            dt.date(2026, 3, 1),
            dt.date(2030, 12, 31),
            _d({**_SHARED, **_GRADE1_2012}),
            _d({**_SHARED, **_GRADE2_2012, "pm10_annual": "60", "pm10_24h": "120", "pm25_annual": "30",
                "pm25_24h": "60"}),
        ),
        "2031": LimitSet(
            "2031",
            "GB 3095-2026",
            dt.date(2031, 1, 1),
            None,
            _d({**_SHARED, **_GRADE1_2012, "no2_annual": "30", "no2_24h": "50", "pm10_annual": "20",
                "pm25_annual": "10", "pm25_24h": "25"}),
            _d({**_SHARED, **_GRADE2_2012, "so2_annual": "20", "so2_24h": "50", "so2_1h": "150", "no2_annual": "30",
                "no2_24h": "50", "pm10_annual": "50", "pm10_24h": "100", "pm25_annual": "25", "pm25_24h": "50"}),
        ),
    }
)  # fmt: skip


def limit_set_for(day: dt.date, override: str | None = None) -> LimitSet:
    """The GB 3095 limit set in force on ``day`` (or the one ``override`` names)."""
    if override:
        if override not in LIMIT_SETS:
            raise ConfigError(
                f"unknown GB 3095 limit set {override!r}; use one of {', '.join(LIMIT_SETS)} (限值版本)", field="limits"
            )
        return LIMIT_SETS[override]
    for limit_set in LIMIT_SETS.values():
        if (limit_set.valid_from is None or day >= limit_set.valid_from) and (
            limit_set.valid_to is None or day <= limit_set.valid_to
        ):
            return limit_set
    raise AssertionError("the limit sets cover every date")


def limits_for(day: dt.date, grade: int = 2, override: str | None = None) -> Mapping[str, Decimal]:
    return limit_set_for(day, override).grade(grade)


# --------------------------------------------------------------------------- validity (表4)
MIN_HOURS_PER_DAY = 20  # 24-h mean: ≥ 20 hourly values
MIN_HOURS_PER_8H = 6  # 8-h moving mean: ≥ 6 hourly values in the window
MIN_MDA8_WINDOWS = 14  # MDA8: ≥ 14 valid 8-h means in the day (HJ 663 §6.1.2), unless over the limit
MIN_DAYS_PER_MONTH = 27
MIN_DAYS_PER_FEBRUARY = 25
MIN_DAYS_PER_YEAR = 324


def day_is_valid(valid_hours: int, min_hours: int = MIN_HOURS_PER_DAY) -> bool:
    return valid_hours >= min_hours


def window_is_valid(valid_hours: int, min_hours: int = MIN_HOURS_PER_8H) -> bool:
    return valid_hours >= min_hours


def min_days_in_month(month: int) -> int:
    return MIN_DAYS_PER_FEBRUARY if month == 2 else MIN_DAYS_PER_MONTH


def month_is_valid(valid_days: int, month: int) -> bool:
    """A monthly mean needs ≥ 27 daily means (≥ 25 in February)."""
    return valid_days >= min_days_in_month(month)


def year_is_valid(valid_days: int) -> bool:
    """An annual mean needs ≥ 324 daily means (and, by the standard, ≥ 27 in each month)."""
    return valid_days >= MIN_DAYS_PER_YEAR


def min_days_for_period(start: dt.date, end: dt.date) -> int:
    """The fewest valid days a period [start, end] needs: 324 for a whole calendar year; the sum
    of the monthly minimums over whole months; for a partial month, its days scaled by 27/30
    (lantian's rule for periods the standard does not name, documented in docs/metrics.md)."""
    if start > end:
        raise ValueError("start after end")
    if start == dt.date(start.year, 1, 1) and end == dt.date(start.year, 12, 31):
        return MIN_DAYS_PER_YEAR
    total = 0
    cursor = start
    while cursor <= end:
        last = dt.date(cursor.year, cursor.month, calendar.monthrange(cursor.year, cursor.month)[1])
        segment_end = min(last, end)
        days = (segment_end - cursor).days + 1
        if cursor.day == 1 and segment_end == last:
            total += min_days_in_month(cursor.month)
        else:
            total += (days * MIN_DAYS_PER_MONTH) // 30
        cursor = segment_end + dt.timedelta(days=1)
    return total
