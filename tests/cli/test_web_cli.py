"""``lantian users …`` and ``lantian audit …`` from the command line, tampering included."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import run


def test_users_and_audit_verify_detect_tampering(
    tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "data")
    (seed,) = seeds_dir.glob("000_*.txt")
    assert run(capsys, "plans", "import", str(seed), "--data-dir", data)[0] == 0
    code, out, _ = run(capsys, "users", "add", "sthjj", "--role", "department", "--jurisdiction", "苏州市",
                       "--department", "生态环境局", "--password", "a-long-password", "--data-dir", data)  # fmt: skip
    assert code == 0 and "sthjj" in out
    code, _, err = run(capsys, "users", "add", "sthjj", "--role", "leader", "--jurisdiction", "苏州市",
                       "--password", "a-long-password", "--data-dir", data)  # fmt: skip
    assert code == 5 and "已存在" in err
    code, _, err = run(capsys, "users", "add", "x", "--role", "boss", "--jurisdiction", "苏州市", "--password", "p",
                       "--data-dir", data)  # fmt: skip
    assert code == 2 and "role" in err
    code, out, _ = run(capsys, "users", "list", "--json", "--data-dir", data)
    assert [u["department"] for u in json.loads(out)] == ["市生态环境局"]  # normalised through the dictionary
    assert run(capsys, "users", "disable", "sthjj", "--data-dir", data)[0] == 0
    code, out, _ = run(capsys, "audit", "verify", "--json", "--data-dir", data)
    verdict = json.loads(out)
    assert code == 0 and verdict["ok"] and verdict["entries"] == 2
    code, out, _ = run(capsys, "audit", "log", "--data-dir", data)
    assert "user.add" in out and "user.active" in out

    with sqlite3.connect(tmp_path / "data" / "lantian.db") as db:
        db.execute("UPDATE audit_log SET actor = 'someone' WHERE seq = 1")
    code, out, _ = run(capsys, "audit", "verify", "--data-dir", data)
    assert code == 1 and "#1: altered" in out
