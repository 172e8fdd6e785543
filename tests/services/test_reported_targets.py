"""Targets measured from accepted progress reports, through the services (seed 000: 苏州市 2024)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.plans.model import TaskStatus
from lantian.domain.tracking.model import Actor, UserRole
from lantian.errors import ConfigError

ADMIN = Actor("dqb", UserRole.ADMIN, "苏州市")
NEV = "推广应用新能源汽车"  # 000 #15: 2024年，推广应用新能源汽车16万辆以上 (cumulative: the rule is latest)
# the keys a status row had before targets were measured from reports: other pages read them
ROW_KEYS = {
    "jurisdiction",
    "indicator",
    "label",
    "label_en",
    "year",
    "comparator",
    "target",
    "stretch",
    "unit",
    "value_unit",
    "baseline_year",
    "source",
    "area",
    "as_of",
    "value_to_date",
    "days_counted",
    "days_remaining",
    "on_track",
    "probability",
    "probability_basis",
    "note",
    "measured",
    "target_note",
}


@pytest.fixture
def app(tmp_path: Path, seeds_dir: Path) -> Iterator[App]:
    lantian = App.open(Settings.load(tmp_path / "data", f"sqlite:///{tmp_path / 'lantian.db'}"))
    (seed,) = seeds_dir.glob("000_*.txt")
    lantian.plans.import_files([seed])
    yield lantian
    lantian.close()


def task_id(app: App, number: str) -> int:
    (plan,) = app.plans.list_plans()
    with app.store.tracking_read() as repo:
        return repo.task_id(plan.key, number)


def report(app: App, task: int, department: str, period: str, values: dict[str, float], *, accept: bool = True,
           narrative: str = "按计划推进") -> None:  # fmt: skip
    status = TaskStatus.IN_PROGRESS
    filed = app.workflow.submit_progress(ADMIN, task, period=period, status=status, narrative=narrative,
                                         indicators=dict(values), department=department)  # fmt: skip
    app.workflow.review_progress(ADMIN, filed.id, accept=accept, reason=None if accept else "数据待核实",
                                 version=filed.version)  # fmt: skip


def filed(app: App) -> int:
    task = task_id(app, "15")
    report(app, task, "市交通运输局", "2024-03", {NEV: 6})
    report(app, task, "市交通运输局", "2024-04", {NEV: 9})
    report(app, task, "市公安局", "2024-04", {NEV: 2}, accept=False)  # returned: never counted
    report(app, task, "市交通运输局", "2024-05", {NEV: 8.5}, narrative="累计推广8.5万辆")  # lower than April
    return task


def test_status_measures_a_cumulative_target_from_accepted_reports(app: App) -> None:
    filed(app)
    rows = {r["indicator"]: r for r in app.targets.status("苏州市", dt.date(2024, 7, 1), runs=0)}
    row = rows[NEV]
    assert ROW_KEYS <= set(row)
    # the newest period (May, 8.5), not the largest; 8.5 / 16 = 53.1 %; 1 July is 182 of 365 days: 49.9 %
    assert (row["measured"], row["measured_from"], row["rule"]) == (True, "reports", "latest")
    assert (row["value_to_date"], row["percent_complete"], row["expected_percent"]) == (8.5, 53.1, 49.9)
    assert (row["on_track"], row["met"], row["reports_counted"], row["latest_period"]) == (True, False, 1, "2024-05")
    assert row["note"] == "2024-05 报 8.5万辆，低于 2024-04 的 9万辆"
    assert row["report_sources"] == [{"plan": row["source"].split(" ")[0], "task": "15", "task_id": task_id(app, "15")}]
    assert row["target"] == 16 and row["deadline"] == dt.date(2024, 12, 31)
    # the other target of the task: nothing reported yet
    share = rows["新能源汽车比例"]
    assert (share["value_to_date"], share["on_track"], share["note"]) == (None, None, "尚无已通过审核的报送数值")
    # on 31 March only March had begun: 6 of 16 (37.5 %) against 90 / 365 days = 24.7 % due
    march = {r["indicator"]: r for r in app.targets.status("苏州市", dt.date(2024, 3, 31), runs=0)}[NEV]
    assert (march["value_to_date"], march["percent_complete"], march["expected_percent"]) == (6, 37.5, 24.7)


def test_the_task_shows_its_targets_and_the_list_its_latest_progress(app: App) -> None:
    task = filed(app)
    rows = {r["indicator"]: r for r in app.targets.reported.task_rows(task, dt.date(2024, 7, 1))}
    assert (rows[NEV]["value_to_date"], rows[NEV]["percent_complete"], rows[NEV]["on_track"]) == (8.5, 53.1, True)
    progress = app.targets.reported.task_progress([task], dt.date(2024, 7, 1))[task]
    assert (progress.latest_period, progress.latest_text) == ("2024-05", "累计推广8.5万辆")
    assert progress.percent_complete == 53.1  # the one target measured so far
    # a past year is judged at its end: everything was due
    late = {r["indicator"]: r for r in app.targets.reported.task_rows(task, dt.date(2026, 3, 1))}[NEV]
    assert (late["expected_percent"], late["on_track"], late["as_of"]) == (100, False, dt.date(2024, 12, 31))


def test_the_data_folders_rules_file_overrides_the_defaults(app: App) -> None:
    filed(app)
    rules = app.settings.data_dir / "indicator_rules.toml"
    rules.write_text(f'[indicators]\n"{NEV}" = "sum"\n', encoding="utf-8")
    row = {r["indicator"]: r for r in app.targets.status("苏州市", dt.date(2024, 7, 1), runs=0)}[NEV]
    assert (row["rule"], row["value_to_date"], row["reports_counted"]) == ("sum", 23.5, 3)  # 6 + 9 + 8.5
    assert row["rule_origin"].endswith(f"indicator_rules.toml:2 indicators.{NEV}")
    rules.write_text('[indicators]\n"x" = "median"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        app.targets.status("苏州市", dt.date(2024, 7, 1), runs=0)
    assert (caught.value.file, caught.value.line, caught.value.field) == (str(rules), 2, "indicators.x.rule")


def test_a_sum_target_counts_each_period_and_other_places_units_do_not_count(app: App) -> None:
    task = task_id(app, "4")  # 建设绿色工厂10家 (2024)
    report(app, task, "市工业和信息化局", "2024-02", {"建设绿色工厂": 3})
    report(app, task, "市工业和信息化局", "2024-03", {"建设绿色工厂": 4})
    with app.store.tracking() as repo:  # a report of a unit of another place (吴江区) is not 苏州市's
        other = repo.accepted_progress([task])[0]
        repo.add_progress({"task_id": task, "subtask": "", "department": "吴江区工信局", "jurisdiction": "吴江区",
                           "period": "2024-03", "status": "in_progress", "narrative": "x",
                           "indicators": {"建设绿色工厂": 50}, "review": "accepted", "submitted_by": "x",
                           "submitted_at": other.submitted_at})  # fmt: skip
    row = {r["indicator"]: r for r in app.targets.status("苏州市", dt.date(2024, 7, 1), runs=0)}["建设绿色工厂"]
    assert (row["rule"], row["value_to_date"], row["percent_complete"], row["reports_counted"]) == ("sum", 7, 70, 2)
