"""The five seed plans, checked against what a person reads in them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from lantian.domain.plans.model import Department, Level, ParsedPlan, Role, Task

Seed = Callable[[str], ParsedPlan]


def names(departments: list[Department], role: Role, *, implicit: bool | None = None) -> list[str]:
    return [d.normalized for d in departments if d.role is role and (implicit is None or d.implicit is implicit)]


def task(plan: ParsedPlan, number: str) -> Task:
    return next(t for t in plan.tasks if t.number == number)


# -- 000: Suzhou task table -----------------------------------------------------------------


def test_000_has_56_rows_in_order(seed: Seed) -> None:
    plan = seed("000")
    assert plan.meta.style == "table"
    assert [t.number for t in plan.tasks] == [str(i) for i in range(1, 57)]


def test_000_row_1_responsible_and_implicit_on_every_row(seed: Seed) -> None:
    plan = seed("000")
    row1 = task(plan, "1")
    assert names(row1.departments, Role.RESPONSIBLE, implicit=False) == [
        "市发展改革委",
        "市工业和信息化局",
        "市生态环境局",
        "市数据局",
        "市交通运输局",
        "各县级市（区）人民政府（管委会）",
    ]
    # as written, with the prefix kept
    assert [d.name for d in row1.departments][:5] == ["市发改委", "市工信局", "市生态环境局", "市数据局", "市交通局"]
    for t in plan.tasks[1:]:
        implicit = [d for d in t.departments if d.implicit]
        assert [d.normalized for d in implicit] == ["各县级市（区）人民政府（管委会）"], t.number
        assert implicit[0].role is Role.RESPONSIBLE


def test_000_row_5_lead_and_cooperating(seed: Seed) -> None:
    row5 = task(seed("000"), "5")
    assert names(row5.departments, Role.LEAD) == ["市生态环境局"]
    assert names(row5.departments, Role.COOPERATING) == ["市发展改革委", "市工业和信息化局"]


def test_000_blank_category_continues_the_row_above(seed: Seed) -> None:
    plan = seed("000")
    assert task(plan, "1").category == "坚决遏制高耗能、高排放、低水平项目盲目上马"
    assert task(plan, "2").category == task(plan, "1").category
    assert task(plan, "5").category == "推进园区、产业集群绿色低碳化改造与综合整治"


def test_000_category_broken_across_lines_is_joined(seed: Seed) -> None:
    plan = seed("000")
    assert task(plan, "38").category == "完善重污染天气应对机制"
    assert task(plan, "39").category == "完善重污染天气应对机制"
    assert task(plan, "45").category == "加强决策科技支撑"


def test_000_units_and_shared_prefix(seed: Seed) -> None:
    plan = seed("000")
    row13 = task(plan, "13")
    assert "沿江三市直属海事局" in names(row13.departments, Role.RESPONSIBLE)
    row22 = task(plan, "22")
    # 市交通局牵头，市生态环境局、沿江三市直属海事局、市场监管局等配合: 市场监管局 takes the 市 prefix
    assert names(row22.departments, Role.LEAD) == ["市交通运输局"]
    assert "市市场监管局" in names(row22.departments, Role.COOPERATING)
    row51 = task(plan, "51")
    assert names(row51.departments, Role.LEAD) == ["人行苏州市分行"]
    assert "苏州海关" in names(task(plan, "6").departments, Role.RESPONSIBLE)


def test_000_deadlines_and_targets(seed: Seed) -> None:
    plan = seed("000")
    assert plan.meta.year == 2024  # inferred, and flagged for review
    assert any("plan year inferred" in f.message for f in plan.flags)
    row9 = task(plan, "9")
    assert [(d.text, d.end) for d in row9.deadlines] == [("到2025年", dt.date(2025, 12, 31))]
    coal = next(t for t in row9.targets if "煤炭消费量" in t.indicator_label)
    assert (coal.comparator, coal.value, coal.unit, coal.baseline_year, coal.year) == (
        "decrease_by",
        3.0,
        "%",
        2020,
        2025,
    )
    row15 = task(plan, "15")
    ev = next(t for t in row15.targets if t.indicator_label == "新能源汽车比例")
    assert (ev.comparator, ev.value, ev.unit) == (">=", 80.0, "%")
    promoted = next(t for t in row15.targets if t.indicator_label == "推广应用新能源汽车")
    assert (promoted.comparator, promoted.value, promoted.unit, promoted.year) == (">=", 16.0, "万辆", 2024)
    row13 = task(plan, "13")
    doubled = next(t for t in row13.targets if t.comparator == "multiply_by")
    assert (doubled.indicator_label, doubled.value, doubled.baseline_year) == ("内河集装箱运量", 2.0, 2020)


# -- 002: Lianyungang development-zone task table -------------------------------------------


def test_002_has_45_rows_district_departments(seed: Seed) -> None:
    plan = seed("002")
    assert len(plan.tasks) == 45
    assert plan.meta.level is Level.DISTRICT
    row1 = task(plan, "1")
    assert names(row1.departments, Role.RESPONSIBLE) == ["区经济发展局", "区行政审批局", "区生态环境分局"]
    row6 = task(plan, "6")
    assert names(row6.departments, Role.LEAD) == ["市交通运输综合行政执法支队二大队"]
    assert names(row6.departments, Role.COOPERATING) == ["区生态环境分局", "各街道"]
    row33 = task(plan, "33")
    assert names(row33.departments, Role.RESPONSIBLE) == ["交警开发区大队", "区生态环境分局"]


def test_002_repeated_category_cell_is_collapsed(seed: Seed) -> None:
    assert task(seed("002"), "34").category == "持续加强监测和执法监管能力建设"


def test_002_jurisdiction_is_left_for_review(seed: Seed) -> None:
    plan = seed("002")
    assert plan.meta.jurisdiction is None
    assert any(f.field == "meta" and "jurisdiction" in f.message for f in plan.all_flags())


# -- 001: Suzhou 2023 numbered prose --------------------------------------------------------


def test_001_metadata(seed: Seed) -> None:
    meta = seed("001").meta
    assert meta.title == "苏州市2023年大气污染防治工作计划"
    assert meta.issuer == "苏州市大气污染防治专项工作领导小组办公室"
    assert meta.doc_number == "苏气办〔2023〕16号"
    assert meta.issued_on == dt.date(2023, 4, 28)
    assert (meta.level, meta.jurisdiction, meta.year) == (Level.CITY, "苏州市", 2023)


def test_001_has_36_numbered_items_with_bold_titles(seed: Seed) -> None:
    plan = seed("001")
    assert [t.number for t in plan.tasks] == [str(i) for i in range(1, 37)]
    assert task(plan, "1").title == "优化产业结构"
    assert task(plan, "10").title == "开展臭氧“夏病冬治”"
    assert task(plan, "1").section_path == ["二、重点任务", "（一）优化结构布局，加快推进产业绿色低碳转型"]
    # headings written as ## / #### / plain text are the same level
    assert task(plan, "4").section_path[-1].startswith("（二）聚焦重点领域")
    assert task(plan, "10").section_path[-1].startswith("（三）突出整治重点")
    assert task(plan, "19").section_path[-1].startswith("（四）强化监督管理")


def test_001_item_1_has_one_subtask_per_clause(seed: Seed) -> None:
    item = task(seed("001"), "1")
    assert [s.number for s in item.subtasks] == ["1.1", "1.2", "1.3"]
    first, second, third = item.subtasks
    # the page break inside 对“两高”项目实行清单管理、/分类处置 is joined back
    assert "清单管理、分类处置、动态监控" in first.text
    assert names(first.departments, Role.RESPONSIBLE) == [
        "市发展改革委",
        "市工业和信息化局",
        "市生态环境局",
        "各县级市（区）人民政府",
        "苏州工业园区",
        "太仓港口管委会",
    ]
    assert names(second.departments, Role.RESPONSIBLE) == [
        "市工业和信息化局",
        "市发展改革委",
        "市市场监管局",
        "市生态环境局",
    ]
    assert [(d.text, d.end) for d in third.deadlines] == [("2023年底前", dt.date(2023, 12, 31))]


def test_001_implicit_departments_from_以下均需各地落实(seed: Seed) -> None:
    plan = seed("001")
    item1 = task(plan, "1")
    assert not any(d.implicit for d in item1.departments)
    for t in plan.tasks[1:]:
        assert names(t.departments, Role.RESPONSIBLE, implicit=True) == [
            "各县级市（区）人民政府",
            "苏州工业园区",
            "太仓港口管委会",
        ], t.number


def test_001_clause_split_by_a_page_break(seed: Seed) -> None:
    item3 = task(seed("001"), "3")
    # （市交通局、发改 / 委牵头，市工信局、生态环境局按职责分工配合）
    assert names(item3.subtasks[0].departments, Role.LEAD) == ["市交通运输局", "市发展改革委"]
    assert names(item3.subtasks[0].departments, Role.COOPERATING) == ["市工业和信息化局", "市生态环境局"]


def test_001_deadlines_resolve_against_the_plan_year(seed: Seed) -> None:
    item4 = task(seed("001"), "4")
    deadlines = {(d.text, d.end) for d in item4.all_deadlines()}
    assert ("6月底前", dt.date(2023, 6, 30)) in deadlines
    assert ("年内", dt.date(2023, 12, 31)) in deadlines
    item10 = task(seed("001"), "10")
    assert ("2023年4月底前", dt.date(2023, 4, 30)) in {(d.text, d.end) for d in item10.all_deadlines()}


def test_001_document_targets(seed: Seed) -> None:
    targets = {t.indicator: t for t in seed("001").targets}
    pm25 = targets["pm25"]
    assert (pm25.comparator, pm25.value, pm25.unit, pm25.year, pm25.stretch_value) == ("<=", 28.0, "µg/m³", 2023, 27.0)
    good = targets["good_day_ratio"]
    assert (good.comparator, good.value, good.unit, good.stretch_value) == (">=", 83.0, "%", 83.3)
    dust = targets["dustfall"]
    assert (dust.comparator, dust.value, dust.unit, dust.stretch_value) == ("<=", 2.2, "t/km²·月", None)
    assert all(t.jurisdiction == "苏州市" for t in targets.values())


def test_001_items_without_clause_are_flagged_not_guessed(seed: Seed) -> None:
    plan = seed("001")
    flagged = {f.task_number for f in plan.all_flags() if f.field == "departments"}
    assert flagged == {"33", "34", "35", "36"}
    assert names(task(plan, "33").departments, Role.RESPONSIBLE, implicit=True)


# -- 004: Haimen three-year plan, （一）…（三十八） ------------------------------------------


def test_004_items_and_metadata(seed: Seed) -> None:
    plan = seed("004")
    assert len(plan.tasks) == 38
    assert plan.tasks[0].number == "（一）" and plan.tasks[-1].number == "（三十八）"
    assert plan.meta.title == "海门市打赢蓝天保卫战三年行动计划实施方案"
    assert (plan.meta.issuer, plan.meta.issued_on) == ("海门市人民政府", dt.date(2019, 4, 10))
    assert (plan.meta.level, plan.meta.jurisdiction) == (Level.COUNTY, "海门市")
    assert task(plan, "（三）").title == "严格生态敏感区域产业准入"


def test_004_item_5_has_three_subtasks(seed: Seed) -> None:
    item = task(seed("004"), "（五）")
    assert [s.number for s in item.subtasks] == ["（五）1", "（五）2", "（五）3"]
    assert names(item.subtasks[0].departments, Role.LEAD) == ["市生态环境局"]
    assert names(item.subtasks[0].departments, Role.COOPERATING) == ["市发展改革委", "市自然资源局", "市应急管理局"]
    assert "供电公司" in names(item.subtasks[1].departments, Role.COOPERATING)
    assert names(item.departments, Role.RESPONSIBLE, implicit=True) == ["各区镇人民政府（管委会）"]


def test_004_targets_in_item_2(seed: Seed) -> None:
    got = {
        (t.indicator, t.comparator, t.value, t.unit, t.year, t.baseline_year, t.stretch_value)
        for t in seed("004").targets
    }
    assert got == {
        ("so2_reduction", "decrease_by", 20.0, "%", 2020, 2015, None),
        ("nox_reduction", "decrease_by", 20.0, "%", 2020, 2015, None),
        ("voc_reduction", "decrease_by", 20.0, "%", 2020, 2015, None),
        ("pm25", "<=", 35.0, "µg/m³", 2020, None, 33.0),
        ("good_day_ratio", ">=", 80.0, "%", 2020, None, 81.0),
        ("heavy_day_ratio", "decrease_by", 25.0, "%", 2020, 2015, None),
    }


def test_004_ascii_comma_in_clause(seed: Seed) -> None:
    item = task(seed("004"), "（三十一）")
    last = item.subtasks[-1]
    # （编办、生态环境局牵头,人社局、财政局参与）
    assert names(last.departments, Role.LEAD) == ["编办", "市生态环境局"]
    assert names(last.departments, Role.COOPERATING) == ["市人力资源和社会保障局", "市财政局"]


# -- 003: Jiangsu 2021 provincial plan with annexes -----------------------------------------


def test_003_tasks_32_numbered_then_sections(seed: Seed) -> None:
    plan = seed("003")
    numbers = [t.number for t in plan.tasks]
    assert numbers[:32] == [str(i) for i in range(1, 33)]
    assert numbers[32:37] == ["三（一）", "三（二）", "三（三）", "三（四）", "三（五）"]  # 五项重点
    assert numbers[37:] == ["四（一）", "四（二）", "四（三）", "四（四）"]  # 保障措施
    assert task(plan, "三（四）").title == "实施三大行动"
    assert len(task(plan, "三（四）").subtasks) == 5


def test_003_metadata_and_implicit(seed: Seed) -> None:
    plan = seed("003")
    assert plan.meta.title == "江苏省2021年大气污染防治工作计划"
    assert plan.meta.issuer == "江苏省大气污染防治联席会议办公室"
    assert (plan.meta.level, plan.meta.jurisdiction, plan.meta.year) == (Level.PROVINCE, "江苏省", 2021)
    assert names(task(plan, "1").departments, Role.RESPONSIBLE) == [
        "省生态环境厅",
        "省发展改革委",
        "省工业和信息化厅",
    ]
    assert names(task(plan, "2").departments, Role.RESPONSIBLE, implicit=True) == ["地方各级人民政府"]


def test_003_document_targets_split_with_分别(seed: Seed) -> None:
    text_targets = {t.indicator: t for t in seed("003").targets if t.source == "text"}
    assert (text_targets["pm25"].value, text_targets["good_day_ratio"].value) == (37.0, 81.3)
    voc, nox = text_targets["voc_reduction"], text_targets["nox_reduction"]
    assert (voc.comparator, voc.value, voc.baseline_year) == ("decrease_by", 10.0, 2020)
    assert (nox.comparator, nox.value, nox.baseline_year) == ("decrease_by", 8.0, 2020)


def test_003_annex_1_and_2_targets(seed: Seed) -> None:
    targets = seed("003").targets
    a1 = {(t.jurisdiction, t.indicator): t.value for t in targets if t.source == "附件1"}
    assert len(a1) == 28  # 13 cities and the province × 2 indicators
    assert a1[("南京市", "pm25")] == 31.0
    assert a1[("苏州市", "good_day_ratio")] == 84.4
    assert a1[("江苏省", "pm25")] == 37.0
    a2 = {(t.jurisdiction, t.indicator): t for t in targets if t.source == "附件2"}
    assert len({j for j, _ in a2}) == 54
    assert a2[("南京市·江宁", "pm25")].value == 32.0
    assert a2[("南通市·海门", "good_day_ratio")].value == 85.3
    assert a2[("宿迁市·泗阳", "good_day_ratio")].value == 84.0  # written "84"
    assert a2[("宿迁市·沭阳", "pm25")].comparator == "<="
    assert a2[("宿迁市·沭阳", "good_day_ratio")].comparator == ">="


def test_003_annex_3_and_5(seed: Seed) -> None:
    targets = seed("003").targets
    a3 = [t for t in targets if t.source == "附件3"]
    assert len(a3) == 28
    nanjing_voc = next(t for t in a3 if t.jurisdiction == "南京市" and t.indicator == "voc_reduction")
    assert (nanjing_voc.comparator, nanjing_voc.value, nanjing_voc.unit, nanjing_voc.baseline_year) == (
        "decrease_by",
        10.0,
        "%",
        2020,
    )
    a5 = {t.jurisdiction: t for t in targets if t.source == "附件5"}
    assert len(a5) == 14
    assert (a5["苏州市"].value, a5["苏州市"].unit, a5["苏州市"].comparator) == (2.2, "t/km²·月", "<=")
    assert a5["江苏省"].value == 3.4


def test_003_annex_8_truncation_is_reported(seed: Seed) -> None:
    plan = seed("003")
    annex8 = next(a for a in plan.annexes if a.number == "附件8")
    assert annex8.truncated
    assert [r[0] for r in annex8.rows] == ["南京", "无锡", "徐州", "常州", "苏州", "南通", "连云港", "淮安", "盐城"]
    flag = next(f for f in plan.flags if f.field == "annex" and "附件8" in f.message)
    assert "扬州" in flag.message and flag.line > 1000
    assert not any(t.jurisdiction == "扬州市" for t in plan.targets if t.source == "附件8")


def test_003_multilevel_annex_headers(seed: Seed) -> None:
    plan = seed("003")
    annex7 = next(a for a in plan.annexes if a.number == "附件7")
    # the cell 源头替代“回头看” / (blank line) / 企业数 is one header cell
    assert annex7.header[2] == "源头替代“回头看”企业数"
    assert annex7.header[0] == "城市" and annex7.header[-1] == "合计"
    total = next(
        t for t in plan.targets if t.source == "附件7" and t.jurisdiction == "江苏省" and t.indicator == "合计"
    )
    assert total.value == 69910.0


def test_every_task_keeps_its_source_lines(seed: Seed) -> None:
    for prefix in ("000", "001", "002", "003", "004"):
        plan = seed(prefix)
        for t in plan.tasks:
            assert 0 < t.source.line <= t.source.end_line, (prefix, t.number)
            for d in t.all_departments():
                assert d.line > 0, (prefix, t.number, d)


def test_003_annex_6_and_7_read_every_column_with_企业(seed: Seed) -> None:
    # the columns whose header names 企业 are targets too (they were dropped without a flag before)
    plan = seed("003")
    a6 = {(t.jurisdiction, t.indicator): t.value for t in plan.targets if t.source == "附件6"}
    a7 = {(t.jurisdiction, t.indicator): t.value for t in plan.targets if t.source == "附件7"}
    assert len(a6) == 14 * 12 and len(a7) == 14 * 8  # every column but 城市, for 13 cities and the province
    assert a6[("南京市", "A级企业培育")] == 20.0
    assert a6[("南京市", "源头替代示范型企业数")] == 15.0
    assert ("南京市", "源头替代“回头看”企业数") in a7 and ("南京市", "集群排查整治任务企业数") in a7
    # a column that is not numbers is flagged, not dropped silently (附件4's enterprise names)
    assert any("附件4" in f.message and "企业名称" in f.message for f in plan.flags if f.field == "annex")
    assert len(plan.targets) == 552  # 496 before the 企业 columns were read: 4 columns × 14 places more
