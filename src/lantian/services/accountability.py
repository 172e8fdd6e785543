"""Accountability (考核问责): monthly rankings from the air-quality engine, the configured flags and
escalation ladders over them, ecological-compensation settlements and the target cascade.

The rules are configuration (``lantian/data/accountability.toml``, or a user's file); the rule
logic is pure (:mod:`lantian.domain.targets.accountability`). docs/accountability.md.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from lantian.documents.read import decode_text
from lantian.domain.aq.periods import Period, parse_period
from lantian.domain.places import places_under
from lantian.domain.plans.model import TaskStatus
from lantian.domain.plans.records import TaskFilter
from lantian.domain.standards.ranking import competition_ranks
from lantian.domain.targets.accountability import (
    TARGET_INDICATORS,
    CascadeRow,
    Escalation,
    Flag,
    ImprovementScheme,
    OwnTarget,
    PerUnitScheme,
    Ranking,
    Rules,
    Settlement,
    cascade,
    escalations,
    parse_rules,
    settle_improvement,
    settle_per_unit,
    settle_ranks,
    streak_flags,
)
from lantian.domain.targets.compensation import Confirmation, PeriodSettlement, differences, period_code
from lantian.domain.targets.registry import INDICATORS, TargetEntry, place_key
from lantian.domain.targets.scorecard import Ranked, ReportedLine, Scorecard, TargetLine, ranking, scorecard
from lantian.domain.tracking.access import require_admin
from lantian.domain.tracking.model import Actor
from lantian.errors import ConflictError, InputError, NotFoundError
from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Options, stations_text
from lantian.services.audit import AuditTrail
from lantian.services.plans import PlanService
from lantian.services.targets import TargetService

RANK_KEYS = {"composite": "rank", "pm25": "pm25_rank", "good_ratio": "good_ratio_rank", "change": "change_rank"}


def load_rules(path: Path | None = None) -> Rules:
    """The user's rules file, or the defaults lantian ships."""
    if path is None:
        text = resources.files("lantian.data").joinpath("accountability.toml").read_text(encoding="utf-8")
        return parse_rules(text, name="accountability.toml")
    if not path.is_file():
        raise InputError("file not found (文件不存在)", file=str(path))
    text, _ = decode_text(path.read_bytes(), name=str(path))
    return parse_rules(text, name=str(path))


@dataclass(frozen=True)
class MonthlySeries:
    level: str
    ranking: str
    months: list[Period]
    rows: dict[str, list[dict[str, Any]]]  # period label → the period statistics rows

    def series(self, ranking: str | None = None) -> list[tuple[str, Ranking]]:
        key = RANK_KEYS[ranking or self.ranking]
        return [(m.label, {r["station"]: r[key] for r in self.rows[m.label]}) for m in self.months]


@dataclass
class AccountabilityService:
    airquality: AirQualityService
    targets: TargetService
    plans: PlanService
    audit: AuditTrail | None = None  # where confirmed settlements are kept (确认结算), audited
    # period rows kept until the data or the maps change (data_signature): the flags, compensation and
    # scorecard pages ask for the same months again and again
    _kept_rows: dict[tuple[Any, ...], list[dict[str, Any]]] = field(default_factory=dict, init=False, repr=False)

    def places(self, office: str | None) -> list[str] | None:
        """The places an office's rankings, flags, compensation and scorecards run over (辖区内的下级):
        a province's cities, a city's counties (:func:`places_under`). None (every place stored) when
        no office is named; an office whose maps name nothing under it is an error, never a silent
        "every place"."""
        if office is None:
            return None
        under = places_under(office, self.airquality.area_maps())
        if not under:
            raise NotFoundError(
                f"the area maps name no place under {office}: import them with `lantian aq areas import` "
                f"({office}的下级辖区未知，请大气办先导入区域对照表)",
                field="place",
            )
        return under

    def level_of(self, places: list[str] | None) -> str:
        """The assessment level the places are valued at: county-map counties at ``county``, cities
        and county-level cities (their own stations in the national lists) at ``city``."""
        if places is None:
            return "city"
        counties = set(self.airquality.area_maps().county_city)
        return "county" if places and all(p in counties for p in places) else "city"

    def monthly(
        self,
        first: str,
        last: str,
        *,
        level: str = "city",
        ranking: str = "composite",
        places: list[str] | None = None,
    ) -> MonthlySeries:
        """The period statistics and rankings of every month from ``first`` to ``last`` (YYYY-MM),
        among ``places`` when given (:meth:`places`)."""
        if ranking not in RANK_KEYS:
            raise InputError(f"unknown ranking {ranking!r}; use {' | '.join(RANK_KEYS)} (未知的排名方式)", field="by")
        start, end = parse_period(first), parse_period(last)
        if start.end > end.end:
            raise InputError(f"{first} is after {last} (起止月份颠倒)", field="from")
        months: list[Period] = []
        day = start.start
        while day <= end.end:
            months.append(parse_period(f"{day:%Y-%m}"))
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if len(months) > 120:
            raise InputError("at most 120 months at a time (一次最多120个月)", field="to")
        rows = {m.label: self.period_rows(level, m, ranking == "change", places) for m in months}
        return MonthlySeries(level, ranking, months, rows)

    def flags(self, series: MonthlySeries, rules: Rules) -> tuple[list[Flag], list[Escalation]]:
        return self.flags_over(series.series(), rules)

    def flags_over(self, ranked: list[tuple[str, Ranking]], rules: Rules) -> tuple[list[Flag], list[Escalation]]:
        """The flags and the ladder over monthly ranks (period label → place → rank)."""
        flags = [f for rule in rules.streaks for f in streak_flags(ranked, rule)]
        ladder = [e for lad in rules.ladders for e in escalations(ranked, lad)]
        return flags, ladder

    def compensation(
        self, period: Period, rules: Rules, *, level: str = "city", places: list[str] | None = None
    ) -> list[Settlement]:
        """The settlements of ``period`` under each scheme, among ``places`` when given (:meth:`places`)."""
        rows = self.period_rows(level, period, any(s.ranking == "change" for s in rules.rank_schemes), places)
        if not rows:
            raise NotFoundError(
                f"no {level} values for {period.label} among the places settled "
                f"({period.label}参与结算的各地均无空气质量数据)",
                field="period",
            )
        out: list[Settlement] = []
        for scheme in rules.per_unit:
            values = _values(rows, scheme.name, scheme.indicator)
            targets = self.own_targets(scheme, period, level, list(values), places) if scheme.own_target else None
            out.extend(settle_per_unit(scheme, values, targets))
        for improvement in rules.improvement:
            values = _values(rows, improvement.name, improvement.indicator)
            earlier_rows = self.period_rows(level, _earlier(period, improvement), False, places)
            earlier = _values(earlier_rows, improvement.name, improvement.indicator) if earlier_rows else {}
            out.extend(settle_improvement(improvement, values, earlier))
        for rank_scheme in rules.rank_schemes:
            if rank_scheme.ranking not in RANK_KEYS:
                raise InputError(
                    f"{rank_scheme.name}: unknown ranking {rank_scheme.ranking!r} (未知的排名方式)", field="ranking"
                )
            key = RANK_KEYS[rank_scheme.ranking]
            out.extend(settle_ranks(rank_scheme, {r["station"]: r[key] for r in rows}))
        return out

    def own_targets(
        self, scheme: PerUnitScheme, period: Period, level: str, stations: list[str], places: list[str] | None
    ) -> dict[str, OwnTarget]:
        """Each place's own target of ``period``'s year for the scheme's indicator (TargetService:
        the plan annexes, 003 附件1–2, or a user's entry): an absolute one as it is, a relative one
        (较2020年下降3%) applied to the place's baseline-year value (to 0.1). A place with none, or
        with one the other way round (≥ for a lower-is-better scheme), is left out: the scheme's
        fallback applies, and its arithmetic says so."""
        indicator = TARGET_INDICATORS.get(scheme.indicator)
        if indicator is None:
            return {}
        year = period.start.year
        entries = [e for e in self.targets.targets(year=year) if e.indicator == indicator]
        wanted = {"<=", "decrease_by"} if scheme.lower_is_better else {">=", "increase_by"}
        chosen: dict[str, TargetEntry] = {}
        for station in stations:
            for e in entries:
                if e.comparator in wanted and _names(e.jurisdiction, station):
                    chosen[station] = e
                    break
        baselines: dict[int, dict[str, Decimal | None]] = {}
        out: dict[str, OwnTarget] = {}
        for station, e in chosen.items():
            source = f"{e.jurisdiction}{e.year}年目标，{'用户登记' if e.source == 'user' else e.source}"
            if e.comparator in ("<=", ">="):
                out[station] = OwnTarget(Decimal(str(e.value)), source)
                continue
            assert e.baseline_year is not None
            if e.baseline_year not in baselines:
                base_period = parse_period(str(e.baseline_year))
                rows = self.period_rows(level, base_period, False, places)
                baselines[e.baseline_year] = _values(rows, scheme.name, scheme.indicator) if rows else {}
            base = baselines[e.baseline_year].get(station)
            if base is None:
                continue
            sign = -1 if e.comparator == "decrease_by" else 1
            value = (base * (1 + sign * Decimal(str(e.value)) / 100)).quantize(Decimal("0.1"))
            word = "下降" if sign < 0 else "提高"
            out[station] = OwnTarget(value, f"{source}：{e.baseline_year}年 {base} {word}{_plain(e.value)}%")
        return out

    def settlement(
        self, period: str, rules: Rules, *, office: str | None, level: str | None = None
    ) -> PeriodSettlement:
        """The settlement of ``period`` (2025-01 | 2025-Q1 | 2025) over ``office``'s places (every
        place stored when None), as the data gives it now."""
        code = period_code(period)
        the_period = parse_period(code)
        places = self.places(office)
        lines = self.compensation(the_period, rules, level=level or self.level_of(places), places=places)
        schemes = (*(s.name for s in rules.per_unit), *(s.name for s in rules.improvement),
                   *(s.name for s in rules.rank_schemes))  # fmt: skip
        return PeriodSettlement(office or "", code, the_period.label, rules.source, schemes, tuple(lines))

    def confirmed(self, office: str | None, period: str) -> PeriodSettlement | None:
        """The settlement the admin confirmed for ``office`` and ``period``, as it was frozen."""
        if self.audit is None:
            return None
        from lantian.storage.compensation import CompensationRepository

        with self.audit.store.tracking_read() as repo:
            return CompensationRepository(repo.session).get(office or "", period_code(period))

    def confirm(
        self, actor: Actor, unit: str, settlement: PeriodSettlement, *, replace: bool = False
    ) -> tuple[PeriodSettlement, list[str]]:
        """确认结算: freeze ``settlement`` as the office's for its period (the office's admin only;
        audited). A settlement already confirmed is kept when the amounts are the same; when they
        differ it is replaced only with ``replace`` — otherwise a ConflictError lists what differs.
        Returns the stored settlement and what differed from the one it replaced."""
        if self.audit is None:
            raise NotFoundError("no store for settlements (未配置存储)")
        from lantian.storage.compensation import CompensationRepository

        require_admin(actor, settlement.office)
        with self.audit.writing() as repo:
            kept = CompensationRepository(repo.session)
            before = kept.get(settlement.office, settlement.period)
            changed = [] if before is None else differences(before, settlement)
            if before is not None and not changed:
                return before, []
            if before is not None and not replace:
                raise ConflictError(
                    f"the settlement confirmed before differs in {len(changed)} lines (与已确认的结算有"
                    f"{len(changed)}处不同，请核对后选择替换)：" + "；".join(changed[:20])
                )
            stored = replace_confirmation(settlement, Confirmation(actor.username, unit, self.audit.clock()))
            kept.put(stored)
            self.audit.record(
                repo, actor, "compensation.confirm", "compensation", f"{stored.office}·{stored.period}",
                None if before is None else _audit_view(before), _audit_view(stored), places=[stored.office or None],
            )  # fmt: skip
        return stored, changed

    def period_rows(
        self, level: str, period: Period, with_last_year: bool, places: list[str] | None
    ) -> list[dict[str, Any]]:
        """:meth:`_period_rows`, kept until the data or the maps change (each caller gets copies)."""
        key = (level, period.label, with_last_year, None if places is None else tuple(sorted(places)),
               data_signature(self.airquality))  # fmt: skip
        kept = self._kept_rows.get(key)
        if kept is None:
            kept = self._period_rows(level, period, with_last_year, places)
            if len(self._kept_rows) > 256:
                self._kept_rows.clear()
            self._kept_rows[key] = kept
        return [dict(r) for r in kept]

    def _period_rows(
        self, level: str, period: Period, with_last_year: bool, places: list[str] | None
    ) -> list[dict[str, Any]]:
        """The engine's period rows among ``places``, ranked among themselves; places of both kinds (a
        city's county-level cities and its county-map districts) valued each at its own level. A
        period without a day of station data has no rows (the engine is not asked)."""
        on_record = self.airquality.months_on_record()
        if not any(
            (year, month) in on_record
            for year in range(period.start.year, period.end.year + 1)
            for month in range(1, 13)
            if period.start.replace(day=1) <= dt.date(year, month, 1) <= period.end
        ):
            return []
        assessment = self.airquality.assessment()
        counties = {place_key(c) for c in self.airquality.area_maps().county_city}
        if places is None or level != "city" or not any(place_key(p) in counties for p in places):
            return assessment.period(level, period, Options(), with_last_year=with_last_year, places=places)
        rows = [*assessment.period("county", period, Options(), with_last_year=with_last_year,
                                   places=[p for p in places if place_key(p) in counties]),
                *assessment.period("city", period, Options(), with_last_year=with_last_year,
                                   places=[p for p in places if place_key(p) not in counties])]  # fmt: skip
        for key, column, descending in (("rank", "composite_index", False), ("pm25_rank", "pm25", False),
                                        ("good_ratio_rank", "good_ratio", True),
                                        ("change_rank", "change_percent", False)):  # fmt: skip
            ranks = competition_ranks({r["station"]: r.get(column) for r in rows}, descending=descending)
            for r in rows:
                r[key] = ranks[r["station"]]
        return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["station"]))

    def cascade(self, year: int) -> list[CascadeRow]:
        entries = self.targets.targets(year=year)
        return cascade([(e.jurisdiction, e.indicator, e.comparator, e.value) for e in entries])

    def scorecard(self, jurisdiction: str, as_of: dt.date, rules: Rules) -> Scorecard:
        """The jurisdiction's 考核 scorecard on ``as_of``: its measured targets of that year (value to
        date against target; those measured from progress reports by their % complete) and the tasks
        of its plans due by then (completed or not)."""
        try:
            rows = self.targets.status(jurisdiction, as_of, runs=0)
        except NotFoundError:
            rows = []
        lines, reported = [], []
        for r in rows:
            if is_reported(r):
                if r.get("measured"):  # measured from accepted progress reports: scored by % complete
                    reported.append(reported_line(r))
                continue
            if not r["measured"]:
                continue
            if r.get("target_value") is None:  # not measured here (no monitoring data): listed, not scored
                if r["comparator"] not in ("<=", ">=") or r.get("target") is None:
                    continue  # a relative target without its baseline has no threshold to show
                lines.append(TargetLine(r["indicator"], r["label"], r["comparator"], Decimal(str(r["target"])), None))
                continue
            comparator = {"decrease_by": "<=", "increase_by": ">="}.get(r["comparator"], r["comparator"])
            target = Decimal(str(r["target_value"]))
            if r["comparator"] in ("decrease_by", "increase_by"):
                target = target.quantize(Decimal("0.1"))
            value = None if r["value_to_date"] is None else Decimal(str(r["value_to_date"]))
            lines.append(TargetLine(r["indicator"], r["label"], comparator, target, value))
        key = place_key(jurisdiction)
        plans = [p.key for p in self.plans.list_plans() if p.jurisdiction and place_key(p.jurisdiction) == key]
        due = completed = 0
        for plan in plans:
            for task in self.plans.list_tasks(TaskFilter(plan=plan)):
                last = task.last_deadline()
                if last is not None and last <= as_of:
                    due += 1
                    completed += task.status is TaskStatus.COMPLETED
        if not lines and not reported and not plans:
            message = (
                f"nothing to score for {jurisdiction} in {as_of.year}: no targets, no plans (没有可考核的目标和任务)"
            )
            raise NotFoundError(message, field="jurisdiction")
        return scorecard(jurisdiction, lines, due, completed, rules.weights, reported)

    def scorecards(self, places: list[str], as_of: dt.date, rules: Rules) -> list[Ranked]:
        """The scorecards of ``places`` (:meth:`places`) ranked by total, ties sharing a rank (并列); a
        place with nothing to score is listed last, unranked, with an empty card."""
        cards = []
        for place in places:
            try:
                cards.append(self.scorecard(place, as_of, rules))
            except NotFoundError:
                cards.append(Scorecard(place, [], None, None, None, "", weights=rules.weights))
        return ranking(cards)


SYMBOLS = {"<=": "≤", ">=": "≥"}


def is_reported(row: dict[str, Any]) -> bool:
    """A target status row measured from progress reports (其他目标), not from monitoring data."""
    if row.get("measured_from") is not None:
        return bool(row["measured_from"] == "reports")
    spec = INDICATORS.get(str(row["indicator"]))
    return spec is None or spec.kind == "reported"


def reported_line(row: dict[str, Any]) -> ReportedLine:
    """A reported target's line: its target as written (≥ 16 万辆, 较2020年下降 3%), value and % complete."""
    unit = row.get("unit") or ""
    number = f"{Decimal(str(row['target'])).normalize():f}" if row.get("target") is not None else "—"
    comparator = str(row["comparator"])
    if comparator in ("decrease_by", "increase_by"):
        verb = "下降" if comparator == "decrease_by" else "提高"
        target = f"较{row.get('baseline_year') or '基准年'}年{verb} {number}{unit or '%'}"
    else:
        target = f"{SYMBOLS.get(comparator, comparator)} {number}{unit}"
    value = row.get("value_to_date")
    percent = row.get("percent_complete")
    return ReportedLine(
        str(row["indicator"]), str(row.get("label") or row["indicator"]), target,
        None if value is None else Decimal(str(value)), None if percent is None else Decimal(str(percent)),
    )  # fmt: skip


def _values(rows: list[dict[str, Any]], scheme: str, indicator: str) -> dict[str, Decimal | None]:
    if indicator not in rows[0]:
        raise InputError(f"{scheme}: unknown indicator {indicator!r} (指标不存在)", field="indicator")
    return {r["station"]: None if r[indicator] is None else Decimal(str(r[indicator])) for r in rows}


def _earlier(period: Period, scheme: ImprovementScheme) -> Period:
    """The period an improvement scheme compares with: a year earlier, or the same span of the baseline year."""
    if scheme.compare == "last_year" or scheme.baseline_year is None:
        return period.same_period_last_year()
    shift = period.start.year - scheme.baseline_year
    start = _years_back(period.start, shift)
    end = _years_back(period.end, shift)
    return Period(start, end, f"{scheme.baseline_year}年同期")


def _years_back(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _names(jurisdiction: str, station: str) -> bool:
    """A target's place names ``station``: 南京市 → 南京; a county as 附件2 writes it, 苏州市·昆山 → 昆山."""
    return place_key(jurisdiction.split("·")[-1]) == place_key(station)


def _plain(value: float) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def replace_confirmation(settlement: PeriodSettlement, confirmation: Confirmation) -> PeriodSettlement:
    from dataclasses import replace

    return replace(settlement, confirmed=confirmation)


def _audit_view(s: PeriodSettlement) -> dict[str, Any]:
    """What the audit log keeps of a confirmed settlement: the period, the totals and every line."""
    return {  # keyed in Chinese: the audit page shows the keys as they are
        "结算辖区": s.office or "全部辖区", "结算时段": s.period, "结算规则": s.rules,
        "合计（万元）": {p: str(v) for p, v in s.totals().items()},
        "明细": [f"{x.place}·{x.scheme}：{x.amount}（{x.arithmetic}）" for x in s.lines],
    }  # fmt: skip


# ---------------------------------------------------------------- rankings (排名通报)
KINDS = {"month": "月度", "ytd": "年度累计", "month_change": "月度改善幅度", "ytd_change": "累计改善幅度"}
TIERS = {"city": "设区市", "county": "县（市、区）", "township": "乡镇（街道）"}
WHY_TEXTS = {"no_data": "无监测数据，不排名", "missing": "缺少污染物数据，不排名",
             "no_last_year": "无上年同期数据，不排名", "last_year_short": "上年同期数据不足，不排名"}  # fmt: skip
POLLUTANT_NAMES = {"pm25": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "co": "CO", "o3": "O3"}


@dataclass(frozen=True)
class RankRow:
    """One place of a ranking: ranked when its period is valid (HJ 663: every pollutant has its
    fewest valid days, and for an improvement ranking last year's same period too), else unranked
    with ``why`` (a code the page words: no_data, short, missing, no_last_year, last_year_short)."""

    place: str
    rank: int | None
    tied: bool  # 并列: another place shares the rank
    composite_index: Decimal | None
    pm25: Decimal | None
    good_ratio: Decimal | None
    composite_index_last_year: Decimal | None
    change_percent: Decimal | None  # 综合指数同比变化 ΔI %, negative = improved
    valid_days: int | None
    min_days: int
    why: str | None = None
    short: str | None = None  # the pollutant whose valid days fall short (PM2.5 …)
    short_days: int | None = None
    stations: str = "—"  # 站点数 ("8", "7–8")

    @property
    def valid(self) -> bool:
        return self.why is None

    @property
    def why_text(self) -> str | None:
        """The reason in Chinese (the bulletin, the API)."""
        if self.why is None:
            return None
        if self.why == "short":
            return f"{self.short}有效天数{self.short_days}天，不足{self.min_days}天，不排名"
        return WHY_TEXTS[self.why]


@dataclass(frozen=True)
class RankTable:
    """The places of ``under`` (one tier down, or two with ``depth`` 2) ranked for ``kind`` in the
    period of ``month``; ``note`` says why there is nothing to rank (no places, no stations)."""

    under: str | None
    depth: int
    tier: str  # city | county | township
    kind: str
    month: str  # YYYY-MM
    period: Period
    rows: list[RankRow]
    note: str | None = None

    @property
    def by_change(self) -> bool:
        return self.kind.endswith("_change")

    def row(self, place: str) -> RankRow | None:
        key = place_key(place)
        return next((r for r in self.rows if place_key(r.place) == key), None)

    @property
    def ranked(self) -> int:
        return sum(1 for r in self.rows if r.rank is not None)

    def ranks(self, by: str = "composite") -> Ranking:
        """The valid places' ranks by ``by`` (composite | pm25 | good_ratio | change), competition
        style: the series the flag rules read (:func:`streak_flags`)."""
        if by == "composite" and not self.by_change:
            return {r.place: r.rank for r in self.rows if r.rank is not None}
        column = {"composite": "composite_index", "pm25": "pm25", "good_ratio": "good_ratio",
                  "change": "change_percent"}.get(by)  # fmt: skip
        if column is None:
            raise InputError(f"unknown ranking {by!r}; use {' | '.join(RANK_KEYS)} (未知的排名方式)", field="by")
        values = {r.place: getattr(r, column) for r in self.rows if r.rank is not None}
        ranked = rank_rows(values, descending=by == "good_ratio")
        return {p: rank for p, (rank, _) in ranked.items() if rank is not None}


def rank_rows(values: dict[str, Decimal | None], *, descending: bool = False) -> dict[str, tuple[int | None, bool]]:
    """Competition ranks (1, 2, 2, 4) with whether each is shared (并列); None values unranked."""
    ranks = competition_ranks(values, descending=descending)
    counts: dict[int, int] = {}
    for r in ranks.values():
        if r is not None:
            counts[r] = counts.get(r, 0) + 1
    return {k: (r, r is not None and counts[r] > 1) for k, r in ranks.items()}


def period_why(row: dict[str, Any] | None) -> tuple[str | None, str | None, int | None]:
    """Why a period row cannot be ranked (None: it can), the pollutant short of days and its days."""
    if row is None:
        return "no_data", None, None
    if row.get("composite_index") is None:
        return "missing", None, None
    for p, name in POLLUTANT_NAMES.items():
        if not row.get(f"{p}_valid", True):
            return "short", name, int(row.get(f"{p}_days") or 0)
    return None, None, None


def data_signature(airquality: AirQualityService) -> tuple[Any, ...]:
    """What a ranking stands on: the hourly store's files and the maps (a new import, a corrected
    class or area map changes it)."""
    files = airquality.store.files("sites")
    newest = max((f.stat().st_mtime_ns for f in files[-31:]), default=0)
    marks = []
    for path in (airquality.areas_path, airquality.counties_path, airquality.classes_path, airquality.stations_dir):
        marks.append(path.stat().st_mtime_ns if path.exists() else 0)
    return (len(files), files[-1].name if files else None, newest, *marks)


class RankingService:
    """Rankings of an office's places (排名通报): monthly, year to date and by improvement against
    the same period last year (003 四(四), HJ 663), with ties (并列). The period statistics come from
    the assessment engine once per level and period and are kept until the data or the maps change
    (:func:`data_signature`); ranking a set of places among themselves is then a filter."""

    def __init__(self, airquality: AirQualityService, accountability: AccountabilityService) -> None:
        import threading

        self.airquality = airquality
        self.accountability = accountability
        self._lock = threading.Lock()  # guards the kept values
        self._computing = threading.Lock()  # held while the engine computes
        self._key: tuple[Any, ...] | None = None
        self._assessment: Any = None
        self._rows: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
        self._tables: dict[tuple[Any, ...], RankTable] = {}

    # ------------------------------------------------------------ what there is to rank
    def months(self) -> list[tuple[str, bool]]:
        """The months with hourly data, newest first, each with whether its days are all in."""
        days: dict[str, set[int]] = {}
        for f in self.airquality.store.files("sites"):
            stem = f.stem
            days.setdefault(f"{stem[:4]}-{stem[4:6]}", set()).add(int(stem[6:8]))
        out = []
        for month, found in days.items():
            period = parse_period(month)
            out.append((month, 1 in found and period.end.day in found))
        return sorted(out, reverse=True)

    def default_month(self) -> tuple[str | None, bool, str | None]:
        """(the month a ranking shows first, whether it is complete, the last day of data): the newest
        complete month (the dashboard's :func:`ranked_month`)."""
        from lantian.domain.aq.periods import ranked_month

        files = self.airquality.store.files("sites")
        if not files:
            return None, True, None
        first, last = (dt.datetime.strptime(f.stem, "%Y%m%d").date() for f in (files[0], files[-1]))
        month, complete = ranked_month(first, last)
        return month, complete, last.isoformat()

    def kind_of(self, place: str) -> str:
        """province | city | county (a county-level city, or a county-map county or township)."""
        maps = self.airquality.area_maps()
        if maps.is_province(place):
            return "province"
        key = place_key(place)
        if maps.is_county_level(place) or any(place_key(c) == key for c in maps.county_city):
            return "county"
        return "city"

    def tier_under(self, place: str | None, depth: int = 1) -> str:
        order = ["province", "city", "county", "township"]
        start = order.index(self.kind_of(place)) if place else 0
        return order[min(start + depth, len(order) - 1)]

    def places(self, under: str | None, depth: int = 1) -> list[str] | None:
        """The places ``depth`` tiers under ``under`` (None: every city stored); [] when the maps name
        none (a city with no township stations)."""
        if under is None:
            return None
        maps = self.airquality.area_maps()
        found = places_under(under, maps)
        for _ in range(depth - 1):
            found = sorted({p for child in found for p in places_under(child, maps)})
        return found

    def choices(self, office: str | None) -> list[tuple[str, str | None, str]]:
        """The level picker of ``office``: ("", office, its places' tier), ("all", office, two tiers
        down) and (each of its places with places under it, that place, their tier)."""
        if office is None:
            return [("", None, "city")]
        out: list[tuple[str, str | None, str]] = [("", office, self.tier_under(office))]
        if self.kind_of(office) != "county":
            out.append(("all", office, self.tier_under(office, 2)))
        maps = self.airquality.area_maps()
        for child in places_under(office, maps):
            if places_under(child, maps):
                out.append((child, child, self.tier_under(child)))
        return out

    def resolve(self, office: str | None, level: str) -> tuple[str | None, int]:
        """(the place whose places are ranked, depth) of a picker value; one of :meth:`choices`."""
        level = level.strip()
        if not level or office is None:
            return office, 1
        if level == "all":
            return office, 2
        if level not in {choice[0] for choice in self.choices(office)}:
            raise InputError(f"{level} is not a level of {office} (不是{office}的排名范围)", field="level")
        return level, 1

    # ------------------------------------------------------------ the ranking
    def table(self, under: str | None, kind: str, month: str, depth: int = 1) -> RankTable:
        """The places of ``under`` ranked for ``kind`` (:data:`KINDS`) in ``month`` (YYYY-MM)."""
        if kind not in KINDS:
            raise InputError(f"unknown kind {kind!r}; use {' | '.join(KINDS)} (未知的排名类型)", field="kind")
        if not re.fullmatch(r"\d{4}-\d{2}", month.strip()):
            raise InputError(f"{month!r} is not a month; use YYYY-MM (月份格式应为2025-01)", field="month")
        the_month = parse_period(month.strip())
        start = dt.date(the_month.start.year, 1, 1) if kind.startswith("ytd") else the_month.start
        label = the_month.label if start == the_month.start else f"{start.year}年1—{the_month.end.month}月"
        return self.for_period(under, kind, Period(start, the_month.end, label), depth, month=month.strip())

    def for_period(self, under: str | None, kind: str, period: Period, depth: int = 1, *, month: str = "") -> RankTable:
        """The places of ``under`` ranked over any ``period`` (``lantian aq rank --period 2019-Q1``):
        ``kind`` month or ytd ranks by the composite index, *_change by its change on last year."""
        if kind not in KINDS:
            raise InputError(f"unknown kind {kind!r}; use {' | '.join(KINDS)} (未知的排名类型)", field="kind")
        month = month or f"{period.end:%Y-%m}"
        key = (data_signature(self.airquality), under, depth, kind, period.start, period.end)
        with self._lock:
            if self._key != key[0]:
                self._key, self._assessment, self._rows, self._tables = key[0], None, {}, {}
            if key in self._tables:
                return self._tables[key]
        places = self.places(under, depth)
        tier = self.tier_under(under, depth)
        if places is not None and not places:
            note = "no_townships" if tier == "township" else "no_places"
            table = RankTable(under, depth, tier, kind, month, period, [], note)
        else:
            table = self._rank(under, depth, tier, kind, month, period, places)
        with self._lock:
            if self._key == key[0]:
                self._tables[key] = table
        return table

    def _rank(self, under: str | None, depth: int, tier: str, kind: str, month: str, period: Period,
              places: list[str] | None) -> RankTable:  # fmt: skip
        counties = {place_key(c) for c in self.airquality.area_maps().county_city}
        levels = {"city"} if places is None else {"county" if place_key(p) in counties else "city" for p in places}
        this: dict[str, dict[str, Any]] = {}
        last: dict[str, dict[str, Any]] = {}
        before = period.same_period_last_year()
        for level in sorted(levels):
            this |= self._period(level, period)
            last |= self._period(level, before)
        names = list(places) if places is not None else sorted(this)
        rows_by: dict[str, dict[str, Any] | None] = {}
        for name in names:
            found = next((v for k, v in this.items() if place_key(k) == place_key(name)), None)
            rows_by[found["station"] if found else name] = found
        change = kind.endswith("_change")
        values: dict[str, Decimal | None] = {}
        whys: dict[str, tuple[str | None, str | None, int | None]] = {}
        for name, row in rows_by.items():
            why = period_why(row)
            previous = last.get(name)
            if why[0] is None and change:
                before_why = period_why(previous)[0]
                if before_why == "no_data" or (previous and previous.get("composite_index") is None):
                    why = ("no_last_year", None, None)
                elif before_why is not None:
                    why = ("last_year_short", None, None)
            whys[name] = why
            if why[0] is None and row is not None:
                values[name] = self._change(row, previous) if change else row["composite_index"]
            else:
                values[name] = None
        ranks = rank_rows(values)
        needed = min_days(period)
        out = []
        for name, row in rows_by.items():
            previous = last.get(name)
            rank, tied = ranks[name]
            reason, short, short_days = whys[name]
            out.append(RankRow(
                name, rank, tied,
                _dec(row, "composite_index"), _dec(row, "pm25"), _dec(row, "good_ratio"),
                _dec(previous, "composite_index"), self._change(row, previous) if row else None,
                None if row is None else int(row.get("valid_days") or 0), needed, reason, short, short_days,
                "—" if row is None else stations_text(row),
            ))  # fmt: skip
        out.sort(key=lambda r: (r.rank is None, r.rank or 0, r.place))
        return RankTable(under, depth, tier, kind, month, period, out)

    @staticmethod
    def _change(row: dict[str, Any] | None, previous: dict[str, Any] | None) -> Decimal | None:
        from lantian.domain.standards.ranking import improvement_percent

        if row is None or previous is None:
            return None
        return improvement_percent(row.get("composite_index"), previous.get("composite_index"))

    def _period(self, level: str, period: Period) -> dict[str, dict[str, Any]]:
        """The engine's period rows of every area at ``level`` (area name → row), kept."""
        key = (level, period.start.isoformat(), period.end.isoformat())
        with self._lock:
            if key in self._rows:
                return self._rows[key]
        with self._computing:  # one engine computation at a time (one connection; others wait and take it)
            return self._compute_period(key, level, period)

    def _compute_period(self, key: tuple[str, str, str], level: str, period: Period) -> dict[str, dict[str, Any]]:
        with self._lock:
            if key in self._rows:
                return self._rows[key]
            assessment = self._assessment
        if assessment is None:
            try:
                assessment = self.airquality.assessment()
            except NotFoundError:
                return {}
        span = assessment.span()
        rows: dict[str, dict[str, Any]] = {}
        if span is not None and span[0] <= period.end and period.start <= span[1]:
            try:
                found = assessment.period(level, period, Options(), with_last_year=False)
            except NotFoundError:  # no county map: no county values
                found = []
            rows = {str(r["station"]): r for r in found}
        with self._lock:
            self._assessment = assessment
            self._rows[key] = rows
        return rows

    def series(self, under: str | None, first: str, last: str, by: str = "composite") -> list[tuple[str, Ranking]]:
        """Each month's ranks of ``under``'s places from ``first`` to ``last`` (YYYY-MM), by ``by``
        (composite | pm25 | good_ratio | change): what the flag rules read."""
        start, end = parse_period(first), parse_period(last)
        if start.end > end.end:
            raise InputError(f"{first} is after {last} (起止月份颠倒)", field="from")
        out = []
        day = start.start
        while day <= end.end:
            table = self.table(under, "month_change" if by == "change" else "month", f"{day:%Y-%m}")
            out.append((table.period.label, table.ranks(by)))
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            if len(out) > 120:
                raise InputError("at most 120 months at a time (一次最多120个月)", field="to")
        return out

    def warm(self, office: str | None) -> None:
        """Compute what the office's pages show first (its places' month and year to date of the newest
        complete month, and its province's cities), so the first page view finds them kept."""
        month = self.default_month()[0]
        if office is None or month is None:
            return
        maps = self.airquality.area_maps()
        province = [p for c, p in maps.province_of.items() if place_key(c) == place_key(office)][:1]
        unders = [office, *province]
        for under in dict.fromkeys(unders):
            for kind in ("month", "ytd"):
                self.table(under, kind, month)

    def warm_in_background(self, office: str | None) -> None:
        """:meth:`warm` in a daemon thread (a failure there only leaves the first view slower)."""
        import threading

        def run() -> None:
            try:
                self.warm(office)
            except Exception:  # warming is an optimisation: the page computes again and reports
                return

        threading.Thread(target=run, name="lantian-rankings-warm", daemon=True).start()

    def rank_of(self, place: str, parents: list[str], kind: str, month: str) -> tuple[str, RankTable] | None:
        """A place's rank among its parent's places (苏州市 among 江苏省's cities): (parent, table), or
        None when no parent's maps name the place."""
        for parent in parents:
            try:
                under = self.places(parent)
            except NotFoundError:
                continue
            if under and any(place_key(p) == place_key(place) for p in under):
                return parent, self.table(parent, kind, month)
        return None


def min_days(period: Period) -> int:
    from lantian.domain.standards.gb3095 import min_days_for_period

    return min_days_for_period(period.start, period.end)


def _dec(row: dict[str, Any] | None, key: str) -> Decimal | None:
    if row is None or row.get(key) is None:
        return None
    value = row[key]
    return value if isinstance(value, Decimal) else Decimal(str(value))
