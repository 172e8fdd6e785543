"""What every route shares: the app, who is asking, CSRF, the language, error responses.

- Sessions: an HttpOnly cookie ``lantian_session`` (SameSite=Lax; Secure when ``LANTIAN_SECURE_COOKIES``
  is set, as behind an HTTPS reverse proxy) holding a random token; see :mod:`lantian.services.accounts`.
- CSRF: every unsafe request of a signed-in user carries the session's CSRF token, in the
  ``X-CSRF-Token`` header (API) or the ``csrf_token`` form field (pages).
- Errors: every :class:`~lantian.errors.LantianError` becomes one JSON shape under ``/api/`` and an
  error page elsewhere, with the status below; never a traceback.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request, UploadFile

from lantian.bootstrap import App
from lantian.domain.tracking.model import Actor, User
from lantian.errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    InputError,
    LantianError,
    LimitError,
    NotFoundError,
    ThrottledError,
    WorkflowError,
)
from lantian.web import i18n
from lantian.web.limits import read_upload

COOKIE = "lantian_session"
LANG_COOKIE = "lantian_lang"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

STATUS: list[tuple[type[LantianError], int]] = [
    (ThrottledError, 429),
    (AuthenticationError, 401),
    (ForbiddenError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (WorkflowError, 409),
    (LimitError, 413),
    (InputError, 422),
]


def status_of(error: LantianError) -> int:
    for kind, status in STATUS:
        if isinstance(error, kind):
            return status
    return 400


class LoginRequired(Exception):
    """Raised by page routes when nobody is signed in: redirects to /login."""


class PasswordChangeRequired(Exception):
    """Raised by page routes while the user's password is a temporary one: redirects to /account."""


# what a user with a temporary password may still do: change it, see who it is, sign out
UNTIL_CHANGED = {"/account", "/account/password", "/logout", "/api/v1/me", "/api/v1/session",
                 "/api/v1/account/password"}  # fmt: skip


def lantian(request: Request) -> App:
    app: App = request.app.state.lantian
    return app


@dataclass(frozen=True)
class Viewer:
    user: User | None
    csrf: str | None
    lang: str
    must_change: bool = False  # the password is a temporary one set by an admin (AccountService.must_change)

    @property
    def actor(self) -> Actor:
        if self.user is None:
            raise AuthenticationError("sign in first (请先登录)")
        return self.user.actor()


def viewer(request: Request) -> Viewer:
    cached: Viewer | None = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    lang = i18n.pick(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
    accounts = lantian(request).accounts
    found = accounts.resolve(request.cookies.get(COOKIE))
    must_change = found is not None and accounts.must_change(found[0])
    result = Viewer(found[0] if found else None, found[1] if found else None, lang, must_change)
    request.state.viewer = result
    return result


def check_password_changed(request: Request, who: Viewer) -> None:
    """A user whose password is temporary changes it before anything else: pages send it to
    /account, the API refuses (403) all but the routes of :data:`UNTIL_CHANGED`."""
    if not who.must_change or request.url.path in UNTIL_CHANGED:
        return
    if request.url.path.startswith("/api/"):
        raise ForbiddenError("change your temporary password first (请先修改管理员设置的临时密码)", field="password")
    raise PasswordChangeRequired()


async def check_csrf(request: Request, who: Viewer) -> None:
    """Unsafe requests of a session must carry its CSRF token (header or form field)."""
    if request.method not in UNSAFE or who.csrf is None:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent, who.csrf):
        raise ForbiddenError(
            "missing or wrong CSRF token; reload the page (页面已过期，请刷新后重试)", field="csrf_token"
        )


def error_body(error: LantianError, lang: str = i18n.DEFAULT) -> dict[str, Any]:
    """The API's error: ``message`` as written (both languages), ``text`` with its place, and
    ``localized``: what a page shows in ``lang`` (:func:`lantian.web.i18n.error_text`)."""
    return {"error": error.to_dict() | {"text": str(error), "localized": i18n.error_text(error, lang)}}


async def upload(file: UploadFile) -> tuple[str, bytes]:
    """An uploaded file as (its name as sent, its content), read in chunks up to the upload limit."""
    return file.filename or "", await read_upload(file)


async def optional_upload(file: UploadFile | None) -> tuple[str, bytes] | None:
    """An optional upload: None when the form's field was left empty."""
    return await upload(file) if file is not None and file.filename else None
