"""Accountability rules, worked by hand: bottom places with ties, streak flags, the escalation ladder,
compensation per unit (with caps) and by rank, the target cascade, and the rules file."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lantian.domain.targets.accountability import (
    Ladder,
    PerUnitScheme,
    RankScheme,
    StreakRule,
    cascade,
    escalations,
    in_bottom,
    parse_rules,
    settle_per_unit,
    settle_ranks,
    streak_flags,
)
from lantian.errors import ConfigError


def test_bottom_places_with_ties() -> None:
    ranking = {"A": 1, "B": 2, "C": 3, "D": 3, "E": None}
    # C and D are tied last: nobody ranks worse than either, both are 倒数第一
    assert [p for p in ranking if in_bottom(ranking, p, 1)] == ["C", "D"]
    assert [p for p in ranking if in_bottom(ranking, p, 2)] == ["C", "D"]  # B has 2 worse
    assert [p for p in ranking if in_bottom(ranking, p, 3)] == ["B", "C", "D"]
    # 倒数4位 of 4 ranked places would be everyone: the rule does not apply
    assert [p for p in ranking if in_bottom(ranking, p, 4)] == []


def test_streak_flags_need_consecutive_months() -> None:
    rule = StreakRule("连续3个月排名倒数2位", bottom=2, months=3, action="专项帮扶")
    months = [
        ("01", {"A": 1, "B": 2, "C": 3, "D": 4}),
        ("02", {"A": 1, "B": 3, "C": 2, "D": 4}),
        ("03", {"A": 2, "B": 1, "C": 3, "D": 4}),
        ("04", {"A": 1, "B": 2, "C": 4, "D": 3}),
        ("05", {"A": 1, "B": 2, "C": 3, "D": 4}),
    ]
    flags = streak_flags(months, rule)
    # D: bottom 2 in all five months → flagged at 03, the run lasting to 05
    # C: 01 (3rd of 4), 02 no (2nd), 03, 04, 05 → a run of three from 03, flagged at 05
    assert [(f.place, f.first, f.last, len(f.evidence)) for f in flags] == [("D", "03", "05", 5), ("C", "05", "05", 3)]
    assert flags[0].evidence[0] == ("01", 4, 4) and flags[0].action == "专项帮扶"


def test_the_ladder_escalates_with_consecutive_last_places() -> None:
    ladder = Ladder("末位问责", ((1, "警示"), (2, "挂牌督办"), (3, "约谈")))
    months = [
        ("01", {"A": 1, "B": 2, "C": 3}),
        ("02", {"A": 1, "B": 2, "C": 3}),
        ("03", {"A": 1, "B": 3, "C": 3}),  # tied last: both last
        ("04", {"A": 1, "B": 3, "C": 2}),
        ("05", {"A": 1, "B": 2, "C": 3}),
    ]
    got = [(e.period, e.place, e.streak, e.action) for e in escalations(months, ladder)]
    assert got == [
        ("01", "C", 1, "警示"), ("02", "C", 2, "挂牌督办"), ("03", "B", 1, "警示"), ("03", "C", 3, "约谈"),
        ("04", "B", 2, "挂牌督办"), ("05", "C", 1, "警示"),
    ]  # fmt: skip


def test_per_unit_compensation_with_caps() -> None:
    scheme = PerUnitScheme("PM2.5", "pm25", Decimal(35), True, Decimal(40), Decimal(20), Decimal(400), " µg/m³")
    got = {s.place: s for s in settle_per_unit(scheme, {"A": Decimal(38), "B": Decimal(31), "C": Decimal(50),
                                                         "D": Decimal(35), "E": None})}  # fmt: skip
    # A: 3 worse × −40 = −120; B: 4 better × +20 = +80; C: 15 × −40 = −600, capped at −400; D: 0
    assert {p: s.amount for p, s in got.items()} == {"A": -120, "B": 80, "C": -400, "D": 0, "E": 0}
    assert got["C"].arithmetic.endswith("15 × −40 万元 = −600 万元，封顶 → −400 万元")
    assert got["E"].arithmetic == "无有效数据，不结算"
    good = PerUnitScheme("优良天数", "good_days", Decimal(25), False, Decimal(20), Decimal(20))
    assert [s.amount for s in settle_per_unit(good, {"A": Decimal(28), "B": Decimal(23)})] == [60, -40]


def test_rank_compensation_counts_ties_inside_the_bottom() -> None:
    scheme = RankScheme("枣庄式", "composite", bottom_n=2, bottom_pays=Decimal(30), top_n=2, top_receives=Decimal(30))
    ranking = {"A": 1, "B": 2, "C": 3, "D": 4, "E": 4, "F": None}
    got = {s.place: s.amount for s in settle_ranks(scheme, ranking)}
    # D and E tie last (one place worse than neither): both pay; C has two worse: not in the bottom 2
    assert got == {"A": 30, "B": 30, "C": 0, "D": -30, "E": -30, "F": 0}
    # 2 places: neither side applies, each says so
    assert [s.amount for s in settle_ranks(scheme, {"A": 1, "B": 2})] == [0, 0]


def test_the_cascade_against_the_city_target() -> None:
    rows = cascade([
        ("南京市", "pm25", "<=", 31), ("南京市·江宁", "pm25", "<=", 32), ("南京市·高淳", "pm25", "<=", 30),
        ("南京市", "good_day_ratio", ">=", 83.1), ("南京市·江宁", "good_day_ratio", ">=", 83.1),
        ("南京市·六合", "good_day_ratio", ">=", 85), ("苏州市·太仓", "pm25", "<=", 26),
    ])  # fmt: skip
    assert [(r.county, r.indicator, r.relation) for r in rows] == [
        ("南京市·江宁", "pm25", "looser"), ("南京市·高淳", "pm25", "stricter"),
        ("南京市·江宁", "good_day_ratio", "equal"), ("南京市·六合", "good_day_ratio", "stricter"),
    ]  # fmt: skip


def test_the_rules_file_and_its_errors() -> None:
    rules = parse_rules(
        'ranking = "pm25"\n[[streak]]\nname = "x"\nbottom = 5\nmonths = 3\naction = "专项帮扶"\n'
        '[[ladder]]\nname = "y"\nsteps = [[2, "挂牌督办"], [1, "警示"]]\n',
        name="r.toml",
    )
    assert rules.ranking == "pm25" and rules.streaks[0].bottom == 5
    assert rules.ladders[0].steps == ((1, "警示"), (2, "挂牌督办"))
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_rules("[[streak]\n", name="r.toml")
    with pytest.raises(ConfigError) as caught:
        parse_rules('[[streak]]\nname = "x"\nbottom = 5\naction = "a"\n', name="r.toml")
    assert caught.value.field == "months" and caught.value.file == "r.toml"
    with pytest.raises(ConfigError, match="bottom must be at least 1"):
        parse_rules('[[streak]]\nname = "x"\nbottom = 0\nmonths = 1\naction = "a"\n', name="r.toml")
    with pytest.raises(ConfigError, match="target must be a number"):
        parse_rules('[[per_unit]]\nname = "p"\nindicator = "pm25"\ntarget = true\npay_per_unit = 1\n'
                    'receive_per_unit = 1\n', name="r.toml")  # fmt: skip


def test_the_scorecard_by_hand() -> None:
    from lantian.domain.targets.scorecard import ScoreWeights, TargetLine, scorecard, target_score

    # met → 100; PM2.5 40 against ≤ 35 → 35/40 = 87.5; 优良 76 against ≥ 80 → 95.0
    assert target_score("<=", Decimal(35), Decimal(35)) == 100
    assert target_score("<=", Decimal(35), Decimal(40)) == Decimal("87.5")
    assert target_score(">=", Decimal(80), Decimal(76)) == Decimal("95.0")
    weights = ScoreWeights(Decimal(60), Decimal(40), {"pm25": Decimal(50), "good_day_ratio": Decimal(30)})
    lines = [TargetLine("pm25", "PM2.5", "<=", Decimal(35), Decimal(40)),
             TargetLine("good_day_ratio", "优良", ">=", Decimal(80), Decimal(76)),
             TargetLine("o3_p90", "O3", "<=", Decimal(160), None)]  # fmt: skip
    card = scorecard("某市", lines, 8, 6, weights)
    # air = (87.5 × 50 + 95 × 30) / 80 = 90.3125 → 90.3; tasks 6/8 = 75.0;
    # total = (90.3 × 60 + 75 × 40) / 100 = 84.18 → 84.2
    assert (card.air, card.tasks, card.total) == (Decimal("90.3"), Decimal("75.0"), Decimal("84.2"))
    assert card.note == "" and card.lines[2].score is None
    alone = scorecard("某区", lines[:1], 0, 0, weights)  # nothing due: the air part carries the whole weight
    assert (alone.air, alone.tasks, alone.total) == (Decimal("87.5"), None, Decimal("87.5")) and "任务" in alone.note
