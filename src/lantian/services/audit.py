"""The audit trail (审计留痕): every change is written with an audit entry in the same transaction.

Writes go through :meth:`AuditTrail.writing`, which serialises writers inside this process (the
chain has one head; SQLite has one writer) and opens the store's transaction. Across processes
(several web workers on PostgreSQL) two writers that read the same head collide on the entry's
sequence number and the second gets a ConflictError: nothing is lost, the user retries.

Anchors (审计锚点, :func:`AuditTrail.verify_anchored`): each verification from the command line
appends the head it found intact — the number of entries and the newest hash — to an anchor file,
``audit-anchor.txt`` in the data folder unless another is named, and checks the entries against the
anchors recorded before (docs/deployment.md says what this proves and what it does not).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lantian.domain.tracking import access, audit
from lantian.domain.tracking.model import SYSTEM, Actor, UserRole
from lantian.errors import InputError
from lantian.services.clock import Clock, utc_now
from lantian.storage.repositories import PlanRepository
from lantian.storage.store import Store
from lantian.storage.tracking import TrackingRepository

_WRITE_LOCK = threading.Lock()
ANCHOR_FILE = "audit-anchor.txt"  # the default anchor file, in the data folder


def anchor_file(data_dir: Path) -> Path:
    """Where ``lantian audit verify`` keeps its anchors unless told otherwise."""
    return data_dir / ANCHOR_FILE


@dataclass(frozen=True)
class AnchoredVerdict:
    """The chain's verdict, the anchors' verdict, and the anchor recorded (None: nothing recorded —
    a broken log is never anchored, and ``record=False`` only checks)."""

    chain: audit.Verdict
    anchors: audit.AnchorVerdict
    file: Path
    recorded: audit.Anchor | None

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.anchors.ok

    def as_dict(self) -> dict[str, Any]:
        recorded = None if self.recorded is None else self.recorded.__dict__
        anchor = {"file": str(self.file), **self.anchors.as_dict(), "recorded": recorded}
        return {**self.chain.as_dict(), "ok": self.ok, "chain_ok": self.chain.ok, "anchor": anchor}


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

    def verify_anchored(self, path: Path, *, record: bool = True) -> AnchoredVerdict:
        """Verify the chain and check it against the anchors in ``path`` (none yet when it does not
        exist); when both hold and ``record``, append the head found as a new anchor."""
        anchors = read_anchor_file(path)
        with self.store.tracking_read() as repo:
            stored = repo.audit_entries()
            chain = audit.verify(stored, repo.audit_head())
        held = audit.check_anchors(anchors, {e.seq: e.hash for e in stored})
        recorded = None
        if record and chain.ok and held.ok:
            at = self.clock().astimezone(dt.UTC).isoformat(timespec="seconds")
            recorded = audit.Anchor(chain.head_seq, chain.head_hash, at)
            append_anchor(path, recorded)
        return AnchoredVerdict(chain, held, path, recorded)

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


def read_anchor_file(path: Path) -> list[audit.Anchor]:
    """The anchors in ``path``; none when it does not exist yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InputError(f"无法读取锚点文件 (cannot read the anchor file: {reason})", file=str(path)) from None
    return audit.read_anchors(text, file=str(path))


def append_anchor(path: Path, anchor: audit.Anchor) -> None:
    """Append ``anchor`` as one line (the file and a header line are created first), flushed to disk."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        size = path.stat().st_size if path.exists() else 0
        with path.open("ab+") as f:
            if size:  # a line of its own even when the file was edited and lost its last newline
                f.seek(size - 1)
                lead = b"" if f.read(1) == b"\n" else b"\n"
            else:
                lead = (audit.ANCHOR_HEADER + "\n").encode()
            f.write(lead + (anchor.line() + "\n").encode())
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise InputError(f"无法写入锚点文件 (cannot write the anchor file: {exc.strerror})", file=str(path)) from None
