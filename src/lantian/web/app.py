"""``create_app(settings)``: the web app, built from the same :class:`~lantian.bootstrap.App` as the CLI.

Nothing is created at import time. ``lantian serve`` runs it with uvicorn; tests call it directly.
Security defaults (docs/deployment.md): HttpOnly SameSite=Lax session cookies (Secure when
``secure_cookies``), CSRF tokens on every unsafe request, login throttling, and headers that forbid
framing, sniffing and any script or style not served by lantian itself.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, nullcontext
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from lantian import __version__
from lantian.bootstrap import App
from lantian.config import Settings
from lantian.errors import InputError, LantianError
from lantian.web import admin, api, exports, figures, forms, i18n, pages, picks, public, rhythm, todo, users_api, views
from lantian.web.accountability import api as accountability_api
from lantian.web.accountability import router as accountability_router
from lantian.web.bulletins import api as bulletins_api  # 月报
from lantian.web.bulletins import router as bulletins_router
from lantian.web.compensation import api as compensation_api
from lantian.web.compensation import router as compensation_router
from lantian.web.deps import LANG_COOKIE, LoginRequired, PasswordChangeRequired, error_body, status_of, viewer
from lantian.web.limits import BodyLimit, BodyTooLarge
from lantian.web.rankings import api as rankings_api
from lantian.web.rankings import router as rankings_router
from lantian.web.scorecards import api as scorecards_api  # 考核评分
from lantian.web.scorecards import router as scorecards_router
from lantian.web.targets import api as targets_api
from lantian.web.targets import router as targets_pages

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def viewer_lang(request: Request) -> str:
    """The language of an API error's ``localized`` text: the language cookie, else the browser's."""
    return i18n.pick(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def static_dir() -> Path:
    return Path(str(resources.files("lantian.web").joinpath("static")))


def create_app(settings: Settings | None = None, *, lantian: App | None = None,
               secure_cookies: bool | None = None, trusted_proxies: str | None = None) -> FastAPI:  # fmt: skip
    """The ASGI app. Pass ``lantian`` to share an open :class:`App` (tests); otherwise one is opened
    from ``settings`` when the server starts and closed when it stops. ``trusted_proxies``: the
    reverse proxies whose ``X-Forwarded-For`` is believed (default ``LANTIAN_TRUSTED_PROXIES``, none)."""
    owned = lantian is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.lantian is None:
            app.state.lantian = App.open(settings or Settings.load())
        if owned:  # the office's rankings computed once in the background: the first page view is fast
            app.state.lantian.rankings.warm_in_background(app.state.lantian.office_place)
        async with todo.background(app.state.lantian) if owned else nullcontext():  # notifications: todo.py
            yield
        if owned and app.state.lantian is not None:
            app.state.lantian.close()

    app = FastAPI(
        title="lantian 蓝天 API",
        version=__version__,
        description="大气污染防治 plans, 调度, 督办, 销号, air quality and warnings. "
        "Sign in with POST /api/v1/session; send the returned csrf_token as X-CSRF-Token on every POST and DELETE.",
        lifespan=lifespan,
        docs_url=None,  # served below from the package's own copy of Swagger UI, never a CDN
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.lantian = lantian
    if secure_cookies is None:
        secure_cookies = os.environ.get("LANTIAN_SECURE_COOKIES", "") not in ("", "0", "false")
    app.state.secure_cookies = secure_cookies
    if trusted_proxies is None:
        trusted_proxies = os.environ.get("LANTIAN_TRUSTED_PROXIES", "")
    app.state.trusted_proxies = views.trusted_proxies(trusted_proxies)
    app.include_router(picks.api_router)  # before the routes with ids: /api/v1/plans/diff
    app.include_router(api.router)
    app.include_router(users_api.router)
    app.include_router(public.api)  # 信息公开 and 举报 (no sign-in)
    app.include_router(picks.router)
    app.include_router(pages.router)
    app.include_router(public.router)
    app.include_router(exports.router)
    app.include_router(admin.router)
    app.include_router(todo.router)
    app.include_router(todo.api)
    app.include_router(figures.router)  # the lists the dashboard's figures open
    app.include_router(targets_pages)  # 目标
    app.include_router(targets_api)
    app.include_router(accountability_router)  # 问责: flags and the actions taken
    app.include_router(accountability_api)
    app.include_router(scorecards_router)
    app.include_router(scorecards_api)
    app.include_router(bulletins_router)
    app.include_router(bulletins_api)
    app.include_router(compensation_router)  # 生态补偿 (/compensation, its .xlsx)
    app.include_router(compensation_api)
    app.include_router(rhythm.router)  # 调度频次: set on a plan or a task
    app.include_router(rhythm.api_router)
    app.include_router(rankings_router)  # 排名通报
    app.include_router(rankings_api)
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
    app.add_middleware(BodyLimit)  # upload limit (上传大小上限): docs/settings.md

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/v1/openapi.json",
            title="lantian 蓝天 API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> RedirectResponse:
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        if request.url.path.startswith("/api/docs"):  # Swagger UI needs its inline script; it is our page too
            del response.headers["Content-Security-Policy"]
        return response

    @app.exception_handler(LantianError)
    async def lantian_error(request: Request, exc: LantianError) -> Response:
        status = status_of(exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse(error_body(exc, viewer_lang(request)), status_code=status)
        # a page form that failed is shown again with the error beside its field, the input kept
        again = await forms.redisplay(request, exc, status, viewer(request).user is not None)
        return again or pages.error_page(request, exc, status)

    @app.exception_handler(BodyTooLarge)
    async def body_too_large(request: Request, exc: BodyTooLarge) -> Response:
        return await lantian_error(request, exc.error)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x not in ("body", "query", "path", "form"))
        error = InputError(str(first.get("msg", "invalid request")) + " (请求格式错误)", field=where or None)
        if request.url.path.startswith("/api/"):
            return JSONResponse(error_body(error, viewer_lang(request)), status_code=422)
        return await lantian_error(request, error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """No such address (404), a method it does not take (405): JSON under /api/, a page elsewhere."""
        if request.url.path.startswith("/api/") or exc.status_code not in pages.HTTP_ERRORS:
            return await http_exception_handler(request, exc)
        page = pages.http_error_page(request, exc.status_code)
        for key, value in (exc.headers or {}).items():
            page.headers[key] = value
        return page

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def password_change_required(request: Request, exc: PasswordChangeRequired) -> Response:
        return RedirectResponse("/account", status_code=303)

    return app
