"""Accountability actions (问责措施) and whether a flag is answered: pure rules, no storage.

A flag (:class:`~lantian.domain.targets.accountability.Flag`, 连续N月倒数M位; or a step of an
escalation ladder, :class:`~lantian.domain.targets.accountability.Escalation`, 末位问责) names the
action it requires. The office records what it did as an :class:`Action` — the kind (通报, 约谈 …),
the date, the unit that did it, the document (文号/title), the minutes — against the flag it
answers, keyed by (rule, place, period): the period a streak flag was reached, or the period of
the ladder step. docs/accountability.md, "Flags and actions".

Open or closed (:func:`flag_states`):

- a flag is **open** until an action of its required kind is recorded against it;
- 区域限批 (regional approval restriction) is in force until it is lifted: a flag requiring 区域限批
  stays open — 限批中 once the restriction is recorded — until 区域限批解除 is recorded;
- a ladder step is also closed when a later, stronger step of the same run (the same place's
  consecutive last places on the same ladder) has been answered by its action: a 约谈 held in the
  third month answers the 警示 of the first (已升级处理).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lantian.domain.targets.accountability import Escalation, Flag, Ladder, Rules
from lantian.domain.targets.registry import place_key
from lantian.domain.tracking.model import Evidence

RESTRICTION = "区域限批"  # regional approval restriction: in force until lifted
LIFTED = "区域限批解除"
# the measures of 003 四(二) and of the offices' practice (specs/practice.md), in escalating order
DEFAULT_KINDS = ("警示", "通报", "约谈", "挂牌督办", "专项帮扶", RESTRICTION, LIFTED)
OPEN, IN_FORCE, CLOSED = "open", "in_force", "closed"
STATE_LABELS = {OPEN: "未处理", IN_FORCE: "限批中", CLOSED: "已处理"}


def action_kinds(rules: Rules) -> tuple[str, ...]:
    """The kinds an action may have: the defaults, then every action the configured rules require
    (a rule may name its own: 专项督察, 挂牌督办 …)."""
    named = [r.action for r in rules.streaks] + [a for lad in rules.ladders for _, a in lad.steps]
    return tuple(dict.fromkeys([*DEFAULT_KINDS, *named]))


@dataclass(frozen=True)
class FlagKey:
    """The flag an action answers: the rule's name, the flagged place and the period it was reached
    (a streak's third month, a ladder step's month), YYYY-MM."""

    rule: str
    place: str
    period: str

    def same(self, other: FlagKey) -> bool:
        return (self.rule, place_key(self.place), self.period) == (other.rule, place_key(other.place), other.period)


@dataclass(frozen=True)
class Action:
    """An accountability action taken (问责措施): who did what, when, with which document."""

    id: int
    flag: FlagKey
    kind: str  # 警示 | 通报 | 约谈 | 挂牌督办 | 专项帮扶 | 区域限批 | 区域限批解除 | a configured kind
    on: dt.date  # the day it happened (通报 issued, 约谈 held)
    unit: str  # who: the unit that acted (苏州市大气办)
    recorded_by: str  # the login that recorded it (kept for the audit)
    document: str  # 文号 / title (苏大气办〔2025〕12号)
    minutes: str  # 约谈纪要 or a note
    created_at: dt.datetime
    evidence: tuple[Evidence, ...] = ()

    @property
    def place(self) -> str:
        return self.flag.place


@dataclass(frozen=True)
class FlagState:
    """A flag of the period with what was done about it."""

    source: str  # streak (连续N月倒数M位) | ladder (末位问责)
    key: FlagKey
    required: str  # the action the rule requires
    last: str  # the last period of the streak (a ladder step: its own)
    months: tuple[tuple[str, int, int], ...]  # (period, rank, places ranked): the evidence
    streak: int  # consecutive periods (in the bottom, or last)
    actions: tuple[Action, ...] = ()  # recorded against it, oldest first
    state: str = OPEN
    superseded_by: Action | None = field(default=None)  # a later ladder step's action that closed it

    @property
    def open(self) -> bool:
        return self.state != CLOSED


def state_of(required: str, kinds: Iterable[str]) -> str:
    """Open, in force or closed, from the kinds of the actions recorded against one flag."""
    done = set(kinds)
    if required == RESTRICTION:
        if LIFTED in done:
            return CLOSED
        return IN_FORCE if RESTRICTION in done else OPEN
    return CLOSED if required in done else OPEN


def _answering(key: FlagKey, actions: Sequence[Action]) -> tuple[Action, ...]:
    return tuple(sorted((a for a in actions if a.flag.same(key)), key=lambda a: (a.on, a.id)))


def flag_states(
    flags: Sequence[Flag],
    ladder: Sequence[Escalation],
    actions: Sequence[Action],
    *,
    ladders: Sequence[Ladder] = (),
    rankings: dict[str, dict[str, int | None]] | None = None,
) -> list[FlagState]:
    """Every flag and ladder step with the actions recorded against it and its state (the module's
    rules). ``ladders`` orders each ladder's steps (a later step supersedes an earlier one in the
    same run); ``rankings`` (period → place → rank) gives a ladder step its month's evidence."""
    out: list[FlagState] = []
    for f in flags:
        key = FlagKey(f.rule, f.place, f.first)
        done = _answering(key, actions)
        out.append(FlagState("streak", key, f.action, f.last, f.evidence, len(f.evidence), done,
                             state_of(f.action, (a.kind for a in done))))  # fmt: skip
    # a ladder's steps run by place: consecutive last places are one run (streak 1, 2, 3 …)
    order = {lad.name: [a for _, a in lad.steps] for lad in ladders}
    by_run: dict[tuple[str, str], list[list[Escalation]]] = {}
    for e in sorted(ladder, key=lambda e: (e.place, e.period)):
        runs = by_run.setdefault((e.rule, e.place), [])
        if not runs or runs[-1][-1].streak != e.streak - 1:
            runs.append([])
        runs[-1].append(e)
    for (name, _), runs in by_run.items():
        steps = order.get(name, [])
        for run in runs:
            states: list[FlagState] = []
            for e in run:
                key = FlagKey(name, e.place, e.period)
                done = _answering(key, actions)
                ranking = (rankings or {}).get(e.period, {})
                rank = ranking.get(e.place)
                evidence = () if rank is None else ((e.period, rank, sum(1 for r in ranking.values() if r)),)
                states.append(FlagState("ladder", key, e.action, e.period, evidence, e.streak, done,
                                        state_of(e.action, (a.kind for a in done))))  # fmt: skip
            for i, s in enumerate(states):
                if s.state == CLOSED:
                    continue
                for later in states[i + 1 :]:
                    stronger = _rank(steps, later.required) > _rank(steps, s.required)
                    answer = next((a for a in later.actions if a.kind == later.required), None)
                    if stronger and answer is not None and later.state == CLOSED:
                        states[i] = FlagState(s.source, s.key, s.required, s.last, s.months, s.streak, s.actions,
                                              CLOSED, answer)  # fmt: skip
                        break
            out.extend(states)
    return sorted(out, key=lambda s: (s.key.period, s.key.place, s.source, s.key.rule))


def _rank(steps: Sequence[str], action: str) -> int:
    return steps.index(action) if action in steps else -1


def open_count(states: Sequence[FlagState]) -> int:
    """未处理: the flags still open (a restriction in force counts: it is open until lifted)."""
    return sum(1 for s in states if s.open)
