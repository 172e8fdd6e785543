"""A warning's life (预警过程): issued (发布), upgraded (升级), downgraded (降级), lifted (解除).

Each jurisdiction keeps its own events in time order; the action follows from the level in force
before the event (a level above it upgrades, below it downgrades; 解除 ends it). "省级预警、市县响应":
a city responds at no less than the warning of the places above it (its province; a county also
its city), so the level in force for a place at any moment is the highest of its own and its
parents' levels, with the place whose warning it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lantian.domain.warnings.levels import LABELS, LEVELS
from lantian.errors import InputError

ACTIONS = {"issue": "发布", "upgrade": "升级", "downgrade": "降级", "lift": "解除"}


@dataclass(frozen=True)
class Event:
    jurisdiction: str
    action: str  # issue | upgrade | downgrade | lift
    level: str | None  # the level from this moment on; None after a lift
    at: dt.datetime
    issuer: str  # 发布单位
    note: str = ""

    def text(self) -> str:
        what = ACTIONS[self.action] + ("" if self.level is None else f"{LABELS[self.level]}预警")
        return f"{self.at:%Y-%m-%d %H:%M} {self.jurisdiction} {what}（{self.issuer}）"


@dataclass(frozen=True)
class Segment:
    """A span with one level in force: ``end`` None while it lasts."""

    start: dt.datetime
    end: dt.datetime | None
    level: str | None
    source: str  # the jurisdiction whose warning it is ("" when none)


def current(events: Sequence[Event]) -> str | None:
    return events[-1].level if events else None


def next_event(
    events: Sequence[Event], jurisdiction: str, level: str | None, at: dt.datetime, issuer: str, note: str = ""
) -> Event:
    """The event that moves a jurisdiction (whose ``events`` are in time order) to ``level`` (None: lift)."""
    if level is not None and level not in LEVELS:
        raise InputError(f"unknown level {level!r}; use {' | '.join(LEVELS)} (预警级别)", field="level")
    if not issuer.strip():
        raise InputError("name the issuer (请填写发布单位)", field="issuer")
    if events and at < events[-1].at:
        last = events[-1]
        raise InputError(
            f"{at:%Y-%m-%d %H:%M} is before the last event ({last.text()}); events go in time order (时间早于上一事件)",
            field="at",
        )
    before = current(events)
    if level is None:
        if before is None:
            raise InputError(f"{jurisdiction} has no warning in force to lift (当前无预警，无法解除)", field="level")
        action = "lift"
    elif before is None:
        action = "issue"
    elif level == before:
        raise InputError(f"{jurisdiction} already has a {LABELS[level]} warning in force (已是该级别)", field="level")
    else:
        action = "upgrade" if LEVELS.index(level) > LEVELS.index(before) else "downgrade"
    return Event(jurisdiction, action, level, at, issuer.strip(), note.strip())


def segments(events: Sequence[Event]) -> list[Segment]:
    """One place's own warning as spans (only spans with a level)."""
    out: list[Segment] = []
    for i, e in enumerate(events):
        if e.level is None:
            continue
        end = events[i + 1].at if i + 1 < len(events) else None
        out.append(Segment(e.at, end, e.level, e.jurisdiction))
    return out


def effective(own: Sequence[Event], parents: Mapping[str, Sequence[Event]]) -> list[Segment]:
    """The level in force for a place over time: the highest of its own and its parents' levels.

    Spans where no level is in force are left out; adjacent spans with the same level and source
    are merged."""
    spans = [s for events in [own, *parents.values()] for s in segments(events)]
    if not spans:
        return []
    cuts = sorted({s.start for s in spans} | {s.end for s in spans if s.end is not None})
    out: list[Segment] = []
    for i, start in enumerate(cuts):
        end = cuts[i + 1] if i + 1 < len(cuts) else None
        live = [s for s in spans if s.start <= start and (s.end is None or s.end > start)]
        if not live:
            continue
        own_name = own[0].jurisdiction if own else ""
        # the highest level; on a tie, the place's own warning names the source
        best = max(live, key=lambda s: (LEVELS.index(s.level or ""), s.source == own_name))
        if out and out[-1].level == best.level and out[-1].source == best.source and out[-1].end == start:
            out[-1] = Segment(out[-1].start, end, best.level, best.source)
        else:
            out.append(Segment(start, end, best.level, best.source))
    return out


def at(spans: Iterable[Segment], moment: dt.datetime) -> Segment | None:
    """The span in force at ``moment``."""
    return next((s for s in spans if s.start <= moment and (s.end is None or moment < s.end)), None)
