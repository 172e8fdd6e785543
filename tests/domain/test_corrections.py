"""Reviewers' corrections of flagged extractions (复核更正), applied to parsed plans: seeds and hand cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from lantian.domain.plans.corrections import Correction, apply_correction, flag_key, parse_level, part_at
from lantian.domain.plans.departments import DepartmentDictionary
from lantian.domain.plans.model import (
    Deadline,
    Department,
    Level,
    ParsedPlan,
    PlanMeta,
    ReviewFlag,
    Role,
    Source,
    SubTask,
    Target,
    Task,
)
from lantian.errors import InputError

DICT = DepartmentDictionary.load_default()


def flag_of(plan: ParsedPlan, field: str, task: str | None = None) -> ReviewFlag:
    return next(f for f in plan.all_flags() if f.field == field and (task is None or f.task_number == task))


def test_a_task_without_a_clause_gets_its_units(seed: Callable[[str], ParsedPlan]) -> None:
    plan = seed("001")
    flag = flag_of(plan, "departments", "34")
    before = next(t for t in plan.tasks if t.number == "34")
    assert all(d.implicit for d in before.departments)  # only the 不再列出 units
    correction = Correction("departments", lead=("市大气办",), cooperating=("发改委",))
    fixed = apply_correction(plan, flag, correction, DICT)
    task = next(t for t in fixed.tasks if t.number == "34")
    assert [(d.name, d.normalized, d.role) for d in task.departments if not d.implicit] == [
        ("市大气办", "市大气办", Role.LEAD),
        ("市发改委", "市发展改革委", Role.COOPERATING),  # the city plan's 市 restored, then the dictionary
    ]
    assert [d.normalized for d in task.departments if d.implicit] == [d.normalized for d in before.departments]
    assert before.departments == next(t for t in plan.tasks if t.number == "34").departments  # the input is kept


def test_a_target_without_an_indicator_is_read_again(seed: Callable[[str], ParsedPlan]) -> None:
    plan = seed("004")
    flag = flag_of(plan, "target")
    assert flag.text == "到2020年达到40%以上"
    fixed = apply_correction(plan, flag, Correction("target", text="城市建成区绿化覆盖率到2020年达到40%以上"), DICT)
    task = next(t for t in fixed.tasks if t.number == flag.task_number)
    added = [x for x in task.targets if x.indicator == "建成区绿化覆盖率"]
    assert [(x.comparator, x.value, x.unit, x.year) for x in added] == [(">=", 40.0, "%", 2020)]
    with pytest.raises(InputError, match="指标不明") as err:  # the same words again are refused
        apply_correction(plan, flag, Correction("target", text="到2020年达到40%以上"), DICT)
    assert err.value.field == "text"


def test_the_plan_metadata_and_a_new_year(seed: Callable[[str], ParsedPlan]) -> None:
    plan = seed("002")
    flag = flag_of(plan, "meta")
    assert plan.meta.jurisdiction is None and plan.meta.year == 2024
    fixed = apply_correction(plan, flag, Correction("meta", jurisdiction="连云港经济技术开发区"), DICT)
    assert (fixed.meta.jurisdiction, fixed.meta.level, fixed.meta.year) == (
        "连云港经济技术开发区",
        plan.meta.level,
        2024,
    )
    # 001 is a 2023 plan: read as a 2024 one, 6月底前 and 年内 move a year; 2023年底前 does not
    plan = seed("001")
    meta = ReviewFlag("meta", "plan year inferred", 1)
    moved = apply_correction(plan, meta, Correction("meta", year=2024, level=Level.CITY), DICT)
    old = {d.text: d.end for t in plan.tasks for d in t.all_deadlines()}
    new = {d.text: d.end for t in moved.tasks for d in t.all_deadlines()}
    assert (old["6月底前"], new["6月底前"]) == (dt.date(2023, 6, 30), dt.date(2024, 6, 30))
    assert (old["年内"], new["年内"]) == (dt.date(2023, 12, 31), dt.date(2024, 12, 31))
    assert (old["秋冬季期间"], new["秋冬季期间"]) == (dt.date(2024, 3, 31), dt.date(2025, 3, 31))
    assert old["2023年底前"] == new["2023年底前"] == dt.date(2023, 12, 31)
    pm25 = [x for x in moved.targets if x.indicator == "pm25" and x.text.startswith("全市PM2.5浓度达到28")]
    assert [x.year for x in pm25] == [2024]  # read against the plan year too
    assert moved.meta.level is Level.CITY


def _plan() -> ParsedPlan:
    sub = SubTask("1.1", "加快淘汰国三柴油货车", source=Source(10, 11))
    task = Task(
        "1",
        "调整运输结构",
        "……",
        subtasks=[sub, SubTask("1.2", "推进铁路专用线建设", source=Source(12, 12))],
        departments=[Department("各县级市（区）人民政府", "各县级市（区）人民政府", Role.RESPONSIBLE, implicit=True)],
        deadlines=[Deadline("年底前", None, dt.date(2024, 12, 31))],
        targets=[Target("PM2.5浓度降至30", "pm25", "<=", 30.0, "µg/m³", 2024)],
    )
    return ParsedPlan(meta=PlanMeta("计划", jurisdiction="苏州市", year=2024), tasks=[task])


def test_a_sub_task_is_corrected_alone() -> None:
    plan = _plan()
    assert [part_at(plan.tasks[0], line) for line in (9, 10, 11, 12, 13)] == [None, "1.1", "1.1", "1.2", None]
    assert part_at(None, 10) is None
    flag = ReviewFlag("departments", "sub-task without a responsibility clause (分项缺少责任分工)", 10, "加快", "1")
    fixed = apply_correction(plan, flag, Correction("departments", part="1.1", responsible=("市公安局",)), DICT)
    assert [(d.normalized, d.role) for d in fixed.tasks[0].subtasks[0].departments] == [("市公安局", Role.RESPONSIBLE)]
    assert fixed.tasks[0].subtasks[1].departments == [] and fixed.tasks[0].departments == plan.tasks[0].departments
    deadline = ReviewFlag("deadline", "deadline not understood (时限无法解析): 适时", 12, "适时", "1")
    fixed = apply_correction(plan, deadline, Correction("deadline", part="1.2", text="9月底前"), DICT)
    assert [(d.text, d.end) for d in fixed.tasks[0].subtasks[1].deadlines] == [("9月底前", dt.date(2024, 9, 30))]


@pytest.mark.parametrize(
    ("flag", "correction", "field", "message"),
    [
        (ReviewFlag("annex", "附件8 is cut off", 1), Correction("annex"), "field", "只能确认"),
        (ReviewFlag("number", "row without a number", 1, "", "1"), Correction("number"), "field", "只能确认"),
        (ReviewFlag("deadline", "…", 1, "适时", "1"), Correction("target", text="x"), "field", "更正字段不符"),
        (ReviewFlag("deadline", "…", 1, "适时", "9"), Correction("deadline", text="6月底前"), "task", "没有该任务"),
        (ReviewFlag("deadline", "…", 1, "适时", "1"), Correction("deadline", part="1.9", text="6月底前"), "part",
         "1.1、1.2"),
        (ReviewFlag("deadline", "…", 1, "适时", "1"), Correction("deadline", text="尽快"), "text", "时限无法解析"),
        (ReviewFlag("departments", "…", 1, "", "1"), Correction("departments"), "lead", "至少|牵头、负责或配合"),
        (ReviewFlag("departments", "…", 1, "", "1"),
         Correction("departments", lead=("市发改委",), cooperating=("市发展改革委",)), "cooperating", "只能有一种职责"),
        (ReviewFlag("meta", "jurisdiction not found", 1), Correction("meta"), "jurisdiction", "辖区、级别或年度"),
    ],
)  # fmt: skip
def test_corrections_that_do_not_fit_are_refused(
    flag: ReviewFlag, correction: Correction, field: str, message: str
) -> None:
    with pytest.raises(InputError, match=message) as err:
        apply_correction(_plan(), flag, correction, DICT)
    assert err.value.field == field


def test_the_stored_and_submitted_forms() -> None:
    c = Correction.from_dict(
        {"field": "departments", "part": " 1.1 ", "lead": "市发改委、 市工信局，市住建局", "cooperating": []}
    )
    assert c == Correction("departments", part="1.1", lead=("市发改委", "市工信局", "市住建局"))
    assert Correction.from_dict(c.to_dict()) == c
    assert Correction.from_dict({"field": "departments", "lead": [" ", "市发改委", "市发改委 "]}).lead == ("市发改委",)
    assert c.summary() == "子任务 1.1；牵头：市发改委、市工信局、市住建局"
    assert Correction("meta", level=Level.DISTRICT, year=2025).summary() == "级别：区级；年度：2025"
    meta = Correction.from_dict({"field": "meta", "level": "区", "year": "2025"})
    assert (meta.level, meta.year) == (Level.DISTRICT, 2025) and Correction.from_dict(meta.to_dict()) == meta
    assert parse_level("市级") is Level.CITY and parse_level("county") is Level.COUNTY
    with pytest.raises(InputError, match="级别"):
        parse_level("乡")
    with pytest.raises(InputError, match="2000–2100") as err:
        Correction.from_dict({"field": "meta", "year": "二〇二五"})
    assert err.value.field == "year"
    flag = ReviewFlag("target", "target without an indicator (指标不明)", 120, "到2020年达到40%以上", "（十九）")
    assert flag_key(flag) == flag_key(ReviewFlag(flag.field, flag.message, 121, flag.text, flag.task_number))
