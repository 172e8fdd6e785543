"""Account pages (账号): every user's own password (/account) and the 大气办's administration of the
accounts of its own place and of the places below it (/users). The services check the place and
audit each change (:mod:`lantian.services.accounts`); a refused input is shown beside its field,
with what was typed kept (passwords are never written back into a page).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from lantian.bootstrap import App
from lantian.domain.plans.departments import DepartmentKind, department_kind
from lantian.domain.targets.registry import place_key
from lantian.domain.tracking import access
from lantian.domain.tracking.model import Actor, UserRole
from lantian.errors import ConflictError, InputError, LantianError
from lantian.web import i18n, views
from lantian.web.deps import COOKIE, Viewer
from lantian.web.pages import back_to, page_reader, page_user, render

router = APIRouter(include_in_schema=False)
Username = Annotated[str, Path(min_length=1, max_length=100)]


def field_errors(error: LantianError, lang: str, default: str) -> dict[str, str]:
    return {error.field or default: i18n.error_text(error, lang, with_field=False)}


# ---------------------------------------------------------------- one's own password
@router.get("/account")
def account(request: Request, changed: str = "") -> HTMLResponse:
    page_reader(request)
    return render(request, "account.html", errors={}, changed=bool(changed))


@router.post("/account/password")
async def change_password(request: Request, old_password: Annotated[str, Form(max_length=200)] = "",
                          new_password: Annotated[str, Form(max_length=200)] = "",
                          confirm: Annotated[str, Form(max_length=200)] = "") -> Response:  # fmt: skip
    who = await page_user(request)
    assert who.user is not None
    try:
        if new_password != confirm:
            raise InputError("the two new passwords differ (两次输入的新密码不一致)", field="confirm")
        lantian = request.app.state.lantian
        lantian.accounts.change_password(who.user, old_password, new_password,
                                         session_token=request.cookies.get(COOKIE))  # fmt: skip
    except (InputError, ConflictError) as exc:
        errors = field_errors(exc, who.lang, "old_password")
        return render(request, "account.html", 422, errors=errors, changed=False)
    return back_to("/account?changed=1")


# ---------------------------------------------------------------- the 大气办's accounts
def account_places(app: App, actor: Actor) -> list[str]:
    """The places whose accounts ``actor`` may make: its own, then those below it that lantian knows
    (the area maps, the plans, the accounts), one name per place."""
    provinces = app.airquality.province_map()
    known = [actor.jurisdiction, *(u.jurisdiction for u in app.accounts.list()), *provinces, *provinces.values(),
             *app.airquality.county_map().values(),
             *(p.jurisdiction or "" for p in app.plans.list_plans())]  # fmt: skip
    lineage = app.workflow.ancestors
    out: dict[str, str] = {}
    for place in known:
        place = place.strip()
        if place and place_key(place) not in out and access.administers_accounts(actor, place, lineage):
            out[place_key(place)] = place
    own = out.pop(place_key(actor.jurisdiction), None)
    return ([own] if own else []) + sorted(out.values())


def real_departments(app: App) -> list[str]:
    """The departments the plans name (most tasks first), without levels of government and collectives."""
    return [name for name, _ in app.plans.departments() if department_kind(name) is DepartmentKind.DEPARTMENT]


def _users_page(request: Request, who: Viewer, status: int = 200, errors: dict[str, str] | None = None,
                values: dict[str, str] | None = None, done: str = "") -> HTMLResponse:  # fmt: skip
    app: App = request.app.state.lantian
    return render(
        request,
        "users.html",
        status,
        users=[views.user_json(u) | {"active": u.active} for u in app.accounts.users(who.actor)],
        places=account_places(app, who.actor),
        departments=real_departments(app),
        roles=list(UserRole),
        errors=errors or {},
        values=values or {"jurisdiction": who.actor.jurisdiction, "role": UserRole.DEPARTMENT.value},
        done=done,
    )


@router.get("/users")
def users(request: Request, done: str = "") -> HTMLResponse:
    who = page_reader(request)
    views.require_admin(who)
    return _users_page(request, who, done=done)


def _role(value: str) -> UserRole:
    try:
        return UserRole(value)
    except ValueError:
        raise InputError("choose a role (请选择角色)", field="role") from None


def _check_department(app: App, role: UserRole, department: str) -> str | None:
    if role is not UserRole.DEPARTMENT:
        return None
    if not department:
        raise InputError("a department user needs a department (部门用户须指定部门)", field="department")
    if department not in real_departments(app):
        raise InputError("choose a department from the list (请从列表中选择部门)", field="department")
    return department


@router.post("/users")
async def add_user(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    jurisdiction: Annotated[str, Form(max_length=200)] = "",
    department: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    who = await page_user(request)
    views.require_admin(who)
    app: App = request.app.state.lantian
    values = {"username": username, "display_name": display_name, "role": role, "jurisdiction": jurisdiction,
              "department": department}  # fmt: skip
    try:
        kind = _role(role)
        if jurisdiction not in account_places(app, who.actor):
            raise InputError("choose a place from the list (请从列表中选择辖区)", field="jurisdiction")
        chosen = _check_department(app, kind, department)
        user = app.accounts.add(username, password, kind, jurisdiction, department=chosen,
                                display_name=display_name, actor=who.actor, temporary=True)  # fmt: skip
    except (InputError, ConflictError) as exc:
        return _users_page(request, who, 422 if isinstance(exc, InputError) else 409,
                           field_errors(exc, who.lang, "username"), values)  # fmt: skip
    return back_to(f"/users/{user.username}?done=added")


def _user_page(request: Request, who: Viewer, username: str, status: int = 200,
               errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
               done: str = "") -> HTMLResponse:  # fmt: skip
    app: App = request.app.state.lantian
    user = app.accounts.user(who.actor, username)
    shown = views.user_json(user) | {"active": user.active, "created_at": user.created_at.isoformat()}
    return render(
        request,
        "user.html",
        status,
        user=shown,
        departments=real_departments(app),
        roles=list(UserRole),
        errors=errors or {},
        values=values or shown,
        done=done,
        temporary=app.accounts.must_change(user),
    )


@router.get("/users/{username}")
def user(username: Username, request: Request, done: str = "") -> HTMLResponse:
    who = page_reader(request)
    views.require_admin(who)
    return _user_page(request, who, username, done=done)


@router.post("/users/{username}")
async def change_user(
    username: Username,
    request: Request,
    display_name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    department: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    who = await page_user(request)
    views.require_admin(who)
    app: App = request.app.state.lantian
    app.accounts.user(who.actor, username)  # another place's account: refused before its input is read
    try:
        kind = _role(role)
        app.accounts.update(who.actor, username, role=kind, department=_check_department(app, kind, department) or "",
                            display_name=display_name)  # fmt: skip
    except (InputError, ConflictError) as exc:
        values = {"display_name": display_name, "role": role, "department": department}
        return _user_page(request, who, username, 422, field_errors(exc, who.lang, "display_name"), values)
    return back_to(f"/users/{username}?done=changed")


@router.post("/users/{username}/password")
async def reset_password(username: Username, request: Request,
                         password: Annotated[str, Form(max_length=200)] = "") -> Response:  # fmt: skip
    who = await page_user(request)
    views.require_admin(who)
    app: App = request.app.state.lantian
    app.accounts.user(who.actor, username)
    try:
        app.accounts.set_password(username, password, who.actor, temporary=True)
    except InputError as exc:
        return _user_page(request, who, username, 422, field_errors(exc, who.lang, "password"))
    return back_to(f"/users/{username}?done=password")


@router.post("/users/{username}/active")
async def set_active(username: Username, request: Request, active: Annotated[str, Form(max_length=5)] = "") -> Response:
    who = await page_user(request)
    views.require_admin(who)
    app: App = request.app.state.lantian
    app.accounts.user(who.actor, username)
    try:
        app.accounts.set_active(username, active == "1", who.actor)
    except InputError as exc:
        return _user_page(request, who, username, 422, field_errors(exc, who.lang, "active"))
    return back_to(f"/users/{username}?done={'enabled' if active == '1' else 'disabled'}")
