"""The records of the daily workflow (调度、督办、问题交办): pure data shared by services and front doors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lantian.domain.plans.model import TaskStatus


class UserRole(StrEnum):
    ADMIN = "admin"  # 大气办管理员: runs a jurisdiction's plans, reviews, 督办, tickets
    DEPARTMENT = "department"  # 部门用户: reports progress, answers 督办, rectifies tickets
    LEADER = "leader"  # 领导: reads everything in the jurisdiction, changes nothing


USER_ROLE_LABELS = {UserRole.ADMIN: "大气办管理员", UserRole.DEPARTMENT: "部门用户", UserRole.LEADER: "领导(只读)"}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or the command line (``system``)."""

    username: str
    role: UserRole
    jurisdiction: str  # 辖区 (南京市, 江苏省, 栖霞区…)
    department: str | None = None  # 部门 (normalised) for department users
    display_name: str = ""

    @property
    def label(self) -> str:
        return self.display_name or self.username


SYSTEM = Actor(username="system", role=UserRole.ADMIN, jurisdiction="", display_name="命令行 command line")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: UserRole
    jurisdiction: str
    department: str | None
    active: bool
    created_at: dt.datetime
    email: str | None = None  # 电子邮箱: where notifications are mailed (docs/notifications.md)

    def actor(self) -> Actor:
        return Actor(self.username, self.role, self.jurisdiction, self.department, self.display_name)


class ReviewState(StrEnum):
    SUBMITTED = "submitted"  # 待审核
    ACCEPTED = "accepted"  # 已通过
    RETURNED = "returned"  # 已退回


REVIEW_LABELS = {ReviewState.SUBMITTED: "待审核", ReviewState.ACCEPTED: "已通过", ReviewState.RETURNED: "已退回"}


@dataclass(frozen=True)
class Evidence:
    """An evidence file (佐证材料), kept in the data folder under its SHA-256."""

    id: int
    owner: str  # progress | notice | ticket
    owner_id: int
    filename: str  # as uploaded
    sha256: str
    size: int
    content_type: str
    uploaded_by: str
    uploaded_at: dt.datetime


@dataclass(frozen=True)
class ProgressRound:
    """One submission of a report and the review it met (报送轮次). A returned report corrected and
    filed again starts a new round: the returned round keeps its text and its reason."""

    number: int  # 1, 2, … within the report
    unit: str  # the reporting unit (报送单位, the report's department), not a login name
    status: TaskStatus
    narrative: str
    indicators: dict[str, float]
    submitted_by: str  # the login, for the audit
    submitted_at: dt.datetime
    review: ReviewState
    review_reason: str | None = None
    reviewed_by: str | None = None  # the login, for the audit
    reviewer_unit: str | None = None  # the reviewing office (审核单位: 苏州市大气办)
    reviewed_at: dt.datetime | None = None
    evidence: list[Evidence] = field(default_factory=list)  # the files filed with this round


@dataclass(frozen=True)
class ProgressReport:
    """One department's report on one task (or sub-task) for one period (调度报送)."""

    id: int
    task_id: int
    plan_key: str
    task_number: str
    subtask: str  # "" for the task itself
    department: str  # normalised
    jurisdiction: str  # the reporting department's place (辖区)
    period: str  # 2026-10 (monthly), 2026-Q3, 2026
    status: TaskStatus  # 未启动 / 推进中 / 已完成 / 滞后
    narrative: str
    indicators: dict[str, float]  # indicator → value reported toward the task's targets
    review: ReviewState
    review_reason: str | None
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    submitted_by: str
    submitted_at: dt.datetime
    version: int  # optimistic lock: every change adds one
    evidence: list[Evidence] = field(default_factory=list)
    rounds: list[ProgressRound] = field(default_factory=list)  # every submission, oldest first


class NoticeState(StrEnum):
    ISSUED = "issued"  # 已下发
    ANSWERED = "answered"  # 已回复
    CLOSED = "closed"  # 已办结


NOTICE_LABELS = {NoticeState.ISSUED: "已下发", NoticeState.ANSWERED: "已回复", NoticeState.CLOSED: "已办结"}


@dataclass(frozen=True)
class Notice:
    """A 督办 notice to a department about tasks, with a due date (督办单)."""

    id: int
    jurisdiction: str
    department: str
    subject: str
    body: str
    task_ids: list[int]
    due: dt.date
    state: NoticeState
    escalation: int  # rungs of the escalation ladder reached (0 = none)
    issued_by: str
    issued_at: dt.datetime
    answer: str | None
    answered_by: str | None
    answered_at: dt.datetime | None
    version: int
    evidence: list[Evidence] = field(default_factory=list)


class TicketState(StrEnum):
    FOUND = "found"  # 发现: recorded, not yet handed to a department
    ASSIGNED = "assigned"  # 交办: a department is rectifying it by the due date
    RECTIFIED = "rectified"  # 整改: the department reports it rectified, awaiting the check
    VERIFIED = "verified"  # 核查: the check passed, awaiting 销号
    CLOSED = "closed"  # 销号


TICKET_LABELS = {
    TicketState.FOUND: "发现",
    TicketState.ASSIGNED: "交办",
    TicketState.RECTIFIED: "整改",
    TicketState.VERIFIED: "核查",
    TicketState.CLOSED: "销号",
}


class TicketSource(StrEnum):
    INSPECTION = "inspection"  # 督查检查
    ALERT = "alert"  # 监测预警
    COMPLAINT = "complaint"  # 群众投诉


SOURCE_LABELS = {
    TicketSource.INSPECTION: "督查检查",
    TicketSource.ALERT: "监测预警",
    TicketSource.COMPLAINT: "群众投诉",
}


@dataclass(frozen=True)
class TicketStep:
    seq: int
    action: str  # workflow.TicketAction
    state: TicketState  # the state after the step
    by: str
    at: dt.datetime
    note: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class Ticket:
    """A problem ticket (问题清单): 发现 → 交办 → 整改 → 核查 → 销号, reopened when the check fails."""

    id: int
    jurisdiction: str
    source: TicketSource
    title: str
    description: str
    location: str
    department: str | None  # 责任单位, set when 交办
    due: dt.date | None  # 整改时限
    state: TicketState
    reopened: int  # times the 核查 failed
    created_by: str
    created_at: dt.datetime
    version: int
    steps: list[TicketStep] = field(default_factory=list)


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log (审计日志): who changed what, from what to what."""

    seq: int
    at: dt.datetime
    actor: str
    action: str  # progress.submit, ticket.assign, user.add, …
    entity: str  # progress | notice | ticket | user | flag | plan
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str
