"""待办 and 通知 in Chromium as the 大气办 (dqb) and 市生态环境局 (sthjj), at 1366 px and 390 px:
the navigation's count is the list's, the links lead to the records, a notification is marked read,
a bad e-mail address is named beside its field with the input kept; screenshots in
build/screenshots/ (todo-*, notifications-*)."""

from __future__ import annotations

import datetime as dt
import re

from lantian.bootstrap import App
from lantian.domain.plans.model import TaskStatus
from lantian.domain.tracking.model import Actor, UserRole
from tests.web.browsing import require_browser, served, walkers
from tests.web.conftest import ENV, PASSWORD, env_task

sync_api = require_browser()

DQB = Actor("dqb", UserRole.ADMIN, "苏州市")
STHJJ = Actor("sthjj", UserRole.DEPARTMENT, "苏州市", ENV)


def count_in_nav(page: object) -> int:
    text = page.inner_text("#nav-todo")  # type: ignore[attr-defined]
    found = re.search(r"\d+", text)
    return int(found.group()) if found else 0


def test_todo_and_notifications_in_the_browser(lantian: App) -> None:
    lantian.accounts.add("dqb", PASSWORD, UserRole.ADMIN, "苏州市", display_name="苏州市大气办")
    lantian.accounts.add("sthjj", PASSWORD, UserRole.DEPARTMENT, "苏州市", department=ENV, display_name="市生态环境局")
    task = env_task(lantian)
    lantian.workflow.submit_progress(STHJJ, task, period="2024-04", status=TaskStatus.IN_PROGRESS, narrative="进展")
    with served(lantian) as base, walkers(base, sync_api) as pages:
        for w in pages:
            # the 大气办: the report to review, the count in the navigation equal to the list
            w.sign_in("dqb", PASSWORD)
            w.open("/todo")
            page = w.page
            total = int(page.inner_text("#todo-total"))
            assert total == count_in_nav(page) > 0
            assert page.locator("#todo-review li").count() == 1
            w.no_sideways_scroll()
            w.shot("todo-dqb")
            page.click("#todo-review li a")
            page.wait_for_url(f"{base}/tasks/{task}")
            w.open("/notifications")
            assert page.locator("#delivery-log").count() == 1
            w.no_sideways_scroll()
            w.shot("notifications-dqb")
            page.click("button:has-text('退出')")
            # the department: the 督办 to answer, and its unread notification
            notice = lantian.workflow.issue_notice(DQB, department=ENV, subject=f"秸秆禁烧专项督办{w.width}",
                                                   body="请于期限内回复",
                                                   due=lantian.workflow.today() + dt.timedelta(days=3))  # fmt: skip
            lantian.notify.collect()
            w.sign_in("sthjj", PASSWORD)
            w.open("/todo")
            assert int(page.inner_text("#todo-total")) == count_in_nav(page)
            groups = page.locator(".todo-group .count").all_inner_texts()
            assert sum(int(x) for x in groups) == count_in_nav(page)
            listed = page.inner_text("#todo-notice")
            assert f"秸秆禁烧专项督办{w.width}" in listed and "还有 3 天" in listed
            assert f"秸秆禁烧专项督办{w.width}" in page.inner_text("#unread")
            w.no_sideways_scroll()
            w.shot("todo-sthjj")
            page.click(f"#todo-notice li a:has-text('{w.width}')")
            page.wait_for_url(f"{base}/notices/{notice.id}")
            w.open("/notifications")
            page.fill("input[name=email]", "不是邮箱")
            page.evaluate("document.querySelector('#email-form').noValidate = true")
            page.click("#email-form button[type=submit]")
            assert "电子邮箱格式不正确" in page.inner_text("#email-error")
            assert page.input_value("input[name=email]") == "不是邮箱"
            w.no_sideways_scroll()
            w.shot("notifications-sthjj-error")
            page.fill("input[name=email]", f"sthjj{w.width}@example.org")
            page.click("#email-form button[type=submit]")
            assert page.locator("#email-saved").count() == 1
            assert page.locator("#notification-list tr.unread").count() == 1
            page.click("#notification-list button:has-text('全部标为已读')")
            assert page.locator("#notification-list tr.unread").count() == 0
            w.open("/todo")
            assert page.locator("#unread").count() == 0
            w.shot("todo-sthjj-read")
            page.click("button:has-text('退出')")
