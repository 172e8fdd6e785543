"""The dashboard in Debian's Chromium as the 大气办 (dqb) and a department (sthjj) of 苏州市, at 1366 px
and 390 px: the province's orange warning shows a banner, every tile opens its list and the list
says the same number, nothing scrolls sideways. Screenshots land in ``build/screenshots/``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.tracking.model import UserRole
from lantian.services.clock import beijing_now
from tests.web.browsing import require_browser, served, walkers
from tests.web.conftest import ENV, PASSWORD

sync_api = require_browser()

COUNTS = {  # the tile → where its list says how many
    "tile-tasks": "#task-count",
    "tile-overdue": "#task-count",
    "tile-completed": "#task-count",
    "tile-missing": "#missing-count",
}


@pytest.fixture
def office(tmp_path: Path, seeds_dir: Path) -> Iterator[App]:
    app = App.open(Settings.load(tmp_path / "data"))
    app.plans.import_files([next(seeds_dir.glob(f"{n}_*.txt")) for n in ("000", "001", "003")])
    areas = tmp_path / "areas.csv"
    areas.write_text("城市,省级行政区\n苏州,江苏省\n南京,江苏省\n", encoding="utf-8")
    app.airquality.import_area_map(areas)
    app.accounts.add("dqb", PASSWORD, UserRole.ADMIN, "苏州市", display_name="市大气办")
    app.accounts.add("sthjj", PASSWORD, UserRole.DEPARTMENT, "苏州市", department=ENV, display_name="生态环境局")
    app.warnings.record("江苏省", "orange", beijing_now() - dt.timedelta(hours=3), "江苏省大气办", "省级橙色预警")
    yield app
    app.close()


def test_the_dashboard_adds_up_in_the_browser(office: App) -> None:
    with served(office) as base, walkers(base, sync_api) as pages:
        for user in ("dqb", "sthjj"):
            for w in pages:
                w.page.context.clear_cookies()
                w.sign_in(user, PASSWORD)
                banner = w.page.locator("#warning-banner")
                assert "橙色" in banner.inner_text() and "江苏省" in banner.inner_text()
                w.no_sideways_scroll()
                w.shot(f"dash-{user}")
                tiles = {
                    tile.get_attribute("id"): (tile.get_attribute("href"), int(tile.locator("b").inner_text()))
                    for tile in w.page.locator("a.tile").all()
                }
                assert len(tiles) == 8
                for tile, where in COUNTS.items():
                    href, figure = tiles[tile]
                    w.page.click(f"#{tile}")
                    w.page.wait_for_load_state()
                    assert w.page.url.endswith(href), (w.page.url, href)
                    shown = int(w.page.locator(where).inner_text())
                    assert shown == figure, f"{user} {tile}: {figure} on the dashboard, {shown} in the list"
                    assert w.page.locator("#warning-banner").count() == 1  # on every signed-in page
                    w.no_sideways_scroll()
                    if tile == "tile-missing":
                        w.shot(f"dash-missing-{user}")
                    w.open("/dashboard")
                href, figure = tiles["tile-notices-late"]
                w.open(href)
                assert re.search(rf"共\s*{figure}\s*项", w.page.locator("#notice-count").inner_text())
                w.page.locator("#warning-banner").click()
                w.page.wait_for_url(f"{base}/warnings")
