"""In Chromium at 1366 px and 390 px, on the real January 2025 data of Jiangsu and 上海: the 苏州 大气办
(dqb) reads the month's ranking of 苏州's counties and districts with its tie (并列) and 苏州's rank
among Jiangsu's cities, picks the year to date and the townships (none: said so); the leader
(lingdao) reads the same page; a visitor reads the office's rankings on /public, without 上海. No
page scrolls sideways. Screenshots in ``build/screenshots/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.tracking.model import UserRole
from lantian.services.demo import demo_county_map
from tests.web.browsing import require_browser, served, walkers
from tests.web.conftest import PASSWORD

sync_api = require_browser()


@pytest.fixture(scope="module")
def office(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    aq = seeds_dir.parent / "data" / "aq"
    folder = tmp_path_factory.mktemp("browser-rank")
    app = App.open(Settings.load(folder, env={"LANTIAN_OFFICE_PLACE": "苏州市"}))
    app.airquality.import_station_lists(sorted((aq / "station_lists").glob("站点列表-20*.csv")))
    archive = aq / "quotsoft_china_sites_2025" / "jiangsu_shanghai_subset"
    app.airquality.import_files(sorted(archive.glob("china_sites_202501*.csv")))
    app.airquality.import_area_map(aq / "stations" / "NewSiteList.csv")
    app.airquality.import_county_map(demo_county_map())
    for name, role in (("dqb", UserRole.ADMIN), ("lingdao", UserRole.LEADER)):
        app.accounts.add(name, PASSWORD, role, "苏州市")
    app.overview.air()  # what the dashboard after sign-in and /public compute once
    for under in ("苏州市", "江苏省"):
        app.rankings.table(under, "month", "2025-01")
    yield app
    app.close()


def test_the_office_and_the_leader_read_the_rankings_and_a_visitor_the_public_page(office: App) -> None:
    with served(office) as base, walkers(base, sync_api) as pages:
        for w in pages:
            p = w.page
            w.sign_in("dqb", PASSWORD)
            w.open("/rankings")
            assert p.inner_text("nav.tabs a.on") == "排名通报"
            table = p.inner_text("#rank-table-month")
            assert "上海" not in table and "吴中区" in table and "苏州工业园区" in table
            first = p.locator("#rank-table-month tr", has_text="吴中区").first.inner_text()
            assert first.split()[0] == "1" and "并列" in first
            assert "无监测数据，不排名" in p.locator("#rank-table-month tr.why").first.inner_text()
            assert "苏州在江苏省各设区市中排第" in p.inner_text("#rank-above")
            assert "数据截至 2025-01-31" in p.inner_text("#rank-data-until")
            w.no_sideways_scroll()
            w.shot("rankings-month")
            p.select_option("select[name=level]", "all")
            p.click("#rank-pick button")
            p.wait_for_selector(".rank-note")
            assert "暂无乡镇（街道）站点" in p.inner_text(".rank-note")
            w.no_sideways_scroll()
            w.shot("rankings-townships")
            p.select_option("select[name=level]", "")
            p.select_option("select[name=kind]", "month_change")
            p.click("#rank-pick button")
            p.wait_for_selector("#rank-table-month_change")
            assert "无上年同期数据，不排名" in p.inner_text("#rank-table-month_change")  # no January 2024 stored
            w.no_sideways_scroll()
            w.shot("rankings-change")
            p.context.clear_cookies()
            w.sign_in("lingdao", PASSWORD)
            w.open("/rankings?kind=ytd&month=2025-01")
            heading = p.inner_text("#ranking-section h2")
            assert "2025年1月" in heading and "年度累计" in heading
            w.no_sideways_scroll()
            w.shot("rankings-leader")
            p.context.clear_cookies()
            w.open("/public")
            ranking = p.inner_text("#public-rank-month")
            assert "苏州市各县（市、区）" in ranking and "吴中区" in ranking and "上海" not in ranking
            assert "上海" not in p.inner_text("#public-province-rank")
            w.no_sideways_scroll()
            w.shot("public-rankings")
