"""The accountability cycle of a year in Chromium, as 苏州市's 大气办 runs it and its leader reads it
(issue: the accountability cycle in the browser). Real data: the 2025 Jiangsu station hours, the
national station list's 地级行政区 (苏州's county-level cities) and the demo's map of 苏州's city
stations by district; seed 000 (苏州's 2024 task table) for a target measured from reports.

The 大气办 (dqb), at 1366 px:
1. sets its districts' 2025 PM2.5 targets on /targets (姑苏区 ≤ 40, 虎丘区 ≤ 45);
2. sees 000 #15 (推广应用新能源汽车16万辆以上) reach 12 万辆, 75 %, from two accepted reports (filed
   and accepted through the services: the report form in the browser is tested in test_browser.py);
3. reads January 2025's county ranking on /rankings (six districts, 吴中区 and 吴江 tied first);
4. sees the flag the office's rules raise for the last place (虎丘区, 末位 → 约谈), records the 约谈
   with its minutes, and the flag closes;
5. confirms January's compensation and downloads the .xlsx;
6. generates January's bulletin, publishes it, and finds it on /public with its PDF;
and the leader (lingdao) reads the scorecard ranking at 1366 px and 390 px: the two districts with
targets scored against their own values. Screenshots:
build/screenshots/cycle-*.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.plans.model import TaskStatus
from lantian.domain.tracking.model import Actor, UserRole
from lantian.services.demo import demo_county_map
from tests.helpers import ARCHIVE_2025, aq_store
from tests.web.browsing import Walker, require_browser, served, walkers
from tests.web.conftest import PASSWORD

sync_api = require_browser()

NEV = "推广应用新能源汽车"
DISTRICTS = ["吴中区", "吴江", "苏州工业园区", "姑苏区", "相城区", "虎丘区"]  # January 2025, by composite index
RULES = """\
# 苏州市大气办's own rules: the last place in a month is called in (约谈) at once
ranking = "composite"

[[ladder]]
name = "末位约谈"
steps = [[1, "约谈"]]

[[per_unit]]
name = "PM2.5浓度考核"
indicator = "pm25"
unit = " µg/m³"
target = "own"
fallback = 50
lower_is_better = true
pay_per_unit = 10
receive_per_unit = 5
cap = 100
"""


@pytest.fixture(scope="module")
def suzhou(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Iterator[App]:
    folder = tmp_path_factory.mktemp("cycle") / "data"
    svc = aq_store(folder, seeds_dir, ARCHIVE_2025)
    svc.import_area_map(seeds_dir.parent / "data" / "aq" / "stations" / "NewSiteList.csv")
    svc.import_county_map(demo_county_map())
    (folder / "accountability.toml").write_text(RULES, encoding="utf-8")
    (folder / "office.toml").write_text('place = "苏州市"\n', encoding="utf-8")
    app = App.open(Settings.load(folder))
    (seed,) = seeds_dir.glob("000_*.txt")
    app.plans.import_files([seed])
    app.accounts.add("dqb", PASSWORD, UserRole.ADMIN, "苏州市", display_name="苏州市大气办")
    app.accounts.add("sthjj", PASSWORD, UserRole.DEPARTMENT, "苏州市", department="市生态环境局",
                     display_name="市生态环境局")  # fmt: skip
    app.accounts.add("lingdao", PASSWORD, UserRole.LEADER, "苏州市", display_name="市领导")
    yield app
    app.close()


def set_target(w: Walker, place: str, value: str) -> None:
    w.open("/targets?year=2025")
    form = w.page.locator("#set-target")
    form.locator("select[name=jurisdiction]").select_option(place)
    form.locator("select[name=indicator]").select_option("pm25")
    form.locator("input[name=year]").fill("2025")
    form.locator("input[name=value]").fill(value)
    form.locator("button[type=submit]").click()
    w.page.wait_for_load_state()


def accepted_report(app: App, task: int, period: str, value: float) -> None:
    unit = Actor("sthjj", UserRole.DEPARTMENT, "苏州市", "市生态环境局")
    office = Actor("dqb", UserRole.ADMIN, "苏州市")
    text = f"截至{period}累计推广{value:g}万辆"
    report = app.workflow.submit_progress(unit, task, period=period, status=TaskStatus.IN_PROGRESS, narrative=text,
                                          indicators={NEV: value})  # fmt: skip
    app.workflow.review_progress(office, report.id, accept=True, reason=None, version=report.version)


def test_a_year_end_cycle_in_the_browser(suzhou: App) -> None:
    (plan,) = suzhou.plans.list_plans()
    with suzhou.store.tracking_read() as repo:
        task = repo.task_id(plan.key, "15")
    with served(suzhou) as base, walkers(base, sync_api) as (office, phone):
        page = office.page
        page.set_default_timeout(300_000)  # the first ranking of a month takes the engine seconds
        office.sign_in("dqb", PASSWORD)

        # 1. targets: the office sets two districts' 2025 PM2.5 targets
        set_target(office, "姑苏区", "40")
        set_target(office, "虎丘区", "45")
        listed = page.locator("main").inner_text()
        assert "姑苏区" in listed and "虎丘区" in listed
        office.no_sideways_scroll()
        office.shot("cycle-targets")

        # 2. a target measured from accepted reports: 000 #15, 16 万辆 in 2024
        accepted_report(suzhou, task, "2024-06", 9)
        accepted_report(suzhou, task, "2024-07", 12)
        office.open(f"/tasks/{task}")
        row = page.locator(f'tr.target[data-indicator="{NEV}"]').inner_text()
        assert "12 万辆" in row and "75%" in row, row
        office.shot("cycle-measured")

        # 3. January's county ranking: the six districts with values, ties shared
        office.open("/rankings?kind=month&month=2025-01")
        table = page.locator("#ranking-section").inner_text()
        positions = [table.index(d) for d in DISTRICTS]
        assert positions == sorted(positions), table
        assert "并列" in table and "上海" not in table
        office.no_sideways_scroll()
        office.shot("cycle-rankings")

        # 4. the last place is flagged (末位 → 约谈); the 约谈 is recorded and the flag closes
        office.open("/accountability?from=2025-01&to=2025-01")
        flag = page.locator("#flags tr.flag[data-place='虎丘区']")
        assert "约谈" in flag.inner_text() and "未处理" in flag.inner_text()
        opened = int(page.inner_text("#open-count"))
        form = page.locator("#action-form")
        form.locator("select[name=flag]").select_option("2025-01|虎丘区|末位约谈")
        form.locator("select[name=kind]").select_option("约谈")
        form.locator("input[name=on]").fill("2025-02-10")
        form.locator("input[name=document]").fill("苏大气办〔2025〕3号")
        form.locator("textarea[name=minutes]").fill("约谈虎丘区政府分管负责同志，要求一个月内完成扬尘整治。")
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert int(page.inner_text("#open-count")) == opened - 1
        assert "已处理" in page.locator("#flags tr.flag[data-place='虎丘区']").inner_text()
        assert "苏大气办〔2025〕3号" in page.locator("#actions").inner_text()
        office.shot("cycle-flag-closed")

        # 5. January's compensation, each district against its own target, confirmed and exported
        office.open("/compensation?year=2025&span=01")
        arithmetic = page.locator("main").inner_text()
        assert "目标 40" in arithmetic and "目标 45" in arithmetic, arithmetic  # 姑苏区's and 虎丘区's own
        page.click("#comp-confirm")
        page.wait_for_url("**/compensation?*done=confirmed*")
        assert "已确认" in page.locator("#comp-status").inner_text()
        with page.expect_download() as caught:
            page.click("#comp-download")
        book = openpyxl.load_workbook(io.BytesIO(Path(caught.value.path()).read_bytes()))
        settled = {str(r[0]) for r in list(book.worksheets[0].iter_rows(values_only=True))[1:-1]}
        assert set(DISTRICTS) <= settled
        office.shot("cycle-compensation")

        # 6. the bulletin: generated, published, on /public with its PDF
        office.open("/bulletins?month=2025-01")
        page.locator("#generate-form button[type=submit]").click()
        page.wait_for_selector("#publish-form", timeout=300_000)
        page.locator("#publish-form button[type=submit]").click()
        page.wait_for_selector("#bulletin-published", timeout=300_000)
        office.shot("cycle-bulletin")
        office.open("/public")
        link = page.locator("a[href$='.pdf']").first
        pdf = page.request.get(f"{base}{link.get_attribute('href')}")
        assert pdf.ok and pdf.body().startswith(b"%PDF")

        # the leader reads the scorecard ranking as of the end of January, on both screens
        for w in (office, phone):
            w.page.set_default_timeout(300_000)
            w.page.context.clear_cookies()
            w.sign_in("lingdao", PASSWORD)
            w.open("/scorecards?as_of=2025-01-31")
            rows = [r.inner_text().split() for r in w.page.locator("#scorecard-ranking tr").all()[1:3]]
            # January's PM2.5 was 51 in both (the ranking above); worked by hand: 45 / 51 × 100 = 88.2
            # and 40 / 51 × 100 = 78.4 (one decimal, GB/T 8170), the air part alone (no tasks due there)
            assert [r[:3] for r in rows] == [["1", "虎丘区", "88.2"], ["2", "姑苏区", "78.4"]], rows
            w.no_sideways_scroll()
            w.shot("cycle-scorecards-leader")
