"""Chinese first in a real browser (issue 19): an error beside its form, the not-found page and a
date field, at 1366 px and 390 px, as Chromium with locale zh-CN shows them.

Screenshots land in build/screenshots/zh-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.tracking.model import UserRole
from tests.web.browsing import require_browser, served, walkers
from tests.web.conftest import PASSWORD

sync_api = require_browser()

LATIN = re.compile(r"[A-Za-z]{2,}")
ALLOWED = {"lantian", "HJ", "GB", "English", "txt", "docx", "xlsx"}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Iterator[str]:
    app = App.open(Settings.load(tmp_path_factory.mktemp("zh-browser") / "data"))
    app.plans.import_files(sorted(seeds_dir.glob("000_*.txt")))
    app.accounts.add("dqb", PASSWORD, UserRole.ADMIN, "苏州市", display_name="苏州市大气办")
    with served(app) as url:
        yield url
    app.close()


def english_in(text: str) -> list[str]:
    return [w for w in LATIN.findall(text) if w not in ALLOWED]


def test_errors_and_the_not_found_page_read_in_chinese(base: str) -> None:
    with walkers(base, sync_api) as ws:
        for w in ws:
            # a wrong password: the reason beside the sign-in form, in Chinese only, the name kept
            w.open("/login")
            w.page.fill("input[name=username]", "dqb")
            w.page.fill("input[name=password]", "not-the-password")
            w.page.click("button[type=submit]")
            alert = w.page.inner_text("p.error[role=alert]")
            assert alert == "用户名或密码错误", alert
            assert w.page.input_value("input[name=username]") == "dqb"
            w.no_sideways_scroll()
            w.shot("zh-login-error")

            # an empty plan file: refused beside the upload field, in Chinese, naming the file
            w.sign_in("dqb", PASSWORD)
            w.open("/plans")
            w.page.set_input_files("input[name=file]", files=[{"name": "空白.txt", "mimeType": "text/plain",
                                                              "buffer": b""}])  # fmt: skip
            w.page.click("#import-form button[type=submit]")
            beside = w.page.inner_text("#error-file")
            assert beside.startswith("空白.txt") and "文件为空" in beside, beside
            assert not english_in(beside), beside
            w.no_sideways_scroll()
            w.shot("zh-upload-error")

            # an address that does not exist: a Chinese page with a way back, not JSON
            response = w.open("/no/such/page")
            assert response is not None and response.status == 404
            main = w.page.inner_text("main")
            assert "页面不存在" in main and "{" not in main and not english_in(main), main
            assert w.page.locator("main a[href='/']").count() >= 1
            w.no_sideways_scroll()
            w.shot("zh-not-found")

            # a date is typed as 2026-12-31: no browser mm/dd/yyyy
            w.open("/notices")
            due = w.page.locator("input[name=due]")
            assert due.get_attribute("type") in (None, "text")
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", due.input_value())
            assert "mm/dd/yyyy" not in w.page.inner_text("main").lower()
            w.no_sideways_scroll()
            w.shot("zh-date-field")
