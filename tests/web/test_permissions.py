"""Every route × every role: the anonymous get 401 (API) or the sign-in page, a role that may not act
gets 403, a role that may is never refused. A new route without a row here fails the test."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.domain.plans.model import TaskStatus
from lantian.domain.tracking.model import Actor, TicketSource, UserRole
from lantian.domain.tracking.workflow import TicketAction
from lantian.services.accountability import load_rules
from lantian.web.app import create_app
from tests.web.conftest import ENV, PDF, env_task, list_template
from tests.web.flagging import LADDER, with_flags

ROLES = ("admin", "dept", "other", "leader")
ALL = set(ROLES)
ADMIN = {"admin"}
OWNER = {"admin", "dept"}  # the 大气办 and the department a record concerns
READERS_OF_ENV = {"admin", "dept", "leader"}  # records of 市生态环境局: not 市交通运输局's business
PUBLIC = "public"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST = ("清单.xlsx", list_template(), XLSX)
FORECAST = ("预报.csv", "城市,发布时间,预报日期,预报AQI\n苏州,2024-01-01 16:00,2024-01-02,230\n".encode(), "text/csv")
READINGS = ("读数.csv", "统一社会信用代码,时间,读数\n91320684MA1WXY0010,2024-01-05 09:00,10\n".encode(), "text/csv")
SEED_KEY = "苏州市·2024·重点工作任务分解表"  # seed 000's plan key (conftest)
NEW = "n" * 12  # a password the policy accepts
ACTION = {
    "kind": "通报",
    "on": "2025-02-03",
    "unit": "苏州市大气办",
    "document": "通报",
    "from": "2025-01",
    "to": "2025-03",
}
PLAN = ("p.txt", "苏州市2024年大气污染防治工作计划\n一、任务\n1. 测试任务。（市生态环境局负责）".encode(), "text/plain")


def ids(app: App) -> dict[str, int]:
    """One record of each kind, all concerning 市生态环境局."""
    admin = Actor("admin", UserRole.ADMIN, "苏州市")
    dept = Actor("dept", UserRole.DEPARTMENT, "苏州市", ENV)
    task = env_task(app)
    report = app.workflow.submit_progress(dept, task, period="2024-04", status=TaskStatus.IN_PROGRESS,
                                          narrative="进展", files=[("a.pdf", PDF)])  # fmt: skip
    notice = app.workflow.issue_notice(admin, department=ENV, subject="s", body="b",
                                       due=app.workflow.today() + dt.timedelta(days=3))  # fmt: skip
    ticket = app.workflow.open_ticket(admin, source=TicketSource.INSPECTION, title="t", description="d")
    ticket = app.workflow.ticket_step(admin, ticket.id, TicketAction.ASSIGN, version=1, department=ENV,
                                      due=dt.date(2099, 1, 1))  # fmt: skip
    flag = app.plans.review(None, None)
    clerk = app.accounts.add("clerk", "a-long-test-password", UserRole.DEPARTMENT, "苏州市", department=ENV)
    with_flags(app)  # 问责: ranks that flag 苏州市, and one action on its flag with a file
    action = app.actions.record(admin, load_rules(), office="苏州市", place="苏州市", kind="警示", on="2025-02-03",
                                unit="苏州市大气办", document="d", rule=LADDER, period="2025-01",
                                files=[("a.pdf", PDF)])  # fmt: skip
    return {"task_id": task, "report_id": report.id, "notice_id": notice.id, "ticket_id": ticket.id,
            "evidence_id": report.evidence[0].id, "flag_id": flag[0].id if flag else 1, "code": 0,
            "username": clerk.username, "token": "x" * 32, "place": "苏州市", "action_id": action.id,
            "file_id": action.evidence[0].id, "bulletin_id": 1}  # fmt: skip


# (method, path) → (allowed roles or PUBLIC, request arguments)
def table(v: dict[str, int]) -> dict[tuple[str, str], tuple[set[str] | str, dict[str, Any]]]:
    files = {"files": ("b.pdf", PDF, "application/pdf")}
    return {
        ("POST", "/api/v1/session"): (PUBLIC, {"json": {"username": "x", "password": "y"}}),
        ("DELETE", "/api/v1/session"): (ALL, {}),
        ("GET", "/api/v1/me"): (ALL, {}),
        ("GET", "/api/v1/plans"): (ALL, {}),
        ("POST", "/api/v1/plans"): (ADMIN, {"files": {"file": PLAN}}),
        ("GET", "/api/v1/flags"): (ALL, {}),
        ("POST", "/api/v1/flags/{flag_id}"): (ADMIN, {"json": {"status": "confirmed"}}),
        ("GET", "/api/v1/tasks"): (ALL, {}),
        ("GET", "/api/v1/tasks/{task_id}"): (READERS_OF_ENV, {}),
        ("POST", "/api/v1/tasks/{task_id}/progress"): (
            OWNER,
            {"data": {"period": "2024-05", "status": "in_progress", "narrative": "x"}, "files": files},
        ),
        ("GET", "/api/v1/progress"): (ALL, {}),
        ("GET", "/api/v1/progress/{report_id}"): (READERS_OF_ENV, {}),
        ("POST", "/api/v1/progress/{report_id}/review"): (ADMIN, {"json": {"accept": True, "version": 1}}),
        ("GET", "/api/v1/overdue"): (ALL, {}),
        ("GET", "/api/v1/evidence/{evidence_id}"): (READERS_OF_ENV, {}),
        ("GET", "/api/v1/matrix"): (ALL, {}),
        ("GET", "/api/v1/notices"): (ALL, {}),
        ("POST", "/api/v1/notices"): (
            ADMIN,
            {"json": {"department": ENV, "subject": "s", "body": "b", "due": "2099-01-01"}},
        ),
        ("POST", "/api/v1/notices/escalate"): (ADMIN, {}),
        ("GET", "/api/v1/notices/{notice_id}"): (READERS_OF_ENV, {}),
        ("POST", "/api/v1/notices/{notice_id}/answer"): (OWNER, {"data": {"answer": "a", "version": "1"}}),
        ("POST", "/api/v1/notices/{notice_id}/close"): (ADMIN, {"json": {"version": 1}}),
        ("GET", "/api/v1/tickets"): (ALL, {}),
        ("POST", "/api/v1/tickets"): (ADMIN, {"data": {"source": "complaint", "title": "t", "description": "d"}}),
        ("GET", "/api/v1/tickets/{ticket_id}"): (READERS_OF_ENV, {}),
        ("POST", "/api/v1/tickets/{ticket_id}/steps"): (
            OWNER,
            {"data": {"action": "rectify", "version": "2", "note": "done"}},
        ),
        ("GET", "/api/v1/dashboard"): (ALL, {}),
        ("GET", "/api/v1/airquality"): (ALL, {}),
        ("GET", "/api/v1/airquality/stations"): (ALL, {"params": {"city": "苏州"}}),
        ("GET", "/api/v1/targets/trend"): (ALL, {}),
        ("GET", "/api/v1/warnings"): (ALL, {}),
        ("POST", "/api/v1/warnings"): (
            ADMIN,
            {"json": {"level": "yellow", "at": "2024-01-05T08:00:00", "issuer": "苏州市重污染天气应急指挥部办公室"}},
        ),
        ("GET", "/api/v1/reduction-list"): (ALL, {}),
        ("PUT", "/api/v1/reduction-list"): (ADMIN, {"files": {"file": LIST}}),
        ("GET", "/api/v1/reduction-list/template"): (ALL, {}),
        ("POST", "/api/v1/reduction-lists/check"): (ALL, {"files": {"file": LIST}}),
        ("POST", "/api/v1/warnings/readings"): (ALL, {"files": {"file": READINGS}}),
        ("GET", "/api/v1/forecasts/schemes"): (ALL, {}),
        ("POST", "/api/v1/forecasts/levels"): (ALL, {"files": {"file": FORECAST}}),
        ("POST", "/api/v1/forecasts/verification"): (ALL, {"files": {"file": FORECAST}}),
        ("GET", "/api/v1/audit"): ({"admin", "leader"}, {}),
        ("GET", "/api/v1/audit/verify"): ({"admin", "leader"}, {}),
        ("GET", "/api/v1/public"): (PUBLIC, {}),
        ("GET", "/api/v1/users"): (ADMIN, {}),
        ("POST", "/api/v1/users"): (ADMIN, {"json": {"username": "made", "password": "p" * 12, "role": "leader"}}),
        ("GET", "/api/v1/users/{username}"): (ADMIN, {}),
        ("PATCH", "/api/v1/users/{username}"): (ADMIN, {"json": {"display_name": "书记员"}}),
        ("POST", "/api/v1/users/{username}/password"): (ADMIN, {"json": {"password": "another-long-one"}}),
        ("POST", "/api/v1/users/{username}/active"): (ADMIN, {"json": {"active": True}}),
        # a wrong current password: refused as input (422), so the test's sessions keep theirs
        ("POST", "/api/v1/account/password"): (ALL, {"json": {"old_password": "wrong", "new_password": "n" * 12}}),
        ("GET", "/api/v1/public/reports/form"): (PUBLIC, {}),
        ("POST", "/api/v1/public/reports"): (PUBLIC, {"data": {"text": "x", "location": "y"}}),
        ("GET", "/api/v1/public/reports/{code}"): (PUBLIC, {}),
        # pages
        ("GET", "/"): (PUBLIC, {}),
        ("GET", "/healthz"): (PUBLIC, {}),
        ("GET", "/login"): (PUBLIC, {}),
        ("POST", "/login"): (PUBLIC, {"data": {"username": "x", "password": "y"}}),
        ("POST", "/logout"): (ALL, {}),
        ("GET", "/lang/{code}"): (PUBLIC, {}),
        ("GET", "/public"): (PUBLIC, {}),
        ("POST", "/public/reports"): (PUBLIC, {"data": {"text": "x", "location": "y"}}),
        ("GET", "/public/track"): (PUBLIC, {}),
        ("GET", "/dashboard"): (ALL, {}),
        ("GET", "/plans"): (ALL, {}),
        ("POST", "/plans/import"): (ADMIN, {"files": {"file": PLAN}}),
        ("POST", "/flags/{flag_id}"): (ADMIN, {"data": {"status": "confirmed"}}),
        ("GET", "/tasks"): (ALL, {}),
        ("GET", "/tasks/{task_id}"): (READERS_OF_ENV, {}),
        ("POST", "/tasks/{task_id}/progress"): (
            OWNER,
            {"data": {"period": "2024-06", "status": "in_progress", "narrative": "x", "department": ENV}},
        ),
        ("POST", "/progress/{report_id}/review"): (ADMIN, {"data": {"decision": "accept", "version": "1"}}),
        ("GET", "/progress"): (ALL, {}),
        ("GET", "/progress/missing"): (ALL, {}),
        ("GET", "/rankings"): (ALL, {}),  # 排名通报: every role reads its place's rankings
        ("GET", "/api/v1/rankings"): (ALL, {}),
        ("GET", "/matrix"): (ALL, {}),
        ("GET", "/notices"): (ALL, {}),
        ("POST", "/notices"): (ADMIN, {"data": {"department": ENV, "subject": "s", "body": "b", "due": "2099-01-01"}}),
        ("POST", "/notices/escalate"): (ADMIN, {}),
        ("GET", "/notices/{notice_id}"): (READERS_OF_ENV, {}),
        ("POST", "/notices/{notice_id}/answer"): (OWNER, {"data": {"answer": "a", "version": "1"}}),
        ("POST", "/notices/{notice_id}/close"): (ADMIN, {"data": {"version": "1"}}),
        ("GET", "/tickets"): (ALL, {}),
        ("POST", "/tickets"): (ADMIN, {"data": {"source": "complaint", "title": "t", "description": "d"}}),
        ("GET", "/tickets/{ticket_id}"): (READERS_OF_ENV, {}),
        ("POST", "/tickets/{ticket_id}/steps"): (OWNER, {"data": {"action": "rectify", "version": "2", "note": "x"}}),
        ("GET", "/airquality"): (ALL, {}),
        ("GET", "/warnings"): (ALL, {}),
        ("POST", "/warnings"): (ADMIN, {"data": {"level": "yellow", "at": "2024-01-06T08:00", "issuer": "指挥部"}}),
        ("GET", "/reduction-list"): (ALL, {}),
        ("POST", "/reduction-list"): (ADMIN, {"files": {"file": LIST}}),
        ("POST", "/reduction-lists/check"): (ALL, {"files": {"file": LIST}}),
        ("POST", "/warnings/readings"): (ALL, {"files": {"file": READINGS}}),
        ("GET", "/forecasts"): (ALL, {}),
        ("POST", "/forecasts/levels"): (ALL, {"files": {"file": FORECAST}}),
        ("POST", "/forecasts/verification"): (ALL, {"files": {"file": FORECAST}}),
        ("GET", "/audit"): ({"admin", "leader"}, {}),
        ("GET", "/favicon.ico"): (PUBLIC, {}),
        # pickers and revision diffs (test_pickers.py): what the user sees, nothing else
        ("GET", "/api/v1/plans/diff"): (ALL, {"params": {"plan": SEED_KEY}}),
        ("GET", "/api/v1/task-choices"): (ALL, {"params": {"q": "扬尘"}}),
        ("GET", "/api/v1/addressees"): (ALL, {}),
        ("GET", "/api/v1/departments"): (ALL, {}),
        ("GET", "/plans/diff"): (ALL, {"params": {"plan": SEED_KEY}}),
        ("GET", "/tasks.xlsx"): (ALL, {}),
        ("GET", "/matrix.xlsx"): (ALL, {}),
        ("GET", "/reduction-list.xlsx"): (ALL, {}),  # none kept: 404
        ("GET", "/reduction-lists/check/{token}.xlsx"): (ALL, {}),  # not this user's check: 404
        ("GET", "/account"): (ALL, {}),
        ("POST", "/account/password"): (ALL, {"data": {"old_password": "wrong", "new_password": NEW, "confirm": NEW}}),
        ("GET", "/users"): (ADMIN, {}),
        ("POST", "/users"): (
            ADMIN,
            {"data": {"username": "made2", "role": "leader", "jurisdiction": "苏州市", "password": NEW}},
        ),
        ("GET", "/users/{username}"): (ADMIN, {}),
        ("POST", "/users/{username}"): (
            ADMIN,
            {"data": {"display_name": "书", "role": "department", "department": ENV}},
        ),
        ("POST", "/users/{username}/password"): (ADMIN, {"data": {"password": "another-long-one"}}),
        ("POST", "/users/{username}/active"): (ADMIN, {"data": {"active": "1"}}),
        # 待办与通知 (web/todo.py): each user's own
        ("GET", "/todo"): (ALL, {}),
        ("GET", "/notifications"): (ALL, {}),
        ("POST", "/notifications/read"): (ALL, {}),
        ("POST", "/notifications/email"): (ALL, {"data": {"email": ""}}),
        ("GET", "/api/v1/todo"): (ALL, {}),
        ("GET", "/api/v1/notifications"): (ALL, {}),
        ("POST", "/api/v1/notifications/read"): (ALL, {"json": {}}),
        ("PUT", "/api/v1/notifications/email"): (ALL, {"json": {"email": ""}}),
        # 目标 (web/targets.py): every user reads its own place's targets; the 大气办 sets them
        ("GET", "/targets"): (ALL, {}),
        ("GET", "/targets/{place}"): (ALL, {}),
        ("POST", "/targets"): (
            ADMIN,
            {"data": {"jurisdiction": "苏州市", "indicator": "pm25", "year": "2026", "value": "30"}},
        ),
        ("GET", "/api/v1/targets"): (ALL, {}),
        ("GET", "/api/v1/targets/{place}"): (ALL, {}),
        ("POST", "/api/v1/targets"): (
            ADMIN,
            {"json": {"jurisdiction": "苏州市", "indicator": "pm25", "year": 2026, "value": 30}},
        ),
        ("GET", "/api/v1/notifications/log"): (ADMIN, {}),
        # 问责 (web/accountability.py): read by every account of the place, recorded by its 大气办
        ("GET", "/accountability"): (ALL, {}),
        ("POST", "/accountability/actions"): (ADMIN, {"data": {"flag": f"2025-01|苏州市|{LADDER}", **ACTION}}),
        ("GET", "/accountability/actions/{action_id}/files/{file_id}"): (ALL, {}),
        ("GET", "/api/v1/accountability/flags"): (ALL, {}),
        ("POST", "/api/v1/accountability/actions"): (
            ADMIN,
            {"data": {"place": "苏州市", "rule": LADDER, "period": "2025-01", **ACTION}},
        ),
        ("GET", "/api/v1/accountability/actions/{action_id}"): (ALL, {}),
        # 考核评分 (web/scorecards.py): a place's card for its own place and those below (test_place_matrix.py)
        ("GET", "/scorecards"): (ALL, {}),
        ("GET", "/scorecards/{place}"): (ALL, {}),
        ("GET", "/api/v1/scorecards"): (ALL, {}),
        ("GET", "/api/v1/scorecards/{place}"): (ALL, {}),
        # 月报 (web/bulletins.py): the user's own place; publishing is the 大气办's; the published files are public
        ("GET", "/bulletins"): (ALL, {}),
        ("POST", "/bulletins/generate"): (ALL, {"data": {"month": "2024-01"}}),
        ("GET", "/bulletins/draft.docx"): (ALL, {"params": {"month": "2024-01"}}),  # none generated: 404
        ("POST", "/bulletins/publish"): (ADMIN, {"data": {"month": "2024-01"}}),
        ("GET", "/public/bulletins/{bulletin_id}.docx"): (PUBLIC, {}),  # none published: 404
        ("GET", "/public/bulletins/{bulletin_id}.pdf"): (PUBLIC, {}),
        ("GET", "/api/v1/public/bulletins"): (PUBLIC, {}),
        # 生态补偿 (web/compensation.py): every user of the place reads its settlement, its 大气办 confirms
        # (no air-quality data here: an allowed read or confirmation finds nothing, 404)
        ("GET", "/compensation"): (ALL, {}),
        ("GET", "/compensation.xlsx"): (ALL, {}),
        ("POST", "/compensation/confirm"): (ADMIN, {"data": {"period": "2025-01"}}),
        ("GET", "/api/v1/compensation"): (ALL, {}),
        ("POST", "/api/v1/compensation/confirm"): (ADMIN, {"json": {"period": "2025-01"}}),
        # 调度频次 (web/rhythm.py): the plan's office admin only
        ("POST", "/plans/rhythm"): (ADMIN, {"data": {"plan": SEED_KEY, "rhythm": "quarterly"}}),
        ("POST", "/tasks/{task_id}/rhythm"): (ADMIN, {"data": {"rhythm": "weekly"}}),
        ("PUT", "/api/v1/plans/rhythm"): (ADMIN, {"json": {"plan": SEED_KEY, "rhythm": "monthly"}}),
        ("PUT", "/api/v1/tasks/{task_id}/rhythm"): (ADMIN, {"json": {"rhythm": None}}),
    }


def routes(lantian: App) -> set[tuple[str, str]]:
    out = set()
    pending = list(create_app(lantian=lantian).routes)
    while pending:
        r = pending.pop()
        if hasattr(r, "original_router"):  # an included router (FastAPI ≥ 0.160 wraps them)
            pending.extend(r.original_router.routes)
        elif isinstance(r, APIRoute) and not r.path.startswith("/api/docs") and "openapi" not in r.path:
            out |= {(m, r.path) for m in r.methods}
    return out


def test_every_route_has_a_row(lantian: App) -> None:
    assert routes(lantian) == set(table(ids(lantian)))


def test_every_route_for_every_role(client: Callable[[str | None], TestClient], lantian: App) -> None:
    values = ids(lantian)
    clients = {name: client(name) for name in (None, *ROLES)}
    rows = table(values)
    # refusals first (they change nothing), then the allowed calls
    plan = [(key, role) for key, (allowed, _) in rows.items() for role in (None, *ROLES)
            if allowed != PUBLIC and (role is None or role not in allowed)]  # fmt: skip
    plan += [(key, role) for key, (allowed, _) in rows.items() for role in ROLES
             if allowed == PUBLIC or role in allowed]  # fmt: skip
    plan = [(k, r) for k, r in plan if k != ("DELETE", "/api/v1/session") and k != ("POST", "/logout")]
    for (method, path), role in plan:
        allowed, kwargs = rows[(method, path)]
        url = re.sub(r"\{(\w+)\}", lambda m: "en" if m.group(1) == "code" else str(values[m.group(1)]), path)
        c = clients[role]
        if method == "POST" and not path.startswith("/api/") and c.headers.get("X-CSRF-Token"):
            kwargs = {**kwargs, "data": {**kwargs.get("data", {}), "csrf_token": c.headers["X-CSRF-Token"]}}
        response = c.request(method, url, **kwargs)
        status = response.status_code
        where = f"{method} {path} as {role or 'anonymous'}: {status} {response.text[:200]}"
        assert status < 500, where
        if allowed == PUBLIC:  # the sign-in routes answer a wrong password with 401
            assert status != 403, where
        elif role in allowed:
            assert status not in (401, 403), where
        elif role is None:
            expected = 401 if path.startswith("/api/") else 303
            assert status == expected, where
            if status == 303:
                assert response.headers["location"].startswith("/login"), where
        else:
            assert status == 403, where


@pytest.mark.parametrize("role", ROLES)
def test_sign_out_ends_the_session(client: Callable[[str | None], TestClient], role: str) -> None:
    c = client(role)
    assert c.get("/api/v1/me").status_code == 200
    assert c.delete("/api/v1/session").status_code == 204
    c.cookies.clear()
    assert c.get("/api/v1/me").status_code == 401
