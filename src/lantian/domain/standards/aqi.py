"""The air quality index (空气质量指数, AQI) by HJ 633: the scalar reference implementation.

This is the rule written out value by value, for one station-hour or one station-day; the
analytics engine computes the same thing column-wise and is tested against it.

Steps (both versions): round each concentration per GB/T 8170 (integer µg/m³, CO one decimal mg/m³);
find the breakpoints BP_Lo < C ≤ BP_Hi that bracket it; IAQI = (IAQI_Hi − IAQI_Lo)/(BP_Hi − BP_Lo) ×
(C − BP_Lo) + IAQI_Lo, rounded **up** (in exact rational arithmetic); AQI = the largest IAQI. Special
cases, per version (:class:`~lantian.domain.standards.hj633.AqiStandard`):

- SO2 1-h > 800 µg/m³: 2012 reports the IAQI of the SO2 24-h mean instead; 2026 sets IAQI = 200.
- O3 8-h > 800 µg/m³: 2012 drops the 8-h sub-index (the O3 1-h one decides); 2026 sets IAQI = 300.
- Above the top of the table (e.g. PM2.5 > 500): neither version has a rule; the IAQI is capped at
  500 and the result flagged ``above_table``.
- Primary pollutant (首要污染物): only when AQI > 50; every pollutant whose IAQI equals the AQI.
- Exceedance pollutants (超标污染物, 2012 only): IAQI > 100.
- A missing pollutant: 2026 §5.3.1 — the AQI of the others is published only when it is > 100,
  otherwise AQI, level and primary pollutant are "NA" (``aqi is None``); 2012 has no such rule,
  and the AQI of the pollutants present is reported, flagged ``incomplete``.
- 2026's AQI range is 1–500: an AQI of 0 is reported as 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from lantian.domain.standards.hj633 import (
    IAQI_POINTS,
    POLLUTANTS,
    PUBLISHED,
    AqiStandard,
    Column,
    Indicator,
    Level,
)
from lantian.domain.standards.rounding import HALF_EVEN, Number, ceil_index, round_concentration

MAX_INDEX = 500


@dataclass(frozen=True)
class SubIndex:
    """The IAQI of one indicator, with how it was obtained."""

    value: int | None
    concentration: Decimal | None  # as rounded
    note: str = ""  # "" | "above_table" | "so2_1h_over_800" | "o3_8h_over_800" | "missing"


def iaqi(column: Column, concentration: Number) -> tuple[int, bool]:
    """The IAQI of a concentration on a breakpoint column: (value, above_table).

    The concentration must already be rounded (:func:`round_concentration`); it is used exactly.
    """
    c = Fraction(Decimal(str(concentration)) if isinstance(concentration, float) else concentration)
    if c < 0:
        raise ValueError(f"negative concentration {concentration}")
    top = max(i for i, bp in enumerate(column) if bp is not None)
    if c > Fraction(str(column[top])):
        return MAX_INDEX if top == len(column) - 1 else IAQI_POINTS[top], True
    if c == 0:
        return 0, False
    for i in range(1, top + 1):
        hi = column[i]
        lo = column[i - 1]
        assert hi is not None and lo is not None
        b_hi, b_lo = Fraction(str(hi)), Fraction(str(lo))
        if c <= b_hi:
            i_hi, i_lo = IAQI_POINTS[i], IAQI_POINTS[i - 1]
            return ceil_index(Fraction(i_hi - i_lo) / (b_hi - b_lo) * (c - b_lo) + i_lo), False
    raise AssertionError("unreachable: c ≤ top breakpoint")


@dataclass(frozen=True)
class AqiResult:
    """One AQI (hourly or daily) with its sub-indices and derived fields."""

    standard: str  # "HJ 633-2012" | "HJ 633-2026"
    product: str  # "hourly" | "daily"
    aqi: int | None  # None = NA
    level: Level | None
    iaqi: Mapping[str, int | None]  # pollutant → IAQI (the larger of its indicators)
    indicators: Mapping[str, SubIndex]  # input field → sub-index
    primary: tuple[str, ...]  # 首要污染物
    exceedance: tuple[str, ...]  # 超标污染物 (2012)
    missing: tuple[str, ...]  # pollutants with no valid value
    computed_aqi: int | None  # the AQI of the pollutants present, before the NA rule
    flags: tuple[str, ...]

    @property
    def category(self) -> str | None:
        return self.level.category if self.level else None


def compute_aqi(
    values: Mapping[str, Number | None],
    standard: AqiStandard,
    product: str = "hourly",
    *,
    method: str = PUBLISHED,
    rounding: str = HALF_EVEN,
) -> AqiResult:
    """The AQI of one record. ``values`` maps the product's input fields to concentrations.

    Hourly fields: ``so2 no2 co o3 pm10 pm25`` (1-h values) and, for 2012, ``so2_24h`` (used
    when SO2 1-h > 800); with ``method="literal"`` (2012 only) ``o3_8h``, ``pm10_24h`` and
    ``pm25_24h`` (moving means) replace the PM 1-h values. Daily
    fields: ``so2 no2 co pm10 pm25`` (24-h means), ``o3_8h_max`` (MDA8) and, for 2012, ``o3_1h_max``.
    """
    indicators = standard.product(product, method)
    subs: dict[str, SubIndex] = {}
    flags: list[str] = []
    for ind in indicators:
        subs[ind.field] = _sub_index(ind, values, standard, rounding)
        if subs[ind.field].note not in ("", "missing"):
            flags.append(f"{subs[ind.field].note}:{ind.field}")
    per_pollutant: dict[str, int | None] = {}
    for ind in indicators:
        sub = subs[ind.field].value
        if sub is not None:
            current = per_pollutant.get(ind.pollutant)
            per_pollutant[ind.pollutant] = sub if current is None else max(current, sub)
        else:
            per_pollutant.setdefault(ind.pollutant, None)
    present = {p: v for p, v in per_pollutant.items() if v is not None}
    missing = tuple(p for p in POLLUTANTS if p in per_pollutant and per_pollutant[p] is None)
    computed = max(present.values()) if present else None
    if computed is not None:
        computed = max(computed, standard.min_aqi)
    aqi = computed
    if missing and computed is not None:
        flags.append("incomplete")
        if standard.na_rule and computed <= 100:
            aqi = None
            flags.append("na")
    if aqi is None:
        return AqiResult(
            standard.code, product, None, None, per_pollutant, subs, (), (), missing, computed, tuple(flags)
        )
    primary = tuple(p for p in POLLUTANTS if aqi > 50 and present.get(p) == aqi)
    exceedance = tuple(p for p in POLLUTANTS if standard.exceedance_defined and (present.get(p) or 0) > 100)
    return AqiResult(
        standard.code,
        product,
        aqi,
        standard.level_of(aqi),
        per_pollutant,
        subs,
        primary,
        exceedance,
        missing,
        computed,
        tuple(flags),
    )


def _sub_index(ind: Indicator, values: Mapping[str, Number | None], standard: AqiStandard, rounding: str) -> SubIndex:
    raw = values.get(ind.field)
    if raw is None or (isinstance(raw, float) and raw != raw):
        return SubIndex(None, None, "missing")
    c = round_concentration(ind.pollutant, raw, rounding)
    if ind.column == "so2_1h" and c > 800:
        if standard.so2_1h_over_800 == "fallback":  # 2012: the SO2 24-h IAQI is reported
            daily = values.get("so2_24h")
            if daily is None or (isinstance(daily, float) and daily != daily):
                return SubIndex(None, c, "so2_1h_over_800")
            value, _ = iaqi(standard.column("so2_24h"), round_concentration("so2", daily, rounding))
            return SubIndex(value, c, "so2_1h_over_800")
        return SubIndex(int(standard.so2_1h_over_800), c, "so2_1h_over_800")
    if ind.column == "o3_8h" and c > 800:
        if standard.o3_8h_over_800 == "fallback":  # 2012: the O3 1-h IAQI decides
            return SubIndex(None, c, "o3_8h_over_800")
        return SubIndex(int(standard.o3_8h_over_800), c, "o3_8h_over_800")
    value, above = iaqi(standard.column(ind.column), c)
    return SubIndex(value, c, "above_table" if above else "")
