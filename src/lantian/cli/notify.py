"""``lantian notify …``: send what is due (for cron or a systemd timer), the delivery log, the
webhooks (群机器人) of a place, and a user's to-do list. docs/notifications.md."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from lantian.cli.common import DatabaseUrl, DataDir, JsonFlag, open_app, out, print_json

app = typer.Typer(help="待办与通知 To-dos and notifications: send what is due, the delivery log, webhooks.")
webhook_app = typer.Typer(help="群机器人 Webhooks of 政务微信 / 钉钉-style robots, per place (or department).")
app.add_typer(webhook_app, name="webhook")


@app.command("run")
def run_cmd(
    escalate: Annotated[
        bool,
        typer.Option("--escalate", help="先升级逾期督办 first record late 督办's new rungs (催办 → 通报批评 → 约谈)"),
    ] = False,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """发送通知 Turn new events into notifications, work out reminders and the daily digest, and send
    what is due (retrying failures with backoff). Idempotent: run it every few minutes."""
    with open_app(data_dir, database_url) as lantian:
        result = lantian.notify.run(escalate=escalate)
    if as_json:
        print_json(result.as_dict())
        return
    out.print(
        f"事件 events {result.events} · 站内通知 notifications {result.notifications} · 排队 queued {result.queued}"
        f" · 已发送 sent {result.sent} · 失败 failed {result.failed} (放弃 given up {result.given_up})"
        f" · 待发送 pending {result.pending}" + (f" · 督办升级 escalated {result.escalated}" if escalate else "")
    )


@app.command("log")
def log_cmd(
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000, help="条数 newest deliveries")] = 50,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """投递记录 The delivery log: channel, target, status, attempts, last error, time."""
    from lantian.domain.notify.model import CHANNEL_LABELS, STATUS_LABELS, Channel, Status
    from lantian.web.todo import delivery_out

    with open_app(data_dir, database_url) as lantian:
        rows = [delivery_out(d) for d in lantian.notify.log(limit=limit)]
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table(
        "#",
        "时间 time",
        "渠道 channel",
        "接收方 target",
        "内容 subject",
        "状态 status",
        "尝试 attempts",
        "最近错误 last error",
    )
    for r in rows:
        table.add_row(
            str(r.id),
            r.created_at.strftime("%Y-%m-%d %H:%M"),
            CHANNEL_LABELS[Channel(r.channel)],
            r.target,
            r.subject,
            STATUS_LABELS[Status(r.status)],
            str(r.attempts),
            r.last_error or "",
        )
    out.print(table)


@app.command("todo")
def todo_cmd(
    username: Annotated[str, typer.Argument(help="用户名 user name")],
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """待办 A user's to-do list, as /todo shows it."""
    from lantian.web.todo import todo_out

    with open_app(data_dir, database_url) as lantian:
        todo = todo_out(lantian.notify.todo(lantian.notify.user(username).actor()))
    if as_json:
        print_json(todo.model_dump(mode="json"))
        return
    out.print(f"{username} 待办 {todo.total} 项（截至 {todo.as_of}）")
    for g in todo.groups:
        out.print(f"{g.label} {g.total}")
        for i in g.items:
            out.print(f"  · {i.title}" + (f"  时限 {i.due}" if i.due else ""))


@webhook_app.command("add")
def webhook_add(
    url: Annotated[str, typer.Argument(help="机器人地址 the robot's webhook URL")],
    place: Annotated[str, typer.Option("--place", help="辖区 the place whose events it receives (苏州市)")],
    secret: Annotated[
        str,
        typer.Option(
            "--secret", envvar="LANTIAN_WEBHOOK_SECRET", help="签名密钥 signing secret (HMAC-SHA256; '' : unsigned)"
        ),
    ] = "",
    department: Annotated[
        str | None, typer.Option("--department", help="只接收该部门的事件 one department's only")
    ] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """新增群机器人 Add a webhook: the place's events (督办, 催办, 退回, 交办, reminders) are posted to it."""
    with open_app(data_dir, database_url) as lantian:
        if department:
            department = lantian.plans.dictionary.normalize(department)
        hook = lantian.notify.add_webhook(url, secret=secret, place=place, department=department)
    if as_json:
        print_json(
            {
                "id": hook.id,
                "url": hook.url,
                "place": hook.place,
                "department": hook.department,
                "signed": bool(hook.secret),
            }
        )
        return
    out.print(
        f"已新增 added webhook #{hook.id} · {hook.place}"
        + (f" · {hook.department}" if hook.department else "")
        + (" · 签名 signed" if hook.secret else " · 未签名 unsigned")
    )


@webhook_app.command("list")
def webhook_list(as_json: JsonFlag = False, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """群机器人列表 The webhooks (secrets are not shown)."""
    with open_app(data_dir, database_url) as lantian:
        hooks = lantian.notify.webhooks()
    if as_json:
        print_json(
            [
                {
                    "id": h.id,
                    "url": h.url.split("?")[0],
                    "place": h.place,
                    "department": h.department,
                    "signed": bool(h.secret),
                }
                for h in hooks
            ]
        )
        return
    table = Table("#", "地址 URL", "辖区 place", "部门 department", "签名 signed")
    for h in hooks:
        table.add_row(str(h.id), h.url.split("?")[0], h.place, h.department or "全部", "是" if h.secret else "否")
    out.print(table)


@webhook_app.command("remove")
def webhook_remove(
    webhook_id: Annotated[int, typer.Argument(help="编号 the webhook's #")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """删除群机器人 Remove a webhook (its queued deliveries go with it)."""
    with open_app(data_dir, database_url) as lantian:
        hook = lantian.notify.remove_webhook(webhook_id)
    out.print(f"已删除 removed webhook #{hook.id} · {hook.place}")
