"""Reports (报告): the monthly bulletin (空气质量月报) of a jurisdiction.

Every figure comes from the city daily values (:func:`lantian.services.targets.city_days`: computed
from station data, or as published where there is none) through the same year-end rules as the
targets (:func:`~lantian.domain.targets.yearend.statistic_of`, equal to the engine's period statistics on
station data — ``tests/analytics/test_target_progress_2019.py``); the targets, flags and overdue
tasks from their services. :mod:`lantian.reports.bulletin` lays it out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from lantian.domain.aq.periods import parse_period
from lantian.domain.places import places_under
from lantian.domain.plans.model import Role
from lantian.domain.plans.records import TaskFilter
from lantian.domain.standards.ranking import competition_ranks
from lantian.domain.targets.accountability import Ranking, Rules, escalations, streak_flags
from lantian.domain.targets.registry import place_key
from lantian.domain.targets.yearend import statistic_of
from lantian.domain.tracking.audit import Verdict
from lantian.errors import InputError, NotFoundError
from lantian.reports.bulletin import METHOD_NOTE, Bulletin, MonthFigure, write_bulletin
from lantian.services.accountability import AccountabilityService
from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Assessment
from lantian.services.audit import AuditTrail
from lantian.services.plans import PlanService
from lantian.services.targets import RUNS, TargetService, city_days

# the month's figures: (label, kind, indicator key) — the year-end rules of domain.targets.yearend
MONTH_ITEMS = (
    ("PM2.5（µg/m³）", "mean", "pm25"),
    ("PM10（µg/m³）", "mean", "pm10"),
    ("NO2（µg/m³）", "mean", "no2"),
    ("SO2（µg/m³）", "mean", "so2"),
    ("O3日最大8小时第90百分位（µg/m³）", "statistic", "o3_p90"),
    ("环境空气质量综合指数", "statistic", "composite_index"),
    ("优良天数比率（%）", "good_ratio", "good_day_ratio"),
    ("重度及以上污染天数比率（%）", "heavy_ratio", "heavy_day_ratio"),
)
DayRows = dict[dt.date, dict[str, Any]]


@dataclass
class ReportService:
    airquality: AirQualityService
    targets: TargetService
    accountability: AccountabilityService
    plans: PlanService
    audit: AuditTrail | None = None  # the audit log's head is printed in the bulletin (an anchor on paper)

    def monthly(
        self, jurisdiction: str, month: str, rules: Rules, *, runs: int = RUNS, issued: dt.date | None = None
    ) -> Bulletin:
        period = parse_period(month)
        if period.start.day != 1 or period.end.month != period.start.month or period.end.year != period.start.year:
            raise InputError(f"{month!r} is not a month; use YYYY-MM (月份)", field="month")
        year, number = period.start.year, period.start.month
        try:
            assessment: Assessment | None = self.airquality.assessment()
        except NotFoundError:
            assessment = None
        every = city_days(self.airquality, assessment)
        key = place_key(jurisdiction)
        place = next((p for p in every if place_key(p) == key), None)
        if place is None:
            raise NotFoundError(f"no daily values for {jurisdiction} (没有该辖区的日数据)", field="jurisdiction")
        days = every[place]
        b = Bulletin(jurisdiction, year, number, issued or dt.date.today())
        this, last = _in(days, period.start, period.end), _in(days, *_last_year(period.start, period.end))
        if not this:
            raise NotFoundError(f"no daily values for {jurisdiction} in {month} (该月没有日数据)", field="month")
        for label, kind, k in MONTH_ITEMS:
            b.month_rows.append((label, _shown(statistic_of(kind, k)(this)), _shown(statistic_of(kind, k)(last))))
        b.month_rows.append(("有效天数", str(sum(1 for d in this if d.get("aqi") is not None)),
                             str(sum(1 for d in last if d.get("aqi") is not None)) if last else "—"))  # fmt: skip
        b.month_rows.append(("站点数", _stations_shown(this), _stations_shown(last) if last else "—"))
        try:
            rows = self.targets.status(jurisdiction, period.end, runs=runs)
            b.targets = [r for r in rows if r["measured"] and r.get("measured_from") != "reports"]  # air quality
        except NotFoundError:
            b.targets = []
        for r in b.targets:
            value = r.get("target_value", r["target"])
            if r["indicator"] == "pm25":
                b.pm25_target = None if value is None else round(value, 1)
            if r["indicator"] == "good_day_ratio":
                b.good_target = None if value is None else round(value, 1)
        for m in range(1, number + 1):
            first = dt.date(year, m, 1)
            rows = _in(days, first, parse_period(f"{year}-{m:02d}").end)
            pm, good = statistic_of("mean", "pm25")(rows), statistic_of("good_ratio", "good_day_ratio")(rows)
            b.months.append(MonthFigure(f"{m}月", _float(pm), _float(good)))
        peers = self._peers(jurisdiction, every)  # ranked among its province's cities, never 上海 in 江苏's
        self._ranking(b, peers, period.start, period.end)
        self._flags(b, peers, rules, year, number)
        self._overdue(b, key, period.end)
        sources = {d["source"] for d in this}
        if sources != {"stations"}:
            b.notes.append("本月部分或全部日数据为城市日报发布值（未由站点小时数据计算）。")
        b.notes.append(METHOD_NOTE)
        if self.audit is not None:
            b.notes.append(audit_line(self.audit.verify(), self.audit.clock()))
        return b

    def write_monthly(self, bulletin: Bulletin, path: Path) -> list[str]:
        """Write the bulletin; returns its warnings (the chart left out for want of a CJK font)."""
        return write_bulletin(bulletin, path)

    # ------------------------------------------------------------------ parts
    def _peers(self, jurisdiction: str, every: dict[str, DayRows]) -> dict[str, DayRows]:
        """The places the bulletin ranks ``jurisdiction`` among: the cities of its province (the area
        maps, :func:`places_under`) and itself; every place stored when the maps do not place it."""
        maps = self.airquality.area_maps()
        key = place_key(jurisdiction)
        province = next((p for c, p in maps.province_of.items() if place_key(c) == key), None)
        if province is None:
            return every
        wanted = {place_key(c) for c in places_under(province, maps)} | {key}
        return {place: days for place, days in every.items() if place_key(place) in wanted}

    def _ranking(self, b: Bulletin, every: dict[str, DayRows], start: dt.date, end: dt.date) -> None:
        figures: dict[str, dict[str, Any]] = {}
        for place, days in every.items():
            rows = _in(days, start, end)
            if rows:
                figures[place] = {
                    "composite": statistic_of("statistic", "composite_index")(rows),
                    "pm25": statistic_of("mean", "pm25")(rows),
                    "good": statistic_of("good_ratio", "good_day_ratio")(rows),
                    "stations": _stations_shown(rows),
                    "valid_days": sum(1 for d in rows if d.get("aqi") is not None),
                }
        by = "composite" if sum(1 for f in figures.values() if f["composite"] is not None) >= 2 else "pm25"
        ranks = competition_ranks({p: f[by] for p, f in figures.items()})
        if sum(1 for r in ranks.values() if r is not None) < 2:
            return
        b.ranking_title = f"{b.month}月城市排名（按{'综合指数' if by == 'composite' else 'PM2.5浓度'}，并列同名次）"
        b.ranking_columns = ["名次", "城市", "综合指数", "PM2.5（µg/m³）", "优良天数比率（%）", "站点数", "有效天数"]
        for place in sorted(ranks, key=lambda p: (ranks[p] is None, ranks[p] or 0, p)):
            f = figures[place]
            rank = ranks[place]
            name = f"{place} ◀" if place_key(place) == place_key(b.jurisdiction) else place
            b.ranking.append(["—" if rank is None else str(rank), name, _shown(f["composite"]), _shown(f["pm25"]),
                              _shown(f["good"]), str(f["stations"]), str(f["valid_days"])])  # fmt: skip

    def _flags(self, b: Bulletin, every: dict[str, DayRows], rules: Rules, year: int, number: int) -> None:
        series: list[tuple[str, Ranking]] = []
        by = {"composite": ("statistic", "composite_index"), "pm25": ("mean", "pm25"),
              "good_ratio": ("good_ratio", "good_day_ratio")}.get(rules.ranking)  # fmt: skip
        if by is None:
            b.notes.append(f"预警规则按“{rules.ranking}”排名，月报未计算该排名。")
            return
        for m in range(1, number + 1):
            period = parse_period(f"{year}-{m:02d}")
            values = {p: statistic_of(*by)(_in(days, period.start, period.end)) for p, days in every.items()}
            descending = rules.ranking == "good_ratio"
            series.append((f"{m}月", competition_ranks({p: v for p, v in values.items() if v is not None},
                                                       descending=descending)))  # fmt: skip
        month = f"{number}月"
        for rule in rules.streaks:
            for f in streak_flags(series, rule):
                if f.last == month:
                    b.flags.append(f"{f.place}：{f.rule}（{f.first}起），{f.action}")
        for ladder in rules.ladders:
            for e in escalations(series, ladder):
                if e.period == month:
                    b.flags.append(f"{e.place}：本月排名末位（连续{e.streak}个月），{e.action}")

    def _overdue(self, b: Bulletin, key: str, as_of: dt.date) -> None:
        plans = [p.key for p in self.plans.list_plans() if p.jurisdiction and place_key(p.jurisdiction) == key]
        if not plans:
            b.notes.append("本辖区没有已导入的计划，逾期任务未统计。")
            return
        for plan in plans:
            for t in self.plans.list_tasks(TaskFilter(plan=plan, overdue_as_of=as_of)):
                departments = t.task.all_departments()
                chosen = [d for d in departments if d.role is Role.LEAD] or [
                    d for d in departments if d.role is Role.RESPONSIBLE
                ]  # 牵头, else 负责
                lead = "、".join(dict.fromkeys(d.name for d in chosen))
                last = t.last_deadline()
                title = t.task.title or t.task.text[:40]
                b.overdue.append(
                    (plan, f"{t.task.number} {title}".strip(), lead or "—", "" if last is None else f"{last}")
                )


def audit_line(verdict: Verdict, at: dt.datetime) -> str:
    """The audit log's head as one line of the bulletin: printed and filed, it is an anchor kept out of
    the database's reach (its three figures are the line ``lantian audit verify --anchor`` reads)."""
    if not verdict.ok:
        return "审计日志：校验未通过，请运行 lantian audit verify 查看。"
    when = at.astimezone(dt.UTC).isoformat(timespec="seconds")
    return f"审计日志：第{verdict.head_seq}条，校验值 {verdict.head_hash}，{when}（审计锚点）。"


def _in(days: DayRows, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    return [v for d, v in sorted(days.items()) if start <= d <= end]


def _last_year(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    def back(d: dt.date) -> dt.date:
        try:
            return d.replace(year=d.year - 1)
        except ValueError:
            return dt.date(d.year - 1, 2, 28)

    return back(start), back(end)


def _shown(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:f}"


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _stations_shown(rows: list[dict[str, Any]]) -> str:
    """站点数 over a month's valid days: "8", "7–8" when it varies, "发布值" when every valid day is a
    published city value (no station count), "—" without a valid day."""
    valid = [d for d in rows if d.get("aqi") is not None]
    counts = [int(d["stations"]) for d in valid if d.get("stations") is not None]
    if not counts:
        return "发布值" if valid else "—"
    text = str(max(counts)) if min(counts) == max(counts) else f"{min(counts)}–{max(counts)}"
    return text if len(counts) == len(valid) else f"{text}（另有发布值）"
