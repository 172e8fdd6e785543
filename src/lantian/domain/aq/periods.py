"""Assessment periods (评价时段): a year, quarter, month, year-to-date or any date range."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from lantian.errors import InputError


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    label: str

    def same_period_last_year(self) -> Period:
        return Period(_last_year(self.start), _last_year(self.end), f"{self.label}（上年同期 last year）")


def _last_year(day: dt.date) -> dt.date:
    if day.month == 2 and day.day == 29:
        return dt.date(day.year - 1, 2, 28)
    return dt.date(day.year - 1, day.month, day.day)


def parse_period(text: str, *, today: dt.date | None = None) -> Period:
    """``2025`` · ``2025-Q1`` · ``2025-03`` · ``2025-ytd`` (to today or the year's end) · ``2025-01-01..2025-06-30``."""
    s = text.strip()
    if m := re.fullmatch(r"(\d{4})", s):
        y = int(m[1])
        return Period(dt.date(y, 1, 1), dt.date(y, 12, 31), f"{y}年")
    if m := re.fullmatch(r"(\d{4})-?[Qq]([1-4])", s):
        y, q = int(m[1]), int(m[2])
        first = 3 * q - 2
        return Period(dt.date(y, first, 1), _month_end(y, first + 2), f"{y}年第{q}季度")
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", s):
        y, mo = int(m[1]), int(m[2])
        if not 1 <= mo <= 12:
            raise InputError(f"no month {mo} (月份无效)", field="period")
        return Period(dt.date(y, mo, 1), _month_end(y, mo), f"{y}年{mo}月")
    if m := re.fullmatch(r"(\d{4})-ytd", s, re.IGNORECASE):
        y = int(m[1])
        end = min(today or dt.date.today(), dt.date(y, 12, 31))
        return Period(dt.date(y, 1, 1), end, f"{y}年1月1日至{end.month}月{end.day}日")
    if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", s):
        try:
            start, end = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
        except ValueError as exc:
            raise InputError(f"invalid date in {s!r}: {exc} (日期无效)", field="period") from None
        if start > end:
            raise InputError(f"the period starts after it ends: {s} (起止日期颠倒)", field="period")
        return Period(start, end, f"{start}至{end}")
    raise InputError(
        f"unknown period {s!r}; use 2025, 2025-Q1, 2025-03, 2025-ytd or 2025-01-01..2025-06-30 (时段格式无效)",
        field="period",
    )


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def ranked_month(first: dt.date, last: dt.date) -> tuple[str, bool]:
    """The month a monthly ranking shows when the data run from ``first`` to ``last``, and whether it
    is complete: the newest month whose days are all in (from its first day to its last), as HJ 663
    judges a month's statistic on its days; the month of ``last`` itself, marked incomplete, only when
    no whole month has data (a month begun on its 15th day ranks 15 days against full months)."""
    end = last if last == _month_end(last.year, last.month) else last.replace(day=1) - dt.timedelta(days=1)
    if first <= end.replace(day=1):
        return f"{end:%Y-%m}", True
    return f"{last:%Y-%m}", False
