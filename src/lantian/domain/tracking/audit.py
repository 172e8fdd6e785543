"""The audit log's hash chain (审计日志防篡改).

Every change appends an entry whose hash covers the entry's own fields and the previous entry's
hash, so changing any stored field, deleting an entry or reordering entries breaks the chain from
that point. A separate head record (the newest sequence number and hash) catches deleting entries
at the end; ``lantian audit verify`` prints the head so it can also be kept outside the database.

The hash is computed over the text as stored (ISO time, canonical JSON), never over re-parsed
values, so the check does not depend on how a database returns times or numbers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of the first entry


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return str(value)


def timestamp(at: dt.datetime) -> str:
    """UTC, microseconds, ISO 8601: the stored form of an entry's time."""
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class StoredEntry:
    """An audit entry as stored: every field as text."""

    seq: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str
    before: str  # canonical JSON ("null" when created)
    after: str  # canonical JSON ("null" when deleted)
    prev_hash: str
    hash: str


def chain_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, entity: str, entity_id: str,
               before: str, after: str) -> str:  # fmt: skip
    body = "\x1f".join([prev_hash, str(seq), at, actor, action, entity, entity_id, before, after])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def seal(prev: StoredEntry | None, at: dt.datetime, actor: str, action: str, entity: str, entity_id: str,
         before: Any, after: Any) -> StoredEntry:  # fmt: skip
    """The next entry after ``prev`` (None for the first)."""
    seq = prev.seq + 1 if prev else 1
    prev_hash = prev.hash if prev else GENESIS
    when, b, a = timestamp(at), canonical(before), canonical(after)
    digest = chain_hash(prev_hash, seq, when, actor, action, entity, entity_id, b, a)
    return StoredEntry(seq, when, actor, action, entity, entity_id, b, a, prev_hash, digest)


@dataclass(frozen=True)
class Break:
    seq: int  # where the chain breaks
    reason: str  # altered | missing | reordered | head


@dataclass(frozen=True)
class Verdict:
    entries: int
    head_seq: int
    head_hash: str
    breaks: list[Break]

    @property
    def ok(self) -> bool:
        return not self.breaks

    def as_dict(self) -> dict[str, Any]:
        """The verdict as ``lantian audit verify --json`` and ``GET /api/v1/audit/verify`` give it."""
        return {"ok": self.ok, "entries": self.entries, "head_seq": self.head_seq, "head_hash": self.head_hash,
                "breaks": [{"seq": b.seq, "reason": b.reason} for b in self.breaks]}  # fmt: skip


def verify(entries: Iterable[StoredEntry], head: tuple[int, str] | None) -> Verdict:
    """Walk the chain in sequence order; ``head`` is the stored (newest seq, hash), None when empty."""
    breaks: list[Break] = []
    expected_seq, prev_hash, count = 1, GENESIS, 0
    last: StoredEntry | None = None
    for e in entries:
        count += 1
        if e.seq != expected_seq:
            breaks.append(Break(expected_seq, "missing" if e.seq > expected_seq else "reordered"))
        elif e.prev_hash != prev_hash:
            breaks.append(Break(e.seq, "missing"))
        digest = chain_hash(e.prev_hash, e.seq, e.at, e.actor, e.action, e.entity, e.entity_id, e.before, e.after)
        if digest != e.hash:
            breaks.append(Break(e.seq, "altered"))
        expected_seq, prev_hash, last = e.seq + 1, e.hash, e
    last_seq, last_hash = (last.seq, last.hash) if last else (0, GENESIS)
    stored = head or (0, GENESIS)
    if stored != (last_seq, last_hash):
        breaks.append(Break(max(stored[0], last_seq), "head"))
    return Verdict(count, last_seq, last_hash, breaks)


def changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ (what an audit line shows as before → after)."""
    b, a = before or {}, after or {}
    keys = [k for k in {**b, **a} if b.get(k) != a.get(k)]
    return {k: b.get(k) for k in keys if k in b}, {k: a.get(k) for k in keys if k in a}
