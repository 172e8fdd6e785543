"""调度频次 in Chromium as the 大气办 (dqb) and 市生态环境局 (sthjj), at 1366 px and 390 px: the office
sets a task weekly on its page and the plan's rhythm on /plans; the department's report form then
offers weeks (本周, 上周 逾期补报) and files one, shown as 2026年第48周; no page scrolls sideways.
Screenshots in build/screenshots/ (rhythm-*). Today is fixed: Thursday 3 December 2026."""

from __future__ import annotations

import datetime as dt

from lantian.bootstrap import App
from lantian.domain.tracking.model import UserRole
from tests.web.browsing import require_browser, served, walkers
from tests.web.conftest import ENV, PASSWORD, env_task

sync_api = require_browser()

SEED_KEY = "苏州市·2024·重点工作任务分解表"


def test_the_office_sets_the_rhythm_and_the_department_reports_a_week(lantian: App) -> None:
    lantian.workflow.clock = lambda: dt.datetime(2026, 12, 3, 4, tzinfo=dt.UTC)
    lantian.accounts.add("dqb", PASSWORD, UserRole.ADMIN, "苏州市", display_name="苏州市大气办")
    lantian.accounts.add("sthjj", PASSWORD, UserRole.DEPARTMENT, "苏州市", department=ENV, display_name="市生态环境局")
    task = env_task(lantian)
    weeks = {1366: "2026-W48", 390: "2026-W49"}
    with served(lantian) as base, walkers(base, sync_api) as pages:
        for w in pages:
            page = w.page
            # the 大气办: the task weekly, on its page
            w.sign_in("dqb", PASSWORD)
            w.open(f"/tasks/{task}")
            page.select_option("#rhythm-form select[name=rhythm]", "weekly")
            page.click("#rhythm-form button[type=submit]")
            page.wait_for_url(f"{base}/tasks/{task}")
            assert page.inner_text("#rhythm-now strong") == "每周"
            assert "本任务设定" in page.inner_text("#rhythm-now")
            w.no_sideways_scroll()
            w.shot("rhythm-task-dqb")
            # the plan's rhythm on /plans: quarterly, then back to the office's default
            w.open("/plans")
            row = page.locator(f'tr[data-plan="{SEED_KEY}"]')
            row.locator("select[name=rhythm]").select_option("quarterly")
            row.locator("button[type=submit]").click()
            page.wait_for_url(f"{base}/plans#rhythm")
            row = page.locator(f'tr[data-plan="{SEED_KEY}"]')
            assert row.locator("select[name=rhythm]").input_value() == "quarterly"
            w.no_sideways_scroll()
            w.shot("rhythm-plans-dqb")
            row.locator("select[name=rhythm]").select_option("")
            row.locator("button[type=submit]").click()
            page.wait_for_url(f"{base}/plans#rhythm")
            assert lantian.plans.get_plan(SEED_KEY)[0].rhythm is None
            page.click("button:has-text('退出')")
            # the department: weeks offered, one filed, shown in words
            w.sign_in("sthjj", PASSWORD)
            w.open(f"/tasks/{task}")
            offered = page.locator("select[name=period] option").evaluate_all("os => os.map(o => o.value)")
            assert offered[-1] == "2026-W49" and all("-W" in v for v in offered)
            assert page.locator("#rhythm-form").count() == 0  # a department does not set it
            page.select_option("select[name=period]", weeks[w.width])
            page.fill("textarea[name=narrative]", "本周巡查建筑工地12处")
            page.click("#progress-form button[type=submit]")
            page.wait_for_url(f"{base}/tasks/{task}")
            label = f"2026年第{int(weeks[w.width][-2:])}周"
            assert label in page.inner_text("#reports")
            w.no_sideways_scroll()
            w.shot("rhythm-task-sthjj")
            w.open("/plans")
            assert page.locator("#plan-rhythms form").count() == 0
            w.no_sideways_scroll()
            w.shot("rhythm-plans-sthjj")
            page.click("button:has-text('退出')")
