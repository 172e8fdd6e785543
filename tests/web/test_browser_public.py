"""In Chromium at 1366 px and 390 px: a visitor files an anonymous 举报 with a photo on the public page
and follows it by its tracking code; the office's admin opens the air-quality page on 苏州, with
every year stored and a calendar of square cells. No page scrolls sideways. Screenshots in
``build/screenshots/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lantian.bootstrap import App
from lantian.domain.tracking.model import Actor, UserRole
from tests.web.browsing import require_browser, served, walkers
from tests.web.conftest import PASSWORD
from tests.web.test_public import HISTORY, office_app, png

sync_api = require_browser()


@pytest.fixture
def office(tmp_path: Path) -> Iterator[App]:
    app = office_app(tmp_path / "office")
    files = []
    for city, text in HISTORY.items():
        (tmp_path / f"{city}.csv").write_text(text, encoding="utf-8")
        files.append(tmp_path / f"{city}.csv")
    app.airquality.import_published(files, city_from_file_name=True)
    yield app
    app.close()


def test_a_visitor_reports_and_follows_and_the_office_reads_the_air(office: App) -> None:
    with served(office) as base, walkers(base, sync_api) as pages:
        for w in pages:
            p = w.page
            w.open("/public")
            assert p.inner_text("#public-title") == "苏州市 大气污染防治信息公开"
            assert "空气质量令人满意" in p.inner_text("#public-levels")
            w.no_sideways_scroll()
            w.shot("public")
            p.fill("#report-text", f"工地夜间施工扬尘（{w.width}）")
            p.fill("#report-location", "星湖街与金鸡湖大道路口")
            photo = {"name": "现场.png", "mimeType": "image/png", "buffer": png(b"GPS")}
            p.set_input_files("#report-photos", [photo])
            p.click("#report-form button[type=submit]")
            p.wait_for_url("**/public/track?code=*")
            code = p.inner_text("#tracking-code")
            assert len(code) == 14 and p.inner_text("#track-state") == "发现"
            w.no_sideways_scroll()
            w.shot("public-report-received")
            # later: the code typed by hand, in lower case
            w.open("/public/track")
            p.fill("#track-code", code.lower())
            p.click("#track-form button[type=submit]")
            p.wait_for_selector("#track-result")
            assert p.inner_text("#track-state") == "发现" and "受理" in p.inner_text("#track-result")
            w.no_sideways_scroll()
            w.shot("public-track")

            w.sign_in("admin", PASSWORD)
            w.open("/airquality")
            assert p.eval_on_selector("select[name=city]", "s => s.value") == "苏州"
            years = p.eval_on_selector_all("#air-year option", "os => os.map(o => o.value)")
            assert years == ["2017", "2016"]
            p.wait_for_selector("[data-chart=calendar][data-drawn='1']")
            cell = p.evaluate(
                """() => { const el = document.querySelector('[data-chart=calendar]');
                const cal = echarts.getInstanceByDom(el).getModel().getComponent('calendar').coordinateSystem;
                return [cal.getCellWidth(), cal.getCellHeight()]; }"""
            )
            assert cell[0] == cell[1] and cell[0] >= 14, cell  # square, wide enough for the day number
            w.no_sideways_scroll()
            w.shot("airquality-own-city")
    tickets = office.workflow.tickets(Actor("admin", UserRole.ADMIN, "苏州市"))
    assert sorted(k.description for k in tickets) == ["工地夜间施工扬尘（1366）", "工地夜间施工扬尘（390）"]
    assert all(len(k.steps[0].evidence) == 1 for k in tickets)
