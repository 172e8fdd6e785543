"""A task's target measured from accepted reports on the task page, the task list, the API and the
.xlsx export (seed 000 #15: 2024年，推广应用新能源汽车16万辆以上)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from lantian.bootstrap import App

NEV = "推广应用新能源汽车"


def task_15(app: App) -> int:
    (plan,) = app.plans.list_plans()
    with app.store.tracking_read() as repo:
        return repo.task_id(plan.key, "15")


def file_report(c: TestClient, task: int, period: str, value: str, narrative: str) -> int:
    data = {"csrf_token": c.headers["X-CSRF-Token"], "period": period, "status": "in_progress",
            "narrative": narrative, "indicator_name": NEV, "indicator_value": value}  # fmt: skip
    r = c.post(f"/tasks/{task}/progress", data=data)
    assert r.status_code == 303, r.text
    (report,) = [x for x in c.get(f"/api/v1/tasks/{task}").json()["reports"] if x["period"] == period]
    return int(report["id"])


def review(c: TestClient, report: int, decision: str) -> None:
    data = {"csrf_token": c.headers["X-CSRF-Token"], "decision": decision, "version": "1",
            "reason": "" if decision == "accept" else "数据待核实"}  # fmt: skip
    assert c.post(f"/progress/{report}/review", data=data).status_code == 303


def test_the_task_page_shows_the_value_once_a_report_is_accepted(
    client: Callable[[str | None], TestClient], lantian: App
) -> None:
    task = task_15(lantian)
    admin, jtj = client("admin"), client("other")  # other: 市交通运输局, responsible on #15
    page = admin.get(f"/tasks/{task}").text
    row = re.search(rf'<tr class="target" data-indicator="{NEV}">.*?</tr>', page, re.S)
    assert row and "尚无数据" in row.group(0)  # nothing accepted yet
    assert f'name="indicator_name" value="{NEV}"' in jtj.get(f"/tasks/{task}").text  # the form offers the target

    first = file_report(jtj, task, "2024-06", "12", "上半年累计推广12万辆")
    assert "尚无数据" in admin.get(f"/tasks/{task}").text  # submitted, not accepted: not counted
    review(admin, first, "accept")
    later = file_report(jtj, task, "2024-07", "20", "7月累计推广20万辆")
    review(admin, later, "return")  # returned: never counted

    for who in (admin, jtj, client("leader")):
        page = who.get(f"/tasks/{task}").text
        row = re.search(rf'<tr class="target" data-indicator="{NEV}">.*?</tr>', page, re.S)
        assert row, page
        cells = row.group(0)
        # 12 of 16 万辆 = 75 %; the year 2024 is over, so all of it was due: behind
        assert re.search(r'class="value-to-date"[^>]*>12 万辆<br><small class="muted">1份已通过报送，至2024-06', cells)
        assert re.search(r'class="percent"[^>]*>75%<br><small class="muted">应完成100%', cells)
        assert "滞后于进度" in cells
    # the API carries the same, as numbers
    (target,) = [g for g in admin.get(f"/api/v1/tasks/{task}").json()["targets"] if g["indicator"] == NEV]
    progress = target["progress"]
    assert (progress["value_to_date"], progress["percent_complete"], progress["on_track"]) == (12, 75, False)
    assert (progress["rule"], progress["reports_counted"], progress["measured_from"]) == ("latest", 1, "reports")

    # the list and its API: 最新进展 (period and text of the newest accepted report) and 完成比例
    (listed,) = [t for t in admin.get("/api/v1/tasks", params={"limit": 500}).json()["tasks"] if t["id"] == task]
    assert listed["latest_progress"] == {"period": "2024-06", "text": "上半年累计推广12万辆"}
    assert listed["percent_complete"] == 75
    page = admin.get("/tasks", params={"q": "推广应用新能源汽车"}).text
    assert re.search(r'class="latest"[^>]*><small class="muted">2024-06</small> 上半年累计推广12万辆</td>\s*'
                     r'<td class="percent"[^>]*>75%</td>', page)  # fmt: skip
    assert "<th>最新进展</th><th>完成比例</th>" in page

    # the .xlsx export carries 状态, 最新进展, 完成比例 after 目标值
    book = load_workbook(io.BytesIO(admin.get("/tasks.xlsx").content))
    rows = list(book["任务清单"].iter_rows(values_only=True))
    assert list(rows[0][-4:]) == ["目标值", "状态", "最新进展", "完成比例"]
    (row15,) = [r for r in rows[1:] if r[0] == "15"]
    assert row15[-3:] == ("推进中", "2024-06 上半年累计推广12万辆", 75)
    assert "市交通局" in str(row15[5])  # 责任单位, as written
