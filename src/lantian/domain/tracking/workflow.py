"""Which step may follow which (流程规则): progress review, 督办 and the ticket's 发现 → 交办 → 整改 →
核查 → 销号. Each function returns the new state or raises :class:`WorkflowError` with the reason a
person can act on; the services call them before writing anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from lantian.domain.tracking.model import (
    NOTICE_LABELS,
    REVIEW_LABELS,
    TICKET_LABELS,
    NoticeState,
    ReviewState,
    TicketState,
)
from lantian.errors import WorkflowError


# ---------------------------------------------------------------- progress review (审核)
def resubmit(current: ReviewState | None) -> ReviewState:
    """A department files or corrects its report: allowed unless the 大气办 has accepted it."""
    if current is ReviewState.ACCEPTED:
        raise WorkflowError("the report was accepted and can no longer be changed (报送已审核通过，不能再修改)")
    return ReviewState.SUBMITTED


def review(current: ReviewState, accept: bool, reason: str | None) -> ReviewState:
    if current is not ReviewState.SUBMITTED:
        raise WorkflowError(f"only a report awaiting review can be reviewed (当前状态: {REVIEW_LABELS[current]})")
    if accept:
        return ReviewState.ACCEPTED
    if not (reason or "").strip():
        raise WorkflowError("a returned report needs a reason (退回须说明理由)", field="reason")
    return ReviewState.RETURNED


# ---------------------------------------------------------------- 督办
def answer(current: NoticeState) -> NoticeState:
    if current is NoticeState.CLOSED:
        raise WorkflowError("the notice is closed (督办已办结)")
    return NoticeState.ANSWERED


def close_notice(current: NoticeState) -> NoticeState:
    if current is not NoticeState.ANSWERED:
        raise WorkflowError(f"a notice is closed after it is answered (当前状态: {NOTICE_LABELS[current]})")
    return NoticeState.CLOSED


@dataclass(frozen=True)
class Rung:
    """A rung of the escalation ladder (督办升级): reached ``days_late`` days after the due date."""

    days_late: int
    name: str  # 催办, 通报, 约谈 …
    name_en: str = ""


DEFAULT_LADDER = (
    Rung(1, "催办", "reminder"),
    Rung(7, "通报批评", "public notice"),
    Rung(15, "约谈", "summons"),
)


def escalation(due: dt.date, as_of: dt.date, state: NoticeState, ladder: tuple[Rung, ...] = DEFAULT_LADDER) -> int:
    """How many rungs an unanswered notice has reached on ``as_of`` (0 when on time or answered)."""
    if state is not NoticeState.ISSUED:
        return 0
    late = (as_of - due).days
    return sum(1 for rung in ladder if late >= rung.days_late)


# ---------------------------------------------------------------- problem tickets
class TicketAction(StrEnum):
    CREATE = "create"  # 发现
    ASSIGN = "assign"  # 交办
    RECTIFY = "rectify"  # 整改 (reported done)
    PASS = "pass"  # 核查通过
    FAIL = "fail"  # 核查不通过 → 重新整改
    CLOSE = "close"  # 销号


ACTION_LABELS = {
    TicketAction.CREATE: "发现",
    TicketAction.ASSIGN: "交办",
    TicketAction.RECTIFY: "整改",
    TicketAction.PASS: "核查通过",
    TicketAction.FAIL: "核查不通过",
    TicketAction.CLOSE: "销号",
}

_TICKET_MOVES: dict[TicketAction, tuple[frozenset[TicketState], TicketState]] = {
    TicketAction.ASSIGN: (frozenset({TicketState.FOUND}), TicketState.ASSIGNED),
    TicketAction.RECTIFY: (frozenset({TicketState.ASSIGNED}), TicketState.RECTIFIED),
    TicketAction.PASS: (frozenset({TicketState.RECTIFIED}), TicketState.VERIFIED),
    TicketAction.FAIL: (frozenset({TicketState.RECTIFIED}), TicketState.ASSIGNED),
    TicketAction.CLOSE: (frozenset({TicketState.VERIFIED}), TicketState.CLOSED),
}

#: steps a department may take on a ticket assigned to it; every other step is the 大气办's
DEPARTMENT_ACTIONS = frozenset({TicketAction.RECTIFY})


def ticket_step(current: TicketState, action: TicketAction, *, note: str, evidence_count: int) -> TicketState:
    """The state after ``action``; 整改 needs evidence or a note, and 核查不通过 needs a reason."""
    if action is TicketAction.CREATE:
        raise WorkflowError("a ticket is created once (问题已登记)")
    allowed, after = _TICKET_MOVES[action]
    if current not in allowed:
        raise WorkflowError(
            f"{ACTION_LABELS[action]} is not possible while the ticket is at {TICKET_LABELS[current]}"
            f" ({TICKET_LABELS[current]}阶段不能{ACTION_LABELS[action]})",
            field="action",
        )
    if action is TicketAction.RECTIFY and not evidence_count and not note.strip():
        raise WorkflowError("整改 needs a description or evidence (整改须附说明或佐证材料)", field="note")
    if action is TicketAction.FAIL and not note.strip():
        raise WorkflowError("a failed check needs a reason (核查不通过须说明理由)", field="note")
    return after


def next_actions(current: TicketState) -> list[TicketAction]:
    return [a for a, (allowed, _) in _TICKET_MOVES.items() if current in allowed]
