"""Upload limits in the web app: every upload route refuses a body over the limit (HTTP 413, the
limit named), early or while it streams; files are read in chunks; the plans page shows the
refusal beside its upload field; a zip bomb is refused from its directory; an untitled workbook
is keyed by its own name."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import io
import re
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from openpyxl import Workbook
from starlette.datastructures import UploadFile
from starlette.types import Message, Receive, Scope, Send

from lantian.bootstrap import App
from lantian.config import MIB, Limits, Settings
from lantian.domain.tracking.model import UserRole
from lantian.errors import LimitError
from lantian.web import api, pages
from lantian.web.app import create_app
from lantian.web.limits import FORM_SLACK, BodyLimit, BodyTooLarge, read_upload
from tests.documents.test_limits import write_big_bomb

PASSWORD = "a-long-test-password"
LIMITS = Limits(upload_bytes=2 * MIB)
OVER_BODY = LIMITS.upload_bytes + FORM_SLACK + 64 * 1024  # over what a whole request may carry
OVER_FILE = LIMITS.upload_bytes + 64 * 1024  # a request within it, a file over it


@pytest.fixture(scope="module")
def lantian(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """One app for the module (refusals change nothing; the one import has its own key)."""
    folder = tmp_path_factory.mktemp("limits")
    settings = dataclasses.replace(Settings.load(folder / "data", env={}), limits=LIMITS)
    app = App.open(settings)
    app.accounts.add("admin", PASSWORD, UserRole.ADMIN, "苏州市")
    yield app
    app.close()


@pytest.fixture(scope="module")
def admin(lantian: App) -> TestClient:
    client = TestClient(create_app(lantian=lantian), follow_redirects=False)
    r = client.post("/api/v1/session", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


def upload_routes() -> list[str]:
    """Every POST route (API and pages) that takes uploaded files, its ids filled in with 1."""
    found = []
    for route in [*api.router.routes, *pages.router.routes]:
        if isinstance(route, APIRoute) and "POST" in route.methods:
            source = inspect.getsource(route.endpoint)
            if re.search(r"\bupload\(|uploads\(|read_files\(|optional_upload\(", source):
                found.append(re.sub(r"\{[^}]+\}", "1", route.path))
    return found


def test_the_upload_routes_are_found() -> None:
    routes = upload_routes()
    expected = {"/api/v1/plans", "/plans/import", "/api/v1/reduction-lists/check", "/api/v1/forecasts/levels"}
    assert expected <= set(routes)
    assert any("progress" in r for r in routes) and any("tickets" in r for r in routes)
    assert any("notices" in r for r in routes) and any("readings" in r for r in routes)


@pytest.mark.parametrize("path", upload_routes())
def test_every_upload_route_refuses_a_body_over_the_limit(admin: TestClient, path: str) -> None:
    files = [("file", ("big.xlsx", b"\0" * OVER_BODY)), ("files", ("big.pdf", b"%PDF" + b"\0" * 10))]
    r = admin.post(path, files=files, data={"version": "0", "answer": "x", "note": "x"})
    assert r.status_code == 413, r.text[:300]
    if path.startswith("/api/"):
        error = r.json()["error"]
        assert error["code"] == "too_large"
        assert "上传内容超过上限 2 MB (LANTIAN_MAX_UPLOAD_MB)" in error["message"]
    else:
        assert "LANTIAN_MAX_UPLOAD_MB" in r.text and "Traceback" not in r.text


def test_a_file_over_the_limit_is_refused_by_name(admin: TestClient, lantian: App) -> None:
    before = lantian.plans.list_plans()
    r = admin.post("/api/v1/plans", files={"file": ("计划.txt", b"a" * OVER_FILE)})
    assert r.status_code == 413
    limit = "上传内容超过上限 2 MB (LANTIAN_MAX_UPLOAD_MB); the upload is larger than that"
    assert r.json()["error"]["text"] == f"计划.txt: file: {limit}"
    assert lantian.plans.list_plans() == before


def test_the_plans_page_shows_the_refusal_beside_the_upload_field(admin: TestClient) -> None:
    r = admin.post("/plans/import", files={"file": ("计划.txt", b"a" * OVER_FILE)})
    assert r.status_code == 413
    beside = re.search(r'<input type="file" name="file"[^>]*aria-describedby="error-file"[^>]*>\s*'
                       r'<span class="error field-error" id="error-file">([^<]+)</span>', r.text)  # fmt: skip
    assert beside is not None, r.text[:2000]
    assert beside.group(1).startswith("计划.txt：上传内容超过上限") and "LANTIAN_MAX_UPLOAD_MB" in beside.group(1)
    assert "file:" not in beside.group(1)  # the form's field name is not the user's business


def test_a_zip_bomb_upload_is_refused_without_unpacking(admin: TestClient, tmp_path: Path, lantian: App) -> None:
    bomb = write_big_bomb(tmp_path / "计划.docx", 1500).read_bytes()  # 1.5 MB → 1.5 GB
    before = lantian.plans.list_plans()
    tracemalloc.start()
    try:
        r = admin.post("/api/v1/plans", files={"file": ("计划.docx", bomb)})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.status_code == 413
    assert "解压后大小超过上限 256 MB (LANTIAN_MAX_UNPACKED_MB)" in r.json()["error"]["message"]
    assert r.json()["error"]["file"] == "计划.docx"
    assert peak < 40 * MIB, f"{peak / MIB:.0f} MiB"
    assert lantian.plans.list_plans() == before


def test_an_untitled_workbook_is_keyed_by_its_own_name(admin: TestClient, lantian: App) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["序号", "重点工作任务", "牵头单位", "完成时限"])
    sheet.append([1, "推进燃煤锅炉综合整治", "市生态环境局", "2024年12月底前"])
    data = io.BytesIO()
    book.save(data)
    r = admin.post("/api/v1/plans", files={"file": ("重点任务分解表.xlsx", data.getvalue())})
    assert r.status_code == 200, r.text
    (outcome,) = r.json()["outcomes"]
    # the title is the file's own name; the year comes from the deadline (辖区·年度·标题)
    assert (outcome["key"], outcome["file"]) == ("2024·重点任务分解表", "重点任务分解表.xlsx")
    assert "2024·重点任务分解表" in [p.key for p in lantian.plans.list_plans()]
    _, plan, revisions = lantian.plans.get_plan("2024·重点任务分解表")
    assert plan.meta.title == "重点任务分解表"
    assert "lantian-upload" not in repr(revisions) and "/tmp" not in repr(revisions)


# ------------------------------------------------------------------------------ the middleware itself
def body_app(read: list[int]) -> Callable[[Scope, Receive, Send], object]:
    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            read.append(len(message.get("body", b"")))
            if not message.get("more_body"):
                return

    return inner


def run(middleware: BodyLimit, headers: list[tuple[bytes, bytes]], chunks: int, size: int) -> int:
    """Send ``chunks`` chunks of ``size`` bytes through ``middleware``; how many the server pulled."""
    pulled = 0

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * size, "more_body": pulled < chunks}

    async def send(message: Message) -> None:
        raise AssertionError("nothing is sent before the refusal")

    app = SimpleNamespace(state=SimpleNamespace(lantian=SimpleNamespace(settings=SimpleNamespace(limits=LIMITS))))
    scope = {"type": "http", "method": "POST", "path": "/api/v1/plans", "headers": headers, "app": app}
    with pytest.raises(BodyTooLarge) as caught:
        asyncio.run(middleware(scope, receive, send))  # type: ignore[arg-type]
    assert caught.value.status_code == 413 and "LANTIAN_MAX_UPLOAD_MB" in str(caught.value.error)
    return pulled


def test_a_declared_length_over_the_limit_is_refused_before_any_body_is_read() -> None:
    read: list[int] = []
    pulled = run(BodyLimit(body_app(read)), [(b"content-length", str(90 * MIB).encode())], 400, 256 * 1024)
    assert pulled == 0 and read == []


def test_a_streamed_body_is_refused_at_the_chunk_that_passes_the_limit() -> None:
    read: list[int] = []
    chunk = 256 * 1024
    pulled = run(BodyLimit(body_app(read)), [], 400, chunk)  # chunked: no Content-Length; 100 MiB on offer
    assert pulled == (LIMITS.upload_bytes + FORM_SLACK) // chunk + 1
    assert sum(read) <= LIMITS.upload_bytes + FORM_SLACK


def test_an_uploaded_file_is_read_in_chunks_up_to_the_limit() -> None:
    class Counting(io.BytesIO):
        reads = 0

        def read(self, size: int | None = -1) -> bytes:
            Counting.reads += 1
            return super().read(size)

    spooled = Counting(b"y" * (20 * MIB))
    with pytest.raises(LimitError, match=r"big\.txt"):
        asyncio.run(read_upload(UploadFile(spooled, filename="big.txt"), LIMITS))
    assert Counting.reads <= LIMITS.upload_bytes // MIB + 1  # stopped at the first MiB over 2 MiB
    assert asyncio.run(read_upload(UploadFile(io.BytesIO(b"ok"), filename="a.txt"), LIMITS)) == b"ok"
