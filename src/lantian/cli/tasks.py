"""``lantian tasks …`` and ``lantian targets …``: filtered task lists and their exports (任务清单)."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from lantian.cli.common import (
    DatabaseUrl,
    DataDir,
    JsonFlag,
    emit_table,
    open_app,
    out,
    parse_date,
    print_json,
    progress,
    remark,
    to_terminal,
)
from lantian.domain.aq.periods import parse_period
from lantian.domain.plans.model import ROLE_LABELS, STATUS_LABELS, PlanTask, Role, TaskStatus
from lantian.errors import InputError, NotFoundError
from lantian.reports import tasks_export as export

if TYPE_CHECKING:  # the services, the bulletin and the heavier domain modules are imported on use
    from lantian.domain.plans.records import TaskFilter

app = typer.Typer(help="任务：筛选、导出任务清单、责任矩阵、时限日历 Tasks: filter and export.")
targets_app = typer.Typer(help="目标：计划中的量化目标 Targets extracted from plans.")

PlanOpt = Annotated[str | None, typer.Option("--plan", help="计划键 plan key")]
DeptOpt = Annotated[str | None, typer.Option("--department", help="部门（原文或规范名，如 发改委） department")]
RoleOpt = Annotated[str | None, typer.Option("--role", help="角色 lead(牵头)|cooperating(配合)|responsible(负责)")]
StatusOpt = Annotated[
    str | None,
    typer.Option("--status", help="状态 not_started(未启动)|in_progress(推进中)|completed(已完成)|delayed(滞后)"),
]
DueAfter = Annotated[str | None, typer.Option("--due-after", help="完成时限不早于 last deadline on/after YYYY-MM-DD")]
DueBefore = Annotated[
    str | None, typer.Option("--due-before", help="完成时限不晚于 last deadline on/before YYYY-MM-DD")
]
Overdue = Annotated[bool, typer.Option("--overdue", help="只看逾期 only tasks overdue as of --as-of")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="截至日期 as-of date YYYY-MM-DD (default today)")]
TextOpt = Annotated[str | None, typer.Option("--text", help="任务内容包含 text contains")]
FormatOpt = Annotated[
    str | None,
    typer.Option("--format", help="table|json|csv|xlsx (default: from --output, else table on a terminal, CSV piped)"),
]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 output file (.xlsx/.csv/.json)")]
ExplicitOnly = Annotated[
    bool, typer.Option("--explicit-only", help="不计隐含单位 ignore implicit (不再列出) departments")
]


E = TypeVar("E", Role, TaskStatus)
_LABELS: dict[str, Role | TaskStatus] = {
    **{v: k for k, v in ROLE_LABELS.items()},
    **{v: k for k, v in STATUS_LABELS.items()},
}


def _choice(value: str | None, enum: type[E], field: str) -> E | None:
    """An enum value from its English value or its Chinese label (牵头, 已完成 …)."""
    if value is None:
        return None
    for member in enum:
        if value == member.value or _LABELS.get(value) is member:
            return member
    allowed = ", ".join(e.value for e in enum)
    raise InputError(f"unknown value {value!r}; use one of {allowed} (取值无效)", field=field)


def _filter(
    plan: str | None,
    department: str | None,
    role: str | None,
    status: str | None,
    due_after: str | None,
    due_before: str | None,
    overdue: bool,
    as_of: dt.date,
    text: str | None,
    explicit_only: bool,
) -> TaskFilter:
    from lantian.domain.plans.records import TaskFilter

    return TaskFilter(
        plan=plan,
        department=department,
        role=_choice(role, Role, "role"),
        status=_choice(status, TaskStatus, "status"),
        deadline_after=parse_date(due_after, "due-after"),
        deadline_before=parse_date(due_before, "due-before"),
        overdue_as_of=as_of if overdue else None,
        text=text,
        include_implicit=not explicit_only,
    )


def _write(data: export.TableData, fmt: str | None, output: Path | None, json_rows: object | None = None) -> None:
    if output or (fmt and fmt != "table"):
        chosen = export.format_for(output, fmt)
    else:
        chosen = "table" if fmt == "table" or to_terminal() else "csv"  # piped: CSV, the rows as they are
    if chosen == "table":
        table = Table(*data.columns, title=data.title)
        for row in data.rows:
            table.add_row(*("" if v is None else escape(str(v)) for v in row))  # long texts fold in their cell
        emit_table(table, json_hint="--format json", csv_when_piped=False)  # piped only when asked for
        remark(f"{len(data.rows)} 行 rows")
        return
    if output is None:
        if chosen == "xlsx":
            raise InputError("xlsx needs --output FILE (xlsx 需指定输出文件)", field="output")
        if chosen == "json" and json_rows is not None:
            print_json(json_rows)
        else:
            export.write_table(data, sys.stdout, chosen)
        return
    if chosen == "json" and json_rows is not None:
        export.write_json(json_rows, output)
    else:
        export.write_table(data, output, chosen)
    out.print(f"已写入 written: {output} ({len(data.rows)} 行 rows)", highlight=False)


def _tasks(
    plan: str | None,
    department: str | None,
    role: str | None,
    status: str | None,
    due_after: str | None,
    due_before: str | None,
    overdue: bool,
    as_of: str | None,
    text: str | None,
    explicit_only: bool,
    data_dir: Path | None,
    database_url: str | None,
) -> tuple[list[PlanTask], dt.date]:
    day = parse_date(as_of, "as-of") or dt.date.today()
    flt = _filter(plan, department, role, status, due_after, due_before, overdue, day, text, explicit_only)
    with open_app(data_dir, database_url) as lantian:
        return lantian.plans.list_tasks(flt), day


@app.command("list")
def list_cmd(
    plan: PlanOpt = None,
    department: DeptOpt = None,
    role: RoleOpt = None,
    status: StatusOpt = None,
    due_after: DueAfter = None,
    due_before: DueBefore = None,
    overdue: Overdue = False,
    as_of: AsOf = None,
    text: TextOpt = None,
    explicit_only: ExplicitOnly = False,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """任务清单（序号、重点工作任务、具体内容、牵头/配合/责任单位、完成时限、目标值） The office task table."""
    tasks, _ = _tasks(
        plan,
        department,
        role,
        status,
        due_after,
        due_before,
        overdue,
        as_of,
        text,
        explicit_only,
        data_dir,
        database_url,
    )
    _write(export.task_table(tasks), fmt, output, export.tasks_json(tasks))


@app.command("matrix")
def matrix_cmd(
    plan: PlanOpt = None,
    department: DeptOpt = None,
    role: RoleOpt = None,
    status: StatusOpt = None,
    due_after: DueAfter = None,
    due_before: DueBefore = None,
    text: TextOpt = None,
    explicit_only: ExplicitOnly = False,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """责任矩阵（部门 × 任务：牵头/配合/负责） Responsibility matrix, department × task."""
    tasks, _ = _tasks(
        plan, department, role, status, due_after, due_before, False, None, text, explicit_only, data_dir, database_url
    )
    _write(export.responsibility_matrix(tasks), fmt, output)


@app.command("calendar")
def calendar_cmd(
    plan: PlanOpt = None,
    department: DeptOpt = None,
    role: RoleOpt = None,
    status: StatusOpt = None,
    due_after: DueAfter = None,
    due_before: DueBefore = None,
    overdue: Overdue = False,
    as_of: AsOf = None,
    text: TextOpt = None,
    explicit_only: ExplicitOnly = False,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """时限日历（按截止日期） Deadline calendar, sorted by date, with overdue marked."""
    tasks, day = _tasks(
        plan,
        department,
        role,
        status,
        due_after,
        due_before,
        overdue,
        as_of,
        text,
        explicit_only,
        data_dir,
        database_url,
    )
    _write(export.deadline_calendar(tasks, day), fmt, output)


@app.command("status")
def status_cmd(
    plan: Annotated[str, typer.Argument(help="计划键 plan key")],
    number: Annotated[str, typer.Argument(help="任务序号 task number")],
    status: Annotated[
        str, typer.Argument(help="not_started|in_progress|completed|delayed (或 未启动/推进中/已完成/滞后)")
    ],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """设置任务状态 Set a task's status."""
    chosen = _choice(status, TaskStatus, "status")
    assert chosen is not None
    with open_app(data_dir, database_url) as lantian:
        lantian.plans.set_task_status(plan, number, chosen)
    out.print(f"{plan} #{number}: {STATUS_LABELS[chosen]} {chosen.value}")


@targets_app.command("list")
def targets_list_cmd(
    plan: PlanOpt = None,
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", help="辖区 jurisdiction")] = None,
    indicator: Annotated[str | None, typer.Option("--indicator", help="指标 pm25|good_day_ratio|dustfall|…")] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """计划中的量化目标 Quantitative targets from the stored plans (and their annexes)."""
    with open_app(data_dir, database_url) as lantian:
        rows = lantian.plans.list_targets(plan=plan, jurisdiction=jurisdiction, indicator=indicator)
    if as_json:
        print_json([{"plan": r.plan_key, "task_number": r.task_number, **r.target.__dict__} for r in rows])
        return
    table = Table(
        "计划 plan", "任务", "辖区", "指标 indicator", "比较", "目标值", "力争", "单位", "年", "基准年", "来源"
    )
    for r in rows:
        g = r.target
        table.add_row(
            r.plan_key,
            r.task_number or "",
            g.jurisdiction or "",
            g.indicator_label or g.indicator,
            g.comparator,
            "" if g.value is None else f"{g.value:g}",
            "" if g.stretch_value is None else f"{g.stretch_value:g}",
            g.unit,
            str(g.year or ""),
            str(g.baseline_year or ""),
            g.source,
        )
    emit_table(table)
    remark(f"{len(rows)} 项目标 targets")


@targets_app.command("set")
def targets_set_cmd(
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="辖区 jurisdiction (苏州市, 苏州 …)")],
    indicator: Annotated[
        str,
        typer.Option("--indicator", help="pm25|pm10|good_day_ratio|heavy_day_ratio|o3_p90|composite_index|dustfall|…"),
    ],
    year: Annotated[int, typer.Option("--year", help="年度 year")],
    value: Annotated[float, typer.Option("--value", help="目标值 binding value")],
    stretch: Annotated[float | None, typer.Option("--stretch", help="力争值 stretch value")] = None,
    comparator: Annotated[
        str | None, typer.Option("--comparator", help="<= | >= | decrease_by | increase_by (default: the indicator's)")
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="单位 unit (default: the indicator's)")] = None,
    baseline_year: Annotated[
        int | None, typer.Option("--baseline-year", help="基准年（相对目标） baseline year of a relative target")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="备注 note")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """登记目标 Set a target for a jurisdiction, indicator and year (replaces an earlier one)."""
    from lantian.domain.targets.registry import target_entry

    entry = target_entry(
        jurisdiction, indicator, year, value, stretch=stretch, comparator=comparator, unit=unit,
        baseline_year=baseline_year, note=note,
    )  # fmt: skip
    with open_app(data_dir, database_url) as lantian:
        changed = lantian.targets.set(entry)
    stretch_text = "" if entry.stretch_value is None else f"（力争 {entry.stretch_value:g}）"
    done = "已登记 set" if changed else "未改变，已是该目标 unchanged"
    out.print(
        f"{done}: {entry.jurisdiction} {entry.year} {entry.indicator} {entry.comparator} {entry.value:g}"
        f"{stretch_text} {entry.unit}".rstrip()
    )


@targets_app.command("status")
def targets_status_cmd(
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="辖区 jurisdiction")],
    as_of: AsOf = None,
    runs: Annotated[int, typer.Option("--runs", help="模拟年数 simulated years for the probability", min=10)] = 1000,
    plain: Annotated[
        bool, typer.Option("--no-level-adjustment", help="往年数据不按本年水平调整 resample past years as they were")
    ] = False,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """达标进度 Attainment to date, what the rest of the year must deliver, probability of meeting each target."""
    from lantian.reports.bulletin import remaining_text, target_text

    day = parse_date(as_of, "as_of") or dt.date.today()
    with open_app(data_dir, database_url) as lantian:
        rows = lantian.targets.status(jurisdiction, day, runs=runs, adjust=not plain)
    if as_json:
        print_json(rows)
        return
    # one block per measured indicator: the sentences are long and must stay whole in any width
    reported = [r for r in rows if not r["measured"]]
    for r in rows:
        if r in reported:
            continue
        target = target_text(r)
        to_date = "—" if r["value_to_date"] is None else f"{r['value_to_date']:g}"
        gap = "" if r.get("gap") is None else f" · 差距 gap {r['gap']:+.1f}"
        track = {True: "是 yes", False: "否 no", None: "—"}[r["on_track"]]
        probability = "—" if r["probability"] is None else f"{r['probability']:.0%}"
        out.print(f"[bold]{escape(r['label'])}[/bold]  目标 target {target}")
        out.print(f"  至今 to date {to_date}（{r['days_counted']} 天 days）{gap} · 进度 on track {track}")
        out.print(f"  剩余要求 the rest must deliver: {remaining_text(r)} · 达标概率 probability {probability}")
        out.print(f"  来源 source: {r['source']}" + (f" · 注 note: {r['note']}" if r["note"] else ""))
    if reported:
        out.print(
            f"[bold]不在监测数据中的目标 targets not measured here[/bold]（{len(reported)} 项，"
            "由任务进度填报 reported through task progress）"
        )
        for r in reported:
            out.print(f"  {escape(str(r['label']))} {target_text(r)} · {r['source']}")
    notes = {r["probability_basis"] for r in rows if r["probability_basis"]}
    for n in sorted(notes):
        out.print(f"注 note: {n}")


@targets_app.command("backtest")
def targets_backtest_cmd(
    place: Annotated[list[str] | None, typer.Option("--place", help="城市 city (repeatable; default all)")] = None,
    indicator: Annotated[
        list[str] | None, typer.Option("--indicator", help="pm25 | good_day_ratio (repeatable; default both)")
    ] = None,
    change: Annotated[
        list[float] | None,
        typer.Option("--change", help="目标较参考年改善% improvement on the reference year (0 5 10)"),
    ] = None,
    runs: Annotated[int, typer.Option("--runs", help="每次预测的模拟年数 simulated years per forecast", min=10)] = 200,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="每条预测写入 CSV every forecast to a CSV")
    ] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """达标概率回测 Backtest the probability of meeting a target: month-end forecasts, outcomes, Brier score."""
    from lantian.domain.targets.backtest import BACKTEST_INDICATORS, Forecast

    with open_app(data_dir, database_url) as lantian, progress("回测 backtest") as step:
        result = lantian.targets.backtest(
            place or (),
            indicators=indicator or BACKTEST_INDICATORS,
            changes=change or (0, 5, 10),
            runs=runs,
            progress=step,
        )
    if not result.forecasts:
        raise NotFoundError("no complete year with an earlier year on record (没有可回测的完整年份)", field="place")
    indicators = sorted({f.indicator for f in result.forecasts})
    brier = {"all": result.brier(), **{i: result.brier(i) for i in indicators}}
    calibration = result.calibration()
    summary: dict[str, Any] = {
        "forecasts": len(result.forecasts),
        "places": sorted({f.place for f in result.forecasts}),
        "years": sorted({f.year for f in result.forecasts}),
        "runs": result.runs,
        "changes": list(result.changes),
        "brier": brier,
        "calibration": calibration,
    }
    if output is not None:
        with output.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(list(Forecast.__dataclass_fields__))
            for f in result.forecasts:
                writer.writerow([getattr(f, k) for k in Forecast.__dataclass_fields__])
    if as_json:
        print_json(summary)
        return
    out.print(
        f"{summary['forecasts']} 次预测 forecasts · {len(summary['places'])} 个城市 places · "
        f"年份 years {', '.join(map(str, summary['years']))} · 每次 {runs} 次模拟 runs each"
    )
    table = Table(
        "指标 indicator", "水平调整自助法 level-adjusted", "原样自助法 plain", "按至今值 on track", "基率 base rate"
    )
    for key, scores in brier.items():
        table.add_row(key, *(f"{scores[m]:.3f}" for m in ("level_adjusted", "plain", "on_track", "base_rate")))
    out.print("Brier 分数（越小越好，恒报50%为0.250） Brier score (lower is better; always 50 % scores 0.250)")
    emit_table(table, csv_when_piped=False)
    out.print("校准 calibration (level-adjusted):")
    for c in calibration:
        out.print(
            f"  预测 {c['from']:.0%}–{c['to']:.0%}: {c['forecasts']} 次，平均预测 {c['mean_predicted']:.0%}，"
            f"实际达标 {c['observed']:.0%}"
        )
    if output is not None:
        out.print(f"每条预测 every forecast → {output}")


LevelOpt = Annotated[str, typer.Option("--level", help="city | county | province | station")]
PlaceOpt = Annotated[
    str | None,
    typer.Option("--place", help="辖区：其下级区域 the places under it (default: the office place; '' every place)"),
]
RulesOpt = Annotated[Path | None, typer.Option("--rules", help="考核规则 TOML rules file (default: the shipped rules)")]


@targets_app.command("flags")
def targets_flags_cmd(
    first: Annotated[str, typer.Option("--from", help="起始月份 first month YYYY-MM")],
    last: Annotated[str, typer.Option("--to", help="截止月份 last month YYYY-MM")],
    level: LevelOpt = "city",
    by: Annotated[str | None, typer.Option("--by", help="composite | pm25 | good_ratio | change")] = None,
    place: PlaceOpt = None,
    rules_file: RulesOpt = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """排名预警与问责 Flags over monthly rankings (连续N月倒数M位) and the escalation ladder (末位问责)."""
    from lantian.services.accountability import load_rules

    rules = load_rules(rules_file)
    ranking = by or rules.ranking
    with open_app(data_dir, database_url) as lantian:
        office = lantian.office_place if place is None else (place.strip() or None)
        if office is not None and level == "city":  # the office's places, as the rankings page ranks them
            ranked = lantian.rankings.series(office, first, last, ranking)
            months = [label for label, _ in ranked]
            columns = [f"{label[:4]}-{int(label[5:].removesuffix('月')):02d}" for label in months]
        else:
            monthly = lantian.accountability.monthly(first, last, level=level, ranking=ranking)
            ranked, months = monthly.series(), [m.label for m in monthly.months]
            columns = [f"{m.start:%Y-%m}" for m in monthly.months]
        flags, ladder = lantian.accountability.flags_over(ranked, rules)
    if as_json:
        print_json({
            "place": office, "ranking": ranking, "months": months,
            "rankings": [{"period": p, "ranks": r} for p, r in ranked],
            "flags": [f.__dict__ for f in flags], "escalations": [e.__dict__ for e in ladder],
        })  # fmt: skip
        return
    places = sorted({p for _, r in ranked for p in r})
    table = Table("区域 area", *columns)
    for name in places:
        table.add_row(name, *("—" if r.get(name) is None else str(r[name]) for _, r in ranked))
    scope = f"{office}的下级区域 places under {office}; " if office else ""
    out.print(f"逐月排名 monthly ranks ({scope}{ranking}; 1 = 最好 best, 并列同名次 ties share a rank)")
    emit_table(table, csv_when_piped=False)
    if not flags and not ladder:
        out.print("无预警 no flags")
    for f in flags:
        evidence = "、".join(f"{p} 第{rank}/{n}名" for p, rank, n in f.evidence)
        out.print(f"[bold]{f.action}[/bold] {f.place}: {f.rule}（{f.first} 起 … {f.last}）— {evidence}")
    for e in ladder:
        out.print(f"{e.period} {e.place} 末位 last place（连续 {e.streak} 个月 consecutive）→ {e.action}")


@targets_app.command("compensation")
def targets_compensation_cmd(
    period: Annotated[str, typer.Option("--period", help="时段 2019-03 | 2019-Q1 | 2019 | A..B")],
    level: LevelOpt = "city",
    place: PlaceOpt = None,
    rules_file: RulesOpt = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """生态补偿核算 Ecological-compensation settlements with their arithmetic (万元; + 补偿 receives, − 扣缴 pays)."""
    from lantian.services.accountability import load_rules

    rules = load_rules(rules_file)
    the_period = parse_period(period)
    with open_app(data_dir, database_url) as lantian:
        office = lantian.office_place if place is None else (place.strip() or None)
        places = lantian.accountability.places(office)  # the office's places, as the rankings rank them
        if places is not None and level == "city":
            level = lantian.accountability.level_of(places)
        settlements = lantian.accountability.compensation(the_period, rules, level=level, places=places)
    if as_json:
        print_json([{**s.__dict__, "amount": float(s.amount)} for s in settlements])
        return
    out.print(f"{the_period.label} 生态补偿 ecological compensation（万元 10k yuan）")
    for scheme in dict.fromkeys(s.scheme for s in settlements):
        rows = [s for s in settlements if s.scheme == scheme]
        out.print(f"[bold]{escape(scheme)}[/bold]  合计 net {float(sum(s.amount for s in rows)):+g}")
        for s in rows:
            out.print(f"  {s.place} {float(s.amount):+g}: {s.arithmetic}")


@targets_app.command("cascade")
def targets_cascade_cmd(
    year: Annotated[int, typer.Option("--year", help="年度 year")],
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """目标分解核对 County targets against their city's own (stricter / equal / looser)."""
    with open_app(data_dir, database_url) as lantian:
        rows = lantian.accountability.cascade(year)
    if as_json:
        print_json([r.__dict__ for r in rows])
        return
    if not rows:
        out.print(f"{year} 年没有可对照的县级目标 no county targets to check against a city's")
        return
    labels = {"stricter": "严于 stricter", "equal": "等于 equal", "looser": "宽于 looser"}
    table = Table("城市 city", "县（市、区） county", "指标 indicator", "市目标 city", "县目标 county", "对照 relation")
    for r in rows:
        table.add_row(r.city, r.county, r.indicator, f"{r.city_target:g}", f"{r.county_target:g}", labels[r.relation])
    emit_table(table)
    looser = [r for r in rows if r.relation == "looser"]
    remark(f"{len(rows)} 项县级目标 county targets · 宽于所在市 looser than the city: {len(looser)}")


@targets_app.command("scorecard")
def targets_scorecard_cmd(
    jurisdiction: Annotated[list[str], typer.Option("--jurisdiction", help="辖区 (repeatable) jurisdictions")],
    as_of: AsOf = None,
    rules_file: RulesOpt = None,
    fmt: Annotated[str | None, typer.Option("--format", help="table | xlsx | csv | json")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="输出文件 output file (.xlsx, .csv, .json)")
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """考核评分 The scorecard: air-quality targets and task completion, weighted (rules file); export .xlsx."""
    from lantian.services.accountability import load_rules

    rules = load_rules(rules_file)
    day = parse_date(as_of, "as_of") or dt.date.today()
    with open_app(data_dir, database_url) as lantian:
        cards = [lantian.accountability.scorecard(j, day, rules) for j in jurisdiction]
    columns = [
        "辖区 jurisdiction",
        "部分 part",
        "考核项 item",
        "目标 target",
        "至今 to date",
        "得分 score",
        "权重 weight",
    ]
    data = export.TableData(f"考核评分 {day}", columns)
    json_rows = []
    for card in cards:
        for line in card.lines:
            part = "空气质量 air" if line.part == "air" else "任务 tasks"
            score = None if line.score is None else float(line.score)
            data.rows.append([card.jurisdiction, part, line.item, line.target, line.value, score, float(line.weight)])
        for part, value in (("空气质量小计 air", card.air), ("任务小计 tasks", card.tasks), ("总分 total", card.total)):
            data.rows.append([card.jurisdiction, part, card.note if part.startswith("总分") else "", "", "",
                              None if value is None else float(value), None])  # fmt: skip
        json_rows.append({
            "jurisdiction": card.jurisdiction, "as_of": day, "air": card.air, "tasks": card.tasks,
            "total": card.total, "note": card.note, "lines": [line.__dict__ for line in card.lines],
        })  # fmt: skip
    if output is None and (fmt == "table" or (fmt is None and to_terminal())):
        for card in cards:  # one block per jurisdiction: readable in any terminal width
            total = "—" if card.total is None else f"{card.total:f}"
            out.print(f"[bold]{escape(card.jurisdiction)}[/bold] 考核总分 total {total}（{day}）")
            for line in card.lines:
                shown = "—" if line.score is None else f"{line.score:f}"
                out.print(
                    f"  {line.item}: 目标 {line.target} · 至今 {line.value} · 得分 {shown} · 权重 {line.weight:f}"
                )
            if card.note:
                out.print(f"  注 note: {card.note}")
        return
    _write(data, fmt, output, json_rows)
