"""The compensation settlement as ``.xlsx`` (生态补偿结算表): a sheet per scheme (every place's line
with its value, what it was compared with and the arithmetic) and a 合计 sheet (each place's amount
per scheme and its total), headed by whether the settlement is confirmed or a draft. Built with
:func:`lantian.reports.tasks_export.write_workbook`, as the other exports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lantian.domain.targets.compensation import PeriodSettlement
from lantian.reports.tasks_export import TableData, Value, xlsx_bytes

BEIJING = dt.timezone(dt.timedelta(hours=8))
SCHEME_COLUMNS = ["辖区", "指标值或名次", "对照值", "对照来源", "金额（万元）", "计算过程"]


def _num(value: Decimal | None) -> Value:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def status_text(s: PeriodSettlement) -> str:
    if s.confirmed is None:
        return "草稿（未确认）"
    at = s.confirmed.at if s.confirmed.at.tzinfo else s.confirmed.at.replace(tzinfo=dt.UTC)
    return f"已确认：{s.confirmed.unit}，{at.astimezone(BEIJING):%Y年%m月%d日 %H:%M}"


def settlement_tables(s: PeriodSettlement) -> list[TableData]:
    """The total sheet first, then one per scheme (sheet titles are at most 31 characters)."""
    office = s.office or "全部辖区"
    totals = TableData(f"合计（{s.label}）", ["辖区", *s.schemes, "合计（万元）", "结算状态"])
    amounts = {(line.scheme, line.place): line.amount for line in s.lines}
    for place, total in s.totals().items():
        row: list[Value] = [place]
        row += [_num(amounts.get((scheme, place))) for scheme in s.schemes]
        totals.rows.append([*row, _num(total), status_text(s)])
    totals.rows.append(["合计", *(_num(sum((x.amount for x in s.of(n)), Decimal(0))) for n in s.schemes),
                        _num(s.net()), f"{office} {s.label} 生态补偿结算"])  # fmt: skip
    tables = [totals]
    used: set[str] = {totals.title}
    for n, scheme in enumerate(s.schemes, start=1):
        title = scheme[:28]
        if title in used:
            title = f"{scheme[:25]}-{n}"
        used.add(title)
        sheet = TableData(title, SCHEME_COLUMNS)
        for line in s.of(scheme):
            sheet.rows.append([line.place, _num(line.value), _num(line.reference), line.reference_source,
                               _num(line.amount), line.arithmetic])  # fmt: skip
        tables.append(sheet)
    return tables


def settlement_xlsx(s: PeriodSettlement) -> bytes:
    return xlsx_bytes(settlement_tables(s))


def filename(s: PeriodSettlement) -> str:
    draft = "" if s.confirmed is not None else "（草稿）"
    return f"生态补偿结算-{s.office or '全部辖区'}-{s.period}{draft}.xlsx"
