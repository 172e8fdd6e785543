"""HJ 633 (2012 and 2026) value by value: every figure below is worked by hand from the tables.

IAQI = ⌈(IAQI_Hi − IAQI_Lo) / (BP_Hi − BP_Lo) · (C − BP_Lo) + IAQI_Lo⌉ on the concentration
rounded per GB/T 8170 (half to even; integer µg/m³, CO one decimal mg/m³).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lantian.domain.standards.aqi import compute_aqi, iaqi
from lantian.domain.standards.hj633 import (
    BREAKPOINTS_2012,
    BREAKPOINTS_2026,
    HJ633_2012,
    HJ633_2026,
    IAQI_POINTS,
    LITERAL,
    POLLUTANTS,
    standard_for,
)
from lantian.domain.standards.rounding import HALF_UP, round_concentration, round_half_even
from lantian.errors import ConfigError

VERSIONS = {"2012": BREAKPOINTS_2012, "2026": BREAKPOINTS_2026}


# ----------------------------------------------------------------------------- breakpoint edges
@pytest.mark.parametrize("version", ["2012", "2026"])
def test_every_breakpoint_maps_to_its_iaqi_and_one_unit_above_steps_into_the_next_segment(version: str) -> None:
    for name, column in VERSIONS[version].items():
        unit = Decimal("0.1") if name.startswith("co") else Decimal(1)
        defined = [i for i, bp in enumerate(column) if bp is not None]
        for i in defined:
            bp = Decimal(str(column[i]))
            assert iaqi(column, bp) == (IAQI_POINTS[i], False), (version, name, bp)
            if i + 1 in defined:  # one reporting unit above: the next segment, rounded up
                above, flag = iaqi(column, bp + unit)
                assert IAQI_POINTS[i] < above <= IAQI_POINTS[i + 1] and not flag, (version, name, bp)
        top = Decimal(str(column[defined[-1]]))
        value, flag = iaqi(column, top + unit)
        assert flag, (version, name)
        assert value == (500 if defined[-1] == len(column) - 1 else IAQI_POINTS[defined[-1]])


@pytest.mark.parametrize(
    ("version", "column", "c", "expected"),
    [
        # PM2.5 24-h: the IAQI 100 breakpoint moved from 75 (2012) to 60 (2026)
        ("2012", "pm25_24h", "35", 50),
        ("2012", "pm25_24h", "36", 52),  # 50 + ⌈50/40 · 1⌉ = 50 + ⌈1.25⌉
        ("2012", "pm25_24h", "75", 100),
        ("2012", "pm25_24h", "76", 102),  # 100 + ⌈50/40 · 1⌉
        ("2012", "pm25_24h", "60", 82),  # 50 + ⌈50/40 · 25⌉ = 50 + ⌈31.25⌉
        ("2026", "pm25_24h", "36", 52),  # 50 + ⌈50/25 · 1⌉ = 52
        ("2026", "pm25_24h", "60", 100),
        ("2026", "pm25_24h", "61", 101),  # 100 + ⌈50/55 · 1⌉ = 100 + ⌈0.909⌉
        ("2026", "pm25_24h", "75", 114),  # 100 + ⌈50/55 · 15⌉ = 100 + ⌈13.64⌉
        ("2026", "pm25_24h", "115", 150),
        ("2026", "pm25_24h", "500", 500),
        # PM10 24-h: 150 (2012) → 120 (2026) at IAQI 100
        ("2012", "pm10_24h", "150", 100),
        ("2026", "pm10_24h", "120", 100),
        ("2026", "pm10_24h", "150", 112),  # 100 + ⌈50/130 · 30⌉ = 100 + ⌈11.54⌉
        ("2012", "pm10_24h", "51", 51),  # 50 + ⌈50/100 · 1⌉
        # SO2 24-h, the cases
        ("2012", "so2_24h", "150", 100),
        ("2026", "so2_24h", "150", 100),
        ("2012", "so2_24h", "151", 101),  # 100 + ⌈50/325 · 1⌉
        ("2012", "so2_24h", "475", 150),
        ("2026", "so2_24h", "475", 150),
        ("2012", "so2_24h", "476", 151),  # 150 + ⌈50/325 · 1⌉
        ("2012", "so2_24h", "2620", 500),
        # CO 0.9 mg/m³ on both columns
        ("2012", "co_24h", "0.9", 23),  # ⌈50/2 · 0.9⌉ = ⌈22.5⌉
        ("2026", "co_24h", "0.9", 23),
        ("2012", "co_1h", "0.9", 9),  # ⌈50/5 · 0.9⌉ = 9 exactly: no rounding up
        ("2026", "co_1h", "0.9", 9),
        # NO2, O3
        ("2012", "no2_1h", "201", 101),  # 100 + ⌈50/500 · 1⌉
        ("2012", "o3_1h", "161", 52),  # 50 + ⌈50/40 · 1⌉ = 50 + ⌈1.25⌉
        ("2012", "o3_8h", "161", 101),  # 100 + ⌈50/55 · 1⌉
        ("2026", "o3_8h", "265", 200),
        ("2026", "o3_8h", "266", 201),  # 200 + ⌈100/535 · 1⌉
        ("2012", "o3_1h", "1200", 500),
        ("2012", "pm25_24h", "0", 0),
    ],
)
def test_hand_worked_iaqi(version: str, column: str, c: str, expected: int) -> None:
    assert iaqi(VERSIONS[version][column], Decimal(c)) == (expected, False)


# ----------------------------------------------------------------------------- rounding (GB/T 8170)
@pytest.mark.parametrize(
    ("pollutant", "value", "half_even", "half_up"),
    [
        ("pm25", 74.5, "74", "75"),
        ("pm25", 75.5, "76", "76"),
        ("pm25", 74.49, "74", "74"),
        ("pm25", 74.51, "75", "75"),
        ("so2", 0.5, "0", "1"),
        ("co", 0.95, "1.0", "1.0"),
        ("co", 0.85, "0.8", "0.9"),
        ("co", 0.25, "0.2", "0.3"),
        ("co", 1.251, "1.3", "1.3"),
    ],
)
def test_concentrations_round_half_to_even(pollutant: str, value: float, half_even: str, half_up: str) -> None:
    assert round_concentration(pollutant, value) == Decimal(half_even)
    assert round_concentration(pollutant, value, HALF_UP) == Decimal(half_up)


def test_rounding_before_the_index_decides_the_level() -> None:
    # PM2.5 74.5 → 74 (half to even) → 50 + ⌈50/40 · 39⌉ = 50 + ⌈48.75⌉ = 99, 良; half up → 75 → 100
    assert compute_aqi({"pm25": 74.5}, HJ633_2012).aqi == 99
    assert compute_aqi({"pm25": 74.5}, HJ633_2012, rounding=HALF_UP).aqi == 100
    # 2026: 60.5 → 60 → 100; 61.5 → 62 → 100 + ⌈50/55 · 2⌉ = 102
    assert compute_aqi({"pm25": 60.5}, HJ633_2026).iaqi["pm25"] == 100
    assert compute_aqi({"pm25": 61.5}, HJ633_2026).iaqi["pm25"] == 102
    assert round_half_even(2.5) == 2 and round_half_even(3.5) == 4


# ----------------------------------------------------------------------------- the > 800 rules
def test_so2_1h_above_800_2012_reports_the_24h_iaqi() -> None:
    # SO2 1-h 801 > 800: the 24-h value 200 is indexed instead: 100 + ⌈50/325 · 50⌉ = 100 + ⌈7.69⌉ = 108
    result = compute_aqi({"so2": 801, "so2_24h": 200}, HJ633_2012)
    assert result.iaqi["so2"] == 108
    assert result.indicators["so2"].note == "so2_1h_over_800"
    # without a 24-h value the SO2 sub-index is unknown
    assert compute_aqi({"so2": 801}, HJ633_2012).iaqi["so2"] is None
    # 800 itself is still on the 1-h column (IAQI 200)
    assert compute_aqi({"so2": 800}, HJ633_2012).iaqi["so2"] == 200


def test_so2_1h_above_800_2026_is_iaqi_200() -> None:
    result = compute_aqi({"so2": 801, "so2_24h": 200}, HJ633_2026)
    assert result.iaqi["so2"] == 200
    assert compute_aqi({"so2": 1500}, HJ633_2026).iaqi["so2"] == 200


def test_o3_8h_above_800_2012_lets_the_1h_value_decide() -> None:
    # daily: MDA8 801 carries no sub-index; O3 1-h max 900: 300 + ⌈100/200 · 100⌉ = 350
    result = compute_aqi({"o3_8h_max": 801, "o3_1h_max": 900}, HJ633_2012, "daily")
    assert result.indicators["o3_8h_max"].value is None
    assert result.indicators["o3_8h_max"].note == "o3_8h_over_800"
    assert result.iaqi["o3"] == 350
    # the literal hourly reading (表4) has an O3 8-h indicator with the same rule
    hourly = compute_aqi({"o3": 900, "o3_8h": 801}, HJ633_2012, method=LITERAL)
    assert hourly.iaqi["o3"] == 350


def test_o3_8h_above_800_2026_is_iaqi_300() -> None:
    result = compute_aqi({"o3_8h_max": 801}, HJ633_2026, "daily")
    assert result.iaqi["o3"] == 300 and result.aqi == 300
    # at 800 exactly the table still applies: 800 is the IAQI 300 breakpoint
    assert compute_aqi({"o3_8h_max": 800}, HJ633_2026, "daily").iaqi["o3"] == 300


def test_above_the_top_of_the_table_is_500_and_flagged() -> None:
    result = compute_aqi({"pm25": 600}, HJ633_2026)
    assert result.aqi == 500
    assert result.indicators["pm25"].note == "above_table"
    assert "above_table:pm25" in result.flags


# ----------------------------------------------------------------------------- primary, exceedance, NA
FULL_2012 = {"so2": 10, "no2": 20, "co": 0.5, "o3": 50, "pm10": 40, "pm25": 30}


def test_primary_pollutants_tie_and_none_at_or_below_50() -> None:
    # PM10 150 and PM2.5 75 (2012) both IAQI 100: both are primary, in the standard's order
    tie = compute_aqi({**FULL_2012, "pm10": 150, "pm25": 75}, HJ633_2012)
    assert tie.aqi == 100 and tie.primary == ("pm10", "pm25")
    # AQI 50: no primary pollutant
    low = compute_aqi({**FULL_2012, "pm25": 35}, HJ633_2012)
    assert low.aqi == 50 and low.primary == ()
    # AQI 51 (PM10 51 → 51): primary PM10
    assert compute_aqi({**FULL_2012, "pm10": 51}, HJ633_2012).primary == ("pm10",)


def test_exceedance_pollutants_exist_in_2012_only() -> None:
    values = {**FULL_2012, "pm25": 76, "pm10": 151}  # IAQI 102 and 101
    assert compute_aqi(values, HJ633_2012).exceedance == ("pm10", "pm25")
    assert compute_aqi(values, HJ633_2026).exceedance == ()


def test_the_2026_na_rule_for_a_missing_pollutant() -> None:
    # only PM2.5 50: 50 + ⌈50/25 · 15⌉ = 80 ≤ 100 with five pollutants missing → NA in 2026
    lone = compute_aqi({"pm25": 50}, HJ633_2026)
    assert lone.aqi is None and lone.computed_aqi == 80 and "na" in lone.flags
    assert set(lone.missing) == set(POLLUTANTS) - {"pm25"}
    # above 100 the AQI is published although incomplete: 100 + ⌈50/55 · 40⌉ = 137
    high = compute_aqi({"pm25": 100}, HJ633_2026)
    assert high.aqi == 137 and "incomplete" in high.flags
    # 2012 has no NA rule
    assert compute_aqi({"pm25": 50}, HJ633_2012).aqi == 69  # 50 + ⌈50/40 · 15⌉ = 50 + ⌈18.75⌉


def test_aqi_ranges_0_to_500_in_2012_and_1_to_500_in_2026() -> None:
    zeros = dict.fromkeys(POLLUTANTS, 0)
    assert compute_aqi(zeros, HJ633_2012).aqi == 0
    assert compute_aqi(zeros, HJ633_2026).aqi == 1
    assert HJ633_2026.level_of(1).lower == 1 and HJ633_2012.level_of(0).lower == 0


@pytest.mark.parametrize(
    ("aqi", "number", "category"),
    [(50, 1, "优"), (51, 2, "良"), (100, 2, "良"), (101, 3, "轻度污染"), (150, 3, "轻度污染"), (151, 4, "中度污染"),
     (200, 4, "中度污染"), (201, 5, "重度污染"), (300, 5, "重度污染"), (301, 6, "严重污染"), (500, 6, "严重污染")],
)  # fmt: skip
def test_levels_at_their_boundaries(aqi: int, number: int, category: str) -> None:
    for standard in (HJ633_2012, HJ633_2026):
        level = standard.level_of(aqi)
        assert (level.number, level.category) == (number, category)


def test_the_version_switches_on_2026_03_01_and_can_be_overridden() -> None:
    assert standard_for(dt.date(2026, 2, 28)) is HJ633_2012
    assert standard_for(dt.date(2026, 3, 1)) is HJ633_2026
    assert standard_for(dt.date(2026, 3, 1), "2012") is HJ633_2012
    assert standard_for(dt.date(2019, 1, 1), "HJ 633-2026") is HJ633_2026
    assert standard_for(dt.date(2026, 1, 1), switch=dt.date(2025, 12, 1)) is HJ633_2026
    with pytest.raises(ConfigError):
        standard_for(dt.date(2026, 1, 1), "2020")


# ----------------------------------------------------------------------------- properties
COLUMNS = [(v, name) for v in VERSIONS for name in VERSIONS[v]]


@pytest.mark.parametrize(("version", "name"), COLUMNS)
@given(a=st.integers(0, 40_000), b=st.integers(0, 40_000))
def test_iaqi_is_monotone_and_within_0_500(version: str, name: str, a: int, b: int) -> None:
    column = VERSIONS[version][name]
    scale = Decimal("0.1") if name.startswith("co") else Decimal(1)
    lo, hi = sorted((a, b))
    i_lo, _ = iaqi(column, lo * scale)
    i_hi, _ = iaqi(column, hi * scale)
    assert 0 <= i_lo <= i_hi <= 500


concentration = st.one_of(st.none(), st.integers(0, 1200))


@given(
    so2=concentration, no2=concentration, o3=concentration, pm10=concentration, pm25=concentration,
    co=st.one_of(st.none(), st.integers(0, 200).map(lambda x: x / 10)), version=st.sampled_from(["2012", "2026"]),
)  # fmt: skip
def test_aqi_is_the_largest_iaqi(
    so2: int | None, no2: int | None, o3: int | None, pm10: int | None, pm25: int | None, co: float | None, version: str
) -> None:
    standard = HJ633_2012 if version == "2012" else HJ633_2026
    values = {"so2": so2, "no2": no2, "co": co, "o3": o3, "pm10": pm10, "pm25": pm25}
    result = compute_aqi(values, standard)
    present = [v for v in result.iaqi.values() if v is not None]
    if not present:
        assert result.aqi is None
        return
    expected = max(max(present), standard.min_aqi)
    assert result.computed_aqi == expected
    if result.aqi is not None:
        assert result.aqi == expected
        assert all((result.iaqi[p] == result.aqi) == (p in result.primary) for p in POLLUTANTS if result.aqi > 50)
    else:  # only the 2026 NA rule withholds an AQI
        assert standard.na_rule and result.missing and expected <= 100
