"""What the dashboard, the air-quality page and the public page show of the air (空气质量概览): city
daily AQI for the last year of data (calendar heat map and trend), a city's stations' daily AQI, the
newest month's city ranking, and a place's targets with their value-to-date curves. Computed with
the assessment engine and kept until the hourly store changes (an import adds or rewrites Parquet
files), so a page view does not recompute a year of station data.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from typing import Any

from lantian.domain.aq.periods import parse_period, ranked_month
from lantian.domain.aq.stations import class_label
from lantian.domain.places import places_under
from lantian.domain.standards.hj633 import standard_for
from lantian.domain.targets.registry import place_key
from lantian.errors import NotFoundError
from lantian.services.accountability import period_why
from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Options
from lantian.services.targets import TargetService

RANK_COLUMNS = ("station", "rank", "composite_index", "pm25", "pm10", "o3_p90", "good_ratio", "heavy_days",
                "valid_days", "stations", "stations_min", "max_index_pollutants", "valid")  # fmt: skip
DAY_COLUMNS = ("station", "day", "aqi", "category", "primary_pollutant", "pm25", "pm10", "o3_8h_max", "stations")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value


class OverviewService:
    def __init__(self, airquality: AirQualityService, targets: TargetService) -> None:
        self.airquality = airquality
        self.target_service = targets
        self._lock = threading.Lock()  # guards the cached values
        self._computing = threading.Lock()  # held while a place's targets are computed
        self._key: tuple[Any, ...] | None = None
        self._air: dict[str, Any] | None = None
        self._targets: dict[tuple[str, int | None, tuple[Any, ...]], dict[str, Any]] = {}
        self._stations: dict[str, tuple[tuple[Any, ...] | None, dict[str, Any]]] = {}
        self._history: tuple[tuple[Any, ...], dict[int, dict[str, list[dict[str, Any]]]]] | None = None

    def _signature(self) -> tuple[Any, ...]:
        files = self.airquality.store.files("sites")
        newest = max((f.stat().st_mtime_ns for f in files[-31:]), default=0)
        classes = self.airquality.classes_path  # a class correction changes the city values
        corrected = classes.stat().st_mtime_ns if classes.is_file() else 0
        return (len(files), files[-1].name if files else None, newest, self.airquality.areas_path.is_file(), corrected)

    def air(self) -> dict[str, Any]:
        """{"span", "month", "ranking", "days"}: empty lists when no station data is imported."""
        with self._lock:
            key = self._signature()
            if self._air is None or key != self._key:
                self._air, self._key = self._compute(), key
            return self._air

    def ranking(self, province: str | None) -> dict[str, Any]:
        """The month's city ranking (:meth:`air`) among the cities of ``province`` (the areas map, ``aq
        areas import``: its prefecture-level cities, :func:`places_under`), ranked again among themselves
        (competition ranks by composite index: ties share a rank; a city whose month is not valid, HJ
        663, is not ranked: the rankings page's month view, :class:`RankingService`); None: every city.
        {"month", "complete", "data_until", "province", "rows"}."""
        air = self.air()
        rows = [dict(r) for r in air["ranking"]]
        if province is not None:
            cities = {place_key(c) for c in places_under(province, self.airquality.area_maps())}
            cities = cities or self.cities_of(province)
            rows = [r for r in rows if place_key(str(r["station"])) in cities]
            ranked = sorted((r for r in rows if r["rank"] is not None and r["composite_index"] is not None
                             and r.get("valid", True)), key=lambda r: r["composite_index"])  # fmt: skip
            for i, r in enumerate(ranked):
                same = i > 0 and ranked[i - 1]["composite_index"] == r["composite_index"]
                r["rank"] = ranked[i - 1]["rank"] if same else i + 1
            others = [r for r in rows if r not in ranked]
            for r in others:
                r["rank"] = None
            rows = [*ranked, *sorted(others, key=lambda r: str(r["station"]))]
        span = air["span"]
        return {"month": air["month"], "complete": air.get("complete", True), "data_until": span[1] if span else None,
                "province": province, "rows": rows}  # fmt: skip

    def cities_of(self, province: str) -> set[str]:
        """The cities the areas map places in ``province``, by :func:`place_key`."""
        return {place_key(c) for c, p in self.airquality.province_map().items() if place_key(p) == place_key(province)}

    def province_of(self, place: str, parents: list[str]) -> str | None:
        """The province (省级行政区) of ``place`` given the places above it (nearest first): the
        furthest of them, or ``place`` itself when the areas map names it as a province."""
        known = {place_key(p): p for p in self.airquality.province_map().values()}
        for name in reversed([place, *parents]):
            if place_key(name) in known:
                return known[place_key(name)]
        return None

    def trend(self, jurisdiction: str, year: int | None = None, runs: int = 200) -> dict[str, Any]:
        """The place's targets with their value-to-date curves (:meth:`TargetService.trend`), kept for
        ten minutes, or until the hourly store or the targets change (a plan revised: 降尘 2.2 → 2.0)."""
        key = (jurisdiction, year, (*self._current_key(), *self.target_service.marker(), int(time.time() // 600)))
        with self._lock:
            if key in self._targets:
                return self._targets[key]
        with self._computing:  # one computation at a time: the users who asked meanwhile take its result
            with self._lock:
                if key in self._targets:
                    return self._targets[key]
            trend = self.target_service.trend(jurisdiction, year, runs=runs)
            plain = {k: _plain(v) for k, v in trend.items() if k != "rows"}
            plain["rows"] = [{k: _plain(v) for k, v in r.items()} for r in trend["rows"]]
            with self._lock:
                self._targets = {k: v for k, v in self._targets.items() if k[2] == key[2]}  # this window's only
                self._targets[key] = plain
            return plain

    def stations(self, city: str) -> dict[str, Any]:
        """{"city", "stations": [{"code", "name", "control"}], "days"}: the city's stations (the list in
        force on the last day) and their daily AQI over the window of :meth:`air`."""
        air = self.air()
        with self._lock:
            if city in self._stations and self._stations[city][0] == self._key:
                return self._stations[city][1]
            key = self._key
        out: dict[str, Any] = {"city": city, "stations": [], "days": []}
        if air["span"]:
            first, last = (dt.date.fromisoformat(d) for d in air["span"])
            registry = self.airquality.registry()
            listed = registry.in_force(last)
            described = (registry.lookup(code, last) for code in (listed.stations if listed else ()))
            chosen = sorted((s for s in described if s is not None and s.city == city), key=lambda s: s.code)
            out["stations"] = [
                {"code": s.code, "name": s.name, "control": s.control, "class": class_label(s)} for s in chosen
            ]
            if chosen:
                start = max(first, last - dt.timedelta(days=365))
                rows = self.airquality.assessment().stations_daily([s.code for s in chosen], start, last, Options())
                out["days"] = [{k: _plain(r.get(k)) for k in DAY_COLUMNS} for r in rows]
        if out["stations"]:  # a name with no stations is not kept (any text may be asked for)
            with self._lock:
                self._stations = {k: v for k, v in self._stations.items() if v[0] == key}
                self._stations[city] = (key, out)
        return out

    # ---------------------------------------------------------------- a city's days, year by year
    def city_years(self, city: str) -> list[int]:
        """Every year with daily values of ``city`` (计算值 from the hourly store, or 发布值 imported as
        history), newest first: the air-quality page's year selector."""
        return sorted((y for y, cities in self._years().items() if city in cities), reverse=True)

    def city_names(self) -> list[str]:
        """Every city with daily values in some year."""
        return sorted({c for cities in self._years().values() for c in cities})

    def city_days(self, city: str, year: int) -> list[dict[str, Any]]:
        """The city's daily AQI in ``year`` (the rows of :meth:`air`'s ``days``, with ``source``:
        ``computed`` from station hours, else ``published``), by day."""
        return self._years().get(year, {}).get(city, [])

    def _years(self) -> dict[int, dict[str, list[dict[str, Any]]]]:
        published = self.airquality.published.path
        key = (*self._current_key(), published.stat().st_mtime_ns if published.is_file() else 0)
        with self._lock:
            if self._history is not None and self._history[0] == key:
                return self._history[1]
        with self._computing:
            with self._lock:
                if self._history is not None and self._history[0] == key:
                    return self._history[1]
            years = self._compute_years()
            with self._lock:
                self._history = (key, years)
            return years

    def _compute_years(self) -> dict[int, dict[str, list[dict[str, Any]]]]:
        out: dict[int, dict[str, dict[str, dict[str, Any]]]] = {}
        years = sorted({int(f.parent.parent.name.removeprefix("year=")) for f in self.airquality.store.files("sites")})
        if years:
            assessment = self.airquality.assessment()
            for year in years:
                rows = assessment.daily("city", dt.date(year, 1, 1), dt.date(year, 12, 31), Options())
                for r in rows:
                    row = {k: _plain(r.get(k)) for k in DAY_COLUMNS} | {"source": "computed"}
                    out.setdefault(year, {}).setdefault(row["station"], {})[row["day"]] = row
        for (city, day), (values, _) in self.airquality.published_days().items():
            days = out.setdefault(day.year, {}).setdefault(city, {})
            if day.isoformat() in days and days[day.isoformat()]["aqi"] is not None:
                continue  # a value computed from the station hours wins over the published one
            aqi = values.get("aqi")
            level = standard_for(day).level_of(round(aqi)) if aqi is not None else None
            days[day.isoformat()] = {
                "station": city, "day": day.isoformat(), "aqi": round(aqi) if aqi is not None else None,
                "category": level.category if level else None, "primary_pollutant": None,
                "pm25": values.get("pm25"), "pm10": values.get("pm10"), "o3_8h_max": None, "stations": None,
                "source": "published",
            }  # fmt: skip
        return {y: {c: [d[k] for k in sorted(d)] for c, d in cities.items()} for y, cities in out.items()}

    def _current_key(self) -> tuple[Any, ...]:
        with self._lock:
            return self._signature()

    def _compute(self) -> dict[str, Any]:
        try:
            assessment = self.airquality.assessment()
        except NotFoundError:
            return {"span": None, "month": None, "complete": True, "ranking": [], "days": []}
        span = assessment.span()
        if span is None:
            return {"span": None, "month": None, "complete": True, "ranking": [], "days": []}
        first, last = span
        month, complete = ranked_month(first, last)  # the newest complete month (HJ 663: its days are in)
        ranking = assessment.period("city", parse_period(month), Options(), with_last_year=False)
        ranking.sort(key=lambda r: (r.get("rank") is None, r.get("rank") or 0, r["station"]))
        start = max(first, last - dt.timedelta(days=365))
        days = assessment.daily("city", start, last, Options())
        return {
            "span": [first.isoformat(), last.isoformat()],
            "month": month,
            "complete": complete,  # False: no whole month of data yet; the partial one is ranked
            "ranking": [
                {k: _plain(r.get(k)) for k in RANK_COLUMNS} | {"valid": period_why(r)[0] is None} for r in ranking
            ],
            "days": [{k: _plain(r.get(k)) for k in DAY_COLUMNS} for r in days],
        }
