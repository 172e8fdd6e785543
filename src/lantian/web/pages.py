"""The pages (页面): server-rendered HTML over the same services as the API. Forms post here with the
session's CSRF token and redirect to the record they changed (post/redirect/get)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.datastructures import UploadFile as StarletteUpload

from lantian.domain.plans.corrections import Correction
from lantian.domain.plans.model import COMPARATOR_LABELS, ROLE_LABELS, STATUS_LABELS, Role, TaskStatus
from lantian.domain.plans.model import LEVEL_LABELS as PLAN_LEVEL_LABELS
from lantian.domain.plans.records import FlagStatus
from lantian.domain.tracking.audit import ACTION_LABELS as AUDIT_ACTIONS
from lantian.domain.tracking.audit import BREAK_LABELS, ENTITY_LABELS, change_lines, entity_text
from lantian.domain.tracking.model import (
    NOTICE_LABELS,
    REVIEW_LABELS,
    SOURCE_LABELS,
    SYSTEM,
    TICKET_LABELS,
    USER_ROLE_LABELS,
    NoticeState,
    ReviewState,
    TicketSource,
    TicketState,
    User,
    UserRole,
)
from lantian.domain.tracking.workflow import ACTION_LABELS, DEFAULT_LADDER, TicketAction
from lantian.domain.warnings.levels import LABELS as LEVEL_LABELS
from lantian.domain.warnings.reduction import VIOLATION_LABELS
from lantian.errors import InputError, LantianError, NotFoundError
from lantian.reports.bulletin import remaining_text, target_text
from lantian.services.assessment import stations_text
from lantian.services.clock import beijing as to_beijing
from lantian.web import downloads, forms, i18n, picks, views
from lantian.web.deps import (
    COOKIE,
    LANG_COOKIE,
    LoginRequired,
    Viewer,
    check_csrf,
    check_password_changed,
    lantian,
    optional_upload,
    status_of,
    upload,
    viewer,
)
from lantian.web.limits import read_upload

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
Version = Annotated[int, Form(ge=0, le=2_147_483_647)]
templates = Jinja2Templates(directory=str(resources.files("lantian.web").joinpath("templates")))
templates.env.globals.update(
    STATUS_LABELS=STATUS_LABELS,
    VIOLATION_LABELS=VIOLATION_LABELS,
    AUDIT_ACTIONS=AUDIT_ACTIONS,
    AUDIT_ENTITIES=ENTITY_LABELS,
    AUDIT_BREAKS=BREAK_LABELS,
    COMPARATOR_LABELS=COMPARATOR_LABELS,
    ROLE_LABELS=ROLE_LABELS,
    REVIEW_LABELS=REVIEW_LABELS,
    NOTICE_LABELS=NOTICE_LABELS,
    TICKET_LABELS=TICKET_LABELS,
    SOURCE_LABELS=SOURCE_LABELS,
    ACTION_LABELS=ACTION_LABELS,
    LEVEL_LABELS=LEVEL_LABELS,
    PLAN_LEVEL_LABELS=PLAN_LEVEL_LABELS,
    USER_ROLE_LABELS=USER_ROLE_LABELS,
    LADDER=DEFAULT_LADDER,
    LANGUAGES=i18n.LANGUAGES,
    TaskStatus=TaskStatus,
    Role=Role,
    TicketSource=TicketSource,
    TicketState=TicketState,
    NoticeState=NoticeState,
)


def beijing(value: str | None) -> str:
    """A stored UTC time (ISO) as Beijing time, to the minute: what every page shows."""
    if not value:
        return ""
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return to_beijing(moment).strftime("%Y-%m-%d %H:%M")


templates.env.filters["bj"] = beijing


def minute(value: str | dt.datetime | None) -> str:
    """A time already in Beijing time (a warning's start), to the minute: 2026-12-03 18:00."""
    if not value:
        return ""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return moment.strftime("%Y-%m-%d %H:%M")


templates.env.filters["minute"] = minute
templates.env.filters["target_text"] = target_text
templates.env.filters["remaining_text"] = remaining_text
templates.env.filters["stations_text"] = stations_text
templates.env.filters["changes"] = change_lines
templates.env.filters["audit_entity"] = entity_text
templates.env.filters["num"] = i18n.number


@pass_context
def error_text_filter(context: Context, error: LantianError) -> str:
    """``{{ error|error_text }}``: the error in the page's language (:func:`lantian.web.i18n.error_text`)."""
    return i18n.error_text(error, str(context.get("lang") or i18n.DEFAULT))


templates.env.filters["error_text"] = error_text_filter


@pass_context
def message_text_filter(context: Context, message: str) -> str:
    """``{{ flag.message|message_text }}``: a stored two-language message in the page's language."""
    return i18n.message_text(message, str(context.get("lang") or i18n.DEFAULT))


templates.env.filters["message_text"] = message_text_filter


def script_json(value: Any) -> Markup:
    """``value`` as JSON to embed in ``<script type="application/json">``: not HTML-escaped (the
    browser reads a script's text as it is), with ``<``, ``>``, ``&`` and ``'`` written as JSON
    escapes so that no text in the data can close the script element."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("'", "\\u0027")):
        text = text.replace(char, escaped)
    return Markup(text)  # escaped for the script context above


def unit_label(user: User, gettext: Callable[[str], str] = str) -> str:
    """Who did something, as a page names them: the unit and its place (市生态环境局 · 苏州市), never the
    login name; an account without a department by its display name or its role (大气办管理员)."""
    name = user.department or (user.display_name if user.display_name != user.username else "")
    name = name or gettext(USER_ROLE_LABELS[user.role])
    return name if not user.jurisdiction or user.jurisdiction in name else f"{name} · {user.jurisdiction}"


def unit_namer(request: Request, gettext: Callable[[str], str] = str) -> Callable[[str | None], str]:
    """``unit(login name)`` for a template: the unit of the account, read once per page when first used."""
    names: dict[str, str] = {}

    def unit(username: str | None) -> str:
        if not username:
            return ""
        if not names:
            names.update({u.username: unit_label(u, gettext) for u in lantian(request).accounts.list()})
            names.setdefault(SYSTEM.username, gettext("系统"))
        return names.get(username, username)

    return unit


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    who = viewer(request)
    tr = i18n.translations(who.lang)
    context.setdefault("unit", unit_namer(request, tr.gettext))
    context.update(
        request=request,
        who=who,
        _=tr.gettext,
        lang=who.lang,
        path=forms.page_path(request),
        as_json=script_json,
        posted=forms.posted_on(request),  # a failed form's values and error (lantian.web.forms)
        failed_form=forms.failed_form(request),
    )
    if who.user is not None and "banner" not in context:  # a warning in force in the user's place
        context["banner"] = views.banner_json(lantian(request), who.actor)
    return templates.TemplateResponse(request, name, context, status_code=status)


def error_page(request: Request, error: LantianError, status: int, heading: str | None = None) -> HTMLResponse:
    """The error in words, with a way back; ``heading`` (a msgid) instead of 未能完成."""
    back = request.headers.get("referer") or "/"
    return render(request, "error.html", status, error=error, back=back, heading=heading)


HTTP_ERRORS = {  # a status the router answers itself (no such page…) → (heading, message)
    404: ("页面不存在", "there is no page at this address (没有这个页面，请检查地址或从导航进入)"),
    405: (
        "无法这样打开",
        "this address does not take that kind of request (该地址不能这样打开，请从页面上的按钮或链接进入)",
    ),
}


def http_error_page(request: Request, status: int) -> HTMLResponse:
    """An address the router does not know (404) or a method it does not take (405), as a page."""
    heading, message = HTTP_ERRORS.get(status, ("未能完成", "the request could not be completed (请求未能完成)"))
    kind = NotFoundError if status == 404 else InputError
    return error_page(request, kind(message), status, heading)


def page_reader(request: Request) -> Viewer:
    """The signed-in viewer of a page that only reads (GET: no CSRF token to check). Such pages are
    plain functions, so the server runs them in its thread pool: a slow page does not hold up others."""
    who = viewer(request)
    if who.user is None:
        raise LoginRequired()
    check_password_changed(request, who)
    return who


async def page_user(request: Request) -> Viewer:
    who = viewer(request)
    if who.user is None:
        raise LoginRequired()
    await check_csrf(request, who)
    check_password_changed(request, who)
    return who


async def uploads(request: Request, field: str = "files") -> list[tuple[str, bytes]]:
    form = await request.form()
    out = []
    for item in form.getlist(field):
        if isinstance(item, StarletteUpload) and item.filename:
            out.append((item.filename, await read_upload(item)))
    return out


def back_to(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ---------------------------------------------------------------- sign in, language
@router.get("/")
def home(request: Request) -> Response:
    return back_to("/dashboard" if viewer(request).user else "/public")


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/login")
def login_form(request: Request, next: str = "/dashboard") -> HTMLResponse:
    return render(request, "login.html", next=next if next.startswith("/") else "/dashboard", failed=None)


@router.post("/login")
def login(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()],
          next: Annotated[str, Form()] = "/dashboard") -> Response:  # fmt: skip
    target = next if next.startswith("/") and not next.startswith("//") else "/dashboard"
    try:
        session = lantian(request).accounts.login(username, password, views.client_address(request))
    except LantianError as exc:
        status = status_of(exc)
        failed = i18n.error_text(exc, viewer(request).lang, with_field=False)  # it names both fields
        return render(request, "login.html", status, next=target, failed=failed, username=username)
    response = back_to(target)
    views.set_session_cookie(request, response, session.token, session.expires)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await page_user(request)
    token = request.cookies.get(COOKIE)
    if token:
        lantian(request).accounts.logout(token)
    response = back_to("/public")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def language(code: str, request: Request) -> Response:
    target = request.headers.get("referer") or "/"
    response = back_to(target if code in i18n.LANGUAGES else "/")
    if code in i18n.LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", path="/")
    return response


# ---------------------------------------------------------------- dashboard
@router.get("/dashboard")
def dashboard(request: Request) -> HTMLResponse:
    who = page_reader(request)
    app = lantian(request)
    air = views.air_json(app, who.actor.jurisdiction or None)  # ranked among the cities of its province
    return render(request, "dashboard.html", data=views.dashboard_json(app, who.actor), air=air)


# ---------------------------------------------------------------- plans
@router.get("/plans")
def plans(request: Request, flags: str = "open") -> HTMLResponse:
    who = page_reader(request)
    app = lantian(request)
    status = None if flags == "all" else FlagStatus(flags) if flags in ("open", "confirmed", "corrected") else None
    return render(
        request,
        "plans.html",
        plans=views.plans_json(app, who.actor),
        flags=views.flags_json(app, who.actor, None, status),
        flag_filter=flags,
        outcome=None,
        corrected=picks.corrected_message(request, who),  # what the correction just made did
    )


@router.post("/plans/import")
@forms.redisplays(plans)
async def import_plan(request: Request, file: UploadFile) -> HTMLResponse:
    who = await page_user(request)
    views.require_admin(who)
    app = lantian(request)
    outcome = views.import_plan(app, who.actor, await upload(file))
    return render(
        request,
        "plans.html",
        plans=views.plans_json(app, who.actor),
        flags=views.flags_json(app, who.actor, None, FlagStatus.OPEN),
        flag_filter="open",
        outcome=outcome,
    )


@router.post("/flags/{flag_id}")
@forms.redisplays(plans)
async def resolve_flag(flag_id: Id, request: Request) -> Response:
    """确认 or 更正: the form carries the flag's ``field`` and, to correct it, the inputs of that field
    (names separated by 、); a correction with none of them filled in is a note only."""
    who = await page_user(request)
    views.require_admin(who)
    form = await request.form()
    data = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    status = data.get("status", "")
    if status not in ("confirmed", "corrected"):
        raise InputError("confirm or correct (请选择确认或更正)", field="status")
    correction = Correction.given(data.get("field", ""), data) if status == "corrected" else None
    done = views.resolve_flag(lantian(request), who.actor, flag_id, FlagStatus(status), data.get("note") or None,
                              correction)  # fmt: skip
    if correction is not None:  # say what it did: the new revision, and where the plan is now
        return back_to(picks.corrected_url(request, who, done["plan"], correction.jurisdiction is not None))
    return back_to("/plans")


# ---------------------------------------------------------------- tasks
PAGE = 50


@router.get("/tasks")
def tasks(request: Request, plan: str = "", department: str = "", role: str = "", status: str = "", q: str = "",
          deadline_before: str = "", overdue: str = "", page: Annotated[int, Query(ge=1, le=1_000_000)] = 1
          ) -> HTMLResponse:  # fmt: skip
    who = page_reader(request)
    flt = views.task_filter(lantian(request), plan, department, role, status, q, deadline_before, overdue)
    page = max(page, 1)
    data = views.tasks_json(lantian(request), who.actor, flt, PAGE, (page - 1) * PAGE)
    query = {k: v for k, v in request.query_params.items() if k != "page"}
    return render(
        request,
        "tasks.html",
        data=data,
        flt=flt,
        page=page,
        pages=max(1, -(-data["total"] // PAGE)),
        query="&".join(f"{k}={quote(v)}" for k, v in query.items()),
        plans=lantian(request).workflow.plan_keys(who.actor),
        departments=[name for name, _ in lantian(request).workflow.departments(who.actor)],  # the picker
    )


@router.get("/tasks/{task_id}")
def task(task_id: Id, request: Request) -> HTMLResponse:
    who = page_reader(request)
    app = lantian(request)
    view, today = app.workflow.task(who.actor, task_id), app.workflow.today()
    data = views.task_json(view, today, app.targets.reported.task_rows(task_id, today))
    mine = [d["name"] for d in data["departments"]]
    failed = forms.posted_on(request)(f"/tasks/{task_id}/progress")  # the rows as typed, when it failed
    rows = (failed.values_of("indicator_name"), failed.values_of("indicator_value")) if failed.failed else None
    unit = who.user.department if who.user is not None and who.user.role is UserRole.DEPARTMENT else None
    # the periods of the task's rhythm (调度频次) it may report, those with a part still to report; the
    # form starts on the last period while its grace lasts, else one late, else the current one (the
    # one typed, when the form failed)
    offered = views.report_periods(view, app.workflow.settings.schedule, today)
    forms_of = {p["value"]: views.progress_form(data, unit, p["value"], rows) for p in offered}
    periods = [p for p in offered if forms_of[p["value"]]["parts"]]
    done = [p | {"parts": forms_of[p["value"]]["accepted"]} for p in offered if not forms_of[p["value"]]["parts"]
            and forms_of[p["value"]]["accepted"]]  # fmt: skip
    preferred = sorted(periods, key=lambda p: 2 if p["value"] == offered[-1]["value"] else int(p["late"]))
    typed = failed.value("period") if failed.failed else ""
    period = typed or (preferred[0]["value"] if preferred else offered[-1]["value"])
    return render(
        request,
        "task.html",
        task=data,
        departments=list(dict.fromkeys(mine)),
        period=period,
        periods=periods,
        done_periods=done,  # 本期已通过审核
        period_versions={p: f["versions"] for p, f in forms_of.items() if p != period},
        report_form=forms_of.get(period) or views.progress_form(data, unit, period, rows),
    )


@router.post("/tasks/{task_id}/progress")
@forms.redisplays(lambda request: task(forms.path_id(request, "task_id"), request))
async def submit_progress(task_id: Id, request: Request) -> Response:
    who = await page_user(request)
    form = await request.form()
    text = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    indicators = views.indicator_rows(
        [x for x in form.getlist("indicator_name") if isinstance(x, str)],
        [x for x in form.getlist("indicator_value") if isinstance(x, str)],
    )
    try:
        status = TaskStatus(text.get("status", ""))
    except ValueError:
        raise InputError("choose a status (请选择进展状态)", field="status") from None
    subtask = text.get("subtask", "").strip()
    # the form carries the version of each report the unit filed this period, by part (version:<sub-task>),
    # and those of the other periods it offers (version@<period>:<sub-task>), for a period chosen instead
    period = text.get("period", "")
    if text.get("form_period") and period != text["form_period"]:
        sent = text.get(f"version@{period}:{subtask}", "")
    else:
        sent = text.get(f"version:{subtask}", "")
    version = int(sent) if sent.isdigit() else None
    lantian(request).workflow.submit_progress(
        who.actor,
        task_id,
        subtask=subtask,
        period=period,
        status=status,
        narrative=text.get("narrative", ""),
        indicators=indicators,
        department=text.get("department") or None,
        files=await uploads(request),
        version=version,
    )
    return back_to(f"/tasks/{task_id}")


def report_task(request: Request) -> HTMLResponse:
    """The task page of the report a review form is about."""
    who = page_reader(request)
    report = lantian(request).workflow.report(who.actor, forms.path_id(request, "report_id"))
    return task(report.task_id, request)


@router.post("/progress/{report_id}/review")
@forms.redisplays(report_task)
async def review(report_id: Id, request: Request, decision: Annotated[str, Form()], version: Version,
                 reason: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    who = await page_user(request)
    report = lantian(request).workflow.review_progress(
        who.actor, report_id, accept=decision == "accept", reason=reason, version=version
    )
    return back_to(f"/tasks/{report.task_id}")


@router.get("/progress")
def progress(request: Request, review: str = "submitted") -> HTMLResponse:
    who = page_reader(request)
    state = ReviewState(review) if review in {s.value for s in ReviewState} else None
    rows = lantian(request).workflow.reports(who.actor, review=state)
    return render(request, "progress.html", reports=[views.report_json(r) for r in rows], review=review)


# ---------------------------------------------------------------- 督办
NOTICE_FILTERS = {"open": "未办结", "late": "超期"}  # the dashboard's 未办结督办 and 超期督办
templates.env.globals["NOTICE_FILTERS"] = NOTICE_FILTERS


@router.get("/notices")
def notices(request: Request, state: str = "") -> HTMLResponse:
    who = page_reader(request)
    service = lantian(request).workflow
    found = service.notices(who.actor, NoticeState(state) if state in {s.value for s in NoticeState} else None)
    if state == "open":
        found = [n for n in found if n.state is not NoticeState.CLOSED]
    elif state == "late":
        found = service.late_notices(who.actor)
    rows = [views.notice_json(n, service.rung(n)) for n in found]
    return render(
        request,
        "notices.html",
        notices=rows,
        state=state,
        due=(service.today() + dt.timedelta(days=14)).isoformat(),
        **picks.notice_form(request, who.actor),  # the addressee and task pickers
    )


@router.post("/notices")
@forms.redisplays(notices)
async def issue_notice(request: Request, department: Annotated[str, Form()], subject: Annotated[str, Form()],
                       body: Annotated[str, Form()], due: Annotated[str, Form()],
                       task_ids: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    who = await page_user(request)
    ids = picks.chosen_ids([v for v in (await request.form()).getlist("task_ids") if isinstance(v, str)])
    try:
        day = dt.date.fromisoformat(due)
    except ValueError:
        raise InputError("the due date is YYYY-MM-DD (日期格式错误)", field="due") from None
    n = lantian(request).workflow.issue_notice(
        who.actor, department=department, subject=subject, body=body, due=day, task_ids=ids
    )
    return back_to(f"/notices/{n.id}")


@router.post("/notices/escalate")
@forms.redisplays(notices)
async def escalate(request: Request) -> Response:
    who = await page_user(request)
    views.require_admin(who)
    lantian(request).workflow.escalate(who.actor)
    return back_to("/notices")


@router.get("/notices/{notice_id}")
def notice(notice_id: Id, request: Request) -> HTMLResponse:
    who = page_reader(request)
    service = lantian(request).workflow
    n = service.notice(who.actor, notice_id)
    return render(request, "notice.html", n=views.notice_json(n, service.rung(n)))


@router.post("/notices/{notice_id}/answer")
@forms.redisplays(lambda request: notice(forms.path_id(request, "notice_id"), request))
async def answer_notice(notice_id: Id, request: Request, answer: Annotated[str, Form()],
                        version: Version) -> Response:  # fmt: skip
    who = await page_user(request)
    lantian(request).workflow.answer_notice(
        who.actor, notice_id, answer=answer, version=version, files=await uploads(request)
    )
    return back_to(f"/notices/{notice_id}")


@router.post("/notices/{notice_id}/close")
@forms.redisplays(lambda request: notice(forms.path_id(request, "notice_id"), request))
async def close_notice(notice_id: Id, request: Request, version: Version) -> Response:
    who = await page_user(request)
    lantian(request).workflow.close_notice(who.actor, notice_id, version=version)
    return back_to(f"/notices/{notice_id}")


# ---------------------------------------------------------------- tickets
@router.get("/tickets")
def tickets(request: Request, state: str = "") -> HTMLResponse:
    who = page_reader(request)
    chosen = TicketState(state) if state in {s.value for s in TicketState} else None
    rows = [views.ticket_json(k) for k in lantian(request).workflow.tickets(who.actor, chosen)]
    return render(request, "tickets.html", tickets=rows, state=state)


@router.post("/tickets")
@forms.redisplays(tickets)
async def open_ticket(
    request: Request,
    source: Annotated[str, Form()],
    title: Annotated[str, Form()],
    description: Annotated[str, Form()],
    location: Annotated[str, Form()] = "",
) -> Response:
    who = await page_user(request)
    try:
        kind = TicketSource(source)
    except ValueError:
        raise InputError("choose where the problem came from (请选择问题来源)", field="source") from None
    k = lantian(request).workflow.open_ticket(
        who.actor, source=kind, title=title, description=description, location=location, files=await uploads(request)
    )
    return back_to(f"/tickets/{k.id}")


@router.get("/tickets/{ticket_id}")
def ticket(ticket_id: Id, request: Request) -> HTMLResponse:
    who = page_reader(request)
    app = lantian(request)
    k = app.workflow.ticket(who.actor, ticket_id)
    return render(
        request,
        "ticket.html",
        k=views.ticket_json(k),
        addressees=app.workflow.addressees(who.actor),  # the 交办 picker
        due=(app.workflow.today() + dt.timedelta(days=15)).isoformat(),
        contact=app.public.contact(who.actor, ticket_id),  # 群众举报: the reporter's, for the office
    )


@router.post("/tickets/{ticket_id}/steps")
@forms.redisplays(lambda request: ticket(forms.path_id(request, "ticket_id"), request))
async def ticket_step(
    ticket_id: Id,
    request: Request,
    action: Annotated[str, Form()],
    version: Version,
    note: Annotated[str, Form()] = "",
    department: Annotated[str, Form()] = "",
    due: Annotated[str, Form()] = "",
) -> Response:
    who = await page_user(request)
    try:
        step = TicketAction(action)
        day = dt.date.fromisoformat(due) if due else None
    except ValueError:
        raise InputError("unknown step or bad date (步骤或日期格式错误)", field="action") from None
    lantian(request).workflow.ticket_step(
        who.actor,
        ticket_id,
        step,
        version=version,
        note=note,
        department=department or None,
        due=day,
        files=await uploads(request),
    )
    return back_to(f"/tickets/{ticket_id}")


# ---------------------------------------------------------------- air quality, warnings, audit
@router.get("/airquality")
def airquality(
    request: Request,
    city: str = "",
    station: str = "",
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> HTMLResponse:
    who = page_reader(request)
    app = lantian(request)
    air = views.air_json(app)
    cities, chosen = views.air_cities(app, air, who.actor, city)
    years = app.overview.city_years(chosen) if chosen else []
    shown = year if year in years else (years[0] if years else None)
    stations = app.overview.stations(chosen) if chosen else {"stations": [], "days": []}
    codes = [s["code"] for s in stations["stations"]]
    at = station if station in codes else (codes[0] if codes else "")
    return render(
        request,
        "airquality.html",
        air=air,
        cities=cities,
        city=chosen,
        years=years,
        year=shown,
        days=app.overview.city_days(chosen, shown) if shown else [],
        stations=stations["stations"],
        station=at,
        station_days=[d for d in stations["days"] if d["station"] == at],
        trend=app.overview.trend(chosen, year) if chosen else None,
    )


@router.get("/warnings")
def warnings(request: Request, jurisdiction: str = "") -> HTMLResponse:
    who = page_reader(request)
    app = lantian(request)
    place = jurisdiction or who.actor.jurisdiction
    data = views.warnings_json(app, place) if place else None
    reduction = None  # warnings are public; a place's kept list is for the places that see it
    if place and views.sees_place(app, who.actor, place) and app.reduction.meta(place) is not None:
        reduction = views.reduction_json(app, place)
    return render(request, "warnings.html", data=data, place=place, reduction=reduction, places=app.warnings.places())


def warnings_again(request: Request) -> HTMLResponse:
    """The warnings page a warnings, reduction-list or readings form was posted from."""
    return warnings(request, forms.referer_query(request, "jurisdiction"))


@router.post("/warnings")
@forms.redisplays(warnings_again)
async def record_warning(request: Request, level: Annotated[str, Form()], at: Annotated[str, Form()],
                         issuer: Annotated[str, Form()], note: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    who = await page_user(request)
    views.require_admin(who)
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        raise InputError("the time is YYYY-MM-DD HH:MM (时间格式错误)", field="at") from None
    if level not in ("yellow", "orange", "red", "lift"):
        raise InputError("choose a level (请选择预警级别)", field="level")
    views.record_warning(lantian(request), who.actor, None if level == "lift" else level, moment, issuer, note)
    return back_to("/warnings")


@router.get("/reduction-list")
def reduction_list(request: Request, jurisdiction: str = "") -> HTMLResponse:
    who = page_reader(request)
    place = views.place_seen(lantian(request), who.actor, jurisdiction or who.actor.jurisdiction)
    if place and lantian(request).reduction.meta(place) is None:  # nothing kept yet: say so, offer the upload
        return render(request, "reduction_empty.html", place=place)
    return render(request, "reduction.html", result=views.reduction_json(lantian(request), place, full=True))


@router.post("/reduction-list")
@forms.redisplays(warnings_again)
async def keep_reduction_list(request: Request, file: UploadFile) -> HTMLResponse:
    who = await page_user(request)
    views.require_admin(who)
    result = views.keep_list(lantian(request), who.actor, await upload(file))
    return render(request, "reduction.html", result=result)


@router.post("/reduction-lists/check")
@forms.redisplays(warnings_again)
async def check_reduction_list(request: Request, file: UploadFile, jurisdiction: Annotated[str, Form()] = "",
                               registry: UploadFile | None = None, permits: UploadFile | None = None
                               ) -> HTMLResponse:  # fmt: skip
    who = await page_user(request)
    listed, extra = await upload(file), {"registry": await optional_upload(registry),
                                         "permits": await optional_upload(permits)}  # fmt: skip
    result = views.check_list(lantian(request), listed, jurisdiction or None, extra["registry"], extra["permits"])
    sent: dict[str, tuple[str, bytes] | None] = {"file": listed, **extra}
    assert who.user is not None  # the report's download: the same files, kept an hour for this user
    token = downloads.keep_check(lantian(request), who.user, jurisdiction or None, sent)
    return render(request, "reduction.html", result=result | {"download": f"/reduction-lists/check/{token}.xlsx"})


@router.post("/warnings/readings")
@forms.redisplays(warnings_again)
async def warning_readings(request: Request, file: UploadFile, jurisdiction: Annotated[str, Form()] = "",
                           baseline_days: Annotated[int, Form(ge=1, le=365)] = 7,
                           tolerance: Annotated[float, Form(ge=0, le=100)] = 10.0) -> HTMLResponse:  # fmt: skip
    who = await page_user(request)
    place = views.place_seen(lantian(request), who.actor, jurisdiction or who.actor.jurisdiction)
    result = views.readings_check(lantian(request), place, await upload(file), baseline_days, tolerance / 100)
    return render(request, "readings.html", result=result)


@router.get("/forecasts")
def forecasts(request: Request) -> HTMLResponse:
    page_reader(request)
    return render(request, "forecasts.html", schemes=views.schemes_json(), levels=None, verification=None)


@router.post("/forecasts/levels")
@forms.redisplays(forecasts)
async def forecast_levels(request: Request, file: UploadFile, scheme: Annotated[str, Form()] = "2018") -> HTMLResponse:
    await page_user(request)
    levels = views.forecast_levels(lantian(request), await upload(file), scheme)
    return render(request, "forecasts.html", schemes=views.schemes_json(), levels=levels, verification=None)


@router.post("/forecasts/verification")
@forms.redisplays(forecasts)
async def forecast_verification(request: Request, file: UploadFile) -> HTMLResponse:
    await page_user(request)
    verification = views.forecast_verification(lantian(request), await upload(file))
    return render(request, "forecasts.html", schemes=views.schemes_json(), levels=None, verification=verification)


@router.get("/audit")
def audit(request: Request) -> HTMLResponse:
    who = page_reader(request)
    views.require_role(who, UserRole.ADMIN, UserRole.LEADER)
    app = lantian(request)
    entries = app.audit.entries(limit=200, actor=who.actor, ancestors=app.workflow.ancestors)
    return render(request, "audit.html", entries=entries, verdict=app.audit.verify())


# the public disclosure pages (no sign-in) are lantian.web.public's
