"""Public complaints repository (群众举报存储): which ticket a tracking code follows, the reporter's
private contact, and how many complaints a client address filed lately. Runs in the caller's
transaction (the ticket is written in the same one, :meth:`AuditTrail.writing`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from lantian.storage import tables as t


@dataclass(frozen=True)
class PublicReportRow:
    ticket_id: int
    contact: str
    created_at: dt.datetime


class PublicReportRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, code_sha256: str, ticket_id: int, contact: str, address_key: str, at: dt.datetime) -> None:
        self.session.execute(
            insert(t.public_reports).values(
                code_sha256=code_sha256, ticket_id=ticket_id, contact=contact, address_key=address_key, created_at=at
            )
        )

    def by_code(self, code_sha256: str) -> PublicReportRow | None:
        p = t.public_reports
        row = self.session.execute(select(p).where(p.c.code_sha256 == code_sha256)).first()
        return None if row is None else PublicReportRow(row.ticket_id, row.contact, row.created_at)

    def by_ticket(self, ticket_id: int) -> PublicReportRow | None:
        p = t.public_reports
        row = self.session.execute(select(p).where(p.c.ticket_id == ticket_id)).first()
        return None if row is None else PublicReportRow(row.ticket_id, row.contact, row.created_at)

    def count_since(self, address_key: str, since: dt.datetime) -> int:
        p = t.public_reports
        query = select(func.count()).where(p.c.address_key == address_key, p.c.created_at >= since)
        return int(self.session.scalar(query) or 0)

    def oldest_since(self, address_key: str, since: dt.datetime) -> dt.datetime | None:
        p = t.public_reports
        query = select(func.min(p.c.created_at)).where(p.c.address_key == address_key, p.c.created_at >= since)
        value: dt.datetime | None = self.session.scalar(query)
        return value
