"""In Chromium at 1366 px and 390 px: the 目标 pages as the 大气办 (dqb), a department (sthjj) and a
leader (lingdao) of 苏州市. The office sets a target (a refused entry first: the error beside the field,
the input kept), the list says it replaces the plan's and shows each probability with the kept
backtest's calibration; the place's page draws the curves. Screenshots in ``build/screenshots/``
(targets-*)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lantian.bootstrap import App
from lantian.domain.tracking.model import UserRole
from tests.web.browsing import Walker, require_browser, served, walkers
from tests.web.conftest import ENV, PASSWORD
from tests.web.test_targets_web import PLAN, backtest

sync_api = require_browser()

PEOPLE = {"dqb": (UserRole.ADMIN, None), "sthjj": (UserRole.DEPARTMENT, ENV), "lingdao": (UserRole.LEADER, None)}


@pytest.fixture
def office(lantian: App, seeds_dir: Path, tmp_path: Path) -> App:
    """苏州's published days 2014 – January 2017, the plan's 2017 targets, a kept backtest, the demo's people."""
    published = seeds_dir.parent / "data" / "aq" / "aqistudy_daily_2013_2017" / "data" / "苏州.csv"
    lantian.airquality.import_published([published], city_from_file_name=True)
    plan = tmp_path / "plan.txt"
    plan.write_text(PLAN, encoding="utf-8")
    lantian.plans.import_files([plan])
    lantian.targets.save_calibration(backtest())
    for name, (role, department) in PEOPLE.items():
        lantian.accounts.add(name, PASSWORD, role, "苏州市", department=department)
    return lantian


def charts_drawn(w: Walker) -> None:
    """Every target curve drawn (its JSON read and ECharts run; the page's CSP allows no string eval)."""
    w.page.wait_for_selector("[data-chart=target][data-drawn='1']", timeout=10_000)
    for _ in range(100):
        if w.page.locator("[data-chart=target]:not([data-drawn='1'])").count() == 0:
            return
        w.page.wait_for_timeout(100)
    raise AssertionError("a target curve was not drawn")


def test_the_targets_pages_in_the_browser(office: App) -> None:
    with served(office) as base, walkers(base, sync_api) as pages:
        for w in pages:
            value = "42" if w.width > 600 else "41"
            w.sign_in("dqb", PASSWORD)
            w.open("/targets?year=2017")
            w.no_sideways_scroll()
            probability = w.page.inner_text("tr.target-row[data-indicator=pm25] td.probability")
            assert "%\n（历史回测：预测" in probability and "的目标实际达成" in probability, probability
            w.shot("targets-list-dqb")
            form = "#set-target"
            w.page.select_option(f"{form} select[name=indicator]", "pm25")
            w.page.fill(f"{form} input[name=year]", "2017")
            w.page.fill(f"{form} input[name=value]", "四十")
            w.page.fill(f"{form} input[name=note]", "市政府确定")
            w.page.click(f"{form} button[type=submit]")
            assert "请填写数字" in w.page.inner_text("#error-value")  # beside the field, the input kept
            assert w.page.input_value(f"{form} input[name=value]") == "四十"
            assert w.page.input_value(f"{form} input[name=note]") == "市政府确定"
            w.shot("targets-form-error-dqb")
            w.no_sideways_scroll()
            w.page.fill(f"{form} input[name=value]", value)
            w.page.click(f"{form} button[type=submit]")
            w.page.wait_for_url("**/targets?place=*saved=1")
            assert "目标已登记" in w.page.inner_text("#target-saved")
            row = w.page.inner_text("tr.target-row[data-indicator=pm25]")
            assert f"≤ {value} µg/m³" in row and "手工登记" in row and "替代计划目标 ≤ 45 µg/m³" in row, row
            w.shot("targets-set-dqb")
            w.no_sideways_scroll()
            w.page.click("tr.target-row[data-indicator=pm25] a[href^='/targets/']")  # the place's page
            w.page.wait_for_url("**/targets/*year=2017")
            charts_drawn(w)
            assert w.page.locator("[data-chart=target]").count() == 2  # PM2.5 and 优良天数比率
            w.shot("targets-place-dqb")
            w.no_sideways_scroll()
            w.page.click("header form[action='/logout'] button")
            w.page.wait_for_url(f"{base}/public")
            for name in ("sthjj", "lingdao"):
                w.sign_in(name, PASSWORD)
                w.open("/targets?year=2017")
                assert w.page.locator("#set-target").count() == 0  # no form for a department or a leader
                assert "历史回测" in w.page.inner_text("#targets-list")
                w.shot(f"targets-list-{name}")
                w.no_sideways_scroll()
                w.open("/targets/苏州市?year=2017")
                charts_drawn(w)
                w.shot(f"targets-place-{name}")
                w.no_sideways_scroll()
                w.page.click("header form[action='/logout'] button")
                w.page.wait_for_url(f"{base}/public")
