"""Task exports (任务清单导出): office task table, responsibility matrix, deadline calendar, writers.

Seed rows checked by reading 000 (苏州 重点工作任务分解表); the rest on hand-built tasks.
"""

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
    FORMATS,
    TASK_COLUMNS,
    TableData,
    deadline_calendar,
    format_for,
    render_recurring,
    render_target,
    responsibility_matrix,
    task_table,
    tasks_json,
    write_table,
)

IMPLICIT_COUNTIES = "各县级市（区）人民政府（管委会）"


@pytest.fixture
def suzhou(seed: Callable[[str], ParsedPlan]) -> list[PlanTask]:
    plan = seed("000")
    return [PlanTask("苏州2024", plan.meta.title, t) for t in plan.tasks]


def _dep(name: str, normalized: str, role: Role, *, implicit: bool = False) -> Department:
    return Department(name, normalized, role, implicit=implicit, written=name)


def _hand() -> list[PlanTask]:
    """Three tasks of plan A and one of plan B, with every role, deadline kind and a target."""
    eco_lead = _dep("市生态环境局", "市生态环境局", Role.LEAD)
    eco_resp = _dep("市生态环境局", "市生态环境局", Role.RESPONSIBLE)
    ndrc = _dep("市发改委", "市发展改革委", Role.COOPERATING)
    county = _dep("各区政府", "各区人民政府", Role.RESPONSIBLE, implicit=True)
    housing = _dep("市住建局", "市住房和城乡建设局", Role.LEAD)
    pm = Target("PM2.5浓度达到28", "pm25", "<=", 28, "µg/m³", 2024, stretch_value=27, indicator_label="PM2.5浓度")
    t1 = Task(
        "1",
        None,
        "淘汰燃煤锅炉",
        category="锅炉整治",
        departments=[county, eco_lead, eco_resp, ndrc],
        deadlines=[Deadline("6月底前", None, dt.date(2024, 6, 30)), Deadline("6月底前", None, dt.date(2024, 6, 30))],
        targets=[pm],
    )
    t2 = Task(
        "2",
        "工地扬尘",
        "工地扬尘治理",
        departments=[housing, ndrc, county],
        deadlines=[
            Deadline("年内", None, dt.date(2024, 12, 31)),
            Deadline("每月至少开展2次", None, None, recurring="monthly:2"),
        ],
    )
    t3 = Task("3", "油烟", "餐饮油烟", departments=[ndrc], deadlines=[Deadline("3月底前", None, dt.date(2024, 3, 31))])
    t4 = Task(
        "1",
        "秸秆",
        "秸秆禁烧",
        departments=[eco_resp],
        deadlines=[Deadline("3月底前", dt.date(2024, 1, 1), dt.date(2024, 3, 31))],
    )
    return [
        PlanTask("A", "计划A", t1, TaskStatus.IN_PROGRESS),
        PlanTask("A", "计划A", t2),
        PlanTask("A", "计划A", t3, TaskStatus.COMPLETED),
        PlanTask("B", "计划B", t4, TaskStatus.DELAYED),
    ]


# ------------------------------------------------------------------ task table (任务清单)
def test_task_table_columns_and_seed_rows(suzhou: list[PlanTask]) -> None:
    table = task_table(suzhou)
    assert table.title == "任务清单"
    assert table.columns == [
        "序号",
        "重点工作任务",
        "具体内容",
        "牵头单位",
        "配合单位",
        "责任单位",
        "完成时限",
        "目标值",
        "状态",
        "最新进展",
        "完成比例",
    ]
    assert table.columns == TASK_COLUMNS
    assert len(table.rows) == 56
    rows = {str(r[0]): r for r in table.rows}
    row1 = rows["1"]
    assert row1[1] == "坚决遏制高耗能、高排放、低水平项目盲目上马"
    assert str(row1[2]).startswith("按照省统一部署")
    responsible = str(row1[5]).split("、")
    assert responsible == ["市发改委", "市工信局", "市生态环境局", "市数据局", "市交通局", IMPLICIT_COUNTIES]
    assert row1[3] == row1[4] == ""
    row5 = rows["5"]
    assert row5[3] == "市生态环境局"
    assert row5[4] == "市发改委、市工信局"
    assert row5[5] == IMPLICIT_COUNTIES  # implicit on every later row
    assert all(IMPLICIT_COUNTIES in str(r[5]) for r in table.rows)
    # row 2 carries 到2025年 and its 力争 target
    assert rows["2"][6] == "到2025年"
    assert "短流程炼钢产量占比力争≥20%" in str(rows["2"][7])


def test_task_table_roles_order_deadlines_targets() -> None:
    table = task_table(_hand()[:3])
    assert table.columns == TASK_COLUMNS  # one plan: no 计划 column
    first = table.rows[0]
    assert first[:3] == ["1", "锅炉整治", "淘汰燃煤锅炉"]  # category first
    assert first[3:6] == ["市生态环境局", "市发改委", "市生态环境局、各区政府"]  # implicit after explicit
    assert first[6] == "6月底前"  # deduplicated
    assert first[7] == "PM2.5浓度≤28µg/m³（力争27）"
    assert table.rows[1][1] == "工地扬尘"  # no category: the title
    assert table.rows[1][6] == "年内；每月至少开展2次"
    empty = task_table([PlanTask("A", "计划A", Task("9", None, "x"))]).rows[0]
    assert empty == ["9", "", "x", "", "", "", "", "", "未启动", "", None]  # 状态; no report, no % complete


def test_task_table_plan_column_when_several_plans() -> None:
    table = task_table(_hand())
    assert table.columns == ["计划", *TASK_COLUMNS]
    assert [r[0] for r in table.rows] == ["A", "A", "A", "B"]
    assert [r[1] for r in table.rows] == ["1", "2", "3", "1"]


def test_render_target_forms() -> None:
    dust = Target("", "dustfall", "<=", 2.2, "t/km²·月", 2023, indicator_label="降尘")
    assert render_target(dust) == "降尘≤2.2t/km²·月"
    cut = Target("", "coal", "decrease_by", 3, "%", 2025, baseline_year=2020, indicator_label="")
    assert render_target(cut) == "coal较2020年下降3%"
    good = Target("", "good_day_ratio", ">=", 83, "%", 2023, stretch_value=83.3, indicator_label="优良天数比率")
    assert render_target(good) == "优良天数比率≥83%（力争83.3%）"
    stretch_only = Target("", "x", ">=", None, "%", 2025, stretch_value=20, indicator_label="占比")
    assert render_target(stretch_only) == "占比力争≥20%"
    double = Target("", "x", "multiply_by", 2, "", 2025, baseline_year=2020, indicator_label="运量")
    assert render_target(double) == "运量较2020年增至2倍"
    about = Target("", "x", "~", 34, "%", 2025, indicator_label="比重")
    assert render_target(about) == "比重约34%"
    bare = Target("完成整治", "x", ">=", None, "", None)
    assert render_target(bare) == "完成整治"
    annex = Target("", "pm25", "<=", 35, "µg/m³", 2021, jurisdiction="南京市", source="附件1", indicator_label="PM2.5")
    assert render_target(annex) == "南京市：PM2.5≤35µg/m³"


def test_tasks_json_structured_form(suzhou: list[PlanTask]) -> None:
    data = tasks_json(_hand()[:1])
    (task,) = data
    assert task["plan"] == "A" and task["number"] == "1" and task["status"] == "in_progress"
    assert task["departments"][0] == {
        "name": "各区政府",
        "normalized": "各区人民政府",
        "role": "responsible",
        "implicit": True,
    }
    assert {(d["normalized"], d["role"]) for d in task["departments"]} >= {("市发展改革委", "cooperating")}
    assert task["deadlines"][0] == {"text": "6月底前", "start": None, "end": "2024-06-30", "recurring": None}
    assert task["targets"][0]["indicator"] == "pm25" and task["targets"][0]["stretch_value"] == 27
    seed_json = tasks_json(suzhou)
    assert len(seed_json) == 56
    json.loads(json.dumps(seed_json, ensure_ascii=False))  # plain JSON values only


# ------------------------------------------------------------------ responsibility matrix (责任矩阵)
def test_matrix_cells_strongest_role_and_totals() -> None:
    matrix = responsibility_matrix(_hand()[:3])
    assert matrix.title == "责任矩阵"
    assert matrix.columns == ["部门", "类别", "1", "2", "3", "牵头数", "配合数", "负责数"]
    rows = {r[0]: r[2:] for r in matrix.rows}
    assert matrix.rows[0][0] == "市发展改革委"  # on all three tasks
    assert rows["市发展改革委"] == ["配合", "配合", "配合", 0, 3, 0]
    assert rows["市生态环境局"] == ["牵头", "", "", 1, 0, 0]  # 牵头 beats 负责 on task 1
    assert rows["各区人民政府"] == ["负责", "负责", "", 0, 0, 2]
    assert rows["市住房和城乡建设局"] == ["", "牵头", "", 1, 0, 0]
    order = [r[0] for r in matrix.rows]
    # real departments first (count desc, then name), then the levels of government
    assert order == ["市发展改革委", "市住房和城乡建设局", "市生态环境局", "各区人民政府"]
    assert [r[1] for r in matrix.rows] == ["部门", "部门", "部门", "各级人民政府及管委会"]


def test_matrix_several_plans_and_responsible_beats_cooperating() -> None:
    tasks = _hand()
    tasks[3].task.departments.append(_dep("市生态环境局", "市生态环境局", Role.COOPERATING))
    matrix = responsibility_matrix(tasks)
    assert matrix.columns[2:6] == ["A #1", "A #2", "A #3", "B #1"]
    rows = {r[0]: r[2:] for r in matrix.rows}
    assert rows["市生态环境局"] == ["牵头", "", "", "负责", 1, 0, 1]


def test_matrix_on_the_seed(suzhou: list[PlanTask]) -> None:
    matrix = responsibility_matrix(suzhou)
    assert len(matrix.columns) == 2 + 56 + 3
    rows = {r[0]: r for r in matrix.rows}
    kinds = [r[1] for r in matrix.rows]
    assert kinds == sorted(kinds, key=["部门", "各级人民政府及管委会", "统称"].index)  # the kinds apart, in order
    levels = [r[0] for r in matrix.rows if r[1] == "各级人民政府及管委会"]
    assert levels[0] == IMPLICIT_COUNTIES  # on all 56 rows
    assert rows[IMPLICIT_COUNTIES][-3:] == [0, 0, 56]
    assert rows["市生态环境局"][1] == "部门"
    eco = rows["市生态环境局"]
    assert eco[6] == "牵头"  # row 5: 市生态环境局牵头
    assert rows["市发展改革委"][6] == "配合" and rows["市工业和信息化局"][6] == "配合"
    assert eco[-3] == sum(1 for cell in eco[2:-3] if cell == "牵头")


# ------------------------------------------------------------------ deadline calendar (时限日历)
def test_calendar_order_overdue_undated_last() -> None:
    calendar = deadline_calendar(_hand(), dt.date(2024, 7, 1))
    assert calendar.title == "时限日历"
    assert set(calendar.columns) == {
        "截止日期",
        "开始日期",
        "时限原文",
        "周期",
        "计划",
        "序号",
        "任务",
        "牵头/责任单位",
        "状态",
        "是否逾期",
    }
    records = calendar.records()
    keys = [(r["截止日期"], r["计划"], r["序号"]) for r in records]
    assert keys == [
        ("2024-03-31", "A", "3"),
        ("2024-03-31", "B", "1"),
        ("2024-06-30", "A", "1"),  # the duplicate 6月底前 appears once
        ("2024-12-31", "A", "2"),
        ("", "A", "2"),  # the recurring duty has no date: last
    ]
    assert [r["是否逾期"] for r in records] == ["否", "是", "是", "否", "否"]  # A #3 is completed
    assert [r["状态"] for r in records] == ["已完成", "滞后", "推进中", "未启动", "未启动"]
    assert records[1]["开始日期"] == "2024-01-01"
    assert records[2]["牵头/责任单位"] == "市生态环境局、各区政府"
    assert records[2]["任务"] == "锅炉整治"
    recurring = records[-1]
    assert recurring["时限原文"] == "每月至少开展2次" and recurring["开始日期"] == ""
    assert str(recurring["周期"]).startswith("每月2次") and "monthly:2" in str(recurring["周期"])
    assert all(r["周期"] == "" for r in records[:-1])
    # as of an earlier day nothing is overdue yet
    early = deadline_calendar(_hand(), dt.date(2024, 1, 1)).records()
    assert {r["是否逾期"] for r in early} == {"否"}


def test_render_recurring() -> None:
    assert render_recurring(None) == ""
    assert render_recurring("quarterly:1") == "每季度1次 (quarterly:1)"
    assert render_recurring("odd") == "odd"


def test_calendar_on_the_seed(suzhou: list[PlanTask]) -> None:
    records = deadline_calendar(suzhou, dt.date(2025, 1, 1)).records()
    dated = [str(r["截止日期"]) for r in records if r["截止日期"]]
    assert dated and dated == sorted(dated)
    assert all(not r["截止日期"] for r in records[len(dated) :])
    assert all(
        r["是否逾期"] == ("是" if r["截止日期"] and str(r["截止日期"]) < "2025-01-01" else "否") for r in records
    )
    assert any(r["是否逾期"] == "是" for r in records) and any(r["周期"] for r in records)


# ------------------------------------------------------------------ writers
def _sample() -> TableData:
    long = "推进燃煤锅炉关停整合，" * 12
    return TableData("任务清单", ["序号", "具体内容", "数"], [["1", long, 3], ["2", "=SUM(A1)", None]])


def test_csv_has_bom_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "tasks.csv"
    write_table(_sample(), path, "csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" not in raw
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [["序号", "具体内容", "数"], ["1", "推进燃煤锅炉关停整合，" * 12, "3"], ["2", "=SUM(A1)", ""]]


def test_csv_to_a_stream_has_no_bom() -> None:
    stream = io.StringIO()
    write_table(_sample(), stream, "csv")
    assert stream.getvalue().startswith("序号,具体内容,数\n")


def test_xlsx_reads_back_with_header_styling(tmp_path: Path) -> None:
    path = tmp_path / "tasks.xlsx"
    write_table(_sample(), path, "xlsx")
    ws = load_workbook(path).active
    assert ws is not None
    assert ws.title == "任务清单"
    assert [c.value for c in ws[1]] == ["序号", "具体内容", "数"]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws["B2"].value == "推进燃煤锅炉关停整合，" * 12 and ws["B2"].alignment.wrap_text
    assert ws["C2"].value == 3
    assert ws["B3"].value == "=SUM(A1)" and ws["B3"].data_type == "s"  # text, not a formula
    widths = {k: ws.column_dimensions[k].width for k in "ABC"}
    assert widths["B"] == 60  # capped
    assert widths["A"] < widths["B"]


def test_xlsx_width_counts_cjk_double(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    write_table(TableData("宽度", ["a", "b"], [["锅炉锅炉锅炉锅炉", "abcdefgh"]]), path, "xlsx")
    ws = load_workbook(path).active
    assert ws is not None
    assert ws.column_dimensions["A"].width > ws.column_dimensions["B"].width


def test_json_reads_back(tmp_path: Path, suzhou: list[PlanTask]) -> None:
    path = tmp_path / "tasks.json"
    write_table(task_table(suzhou), path, "json")
    text = path.read_text(encoding="utf-8")
    assert "市生态环境局" in text  # ensure_ascii=False
    data = json.loads(text)
    assert len(data) == 56 and list(data[0]) == TASK_COLUMNS
    assert data[4]["牵头单位"] == "市生态环境局"


def test_writer_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        write_table(_sample(), io.StringIO(), "xlsx")
    with pytest.raises(InputError):
        write_table(_sample(), tmp_path / "x.pdf", "pdf")
    missing = tmp_path / "no-such-dir" / "x.csv"
    with pytest.raises(InputError) as err:
        write_table(_sample(), missing, "csv")
    assert err.value.file == str(missing) and err.value.field == "output"
    with pytest.raises(InputError):
        write_table(_sample(), tmp_path / "no-such-dir" / "x.xlsx", "xlsx")


def test_format_for() -> None:
    assert FORMATS == ("xlsx", "csv", "json")
    assert format_for(Path("out/任务.XLSX"), None) == "xlsx"
    assert format_for(Path("a.csv"), None) == "csv"
    assert format_for(None, "JSON") == "json"
    assert format_for(Path("a.txt"), "csv") == "csv"
    with pytest.raises(InputError) as err:
        format_for(Path("a.pdf"), None)
    assert err.value.file == "a.pdf" and err.value.field == "format" and "pdf" in str(err.value)
    with pytest.raises(InputError):
        format_for(None, None)
    with pytest.raises(InputError):
        format_for(Path("a.csv"), "docx")
    with pytest.raises(InputError, match="xlsx"):
        format_for(Path("a.xlsx"), "csv")  # contradicts the suffix
