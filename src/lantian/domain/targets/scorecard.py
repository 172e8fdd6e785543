"""The scorecard (考核评分) of a jurisdiction: air-quality targets and task completion, weighted.

- Each measured air-quality target scores 100 when the value to date meets it, otherwise the ratio
  of target to value (lower is better: PM2.5 40 against a target of 35 → 35 / 40 = 87.5) or of value
  to target (higher is better: 优良 76 % against 80 % → 95.0) — the ratio form offices use (吴江's
  Q = 0.6 × 35 / PM2.5 + …) — one decimal, GB/T 8170.
- The air-quality part is the weighted mean of its targets' scores (``indicators`` weights; an
  indicator without a weight counts 1).
- The other targets (其他目标: counts, shares, reductions measured from accepted progress reports, rows
  with ``percent_complete``) score min(100, % complete), one decimal; their part (``reported``) is the
  weighted mean of those scores, by the same ``indicators`` weights. It counts only for a place that
  has such targets.
- The task part is the share of the tasks due by the date (last deadline on or before it) that are
  completed, × 100.
- The total weighs the parts (``air``, ``reported``, ``tasks``); a part with nothing to score is left
  out and the others carry its weight, which the card says (``missing``).
- :func:`ranking` orders scorecards by total, ties sharing the better rank (并列, "1, 2, 2, 4").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from lantian.domain.standards.ranking import competition_ranks
from lantian.domain.standards.rounding import round_half_even

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ScoreWeights:
    air: Decimal = Decimal(60)
    tasks: Decimal = Decimal(40)
    indicators: Mapping[str, Decimal] = field(default_factory=dict)
    reported: Decimal = Decimal(20)  # 其他目标: the targets measured from progress reports


PARTS = ("air", "reported", "tasks")
PART_LABELS = {"air": "空气质量", "reported": "其他目标", "tasks": "任务"}  # 部分 the parts, as a page names them


@dataclass(frozen=True)
class TargetLine:
    indicator: str
    label: str
    comparator: str  # <= | >=  (relative targets arrive resolved to their threshold)
    target: Decimal
    value: Decimal | None  # to date


@dataclass(frozen=True)
class ReportedLine:
    """A target measured from progress reports (其他目标): its % complete to date."""

    indicator: str
    label: str
    target: str  # as written: ≥ 16 万辆
    value: Decimal | None  # to date
    percent_complete: Decimal | None


@dataclass(frozen=True)
class ScoreLine:
    part: str  # air | reported | tasks
    item: str
    target: str
    value: str
    score: Decimal | None
    weight: Decimal
    indicator: str = ""  # the target's indicator ("" for the tasks line)
    percent_complete: Decimal | None = None  # reported targets: % complete to date
    due: int | None = None  # the tasks line: tasks due by the date
    completed: int | None = None  # … and of them completed


@dataclass(frozen=True)
class Scorecard:
    jurisdiction: str
    lines: list[ScoreLine]
    air: Decimal | None
    tasks: Decimal | None
    total: Decimal | None
    note: str
    reported: Decimal | None = None
    missing: tuple[str, ...] = ()  # the parts (PARTS) with nothing to score whose weight the others carry
    weights: ScoreWeights = field(default_factory=ScoreWeights)


@dataclass(frozen=True)
class Ranked:
    """One place in the ranking by score: its rank (None: nothing to score), shared when tied."""

    rank: int | None
    tied: bool
    card: Scorecard


def target_score(comparator: str, target: Decimal, value: Decimal) -> Decimal:
    """100 when met, else the ratio (target/value for ≤, value/target for ≥) × 100, one decimal."""
    met = value <= target if comparator == "<=" else value >= target
    if met:
        return HUNDRED
    if comparator == "<=":
        ratio = target / value if value else HUNDRED
    else:
        ratio = value / target if target else Decimal(0)
    return round_half_even(max(Decimal(0), ratio) * HUNDRED, 1)


def plain(number: Decimal) -> str:
    """A number as people write it: 35 not 35.0, 87.5, 100 (never 1E+2)."""
    return f"{number.normalize():f}"


def completion_score(percent_complete: Decimal) -> Decimal:
    """A target measured from progress reports: min(100, % complete), never below 0, one decimal."""
    return round_half_even(min(HUNDRED, max(Decimal(0), percent_complete)), 1)


def _mean(scored: Sequence[tuple[Decimal, Decimal]]) -> Decimal | None:
    """The weighted mean of (score, weight) pairs, one decimal; None without any."""
    if not scored:
        return None
    return round_half_even(sum((s * w for s, w in scored), Decimal(0)) / sum(w for _, w in scored), 1)


def scorecard(
    jurisdiction: str,
    targets: Sequence[TargetLine],
    due: int,
    completed: int,
    weights: ScoreWeights,
    reported: Sequence[ReportedLine] = (),
) -> Scorecard:
    lines: list[ScoreLine] = []
    scored: list[tuple[Decimal, Decimal]] = []
    for t in targets:
        weight = weights.indicators.get(t.indicator, Decimal(1))
        score = None if t.value is None else target_score(t.comparator, t.target, t.value)
        shown = "—" if t.value is None else plain(t.value)
        lines.append(ScoreLine("air", t.label, f"{'≤' if t.comparator == '<=' else '≥'} {plain(t.target)}", shown,
                               score, weight, t.indicator))  # fmt: skip
        if score is not None and weight > 0:
            scored.append((score, weight))
    air = _mean(scored)
    counted: list[tuple[Decimal, Decimal]] = []
    for r in reported:
        weight = weights.indicators.get(r.indicator, Decimal(1))
        score = None if r.percent_complete is None else completion_score(r.percent_complete)
        shown = "—" if r.value is None else plain(r.value)
        lines.append(ScoreLine("reported", r.label, r.target, shown, score, weight, r.indicator, r.percent_complete))
        if score is not None and weight > 0:
            counted.append((score, weight))
    other = _mean(counted)
    tasks = round_half_even(Decimal(100 * completed) / due, 1) if due else None
    lines.append(ScoreLine("tasks", "到期任务完成率 tasks due and completed", f"{due} 项到期 due",
                           f"{completed} 项完成 completed", tasks, weights.tasks, due=due,
                           completed=completed))  # fmt: skip
    values = {"air": (air, weights.air), "reported": (other, weights.reported), "tasks": (tasks, weights.tasks)}
    parts = [(s, w) for s, w in values.values() if s is not None and w > 0]
    total = _mean(parts)
    applies = {"air": True, "reported": bool(reported), "tasks": True}  # 其他目标 only where the place has some
    missing = tuple(p for p in PARTS if applies[p] and values[p][0] is None and values[p][1] > 0) if parts else ()
    names = {"air": "空气质量 air quality", "reported": "其他目标 other targets", "tasks": "任务 tasks"}
    named = "、".join(names[p] for p in missing)
    note = f"无可评分项 nothing to score: {named}；其权重由其余部分承担" if missing else ""
    return Scorecard(jurisdiction, lines, air, tasks, total, note, other, missing, weights)


def ranking(cards: Sequence[Scorecard]) -> list[Ranked]:
    """The places by total score, best first; equal totals share the better rank (并列: 1, 2, 2, 4),
    then by name; a place with no total is unranked, last."""
    totals = competition_ranks({c.jurisdiction: c.total for c in cards}, descending=True)
    counts = Counter(r for r in totals.values() if r is not None)
    ordered = sorted(cards, key=lambda c: (totals[c.jurisdiction] is None, totals[c.jurisdiction] or 0, c.jurisdiction))
    out = []
    for c in ordered:
        rank = totals[c.jurisdiction]
        out.append(Ranked(rank, rank is not None and counts[rank] > 1, c))
    return out
