"""The AQI (HJ 633) as engine expressions: exact, column-wise, the same on DuckDB and PySpark.

Mirrors :func:`lantian.domain.standards.aqi.compute_aqi` (the scalar reference; the tests hold the
two equal). Concentrations are rounded per GB/T 8170 in integer arithmetic (:func:`units`), and the
IAQI is ``IAQI_Lo + ⌈(IAQI_Hi − IAQI_Lo)·(C − BP_Lo) / (BP_Hi − BP_Lo)⌉`` with integers only, so no
binary-float rounding can move an index across a boundary.

Where a table spans the switch between versions (2026-03-01 unless overridden), each row is indexed
by the version in force on its own date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis

from lantian.analytics.rounding import HALF_EVEN, round_value
from lantian.domain.standards.hj633 import (
    IAQI_POINTS,
    POLLUTANT_LABELS,
    POLLUTANTS,
    PUBLISHED,
    STANDARDS,
    SWITCH_DATE,
    AqiStandard,
    Column,
)
from lantian.domain.standards.rounding import CONCENTRATION_DECIMALS
from lantian.errors import ConfigError

MAX_INDEX = 500
OUTPUT_COLUMNS = ("aqi", "level", "category", "primary_pollutant", *(f"iaqi_{p}" for p in POLLUTANTS))


def iaqi_of_units(c: Any, column: Column, decimals: int) -> Any:
    """The IAQI of a rounded concentration ``c`` (integer units of 10^-decimals) on a breakpoint column.

    Above the column's last breakpoint the result is the IAQI at that breakpoint, capped at 500
    (the >800 rules are applied by the caller before this)."""
    scale = 10**decimals
    bps = [None if b is None else round(b * scale) for b in column]
    branches = []
    top = 0
    for i in range(1, len(bps)):
        hi, lo = bps[i], bps[i - 1]
        if hi is None or lo is None:
            break
        top = i
        span_i = IAQI_POINTS[i] - IAQI_POINTS[i - 1]
        span_c = hi - lo
        numerator = (c - lo) * span_i
        branches.append((c <= hi, IAQI_POINTS[i - 1] + (numerator + (span_c - 1)) // span_c))
    above = MAX_INDEX if top == len(bps) - 1 else IAQI_POINTS[top]
    return ibis.cases((c.isnull(), ibis.null().cast("int64")), *branches, else_=above).cast("int64")


def _version_key(standard: AqiStandard) -> str:
    return str(standard.year)


def with_aqi(
    t: Any,
    product: str = "hourly",
    *,
    date_column: str = "time",
    standard: str | None = None,
    switch: dt.date = SWITCH_DATE,
    method: str = PUBLISHED,
    mode: str = HALF_EVEN,
) -> Any:
    """``t`` with the AQI columns added (:data:`OUTPUT_COLUMNS`, plus ``standard`` and ``complete``).

    ``standard`` ("2012" | "2026") forces one version; otherwise each row uses the version in force
    on ``date_column`` (a date or a timestamp). The work is staged in successive projections, so the
    generated SQL stays linear in the number of indicators.
    """
    versions = [standard_by_name(standard)] if standard else [STANDARDS["2012"], STANDARDS["2026"]]
    fields: dict[str, str] = {}
    for version in versions:
        for ind in version.product(product, method):
            if ind.field in t.columns:
                fields[ind.field] = ind.pollutant
    if "so2" in fields and "so2_24h" in t.columns and any(v.so2_1h_over_800 == "fallback" for v in versions):
        fields["so2_24h"] = "so2"
    # 1. concentrations rounded (GB/T 8170) to integer units
    s = t.mutate(**{f"_u_{f}": round_value(t[f], CONCENTRATION_DECIMALS[p], mode) for f, p in fields.items()})
    # 2. sub-indices per version and indicator
    subs: dict[str, Any] = {}
    for version in versions:
        for ind in version.product(product, method):
            if ind.field in fields:
                subs[f"_i{_version_key(version)}_{ind.field}"] = _sub_index(
                    s, ind.field, ind.pollutant, ind.column, version
                )
    s = s.mutate(**subs)
    # 3. per pollutant (the larger of its indicators), AQI and completeness per version
    per: dict[str, Any] = {}
    for version in versions:
        key = _version_key(version)
        for p in POLLUTANTS:
            cols = [
                s[f"_i{key}_{ind.field}"]
                for ind in version.product(product, method)
                if ind.pollutant == p and ind.field in fields
            ]
            per[f"_p{key}_{p}"] = (
                ibis.greatest(*cols) if len(cols) > 1 else (cols[0] if cols else ibis.null().cast("int64"))
            )
    s = s.mutate(**per)
    totals: dict[str, Any] = {}
    for version in versions:
        key = _version_key(version)
        measured = [
            p
            for p in POLLUTANTS
            if any(ind.pollutant == p and ind.field in fields for ind in version.product(product, method))
        ]
        computed = (
            ibis.greatest(*(s[f"_p{key}_{p}"] for p in measured))
            if len(measured) > 1
            else s[f"_p{key}_{measured[0]}"]
            if measured
            else ibis.null().cast("int64")
        )
        complete: Any = ibis.literal(len(measured) == len(POLLUTANTS))
        for p in measured:
            complete = complete & s[f"_p{key}_{p}"].notnull()
        totals[f"_computed{key}"] = computed
        totals[f"_complete{key}"] = complete
    s = s.mutate(**totals)
    finals: dict[str, Any] = {}
    for version in versions:
        key = _version_key(version)
        computed, complete = s[f"_computed{key}"], s[f"_complete{key}"]
        if version.min_aqi:
            computed = computed.isnull().ifelse(computed, ibis.greatest(computed, version.min_aqi))
        if version.na_rule:
            computed = (~complete & (computed <= 100)).ifelse(ibis.null().cast("int64"), computed)
        finals[f"_aqi{key}"] = computed.cast("int64")
    s = s.mutate(**finals)
    # 4. the version in force on each row's date
    if len(versions) == 1:
        key = _version_key(versions[0])
        chosen = {"aqi": s[f"_aqi{key}"], "complete": s[f"_complete{key}"], "standard": ibis.literal(versions[0].code)}
        chosen.update({f"iaqi_{p}": s[f"_p{key}_{p}"] for p in POLLUTANTS})
    else:
        when = s[date_column]
        start = dt.datetime.combine(switch, dt.time()) if when.type().is_timestamp() else switch
        is_new = when >= start
        chosen = {
            "aqi": is_new.ifelse(s["_aqi2026"], s["_aqi2012"]),
            "complete": is_new.ifelse(s["_complete2026"], s["_complete2012"]),
            "standard": is_new.ifelse(ibis.literal(STANDARDS["2026"].code), ibis.literal(STANDARDS["2012"].code)),
        }
        chosen.update({f"iaqi_{p}": is_new.ifelse(s[f"_p2026_{p}"], s[f"_p2012_{p}"]) for p in POLLUTANTS})
    s = s.mutate(**chosen)
    # 5. level, category and primary pollutant (levels number and bound alike in both versions)
    levels = versions[0].levels
    aqi = s.aqi
    number = ibis.cases(*((aqi <= lv.upper, lv.number) for lv in levels if lv.upper is not None), else_=6)
    no_text = ibis.null().cast("string")
    s = s.mutate(_level=aqi.isnull().ifelse(ibis.null().cast("int64"), number))
    # primary pollutant(s): a bit per pollutant whose IAQI equals the AQI (AQI > 50); the common
    # single-pollutant cases are a lookup, ties (several bits) are spelled out
    s = s.mutate(_above=(s.aqi > 50).ifelse(s.aqi, ibis.null().cast("int64")))  # null at AQI ≤ 50
    bits = [(s[f"iaqi_{p}"] == s._above).ifelse(1 << i, 0) for i, p in enumerate(POLLUTANTS)]
    s = s.mutate(_mask=sum(bits[1:], bits[0]))
    ties: Any = ibis.literal("")
    for i, p in enumerate(POLLUTANTS):
        ties = ties.concat(
            ((s._mask % (2 << i)) >= (1 << i)).ifelse(ibis.literal(POLLUTANT_LABELS[p] + ","), ibis.literal(""))
        )
    single = [(s._mask == (1 << i), ibis.literal(POLLUTANT_LABELS[p])) for i, p in enumerate(POLLUTANTS)]
    primary = ibis.cases((s._mask == 0, no_text), *single, else_=ties.re_replace(",$", ""))
    s = s.mutate(
        level=ibis.cases(*((s._level == lv.number, lv.name) for lv in levels), else_=no_text),
        category=ibis.cases(*((s._level == lv.number, lv.category) for lv in levels), else_=no_text),
        primary_pollutant=primary,
    )
    helpers = [c for c in s.columns if c.startswith("_")]
    ordered = [c for c in t.columns] + [c for c in (*OUTPUT_COLUMNS, "complete", "standard") if c not in t.columns]
    return s.drop(*helpers).select(*ordered)


def standard_by_name(name: str) -> AqiStandard:
    key = name.strip().removeprefix("HJ 633-")
    if key not in STANDARDS:
        raise ConfigError(f"unknown AQI standard {name!r}; use 2012 or 2026 (HJ 633 版本)", field="standard")
    return STANDARDS[key]


def _sub_index(s: Any, field: str, pollutant: str, column: str, standard: AqiStandard) -> Any:
    decimals = CONCENTRATION_DECIMALS[pollutant]
    c = s[f"_u_{field}"]
    value = iaqi_of_units(c, standard.column(column), decimals)
    if column == "so2_1h":
        if standard.so2_1h_over_800 != "fallback":
            fallback = ibis.literal(int(standard.so2_1h_over_800), "int64")
        elif "_u_so2_24h" in s.columns:
            fallback = iaqi_of_units(s["_u_so2_24h"], standard.column("so2_24h"), 0)
        else:
            fallback = ibis.null().cast("int64")
        value = (c > 800).ifelse(fallback, value)
    elif column == "o3_8h":
        if standard.o3_8h_over_800 == "fallback":
            fallback = ibis.null().cast("int64")
        else:
            fallback = ibis.literal(int(standard.o3_8h_over_800), "int64")
        value = (c > 800).ifelse(fallback, value)
    return value
