"""Flags and the actions taken on them (问责措施): the flags of a period over an office's places,
each with its evidence, its required action, the actions recorded and whether it is still open; and
recording an action (通报 issued, 约谈 held with its minutes, 挂牌督办, 区域限批 and its lifting),
audited, with its files kept as evidence (under their SHA-256, as every evidence file is).

Who: the 大气办 (admin) of a place records actions on the flags of its own place and the places
under it; leaders and department users of those places read them (:func:`sees`). The open/closed
rules are pure (:mod:`lantian.domain.targets.actions`). docs/accountability.md, "Flags and actions".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lantian.domain.aq.periods import Period, parse_period
from lantian.domain.targets.accountability import Ranking, Rules, escalations, streak_flags
from lantian.domain.targets.actions import (
    LIFTED,
    RESTRICTION,
    STATE_LABELS,
    Action,
    FlagKey,
    FlagState,
    action_kinds,
    flag_states,
    open_count,
)
from lantian.domain.targets.registry import place_key
from lantian.domain.tracking import access
from lantian.domain.tracking.model import Actor, UserRole
from lantian.errors import ForbiddenError, InputError, NotFoundError
from lantian.services.accountability import AccountabilityService, RankingService, data_signature
from lantian.services.audit import AuditTrail
from lantian.services.clock import Clock, beijing, utc_now
from lantian.services.tracking import Upload, WorkflowService
from lantian.storage.actions import OWNER, ActionRepository
from lantian.storage.store import Store

MAX_TEXT = 20000


@dataclass(frozen=True)
class FlagsView:
    """The flags of ``first`` … ``last`` over ``places`` (the office's), with the ranks behind them."""

    office: str | None
    first: str
    last: str
    ranking: str  # composite | pm25 | good_ratio | change
    months: list[str]
    places: list[str]  # the places ranked
    under: list[str]  # the office's places (ranked or not); [] when no office: every place stored
    ranks: dict[str, dict[str, int | None]]  # period → place → rank
    states: list[FlagState]
    kinds: tuple[str, ...]  # what an action may be

    @property
    def open(self) -> int:
        """未处理: the open flags listed (a restriction in force included)."""
        return open_count(self.states)

    @property
    def closed(self) -> int:
        return len(self.states) - self.open

    def ladder(self, place: str) -> list[FlagState]:
        """The escalation ladder of one place (its ladder steps, by period)."""
        return [s for s in self.states if s.source == "ladder" and place_key(s.key.place) == place_key(place)]


def sees(actor: Actor, place: str, ancestors: access.Ancestors) -> bool:
    """The flags and actions of a place are read by every account of that place or of a place above
    it (its 大气办, its leaders, its departments); never by a sibling's or a child's."""
    if access.is_everywhere(actor):
        return True
    mine = actor.jurisdiction
    return place_key(place) == place_key(mine) or access.above(mine, place, ancestors)


def require_recorder(actor: Actor, place: str, ancestors: access.Ancestors) -> None:
    """Only a 大气办 records an action, on a flag of its own place or of a place under it."""
    if actor.role is not UserRole.ADMIN:
        raise ForbiddenError("only the 大气办 records accountability actions (仅大气办管理员可登记问责措施)")
    if not sees(actor, place, ancestors):
        raise ForbiddenError(
            f"{place}非本辖区或下级辖区（本账号辖区：{actor.jurisdiction}）(not a place under your jurisdiction)",
            field="place",
        )


def default_window(last_day: dt.date) -> tuple[str, str]:
    """The 12 months to the newest complete month of data ending ``last_day``."""
    following = last_day + dt.timedelta(days=1)
    end = last_day if following.month != last_day.month else last_day.replace(day=1) - dt.timedelta(days=1)
    start_year, start_month = (end.year, end.month - 11) if end.month == 12 else (end.year - 1, end.month + 1)
    return f"{start_year}-{start_month:02d}", f"{end:%Y-%m}"


def _month(text: str, field: str) -> str:
    try:
        period: Period = parse_period(text.strip())
    except (InputError, ValueError):
        raise InputError(f"{text!r} is not a month YYYY-MM (月份格式应为 2025-01)", field=field) from None
    if len(text.strip()) != 7:
        raise InputError(f"{text!r} is not a month YYYY-MM (月份格式应为 2025-01)", field=field)
    return f"{period.start:%Y-%m}"


def _months(first: str, last: str) -> list[str]:
    """YYYY-MM from ``first`` to ``last``; at most 120."""
    (y, m), (y2, m2) = (int(first[:4]), int(first[5:])), (int(last[:4]), int(last[5:]))
    if (y, m) > (y2, m2):
        raise InputError(f"{first} is after {last} (起止月份颠倒)", field="from")
    out = []
    while (y, m) <= (y2, m2):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    if len(out) > 120:
        raise InputError("at most 120 months at a time (一次最多120个月)", field="to")
    return out


def _text(value: str, field: str, label: str, *, required: bool, limit: int = 500) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InputError(f"{field} is required (请填写{label})", field=field)
    if len(value) > limit:
        raise InputError(f"{field}: at most {limit} characters ({label}不超过{limit}字)", field=field)
    return value


@dataclass
class ActionService:
    store: Store
    audit: AuditTrail
    accountability: AccountabilityService
    workflow: WorkflowService
    clock: Clock = utc_now
    rankings: RankingService | None = None  # the rankings pages' kept tables: one ranking for pages and flags
    _kept: dict[tuple[Any, ...], list[tuple[str, Ranking]]] = field(default_factory=dict, repr=False)

    @property
    def ancestors(self) -> access.Ancestors:
        return self.workflow.ancestors

    def office(self, actor: Actor, fallback: str | None) -> str | None:
        """Whose places the flags run over: the user's place, else the platform's office place."""
        return actor.jurisdiction.strip() or fallback

    def window(self) -> tuple[str, str]:
        span = self.accountability.airquality.assessment().span()
        if span is None:
            raise NotFoundError("no air-quality data yet (尚无空气质量数据，请先导入监测数据)", field="from")
        return default_window(span[1])

    # ---------------------------------------------------------------- the flags of a period
    def flags(self, actor: Actor, rules: Rules, *, office: str | None, first: str | None = None,
              last: str | None = None, place: str | None = None) -> FlagsView:  # fmt: skip
        """The flags of ``first`` … ``last`` (default: :meth:`window`) over the office's places, each
        with its actions and state; ``place``: only that place's."""
        if first is None or last is None:
            default_first, default_last = self.window()
            first, last = first or default_first, last or default_last
        first, last = _month(first, "from"), _month(last, "to")
        if office and not sees(actor, office, self.ancestors):
            raise ForbiddenError(f"{office}非本辖区 (not your jurisdiction)", field="place")
        places = self.accountability.places(office)
        series = self._series(places, first, last, rules.ranking, office=office)
        flags = [f for rule in rules.streaks for f in streak_flags(series, rule)]
        ladder = [e for lad in rules.ladders for e in escalations(series, lad)]
        ranks = {label: dict(r) for label, r in series}
        flagged = sorted({f.place for f in flags} | {e.place for e in ladder})
        actions = self.actions(actor, places=flagged) if flagged else []
        states = flag_states(flags, ladder, actions, ladders=rules.ladders, rankings=ranks)
        states = [s for s in states if sees(actor, s.key.place, self.ancestors)]
        if place:
            states = [s for s in states if place_key(s.key.place) == place_key(place)]
        ranked = sorted({p for _, r in series for p, v in r.items() if v is not None})
        months = [label for label, _ in series]
        return FlagsView(office, first, last, rules.ranking, months, ranked, places or [], ranks, states,
                         action_kinds(rules))  # fmt: skip

    def _series(
        self, places: list[str] | None, first: str, last: str, ranking: str, *, office: str | None = None
    ) -> list[tuple[str, Ranking]]:
        """The rankings of every month ``first`` … ``last``, keyed YYYY-MM (the period an action
        names). Months outside the data are empty (not ranked) without asking the engine; the
        rankings are kept until the air-quality data changes (a page and its form reuse them)."""
        months = _months(first, last)
        aq = self.accountability.airquality
        # a day imported or replaced, or an area or county map corrected: rank again
        key = (tuple(places or ()), places is None, office, first, last, ranking, data_signature(aq))
        kept = self._kept.get(key)
        if kept is not None:
            return kept
        span = aq.assessment().span()
        ranks: dict[str, Ranking] = {}
        inside = [m for m in months if span is not None and f"{span[0]:%Y-%m}" <= m <= f"{span[1]:%Y-%m}"]
        if inside and self.rankings is not None and office is not None:  # the rankings page's own ranks
            on_record = {f"{y}-{m:02d}" for y, m in aq.months_on_record()}
            kind = "month_change" if ranking == "change" else "month"
            for label in inside:
                if label in on_record:
                    ranks[label] = self.rankings.table(office, kind, label).ranks(ranking)
        elif inside:
            level = self.accountability.level_of(places)
            monthly = self.accountability.monthly(inside[0], inside[-1], level=level, ranking=ranking, places=places)
            for m, (_, r) in zip(monthly.months, monthly.series(), strict=True):
                ranks[f"{m.start:%Y-%m}"] = r
        series = [(m, ranks.get(m, {})) for m in months]
        if len(self._kept) > 32:
            self._kept.clear()
        self._kept[key] = series
        return series

    # ---------------------------------------------------------------- actions
    def actions(self, actor: Actor, *, places: Sequence[str] | None = None) -> list[Action]:
        """The actions the actor may read (of ``places``: those names and their other spellings)."""
        names = None
        if places is not None:
            names = sorted({n for p in places for n in (p, place_key(p), f"{place_key(p)}市")})
        with self.store.reading() as repo:
            found = ActionRepository(repo.session).all(names)
        return [a for a in found if sees(actor, a.place, self.ancestors)]

    def action(self, actor: Actor, action_id: int) -> Action:
        with self.store.reading() as repo:
            found = ActionRepository(repo.session).get(action_id)
        if not sees(actor, found.place, self.ancestors):
            raise ForbiddenError(f"{found.place}非本辖区或下级辖区 (this action is not of your jurisdiction)")
        return found

    def file(self, actor: Actor, action_id: int, evidence_id: int) -> tuple[str, str, Path]:
        """(file name, content type, path) of one of an action's files the actor may read."""
        found = self.action(actor, action_id)
        item = next((e for e in found.evidence if e.id == evidence_id), None)
        if item is None:
            raise NotFoundError(f"no file {evidence_id} of action {action_id} (没有该材料)", field="evidence")
        path = self.workflow.blob_path(item.sha256)
        if not path.is_file():
            raise NotFoundError(f"the file of {item.filename} is missing (材料文件缺失)", field="evidence")
        return item.filename, item.content_type, path

    def record(self, actor: Actor, rules: Rules, *, office: str | None, place: str, kind: str, on: str | dt.date,
               unit: str, document: str, minutes: str = "", rule: str | None = None, period: str | None = None,
               first: str | None = None, last: str | None = None, files: Sequence[Upload] = ()) -> Action:  # fmt: skip
        """Record an action on a flag of ``place``: the flag named by ``rule`` and ``period`` (the
        period it was reached), or, when they are not given, the newest open flag of the place that
        requires ``kind`` (区域限批解除: that lifts a restriction). The flags are those of
        ``first`` … ``last`` (default: :meth:`window`). Audited; the files kept as evidence."""
        place = _text(place, "place", "被问责地区", required=True, limit=200)
        require_recorder(actor, place, self.ancestors)
        kinds = action_kinds(rules)
        kind = (kind or "").strip()
        if kind not in kinds:
            raise InputError(f"unknown kind {kind!r}; use {' | '.join(kinds)} (请选择问责措施)", field="kind")
        day = self._day(on)
        unit = _text(unit, "unit", "实施单位", required=True, limit=200)
        document = _text(document, "document", "文号或标题", required=kind != "警示", limit=500)
        minutes = _text(minutes, "minutes", "纪要或说明", required=False, limit=MAX_TEXT)
        if kind == "约谈" and not minutes:
            raise InputError("a 约谈 is recorded with its minutes (约谈须填写约谈纪要)", field="minutes")
        checked = self.workflow.check_files(files)
        view = self.flags(actor, rules, office=office, first=first, last=last, place=place)
        state = self._flag(view, place, kind, rule, period)
        action = Action(0, state.key, kind, day, unit, actor.username, document, minutes, self.clock())
        with self.audit.changing(actor) as (repo, note):
            actions = ActionRepository(repo.session)
            action_id = actions.add(action)
            self.workflow.keep_files(actions.tracking, actor, OWNER, action_id, checked, files)
            stored = actions.get(action_id)
            note("action.record", "action", action_id, None, action_dict(stored), places=[stored.place])
        return stored

    def _day(self, on: str | dt.date) -> dt.date:
        if isinstance(on, dt.date):
            day = on
        else:
            try:
                day = dt.date.fromisoformat((on or "").strip())
            except ValueError:
                raise InputError(f"{on!r} is not a date YYYY-MM-DD (日期格式应为 2025-03-10)", field="on") from None
        if day > beijing(self.clock()).date():
            raise InputError(f"{day} is in the future: record what was done (日期不能晚于今天)", field="on")
        return day

    def _flag(self, view: FlagsView, place: str, kind: str, rule: str | None, period: str | None) -> FlagState:
        mine = [s for s in view.states if place_key(s.key.place) == place_key(place)]
        if rule or period:
            if not (rule and period):
                field = "rule" if not rule else "period"
                raise InputError("name the flag by its rule and period (请同时指明预警规则和月份)", field=field)
            wanted = FlagKey(rule.strip(), place, _month(period, "period"))
            found = next((s for s in mine if s.key.same(wanted)), None)
            if found is None:
                raise NotFoundError(
                    f"{place} has no flag {rule} reached in {period} between {view.first} and {view.last} "
                    f"({place}在{view.first}至{view.last}没有{period}的“{rule}”预警)",
                    field="period",
                )
            return found
        needs = RESTRICTION if kind == LIFTED else kind
        candidates = [s for s in mine if s.open and s.required == needs]
        if not candidates:
            listed = "、".join(f"{s.key.period} {s.required}" for s in mine if s.open) or "无"
            raise NotFoundError(
                f"{place} has no open flag requiring {needs} between {view.first} and {view.last} "
                f"({place}在{view.first}至{view.last}没有待{needs}的预警；未处理：{listed})",
                field="kind",
            )
        return candidates[-1]


def action_dict(a: Action) -> dict[str, Any]:
    """An action as the audit log and ``--json`` keep it."""
    d = asdict(a)
    d.pop("evidence", None)
    d.pop("flag", None)
    d["rule"], d["period"] = a.flag.rule, a.flag.period
    d["evidence"] = [e.filename for e in a.evidence]
    d["on"] = a.on.isoformat()
    d["created_at"] = a.created_at.isoformat()
    d["jurisdiction"] = a.place
    return d


def state_label(state: FlagState) -> str:
    return STATE_LABELS[state.state]
