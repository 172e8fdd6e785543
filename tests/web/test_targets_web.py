"""The 目标 pages and their API (web/targets.py) on real data: 苏州's published city daily values of
2014 – January 2017 (aqistudy) and a plan with 2017 targets; the probability shown with the kept
backtest's calibration, the 大气办's form (audited, a refused entry keeps its input), the place checks."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from lantian.bootstrap import App
from lantian.domain.targets.backtest import Backtest, Forecast
from lantian.domain.targets.registry import TargetEntry
from lantian.domain.tracking.model import SYSTEM

PLAN = (
    "苏州市2017年大气污染防治工作计划\n一、工作目标\n"
    "2017年，全市PM2.5浓度达到45微克/立方米，优良天数比率达到70%。\n"
    "二、重点任务\n1. 测试任务。（市生态环境局负责）\n"
)


@pytest.fixture
def suzhou(lantian: App, seeds_dir: Path, tmp_path: Path) -> App:
    """苏州 2014 – 2017-01-31 (published), the plan's 2017 targets (PM2.5 ≤ 45, 优良 ≥ 70 %)."""
    published = seeds_dir.parent / "data" / "aq" / "aqistudy_daily_2013_2017" / "data" / "苏州.csv"
    lantian.airquality.import_published([published], city_from_file_name=True)
    plan = tmp_path / "plan.txt"
    plan.write_text(PLAN, encoding="utf-8")
    lantian.plans.import_files([plan])
    return lantian


def backtest(bins: int = 5) -> Backtest:
    """Forecasts with a known outcome per bin: bin b holds b + 2 forecasts at b/5 + 0.1, b + 1 of them met."""
    out = []
    for b in range(bins):
        for k in range(b + 2):
            out.append(Forecast("苏州", 2016, dt.date(2016, 6, 30), "pm25", Decimal(45), 2015,
                                b / bins + 0.1, 0.5, False, k <= b))  # fmt: skip
    return Backtest(out, 50, (0, 5, 10))


def rows_of(c: TestClient, **params: Any) -> dict[tuple[str, str], dict[str, Any]]:
    r = c.get("/api/v1/targets", params=params)
    assert r.status_code == 200, r.text
    return {(row["jurisdiction"], row["indicator"]): row for row in r.json()["rows"]}


def text_of(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_the_list_shows_value_to_date_what_remains_and_the_probability_with_its_calibration(
    client: Callable[[str | None], TestClient], suzhou: App
) -> None:
    c = client("leader")
    rows = rows_of(c, year=2017)
    pm25, good = rows[("苏州市", "pm25")], rows[("苏州市", "good_day_ratio")]
    assert pm25["source"].startswith("苏州市2017年大气污染防治工作计划") and not pm25["manual"]
    january = [v for (city, day), (v, _) in suzhou.airquality.published_days().items()
               if city == "苏州" and day.year == 2017]  # fmt: skip
    assert len(january) == 31 and pm25["as_of"] == "2017-01-31"
    mean = sum(Decimal(str(v["pm25"])) for v in january) / 31
    assert abs(Decimal(str(pm25["value_to_date"])) - mean) <= Decimal("0.5")  # rounded as reported
    assert pm25["on_track"] is (pm25["value_to_date"] <= 45)
    assert pm25["required_mean_remaining"] is not None and good["good_days_needed"] is not None
    assert 0 <= pm25["probability"] <= 1 and pm25["calibration"] is None  # no backtest kept
    assert c.get("/api/v1/targets").json()["year"] == suzhou.workflow.today().year  # the current year by default

    page = text_of(c.get("/targets", params={"year": 2017}).text)
    assert "尚未回测，概率仅供参考" in page
    assert f"{pm25['probability'] * 100:.0f}%" in page and "≤ 45 µg/m³" in page and "≥ 70 %" in page
    assert f"剩余日均值 ≤ {pm25['required_mean_remaining']:g} µg/m³" in page  # 年剩余日控制值
    assert "计划" in page and "苏州市2017年大气污染防治工作计划 第3行" in page

    # the kept backtest: each probability with what forecasts in its range came to
    kept = suzhou.targets.save_calibration(backtest())
    assert (
        json.loads(suzhou.targets.calibration_path.read_text(encoding="utf-8"))["forecasts"] == 20 == kept["forecasts"]
    )
    rows = rows_of(c, year=2017)
    for row in rows.values():
        if row["probability"] is None:
            continue
        b = min(int(row["probability"] * 5), 4)
        expected_bin = {"from": b / 5, "to": (b + 1) / 5, "forecasts": b + 2,
                        "mean_predicted": pytest.approx(b / 5 + 0.1), "observed": (b + 1) / (b + 2)}  # fmt: skip
        assert row["calibration"] == expected_bin
    b = min(int(pm25["probability"] * 5), 4)
    page = text_of(c.get("/targets", params={"year": 2017}).text)
    observed = f"{(b + 1) / (b + 2) * 100:.0f}"
    shown = f"{pm25['probability'] * 100:.0f}%"
    expected = f"{shown} （历史回测：预测{b * 20}–{b * 20 + 20}%的目标实际达成{observed}%，共{b + 2}次）"
    assert expected in page, page
    assert "尚未回测" not in page and "20次预测" in page

    # the air-quality data changes: the kept backtest no longer speaks for it
    published = suzhou.airquality.published.path
    os.utime(published, ns=(published.stat().st_atime_ns, published.stat().st_mtime_ns + 10**9))
    assert all(r["calibration"] is None for r in rows_of(c, year=2017).values())
    page = text_of(c.get("/targets", params={"year": 2017}).text)
    assert "监测数据更新后尚未重新回测，概率仅供参考" in page and "历史回测：预测" not in page
    # an unreadable kept file is no calibration
    suzhou.targets.calibration_path.write_text("{", encoding="utf-8")
    assert c.get("/api/v1/targets", params={"year": 2017}).json()["calibration"] is None


def test_a_places_page_draws_each_measured_target(client: Callable[[str | None], TestClient], suzhou: App) -> None:
    c = client("dept")
    r = c.get("/targets/苏州市", params={"year": 2017})
    assert r.status_code == 200
    scripts = dict(re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', r.text, re.S))
    curves = [json.loads(v) for k, v in scripts.items() if k.startswith("target-")]
    assert sorted(t["label"] for t in curves) == ["PM2.5浓度", "优良天数比率"]
    assert all(len(t["series"]) == 31 for t in curves) and 'data-chart="target"' in r.text
    api = c.get("/api/v1/targets/苏州市", params={"year": 2017}).json()
    pm25 = next(row for row in api["rows"] if row["indicator"] == "pm25")
    assert pm25["series"][-1] == ["2017-01-31", pm25["value_to_date"]]
    assert c.get("/targets", params={"year": 2017}).status_code == 200  # the list draws no curves
    assert "series" not in json.dumps(rows_of(c, year=2017)[("苏州市", "pm25")]) or \
        rows_of(c, year=2017)[("苏州市", "pm25")]["series"] is None  # fmt: skip
    empty = text_of(c.get("/targets/苏州市", params={"year": 2030}).text)
    assert "暂无数据" in empty and "苏州市在2030年没有目标" in empty


def test_the_office_sets_a_target_that_replaces_the_plans_and_is_audited(
    client: Callable[[str | None], TestClient], suzhou: App
) -> None:
    c = client("admin")
    page = c.get("/targets", params={"year": 2017}).text
    assert 'id="set-target"' in page and "登记或修改目标" in page
    form = {"csrf_token": c.headers["X-CSRF-Token"], "jurisdiction": "苏州市", "indicator": "pm25", "year": "2017",
            "value": "42", "stretch": "40", "note": "市政府确定"}  # fmt: skip
    r = c.post("/targets", data=form)
    assert r.status_code == 303 and r.headers["location"].startswith("/targets?")
    row = rows_of(c, year=2017)[("苏州市", "pm25")]
    assert (row["target"], row["stretch"], row["manual"]) == (42, 40, True)
    assert row["replaces"] == {"value": 45, "stretch": None, "comparator": "<=", "unit": "µg/m³",
                               "source": "苏州市2017年大气污染防治工作计划 第3行"}  # fmt: skip
    page = text_of(c.get(r.headers["location"]).text)
    assert "目标已登记，以本次登记为准" in page and "手工登记" in page
    assert "替代计划目标 ≤ 45 µg/m³ · 苏州市2017年大气污染防治工作计划 第3行" in page
    entries = [e for e in suzhou.audit.entries(limit=20) if e.action == "target.set"]
    assert entries and entries[0].actor == "admin" and json.loads(entries[0].after)["value"] == 42
    # the same again changes nothing and is not audited twice
    assert c.post("/targets", data=form).headers["location"].endswith("saved=same")
    assert len([e for e in suzhou.audit.entries(limit=20) if e.action == "target.set"]) == len(entries)
    # editing: the form starts from the target in force
    edit = c.get("/targets", params={"edit_place": "苏州市", "edit_indicator": "pm25", "edit_year": 2017}).text
    assert 'name="value" size="8" inputmode="decimal" value="42"' in edit and 'value="市政府确定"' in edit
    # a custom indicator, named as the annexes name one, and a county below the city
    custom = {**form, "jurisdiction": "苏州市·昆山", "indicator": "custom", "custom_key": "新能源汽车推广应用",
              "comparator": ">=", "unit": "万辆", "value": "1.6", "stretch": ""}  # fmt: skip
    assert c.post("/targets", data=custom).status_code == 303
    row = rows_of(c, year=2017)[("苏州市·昆山", "新能源汽车推广应用")]
    assert (row["target"], row["unit"], row["measured"]) == (1.6, "万辆", False)
    # the API: the admin of the place or above, audited
    body = {"jurisdiction": "苏州市", "indicator": "good_day_ratio", "year": 2017, "value": 75}
    r = c.post("/api/v1/targets", json=body)
    assert r.status_code == 200 and r.json()["changed"] is True and r.json()["comparator"] == ">="
    assert c.post("/api/v1/targets", json={**body, "jurisdiction": "南京市"}).status_code == 403
    for name in ("dept", "leader"):
        other = client(name)
        assert 'id="set-target"' not in other.get("/targets", params={"year": 2017}).text
        assert other.post("/api/v1/targets", json=body).status_code == 403


def test_a_refused_entry_is_shown_beside_its_field_with_the_input_kept(
    client: Callable[[str | None], TestClient], suzhou: App
) -> None:
    c = client("admin")
    base = {"csrf_token": c.headers["X-CSRF-Token"], "jurisdiction": "苏州市", "indicator": "pm25", "year": "2017",
            "value": "42", "note": "保留的备注"}  # fmt: skip
    cases = [
        ({"value": "四十二"}, "value", "请填写数字"),
        ({"value": ""}, "value", "请填写目标值"),
        ({"year": "1800"}, "year", "年份应为2000至2100之间的整数"),
        ({"stretch": "50"}, "stretch", "力争值应严于目标值"),
        (
            {"indicator": "custom", "custom_key": "", "comparator": ">=", "unit": "辆"},
            "custom_key",
            "请填写自定义指标名称",
        ),
        (
            {"indicator": "custom", "custom_key": "新能源 汽车", "comparator": ">=", "unit": "辆"},
            "custom_key",
            "不含空格",
        ),
        ({"indicator": "custom", "custom_key": "新能源汽车", "unit": "辆"}, "comparator", "须选择比较方式"),
        ({"indicator": "nox_reduction", "value": "3"}, "baseline_year", "相对目标需要基准年"),
    ]
    for change, field, words in cases:
        r = c.post("/targets", data={**base, **change})
        assert r.status_code == 422, (change, r.status_code)
        beside = re.search(rf'<span class="error field-error" id="error-{field}">([^<]*)</span>', r.text)
        assert beside and words in beside.group(1), (change, r.text[-3000:])
        assert 'value="保留的备注"' in r.text  # what was typed is kept
        for name, value in change.items():
            if value and name not in ("indicator", "comparator"):
                assert f'value="{value}"' in r.text, (name, value)
    assert not [e for e in suzhou.audit.entries(limit=20) if e.action == "target.set"]
    # another place's targets are refused, above the form
    r = c.post("/targets", data={**base, "jurisdiction": "南京市"})
    assert r.status_code == 403 and "南京市非本辖区或下级辖区" in text_of(r.text)


def test_a_place_is_seen_by_its_own_users_and_the_offices_above_it(
    client: Callable[[str | None], TestClient], suzhou: App
) -> None:
    suzhou.targets.set(TargetEntry("南京市", "pm25", 2017, "<=", 40, "µg/m³"), SYSTEM)
    suzhou.targets.set(TargetEntry("苏州市·昆山", "pm25", 2017, "<=", 38, "µg/m³"), SYSTEM)
    admin, dept = client("admin"), client("dept")
    assert {p for p, _ in rows_of(admin, year=2017)} == {"苏州市", "苏州市·昆山"}  # not 南京市
    assert {p for p, _ in rows_of(dept, year=2017)} == {"苏州市"}  # a department: its own place
    assert admin.get("/targets/南京市").status_code == 403
    assert admin.get("/api/v1/targets", params={"place": "南京市"}).status_code == 403
    assert admin.get("/targets/苏州市·昆山", params={"year": 2017}).status_code == 200
    assert dept.get("/targets/苏州市·昆山").status_code == 403
    page = text_of(admin.get("/targets", params={"year": 2017, "place": "苏州市·昆山"}).text)
    assert "≤ 38 µg/m³" in page and "≤ 45 µg/m³" not in page
    empty = text_of(admin.get("/targets", params={"year": 2030}).text)
    assert "暂无数据" in empty and "2030年尚无登记的目标" in empty


def test_a_row_measured_from_progress_reports_shows_its_share_complete(
    client: Callable[[str | None], TestClient], suzhou: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows of targets measured from accepted progress reports (counts, shares) carry percent_complete."""
    trend = suzhou.overview.trend

    def with_a_count(place: str, year: int | None = None) -> dict[str, Any]:
        out = trend(place, year)
        if place == "苏州市":
            out = {**out, "rows": [*out["rows"], {
                "jurisdiction": "苏州市", "indicator": "路检路查", "label": "路检路查", "label_en": "路检路查",
                "year": 2017, "comparator": ">=", "target": 2400.0, "stretch": None, "unit": "辆·次",
                "value_unit": "辆·次", "baseline_year": None, "source": "user", "measured": True,
                "value_to_date": 1800.0, "percent_complete": 75.0, "expected_percent": 66.7, "on_track": True,
                "rule": "sum", "probability": None, "note": None, "target_note": None}]}  # fmt: skip
        return out

    monkeypatch.setattr(suzhou.overview, "trend", with_a_count)
    c = client("leader")
    row = rows_of(c, year=2017)[("苏州市", "路检路查")]
    assert (row["percent_complete"], row["expected_percent"], row["rule"]) == (75, 66.7, "sum")
    page = text_of(c.get("/targets", params={"year": 2017}).text)
    assert "1800 辆·次 完成比例 75% · 按进度应达 66.7%" in page and "进度正常" in page


def test_the_command_line_keeps_the_backtest_and_shares_the_rows(suzhou: App, tmp_path: Path) -> None:
    from lantian.cli.main import app as cli

    data = str(suzhou.settings.data_dir)
    runner = CliRunner()
    status = runner.invoke(cli, ["targets", "status", "--jurisdiction", "苏州市", "--as-of", "2017-01-31",
                                 "--runs", "20", "--json", "--data-dir", data])  # fmt: skip
    assert status.exit_code == 0, status.output
    rows = {r["indicator"]: r for r in json.loads(status.output)}
    assert set(rows["pm25"]) >= {"manual", "calibration", "replaces", "percent_complete"}  # TargetRowOut
    assert rows["pm25"]["calibration"] is None
    suzhou.targets.save_calibration(backtest())
    status = runner.invoke(cli, ["targets", "status", "--jurisdiction", "苏州市", "--as-of", "2017-01-31",
                                 "--runs", "20", "--data-dir", data])  # fmt: skip
    assert status.exit_code == 0 and "历史回测：预测" in status.output, status.output
    suzhou.targets.calibration_path.unlink()
    saved = runner.invoke(cli, ["targets", "backtest", "--place", "苏州", "--indicator", "pm25", "--runs", "10",
                                "--change", "5", "--save", "--data-dir", data])  # fmt: skip
    assert saved.exit_code == 0, saved.output
    kept = suzhou.targets.kept_calibration()
    assert kept is not None and kept["stale"] is False and kept["places"] == ["苏州"] and kept["runs"] == 10
    assert sum(b["forecasts"] for b in kept["bins"]) == kept["forecasts"] > 0
    assert not list(suzhou.targets.calibration_path.parent.glob(".calibration-*"))  # written whole, then renamed
