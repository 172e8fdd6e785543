"""The parser on small hand-written documents: layouts, overrides and structural errors."""

from __future__ import annotations

import datetime as dt

import pytest

from lantian.documents.read import read_text_bytes
from lantian.domain.plans.model import Level, Role
from lantian.domain.plans.parser import parse_plan, trailing_clause
from lantian.errors import StructureError


def doc(text: str, name: str = "plan.txt"):  # type: ignore[no-untyped-def]
    return read_text_bytes(text.encode("utf-8"), name=name)


TABLE = "\n".join(
    [
        "重点工作任务分解表",
        "\t序号",
        "\t重点工作任务",
        "\t责任分工",
        "",
        "\t1",
        "\t治理扬尘",
        "\t6月底前完成工地围挡。",
        "\t区住建局牵头，区城管局、各街道配合。",
        "",
        "\t2",
        "\t",
        "\t每月至少开展2次夜查。",
        "\t区城管局负责。",
        "",
    ]
)


def test_task_table_minimal() -> None:
    plan = parse_plan(doc(TABLE), overrides={"year": 2025, "jurisdiction": "海州区"})
    assert plan.meta.year == 2025 and plan.meta.jurisdiction == "海州区"
    assert plan.meta.level is Level.DISTRICT
    first, second = plan.tasks
    assert [(d.normalized, d.role) for d in first.departments] == [
        ("区住房和城乡建设局", Role.LEAD),
        ("区城市管理局", Role.COOPERATING),
        ("各街道", Role.COOPERATING),
    ]
    assert first.deadlines[0].end == dt.date(2025, 6, 30)
    assert second.category == "治理扬尘"
    assert second.deadlines[0].recurring == "monthly:2"


def test_office_layout_with_role_columns() -> None:
    text = "\n".join(
        [
            "\t序号\n\t重点工作任务\n\t具体内容\n\t牵头单位\n\t配合单位\n\t责任单位\n\t完成时限\n\t目标值",
            "",
            "\t1\n\t控煤\n\t压减燃煤。\n\t市发改委\n\t市工信局、市生态环境局\n\t\n\t2024年底前\n\t煤炭消费量较2020年下降3%",
            "",
        ]
    )
    plan = parse_plan(doc(text), overrides={"year": 2024})
    (task,) = plan.tasks
    assert [(d.normalized, d.role.value) for d in task.departments] == [
        ("市发展改革委", "lead"),
        ("市工业和信息化局", "cooperating"),
        ("市生态环境局", "cooperating"),
    ]
    assert [(d.text, d.end) for d in task.deadlines] == [("2024年底前", dt.date(2024, 12, 31))]
    assert [(t.comparator, t.value, t.baseline_year) for t in task.targets] == [("decrease_by", 3.0, 2020)]


def test_table_without_responsibility_column_names_file_line_and_field() -> None:
    text = "附件\n\t序号\n\t重点工作任务\n\t具体内容\n\n\t1\n\t控煤\n\t压减燃煤。\n"
    with pytest.raises(StructureError) as err:
        parse_plan(doc(text, name="bad.txt"))
    e = err.value
    assert (e.file, e.line, e.field) == ("bad.txt", 2, "责任分工")
    assert "bad.txt:2: 责任分工" in str(e)


def test_truncated_task_table_is_an_error_with_its_line() -> None:
    text = TABLE + "\n\t3\n\t\n\t加强巡查。\n"  # the last row lost its 责任分工 cell
    with pytest.raises(StructureError) as err:
        parse_plan(doc(text, name="cut.txt"))
    assert err.value.line == 16
    assert "truncated" in str(err.value)


def test_text_that_is_not_a_plan() -> None:
    with pytest.raises(StructureError, match="no tasks or targets"):
        parse_plan(doc("会议纪要\n今天开会讨论了天气。\n"))


def test_unknown_level_override() -> None:
    with pytest.raises(StructureError, match="unknown level"):
        parse_plan(doc(TABLE), overrides={"level": "village"})


def test_trailing_clause() -> None:
    assert trailing_clause("完成改造。（市生态环境局牵头）") == ("市生态环境局牵头", 5)
    assert trailing_clause("完成改造（含自备电厂）。") is None  # brackets without a role word
    assert trailing_clause("推进（市交通局、发改委牵头，各县级市（区）人民政府负责落实)")[0].endswith("负责落实")  # type: ignore[index]


def test_numbered_prose_minimal() -> None:
    text = "\n".join(
        [
            "某市2024年大气污染防治工作计划",
            "一、工作目标",
            "2024年，全市PM2.5浓度达到30微克/立方米。",
            "二、重点任务",
            "**1. 控煤。**压减燃煤。（市发改委牵头，市工信局配合。以下均需各区负责落实，不再列出）",
            "**2. 控车。**淘汰老旧车。（市公安局、交通局按职责分工负责）",
            "推广新能源车。（市工信局牵头）",
        ]
    )
    plan = parse_plan(doc(text))
    assert plan.meta.year == 2024
    assert [t.title for t in plan.tasks] == ["控煤", "控车"]
    second = plan.tasks[1]
    assert [s.number for s in second.subtasks] == ["2.1", "2.2"]
    assert [d.normalized for d in second.subtasks[0].departments] == ["市公安局", "市交通运输局"]
    assert [(d.normalized, d.implicit) for d in second.departments] == [("各区", True)]
    assert [(t.indicator, t.value) for t in plan.targets] == [("pm25", 30.0)]
