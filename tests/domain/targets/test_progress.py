"""What the rest of the year must deliver, worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lantian.domain.targets.progress import good_day_progress, heavy_day_progress, mean_progress
from lantian.domain.targets.yearend import running, statistic_of


def test_the_remaining_days_control_value() -> None:
    # PM2.5 ≤ 35: 200 valid days summing 7,400 (mean 37), 165 days left:
    # (35 · 365 − 7,400) / 165 = 5,375 / 165 = 32.575… → 32.6
    p = mean_progress(35, 7400, 200, 165)
    assert p.value_to_date == 37 and p.on_track is False
    assert p.required_mean_remaining == Decimal("32.6")
    # on track: 200 days summing 6,000 (mean 30): (12,775 − 6,000) / 165 = 41.06… → 41.1
    q = mean_progress(35, 6000, 200, 165)
    assert q.on_track is True and q.required_mean_remaining == Decimal("41.1")
    # the year is over: nothing to require
    assert mean_progress(35, 12000, 365, 0).required_mean_remaining is None
    # no valid day yet: the whole year may average the target
    empty = mean_progress(35, 0, 0, 365)
    assert empty.value_to_date is None and empty.on_track is None and empty.required_mean_remaining == 35
    with pytest.raises(ValueError):
        mean_progress(35, 0, -1, 10)


def test_good_days_needed_and_affordable() -> None:
    # ≥ 80 %: 150 good of 200, 165 left, N = 365: 292/365 = 80.0 % is the fewest (291 → 79.7 %);
    # 292 − 150 = 142 good days needed, 165 − 142 = 23 non-good days affordable
    p = good_day_progress(80, 150, 200, 165)
    assert (p.needed_remaining, p.affordable_remaining) == (142, 23)
    assert p.value_to_date == Decimal("75.0") and p.on_track is False
    # the published ratio is rounded: for 83.3 % of 365, 304 days (83.29 → 83.3) suffice although
    # 0.833 · 365 = 304.045; 303 days give 83.0
    q = good_day_progress(Decimal("83.3"), 0, 0, 365)
    assert q.needed_remaining == 304 and q.affordable_remaining == 61
    # out of reach: 100 good of 200 with 165 left can reach at most 265/365 = 72.6 %
    lost = good_day_progress(80, 100, 200, 165)
    assert lost.needed_remaining == 192 and lost.affordable_remaining == -27


def test_heavy_days_allowed() -> None:
    # ≤ 1.0 % of 365: 3 days (0.8 %) are within, 4 (1.1 %) are not; 2 so far → 1 more allowed
    p = heavy_day_progress(Decimal("1.0"), 2, 200, 165)
    assert p.affordable_remaining == 1 and p.value_to_date == Decimal("1.0") and p.on_track is True
    assert heavy_day_progress(Decimal("1.1"), 2, 200, 165).affordable_remaining == 2
    # already beyond: 5 heavy days when 3 is the most the year allows
    assert heavy_day_progress(Decimal("1.0"), 5, 200, 165).affordable_remaining == -2
    # a target of 0: none allowed at all
    assert heavy_day_progress(0, 0, 0, 365).affordable_remaining == 0


def test_the_value_to_date_after_each_day() -> None:
    # the year-end rule over the days so far: the mean of the valid daily values, rounded half to
    # even as reported (30, 41 → 35.5 → 36; 30, 41, 38 → 36.33 → 36; + 53 → 40.5 → 40); a missing
    # day leaves the value as it was
    days = [{"pm25": 30, "aqi": 42}, {"pm25": 41, "aqi": 120}, {"pm25": None, "aqi": None},
            {"pm25": 38, "aqi": 80}, {"pm25": 53, "aqi": 210}]  # fmt: skip
    assert running(days, statistic_of("mean", "pm25")) == [30, 36, 36, 36, 40]
    # 优良天数比率 of the valid days: 1/1, 1/2, 1/2, 2/3, 2/4
    good = running(days, statistic_of("good_ratio", "aqi"))
    assert good == [Decimal("100.0"), Decimal("50.0"), Decimal("50.0"), Decimal("66.7"), Decimal("50.0")]
    assert running([], statistic_of("mean", "pm25")) == []
