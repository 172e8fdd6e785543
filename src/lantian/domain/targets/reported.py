"""Targets measured from progress reports (由进度报送计量的目标): pure arithmetic.

A target that is not an air-quality concentration — a count (淘汰车辆, 完成项目, 路检路查 辆·次), a
share (占比), a reduction (较2020年下降3%), a cumulative figure (推广应用新能源汽车16万辆以上),
降尘 — is measured from the indicator values of the ACCEPTED progress reports of the units of its
place (:class:`Reading`), added up by the rule the indicator needs (:class:`Rule`):

``sum``      a count done in each period: every period's value adds up (淘汰车辆, 完成项目);
``latest``   a cumulative or state value: the value of the newest PERIOD (not the newest submission);
``max``      the largest value reported;
``mean``     the mean of the periods' values (降尘: the mean of the monthly values);
``ratio``    the sum of a numerator indicator over the sum of a denominator indicator, × 100.

Several units of one place reporting the same indicator in one period: ``sum`` adds them; ``latest``
takes each unit's newest period and adds the units (each unit reports its own part); ``max`` takes
the largest; ``mean`` averages the units within a period, then the periods; ``ratio`` adds each side.
One unit reporting the same indicator twice for one period (on the task and on a sub-task, or on two
tasks carrying the target) counts once: its newest submission, with a note. A cumulative value that
goes down from one period to the next keeps the newest period's value, with a note
(``2026-05 报 12万辆，低于 2026-04 的 13万辆``). docs/metrics.md, "Targets measured from progress
reports", says the same for users.

The rule of each indicator is configuration (:func:`parse_rules`, ``lantian/data/indicator_rules.toml``
and ``<data dir>/indicator_rules.toml``).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from lantian.errors import ConfigError

RULES = ("sum", "latest", "max", "mean", "ratio")
PACES = ("linear", "deadline")  # linear: from the start of the year to the deadline; deadline: all at the end
RULE_LABELS = {"sum": "逐期累加", "latest": "取最新一期", "max": "取最大值", "mean": "取各期平均", "ratio": "比值"}
# comparators whose progress is value / target (more is better); "<=" is met or not
TOWARD = (">=", "~", "increase_by", "decrease_by", "multiply_by")


# ------------------------------------------------------------------ rules (configuration)
@dataclass(frozen=True)
class Rule:
    """How the values of one indicator add up (:data:`RULES`) and the pace expected of it."""

    rule: str = "sum"
    numerator: str | None = None  # ratio: the indicator summed above the line
    denominator: str | None = None  # ratio: the indicator summed below the line
    scale: float = 100.0  # ratio: × 100 gives a percentage
    pace: str = "linear"
    aliases: tuple[str, ...] = ()  # other names a report may give the indicator
    origin: str = "default"  # what chose the rule: ``indicator_rules.toml:12 路检路查``


@dataclass(frozen=True)
class Pattern:
    """A rule for the indicators whose words (label and text) or unit match."""

    words: re.Pattern[str] | None
    unit: re.Pattern[str] | None
    rule: Rule

    def matches(self, words: str, unit: str) -> bool:
        if self.words is None and self.unit is None:
            return False
        return (self.words is None or bool(self.words.search(words))) and (
            self.unit is None or bool(self.unit.fullmatch(unit))
        )


@dataclass(frozen=True)
class RuleBook:
    """The rules by indicator (key or name) and by pattern; what matches first decides."""

    default: Rule = field(default_factory=Rule)
    indicators: Mapping[str, Rule] = field(default_factory=dict)
    patterns: tuple[Pattern, ...] = ()
    files: tuple[str, ...] = ()

    def rule_for(self, indicator: str, label: str = "", unit: str = "", text: str = "") -> Rule:
        """The rule of a target: its indicator key or its label named in ``[indicators]``, else the
        first pattern its words (label and text) or unit match, else the default."""
        for name in (indicator, label):
            if name and name in self.indicators:
                return self.indicators[name]
        words = f"{label or indicator} {text}"
        for p in self.patterns:
            if p.matches(words, unit or ""):
                return p.rule
        return self.default


def parse_rules(text: str, *, name: str, base: RuleBook | None = None) -> RuleBook:
    """Rules from TOML; on top of ``base`` (the user's file over the defaults: its ``[indicators]``
    replace those of the same name, its patterns come first). Every error names file, line, field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"not valid TOML: {exc} (配置格式错误)", file=name,
                          line=int(m.group(1)) if m else None) from None  # fmt: skip
    lines = text.splitlines()
    known = {"default", "pace", "indicators", "patterns"}
    for key in data:
        if key not in known:
            at = _line_of(lines, rf"^\s*{re.escape(key)}\s*=|^\s*\[+\s*{re.escape(key)}")
            message = f"unknown setting {key!r}; use {', '.join(sorted(known))} (未知设置)"
            raise ConfigError(message, file=name, line=at, field=key)
    start = base or RuleBook()
    pace = data.get("pace", start.default.pace)
    _check_choice(pace, PACES, name, _line_of(lines, r"^\s*pace\s*="), "pace")
    default = start.default
    if "default" in data or "pace" in data:
        rule = data.get("default", default.rule)
        _check_choice(rule, RULES[:4], name, _line_of(lines, r"^\s*default\s*="), "default")
        default = Rule(rule=str(rule), pace=str(pace), origin=f"{name} default")
    indicators: dict[str, Rule] = dict(start.indicators)
    table = data.get("indicators", {})
    if not isinstance(table, dict):
        raise ConfigError("[indicators] must be a table (应为表)", file=name,
                          line=_line_of(lines, r"^\s*indicators\s*="), field="indicators")  # fmt: skip
    for key, value in table.items():
        line = _line_of(lines, rf"^\s*(?:\"{re.escape(key)}\"|'{re.escape(key)}'|{re.escape(key)})\s*=")
        if line is None:
            line = _line_of(lines, rf"^\s*\[\s*indicators\.(?:\"{re.escape(key)}\"|{re.escape(key)})\s*\]")
        indicators[key] = _rule(value, name, line, f"indicators.{key}", str(pace))
    patterns = []
    entries = data.get("patterns", [])
    if not isinstance(entries, list):
        raise ConfigError("patterns must be [[patterns]] entries (应为数组表)", file=name,
                          line=_line_of(lines, r"^\s*patterns\s*="), field="patterns")  # fmt: skip
    heads = [i + 1 for i, s in enumerate(lines) if re.match(r"^\s*\[\[\s*patterns\s*\]\]", s)]
    for n, entry in enumerate(entries):
        line = heads[n] if n < len(heads) else None
        where = f"patterns[{n + 1}]"
        if not isinstance(entry, dict):
            raise ConfigError("a pattern must be a table (应为表)", file=name, line=line, field=where)
        extra = set(entry) - {"words", "unit", "rule", "numerator", "denominator", "scale", "pace", "aliases"}
        if extra:
            raise ConfigError(f"unknown field {sorted(extra)[0]!r} (未知字段)", file=name, line=line,
                              field=f"{where}.{sorted(extra)[0]}")  # fmt: skip
        if "words" not in entry and "unit" not in entry:
            raise ConfigError("a pattern needs words or unit (需要 words 或 unit)", file=name, line=line,
                              field=f"{where}.words")  # fmt: skip
        words = _regex(entry.get("words"), name, line, f"{where}.words")
        unit = _regex(entry.get("unit"), name, line, f"{where}.unit")
        rule = _rule({k: v for k, v in entry.items() if k not in ("words", "unit")}, name, line, where, str(pace))
        patterns.append(Pattern(words, unit, rule))
    return RuleBook(default, indicators, (*patterns, *start.patterns), (*start.files, name))


def _line_of(lines: list[str], pattern: str) -> int | None:
    rx = re.compile(pattern)
    return next((i + 1 for i, s in enumerate(lines) if rx.search(s)), None)


def _check_choice(value: Any, choices: tuple[str, ...], name: str, line: int | None, where: str) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(f"{value!r}: use one of {', '.join(choices)} (取值无效)", file=name, line=line, field=where)


def _regex(value: Any, name: str, line: int | None, where: str) -> re.Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError("must be a non-empty text (应为文本)", file=name, line=line, field=where)
    try:
        return re.compile(value)
    except re.error as exc:
        raise ConfigError(f"not a valid pattern: {exc} (正则表达式无效)", file=name, line=line, field=where) from None


def _rule(value: Any, name: str, line: int | None, where: str, pace: str) -> Rule:
    origin = f"{name}:{line} {where}" if line else f"{name} {where}"
    if isinstance(value, str):
        value = {"rule": value}
    if not isinstance(value, dict):
        raise ConfigError("a rule is a name (sum …) or a table (应为规则名或表)", file=name, line=line, field=where)
    extra = set(value) - {"rule", "numerator", "denominator", "scale", "pace", "aliases"}
    if extra:
        raise ConfigError(f"unknown field {sorted(extra)[0]!r} (未知字段)", file=name, line=line,
                          field=f"{where}.{sorted(extra)[0]}")  # fmt: skip
    if "rule" not in value:
        raise ConfigError("the rule is missing (缺少 rule)", file=name, line=line, field=f"{where}.rule")
    _check_choice(value["rule"], RULES, name, line, f"{where}.rule")
    _check_choice(value.get("pace", pace), PACES, name, line, f"{where}.pace")
    numerator, denominator = value.get("numerator"), value.get("denominator")
    if value["rule"] == "ratio":
        for side, named in (("numerator", numerator), ("denominator", denominator)):
            if not isinstance(named, str) or not named.strip():
                word = "分子" if side == "numerator" else "分母"
                raise ConfigError(f"a ratio names its {side} indicator (比值需要{word}指标)", file=name, line=line,
                                  field=f"{where}.{side}")  # fmt: skip
    scale = value.get("scale", 100)
    if isinstance(scale, bool) or not isinstance(scale, int | float) or scale <= 0:
        raise ConfigError(
            f"{scale!r} is not a positive number (应为正数)", file=name, line=line, field=f"{where}.scale"
        )
    aliases = value.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise ConfigError("aliases is a list of names (应为名称列表)", file=name, line=line, field=f"{where}.aliases")
    return Rule(
        str(value["rule"]), numerator, denominator, float(scale), str(value.get("pace", pace)),
        tuple(a.strip() for a in aliases), origin,
    )  # fmt: skip


# ------------------------------------------------------------------ periods
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def period_span(period: str) -> tuple[dt.date, dt.date] | None:
    """First and last day of a report period: 2026-05, 2026-Q2, 2026-H1, 2026-W18, 2026; None if unread."""
    try:
        if m := _MONTH.match(period):
            y, mo = int(m.group(1)), int(m.group(2))
            first = dt.date(y, mo, 1)
            return first, (dt.date(y + (mo == 12), mo % 12 + 1, 1) - dt.timedelta(days=1))
        if m := _QUARTER.match(period):
            y, q = int(m.group(1)), int(m.group(2))
            first = dt.date(y, 3 * q - 2, 1)
            return first, (dt.date(y + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1))
        if m := _HALF.match(period):
            y, h = int(m.group(1)), int(m.group(2))
            return (dt.date(y, 1, 1), dt.date(y, 6, 30)) if h == 1 else (dt.date(y, 7, 1), dt.date(y, 12, 31))
        if m := _WEEK.match(period):
            first = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
            return first, first + dt.timedelta(days=6)
        if m := _YEAR.match(period):
            y = int(m.group(1))
            return dt.date(y, 1, 1), dt.date(y, 12, 31)
    except ValueError:
        return None
    return None


def period_year(period: str) -> int | None:
    """The year a period counts toward (the year of its last day; an ISO week of late December
    belonging to the next ISO year counts toward that one)."""
    span = period_span(period)
    return None if span is None else span[1].year if not _WEEK.match(period) else int(period[:4])


def _order(period: str) -> tuple[dt.date, dt.date]:
    span = period_span(period)
    return (span[1], span[0]) if span else (dt.date.max, dt.date.max)


# ------------------------------------------------------------------ measuring
@dataclass(frozen=True)
class Reading:
    """One indicator value of one accepted progress report."""

    report_id: int
    unit: str  # 报送单位 (the report's department)
    period: str  # 2026-05
    name: str  # the indicator as the report names it
    value: float
    submitted_at: dt.datetime
    plan_key: str = ""
    task_number: str = ""


@dataclass(frozen=True)
class Measured:
    value: float | None  # the value to date (None: nothing reported)
    rule: str
    reports_counted: int  # accepted reports whose values count
    periods: tuple[str, ...] = ()  # the periods counted, oldest first
    latest_period: str | None = None
    notes: tuple[str, ...] = ()  # the disagreements found and how they were settled
    sources: tuple[tuple[str, str], ...] = ()  # (plan, task) of the reports counted


def measure(readings: Iterable[Reading], rule: Rule, names: Collection[str], *, unit: str = "") -> Measured:
    """The value to date of an indicator known by ``names`` from ``readings`` (of one place and year),
    by ``rule``. ``unit`` is written after the numbers of the notes."""
    readings = list(readings)
    wanted = {n.strip() for n in (*names, *rule.aliases) if n and n.strip()}
    if rule.rule == "ratio":
        assert rule.numerator is not None and rule.denominator is not None
        top, notes_top, used_top = _kept([r for r in readings if r.name == rule.numerator], unit)
        bottom, notes_bottom, used_bottom = _kept([r for r in readings if r.name == rule.denominator], unit)
        used = used_top + used_bottom
        below = sum(r.value for r in bottom)
        share = None if not top or not bottom or below == 0 else sum(r.value for r in top) / below * rule.scale
        notes = notes_top + notes_bottom
        if bottom and below == 0:
            notes.append(f"{rule.denominator}合计为0，无法计算比值")
        return _result(share, rule, used, notes)
    kept, notes, used = _kept([r for r in readings if r.name in wanted], unit)
    if not kept:
        return _result(None, rule, used, notes)
    value: float
    if rule.rule == "sum":
        value = sum(r.value for r in kept)
    elif rule.rule == "max":
        value = max(r.value for r in kept)
    elif rule.rule == "mean":
        by_period: dict[str, list[float]] = {}
        for r in kept:
            by_period.setdefault(r.period, []).append(r.value)
        means = [sum(v) / len(v) for v in by_period.values()]
        value = sum(means) / len(means)
    else:  # latest: each unit's newest period, the units added
        by_unit: dict[str, list[Reading]] = {}
        for r in kept:
            by_unit.setdefault(r.unit, []).append(r)
        value = 0.0
        several = len(by_unit) > 1
        counted: list[Reading] = []
        for who, rows in sorted(by_unit.items()):
            rows.sort(key=lambda r: _order(r.period))
            for before, after in pairwise(rows):
                if after.value < before.value:
                    prefix = f"{who} " if several else ""
                    notes.append(f"{prefix}{after.period} 报 {_num(after.value)}{unit}，"
                                 f"低于 {before.period} 的 {_num(before.value)}{unit}")  # fmt: skip
            value += rows[-1].value
            counted.append(rows[-1])
        return _result(value, rule, used, notes, kept, latest_only=counted)
    return _result(value, rule, used, notes, kept)


def _kept(readings: list[Reading], unit: str) -> tuple[list[Reading], list[str], list[Reading]]:
    """One value per unit, period and indicator: the newest submission (ties: the later report)."""
    groups: dict[tuple[str, str, str], list[Reading]] = {}
    unread = sorted({r.period for r in readings if period_span(r.period) is None})
    notes: list[str] = [f"报送期 {p} 无法识别，未计入" for p in unread]
    for r in readings:
        if period_span(r.period) is not None:
            groups.setdefault((r.unit, r.period, r.name), []).append(r)
    kept = []
    for (who, period, name), rows in sorted(groups.items(), key=lambda g: (_order(g[0][1]), g[0])):
        rows.sort(key=lambda r: (r.submitted_at, r.report_id))
        newest = rows[-1]
        kept.append(newest)
        others = {_num(r.value) for r in rows[:-1]} - {_num(newest.value)}
        if others:
            notes.append(f"{who} {period} 重复报送{name}：取最新提交的 {_num(newest.value)}{unit}"
                         f"（另报 {'、'.join(sorted(others))}{unit}）")  # fmt: skip
    kept.sort(key=lambda r: (_order(r.period), r.unit, r.report_id))
    return kept, notes, kept


def _result(value: float | None, rule: Rule, used: list[Reading], notes: list[str],
            kept: list[Reading] | None = None, latest_only: list[Reading] | None = None) -> Measured:  # fmt: skip
    rows = kept if kept is not None else used
    periods = sorted({r.period for r in rows}, key=_order)
    sources = tuple(dict.fromkeys((r.plan_key, r.task_number) for r in rows))
    return Measured(
        value=None if value is None else round(value, 6),
        rule=rule.rule,
        reports_counted=len({r.report_id for r in (latest_only if latest_only is not None else used)}),
        periods=tuple(periods),
        latest_period=periods[-1] if periods else None,
        notes=tuple(notes),
        sources=sources,
    )


# ------------------------------------------------------------------ progress against the pace
@dataclass(frozen=True)
class Progress:
    percent_complete: float | None  # value / target × 100 (targets to reach); None for "<=" targets
    expected_percent: float | None  # the pace on the date (linear from the start to the deadline)
    on_track: bool | None  # on pace (targets to reach) or met ("<=" targets); None: nothing measured
    met: bool | None  # the target reached already


def judge(value: float | None, comparator: str, target: float, *, as_of: dt.date, start: dt.date,
          deadline: dt.date, pace: str = "linear") -> Progress:  # fmt: skip
    """% complete, the expected pace on ``as_of`` and on-track or behind (docs/metrics.md)."""
    if comparator not in TOWARD:  # "<=": a ceiling, met or not
        if value is None:
            return Progress(None, None, None, None)
        return Progress(None, None, value <= target, value <= target)
    expected = expected_percent(as_of, start, deadline, pace)
    if value is None:
        return Progress(None, expected, None, None)
    percent = 100.0 if target <= 0 else round(value / target * 100, 1)
    return Progress(percent, expected, percent >= expected, value >= target)


def expected_percent(as_of: dt.date, start: dt.date, deadline: dt.date, pace: str = "linear") -> float:
    """How much of the target is due by ``as_of``: linear from ``start`` to ``deadline`` (0 before the
    start, 100 from the deadline on), or (``deadline``) nothing until the deadline, all of it then."""
    if as_of >= deadline:
        return 100.0
    if pace == "deadline" or as_of < start:
        return 0.0
    return round((as_of - start).days / max(1, (deadline - start).days) * 100, 1)


def _num(value: float) -> str:
    """A number as people write it: 33, 12.5 (not 33.0)."""
    v = round(value, 6)
    return str(int(v)) if float(v).is_integer() else f"{v:g}"
