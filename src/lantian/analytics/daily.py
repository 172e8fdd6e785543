"""Daily statistics per station (日均值): 24-h means with their coverage, GB 3095 validity, GB/T 8170 rounding.

A day is the 24 records labelled with its date (hours 0–23, hour-ending Beijing time: see
:mod:`lantian.domain.aq.archive`). For SO2, NO2, CO, PM10 and PM2.5 the daily mean is valid with
at least :data:`MIN_HOURS` valid hourly values (GB 3095 Table 4). Each statistic carries its
coverage: ``<pollutant>_hours`` is the number of valid hours; ``<pollutant>`` the mean rounded per
GB/T 8170 (integer µg/m³, CO one decimal mg/m³) or null when invalid; ``<pollutant>_exact`` the
unrounded mean (kept for later statistics, which round only at the end).
"""

from __future__ import annotations

from typing import Any

from lantian.analytics.rounding import HALF_EVEN, SCALE, rounded_mean, to_milli

MIN_HOURS = 20
DAILY_POLLUTANTS = {"pm25": 0, "pm10": 0, "so2": 0, "no2": 0, "co": 1}  # pollutant → decimals reported


def station_daily(hourly: Any, *, min_hours: int = MIN_HOURS, rounding: str = HALF_EVEN) -> Any:
    """Hourly table (station, time, pollutants…) → one row per station and day."""
    t = hourly.mutate(day=hourly.time.date(), **{f"_{p}_m": to_milli(hourly[p]) for p in DAILY_POLLUTANTS})
    aggs: dict[str, Any] = {}
    for p in DAILY_POLLUTANTS:
        aggs[f"{p}_hours"] = t[f"_{p}_m"].count()
        aggs[f"_{p}_sum"] = t[f"_{p}_m"].sum()
    daily = t.group_by(["station", "day"]).aggregate(**aggs)
    out: dict[str, Any] = {}
    for p, decimals in DAILY_POLLUTANTS.items():
        hours, total = daily[f"{p}_hours"], daily[f"_{p}_sum"]
        valid = hours >= min_hours
        out[p] = valid.ifelse(rounded_mean(total, hours, decimals, rounding), None)
        out[f"{p}_exact"] = valid.ifelse(total.cast("float64") / SCALE / hours, None)
    return daily.mutate(**out).drop(*(f"_{p}_sum" for p in DAILY_POLLUTANTS)).order_by(["station", "day"])
