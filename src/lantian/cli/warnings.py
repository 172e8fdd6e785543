"""``lantian warnings …``: heavy-pollution weather — warning levels from forecasts, forecast verification."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from lantian.cli.common import DatabaseUrl, DataDir, JsonFlag, emit_table, open_app, out, print_json, remark
from lantian.domain.warnings.levels import LABELS
from lantian.errors import InputError
from lantian.services.clock import beijing_now

if TYPE_CHECKING:  # the reduction-list rules and the services are imported by the commands that use them
    from lantian.domain.warnings.reduction import CheckResult

app = typer.Typer(help="重污染天气：预警级别与预报评估 Heavy-pollution weather: warning levels, forecast checks.")

ForecastOpt = Annotated[Path, typer.Option("--forecast", help="城市预报 CSV / xlsx（city,issued,date,aqi…）")]
JurisdictionOpt = Annotated[str, typer.Option("--jurisdiction", help="辖区 jurisdiction (江苏省, 苏州市, 海门市…)")]
AtOpt = Annotated[str | None, typer.Option("--at", help="时间 YYYY-MM-DD HH:MM, Beijing time (default: now)")]
IssuerOpt = Annotated[str, typer.Option("--issuer", help="发布单位 issuer (…重污染天气应急指挥部办公室)")]
NoteOpt = Annotated[str, typer.Option("--note", help="说明 note (文号, reason)")]


@app.command("template")
def forecast_template_cmd(
    output: Annotated[Path, typer.Option("-o", "--output", help="模板 CSV 路径 where to write the template")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """预报模板 Write the forecast template (.csv: 城市, 发布时间, 预报日期, 时次, 预报AQI … with a worked example)."""
    from lantian.services.warnings import write_forecast_template

    del data_dir, database_url  # taken as by every command; the template needs no data folder

    write_forecast_template(output)
    out.print(f"已写入 written: {output} — 填写后用 warnings level / verify --forecast {output.name}")


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
    from lantian.services.warnings_json import verification_json

    with open_app(data_dir, database_url) as lantian:
        pairs, leads, months, years, overall = lantian.warnings.verify(forecast)
    if as_json:
        print_json(verification_json(pairs, leads, months, years, overall))
        return
    table = Table(
        "分组 group", "天数 n", "级别准确率 level", "范围准确率 range", "级别范围 level range", "首要污染物 primary",
        "NMB", "RMSE", "r",
    )  # fmt: skip
    for s in [*leads, *months, *years, overall]:
        accuracy = (_pct(s.level_accuracy), _pct(s.range_accuracy), _pct(s.level_range_accuracy),
                    _pct(s.primary_accuracy))  # fmt: skip
        table.add_row(s.group, str(s.n), *accuracy, _num(s.nmb, "{:+.1%}"), _num(s.rmse, "{:.1f}"), _num(s.r, "{:.2f}"))
    emit_table(table, csv_when_piped=False)
    out.print(f"{len(pairs)} 个预报日有实测日AQI forecast days with an observed daily AQI")
    heavy = Table("分组 group", "命中 hits", "漏报 misses", "空报 false", "命中率 POD", "空报率 FAR", "TS",
                  title="重污染天（AQI>200）预报 heavy-pollution days")  # fmt: skip
    for s in [*leads, overall]:
        heavy.add_row(s.group, str(s.heavy_hits), str(s.heavy_misses), str(s.heavy_false), _pct(s.pod), _pct(s.far),
                      _pct(s.ts))  # fmt: skip
    emit_table(heavy, csv_when_piped=False)


def parse_at(value: str | None) -> dt.datetime:
    if value is None:
        return beijing_now().replace(second=0)
    try:
        return dt.datetime.fromisoformat(value.strip().replace("/", "-"))
    except ValueError:
        raise InputError(f"not a time (时间格式应为 YYYY-MM-DD HH:MM): {value!r}", field="at") from None


@app.command("issue")
def issue_cmd(
    jurisdiction: JurisdictionOpt,
    level: Annotated[str, typer.Option("--level", help="yellow | orange | red")],
    issuer: IssuerOpt,
    at: AtOpt = None,
    note: NoteOpt = "",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """发布、升级或降级预警 Issue a warning, or move the one in force up or down (the action follows from the level)."""
    level = _LEVEL_WORDS.get(level.strip(), level.strip())
    with open_app(data_dir, database_url) as lantian:
        event = lantian.warnings.record(jurisdiction, level, parse_at(at), issuer, note)
    out.print(f"已登记 recorded: {event.text()}")


@app.command("lift")
def lift_cmd(
    jurisdiction: JurisdictionOpt,
    issuer: IssuerOpt,
    at: AtOpt = None,
    note: NoteOpt = "",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """解除预警 Lift the warning in force."""
    with open_app(data_dir, database_url) as lantian:
        event = lantian.warnings.record(jurisdiction, None, parse_at(at), issuer, note)
    out.print(f"已登记 recorded: {event.text()}")


@app.command("history")
def history_cmd(
    jurisdiction: JurisdictionOpt,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """预警过程 The place's warning events and the level in force over time (its own or inherited)."""
    from lantian.services.warnings_json import event_json, span_json

    with open_app(data_dir, database_url) as lantian:
        events, spans, parents = lantian.warnings.history(jurisdiction)
    if as_json:
        print_json({"jurisdiction": jurisdiction, "parents": parents, "events": [event_json(e) for e in events],
                    "in_force": [span_json(s, jurisdiction) for s in spans]})  # fmt: skip
        return
    out.print(f"[bold]{jurisdiction}[/bold]" + (f"（上级 parents: {'、'.join(parents)}）" if parents else ""))
    for e in events:
        out.print(f"  {e.text()}" + (f" · {e.note}" if e.note else ""))
    if not events:
        out.print("  本辖区未发布预警 no warning of its own")
    out.print("执行级别 level in force:")
    for s in spans:
        row = span_json(s, jurisdiction)
        out.print(f"  {row['start']:%Y-%m-%d %H:%M} — {'至今 ongoing' if s.end is None else f'{s.end:%Y-%m-%d %H:%M}'}"
                  f" {row['label']} · {row['source_text']}")  # fmt: skip


@app.command("in-force")
def in_force_cmd(
    jurisdiction: JurisdictionOpt,
    at: AtOpt = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """执行中的预警与减排措施 The level in force at a moment and the enterprises and measures it puts in force."""
    from lantian.domain.warnings.reduction import POLLUTANT_LABELS, POLLUTANTS
    from lantian.services.warnings_json import in_force_json, span_json

    moment = parse_at(at)
    with open_app(data_dir, database_url) as lantian:
        state = lantian.warnings.in_force(jurisdiction, moment)
    row = in_force_json(state)
    if as_json:
        print_json(row)
        return
    source = "" if state.segment is None else span_json(state.segment, jurisdiction)["source_text"]
    out.print(
        f"[bold]{jurisdiction}[/bold] {moment:%Y-%m-%d %H:%M}: {row['label']}" + (f" · {source}" if source else "")
    )
    if state.list_file is None:
        out.print("尚无减排清单 no reduction list kept (lantian reduction-list import)")
        return
    if state.level is None:
        return
    for p in POLLUTANTS:
        base = state.baselines[p]
        share = f"{state.reductions[p] / base:.1%}" if base else "—"
        out.print(f"  {POLLUTANT_LABELS[p]}: 减排 {state.reductions[p]:.1f} t/a / 基准 {base:.1f} t/a = {share}")
    out.print(f"  执行措施的企业 enterprises with measures: {len(state.enterprises)}")
    for r in state.enterprises[:50]:
        measures = "；".join(m.describe() for m in r.measures[state.level])
        out.print(f"  {r.enterprise.name}（{r.enterprise.code}）{measures}")
    if len(state.enterprises) > 50:
        out.print(f"  … 另有 {len(state.enterprises) - 50} 家 (use --json for all)")


@app.command("readings")
def readings_cmd(
    jurisdiction: JurisdictionOpt,
    readings: Annotated[
        Path, typer.Option("--readings", help="读数 CSV / xlsx（统一社会信用代码,时间,读数[,生产线/工序/设施]）")
    ],
    baseline_days: Annotated[
        int, typer.Option("--baseline-days", help="预警前基准天数 days before a warning as normal")
    ] = 7,
    tolerance: Annotated[float, typer.Option("--tolerance", help="容差（百分点）tolerance, percentage points")] = 10.0,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """预警期间读数核查 Electricity / online-monitoring readings against each enterprise's committed cut."""
    from lantian.services.warnings_json import readings_json

    with open_app(data_dir, database_url) as lantian:
        found = lantian.warnings.readings(
            jurisdiction, readings, baseline_days=baseline_days, tolerance=tolerance / 100
        )
    if as_json:
        print_json(readings_json(jurisdiction, found))
        return
    table = Table("企业 enterprise", "对象 object", "级别 level", "基准 normal", "预警期间 during", "实际降幅 observed",
                  "承诺降幅 committed", "结论 verdict")  # fmt: skip
    for c in found:
        verdict = "未落实 short" if c.short else (c.note or "符合 ok")
        table.add_row(c.code, c.target or "全厂", LABELS.get(c.level, c.level), _num(c.normal, "{:.1f}"),
                      f"{c.during:.1f}", _pct(c.observed_cut), _pct(c.committed_cut), verdict)  # fmt: skip
    emit_table(table)
    remark(f"{sum(c.short for c in found)} 项读数未显示承诺的减排 readings short of the committed cut")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _num(value: Any, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)


_LEVEL_WORDS = {"黄色": "yellow", "橙色": "orange", "红色": "red"}


# ---------------------------------------------------------------- lantian reduction-list …

reduction_app = typer.Typer(help="应急减排清单：模板、核查、登记 Emergency reduction lists: template, check, import.")


@reduction_app.command("template")
def template_cmd(
    output: Annotated[Path, typer.Option("-o", "--output", help="模板 xlsx 路径 where to write the template")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """清单模板 Write the list template (.xlsx: 说明, 企业, 生产线, 措施 with worked examples)."""
    with open_app(data_dir, database_url) as lantian:
        lantian.reduction.write_template(output)
    out.print(f"已写出 written: {output}")


RulesOpt = Annotated[Path | None, typer.Option("--rules", help="核查规则 TOML (default: the shipped rules)")]
ListJurisdictionOpt = Annotated[
    str | None,
    typer.Option("--jurisdiction", help="辖区：适用地方减排比例 apply this place's rules (海门市: 30/40/50 %)"),
]


@reduction_app.command("check")
def check_cmd(
    file: Annotated[Path, typer.Argument(help="减排清单 xlsx")],
    rules: RulesOpt = None,
    jurisdiction: ListJurisdictionOpt = None,
    registry: Annotated[
        Path | None, typer.Option("--registry", help="排污单位名录 CSV / xlsx，核查全覆盖 registry for 应纳尽纳")
    ] = None,
    permits: Annotated[Path | None, typer.Option("--permits", help="排污许可数据 CSV / xlsx permit data")] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="核查报告 xlsx（比例、缺口、不符合项…） write the report as .xlsx"),
    ] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """核查减排清单 Check a list: each level's ratio per pollutant, grade rules, monitoring, coverage, permits.

    Exit status 0 when the list passes, 1 when it does not (the report says why)."""
    from lantian.reports.reduction_export import write_check
    from lantian.services.warnings_json import check_report

    if output is not None and output.suffix.lower() != ".xlsx":
        raise InputError("the report is written as .xlsx (核查报告须为 .xlsx 文件)", file=str(output), field="output")

    with open_app(data_dir, database_url) as lantian:
        result = lantian.reduction.check(
            file, rules_file=rules, jurisdiction=jurisdiction, registry=registry, permits=permits
        )
    if output is not None:
        write_check(result, output)
    if as_json:
        print_json(check_report(result))
    else:
        _print_check(result)
        if output is not None:
            out.print(f"已写入 written: {output}", highlight=False)
    if not result.passed:
        raise typer.Exit(1)


@reduction_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="减排清单 xlsx")],
    jurisdiction: JurisdictionOpt,
    rules: RulesOpt = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """登记辖区的减排清单 Keep a checked list as the jurisdiction's list in force (预警时执行)."""
    with open_app(data_dir, database_url) as lantian:
        result, changed = lantian.reduction.import_list(file, jurisdiction, rules)
    _print_check(result, brief=True)
    out.print(("已登记 kept" if changed else "未变化 unchanged (same file)") + f": {jurisdiction} ← {file.name}")


def _print_check(r: CheckResult, brief: bool = False) -> None:
    from lantian.domain.warnings.reduction import POLLUTANT_LABELS

    verdict = "[green]通过 passed[/green]" if r.passed else "[red]未通过 failed[/red]"
    out.print(
        f"[bold]{r.name}[/bold]: {len(r.enterprises)} 家企业 enterprises · {r.measures} 条措施 measures · {verdict}"
    )
    table = Table("级别 level", "污染物", "基准 t/a", "减排 t/a", "比例 ratio", "要求 required", "差额 shortfall t/a")
    for x in r.levels:
        ratio = "—" if x.ratio is None else f"{x.ratio:.1%}"
        short = "" if x.meets else f"[red]{x.shortfall_t:.3f}[/red]"
        table.add_row(LABELS[x.level], POLLUTANT_LABELS[x.pollutant], f"{x.baseline_t:.3f}", f"{x.reduction_t:.3f}",
                      ratio, f"{x.required:.0%}", short)  # fmt: skip
    emit_table(table, csv_when_piped=False)
    errors = [v for v in r.violations if v.severity == "error"]
    out.print(f"不符合项 violations: {len(errors)} · 提示 notes: {len(r.violations) - len(errors)}")
    for v in r.violations[: 10 if brief else 200]:
        where = f"{v.sheet}!{v.line}" if v.line else v.sheet
        out.print(f"  {v.code} · {v.name or v.enterprise} {where}: {v.message}", markup=False)
    shown = 10 if brief else 200
    if len(r.violations) > shown:
        out.print(f"  … 另有 {len(r.violations) - shown} 项 (use --json for all)")
    if r.protected:
        out.print(f"保障类企业 protected: {len(r.protected)}")
        for e in r.protected[: 10 if brief else 100]:
            out.print(f"  {e.name}（{e.code}）：{e.reason or '（未写理由）'}")
    if r.key_vehicle:
        out.print(f"重点用车单位 key vehicle users: {len(r.key_vehicle)}")
    if r.not_covered:
        out.print(f"[red]未纳入清单的涉气企业 not covered: {len(r.not_covered)}[/red]")
