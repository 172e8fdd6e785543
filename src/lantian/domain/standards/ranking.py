"""City ranking (城市环境空气质量排名): the composite index and ranks.

Per 《城市环境空气质量排名技术规定》 (环办〔2014〕64号, 环办监测〔2018〕19号):

    I_i = C_i / S_i (单项质量指数), I_sum = Σ w_i · I_i (综合指数), I_max = max I_i (最大指数)

with C_i the period mean for SO2, NO2, PM10, PM2.5, the 95th percentile of 24-h means for CO and
the 90th percentile of MDA8 for O3. The classic scheme has every weight 1 and S_i from GB 3095-2012
Grade II; weights and S are configurable (:class:`IndexScheme`), and a weighted scheme attributed to
HJ 663-2026 by unverified sources is provided for comparison only (:data:`WEIGHTED_2026`).

Ranks ascend (a smaller index is better) and equal values share a rank, competition style:
1, 2, 2, 4 (并列). The improvement ranking orders ΔI % = (I − I_last) / I_last × 100 ascending.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

from lantian.domain.standards.rounding import Number, round_half_even, to_decimal
from lantian.errors import ConfigError

INDEX_POLLUTANTS = ("so2", "no2", "pm10", "pm25", "co", "o3")
INDEX_STATISTICS: Mapping[str, str] = MappingProxyType(
    {"so2": "mean", "no2": "mean", "pm10": "mean", "pm25": "mean", "co": "p95", "o3": "p90"}
)


@dataclass(frozen=True)
class IndexScheme:
    code: str
    title: str
    standards: Mapping[str, Decimal]  # S_i
    weights: Mapping[str, Decimal] = field(
        default_factory=lambda: MappingProxyType(dict.fromkeys(INDEX_POLLUTANTS, Decimal(1)))
    )
    decimals: int = 2  # the index is published with 2 decimals
    verified: bool = True


def _decimals(values: dict[str, int]) -> Mapping[str, Decimal]:
    return MappingProxyType({k: Decimal(v) for k, v in values.items()})


CLASSIC = IndexScheme(
    "classic",
    "综合指数（GB 3095-2012 二级，权重均为1）",
    MappingProxyType(
        {k: Decimal(v) for k, v in {"so2": 60, "no2": 40, "pm10": 70, "pm25": 35, "co": 4, "o3": 160}.items()}
    ),
)
WEIGHTED_2026 = IndexScheme(
    "weighted-2026",
    "加权综合指数（PM2.5×3、NO2×2、O3×2；过渡阶段二级限值；未经核实）",
    MappingProxyType(
        {k: Decimal(v) for k, v in {"so2": 60, "no2": 40, "pm10": 60, "pm25": 30, "co": 4, "o3": 160}.items()}
    ),
    _decimals({"so2": 1, "no2": 2, "pm10": 1, "pm25": 3, "co": 1, "o3": 2}),
    verified=False,
)
SCHEMES: Mapping[str, IndexScheme] = MappingProxyType({s.code: s for s in (CLASSIC, WEIGHTED_2026)})


def scheme(code: str) -> IndexScheme:
    if code not in SCHEMES:
        raise ConfigError(
            f"unknown index scheme {code!r}; use one of {', '.join(SCHEMES)} (综合指数方案)", field="scheme"
        )
    return SCHEMES[code]


@dataclass(frozen=True)
class CompositeIndex:
    total: Decimal | None  # 综合指数, rounded; None when a pollutant is missing
    exact: Fraction | None
    single: Mapping[str, Decimal | None]  # 单项质量指数 I_i, rounded
    maximum: Decimal | None  # 最大指数
    max_pollutants: tuple[str, ...]  # the pollutant(s) with the largest single index (首要污染物)
    missing: tuple[str, ...]


def composite_index(values: Mapping[str, Number | None], index_scheme: IndexScheme = CLASSIC) -> CompositeIndex:
    """The composite index of one area and period from its statistics C_i (keyed by pollutant)."""
    singles: dict[str, Fraction] = {}
    missing: list[str] = []
    for p in INDEX_POLLUTANTS:
        v = values.get(p)
        if v is None:
            missing.append(p)
            continue
        singles[p] = Fraction(to_decimal(v)) / Fraction(index_scheme.standards[p])
    digits = index_scheme.decimals
    rounded = {p: (round_half_even(singles[p], digits) if p in singles else None) for p in INDEX_POLLUTANTS}
    if not singles:
        return CompositeIndex(None, None, rounded, None, (), tuple(missing))
    top = max(singles.values())
    max_pollutants = tuple(p for p in INDEX_POLLUTANTS if singles.get(p) == top)
    exact: Fraction | None = None
    total: Decimal | None = None
    if not missing:
        exact = sum((Fraction(index_scheme.weights[p]) * s for p, s in singles.items()), Fraction(0))
        total = round_half_even(exact, index_scheme.decimals)
    maximum = round_half_even(top, index_scheme.decimals)
    return CompositeIndex(total, exact, rounded, maximum, max_pollutants, tuple(missing))


def competition_ranks(values: Mapping[str, Number | None], *, descending: bool = False) -> dict[str, int | None]:
    """Ranks "1, 2, 2, 4": equal values share the better rank; None values are not ranked."""
    present = {k: to_decimal(v) for k, v in values.items() if v is not None}
    ordered = sorted(present.values(), reverse=descending)
    first: dict[Decimal, int] = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return {k: (first[present[k]] if k in present else None) for k in values}


def improvement_percent(current: Number | None, previous: Number | None, decimals: int = 2) -> Decimal | None:
    """ΔI % = (I − I_same period last year) / I_last × 100, rounded; None without both values."""
    if current is None or previous is None:
        return None
    prev = to_decimal(previous)
    if prev == 0:
        return None
    return round_half_even(Fraction((to_decimal(current) - prev) / prev * 100), decimals)
