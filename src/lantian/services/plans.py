"""Plan use cases (计划服务): parse, import (atomic, idempotent, revisioned), review, tasks, targets, links.

Every file of an import is read and parsed before anything is written; the writes for all files
then happen in one transaction. Importing bytes already stored changes nothing; a changed file
with the same plan key becomes a new revision with its differences recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lantian.config import Limits
from lantian.documents.read import read_document
from lantian.domain.plans.corrections import Correction, FlagKey, apply_correction, flag_key
from lantian.domain.plans.departments import DepartmentDictionary, matching_names
from lantian.domain.plans.diff import PlanDiff, diff_plans
from lantian.domain.plans.links import MIN_SCORE, LinkReport, propose_links
from lantian.domain.plans.model import ParsedPlan, PlanMeta, PlanTask, ReviewFlag, Task, TaskStatus
from lantian.domain.plans.records import (
    FlagStatus,
    PlanSummary,
    RevisionInfo,
    StoredFlag,
    StoredTarget,
    TaskFilter,
)
from lantian.domain.tracking import access
from lantian.domain.tracking.model import SYSTEM, Actor
from lantian.domain.tracking.overdue import Rhythm, RhythmHint, suggest_rhythms
from lantian.errors import ForbiddenError, InputError, NotFoundError
from lantian.services.audit import AuditTrail
from lantian.services.clock import Clock, utc_now
from lantian.storage.store import Store


@dataclass
class ImportOutcome:
    file: str
    key: str
    status: str  # created | revised | unchanged
    revision: int
    tasks: int
    targets: int
    flags: int
    changes: PlanDiff | None = None
    corrections: int = 0  # reviewers' corrections applied again to a revised file
    reopened: int = 0  # flags opened again: their correction no longer fits the revised file

    STATUS_LABELS = {"created": "新建", "revised": "新修订", "unchanged": "无变化"}  # noqa: RUF012

    def as_dict(self) -> dict[str, Any]:
        """The outcome as the web app and the audit log show it (the differences left out)."""
        return {"file": Path(self.file).name, "key": self.key, "status": self.status,
                "status_label": self.STATUS_LABELS[self.status], "revision": self.revision, "tasks": self.tasks,
                "targets": self.targets, "flags": self.flags, "corrections": self.corrections,
                "reopened": self.reopened}  # fmt: skip


@dataclass
class Comparison:
    """Two revisions of one plan and what changed between them (修订对比)."""

    summary: PlanSummary
    revisions: list[RevisionInfo]
    old: int  # revision numbers
    new: int
    before: ParsedPlan
    after: ParsedPlan
    diff: PlanDiff


@dataclass
class ImportReport:
    outcomes: list[ImportOutcome] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(o.status != "unchanged" for o in self.outcomes)


def default_key(meta: PlanMeta, file: str) -> str:
    """The plan's key (计划键): its 文号, else jurisdiction · year · title, else the file name."""
    if meta.doc_number:
        return meta.doc_number
    parts: list[str] = []
    title = meta.title or ""
    if meta.jurisdiction and meta.jurisdiction not in title:
        parts.append(meta.jurisdiction)
    if meta.year and str(meta.year) not in title:
        parts.append(str(meta.year))
    if title:
        parts.append(title)
    return "·".join(parts) if title else Path(file).stem


class PlanService:
    def __init__(self, store: Store, dictionary: DepartmentDictionary, *, audit: AuditTrail | None = None,
                 clock: Clock = utc_now, limits: Limits | None = None,
                 ancestors: access.Ancestors | None = None) -> None:  # fmt: skip
        self.store = store
        self.dictionary = dictionary
        self.limits = limits or Limits()
        self.ancestors: access.Ancestors = ancestors or (lambda place: [])  # the places above a place
        self.audit = audit or AuditTrail(store)
        self.clock = clock

    # ------------------------------------------------------------- parse and import
    def parse_file(
        self, path: str | Path, overrides: Mapping[str, object] | None = None, *, name: str | None = None
    ) -> ParsedPlan:
        """``name``: what the plan's file is called (an upload's own name), else its path as given."""
        from lantian.domain.plans.parser import parse_plan

        document = read_document(path, name=name, limits=self.limits)
        return parse_plan(document, dictionary=self.dictionary, overrides=overrides)

    def import_files(
        self,
        paths: Sequence[str | Path],
        *,
        key: str | None = None,
        overrides: Mapping[str, object] | None = None,
        actor: Actor = SYSTEM,
        names: Sequence[str] | None = None,
    ) -> ImportReport:
        """Import plans; all-or-nothing. ``key`` and ``overrides`` apply to a single file only.
        ``actor``: who imports (a web user, or the command line), audited in the same transaction; a
        new plan whose place could not be read stays with the actor's office (access.sees_plan).
        ``names``: what each file is called (文件名, an upload's own name, not where it was staged);
        they stand for the files in messages, outcomes, the revision's file and an untitled plan's key."""
        if not paths:
            raise InputError("no files given (未指定文件)", field="FILE")
        if (key or overrides) and len(paths) > 1:
            raise InputError("--key and metadata overrides apply to one file at a time (只能用于单个文件)", field="key")
        shown = [str(p) for p in paths] if names is None else list(names)
        if len(shown) != len(paths):
            raise ValueError("one name per file")
        # any error: nothing written
        parsed = [(name, self.parse_file(p, overrides, name=name)) for p, name in zip(paths, shown, strict=True)]
        keys: dict[str, tuple[str, str]] = {}  # key → (sha256, file)
        for file, plan in parsed:
            k = key or default_key(plan.meta, file)
            if k in keys and keys[k][0] != plan.sha256:
                raise InputError(
                    f"two files in one import have the same plan key {k!r}: {keys[k][1]} and {file}; "
                    f"import them separately or give --key (两个文件的计划键相同：{keys[k][1]}、{file}，请分别导入)",
                    file=file,
                    field="key",
                )
            keys[k] = (plan.sha256, file)
        report = ImportReport()
        now = self.clock()
        with self.audit.changing(actor) as (repo, note):
            for file, plan in parsed:
                k = key or default_key(plan.meta, file)
                # unchanged: these bytes are already the current revision of the plan (under its key,
                # or, without --key, under whichever key they were imported with)
                same = k if repo.has_plan(k) and repo.latest_sha(k) == plan.sha256 else None
                if same is None and not key:
                    same = repo.current_plan_with_sha(plan.sha256)
                # a plan on file is revised only by its own office; a new one is the importer's place or below
                if (existing := same or (k if repo.has_plan(k) else None)) is not None:
                    place, office = repo.plan_place(existing)
                    access.require_plan_admin(actor, place, office)
                    access.require_move(actor, place, plan.meta.jurisdiction, office)
                else:
                    access.require_import(actor, plan.meta.jurisdiction, self.ancestors)
                if same is not None:
                    summary = repo.summary(same)
                    report.outcomes.append(
                        ImportOutcome(
                            file,
                            same,
                            "unchanged",
                            summary.revision,
                            summary.task_count,
                            summary.target_count,
                            summary.open_flags,
                        )
                    )
                    continue
                reapplied, reopened = 0, dict[FlagKey, str]()
                if repo.has_plan(k):
                    plan, reapplied, reopened = self._correct_again(repo.corrections(k), plan)
                changes = diff_plans(repo.load(k), plan) if repo.has_plan(k) else None
                number = repo.add_revision(k, plan, file=file, now=now, changes=changes, reopened=reopened,
                                           office=actor.jurisdiction)  # fmt: skip
                n_targets = len(plan.targets) + sum(len(t.all_targets()) for t in plan.tasks)
                outcome = ImportOutcome(
                    file,
                    k,
                    "created" if changes is None else "revised",
                    number,
                    len(plan.tasks),
                    n_targets,
                    len(plan.all_flags()),
                    changes,
                    reapplied,
                    len(reopened),
                )
                report.outcomes.append(outcome)
                # the plan's place and the importing office: each sees the import in its audit log
                place, office = repo.plan_place(k)
                note("plan.import", "plan", k, None, outcome.as_dict(), places=[place, actor.jurisdiction or office])
        if report.changed:
            self.store.analyze()
        return report

    def _correct_again(
        self, kept: list[tuple[ReviewFlag, Correction]], plan: ParsedPlan
    ) -> tuple[ParsedPlan, int, dict[FlagKey, str]]:
        """A revised file: the corrections of the flags it raises again, applied again (the plan, how
        many applied, and the flags opened again because theirs no longer fits, with the reason)."""
        raised = {flag_key(f): f for f in plan.all_flags()}
        applied, reopened = 0, dict[FlagKey, str]()
        for old, correction in kept:
            flag = raised.get(flag_key(old))
            if flag is None:
                continue
            try:
                plan = apply_correction(plan, flag, correction, self.dictionary)
                applied += 1
            except InputError as exc:
                reopened[flag_key(flag)] = f"更正未能用于新修订 the correction no longer applies: {exc.message}"
        return plan, applied, reopened

    # ------------------------------------------------------------- reading
    def list_plans(self) -> list[PlanSummary]:
        with self.store.reading() as repo:
            return repo.summaries()

    def get_plan(self, key: str, revision: int | None = None) -> tuple[PlanSummary, ParsedPlan, list[RevisionInfo]]:
        with self.store.reading() as repo:
            return repo.summary(key), repo.load(key, revision), repo.revisions(key)

    def diff(self, key: str, old: int | None = None, new: int | None = None) -> tuple[int, int, PlanDiff]:
        """Differences between two revisions (default: the previous and the current one)."""
        with self.store.reading() as repo:
            current = repo.summary(key).revision
            new = new or current
            old = old or max(new - 1, 1)
            return old, new, diff_plans(repo.load(key, old), repo.load(key, new))

    def compare(self, key: str, old: int | None = None, new: int | None = None, *,
                actor: Actor = SYSTEM) -> Comparison:  # fmt: skip
        """Two revisions of a plan ``actor`` sees (access.sees_plan), side by side with what changed
        (修订对比; default: the previous and the current one)."""
        with self.store.reading() as repo:
            summary = repo.summary(key)
            if not access.sees_plan(actor, summary.jurisdiction, self.ancestors, summary.office):
                raise ForbiddenError(f"无权查看计划 {key} (not a plan of your jurisdiction)", field="plan")
            revisions = repo.revisions(key)
            numbers = [r.number for r in revisions]
            new = new or summary.revision
            old = old or max(new - 1, 1)
            for name, number in (("from", old), ("to", new)):
                if number not in numbers:
                    raise NotFoundError(
                        f"计划 {key} 没有第 {number} 版（共 {len(numbers)} 版） (no such revision)", field=name
                    )
            before, after = repo.load(key, old), repo.load(key, new)
        return Comparison(summary, revisions, old, new, before, after, diff_plans(before, after))

    def review(self, plan: str | None = None, status: FlagStatus | None = FlagStatus.OPEN) -> list[StoredFlag]:
        with self.store.reading() as repo:
            if plan:
                repo.plan_id(plan)
            return repo.flags(plan=plan, status=status)

    def flagged_tasks(self, flags: Sequence[StoredFlag]) -> dict[tuple[str, str], Task]:
        """(plan key, task number) → the current task, for the flags that name a task."""
        wanted: dict[str, set[str]] = {}
        for f in flags:
            if f.flag.task_number:
                wanted.setdefault(f.plan_key, set()).add(f.flag.task_number)
        with self.store.reading() as repo:
            return {(key, n): task for key, numbers in wanted.items()
                    for n, task in repo.tasks_by_number(key, numbers).items()}  # fmt: skip

    def flag(self, flag_id: int) -> StoredFlag:
        with self.store.reading() as repo:
            return repo.flag(flag_id)

    def resolve_flag(
        self,
        flag_id: int,
        status: FlagStatus,
        note: str | None = None,
        actor: Actor = SYSTEM,
        correction: Correction | None = None,
    ) -> StoredFlag:
        """Confirm a flagged extraction, or mark it corrected: with a ``correction`` (the field as it
        should be), applied to the plan as a new revision in the same transaction; else with a ``note``
        saying what is right. The correction is kept with the flag and applied again when a revised
        file raises the same flag."""
        if correction is not None and status is not FlagStatus.CORRECTED:
            raise InputError("a correction marks the flag corrected (填写更正内容即为已更正)", field="status")
        if status is FlagStatus.CORRECTED and correction is None and not (note or "").strip():
            raise InputError("say what the right value is (更正须填写正确内容)", field="note")
        now = self.clock()
        with self.audit.changing(actor) as (repo, audit):
            stored = repo.flag(flag_id)
            place, office = repo.plan_place(stored.plan_key)  # a flag belongs to its plan's place
            access.require_plan_admin(actor, place, office)
            before = {"status": stored.status, "resolution": stored.resolution,
                      "correction": stored.correction.to_dict() if stored.correction else None}  # fmt: skip
            after: dict[str, Any] = {"status": status.value}
            places: list[str | None] = [access.plan_office(place, office)]  # a corrected plan's dashboards recount
            if correction is not None:
                plan = repo.load(stored.plan_key)
                corrected = apply_correction(plan, stored.flag, correction, self.dictionary)
                access.require_move(actor, plan.meta.jurisdiction, corrected.meta.jurisdiction, office)
                changes = diff_plans(plan, corrected)
                if changes.empty:  # the plan already says so: no new revision
                    after["revision"] = repo.summary(stored.plan_key).revision
                else:
                    file = f"复核更正 #{flag_id} · {Path(repo.revision_file(stored.plan_key)).name}"
                    after["revision"] = repo.add_revision(stored.plan_key, corrected, file=file, now=now,
                                                          changes=changes)  # fmt: skip
                after["correction"] = correction.to_dict()
                note = (note or "").strip() or correction.summary()
                places += [plan.meta.jurisdiction, corrected.meta.jurisdiction]
            after["resolution"] = note
            done = repo.set_flag_status(flag_id, status, note, now, correction)
            audit(f"flag.{status.value}", "flag", flag_id, before, after, places=places)
            return done

    def resolve_departments(self, name: str) -> list[str]:
        """A department as a user types it (发改委, 市发改委, or part of it: 交通, 发改) → the stored names
        it may match (:func:`~lantian.domain.plans.departments.matching_names`)."""
        name = name.strip()
        with self.store.reading() as repo:
            stored = [n for n, _ in repo.department_names()]
        return sorted({name, self.dictionary.normalize(name), *matching_names(name, stored, self.dictionary)})

    def list_tasks(self, flt: TaskFilter | None = None) -> list[PlanTask]:
        flt = flt or TaskFilter()
        if flt.department and not flt.departments:
            flt.departments = self.resolve_departments(flt.department)
        with self.store.reading() as repo:
            if flt.plan:
                repo.plan_id(flt.plan)
            return repo.tasks(flt)

    def set_task_status(self, key: str, number: str, status: TaskStatus, actor: Actor = SYSTEM) -> None:
        """Set a task's status by hand (the office's decision, outside the monthly reports); audited."""
        with self.audit.changing(actor) as (repo, note):
            before, place = repo.set_task_status(key, number, status)
            if before == status.value:  # already so: nothing to audit
                return
            office = repo.plan_place(key)[1]  # a placeless plan's tasks count in its office's figures
            note("task.status", "task", f"{key}#{number}", {"status": before}, {"status": status.value},
                 places=[access.plan_office(place, office)])  # fmt: skip

    def set_rhythm(self, key: str, rhythm: Rhythm | None, number: str | None = None,
                   actor: Actor = SYSTEM) -> Rhythm | None:  # fmt: skip
        """Set how often the plan's tasks (or, with ``number``, one task) are reported on (调度频次);
        ``None`` inherits (a task its plan's, a plan the office's default). Only the admin of the
        plan's place; audited. Returns the rhythm before."""
        number = (number or "").strip() or None
        with self.audit.changing(actor) as (repo, note):
            place, office = repo.plan_place(key)
            access.require_plan_admin(actor, place, office)
            stored = repo.set_rhythm(key, number, rhythm.value if rhythm else None)
            before = Rhythm(stored) if stored else None
            if before is not rhythm:  # the dashboards of the plan's place recount what is owed
                entity, entity_id = ("task", f"{key}#{number}") if number else ("plan", key)
                after = {"rhythm": rhythm.value if rhythm else None}
                note(f"{entity}.rhythm", entity, entity_id, {"rhythm": stored}, after,
                     places=[access.plan_office(place, office)])  # fmt: skip
            return before

    def rhythm_hints(self, keys: Sequence[str]) -> dict[str, list[RhythmHint]]:
        """Per plan, the rhythms its tasks' words suggest (以日保月, 每周…, 每季度…), each once with the
        task and the words: suggestions for the office to review on /plans, never applied."""
        with self.store.reading() as repo:
            rows = repo.texts_naming(list(keys), ["以日保月", "每周", "周调度", "每季", "季度调度"])
        out: dict[str, list[RhythmHint]] = {}
        for key, number, text in rows:
            kept = out.setdefault(key, [])
            for hint in suggest_rhythms(text):
                if hint.rhythm not in {h.rhythm for h in kept} and len(kept) < 3:
                    kept.append(RhythmHint(hint.rhythm, f"第{number}项：{hint.text}"))
        return out

    def list_targets(
        self, *, plan: str | None = None, jurisdiction: str | None = None, indicator: str | None = None
    ) -> list[StoredTarget]:
        with self.store.reading() as repo:
            return repo.targets(plan=plan, jurisdiction=jurisdiction, indicator=indicator)

    def departments(self) -> list[tuple[str, int]]:
        with self.store.reading() as repo:
            return repo.department_names()

    def counts(self) -> dict[str, int]:
        with self.store.reading() as repo:
            return repo.counts()

    def links(self, parent: str, child: str, *, min_score: float | None = None) -> LinkReport:
        """Cross-level link proposals (上下级任务对应) between two stored plans."""
        with self.store.reading() as repo:
            parent_plan, child_plan = repo.load(parent), repo.load(child)
        return propose_links(
            parent_plan.tasks, child_plan.tasks, min_score=MIN_SCORE if min_score is None else min_score
        )
