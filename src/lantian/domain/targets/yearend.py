"""Year-end rules over daily values (年度统计): the figure an indicator's target is judged on,
computed from a place's daily values — the mean of the daily values as reported, the good- and
heavy-day ratios of valid days, the O3 MDA8 P90, the composite index. On station data they equal
the engine's period statistics (``tests/analytics/test_target_progress_2019.py``); they also serve
published daily values and the simulated years of the projection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from lantian.domain.standards.hj663 import percentile, ratio_percent
from lantian.domain.standards.ranking import composite_index
from lantian.domain.standards.rounding import round_half_even
from lantian.domain.targets.projection import DayValues

COMPLETE_YEAR = 324  # valid days that make a year's statistic valid (GB 3095)
Statistic = Callable[[Sequence[DayValues]], Decimal | None]


def present(days: Sequence[DayValues], key: str) -> list[Any]:
    """The values of ``key`` on the days that have one."""
    return [d[key] for d in days if d.get(key) is not None]


def _mean_of(key: str) -> Statistic:
    decimals = 1 if key == "co" else 0

    def mean(days: Sequence[DayValues]) -> Decimal | None:
        # daily values as reported: integers (CO one decimal), so the sum is exact in integers
        values = present(days, key)
        if not values:
            return None
        scale = 10**decimals
        return round_half_even(Fraction(sum(round(v * scale) for v in values), len(values) * scale), decimals)

    return mean


def statistic_of(kind: str, key: str) -> Statistic:
    """The year-end rule of an indicator, over daily values."""
    return _mean_of(key) if kind == "mean" else _STATISTICS[key if kind == "statistic" else kind]


def _good(days: Sequence[DayValues]) -> Decimal | None:
    aqi = present(days, "aqi")
    return ratio_percent(sum(1 for a in aqi if a <= 100), len(aqi))


def _heavy(days: Sequence[DayValues]) -> Decimal | None:
    aqi = present(days, "aqi")
    return ratio_percent(sum(1 for a in aqi if a > 200), len(aqi))


def _p90(days: Sequence[DayValues]) -> Decimal | None:
    values = present(days, "o3_8h_max")
    return round_half_even(percentile(values, Decimal("0.9")), 0) if values else None


def _composite(days: Sequence[DayValues]) -> Decimal | None:
    inputs: dict[str, Decimal | None] = {p: _mean_of(p)(days) for p in ("so2", "no2", "pm10", "pm25")}
    co = present(days, "co")
    inputs["co"] = round_half_even(percentile(co, Decimal("0.95")), 1) if co else None
    inputs["o3"] = _p90(days)
    return composite_index(inputs).total


# the daily values a statistic is driven by: the ones the level adjustment scales
DRIVERS: dict[str, tuple[str, ...]] = {
    "good_ratio": ("aqi",),
    "heavy_ratio": ("aqi",),
    "o3_p90": ("o3_8h_max",),
    "composite_index": ("pm25", "pm10", "so2", "no2", "o3_8h_max"),
}
_STATISTICS: dict[str, Statistic] = {
    "good_ratio": _good,
    "heavy_ratio": _heavy,
    "o3_p90": _p90,
    "composite_index": _composite,
}


def running(days: Sequence[DayValues], statistic: Statistic) -> list[Decimal | None]:
    """The value to date after each day (累计至当日): ``statistic`` over the first k days, for every
    k — the curve a target is watched against through the year (``days`` in date order)."""
    return [statistic(days[: k + 1]) for k in range(len(days))]
