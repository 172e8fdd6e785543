"""Sign-in throttling behind proxies: ``X-Forwarded-For`` is believed only from the proxies named in
``LANTIAN_TRUSTED_PROXIES`` (none by default), and sign-ins are throttled per account name as well
as per address."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.errors import AuthenticationError, ConfigError
from lantian.web.app import create_app
from tests.helpers import run
from tests.web.conftest import PASSWORD

NAMES = ("admin", "dept", "other", "leader", "nobody")  # four tries each: no account's own lock


def fail_twenty(c: TestClient, forwarded: Callable[[int], str]) -> None:
    for i in range(20):
        r = c.post("/api/v1/session", json={"username": NAMES[i % 5], "password": "not-the-password"},
                   headers={"X-Forwarded-For": forwarded(i)})  # fmt: skip
        assert r.status_code == 401, r.text


def sign_in(c: TestClient, forwarded: str) -> int:
    r = c.post("/api/v1/session", json={"username": "admin", "password": PASSWORD},
               headers={"X-Forwarded-For": forwarded})  # fmt: skip
    return r.status_code


def test_a_client_cannot_escape_the_throttle_by_writing_x_forwarded_for(lantian: App) -> None:
    c = TestClient(create_app(lantian=lantian), client=("203.0.113.9", 40000))  # no proxy is trusted
    fail_twenty(c, lambda i: f"198.51.100.{i}")
    assert sign_in(c, "198.51.100.200") == 429


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(lantian: App) -> None:
    app = create_app(lantian=lantian, trusted_proxies="10.0.0.0/8, 192.0.2.1")
    c = TestClient(app, client=("10.1.2.3", 40000))  # the proxy (nginx) that connects to lantian
    # client → 192.0.2.1 (a trusted proxy in front) → 10.1.2.3; what the client wrote stays on the left
    fail_twenty(c, lambda i: f"{i}.{i}.{i}.{i}, 198.51.100.7, 192.0.2.1")
    assert sign_in(c, "1.2.3.4, 198.51.100.7, 192.0.2.1") == 429  # a made-up left part changes nothing
    assert sign_in(c, "198.51.100.8, 192.0.2.1") == 200  # another client behind the same proxy


def test_an_unknown_name_is_locked_like_an_account(lantian: App) -> None:
    """Throttled per account name too: after five failures a name that is no account gets the same
    answer as a locked account, so the lock does not tell which names exist."""
    messages = {}
    for name in ("admin", "nobody-here"):
        for _ in range(5):
            with pytest.raises(AuthenticationError, match="用户名或密码错误"):
                lantian.accounts.login(name, "not-the-password", f"192.0.2.{len(messages)}")
        with pytest.raises(AuthenticationError) as locked:
            lantian.accounts.login(name, PASSWORD if name == "admin" else "x", "198.51.100.1")
        messages[name] = (type(locked.value), locked.value.message)
    assert messages["admin"] == messages["nobody-here"]
    assert "登录失败次数过多" in messages["admin"][1]


def test_a_bad_trusted_proxy_setting_is_named(lantian: App) -> None:
    with pytest.raises(ConfigError, match=re.escape("'proxy.example' 不是地址或网段")):
        create_app(lantian=lantian, trusted_proxies="10.0.0.1 proxy.example")


def test_serve_does_not_let_uvicorn_believe_forwarded_headers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    for name in ("LANTIAN_TRUSTED_PROXIES", "LANTIAN_DATA_DIR", "LANTIAN_DATABASE_URL", "LANTIAN_SECURE_COOKIES"):
        monkeypatch.setenv(name, "")  # serve sets them for its workers: recorded, so undone after the test
        monkeypatch.delenv(name)
    code, _, err = run(capsys, "serve", "--data-dir", str(tmp_path / "data"), "--trusted-proxy", "10.0.0.1")
    assert code == 0, err
    assert calls and calls[0]["proxy_headers"] is False
    code, _, err = run(capsys, "serve", "--data-dir", str(tmp_path / "data"), "--trusted-proxy", "nginx")
    assert code == 3 and "LANTIAN_TRUSTED_PROXIES: 'nginx' 不是地址或网段" in err
