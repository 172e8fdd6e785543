"""Plan repository (计划存储): ParsedPlan ⇄ rows. Takes and returns domain dataclasses only.

All methods run inside the caller's session; the service owns the transaction (one import of
several files is one transaction: all of it lands or none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from lantian.domain.plans.codec import plan_from_dict, plan_to_dict, task_from_dict, task_to_dict
from lantian.domain.plans.corrections import Correction, FlagKey, flag_key
from lantian.domain.plans.diff import PlanDiff
from lantian.domain.plans.model import (
    Level,
    ParsedPlan,
    PlanTask,
    ReviewFlag,
    Target,
    Task,
    TaskStatus,
)
from lantian.domain.plans.records import (
    FlagStatus,
    PlanSummary,
    RevisionInfo,
    StoredFlag,
    StoredTarget,
    TaskFilter,
)
from lantian.domain.targets.registry import TargetEntry
from lantian.domain.tracking.overdue import clause_reporting_units, reporting_units
from lantian.domain.warnings.lifecycle import Event
from lantian.errors import NotFoundError
from lantian.storage import tables as t

_BATCH = 5000


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def task_conditions(flt: TaskFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a task filter, over ``tasks`` joined to ``plans`` (the command line's
    ``tasks list`` and the web app's task list)."""
    tk, p = t.tasks, t.plans
    conds: list[ColumnElement[bool]] = []
    if flt.plan:
        conds.append(p.c.key == flt.plan)
    if flt.status:
        conds.append(tk.c.status == flt.status.value)
    if flt.text:
        like = f"%{flt.text}%"
        matches = [tk.c.text.like(like), tk.c.title.like(like), tk.c.category.like(like), tk.c.number == flt.text]
        conds.append(or_(*matches))
    if flt.deadline_after:
        conds.append(tk.c.last_deadline >= flt.deadline_after)
    if flt.deadline_before:
        conds.append(tk.c.last_deadline <= flt.deadline_before)
    if flt.overdue_as_of:
        conds += [tk.c.last_deadline < flt.overdue_as_of, tk.c.status != TaskStatus.COMPLETED.value]
    if flt.departments or flt.role:
        d = t.task_departments
        named = [d.c.task_id == tk.c.id]
        if flt.departments:
            named.append(or_(d.c.normalized.in_(flt.departments), d.c.name.in_(flt.departments)))
        if flt.role:
            named.append(d.c.role == flt.role.value)
        if not flt.include_implicit:
            named.append(d.c.implicit.is_(False))
        conds.append(exists().where(*named))
    return conds


class PlanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ---------------------------------------------------------------- lookups
    def plan_id(self, key: str) -> int:
        pid = self.session.scalar(select(t.plans.c.id).where(t.plans.c.key == key))
        if pid is None:
            raise NotFoundError(f"no plan with key {key!r}; see `lantian plans list` (没有该计划)", field="plan")
        return int(pid)

    def has_plan(self, key: str) -> bool:
        return bool(self.session.scalar(select(exists().where(t.plans.c.key == key))))

    def current_plan_with_sha(self, sha256: str) -> str | None:
        """The key of a plan whose current revision was imported from identical bytes, if any."""
        key = self.session.scalar(
            select(t.plans.c.key)
            .join(t.plan_revisions, t.plans.c.id == t.plan_revisions.c.plan_id)
            .where(t.plan_revisions.c.sha256 == sha256, t.plan_revisions.c.number == t.plans.c.current_revision)
            .limit(1)
        )
        return str(key) if key is not None else None

    def latest_sha(self, key: str) -> str | None:
        return self.session.scalar(
            select(t.plan_revisions.c.sha256)
            .join(t.plans, t.plans.c.id == t.plan_revisions.c.plan_id)
            .where(t.plans.c.key == key, t.plan_revisions.c.number == t.plans.c.current_revision)
        )

    # ---------------------------------------------------------------- writes
    def add_revision(self, key: str, plan: ParsedPlan, *, file: str, now: dt.datetime, changes: PlanDiff | None,
                     reopened: Mapping[FlagKey, str] | None = None, office: str = "") -> int:  # fmt: skip
        """Store ``plan`` as the newest revision of ``key`` (creating the plan); returns its number.
        ``reopened``: flags whose correction no longer applies, opened again with the reason;
        ``office``: a new plan's importer's jurisdiction (导入单位; kept by later revisions)."""
        meta = plan.meta
        task_dicts = [task_to_dict(task) for task in plan.tasks]
        values = {
            "title": meta.title,
            "issuer": meta.issuer,
            "doc_number": meta.doc_number,
            "issued_on": meta.issued_on,
            "level": meta.level.value if meta.level else None,
            "jurisdiction": meta.jurisdiction,
            "year": meta.year,
            "style": meta.style,
            "updated_at": now,
        }
        pid = self.session.scalar(select(t.plans.c.id).where(t.plans.c.key == key))
        if pid is None:
            pid = self.session.execute(
                insert(t.plans)
                .values(key=key, current_revision=1, created_at=now, office=office.strip(), **values)
                .returning(t.plans.c.id)
            ).scalar_one()
            number = 1
        else:
            number = (
                int(
                    self.session.scalar(
                        select(func.max(t.plan_revisions.c.number)).where(t.plan_revisions.c.plan_id == pid)
                    )
                    or 0
                )
                + 1
            )
            self.session.execute(update(t.plans).where(t.plans.c.id == pid).values(current_revision=number, **values))
        self.session.execute(
            insert(t.plan_revisions).values(
                plan_id=pid,
                number=number,
                file=file,
                sha256=plan.sha256,
                imported_at=now,
                task_count=len(plan.tasks),
                target_count=len(plan.targets) + sum(len(x.all_targets()) for x in plan.tasks),
                flag_count=len(plan.all_flags()),
                payload=plan_to_dict(plan, task_dicts),
                changes=changes.to_dict() if changes is not None else None,
            )
        )
        self._write_tasks(int(pid), number, plan, task_dicts)
        self._write_flags(int(pid), number, plan, reopened or {})
        return number

    def _write_tasks(self, pid: int, number: int, plan: ParsedPlan, task_dicts: list[dict[str, Any]]) -> None:
        existing = {
            str(r.number): int(r.id)
            for r in self.session.execute(select(t.tasks.c.id, t.tasks.c.number).where(t.tasks.c.plan_id == pid))
        }
        if existing:
            ids = list(existing.values())
            for chunk in _chunks(ids):
                self.session.execute(delete(t.task_departments).where(t.task_departments.c.task_id.in_(chunk)))
                self.session.execute(delete(t.task_deadlines).where(t.task_deadlines.c.task_id.in_(chunk)))
            self.session.execute(delete(t.targets).where(t.targets.c.plan_id == pid))
            kept = {task.number for task in plan.tasks}
            gone = [tid for num, tid in existing.items() if num not in kept]
            for chunk in _chunks(gone):
                self.session.execute(
                    update(t.tasks)
                    .where(t.tasks.c.id.in_(chunk), t.tasks.c.removed_in.is_(None))
                    .values(removed_in=number)
                )
        task_ids: dict[str, int] = {}
        new_rows: list[dict[str, Any]] = []
        for pos, task in enumerate(plan.tasks):
            row = {
                "position": pos,
                "number": task.number,
                "title": task.title,
                "category": task.category,
                "text": task.text,
                "last_deadline": _last_deadline(task),
                "revision": number,
                "payload": task_dicts[pos],
            }
            if task.number in existing:
                tid = existing[task.number]
                self.session.execute(update(t.tasks).where(t.tasks.c.id == tid).values(removed_in=None, **row))
                task_ids[task.number] = tid
            else:
                new_rows.append(
                    {**row, "plan_id": pid, "status": TaskStatus.NOT_STARTED.value, "first_revision": number}
                )
        for chunk in _chunks(new_rows):
            self.session.execute(insert(t.tasks), chunk)  # executemany; ids read back below (cheaper than RETURNING)
        if new_rows:
            fresh = {row["number"] for row in new_rows}
            query = select(t.tasks.c.id, t.tasks.c.number).where(t.tasks.c.plan_id == pid)
            for tid, num in self.session.execute(query):
                if num in fresh:
                    task_ids[str(num)] = int(tid)
        deps: list[dict[str, Any]] = []
        dls: list[dict[str, Any]] = []
        tgs: list[dict[str, Any]] = []
        for task in plan.tasks:
            tid = task_ids[task.number]
            parts: list[tuple[str | None, Any]] = [(None, task), *((s.number, s) for s in task.subtasks)]
            # the task's reporting units, each marked on its first row; then each clause's units that
            # report through it (overdue.clause_reporting_units), on the clause's rows
            own = [(d.normalized, d.role) for d in task.departments]
            reporting = [reporting_units(own), *clause_reporting_units(
                own, ([(d.normalized, d.role) for d in s.departments] for s in task.subtasks)
            )]  # fmt: skip
            for (sub, item), marks in zip(parts, reporting, strict=True):
                unmarked = set(marks)
                for d in item.departments:
                    deps.append(
                        {
                            "task_id": tid,
                            "subtask": sub,
                            "name": d.name,
                            "normalized": d.normalized,
                            "role": d.role.value,
                            "implicit": d.implicit,
                            "reporter": d.normalized in unmarked,
                        }
                    )
                    unmarked.discard(d.normalized)
                dls.extend(
                    {
                        "task_id": tid,
                        "subtask": sub,
                        "text": d.text,
                        "start": d.start,
                        "end": d.end,
                        "recurring": d.recurring,
                    }
                    for d in item.deadlines
                )
                tgs.extend(_target_row(pid, tid, sub, x) for x in item.targets)
        tgs.extend(_target_row(pid, None, None, x) for x in plan.targets)
        for table, rows in ((t.task_departments, deps), (t.task_deadlines, dls), (t.targets, tgs)):
            for chunk in _chunks(rows):
                self.session.execute(insert(table), chunk)

    def _write_flags(self, pid: int, number: int, plan: ParsedPlan, reopened: Mapping[FlagKey, str]) -> None:
        """Flags of an earlier revision that the new one raises again keep their row (their id, review
        status and correction); the others go."""
        f = t.review_flags
        old: dict[FlagKey, list[int]] = {}
        query = select(f.c.id, f.c.task_number, f.c.field, f.c.message, f.c.text).where(f.c.plan_id == pid)
        for r in self.session.execute(query.order_by(f.c.id)):
            old.setdefault((r.task_number, r.field, r.message, r.text), []).append(int(r.id))
        rows = []
        for flag in plan.all_flags():
            k = flag_key(flag)
            if old.get(k):
                values: dict[str, Any] = {"revision": number, "line": flag.line}
                if k in reopened:
                    values.update(status=FlagStatus.OPEN.value, resolution=reopened[k], resolved_at=None,
                                  correction=None)  # fmt: skip
                self.session.execute(update(f).where(f.c.id == old[k].pop(0)).values(**values))
                continue
            rows.append(
                {
                    "plan_id": pid,
                    "revision": number,
                    "task_number": flag.task_number,
                    "field": flag.field,
                    "message": flag.message,
                    "line": flag.line,
                    "text": flag.text,
                    "status": FlagStatus.OPEN.value,
                    "resolution": None,
                    "resolved_at": None,
                }
            )
        for chunk in _chunks([i for ids in old.values() for i in ids]):
            self.session.execute(delete(f).where(f.c.id.in_(chunk)))
        for chunk in _chunks(rows):
            self.session.execute(insert(f), chunk)

    def set_flag_status(self, flag_id: int, status: str, resolution: str | None, now: dt.datetime,
                        correction: Correction | None = None) -> StoredFlag:  # fmt: skip
        """Record the review; a ``correction`` replaces the one kept (confirming keeps it: the plan
        still holds what it corrected)."""
        found = self.session.scalar(select(t.review_flags.c.id).where(t.review_flags.c.id == flag_id))
        if found is None:
            raise NotFoundError(f"no review flag #{flag_id} (没有该复核项)", field="flag")
        values: dict[str, Any] = {
            "status": status, "resolution": resolution, "resolved_at": now if status != FlagStatus.OPEN else None
        }  # fmt: skip
        if correction is not None:
            values["correction"] = correction.to_dict()
        self.session.execute(update(t.review_flags).where(t.review_flags.c.id == flag_id).values(**values))
        return self.flag(flag_id)

    def flag(self, flag_id: int) -> StoredFlag:
        found = self.flags(flag_id=flag_id, status=None)
        if not found:
            raise NotFoundError(f"no review flag #{flag_id} (没有该复核项)", field="flag")
        return found[0]

    def corrections(self, key: str) -> list[tuple[ReviewFlag, Correction]]:
        """The plan's flags that carry a correction, with it."""
        return [(s.flag, s.correction) for s in self.flags(plan=key, status=None) if s.correction is not None]

    def revision_file(self, key: str) -> str:
        """The file the plan's current revision was read from."""
        r = t.plan_revisions
        return str(
            self.session.scalar(
                select(r.c.file)
                .join(t.plans, t.plans.c.id == r.c.plan_id)
                .where(t.plans.c.key == key, r.c.number == t.plans.c.current_revision)
            )
        )

    def plan_place(self, key: str) -> tuple[str | None, str]:
        """The plan's place (辖区) and the office that imported it."""
        row = self.session.execute(select(t.plans.c.jurisdiction, t.plans.c.office).where(t.plans.c.key == key)).first()
        if row is None:
            raise NotFoundError(f"no plan with key {key!r}; see `lantian plans list` (没有该计划)", field="plan")
        return row.jurisdiction, str(row.office or "")

    def set_task_status(self, key: str, number: str, status: TaskStatus) -> tuple[str, str | None]:
        """Set the status; returns the status before and the plan's jurisdiction."""
        pid = self.plan_id(key)
        row = self.session.execute(
            select(t.tasks.c.status, t.plans.c.jurisdiction)
            .join(t.plans, t.plans.c.id == t.tasks.c.plan_id)
            .where(t.tasks.c.plan_id == pid, t.tasks.c.number == number)
        ).first()
        if row is None:
            raise NotFoundError(f"plan {key} has no task {number} (没有该任务)", field="task")
        self.session.execute(
            update(t.tasks).where(t.tasks.c.plan_id == pid, t.tasks.c.number == number).values(status=status.value)
        )
        return str(row.status), row.jurisdiction

    def set_rhythm(self, key: str, number: str | None, rhythm: str | None) -> str | None:
        """Set the rhythm (调度频次) of the plan or (``number``) of one of its current tasks; ``None``
        inherits (a task its plan's, a plan the office's). Returns the one before."""
        pid = self.plan_id(key)
        if number is None:
            before = self.session.scalar(select(t.plans.c.rhythm).where(t.plans.c.id == pid))
            self.session.execute(update(t.plans).where(t.plans.c.id == pid).values(rhythm=rhythm))
            return None if before is None else str(before)
        where = (t.tasks.c.plan_id == pid, t.tasks.c.number == number, t.tasks.c.removed_in.is_(None))
        row = self.session.execute(select(t.tasks.c.rhythm).where(*where)).first()
        if row is None:
            raise NotFoundError(f"plan {key} has no task {number} (该计划没有第{number}项任务)", field="task")
        self.session.execute(update(t.tasks).where(*where).values(rhythm=rhythm))
        return None if row.rhythm is None else str(row.rhythm)

    def texts_naming(self, keys: Sequence[str], words: Sequence[str], limit: int = 20) -> list[tuple[str, str, str]]:
        """(plan key, task number, text) of the current tasks of ``keys`` whose text names one of
        ``words``, at most ``limit`` per plan, in plan order (the rhythm hints of /plans)."""
        tk, p = t.tasks, t.plans
        out: list[tuple[str, str, str]] = []
        for key in keys:
            query = (
                select(p.c.key, tk.c.number, tk.c.text).join(p, p.c.id == tk.c.plan_id)
                .where(p.c.key == key, tk.c.removed_in.is_(None), or_(*(tk.c.text.contains(w) for w in words)))
                .order_by(tk.c.position).limit(limit)
            )  # fmt: skip
            out += [(str(a), str(b), str(c)) for a, b, c in self.session.execute(query)]
        return out

    # ---------------------------------------------------------------- reads
    def summaries(self) -> list[PlanSummary]:
        p, r = t.plans, t.plan_revisions
        open_flags = (
            select(func.count())
            .where(t.review_flags.c.plan_id == p.c.id, t.review_flags.c.status == FlagStatus.OPEN)
            .scalar_subquery()
        )
        rows = self.session.execute(
            select(p, r.c.file, r.c.imported_at, r.c.task_count, r.c.target_count, open_flags.label("open_flags"))
            .join(r, and_(r.c.plan_id == p.c.id, r.c.number == p.c.current_revision))
            .order_by(p.c.key)
        ).mappings()
        return [
            PlanSummary(
                key=m["key"],
                title=m["title"],
                doc_number=m["doc_number"],
                issuer=m["issuer"],
                issued_on=m["issued_on"],
                level=Level(m["level"]) if m["level"] else None,
                jurisdiction=m["jurisdiction"],
                office=m["office"],
                rhythm=m["rhythm"],
                year=m["year"],
                style=m["style"],
                revision=m["current_revision"],
                task_count=m["task_count"],
                target_count=m["target_count"],
                open_flags=m["open_flags"],
                file=m["file"],
                imported_at=_utc(m["imported_at"]),
            )
            for m in rows
        ]

    def summary(self, key: str) -> PlanSummary:
        for s in self.summaries():
            if s.key == key:
                return s
        raise NotFoundError(f"no plan with key {key!r}; see `lantian plans list` (没有该计划)", field="plan")

    def revisions(self, key: str) -> list[RevisionInfo]:
        pid = self.plan_id(key)
        r = t.plan_revisions
        rows = self.session.execute(
            select(
                r.c.number,
                r.c.file,
                r.c.sha256,
                r.c.imported_at,
                r.c.task_count,
                r.c.target_count,
                r.c.flag_count,
                r.c.changes,
            )
            .where(r.c.plan_id == pid)
            .order_by(r.c.number)
        )
        return [
            RevisionInfo(
                number=row.number,
                file=row.file,
                sha256=row.sha256,
                imported_at=_utc(row.imported_at),
                task_count=row.task_count,
                target_count=row.target_count,
                flag_count=row.flag_count,
                changes=PlanDiff.from_dict(row.changes) if row.changes is not None else None,
            )
            for row in rows
        ]

    def load(self, key: str, revision: int | None = None) -> ParsedPlan:
        pid = self.plan_id(key)
        r = t.plan_revisions
        query = select(r.c.payload).where(r.c.plan_id == pid)
        if revision is None:
            query = query.where(
                r.c.number == select(t.plans.c.current_revision).where(t.plans.c.id == pid).scalar_subquery()
            )
        else:
            query = query.where(r.c.number == revision)
        payload = self.session.scalar(query)
        if payload is None:
            raise NotFoundError(f"plan {key} has no revision {revision} (没有该修订)", field="revision")
        return plan_from_dict(payload)

    def tasks(self, flt: TaskFilter) -> list[PlanTask]:
        tk, p = t.tasks, t.plans
        query = (
            select(p.c.key, p.c.title.label("plan_title"), tk.c.payload, tk.c.status)
            .join(p, p.c.id == tk.c.plan_id)
            .where(tk.c.removed_in.is_(None), *task_conditions(flt))
        )
        query = query.order_by(p.c.key, tk.c.position)
        return [
            PlanTask(
                plan_key=row.key,
                plan_title=row.plan_title,
                task=task_from_dict(row.payload),
                status=TaskStatus(row.status),
            )
            for row in self.session.execute(query)
        ]

    def tasks_by_number(self, key: str, numbers: Iterable[str]) -> dict[str, Task]:
        """The plan's current tasks with these numbers (the review screen's flagged tasks)."""
        tk, p = t.tasks, t.plans
        out: dict[str, Task] = {}
        for chunk in _chunks(sorted(set(numbers))):
            query = (
                select(tk.c.number, tk.c.payload)
                .join(p, p.c.id == tk.c.plan_id)
                .where(p.c.key == key, tk.c.removed_in.is_(None), tk.c.number.in_(chunk))
            )
            out.update((str(n), task_from_dict(payload)) for n, payload in self.session.execute(query))
        return out

    def department_names(self) -> list[tuple[str, int]]:
        """Every normalised department with the number of (current) tasks naming it."""
        d, tk = t.task_departments, t.tasks
        rows = self.session.execute(
            select(d.c.normalized, func.count(func.distinct(d.c.task_id)))
            .join(tk, tk.c.id == d.c.task_id)
            .where(tk.c.removed_in.is_(None))
            .group_by(d.c.normalized)
            .order_by(func.count(func.distinct(d.c.task_id)).desc(), d.c.normalized)
        )
        return [(str(n), int(c)) for n, c in rows]

    def targets(
        self,
        *,
        plan: str | None = None,
        jurisdiction: str | None = None,
        indicator: str | None = None,
        jurisdictions: Sequence[str] | None = None,
    ) -> list[StoredTarget]:
        """Plan targets, of one plan, place (or any of ``jurisdictions``) and indicator."""
        g, p, tk = t.targets, t.plans, t.tasks
        query = (
            select(p.c.key, tk.c.number, g, p.c.jurisdiction.label("plan_jurisdiction"), p.c.year.label("plan_year"),
                   tk.c.last_deadline)
            .join(p, p.c.id == g.c.plan_id)
            .outerjoin(tk, tk.c.id == g.c.task_id)
        )  # fmt: skip
        if plan:
            query = query.where(p.c.key == plan)
        if jurisdiction:
            query = query.where(g.c.jurisdiction == jurisdiction)
        if jurisdictions is not None:  # a target written without a place is the plan's
            names = list(jurisdictions)
            query = query.where(
                or_(g.c.jurisdiction.in_(names), and_(g.c.jurisdiction.is_(None), p.c.jurisdiction.in_(names)))
            )
        if indicator:
            query = query.where(g.c.indicator == indicator)
        query = query.order_by(p.c.key, g.c.id)
        out = []
        for m in self.session.execute(query).mappings():
            target = Target(**{k: m[k] for k in Target.__dataclass_fields__})
            out.append(StoredTarget(plan_key=m["key"], task_number=m["number"], target=target, task_id=m["task_id"],
                                    plan_jurisdiction=m["plan_jurisdiction"], plan_year=m["plan_year"],
                                    task_deadline=m["last_deadline"]))  # fmt: skip
        return out

    def set_user_target(self, entry: TargetEntry, now: dt.datetime) -> None:
        """Insert or replace the user's target for its jurisdiction, indicator and year."""
        j = t.jurisdiction_targets
        values = {
            "comparator": entry.comparator, "value": entry.value, "stretch_value": entry.stretch_value,
            "unit": entry.unit, "baseline_year": entry.baseline_year, "note": entry.note, "updated_at": _utc(now),
        }  # fmt: skip
        key = and_(j.c.jurisdiction == entry.jurisdiction, j.c.indicator == entry.indicator, j.c.year == entry.year)
        if self.session.execute(select(j.c.id).where(key)).first():
            self.session.execute(update(j).where(key).values(**values))
        else:
            self.session.execute(
                insert(j).values(jurisdiction=entry.jurisdiction, indicator=entry.indicator, year=entry.year, **values)
            )

    def targets_marker(self) -> tuple[Any, ...]:
        """Changes whenever a target may have: a plan imported, revised or corrected (its revision and
        time), or a user's target entered (the dashboard's targets are kept until then)."""
        p, j = t.plans, t.jurisdiction_targets
        plans = self.session.execute(select(func.count(), func.max(p.c.updated_at), func.sum(p.c.current_revision)))
        users = self.session.execute(select(func.count(), func.max(j.c.updated_at)))
        return (*plans.one(), *users.one())

    def user_targets(self) -> list[TargetEntry]:
        j = t.jurisdiction_targets
        rows = self.session.execute(select(j).order_by(j.c.jurisdiction, j.c.year, j.c.indicator)).mappings()
        return [
            TargetEntry(
                r["jurisdiction"],
                r["indicator"],
                r["year"],
                r["comparator"],
                r["value"],
                r["unit"],
                r["stretch_value"],
                r["baseline_year"],
                "user",
                r["note"],
            )
            for r in rows
        ]

    def add_warning_event(self, place: str, seq: int, event: Event, now: dt.datetime) -> None:
        """Record a place's ``seq``-th warning event (the unique (place, seq) refuses a concurrent second)."""
        self.session.execute(
            insert(t.warning_events).values(
                place=place, seq=seq, jurisdiction=event.jurisdiction, action=event.action, level=event.level,
                at=event.at, issuer=event.issuer, note=event.note or None, recorded_at=_utc(now),
            )
        )  # fmt: skip

    def warning_events(self, places: Iterable[str] | None = None) -> dict[str, list[Event]]:
        """Each place's warning events, in order."""
        w = t.warning_events
        query = select(w).order_by(w.c.place, w.c.seq)
        if places is not None:
            query = query.where(w.c.place.in_(list(places)))
        out: dict[str, list[Event]] = {}
        for r in self.session.execute(query).mappings():
            event = Event(r["jurisdiction"], r["action"], r["level"], r["at"], r["issuer"], r["note"] or "")
            out.setdefault(r["place"], []).append(event)
        return out

    def flags(
        self, *, plan: str | None = None, status: str | None = FlagStatus.OPEN, flag_id: int | None = None
    ) -> list[StoredFlag]:
        f, p = t.review_flags, t.plans
        query = select(p.c.key, f).join(p, p.c.id == f.c.plan_id)
        if plan:
            query = query.where(p.c.key == plan)
        if status:
            query = query.where(f.c.status == status)
        if flag_id is not None:
            query = query.where(f.c.id == flag_id)
        query = query.order_by(p.c.key, f.c.line, f.c.id)
        return [
            StoredFlag(
                id=m["id"],
                plan_key=m["key"],
                revision=m["revision"],
                status=m["status"],
                resolution=m["resolution"],
                correction=Correction.from_dict(m["correction"]) if m["correction"] else None,
                flag=ReviewFlag(
                    field=m["field"], message=m["message"], line=m["line"], text=m["text"], task_number=m["task_number"]
                ),
            )
            for m in self.session.execute(query).mappings()
        ]

    def counts(self) -> dict[str, int]:
        def n(table: Any, *where: Any) -> int:
            return int(self.session.scalar(select(func.count()).select_from(table).where(*where)) or 0)

        return {
            "plans": n(t.plans),
            "tasks": n(t.tasks, t.tasks.c.removed_in.is_(None)),
            "departments": int(
                self.session.scalar(select(func.count(func.distinct(t.task_departments.c.normalized)))) or 0
            ),
            "deadlines": n(t.task_deadlines),
            "targets": n(t.targets),
            "open_flags": n(t.review_flags, t.review_flags.c.status == FlagStatus.OPEN),
        }


def _last_deadline(task: Task) -> dt.date | None:
    ends = [d.end for d in task.all_deadlines() if d.end is not None]
    return max(ends) if ends else None


def _target_row(pid: int, tid: int | None, sub: str | None, x: Target) -> dict[str, Any]:
    return {
        "plan_id": pid,
        "task_id": tid,
        "subtask": sub,
        "text": x.text,
        "indicator": x.indicator,
        "indicator_label": x.indicator_label,
        "comparator": x.comparator,
        "value": x.value,
        "unit": x.unit,
        "year": x.year,
        "baseline_year": x.baseline_year,
        "stretch_value": x.stretch_value,
        "jurisdiction": x.jurisdiction,
        "source": x.source,
        "line": x.line,
    }


def _chunks(items: Sequence[Any] | Iterable[Any], size: int = _BATCH) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
