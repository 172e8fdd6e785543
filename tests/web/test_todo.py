"""/todo, /notifications and their API: the list grouped with links, the navigation's count equal
to the list, each user's own notifications, the e-mail field's error beside it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.domain.plans.model import TaskStatus
from lantian.domain.tracking.model import Actor, UserRole
from tests.web.conftest import ENV, env_task

ADMIN = Actor("admin", UserRole.ADMIN, "苏州市")
DEPT = Actor("dept", UserRole.DEPARTMENT, "苏州市", ENV)


def nav_count(html: str) -> int:
    found = re.search(r'id="nav-todo"[^>]*>[^<]*(?:<b class="count">(\d+)</b>)?', html)
    assert found, "no 待办 link in the navigation"
    return int(found.group(1) or 0)


def test_the_todo_page_lists_what_the_navigation_counts(client: Callable[[str | None], TestClient],
                                                         lantian: App) -> None:  # fmt: skip
    task = env_task(lantian)
    report = lantian.workflow.submit_progress(DEPT, task, period="2024-04", status=TaskStatus.IN_PROGRESS,
                                              narrative="进展")  # fmt: skip
    notice = lantian.workflow.issue_notice(ADMIN, department=ENV, subject="秸秆禁烧督办", body="b",
                                           due=lantian.workflow.today() + dt.timedelta(days=5))  # fmt: skip
    admin, dept = client("admin"), client("dept")
    # the 大气办: the report to review, linked to its task; the count is the list's
    page = admin.get("/todo").text
    data = admin.get("/api/v1/todo").json()
    assert nav_count(page) == data["total"] == sum(g["total"] for g in data["groups"]) > 0
    review = {g["kind"]: g for g in data["groups"]}["review"]
    assert review["total"] == 1 and review["items"][0]["link"] == f"/tasks/{task}"
    assert f'href="/tasks/{task}"' in page and "待审核报送" in page
    # the department: the 督办 to answer, with its due date; the same count on every page
    data = dept.get("/api/v1/todo").json()
    notices = {g["kind"]: g for g in data["groups"]}["notice"]
    assert notices["items"][0]["link"] == f"/notices/{notice.id}" and notices["items"][0]["days_left"] == 5
    page = dept.get("/todo").text
    assert "秸秆禁烧督办" in page and "还有 5 天" in page
    assert nav_count(dept.get("/dashboard").text) == data["total"] == nav_count(page)
    shown = sum(len(g["items"]) for g in data["groups"])
    assert shown == data["total"] or any(len(g["items"]) == 100 for g in data["groups"])
    # answering it takes it off the list at once
    lantian.workflow.answer_notice(DEPT, notice.id, answer="已办", version=notice.version)
    assert nav_count(dept.get("/todo").text) == data["total"] - 1
    # the leader has nothing to do and sees no count
    leader = client("leader").get("/todo").text
    assert nav_count(leader) == 0 and "暂无待办" in leader
    assert report.id


def test_notifications_are_each_users_own(client: Callable[[str | None], TestClient], lantian: App) -> None:
    lantian.workflow.issue_notice(ADMIN, department=ENV, subject="扬尘督办", body="b",
                                  due=lantian.workflow.today() + dt.timedelta(days=20))  # fmt: skip
    lantian.notify.collect()
    dept, other = client("dept"), client("other")
    mine = dept.get("/api/v1/notifications").json()
    assert mine["unread"] == 1 and mine["notifications"][0]["subject"] == "督办：扬尘督办"
    assert other.get("/api/v1/notifications").json() == {"unread": 0, "email": None, "notifications": []}
    assert "扬尘督办" in dept.get("/todo").text and "扬尘督办" not in other.get("/todo").text
    nid = mine["notifications"][0]["id"]
    assert other.post("/api/v1/notifications/read", json={"ids": [nid]}).json() == {"changed": 0}
    r = dept.post("/notifications/read", data={"id": str(nid), "csrf_token": dept.headers["X-CSRF-Token"]})
    assert r.status_code == 303
    assert dept.get("/api/v1/notifications").json()["unread"] == 0
    assert "已读" in dept.get("/notifications").text


def test_a_user_sets_their_own_address_and_a_bad_one_is_named_beside_the_field(
    client: Callable[[str | None], TestClient],
) -> None:
    dept = client("dept")
    token = dept.headers["X-CSRF-Token"]
    r = dept.post("/notifications/email", data={"email": "不是邮箱", "csrf_token": token})
    assert r.status_code == 422
    assert 'value="不是邮箱"' in r.text and 'id="email-error"' in r.text and "电子邮箱格式不正确" in r.text
    r = dept.post("/notifications/email", data={"email": "sthjj@example.org", "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/notifications?saved=1"
    assert dept.get("/api/v1/notifications").json()["email"] == "sthjj@example.org"
    r = dept.put("/api/v1/notifications/email", json={"email": "x@"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "email"
    assert dept.put("/api/v1/notifications/email", json={"email": ""}).json()["email"] is None


def test_the_delivery_log_is_the_offices_and_shows_no_secret(client: Callable[[str | None], TestClient],
                                                             lantian: App) -> None:  # fmt: skip
    lantian.notify.add_webhook("http://127.0.0.1:9/robot/send?access_token=SECRET-TOKEN", secret="s", place="苏州市")
    lantian.workflow.issue_notice(ADMIN, department=ENV, subject="督办一", body="b",
                                  due=lantian.workflow.today() + dt.timedelta(days=20))  # fmt: skip
    lantian.notify.run()  # port 9 refuses: the attempt is logged as failed
    admin = client("admin")
    (row,) = [r for r in admin.get("/api/v1/notifications/log").json() if "督办一" in r["subject"]]
    assert row["channel"] == "webhook" and row["attempts"] == 1 and row["status"] == "pending"
    assert row["last_error"] and "SECRET-TOKEN" not in str(row)
    page = admin.get("/notifications").text
    assert "投递记录" in page and "群机器人" in page and "SECRET-TOKEN" not in page
    assert client("dept").get("/api/v1/notifications/log").status_code == 403
    assert "投递记录" not in client("dept").get("/notifications").text


def test_marking_read_goes_back_only_to_its_own_pages(client: Callable[[str | None], TestClient]) -> None:
    dept = client("dept")
    token = dept.headers["X-CSRF-Token"]
    for sent, expected in (("/todo", "/todo"), ("//evil.example.org", "/notifications"), ("", "/notifications")):
        r = dept.post("/notifications/read", data={"next": sent, "csrf_token": token})
        assert r.status_code == 303 and r.headers["location"] == expected
