"""``lantian reduction-list …`` and the warning's life (``warnings issue / lift / history / in-force /
readings``) end to end, on SQLite and PostgreSQL, with the bad inputs.

The shipped template's list (worked in docs/warnings.md): SO2 base 120.5 + 8 + 60 = 188.5 t/a. At
yellow the cement plant stops its line 2 (40.5 t) and the chemical plant limits its oil heater 30 %
(2.4 t): 42.9 t, 22.8 %. Under 海门's 30 % that is 0.3 × 188.5 − 42.9 = 13.65 t short.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import run


@pytest.fixture
def template(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    path = tmp_path / "清单模板.xlsx"
    code, _, err = run(capsys, "reduction-list", "template", "-o", str(path))
    assert code == 0, err
    return path


def check_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, out, err = run(capsys, "reduction-list", "check", *args, "--json")
    assert code in (0, 1), err
    return code, json.loads(out)


def level(report: dict, lv: str, pollutant: str) -> dict:  # type: ignore[type-arg]
    return next(x for x in report["levels"] if x["level"] == lv and x["pollutant"] == pollutant)


def test_template_passes_national_rules_and_fails_haimen(capsys: pytest.CaptureFixture[str], template: Path) -> None:
    code, report = check_json(capsys, str(template))
    assert code == 0 and report["passed"] and report["violations_count"] == 0
    assert report["enterprises_count"] == 3 and report["measures_count"] == 11
    yellow = level(report, "yellow", "so2")
    assert (yellow["baseline_t"], yellow["reduction_t"], yellow["ratio"]) == (188.5, 42.9, 0.2276)
    assert yellow["required"] == 0.1 and yellow["shortfall_t"] == 0 and yellow["meets"]
    assert [p["name"] for p in report["protected"]] == ["示例热电有限公司"]
    assert report["protected"][0]["reason"] == "承担城市居民集中供热"
    (vehicle,) = report["key_vehicle_users"]
    assert vehicle["measures"]["orange"] == ["运输车辆 运输管控：停止国五及以下重型柴油货车运输"]
    cement = next(e for e in report["enterprises"] if e["grade"] == "B")
    assert cement["reductions_t"]["red"]["so2"] == 120.5 and cement["violations"] == []
    code, report = check_json(capsys, str(template), "--jurisdiction", "海门市")
    assert code == 1 and not report["passed"]
    short = level(report, "yellow", "so2")
    assert short["required"] == 0.3 and short["shortfall_t"] == pytest.approx(13.65) and not short["meets"]
    assert level(report, "orange", "nox")["shortfall_t"] == pytest.approx(0.4 * 655 - 204.5)


def test_a_list_built_to_miss_orange_and_a_measure_without_monitoring(
    capsys: pytest.CaptureFixture[str], template: Path, tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(template)
    measures = book["措施"]
    for row in list(measures.iter_rows(min_row=2)):
        if row[1].value == "橙色" and row[2].value == "全厂":  # the cement plant's orange 40 % limit …
            row[4].value = 5  # … becomes 5 %
        if row[1].value == "红色" and row[2].value == "全厂" and row[0].value == measures["A2"].value:
            row[5].value = None  # the cement plant's red stop loses its monitoring means
    path = tmp_path / "清单.xlsx"
    book.save(path)
    code, report = check_json(capsys, str(path))
    assert code == 1
    # orange NOx: 480 × 5 % = 24 (cement) + 25 × 50 % = 12.5 (chemical) = 36.5 of 655; 20 % needs 131
    orange = level(report, "orange", "nox")
    assert orange["reduction_t"] == 36.5 and orange["shortfall_t"] == pytest.approx(131 - 36.5)
    codes = {(v["code"], v["line"]) for v in report["violations"]}
    assert ("no_monitoring", 6) in codes
    assert any(c == "below_grade_minimum" for c, _ in codes) and any(c == "not_stricter" for c, _ in codes)
    code, out, _ = run(capsys, "reduction-list", "check", str(path))
    assert code == 1 and "未通过" in out and "no_monitoring" in out and "94.500" in out


def test_coverage_and_permits_from_gbk_and_bom_csv(
    capsys: pytest.CaptureFixture[str], template: Path, tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(template)
    codes = [r[1].value for r in book["企业"].iter_rows(min_row=2)]
    registry = tmp_path / "名录.csv"
    registry.write_bytes(
        (
            "统一社会信用代码,企业名称,行业,涉气\n" + f"{codes[0]},示例水泥有限公司,水泥,是\n"
            "91320684MA1WXY0097,漏报的铸造厂,铸造,是\n91320684MA1WXY0098,服装厂,服装,否\n"
        ).encode("gbk")
    )
    permits = tmp_path / "许可.csv"
    permits.write_bytes(
        ("\ufeff统一社会信用代码,行业,NOx(t/a)\n" + f"{codes[0]},水泥,400\n{codes[1]},涂料,\n").encode()
    )
    code, report = check_json(capsys, str(template), "--registry", str(registry), "--permits", str(permits))
    assert code == 1
    assert [x["name"] for x in report["not_covered"]] == ["漏报的铸造厂"]
    found = {(v["code"], v["enterprise"]) for v in report["violations"]}
    assert ("permit_exceeded", codes[0]) in found  # NOx 480 > 400
    assert ("permit_industry", codes[1]) in found  # 化工 vs 涂料
    assert ("no_permit", codes[2]) in found and report["warnings_count"] == 1


def test_bad_inputs_name_file_sheet_line_and_field(
    capsys: pytest.CaptureFixture[str], template: Path, tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(template)
    book["企业"]["H3"] = "很多"
    book["措施"]["B4"] = "蓝色"
    bad = tmp_path / "坏清单.xlsx"
    book.save(bad)
    code, _, err = run(capsys, "reduction-list", "check", str(bad))
    assert code == 2 and f"{bad}!企业:3: SO2(t/a)" in err and "措施!4 预警级别" in err and "Traceback" not in err
    del book["措施"]
    book.save(bad)
    code, _, err = run(capsys, "reduction-list", "check", str(bad))
    assert code == 2 and "措施" in err
    text = tmp_path / "清单.csv"
    text.write_text("x\n")
    assert run(capsys, "reduction-list", "check", str(text))[0] == 2
    broken = tmp_path / "损坏.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    code, _, err = run(capsys, "reduction-list", "check", str(broken))
    assert code == 2 and "not a readable .xlsx" in err
    assert run(capsys, "reduction-list", "check", str(tmp_path / "无.xlsx"))[0] == 2


@pytest.mark.parametrize("db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_warning_life_in_force_and_readings(
    capsys: pytest.CaptureFixture[str], template: Path, tmp_path: Path, db_url: str
) -> None:
    data = ["--data-dir", str(tmp_path / "data"), "--database-url", db_url]
    areas = tmp_path / "areas.csv"
    areas.write_text("城市,省级行政区\n南通市,江苏省\n", encoding="utf-8")
    assert run(capsys, "aq", "areas", "import", str(areas), *data)[0] == 0
    steps = [
        ("issue", "江苏省", "yellow", "2026-12-01 20:00"),
        ("issue", "南通市", "橙色", "2026-12-02 08:00"),
        ("lift", "南通市", None, "2026-12-03 12:00"),
        ("lift", "江苏省", None, "2026-12-04 12:00"),
    ]
    for command, place, lv, at in steps:
        extra = ["--level", lv] if lv else []
        code, out, err = run(
            capsys,
            "warnings",
            command,
            "--jurisdiction",
            place,
            *extra,
            "--at",
            at,
            "--issuer",
            f"{place}重污染天气应急指挥部办公室",
            *data,
        )
        assert code == 0, err
    code, _, err = run(
        capsys, "warnings", "lift", "--jurisdiction", "南通", "--issuer", "x", "--at", "2026-12-05 00:00", *data
    )
    assert code == 2 and "no warning in force" in err
    code, out, _ = run(capsys, "warnings", "history", "--jurisdiction", "南通市", "--json", *data)
    history = json.loads(out)
    assert history["parents"] == ["江苏省"]
    assert [e["action"] for e in history["events"]] == ["issue", "lift"]
    assert [(s["level"], s["source"], s["inherited"]) for s in history["in_force"]] == [
        ("yellow", "江苏省", True),
        ("orange", "南通市", False),
        ("yellow", "江苏省", True),
    ]
    # the list in force: kept once, the same file again changes nothing
    code, out, _ = run(capsys, "reduction-list", "import", str(template), "--jurisdiction", "南通市", *data)
    assert code == 0 and "已登记" in out
    code, out, _ = run(capsys, "reduction-list", "import", str(template), "--jurisdiction", "南通", *data)
    assert code == 0 and "未变化" in out
    code, out, _ = run(
        capsys, "warnings", "in-force", "--jurisdiction", "南通市", "--at", "2026-12-02 10:00", "--json", *data
    )
    state = json.loads(out)
    assert state["level"] == "orange" and state["source"] == "南通市" and state["list"] == template.name
    assert state["reductions_t"]["nox"] == pytest.approx(480 * 0.4 + 25 * 0.5)
    assert {e["name"] for e in state["enterprises"]} == {"示例水泥有限公司", "示例化工有限公司"}
    code, out, _ = run(capsys, "warnings", "in-force", "--jurisdiction", "南通市", "--at", "2026-12-03 13:00", *data)
    assert code == 0 and "黄色" in out and "响应江苏省预警" in out and "2号熟料生产线 停产" in out
    # readings: the cement plant's electricity falls 20 % under orange (committed: whole plant 40 %)
    cement = openpyxl.load_workbook(template)["企业"]["B2"].value
    rows = ["统一社会信用代码,时间,读数"] + [f"{cement},2026-11-{d:02d} 12:00,1000" for d in range(26, 31)]
    rows += [f"{cement},2026-12-02 {h:02d}:00,800" for h in (9, 15, 21)]
    readings = tmp_path / "用电.csv"
    readings.write_bytes("\n".join(rows).encode("gbk"))
    code, out, err = run(
        capsys, "warnings", "readings", "--jurisdiction", "南通市", "--readings", str(readings), "--json", *data
    )
    assert code == 0, err
    (row,) = json.loads(out)["results"]
    assert row["level"] == "orange" and row["normal"] == 1000 and row["during"] == 800
    assert row["observed_cut"] == pytest.approx(0.2) and row["committed_cut"] == pytest.approx(0.4) and row["short"]
    code, out, _ = run(capsys, "warnings", "readings", "--jurisdiction", "南通市", "--readings", str(readings), *data)
    assert code == 0 and "未落实" in out


def test_a_district_answers_its_city_and_province(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    aq = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "aq"
    lists = sorted((aq / "station_lists").glob("站点列表-20*.csv"))
    if not lists:
        pytest.skip("the shared station lists are not beside the checkout")
    data = ["--data-dir", str(tmp_path / "data")]
    assert run(capsys, "aq", "stations", "import", *map(str, lists), *data)[0] == 0
    areas, districts = tmp_path / "areas.csv", tmp_path / "districts.csv"
    areas.write_text("城市,省级行政区\n南京市,江苏省\n", encoding="utf-8")
    districts.write_text("监测点编码,区县\n1151A,栖霞区\n1159A,栖霞区\n1152A,鼓楼区\n", encoding="utf-8")
    assert run(capsys, "aq", "areas", "import", str(areas), *data)[0] == 0
    assert run(capsys, "aq", "areas", "import", "--counties", str(districts), *data)[0] == 0
    for place, lv, at in (("江苏省", "yellow", "2026-12-01 20:00"), ("南京市", "orange", "2026-12-02 00:00"),
                          ("栖霞区", "yellow", "2026-12-02 06:00")):  # fmt: skip
        assert run(capsys, "warnings", "issue", "--jurisdiction", place, "--level", lv, "--at", at,
                   "--issuer", "指挥部办公室", *data)[0] == 0  # fmt: skip
    code, out, err = run(capsys, "warnings", "history", "--jurisdiction", "栖霞区", "--json", *data)
    assert code == 0, err
    history = json.loads(out)
    assert history["parents"] == ["南京市", "江苏省"]
    # 栖霞区's own yellow sits under 南京's orange: the district responds at orange, 南京's
    assert [(s["level"], s["source"]) for s in history["in_force"]] == [("yellow", "江苏省"), ("orange", "南京市")]
    code, out, _ = run(capsys, "warnings", "in-force", "--jurisdiction", "栖霞区", "--at", "2026-12-02 07:00", *data)
    assert code == 0 and "橙色" in out and "响应南京市预警" in out and "尚无减排清单" in out


def test_two_people_recording_at_once_cannot_both_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from lantian.bootstrap import App
    from lantian.config import Settings
    from lantian.errors import ConflictError
    from lantian.storage.repositories import PlanRepository

    app = App.open(Settings.load(tmp_path / "data", None))
    try:
        app.warnings.record("南通市", "yellow", dt.datetime(2026, 12, 1, 20), "指挥部办公室")
        # the second writer read the history before the first one's event landed
        monkeypatch.setattr(PlanRepository, "warning_events", lambda self, places=None: {})
        with pytest.raises(ConflictError, match="another user"):
            app.warnings.record("南通市", "orange", dt.datetime(2026, 12, 2, 8), "指挥部办公室")
        monkeypatch.undo()
        _, spans, _ = app.warnings.history("南通市")
        assert [s.level for s in spans] == ["yellow"]  # the first event stands, nothing half-written
    finally:
        app.close()
