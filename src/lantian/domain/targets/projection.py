"""The probability of meeting an annual target, by resampling the place's own history.

Method (docs/metrics.md, "Probability of meeting a target"): the days still to come are filled by
a **block bootstrap** of the place's daily values from **past years, around the same calendar
date** — blocks of ``block`` consecutive days (a pollution episode lasts days, so days are not
drawn independently), each block starting at a day drawn from a past year within ``window`` days
of the calendar date it fills. Only years with at least half of the days around that date on record
are drawn for it; a day missing in the drawn stretch stays missing, as real gaps do. Each of
``runs`` simulated years is judged with the same rule as the real year-end figure; the share that
meets the target is the probability.

Assumptions: the coming days resemble the same season of past years — by default brought to this
year's level (:func:`level_factors`: each past year's values scaled by the ratio of this year's mean
to date to that year's mean over the same span, which carries a trend such as the 2013–2020 decline
into the projection); no forecast is used; the days already observed are fixed. Randomness is
seeded, so a figure is reproducible.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

T = TypeVar("T")
DayValues = Mapping[str, Any]  # one day's values: pm25, pm10, …, aqi (None = missing)


@dataclass(frozen=True)
class Simulation:
    probability: Fraction | None  # None: no history to draw from
    runs: int
    history_years: tuple[int, ...]
    block: int
    window: int


def simulate(
    observed: Sequence[DayValues],
    history: Mapping[dt.date, DayValues],
    remaining: Sequence[dt.date],
    meets: Callable[[list[DayValues]], bool],
    *,
    runs: int = 1000,
    block: int = 7,
    window: int = 15,
    seed: int = 0,
    scale: Mapping[int, Mapping[str, float]] | None = None,
) -> Simulation:
    """The share of ``runs`` simulated years whose days (``observed`` + resampled ``remaining``)
    ``meets`` the target. ``history`` holds the place's past daily values by date.

    ``scale`` (the level adjustment, :func:`level_factors`) multiplies a drawn day's values by its
    year's factors, rounded to whole units as daily values are reported."""
    outcomes, years = simulated_years(
        observed, history, remaining, meets, runs=runs, block=block, window=window, seed=seed, scale=scale
    )
    if outcomes is None:
        return Simulation(None, 0, years, block, window)
    return Simulation(Fraction(sum(map(bool, outcomes)), len(outcomes)), len(outcomes), years, block, window)


def simulated_years(
    observed: Sequence[DayValues],
    history: Mapping[dt.date, DayValues],
    remaining: Sequence[dt.date],
    statistic: Callable[[list[DayValues]], T],
    *,
    runs: int = 1000,
    block: int = 7,
    window: int = 15,
    seed: int = 0,
    scale: Mapping[int, Mapping[str, float]] | None = None,
) -> tuple[list[T] | None, tuple[int, ...]]:
    """``statistic`` of each of ``runs`` simulated years (one value when nothing remains), and the
    past years drawn from; ``None`` when the history cannot fill the remaining days."""
    years = tuple(sorted({d.year for d in history if not remaining or d.year < remaining[0].year}))
    if not remaining:
        return [statistic(list(observed))], years
    if not years:
        return None, years
    # for each block, the past years that hold data around its calendar date (a year whose record
    # starts later, or has a long outage there, is not drawn for that part of the year)
    starts = range(0, len(remaining), block)
    candidates = {i: _years_with_data(history, years, remaining[i], window) for i in starts}
    if any(not c for c in candidates.values()):
        return None, years
    if scale:
        history = {
            day: {**v, **{key: _scaled(v.get(key), f) for key, f in scale[day.year].items()}}
            if day.year in scale else v
            for day, v in history.items()
        }  # fmt: skip
    rng = random.Random(seed)
    empty: DayValues = {}
    outcomes: list[T] = []
    for _ in range(runs):
        days = list(observed)
        for i in starts:
            year = rng.choice(candidates[i])
            first = _same_date(remaining[i], year) + dt.timedelta(days=rng.randint(-window, window))
            days.extend(history.get(first + dt.timedelta(days=k), empty) for k in range(min(block, len(remaining) - i)))
        outcomes.append(statistic(days))
    return outcomes, years


def _scaled(value: Any, factor: float) -> int | None:
    return None if value is None else round(value * factor)


def level_factors(
    observed: Sequence[DayValues],
    history: Mapping[dt.date, DayValues],
    years: Sequence[int],
    keys: Sequence[str],
    *,
    minimum_days: int = 14,
) -> dict[int, dict[str, float]]:
    """Per past year and key, the ratio of this year's mean to date to that year's mean over the
    same calendar span (1 January to the same date): the factor that brings the year's level to
    this year's. A key with fewer than ``minimum_days`` values on either side is left unadjusted."""
    out: dict[int, dict[str, float]] = {}
    if not observed:
        return out
    last = max(d["day"] for d in observed)
    for y in years:
        span_end = _same_date(last, y)
        factors: dict[str, float] = {}
        for key in keys:
            now = [d[key] for d in observed if d.get(key) is not None]
            then = [v[key] for day, v in history.items() if day.year == y and day <= span_end
                    and v.get(key) is not None]  # fmt: skip
            if len(now) >= minimum_days and len(then) >= minimum_days and sum(then) > 0:
                factors[key] = (sum(now) / len(now)) / (sum(then) / len(then))
        if factors:
            out[y] = factors
    return out


def _years_with_data(
    history: Mapping[dt.date, DayValues], years: Sequence[int], day: dt.date, window: int
) -> list[int]:
    """The years with at least half of the days around ``day``'s calendar date on record."""
    out = []
    for y in years:
        centre = _same_date(day, y)
        around = [centre + dt.timedelta(days=k) for k in range(-window, window + 1)]
        if 2 * sum(1 for a in around if a in history) >= len(around):
            out.append(y)
    return out


def _same_date(day: dt.date, year: int) -> dt.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 2, 28)


def brier_score(forecasts: Sequence[tuple[Fraction | float, bool]]) -> Fraction | float:
    """Mean squared difference between predicted probabilities and outcomes (0 is perfect)."""
    if not forecasts:
        raise ValueError("no forecasts")
    return sum(((p - (1 if o else 0)) ** 2 for p, o in forecasts), Fraction(0)) / len(forecasts)
