"""问责 (/accountability) and /api/v1/accountability: the flags of the period with their state, an
action recorded from the form (audited, its files kept and downloaded), a refused form that keeps what
was typed, and the readers who may not record. The ranks are given (tests/web/flagging.py)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.domain.tracking.model import SYSTEM
from tests.web.conftest import PDF
from tests.web.flagging import LADDER, with_flags

Client = Callable[[str | None], TestClient]


@pytest.fixture
def app(lantian: App) -> App:
    with_flags(lantian)
    return lantian


def form(c: TestClient, **values: str) -> dict[str, str]:
    base = {"from": "2025-01", "to": "2025-03", "csrf_token": c.headers["X-CSRF-Token"]}
    return base | values


def test_the_page_lists_the_flags_and_counts_the_open_ones(app: App, client: Client) -> None:
    page = client("admin").get("/accountability")
    assert page.status_code == 200
    html = page.text
    assert 'aria-current="page">问责<' in html  # the 考核问责 tabs
    # 苏州市's admin sees its own January flag and the three of 昆山市, under it in the place
    # directory (警示, 挂牌督办, 约谈); 江苏省 (above) and 南京市 (a sibling) are not its to judge
    (count,) = re.findall(r'id="open-count">(\d+)<', html)
    rows = re.findall(r'<tr class="flag open"', html)
    assert int(count) == len(rows) == 4
    assert "警示" in html and "2025-01 第1名，共4个" in html
    assert 'id="action-form"' in html


def test_an_action_recorded_closes_its_flag_and_is_audited(app: App, client: Client) -> None:
    admin = client("admin")
    flag = f"2025-01|苏州市|{LADDER}"
    r = admin.post("/accountability/actions", data=form(admin, flag=flag, kind="警示", on="2025-02-03",
                                                        unit="苏州市大气办", document="苏大气办〔2025〕3号"),
                   files={"files": ("警示函.pdf", PDF, "application/pdf")}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text[:300]
    flags = admin.get("/api/v1/accountability/flags").json()
    (mine,) = [f for f in flags["flags"] if f["place"] == "苏州市"]
    assert (mine["state"], mine["state_label"], flags["open"]) == ("closed", "已处理", 3)  # 昆山市's stay
    (action,) = mine["actions"]
    assert (action["kind"], action["document"], action["recorded_by"]) == ("警示", "苏大气办〔2025〕3号", "admin")
    assert admin.get(f"/api/v1/accountability/actions/{action['id']}").json() == action
    (file,) = action["files"]
    got = admin.get(file["url"])
    assert got.status_code == 200 and got.content == PDF
    # the evidence route of tasks does not hand out an action's file
    assert admin.get(f"/api/v1/evidence/{file['id']}").status_code == 404
    (entry,) = [e for e in app.audit.entries(entity="action")]
    assert (entry.action, entry.actor, entry.entity_id) == ("action.record", "admin", str(action["id"]))
    audit = admin.get("/audit").text  # in words: the action, the record, its fields
    assert "登记问责措施" in audit and "苏大气办〔2025〕3号" in audit and "recorded_by" not in audit
    page = admin.get("/accountability").text
    assert "苏大气办〔2025〕3号" in page and "警示函.pdf" in page and 'id="open-count">3<' in page


def test_a_refused_form_keeps_what_was_typed(app: App, client: Client) -> None:
    """约谈 needs its minutes: the error stands beside the field, every typed value kept."""
    admin = client("admin")
    flag = f"2025-01|苏州市|{LADDER}"
    typed = form(admin, flag=flag, kind="约谈", on="2025-02-03", unit="苏州市大气办", document="约谈通知")
    r = admin.post("/accountability/actions", data=typed)
    assert r.status_code == 422
    assert re.search(r'id="error-minutes">[^<]*约谈纪要', r.text), r.text
    assert 'value="约谈通知"' in r.text and 'value="2025-02-03"' in r.text
    assert re.search(r'<option value="约谈" selected>', r.text)
    assert re.search(rf'<option value="{re.escape(flag)}" selected>', r.text)
    bad_day = admin.post("/accountability/actions",
                         data=form(admin, flag=flag, kind="警示", on="3 月 5 日", unit="u", document="d"))  # fmt: skip
    assert bad_day.status_code == 422 and 'id="error-on"' in bad_day.text and "日期格式" in bad_day.text
    no_flag = admin.post("/accountability/actions", data=form(admin, flag="", kind="警示", on="2025-02-03"))
    assert no_flag.status_code == 422 and 'id="error-flag"' in no_flag.text
    assert not app.actions.actions(SYSTEM)


def test_the_api_records_on_the_newest_open_flag_of_the_kind(app: App, client: Client) -> None:
    admin = client("admin")
    r = admin.post("/api/v1/accountability/actions",
                   data={"place": "苏州市", "kind": "警示", "on": "2025-02-04", "document": "警示函"})  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["period"], body["rule"], body["unit"]) == ("2025-01", LADDER, "苏州市大气办")
    again = admin.post("/api/v1/accountability/actions",
                       data={"place": "苏州市", "kind": "警示", "on": "2025-02-04", "document": "x"})  # fmt: skip
    assert again.status_code == 404 and "没有待警示的预警" in again.json()["error"]["message"]
    wrong = admin.post("/api/v1/accountability/actions", data={"place": "苏州市", "kind": "罚款", "on": "2025-02-04"})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "kind"


@pytest.mark.parametrize("role", ["leader", "dept"])
def test_readers_read_and_may_not_record(app: App, client: Client, role: str) -> None:
    c = client(role)
    page = c.get("/accountability")
    assert page.status_code == 200 and 'id="flags"' in page.text and 'id="action-form"' not in page.text
    r = c.post("/api/v1/accountability/actions", data={"place": "苏州市", "kind": "警示", "on": "2025-02-04"})
    assert r.status_code == 403
