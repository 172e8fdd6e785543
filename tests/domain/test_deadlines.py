from __future__ import annotations

import datetime as dt

import pytest

from lantian.domain.plans.deadlines import find_deadlines

D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6月底前，完成改造", [("6月底前", None, D(2023, 6, 30))]),
        ("年内完成", [("年内", None, D(2023, 12, 31))]),
        ("年底前完成", [("年底前", None, D(2023, 12, 31))]),
        ("到2025年，全市", [("到2025年", None, D(2025, 12, 31))]),
        ("2024年底前基本淘汰", [("2024年底前", None, D(2024, 12, 31))]),
        ("2023 年 4 月底前，完成", [("2023年4月底前", None, D(2023, 4, 30))]),
        ("2024年2月底前", [("2024年2月底前", None, D(2024, 2, 29))]),
        ("2019年7月1日起，实施", [("2019年7月1日起", D(2019, 7, 1), None)]),
        ("2020年6月30日前完成", [("2020年6月30日前", None, D(2020, 6, 30))]),
        ("秋冬季期间，加强", [("秋冬季期间", D(2023, 10, 1), D(2024, 3, 31))]),
        ("2023—2024年秋冬季", [("2023—2024年秋冬季", D(2023, 10, 1), D(2024, 3, 31))]),
        ("上半年完成", [("上半年", None, D(2023, 6, 30))]),
        ("三季度前完成", [("三季度前", None, D(2023, 9, 30))]),
        ("2024年，推广应用", [("2024年", None, D(2024, 12, 31))]),
    ],
)
def test_resolved_against_plan_year(text: str, expected: list[tuple[str, D | None, D | None]]) -> None:
    found, unresolved = find_deadlines(text, 2023)
    assert [(d.text, d.start, d.end) for d in found] == expected
    assert unresolved == []


@pytest.mark.parametrize(
    ("text", "recurring"),
    [
        ("每月至少开展2次执法检查", "monthly:2"),
        ("每年至少开展一次专项检查", "yearly:1"),
        ("每季度更新", "quarterly:1"),
        ("每年完成一轮", "yearly:1"),
    ],
)
def test_recurring_duties(text: str, recurring: str) -> None:
    found, _ = find_deadlines(text, 2023)
    assert [(d.recurring, d.start, d.end) for d in found] == [(recurring, None, None)]


def test_relative_deadline_without_plan_year_is_unresolved() -> None:
    found, unresolved = find_deadlines("6月底前完成", None)
    assert found == []
    assert unresolved == ["6月底前"]


def test_baseline_years_are_not_deadlines() -> None:
    found, _ = find_deadlines("到2025年，比2020年下降3%", 2023)
    assert [d.text for d in found] == ["到2025年"]
