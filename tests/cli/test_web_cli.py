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
    assert code == 0 and verdict["ok"] and verdict["entries"] == 3  # the plan's import, the account's two changes
    code, out, _ = run(capsys, "audit", "log", "--data-dir", data)
    assert "plan.import" in out and "user.add" in out and "user.active" in out

    with sqlite3.connect(tmp_path / "data" / "lantian.db") as db:
        db.execute("UPDATE audit_log SET actor = 'someone' WHERE seq = 1")
    code, out, _ = run(capsys, "audit", "verify", "--data-dir", data)
    assert code == 1 and "#1: altered" in out


def test_what_the_command_line_changes_is_audited_as_the_system(
    tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "data")
    (seed,) = seeds_dir.glob("001_*.txt")
    assert run(capsys, "plans", "import", str(seed), "--key", "p", "--data-dir", data)[0] == 0
    assert run(capsys, "plans", "import", str(seed), "--key", "p", "--data-dir", data)[0] == 0  # unchanged: no entry
    code, out, _ = run(capsys, "plans", "review", "--json", "--data-dir", data)
    flag = json.loads(out)[0]["id"]
    steps = [
        ("plans", "review", "--confirm", str(flag)),
        ("tasks", "status", "p", "1", "推进中"),
        ("targets", "set", "--jurisdiction", "苏州市", "--indicator", "pm25", "--year", "2026", "--value", "28"),
        ("warnings", "issue", "--jurisdiction", "苏州市", "--level", "yellow", "--issuer", "市重污染天气应急指挥部",
         "--at", "2026-01-05T10:00"),
    ]  # fmt: skip
    for step in steps:
        assert run(capsys, *step, "--data-dir", data)[0] == 0, step
    code, out, _ = run(capsys, "audit", "log", "--json", "--data-dir", data)
    entries = json.loads(out)
    assert [(e["action"], e["actor"]) for e in reversed(entries)] == [
        ("plan.import", "system"), ("flag.confirmed", "system"), ("task.status", "system"),
        ("target.set", "system"), ("warning.issue", "system"),
    ]  # fmt: skip
    status = next(e for e in entries if e["action"] == "task.status")
    assert (status["entity_id"], json.loads(status["before"]), json.loads(status["after"])) == (
        "p#1",
        {"status": "not_started"},
        {"status": "in_progress"},
    )
    target = next(e for e in entries if e["action"] == "target.set")
    assert json.loads(target["before"]) is None and json.loads(target["after"])["value"] == 28
    code, out, _ = run(capsys, "audit", "verify", "--json", "--data-dir", data)
    assert code == 0 and json.loads(out)["entries"] == 5
