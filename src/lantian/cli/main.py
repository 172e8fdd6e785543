"""``lantian``: the command line. Every command takes ``--data-dir`` and ``--database-url``.

Errors are printed as one line (``错误 error: file:line: field: message``) with a non-zero exit
status — 2 for bad input, 3 for configuration, 4 for something not found — never a traceback
(set ``LANTIAN_DEBUG=1`` to see one).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from lantian import __version__
from lantian.cli import aq, notify, plans, report, tasks, warnings, web
from lantian.cli.common import (
    DatabaseUrl,
    DataDir,
    JsonFlag,
    emit_table,
    open_app,
    out,
    print_json,
    progress,
    settings,
)
from lantian.domain.warnings.levels import LABELS
from lantian.errors import LantianError

if TYPE_CHECKING:  # services and reports are imported by the commands that run them: --help stays fast
    from lantian.services.demo import DemoSummary

app = typer.Typer(
    help="蓝天 lantian — 大气污染防治计划、任务、监测与考核 plans, tasks, monitoring and accountability.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(plans.app, name="plans")
app.add_typer(tasks.app, name="tasks")
app.add_typer(tasks.targets_app, name="targets")
app.add_typer(aq.app, name="aq")
app.add_typer(report.app, name="report")
app.add_typer(warnings.app, name="warnings")
app.add_typer(warnings.reduction_app, name="reduction-list")
app.add_typer(web.users_app, name="users")
app.add_typer(web.audit_app, name="audit")
app.add_typer(web.notices_app, name="notices")
app.add_typer(notify.app, name="notify")
app.command("serve")(web.serve_cmd)
db_app = typer.Typer(help="数据库：迁移与状态 Database: migrations and status.")
app.add_typer(db_app, name="db")


@app.command("version")
def version_cmd(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """版本与配置 Print the version, the data folder and the database in use."""
    chosen = settings(data_dir, database_url)
    out.print(f"lantian {__version__}")
    out.print(f"数据目录 data folder: {chosen.data_dir}")
    shown = re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", chosen.database_url)  # never print a password
    out.print(f"数据库 database: {shown}")


@app.command("demo")
def demo_cmd(
    seeds: Annotated[Path | None, typer.Option("--seeds", help="示例计划目录 seed plans folder")] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """演示：导入五份示例计划并汇总 Demo: import the five seed plans and print a summary."""
    from lantian.domain.warnings.reduction import POLLUTANT_LABELS
    from lantian.reports.bulletin import remaining_text
    from lantian.services.demo import DEMO_PASSWORD, DEMO_PLACE, find_seeds_dir, run_demo

    folder = find_seeds_dir(seeds)
    with open_app(data_dir, database_url) as lantian, progress("演示 demo") as step:
        summary = run_demo(
            lantian.plans,
            folder,
            airquality=lantian.airquality,
            targets=lantian.targets,
            reports=lantian.reports,
            reports_dir=lantian.settings.data_dir / "reports",
            accounts=lantian.accounts,
            reduction=lantian.reduction,
            office_file=lantian.settings.office_file,
            calibrate=True,
            progress=step,
        )
        where = lantian.store.url
    if as_json:
        print_json(
            {
                "seeds": str(summary.seeds_dir),
                "database": where,
                "counts": summary.counts,
                "imports": [
                    {"file": o.file, "key": o.key, "status": o.status, "revision": o.revision}
                    for o in summary.report.outcomes
                ],
                "plans": [s.__dict__ for s in summary.plans],
                "overdue": summary.overdue,
                "as_of": summary.as_of.isoformat(),
                "airquality": _aq_summary(summary),
                "warnings": summary.warnings,
            }
        )
        return
    out.print(f"[bold]蓝天 lantian 演示 demo[/bold] — 示例计划 seeds: {summary.seeds_dir}")
    out.print(f"数据库 database: {where}")
    for o in summary.report.outcomes:
        out.print(f"  {o.status:9} {o.key}  ← {Path(o.file).name}")
    table = Table("计划 plan", "辖区", "年度", "体例 style", "任务 tasks", "目标 targets", "待复核 flags")
    for s in summary.plans:
        table.add_row(
            s.key,
            s.jurisdiction or "",
            str(s.year or ""),
            s.style,
            str(s.task_count),
            str(s.target_count),
            str(s.open_flags),
        )
    emit_table(table, csv_when_piped=False)
    c = summary.counts
    out.print(
        f"合计 totals: {c['plans']} 份计划 plans · {c['tasks']} 项任务 tasks · {c['departments']} 个部门 departments · "
        f"{c['deadlines']} 个时限 deadlines · {c['targets']} 项目标 targets · {c['open_flags']} 处待复核 flags"
    )
    if summary.top_departments:
        out.print(
            "任务最多的部门 busiest departments: "
            + "；".join(f"{n} {k}项（牵头{lead}）" for n, k, lead in summary.top_departments[:6])
        )
    out.print(f"截至 {summary.as_of} 逾期任务 overdue tasks: {summary.overdue}")
    if summary.aq_report is not None:
        r = summary.aq_report
        days = sorted({d for f in r.files for d in f.days})
        out.print(
            f"监测数据 monitoring data: {summary.station_lists} 份站点列表 station lists · "
            f"{len(r.files)} 个文件 files · "
            f"{len(days)} 天 days ({days[0]} … {days[-1]}) · {r.records} 条站点小时记录 station-hours · "
            f"隔离 quarantined {sum(r.quarantined.values())}"
        )
    if summary.published_check:
        equal, comparable = summary.published_check
        out.print(
            f"小时AQI与发布值一致 hourly AQI equal to the published: {equal}/{comparable} ({equal / comparable:.4%})"
        )
    if summary.city_assessment:
        out.print("2019年城市评价（综合指数排名） 2019 city assessment, ranked:")
        for row in summary.city_assessment:
            out.print(
                f"  {row['rank']}. {row['station']} 综合指数 {row['composite_index']} · PM2.5 {row['pm25']:g} µg/m³ · "
                f"优良天数比率 {row['good_ratio']}% · O3-8h-90per {row['o3_p90']:g} · "
                f"{'达标' if row['attains'] else '未达标'}"
            )
    if summary.published_city_days:
        n = summary.published_city_days
        out.print(f"城市日报发布值（历史） published city daily values (history): {n} 城市日 city-days")
    if summary.target_status:
        out.print(f"{DEMO_PLACE} 达标进度 attainment to date, {summary.target_as_of}（演示目标 demo targets）:")
        for row in summary.target_status:
            if not row["measured"] or row.get("measured_from") == "reports":
                continue
            probability = "—" if row["probability"] is None else f"{row['probability']:.0%}"
            target = row.get("target_value")
            out.print(
                f"  {row['label']}: 至今 {row['value_to_date']:g}（{row['days_counted']} 天）· 目标 "
                f"{'—' if target is None else f'{target:.1f}'} {row['unit']}（{row['target_note'] or ''}）· "
                f"{remaining_text(row)} · 达标概率 probability {probability}"
            )
    if summary.calibration is not None:
        kept = summary.calibration
        out.print(f"达标概率回测 backtest kept for the web pages: {kept['forecasts']} 次预测 forecasts · "
                  f"{'、'.join(kept['places'])} · {kept['runs']} 次模拟 runs each")  # fmt: skip
    if summary.bulletin is not None:
        out.print(f"月报 monthly bulletin: {summary.bulletin}")
    for warning in summary.warnings:
        out.print(f"[yellow]警告 warning[/yellow]: {warning}")
    if summary.accounts:
        names = "、".join(f"{n}（{label}）" for n, label in summary.accounts)
        out.print(f"网页端 web app: lantian serve → http://127.0.0.1:8000/ · 演示账号 demo accounts: {names}"
                  f" · 密码 password: {DEMO_PASSWORD}（演示用 demo only: lantian users password）")  # fmt: skip
    if summary.reduction_template is not None:
        out.print(f"应急减排清单模板 reduction-list template: {summary.reduction_template}")
        for rules, result in summary.reduction_checks:
            short = [
                f"{LABELS[x.level]}{POLLUTANT_LABELS[x.pollutant]}差{x.shortfall_t:g}吨"
                for x in result.levels
                if not x.meets
            ]
            verdict = "通过 passed" if result.passed else "未通过 failed: " + "、".join(short)
            out.print(f"  按{rules}减排比例核查 checked under {rules} ratios: {verdict}")
    out.print(
        "下一步 next: lantian plans list · lantian tasks list --department 发改委 · "
        "lantian tasks matrix -o 矩阵.xlsx · lantian plans review · lantian aq assess --period 2019 · "
        "lantian aq rank --period 2025-01 · lantian aq verify · "
        f"lantian targets status --jurisdiction {DEMO_PLACE} --as-of {summary.target_as_of or '2026-06-07'} · "
        "lantian targets backtest · "
        f"lantian reduction-list check {summary.reduction_template or '清单.xlsx'} --jurisdiction 海门市"
    )


def _aq_summary(summary: DemoSummary) -> dict[str, object] | None:
    from lantian.services.demo import DEMO_PLACE

    r = summary.aq_report
    if r is None:
        return None
    return {
        "station_lists": summary.station_lists,
        "files": len(r.files),
        "station_hours": r.records,
        "quarantined": dict(r.quarantined),
        "published_aqi_check": list(summary.published_check) if summary.published_check else None,
        "cities_2019": [_city_row(row) for row in summary.city_assessment],
        "published_city_days": summary.published_city_days,
        "bulletin": None if summary.bulletin is None else str(summary.bulletin),
        "reduction_list": None
        if summary.reduction_template is None
        else {
            "template": str(summary.reduction_template),
            "checks": [
                {
                    "rules": rules,
                    "passed": result.passed,
                    "shortfalls_t": {f"{x.level}.{x.pollutant}": x.shortfall_t for x in result.levels if not x.meets},
                }
                for rules, result in summary.reduction_checks
            ],
        },
        "targets": {
            "jurisdiction": DEMO_PLACE,
            "as_of": summary.target_as_of,
            "status": [r for r in summary.target_status if r["measured"] and r.get("measured_from") != "reports"],
        },
    }


def _city_row(row: dict[str, object]) -> dict[str, object]:
    keys = ("station", "rank", "composite_index", "pm25", "good_ratio", "attains")
    return {k: (str(row[k]) if k in ("composite_index", "good_ratio") and row[k] is not None else row[k]) for k in keys}


@db_app.command("upgrade")
def db_upgrade_cmd(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """迁移到最新结构 Migrate the database to the newest schema."""
    with open_app(data_dir, database_url) as lantian:
        current, head = lantian.store.schema_revision()
        out.print(f"{lantian.store.url}: schema {current} (newest {head})")


@db_app.command("status")
def db_status_cmd(as_json: JsonFlag = False, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """数据库状态与记录数 Schema revision and record counts."""
    with open_app(data_dir, database_url) as lantian:
        current, head = lantian.store.schema_revision()
        counts = lantian.plans.counts()
        url = lantian.store.url
    if as_json:
        print_json({"database": url, "schema": current, "newest": head, **counts})
        return
    out.print(f"{url}: schema {current} (newest {head})")
    out.print(" · ".join(f"{k} {v}" for k, v in counts.items()))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (the console script exits with it)."""
    try:
        status = app(args=argv, prog_name="lantian", standalone_mode=False)
    except LantianError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return exc.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except (typer.Abort, KeyboardInterrupt):
        print("已取消 aborted", file=sys.stderr)
        return 130
    except Exception as exc:
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()  # type: ignore[attr-defined]  # a usage error (unknown command, bad option): click's own message and status 2
            return int(exc.exit_code)  # type: ignore[attr-defined]
        # a bug: one line for the user, the traceback on request
        if os.environ.get("LANTIAN_DEBUG"):
            raise
        print(
            f"内部错误 internal error: {type(exc).__name__}: {exc} (set LANTIAN_DEBUG=1 for details)", file=sys.stderr
        )
        return 70
    return status if isinstance(status, int) else 0  # typer.Exit(n) inside a command comes back as n
