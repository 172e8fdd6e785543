"""The daily workflow through the services: progress and review, 督办, tickets to 销号, rights,
optimistic locking, evidence checks and the audit chain (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.plans.model import Role, TaskStatus
from lantian.domain.plans.records import TaskFilter
from lantian.domain.tracking.model import (
    SYSTEM,
    Actor,
    NoticeState,
    ReviewState,
    TicketSource,
    TicketState,
    UserRole,
)
from lantian.domain.tracking.workflow import TicketAction
from lantian.errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    InputError,
    ThrottledError,
    WorkflowError,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ENV = "市生态环境局"
TRANSPORT = "市交通运输局"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2024, 5, 10, 2, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def app(db_url: str, tmp_path: Path, seeds_dir: Path) -> Iterator[App]:
    lantian = App.open(Settings.load(tmp_path / "data", db_url))
    clock = Clock()
    for service in (lantian.workflow, lantian.audit, lantian.accounts):
        service.clock = clock
    (seed,) = seeds_dir.glob("000_*.txt")
    lantian.plans.import_files([seed])
    yield lantian
    lantian.close()


ADMIN = Actor("dqb", UserRole.ADMIN, "苏州市")
DEPT = Actor("sthjj", UserRole.DEPARTMENT, "苏州市", ENV)
OTHER = Actor("jtj", UserRole.DEPARTMENT, "苏州市", TRANSPORT)
LEADER = Actor("lingdao", UserRole.LEADER, "苏州市")
NANJING = Actor("nj", UserRole.ADMIN, "南京市")


def env_task(app: App) -> int:
    """A task 市生态环境局 leads and 市交通运输局 does not appear on."""
    for ref, _ in app.workflow.visible_tasks(DEPT):
        names = [n for n, _ in ref.departments]
        if ENV in names and TRANSPORT not in names:
            return ref.id
    raise AssertionError("no such task in seed 000")


def test_progress_is_filed_with_evidence_returned_and_accepted(app: App) -> None:
    task = env_task(app)
    report = app.workflow.submit_progress(
        DEPT, task, period="2024-04", status=TaskStatus.IN_PROGRESS, narrative="已完成60%",
        indicators={"完成率": "60"}, files=[("验收.pdf", PDF)],
    )  # fmt: skip
    assert report.review is ReviewState.SUBMITTED and report.version == 1
    assert report.indicators == {"完成率": 60.0}
    assert [e.filename for e in report.evidence] == ["验收.pdf"]
    name, kind, path = app.workflow.evidence_file(DEPT, report.evidence[0].id)
    assert (name, kind, path.read_bytes()) == ("验收.pdf", "application/pdf", PDF)
    with pytest.raises(ForbiddenError):
        app.workflow.evidence_file(OTHER, report.evidence[0].id)

    with pytest.raises(WorkflowError, match="理由"):
        app.workflow.review_progress(ADMIN, report.id, accept=False, reason=" ", version=1)
    returned = app.workflow.review_progress(ADMIN, report.id, accept=False, reason="缺少验收材料", version=1)
    assert returned.review is ReviewState.RETURNED and returned.review_reason == "缺少验收材料"

    again = app.workflow.submit_progress(
        DEPT, task, period="2024-04", status=TaskStatus.COMPLETED, narrative="已全部完成", version=2
    )
    assert again.review is ReviewState.SUBMITTED and again.version == 3
    accepted = app.workflow.review_progress(ADMIN, again.id, accept=True, reason=None, version=3)
    assert accepted.review is ReviewState.ACCEPTED
    assert app.workflow.task(ADMIN, task).ref.status is TaskStatus.COMPLETED  # an accepted report sets the status
    with pytest.raises(WorkflowError, match="审核通过"):
        app.workflow.submit_progress(DEPT, task, period="2024-04", status=TaskStatus.COMPLETED, narrative="x",
                                     version=4)  # fmt: skip


def test_a_stale_version_is_a_conflict_and_loses_nothing(app: App) -> None:
    task = env_task(app)
    first = app.workflow.submit_progress(DEPT, task, period="2024-04", status=TaskStatus.IN_PROGRESS, narrative="a")
    app.workflow.submit_progress(DEPT, task, period="2024-04", status=TaskStatus.IN_PROGRESS, narrative="b",
                                 version=first.version)  # fmt: skip
    with pytest.raises(ConflictError, match="刷新"):  # a second editor still holds version 1
        app.workflow.submit_progress(DEPT, task, period="2024-04", status=TaskStatus.DELAYED, narrative="c",
                                     version=first.version)  # fmt: skip
    with pytest.raises(ConflictError, match="已报送"):  # a new report for a period already filed
        app.workflow.submit_progress(DEPT, task, period="2024-04", status=TaskStatus.DELAYED, narrative="d")
    assert app.workflow.report(ADMIN, first.id).narrative == "b"
    with pytest.raises(ConflictError):
        app.workflow.review_progress(ADMIN, first.id, accept=True, reason=None, version=1)


def test_rights_by_role_department_and_place(app: App) -> None:
    task = env_task(app)
    with pytest.raises(ForbiddenError):  # the task does not name 市交通运输局
        app.workflow.submit_progress(OTHER, task, period="2024-04", status=TaskStatus.IN_PROGRESS, narrative="x")
    with pytest.raises(ForbiddenError):  # a department cannot report for another
        app.workflow.submit_progress(DEPT, task, period="2024-04", status=TaskStatus.IN_PROGRESS, narrative="x",
                                     department=TRANSPORT)  # fmt: skip
    with pytest.raises(ForbiddenError):
        app.workflow.submit_progress(LEADER, task, period="2024-04", status=TaskStatus.IN_PROGRESS, narrative="x",
                                     department=ENV)  # fmt: skip
    report = app.workflow.submit_progress(DEPT, task, period="2024-04", status=TaskStatus.IN_PROGRESS, narrative="x")
    for who in (DEPT, OTHER, LEADER):
        with pytest.raises(ForbiddenError):
            app.workflow.review_progress(who, report.id, accept=True, reason=None, version=1)
    with pytest.raises(ForbiddenError):  # another city's admin
        app.workflow.review_progress(NANJING, report.id, accept=True, reason=None, version=1)
    assert app.workflow.visible_tasks(NANJING) == []  # 苏州's plan is not 南京's
    assert len(app.workflow.visible_tasks(LEADER)) == 56
    mine = app.workflow.visible_tasks(OTHER)
    assert 0 < len(mine) < 56 and all(TRANSPORT in [n for n, _ in r.departments] for r, _ in mine)
    assert [r.id for r in app.workflow.reports(OTHER)] == []
    assert [r.id for r in app.workflow.reports(LEADER)] == [report.id]


def test_bad_input_is_refused_before_anything_is_written(app: App) -> None:
    task = env_task(app)
    cases = [
        ({"period": "2024-13"}, "YYYY-MM"),
        ({"period": "2024/04"}, "YYYY-MM"),
        ({"narrative": "  "}, "narrative"),
        ({"indicators": {"完成率": "六十"}}, "数字"),
        ({"indicators": {"完成率": "nan"}}, "finite"),
        ({"files": [("evil.exe", b"MZ\x90\x00")]}, "不支持"),
        ({"files": [("fake.pdf", b"MZ\x90\x00")]}, "不符"),
        ({"files": [("empty.pdf", b"")]}, "为空"),
    ]
    for change, message in cases:
        args = {"period": "2024-04", "status": TaskStatus.IN_PROGRESS, "narrative": "ok", **change}
        with pytest.raises(InputError, match=message):
            app.workflow.submit_progress(DEPT, task, **args)  # type: ignore[arg-type]
    assert app.workflow.reports(ADMIN) == []
    assert [e.action for e in app.audit.entries()] == ["plan.import"]  # the plan the fixture imported, only


def test_overdue_tasks_and_missing_reports(app: App) -> None:
    task = env_task(app)
    as_of = dt.date(2024, 5, 10)  # April's report was due on 5 May
    late = app.workflow.overdue(DEPT, as_of)
    assert any(o.kind == "report" and o.task_id == task and o.period == "2024-04" for o in late)
    assert all(o.department == ENV for o in late)
    app.workflow.submit_progress(DEPT, task, period="2024-04", status=TaskStatus.IN_PROGRESS, narrative="x")
    assert not any(o.kind == "report" and o.task_id == task for o in app.workflow.overdue(DEPT, as_of))
    deadline = [o for o in app.workflow.overdue(ADMIN, dt.date(2026, 1, 2)) if o.kind == "deadline"]
    assert deadline and all(o.due < dt.date(2026, 1, 2) for o in deadline)


def test_dashboard_counts_in_the_store_match_the_records(app: App) -> None:
    """The summary counts in SQL what overdue(), reports(), notices() and tickets() list one by one."""
    refs = [ref for ref, _ in app.workflow.visible_tasks(ADMIN)]
    env = [r for r in refs if ENV in [n for n, _ in r.departments]]
    for ref in env[:3]:  # April's reports filed for three tasks; one accepted
        app.workflow.submit_progress(DEPT, ref.id, period="2024-04", status=TaskStatus.IN_PROGRESS, narrative="x")
    first = app.workflow.reports(ADMIN)[0]
    app.workflow.review_progress(ADMIN, first.id, accept=True, reason="", version=first.version)
    today = app.workflow.today()
    for days in (0, 3, 45):  # due today, in 3 days, in 45 days
        app.workflow.issue_notice(ADMIN, department=ENV, subject="s", body="b", due=today + dt.timedelta(days=days))
    closed = app.workflow.issue_notice(ADMIN, department=TRANSPORT, subject="s", body="b", due=today)
    closed = app.workflow.answer_notice(OTHER, closed.id, answer="done", version=closed.version)
    app.workflow.close_notice(ADMIN, closed.id, version=closed.version)
    ticket = app.workflow.open_ticket(ADMIN, source=TicketSource.COMPLAINT, title="t", description="d")
    app.workflow.ticket_step(ADMIN, ticket.id, TicketAction.ASSIGN, version=1, department=ENV, due=dt.date(2099, 1, 1))
    app.workflow.open_ticket(ADMIN, source=TicketSource.INSPECTION, title="u", description="d")
    for later in (0, 2, 30, 400):  # as the days pass: notices fall late, deadlines pass, reports fall due
        app.workflow.clock.now += dt.timedelta(days=later)  # type: ignore[attr-defined]
        for actor in (ADMIN, DEPT, OTHER, LEADER, NANJING, SYSTEM):
            x = app.workflow.summary(actor, first=15)
            listed = app.workflow.overdue(actor)
            # 逾期任务 counts tasks, as the list it opens (/tasks?overdue=1); 调度未报 the missing reports
            _, late = app.workflow.tasks(actor, TaskFilter(overdue_as_of=app.workflow.today()), limit=1)
            assert x.overdue_deadline == late, actor
            assert x.overdue_deadline >= len({o.task_id for o in listed if o.kind == "deadline"}), actor
            assert x.overdue_report == sum(o.kind == "report" for o in listed), actor
            assert x.overdue_report == app.workflow.missing_reports(actor, 1)[0], actor
            shown = [o for o in x.overdue_first if o.kind == "report"]
            assert shown == [o for o in listed if o.kind == "report"][:15], actor
            late_tasks = {o.task_id for o in listed if o.kind == "deadline"}
            assert {o.task_id for o in x.overdue_first if o.kind == "deadline"} <= late_tasks, actor
            tasks = [ref for ref, _ in app.workflow.visible_tasks(actor)]
            assert x.tasks == len(tasks) and x.status == Counter(r.status for r in tasks)
            assert x.reviews_pending == len(app.workflow.reports(actor, review=ReviewState.SUBMITTED))
            notices = app.workflow.notices(actor)
            assert x.notices_open == sum(n.state is not NoticeState.CLOSED for n in notices)
            assert x.notices_late == sum(app.workflow.rung(n) > 0 for n in notices)
            assert x.tickets == Counter(k.state for k in app.workflow.tickets(actor))
    before = app.workflow.summary(ADMIN)
    assert before.overdue_report > 0 and app.workflow.summary(DEPT).notices_late > 0
    # the figures are kept until something changes: a report filed shows at once
    app.workflow.submit_progress(DEPT, env[5].id, period="2025-05", status=TaskStatus.IN_PROGRESS, narrative="y")
    assert app.workflow.summary(ADMIN).reviews_pending == before.reviews_pending + 1


def test_a_dashboard_is_recounted_only_when_a_place_it_counts_changes(app: App) -> None:
    suzhou, nanjing = app.workflow.summary(ADMIN), app.workflow.summary(NANJING)
    # a ticket in 南京: 南京's figures are recounted, 苏州's kept as they were
    app.workflow.open_ticket(NANJING, source=TicketSource.COMPLAINT, title="t", description="d")
    assert app.workflow.summary(ADMIN) is suzhou
    nanjing_now = app.workflow.summary(NANJING)
    assert nanjing_now.tickets[TicketState.FOUND] == nanjing.tickets[TicketState.FOUND] + 1
    # a report filed in 苏州: 苏州's admin and department see it at once, 南京's figures are kept
    dept = app.workflow.summary(DEPT)
    app.workflow.submit_progress(DEPT, env_task(app), period="2024-04", status=TaskStatus.IN_PROGRESS, narrative="x")
    assert app.workflow.summary(ADMIN).reviews_pending == suzhou.reviews_pending + 1
    assert app.workflow.summary(DEPT).overdue_report == dept.overdue_report - 1
    assert app.workflow.summary(NANJING) is nanjing_now
    # the office acting for every place (SYSTEM) is recounted on any change
    everywhere = app.workflow.summary(SYSTEM)
    app.workflow.open_ticket(NANJING, source=TicketSource.COMPLAINT, title="u", description="d")
    assert app.workflow.summary(SYSTEM).tickets[TicketState.FOUND] == everywhere.tickets[TicketState.FOUND] + 1


def test_a_task_list_total_follows_the_changes_it_counts(app: App, seeds_dir: Path) -> None:
    done = TaskFilter(status=TaskStatus.COMPLETED)
    assert app.workflow.tasks(ADMIN, done, limit=5)[1] == 0
    task = env_task(app)
    r = app.workflow.submit_progress(DEPT, task, period="2024-04", status=TaskStatus.COMPLETED, narrative="完成")
    assert app.workflow.tasks(ADMIN, done, limit=5)[1] == 0  # not until the office accepts it
    app.workflow.review_progress(ADMIN, r.id, accept=True, reason=None, version=r.version)
    page, total = app.workflow.tasks(ADMIN, done, limit=5)
    assert total == 1 and [ref.id for ref, _ in page] == [task]
    assert app.workflow.tasks(DEPT, done, limit=5)[1] == 1 and app.workflow.tasks(OTHER, done, limit=5)[1] == 0
    everything = app.workflow.tasks(ADMIN, TaskFilter(), limit=5)[1]
    (seed,) = seeds_dir.glob("001_*.txt")
    app.plans.import_files([seed])  # another plan of 苏州's: every total is counted again
    assert app.workflow.tasks(ADMIN, TaskFilter(), limit=5)[1] == everything + 36


def test_notice_is_issued_escalated_answered_and_closed(app: App) -> None:
    task = env_task(app)
    notice = app.workflow.issue_notice(
        ADMIN,
        department=ENV,
        subject="督办：扬尘治理滞后",
        body="请于月底前报送",
        due=dt.date(2024, 5, 20),
        task_ids=[task],
    )
    assert app.workflow.rung(notice, dt.date(2024, 5, 20)) == 0
    assert app.workflow.rung(notice, dt.date(2024, 5, 21)) == 1  # 催办
    assert app.workflow.rung(notice, dt.date(2024, 6, 4)) == 3  # 约谈
    moved = app.workflow.escalate(ADMIN, dt.date(2024, 5, 28))
    assert [(n.id, n.escalation) for n in moved] == [(notice.id, 2)]  # 通报批评
    assert app.workflow.escalate(ADMIN, dt.date(2024, 5, 28)) == []  # idempotent
    with pytest.raises(ForbiddenError):
        app.workflow.answer_notice(OTHER, notice.id, answer="x", version=2)
    with pytest.raises(WorkflowError):
        app.workflow.close_notice(ADMIN, notice.id, version=2)
    answered = app.workflow.answer_notice(DEPT, notice.id, answer="已完成整改", version=2, files=[("整改.pdf", PDF)])
    assert answered.state.value == "answered" and answered.evidence[0].filename == "整改.pdf"
    assert app.workflow.rung(answered, dt.date(2024, 6, 30)) == 0
    closed = app.workflow.close_notice(ADMIN, notice.id, version=answered.version)
    assert closed.state.value == "closed"
    assert [n.id for n in app.workflow.notices(OTHER)] == []
    with pytest.raises(InputError, match="早于"):
        app.workflow.issue_notice(ADMIN, department=ENV, subject="s", body="b", due=dt.date(2024, 5, 1))


def test_ticket_goes_to_closure_and_is_reopened_when_the_check_fails(app: App) -> None:
    ticket = app.workflow.open_ticket(
        ADMIN, source=TicketSource.INSPECTION, title="工地裸土未覆盖", description="现场检查发现", location="工业园区",
        files=[("现场.pdf", PDF)],
    )  # fmt: skip
    assert ticket.state is TicketState.FOUND and ticket.steps[0].evidence[0].filename == "现场.pdf"
    with pytest.raises(WorkflowError, match="发现阶段不能销号"):
        app.workflow.ticket_step(ADMIN, ticket.id, TicketAction.CLOSE, version=1)
    with pytest.raises(InputError, match="时限"):
        app.workflow.ticket_step(ADMIN, ticket.id, TicketAction.ASSIGN, version=1, department=ENV)
    t = app.workflow.ticket_step(ADMIN, ticket.id, TicketAction.ASSIGN, version=1, department=ENV,
                                 due=dt.date(2024, 5, 31), note="限期整改")  # fmt: skip
    with pytest.raises(ForbiddenError):
        app.workflow.ticket_step(OTHER, t.id, TicketAction.RECTIFY, version=t.version, note="x")
    with pytest.raises(WorkflowError, match="整改须附"):
        app.workflow.ticket_step(DEPT, t.id, TicketAction.RECTIFY, version=t.version)
    t = app.workflow.ticket_step(DEPT, t.id, TicketAction.RECTIFY, version=t.version, note="已覆盖")
    with pytest.raises(WorkflowError, match="理由"):
        app.workflow.ticket_step(ADMIN, t.id, TicketAction.FAIL, version=t.version)
    t = app.workflow.ticket_step(ADMIN, t.id, TicketAction.FAIL, version=t.version, note="仍有裸土")
    assert t.state is TicketState.ASSIGNED and t.reopened == 1
    t = app.workflow.ticket_step(DEPT, t.id, TicketAction.RECTIFY, version=t.version, files=[("复查.pdf", PDF)])
    t = app.workflow.ticket_step(ADMIN, t.id, TicketAction.PASS, version=t.version, note="复核通过")
    with pytest.raises(ForbiddenError):
        app.workflow.ticket_step(DEPT, t.id, TicketAction.CLOSE, version=t.version)
    t = app.workflow.ticket_step(ADMIN, t.id, TicketAction.CLOSE, version=t.version, note="销号")
    assert t.state is TicketState.CLOSED
    assert [s.action for s in t.steps] == ["create", "assign", "rectify", "fail", "rectify", "pass", "close"]
    assert [s.by for s in t.steps] == ["dqb", "dqb", "sthjj", "dqb", "sthjj", "dqb", "dqb"]
    assert t.steps[4].evidence[0].filename == "复查.pdf"


def test_audit_chain_verifies_and_detects_tampering(app: App) -> None:
    task = env_task(app)
    app.accounts.add("dqb", "a-long-password", UserRole.ADMIN, "苏州市")
    r = app.workflow.submit_progress(DEPT, task, period="2024-04", status=TaskStatus.IN_PROGRESS, narrative="x")
    app.workflow.review_progress(ADMIN, r.id, accept=False, reason="补充材料", version=1)
    verdict = app.audit.verify()
    assert verdict.ok and verdict.entries == 4 and verdict.head_seq == 4  # the plan's import first
    newest = app.audit.entries(limit=1)[0]
    assert newest.action == "progress.return" and '"review":"returned"' in newest.after

    engine = app.store.engine
    with engine.begin() as conn:  # someone edits the stored reason
        conn.execute(text("UPDATE audit_log SET after = replace(after, '补充材料', '同意') WHERE seq = 4"))
    assert [(b.seq, b.reason) for b in app.audit.verify().breaks] == [(4, "altered")]
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET after = replace(after, '同意', '补充材料') WHERE seq = 4"))
    assert app.audit.verify().ok
    with engine.begin() as conn:  # an entry in the middle deleted
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    assert (3, "missing") in [(b.seq, b.reason) for b in app.audit.verify().breaks]


def test_audit_detects_deleting_the_newest_entries(app: App) -> None:
    task = env_task(app)
    app.workflow.submit_progress(DEPT, task, period="2024-04", status=TaskStatus.IN_PROGRESS, narrative="x")
    app.workflow.issue_notice(ADMIN, department=ENV, subject="s", body="b", due=dt.date(2024, 6, 1))
    with app.store.engine.begin() as conn:  # the newest (the plan's import is #1)
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    assert [b.reason for b in app.audit.verify().breaks] == ["head"]


def test_accounts_hash_throttle_and_sessions(app: App) -> None:
    user = app.accounts.add("sthjj", "correct horse battery", UserRole.DEPARTMENT, "苏州市", department=ENV)
    assert user.department == ENV
    with app.store.engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert stored.startswith("$argon2id$") and "correct" not in stored
    with pytest.raises(ConflictError):
        app.accounts.add("sthjj", "another password", UserRole.LEADER, "苏州市")
    for bad, message in [("x", "用户名"), ("ok_name", "密码至少")]:
        with pytest.raises(InputError, match=message):
            app.accounts.add(bad, "short" if bad == "ok_name" else "long enough pw", UserRole.LEADER, "苏州市")
    with pytest.raises(InputError, match="部门"):
        app.accounts.add("nodept", "long enough pw", UserRole.DEPARTMENT, "苏州市")

    session = app.accounts.login("sthjj", "correct horse battery")
    resolved = app.accounts.resolve(session.token)
    assert resolved is not None and resolved[0].username == "sthjj" and resolved[1] == session.csrf
    app.accounts.logout(session.token)
    assert app.accounts.resolve(session.token) is None

    for _ in range(5):
        with pytest.raises(AuthenticationError, match="用户名或密码错误"):
            app.accounts.login("sthjj", "wrong password!")
    with pytest.raises(AuthenticationError, match="分钟"):  # locked, even with the right password
        app.accounts.login("sthjj", "correct horse battery")
    app.workflow.clock.now += dt.timedelta(minutes=16)  # type: ignore[attr-defined]
    assert app.accounts.login("sthjj", "correct horse battery").user.username == "sthjj"
    with pytest.raises(AuthenticationError, match="用户名或密码错误"):
        app.accounts.login("nobody", "whatever password")
    assert any(e.action == "user.locked" for e in app.audit.entries())
    assert app.audit.verify().ok
    assert SYSTEM.role is UserRole.ADMIN


def test_sign_ins_are_throttled_per_address(app: App) -> None:
    for name in ("a1", "a2"):
        app.accounts.add(name, "correct horse battery", UserRole.LEADER, "苏州市")
    # 20 failures from one address, spread over user names (none of them reaches its own lock of 5)
    for i in range(20):
        with pytest.raises(AuthenticationError, match="用户名或密码错误"):
            app.accounts.login(("a1", "a2", "nobody", "x9", "y7")[i % 5], "wrong password!", "10.0.0.7")
        app.workflow.clock.now += dt.timedelta(seconds=30)  # type: ignore[attr-defined]
    # the address is refused, even with a right password (the oldest failure, 10 minutes ago, lapses in 5);
    # another address is not
    with pytest.raises(ThrottledError, match="该地址登录失败次数过多，请5分钟后再试") as refused:
        app.accounts.login("a1", "correct horse battery", "10.0.0.7")
    assert refused.value.field == "address"
    assert app.accounts.login("a2", "correct horse battery", "10.0.0.8").user.username == "a2"
    # once the oldest failure is 15 minutes old, the address may try again
    app.workflow.clock.now += dt.timedelta(minutes=5, seconds=1)  # type: ignore[attr-defined]
    assert app.accounts.login("a1", "correct horse battery", "10.0.0.7").user.username == "a1"


def test_responsibility_matrix_counts_each_task_once_per_department(tmp_path: Path) -> None:
    app = App.open(Settings.load(tmp_path / "matrix"))
    try:
        plan = tmp_path / "p.txt"
        plan.write_text(
            "测试市2024年大气污染防治工作计划\n一、任务\n"
            "1. 任务一，2024年6月底前完成。（市生态环境局牵头，市交通运输局配合）\n"
            "2. 任务二。（市生态环境局负责）\n"
            "3. 任务三。（市交通运输局牵头，市生态环境局配合）\n",
            encoding="utf-8",
        )
        app.plans.import_files([plan])
        app.workflow.clock = lambda: dt.datetime(2024, 7, 2, tzinfo=dt.UTC)
        rows = {r.department: r for r in app.workflow.matrix(SYSTEM)}
        env, transport = rows[ENV], rows[TRANSPORT]
        assert (env.tasks, env.roles[Role.LEAD], env.roles[Role.RESPONSIBLE], env.roles[Role.COOPERATING]) == (
            3,
            1,
            1,
            1,
        )
        assert (transport.tasks, transport.roles[Role.LEAD], transport.roles[Role.COOPERATING]) == (2, 1, 1)
        assert env.overdue == transport.overdue == 1 and env.completed == 0  # task 1 was due by 30 June
        assert [r.department for r in app.workflow.matrix(SYSTEM)] == [ENV, TRANSPORT]  # most tasks first
        assert app.workflow.matrix(NANJING) == []
    finally:
        app.close()
