"""HJ 663 《环境空气质量评价技术规范》: statistics of an evaluation, value by value.

The scalar reference for what the engine computes column-wise:

- :func:`percentile` — HJ 663 附录A: sort ascending, k = 1 + (n − 1)·p, s = ⌊k⌋,
  m = X(s) + (X(s+1) − X(s))·(k − s) (R type 7, ``numpy.percentile(method="linear")``), exact.
- :func:`mda8` — the O3 daily maximum 8-h mean (日最大8小时平均): the 17 windows of the day's 24
  hours (records 0–7 … 16–23; no window crosses midnight, GB 3095-2026 §3.9), each needing ≥ 6
  valid hours; the day needs ≥ 14 valid windows unless the largest valid one exceeds the limit.
- :func:`ratio_percent`, :func:`exceedance_multiple` — the derived statistics of §3.5.
- :data:`ANNUAL_ITEMS` — the statistics of the annual evaluation (年评价, Table 1) and the limit
  each one is held against.

HJ 663-2026's text was not available (see docs/metrics.md); every rule here whose source is
secondary is a parameter with the reading of HJ 663-2013 as its default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from lantian.domain.standards.gb3095 import MIN_HOURS_PER_8H, MIN_MDA8_WINDOWS
from lantian.domain.standards.rounding import Number, round_half_even, to_decimal

HOURS_PER_DAY = 24
WINDOW = 8


def percentile(values: Sequence[Number], p: Number) -> Decimal:
    """The p-th percentile (p as a fraction, 0 ≤ p ≤ 1) of ``values`` by HJ 663 附录A (type 7)."""
    if not values:
        raise ValueError("percentile of no values")
    q = to_decimal(p)
    if not Decimal(0) <= q <= Decimal(1):
        raise ValueError(f"p must be within [0, 1], not {p}")
    xs = sorted(to_decimal(v) for v in values)
    k = 1 + (len(xs) - 1) * q
    s = int(k)  # integer part; k ≥ 1
    if s >= len(xs):
        return xs[-1]
    return xs[s - 1] + (xs[s] - xs[s - 1]) * (k - s)


def moving_means(
    hours: Sequence[Number | None], *, window: int = WINDOW, min_hours: int = MIN_HOURS_PER_8H
) -> list[Fraction | None]:
    """The means of each run of ``window`` consecutive hours (None where fewer than ``min_hours`` valid)."""
    out: list[Fraction | None] = []
    for end in range(window, len(hours) + 1):
        chunk = [Fraction(to_decimal(v)) for v in hours[end - window : end] if v is not None]
        out.append(sum(chunk, Fraction(0)) / len(chunk) if len(chunk) >= min_hours else None)
    return out


@dataclass(frozen=True)
class Mda8:
    value: Fraction | None  # the exact mean of the largest valid window; None = invalid day
    valid_windows: int
    by_exception: bool  # valid only because it exceeds the limit (< 14 windows)


def mda8(
    hours: Sequence[Number | None],
    *,
    limit: Number | None = 160,
    min_windows: int = MIN_MDA8_WINDOWS,
    min_hours: int = MIN_HOURS_PER_8H,
) -> Mda8:
    """The MDA8 of one day from its 24 hourly O3 values (None = missing), in µg/m³.

    ``limit`` is the 8-h limit of the exception (GB 3095 二级 160), compared with the MDA8 rounded
    to an integer as reported; ``None`` disables the exception.
    """
    if len(hours) != HOURS_PER_DAY:
        raise ValueError(f"a day has {HOURS_PER_DAY} hourly values, not {len(hours)}")
    means = [m for m in moving_means(hours, min_hours=min_hours) if m is not None]
    if not means:
        return Mda8(None, 0, False)
    best = max(means)
    if len(means) >= min_windows:
        return Mda8(best, len(means), False)
    # the exception is judged on the value as reported (rounded): 160.5 → 160 does not exceed 160
    if limit is not None and round_half_even(best, 0) > to_decimal(limit):
        return Mda8(best, len(means), True)
    return Mda8(None, len(means), False)


def ratio_percent(part: int, whole: int, decimals: int = 1) -> Decimal | None:
    """``part / whole`` in per cent, rounded per GB/T 8170 (e.g. 优良天数比率 27/29 → 93.1); None if whole = 0."""
    if whole <= 0:
        return None
    return round_half_even(Fraction(100 * part, whole), decimals)


def exceedance_multiple(concentration: Number, limit: Number, decimals: int = 2) -> Decimal | None:
    """超标倍数 (C − S)/S, rounded per GB/T 8170; None when C does not exceed S."""
    c, s = to_decimal(concentration), to_decimal(limit)
    if c <= s:
        return None
    return round_half_even(Fraction((c - s) / s), decimals)


@dataclass(frozen=True)
class AnnualItem:
    """One statistic of the annual evaluation and the GB 3095 limit it is judged against."""

    pollutant: str
    statistic: str  # "mean" | "p98" | "p95" | "p90"
    limit_key: str  # key in a GB 3095 limit set


ANNUAL_ITEMS: tuple[AnnualItem, ...] = (
    AnnualItem("so2", "mean", "so2_annual"),
    AnnualItem("so2", "p98", "so2_24h"),
    AnnualItem("no2", "mean", "no2_annual"),
    AnnualItem("no2", "p98", "no2_24h"),
    AnnualItem("pm10", "mean", "pm10_annual"),
    AnnualItem("pm10", "p95", "pm10_24h"),
    AnnualItem("pm25", "mean", "pm25_annual"),
    AnnualItem("pm25", "p95", "pm25_24h"),
    AnnualItem("co", "p95", "co_24h"),
    AnnualItem("o3", "p90", "o3_8h"),
)
PERCENTILES: Mapping[str, Decimal] = {"p98": Decimal("0.98"), "p95": Decimal("0.95"), "p90": Decimal("0.90")}


def attainment(statistics: Mapping[str, Number | None], limits: Mapping[str, Decimal]) -> dict[str, bool | None]:
    """Per pollutant: True when every statistic of :data:`ANNUAL_ITEMS` meets its limit, False when
    one exceeds it, None when a statistic is missing and none exceeds. ``statistics`` is keyed
    ``<pollutant>_<statistic>`` (``pm25_mean``, ``co_p95`` …), values as reported (rounded)."""
    out: dict[str, bool | None] = {}
    for item in ANNUAL_ITEMS:
        value = statistics.get(f"{item.pollutant}_{item.statistic}")
        state = out.get(item.pollutant, True)
        if value is None:
            out[item.pollutant] = None if state is not False else False
            continue
        if to_decimal(value) > limits[item.limit_key]:
            out[item.pollutant] = False
        elif item.pollutant not in out:
            out[item.pollutant] = True
    return out


def overall_attainment(per_pollutant: Mapping[str, bool | None]) -> bool | None:
    """城市达标: all six pollutants attain; False if any does not; None if one is unknown."""
    if any(v is False for v in per_pollutant.values()):
        return False
    if any(v is None for v in per_pollutant.values()):
        return None
    return True
