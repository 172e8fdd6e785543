"""The audit trail (审计留痕): every change is written with an audit entry in the same transaction.

Writes go through :meth:`AuditTrail.writing`, which serialises writers inside this process (the
chain has one head; SQLite has one writer) and opens the store's transaction. Across processes
(several web workers on PostgreSQL) two writers that read the same head collide on the entry's
sequence number and the second gets a ConflictError: nothing is lost, the user retries.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from lantian.domain.tracking import access, audit
from lantian.domain.tracking.model import SYSTEM, Actor, UserRole
from lantian.services.clock import Clock, utc_now
from lantian.storage.repositories import PlanRepository
from lantian.storage.store import Store
from lantian.storage.tracking import TrackingRepository

_WRITE_LOCK = threading.Lock()


class Note(Protocol):
    """Audits one change of the transaction it was handed out with (``places``: see ``record``)."""

    def __call__(self, action: str, entity: str, entity_id: str | int, before: Any, after: Any, *,
                 places: Iterable[str | None] = ()) -> None: ...  # fmt: skip


class AuditTrail:
    def __init__(self, store: Store, *, clock: Clock = utc_now) -> None:
        self.store = store
        self.clock = clock

    @contextmanager
    def writing(self) -> Iterator[TrackingRepository]:
        with _WRITE_LOCK, self.store.tracking() as repo:
            yield repo

    def record(self, repo: TrackingRepository, actor: Actor, action: str, entity: str, entity_id: str | int,
               before: Any, after: Any, *, places: Iterable[str | None] = ()) -> audit.StoredEntry:  # fmt: skip
        """Append the entry; ``places``: the places (辖区) whose tasks or records the change touched,
        whose dashboards must recount (TrackingRepository.change_marker)."""
        entry = audit.seal(
            repo.audit_last(), self.clock(), actor.username, action, entity, str(entity_id), before, after
        )
        repo.audit_append(entry)
        places = list(places)
        repo.touch(places, entry.seq)
        repo.place_entry(entry.seq, access.entry_places(entity, str(entity_id), before, after, places))
        return entry

    @contextmanager
    def changing(self, actor: Actor) -> Iterator[tuple[PlanRepository, Note]]:
        """A transaction on the plan records (plans, flags, targets, warnings) and a ``note`` that
        audits a change in it as ``actor`` (a signed-in user, or ``SYSTEM``: the command line)."""
        with _WRITE_LOCK, self.store.transaction_with_audit() as (repo, trail):

            def note(action: str, entity: str, entity_id: str | int, before: Any, after: Any, *,
                     places: Iterable[str | None] = ()) -> None:  # fmt: skip
                self.record(trail, actor, action, entity, entity_id, before, after, places=places)

            yield repo, note

    def verify(self) -> audit.Verdict:
        with self.store.tracking_read() as repo:
            return audit.verify(repo.audit_entries(), repo.audit_head())

    def entries(self, *, entity: str | None = None, entity_id: str | None = None, limit: int | None = None,
                actor: Actor = SYSTEM, ancestors: access.Ancestors | None = None
                ) -> list[audit.StoredEntry]:  # fmt: skip
        """The newest entries ``actor`` may read: those concerning the places whose records it sees
        (its own and those below, as tasks and records: :func:`access.record_scope`); an entry that
        names no place (an account, a plan imported from the command line) only to everywhere-admins."""
        with self.store.tracking_read() as repo:
            places = None
            if not access.is_everywhere(actor):
                scope = access.record_scope(actor, repo.audit_places(), ancestors or (lambda place: []))
                places = [] if scope.places is None else [p for p in scope.places if p is not None]
                if actor.role is UserRole.DEPARTMENT:
                    places = []  # the log is the 大气办's and the leaders'
            return repo.audit_entries(entity=entity, entity_id=entity_id, limit=limit, newest_first=True,
                                      places=places)  # fmt: skip
