"""The audit log's anchor (审计锚点): deleting every entry, deleting the newest, or editing one and
recomputing the chain all verify as intact on the chain alone; against the anchor file they are
reported as entries missing or rewritten (the tampering done in SQL against the store)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from lantian.cli.main import main
from lantian.domain.tracking.audit import chain_hash
from tests.helpers import run

PM25 = ("targets", "set", "--jurisdiction", "苏州市", "--indicator", "pm25", "--year", "2026", "--value")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with five audit entries, anchored after the second and after the fifth."""
    folder = tmp_path_factory.mktemp("anchored")
    data = str(folder)
    for value in ("30", "29"):
        assert main([*PM25, value, "--data-dir", data]) == 0
    assert main(["audit", "verify", "--data-dir", data]) == 0
    for value in ("28", "27", "26"):
        assert main([*PM25, value, "--data-dir", data]) == 0
    assert main(["audit", "anchor", "--data-dir", data]) == 0
    return folder


@pytest.fixture
def data(base: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(base, folder)
    return folder


def sql(data: Path, *statements: str) -> None:
    with sqlite3.connect(data / "lantian.db") as db:
        for statement in statements:
            db.execute(statement)


def rechain(data: Path) -> None:
    """What someone with write access to the store can do: recompute every hash and the head."""
    with sqlite3.connect(data / "lantian.db") as db:
        rows = db.execute(
            "SELECT seq, at, actor, action, entity, entity_id, before, after FROM audit_log ORDER BY seq"
        ).fetchall()
        prev = "0" * 64
        for seq, *fields in rows:
            digest = chain_hash(prev, seq, *fields)
            db.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
            prev = digest
        db.execute("DELETE FROM audit_head")
        if rows:
            db.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)", (rows[-1][0], prev))


def chain_only(capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path) -> dict[str, object]:
    """``audit verify`` against an anchor file that has nothing in it: the chain alone."""
    code, out, _ = run(capsys, "audit", "verify", "--json", "--no-record", "--anchor", str(tmp_path / "none.txt"),
                       "--data-dir", str(data))  # fmt: skip
    verdict: dict[str, object] = json.loads(out)
    assert (code == 0) == verdict["ok"]
    return verdict


def test_the_anchor_file_has_one_line_per_verification(base: Path) -> None:
    lines = (base / "audit-anchor.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ") and [line.split()[0] for line in lines[1:]] == ["2", "5"]
    assert all(len(line.split()[1]) == 64 for line in lines[1:])


def test_deleting_the_newest_entries_is_reported_against_the_anchor(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    sql(data, "DELETE FROM audit_log WHERE seq > 3",
        "UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log WHERE seq = 3)")  # fmt: skip
    assert chain_only(capsys, data, tmp_path)["ok"] is True  # the chain alone cannot tell
    code, out, _ = run(capsys, "audit", "verify", "--data-dir", str(data))
    assert code == 1 and "缺少2条" in out and "2 entries missing" in out and "现只有3条" in out
    assert "未记录锚点" in out
    lines = (data / "audit-anchor.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3  # nothing recorded over a broken log


def test_deleting_every_entry_is_reported(capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path) -> None:
    sql(data, "DELETE FROM audit_log", "DELETE FROM audit_head")
    assert chain_only(capsys, data, tmp_path)["entries"] == 0
    assert chain_only(capsys, data, tmp_path)["ok"] is True
    code, out, _ = run(capsys, "audit", "verify", "--json", "--data-dir", str(data))
    anchor = json.loads(out)["anchor"]
    assert code == 1 and anchor["missing"] == 5 and anchor["missing_since"]["count"] == 5
    code, out, _ = run(capsys, "audit", "anchor", "--data-dir", str(data))
    assert code == 1 and "5 entries missing" in out


def test_an_entry_edited_and_the_chain_recomputed_is_reported(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    sql(data, "UPDATE audit_log SET actor = 'someone' WHERE seq = 4")
    rechain(data)
    assert chain_only(capsys, data, tmp_path)["ok"] is True
    code, out, _ = run(capsys, "audit", "verify", "--data-dir", str(data))
    # the anchor after #2 still holds: the change lies in #3–#5
    assert code == 1 and "第3–5条中有条目" in out and "rewritten since" in out
    code, out, _ = run(capsys, "audit", "verify", "--json", "--no-record", "--data-dir", str(data))
    anchor = json.loads(out)["anchor"]
    assert anchor["held"]["count"] == 2 and anchor["rewritten"]["count"] == 5 and anchor["rewritten_after"] == 2


def test_deleting_the_newest_and_writing_new_ones_is_a_rewrite(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    sql(
        data,
        "DELETE FROM audit_log WHERE seq > 1",
        "UPDATE audit_head SET seq = 1, hash = (SELECT hash FROM audit_log)",
    )
    for value in ("40", "41", "42", "43", "44"):
        assert run(capsys, *PM25, value, "--data-dir", str(data))[0] == 0
    code, out, _ = run(capsys, "audit", "verify", "--data-dir", str(data))
    assert code == 1 and "第1–2条中有条目" in out and "#1–#2 rewritten since" in out  # #2 has another hash


def test_an_untouched_log_verifies_and_anchors_again(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    assert run(capsys, *PM25, "25", "--data-dir", str(data))[0] == 0
    code, out, _ = run(capsys, "audit", "verify", "--data-dir", str(data))
    assert code == 0 and "审计链完整" in out and "与审计锚点一致" in out and "第6条" in out
    elsewhere = data.parent / "usb" / "anchor.txt"
    code, out, _ = run(capsys, "audit", "anchor", "--anchor", str(elsewhere), "--data-dir", str(data))
    assert code == 0 and "已记录审计锚点" in out
    (line,) = [x for x in elsewhere.read_text(encoding="utf-8").splitlines() if not x.startswith("#")]
    assert line.split()[0] == "6" and line.split()[1] in out


def test_a_malformed_anchor_file_names_the_file_and_the_line(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    bad = data / "bad.txt"
    bad.write_text("# 锚点\n5 not-a-hash 2026-01-01T00:00:00+00:00\n", encoding="utf-8")
    code, out, err = run(capsys, "audit", "verify", "--anchor", str(bad), "--data-dir", str(data))
    assert code == 2 and f"{bad}:2: hash" in err and "校验值" in err and "Traceback" not in err + out
    bad.write_text("5 " + "a" * 64 + "\n", encoding="utf-8")
    code, _, err = run(capsys, "audit", "verify", "--anchor", str(bad), "--data-dir", str(data))
    assert code == 2 and f"{bad}:1: anchor" in err
