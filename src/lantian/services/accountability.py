"""Accountability (考核问责): monthly rankings from the air-quality engine, the configured flags and
escalation ladders over them, ecological-compensation settlements and the target cascade.

The rules are configuration (``lantian/data/accountability.toml``, or a user's file); the rule
logic is pure (:mod:`lantian.domain.targets.accountability`). docs/accountability.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from lantian.documents.read import decode_text
from lantian.domain.aq.periods import Period, parse_period
from lantian.domain.places import places_under
from lantian.domain.plans.model import TaskStatus
from lantian.domain.plans.records import TaskFilter
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
from lantian.services.assessment import Options
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
        assessment = self.airquality.assessment()
        months: list[Period] = []
        day = start.start
        while day <= end.end:
            months.append(parse_period(f"{day:%Y-%m}"))
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if len(months) > 120:
            raise InputError("at most 120 months at a time (一次最多120个月)", field="to")
        rows = {m.label: assessment.period(level, m, Options(), with_last_year=ranking == "change", places=places)
                for m in months}  # fmt: skip
        return MonthlySeries(level, ranking, months, rows)

    def flags(self, series: MonthlySeries, rules: Rules) -> tuple[list[Flag], list[Escalation]]:
        ranked = series.series()
        flags = [f for rule in rules.streaks for f in streak_flags(ranked, rule)]
        ladder = [e for lad in rules.ladders for e in escalations(ranked, lad)]
        return flags, ladder

    def compensation(
        self, period: Period, rules: Rules, *, level: str = "city", places: list[str] | None = None
    ) -> list[Settlement]:
        """The settlements of ``period`` under each scheme, among ``places`` when given (:meth:`places`):
        per-unit schemes against each place's own target where they say so, improvement schemes
        against each place's own earlier value, rank schemes on the period's ranking."""
        assessment = self.airquality.assessment()
        rows = assessment.period(
            level,
            period,
            Options(),
            with_last_year=any(s.ranking == "change" for s in rules.rank_schemes),
            places=places,
        )
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
            earlier_rows = assessment.period(
                level, _earlier(period, improvement), Options(), with_last_year=False, places=places
            )
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
                rows = self.airquality.assessment().period(level, base_period, Options(), with_last_year=False,
                                                           places=places)  # fmt: skip
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
