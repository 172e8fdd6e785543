"""Rounding rules of the standards (数值修约), exact in decimal arithmetic.

- Concentrations (浓度) are rounded per **GB/T 8170** — round half to even, 四舍六入五成双 — before
  any index is computed (HJ 633-2026 §4.2.2–4.2.3): SO2, NO2, O3, PM10 and PM2.5 to integer
  µg/m³, CO to one decimal mg/m³ (:data:`CONCENTRATION_DECIMALS`).
- Indices (IAQI, AQI) are rounded **up** to an integer (全部向上进位取整数; HJ 633-2012 §6.2,
  HJ 633-2026 §4.2.6).

Floats are converted through their shortest decimal representation (``Decimal(str(x))``): the
value ``0.15`` a user typed is 0.15, not the binary 0.1499999999999999944…, so a half stays a half.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

Number = int | float | str | Decimal | Fraction

HALF_EVEN = "half_even"  # GB/T 8170 四舍六入五成双 (default)
HALF_UP = "half_up"  # 四舍五入, kept as an option for comparison with data rounded that way
MODES = (HALF_EVEN, HALF_UP)

# pollutant → decimals of its reported concentration (µg/m³; CO mg/m³)
CONCENTRATION_DECIMALS: dict[str, int] = {"so2": 0, "no2": 0, "o3": 0, "pm10": 0, "pm25": 0, "co": 1}


def to_decimal(value: Number) -> Decimal:
    """``value`` as an exact :class:`~decimal.Decimal` (floats through ``str``, see the module doc)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return Decimal(repr(value))
    return Decimal(value)


def round_half_even(value: Number, ndigits: int = 0, mode: str = HALF_EVEN) -> Decimal:
    """``value`` rounded to ``ndigits`` decimals, GB/T 8170 by default (``round_half_even(2.5) == 2``)."""
    if mode not in MODES:
        raise ValueError(f"rounding mode must be one of {MODES}")
    quantum = Decimal(1).scaleb(-ndigits)
    return to_decimal(value).quantize(quantum, rounding=ROUND_HALF_EVEN if mode == HALF_EVEN else ROUND_HALF_UP)


def round_concentration(pollutant: str, value: Number, mode: str = HALF_EVEN) -> Decimal:
    """A concentration rounded as reported: integer µg/m³, CO one decimal mg/m³."""
    return round_half_even(value, CONCENTRATION_DECIMALS[pollutant], mode)


def ceil_index(value: Fraction | Decimal | int) -> int:
    """An index rounded up to an integer (全部向上进位取整数)."""
    return math.ceil(value)
