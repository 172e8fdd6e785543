"""The backtest of the probability of meeting a target (达标概率回测): month-end forecasts on a
place's own history against what the year did, scored by Brier. docs/metrics.md, "Backtest"."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lantian.domain.standards.rounding import round_half_even
from lantian.domain.targets.projection import brier_score, level_factors, simulated_years
from lantian.domain.targets.registry import INDICATORS
from lantian.domain.targets.yearend import COMPLETE_YEAR, statistic_of

BACKTEST_INDICATORS = ("pm25", "good_day_ratio")


@dataclass(frozen=True)
class Forecast:
    """One backtest forecast: at ``as_of``, the probability that ``place`` meets ``target`` by the
    end of ``year``, by each method, and what the year did."""

    place: str
    year: int
    as_of: dt.date
    indicator: str
    target: Decimal
    reference_year: int
    level_adjusted: float
    plain: float
    on_track: bool  # the value to date already meets the target (the naive forecast)
    met: bool


@dataclass(frozen=True)
class Backtest:
    forecasts: list[Forecast]
    runs: int
    changes: tuple[float, ...]

    def brier(self, indicator: str | None = None) -> dict[str, float]:
        """Brier score of each method (0 is perfect; a constant 50 % scores 0.25)."""
        chosen = [f for f in self.forecasts if indicator in (None, f.indicator)]
        if not chosen:
            return {}
        base = sum(f.met for f in chosen) / len(chosen)
        return {
            "level_adjusted": float(brier_score([(f.level_adjusted, f.met) for f in chosen])),
            "plain": float(brier_score([(f.plain, f.met) for f in chosen])),
            "on_track": float(brier_score([(float(f.on_track), f.met) for f in chosen])),
            "base_rate": float(brier_score([(base, f.met) for f in chosen])),
        }

    def calibration(self, method: str = "level_adjusted", bins: int = 5) -> list[dict[str, Any]]:
        """Forecasts grouped by predicted probability: how often the target was met in each group."""
        out = []
        for b in range(bins):
            low, high = b / bins, (b + 1) / bins
            group = [
                f
                for f in self.forecasts
                if low <= getattr(f, method) < high or (b == bins - 1 and getattr(f, method) == 1)
            ]
            if group:
                out.append({
                    "from": low, "to": high, "forecasts": len(group),
                    "mean_predicted": sum(getattr(f, method) for f in group) / len(group),
                    "observed": sum(f.met for f in group) / len(group),
                })  # fmt: skip
        return out


def run_backtest(
    places: dict[str, dict[dt.date, dict[str, Any]]],
    *,
    indicators: Sequence[str] = BACKTEST_INDICATORS,
    changes: Sequence[float] = (0, 5, 10),
    runs: int = 200,
    minimum_days: int = COMPLETE_YEAR,
    progress: Callable[[int, int, str], None] | None = None,
) -> Backtest:
    """At each month-end (January … November) of every complete year of every place that has an
    earlier year on record: the probability of meeting targets set from the last complete earlier
    year (its value improved by each of ``changes`` per cent), by the level-adjusted and the plain
    bootstrap, against what the year did. A year is complete with ``minimum_days`` valid days of
    the indicator (GB 3095's 324). ``progress(done, total, what)`` is told after each place and
    indicator (the command line shows it: the backtest runs minutes)."""
    forecasts: list[Forecast] = []
    total, done = len(places) * len(indicators), 0
    for place, by_day in sorted(places.items()):
        for indicator in indicators:
            if progress is not None:
                progress(done, total, f"{place} {indicator}")
            done += 1
            spec = INDICATORS[indicator]
            variable = spec.key if spec.kind == "mean" else "aqi"
            statistic = statistic_of(spec.kind, spec.key)
            years = sorted({d.year for d in by_day})
            complete = [
                y for y in years
                if sum(1 for d, v in by_day.items() if d.year == y and v.get(variable) is not None) >= minimum_days
            ]  # fmt: skip
            for year in complete:
                earlier = [y for y in complete if y < year]
                if not earlier:
                    continue
                reference = earlier[-1]
                days = [v for d, v in sorted(by_day.items()) if d.year == year]
                ref_value = statistic([v for d, v in by_day.items() if d.year == reference])
                outcome = statistic(days)
                if ref_value is None or outcome is None:
                    continue
                targets = [_backtest_target(spec.comparator, ref_value, c) for c in changes]
                history = {d: v for d, v in by_day.items() if d.year < year}
                for month in range(1, 12):
                    as_of = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
                    observed = [v for v in days if v["day"] <= as_of]
                    remaining = [
                        as_of + dt.timedelta(days=k) for k in range(1, (dt.date(year, 12, 31) - as_of).days + 1)
                    ]
                    seed = zlib.crc32(f"{place}|{indicator}|{as_of}".encode())
                    scale = level_factors(observed, history, sorted({d.year for d in history}), (variable,))
                    adjusted, _ = simulated_years(
                        observed, history, remaining, statistic, runs=runs, seed=seed, scale=scale
                    )
                    plain, _ = simulated_years(observed, history, remaining, statistic, runs=runs, seed=seed)
                    if adjusted is None or plain is None:
                        continue
                    to_date = statistic(observed)
                    for target in targets:
                        met = _meets(spec.comparator, outcome, target)
                        forecasts.append(Forecast(
                            place, year, as_of, indicator, target, reference,
                            _share(adjusted, spec.comparator, target), _share(plain, spec.comparator, target),
                            to_date is not None and _meets(spec.comparator, to_date, target), met,
                        ))  # fmt: skip
    if progress is not None:
        progress(total, total, "")
    return Backtest(forecasts, runs, tuple(changes))


def _backtest_target(comparator: str, reference: Decimal, change: float) -> Decimal:
    """The reference year's value improved by ``change`` per cent: lower for a ``<=`` target (whole
    µg/m³), higher for a ``>=`` one (one decimal, at most 100 %)."""
    factor = Decimal(1) + (Decimal(str(change)) / 100) * (-1 if comparator == "<=" else 1)
    if comparator == "<=":
        return round_half_even(reference * factor, 0)
    return min(round_half_even(reference * factor, 1), Decimal(100))


def _meets(comparator: str, value: Decimal, target: Decimal) -> bool:
    return value <= target if comparator == "<=" else value >= target


def _share(values: Sequence[Decimal | None], comparator: str, target: Decimal) -> float:
    return sum(1 for v in values if v is not None and _meets(comparator, v, target)) / len(values)
