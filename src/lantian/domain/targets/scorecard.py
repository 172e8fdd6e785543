"""The scorecard (考核评分) of a jurisdiction: air-quality targets and task completion, weighted.

- Each measured air-quality target scores 100 when the value to date meets it, otherwise the ratio
  of target to value (lower is better: PM2.5 40 against a target of 35 → 35 / 40 = 87.5) or of value
  to target (higher is better: 优良 76 % against 80 % → 95.0) — the ratio form offices use (吴江's
  Q = 0.6 × 35 / PM2.5 + …) — one decimal, GB/T 8170.
- The air-quality part is the weighted mean of its targets' scores (``indicators`` weights; an
  indicator without a weight counts 1).
- The task part is the share of the tasks due by the date (last deadline on or before it) that are
  completed, × 100.
- The total weighs the parts (``air``, ``tasks``); a part with nothing to score is left out and the
  other carries the whole weight, which the card says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from lantian.domain.standards.rounding import round_half_even

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ScoreWeights:
    air: Decimal = Decimal(60)
    tasks: Decimal = Decimal(40)
    indicators: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetLine:
    indicator: str
    label: str
    comparator: str  # <= | >=  (relative targets arrive resolved to their threshold)
    target: Decimal
    value: Decimal | None  # to date


@dataclass(frozen=True)
class ScoreLine:
    part: str  # air | tasks
    item: str
    target: str
    value: str
    score: Decimal | None
    weight: Decimal


@dataclass(frozen=True)
class Scorecard:
    jurisdiction: str
    lines: list[ScoreLine]
    air: Decimal | None
    tasks: Decimal | None
    total: Decimal | None
    note: str


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


def scorecard(
    jurisdiction: str, targets: Sequence[TargetLine], due: int, completed: int, weights: ScoreWeights
) -> Scorecard:
    lines: list[ScoreLine] = []
    scored: list[tuple[Decimal, Decimal]] = []
    for t in targets:
        weight = weights.indicators.get(t.indicator, Decimal(1))
        score = None if t.value is None else target_score(t.comparator, t.target, t.value)
        shown = "—" if t.value is None else f"{t.value:f}"
        lines.append(ScoreLine("air", t.label, f"{'≤' if t.comparator == '<=' else '≥'} {t.target:f}", shown,
                               score, weight))  # fmt: skip
        if score is not None and weight > 0:
            scored.append((score, weight))
    air = (
        round_half_even(sum((s * w for s, w in scored), Decimal(0)) / sum(w for _, w in scored), 1) if scored else None
    )
    tasks = round_half_even(Decimal(100 * completed) / due, 1) if due else None
    lines.append(ScoreLine("tasks", "到期任务完成率 tasks due and completed", f"{due} 项到期 due",
                           f"{completed} 项完成 completed", tasks, weights.tasks))  # fmt: skip
    parts = [(s, w) for s, w in ((air, weights.air), (tasks, weights.tasks)) if s is not None and w > 0]
    total = round_half_even(sum((s * w for s, w in parts), Decimal(0)) / sum(w for _, w in parts), 1) if parts else None
    missing = [name for name, s in (("空气质量 air quality", air), ("任务 tasks", tasks)) if s is None]
    note = f"无可评分项 nothing to score: {'、'.join(missing)}；其权重由其余部分承担" if missing and parts else ""
    return Scorecard(jurisdiction, lines, air, tasks, total, note)
