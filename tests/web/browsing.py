"""What the browser tests share: a live server over an :class:`App`, Debian's Chromium through
Playwright, and a walker that signs in, takes screenshots at 1366 px and 390 px and holds a page
to "no sideways scrolling".

A test module imports it after its own guard::

    from tests.web.browsing import require_browser
    sync_api = require_browser()
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import uvicorn

from lantian.bootstrap import App
from lantian.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
WIDTHS = (1366, 390)  # the office's desktop and a department's phone


def require_browser() -> ModuleType:
    """Playwright's sync API; the module is skipped when Chromium is missing (an error under
    ``LANTIAN_REQUIRE_BROWSER``, as in CI)."""
    if not CHROMIUM.exists():
        if os.environ.get("LANTIAN_REQUIRE_BROWSER"):
            raise RuntimeError("LANTIAN_REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
        pytest.skip("Debian's chromium is not installed", allow_module_level=True)
    module: ModuleType = pytest.importorskip("playwright.sync_api")
    return module


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(app: App) -> Iterator[str]:
    """The web app over ``app`` on a free loopback port; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(create_app(lantian=app), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


class Walker:
    """One browser page at a width, signed in as someone (or nobody)."""

    def __init__(self, page: Any, base: str, width: int) -> None:
        self.page = page
        self.base = base
        self.width = width

    def sign_in(self, user: str, password: str) -> None:
        self.page.goto(f"{self.base}/login")
        self.page.fill("input[name=username]", user)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{self.base}/dashboard")

    def open(self, path: str) -> Any:
        response = self.page.goto(f"{self.base}{path}")
        return response

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}-{self.width}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def no_sideways_scroll(self) -> None:
        wide = self.page.evaluate("document.documentElement.scrollWidth")
        assert wide <= self.width, f"{self.page.url} is {wide} px wide at {self.width} px"


@contextmanager
def walkers(base: str, sync_api: ModuleType, widths: tuple[int, ...] = WIDTHS) -> Iterator[list[Walker]]:
    """A fresh browser context per width (its own cookies), Chinese locale."""
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            out = []
            for width in widths:
                context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
                out.append(Walker(context.new_page(), base, width))
            yield out
        finally:
            browser.close()
