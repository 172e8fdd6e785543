"""月报 (bulletins): generate the monthly bulletin of the user's place from the browser, download the
.docx, and — the 大气办 — publish it to ``/public`` with its PDF; the public downloads (no sign-in).

Generating and publishing take seconds: the form starts a job (:class:`~lantian.services.bulletins.
BulletinService`) and the page shows it working, refreshing itself (a ``Refresh`` header, no script
needed) until it is done — never a page frozen on a request.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel, Field

from lantian.bootstrap import App
from lantian.domain.bulletins import check_month, newest_complete_month
from lantian.domain.targets.registry import place_key
from lantian.domain.tracking.model import UserRole
from lantian.errors import InputError, NotFoundError
from lantian.services.bulletins import DOCX, BulletinService, Job
from lantian.web import forms
from lantian.web.deps import Viewer
from lantian.web.deps import lantian as the_app
from lantian.web.downloads import attachment
from lantian.web.pages import back_to, page_reader, page_user, render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/public/bulletins", tags=["public"])
Month = Annotated[str, Query(max_length=20, description="月份 YYYY-MM")]
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
REFRESH = 2  # seconds between the page's looks at a job under way


def service(request: Request) -> BulletinService:
    return the_app(request).bulletins


def own_place(app: App, who: Viewer) -> str:
    """The user's place: whose bulletin it generates and publishes (the command line: the platform's)."""
    return app.bulletins.place_of(who.actor, app.office_place)


def default_month(app: App, place: str) -> str:
    """The newest complete month of the place's daily values (data to 2025-02-15 → 2025-01); the
    month before today's when it has none."""
    city = place_key(place)
    for year in app.overview.city_years(city):
        days = [d for d in app.overview.city_days(city, year) if d["aqi"] is not None]
        if days:
            return newest_complete_month(dt.date.fromisoformat(str(days[-1]["day"])))
    return newest_complete_month(app.workflow.today().replace(day=1) - dt.timedelta(days=1))


def job_view(job: Job | None, lang: str) -> dict[str, Any] | None:
    if job is None:
        return None
    end = job.finished or dt.datetime.now(dt.UTC)
    return {
        "kind": job.kind,
        "state": job.state,
        "seconds": max(0, int((end - job.started).total_seconds())),
        "error": None if job.error is None else forms.error_text(job.error, lang),
        "warnings": [forms.error_text(InputError(w), lang) for w in job.warnings],
        "title": job.title,
    }


# ---------------------------------------------------------------- pages
@router.get("/bulletins")
def bulletins_page(request: Request, month: Month = "") -> HTMLResponse:
    who = page_reader(request)
    app = the_app(request)
    place = own_place(app, who)
    error = None
    chosen = month.strip() or default_month(app, place)
    try:
        chosen = check_month(chosen)
    except InputError as exc:
        error = forms.error_text(exc, who.lang)
    job = None if error else job_view(app.bulletins.job(who.actor, place, chosen), who.lang)
    draft = None if error else app.bulletins.draft(who.actor, place, chosen)
    response = render(
        request, "bulletins.html", 422 if error else 200, place=place, month=chosen, month_error=error, job=job,
        draft=draft, published=app.bulletins.published(place),
        admin=who.user is not None and who.user.role is UserRole.ADMIN,
    )  # fmt: skip
    if job is not None and job["state"] == "running":
        response.headers["Refresh"] = str(REFRESH)  # look again until it is done
    return response


def bulletins_again(request: Request) -> Response:
    """The bulletins page a form was posted from (its month kept by the form machinery)."""
    return bulletins_page(request, forms.referer_query(request, "month"))


@router.post("/bulletins/generate")
@forms.redisplays(bulletins_again)
async def generate(request: Request, month: Annotated[str, Form(max_length=20)] = "") -> Response:
    who = await page_user(request)
    app = the_app(request)
    job = app.bulletins.start(who.actor, own_place(app, who), month, "generate")
    return back_to(f"/bulletins?month={job.month}")


@router.post("/bulletins/publish")
@forms.redisplays(bulletins_again)
async def publish(request: Request, month: Annotated[str, Form(max_length=20)] = "") -> Response:
    who = await page_user(request)
    app = the_app(request)
    job = app.bulletins.start(who.actor, own_place(app, who), month, "publish")
    return back_to(f"/bulletins?month={job.month}")


@router.get("/bulletins/draft.docx")
def draft_download(request: Request, month: Month = "") -> Response:
    """The user's own generated bulletin of its place (草稿): no one else's."""
    who = page_reader(request)
    app = the_app(request)
    place = own_place(app, who)
    draft = app.bulletins.draft(who.actor, place, check_month(month))
    if draft is None:
        raise NotFoundError("generate the bulletin first (请先生成该月月报)", field="month")
    disposition = attachment(f"{draft.title}.docx", f"bulletin-{draft.month}.docx")
    return FileResponse(draft.path, media_type=DOCX, headers={"Content-Disposition": disposition})


# ---------------------------------------------------------------- public downloads (信息公开, no sign-in)
def public_bulletins(app: App) -> list[dict[str, Any]]:
    """The published bulletins of the office's place (of every place without one), for the public page."""
    return [
        {"id": b.id, "month": b.month, "title": b.title, "pdf": b.pdf_sha256 is not None,
         "published_at": b.published_at.isoformat(), "docx_size": b.docx_size, "pdf_size": b.pdf_size}
        for b in app.bulletins.published(app.office_place)
    ]  # fmt: skip


def _download(request: Request, bulletin_id: int, kind: str) -> Response:
    name, content_type, path = service(request).file(bulletin_id, kind)
    disposition = attachment(name, f"bulletin-{bulletin_id}.{kind}")
    return FileResponse(path, media_type=content_type, headers={"Content-Disposition": disposition})


@router.get("/public/bulletins/{bulletin_id}.docx")
def public_docx(request: Request, bulletin_id: Id) -> Response:
    return _download(request, bulletin_id, "docx")


@router.get("/public/bulletins/{bulletin_id}.pdf")
def public_pdf(request: Request, bulletin_id: Id) -> Response:
    return _download(request, bulletin_id, "pdf")


class PublishedOut(BaseModel):
    """A published monthly bulletin (月报) and where to download it (no sign-in)."""

    id: int
    place: str = Field(description="辖区")
    month: str = Field(description="YYYY-MM")
    title: str
    published_at: dt.datetime = Field(description="UTC")
    docx_url: str
    pdf_url: str | None = Field(description="None: published without a PDF (LibreOffice was missing)")


@api.get("", summary="已发布的月报 the office's published bulletins, newest month first",
         response_model=list[PublishedOut])  # fmt: skip
def published_api(request: Request) -> list[PublishedOut]:
    app = the_app(request)
    return [
        PublishedOut(
            id=b.id,
            place=b.place,
            month=b.month,
            title=b.title,
            published_at=b.published_at,
            docx_url=f"/public/bulletins/{b.id}.docx",
            pdf_url=None if b.pdf_sha256 is None else f"/public/bulletins/{b.id}.pdf",
        )
        for b in app.bulletins.published(app.office_place)
    ]
