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
    CascadeRow,
    Escalation,
    Flag,
    Ranking,
    Rules,
    Settlement,
    cascade,
    escalations,
    parse_rules,
    settle_per_unit,
    settle_ranks,
    streak_flags,
)
from lantian.domain.targets.registry import INDICATORS, place_key
from lantian.domain.targets.scorecard import Ranked, ReportedLine, Scorecard, TargetLine, ranking, scorecard
from lantian.errors import InputError, NotFoundError
from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Options
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
        """The settlements of ``period`` under each scheme, among ``places`` when given (:meth:`places`)."""
        rows = self.airquality.assessment().period(
            level,
            period,
            Options(),
            with_last_year=any(s.ranking == "change" for s in rules.rank_schemes),
            places=places,
        )
        if not rows:
            raise NotFoundError(f"no {level} values for {period.label} (该时段无数据)", field="period")
        out: list[Settlement] = []
        for scheme in rules.per_unit:
            if scheme.indicator not in rows[0]:
                raise InputError(
                    f"{scheme.name}: unknown indicator {scheme.indicator!r} (指标不存在)", field="indicator"
                )
            values = {r["station"]: None if r[scheme.indicator] is None else Decimal(str(r[scheme.indicator]))
                      for r in rows}  # fmt: skip
            out.extend(settle_per_unit(scheme, values))
        for rank_scheme in rules.rank_schemes:
            if rank_scheme.ranking not in RANK_KEYS:
                raise InputError(
                    f"{rank_scheme.name}: unknown ranking {rank_scheme.ranking!r} (未知的排名方式)", field="ranking"
                )
            key = RANK_KEYS[rank_scheme.ranking]
            out.extend(settle_ranks(rank_scheme, {r["station"]: r[key] for r in rows}))
        return out

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
