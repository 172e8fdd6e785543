"""In Chromium at 1366 px and 390 px: the 大气办 adds a department user and resets its password; the
user signs in with the temporary password and has to change it; the task list and the
responsibility matrix download as .xlsx (the file's rows are the page's). Screenshots in
``build/screenshots/`` (admin-*)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from lantian.bootstrap import App
from tests.web.browsing import Walker, require_browser, served, walkers
from tests.web.conftest import ENV, PASSWORD

sync_api = require_browser()

FIRST = "temporary-password-1"
SECOND = "temporary-password-2"
OWN = "my-own-new-password"


def sign_in_to(w: Walker, user: str, password: str, lands: str) -> None:
    w.page.goto(f"{w.base}/login")
    w.page.fill("input[name=username]", user)
    w.page.fill("input[name=password]", password)
    w.page.click("button[type=submit]")
    w.page.wait_for_url(f"{w.base}{lands}")


def sign_out(w: Walker) -> None:
    w.page.click("header form[action='/logout'] button")
    w.page.wait_for_url(f"{w.base}/public")


def download(w: Walker, link: str, tmp_path: Path) -> tuple[str, list[tuple[Any, ...]]]:
    with w.page.expect_download() as info:
        w.page.click(link)
    got = info.value
    path = tmp_path / f"{w.width}-{got.suggested_filename}"
    got.save_as(str(path))
    return got.suggested_filename, list(load_workbook(path).active.iter_rows(values_only=True))


def test_accounts_and_downloads_in_the_browser(lantian: App, tmp_path: Path) -> None:
    with served(lantian) as base, walkers(base, sync_api) as pages:
        for w in pages:
            name = f"hbj{w.width}"
            w.sign_in("admin", PASSWORD)
            w.open("/users")
            w.no_sideways_scroll()
            w.page.fill("#add-user-form input[name=username]", name)
            w.page.fill("#add-user-form input[name=display_name]", "环保局张三")
            w.page.select_option("#add-user-form select[name=role]", "department")
            w.page.select_option("#add-user-form select[name=department]", ENV)
            w.page.fill("#add-user-form input[name=password]", "short")
            w.page.click("#add-user-form button[type=submit]")
            assert w.page.inner_text("#error-password") == "密码至少10位"  # beside the field, input kept
            assert w.page.input_value("#add-user-form input[name=username]") == name
            w.shot("admin-users-error")
            w.no_sideways_scroll()
            w.page.fill("#add-user-form input[name=password]", FIRST)
            w.page.click("#add-user-form button[type=submit]")
            w.page.wait_for_url(f"{base}/users/{name}?done=added")
            assert "临时密码，待用户修改" in w.page.inner_text("main")
            w.page.fill("#reset-password-form input[name=password]", SECOND)
            w.page.click("#reset-password-form button[type=submit]")
            w.page.wait_for_url(f"{base}/users/{name}?done=password")
            w.shot("admin-user-reset")
            w.no_sideways_scroll()
            sign_out(w)

            sign_in_to(w, name, SECOND, "/account")  # the temporary password: change it first
            assert w.page.is_visible("#must-change")
            w.shot("admin-account-must-change")
            w.no_sideways_scroll()
            w.page.fill("input[name=old_password]", SECOND)
            w.page.fill("input[name=new_password]", OWN)
            w.page.fill("input[name=confirm]", OWN)
            w.page.click("#password-form button[type=submit]")
            w.page.wait_for_url(f"{base}/account?changed=1")
            assert w.page.is_visible("#changed") and not w.page.is_visible("#must-change")
            w.open("/tasks")
            total = int(w.page.inner_text("#task-count"))
            filename, rows = download(w, "#tasks-download", tmp_path)
            assert filename == "任务清单.xlsx" and len(rows) == 1 + total > 1
            w.open("/matrix")
            w.shot("admin-matrix-department")
            w.no_sideways_scroll()
            sign_out(w)

            w.sign_in("admin", PASSWORD)
            w.open("/matrix")
            w.shot("admin-matrix")
            w.no_sideways_scroll()
            units = [u.strip() for u in w.page.locator("table.matrix tbody th.unit").all_inner_texts()]
            filename, rows = download(w, "#matrix-download", tmp_path)
            assert filename == "责任矩阵.xlsx"
            assert [r[0] for r in rows[1:]] == units  # the page's rows, kinds apart, in order
            kinds = [r[1] for r in rows[1:]]
            assert kinds.index("各级人民政府及管委会") > kinds.index("部门")
            w.open("/tasks?department=" + re.sub("市", "", ENV))
            filename, rows = download(w, "#tasks-download", tmp_path)
            assert len(rows) == 1 + int(w.page.inner_text("#task-count"))
            sign_out(w)
