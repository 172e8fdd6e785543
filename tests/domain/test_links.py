"""Cross-level links (上下级任务对应): 003 (江苏省2021) as parent, 000 (苏州 2024–2025 分解表) as child.

The seed pairs below were checked by reading both documents; the hand-built pairs exercise each
score component on its own, so removing a component makes a test fail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from lantian.domain.plans.links import (
    MIN_SCORE,
    SECTIONS,
    W_DEADLINE,
    W_DEPARTMENT,
    W_INDICATOR,
    W_SECTION,
    W_TEXT,
    LinkProposal,
    LinkReport,
    clean_text,
    department_key,
    propose_links,
    sections,
    terms,
)
from lantian.domain.plans.model import Deadline, Department, ParsedPlan, Role, Target, Task


@pytest.fixture
def province_city(seed: Callable[[str], ParsedPlan]) -> LinkReport:
    return propose_links(seed("003").tasks, seed("000").tasks)


def _best(report: LinkReport) -> dict[str, LinkProposal]:
    best: dict[str, LinkProposal] = {}
    for link in report.links:  # each child's proposals come best first
        best.setdefault(link.child_number, link)
    return best


def _text_reason(link: LinkProposal) -> str:
    (reason,) = [r for r in link.reasons if r.startswith("共同关键词")]
    return reason


# ------------------------------------------------------------------ on the seeds
@pytest.mark.parametrize(
    ("child", "parent", "term"),
    [
        # 000 #33 开展餐饮油烟、恶臭异味专项治理 ↔ 003 #24 强化餐饮油烟监管
        ("33", "24", "餐饮油烟"),
        # 000 #12 燃煤锅炉关停整合和工业炉窑清洁能源替代 ↔ 003 #18 推进锅炉、炉窑深度整治
        ("12", "18", "工业炉窑"),
        # 000 #31 重点行业超低排放与提标改造 (锅炉) ↔ 003 #18 (燃煤锅炉超低排放改造)
        ("31", "18", "锅炉"),
        # 000 #6 优化含VOCs原辅材料和产品结构 ↔ 003 #14 大力推进源头替代 (低VOCs含量原辅材料)
        ("6", "14", "原辅材料"),
        # 000 #18 淘汰国三及以下柴油货车 ↔ 003 #8 加快机动车（船）结构升级 (淘汰国三柴油货车)
        ("18", "8", "柴油货车"),
        # 000 #24 加强扬尘精细化管控 (建筑工地, 渣土运输) ↔ 003 #21 严格施工工地和渣土运输监管
        ("24", "21", "渣土运输"),
        # 000 #38 完善重污染天气应对机制 ↔ 003 #30 提升重污染天气应对能力
        ("38", "30", "重污染天气"),
        # 000 #13 持续优化调整货物运输结构 ↔ 003 #7 推进货物运输绿色转型
        ("13", "7", "货物运输"),
    ],
)
def test_province_to_city_pairs_read_by_hand(province_city: LinkReport, child: str, parent: str, term: str) -> None:
    link = _best(province_city)[child]
    assert link.parent_number == parent
    assert link.score >= MIN_SCORE
    assert term in _text_reason(link)


def test_seed_links_explain_departments_across_levels(province_city: LinkReport) -> None:
    link = _best(province_city)["6"]  # 003 #14 省工业和信息化厅、生态环境厅 负责 ↔ 000 #6 市工信局 …
    (reason,) = [r for r in link.reasons if r.startswith("对应部门")]
    assert "省工业和信息化厅 → 市工业和信息化局" in reason
    assert "省生态环境厅 → 市生态环境局" in reason


def test_unrelated_seed_pairs_score_low(seed: Callable[[str], ParsedPlan]) -> None:
    report = propose_links(seed("003").tasks, seed("000").tasks, min_score=0, top=100)
    scores = {(link.parent_number, link.child_number): link.score for link in report.links}
    assert scores[("10", "27")] < 0.15  # 露天矿山 vs 烟花爆竹
    assert scores[("19", "33")] < 0.15  # ODS 淘汰 vs 餐饮油烟
    assert scores[("24", "13")] < 0.2  # 餐饮油烟 vs 货物运输结构
    assert scores[("24", "33")] > 2 * scores[("24", "13")]


def test_parents_without_a_city_counterpart(province_city: LinkReport) -> None:
    unmatched = {t.number for t in province_city.unmatched_parents}
    assert "10" in unmatched  # 加强露天矿山综合整治: 000 never mentions 矿山
    assert "19" in unmatched  # 消耗臭氧层物质（ODS）淘汰管理: nothing on ODS in 000
    assert not {"7", "18", "21", "24", "30"} & unmatched
    linked = {link.parent_number for link in province_city.links}
    assert not unmatched & linked
    assert all(link.score >= MIN_SCORE for link in province_city.links)
    children = {t.number for t in province_city.unmatched_children}
    assert not children & {link.child_number for link in province_city.links}


def test_at_most_top_parents_per_child_best_first(seed: Callable[[str], ParsedPlan]) -> None:
    report = propose_links(seed("003").tasks, seed("000").tasks, min_score=0.2, top=2)
    by_child: dict[str, list[float]] = {}
    for link in report.links:
        by_child.setdefault(link.child_number, []).append(link.score)
    assert by_child and all(len(s) <= 2 for s in by_child.values())
    assert all(s == sorted(s, reverse=True) for s in by_child.values())
    assert any(len(s) == 2 for s in by_child.values())


# ------------------------------------------------------------------ each component by hand
def _task(number: str, text: str, **kw: object) -> Task:
    return Task(number=number, title=None, text=text, **kw)  # type: ignore[arg-type]


def _one(parent: Task, child: Task) -> LinkProposal:
    (link,) = propose_links([parent], [child], min_score=0).links
    return link


def test_weights_sum_to_one_and_default_cut_off() -> None:
    assert W_TEXT + W_INDICATOR + W_DEPARTMENT + W_SECTION + W_DEADLINE == pytest.approx(1.0)
    assert MIN_SCORE == 0.35


def test_text_component_uses_shared_terms() -> None:
    same = _one(_task("1", "淘汰燃煤锅炉"), _task("a", "淘汰燃煤锅炉"))
    assert same.score == pytest.approx(W_TEXT, abs=1e-3)
    assert "燃煤锅炉" in _text_reason(same)
    partial = _one(_task("1", "淘汰燃煤锅炉，整治工业炉窑"), _task("a", "淘汰燃煤锅炉，推广新能源汽车"))
    assert 0 < partial.score < same.score
    assert _one(_task("1", "淘汰燃煤锅炉"), _task("a", "推广新能源汽车")).score == 0


def test_latin_terms_count() -> None:
    assert "VOCs" in terms("降低VOCs排放") and "PM2.5" in terms("PM2.5浓度")
    link = _one(_task("1", "VOCs 深化"), _task("a", "VOCs 转型"))
    assert link.score > 0 and "VOCs" in _text_reason(link)


def test_boilerplate_departments_and_dates_are_not_shared_terms() -> None:
    assert _one(_task("1", "加强推进落实工作"), _task("a", "加强推进落实工作")).score == 0
    lead = Department("市生态环境局", "市生态环境局", Role.COOPERATING, written="市生态环境局")
    text = "市生态环境局2025年底前"
    assert _one(_task("1", text, departments=[lead]), _task("a", text, departments=[lead])).score == 0
    assert "生态" not in clean_text(_task("1", text, departments=[lead]))


def test_indicator_component() -> None:
    base = _one(_task("1", "淘汰燃煤锅炉"), _task("a", "淘汰燃煤锅炉")).score
    pm = Target(text="PM2.5", indicator="pm25", comparator="<=", value=30, unit="µg/m³", year=2025)
    o3 = Target(text="O3", indicator="o3", comparator="<=", value=160, unit="µg/m³", year=2025)
    link = _one(_task("1", "淘汰燃煤锅炉", targets=[pm]), _task("a", "淘汰燃煤锅炉", targets=[pm]))
    assert link.score == pytest.approx(base + W_INDICATOR, abs=1e-3)
    assert any("同一指标 pm25" in r for r in link.reasons)
    other = _one(_task("1", "淘汰燃煤锅炉", targets=[pm]), _task("a", "淘汰燃煤锅炉", targets=[o3]))
    assert other.score == pytest.approx(base, abs=1e-3)


def test_department_component_across_levels() -> None:
    assert department_key("省生态环境厅") == department_key("市生态环境局") == "生态环境局"
    assert department_key("省发展改革委") == department_key("市发展改革委")
    base = _one(_task("1", "淘汰燃煤锅炉"), _task("a", "淘汰燃煤锅炉")).score
    prov = Department("省生态环境厅", "省生态环境厅", Role.LEAD)
    city = Department("市生态环境局", "市生态环境局", Role.RESPONSIBLE)
    link = _one(_task("1", "淘汰燃煤锅炉", departments=[prov]), _task("a", "淘汰燃煤锅炉", departments=[city]))
    assert link.score == pytest.approx(base + W_DEPARTMENT, abs=1e-3)
    assert "对应部门 省生态环境厅 → 市生态环境局 (matching department)" in link.reasons
    # half the departments in common → half the bonus
    ndrc = Department("省发展改革委", "省发展改革委", Role.LEAD)
    half = _one(_task("1", "淘汰燃煤锅炉", departments=[prov, ndrc]), _task("a", "淘汰燃煤锅炉", departments=[city]))
    assert half.score == pytest.approx(base + W_DEPARTMENT / 2, abs=1e-3)


@pytest.mark.parametrize(
    "child_department",
    [
        Department("市生态环境局", "市生态环境局", Role.COOPERATING),  # cooperating does not count
        Department("市生态环境局", "市生态环境局", Role.RESPONSIBLE, implicit=True),  # nor implicit
        Department("市交通运输局", "市交通运输局", Role.LEAD),  # another department
    ],
)
def test_department_component_only_for_matching_lead_or_responsible(child_department: Department) -> None:
    base = _one(_task("1", "淘汰燃煤锅炉"), _task("a", "淘汰燃煤锅炉")).score
    prov = Department("省生态环境厅", "省生态环境厅", Role.LEAD)
    link = _one(
        _task("1", "淘汰燃煤锅炉", departments=[prov]), _task("a", "淘汰燃煤锅炉", departments=[child_department])
    )
    assert link.score == pytest.approx(base, abs=1e-3)


def test_catch_all_departments_do_not_match() -> None:
    everyone = Department("省各有关部门", "省各有关部门", Role.RESPONSIBLE)
    city = Department("市各有关部门", "市各有关部门", Role.RESPONSIBLE)
    base = _one(_task("1", "淘汰燃煤锅炉"), _task("a", "淘汰燃煤锅炉")).score
    link = _one(_task("1", "淘汰燃煤锅炉", departments=[everyone]), _task("a", "淘汰燃煤锅炉", departments=[city]))
    assert link.score == pytest.approx(base, abs=1e-3)


def test_section_component() -> None:
    dust = ["二、推进十项任务", "（七）实施精细化扬尘管控"]
    assert sections(_task("1", "x", section_path=dust)) == {"扬尘"}
    assert sections(Task(number="2", title=None, text="x", category="加强扬尘精细化管控")) == {"扬尘"}
    assert set(SECTIONS) >= {"工业", "交通/移动源", "面源/生活源", "扬尘"}
    base = _one(_task("1", "洒水保洁"), _task("a", "洒水保洁")).score
    same = _one(_task("1", "洒水保洁", section_path=dust), _task("a", "洒水保洁", section_path=["（五）扬尘治理"]))
    assert same.score == pytest.approx(base + W_SECTION, abs=1e-3)
    assert any("同类板块 扬尘" in r for r in same.reasons)
    other = _one(_task("1", "洒水保洁", section_path=dust), _task("a", "洒水保洁", section_path=["（五）秸秆禁烧"]))
    assert other.score == pytest.approx(base, abs=1e-3)


def test_deadline_component() -> None:
    base = _one(_task("1", "淘汰燃煤锅炉"), _task("a", "淘汰燃煤锅炉")).score
    end = Deadline("2025年底前", None, dt.date(2025, 12, 31))
    link = _one(_task("1", "淘汰燃煤锅炉", deadlines=[end]), _task("a", "淘汰燃煤锅炉", deadlines=[end]))
    assert link.score == pytest.approx(base + W_DEADLINE, abs=1e-3)
    assert any("相同时限 2025-12-31" in r for r in link.reasons)
    june = Deadline("6月底前", None, dt.date(2025, 6, 30))
    other = _one(_task("1", "淘汰燃煤锅炉", deadlines=[end]), _task("a", "淘汰燃煤锅炉", deadlines=[june]))
    assert other.score == pytest.approx(base, abs=1e-3)


def test_below_the_cut_off_both_sides_are_unmatched() -> None:
    parents = [_task("1", "淘汰燃煤锅炉"), _task("2", "整治露天矿山")]
    children = [_task("a", "淘汰燃煤锅炉"), _task("b", "推广新能源汽车")]
    report = propose_links(parents, children)
    assert [(link.parent_number, link.child_number) for link in report.links] == [("1", "a")]
    assert [t.number for t in report.unmatched_parents] == ["2"]
    assert [t.number for t in report.unmatched_children] == ["b"]
