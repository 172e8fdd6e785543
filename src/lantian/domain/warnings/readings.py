"""Readings during a warning (预警期间用电量、在线监测读数): does each enterprise show its committed cut?

A reading is an enterprise's (or one of its lines') electricity use or online-monitoring value at
a time. Its normal level (基准) is the mean of its readings in the ``baseline_days`` before each
warning began, outside any warning; its level during the warning is the mean of its readings while
a given level was in force. The observed cut is 1 − during / normal. The committed cut is what the
list promises at that level: for a line, its strictest measure (停产 100 %, 限产 x %); for the
whole enterprise, its committed reduction over its baseline, summed over the four pollutants.
An enterprise whose observed cut falls short of the committed cut by more than ``tolerance``
(percentage points) is reported, with the figures.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from lantian.domain.warnings.lifecycle import Segment
from lantian.errors import StructureError

READING_HEADER = {
    "统一社会信用代码": "code",
    "credit_code": "code",
    "时间": "time",
    "time": "time",
    "读数": "value",
    "value": "value",
    "生产线/工序/设施": "object",
    "object": "object",
    "类型": "kind",
    "kind": "kind",
}
READING_REQUIRED = ("code", "time", "value")


@dataclass(frozen=True)
class Reading:
    line: int
    code: str
    target: str  # a line, process or facility; "" for the whole enterprise
    at: dt.datetime
    value: float
    kind: str  # 用电 | 在线 … as given


@dataclass
class Compliance:
    code: str
    target: str
    level: str
    normal: float | None  # mean before the warning
    during: float  # mean while the level was in force
    readings: int  # during the level
    observed_cut: float | None
    committed_cut: float | None
    short: bool  # the observed cut falls short of the committed one beyond the tolerance
    note: str = ""


def parse_readings(rows: Iterable[tuple[int, Mapping[str, str]]], *, file: str) -> list[Reading]:
    out = []
    for line, row in rows:
        code = row.get("code", "").strip().upper()
        if not code:
            raise StructureError("missing (缺少统一社会信用代码)", file=file, line=line, field="统一社会信用代码")
        text = row.get("time", "").strip().replace("/", "-").replace("T", " ")
        try:
            at = dt.datetime.fromisoformat(text)
        except ValueError:
            raise StructureError(
                f"not a time: {text!r} (时间应为 YYYY-MM-DD HH:MM，如 2026-12-03 18:00)",
                file=file,
                line=line,
                field="时间",
            ) from None
        try:
            value = float(row.get("value", "").replace(",", ""))
        except ValueError:
            raise StructureError(
                f"not a number (应为数字): {row.get('value')!r}", file=file, line=line, field="读数"
            ) from None
        if not math.isfinite(value) or value < 0:
            raise StructureError(f"must be zero or more (应为非负数): {value}", file=file, line=line, field="读数")
        out.append(Reading(line, code, row.get("object", "").strip(), at, value, row.get("kind", "").strip()))
    return out


def compliance(
    readings: Sequence[Reading],
    spans: Sequence[Segment],
    committed: Callable[[str, str, str], float | None],
    *,
    baseline_days: int = 7,
    tolerance: float = 0.1,
) -> list[Compliance]:
    """Per enterprise (and line) and level: the normal and warning means, the observed and committed cuts."""
    warned = sorted((s for s in spans if s.level is not None), key=lambda s: s.start)
    starts = [s.start for s in warned]
    window = dt.timedelta(days=baseline_days)
    normal: dict[tuple[str, str], list[float]] = {}
    during: dict[tuple[str, str, str], list[float]] = {}
    for r in readings:
        i = bisect.bisect_right(starts, r.at) - 1
        span = warned[i] if i >= 0 else None
        if span is not None and (span.end is None or r.at < span.end):
            during.setdefault((r.code, r.target, span.level or ""), []).append(r.value)
            continue
        following = warned[i + 1] if i + 1 < len(warned) else None
        if following is not None and following.start - window <= r.at:
            normal.setdefault((r.code, r.target), []).append(r.value)
    out = []
    for (code, target, level), values in sorted(during.items()):
        base = normal.get((code, target))
        mean = math.fsum(values) / len(values)
        promised = committed(code, target, level)
        if not base:
            out.append(
                Compliance(
                    code,
                    target,
                    level,
                    None,
                    mean,
                    len(values),
                    None,
                    promised,
                    False,
                    "预警前无读数，无法比较 (no readings before the warning)",
                )
            )
            continue
        before = math.fsum(base) / len(base)
        cut = 1 - mean / before if before > 0 else None
        if promised is None:
            note = "清单中无此企业或对象 (not on the list)"
            short = False
        else:
            short = cut is not None and cut + tolerance < promised
            note = ""
        out.append(Compliance(code, target, level, before, mean, len(values), cut, promised, short, note))
    return out
