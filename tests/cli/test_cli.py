"""The command line end to end: demo, import, parse --json, lists, exports, and every bad input."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.helpers import run

SUZHOU = "苏州市·2024·重点工作任务分解表"


def seed(seeds_dir: Path, prefix: str) -> Path:
    (path,) = seeds_dir.glob(f"{prefix}_*.txt")
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> str:
    return str(tmp_path / "data")


def test_demo_imports_the_five_seeds_and_the_monitoring_data_and_is_idempotent(
    capsys: pytest.CaptureFixture[str], seeds_dir: Path, data_dir: str, tmp_path: Path
) -> None:
    code, out, err = run(capsys, "demo", "--data-dir", data_dir, "--seeds", str(seeds_dir), "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["counts"]["plans"] == 5 and summary["counts"]["tasks"] == 216
    assert {i["status"] for i in summary["imports"]} == {"created"}
    if (seeds_dir.parent / "data" / "aq").is_dir():
        aq = summary["airquality"]
        assert aq["station_lists"] == 4 and aq["files"] == 364 + 46 and aq["quarantined"] == {}
        # history: aqistudy 2013-12 … 2017-01 (25 cities), 南京 2014 (API layout), tianqihoubao 南京 and 上海
        assert aq["published_city_days"] == 29_630
        targets = aq["targets"]
        assert targets["jurisdiction"] == "南京市" and targets["as_of"] == "2026-06-07"
        status = {r["indicator"]: r for r in targets["status"]}
        assert set(status) == {"pm25", "good_day_ratio"}
        for r in status.values():
            assert r["days_counted"] == 158 and r["baseline_value"] is not None and 0 <= r["probability"] <= 1
        assert status["pm25"]["target_value"] == pytest.approx(status["pm25"]["baseline_value"] * 0.97)
        bulletin = Path(aq["bulletin"])  # the last complete month on record: May 2026
        assert bulletin.name == "南京市2026年5月环境空气质量月报.docx" and bulletin.stat().st_size > 20_000
    # again, from a copy of the seeds alone (no monitoring data beside it): the plans are unchanged
    alone = tmp_path / "elsewhere" / "seeds"
    shutil.copytree(seeds_dir, alone)
    code, out, _ = run(capsys, "demo", "--data-dir", data_dir, "--seeds", str(alone), "--json")
    assert code == 0 and {i["status"] for i in json.loads(out)["imports"]} == {"unchanged"}
    assert json.loads(out)["airquality"] is None
    code, out, _ = run(capsys, "demo", "--data-dir", data_dir, "--seeds", str(alone))
    assert code == 0 and "216 项任务" in out


def test_parse_json_is_the_documented_contract(capsys: pytest.CaptureFixture[str], seeds_dir: Path) -> None:
    code, out, err = run(capsys, "plans", "parse", str(seed(seeds_dir, "001")), "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["meta"]["doc_number"] == "苏气办〔2023〕16号"
    assert len(plan["tasks"]) == 36
    task = plan["tasks"][0]
    assert {"number", "title", "text", "subtasks", "departments", "deadlines", "targets"} <= set(task)
    assert len(task["subtasks"]) >= 2
    dep = task["subtasks"][0]["departments"][0]
    assert set(dep) >= {"name", "normalized", "role", "implicit"} and dep["role"] in {
        "lead",
        "cooperating",
        "responsible",
    }
    for t in plan["targets"]:
        assert set(t) >= {"text", "indicator", "comparator", "value", "unit", "year", "baseline_year", "stretch_value"}
    pm25 = next(t for t in plan["targets"] if t["indicator"] == "pm25")
    assert (pm25["comparator"], pm25["value"], pm25["stretch_value"], pm25["unit"]) == ("<=", 28, 27, "µg/m³")
    dl = next(d for t in plan["tasks"] for d in t["deadlines"] if d["end"])
    assert len(dl["end"]) == 10 and dl["end"][4] == "-"


def test_parse_overrides_the_metadata(capsys: pytest.CaptureFixture[str], seeds_dir: Path) -> None:
    code, out, _ = run(
        capsys, "plans", "parse", str(seed(seeds_dir, "002")), "--json", "--jurisdiction", "南通市", "--year", "2025"
    )
    assert code == 0
    meta = json.loads(out)["meta"]
    assert (meta["jurisdiction"], meta["year"]) == ("南通市", 2025)


def test_import_list_show_and_tasks_exports(
    capsys: pytest.CaptureFixture[str], seeds_dir: Path, data_dir: str, tmp_path: Path
) -> None:
    code, out, err = run(capsys, "plans", "import", str(seed(seeds_dir, "000")), "--data-dir", data_dir, "--json")
    assert code == 0, err
    assert json.loads(out)[0]["key"] == SUZHOU
    code, out, _ = run(capsys, "plans", "list", "--data-dir", data_dir, "--json")
    assert [p["key"] for p in json.loads(out)] == [SUZHOU]
    code, out, _ = run(capsys, "plans", "show", SUZHOU, "--data-dir", data_dir, "--json")
    assert code == 0 and len(json.loads(out)["tasks"]) == 56
    # CSV with BOM, the office layout
    target = tmp_path / "tasks.csv"
    code, _, err = run(capsys, "tasks", "list", "--data-dir", data_dir, "-o", str(target))
    assert code == 0, err
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["序号", "重点工作任务", "具体内容", "牵头单位", "配合单位", "责任单位", "完成时限", "目标值",
                       "状态", "最新进展", "完成比例"]  # fmt: skip
    assert len(rows) == 57
    row5 = next(r for r in rows if r[0] == "5")
    assert row5[3] == "市生态环境局" and "市发改委" in row5[4] and "市工信局" in row5[4]
    # filters: department as users type it, role
    code, out, _ = run(
        capsys, "tasks", "list", "--data-dir", data_dir, "--department", "发改委", "--role", "牵头", "--format", "json"
    )
    found = json.loads(out)
    assert found and all(
        any(d["normalized"] == "市发展改革委" and d["role"] == "lead" for d in t["departments"]) for t in found
    )
    # xlsx matrix and calendar
    matrix = tmp_path / "matrix.xlsx"
    assert run(capsys, "tasks", "matrix", "--data-dir", data_dir, "-o", str(matrix))[0] == 0
    ws = load_workbook(matrix).active
    assert ws.cell(1, 1).value == "部门" and ws.freeze_panes == "A2"
    calendar = tmp_path / "calendar.json"
    code, _, _ = run(capsys, "tasks", "calendar", "--data-dir", data_dir, "--as-of", "2024-07-01", "-o", str(calendar))
    entries = json.loads(calendar.read_text(encoding="utf-8"))
    dated = [e["截止日期"] for e in entries if e["截止日期"]]
    assert dated == sorted(dated)
    assert all(e["是否逾期"] == ("是" if e["截止日期"] and e["截止日期"] < "2024-07-01" else "否") for e in entries)


def test_status_set_and_overdue(capsys: pytest.CaptureFixture[str], seeds_dir: Path, data_dir: str) -> None:
    key = "苏气办〔2023〕16号"
    run(capsys, "plans", "import", str(seed(seeds_dir, "001")), "--data-dir", data_dir)
    code, out, _ = run(
        capsys, "tasks", "list", "--data-dir", data_dir, "--overdue", "--as-of", "2023-07-01", "--format", "json"
    )
    overdue = json.loads(out)
    assert overdue
    first = overdue[0]["number"]
    assert run(capsys, "tasks", "status", key, first, "已完成", "--data-dir", data_dir)[0] == 0
    code, out, _ = run(
        capsys, "tasks", "list", "--data-dir", data_dir, "--overdue", "--as-of", "2023-07-01", "--format", "json"
    )
    assert len(json.loads(out)) == len(overdue) - 1
    code, _, err = run(capsys, "tasks", "status", key, first, "finished", "--data-dir", data_dir)
    assert code == 2 and "status" in err


def test_review_confirm_and_correct(capsys: pytest.CaptureFixture[str], seeds_dir: Path, data_dir: str) -> None:
    run(capsys, "plans", "import", str(seed(seeds_dir, "001")), "--data-dir", data_dir)
    code, out, _ = run(capsys, "plans", "review", "--data-dir", data_dir, "--json")
    flags = json.loads(out)
    assert flags and all(f["status"] == "open" for f in flags)
    assert run(capsys, "plans", "review", "--data-dir", data_dir, "--confirm", str(flags[0]["id"]))[0] == 0
    code, _, err = run(capsys, "plans", "review", "--data-dir", data_dir, "--correct", str(flags[1]["id"]))
    assert code == 2 and "--note" in err
    assert (
        run(
            capsys,
            "plans",
            "review",
            "--data-dir",
            data_dir,
            "--correct",
            str(flags[1]["id"]),
            "--note",
            "lead is 市生态环境局",
        )[0]
        == 0
    )
    code, out, _ = run(capsys, "plans", "review", "--data-dir", data_dir, "--json")
    assert len(json.loads(out)) == len(flags) - 2
    code, out, _ = run(capsys, "plans", "review", "--data-dir", data_dir, "--json", "--all")
    assert {f["status"] for f in json.loads(out)} == {"open", "confirmed", "corrected"}


def test_link_provincial_to_city(capsys: pytest.CaptureFixture[str], seeds_dir: Path, data_dir: str) -> None:
    run(capsys, "plans", "import", str(seed(seeds_dir, "003")), str(seed(seeds_dir, "001")), "--data-dir", data_dir)
    code, out, err = run(
        capsys,
        "plans",
        "link",
        "江苏省2021年大气污染防治工作计划",
        "苏气办〔2023〕16号",
        "--data-dir",
        data_dir,
        "--json",
    )
    assert code == 0, err
    report = json.loads(out)
    pairs = {(link["parent_number"], link["child_number"]) for link in report["links"]}
    assert ("29", "23") in pairs  # 车船油品联合管控 ↔ 车船油品专项整治
    assert ("24", "21") in pairs  # 餐饮油烟监管 ↔ 餐饮油烟专项治理
    assert "10" in {p["number"] for p in report["unmatched_parents"]}  # 露天矿山: no counterpart in 苏州


# ---------------------------------------------------------------------------------- bad input
def _docx_without_table(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("关于做好冬季供暖的通知")
    d.add_paragraph("请各单位做好准备。")
    d.save(str(path))


def _bad_inputs(tmp_path: Path, seeds_dir: Path) -> dict[str, tuple[Path, str]]:
    """name → (file, a fragment the message must contain)."""
    table = seed(seeds_dir, "000").read_text(encoding="utf-8")
    lines = table.splitlines()
    cases: dict[str, tuple[Path, str]] = {}
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    cases["empty"] = (empty, "empty")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 20)
    cases["binary"] = (binary, "binary")
    no_table = tmp_path / "notice.docx"
    _docx_without_table(no_table)
    cases["docx without a table"] = (no_table, "no tasks")
    header = lines.index("\t责任分工")
    missing = tmp_path / "no_duty.txt"
    missing.write_text("\n".join(lines[:header] + lines[header + 1 :]), encoding="utf-8")
    cases["table missing 责任分工"] = (missing, "责任分工")
    cut = lines.index("\t5")
    truncated = tmp_path / "truncated.txt"
    truncated.write_text("\n".join(lines[: cut + 2]) + "\n", encoding="utf-8")
    cases["truncated table"] = (truncated, "truncated")
    bad_utf = tmp_path / "latin1.txt"
    bad_utf.write_bytes("序号".encode() + b"\n\xff\xfe\xfd\xfc\x80\x81\n")
    cases["neither UTF-8 nor GBK"] = (bad_utf, "GBK")
    corrupt = tmp_path / "corrupt.docx"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    cases["corrupt docx"] = (corrupt, ".docx")
    corrupt_x = tmp_path / "corrupt.xlsx"
    corrupt_x.write_bytes(b"this is not a workbook")
    cases["corrupt xlsx"] = (corrupt_x, ".xlsx")
    return cases


def test_every_bad_input_names_the_file_exits_non_zero_and_leaves_the_store_alone(
    capsys: pytest.CaptureFixture[str], seeds_dir: Path, data_dir: str, tmp_path: Path
) -> None:
    run(capsys, "plans", "import", str(seed(seeds_dir, "001")), "--data-dir", data_dir)
    _, before, _ = run(capsys, "db", "status", "--data-dir", data_dir, "--json")
    for name, (path, fragment) in _bad_inputs(tmp_path, seeds_dir).items():
        code, _, err = run(capsys, "plans", "import", str(path), "--data-dir", data_dir)
        assert code == 2, f"{name}: exit {code}"
        assert str(path) in err, f"{name}: message does not name the file: {err}"
        assert fragment in err, f"{name}: {err}"
        assert "Traceback" not in err and err.count("\n") == 1, f"{name}: not one line: {err}"
        assert run(capsys, "db", "status", "--data-dir", data_dir, "--json")[1] == before, name


def test_line_numbers_are_named(capsys: pytest.CaptureFixture[str], seeds_dir: Path, tmp_path: Path) -> None:
    cases = _bad_inputs(tmp_path, seeds_dir)
    for name in ("table missing 责任分工", "truncated table", "neither UTF-8 nor GBK"):
        path, _ = cases[name]
        code, _, err = run(capsys, "plans", "parse", str(path))
        assert code == 2
        assert f"{path}:" in err and err.split(f"{path}:")[1].split(":")[0].isdigit(), f"{name}: {err}"


def test_gbk_and_bom_copies_work(capsys: pytest.CaptureFixture[str], seeds_dir: Path, tmp_path: Path) -> None:
    text = seed(seeds_dir, "001").read_text(encoding="utf-8")
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(text.encode("gbk"))
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    results = []
    for path in (gbk, bom):
        code, out, err = run(capsys, "plans", "parse", str(path), "--json")
        assert code == 0, err
        plan = json.loads(out)
        results.append((plan["meta"], [t["text"] for t in plan["tasks"]]))
    assert results[0] == results[1] and len(results[0][1]) == 36


def test_usage_errors_and_unknown_things(capsys: pytest.CaptureFixture[str], data_dir: str, tmp_path: Path) -> None:
    assert run(capsys, "plans", "show", "no-such", "--data-dir", data_dir)[0] == 4
    assert run(capsys, "plans", "import", str(tmp_path / "missing.txt"), "--data-dir", data_dir)[0] == 2
    assert run(capsys, "tasks", "list", "--data-dir", data_dir, "--due-before", "June")[0] == 2
    assert (
        run(capsys, "tasks", "list", "--data-dir", data_dir, "--format", "pdf", "-o", str(tmp_path / "x.pdf"))[0] == 2
    )
    assert run(capsys, "tasks", "list", "--data-dir", data_dir, "--format", "xlsx")[0] == 2
    assert run(capsys, "plans", "frobnicate")[0] == 2
    code, _, err = run(capsys, "plans", "list", "--database-url", "nosuchdb://x")
    assert code == 3 and "database" in err.lower()
    assert run(capsys, "--help")[0] == 0
