"""Forms that forgive (表单出错不丢内容): one mechanism for every page form.

A page form posts to its own address and, when it works, redirects to the record it changed
(post/redirect/get). When the services refuse it (a :class:`~lantian.errors.LantianError`: bad input
422, a conflict or a step the record's state does not allow 409, a reference not found 404…) the
page the form is on is rendered again, at the error's status, with:

- the message beside the field the error names (``error.field``; macros.html ``field_error``), or at
  the top of the form when it names none the form shows (``form_error``), and a summary at the top of
  the page (base.html) that links to the form;
- every value the user typed kept (text, selects, textareas); a file cannot be given back to a file
  input by any browser, so the form says which files must be chosen again;
- for a conflict (someone changed the record first), the record as it is now, the user's text kept
  and the form carrying the current version, so the next submission is deliberate.

A POST route says which page it belongs to with :func:`redisplays`; the app's error handler calls
:func:`redisplay`. The page functions read the posted form through ``posted(action)`` in templates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from lantian.errors import ConflictError, LantianError
from lantian.web import i18n
from lantian.web.deps import viewer

Page = Callable[[Request], Response]  # renders the page a form is on, for the POST's request
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
PAGES: dict[Callable[..., Any], Page] = {}
HIDDEN = frozenset({"csrf_token", "version"})  # sent by the page itself, never typed


def error_text(error: LantianError, lang: str) -> str:
    """The words shown for ``error`` beside a field, at the top of a form and in the page's summary:
    the one place a form's error text is produced, in the page's language, without the field's
    label (it stands beside the field); an upload's error names the file (:func:`i18n.error_text`)."""
    return i18n.error_text(error, lang, with_field=False)


def redisplays(page: Page) -> Callable[[Endpoint], Endpoint]:
    """Mark a POST page route: when it fails, ``page(request)`` is shown again with the form's error
    and values. The route itself is returned unchanged (FastAPI reads its signature)."""

    def mark(endpoint: Endpoint) -> Endpoint:
        PAGES[endpoint] = page
        return endpoint

    return mark


def path_id(request: Request, name: str) -> int:
    """A route's id from the POST's path (already checked by the route's own parameter)."""
    return int(request.path_params[name])


def referer_query(request: Request, name: str) -> str:
    """A query parameter of the page the form was on (``/warnings?jurisdiction=南京市``), or ""."""
    values = parse_qs(urlsplit(request.headers.get("referer") or "").query).get(name)
    return values[0] if values else ""


@dataclass(frozen=True)
class Posted:
    """A form as it was posted, with the error it met. ``Posted()`` is a form not posted."""

    action: str = ""  # the address it posted to: the form's ``action``
    values: dict[str, list[str]] = field(default_factory=dict)
    files: frozenset[str] = frozenset()  # file inputs that had a file chosen: to choose again
    error: LantianError | None = None
    status: int = 200
    lang: str = i18n.DEFAULT  # the page's language

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def conflict(self) -> bool:
        """Someone changed the record first: the page shows it as it is now, the text kept."""
        return isinstance(self.error, ConflictError)

    @property
    def field(self) -> str | None:
        return self.error.field if self.error is not None else None

    @property
    def text(self) -> str:
        return error_text(self.error, self.lang) if self.error is not None else ""

    def value(self, name: str, default: Any = "") -> Any:
        """What was typed into ``name`` (the first, for a repeated field); ``default`` when the form
        was not posted (the page's own value)."""
        if not self.failed:
            return default
        got = self.values.get(name)
        return got[0] if got else ("" if name in self.values else default)

    def values_of(self, name: str) -> list[str]:
        """Every value of a repeated field (indicator rows), in order."""
        return list(self.values.get(name, []))

    def error_at(self, name: str) -> str:
        """The error's words when it names ``name``; "" otherwise."""
        return self.text if self.failed and self.field == name else ""

    def elsewhere(self, shown: tuple[str, ...] | list[str]) -> bool:
        """The error belongs at the top of the form: it names no field among ``shown`` (``name.*``:
        any row of a repeated field, ``indicator_value.2``), or it is a conflict (the whole record)."""
        named = self.field or ""
        beside = any(named == x or (x.endswith(".*") and named.startswith(x[:-1])) for x in shown)
        return self.failed and (self.conflict or not beside)


NOT_POSTED = Posted()


async def _values(request: Request) -> tuple[dict[str, list[str]], frozenset[str]]:
    """The typed values of the posted form (already read by the route; a body over the upload limit
    was never read, and then there is nothing to give back)."""
    if not request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        return {}, frozenset()
    try:
        form = await request.form()
    except Exception:  # an unreadable or cut-off body: the error itself says why
        return {}, frozenset()
    values: dict[str, list[str]] = {}
    files = set()
    for name, item in form.multi_items():
        if isinstance(item, UploadFile):
            if item.filename:
                files.add(name)
        elif name not in HIDDEN:
            values.setdefault(name, []).append(item)
    return values, frozenset(files)


def posted_on(request: Request) -> Callable[[str], Posted]:
    """``posted(action)`` for templates: the failed form when it posted to ``action``."""
    state: Posted | None = getattr(request.state, "posted", None)

    def posted(action: str) -> Posted:
        return state if state is not None and state.action == action else NOT_POSTED

    return posted


def failed_form(request: Request) -> Posted | None:
    return getattr(request.state, "posted", None)


def page_path(request: Request) -> str:
    """The path of the page shown (the menu marks its section): for a failed form, the page it was
    posted from, not the address it posted to."""
    if failed_form(request) is not None:
        sent = urlsplit(request.headers.get("referer") or "")
        if sent.path.startswith("/") and sent.netloc in ("", request.url.netloc):
            return sent.path
    return request.url.path


async def redisplay(request: Request, error: LantianError, status: int, signed_in: bool) -> Response | None:
    """The page of the form that failed, shown again with the error and the typed values; None when
    the request is not a page form's POST, or the page itself cannot be shown to the user (then the
    error page says why). A refusal (403) is shown on the page too: an expired page (CSRF) comes back
    with a fresh token and the text kept, a step the role may not take says so above the page."""
    page = PAGES.get(request.scope.get("endpoint"))  # type: ignore[arg-type]
    if page is None or request.method != "POST" or not signed_in:
        return None
    values, files = await _values(request)
    request.state.posted = Posted(request.url.path, values, files, error, status, viewer(request).lang)
    try:
        response = await run_in_threadpool(page, request)
    except LantianError:
        return None
    response.status_code = status
    return response
