"""Daily statistics per station (日均值, 日最大8小时平均, 日最大1小时平均) and the daily AQI.

A day is the 24 records labelled with its date (hours 0–23, hour-ending Beijing time: see
:mod:`lantian.domain.aq.archive`).

- SO2, NO2, CO, PM10, PM2.5: the daily mean is valid with at least :data:`MIN_HOURS` valid hourly
  values (GB 3095 表4). ``<p>_hours`` is the number of valid hours; ``<p>`` the mean rounded per
  GB/T 8170 (integer µg/m³, CO one decimal mg/m³) or null when invalid; ``<p>_exact`` unrounded.
- O3 ``o3_8h_max`` (MDA8): the 17 8-h windows of the day (records 0–7 … 16–23; none crosses
  midnight), each valid with ≥ 6 hours; valid with ≥ 14 valid windows, or fewer when the largest
  exceeds ``mda8_limit`` (HJ 663 §6.1.2). ``o3_8h_windows`` counts the valid windows.
- O3 ``o3_1h_max``: the largest hourly value, valid with ≥ :data:`MIN_HOURS` hours (an HJ 663-2013
  reading, [U]; only the 2012 daily AQI uses it).

The hours are spread into 24 columns per station-day in the same aggregation as the means, so the
windows are plain column arithmetic — portable, and one pass over the data.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import ibis

from lantian.analytics.aqi import with_aqi
from lantian.analytics.rounding import HALF_EVEN, SCALE, round_value, rounded_mean, to_milli
from lantian.domain.standards.gb3095 import MIN_HOURS_PER_8H, MIN_MDA8_WINDOWS

MIN_HOURS = 20
DAILY_POLLUTANTS = {"pm25": 0, "pm10": 0, "so2": 0, "no2": 0, "co": 1}  # pollutant → decimals reported
WINDOW_ENDS = range(7, 24)  # the 17 windows: records e−7 … e
MDA8_LIMIT = 160  # GB 3095 二级 8-h limit: the exception to the 14-window rule


def station_daily(
    hourly: Any,
    *,
    min_hours: int = MIN_HOURS,
    rounding: str = HALF_EVEN,
    mda8_limit: int | None = MDA8_LIMIT,
    min_windows: int = MIN_MDA8_WINDOWS,
    window_hours: int = MIN_HOURS_PER_8H,
    key: str = "station",
) -> Any:
    """Hourly table (``key``, time, pollutants…) → one row per ``key`` and day."""
    has_o3 = "o3" in hourly.columns
    pollutants = [p for p in DAILY_POLLUTANTS if p in hourly.columns]
    t = hourly.mutate(
        day=hourly.time.date(),
        _hour=hourly.time.hour(),
        **{f"_{p}_m": to_milli(hourly[p]) for p in [*pollutants, *(["o3"] if has_o3 else [])]},
    )
    aggs: dict[str, Any] = {}
    for p in pollutants:
        aggs[f"{p}_hours"] = t[f"_{p}_m"].count()
        aggs[f"_{p}_sum"] = t[f"_{p}_m"].sum()
    if has_o3:
        aggs["o3_hours"] = t._o3_m.count()
        aggs["_o3_max"] = t._o3_m.max()
        for h in range(24):
            aggs[f"_o3_h{h}"] = (t._hour == h).ifelse(t._o3_m, ibis.null().cast("int64")).max()
    daily = t.group_by([key, "day"]).aggregate(**aggs)
    out: dict[str, Any] = {}
    for p in pollutants:
        decimals = DAILY_POLLUTANTS[p]
        hours, total = daily[f"{p}_hours"], daily[f"_{p}_sum"]
        valid = hours >= min_hours
        out[p] = valid.ifelse(rounded_mean(total, hours, decimals, rounding), None)
        out[f"{p}_exact"] = valid.ifelse(total.cast("float64") / SCALE / hours, None)
    if has_o3:
        out["o3_1h_max"] = (daily.o3_hours >= min_hours).ifelse(daily._o3_max.cast("float64") / SCALE, None)
        for h in range(0, 24, 2):  # 2-h blocks: valid hours and their sum
            pair = [daily[f"_o3_h{h}"], daily[f"_o3_h{h + 1}"]]
            out[f"_b{h}_n"] = pair[0].notnull().cast("int64") + pair[1].notnull().cast("int64")
            out[f"_b{h}_s"] = pair[0].fill_null(0) + pair[1].fill_null(0)
    daily = daily.mutate(**out)
    if has_o3:  # each 8-h window: whole 2-h blocks, plus single hours at its ends when it starts on an odd hour
        sums: dict[str, Any] = {}
        for e in WINDOW_ENDS:
            first = e - 7
            for part in ("n", "s"):
                if first % 2 == 0:
                    terms = [daily[f"_b{b}_{part}"] for b in range(first, e, 2)]
                else:
                    terms = [daily[f"_b{b}_{part}"] for b in range(first + 1, e - 1, 2)]
                    terms += [_hour_part(daily, first, part), _hour_part(daily, e, part)]
                sums[f"_w{e}_{part}"] = sum(terms[1:], terms[0])
        daily = daily.mutate(**sums)
        # rounding is monotone, so the largest rounded window mean is the rounded largest mean: one
        # exact rounding per day instead of one per window (round_value is exact on s / n: a true
        # half is represented exactly, any other mean is at least 1/8000 away from a half)
        windows: dict[str, Any] = {}
        for e in WINDOW_ENDS:
            n, s = daily[f"_w{e}_n"], daily[f"_w{e}_s"]
            ok = n >= window_hours
            windows[f"_w{e}_x"] = ok.ifelse(s.cast("float64") / SCALE / n, None)
            windows[f"_w{e}_ok"] = ok.cast("int64")
        daily = daily.mutate(**windows)
        best_exact = ibis.greatest(*(daily[f"_w{e}_x"] for e in WINDOW_ENDS))
        count = sum((daily[f"_w{e}_ok"] for e in WINDOW_ENDS), ibis.literal(0, "int64"))
        daily = daily.mutate(o3_8h_windows=count, _best_exact=best_exact)
        daily = daily.mutate(_best=round_value(daily._best_exact, 0, rounding).cast("float64"))
        valid = daily.o3_8h_windows >= min_windows
        if mda8_limit is not None:
            valid = valid | (daily._best > mda8_limit)
        daily = daily.mutate(
            o3_8h_max=valid.ifelse(daily._best, None), o3_8h_max_exact=valid.ifelse(daily._best_exact, None)
        )
    helpers = [c for c in daily.columns if c.startswith("_")]
    return daily.drop(*helpers).order_by([key, "day"])


def _hour_part(daily: Any, hour: int, part: str) -> Any:
    cell = daily[f"_o3_h{hour}"]
    return cell.notnull().cast("int64") if part == "n" else cell.fill_null(0)


def daily_aqi(daily: Any, *, standard: str | None = None, rounding: str = HALF_EVEN) -> Any:
    """Daily statistics with the daily AQI (日报), level, category and primary pollutant added."""
    return with_aqi(daily, "daily", date_column="day", standard=standard, mode=rounding)


def station_day_hours(hourly: Any, pollutants: list[str]) -> Any:
    """Per station and day, the hours that have a row (``present``) and those lacking a value of any
    of ``pollutants`` present in the table (``incomplete``), as lists: what ``aq status`` reports."""
    complete = functools.reduce(operator.and_, (hourly[p].notnull() for p in pollutants if p in hourly.columns))
    t = hourly.mutate(day=hourly.time.date(), hour=hourly.time.hour(), complete=complete)
    return t.group_by(["station", "day"]).aggregate(
        present=t.hour.collect(),
        incomplete=(~t.complete).ifelse(t.hour, ibis.null().cast("int32")).collect(),
    )
