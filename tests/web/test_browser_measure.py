"""In a browser, at 1366 px and 390 px: 市生态环境局 reports how many new-energy vehicles were put
into use (seed 000 #15: 2024年，推广应用新能源汽车16万辆以上), the 大气办 accepts the report, and the
task page shows the value to date, % complete and the pace; the task list shows 最新进展 and
完成比例. Screenshots in build/screenshots/measure-*."""

from __future__ import annotations

from lantian.bootstrap import App
from lantian.domain.plans.model import TaskStatus
from lantian.domain.tracking.model import Actor, UserRole
from tests.web.browsing import Walker, require_browser, served, walkers
from tests.web.conftest import PASSWORD

sync_api = require_browser()
NEV = "推广应用新能源汽车"


def file_report(app: App, w: Walker, task: int, period: str, value: str) -> None:
    """市生态环境局's report of ``period``: the unit's page shows the form offering the target's
    indicator; the report itself is filed through the service, because the form offers only the
    periods now due (调度频次) and 2024's are long past."""
    w.open(f"/tasks/{task}")
    names = w.page.locator("#progress-form input[name=indicator_name]")
    assert NEV in [names.nth(i).input_value() for i in range(names.count())]  # the form offers the target
    w.no_sideways_scroll()
    w.shot("measure-report-form")
    unit = Actor("dept", UserRole.DEPARTMENT, "苏州市", "市生态环境局")
    app.workflow.submit_progress(unit, task, period=period, status=TaskStatus.IN_PROGRESS,
                                 narrative=f"截至{period}累计推广{value}万辆", indicators={NEV: value})  # fmt: skip


def test_a_target_reaches_its_value_from_accepted_reports(lantian: App) -> None:
    (plan,) = lantian.plans.list_plans()
    with lantian.store.tracking_read() as repo:
        task = repo.task_id(plan.key, "15")
    # one report per width: 9 (June) at 1366 px, then 12 (July) at 390 px; each accepted in turn
    steps = {1366: ("2024-06", "9", "9 万辆", "56.2%"), 390: ("2024-07", "12", "12 万辆", "75%")}
    with served(lantian) as base:
        for width, (period, value, shown, percent) in steps.items():
            with walkers(base, sync_api, (width, width)) as (office, unit):
                unit.sign_in("dept", PASSWORD)  # 市生态环境局, responsible on #15
                office.sign_in("admin", PASSWORD)  # the 大气办
                file_report(lantian, unit, task, period, value)
                office.open(f"/tasks/{task}")
                row = office.page.locator(f'tr.target[data-indicator="{NEV}"]')
                assert shown not in row.inner_text()  # submitted, not yet accepted: not counted
                office.page.locator("tr.report", has_text=period).locator("button[value=accept]").click()
                office.page.wait_for_load_state()
                for w in (office, unit):
                    w.open(f"/tasks/{task}")
                    row = w.page.locator(f'tr.target[data-indicator="{NEV}"]')
                    text = row.inner_text()
                    assert shown in text and percent in text and "滞后于进度" in text, text  # 2024 is over
                    assert f"至{period}" in text
                    w.page.locator("#task-targets").scroll_into_view_if_needed()
                    w.no_sideways_scroll()
                    w.shot(f"measure-task-{'office' if w is office else 'unit'}")
                    w.open("/tasks?q=" + NEV)
                    listed = w.page.locator("table.tasks tr", has_text=NEV).first.inner_text()
                    assert period in listed and percent in listed, listed
                    assert "<th>最新进展</th><th>完成比例</th>" in w.page.content()
                    w.no_sideways_scroll()
                    w.shot(f"measure-tasks-{'office' if w is office else 'unit'}")
