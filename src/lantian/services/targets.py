"""Targets and attainment (目标与达标进度): the registry, the value to date, what the rest of the
year must deliver, and the probability of meeting each target.

Targets come from the imported plans (``targets`` rows with a jurisdiction, a year and a value)
and from users (``lantian targets set``); measured values come from the air-quality store, the
city whose name matches the jurisdiction (苏州市 ↔ 苏州). docs/metrics.md ("Targets") has the
arithmetic and the method behind the probability.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from lantian.domain.aq.periods import Period
from lantian.domain.standards.hj663 import percentile, ratio_percent
from lantian.domain.standards.ranking import composite_index
from lantian.domain.standards.rounding import round_half_even
from lantian.domain.targets.progress import good_day_progress, heavy_day_progress, mean_progress
from lantian.domain.targets.projection import DayValues, brier_score, level_factors, simulate, simulated_years
from lantian.domain.targets.registry import COMPARATORS, INDICATORS, IndicatorSpec, TargetEntry, effective, place_key
from lantian.errors import InputError, NotFoundError
from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Assessment, Options
from lantian.storage.store import Store

RUNS = 1000
COMPLETE_YEAR = 324  # valid days that make a year's statistic valid (GB 3095)
BACKTEST_INDICATORS = ("pm25", "good_day_ratio")


@dataclass
class TargetService:
    store: Store
    airquality: AirQualityService

    # ------------------------------------------------------------------ registry
    def set(self, entry: TargetEntry) -> TargetEntry:
        with self.store.transaction() as repo:
            repo.set_user_target(entry, dt.datetime.now(dt.UTC))
        return entry

    def targets(self, jurisdiction: str | None = None, year: int | None = None) -> list[TargetEntry]:
        """The effective targets (a user's entry wins over a plan's), optionally of one place and year."""
        with self.store.reading() as repo:
            entries = [*repo.user_targets(), *(_from_plan(s) for s in repo.targets())]
        chosen = effective(e for e in entries if e is not None)
        if jurisdiction:
            chosen = [e for e in chosen if place_key(e.jurisdiction) == place_key(jurisdiction)]
        if year is not None:
            chosen = [e for e in chosen if e.year == year]
        return chosen

    # ------------------------------------------------------------------ backtest
    def backtest(
        self,
        places: Sequence[str] = (),
        *,
        indicators: Sequence[str] = BACKTEST_INDICATORS,
        changes: Sequence[float] = (0, 5, 10),
        runs: int = 200,
    ) -> Backtest:
        """The projection against history (:func:`run_backtest`) over the stored city daily values."""
        for i in indicators:
            if i not in BACKTEST_INDICATORS:
                raise InputError(
                    f"indicator {i!r}: the backtest covers {', '.join(BACKTEST_INDICATORS)}", field="indicator"
                )
        try:
            assessment: Assessment | None = self.airquality.assessment()
        except NotFoundError:
            assessment = None
        every = city_days(self.airquality, assessment)
        wanted = {place_key(p) for p in places}
        chosen = {k: v for k, v in every.items() if not wanted or place_key(k) in wanted}
        if not chosen:
            raise NotFoundError(
                "no city daily values to backtest on (没有城市日数据): import station data or published values",
                field="place",
            )
        return run_backtest(chosen, indicators=indicators, changes=changes, runs=runs)

    # ------------------------------------------------------------------ status
    def status(
        self, jurisdiction: str, as_of: dt.date, *, runs: int = RUNS, adjust: bool = True
    ) -> list[dict[str, Any]]:
        """One row per target of ``jurisdiction`` for the year of ``as_of``: value to date, the
        remaining-days arithmetic and the probability of meeting the target (``adjust``: past years
        brought to this year's level, :func:`~lantian.domain.targets.projection.level_factors`)."""
        entries = self.targets(jurisdiction, as_of.year)
        if not entries:
            raise NotFoundError(
                f"no {as_of.year} targets for {jurisdiction} (没有该辖区该年度的目标): "
                "import a plan or use `lantian targets set`",
                field="jurisdiction",
            )
        context = _Context(self.airquality, jurisdiction, as_of, adjust=adjust)
        return [context.row(e, runs) for e in entries]


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
) -> Backtest:
    """At each month-end (January … November) of every complete year of every place that has an
    earlier year on record: the probability of meeting targets set from the last complete earlier
    year (its value improved by each of ``changes`` per cent), by the level-adjusted and the plain
    bootstrap, against what the year did. A year is complete with ``minimum_days`` valid days of
    the indicator (GB 3095's 324)."""
    forecasts: list[Forecast] = []
    for place, by_day in sorted(places.items()):
        for indicator in indicators:
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


def _from_plan(stored: Any) -> TargetEntry | None:
    g = stored.target
    if not g.jurisdiction or g.year is None or g.value is None or g.comparator not in COMPARATORS:
        return None
    if g.comparator in ("decrease_by", "increase_by") and g.baseline_year is None:
        return None
    source = f"{stored.plan_key} {g.source} 第{g.line}行" if g.source != "text" else f"{stored.plan_key} 第{g.line}行"
    return TargetEntry(
        g.jurisdiction, g.indicator, g.year, g.comparator, g.value, g.unit, g.stretch_value, g.baseline_year,
        source, g.text,
    )  # fmt: skip


class _Context:
    """The measured side of one jurisdiction's status: its city's daily values, read once — the
    values lantian computes from station data, and published city daily values (imported with
    ``lantian aq published import``) for the days without station data."""

    def __init__(
        self, airquality: AirQualityService, jurisdiction: str, as_of: dt.date, *, adjust: bool = True
    ) -> None:
        self.as_of = as_of
        self.adjust = adjust
        self.year_start = dt.date(as_of.year, 1, 1)
        self.year_end = dt.date(as_of.year, 12, 31)
        self.area: str | None = None
        self.days: list[dict[str, Any]] = []
        self.assessment: Assessment | None = None
        try:
            self.assessment = airquality.assessment()
        except NotFoundError:
            self.assessment = None
        places = city_days(airquality, self.assessment, place_key(jurisdiction))
        if places:
            ((self.area, by_day),) = places.items()
            self.days = [v for _, v in sorted(by_day.items())]

    def period_row(self, start: dt.date, end: dt.date) -> dict[str, Any] | None:
        if self.assessment is None or self.area is None or end < start:
            return None
        rows = self.assessment.period("city", Period(start, end, f"{start}..{end}"), Options(), with_last_year=False)
        return next((r for r in rows if r["station"] == self.area), None)

    def row(self, e: TargetEntry, runs: int) -> dict[str, Any]:
        spec = INDICATORS.get(e.indicator)
        out: dict[str, Any] = {
            "jurisdiction": e.jurisdiction, "indicator": e.indicator, "label": spec.label if spec else e.indicator,
            "year": e.year, "comparator": e.comparator, "target": e.value, "stretch": e.stretch_value,
            "unit": e.unit, "baseline_year": e.baseline_year, "source": e.source, "area": self.area,
            "as_of": self.as_of, "value_to_date": None, "days_counted": 0,
            "days_remaining": (self.year_end - self.as_of).days if self.as_of < self.year_end else 0,
            "on_track": None, "probability": None, "probability_basis": None, "note": None,
            "measured": spec is not None and spec.kind != "reported", "target_note": e.note,
        }  # fmt: skip
        if spec is None or not out["measured"]:
            out["note"] = "reported through progress, not measured here (由进度填报，不在监测数据中)"
            return out
        if self.area is None:
            out["note"] = "no monitoring data for this place (没有该辖区的监测数据)"
            return out
        target = self._threshold(e, spec, out)
        if target is None:
            return out
        out["target_value"] = float(target)
        end = min(self.as_of, self.year_end)
        observed = [d for d in self.days if self.year_start <= d["day"] <= end]
        if not observed:
            out["note"] = f"no monitoring data for {e.year} to date (没有本年度至今的监测数据)"
            return out
        from_published = sum(1 for d in observed if d["source"] != "stations")
        if from_published:
            # some days only as published: the year-to-date figure from the daily values themselves
            row: dict[str, Any] = {"valid_days": len(_values(observed, "aqi"))}
            value: Any = statistic_of(spec.kind, spec.key)(observed)
            out["note"] = f"{from_published} of the days are published city values (其中{from_published}天为发布值)"
        else:
            row = self.period_row(self.year_start, end) or {}
            value = row.get(spec.column) if spec.column else None
        out["value_to_date"] = _num(value)
        remaining = out["days_remaining"]
        better: Callable[[Any], bool] = (
            (lambda v: v >= target) if e.comparator in (">=", "increase_by") else (lambda v: v <= target)
        )
        out["on_track"] = None if value is None else better(Decimal(str(value)))
        if value is not None:
            out["gap"] = float(Decimal(str(value)) - target)
        if spec.kind == "mean":
            values = [int(d[spec.key]) for d in observed if d.get(spec.key) is not None]
            progress = mean_progress(target, sum(values), len(values), remaining)
            out["days_counted"] = progress.days_counted
            out["required_mean_remaining"] = _num(progress.required_mean_remaining)
        elif spec.kind in ("good_ratio", "heavy_ratio"):
            valid = [d["aqi"] for d in observed if d.get("aqi") is not None]
            out["days_counted"] = len(valid)
            if spec.kind == "good_ratio":
                g = good_day_progress(target, sum(1 for a in valid if a <= 100), len(valid), remaining)
                out["good_days_needed"] = g.needed_remaining
                out["affordable_non_good_days"] = g.affordable_remaining
            else:
                h = heavy_day_progress(target, sum(1 for a in valid if a > 200), len(valid), remaining)
                out["affordable_heavy_days"] = h.affordable_remaining
        else:
            out["days_counted"] = int(row.get("valid_days") or 0)
        self._probability(e, spec.key, spec.kind, target, better, observed, out, runs)
        return out

    def _threshold(self, e: TargetEntry, spec: IndicatorSpec, out: dict[str, Any]) -> Decimal | None:
        if e.comparator in ("<=", ">="):
            return Decimal(str(e.value))
        assert e.baseline_year is not None
        base = [d for d in self.days if d["day"].year == e.baseline_year]
        variable = spec.key if spec.kind == "mean" else "aqi"
        valid = sum(1 for d in base if d.get(variable) is not None)
        if valid < COMPLETE_YEAR:
            out["note"] = (
                f"{e.baseline_year} has {valid} valid days, fewer than {COMPLETE_YEAR}: no baseline for the relative "
                f"target (基准年数据不足)"
            )
            return None
        value = statistic_of(spec.kind, spec.key)(base)
        if value is None:
            out["note"] = f"no {e.baseline_year} value to apply the relative target to (缺少基准年数值)"
            return None
        sign = -1 if e.comparator == "decrease_by" else 1
        out["baseline_value"] = float(value)
        return value * (1 + sign * Decimal(str(e.value)) / 100)

    def _probability(
        self,
        e: TargetEntry,
        key: str,
        kind: str,
        target: Decimal,
        better: Callable[[Any], bool],
        observed: Sequence[DayValues],
        out: dict[str, Any],
        runs: int,
    ) -> None:
        if runs <= 0:  # asked for the arithmetic only
            return
        statistic = statistic_of(kind, key)
        history = {d["day"]: d for d in self.days if d["day"] < self.year_start}
        end = min(self.as_of, self.year_end)
        remaining = [end + dt.timedelta(days=k) for k in range(1, (self.year_end - end).days + 1)]

        def meets(days: list[DayValues]) -> bool:
            value = statistic(days)
            return value is not None and better(value)

        seed = zlib.crc32(f"{e.jurisdiction}|{e.indicator}|{self.as_of}".encode())
        years = sorted({d.year for d in history})
        scale = (
            level_factors(observed, history, years, _DRIVERS.get(key) or _DRIVERS.get(kind, (key,)))
            if self.adjust
            else None
        )
        sim = simulate(observed, history, remaining, meets, runs=runs, seed=seed, scale=scale)
        if sim.probability is None:
            out["probability_basis"] = "no earlier years in the store to resample (没有往年数据，无法估计)"
            return
        out["probability"] = round(float(sim.probability), 3)
        adjusted = " brought to this year's level" if scale else ""
        out["probability_basis"] = (
            f"{sim.runs} simulated years; the remaining days resampled in {sim.block}-day blocks from "
            f"{', '.join(str(y) for y in sim.history_years)}{adjusted}, within ±{sim.window} days of the date"
            if remaining
            else "the year is complete"
        )


def city_days(
    airquality: AirQualityService, assessment: Assessment | None, key: str | None = None
) -> dict[str, dict[dt.date, dict[str, Any]]]:
    """Each city's daily values by day (of the city whose :func:`place_key` is ``key``, or of
    every city): computed from station data where there is some, else as published."""
    out: dict[str, dict[dt.date, dict[str, Any]]] = {}
    names: dict[str, str] = {}
    for (city, day), (values, source) in sorted(airquality.published_days().items()):
        k = place_key(city)
        if key is None or k == key:
            name = names.setdefault(k, city)
            out.setdefault(name, {})[day] = _published_row(name, day, values, source)
    if assessment is not None:
        for r in assessment.daily("city", None, None, Options()):
            k = place_key(r["station"])
            if key is None or k == key:
                name = names.get(k) or names.setdefault(k, r["station"])
                out.setdefault(name, {})[r["day"]] = {**r, "station": name, "source": "stations"}
    return out


def _published_row(city: str, day: dt.date, values: dict[str, float], source: str) -> dict[str, Any]:
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


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _values(days: Sequence[DayValues], key: str) -> list[Any]:
    return [d[key] for d in days if d.get(key) is not None]


def _mean_of(key: str) -> Callable[[Sequence[DayValues]], Decimal | None]:
    decimals = 1 if key == "co" else 0

    def mean(days: Sequence[DayValues]) -> Decimal | None:
        # daily values as reported: integers (CO one decimal), so the sum is exact in integers
        values = _values(days, key)
        if not values:
            return None
        scale = 10**decimals
        return round_half_even(Fraction(sum(round(v * scale) for v in values), len(values) * scale), decimals)

    return mean


def statistic_of(kind: str, key: str) -> Callable[[Sequence[DayValues]], Decimal | None]:
    """The year-end rule of an indicator, over daily values."""
    return _mean_of(key) if kind == "mean" else _STATISTICS[key if kind == "statistic" else kind]


def _good(days: Sequence[DayValues]) -> Decimal | None:
    aqi = _values(days, "aqi")
    return ratio_percent(sum(1 for a in aqi if a <= 100), len(aqi))


def _heavy(days: Sequence[DayValues]) -> Decimal | None:
    aqi = _values(days, "aqi")
    return ratio_percent(sum(1 for a in aqi if a > 200), len(aqi))


def _p90(days: Sequence[DayValues]) -> Decimal | None:
    values = _values(days, "o3_8h_max")
    return round_half_even(percentile(values, Decimal("0.9")), 0) if values else None


def _composite(days: Sequence[DayValues]) -> Decimal | None:
    inputs: dict[str, Decimal | None] = {p: _mean_of(p)(days) for p in ("so2", "no2", "pm10", "pm25")}
    co = _values(days, "co")
    inputs["co"] = round_half_even(percentile(co, Decimal("0.95")), 1) if co else None
    inputs["o3"] = _p90(days)
    return composite_index(inputs).total


# the daily values a statistic is driven by: the ones the level adjustment scales
_DRIVERS: dict[str, tuple[str, ...]] = {
    "good_ratio": ("aqi",),
    "heavy_ratio": ("aqi",),
    "o3_p90": ("o3_8h_max",),
    "composite_index": ("pm25", "pm10", "so2", "no2", "o3_8h_max"),
}
_STATISTICS: dict[str, Callable[[Sequence[DayValues]], Decimal | None]] = {
    "good_ratio": _good,
    "heavy_ratio": _heavy,
    "o3_p90": _p90,
    "composite_index": _composite,
}
