"""Benchmark: the full air-quality assessment of one leap year at national scale.

Generates hourly data for 1,800 stations × 6 pollutants × 366 days (~15.8 M station-hours, about
2 % of the cells missing) as Parquet in the store's own layout (``hourly/sites/year=/month=/``),
with a station list of 300 cities of 6 stations each (one a control station, 对照点, which city
values leave out). Then, in a fresh process, runs what an office runs for a year:

1. hourly AQI of every station-hour (real-time product), summarised as hours per level and
   primary pollutant (the engine evaluates every row);
2. station daily values (24-h means, MDA8, O3 1-h max) and daily AQI;
3. station annual statistics (means, percentiles, good/heavy days, exceedances, attainment);
4. city daily values from the assessment stations, city annual statistics, composite index and
   the rankings (composite, PM2.5, good-day ratio, improvement against last year).

Baseline, measured in the same run in its own process: a bare DuckDB scan of the same Parquet
(the sum of every pollutant column), best of 3. The assessment's ratio to it is printed, as is
the time of computing the hourly AQI value by value in pure Python (the scalar reference,
``domain.standards.aqi.compute_aqi``) on a slice, and how many times faster the engine is.

    python benchmarks/bench_assessment.py [--stations 1800] [--days 366] [--python-slice 50000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import best_of, peak_rss_mib

YEAR = 2024  # a leap year
POLLUTANTS = ("pm25", "pm10", "so2", "no2", "o3", "co")
STATIONS_PER_CITY = 6


def station_code(i: int) -> str:
    return f"{1001 + i}A"


def generate(root: Path, stations: int, days: int) -> int:
    """Write the hourly Parquet files (one per day, as the store does); returns the station-hours."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from lantian.analytics.parquet_store import SCHEMA, HourlyStore

    store = HourlyStore(root)
    rng = np.random.default_rng(2024)
    codes = np.repeat(np.array([station_code(i) for i in range(stations)]), 24)
    hours = np.tile(np.arange(24), stations)
    # each station has its own level of pollution, so the cities rank apart
    level = np.repeat(rng.lognormal(0.0, 0.25, stations), 24)
    rows = 0
    for d in range(days):
        day = dt.date(YEAR, 1, 1) + dt.timedelta(days=d)
        n = stations * 24
        start = np.datetime64(dt.datetime.combine(day, dt.time()), "s")
        times = start + (hours * 3600).astype("timedelta64[s]")
        season = 1.0 + 0.5 * np.cos(2 * np.pi * d / days)  # winter high, summer low
        pm25 = np.round(rng.lognormal(3.4, 0.5, n) * level * season)
        values = {
            "pm25": pm25,
            "pm10": np.round(pm25 * rng.uniform(1.3, 1.9, n)),
            "so2": np.round(rng.lognormal(2.0, 0.4, n)),
            "no2": np.round(rng.lognormal(3.3, 0.4, n) * level),
            "o3": np.round(
                np.clip(70 + 60 * np.sin((hours - 9) / 24 * 2 * np.pi) / season + rng.normal(0, 15, n), 1, None)
            ),
            "co": np.round(rng.lognormal(-0.5, 0.4, n), 1),
        }
        columns: dict[str, Any] = {"station": codes, "time": times}
        for name in SCHEMA.names[2:]:
            if name in values:
                columns[name] = pa.array(values[name], pa.float64(), mask=rng.random(n) < 0.02)
            else:
                columns[name] = pa.nulls(n, pa.float64())
        path = store.day_path("sites", day)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(columns, schema=SCHEMA), path, compression="zstd")
        rows += n
    return rows


def registry(stations: int) -> Any:
    from lantian.domain.aq.stations import Station, StationList, StationRegistry

    reg = StationRegistry()
    members = {
        station_code(i): Station(
            station_code(i), f"站点{i}", f"城市{i // STATIONS_PER_CITY:03d}", None, None, i % STATIONS_PER_CITY == 0
        )
        for i in range(stations)
    }
    reg.add(StationList(dt.date(2020, 1, 1), members, "benchmark", True))
    return reg


def phase_scan(root: str) -> dict[str, float]:
    import duckdb

    from lantian.analytics.parquet_store import HourlyStore

    con = duckdb.connect()
    pattern = HourlyStore(Path(root)).glob("sites")
    sums = ", ".join(f"sum({p})" for p in POLLUTANTS)
    seconds, _ = best_of(3, lambda: con.execute(f"select count(*), {sums} from read_parquet('{pattern}')").fetchall())
    return {"seconds": seconds, "peak_mib": peak_rss_mib()}


def phase_assess(root: str, stations: int) -> dict[str, float]:
    from lantian.analytics.backends import connect, read_hourly
    from lantian.analytics.parquet_store import HourlyStore
    from lantian.domain.aq.periods import parse_period
    from lantian.services.assessment import Assessment, Options

    start = time.perf_counter()
    con = connect()
    a = Assessment(con, read_hourly(con, HourlyStore(Path(root)).glob("sites")), registry(stations))
    o = Options()
    year = parse_period(str(YEAR))
    out: dict[str, float] = {}

    t = time.perf_counter()
    h = a.hourly_table("station", year.start, year.end, o)
    summary = con.execute(h.group_by(["level", "primary_pollutant"]).aggregate(hours=h.count()))
    out["hourly_s"] = time.perf_counter() - t
    out["hours_with_aqi"] = float(summary[summary.level.notnull()].hours.sum())

    t = time.perf_counter()
    d = a.daily_table("station", year.start, year.end, o)
    daily = con.execute(d.aggregate(days=d.count(), with_aqi=d.aqi.count()))
    out["daily_s"] = time.perf_counter() - t
    out["station_days"] = float(daily.days.iloc[0])

    t = time.perf_counter()
    stations_rows = a.period("station", year, o, with_last_year=False)
    out["station_annual_s"] = time.perf_counter() - t
    out["stations"] = float(len(stations_rows))

    t = time.perf_counter()
    cities = a.period("city", year, o)
    out["city_annual_s"] = time.perf_counter() - t
    out["cities"] = float(len(cities))
    out["best_city_index"] = float(cities[0]["composite_index"])
    out["best_city_rank"] = float(cities[0]["rank"])

    out["total_s"] = time.perf_counter() - start
    out["peak_mib"] = peak_rss_mib()
    return out


def phase_python(root: str, rows: int) -> dict[str, float]:
    """Hourly AQI value by value with the scalar reference, on the first ``rows`` station-hours."""
    import pyarrow.parquet as pq

    from lantian.analytics.parquet_store import HourlyStore
    from lantian.domain.standards.aqi import compute_aqi
    from lantian.domain.standards.hj633 import STANDARDS

    standard = STANDARDS["2012"]
    fields = ("so2", "no2", "co", "o3", "pm10", "pm25", "so2_24h")
    records: list[dict[str, float | None]] = []
    for path in HourlyStore(Path(root)).files("sites"):
        table = pq.read_table(path, columns=list(fields)).to_pylist()
        records.extend(table[: rows - len(records)])
        if len(records) >= rows:
            break
    start = time.perf_counter()
    total = 0
    for r in records:
        result = compute_aqi(r, standard, "hourly")
        total += result.aqi or 0
    return {"seconds": time.perf_counter() - start, "rows": float(len(records)), "checksum": float(total)}


def run_phase(*args: str) -> dict[str, float]:
    result = subprocess.run([sys.executable, __file__, "--phase", *args], capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"phase {args[0]} failed:\n{result.stderr}")
    data: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stations", type=int, default=1800)
    ap.add_argument("--days", type=int, default=366)
    ap.add_argument("--python-slice", type=int, default=50_000, help="station-hours for the pure-Python run")
    ap.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        kind, root, *rest = args.phase
        if kind == "scan":
            print(json.dumps(phase_scan(root)))
        elif kind == "assess":
            print(json.dumps(phase_assess(root, int(rest[0]))))
        else:
            print(json.dumps(phase_python(root, int(rest[0]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        rows = generate(Path(tmp), args.stations, args.days)
        gen_s = time.perf_counter() - t
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*.parquet")) / 2**20
        scan = run_phase("scan", tmp)
        res = run_phase("assess", tmp, str(args.stations))
        py = run_phase("python", tmp, str(args.python_slice))
    print(
        f"generated: {args.stations} stations × {args.days} days = {rows:,} station-hours "
        f"({size:.0f} MiB Parquet) in {gen_s:.1f} s"
    )
    print(f"baseline, bare DuckDB scan (sum of every pollutant column, best of 3): {scan['seconds']:.2f} s")
    print(f"  hourly AQI, every station-hour ({res['hours_with_aqi']:,.0f} with an AQI): {res['hourly_s']:.2f} s")
    print(f"  station daily values and daily AQI ({res['station_days']:,.0f} station-days): {res['daily_s']:.2f} s")
    print(f"  station annual statistics ({res['stations']:.0f} stations): {res['station_annual_s']:.2f} s")
    print(
        f"  city annual statistics, composite index, rankings ({res['cities']:.0f} cities): "
        f"{res['city_annual_s']:.2f} s"
    )
    print(
        f"full assessment: {res['total_s']:.2f} s = {res['total_s'] / scan['seconds']:.0f} × the bare scan; "
        f"peak memory {res['peak_mib']:.0f} MiB"
    )
    print(f"goal ≤ 10 s and ≤ 2 GiB → {'met' if res['total_s'] <= 10 and res['peak_mib'] <= 2048 else 'NOT met'}")
    per_row_py = py["seconds"] / py["rows"]
    per_row_engine = res["hourly_s"] / rows
    print(
        f"pure-Python hourly AQI on {py['rows']:,.0f} station-hours: {py['seconds']:.2f} s "
        f"({py['rows'] / py['seconds']:,.0f} rows/s); the engine is {per_row_py / per_row_engine:.0f} × faster "
        f"per station-hour ({rows / res['hourly_s']:,.0f} rows/s)"
    )


if __name__ == "__main__":
    main()
