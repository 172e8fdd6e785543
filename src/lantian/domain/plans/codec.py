"""Plans to and from JSON-ready dicts (计划序列化): the form ``plans parse --json`` prints and the store keeps.

``plan_to_dict`` is :meth:`ParsedPlan.to_dict`; ``plan_from_dict``/``task_from_dict`` rebuild the
dataclasses from it exactly (a round trip is tested on every seed).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lantian.domain.plans.model import (
    AnnexTable,
    Deadline,
    Department,
    Level,
    ParsedPlan,
    PlanMeta,
    ReviewFlag,
    Role,
    Source,
    SubTask,
    Target,
    Task,
    to_jsonable,
)


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def department_from_dict(d: dict[str, Any]) -> Department:
    return Department(
        name=d["name"],
        normalized=d["normalized"],
        role=Role(d["role"]),
        implicit=bool(d.get("implicit", False)),
        written=d.get("written", ""),
        line=int(d.get("line", 0)),
    )


def deadline_from_dict(d: dict[str, Any]) -> Deadline:
    return Deadline(
        text=d["text"],
        start=_date(d.get("start")),
        end=_date(d.get("end")),
        recurring=d.get("recurring"),
        line=int(d.get("line", 0)),
    )


def target_from_dict(d: dict[str, Any]) -> Target:
    return Target(**{k: d[k] for k in Target.__dataclass_fields__ if k in d})


def _source(d: dict[str, Any] | None) -> Source:
    d = d or {}
    return Source(int(d.get("line", 0)), int(d.get("end_line", 0)), d.get("text", ""))


def flag_from_dict(d: dict[str, Any]) -> ReviewFlag:
    return ReviewFlag(**{k: d[k] for k in ReviewFlag.__dataclass_fields__ if k in d})


def subtask_from_dict(d: dict[str, Any]) -> SubTask:
    return SubTask(
        number=d["number"],
        text=d["text"],
        departments=[department_from_dict(x) for x in d.get("departments", [])],
        deadlines=[deadline_from_dict(x) for x in d.get("deadlines", [])],
        targets=[target_from_dict(x) for x in d.get("targets", [])],
        source=_source(d.get("source")),
        responsibility_text=d.get("responsibility_text", ""),
    )


def task_to_dict(task: Task) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(task)
    return data


def plan_to_dict(plan: ParsedPlan, task_dicts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """:meth:`ParsedPlan.to_dict`, reusing task dicts already made (the store makes them once)."""
    if task_dicts is None:
        return plan.to_dict()
    data: dict[str, Any] = {}
    for name in plan.__dataclass_fields__:
        data[name] = task_dicts if name == "tasks" else to_jsonable(getattr(plan, name))
    return data


def task_from_dict(d: dict[str, Any]) -> Task:
    return Task(
        number=d["number"],
        title=d.get("title"),
        text=d["text"],
        section_path=list(d.get("section_path", [])),
        category=d.get("category"),
        subtasks=[subtask_from_dict(x) for x in d.get("subtasks", [])],
        departments=[department_from_dict(x) for x in d.get("departments", [])],
        deadlines=[deadline_from_dict(x) for x in d.get("deadlines", [])],
        targets=[target_from_dict(x) for x in d.get("targets", [])],
        source=_source(d.get("source")),
        responsibility_text=d.get("responsibility_text", ""),
        flags=[flag_from_dict(x) for x in d.get("flags", [])],
    )


def plan_from_dict(d: dict[str, Any]) -> ParsedPlan:
    m = d["meta"]
    meta = PlanMeta(
        title=m["title"],
        issuer=m.get("issuer"),
        doc_number=m.get("doc_number"),
        issued_on=_date(m.get("issued_on")),
        level=Level(m["level"]) if m.get("level") else None,
        jurisdiction=m.get("jurisdiction"),
        year=m.get("year"),
        style=m.get("style", ""),
    )
    return ParsedPlan(
        meta=meta,
        tasks=[task_from_dict(t) for t in d.get("tasks", [])],
        targets=[target_from_dict(t) for t in d.get("targets", [])],
        annexes=[AnnexTable(**a) for a in d.get("annexes", [])],
        flags=[flag_from_dict(f) for f in d.get("flags", [])],
        file=d.get("file", ""),
        sha256=d.get("sha256", ""),
    )
