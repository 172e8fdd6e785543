"""Compensation settlements repository (生态补偿结算存储): a period's settlement as the admin confirmed
it, one per office and period, taken and returned as :class:`PeriodSettlement`. Runs in the caller's
transaction (the audit entry is written in the same one, :meth:`AuditTrail.writing`)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from lantian.domain.targets.compensation import Confirmation, PeriodSettlement, line_dict, lines_from
from lantian.storage import tables as t


class CompensationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, office: str, period: str) -> PeriodSettlement | None:
        c = t.compensation_settlements
        row = self.session.execute(select(c).where(c.c.office == office, c.c.period == period)).first()
        if row is None:
            return None
        return PeriodSettlement(
            office=row.office, period=row.period, label=row.label, rules=row.rules, schemes=tuple(row.schemes),
            lines=lines_from(row.lines), confirmed=Confirmation(row.confirmed_by, row.confirmed_unit, row.confirmed_at),
            notes=tuple(row.notes),
        )  # fmt: skip

    def put(self, settlement: PeriodSettlement) -> None:
        """Store ``settlement`` (confirmed) as the office's for its period, replacing any before it."""
        assert settlement.confirmed is not None
        c = t.compensation_settlements
        self.session.execute(delete(c).where(c.c.office == settlement.office, c.c.period == settlement.period))
        self.session.execute(
            insert(c).values(
                office=settlement.office, period=settlement.period, label=settlement.label, rules=settlement.rules,
                schemes=list(settlement.schemes), lines=[line_dict(s) for s in settlement.lines],
                notes=list(settlement.notes), confirmed_by=settlement.confirmed.by,
                confirmed_unit=settlement.confirmed.unit, confirmed_at=settlement.confirmed.at,
            )
        )  # fmt: skip

    def periods(self, office: str) -> list[str]:
        c = t.compensation_settlements
        return list(self.session.scalars(select(c.c.period).where(c.c.office == office).order_by(c.c.period.desc())))
