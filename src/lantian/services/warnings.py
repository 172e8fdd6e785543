"""Heavy-pollution weather (重污染天气): warning levels from forecasts, and forecast verification
against the observed city daily values. docs/warnings.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from lantian.documents.read import decode_text
from lantian.documents.tables import table_rows
from lantian.domain.targets.registry import place_key
from lantian.domain.tracking.model import SYSTEM, Actor
from lantian.domain.warnings import lifecycle
from lantian.domain.warnings.forecast import HEADER, REQUIRED, ForecastRow, parse_forecast_rows, pollutant_keys
from lantian.domain.warnings.levels import LABELS, Scheme, Slot, highest, levels, parse_schemes
from lantian.domain.warnings.readings import READING_HEADER, READING_REQUIRED, Compliance, compliance, parse_readings
from lantian.domain.warnings.reduction import POLLUTANTS, CheckResult, EnterpriseResult, Measure
from lantian.domain.warnings.verification import Pair, Scores, by, lead_label, month_label, scores, year_label
from lantian.errors import ConflictError, InputError, NotFoundError
from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Assessment
from lantian.services.audit import AuditTrail
from lantian.services.places import PlaceService
from lantian.services.reduction import ReductionService
from lantian.services.targets import city_days
from lantian.storage.store import Store


def load_schemes(path: Path | None = None) -> dict[str, Scheme]:
    if path is None:
        text = resources.files("lantian.data").joinpath("warning_schemes.toml").read_text(encoding="utf-8")
        return parse_schemes(text, name="warning_schemes.toml")
    if not path.is_file():
        raise InputError("file not found (文件不存在)", file=str(path))
    return parse_schemes(decode_text(path.read_bytes(), name=str(path))[0], name=str(path))


def write_forecast_template(path: Path) -> None:
    """The forecast template (预报模板, shipped as lantian/data/forecast_template.csv): the columns
    :func:`read_forecast` reads and a worked example (南京, 2025-01-02 … 07), UTF-8 with a BOM so Excel
    on Chinese Windows opens it."""
    text = resources.files("lantian.data").joinpath("forecast_template.csv").read_text(encoding="utf-8")
    if path.suffix.lower() != ".csv":
        raise InputError("the forecast template is a .csv file (预报模板为 .csv 文件)", file=str(path), field="output")
    try:
        path.write_text("\ufeff" + text.lstrip("\ufeff"), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the template: {exc.strerror or exc} (无法写入)", file=str(path)) from None


def read_forecast(path: Path) -> list[ForecastRow]:
    """A forecast file (.csv UTF-8/GBK, or .xlsx: the first sheet), checked row by row."""
    rows = table_rows(path, header=HEADER, required=REQUIRED, what="预报 forecast")
    return parse_forecast_rows(rows, name=str(path))


@dataclass
class InForce:
    """What is in force for a place at a moment: the level, whose warning it is, and its list's measures."""

    jurisdiction: str
    at: dt.datetime
    segment: lifecycle.Segment | None
    enterprises: list[EnterpriseResult]  # those with measures at the level
    reductions: dict[str, float]  # pollutant → t/a removed while the level is in force
    baselines: dict[str, float]
    list_file: str | None

    @property
    def level(self) -> str | None:
        return self.segment.level if self.segment else None


@dataclass
class WarningService:
    airquality: AirQualityService
    store: Store
    reduction: ReductionService
    audit: AuditTrail
    directory: PlaceService | None = None  # 辖区目录: the one answer to "which places are above this one"

    def levels(self, path: Path, scheme: str, schemes_file: Path | None = None) -> list[dict[str, Any]]:
        """The warning level of each forecast series (city × issue) and of each of its days or hours."""
        schemes = load_schemes(schemes_file)
        if scheme not in schemes:
            raise InputError(f"unknown scheme {scheme!r}; use {' | '.join(schemes)} (预警方案)", field="scheme")
        chosen = schemes[scheme]
        series: dict[tuple[str, dt.datetime], list[ForecastRow]] = {}
        for row in read_forecast(path):
            series.setdefault((row.city, row.issued), []).append(row)
        out = []
        for (city, issued), rows in sorted(series.items()):
            rows.sort(key=lambda r: (r.date, -1 if r.hour is None else r.hour))
            slots = [_slot(r) for r in rows]
            result = levels(slots, chosen)
            level = highest(result)
            out.append({
                "city": city, "issued": issued, "scheme": chosen.code, "scheme_title": chosen.title,
                "scheme_verified": chosen.verified, "level": level, "label": LABELS.get(level or "", "无预警"),
                "days": [
                    {"date": r.date, "hour": r.hour, "aqi": r.aqi, "level": x.level, "rule": x.rule}
                    for r, x in zip(rows, result, strict=True)
                ],
            })  # fmt: skip
        return out

    def verify(self, path: Path) -> tuple[list[Pair], list[Scores], list[Scores], list[Scores], Scores]:
        """Every daily forecast against the observed city daily AQI: by lead time, month and year, overall."""
        forecasts = [r for r in read_forecast(path) if r.hour is None]
        try:
            assessment: Assessment | None = self.airquality.assessment()
        except NotFoundError:
            assessment = None
        observed = {place_key(city): days for city, days in city_days(self.airquality, assessment).items()}
        pairs = []
        for f in forecasts:
            day = observed.get(place_key(f.city), {}).get(f.date)
            if day is None or day.get("aqi") is None:
                continue
            primary = pollutant_keys(str(day.get("primary_pollutant") or "")) or ()
            pairs.append(Pair(f, int(day["aqi"]), primary))
        if not pairs:
            raise NotFoundError(
                "no forecast day has an observed daily AQI; import station data or published values "
                "(没有可对照的实测日AQI，请先导入站点监测数据或发布值)",
                field="forecast",
            )
        return pairs, by(pairs, lead_label), by(pairs, month_label), by(pairs, year_label), scores("all", pairs)

    # ------------------------------------------------------------------ a warning's life
    def parents(self, jurisdiction: str) -> list[str]:
        """The places above ``jurisdiction`` whose warnings it answers (省级预警、市县响应): a city's
        province (``aq areas import``); a county's city (``aq areas import --counties``) and that city's.
        With the place directory (:class:`PlaceService`), its answer; the area maps alone otherwise."""
        if self.directory is not None:
            return self.directory.ancestors(jurisdiction)
        key = place_key(jurisdiction)
        provinces = {place_key(c): p for c, p in self.airquality.province_map().items()}
        if key in provinces:
            prefecture = {place_key(c): p for c, p in self.airquality.prefecture_map().items()}.get(key)
            if prefecture is not None and place_key(prefecture) != key:  # 昆山 → 苏州市 → 江苏省
                return [prefecture, provinces[key]]
            return [provinces[key]]
        stations = [s for s, county in self.airquality.county_map().items() if place_key(county) == key]
        if stations:
            cities = {
                st.city for x in self.airquality.registry().lists for code, st in x.stations.items() if code in stations
            }
            if cities:  # a county's stations lie in one city; the first by name otherwise
                city = min(cities)
                return [city, *self.parents(city)]
        return []

    def record(
        self,
        jurisdiction: str,
        level: str | None,
        at: dt.datetime,
        issuer: str,
        note: str = "",
        actor: Actor = SYSTEM,
    ) -> lifecycle.Event:
        """Issue, upgrade or downgrade (``level``) or lift (None) a place's warning at ``at``;
        ``actor`` (a web user, or the command line) is audited in the same transaction."""
        if not jurisdiction.strip():
            raise InputError("name the jurisdiction (请填写辖区)", field="jurisdiction")
        key = place_key(jurisdiction)
        try:
            with self.audit.changing(actor) as (repo, audit):
                events = repo.warning_events([key]).get(key, [])
                event = lifecycle.next_event(events, jurisdiction.strip(), level, at, issuer, note)
                repo.add_warning_event(key, len(events) + 1, event, dt.datetime.now(dt.UTC))
                audit(f"warning.{event.action}", "warning", jurisdiction.strip(), None, asdict(event))
        except IntegrityError:
            raise ConflictError(
                f"{jurisdiction}: another user recorded a warning event at the same time; look at the history and "
                "try again (他人同时登记了预警事件，请查看后重试)", field="jurisdiction",
            ) from None  # fmt: skip
        return event

    def history(self, jurisdiction: str) -> tuple[list[lifecycle.Event], list[lifecycle.Segment], list[str]]:
        """The place's own events, the level in force over time (its own or its parents'), and its parents."""
        parents = self.parents(jurisdiction)
        keys = [place_key(jurisdiction), *(place_key(p) for p in parents)]
        with self.store.reading() as repo:
            events = repo.warning_events(keys)
        own = events.get(keys[0], [])
        return own, lifecycle.effective(own, {k: events.get(k, []) for k in keys[1:]}), parents

    def places(self) -> list[str]:
        """Every place that has recorded a warning event, by the name of its newest event."""
        with self.store.reading() as repo:
            return sorted(events[-1].jurisdiction for events in repo.warning_events().values() if events)

    def level_at(self, jurisdiction: str, at: dt.datetime) -> lifecycle.Segment | None:
        """The warning in force in ``jurisdiction`` at ``at`` (its own or answered from a place above),
        without the measures :meth:`in_force` reads from the kept list: what a page's banner shows."""
        _, spans, _ = self.history(jurisdiction)
        segment = lifecycle.at(spans, at)
        return segment if segment is not None and segment.level is not None else None

    def in_force(self, jurisdiction: str, at: dt.datetime) -> InForce:
        """The level in force at ``at`` and, from the place's kept reduction list, the measures at that level."""
        _, spans, _ = self.history(jurisdiction)
        segment = lifecycle.at(spans, at)
        zero = dict.fromkeys(POLLUTANTS, 0.0)
        meta = self.reduction.meta(jurisdiction)
        if meta is None:
            return InForce(jurisdiction, at, segment, [], zero, zero, None)
        kept, listed = self.reduction.kept(jurisdiction), str(meta["file"])
        base = {lv.pollutant: lv.baseline_t for lv in kept.levels}
        if segment is None or segment.level is None:
            return InForce(jurisdiction, at, segment, [], zero, base, listed)
        level = segment.level
        active = [r for r in kept.enterprises if r.measures[level]]
        reductions = {p: sum(r.reductions[level][p] for r in kept.enterprises) for p in POLLUTANTS}
        return InForce(jurisdiction, at, segment, active, reductions, base, listed)

    def readings(
        self, jurisdiction: str, path: Path, *, baseline_days: int = 7, tolerance: float = 0.1
    ) -> list[Compliance]:
        """Readings (electricity, online monitoring) against the cuts the kept list commits to, per warning level."""
        if baseline_days < 1:
            raise InputError("baseline days must be at least 1 (基准天数至少为1)", field="baseline_days")
        rows = table_rows(path, header=READING_HEADER, required=READING_REQUIRED, what="读数 readings")
        readings = parse_readings(rows, file=str(path))
        _, spans, _ = self.history(jurisdiction)
        if not spans:
            raise NotFoundError(f"{jurisdiction} has no warning on record (尚无预警记录)", field="jurisdiction")
        kept = self.reduction.kept(jurisdiction)
        return compliance(readings, spans, _committed(kept), baseline_days=baseline_days, tolerance=tolerance)


def _committed(kept: CheckResult) -> Any:
    """committed(code, object, level) → the cut the list promises: an object's strictest measure, or
    the enterprise's reduction over its baseline (the four pollutants summed)."""
    results = {r.enterprise.code: r for r in kept.enterprises}

    def committed(code: str, target: str, level: str) -> float | None:
        r = results.get(code)
        if r is None:
            return None
        if target:
            shares = [m.share for m in r.measures[level] if _same(m, target)]
            whole = [
                m.share for m in r.measures[level] if m.target in ("全厂", "全部") and m.action in ("stop", "limit")
            ]
            return max(shares + whole) if shares or whole else 0.0
        base = sum(r.enterprise.baseline.values())
        return sum(r.reductions[level].values()) / base if base > 0 else None

    return committed


def _same(m: Measure, target: str) -> bool:
    return m.action in ("stop", "limit") and m.target == target


def _slot(r: ForecastRow) -> Slot:
    start = dt.datetime.combine(r.date, dt.time())
    if r.hour is None:
        return Slot(start, 24, r.aqi)
    return Slot(start + dt.timedelta(hours=r.hour), 1, r.aqi)
