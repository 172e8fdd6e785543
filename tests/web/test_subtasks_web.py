"""Progress on a sub-task (子任务): seed 001 (苏州, 苏气办〔2023〕16号) names most units on its tasks'
numbered clauses, not on the task. Task 2 names 各县级市（区）人民政府, 苏州工业园区 and 太仓港口管委会;
its clause 2.1 adds 市发展改革委, 市工业和信息化局 and 市生态环境局, its clause 2.2 does not name 市生态环境局."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.plans.model import Role
from lantian.domain.plans.records import TaskFilter
from lantian.domain.tracking.model import SYSTEM
from lantian.errors import InputError
from lantian.reports.tasks_export import responsibility_matrix
from lantian.services.tracking import WorkflowSettings
from tests.web.conftest import ENV


@pytest.fixture
def task_2(lantian: App, seeds_dir: Path) -> int:
    (seed,) = seeds_dir.glob("001_*.txt")
    lantian.plans.import_files([seed])
    (ref,) = [r for r, _ in lantian.workflow.visible_tasks(SYSTEM) if "16号" in r.plan_key and r.number == "2"]
    assert ENV not in [n for n, _ in ref.departments] and ENV in ref.subtask_units
    return ref.id


def form(c: TestClient, period: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": c.headers["X-CSRF-Token"], "period": period, "status": "in_progress", **fields}


def test_a_unit_named_on_a_sub_task_reports_on_it(client: Callable[[str | None], TestClient], task_2: int) -> None:
    dept = client("dept")
    page = dept.get(f"/tasks/{task_2}")
    assert page.status_code == 200  # named on a clause: the task concerns it
    # the picker offers what it may report on: clause 2.1, not the whole task nor clause 2.2
    assert '<select name="subtask"><option value="2.1">' in page.text and '<option value="2.2">' not in page.text
    office = client("admin").get(f"/tasks/{task_2}").text  # the office reports on any part
    assert '<option value="">整项任务</option><option value="2.1">' in office and '<option value="2.2">' in office
    (period,) = re.findall(
        r'<select name="period"[^>]*>.*?<option value="(\d{4}-\d{2})" selected>', page.text, re.S
    )  # last month, the form's default
    assert client("other").get(f"/tasks/{task_2}").status_code == 403  # 市交通运输局 is named nowhere on it
    assert any(t["id"] == task_2 for t in dept.get("/api/v1/tasks", params={"limit": 500}).json()["tasks"])
    # the whole task is not its to report; clause 2.1 is
    r = dept.post(f"/tasks/{task_2}/progress", data=form(dept, period, narrative="全市方案已印发"))
    assert r.status_code == 422 and "task 2" in r.text
    r = dept.post(f"/tasks/{task_2}/progress", data=form(dept, period, narrative="已完成3家企业改造", subtask="2.1"))
    assert r.status_code == 303, r.text
    (report,) = dept.get(f"/api/v1/tasks/{task_2}").json()["reports"]
    assert (report["subtask"], report["department"], report["narrative"]) == ("2.1", ENV, "已完成3家企业改造")
    page = dept.get(f"/tasks/{task_2}").text
    assert "子任务 2.1" in page
    (version,) = re.findall(r'name="version:2\.1" value="(\d+)"', page)
    # the same clause again, with the version the page carries: the report is corrected, not doubled
    r = dept.post(
        f"/tasks/{task_2}/progress",
        data=form(dept, period, narrative="已完成5家企业改造", subtask="2.1", **{"version:2.1": version}),
    )
    assert r.status_code == 303, r.text
    (report,) = dept.get(f"/api/v1/tasks/{task_2}").json()["reports"]
    assert report["narrative"] == "已完成5家企业改造" and report["version"] == int(version) + 1


@pytest.mark.parametrize(
    ("subtask", "words"),
    [("2.2", "sub-task 2.2"), ("9.9", "no sub-task '9.9'")],
    ids=["not-named-there", "no-such-clause"],
)
def test_a_sub_task_the_unit_may_not_report_on(
    client: Callable[[str | None], TestClient], task_2: int, subtask: str, words: str
) -> None:
    dept = client("dept")
    r = dept.post(
        f"/api/v1/tasks/{task_2}/progress",
        data={"period": "2024-05", "status": "in_progress", "narrative": "x", "subtask": subtask},
    )
    assert r.status_code == 422 and words in r.json()["error"]["message"]
    assert r.json()["error"]["field"] in ("subtask", "department")
    assert dept.get(f"/api/v1/tasks/{task_2}").json()["reports"] == []


def test_the_units_leading_a_clause_owe_the_monthly_report(lantian: App, task_2: int) -> None:
    refs = {r.number: r for r, _ in lantian.workflow.visible_tasks(SYSTEM) if "16号" in r.plan_key}
    assert refs["1"].departments == ()  # task 1 names its units on its clauses only
    assert "市市场监管局" in refs["1"].reporters() and refs["1"].reporters(clauses=False) == []
    # task 2: its own units, then 2.1's; 2.2's lead (市发展改革委) already reports through 2.1
    assert refs["2"].reporters() == [*(n for n, _ in refs["2"].departments), "市发展改革委", "市工业和信息化局", ENV]

    def counted(app: App) -> set[tuple[str, str, str]]:
        found = app.workflow.overdue(SYSTEM)  # worked out task by task; the dashboard counts in SQL
        summary = app.workflow.summary(SYSTEM)
        kinds = [o.kind for o in found]
        assert summary.overdue_report == kinds.count("report")  # 逾期任务 counts tasks, each once
        _, late = app.workflow.tasks(SYSTEM, TaskFilter(overdue_as_of=app.workflow.today()), limit=1)
        assert summary.overdue_deadline == late  # the list the tile opens; a task naming no unit is late too
        assert late >= len({o.task_id for o in found if o.kind == "deadline"})
        return {(o.kind, o.number, o.department) for o in found if "16号" in o.plan_key}

    entries = counted(lantian)
    assert {o for o in entries if o[1] == "1"} == {("deadline", "1", name) for name in refs["1"].reporters()}
    lantian.settings.workflow_file.write_text("# 调度规则\nclause_reporters = false\n", encoding="utf-8")
    office = App.open(lantian.settings)  # the office's rule: only the units named on the task report
    try:
        assert office.workflow.settings.clause_reporters is False
        entries = counted(office)
        assert not {o for o in entries if o[1] == "1"}
        assert {o[2] for o in entries if o[1] == "2"} == {n for n, _ in refs["2"].departments}
    finally:
        office.close()


@pytest.mark.parametrize(
    ("text", "field"),
    [("grace_days = 40\n", "grace_days"), ("grace_days = '5'\n", "grace_days"),
     ("clause_reporters = 1\n", "clause_reporters"), ("graceday = 5\n", "graceday"), ("grace_days = \n", None)],
)  # fmt: skip
def test_a_bad_workflow_file_is_named(lantian: App, text: str, field: str | None) -> None:
    lantian.settings.workflow_file.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        WorkflowSettings.load(lantian.settings.workflow_file)
    assert err.value.file == str(lantian.settings.workflow_file) and err.value.field == field


def test_the_matrix_counts_the_units_named_on_clauses_as_the_export_does(tmp_path: Path, seeds_dir: Path) -> None:
    app = App.open(Settings.load(tmp_path / "only-001"))
    try:
        (seed,) = seeds_dir.glob("001_*.txt")
        app.plans.import_files([seed])
        table = responsibility_matrix(app.plans.list_tasks(TaskFilter()))
        lead, cooperating, responsible = (table.columns.index(c) for c in ("牵头数", "配合数", "负责数"))
        exported = {row[0]: (row[lead], row[cooperating], row[responsible]) for row in table.rows}
        web = {
            r.department: (r.roles[Role.LEAD], r.roles[Role.COOPERATING], r.roles[Role.RESPONSIBLE])
            for r in app.workflow.matrix(SYSTEM)
        }
        assert web == exported
        assert "市市场监管局" in web  # named on task 1's clauses only
    finally:
        app.close()
