"""How an audit entry reads on the audit page: only the fields that changed, as before → after, each
field by its label and each value in words (no stored keys, no JSON, no ISO times)."""

from __future__ import annotations

from lantian.domain.tracking.audit import ACTION_LABELS, FIELD_LABELS, StoredEntry, change_lines, entity_text


def entry(before: str, after: str, entity: str = "task", entity_id: str = "k#1") -> StoredEntry:
    return StoredEntry(1, "2026-12-03T08:00:00+00:00", "dqb", "task.status", entity, entity_id, before, after, "0", "1")


def test_only_the_fields_that_changed_with_before_and_after() -> None:
    lines = change_lines(entry('{"note":"同","status":"in_progress"}', '{"note":"同","status":"completed"}'))
    assert lines == [("状态", "推进中", "已完成")]


def test_a_created_record_shows_its_fields_and_a_removed_one_its_old_values() -> None:
    assert change_lines(entry("null", '{"role":"admin","evidence":["a.pdf","甲.png"]}')) == [
        ("角色", "", "大气办管理员"),
        ("佐证材料", "", "a.pdf、甲.png"),
    ]
    assert change_lines(entry('{"value":3.0}', "null")) == [("目标值", "3", "")]


def test_a_value_that_is_not_a_record_and_long_values_are_cut() -> None:
    assert change_lines(entry('"旧"', '"新"')) == [("", "旧", "新")]
    (line,) = change_lines(entry("null", '{"text":"' + "很" * 300 + '"}'), width=10)
    assert line == ("原文", "", "很" * 9 + "…")


def test_times_in_beijing_time_yes_no_records_and_units_for_login_names() -> None:
    after = '{"submitted_at":"2026-12-03T10:00:00+00:00","active":true,"correction":{"lead":"市发改委"},"by":"sthjj"}'
    lines = change_lines(entry("null", after, "progress"), names=lambda name: {"sthjj": "市生态环境局 · 苏州市"}[name])
    assert lines == [
        ("报送时间", "", "2026-12-03 18:00"),
        ("启用", "", "是"),
        ("更正内容", "", "牵头单位：市发改委"),
        ("办理单位", "", "市生态环境局 · 苏州市"),
    ]
    # the same value is 已办结 for a notice and 销号 for a problem
    assert change_lines(entry("null", '{"state":"closed"}', "notice"))[0][2] == "已办结"
    assert change_lines(entry("null", '{"state":"closed"}', "ticket"))[0][2] == "销号"


def test_the_record_an_entry_is_about_in_words() -> None:
    assert entity_text(entry("null", "null", "target", "苏州市·pm25·2026")) == "苏州市·PM2.5浓度·2026"
    assert entity_text(entry("null", "null", "task", "苏州市·2024#12")) == "苏州市·2024 第12项"
    assert ACTION_LABELS["progress.return"] == "审核退回" and FIELD_LABELS["review_reason"] == "退回理由"
