"""The rhythm of the rounds of reports (调度频次): weekly, monthly or quarterly, set by the office on a
plan (/plans) or on one task (/tasks/{id}); a task's own wins over its plan's, the plan's over the
office's default (``rhythm`` in ``<data>/workflow.toml``). Pages, API and the CLI's ``--json`` share
:class:`RhythmOut`; the rules are :mod:`lantian.domain.tracking.overdue`'s."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from lantian.bootstrap import App
from lantian.domain.tracking import access
from lantian.domain.tracking.model import Actor
from lantian.domain.tracking.overdue import RHYTHM_LABELS, Rhythm, parse_rhythm, period_label, suggest_rhythms
from lantian.errors import ForbiddenError, InputError
from lantian.web import api, forms, pages, views
from lantian.web.deps import Viewer, lantian, viewer

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1")

RhythmName = Literal["weekly", "monthly", "quarterly"]


def month_day(value: str | dt.date | None) -> str:
    """A day of the year as people write it on a form: 12月5日."""
    if not value:
        return ""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    return f"{day.month}月{day.day}日"


pages.templates.env.filters["period"] = period_label  # 2026-W49 → 2026年第49周
pages.templates.env.filters["md"] = month_day
pages.templates.env.globals["RHYTHM_LABELS"] = {r.value: label for r, label in RHYTHM_LABELS.items()}


def office_rhythm(request: Request) -> str:
    """The office's default rhythm (``rhythm`` in workflow.toml)."""
    return lantian(request).workflow.settings.rhythm.value


def plan_admin(who: Viewer, plan: dict[str, Any]) -> bool:
    """``who`` may set the plan's rhythm: the admin of its place (or of the office that imported it)."""
    if who.user is None:
        return False
    try:
        access.require_plan_admin(who.actor, plan.get("jurisdiction"), plan.get("office"))
    except ForbiddenError:
        return False
    return True


def plan_hints(request: Request, plans: list[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """The rhythms the plans' words suggest, for the plans whose rhythm ``request``'s user may set."""
    who = viewer(request)
    keys = [p["key"] for p in plans if plan_admin(who, p)]
    hints = lantian(request).plans.rhythm_hints(keys) if keys else {}
    return {k: [{"rhythm": h.rhythm.value, "text": h.text} for h in v] for k, v in hints.items()}


def task_hints(task: dict[str, Any]) -> list[dict[str, str]]:
    """The rhythms a task's own words suggest (每周至少开展一次… → 每周), for the office to review."""
    return [{"rhythm": h.rhythm.value, "text": h.text} for h in suggest_rhythms(task.get("full_text") or "")]


pages.templates.env.globals.update(office_rhythm=office_rhythm, plan_admin=plan_admin, plan_hints=plan_hints,
                                   task_hints=task_hints)  # fmt: skip


class RhythmOut(BaseModel):
    """A plan's or a task's rhythm after it was set (调度频次)."""

    plan: str = Field(description="计划键")
    task: str | None = Field(default=None, description="任务序号; none: the plan itself")
    rhythm: RhythmName | None = Field(description="set on it; none: inherited (a task its plan's, a plan the office's)")
    before: RhythmName | None = Field(description="what was set before")
    effective: RhythmName = Field(description="what its tasks now report at")
    label: str = Field(description="每周 / 每月 / 每季度")


def parse(text: str | None) -> Rhythm | None:
    """The rhythm chosen on a form or typed on the command line; "" or inherit: none of its own."""
    value = (text or "").strip()
    if value in ("", "inherit", "默认", "继承"):
        return None
    try:
        return parse_rhythm(value)  # weekly, or as people write it: 每周, 季度
    except ValueError:
        raise InputError(f"调度频次应为每周、每月或每季度 (rhythm: weekly, monthly or quarterly, not {value!r})",
                         field="rhythm") from None  # fmt: skip


def set_rhythm(app: App, actor: Actor, plan: str, rhythm: Rhythm | None, number: str | None = None) -> RhythmOut:
    """Set it (the plan service checks the place and audits) and say what the tasks now report at."""
    before = app.plans.set_rhythm(plan, rhythm, number, actor)
    if rhythm is not None:
        effective = rhythm
    elif number:  # a task that inherits: its plan's, else the office's
        summary = next((p for p in app.plans.list_plans() if p.key == plan), None)
        effective = Rhythm(summary.rhythm) if summary and summary.rhythm else app.workflow.settings.rhythm
    else:
        effective = app.workflow.settings.rhythm
    return RhythmOut(plan=plan, task=number or None, rhythm=rhythm.value if rhythm else None,
                     before=before.value if before else None, effective=effective.value,
                     label=effective.label)  # fmt: skip


# ---------------------------------------------------------------- pages
@router.post("/plans/rhythm")
@forms.redisplays(pages.plans)
async def plan_rhythm(request: Request, plan: Annotated[str, Form(max_length=200)],
                      rhythm: Annotated[str, Form(max_length=20)] = "") -> Response:  # fmt: skip
    """设定计划的调度频次 (the plan's office admin)."""
    who = await pages.page_user(request)
    views.require_admin(who)
    set_rhythm(lantian(request), who.actor, plan, parse(rhythm))
    return pages.back_to("/plans#rhythm")


@router.post("/tasks/{task_id}/rhythm")
@forms.redisplays(lambda request: pages.task(forms.path_id(request, "task_id"), request))
async def task_rhythm(task_id: api.Id, request: Request, rhythm: Annotated[str, Form(max_length=20)] = "") -> Response:
    """设定任务的调度频次 (the admin of the task's plan's place); "" follows the plan."""
    who = await pages.page_user(request)
    views.require_admin(who)
    app = lantian(request)
    ref = app.workflow.task(who.actor, task_id).ref  # a task the user sees, or 403/404
    set_rhythm(app, who.actor, ref.plan_key, parse(rhythm), ref.number)
    return pages.back_to(f"/tasks/{task_id}")


# ---------------------------------------------------------------- API
class PlanRhythmIn(BaseModel):
    plan: str = Field(max_length=200, description="计划键")
    rhythm: RhythmName | None = Field(description="weekly | monthly | quarterly; null: the office's default")
    task: str | None = Field(default=None, max_length=50, description="任务序号: set one task's instead")


class TaskRhythmIn(BaseModel):
    rhythm: RhythmName | None = Field(description="weekly | monthly | quarterly; null: follow the plan")


@api_router.put("/plans/rhythm", tags=["plans"], summary="调度频次 set a plan's (or one task's) rhythm")
def put_plan_rhythm(body: PlanRhythmIn, request: Request, who: api.Who) -> RhythmOut:
    views.require_admin(who)
    return set_rhythm(lantian(request), who.actor, body.plan, Rhythm(body.rhythm) if body.rhythm else None, body.task)


@api_router.put("/tasks/{task_id}/rhythm", tags=["tasks"], summary="调度频次 set a task's rhythm")
def put_task_rhythm(task_id: api.Id, body: TaskRhythmIn, request: Request, who: api.Who) -> RhythmOut:
    views.require_admin(who)
    app = lantian(request)
    ref = app.workflow.task(who.actor, task_id).ref
    return set_rhythm(app, who.actor, ref.plan_key, Rhythm(body.rhythm) if body.rhythm else None, ref.number)
