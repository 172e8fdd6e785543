"""Accountability rules (考核问责) over rankings and targets, as configuration: flags for sustained
bottom places, escalation ladders for last places, ecological-compensation settlements and the
target cascade. docs/accountability.md has the rules, the configuration and worked examples.

Bottom places with ties: a place is among the bottom ``m`` when fewer than ``m`` places rank
strictly worse than it — so two places tied for last (ranks 1, 2, 3, 3) are both 倒数第一 — and more
than ``m`` places are ranked.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lantian.domain.targets.scorecard import ScoreWeights
from lantian.errors import ConfigError

Ranking = Mapping[str, int | None]  # place → competition rank (None: not ranked that month)


def places_worse(ranking: Ranking, place: str) -> int | None:
    """How many places rank strictly worse than ``place`` (None when it is not ranked)."""
    rank = ranking.get(place)
    if rank is None:
        return None
    return sum(1 for r in ranking.values() if r is not None and r > rank)


def in_bottom(ranking: Ranking, place: str, m: int) -> bool:
    """Among the bottom ``m``: fewer than ``m`` places rank strictly worse. With ``m`` or fewer
    places ranked no place is "in the bottom m" (倒数5位 of 3 cities would be every city)."""
    ranked = sum(1 for r in ranking.values() if r is not None)
    worse = places_worse(ranking, place)
    return worse is not None and worse < m < ranked


# ---------------------------------------------------------------------------- streak flags
@dataclass(frozen=True)
class StreakRule:
    """连续 ``months`` 个月排名倒数 ``bottom`` 位 → ``action`` (e.g. 专项帮扶)."""

    name: str
    bottom: int
    months: int
    action: str


@dataclass(frozen=True)
class Flag:
    place: str
    rule: str
    action: str
    first: str  # the first and last period of the streak
    last: str
    evidence: tuple[tuple[str, int, int], ...]  # (period, rank, places ranked) for each month of the streak


def streak_flags(series: Sequence[tuple[str, Ranking]], rule: StreakRule) -> list[Flag]:
    """Every place whose run of consecutive periods in the bottom ``rule.bottom`` reaches
    ``rule.months`` — one flag per run, dated by the period it was reached and extending while the run
    lasts. ``series`` is ordered by period."""
    flags: list[Flag] = []
    places = sorted({p for _, ranking in series for p in ranking})
    for place in places:
        run: list[tuple[str, int, int]] = []
        for label, ranking in [*series, ("", {})]:
            if label and in_bottom(ranking, place, rule.bottom):
                rank = ranking[place]
                assert rank is not None
                run.append((label, rank, sum(1 for r in ranking.values() if r is not None)))
                continue
            if len(run) >= rule.months:
                flags.append(Flag(place, rule.name, rule.action, run[rule.months - 1][0], run[-1][0], tuple(run)))
            run = []
    return sorted(flags, key=lambda f: (f.first, f.place))


# ---------------------------------------------------------------------------- escalation ladder
@dataclass(frozen=True)
class Ladder:
    """Consecutive last places → action: e.g. 1 → 警示, 2 → 挂牌督办, 3 → 约谈 (日照)."""

    name: str
    steps: tuple[tuple[int, str], ...]  # (consecutive periods last, action), ascending


@dataclass(frozen=True)
class Escalation:
    period: str
    place: str
    streak: int  # consecutive periods last, this one included
    action: str
    rule: str = ""  # the ladder's name (the flag an action answers: docs/accountability.md)


def escalations(series: Sequence[tuple[str, Ranking]], ladder: Ladder) -> list[Escalation]:
    """For each period, every place in last place (ties share it) with its streak and the ladder's
    action for that streak (the highest step reached)."""
    out: list[Escalation] = []
    streak: dict[str, int] = {}
    for label, ranking in series:
        last = {p for p in ranking if places_worse(ranking, p) == 0}
        streak = {p: streak.get(p, 0) + 1 for p in last}
        for place in sorted(last):
            reached = [action for months, action in ladder.steps if streak[place] >= months]
            if reached:
                out.append(Escalation(label, place, streak[place], reached[-1], ladder.name))
    return out


# ---------------------------------------------------------------------------- compensation
# the period-statistics columns a scheme may settle on, as a page names them (中文)
INDICATOR_LABELS = {
    "pm25": "PM2.5浓度", "pm10": "PM10浓度", "o3_p90": "臭氧浓度", "good_ratio": "优良天数比率",
    "heavy_ratio": "重污染天数比率", "good_days": "优良天数", "composite_index": "综合指数",
}  # fmt: skip
# a period-statistics column → the target registry's indicator (目标登记: lantian.domain.targets.registry)
TARGET_INDICATORS = {
    "pm25": "pm25", "pm10": "pm10", "o3_p90": "o3_p90", "good_ratio": "good_day_ratio",
    "heavy_ratio": "heavy_day_ratio", "composite_index": "composite_index",
}  # fmt: skip


def indicator_label(indicator: str) -> str:
    return INDICATOR_LABELS.get(indicator, indicator)


@dataclass(frozen=True)
class Settlement:
    scheme: str
    place: str
    amount: Decimal  # 万元: positive = receives (奖励/补偿), negative = pays (扣缴)
    arithmetic: str  # how the amount was reached, in words and numbers (中文)
    value: Decimal | None = None  # the place's value of the period (a rank scheme: its rank)
    reference: Decimal | None = None  # what it was compared with: its target, or its earlier value
    reference_source: str = ""  # where the reference came from (目标来源 / 对比时段)


@dataclass(frozen=True)
class OwnTarget:
    """A place's own target for a scheme's indicator (its year's, from the plan annexes or a user's
    entry), already a number: a relative target (较2020年下降3%) applied to its baseline value."""

    value: Decimal
    source: str  # in words: 南京市2021年目标（计划 … 第150行） / 用户登记


@dataclass(frozen=True)
class PerUnitScheme:
    """Money per unit of an indicator against a target: ``pay_per_unit`` for every unit worse than
    the target, ``receive_per_unit`` for every unit better, each capped (e.g. 成都: −40 万元 per
    µg/m³ PM2.5 above target, +20 万元 per µg/m³ below). With ``own_target`` (``target = "own"`` in
    the file) each place is held to its own target; ``target`` is then the fallback for a place
    that has none."""

    name: str
    indicator: str  # a period-statistics column: pm25, good_ratio, good_days, composite_index …
    target: Decimal
    lower_is_better: bool
    pay_per_unit: Decimal
    receive_per_unit: Decimal
    cap: Decimal | None = None  # the largest amount either way, 万元
    unit: str = ""
    own_target: bool = False


@dataclass(frozen=True)
class ImprovementScheme:
    """003 四(三): 对环境空气质量改善的地区安排生态补偿资金，对恶化的地区扣缴生态补偿资金. Each place
    against its own earlier value of the same period — a year earlier (``compare = "last_year"``) or
    in ``baseline_year`` — ``receive_per_step`` 万元 for every unit (``by = "unit"``) or percent
    (``by = "percent"``) of improvement, ``pay_per_step`` for every one of deterioration, capped
    either way."""

    name: str
    indicator: str
    by: str  # unit | percent
    receive_per_step: Decimal
    pay_per_step: Decimal
    lower_is_better: bool = True
    compare: str = "last_year"  # last_year | baseline
    baseline_year: int | None = None
    cap: Decimal | None = None
    unit: str = ""

    @property
    def reference_label(self) -> str:
        return "上年同期" if self.compare == "last_year" else f"{self.baseline_year}年同期"


@dataclass(frozen=True)
class RankScheme:
    """The bottom ``bottom_n`` pay ``bottom_pays`` each, the top ``top_n`` receive ``top_receives``
    each (e.g. 枣庄: top 6 towns +30 万元, bottom 6 −30 万元). Ties inside the bottom or top all count."""

    name: str
    ranking: str  # composite | pm25 | good_ratio | change
    bottom_n: int
    bottom_pays: Decimal
    top_n: int = 0
    top_receives: Decimal = Decimal(0)


NO_VALUE = "无有效数据，不结算"


def _capped(amount: Decimal, cap: Decimal | None, arithmetic: str) -> tuple[Decimal, str]:
    if cap is not None and abs(amount) > cap:
        amount = cap if amount > 0 else -cap
        arithmetic += f"，封顶 → {_n(amount, sign=True)} 万元"
    return amount, arithmetic


def settle_per_unit(
    scheme: PerUnitScheme, values: Mapping[str, Decimal | None], targets: Mapping[str, OwnTarget] | None = None
) -> list[Settlement]:
    """Each place against the scheme's target, or with ``scheme.own_target`` against its own
    (``targets``, by place; the configured number where a place has none, said so)."""
    out: list[Settlement] = []
    label = indicator_label(scheme.indicator)
    for place, value in sorted(values.items()):
        own = (targets or {}).get(place) if scheme.own_target else None
        target = own.value if own is not None else scheme.target
        if own is not None:
            source = own.source
        elif scheme.own_target:
            source = f"{place}无本年度目标，用配置的默认值"
        else:
            source = "配置的统一目标"
        if value is None:
            out.append(Settlement(scheme.name, place, Decimal(0), NO_VALUE, None, target, source))
            continue
        better = (target - value) if scheme.lower_is_better else (value - target)
        rate = scheme.receive_per_unit if better > 0 else scheme.pay_per_unit
        amount = better * rate
        arithmetic = f"{_n(abs(better))} × {'+' if better > 0 else '−'}{_n(rate)} 万元 = {_n(amount, sign=True)} 万元"
        amount, arithmetic = _capped(amount, scheme.cap, arithmetic)
        side = "优于" if better > 0 else "差于" if better < 0 else "等于"
        arithmetic = f"{label} {_n(value)}{scheme.unit} {side}目标 {_n(target)}（{source}）：{arithmetic}"
        out.append(Settlement(scheme.name, place, amount, arithmetic, value, target, source))
    return out


def settle_improvement(
    scheme: ImprovementScheme, values: Mapping[str, Decimal | None], earlier: Mapping[str, Decimal | None]
) -> list[Settlement]:
    """Each place's change against its own earlier value (``earlier``, by place): improvement
    receives, deterioration pays. A percent change is rounded to 0.1 % before it is priced."""
    out: list[Settlement] = []
    label = indicator_label(scheme.indicator)
    where = scheme.reference_label
    for place, value in sorted(values.items()):
        before = earlier.get(place)
        if value is None or before is None or (scheme.by == "percent" and before == 0):
            missing = "本期" if value is None else where
            out.append(Settlement(scheme.name, place, Decimal(0), f"{missing}无有效数据，不结算", value, before, where))
            continue
        improved = (before - value) if scheme.lower_is_better else (value - before)
        if scheme.by == "percent":
            steps = (improved / before * 100).quantize(Decimal("0.1"))
            size = f"{_n(abs(steps))}%"
        else:
            steps = improved
            size = f"{_n(abs(steps))}{scheme.unit}"
        rate = scheme.receive_per_step if steps > 0 else scheme.pay_per_step
        amount = steps * rate
        word = "改善" if steps > 0 else "恶化" if steps < 0 else "持平"
        arithmetic = (
            f"{label} {_n(value)}{scheme.unit}，{where} {_n(before)}{scheme.unit}，{word} {size}："
            f"{_n(abs(steps))} × {'+' if steps > 0 else '−'}{_n(rate)} 万元 = {_n(amount, sign=True)} 万元"
        )
        amount, arithmetic = _capped(amount, scheme.cap, arithmetic)
        out.append(Settlement(scheme.name, place, amount, arithmetic, value, before, where))
    return out


def _n(value: Decimal, *, sign: bool = False) -> str:
    """A decimal without trailing zeros or exponent: 53.0 → 53, 18.50 → 18.5, −720."""
    text = format(value.normalize(), "f")
    return ("+" + text if value > 0 else text.replace("-", "−")) if sign else text.replace("-", "−")


def settle_ranks(scheme: RankScheme, ranking: Ranking) -> list[Settlement]:
    """The top and bottom of one ranking; with ``bottom_n`` (or ``top_n``) or fewer places ranked
    that side of the scheme does not apply."""
    out: list[Settlement] = []
    ranked = sum(1 for r in ranking.values() if r is not None)
    for place in sorted(ranking, key=lambda p: (ranking[p] is None, ranking[p] or 0, p)):
        rank = ranking[place]
        if rank is None:
            out.append(Settlement(scheme.name, place, Decimal(0), "未参与排名（无有效数据），不结算"))
            continue
        if in_bottom(ranking, place, scheme.bottom_n):
            out.append(Settlement(scheme.name, place, -scheme.bottom_pays,
                                  f"第{rank}名/{ranked}，倒数{scheme.bottom_n}名之内：−{_n(scheme.bottom_pays)} 万元",
                                  Decimal(rank)))  # fmt: skip
        elif scheme.top_n and rank <= scheme.top_n < ranked:
            out.append(Settlement(scheme.name, place, scheme.top_receives,
                                  f"第{rank}名/{ranked}，前{scheme.top_n}名：+{_n(scheme.top_receives)} 万元",
                                  Decimal(rank)))  # fmt: skip
        else:
            sides = [f"前{scheme.top_n}名" for _ in [1] if scheme.top_n] + [f"倒数{scheme.bottom_n}名"]
            out.append(Settlement(scheme.name, place, Decimal(0), f"第{rank}名/{ranked}，不在{'和'.join(sides)}之内：0",
                                  Decimal(rank)))  # fmt: skip
    return out


# ---------------------------------------------------------------------------- cascade
@dataclass(frozen=True)
class CascadeRow:
    city: str
    county: str
    indicator: str
    city_target: float
    county_target: float
    relation: str  # stricter | equal | looser (than the city's own)


def cascade(targets: Sequence[tuple[str, str, str, float]]) -> list[CascadeRow]:
    """County targets against their city's own: ``targets`` are (jurisdiction, indicator, comparator,
    value), a county written ``城市·县`` (as 003's 附件2 gives them). A county target looser than the
    city's is not an error — county stations differ — but is what an office checks first."""
    city_targets = {(j, i): (c, v) for j, i, c, v in targets if "·" not in j}
    rows: list[CascadeRow] = []
    for jurisdiction, indicator, comparator, value in targets:
        if "·" not in jurisdiction:
            continue
        city = jurisdiction.split("·", 1)[0]
        own = city_targets.get((city, indicator))
        if own is None or own[0] != comparator or comparator not in ("<=", ">="):
            continue
        city_value = own[1]
        if value == city_value:
            relation = "equal"
        elif (value < city_value) == (comparator == "<="):
            relation = "stricter"
        else:
            relation = "looser"
        rows.append(CascadeRow(city, jurisdiction, indicator, city_value, value, relation))
    return rows


# ---------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class Rules:
    streaks: tuple[StreakRule, ...] = ()
    ladders: tuple[Ladder, ...] = ()
    per_unit: tuple[PerUnitScheme, ...] = ()
    rank_schemes: tuple[RankScheme, ...] = ()
    improvement: tuple[ImprovementScheme, ...] = ()
    ranking: str = "composite"  # the ranking flags and ladders are judged on
    source: str = ""
    weights: ScoreWeights = field(default_factory=ScoreWeights)


def parse_rules(text: str, *, name: str) -> Rules:
    """Rules from TOML (docs/accountability.md has the schema); every error names the entry."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc} (配置格式错误)", file=name) from None
    try:
        streaks = tuple(
            StreakRule(str(r["name"]), _positive(r, "bottom"), _positive(r, "months"), str(r["action"]))
            for r in data.get("streak", [])
        )
        ladders = tuple(
            Ladder(str(r["name"]), tuple(sorted((int(m), str(a)) for m, a in _steps(r))))
            for r in data.get("ladder", [])
        )
        per_unit = tuple(_per_unit(r) for r in data.get("per_unit", []))
        improvement = tuple(_improvement(r) for r in data.get("improvement", []))
        rank_schemes = tuple(
            RankScheme(
                str(r["name"]), str(r.get("ranking", "composite")), _positive(r, "bottom_n"), _dec(r, "bottom_pays"),
                int(r.get("top_n", 0)), _dec(r, "top_receives") if "top_receives" in r else Decimal(0),
            )
            for r in data.get("rank", [])
        )  # fmt: skip
        card = data.get("scorecard", {})
        weights = ScoreWeights(
            _dec(card, "air") if "air" in card else ScoreWeights.air,
            _dec(card, "tasks") if "tasks" in card else ScoreWeights.tasks,
            {str(k): _dec(card["indicators"], k) for k in card.get("indicators", {})},
            _dec(card, "reported") if "reported" in card else ScoreWeights.reported,
        )
    except KeyError as exc:
        raise ConfigError(f"a rule lacks {exc.args[0]!r} (规则缺少字段)", file=name, field=str(exc.args[0])) from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{exc} (规则取值错误)", file=name) from None
    ranking = str(data.get("ranking", "composite"))
    return Rules(streaks, ladders, per_unit, rank_schemes, improvement, ranking, name, weights)


def _per_unit(r: Mapping[str, Any]) -> PerUnitScheme:
    """``target = "own"``: each place's own target, ``fallback`` for a place without one; a number:
    one target for every place."""
    own = r.get("target") == "own"
    if own and "fallback" not in r:
        raise ValueError(f'{r.get("name", "?")}: target = "own" needs a fallback (无本年度目标时的默认值)')
    return PerUnitScheme(
        str(r["name"]), str(r["indicator"]), _dec(r, "fallback" if own else "target"),
        bool(r.get("lower_is_better", True)), _dec(r, "pay_per_unit"), _dec(r, "receive_per_unit"),
        None if r.get("cap") is None else _dec(r, "cap"), str(r.get("unit", "")), own,
    )  # fmt: skip


def _improvement(r: Mapping[str, Any]) -> ImprovementScheme:
    name = r.get("name", "?")
    by = str(r.get("by", "percent"))
    if by not in ("unit", "percent"):
        raise ValueError(f'{name}: by must be "unit" or "percent" (按单位或按百分比)')
    compare = str(r.get("compare", "last_year"))
    if compare not in ("last_year", "baseline"):
        raise ValueError(f'{name}: compare must be "last_year" or "baseline" (上年同期或基准年)')
    baseline = None
    if compare == "baseline":
        baseline = _positive(r, "baseline_year")
    return ImprovementScheme(
        str(r["name"]), str(r["indicator"]), by, _dec(r, "receive_per_step"), _dec(r, "pay_per_step"),
        bool(r.get("lower_is_better", True)), compare, baseline,
        None if r.get("cap") is None else _dec(r, "cap"), str(r.get("unit", "")),
    )  # fmt: skip


def _positive(r: Mapping[str, Any], key: str) -> int:
    value = int(r[key])
    if value < 1:
        raise ValueError(f"{r.get('name', '?')}: {key} must be at least 1")
    return value


def _dec(r: Mapping[str, Any], key: str) -> Decimal:
    value = r[key]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{r.get('name', '?')}: {key} must be a number")
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"{r.get('name', '?')}: {key} {value!r} is not a number") from None


def _steps(r: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    steps = r["steps"]
    if not isinstance(steps, list) or not steps:
        raise ValueError(f"{r.get('name', '?')}: steps must be a list of [months, action]")
    return [(s[0], s[1]) for s in steps]
