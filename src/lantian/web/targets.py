"""目标 pages and API: the targets of the user's place and the places below it, by place and indicator,
for a year — value to date, 年剩余日控制值, the probability of meeting each target with its calibration
from the kept backtest, on track or behind — a place's own page with the trend chart of each measured
target, and the 大气办's form to set or edit a target (audited through
:meth:`~lantian.services.targets.TargetService.set`; a user's entry wins over a plan's).

Scope by place (:mod:`lantian.domain.tracking.access`): a place's targets are read by its own users
and by the admins and leaders above it; the admin of the place or of a place above it sets them.
The probability is never shown bare: beside it, what the kept backtest says forecasts in its range
came to (``<data>/calibration.json``, ``lantian targets backtest --save``), or that there is none.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from lantian.bootstrap import App
from lantian.domain.plans.model import COMPARATOR_LABELS
from lantian.domain.targets.registry import COMPARATORS, INDICATORS, TargetEntry, place_key, target_entry
from lantian.domain.tracking import access
from lantian.domain.tracking.model import Actor, UserRole
from lantian.errors import ForbiddenError, InputError
from lantian.reports.bulletin import target_text
from lantian.services.targets import calibration_bin
from lantian.web import forms
from lantian.web.api import Who
from lantian.web.deps import lantian
from lantian.web.pages import back_to, page_reader, page_user, render, templates

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["targets"])
Year = Annotated[int | None, Query(ge=2000, le=2100)]
CUSTOM = "custom"  # the indicator select's choice for a key not in the registry (自定义指标)


UNIT_WORDS = {"t/km²·月": "吨/平方千米·月"}  # a unit as a Chinese page writes it (降尘)


def unit_words(unit: str | None) -> str:
    """``{{ unit|unit_words }}``: the registry's unit as offices write it (t/km²·月 → 吨/平方千米·月)."""
    return UNIT_WORDS.get(unit or "", unit or "")


def target_only(row: dict[str, Any]) -> str:
    """``{{ t|target_only }}``: the binding target as offices write it, without its 力争 value (a
    column of its own on the 目标 pages)."""
    text = target_text({**row, "stretch": None})
    for unit, words in UNIT_WORDS.items():
        text = text.replace(unit, words)
    return text


templates.env.filters.update(target_only=target_only, unit_words=unit_words)


def kept_calibration(request: Request) -> dict[str, Any] | None:
    """``kept_calibration(request)`` for templates: the kept backtest, read once per page."""
    if not hasattr(request.state, "kept_calibration"):
        request.state.kept_calibration = lantian(request).targets.kept_calibration()
    kept: dict[str, Any] | None = request.state.kept_calibration
    return kept


def calibrated(request: Request, row: dict[str, Any]) -> dict[str, Any]:
    """``calibrated(request, t)`` for templates: a status row with the calibration of its probability
    (the /airquality card and the dashboard show it as the 目标 pages do)."""
    kept = kept_calibration(request)
    probability = row.get("probability")
    if probability is None or kept is None or kept.get("stale"):
        return {**row, "calibration": None}
    found = calibration_bin(float(probability), kept["bins"])
    return {**row, "calibration": None if found is None else {**found, "low": found["from"], "high": found["to"]}}


templates.env.globals.update(kept_calibration=kept_calibration, calibrated=calibrated)


# ---------------------------------------------------------------- schemas (shared with the CLI's --json)
class CalibrationBinOut(BaseModel):
    """Forecasts of the backtest whose probability fell in [from, to): how often the target was met."""

    model_config = ConfigDict(populate_by_name=True)
    low: float = Field(alias="from", serialization_alias="from")
    high: float = Field(alias="to", serialization_alias="to")
    forecasts: int
    mean_predicted: float
    observed: float


class CalibrationOut(BaseModel):
    """The kept backtest (达标概率回测): ``stale`` when the air-quality data changed since."""

    computed_at: str
    forecasts: int
    places: list[str]
    years: list[int]
    indicators: list[str] = []
    runs: int
    brier: dict[str, float]
    bins: list[CalibrationBinOut]
    stale: bool


class ReplacedOut(BaseModel):
    """The plan's target a user's entry replaces."""

    value: float
    stretch: float | None
    comparator: str
    unit: str
    source: str


class TargetRowOut(BaseModel):
    """One target of a place and year with its status (``lantian targets status --json`` rows)."""

    model_config = ConfigDict(extra="ignore")
    jurisdiction: str
    indicator: str
    label: str
    label_en: str
    year: int
    comparator: str
    target: float
    stretch: float | None = None
    unit: str
    value_unit: str | None = None
    baseline_year: int | None = None
    source: str
    manual: bool = Field(description="手工登记: entered by a user (it wins over a plan's)")
    area: str | None = None
    as_of: dt.date | None = None
    measured: bool
    value_to_date: float | None = None
    target_value: float | None = None
    gap: float | None = None
    baseline_value: float | None = None
    days_counted: int | None = None
    days_remaining: int | None = None
    required_mean_remaining: float | None = None
    good_days_needed: int | None = None
    affordable_non_good_days: int | None = None
    affordable_heavy_days: int | None = None
    percent_complete: float | None = Field(None, description="完成比例 (targets measured from progress reports)")
    expected_percent: float | None = None
    rule: str | None = None
    # measured from progress reports (TargetService.status, docs/metrics.md)
    measured_from: str = Field("monitoring", description="monitoring | reports")
    met: bool | None = None
    rule_label: str | None = None
    rule_origin: str | None = None
    reports_counted: int | None = None
    periods: list[str] = Field(default_factory=list)
    latest_period: str | None = None
    notes: list[str] = Field(default_factory=list)
    deadline: dt.date | None = None
    pace: str | None = None
    report_sources: list[dict[str, Any]] = Field(default_factory=list)
    on_track: bool | None = None
    probability: float | None = None
    probability_basis: str | None = None
    calibration: CalibrationBinOut | None = Field(
        None, description="the kept backtest's bin this probability falls in (None: no backtest kept, or none there)"
    )
    note: str | None = None
    target_note: str | None = None
    replaces: ReplacedOut | None = None
    series: list[tuple[str, float | None]] | None = None


class TargetsOut(BaseModel):
    year: int
    years: list[int]
    places: list[str]
    rows: list[TargetRowOut]
    calibration: CalibrationOut | None


class TargetIn(BaseModel):
    jurisdiction: str = Field(min_length=1, max_length=100, description="辖区")
    indicator: str = Field(min_length=1, max_length=120, description="指标 (registry key or a custom key)")
    year: int = Field(ge=2000, le=2100)
    value: float = Field(ge=0)
    stretch: float | None = Field(None, ge=0, description="力争值")
    comparator: str | None = Field(None, description="<= | >= | decrease_by | increase_by (default: the indicator's)")
    unit: str | None = Field(None, max_length=30)
    baseline_year: int | None = Field(None, ge=1990, le=2100)
    note: str | None = Field(None, max_length=500)


class TargetSetOut(BaseModel):
    changed: bool = Field(description="False: the place already had this very target")
    jurisdiction: str
    indicator: str
    year: int
    comparator: str
    value: float
    stretch: float | None
    unit: str
    baseline_year: int | None
    note: str | None


# ---------------------------------------------------------------- the rows
def calibration_out(kept: dict[str, Any] | None) -> CalibrationOut | None:
    return None if kept is None else CalibrationOut.model_validate(kept)


def row_out(row: dict[str, Any], kept: dict[str, Any] | None, replaced: dict[tuple[str, str, int], TargetEntry],
            *, series: bool = False) -> TargetRowOut:  # fmt: skip
    """A status row (:meth:`TargetService.status` / ``trend``) with the calibration of its probability
    (from a kept backtest that is not out of date) and the plan's target it replaces, if any."""
    data = {k: v for k, v in row.items() if series or k != "series"}
    data["manual"] = row.get("source") == "user"
    probability = row.get("probability")
    if probability is not None and kept is not None and not kept.get("stale"):
        data["calibration"] = calibration_bin(float(probability), kept["bins"])
    plan = replaced.get((place_key(str(row["jurisdiction"])), str(row["indicator"]), int(row["year"])))
    if plan is not None and data["manual"]:
        data["replaces"] = {"value": plan.value, "stretch": plan.stretch_value, "comparator": plan.comparator,
                            "unit": plan.unit, "source": plan.source}  # fmt: skip
    return TargetRowOut.model_validate(data)


def replaced_targets(app: App, year: int | None = None) -> dict[tuple[str, str, int], TargetEntry]:
    return {(place_key(e.jurisdiction), e.indicator, e.year): e for e in app.targets.superseded(year=year)}


def own_place(app: App, actor: Actor) -> str:
    """The user's place; for an account of every place, the office's (``app.office_place``)."""
    return actor.jurisdiction.strip() or (app.office_place or "")


def visible_places(app: App, actor: Actor) -> list[str]:
    """The places whose targets ``actor`` reads: its own first, then those below it with targets."""
    lineage = app.workflow.ancestors
    mine = own_place(app, actor)
    out: dict[str, str] = {place_key(mine): mine} if mine else {}
    for place in app.targets.places():
        if place_key(place) not in out and access.sees_targets(actor, place, lineage):
            out[place_key(place)] = place
    first = list(out.values())[:1] if mine else []
    return first + sorted(p for p in out.values() if p not in first)


def settable_places(app: App, actor: Actor) -> list[str]:
    """The places whose targets ``actor`` may set: its own and the places below it lantian knows."""
    if actor.role is not UserRole.ADMIN:
        return []
    lineage = app.workflow.ancestors
    provinces = app.airquality.province_map()
    known = [own_place(app, actor), *app.targets.places(), *provinces, *provinces.values(),
             *app.airquality.county_map().values()]  # fmt: skip
    out: dict[str, str] = {}
    for place in known:
        place = place.strip()
        if place and place_key(place) not in out:
            try:
                access.require_target_admin(actor, place, lineage)
            except ForbiddenError:
                continue
            out[place_key(place)] = place
    mine = out.pop(place_key(own_place(app, actor)), None)
    return ([mine] if mine else []) + sorted(out.values())


def targets_data(app: App, actor: Actor, places: list[str], year: int, indicator: str = "",
                 *, series: bool = False) -> TargetsOut:  # fmt: skip
    """The targets of ``places`` (already checked against the user's scope) in ``year``."""
    kept = app.targets.kept_calibration()
    replaced = replaced_targets(app, year)
    rows: list[TargetRowOut] = []
    for place in places:
        trend = app.overview.trend(place, year)
        rows += [row_out(r, kept, replaced, series=series) for r in trend["rows"]
                 if not indicator or r["indicator"] == indicator]  # fmt: skip
    years = {e.year for p in visible_places(app, actor) for e in app.targets.targets(p)}
    this_year = app.workflow.today().year
    return TargetsOut(year=year, years=sorted(years | {this_year, year}, reverse=True), places=places, rows=rows,
                      calibration=calibration_out(kept))  # fmt: skip


def chosen_places(app: App, actor: Actor, place: str) -> list[str]:
    """The places a list shows: one asked for (checked) or every place the user reads."""
    if place:
        access.require_targets(actor, place, app.workflow.ancestors)
        return [place]
    return visible_places(app, actor)


# ---------------------------------------------------------------- pages
def _form_values(app: App, actor: Actor, edit_place: str, edit_indicator: str, edit_year: int | None) -> dict[str, Any]:
    """The form's starting values: empty for a new target, or the target in force to edit."""
    values: dict[str, Any] = {"jurisdiction": own_place(app, actor), "indicator": "pm25",
                              "year": app.workflow.today().year}  # fmt: skip
    if edit_place and edit_indicator and edit_year:
        for e in app.targets.targets(edit_place, edit_year):
            if e.indicator == edit_indicator:
                custom = e.indicator not in INDICATORS
                values = {"jurisdiction": e.jurisdiction, "indicator": CUSTOM if custom else e.indicator,
                          "custom_key": e.indicator if custom else "", "comparator": e.comparator, "unit": e.unit,
                          "year": e.year, "value": e.value, "stretch": e.stretch_value,
                          "baseline_year": e.baseline_year, "note": e.note or ""}  # fmt: skip
    return values


@router.get("/targets")
def targets_page(
    request: Request,
    place: str = "",
    indicator: str = "",
    year: Year = None,
    saved: str = "",
    edit_place: str = "",
    edit_indicator: str = "",
    edit_year: Year = None,
) -> HTMLResponse:
    who = page_reader(request)
    app = lantian(request)
    actor = who.actor
    if request.method == "POST":  # a refused form: the list it was posted from
        place = forms.referer_query(request, "place")
        indicator = forms.referer_query(request, "indicator")
        year = int(forms.referer_query(request, "year") or 0) or None
    shown = year or app.workflow.today().year
    data = targets_data(app, actor, chosen_places(app, actor, place), shown, indicator)
    every = targets_data(app, actor, chosen_places(app, actor, place), shown) if indicator else data
    indicators = sorted({(r.indicator, r.label_en if who.lang == "en" else r.label) for r in every.rows})
    return render(
        request,
        "targets.html",
        data=data.model_dump(),
        place=place,
        indicator=indicator,
        places=visible_places(app, actor),
        indicators=indicators,
        settable=settable_places(app, actor),
        registry=list(INDICATORS.values()),
        comparators=COMPARATORS,
        comparator_labels=COMPARATOR_LABELS,
        values=_form_values(app, actor, edit_place, edit_indicator, edit_year),
        saved=saved,
        custom=CUSTOM,
    )


@router.get("/targets/{place}")
def target_place(request: Request, place: str, year: Year = None) -> HTMLResponse:
    who = page_reader(request)
    app = lantian(request)
    access.require_targets(who.actor, place, app.workflow.ancestors)
    shown = year or app.workflow.today().year
    data = targets_data(app, who.actor, [place], shown, series=True)
    trend = app.overview.trend(place, shown)
    return render(request, "target_place.html", data=data.model_dump(), place=place, as_of=trend.get("as_of"),
                  settable=settable_places(app, who.actor))  # fmt: skip


def _number(text: str, field: str, label: str, *, required: bool = False) -> float | None:
    text = text.strip()
    if not text:
        if required:
            raise InputError(f"{field} is required (请填写{label})", field=field)
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{field} must be a number (请填写数字，如 35 或 82.5)", field=field) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InputError(f"{field} must be a number (请填写数字，如 35 或 82.5)", field=field)
    return value


def _year(text: str, field: str, *, required: bool = False) -> int | None:
    value = _number(text, field, "年份", required=required)
    if value is None:
        return None
    if value != int(value) or not 2000 <= value <= 2100:
        raise InputError(f"{field}: a year from 2000 to 2100 (年份应为2000至2100之间的整数)", field=field)
    return int(value)


def entry_from(jurisdiction: str, indicator: str, custom_key: str, comparator: str, unit: str, year: str,
               value: str, stretch: str, baseline_year: str, note: str) -> TargetEntry:  # fmt: skip
    """The form's fields as a checked target: each error names the field it stands beside."""
    if not jurisdiction.strip():
        raise InputError("choose a place (请选择辖区)", field="jurisdiction")
    custom = indicator == CUSTOM
    key = custom_key.strip() if custom else indicator
    if custom and not key:
        raise InputError(
            "a custom indicator needs a name (请填写自定义指标名称，如 新能源汽车推广应用)", field="custom_key"
        )
    if not custom and key not in INDICATORS:
        raise InputError("choose an indicator (请选择指标)", field="indicator")
    chosen_comparator = comparator.strip() or None
    if chosen_comparator is not None and chosen_comparator not in COMPARATORS:
        raise InputError("choose a comparator (请选择比较方式)", field="comparator")
    if custom and chosen_comparator is None:
        raise InputError("a custom indicator needs a comparator (自定义指标须选择比较方式)", field="comparator")
    if custom and not unit.strip():
        raise InputError("a custom indicator needs a unit (自定义指标须填写单位，如 万辆)", field="unit")
    entry_year = _year(year, "year", required=True)
    entry_value = _number(value, "value", "目标值", required=True)
    assert entry_year is not None and entry_value is not None
    try:
        return target_entry(
            jurisdiction, key, entry_year, entry_value, stretch=_number(stretch, "stretch", "力争值"),
            comparator=chosen_comparator, unit=unit.strip() if custom or unit.strip() else None,
            baseline_year=_year(baseline_year, "baseline_year"), note=note.strip() or None,
        )  # fmt: skip
    except InputError as exc:
        if custom and exc.field == "indicator":  # the key typed beside 自定义
            raise InputError(
                "a Chinese name without spaces, or a key of lower-case letters, digits and _ "
                "(名称须为不含空格的中文，或由小写字母、数字和下划线组成)",
                field="custom_key",
            ) from None
        raise


@router.post("/targets")
@forms.redisplays(targets_page)
async def set_target(
    request: Request,
    jurisdiction: Annotated[str, Form(max_length=100)] = "",
    indicator: Annotated[str, Form(max_length=120)] = "",
    custom_key: Annotated[str, Form(max_length=120)] = "",
    comparator: Annotated[str, Form(max_length=20)] = "",
    unit: Annotated[str, Form(max_length=30)] = "",
    year: Annotated[str, Form(max_length=10)] = "",
    value: Annotated[str, Form(max_length=30)] = "",
    stretch: Annotated[str, Form(max_length=30)] = "",
    baseline_year: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    who = await page_user(request)
    app = lantian(request)
    access.require_target_admin(who.actor, jurisdiction.strip(), app.workflow.ancestors)
    entry = entry_from(jurisdiction, indicator, custom_key, comparator, unit, year, value, stretch, baseline_year,
                       note)  # fmt: skip
    changed = app.targets.set(entry, who.actor)
    query = urlencode({"place": entry.jurisdiction, "year": entry.year, "saved": "1" if changed else "same"})
    return back_to(f"/targets?{query}")


# ---------------------------------------------------------------- API
@api.get("/targets", summary="目标 the targets of the user's place and the places below it", response_model=TargetsOut)
def targets_api(request: Request, who: Who, place: str = "", indicator: str = "", year: Year = None) -> TargetsOut:
    app = lantian(request)
    shown = year or app.workflow.today().year
    return targets_data(app, who.actor, chosen_places(app, who.actor, place), shown, indicator)


@api.get("/targets/{place}", summary="一地目标 a place's targets of a year, with curves", response_model=TargetsOut)
def place_targets_api(request: Request, who: Who, place: str, year: Year = None) -> TargetsOut:
    app = lantian(request)
    access.require_targets(who.actor, place, app.workflow.ancestors)
    return targets_data(app, who.actor, [place], year or app.workflow.today().year, series=True)


@api.post("/targets", summary="登记目标 set or edit a target (大气办 of the place or above; audited)",
          response_model=TargetSetOut)  # fmt: skip
def set_target_api(request: Request, who: Who, body: TargetIn) -> TargetSetOut:
    app = lantian(request)
    access.require_target_admin(who.actor, body.jurisdiction.strip(), app.workflow.ancestors)
    entry = target_entry(body.jurisdiction, body.indicator, body.year, body.value, stretch=body.stretch,
                         comparator=body.comparator, unit=body.unit, baseline_year=body.baseline_year,
                         note=body.note)  # fmt: skip
    changed = app.targets.set(entry, who.actor)
    return TargetSetOut(changed=changed, jurisdiction=entry.jurisdiction, indicator=entry.indicator, year=entry.year,
                        comparator=entry.comparator, value=entry.value, stretch=entry.stretch_value, unit=entry.unit,
                        baseline_year=entry.baseline_year, note=entry.note)  # fmt: skip
