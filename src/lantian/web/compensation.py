"""生态补偿 (/compensation): the settlement of a period over an office's places, each scheme's amount
and arithmetic per place and the totals; the office's 大气办 confirms it (确认结算, stored frozen and
audited); confirming again after the data changed shows what differs and asks before replacing.
Leaders read it. The same through the API (``GET /api/v1/compensation``, ``POST
/api/v1/compensation/confirm``) and as ``.xlsx`` (``/compensation.xlsx``, the command line's
``lantian targets compensation --xlsx``).

Whose settlement: the ``place`` asked for (default: the user's own place, else the office's); its
places are those under it (:meth:`AccountabilityService.places`). Who reads it:
:func:`lantian.domain.tracking.access.require_settlement_reader`; who confirms it: the place's admin.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from lantian.bootstrap import App
from lantian.domain.aq.periods import ranked_month
from lantian.domain.targets.compensation import PeriodSettlement, differences, period_code
from lantian.domain.tracking import access
from lantian.domain.tracking.model import Actor, User, UserRole
from lantian.errors import InputError, LantianError, NotFoundError
from lantian.reports.compensation_export import filename, settlement_xlsx
from lantian.web.api import signed_in
from lantian.web.compensation_schema import CompensationOut, settlement_out
from lantian.web.deps import Viewer, lantian
from lantian.web.downloads import xlsx_response
from lantian.web.pages import page_reader, page_user, render, templates, unit_label

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1")
Who = Annotated[Viewer, Depends(signed_in)]


def office_of(app: App, user: User, place: str) -> str:
    """The place whose settlement is asked for: ``place``, else the user's own, else the office's
    ('' : every place stored, for an everywhere-account on a platform without an office place)."""
    return place.strip() or user.jurisdiction.strip() or (app.office_place or "")


def default_period(app: App) -> str:
    """The newest complete month on record (as the monthly ranking shows it)."""
    try:
        span = app.airquality.assessment().span()
    except NotFoundError:
        span = None
    if span is None:
        today = app.workflow.today()
        return f"{(today.replace(day=1) - dt.timedelta(days=1)):%Y-%m}"
    return ranked_month(span[0], span[1])[0]


@dataclass
class Shown:
    """What the page and the API show: the settlement (confirmed, else today's draft), today's where
    a confirmed one exists, and what differs between them."""

    office: str
    period: str
    settlement: PeriodSettlement | None = None
    current: PeriodSettlement | None = None
    changed: list[str] = field(default_factory=list)
    error: LantianError | None = None  # today's could not be computed (no data, no places under it)


def shown(app: App, actor: Actor, office: str, period: str) -> Shown:
    """Checks the reader's place first, then computes; errors of the data are kept in ``error``."""
    access.require_settlement_reader(actor, office, app.workflow.ancestors)
    code = period_code(period)
    out = Shown(office, code)
    out.settlement = app.accountability.confirmed(office or None, code)
    try:
        out.current = app.accountability.settlement(code, app.rules(), office=office or None)
    except LantianError as exc:
        if not isinstance(exc, NotFoundError):
            raise
        out.error = exc
    if out.settlement is None:
        out.settlement = out.current
    elif out.current is not None:
        out.changed = differences(out.settlement, out.current)
    return out


def _confirm(app: App, who: Viewer, office: str, period: str, replace: bool) -> tuple[PeriodSettlement, list[str]]:
    assert who.user is not None
    access.require_admin(who.actor, office)
    current = app.accountability.settlement(period_code(period), app.rules(), office=office or None)
    return app.accountability.confirm(who.actor, unit_label(who.user), current, replace=replace)


# ---------------------------------------------------------------- page
def signed(value: Decimal | float) -> str:
    """An amount as the page writes it: +80, −120, 0 (万元)."""
    text = format(Decimal(str(value)).normalize(), "f")
    return "+" + text if value > 0 else text.replace("-", "−")


templates.env.filters["signed"] = signed


def picked(year: str, span: str, period: str) -> str:
    """The page's period: its 年度 and 时段 (全年 | Q1–Q4 | 01–12), else ``period`` as typed."""
    if not year.strip():
        return period.strip()
    if not re.fullmatch(r"\d{4}", year.strip()):
        raise InputError(f"应为四位数字，收到“{year}”（the year is four digits）", field="year")
    return year.strip() + (f"-{span}" if span else "")


@router.get("/compensation")
def compensation_page(request: Request, place: str = "", period: str = "", year: str = "",
                      span: str = "") -> HTMLResponse:  # fmt: skip
    who = page_reader(request)
    assert who.user is not None
    app = lantian(request)
    office = office_of(app, who.user, place)
    access.require_settlement_reader(who.actor, office, app.workflow.ancestors)
    try:
        code = period_code(picked(year, span, period) or default_period(app))
    except InputError as exc:  # shown beside the field, the input kept
        return render(request, "compensation.html", view=Shown(office, ""), s=None, rows=[], office=office,
                      may_confirm=False, span=span, query="", done="", bad=exc, typed=year or period)  # fmt: skip
    view = shown(app, who.actor, office, code)
    s = view.settlement
    rows: list[dict[str, Any]] = []
    if s is not None:
        amounts = {(x.scheme, x.place): x for x in s.lines}
        rows = [{"place": p, "total": t, "lines": [amounts.get((n, p)) for n in s.schemes]}
                for p, t in s.totals().items()]  # fmt: skip
    may_confirm = who.user.role is UserRole.ADMIN and _own(who.actor, office)
    return render(
        request,
        "compensation.html",
        view=view,
        s=s,
        rows=rows,
        office=office,
        may_confirm=may_confirm,
        span=view.period[5:],
        query=urlencode({"place": office, "period": view.period}),
        done=request.query_params.get("done", ""),
        bad=None,
        typed=view.period[:4],
    )


def _own(actor: Actor, office: str) -> bool:
    try:
        access.require_admin(actor, office)
    except LantianError:
        return False
    return True


@router.post("/compensation/confirm")
async def compensation_confirm_page(
    request: Request,
    place: Annotated[str, Form()] = "",
    period: Annotated[str, Form()] = "",
    replace: Annotated[str, Form()] = "",
) -> Response:
    who = await page_user(request)
    assert who.user is not None
    app = lantian(request)
    office = office_of(app, who.user, place)
    _, changed = _confirm(app, who, office, period, replace == "1")
    done = "replaced" if changed else "confirmed"
    query = urlencode({"place": office, "period": period_code(period), "done": done})
    return RedirectResponse(f"/compensation?{query}", status_code=303)


@router.get("/compensation.xlsx")
def compensation_xlsx(request: Request, place: str = "", period: str = "") -> Response:
    """The settlement shown on the page (the confirmed one, else today's draft) as a workbook."""
    who = page_reader(request)
    assert who.user is not None
    app = lantian(request)
    office = office_of(app, who.user, place)
    view = shown(app, who.actor, office, period.strip() or default_period(app))
    if view.settlement is None:
        assert view.error is not None
        raise view.error
    return xlsx_response(settlement_xlsx(view.settlement), filename(view.settlement), "compensation.xlsx")


# ---------------------------------------------------------------- API
@api.get("/compensation", response_model=CompensationOut)
def compensation_api(request: Request, who: Who, place: str = "", period: str = "") -> CompensationOut:
    """The settlement of a period over a place's places: the confirmed one (with what today's data
    would change), else today's draft. 404 when there is neither."""
    assert who.user is not None
    app = lantian(request)
    view = shown(app, who.actor, office_of(app, who.user, place), period.strip() or default_period(app))
    if view.settlement is None:
        assert view.error is not None
        raise view.error
    return settlement_out(view.settlement, view.changed)


class ConfirmIn(BaseModel):
    place: str = Field("", description="辖区 whose places are settled (default: the user's own)")
    period: str = Field(description="2025-01 | 2025-Q1 | 2025")
    replace: bool = Field(False, description="replace a confirmed settlement that differs (409 lists what differs)")


@api.post("/compensation/confirm", response_model=CompensationOut)
def compensation_confirm_api(request: Request, who: Who, body: ConfirmIn) -> CompensationOut:
    """确认结算 (the place's 大气办): today's settlement frozen; audited."""
    assert who.user is not None
    app = lantian(request)
    stored, changed = _confirm(app, who, office_of(app, who.user, body.place), body.period, body.replace)
    return settlement_out(stored, changed)
