"""Overdue work (逾期): tasks past their deadline and monthly reports (调度) not filed in time.

Reports are monthly by default ("以日保月、以月保季"): the report for a month is due ``grace_days``
after the month ends (the 5th of the next month by default). A department owes a report for every
task it leads or is responsible for (牵头 / 负责) that is not completed and whose deadline had not
passed before the month began; 配合 units report through the lead. A task whose units are named
on its numbered clauses (子任务: 1. …市发改委牵头；2. …市工信局牵头) is reported on by each clause's
牵头 / 负责 units too, one report per unit and task, unless the office turns that off
(``clause_reporters = false``: only the units named on the task itself report).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from lantian.domain.plans.model import Role, TaskStatus

DEFAULT_GRACE_DAYS = 5


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``2026-10``."""
    try:
        year, month = (int(x) for x in period.split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        raise ValueError(f"not a month (月份格式应为 YYYY-MM): {period!r}") from None
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def report_due(period: str, grace_days: int = DEFAULT_GRACE_DAYS) -> dt.date:
    return month_bounds(period)[1] + dt.timedelta(days=grace_days)


def last_due_month(as_of: dt.date, grace_days: int = DEFAULT_GRACE_DAYS) -> str | None:
    """The newest month whose report was due before ``as_of``."""
    first = as_of.replace(day=1)
    prev = month_of(first - dt.timedelta(days=1))
    if report_due(prev, grace_days) < as_of:
        return prev
    before = month_of(month_bounds(prev)[0] - dt.timedelta(days=1))
    return before if report_due(before, grace_days) < as_of else None


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
    period: str | None = None  # the month whose report is missing

    @property
    def label(self) -> str:
        return "任务逾期" if self.kind == "deadline" else f"{self.period} 调度未报"


def deadline_entry(task: TaskRef, department: str, as_of: dt.date) -> Overdue:
    """任务逾期: ``department`` owes ``task``, past its last deadline on ``as_of``."""
    assert task.last_deadline is not None
    return Overdue("deadline", task.id, task.plan_key, task.number, task.text, department, task.last_deadline,
                   (as_of - task.last_deadline).days)  # fmt: skip


def report_entry(task: TaskRef, department: str, month: str, as_of: dt.date,
                 grace_days: int = DEFAULT_GRACE_DAYS) -> Overdue:  # fmt: skip
    """调度未报: ``department`` has not filed ``task``'s report for ``month``."""
    due = report_due(month, grace_days)
    return Overdue("report", task.id, task.plan_key, task.number, task.text, department, due, (as_of - due).days, month)


def order(o: Overdue) -> tuple[int, str, str, str]:
    """The longest overdue first, then by plan, number and department."""
    return -o.days, o.plan_key, o.number, o.department


def find(tasks: Iterable[TaskRef], filed: set[tuple[int, str, str]], as_of: dt.date,
         grace_days: int = DEFAULT_GRACE_DAYS, *, clauses: bool = True) -> list[Overdue]:  # fmt: skip
    """Overdue tasks and missing reports on ``as_of``; ``filed`` holds (task id, department, month);
    ``clauses``: the units leading a task's clauses report on it too (see the module)."""
    out: list[Overdue] = []
    month = last_due_month(as_of, grace_days)
    first = month_bounds(month)[0] if month else None
    for task in tasks:
        if task.status is TaskStatus.COMPLETED:
            continue
        if task.is_overdue(as_of):
            out += [deadline_entry(task, name, as_of) for name in task.reporters(clauses)]
        if month is None or first is None or (task.last_deadline is not None and task.last_deadline < first):
            continue
        out += [report_entry(task, name, month, as_of, grace_days) for name in task.reporters(clauses)
                if (task.id, name, month) not in filed]  # fmt: skip
    out.sort(key=order)
    return out
