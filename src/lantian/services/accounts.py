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
  CSRF token and an expiry. Signing out or changing the password ends the sessions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import threading
from collections import deque
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from lantian.domain.tracking.model import SYSTEM, Actor, User, UserRole
from lantian.errors import AuthenticationError, ConflictError, InputError, NotFoundError, ThrottledError
from lantian.services.audit import AuditTrail
from lantian.services.clock import Clock, utc_now
from lantian.storage.store import Store

MIN_PASSWORD = 10
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
WRONG = "wrong user name or password (用户名或密码错误)"


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
                 clock: Clock = utc_now) -> None:  # fmt: skip
        self.store = store
        self.audit = audit
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
            department: str | None = None, display_name: str = "", actor: Actor = SYSTEM) -> User:  # fmt: skip
        username = username.strip()
        if not USERNAME.match(username):
            raise InputError("a user name is 2–64 letters, digits, _ . - (用户名格式不正确)", field="username")
        self._check_password(password)
        department = (department or "").strip() or None
        if role is UserRole.DEPARTMENT and not department:
            raise InputError("a department user needs --department (部门用户须指定部门)", field="department")
        if role is not UserRole.DEPARTMENT and department:
            raise InputError("only department users have a department (仅部门用户可指定部门)", field="department")
        now = self.clock()
        with self.audit.writing() as repo:
            if repo.user_row(username) is not None:
                raise ConflictError(f"user {username} already exists (用户已存在)", field="username")
            values = {
                "username": username,
                "display_name": display_name.strip() or username,
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
            self.audit.record(repo, actor, "user.add", "user", username, None, _public(user))
            return user

    def list(self) -> list[User]:
        with self.store.tracking_read() as repo:
            return repo.users()

    def set_password(self, username: str, password: str, actor: Actor = SYSTEM) -> None:
        self._check_password(password)
        with self.audit.writing() as repo:
            row = repo.user_row(username)
            if row is None:
                raise NotFoundError(f"no user {username} (没有该用户)", field="username")
            repo.update_user(int(row.id), password_hash=self.hasher.hash(password), failed_logins=0, locked_until=None)
            repo.drop_sessions(int(row.id))
            self.audit.record(repo, actor, "user.password", "user", username, None, {"password": "changed"})

    def set_active(self, username: str, active: bool, actor: Actor = SYSTEM) -> None:
        with self.audit.writing() as repo:
            row = repo.user_row(username)
            if row is None:
                raise NotFoundError(f"no user {username} (没有该用户)", field="username")
            if bool(row.active) == active:  # already so: nothing changes, nothing to audit
                return
            repo.update_user(int(row.id), active=active)
            if not active:
                repo.drop_sessions(int(row.id))
            self.audit.record(
                repo, actor, "user.active", "user", username, {"active": bool(row.active)}, {"active": active}
            )

    def _check_password(self, password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise InputError(
                f"a password needs at least {MIN_PASSWORD} characters (密码至少{MIN_PASSWORD}位)", field="password"
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


def _public(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "jurisdiction": user.jurisdiction,
        "department": user.department,
    }
