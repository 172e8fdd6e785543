"""End to end in Debian's Chromium, driven by Playwright: the month's work through the pages.

The 大气办 signs in, imports seed plan 001 and confirms a flagged field; 市生态环境局 files progress
with evidence; the 大气办 returns it; a 督办 is issued and answered and closed; a ticket goes from
发现 to 销号; the dashboard shows it; a forecast's warning level is read, the reduction list kept, a
warning issued and its measures shown in force; the air-quality page's charts drawn. Screenshots are
kept in ``build/screenshots/`` (CI artifacts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.targets.registry import TargetEntry
from lantian.domain.tracking.model import UserRole
from tests.web.browsing import CHROMIUM, SHOTS, require_browser, served
from tests.web.conftest import ENV, PASSWORD, PDF

sync_api = require_browser()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, App]]:
    app = App.open(Settings.load(tmp_path / "data"))
    app.accounts.add("dqb", PASSWORD, UserRole.ADMIN, "苏州市", display_name="市大气办")
    app.accounts.add("sthjj", PASSWORD, UserRole.DEPARTMENT, "苏州市", department=ENV, display_name="生态环境局")
    with served(app) as base:
        yield base, app
    app.close()


def all_drawn(page: object) -> None:
    """Every chart on the page drawn (its JSON read and ECharts run), none left blank."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "[...document.querySelectorAll('[data-chart]')].every((el) => el.dataset.drawn === '1')", timeout=10_000
    )


def test_a_month_of_work_in_the_browser(server: tuple[str, App], seeds_dir: Path, tmp_path: Path) -> None:
    base, app = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    (plan,) = seeds_dir.glob("001_*.txt")
    evidence = tmp_path / "验收报告.pdf"
    evidence.write_bytes(PDF)
    forecast = Path(__file__).resolve().parents[2] / "src" / "lantian" / "data" / "forecast_template.csv"
    reduction_list = tmp_path / "苏州市应急减排清单.xlsx"
    app.reduction.write_template(reduction_list)
    beijing = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)
    an_hour_ago = (beijing - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(locale="zh-CN")
        failed: list[str] = []
        # a request the browser itself dropped when the page moved on (the icon, fetched after load) is not
        # a missing asset; one refused or answered with an error is
        page.on("requestfailed", lambda r: None if r.failure == "net::ERR_ABORTED" else failed.append(r.url))
        page.on("response", lambda r: failed.append(f"{r.url} {r.status}") if "/static/" in r.url and r.status >= 400
                else None)  # fmt: skip

        def shot(name: str) -> None:
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

        def sign_in(user: str) -> None:
            page.goto(f"{base}/login")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/dashboard")

        def sign_out() -> None:
            page.click("header form button")
            page.wait_for_url(f"{base}/public")

        # the 大气办 imports the plan and confirms a flagged extraction
        sign_in("dqb")
        page.goto(f"{base}/plans")
        page.set_input_files("#import-form input[type=file]", str(plan))
        page.click("#import-form button")
        outcome = page.locator("#import-outcome").inner_text()
        assert "苏气办〔2023〕16号" in outcome and "36" in outcome
        shot("01-plan-imported")
        flags = page.locator("tr.flag")
        assert flags.count() == 4
        flags.first.locator("button[value=confirmed]").click()
        page.wait_for_url(f"{base}/plans")
        assert page.locator("tr.flag").count() == 3
        # and corrects the next: task 34 names no unit; the office says who leads it
        row = page.locator("tr.flag[data-field=departments]").first
        row.locator("input[name=lead]").fill("市大气办")
        row.locator("input[name=cooperating]").fill("市财政局、市生态环境局")
        shot("01b-flag-correction")
        row.locator("button[value=corrected]").click()
        page.wait_for_url(f"{base}/plans?corrected=*")  # the page says what the correction did
        assert page.locator("tr.flag").count() == 2
        page.goto(f"{base}/plans?flags=corrected")
        assert "牵头：市大气办；配合：市财政局、市生态环境局" in page.locator("#flags").inner_text()
        page.goto(f"{base}/tasks?department=市大气办")
        assert page.locator("table.tasks tr", has_text="强化监督考核").count() == 1
        sign_out()

        # 市生态环境局 files progress with evidence on one of its tasks
        sign_in("sthjj")
        page.goto(f"{base}/tasks?department={ENV}&role=lead")
        page.locator("table.tasks a").first.click()
        task_url = page.url
        page.select_option("#progress-form select[name=status]", "in_progress")
        page.fill("#progress-form textarea[name=narrative]", "已完成整治60%，其余月底前完成")
        page.set_input_files("#progress-form input[type=file]", str(evidence))
        page.click("#progress-form button[type=submit]")
        page.wait_for_url(task_url)
        report = page.locator("tr.report").first
        assert "待审核" in report.inner_text() and "验收报告.pdf" in report.inner_text()
        shot("02-progress-filed")
        sign_out()

        # the 大气办 returns it with a reason
        sign_in("dqb")
        page.goto(task_url)
        page.fill("form.review input[name=reason]", "缺少现场照片")
        page.click("form.review button[value=return]")
        page.wait_for_url(task_url)
        assert "已退回" in page.locator("tr.report").first.inner_text()
        assert "缺少现场照片" in page.locator("tr.report").first.inner_text()
        shot("03-progress-returned")

        # a 督办 is issued …
        page.goto(f"{base}/notices")
        page.select_option("#notice-form select[name=department]", ENV)
        page.fill("#notice-form input[name=subject]", "扬尘治理进度滞后")
        page.fill("#notice-form textarea[name=body]", "请于两周内报送整改情况")
        page.click("#notice-form button[type=submit]")
        page.wait_for_url(f"{base}/notices/*")
        notice_url = page.url
        assert "已下发" in page.locator("#notice-state").inner_text()

        # … and a ticket recorded and handed to the department
        page.goto(f"{base}/tickets")
        page.fill("#ticket-form input[name=title]", "工地裸土未覆盖")
        page.fill("#ticket-form textarea[name=description]", "督查发现工业园区某工地裸土未覆盖")
        page.click("#ticket-form button[type=submit]")
        page.wait_for_url(f"{base}/tickets/*")
        ticket_url = page.url
        page.select_option("#step-form select[name=department]", ENV)
        page.click("#step-form button[value=assign]")
        page.wait_for_url(ticket_url)
        assert "交办" in page.locator("#ticket-state").inner_text()
        sign_out()

        # the department answers the 督办 and reports the rectification
        sign_in("sthjj")
        page.goto(notice_url)
        page.fill("#answer-form textarea[name=answer]", "已制定整改方案，本月底完成")
        page.click("#answer-form button[type=submit]")
        page.wait_for_url(notice_url)
        assert "已回复" in page.locator("#notice-state").inner_text()
        page.goto(ticket_url)
        page.fill("#step-form textarea[name=note]", "已全部覆盖")
        page.set_input_files("#step-form input[type=file]", str(evidence))
        page.click("#step-form button[value=rectify]")
        page.wait_for_url(ticket_url)
        sign_out()

        # the 大气办 closes the 督办, checks the ticket and closes it (销号)
        sign_in("dqb")
        page.goto(notice_url)
        page.click("#close-form button")
        page.wait_for_url(notice_url)
        assert "已办结" in page.locator("#notice-state").inner_text()
        page.goto(ticket_url)
        page.click("#step-form button[value=pass]")
        page.wait_for_url(ticket_url)
        page.click("#step-form button[value=close]")
        page.wait_for_url(ticket_url)
        assert "销号" in page.locator("#ticket-state").inner_text()
        assert page.locator("#steps tr").count() == 1 + 5  # header, 发现 交办 整改 核查 销号
        shot("04-ticket-closed")

        # the dashboard shows it
        page.goto(f"{base}/dashboard")
        assert page.locator("#tickets-closed").inner_text() == "1"
        assert page.locator("#notices-open").inner_text() == "0"
        shot("05-dashboard")

        # heavy pollution: a forecast's level, the list kept, a warning issued and its measures in force
        page.goto(f"{base}/forecasts")
        page.set_input_files("#levels-form input[type=file]", str(forecast))
        page.click("#levels-form button")
        assert "红色" in page.locator("#levels-result h3").inner_text()
        page.goto(f"{base}/warnings")
        page.set_input_files("#list-keep-form input[type=file]", str(reduction_list))
        page.click("#list-keep-form button")
        assert "已登记为本辖区清单" in page.locator("#kept").inner_text()
        assert "通过" in page.locator("#list-verdict").inner_text()
        page.goto(f"{base}/warnings")
        page.select_option("#warning-form select[name=level]", "orange")
        page.fill("#warning-form input[name=at]", an_hour_ago)
        page.fill("#warning-form input[name=issuer]", "苏州市重污染天气应急指挥部办公室")
        page.click("#warning-form button")
        page.wait_for_url(f"{base}/warnings")
        assert page.locator("#level-now").inner_text() == "橙色"
        assert page.locator("#in-force tr").count() == 1 + 2  # header, the cement and chemical plants
        shot("06-warning-in-force")
        page.goto(f"{base}/audit")
        assert "审计链完整" in page.locator("#audit-verdict").inner_text()

        # the air: a month of station data and a target; the city and station calendars, the trend and
        # the value to date against the target are all drawn (ECharts served from the package)
        aq = seeds_dir.parent / "data" / "aq"
        app.airquality.import_station_lists(sorted((aq / "station_lists").glob("站点列表-20*.csv")))
        app.airquality.import_files(sorted((aq / "cnemc_sites_2019_jiangsu").glob("china_sites_201901*.csv")))
        app.targets.set(TargetEntry("苏州市", "pm25", 2019, "<=", 35, "µg/m³"))
        page.goto(f"{base}/airquality?city=苏州")
        assert page.locator("[data-chart]").count() == 4  # city calendar and trend, the PM2.5 curve, a station
        all_drawn(page)
        assert "≤ 35 µg/m³" in page.locator("#targets").inner_text()
        shot("07-air-quality")
        page.goto(f"{base}/dashboard")
        all_drawn(page)

        # English, and the public page without signing in
        page.goto(f"{base}/lang/en")
        page.goto(f"{base}/dashboard")
        assert "Dashboard" in page.locator("h1").inner_text()
        sign_out()
        page.goto(f"{base}/public")
        assert page.locator("h1").inner_text() == "Air pollution control: public information"
        all_drawn(page)
        shot("08-public")
        assert not failed, f"requests failed (an asset missing?): {failed}"
        browser.close()
    assert app.audit.verify().ok
