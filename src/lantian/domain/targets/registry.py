"""The target registry (目标登记): which indicators lantian can measure, and target entries.

A target is one jurisdiction × indicator × year, with a binding value and an optional 力争 stretch
value. It comes from an imported plan (the plan's own line is its source) or is entered by a user;
a user's entry for the same jurisdiction, indicator and year takes precedence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from lantian.errors import InputError

COMPARATORS = ("<=", ">=", "decrease_by", "increase_by")
MEASURED_KINDS = ("mean", "good_ratio", "heavy_ratio", "statistic")


@dataclass(frozen=True)
class IndicatorSpec:
    key: str
    label: str  # 中文名
    label_en: str
    comparator: str
    unit: str
    kind: str  # mean | good_ratio | heavy_ratio | statistic (measured) | reported (through progress)


INDICATORS: dict[str, IndicatorSpec] = {
    s.key: s
    for s in (
        IndicatorSpec("pm25", "PM2.5浓度", "PM2.5 mean", "<=", "µg/m³", "mean"),
        IndicatorSpec("pm10", "PM10浓度", "PM10 mean", "<=", "µg/m³", "mean"),
        IndicatorSpec("good_day_ratio", "优良天数比率", "good-day ratio", ">=", "%", "good_ratio"),
        IndicatorSpec("heavy_day_ratio", "重度及以上污染天数比率", "heavy-day ratio", "<=", "%", "heavy_ratio"),
        IndicatorSpec("o3_p90", "臭氧浓度（日最大8小时第90百分位）", "O3 MDA8 P90", "<=", "µg/m³", "statistic"),
        IndicatorSpec("composite_index", "环境空气质量综合指数", "composite index", "<=", "", "statistic"),
        IndicatorSpec("dustfall", "降尘量", "dust-fall", "<=", "t/km²·月", "reported"),
        IndicatorSpec("nox_reduction", "氮氧化物减排", "NOx emission reduction", "decrease_by", "%", "reported"),
        IndicatorSpec("voc_reduction", "VOCs减排", "VOCs emission reduction", "decrease_by", "%", "reported"),
        IndicatorSpec("so2_reduction", "二氧化硫减排", "SO2 emission reduction", "decrease_by", "%", "reported"),
    )
}  # fmt: skip
# a registry-style key (new_energy_vehicles), or an indicator named as the plans' annexes name it
# (路检路查, 新能源汽车推广应用): the keys of the plans' own targets, so a user's entry can replace one
_KEY = re.compile(r"^(?:[a-z][a-z0-9_]*|(?=[^\s]*[\u4e00-\u9fff])[^\s\x00-\x1f]{1,120})$")


@dataclass(frozen=True)
class TargetEntry:
    jurisdiction: str  # 辖区
    indicator: str
    year: int
    comparator: str  # <= | >= | decrease_by | increase_by (relative to baseline_year, in %)
    value: float
    unit: str
    stretch_value: float | None = None  # 力争
    baseline_year: int | None = None
    source: str = "user"  # "user" or "<plan key> line N"
    note: str | None = None

    @property
    def spec(self) -> IndicatorSpec | None:
        return INDICATORS.get(self.indicator)

    def same_as(self, other: TargetEntry) -> bool:
        """The same target: every field equal, numbers compared as numbers (3.0 and 3 are one value;
        Decimal of the shortest repr, so a float read back from the store equals the value entered)."""

        def number(v: float | None) -> Decimal | None:
            return None if v is None else Decimal(str(v))

        numbers = [(number(a.value), number(a.stretch_value)) for a in (self, other)]
        rest = [replace(a, value=0.0, stretch_value=None) for a in (self, other)]
        return numbers[0] == numbers[1] and rest[0] == rest[1]


def target_entry(
    jurisdiction: str,
    indicator: str,
    year: int,
    value: float,
    *,
    stretch: float | None = None,
    comparator: str | None = None,
    unit: str | None = None,
    baseline_year: int | None = None,
    note: str | None = None,
) -> TargetEntry:
    """A user's target, checked: a known indicator takes its comparator and unit from
    :data:`INDICATORS` unless given; any other indicator needs both."""
    if not jurisdiction.strip():
        raise InputError("a jurisdiction is required (需要辖区)", field="jurisdiction")
    if not _KEY.match(indicator):
        known = ", ".join(INDICATORS)
        raise InputError(
            f"indicator {indicator!r}: use a key such as {known}, or a Chinese name without spaces "
            "(指标须为指标键或不含空格的中文名称)",
            field="indicator",
        )
    spec = INDICATORS.get(indicator)
    comparator = comparator or (spec.comparator if spec else None)
    unit = unit if unit is not None else (spec.unit if spec else None)
    if comparator is None or unit is None:
        raise InputError(
            f"indicator {indicator!r} is not one lantian measures; give --comparator and --unit (自定义指标)",
            field="comparator",
        )
    if comparator not in COMPARATORS:
        raise InputError(f"comparator must be one of {', '.join(COMPARATORS)} (比较方式)", field="comparator")
    if comparator in ("decrease_by", "increase_by") and baseline_year is None:
        raise InputError("a relative target needs --baseline-year (相对目标需要基准年)", field="baseline_year")
    if not 1900 <= year <= 2100:
        raise InputError(f"year {year} is out of range (年份)", field="year")
    if value < 0 or (stretch is not None and stretch < 0):
        raise InputError("target values cannot be negative (目标值不能为负)", field="value")
    if stretch is not None and comparator in ("<=", ">=") and not _stricter(comparator, stretch, value):
        raise InputError(
            f"the stretch value {stretch:g} is not stricter than the target {value:g} (力争值应严于目标值)",
            field="stretch",
        )
    return TargetEntry(jurisdiction.strip(), indicator, year, comparator, value, unit, stretch, baseline_year,
                       "user", note)  # fmt: skip


def _stricter(comparator: str, stretch: float, value: float) -> bool:
    return stretch <= value if comparator == "<=" else stretch >= value


def place_key(name: str) -> str:
    """Names of one place compare equal: 苏州市 and 苏州 (the national lists drop 市)."""
    name = name.strip()
    return name[:-1] if len(name) > 2 and name.endswith("市") else name


def effective(entries: Iterable[TargetEntry]) -> list[TargetEntry]:
    """One target per place × indicator × year: a user's entry wins over a plan's, and among plan
    entries the first (the order given) stays."""
    chosen: dict[tuple[str, str, int], TargetEntry] = {}
    for e in entries:
        key = (place_key(e.jurisdiction), e.indicator, e.year)
        if key not in chosen or (e.source == "user" and chosen[key].source != "user"):
            chosen[key] = e
    return sorted(chosen.values(), key=lambda e: (e.year, list(INDICATORS).index(e.indicator)
                                                   if e.indicator in INDICATORS else 99, e.indicator))  # fmt: skip
