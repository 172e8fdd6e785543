"""Emergency reduction lists (应急减排清单): the template, the check, and each jurisdiction's list
kept in the data folder (``reduction-lists/``) for the warnings that put it in force.
docs/warnings.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from lantian.documents.read import decode_text
from lantian.documents.tables import find_sheet, open_workbook, sheet_rows, table_rows
from lantian.domain.targets.registry import place_key
from lantian.domain.tracking.model import SYSTEM, Actor
from lantian.domain.warnings.reduction import (
    ENTERPRISE_HEADER,
    ENTERPRISE_REQUIRED,
    LINE_HEADER,
    LINE_REQUIRED,
    MEASURE_HEADER,
    MEASURE_REQUIRED,
    PERMIT_HEADER,
    PERMIT_REQUIRED,
    REGISTRY_HEADER,
    REGISTRY_REQUIRED,
    CheckResult,
    ReductionList,
    Rules,
    check,
    parse_list,
    parse_permits,
    parse_registry,
    parse_rules,
)
from lantian.errors import InputError, NotFoundError, StructureError, UnsupportedFormatError
from lantian.services.audit import AuditTrail

ENTERPRISE_SHEETS = ("企业", "enterprises", "企业清单")
LINE_SHEETS = ("生产线", "lines", "生产线工序")
MEASURE_SHEETS = ("措施", "measures", "减排措施")


def load_rules(path: Path | None = None, jurisdiction: str | None = None) -> Rules:
    if path is None:
        text = resources.files("lantian.data").joinpath("reduction_rules.toml").read_text(encoding="utf-8")
        return parse_rules(text, name="reduction_rules.toml", jurisdiction=jurisdiction)
    if not path.is_file():
        raise InputError("file not found (文件不存在)", file=str(path))
    return parse_rules(decode_text(path.read_bytes(), name=str(path))[0], name=str(path), jurisdiction=jurisdiction)


def read_list(path: Path) -> tuple[ReductionList, tuple[str, str, str]]:
    """A list workbook: the enterprise and measure sheets (the line sheet is optional)."""
    if path.suffix.lower() != ".xlsx":
        raise UnsupportedFormatError("a reduction list is an .xlsx workbook (减排清单应为 xlsx)", file=str(path))
    book = open_workbook(path)
    ent = find_sheet(book, ENTERPRISE_SHEETS)
    measure = find_sheet(book, MEASURE_SHEETS)
    if ent is None or measure is None:
        wanted = "企业" if ent is None else "措施"
        raise StructureError(
            f"the workbook has no sheet named {wanted} "
            f"(缺少工作表 {wanted}，现有工作表：{'、'.join(book.sheet_names)})",
            file=str(path),
            field=wanted,
        )
    lines = find_sheet(book, LINE_SHEETS)
    file = str(path)
    data = parse_list(
        sheet_rows(book, ent, header=ENTERPRISE_HEADER, required=ENTERPRISE_REQUIRED, what="企业表", file=file),
        sheet_rows(book, lines, header=LINE_HEADER, required=LINE_REQUIRED, what="生产线表", file=file)
        if lines
        else [],
        sheet_rows(book, measure, header=MEASURE_HEADER, required=MEASURE_REQUIRED, what="措施表", file=file),
        file=file,
        sheets=(ent, lines or "生产线", measure),
    )
    return data, (ent, lines or "生产线", measure)


@dataclass
class ReductionService:
    data_dir: Path
    audit: AuditTrail | None = None  # keeping a list is audited (None: checking and templates only)

    @property
    def root(self) -> Path:
        return self.data_dir / "reduction-lists"

    def check(
        self,
        path: Path,
        *,
        rules_file: Path | None = None,
        jurisdiction: str | None = None,
        registry: Path | None = None,
        permits: Path | None = None,
    ) -> CheckResult:
        data, sheets = read_list(path)
        rules = load_rules(rules_file, jurisdiction)
        entries = None
        if registry is not None:
            rows = table_rows(
                registry, header=REGISTRY_HEADER, required=REGISTRY_REQUIRED, what="排污单位名录 registry"
            )
            entries = parse_registry(rows, file=str(registry))
        permit_rows = None
        if permits is not None:
            rows = table_rows(permits, header=PERMIT_HEADER, required=PERMIT_REQUIRED, what="排污许可 permits")
            permit_rows = parse_permits(rows, file=str(permits))
        return check(data, rules, registry=entries, permits=permit_rows, sheets=sheets)

    # ------------------------------------------------------------------ a jurisdiction's list
    def import_list(
        self, path: Path, jurisdiction: str, rules_file: Path | None = None, *, actor: Actor = SYSTEM
    ) -> tuple[CheckResult, bool]:
        """Check the workbook and keep it as ``jurisdiction``'s list in force (a bad cell keeps nothing;
        a list that fails the checks is kept with its report, as offices file lists in revision).
        Returns the check and whether anything changed (the same file again changes nothing). Kept by
        ``actor`` (a web user, or the command line), the change is audited in a transaction around
        the file writes: a failed write leaves no entry."""
        if not jurisdiction.strip():
            raise InputError("name the jurisdiction (请填写辖区)", field="jurisdiction")
        result = self.check(path, rules_file=rules_file, jurisdiction=jurisdiction)
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        key = place_key(jurisdiction)
        meta = self.meta(jurisdiction)
        if meta is not None and meta.get("sha256") == sha:
            return result, False
        info = {
            "jurisdiction": jurisdiction,
            "file": path.name,
            "sha256": sha,
            "imported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "enterprises": len(result.enterprises),
            "measures": result.measures,
            "passed": result.passed,
        }
        if self.audit is None:
            raise RuntimeError("keeping a list is audited: the service needs the audit trail")
        with self.audit.changing(actor) as (_, note):
            note("reduction_list.import", "reduction_list", jurisdiction, meta, info)
            self.root.mkdir(parents=True, exist_ok=True)
            _atomic_bytes(self.root / f"{key}.xlsx", data)
            _atomic_bytes(self.root / f"{key}.json", json.dumps(info, ensure_ascii=False, indent=2).encode())
        return result, True

    def meta(self, jurisdiction: str) -> dict[str, Any] | None:
        path = self.root / f"{place_key(jurisdiction)}.json"
        return dict(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else None

    def kept(self, jurisdiction: str) -> CheckResult:
        """The check of the list kept for ``jurisdiction`` (under its own rules)."""
        path = self.root / f"{place_key(jurisdiction)}.xlsx"
        if not path.is_file():
            raise NotFoundError(
                f"no reduction list for {jurisdiction}: `lantian reduction-list import` "
                f"({jurisdiction}尚无应急减排清单，请大气办先导入)",
                field="jurisdiction",
            )
        return self.check(path, jurisdiction=jurisdiction)

    def write_template(self, path: Path) -> None:
        """The template workbook: instructions, then the three sheets with worked example rows."""
        import openpyxl
        from openpyxl.styles import Font
        from stdnum.cn import uscc

        def code(stem: str) -> str:
            return stem + uscc.calc_check_digit(stem)

        a, b, c = code("91320684MA1WXY001"), code("91320684MA1WXY002"), code("91320684MA1WXY003")
        book = openpyxl.Workbook()
        notes = book.active
        notes.title = "说明"
        for note in _TEMPLATE_NOTES:
            notes.append([note])
        notes.column_dimensions["A"].width = 110
        sheets: dict[str, tuple[list[str], list[list[Any]]]] = {
            "企业": (
                [
                    "企业名称",
                    "统一社会信用代码",
                    "行业",
                    "绩效分级",
                    "豁免类别",
                    "豁免理由",
                    "重点用车单位",
                    "SO2排放量(t/a)",
                    "NOx排放量(t/a)",
                    "颗粒物排放量(t/a)",
                    "VOCs排放量(t/a)",
                ],
                [
                    ["示例水泥有限公司", a, "水泥", "B", "", "", "是", 120.5, 480.0, 95.2, 10.0],
                    ["示例化工有限公司", b, "化工", "C", "", "", "否", 8.0, 25.0, 6.0, 140.0],
                    [
                        "示例热电有限公司",
                        c,
                        "热电",
                        "A",
                        "保障类",
                        "承担城市居民集中供热",
                        "否",
                        60.0,
                        150.0,
                        12.0,
                        2.0,
                    ],
                ],
            ),
            "生产线": (
                [
                    "统一社会信用代码",
                    "生产线/工序/设施",
                    "SO2排放量(t/a)",
                    "NOx排放量(t/a)",
                    "颗粒物排放量(t/a)",
                    "VOCs排放量(t/a)",
                ],
                [
                    [a, "1号熟料生产线", 80.0, 320.0, 60.0, 6.0],
                    [a, "2号熟料生产线", 40.5, 160.0, 35.2, 4.0],
                    [b, "涂料生产车间", 0.0, 0.0, 2.0, 100.0],
                    [b, "导热油炉", 8.0, 25.0, 4.0, 40.0],
                ],
            ),
            "措施": (
                ["统一社会信用代码", "预警级别", "生产线/工序/设施", "措施类型", "限产比例(%)", "监测手段", "措施内容"],
                [
                    [a, "黄色", "2号熟料生产线", "停产", "", "用电监控、在线监测", "2号线停窑"],
                    [a, "黄色", "运输车辆", "运输管控", "", "视频监控、台账", "停止国四及以下重型柴油货车运输"],
                    [a, "橙色", "全厂", "限产", 40, "在线监测", "全厂限产40%"],
                    [a, "橙色", "运输车辆", "运输管控", "", "视频监控、台账", "停止国五及以下重型柴油货车运输"],
                    [a, "红色", "全厂", "停产", "", "在线监测、用电监控", "全厂停产"],
                    [a, "红色", "运输车辆", "运输管控", "", "视频监控、台账", "停止厂内运输"],
                    [b, "黄色", "涂料生产车间", "限产", 30, "用电监控", "涂料车间限产30%"],
                    [b, "黄色", "导热油炉", "限产", 30, "在线监测", "导热油炉限产30%"],
                    [b, "橙色", "涂料生产车间", "停产", "", "用电监控", "涂料车间停产"],
                    [b, "橙色", "导热油炉", "限产", 50, "在线监测", "导热油炉限产50%"],
                    [b, "红色", "全厂", "停产", "", "用电监控、工况监控", "全厂停产"],
                ],
            ),
        }
        for title, (header, rows) in sheets.items():
            sheet = book.create_sheet(title)
            sheet.append(header)
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for row in rows:
                sheet.append(row)
            for i, h in enumerate(header, start=1):
                sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(12, len(h) * 2)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".xlsx", dir=path.parent)
        os.close(fd)
        book.save(tmp)
        os.replace(tmp, path)


_TEMPLATE_NOTES = (
    "应急减排清单模板（lantian reduction-list check 清单.xlsx）",
    "企业：每家企业一行。绩效分级填 A、B、C、D、引领性、非引领性，或留空（未分级）；"
    "豁免类别填 豁免 或 保障类，并写明豁免理由；重点用车单位填 是 或 否；排放量为基准排放量（吨/年）。",
    "生产线：企业的生产线、工序、设施及其基准排放量（吨/年），各项之和不应超过企业排放量。",
    "措施：每条措施一行。预警级别填 黄色、橙色、红色；对象为生产线表中的名称或“全厂”；"
    "措施类型填 停产、限产、运输管控、其他；限产须填比例（%）；"
    "监测手段填 在线监测、用电监控、工况监控、视频监控、台账（可多个，用顿号分隔）。",
    "某级别未列措施的企业沿用下一级别的措施（同黄色预警）。减排量 = 停产对象的排放量 + 限产对象的排放量 × 比例。",
    "Sheets: 企业 enterprises, 生产线 lines (optional), 措施 measures. Column titles may also be given in English: "
    "name, credit_code, industry, grade, exemption, exemption_reason, key_vehicle_user, so2_t, nox_t, pm_t, vocs_t; "
    "object; level, action, limit_pct, monitoring, text.",
)


def _atomic_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
