"""The API beside the pages: its error shape, the interface languages, the security headers,
evidence downloads, conflicts, and schemathesis fuzzing against the app's own OpenAPI."""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from typing import Any

import pytest
import schemathesis
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from lantian.bootstrap import App
from tests.web.conftest import ENV, PDF, env_task


def test_anonymous_api_gets_401_with_the_error_shape(client: Callable[[str | None], TestClient]) -> None:
    r = client(None).get("/api/v1/tasks")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"
    assert client(None).get("/api/v1/public").status_code == 200


def test_security_headers_and_cookie_flags(client: Callable[[str | None], TestClient], lantian: App) -> None:
    c = client(None)
    r = c.get("/public")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    r = c.post("/api/v1/session", json={"username": "admin", "password": "a-long-test-password"})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


def test_one_address_guessing_across_accounts_is_refused(client: Callable[[str | None], TestClient]) -> None:
    c = client(None)  # every request from the test client's one address
    for i in range(20):
        name = ("admin", "dept", "other", "leader", "nobody")[i % 5]  # four tries each: no account locks
        r = c.post("/api/v1/session", json={"username": name, "password": "not-the-password"})
        assert r.status_code == 401
    r = c.post("/api/v1/session", json={"username": "admin", "password": "a-long-test-password"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "throttled"
    assert "该地址登录失败次数过多" in r.json()["error"]["message"]
    page = c.post("/login", data={"username": "admin", "password": "a-long-test-password"})
    assert page.status_code == 429 and "该地址登录失败次数过多" in page.text


def test_csrf_is_required_on_unsafe_requests(client: Callable[[str | None], TestClient]) -> None:
    c = client("admin")
    token = c.headers.pop("X-CSRF-Token")
    body = {"department": ENV, "subject": "s", "body": "b", "due": "2099-01-01"}
    assert c.post("/api/v1/notices", json=body).status_code == 403
    assert c.post("/api/v1/notices", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert c.post("/api/v1/notices", json=body, headers={"X-CSRF-Token": token}).status_code == 200


def test_progress_with_evidence_conflict_and_download(client: Callable[[str | None], TestClient], lantian: App) -> None:
    task = env_task(lantian)
    dept, admin, other = client("dept"), client("admin"), client("other")
    form = {"period": "2024-04", "status": "in_progress", "narrative": "进展", "indicators": '{"完成率": 60}'}
    r = dept.post(f"/api/v1/tasks/{task}/progress", data=form, files={"files": ("照片.png", PDF, "image/png")})
    assert r.status_code == 422 and "不符" in r.json()["error"]["message"]  # a PDF named .png
    r = dept.post(f"/api/v1/tasks/{task}/progress", data=form, files={"files": ("验收.pdf", PDF, "application/pdf")})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["indicators"] == {"完成率": 60.0} and report["review_label"] == "待审核"
    url = report["evidence"][0]["url"]
    assert dept.get(url).content == PDF
    assert other.get(url).status_code == 403
    r = dept.post(f"/api/v1/tasks/{task}/progress", data={**form, "indicators": "[1]"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "indicators"
    assert admin.post(f"/api/v1/progress/{report['id']}/review", json={"accept": True, "version": 7}).status_code == 409
    r = admin.post(f"/api/v1/progress/{report['id']}/review", json={"accept": False, "reason": "补材料", "version": 1})
    assert r.json()["review"] == "returned"


def test_every_interface_string_has_an_english_translation() -> None:
    folder = str(resources.files("lantian.web").joinpath("templates"))
    used = {m[2] for m in extract_from_dir(folder, [("*.html", "jinja2")])}
    with resources.files("lantian.web").joinpath("i18n/en/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh)
    english = {m.id: m.string for m in catalog if m.id}
    missing = sorted(s for s in used if isinstance(s, str) and not english.get(s))
    assert not missing, f"untranslated: {missing}"
    assert len(used) > 150


def test_pages_switch_to_english(client: Callable[[str | None], TestClient]) -> None:
    c = client("admin")
    assert "工作台" in c.get("/dashboard").text
    c.get("/lang/en")
    page = c.get("/dashboard").text
    assert "Dashboard" in page and "工作台" not in re.sub(r"<[^>]+>", "", page.split("<main>")[1])


@pytest.fixture
def api_schema(lantian: App) -> Any:
    from lantian.web.app import create_app

    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(lantian=lantian))


fuzz = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def admin(client: Callable[[str | None], TestClient]) -> TestClient:
    return client("admin")


@fuzz.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_api_fuzzed_against_its_own_openapi(case: Any, admin: TestClient) -> None:
    """No request generated from the OpenAPI gets a 5xx (signed in as the 大气办, with the CSRF token)."""
    if case.path == "/api/v1/session" or case.path.endswith("/session"):
        return  # signing in and out is covered above; fuzzing it would end the session
    response = case.call(headers={"X-CSRF-Token": admin.headers["X-CSRF-Token"]}, cookies=dict(admin.cookies))
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
    )


def test_paging_past_any_database_integer_is_a_clear_error(client: Callable[[str | None], TestClient]) -> None:
    c = client("admin")
    r = c.get("/api/v1/tasks", params={"offset": 2**63})
    assert r.status_code == 422 and r.json()["error"]["field"] == "offset"
    assert c.get("/tasks", params={"page": 2**63}).status_code == 422
    assert c.get("/api/v1/tasks", params={"offset": 2**31 - 1}).json()["tasks"] == []


def test_plan_flag_and_warning_changes_are_audited_with_them(client: Callable[[str | None], TestClient]) -> None:
    """The service writes the audit entry in the change's own transaction: a refused change leaves none."""
    c = client("admin")

    def actions() -> list[str]:
        # the web user's (the fixture's plans and accounts come from the command line, as the system)
        return [e["action"] for e in c.get("/api/v1/audit").json() if e["actor"] != "system"]

    plan = "苏州市2024年大气污染防治工作计划\n一、任务\n1. 测试任务。（市生态环境局负责）".encode()
    assert c.post("/api/v1/plans", files={"file": ("p.txt", plan, "text/plain")}).status_code == 200
    assert c.post("/api/v1/plans", files={"file": ("p.txt", plan, "text/plain")}).status_code == 200  # unchanged
    assert actions() == ["plan.import"]
    flag = c.get("/api/v1/flags").json()[0]["id"]
    assert c.post(f"/api/v1/flags/{flag}", json={"status": "corrected"}).status_code == 422  # no correct value
    assert c.post(f"/api/v1/flags/{flag}", json={"status": "corrected", "note": "市生态环境局"}).status_code == 200
    lift = {"level": None, "at": "2024-01-05T08:00:00", "issuer": "苏州市指挥部办公室"}
    assert c.post("/api/v1/warnings", json=lift).status_code == 422  # nothing in force to lift
    assert c.post("/api/v1/warnings", json={**lift, "level": "yellow"}).status_code == 200
    assert actions() == ["warning.issue", "flag.corrected", "plan.import"]
    assert c.get("/api/v1/audit/verify").json()["ok"]
