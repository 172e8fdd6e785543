"""GB/T 8170 rounding (数值修约, round half to even) as engine expressions, exact on every backend.

DuckDB and Spark round halves away from zero, so their ``round`` is never used for published
figures. Instead values are carried as integers in thousandths (:data:`SCALE`; inputs have at most
three decimals — the archive has integers, and one decimal for CO) and a mean is rounded with
integer arithmetic only: for a sum ``S`` (thousandths) of ``c`` values, rounded to ``n`` decimals,
``D = c · 10^(3−n)``, ``q = S div D``, ``r = S − q·D``; the result is ``q + 1`` when ``2r > D``,
``q`` when ``2r < D`` and the even one of ``q``, ``q + 1`` when ``2r = D``. Integer division and
comparison mean the same on every engine, so the result equals :func:`decimal.Decimal.quantize`
with ``ROUND_HALF_EVEN`` on the exact mean.
"""

from __future__ import annotations

from typing import Any

import ibis

SCALE = 1000  # thousandths
HALF_EVEN = "half_even"  # GB/T 8170 四舍六入五成双
HALF_UP = "half_up"  # 四舍五入 (halves away from zero; values here are never negative)
MODES = (HALF_EVEN, HALF_UP)


def to_milli(value: Any) -> Any:
    """A non-negative float column as integer thousandths (exact for inputs with at most three
    decimals; negative values never reach the engine — imports quarantine them)."""
    return (value * SCALE + 0.5).floor().cast("int64")


def round_value(value: Any, decimals: int, mode: str = HALF_EVEN) -> Any:
    """A non-negative float column rounded to ``decimals`` (GB/T 8170), as an integer count of 10^-decimals.

    Exact without integer division: for ``decimals`` = 0 the fractional part ``x − ⌊x⌋`` of a
    double is computed exactly and compared with ½; otherwise the value goes through integer
    thousandths first and ``m / 10^(3−decimals)`` is a quotient whose fraction is ½ exactly when
    the true one is (every other fraction is at least 10^-3 away from ½)."""
    if mode not in MODES:
        raise ValueError(f"rounding mode must be one of {MODES}")
    y = value if decimals == 0 else to_milli(value).cast("float64") / (10 ** (3 - decimals))
    f = y.floor().cast("int64")
    d = y - f.cast("float64")
    tie = f + (f % 2) if mode == HALF_EVEN else f + 1
    return ibis.cases((d > 0.5, f + 1), (d < 0.5, f), else_=tie)


def rounded_mean(sum_milli: Any, count: Any, decimals: int, mode: str = HALF_EVEN) -> Any:
    """The mean ``sum_milli / SCALE / count`` rounded to ``decimals`` (0–3) by ``mode``, as a float."""
    if not 0 <= decimals <= 3:
        raise ValueError("decimals must be 0–3")
    if mode not in MODES:
        raise ValueError(f"rounding mode must be one of {MODES}")
    factor = 10 ** (3 - decimals)
    denom = count.cast("int64") * factor
    q = sum_milli // denom
    r = sum_milli - q * denom
    twice = r * 2
    tie = q + (q % 2) if mode == HALF_EVEN else q + 1
    up = ibis.cases((twice > denom, q + 1), (twice < denom, q), else_=tie)
    return up.cast("float64") / (10**decimals)
