"""Attainment to date and what the rest of the period must deliver (以日保月、以月保季、以季保年).

The arithmetic an office publishes, exact (``Fraction``) and judged the way the year-end figure is
judged (docs/metrics.md, "Targets"):

- **Mean-type** targets (PM2.5 annual mean ≤ T): with ``n`` valid daily values summing to ``S`` so
  far and ``r`` days left, the year's mean stays within T when the remaining days average at most

      年剩余日控制值 = (T · (n + r) − S) / r

  — every remaining day is assumed valid, as offices assume when they publish the figure.
- **Good-day ratio** (优良天数比率 ≥ R %): the fewest good days G of the N = n + r valid days whose
  ratio, rounded to one decimal as published, reaches R; the good days still needed are G − g and
  the non-good days the year can still afford are r − (G − g) (negative: out of reach by that many).
- **Heavy-day ratio** (重度及以上污染天数比率 ≤ R %): the most heavy days H of N whose rounded ratio
  stays within R; H − h more are allowed (negative: exceeded).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from lantian.domain.standards.hj663 import ratio_percent
from lantian.domain.standards.rounding import Number, round_half_even, to_decimal


@dataclass(frozen=True)
class MeanProgress:
    target: Decimal
    days_counted: int  # valid daily values so far
    value_to_date: Decimal | None  # their mean, rounded as reported
    days_remaining: int
    required_mean_remaining: Decimal | None  # 年剩余日控制值, one decimal; None when no day is left
    on_track: bool | None  # the mean to date within the target (None before any valid day)


def mean_progress(
    target: Number, total: Number, days_counted: int, days_remaining: int, decimals: int = 0
) -> MeanProgress:
    """A mean-type target (≤ ``target``) with ``days_counted`` valid daily values summing to ``total``."""
    if days_counted < 0 or days_remaining < 0:
        raise ValueError("day counts cannot be negative")
    t, s = to_decimal(target), to_decimal(total)
    mean = round_half_even(Fraction(s) / days_counted, decimals) if days_counted else None
    required = None
    if days_remaining:
        exact = (Fraction(t) * (days_counted + days_remaining) - Fraction(s)) / days_remaining
        required = round_half_even(exact, 1)
    return MeanProgress(t, days_counted, mean, days_remaining, required, None if mean is None else mean <= t)


@dataclass(frozen=True)
class RatioProgress:
    target: Decimal  # per cent
    days_counted: int  # valid days so far
    count_to_date: int  # good (or heavy) days so far
    value_to_date: Decimal | None  # their ratio, one decimal
    days_remaining: int
    needed_remaining: int | None  # good-day targets: good days still needed
    affordable_remaining: int  # good-day targets: non-good days affordable; heavy-day targets: heavy days allowed
    on_track: bool | None


def good_day_progress(target: Number, good_days: int, days_counted: int, days_remaining: int) -> RatioProgress:
    """优良天数比率 ≥ ``target`` %: good days still needed and non-good days still affordable."""
    t = to_decimal(target)
    total = days_counted + days_remaining
    fewest = next((g for g in range(total + 1) if _ratio(g, total) >= t), total + 1)
    needed = max(0, fewest - good_days)
    value = ratio_percent(good_days, days_counted)
    return RatioProgress(
        t, days_counted, good_days, value, days_remaining, needed, days_remaining - needed,
        None if value is None else value >= t,
    )  # fmt: skip


def heavy_day_progress(target: Number, heavy_days: int, days_counted: int, days_remaining: int) -> RatioProgress:
    """重度及以上污染天数比率 ≤ ``target`` %: heavy days still allowed (negative: already exceeded)."""
    t = to_decimal(target)
    total = days_counted + days_remaining
    most = max((h for h in range(total + 1) if _ratio(h, total) <= t), default=-1)
    value = ratio_percent(heavy_days, days_counted)
    return RatioProgress(
        t, days_counted, heavy_days, value, days_remaining, None, most - heavy_days,
        None if value is None else value <= t,
    )  # fmt: skip


def _ratio(part: int, whole: int) -> Decimal:
    value = ratio_percent(part, whole)
    return Decimal(0) if value is None else value
