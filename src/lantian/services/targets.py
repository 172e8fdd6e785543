"""Targets and attainment (目标与达标进度): the registry, the value to date, what the rest of the
year must deliver, and the probability of meeting each target.

Targets come from the imported plans (``targets`` rows with a jurisdiction, a year and a value)
and from users (``lantian targets set``); measured values come from the air-quality store, the
city whose name matches the jurisdiction (苏州市 ↔ 苏州). docs/metrics.md ("Targets") has the
arithmetic and the method behind the probability.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lantian.domain.aq.published import daily_row
from lantian.domain.targets.backtest import BACKTEST_INDICATORS, Backtest, run_backtest
from lantian.domain.targets.progress import good_day_progress, heavy_day_progress, mean_progress
from lantian.domain.targets.projection import DayValues, level_factors, simulate
from lantian.domain.targets.registry import COMPARATORS, INDICATORS, IndicatorSpec, TargetEntry, effective, place_key
from lantian.domain.targets.yearend import COMPLETE_YEAR, DRIVERS, present, running, statistic_of
from lantian.domain.tracking.model import SYSTEM, Actor
from lantian.errors import InputError, NotFoundError
from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Assessment, Options
from lantian.services.audit import AuditTrail
from lantian.services.measured import ReportedTargets
from lantian.storage.store import Store

RUNS = 1000
CALIBRATION_FILE = "calibration.json"  # the kept backtest (达标概率回测), in the data folder


@dataclass
class TargetService:
    store: Store
    airquality: AirQualityService
    audit: AuditTrail
    # every city's daily values, kept until the air-quality data changes (data_marker): the 目标 pages
    # read a city and its counties in one view, and each would otherwise recompute them all
    _days: tuple[str, dict[str, dict[dt.date, dict[str, Any]]]] | None = field(default=None, init=False, repr=False)
    _days_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def city_days(self, key: str) -> dict[str, dict[dt.date, dict[str, Any]]]:
        """:func:`city_days` of the city whose :func:`place_key` is ``key``, from the kept values."""
        marker = self.data_marker()
        with self._days_lock:
            if self._days is None or self._days[0] != marker:
                try:
                    assessment: Assessment | None = self.airquality.assessment()
                except NotFoundError:
                    assessment = None
                self._days = (marker, city_days(self.airquality, assessment))
            every = self._days[1]
        return {name: days for name, days in every.items() if place_key(name) == key}

    rules_file: Path | None = None  # <data dir>/indicator_rules.toml: how reported values add up
    reported: ReportedTargets = field(init=False)

    def __post_init__(self) -> None:
        self.reported = ReportedTargets(self.store, self.rules_file)

    # ------------------------------------------------------------------ registry
    def set(self, entry: TargetEntry, actor: Actor = SYSTEM) -> bool:
        """Enter or replace a place's target for an indicator and year (it wins over a plan's); audited.
        False when the place already has this very target (values compared as numbers: 3.0 is 3):
        nothing is written and no audit entry."""
        with self.audit.changing(actor) as (repo, note):
            before = next((e for e in repo.user_targets() if _key(e) == _key(entry)), None)
            if before is not None and before.same_as(entry):
                return False
            _write(repo, note, entry, before)
        return True

    def seed(self, entry: TargetEntry, actor: Actor = SYSTEM) -> bool:
        """Enter ``entry`` only where its place has no target for the indicator and year yet (a user's
        under any name of the place — 南京 or 南京市 — or a plan's): what a seeding step such as the
        demo does, which never replaces what a person entered. True when it was written (audited)."""
        key = place_key(entry.jurisdiction)
        with self.audit.changing(actor) as (repo, note):
            stored = [s for s in repo.targets(jurisdictions=[key, f"{key}市"]) if s.target.jurisdiction]
            entries = [*repo.user_targets(), *(_from_plan(s) for s in stored)]
            wanted = (key, entry.indicator, entry.year)
            if any(e is not None and (place_key(e.jurisdiction), e.indicator, e.year) == wanted for e in entries):
                return False
            _write(repo, note, entry, None)
        return True

    def targets(
        self, jurisdiction: str | None = None, year: int | None = None, *, plan_place: bool = False
    ) -> list[TargetEntry]:
        """The effective targets (a user's entry wins over a plan's), optionally of one place and year.
        ``plan_place``: with the targets written on a plan's tasks without a place (or year), which take
        the plan's (:meth:`status` measures them from progress reports)."""
        key = place_key(jurisdiction) if jurisdiction else None
        names = None if key is None else [key, f"{key}市"]  # the names place_key takes to key
        with self.store.reading() as repo:
            stored = [s for s in repo.targets(jurisdictions=names)
                      if plan_place or (s.target.jurisdiction and s.target.year is not None)]  # fmt: skip
            entries = [*repo.user_targets(), *(_from_plan(s) for s in stored)]
        chosen = effective(e for e in entries if e is not None)
        if jurisdiction:
            chosen = [e for e in chosen if place_key(e.jurisdiction) == place_key(jurisdiction)]
        if year is not None:
            chosen = [e for e in chosen if e.year == year]
        return chosen

    def superseded(self, jurisdiction: str | None = None, year: int | None = None) -> list[TargetEntry]:
        """The plans' targets that a user's entry replaces (same place, indicator and year): what the
        目标 page shows beside the target in force."""
        key = place_key(jurisdiction) if jurisdiction else None
        names = None if key is None else [key, f"{key}市"]
        with self.store.reading() as repo:
            users = {(place_key(e.jurisdiction), e.indicator, e.year) for e in repo.user_targets()}
            plans = [e for e in (_from_plan(s) for s in repo.targets(jurisdictions=names)) if e is not None]
        out = {}
        for e in plans:
            k = (place_key(e.jurisdiction), e.indicator, e.year)
            if k in users and k not in out and (year is None or e.year == year):
                out[k] = e
        return list(out.values())

    def places(self) -> list[str]:
        """Every place with a target (user's or plan's), one name per place (苏州市 and 苏州 are one)."""
        out: dict[str, str] = {}
        for e in self.targets():
            out.setdefault(place_key(e.jurisdiction), e.jurisdiction)
        return sorted(out.values())

    def marker(self) -> tuple[Any, ...]:
        """Changes whenever the targets may have (a plan imported, revised or corrected; a user's entry)."""
        with self.store.reading() as repo:
            return repo.targets_marker()

    # ------------------------------------------------------------------ backtest
    def backtest(
        self,
        places: Sequence[str] = (),
        *,
        indicators: Sequence[str] = BACKTEST_INDICATORS,
        changes: Sequence[float] = (0, 5, 10),
        runs: int = 200,
        progress: Callable[[int, int, str], None] | None = None,
    ) -> Backtest:
        """The projection against history (:func:`run_backtest`) over the stored city daily values."""
        for i in indicators:
            if i not in BACKTEST_INDICATORS:
                raise InputError(
                    f"indicator {i!r}: the backtest covers {', '.join(BACKTEST_INDICATORS)} (该指标不能回测)",
                    field="indicator",
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
                "no city daily values to backtest on; import station data or published values "
                "(没有城市日数据，请先导入监测数据)",
                field="place",
            )
        return run_backtest(chosen, indicators=indicators, changes=changes, runs=runs, progress=progress)

    # ------------------------------------------------------------------ kept calibration
    @property
    def calibration_path(self) -> Path:
        """``<data>/calibration.json``: the backtest kept for the pages (they never run it)."""
        return self.airquality.root.parent / CALIBRATION_FILE

    def data_marker(self) -> str:
        """A fingerprint of the air-quality data the backtest reads (station hours, published city
        values, station classes, area maps): a kept calibration of other data is out of date."""
        return data_marker(self.airquality)

    def save_calibration(self, result: Backtest) -> dict[str, Any]:
        """Keep ``result``'s calibration (written to a temporary file, then renamed into place, so a
        page never reads half a file) with the data marker it was computed on; returns what was kept."""
        kept = calibration_summary(result, self.data_marker(), dt.datetime.now(dt.UTC))
        path = self.calibration_path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".calibration-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(kept, fh, ensure_ascii=False, indent=1)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return kept

    def kept_calibration(self) -> dict[str, Any] | None:
        """The kept calibration with ``stale``: True when the air-quality data changed since it was
        computed (then the pages treat it as missing); None when none is kept or it cannot be read."""
        try:
            kept = json.loads(self.calibration_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(kept, dict) or not isinstance(kept.get("bins"), list):
            return None
        kept["stale"] = kept.get("marker") != self.data_marker()
        return kept

    # ------------------------------------------------------------------ status
    def status(
        self, jurisdiction: str, as_of: dt.date, *, runs: int = RUNS, adjust: bool = True
    ) -> list[dict[str, Any]]:
        """One row per target of ``jurisdiction`` for the year of ``as_of``: value to date, the
        remaining-days arithmetic and the probability of meeting the target (``adjust``: past years
        brought to this year's level, :func:`~lantian.domain.targets.projection.level_factors`)."""
        entries = self.targets(jurisdiction, as_of.year, plan_place=True)
        if not entries:
            raise NotFoundError(
                f"no {as_of.year} targets for {jurisdiction}: import a plan or use `lantian targets set` "
                f"({jurisdiction}尚无{as_of.year}年目标，请大气办导入计划或登记目标)",
                field="jurisdiction",
            )
        context = _Context(self, jurisdiction, as_of, adjust=adjust)
        rows = [context.row(e, runs) for e in entries]
        if any(r["measured_from"] == "reports" for r in rows):  # the targets measured from progress reports
            key = place_key(jurisdiction)
            with self.store.reading() as repo:
                links = [s for s in repo.targets(jurisdictions=[key, f"{key}市"])
                         if s.place and place_key(s.place) == key and s.year == as_of.year]  # fmt: skip
            reports = self.reported.accepted()
            for e, r in zip(entries, rows, strict=True):
                if r["measured_from"] == "reports":
                    mine = [s for s in links if s.target.indicator == e.indicator]
                    self.reported.status_fill(r, e.indicator, e.comparator, e.value, e.unit, e.note, e.source,
                                              e.jurisdiction, e.year, as_of, mine, reports)  # fmt: skip
        return rows

    # ------------------------------------------------------------------ trend
    def trend(self, jurisdiction: str, year: int | None = None, *, runs: int = RUNS) -> dict[str, Any]:
        """目标进度曲线: the place's targets of ``year`` as of its newest daily value in that year, each
        measured one with ``series``, the value to date after each day (the year-end rule over the days so
        far) to draw against the target. Without ``year``: the current year when the place has targets
        for it, else the newest year with both targets and data, else its newest year of targets (then
        ``as_of`` is None: no day of that year measured, every value to date is missing)."""
        entries = self.targets(jurisdiction)
        years = sorted({e.year for e in entries})
        if not entries:  # nothing to draw: the place's daily values are not read
            return {"jurisdiction": jurisdiction, "area": None, "year": year, "as_of": None, "years": [], "rows": []}
        today = dt.date.today()
        context = _Context(self, jurisdiction, today, adjust=True)
        if year is None and today.year in years:
            year = today.year
        if year is None:
            data_years = {d["day"].year for d in context.days}
            both = [y for y in years if y in data_years]
            year = both[-1] if both else years[-1]
        in_year = [d["day"] for d in context.days if d["day"].year == year]
        as_of = in_year[-1] if in_year else dt.date(year, 1, 1)
        context.at(as_of)
        rows = [context.row(e, runs, series=True) for e in entries if e.year == year]
        return {"jurisdiction": jurisdiction, "area": context.area, "year": year,
                "as_of": as_of if in_year else None, "years": years, "rows": rows}  # fmt: skip


def _write(repo: Any, note: Any, entry: TargetEntry, before: TargetEntry | None) -> None:
    """Store a user's target and audit it (before → after), in the caller's transaction."""
    repo.set_user_target(entry, dt.datetime.now(dt.UTC))
    note("target.set", "target", f"{entry.jurisdiction}·{entry.indicator}·{entry.year}",
         asdict(before) if before else None, asdict(entry), places=[entry.jurisdiction])  # fmt: skip


def _key(e: TargetEntry) -> tuple[str, str, int]:
    return (e.jurisdiction, e.indicator, e.year)


def _from_plan(stored: Any) -> TargetEntry | None:
    """A plan's target as a registry entry; written on a task without a place or year, it takes the plan's."""
    g = stored.target
    place = g.jurisdiction or getattr(stored, "plan_jurisdiction", None)
    year = g.year if g.year is not None else getattr(stored, "plan_year", None)
    if not place or year is None or g.value is None or g.comparator not in COMPARATORS:
        return None
    if g.comparator in ("decrease_by", "increase_by") and g.baseline_year is None:
        return None
    source = f"{stored.plan_key} {g.source} 第{g.line}行" if g.source != "text" else f"{stored.plan_key} 第{g.line}行"
    return TargetEntry(
        place, g.indicator, year, g.comparator, g.value, g.unit, g.stretch_value, g.baseline_year, source, g.text,
    )  # fmt: skip


class _Context:
    """The measured side of one jurisdiction's status: its city's daily values, read once — the
    values lantian computes from station data, and published city daily values (imported with
    ``lantian aq published import``) for the days without station data."""

    def __init__(self, service: TargetService, jurisdiction: str, as_of: dt.date, *, adjust: bool = True) -> None:
        self.adjust = adjust
        self.at(as_of)
        self.area: str | None = None
        self.days: list[dict[str, Any]] = []
        places = service.city_days(place_key(jurisdiction))
        if places:
            ((self.area, by_day),) = places.items()
            self.days = [v for _, v in sorted(by_day.items())]

    def at(self, as_of: dt.date) -> None:
        """Judge the targets of ``as_of``'s year as of that day."""
        self.as_of = as_of
        self.year_start = dt.date(as_of.year, 1, 1)
        self.year_end = dt.date(as_of.year, 12, 31)

    def row(self, e: TargetEntry, runs: int, *, series: bool = False) -> dict[str, Any]:
        spec = INDICATORS.get(e.indicator)
        out: dict[str, Any] = {
            "jurisdiction": e.jurisdiction, "indicator": e.indicator, "label": spec.label if spec else e.indicator,
            "label_en": spec.label_en if spec else e.indicator,
            "year": e.year, "comparator": e.comparator, "target": e.value, "stretch": e.stretch_value,
            "unit": e.unit, "value_unit": spec.unit if spec else e.unit,  # the unit of the values and target_value
            "baseline_year": e.baseline_year, "source": e.source, "area": self.area,
            "as_of": self.as_of, "value_to_date": None, "days_counted": 0,
            "days_remaining": (self.year_end - self.as_of).days if self.as_of < self.year_end else 0,
            "on_track": None, "probability": None, "probability_basis": None, "note": None,
            "measured": spec is not None and spec.kind != "reported", "target_note": e.note,
            # measured from progress reports (TargetService.status fills them): docs/metrics.md
            "measured_from": "monitoring", "percent_complete": None, "expected_percent": None, "met": None,
            "rule": None, "rule_label": None, "rule_origin": None, "reports_counted": None, "periods": [],
            "latest_period": None, "notes": [], "deadline": None, "pace": None, "report_sources": [],
        }  # fmt: skip
        if spec is None or not out["measured"]:
            out["measured_from"] = "reports"
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
        # the year-end rule over the daily values (equal to the engine's period statistics on station
        # data: tests/analytics/test_target_progress_2019.py)
        value = statistic_of(spec.kind, spec.key)(observed)
        from_published = sum(1 for d in observed if d["source"] != "stations")
        if from_published:
            out["note"] = f"{from_published} of the days are published city values (其中{from_published}天为发布值)"
        out["value_to_date"] = _num(value)
        if series:  # the value to date after each day of the year so far, by the same rule
            curve = running(observed, statistic_of(spec.kind, spec.key))
            out["series"] = [[d["day"].isoformat(), _num(v)] for d, v in zip(observed, curve, strict=True)]
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
            out["days_counted"] = len(present(observed, "aqi"))
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
            level_factors(observed, history, years, DRIVERS.get(key) or DRIVERS.get(kind, (key,)))
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
    every city): computed from station data where there is some, else as published. The counties
    and districts of the office's county map (姑苏区 …) are places with targets too: their values
    are computed from their stations (a day a city of the same name already has stays the city's)."""
    out: dict[str, dict[dt.date, dict[str, Any]]] = {}
    names: dict[str, str] = {}
    for (city, day), (values, source) in sorted(airquality.published_days().items()):
        k = place_key(city)
        if key is None or k == key:
            name = names.setdefault(k, city)
            out.setdefault(name, {})[day] = daily_row(name, day, values, source)
    if assessment is not None:
        for r in assessment.daily("city", None, None, Options()):
            k = place_key(r["station"])
            if key is None or k == key:
                name = names.get(k) or names.setdefault(k, r["station"])
                out.setdefault(name, {})[r["day"]] = {**r, "station": name, "source": "stations"}
        if airquality.county_map():
            for r in assessment.daily("county", None, None, Options()):
                k = place_key(r["station"])
                if key is None or k == key:
                    name = names.get(k) or names.setdefault(k, r["station"])
                    out.setdefault(name, {}).setdefault(r["day"], {**r, "station": name, "source": "stations"})
    return out


def data_marker(airquality: AirQualityService) -> str:
    """A fingerprint of the files the city daily values are computed from (name, size, time)."""
    files = [*airquality.store.files("sites"), airquality.published.path, airquality.classes_path,
             airquality.areas_path, airquality.counties_path]  # fmt: skip
    digest = hashlib.sha256()
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        digest.update(f"{f.name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def calibration_summary(result: Backtest, marker: str, computed_at: dt.datetime) -> dict[str, Any]:
    """What is kept of a backtest: its size, Brier scores and the calibration bins (level-adjusted)."""
    return {
        "computed_at": computed_at.isoformat(timespec="seconds"),
        "marker": marker,
        "forecasts": len(result.forecasts),
        "places": sorted({f.place for f in result.forecasts}),
        "years": sorted({f.year for f in result.forecasts}),
        "indicators": sorted({f.indicator for f in result.forecasts}),
        "runs": result.runs,
        "changes": list(result.changes),
        "brier": result.brier(),
        "bins": result.calibration(),
    }


def calibration_bin(probability: float, bins: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The bin of the kept calibration a forecast of ``probability`` falls in (the last one takes 100 %)."""
    for b in bins:
        low, high = float(b["from"]), float(b["to"])
        if low <= probability < high or (high >= 1 and probability >= 1 and low <= probability):
            return b
    return None


def _num(value: Any) -> float | None:
    return None if value is None else float(value)
