"""What changed between two revisions of a plan (修订差异): tasks added, removed and changed.

Tasks are matched by their number (序号); a changed task lists the fields that differ (text,
title, category, departments, deadlines, targets, sub-tasks). Document-level targets are compared
as a set of ``(jurisdiction, indicator, comparator, value, year)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lantian.domain.plans.model import ParsedPlan, Target, Task

FIELD_LABELS = {
    "title": "标题",
    "category": "重点工作任务",
    "text": "具体内容",
    "departments": "责任单位",
    "deadlines": "完成时限",
    "targets": "目标值",
    "subtasks": "子任务",
}

META_LABELS = {
    "title": "标题",
    "issuer": "发文机关",
    "doc_number": "文号",
    "issued_on": "成文日期",
    "level": "级别",
    "jurisdiction": "辖区",
    "year": "年度",
}


@dataclass
class TaskChange:
    number: str
    fields: list[str]
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlanDiff:
    added: list[str] = field(default_factory=list)  # task numbers
    removed: list[str] = field(default_factory=list)
    changed: list[TaskChange] = field(default_factory=list)
    targets_added: list[str] = field(default_factory=list)  # target texts
    targets_removed: list[str] = field(default_factory=list)
    meta_changed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.changed
            or self.targets_added
            or self.targets_removed
            or self.meta_changed
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "removed": self.removed,
            "changed": [
                {"number": c.number, "fields": c.fields, "before": c.before, "after": c.after} for c in self.changed
            ],
            "targets_added": self.targets_added,
            "targets_removed": self.targets_removed,
            "meta_changed": self.meta_changed,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlanDiff:
        return cls(
            added=list(d.get("added", [])),
            removed=list(d.get("removed", [])),
            changed=[
                TaskChange(c["number"], list(c["fields"]), c.get("before", {}), c.get("after", {}))
                for c in d.get("changed", [])
            ],
            targets_added=list(d.get("targets_added", [])),
            targets_removed=list(d.get("targets_removed", [])),
            meta_changed=list(d.get("meta_changed", [])),
        )


def _fingerprint(task: Task) -> dict[str, Any]:
    return {
        "title": task.title or "",
        "category": task.category or "",
        "text": task.text,
        "departments": sorted(
            f"{d.role.value}:{d.normalized}{'*' if d.implicit else ''}" for d in task.all_departments()
        ),
        "deadlines": sorted(f"{d.text}:{d.start}:{d.end}" for d in task.all_deadlines()),
        "targets": sorted(_target_key(t) for t in task.all_targets()),
        "subtasks": [s.number for s in task.subtasks],
    }


def _target_key(t: Target) -> str:
    return f"{t.jurisdiction or ''}|{t.indicator}|{t.comparator}|{t.value}|{t.stretch_value}|{t.year}"


def diff_plans(old: ParsedPlan, new: ParsedPlan) -> PlanDiff:
    old_tasks = {t.number: t for t in old.tasks}
    new_tasks = {t.number: t for t in new.tasks}
    out = PlanDiff(
        added=[n for n in new_tasks if n not in old_tasks],
        removed=[n for n in old_tasks if n not in new_tasks],
    )
    for number, task in new_tasks.items():
        if number not in old_tasks:
            continue
        a, b = _fingerprint(old_tasks[number]), _fingerprint(task)
        fields = [k for k in a if a[k] != b[k]]
        if fields:
            out.changed.append(TaskChange(number, fields, {k: a[k] for k in fields}, {k: b[k] for k in fields}))
    old_t = {_target_key(t): t.text for t in old.targets}
    new_t = {_target_key(t): t.text for t in new.targets}
    out.targets_added = [new_t[k] for k in new_t if k not in old_t]
    out.targets_removed = [old_t[k] for k in old_t if k not in new_t]
    for name in ("title", "issuer", "doc_number", "issued_on", "level", "jurisdiction", "year"):
        if getattr(old.meta, name) != getattr(new.meta, name):
            out.meta_changed.append(name)
    return out
