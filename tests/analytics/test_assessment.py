"""Daily, area and period statistics on the engine, checked value by value against the pure rules
(domain.standards) on the real 2019 archive, and rankings on hand-made data."""

from __future__ import annotations

import collections
import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from lantian.analytics.backends import connect
from lantian.analytics.daily import station_daily
from lantian.domain.aq.archive import ArchiveData
from lantian.domain.aq.periods import Period, parse_period
from lantian.domain.aq.stations import Station, StationList, StationRegistry
from lantian.domain.standards.hj663 import mda8, percentile, ratio_percent
from lantian.domain.standards.rounding import round_half_even
from lantian.services.assessment import Assessment, Options, memory_table, records


def test_mda8_and_o3_max_equal_the_scalar_rules_on_every_2019_station_day(archive: Any) -> None:
    svc = archive("2019")
    con = connect()
    hourly = con.read_parquet(svc.store.glob("sites"))
    o3 = con.execute(hourly.select("station", "time", "o3", "o3_24h_max"))
    hours: dict[tuple[str, dt.date], list[float | None]] = collections.defaultdict(lambda: [None] * 24)
    published_max: dict[tuple[str, dt.date], float] = {}
    for r in o3.itertuples():
        key = (r.station, r.time.date())
        hours[key][r.time.hour] = None if r.o3 != r.o3 else r.o3
        if r.time.hour == 23 and r.o3_24h_max == r.o3_24h_max:
            published_max[key] = r.o3_24h_max
    station_days = len(hours)
    daily = records(con.execute(station_daily(hourly)))
    exceptions = complete_days = 0
    for row in daily:
        key = (row["station"], row["day"])
        m = mda8(hours[key])
        assert row["o3_8h_max"] == (None if m.value is None else float(round_half_even(m.value, 0))), key
        assert row["o3_8h_windows"] == m.valid_windows
        exceptions += m.by_exception
        if all(v is not None for v in hours[key]) and key in published_max:
            complete_days += 1
            assert row["o3_1h_max"] == published_max[key], key  # the archive's O3_24h at hour 23
    assert len(daily) == station_days == 8004 and complete_days > 4000


def test_city_daily_values_are_station_means_and_period_statistics_follow_hj663(archive: Any) -> None:
    svc = archive("2019")
    assessment = svc.assessment()
    o = Options()
    stations = assessment.daily("station", dt.date(2019, 1, 1), dt.date(2019, 12, 31), o)
    cities = assessment.daily("city", dt.date(2019, 1, 1), dt.date(2019, 12, 31), o)
    registry = svc.registry()
    members = {code for code, s in registry.in_force(dt.date(2019, 12, 31)).stations.items()  # type: ignore[union-attr]
               if s.city == "南京" and not registry.lookup(code, dt.date(2019, 12, 31)).control}  # type: ignore[union-attr]  # fmt: skip
    by_day: dict[dt.date, list[dict[str, Any]]] = collections.defaultdict(list)
    for r in stations:
        if r["station"] in members:
            by_day[r["day"]].append(r)
    nanjing = [r for r in cities if r["station"] == "南京"]
    assert len(nanjing) == 364
    for city in nanjing:
        for p, decimals in (("pm25", 0), ("co", 1), ("o3_8h_max", 0)):
            values = [Fraction(str(r[p])) for r in by_day[city["day"]] if r[p] is not None]
            want = float(round_half_even(sum(values, Fraction(0)) / len(values), decimals)) if values else None
            assert city[p] == want, (city["day"], p)
    # period statistics of 南京 2019 from its daily rows, by the pure rules
    year = assessment.period("city", parse_period("2019"), o, with_last_year=False)
    nj = next(r for r in year if r["station"] == "南京")
    pm25 = [Decimal(str(r["pm25"])) for r in nanjing if r["pm25"] is not None]
    assert nj["pm25"] == float(round_half_even(Fraction(sum(pm25)) / len(pm25), 0))
    assert nj["pm25_days"] == len(pm25)
    o3 = [Decimal(str(r["o3_8h_max"])) for r in nanjing if r["o3_8h_max"] is not None]
    assert nj["o3_p90"] == float(round_half_even(percentile(o3, "0.90"), 0))
    co = [Decimal(str(r["co"])) for r in nanjing if r["co"] is not None]
    assert nj["co_p95"] == float(round_half_even(percentile(co, "0.95"), 1))
    valid = [r for r in nanjing if r["aqi"] is not None]
    assert nj["valid_days"] == len(valid)
    assert nj["good_ratio"] == ratio_percent(sum(r["aqi"] <= 100 for r in valid), len(valid))
    assert nj["heavy_days"] == sum(r["aqi"] > 200 for r in valid)
    assert nj["pm25_exceed_days"] == sum(r["pm25"] > 75 for r in nanjing if r["pm25"] is not None)
    # judged: 2019 has 364 days of data, the year needs 324 valid daily values
    assert nj["min_days"] == 324 and nj["pm25_valid"] is True
    assert nj["pm25_attains"] is False and nj["attains"] is False  # 南京 2019 PM2.5 ≈ 40 > 35
    assert nj["composite_index"] is not None and nj["rank"] in (1, 2, 3)


def _registry(cities: dict[str, list[str]]) -> StationRegistry:
    stations = {code: Station(code, code, city, None, None, False) for city, codes in cities.items() for code in codes}
    registry = StationRegistry()
    registry.add(StationList(dt.date(2020, 1, 1), stations, "test", True))
    return registry


def _data(values: dict[str, dict[str, float]], days: list[dt.date]) -> ArchiveData:
    data = ArchiveData("sites", "synthetic")
    for day in days:
        for code, v in values.items():
            for h in range(24):
                data.records[(code, dt.datetime.combine(day, dt.time(h)))] = dict(v)
    return data


def test_composite_index_ties_share_a_rank_and_improvement_is_against_last_year() -> None:
    flat = {"so2": 10.0, "no2": 40.0, "co": 0.8, "o3": 80.0, "pm10": 70.0, "pm25": 35.0}
    worse = {**flat, "pm25": 70.0}
    days_now = [dt.date(2021, 3, 1) + dt.timedelta(days=i) for i in range(31)]
    days_then = [dt.date(2020, 3, 1) + dt.timedelta(days=i) for i in range(31)]
    now = _data({"A1": flat, "B1": flat, "C1": worse}, days_now)
    then = _data({"A1": worse, "B1": flat, "C1": worse}, days_then)
    con = connect()
    table = memory_table(con, [now, then])
    assessment = Assessment(con, table, _registry({"甲市": ["A1"], "乙市": ["B1"], "丙市": ["C1"]}))
    rows = {r["station"]: r for r in assessment.period("city", parse_period("2021-03"), Options())}
    # I = 10/60 + 40/40 + 70/70 + 35/35 + 0.8/4 + MDA8 80/160 = 0.1667 + 1 + 1 + 1 + 0.2 + 0.5 = 3.87 (2 decimals)
    assert rows["甲市"]["composite_index"] == Decimal("3.87") == rows["乙市"]["composite_index"]
    assert rows["丙市"]["composite_index"] == Decimal("4.87")  # PM2.5 70/35 = 2
    assert [rows[c]["rank"] for c in ("甲市", "乙市", "丙市")] == [1, 1, 3]
    # 甲市 improved from 4.87: ΔI = (3.87 − 4.87)/4.87 × 100 = −20.53 %
    assert rows["甲市"]["change_percent"] == Decimal("-20.53") and rows["甲市"]["change_rank"] == 1
    assert rows["乙市"]["change_percent"] == Decimal("0.00") == rows["丙市"]["change_percent"]
    assert rows["乙市"]["change_rank"] == rows["丙市"]["change_rank"] == 2
    assert rows["丙市"]["max_index_pollutants"] == "PM2.5" and rows["丙市"]["pm25_multiple"] == Decimal("1.00")
    # a month needs 27 valid days; March has all 31
    assert rows["甲市"]["min_days"] == 27 and rows["甲市"]["pm25_valid"] is True
    assert rows["甲市"]["good_ratio"] == Decimal("100.0")


def test_the_standard_switch_changes_day_levels_not_concentrations() -> None:
    """PM2.5 70 µg/m³ every day: 2026-02 days are 良 (IAQI 94 under 2012), 2026-03 days 轻度污染 (109)."""
    values = {"so2": 5.0, "no2": 20.0, "co": 0.5, "o3": 60.0, "pm10": 60.0, "pm25": 70.0}
    days = [dt.date(2026, 2, 27) + dt.timedelta(days=i) for i in range(4)]
    con = connect()
    assessment = Assessment(con, memory_table(con, [_data({"A1": values}, days)]), _registry({"甲市": ["A1"]}))
    rows = assessment.daily("station", days[0], days[-1], Options())
    # 2012: 50 + 50/40·(70−35) = 93.75 → 94; 2026: 100 + 50/55·(70−60) = 109.09 → 110
    assert [r["aqi"] for r in rows] == [94, 94, 110, 110]
    assert [r["standard"] for r in rows] == ["HJ 633-2012"] * 2 + ["HJ 633-2026"] * 2
    forced = assessment.daily("station", days[0], days[-1], Options(standard="2012"))
    assert {r["aqi"] for r in forced} == {94}
    period = assessment.period("station", Period(days[0], days[-1], "t"), Options(), with_last_year=False)[0]
    assert period["good_days"] == 2 and period["valid_days"] == 4 and period["good_ratio"] == Decimal("50.0")
    # exceedance days use the GB 3095 limit of each day: 75 before the switch, 60 after
    assert period["pm25_exceed_days"] == 2


def test_province_values_need_a_map() -> None:
    from lantian.errors import NotFoundError

    con = connect()
    values = {"so2": 5.0, "no2": 20.0, "co": 0.5, "o3": 60.0, "pm10": 60.0, "pm25": 30.0}
    data = _data({"A1": values, "B1": {**values, "pm25": 41.0}}, [dt.date(2024, 1, 1)])
    registry = _registry({"甲市": ["A1"], "乙市": ["B1"]})
    with pytest.raises(NotFoundError):
        Assessment(con, memory_table(con, [data]), registry).daily("province", None, None, Options())
    both = Assessment(con, memory_table(con, [data]), registry, {"甲市": "某省", "乙市": "某省"})
    [row] = both.daily("province", None, None, Options())
    assert row["station"] == "某省" and row["pm25"] == 36.0  # (30 + 41)/2 = 35.5 → 36 (half to even)


def test_dust_days_leave_pm_statistics_but_stay_in_the_day_ratios() -> None:
    """Three days of PM2.5 30, 30 and 300 (a dust day): without the dust day the mean is 30; the
    good-day ratio still counts the dust day (2 of 3 good → 66.7 %)."""
    from lantian.domain.aq.dust import parse_dust_days

    base = {"so2": 5.0, "no2": 20.0, "co": 0.5, "o3": 60.0, "pm10": 50.0}
    con = connect()
    data = ArchiveData("sites", "synthetic")
    for i, pm25 in enumerate((30.0, 30.0, 300.0)):
        for h in range(24):
            when = dt.datetime(2024, 4, 1 + i, h)
            data.records[("A1", when)] = {**base, "pm25": pm25, "pm10": 50.0 if pm25 < 100 else 900.0}
    assessment = Assessment(con, memory_table(con, [data]), _registry({"甲市": ["A1"]}))
    period = Period(dt.date(2024, 4, 1), dt.date(2024, 4, 3), "t")
    plain = assessment.period("city", period, Options(), with_last_year=False)[0]
    assert plain["pm25"] == 120.0  # (30 + 30 + 300)/3
    dust = parse_dust_days("区域,日期\n甲市,2024-04-03\n", name="dust.csv")
    cleaned = assessment.period("city", period, Options(dust_days=dust), with_last_year=False)[0]
    assert cleaned["pm25"] == 30.0 and cleaned["pm10"] == 50.0 and cleaned["dust_days"] == 1
    assert cleaned["good_days"] == plain["good_days"] == 2 and cleaned["good_ratio"] == Decimal("66.7")
    assert cleaned["composite_index"] < plain["composite_index"]


def test_a_bad_dust_list_names_its_line() -> None:
    from lantian.domain.aq.dust import parse_dust_days
    from lantian.errors import StructureError

    with pytest.raises(StructureError) as err:
        parse_dust_days("区域,日期\n甲市,2024-04-31\n", name="dust.csv")
    assert str(err.value).startswith("dust.csv:2") and "日期" in str(err.value)
    with pytest.raises(StructureError):
        parse_dust_days("city,when\n", name="dust.csv")
