"""The public pages (信息公开, no sign-in): whose page it is (本平台所属辖区), the month's ranking,
health advice per AQI level (HJ 633), the warnings in force, and the 举报 form with its tracking
page; and their JSON under ``/api/v1/public``.

The 举报 form needs no session: it carries a signed token (表单令牌, :mod:`lantian.domain.tracking.public`)
bound to the client's address; a refusal is shown beside its field with what was typed kept.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from lantian.bootstrap import App
from lantian.domain.standards.hj633 import AqiStandard, Level, standard_for
from lantian.domain.targets.registry import place_key
from lantian.domain.tracking.public import CONTACT_LIMIT, LOCATION_LIMIT, TEXT_LIMIT, PublicView
from lantian.errors import LantianError
from lantian.services.clock import beijing_now
from lantian.web import rankings, views
from lantian.web.bulletins import public_bulletins
from lantian.web.deps import lantian, status_of, viewer
from lantian.web.pages import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/public", tags=["public"])
FIELDS = ("text", "location", "contact", "photos")  # the form's fields, in order


# ---------------------------------------------------------------- what the page shows
def level_json(level: Level) -> dict[str, Any]:
    return {
        "number": level.number, "name": level.name, "lower": level.lower, "upper": level.upper,
        "category": level.category, "category_en": level.category_en, "colour": level.colour,
        "colour_en": level.colour_en, "rgb": "#{:02x}{:02x}{:02x}".format(*level.rgb),
        "health": level.health, "advice": level.advice, "health_en": level.health_en, "advice_en": level.advice_en,
    }  # fmt: skip


def table_name(standard: AqiStandard) -> str:
    """Where the health texts stand in the standard: HJ 633-2012 表2, HJ 633-2026 表1."""
    return f"{standard.code} {'表2' if standard.year == 2012 else '表1'}"


def latest_day(app: App, city: str) -> dict[str, Any] | None:
    """The newest day with an AQI of ``city`` (as stored: 苏州), computed or published."""
    for year in app.overview.city_years(city):
        days = [d for d in app.overview.city_days(city, year) if d["aqi"] is not None]
        if days:
            return days[-1]
    return None


def public_data(app: App) -> dict[str, Any]:
    """信息公开: :func:`views.public_json` with whose page it is, the office's latest day and its
    health advice, and the levels' table of the standard in force that day."""
    data = views.public_json(app)
    place = app.office_place
    city = place_key(place) if place else None
    today = latest_day(app, city) if city else None
    day = dt.date.fromisoformat(today["day"]) if today else beijing_now().date()
    standard = standard_for(day)
    level = standard.level_of(int(today["aqi"])) if today else None
    data["office"] = {"place": place, "city": city}
    data["today"] = None if today is None else today | {"level": level_json(level) if level else None}
    data["levels"] = {"standard": table_name(standard), "rows": [level_json(x) for x in standard.levels]}
    data["rankings"] = rankings.public_rankings(app, place)  # the office's own places (排名通报)
    return data


def form_limits(app: App) -> dict[str, Any]:
    limits = app.settings.limits
    return {
        "max_photos": limits.report_photos,
        "max_photo_mb": mb if (mb := round(limits.report_photo_bytes / 1024 / 1024, 1)) % 1 else int(mb),
        "per_hour": limits.reports_per_hour,
        "text_chars": TEXT_LIMIT,
        "location_chars": LOCATION_LIMIT,
        "contact_chars": CONTACT_LIMIT,
    }


def shown(error: LantianError, lang: str) -> str:
    """An error as the page shows it: the Chinese part of ``english (中文)`` (the English on an
    English page), with the file it names."""
    found = re.search(r"\(([^()]*[\u4e00-\u9fff][^()]*)\)\s*$", error.message)
    if lang == "en" or not found:
        text = error.message[: found.start()].strip() if found and lang == "en" else error.message
    else:
        text = found.group(1)
        if error.file and not text.startswith(error.file):
            text = f"{error.file}：{text}"
    return text


def view_json(view: PublicView) -> dict[str, Any]:
    return {
        "code": view.code,
        "state": view.state.value,
        "state_label": view.state_label,
        "received": view.received.isoformat(),
        "closed": view.closed,
        "steps": [{"day": s.day.isoformat(), "label": s.label} for s in view.steps],
    }


async def form_files(form: Any, limit: int) -> list[tuple[str, bytes]]:
    """The photos of the form, each read to one byte past the photo limit (the check names it)."""
    out = []
    for item in form.getlist("photos"):
        if isinstance(item, UploadFile) and item.filename:
            out.append((item.filename, await item.read(limit + 1)))
    return out


def text_of(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------- pages
def public_page(request: Request, status: int = 200, *, errors: dict[str, str] | None = None,
                typed: dict[str, str] | None = None) -> HTMLResponse:  # fmt: skip
    app = lantian(request)
    return render(
        request,
        "public.html",
        status,
        data=public_data(app),
        air=views.air_json(app, views.public_place(app)),  # the office's province's cities, complete month
        token=app.public.form_token(views.client_address(request)) if app.office_place else "",
        limits=form_limits(app),
        errors=errors or {},
        typed=typed or {},
        bulletins=public_bulletins(app),  # 月报 the office published (lantian.web.bulletins)
    )


@router.get("/public")
def public(request: Request) -> HTMLResponse:
    return public_page(request)


@router.post("/public/reports")
async def public_report(request: Request) -> Response:
    app = lantian(request)
    form = await request.form()
    typed = {name: text_of(form, name) for name in ("text", "location", "contact")}
    try:
        code, _ = app.public.submit(
            token=text_of(form, "token"),
            address=views.client_address(request),
            photos=await form_files(form, app.settings.limits.report_photo_bytes),
            **typed,
        )
    except LantianError as exc:
        field = exc.field if exc.field in FIELDS else "form"
        return public_page(request, status_of(exc), errors={field: shown(exc, viewer(request).lang)}, typed=typed)
    return RedirectResponse(f"/public/track?code={code}&new=1", status_code=303)


@router.get("/public/track")
def public_track(request: Request, code: Annotated[str, Query(max_length=40)] = "", new: bool = False) -> HTMLResponse:
    app = lantian(request)
    report, error, status = None, None, 200
    if code.strip():
        try:
            report = view_json(app.public.track(code, views.client_address(request)))
        except LantianError as exc:
            error, status = shown(exc, viewer(request).lang), status_of(exc)
    return render(request, "public_track.html", status, code=code, report=report, error=error, new=new and report)


# ---------------------------------------------------------------- API
class LevelOut(BaseModel):
    number: int
    name: str
    lower: int
    upper: int | None
    category: str
    category_en: str
    colour: str
    colour_en: str
    rgb: str
    health: str = Field(description="对健康影响情况")
    advice: str = Field(description="建议采取的措施")
    health_en: str
    advice_en: str


class FormOut(BaseModel):
    """What a client needs to file a complaint: the signed form token and the limits."""

    office_place: str | None = Field(description="本平台所属辖区: where complaints go (none: not taken)")
    token: str = Field(description="表单令牌: send it back as the form field token (good for 4 hours)")
    max_photos: int
    max_photo_mb: float
    per_hour: int = Field(description="complaints one client address may file in an hour")
    text_chars: int
    location_chars: int
    contact_chars: int
    levels_standard: str
    levels: list[LevelOut] = Field(description="空气质量指数级别与健康提示")


class StepOut(BaseModel):
    day: str = Field(description="date (Beijing)")
    label: str = Field(description="受理, 交办, 整改, 核查通过, 核查不通过, 销号")


class ComplaintOut(BaseModel):
    """A complaint as its reporter follows it: no notes, names or files."""

    code: str = Field(description="查询码 tracking code")
    state: str
    state_label: str
    received: str
    closed: bool
    steps: list[StepOut]


@api.get("/reports/form", summary="举报表单 the complaint form's token and limits", response_model=FormOut)
def report_form(request: Request) -> dict[str, Any]:
    app = lantian(request)
    levels = public_data(app)["levels"]
    return {
        "office_place": app.office_place,
        "token": app.public.form_token(views.client_address(request)) if app.office_place else "",
        **form_limits(app),
        "levels_standard": levels["standard"],
        "levels": levels["rows"],
    }


@api.post("/reports", summary="举报 file a public complaint (multipart: token, text, location, contact, photos)",
          response_model=ComplaintOut, status_code=201)  # fmt: skip
async def file_report(request: Request) -> dict[str, Any]:
    app = lantian(request)
    form = await request.form()
    code, view = app.public.submit(
        token=text_of(form, "token"),
        address=views.client_address(request),
        text=text_of(form, "text"),
        location=text_of(form, "location"),
        contact=text_of(form, "contact"),
        photos=await form_files(form, app.settings.limits.report_photo_bytes),
    )
    return view_json(view) | {"code": code}


@api.get("/reports/{code}", summary="举报进度 follow a complaint by its tracking code", response_model=ComplaintOut)
def follow_report(request: Request, code: Annotated[str, Path(max_length=40)]) -> dict[str, Any]:
    return view_json(lantian(request).public.track(code, views.client_address(request)))
