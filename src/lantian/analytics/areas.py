"""Area values (区域值: county, city, province) from station values.

A city's value is the arithmetic mean over its assessment stations (评价点) of the station values
of the same period, rounded per GB/T 8170 (HJ 663 practice; the clause of HJ 663-2026 was not
available, so the method is documented as a reading in docs/airquality.md). Membership comes from
the station list in force on each day; control stations (对照点) are excluded. The city's MDA8 is
the mean of its stations' MDA8 values (the CNEMC reading; the MDA8 of the city-mean hourly series
is the alternative).

``membership`` is a table (``station``, ``area``, ``valid_from``, ``valid_to``), one row per
station and list period (``valid_to`` exclusive, null = open). Station values enter as reported
(rounded), so a city value is exactly reproducible from the published station values.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import ibis

from lantian.analytics.rounding import HALF_EVEN, rounded_mean, to_milli

DAILY_VALUES = {"pm25": 0, "pm10": 0, "so2": 0, "no2": 0, "co": 1, "o3_8h_max": 0, "o3_1h_max": 0}
HOURLY_VALUES = {"pm25": 0, "pm10": 0, "so2": 0, "no2": 0, "co": 1, "o3": 0}


def _members(values: Any, membership: Any, date_expr: Any) -> Any:
    joined = values.join(
        membership,
        [
            values.station == membership.station,
            date_expr(values) >= membership.valid_from,
            membership.valid_to.isnull() | (date_expr(values) < membership.valid_to),
        ],
    )
    return joined


def area_values(
    values: Any,
    membership: Any,
    *,
    time_column: str = "day",
    columns: dict[str, int] | None = None,
    min_stations: int = 1,
    rounding: str = HALF_EVEN,
) -> Any:
    """Station values (``station``, ``time_column``, value columns) → one row per area and time.

    ``<value>`` is the rounded mean over the stations with a valid value; ``<value>_stations``
    how many there were (a value needs ``min_stations``); ``stations`` (站点数) how many member
    stations have at least one valid value at that time."""
    wanted = {c: d for c, d in (columns or DAILY_VALUES).items() if c in values.columns}

    def day_of(t: Any) -> Any:
        col = t[time_column]
        return col.date() if col.type().is_timestamp() else col

    joined = _members(values, membership, day_of)
    valid = functools.reduce(operator.or_, (joined[c].notnull() for c in wanted), ibis.literal(False))
    t = joined.select(
        area=joined.area,
        **{time_column: joined[time_column]},
        _valid_station=valid.ifelse(joined.station, ibis.null().cast("string")),
        **{f"_{c}_m": to_milli(joined[c]) for c in wanted},
    )
    aggs: dict[str, Any] = {"stations": t._valid_station.nunique()}
    for c in wanted:
        aggs[f"{c}_stations"] = t[f"_{c}_m"].count()
        aggs[f"_{c}_sum"] = t[f"_{c}_m"].sum()
    grouped = t.group_by(["area", time_column]).aggregate(**aggs)
    out: dict[str, Any] = {}
    for c, decimals in wanted.items():
        n = grouped[f"{c}_stations"]
        out[c] = (n >= min_stations).ifelse(rounded_mean(grouped[f"_{c}_sum"], n, decimals, rounding), None)
    grouped = grouped.mutate(**out)
    return grouped.drop(*(f"_{c}_sum" for c in wanted)).order_by(["area", time_column])


def membership_table(rows: list[tuple[str, str, Any, Any]]) -> Any:
    """An in-memory membership table from (station, area, valid_from, valid_to) rows."""
    import pyarrow as pa

    table = pa.table(
        {
            "station": [r[0] for r in rows],
            "area": [r[1] for r in rows],
            "valid_from": pa.array([r[2] for r in rows], pa.date32()),
            "valid_to": pa.array([r[3] for r in rows], pa.date32()),
        }
    )
    return ibis.memtable(table)
