"""待办与通知 pages and API: ``/todo`` (the user's to-do list, whose count the navigation shows),
``/notifications`` (the user's own notifications, their e-mail address, and for the 大气办 the
delivery log of its place), and the same under ``/api/v1``. docs/notifications.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from lantian.bootstrap import App
from lantian.domain.notify.model import (
    CHANNEL_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    Delivery,
    Notification,
    Todo,
)
from lantian.domain.tracking.model import UserRole
from lantian.errors import LantianError
from lantian.web.api import Who
from lantian.web.deps import Viewer, lantian
from lantian.web.pages import back_to, page_reader, page_user, render, templates

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["todo"])
log = logging.getLogger("lantian.notify")


# ---------------------------------------------------------------- schemas (shared with `lantian notify … --json`)
class TodoItemOut(BaseModel):
    kind: str = Field(description="report_due | returned | notice | ticket | review | flag | notice_close | …")
    title: str
    detail: str
    link: str = Field(description="the page where it is done")
    due: dt.date | None = None
    days_left: int | None = Field(None, description="days to the due date; negative: days overdue")


class TodoGroupOut(BaseModel):
    kind: str
    label: str = Field(description="待审核报送 …")
    total: int = Field(description="all of them; items lists the first 100")
    items: list[TodoItemOut]
    more: str = Field(description="the page listing every one")


class TodoOut(BaseModel):
    as_of: dt.date
    total: int = Field(description="the count the navigation shows")
    groups: list[TodoGroupOut]


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(description="notice | escalation | returned | assigned | rework | reminder | digest")
    kind_label: str
    subject: str
    body: str
    link: str
    place: str
    created_at: dt.datetime
    read: bool


class NotificationsOut(BaseModel):
    unread: int
    email: str | None = Field(description="where the user's notifications are mailed (None: in the app only)")
    notifications: list[NotificationOut]


class ReadIn(BaseModel):
    ids: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] | None = Field(
        None, max_length=1000, description="the notifications to mark read; none: all"
    )


class ReadOut(BaseModel):
    changed: int


class EmailIn(BaseModel):
    email: str = Field("", max_length=320, description="empty: no e-mail")


class AttemptOut(BaseModel):
    attempt: int
    at: dt.datetime
    ok: bool
    error: str | None


class DeliveryOut(BaseModel):
    id: int
    channel: str = Field(description="email | webhook")
    target: str
    subject: str
    place: str
    status: str = Field(description="pending | sent | failed")
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    next_at: dt.datetime
    log: list[AttemptOut]


def todo_out(todo: Todo) -> TodoOut:
    groups = [
        TodoGroupOut(
            kind=g.kind.value,
            label=g.label,
            total=g.total,
            more=g.more,
            items=[
                TodoItemOut(
                    kind=i.kind.value, title=i.title, detail=i.detail, link=i.link, due=i.due, days_left=i.days_left
                )
                for i in g.items
            ],
        )
        for g in todo.groups
    ]
    return TodoOut(as_of=todo.as_of, total=todo.total, groups=groups)


def notification_out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.id,
        kind=n.kind.value,
        kind_label=KIND_LABELS[n.kind],
        subject=n.subject,
        body=n.body,
        link=n.link,
        place=n.place,
        created_at=n.created_at,
        read=n.read_at is not None,
    )


def delivery_out(d: Delivery) -> DeliveryOut:
    target = d.target.split("?")[0] if d.channel.value == "webhook" else d.target  # a robot's access token stays out
    return DeliveryOut(
        id=d.id,
        channel=d.channel.value,
        target=target,
        subject=d.subject,
        place=d.place,
        status=d.status.value,
        attempts=d.attempts,
        last_error=d.last_error,
        created_at=d.created_at,
        sent_at=d.sent_at,
        next_at=d.next_at,
        log=[AttemptOut(**a.__dict__) for a in d.log],
    )


# ---------------------------------------------------------------- the navigation's count
def nav_count(request: Request) -> int:
    """The signed-in user's to-do count, for base.html (0 when nobody is signed in)."""
    who: Viewer | None = getattr(request.state, "viewer", None)
    if who is None or who.user is None:
        return 0
    return lantian(request).notify.todo_count(who.actor)


templates.env.globals["todo_count"] = nav_count
templates.env.globals["NOTIFY_KIND_LABELS"] = KIND_LABELS
templates.env.globals["DELIVERY_STATUS_LABELS"] = STATUS_LABELS
templates.env.globals["CHANNEL_LABELS"] = CHANNEL_LABELS


# ---------------------------------------------------------------- pages
@router.get("/todo")
def todo_page(request: Request) -> HTMLResponse:
    who = page_reader(request)
    app = lantian(request)
    assert who.user is not None
    todo = app.notify.todo(who.actor)
    unread = app.notify.notifications(who.user, unread_only=True, limit=20)
    return render(request, "todo.html", todo=todo_out(todo), unread=[notification_out(n) for n in unread])


def _notifications_page(
    request: Request,
    who: Viewer,
    status: int = 200,
    *,
    email: str | None = None,
    error: str | None = None,
    saved: bool = False,
) -> HTMLResponse:
    app = lantian(request)
    user = who.user
    assert user is not None
    rows = [notification_out(n) for n in app.notify.notifications(user)]
    deliveries = [delivery_out(d) for d in app.notify.log(who.actor, 50)] if user.role is UserRole.ADMIN else []
    return render(
        request,
        "notifications.html",
        status,
        notifications=rows,
        deliveries=deliveries,
        email=user.email if email is None else email,
        email_error=error,
        saved=saved,
        mail_on=app.settings.notify.email,
    )


@router.get("/notifications")
def notifications_page(request: Request, saved: int = 0) -> HTMLResponse:
    return _notifications_page(request, page_reader(request), saved=bool(saved))


@router.post("/notifications/read")
async def read_page(request: Request) -> Response:
    who = await page_user(request)
    assert who.user is not None
    form = await request.form()
    ids = [int(x) for x in form.getlist("id") if isinstance(x, str) and x.isdigit() and len(x) < 10]
    await run_in_threadpool(lantian(request).notify.mark_read, who.user, ids or None)
    target = str(form.get("next") or "")
    return back_to(target if target in ("/todo", "/notifications") else "/notifications")


@router.post("/notifications/email")
async def email_page(request: Request, email: Annotated[str, Form(max_length=320)] = "") -> Response:
    who = await page_user(request)
    assert who.user is not None
    try:
        await run_in_threadpool(lantian(request).notify.set_email, who.user, email)
    except LantianError as exc:
        return _notifications_page(request, who, 422, email=email, error=exc.message)
    return back_to("/notifications?saved=1")


# ---------------------------------------------------------------- API
@api.get("/todo", summary="待办 the user's to-do list", response_model=TodoOut)
def todo_api(request: Request, who: Who) -> TodoOut:
    return todo_out(lantian(request).notify.todo(who.actor))


@api.get("/notifications", summary="通知 the user's own notifications", response_model=NotificationsOut)
def notifications_api(request: Request, who: Who, unread: bool = False) -> NotificationsOut:
    assert who.user is not None
    rows = lantian(request).notify.notifications(who.user, unread_only=unread)
    return NotificationsOut(
        unread=lantian(request).notify.unread(who.user),
        email=who.user.email,
        notifications=[notification_out(n) for n in rows],
    )


@api.post("/notifications/read", summary="标为已读 mark the user's own notifications read", response_model=ReadOut)
def read_api(request: Request, who: Who, body: ReadIn) -> ReadOut:
    assert who.user is not None
    return ReadOut(changed=lantian(request).notify.mark_read(who.user, body.ids))


@api.put("/notifications/email", summary="通知邮箱 set the user's own e-mail address", response_model=NotificationsOut)
def email_api(request: Request, who: Who, body: EmailIn) -> NotificationsOut:
    assert who.user is not None
    user = lantian(request).notify.set_email(who.user, body.email)
    return NotificationsOut(unread=lantian(request).notify.unread(user), email=user.email, notifications=[])


@api.get(
    "/notifications/log",
    summary="投递记录 the delivery log of the user's place (大气办)",
    response_model=list[DeliveryOut],
)
def log_api(request: Request, who: Who, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[DeliveryOut]:
    return [delivery_out(d) for d in lantian(request).notify.log(who.actor, limit)]


# ---------------------------------------------------------------- background sending inside `lantian serve`
@asynccontextmanager
async def background(app: App) -> AsyncIterator[None]:
    """Run :meth:`NotificationService.run` every ``LANTIAN_NOTIFY_INTERVAL`` seconds while the server
    runs (0: never; then cron runs ``lantian notify run``)."""
    interval = app.settings.notify.interval
    if interval <= 0:
        yield
        return

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                result = await run_in_threadpool(app.notify.run)
                if result.sent or result.failed:
                    log.info("notify: %s", result.as_dict())
            except Exception:  # a database or network failure: logged, tried again next time
                log.exception("notify run failed")

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
