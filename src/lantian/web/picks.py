"""Pickers and plan revisions (选择器与修订对比): who a 督办 or 交办 may name, the tasks a person names
by the plan's own numbering (``苏气办〔2023〕16号 第5项``), what changed between two revisions of a
plan, and the word a page says when a correction moved a plan out of the office's list.

The typed schemas here are the API's responses and the command line's ``--json`` (``lantian plans
diff``): one shape for both.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import hmac
from pathlib import PurePath
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from lantian.domain.plans.diff import FIELD_LABELS, META_LABELS
from lantian.domain.plans.model import ROLE_LABELS, ParsedPlan, Task
from lantian.domain.tracking.access import sees_plan
from lantian.domain.tracking.model import Actor
from lantian.domain.tracking.overdue import TaskRef
from lantian.errors import InputError
from lantian.services.plans import Comparison
from lantian.web.api import Who
from lantian.web.deps import Viewer, lantian
from lantian.web.forms import failed_form

router = APIRouter(include_in_schema=False)  # pages
api_router = APIRouter(prefix="/api/v1")
MAX_INT = 2_147_483_647
From = Annotated[
    int | None, Query(alias="from", ge=1, le=MAX_INT, description="旧修订 old revision (default previous)")
]
To = Annotated[int | None, Query(alias="to", ge=1, le=MAX_INT, description="新修订 new revision (default current)")]
PlanKey = Annotated[str, Query(min_length=1, max_length=500, description="计划键 plan key")]


# ---------------------------------------------------------------- schemas
class TaskChoice(BaseModel):
    """A task as a person names it: its plan's key (文号) and its number (序号)."""

    id: int
    plan: str = Field(description="计划键 plan key, e.g. 苏气办〔2023〕16号")
    number: str = Field(description="序号 the task's number in its plan")
    place: str | None = Field(description="辖区 the plan's place")
    label: str = Field(description="苏气办〔2023〕16号 第5项 …: what the pickers show")


class AddresseesOut(BaseModel):
    """Who a 督办 or 交办 of the user's office may name (督办对象)."""

    units: list[str] = Field(description="部门和单位 named on the office's tasks (not catch-alls)")
    governments: list[str] = Field(description="下级人民政府 the governments of the places below")


class DepartmentCount(BaseModel):
    name: str
    tasks: int = Field(description="how many of the user's tasks name it")


class Span(BaseModel):
    text: str
    changed: bool = Field(description="removed (in before) or added (in after)")


class FieldChange(BaseModel):
    field: str = Field(
        description="text | title | category | departments | deadlines | targets | subtasks, "
        "or a metadata field (jurisdiction, year …)"
    )
    label: str = Field(description="the field's Chinese name (具体内容, 责任单位 …)")
    before: list[str]
    after: list[str]
    before_spans: list[Span] = Field(description="before, the removed parts marked (text: by character)")
    after_spans: list[Span] = Field(description="after, the added parts marked")
    separator: str = Field(description="what joins the spans on a page: '' for text, '、' for lists")


class TaskLine(BaseModel):
    number: str
    title: str
    text: str
    departments: list[str] = Field(description="单位（角色）")
    deadlines: list[str]
    targets: list[str]


class TaskChangeOut(BaseModel):
    number: str
    title: str
    fields: list[FieldChange]


class RevisionOut(BaseModel):
    number: int
    file: str
    imported_at: dt.datetime
    tasks: int


class PlanDiffOut(BaseModel):
    """What changed between two revisions of a plan (修订对比)."""

    key: str
    title: str
    jurisdiction: str | None
    from_revision: int
    to_revision: int
    revisions: list[RevisionOut]
    empty: bool = Field(description="nothing changed in content")
    added: list[TaskLine] = Field(description="新增任务")
    removed: list[TaskLine] = Field(description="删除任务")
    changed: list[TaskChangeOut] = Field(description="修改任务")
    targets_added: list[str] = Field(description="新增文件目标")
    targets_removed: list[str] = Field(description="删除文件目标")
    meta_changed: list[FieldChange] = Field(description="元数据变化")


# ---------------------------------------------------------------- shaping
def task_label(ref: TaskRef) -> str:
    text = ref.text if len(ref.text) <= 40 else ref.text[:40] + "…"
    return f"{ref.plan_key} 第{ref.number}项 {text}"


def task_choice(ref: TaskRef, place: str | None) -> TaskChoice:
    return TaskChoice(id=ref.id, plan=ref.plan_key, number=ref.number, place=place, label=task_label(ref))


def _departments(task: Task) -> list[str]:
    return [f"{d.normalized}（{ROLE_LABELS[d.role]}{'，隐含' if d.implicit else ''}）" for d in task.all_departments()]


def _values(task: Task, field: str) -> list[str]:
    """A task's field as a page shows it."""
    if field in ("title", "category", "text"):
        value = getattr(task, field) or ""
        return [value] if value else []
    if field == "departments":
        return _departments(task)
    if field == "deadlines":
        return list(dict.fromkeys(d.text for d in task.all_deadlines()))
    if field == "targets":
        return list(dict.fromkeys(t.text for t in task.all_targets()))
    if field == "subtasks":
        return [f"{s.number} {s.text[:60]}" for s in task.subtasks]
    raise ValueError(field)


TEXT_FIELDS = ("title", "category", "text")


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for span in spans:
        if out and out[-1].changed == span.changed:
            out[-1] = Span(text=out[-1].text + span.text, changed=span.changed)
        elif span.text:
            out.append(span)
    return out


def field_change(field: str, label: str, before: list[str], after: list[str]) -> FieldChange:
    """A field before and after, the parts that changed marked: a text by character (difflib), a list
    by item."""
    if field in TEXT_FIELDS:
        a, b = "".join(before), "".join(after)
        old: list[Span] = []
        new: list[Span] = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op == "equal":
                old.append(Span(text=a[i1:i2], changed=False))
                new.append(Span(text=b[j1:j2], changed=False))
            else:
                old.append(Span(text=a[i1:i2], changed=True))
                new.append(Span(text=b[j1:j2], changed=True))
        return FieldChange(
            field=field,
            label=label,
            before=before,
            after=after,
            before_spans=_merge(old),
            after_spans=_merge(new),
            separator="",
        )
    return FieldChange(
        field=field,
        label=label,
        before=before,
        after=after,
        before_spans=[Span(text=x, changed=x not in after) for x in before],
        after_spans=[Span(text=x, changed=x not in before) for x in after],
        separator="、",
    )


def _line(task: Task) -> TaskLine:
    return TaskLine(
        number=task.number,
        title=task.title or task.text[:60],
        text=task.text,
        departments=_departments(task),
        deadlines=_values(task, "deadlines"),
        targets=_values(task, "targets"),
    )


def _meta(plan: ParsedPlan, name: str) -> list[str]:
    value = getattr(plan.meta, name)
    return [] if value in (None, "") else [str(value)]


def diff_out(c: Comparison) -> PlanDiffOut:
    before = {t.number: t for t in c.before.tasks}
    after = {t.number: t for t in c.after.tasks}
    d = c.diff
    return PlanDiffOut(
        key=c.summary.key,
        title=c.after.meta.title,
        jurisdiction=c.after.meta.jurisdiction,
        from_revision=c.old,
        to_revision=c.new,
        revisions=[
            RevisionOut(number=r.number, file=PurePath(r.file).name, imported_at=r.imported_at, tasks=r.task_count)
            for r in c.revisions
        ],
        empty=d.empty,
        added=[_line(after[n]) for n in d.added],
        removed=[_line(before[n]) for n in d.removed],
        changed=[
            TaskChangeOut(
                number=x.number,
                title=after[x.number].title or after[x.number].text[:60],
                fields=[
                    field_change(f, FIELD_LABELS.get(f, f), _values(before[x.number], f), _values(after[x.number], f))
                    for f in x.fields
                ],
            )
            for x in d.changed
        ],
        targets_added=d.targets_added,
        targets_removed=d.targets_removed,
        meta_changed=[
            field_change(m, META_LABELS.get(m, m), _meta(c.before, m), _meta(c.after, m)) for m in d.meta_changed
        ],
    )


def diff_url(key: str, old: int | None = None, new: int | None = None) -> str:
    query = {"plan": key, **({"from": str(old)} if old else {}), **({"to": str(new)} if new else {})}
    return "/plans/diff?" + urlencode(query)


# ---------------------------------------------------------------- the 督办 form's pickers
def chosen_ids(values: list[str]) -> list[int]:
    """Task ids as the forms send them (checkboxes, or a list typed by hand: 12, 15)."""
    out = []
    for value in values:
        for part in value.replace("，", ",").split(","):
            part = part.strip()
            if part:
                if not part.isdigit() or len(part) > 10:
                    raise InputError(
                        f"相关任务「{part}」无法识别，请从查找结果中勾选 (pick the tasks)", field="task_ids"
                    )
                out.append(int(part))
    return list(dict.fromkeys(out))


def notice_form(request: Request, actor: Actor) -> dict[str, Any]:
    """What the 督办 form offers: the addressees, the tasks found by ``task_q`` and those already
    chosen (``task``, kept across searches)."""
    app = lantian(request)
    query = request.query_params.get("task_q", "")[:200]
    found = [task_choice(r, p) for r, p in app.workflow.find_tasks(actor, query)] if query.strip() else []
    sent = request.query_params.getlist("task")
    failed = failed_form(request)  # a refused post shown again: the tasks it had ticked stay ticked
    if failed is not None and failed.action == "/notices":
        sent = failed.values_of("task_ids")
    ids = [int(v) for v in sent if v.isdigit() and len(v) <= 10][:50]
    chosen = []
    if ids:  # only the ones the user sees (a hand-made link names no one else's)
        seen = {r.id: (r, p) for r, p in app.workflow.visible_tasks(actor) if r.id in set(ids)}
        chosen = [task_choice(*seen[i]) for i in ids if i in seen]
    picked = {c.id for c in chosen}
    return {
        "addressees": app.workflow.addressees(actor),
        "task_q": query,
        "found": [c for c in found if c.id not in picked],
        "chosen": chosen,
        "searched": bool(query.strip()),
    }


# ---------------------------------------------------------------- what a correction did
def _signature(who: Viewer, *parts: str) -> str:
    """A message is the session's: signed with its CSRF token, so a link cannot make a page say it."""
    secret = (who.csrf or "").encode()
    return hmac.new(secret, "\n".join(("corrected", *parts)).encode(), hashlib.sha256).hexdigest()[:32]


def corrected_url(request: Request, who: Viewer, key: str, place_changed: bool) -> str:
    """/plans with what a correction of ``key`` did (post/redirect/get, nothing stored): the revision
    it made, the place it now has when ``place_changed``, and whether the plan left ``who``'s list."""
    app = lantian(request)
    summary = next((p for p in app.plans.list_plans() if p.key == key), None)
    if summary is None:
        return "/plans"
    left = not sees_plan(who.actor, summary.jurisdiction, app.workflow.ancestors, summary.office)
    place = (summary.jurisdiction or "") if place_changed else ""
    parts = (key, str(summary.revision), place, "1" if left else "0")
    query = {"corrected": key, "rev": parts[1], "place": place, "left": parts[3], "sig": _signature(who, *parts)}
    return "/plans?" + urlencode(query) + "#corrected"


def corrected_message(request: Request, who: Viewer) -> dict[str, Any] | None:
    """What a signed ``corrected`` message in the query says, else None."""
    q = request.query_params
    parts = (q.get("corrected", ""), q.get("rev", ""), q.get("place", ""), q.get("left", ""))
    sig = q.get("sig", "")
    if not (parts[0] and parts[1].isdigit() and sig and who.csrf):
        return None
    if not hmac.compare_digest(sig, _signature(who, *parts)):
        return None
    key, revision, place, left = parts
    return {
        "plan": key,
        "revision": int(revision),
        "place": place,
        "left": left == "1",
        "diff": diff_url(key, None, int(revision)),
    }


# ---------------------------------------------------------------- routes
def _reader(request: Request) -> Viewer:
    from lantian.web.pages import page_reader

    return page_reader(request)


@router.get("/plans/diff")
def plan_diff_page(request: Request, plan: PlanKey, old: From = None, new: To = None) -> HTMLResponse:
    from lantian.web.pages import render

    who = _reader(request)
    comparison = lantian(request).plans.compare(plan, old, new, actor=who.actor)
    return render(request, "plan_diff.html", d=diff_out(comparison))


ApiUser = Who  # a session (401 otherwise), as every API route


@api_router.get(
    "/plans/diff", tags=["plans"], summary="修订对比 what changed between two revisions", response_model=PlanDiffOut
)
def plan_diff(request: Request, who: ApiUser, plan: PlanKey, old: From = None, new: To = None) -> PlanDiffOut:
    return diff_out(lantian(request).plans.compare(plan, old, new, actor=who.actor))


@api_router.get(
    "/task-choices",
    tags=["tasks"],
    summary="按文号、序号、内容查找任务 find tasks to name",
    response_model=list[TaskChoice],
)
def task_choices(
    request: Request,
    who: ApiUser,
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[TaskChoice]:
    return [task_choice(r, p) for r, p in lantian(request).workflow.find_tasks(who.actor, q, limit)]


@api_router.get(
    "/addressees", tags=["notices"], summary="督办对象 who a 督办 or 交办 may name", response_model=AddresseesOut
)
def addressees(request: Request, who: ApiUser) -> AddresseesOut:
    found = lantian(request).workflow.addressees(who.actor)
    return AddresseesOut(units=found.units, governments=found.governments)


@api_router.get(
    "/departments",
    tags=["tasks"],
    summary="我的任务涉及的部门 departments on the user's tasks",
    response_model=list[DepartmentCount],
)
def departments(request: Request, who: ApiUser) -> list[DepartmentCount]:
    return [DepartmentCount(name=n, tasks=k) for n, k in lantian(request).workflow.departments(who.actor)]
