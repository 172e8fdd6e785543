"""Cross-level links between 003 (江苏省) and 001 (苏州市 苏气办〔2023〕16号), pairs checked by reading both.

(003 against 000 and each score part: test_links.py.)
"""

from __future__ import annotations

from collections.abc import Callable

from lantian.domain.plans.links import MIN_SCORE, propose_links
from lantian.domain.plans.model import ParsedPlan


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
