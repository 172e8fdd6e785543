"""Emergency reduction lists (应急减排清单): parsing the sheets and checking a list.

A list has enterprises (企业: code, grade, exemption, baseline emissions in t/a), optionally their
production lines, processes and facilities (生产线/工序/设施, each with its own baseline), and
measures per warning level (措施: stop or limit x % of a line, process, facility or the whole
plant; a transport measure for 重点用车单位; the means by which it is monitored).

What a measure removes (t/a): a stop removes the object's baseline, a limit x % that share. An
enterprise's reduction at a level is the larger of its whole-plant reduction and the sum over its
objects (each object counted once, with its strictest measure), never more than its baseline. An
enterprise that lists no measure for a level keeps those of the nearest lower level (“同黄色预警”).
The list's ratio for a pollutant is the reduction over the baseline of every enterprise on the
list, or over the area total when the rules give one; the shortfall is required × base − reduction.

The rules (ratios per level, grade minimums, monitoring means) come from configuration:
``lantian/data/reduction_rules.toml``; docs/warnings.md gives each rule and its source.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from stdnum.cn import uscc  # GB 32100-2015 统一社会信用代码, with its check character

from lantian.domain.warnings.levels import LABELS, LEVELS
from lantian.errors import ConfigError, StructureError

POLLUTANTS = ("so2", "nox", "pm", "vocs")
POLLUTANT_LABELS = {"so2": "SO2", "nox": "NOx", "pm": "颗粒物", "vocs": "VOCs"}
GRADES = ("A", "B", "C", "D", "引领性", "非引领性", "")  # "" 未分级: an enterprise outside the graded industries
EXEMPTIONS = ("", "豁免", "保障类")
ACTIONS = ("stop", "limit", "vehicle", "other")
ACTION_LABELS = {"stop": "停产", "limit": "限产", "vehicle": "运输管控", "other": "其他"}
WHOLE_PLANT = "全厂"

_LEVEL_WORDS = {
    "yellow": "yellow", "黄色": "yellow", "黄": "yellow", "III": "yellow", "Ⅲ": "yellow", "orange": "orange",
    "橙色": "orange", "橙": "orange", "II": "orange", "Ⅱ": "orange", "red": "red", "红色": "red", "红": "red",
    "I": "red", "Ⅰ": "red"
}  # fmt: skip
_ACTION_WORDS = {
    "stop": "stop", "停产": "stop", "停止生产": "stop", "停": "stop", "limit": "limit", "限产": "limit",
    "限": "limit", "vehicle": "vehicle", "运输管控": "vehicle", "运输": "vehicle", "车辆管控": "vehicle",
    "other": "other", "其他": "other"
}  # fmt: skip
_EXEMPTION_WORDS = {
    "": "", "否": "", "无": "", "豁免": "豁免", "豁免企业": "豁免", "exempt": "豁免", "保障类": "保障类",
    "保障": "保障类", "民生保障": "保障类", "protected": "保障类"
}  # fmt: skip
_YES = {"是", "Y", "YES", "TRUE", "1", "√"}
_NO = {"", "否", "N", "NO", "FALSE", "0"}

# header name → field, per sheet (Chinese and English names both accepted)
_EMISSIONS = {
    "SO2(t/a)": "so2", "SO2排放量(t/a)": "so2", "so2_t": "so2", "二氧化硫(t/a)": "so2", "NOx(t/a)": "nox",
    "NOx排放量(t/a)": "nox", "nox_t": "nox", "氮氧化物(t/a)": "nox", "颗粒物(t/a)": "pm", "PM(t/a)": "pm",
    "颗粒物排放量(t/a)": "pm", "pm_t": "pm", "VOCs(t/a)": "vocs", "VOCs排放量(t/a)": "vocs", "vocs_t": "vocs"
}  # fmt: skip
# header titles shared by the sheets
_CODE = {"统一社会信用代码": "code", "credit_code": "code"}
_OBJECT = {"生产线/工序/设施": "object", "object": "object"}
_NAME_INDUSTRY = {"企业名称": "name", "name": "name", "行业": "industry", "industry": "industry"}
ENTERPRISE_HEADER = {
    **_CODE, **_NAME_INDUSTRY, "绩效分级": "grade", "grade": "grade", "豁免类别": "exemption",
    "exemption": "exemption", "豁免理由": "reason", "exemption_reason": "reason", "重点用车单位": "key_vehicle",
    "key_vehicle_user": "key_vehicle", **_EMISSIONS,
}  # fmt: skip
ENTERPRISE_REQUIRED = ("name", "code", "grade", "so2", "nox", "pm", "vocs")
LINE_HEADER = {**_CODE, **_OBJECT, "生产线": "object", **_EMISSIONS}
LINE_REQUIRED = ("code", "object", "so2", "nox", "pm", "vocs")
MEASURE_HEADER = {
    **_CODE, **_OBJECT, "措施对象": "object", "预警级别": "level", "level": "level", "措施类型": "action",
    "action": "action", "限产比例(%)": "limit", "limit_pct": "limit", "监测手段": "monitoring",
    "monitoring": "monitoring", "措施内容": "text", "text": "text",
}  # fmt: skip
MEASURE_REQUIRED = ("code", "level", "object", "action", "limit", "monitoring")
REGISTRY_HEADER = {**_CODE, **_NAME_INDUSTRY, "涉气": "emits", "emits_air": "emits"}
REGISTRY_REQUIRED = ("code", "name")
PERMIT_HEADER = {**_CODE, "行业": "industry", "industry": "industry", "许可证编号": "permit", "permit_no": "permit",
                 **_EMISSIONS}  # fmt: skip
PERMIT_REQUIRED = ("code",)

Rows = Iterable[tuple[int, Mapping[str, str]]]


@dataclass(frozen=True)
class Enterprise:
    line: int
    code: str  # 统一社会信用代码
    name: str
    industry: str
    grade: str  # 绩效分级
    exemption: str  # "" | 豁免 | 保障类
    reason: str  # 豁免理由
    key_vehicle: bool  # 重点用车单位
    baseline: dict[str, float]  # pollutant → t/a


@dataclass(frozen=True)
class ProductionLine:
    line: int
    code: str
    name: str  # 生产线/工序/设施
    baseline: dict[str, float]


@dataclass(frozen=True)
class Measure:
    line: int
    code: str
    level: str  # yellow | orange | red
    target: str  # the line, process or facility, or 全厂; "" when the row names none
    action: str  # stop | limit | vehicle | other
    share: float  # fraction of the object's emissions removed (1 for stop)
    monitoring: tuple[str, ...]  # 监测手段
    text: str

    def describe(self) -> str:
        what = ACTION_LABELS[self.action] + (f"{self.share:.0%}" if self.action == "limit" else "")
        return f"{self.target or '（未写对象）'} {what}" + (f"：{self.text}" if self.text else "")


@dataclass(frozen=True)
class RegistryEntry:
    line: int
    code: str
    name: str
    industry: str
    emits: bool  # 涉气


@dataclass(frozen=True)
class Permit:
    line: int
    code: str
    industry: str
    permit: str
    permitted: dict[str, float | None]  # t/a; None where the permit sets no amount


@dataclass
class ReductionList:
    enterprises: list[Enterprise]
    lines: list[ProductionLine]
    measures: list[Measure]
    name: str = ""


@dataclass(frozen=True)
class Rules:
    ratios: dict[str, dict[str, float]]  # level → pollutant → required fraction of the base
    self_decided: tuple[str, ...]  # grades that decide their own measures (A, 引领性)
    minimums: dict[str, dict[str, float]]  # grade → level → minimum fraction of its own baseline
    monitoring: tuple[str, ...]  # accepted monitoring means
    vehicle_levels: tuple[str, ...]  # levels at which a 重点用车单位 needs a transport measure
    base: dict[str, float]  # pollutant → area total (t/a) when the ratio is of the area, not of the list
    permit_tolerance: float  # baseline may exceed the permitted amount by this fraction
    source: str = ""


@dataclass
class Violation:
    code: str
    message: str
    severity: str = "error"  # error 不符合 | warning 提示
    enterprise: str = ""  # credit code
    name: str = ""
    sheet: str = ""
    line: int | None = None
    level: str | None = None
    pollutant: str | None = None
    shortfall_t: float | None = None


VIOLATION_LABELS = {  # Violation.code as a page names it (类别)
    "bad_credit_code": "信用代码无效",
    "below_grade_minimum": "减排比例不足",
    "exemption_without_reason": "豁免无理由",
    "key_vehicle_no_measure": "缺运输管控",
    "lines_exceed_baseline": "生产线排放超企业",
    "no_measures": "缺减排措施",
    "no_monitoring": "缺监测手段",
    "no_object": "措施无对象",
    "not_covered": "应纳未纳",
    "not_stricter": "高级别未更严",
    "orphan_line": "生产线无所属企业",
    "orphan_measure": "措施无所属企业",
    "unknown_monitoring": "监测手段不合规",
    "unknown_object": "措施对象不明",
    "no_permit": "无排污许可数据",
    "permit_industry": "行业与许可不符",
    "permit_exceeded": "超许可排放量",
}


@dataclass
class LevelResult:
    level: str
    pollutant: str
    baseline_t: float
    reduction_t: float
    ratio: float | None
    required: float
    shortfall_t: float

    @property
    def meets(self) -> bool:
        return self.shortfall_t <= 0


@dataclass
class EnterpriseResult:
    enterprise: Enterprise
    reductions: dict[str, dict[str, float]]  # level → pollutant → t/a
    measures: dict[str, list[Measure]]  # level → the measures in force
    violations: list[Violation] = field(default_factory=list)


@dataclass
class CheckResult:
    name: str
    rules: Rules
    levels: list[LevelResult]
    enterprises: list[EnterpriseResult]
    violations: list[Violation]  # every violation, the enterprises' included
    protected: list[Enterprise]  # 保障类
    exempt: list[Enterprise]  # 豁免
    key_vehicle: list[EnterpriseResult]  # 重点用车单位
    not_covered: list[RegistryEntry]  # 全覆盖: emitting enterprises in the registry but not on the list
    measures: int

    @property
    def passed(self) -> bool:
        return all(x.meets for x in self.levels) and not any(v.severity == "error" for v in self.violations)


# ---------------------------------------------------------------- rules


def parse_rules(text: str, *, name: str, jurisdiction: str | None = None) -> Rules:
    """Rules from TOML; ``[jurisdiction."海门市"]`` tables override the national defaults."""
    try:
        data = tomllib.loads(text)
        if jurisdiction:
            local = data.get("jurisdiction", {})
            match = (
                local.get(jurisdiction) or local.get(jurisdiction.removesuffix("市")) or local.get(jurisdiction + "市")
            )
            if match is not None:
                data = {**data, **match}
        ratios = {lv: _pollutant_fractions(data["ratios"][lv], f"ratios.{lv}") for lv in LEVELS}
        grades = data.get("grades", {})
        self_decided = tuple(str(g) for g in grades.get("self_decided", ["A", "引领性"]))
        minimums: dict[str, dict[str, float]] = {}
        for grade, spec in grades.get("minimum", {}).items():
            if grade not in GRADES:
                raise ValueError(f"grades.minimum: unknown grade {grade!r}")
            minimums[grade] = {
                lv: (min(ratios[lv].values()) if spec == "level" else _fraction(spec[lv], f"grades.minimum.{grade}"))
                for lv in LEVELS
            }
        monitoring = tuple(str(m) for m in data.get("monitoring", {}).get("means", []))
        if not monitoring:
            raise ValueError("monitoring.means: name at least one monitoring means")
        vehicle_levels = tuple(str(x) for x in data.get("vehicles", {}).get("levels", list(LEVELS)))
        if any(x not in LEVELS for x in vehicle_levels):
            raise ValueError(f"vehicles.levels: use {', '.join(LEVELS)}")
        base = {p: float(v) for p, v in data.get("base", {}).items() if p in POLLUTANTS}
        tolerance = float(data.get("permits", {}).get("tolerance_pct", 0)) / 100
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc} (配置格式错误)", file=name) from None
    except KeyError as exc:
        raise ConfigError(
            f"the rules lack {exc.args[0]!r} (减排规则缺少字段)", file=name, field=str(exc.args[0])
        ) from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{exc} (减排规则取值错误)", file=name) from None
    source = str(data.get("source", ""))
    return Rules(ratios, self_decided, minimums, monitoring, vehicle_levels, base, tolerance, source)


def _pollutant_fractions(spec: Any, where: str) -> dict[str, float]:
    if isinstance(spec, int | float):
        return {p: _fraction(spec, where) for p in POLLUTANTS}
    return {p: _fraction(spec[p], f"{where}.{p}") for p in POLLUTANTS}


def _fraction(pct: Any, where: str) -> float:
    value = float(pct)
    if not 0 <= value <= 100:
        raise ValueError(f"{where}: {value} is not a percentage between 0 and 100")
    return value / 100


# ---------------------------------------------------------------- parsing


class _Problems:
    """Every bad cell of a workbook, raised together (the first one located, the rest listed)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[tuple[str, int, str, str]] = []

    def add(self, sheet: str, line: int, field_: str, message: str) -> None:
        self.items.append((sheet, line, field_, message))

    def raise_any(self) -> None:
        if not self.items:
            return
        sheet, line, field_, message = self.items[0]
        more = ""
        if len(self.items) > 1:
            shown = "；".join(f"{s}!{ln} {f}: {m}" for s, ln, f, m in self.items[1:10])
            more = f"；另有 {len(self.items) - 1} 处 (and {len(self.items) - 1} more): {shown}"
            if len(self.items) > 10:
                more += " …"
        raise StructureError(f"{message}{more}", file=f"{self.file}!{sheet}", line=line, field=field_)


def _number(value: str, sheet: str, line: int, field_: str, problems: _Problems, *, blank: float | None = 0.0) -> Any:
    text = value.strip().replace(",", "")
    if not text:
        return blank
    try:
        number = float(text)
    except ValueError:
        problems.add(sheet, line, field_, f"not a number (应为数字): {value!r}")
        return 0.0
    if not math.isfinite(number) or number < 0:
        problems.add(sheet, line, field_, f"must be zero or more (应为非负数): {value!r}")
        return 0.0
    return number


def _emissions(row: Mapping[str, str], sheet: str, line: int, problems: _Problems) -> dict[str, float]:
    return {p: _number(row.get(p, ""), sheet, line, f"{POLLUTANT_LABELS[p]}(t/a)", problems) for p in POLLUTANTS}


def _code(value: str) -> str:
    return value.strip().upper().replace(" ", "")


def parse_list(
    enterprise_rows: Rows,
    line_rows: Rows,
    measure_rows: Rows,
    *,
    file: str,
    sheets: tuple[str, str, str] = ("企业", "生产线", "措施"),
) -> ReductionList:
    """The three sheets' rows (line number, field → text) → a list; every bad cell is reported at once."""
    problems = _Problems(file)
    s_ent, s_line, s_measure = sheets
    enterprises: list[Enterprise] = []
    seen: dict[str, int] = {}
    for line, code, row in _coded(enterprise_rows, problems, s_ent):
        if code in seen:
            problems.add(s_ent, line, "统一社会信用代码", f"{code} is already on line {seen[code]} (重复企业)")
            continue
        seen[code] = line
        grade = row.get("grade", "").strip().upper().replace("级", "")
        grade = {"引领性": "引领性", "非引领性": "非引领性"}.get(row.get("grade", "").strip(), grade)
        if grade in ("-", "—", "无", "未分级"):
            grade = ""
        if grade not in GRADES:
            problems.add(
                s_ent,
                line,
                "绩效分级",
                f"{row.get('grade')!r}: use A, B, C, D, 引领性, 非引领性 or blank "
                "(绩效分级应为 A、B、C、D、引领性、非引领性或留空)",
            )
        exemption = _EXEMPTION_WORDS.get(row.get("exemption", "").strip())
        if exemption is None:
            problems.add(
                s_ent,
                line,
                "豁免类别",
                f"{row.get('exemption')!r}: use 豁免, 保障类 or blank (豁免类别应为豁免、保障类或留空)",
            )
            exemption = ""
        flag = row.get("key_vehicle", "").strip().upper()
        if flag not in _YES | _NO:
            problems.add(s_ent, line, "重点用车单位", f"{row.get('key_vehicle')!r}: use 是 or 否 (应填是或否)")
        enterprises.append(
            Enterprise(
                line,
                code,
                row.get("name", "").strip(),
                row.get("industry", "").strip(),
                grade,
                exemption,
                row.get("reason", "").strip(),
                flag in _YES,
                _emissions(row, s_ent, line, problems),
            )
        )
    lines: list[ProductionLine] = []
    for line, row in line_rows:
        code, name = _code(row.get("code", "")), row.get("object", "").strip()
        if not code or not name:
            problems.add(s_line, line, "统一社会信用代码" if not code else "生产线/工序/设施", "missing (缺少)")
            continue
        lines.append(ProductionLine(line, code, name, _emissions(row, s_line, line, problems)))
    measures: list[Measure] = []
    for line, code, row in _coded(measure_rows, problems, s_measure):
        level = _LEVEL_WORDS.get(row.get("level", "").strip())
        if level is None:
            problems.add(
                s_measure,
                line,
                "预警级别",
                f"{row.get('level')!r}: use 黄色, 橙色 or 红色 (预警级别应为黄色、橙色或红色)",
            )
            continue
        action = _ACTION_WORDS.get(row.get("action", "").strip().lower())
        if action is None:
            problems.add(
                s_measure,
                line,
                "措施类型",
                f"{row.get('action')!r}: use 停产, 限产, 运输管控 or 其他 (措施类型应为停产、限产、运输管控或其他)",
            )
            continue
        share = 1.0 if action == "stop" else 0.0
        if action == "limit":
            pct = _number(row.get("limit", ""), s_measure, line, "限产比例(%)", problems, blank=None)
            if pct is None:
                problems.add(s_measure, line, "限产比例(%)", "a limit needs its percentage (限产须写比例)")
            elif pct > 100:
                problems.add(s_measure, line, "限产比例(%)", f"{pct} is more than 100 %")
            else:
                share = pct / 100
        means = tuple(m for m in _split(row.get("monitoring", "")))
        measures.append(
            Measure(line, code, level, row.get("object", "").strip(), action, share, means, row.get("text", "").strip())
        )
    problems.raise_any()
    return ReductionList(enterprises, lines, measures, file)


_MEANS_WORDS = {
    "在线": "在线监测", "在线监控": "在线监测", "用电": "用电监控", "用电量监控": "用电监控",
    "分表计电": "用电监控", "视频": "视频监控", "工况": "工况监控", "台帐": "台账"
}  # fmt: skip


def _split(text: str) -> Iterator[str]:
    for part in text.replace("，", "、").replace(",", "、").replace(";", "、").replace("；", "、").split("、"):
        if part.strip():
            yield _MEANS_WORDS.get(part.strip(), part.strip())


def _coded(rows: Rows, problems: _Problems, sheet: str = "") -> Iterator[tuple[int, str, Mapping[str, str]]]:
    """(line, credit code, row) of the rows that have a code; a row without one is a problem."""
    for line, row in rows:
        code = _code(row.get("code", ""))
        if code:
            yield line, code, row
        else:
            problems.add(sheet, line, "统一社会信用代码", "missing (缺少统一社会信用代码)")


def parse_registry(rows: Rows, *, file: str) -> list[RegistryEntry]:
    """The enterprise registry (排污单位名录) that the list must cover; 涉气 blank means yes."""
    problems, out = _Problems(file), []
    for line, code, row in _coded(rows, problems):
        emits = row.get("emits", "").strip().upper()
        if emits not in _YES | _NO:
            problems.add("", line, "涉气", f"{row.get('emits')!r}: use 是 or 否")
        out.append(
            RegistryEntry(
                line, code, row.get("name", "").strip(), row.get("industry", "").strip(), emits in _YES or emits == ""
            )
        )
    problems.raise_any()
    return out


def parse_permits(rows: Rows, *, file: str) -> list[Permit]:
    """排污许可 data: industry and permitted amounts (t/a) per enterprise."""
    problems, out = _Problems(file), []
    for line, code, row in _coded(rows, problems):
        permitted = {
            p: _number(row.get(p, ""), "", line, POLLUTANT_LABELS[p], problems, blank=None) for p in POLLUTANTS
        }
        out.append(Permit(line, code, row.get("industry", "").strip(), row.get("permit", "").strip(), permitted))
    problems.raise_any()
    return out


# ---------------------------------------------------------------- the check


def check(
    data: ReductionList,
    rules: Rules,
    *,
    registry: list[RegistryEntry] | None = None,
    permits: list[Permit] | None = None,
    sheets: tuple[str, str, str] = ("企业", "生产线", "措施"),
) -> CheckResult:
    s_ent, s_line, s_measure = sheets
    by_code = {e.code: e for e in data.enterprises}
    lines: dict[str, dict[str, ProductionLine]] = {}
    for pl in data.lines:
        lines.setdefault(pl.code, {})[pl.name] = pl
    measures: dict[str, list[Measure]] = {}
    violations: list[Violation] = []
    for m in data.measures:
        if m.code not in by_code:
            violations.append(
                Violation(
                    "orphan_measure",
                    f"措施所属企业 {m.code} 不在企业表中 (measure for an enterprise not on the list)",
                    enterprise=m.code,
                    sheet=s_measure,
                    line=m.line,
                    level=m.level,
                )
            )
            continue
        measures.setdefault(m.code, []).append(m)
    for code, own in lines.items():
        if code not in by_code:
            first = next(iter(own.values()))
            violations.append(
                Violation(
                    "orphan_line",
                    f"生产线所属企业 {code} 不在企业表中 (line for an enterprise not on the list)",
                    enterprise=code,
                    sheet=s_line,
                    line=first.line,
                )
            )
    permit_of = {p.code: p for p in permits or []}
    accepted = set(rules.monitoring)
    results = []
    for e in data.enterprises:
        result = _enterprise(e, measures.get(e.code, []), lines.get(e.code, {}), rules, accepted, sheets)
        if permits is not None:
            result.violations.extend(_permit_checks(e, permit_of.get(e.code), rules, s_ent))
        violations.extend(result.violations)
        results.append(result)
    levels = []
    for lv in LEVELS:
        for p in POLLUTANTS:
            base = rules.base.get(p, math.fsum(e.baseline[p] for e in data.enterprises))
            reduced = math.fsum(r.reductions[lv][p] for r in results)
            required = rules.ratios[lv][p]
            shortfall = max(0.0, required * base - reduced)
            levels.append(
                LevelResult(lv, p, base, reduced, reduced / base if base > 0 else None, required, _round_t(shortfall))
            )
    not_covered = []
    if registry is not None:
        not_covered = [r for r in registry if r.emits and r.code not in by_code]
        for r in not_covered:
            violations.append(
                Violation(
                    "not_covered",
                    f"名录中的涉气企业未纳入清单（应纳尽纳）: {r.name}",
                    enterprise=r.code,
                    name=r.name,
                    sheet="registry",
                    line=r.line,
                )
            )
    return CheckResult(
        data.name,
        rules,
        levels,
        results,
        violations,
        [e for e in data.enterprises if e.exemption == "保障类"],
        [e for e in data.enterprises if e.exemption == "豁免"],
        [r for r in results if r.enterprise.key_vehicle],
        not_covered,
        len(data.measures),
    )


def _round_t(value: float) -> float:
    return round(value, 3)


def in_force(own: list[Measure]) -> dict[str, list[Measure]]:
    """The measures in force at each level: a level without its own keeps the lower level's."""
    by_level: dict[str, list[Measure]] = {lv: [] for lv in LEVELS}
    for m in own:
        by_level[m.level].append(m)
    carried: list[Measure] = []
    for lv in LEVELS:
        if by_level[lv]:
            carried = by_level[lv]
        else:
            by_level[lv] = carried
    return by_level


def reduction(e: Enterprise, measures: list[Measure], objects: Mapping[str, ProductionLine]) -> dict[str, float]:
    """What the measures remove from the enterprise's emissions (t/a), per pollutant."""
    whole = 0.0
    share: dict[str, float] = {}
    for m in measures:
        if m.action not in ("stop", "limit"):
            continue
        if m.target in ("", WHOLE_PLANT, "全部", "全厂所有生产线"):
            whole = max(whole, m.share)
        elif m.target in objects:
            share[m.target] = max(share.get(m.target, 0.0), m.share)
    out = {}
    for p in POLLUTANTS:
        parts = math.fsum(objects[name].baseline[p] * s for name, s in share.items())
        out[p] = min(e.baseline[p], max(whole * e.baseline[p], parts))
    return out


def _enterprise(
    e: Enterprise,
    own: list[Measure],
    objects: Mapping[str, ProductionLine],
    rules: Rules,
    accepted: set[str],
    sheets: tuple[str, str, str],
) -> EnterpriseResult:
    s_ent, s_line, s_measure = sheets
    found: list[Violation] = []
    if not uscc.is_valid(e.code):
        found.append(
            Violation(
                "bad_credit_code",
                f"统一社会信用代码 {e.code} 无效（校验位或格式不符 GB 32100）",
                sheet=s_ent,
                line=e.line,
                enterprise=e.code,
                name=e.name,
            )
        )
    if e.exemption and not e.reason:
        found.append(
            Violation(
                "exemption_without_reason",
                f"{e.exemption}企业未写豁免理由 (an exemption needs its reason)",
                sheet=s_ent,
                line=e.line,
                enterprise=e.code,
                name=e.name,
            )
        )
    for p in POLLUTANTS:
        listed = math.fsum(pl.baseline[p] for pl in objects.values())
        if objects and listed > e.baseline[p] * 1.0001 + 1e-9:
            found.append(
                Violation(
                    "lines_exceed_baseline",
                    f"生产线{POLLUTANT_LABELS[p]}排放量合计 {listed:g} t/a 大于企业排放量 {e.baseline[p]:g} t/a",
                    sheet=s_line,
                    line=next(iter(objects.values())).line,
                    pollutant=p,
                    enterprise=e.code,
                    name=e.name,
                )
            )
    for m in own:
        if m.action in ("stop", "limit", "other") and not m.target:
            found.append(
                Violation(
                    "no_object",
                    "措施未落实到生产线、工序或设施 (a measure names no line, process or facility)",
                    sheet=s_measure,
                    line=m.line,
                    level=m.level,
                    enterprise=e.code,
                    name=e.name,
                )
            )
        elif (
            m.action in ("stop", "limit")
            and m.target not in (WHOLE_PLANT, "全部", "全厂所有生产线")
            and m.target not in objects
        ):
            found.append(
                Violation(
                    "unknown_object",
                    f"措施对象“{m.target}”不在该企业的生产线表中，减排量无法核算",
                    sheet=s_measure,
                    line=m.line,
                    level=m.level,
                    enterprise=e.code,
                    name=e.name,
                )
            )
        if not m.monitoring:
            found.append(
                Violation(
                    "no_monitoring",
                    "措施未写监测手段，不可监测、不可核查 (a measure without a monitoring means)",
                    sheet=s_measure,
                    line=m.line,
                    level=m.level,
                    enterprise=e.code,
                    name=e.name,
                )
            )
        else:
            unknown = [x for x in m.monitoring if x not in accepted]
            if unknown:
                found.append(
                    Violation(
                        "unknown_monitoring",
                        f"监测手段 {'、'.join(unknown)} 不在规定之列（{'、'.join(rules.monitoring)}）",
                        sheet=s_measure,
                        line=m.line,
                        level=m.level,
                        enterprise=e.code,
                        name=e.name,
                    )
                )
    by_level = in_force(own)
    reductions = {lv: reduction(e, by_level[lv], objects) for lv in LEVELS}
    bound = not e.exemption and e.grade not in rules.self_decided
    emitting = any(v > 0 for v in e.baseline.values())
    if bound and emitting:
        minimum = rules.minimums.get(e.grade)
        for lv in LEVELS:
            if not by_level[lv]:
                found.append(
                    Violation(
                        "no_measures",
                        f"{LABELS[lv]}预警无减排措施 (no measure at this level)",
                        sheet=s_ent,
                        line=e.line,
                        level=lv,
                        enterprise=e.code,
                        name=e.name,
                    )
                )
                continue
            if minimum is None:
                continue
            for p in POLLUTANTS:
                need = minimum[lv] * e.baseline[p]
                if e.baseline[p] > 0 and reductions[lv][p] + 1e-9 < need:
                    found.append(
                        Violation(
                            "below_grade_minimum",
                            f"{e.grade or '未分级'}企业{LABELS[lv]}预警{POLLUTANT_LABELS[p]}"
                            f"减排 {reductions[lv][p]:.3f} t/a，"
                            f"低于本级最低 {minimum[lv]:.0%}（{need:.3f} t/a）",
                            sheet=s_ent,
                            line=e.line,
                            level=lv,
                            pollutant=p,
                            shortfall_t=_round_t(need - reductions[lv][p]),
                            enterprise=e.code,
                            name=e.name,
                        )
                    )
    for lower, higher in itertools.pairwise(LEVELS):
        for p in POLLUTANTS:
            if reductions[higher][p] + 1e-9 < reductions[lower][p]:
                found.append(
                    Violation(
                        "not_stricter",
                        f"{LABELS[higher]}预警{POLLUTANT_LABELS[p]}减排量小于{LABELS[lower]}预警",
                        sheet=s_measure,
                        level=higher,
                        pollutant=p,
                        enterprise=e.code,
                        name=e.name,
                    )
                )
    if e.key_vehicle:
        for lv in rules.vehicle_levels:
            if not any(m.action == "vehicle" for m in by_level[lv]):
                found.append(
                    Violation(
                        "key_vehicle_no_measure",
                        f"重点用车单位{LABELS[lv]}预警无运输管控措施",
                        sheet=s_ent,
                        line=e.line,
                        level=lv,
                        enterprise=e.code,
                        name=e.name,
                    )
                )
    return EnterpriseResult(e, reductions, by_level, found)


def _permit_checks(e: Enterprise, permit: Permit | None, rules: Rules, sheet: str) -> list[Violation]:
    def found(code: str, message: str, severity: str = "error", pollutant: str | None = None) -> Violation:
        return Violation(code, message, severity, e.code, e.name, sheet, e.line, pollutant=pollutant)

    if permit is None:
        return [found("no_permit", "排污许可数据中无此企业 (not in the imported permit data)", "warning")]
    out = []
    if permit.industry and e.industry and permit.industry != e.industry:
        out.append(found("permit_industry", f"行业“{e.industry}”与排污许可“{permit.industry}”不一致"))
    for p in POLLUTANTS:
        allowed = permit.permitted[p]
        if allowed is not None and e.baseline[p] > allowed * (1 + rules.permit_tolerance) + 1e-9:
            text = f"{POLLUTANT_LABELS[p]}基准排放量 {e.baseline[p]:g} t/a 超过排污许可量 {allowed:g} t/a"
            out.append(found("permit_exceeded", text, pollutant=p))
    return out
