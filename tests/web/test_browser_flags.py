"""问责 in Chromium at 1366 px and 390 px: the 大气办 (dqb) of 苏州市 sees its counties' flags, records
the 约谈 held with 昆山 (with its minutes) and the flag closes, with the 警示 and 挂牌督办 of the same
run (已升级处理); the leader (lingdao) reads the page without the form. Screenshots in
build/screenshots/ (flags-dqb-*, flags-recorded-*, flags-lingdao-*).

The rankings are given (the engine is tested on real data in tests/cli/test_accountability.py): 昆山
last in January, February and March (日照's ladder: 警示, 挂牌督办, 约谈), 太仓 tied last in January.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from lantian.bootstrap import App
from lantian.domain.targets.accountability import Ranking
from lantian.domain.tracking.model import UserRole
from tests.web.browsing import require_browser, served, walkers
from tests.web.conftest import PASSWORD
from tests.web.flagging import LADDER

sync_api = require_browser()

COUNTIES = ["吴江", "太仓", "常熟", "张家港", "昆山"]
SERIES: list[tuple[str, Ranking]] = [
    ("2025-01", {"吴江": 1, "太仓": 4, "常熟": 3, "张家港": 2, "昆山": 4}),
    ("2025-02", {"吴江": 2, "太仓": 1, "常熟": 3, "张家港": 4, "昆山": 5}),
    ("2025-03", {"吴江": 1, "太仓": 3, "常熟": 2, "张家港": 4, "昆山": 5}),
]


def suzhou_counties(app: App, folder: Path) -> None:
    """苏州市's county-level cities (the area map's 地级行政区), ranked as :data:`SERIES`."""
    folder.mkdir()
    rows = "".join(f"{c},江苏省,苏州市\n" for c in COUNTIES)
    (folder / "areas.csv").write_text(f"城市,省级行政区,地级行政区\n苏州市,江苏省,苏州市\n{rows}", encoding="utf-8")
    (folder / "stations.csv").write_text(
        "监测点编码,监测点名称,城市,经度,纬度\n"
        + "".join(f"99{i:02d}A,{c}站,{c},120.{i},31.3\n" for i, c in enumerate(COUNTIES))
        + "9100A,苏州站,苏州,120.6,31.3\n",
        encoding="utf-8",
    )
    app.airquality.import_station_lists([folder / "stations.csv"], valid_from=dt.date(2020, 1, 1))
    app.airquality.import_area_map(folder / "areas.csv")

    def series(places: Any, first: str, last: str, ranking: str, **_: Any) -> list[tuple[str, Ranking]]:
        return [(m, r) for m, r in SERIES if first <= m <= last]

    setattr(app.actions, "_series", series)  # noqa: B010
    setattr(app.actions, "window", lambda: ("2025-01", "2025-03"))  # noqa: B010
    setattr(app.accountability, "places", lambda office: list(COUNTIES))  # noqa: B010


def open_count(page: Any) -> int:
    return int(page.inner_text("#open-count"))


def test_the_office_records_a_yuetan_and_the_leader_reads_it(lantian: App, tmp_path: Path) -> None:
    suzhou_counties(lantian, tmp_path / "areas")
    lantian.accounts.add("dqb", PASSWORD, UserRole.ADMIN, "苏州市", display_name="苏州市大气办")
    lantian.accounts.add("lingdao", PASSWORD, UserRole.LEADER, "苏州市", display_name="市领导")
    with served(lantian) as base, walkers(base, sync_api) as pages:
        for w in pages:
            page = w.page
            w.sign_in("dqb", PASSWORD)
            w.open("/accountability")
            assert page.locator("nav.tabs a.on").inner_text() == "问责"
            rows = page.locator("#flags tr.flag.open")
            assert open_count(page) == rows.count()
            w.no_sideways_scroll()
            w.shot("flags-dqb")
            if w.width == 1366:  # the 约谈 is recorded once; the phone sees it closed
                assert open_count(page) == 4  # 昆山 ×3 (警示, 挂牌督办, 约谈), 太仓's 警示
                row = page.locator("#flags tr.flag[data-place='昆山'][data-period='2025-03']")
                assert "约谈" in row.inner_text() and "第5名，共5个" in row.inner_text()
                row.locator("a:has-text('登记措施')").click()
                page.wait_for_url(re.compile(r".*#record$"))
                assert page.locator("select[name=flag]").input_value() == f"2025-03|昆山|{LADDER}"
                page.select_option("select[name=kind]", "约谈")
                page.fill("input[name=on]", "2025-04-08")
                page.fill("input[name=document]", "苏大气办〔2025〕12号")
                page.fill("textarea[name=minutes]", "约谈昆山市政府：3月PM2.5排名末位，限期30日内报送整改方案。")
                page.set_input_files("input[name=files]", files=[{"name": "约谈纪要.pdf", "mimeType": "application/pdf",
                                                                  "buffer": b"%PDF-1.4\n%%EOF\n"}])  # fmt: skip
                page.click("#action-form button[type=submit]")
                page.wait_for_url(re.compile(r".*/accountability\?from=2025-01&to=2025-03#actions$"))
            assert open_count(page) == 1  # 太仓's 警示 only
            kunshan = page.locator("#flags tr.flag[data-place='昆山']")
            assert kunshan.count() == 3 and page.locator("#flags tr.flag.open[data-place='昆山']").count() == 0
            assert "已升级处理" in page.inner_text("#flags")
            assert "约谈昆山市政府" in page.inner_text("#actions") and "约谈纪要.pdf" in page.inner_text("#actions")
            w.no_sideways_scroll()
            w.shot("flags-recorded")
            page.click("button:has-text('退出')")
            w.sign_in("lingdao", PASSWORD)
            w.open("/accountability")
            assert open_count(page) == 1 and page.locator("#action-form").count() == 0
            with page.expect_download() as got:
                page.click("#actions a.file")
            assert got.value.suggested_filename == "约谈纪要.pdf"
            w.no_sideways_scroll()
            w.shot("flags-lingdao")
            page.click("button:has-text('退出')")
