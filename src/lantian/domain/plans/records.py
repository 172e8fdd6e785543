"""What the plan store answers with (存储记录): summaries, revisions, flags and the task filter.

These are the port's types: storage fills them, services and front doors read them. Pure data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from lantian.domain.plans.corrections import Correction
from lantian.domain.plans.diff import PlanDiff
from lantian.domain.plans.model import Level, ReviewFlag, Role, Target, TaskStatus


@dataclass(frozen=True)
class PlanSummary:
    key: str  # 计划键
    title: str
    doc_number: str | None
    issuer: str | None
    issued_on: dt.date | None
    level: Level | None
    jurisdiction: str | None
    year: int | None
    style: str
    revision: int  # current revision number
    task_count: int
    target_count: int
    open_flags: int
    file: str
    imported_at: dt.datetime
    office: str = ""  # 导入单位: the importer's jurisdiction ('' : the command line)
    rhythm: str | None = None  # 调度频次 (overdue.Rhythm's value) of its tasks; None: the office's default


@dataclass(frozen=True)
class RevisionInfo:
    number: int
    file: str
    sha256: str
    imported_at: dt.datetime
    task_count: int
    target_count: int
    flag_count: int
    changes: PlanDiff | None  # against the previous revision; None for the first


class FlagStatus(StrEnum):
    OPEN = "open"  # 待复核
    CONFIRMED = "confirmed"  # 已确认 (the extraction is right)
    CORRECTED = "corrected"  # 已更正 (a reviewer wrote what it should be)


FLAG_LABELS = {FlagStatus.OPEN: "待复核", FlagStatus.CONFIRMED: "已确认", FlagStatus.CORRECTED: "已更正"}


@dataclass(frozen=True)
class StoredFlag:
    id: int
    plan_key: str
    revision: int
    flag: ReviewFlag
    status: str
    resolution: str | None = None
    correction: Correction | None = None  # the structured correction applied to the plan, if any


@dataclass(frozen=True)
class StoredTarget:
    plan_key: str
    task_number: str | None
    target: Target
    task_id: int | None = None
    plan_jurisdiction: str | None = None  # the plan's place: a task's target written without one takes it
    plan_year: int | None = None  # the plan's year: a target written without one takes it
    task_deadline: dt.date | None = None  # the task's latest 完成时限 (the pace runs to it)

    @property
    def place(self) -> str | None:
        """The target's place: as written, else the plan's."""
        return self.target.jurisdiction or self.plan_jurisdiction

    @property
    def year(self) -> int | None:
        """The target's year: as written, else the plan's."""
        return self.target.year if self.target.year is not None else self.plan_year


@dataclass
class TaskFilter:
    """Filters for ``tasks list``; every field narrows, None means any."""

    plan: str | None = None  # plan key
    department: str | None = None  # a name as written or normalised (matched through the dictionary)
    role: Role | None = None
    deadline_after: dt.date | None = None  # last deadline on or after
    deadline_before: dt.date | None = None  # last deadline on or before
    status: TaskStatus | None = None
    overdue_as_of: dt.date | None = None  # only tasks overdue on that date
    include_implicit: bool = True  # count implicit (不再列出) departments when filtering by department
    text: str | None = None  # substring of the task text or title
    departments: list[str] = field(default_factory=list)  # resolved names (set by the service)
