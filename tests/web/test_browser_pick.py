"""In a browser, at 1366 px and 390 px: the 大气办 issues a 督办 with the pickers (the unit chosen
from the list, the related task found by typing the plan's own numbering), and opens what a new
revision of a plan changed. Screenshots in build/screenshots/pick-*."""

from __future__ import annotations

from pathlib import Path

from lantian.bootstrap import App
from lantian.domain.tracking.model import SYSTEM
from tests.web.browsing import require_browser, served, walkers
from tests.web.conftest import ENV, PASSWORD
from tests.web.test_pickers import SEED_KEY, revised, seed

sync_api = require_browser()


def test_a_notice_with_the_pickers_and_a_revision_diff(lantian: App, seeds_dir: Path, tmp_path: Path) -> None:
    seed(lantian, seeds_dir, "001")  # 苏气办〔2023〕16号
    lantian.plans.import_files([revised(seeds_dir, tmp_path)], key=SEED_KEY)  # revision 2 of seed 000
    with served(lantian) as base, walkers(base, sync_api) as pages:
        for n, w in enumerate(pages):
            w.sign_in("admin", PASSWORD)
            w.open("/notices")
            w.page.select_option("#notice-form select[name=department]", ENV)
            w.page.fill("#task-q", "16号 5")  # found as one types (static/app.js)
            choice = w.page.locator("#task-found label.choice", has_text="苏气办〔2023〕16号 第5项")
            choice.wait_for()
            w.no_sideways_scroll()
            choice.locator("input").check()
            w.page.fill("#notice-form input[name=subject]", f"煤电脱硝进度滞后 {n}")
            w.page.fill("#notice-form textarea[name=body]", "请于时限内报送整改情况。")
            w.shot("pick-notice-form")
            w.page.click("#notice-form button[type=submit]")
            w.page.wait_for_url(f"{base}/notices/*")
            text = w.page.inner_text("main")
            assert ENV in text and f"煤电脱硝进度滞后 {n}" in text
            w.shot("pick-notice-issued")
            # the plans list links the revised plan to what changed
            w.open("/plans")
            w.page.click("a.diff-link")
            w.page.wait_for_url(f"{base}/plans/diff*")
            assert w.page.locator('tr.change[data-task="3"][data-field="text"]').count() == 1
            assert "测试新增任务" in w.page.inner_text("#diff-added")
            w.no_sideways_scroll()
            w.shot("pick-plan-diff")
    (notice,) = [x for x in lantian.workflow.notices(SYSTEM) if x.subject.endswith(" 0")]
    ((ref, _),) = [(r, p) for r, p in lantian.workflow.visible_tasks(SYSTEM) if r.id in notice.task_ids]
    assert (ref.plan_key, ref.number) == ("苏气办〔2023〕16号", "5")
