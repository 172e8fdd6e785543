"""The JSON API (接口) under ``/api/v1``: everything the pages show and do. Every route but
``POST /session`` and ``GET /public`` needs a session (401 otherwise); unsafe requests need the
session's CSRF token in ``X-CSRF-Token``. Errors have one shape: ``{"error": {"code", "message",
"file", "line", "field", "text", "localized"}}`` (``message`` as written, in both languages;
``localized`` what a page shows in the request's language, :func:`lantian.web.i18n.error_text`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from lantian.domain.plans.corrections import Correction
from lantian.domain.plans.model import Role, TaskStatus, to_jsonable
from lantian.domain.plans.records import FlagStatus, TaskFilter
from lantian.domain.tracking.model import NoticeState, ReviewState, TicketSource, TicketState, UserRole
from lantian.domain.tracking.workflow import TicketAction
from lantian.errors import AuthenticationError, InputError
from lantian.web import views
from lantian.web.deps import (
    COOKIE,
    Viewer,
    check_csrf,
    check_password_changed,
    lantian,
    optional_upload,
    upload,
    viewer,
)
from lantian.web.limits import read_upload
from lantian.web.progress_schema import ReportOut

router = APIRouter(prefix="/api/v1")


async def signed_in(request: Request) -> Viewer:
    who = viewer(request)
    if who.user is None:
        raise AuthenticationError("sign in first (请先登录)")
    await check_csrf(request, who)
    check_password_changed(request, who)
    return who


Who = Annotated[Viewer, Depends(signed_in)]
MAX_INT = 2_147_483_647  # ids and versions are 32-bit in every database lantian runs on
Id = Annotated[int, Path(ge=1, le=MAX_INT)]
Version = Annotated[int, Form(ge=0, le=MAX_INT)]
Files = Annotated[list[UploadFile], File(description="佐证材料 evidence files")]


async def read_files(files: list[UploadFile]) -> list[tuple[str, bytes]]:
    """The named files of a form, each read in chunks up to the upload limit."""
    return [(f.filename or "", await read_upload(f)) for f in files if f.filename]


Place = Annotated[str | None, Query(max_length=200, description="辖区; default the user's own")]


def place_of(who: Viewer, jurisdiction: str | None) -> str:
    place = jurisdiction or who.actor.jurisdiction
    if not place:
        raise InputError("which jurisdiction? (请指定辖区)", field="jurisdiction")
    return place


# ---------------------------------------------------------------- session
class LoginIn(BaseModel):
    username: str = Field(max_length=100)
    password: str = Field(max_length=200)


@router.post("/session", tags=["session"], summary="登录 sign in")
def login(body: LoginIn, request: Request, response: Response) -> dict[str, Any]:
    session = lantian(request).accounts.login(body.username, body.password, views.client_address(request))
    views.set_session_cookie(request, response, session.token, session.expires)
    return {"user": views.user_json(session.user), "csrf_token": session.csrf}


@router.delete("/session", tags=["session"], summary="退出 sign out", status_code=204)
def logout(request: Request, who: Who) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        lantian(request).accounts.logout(token)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/me", tags=["session"], summary="当前用户 who am I")
def me(who: Who) -> dict[str, Any]:
    assert who.user is not None
    return {"user": views.user_json(who.user), "csrf_token": who.csrf}


# ---------------------------------------------------------------- plans
@router.get("/plans", tags=["plans"], summary="计划列表 plans")
def plans(request: Request, who: Who) -> list[dict[str, Any]]:
    return views.plans_json(lantian(request), who.actor)


@router.post("/plans", tags=["plans"], summary="导入计划 import a plan (.txt/.docx/.xlsx)")
async def import_plan(request: Request, who: Who, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    views.require_admin(who)
    return views.import_plan(lantian(request), who.actor, await upload(file))


@router.get("/flags", tags=["plans"], summary="待复核字段 flagged extractions")
def flags(request: Request, who: Who, plan: str | None = None,
          status: Literal["open", "confirmed", "corrected", "all"] = "open") -> list[dict[str, Any]]:  # fmt: skip
    return views.flags_json(lantian(request), who.actor, plan, None if status == "all" else FlagStatus(status))


Names = list[Annotated[str, Field(min_length=1, max_length=200)]]


class CorrectionIn(BaseModel):
    """What the flagged field should be; which members apply depends on the flag's field."""

    field: Literal["departments", "deadline", "target", "meta"]
    part: str | None = Field(default=None, max_length=50, description="子任务 sub-task number; none: the task")
    lead: Names = Field(default_factory=list, max_length=50, description="牵头单位 (departments)")
    responsible: Names = Field(default_factory=list, max_length=50, description="负责单位 (departments)")
    cooperating: Names = Field(default_factory=list, max_length=50, description="配合单位 (departments)")
    text: str | None = Field(default=None, max_length=500, description="the deadline or target as it should read")
    jurisdiction: str | None = Field(default=None, max_length=200, description="辖区 (meta)")
    level: Literal["province", "city", "county", "district"] | None = Field(default=None, description="级别 (meta)")
    year: int | None = Field(default=None, ge=2000, le=2100, description="计划年度 (meta)")


class FlagIn(BaseModel):
    status: Literal["confirmed", "corrected"]
    note: str | None = Field(default=None, max_length=2000)
    correction: CorrectionIn | None = Field(default=None, description="applied to the plan as a new revision")


@router.post("/flags/{flag_id}", tags=["plans"], summary="复核 resolve a flag (confirm, or correct the field)")
def resolve_flag(flag_id: Id, body: FlagIn, request: Request, who: Who) -> dict[str, Any]:
    views.require_admin(who)
    correction = Correction.from_dict(body.correction.model_dump()) if body.correction else None
    return views.resolve_flag(lantian(request), who.actor, flag_id, FlagStatus(body.status), body.note, correction)


# ---------------------------------------------------------------- tasks and progress
@router.get("/tasks", tags=["tasks"], summary="任务清单 tasks (filtered)")
def tasks(
    request: Request,
    who: Who,
    plan: str | None = None,
    department: str | None = None,
    role: Role | None = None,
    status: TaskStatus | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    deadline_before: dt.date | None = None,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> dict[str, Any]:
    as_of = lantian(request).workflow.today() if overdue else None
    flt = TaskFilter(plan=plan, department=department, role=role, status=status, text=q,
                     deadline_before=deadline_before, overdue_as_of=as_of)  # fmt: skip
    return views.tasks_json(lantian(request), who.actor, flt, limit, offset)


@router.get("/tasks/{task_id}", tags=["tasks"], summary="任务详情 a task with its progress")
def task(task_id: Id, request: Request, who: Who) -> dict[str, Any]:
    app = lantian(request)
    view, today = app.workflow.task(who.actor, task_id), app.workflow.today()  # the rights checked first
    return views.task_json(view, today, app.targets.reported.task_rows(task_id, today))


@router.post("/tasks/{task_id}/progress", tags=["tasks"], summary="报送进展 file progress (with evidence)")
async def submit_progress(
    task_id: Id,
    request: Request,
    who: Who,
    period: Annotated[str, Form(max_length=10)],
    status: Annotated[TaskStatus, Form()],
    narrative: Annotated[str, Form(max_length=20000)],
    indicators: Annotated[str, Form(description='JSON object, e.g. {"完成率": 60}')] = "{}",
    subtask: Annotated[str, Form(max_length=50)] = "",
    department: Annotated[str | None, Form(max_length=200)] = None,
    version: Annotated[int | None, Form(ge=0, le=MAX_INT)] = None,
    files: Files = [],  # noqa: B006 - FastAPI reads the default per request
) -> ReportOut:
    report = lantian(request).workflow.submit_progress(
        who.actor,
        task_id,
        period=period,
        status=status,
        narrative=narrative,
        indicators=views.parse_indicators(indicators),
        subtask=subtask,
        department=department,
        files=await read_files(files),
        version=version,
    )
    return ReportOut.model_validate(views.report_json(report))


@router.get("/progress", tags=["tasks"], summary="报送列表 progress reports")
def progress(request: Request, who: Who, period: str | None = None, review: ReviewState | None = None,
             department: str | None = None) -> list[ReportOut]:  # fmt: skip
    rows = lantian(request).workflow.reports(who.actor, period=period, review=review, department=department)
    return [ReportOut.model_validate(views.report_json(r)) for r in rows]


@router.get("/progress/{report_id}", tags=["tasks"], summary="一份报送 a report, with its rounds")
def progress_one(report_id: Id, request: Request, who: Who) -> ReportOut:
    return ReportOut.model_validate(views.report_json(lantian(request).workflow.report(who.actor, report_id)))


class ReviewIn(BaseModel):
    accept: bool
    reason: str | None = Field(default=None, max_length=2000)
    version: int = Field(ge=0, le=MAX_INT)


@router.post("/progress/{report_id}/review", tags=["tasks"], summary="审核 accept or return a report")
def review(report_id: Id, body: ReviewIn, request: Request, who: Who) -> ReportOut:
    report = lantian(request).workflow.review_progress(
        who.actor, report_id, accept=body.accept, reason=body.reason, version=body.version
    )
    return ReportOut.model_validate(views.report_json(report))


@router.get("/overdue", tags=["tasks"], summary="逾期与未报 overdue work")
def overdue(request: Request, who: Who, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    return [views.overdue_json(o) for o in lantian(request).workflow.overdue(who.actor, as_of)]


@router.get("/evidence/{evidence_id}", tags=["tasks"], summary="下载佐证材料 download evidence")
def evidence(evidence_id: Id, request: Request, who: Who) -> FileResponse:
    name, kind, path = lantian(request).workflow.evidence_file(who.actor, evidence_id)
    return FileResponse(path, media_type=kind, filename=name)


@router.get("/matrix", tags=["tasks"], summary="责任矩阵 responsibility matrix")
def matrix(request: Request, who: Who) -> list[dict[str, Any]]:
    return views.matrix_json(lantian(request), who.actor)


# ---------------------------------------------------------------- 督办
class NoticeIn(BaseModel):
    department: str = Field(max_length=200)
    subject: str = Field(max_length=500)
    body: str = Field(max_length=20000)
    due: dt.date
    task_ids: list[Annotated[int, Field(ge=1, le=MAX_INT)]] = Field(default_factory=list, max_length=500)


@router.get("/notices", tags=["notices"], summary="督办列表 notices")
def notices(request: Request, who: Who, state: NoticeState | None = None) -> list[dict[str, Any]]:
    service = lantian(request).workflow
    return [views.notice_json(n, service.rung(n)) for n in service.notices(who.actor, state)]


@router.post("/notices", tags=["notices"], summary="下发督办 issue a notice")
def issue_notice(body: NoticeIn, request: Request, who: Who) -> dict[str, Any]:
    service = lantian(request).workflow
    n = service.issue_notice(
        who.actor,
        department=body.department,
        subject=body.subject,
        body=body.body,
        due=body.due,
        task_ids=body.task_ids,
    )
    return views.notice_json(n, service.rung(n))


@router.post("/notices/escalate", tags=["notices"], summary="督办升级 escalate late notices")
def escalate(request: Request, who: Who) -> list[dict[str, Any]]:
    views.require_admin(who)
    service = lantian(request).workflow
    return [views.notice_json(n, service.rung(n)) for n in service.escalate(who.actor)]


@router.get("/notices/{notice_id}", tags=["notices"], summary="一份督办 a notice")
def notice(notice_id: Id, request: Request, who: Who) -> dict[str, Any]:
    service = lantian(request).workflow
    n = service.notice(who.actor, notice_id)
    return views.notice_json(n, service.rung(n))


@router.post("/notices/{notice_id}/answer", tags=["notices"], summary="回复督办 answer a notice")
async def answer_notice(
    notice_id: Id,
    request: Request,
    who: Who,
    answer: Annotated[str, Form(max_length=20000)],
    version: Version,
    files: Files = [],  # noqa: B006
) -> dict[str, Any]:
    service = lantian(request).workflow
    n = service.answer_notice(who.actor, notice_id, answer=answer, version=version, files=await read_files(files))
    return views.notice_json(n, service.rung(n))


class VersionIn(BaseModel):
    version: int = Field(ge=0, le=MAX_INT)


@router.post("/notices/{notice_id}/close", tags=["notices"], summary="办结 close a notice")
def close_notice(notice_id: Id, body: VersionIn, request: Request, who: Who) -> dict[str, Any]:
    service = lantian(request).workflow
    n = service.close_notice(who.actor, notice_id, version=body.version)
    return views.notice_json(n, service.rung(n))


# ---------------------------------------------------------------- tickets
@router.get("/tickets", tags=["tickets"], summary="问题清单 tickets")
def tickets(request: Request, who: Who, state: TicketState | None = None) -> list[dict[str, Any]]:
    return [views.ticket_json(k) for k in lantian(request).workflow.tickets(who.actor, state)]


@router.post("/tickets", tags=["tickets"], summary="登记问题 record a problem (发现)")
async def open_ticket(
    request: Request,
    who: Who,
    source: Annotated[TicketSource, Form()],
    title: Annotated[str, Form(max_length=500)],
    description: Annotated[str, Form(max_length=20000)],
    location: Annotated[str, Form(max_length=500)] = "",
    files: Files = [],  # noqa: B006
) -> dict[str, Any]:
    ticket = lantian(request).workflow.open_ticket(
        who.actor, source=source, title=title, description=description, location=location, files=await read_files(files)
    )
    return views.ticket_json(ticket)


@router.get("/tickets/{ticket_id}", tags=["tickets"], summary="一个问题 a ticket with its steps")
def ticket(ticket_id: Id, request: Request, who: Who) -> dict[str, Any]:
    return views.ticket_json(lantian(request).workflow.ticket(who.actor, ticket_id))


@router.post("/tickets/{ticket_id}/steps", tags=["tickets"], summary="交办/整改/核查/销号 a step")
async def ticket_step(
    ticket_id: Id,
    request: Request,
    who: Who,
    action: Annotated[TicketAction, Form()],
    version: Version,
    note: Annotated[str, Form(max_length=20000)] = "",
    department: Annotated[str | None, Form(max_length=200)] = None,
    due: Annotated[dt.date | None, Form()] = None,
    files: Files = [],  # noqa: B006
) -> dict[str, Any]:
    ticket = lantian(request).workflow.ticket_step(
        who.actor,
        ticket_id,
        action,
        version=version,
        note=note,
        department=department,
        due=due,
        files=await read_files(files),
    )
    return views.ticket_json(ticket)


# ---------------------------------------------------------------- dashboard, air quality, warnings
@router.get("/dashboard", tags=["dashboard"], summary="工作台 dashboard figures")
def dashboard(request: Request, who: Who) -> dict[str, Any]:
    return views.dashboard_json(lantian(request), who.actor)


@router.get("/airquality", tags=["airquality"], summary="空气质量 city daily AQI and the month's ranking")
def airquality(request: Request, who: Who) -> dict[str, Any]:
    return views.air_json(lantian(request))


@router.get("/airquality/stations", tags=["airquality"], summary="站点日数据 a city's stations and their daily AQI")
def airquality_stations(
    request: Request, who: Who, city: Annotated[str, Query(min_length=1, max_length=100, description="城市 city")]
) -> dict[str, Any]:
    return lantian(request).overview.stations(city)


@router.get("/targets/trend", tags=["airquality"], summary="目标进度曲线 targets with their value-to-date curves")
def targets_trend(
    request: Request,
    who: Who,
    jurisdiction: Place = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="年度; default the newest with data")] = None,
) -> dict[str, Any]:
    return lantian(request).overview.trend(place_of(who, jurisdiction), year)


@router.get("/warnings", tags=["warnings"], summary="预警 a place's warnings: in force and history")
def warnings(
    request: Request,
    who: Who,
    jurisdiction: Place = None,
    at: Annotated[dt.datetime | None, Query(description="Beijing time; default now")] = None,
) -> dict[str, Any]:
    return views.warnings_json(lantian(request), place_of(who, jurisdiction), at)


class WarningIn(BaseModel):
    level: Literal["yellow", "orange", "red"] | None = Field(description="null lifts the warning (解除)")
    at: dt.datetime = Field(description="Beijing time, as announced")
    issuer: str = Field(max_length=200)
    note: str = Field(default="", max_length=2000)


@router.post("/warnings", tags=["warnings"], summary="发布/调整/解除预警 issue, change or lift a warning")
def record_warning(body: WarningIn, request: Request, who: Who) -> dict[str, Any]:
    views.require_admin(who)
    return views.record_warning(lantian(request), who.actor, body.level, body.at, body.issuer, body.note)


@router.get("/reduction-list", tags=["warnings"], summary="应急减排清单核查 the kept list's check")
def reduction_list(request: Request, who: Who, jurisdiction: Place = None) -> dict[str, Any]:
    place = views.place_seen(lantian(request), who.actor, place_of(who, jurisdiction))
    return views.reduction_json(lantian(request), place, full=True)


@router.put("/reduction-list", tags=["warnings"], summary="登记本辖区减排清单 keep a list as the place's list in force")
async def keep_reduction_list(request: Request, who: Who, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    views.require_admin(who)
    return views.keep_list(lantian(request), who.actor, await upload(file))


@router.get("/reduction-list/template", tags=["warnings"], summary="清单模板 the list template (.xlsx)")
def reduction_template(request: Request, who: Who) -> Response:
    return Response(
        views.list_template(lantian(request)),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename*=UTF-8''%E5%87%8F%E6%8E%92%E6%B8%85%E5%8D%95.xlsx"},
    )


@router.post("/reduction-lists/check", tags=["warnings"], summary="核查减排清单 check an uploaded list")
async def check_reduction_list(
    request: Request,
    who: Who,
    file: Annotated[UploadFile, File(description="减排清单 .xlsx")],
    jurisdiction: Annotated[str, Form(max_length=200, description="适用该辖区的减排比例")] = "",
    registry: Annotated[UploadFile | None, File(description="排污单位名录 .csv/.xlsx")] = None,
    permits: Annotated[UploadFile | None, File(description="排污许可数据 .csv/.xlsx")] = None,
) -> dict[str, Any]:
    return views.check_list(
        lantian(request),
        await upload(file),
        jurisdiction or None,
        await optional_upload(registry),
        await optional_upload(permits),
    )


@router.post("/warnings/readings", tags=["warnings"], summary="预警期间读数核查 readings against committed cuts")
async def warning_readings(
    request: Request,
    who: Who,
    file: Annotated[UploadFile, File(description="读数 .csv/.xlsx（统一社会信用代码,时间,读数）")],
    jurisdiction: Annotated[str, Form(max_length=200)] = "",
    baseline_days: Annotated[int, Form(ge=1, le=365)] = 7,
    tolerance: Annotated[float, Form(ge=0, le=100, description="percentage points")] = 10.0,
) -> dict[str, Any]:
    place = views.place_seen(lantian(request), who.actor, place_of(who, jurisdiction or None))
    return views.readings_check(lantian(request), place, await upload(file), baseline_days, tolerance / 100)


@router.get("/forecasts/schemes", tags=["forecasts"], summary="预警分级方案 the warning schemes")
def forecast_schemes(who: Who) -> list[dict[str, Any]]:
    return views.schemes_json()


@router.post("/forecasts/levels", tags=["forecasts"], summary="预警级别 the level each forecast triggers")
async def forecast_levels(
    request: Request,
    who: Who,
    file: Annotated[UploadFile, File(description="城市预报 .csv/.xlsx")],
    scheme: Annotated[str, Form(max_length=40, description="2018 | 2024-key | 2024-other")] = "2018",
) -> dict[str, Any]:
    return views.forecast_levels(lantian(request), await upload(file), scheme)


@router.post("/forecasts/verification", tags=["forecasts"], summary="预报效果评估 forecast verification")
async def forecast_verification(
    request: Request, who: Who, file: Annotated[UploadFile, File(description="城市预报 .csv/.xlsx")]
) -> dict[str, Any]:
    return views.forecast_verification(lantian(request), await upload(file))


# ---------------------------------------------------------------- audit
@router.get("/audit", tags=["audit"], summary="审计日志 the audit log of one's places (newest first)")
def audit(request: Request, who: Who, entity: str | None = None, entity_id: str | None = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:  # fmt: skip
    views.require_role(who, UserRole.ADMIN, UserRole.LEADER)
    app = lantian(request)
    rows = app.audit.entries(entity=entity, entity_id=entity_id, limit=limit, actor=who.actor,
                             ancestors=app.workflow.ancestors)  # fmt: skip
    return [dict(to_jsonable(e)) for e in rows]


@router.get("/audit/verify", tags=["audit"], summary="校验审计链 verify the audit chain")
def audit_verify(request: Request, who: Who) -> dict[str, Any]:
    views.require_role(who, UserRole.ADMIN, UserRole.LEADER)
    return lantian(request).audit.verify().as_dict()


# ---------------------------------------------------------------- public (no sign-in)
@router.get("/public", tags=["public"], summary="信息公开 public disclosure: air quality, rankings, warnings")
def public(request: Request) -> dict[str, Any]:
    return views.public_json(lantian(request))
