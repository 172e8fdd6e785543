"""The report form in Chromium, on a phone (390 px) and at the office's 1366 px: 市生态环境局 files a
report, a refused submission keeps what was typed, the 大气办 returns it with a reason (a return
without one is refused beside the reason), the department sees the reason and the history of rounds,
files again, and the office accepts: the form then says 本期已通过审核. Screenshots in
``build/screenshots/forms-*``."""

from __future__ import annotations

import pytest

from lantian.bootstrap import App
from lantian.domain.tracking.model import SYSTEM
from tests.web.browsing import Walker, require_browser, served, walkers
from tests.web.conftest import ENV, PASSWORD, TRANSPORT

sync_api = require_browser()


def env_tasks(app: App, n: int) -> list[int]:
    """The first ``n`` tasks that name 市生态环境局 and not 市交通运输局 (one per width)."""
    out = []
    for ref, _ in app.workflow.visible_tasks(SYSTEM):
        names = [name for name, _ in ref.departments]
        if ENV in names and TRANSPORT not in names and not ref.subtask_units:
            out.append(ref.id)
    assert len(out) >= n
    return out[:n]


def submit(w: Walker) -> None:
    with w.page.expect_navigation():
        w.page.click("#progress-form button[type=submit]")


def test_a_department_files_is_returned_sees_why_and_files_again(lantian: App) -> None:
    tasks = env_tasks(lantian, 2)
    with served(lantian) as base:
        for width, task in zip((390, 1366), tasks, strict=True):
            with walkers(base, sync_api, (width, width)) as (dept, office):
                dept.sign_in("dept", PASSWORD)
                office.sign_in("admin", PASSWORD)
                page = dept.page
                dept.open(f"/tasks/{task}")
                page.select_option("#progress-form select[name=status]", "in_progress")
                page.fill("#progress-form textarea[name=narrative]", "已完成3家企业深度治理，正在验收")
                page.fill("#progress-form input[name=indicator_name] >> nth=0", "治理企业数")
                page.fill("#progress-form input[name=indicator_value] >> nth=0", "六十")
                submit(dept)
                # refused: the error beside the value, everything typed still there
                assert "指标数值应为数字" in page.inner_text("#error-indicator_value\\.0")
                assert page.input_value("#progress-form textarea[name=narrative]") == "已完成3家企业深度治理，正在验收"
                assert page.input_value("#progress-form select[name=status]") == "in_progress"
                assert page.input_value("#progress-form input[name=indicator_value] >> nth=0") == "六十"
                assert page.is_visible("#error-summary")
                dept.no_sideways_scroll()
                dept.shot("forms-refused")
                page.fill("#progress-form input[name=indicator_value] >> nth=0", "60")
                submit(dept)
                assert page.url.endswith(f"/tasks/{task}") and page.is_visible("tr.report")

                # the office returns it: without a reason it is refused beside the reason field
                office.open(f"/tasks/{task}")
                with office.page.expect_navigation():
                    office.page.click("form.review button[value=return]")
                assert "退回须说明理由" in office.page.inner_text("#error-reason")
                office.no_sideways_scroll()
                office.shot("forms-return-needs-reason")
                office.page.fill("form.review input[name=reason]", "请补充验收照片")
                with office.page.expect_navigation():
                    office.page.click("form.review button[value=return]")

                # the department sees why, and the form starts from what it filed
                dept.open(f"/tasks/{task}")
                assert "请补充验收照片" in page.inner_text("#returned-note")
                assert page.input_value("#progress-form select[name=status]") == "in_progress"
                assert "正在验收" in page.input_value("#progress-form textarea[name=narrative]")
                page.fill("#progress-form textarea[name=narrative]", "已完成3家企业深度治理，验收照片已补充")
                page.set_input_files(
                    "#progress-form input[name=files]",
                    files=[{"name": "验收.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"0" * 64}],
                )
                submit(dept)
                history = page.inner_text("#rounds")
                assert "第1轮" in history and "第2轮" in history and "请补充验收照片" in history
                assert "苏州市大气办" in history and ENV in history and "验收.png" in history
                dept.no_sideways_scroll()
                dept.shot("forms-history")

                # accepted: the period gives way to 本期已通过审核
                office.open(f"/tasks/{task}")
                with office.page.expect_navigation():
                    office.page.click("form.review button[value=accept]")
                dept.open(f"/tasks/{task}")
                assert "本期已通过审核" in page.inner_text("#accepted-note")
                reports = page.request.get(f"{dept.base}/api/v1/tasks/{task}").json()["reports"]
                (accepted,) = {r["period"] for r in reports if r["review"] == "accepted"}
                offered = page.eval_on_selector_all(
                    "#progress-form select[name=period] option", "os => os.map(o => o.value)"
                )
                assert accepted not in offered  # the form moves on to the periods still open (调度频次)
                dept.no_sideways_scroll()
                dept.shot("forms-accepted")


@pytest.mark.parametrize("width", [390])
def test_an_expired_page_keeps_the_text(lantian: App, width: int) -> None:
    """A form left open past its session's token is shown again with the text, ready to send."""
    (task,) = env_tasks(lantian, 1)
    with served(lantian) as base, walkers(base, sync_api, (width,)) as (dept,):
        dept.sign_in("dept", PASSWORD)
        dept.open(f"/tasks/{task}")
        page = dept.page
        page.fill("#progress-form textarea[name=narrative]", "写了很久的进展")
        page.evaluate("document.querySelector('#progress-form input[name=csrf_token]').value = 'stale'")
        submit(dept)
        assert "页面已过期" in page.inner_text("#error-summary")
        assert page.input_value("#progress-form textarea[name=narrative]") == "写了很久的进展"
        submit(dept)  # the page came back with a fresh token: it goes through now
        assert "写了很久的进展" in page.inner_text("#reports")
        dept.shot("forms-expired")
