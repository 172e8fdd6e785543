"""Accountability actions repository (问责措施存储): the actions an office recorded against flags,
with their evidence files (the ``evidence`` rows of owner ``action``, files kept under their SHA-256
as every evidence file is). Takes and returns :class:`~lantian.domain.targets.actions.Action`; runs
in the caller's transaction (an audited one: :meth:`AuditTrail.changing`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from lantian.domain.targets.actions import Action, FlagKey
from lantian.errors import NotFoundError
from lantian.storage import tables as t
from lantian.storage.tracking import TrackingRepository, _must

OWNER = "action"  # evidence.owner of an action's files


class ActionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.tracking = TrackingRepository(session)

    def add(self, action: Action) -> int:
        """Store ``action`` (its id and evidence are ignored); the new id."""
        a = t.accountability_actions
        values = {
            "place": action.flag.place,
            "rule": action.flag.rule,
            "period": action.flag.period,
            "kind": action.kind,
            "happened_on": action.on,
            "unit": action.unit,
            "recorded_by": action.recorded_by,
            "document": action.document,
            "minutes": action.minutes,
            "created_at": action.created_at,
        }
        return int(self.session.execute(insert(a).values(**values).returning(a.c.id)).scalar_one())

    def get(self, action_id: int) -> Action:
        a = t.accountability_actions
        row = self.session.execute(select(a).where(a.c.id == action_id)).first()
        if row is None:
            raise NotFoundError(f"no accountability action {action_id} (没有该问责记录)", field="action")
        return self._with_evidence([row])[0]

    def all(self, places: Sequence[str] | None = None) -> list[Action]:
        """Every action, or those of ``places`` (the names as stored), oldest first."""
        a = t.accountability_actions
        query = select(a).order_by(a.c.happened_on, a.c.id)
        if places is not None:
            query = query.where(a.c.place.in_(list(places)))
        return self._with_evidence(list(self.session.execute(query)))

    def _with_evidence(self, rows: list[Any]) -> list[Action]:
        files = self.tracking.evidence_for(OWNER, [int(r.id) for r in rows])
        return [
            Action(
                id=int(r.id),
                flag=FlagKey(str(r.rule), str(r.place), str(r.period)),
                kind=str(r.kind),
                on=r.happened_on,
                unit=str(r.unit),
                recorded_by=str(r.recorded_by),
                document=str(r.document),
                minutes=str(r.minutes),
                created_at=_must(r.created_at),
                evidence=tuple(files.get(int(r.id), [])),
            )
            for r in rows
        ]
