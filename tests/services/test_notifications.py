"""Notifications end to end: a real local SMTP server (aiosmtpd) and a real local HTTP webhook
receiver that checks the signature; retries with backoff; idempotency; the to-do list's counts;
and who gets what by place."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller

from lantian.bootstrap import App
from lantian.config import NotifySettings, Settings
from lantian.domain.notify import rules
from lantian.domain.notify.model import Kind, Status, TodoKind
from lantian.domain.plans.model import TaskStatus
from lantian.domain.tracking.model import SYSTEM, Actor, TicketSource, User, UserRole
from lantian.domain.tracking.workflow import TicketAction
from lantian.errors import ForbiddenError, InputError
from lantian.services.notify import NotificationService

ENV = "市生态环境局"
TRANSPORT = "市交通运输局"
SECRET = "SEC-test-secret"
PASSWORD = "a-long-test-password"
ADMIN = Actor("dqb", UserRole.ADMIN, "苏州市")
DEPT = Actor("sthjj", UserRole.DEPARTMENT, "苏州市", ENV)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2024, 5, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class Mailbox:
    """aiosmtpd's handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@dataclasses.dataclass
class Receiver:
    """A local robot: records each post, checks its signature, fails the first ``fail`` posts."""

    url: str
    fail: int = 0
    posts: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    bad_signatures: int = 0


@pytest.fixture
def robot() -> Iterator[Receiver]:
    receiver = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            stamp = self.headers.get(rules.TIMESTAMP_HEADER, "")
            ok = rules.verify(SECRET, stamp, body, self.headers.get(rules.SIGNATURE_HEADER, ""))
            query = parse_qs(urlsplit(self.path).query)
            expected = parse_qs(urlsplit(rules.signed_url("http://x/", SECRET, stamp)).query)
            dingtalk = query.get("sign") == expected["sign"] and query.get("timestamp") == [stamp]
            receiver.bad_signatures += not (ok and dingtalk)
            if receiver.fail > 0:
                receiver.fail -= 1
                self.send_response(500)
                self.end_headers()
                return
            receiver.posts.append({"path": self.path, "body": json.loads(body), "stamp": stamp})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errcode":0,"errmsg":"ok"}')

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/robot/send?access_token=abc"
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


PEOPLE = [("dqb", UserRole.ADMIN, "苏州市", None), ("sthjj", UserRole.DEPARTMENT, "苏州市", ENV),
          ("jtj", UserRole.DEPARTMENT, "苏州市", TRANSPORT), ("lingdao", UserRole.LEADER, "苏州市", None),
          ("nj", UserRole.ADMIN, "南京市", None), ("njhb", UserRole.DEPARTMENT, "南京市", ENV)]  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    """Seed 000 imported and the users added once; each test works on its own copy."""
    folder = tmp_path_factory.mktemp("template") / "data"
    app = App.open(Settings.load(folder))
    (seed,) = seeds_dir.glob("000_*.txt")
    app.plans.import_files([seed])
    for name, role, place, department in PEOPLE:
        user = app.accounts.add(name, PASSWORD, role, place, department=department)
        app.notify.set_email(user, f"{name}@example.org", SYSTEM)
    app.notify.collect()  # the set-up's own audit entries are not events
    app.close()
    return folder


def open_app(tmp_path: Path, template: Path, clock: Clock, notify: NotifySettings) -> App:
    folder = tmp_path / "data"
    shutil.copytree(template, folder)
    app = App.open(Settings.load(folder))
    for service in (app.workflow, app.audit, app.accounts):
        service.clock = clock
    app.notify = NotificationService(app.store, app.audit, app.workflow, notify, clock=clock)
    return app


@pytest.fixture
def settings(smtp: tuple[Mailbox, int]) -> NotifySettings:
    return NotifySettings(smtp_host="127.0.0.1", smtp_port=smtp[1], smtp_from="lantian@example.org",
                          retry_seconds=60, max_attempts=3, base_url="https://lantian.example.org",
                          digest_hour=-1)  # fmt: skip  # the digest has its own test


@pytest.fixture
def app(tmp_path: Path, template: Path, clock: Clock, settings: NotifySettings) -> Iterator[App]:
    lantian = open_app(tmp_path, template, clock, settings)
    yield lantian
    lantian.close()


def user(app: App, name: str) -> User:
    return app.notify.user(name)


def env_task(app: App) -> int:
    for ref, _ in app.workflow.visible_tasks(DEPT):
        names = [n for n, _ in ref.departments]
        if ENV in names and TRANSPORT not in names:
            return ref.id
    raise AssertionError("no task of 市生态环境局 alone in seed 000")


def issue(app: App, days: int = 10) -> int:
    notice = app.workflow.issue_notice(ADMIN, department=ENV, subject="扬尘整治督办", body="请报送整改情况",
                                       due=app.workflow.today() + dt.timedelta(days=days))  # fmt: skip
    return notice.id


def test_a_notice_is_mailed_to_the_unit_and_posted_signed_to_its_place_robot(
    app: App, smtp: tuple[Mailbox, int], robot: Receiver
) -> None:
    box, _ = smtp
    app.notify.add_webhook(robot.url, secret=SECRET, place="苏州市")
    app.notify.add_webhook(robot.url.replace("abc", "nanjing"), secret=SECRET, place="南京市")
    notice = issue(app)
    result = app.notify.run()
    assert result.sent >= 2 and result.failed == 0 and result.pending == 0
    mails = box.to("sthjj@example.org")
    assert len(mails) == 1 and "扬尘整治督办" in str(mails[0]["Subject"])
    content = mails[0].get_content()
    assert "请报送整改情况" in content and f"https://lantian.example.org/notices/{notice}" in content
    assert not box.to("jtj@example.org") and not box.to("njhb@example.org")  # another unit, another place
    # the robot of 苏州市 got it, signed both ways; 南京市's did not
    assert robot.bad_signatures == 0
    assert len(robot.posts) == 1 and "access_token=abc" in robot.posts[0]["path"]
    text = robot.posts[0]["body"]["text"]["content"]
    assert robot.posts[0]["body"]["msgtype"] == "text" and "扬尘整治督办" in text
    # in the app: the unit's users only
    assert [n.kind for n in app.notify.notifications(user(app, "sthjj"))] == [Kind.NOTICE]
    assert not app.notify.notifications(user(app, "jtj")) and not app.notify.notifications(user(app, "njhb"))
    # running again sends nothing twice
    again = app.notify.run()
    assert (again.events, again.notifications, again.queued, again.sent) == (0, 0, 0, 0)
    assert len(box.messages) == 1 and len(robot.posts) == 1
    log = app.notify.log()
    assert {(d.channel.value, d.status) for d in log} == {("email", Status.SENT), ("webhook", Status.SENT)}
    assert all(d.attempts == 1 and d.log[0].ok for d in log)


def test_a_failing_robot_is_retried_with_backoff_and_every_attempt_logged(
    app: App, robot: Receiver, clock: Clock
) -> None:
    robot.fail = 2
    app.notify.add_webhook(robot.url, secret=SECRET, place="苏州市", department=ENV)
    issue(app)
    first = app.notify.run()
    assert first.failed == 1 and first.pending == 1 and not robot.posts
    assert app.notify.run().failed == 0  # not due yet: the backoff holds it
    clock.advance(seconds=61)
    assert app.notify.run().failed == 1  # second attempt, after 60 s
    clock.advance(seconds=61)
    assert app.notify.run().sent == 0  # the next wait is 120 s
    clock.advance(seconds=60)
    assert app.notify.run().sent == 1 and len(robot.posts) == 1
    (hook,) = [d for d in app.notify.log() if d.channel.value == "webhook"]
    assert hook.status is Status.SENT and hook.attempts == 3
    assert [a.ok for a in hook.log] == [False, False, True] and hook.log[0].error == "HTTP 500 Internal Server Error"
    assert "access_token" not in json.dumps([d.target for d in app.notify.log()]) or hook.target == robot.url


def test_a_robot_that_keeps_failing_is_given_up_after_max_attempts(app: App, robot: Receiver, clock: Clock) -> None:
    robot.fail = 100
    app.notify.add_webhook(robot.url, secret=SECRET, place="苏州市")
    issue(app)
    for _ in range(5):
        app.notify.run()
        clock.advance(hours=1)
    (hook,) = [d for d in app.notify.log() if d.channel.value == "webhook"]
    assert hook.status is Status.FAILED and hook.attempts == 3 and len(hook.log) == 3


def test_escalation_rungs_reach_the_unit_and_then_its_leaders(app: App, smtp: tuple[Mailbox, int],
                                                              clock: Clock) -> None:  # fmt: skip
    box, _ = smtp
    issue(app, days=1)
    app.notify.run()
    clock.advance(days=2)  # one day late: 催办
    assert app.notify.run(escalate=True).escalated == 1
    subjects = [str(m["Subject"]) for m in box.to("sthjj@example.org")]
    assert any("催办" in s for s in subjects)
    assert not box.to("lingdao@example.org")
    clock.advance(days=6)  # seven days late: 通报批评, the leaders too
    app.notify.run(escalate=True)
    assert any("通报批评" in str(m["Subject"]) for m in box.to("lingdao@example.org"))
    kinds = [n.kind for n in app.notify.notifications(user(app, "sthjj"))]
    assert kinds.count(Kind.ESCALATION) == 2
    assert app.notify.run(escalate=True).queued == 0  # each rung once


def test_a_returned_report_and_a_ticket_assigned_and_sent_back_reach_the_unit(app: App, clock: Clock) -> None:
    task = env_task(app)
    report = app.workflow.submit_progress(DEPT, task, period="2024-04", status=TaskStatus.IN_PROGRESS,
                                          narrative="进展")  # fmt: skip
    app.workflow.review_progress(ADMIN, report.id, accept=False, reason="缺佐证材料", version=report.version)
    ticket = app.workflow.open_ticket(ADMIN, source=TicketSource.COMPLAINT, title="工地扬尘", description="投诉")
    ticket = app.workflow.ticket_step(ADMIN, ticket.id, TicketAction.ASSIGN, version=ticket.version, department=ENV,
                                      due=dt.date(2024, 6, 1))  # fmt: skip
    ticket = app.workflow.ticket_step(DEPT, ticket.id, TicketAction.RECTIFY, version=ticket.version, note="已覆盖")
    app.workflow.ticket_step(ADMIN, ticket.id, TicketAction.FAIL, version=ticket.version, note="仍有裸土")
    app.notify.run()
    mine = {n.kind: n for n in app.notify.notifications(user(app, "sthjj"))}
    assert set(mine) == {Kind.RETURNED, Kind.ASSIGNED, Kind.REWORK}
    assert "缺佐证材料" in mine[Kind.RETURNED].body and "仍有裸土" in mine[Kind.REWORK].body
    assert mine[Kind.ASSIGNED].link == f"/tickets/{ticket.id}"
    assert not app.notify.notifications(user(app, "jtj"))


def test_deadline_reminders_once_per_configured_day(app: App, smtp: tuple[Mailbox, int], clock: Clock) -> None:
    box, _ = smtp
    notice = issue(app, days=4)
    app.notify.run()

    def reminders() -> list[str]:
        return sorted(n.event_key for n in app.notify.notifications(user(app, "sthjj")) if n.kind is Kind.REMINDER
                      and n.link == f"/notices/{notice}")  # fmt: skip

    assert reminders() == [f"remind:notice:{notice}:7"]  # 4 days before: within 7, not yet 3
    clock.advance(days=1)  # 3 days before
    app.notify.run()
    clock.advance(hours=2)
    app.notify.run()
    clock.advance(days=1)  # 2 days before: the 3-day reminder was sent already
    app.notify.run()
    clock.advance(days=1)  # 1 day before
    app.notify.run()
    assert reminders() == [f"remind:notice:{notice}:1", f"remind:notice:{notice}:3", f"remind:notice:{notice}:7"]
    assert sum("督办将于" in str(m["Subject"]) for m in box.to("sthjj@example.org")) == 3


def test_reminder_days_are_configurable(tmp_path: Path, template: Path, clock: Clock,
                                        settings: NotifySettings) -> None:  # fmt: skip
    app = open_app(tmp_path, template, clock, dataclasses.replace(settings, remind_days=(2,)))
    try:
        notice = issue(app, days=4)
        app.notify.run()
        clock.advance(days=2)
        app.notify.run()
        keys = [n.event_key for n in app.notify.notifications(user(app, "sthjj")) if n.kind is Kind.REMINDER]
        assert f"remind:notice:{notice}:2" in keys and not any(k.endswith((":7", ":3", ":1")) for k in keys
                                                               if k.startswith("remind:notice"))  # fmt: skip
    finally:
        app.close()


def test_the_daily_digest_is_mailed_once_a_day_from_its_hour(tmp_path: Path, template: Path, clock: Clock,
                                                             settings: NotifySettings, smtp: tuple[Mailbox, int],
                                                             ) -> None:  # fmt: skip
    box, _ = smtp
    app = open_app(tmp_path, template, clock, dataclasses.replace(settings, digest_hour=8))
    try:
        check_digest(app, box, clock)
    finally:
        app.close()


def check_digest(app: App, box: Mailbox, clock: Clock) -> None:
    clock.now = dt.datetime(2024, 5, 9, 23, 0, tzinfo=dt.UTC)  # 07:00 in Beijing: before the hour
    app.notify.run()
    assert not [m for m in box.messages if "每日待办" in str(m["Subject"])]
    clock.advance(hours=1)  # 08:00
    app.notify.run()
    app.notify.run()
    digests = [m for m in box.to("sthjj@example.org") if "每日待办" in str(m["Subject"])]
    assert len(digests) == 1
    todo = app.notify.todo(DEPT)
    assert f"共 {todo.total} 项" in str(digests[0]["Subject"]) and "待报送调度" in digests[0].get_content()
    assert not box.to("lingdao@example.org")  # a leader has nothing to do
    clock.advance(days=1)
    app.notify.run()
    assert len([m for m in box.to("sthjj@example.org") if "每日待办" in str(m["Subject"])]) == 2


def test_nothing_is_sent_unless_configured(tmp_path: Path, template: Path, clock: Clock,
                                           smtp: tuple[Mailbox, int]) -> None:  # fmt: skip
    box, _ = smtp
    app = open_app(tmp_path, template, clock, NotifySettings())  # no SMTP host, no webhook
    try:
        issue(app)
        result = app.notify.run()
        assert result.queued == 0 and result.sent == 0 and not box.messages and not app.notify.log()
        assert [n.kind for n in app.notify.notifications(user(app, "sthjj"))] == [Kind.NOTICE]  # in the app only
    finally:
        app.close()


def test_todo_counts_equal_the_list_and_follow_the_workflow(app: App) -> None:
    task = env_task(app)
    dept_before = app.notify.todo(DEPT)
    assert app.notify.todo_count(DEPT) == dept_before.total
    for group in dept_before.groups:
        assert group.total == len(group.items) or len(group.items) == 100
    due = {g.kind: g for g in dept_before.groups}[TodoKind.REPORT_DUE]
    assert all(i.due == dt.date(2024, 5, 5) for i in due.items if "2024-04" in i.title)
    # a report filed leaves the list; the 大气办 gets it to review
    report = app.workflow.submit_progress(DEPT, task, period="2024-04", status=TaskStatus.IN_PROGRESS, narrative="x")
    assert app.notify.todo_count(DEPT) == dept_before.total - 1
    admin = app.notify.todo(ADMIN)
    review = {g.kind: g for g in admin.groups}[TodoKind.REVIEW]
    assert review.total == 1 and review.items[0].link == f"/tasks/{task}"
    assert app.notify.todo_count(ADMIN) == admin.total
    # returned: back on the unit's list, off the office's
    app.workflow.review_progress(ADMIN, report.id, accept=False, reason="补充", version=report.version)
    assert TodoKind.REVIEW not in {g.kind for g in app.notify.todo(ADMIN).groups}
    returned = {g.kind: g for g in app.notify.todo(DEPT).groups}[TodoKind.RETURNED]
    assert returned.total == 1 and returned.items[0].detail == "补充"
    # a 督办 to answer, for 市生态环境局 only; the office closes it once answered
    notice = issue(app)
    assert {g.kind: g.total for g in app.notify.todo(DEPT).groups}[TodoKind.NOTICE] == 1
    assert TodoKind.NOTICE not in {g.kind for g in app.notify.todo(Actor("jtj", UserRole.DEPARTMENT, "苏州市",
                                                                            TRANSPORT)).groups}  # fmt: skip
    app.workflow.answer_notice(DEPT, notice, answer="已整改", version=1)
    assert {g.kind: g.total for g in app.notify.todo(ADMIN).groups}[TodoKind.NOTICE_CLOSE] == 1
    assert app.notify.todo_count(DEPT) == app.notify.todo(DEPT).total
    assert app.notify.todo_count(Actor("lingdao", UserRole.LEADER, "苏州市")) == 0
    # another place's office sees none of it
    assert app.notify.todo(Actor("nj", UserRole.ADMIN, "南京市")).total == 0


def test_a_user_reads_and_changes_only_their_own(app: App) -> None:
    issue(app)
    app.notify.run()
    sthjj, jtj = user(app, "sthjj"), user(app, "jtj")
    (mine,) = app.notify.notifications(sthjj)
    assert app.notify.mark_read(jtj, [mine.id]) == 0  # another user's id changes nothing
    assert app.notify.unread(sthjj) == 1
    assert app.notify.mark_read(sthjj, [mine.id]) == 1 and app.notify.unread(sthjj) == 0
    with pytest.raises(ForbiddenError):
        app.notify.set_email(sthjj, "x@example.org", jtj.actor())
    with pytest.raises(InputError) as bad:
        app.notify.set_email(sthjj, "not an address")
    assert bad.value.field == "email"
    assert app.notify.set_email(sthjj, "").email is None
    with pytest.raises(ForbiddenError):  # a webhook is its own place's 大气办's to add
        app.notify.add_webhook("http://127.0.0.1:9/x", secret="", place="南京市", actor=ADMIN)
    with pytest.raises(InputError):
        app.notify.add_webhook("ftp://example.org/x", secret="", place="苏州市")
    assert app.notify.log(Actor("nj", UserRole.ADMIN, "南京市")) == []
    with pytest.raises(ForbiddenError):
        app.notify.log(DEPT)


def test_the_signature_is_the_documented_one() -> None:
    body = b'{"msgtype":"text"}'
    # base64(HMAC-SHA256("key", "1700000000000\n" + body)), computed independently with openssl:
    # printf '1700000000000\n{"msgtype":"text"}' | openssl dgst -sha256 -hmac key -binary | base64
    assert rules.signature("key", "1700000000000", body) == "Kf3tmIltNPUH0EzaDKcSfQsxRuQOF0S4Qm5kmn0YUmc="
    assert rules.reminder_rung(5, (7, 3, 1)) == 7 and rules.reminder_rung(2, (7, 3, 1)) == 3
    assert rules.reminder_rung(8, (7, 3, 1)) is None and rules.reminder_rung(-1, (7, 3, 1)) is None
    assert rules.backoff(1, dt.timedelta(seconds=60)) == dt.timedelta(seconds=60)
    assert rules.backoff(3, dt.timedelta(seconds=60)) == dt.timedelta(seconds=240)
    assert rules.backoff(30, dt.timedelta(seconds=60)) == rules.MAX_BACKOFF


def test_an_upgraded_database_announces_from_the_upgrade_on(app: App, smtp: tuple[Mailbox, int]) -> None:
    """0009 starts the cursor at the newest audit entry: history before the upgrade is not announced."""
    from lantian.storage.engine import downgrade, upgrade

    issue(app)  # happened "before the upgrade"
    downgrade(app.store.engine, "0008")
    upgrade(app.store.engine)
    assert app.notify.run().events == 0 and not app.notify.notifications(user(app, "sthjj"))
    app.notify.set_email(user(app, "sthjj"), "sthjj@example.org", SYSTEM)  # 0008 had no addresses
    issue(app)  # after it
    assert app.notify.run().notifications == 1
    assert len(smtp[0].to("sthjj@example.org")) == 1


def test_a_subject_over_two_lines_is_mailed_on_one(app: App, smtp: tuple[Mailbox, int]) -> None:
    app.workflow.issue_notice(ADMIN, department=ENV, subject="第一行\n第二行", body="b",
                              due=app.workflow.today() + dt.timedelta(days=20))  # fmt: skip
    assert app.notify.run().sent == 1
    (mail,) = smtp[0].to("sthjj@example.org")
    assert str(mail["Subject"]) == "【蓝天】督办：第一行 第二行"
