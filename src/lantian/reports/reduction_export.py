"""The reduction-list check report as a workbook (减排清单核查报告): what ``reduction-list check -o``
writes and the pages offer for download, one sheet per part of the report:

- 减排比例: each warning level × pollutant: baseline, reduction, ratio, required ratio, shortfall;
- 不符合项: every violation and note (类别, 严重程度, 企业, 位置, 级别, 污染物, 缺口, 说明);
- 企业减排量: each enterprise's reductions per level (t/a, all pollutants together and by pollutant);
- 保障类与豁免, 重点用车单位, 未纳入清单: the lists the page shows under those headings.

Written with :func:`lantian.reports.tasks_export.write_workbook` (bold frozen header, sized columns).
"""

from __future__ import annotations

from pathlib import Path, PurePath

from lantian.domain.warnings.levels import LABELS, LEVELS
from lantian.domain.warnings.reduction import POLLUTANT_LABELS, POLLUTANTS, CheckResult
from lantian.reports.tasks_export import TableData, Value, write_workbook, xlsx_bytes

SEVERITY_LABELS = {"error": "不符合", "warning": "提示"}


def _t(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def check_tables(r: CheckResult) -> list[TableData]:
    """The report's sheets, in the page's order (the first says whether the list passed)."""
    verdict = "通过" if r.passed else "未通过"
    listed = PurePath(r.name.replace("\\", "/")).name  # the file's name, never the folder it was read from
    levels = TableData(
        "减排比例",
        ["清单", "结论", "级别", "污染物", "基准 t/a", "减排 t/a", "比例", "要求", "缺口 t/a"],
        [
            [listed, verdict, LABELS[x.level], POLLUTANT_LABELS[x.pollutant], _t(x.baseline_t), _t(x.reduction_t),
             None if x.ratio is None else round(x.ratio, 4), x.required, _t(x.shortfall_t) if x.shortfall_t else None]
            for x in r.levels
        ],
    )  # fmt: skip
    violations = TableData(
        "不符合项",
        ["类别", "严重程度", "统一社会信用代码", "企业", "工作表", "行", "级别", "污染物", "缺口 t/a", "说明"],
        [
            [v.code, SEVERITY_LABELS.get(v.severity, v.severity), v.enterprise, v.name, v.sheet, v.line,
             LABELS.get(v.level, v.level) if v.level else "", POLLUTANT_LABELS.get(v.pollutant, v.pollutant)
             if v.pollutant else "", _t(v.shortfall_t), v.message]
            for v in r.violations
        ],
    )  # fmt: skip
    by_pollutant = [f"{LABELS[lv]}·{POLLUTANT_LABELS[p]} t/a" for lv in LEVELS for p in POLLUTANTS]
    enterprises = TableData(
        "企业减排量",
        ["统一社会信用代码", "企业", "绩效分级", "豁免", *(f"{LABELS[lv]} t/a" for lv in LEVELS), *by_pollutant],
    )
    for e in r.enterprises:
        row: list[Value] = [e.enterprise.code, e.enterprise.name, e.enterprise.grade, e.enterprise.exemption]
        row += [round(sum(e.reductions[lv].values()), 3) for lv in LEVELS]
        row += [round(e.reductions[lv].get(p, 0.0), 3) for lv in LEVELS for p in POLLUTANTS]
        enterprises.rows.append(row)
    special = TableData("保障类与豁免", ["类别", "统一社会信用代码", "企业", "理由"])
    special.rows += [["保障类", e.code, e.name, e.reason] for e in r.protected]
    special.rows += [["豁免", e.code, e.name, e.reason] for e in r.exempt]
    vehicles = TableData(
        "重点用车单位",
        ["统一社会信用代码", "企业", *(LABELS[lv] for lv in LEVELS)],
        [
            [k.enterprise.code, k.enterprise.name,
             *("；".join(m.describe() for m in k.measures[lv] if m.action == "vehicle") for lv in LEVELS)]
            for k in r.key_vehicle
        ],
    )  # fmt: skip
    missing = TableData(
        "未纳入清单", ["统一社会信用代码", "企业", "行业"], [[x.code, x.name, x.industry] for x in r.not_covered]
    )
    return [levels, violations, enterprises, special, vehicles, missing]


def write_check(r: CheckResult, path: Path) -> None:
    write_workbook(check_tables(r), path)


def check_xlsx(r: CheckResult) -> bytes:
    return xlsx_bytes(check_tables(r))
