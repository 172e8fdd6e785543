"""Task exports in the layouts offices use (任务清单导出): task table, responsibility matrix, deadline calendar.

Every export is first built as :class:`TableData` (a title, column names, rows) by a pure function,
then written as ``.xlsx`` (bold frozen header, sized columns), ``.csv`` (UTF-8 with BOM, which Excel
on Chinese Windows opens correctly) or ``.json`` (a list of objects keyed by the column names).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from lantian.domain.plans.departments import KIND_LABELS, KIND_ORDER, department_kind
from lantian.domain.plans.model import (
    ROLE_LABELS,
    STATUS_LABELS,
    PlanTask,
    Role,
    Target,
    TaskStatus,
    strongest_roles,
    to_jsonable,
)
from lantian.errors import InputError

FORMATS = ("xlsx", "csv", "json")
Value = str | int | float | None

# 状态, 最新进展 (the period and text of the newest accepted report), 完成比例 (% complete of the task's
# targets measured from accepted reports) follow 目标值
PROGRESS_COLUMNS = ["状态", "最新进展", "完成比例"]
TASK_COLUMNS = ["序号", "重点工作任务", "具体内容", "牵头单位", "配合单位", "责任单位", "完成时限", "目标值",
                *PROGRESS_COLUMNS]  # fmt: skip
_COMPARATORS = {">=": "≥", "<=": "≤", "=": "=", "~": "约"}


class Progress(Protocol):
    """A task's progress as the task table shows it (lantian.services.measured.TaskProgress)."""

    @property
    def latest(self) -> str: ...  # 最新进展: period and text of the newest accepted report

    @property
    def percent_complete(self) -> float | None: ...  # 完成比例


@dataclass
class TableData:
    title: str  # sheet title (任务清单, 责任矩阵, 时限日历)
    columns: list[str]
    rows: list[list[Value]] = field(default_factory=list)

    def records(self) -> list[dict[str, Value]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def without(self, columns: Sequence[str]) -> TableData:
        """The table without ``columns`` (a terminal too narrow for all of them)."""
        keep = [i for i, c in enumerate(self.columns) if c not in columns]
        return TableData(self.title, [self.columns[i] for i in keep], [[row[i] for i in keep] for row in self.rows])


def format_for(path: Path | None, explicit: str | None) -> str:
    """The export format: ``explicit`` if given, else the output file's suffix (``.xlsx`` → xlsx).

    Raises :class:`InputError` for an unknown format, or when ``explicit`` contradicts a known suffix
    (``--format csv -o out.xlsx`` would write CSV bytes into a file Excel cannot open).
    """
    suffix = path.suffix.lstrip(".").lower() if path else ""
    fmt = (explicit or suffix).lower()
    where = str(path) if path else None
    if fmt not in FORMATS:
        raise InputError(
            f"unknown export format {fmt or 'none'!r}; use xlsx, csv or json (不支持的导出格式，可选 xlsx、csv、json)",
            file=where,
            field="format",
        )
    if suffix in FORMATS and suffix != fmt:
        raise InputError(
            f"导出格式 {fmt} 与文件后缀 .{suffix} 不一致 (format {fmt!r} does not match the file suffix)",
            file=where,
            field="format",
        )
    return fmt


# ------------------------------------------------------------------ rendering helpers
def render_target(t: Target) -> str:
    """``PM2.5浓度≤28µg/m³（力争27）``, ``较2020年下降3%``, ``降尘≤2.2t/km²·月``.

    A target with only a stretch value (力争20%) reads ``…力争≥20%``; one with no value at all keeps
    its text as written.
    """
    label = t.indicator_label or t.indicator
    value, stretch_only = t.value, False
    if value is None and t.stretch_value is not None:
        value, stretch_only = t.stretch_value, True
    if value is None:
        return f"{t.jurisdiction}：{t.text}" if t.jurisdiction and t.source.startswith("附件") else t.text
    shown = f"{value:g}"
    base = f"较{t.baseline_year}年" if t.baseline_year else ""
    if t.comparator == "decrease_by":
        body = f"{base}下降{shown}{t.unit}"
    elif t.comparator == "increase_by":
        body = f"{base}提高{shown}{t.unit}"
    elif t.comparator == "multiply_by":
        body = f"{base}增至{shown}倍"
    else:
        body = f"{_COMPARATORS.get(t.comparator, t.comparator)}{shown}{t.unit}"
    text = f"{label}力争{body}" if stretch_only else f"{label}{body}"
    if t.stretch_value is not None and not stretch_only:
        text += f"（力争{t.stretch_value:g}{'' if t.unit in ('µg/m³', 't/km²·月') else t.unit}）"
    if t.jurisdiction and t.source.startswith("附件"):
        text = f"{t.jurisdiction}：{text}"
    return text


_PERIOD_LABELS = {
    "yearly": "每年",
    "half-yearly": "每半年",
    "quarterly": "每季度",
    "monthly": "每月",
    "weekly": "每周",
    "daily": "每日",
}


def render_recurring(code: str | None) -> str:
    """``monthly:2`` → ``每月2次 (monthly:2)``; empty for a one-off deadline."""
    if not code:
        return ""
    period, _, times = code.partition(":")
    label = _PERIOD_LABELS.get(period)
    if label is None or not times.isdigit():
        return code
    return f"{label}{times}次 ({code})"


def _names(pt: PlanTask, role: Role) -> str:
    deps = [d for d in pt.task.all_departments() if d.role is role]
    explicit = [d.name for d in deps if not d.implicit]
    implicit = [d.name for d in deps if d.implicit]
    return "、".join(dict.fromkeys([*explicit, *implicit]))


def _multi_plan(tasks: Sequence[PlanTask]) -> bool:
    return len({t.plan_key for t in tasks}) > 1


# ------------------------------------------------------------------ the three exports
def task_table(tasks: Sequence[PlanTask], progress: Mapping[tuple[str, str], Progress] | None = None) -> TableData:
    """任务清单 in the office layout (:data:`TASK_COLUMNS`); a 计划 column first when several plans.
    ``progress``: each task's (by plan and number) newest accepted report and % complete."""
    several = _multi_plan(tasks)
    progress = progress or {}
    data = TableData("任务清单", (["计划"] if several else []) + TASK_COLUMNS)
    for pt in tasks:
        t = pt.task
        row: list[Value] = [
            t.number,
            t.category or t.title or "",
            t.text,
            _names(pt, Role.LEAD),
            _names(pt, Role.COOPERATING),
            _names(pt, Role.RESPONSIBLE),
            "；".join(dict.fromkeys(d.text for d in t.all_deadlines())),
            "；".join(dict.fromkeys(render_target(x) for x in t.all_targets())),
            STATUS_LABELS[pt.status],
        ]
        done = progress.get((pt.plan_key, t.number))
        row += [done.latest if done else "", done.percent_complete if done else None]
        prefix: list[Value] = [pt.plan_key] if several else []
        data.rows.append(prefix + row)
    return data


def tasks_json(tasks: Sequence[PlanTask]) -> list[dict[str, Any]]:
    """The structured form of the task list (``tasks list --format json``)."""
    out = []
    for pt in tasks:
        t = pt.task
        out.append(
            {
                "plan": pt.plan_key,
                "plan_title": pt.plan_title,
                "number": t.number,
                "category": t.category,
                "title": t.title,
                "text": t.text,
                "section_path": t.section_path,
                "status": pt.status.value,
                "departments": [
                    {"name": d.name, "normalized": d.normalized, "role": d.role.value, "implicit": d.implicit}
                    for d in t.all_departments()
                ],
                "deadlines": [
                    to_jsonable({"text": d.text, "start": d.start, "end": d.end, "recurring": d.recurring})
                    for d in t.all_deadlines()
                ],
                "targets": [to_jsonable(x) for x in t.all_targets()],
                "subtasks": [{"number": s.number, "text": s.text} for s in t.subtasks],
                "last_deadline": to_jsonable(pt.last_deadline()),
            }
        )
    return out


def _task_label(pt: PlanTask, several: bool) -> str:
    return f"{pt.plan_key} #{pt.task.number}" if several else pt.task.number


def responsibility_matrix(tasks: Sequence[PlanTask]) -> TableData:
    """责任矩阵: a row per unit (规范名), a column per task, cells 牵头/负责/配合, with totals. The 类别
    column tells real departments from levels of government and collectives (:func:`department_kind`);
    rows come in that order, then by how many tasks name the unit, then by name."""
    several = _multi_plan(tasks)
    cells: dict[str, dict[int, Role]] = {}
    for i, pt in enumerate(tasks):
        for name, role in strongest_roles((d.normalized, d.role) for d in pt.task.all_departments()).items():
            cells.setdefault(name, {})[i] = role
    kinds = {name: department_kind(name) for name in cells}
    order = sorted(cells, key=lambda name: (KIND_ORDER[kinds[name]], -len(cells[name]), name))
    columns = ["部门", "类别", *(_task_label(pt, several) for pt in tasks), "牵头数", "配合数", "负责数"]
    data = TableData("责任矩阵", columns)
    for name in order:
        roles = cells[name]
        counts = Counter(roles.values())
        data.rows.append(
            [
                name,
                KIND_LABELS[kinds[name]],
                *(ROLE_LABELS[roles[i]] if i in roles else "" for i in range(len(tasks))),
                counts[Role.LEAD],
                counts[Role.COOPERATING],
                counts[Role.RESPONSIBLE],
            ]
        )
    return data


def deadline_calendar(tasks: Sequence[PlanTask], as_of: dt.date) -> TableData:
    """时限日历: a row per (task, deadline), by end date; undated deadlines last; overdue as of ``as_of``."""
    columns = ["截止日期", "开始日期", "时限原文", "周期", "计划", "序号", "任务", "牵头/责任单位", "状态", "是否逾期"]
    entries: list[tuple[tuple[int, str, str, int], list[Value]]] = []
    for pos, pt in enumerate(tasks):
        t = pt.task
        names = [*_names(pt, Role.LEAD).split("、"), *_names(pt, Role.RESPONSIBLE).split("、")]
        who = "、".join(n for n in dict.fromkeys(names) if n)
        for d in dict.fromkeys((d.text, d.start, d.end, d.recurring) for d in t.all_deadlines()):
            text, start, end, recurring = d
            overdue = end is not None and end < as_of and pt.status is not TaskStatus.COMPLETED
            row: list[Value] = [
                end.isoformat() if end else "",
                start.isoformat() if start else "",
                text,
                render_recurring(recurring),
                pt.plan_key,
                t.number,
                t.title or t.category or t.text[:40],
                who,
                STATUS_LABELS[pt.status],
                "是" if overdue else "否",
            ]
            key = (0 if end else 1, end.isoformat() if end else "", pt.plan_key, pos)
            entries.append((key, row))
    entries.sort(key=lambda e: e[0])
    return TableData("时限日历", columns, [row for _, row in entries])


# ------------------------------------------------------------------ writers
def _cell_width(value: Value) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def write_xlsx(data: TableData, path: Path) -> None:
    write_workbook([data], path)


def write_workbook(tables: Sequence[TableData], path: Path | IO[bytes]) -> None:
    """Each table as a sheet (its title), in the layout of :func:`write_xlsx`, to a file or a stream."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    for n, data in enumerate(tables):
        ws = wb.active if n == 0 else wb.create_sheet()
        ws.title = data.title[:31]
        ws.append(data.columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        for row in data.rows:
            ws.append(row)
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text as written, never a formula
        ws.freeze_panes = "A2"
        for i, name in enumerate(data.columns, start=1):
            widest = max([_cell_width(name), *(_cell_width(r[i - 1]) for r in data.rows)])
            width = min(max(widest + 2, 6), 60)
            ws.column_dimensions[get_column_letter(i)].width = width
            if widest > 60:
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.properties.title = tables[0].title if tables else ""
    try:
        wb.save(path)
    except OSError as exc:
        raise _cannot_write(path if isinstance(path, Path) else Path(tables[0].title), exc) from exc


def xlsx_bytes(tables: Sequence[TableData]) -> bytes:
    """The workbook of :func:`write_workbook` in memory (a download)."""
    buf = io.BytesIO()
    write_workbook(tables, buf)
    return buf.getvalue()


def csv_text(data: TableData) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(data.columns)
    writer.writerows(["" if v is None else v for v in row] for row in data.rows)
    return buf.getvalue()


def write_table(data: TableData, target: Path | IO[str], fmt: str) -> None:
    """Write ``data`` as ``fmt`` to a file (``.csv`` gets a UTF-8 BOM) or to an open text stream."""
    if fmt not in FORMATS:
        raise InputError(
            f"unknown export format {fmt!r}; use xlsx, csv or json (不支持的导出格式，可选 xlsx、csv、json)",
            field="format",
        )
    if fmt == "xlsx":
        if not isinstance(target, Path):
            raise InputError("xlsx needs an output file (xlsx 需指定输出文件)", field="output")
        write_xlsx(data, target)
        return
    text = csv_text(data) if fmt == "csv" else json.dumps(data.records(), ensure_ascii=False, indent=2) + "\n"
    if isinstance(target, Path):
        try:
            target.write_text(("\ufeff" if fmt == "csv" else "") + text, encoding="utf-8", newline="")
        except OSError as exc:
            raise _cannot_write(target, exc) from exc
    else:
        target.write(text)


def write_json(data: object, path: Path) -> None:
    """Structured JSON (e.g. :func:`tasks_json`) to a file, UTF-8, Chinese kept readable."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _cannot_write(path, exc) from exc


def _cannot_write(path: Path, exc: OSError) -> InputError:
    return InputError(
        f"cannot write the output file (无法写入输出文件): {exc.strerror or exc}", file=str(path), field="output"
    )
