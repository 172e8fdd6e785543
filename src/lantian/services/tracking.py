"""The daily workflow (调度 / 督办 / 问题交办销号): progress reports and their review, 督办 notices,
problem tickets, evidence files and overdue work. Every change checks the actor's rights
(:mod:`lantian.domain.tracking.access`), the record's state (:mod:`…workflow`) and its version
(optimistic locking), and is written with its audit entry in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import tempfile
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from lantian.domain.plans.codec import task_from_dict
from lantian.domain.plans.departments import government_of, is_collective
from lantian.domain.plans.model import PlanTask, Role, Task, TaskStatus, strongest_roles, to_jsonable
from lantian.domain.plans.records import PlanSummary, TaskFilter
from lantian.domain.tracking import access, evidence, overdue, workflow
from lantian.domain.tracking.model import (
    Actor,
    Notice,
    NoticeState,
    ProgressReport,
    ProgressRound,
    ReviewState,
    Ticket,
    TicketSource,
    TicketState,
    UserRole,
)
from lantian.domain.tracking.overdue import Overdue, Rhythm, Schedule, TaskRef
from lantian.domain.tracking.workflow import DEFAULT_LADDER, Rung, TicketAction
from lantian.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from lantian.services.audit import AuditTrail
from lantian.services.clock import Clock, beijing, utc_now
from lantian.storage.store import Store
from lantian.storage.tracking import TrackingRepository

Upload = tuple[str, bytes]  # (file name as uploaded, content)


T = TypeVar("T")


@dataclass(frozen=True)
class Addressees:
    """Who a 督办 or 交办 may name (:meth:`WorkflowService.addressees`)."""

    units: list[str]  # the real units named on the office's tasks (部门和单位), most named first
    governments: list[str]  # the governments of the places below (下级人民政府)

    @property
    def all(self) -> list[str]:
        return [*self.units, *self.governments]


def _kept(cache: dict[tuple[Any, ...], T], key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``cache[key]``, computed the first time (a few hundred keys at most: then it starts over)."""
    if key not in cache:
        if len(cache) >= 512:
            cache.clear()
        cache[key] = compute()
    return cache[key]


@dataclass(frozen=True)
class WorkflowSettings:
    """The office's rules for the rounds of reports, from ``<data>/workflow.toml`` (all optional):
    ``rhythm = "monthly"`` (调度频次 of a task whose plan sets none: weekly, monthly or quarterly),
    ``grace_days = 5`` (a month's or a quarter's report is due this many days after it),
    ``weekly_grace_days = 2`` (a week's) and ``clause_reporters = true`` (the units leading a task's
    clauses owe its reports too; see ``overdue``)."""

    grace_days: int = overdue.DEFAULT_GRACE_DAYS  # a month's report is due this many days after it
    max_evidence_bytes: int = evidence.DEFAULT_MAX_BYTES
    ladder: tuple[Rung, ...] = DEFAULT_LADDER
    clause_reporters: bool = True  # 子任务牵头单位也报送调度
    rhythm: Rhythm = Rhythm.MONTHLY  # 默认调度频次
    weekly_grace_days: int = overdue.DEFAULT_WEEKLY_GRACE_DAYS  # a week's report is due this many days after it

    KNOWN = ("rhythm", "grace_days", "weekly_grace_days", "clause_reporters")

    @property
    def schedule(self) -> Schedule:
        """The rounds these settings make (:class:`overdue.Schedule`)."""
        return Schedule(self.rhythm, self.grace_days, self.weekly_grace_days)

    @classmethod
    def load(cls, path: Path) -> WorkflowSettings:
        """The settings in ``path`` over the defaults (none when the file is missing)."""
        if not path.is_file():
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"not a TOML file (配置文件格式错误): {exc}", file=str(path)) from None
        unknown = sorted(set(data) - set(cls.KNOWN))
        if unknown:
            raise InputError(f"unknown setting {unknown[0]!r}; known: {', '.join(cls.KNOWN)} (未知配置项)",
                             file=str(path), field=unknown[0])  # fmt: skip
        grace = data.get("grace_days", overdue.DEFAULT_GRACE_DAYS)
        if type(grace) is not int or not 0 <= grace <= 27:
            raise InputError(f"grace_days must be a whole number of days from 0 to 27, not {grace!r} "
                             "(宽限天数应为0至27的整数)",
                             file=str(path), field="grace_days")  # fmt: skip
        weekly = data.get("weekly_grace_days", overdue.DEFAULT_WEEKLY_GRACE_DAYS)
        if type(weekly) is not int or not 0 <= weekly <= 6:
            raise InputError(f"weekly_grace_days must be a whole number of days from 0 to 6, not {weekly!r} "
                             "(周调度宽限天数应为0至6的整数)",
                             file=str(path), field="weekly_grace_days")  # fmt: skip
        try:
            rhythm = overdue.parse_rhythm(str(data.get("rhythm", Rhythm.MONTHLY.value)))
        except ValueError:
            raise InputError(f"rhythm must be weekly, monthly or quarterly, not {data['rhythm']!r} "
                             "(调度频次应为每周、每月或每季度)", file=str(path), field="rhythm") from None  # fmt: skip
        clauses = data.get("clause_reporters", True)
        if not isinstance(clauses, bool):
            raise InputError(f"clause_reporters must be true or false, not {clauses!r} (应为是或否)", file=str(path),
                             field="clause_reporters")  # fmt: skip
        return cls(grace_days=grace, clause_reporters=clauses, rhythm=rhythm, weekly_grace_days=weekly)


@dataclass(frozen=True)
class DueRound:
    """A round of reports whose due day has passed (调度未报 counts its missing reports)."""

    rhythm: Rhythm
    period: str  # 2026-11, 2026-W48, 2026-Q3
    due: dt.date

    @property
    def label(self) -> str:
        return overdue.period_label(self.period)


@dataclass(frozen=True)
class TaskView:
    """A task as the workflow shows it: where it is, who owns it, what was reported."""

    ref: TaskRef
    place: str | None  # the plan's 辖区
    task: Task
    reports: list[ProgressReport]
    rhythm: Rhythm = Rhythm.MONTHLY  # 调度频次 it reports at (its own, else its plan's, else the office's)
    own_rhythm: Rhythm | None = None  # set on the task itself
    plan_rhythm: Rhythm | None = None  # set on its plan
    office_rhythm: Rhythm = Rhythm.MONTHLY  # the office's default (workflow.toml)


@dataclass(frozen=True)
class Summary:
    """The dashboard's counts (工作台)."""

    as_of: dt.date
    tasks: int
    status: Counter[TaskStatus]
    overdue_deadline: int  # tasks past their deadline, not completed, that the office answers for
    overdue_report: int  # monthly reports due and missing (task × unit) for those tasks
    overdue_first: list[Overdue]  # the first of both, most days late first (a task once, its units joined)
    reviews_pending: int
    notices_open: int
    notices_late: int
    tickets: Counter[TicketState]


@dataclass
class MatrixRow:
    """One department's line of the responsibility matrix (责任矩阵)."""

    department: str
    roles: Counter[Role] = field(default_factory=Counter)  # tasks by its role on them
    completed: int = 0
    overdue: int = 0

    @property
    def tasks(self) -> int:
        return sum(self.roles.values())


def _clean(text: str | None, field: str, *, required: bool = True, limit: int = 20000) -> str:
    value = (text or "").strip()
    if required and not value:
        raise InputError(f"{field} is required (必填)", field=field)
    if len(value) > limit:
        raise InputError(f"{field} is longer than {limit} characters (内容过长)", field=field)
    return value


class WorkflowService:
    def __init__(self, store: Store, audit: AuditTrail, data_dir: Path, ancestors: Callable[[str], list[str]],
                 *, settings: WorkflowSettings | None = None, clock: Clock = utc_now) -> None:  # fmt: skip
        self.store = store
        self.audit = audit
        self.evidence_dir = data_dir / "evidence"
        self._ancestors = ancestors
        self.settings = settings or WorkflowSettings()
        self.clock = clock
        self._summaries: dict[tuple[Any, ...], Summary] = {}
        self._totals: dict[tuple[Any, ...], int] = {}

    @property
    def ancestors(self) -> Callable[[str], list[str]]:
        """The places above a place, memoised for one call (the area maps are files; 100,000 tasks
        name a handful of places)."""
        cache: dict[str, list[str]] = {}

        def lookup(place: str) -> list[str]:
            if place not in cache:
                cache[place] = self._ancestors(place)
            return cache[place]

        return lookup

    def today(self) -> dt.date:
        return beijing(self.clock()).date()

    # ---------------------------------------------------------------- tasks
    def scope(self, actor: Actor, repo: TrackingRepository) -> access.Scope:
        """The tasks ``actor`` sees, as the store can select them (:func:`access.task_scope`)."""
        return access.task_scope(actor, repo.plan_places(), self.ancestors)

    def duty(self, actor: Actor, repo: TrackingRepository) -> access.Scope:
        """The tasks ``actor``'s office answers for (:func:`access.duty_scope`): what its overdue
        figures and lists count."""
        return access.duty_scope(actor, repo.plan_places(), self.ancestors)

    def visible_tasks(self, actor: Actor, repo: TrackingRepository | None = None) -> list[tuple[TaskRef, str | None]]:
        if repo is None:
            with self.store.tracking_read() as r:
                return self.visible_tasks(actor, r)
        return repo.task_refs(scope=self.scope(actor, repo))

    def matrix(self, actor: Actor) -> list[MatrixRow]:
        """责任矩阵: per department, the tasks ``actor`` sees that name it, by its role on each (one role
        per task, 牵头 > 负责 > 配合, as ``tasks matrix``), and how many are completed and overdue."""
        today = self.today()
        rows: dict[str, MatrixRow] = {}
        for ref, _ in self.visible_tasks(actor):
            for name, role in strongest_roles(ref.named).items():
                row = rows.setdefault(name, MatrixRow(name))
                row.roles[role] += 1
                row.completed += ref.status is TaskStatus.COMPLETED
                row.overdue += ref.is_overdue(today)
        return sorted(rows.values(), key=lambda r: (-r.tasks, r.department))

    def plan_keys(self, actor: Actor) -> list[str]:
        """The keys of the plans ``actor`` sees (the task list's choice of plan)."""
        with self.store.tracking_read() as repo:
            return repo.plan_keys(self.scope(actor, repo))

    def visible_plans(self, actor: Actor, plans: Sequence[PlanSummary]) -> list[PlanSummary]:
        lineage = self.ancestors
        return [p for p in plans if access.sees_plan(actor, p.jurisdiction, lineage, p.office)]

    def tasks(
        self, actor: Actor, flt: TaskFilter, *, limit: int | None = None, offset: int = 0
    ) -> tuple[list[tuple[TaskRef, str | None]], int]:
        """One page of the tasks ``actor`` sees that pass ``flt`` (``flt.departments`` already resolved
        by the plan service; ``flt.overdue_as_of`` keeps the tasks overdue on that day), and how many
        there are in all. The store filters and pages: 100,000 tasks are never read for one page."""
        with self.store.tracking_read() as repo:
            # overdue (逾期) is counted among the tasks the office answers for, as the dashboard counts it
            scope = self.duty(actor, repo) if flt.overdue_as_of else self.scope(actor, repo)
            # the total is kept until the plans change or a change touches a place counted (as the
            # dashboard's figures: change_marker); every page of a list counts the same tasks
            places = None if scope.places is None else (*scope.places, *scope.offices)  # offices: placeless plans
            key = (scope, repr(flt), repo.change_marker(places))
            total = _kept(self._totals, key, lambda: sum(repo.count_tasks(scope, flt).values()))
            return repo.task_refs(scope=scope, flt=flt, limit=limit, offset=offset), total

    def departments(self, actor: Actor) -> list[tuple[str, int]]:
        """The units named on the tasks ``actor`` sees, with how many tasks name each, most first
        (the task list's department picker)."""
        with self.store.tracking_read() as repo:
            return repo.department_counts(self.scope(actor, repo))

    def addressees(self, actor: Actor, repo: TrackingRepository | None = None) -> Addressees:
        """Who a 督办 or a ticket's 交办 of ``actor``'s office may name (督办对象): the real units named
        on the tasks of its own place and the places below it (not a catch-all such as 各有关部门, not
        a department of the province above), and the government of each place below with a plan."""
        if repo is None:
            with self.store.tracking_read() as r:
                return self.addressees(actor, r)
        scope, lineage, mine = self.scope(actor, repo), self.ancestors, actor.jurisdiction
        below: list[str] = []
        if scope.places is not None:  # not the plans above: their departments are not the office's to 督办
            kept = tuple(p for p in scope.places if not (p and access.above(p, mine, lineage)))
            scope = access.Scope(kept, scope.department, scope.offices)
            below = [p for p in kept if p and access.above(mine, p, lineage)]
        else:  # the command line: every place's
            below = sorted({p for p, _ in repo.plan_places() if p})
        units = [n for n, _ in repo.department_counts(scope) if not is_collective(n)]
        governments = [government_of(p) for p in dict.fromkeys(below)]
        return Addressees(units=units, governments=[g for g in governments if g not in units])

    def _addressee(self, actor: Actor, typed: str | None, repo: TrackingRepository, label: str, field: str) -> str:
        """``typed`` when it is one of :meth:`addressees`; else a clear refusal naming the field."""
        name = _clean(typed, field, limit=200)
        choices = self.addressees(actor, repo)
        if name in choices.all:
            return name
        if is_collective(name):
            raise InputError(f"{label}「{name}」是泛指，请选择一个具体部门或下级人民政府 "
                             "(name one department or one lower government, not a catch-all)", field=field)  # fmt: skip
        near = [c for c in choices.all if name in c or c in name][:5]
        hint = f"；是否指：{'、'.join(near)}" if near else ""
        raise InputError(f"{label}「{name}」不是本单位计划中的部门或下级人民政府{hint} "
                         "(not a department of your plans)", field=field)  # fmt: skip

    def find_tasks(self, actor: Actor, query: str, limit: int = 20) -> list[tuple[TaskRef, str | None]]:
        """The tasks ``actor`` sees that a person's words name (相关任务): by the plan's own numbering
        and text, ``16号 5``, ``第5项``, ``扬尘`` (:meth:`TrackingRepository.find_tasks`)."""
        words = query.replace("，", " ").replace(",", " ").split()[:8]
        if not words:
            return []
        with self.store.tracking_read() as repo:
            return repo.find_tasks(self.scope(actor, repo), words, limit)

    def export_tasks(self, actor: Actor, flt: TaskFilter) -> list[PlanTask]:
        """Every task ``actor`` sees that passes ``flt``, whole (the task list's and the matrix's
        downloads: what :meth:`tasks` pages through, in the same order)."""
        with self.store.tracking_read() as repo:
            return repo.plan_tasks(self.scope(actor, repo), flt)

    def task(self, actor: Actor, task_id: int) -> TaskView:
        with self.store.tracking_read() as repo:
            refs = repo.task_refs([task_id])
            if not refs:
                raise NotFoundError(f"no task {task_id} (没有该任务)", field="task")
            ref, place = refs[0]
            if not self._sees_task(actor, task_id, repo):
                raise ForbiddenError("无权查看该任务 (this task does not concern you)")
            _, _, payload = repo.task_location(task_id)
            reports = [r for r in repo.progress_list(task_id=task_id) if self._sees_report(actor, r)]
            own, of_plan = repo.task_rhythms(task_id)
            return TaskView(ref, place, task_from_dict(payload), reports, self.settings.schedule.of(ref), own, of_plan,
                            self.settings.rhythm)  # fmt: skip

    def _sees_task(self, actor: Actor, task_id: int, repo: TrackingRepository) -> bool:
        """``actor`` sees the task: the rule of :func:`access.sees_task`, asked of the store as the
        task list asks it (a placeless plan's tasks by the office that imported it)."""
        return bool(repo.task_refs([task_id], scope=self.scope(actor, repo)))

    def _sees_report(self, actor: Actor, report: ProgressReport) -> bool:
        return access.sees_record(actor, report.jurisdiction, report.department, self.ancestors)

    # ---------------------------------------------------------------- progress (调度)
    def submit_progress(self, actor: Actor, task_id: int, *, period: str, status: TaskStatus, narrative: str,
                        indicators: dict[str, Any] | None = None, subtask: str = "", department: str | None = None,
                        files: Sequence[Upload] = (), version: int | None = None) -> ProgressReport:  # fmt: skip
        """File (or correct a returned) report; ``version`` is required to change an existing one."""
        access.require_writer(actor)
        _check_period(period)
        narrative = _clean(narrative, "narrative")
        values = _indicators(indicators or {})
        department = (department or actor.department or "").strip()
        subtask = subtask.strip()
        if not department:
            raise InputError("which department is reporting? (请指定报送部门)", field="department")
        checked = [self._check_file(name, data) for name, data in files]
        with self.audit.writing() as repo:
            refs = repo.task_refs([task_id])
            if not refs:
                raise NotFoundError(f"no task {task_id} (没有该任务)", field="task")
            ref, place = refs[0]
            if not self._sees_task(actor, task_id, repo):
                raise ForbiddenError("无权报送该任务 (this task does not concern you)")
            try:  # a period of the task's own rhythm (调度频次): a weekly task files weeks
                overdue.check_period(period, self.settings.schedule.of(ref))
            except ValueError as exc:
                raise InputError(str(exc), field="period") from None
            where = actor.jurisdiction or place or ""
            access.require_department(actor, where, department)
            # the whole task: a unit named on it; a sub-task: a unit named on it or on that sub-task
            names = [n for n, _ in ref.departments]
            if subtask:
                parts = {s.number: s for s in task_from_dict(repo.task_location(task_id)[2]).subtasks}
                if subtask not in parts:
                    listed = "、".join(parts) or "无"
                    raise InputError(
                        f"task {ref.number} has no sub-task {subtask!r} (没有该子任务，可选：{listed})",
                        field="subtask",
                    )
                names += [d.normalized for d in parts[subtask].departments]
            if department not in names:
                part = f"sub-task {subtask}" if subtask else f"task {ref.number}"
                raise InputError(f"{department} is not named on {part} (该部门不在任务责任单位中)", field="department")
            existing = repo.progress_key(task_id, subtask, department, period)
            now = self.clock()
            number = _round_number(existing)
            fields = {
                "status": status.value,
                "narrative": narrative,
                "indicators": values,
                "review": workflow.resubmit(existing.review if existing else None).value,
                "review_reason": None,
                "reviewed_by": None,
                "reviewed_at": None,
                "submitted_by": actor.username,
                "submitted_at": now,
            }
            if existing is None:
                if version not in (None, 0):
                    raise ConflictError("the report was deleted or never existed (报送不存在)", field="version")
                report_id = repo.add_progress(
                    {
                        "task_id": task_id,
                        "subtask": subtask,
                        "department": department,
                        "jurisdiction": where,
                        "period": period,
                        **fields,
                    }
                )
                before = None
            else:
                if version is None:
                    raise ConflictError(
                        f"{department} already reported {period} (version {existing.version}); edit that report"
                        f" (本期已报送，请在原报送上修改)",
                        field="version",
                    )
                repo.change_progress(existing.id, version, **fields)
                report_id, before = existing.id, _report_dict(existing)
            # a returned report filed again is a new round: the returned one keeps its text and reason
            repo.save_round(
                report_id,
                ProgressRound(number=number, unit=department, status=status, narrative=narrative, indicators=values,
                              submitted_by=actor.username, submitted_at=now, review=ReviewState.SUBMITTED),
            )  # fmt: skip
            self._store_files(repo, actor, "progress", report_id, number, checked, files)
            report = repo.progress(report_id)
            self.audit.record(repo, actor, "progress.submit", "progress", report_id, before, _report_dict(report),
                              places=(where, place))  # fmt: skip
            return report

    def review_progress(self, actor: Actor, report_id: int, *, accept: bool, reason: str | None,
                        version: int) -> ProgressReport:  # fmt: skip
        with self.audit.writing() as repo:
            report = repo.progress(report_id)
            access.require_admin(actor, report.jurisdiction)
            state = workflow.review(report.review, accept, reason)
            now = self.clock()
            repo.change_progress(
                report_id,
                version,
                review=state.value,
                review_reason=None if accept else reason,
                reviewed_by=actor.username,
                reviewed_at=now,
            )
            last = report.rounds[-1] if report.rounds else _round_of(report)
            repo.save_round(
                report_id,
                replace(last, review=state, review_reason=None if accept else (reason or "").strip(),
                        reviewed_by=actor.username, reviewer_unit=office_of(actor), reviewed_at=now),
            )  # fmt: skip
            if accept and not report.subtask:
                repo.set_task_status(report.task_id, report.status)
            after = repo.progress(report_id)
            self.audit.record(
                repo,
                actor,
                "progress.accept" if accept else "progress.return",
                "progress",
                report_id,
                _report_dict(report),
                _report_dict(after),
                places=(report.jurisdiction, *(place for _, place in repo.task_refs([report.task_id]))),
            )
            return after

    def reports(self, actor: Actor, *, period: str | None = None, review: ReviewState | None = None,
                department: str | None = None) -> list[ProgressReport]:  # fmt: skip
        with self.store.tracking_read() as repo:
            rows = repo.progress_list(period=period, review=review.value if review else None, department=department)
        lineage = self.ancestors
        return [r for r in rows if access.sees_record(actor, r.jurisdiction, r.department, lineage)]

    def report(self, actor: Actor, report_id: int) -> ProgressReport:
        with self.store.tracking_read() as repo:
            report = repo.progress(report_id)
        if not self._sees_report(actor, report):
            raise ForbiddenError("this report does not concern you (无权查看该报送)")
        return report

    # ---------------------------------------------------------------- overdue (逾期)
    def overdue(self, actor: Actor, as_of: dt.date | None = None) -> list[Overdue]:
        with self.store.tracking_read() as repo:
            return self._overdue(actor, self.duty(actor, repo), repo, as_of)

    def _overdue(self, actor: Actor, scope: access.Scope, repo: TrackingRepository,
                 as_of: dt.date | None) -> list[Overdue]:  # fmt: skip
        """Overdue work among the open tasks in ``scope`` (completed tasks owe nothing); each task owes
        the newest due period of its own rhythm."""
        day = as_of or self.today()
        tasks = [ref for ref, _ in repo.task_refs(scope=scope, open_only=True)]
        schedule = self.settings.schedule
        periods = [p for p in schedule.last_due(day).values() if p]
        filed = repo.filed(periods=periods) if periods else set()
        found = overdue.find(tasks, filed, day, self.settings.grace_days, clauses=self.settings.clause_reporters,
                             schedule=schedule)  # fmt: skip
        if actor.role is UserRole.DEPARTMENT:
            found = [o for o in found if o.department == actor.department]
        return found

    def due_periods(self, day: dt.date | None = None) -> dict[Rhythm, str]:
        """Per rhythm, the period whose reports are due and counted missing on ``day`` (today)."""
        return {r: p for r, p in self.settings.schedule.last_due(day or self.today()).items() if p}

    def due_rounds(self, actor: Actor) -> list[DueRound]:
        """The rounds counted missing today, of the rhythms the tasks ``actor``'s office answers for
        report at (a monthly office sees its month only)."""
        due, schedule = self.due_periods(), self.settings.schedule
        with self.store.tracking_read() as repo:
            used = repo.rhythms(self.duty(actor, repo), schedule.rhythm)
        return [DueRound(r, due[r], schedule.due(due[r])) for r in used if r in due]

    def report_entry(self, ref: TaskRef, department: str, day: dt.date) -> Overdue:
        """调度未报 of ``ref`` by ``department`` on ``day``: the newest due period of its rhythm."""
        schedule = self.settings.schedule
        rhythm = schedule.of(ref)
        period = schedule.last_due(day)[rhythm]
        assert period is not None  # the store counted it missing
        return overdue.report_entry(ref, department, period, day, schedule.grace(rhythm))

    def missing_reports(self, actor: Actor, limit: int, offset: int = 0) -> tuple[int, list[DueRound], list[Overdue]]:
        """调度未报: (how many, the rounds due, one page of them) — the reports due and not filed for the
        tasks ``actor``'s office answers for (a department: its own), each task at its own rhythm, as
        the dashboard counts them."""
        day = self.today()
        due = self.due_periods(day)
        rounds = self.due_rounds(actor)
        with self.store.tracking_read() as repo:
            total, entries = repo.missing_reports(self.duty(actor, repo), due, limit, offset,
                                                  clauses=self.settings.clause_reporters,
                                                  default=self.settings.rhythm)  # fmt: skip
            refs = {ref.id: ref for ref, _ in repo.task_refs({task_id for task_id, _ in entries})}
        items = [self.report_entry(refs[i], name, day) for i, name in entries]
        return total, rounds, items

    def late_notices(self, actor: Actor) -> list[Notice]:
        """超期督办: the unanswered notices past their due date by a rung of the ladder at least."""
        return [n for n in self.notices(actor, NoticeState.ISSUED) if self.rung(n) > 0]

    def summary(self, actor: Actor, first: int = 20) -> Summary:
        """What the dashboard counts, counted by the store (a city's 7,000 tasks are never read one by
        one): the same figures as :meth:`overdue`, :meth:`reports`, :meth:`notices` and :meth:`tickets`.
        Kept until the day ends, the plans change or a change touches one of the places counted (every
        change audited here names the places it touched: :meth:`TrackingRepository.change_marker`)."""
        day = self.today()
        with self.store.tracking_read() as repo:  # the scopes: the area maps (places above) may change too
            tasks, records = self.scope(actor, repo), access.record_scope(actor, repo.record_places(), self.ancestors)
            duty = self.duty(actor, repo)
            places = None if tasks.places is None or records.places is None else {*tasks.places, *records.places,
                                                                                  *tasks.offices}  # fmt: skip
            # by the scopes, not the actor: users who count the same share the figures (an admin and a leader)
            key = (day, first, tasks, duty, records, repo.change_marker(places))
        return _kept(self._summaries, key, lambda: self._summary(tasks, duty, records, day, first))

    def _summary(self, scope: access.Scope, duty: access.Scope, records: access.Scope, day: dt.date,
                 first: int) -> Summary:  # fmt: skip
        """The figures; overdue ones among the tasks the office answers for (``duty``), each counted as
        the list its tile opens counts it: 逾期任务 the tasks (/tasks?overdue=1), 调度未报 the missing
        reports (/progress/missing)."""
        due = self.due_periods(day)
        ladder = [r.days_late for r in self.settings.ladder]
        with self.store.tracking_read() as repo:
            status = repo.count_tasks(scope)
            late = sum(repo.count_tasks(duty, TaskFilter(overdue_as_of=day)).values())
            _, missing, entries = repo.overdue(duty, day, due, first, clauses=self.settings.clause_reporters,
                                               default=self.settings.rhythm)  # fmt: skip
            refs = {ref.id: ref for ref, _ in repo.task_refs({task_id for _, task_id, _ in entries})}
            counts = repo.record_counts(records, day - dt.timedelta(days=min(ladder)) if ladder else dt.date.min)
        # the first overdue tasks, each once with the units that owe it (the tile counts tasks)
        owing: dict[int, list[str]] = {}
        for kind, task_id, name in entries:
            if kind == "deadline":
                owing.setdefault(task_id, []).append(name)
        items = [overdue.deadline_entry(refs[i], "、".join(names), day) for i, names in owing.items()]
        items += [self.report_entry(refs[task_id], name, day) for kind, task_id, name in entries if kind == "report"]
        return Summary(
            as_of=day,
            tasks=sum(status.values()),
            status=status,
            overdue_deadline=late,
            overdue_report=missing,
            overdue_first=sorted(items, key=overdue.order),
            reviews_pending=counts["reviews_pending"],
            notices_open=counts["notices_open"],
            notices_late=counts["notices_late"],
            tickets=counts["tickets"],
        )

    # ---------------------------------------------------------------- 督办
    def issue_notice(self, actor: Actor, *, department: str, subject: str, body: str, due: dt.date,
                     task_ids: Sequence[int] = ()) -> Notice:  # fmt: skip
        place = actor.jurisdiction
        access.require_admin(actor, place)
        subject, body = _clean(subject, "subject", limit=500), _clean(body, "body")
        if due < self.today():
            raise InputError(f"the due date {due} has passed (办理时限早于今天)", field="due")
        with self.audit.writing() as repo:
            known = {ref.id for ref, _ in repo.task_refs(list(task_ids))} if task_ids else set()
            missing = sorted(set(task_ids) - known)
            if missing:
                raise NotFoundError(f"no task {missing[0]} (没有该任务)", field="task_ids")
            hidden = sorted(i for i in known if not self._sees_task(actor, i, repo))
            if hidden:  # a notice names only tasks its issuer sees
                raise ForbiddenError(f"无权督办任务 {hidden[0]} (not a task of your jurisdiction)", field="task_ids")
            department = self._addressee(actor, department, repo, "督办对象", "department")
            notice_id = repo.add_notice(
                {
                    "jurisdiction": place,
                    "department": department,
                    "subject": subject,
                    "body": body,
                    "task_ids": sorted(set(task_ids)),
                    "due": due,
                    "state": NoticeState.ISSUED.value,
                    "escalation": 0,
                    "issued_by": actor.username,
                    "issued_at": self.clock(),
                }
            )
            notice = repo.notice(notice_id)
            self.audit.record(
                repo, actor, "notice.issue", "notice", notice_id, None, _notice_dict(notice), places=[place]
            )
            return notice

    def answer_notice(self, actor: Actor, notice_id: int, *, answer: str, version: int,
                      files: Sequence[Upload] = ()) -> Notice:  # fmt: skip
        access.require_writer(actor)
        answer = _clean(answer, "answer")
        checked = [self._check_file(name, data) for name, data in files]
        with self.audit.writing() as repo:
            notice = repo.notice(notice_id)
            access.require_department(actor, notice.jurisdiction, notice.department)
            state = workflow.answer(notice.state)
            repo.change_notice(
                notice_id,
                version,
                state=state.value,
                answer=answer,
                answered_by=actor.username,
                answered_at=self.clock(),
            )
            self._store_files(repo, actor, "notice", notice_id, None, checked, files)
            after = repo.notice(notice_id)
            self.audit.record(
                repo, actor, "notice.answer", "notice", notice_id, _notice_dict(notice), _notice_dict(after),
                places=[notice.jurisdiction],
            )  # fmt: skip
            return after

    def close_notice(self, actor: Actor, notice_id: int, *, version: int) -> Notice:
        with self.audit.writing() as repo:
            notice = repo.notice(notice_id)
            access.require_admin(actor, notice.jurisdiction)
            repo.change_notice(notice_id, version, state=workflow.close_notice(notice.state).value)
            after = repo.notice(notice_id)
            self.audit.record(
                repo, actor, "notice.close", "notice", notice_id, _notice_dict(notice), _notice_dict(after),
                places=[notice.jurisdiction],
            )  # fmt: skip
            return after

    def rung(self, notice: Notice, as_of: dt.date | None = None) -> int:
        """The escalation rung a notice has reached today (0: not late or answered)."""
        return workflow.escalation(notice.due, as_of or self.today(), notice.state, self.settings.ladder)

    def escalate(self, actor: Actor, as_of: dt.date | None = None) -> list[Notice]:
        """Record every late notice's new rung (催办 → 通报批评 → 约谈); returns the notices moved."""
        as_of = as_of or self.today()
        moved = []
        with self.audit.writing() as repo:
            for notice in repo.notices(state=NoticeState.ISSUED.value):
                if not access.sees_record(actor, notice.jurisdiction, notice.department, self.ancestors):
                    continue
                rung = self.rung(notice, as_of)
                if rung > notice.escalation:
                    access.require_admin(actor, notice.jurisdiction)
                    repo.change_notice(notice.id, notice.version, escalation=rung)
                    after = repo.notice(notice.id)
                    name = self.settings.ladder[rung - 1].name
                    self.audit.record(
                        repo,
                        actor,
                        "notice.escalate",
                        "notice",
                        notice.id,
                        {"escalation": notice.escalation},
                        {"escalation": rung, "rung": name},
                        places=[notice.jurisdiction],
                    )
                    moved.append(after)
        return moved

    def notices(self, actor: Actor, state: NoticeState | None = None) -> list[Notice]:
        with self.store.tracking_read() as repo:
            rows = repo.notices(state=state.value if state else None)
        lineage = self.ancestors
        return [n for n in rows if access.sees_record(actor, n.jurisdiction, n.department, lineage)]

    def notice(self, actor: Actor, notice_id: int) -> Notice:
        with self.store.tracking_read() as repo:
            notice = repo.notice(notice_id)
        if not access.sees_record(actor, notice.jurisdiction, notice.department, self.ancestors):
            raise ForbiddenError("this notice does not concern you (无权查看该督办)")
        return notice

    # ---------------------------------------------------------------- problem tickets (问题交办销号)
    def open_ticket(self, actor: Actor, *, source: TicketSource, title: str, description: str, location: str = "",
                    files: Sequence[Upload] = ()) -> Ticket:  # fmt: skip
        access.require_admin(actor, actor.jurisdiction)
        title, description = _clean(title, "title", limit=500), _clean(description, "description")
        checked = [self._check_file(name, data) for name, data in files]
        with self.audit.writing() as repo:
            return self.create_ticket(repo, actor, actor.jurisdiction, source=source, title=title,
                                      description=description, location=location, checked=checked,
                                      files=files)  # fmt: skip

    def create_ticket(self, repo: TrackingRepository, actor: Actor, place: str, *, source: TicketSource, title: str,
                      description: str, location: str, checked: list[evidence.Checked],
                      files: Sequence[Upload]) -> Ticket:  # fmt: skip
        """Write a new ticket of ``place`` (发现) with its files, audited, in the caller's transaction:
        :meth:`open_ticket` for an office, :class:`~lantian.services.public.PublicReportService` for
        a public complaint (its checks done by the caller)."""
        now = self.clock()
        ticket_id = repo.add_ticket(
            {
                "jurisdiction": place,
                "source": source.value,
                "title": title,
                "description": description,
                "location": _clean(location, "location", required=False, limit=500),
                "department": None,
                "due": None,
                "state": TicketState.FOUND.value,
                "reopened": 0,
                "created_by": actor.username,
                "created_at": now,
            }
        )
        seq = repo.add_step(
            ticket_id,
            {
                "action": TicketAction.CREATE.value,
                "state": TicketState.FOUND.value,
                "by_user": actor.username,
                "at": now,
                "note": description,
            },
        )
        self._store_files(repo, actor, "ticket", ticket_id, seq, checked, files)
        ticket = repo.ticket(ticket_id)
        created, places = _ticket_dict(ticket), [ticket.jurisdiction]
        self.audit.record(repo, actor, "ticket.create", "ticket", ticket_id, None, created, places=places)
        return ticket

    def ticket_step(self, actor: Actor, ticket_id: int, action: TicketAction, *, version: int, note: str = "",
                    department: str | None = None, due: dt.date | None = None,
                    files: Sequence[Upload] = ()) -> Ticket:  # fmt: skip
        access.require_writer(actor)
        note = _clean(note, "note", required=False)
        checked = [self._check_file(name, data) for name, data in files]
        with self.audit.writing() as repo:
            ticket = repo.ticket(ticket_id)
            if action in workflow.DEPARTMENT_ACTIONS:
                access.require_department(actor, ticket.jurisdiction, ticket.department)
            else:
                access.require_admin(actor, ticket.jurisdiction)
            state = workflow.ticket_step(ticket.state, action, note=note, evidence_count=len(checked))
            changes: dict[str, Any] = {"state": state.value}
            if action is TicketAction.ASSIGN:
                changes["department"] = self._addressee(actor, department, repo, "责任单位", "department")
                if due is None:
                    raise InputError("交办 needs a due date (交办须设整改时限)", field="due")
                changes["due"] = due
            if action is TicketAction.FAIL:
                changes["reopened"] = ticket.reopened + 1
            repo.change_ticket(ticket_id, version, **changes)
            seq = repo.add_step(
                ticket_id,
                {
                    "action": action.value,
                    "state": state.value,
                    "by_user": actor.username,
                    "at": self.clock(),
                    "note": note,
                },
            )
            self._store_files(repo, actor, "ticket", ticket_id, seq, checked, files)
            after = repo.ticket(ticket_id)
            self.audit.record(
                repo, actor, f"ticket.{action.value}", "ticket", ticket_id, _ticket_dict(ticket), _ticket_dict(after),
                places=[ticket.jurisdiction],
            )  # fmt: skip
            return after

    def tickets(self, actor: Actor, state: TicketState | None = None) -> list[Ticket]:
        with self.store.tracking_read() as repo:
            rows = repo.tickets(state=state.value if state else None)
        lineage = self.ancestors
        return [k for k in rows if access.sees_record(actor, k.jurisdiction, k.department, lineage)]

    def ticket(self, actor: Actor, ticket_id: int) -> Ticket:
        with self.store.tracking_read() as repo:
            ticket = repo.ticket(ticket_id)
        if not self._sees_ticket(actor, ticket):
            raise ForbiddenError("this ticket does not concern you (无权查看该问题)")
        return ticket

    def _sees_ticket(self, actor: Actor, ticket: Ticket) -> bool:
        return access.sees_record(actor, ticket.jurisdiction, ticket.department, self.ancestors)

    # ---------------------------------------------------------------- evidence files (佐证材料)
    def _check_file(self, name: str, data: bytes) -> evidence.Checked:
        return evidence.check(name, data[:16], len(data), self.settings.max_evidence_bytes)

    def _store_files(self, repo: TrackingRepository, actor: Actor, owner: str, owner_id: int, step: int | None,
                     checked: list[evidence.Checked], files: Sequence[Upload]) -> None:  # fmt: skip
        for ok, (_, data) in zip(checked, files, strict=True):
            digest = hashlib.sha256(data).hexdigest()
            self._write_blob(digest, data)
            repo.add_evidence(
                {
                    "owner": owner,
                    "owner_id": owner_id,
                    "step": step,
                    "filename": ok.filename,
                    "sha256": digest,
                    "size": ok.size,
                    "content_type": ok.content_type,
                    "uploaded_by": actor.username,
                    "uploaded_at": self.clock(),
                }
            )

    def check_files(self, files: Sequence[Upload]) -> list[evidence.Checked]:
        """Check uploads as evidence (type, size) before a transaction: for another record's files
        (an accountability action's, :mod:`lantian.services.actions`)."""
        return [self._check_file(name, data) for name, data in files]

    def keep_files(self, repo: TrackingRepository, actor: Actor, owner: str, owner_id: int,
                   checked: list[evidence.Checked], files: Sequence[Upload]) -> None:  # fmt: skip
        """Keep checked files as evidence of ``owner``'s record ``owner_id``, in the caller's transaction."""
        self._store_files(repo, actor, owner, owner_id, None, checked, files)

    def blob_path(self, digest: str) -> Path:
        return self.evidence_dir / digest[:2] / digest

    def _write_blob(self, digest: str, data: bytes) -> None:
        path = self.blob_path(digest)
        if path.is_file():
            return  # content-addressed: the same bytes are kept once
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)

    def evidence_file(self, actor: Actor, evidence_id: int) -> tuple[str, str, Path]:
        """(file name, content type, path) of an evidence file the actor may see."""
        with self.store.tracking_read() as repo:
            item, _ = repo.evidence(evidence_id)
            if item.owner == "progress":
                self.report(actor, item.owner_id)
            elif item.owner == "notice":
                self.notice(actor, item.owner_id)
            elif item.owner == "ticket":
                self.ticket(actor, item.owner_id)
            else:  # another record's file (an accountability action's): downloaded through its own route
                raise NotFoundError(f"no evidence file {evidence_id} (没有该材料)", field="evidence")
        path = self.blob_path(item.sha256)
        if not path.is_file():
            raise NotFoundError(
                f"the file of {item.filename} is missing from the data folder (材料文件缺失)", field="evidence"
            )
        return item.filename, item.content_type, path


def _check_period(period: str) -> None:
    """A week, a month or a quarter (2026-W49, 2026-10, 2026-Q4); the task's rhythm is checked later."""
    try:
        overdue.period_bounds(period)
    except ValueError:
        raise InputError(
            f"报送期应为一周、一个月或一个季度 (a period is a week, a month or a quarter: "
            f"YYYY-Www, YYYY-MM, YYYY-Qn): {period!r}",
            field="period",
        ) from None


def _indicators(values: dict[str, Any]) -> dict[str, float]:
    out = {}
    for key, value in values.items():
        name = str(key).strip()
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InputError(f"{name}: not a number (指标值应为数字): {value!r}", field="indicators") from None
        if not name or not math.isfinite(number):
            raise InputError(f"{name or '(no name)'}: not a finite number (指标值无效)", field="indicators")
        out[name] = number
    return out


def _round_number(existing: ProgressReport | None) -> int:
    """The round a submission files: the first; the pending one again (corrected before review); or,
    after a return, the next one."""
    if existing is None or not existing.rounds:
        return 1
    last = existing.rounds[-1]
    return last.number + 1 if last.review is ReviewState.RETURNED else last.number


def _round_of(r: ProgressReport) -> ProgressRound:
    """A report kept before rounds were (one round: its state)."""
    return ProgressRound(number=1, unit=r.department, status=r.status, narrative=r.narrative,
                         indicators=r.indicators, submitted_by=r.submitted_by, submitted_at=r.submitted_at,
                         review=r.review, review_reason=r.review_reason, reviewed_by=r.reviewed_by,
                         reviewed_at=r.reviewed_at)  # fmt: skip


def office_of(actor: Actor) -> str:
    """The unit an office account acts for (审核单位): its department, else its place's 大气办."""
    if actor.department:
        return actor.department
    return f"{actor.jurisdiction}大气办" if actor.jurisdiction else actor.label


def _report_dict(r: ProgressReport) -> dict[str, Any]:
    d = to_jsonable(r)
    d.pop("evidence", None)
    d.pop("rounds", None)  # the audit entry records each change; the rounds are the report's own history
    d["evidence"] = [e.filename for e in r.evidence]
    return dict(d)


def _notice_dict(n: Notice) -> dict[str, Any]:
    d = dict(to_jsonable(n))
    d["evidence"] = [e.filename for e in n.evidence]
    return d


def _ticket_dict(k: Ticket) -> dict[str, Any]:
    d = dict(to_jsonable(k))
    d["steps"] = len(k.steps)
    return d
