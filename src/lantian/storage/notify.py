"""Notifications repository (通知存储): in-app notifications, webhooks, deliveries and their
attempts, the audit cursor, and the to-do list's counts (待办), each counted by the store. Takes and
returns the domain's dataclasses; runs in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from lantian.domain.notify.model import (
    Attempt,
    Channel,
    Delivery,
    Kind,
    Message,
    Notification,
    Status,
    Webhook,
)
from lantian.domain.plans.model import TaskStatus
from lantian.domain.tracking.access import Scope
from lantian.domain.tracking.audit import StoredEntry
from lantian.domain.tracking.model import ProgressReport
from lantian.domain.tracking.overdue import Rhythm
from lantian.errors import NotFoundError
from lantian.storage import tables as t
from lantian.storage.tracking import TrackingRepository, _entry, _in_places, _must, _utc

Rows = tuple[int, list[Any]]  # (how many in all, the first rows)


class NotificationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.tracking = TrackingRepository(session)

    # ---------------------------------------------------------------- the audit cursor
    def cursor(self) -> int:
        return int(self.session.scalar(select(t.notify_cursor.c.seq).where(t.notify_cursor.c.id == 1)) or 0)

    def set_cursor(self, seq: int) -> None:
        c = t.notify_cursor
        if self.session.execute(update(c).where(c.c.id == 1).values(seq=seq)).rowcount == 0:  # type: ignore[attr-defined]
            self.session.execute(insert(c).values(id=1, seq=seq))

    def audit_after(self, seq: int, limit: int) -> list[StoredEntry]:
        a = t.audit_log
        query = select(a).where(a.c.seq > seq).order_by(a.c.seq).limit(limit)
        return [_entry(r) for r in self.session.execute(query)]

    # ---------------------------------------------------------------- in-app notifications
    def add_notification(self, user_id: int, message: Message, now: dt.datetime) -> int | None:
        """The notification of ``message`` for the user; None when it has it already."""
        n = t.notifications
        if self.session.scalar(select(n.c.id).where(n.c.user_id == user_id, n.c.event_key == message.key)):
            return None
        values = {
            "user_id": user_id,
            "kind": message.kind.value,
            "event_key": message.key,
            "subject": message.subject,
            "body": message.body,
            "link": message.link,
            "place": message.place,
            "created_at": now,
            "read_at": None,
        }
        return int(self.session.execute(insert(n).values(**values).returning(n.c.id)).scalar_one())

    def notifications(self, user_id: int, *, limit: int = 100, unread_only: bool = False) -> list[Notification]:
        n = t.notifications
        query = select(n).where(n.c.user_id == user_id).order_by(n.c.id.desc()).limit(limit)
        if unread_only:
            query = query.where(n.c.read_at.is_(None))
        return [_notification(r) for r in self.session.execute(query)]

    def unread(self, user_id: int) -> int:
        n = t.notifications
        query = select(func.count()).select_from(n).where(n.c.user_id == user_id, n.c.read_at.is_(None))
        return int(self.session.scalar(query) or 0)

    def mark_read(self, user_id: int, ids: Sequence[int] | None, now: dt.datetime) -> int:
        """Mark the user's own notifications read (``ids``; None: all of them); how many changed."""
        n = t.notifications
        query = update(n).where(n.c.user_id == user_id, n.c.read_at.is_(None))
        if ids is not None:
            query = query.where(n.c.id.in_(list(ids)))
        return int(self.session.execute(query.values(read_at=now)).rowcount)  # type: ignore[attr-defined]

    def set_email(self, user_id: int, email: str | None) -> None:
        self.session.execute(update(t.users).where(t.users.c.id == user_id).values(email=email))

    # ---------------------------------------------------------------- webhooks
    def add_webhook(self, url: str, secret: str, place: str, department: str | None, now: dt.datetime) -> int:
        w = t.webhooks
        values = {
            "url": url,
            "secret": secret,
            "place": place,
            "department": department,
            "active": True,
            "created_at": now,
        }
        return int(self.session.execute(insert(w).values(**values).returning(w.c.id)).scalar_one())

    def webhooks(self) -> list[Webhook]:
        return [_webhook(r) for r in self.session.execute(select(t.webhooks).order_by(t.webhooks.c.id))]

    def webhook(self, webhook_id: int) -> Webhook:
        row = self.session.execute(select(t.webhooks).where(t.webhooks.c.id == webhook_id)).first()
        if row is None:
            raise NotFoundError(f"没有该群机器人 (no webhook {webhook_id})", field="webhook")
        return _webhook(row)

    def remove_webhook(self, webhook_id: int) -> None:
        self.session.execute(delete(t.webhooks).where(t.webhooks.c.id == webhook_id))

    # ---------------------------------------------------------------- deliveries
    def add_delivery(
        self, channel: Channel, target: str, webhook_id: int | None, message: Message, now: dt.datetime
    ) -> bool:
        """Queue ``message`` to ``target``; False when it was queued before (sent or not)."""
        d = t.deliveries
        found = select(d.c.id).where(d.c.channel == channel.value, d.c.target == target, d.c.event_key == message.key)
        if self.session.scalar(found):
            return False
        self.session.execute(
            insert(d).values(
                channel=channel.value,
                target=target,
                webhook_id=webhook_id,
                event_key=message.key,
                place=message.place,
                subject=message.subject,
                body=message.body,
                status=Status.PENDING.value,
                attempts=0,
                last_error=None,
                next_at=now,
                created_at=now,
                sent_at=None,
            )
        )
        return True

    def has_delivery(self, channel: Channel, target: str, key: str) -> bool:
        d = t.deliveries
        found = select(d.c.id).where(d.c.channel == channel.value, d.c.target == target, d.c.event_key == key)
        return self.session.scalar(found) is not None

    def pending(self) -> int:
        d = t.deliveries
        query = select(func.count()).select_from(d).where(d.c.status == Status.PENDING.value)
        return int(self.session.scalar(query) or 0)

    def delivery_places(self) -> list[str]:
        return [str(p) for (p,) in self.session.execute(select(t.deliveries.c.place).distinct())]

    def due(self, now: dt.datetime, limit: int = 200) -> list[Delivery]:
        d = t.deliveries
        query = (
            select(d).where(d.c.status == Status.PENDING.value, d.c.next_at <= now).order_by(d.c.next_at, d.c.id)
        ).limit(limit)
        return [_delivery(r) for r in self.session.execute(query)]

    def claim(self, delivery: Delivery, until: dt.datetime) -> bool:
        """Hold ``delivery`` for this sender until ``until`` (another sender finds it not due); False
        when another sender got it first."""
        d = t.deliveries
        moved = self.session.execute(
            update(d)
            .where(d.c.id == delivery.id, d.c.attempts == delivery.attempts, d.c.status == Status.PENDING.value)
            .values(next_at=until)
        )
        return bool(moved.rowcount == 1)  # type: ignore[attr-defined]

    def record_attempt(
        self, delivery: Delivery, at: dt.datetime, error: str | None, *, give_up: bool, next_at: dt.datetime
    ) -> None:
        """Log attempt ``delivery.attempts + 1`` and move the delivery on: sent, failed for good, or
        pending again from ``next_at``."""
        d, a = t.deliveries, t.delivery_attempts
        attempt = delivery.attempts + 1
        self.session.execute(
            insert(a).values(delivery_id=delivery.id, attempt=attempt, at=at, ok=error is None, error=error)
        )
        status = Status.SENT if error is None else Status.FAILED if give_up else Status.PENDING
        self.session.execute(
            update(d)
            .where(d.c.id == delivery.id)
            .values(
                attempts=attempt,
                status=status.value,
                last_error=error,
                next_at=next_at,
                sent_at=at if error is None else None,
            )
        )

    def deliveries(self, *, limit: int = 100, places: Sequence[str] | None = None) -> list[Delivery]:
        """The newest deliveries with their attempts (the delivery log); ``places``: only theirs."""
        d, a = t.deliveries, t.delivery_attempts
        query = select(d).order_by(d.c.id.desc()).limit(limit)
        if places is not None:
            query = query.where(d.c.place.in_(list(places)))
        rows = self.session.execute(query).all()
        log: dict[int, list[Attempt]] = {}
        ids = [int(r.id) for r in rows]
        if ids:
            for r in self.session.execute(select(a).where(a.c.delivery_id.in_(ids)).order_by(a.c.id)):
                log.setdefault(int(r.delivery_id), []).append(Attempt(int(r.attempt), _must(r.at), bool(r.ok), r.error))
        return [_delivery(r, log.get(int(r.id), [])) for r in rows]

    # ---------------------------------------------------------------- the to-do list's counts (待办)
    def reports_missing(self, scope: Scope, due: dict[Rhythm, str], clauses: bool, limit: int,
                        default: Rhythm = Rhythm.MONTHLY) -> Rows:  # fmt: skip
        """The reports of the periods ``due`` (per rhythm) that the department of ``scope`` owes and has
        not filed: (how many, the first (task id, department) pairs in plan order)."""
        tk, p = t.tasks, t.plans
        queries = self.tracking._overdue_queries(scope, dt.date.min, due, clauses, default)
        if len(queries) < 2:
            return 0, []
        query, r = queries[-1]
        total = int(self.session.scalar(select(func.count()).select_from(query.subquery())) or 0)
        rows = self.session.execute(query.order_by(p.c.key, tk.c.position, r.c.normalized).limit(limit)).all()
        return total, [(int(a), str(b)) for a, b in rows]

    def _records(
        self, table: Any, places: Sequence[str] | None, department: str | None, *conds: ColumnElement[bool]
    ) -> list[ColumnElement[bool]]:
        where = list(conds)
        if places is not None:
            where.append(_in_places(table.c.jurisdiction, tuple(places)))
        if department is not None:
            where.append(table.c.department == department)
        return where

    def _count(self, table: Any, where: list[ColumnElement[bool]]) -> int:
        return int(self.session.scalar(select(func.count()).select_from(table).where(*where)) or 0)

    def reports_by_review(
        self, review: str, places: Sequence[str] | None, department: str | None, limit: int
    ) -> tuple[int, list[ProgressReport]]:
        r = t.progress_reports
        where = self._records(r, places, department, r.c.review == review)
        query = self.tracking._progress_query().where(*where).order_by(r.c.submitted_at, r.c.id).limit(limit)
        return self._count(r, where), [self.tracking._progress(x, []) for x in self.session.execute(query)]

    def notices_in(self, state: str, places: Sequence[str] | None, department: str | None, limit: int) -> Rows:
        n = t.notices
        where = self._records(n, places, department, n.c.state == state)
        query = select(n.c.id, n.c.subject, n.c.department, n.c.due, n.c.escalation).where(*where)
        return self._count(n, where), list(self.session.execute(query.order_by(n.c.due, n.c.id).limit(limit)))

    def tickets_in(
        self, states: Sequence[str], places: Sequence[str] | None, department: str | None, limit: int
    ) -> Rows:
        k = t.tickets
        where = self._records(k, places, department, k.c.state.in_(list(states)))
        query = select(k.c.id, k.c.title, k.c.department, k.c.due, k.c.state, k.c.reopened).where(*where)
        order = (k.c.due.is_(None), k.c.due, k.c.id)
        return self._count(k, where), list(self.session.execute(query.order_by(*order).limit(limit)))

    def open_flags(self, places: Sequence[str] | None, offices: Sequence[str], limit: int) -> Rows:
        """Open flags of the plans of ``places``, and of the placeless plans ``offices`` imported."""
        f, p = t.review_flags, t.plans
        where: list[ColumnElement[bool]] = [f.c.status == "open"]
        if places is not None:  # None: every plan's (an everywhere-admin)
            placeless = or_(p.c.jurisdiction.is_(None), p.c.jurisdiction == "")
            where.append(or_(p.c.jurisdiction.in_(list(places)), and_(placeless, p.c.office.in_(list(offices)))))
        base = select(func.count()).select_from(f.join(p, p.c.id == f.c.plan_id)).where(*where)
        query = select(f.c.id, p.c.key, f.c.task_number, f.c.line).join(p, p.c.id == f.c.plan_id).where(*where)
        rows = self.session.execute(query.order_by(p.c.key, f.c.line, f.c.id).limit(limit))
        return int(self.session.scalar(base) or 0), list(rows)

    def deadlines_between(self, scope: Scope, first: dt.date, last: dt.date) -> list[tuple[int, str, dt.date]]:
        """(task id, reporting department, last deadline) of the open tasks in ``scope`` whose last
        deadline falls from ``first`` to ``last`` (the reminders' window)."""
        tk, p = t.tasks, t.plans
        r = t.task_departments.alias("r_due")
        query = (
            select(tk.c.id, r.c.normalized, tk.c.last_deadline)
            .select_from(tk.join(p, p.c.id == tk.c.plan_id).join(r, r.c.task_id == tk.c.id))
            .where(*self.tracking._task_where(None, scope, None), tk.c.status != TaskStatus.COMPLETED.value)
            .where(r.c.reporter.is_(True), tk.c.last_deadline >= first, tk.c.last_deadline <= last)
            .order_by(tk.c.last_deadline, p.c.key, tk.c.position)
        )
        return [(int(a), str(b), c) for a, b, c in self.session.execute(query)]

    def notices_due_between(self, first: dt.date, last: dt.date) -> list[tuple[int, str, str, str, dt.date]]:
        n = t.notices
        query = select(n.c.id, n.c.jurisdiction, n.c.department, n.c.subject, n.c.due).where(
            n.c.state == "issued", n.c.due >= first, n.c.due <= last
        )
        return [(int(a), str(b), str(c), str(d), e) for a, b, c, d, e in self.session.execute(query)]

    def tickets_due_between(self, first: dt.date, last: dt.date) -> list[tuple[int, str, str, str, dt.date]]:
        k = t.tickets
        query = select(k.c.id, k.c.jurisdiction, k.c.department, k.c.title, k.c.due).where(
            k.c.state == "assigned", k.c.due >= first, k.c.due <= last
        )
        return [(int(a), str(b), str(c), str(d), e) for a, b, c, d, e in self.session.execute(query)]


def _notification(row: Any) -> Notification:
    return Notification(
        int(row.id),
        int(row.user_id),
        Kind(row.kind),
        str(row.event_key),
        str(row.subject),
        str(row.body),
        str(row.link),
        str(row.place),
        _must(row.created_at),
        _utc(row.read_at),
    )


def _webhook(row: Any) -> Webhook:
    return Webhook(
        int(row.id),
        str(row.url),
        str(row.secret),
        str(row.place),
        row.department,
        bool(row.active),
        _must(row.created_at),
    )


def _delivery(row: Any, log: list[Attempt] | None = None) -> Delivery:
    return Delivery(
        int(row.id),
        Channel(row.channel),
        str(row.target),
        row.webhook_id,
        str(row.event_key),
        str(row.place),
        str(row.subject),
        str(row.body),
        Status(row.status),
        int(row.attempts),
        row.last_error,
        _must(row.next_at),
        _must(row.created_at),
        _utc(row.sent_at),
        log or [],
    )
