"""考核评分 and 月报 in Chromium at 1366 px and 390 px: the leader (lingdao) reads 苏州市's counties
ranked by score with a tie (并列) and opens a county's card; the 大气办 (dqb) generates January 2025's
bulletin — the page shows it working until it is done — and publishes it; anyone downloads the .docx
and the PDF from /public. Screenshots in build/screenshots/ (card-*, bulletin-*, public-bulletins-*)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.plans.model import TaskStatus
from lantian.domain.tracking.model import UserRole
from tests.web.browsing import require_browser, served, walkers
from tests.web.conftest import ENV, PASSWORD
from tests.web.test_bulletins_web import MONTH, TITLE, bulletin_data

sync_api = require_browser()
__all__ = ["bulletin_data"]  # the module's data fixture: seed 000, 2025 station data, the area map

AS_OF = "2024-12-31"
DONE = {"昆山": ("1", "2"), "常熟": ("1", "2"), "太仓": ("1",), "吴江": ()}  # of the two tasks due by AS_OF


@pytest.fixture
def office(tmp_path: Path, bulletin_data: Path) -> Iterator[App]:
    shutil.copytree(bulletin_data, tmp_path / "data")
    app = App.open(Settings.load(tmp_path / "data"))
    app.bulletins.runs = 20
    for name, role, department, label in (("dqb", UserRole.ADMIN, None, "苏州市大气办"),
                                          ("lingdao", UserRole.LEADER, None, "市领导"),
                                          ("sthjj", UserRole.DEPARTMENT, ENV, "市生态环境局")):  # fmt: skip
        app.accounts.add(name, PASSWORD, role, "苏州市", department=department, display_name=label)
    for place, done in DONE.items():  # a plan of each county, some of its tasks completed
        plan = tmp_path / f"{place}.txt"
        plan.write_text(
            f"{place}2024年大气污染防治工作计划\n一、任务\n"
            "1. 完成扬尘治理。（市生态环境局负责，2024年6月底前完成）\n"
            "2. 淘汰老旧车辆。（市交通运输局负责，2024年9月底前完成）\n"
            "3. 推进清洁取暖。（市生态环境局负责，2025年12月底前完成）\n",
            encoding="utf-8",
        )
        (outcome,) = app.plans.import_files([plan], overrides={"jurisdiction": place}).outcomes
        for number in done:
            app.plans.set_task_status(outcome.key, number, TaskStatus.COMPLETED)
    yield app
    app.close()


def test_scorecards_and_the_bulletin_in_the_browser(office: App) -> None:
    with served(office) as base, walkers(base, sync_api) as pages:
        for w in pages:
            page = w.page
            page.set_default_timeout(300_000)  # a generation under load takes a minute
            # the leader: the counties ranked by score, 常熟 and 昆山 tied first, 太仓 third
            w.sign_in("lingdao", PASSWORD)
            w.open(f"/scorecards?as_of={AS_OF}")
            rows = page.locator("#scorecard-ranking tr").all_inner_texts()[1:]
            ranked = [re.split(r"\s+", r.strip())[:3] for r in rows]
            assert ranked[:4] == [["1", "并列", "常熟"], ["1", "并列", "昆山"], ["3", "太仓", "50"],
                                  ["4", "吴江", "0"]], ranked  # fmt: skip
            assert ranked[4][:2] == ["—", "张家港"]  # no plan, no target: unranked
            assert "空气质量 60" in page.inner_text("#scorecard-weights")
            w.no_sideways_scroll()
            w.shot("card-ranking-lingdao")
            page.click("#scorecard-ranking a:has-text('太仓')")
            page.wait_for_selector("#part-tasks")
            assert page.inner_text("#tasks-due") == "2" and page.inner_text("#tasks-completed") == "1"
            assert page.inner_text("#total") == "50"
            w.no_sideways_scroll()
            w.shot("card-taicang-lingdao")
            page.click("button:has-text('退出')")
            # the 大气办: generate (once), see it working, download, publish
            w.sign_in("dqb", PASSWORD)
            w.open("/bulletins")
            assert page.input_value("input[name=month]") == MONTH
            if w.width == 1366:
                page.click("#generate-form button[type=submit]")
                page.wait_for_selector("#bulletin-working")
                w.shot("bulletin-working-dqb")
                page.wait_for_selector("#bulletin-draft")  # the page refreshed itself until it was done
                with page.expect_download() as download:
                    page.click("#download-draft")
                assert download.value.suggested_filename == f"{TITLE}.docx"
                if shutil.which("soffice") is None:
                    pytest.skip("LibreOffice is needed to make the PDF (scripts/setup installs it)")
                page.click("#publish-form button[type=submit]")
                page.wait_for_selector("#bulletin-published")
            assert TITLE in page.inner_text("#bulletin-draft") and TITLE in page.inner_text("#published")
            w.no_sideways_scroll()
            w.shot("bulletin-published-dqb")
            page.click("button:has-text('退出')")
            # anyone: the public page lists it; both files download
            w.open("/public")
            listed = page.inner_text("#public-bulletins")
            assert TITLE in listed
            w.no_sideways_scroll()
            w.shot("public-bulletins")
            pdf = page.request.get(base + (page.get_attribute("#public-bulletins a.bulletin-pdf", "href") or ""))
            assert pdf.ok and pdf.body().startswith(b"%PDF")
            docx = page.request.get(base + (page.get_attribute("#public-bulletins a.bulletin-docx", "href") or ""))
            assert docx.ok and docx.body().startswith(b"PK")
