"""How an audit entry reads on the audit page: only the fields that changed, as before → after."""

from __future__ import annotations

from lantian.domain.tracking.audit import StoredEntry, change_lines


def entry(before: str, after: str) -> StoredEntry:
    return StoredEntry(1, "2026-12-03T08:00:00+00:00", "dqb", "task.status", "task", "k#1", before, after, "0", "1")


def test_only_the_fields_that_changed_with_before_and_after() -> None:
    lines = change_lines(entry('{"note":"同","status":"in_progress"}', '{"note":"同","status":"completed"}'))
    assert lines == [("status", "in_progress", "completed")]


def test_a_created_record_shows_its_fields_and_a_removed_one_its_old_values() -> None:
    assert change_lines(entry("null", '{"role":"admin","tags":["a","甲"]}')) == [
        ("role", "", "admin"),
        ("tags", "", '["a", "甲"]'),
    ]
    assert change_lines(entry('{"value":3}', "null")) == [("value", "3", "")]


def test_a_value_that_is_not_a_record_and_long_values_are_cut() -> None:
    assert change_lines(entry('"旧"', '"新"')) == [("", "旧", "新")]
    (line,) = change_lines(entry("null", '{"text":"' + "很" * 300 + '"}'), width=10)
    assert line == ("text", "", "很" * 9 + "…")
