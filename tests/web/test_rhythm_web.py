"""Progress rounds at the rhythm the plan sets (issue 20, 以日保月、以月保季、以季保年): the office sets
a plan's or a task's rhythm (weekly, monthly, quarterly), the report form offers and checks the
periods of the task's rhythm, and 调度未报 (the dashboard tile, its list, the to-do list) asks each
task for the newest period of its own rhythm. Today is fixed: Thursday 3 December 2026 (2026-W49)."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.domain.plans.model import TaskStatus
from lantian.domain.tracking.model import Actor, UserRole
from lantian.domain.tracking.overdue import Rhythm, Schedule
from lantian.errors import InputError
from lantian.services.tracking import WorkflowSettings
from tests.helpers import run
from tests.web.conftest import ENV, env_task
from tests.web.test_forms import beside, chosen, invalid, textarea

Client = Callable[[str | None], TestClient]
SEED_KEY = "苏州市·2024·重点工作任务分解表"
ADMIN = Actor("admin", UserRole.ADMIN, "苏州市")
DEPT = Actor("dept", UserRole.DEPARTMENT, "苏州市", ENV)
TILE = re.compile(r'id="overdue-report">(\d+)</b>')


@pytest.fixture(autouse=True)
def thursday(lantian: App) -> None:
    """3 December 2026, noon in Beijing: 2026-W48 was due on Tuesday, November is due on the 5th."""
    lantian.workflow.clock = lambda: dt.datetime(2026, 12, 3, 4, tzinfo=dt.UTC)
    lantian.notify.clock = lantian.workflow.clock


def post(c: TestClient, url: str, data: dict[str, str]) -> Any:
    return c.post(url, data={"csrf_token": c.headers["X-CSRF-Token"], **data})


def options(page: str) -> list[str]:
    found = re.search(r'<select name="period"[^>]*>(.*?)</select>', page, re.S)
    assert found is not None, "no period picker"
    return re.findall(r'<option value="([^"]*)"', found.group(1))


def missing(app: App, actor: Actor) -> set[tuple[int, str, str]]:
    """Every entry of 调度未报 as the list pages through them (task, unit, period)."""
    out, page = set(), 0
    while True:
        total, _, items = app.workflow.missing_reports(actor, 50, page * 50)
        out |= {(o.task_id, o.department, str(o.period)) for o in items}
        page += 1
        if page * 50 >= total:
            assert len(out) == total
            return out


def test_the_office_sets_a_tasks_rhythm_and_the_form_offers_its_weeks(lantian: App, client: Client) -> None:
    admin, dept, task = client("admin"), client("dept"), env_task(lantian)
    page = dept.get(f"/tasks/{task}").text
    assert "每月" in page and "按本单位默认" in page
    assert options(page) == ["2026-10", "2026-11", "2026-12"]  # October late, November in its grace, 本月
    assert chosen(page, "period") == "2026-11"  # the last month while its grace lasts
    r = post(admin, f"/tasks/{task}/rhythm", {"rhythm": "weekly"})
    assert r.status_code == 303
    page = dept.get(f"/tasks/{task}").text
    assert re.search(r'id="rhythm-now"><strong>每周</strong> <span class="muted">（本任务设定', page)
    assert options(page) == ["2026-W48", "2026-W49"]  # week 48 was due on Tuesday: 逾期补报; 本周
    assert "上周 2026年第48周（逾期补报）" in page and "本周 2026年第49周（12月8日前报送）" in page
    assert chosen(page, "period") == "2026-W48"
    assert 'id="rhythm-form"' not in page  # a department does not set it
    # audited, in words
    (entry,) = [e for e in admin.get("/api/v1/audit").json() if e["action"] == "task.rhythm"]
    assert json.loads(entry["after"]) == {"rhythm": "weekly"} and json.loads(entry["before"]) == {"rhythm": None}
    assert "设定任务调度频次" in admin.get("/audit").text


def test_the_form_refuses_a_month_on_a_weekly_task_and_keeps_what_was_typed(lantian: App, client: Client) -> None:
    task = env_task(lantian)
    lantian.plans.set_rhythm(SEED_KEY, Rhythm.WEEKLY, lantian.workflow.task(ADMIN, task).ref.number)
    dept = client("dept")
    typed = {"period": "2026-11", "status": "in_progress", "narrative": "本周完成工地巡查12处"}
    r = post(dept, f"/tasks/{task}/progress", typed)
    page = r.text
    assert r.status_code == 422
    assert beside(page, "period") == "该任务每周调度，报送期应为一周，如 2026年第49周" and invalid(page, "period")
    assert chosen(page, "period") == "2026-11" and textarea(page, "narrative") == "本周完成工地巡查12处"
    assert lantian.workflow.reports(ADMIN) == []
    # the API says the same, by the field
    r = dept.post(f"/api/v1/tasks/{task}/progress", data={**typed, "period": "2026-Q4"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "period"
    assert post(dept, f"/tasks/{task}/progress", {**typed, "period": "2026-W48"}).status_code == 303
    (report,) = lantian.workflow.reports(ADMIN)
    assert report.period == "2026-W48"
    page = dept.get(f"/tasks/{task}").text
    assert "2026年第48周" in page and "2026-W48" not in re.sub(r'(value|name)="[^"]*"', "", page)  # words, not codes
    # returned, the late week is offered again to be corrected, and the form starts on it
    lantian.workflow.review_progress(ADMIN, report.id, accept=False, reason="请补充现场照片", version=report.version)
    page = dept.get(f"/tasks/{task}").text
    assert options(page) == ["2026-W48", "2026-W49"] and chosen(page, "period") == "2026-W48"
    assert 'id="returned-note"' in page and "请补充现场照片" in page


def test_overdue_asks_each_task_for_the_newest_period_of_its_own_rhythm(lantian: App, client: Client) -> None:
    mine = [ref for ref, _ in lantian.workflow.visible_tasks(DEPT)
            if ref.status is not TaskStatus.COMPLETED and ENV in ref.reporters()
            and (ref.last_deadline is None or ref.last_deadline >= dt.date(2026, 12, 31))]  # fmt: skip
    weekly, quarterly = mine[0], mine[1]
    lantian.plans.set_rhythm(SEED_KEY, Rhythm.WEEKLY, weekly.number)
    lantian.plans.set_rhythm(SEED_KEY, Rhythm.QUARTERLY, quarterly.number)
    for actor in (ADMIN, DEPT):
        listed = missing(lantian, actor)
        found = {(o.task_id, o.department, str(o.period)) for o in lantian.workflow.overdue(actor)
                 if o.kind == "report"}  # fmt: skip
        assert listed == found  # the store's count and the rules' list agree
        periods = {task: period for task, _, period in listed}
        assert periods[weekly.id] == "2026-W48" and periods[quarterly.id] == "2026-Q3"
        assert {p for t, p in periods.items() if t not in (weekly.id, quarterly.id)} == {"2026-10"}
        assert lantian.workflow.summary(actor).overdue_report == len(listed)
    # the tile and the list it opens: the same total; the list says which round of each rhythm
    dept = client("dept")
    tile = int(TILE.findall(dept.get("/dashboard").text)[0])
    page = dept.get("/progress/missing").text
    assert tile == int(re.findall(r'id="missing-count">(\d+)<', page)[0]) == len(missing(lantian, DEPT))
    rounds = html.unescape(re.sub(r"<[^>]+>", "", re.findall(r'id="missing-rounds">(.*?)</p>', page, re.S)[0]))
    assert "每周调度 报送期 2026年第48周，报送截止日 2026-12-01" in rounds
    assert "每月调度 报送期 2026-10，报送截止日 2026-11-05" in rounds
    assert "每季度调度 报送期 2026年第三季度，报送截止日 2026-10-05" in rounds
    # the weekly task's week filed: it owes nothing more, the tile counts one less per unit
    before = len(missing(lantian, DEPT))
    lantian.workflow.submit_progress(DEPT, weekly.id, period="2026-W48", status=TaskStatus.IN_PROGRESS,
                                     narrative="本周巡查")  # fmt: skip
    assert weekly.id not in {t for t, _, _ in missing(lantian, DEPT)}
    assert len(missing(lantian, DEPT)) == before - 1
    assert int(TILE.findall(dept.get("/dashboard").text)[0]) == before - 1
    # the to-do list names the week owed (or due soon) by each task at its rhythm
    todo = lantian.notify.todo(DEPT, 500)
    (due,) = [g for g in todo.groups if g.kind.value == "report_due"]
    labels = [i.title for i in due.items]
    assert any(t.endswith("· 2026年第三季度") for t in labels) and any(t.endswith("· 2026-11") for t in labels)


def test_a_plans_rhythm_is_inherited_and_a_tasks_own_wins(lantian: App, client: Client) -> None:
    admin, dept = client("admin"), client("dept")
    task = env_task(lantian)
    others = [ref.id for ref, _ in lantian.workflow.visible_tasks(DEPT) if ref.id != task]
    assert admin.put(f"/api/v1/tasks/{task}/rhythm", json={"rhythm": "weekly"}).json()["effective"] == "weekly"
    r = admin.put("/api/v1/plans/rhythm", json={"plan": SEED_KEY, "rhythm": "quarterly"})
    set_it = {"plan": SEED_KEY, "task": None, "rhythm": "quarterly", "before": None, "effective": "quarterly"}
    assert r.status_code == 200 and r.json() == {**set_it, "label": "每季度"}
    assert '每季度</strong> <span class="muted">（按计划设定' in dept.get(f"/tasks/{others[0]}").text
    assert options(dept.get(f"/tasks/{others[0]}").text) == ["2026-Q3", "2026-Q4"]
    assert options(dept.get(f"/tasks/{task}").text) == ["2026-W48", "2026-W49"]  # its own wins
    r = admin.put(f"/api/v1/tasks/{task}/rhythm", json={"rhythm": None})
    assert r.json()["effective"] == "quarterly" and r.json()["before"] == "weekly"  # back to the plan's
    assert dept.put("/api/v1/plans/rhythm", json={"plan": SEED_KEY, "rhythm": "weekly"}).status_code == 403
    assert admin.put("/api/v1/plans/rhythm", json={"plan": "没有的计划", "rhythm": "weekly"}).status_code == 404
    assert admin.put("/api/v1/plans/rhythm", json={"plan": SEED_KEY, "rhythm": "daily"}).status_code == 422
    # the /plans control: the plan's rhythm, and a bad value refused beside it with the plan kept
    page = admin.get("/plans").text
    assert 'id="plan-rhythms"' in page and chosen(page, "rhythm") == "quarterly"
    r = post(admin, "/plans/rhythm", {"plan": SEED_KEY, "rhythm": "daily"})
    assert r.status_code == 422
    assert "调度频次应为每周、每月或每季度" in beside(r.text, "rhythm")
    assert post(admin, "/plans/rhythm", {"plan": SEED_KEY, "rhythm": ""}).status_code == 303
    assert lantian.plans.get_plan(SEED_KEY)[0].rhythm is None  # the office's default again
    assert 'id="plan-rhythms"' in dept.get("/plans").text and 'action="/plans/rhythm"' not in dept.get("/plans").text


def test_the_command_line_sets_and_shows_a_rhythm(capsys: pytest.CaptureFixture[str], seeds_dir: Path,
                                                  tmp_path: Path) -> None:  # fmt: skip
    data = str(tmp_path / "cli-data")  # not the fixture's folder (tmp_path / "data")
    (seed,) = seeds_dir.glob("003_*.txt")
    run(capsys, "plans", "import", str(seed), "--data-dir", data)
    code, out, _ = run(capsys, "plans", "list", "--json", "--data-dir", data)
    (key,) = [p["key"] for p in json.loads(out)]
    code, out, _ = run(capsys, "plans", "rhythm", key, "--json", "--data-dir", data)
    shown = json.loads(out)
    assert code == 0 and shown["rhythm"] is None and shown["effective"] == "monthly"
    assert any(h["rhythm"] == "weekly" and "每周至少开展一次" in h["text"] for h in shown["hints"])  # 路检路查
    code, out, _ = run(capsys, "plans", "rhythm", key, "weekly", "--task", "26", "--json", "--data-dir", data)
    assert code == 0 and json.loads(out)["effective"] == "weekly" and json.loads(out)["task"] == "26"
    code, out, _ = run(capsys, "plans", "rhythm", key, "季度", "--data-dir", data)
    assert code == 0 and "每季度" in out
    code, _, err = run(capsys, "plans", "rhythm", key, "daily", "--data-dir", data)
    assert code != 0 and "调度频次" in err
    code, _, err = run(capsys, "plans", "rhythm", key, "weekly", "--task", "999", "--data-dir", data)
    assert code != 0 and "999" in err


@pytest.mark.parametrize(
    ("text", "field"),
    [("rhythm = 'daily'\n", "rhythm"), ("rhythm = 7\n", "rhythm"), ("weekly_grace_days = 7\n", "weekly_grace_days"),
     ("weekly_grace_days = '2'\n", "weekly_grace_days"), ("rythm = 'weekly'\n", "rythm")],
)  # fmt: skip
def test_a_bad_rhythm_setting_is_named(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "workflow.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        WorkflowSettings.load(path)
    assert caught.value.field == field and caught.value.file == str(path)


def test_the_office_default_rhythm_and_its_grace(tmp_path: Path) -> None:
    path = tmp_path / "workflow.toml"
    path.write_text("rhythm = '每季度'\nweekly_grace_days = 0\ngrace_days = 10\n", encoding="utf-8")
    settings = WorkflowSettings.load(path)
    assert settings.schedule == Schedule(Rhythm.QUARTERLY, 10, 0)
    # a task that sets none, of a plan that sets none, owes the third quarter until 10 October
    assert settings.schedule.last_due(dt.date(2026, 10, 10))[Rhythm.QUARTERLY] == "2026-Q2"
    assert settings.schedule.last_due(dt.date(2026, 10, 11))[Rhythm.QUARTERLY] == "2026-Q3"
    assert settings.schedule.due("2026-W49") == dt.date(2026, 12, 6)  # no grace: by the Sunday
    assert WorkflowSettings.load(tmp_path / "none.toml").schedule == Schedule()  # monthly, 5 days; weeks 2
