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


def to_milli(value: Any) -> Any:
    """A float column as integer thousandths (exact for inputs with at most three decimals)."""
    return (value * SCALE).round(0).cast("int64")


HALF_EVEN = "half_even"  # GB/T 8170 四舍六入五成双
HALF_UP = "half_up"  # 四舍五入 (halves away from zero; values here are never negative)
MODES = (HALF_EVEN, HALF_UP)


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
