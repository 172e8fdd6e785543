"""The audit log's hash chain (审计日志防篡改).

Every change appends an entry whose hash covers the entry's own fields and the previous entry's
hash, so changing any stored field, deleting an entry or reordering entries breaks the chain from
that point. A separate head record (the newest sequence number and hash) catches deleting entries
at the end by someone who does not also move the head. Someone who can rewrite the database can,
so the head is also recorded outside it as an anchor (审计锚点, :class:`Anchor`): the entries up
to an anchored count must still end in the anchored hash (:func:`check_anchors`).

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

from lantian.errors import InputError

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


def change_lines(entry: StoredEntry, width: int = 120) -> list[tuple[str, str, str]]:
    """What an entry changed, for a person (变更内容): ``(field, before, after)`` for each field that
    differs, values as text cut to ``width`` characters; a created record shows its fields with an
    empty before, a removed one with an empty after, a value that is not a record one line with no field."""

    def text(value: Any) -> str:
        if value is None:
            return ""
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
        return shown if len(shown) <= width else shown[: width - 1] + "…"

    before, after = json.loads(entry.before), json.loads(entry.after)
    if (before is None or isinstance(before, dict)) and (after is None or isinstance(after, dict)):
        old, new = changed(before, after)
        return [(key, text(old.get(key)), text(new.get(key))) for key in {**old, **new}]
    return [("", text(before), text(after))]


# ---------------------------------------------------------------- anchors (审计锚点)
# The chain proves that no entry was changed *relative to the head*; whoever can write the database
# can also delete entries from the end, delete them all, or edit one and recompute every hash after
# it, and the chain (head record included) verifies again. An anchor is the head — the number of
# entries and the newest hash — written down outside the database: as long as it is kept out of
# reach, the entry at that number must still have that hash, which covers every entry up to it.

ANCHOR_HEADER = "# lantian 审计锚点 audit anchors: 条数 count · 末条校验值 head hash · 记录时间 recorded at (UTC)"
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Anchor:
    """The audit log had ``count`` entries, the newest with ``hash``, when it was recorded ``at``."""

    count: int
    hash: str
    at: str  # ISO 8601, UTC

    def line(self) -> str:
        """The anchor file's line: ``count hash time``."""
        return f"{self.count} {self.hash} {self.at}"


def read_anchors(text: str, *, file: str) -> list[Anchor]:
    """The anchors of an anchor file (``#`` lines and blank lines skipped); a malformed line is an
    InputError naming the file, the line and the field."""
    anchors: list[Anchor] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 3:
            raise InputError(
                "锚点行应为：条数 校验值 记录时间 (an anchor line is: count, head hash, time)", file=file, line=number,
                field="anchor",
            )  # fmt: skip
        count, digest, at = parts
        if not count.isascii() or not count.isdigit():
            raise InputError(f"条数应为整数 (count {count!r} is not a number)", file=file, line=number, field="count")
        if len(digest) != 64 or not set(digest) <= _HEX:
            raise InputError(
                "校验值应为64位十六进制数字 (the head hash is 64 hexadecimal digits)",
                file=file,
                line=number,
                field="hash",
            )
        if int(count) == 0 and digest != GENESIS:
            raise InputError(
                "空日志的校验值为64个0 (an anchor of an empty log has the hash 0…0)",
                file=file,
                line=number,
                field="hash",
            )
        try:
            dt.datetime.fromisoformat(at)
        except ValueError:
            raise InputError(
                f"记录时间格式不正确 (time {at!r} is not ISO 8601)", file=file, line=number, field="time"
            ) from None
        anchors.append(Anchor(int(count), digest, at))
    return anchors


@dataclass(frozen=True)
class AnchorVerdict:
    """The stored entries against the anchors recorded earlier."""

    anchors: int  # how many were checked
    held: Anchor | None = None  # the newest anchor the entries still agree with
    missing: int = 0  # entries an anchor counted that are no longer there (the largest shortfall)
    missing_since: Anchor | None = None
    rewritten: Anchor | None = None  # the earliest anchor whose entry now has another hash
    rewritten_after: int = 0  # the change lies after this entry (the last anchor before it that held)

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.rewritten is None

    def problems(self) -> list[str]:
        """What is wrong, for a person: Chinese first, then English."""
        out: list[str] = []
        if self.missing_since is not None:
            a = self.missing_since
            out.append(f"缺少{self.missing}条：{a.at} 的锚点记有{a.count}条，现只有{a.count - self.missing}条 "
                       f"({self.missing} entries missing since the anchor of {a.at})")  # fmt: skip
        if self.rewritten is not None:
            a, first = self.rewritten, self.rewritten_after + 1
            where = f"第{a.count}条" if first == a.count else f"第{first}–{a.count}条中有条目"
            span = f"#{a.count}" if first == a.count else f"an entry in #{first}–#{a.count}"
            out.append(f"{where}在 {a.at} 之后被改写 ({span} rewritten since {a.at})")
        return out

    def as_dict(self) -> dict[str, Any]:
        def anchor(a: Anchor | None) -> dict[str, Any] | None:
            return None if a is None else {"count": a.count, "hash": a.hash, "at": a.at}

        return {"ok": self.ok, "anchors": self.anchors, "held": anchor(self.held), "missing": self.missing,
                "missing_since": anchor(self.missing_since), "rewritten": anchor(self.rewritten),
                "rewritten_after": self.rewritten_after, "problems": self.problems()}  # fmt: skip


def check_anchors(anchors: Iterable[Anchor], hashes: dict[int, str]) -> AnchorVerdict:
    """``hashes``: the stored entries' hashes by sequence number. Each anchor's entry must still be
    there with the anchored hash (which, through the chain, stands for every entry before it)."""
    chosen = sorted(anchors, key=lambda a: a.count)
    held: Anchor | None = None
    missing, missing_since = 0, None
    rewritten: Anchor | None = None
    rewritten_after = 0
    for a in chosen:
        stored = hashes.get(a.count) if a.count else GENESIS
        if stored == a.hash:
            held = a
            if rewritten is None:
                rewritten_after = a.count
        elif stored is None:
            gone = a.count - sum(1 for seq in hashes if seq <= a.count)
            if gone >= missing:
                missing, missing_since = max(gone, 1), a
        elif rewritten is None:
            rewritten = a
    return AnchorVerdict(len(chosen), held, missing, missing_since, rewritten, rewritten_after)
