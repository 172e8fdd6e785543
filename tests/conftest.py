"""Fixtures shared by the whole suite.

- ``seeds_dir``: the five seed plans, from ``../shared/seeds`` beside the repository (or
  ``$LANTIAN_SHARED_DIR/seeds``); tests needing them skip when they are absent.
- ``seed``: a parsed seed plan by its number (``seed("001")``), parsed once per session.
- ``postgres_url``: a real PostgreSQL server, initialised in a temporary folder and started on a
  free loopback port for the session. Skips when no server binaries exist, unless
  ``LANTIAN_REQUIRE_POSTGRES=1`` (set by ``.ci/run``), which turns the skip into a failure.
- ``db_url``: parametrised over ``sqlite`` and ``postgres`` — store tests run on both.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest

from lantian.documents.read import read_document
from lantian.domain.plans.model import ParsedPlan
from lantian.domain.plans.parser import parse_plan

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    env = os.environ.get("LANTIAN_SHARED_DIR")
    return Path(env) if env else REPO.parent / "shared"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    path = shared_dir() / "seeds"
    if not path.is_dir():
        pytest.skip(f"seed plans not found at {path} (set LANTIAN_SHARED_DIR)")
    return path


@cache
def _parse(path: str) -> ParsedPlan:
    return parse_plan(read_document(path))


@pytest.fixture
def seed(seeds_dir: Path) -> Callable[[str], ParsedPlan]:
    """``seed("001")`` → the parsed seed plan (parsed once per test session; do not mutate it)."""

    def load(prefix: str) -> ParsedPlan:
        (path,) = sorted(seeds_dir.glob(f"{prefix}_*.txt"))
        return _parse(str(path))

    return load


def _pg_bindir() -> Path | None:
    for name in ("initdb",):
        found = shutil.which(name)
        if found and Path(found).resolve().parent.name == "bin" and (Path(found).parent / "pg_ctl").exists():
            return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _no_postgres(reason: str) -> None:
    if os.environ.get("LANTIAN_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required (LANTIAN_REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(f"no PostgreSQL server: {reason}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Start a throw-away PostgreSQL cluster; yields a base URL without a database name."""
    bindir = _pg_bindir()
    if bindir is None:
        _no_postgres("initdb/pg_ctl not found (install Debian's postgresql)")
    assert bindir is not None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _no_postgres("psycopg is not installed (pip install 'lantian[postgres]')")
    root = Path(tempfile.mkdtemp(prefix="lantian-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: run the server as the postgres user
        if shutil.which("runuser") is None:
            _no_postgres("running as root without runuser")
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
        os.chmod(root, 0o755)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    user = "lantian"
    log = root / "server.log"

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8", "--locale=C")
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = log.read_text(errors="replace")[-800:] if log.exists() else ""
        stderr = getattr(exc, "stderr", b"") or b""
        shutil.rmtree(root, ignore_errors=True)
        _no_postgres(f"the server did not start: {exc} {stderr.decode(errors='replace')[-400:]} {detail}")
    try:
        yield f"postgresql+psycopg://{user}@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's server for one test."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = postgres_server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres_server}/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lantian.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url
