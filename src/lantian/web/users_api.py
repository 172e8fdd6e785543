"""Accounts in the API (账号管理): ``/api/v1/users`` for the 大气办 (the accounts of its own place
and of the places below it) and ``/api/v1/account/password`` for every signed-in user. The services
check the place and audit the change (:mod:`lantian.services.accounts`). :class:`UserOut` is also
what ``lantian users list --json`` prints.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from lantian.domain.tracking.model import USER_ROLE_LABELS, User, UserRole
from lantian.web.api import Who
from lantian.web.deps import COOKIE, lantian

router = APIRouter(prefix="/api/v1", tags=["users"])
Username = Annotated[str, Path(min_length=1, max_length=100)]


class UserOut(BaseModel):
    """An account (账号): never its password or its hash."""

    username: str
    display_name: str
    role: UserRole = Field(description="admin 大气办管理员 | department 部门用户 | leader 领导(只读)")
    role_label: str
    jurisdiction: str = Field(description="辖区")
    department: str | None = Field(description="部门 (department users)")
    active: bool = Field(description="启用 (false: 已停用, cannot sign in)")
    created_at: dt.datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            role_label=USER_ROLE_LABELS[user.role],
            jurisdiction=user.jurisdiction,
            department=user.department,
            active=user.active,
            created_at=user.created_at,
        )


class UserIn(BaseModel):
    username: str = Field(max_length=64, description="用户名: 2–64 letters, digits, _ . -")
    password: str = Field(max_length=200, description="临时密码: the user changes it at the first sign-in")
    role: UserRole
    jurisdiction: str | None = Field(default=None, max_length=200, description="辖区; default the admin's own")
    department: str | None = Field(default=None, max_length=200, description="部门 (department users)")
    display_name: str = Field(default="", max_length=200)


class UserChange(BaseModel):
    """What changes; members left out stay as they are."""

    role: UserRole | None = None
    department: str | None = Field(default=None, max_length=200)
    display_name: str | None = Field(default=None, max_length=200)


class PasswordReset(BaseModel):
    password: str = Field(max_length=200, description="the new password, at least 10 characters")
    temporary: bool = Field(default=True, description="the user changes it at the next sign-in")


class ActiveIn(BaseModel):
    active: bool


class PasswordChange(BaseModel):
    old_password: str = Field(max_length=200)
    new_password: str = Field(max_length=200)


@router.get("/users", summary="账号列表 the accounts of the admin's place and the places below it")
def users(request: Request, who: Who) -> list[UserOut]:
    return [UserOut.of(u) for u in lantian(request).accounts.users(who.actor)]


@router.post("/users", summary="新增账号 add an account (its password is temporary)", status_code=201)
def add_user(body: UserIn, request: Request, who: Who) -> UserOut:
    user = lantian(request).accounts.add(
        body.username,
        body.password,
        body.role,
        body.jurisdiction or who.actor.jurisdiction,
        department=body.department,
        display_name=body.display_name,
        actor=who.actor,
        temporary=True,
    )
    return UserOut.of(user)


@router.get("/users/{username}", summary="账号 one account")
def user(username: Username, request: Request, who: Who) -> UserOut:
    return UserOut.of(lantian(request).accounts.user(who.actor, username))


@router.patch("/users/{username}", summary="修改角色、部门或显示名称 change role, department or name")
def change_user(username: Username, body: UserChange, request: Request, who: Who) -> UserOut:
    accounts = lantian(request).accounts
    return UserOut.of(
        accounts.update(who.actor, username, role=body.role, department=body.department, display_name=body.display_name)
    )


@router.post("/users/{username}/password", summary="重置密码 set a (temporary) password")
def reset_password(username: Username, body: PasswordReset, request: Request, who: Who) -> UserOut:
    accounts = lantian(request).accounts
    accounts.set_password(username, body.password, who.actor, temporary=body.temporary)
    return UserOut.of(accounts.user(who.actor, username))


@router.post("/users/{username}/active", summary="停用或启用 deactivate or reactivate")
def set_active(username: Username, body: ActiveIn, request: Request, who: Who) -> UserOut:
    accounts = lantian(request).accounts
    accounts.set_active(username, body.active, who.actor)
    return UserOut.of(accounts.user(who.actor, username))


@router.post("/account/password", summary="修改本人密码 change one's own password", status_code=204)
def change_password(body: PasswordChange, request: Request, who: Who) -> Response:
    assert who.user is not None
    lantian(request).accounts.change_password(
        who.user, body.old_password, body.new_password, session_token=request.cookies.get(COOKIE)
    )
    return Response(status_code=204)
