"""Reviewers' corrections of flagged extractions (复核更正): what a flagged field should be.

The parser flags what it is unsure of (:class:`ReviewFlag`). Confirming a flag changes nothing;
correcting it says what the field is, and the correction is applied to the parsed plan:

============  ===============================================  ==========================================
flag field    the correction                                   applied to the task (or the sub-task named)
============  ===============================================  ==========================================
departments   牵头 / 负责 / 配合 units                           replace the units written on the part; the
                                                               implicit ones (不再列出) stay unless renamed
deadline      the deadline as it should read (2024年6月底前)     added to the part's deadlines, resolved
                                                               against the plan year
target        the target as it should read (PM2.5浓度降至35      replaces the targets read from the flagged
              微克/立方米)                                       text, else added (to the plan when the flag
                                                               is on no task)
meta          辖区 jurisdiction, 级别 level, 年度 year           the plan's metadata; a new year resolves
                                                               every deadline and target again
============  ===============================================  ==========================================

Flags on other fields (``annex``: a cut-off table; ``number``: a row without a number) can only be
confirmed: what they report is fixed in the source document. Everything here is pure: the store
keeps each correction with its flag and applies it again when a revised file raises the same flag.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from lantian.domain.plans.deadlines import find_deadlines
from lantian.domain.plans.departments import DepartmentDictionary, make_departments, split_names
from lantian.domain.plans.model import (
    LEVEL_LABELS,
    LEVEL_WORDS,
    ROLE_LABELS,
    Department,
    Level,
    ParsedPlan,
    ReviewFlag,
    Role,
    SubTask,
    Target,
    Task,
    unit_prefix,
)
from lantian.domain.plans.targets import find_targets
from lantian.errors import InputError

CORRECTABLE = ("departments", "deadline", "target", "meta")
FLAG_FIELD_LABELS = {"departments": "责任单位", "deadline": "完成时限", "target": "目标", "meta": "计划信息",
                     "annex": "附件", "number": "序号"}  # fmt: skip
VALUE_FIELDS = ("lead", "responsible", "cooperating", "text", "jurisdiction", "level", "year")
FORM_FIELDS = ("part", *VALUE_FIELDS)  # what a reviewer fills in (the sub-task, then the values)
_SEPARATORS = re.compile(r"[，,；;\s]+")


FlagKey = tuple[str | None, str, str, str]


def flag_key(flag: ReviewFlag) -> FlagKey:
    """What identifies a flag across revisions of a plan: a revised file that raises the same flag
    keeps its review (and gets its correction again)."""
    return flag.task_number, flag.field, flag.message, flag.text


def unit_names(text: str) -> tuple[str, ...]:
    """``市发改委、市工信局`` (or commas, semicolons, spaces) → the names, once each, in order."""
    return tuple(dict.fromkeys(split_names(_SEPARATORS.sub("、", text.strip()))))


@dataclass(frozen=True)
class Correction:
    """What a flagged field should be (see the module's table for which fields each flag takes)."""

    field: str  # the flag's field: departments | deadline | target | meta
    part: str | None = None  # a sub-task's number (1.2); None: the task itself
    lead: tuple[str, ...] = ()  # 牵头单位
    responsible: tuple[str, ...] = ()  # 责任单位
    cooperating: tuple[str, ...] = ()  # 配合单位
    text: str = ""  # the deadline or target as it should read
    jurisdiction: str | None = None  # 辖区
    level: Level | None = None  # 级别
    year: int | None = None  # 计划年度

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field}
        for name in ("part", "text", "jurisdiction", "year"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        for name in ("lead", "responsible", "cooperating"):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        if self.level is not None:
            out["level"] = self.level.value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Correction:
        """The stored or submitted form; names may come as a list or as one 、-separated string."""

        def names(key: str) -> tuple[str, ...]:
            value = data.get(key) or ()
            if isinstance(value, str):
                return unit_names(value)
            return tuple(dict.fromkeys(n for n in (str(v).strip() for v in value) if n))

        level = str(data.get("level") or "").strip()
        year = data.get("year")
        return cls(
            field=str(data.get("field") or ""),
            part=str(data.get("part") or "").strip() or None,
            lead=names("lead"),
            responsible=names("responsible"),
            cooperating=names("cooperating"),
            text=str(data.get("text") or "").strip(),
            jurisdiction=str(data.get("jurisdiction") or "").strip() or None,
            level=parse_level(level) if level else None,
            year=parse_year(year) if year not in (None, "") else None,
        )

    @classmethod
    def given(cls, field: str, values: Mapping[str, Any]) -> Correction | None:
        """The correction that form fields or command-line options (``FORM_FIELDS``) make for a flag
        on ``field``; None when no value is filled in (the reviewer confirms, or only notes)."""
        if not any(values.get(k) not in (None, "", [], ()) for k in VALUE_FIELDS):
            return None
        return cls.from_dict({"field": field, **{k: values.get(k) for k in FORM_FIELDS}})

    def summary(self) -> str:
        """The correction as the review screen and the audit log say it (牵头：市发改委；配合：市工信局)."""
        parts = [f"子任务 {self.part}"] if self.part else []
        for role, names in ((Role.LEAD, self.lead), (Role.RESPONSIBLE, self.responsible),
                            (Role.COOPERATING, self.cooperating)):  # fmt: skip
            if names:
                parts.append(f"{ROLE_LABELS[role]}：{'、'.join(names)}")
        if self.text:
            parts.append(f"{'完成时限' if self.field == 'deadline' else '目标'}：{self.text}")
        if self.jurisdiction:
            parts.append(f"辖区：{self.jurisdiction}")
        if self.level is not None:
            parts.append(f"级别：{LEVEL_LABELS[self.level]}")
        if self.year:
            parts.append(f"年度：{self.year}")
        return "；".join(parts)


def part_at(task: Task | None, line: int) -> str | None:
    """The sub-task whose lines hold ``line`` (what a flag there is about), None for the task itself."""
    subtasks = task.subtasks if task is not None else []
    return next((s.number for s in subtasks if s.source.line <= line <= s.source.end_line), None)


def parse_level(text: str) -> Level:
    word = text.strip().removesuffix("级")
    if word in LEVEL_WORDS:
        return LEVEL_WORDS[word]
    try:
        return Level(word)
    except ValueError:
        raise InputError(f"unknown level {text!r}: province, city, county, district or 省/市/县/区 "
                         "(级别应为省、市、县或区)",
                         field="level") from None  # fmt: skip


def parse_year(value: object) -> int:
    try:
        year = int(str(value).strip())
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        raise InputError(f"not a plan year: {value!r} (年度应为 2000–2100 之间的年份)", field="year")
    return year


def apply_correction(
    plan: ParsedPlan, flag: ReviewFlag, correction: Correction, dictionary: DepartmentDictionary
) -> ParsedPlan:
    """A copy of ``plan`` with ``flag``'s field as ``correction`` says; InputError (naming the field)
    when the correction does not fit the flag or cannot be read."""
    if flag.field not in CORRECTABLE:
        raise InputError(
            f"a flag on {flag.field!r} can only be confirmed; fix the source document and import it again "
            "(该类复核项只能确认，请修改原文件后重新导入)", field="field",
        )  # fmt: skip
    if correction.field != flag.field:
        raise InputError(f"this flag is about {flag.field!r}, not {correction.field!r} (更正字段不符)", field="field")
    out = copy.deepcopy(plan)
    if flag.field == "meta":
        return _meta(out, correction)
    task = _task(out, flag)
    if task is None and flag.field != "target":
        raise InputError(f"the plan has no task {flag.task_number} (没有该任务)", field="task")
    part: Task | SubTask | None = task
    if task is not None and correction.part:
        part = next((s for s in task.subtasks if s.number == correction.part), None)
        if part is None:
            numbers = "、".join(s.number for s in task.subtasks) or "无"
            raise InputError(f"task {task.number} has no sub-task {correction.part} (没有该子任务，可选：{numbers})",
                             field="part")  # fmt: skip
    if flag.field == "departments":
        assert part is not None
        prefix = unit_prefix(out.meta.level)
        part.departments = _departments(part.departments, correction, dictionary, prefix, flag.line)
    elif flag.field == "deadline":
        assert part is not None
        found, unresolved = find_deadlines(correction.text, out.meta.year, line=flag.line)
        if unresolved or not found:
            raise InputError(f"deadline not understood (时限无法解析): {correction.text or '（空）'}", field="text")
        kept = [d for d in part.deadlines if d.text != flag.text]
        part.deadlines = [*kept, *(d for d in found if d.text not in {k.text for k in kept})]
    else:
        found_t, issues = find_targets(correction.text, out.meta.year, line=flag.line)
        if issues or not found_t:
            why = "；".join(i.message for i in issues) or "no target found (未识别到目标)"
            raise InputError(
                f"target not understood (目标无法解析): {correction.text or '（空）'}: {why}", field="text"
            )
        holder: Task | SubTask | ParsedPlan = out if part is None else part
        if part is None:  # a document target is the plan's place's (as the parser reads them)
            found_t = [replace(x, jurisdiction=out.meta.jurisdiction) for x in found_t]
        holder.targets = [*(x for x in holder.targets if x.text != flag.text), *found_t]
    return out


def _task(plan: ParsedPlan, flag: ReviewFlag) -> Task | None:
    if flag.task_number is None:
        return None
    return next((t for t in plan.tasks if t.number == flag.task_number), None)


def _departments(
    current: list[Department], c: Correction, dictionary: DepartmentDictionary, prefix: str, line: int
) -> list[Department]:
    """The units as the reviewer names them, read as the parser reads a clause's (the plan's prefix
    restored: 发改委 → 市发改委), then the implicit ones not renamed."""
    named: dict[str, Role] = {}
    out: list[Department] = []
    for role, names in ((Role.LEAD, c.lead), (Role.RESPONSIBLE, c.responsible), (Role.COOPERATING, c.cooperating)):
        for d in make_departments(list(names), role, dictionary, prefix, line, implicit=False):
            if d.normalized in named:
                raise InputError(
                    f"{d.written} is named twice ({ROLE_LABELS[named[d.normalized]]}, {ROLE_LABELS[role]}) "
                    "(同一单位只能有一种职责)",
                    field=role.value,
                )  # fmt: skip
            named[d.normalized] = role
            out.append(d)
    if not out:
        raise InputError("name at least one unit (请填写牵头、负责或配合单位)", field="lead")
    return [*out, *(d for d in current if d.implicit and d.normalized not in named)]


def _meta(plan: ParsedPlan, c: Correction) -> ParsedPlan:
    if c.jurisdiction is None and c.level is None and c.year is None:
        raise InputError("give the jurisdiction, the level or the year (请填写辖区、级别或年度)", field="jurisdiction")
    old_year, old_place = plan.meta.year, plan.meta.jurisdiction
    if c.jurisdiction and c.jurisdiction != old_place:  # the document targets were read as the old place's
        plan.targets = [replace(x, jurisdiction=c.jurisdiction) if x.jurisdiction in (None, old_place) else x
                        for x in plan.targets]  # fmt: skip
    plan.meta = replace(
        plan.meta,
        jurisdiction=c.jurisdiction or plan.meta.jurisdiction,
        level=c.level or plan.meta.level,
        year=c.year or plan.meta.year,
    )
    if c.year and c.year != old_year:
        _resolve_again(plan, c.year)
    return plan


def _resolve_again(plan: ParsedPlan, year: int) -> None:
    """Deadlines and targets read against the plan year (6月底前, 年内; a target without its own year)
    are read again against ``year``; those that name their year come out the same."""
    for task in plan.tasks:
        parts: list[Task | SubTask] = [task, *task.subtasks]
        for part in parts:
            for i, d in enumerate(part.deadlines):
                found, _ = find_deadlines(d.text, year, line=d.line)
                if len(found) == 1:
                    part.deadlines[i] = replace(d, start=found[0].start, end=found[0].end)
            part.targets = [_target_again(x, year) for x in part.targets]
    plan.targets = [_target_again(x, year) for x in plan.targets]


def _target_again(target: Target, year: int) -> Target:
    found, _ = find_targets(target.text, year, line=target.line)
    same = [x for x in found if (x.indicator, x.value) == (target.indicator, target.value)]
    return replace(target, year=same[0].year) if len(same) == 1 else target
