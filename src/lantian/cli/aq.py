"""``lantian aq …``: station lists and hourly monitoring data (空气质量数据)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from lantian.cli.common import (
    DatabaseUrl,
    DataDir,
    JsonFlag,
    TableFormat,
    emit_table,
    open_app,
    out,
    parse_date,
    print_json,
    progress,
    remark,
    table_format,
)
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
        unstated = "" if x.has_control_column else "；无对照点列，其余站点类别未标明 (no 对照点 column)"
        out.print(
            f"{x.valid_from} 起: {len(x.stations)} 个站点 stations, {controls} 个不计入城市（对照点、停运等）"
            f" marked out of city values{unstated} ← {x.source}"
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

    from lantian.domain.aq.stations import class_label

    day = parse_date(date, "date") or dt.date.today()
    with open_app(data_dir, database_url) as lantian:
        registry = lantian.airquality.registry()
        current = registry.in_force(day)
        stations = [registry.lookup(code, day) for code in (current.stations if current else {})]
    rows = [s for s in stations if s is not None and (city is None or s.city == city)]
    if as_json:
        print_json([s.__dict__ for s in rows])
        return
    table = Table("编码 code", "名称 name", "城市 city", "经度", "纬度", "类别 class", "依据 basis")
    for s in rows:
        table.add_row(s.code, s.name, s.city, f"{s.lon}", f"{s.lat}", class_label(s), _basis_word(s.basis))
    emit_table(table)
    remark(f"{len(rows)} 个站点 stations (list in force on {day}: {current.valid_from if current else '—'})")


def _basis_word(basis: str) -> str:
    """A class basis in Chinese: list 2020-12-06 → 站点列表 2020-12-06, correction … → 办公室更正 …"""
    kind, _, day = basis.partition(" ")
    return {"list": f"站点列表 {day}", "correction": f"办公室更正 {day}"}.get(kind, "未标明")


@stations_app.command("class")
def stations_class_cmd(
    code: Annotated[str, typer.Argument(help="监测点编码 station code, e.g. 1160A")],
    as_class: Annotated[str, typer.Option("--as", help="类别 对照点 | 城市点")],
    valid_from: Annotated[str, typer.Option("--from", help="起始日期 YYYY-MM-DD: the class holds from this day")],
    note: Annotated[str, typer.Option("--note", help="说明（依据文件等） note")] = "",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """更正站点类别（自某日起） Correct a station's class from a date: 对照点 or 城市点."""
    from lantian.domain.aq.stations import CLASS_WORDS, ClassCorrection

    if as_class not in CLASS_WORDS:
        raise InputError(f"--as must be 对照点 or 城市点, not {as_class!r} (类别只能是对照点或城市点)", field="as")
    start = parse_date(valid_from, "from")
    assert start is not None
    correction = ClassCorrection(code.strip(), CLASS_WORDS[as_class], start, note.strip())
    with open_app(data_dir, database_url) as lantian:
        lantian.airquality.correct_station_class(correction)
    out.print(f"{correction.code} 自 {start} 起为{as_class} (class from {start}: {as_class}); 评价自该日起按此计算")


@stations_app.command("classes")
def stations_classes_cmd(as_json: JsonFlag = False, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """站点类别更正清单 The office's station class corrections."""
    with open_app(data_dir, database_url) as lantian:
        corrections = lantian.airquality.class_corrections()
    rows = [
        {"监测点编码": c.code, "类别": "对照点" if c.control else "城市点", "起始日期": c.valid_from.isoformat(),
         "说明": c.note}
        for c in corrections
    ]  # fmt: skip
    if as_json:
        print_json(rows)
        return
    table = Table("监测点编码 code", "类别 class", "起始日期 from", "说明 note")
    for r in rows:
        table.add_row(*r.values())
    emit_table(table)
    remark(f"{len(rows)} 条更正 corrections")


@app.command("import")
def import_cmd(
    files: Annotated[list[Path], typer.Argument(help="china_sites_… / china_cities_… / tidy .csv or .parquet")],
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """导入小时数据（异常值进入隔离报告） Import hourly data; rejected cells go to a quarantine report."""
    from lantian.domain.aq.archive import REASONS

    with open_app(data_dir, database_url) as lantian, progress("导入 import") as step:
        report = lantian.airquality.import_files(files, progress=step)
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
def status_cmd(
    start: Annotated[str | None, typer.Option("--from", help="起始日期 first day YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--to", help="结束日期 last day YYYY-MM-DD")] = None,
    station: Annotated[list[str] | None, typer.Option("--station", help="站点编码 station code (repeatable)")] = None,
    city: Annotated[str | None, typer.Option("--city", help="城市的全部站点 all stations of a city")] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """已导入的监测数据及逐站逐月完整性 What the data folder holds, and completeness per station and month."""
    with open_app(data_dir, database_url) as lantian:
        status = lantian.airquality.status()
        rows = lantian.airquality.completeness(
            start=parse_date(start, "from"), end=parse_date(end, "to"), stations=station or (), city=city
        )
    if as_json:
        print_json({**status, "completeness": rows})
        return
    for key, value in status.items():
        remark(f"{key}: {value}")
    if not rows:
        return
    table = Table(
        "站点 station", "名称 name", "城市 city", "月份 month", "有效天数/应有 valid days", "有数据小时/应有 hours",
        "完整小时 complete hours", "未通过有效性的日期 failing days (hours lacking a value)",
        title="逐站逐月完整性 Completeness per station and month (GB 3095 表4, HJ 663)",
    )  # fmt: skip
    table.columns[-1].overflow = "fold"  # every failing day shown, never cut with an ellipsis
    for r in rows:
        failing = "; ".join(
            f"{f['day'][5:]} {'、'.join(f['reasons'])}"
            + (f" [缺 {_hours_text(f['hours'])} 时]" if len(f["hours"]) < 24 else "")
            for f in r["failing_days"]
        )
        table.add_row(
            r["station"], r["name"] or "—", r["city"] or "—", r["month"], f"{r['valid_days']}/{r['expected_days']}",
            f"{r['hours']}/{r['expected_hours']}", str(r["complete_hours"]), failing or "—",
        )  # fmt: skip
    emit_table(table)


def _hours_text(hours: list[int]) -> str:
    """[0, 1, 2, 5, 7, 8] → "0-2,5,7-8"."""
    runs: list[list[int]] = []
    for h in hours:
        if runs and h == runs[-1][1] + 1:
            runs[-1][1] = h
        else:
            runs.append([h, h])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


@app.command("daily")
def daily_cmd(
    start: Annotated[str | None, typer.Option("--from", help="起始日期 first day YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--to", help="结束日期 last day YYYY-MM-DD")] = None,
    station: Annotated[list[str] | None, typer.Option("--station", help="站点编码 station code (repeatable)")] = None,
    city: Annotated[str | None, typer.Option("--city", help="城市的全部站点 all stations of a city")] = None,
    rounding: Annotated[str, typer.Option("--rounding", help="half_even (GB/T 8170, default) | half_up")] = "half_even",
    fmt: TableFormat = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """站点日均值及有效小时数 Station daily means with their valid hours (GB 3095: ≥ 20 h)."""
    from lantian.analytics.rounding import MODES

    if rounding not in MODES:
        raise InputError(f"unknown rounding {rounding!r}; use {' or '.join(MODES)}", field="rounding")
    fmt = table_format(fmt)
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
    emit_table(table, json_hint="--format json", csv_when_piped=False)  # piped: only when asked for
    remark(f"{len(rows)} 站日 station-days")


def _cell(value: object) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


# ---------------------------------------------------------------------------------------------- assessment
areas_app = typer.Typer(help="城市—省份对照表 The city → province map used for province values.")
app.add_typer(areas_app, name="areas")

Level = Annotated[str, typer.Option("--level", help="station | county | city | province（站点/区县/城市/省）")]
PeriodOpt = Annotated[
    str | None, typer.Option("--period", help="时段 2025 | 2025-Q1 | 2025-03 | 2025-ytd | 2025-01-01..2025-06-30")
]
StartOpt = Annotated[str | None, typer.Option("--from", help="起始日期 first day YYYY-MM-DD")]
EndOpt = Annotated[str | None, typer.Option("--to", help="结束日期 last day YYYY-MM-DD")]
StandardOpt = Annotated[
    str | None, typer.Option("--standard", help="HJ 633 版本 2012|2026 (default: by date, switch 2026-03-01)")
]
MethodOpt = Annotated[
    str, typer.Option("--method", help="2012 实时报: published (as the national network publishes) | literal (表4)")
]
RoundingOpt = Annotated[str, typer.Option("--rounding", help="half_even (GB/T 8170, default) | half_up")]
SchemeOpt = Annotated[str, typer.Option("--scheme", help="综合指数 classic (default) | weighted-2026 (unverified)")]
GradeOpt = Annotated[int, typer.Option("--grade", help="GB 3095 级别 1|2 (default 2)")]
LimitsOpt = Annotated[
    str | None, typer.Option("--limits", help="GB 3095 限值 2012|2026|2031 (default: in force at the period's end)")
]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="写入文件 write to a file (.csv or .json)")]


def _format_for(fmt: str | None, output: Path | None) -> str:
    """--format, else the output file's suffix (.json → json, else csv), else table on a terminal / CSV piped."""
    if fmt is None and output is not None:
        return "json" if output.suffix.lower() == ".json" else "csv"
    return table_format(fmt)


DustOpt = Annotated[
    Path | None,
    typer.Option("--dust-days", help="沙尘日清单 CSV（区域,日期）: PM statistics without those days (扣沙)"),
]
EngineOpt = Annotated[str, typer.Option("--engine", help="计算引擎 duckdb (default) | pyspark")]

AQI_COLUMNS = [
    "station", "time", "aqi", "level", "category", "primary_pollutant",
    *(f"iaqi_{p}" for p in ("so2", "no2", "co", "o3", "pm10", "pm25")), "standard",
]  # fmt: skip
HOURLY_EXTRA = ["so2", "no2", "co", "o3", "pm10", "pm25", "stations"]  # stations: 站点数 the value stands on
DAILY_EXTRA = ["pm25", "pm10", "so2", "no2", "co", "o3_8h_max", "o3_1h_max", "stations"]
PERIOD_COLUMNS = [
    "station", "period", "start", "end", "days", "valid_days", "stations", "stations_min", "good_days",
    "good_ratio", "heavy_days", "heavy_ratio", *(f"level{n}_days" for n in range(1, 7)), "pm25", "pm10", "so2",
    "no2", "co_p95", "o3_p90",
    "pm25_p95", "pm10_p95", "so2_p98", "no2_p98", "pm25_days", "pm10_days", "so2_days", "no2_days", "co_days",
    "o3_days", "min_days", "pm25_exceed_days", "pm10_exceed_days", "so2_exceed_days", "no2_exceed_days",
    "co_exceed_days", "o3_exceed_days", "pm25_multiple", "pm10_multiple", "pm25_attains", "pm10_attains",
    "so2_attains", "no2_attains", "co_attains", "o3_attains", "attains", "limits", "so2_index", "no2_index",
    "pm10_index", "pm25_index", "co_index", "o3_index", "composite_index", "max_index", "max_index_pollutants",
    "rank", "pm25_rank", "good_ratio_rank", "composite_index_last_year", "change_percent", "change_rank",
]  # fmt: skip
PERIOD_LABELS = {  # the table view; csv/json carry every column of PERIOD_COLUMNS
    "rank": "排名", "station": "区域", "composite_index": "综合指数", "good_ratio": "优良%", "pm25": "PM2.5",
    "pm10": "PM10", "o3_p90": "O3-90", "max_index_pollutants": "首要", "attains": "达标", "stations": "站点数",
    "valid_days": "有效天数",
}  # fmt: skip


def _options(
    standard: str | None,
    method: str,
    rounding: str,
    scheme: str = "classic",
    grade: int = 2,
    limits: str | None = None,
    dust_days: Path | None = None,
) -> Any:
    from lantian.analytics.aqi import standard_by_name
    from lantian.analytics.rounding import MODES
    from lantian.domain.standards.gb3095 import limit_set_for
    from lantian.domain.standards.hj633 import HOURLY_METHODS
    from lantian.domain.standards.ranking import scheme as scheme_by_code
    from lantian.services.assessment import Options

    if standard is not None:
        standard_by_name(standard)
    if method not in HOURLY_METHODS:
        raise InputError(f"unknown method {method!r}; use {' or '.join(HOURLY_METHODS)}", field="method")
    if rounding not in MODES:
        raise InputError(f"unknown rounding {rounding!r}; use {' or '.join(MODES)}", field="rounding")
    if grade not in (1, 2):
        raise InputError(f"grade must be 1 or 2 (一级/二级), not {grade}", field="grade")
    if limits is not None:
        limit_set_for(dt.date.today(), limits)
    dust: frozenset[tuple[str, dt.date]] = frozenset()
    if dust_days is not None:
        from lantian.documents.read import decode_text
        from lantian.domain.aq.dust import parse_dust_days

        if not dust_days.is_file():
            raise InputError("file not found (文件不存在)", file=str(dust_days), field="dust-days")
        text, _ = decode_text(dust_days.read_bytes(), name=str(dust_days))
        dust = parse_dust_days(text, name=str(dust_days))
    return Options(
        dust_days=dust,
        standard=standard,
        method=method,
        rounding=rounding,
        grade=grade,
        limits=limits,
        scheme=scheme_by_code(scheme),
    )


def _period(period: str | None, start: str | None, end: str | None, fallback: tuple[dt.date, dt.date] | None) -> Any:
    from lantian.domain.aq.periods import Period, parse_period

    if period and (start or end):
        raise InputError("give --period or --from/--to, not both (时段参数重复)", field="period")
    if period:
        return parse_period(period)
    first, last = parse_date(start, "from"), parse_date(end, "to")
    if first is None or last is None:
        if fallback is None:
            raise InputError("give --period or both --from and --to (请指定评价时段)", field="period")
        first, last = first or fallback[0], last or fallback[1]
    if first > last:
        raise InputError(f"the period starts after it ends: {first} > {last} (起止日期颠倒)", field="from")
    return Period(first, last, f"{first}至{last}")


def _check_level(level: str, allowed: tuple[str, ...]) -> None:
    if level not in allowed:
        raise InputError(f"unknown level {level!r}; use {' | '.join(allowed)}", field="level")


def _value(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.isoformat() + "+08:00"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _emit(rows: list[dict[str, Any]], columns: list[str], fmt: str, output: Path | None) -> None:
    """Rows as csv (UTF-8, with a BOM when written to a file, for Excel) or json, to stdout or a file."""
    if fmt not in ("csv", "json"):
        raise InputError(f"unknown format {fmt!r}; use csv or json", field="format")
    data = [{c: _value(r.get(c)) for c in columns} for r in rows]
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if row[c] is None else row[c] for c in columns] for row in data])
        text = buffer.getvalue()
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(("\ufeff" if fmt == "csv" else "") + text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the output: {exc.strerror} (无法写入)", file=str(output)) from None
    out.print(f"{len(rows)} 行 rows → {output}")


def _check_product(product: str, level: str) -> None:
    _check_level(level, ("station", "county", "city", "province"))
    if product not in ("hourly", "daily", "period"):
        raise InputError(f"unknown product {product!r}; use hourly, daily or period", field="product")


def _rows_for(
    assessment: Any, product: str, level: str, period: Any, options: Any
) -> tuple[list[dict[str, Any]], list[str]]:
    if product == "hourly":
        rows = assessment.hourly(level, period.start, period.end, options)
        return rows, [*AQI_COLUMNS, *HOURLY_EXTRA, "complete"]
    if product == "daily":
        rows = assessment.daily(level, period.start, period.end, options)
        for r in rows:
            r["time"] = r.pop("day")
        return rows, [*AQI_COLUMNS, *DAILY_EXTRA, "complete"]
    return assessment.period(level, period, options), PERIOD_COLUMNS


@app.command("compute")
def compute_cmd(
    inputs: Annotated[
        list[Path], typer.Option("--input", "-i", help="监测数据文件（国家归档格式或整洁格式），可重复 input files")
    ],
    product: Annotated[
        str, typer.Option("--product", help="hourly (实时报) | daily (日报) | period (时段统计)")
    ] = "hourly",
    level: Level = "station",
    fmt: Annotated[str, typer.Option("--format", help="csv | json")] = "csv",
    period: PeriodOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    station_list: Annotated[
        list[Path] | None, typer.Option("--stations", help="站点列表（城市级计算用） station list(s) for --level city")
    ] = None,
    standard: StandardOpt = None,
    method: MethodOpt = "published",
    rounding: RoundingOpt = "half_even",
    scheme: SchemeOpt = "classic",
    dust_days: DustOpt = None,
    output: OutputOpt = None,
    engine: EngineOpt = "duckdb",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """无状态计算器：读入文件直接计算，不导入 The stateless calculator: compute from files, nothing imported."""
    from lantian.config import Settings
    from lantian.services.airquality import AirQualityService

    _check_product(product, level)
    options = _options(standard, method, rounding, scheme, dust_days=dust_days)
    service = AirQualityService.from_settings(Settings.load(data_dir, database_url))
    assessment = service.calculator(inputs, station_list or (), engine)
    the_period = _period(period, start, end, assessment.span())
    rows, columns = _rows_for(assessment, product, level, the_period, options)
    _emit(rows, columns, fmt, output)


@app.command("assess")
def assess_cmd(
    period: PeriodOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    level: Level = "city",
    product: Annotated[str, typer.Option("--product", help="period (default) | daily | hourly")] = "period",
    fmt: TableFormat = None,
    standard: StandardOpt = None,
    method: MethodOpt = "published",
    rounding: RoundingOpt = "half_even",
    scheme: SchemeOpt = "classic",
    grade: GradeOpt = 2,
    limits: LimitsOpt = None,
    area: Annotated[list[str] | None, typer.Option("--area", help="只看这些站点/城市 only these (repeatable)")] = None,
    dust_days: DustOpt = None,
    output: OutputOpt = None,
    engine: EngineOpt = "duckdb",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """评价：时段统计、达标、综合指数 Assess the stored data: period statistics, attainment, composite index."""
    from lantian.services.assessment import stations_text

    _check_product(product, level)
    options = _options(standard, method, rounding, scheme, grade, limits, dust_days)
    with open_app(data_dir, database_url) as lantian:
        assessment = lantian.airquality.assessment(engine)
        the_period = _period(period, start, end, assessment.span())
        rows, columns = _rows_for(assessment, product, level, the_period, options)
    if area:
        rows = [r for r in rows if r["station"] in set(area)]
    fmt = _format_for(fmt, output)
    if fmt != "table":
        _emit(rows, columns, fmt, output)
        return
    if product != "period":
        raise InputError("--format table shows period statistics; use csv or json for daily/hourly", field="format")
    table = Table(*PERIOD_LABELS.values(), title=f"{the_period.label} 环境空气质量评价 ({level})")
    for r in rows:
        cells = [stations_text(r) if c == "stations" else _value(r.get(c)) for c in PERIOD_LABELS]
        table.add_row(*("—" if v is None else "是" if v is True else "否" if v is False else str(v) for v in cells))
    emit_table(table, json_hint="--format json", csv_when_piped=False)  # piped: only when asked for
    remark("完整指标见 --format csv|json (every statistic: --format csv|json)")


@app.command("rank")
def rank_cmd(
    period: PeriodOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    level: Level = "city",
    by: Annotated[
        str, typer.Option("--by", help="composite (综合指数) | pm25 | good_ratio | change (改善幅度)")
    ] = "composite",
    scheme: SchemeOpt = "classic",
    top: Annotated[int | None, typer.Option("--top", help="只列前 N 名 only the first N")] = None,
    place: Annotated[
        str | None,
        typer.Option(
            "--place", help="辖区：排它的下级区域 rank the places under it (default: the office place; '' every place)"
        ),
    ] = None,
    dust_days: DustOpt = None,
    fmt: TableFormat = None,
    output: OutputOpt = None,
    engine: EngineOpt = "duckdb",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """排名（升序，并列同名次） Rank areas: ascending, ties share a rank (1, 2, 2, 4)."""
    from lantian.services.accountability import RANK_KEYS
    from lantian.services.assessment import Options, stations_text

    _check_level(level, ("station", "county", "city", "province"))
    keys = RANK_KEYS
    if by not in keys:
        raise InputError(f"unknown ranking {by!r}; use {' | '.join(keys)}", field="by")
    options = _options(None, "published", "half_even", scheme, dust_days=dust_days)
    with open_app(data_dir, database_url) as lantian:
        office = lantian.office_place if place is None else (place.strip() or None)
        assessment = lantian.airquality.assessment(engine)
        the_period = _period(period, start, end, assessment.span())
        if office is not None and options == Options() and level == "city" and engine == "duckdb":
            # the office's places, as the rankings page ranks them (排名通报)
            _rank_places(lantian, office, the_period, by, top, fmt, output)
            return
        places = lantian.accountability.places(office)
        if places is not None and level == "city":
            level = lantian.accountability.level_of(places)
        rows = assessment.period(level, the_period, options, with_last_year=by == "change", places=places)
    rank_key = keys[by]
    ranked = sorted(rows, key=lambda r: (r[rank_key] is None, r[rank_key] or 0, r["station"]))
    if top is not None:
        ranked = [r for r in ranked if r[rank_key] is not None and r[rank_key] <= top]
    columns = ["station", rank_key, "composite_index", "pm25", "good_ratio", "max_index_pollutants",
               "composite_index_last_year", "change_percent", "stations", "stations_min", "valid_days"]  # fmt: skip
    fmt = _format_for(fmt, output)
    if fmt != "table":
        _emit(ranked, columns, fmt, output)
        return
    table = Table(
        "名次 rank", "区域 area", "综合指数 index", "PM2.5", "优良% good", "首要 primary", "上年同期 last yr", "ΔI%",
        "站点数 stations", "有效天数 valid days",
    )  # fmt: skip
    for r in ranked:
        cells = [r[rank_key], r["station"], r["composite_index"], r["pm25"], r["good_ratio"], r["max_index_pollutants"],
                 r["composite_index_last_year"], r["change_percent"], stations_text(r), r["valid_days"]]  # fmt: skip
        table.add_row(*("—" if c is None else str(_value(c)) for c in cells))
    emit_table(table, json_hint="--format json", csv_when_piped=False)  # piped: only when asked for
    remark(f"{the_period.label} · {options.scheme.title}")


def _rank_places(lantian: Any, office: str, the_period: Any, by: str, top: int | None, fmt: str | None,
                 output: Path | None) -> None:  # fmt: skip
    """``aq rank`` over an office's places: the rankings service's table (the page's, the API's JSON)."""
    from lantian.web.rankings import table_json

    table = lantian.rankings.for_period(office, "month_change" if by == "change" else "month", the_period)
    data = table_json(table)
    if by in ("pm25", "good_ratio"):
        ranks = table.ranks(by)
        for r in data["rows"]:
            r["rank"] = ranks.get(r["place"])
        data["rows"].sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["place"]))
    if top is not None:
        data["rows"] = [r for r in data["rows"] if r["rank"] is not None and r["rank"] <= top]
    fmt = _format_for(fmt, output)
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if output is None:
            print_json(data)
        else:
            output.write_text(text + "\n", encoding="utf-8")
        return
    columns = ["place", "rank", "tied", "composite_index", "pm25", "good_ratio", "composite_index_last_year",
               "change_percent", "valid_days", "why_text"]  # fmt: skip
    if fmt != "table":
        _emit(data["rows"], columns, fmt, output)
        return
    grid = Table("名次 rank", "区域 place", "综合指数 index", "PM2.5", "优良% good", "上年同期 last yr", "ΔI%",
                 "有效天数 valid days", "说明 note")  # fmt: skip
    for r in data["rows"]:
        rank = None if r["rank"] is None else f"{r['rank']}{'（并列）' if r['tied'] else ''}"
        cells = [rank, r["place"], r["composite_index"], r["pm25"], r["good_ratio"], r["composite_index_last_year"],
                 r["change_percent"], r["valid_days"], r["why_text"]]  # fmt: skip
        grid.add_row(*("—" if c is None else str(_value(c)) for c in cells))
    emit_table(grid, json_hint="--format json", csv_when_piped=False)
    if table.note:
        remark("没有可排名的下级区域 nothing to rank: " + ("暂无乡镇（街道）站点" if table.note == "no_townships"
                                                            else "区域对照表中没有下级区域"))  # fmt: skip
    tier = TIERS_REMARK.get(table.tier, table.tier)
    remark(f"{office} · {table.period.label} · {tier}（并列同名次 ties share a rank）")


TIERS_REMARK = {"city": "各设区市 cities", "county": "各县（市、区） counties", "township": "各乡镇（街道） townships"}


@app.command("verify")
def verify_cmd(
    start: StartOpt = None,
    end: EndOpt = None,
    method: MethodOpt = "published",
    limit: Annotated[int, typer.Option("--limit", help="列出的不一致条数 mismatches to list")] = 20,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """核对：重算的小时 AQI 与发布值 Check lantian's hourly AQI against the AQI published in the data."""
    options = _options(None, method, "half_even")
    with open_app(data_dir, database_url) as lantian, progress("核对 verifying the hourly AQI"):
        report = lantian.airquality.assessment().verify(parse_date(start, "from"), parse_date(end, "to"), options)
    summary = {
        "published": report.published,
        "comparable": report.comparable,
        "equal": report.equal,
        "rate": report.rate,
        "without_concentrations": report.without_concentrations,
        "mismatches": len(report.mismatches),
    }
    if as_json:
        print_json({**summary, "listed": [{k: _value(v) for k, v in r.items()} for r in report.mismatches[:limit]]})
        return
    out.print(
        f"发布AQI的站点小时 {report.published} · 可比 comparable {report.comparable} · 一致 equal {report.equal} "
        f"({report.rate:.4%}) · 无浓度 without concentrations {report.without_concentrations}"
    )
    for r in report.mismatches[:limit]:
        out.print("  " + " ".join(f"{k}={_value(v)}" for k, v in r.items() if v is not None))


@areas_app.command("import")
def areas_import_cmd(
    file: Annotated[
        Path, typer.Argument(help="CSV：城市,省级行政区 — 或 --counties 时 监测点编码,区县（UTF-8 或 GBK）")
    ],
    counties: Annotated[
        bool, typer.Option("--counties", help="站点—区县对照表 a station → county map (区县评价、排名用)")
    ] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """导入城市—省份或站点—区县对照表 Import the city → province map, or with --counties the station → county map."""
    with open_app(data_dir, database_url) as lantian:
        if counties:
            mapping = lantian.airquality.import_county_map(file)
            areas = sorted(set(mapping.values()))
            out.print(f"{len(mapping)} 个站点 stations → {len(areas)} 个区县 counties ← {file}")
            return
        mapping = lantian.airquality.import_area_map(file)
    provinces = sorted(set(mapping.values()))
    out.print(f"{len(mapping)} 个城市 cities → {len(provinces)} 个省份 provinces ← {file}")


published_app = typer.Typer(help="城市日报发布值（历史） Published city daily values, as history.")
app.add_typer(published_app, name="published")


@published_app.command("import")
def published_import_cmd(
    files: Annotated[list[Path], typer.Argument(help="城市日报 CSV：tidy / aqistudy / tianqihoubao（UTF-8 或 GBK）")],
    city: Annotated[
        str | None, typer.Option("--city", help="无城市列的行所属城市 the city of rows without one")
    ] = None,
    city_from_file_name: Annotated[
        bool,
        typer.Option("--city-from-file-name", help="无城市列时取文件名为城市 take a missing city from the file name"),
    ] = False,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """导入城市日报发布值 Import published city daily values (history for the target projection)."""
    with open_app(data_dir, database_url) as lantian:
        parsed, total = lantian.airquality.import_published(files, city=city, city_from_file_name=city_from_file_name)
    rows: list[dict[str, Any]] = [
        {
            "file": f.file,
            "layout": f.layout,
            "cities": f.cities,
            "city_given": {"city": f.city_given, "rows": f.rows_given_city} if f.rows_given_city else None,
            "days": len(f.days),
            "first_day": min(d.day for d in f.days).isoformat(),
            "last_day": max(d.day for d in f.days).isoformat(),
            "skipped_outages": f.skipped_outages,
        }
        for f in parsed
    ]
    if as_json:
        print_json({"files": rows, "stored_city_days": total})
        return
    for r in rows:
        skipped = f" · 跳过全零行 all-zero rows skipped {r['skipped_outages']}" if r["skipped_outages"] else ""
        given = r["city_given"]
        source = "文件名 the file name" if city_from_file_name else "--city"
        named = f" · {given['rows']} 行的城市取自{source}: {given['city']}" if given else ""
        out.print(
            f"{r['file']} ({r['layout']}): {'、'.join(r['cities'])} {r['days']} 天 days "
            f"{r['first_day']} … {r['last_day']}{skipped}{named}"
        )
    out.print(f"共存城市日 stored city-days: {total}")
