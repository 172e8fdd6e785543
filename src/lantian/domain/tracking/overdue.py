"""Overdue work (逾期): tasks past their deadline and progress reports (调度) not filed in time.

Reports come at a rhythm (调度频次, "以日保月、以月保季、以季保年"): monthly by default, weekly or
quarterly where a plan or a task says so (a task's own rhythm wins over its plan's, the plan's over
the office's default). A period is written ``2026-W49`` (ISO week, Monday to Sunday), ``2026-10``
(a month) or ``2026-Q4`` (a quarter); its report is due ``grace_days`` after it ends (the 5th of the
next month for a month by default, the Tuesday after a week). A department owes a report for every
task it leads or is responsible for (牵头 / 负责) that is not completed and whose deadline had not
passed before the period began; 配合 units report through the lead. A task whose units are named
on its numbered clauses (子任务: 1. …市发改委牵头；2. …市工信局牵头) is reported on by each clause's
牵头 / 负责 units too, one report per unit and task, unless the office turns that off
(``clause_reporters = false``: only the units named on the task itself report).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from lantian.domain.plans.model import Role, TaskStatus

DEFAULT_GRACE_DAYS = 5  # a month's or a quarter's report is due this many days after it ends
DEFAULT_WEEKLY_GRACE_DAYS = 2  # a week's report: by the Tuesday after it


class Rhythm(StrEnum):
    """How often a task is reported on (调度频次)."""

    WEEKLY = "weekly"  # 每周
    MONTHLY = "monthly"  # 每月
    QUARTERLY = "quarterly"  # 每季度

    @property
    def label(self) -> str:
        return RHYTHM_LABELS[self]


RHYTHM_LABELS = {Rhythm.WEEKLY: "每周", Rhythm.MONTHLY: "每月", Rhythm.QUARTERLY: "每季度"}
CURRENT_LABELS = {Rhythm.WEEKLY: "本周", Rhythm.MONTHLY: "本月", Rhythm.QUARTERLY: "本季度"}
PREVIOUS_LABELS = {Rhythm.WEEKLY: "上周", Rhythm.MONTHLY: "上月", Rhythm.QUARTERLY: "上季度"}
_RHYTHM_WORDS = {
    **{r.value: r for r in Rhythm},
    **{w: Rhythm.WEEKLY for w in ("周", "每周", "week", "w")},
    **{w: Rhythm.MONTHLY for w in ("月", "每月", "month", "m")},
    **{w: Rhythm.QUARTERLY for w in ("季", "季度", "每季", "每季度", "quarter", "q")},
}
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_QUARTER_NAMES = "一二三四"
_UNITS = {Rhythm.WEEKLY: "周", Rhythm.MONTHLY: "个月", Rhythm.QUARTERLY: "个季度"}


def parse_rhythm(text: str) -> Rhythm:
    """``weekly`` / ``monthly`` / ``quarterly``, or as people write it (每周, 月, 季度)."""
    try:
        return _RHYTHM_WORDS[text.strip().lower()]
    except KeyError:
        raise ValueError(f"not a rhythm (调度频次应为每周、每月或每季度): {text!r}") from None


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def period_of(day: dt.date, rhythm: Rhythm = Rhythm.MONTHLY) -> str:
    """The period of ``rhythm`` that holds ``day``: ``2026-W49``, ``2026-12`` or ``2026-Q4``. A week
    belongs to its ISO year (2027-01-01, a Friday, is in 2026-W53)."""
    if rhythm is Rhythm.WEEKLY:
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if rhythm is Rhythm.QUARTERLY:
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return month_of(day)


def rhythm_of(period: str) -> Rhythm:
    """The rhythm a period is written in; ValueError for anything else."""
    period_bounds(period)
    if _WEEK.fullmatch(period):
        return Rhythm.WEEKLY
    return Rhythm.QUARTERLY if _QUARTER.fullmatch(period) else Rhythm.MONTHLY


def month_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``2026-10``."""
    try:
        year, month = (int(x) for x in period.split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        raise ValueError(f"not a month (月份格式应为 YYYY-MM): {period!r}") from None
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a week (``2026-W49``: Monday to Sunday), a month or a quarter."""
    if m := _WEEK.fullmatch(period):
        try:
            monday = dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:  # week 00, or 53 in a year of 52 weeks
            raise ValueError(f"no such week (该年没有这一周): {period!r}") from None
        return monday, monday + dt.timedelta(days=6)
    if m := _QUARTER.fullmatch(period):
        year, quarter = int(m[1]), int(m[2])
        return dt.date(year, 3 * quarter - 2, 1), month_bounds(f"{year:04d}-{3 * quarter:02d}")[1]
    if _MONTH.fullmatch(period):
        return month_bounds(period)
    raise ValueError(f"not a period (报送期应为 2026-W49、2026-10 或 2026-Q4): {period!r}")


def period_label(period: str) -> str:
    """A period as people write it: 2026年第49周, 2026-10 (a month stays as it is), 2026年第四季度."""
    if m := _WEEK.fullmatch(period):
        return f"{m[1]}年第{int(m[2])}周"
    if m := _QUARTER.fullmatch(period):
        return f"{m[1]}年第{_QUARTER_NAMES[int(m[2]) - 1]}季度"
    return period


def shift(period: str, steps: int) -> str:
    """The period ``steps`` after (negative: before) ``period``, in its own rhythm."""
    rhythm = rhythm_of(period)
    first, last = period_bounds(period)
    for _ in range(abs(steps)):
        day = last + dt.timedelta(days=1) if steps > 0 else first - dt.timedelta(days=1)
        first, last = period_bounds(period_of(day, rhythm))
    return period_of(first, rhythm)


def report_due(period: str, grace_days: int = DEFAULT_GRACE_DAYS) -> dt.date:
    """The last day to file ``period``'s report: ``grace_days`` after it ends (2026-10 → 2026-11-05)."""
    return period_bounds(period)[1] + dt.timedelta(days=grace_days)


def last_due_period(as_of: dt.date, rhythm: Rhythm = Rhythm.MONTHLY,
                    grace_days: int = DEFAULT_GRACE_DAYS) -> str | None:  # fmt: skip
    """The newest period of ``rhythm`` whose report was due before ``as_of`` (None: none within the
    last eight periods — a grace longer than the periods)."""
    period = shift(period_of(as_of, rhythm), -1)
    for _ in range(8):
        if report_due(period, grace_days) < as_of:
            return period
        period = shift(period, -1)
    return None


def last_due_month(as_of: dt.date, grace_days: int = DEFAULT_GRACE_DAYS) -> str | None:
    """The newest month whose report was due before ``as_of``."""
    return last_due_period(as_of, Rhythm.MONTHLY, grace_days)


def periods_due_between(start: dt.date, end: dt.date, rhythm: Rhythm = Rhythm.MONTHLY,
                        grace_days: int = DEFAULT_GRACE_DAYS) -> list[str]:  # fmt: skip
    """The periods of ``rhythm`` whose report falls due from ``start`` to ``end`` (both included), in
    order (the reminders of the days ahead)."""
    out: list[str] = []
    period = period_of(start - dt.timedelta(days=grace_days), rhythm)
    while (due := report_due(period, grace_days)) <= end:
        if due >= start:
            out.append(period)
        period = shift(period, 1)
    return out


def open_periods(as_of: dt.date, rhythm: Rhythm = Rhythm.MONTHLY,
                 grace_days: int = DEFAULT_GRACE_DAYS) -> list[str]:  # fmt: skip
    """The periods a report may be filed for on ``as_of`` without being late: the previous one while
    its grace lasts (its due day included), then the current one (本周 / 本月 / 本季度)."""
    current = period_of(as_of, rhythm)
    previous = shift(current, -1)
    return [previous, current] if report_due(previous, grace_days) >= as_of else [current]


def check_period(period: str, rhythm: Rhythm) -> str:
    """``period`` when it is a period of ``rhythm``; else ValueError saying what is expected."""
    example = {Rhythm.WEEKLY: "2026-W49", Rhythm.MONTHLY: "2026-10", Rhythm.QUARTERLY: "2026-Q4"}[rhythm]
    try:
        ok = rhythm_of(period) is rhythm
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"该任务{rhythm.label}调度，报送期应为一{_UNITS[rhythm]}，如 {period_label(example)} "
                         f"(this task reports {rhythm.value}: a period such as {example}, not {period!r})")  # fmt: skip
    return period


@dataclass(frozen=True)
class RhythmHint:
    """A rhythm the plan's own words suggest (建议调度频次), for the office to review, never applied by
    itself: 每周至少开展一次… is how often the work is done, not always how often it is reported."""

    rhythm: Rhythm
    text: str  # the words that suggest it, as the plan writes them


_HINTS = (
    (re.compile(r"以日保月"), Rhythm.MONTHLY),
    (re.compile(r"每周|一周一调度|周调度|按周"), Rhythm.WEEKLY),
    (re.compile(r"每季度?|季度调度|按季度?"), Rhythm.QUARTERLY),
    (re.compile(r"每月|月调度|按月"), Rhythm.MONTHLY),
)


def suggest_rhythms(text: str, limit: int = 3) -> list[RhythmHint]:
    """The rhythms ``text`` names (以日保月 → monthly, 每周 → weekly, 每季度 → quarterly, 每月 → monthly),
    each once with the clause that names it (up to 40 characters), in the order written."""
    found: dict[Rhythm, tuple[int, str]] = {}
    for pattern, rhythm in _HINTS:
        if rhythm in found:
            continue
        m = pattern.search(text)
        if m is None:
            continue
        start = max((text.rfind(c, 0, m.start()) for c in "，。；：、,;\n“”"), default=-1) + 1
        ends = [i for c in "，。；,;\n“”" if (i := text.find(c, m.end())) >= 0]
        clause = text[start : min(ends, default=len(text))].strip()
        found[rhythm] = (m.start(), clause if len(clause) <= 40 else clause[:39] + "…")
    return [RhythmHint(r, t) for r, (_, t) in sorted(found.items(), key=lambda kv: kv[1][0])][:limit]


@dataclass(frozen=True)
class Schedule:
    """The office's rounds (调度安排): its default rhythm and the grace days of each rhythm."""

    rhythm: Rhythm = Rhythm.MONTHLY  # 默认调度频次, where neither the task nor its plan sets one
    grace_days: int = DEFAULT_GRACE_DAYS  # months and quarters
    weekly_grace_days: int = DEFAULT_WEEKLY_GRACE_DAYS

    def grace(self, rhythm: Rhythm) -> int:
        return self.weekly_grace_days if rhythm is Rhythm.WEEKLY else self.grace_days

    def of(self, task: TaskRef) -> Rhythm:
        """The rhythm ``task`` reports at: its own or its plan's (``TaskRef.rhythm``), else the default."""
        return task.rhythm or self.rhythm

    def due(self, period: str) -> dt.date:
        return report_due(period, self.grace(rhythm_of(period)))

    def last_due(self, as_of: dt.date) -> dict[Rhythm, str | None]:
        """Per rhythm, the newest period whose report was due before ``as_of``."""
        return {r: last_due_period(as_of, r, self.grace(r)) for r in Rhythm}

    def open_periods(self, as_of: dt.date, rhythm: Rhythm) -> list[str]:
        return open_periods(as_of, rhythm, self.grace(rhythm))


def reporting_units(departments: Iterable[tuple[str, Role]]) -> list[str]:
    """The units that report on a task, or on one of its clauses, each month (调度报送单位): its 牵头 and
    负责 units, or every unit when it names neither — once each, in order. The store keeps the answer
    beside each task's units (``task_departments.reporter``) so the dashboard counts missing reports
    without redoing it."""
    named = list(departments)
    owners = [name for name, role in named if role in (Role.LEAD, Role.RESPONSIBLE)]
    return list(dict.fromkeys(owners or [name for name, _ in named]))


def clause_reporting_units(
    departments: Iterable[tuple[str, Role]], clauses: Iterable[Iterable[tuple[str, Role]]]
) -> list[list[str]]:
    """Per clause (子任务), the units that report on the task through it: the clause's reporting units
    that do not already report on the task itself or through an earlier clause."""
    seen = set(reporting_units(departments))
    out = []
    for clause in clauses:
        mine = [name for name in reporting_units(clause) if name not in seen]
        seen.update(mine)
        out.append(mine)
    return out


@dataclass(frozen=True)
class TaskRef:
    """What overdue detection needs of a task."""

    id: int
    plan_key: str
    number: str
    text: str
    status: TaskStatus
    last_deadline: dt.date | None
    departments: tuple[tuple[str, Role], ...]  # (normalised name, role)
    clauses: tuple[tuple[tuple[str, Role], ...], ...] = ()  # each sub-task's (normalised name, role), in order
    rhythm: Rhythm | None = None  # 调度频次: the task's own, else its plan's; None: the office's default

    @property
    def subtask_units(self) -> list[str]:
        """The units named on its sub-tasks (they see the task and report on those)."""
        return list(dict.fromkeys(name for clause in self.clauses for name, _ in clause))

    @property
    def named(self) -> list[tuple[str, Role]]:
        """Every (unit, role) the task names: on itself, then on its sub-tasks (Task.all_departments)."""
        return list(dict.fromkeys([*self.departments, *(pair for clause in self.clauses for pair in clause)]))

    @property
    def units(self) -> list[str]:
        """Every unit the task concerns: those named on it, then those named on its sub-tasks."""
        return list(dict.fromkeys([*(name for name, _ in self.departments), *self.subtask_units]))

    def is_overdue(self, as_of: dt.date) -> bool:
        """逾期: the last deadline has passed and the task is not completed (as PlanTask.is_overdue)."""
        return self.last_deadline is not None and self.last_deadline < as_of and self.status is not TaskStatus.COMPLETED

    def reporters(self, clauses: bool = True) -> list[str]:
        """Who owes the monthly report: the task's reporting units, then (``clauses``) its clauses'."""
        extra = clause_reporting_units(self.departments, self.clauses) if clauses else []
        return [*reporting_units(self.departments), *(name for part in extra for name in part)]


@dataclass(frozen=True)
class Overdue:
    kind: str  # deadline (任务逾期) | report (调度未报)
    task_id: int
    plan_key: str
    number: str
    text: str
    department: str
    due: dt.date
    days: int  # days past due on as_of
    period: str | None = None  # the period whose report is missing (2026-10, 2026-W49, 2026-Q4)

    @property
    def label(self) -> str:
        return "任务逾期" if self.kind == "deadline" else f"{period_label(self.period or '')} 调度未报"


def deadline_entry(task: TaskRef, department: str, as_of: dt.date) -> Overdue:
    """任务逾期: ``department`` owes ``task``, past its last deadline on ``as_of``."""
    assert task.last_deadline is not None
    return Overdue("deadline", task.id, task.plan_key, task.number, task.text, department, task.last_deadline,
                   (as_of - task.last_deadline).days)  # fmt: skip


def report_entry(task: TaskRef, department: str, period: str, as_of: dt.date,
                 grace_days: int = DEFAULT_GRACE_DAYS) -> Overdue:  # fmt: skip
    """调度未报: ``department`` has not filed ``task``'s report for ``period``."""
    due = report_due(period, grace_days)
    return Overdue("report", task.id, task.plan_key, task.number, task.text, department, due, (as_of - due).days,
                   period)  # fmt: skip


def order(o: Overdue) -> tuple[int, str, str, str]:
    """The longest overdue first, then by plan, number and department."""
    return -o.days, o.plan_key, o.number, o.department


def find(tasks: Iterable[TaskRef], filed: set[tuple[int, str, str]], as_of: dt.date,
         grace_days: int = DEFAULT_GRACE_DAYS, *, clauses: bool = True,
         schedule: Schedule | None = None) -> list[Overdue]:  # fmt: skip
    """Overdue tasks and missing reports on ``as_of``; ``filed`` holds (task id, department, period);
    ``clauses``: the units leading a task's clauses report on it too (see the module); ``schedule``:
    the office's rounds (default: monthly, ``grace_days``) — each task owes the newest period of its
    own rhythm that is due."""
    plan = schedule or Schedule(grace_days=grace_days)
    due = plan.last_due(as_of)
    out: list[Overdue] = []
    for task in tasks:
        if task.status is TaskStatus.COMPLETED:
            continue
        if task.is_overdue(as_of):
            out += [deadline_entry(task, name, as_of) for name in task.reporters(clauses)]
        rhythm = plan.of(task)
        period = due[rhythm]
        if period is None or (task.last_deadline is not None and task.last_deadline < period_bounds(period)[0]):
            continue
        out += [report_entry(task, name, period, as_of, plan.grace(rhythm)) for name in task.reporters(clauses)
                if (task.id, name, period) not in filed]  # fmt: skip
    out.sort(key=order)
    return out
