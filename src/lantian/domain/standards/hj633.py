"""HJ 633 《环境空气质量指数（AQI）技术规定》: the 2012 (试行) and 2026 versions, as data.

Everything that differs between the versions lives in an :class:`AqiStandard`:

- the breakpoint table (IAQI 0…500 against concentration, per indicator);
- the indicators of each product — the real-time report (实时报, hourly) and the daily report
  (日报) — and which breakpoint column each one is indexed against;
- the rules above 800 µg/m³ (SO2 1-h, O3 8-h) and above the top of the table;
- levels (级别), categories (类别), colours and health texts;
- whether exceedance pollutants (超标污染物) are defined (2012 only) and the 2026 NA rule for a
  missing pollutant (§5.3.1).

:func:`standard_for` picks the version by the data's date; the switch (2026-03-01, when HJ 633-2026
came into force) and the choice can be overridden. Units: µg/m³, CO mg/m³.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from lantian.errors import ConfigError

POLLUTANTS: tuple[str, ...] = ("so2", "no2", "co", "o3", "pm10", "pm25")
POLLUTANT_LABELS: dict[str, str] = {
    "so2": "SO2",
    "no2": "NO2",
    "co": "CO",
    "o3": "O3",
    "pm10": "PM10",
    "pm25": "PM2.5",
}
IAQI_POINTS: tuple[int, ...] = (0, 50, 100, 150, 200, 300, 400, 500)

# Breakpoint columns (浓度限值列): pollutant and averaging period. None = not defined at that IAQI.
Column = tuple[float | None, ...]

_COMMON: dict[str, Column] = {
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "so2_1h": (0, 150, 500, 650, 800, None, None, None),
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "no2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "co_1h": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h": (0, 100, 160, 215, 265, 800, None, None),
}
BREAKPOINTS_2012: Mapping[str, Column] = MappingProxyType(
    {**_COMMON, "pm10_24h": (0, 50, 150, 250, 350, 420, 500, 600), "pm25_24h": (0, 35, 75, 115, 150, 250, 350, 500)}
)  # HJ 633-2012 表1
BREAKPOINTS_2026: Mapping[str, Column] = MappingProxyType(
    {**_COMMON, "pm10_24h": (0, 50, 120, 250, 350, 420, 500, 600), "pm25_24h": (0, 35, 60, 115, 150, 250, 350, 500)}
)  # HJ 633-2026 表3: only the IAQI 100 row of PM10 (150 → 120) and PM2.5 (75 → 60) changed


@dataclass(frozen=True)
class Indicator:
    """One input of an AQI product: a value indexed against a breakpoint column.

    ``field`` names the value in the product's input (the hourly table's column, or the daily
    statistic); ``pollutant`` is what the IAQI is reported under; ``column`` the breakpoint column.
    """

    field: str
    pollutant: str
    column: str


@dataclass(frozen=True)
class Level:
    """An AQI level (空气质量指数级别) with its category, colour and health texts."""

    number: int  # 1…6
    name: str  # 一级
    lower: int  # AQI range, inclusive
    upper: int | None  # None = no upper bound (六级)
    category: str  # 优
    category_en: str
    colour: str  # 绿色
    colour_en: str
    rgb: tuple[int, int, int]
    health: str  # 对健康影响情况
    advice: str  # 建议采取的措施
    health_en: str
    advice_en: str


_COLOURS = (
    ("绿色", "green", (0, 228, 0)),
    ("黄色", "yellow", (255, 255, 0)),
    ("橙色", "orange", (255, 126, 0)),
    ("红色", "red", (255, 0, 0)),
    ("紫色", "purple", (153, 0, 76)),
    ("褐红色", "maroon", (126, 0, 35)),
)
_CATEGORIES = (
    ("一级", "优", "excellent"),
    ("二级", "良", "good"),
    ("三级", "轻度污染", "lightly polluted"),
    ("四级", "中度污染", "moderately polluted"),
    ("五级", "重度污染", "heavily polluted"),
    ("六级", "严重污染", "severely polluted"),
)
_BOUNDS = ((0, 50), (51, 100), (101, 150), (151, 200), (201, 300), (301, None))
_HEALTH_EN = (
    ("Air quality is satisfactory; there is hardly any air pollution.", "Everyone can be active outdoors as usual."),
    (
        "Air quality is acceptable, but some pollutants may slightly affect a very small number of unusually "
        "sensitive people.",
        "Very few unusually sensitive people should reduce outdoor activity.",
    ),
    (
        "Symptoms of sensitive people worsen slightly; healthy people show signs of irritation.",
        "Children, the elderly and people with heart or respiratory disease should reduce long or intense "
        "outdoor exercise.",
    ),
    (
        "Symptoms of sensitive people worsen further; the heart and respiratory system of healthy people may be "
        "affected.",
        "Children, the elderly and people with heart or respiratory disease should avoid long or intense outdoor "
        "exercise; everyone else should reduce outdoor activity.",
    ),
    (
        "Symptoms of people with heart or lung disease worsen markedly and exercise tolerance falls; healthy "
        "people commonly show symptoms.",
        "Children, the elderly and people with heart or lung disease should stay indoors and stop outdoor "
        "activity; everyone else should reduce outdoor activity.",
    ),
    (
        "Exercise tolerance of healthy people falls, with marked symptoms; some diseases appear earlier.",
        "Children, the elderly and the sick should stay indoors and avoid exertion; everyone else should avoid "
        "outdoor activity.",
    ),
)
# HJ 633-2012 表2
_HEALTH_2012 = (
    ("空气质量令人满意，基本无空气污染", "各类人群可正常活动"),
    ("空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响", "极少数异常敏感人群应减少户外活动"),
    (
        "易感人群症状有轻度加剧，健康人群出现刺激症状",
        "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼",
    ),
    (
        "进一步加剧易感人群症状，可能对健康人群心脏、呼吸系统有影响",
        "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动",
    ),
    (
        "心脏病和肺病患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状",
        "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动",
    ),
    (
        "健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病",
        "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动",
    ),
)
# HJ 633-2026 表1
_HEALTH_2026 = (
    ("空气质量令人满意，基本无空气污染", "各类人群可正常活动"),
    ("空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响", "极少数异常敏感人群应减少户外活动"),
    (
        "敏感人群症状有轻度加剧，健康人群出现刺激症状",
        "青少年儿童、老年人及心血管系统疾病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼",
    ),
    (
        "进一步加剧敏感人群症状，可能对健康人群心血管系统、呼吸系统有影响",
        "青少年儿童、老年人及心血管系统疾病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动",
    ),
    (
        "心血管系统和呼吸系统患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状",
        "青少年儿童、老年人和心血管系统疾病、呼吸系统疾病患者应停留在室内，停止户外运动，一般人群减少户外运动",
    ),
    (
        "健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病",
        "青少年儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动",
    ),
)
# HJ 633-2026 表2: sensitive groups (敏感人群) per pollutant whose IAQI > 100
SENSITIVE_GROUPS_2026: Mapping[str, str] = MappingProxyType(
    {
        "so2": "哮喘患者、青少年儿童、老年人",
        "no2": "呼吸系统疾病患者（如哮喘）、青少年儿童、老年人",
        "co": "心血管系统疾病患者",
        "o3": "呼吸系统疾病患者、青少年儿童、户外活动频繁人群、老年人",
        "pm10": "心血管系统疾病患者、呼吸系统疾病患者、青少年儿童、户外活动频繁人群、老年人",
        "pm25": "心血管系统疾病患者、呼吸系统疾病患者、青少年儿童、户外活动频繁人群、老年人",
    }
)


def _levels(health: tuple[tuple[str, str], ...], first_lower: int) -> tuple[Level, ...]:
    out = []
    for i in range(6):
        name, category, category_en = _CATEGORIES[i]
        colour, colour_en, rgb = _COLOURS[i]
        lower, upper = _BOUNDS[i]
        out.append(
            Level(
                i + 1,
                name,
                first_lower if i == 0 else lower,
                upper,
                category,
                category_en,
                colour,
                colour_en,
                rgb,
                health[i][0],
                health[i][1],
                _HEALTH_EN[i][0],
                _HEALTH_EN[i][1],
            )
        )
    return tuple(out)


PUBLISHED = "published"  # as the national network publishes the real-time AQI (default)
LITERAL = "literal"  # the literal reading of HJ 633-2012 表4
HOURLY_METHODS = (PUBLISHED, LITERAL)


@dataclass(frozen=True)
class AqiStandard:
    """One version of HJ 633."""

    code: str  # "HJ 633-2012"
    year: int
    valid_from: dt.date | None
    breakpoints: Mapping[str, Column]
    hourly: tuple[Indicator, ...]  # 实时报, as the national network publishes it (the default)
    daily: tuple[Indicator, ...]  # 日报
    levels: tuple[Level, ...]
    min_aqi: int  # 2012: 0; 2026: AQI range 1–500
    # SO2 1-h above 800: 2012 "fallback" (use the 24-h IAQI), 2026 a fixed IAQI (200)
    so2_1h_over_800: str
    o3_8h_over_800: str  # 2012 "fallback" (O3 1-h IAQI decides), 2026 a fixed IAQI (300)
    exceedance_defined: bool  # 超标污染物: defined in 2012, deleted in 2026
    na_rule: bool  # 2026 §5.3.1: a missing pollutant → AQI published only when > 100
    hourly_literal: tuple[Indicator, ...] = field(default=())  # 实时报, the literal reading of the table

    @property
    def name(self) -> str:
        return self.code

    def column(self, name: str) -> Column:
        return self.breakpoints[name]

    def level_of(self, aqi: int) -> Level:
        for level in self.levels:
            if level.upper is None or aqi <= level.upper:
                return level
        return self.levels[-1]  # unreachable: the last level is open-ended

    def product(self, name: str, method: str = PUBLISHED) -> tuple[Indicator, ...]:
        """The indicators of a product; ``method`` chooses the published or the literal hourly reading."""
        if method not in HOURLY_METHODS:
            raise ConfigError(
                f"unknown method {method!r}; use {' or '.join(HOURLY_METHODS)} (未知的计算方法)", field="method"
            )
        if name == "hourly":
            return self.hourly_literal if method == LITERAL and self.hourly_literal else self.hourly
        if name == "daily":
            return self.daily
        raise ConfigError(f"unknown AQI product {name!r}; use hourly or daily (实时报/日报)", field="product")


_GASES_1H = (
    Indicator("so2", "so2", "so2_1h"),
    Indicator("no2", "no2", "no2_1h"),
    Indicator("co", "co", "co_1h"),
    Indicator("o3", "o3", "o3_1h"),
)
# PM10, PM2.5 1-h values indexed on the 24-h breakpoints (HJ 633-2026 §4.2.4)
_PM_1H = (Indicator("pm10", "pm10", "pm10_24h"), Indicator("pm25", "pm25", "pm25_24h"))
_GASES_24H = (
    Indicator("so2", "so2", "so2_24h"),
    Indicator("no2", "no2", "no2_24h"),
    Indicator("co", "co", "co_24h"),
)
_PM_24H = _PM_1H  # daily means on the same columns
_MDA8 = Indicator("o3_8h_max", "o3", "o3_8h")

HJ633_2012 = AqiStandard(
    code="HJ 633-2012",
    year=2012,
    valid_from=None,
    breakpoints=BREAKPOINTS_2012,
    # As published by the national network (checked on the 2019 and 2025 archives, see
    # docs/airquality.md): 1-h SO2, NO2, CO, O3 on the 1-h columns and PM10, PM2.5 1-h values on the
    # 24-h columns — no O3 8-h and no PM 24-h moving mean. The same indicators as HJ 633-2026.
    hourly=(*_GASES_1H, *_PM_1H),
    # 表4 read literally: 1-h SO2, NO2, CO, O3; the O3 8-h moving mean; PM10 and PM2.5 24-h moving
    # means (the PM 1-h values carry no sub-index)
    hourly_literal=(
        *_GASES_1H,
        Indicator("o3_8h", "o3", "o3_8h"),
        Indicator("pm10_24h", "pm10", "pm10_24h"),
        Indicator("pm25_24h", "pm25", "pm25_24h"),
    ),
    # 表3: 24-h means of SO2, NO2, CO, PM10, PM2.5; the O3 daily maximum 1-h and 8-h
    daily=(*_GASES_24H, Indicator("o3_1h_max", "o3", "o3_1h"), _MDA8, *_PM_24H),
    levels=_levels(_HEALTH_2012, 0),
    min_aqi=0,
    so2_1h_over_800="fallback",
    o3_8h_over_800="fallback",
    exceedance_defined=True,
    na_rule=False,
)

HJ633_2026 = AqiStandard(
    code="HJ 633-2026",
    year=2026,
    valid_from=dt.date(2026, 3, 1),
    breakpoints=BREAKPOINTS_2026,
    hourly=(*_GASES_1H, *_PM_1H),  # §4.2.3
    daily=(*_GASES_24H, _MDA8, *_PM_24H),  # §4.2.2: no O3 1-h
    levels=_levels(_HEALTH_2026, 1),
    min_aqi=1,
    so2_1h_over_800="200",
    o3_8h_over_800="300",
    exceedance_defined=False,
    na_rule=True,
)

STANDARDS: Mapping[str, AqiStandard] = MappingProxyType({"2012": HJ633_2012, "2026": HJ633_2026})
SWITCH_DATE = dt.date(2026, 3, 1)  # HJ 633-2026 / GB 3095-2026 / HJ 663-2026 in force


def standard_for(day: dt.date, override: str | None = None, switch: dt.date = SWITCH_DATE) -> AqiStandard:
    """The HJ 633 version for data of ``day``: 2026 from ``switch`` on, unless ``override`` names one."""
    if override:
        key = override.strip().removeprefix("HJ 633-").removeprefix("HJ633-")
        if key not in STANDARDS:
            raise ConfigError(f"unknown AQI standard {override!r}; use 2012 or 2026 (HJ 633 版本)", field="standard")
        return STANDARDS[key]
    return HJ633_2026 if day >= switch else HJ633_2012
