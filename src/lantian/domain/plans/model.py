"""The parsed plan (解析后的计划): plan metadata, tasks, sub-tasks, departments, deadlines, targets.

These dataclasses are the contract between the parser, the store, the exports and
``lantian plans parse --json`` (documented in ``docs/plan-json.md``). They are pure data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    LEAD = "lead"  # 牵头单位
    COOPERATING = "cooperating"  # 配合单位 / 参与单位
    RESPONSIBLE = "responsible"  # 责任单位 (负责 / 按职责分工负责 / 负责落实)


ROLE_LABELS = {Role.LEAD: "牵头", Role.COOPERATING: "配合", Role.RESPONSIBLE: "负责"}
ROLE_RANK = {Role.LEAD: 0, Role.RESPONSIBLE: 1, Role.COOPERATING: 2}  # a unit named twice on a task: 牵头 > 负责 > 配合


def strongest_roles(named: Iterable[tuple[str, Role]]) -> dict[str, Role]:
    """Each unit once, with its strongest role among those it is named with (牵头 > 负责 > 配合)."""
    roles: dict[str, Role] = {}
    for name, role in named:
        if name not in roles or ROLE_RANK[role] < ROLE_RANK[roles[name]]:
            roles[name] = role
    return roles


class TaskStatus(StrEnum):
    """Progress status of a task (任务状态); reported through progress (调度), default 未启动."""

    NOT_STARTED = "not_started"  # 未启动
    IN_PROGRESS = "in_progress"  # 推进中
    COMPLETED = "completed"  # 已完成
    DELAYED = "delayed"  # 滞后


STATUS_LABELS = {
    TaskStatus.NOT_STARTED: "未启动",
    TaskStatus.IN_PROGRESS: "推进中",
    TaskStatus.COMPLETED: "已完成",
    TaskStatus.DELAYED: "滞后",
}


class Level(StrEnum):
    PROVINCE = "province"  # 省
    CITY = "city"  # 设区市
    COUNTY = "county"  # 县级市 / 县
    DISTRICT = "district"  # 区 / 开发区


LEVEL_WORDS = {"省": Level.PROVINCE, "市": Level.CITY, "县": Level.COUNTY, "区": Level.DISTRICT}  # a unit's prefix
LEVEL_LABELS = {Level.PROVINCE: "省级", Level.CITY: "市级", Level.COUNTY: "县级", Level.DISTRICT: "区级"}


def unit_prefix(level: Level | None) -> str:
    """The prefix a plan of ``level`` writes before its own departments (发改委 → 市发改委)."""
    return {Level.PROVINCE: "省", Level.DISTRICT: "区"}.get(level, "市") if level else "市"


@dataclass(frozen=True)
class Source:
    """Where a field came from: first and last line (1-based, inclusive) and the text there."""

    line: int
    end_line: int
    text: str = ""


@dataclass
class ReviewFlag:
    """An extraction the parser is not sure of (待复核): shown by ``lantian plans review``."""

    field: str  # e.g. "departments", "deadline", "target", "annex"
    message: str
    line: int
    text: str = ""
    task_number: str | None = None


@dataclass
class Department:
    name: str  # as written, prefix restored from the list it stood in (市发改委、工信局 → 工信局)
    normalized: str  # through the department dictionary (市工信局 → 市工业和信息化局)
    role: Role
    implicit: bool = False  # from "以下均需…负责落实，不再列出"
    written: str = ""  # the exact characters in the document
    line: int = 0


@dataclass
class Deadline:
    text: str  # as written: 6月底前, 年内, 到2025年, 秋冬季期间, 每月至少开展2次
    start: dt.date | None
    end: dt.date | None
    recurring: str | None = None  # a recurring duty: "monthly:2" for 每月至少开展2次
    line: int = 0


@dataclass
class Target:
    text: str
    indicator: str  # canonical key where known (pm25, good_day_ratio, dustfall, …) else the words
    comparator: str  # ">=", "<=", "decrease_by", "increase_by", "multiply_by", "=", "~"
    value: float | None
    unit: str
    year: int | None
    baseline_year: int | None = None
    stretch_value: float | None = None  # 力争
    jurisdiction: str | None = None
    indicator_label: str = ""  # the Chinese words of the indicator (PM2.5浓度, 优良天数比率)
    source: str = ""  # "text" or "附件1" …
    line: int = 0


COMPARATOR_LABELS = {  # Target.comparator as a page shows it (比较方式)
    ">=": "≥",
    "<=": "≤",
    "decrease_by": "下降",
    "increase_by": "提高",
    "multiply_by": "增至",
    "=": "=",
    "~": "约",
}


@dataclass
class SubTask:
    number: str  # "1.1", "1.2" … within the task
    text: str
    departments: list[Department] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    source: Source = field(default_factory=lambda: Source(0, 0))
    responsibility_text: str = ""  # the clause: 市发改委牵头，市工信局等配合


@dataclass
class Task:
    number: str  # 1, 2 … or （一） … or 三（一）
    title: str | None  # the bold title (优化产业结构) or the sentence before the first 。
    text: str
    section_path: list[str] = field(default_factory=list)
    category: str | None = None  # 重点工作任务 (table plans); a blank cell continues the row above
    subtasks: list[SubTask] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    source: Source = field(default_factory=lambda: Source(0, 0))
    responsibility_text: str = ""
    flags: list[ReviewFlag] = field(default_factory=list)

    def all_departments(self) -> list[Department]:
        """Task-level and sub-task-level departments, each (normalized, role) once."""
        seen: set[tuple[str, Role]] = set()
        out: list[Department] = []
        for d in [*self.departments, *(d for s in self.subtasks for d in s.departments)]:
            key = (d.normalized, d.role)
            if key not in seen:
                seen.add(key)
                out.append(d)
        return out

    def all_deadlines(self) -> list[Deadline]:
        return [*self.deadlines, *(d for s in self.subtasks for d in s.deadlines)]

    def all_targets(self) -> list[Target]:
        return [*self.targets, *(t for s in self.subtasks for t in s.targets)]


@dataclass
class AnnexTable:
    number: str  # "附件1"
    title: str
    header: list[str]
    rows: list[list[str]]
    line: int
    truncated: bool = False


@dataclass
class PlanMeta:
    title: str
    issuer: str | None = None  # 发文机关
    doc_number: str | None = None  # 文号, 苏气办〔2023〕16号
    issued_on: dt.date | None = None
    level: Level | None = None
    jurisdiction: str | None = None  # 苏州市
    year: int | None = None  # the plan year deadlines resolve against
    style: str = ""  # table | numbered | provincial | items


@dataclass
class ParsedPlan:
    meta: PlanMeta
    tasks: list[Task] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)  # document-level and annex targets
    annexes: list[AnnexTable] = field(default_factory=list)
    flags: list[ReviewFlag] = field(default_factory=list)
    file: str = ""
    sha256: str = ""

    def all_flags(self) -> list[ReviewFlag]:
        return [*self.flags, *(f for t in self.tasks for f in t.flags)]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = to_jsonable(self)
        return data


@dataclass
class PlanTask:
    """A stored task with the plan it belongs to (what ``tasks list`` and the exports work on)."""

    plan_key: str  # the plan's key in the store (its 文号 where it has one)
    plan_title: str
    task: Task
    status: TaskStatus = TaskStatus.NOT_STARTED

    def last_deadline(self) -> dt.date | None:
        """The latest end date among the task's deadlines (完成时限), None when it has none."""
        ends = [d.end for d in self.task.all_deadlines() if d.end is not None]
        return max(ends) if ends else None

    def is_overdue(self, as_of: dt.date) -> bool:
        """逾期: the last deadline has passed and the task is not completed."""
        last = self.last_deadline()
        return last is not None and last < as_of and self.status is not TaskStatus.COMPLETED


_SCALARS = (str, int, float, bool, type(None))


def to_jsonable(value: Any) -> Any:
    """Dataclasses, lists, dates and enums → plain JSON values (a fast ``asdict``: no deep copies)."""
    if isinstance(value, StrEnum):
        return value.value
    if type(value) in _SCALARS:
        return value
    if hasattr(value, "__dataclass_fields__"):
        return {name: to_jsonable(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
