"""``lantian serve``, ``lantian users …``, ``lantian audit …`` and ``lantian notices escalate``: the
web app and what its administrator does from the command line."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from lantian.cli.common import DatabaseUrl, DataDir, JsonFlag, emit_table, open_app, out, print_json, settings
from lantian.errors import InputError

if TYPE_CHECKING:
    from lantian.services.audit import AnchoredVerdict

users_app = typer.Typer(help="账号管理 Accounts: add, list, set a password, disable.")
audit_app = typer.Typer(help="审计日志 The audit log: show it, verify its hash chain, record its anchor.")
notices_app = typer.Typer(help="督办 Supervision notices.")

PasswordOpt = Annotated[
    str | None,
    typer.Option("--password", envvar="LANTIAN_PASSWORD", help="密码 (default: asked for; or LANTIAN_PASSWORD)"),
]
TemporaryOpt = Annotated[
    bool, typer.Option("--temporary", help="临时密码：用户下次登录须修改 the user changes it at the next sign-in")
]


def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="监听地址 address (127.0.0.1: this machine only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", envvar="LANTIAN_PORT", help="端口 port (or LANTIAN_PORT)")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="进程数 worker processes (PostgreSQL only above 1)")] = 1,
    secure_cookies: Annotated[
        bool, typer.Option("--secure-cookies", help="Secure 会话 cookie (behind an HTTPS reverse proxy)")
    ] = False,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option("--trusted-proxy", help="可信反向代理 address or CIDR whose X-Forwarded-For is believed (repeat)"),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """启动网页端 Start the web app (pages, /public, the API under /api/v1)."""
    import uvicorn

    from lantian.bootstrap import App
    from lantian.web import views
    from lantian.web.app import create_app

    config = settings(data_dir, database_url)
    if workers > 1 and config.is_sqlite:
        raise InputError("SQLite has one writer: use --workers 1 or PostgreSQL (SQLite 仅支持单进程)", field="workers")
    App.open(config).close()  # create the data folder and migrate before the first request
    os.environ["LANTIAN_DATA_DIR"] = str(config.data_dir)
    os.environ["LANTIAN_DATABASE_URL"] = config.database_url
    if secure_cookies:
        os.environ["LANTIAN_SECURE_COOKIES"] = "1"
    if trusted_proxy:
        os.environ["LANTIAN_TRUSTED_PROXIES"] = ",".join(trusted_proxy)
    views.trusted_proxies(os.environ.get("LANTIAN_TRUSTED_PROXIES", ""))  # a bad one stops here (exit 3)
    # uvicorn's own proxy headers stay off: it would believe X-Forwarded-For from 127.0.0.1 whatever
    # sent it; lantian reads the header itself, from the proxies named (views.client_address)
    out.print(f"lantian: http://{host}:{port}/  (公开页 /public · API /api/v1 · 文档 /api/docs)")
    if workers > 1:
        uvicorn.run("lantian.web.asgi:app", host=host, port=port, workers=workers, proxy_headers=False,
                    log_level="info")  # fmt: skip
    else:
        uvicorn.run(create_app(config), host=host, port=port, proxy_headers=False, log_level="info")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="用户名 user name")],
    role: Annotated[str, typer.Option("--role", help="admin (大气办) | department (部门) | leader (领导, 只读)")],
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="辖区 jurisdiction (苏州市…)")],
    department: Annotated[str | None, typer.Option("--department", help="部门 (department users)")] = None,
    name: Annotated[str, typer.Option("--name", help="显示名称 display name")] = "",
    password: PasswordOpt = None,
    temporary: TemporaryOpt = False,
    email: Annotated[str | None, typer.Option("--email", help="电子邮箱 where notifications are mailed")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """新增账号 Add a local account (argon2id hash; the password is never stored)."""
    from lantian.domain.tracking.model import SYSTEM, USER_ROLE_LABELS, UserRole
    from lantian.services.notify import check_email

    try:
        kind = UserRole(role)
    except ValueError:
        raise InputError(f"unknown role {role!r}; use admin | department | leader", field="role") from None
    check_email(email)  # before the password is asked for
    secret = password or getpass.getpass("密码 password: ")
    with open_app(data_dir, database_url) as lantian:
        if kind is UserRole.DEPARTMENT and department:  # the name the tasks use (生态环境局 → 市生态环境局)
            stored = {name for name, _ in lantian.plans.departments()}
            named = [n for n in lantian.plans.resolve_departments(department) if n in stored]
            department = named[0] if len(named) == 1 else lantian.plans.dictionary.normalize(department)
        user = lantian.accounts.add(username, secret, kind, jurisdiction, department=department, display_name=name,
                                    temporary=temporary)  # fmt: skip
        if email:
            user = lantian.notify.set_email(user, email, SYSTEM)
    out.print(
        f"已新增 added {user.username} · {USER_ROLE_LABELS[user.role]} · {user.jurisdiction}"
        + (f" · {user.department}" if user.department else "")
    )


@users_app.command("list")
def users_list(as_json: JsonFlag = False, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """账号列表 List the accounts."""
    from lantian.domain.tracking.model import USER_ROLE_LABELS

    with open_app(data_dir, database_url) as lantian:
        users = lantian.accounts.list()
    if as_json:  # the shape of GET /api/v1/users
        from lantian.web.users_api import UserOut

        print_json([UserOut.of(u).model_dump(mode="json") for u in users])
        return
    table = Table("用户名 user", "名称 name", "角色 role", "辖区 place", "部门 department", "状态 active")
    for u in users:
        table.add_row(
            u.username,
            u.display_name,
            USER_ROLE_LABELS[u.role],
            u.jurisdiction,
            u.department or "",
            "启用" if u.active else "停用",
        )
    emit_table(table)


@users_app.command("password")
def users_password(username: Annotated[str, typer.Argument(help="用户名")], password: PasswordOpt = None,
                   temporary: TemporaryOpt = False, data_dir: DataDir = None,
                   database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """重置密码 Set a new password (ends the user's sessions; --temporary: to be changed at the next sign-in)."""
    secret = password or getpass.getpass("新密码 new password: ")
    with open_app(data_dir, database_url) as lantian:
        lantian.accounts.set_password(username, secret, temporary=temporary)
    out.print(f"已重置 password set for {username}" + (" (临时密码 temporary)" if temporary else ""))


@users_app.command("update")
def users_update(
    username: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str | None, typer.Option("--role", help="admin | department | leader")] = None,
    department: Annotated[str | None, typer.Option("--department", help="部门 (department users)")] = None,
    name: Annotated[str | None, typer.Option("--name", help="显示名称 display name")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """修改账号 Change an account's role, department or display name (audited)."""
    from lantian.domain.tracking.model import SYSTEM, USER_ROLE_LABELS, UserRole

    try:
        kind = UserRole(role) if role is not None else None
    except ValueError:
        raise InputError(f"unknown role {role!r}; use admin | department | leader", field="role") from None
    with open_app(data_dir, database_url) as lantian:
        if department:  # the name the tasks use (生态环境局 → 市生态环境局)
            stored = {n for n, _ in lantian.plans.departments()}
            named = [n for n in lantian.plans.resolve_departments(department) if n in stored]
            department = named[0] if len(named) == 1 else lantian.plans.dictionary.normalize(department)
        user = lantian.accounts.update(SYSTEM, username, role=kind, department=department, display_name=name)
    out.print(
        f"已修改 updated {user.username} · {user.display_name} · {USER_ROLE_LABELS[user.role]} · {user.jurisdiction}"
        + (f" · {user.department}" if user.department else "")
    )


@users_app.command("set-email")
def users_set_email(username: Annotated[str, typer.Argument(help="用户名")],
                    email: Annotated[str, typer.Argument(help="电子邮箱 address ('' : none, in the app only)")],
                    data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """设置邮箱 Set the address a user's notifications are mailed to ('' clears it)."""
    from lantian.domain.tracking.model import SYSTEM

    with open_app(data_dir, database_url) as lantian:
        user = lantian.notify.set_email(lantian.notify.user(username), email, SYSTEM)
    out.print(f"已设置 {username} 的邮箱 email set: {user.email or '（无 none）'}")


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="用户名")], enable: Annotated[
        bool, typer.Option("--enable", help="重新启用 enable again")] = False,
                  data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """停用账号 Disable an account (or --enable it again)."""
    with open_app(data_dir, database_url) as lantian:
        lantian.accounts.set_active(username, enable)
    out.print(f"{'已启用 enabled' if enable else '已停用 disabled'} {username}")


AnchorOpt = Annotated[
    Path | None,
    typer.Option(
        "--anchor", help="锚点文件 anchor file (default: audit-anchor.txt in the data folder); keep a copy elsewhere"
    ),
]


@audit_app.command("verify")
def audit_verify(
    anchor: AnchorOpt = None,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="只校验，不追加锚点 check only (a read-only copy of the anchor file)")
    ] = False,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """校验审计链 Verify the audit log's hash chain and check it against the anchor file (entries missing or
    rewritten since an anchor); when intact, record the head there. Exit status 1 when anything is broken."""
    from lantian.services.audit import anchor_file

    with open_app(data_dir, database_url) as lantian:
        verdict = lantian.audit.verify_anchored(anchor or anchor_file(lantian.settings.data_dir), record=not no_record)
    if as_json:
        print_json(verdict.as_dict())
    else:
        _print_verdict(verdict)
    if not verdict.ok:
        raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor(
    anchor: AnchorOpt = None, as_json: JsonFlag = False, data_dir: DataDir = None, database_url: DatabaseUrl = None
) -> None:
    """记录审计锚点 Record the audit log's head (count and hash) in the anchor file, after verifying it; print the
    line to keep elsewhere. Nothing is recorded when the log is broken (exit status 1)."""
    from lantian.services.audit import anchor_file

    with open_app(data_dir, database_url) as lantian:
        verdict = lantian.audit.verify_anchored(anchor or anchor_file(lantian.settings.data_dir))
    if as_json:
        print_json(verdict.as_dict())
    elif verdict.recorded is not None:
        a = verdict.recorded
        out.print(f"已记录审计锚点 anchor recorded: 第{a.count}条 · 校验值 {a.hash} · {a.at} → {verdict.file}")
        out.print(f"  {a.line()}")
    else:
        _print_verdict(verdict)
    if not verdict.ok:
        raise typer.Exit(1)


def _print_verdict(verdict: AnchoredVerdict) -> None:
    chain, held = verdict.chain, verdict.anchors
    if chain.ok and held.ok:
        out.print(f"审计链完整 intact: {chain.entries} entries · head #{chain.head_seq} {chain.head_hash}")
    elif chain.ok:
        out.print(f"哈希链自身一致 the chain agrees with itself: {chain.entries} entries · head #{chain.head_seq}")
    else:
        out.print(f"[red]审计链被篡改 TAMPERED[/red]: {chain.entries} entries")
        for b in chain.breaks:
            out.print(f"  #{b.seq}: {b.reason}")
    if not held.ok:
        out.print(f"[red]与审计锚点不符 anchors broken[/red] ({verdict.file}):")
        for problem in held.problems():
            out.print(f"  {problem}")
    elif held.held is not None:
        a = held.held
        out.print(f"与审计锚点一致 anchors hold: {held.anchors} 个锚点，最新 第{a.count}条 · {a.at} ({verdict.file})")
    else:
        out.print(f"尚无审计锚点 no anchors yet ({verdict.file})")
    if verdict.recorded is not None:
        a = verdict.recorded
        out.print(f"已记录锚点 anchor recorded: 第{a.count}条 · {a.at}")
    elif not verdict.ok:
        out.print("未记录锚点 no anchor recorded: 审计日志不完整 the log is broken")


@audit_app.command("log")
def audit_log(
    entity: Annotated[str | None, typer.Option("--entity", help="progress | notice | ticket | user | plan | …")] = None,
    entity_id: Annotated[str | None, typer.Option("--id", help="记录编号 record id")] = None,
    limit: Annotated[int, typer.Option("--limit", help="条数 entries (newest first)")] = 50,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """审计日志 The newest entries: who, when, what, before → after."""
    with open_app(data_dir, database_url) as lantian:
        entries = lantian.audit.entries(entity=entity, entity_id=entity_id, limit=limit)
    if as_json:
        print_json([e.__dict__ for e in entries])
        return
    for e in entries:
        out.print(f"#{e.seq} {e.at[:19]} {e.actor} {e.action} {e.entity} {e.entity_id}: {e.before} → {e.after}")


@notices_app.command("escalate")
def notices_escalate(as_json: JsonFlag = False, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """督办升级 Record the rung every late, unanswered notice has reached (催办 → 通报批评 → 约谈)."""
    from lantian.domain.tracking.model import SYSTEM

    with open_app(data_dir, database_url) as lantian:
        moved = lantian.workflow.escalate(SYSTEM)
        ladder = lantian.workflow.settings.ladder
    if as_json:
        print_json(
            [
                {
                    "id": n.id,
                    "department": n.department,
                    "due": n.due,
                    "rung": n.escalation,
                    "name": ladder[n.escalation - 1].name,
                }
                for n in moved
            ]
        )
        return
    for n in moved:
        out.print(f"#{n.id} {n.department} {n.subject} · 时限 {n.due} → {ladder[n.escalation - 1].name}")
    if not moved:
        out.print("没有需要升级的督办 nothing to escalate")
