"""Open or closed, worked by hand (docs/accountability.md, "Flags and actions"): the 日照 ladder
警示 → 挂牌督办 → 约谈, a streak rule's flag, and 区域限批 with its lifting."""

from __future__ import annotations

import datetime as dt

from lantian.domain.targets.accountability import Ladder, Rules, StreakRule, escalations, streak_flags
from lantian.domain.targets.actions import (
    CLOSED,
    DEFAULT_KINDS,
    IN_FORCE,
    OPEN,
    Action,
    FlagKey,
    action_kinds,
    flag_states,
    open_count,
    state_of,
)

RIZHAO = Ladder("末位问责", ((1, "警示"), (2, "挂牌督办"), (3, "约谈")))
# 甲 is last in January, February and March (ranks of four places); 乙 last in April
SERIES = [
    ("2025-01", {"甲": 4, "乙": 3, "丙": 2, "丁": 1}),
    ("2025-02", {"甲": 4, "乙": 3, "丙": 1, "丁": 2}),
    ("2025-03", {"甲": 4, "乙": 2, "丙": 3, "丁": 1}),
    ("2025-04", {"甲": 3, "乙": 4, "丙": 1, "丁": 2}),
]
WHEN = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)


def act(n: int, rule: str, place: str, period: str, kind: str) -> Action:
    return Action(n, FlagKey(rule, place, period), kind, dt.date(2025, 5, n), "某市大气办", "dqb", f"文{n}", "", WHEN)


def ladder_states(actions: list[Action]) -> dict[tuple[str, str], str]:
    steps = escalations(SERIES, RIZHAO)
    states = flag_states([], steps, actions, ladders=[RIZHAO], rankings=dict(SERIES))
    return {(s.key.place, s.key.period): f"{s.required}:{s.state}" for s in states}


def test_the_ladder_steps_are_flags_each_open_until_its_action() -> None:
    assert ladder_states([]) == {
        ("甲", "2025-01"): "警示:open",
        ("甲", "2025-02"): "挂牌督办:open",
        ("甲", "2025-03"): "约谈:open",
        ("乙", "2025-04"): "警示:open",
    }
    # 警示 issued for January closes January only; a 通报 is recorded against February but it is
    # not the 挂牌督办 February requires
    done = [act(1, "末位问责", "甲", "2025-01", "警示"), act(2, "末位问责", "甲", "2025-02", "通报")]
    assert ladder_states(done) == {
        ("甲", "2025-01"): "警示:closed",
        ("甲", "2025-02"): "挂牌督办:open",
        ("甲", "2025-03"): "约谈:open",
        ("乙", "2025-04"): "警示:open",
    }


def test_a_stronger_later_step_answers_the_earlier_ones_of_its_run() -> None:
    """The 约谈 held for March answers February's 挂牌督办 (已升级处理), not 乙's April 警示."""
    yuetan = act(3, "末位问责", "甲", "2025-03", "约谈")
    steps = escalations(SERIES, RIZHAO)
    states = flag_states([], steps, [yuetan], ladders=[RIZHAO], rankings=dict(SERIES))
    by = {(s.key.place, s.key.period): s for s in states}
    assert [by["甲", p].state for p in ("2025-01", "2025-02", "2025-03")] == [CLOSED, CLOSED, CLOSED]
    assert by["甲", "2025-01"].superseded_by == yuetan and by["甲", "2025-03"].superseded_by is None
    assert by["乙", "2025-04"].state == OPEN
    assert open_count(states) == 1
    # each step carries its month's evidence: last of four
    assert by["甲", "2025-02"].months == (("2025-02", 4, 4),) and by["甲", "2025-02"].streak == 2


def test_a_weaker_later_action_does_not_close_a_stronger_earlier_step() -> None:
    """A new run: 甲 last again after a month off starts at 警示; its 警示 does not answer the old 约谈."""
    series = [*SERIES, ("2025-05", {"甲": 4, "乙": 1, "丙": 2, "丁": 3})]
    steps = escalations(series, RIZHAO)
    actions = [act(1, "末位问责", "甲", "2025-05", "警示")]
    states = {(s.key.place, s.key.period): s.state for s in flag_states([], steps, actions, ladders=[RIZHAO])}
    assert states["甲", "2025-03"] == OPEN and states["甲", "2025-05"] == CLOSED


def test_a_streak_flag_is_keyed_by_the_month_it_was_reached() -> None:
    rule = StreakRule("连续2个月倒数2位", bottom=2, months=2, action="专项帮扶")
    (flag,) = [f for f in streak_flags(SERIES, rule) if f.place == "甲"]
    # in the bottom two all four months (third of four in April): reached in February, lasting to April
    assert (flag.first, flag.last) == ("2025-02", "2025-04")
    wrong_month = act(1, rule.name, "甲", "2025-01", "专项帮扶")
    (state,) = [s for s in flag_states([flag], [], [wrong_month]) if s.key.place == "甲"]
    assert state.state == OPEN and state.actions == ()
    right = act(2, rule.name, "甲", "2025-02", "专项帮扶")
    (state,) = flag_states([flag], [], [right])
    assert state.state == CLOSED and state.actions == (right,)
    assert [(m[0], m[1]) for m in state.months] == [("2025-01", 4), ("2025-02", 4), ("2025-03", 4), ("2025-04", 3)]


def test_a_restriction_is_open_until_it_is_lifted() -> None:
    assert state_of("区域限批", []) == OPEN
    assert state_of("区域限批", ["通报"]) == OPEN
    assert state_of("区域限批", ["区域限批"]) == IN_FORCE
    assert state_of("区域限批", ["区域限批", "区域限批解除"]) == CLOSED
    assert state_of("约谈", ["约谈"]) == CLOSED and state_of("约谈", ["区域限批解除"]) == OPEN
    rule = StreakRule("连续3个月倒数1位", bottom=1, months=3, action="区域限批")
    (flag,) = streak_flags(SERIES, rule)
    imposed = act(1, rule.name, "甲", "2025-03", "区域限批")
    (state,) = flag_states([flag], [], [imposed])
    assert state.state == IN_FORCE and state.open and open_count([state]) == 1
    lifted = act(2, rule.name, "甲", "2025-03", "区域限批解除")
    (state,) = flag_states([flag], [], [lifted, imposed])
    assert state.state == CLOSED and [a.kind for a in state.actions] == ["区域限批", "区域限批解除"]


def test_the_kinds_are_the_defaults_and_what_the_rules_name() -> None:
    rules = Rules(streaks=(StreakRule("x", 1, 1, "专项督察"),), ladders=(RIZHAO,))
    assert action_kinds(rules) == (*DEFAULT_KINDS, "专项督察")
