"""``lantian tasks …`` and ``lantian targets …``: filtered task lists and their exports (任务清单)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from lantian.cli.common import DatabaseUrl, DataDir, JsonFlag, open_app, out, parse_date, print_json
from lantian.domain.plans.model import ROLE_LABELS, STATUS_LABELS, PlanTask, Role, TaskStatus
from lantian.domain.plans.records import TaskFilter
from lantian.errors import InputError
from lantian.reports import tasks_export as export

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
    str | None, typer.Option("--format", help="table|json|csv|xlsx (default: from --output, else table)")
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
    chosen = export.format_for(output, fmt) if (output or (fmt and fmt != "table")) else "table"
    if chosen == "table":
        table = Table(*data.columns, title=data.title)
        for row in data.rows:
            table.add_row(*("" if v is None else str(v)[:60] for v in row))
        out.print(table)
        out.print(f"{len(data.rows)} 行 rows")
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
    out.print(table)
    out.print(f"{len(rows)} 项目标 targets")
