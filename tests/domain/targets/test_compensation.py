"""Compensation worked by hand: each place against its own target (003 附件1: 南京 31, 苏州 33),
the fallback for a place without one, improvement-based 补偿/扣缴 (003 四(三)) by percent and by
unit with caps, a place with no valid value, the rules file, and what differs between two
settlements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lantian.domain.targets.accountability import (
    ImprovementScheme,
    OwnTarget,
    PerUnitScheme,
    Settlement,
    parse_rules,
    settle_improvement,
    settle_per_unit,
)
from lantian.domain.targets.compensation import (
    Confirmation,
    PeriodSettlement,
    differences,
    line_dict,
    line_from,
    period_code,
)
from lantian.errors import ConfigError, InputError

D = Decimal


def test_each_place_is_held_to_its_own_target() -> None:
    scheme = PerUnitScheme("PM2.5", "pm25", D(35), True, D(40), D(20), D(400), " µg/m³", own_target=True)
    targets = {"南京": OwnTarget(D(31), "南京市2021年目标，附件1"), "苏州": OwnTarget(D(33), "苏州市2021年目标，附件1")}
    values = {"南京": D(35), "苏州": D(30), "无锡": D(40), "徐州": None}
    got = {s.place: s for s in settle_per_unit(scheme, values, targets)}
    # 南京 35 against its own 31: 4 worse × −40 = −160 (against the common 35 it would have been 0)
    # 苏州 30 against 33: 3 better × +20 = +60; 无锡 has no target: the fallback 35, 5 worse × −40 = −200
    assert {p: s.amount for p, s in got.items()} == {"南京": -160, "苏州": 60, "无锡": -200, "徐州": 0}
    assert got["南京"].arithmetic == (
        "PM2.5浓度 35 µg/m³ 差于目标 31（南京市2021年目标，附件1）：4 × −40 万元 = −160 万元"
    )
    assert (got["南京"].reference, got["南京"].reference_source) == (31, "南京市2021年目标，附件1")
    assert "无锡无本年度目标，用配置的默认值" in got["无锡"].arithmetic and got["无锡"].reference == 35
    assert got["徐州"].arithmetic == "无有效数据，不结算" and got["徐州"].value is None
    # the same scheme with one target for all (target = 35): 南京 settles 0
    common = PerUnitScheme("PM2.5", "pm25", D(35), True, D(40), D(20), D(400), " µg/m³")
    assert settle_per_unit(common, {"南京": D(35)}, targets)[0].amount == 0


def test_improvement_by_percent_with_a_cap() -> None:
    scheme = ImprovementScheme("改善", "pm25", "percent", D(10), D(12), cap=D(200), unit=" µg/m³")
    now = {"A": D(30), "B": D(44), "C": None, "D": D(40), "E": D(40)}
    before = {"A": D(40), "B": D(40), "C": D(35), "D": None, "E": D(40)}
    got = {s.place: s for s in settle_improvement(scheme, now, before)}
    # A: (40−30)/40 = 25 % × 10 = +250 → capped +200; B: (40−44)/40 = −10 % × 12 = −120; E: 0 %
    assert {p: s.amount for p, s in got.items()} == {"A": 200, "B": -120, "C": 0, "D": 0, "E": 0}
    assert got["A"].arithmetic == (
        "PM2.5浓度 30 µg/m³，上年同期 40 µg/m³，改善 25%：25 × +10 万元 = +250 万元，封顶 → +200 万元"
    )
    assert got["B"].arithmetic.endswith("恶化 10%：10 × −12 万元 = −120 万元")
    assert got["C"].arithmetic == "本期无有效数据，不结算"
    assert got["D"].arithmetic == "上年同期无有效数据，不结算"
    # a percent rounds to 0.1 before it is priced: (37−36)/37 = 2.70…% → 2.7 × 10 = 27
    assert settle_improvement(scheme, {"F": D(36)}, {"F": D(37)})[0].amount == 27


def test_improvement_by_unit_against_a_baseline_year_higher_is_better() -> None:
    scheme = ImprovementScheme("优良率", "good_ratio", "unit", D(15), D(20), lower_is_better=False,
                               compare="baseline", baseline_year=2019, unit="%")  # fmt: skip
    got = {s.place: s for s in settle_improvement(scheme, {"A": D("80.5"), "B": D(70)}, {"A": D(78), "B": D(75)})}
    # A: 80.5 − 78 = 2.5 points × 15 = +37.5; B: 70 − 75 = −5 × 20 = −100
    assert (got["A"].amount, got["B"].amount) == (D("37.5"), -100)
    assert got["A"].arithmetic.startswith("优良天数比率 80.5%，2019年同期 78%，改善 2.5%")
    assert got["A"].reference_source == "2019年同期"


def test_the_rules_file_says_own_and_improvement() -> None:
    rules = parse_rules(
        '[[per_unit]]\nname = "p"\nindicator = "pm25"\ntarget = "own"\nfallback = 35\npay_per_unit = 40\n'
        'receive_per_unit = 20\n'
        '[[improvement]]\nname = "i"\nindicator = "pm25"\nby = "unit"\ncompare = "baseline"\nbaseline_year = 2020\n'
        'receive_per_step = 10\npay_per_step = 10\ncap = 100\n',
        name="r.toml",
    )  # fmt: skip
    (p,), (i,) = rules.per_unit, rules.improvement
    assert (p.own_target, p.target) == (True, 35)
    assert (i.by, i.compare, i.baseline_year, i.cap, i.reference_label) == ("unit", "baseline", 2020, 100, "2020年同期")
    bad = [
        ('[[per_unit]]\nname = "p"\nindicator = "pm25"\ntarget = "own"\npay_per_unit = 1\nreceive_per_unit = 1\n',
         "needs a fallback"),
        ('[[improvement]]\nname = "i"\nindicator = "pm25"\nby = "yuan"\nreceive_per_step = 1\npay_per_step = 1\n',
         'by must be "unit" or "percent"'),
        ('[[improvement]]\nname = "i"\nindicator = "pm25"\ncompare = "baseline"\nreceive_per_step = 1\n'
         'pay_per_step = 1\n', "baseline_year"),
    ]  # fmt: skip
    for text, words in bad:
        with pytest.raises(ConfigError, match=words):
            parse_rules(text, name="r.toml")


def test_period_codes() -> None:
    assert [period_code(x) for x in ("2025-1", "2025-01", "2025q2", "2025-Q4", " 2025 ")] == [
        "2025-01", "2025-01", "2025-Q2", "2025-Q4", "2025"
    ]  # fmt: skip
    for bad in ("2025-13", "2025-ytd", "2025-01-01..2025-02-01", ""):
        with pytest.raises(InputError) as caught:
            period_code(bad)
        assert caught.value.field == "period"


def _settlement(*lines: Settlement) -> PeriodSettlement:
    return PeriodSettlement("江苏省", "2025-01", "2025年1月", "r.toml", ("p", "r"), lines)


def test_totals_and_what_differs() -> None:
    a = Settlement("p", "南京", D(-160), "x")
    b = Settlement("r", "南京", D(30), "第1名")
    c = Settlement("p", "苏州", D(60), "y")
    old = _settlement(a, b, c)
    assert old.totals() == {"南京": -130, "苏州": 60} and old.net() == -70
    assert differences(old, old) == []
    new = _settlement(Settlement("p", "南京", D(-120), "z"), b, Settlement("r", "苏州", D(-30), "末位"))
    assert differences(old, new) == [
        "南京·p：−160 万元 → −120 万元（原：x；现：z）",
        "苏州·p：不再结算（原为 +60 万元）",
        "苏州·r：新增 −30 万元（末位）",
    ]
    assert line_from(line_dict(a)) == a
    confirmed = PeriodSettlement(
        **{**old.__dict__, "confirmed": Confirmation("dqb", "省大气办", dt.datetime(2025, 2, 1))}
    )
    assert confirmed.same_amounts(old)
