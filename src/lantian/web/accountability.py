"""问责 (``/accountability``): the flags of a period over the office's places (连续N月倒数M位, 末位),
each with its evidence, its required action, open or closed and the actions recorded; the escalation
ladder per place; recording an action (大气办) with its document, minutes and files. The same under
``/api/v1/accountability``; the schemas are shared with ``lantian targets flags|action … --json``.
docs/accountability.md, "Flags and actions".
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, Field

from lantian.bootstrap import App
from lantian.domain.targets.actions import STATE_LABELS, Action, FlagState
from lantian.domain.tracking.model import Actor, UserRole
from lantian.errors import InputError, LantianError, NotFoundError
from lantian.services.actions import FlagsView
from lantian.web import forms
from lantian.web.api import Id, Who, read_files
from lantian.web.deps import lantian
from lantian.web.pages import back_to, page_reader, page_user, render, uploads

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/accountability", tags=["accountability"])

Month = Annotated[str | None, Query(alias="from", max_length=7, description="起始月份 YYYY-MM (default: 12 months)")]
ToMonth = Annotated[str | None, Query(alias="to", max_length=7, description="截止月份 YYYY-MM (newest complete month)")]
PlaceQ = Annotated[str | None, Query(max_length=200, description="只看该地区 one place's flags")]


# ---------------------------------------------------------------- schemas (shared with the CLI's --json)
class FileOut(BaseModel):
    id: int
    filename: str
    size: int
    url: str = Field(description="the download (place-checked)")


class ActionOut(BaseModel):
    id: int
    place: str = Field(description="被问责地区 the flagged place")
    rule: str = Field(description="the flag it answers: the rule's name")
    period: str = Field(description="… and the period the flag was reached, YYYY-MM")
    kind: str = Field(description="警示 | 通报 | 约谈 | 挂牌督办 | 专项帮扶 | 区域限批 | 区域限批解除 | …")
    on: dt.date = Field(description="the day it happened")
    unit: str = Field(description="实施单位 who acted")
    recorded_by: str = Field(description="the login that recorded it")
    document: str = Field(description="文号/标题")
    minutes: str = Field(description="约谈纪要 or a note")
    created_at: dt.datetime
    files: list[FileOut]


class MonthRankOut(BaseModel):
    period: str
    rank: int
    ranked: int = Field(description="places ranked that month")


class FlagOut(BaseModel):
    source: str = Field(description="streak (连续N月倒数M位) | ladder (末位问责)")
    rule: str
    place: str
    period: str = Field(description="the period the flag was reached (a ladder step: its month)")
    last: str = Field(description="the last period of the streak")
    streak: int = Field(description="consecutive months in the bottom (ladder: last)")
    required: str = Field(description="the action the rule requires")
    state: str = Field(description="open | in_force (区域限批, not yet lifted) | closed")
    state_label: str = Field(description="未处理 | 限批中 | 已处理")
    open: bool
    evidence: list[MonthRankOut]
    actions: list[ActionOut]
    superseded_by: int | None = Field(None, description="the later ladder step's action that closed it")


class FlagsOut(BaseModel):
    office: str | None = Field(description="whose places: the user's place (or the platform's)")
    first: str
    last: str
    ranking: str
    months: list[str]
    places: list[str] = Field(description="the places ranked in the period")
    under: list[str] = Field(description="the office's places, ranked or not ([]: every place stored)")
    total: int
    open: int = Field(description="未处理: the open flags listed")
    closed: int
    kinds: list[str] = Field(description="the kinds an action may have")
    ranks: dict[str, dict[str, int | None]] = Field(description="period → place → rank (1 = best, ties share)")
    flags: list[FlagOut]


def action_out(a: Action) -> ActionOut:
    files = [FileOut(id=e.id, filename=e.filename, size=e.size, url=f"/accountability/actions/{a.id}/files/{e.id}")
             for e in a.evidence]  # fmt: skip
    return ActionOut(id=a.id, place=a.place, rule=a.flag.rule, period=a.flag.period, kind=a.kind, on=a.on,
                     unit=a.unit, recorded_by=a.recorded_by, document=a.document, minutes=a.minutes,
                     created_at=a.created_at, files=files)  # fmt: skip


def flag_out(s: FlagState) -> FlagOut:
    return FlagOut(
        source=s.source, rule=s.key.rule, place=s.key.place, period=s.key.period, last=s.last, streak=s.streak,
        required=s.required, state=s.state, state_label=STATE_LABELS[s.state], open=s.open,
        evidence=[MonthRankOut(period=p, rank=r, ranked=n) for p, r, n in s.months],
        actions=[action_out(a) for a in s.actions],
        superseded_by=None if s.superseded_by is None else s.superseded_by.id,
    )  # fmt: skip


def flags_out(view: FlagsView) -> FlagsOut:
    return FlagsOut(office=view.office, first=view.first, last=view.last, ranking=view.ranking, months=view.months,
                    places=view.places, under=view.under, total=len(view.states), open=view.open, closed=view.closed,
                    kinds=list(view.kinds), ranks=view.ranks, flags=[flag_out(s) for s in view.states])  # fmt: skip


def _office(app: App, actor: Actor) -> str | None:
    return app.actions.office(actor, app.office_place)


def default_unit(actor: Actor) -> str:
    """Who acts, as a 通报 is signed: the place's 大气办."""
    return f"{actor.jurisdiction}大气办" if actor.jurisdiction else "大气办"


# ---------------------------------------------------------------- page
@router.get("/accountability")
def accountability_page(request: Request) -> HTMLResponse:
    who = page_reader(request)
    app = lantian(request)
    f = forms.failed_form(request)
    q = request.query_params
    first = (f.value("from") if f else "") or q.get("from") or None
    last = (f.value("to") if f else "") or q.get("to") or None
    place = (q.get("place") or "").strip() or None
    rules = app.rules()
    view: FlagsOut | None = None
    problem: LantianError | None = None
    try:
        view = flags_out(app.actions.flags(who.actor, rules, office=_office(app, who.actor), first=first, last=last,
                                           place=place))  # fmt: skip
    except (NotFoundError, InputError) as exc:  # no data yet, no area maps, a month mistyped: said on the page
        problem = exc
    ladders: dict[str, list[FlagOut]] = {}
    for flag in view.flags if view else []:
        if flag.source == "ladder":
            ladders.setdefault(flag.place, []).append(flag)
    actions = sorted({a.id: a for fl in (view.flags if view else []) for a in fl.actions}.values(),
                     key=lambda a: (a.on, a.id), reverse=True)  # fmt: skip
    chosen = q.get("flag") or ""
    return render(
        request,
        "accountability.html",
        view=view,
        problem=forms.error_text(problem, who.lang) if problem else "",
        ranks=view.ranks if view else {},
        ladders=ladders,
        actions=actions,
        place=place or "",
        first=first or (view.first if view else ""),
        last=last or (view.last if view else ""),
        chosen=chosen,
        recorder=who.user is not None and who.user.role is UserRole.ADMIN,
        unit_default=default_unit(who.actor),
        today=app.workflow.today().isoformat(),
    )


def _flag_fields(flag: str) -> tuple[str, str, str]:
    """The flag picker's value, ``period|place|rule``."""
    parts = flag.split("|", 2)
    if len(parts) != 3 or not all(p.strip() for p in parts):
        raise InputError("choose the flag this action answers (请选择对应的预警)", field="flag")
    period, place, rule = (p.strip() for p in parts)
    return period, place, rule


@router.post("/accountability/actions")
@forms.redisplays(accountability_page)
async def record_page(
    request: Request,
    flag: Annotated[str, Form(max_length=500)] = "",
    kind: Annotated[str, Form(max_length=50)] = "",
    on: Annotated[str, Form(max_length=20)] = "",
    unit: Annotated[str, Form(max_length=300)] = "",
    document: Annotated[str, Form(max_length=600)] = "",
    minutes: Annotated[str, Form(max_length=20000)] = "",
    first: Annotated[str, Form(alias="from", max_length=7)] = "",
    last: Annotated[str, Form(alias="to", max_length=7)] = "",
) -> Response:
    who = await page_user(request)
    app = lantian(request)
    period, place, rule = _flag_fields(flag)
    files = await uploads(request)
    try:
        app.actions.record(who.actor, app.rules(), office=_office(app, who.actor), place=place, kind=kind, on=on,
                           unit=unit, document=document, minutes=minutes, rule=rule, period=period,
                           first=first or None, last=last or None, files=files)  # fmt: skip
    except LantianError as exc:
        if exc.field in ("rule", "period", "place"):  # the flag picker names all three
            exc.field = "flag"
        raise
    query = f"?from={first}&to={last}" if first and last else ""
    return back_to(f"/accountability{query}#actions")


@router.get("/accountability/actions/{action_id}/files/{file_id}")
def action_file(action_id: Id, file_id: Id, request: Request) -> FileResponse:
    who = page_reader(request)
    name, kind, path = lantian(request).actions.file(who.actor, action_id, file_id)
    return FileResponse(path, media_type=kind, filename=name)


# ---------------------------------------------------------------- API
@api.get("/flags", summary="问责预警 the flags of a period with their actions", response_model=FlagsOut)
def flags_api(request: Request, who: Who, first: Month = None, last: ToMonth = None, place: PlaceQ = None) -> FlagsOut:
    app = lantian(request)
    view = app.actions.flags(who.actor, app.rules(), office=_office(app, who.actor), first=first, last=last,
                             place=place)  # fmt: skip
    return flags_out(view)


@api.post("/actions", summary="登记问责措施 record an action on a flag (大气办)", response_model=ActionOut)
async def record_api(
    request: Request,
    who: Who,
    place: Annotated[str, Form(max_length=200, description="被问责地区")],
    kind: Annotated[str, Form(max_length=50, description="警示 | 通报 | 约谈 | …")],
    on: Annotated[str, Form(max_length=20, description="the day it happened, YYYY-MM-DD")],
    unit: Annotated[str, Form(max_length=200, description="实施单位 (default: the place's 大气办)")] = "",
    document: Annotated[str, Form(max_length=500, description="文号/标题")] = "",
    minutes: Annotated[str, Form(max_length=20000, description="约谈纪要 or a note")] = "",
    rule: Annotated[str, Form(max_length=200, description="the flag's rule (with period)")] = "",
    period: Annotated[str, Form(max_length=7, description="the period the flag was reached")] = "",
    first: Annotated[str, Form(alias="from", max_length=7)] = "",
    last: Annotated[str, Form(alias="to", max_length=7)] = "",
    files: Annotated[list[UploadFile] | None, File(description="材料 files")] = None,
) -> ActionOut:
    app = lantian(request)
    action = app.actions.record(
        who.actor, app.rules(), office=_office(app, who.actor), place=place, kind=kind, on=on,
        unit=unit or default_unit(who.actor), document=document, minutes=minutes, rule=rule or None,
        period=period or None, first=first or None, last=last or None, files=await read_files(files or []),
    )  # fmt: skip
    return action_out(action)


@api.get("/actions/{action_id}", summary="问责措施 one action (place-checked)", response_model=ActionOut)
def action_api(action_id: Id, request: Request, who: Who) -> ActionOut:
    return action_out(lantian(request).actions.action(who.actor, action_id))
