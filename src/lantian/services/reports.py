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
from lantian.domain.plans.model import Role
from lantian.domain.plans.records import TaskFilter
from lantian.domain.targets.accountability import Ranking, Rules, escalations, streak_flags
from lantian.domain.targets.registry import place_key
from lantian.domain.targets.yearend import statistic_of
from lantian.domain.tracking.audit import Verdict
from lantian.errors import InputError, NotFoundError
from lantian.reports.bulletin import METHOD_NOTE, Bulletin, MonthFigure, write_bulletin
from lantian.services.accountability import AccountabilityService, RankingService, RankTable
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
RANK_TAIL = ("站点数", "有效天数")


@dataclass
class ReportService:
    airquality: AirQualityService
    targets: TargetService
    accountability: AccountabilityService
    plans: PlanService
    audit: AuditTrail | None = None  # the audit log's head is printed in the bulletin (an anchor on paper)
    rankings: RankingService | None = None  # the jurisdiction's places ranked (排名通报); None: made here

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
        self._ranking(b, f"{year}-{number:02d}")
        self._flags(b, rules, year, number)
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
    def _rankings(self) -> RankingService:
        if self.rankings is None:
            self.rankings = RankingService(self.airquality, self.accountability)
        return self.rankings

    def _table(self, b: Bulletin, kind: str, month: str) -> RankTable | None:
        """The bulletin's places ranked (its jurisdiction's: a city's counties, a province's cities);
        None when the area maps name none under it."""
        table = self._rankings().table(b.jurisdiction, kind, month)
        return None if table.note else table

    def _ranking(self, b: Bulletin, month: str) -> None:
        """三、排名: the jurisdiction's own places of the month (never another province's city), unranked
        ones with why, and the jurisdiction's own rank among its province's cities."""
        rankings = self._rankings()
        table = self._table(b, "month", month)
        if table is None:
            b.notes.append(f"区域对照表中没有{b.jurisdiction}的下级区域，月报未排名（由大气办导入区域对照表）。")
        else:
            tier = {"city": "设区市", "county": "县（市、区）", "township": "乡镇（街道）"}[table.tier]
            b.ranking_title = f"{b.month}月{b.jurisdiction}各{tier}排名（按综合指数，并列同名次）"
            b.ranking_columns = ["名次", "区域", "综合指数", "PM2.5（µg/m³）", "优良天数比率（%）", *RANK_TAIL]
            for r in table.rows:
                rank = "—" if r.rank is None else f"{r.rank}（并列）" if r.tied else str(r.rank)
                name = f"{r.place}（{r.why_text}）" if r.why_text else r.place
                b.ranking.append([rank, name, _shown(r.composite_index), _plain(r.pm25), _plain(r.good_ratio),
                                  r.stations, "—" if r.valid_days is None else str(r.valid_days)])  # fmt: skip
        if rankings.kind_of(b.jurisdiction) != "city":
            return
        parents = self._parents(b.jurisdiction)
        found = rankings.rank_of(b.jurisdiction, parents, "month", month)
        if found is None or (row := found[1].row(b.jurisdiction)) is None:
            return
        parent, above = found
        if row.rank is None:
            b.ranking_lines.append(f"{b.jurisdiction}在{parent}各设区市中本月未排名：{row.why_text}。")
        else:
            tied = "（并列）" if row.tied else ""
            b.ranking_lines.append(f"{b.jurisdiction}在{parent}{above.ranked}个参与排名的设区市中排第{row.rank}名{tied}"
                                   f"（综合指数{_shown(row.composite_index)}）。")  # fmt: skip

    def _parents(self, place: str) -> list[str]:
        """The places above ``place`` by the area maps (苏州市 → 江苏省)."""
        maps = self.airquality.area_maps()
        key = place_key(place)
        prefecture = next((p for c, p in maps.prefecture_of.items() if place_key(c) == key), None)
        province = next((p for c, p in maps.province_of.items() if place_key(c) == key), None)
        return [p for p in (prefecture, province) if p and place_key(p) != key]

    def _flags(self, b: Bulletin, rules: Rules, year: int, number: int) -> None:
        """四、预警与问责 over the same places as the ranking, month by month from January."""
        series: list[tuple[str, Ranking]] = []
        if rules.ranking not in ("composite", "pm25", "good_ratio", "change"):
            b.notes.append(f"预警规则按“{rules.ranking}”排名，月报未计算该排名。")
            return
        for m in range(1, number + 1):
            table = self._table(b, "month_change" if rules.ranking == "change" else "month", f"{year}-{m:02d}")
            if table is None:
                return
            series.append((f"{m}月", table.ranks(rules.ranking)))
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


def _plain(value: Decimal | None) -> str:
    """A figure as people write it: 47, 87.1 (no trailing zeros)."""
    text = _shown(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


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
