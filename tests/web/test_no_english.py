"""Chinese is the interface (issue 19): every page, as every role, reads in Chinese.

The app is filled as an office would fill it (seed plans, a target, reports, a review, a 督办, a
problem handed on, a warning), then every GET page the app has — read from its routes, so a page
added later is covered without touching this file — is fetched as 大气办, a department, a leader and
a visitor. The text a person reads (tags, scripts and styles taken out; placeholders and titles kept)
must hold no Latin word outside a short list (the brand, standard codes, pollutants, units, file
types, the language switch), no command line and no ISO timestamp; numbers show as people write them.
The same pages in English must not leave a catalogued Chinese string untranslated.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.plans.model import TaskStatus
from lantian.domain.targets.registry import TargetEntry
from lantian.domain.tracking.model import Actor, TicketSource, UserRole
from lantian.domain.tracking.workflow import TicketAction
from lantian.web.app import create_app
from lantian.web.i18n import FIELD_LABELS, translations
from tests.web.conftest import ENV, PASSWORD, PDF, TRANSPORT, env_task

ACCOUNTS = {  # username → (role, department, display name): the login names are never shown
    "dqb": (UserRole.ADMIN, None, "苏州市大气办"),
    "sthjj": (UserRole.DEPARTMENT, ENV, "市生态环境局"),
    "jtj": (UserRole.DEPARTMENT, TRANSPORT, "市交通运输局"),
    "lingdao": (UserRole.LEADER, None, "市领导"),
}
ROLES = ("dqb", "sthjj", "lingdao", None)
ALLOWED = {  # Latin a Chinese page may carry
    "lantian",  # the brand
    "HJ", "GB",  # standard codes (HJ 633, GB 3095)
    "PM", "AQI", "NO", "SO", "CO", "NOx", "VOCs", "O₃",  # pollutants (PM2.5, PM10, O3, NO2, SO2)
    "mg", "μg", "µg", "MB", "TEU",  # units (TEU: 标准箱, in a seed plan's text)
    "txt", "docx", "xlsx", "csv", "pdf", "png", "jpg",  # file types
    "English",  # the language switch
}  # fmt: skip
ALLOWED |= set(ACCOUNTS)  # login names are data the office chose: /users and /account list them, as file names
LATIN = re.compile(r"[A-Za-z][A-Za-z₀-₉]+")
CLI = re.compile(r"\blantian [a-z]|(^|\s)--[a-z]")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
FLOAT_ZERO = re.compile(r"(?<![\d.])\d+\.0(?![\d.])")  # 33.0


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Iterator[tuple[App, dict[str, str]]]:
    """An office's data: two seed plans, a target, a returned report, a 督办 answered, a problem handed
    on, a warning; and the ids the pages are opened with."""
    app = App.open(Settings.load(tmp_path_factory.mktemp("zh") / "data"))
    app.plans.import_files(sorted(seeds_dir.glob("00[01]_*.txt")))
    for name, (role, department, label) in ACCOUNTS.items():
        app.accounts.add(name, PASSWORD, role, "苏州市", department=department, display_name=label)
    admin = Actor("dqb", UserRole.ADMIN, "苏州市", None, "苏州市大气办")
    dept = Actor("sthjj", UserRole.DEPARTMENT, "苏州市", ENV, "市生态环境局")
    app.targets.set(TargetEntry("苏州市", "pm25", app.workflow.today().year, "<=", 33.0, "µg/m³", stretch_value=32.0))
    task = env_task(app)
    report = app.workflow.submit_progress(
        dept, task, period="2026-11", status=TaskStatus.IN_PROGRESS, narrative="已完成治理设施改造",
        indicators={"完成率": 60.0}, files=[("验收.pdf", PDF)],
    )  # fmt: skip
    app.workflow.review_progress(admin, report.id, accept=False, reason="请补充验收材料", version=report.version)
    notice = app.workflow.issue_notice(admin, department=ENV, subject="扬尘管控督办", body="请于期限内整改",
                                       due=app.workflow.today() + dt.timedelta(days=10), task_ids=[task])  # fmt: skip
    app.workflow.answer_notice(dept, notice.id, answer="已整改完毕", version=notice.version)
    ticket = app.workflow.open_ticket(admin, source=TicketSource.INSPECTION, title="工地扬尘",
                                      description="围挡缺失", location="工业园区")  # fmt: skip
    app.workflow.ticket_step(admin, ticket.id, TicketAction.ASSIGN, version=ticket.version, note="限期整改",
                             department=ENV, due=app.workflow.today() + dt.timedelta(days=15))  # fmt: skip
    app.warnings.record("苏州市", "orange", dt.datetime(2026, 12, 3, 18, 0), "苏州市重污染天气应急指挥部", "",
                        actor=admin)  # fmt: skip
    ids = {"task_id": str(task), "notice_id": str(notice.id), "ticket_id": str(ticket.id), "code": "zh",
           "report_id": str(report.id), "flag_id": "1"}  # fmt: skip
    yield app, ids
    app.close()


def signed_in(app: App, name: str | None, lang: str | None = None) -> TestClient:
    client = TestClient(create_app(lantian=app))
    if lang:
        client.cookies.set("lantian_lang", lang)
    if name is not None:
        r = client.post("/login", data={"username": name, "password": PASSWORD}, follow_redirects=False)
        assert r.status_code == 303, r.text[:500]
    return client


def page_paths(app: App, ids: dict[str, str]) -> list[str]:
    """Every GET page of the app (not the API, not files), with its ids filled in; an id the fixture
    does not know is 1 (the page then shows its own not-found page, which is checked too)."""
    paths, pending = [], list(create_app(lantian=app).routes)
    while pending:
        route = pending.pop(0)
        if hasattr(route, "original_router"):  # an included router (FastAPI ≥ 0.160 wraps them)
            pending.extend(route.original_router.routes)
            continue
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        if route.path.startswith(("/api/", "/static")) or route.path in ("/healthz", "/favicon.ico", "/lang/{code}"):
            continue
        if route.path.endswith(".xlsx"):  # a download (tests/web/test_exports_web.py), not a page
            continue
        paths.append(re.sub(r"\{(\w+)(:\w+)?\}", lambda m: ids.get(m.group(1), "1"), route.path))
    return paths


def reading(page: str) -> str:
    """The text a person reads: no tags, scripts or styles; placeholders, titles and labels kept."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    attrs = re.findall(r'\b(?:placeholder|title|aria-label|alt)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *attrs]))


HASH = re.compile(r"[0-9a-f]{16,64}")  # the audit chain's check value, a stored file's name


def problems(text: str) -> list[str]:
    text = HASH.sub(" ", text)
    found = [f"Latin word {w!r}" for w in LATIN.findall(text) if w not in ALLOWED]
    found += [f"command line {m.group(0)!r}" for m in CLI.finditer(text)]
    found += [f"ISO time {m.group(0)!r}" for m in ISO_TIME.finditer(text)]
    found += [f"number {m.group(0)!r}" for m in FLOAT_ZERO.finditer(text)]
    return sorted(set(found))


FETCHED: dict[tuple[str | None, str | None, str], tuple[int, str, str]] = {}


def the_pages(app: App, ids: dict[str, str], lang: str | None = None) -> Iterator[tuple[str, int, str, str]]:
    """(who and where, status, content type, page) of every page as every role, each fetched once."""
    extra = ["/no/such/page", f"/tasks/{ids['task_id']}/nothing", "/tasks/999999"]
    for who in ROLES:
        client = None
        for path in [*page_paths(app, ids), *extra]:
            key = (who, lang, path)
            if key not in FETCHED:
                client = client or signed_in(app, who, lang)
                r = client.get(path)
                FETCHED[key] = (r.status_code, r.headers.get("content-type", ""), r.text)
            yield (f"{who or 'anonymous'} {path}", *FETCHED[key])


def test_the_route_list_reaches_the_pages(office: tuple[App, dict[str, str]]) -> None:
    app, ids = office
    paths = page_paths(app, ids)
    assert {"/dashboard", "/plans", "/tasks", f"/tasks/{ids['task_id']}", "/audit", "/public", "/login"} <= set(paths)
    assert f"/notices/{ids['notice_id']}" in paths and f"/tickets/{ids['ticket_id']}" in paths


def test_every_page_as_every_role_is_chinese(office: tuple[App, dict[str, str]]) -> None:
    app, ids = office
    bad: list[str] = []
    seen = 0
    for where, _, kind, page in the_pages(app, ids):
        if "text/html" not in kind:
            continue
        seen += 1
        assert "Traceback" not in page, where
        bad += [f"{where}: {p}" for p in problems(reading(page))]
    assert seen >= 4 * 15
    assert not bad, "\n".join(bad)


def test_the_pages_show_what_the_office_did_in_words(office: tuple[App, dict[str, str]]) -> None:
    """Units, not login names; Beijing time; numbers as written; the audit by labels."""
    app, ids = office
    admin = signed_in(app, "dqb")
    task = reading(admin.get(f"/tasks/{ids['task_id']}").text)
    assert "市生态环境局 · 苏州市" in task and "sthjj" not in task and "苏州市大气办" in task  # reporter, reviewer
    assert "完成率：60" in task and "60.0" not in task
    notice = reading(admin.get(f"/notices/{ids['notice_id']}").text)
    assert "苏州市大气办" in notice and "dqb" not in notice and "市生态环境局 · 苏州市" in notice
    ticket = reading(admin.get(f"/tickets/{ids['ticket_id']}").text)
    assert "苏州市大气办" in ticket and "dqb" not in ticket
    audit = reading(admin.get("/audit").text)
    for words in (
        "报送进展",
        "审核退回",
        "下发督办",
        "登记问题",
        "交办问题",
        "发布预警",
        "登记目标",
        "退回理由",
        "督办事项",
    ):
        assert words in audit, words
    assert "PM2.5浓度" in audit and "pm25" not in audit and "{" not in audit
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", audit)
    warnings = reading(admin.get("/warnings").text)
    assert "2026-12-03 18:00" in warnings


def test_an_error_names_the_field_by_its_label_in_chinese_and_english(office: tuple[App, dict[str, str]]) -> None:
    app, ids = office
    admin = signed_in(app, "dqb")
    task = app.workflow.task(Actor("dqb", UserRole.ADMIN, "苏州市"), int(ids["task_id"]))
    report = next(r for r in task.reports)
    dept = Actor("sthjj", UserRole.DEPARTMENT, "苏州市", ENV)
    again = app.workflow.submit_progress(dept, task.ref.id, period=report.period, status=TaskStatus.IN_PROGRESS,
                                         narrative="已补充", version=report.version)  # fmt: skip
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/dashboard").text).group(1)  # type: ignore[union-attr]
    form = {"decision": "return", "reason": " ", "version": str(again.version), "csrf_token": csrf}
    r = admin.post(f"/progress/{again.id}/review", data=form)
    assert r.status_code == 409 or r.status_code == 400, r.text[:300]
    # the form comes back with the message beside the reason field (its label stands before the field)
    message = re.search(r'id="error-reason">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    assert message == "退回须说明理由"
    admin.cookies.set("lantian_lang", "en")
    r = admin.post(f"/progress/{again.id}/review", data=form)
    message = re.search(r'id="error-reason">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    assert message == "a returned report needs a reason"
    api = admin.post(
        f"/api/v1/progress/{again.id}/review",
        json={"accept": False, "reason": "", "version": again.version},
        headers={"X-CSRF-Token": csrf, "Accept-Language": "en"},
    )
    body = api.json()["error"]
    assert body["message"] == "a returned report needs a reason (退回须说明理由)"  # kept as it was
    assert body["localized"] == "Reason for returning: a returned report needs a reason"


def test_unknown_addresses_answer_a_chinese_page_and_the_api_json(office: tuple[App, dict[str, str]]) -> None:
    app, _ = office
    anonymous = signed_in(app, None)
    r = anonymous.get("/no/such/page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "页面不存在" in r.text and 'href="/"' in r.text
    r = anonymous.delete("/public")
    assert r.status_code == 405 and "无法这样打开" in r.text and "GET" in r.headers["allow"]
    r = anonymous.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}


def test_no_date_input_shows_the_browsers_month_first_format(office: tuple[App, dict[str, str]]) -> None:
    """Chromium shows <input type=date> as mm/dd/yyyy even for zh-CN: dates are typed as 2026-12-31."""
    app, ids = office
    for where, _, _, page in the_pages(app, ids):
        assert not re.search(r'type="(date|datetime-local|month|week)"', page), where


def test_english_pages_leave_no_catalogued_chinese(office: tuple[App, dict[str, str]]) -> None:
    with resources.files("lantian.web").joinpath("i18n/en/LC_MESSAGES/messages.po").open("rb") as fh:
        catalogued = {m.id for m in read_po(fh) if m.id and isinstance(m.id, str) and m.string}
    app, ids = office
    bad = set()
    for where, _, kind, page in the_pages(app, ids, "en"):
        if "text/html" not in kind:
            continue
        page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
        for piece in re.split(r"<[^>]+>", page):
            text = html.unescape(piece).strip()
            if text in catalogued:
                bad.add(f"{where}: {text}")
    assert not bad, "\n".join(sorted(bad))


def test_every_label_has_english() -> None:
    from lantian.domain.plans.model import COMPARATOR_LABELS
    from lantian.domain.tracking import audit
    from lantian.domain.warnings.reduction import VIOLATION_LABELS

    english = translations("en")
    labels = [*FIELD_LABELS.values(), *audit.ACTION_LABELS.values(), *audit.ENTITY_LABELS.values(),
              *audit.FIELD_LABELS.values(), *audit.BREAK_LABELS.values(), *COMPARATOR_LABELS.values(),
              *VIOLATION_LABELS.values()]  # fmt: skip
    missing = sorted({label for label in labels if re.search(r"[一-鿿]", label) and english.gettext(label) == label})
    assert not missing, missing


def test_every_reduction_list_finding_has_a_chinese_category() -> None:
    """A finding of the reduction-list check is shown by its category (类别), never its code."""
    from lantian.domain.warnings import reduction

    source = Path(reduction.__file__).read_text(encoding="utf-8")
    codes = set(re.findall(r'(?:Violation\(\s*|found\()"([a-z_]+)"', source))
    assert len(codes) > 15
    assert codes <= set(reduction.VIOLATION_LABELS), codes - set(reduction.VIOLATION_LABELS)


def test_every_parameter_a_request_may_get_wrong_has_a_label(office: tuple[App, dict[str, str]]) -> None:
    """A bad query or form value (page=0) is refused naming its field: every parameter has a label."""
    app, _ = office
    names, pending = set(), list(create_app(lantian=app).routes)
    while pending:
        route = pending.pop()
        if hasattr(route, "original_router"):
            pending.extend(route.original_router.routes)
        elif isinstance(route, APIRoute):
            d = route.dependant
            names |= {p.alias for p in [*d.query_params, *d.body_params, *d.path_params]}
    assert len(names) > 30
    assert not sorted(names - set(FIELD_LABELS)), "add to lantian.web.i18n.FIELD_LABELS"
    r = signed_in(app, "dqb").get("/tasks", params={"page": "0"})
    assert r.status_code == 422 and re.search(r'id="error-message">页码：请求格式错误<', r.text), r.text[-800:]
