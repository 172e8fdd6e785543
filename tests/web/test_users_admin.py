"""Accounts (账号): one's own password, and the 大气办's administration of the accounts of its place
and the places below it, on the pages, in the API and from the command line.

Places: 江苏省 ⊃ 苏州市 ⊃ 昆山市, 南京市 beside 苏州市 (tests.web.test_place_matrix.with_places); the
route × role × place table of the routes that take a user name is ``MATRIX`` there (ACCOUNTS)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.domain.tracking.model import SYSTEM, UserRole
from lantian.web.app import create_app
from tests.helpers import run
from tests.web.conftest import ENV, PASSWORD
from tests.web.test_place_matrix import with_places

NEW = "a-brand-new-password"
TEMPORARY = "temporary-password-1"


def signed_in(app: App, username: str, password: str) -> TestClient:
    """A page client signed in through the sign-in form (follows no redirect)."""
    c = TestClient(create_app(lantian=app), follow_redirects=False)
    r = c.post("/login", data={"username": username, "password": password, "next": "/dashboard"})
    assert r.status_code == 303, r.text[:300]
    return c


def csrf(c: TestClient, path: str = "/account") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', c.get(path).text)
    assert found
    return found.group(1)


def error_beside(html: str, field: str) -> str:
    found = re.search(rf'<span class="error" id="error-{field}">([^<]+)</span>', html)
    assert found, f"no error beside {field}"
    return found.group(1)


@pytest.fixture
def places(lantian: App, tmp_path: Path) -> App:
    with_places(lantian, tmp_path / "areas")
    for name, place in (("jsadmin", "江苏省"), ("njadmin", "南京市"), ("ksadmin", "昆山市")):
        lantian.accounts.add(name, PASSWORD, UserRole.ADMIN, place)
    return lantian


# ---------------------------------------------------------------- one's own password
def test_a_user_changes_its_own_password_and_its_other_sessions_end(lantian: App) -> None:
    here, elsewhere = signed_in(lantian, "dept", PASSWORD), signed_in(lantian, "dept", PASSWORD)
    token = csrf(here)
    form = {"csrf_token": token, "old_password": "not-my-password", "new_password": NEW, "confirm": NEW}
    r = here.post("/account/password", data=form)
    assert r.status_code == 422 and error_beside(r.text, "old_password") == "当前密码不正确"
    r = here.post("/account/password", data=form | {"old_password": PASSWORD, "confirm": "something-else"})
    assert r.status_code == 422 and error_beside(r.text, "confirm") == "两次输入的新密码不一致"
    short = {"old_password": PASSWORD, "new_password": "short", "confirm": "short"}
    r = here.post("/account/password", data=form | short)
    assert r.status_code == 422 and error_beside(r.text, "new_password") == "密码至少10位"
    assert 'value="short"' not in r.text  # passwords are never written back into a page
    r = here.post("/account/password", data=form | {"old_password": PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/account?changed=1"
    assert "密码已修改" in here.get("/account?changed=1").text
    assert here.get("/dashboard").status_code == 200  # this session stays
    assert elsewhere.get("/dashboard").status_code == 303  # the others end: sign in again
    with pytest.raises(Exception, match="用户名或密码错误"):
        lantian.accounts.login("dept", PASSWORD)
    lantian.accounts.login("dept", NEW)
    (entry,) = [e for e in lantian.audit.entries(entity="user", entity_id="dept") if e.action == "user.password"]
    assert entry.actor == "dept" and json.loads(entry.after)["password"] == "changed"


def test_the_api_changes_ones_own_password(client: Callable[[str | None], TestClient], lantian: App) -> None:
    leader = client("leader")
    r = leader.post("/api/v1/account/password", json={"old_password": "wrong", "new_password": NEW})
    assert r.status_code == 422 and r.json()["error"]["field"] == "old_password"
    r = leader.post("/api/v1/account/password", json={"old_password": PASSWORD, "new_password": NEW})
    assert r.status_code == 204
    assert leader.get("/api/v1/me").status_code == 200
    lantian.accounts.login("leader", NEW)


# ---------------------------------------------------------------- the 大气办's accounts
def test_the_admin_adds_a_department_user_who_changes_the_temporary_password(places: App) -> None:
    admin = signed_in(places, "admin", PASSWORD)
    page = admin.get("/users").text
    shown = set(re.findall(r'<a href="/users/([^"]+)">', page))
    assert {"admin", "dept", "other", "leader", "ksadmin"} <= shown and not shown & {"jsadmin", "njadmin"}
    choices = re.search(r'<select name="jurisdiction">(.*?)</select>', page, re.S)
    assert choices
    offered = re.findall(r'<option value="([^"]+)"', choices.group(1))
    assert offered[0] == "苏州市" and "昆山市" in offered and not {"南京市", "江苏省"} & set(offered)
    departments = re.search(r'<select name="department">(.*?)</select>', page, re.S)
    assert departments and f'value="{ENV}"' in departments.group(1)
    assert "各县级市（区）人民政府（管委会）" not in departments.group(1)  # a level of government, not a department

    token = csrf(admin, "/users")
    form = {"csrf_token": token, "username": "hbj", "display_name": "环保局张三", "role": "department",
            "jurisdiction": "苏州市", "department": "", "password": TEMPORARY}  # fmt: skip
    r = admin.post("/users", data=form)
    assert r.status_code == 422 and error_beside(r.text, "department") == "部门用户须指定部门"
    assert 'value="hbj"' in r.text and 'value="环保局张三"' in r.text  # what was typed is kept
    r = admin.post("/users", data=form | {"department": "各县级市（区）人民政府（管委会）"})
    assert r.status_code == 422 and error_beside(r.text, "department") == "请从列表中选择部门"
    r = admin.post("/users", data=form | {"department": ENV, "jurisdiction": "南京市"})
    assert r.status_code == 422 and error_beside(r.text, "jurisdiction") == "请从列表中选择辖区"
    r = admin.post("/users", data=form | {"department": ENV, "username": "dept"})
    assert r.status_code == 409 and error_beside(r.text, "username") == "用户已存在"
    r = admin.post("/users", data=form | {"department": ENV})
    assert r.status_code == 303 and r.headers["location"] == "/users/hbj?done=added"
    assert "临时密码，待用户修改" in admin.get("/users/hbj").text

    user = signed_in(places, "hbj", TEMPORARY)
    assert user.get("/dashboard").headers["location"] == "/account"  # before anything else
    assert "临时密码" in user.get("/account").text
    api = TestClient(create_app(lantian=places))
    me = api.post("/api/v1/session", json={"username": "hbj", "password": TEMPORARY}).json()
    refused = api.get("/api/v1/tasks", headers={"X-CSRF-Token": me["csrf_token"]})
    assert refused.status_code == 403 and "临时密码" in refused.json()["error"]["message"]
    r = user.post("/account/password", data={"csrf_token": csrf(user), "old_password": TEMPORARY,
                                             "new_password": NEW, "confirm": NEW})  # fmt: skip
    assert r.status_code == 303
    assert user.get("/dashboard").status_code == 200
    assert user.get("/tasks").status_code == 200
    added = next(e for e in places.audit.entries(entity="user", entity_id="hbj") if e.action == "user.add")
    assert added.actor == "admin" and json.loads(added.after)["department"] == ENV


def test_the_admin_resets_a_password_changes_and_deactivates_an_account(places: App) -> None:
    admin = signed_in(places, "admin", PASSWORD)
    dept = signed_in(places, "dept", PASSWORD)
    token = csrf(admin, "/users/dept")
    r = admin.post("/users/dept/password", data={"csrf_token": token, "password": "short"})
    assert r.status_code == 422 and error_beside(r.text, "password") == "密码至少10位"
    r = admin.post("/users/dept/password", data={"csrf_token": token, "password": TEMPORARY})
    assert r.status_code == 303
    assert dept.get("/dashboard").status_code == 303  # its sessions ended
    again = signed_in(places, "dept", TEMPORARY)
    assert again.get("/tasks").headers["location"] == "/account"

    r = admin.post("/users/dept", data={"csrf_token": token, "display_name": "生态环境局", "role": "department",
                                        "department": ENV})  # fmt: skip
    assert r.status_code == 303
    assert places.accounts.user(SYSTEM, "dept").display_name == "生态环境局"
    r = admin.post("/users/dept", data={"csrf_token": token, "display_name": "x", "role": "boss", "department": ""})
    assert r.status_code == 422 and error_beside(r.text, "role") == "请选择角色" and 'value="x"' in r.text
    lead = {"csrf_token": token, "display_name": "领导", "role": "leader", "department": ""}
    r = admin.post("/users/dept", data=lead)
    assert r.status_code == 303  # a leader has no department
    changed = next(e for e in places.audit.entries(entity="user", entity_id="dept") if e.action == "user.update")
    assert json.loads(changed.after)["jurisdiction"] == "苏州市"

    r = admin.post("/users/admin/active", data={"csrf_token": token, "active": "0"})
    assert r.status_code == 422 and "不能停用自己的账号" in r.text
    assert admin.post("/users/dept/active", data={"csrf_token": token, "active": "0"}).status_code == 303
    assert again.get("/account").status_code == 303  # signed out
    with pytest.raises(Exception, match="用户名或密码错误"):
        places.accounts.login("dept", TEMPORARY)
    assert admin.post("/users/dept/active", data={"csrf_token": token, "active": "1"}).status_code == 303
    places.accounts.login("dept", TEMPORARY)
    actions = [e.action for e in places.audit.entries(entity="user", entity_id="dept")]
    assert actions.count("user.active") == 2 and "user.password" in actions


def test_accounts_are_listed_and_changed_only_within_the_admins_places(
    client: Callable[[str | None], TestClient], places: App
) -> None:
    def names(c: TestClient) -> set[str]:
        return {u["username"] for u in c.get("/api/v1/users").json()}

    assert names(client("admin")) == {"admin", "dept", "other", "leader", "ksadmin"}
    assert names(client("jsadmin")) >= {"admin", "jsadmin", "njadmin", "ksadmin"}  # the province: all below it
    assert names(client("ksadmin")) == {"ksadmin"}  # the county: not its city's
    assert names(client("njadmin")) == {"njadmin"}
    assert client("dept").get("/api/v1/users").status_code == 403
    suzhou = client("admin")
    for body in ({"username": "x1", "password": NEW, "role": "leader", "jurisdiction": "南京市"},
                 {"username": "x2", "password": NEW, "role": "leader", "jurisdiction": "江苏省"}):  # fmt: skip
        r = suzhou.post("/api/v1/users", json=body)
        assert r.status_code == 403 and "非本辖区" in r.json()["error"]["message"]
    r = suzhou.post("/api/v1/users", json={"username": "ks1", "password": NEW, "role": "department",
                                           "jurisdiction": "昆山市", "department": ENV})  # fmt: skip
    assert r.status_code == 201 and r.json()["jurisdiction"] == "昆山市" and r.json()["role_label"] == "部门用户"
    assert "password" not in json.dumps(r.json())
    assert suzhou.patch("/api/v1/users/njadmin", json={"display_name": "x"}).status_code == 403
    assert suzhou.post("/api/v1/users/jsadmin/password", json={"password": NEW}).status_code == 403
    r = suzhou.post("/api/v1/users/ks1/active", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    r = suzhou.patch("/api/v1/users/ks1", json={"department": "各有关部门"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "department"
    assert suzhou.get("/api/v1/users/nobody").status_code == 404
    schema = suzhou.get("/api/v1/openapi.json").json()
    ok = schema["paths"]["/api/v1/users"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["items"]["$ref"].endswith("/UserOut")


def test_the_command_line_has_the_same_accounts(
    capsys: pytest.CaptureFixture[str], client: Callable[[str | None], TestClient], lantian: App
) -> None:
    data = ("--data-dir", str(lantian.settings.data_dir))
    code, out, err = run(capsys, "users", "list", "--json", *data)
    assert code == 0, err
    assert json.loads(out) == client("admin").get("/api/v1/users").json()  # one shape (苏州's are all there is)
    assert run(capsys, "users", "update", "dept", "--name", "环境局", *data)[0] == 0
    code, _, err = run(capsys, "users", "update", "dept", "--department", "各有关部门", *data)
    assert code != 0 and "不是具体部门" in err
    code, _, err = run(capsys, "users", "password", "other", "--password", TEMPORARY, "--temporary", *data)
    assert code == 0, err
    other = next(u for u in lantian.accounts.list() if u.username == "other")
    assert lantian.accounts.must_change(other)
    assert next(u for u in lantian.accounts.list() if u.username == "dept").display_name == "环境局"
