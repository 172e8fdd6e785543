"""``lantian aq …``: station lists and hourly monitoring data (空气质量数据)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from lantian.cli.common import DatabaseUrl, DataDir, JsonFlag, open_app, out, parse_date, print_json
from lantian.domain.aq.archive import REASONS
from lantian.errors import InputError

app = typer.Typer(help="空气质量：站点列表与小时数据导入 Air quality: station lists and hourly data.")
stations_app = typer.Typer(help="站点列表（按生效日期） Station lists, by the date they take effect.")
app.add_typer(stations_app, name="stations")


@stations_app.command("import")
def stations_import_cmd(
    files: Annotated[list[Path], typer.Argument(help="站点列表 CSV（UTF-8 或 GBK），文件名含生效日期")],
    valid_from: Annotated[
        str | None, typer.Option("--from", help="生效日期 YYYY-MM-DD (default: from the file name)")
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """导入站点列表 Import station lists (站点列表-2022.02.13起.csv …)."""
    with open_app(data_dir, database_url) as lantian:
        lists = lantian.airquality.import_station_lists(files, parse_date(valid_from, "from"))
    for x in lists:
        controls = sum(1 for s in x.stations.values() if s.control)
        out.print(
            f"{x.valid_from} 起: {len(x.stations)} 个站点 stations, {controls} 个对照点 control stations ← {x.source}"
        )


@stations_app.command("list")
def stations_list_cmd(
    date: Annotated[
        str | None, typer.Option("--date", help="日期 YYYY-MM-DD (default today): the list in force")
    ] = None,
    city: Annotated[str | None, typer.Option("--city", help="城市 city, e.g. 苏州")] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """某日有效的站点 The stations in force on a date."""
    import datetime as dt

    day = parse_date(date, "date") or dt.date.today()
    with open_app(data_dir, database_url) as lantian:
        registry = lantian.airquality.registry()
        current = registry.in_force(day)
        stations = [registry.lookup(code, day) for code in (current.stations if current else {})]
    rows = [s for s in stations if s is not None and (city is None or s.city == city)]
    if as_json:
        print_json([s.__dict__ for s in rows])
        return
    table = Table("编码 code", "名称 name", "城市 city", "经度", "纬度", "对照点")
    for s in rows:
        flag = "是" if s.control else "否" if s.control is False else "?"
        table.add_row(s.code, s.name, s.city, f"{s.lon}", f"{s.lat}", flag)
    out.print(table)
    out.print(f"{len(rows)} 个站点 stations (list in force on {day}: {current.valid_from if current else '—'})")


@app.command("import")
def import_cmd(
    files: Annotated[list[Path], typer.Argument(help="china_sites_YYYYMMDD.csv / china_cities_… / tidy CSV")],
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """导入小时数据（异常值进入隔离报告） Import hourly data; rejected cells go to a quarantine report."""
    with open_app(data_dir, database_url) as lantian:
        report = lantian.airquality.import_files(files)
    if as_json:
        print_json(
            [
                {
                    "file": f.file,
                    "kind": f.kind,
                    "days": [d.isoformat() for d in f.days],
                    "records": f.records,
                    "quarantined": dict(f.quarantined),
                    "quarantine_report": f.quarantine_report,
                }
                for f in report.files
            ]
        )
        return
    days = sorted({d for f in report.files for d in f.days})
    span = f"{days[0]} … {days[-1]}" if days else "—"
    n_files, records = len(report.files), report.records
    out.print(f"{n_files} 个文件 files · {len(days)} 天 days ({span}) · {records} 条站点小时记录 station-hours")
    if report.quarantined:
        out.print("隔离 quarantined: " + "；".join(f"{REASONS[r]} {n}" for r, n in report.quarantined.most_common()))
        for f in report.files:
            if f.quarantine_report:
                out.print(f"  {f.file} → {f.quarantine_report}")
    else:
        out.print("无隔离数据 nothing quarantined")


@app.command("status")
def status_cmd(as_json: JsonFlag = False, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """已导入的监测数据 What monitoring data the data folder holds."""
    with open_app(data_dir, database_url) as lantian:
        status = lantian.airquality.status()
    if as_json:
        print_json(status)
        return
    for key, value in status.items():
        out.print(f"{key}: {value}")


@app.command("daily")
def daily_cmd(
    start: Annotated[str | None, typer.Option("--from", help="起始日期 first day YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--to", help="结束日期 last day YYYY-MM-DD")] = None,
    station: Annotated[list[str] | None, typer.Option("--station", help="站点编码 station code (repeatable)")] = None,
    city: Annotated[str | None, typer.Option("--city", help="城市的全部站点 all stations of a city")] = None,
    rounding: Annotated[str, typer.Option("--rounding", help="half_even (GB/T 8170, default) | half_up")] = "half_even",
    fmt: Annotated[str, typer.Option("--format", help="table|csv|json")] = "table",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """站点日均值及有效小时数 Station daily means with their valid hours (GB 3095: ≥ 20 h)."""
    from lantian.analytics.rounding import MODES

    if rounding not in MODES:
        raise InputError(f"unknown rounding {rounding!r}; use {' or '.join(MODES)}", field="rounding")
    if fmt not in ("table", "csv", "json"):
        raise InputError(f"unknown format {fmt!r}; use table, csv or json", field="format")
    with open_app(data_dir, database_url) as lantian:
        rows = lantian.airquality.daily(
            start=parse_date(start, "from"),
            end=parse_date(end, "to"),
            stations=station or (),
            city=city,
            rounding=rounding,
        )
    columns = ["station", "day", *(f"{p}{s}" for p in ("pm25", "pm10", "so2", "no2", "co") for s in ("", "_hours"))]
    if fmt == "json":
        print_json([{c: r[c] for c in columns} for r in rows])
        return
    if fmt == "csv":
        import csv
        import sys

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(r[c]) for c in columns] for r in rows])
        return
    table = Table(*columns)
    for r in rows:
        table.add_row(*(_cell(r[c]) for c in columns))
    out.print(table)
    out.print(f"{len(rows)} 站日 station-days")


def _cell(value: object) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)
