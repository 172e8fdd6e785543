"""Period statistics (时段统计): a month, quarter, year-to-date, year or any range, per station or area.

From daily values (station or area, as reported) with their daily AQI:

- means of SO2, NO2, PM10, PM2.5 over valid days (rounded per GB/T 8170), with ``<p>_days``;
- percentiles of the daily values by HJ 663 附录A (type 7): SO2/NO2 P98, PM10/PM2.5 P95, CO P95
  (one decimal), O3 P90 of the MDA8;
- valid days (daily AQI not NA), good days (AQI ≤ 100), heavy days (AQI > 200), days per level, and
  their ratios over valid days (one decimal %);
- with a ``stations`` column (站点数 of area values), ``stations`` and ``stations_min``: the most and
  the fewest stations a valid day of the period stands on;
- exceedance days per pollutant: daily value above the GB 3095 24-h (O3: 8-h) limit in force that day;
- with a boolean ``dust`` column (沙尘日), PM10 and PM2.5 statistics leave those days out (扣沙)
  while the day counts and ratios keep them; ``dust_days`` counts them.

Attainment, exceedance multiples, the composite index and rankings are derived from this small
result in plain Python (:mod:`lantian.services.assessment`) with the pure rules of
:mod:`lantian.domain.standards`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis

from lantian.analytics.rounding import HALF_EVEN, round_value, rounded_mean, to_milli
from lantian.domain.standards.gb3095 import LIMIT_SETS

MEANS = {"pm25": 0, "pm10": 0, "so2": 0, "no2": 0}
PERCENTILES = {  # statistic → (daily column, p, decimals)
    "so2_p98": ("so2", 0.98, 0),
    "no2_p98": ("no2", 0.98, 0),
    "pm10_p95": ("pm10", 0.95, 0),
    "pm25_p95": ("pm25", 0.95, 0),
    "co_p95": ("co", 0.95, 1),
    "o3_p90": ("o3_8h_max", 0.90, 0),
}
EXCEEDANCE = {"pm25": "pm25_24h", "pm10": "pm10_24h", "so2": "so2_24h", "no2": "no2_24h", "co": "co_24h",
              "o3_8h_max": "o3_8h"}  # fmt: skip


def _limit_on_day(day: Any, key: str, grade: int) -> Any:
    """The GB 3095 limit ``key`` in force on each row's date, as an expression."""
    cases = []
    for limit_set in LIMIT_SETS.values():
        value = float(limit_set.grade(grade)[key])
        if limit_set.valid_to is not None:
            cases.append((day <= limit_set.valid_to, value))
        else:
            return ibis.cases(*cases, else_=value) if cases else ibis.literal(value)
    raise AssertionError("the last limit set is open-ended")


def period_statistics(
    daily: Any,
    *,
    key: str = "station",
    start: dt.date | None = None,
    end: dt.date | None = None,
    grade: int = 2,
    rounding: str = HALF_EVEN,
) -> Any:
    """Daily rows (``key``, ``day``, values, ``aqi``) → one row per ``key`` for [start, end]."""
    t = daily
    if start is not None:
        t = t.filter(t.day >= start)
    if end is not None:
        t = t.filter(t.day <= end)
    if "dust" in t.columns:  # 扣沙: PM statistics without the dust days; the AQI day counts keep them
        t = t.mutate(
            **{p: t.dust.ifelse(ibis.null().cast("float64"), t[p]) for p in ("pm25", "pm10") if p in t.columns}
        )
    t = t.mutate(**{f"_{p}_m": to_milli(t[p]) for p in MEANS if p in t.columns})
    aggs: dict[str, Any] = {
        "first_day": t.day.min(),
        "last_day": t.day.max(),
        "days": t.count(),
        "valid_days": t.aqi.count(),
        "good_days": (t.aqi <= 100).fill_null(False).cast("int64").sum(),
        "heavy_days": (t.aqi > 200).fill_null(False).cast("int64").sum(),
    }
    if "stations" in t.columns:  # 站点数: the most and the fewest stations a valid day stands on
        aggs["stations"] = t.aqi.notnull().ifelse(t.stations, ibis.null().cast("int64")).max()
        aggs["stations_min"] = t.aqi.notnull().ifelse(t.stations, ibis.null().cast("int64")).min()
    if "dust" in t.columns:
        aggs["dust_days"] = t.dust.fill_null(False).cast("int64").sum()
    for n in range(1, 7):
        lower, upper = ((0, 50), (51, 100), (101, 150), (151, 200), (201, 300), (301, 10**6))[n - 1]
        aggs[f"level{n}_days"] = t.aqi.between(lower, upper).fill_null(False).cast("int64").sum()
    for p in MEANS:
        if p in t.columns:
            aggs[f"{p}_days"] = t[f"_{p}_m"].count()
            aggs[f"_{p}_sum"] = t[f"_{p}_m"].sum()
    for name, (column, q, _) in PERCENTILES.items():
        if column in t.columns:
            aggs[f"_{name}_raw"] = t[column].quantile(q)
            if column == "o3_8h_max":
                aggs["o3_days"] = t[column].count()
            elif column == "co":
                aggs["co_days"] = t[column].count()
    for column, limit_key in EXCEEDANCE.items():
        if column in t.columns:
            label = "o3" if column == "o3_8h_max" else column
            over = t[column] > _limit_on_day(t.day, limit_key, grade)
            aggs[f"{label}_exceed_days"] = over.fill_null(False).cast("int64").sum()
    g = t.group_by(key).aggregate(**aggs)
    out: dict[str, Any] = {}
    for p, decimals in MEANS.items():
        if f"_{p}_sum" in g.columns:
            out[p] = (g[f"{p}_days"] > 0).ifelse(rounded_mean(g[f"_{p}_sum"], g[f"{p}_days"], decimals, rounding), None)
    for name, (_, _, decimals) in PERCENTILES.items():
        if f"_{name}_raw" in g.columns:
            out[name] = round_value(g[f"_{name}_raw"], decimals, rounding).cast("float64") / (10**decimals)
    g = g.mutate(**out)
    return g.drop(*(c for c in g.columns if c.startswith("_"))).order_by(key)
