"""The anchor rules (审计锚点) on hand-made chains: what holds, what is missing, where a rewrite lies."""

from __future__ import annotations

import datetime as dt

import pytest

from lantian.domain.tracking.audit import GENESIS, Anchor, StoredEntry, check_anchors, read_anchors, seal
from lantian.errors import InputError

AT = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def chain(n: int, *, actor: str = "dqb", edit: int | None = None) -> list[StoredEntry]:
    out: list[StoredEntry] = []
    for i in range(1, n + 1):
        out.append(seal(out[-1] if out else None, AT, "x" if i == edit else actor, "a", "e", str(i), None, {"i": i}))
    return out


def hashes(entries: list[StoredEntry]) -> dict[int, str]:
    return {e.seq: e.hash for e in entries}


def anchor(entries: list[StoredEntry], count: int, at: str = "2026-06-01T00:00:00+00:00") -> Anchor:
    return Anchor(count, entries[count - 1].hash if count else GENESIS, at)


def test_anchors_of_an_untouched_log_hold_and_the_newest_is_named() -> None:
    log = chain(6)
    verdict = check_anchors([anchor(log, 0), anchor(log, 2), anchor(log, 6)], hashes(log))
    assert verdict.ok and verdict.anchors == 3 and verdict.held == anchor(log, 6) and verdict.problems() == []
    assert check_anchors([], hashes(log)).ok


def test_missing_entries_are_counted_from_the_newest_anchor() -> None:
    log = chain(6)
    anchors = [anchor(log, 2), anchor(log, 6)]
    verdict = check_anchors(anchors, hashes(log[:4]))
    assert (verdict.missing, verdict.missing_since, verdict.held) == (2, anchors[1], anchors[0])
    assert verdict.problems() == ["缺少2条：2026-06-01T00:00:00+00:00 的锚点记有6条，现只有4条 "
                                  "(2 entries missing since the anchor of 2026-06-01T00:00:00+00:00)"]  # fmt: skip
    gone = check_anchors(anchors, {})
    assert (gone.missing, gone.held) == (6, None)


def test_a_recomputed_chain_is_a_rewrite_placed_after_the_last_anchor_that_holds() -> None:
    log, forged = chain(6), chain(6, edit=4)  # entry 4 edited, every hash after it recomputed
    anchors = [anchor(log, 2, "T2"), anchor(log, 5, "T5"), anchor(log, 6, "T6")]
    verdict = check_anchors(anchors, hashes(forged))
    assert (verdict.rewritten, verdict.rewritten_after, verdict.held) == (anchors[1], 2, anchors[0])
    assert verdict.problems() == ["第3–5条中有条目在 T5 之后被改写 (an entry in #3–#5 rewritten since T5)"]
    one = check_anchors([anchor(log, 3, "T3"), anchor(log, 4, "T4")], hashes(forged))
    assert one.problems() == ["第4条在 T4 之后被改写 (#4 rewritten since T4)"]


def test_an_anchor_file_is_read_line_by_line_and_a_bad_line_is_named() -> None:
    digest = "ab" * 32
    text = f"# header\n\n3 {digest} 2026-06-01T08:00:00+00:00\n"
    assert read_anchors(text, file="a.txt") == [Anchor(3, digest, "2026-06-01T08:00:00+00:00")]
    for line, field in ((f"x {digest} 2026-06-01", "count"), ("3 abc 2026-06-01", "hash"),
                        (f"3 {digest} yesterday", "time"), ("3", "anchor"),
                        (f"0 {digest} 2026-06-01", "hash")):  # fmt: skip
        with pytest.raises(InputError) as caught:
            read_anchors(f"# header\n{line}\n", file="a.txt")
        assert (caught.value.file, caught.value.line, caught.value.field) == ("a.txt", 2, field)
