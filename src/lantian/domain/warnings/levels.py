"""Warning levels (预警级别) from a forecast series, under a configured scheme, with the rule that fired.

A forecast series is a run of time slots: a forecast day is a 24-hour slot, an hourly row (the AQI
of the 24 hours ending at that hour) a one-hour slot, so "AQI > 200 lasting 48 h" can run across
day boundaries. A condition ``above A for H hours`` holds on a run of consecutive slots whose AQI
exceeds A and that lasts at least H hours; ``reaches R`` on a slot whose AQI is at least R. An
alternative (all its conditions) holds on an episode: a qualifying run of its first condition that
every other condition's qualifying run overlaps. The slots of that run are at that level; each slot
takes the highest level that holds on it, and the series' warning is the highest of its slots.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lantian.errors import ConfigError

LEVELS = ("yellow", "orange", "red")  # ascending
LABELS = {"yellow": "黄色", "orange": "橙色", "red": "红色"}


@dataclass(frozen=True)
class Condition:
    above: int | None = None  # AQI > above …
    hours: int = 0  # … lasting at least this long
    reaches: int | None = None  # or AQI ≥ reaches

    def text(self) -> str:
        if self.reaches is not None:
            return f"AQI≥{self.reaches}"
        return f"AQI>{self.above} 持续≥{self.hours}小时"


@dataclass(frozen=True)
class LevelRule:
    name: str  # yellow | orange | red
    alternatives: tuple[tuple[Condition, ...], ...]


@dataclass(frozen=True)
class Scheme:
    code: str
    title: str
    verified: bool
    levels: tuple[LevelRule, ...]  # highest first


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    hours: int  # 24 for a forecast day, 1 for an hourly row
    aqi: int

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(hours=self.hours)


@dataclass(frozen=True)
class SlotLevel:
    slot: Slot
    level: str | None
    rule: str  # the alternative that fired and the run it fired on; "" when none


def parse_schemes(text: str, *, name: str) -> dict[str, Scheme]:
    """Schemes from TOML (``lantian/data/warning_schemes.toml`` has the shipped ones)."""
    try:
        data = tomllib.loads(text)
        schemes: dict[str, Scheme] = {}
        for s in data["scheme"]:
            levels = []
            for lv in s["level"]:
                if lv["name"] not in LEVELS:
                    raise ValueError(f"level {lv['name']!r}: use {', '.join(LEVELS)}")
                alternatives = tuple(tuple(_condition(c) for c in alt) for alt in lv["any"])
                if not alternatives or any(not alt for alt in alternatives):
                    raise ValueError(f"level {lv['name']}: every alternative needs a condition")
                levels.append(LevelRule(lv["name"], alternatives))
            levels.sort(key=lambda rule: LEVELS.index(rule.name), reverse=True)
            schemes[str(s["code"])] = Scheme(str(s["code"]), str(s.get("title", "")), bool(s.get("verified")),
                                             tuple(levels))  # fmt: skip
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc} (配置格式错误)", file=name) from None
    except KeyError as exc:
        raise ConfigError(
            f"a scheme lacks {exc.args[0]!r} (预警方案缺少字段)", file=name, field=str(exc.args[0])
        ) from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{exc} (预警方案取值错误)", file=name) from None
    return schemes


def _condition(c: Mapping[str, Any]) -> Condition:
    if "reaches" in c:
        return Condition(reaches=int(c["reaches"]))
    hours = int(c["hours"])
    if hours < 1:
        raise ValueError("hours must be at least 1")
    return Condition(above=int(c["above"]), hours=hours)


def _runs(slots: Sequence[Slot], cond: Condition) -> list[tuple[int, int]]:
    """The qualifying runs of a condition, as (first slot, last slot) indices."""
    if cond.reaches is not None:
        reaches = cond.reaches
        return [(i, i) for i, s in enumerate(slots) if s.aqi >= reaches]
    above = cond.above if cond.above is not None else 0
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(slots):
        if slots[i].aqi <= above:
            i += 1
            continue
        j = i
        while j + 1 < len(slots) and slots[j + 1].aqi > above and slots[j + 1].start == slots[j].end:
            j += 1
        if sum(s.hours for s in slots[i : j + 1]) >= cond.hours:
            runs.append((i, j))
        i = j + 1
    return runs


def levels(slots: Sequence[Slot], scheme: Scheme) -> list[SlotLevel]:
    """The level of every slot (``slots`` in time order) under ``scheme``, with the rule that fired."""
    chosen: list[tuple[str | None, str]] = [(None, "")] * len(slots)
    for rule in scheme.levels:  # highest first: a slot keeps the first level that reaches it
        for alternative in rule.alternatives:
            runs = [_runs(slots, c) for c in alternative]
            for first, last in runs[0]:
                if not all(any(a <= last and first <= b for a, b in other) for other in runs[1:]):
                    continue
                span = f"{_fmt(slots[first].start)}—{_fmt(slots[last].end)}"
                text = f"{LABELS[rule.name]}：{' 且 '.join(c.text() for c in alternative)}（{span}）"
                for k in range(first, last + 1):
                    if chosen[k][0] is None:
                        chosen[k] = (rule.name, text)
    return [SlotLevel(s, level, text) for s, (level, text) in zip(slots, chosen, strict=True)]


def highest(levels_: Sequence[SlotLevel]) -> str | None:
    found = [x.level for x in levels_ if x.level is not None]
    return max(found, key=LEVELS.index) if found else None


def _fmt(t: dt.datetime) -> str:
    return f"{t:%m-%d %H:%M}"
