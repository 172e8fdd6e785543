"""排名通报 Rankings: an office's places (a province's cities, a city's counties and districts,
townships where the station maps name them) ranked monthly, year to date and by improvement against
the same period last year, ties shared (并列) — the page ``/rankings`` and ``GET /api/v1/rankings``
(the same JSON as ``lantian aq rank --place … --json``). The figures:
:class:`lantian.services.accountability.RankingService`; docs/accountability.md "Rankings".

Whose places: the ``place`` asked for (default the user's own; a county user's, its city's), which
must be the user's own place or one under it; ``level`` picks one tier down (default), ``all`` two
tiers down, or one of the place's places.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from lantian.bootstrap import App
from lantian.domain.targets.registry import place_key
from lantian.domain.tracking import access
from lantian.domain.tracking.model import Actor
from lantian.errors import ForbiddenError, InputError, LantianError
from lantian.services.accountability import KINDS, TIERS, RankTable
from lantian.web import pages
from lantian.web.api import Who
from lantian.web.deps import lantian, status_of

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["accountability"])
Text = Annotated[str, Query(max_length=100)]


class RankRowOut(BaseModel):
    place: str = Field(description="区域 place")
    rank: int | None = Field(description="名次 (1 = best); none: not ranked, see why")
    tied: bool = Field(description="并列: another place shares the rank")
    composite_index: float | None = Field(description="综合指数")
    pm25: float | None = Field(description="PM2.5 µg/m³")
    good_ratio: float | None = Field(description="优良天数比率 %")
    composite_index_last_year: float | None = Field(description="上年同期综合指数")
    change_percent: float | None = Field(description="综合指数同比变化 % (negative: improved)")
    valid_days: int | None = Field(description="有效天数")
    min_days: int = Field(description="the fewest valid days the period needs (HJ 663)")
    why: str | None = Field(description="not ranked: no_data | missing | short | no_last_year | last_year_short")
    why_text: str | None = Field(description="the reason in Chinese")
    short: str | None = Field(description="the pollutant short of valid days (why = short)")
    own: bool = Field(description="the viewer's own place")


class RankingsOut(BaseModel):
    place: str | None = Field(description="whose places are ranked")
    level: str = Field(description="the level picked: '' one tier down, 'all' two tiers down, or a place")
    tier: str = Field(description="city | county | township")
    tier_label: str
    kind: str = Field(description="month | ytd | month_change | ytd_change")
    kind_label: str
    month: str = Field(description="YYYY-MM")
    period: str = Field(description="时段, e.g. 2025年1—2月")
    start: str
    end: str
    ranked: int = Field(description="how many places are ranked")
    note: str | None = Field(description="no_places | no_townships | no_data: why there is nothing to rank")
    rows: list[RankRowOut]


def table_json(table: RankTable, own: str | None = None, level: str = "") -> dict[str, Any]:
    """The ranking as JSON (numbers as floats, as people write them on the page)."""

    def plain(value: Any) -> float | None:
        return None if value is None else float(value)

    return {
        "place": table.under, "level": level, "tier": table.tier, "tier_label": TIERS[table.tier],
        "kind": table.kind, "kind_label": KINDS[table.kind], "month": table.month, "period": table.period.label,
        "start": table.period.start.isoformat(), "end": table.period.end.isoformat(), "ranked": table.ranked,
        "note": table.note,
        "rows": [{
            "place": r.place, "rank": r.rank, "tied": r.tied, "composite_index": plain(r.composite_index),
            "pm25": plain(r.pm25), "good_ratio": plain(r.good_ratio),
            "composite_index_last_year": plain(r.composite_index_last_year),
            "change_percent": plain(r.change_percent), "valid_days": r.valid_days, "min_days": r.min_days,
            "why": r.why, "why_text": r.why_text, "short": r.short,
            "own": own is not None and place_key(r.place) == place_key(own),
        } for r in table.rows],
    }  # fmt: skip


def office_of(app: App, actor: Actor) -> str | None:
    """Whose places a user's rankings show first: the user's place (a county user's, its city's: the
    first place above with places under it); a user of no place, the office's place."""
    place = actor.jurisdiction.strip() or app.office_place
    if place is None:
        return None
    for candidate in [place, *app.warnings.parents(place)]:
        if app.rankings.places(candidate):
            return candidate
    return place


def require_scope(app: App, actor: Actor, place: str) -> None:
    """The user's own place or one under it (a 大气办 asks its counties, never a sibling's)."""
    mine = actor.jurisdiction.strip()
    if access.is_everywhere(actor) or place_key(place) == place_key(mine):
        return
    if access.above(mine, place, app.warnings.parents) or place_key(place) == place_key(office_of(app, actor) or ""):
        return
    raise ForbiddenError(f"{place}不在本辖区内，不能查看其排名（本账号辖区：{mine}）(not a place under yours)",
                         field="place")  # fmt: skip


def rankings_view(app: App, actor: Actor, place: str, kind: str, month: str, level: str) -> dict[str, Any]:
    """Everything the page shows: the table, the pickers, and a city's rank among its province's."""
    chosen = place.strip() or office_of(app, actor)
    if chosen:
        require_scope(app, actor, chosen)
    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r} (未知的排名类型)", field="kind")
    months = app.rankings.months()
    default, complete, data_until = app.rankings.default_month()
    the_month = month.strip() or default
    if the_month is not None and the_month not in {m for m, _ in months}:
        raise InputError(f"no data in {the_month} (该月没有监测数据，请从列表中选择月份)", field="month")
    under, depth = app.rankings.resolve(chosen, level)
    own = actor.jurisdiction.strip() or None
    table = app.rankings.table(under, kind, the_month, depth) if the_month else None
    above = None
    if own and the_month and app.rankings.kind_of(own) == "city":
        found = app.rankings.rank_of(own, app.warnings.parents(own), kind, the_month)
        if found is not None and (under is None or place_key(found[0]) != place_key(under) or depth != 1):
            parent, parent_table = found
            row = parent_table.row(own)
            if row is not None:
                above = {"parent": parent, "place": row.place, "rank": row.rank, "tied": row.tied,
                         "of": parent_table.ranked, "why_text": row.why_text}  # fmt: skip
    incomplete = [m for m, whole in months if not whole]
    return {
        "place": chosen,
        "level": level.strip(),
        "kind": kind,
        "kinds": list(KINDS.items()),
        "month": the_month,
        "months": months,
        "default_month": default,
        "complete": complete,
        "data_until": data_until,
        "incomplete": incomplete,
        "levels": [(value, at, TIERS[tier]) for value, at, tier in app.rankings.choices(chosen)],
        "table": table_json(table, own, level.strip()) if table else None,
        "above": above,
    }


@router.get("/rankings")
def rankings_page(request: Request, place: Text = "", kind: Text = "month", month: Text = "",
                  level: Text = "") -> HTMLResponse:  # fmt: skip
    who = pages.page_reader(request)
    app = lantian(request)
    try:
        data = rankings_view(app, who.actor, place, kind, month, level)
        error = None
    except InputError as exc:  # a bad pick: said beside its picker, the default shown
        error = exc
        data = rankings_view(app, who.actor, place if exc.field != "place" else "", "month", "", "")
    except LantianError as exc:
        return pages.error_page(request, exc, status_of(exc))
    typed = {"kind": kind, "month": month, "level": level}
    return pages.render(request, "rankings.html", 200 if error is None else 422, data=data, error=error, typed=typed)


@api.get("/rankings", summary="排名通报 an office's places ranked: monthly, year to date, by improvement",
         response_model=RankingsOut)  # fmt: skip
def rankings_api(request: Request, who: Who, place: Text = "", kind: Text = "month", month: Text = "",
                 level: Text = "") -> dict[str, Any]:  # fmt: skip
    app = lantian(request)
    data = rankings_view(app, who.actor, place, kind, month, level)
    table: dict[str, Any] | None = data["table"]
    if table is None:  # no hourly data yet: nothing ranked, and said so
        tier = app.rankings.tier_under(data["place"]) if data["place"] else "city"
        return {"place": data["place"], "level": data["level"], "tier": tier, "tier_label": TIERS[tier], "kind": kind,
                "kind_label": KINDS[kind], "month": "", "period": "", "start": "", "end": "", "ranked": 0,
                "note": "no_data", "rows": []}  # fmt: skip
    return table


def public_rankings(app: App, office: str | None) -> dict[str, Any] | None:
    """信息公开: the office's places ranked for the newest complete month and the year to date (a
    province's cities, a city's counties), and a city's own rank among its province's cities; None
    without an office or data."""
    month, complete, data_until = app.rankings.default_month()
    if office is None or month is None:
        return None
    tables = [table_json(app.rankings.table(office, kind, month)) for kind in ("month", "ytd")]
    if month.endswith("-01"):  # January: the year to date is the month
        tables = tables[:1]
    above = None
    if app.rankings.kind_of(office) == "city":
        found = app.rankings.rank_of(office, app.warnings.parents(office), "month", month)
        if found is not None and (row := found[1].row(office)) is not None:
            above = {"parent": found[0], "place": row.place, "rank": row.rank, "tied": row.tied,
                     "of": found[1].ranked, "why_text": row.why_text}  # fmt: skip
    return {"place": office, "month": month, "complete": complete, "data_until": data_until, "tables": tables,
            "above": above}  # fmt: skip
