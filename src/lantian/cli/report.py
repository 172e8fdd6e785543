"""``lantian report …``: documents for publication (报告)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from lantian.cli.common import DatabaseUrl, DataDir, open_app, out, parse_date

app = typer.Typer(help="报告：空气质量月报 Reports: the monthly bulletin.")


@app.command("monthly")
def monthly_cmd(
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="辖区 jurisdiction")],
    month: Annotated[str, typer.Option("--month", help="月份 YYYY-MM")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="输出 .docx (default: <辖区><年>年<月>月空气质量月报.docx)")
    ] = None,
    runs: Annotated[int, typer.Option("--runs", help="达标概率模拟年数 simulated years", min=0)] = 1000,
    rules_file: Annotated[Path | None, typer.Option("--rules", help="考核规则 TOML rules file")] = None,
    issued: Annotated[str | None, typer.Option("--issued", help="发布日期 date of issue (default today)")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """空气质量月报 The monthly bulletin (.docx, Chinese): month and year-to-date figures against targets,
    rankings, a chart, flags and overdue tasks."""
    from lantian.services.accountability import load_rules

    rules = load_rules(rules_file)
    day = parse_date(issued, "issued") or dt.date.today()
    with open_app(data_dir, database_url) as lantian:
        bulletin = lantian.reports.monthly(jurisdiction, month, rules, runs=runs, issued=day)
        path = output or Path(f"{bulletin.title}.docx")
        warnings = lantian.reports.write_monthly(bulletin, path)
    for warning in warnings:
        out.print(f"[yellow]警告 warning[/yellow]: {warning}")
    out.print(
        f"已写入 written: {path} — {bulletin.title}：{len(bulletin.targets)} 项目标 targets · "
        f"{len(bulletin.ranking)} 个城市排名 ranked · {len(bulletin.flags)} 项预警 flags · "
        f"{len(bulletin.overdue)} 项逾期任务 overdue tasks"
    )
