"""Plan parser (计划解析): neutral blocks → :class:`ParsedPlan`.

Three document styles are handled, as they come (see ``docs/plans.md``):

* **task tables** (任务分解表, seeds 000 and 002): one row per task with 序号 / 重点工作任务 /
  具体内容 / 责任分工 — or the office layout with separate 牵头单位 / 配合单位 / 责任单位 /
  完成时限 / 目标值 columns. A blank 重点工作任务 cell continues the category above.
* **numbered prose** (seed 001, ``**N. 标题。**`` items; seed 003's ``N.`` items): each item is a
  task; an item whose paragraphs each end in their own responsibility clause ``（…牵头…）`` becomes
  one task with one sub-task per clause.
* **item prose** (seed 004, ``（一）…（三十八）``): each ``（N）`` item is a task.

Sections without any responsibility clause (一、工作目标 / 总体要求) hold the document-level
targets. In a provincial plan (003) whose later chapters restart their numbering (三、实施五项重点,
四、保障措施), each ``（N）`` section of those chapters is one task. Annex tables (附件N) become
:class:`AnnexTable` records, and targets per jurisdiction where their columns name an indicator.

Everything the parser is unsure of becomes a :class:`ReviewFlag`; nothing is silently guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePath

from lantian.domain.blocks import Document, Paragraph, Row, Table
from lantian.domain.plans.deadlines import find_deadlines
from lantian.domain.plans.departments import (
    ROLE_WORDS,
    ClauseResult,
    DepartmentDictionary,
    parse_clause,
    split_names,
)
from lantian.domain.plans.model import (
    LEVEL_WORDS,
    AnnexTable,
    Deadline,
    Department,
    Level,
    ParsedPlan,
    PlanMeta,
    ReviewFlag,
    Role,
    Source,
    SubTask,
    Target,
    Task,
    unit_prefix,
)
from lantian.domain.plans.targets import find_targets
from lantian.errors import StructureError

CN_NUM = "一二三四五六七八九十"
_L1 = re.compile(rf"^(?P<n>[{CN_NUM}]+)、\s*(?P<rest>.*)$")
_L2 = re.compile(rf"^[（(](?P<n>[{CN_NUM}]+)[）)]\s*(?P<rest>.*)$")
_NUMBERED = re.compile(r"^(?P<n>\d{1,3})\s*[.．、](?!\d)\s*(?P<rest>.*)$")
_BOLD = re.compile(r"^\*\*(?P<bold>.+?)\*\*(?P<rest>.*)$")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fa5]{1,12}〔\d{4}〕\d+号")
_DATE_LINE = re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日$")
_ANNEX = re.compile(r"^附\s*件\s*(?P<n>\d+)?\s*$")
_TERMINAL = "。！？；：）)”」"
_NOISE = {"Stamp", "（此件公开发布）", "(此件公开发布)"}

# column names of task tables (表头) → field
_COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号"),
    "category": ("重点工作任务", "重点任务", "工作任务", "任务类别", "任务名称"),
    "text": ("具体内容", "工作内容", "任务内容", "具体任务", "主要内容"),
    "clause": ("责任分工", "责任单位分工", "分工"),
    "lead": ("牵头单位", "牵头部门"),
    "cooperating": ("配合单位", "配合部门", "参与单位"),
    "responsible": ("责任单位", "责任部门"),
    "deadline": ("完成时限", "完成时间", "时间节点", "时限"),
    "targets": ("目标值", "目标", "量化目标"),
}
_RESPONSIBILITY_FIELDS = ("clause", "lead", "cooperating", "responsible")


@dataclass
class _Para:
    text: str  # markdown stripped
    line: int
    end_line: int
    bold: str | None = None  # the bold lead of the paragraph (**…**)


@dataclass
class _Context:
    doc: Document
    dictionary: DepartmentDictionary
    year: int | None
    default_prefix: str
    flags: list[ReviewFlag] = field(default_factory=list)
    implicit: list[Department] = field(default_factory=list)
    _clauses: dict[str, ClauseResult] = field(default_factory=dict)

    def clause(self, text: str, line: int) -> ClauseResult:
        """Parse a clause once per plan (task tables repeat the same clauses many times)."""
        result = self._clauses.get(text)
        if result is None:
            result = parse_clause(text, self.dictionary, default_prefix=self.default_prefix)
            self._clauses[text] = result
        return ClauseResult(
            departments=[_at(d, line) for d in result.departments],
            implicit=[_at(d, line) for d in result.implicit],
            unresolved=list(result.unresolved),
        )

    def flag(self, fld: str, message: str, line: int, text: str = "", task: str | None = None) -> None:
        self.flags.append(ReviewFlag(field=fld, message=message, line=line, text=text, task_number=task))


def _at(d: Department, line: int) -> Department:
    return Department(d.name, d.normalized, d.role, d.implicit, d.written, line)


def parse_plan(
    doc: Document,
    *,
    dictionary: DepartmentDictionary | None = None,
    overrides: Mapping[str, object] | None = None,
) -> ParsedPlan:
    """Parse a document into a plan.

    ``overrides`` may set any :class:`PlanMeta` field (title, issuer, doc_number, issued_on,
    level, jurisdiction, year); an override wins over what the document says. Raises
    :class:`lantian.errors.StructureError` for a document that is not a plan (no task and no
    target found, a task table without its 责任分工 column, a truncated task table).
    """
    dictionary = dictionary or DepartmentDictionary.load_default()
    paras = _clean_paragraphs(doc.paragraphs())
    task_table = _find_task_table(doc)
    meta, meta_flags = _read_meta(doc, paras, task_table)
    meta = _apply_overrides(meta, overrides or {}, doc.name)
    ctx = _Context(
        doc=doc,
        dictionary=dictionary,
        year=meta.year,
        default_prefix=unit_prefix(meta.level),
        flags=list(meta_flags),
    )
    doc_targets: list[Target] = []
    if task_table is not None:
        meta.style = "table"
        tasks = _parse_task_table(task_table, ctx)
    else:
        body = _body(paras)
        tasks, doc_targets = _parse_prose(body, ctx, meta)
    annexes, annex_targets = _parse_annexes(doc, ctx, meta, exclude=task_table, doc_targets=doc_targets)
    for t in doc_targets:
        t.jurisdiction = t.jurisdiction or meta.jurisdiction
    if not tasks and not doc_targets and not annex_targets:
        raise StructureError(
            "no tasks or targets found: not a plan lantian can read (未找到任务或目标：不是可识别的计划文件)",
            file=doc.name,
        )
    return ParsedPlan(
        meta=meta,
        tasks=tasks,
        targets=[*doc_targets, *annex_targets],
        annexes=annexes,
        flags=ctx.flags,
        file=doc.name,
        sha256=doc.sha256,
    )


# --------------------------------------------------------------------------------------------
# metadata


def _clean_paragraphs(paragraphs: Sequence[Paragraph]) -> list[_Para]:
    out: list[_Para] = []
    for p in paragraphs:
        text = re.sub(r"^#+\s*", "", p.text.strip())
        text = re.sub(r"</?sub>", "", text)
        if not text or text in _NOISE:
            continue
        bold = None
        m = _BOLD.match(text)
        if m:
            bold = m.group("bold").strip()
            text = bold + m.group("rest")
        text = text.replace("**", "")
        out.append(_Para(text=text, line=p.line, end_line=p.last_line, bold=bold))
    return out


def _read_meta(doc: Document, paras: list[_Para], table: Table | None) -> tuple[PlanMeta, list[ReviewFlag]]:
    flags: list[ReviewFlag] = []
    head = paras[:30]
    doc_number = next((m.group(0) for p in head[:15] if (m := _DOC_NUMBER.search(p.text))), None)
    issued_on: dt.date | None = None
    issuer: str | None = None
    title: str | None = None
    date_idx = next((i for i, p in enumerate(head) if _DATE_LINE.match(p.text)), None)
    if date_idx is not None:
        m = _DATE_LINE.match(head[date_idx].text)
        assert m is not None
        issued_on = dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        if date_idx > 0:
            issuer = head[date_idx - 1].text
        if date_idx + 1 < len(head):
            title = head[date_idx + 1].text
            nxt = head[date_idx + 2] if date_idx + 2 < len(head) else None
            if nxt and len(nxt.text) <= 8 and not re.search(r"[，。：；]", nxt.text):
                title += nxt.text  # 海门市打赢蓝天保卫战三年行动计划 / 实施方案
    if title is None:
        notice = next((p.text for p in head if "《" in p.text and "通知" in p.text), None)
        if notice:
            inner = re.search(r"《(.+?)》", notice)
            title = inner.group(1) if inner else None
    if title is None:
        # untitled: the file's own name without folder and suffix (计划名取文件名)
        title = next((p.text for p in head if not _ANNEX.match(p.text) and len(p.text) < 60), _stem(doc.name))
    if issuer is None:
        issuer = next((p.text for p in head[:3] if re.search(r"(办公室|人民政府|委员会|领导小组)$", p.text)), None)

    recipients = next((p.text for p in head[:12] if p.text.endswith("：") or p.text.endswith(":")), "")
    named = f"{title} {issuer or ''}"
    level: Level | None = None
    jurisdiction: str | None = None
    m_prov = re.search(r"([\u4e00-\u9fa5]{2,3}省)", named)
    m_city = re.search(r"([\u4e00-\u9fa5]{2,4}?市)", named.replace("市政府", ""))
    if m_prov:
        level, jurisdiction = Level.PROVINCE, m_prov.group(1)
    elif m_city:
        jurisdiction = m_city.group(1)
        if re.search(r"县级市|各县|县（市、区）|各区人民政府", recipients):
            level = Level.CITY
        elif re.search(r"区镇|区、镇|乡镇|各镇|街道", recipients):
            level = Level.COUNTY
        else:
            level = Level.CITY
            flags.append(
                ReviewFlag(
                    "meta", f"level inferred as city (级别推断为市级): {jurisdiction}", head[0].line if head else 1
                )
            )
    elif table is not None:
        level, jurisdiction = _infer_from_table(doc, table, flags)
    else:  # reviewed and corrected like a table's (the plan stays with the importing office until then)
        flags.append(
            ReviewFlag(
                "meta",
                "jurisdiction not found; give --jurisdiction (未找到辖区，请在复核时填写辖区)",
                head[0].line if head else 1,
            )
        )

    year: int | None = None
    m_year = re.search(r"(20\d{2})年", title)
    if m_year:
        year = int(m_year.group(1))
    elif issued_on is not None:
        year = issued_on.year
    else:
        year = _infer_year(doc)
        if year is not None:
            flags.append(
                ReviewFlag(
                    "meta",
                    f"plan year inferred from the earliest deadline year: {year}; --year sets it "
                    f"(计划年度由最早的时限推断为{year}年，如有误请更正)",
                    1,
                )
            )
        else:
            flags.append(ReviewFlag("meta", "plan year not found; give --year (未找到计划年度，请在复核时填写年度)", 1))
    return (
        PlanMeta(
            title=title,
            issuer=issuer,
            doc_number=doc_number,
            issued_on=issued_on,
            level=level,
            jurisdiction=jurisdiction,
            year=year,
        ),
        flags,
    )


def _infer_from_table(doc: Document, table: Table, flags: list[ReviewFlag]) -> tuple[Level | None, str | None]:
    prefixes: Counter[str] = Counter()
    for row in table.rows[1:]:
        if row.cells:
            first = row.cells[-1].text[:1]
            if first and first in "省市区县":
                prefixes[first] += 1
    level = None
    if prefixes:
        top = prefixes.most_common(1)[0][0]
        level = LEVEL_WORDS[top]
    text = " ".join(c.text for r in table.rows for c in r.cells)
    jurisdiction = None
    if level in (Level.CITY, Level.PROVINCE):
        suffix = "市" if level is Level.CITY else "省"
        # 苏州市 / 苏州港 / 苏州海关 → 苏州 (two-character place names, the common case)
        names = Counter(re.findall(rf"([\u4e00-\u9fa5]{{2}})(?:{suffix}(?![场政委级直属])|港|海关)", text))
        for bad in ("三市", "江三", "县级", "设区", "全市", "各市", "本市", "沿江", "港口"):
            names.pop(bad, None)
        if names:
            jurisdiction = names.most_common(1)[0][0] + suffix
            flags.append(
                ReviewFlag(
                    "meta",
                    f"jurisdiction inferred from the text: {jurisdiction}; --jurisdiction sets it "
                    f"(辖区由正文推断为{jurisdiction}，如有误请更正)",
                    table.line,
                )
            )
    if jurisdiction is None:
        flags.append(
            ReviewFlag(
                "meta", "jurisdiction not found; give --jurisdiction (未找到辖区，请在复核时填写辖区)", table.line
            )
        )
    if level is None:
        flags.append(ReviewFlag("meta", "level not found; give --level (未找到级别，请在复核时填写级别)", table.line))
    return level, jurisdiction


_DEADLINE_YEAR = re.compile(r"(?<![比较])(?:到|至)?(20\d{2})\s*年(?:底|末|前|内|[，,]|\d{1,2}月)")


def _infer_year(doc: Document) -> int | None:
    """The earliest year named in a deadline (``2024年，`` / ``2024年底前``), baselines excluded."""
    years: list[int] = []
    for block in doc.blocks:
        texts = [block.text] if isinstance(block, Paragraph) else [c.text for r in block.rows for c in r.cells]
        for t in texts:
            if "年" in t:
                years.extend(int(y) for y in _DEADLINE_YEAR.findall(t))
    return min(years) if years else None


def _apply_overrides(meta: PlanMeta, overrides: Mapping[str, object], name: str) -> PlanMeta:
    allowed = {"title", "issuer", "doc_number", "issued_on", "level", "jurisdiction", "year"}
    changes: dict[str, object] = {}
    for key, value in overrides.items():
        if value is None or key not in allowed:
            continue
        if key == "level" and not isinstance(value, Level):
            try:
                value = Level(str(value))
            except ValueError:
                raise StructureError(
                    f"unknown level {value!r}; use province, city, county or district (级别应为省、市、县或区)",
                    file=name,
                    field="level",
                ) from None
        if key == "issued_on" and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        if key == "year":
            value = int(str(value))
        changes[key] = value
    return replace(meta, **changes)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# task tables


def _header_fields(row: Row) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(row.cells):
        label = re.sub(r"\s+", "", cell.text)
        for fld, names in _COLUMNS.items():
            if fld not in found and label in names:
                found[fld] = i
                break
    return found


def _find_task_table(doc: Document) -> Table | None:
    for table in doc.tables():
        if not table.rows:
            continue
        fields = _header_fields(table.rows[0])
        if "number" in fields and (
            "category" in fields or "text" in fields or any(f in fields for f in _RESPONSIBILITY_FIELDS)
        ):
            if not any(f in fields for f in _RESPONSIBILITY_FIELDS):
                raise StructureError(
                    "the task table has no 责任分工 (or 牵头单位/责任单位) column (任务表缺少责任分工列)",
                    file=doc.name,
                    line=table.rows[0].line,
                    field="责任分工",
                )
            return table
    return None


def _collapse_repeat(text: str) -> str:
    """``持续加强监测…建设持续加强监测…建设`` (a category cell that repeats itself) → once."""
    n = len(text)
    if n >= 4 and n % 2 == 0 and text[: n // 2] == text[n // 2 :]:
        return text[: n // 2]
    return text


def _parse_task_table(table: Table, ctx: _Context) -> list[Task]:
    header = table.rows[0]
    fields = _header_fields(header)
    width = len(header.cells)
    data_rows = [r for r in table.rows[1:] if any(c.text for c in r.cells)]
    if not data_rows:
        raise StructureError("the task table has no rows (任务表没有数据行)", file=ctx.doc.name, line=header.line)
    widths = Counter(len(r.cells) for r in data_rows)
    common = widths.most_common(1)[0][0]
    if "text" not in fields and common == width + 1:
        # the seeds' header names 序号 / 重点工作任务 / 责任分工 over four cells: 具体内容 is unnamed
        at = fields.get("clause", width - 1)
        fields = {k: (v + 1 if v >= at else v) for k, v in fields.items()}
        fields["text"] = at
        width += 1
    tasks: list[Task] = []
    category: str | None = None
    for row in data_rows:
        if len(row.cells) < width:
            missing = [name for name, idx in fields.items() if idx >= len(row.cells)]
            raise StructureError(
                f"row has {len(row.cells)} of {width} cells; the table looks truncated (表格不完整)",
                file=ctx.doc.name,
                line=row.line,
                field="、".join(_COLUMNS[m][0] for m in missing) or None,
            )

        def cell(name: str, row: Row = row) -> str:
            idx = fields.get(name)
            return row.cells[idx].text.strip() if idx is not None else ""

        number = cell("number")
        if cat := _collapse_repeat(re.sub(r"\s+", "", cell("category"))):
            category = cat
        text = cell("text")
        last_line = row.cells[-1].line
        task = Task(
            number=number or str(len(tasks) + 1),
            title=None,
            text=text,
            category=category,
            source=Source(row.line, last_line, text),
        )
        if not number:
            ctx.flag(
                "number",
                "row without a number; numbered by position (无序号，按顺序编号)",
                row.line,
                text[:40],
                task.number,
            )
        if "clause" in fields:
            clause = cell("clause")
            task.responsibility_text = clause
            _assign_clause(task, clause, fields_line(row, fields["clause"]), ctx)
        else:
            parts = []
            for fld, role in (
                ("lead", Role.LEAD),
                ("cooperating", Role.COOPERATING),
                ("responsible", Role.RESPONSIBLE),
            ):
                names = cell(fld)
                if names:
                    parts.append(
                        f"{names}{ {Role.LEAD: '牵头', Role.COOPERATING: '配合', Role.RESPONSIBLE: '负责'}[role] }"
                    )
            clause = "，".join(parts)
            task.responsibility_text = clause
            _assign_clause(task, clause, row.line, ctx)
        deadline_text = cell("deadline")
        _extract(task, ctx, text, row.line)
        if deadline_text:
            extra, unresolved = find_deadlines(deadline_text, ctx.year, line=row.line)
            task.deadlines.extend(d for d in extra if d.text not in {x.text for x in task.deadlines})
            for u in unresolved:
                ctx.flag("deadline", f"deadline not understood (时限无法解析): {u}", row.line, u, task.number)
        target_text = cell("targets")
        if target_text:
            extra_t, issues = find_targets(target_text, ctx.year, line=row.line)
            task.targets.extend(
                t for t in extra_t if (t.indicator, t.value) not in {(x.indicator, x.value) for x in task.targets}
            )
            for i in issues:
                ctx.flag("target", i.message, row.line, i.text, task.number)
        tasks.append(task)
    return tasks


def fields_line(row: Row, idx: int) -> int:
    return row.cells[idx].line if idx < len(row.cells) else row.line


# --------------------------------------------------------------------------------------------
# prose


def _is_heading_only(p: _Para) -> bool:
    """A heading line without body text: ``（一）指导思想``, ``3. VOCs排查整治行动``."""
    for pattern in (_L1, _L2, _NUMBERED):
        m = pattern.match(p.text)
        if m:
            rest = m.group("rest")
            return "。" not in rest.rstrip("。") and not rest.endswith("。") and len(rest) <= 40
    return False


def _starts_unit(p: _Para) -> bool:
    return bool(_L1.match(p.text) or _L2.match(p.text) or _NUMBERED.match(p.text) or p.bold)


def _body(paras: list[_Para]) -> list[_Para]:
    """From the first chapter heading (一、) on, with page-break splits joined back."""
    start = next((i for i, p in enumerate(paras) if _L1.match(p.text)), 0)
    out: list[_Para] = []
    for p in paras[start:]:
        if _ANNEX.match(p.text):
            break
        prev = out[-1] if out else None
        if (
            prev is not None
            and not prev.text.endswith(tuple(_TERMINAL))
            and not _is_heading_only(prev)
            and not _starts_unit(p)
        ):
            prev.text += p.text
            prev.end_line = p.end_line
            continue
        out.append(_Para(p.text, p.line, p.end_line, p.bold))
    return out


@dataclass
class _Unit:
    number: str
    paras: list[_Para]
    section_path: list[str]
    title: str | None
    document_targets: bool = False  # its targets are the plan's (document-level), not the task's


def _parse_prose(body: list[_Para], ctx: _Context, meta: PlanMeta) -> tuple[list[Task], list[Target]]:
    l2_items = [p for p in body if (m := _L2.match(p.text)) and not _is_heading_only(p)]
    units: list[_Unit] = []
    target_paras: list[_Para] = []
    chapters = _split(body, _L1)
    if len(l2_items) >= 5:
        meta.style = "items"
        for heading, paras in chapters:
            path = [heading.text] if heading else []
            in_goals = heading is not None and _is_goal_chapter(heading.text)
            for sub_heading, sub in _split(paras, _L2, keep_heading=True):
                if sub_heading is None:
                    target_paras.extend(sub)
                    continue
                m = _L2.match(sub_heading.text)
                assert m is not None
                unit = _Unit(f"（{m.group('n')}）", sub, path, _title_of(m.group("rest"), sub_heading.bold))
                if in_goals and not _has_clause(sub):
                    target_paras.extend(sub)  # 总体要求 › （二）目标指标: the plan's own targets
                    unit.document_targets = True
                units.append(unit)
    else:
        meta.style = "numbered" if any(p.bold for p in body) else "provincial"
        last_number = 0
        for heading, paras in chapters:
            path = [heading.text] if heading else []
            numbers = [int(m.group("n")) for p in paras if (m := _NUMBERED.match(p.text))]
            continuing = bool(numbers) and numbers == sorted(set(numbers)) and numbers[0] in (1, last_number + 1)
            if continuing:
                last_number = numbers[-1]
                for sub_heading, sub in _split(paras, _L2):
                    sub_path = path + ([sub_heading.text] if sub_heading else [])
                    for item_head, item in _split(sub, _NUMBERED, keep_heading=True):
                        if item_head is None:
                            if _has_clause(item):
                                ctx.flag(
                                    "structure",
                                    "paragraph outside any numbered item (段落不属于任何编号任务)",
                                    item[0].line,
                                    item[0].text[:40],
                                )
                            else:
                                target_paras.extend(item)
                            continue
                        m = _NUMBERED.match(item_head.text)
                        assert m is not None
                        units.append(_Unit(m.group("n"), item, sub_path, _title_of(m.group("rest"), item_head.bold)))
            elif _has_clause(paras):
                # a chapter of sections (三、实施五项重点 / 四、保障措施): each （N） section is a task
                chapter_no = _L1.match(heading.text).group("n") if heading else ""  # type: ignore[union-attr]
                for sub_heading, sub in _split(paras, _L2):
                    if sub_heading is None:
                        if sub:
                            ctx.flag(
                                "structure",
                                "paragraphs before the first section (章节前的段落)",
                                sub[0].line,
                                sub[0].text[:40],
                            )
                        continue
                    m = _L2.match(sub_heading.text)
                    assert m is not None
                    units.append(_Unit(f"{chapter_no}（{m.group('n')}）", sub, path, m.group("rest").strip("。")))
            else:
                target_paras.extend(paras)
    tasks = [_build_task(u, ctx) for u in units]
    doc_targets: list[Target] = []
    for p in target_paras:
        found, issues = find_targets(p.text, ctx.year, line=p.line)
        doc_targets.extend(found)
        for i in issues:
            ctx.flag("target", i.message, p.line, i.text)
    if not units:
        return tasks, doc_targets
    return tasks, doc_targets


def _is_goal_chapter(text: str) -> bool:
    return bool(re.search(r"总体要求|工作目标|目标指标|主要目标", text))


def _split(
    paras: list[_Para], pattern: re.Pattern[str], *, keep_heading: bool = False
) -> list[tuple[_Para | None, list[_Para]]]:
    """Split at paragraphs matching ``pattern``; each group is (heading, paragraphs after it).

    With ``keep_heading`` the heading paragraph is also the first of its group (an item whose
    first line carries text: ``（三）严格生态敏感区域产业准入。按照…``).
    """
    groups: list[tuple[_Para | None, list[_Para]]] = []
    current: list[_Para] = []
    heading: _Para | None = None
    for p in paras:
        if pattern.match(p.text):
            if heading is not None or current:
                groups.append((heading, current))
            heading = p
            current = [p] if keep_heading else []
        else:
            current.append(p)
    if heading is not None or current:
        groups.append((heading, current))
    return groups


def _title_of(rest: str, bold: str | None) -> str | None:
    if bold:
        title = _NUMBERED.sub(r"\g<rest>", bold)
        title = _L2.sub(r"\g<rest>", title)
        return title.strip().rstrip("。").strip() or None
    first = rest.split("。", 1)[0].strip()
    if first and len(first) <= 40 and (first != rest.strip() or not ROLE_WORDS.search(first)):
        return first
    return None


def trailing_clause(text: str) -> tuple[str, int] | None:
    """The responsibility clause at the end of a paragraph: ``…。（市生态环境局牵头）`` → (clause, start)."""
    s = text.rstrip().rstrip("。").rstrip()
    if not s or s[-1] not in "）)":
        return None
    depth = 0
    for i in range(len(s) - 1, -1, -1):
        ch = s[i]
        if ch in "）)":
            depth += 1
        elif ch in "（(":
            depth -= 1
            if depth == 0:
                inner = s[i + 1 : -1]
                if ROLE_WORDS.search(inner) and not re.match(r"^\d|^[含不包]", inner):
                    return inner, i
                return None
    return None


def _has_clause(paras: Iterable[_Para]) -> bool:
    return any(trailing_clause(p.text) for p in paras)


def _strip_number(text: str) -> str:
    for pattern in (_NUMBERED, _L2):
        m = pattern.match(text)
        if m:
            return m.group("rest")
    return text


def _build_task(unit: _Unit, ctx: _Context) -> Task:
    paras = unit.paras
    texts = [_strip_number(paras[0].text), *(p.text for p in paras[1:])] if paras else []
    full = "\n".join(texts)
    first, last = (paras[0].line, paras[-1].end_line) if paras else (0, 0)
    task = Task(
        number=unit.number,
        title=unit.title,
        text=full,
        section_path=unit.section_path,
        source=Source(first, last, full),
    )
    # group paragraphs: each group ends with a paragraph carrying its own clause
    groups: list[list[tuple[_Para, str]]] = []
    current: list[tuple[_Para, str]] = []
    for p, t in zip(paras, texts, strict=True):
        current.append((p, t))
        if trailing_clause(t):
            groups.append(current)
            current = []
    if current:
        if groups:
            groups[-1].extend(current)  # text after the last clause belongs to it
            if any(t.strip() for _, t in current):
                ctx.flag(
                    "departments",
                    "text after the last responsibility clause; attached to the sub-task above (最后责任分工后的文字)",
                    current[0][0].line,
                    current[0][1][:40],
                    task.number,
                )
        else:
            groups.append(current)
    clauses = [trailing_clause(g[-1][1]) for g in groups]
    if len(groups) >= 2 and sum(1 for c in clauses if c) >= 2:
        task.departments = list(ctx.implicit)
        for i, (group, clause) in enumerate(zip(groups, clauses, strict=True), start=1):
            text = "\n".join(t for _, t in group)
            line, end = group[0][0].line, group[-1][0].end_line
            sep = "." if task.number[-1:].isdigit() else ""
            sub = SubTask(number=f"{task.number}{sep}{i}", text=text, source=Source(line, end, text))
            if clause:
                sub.responsibility_text = clause[0]
                result = _clause(clause[0], group[-1][0].end_line, ctx, task.number)
                sub.departments = result.departments
                if result.implicit:  # 以下均需…不再列出 inside a sub-task: for every later task
                    ctx.implicit = result.implicit
            else:
                ctx.flag(
                    "departments",
                    "sub-task without a responsibility clause (分项缺少责任分工)",
                    line,
                    text[:40],
                    task.number,
                )
            sub.deadlines, sub.targets = _deadlines_targets(text, line, ctx, task.number)
            task.subtasks.append(sub)
    else:
        clause = next((c for c in reversed(clauses) if c), None)
        if clause:
            _assign_clause(task, clause[0], last, ctx)
        else:
            task.departments = list(ctx.implicit)
            ctx.flag(
                "departments",
                "no responsibility clause; only the implicit departments apply (无责任分工，仅适用默认责任单位)",
                first,
                full[:40],
                task.number,
            )
        task.deadlines, task.targets = _deadlines_targets(full, first, ctx, task.number)
        if unit.document_targets:
            task.targets = []
    return task


def _clause(clause: str, line: int, ctx: _Context, task_number: str) -> ClauseResult:
    """Departments of a clause, with what is uncertain flagged for review."""
    result = ctx.clause(clause, line)
    if result.unresolved:
        ctx.flag(
            "departments",
            f"departments without a role word (部门缺少牵头/配合/负责): {'、'.join(result.unresolved)}",
            line,
            clause,
            task_number,
        )
        result.departments.extend(
            Department(name=n, normalized=ctx.dictionary.normalize(n), role=Role.RESPONSIBLE, written=n, line=line)
            for n in result.unresolved
        )
    if not result.departments and not result.implicit:
        ctx.flag("departments", "no department found in the clause (未识别到责任单位)", line, clause, task_number)
    return result


def _assign_clause(task: Task, clause: str, line: int, ctx: _Context) -> None:
    """Task-level clause: explicit departments, then the implicit ones in force before it."""
    explicit: list[Department] = []
    implicit: list[Department] = []
    if clause:
        result = _clause(clause, line, ctx, task.number)
        explicit, implicit = result.departments, result.implicit
    else:
        ctx.flag("departments", "empty responsibility cell (责任分工为空)", line, "", task.number)
    have = {(d.normalized, d.role) for d in explicit}
    inherited = [d for d in ctx.implicit if (d.normalized, d.role) not in have]
    task.departments = [*explicit, *inherited]
    if implicit:
        ctx.implicit = implicit


def _deadlines_targets(text: str, line: int, ctx: _Context, task_number: str) -> tuple[list[Deadline], list[Target]]:
    deadlines, unresolved = find_deadlines(text, ctx.year, line=line)
    for u in unresolved:
        ctx.flag("deadline", f"deadline not understood (时限无法解析): {u}", line, u, task_number)
    targets, issues = find_targets(text, ctx.year, line=line)
    for i in issues:
        ctx.flag("target", i.message, line, i.text, task_number)
    return deadlines, targets


def _extract(task: Task, ctx: _Context, text: str, line: int) -> None:
    task.deadlines, task.targets = _deadlines_targets(text, line, ctx, task.number)


# --------------------------------------------------------------------------------------------
# annexes


_ANNEX_COLUMNS: tuple[tuple[re.Pattern[str], str, str, str], ...] = (
    # header pattern, indicator, comparator, unit
    (re.compile(r"PM2\.5"), "pm25", "<=", "µg/m³"),
    (re.compile(r"优良"), "good_day_ratio", ">=", "%"),
    (re.compile(r"降尘"), "dustfall", "<=", "t/km²·月"),
    (re.compile(r"挥发性有机物.*减排|VOCs.*减排"), "voc_reduction", "decrease_by", "%"),
    (re.compile(r"氮氧化物.*减排"), "nox_reduction", "decrease_by", "%"),
    (re.compile(r"二氧化硫.*减排"), "so2_reduction", "decrease_by", "%"),
)
_PLACE_HEADER = re.compile(r"^(?:城市|设区市|地市|县（市、区）|县\(市、区\)|县市区|县区|地区|区域|市|县|区)(?:名称)?$")
_NUMERIC = re.compile(r"^\s*\d+(?:\.\d+)?\s*%?\s*$")


def _parse_annexes(
    doc: Document,
    ctx: _Context,
    meta: PlanMeta,
    *,
    exclude: Table | None,
    doc_targets: list[Target],
) -> tuple[list[AnnexTable], list[Target]]:
    annexes: list[AnnexTable] = []
    targets: list[Target] = []
    number: str | None = None
    title_lines: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            text = block.text.strip()
            m = _ANNEX.match(text)
            if m:
                number = f"附件{m.group('n') or ''}"
                title_lines = []
            elif number is not None:
                title_lines.append(text)
            continue
        if block is exclude or number is None:
            continue
        title = "".join(title_lines)[:120]
        annex, found = _annex_table(block, number, title, ctx, meta, doc_targets)
        annexes.append(annex)
        targets.extend(found)
        number = None
    return annexes, targets


def _annex_table(
    table: Table, number: str, title: str, ctx: _Context, meta: PlanMeta, doc_targets: list[Target]
) -> tuple[AnnexTable, list[Target]]:
    rows = [list(r.texts) for r in table.rows]
    # header rows: until the first row whose cells after the first are mostly numbers
    split = next(
        (
            i
            for i, r in enumerate(rows)
            if len(r) > 1 and sum(bool(_NUMERIC.match(c)) for c in r[1:]) >= max(1, (len(r) - 1) // 2)
        ),
        1,
    )
    header_rows, data = rows[:split], rows[split:]
    data_lines = [r.line for r in table.rows[split:]]
    width = max((len(r) for r in data), default=0)
    header = _header_labels(header_rows, width)
    truncated = False
    whole: list[tuple[list[str], int]] = []
    for r, line in zip(data, data_lines, strict=True):
        if len(r) < width:
            truncated = True
            ctx.flag(
                "annex",
                f"{number} is cut off: row '{r[0]}' has {len(r)} of {width} cells; "
                f"imported the {len(whole)} whole rows (表格被截断，已导入完整的行)",
                line,
                " | ".join(r),
            )
            break
        whole.append((r, line))
    annex = AnnexTable(
        number=number,
        title=title,
        header=header,
        rows=[r for r, _ in whole],
        line=table.line,
        truncated=truncated,
    )
    targets: list[Target] = []
    if any(not h for h in header):
        ctx.flag(
            "annex",
            f"{number}: some columns have no header; those columns give no targets (部分列无表头)",
            table.line,
            title,
        )
    if not whole or not header_rows:
        return annex, targets
    year_m = re.search(r"(20\d{2})年", title)
    year = int(year_m.group(1)) if year_m else meta.year
    # side-by-side halves (附件2: 设区市 县 PM2.5 优良率 | 设区市 县 PM2.5 优良率)
    half = width // 2
    halves = [(0, width)]
    if width % 2 == 0 and half >= 2 and [_norm(h) for h in header[:2]] == [_norm(h) for h in header[half : half + 2]]:
        halves = [(0, half), (half, width)]
    unread: dict[str, list[str]] = {}  # a column's cells that are not numbers (flagged, never dropped silently)
    read: set[str] = set()
    for start, end in halves:
        cols = header[start:end]
        place_cols = [i for i, h in enumerate(cols) if _PLACE_HEADER.match(re.sub(r"\s+", "", h))]
        if not place_cols:
            place_cols = [0]
        for r, line in whole:
            cells = r[start:end]
            places = [re.sub(r"\s+", "", cells[i]) for i in place_cols if i < len(cells) and cells[i].strip()]
            if not places:
                continue
            jurisdiction = _place_name(places, meta)
            for i, h in enumerate(cols):
                if i in place_cols or i >= len(cells) or not cells[i].strip() or not h:
                    continue
                spec = _indicator_column(h)
                value_text = cells[i].strip()
                if re.search(r"序号|编号", h) or value_text in _NO_VALUE:
                    continue
                m = re.match(r"^(\d+(?:\.\d+)?)\s*(%)?$", value_text)
                if not m:
                    unread.setdefault(h, []).append(f"{jurisdiction} {value_text}")
                    continue
                read.add(h)
                if spec is None:
                    unit_m = re.search(r"单位[:：]\s*([^）)]+)", h)
                    label = re.sub(r"[（(]单位[:：][^）)]*[）)]", "", h).strip()
                    indicator, comparator, unit = (
                        label,
                        ">=",
                        (unit_m.group(1) if unit_m else ("%" if m.group(2) else "")),
                    )
                else:
                    indicator, comparator, unit = spec
                    label = re.sub(r"\s+", "", h)
                baseline = None
                if comparator == "decrease_by":
                    base = next(
                        (t.baseline_year for t in doc_targets if t.indicator == indicator and t.baseline_year), None
                    )
                    baseline = base
                    if base is None:
                        ctx.flag("annex", f"{number}: baseline year of {label} not found (未找到基准年)", line, label)
                targets.append(
                    Target(
                        text=f"{number} {title}: {jurisdiction} {label} {value_text}",
                        indicator=indicator,
                        comparator=comparator,
                        value=float(m.group(1)),
                        unit=unit,
                        year=year,
                        baseline_year=baseline,
                        jurisdiction=jurisdiction,
                        indicator_label=label,
                        source=number,
                        line=line,
                    )
                )
    for h, cells in unread.items():
        if h in read:
            message = (f"{number}: {len(cells)} cells of the column {h} are not numbers ({'、'.join(cells[:3])}); "
                       f"those give no target (该列部分单元格不是数值，未作为目标)")  # fmt: skip
        else:
            message = f"{number}: the column {h} holds no numbers; it gives no targets (该列不是数值，未作为目标)"
        ctx.flag("annex", message, table.line, h)
    return annex, targets


_NO_VALUE = {"-", "—", "/", "／", "－", "无", "——"}  # a cell that sets no target


def _norm(text: str) -> str:
    return re.sub(r"[\s（(].*$", "", text)


def _indicator_column(header: str) -> tuple[str, str, str] | None:
    h = re.sub(r"\s+", "", header)
    for pattern, indicator, comparator, unit in _ANNEX_COLUMNS:
        if pattern.search(h):
            return indicator, comparator, unit
    return None


def _place_name(places: list[str], meta: PlanMeta) -> str:
    """``全  省`` → the plan's province; ``南京``/``江宁`` → ``南京市·江宁``; ``南京市`` stays."""
    names = [p for p in places if p]
    if len(names) == 1 and re.fullmatch(r"全[省市区县]", names[0]):
        return meta.jurisdiction or names[0]
    if len(names) >= 2:
        city = names[0] if names[0].endswith("市") else names[0] + "市"
        return f"{city}·{names[1]}"
    name = names[0]
    if meta.level is Level.PROVINCE and not re.search(r"[市县区]$", name):
        name += "市"
    return name


def _header_labels(header_rows: list[list[str]], width: int) -> list[str]:
    """One label per column from one or more header rows (多级表头).

    A row as wide as the data names its columns (the most specific row wins); a shorter upper row
    (a group row: 城市 | 产业结构优化调整项目 | … | 合计) fills the columns still unnamed at the
    left and right edges, where its cells span one column each.
    """
    labels = [""] * width
    for row in header_rows:
        if len(row) == width:
            for i, h in enumerate(row):
                if h.strip():
                    labels[i] = re.sub(r"\s+", "", h)
    for row in header_rows:
        if len(row) >= width or not row:
            continue
        if len(header_rows) == 1:
            for i, h in enumerate(row):
                labels[i] = re.sub(r"\s+", "", h)
            continue
        left = 0
        while left < width and not labels[left] and left < len(row):
            labels[left] = re.sub(r"\s+", "", row[left])
            left += 1
        right, k = width - 1, len(row) - 1
        while right >= left and not labels[right] and k >= left:
            labels[right] = re.sub(r"\s+", "", row[k])
            right, k = right - 1, k - 1
    return labels


# re-exported for the tests and the exports
__all__ = ["parse_plan", "split_names", "trailing_clause"]


def _stem(name: str) -> str:
    """``"../计划/任务表.xlsx"`` → ``"任务表"`` (either kind of slash)."""
    return PurePath(name.replace("\\", "/")).stem or name
