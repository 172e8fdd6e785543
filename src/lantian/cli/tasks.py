"""``lantian tasks …`` and ``lantian targets …``: filtered task lists and their exports (任务清单)."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Callable
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
    rules_path,
    to_terminal,
)
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
    """任务清单（序号、重点工作任务、具体内容、牵头/配合/责任单位、完成时限、目标值、状态、最新进展、完成比例）
    The office task table."""
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
    with open_app(data_dir, database_url) as lantian:  # 最新进展, 完成比例
        progress = lantian.targets.reported.export_progress(tasks, day)
    table = export.task_table(tasks, progress)
    if not output and (fmt == "table" or (fmt is None and to_terminal())):  # drawn: the file and CSV have them
        table = table.without(export.PROGRESS_COLUMNS)
    _write(table, fmt, output, export.tasks_json(tasks))


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
    from lantian.domain.targets.registry import place_key
    from lantian.reports.bulletin import remaining_text, target_text
    from lantian.services.targets import calibration_bin

    day = parse_date(as_of, "as_of") or dt.date.today()
    with open_app(data_dir, database_url) as lantian:
        rows = lantian.targets.status(jurisdiction, day, runs=runs, adjust=not plain)
        kept = lantian.targets.kept_calibration()
        replaced = {
            (place_key(e.jurisdiction), e.indicator, e.year): e for e in lantian.targets.superseded(year=day.year)
        }
    if as_json:  # the rows of GET /api/v1/targets (lantian.web.targets.TargetRowOut)
        from lantian.web.targets import row_out

        print_json([row_out(r, kept, replaced).model_dump(mode="json", by_alias=True) for r in rows])
        return
    # one block per measured indicator: the sentences are long and must stay whole in any width
    reported = [r for r in rows if not r["measured"]]
    for r in rows:
        if r in reported:
            continue
        if r.get("measured_from") == "reports":  # from accepted progress reports
            out.print(_reported_lines(r, target_text(r)))
            continue
        target = target_text(r)
        to_date = "—" if r["value_to_date"] is None else f"{r['value_to_date']:g}"
        gap = "" if r.get("gap") is None else f" · 差距 gap {r['gap']:+.1f}"
        track = {True: "是 yes", False: "否 no", None: "—"}[r["on_track"]]
        probability = "—" if r["probability"] is None else f"{r['probability']:.0%}"
        if r["probability"] is not None:  # never bare: what the kept backtest says such forecasts came to
            probability += f"（{calibration_words(r['probability'], kept, calibration_bin)}）"
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
    save: Annotated[
        bool,
        typer.Option("--save", help="保存校准供网页使用 keep the calibration in the data folder (calibration.json)"),
    ] = False,
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
        kept_path = None
        if save:  # what the 目标 pages show beside each probability
            lantian.targets.save_calibration(result)
            kept_path = lantian.targets.calibration_path
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
    if kept_path is not None:
        out.print(f"校准已保存，网页显示概率时引用 calibration kept for the web pages → {kept_path}")


def calibration_words(
    probability: float, kept: dict[str, Any] | None, find: Callable[[float, Any], dict[str, Any] | None]
) -> str:
    """What the kept backtest says forecasts like ``probability`` came to, as the 目标 page says it."""
    if kept is None:
        return "尚未回测，概率仅供参考 no backtest kept: `lantian targets backtest --save`"
    if kept.get("stale"):
        return "监测数据更新后尚未重新回测，概率仅供参考 the data changed since the kept backtest"
    b = find(probability, kept["bins"])
    if b is None:
        return "历史回测中没有落在此区间的预测 no backtest forecast in this range"
    return f"历史回测：预测{b['from']:.0%}–{b['to']:.0%}的目标实际达成{b['observed']:.0%}，共{b['forecasts']}次"


RulesOpt = Annotated[Path | None, typer.Option("--rules", help="考核规则 TOML (default: <data>/accountability.toml)")]
OfficeOpt = Annotated[
    str | None, typer.Option("--office", help="辖区 whose places (default: the platform's office place; none: all)")
]
action_app = typer.Typer(help="问责措施：登记、列出 Accountability actions taken on flags.")
targets_app.add_typer(action_app, name="action")


@targets_app.command("flags")
def targets_flags_cmd(
    first: Annotated[str | None, typer.Option("--from", help="起始月份 first month YYYY-MM (默认12个月)")] = None,
    last: Annotated[str | None, typer.Option("--to", help="截止月份 last month YYYY-MM (newest complete)")] = None,
    place: Annotated[str | None, typer.Option("--place", help="只看该地区 one place's flags")] = None,
    office: OfficeOpt = None,
    by: Annotated[str | None, typer.Option("--by", help="composite | pm25 | good_ratio | change")] = None,
    rules_file: RulesOpt = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """排名预警与问责 Flags over monthly rankings (连续N月倒数M位, 末位问责), open or closed, with the actions taken."""
    from dataclasses import replace

    from lantian.domain.tracking.model import SYSTEM
    from lantian.services.accountability import load_rules
    from lantian.web.accountability import flags_out

    rules = load_rules(rules_path(rules_file, data_dir))
    rules = replace(rules, ranking=by) if by else rules
    with open_app(data_dir, database_url) as lantian:
        view = lantian.actions.flags(SYSTEM, rules, office=office or lantian.office_place, first=first, last=last,
                                     place=place)  # fmt: skip
    result = flags_out(view)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    table = Table("区域 area", *result.months)
    for p in result.places:
        table.add_row(p, *("—" if result.ranks[m].get(p) is None else str(result.ranks[m][p]) for m in result.months))
    out.print(f"逐月排名 monthly ranks ({result.ranking}; 1 = 最好 best, 并列同名次 ties share a rank)")
    emit_table(table, csv_when_piped=False)
    if not result.flags:
        out.print("无预警 no flags")
    for f in result.flags:
        evidence = "、".join(f"{m.period} 第{m.rank}/{m.ranked}名" for m in f.evidence)
        kind = "末位 last place" if f.source == "ladder" else "连续排名靠后 streak"
        done = "；".join(f"{a.on} {a.kind} {a.document}".strip() for a in f.actions) or "—"
        out.print(f"[bold]{f.state_label}[/bold] {f.period} {f.place} {escape(f.rule)}（{kind}，连续 {f.streak} 个月）"
                  f"→ {f.required} — {evidence} — 已采取 done: {escape(done)}")  # fmt: skip
    remark(f"预警 flags {result.total} · 未处理 open {result.open} · 已处理 closed {result.closed}")


@action_app.command("add")
def action_add_cmd(
    place: Annotated[str, typer.Option("--place", help="被问责地区 the flagged place")],
    kind: Annotated[str, typer.Option("--kind", help="警示|通报|约谈|挂牌督办|专项帮扶|区域限批|区域限批解除 …")],
    date: Annotated[str, typer.Option("--date", help="实施日期 the day it happened YYYY-MM-DD")],
    document: Annotated[str, typer.Option("--document", help="文号或标题 document number / title")] = "",
    minutes: Annotated[Path | None, typer.Option("--minutes", help="纪要或说明 a text file (约谈纪要)")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="实施单位 (default: the office's 大气办)")] = None,
    rule: Annotated[str | None, typer.Option("--rule", help="预警规则 the flag's rule (with --period)")] = None,
    period: Annotated[str | None, typer.Option("--period", help="预警月份 the month the flag was reached")] = None,
    files: Annotated[list[Path] | None, typer.Option("--file", help="材料 evidence file (repeatable)")] = None,
    first: Annotated[str | None, typer.Option("--from", help="预警起始月份 (default: 12 months)")] = None,
    last: Annotated[str | None, typer.Option("--to", help="预警截止月份")] = None,
    office: OfficeOpt = None,
    rules_file: RulesOpt = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """登记问责措施 Record an action on a flag: the flag named by --rule/--period, else the place's newest open
    flag that requires --kind. Audited; the files are kept as evidence."""
    from lantian.documents.read import decode_text
    from lantian.domain.tracking.model import SYSTEM
    from lantian.services.accountability import load_rules
    from lantian.web.accountability import action_out

    def read(path: Path, field: str) -> bytes:
        if not path.is_file():
            raise InputError("file not found (文件不存在)", file=str(path), field=field)
        return path.read_bytes()

    text = decode_text(read(minutes, "minutes"), name=str(minutes))[0] if minutes else ""
    uploads = [(p.name, read(p, "file")) for p in files or []]
    rules = load_rules(rules_path(rules_file, data_dir))
    with open_app(data_dir, database_url) as lantian:
        where = office or lantian.office_place
        action = lantian.actions.record(
            SYSTEM, rules, office=where, place=place, kind=kind, on=date, unit=unit or f"{where or ''}大气办",
            document=document, minutes=text, rule=rule, period=period, first=first, last=last, files=uploads,
        )  # fmt: skip
    result = action_out(action)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    out.print(
        f"已登记 recorded #{result.id}: {result.on} {result.place} {result.kind}（{result.period} {result.rule}）"
    )


@action_app.command("list")
def action_list_cmd(
    place: Annotated[str | None, typer.Option("--place", help="只看该地区 one place's actions")] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """问责措施 The actions recorded, oldest first."""
    from lantian.domain.tracking.model import SYSTEM
    from lantian.web.accountability import action_out

    with open_app(data_dir, database_url) as lantian:
        rows = [action_out(a) for a in lantian.actions.actions(SYSTEM, places=[place] if place else None)]
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table(
        "#", "日期 date", "地区 place", "措施 kind", "预警 flag", "实施单位 unit", "文号 document", "材料 files"
    )
    for r in rows:
        table.add_row(str(r.id), str(r.on), r.place, r.kind, f"{r.period} {r.rule}", r.unit, r.document,
                      "、".join(f.filename for f in r.files))  # fmt: skip
    emit_table(table)


@targets_app.command("compensation")
def targets_compensation_cmd(
    period: Annotated[str, typer.Option("--period", help="结算时段 2025-01 | 2025-Q1 | 2025")],
    place: Annotated[
        str | None, typer.Option("--place", help="结算辖区：其下级各地参与结算 the office whose places are settled")
    ] = None,
    level: Annotated[str | None, typer.Option("--level", help="city | county (default: from --place)")] = None,
    rules_file: RulesOpt = None,
    confirm: Annotated[bool, typer.Option("--confirm", help="确认结算：冻结本期结算 confirm and freeze it")] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="与已确认结算不同时替换之 replace a confirmed one that differs")
    ] = False,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="结算表 write the settlement as .xlsx")] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """生态补偿结算 The settlement of a period with its arithmetic (万元; + 补偿 receives, − 扣缴 pays):
    the confirmed one when there is one (and what today's data would change), else today's draft."""
    from lantian.domain.targets.compensation import differences
    from lantian.domain.tracking.model import SYSTEM
    from lantian.reports.compensation_export import settlement_xlsx, status_text
    from lantian.services.accountability import load_rules
    from lantian.web.compensation_schema import settlement_out

    rules = load_rules(rules_path(rules_file, data_dir))
    with open_app(data_dir, database_url) as lantian:
        service = lantian.accountability
        current = service.settlement(period, rules, office=place, level=level)
        changed: list[str] = []
        if confirm:
            shown, changed = service.confirm(SYSTEM, "命令行", current, replace=replace)
        else:
            kept = service.confirmed(place, period)
            shown = kept if kept is not None else current
            if kept is not None:
                changed = differences(kept, current)
    if xlsx is not None:
        try:
            xlsx.write_bytes(settlement_xlsx(shown))
        except OSError as exc:
            raise InputError(f"cannot write {xlsx}: {exc.strerror} (无法写入文件)", field="xlsx") from None
    if as_json:
        print_json(settlement_out(shown, changed).model_dump(mode="json"))
        return
    out.print(f"{shown.label} 生态补偿结算 {shown.office or '全部辖区'}（万元 10k yuan）· {status_text(shown)}")
    for scheme in shown.schemes:
        rows = shown.of(scheme)
        out.print(f"[bold]{escape(scheme)}[/bold]  合计 net {float(sum(s.amount for s in rows)):+g}")
        for s in rows:
            out.print(f"  {s.place} {float(s.amount):+g}: {escape(s.arithmetic)}")
    out.print("合计 totals: " + "、".join(f"{p} {float(v):+g}" for p, v in shown.totals().items()))
    if changed:
        word = "已替换 replaced" if confirm else "与已确认结算不同 differs from the confirmed one"
        out.print(f"{word}:")
        for line in changed:
            out.print(f"  {escape(line)}")
    if xlsx is not None:
        out.print(f"结算表 settlement → {xlsx}")


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
    jurisdiction: Annotated[
        list[str] | None, typer.Option("--jurisdiction", help="辖区 (repeatable) jurisdictions")
    ] = None,
    place: Annotated[
        str | None, typer.Option("--place", help="考核排名：该辖区下辖的每个辖区 every place under this office, ranked")
    ] = None,
    as_of: AsOf = None,
    rules_file: RulesOpt = None,
    fmt: Annotated[str | None, typer.Option("--format", help="table | xlsx | csv | json")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="输出文件 output file (.xlsx, .csv, .json)")
    ] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """考核评分 The scorecard: air-quality targets, other targets and task completion, weighted (rules
    file); ``--place`` ranks every place under an office by total (ties share a rank); export .xlsx.
    ``--json`` prints what ``/api/v1/scorecards`` answers."""
    from lantian.services.accountability import load_rules
    from lantian.web.scorecards import card_out, ranking_out

    if not jurisdiction and not place:
        raise InputError("name --jurisdiction or --place (请指定辖区)", field="jurisdiction")
    rules = load_rules(rules_path(rules_file, data_dir))
    day = parse_date(as_of, "as_of") or dt.date.today()
    with open_app(data_dir, database_url) as lantian:
        ranked = None
        if place:
            places = lantian.accountability.places(place) or []
            ranked = lantian.accountability.scorecards(places, day, rules)
            cards = [r.card for r in ranked]
        else:
            cards = [lantian.accountability.scorecard(j, day, rules) for j in jurisdiction or []]
    if as_json:
        typed = ranking_out(place, ranked, day, rules) if place and ranked is not None else None
        print_json(
            typed.model_dump(mode="json") if typed else [card_out(c, day).model_dump(mode="json") for c in cards]
        )
        return
    if ranked is not None and output is None and (fmt == "table" or (fmt is None and to_terminal())):
        table = Table("名次 rank", "辖区 place", "总分 total", "空气质量 air", "其他目标 other", "任务 tasks")
        for r in ranked:
            c = r.card
            rank = "—" if r.rank is None else f"{r.rank}{' 并列 tied' if r.tied else ''}"
            values = (c.total, c.air, c.reported, c.tasks)
            table.add_row(rank, c.jurisdiction, *("—" if v is None else f"{v:f}" for v in values))
        out.print(
            f"{escape(place or '')}下辖 {len(ranked)} 个辖区考核排名 ranked by score（{day}；并列同名次 ties share)"
        )
        emit_table(table, csv_when_piped=False)
        return
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
    parts = {"air": "空气质量 air", "reported": "其他目标 other targets", "tasks": "任务 tasks"}
    for card in cards:
        for line in card.lines:
            score = None if line.score is None else float(line.score)
            data.rows.append([card.jurisdiction, parts[line.part], line.item, line.target, line.value, score,
                              float(line.weight)])  # fmt: skip
        subtotals = (("空气质量小计 air", card.air), ("其他目标小计 other targets", card.reported),
                     ("任务小计 tasks", card.tasks), ("总分 total", card.total))  # fmt: skip
        for part, value in subtotals:
            data.rows.append([card.jurisdiction, part, card.note if part.startswith("总分") else "", "", "",
                              None if value is None else float(value), None])  # fmt: skip
    json_rows = [card_out(c, day).model_dump(mode="json") for c in cards]
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


def _reported_lines(r: dict[str, Any], target: str) -> str:
    """A target measured from accepted progress reports, as ``targets status`` prints it."""
    unit = r.get("value_unit") or ""
    to_date = "—" if r["value_to_date"] is None else f"{r['value_to_date']:g}{unit}"
    done = "" if r["percent_complete"] is None else f" · 完成 complete {r['percent_complete']:g}%"
    pace = "" if r["expected_percent"] is None else f" · 应完成 expected {r['expected_percent']:g}%"
    track = {True: "是 yes", False: "否 no", None: "—"}[r["on_track"]]
    lines = [
        f"[bold]{escape(str(r['label']))}[/bold]  目标 target {target}",
        f"  至今 to date {to_date}{done}{pace} · 进度 on track {track}",
        f"  规则 rule {r['rule_label']} {r['rule']}（{r['reports_counted']} 份已通过报送 accepted reports"
        + (f"，至 {r['latest_period']}" if r["latest_period"] else "")
        + "）",
        f"  来源 source: {r['source']}" + (f" · 注 note: {escape(r['note'])}" if r["note"] else ""),
    ]
    return "\n".join(lines)
