"""Forecast verification (预报效果评估), HJ 1130-2020 style, by lead time.

For each forecast day with an observed daily AQI:

- **AQI level accuracy** (级别准确率): the forecast AQI ± 25 % spans one or more AQI levels; the
  forecast is right when the observed level is among them;
- **range accuracy** (范围准确率, CNEMC practice): where the forecast gives ``aqi_low``–``aqi_high``,
  right when the observed AQI lies in it;
- **level-range accuracy** (级别预报准确率, CNEMC practice): where the forecast publishes a level
  range (良至轻度污染), right when the observed level lies in it;
- **primary-pollutant accuracy** (首要污染物准确率): only on days whose observed level is 2 or more,
  right when the forecast and observed primary pollutants overlap (a hit on any overlap);
- **NMB, RMSE, r** of the forecast AQI against the observed (docs/warnings.md has the formulas);
- **heavy-pollution days** (重污染天, AQI > 200): hits, misses and false alarms, the hit rate
  (命中率 POD = hits / (hits + misses)), false-alarm rate (空报率 FAR = false / (hits + false)) and
  threat score (TS = hits / (hits + misses + false)). HJ 1130's own definitions were not available;
  these are the standard contingency-table scores, and the threshold is a parameter.

Grouped by lead time (24 h = forecast day − issue day of 1, 48 h = 2 …) and by month.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lantian.domain.standards.hj633 import standard_for
from lantian.domain.warnings.forecast import ForecastRow


@dataclass(frozen=True)
class Pair:
    forecast: ForecastRow
    observed_aqi: int
    observed_primary: tuple[str, ...]

    @property
    def level_right(self) -> bool:
        standard = standard_for(self.forecast.date)
        low = standard.level_of(round_band(self.forecast.aqi, -1)).number
        high = standard.level_of(round_band(self.forecast.aqi, 1)).number
        return low <= standard.level_of(self.observed_aqi).number <= high

    @property
    def range_right(self) -> bool | None:
        f = self.forecast
        if f.aqi_low is None or f.aqi_high is None:
            return None
        return f.aqi_low <= self.observed_aqi <= f.aqi_high

    @property
    def level_range_right(self) -> bool | None:
        if self.forecast.levels is None:
            return None
        low, high = self.forecast.levels
        return low <= standard_for(self.forecast.date).level_of(self.observed_aqi).number <= high

    @property
    def primary_right(self) -> bool | None:
        if standard_for(self.forecast.date).level_of(self.observed_aqi).number < 2 or not self.forecast.primary:
            return None
        return bool(set(self.forecast.primary) & set(self.observed_primary))


def round_band(aqi: int, side: int) -> int:
    """The edge of the ±25 % band: 0.75 × AQI rounded up, 1.25 × AQI rounded down (whole AQI values
    inside the band), within 0–500."""
    if side < 0:
        return max(0, math.ceil(aqi * 3 / 4))
    return min(500, math.floor(aqi * 5 / 4))


@dataclass(frozen=True)
class Scores:
    group: str
    n: int
    level_accuracy: float | None
    range_n: int
    range_accuracy: float | None
    primary_n: int
    primary_accuracy: float | None
    nmb: float | None  # normalised mean bias, Σ(F − O) / ΣO
    rmse: float | None
    r: float | None  # Pearson correlation
    level_range_n: int = 0  # forecasts with a published level range
    level_range_accuracy: float | None = None
    heavy_hits: int = 0  # forecast and observed heavy
    heavy_misses: int = 0  # observed heavy, not forecast
    heavy_false: int = 0  # forecast heavy, not observed
    pod: float | None = None  # 命中率
    far: float | None = None  # 空报率
    ts: float | None = None


HEAVY_ABOVE = 200  # 重度污染: AQI > 200


def scores(group: str, pairs: Sequence[Pair], heavy_above: int = HEAVY_ABOVE) -> Scores:
    n = len(pairs)
    ranged = [p.range_right for p in pairs if p.range_right is not None]
    primary = [p.primary_right for p in pairs if p.primary_right is not None]
    f = [p.forecast.aqi for p in pairs]
    o = [p.observed_aqi for p in pairs]
    nmb = (sum(f) - sum(o)) / sum(o) if n and sum(o) else None
    rmse = math.sqrt(sum((a - b) ** 2 for a, b in zip(f, o, strict=True)) / n) if n else None
    hits = sum(a > heavy_above and b > heavy_above for a, b in zip(f, o, strict=True))
    misses = sum(a <= heavy_above < b for a, b in zip(f, o, strict=True))
    false = sum(b <= heavy_above < a for a, b in zip(f, o, strict=True))
    level_ranged = [p.level_range_right for p in pairs if p.level_range_right is not None]
    return Scores(
        group, n, _share([p.level_right for p in pairs]), len(ranged), _share(ranged), len(primary),
        _share(primary), nmb, rmse, _pearson(f, o), len(level_ranged), _share(level_ranged), hits, misses, false,
        hits / (hits + misses) if hits + misses else None, false / (hits + false) if hits + false else None,
        hits / (hits + misses + false) if hits + misses + false else None,
    )  # fmt: skip


def by(pairs: Sequence[Pair], key: Callable[[Pair], str]) -> list[Scores]:
    groups: dict[str, list[Pair]] = {}
    for p in pairs:
        groups.setdefault(key(p), []).append(p)
    return [scores(g, groups[g]) for g in sorted(groups)]


def lead_label(p: Pair) -> str:
    return f"{24 * p.forecast.lead_days:03d}h"


def month_label(p: Pair) -> str:
    d: dt.date = p.forecast.date
    return f"{d:%Y-%m}"


def year_label(p: Pair) -> str:
    d: dt.date = p.forecast.date
    return f"{d:%Y}"


def _share(values: Sequence[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def _pearson(f: Sequence[int], o: Sequence[int]) -> float | None:
    n = len(f)
    if n < 2:
        return None
    mf, mo = sum(f) / n, sum(o) / n
    sf = sum((a - mf) ** 2 for a in f)
    so = sum((b - mo) ** 2 for b in o)
    if sf == 0 or so == 0:
        return None
    return sum((a - mf) * (b - mo) for a, b in zip(f, o, strict=True)) / math.sqrt(sf * so)
