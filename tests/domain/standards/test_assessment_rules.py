"""GB 3095 limits and validity, HJ 663 statistics and the city ranking, worked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lantian.domain.standards.gb3095 import (
    day_is_valid,
    limit_set_for,
    limits_for,
    min_days_for_period,
    month_is_valid,
    window_is_valid,
    year_is_valid,
)
from lantian.domain.standards.hj663 import (
    attainment,
    exceedance_multiple,
    mda8,
    moving_means,
    overall_attainment,
    percentile,
    ratio_percent,
)
from lantian.domain.standards.ranking import (
    CLASSIC,
    WEIGHTED_2026,
    competition_ranks,
    composite_index,
    improvement_percent,
    scheme,
)
from lantian.errors import ConfigError


# ----------------------------------------------------------------------------- GB 3095 limits
def test_limit_sets_follow_the_dates() -> None:
    assert limit_set_for(dt.date(2026, 2, 28)).code == "2012"
    assert limit_set_for(dt.date(2026, 3, 1)).code == "2026"
    assert limit_set_for(dt.date(2030, 12, 31)).code == "2026"
    assert limit_set_for(dt.date(2031, 1, 1)).code == "2031"
    assert limit_set_for(dt.date(2026, 6, 1), "2012").code == "2012"
    with pytest.raises(ConfigError):
        limit_set_for(dt.date(2026, 6, 1), "2020")


@pytest.mark.parametrize(
    ("day", "grade", "key", "value"),
    [
        (dt.date(2025, 12, 31), 2, "pm25_annual", "35"),
        (dt.date(2025, 12, 31), 2, "pm25_24h", "75"),
        (dt.date(2025, 12, 31), 2, "pm10_24h", "150"),
        (dt.date(2026, 3, 1), 2, "pm25_annual", "30"),
        (dt.date(2026, 3, 1), 2, "pm25_24h", "60"),
        (dt.date(2026, 3, 1), 2, "pm10_annual", "60"),
        (dt.date(2026, 3, 1), 2, "pm10_24h", "120"),
        (dt.date(2026, 3, 1), 2, "o3_8h", "160"),
        (dt.date(2031, 1, 1), 2, "pm25_annual", "25"),
        (dt.date(2031, 1, 1), 2, "no2_annual", "30"),
        (dt.date(2031, 1, 1), 2, "so2_24h", "50"),
        (dt.date(2031, 1, 1), 1, "pm25_annual", "10"),
        (dt.date(2019, 1, 1), 1, "pm25_annual", "15"),
        (dt.date(2019, 1, 1), 2, "co_24h", "4"),
    ],
)
def test_limit_values(day: dt.date, grade: int, key: str, value: str) -> None:
    assert limits_for(day, grade)[key] == Decimal(value)


def test_validity_minimums() -> None:
    assert day_is_valid(20) and not day_is_valid(19)
    assert window_is_valid(6) and not window_is_valid(5)
    assert month_is_valid(27, 1) and not month_is_valid(26, 1)
    assert month_is_valid(25, 2) and not month_is_valid(24, 2)
    assert year_is_valid(324) and not year_is_valid(323)


@pytest.mark.parametrize(
    ("start", "end", "needed"),
    [
        (dt.date(2025, 1, 1), dt.date(2025, 12, 31), 324),
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31), 324),
        (dt.date(2025, 2, 1), dt.date(2025, 2, 28), 25),
        (dt.date(2025, 1, 1), dt.date(2025, 3, 31), 79),  # 27 + 25 + 27
        (dt.date(2025, 3, 1), dt.date(2025, 3, 15), 13),  # partial month: 15 · 27 // 30
        (dt.date(2025, 1, 1), dt.date(2025, 2, 10), 36),  # 27 + 10 · 27 // 30
    ],
)
def test_days_a_period_needs(start: dt.date, end: dt.date, needed: int) -> None:
    assert min_days_for_period(start, end) == needed


# ----------------------------------------------------------------------------- HJ 663 statistics
def test_percentiles_type_7() -> None:
    month = [31 - i for i in range(31)]  # 31 … 1, unsorted on purpose
    # k = 1 + 30 · 0.95 = 29.5 → X29 + 0.5 · (X30 − X29) = 29.5
    assert percentile(month, Decimal("0.95")) == Decimal("29.5")
    # k = 1 + 30 · 0.98 = 30.4 → 30.4
    assert percentile(month, Decimal("0.98")) == Decimal("30.4")
    year = [(i * 7919) % 365 + 1 for i in range(365)]  # 1 … 365, shuffled
    assert sorted(year) == list(range(1, 366))
    assert percentile(year, Decimal("0.98")) == Decimal("357.72")  # k = 1 + 364 · 0.98
    assert percentile(year, Decimal("0.90")) == Decimal("328.6")  # k = 1 + 364 · 0.9
    assert percentile([5], Decimal("0.95")) == 5
    # between unequal neighbours: [10, 20, 40, 80], P90: k = 3.7 → 40 + 0.7 · 40 = 68
    assert percentile([80, 10, 40, 20], Decimal("0.9")) == 68


def test_percentile_matches_numpy_linear() -> None:
    numpy = pytest.importorskip("numpy")
    values = [((i * 37) % 101) / 10 for i in range(97)]
    for p in ("0.9", "0.95", "0.98"):
        assert float(percentile(values, Decimal(p))) == pytest.approx(numpy.percentile(values, float(p) * 100))


def test_mda8_hand_worked() -> None:
    hours: list[float | None] = [float(h) for h in range(24)]
    # the last window, hours 16 … 23: (16 + … + 23) / 8 = 156 / 8 = 19.5; all 17 windows valid
    day = mda8(hours)
    assert day.value == Fraction(39, 2) and day.valid_windows == 17 and not day.by_exception
    # hours 0 … 7 missing: windows ending 7 … 12 have < 6 hours; 13 … 23 are valid (11 < 14) → invalid
    partial = [None] * 8 + hours[8:]
    assert mda8(partial).value is None and mda8(partial).valid_windows == 11
    # 6 of 8 hours suffice for a window
    assert moving_means([1, 2, 3, 4, 5, 6, None, None]) == [Fraction(7, 2)]
    assert moving_means([1, 2, 3, 4, 5, None, None, None]) == [None]


def test_mda8_exception_over_the_limit_is_judged_on_the_reported_value() -> None:
    # only hours 14 … 21 measured: windows ending 19 … 23 hold ≥ 6 of them → 5 valid windows (< 14)
    high: list[float | None] = [None] * 14 + [170.0] * 8 + [None] * 2
    day = mda8(high)
    assert day.valid_windows == 5 and day.by_exception and day.value == 170
    # 160.5 is reported as 160 (half to even), which does not exceed 160: the day stays invalid
    edge: list[float | None] = [None] * 14 + [160.5] * 8 + [None] * 2
    assert mda8(edge).value is None
    assert mda8(high, limit=None).value is None


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(27, 29, "93.1"), (1, 8, "12.5"), (1, 16, "6.2"), (3, 16, "18.8"), (0, 30, "0.0"), (30, 30, "100.0")],
)
def test_ratios_round_half_to_even(part: int, whole: int, expected: str) -> None:
    # 1/16 = 6.25 % → 6.2 (half to even); 3/16 = 18.75 % → 18.8
    assert ratio_percent(part, whole) == Decimal(expected)


def test_ratio_of_no_valid_days_is_none() -> None:
    assert ratio_percent(0, 0) is None


def test_exceedance_multiples() -> None:
    assert exceedance_multiple(Decimal("52.5"), 35) == Decimal("0.50")  # (52.5 − 35) / 35
    assert exceedance_multiple(38, 35) == Decimal("0.09")  # 3/35 = 0.0857…
    assert exceedance_multiple(35, 35) is None


def test_attainment_per_pollutant_and_overall() -> None:
    limits = limits_for(dt.date(2025, 6, 1))
    ok = {
        "so2_mean": 9, "so2_p98": 20, "no2_mean": 30, "no2_p98": 70, "pm10_mean": 60, "pm10_p95": 140,
        "pm25_mean": 35, "pm25_p95": 75, "co_p95": Decimal("1.2"), "o3_p90": 160,
    }  # fmt: skip
    per = attainment(ok, limits)
    assert all(per.values()) and overall_attainment(per) is True
    assert attainment({**ok, "pm25_mean": 36}, limits)["pm25"] is False  # 36 > 35
    assert attainment({**ok, "o3_p90": 161}, limits)["o3"] is False
    unknown = attainment({**ok, "co_p95": None}, limits)
    assert unknown["co"] is None and overall_attainment(unknown) is None
    assert overall_attainment({**unknown, "pm25": False}) is False
    # the 2026 transition limits: 35 is above 30
    assert attainment(ok, limits_for(dt.date(2026, 6, 1)))["pm25"] is False


# ----------------------------------------------------------------------------- ranking
def test_composite_index_classic() -> None:
    # 9/60 + 36/40 + 63/70 + 35/35 + 1.2/4 + 160/160 = 0.15 + 0.9 + 0.9 + 1 + 0.3 + 1 = 4.25
    values = {"so2": 9, "no2": 36, "pm10": 63, "pm25": 35, "co": Decimal("1.2"), "o3": 160}
    index = composite_index(values)
    assert index.total == Decimal("4.25")
    assert index.maximum == Decimal("1.00") and index.max_pollutants == ("pm25", "o3")
    assert index.single["so2"] == Decimal("0.15")
    # 8/60 = 0.1333…, 31/40 = 0.775, 52/70 = 0.742857…, 30/35 = 0.857142…, 1.1/4 = 0.275,
    # 165/160 = 1.03125: Σ = 3.8145… → 3.81
    other = composite_index({"so2": 8, "no2": 31, "pm10": 52, "pm25": 30, "co": Decimal("1.1"), "o3": 165})
    assert other.total == Decimal("3.81") and other.max_pollutants == ("o3",)
    # the spec's monthly example: 21/35 + 39/70 + 9/60 + 15/40 + 192/160 + 0.7/4 = 3.057… → 3.06
    example = composite_index({"pm25": 21, "pm10": 39, "so2": 9, "no2": 15, "o3": 192, "co": Decimal("0.7")})
    assert example.total == Decimal("3.06")
    missing = composite_index({**values, "co": None})
    assert missing.total is None and missing.missing == ("co",)


def test_composite_index_with_weights() -> None:
    values = {"so2": 9, "no2": 36, "pm10": 63, "pm25": 35, "co": Decimal("1.2"), "o3": 160}
    # S: PM10 60, PM2.5 30; weights PM2.5 3, NO2 2, O3 2:
    # 9/60 + 2 · 36/40 + 63/60 + 3 · 35/30 + 1.2/4 + 2 · 160/160 = 0.15 + 1.8 + 1.05 + 3.5 + 0.3 + 2 = 8.80
    assert composite_index(values, WEIGHTED_2026).total == Decimal("8.80")
    assert not WEIGHTED_2026.verified and CLASSIC.verified
    assert scheme("classic") is CLASSIC
    with pytest.raises(ConfigError):
        scheme("nope")


def test_competition_ranks_share_ties() -> None:
    assert competition_ranks({"a": 1, "b": 2, "c": 2, "d": 4}) == {"a": 1, "b": 2, "c": 2, "d": 4}
    assert competition_ranks({"南京": Decimal("3.87"), "苏州": Decimal("3.87"), "南通": Decimal("4.87")}) == {
        "南京": 1,
        "苏州": 1,
        "南通": 3,
    }
    assert competition_ranks({"a": 90, "b": 95, "c": None}, descending=True) == {"a": 2, "b": 1, "c": None}


def test_improvement_percent() -> None:
    # (3.87 − 4.87) / 4.87 · 100 = −20.5338… → −20.53
    assert improvement_percent(Decimal("3.87"), Decimal("4.87")) == Decimal("-20.53")
    assert improvement_percent(Decimal("4.00"), Decimal("3.20")) == Decimal("25.00")
    assert improvement_percent(None, Decimal("4")) is None and improvement_percent(1, 0) is None


@given(st.lists(st.integers(0, 50), min_size=1, max_size=30))
def test_ranks_are_competition_style(values: list[int]) -> None:
    ranks = competition_ranks({str(i): v for i, v in enumerate(values)})
    for i, v in enumerate(values):
        assert ranks[str(i)] == 1 + sum(1 for w in values if w < v)
