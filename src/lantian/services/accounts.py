"""Accounts and sessions (账号与会话): local users with argon2 hashes, login throttling, sessions.

- Passwords are hashed with argon2id (argon2-cffi's defaults); only hashes are stored.
- After ``max_failures`` consecutive wrong passwords an account is locked for ``lock_minutes``
  (登录限制); the message never says whether the user name exists: a name that is no account is
  locked the same way after as many failures (counted in this process's memory), so the lock
  message does not tell an attacker which names are real.
- After ``max_address_failures`` failed sign-ins from one client address within ``lock_minutes``
  (whatever the user names tried), that address is refused until the oldest of them is that old:
  guessing across many accounts is slowed too. Counted in this process's memory.
- A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256, with a
  CSRF token and an expiry. Signing out or changing the password ends the sessions (changing one's
  own password ends the others, not the one it was changed in).
- Account administration (账号管理): an admin manages the accounts of its own place and of the
  places below it (:func:`~lantian.domain.tracking.access.administers_accounts`); the command line
  manages all. Every change is audited, with the account's place (the log shows it to that office).
- A password set by someone else (an admin's reset or a new account made on a page, ``temporary``)
  is temporary: its user changes it before anything else (:meth:`AccountService.must_change`). The
  mark is the audit entry that set the password, so no column is needed: the newest ``user.add`` or
  ``user.password`` entry of the account says ``"password": "temporary"``.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import json
import re
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from lantian.domain.plans.departments import KIND_LABELS, DepartmentKind, department_kind
from lantian.domain.tracking import access
from lantian.domain.tracking.model import SYSTEM, Actor, User, UserRole
from lantian.errors import AuthenticationError, ConflictError, ForbiddenError, InputError, NotFoundError, ThrottledError
from lantian.services.audit import AuditTrail
from lantian.services.clock import Clock, utc_now
from lantian.storage.store import Store

MIN_PASSWORD = 10
MAX_PASSWORD = 200
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
WRONG = "wrong user name or password (用户名或密码错误)"
TEMPORARY = "temporary"  # the audit's mark of a password its user has to change
GONE = "no such user (没有该用户)"


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5  # wrong passwords in a row that lock an account
    lock_minutes: int = 15
    session_hours: int = 12
    max_address_failures: int = 20  # failed sign-ins from one address within lock_minutes (an office's NAT)


@dataclass(frozen=True)
class Session:
    token: str  # goes in the cookie, never stored
    csrf: str
    user: User
    expires: dt.datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AccountService:
    def __init__(self, store: Store, audit: AuditTrail, *, policy: LoginPolicy | None = None,
                 clock: Clock = utc_now, ancestors: Callable[[str], list[str]] | None = None) -> None:  # fmt: skip
        self.store = store
        self.audit = audit
        self.ancestors: Callable[[str], list[str]] = ancestors or (lambda place: [])
        self._temporary: dict[int, tuple[str, bool]] = {}  # user id → (password hash, must change)
        self.policy = policy or LoginPolicy()
        self.clock = clock
        self.hasher = PasswordHasher()
        self._dummy = self.hasher.hash("lantian-timing-equaliser")
        self._address_failures: dict[str, deque[dt.datetime]] = {}
        self._unknown_failures: dict[str, deque[dt.datetime]] = {}  # names that are no account
        self._address_lock = threading.Lock()

    def _recent(self, failures: dict[str, deque[dt.datetime]], key: str, now: dt.datetime) -> int:
        """How many of ``key``'s failures are younger than ``lock_minutes`` (older ones forgotten)."""
        window = dt.timedelta(minutes=self.policy.lock_minutes)
        with self._address_lock:
            recent = failures.get(key)
            while recent and recent[0] <= now - window:
                recent.popleft()
            if recent is not None and not recent:
                del failures[key]
            return len(recent or ())

    def _address_check(self, address: str | None, now: dt.datetime) -> None:
        """Refuse an address with too many recent failures (see the module's notes)."""
        if not address:
            return
        window = dt.timedelta(minutes=self.policy.lock_minutes)
        if self._recent(self._address_failures, address, now) >= self.policy.max_address_failures:
            with self._address_lock:
                recent = self._address_failures.get(address)
                wait = max(1, -(-int((recent[0] + window - now).total_seconds()) // 60)) if recent else 1
                raise ThrottledError(
                    f"too many failed sign-ins from this address; try again in {wait} minutes"
                    f" (该地址登录失败次数过多，请{wait}分钟后再试)",
                    field="address",
                )

    def _address_failed(self, address: str | None, now: dt.datetime) -> None:
        if address:
            self._remember(self._address_failures, address, now)

    def _remember(self, failures: dict[str, deque[dt.datetime]], key: str, now: dt.datetime) -> None:
        """Count a failure of ``key``; past 10,000 keys the lapsed ones are forgotten (a flood of
        made-up names or addresses does not grow memory without end)."""
        window = dt.timedelta(minutes=self.policy.lock_minutes)
        with self._address_lock:
            if len(failures) > 10_000:
                for stale in [k for k, times in failures.items() if not times or times[-1] <= now - window]:
                    del failures[stale]
            failures.setdefault(key, deque()).append(now)

    # ---------------------------------------------------------------- users
    def add(self, username: str, password: str, role: UserRole, jurisdiction: str, *,
            department: str | None = None, display_name: str = "", actor: Actor = SYSTEM,
            temporary: bool = False) -> User:  # fmt: skip
        """A new account of ``jurisdiction`` (one ``actor`` administers); ``temporary``: its user
        changes the password at the first sign-in."""
        username = username.strip()
        if not USERNAME.match(username):
            raise InputError("a user name is 2–64 letters, digits, _ . - (用户名格式不正确)", field="username")
        jurisdiction = jurisdiction.strip()
        if not jurisdiction:
            raise InputError("which jurisdiction? (请指定辖区)", field="jurisdiction")
        display_name = _display_name(display_name)
        department = _department(role, department)
        self._check_password(password)
        access.require_account_admin(actor, jurisdiction, self.ancestors)
        now = self.clock()
        with self.audit.writing() as repo:
            if repo.user_row(username) is not None:
                raise ConflictError(f"user {username} already exists (用户已存在)", field="username")
            values = {
                "username": username,
                "display_name": display_name or username,
                "password_hash": self.hasher.hash(password),
                "role": role.value,
                "jurisdiction": jurisdiction.strip(),
                "department": department,
                "active": True,
                "failed_logins": 0,
                "locked_until": None,
                "created_at": now,
            }
            user_id = repo.add_user(values)
            user = repo.user(user_id)
            after = _public(user) | ({"password": TEMPORARY} if temporary else {})
            self.audit.record(repo, actor, "user.add", "user", username, None, after)
            return user

    def list(self) -> list[User]:
        with self.store.tracking_read() as repo:
            return repo.users()

    def users(self, actor: Actor) -> builtins.list[User]:
        """The accounts ``actor`` administers: its own place's and those of the places below it."""
        if actor.role is not UserRole.ADMIN:
            raise ForbiddenError("only the 大气办 (jurisdiction admin) manages accounts (仅大气办管理员可管理账号)")
        return [u for u in self.list() if access.administers_accounts(actor, u.jurisdiction, self.ancestors)]

    def user(self, actor: Actor, username: str) -> User:
        """One account ``actor`` administers (403 for another place's, 404 when there is none)."""
        with self.store.tracking_read() as repo:
            row = repo.user_row(username)
            if row is None:
                raise NotFoundError(GONE, field="username")
            user = repo.user(int(row.id))
        access.require_account_admin(actor, user.jurisdiction, self.ancestors)
        return user

    def update(self, actor: Actor, username: str, *, role: UserRole | None = None, department: str | None = None,
               display_name: str | None = None) -> User:  # fmt: skip
        """Change an account's role, department or display name (audited: what changed)."""
        with self.audit.writing() as repo:
            row = repo.user_row(username)
            if row is None:
                raise NotFoundError(GONE, field="username")
            user = repo.user(int(row.id))
            access.require_account_admin(actor, user.jurisdiction, self.ancestors)
            new_role = role or user.role
            values: dict[str, object] = {
                "role": new_role.value,
                "department": _department(new_role, department if department is not None
                                          else user.department if new_role is UserRole.DEPARTMENT else None),
                "display_name": _display_name(display_name) or user.username
                if display_name is not None else user.display_name,
            }  # fmt: skip
            if new_role is not UserRole.ADMIN and user.username == actor.username:
                raise InputError("you may not take away your own administration (不能取消自己的管理员角色)",
                                 field="role")  # fmt: skip
            before = _public(user)
            changed = {k: v for k, v in values.items() if before.get(k) != v}
            if not changed:
                return user
            repo.update_user(user.id, **changed)
            after = repo.user(user.id)
            self.audit.record(repo, actor, "user.update", "user", username, before, _public(after))
            return after

    def set_password(self, username: str, password: str, actor: Actor = SYSTEM, *, temporary: bool = False) -> None:
        """Set ``username``'s password (an admin's reset; ``temporary``: to be changed at the next
        sign-in) and end its sessions."""
        self._check_password(password)
        with self.audit.writing() as repo:
            row = repo.user_row(username)
            if row is None:
                raise NotFoundError(f"no user {username} (没有该用户)", field="username")
            access.require_account_admin(actor, str(row.jurisdiction), self.ancestors)
            repo.update_user(int(row.id), password_hash=self.hasher.hash(password), failed_logins=0, locked_until=None)
            repo.drop_sessions(int(row.id))
            after = {"password": TEMPORARY if temporary else "changed", "jurisdiction": str(row.jurisdiction)}
            self.audit.record(repo, actor, "user.password", "user", username, None, after)

    def change_password(self, user: User, old: str, new: str, *, session_token: str | None = None) -> None:
        """A user changes its own password: the current one first (a wrong one counts as a failed
        sign-in), then the new one under the policy; its other sessions end, this one stays."""
        if not old:
            raise InputError("enter your current password (请输入当前密码)", field="old_password")
        self._check_password(new, field="new_password")
        if new == old:
            raise InputError("the new password must differ from the current one (新密码不能与当前密码相同)",
                             field="new_password")  # fmt: skip
        now = self.clock()
        with self.audit.writing() as repo:
            row = repo.user_row(user.username)
            if row is None or not row.active:
                raise AuthenticationError("sign in first (请先登录)")
            if not _verify(self.hasher, str(row.password_hash), old):
                failures = int(row.failed_logins) + 1
                locks = failures >= self.policy.max_failures
                lock = now + dt.timedelta(minutes=self.policy.lock_minutes)
                repo.update_user(
                    int(row.id), failed_logins=0 if locks else failures, locked_until=lock if locks else None
                )
                wrong = InputError("the current password is wrong (当前密码不正确)", field="old_password")
            else:
                wrong = None
                repo.update_user(int(row.id), password_hash=self.hasher.hash(new), failed_logins=0, locked_until=None)
                repo.drop_sessions(int(row.id), keep=token_hash(session_token) if session_token else None)
                after = {"password": "changed", "jurisdiction": str(row.jurisdiction)}
                self.audit.record(repo, user.actor(), "user.password", "user", user.username, None, after)
        if wrong is not None:  # raised after the commit, so the failure count is kept
            raise wrong

    def must_change(self, user: User) -> bool:
        """The user's password is a temporary one (set by an admin): it changes it before anything
        else. Read from the audit log once per password (kept by the password's hash)."""
        with self.store.tracking_read() as repo:
            hashed = repo.password_hash(user.id)
            kept = self._temporary.get(user.id)
            if kept is not None and kept[0] == hashed:
                return kept[1]
            after = repo.last_password_change(user.username)
        try:
            temporary = after is not None and json.loads(after).get("password") == TEMPORARY
        except (ValueError, AttributeError):
            temporary = False
        with self._address_lock:
            self._temporary[user.id] = (hashed, temporary)
        return temporary

    def set_active(self, username: str, active: bool, actor: Actor = SYSTEM) -> None:
        with self.audit.writing() as repo:
            row = repo.user_row(username)
            if row is None:
                raise NotFoundError(f"no user {username} (没有该用户)", field="username")
            access.require_account_admin(actor, str(row.jurisdiction), self.ancestors)
            if not active and username == actor.username:
                raise InputError("you may not deactivate your own account (不能停用自己的账号)", field="active")
            if bool(row.active) == active:  # already so: nothing changes, nothing to audit
                return
            repo.update_user(int(row.id), active=active)
            if not active:
                repo.drop_sessions(int(row.id))
            self.audit.record(
                repo, actor, "user.active", "user", username,
                {"active": bool(row.active), "jurisdiction": str(row.jurisdiction)},
                {"active": active, "jurisdiction": str(row.jurisdiction)},
            )  # fmt: skip

    def _check_password(self, password: str, field: str = "password") -> None:
        if len(password) < MIN_PASSWORD:
            raise InputError(
                f"a password needs at least {MIN_PASSWORD} characters (密码至少{MIN_PASSWORD}位)", field=field
            )
        if len(password) > MAX_PASSWORD:
            raise InputError(
                f"a password has at most {MAX_PASSWORD} characters (密码最多{MAX_PASSWORD}位)", field=field
            )

    # ---------------------------------------------------------------- sessions
    def login(self, username: str, password: str, address: str | None = None) -> Session:
        """A session for ``username``; ``address``: the client's, for the per-address throttle."""
        now = self.clock()
        self._address_check(address, now)
        with self.audit.writing() as repo:
            row = repo.user_row(username.strip())
            if row is None or not row.active:
                name = username.strip().casefold()
                if self._recent(self._unknown_failures, name, now) >= self.policy.max_failures:
                    raise self._locked()  # as a real account's lock: the name's existence is not told
                _verify(self.hasher, self._dummy, password)  # same work as a real check
                self._address_failed(address, now)
                self._remember(self._unknown_failures, name, now)
                raise AuthenticationError(WRONG, field="password")
            locked = row.locked_until
            if locked is not None and (locked if locked.tzinfo else locked.replace(tzinfo=dt.UTC)) > now:
                raise self._locked()
            if not _verify(self.hasher, str(row.password_hash), password):
                failures = int(row.failed_logins) + 1
                lock = now + dt.timedelta(minutes=self.policy.lock_minutes)
                repo.update_user(
                    int(row.id),
                    failed_logins=0 if failures >= self.policy.max_failures else failures,
                    locked_until=lock if failures >= self.policy.max_failures else None,
                )
                if failures >= self.policy.max_failures:
                    self.audit.record(
                        repo, SYSTEM, "user.locked", "user", str(row.username), None, {"locked_until": lock.isoformat()}
                    )
                failed = AuthenticationError(WRONG, field="password")
                self._address_failed(address, now)
            else:
                failed = None
                if self.hasher.check_needs_rehash(str(row.password_hash)):
                    repo.update_user(int(row.id), password_hash=self.hasher.hash(password))
                repo.update_user(int(row.id), failed_logins=0, locked_until=None)
                token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
                expires = now + dt.timedelta(hours=self.policy.session_hours)
                repo.drop_sessions(expired_before=now)
                repo.add_session(token_hash(token), int(row.id), csrf, now, expires)
                session = Session(token, csrf, repo.user(int(row.id)), expires)
        if failed is not None:  # raised after the commit, so the failure count is kept
            raise failed
        return session

    def _locked(self) -> AuthenticationError:
        return AuthenticationError(
            f"登录失败次数过多，请{self.policy.lock_minutes}分钟后再试"
            f" (too many failed sign-ins; try again after {self.policy.lock_minutes} minutes)",
            field="password",
        )

    def resolve(self, token: str | None) -> tuple[User, str] | None:
        """The user and CSRF token of a live session, None when the token is unknown or expired."""
        if not token:
            return None
        with self.store.tracking_read() as repo:
            return repo.session_user(token_hash(token), self.clock())

    def logout(self, token: str) -> None:
        with self.store.tracking() as repo:
            repo.drop_session(token_hash(token))


def _verify(hasher: PasswordHasher, hashed: str, password: str) -> bool:
    try:
        return hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _display_name(name: str) -> str:
    name = name.strip()
    if len(name) > 200:
        raise InputError("a display name has at most 200 characters (显示名称最多200字)", field="display_name")
    return name


def _department(role: UserRole, department: str | None) -> str | None:
    """A department user's department: a real one (部门), not a level of government or a collective."""
    department = (department or "").strip() or None
    if role is UserRole.DEPARTMENT and not department:
        raise InputError("a department user needs a department (部门用户须指定部门)", field="department")
    if role is not UserRole.DEPARTMENT:
        if department:
            raise InputError("only department users have a department (仅部门用户可指定部门)", field="department")
        return None
    assert department is not None
    kind = department_kind(department)
    if kind is not DepartmentKind.DEPARTMENT:
        raise InputError(
            f"{department} is not a department (“{department}”属于{KIND_LABELS[kind]}，不是具体部门)",
            field="department",
        )
    return department


def _public(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "jurisdiction": user.jurisdiction,
        "department": user.department,
    }
