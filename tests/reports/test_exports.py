"""Task exports: the office table, the responsibility matrix, the deadline calendar; csv/xlsx/json writers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lantian.domain.plans.model import Deadline, Department, ParsedPlan, PlanTask, Role, Target, Task, TaskStatus
from lantian.errors import InputError
from lantian.reports.tasks_export import (
    TASK_COLUMNS,
    TableData,
    deadline_calendar,
    format_for,
    render_target,
    responsibility_matrix,
    task_table,
    tasks_json,
    write_table,
)


@pytest.fixture
def suzhou(seed: Callable[[str], ParsedPlan]) -> list[PlanTask]:
    plan = seed("000")
    return [PlanTask("苏州", plan.meta.title, t) for t in plan.tasks]


def test_office_table_layout_and_spot_rows(suzhou: list[PlanTask]) -> None:
    table = task_table(suzhou)
    assert (
        table.columns
        == TASK_COLUMNS
        == ["序号", "重点工作任务", "具体内容", "牵头单位", "配合单位", "责任单位", "完成时限", "目标值"]
    )
    rows = {r[0]: r for r in table.rows}
    assert len(rows) == 56
    # 000 row 1: responsible 市发改委 … 市交通局, then the implicit county governments
    responsible = str(rows["1"][5]).split("、")
    assert responsible[:5] == ["市发改委", "市工信局", "市生态环境局", "市数据局", "市交通局"]
    assert responsible[-1] == "各县级市（区）人民政府（管委会）"
    # 000 row 5: lead 市生态环境局, cooperating 市发改委、市工信局
    assert rows["5"][3] == "市生态环境局"
    assert str(rows["5"][4]).split("、")[:2] == ["市发改委", "市工信局"]


def test_several_plans_get_a_plan_column(suzhou: list[PlanTask]) -> None:
    other = PlanTask("另一计划", "t", Task(number="1", title="x", text="y"))
    table = task_table([*suzhou[:2], other])
    assert table.columns[0] == "计划" and table.rows[-1][0] == "另一计划"


def test_render_targets() -> None:
    pm = Target("", "pm25", "<=", 28, "µg/m³", 2023, stretch_value=27, indicator_label="PM2.5浓度")
    assert render_target(pm) == "PM2.5浓度≤28µg/m³（力争27）"
    good = Target("", "good_day_ratio", ">=", 83, "%", 2023, stretch_value=83.3, indicator_label="优良天数比率")
    assert render_target(good) == "优良天数比率≥83%（力争83.3%）"
    cut = Target("", "voc_reduction", "decrease_by", 3, "%", 2025, baseline_year=2020, indicator_label="排放量")
    assert render_target(cut) == "排放量较2020年下降3%"
    dust = Target(
        "", "dustfall", "<=", 2.2, "t/km²·月", 2023, indicator_label="降尘量", jurisdiction="南京市", source="附件5"
    )
    assert render_target(dust) == "南京市：降尘量≤2.2t/km²·月"


def _hand_tasks() -> list[PlanTask]:
    lead = Department("市生态环境局", "市生态环境局", Role.LEAD)
    coop = Department("市发改委", "市发展改革委", Role.COOPERATING)
    resp = Department("市生态环境局", "市生态环境局", Role.RESPONSIBLE)
    t1 = Task(
        "1",
        "锅炉",
        "淘汰锅炉",
        departments=[lead, coop, resp],
        deadlines=[Deadline("6月底前", None, dt.date(2024, 6, 30))],
    )
    t2 = Task(
        "2",
        "扬尘",
        "工地扬尘",
        departments=[Department("市住建局", "市住房和城乡建设局", Role.LEAD), coop],
        deadlines=[
            Deadline("年内", None, dt.date(2024, 12, 31)),
            Deadline("每月至少开展2次", None, None, recurring="monthly:2"),
        ],
    )
    t3 = Task("3", "油烟", "餐饮油烟", departments=[coop], deadlines=[Deadline("3月底前", None, dt.date(2024, 3, 31))])
    return [PlanTask("P", "计划", t1), PlanTask("P", "计划", t2), PlanTask("P", "计划", t3, TaskStatus.COMPLETED)]


def test_matrix_strongest_role_and_totals() -> None:
    m = responsibility_matrix(_hand_tasks())
    assert m.columns == ["部门", "1", "2", "3", "牵头数", "配合数", "负责数"]
    rows = {r[0]: r for r in m.rows}
    assert m.rows[0][0] == "市发展改革委"  # three tasks: first
    assert rows["市发展改革委"][1:] == ["配合", "配合", "配合", 0, 3, 0]
    assert rows["市生态环境局"][1:] == ["牵头", "", "", 1, 0, 0]  # 牵头 beats 负责 on the same task
    assert rows["市住房和城乡建设局"][1:] == ["", "牵头", "", 1, 0, 0]


def test_calendar_order_overdue_and_recurring() -> None:
    cal = deadline_calendar(_hand_tasks(), dt.date(2024, 7, 1))
    records = cal.records()
    assert [r["截止日期"] for r in records] == ["2024-03-31", "2024-06-30", "2024-12-31", ""]
    assert [r["是否逾期"] for r in records] == ["否", "是", "否", "否"]  # task 3 is completed
    assert records[-1]["周期"] == "monthly:2" and records[-1]["时限原文"] == "每月至少开展2次"
    assert records[0]["状态"] == "已完成"


def test_writers_round_trip(tmp_path: Path) -> None:
    data = TableData("任务清单", ["序号", "具体内容"], [["1", "淘汰燃煤锅炉，" * 20], ["2", None]])
    csv_path = tmp_path / "t.csv"
    write_table(data, csv_path, "csv")
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig")))) == [
        ["序号", "具体内容"],
        ["1", "淘汰燃煤锅炉，" * 20],
        ["2", ""],
    ]
    json_path = tmp_path / "t.json"
    write_table(data, json_path, "json")
    assert json.loads(json_path.read_text(encoding="utf-8"))[1] == {"序号": "2", "具体内容": None}
    xlsx_path = tmp_path / "t.xlsx"
    write_table(data, xlsx_path, "xlsx")
    ws = load_workbook(xlsx_path).active
    assert ws.title == "任务清单" and ws.freeze_panes == "A2" and ws["A1"].font.b
    assert ws["B2"].value == "淘汰燃煤锅炉，" * 20 and ws["B2"].alignment.wrap_text
    assert ws.column_dimensions["B"].width == 60
    stream = io.StringIO()
    write_table(data, stream, "csv")
    assert stream.getvalue().startswith("序号,具体内容")
    with pytest.raises(InputError):
        write_table(data, stream, "xlsx")


def test_format_for() -> None:
    assert format_for(Path("a.XLSX"), None) == "xlsx"
    assert format_for(Path("a.txt"), "csv") == "csv"
    with pytest.raises(InputError, match="pdf"):
        format_for(Path("a.pdf"), None)
    with pytest.raises(InputError):
        format_for(None, None)


def test_tasks_json_structure(suzhou: list[PlanTask]) -> None:
    data = tasks_json(suzhou[:1])
    (task,) = data
    assert task["number"] == "1" and task["status"] == "not_started"
    assert {"name", "normalized", "role", "implicit"} == set(task["departments"][0])
    assert json.dumps(data, ensure_ascii=False)
