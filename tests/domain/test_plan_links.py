"""Cross-level links: pairs checked by reading 003 (江苏省) against 001 (苏州市), and each score part."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from lantian.domain.plans.links import MIN_SCORE, W_DEADLINE, W_DEPARTMENT, W_INDICATOR, bigrams, propose_links
from lantian.domain.plans.model import Deadline, Department, ParsedPlan, Role, Target, Task


def test_province_to_city_pairs_read_by_hand(seed: Callable[[str], ParsedPlan]) -> None:
    report = propose_links(seed("003").tasks, seed("001").tasks)
    best = {}
    for link in report.links:
        best.setdefault(link.child_number, link)
    # 003 #29 开展车船油品联合管控 ↔ 001 #23 加强车船油品专项整治
    assert best["23"].parent_number == "29" and any("油品" in r for r in best["23"].reasons)
    # 003 #24 强化餐饮油烟监管 ↔ 001 #21 开展餐饮油烟、恶臭异味专项治理
    assert best["21"].parent_number == "24" and any("餐饮" in r for r in best["21"].reasons)
    # 003 #18 推进锅炉、炉窑深度整治 ↔ 001 #6 深入开展锅炉和炉窑综合整治
    assert best["6"].parent_number == "18" and any("锅炉" in r for r in best["6"].reasons)
    # 003 #26 强化在用机动车执法监管 ↔ 001 #22 开展在用机动车污染专项整治
    assert best["22"].parent_number == "26"
    # 003 #30 提升重污染天气应对能力 ↔ 001 #30 (same title)
    assert best["30"].parent_number == "30"
    unmatched = {t.number for t in report.unmatched_parents}
    assert "10" in unmatched  # 加强露天矿山综合整治: 苏州's plan has no mining task
    assert "29" not in unmatched and "24" not in unmatched
    assert all(link.score >= MIN_SCORE for link in report.links)


def test_bigrams_stay_inside_chinese_runs() -> None:
    assert bigrams("锅炉、炉窑 VOCs治理") == ["锅炉", "炉窑", "治理"]


def _task(number: str, text: str, **kw: object) -> Task:
    return Task(number=number, title=None, text=text, **kw)  # type: ignore[arg-type]


def test_each_score_part_counts() -> None:
    text = "开展燃煤锅炉淘汰"
    base = propose_links([_task("1", text)], [_task("a", text)], min_score=0).links[0].score
    pm = Target(text="PM2.5", indicator="pm25", comparator="<=", value=30, unit="µg/m³", year=2025)
    with_indicator = propose_links(
        [_task("1", text, targets=[pm])], [_task("a", text, targets=[pm])], min_score=0
    ).links[0]
    assert with_indicator.score == pytest.approx(base + W_INDICATOR, abs=1e-3)
    assert any("pm25" in r for r in with_indicator.reasons)
    prov = Department("省生态环境厅", "省生态环境厅", Role.LEAD)
    city = Department("市生态环境局", "市生态环境局", Role.LEAD)
    with_dept = propose_links(
        [_task("1", text, departments=[prov])], [_task("a", text, departments=[city])], min_score=0
    ).links[0]
    assert with_dept.score == pytest.approx(base + W_DEPARTMENT, abs=1e-3)
    end = dt.date(2025, 12, 31)
    dl = Deadline("2025年底前", None, end)
    with_date = propose_links(
        [_task("1", text, deadlines=[dl])], [_task("a", text, deadlines=[dl])], min_score=0
    ).links[0]
    assert with_date.score == pytest.approx(base + W_DEADLINE, abs=1e-3)
    unrelated = propose_links([_task("1", text)], [_task("a", "推广新能源汽车充电桩建设")], min_score=0).links[0]
    assert unrelated.score < 0.05


def test_below_the_cut_off_nothing_is_proposed() -> None:
    report = propose_links([_task("1", "开展燃煤锅炉淘汰")], [_task("a", "推广新能源汽车充电桩建设")])
    assert report.links == []
    assert [t.number for t in report.unmatched_parents] == ["1"]
    assert [t.number for t in report.unmatched_children] == ["a"]
