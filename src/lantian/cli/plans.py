"""``lantian plans …``: parse, import, list, show, diff, review, link (计划)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from lantian.cli.common import DatabaseUrl, DataDir, JsonFlag, emit_table, open_app, out, print_json, remark, settings
from lantian.domain.plans.diff import FIELD_LABELS, PlanDiff
from lantian.domain.plans.model import ROLE_LABELS, ParsedPlan
from lantian.errors import InputError

if TYPE_CHECKING:  # services, documents and the wiring are imported by the commands that use them
    from lantian.services.plans import ImportOutcome

app = typer.Typer(help="计划：解析、导入、复核、修订对比、上下级对应 Plans: parse, import, review, diff, link.")

Year = Annotated[int | None, typer.Option("--year", help="计划年度 plan year (deadlines resolve against it)")]
Jurisdiction = Annotated[str | None, typer.Option("--jurisdiction", help="辖区 jurisdiction, e.g. 苏州市")]
Level = Annotated[str | None, typer.Option("--level", help="层级 province|city|county|district")]
Title = Annotated[str | None, typer.Option("--title", help="标题 title")]
Issuer = Annotated[str | None, typer.Option("--issuer", help="发文机关 issuing body")]
DocNumber = Annotated[str | None, typer.Option("--doc-number", help="文号, e.g. 苏气办〔2023〕16号")]
IssuedOn = Annotated[str | None, typer.Option("--issued-on", help="成文日期 date YYYY-MM-DD")]


def _overrides(**values: Any) -> dict[str, object]:
    return {k: v for k, v in values.items() if v is not None}


@app.command("parse")
def parse_cmd(
    file: Annotated[Path, typer.Argument(help="计划文件 .txt/.docx/.xlsx")],
    as_json: JsonFlag = False,
    year: Year = None,
    jurisdiction: Jurisdiction = None,
    level: Level = None,
    title: Title = None,
    issuer: Issuer = None,
    doc_number: DocNumber = None,
    issued_on: IssuedOn = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """解析计划文件（不写入数据库） Parse a plan file without touching the store."""
    from lantian.bootstrap import dictionary_only
    from lantian.documents.read import read_document
    from lantian.domain.plans.parser import parse_plan

    overrides = _overrides(
        year=year,
        jurisdiction=jurisdiction,
        level=level,
        title=title,
        issuer=issuer,
        doc_number=doc_number,
        issued_on=issued_on,
    )
    chosen = settings(data_dir, database_url)
    plan = parse_plan(
        read_document(file, limits=chosen.limits), dictionary=dictionary_only(chosen), overrides=overrides
    )
    if as_json:
        print_json(plan.to_dict())
        return
    _print_plan(plan)


def _print_plan(plan: ParsedPlan) -> None:
    m = plan.meta
    out.print(f"[bold]{m.title}[/bold]")
    out.print(
        f"文号 {m.doc_number or '—'} · 发文机关 {m.issuer or '—'} · 日期 {m.issued_on or '—'} · "
        f"层级 {m.level or '—'} · 辖区 {m.jurisdiction or '—'} · 年度 {m.year or '—'} · 体例 {m.style}"
    )
    table = Table("序号", "任务 task", "牵头 lead", "配合 coop.", "负责 resp.", "时限 deadline", "目标 targets")
    for t in plan.tasks:
        deps = t.all_departments()

        def names(role: str, deps: list[Any] = deps) -> str:
            return "、".join(d.name + ("*" if d.implicit else "") for d in deps if d.role == role)

        table.add_row(
            t.number,
            (t.title or t.text)[:40],
            names("lead"),
            names("cooperating"),
            names("responsible"),
            "；".join(dict.fromkeys(d.text for d in t.all_deadlines())),
            str(len(t.all_targets())) or "",
        )
    emit_table(table, csv_when_piped=False)
    n_sub = sum(len(t.subtasks) for t in plan.tasks)
    out.print(
        f"{len(plan.tasks)} 项任务 tasks · {n_sub} 项子任务 sub-tasks · {len(plan.targets)} 项文件/附件目标 "
        f"document and annex targets · {len(plan.all_flags())} 处待复核 flagged for review  (* = 隐含 implicit)"
    )


def _outcome_dict(o: ImportOutcome) -> dict[str, Any]:
    return {
        "file": o.file,
        "key": o.key,
        "status": o.status,
        "revision": o.revision,
        "tasks": o.tasks,
        "targets": o.targets,
        "flags": o.flags,
        "corrections": o.corrections,
        "reopened": o.reopened,
        "changes": o.changes.to_dict() if o.changes else None,
    }


@app.command("import")
def import_cmd(
    files: Annotated[list[Path], typer.Argument(help="计划文件 plan files (.txt/.docx/.xlsx)")],
    key: Annotated[
        str | None, typer.Option("--key", help="计划键 plan key (default: 文号, else 辖区·年度·标题)")
    ] = None,
    as_json: JsonFlag = False,
    year: Year = None,
    jurisdiction: Jurisdiction = None,
    level: Level = None,
    title: Title = None,
    issuer: Issuer = None,
    doc_number: DocNumber = None,
    issued_on: IssuedOn = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """导入计划（全部成功或全部不写入；重复导入无变化） Import plans: all or nothing, idempotent."""
    from lantian.documents.read import SUFFIXES, precheck
    from lantian.services.plans import ImportOutcome

    overrides = _overrides(
        year=year,
        jurisdiction=jurisdiction,
        level=level,
        title=title,
        issuer=issuer,
        doc_number=doc_number,
        issued_on=issued_on,
    )
    chosen = settings(data_dir, database_url)
    for file in files:  # the size limits first, before the store is opened (a zip bomb costs nothing)
        if file.is_file() and file.suffix.lower() in SUFFIXES:
            precheck(file, name=str(file), limits=chosen.limits)
    with open_app(data_dir, database_url) as lantian:
        report = lantian.plans.import_files(files, key=key, overrides=overrides or None)
    if as_json:
        print_json([_outcome_dict(o) for o in report.outcomes])
        return
    for o in report.outcomes:
        label = ImportOutcome.STATUS_LABELS[o.status]
        out.print(
            f"{label} {o.status}: {o.key} (修订 revision {o.revision}) ← {o.file}: {o.tasks} 项任务 tasks, "
            f"{o.targets} 项目标 targets, {o.flags} 处待复核 flags"
        )
        if o.corrections or o.reopened:
            out.print(f"  复核更正 corrections applied again: {o.corrections}; "
                      f"不再适用、重新待复核 reopened: {o.reopened}")  # fmt: skip
        if o.changes is not None:
            _print_diff(o.changes)


def _print_diff(diff: PlanDiff) -> None:
    if diff.empty:
        out.print("  内容无变化 no changes in content")
        return
    if diff.added:
        out.print(f"  新增任务 added: {'、'.join(diff.added)}")
    if diff.removed:
        out.print(f"  删除任务 removed: {'、'.join(diff.removed)}")
    for c in diff.changed:
        out.print(f"  修改任务 changed {c.number}: {'、'.join(FIELD_LABELS.get(f, f) for f in c.fields)}")
    for text in diff.targets_added:
        out.print(f"  新增目标 target added: {text}")
    for text in diff.targets_removed:
        out.print(f"  删除目标 target removed: {text}")
    if diff.meta_changed:
        out.print(f"  元数据变化 metadata changed: {', '.join(diff.meta_changed)}")


@app.command("list")
def list_cmd(as_json: JsonFlag = False, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """已导入的计划 The plans in the store."""
    with open_app(data_dir, database_url) as lantian:
        plans = lantian.plans.list_plans()
    if as_json:
        print_json([s.__dict__ for s in plans])
        return
    table = Table("计划键 key", "标题 title", "辖区", "年度", "修订", "任务", "目标", "待复核", "文件 file")
    for s in plans:
        table.add_row(
            s.key,
            s.title,
            s.jurisdiction or "",
            str(s.year or ""),
            str(s.revision),
            str(s.task_count),
            str(s.target_count),
            str(s.open_flags),
            s.file,
        )
    emit_table(table)
    if not plans:
        remark("还没有计划：用 lantian plans import FILE 导入 no plans yet: import with `lantian plans import FILE`")


@app.command("rhythm")
def rhythm_cmd(
    key: Annotated[str, typer.Argument(help="计划键 plan key (see `lantian plans list`)")],
    rhythm: Annotated[
        str | None, typer.Argument(help="调度频次 weekly|monthly|quarterly, or inherit (the default); none: show it")
    ] = None,
    task: Annotated[str | None, typer.Option("--task", help="任务序号 set one task's rhythm instead")] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """调度频次 How often the plan's tasks (or one task's) progress is reported: weekly, monthly or
    quarterly; a task's own wins over its plan's, the plan's over the office's default (workflow.toml).
    Audited. Without RHYTHM: the plan's, and what its text suggests (--json: PUT /api/v1/plans/rhythm's
    schema when setting)."""
    from lantian.domain.tracking.model import SYSTEM
    from lantian.domain.tracking.overdue import Rhythm
    from lantian.web.rhythm import parse, set_rhythm

    with open_app(data_dir, database_url) as lantian:
        if rhythm is None:
            summary = lantian.plans.get_plan(key)[0]
            default = lantian.workflow.settings.rhythm
            hints = lantian.plans.rhythm_hints([key]).get(key, [])
            current = summary.rhythm or default.value
            if as_json:
                print_json({"plan": key, "rhythm": summary.rhythm, "effective": current,
                            "hints": [{"rhythm": h.rhythm.value, "text": h.text} for h in hints]})  # fmt: skip
                return
            label = Rhythm(current).label
            out.print(f"{key}: 调度频次 {label} ({current}{'' if summary.rhythm else ', 本单位默认 the default'})")
            for h in hints:
                out.print(f"  原文“{h.text}”：可考虑{h.rhythm.label}调度，请复核 (suggested {h.rhythm.value}; review)")
            return
        done = set_rhythm(lantian, SYSTEM, key, parse(rhythm), task)
    if as_json:
        print_json(done.model_dump(mode="json"))
        return
    what = f"{key} 第{task}项" if task else key
    before = Rhythm(done.before).label if done.before else "默认 inherited"
    out.print(f"{what}: 调度频次 {before} → {done.label} ({done.effective}{'' if done.rhythm else ', inherited'})")


@app.command("show")
def show_cmd(
    key: Annotated[str, typer.Argument(help="计划键 plan key (see `lantian plans list`)")],
    revision: Annotated[int | None, typer.Option("--revision", help="修订号 revision (default current)")] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """显示一个计划及其修订 Show a stored plan and its revisions."""
    with open_app(data_dir, database_url) as lantian:
        summary, plan, revisions = lantian.plans.get_plan(key, revision)
    if as_json:
        data = plan.to_dict()
        data["key"] = summary.key
        data["revisions"] = [
            {
                "number": r.number,
                "file": r.file,
                "sha256": r.sha256,
                "imported_at": r.imported_at,
                "tasks": r.task_count,
                "changes": r.changes.to_dict() if r.changes else None,
            }
            for r in revisions
        ]
        print_json(data)
        return
    _print_plan(plan)
    for r in revisions:
        out.print(f"修订 revision {r.number}: {r.imported_at:%Y-%m-%d %H:%M} UTC ← {r.file} ({r.task_count} 项任务)")


@app.command("diff")
def diff_cmd(
    key: Annotated[str, typer.Argument(help="计划键 plan key")],
    old: Annotated[int | None, typer.Option("--from", help="旧修订 old revision (default previous)")] = None,
    new: Annotated[int | None, typer.Option("--to", help="新修订 new revision (default current)")] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """两个修订之间的变化 What changed between two revisions of a plan (--json: the API's schema,
    GET /api/v1/plans/diff)."""
    from lantian.web.picks import diff_out

    with open_app(data_dir, database_url) as lantian:
        d = diff_out(lantian.plans.compare(key, old, new))
    if as_json:
        print_json(d.model_dump(mode="json"))
        return
    out.print(f"{d.key}: 修订 revision {d.from_revision} → {d.to_revision}")
    if d.empty:
        out.print("  内容无变化 no changes in content")
    for t in d.added:
        out.print(f"  新增任务 added {t.number}: {t.title[:60]}")
    for t in d.removed:
        out.print(f"  删除任务 removed {t.number}: {t.title[:60]}")
    for c in d.changed:
        out.print(f"  修改任务 changed {c.number}: {c.title[:40]}")
        for f in c.fields:
            out.print(f"    {f.label}: {'、'.join(f.before) or '—'} → {'、'.join(f.after) or '—'}")
    for text in d.targets_added:
        out.print(f"  新增目标 target added: {text}")
    for text in d.targets_removed:
        out.print(f"  删除目标 target removed: {text}")
    for m in d.meta_changed:
        out.print(f"  {m.label} {m.field}: {'、'.join(m.before) or '—'} → {'、'.join(m.after) or '—'}")


@app.command("review")
def review_cmd(
    key: Annotated[str | None, typer.Argument(help="计划键 plan key (default all plans)")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="包括已处理的 include resolved flags")] = False,
    confirm: Annotated[int | None, typer.Option("--confirm", help="确认提取无误 confirm flag ID")] = None,
    correct: Annotated[
        int | None, typer.Option("--correct", help="更正 correct flag ID (the field's options below)")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="复核说明 what the reviewer found")] = None,
    part: Annotated[str | None, typer.Option("--part", help="子任务 correct a sub-task (1.2), not the task")] = None,
    lead: Annotated[str | None, typer.Option("--lead", help="牵头单位 lead units, 、-separated (departments)")] = None,
    responsible: Annotated[str | None, typer.Option("--responsible", help="负责单位 (departments)")] = None,
    cooperating: Annotated[str | None, typer.Option("--cooperating", help="配合单位 (departments)")] = None,
    text: Annotated[
        str | None, typer.Option("--text", help="the deadline or target as it should read (deadline, target)")
    ] = None,
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", help="辖区 (meta)")] = None,
    level: Annotated[str | None, typer.Option("--level", help="province|city|county|district (meta)")] = None,
    year: Annotated[int | None, typer.Option("--year", help="计划年度 plan year (meta)")] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """待复核的提取结果 Extractions flagged for review; confirm them, or correct the field (the plan gets
    a new revision; a revised file raising the same flag gets the correction again)."""
    from lantian.domain.plans.corrections import Correction
    from lantian.domain.plans.records import FLAG_LABELS, FlagStatus

    fields = {"part": part, "lead": lead, "responsible": responsible, "cooperating": cooperating, "text": text,
              "jurisdiction": jurisdiction, "level": level, "year": year}  # fmt: skip
    with open_app(data_dir, database_url) as lantian:
        if confirm is not None or correct is not None:
            if confirm is not None and correct is not None:
                raise InputError("give --confirm or --correct, not both (只能二选一)", field="review")
            flag_id = confirm if confirm is not None else correct
            assert flag_id is not None
            status = FlagStatus.CONFIRMED if confirm is not None else FlagStatus.CORRECTED
            correction = Correction.given(lantian.plans.flag(flag_id).flag.field, fields)
            if correct is not None and correction is None and not note:  # the service says so too, not by option
                raise InputError(
                    "--correct needs the field's value (--lead/--responsible/--cooperating, --text, --jurisdiction/"
                    "--level/--year) or --note saying what is right (更正需填写正确内容)", field="note",
                )  # fmt: skip
            done = lantian.plans.resolve_flag(flag_id, status, note, correction=correction)
            out.print(f"#{done.id} {FLAG_LABELS[FlagStatus(done.status)]} {done.status}: {done.flag.message}")
            if done.resolution:
                out.print(f"  → {done.resolution}")
            return
        flags = lantian.plans.review(key, None if show_all else FlagStatus.OPEN)
    if as_json:
        print_json(
            [
                {
                    "id": f.id,
                    "plan": f.plan_key,
                    "revision": f.revision,
                    "status": f.status,
                    "resolution": f.resolution,
                    "correction": f.correction.to_dict() if f.correction else None,
                    "task_number": f.flag.task_number,
                    "field": f.flag.field,
                    "message": f.flag.message,
                    "line": f.flag.line,
                    "text": f.flag.text,
                }
                for f in flags
            ]
        )
        return
    table = Table("#", "计划 plan", "行 line", "任务 task", "字段 field", "问题 message", "原文 text", "状态")
    for f in flags:
        table.add_row(
            str(f.id),
            f.plan_key,
            str(f.flag.line),
            f.flag.task_number or "",
            f.flag.field,
            f.flag.message,
            f.flag.text[:60],
            FLAG_LABELS[FlagStatus(f.status)],
        )
    emit_table(table)
    remark(
        f"{len(flags)} 处 flags; 确认 confirm: lantian plans review --confirm ID; "
        "更正 correct: lantian plans review --correct ID --lead … | --text … | --jurisdiction … (or --note …)"
    )


@app.command("link")
def link_cmd(
    parent: Annotated[str, typer.Argument(help="上级计划键 parent plan key (e.g. the provincial plan)")],
    child: Annotated[str, typer.Argument(help="下级计划键 child plan key (e.g. a city plan)")],
    min_score: Annotated[float | None, typer.Option("--min-score", help="最低得分 minimum score 0–1")] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """上下级任务对应建议 Propose parent ↔ child task links, with the reasons for each score."""
    with open_app(data_dir, database_url) as lantian:
        report = lantian.plans.links(parent, child, min_score=min_score)
    if as_json:
        print_json(
            {
                "parent": parent,
                "child": child,
                "links": [link.__dict__ for link in report.links],
                "unmatched_parents": [{"number": t.number, "title": t.title} for t in report.unmatched_parents],
                "unmatched_children": [{"number": t.number, "title": t.title} for t in report.unmatched_children],
            }
        )
        return
    table = Table("上级 parent", "下级 child", "得分 score", "理由 reasons")
    for link in report.links:
        table.add_row(
            f"{link.parent_number} {(link.parent_title or '')[:24]}",
            f"{link.child_number} {(link.child_title or '')[:24]}",
            f"{link.score:.2f}",
            "；".join(link.reasons),
        )
    emit_table(table)
    if report.unmatched_parents:
        remark("[bold]下级无对应的上级任务 parent tasks with no counterpart below:[/bold]")
        for t in report.unmatched_parents:
            remark(f"  {t.number} {(t.title or t.text)[:60]}")


ROLE_HELP = "、".join(f"{k.value}={v}" for k, v in ROLE_LABELS.items())
