"""考核评分 (scorecards): the places under the user's office ranked by their scorecard's total (ties
并列), and one place's scorecard with its breakdown; their JSON under ``/api/v1/scorecards``, which
``lantian targets scorecard --json`` prints too.

A place's card is read by its own place's users and those of the places above it (本级及下级); the
ranking runs over :meth:`~lantian.services.accountability.AccountabilityService.places`, the places
of the office's jurisdiction. The weights are the ``[scorecard]`` table of the rules
(``<data dir>/accountability.toml`` when there is one, else the shipped defaults): docs/accountability.md.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from lantian.bootstrap import App
from lantian.domain.targets.accountability import Rules
from lantian.domain.targets.registry import place_key
from lantian.domain.targets.scorecard import PART_LABELS, PARTS, Ranked, Scorecard
from lantian.domain.tracking import access
from lantian.domain.tracking.model import Actor
from lantian.errors import ForbiddenError, InputError, LantianError, NotFoundError
from lantian.web import forms
from lantian.web.api import Who
from lantian.web.deps import Viewer, lantian, status_of
from lantian.web.pages import page_reader, render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/scorecards", tags=["scorecards"])
Place = Annotated[str, Path(min_length=1, max_length=200)]
AsOf = Annotated[str, Query(max_length=40, description="截至日期 YYYY-MM-DD (default today, Beijing)")]


# ---------------------------------------------------------------- the typed shape (API and CLI --json)
class ScoreLineOut(BaseModel):
    """One scored item: a target (air quality or measured from progress reports) or the tasks line."""

    part: str = Field(description="air (空气质量) | reported (其他目标) | tasks (任务)")
    item: str = Field(description="考核项: the indicator's name; for tasks, 到期任务完成率")
    indicator: str = Field(description="the indicator key; '' for the tasks line")
    target: str = Field(description="目标 as written (≤ 35); for tasks, the tasks due")
    value: str = Field(description="至今 the value to date ('—' when not measured); for tasks, those completed")
    score: float | None = Field(description="得分 0–100, one decimal; None: nothing to score")
    weight: float = Field(description="权重 within its part (the tasks line: the part's weight)")
    percent_complete: float | None = Field(None, description="其他目标: % complete to date")
    due: int | None = Field(None, description="the tasks line: tasks due by the date")
    completed: int | None = Field(None, description="the tasks line: of them completed")


class ScorecardOut(BaseModel):
    """A place's scorecard (考核评分) on a date."""

    jurisdiction: str = Field(description="辖区")
    as_of: dt.date = Field(description="截至日期")
    total: float | None = Field(description="总分: the parts weighed; None when nothing could be scored")
    air: float | None = Field(description="空气质量 part")
    reported: float | None = Field(description="其他目标 part (targets measured from progress reports)")
    tasks: float | None = Field(description="任务 part: share of the tasks due that are completed × 100")
    weights: dict[str, float] = Field(description="the parts' weights: air, reported, tasks")
    missing: list[str] = Field(description="parts with nothing to score, whose weight the others carry")
    note: str = Field(description="the same in words (中文 and English)")
    lines: list[ScoreLineOut]


class RankedOut(BaseModel):
    """A place in the ranking by total score."""

    rank: int | None = Field(description="名次, 1 = best; equal totals share the rank (并列); None: nothing to score")
    tied: bool = Field(description="并列: another place has the same rank")
    jurisdiction: str
    total: float | None
    air: float | None
    reported: float | None
    tasks: float | None


class ScorecardsOut(BaseModel):
    """The places under an office ranked by score (考核排名)."""

    office: str = Field(description="whose places: the office's jurisdiction")
    as_of: dt.date
    weights: dict[str, float]
    places: list[RankedOut]


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def weights_of(rules: Rules) -> dict[str, float]:
    w = rules.weights
    return {"air": float(w.air), "reported": float(w.reported), "tasks": float(w.tasks)}


def card_out(card: Scorecard, as_of: dt.date) -> ScorecardOut:
    lines = [
        ScoreLineOut(
            part=line.part,
            item=line.item,
            indicator=line.indicator,
            target=line.target,
            value=line.value,
            score=_f(line.score),
            weight=float(line.weight),
            percent_complete=_f(line.percent_complete),
            due=line.due,
            completed=line.completed,
        )
        for line in card.lines
    ]
    w = card.weights
    return ScorecardOut(
        jurisdiction=card.jurisdiction, as_of=as_of, total=_f(card.total), air=_f(card.air),
        reported=_f(card.reported), tasks=_f(card.tasks),
        weights={"air": float(w.air), "reported": float(w.reported), "tasks": float(w.tasks)},
        missing=list(card.missing), note=card.note, lines=lines,
    )  # fmt: skip


def ranking_out(office: str, ranked: list[Ranked], as_of: dt.date, rules: Rules) -> ScorecardsOut:
    places = [
        RankedOut(
            rank=r.rank,
            tied=r.tied,
            jurisdiction=r.card.jurisdiction,
            total=_f(r.card.total),
            air=_f(r.card.air),
            reported=_f(r.card.reported),
            tasks=_f(r.card.tasks),
        )
        for r in ranked
    ]
    return ScorecardsOut(office=office, as_of=as_of, weights=weights_of(rules), places=places)


# ---------------------------------------------------------------- what the pages and the API share
def rules_of(app: App) -> Rules:
    """The office's rules (``<data dir>/accountability.toml``), else the defaults lantian ships."""
    return app.rules()


def as_of_date(app: App, text: str) -> dt.date:
    """The as-of date typed (YYYY-MM-DD), else today in Beijing."""
    if not text.strip():
        return app.workflow.today()
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"the date is YYYY-MM-DD, not {text!r} (截至日期格式应为 2026-06-30)", field="as_of") from None
    if not 2000 <= day.year <= 2100:
        raise InputError(f"{text}: a year from 2000 to 2100 (截至日期的年份应在2000至2100之间)", field="as_of")
    return day


def office_of(app: App, actor: Actor) -> str:
    """The office whose places are ranked: the user's place, else (the command line) the platform's."""
    office = actor.jurisdiction.strip() or (app.office_place or "")
    if not office:
        raise NotFoundError("no office place is set (本平台未设所属辖区，无法确定考核范围)", field="place")
    return office


def require_card(app: App, actor: Actor, place: str) -> None:
    """A place's scorecard: for its own place's users and those of the places above it (本级及下级)."""
    if access.is_everywhere(actor):
        return
    mine = actor.jurisdiction
    if place_key(place) == place_key(mine) or access.above(mine, place, app.workflow.ancestors):
        return
    raise ForbiddenError(
        f"the scorecard of {place} is not yours to read "
        f"(只能查看本辖区及下级辖区的考核评分：{place}非本辖区或下级辖区，本账号辖区为{mine})",
        field="place",
    )


def ranked(app: App, actor: Actor, as_of: dt.date) -> ScorecardsOut:
    office = office_of(app, actor)
    rules = rules_of(app)
    places = app.accountability.places(office) or []
    return ranking_out(office, app.accountability.scorecards(places, as_of, rules), as_of, rules)


def card(app: App, actor: Actor, place: str, as_of: dt.date) -> ScorecardOut:
    require_card(app, actor, place)
    return card_out(app.accountability.scorecard(place, as_of, rules_of(app)), as_of)


# ---------------------------------------------------------------- pages
def _errors(error: LantianError, who: Viewer) -> dict[str, str]:
    return {error.field if error.field == "as_of" else "form": forms.error_text(error, who.lang)}


@router.get("/scorecards")
def scorecards_page(request: Request, as_of: AsOf = "") -> HTMLResponse:
    who = page_reader(request)
    app = lantian(request)
    errors: dict[str, str] = {}
    data, status = None, 200
    try:
        day = as_of_date(app, as_of)
    except InputError as exc:
        errors, status, day = _errors(exc, who), status_of(exc), app.workflow.today()
    try:
        data = ranked(app, who.actor, day)
    except NotFoundError as exc:  # no office, or the area maps name nothing under it: said on the page
        errors.setdefault("form", forms.error_text(exc, who.lang))
    own = who.actor.jurisdiction.strip() or app.office_place or ""
    return render(request, "scorecards.html", status, data=data, as_of=as_of if errors.get("as_of") else str(day),
                  errors=errors, own=own, PARTS=PARTS, PART_LABELS=PART_LABELS)  # fmt: skip


@router.get("/scorecards/{place}")
def scorecard_page(request: Request, place: Place, as_of: AsOf = "") -> HTMLResponse:
    who = page_reader(request)
    app = lantian(request)
    require_card(app, who.actor, place)
    errors: dict[str, str] = {}
    data, status = None, 200
    try:
        day = as_of_date(app, as_of)
    except InputError as exc:
        errors, status, day = _errors(exc, who), status_of(exc), app.workflow.today()
    try:
        data = card(app, who.actor, place, day)
    except NotFoundError as exc:  # no targets, no plans: nothing to score, said on the page
        errors.setdefault("form", forms.error_text(exc, who.lang))
    return render(request, "scorecard.html", status, place=place, data=data,
                  as_of=as_of if errors.get("as_of") else str(day), errors=errors, PARTS=PARTS,
                  PART_LABELS=PART_LABELS)  # fmt: skip


# ---------------------------------------------------------------- API
@api.get("", summary="考核排名 the places under the office ranked by scorecard total", response_model=ScorecardsOut)
def scorecards_api(request: Request, who: Who, as_of: AsOf = "") -> Any:
    app = lantian(request)
    return ranked(app, who.actor, as_of_date(app, as_of))


@api.get("/{place}", summary="考核评分 a place's scorecard with its breakdown", response_model=ScorecardOut)
def scorecard_api(request: Request, who: Who, place: Place, as_of: AsOf = "") -> Any:
    app = lantian(request)
    return card(app, who.actor, place, as_of_date(app, as_of))
