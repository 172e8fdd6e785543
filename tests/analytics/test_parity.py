"""The same Ibis expressions on DuckDB and on local-mode PySpark give identical results.

Needs the ``spark`` extra and Java; skipped cleanly without them (CI installs both).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lantian.analytics.backends import connect, read_hourly
from lantian.analytics.daily import station_daily
from lantian.analytics.parquet_store import HourlyStore

# py4j (PySpark's bridge to the JVM) leaves its gateway sockets for the garbage collector: its
# ResourceWarnings are not lantian's to fix
pytestmark = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime for PySpark")
    con = connect("pyspark")
    yield con
    con._session.stop()


def _store(tmp_path: Path) -> HourlyStore:
    """Two stations, two days, with halves, missing hours and a day below 20 valid hours."""
    store = HourlyStore(tmp_path / "aq")
    records: dict[tuple[str, dt.datetime], dict[str, float]] = {}
    for day in (dt.date(2025, 1, 1), dt.date(2025, 1, 2)):
        for h in range(24):
            when = dt.datetime.combine(day, dt.time(h))
            records[("A", when)] = {
                "pm25": 10 + h % 2,
                "pm10": 20.0,
                "so2": 5.0 + (h == 3),
                "no2": 31.0,
                "co": 0.4 + 0.1 * (h % 2),
            }
            if day.day == 1 or h < 19:
                records[("B", when)] = {"pm25": 36.0 + h, "co": 0.45, "no2": 12.5}
    store.write("sites", records)
    return store


def _frame(con: Any, pattern: str) -> Any:
    frame = con.execute(station_daily(read_hourly(con, pattern)))
    return frame.sort_values(["station", "day"]).reset_index(drop=True)


def test_daily_statistics_are_identical_on_duckdb_and_pyspark(spark: Any, tmp_path: Path) -> None:
    store = _store(tmp_path)
    duck = _frame(connect(), store.glob("sites"))
    sp = _frame(spark, store.glob("sites"))
    assert list(duck.columns) == list(sp.columns)
    assert duck.equals(sp), duck.compare(sp)
    # and the values are the hand-worked ones: A day 1 PM2.5 = 10.5 → 10; CO 0.45 → 0.4; B day 2 invalid
    a1 = duck[(duck.station == "A")].iloc[0]
    assert (a1.pm25, a1.co, a1.pm25_hours) == (10.0, 0.4, 24)
    b2 = duck[(duck.station == "B")].iloc[1]
    assert b2.pm25_hours == 19 and b2.pm25 != b2.pm25


def test_real_archive_month_is_identical(spark: Any, seeds_dir: Path, tmp_path: Path) -> None:
    from lantian.services.airquality import AirQualityService

    aq = seeds_dir.parent / "data" / "aq"
    svc = AirQualityService(tmp_path)
    svc.import_files(sorted((aq / "cnemc_sites_2019_jiangsu").glob("china_sites_201901*.csv")))
    pattern = svc.store.glob("sites")
    duck, sp = _frame(connect(), pattern), _frame(spark, pattern)
    assert len(duck) == 22 * 31
    assert duck.equals(sp), duck.compare(sp)


def test_every_statistic_is_identical_on_duckdb_and_pyspark(spark: Any, seeds_dir: Path, tmp_path: Path) -> None:
    """Hourly AQI, station and city daily values with the daily AQI and MDA8, and period statistics
    (means, type-7 percentiles, day counts, exceedance days), on the real January 2019 archive."""
    from lantian.analytics.period import period_statistics
    from lantian.services.airquality import AirQualityService
    from lantian.services.assessment import Assessment, Options

    aq = seeds_dir.parent / "data" / "aq"
    svc = AirQualityService(tmp_path)
    svc.import_station_lists(sorted((aq / "station_lists").glob("站点列表-20*.csv")))
    svc.import_files(sorted((aq / "cnemc_sites_2019_jiangsu").glob("china_sites_201901*.csv")))
    pattern = svc.store.glob("sites")
    o = Options()
    first, last = dt.date(2019, 1, 1), dt.date(2019, 1, 31)
    results = {}
    for name, con in (("duckdb", connect()), ("pyspark", spark)):
        a = Assessment(con, read_hourly(con, pattern), svc.registry())
        hourly = a.hourly_table("station", first, last, o).order_by(["station", "time"])
        daily = a.daily_table("city", first, last, o).order_by(["station", "day"])
        stations = a.daily_table("station", first, last, o)
        period = period_statistics(stations, start=first, end=last).order_by("station")
        results[name] = [con.execute(e).reset_index(drop=True) for e in (hourly, daily, period)]
    for duck, sp in zip(results["duckdb"], results["pyspark"], strict=True):
        assert list(duck.columns) == list(sp.columns)
        assert len(duck) == len(sp) > 0
        for column in duck.columns:
            left, right = duck[column], sp[column]
            if left.dtype.kind == "f" or right.dtype.kind == "f":
                assert left.astype(float).fillna(-1).equals(right.astype(float).fillna(-1)), column
            else:
                assert (
                    left.astype(object).where(left.notna(), None).tolist()
                    == right.astype(object).where(right.notna(), None).tolist()
                ), column
