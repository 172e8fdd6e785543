"""Upload limits (上传大小上限) in the web layer: a request's body is refused as soon as it passes
the limit, and an uploaded file is read in chunks that stop there.

- :class:`BodyLimit` (ASGI middleware): an unsafe request whose ``Content-Length`` says it is over
  ``Limits.upload_bytes`` (plus :data:`FORM_SLACK` for the form's other fields) is refused before
  any of its body is read; one that streams more than that without saying so is refused at the
  chunk that passes it. Either way the route sees :class:`BodyTooLarge`, which the app turns into
  HTTP 413 with the usual error shape (API) or the error beside the upload field (pages).
- :func:`read_upload`: an uploaded file (spooled by the multipart parser) read in chunks of
  :data:`CHUNK` bytes, refused once it passes the limit; never read whole before the check.

A reverse proxy in front should have its own body limit at least as large (docs/deployment.md).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lantian.config import Limits
from lantian.errors import LimitError

CHUNK = 1024 * 1024
FORM_SLACK = 1024 * 1024  # the form's other fields and the multipart headers
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

current_limits: ContextVar[Limits | None] = ContextVar("current_limits", default=None)


class BodyTooLarge(HTTPException):
    """A request body over the upload limit. An HTTPException so that FastAPI passes it on from
    its body parsing unchanged (it turns other errors there into a generic 400)."""

    def __init__(self, error: LimitError) -> None:
        super().__init__(status_code=413, detail=str(error))
        self.error = error


def too_large(limits: Limits, *, file: str | None = None) -> LimitError:
    shown = Limits.describe("upload_bytes", limits.upload_bytes)
    return LimitError(f"上传内容超过上限 {shown}; the upload is larger than that", file=file, field="file")


def limits_of(app: Any) -> Limits:
    """The limits of the running :class:`~lantian.bootstrap.App` (before it opens: the environment's)."""
    lantian = getattr(getattr(app, "state", None), "lantian", None)
    settings = getattr(lantian, "settings", None)
    limits = getattr(settings, "limits", None)
    return limits if isinstance(limits, Limits) else Limits.load()


class BodyLimit:
    """Refuse request bodies over the upload limit, early (Content-Length) or while streaming."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in UNSAFE:
            await self.app(scope, receive, send)
            return
        limits = limits_of(scope.get("app"))
        allowed = limits.upload_bytes + FORM_SLACK
        declared = _content_length(scope)
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            if declared is not None and declared > allowed:
                raise BodyTooLarge(too_large(limits))
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > allowed:
                    raise BodyTooLarge(too_large(limits))
            return message

        token = current_limits.set(limits)
        try:
            await self.app(scope, limited, send)
        finally:
            current_limits.reset(token)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def read_upload(file: UploadFile, limits: Limits | None = None) -> bytes:
    """An uploaded file's bytes, read in chunks and refused as soon as they pass the limit."""
    limits = limits or current_limits.get() or Limits.load()
    name = file.filename or None
    if file.size is not None and file.size > limits.upload_bytes:
        raise too_large(limits, file=name)
    parts: list[bytes] = []
    total = 0
    while chunk := await file.read(CHUNK):
        total += len(chunk)
        if total > limits.upload_bytes:
            raise too_large(limits, file=name)
        parts.append(chunk)
    return b"".join(parts)
