"""What the API and the pages share: records as JSON, and uploads handed to the services as files
(the services audit their own changes, as the signed-in actor). Shaping and the web app's own
rules, no HTTP."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import math
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path, PurePath
from typing import Any

from fastapi import Request, Response

from lantian.bootstrap import App
from lantian.domain.plans.corrections import CORRECTABLE, FLAG_FIELD_LABELS, Correction, part_at
from lantian.domain.plans.departments import department_kind
from lantian.domain.plans.model import ROLE_LABELS, STATUS_LABELS, Role, SubTask, TaskStatus, to_jsonable
from lantian.domain.plans.records import FLAG_LABELS, FlagStatus, TaskFilter
from lantian.domain.targets.registry import place_key
from lantian.domain.tracking import access
from lantian.domain.tracking.model import (
    NOTICE_LABELS,
    REVIEW_LABELS,
    SOURCE_LABELS,
    TICKET_LABELS,
    USER_ROLE_LABELS,
    Actor,
    Notice,
    ProgressReport,
    Ticket,
    User,
    UserRole,
)
from lantian.domain.tracking.overdue import (
    CURRENT_LABELS,
    PREVIOUS_LABELS,
    Overdue,
    Schedule,
    TaskRef,
    period_label,
    shift,
)
from lantian.domain.tracking.workflow import ACTION_LABELS, TicketAction, next_actions
from lantian.domain.warnings.levels import LABELS as LEVEL_LABELS
from lantian.domain.warnings.reduction import CheckResult
from lantian.errors import ConfigError, ForbiddenError, InputError, LantianError, NotFoundError
from lantian.services.clock import beijing, beijing_now
from lantian.services.measured import TaskProgress
from lantian.services.tracking import TaskView
from lantian.services.warnings import load_schemes
from lantian.services.warnings_json import (
    check_report,
    event_json,
    in_force_json,
    readings_json,
    span_json,
    verification_json,
)
from lantian.web.deps import COOKIE, Viewer

PLAN_SUFFIXES = (".txt", ".docx", ".xlsx")
TABLE_SUFFIXES = (".csv", ".xlsx")  # forecasts, registries, permits, readings
LIST_SUFFIXES = (".xlsx",)  # a reduction list
Upload = tuple[str, bytes]  # (file name, content)


def set_session_cookie(request: Request, response: Response, token: str, expires: dt.datetime) -> None:
    secure: bool = request.app.state.secure_cookies
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
        max_age=int((expires - dt.datetime.now(dt.UTC)).total_seconds()),
    )


def require_role(who: Viewer, *roles: UserRole) -> None:
    if who.user is None or who.user.role not in roles:
        raise ForbiddenError("your role may not do this (当前角色无此权限)")


def require_admin(who: Viewer) -> None:
    require_role(who, UserRole.ADMIN)


def user_json(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "role_label": USER_ROLE_LABELS[user.role],
        "jurisdiction": user.jurisdiction,
        "department": user.department,
    }


# ---------------------------------------------------------------- plans
def plans_json(app: App, actor: Actor) -> list[dict[str, Any]]:
    return [dict(to_jsonable(p)) for p in app.workflow.visible_plans(actor, app.plans.list_plans())]


@contextmanager
def uploaded(filename: str, data: bytes, suffixes: tuple[str, ...], field: str = "file") -> Iterator[Path]:
    """An upload as a file under its own name in a private folder, for the services that read files.
    Errors name the upload, never the folder."""
    name = PurePath(filename.replace("\\", "/")).name or "upload"
    if PurePath(name).suffix.lower() not in suffixes:
        wanted = "/".join(suffixes)
        raise InputError(f"the file must be {wanted} (文件类型须为 {wanted})", file=name, field=field)
    if not data:
        raise InputError("the file is empty (文件为空)", file=name, field=field)
    with tempfile.TemporaryDirectory(prefix="lantian-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            yield path
        except LantianError as exc:
            if exc.file is not None:
                exc.file = exc.file.replace(str(path), name)
            exc.message = exc.message.replace(str(path), name)
            raise


def import_plan(app: App, actor: Actor, upload: Upload) -> dict[str, Any]:
    with uploaded(*upload, PLAN_SUFFIXES) as path:
        report = app.plans.import_files([path], actor=actor, names=[path.name])
    return {"outcomes": [o.as_dict() for o in report.outcomes]}


def flags_json(app: App, actor: Actor, plan: str | None, status: FlagStatus | None) -> list[dict[str, Any]]:
    """The flags of the plans ``actor`` sees; each with the parts of its task a correction may name
    (``parts``: the sub-task numbers; ``part``: the one whose lines hold the flag, if any)."""
    visible = {p["key"] for p in plans_json(app, actor)}
    stored = [f for f in app.plans.review(plan, status) if f.plan_key in visible]
    tasks = app.plans.flagged_tasks([f for f in stored if f.flag.field in CORRECTABLE])
    out = []
    for f in stored:
        task = tasks.get((f.plan_key, f.flag.task_number or ""))
        out.append(
            {
                "id": f.id,
                "plan": f.plan_key,
                "revision": f.revision,
                "task_number": f.flag.task_number,
                "field": f.flag.field,
                "field_label": FLAG_FIELD_LABELS.get(f.flag.field, f.flag.field),
                "correctable": f.flag.field in CORRECTABLE,
                "message": f.flag.message,
                "line": f.flag.line,
                "text": f.flag.text,
                "status": f.status,
                "status_label": FLAG_LABELS.get(FlagStatus(f.status), f.status),
                "resolution": f.resolution,
                "correction": f.correction.to_dict() if f.correction else None,
                "parts": [s.number for s in task.subtasks] if task is not None else [],
                "part": part_at(task, f.flag.line),
            }
        )
    return out


def resolve_flag(app: App, actor: Actor, flag_id: int, status: FlagStatus, note: str | None,
                 correction: Correction | None = None) -> dict[str, Any]:  # fmt: skip
    stored = app.plans.resolve_flag(flag_id, status, note, actor=actor, correction=correction)
    return {"id": stored.id, "plan": stored.plan_key, "status": stored.status, "resolution": stored.resolution,
            "correction": stored.correction.to_dict() if stored.correction else None}  # fmt: skip


# ---------------------------------------------------------------- tasks
def task_ref_json(ref: TaskRef, place: str | None, as_of: dt.date) -> dict[str, Any]:
    return {
        "id": ref.id,
        "plan": ref.plan_key,
        "place": place,
        "number": ref.number,
        "text": ref.text,
        "status": ref.status.value,
        "status_label": STATUS_LABELS[ref.status],
        "deadline": ref.last_deadline.isoformat() if ref.last_deadline else None,
        "overdue": ref.is_overdue(as_of),
        "departments": [{"name": n, "role": r.value, "role_label": ROLE_LABELS[r]} for n, r in ref.departments],
    }


def task_filter(app: App, plan: str = "", department: str = "", role: str = "", status: str = "", q: str = "",
                deadline_before: str = "", overdue: str = "") -> TaskFilter:  # fmt: skip
    """The task list's filter from its query (the list, its download and the matrix share it)."""
    try:
        return TaskFilter(
            plan=plan or None,
            department=department or None,
            role=Role(role) if role else None,
            status=TaskStatus(status) if status else None,
            text=q or None,
            deadline_before=dt.date.fromisoformat(deadline_before) if deadline_before else None,
            overdue_as_of=app.workflow.today() if overdue else None,
        )
    except ValueError as exc:
        raise InputError(f"bad filter: {exc} (筛选条件有误，时限日期应写作 2026-12-31)") from None


def tasks_json(app: App, actor: Actor, flt: TaskFilter, limit: int, offset: int) -> dict[str, Any]:
    """One page of the tasks ``actor`` sees that pass ``flt`` (``flt.department`` as typed: 发改委)."""
    today = app.workflow.today()
    if flt.department and not flt.departments:
        flt.departments = app.plans.resolve_departments(flt.department)
    rows, total = app.workflow.tasks(actor, flt, limit=limit, offset=offset)
    progress = app.targets.reported.task_progress([r.id for r, _ in rows], today)
    tasks = [task_ref_json(r, p, today) | task_progress_json(progress.get(r.id)) for r, p in rows]
    return {"total": total, "limit": limit, "offset": offset, "tasks": tasks}


def task_progress_json(progress: TaskProgress | None) -> dict[str, Any]:
    """最新进展 (the period and text of the newest accepted report) and 完成比例 (% complete of the
    task's targets measured from reports) of a task in the list."""
    latest = None
    if progress is not None and progress.latest_period:
        latest = {"period": progress.latest_period, "text": progress.latest_text}
    return {"latest_progress": latest, "percent_complete": progress.percent_complete if progress else None}


def subtask_json(s: SubTask) -> dict[str, Any]:
    """A sub-task with the units it names (a department reports on the ones that name it)."""
    return {"number": s.number, "text": s.text, "departments": list(dict.fromkeys(u.normalized for u in s.departments))}


def task_json(view: TaskView, as_of: dt.date, measured: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A task with its progress; ``measured``: its targets measured from accepted reports
    (:meth:`ReportedTargets.task_rows`, in the order of ``task.all_targets()``), each as ``progress``."""
    task = view.task
    targets: list[dict[str, Any]] = [
        {
            "indicator": g.indicator,
            "label": g.indicator_label,
            "comparator": g.comparator,
            "value": g.value,
            "unit": g.unit,
            "year": g.year,
            "text": g.text,
        }
        for g in task.all_targets()
    ]
    for target, row in zip(targets, measured or [], strict=False):
        target["progress"] = row
    return {
        **task_ref_json(view.ref, view.place, as_of),
        "title": task.title,
        "category": task.category,
        "full_text": task.text,
        "deadlines": [{"text": d.text, "end": d.end.isoformat() if d.end else None} for d in task.all_deadlines()],
        "subtasks": [subtask_json(s) for s in task.subtasks],
        "targets": targets,
        "reports": [report_json(r) for r in view.reports],
        "rhythm": rhythm_json(view),  # 调度频次
    }


def parse_indicators(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError:
        raise InputError(
            'indicators must be a JSON object such as {"完成率": 60} (指标格式错误)', field="indicators"
        ) from None
    if not isinstance(value, dict):
        raise InputError('indicators must be a JSON object such as {"完成率": 60} (指标格式错误)', field="indicators")
    return value


def evidence_json(items: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id,
            "filename": e.filename,
            "size": e.size,
            "content_type": e.content_type,
            "uploaded_by": e.uploaded_by,
            "url": f"/api/v1/evidence/{e.id}",
        }
        for e in items
    ]


def report_json(r: ProgressReport) -> dict[str, Any]:
    d = dict(to_jsonable(r))
    d["status_label"] = STATUS_LABELS[r.status]
    d["review_label"] = REVIEW_LABELS[r.review]
    d["evidence"] = evidence_json(r.evidence)
    d["rounds"] = [
        dict(to_jsonable(g))
        | {
            "status_label": STATUS_LABELS[g.status],
            "review_label": REVIEW_LABELS[g.review],
            "evidence": evidence_json(g.evidence),
        }
        for g in r.rounds
    ]
    return d


def indicator_rows(names: list[str], values: list[str]) -> dict[str, str]:
    """The indicator rows of the report form (指标、数值), by name. A row left empty, or a name the
    form offered without a value, is no indicator; a value without a name, a value that is not a
    number or a name twice is an error beside that row (``indicator_name.2``: the third row)."""
    out: dict[str, str] = {}
    for i, (raw_name, raw_value) in enumerate(zip(names, values, strict=False)):
        name, value = raw_name.strip(), raw_value.strip()
        if not value:
            continue
        if not name:
            raise InputError(f"the value {value} has no indicator name (请填写该数值对应的指标名称)",
                             field=f"indicator_name.{i}")  # fmt: skip
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise InputError(f"{name}: {value} is not a number (指标数值应为数字)", field=f"indicator_value.{i}")
        if name in out:
            raise InputError(f"{name} is given twice (指标名称重复)", field=f"indicator_name.{i}")
        out[name] = value
    return out


def progress_form(task: dict[str, Any], unit: str | None, period: str,
                  posted: tuple[list[str], list[str]] | None = None) -> dict[str, Any]:  # fmt: skip
    """What the report form (报送本期进展) offers ``unit`` (None: the office, for any unit) for
    ``period``: the parts it may report on (``""`` the whole task, else a sub-task's number) whose
    report this period is not accepted yet, the parts already accepted (本期已通过审核), the report
    of the first part offered (the form starts from it: its status, text and indicators, so a
    resubmission never quietly downgrades the status) and the version of each report it filed."""
    names = [d["name"] for d in task["departments"]]
    parts = [""] if unit is None or unit in names else []
    parts += [s["number"] for s in task["subtasks"] if unit is None or unit in s["departments"]]
    mine = {r["subtask"]: r for r in task["reports"] if unit and r["department"] == unit and r["period"] == period}
    offered = [p for p in parts if mine.get(p, {}).get("review") != "accepted"]
    current = mine.get(offered[0]) if offered else None
    if posted is not None:  # the rows as typed, none added or dropped
        rows = list(zip(*posted, strict=False))
    else:
        rows = [(k, format_number(v)) for k, v in current["indicators"].items()] if current else []
        labels = [g["label"] for g in task["targets"] if g["label"]]
        missing = [(label, "") for label in dict.fromkeys(labels) if all(label != n for n, _ in rows)]
        rows += missing[: max(0, 3 - len(rows))]  # the targets' indicators, up to three rows
    return {
        "parts": offered,
        "accepted": [p for p in parts if p not in offered],
        "current": current,
        "status": current["status"] if current else task["status"],
        "narrative": current["narrative"] if current else "",
        "indicators": rows or [("", "")],
        "versions": {p: r["version"] for p, r in mine.items()},
    }


RHYTHM_SOURCES = {"task": "本任务设定", "plan": "按计划设定", "office": "按本单位默认"}


def rhythm_json(view: TaskView) -> dict[str, Any]:
    """The task's rhythm (调度频次): the one it reports at, where it comes from, its own and its plan's."""
    source = "task" if view.own_rhythm else "plan" if view.plan_rhythm else "office"
    return {
        "value": view.rhythm.value,
        "label": view.rhythm.label,
        "own": view.own_rhythm.value if view.own_rhythm else None,
        "plan": view.plan_rhythm.value if view.plan_rhythm else None,
        "office": view.office_rhythm.value,
        "source": source,
        "source_label": RHYTHM_SOURCES[source],
    }


def report_periods(view: TaskView, schedule: Schedule, today: dt.date) -> list[dict[str, Any]]:
    """The periods the report form may offer (报送期), of the task's rhythm: the newest one already due
    (逾期补报, when it is not one of the next two), the previous one while its grace lasts (上周 / 上月 /
    上季度) and the current one (本周 / 本月 / 本季度). The page keeps those with a part still to report
    (:func:`progress_form`): a late report filed and not yet accepted can still be corrected."""
    rhythm = view.rhythm
    offered = schedule.open_periods(today, rhythm)
    late = schedule.last_due(today)[rhythm]
    if late and late not in offered:
        offered.insert(0, late)
    current = offered[-1]
    out = []
    for period in offered:
        due = schedule.due(period)
        name = CURRENT_LABELS[rhythm] if period == current else PREVIOUS_LABELS[rhythm] if period == shift(
            current, -1) else ""  # fmt: skip
        late_note = due < today
        out.append({"value": period, "label": period_label(period), "name": name, "due": due.isoformat(),
                    "late": late_note})  # fmt: skip
    return out


def format_number(value: float) -> str:
    """A number as people write it: 33, not 33.0."""
    return str(int(value)) if float(value).is_integer() else repr(value)


def overdue_json(o: Overdue) -> dict[str, Any]:
    return dict(to_jsonable(o)) | {"label": o.label}


def matrix_json(app: App, actor: Actor) -> list[dict[str, Any]]:
    """责任矩阵 (:meth:`WorkflowService.matrix`)."""
    return [
        {"department": r.department, "kind": department_kind(r.department).value, "tasks": r.tasks,
         **{role.value: r.roles[role] for role in Role},
         "completed": r.completed, "overdue": r.overdue}
        for r in app.workflow.matrix(actor)
    ]  # fmt: skip


# ---------------------------------------------------------------- 督办 and tickets
def notice_json(n: Notice, rung: int) -> dict[str, Any]:
    d = dict(to_jsonable(n))
    d["state_label"] = NOTICE_LABELS[n.state]
    d["evidence"] = evidence_json(n.evidence)
    d["rung"] = rung  # the rung reached today (催办 1, 通报批评 2, 约谈 3)
    return d


def ticket_json(k: Ticket) -> dict[str, Any]:
    d = dict(to_jsonable(k))
    d["state_label"] = TICKET_LABELS[k.state]
    d["source_label"] = SOURCE_LABELS[k.source]
    d["next_actions"] = [{"action": a.value, "label": ACTION_LABELS[a]} for a in next_actions(k.state)]
    d["steps"] = [
        dict(to_jsonable(s)) | {"label": ACTION_LABELS[TicketAction(s.action)], "evidence": evidence_json(s.evidence)}
        for s in k.steps
    ]
    return d


Proxies = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def trusted_proxies(text: str) -> Proxies:
    """``LANTIAN_TRUSTED_PROXIES``: addresses or networks (CIDR), separated by commas or spaces."""
    out = []
    for item in text.replace(",", " ").split():
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                f"{item!r} 不是地址或网段 (not an address or a network such as 10.0.0.0/8)",
                field="LANTIAN_TRUSTED_PROXIES",
            ) from None
    return tuple(out)


def _trusted(address: str, proxies: Proxies) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request: Request) -> str | None:
    """The client's address, as the sign-in throttle counts it: the connection's peer, unless that
    peer is a proxy named in ``LANTIAN_TRUSTED_PROXIES`` (none by default). Then ``X-Forwarded-For``
    is read from the right, past the trusted proxies, to the first address none of them is: what a
    client writes into the header itself stays to the left of it (docs/deployment.md)."""
    peer = request.client.host if request.client else None
    proxies: Proxies = request.app.state.trusted_proxies
    if peer is None or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop
    return hops[0] if hops else peer


# ---------------------------------------------------------------- dashboard and air quality
def air_json(app: App, place: str | None = None) -> dict[str, Any]:
    """The air overview with the month's ranking among the cities of ``place``'s province (every city
    when the areas map does not place it, or for no place): ``ranking_scope`` says whose it is."""
    air = dict(app.overview.air())
    province = app.overview.province_of(place, app.warnings.parents(place)) if place else None
    ranked = app.overview.ranking(province)
    air["ranking"] = ranked["rows"]
    if province is not None:  # the trend too: the province's cities
        cities = app.overview.cities_of(province)
        air["days"] = [d for d in air["days"] if place_key(str(d["station"])) in cities]
    air["ranking_scope"] = {"province": province, "cities": len(ranked["rows"])}
    air["data_until"] = ranked["data_until"]
    air["complete"] = ranked["complete"]
    # the newest month has days in but is not ranked yet (its days are not all in)
    newest = ranked["data_until"][:7] if ranked["data_until"] else None
    air["partial_month"] = newest if newest and newest != air["month"] else None
    return air


def public_place(app: App) -> str | None:
    """Whose public page it is: the office's place (``LANTIAN_OFFICE_PLACE``, ``office.toml``), else
    the one province all the accounts' places lie in; None when there are none or they lie in several."""
    if app.office_place:
        return app.office_place
    places = {u.jurisdiction.strip() for u in app.accounts.list() if u.active and u.jurisdiction.strip()}
    provinces = {app.overview.province_of(p, app.warnings.parents(p)) for p in places} - {None}
    return provinces.pop() if len(provinces) == 1 else None  # places the areas map does not know decide nothing


def banner_json(app: App, actor: Actor) -> dict[str, Any] | None:
    """The warning in force now in the user's place (its own or a place above's), for the banner."""
    if not actor.jurisdiction.strip():
        return None
    segment = app.warnings.level_at(actor.jurisdiction, beijing_now())
    if segment is None or segment.level is None:
        return None
    return {
        "level": segment.level,
        "label": LEVEL_LABELS[segment.level],
        "since": beijing(segment.start).strftime("%Y-%m-%d %H:%M"),
        "source": segment.source,
        "jurisdiction": actor.jurisdiction,
    }


def air_cities(app: App, air: dict[str, Any], actor: Actor, asked: str = "") -> tuple[list[str], str]:
    """The cities of the air-quality page (the last year's and the history's) and the one shown: the
    one asked for, else the user's own (苏州市 → 苏州, as the national lists name it), else the first."""
    cities = sorted({d["station"] for d in air["days"]} | set(app.overview.city_names()))
    own = place_key(actor.jurisdiction) if actor.jurisdiction else ""
    chosen = asked if asked in cities else own if own in cities else (cities[0] if cities else "")
    return cities, chosen


def dashboard_json(app: App, actor: Actor) -> dict[str, Any]:
    x = app.workflow.summary(actor)
    trend = app.overview.trend(actor.jurisdiction) if actor.jurisdiction else None
    month = overdue_month(app)
    return {
        "as_of": x.as_of.isoformat(),
        "tasks": {"total": x.tasks, **{s.value: x.status[s] for s in TaskStatus}},
        "overdue": {
            "deadline": x.overdue_deadline,
            "report": x.overdue_report,
            "report_month": month,
            "items": [overdue_json(o) for o in x.overdue_first[:10]],  # the ten longest late; the tiles open all
        },
        "reviews_pending": x.reviews_pending,
        "notices": {"open": x.notices_open, "late": x.notices_late},
        "tickets": {s.value: x.tickets[s] for s in TICKET_LABELS},
        # the targets of the current year if any, else of the newest year with targets and data, else
        # of the newest year with targets, said to have no data (the curves are on the air-quality page)
        "targets_year": trend["year"] if trend else None,
        "targets_as_of": trend["as_of"] if trend else None,
        "targets_years": trend["years"] if trend else [],
        "targets": [{k: v for k, v in r.items() if k != "series"} for r in trend["rows"]] if trend else [],
    }


def overdue_month(app: App) -> str | None:
    """The period of the office's default rhythm (a month unless set) whose 调度 is due and counted
    missing today (None: none due yet); tasks at other rhythms owe their own (:func:`rhythm_json`)."""
    return app.workflow.due_periods().get(app.workflow.settings.rhythm)


# ---------------------------------------------------------------- warnings
def warnings_json(app: App, place: str, at: dt.datetime | None = None) -> dict[str, Any]:
    """A place's warnings: what is in force at ``at`` (Beijing time; default now), its events and spans."""
    events, spans, parents = app.warnings.history(place)
    state = app.warnings.in_force(place, beijing(at) if at else beijing_now())
    return {
        "jurisdiction": place,
        "parents": parents,
        "now": in_force_json(state),
        "events": [event_json(e) for e in events],
        "in_force": [span_json(s, place) for s in spans],
    }


def record_warning(
    app: App, actor: Actor, level: str | None, at: dt.datetime, issuer: str, note: str
) -> dict[str, Any]:
    place = actor.jurisdiction
    if not place:
        raise InputError(
            "this account has no jurisdiction; the command line records warnings for any place "
            "(本账号未设辖区，无法在此登记预警，请由系统管理员设定辖区)",
            field="jurisdiction",
        )
    return event_json(app.warnings.record(place, level, beijing(at), issuer, note, actor=actor))


def place_seen(app: App, actor: Actor, place: str) -> str:
    """``place``, when ``actor`` may read its own records (access.require_place)."""
    if place:
        access.require_place(actor, place, app.workflow.ancestors)
    return place


def sees_place(app: App, actor: Actor, place: str) -> bool:
    return access.sees_plan(actor, place, app.workflow.ancestors)


def reduction_json(app: App, place: str, full: bool = False) -> dict[str, Any]:
    """The kept list's check; ``full`` keeps every enterprise and violation (the page shows its own cut)."""
    if not place:
        raise InputError("which jurisdiction? (请指定辖区)", field="jurisdiction")
    meta = app.reduction.meta(place)
    if meta is None:
        raise NotFoundError(f"{place} has no reduction list yet (尚未登记应急减排清单)", field="jurisdiction")
    report = check_report(app.reduction.kept(place))
    if not full:
        report["enterprises"] = report["enterprises"][:500]
        report["violations"] = report["violations"][:500]
    return {"jurisdiction": place, "meta": meta, "report": report}


def forecast_levels(app: App, upload: Upload, scheme: str) -> dict[str, Any]:
    """预警级别: the level each forecast series triggers under ``scheme``, day by day, with the rule."""
    with uploaded(*upload, TABLE_SUFFIXES) as path:
        series = app.warnings.levels(path, scheme)
    return {"file": path.name, "scheme": scheme, "series": series}


def forecast_verification(app: App, upload: Upload) -> dict[str, Any]:
    """预报效果评估: every daily forecast against the observed city daily AQI."""
    with uploaded(*upload, TABLE_SUFFIXES) as path:
        result = verification_json(*app.warnings.verify(path))
    return {"file": path.name, **result}


def schemes_json() -> list[dict[str, Any]]:
    return [{"code": s.code, "title": s.title, "verified": s.verified} for s in load_schemes().values()]


def check_list(
    app: App, upload: Upload, jurisdiction: str | None, registry: Upload | None, permits: Upload | None
) -> dict[str, Any]:
    """核查减排清单: an uploaded list under the place's rules, with the registry (全覆盖) and permits."""
    result = checked_list(app, upload, jurisdiction, registry, permits)
    return {"jurisdiction": jurisdiction or None, "report": check_report(result)}


def checked_list(
    app: App, upload: Upload, jurisdiction: str | None, registry: Upload | None, permits: Upload | None
) -> CheckResult:
    """The check of :func:`check_list`, as the domain has it (its download is written from it)."""
    with ExitStack() as stack:
        path = stack.enter_context(uploaded(*upload, LIST_SUFFIXES))
        extra = {
            name: stack.enter_context(uploaded(*u, TABLE_SUFFIXES, field=name)) if u else None
            for name, u in (("registry", registry), ("permits", permits))
        }
        result = app.reduction.check(path, jurisdiction=jurisdiction or None, **extra)
    result.name = path.name  # the upload's own name, never the private folder it was read from
    return result


def keep_list(app: App, actor: Actor, upload: Upload) -> dict[str, Any]:
    """登记清单: keep an uploaded list as the admin's own place's list in force (checked first)."""
    place = actor.jurisdiction
    if not place:
        raise InputError(
            "this account has no jurisdiction; the command line keeps lists for any place "
            "(本账号未设辖区，无法在此登记清单，请由系统管理员设定辖区)",
            field="jurisdiction",
        )
    with uploaded(*upload, LIST_SUFFIXES) as path:
        result, changed = app.reduction.import_list(path, place, actor=actor)
    result.name = path.name  # as uploaded, not the private folder it was read from
    meta = app.reduction.meta(place)
    return {"jurisdiction": place, "changed": changed, "meta": meta, "report": check_report(result)}


def readings_check(app: App, place: str, upload: Upload, baseline_days: int, tolerance: float) -> dict[str, Any]:
    """预警期间读数核查: readings against the cuts the place's kept list commits to."""
    if not place:
        raise InputError("which jurisdiction? (请指定辖区)", field="jurisdiction")
    with uploaded(*upload, TABLE_SUFFIXES) as path:
        found = app.warnings.readings(place, path, baseline_days=baseline_days, tolerance=tolerance)
    return {"file": path.name, "baseline_days": baseline_days, "tolerance": tolerance, **readings_json(place, found)}


def list_template(app: App) -> bytes:
    with tempfile.TemporaryDirectory(prefix="lantian-template-") as folder:
        path = Path(folder) / "template.xlsx"
        app.reduction.write_template(path)
        return path.read_bytes()


def public_json(app: App) -> dict[str, Any]:
    """信息公开: what anyone may see: city air quality, the month's ranking, warnings in force."""
    air = air_json(app, public_place(app))
    now = beijing_now()
    warnings = []
    for place in app.warnings.places():
        state = app.warnings.in_force(place, now)
        if state.level:
            warnings.append(
                {
                    "jurisdiction": place,
                    "level": state.level,
                    "label": LEVEL_LABELS[state.level],
                    "since": state.segment.start.isoformat() if state.segment else None,
                    "source": state.segment.source if state.segment else None,
                }
            )
    return {
        "office_place": app.office_place,  # 本平台所属辖区 (None: the page covers every place stored)
        "span": air["span"],
        "month": air["month"],
        "ranking": air["ranking"],
        "ranking_scope": air["ranking_scope"],
        "complete": air["complete"],
        "data_until": air["data_until"],
        "partial_month": air["partial_month"],
        "days": air["days"],
        "warnings": warnings,
    }
