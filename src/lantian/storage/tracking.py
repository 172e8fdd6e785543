"""Workflow repository (调度 / 督办 / 销号 存储): accounts, sessions, progress, evidence, 督办, tickets
and the audit chain. Takes and returns the domain's dataclasses; runs in the caller's transaction.

Every change to a versioned record is ``UPDATE … WHERE id = ? AND version = ?``: when another writer
got there first no row matches and :class:`~lantian.errors.ConflictError` is raised, so no update is
ever lost silently (乐观锁).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Row,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from lantian.domain.plans.codec import task_from_dict
from lantian.domain.plans.model import PlanTask, Role, TaskStatus
from lantian.domain.plans.records import TaskFilter
from lantian.domain.tracking.access import Scope
from lantian.domain.tracking.audit import StoredEntry
from lantian.domain.tracking.model import (
    Evidence,
    Notice,
    NoticeState,
    ProgressReport,
    ProgressRound,
    ReviewState,
    Ticket,
    TicketSource,
    TicketState,
    TicketStep,
    User,
    UserRole,
)
from lantian.domain.tracking.overdue import Rhythm, TaskRef, period_bounds
from lantian.errors import ConflictError, NotFoundError
from lantian.storage import tables as t
from lantian.storage.repositories import task_conditions

CONFLICT = "someone else changed this record first; reload and try again (记录已被他人修改，请刷新后重试)"


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _must(value: dt.datetime | None) -> dt.datetime:
    out = _utc(value)
    assert out is not None
    return out


class TrackingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _bump(self, table: Any, record_id: int, version: int, **values: Any) -> None:
        """Write ``values`` when the record is still at ``version``; ConflictError otherwise."""
        result = self.session.execute(
            update(table)
            .where(table.c.id == record_id, table.c.version == version)
            .values(version=version + 1, **values)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(CONFLICT, field="version")

    # ---------------------------------------------------------------- users and sessions
    def add_user(self, user: dict[str, Any]) -> int:
        return int(self.session.execute(insert(t.users).values(**user).returning(t.users.c.id)).scalar_one())

    def user_row(self, username: str) -> Row[Any] | None:
        return self.session.execute(select(t.users).where(t.users.c.username == username)).first()

    def user(self, user_id: int) -> User:
        row = self.session.execute(select(t.users).where(t.users.c.id == user_id)).first()
        if row is None:
            raise NotFoundError(f"no user {user_id} (没有该用户)", field="user")
        return _user(row)

    def users(self) -> list[User]:
        return [_user(r) for r in self.session.execute(select(t.users).order_by(t.users.c.username))]

    def update_user(self, user_id: int, **values: Any) -> None:
        self.session.execute(update(t.users).where(t.users.c.id == user_id).values(**values))

    def password_hash(self, user_id: int) -> str:
        row = self.session.execute(select(t.users.c.password_hash).where(t.users.c.id == user_id)).first()
        if row is None:
            raise NotFoundError(f"no user {user_id} (没有该用户)", field="user")
        return str(row[0])

    def last_password_change(self, username: str) -> str | None:
        """The ``after`` (JSON text) of the newest audit entry that set ``username``'s password: the
        account's creation (``user.add``) or a password change (``user.password``)."""
        a = t.audit_log
        row = self.session.execute(
            select(a.c.after)
            .where(a.c.entity == "user", a.c.entity_id == username, a.c.action.in_(("user.add", "user.password")))
            .order_by(a.c.seq.desc())
            .limit(1)
        ).first()
        return None if row is None else str(row[0])

    def add_session(self, token_hash: str, user_id: int, csrf: str, now: dt.datetime, expires: dt.datetime) -> None:
        self.session.execute(
            insert(t.web_sessions).values(
                token_hash=token_hash, user_id=user_id, csrf_token=csrf, created_at=now, expires_at=expires
            )
        )

    def session_user(self, token_hash: str, now: dt.datetime) -> tuple[User, str] | None:
        s, u = t.web_sessions, t.users
        row = self.session.execute(
            select(u, s.c.csrf_token, s.c.expires_at).join(s, s.c.user_id == u.c.id).where(s.c.token_hash == token_hash)
        ).first()
        if row is None or _must(row.expires_at) <= now or not row.active:
            return None
        return _user(row), str(row.csrf_token)

    def drop_session(self, token_hash: str) -> None:
        self.session.execute(delete(t.web_sessions).where(t.web_sessions.c.token_hash == token_hash))

    def drop_sessions(self, user_id: int | None = None, *, expired_before: dt.datetime | None = None,
                      keep: str | None = None) -> None:  # fmt: skip
        """End sessions: a user's (but the one whose token hash is ``keep``), or the expired ones."""
        query = delete(t.web_sessions)
        if user_id is not None:
            query = query.where(t.web_sessions.c.user_id == user_id)
        if keep is not None:
            query = query.where(t.web_sessions.c.token_hash != keep)
        if expired_before is not None:
            query = query.where(t.web_sessions.c.expires_at < expired_before)
        self.session.execute(query)

    # ---------------------------------------------------------------- tasks, as the workflow sees them
    def plan_keys(self, scope: Scope) -> list[str]:
        """The keys of the plans in ``scope`` (by their places), in order."""
        p = t.plans
        query = select(p.c.key).order_by(p.c.key)
        if scope.places is not None:
            query = query.where(_plan_in(scope))
        return [str(k) for (k,) in self.session.execute(query)]

    def plan_places(self) -> list[tuple[str | None, str | None]]:
        """Every place (辖区) a current plan has, with the office that imported it (导入单位)."""
        p = t.plans
        return [(row[0], row[1]) for row in self.session.execute(select(p.c.jurisdiction, p.c.office).distinct())]

    def task_refs(
        self,
        task_ids: Iterable[int] | None = None,
        *,
        scope: Scope | None = None,
        flt: TaskFilter | None = None,
        open_only: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[tuple[TaskRef, str | None]]:
        """Current tasks with their departments and their plan's place (辖区), in plan order: those in
        ``scope`` that pass ``flt`` (``open_only``: not completed), ``limit`` of them from ``offset``."""
        tk, p = t.tasks, t.plans
        where = self._task_where(task_ids, scope, flt)
        if open_only:
            where.append(tk.c.status != TaskStatus.COMPLETED.value)
        query = (
            select(
                tk.c.id,
                p.c.key,
                p.c.jurisdiction,
                tk.c.number,
                tk.c.title,
                tk.c.text,
                tk.c.status,
                tk.c.last_deadline,
                func.coalesce(tk.c.rhythm, p.c.rhythm).label("rhythm"),
            )
            .join(p, p.c.id == tk.c.plan_id)
            .where(*where)
            .order_by(p.c.key, tk.c.position)
        )
        if limit is not None:
            query = query.limit(limit).offset(offset)
        rows = self.session.execute(query).all()
        od = t.task_departments.alias("od")  # not the one the filters' EXISTS clauses name
        deps_query = select(od.c.task_id, od.c.subtask, od.c.normalized, od.c.role)
        if limit is not None:  # a page: its own ids
            deps_query = deps_query.where(od.c.task_id.in_([int(r.id) for r in rows]))
        else:  # the same tasks, joined
            deps_query = deps_query.join(tk, tk.c.id == od.c.task_id).join(p, p.c.id == tk.c.plan_id).where(*where)
        deps: dict[int, list[tuple[str, Role]]] = {}
        on_parts: dict[int, dict[str, list[tuple[str, Role]]]] = {}
        for task_id, subtask, name, role in self.session.execute(deps_query.order_by(od.c.id)):
            if subtask is None:
                deps.setdefault(int(task_id), []).append((str(name), Role(role)))
            else:
                on_parts.setdefault(int(task_id), {}).setdefault(str(subtask), []).append((str(name), Role(role)))
        return [
            (
                TaskRef(
                    int(r.id),
                    str(r.key),
                    str(r.number),
                    str(r.title or r.text),
                    TaskStatus(r.status),
                    r.last_deadline,
                    tuple(dict.fromkeys(deps.get(int(r.id), []))),
                    tuple(tuple(dict.fromkeys(units)) for units in on_parts.get(int(r.id), {}).values()),
                    Rhythm(r.rhythm) if r.rhythm else None,
                ),
                r.jurisdiction,
            )
            for r in rows
        ]

    def plan_tasks(self, scope: Scope, flt: TaskFilter) -> list[PlanTask]:
        """The whole tasks in ``scope`` that pass ``flt``, in the order of :meth:`task_refs` (the
        exports of what a user sees: the task list, the responsibility matrix)."""
        tk, p = t.tasks, t.plans
        query = (
            select(p.c.key, p.c.title.label("plan_title"), tk.c.payload, tk.c.status)
            .join(p, p.c.id == tk.c.plan_id)
            .where(*self._task_where(None, scope, flt))
            .order_by(p.c.key, tk.c.position)
        )
        return [
            PlanTask(plan_key=row.key, plan_title=row.plan_title, task=task_from_dict(row.payload),
                     status=TaskStatus(row.status))
            for row in self.session.execute(query)
        ]  # fmt: skip

    def count_tasks(self, scope: Scope | None = None, flt: TaskFilter | None = None) -> Counter[TaskStatus]:
        """How many tasks in ``scope`` pass ``flt``, by status."""
        tk, p = t.tasks, t.plans
        query = (
            select(tk.c.status, func.count())
            .join(p, p.c.id == tk.c.plan_id)
            .where(*self._task_where(None, scope, flt))
            .group_by(tk.c.status)
        )
        return Counter({TaskStatus(status): int(n) for status, n in self.session.execute(query)})

    def department_counts(self, scope: Scope) -> list[tuple[str, int]]:
        """The units named on the tasks in ``scope`` (on a task or one of its sub-tasks), with how
        many tasks name each, most first (the pickers of the task list, 督办 and 交办)."""
        tk, p = t.tasks, t.plans
        dn = t.task_departments.alias("dn")  # not the one the scope's EXISTS clause names
        n = func.count(func.distinct(dn.c.task_id))
        query = (
            select(dn.c.normalized, n)
            .join(tk, tk.c.id == dn.c.task_id)
            .join(p, p.c.id == tk.c.plan_id)
            .where(*self._task_where(None, scope, None))
            .group_by(dn.c.normalized)
            .order_by(n.desc(), dn.c.normalized)
        )
        return [(str(name), int(count)) for name, count in self.session.execute(query)]

    def find_tasks(self, scope: Scope, words: Sequence[str], limit: int) -> list[tuple[TaskRef, str | None]]:
        """The tasks in ``scope`` that every word finds, as a person names a task by its plan's own
        numbering and text: a word in the plan's key (文号 16号) or in the task's text, title or
        category (扬尘); a number (5, 第5项) is the task's number (序号) or part of the key
        (16 → 16号, 2023 → 〔2023〕)."""
        tk, p = t.tasks, t.plans
        conds = self._task_where(None, scope, None)
        for word in words:
            number = _task_number(word)
            if number is not None:
                conds.append(or_(tk.c.number == number, *(_like(p.c.key, number + end) for end in ("号", "〕", "]"))))
            else:
                conds.append(or_(*(_like(column, word) for column in (p.c.key, tk.c.text, tk.c.title, tk.c.category))))
        query = select(tk.c.id).join(p, p.c.id == tk.c.plan_id).where(*conds).order_by(p.c.key, tk.c.position)
        ids = [int(i) for (i,) in self.session.execute(query.limit(limit))]
        return self.task_refs(ids) if ids else []

    def _task_where(
        self, task_ids: Iterable[int] | None, scope: Scope | None, flt: TaskFilter | None
    ) -> list[ColumnElement[bool]]:
        tk, d = t.tasks, t.task_departments
        conds: list[ColumnElement[bool]] = [tk.c.removed_in.is_(None)]
        if task_ids is not None:
            conds.append(tk.c.id.in_(list(task_ids)))
        if scope is not None and scope.places is not None:
            conds.append(_plan_in(scope))
        if scope is not None and scope.department is not None:
            # named on the task or on one of its sub-tasks (TaskRef.units)
            conds.append(exists().where(d.c.task_id == tk.c.id, d.c.normalized == scope.department))
        if flt is not None:
            conds += task_conditions(flt)
        return conds

    # ---------------------------------------------------------------- the dashboard's counts, in the store
    def overdue(self, scope: Scope, as_of: dt.date, due: dict[Rhythm, str], limit: int, *, clauses: bool = True,
                default: Rhythm = Rhythm.MONTHLY) -> tuple[int, int, list[tuple[str, int, str]]]:  # fmt: skip
        """What :func:`lantian.domain.tracking.overdue.find` finds, counted by the store: (entries past
        the task's deadline, entries whose report is missing, the first ``limit`` of each kind in
        ``find``'s order as (kind, task id, department)); ``due``: per rhythm, the period owed (a task
        at a rhythm not in it owes none); ``default``: the rhythm of a task whose plan sets none; a
        department's scope keeps its own entries; ``clauses``: the units marked as reporting through
        a clause count (``find``'s ``clauses``)."""
        tk, p = t.tasks, t.plans
        counts, first = [0, 0], []
        queries = self._overdue_queries(scope, as_of, due, clauses, default)
        for i, (kind, (query, r)) in enumerate(zip(("deadline", "report"), queries, strict=False)):
            order = [p.c.key, tk.c.number, r.c.normalized]
            if kind == "deadline":  # the longest overdue first
                order.insert(0, tk.c.last_deadline)
            # one pass: the page of the first entries, each carrying the count of all (a window)
            rows = self.session.execute(query.add_columns(func.count().over()).order_by(*order).limit(limit)).all()
            counts[i] = int(rows[0][2]) if rows else 0
            first += [(kind, int(a), str(b)) for a, b, _ in rows]
        return counts[0], counts[1], first

    def missing_reports(self, scope: Scope, due: dict[Rhythm, str], limit: int, offset: int = 0, *,
                        clauses: bool = True, default: Rhythm = Rhythm.MONTHLY
                        ) -> tuple[int, list[tuple[int, str]]]:  # fmt: skip
        """The reports due and not filed (:meth:`overdue`'s second count): how many, and ``limit`` of
        them from ``offset`` as (task id, department), in plan order."""
        tk, p = t.tasks, t.plans
        queries = self._overdue_queries(scope, dt.date.min, due, clauses, default)
        if len(queries) < 2:
            return 0, []
        query, r = queries[1]
        rows = self.session.execute(
            query.add_columns(func.count().over()).order_by(p.c.key, tk.c.position, r.c.normalized)
            .limit(limit).offset(offset)
        ).all()  # fmt: skip
        if rows:
            return int(rows[0][2]), [(int(a), str(b)) for a, b, _ in rows]
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) if offset else 0
        return int(total or 0), []

    def rhythms(self, scope: Scope, default: Rhythm = Rhythm.MONTHLY) -> list[Rhythm]:
        """The rhythms the open tasks in ``scope`` report at (``default``: where neither the task nor
        its plan sets one), in the order of :class:`Rhythm`."""
        tk, p = t.tasks, t.plans
        eff = func.coalesce(tk.c.rhythm, p.c.rhythm, default.value)
        query = (
            select(eff).distinct().join(p, p.c.id == tk.c.plan_id)
            .where(*self._task_where(None, scope, None), tk.c.status != TaskStatus.COMPLETED.value)
        )  # fmt: skip
        found = {str(x) for (x,) in self.session.execute(query)}
        return [r for r in Rhythm if r.value in found]

    def task_rhythms(self, task_id: int) -> tuple[Rhythm | None, Rhythm | None]:
        """(the task's own rhythm, its plan's): NULL where it inherits."""
        tk, p = t.tasks, t.plans
        row = self.session.execute(
            select(tk.c.rhythm, p.c.rhythm).join(p, p.c.id == tk.c.plan_id).where(tk.c.id == task_id)
        ).first()
        if row is None:
            raise NotFoundError(f"no task {task_id} (没有该任务)", field="task")
        return (Rhythm(row[0]) if row[0] else None), (Rhythm(row[1]) if row[1] else None)

    def _overdue_queries(self, scope: Scope, as_of: dt.date, due: dict[Rhythm, str], clauses: bool,
                         default: Rhythm = Rhythm.MONTHLY) -> list[tuple[Any, Any]]:  # fmt: skip
        """(query of (task id, department), the reporters subquery) for the tasks past their deadline,
        then (when some rhythm's reports are due) for the reports missing: each task owes the period
        of its own rhythm (the task's, else its plan's, else ``default``)."""
        tk, p, pr = t.tasks, t.plans, t.progress_reports
        out = []
        for kind in ("deadline", "report") if due else ("deadline",):
            # a task's reporters (TaskRef.reporters), marked once each when the plan was stored
            r = t.task_departments.alias(f"r_{kind}")
            query = (
                select(tk.c.id, r.c.normalized)
                .select_from(tk.join(p, p.c.id == tk.c.plan_id).join(r, r.c.task_id == tk.c.id))
                .where(*self._task_where(None, scope, None), tk.c.status != TaskStatus.COMPLETED.value)
                .where(r.c.reporter.is_(True))
            )
            if not clauses:  # a clause's row is marked only for a unit that reports through it
                query = query.where(r.c.subtask.is_(None))
            if scope.department is not None:  # coalesce: not by the name's index (one department is in every
                query = query.where(func.coalesce(r.c.normalized, "") == scope.department)  # city), from the tasks
            if kind == "deadline":
                query = query.where(tk.c.last_deadline < as_of)
            else:
                eff = func.coalesce(tk.c.rhythm, p.c.rhythm, default.value)
                owed = case(*((eff == rh.value, literal(period)) for rh, period in due.items()), else_=null())
                starts = {rh: period_bounds(period)[0] for rh, period in due.items()}
                first = case(*((eff == rh.value, literal(day, Date)) for rh, day in starts.items()), else_=null())
                filed = exists().where(pr.c.task_id == tk.c.id, pr.c.department == r.c.normalized, pr.c.period == owed)
                query = query.where(owed.is_not(None), or_(tk.c.last_deadline.is_(None), tk.c.last_deadline >= first),
                                    ~filed)  # fmt: skip
            out.append((query, r))
        return out

    def record_places(self) -> list[str]:
        """Every place (辖区) a progress report, 督办 or ticket has."""
        tables = (t.progress_reports, t.notices, t.tickets)
        return sorted(
            {str(x) for table in tables for (x,) in self.session.execute(select(table.c.jurisdiction).distinct())}
        )

    def record_counts(self, scope: Scope, late_due: dt.date) -> dict[str, Any]:
        """Reports awaiting review, open and late (due on or before ``late_due``, unanswered) 督办,
        and tickets by state, among the records in ``scope``."""
        r, n, k = t.progress_reports, t.notices, t.tickets

        def count(table: Any, *conds: Any) -> int:
            query = select(func.count()).select_from(table).where(*self._record_where(table, scope), *conds)
            return int(self.session.scalar(query) or 0)

        tickets = self.session.execute(
            select(k.c.state, func.count()).where(*self._record_where(k, scope)).group_by(k.c.state)
        )
        return {
            "reviews_pending": count(r, r.c.review == ReviewState.SUBMITTED.value),
            "notices_open": count(n, n.c.state != NoticeState.CLOSED.value),
            "notices_late": count(n, n.c.state == NoticeState.ISSUED.value, n.c.due <= late_due),
            "tickets": Counter({TicketState(state): int(c) for state, c in tickets}),
        }

    @staticmethod
    def _record_where(table: Any, scope: Scope) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        if scope.places is not None:
            conds.append(_in_places(table.c.jurisdiction, scope.places))
        if scope.department is not None:
            conds.append(table.c.department == scope.department)
        return conds

    def task_id(self, plan_key: str, number: str) -> int:
        tid = self.session.scalar(
            select(t.tasks.c.id)
            .join(t.plans, t.plans.c.id == t.tasks.c.plan_id)
            .where(t.plans.c.key == plan_key, t.tasks.c.number == number, t.tasks.c.removed_in.is_(None))
        )
        if tid is None:
            raise NotFoundError(f"no task {number} in plan {plan_key} (没有该任务)", field="task")
        return int(tid)

    def task_location(self, task_id: int) -> tuple[str, str, Any]:
        """(plan key, task number, task payload)."""
        row = self.session.execute(
            select(t.plans.c.key, t.tasks.c.number, t.tasks.c.payload)
            .join(t.plans, t.plans.c.id == t.tasks.c.plan_id)
            .where(t.tasks.c.id == task_id)
        ).first()
        if row is None:
            raise NotFoundError(f"no task {task_id} (没有该任务)", field="task")
        return str(row.key), str(row.number), row.payload

    def set_task_status(self, task_id: int, status: TaskStatus) -> None:
        self.session.execute(update(t.tasks).where(t.tasks.c.id == task_id).values(status=status.value))

    # ---------------------------------------------------------------- progress reports (调度)
    def _progress_query(self) -> Any:
        r, tk, p = t.progress_reports, t.tasks, t.plans
        return (
            select(r, p.c.key.label("plan_key"), tk.c.number.label("task_number"))
            .join(tk, tk.c.id == r.c.task_id)
            .join(p, p.c.id == tk.c.plan_id)
        )

    def progress_key(self, task_id: int, subtask: str, department: str, period: str) -> ProgressReport | None:
        r = t.progress_reports
        row = self.session.execute(
            self._progress_query().where(
                r.c.task_id == task_id, r.c.subtask == subtask, r.c.department == department, r.c.period == period
            )
        ).first()
        return self._progress(row) if row is not None else None

    def progress(self, report_id: int) -> ProgressReport:
        row = self.session.execute(self._progress_query().where(t.progress_reports.c.id == report_id)).first()
        if row is None:
            raise NotFoundError(f"no progress report {report_id} (没有该报送)", field="report")
        return self._progress(row)

    def progress_list(
        self,
        *,
        task_id: int | None = None,
        department: str | None = None,
        period: str | None = None,
        review: str | None = None,
    ) -> list[ProgressReport]:
        r = t.progress_reports
        query = self._progress_query()
        for column, value in (
            (r.c.task_id, task_id),
            (r.c.department, department),
            (r.c.period, period),
            (r.c.review, review),
        ):
            if value is not None:
                query = query.where(column == value)
        rows = self.session.execute(query.order_by(r.c.period.desc(), r.c.submitted_at.desc())).all()
        ids = [int(x.id) for x in rows]
        files = self.evidence_for("progress", ids)
        rounds = self.rounds_for(ids)
        return [self._progress(x, files.get(int(x.id), []), rounds.get(int(x.id), [])) for x in rows]

    def accepted_progress(self, task_ids: Sequence[int] | None = None) -> list[ProgressReport]:
        """The accepted reports (of ``task_ids`` only, if given), oldest period first, without their
        files and rounds: what targets are measured from (lantian.domain.targets.reported)."""
        r = t.progress_reports
        query = self._progress_query().where(r.c.review == ReviewState.ACCEPTED.value)
        if task_ids is not None:
            query = query.where(r.c.task_id.in_(list(task_ids)))
        rows = self.session.execute(query.order_by(r.c.period, r.c.submitted_at, r.c.id)).all()
        return [self._progress(x, [], []) for x in rows]

    def current_task_ids(self) -> dict[tuple[str, str], int]:
        """(plan key, task number) → task id of every task not removed by a later revision."""
        tk, p = t.tasks, t.plans
        rows = self.session.execute(
            select(tk.c.id, p.c.key, tk.c.number).join(p, p.c.id == tk.c.plan_id).where(tk.c.removed_in.is_(None))
        )
        return {(str(key), str(number)): int(tid) for tid, key, number in rows}

    def measured_tasks(self, task_ids: Sequence[int]) -> list[tuple[int, PlanTask, str | None, int | None]]:
        """Each task of ``task_ids`` with its plan's place and year (a target written on the task without
        them takes the plan's)."""
        tk, p = t.tasks, t.plans
        rows = self.session.execute(
            select(tk.c.id, tk.c.payload, tk.c.status, p.c.key, p.c.title, p.c.jurisdiction, p.c.year)
            .join(p, p.c.id == tk.c.plan_id)
            .where(tk.c.id.in_(list(task_ids)))
        ).all()
        return [
            (int(x.id), PlanTask(str(x.key), str(x.title), task_from_dict(x.payload), TaskStatus(x.status)),
             x.jurisdiction, x.year)
            for x in rows
        ]  # fmt: skip

    def filed(self, period: str | None = None, *, periods: Iterable[str] | None = None) -> set[tuple[int, str, str]]:
        """(task, department, period) of every report filed (for ``period`` or ``periods`` only, if given)."""
        r = t.progress_reports
        query = select(r.c.task_id, r.c.department, r.c.period)
        if period is not None:
            query = query.where(r.c.period == period)
        if periods is not None:
            query = query.where(r.c.period.in_(list(periods)))
        return {(int(a), str(b), str(c)) for a, b, c in self.session.execute(query)}

    def add_progress(self, values: dict[str, Any]) -> int:
        r = t.progress_reports
        return int(self.session.execute(insert(r).values(version=1, **values).returning(r.c.id)).scalar_one())

    def change_progress(self, report_id: int, version: int, **values: Any) -> None:
        self._bump(t.progress_reports, report_id, version, **values)

    def _progress(self, row: Any, files: list[Evidence] | None = None,
                  rounds: list[ProgressRound] | None = None) -> ProgressReport:  # fmt: skip
        if files is None:
            files = self.evidence_for("progress", [int(row.id)]).get(int(row.id), [])
        if rounds is None:
            rounds = self.rounds_for([int(row.id)]).get(int(row.id), [])
        return ProgressReport(
            id=int(row.id),
            task_id=int(row.task_id),
            plan_key=str(row.plan_key),
            task_number=str(row.task_number),
            subtask=str(row.subtask),
            department=str(row.department),
            jurisdiction=str(row.jurisdiction),
            period=str(row.period),
            status=TaskStatus(row.status),
            narrative=str(row.narrative),
            indicators={str(k): float(v) for k, v in (row.indicators or {}).items()},
            review=ReviewState(row.review),
            review_reason=row.review_reason,
            reviewed_by=row.reviewed_by,
            reviewed_at=_utc(row.reviewed_at),
            submitted_by=str(row.submitted_by),
            submitted_at=_must(row.submitted_at),
            version=int(row.version),
            evidence=files,
            rounds=rounds,
        )

    # ---------------------------------------------------------------- rounds of a report (报送轮次)
    def save_round(self, report_id: int, entry: ProgressRound) -> None:
        """Keep ``entry`` as round ``entry.number`` of the report: a new round is added, a round not
        yet reviewed is brought up to date (its files are kept apart, by round: evidence.step)."""
        g = t.progress_rounds
        values = {
            "unit": entry.unit,
            "status": entry.status.value,
            "narrative": entry.narrative,
            "indicators": entry.indicators,
            "submitted_by": entry.submitted_by,
            "submitted_at": entry.submitted_at,
            "review": entry.review.value,
            "review_reason": entry.review_reason,
            "reviewed_by": entry.reviewed_by,
            "reviewer_unit": entry.reviewer_unit,
            "reviewed_at": entry.reviewed_at,
        }
        changed = self.session.execute(
            update(g).where(g.c.report_id == report_id, g.c.number == entry.number).values(**values)
        )
        if changed.rowcount == 0:  # type: ignore[attr-defined]
            self.session.execute(insert(g).values(report_id=report_id, number=entry.number, **values))

    def rounds_for(self, report_ids: Sequence[int]) -> dict[int, list[ProgressRound]]:
        """The rounds of each report, oldest first, each with the files filed with it."""
        out: dict[int, list[ProgressRound]] = {}
        if not report_ids:
            return out
        g, e = t.progress_rounds, t.evidence
        ids = list(report_ids)
        files: dict[tuple[int, int], list[Evidence]] = {}
        for row in self.session.execute(
            select(e).where(e.c.owner == "progress", e.c.owner_id.in_(ids)).order_by(e.c.id)
        ):
            files.setdefault((int(row.owner_id), int(row.step or 1)), []).append(_evidence(row))
        for row in self.session.execute(select(g).where(g.c.report_id.in_(ids)).order_by(g.c.report_id, g.c.number)):
            key = (int(row.report_id), int(row.number))
            out.setdefault(key[0], []).append(_round(row, files.get(key, [])))
        return out

    # ---------------------------------------------------------------- evidence
    def add_evidence(self, values: dict[str, Any]) -> int:
        e = t.evidence
        return int(self.session.execute(insert(e).values(**values).returning(e.c.id)).scalar_one())

    def evidence(self, evidence_id: int) -> tuple[Evidence, int | None]:
        row = self.session.execute(select(t.evidence).where(t.evidence.c.id == evidence_id)).first()
        if row is None:
            raise NotFoundError(f"no evidence file {evidence_id} (没有该材料)", field="evidence")
        return _evidence(row), row.step

    def evidence_for(self, owner: str, ids: Sequence[int]) -> dict[int, list[Evidence]]:
        out: dict[int, list[Evidence]] = {}
        if not ids:
            return out
        e = t.evidence
        for row in self.session.execute(
            select(e).where(e.c.owner == owner, e.c.owner_id.in_(list(ids))).order_by(e.c.id)
        ):
            out.setdefault(int(row.owner_id), []).append(_evidence(row))
        return out

    # ---------------------------------------------------------------- 督办
    def add_notice(self, values: dict[str, Any]) -> int:
        n = t.notices
        return int(self.session.execute(insert(n).values(version=1, **values).returning(n.c.id)).scalar_one())

    def change_notice(self, notice_id: int, version: int, **values: Any) -> None:
        self._bump(t.notices, notice_id, version, **values)

    def notice(self, notice_id: int) -> Notice:
        row = self.session.execute(select(t.notices).where(t.notices.c.id == notice_id)).first()
        if row is None:
            raise NotFoundError(f"no 督办 notice {notice_id} (没有该督办)", field="notice")
        return _notice(row, self.evidence_for("notice", [notice_id]).get(notice_id, []))

    def notices(self, *, department: str | None = None, state: str | None = None) -> list[Notice]:
        n = t.notices
        query = select(n).order_by(n.c.due, n.c.id)
        if department is not None:
            query = query.where(n.c.department == department)
        if state is not None:
            query = query.where(n.c.state == state)
        rows = self.session.execute(query).all()
        files = self.evidence_for("notice", [int(r.id) for r in rows])
        return [_notice(r, files.get(int(r.id), [])) for r in rows]

    # ---------------------------------------------------------------- tickets
    def add_ticket(self, values: dict[str, Any]) -> int:
        k = t.tickets
        return int(self.session.execute(insert(k).values(version=1, **values).returning(k.c.id)).scalar_one())

    def change_ticket(self, ticket_id: int, version: int, **values: Any) -> None:
        self._bump(t.tickets, ticket_id, version, **values)

    def add_step(self, ticket_id: int, values: dict[str, Any]) -> int:
        s = t.ticket_steps
        seq = int(self.session.scalar(select(func.max(s.c.seq)).where(s.c.ticket_id == ticket_id)) or 0) + 1
        self.session.execute(insert(s).values(ticket_id=ticket_id, seq=seq, **values))
        return seq

    def ticket(self, ticket_id: int) -> Ticket:
        row = self.session.execute(select(t.tickets).where(t.tickets.c.id == ticket_id)).first()
        if row is None:
            raise NotFoundError(f"no ticket {ticket_id} (没有该问题)", field="ticket")
        return self._tickets([row])[0]

    def tickets(self, *, department: str | None = None, state: str | None = None) -> list[Ticket]:
        k = t.tickets
        query = select(k).order_by(k.c.id.desc())
        if department is not None:
            query = query.where(k.c.department == department)
        if state is not None:
            query = query.where(k.c.state == state)
        return self._tickets(self.session.execute(query).all())

    def _tickets(self, rows: Sequence[Any]) -> list[Ticket]:
        ids = [int(r.id) for r in rows]
        steps: dict[int, list[TicketStep]] = {}
        if ids:
            s, e = t.ticket_steps, t.evidence
            files: dict[tuple[int, int], list[Evidence]] = {}
            for row in self.session.execute(
                select(e).where(e.c.owner == "ticket", e.c.owner_id.in_(ids)).order_by(e.c.id)
            ):
                files.setdefault((int(row.owner_id), int(row.step or 0)), []).append(_evidence(row))
            for row in self.session.execute(select(s).where(s.c.ticket_id.in_(ids)).order_by(s.c.ticket_id, s.c.seq)):
                steps.setdefault(int(row.ticket_id), []).append(
                    TicketStep(
                        int(row.seq),
                        str(row.action),
                        TicketState(row.state),
                        str(row.by_user),
                        _must(row.at),
                        str(row.note),
                        files.get((int(row.ticket_id), int(row.seq)), []),
                    )
                )
        return [
            Ticket(
                id=int(r.id),
                jurisdiction=str(r.jurisdiction),
                source=TicketSource(r.source),
                title=str(r.title),
                description=str(r.description),
                location=str(r.location),
                department=r.department,
                due=r.due,
                state=TicketState(r.state),
                reopened=int(r.reopened),
                created_by=str(r.created_by),
                created_at=_must(r.created_at),
                version=int(r.version),
                steps=steps.get(int(r.id), []),
            )
            for r in rows
        ]

    # ---------------------------------------------------------------- audit chain
    def audit_last(self) -> StoredEntry | None:
        row = self.session.execute(select(t.audit_log).order_by(t.audit_log.c.seq.desc()).limit(1)).first()
        return _entry(row) if row is not None else None

    def audit_append(self, entry: StoredEntry) -> None:
        """Append ``entry`` and move the head; a concurrent append of the same seq is a ConflictError."""
        self.session.execute(insert(t.audit_log).values(**entry.__dict__))
        head = t.audit_head
        if entry.seq == 1:
            self.session.execute(insert(head).values(id=1, seq=1, hash=entry.hash))
            return
        moved = self.session.execute(
            update(head).where(and_(head.c.id == 1, head.c.seq == entry.seq - 1)).values(seq=entry.seq, hash=entry.hash)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(CONFLICT, field="audit")

    def audit_entries(
        self,
        *,
        entity: str | None = None,
        entity_id: str | None = None,
        limit: int | None = None,
        newest_first: bool = False,
        places: Sequence[str] | None = None,
    ) -> list[StoredEntry]:
        """The entries, of one entity; ``places``: only those concerning one of them (None: all)."""
        a, ap = t.audit_log, t.audit_places
        query = select(a).order_by(a.c.seq.desc() if newest_first else a.c.seq)
        if places is not None:
            query = query.where(exists().where(ap.c.seq == a.c.seq, ap.c.place.in_(list(places))))
        if entity is not None:
            query = query.where(a.c.entity == entity)
        if entity_id is not None:
            query = query.where(a.c.entity_id == entity_id)
        if limit is not None:
            query = query.limit(limit)
        return [_entry(r) for r in self.session.execute(query)]

    def change_marker(self, places: Iterable[str | None] | None = None) -> tuple[Any, ...]:
        """Changes whenever anything the dashboard counts in ``places`` changes (None: anywhere): every
        workflow change marks the places it touched (:meth:`touch`) with its audit entry, in its own
        transaction, and every plan import or revision touches ``plans``."""
        p, c = t.plans, t.place_changes
        if places is None:
            changed = self.session.execute(select(t.audit_head.c.seq)).scalar()
        else:
            names = sorted({x for x in places if x is not None})
            changed = self.session.execute(select(func.max(c.c.seq)).where(c.c.place.in_(names))).scalar()
        plans = self.session.execute(select(func.count(), func.max(p.c.updated_at), func.sum(p.c.current_revision)))
        return (changed, *plans.one())

    def touch(self, places: Iterable[str | None], seq: int) -> None:
        """Mark ``places`` as changed by audit entry ``seq`` (see :meth:`change_marker`)."""
        c = t.place_changes
        for place in sorted({x for x in places if x is not None}):
            moved = self.session.execute(update(c).where(c.c.place == place).values(seq=seq))
            if moved.rowcount == 0:  # type: ignore[attr-defined]
                self.session.execute(insert(c).values(place=place, seq=seq))

    def place_entry(self, seq: int, places: Iterable[str]) -> None:
        """Record the places audit entry ``seq`` concerns (the audit log is shown by them)."""
        rows = [{"seq": seq, "place": p} for p in sorted(set(places))]
        # rows of an entry deleted behind the log's back (the anchor reports that) are not this one's
        self.session.execute(delete(t.audit_places).where(t.audit_places.c.seq == seq))
        if rows:
            self.session.execute(insert(t.audit_places), rows)

    def audit_places(self) -> list[str]:
        """Every place an audit entry concerns."""
        return [str(p) for (p,) in self.session.execute(select(t.audit_places.c.place).distinct())]

    def audit_head(self) -> tuple[int, str] | None:
        row = self.session.execute(select(t.audit_head.c.seq, t.audit_head.c.hash)).first()
        return (int(row.seq), str(row.hash)) if row is not None else None


def _user(row: Any) -> User:
    return User(
        id=int(row.id),
        username=str(row.username),
        display_name=str(row.display_name),
        role=UserRole(row.role),
        jurisdiction=str(row.jurisdiction),
        department=row.department,
        active=bool(row.active),
        created_at=_must(row.created_at),
        email=row.email,
    )


def _evidence(row: Any) -> Evidence:
    return Evidence(
        id=int(row.id),
        owner=str(row.owner),
        owner_id=int(row.owner_id),
        filename=str(row.filename),
        sha256=str(row.sha256),
        size=int(row.size),
        content_type=str(row.content_type),
        uploaded_by=str(row.uploaded_by),
        uploaded_at=_must(row.uploaded_at),
    )


def _round(row: Any, files: list[Evidence]) -> ProgressRound:
    return ProgressRound(
        number=int(row.number),
        unit=str(row.unit),
        status=TaskStatus(row.status),
        narrative=str(row.narrative),
        indicators={str(k): float(v) for k, v in (row.indicators or {}).items()},
        submitted_by=str(row.submitted_by),
        submitted_at=_must(row.submitted_at),
        review=ReviewState(row.review),
        review_reason=row.review_reason,
        reviewed_by=row.reviewed_by,
        reviewer_unit=row.reviewer_unit,
        reviewed_at=_utc(row.reviewed_at),
        evidence=files,
    )


def _notice(row: Any, files: list[Evidence]) -> Notice:
    return Notice(
        id=int(row.id),
        jurisdiction=str(row.jurisdiction),
        department=str(row.department),
        subject=str(row.subject),
        body=str(row.body),
        task_ids=[int(x) for x in row.task_ids or []],
        due=row.due,
        state=NoticeState(row.state),
        escalation=int(row.escalation),
        issued_by=str(row.issued_by),
        issued_at=_must(row.issued_at),
        answer=row.answer,
        answered_by=row.answered_by,
        answered_at=_utc(row.answered_at),
        version=int(row.version),
        evidence=files,
    )


def _entry(row: Any) -> StoredEntry:
    return StoredEntry(
        int(row.seq),
        str(row.at),
        str(row.actor),
        str(row.action),
        str(row.entity),
        str(row.entity_id),
        str(row.before),
        str(row.after),
        str(row.prev_hash),
        str(row.hash),
    )


def _task_number(word: str) -> str | None:
    """``5``, ``第5项``, ``第5条`` → ``5``; else None (a word of text)."""
    match = re.fullmatch(r"第?(\d+(?:\.\d+)*)[项条]?", word)
    return match.group(1) if match else None


def _like(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` contains ``text`` as typed (its % and _ are themselves, not wildcards)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    found: ColumnElement[bool] = column.like(f"%{escaped}%", escape="\\")
    return found


def _plan_in(scope: Scope) -> ColumnElement[bool]:
    """The plan is in ``scope``: its place is one of the scope's, or it has none and one of the
    scope's offices imported it (access.sees_plan)."""
    p = t.plans
    assert scope.places is not None
    named = _in_places(p.c.jurisdiction, scope.places)
    if not scope.offices:
        return named
    return or_(named, and_(or_(p.c.jurisdiction.is_(None), p.c.jurisdiction == ""), p.c.office.in_(scope.offices)))


def _in_places(column: Any, places: tuple[str | None, ...]) -> ColumnElement[bool]:
    """``column`` is one of ``places`` (None among them: or has no place)."""
    named = column.in_([x for x in places if x is not None])
    return or_(named, column.is_(None)) if None in places else named
