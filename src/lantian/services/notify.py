"""To-dos and notifications (待办与通知).

- **待办**: each user's list, computed from the workflow for the user's role, unit and place (a
  department: its reports due, reports returned, 督办 to answer, tickets to rectify; the 大气办:
  reports to review, flags, 督办 to close, tickets to assign, check and close). Every group is
  counted by the store; the navigation's count is kept until anything changes (the audit head).
- **Events** are read from the audit log (every workflow change is audited in its own transaction):
  :meth:`NotificationService.collect` turns the entries after its cursor into in-app notifications
  and queued deliveries (督办 issued, each escalation rung, a report returned, a ticket assigned or
  sent back for rework). Deadline reminders and the daily digest are worked out by
  :meth:`NotificationService.remind` and :meth:`NotificationService.digest`.
- **Deliveries** (e-mail, webhooks) are stored first and sent by :meth:`NotificationService.deliver`,
  each attempt logged, retried with backoff up to ``max_attempts``. Every event has a key, once per
  user and per target: running twice sends nothing twice.

``lantian notify run`` does all of it (for cron); ``lantian serve`` does it every
``LANTIAN_NOTIFY_INTERVAL`` seconds in the background. docs/notifications.md has the whole story.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

from lantian.config import NotifySettings
from lantian.domain.notify import rules
from lantian.domain.notify.model import (
    Channel,
    Delivery,
    Kind,
    Message,
    Notification,
    Todo,
    TodoGroup,
    TodoItem,
    TodoKind,
    Webhook,
)
from lantian.domain.plans.model import to_jsonable
from lantian.domain.targets.registry import place_key
from lantian.domain.tracking import access, overdue
from lantian.domain.tracking.audit import StoredEntry
from lantian.domain.tracking.model import SYSTEM, Actor, NoticeState, ReviewState, TicketState, User, UserRole
from lantian.domain.tracking.overdue import Rhythm
from lantian.errors import ConfigError, ForbiddenError, InputError
from lantian.services.audit import _WRITE_LOCK, AuditTrail
from lantian.services.clock import Clock, beijing, utc_now
from lantian.services.tracking import WorkflowService, _kept
from lantian.storage.notify import NotificationRepository
from lantian.storage.store import Store

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")
PAGE_ITEMS = 100  # items shown per to-do group (the group's count is of all)
AUDIT_BATCH = 500


class Channels(Protocol):
    """What sends: e-mail and webhook posts. Raises on failure (the reason is logged)."""

    def email(self, to: str, subject: str, body: str) -> None: ...

    def webhook(self, url: str, secret: str, body: bytes, at: dt.datetime) -> None: ...


class NetworkChannels:
    """The standard library's SMTP client and HTTP client."""

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    def email(self, to: str, subject: str, body: str) -> None:
        s = self.settings
        if not s.email:
            raise ConfigError("未配置邮件服务器 LANTIAN_SMTP_HOST (no mail server set)", field="LANTIAN_SMTP_HOST")
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = s.smtp_from, to, "【蓝天】" + " ".join(subject.split())
        mail["Message-ID"] = make_msgid(domain=s.smtp_from.rsplit("@", 1)[-1])
        mail.set_content(body)
        client: smtplib.SMTP
        if s.smtp_ssl:
            client = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout)
        with client:
            if s.smtp_starttls:
                client.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                client.login(s.smtp_user, s.smtp_password)
            client.send_message(mail)

    def webhook(self, url: str, secret: str, body: bytes, at: dt.datetime) -> None:
        stamp = str(int(at.timestamp() * 1000))
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "lantian"}
        if secret:
            headers[rules.TIMESTAMP_HEADER] = stamp
            headers[rules.SIGNATURE_HEADER] = rules.signature(secret, stamp, body)
            url = rules.signed_url(url, secret, stamp)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=self.settings.timeout) as response:  # check_url: http(s) only
            answer = response.read(65536)
        try:  # 钉钉 and 政务微信 answer 200 with {"errcode": …} when they refuse a message
            reply = json.loads(answer or b"{}")
        except ValueError:
            return
        if isinstance(reply, dict) and reply.get("errcode") not in (None, 0):
            raise RuntimeError(f"robot refused: errcode {reply.get('errcode')} {reply.get('errmsg', '')}".strip())


@dataclass(frozen=True)
class RunResult:
    """What one ``notify run`` did (``lantian notify run --json``)."""

    escalated: int
    events: int  # audit entries read
    notifications: int  # in-app notifications added
    queued: int  # deliveries queued
    sent: int
    failed: int  # attempts that failed (retried later, or given up)
    given_up: int
    pending: int  # still waiting to be sent

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"无法连接 (cannot connect): {exc.reason}"
    return f"{type(exc).__name__}: {exc}"[:500]


def check_email(email: str | None) -> str | None:
    value = (email or "").strip()
    if not value:
        return None
    if not EMAIL.match(value) or len(value) > 320:
        raise InputError(f"电子邮箱格式不正确：{value}", field="email")
    return value


class NotificationService:
    def __init__(
        self,
        store: Store,
        audit: AuditTrail,
        workflow: WorkflowService,
        settings: NotifySettings,
        *,
        clock: Clock = utc_now,
        channels: Channels | None = None,
    ) -> None:
        self.store = store
        self.audit = audit
        self.workflow = workflow
        self.settings = settings
        self.clock = clock
        self.channels: Channels = channels or NetworkChannels(settings)
        self._counts: dict[tuple[Any, ...], int] = {}
        self._reminded = ""  # the hour (Beijing time) whose reminders were worked out

    def today(self) -> dt.date:
        return beijing(self.clock()).date()

    # ---------------------------------------------------------------- 待办
    def todo(self, actor: Actor, limit: int = PAGE_ITEMS) -> Todo:
        """``actor``'s to-do list: every group counted by the store, the first ``limit`` items listed."""
        with self.store.notifications_read() as repo:
            return Todo(self.today(), self._todo(actor, repo, limit))

    def todo_count(self, actor: Actor) -> int:
        """How many to-dos ``actor`` has (the navigation's count): the same as :meth:`todo`'s total,
        kept until anything changes (a workflow change moves the audit head; a plan import the plans)."""
        if actor.role is UserRole.LEADER:
            return 0
        with self.store.notifications_read() as repo:
            key = (actor, self.today(), repo.tracking.change_marker())
            return _kept(self._counts, key, lambda: sum(g.total for g in self._todo(actor, repo, 0)))

    def _own(self, actor: Actor, stored: Iterable[str | None]) -> list[str] | None:
        """The stored names of ``actor``'s own place (None: every place, for an everywhere-admin)."""
        if access.is_everywhere(actor):
            return None
        mine = place_key(actor.jurisdiction)
        return sorted({p for p in stored if p and place_key(p) == mine} | {actor.jurisdiction})

    def _todo(self, actor: Actor, repo: NotificationRepository, limit: int) -> list[TodoGroup]:
        today = self.today()
        groups: list[TodoGroup] = []
        places = self._own(actor, repo.tracking.record_places())

        def days(due: dt.date | None) -> int | None:
            return None if due is None else (due - today).days

        def notices(kind: TodoKind, state: NoticeState, department: str | None) -> None:
            total, rows = repo.notices_in(state.value, places, department, limit)
            items = [
                TodoItem(kind, str(r.subject), str(r.department), f"/notices/{r.id}", r.due, days(r.due)) for r in rows
            ]
            groups.append(TodoGroup(kind, total, items, "/notices"))

        def tickets(kind: TodoKind, state: TicketState, department: str | None) -> None:
            total, rows = repo.tickets_in([state.value], places, department, limit)
            items = [
                TodoItem(kind, str(r.title), str(r.department or ""), f"/tickets/{r.id}", r.due, days(r.due))
                for r in rows
            ]
            groups.append(TodoGroup(kind, total, items, f"/tickets?state={state.value}"))

        def reports(kind: TodoKind, review: ReviewState, department: str | None) -> None:
            total, found = repo.reports_by_review(review.value, places, department, limit)
            items = [
                TodoItem(
                    kind,
                    f"{r.plan_key} {r.task_number}" + (f"（{r.subtask}）" if r.subtask else "") + f" · {r.period}",
                    r.review_reason or r.department,
                    f"/tasks/{r.task_id}",
                )
                for r in found
            ]
            groups.append(TodoGroup(kind, total, items, f"/progress?review={review.value}"))

        if actor.role is UserRole.DEPARTMENT:
            if actor.department is None:
                return []
            self._reports_due(actor, repo, limit, groups)
            reports(TodoKind.RETURNED, ReviewState.RETURNED, actor.department)
            notices(TodoKind.NOTICE, NoticeState.ISSUED, actor.department)
            tickets(TodoKind.TICKET, TicketState.ASSIGNED, actor.department)
        elif actor.role is UserRole.ADMIN:
            reports(TodoKind.REVIEW, ReviewState.SUBMITTED, None)
            pairs = repo.tracking.plan_places()
            mine = place_key(actor.jurisdiction)
            flag_places = None if places is None else [p for p, _ in pairs if p and place_key(p) == mine]
            offices = [str(o) for p, o in pairs if not (p or "").strip() and o and place_key(o) == mine]
            total, rows = repo.open_flags(flag_places, offices, limit)
            flags = [
                TodoItem(
                    TodoKind.FLAG,
                    f"{r.key}" + (f" 第{r.task_number}项" if r.task_number else ""),
                    f"原文第 {r.line} 行",
                    "/plans",
                )
                for r in rows
            ]
            groups.append(TodoGroup(TodoKind.FLAG, total, flags, "/plans"))
            notices(TodoKind.NOTICE_CLOSE, NoticeState.ANSWERED, None)
            tickets(TodoKind.TICKET_ASSIGN, TicketState.FOUND, None)
            tickets(TodoKind.TICKET_CHECK, TicketState.RECTIFIED, None)
            tickets(TodoKind.TICKET_CLOSE, TicketState.VERIFIED, None)
        return [g for g in groups if g.total]

    def report_rounds(self) -> list[dict[Rhythm, str]]:
        """The rounds whose reports are to do today, per rhythm (调度频次): the newest one due (late when
        still owed), then the last period ended while its grace lasts (due soon)."""
        today, schedule = self.today(), self.workflow.settings.schedule
        late = {r: p for r, p in schedule.last_due(today).items() if p}
        soon = {r: ps[0] for r in Rhythm if len(ps := schedule.open_periods(today, r)) > 1}
        return [d for d in (late, soon) if d]

    def _reports_due(self, actor: Actor, repo: NotificationRepository, limit: int, groups: list[TodoGroup]) -> None:
        today, settings = self.today(), self.workflow.settings
        schedule = settings.schedule
        scope = self.workflow.scope(actor, repo.tracking)
        total, items = 0, list[TodoItem]()
        for due in self.report_rounds():
            count, rows = repo.reports_missing(scope, due, settings.clause_reporters, max(limit - len(items), 0),
                                               settings.rhythm)  # fmt: skip
            total += count
            refs = {ref.id: ref for ref, _ in repo.tracking.task_refs([task_id for task_id, _ in rows])} if rows else {}
            for i, _ in rows:
                if i not in refs:
                    continue
                period = due[schedule.of(refs[i])]
                when = schedule.due(period)
                items.append(TodoItem(TodoKind.REPORT_DUE, f"{refs[i].plan_key} {refs[i].number} · "
                                      f"{overdue.period_label(period)}", refs[i].text, f"/tasks/{i}", when,
                                      (when - today).days))  # fmt: skip
        groups.append(TodoGroup(TodoKind.REPORT_DUE, total, items, "/tasks"))

    # ---------------------------------------------------------------- in-app notifications
    def notifications(self, user: User, *, unread_only: bool = False, limit: int = 100) -> list[Notification]:
        """The user's own notifications, newest first."""
        with self.store.notifications_read() as repo:
            return repo.notifications(user.id, limit=limit, unread_only=unread_only)

    def unread(self, user: User) -> int:
        with self.store.notifications_read() as repo:
            return repo.unread(user.id)

    def mark_read(self, user: User, ids: Iterable[int] | None = None) -> int:
        """Mark the user's own notifications read (another user's ids change nothing)."""
        with self.store.notifications() as repo:
            return repo.mark_read(user.id, None if ids is None else list(ids), self.clock())

    def set_email(self, user: User, email: str | None, actor: Actor | None = None) -> User:
        """Set (or clear) the address the user's notifications are mailed to: the user's own, or any
        user's from the command line."""
        who = actor or user.actor()
        if who is not SYSTEM and who.username != user.username:
            raise ForbiddenError("只能设置本人的邮箱", field="email")
        value = check_email(email)
        with _WRITE_LOCK, self.store.notifications() as repo:
            repo.set_email(user.id, value)
            self.audit.record(
                repo.tracking, who, "user.email", "user", user.username, {"email": user.email}, {"email": value}
            )
            return repo.tracking.user(user.id)

    def user(self, username: str) -> User:
        with self.store.tracking_read() as repo:
            row = repo.user_row(username)
            if row is None:
                raise InputError(f"没有该用户 (no user {username})", field="username")
            return repo.user(int(row.id))

    # ---------------------------------------------------------------- webhooks
    def add_webhook(
        self, url: str, *, secret: str, place: str, department: str | None = None, actor: Actor = SYSTEM
    ) -> Webhook:
        url, place = rules.check_url(url), place.strip()
        if not place:
            raise InputError("which place's events it receives (群机器人须指定辖区)", field="place")
        access.require_admin(actor, place)
        with _WRITE_LOCK, self.store.notifications() as repo:
            hook_id = repo.add_webhook(url, secret.strip(), place, (department or "").strip() or None, self.clock())
            hook = repo.webhook(hook_id)
            self.audit.record(
                repo.tracking, actor, "webhook.add", "webhook", hook_id, None, _hook_dict(hook), places=[place]
            )
            return hook

    def webhooks(self) -> list[Webhook]:
        with self.store.notifications_read() as repo:
            return repo.webhooks()

    def remove_webhook(self, webhook_id: int, actor: Actor = SYSTEM) -> Webhook:
        with _WRITE_LOCK, self.store.notifications() as repo:
            hook = repo.webhook(webhook_id)
            access.require_admin(actor, hook.place)
            repo.remove_webhook(webhook_id)
            self.audit.record(
                repo.tracking,
                actor,
                "webhook.remove",
                "webhook",
                webhook_id,
                _hook_dict(hook),
                None,
                places=[hook.place],
            )
            return hook

    # ---------------------------------------------------------------- events → notifications
    def _message(self, repo: NotificationRepository, entry: StoredEntry) -> Message | None:
        """The message an audit entry announces (None: nothing to announce)."""
        after = json.loads(entry.after)
        if not isinstance(after, dict):
            return None
        if entry.action == "notice.issue":
            return Message(
                Kind.NOTICE,
                f"notice:{after['id']}",
                f"督办：{after['subject']}",
                f"{after['jurisdiction']}大气办向{after['department']}下发督办，办理时限 {after['due']}。\n"
                f"{after.get('body', '')}".strip(),
                f"/notices/{after['id']}",
                str(after["jurisdiction"]),
                str(after["department"]),
            )
        if entry.action == "notice.escalate":
            notice = repo.tracking.notice(int(entry.entity_id))
            rung = int(after["escalation"])
            name = str(after.get("rung") or self.workflow.settings.ladder[rung - 1].name)
            late = (self.today() - notice.due).days
            return Message(
                Kind.ESCALATION,
                f"escalate:{notice.id}:{rung}",
                f"{name}：{notice.subject}",
                f"督办“{notice.subject}”办理时限 {notice.due}，已逾期 {late} 天未回复，升级为{name}。",
                f"/notices/{notice.id}",
                notice.jurisdiction,
                notice.department,
                leaders=rung >= 2,
            )
        if entry.action == "progress.return":
            return Message(
                Kind.RETURNED,
                f"returned:{entry.entity_id}:{after['version']}",
                f"报送被退回：{after['plan_key']} {after['task_number']}（{after['period']}）",
                f"退回理由：{after.get('review_reason') or '—'}",
                f"/tasks/{after['task_id']}",
                str(after["jurisdiction"]),
                str(after["department"]),
            )
        if entry.action in ("ticket.assign", "ticket.fail"):
            ticket = repo.tracking.ticket(int(entry.entity_id))
            if entry.action == "ticket.assign":
                kind, subject, body = Kind.ASSIGNED, f"问题交办：{ticket.title}", f"请于 {ticket.due} 前完成整改。"
            else:
                note = ticket.steps[-1].note if ticket.steps else ""
                kind, subject = Kind.REWORK, f"整改未通过核查：{ticket.title}"
                body = f"核查不通过，请于 {ticket.due} 前重新整改。理由：{note or '—'}"
            return Message(
                kind,
                f"ticket:{ticket.id}:{entry.action}:{after['version']}",
                subject,
                body,
                f"/tickets/{ticket.id}",
                ticket.jurisdiction,
                ticket.department,
            )
        return None

    @staticmethod
    def recipients(users: Iterable[User], message: Message) -> list[User]:
        """The active users a message is for: the users of its unit in its place (the place's 大气办
        when it names none), and its leaders when it says so."""
        place = place_key(message.place)
        out = []
        for u in users:
            if not u.active or place_key(u.jurisdiction) != place:
                continue
            if message.department is not None and u.role is UserRole.DEPARTMENT and u.department == message.department:
                out.append(u)
            elif message.department is None and u.role is UserRole.ADMIN:
                out.append(u)
            elif message.leaders and u.role is UserRole.LEADER:
                out.append(u)
        return out

    def _outgoing(self, message: Message) -> Message:
        """The message as mailed or posted: with the page's address when the site's is known."""
        if not (self.settings.base_url and message.link):
            return message
        return Message(
            message.kind,
            message.key,
            message.subject,
            f"{message.body}\n{self.settings.base_url}{message.link}",
            message.link,
            message.place,
            message.department,
            message.leaders,
        )

    def _announce(
        self, repo: NotificationRepository, message: Message, users: list[User], hooks: list[Webhook], now: dt.datetime
    ) -> tuple[int, int]:
        """Store ``message`` for its recipients and queue its deliveries; (notifications, deliveries)
        added (none when it was announced before)."""
        added = queued = 0
        outgoing = self._outgoing(message)
        for user in self.recipients(users, message):
            added += repo.add_notification(user.id, message, now) is not None
            if self.settings.email and user.email:
                queued += repo.add_delivery(Channel.EMAIL, user.email, None, outgoing, now)
        for hook in hooks:
            if rules.hears(hook, message.place, message.department):
                queued += repo.add_delivery(Channel.WEBHOOK, hook.url, hook.id, outgoing, now)
        return added, queued

    def collect(self) -> tuple[int, int, int]:
        """Turn the audit entries after the cursor into notifications and deliveries; (entries read,
        notifications added, deliveries queued). The cursor moves in the same transaction."""
        events = added = queued = 0
        while True:
            with _WRITE_LOCK, self.store.notifications() as repo:
                start = repo.cursor()
                entries = repo.audit_after(start, AUDIT_BATCH)
                if not entries:
                    return events, added, queued
                users, hooks, now = repo.tracking.users(), repo.webhooks(), self.clock()
                for entry in entries:
                    message = self._message(repo, entry)
                    if message is not None:
                        a, q = self._announce(repo, message, users, hooks, now)
                        added, queued = added + a, queued + q
                repo.set_cursor(entries[-1].seq)
                events += len(entries)

    # ---------------------------------------------------------------- reminders and the digest
    def remind(self) -> tuple[int, int]:
        """Deadline reminders (到期提醒), ``remind_days`` before each due date: tasks' last deadlines
        and the monthly reports still owed (per unit), 督办 not answered and tickets not rectified
        (each). Each (thing, N) is announced once. (notifications, deliveries) added."""
        days = self.settings.remind_days
        if not days:
            return 0, 0
        today, now = self.today(), self.clock()
        last = today + dt.timedelta(days=max(days))
        schedule = self.workflow.settings.schedule
        messages: list[Message] = []

        def rung(due: dt.date) -> int | None:
            return rules.reminder_rung((due - today).days, days)

        with self.store.notifications_read() as repo:
            users = repo.tracking.users()
            units = sorted(
                {
                    (u.jurisdiction, u.department)
                    for u in users
                    if u.active and u.role is UserRole.DEPARTMENT and u.department
                }
            )
            for place, department in units:
                assert department is not None
                actor = Actor(f"unit:{department}", UserRole.DEPARTMENT, place, department)
                scope = self.workflow.scope(actor, repo.tracking)
                by_day: dict[dt.date, list[int]] = {}
                for task_id, unit, due in repo.deadlines_between(scope, today, last):
                    if unit == department:
                        by_day.setdefault(due, []).append(task_id)
                for due, ids in sorted(by_day.items()):
                    n = rung(due)
                    if n is None:
                        continue
                    refs = [ref for ref, _ in repo.tracking.task_refs(ids[:20])]
                    listed = "\n".join(f"· {r.plan_key} {r.number} {r.text[:60]}" for r in refs)
                    more = f"\n等共 {len(ids)} 项" if len(ids) > len(refs) else ""
                    messages.append(
                        Message(
                            Kind.REMINDER,
                            f"remind:tasks:{place}:{department}:{due}:{n}",
                            f"{len(ids)} 项任务将于 {due} 到期（还有 {(due - today).days} 天）",
                            listed + more,
                            "/todo",
                            place,
                            department,
                        )
                    )
                for rhythm in Rhythm:  # each round of reports due in the days ahead, at each rhythm
                    for period in overdue.periods_due_between(today, last, rhythm, schedule.grace(rhythm)):
                        due = schedule.due(period)
                        n = rung(due)
                        if n is None:
                            continue
                        settings = self.workflow.settings
                        count, _ = repo.reports_missing(scope, {rhythm: period}, settings.clause_reporters, 0,
                                                        settings.rhythm)  # fmt: skip
                        if count:
                            label = overdue.period_label(period)
                            messages.append(
                                Message(
                                    Kind.REMINDER,
                                    f"remind:reports:{place}:{department}:{period}:{n}",
                                    f"{label} 调度报送将于 {due} 截止，尚有 {count} 项未报",
                                    f"请于 {due} 前报送 {label} 的工作进展。",
                                    "/todo",
                                    place,
                                    department,
                                )
                            )
            for notice_id, place, department, subject, due in repo.notices_due_between(today, last):
                n = rung(due)
                if n is not None:
                    messages.append(
                        Message(
                            Kind.REMINDER,
                            f"remind:notice:{notice_id}:{n}",
                            f"督办将于 {due} 到期：{subject}",
                            f"督办“{subject}”办理时限 {due}（还有 {(due - today).days} 天），请及时回复。",
                            f"/notices/{notice_id}",
                            place,
                            department,
                        )
                    )
            for ticket_id, place, department, title, due in repo.tickets_due_between(today, last):
                n = rung(due)
                if n is not None:
                    messages.append(
                        Message(
                            Kind.REMINDER,
                            f"remind:ticket:{ticket_id}:{n}",
                            f"问题整改将于 {due} 到期：{title}",
                            f"问题“{title}”整改时限 {due}（还有 {(due - today).days} 天）。",
                            f"/tickets/{ticket_id}",
                            place,
                            department,
                        )
                    )
        added = queued = 0
        with _WRITE_LOCK, self.store.notifications() as repo:
            users, hooks = repo.tracking.users(), repo.webhooks()
            for message in messages:
                a, q = self._announce(repo, message, users, hooks, now)
                added, queued = added + a, queued + q
        return added, queued

    def digest(self) -> int:
        """The daily digest (每日待办), mailed once a day from ``digest_hour`` (Beijing time) to each
        user with an address and something to do; how many were queued."""
        s = self.settings
        now = self.clock()
        if not s.email or s.digest_hour < 0 or beijing(now).hour < s.digest_hour:
            return 0
        day = self.today()
        queued = 0
        with self.store.notifications_read() as repo:
            users = [u for u in repo.tracking.users() if u.active and u.email and u.role is not UserRole.LEADER]
            wanted = [u for u in users if not repo.has_delivery(Channel.EMAIL, str(u.email), f"digest:{day}:{u.id}")]
        for user in wanted:
            todo = self.todo(user.actor(), limit=5)
            if not todo.total:
                continue
            lines = [f"{g.label}：{g.total} 项" + "".join(f"\n  · {i.title}" for i in g.items) for g in todo.groups]
            message = Message(
                Kind.DIGEST,
                f"digest:{day}:{user.id}",
                f"每日待办（{day}）：共 {todo.total} 项",
                "\n".join(lines),
                "/todo",
                user.jurisdiction,
                user.department,
            )
            with _WRITE_LOCK, self.store.notifications() as repo:
                queued += repo.add_delivery(Channel.EMAIL, str(user.email), None, self._outgoing(message), now)
        return queued

    # ---------------------------------------------------------------- sending
    def deliver(self) -> tuple[int, int, int]:
        """Send every delivery due, once each (a failure waits its backoff); (sent, failed, given up)."""
        sent = failed = given_up = 0
        base = dt.timedelta(seconds=self.settings.retry_seconds)
        hold = dt.timedelta(seconds=self.settings.timeout * 3 + 30)
        with self.store.notifications_read() as repo:
            due = repo.due(self.clock())
            hooks = {h.id: h for h in repo.webhooks()}
        for delivery in due:
            with self.store.notifications() as repo:
                if not repo.claim(delivery, self.clock() + hold):
                    continue  # another sender has it
            error = self._send(delivery, hooks)
            at = self.clock()
            give_up = error is not None and delivery.attempts + 1 >= self.settings.max_attempts
            with self.store.notifications() as repo:
                repo.record_attempt(
                    delivery, at, error, give_up=give_up, next_at=at + rules.backoff(delivery.attempts + 1, base)
                )
            sent += error is None
            failed += error is not None
            given_up += give_up
        return sent, failed, given_up

    def _send(self, delivery: Delivery, hooks: dict[int, Webhook]) -> str | None:
        """Send once; the reason it failed, or None."""
        try:
            if delivery.channel is Channel.EMAIL:
                self.channels.email(delivery.target, delivery.subject, delivery.body)
            else:
                hook = hooks.get(delivery.webhook_id or 0)
                if hook is None:
                    return "群机器人已删除 (the webhook was removed)"
                self.channels.webhook(
                    hook.url, hook.secret, rules.payload(delivery.subject, delivery.body), self.clock()
                )
        except Exception as exc:  # any failure of the network or the server is logged and retried
            return _describe(exc)
        return None

    def run(self, *, escalate: bool = False) -> RunResult:
        """Everything, once (``lantian notify run``): escalate late 督办 (when asked), read the audit
        log's new events, work out reminders and digests, and send what is due. Idempotent."""
        moved = len(self.workflow.escalate(SYSTEM)) if escalate else 0
        events, added, queued = self.collect()
        # reminders are day-granular: worked out once an hour by a long-running sender (the server)
        hour = beijing(self.clock()).strftime("%Y-%m-%d %H")
        a = q = 0
        if hour != self._reminded:
            a, q = self.remind()
            self._reminded = hour
        q2 = self.digest()
        sent, failed, given_up = self.deliver()
        with self.store.notifications_read() as repo:
            pending = repo.pending()
        return RunResult(moved, events, added + a, queued + q + q2, sent, failed, given_up, pending)

    def log(self, actor: Actor = SYSTEM, limit: int = 100) -> list[Delivery]:
        """The delivery log: everything from the command line; an admin's own place's otherwise."""
        if actor.role is not UserRole.ADMIN:
            raise ForbiddenError("仅大气办管理员可查看投递记录 (the 大气办's log)")
        with self.store.notifications_read() as repo:
            places = self._own(actor, repo.delivery_places())
            return repo.deliveries(limit=limit, places=places)


def _hook_dict(hook: Webhook) -> dict[str, Any]:
    d = dict(to_jsonable(hook))
    d["secret"] = "***" if hook.secret else ""  # never in the audit log
    return d
