"""``lantian report …``: documents for publication (报告)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from lantian.cli.common import DatabaseUrl, DataDir, open_app, out, parse_date, rules_path
from lantian.errors import InputError

app = typer.Typer(help="报告：空气质量月报 Reports: the monthly bulletin.")


@app.command("monthly")
def monthly_cmd(
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="辖区 jurisdiction")],
    month: Annotated[str, typer.Option("--month", help="月份 YYYY-MM")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="输出文件或目录 .docx file or folder (default: reports/ in the data folder)",
        ),
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

    rules = load_rules(rules_path(rules_file, data_dir))
    day = parse_date(issued, "issued") or dt.date.today()
    with open_app(data_dir, database_url) as lantian:
        bulletin = lantian.reports.monthly(jurisdiction, month, rules, runs=runs, issued=day)
        path = bulletin_path(output, lantian.settings.data_dir / "reports", f"{bulletin.title}.docx")
        warnings = lantian.reports.write_monthly(bulletin, path)
    for warning in warnings:
        out.print(f"[yellow]警告 warning[/yellow]: {warning}")
    out.print(
        f"已写入 written: {path} — {bulletin.title}：{len(bulletin.targets)} 项目标 targets · "
        f"{len(bulletin.ranking)} 个城市排名 ranked · {len(bulletin.flags)} 项预警 flags · "
        f"{len(bulletin.overdue)} 项逾期任务 overdue tasks"
    )


def bulletin_path(output: Path | None, reports_dir: Path, name: str) -> Path:
    """Where the bulletin goes: ``-o FILE.docx``; ``-o DIR`` (an existing folder, or a name without a
    suffix: a folder to create) with the bulletin's own name; by default the data folder's reports/ — one place,
    where the demo writes its bulletin too, whatever the current folder."""
    if output is None:
        folder = reports_dir
    elif output.is_dir() or not output.suffix:
        folder = output
    else:
        if output.suffix.lower() != ".docx":
            raise InputError(f"the bulletin is a .docx file, not {output.name!r} (月报为 .docx 文件)", field="output")
        output.parent.mkdir(parents=True, exist_ok=True)
        return output
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


@app.command("publish")
def publish_cmd(
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="辖区 jurisdiction")],
    month: Annotated[str, typer.Option("--month", help="月份 YYYY-MM")],
    runs: Annotated[int, typer.Option("--runs", help="达标概率模拟年数 simulated years", min=0)] = 1000,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """发布月报 Publish the monthly bulletin to the public page (/public): generate it, make its PDF with
    LibreOffice, keep both and record the publication (audited; a month published again is replaced)."""
    from lantian.domain.tracking.model import SYSTEM

    with open_app(data_dir, database_url) as lantian:
        lantian.bulletins.runs = runs
        draft = lantian.bulletins.generate(SYSTEM, jurisdiction, month)  # always fresh from the command line
        published, warnings = lantian.bulletins.publish(SYSTEM, jurisdiction, month)
    for warning in [*draft.warnings, *warnings]:
        out.print(f"[yellow]警告 warning[/yellow]: {warning}")
    pdf = f"/public/bulletins/{published.id}.pdf" if published.pdf_sha256 else "无 none"
    out.print(f"已发布 published: {published.title} — /public/bulletins/{published.id}.docx · pdf: {pdf}")
