"""Published bulletins repository (月报发布存储): one row per place and month. Runs in the caller's
transaction (the audit entry is written in the same one, :meth:`AuditTrail.writing`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from lantian.domain.bulletins import PublishedBulletin
from lantian.storage import tables as t


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def _bulletin(row: Any) -> PublishedBulletin:
    return PublishedBulletin(row.place, row.month, row.title, row.docx_sha256, row.docx_size, row.pdf_sha256,
                             row.pdf_size, row.published_by, _aware(row.published_at), row.id)  # fmt: skip


class BulletinRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, place: str, month: str) -> PublishedBulletin | None:
        b = t.bulletins
        row = self.session.execute(select(b).where(b.c.place == place, b.c.month == month)).first()
        return None if row is None else _bulletin(row)

    def get(self, bulletin_id: int) -> PublishedBulletin | None:
        row = self.session.execute(select(t.bulletins).where(t.bulletins.c.id == bulletin_id)).first()
        return None if row is None else _bulletin(row)

    def of_places(self, places: list[str] | None) -> list[PublishedBulletin]:
        """The bulletins of ``places`` (None: of every place), newest month first."""
        b = t.bulletins
        query = select(b) if places is None else select(b).where(b.c.place.in_(places))
        rows = self.session.execute(query.order_by(b.c.month.desc(), b.c.place))
        return [_bulletin(r) for r in rows]

    def save(self, bulletin: PublishedBulletin) -> PublishedBulletin:
        """Insert the place's bulletin of the month, or replace the one published before; returns it
        with its id (a replaced bulletin keeps its id: its public address stays)."""
        values = {
            "place": bulletin.place, "month": bulletin.month, "title": bulletin.title,
            "docx_sha256": bulletin.docx_sha256, "docx_size": bulletin.docx_size, "pdf_sha256": bulletin.pdf_sha256,
            "pdf_size": bulletin.pdf_size, "published_by": bulletin.published_by,
            "published_at": bulletin.published_at,
        }  # fmt: skip
        before = self.find(bulletin.place, bulletin.month)
        if before is None:
            added = insert(t.bulletins).values(**values).returning(t.bulletins.c.id)
            number = int(self.session.execute(added).scalar_one())
        else:
            self.session.execute(update(t.bulletins).where(t.bulletins.c.id == before.id).values(**values))
            number = before.id
        found = self.get(number)
        assert found is not None
        return found
