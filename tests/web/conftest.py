"""A web app over seed plan 000 (苏州) with one account per role, and signed-in test clients."""

from __future__ import annotations

import functools
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.tracking.model import UserRole
from lantian.services.reduction import ReductionService
from lantian.web.app import create_app

ENV = "市生态环境局"
TRANSPORT = "市交通运输局"
PASSWORD = "a-long-test-password"
ACCOUNTS = {  # username → (role, department)
    "admin": (UserRole.ADMIN, None),
    "dept": (UserRole.DEPARTMENT, ENV),
    "other": (UserRole.DEPARTMENT, TRANSPORT),
    "leader": (UserRole.LEADER, None),
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    """A data folder with seed 000 imported and the accounts added, built once: each test gets a
    copy (opening a copy takes a fifth of importing and hashing four passwords again)."""
    folder = tmp_path_factory.mktemp("seeded") / "data"
    app = App.open(Settings.load(folder))
    (seed,) = seeds_dir.glob("000_*.txt")
    app.plans.import_files([seed])
    for name, (role, department) in ACCOUNTS.items():
        app.accounts.add(name, PASSWORD, role, "苏州市", department=department)
    app.close()
    return folder


@pytest.fixture
def lantian(tmp_path: Path, seeded: Path) -> Iterator[App]:
    shutil.copytree(seeded, tmp_path / "data")
    app = App.open(Settings.load(tmp_path / "data"))
    yield app
    app.close()


@pytest.fixture
def web(lantian: App) -> TestClient:
    return TestClient(create_app(lantian=lantian))


@pytest.fixture
def client(lantian: App) -> Callable[[str | None], TestClient]:
    """A client signed in as ``name`` (None: anonymous), with its CSRF token sent on every request."""

    def make(name: str | None) -> TestClient:
        c = TestClient(create_app(lantian=lantian), follow_redirects=False)
        if name is not None:
            r = c.post("/api/v1/session", json={"username": name, "password": PASSWORD})
            assert r.status_code == 200, r.text
            c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        return c

    return make


def env_task(app: App) -> int:
    from lantian.domain.tracking.model import Actor

    dept = Actor("dept", UserRole.DEPARTMENT, "苏州市", ENV)
    for ref, _ in app.workflow.visible_tasks(dept):
        names = [n for n, _ in ref.departments]
        if ENV in names and TRANSPORT not in names:
            return ref.id
    raise AssertionError("seed 000 has no task of 市生态环境局 alone")


@functools.cache
def list_template() -> bytes:
    """The shipped reduction-list template (三家示例企业, passes the national rules)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "template.xlsx"
        ReductionService(Path(folder)).write_template(path)
        return path.read_bytes()
