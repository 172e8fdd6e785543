"""Targets measured from accepted progress reports (由进度报送计量的目标): the store's side of
:mod:`lantian.domain.targets.reported` — which reports count toward which target, the rules file,
and the rows the status, the task page, the task list and its export show.

Which reports count: those ACCEPTED, of units of the target's place (``ProgressReport.jurisdiction``),
of a period of the target's year that has begun by the date; of the target's task when it is written
on one, of any task of its plan when it comes from the plan's text or an annex, of any task when a
user entered it. docs/metrics.md, "Targets measured from progress reports".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from lantian.documents.read import decode_text
from lantian.domain.plans.model import PlanTask, Target
from lantian.domain.plans.records import StoredTarget
from lantian.domain.targets.registry import INDICATORS, place_key
from lantian.domain.targets.reported import (
    RULE_LABELS,
    Reading,
    RuleBook,
    judge,
    measure,
    parse_rules,
    period_span,
    period_year,
)
from lantian.domain.tracking.model import ProgressReport
from lantian.storage.store import Store

RULES_FILE = "indicator_rules.toml"
REPORTED_NOTE = "由进度报送计量"


def load_rulebook(override: Path | None = None) -> RuleBook:
    """The rules lantian ships, with ``override`` (``<data dir>/indicator_rules.toml``) on top when it exists."""
    text = resources.files("lantian.data").joinpath(RULES_FILE).read_text(encoding="utf-8")
    book = parse_rules(text, name=RULES_FILE)
    if override is not None and override.is_file():
        own, _ = decode_text(override.read_bytes(), name=str(override))
        book = parse_rules(own, name=str(override), base=book)
    return book


@dataclass(frozen=True)
class TaskProgress:
    """What the task list and its export show of a task: 最新进展 and 完成比例."""

    latest_period: str | None  # the period of the newest accepted report
    latest_text: str | None  # its text (进展情况)
    percent_complete: float | None  # of the task's measured targets (each capped at 100); None: none measured

    @property
    def latest(self) -> str:
        return f"{self.latest_period} {self.latest_text}" if self.latest_period else ""


class ReportedTargets:
    """Measures targets from the store's accepted progress reports by the rules in force."""

    def __init__(self, store: Store, rules_file: Path | None = None) -> None:
        self.store = store
        self.rules_file = rules_file
        self._book: tuple[Any, RuleBook] | None = None

    def rulebook(self) -> RuleBook:
        """The rules in force (read again when the data folder's file changes)."""
        stamp = None
        if self.rules_file is not None and self.rules_file.is_file():
            st = self.rules_file.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        if self._book is None or self._book[0] != stamp:
            self._book = (stamp, load_rulebook(self.rules_file))
        return self._book[1]

    def accepted(self, task_ids: Sequence[int] | None = None) -> list[ProgressReport]:
        with self.store.tracking_read() as repo:
            return repo.accepted_progress(task_ids)

    # ------------------------------------------------------------------ one target
    def fill(self, out: dict[str, Any], *, indicator: str, label: str, comparator: str, target: float | None,
             unit: str, text: str, place: str, year: int, as_of: dt.date, deadline: dt.date | None,
             names: Iterable[str], reports: Iterable[ProgressReport],
             sources: Sequence[dict[str, Any]] = ()) -> None:  # fmt: skip
        """Add to the status row ``out`` the target's value to date from ``reports`` (already narrowed to
        the target's plan or task), % complete, the pace and on-track or behind."""
        book = self.rulebook()
        rule = book.rule_for(indicator, label, unit, text)
        key = place_key(place)
        readings = [
            Reading(r.id, r.department, r.period, name, value, r.submitted_at, r.plan_key, r.task_number)
            for r in reports
            if place_key(r.jurisdiction) == key and period_year(r.period) == year and _begun(r.period, as_of)
            for name, value in r.indicators.items()
        ]
        result = measure(readings, rule, {indicator, label, *names}, unit=unit)
        start = dt.date(year, 1, 1)
        end = deadline if deadline is not None and deadline.year == year else dt.date(year, 12, 31)
        progress = judge(result.value, comparator, target if target is not None else 0.0, as_of=as_of,
                         start=start, deadline=end, pace=rule.pace)  # fmt: skip
        by_task = {(s["plan"], s["task"]): s for s in sources}
        out.update({
            "measured": True, "measured_from": "reports", "value_to_date": result.value,
            "value_unit": unit, "percent_complete": progress.percent_complete,
            "expected_percent": progress.expected_percent, "on_track": progress.on_track, "met": progress.met,
            "rule": rule.rule, "rule_label": RULE_LABELS[rule.rule], "rule_origin": rule.origin,
            "reports_counted": result.reports_counted, "periods": list(result.periods),
            "latest_period": result.latest_period, "notes": list(result.notes),
            "note": "；".join(result.notes) or (None if result.value is not None else "尚无已通过审核的报送数值"),
            "deadline": end, "pace": rule.pace,
            "report_sources": [by_task.get(s, {"plan": s[0], "task": s[1]}) for s in result.sources]
            or list(sources),
        })  # fmt: skip

    # ------------------------------------------------------------------ status rows (TargetService.status)
    def status_fill(self, out: dict[str, Any], indicator: str, comparator: str, value: float, unit: str,
                    text: str | None, source: str, place: str, year: int, as_of: dt.date,
                    links: Sequence[StoredTarget], reports: Sequence[ProgressReport]) -> None:  # fmt: skip
        """A registry target's row: ``links`` are its plan's stored targets of this indicator (empty for
        a user's target: any task's reports count)."""
        chosen = [s for s in links if source.startswith(f"{s.plan_key} ")]
        if chosen:
            plan = chosen[0].plan_key
            tasks = {s.task_id for s in chosen}
            counted = [r for r in reports if r.plan_key == plan and (None in tasks or r.task_id in tasks)]
            sources = [{"plan": s.plan_key, "task": s.task_number, "task_id": s.task_id} for s in chosen if s.task_id]
            deadlines = [s.task_deadline for s in chosen if s.task_deadline is not None and None not in tasks]
        else:
            counted, sources, deadlines = list(reports), [], []
        spec = INDICATORS.get(indicator)
        label = spec.label if spec else indicator
        names = {s.target.indicator_label for s in chosen if s.target.indicator_label}
        self.fill(out, indicator=indicator, label=label, comparator=comparator, target=value, unit=unit,
                  text=text or "", place=place, year=year, as_of=as_of, deadline=max(deadlines, default=None),
                  names=names, reports=counted, sources=sources)  # fmt: skip

    # ------------------------------------------------------------------ a task's targets
    def task_rows(self, task_id: int, as_of: dt.date) -> list[dict[str, Any]]:
        """The task's targets measured from its accepted reports (targets lantian reads from
        monitoring data are left to the targets page: ``measured_from`` "monitoring", no value)."""
        with self.store.tracking_read() as repo:
            found = repo.measured_tasks([task_id])
        if not found:
            return []
        reports = self.accepted([task_id])
        _, pt, place, year = found[0]
        return [self._task_target(pt, g, place, year, as_of, reports) for g in pt.task.all_targets()]

    def task_progress(self, task_ids: Sequence[int], as_of: dt.date) -> dict[int, TaskProgress]:
        """最新进展 and 完成比例 of each task of ``task_ids``."""
        if not task_ids:
            return {}
        with self.store.tracking_read() as repo:
            found = repo.measured_tasks(task_ids)
        reports = self.accepted(task_ids)
        by_task: dict[int, list[ProgressReport]] = {}
        for r in reports:
            by_task.setdefault(r.task_id, []).append(r)
        out = {}
        for tid, pt, place, year in found:
            mine = by_task.get(tid, [])
            rows = [self._task_target(pt, g, place, year, as_of, mine) for g in pt.task.all_targets()]
            out[tid] = _task_progress(mine, rows)
        return out

    def export_progress(self, tasks: Sequence[PlanTask], as_of: dt.date) -> dict[tuple[str, str], TaskProgress]:
        """:meth:`task_progress` keyed by (plan, task number), for the exports."""
        with self.store.tracking_read() as repo:
            ids = repo.current_task_ids()
        wanted = {(pt.plan_key, pt.task.number): ids[(pt.plan_key, pt.task.number)] for pt in tasks
                  if (pt.plan_key, pt.task.number) in ids}  # fmt: skip
        found = self.task_progress(list(wanted.values()), as_of)
        return {k: found[v] for k, v in wanted.items() if v in found}

    def _task_target(self, pt: PlanTask, g: Target, place: str | None, plan_year: int | None, as_of: dt.date,
                     reports: Sequence[ProgressReport]) -> dict[str, Any]:  # fmt: skip
        spec = INDICATORS.get(g.indicator)
        year = g.year if g.year is not None else plan_year
        where = g.jurisdiction or place
        row: dict[str, Any] = {
            "indicator": g.indicator, "label": g.indicator_label or (spec.label if spec else g.indicator),
            "comparator": g.comparator, "target": g.value, "unit": g.unit, "year": year, "jurisdiction": where,
            "text": g.text, "measured": False,
            "measured_from": "monitoring" if spec and spec.kind != "reported" else None,
            "value_to_date": None, "percent_complete": None, "expected_percent": None, "on_track": None,
            "met": None, "rule": None, "reports_counted": 0, "note": None,
        }  # fmt: skip
        if spec is not None and spec.kind != "reported":
            row["note"] = "由监测数据计量，见目标页"
            return row
        if year is None or not where or g.value is None:
            row["note"] = "目标缺少年份、辖区或数值，无法计量"
            return row
        day = min(as_of, dt.date(year, 12, 31))
        self.fill(row, indicator=g.indicator, label=g.indicator_label, comparator=g.comparator, target=g.value,
                  unit=g.unit, text=g.text, place=where, year=year, as_of=day, deadline=pt.last_deadline(),
                  names=[g.indicator_label], reports=reports,
                  sources=[{"plan": pt.plan_key, "task": pt.task.number}])  # fmt: skip
        row["as_of"] = day
        return row


def _begun(period: str, as_of: dt.date) -> bool:
    span = period_span(period)
    return span is not None and span[0] <= as_of


def _task_progress(reports: Sequence[ProgressReport], rows: Sequence[dict[str, Any]]) -> TaskProgress:
    def newest_first(r: ProgressReport) -> tuple[dt.date, dt.date, dt.datetime]:
        first, last = period_span(r.period) or (dt.date.min, dt.date.min)
        return last, first, r.submitted_at

    newest = max(reports, key=newest_first, default=None)
    shares = []
    for r in rows:
        if r.get("measured_from") != "reports" or r.get("value_to_date") is None:
            continue
        if r.get("percent_complete") is not None:
            shares.append(min(100.0, float(r["percent_complete"])))
        elif r.get("met") is not None:
            shares.append(100.0 if r["met"] else 0.0)
    percent = round(sum(shares) / len(shares), 1) if shares else None
    return TaskProgress(newest.period if newest else None, newest.narrative if newest else None, percent)
