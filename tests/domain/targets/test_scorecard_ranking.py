"""考核评分 worked by hand: the ranking by total with ties (并列), the targets measured from progress
reports (其他目标: min(100, % complete)), and the weights and the note when a part has nothing."""

from __future__ import annotations

from decimal import Decimal

from lantian.domain.targets.accountability import parse_rules
from lantian.domain.targets.scorecard import (
    ReportedLine,
    Scorecard,
    ScoreWeights,
    TargetLine,
    completion_score,
    ranking,
    scorecard,
)

D = Decimal
WEIGHTS = ScoreWeights(D(60), D(40), {"pm25": D(50), "good_day_ratio": D(30), "new_energy_vehicles": D(3)}, D(20))


def test_a_count_target_scores_its_percent_complete_at_most_100() -> None:
    assert completion_score(D("62.5")) == D("62.5")
    assert completion_score(D("130")) == 100  # beyond the target: full marks, no more
    assert completion_score(D("-4")) == 0
    assert completion_score(D("33.35")) == D("33.4")  # one decimal, half to even: 33.35 → 33.4 (GB/T 8170)


def test_the_other_targets_part_by_hand() -> None:
    # 新能源汽车 16 万辆, 10 to date: 62.5 %; 路检路查 1000 辆·次, 1300: 130 % → 100; 降尘 not yet reported
    reported = [ReportedLine("new_energy_vehicles", "推广应用新能源汽车", "≥ 16万辆", D(10), D("62.5")),
                ReportedLine("roadside_checks", "路检路查", "≥ 1000辆·次", D(1300), D(130)),
                ReportedLine("dustfall", "降尘", "≤ 3吨/月·平方公里", None, None)]  # fmt: skip
    air = [TargetLine("pm25", "PM2.5浓度", "<=", D(35), D(40))]  # 35/40 → 87.5
    card = scorecard("某县", air, 4, 3, WEIGHTS, reported)
    # other = (62.5 × 3 + 100 × 1) / 4 = 71.875 → 71.9 (new_energy_vehicles weighs 3, the rest 1)
    assert card.reported == D("71.9")
    # total = (87.5 × 60 + 71.9 × 20 + 75 × 40) / 120 = 9688 / 120 = 80.7333… → 80.7
    assert (card.air, card.tasks, card.total) == (D("87.5"), D("75.0"), D("80.7"))
    assert [line.score for line in card.lines if line.part == "reported"] == [D("62.5"), 100, None]
    assert card.missing == () and card.note == ""


def test_the_note_names_a_part_with_nothing_to_score() -> None:
    unmeasured = [ReportedLine("dustfall", "降尘", "≤ 3", None, None)]
    card = scorecard("某县", [], 0, 0, WEIGHTS, unmeasured)
    assert card.total is None and card.missing == ()  # nothing at all: no total, no redistribution to speak of
    card = scorecard("某县", [TargetLine("pm25", "PM2.5浓度", "<=", D(35), D(35))], 0, 0, WEIGHTS, unmeasured)
    assert card.total == 100 and card.missing == ("reported", "tasks")
    assert "其他目标" in card.note and "任务" in card.note
    plain = scorecard("某县", [TargetLine("pm25", "PM2.5浓度", "<=", D(35), D(35))], 2, 1, WEIGHTS)
    # without other targets their part does not apply: (100 × 60 + 50 × 40) / 100 = 80.0, no note
    assert plain.missing == () and plain.total == D("80.0") and plain.note == ""


def card(place: str, total: str | None) -> Scorecard:
    return Scorecard(place, [], None, None, None if total is None else D(total), "")


def test_the_ranking_by_total_with_ties_by_hand() -> None:
    # 太仓 91.5 first; 常熟 and 昆山 both 88 share 2nd (并列); 吴江 80.2 is 4th, not 3rd; 张家港 has nothing
    ranked = ranking([card("吴江", "80.2"), card("昆山", "88.0"), card("张家港", None), card("太仓", "91.5"),
                      card("常熟", "88")])  # fmt: skip
    assert [(r.card.jurisdiction, r.rank, r.tied) for r in ranked] == [
        ("太仓", 1, False), ("常熟", 2, True), ("昆山", 2, True), ("吴江", 4, False), ("张家港", None, False),
    ]  # fmt: skip


def test_the_rules_weigh_the_other_targets() -> None:
    rules = parse_rules("[scorecard]\nair = 50\nreported = 30\ntasks = 20\n", name="r.toml")
    assert (rules.weights.air, rules.weights.reported, rules.weights.tasks) == (D(50), D(30), D(20))
    assert parse_rules("", name="r.toml").weights.reported == 20  # the default
