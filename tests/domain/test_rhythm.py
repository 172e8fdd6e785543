"""The rhythm of the rounds of reports (调度频次), worked by hand: ISO weeks (week 53, weeks across the
year end), quarters, months, the due days with their grace, and what each task owes on a day."""

from __future__ import annotations

import datetime as dt

import pytest

from lantian.domain.plans.model import Role, TaskStatus
from lantian.domain.tracking.overdue import (
    Rhythm,
    Schedule,
    TaskRef,
    check_period,
    find,
    last_due_period,
    open_periods,
    parse_rhythm,
    period_bounds,
    period_label,
    period_of,
    periods_due_between,
    report_due,
    rhythm_of,
    shift,
    suggest_rhythms,
)

D = dt.date
W, M, Q = Rhythm.WEEKLY, Rhythm.MONTHLY, Rhythm.QUARTERLY


@pytest.mark.parametrize(
    ("day", "rhythm", "period"),
    [
        (D(2026, 12, 3), W, "2026-W49"),  # a Thursday: 30 Nov – 6 Dec
        (D(2026, 12, 31), W, "2026-W53"),  # 2026 starts on a Thursday: it has 53 ISO weeks
        (D(2027, 1, 3), W, "2026-W53"),  # a Sunday of 2027 still in 2026's last week
        (D(2027, 1, 4), W, "2027-W01"),
        (D(2024, 12, 30), W, "2025-W01"),  # a Monday of 2024 already in 2025's first week
        (D(2026, 12, 3), M, "2026-12"),
        (D(2026, 3, 31), Q, "2026-Q1"),
        (D(2026, 4, 1), Q, "2026-Q2"),
        (D(2026, 12, 31), Q, "2026-Q4"),
    ],
)
def test_the_period_of_a_day(day: dt.date, rhythm: Rhythm, period: str) -> None:
    assert period_of(day, rhythm) == period
    assert rhythm_of(period) is rhythm
    first, last = period_bounds(period)
    assert first <= day <= last


def test_bounds_of_weeks_months_and_quarters() -> None:
    assert period_bounds("2026-W49") == (D(2026, 11, 30), D(2026, 12, 6))
    assert period_bounds("2026-W53") == (D(2026, 12, 28), D(2027, 1, 3))
    assert period_bounds("2027-W01") == (D(2027, 1, 4), D(2027, 1, 10))
    assert period_bounds("2024-02") == (D(2024, 2, 1), D(2024, 2, 29))  # a leap year
    assert period_bounds("2026-Q1") == (D(2026, 1, 1), D(2026, 3, 31))
    assert period_bounds("2026-Q3") == (D(2026, 7, 1), D(2026, 9, 30))
    assert period_bounds("2026-Q4") == (D(2026, 10, 1), D(2026, 12, 31))
    for bad in ("2025-W53", "2026-W00", "2026-W54", "2026-13", "2026-Q5", "2026/12", "2026", "W49", ""):
        with pytest.raises(ValueError):
            period_bounds(bad)  # 2025 has 52 ISO weeks


def test_shifting_across_the_year_end() -> None:
    assert shift("2026-W53", 1) == "2027-W01"
    assert shift("2027-W01", -1) == "2026-W53"
    assert shift("2025-W52", 1) == "2026-W01"  # no week 53 in 2025
    assert shift("2026-12", 1) == "2027-01"
    assert shift("2026-01", -1) == "2025-12"
    assert shift("2026-Q1", -1) == "2025-Q4"
    assert shift("2026-Q4", 1) == "2027-Q1"
    assert shift("2026-Q4", -4) == "2025-Q4"


def test_a_report_is_due_grace_days_after_its_period_ends() -> None:
    assert report_due("2026-10", 5) == D(2026, 11, 5)
    assert report_due("2026-12", 5) == D(2027, 1, 5)  # across the year end
    assert report_due("2026-02", 27) == D(2026, 3, 27)
    assert report_due("2026-W49", 2) == D(2026, 12, 8)  # the Tuesday after
    assert report_due("2026-W53", 0) == D(2027, 1, 3)
    assert report_due("2026-Q4", 5) == D(2027, 1, 5)
    assert report_due("2026-Q1", 10) == D(2026, 4, 10)


def test_the_newest_period_due_before_a_day() -> None:
    # months, grace 5: on 3 Dec November is not yet due (5 Dec), so October is the one counted
    assert last_due_period(D(2026, 12, 3), M, 5) == "2026-10"
    assert last_due_period(D(2026, 12, 5), M, 5) == "2026-10"  # the due day itself is not late
    assert last_due_period(D(2026, 12, 6), M, 5) == "2026-11"
    # weeks, grace 2: 2026-W49 is due on Tuesday 8 Dec
    assert last_due_period(D(2026, 12, 8), W, 2) == "2026-W48"
    assert last_due_period(D(2026, 12, 9), W, 2) == "2026-W49"
    assert last_due_period(D(2027, 1, 6), W, 2) == "2026-W53"  # due 5 Jan 2027
    # quarters, grace 5: the fourth quarter of 2026 is due on 5 Jan 2027
    assert last_due_period(D(2027, 1, 5), Q, 5) == "2026-Q3"
    assert last_due_period(D(2027, 1, 6), Q, 5) == "2026-Q4"
    # a grace longer than a week: the week before last
    assert last_due_period(D(2026, 12, 9), W, 6) == "2026-W48"


def test_the_periods_a_report_may_be_filed_for_on_time() -> None:
    assert open_periods(D(2026, 12, 3), M, 5) == ["2026-11", "2026-12"]  # 上月 while its grace lasts, 本月
    assert open_periods(D(2026, 12, 6), M, 5) == ["2026-12"]
    assert open_periods(D(2026, 12, 8), W, 2) == ["2026-W49", "2026-W50"]  # the due day: still on time
    assert open_periods(D(2026, 12, 9), W, 2) == ["2026-W50"]
    assert open_periods(D(2027, 1, 2), Q, 5) == ["2026-Q4", "2027-Q1"]


def test_the_periods_due_between_two_days() -> None:
    weeks = periods_due_between(D(2026, 12, 1), D(2026, 12, 31), W, 2)
    assert weeks == ["2026-W48", "2026-W49", "2026-W50", "2026-W51", "2026-W52"]  # due 1, 8, 15, 22, 29 Dec
    assert periods_due_between(D(2026, 12, 1), D(2027, 1, 5), M, 5) == ["2026-11", "2026-12"]
    assert periods_due_between(D(2026, 12, 1), D(2027, 1, 4), Q, 5) == []
    assert periods_due_between(D(2027, 1, 5), D(2027, 1, 5), Q, 5) == ["2026-Q4"]


def test_a_period_must_be_of_the_tasks_rhythm() -> None:
    assert check_period("2026-W49", W) == "2026-W49"
    with pytest.raises(ValueError, match="该任务每周调度，报送期应为一周，如 2026年第49周"):
        check_period("2026-12", W)
    with pytest.raises(ValueError, match="每季度"):
        check_period("2026-10", Q)
    with pytest.raises(ValueError, match="每月"):
        check_period("2026-Q4", M)
    with pytest.raises(ValueError):
        check_period("2025-W53", W)


def test_rhythms_and_periods_as_people_write_them() -> None:
    assert parse_rhythm("每周") is W and parse_rhythm("季度") is Q and parse_rhythm(" Monthly ") is M
    with pytest.raises(ValueError, match="调度频次"):
        parse_rhythm("每日")
    assert period_label("2026-W49") == "2026年第49周"
    assert period_label("2026-Q4") == "2026年第四季度"
    assert period_label("2026-10") == "2026-10"


def ref(task_id: int, rhythm: Rhythm | None, deadline: dt.date | None = None) -> TaskRef:
    return TaskRef(task_id, "计划", str(task_id), "任务", TaskStatus.IN_PROGRESS, deadline,
                   (("市生态环境局", Role.LEAD), ("市公安局", Role.COOPERATING)), rhythm=rhythm)  # fmt: skip


def test_each_task_owes_the_newest_due_period_of_its_own_rhythm() -> None:
    """On 3 Dec 2026 (monthly grace 5, weekly 2): a weekly task owes week 48, a monthly one October,
    a quarterly one the third quarter; a task setting none follows the office's default."""
    tasks = [ref(1, W), ref(2, M), ref(3, Q), ref(4, None)]
    day = D(2026, 12, 3)
    owed = {(o.task_id, o.period, o.due, o.days) for o in find(tasks, set(), day, schedule=Schedule())}
    assert owed == {
        (1, "2026-W48", D(2026, 12, 1), 2),
        (2, "2026-10", D(2026, 11, 5), 28),
        (3, "2026-Q3", D(2026, 10, 5), 59),
        (4, "2026-10", D(2026, 11, 5), 28),
    }  # only the lead reports (配合 through it)
    quarterly = find(tasks, set(), day, schedule=Schedule(rhythm=Q))
    assert {(o.task_id, o.period) for o in quarterly if o.task_id == 4} == {(4, "2026-Q3")}
    # filed: nothing owed; a week's label says which week
    filed = {(1, "市生态环境局", "2026-W48")}
    assert 1 not in {o.task_id for o in find(tasks, filed, day, schedule=Schedule())}
    (weekly,) = [o for o in find(tasks, set(), day, schedule=Schedule()) if o.task_id == 1]
    assert weekly.label == "2026年第48周 调度未报"


def test_a_task_past_its_deadline_before_the_period_began_owes_no_report() -> None:
    day = D(2026, 12, 3)
    before_week = ref(1, W, D(2026, 11, 22))  # 2026-W48 began on 23 Nov
    in_week = ref(2, W, D(2026, 11, 23))
    found = find([before_week, in_week], set(), day, schedule=Schedule())
    assert {(o.task_id, o.kind) for o in found} == {(1, "deadline"), (2, "deadline"), (2, "report")}


def test_the_plans_words_suggest_a_rhythm_for_review() -> None:
    """Seeds 001 (33) and 003 (路检路查, 工地名单): the words that suggest a rhythm, never applied."""
    (hint,) = suggest_rhythms("明确具体路线图、任务书、时间表，“以日保月、以月保季、以季保年”，确保完成年度目标。")
    assert (hint.rhythm, hint.text) == (M, "以日保月、以月保季、以季保年")
    (hint,) = suggest_rhythms("各设区市公安交管、生态环境等部门每周至少开展一次柴油车排放路检路查，全省全年路检路查")
    assert hint.rhythm is W and hint.text == "生态环境等部门每周至少开展一次柴油车排放路检路查"
    (hint,) = suggest_rhythms("建立工地名单台账，每季度更新。")
    assert (hint.rhythm, hint.text) == (Q, "每季度更新")
    assert suggest_rhythms("推进钢铁行业超低排放改造。") == []
