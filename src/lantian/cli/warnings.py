"""``lantian warnings …``: heavy-pollution weather — warning levels from forecasts, forecast verification."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from lantian.cli.common import DatabaseUrl, DataDir, JsonFlag, open_app, out, print_json
from lantian.domain.warnings.levels import LABELS

app = typer.Typer(help="重污染天气：预警级别与预报评估 Heavy-pollution weather: warning levels, forecast checks.")

ForecastOpt = Annotated[Path, typer.Option("--forecast", help="城市预报 CSV / xlsx（city,issued,date,aqi…）")]


@app.command("level")
def level_cmd(
    forecast: ForecastOpt,
    scheme: Annotated[str, typer.Option("--scheme", help="2018 | 2024-key | 2024-other")] = "2018",
    schemes_file: Annotated[
        Path | None, typer.Option("--schemes", help="预警分级方案 TOML (default: the shipped schemes)")
    ] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """预警级别 The warning level each forecast triggers, per day, with the rule that fired."""
    with open_app(data_dir, database_url) as lantian:
        rows = lantian.warnings.levels(forecast, scheme, schemes_file)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        verified = "" if r["scheme_verified"] else "（方案未经核实 scheme not verified）"
        out.print(f"[bold]{r['city']}[/bold] 发布 issued {r['issued']:%Y-%m-%d %H:%M} · {r['scheme_title']}{verified}")
        out.print(f"  预警 warning: {r['label']}{'' if r['level'] is None else ' ' + r['level']}")
        for d in r["days"]:
            when = f"{d['date']}" + ("" if d["hour"] is None else f" {d['hour']:02d}时")
            level = "—" if d["level"] is None else f"{LABELS[d['level']]} {d['level']}"
            out.print(f"  {when} AQI {d['aqi']}: {level}" + (f" · {d['rule']}" if d["rule"] else ""))


@app.command("verify")
def verify_cmd(
    forecast: ForecastOpt,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """预报效果评估 Forecast verification (HJ 1130 style): level, range and primary-pollutant accuracy, NMB, RMSE, r."""
    with open_app(data_dir, database_url) as lantian:
        pairs, leads, months, overall = lantian.warnings.verify(forecast)
    if as_json:
        print_json({"pairs": len(pairs), "overall": overall.__dict__, "by_lead": [s.__dict__ for s in leads],
                    "by_month": [s.__dict__ for s in months]})  # fmt: skip
        return
    table = Table(
        "分组 group", "天数 n", "级别准确率 level", "范围准确率 range", "首要污染物 primary", "NMB", "RMSE", "r"
    )
    for s in [*leads, *months, overall]:
        accuracy = (_pct(s.level_accuracy), _pct(s.range_accuracy), _pct(s.primary_accuracy))
        table.add_row(s.group, str(s.n), *accuracy, _num(s.nmb, "{:+.1%}"), _num(s.rmse, "{:.1f}"), _num(s.r, "{:.2f}"))
    out.print(table)
    out.print(f"{len(pairs)} 个预报日有实测日AQI forecast days with an observed daily AQI")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _num(value: Any, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)
