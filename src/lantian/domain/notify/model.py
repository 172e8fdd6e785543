"""The records of to-dos and notifications (待办与通知): plain data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class TodoKind(StrEnum):
    """What a to-do asks of its user, in the order the list shows them."""

    REPORT_DUE = "report_due"  # 待报送: a monthly report of one's own task not yet filed
    RETURNED = "returned"  # 被退回: a report returned to one's unit
    NOTICE = "notice"  # 待回复督办: a 督办 addressed to one's unit, not yet answered
    TICKET = "ticket"  # 待整改: a ticket assigned (交办) to one's unit
    REVIEW = "review"  # 待审核: a report awaiting the 大气办's review
    FLAG = "flag"  # 待复核: a plan's flag awaiting review
    NOTICE_CLOSE = "notice_close"  # 待办结: an answered 督办
    TICKET_ASSIGN = "ticket_assign"  # 待交办: a ticket found, not yet handed to a unit
    TICKET_CHECK = "ticket_check"  # 待核查: a ticket reported rectified
    TICKET_CLOSE = "ticket_close"  # 待销号: a ticket that passed its check


TODO_LABELS = {
    TodoKind.REPORT_DUE: "待报送调度",
    TodoKind.RETURNED: "被退回的报送",
    TodoKind.NOTICE: "待回复督办",
    TodoKind.TICKET: "待整改问题",
    TodoKind.REVIEW: "待审核报送",
    TodoKind.FLAG: "待复核标记",
    TodoKind.NOTICE_CLOSE: "待办结督办",
    TodoKind.TICKET_ASSIGN: "待交办问题",
    TodoKind.TICKET_CHECK: "待核查问题",
    TodoKind.TICKET_CLOSE: "待销号问题",
}


@dataclass(frozen=True)
class TodoItem:
    kind: TodoKind
    title: str
    detail: str
    link: str  # the page where it is done
    due: dt.date | None = None
    days_left: int | None = None  # negative: days overdue


@dataclass(frozen=True)
class TodoGroup:
    kind: TodoKind
    total: int  # all of them (the list shows the first ``items``)
    items: list[TodoItem]
    more: str = ""  # the page listing every one when the list is cut

    @property
    def label(self) -> str:
        return TODO_LABELS[self.kind]


@dataclass(frozen=True)
class Todo:
    as_of: dt.date
    groups: list[TodoGroup]

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)


class Kind(StrEnum):
    """What a notification is about."""

    NOTICE = "notice"  # 督办下发
    ESCALATION = "escalation"  # 催办 / 通报批评 / 约谈
    RETURNED = "returned"  # 报送退回
    ASSIGNED = "assigned"  # 问题交办
    REWORK = "rework"  # 核查不通过，重新整改
    REMINDER = "reminder"  # 到期提醒
    DIGEST = "digest"  # 每日待办


KIND_LABELS = {
    Kind.NOTICE: "督办",
    Kind.ESCALATION: "督办升级",
    Kind.RETURNED: "报送退回",
    Kind.ASSIGNED: "问题交办",
    Kind.REWORK: "重新整改",
    Kind.REMINDER: "到期提醒",
    Kind.DIGEST: "每日待办",
}


@dataclass(frozen=True)
class Message:
    """An event to announce: to the users of ``department`` in ``place`` (None: the place's 大气办),
    and its leaders too when ``leaders``; ``key`` names the event once (idempotency)."""

    kind: Kind
    key: str
    subject: str
    body: str
    link: str
    place: str
    department: str | None
    leaders: bool = False


@dataclass(frozen=True)
class Notification:
    id: int
    user_id: int
    kind: Kind
    event_key: str
    subject: str
    body: str
    link: str
    place: str
    created_at: dt.datetime
    read_at: dt.datetime | None


@dataclass(frozen=True)
class Webhook:
    """A 政务微信 / 钉钉-style group robot: a place's events (or one department's) are posted to it."""

    id: int
    url: str
    secret: str
    place: str
    department: str | None
    active: bool
    created_at: dt.datetime


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class Status(StrEnum):
    PENDING = "pending"  # 待发送 (again, after a failure, from ``next_at``)
    SENT = "sent"  # 已发送
    FAILED = "failed"  # 已放弃: every attempt failed


STATUS_LABELS = {Status.PENDING: "待发送", Status.SENT: "已发送", Status.FAILED: "发送失败"}
CHANNEL_LABELS = {Channel.EMAIL: "邮件", Channel.WEBHOOK: "群机器人"}


@dataclass(frozen=True)
class Attempt:
    attempt: int
    at: dt.datetime
    ok: bool
    error: str | None


@dataclass(frozen=True)
class Delivery:
    id: int
    channel: Channel
    target: str
    webhook_id: int | None
    event_key: str
    place: str
    subject: str
    body: str
    status: Status
    attempts: int
    last_error: str | None
    next_at: dt.datetime
    created_at: dt.datetime
    sent_at: dt.datetime | None
    log: list[Attempt] = field(default_factory=list)
