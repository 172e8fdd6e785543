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
@dataclass(frozen=True)
class Settlement:
    scheme: str
    place: str
    amount: Decimal  # 万元: positive = receives (奖励/补偿), negative = pays (扣缴)
    arithmetic: str  # how the amount was reached, in words and numbers


@dataclass(frozen=True)
class PerUnitScheme:
    """Money per unit of an indicator against a target: ``pay_per_unit`` for every unit worse than
    the target, ``receive_per_unit`` for every unit better, each capped (e.g. 成都: −40 万元 per
    µg/m³ PM2.5 above target, +20 万元 per µg/m³ below)."""

    name: str
    indicator: str  # a period-statistics column: pm25, good_ratio, good_days, composite_index …
    target: Decimal
    lower_is_better: bool
    pay_per_unit: Decimal
    receive_per_unit: Decimal
    cap: Decimal | None = None  # the largest amount either way, 万元
    unit: str = ""


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


def settle_per_unit(scheme: PerUnitScheme, values: Mapping[str, Decimal | None]) -> list[Settlement]:
    out: list[Settlement] = []
    for place, value in sorted(values.items()):
        if value is None:
            out.append(Settlement(scheme.name, place, Decimal(0), "无有效数据 no valid value: nothing settled"))
            continue
        better = (scheme.target - value) if scheme.lower_is_better else (value - scheme.target)
        rate = scheme.receive_per_unit if better > 0 else scheme.pay_per_unit
        amount = better * rate
        arithmetic = f"{_n(abs(better))} × {'+' if better > 0 else '−'}{_n(rate)} 万元 = {_n(amount, sign=True)} 万元"
        if scheme.cap is not None and abs(amount) > scheme.cap:
            amount = scheme.cap if amount > 0 else -scheme.cap
            arithmetic += f"，封顶 capped → {_n(amount, sign=True)} 万元"
        side = "优于 better than" if better > 0 else "差于 worse than" if better < 0 else "等于 equal to"
        arithmetic = f"{scheme.indicator} {_n(value)}{scheme.unit} {side} 目标 target {_n(scheme.target)}: {arithmetic}"
        out.append(Settlement(scheme.name, place, amount, arithmetic))
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
            continue
        if in_bottom(ranking, place, scheme.bottom_n):
            out.append(Settlement(scheme.name, place, -scheme.bottom_pays,
                                  f"第{rank}名/{ranked}，倒数{scheme.bottom_n}名之内 in the bottom {scheme.bottom_n}: "
                                  f"−{scheme.bottom_pays:g} 万元"))  # fmt: skip
        elif scheme.top_n and rank <= scheme.top_n < ranked:
            out.append(Settlement(scheme.name, place, scheme.top_receives,
                                  f"第{rank}名/{ranked}，前{scheme.top_n}名 in the top {scheme.top_n}: "
                                  f"+{scheme.top_receives:g} 万元"))  # fmt: skip
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
        per_unit = tuple(
            PerUnitScheme(
                str(r["name"]), str(r["indicator"]), _dec(r, "target"), bool(r.get("lower_is_better", True)),
                _dec(r, "pay_per_unit"), _dec(r, "receive_per_unit"),
                None if r.get("cap") is None else _dec(r, "cap"), str(r.get("unit", "")),
            )
            for r in data.get("per_unit", [])
        )  # fmt: skip
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
    return Rules(streaks, ladders, per_unit, rank_schemes, ranking, name, weights)


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
