"""The monthly bulletin end to end: 苏州 2025-02 from station data (14 cities ranked), seed 000's
tasks for the overdue list, user targets — written as .docx, converted to PDF by LibreOffice and
read back (pdftotext, pdftoppm), every figure checked against the engine."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import docx
import pytest

from lantian.cli.main import main
from lantian.domain.aq.periods import parse_period
from lantian.reports.bulletin import chart_png
from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Options
from lantian.services.demo import demo_county_map
from tests.helpers import ARCHIVE_2025, aq_store


def office() -> tuple[str, str, str]:
    tools = (shutil.which("soffice"), shutil.which("pdftotext"), shutil.which("pdftoppm"))
    if None in tools:
        message = "LibreOffice and poppler-utils are needed to render the bulletin (scripts/setup installs them)"
        if os.environ.get("LANTIAN_REQUIRE_OFFICE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return tools  # type: ignore[return-value]


@pytest.fixture(scope="module")
def data_dir(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bulletin")
    svc = aq_store(folder, seeds_dir, ARCHIVE_2025)
    svc.import_area_map(seeds_dir.parent / "data" / "aq" / "stations" / "NewSiteList.csv")
    svc.import_county_map(demo_county_map())  # 苏州's districts: its county ranking has values
    (seed,) = seeds_dir.glob("000_*")
    d = str(folder)
    assert main(["plans", "import", str(seed), "--data-dir", d]) == 0
    for indicator, value in (("pm25", "30"), ("good_day_ratio", "85")):
        assert main(["targets", "set", "--jurisdiction", "苏州市", "--indicator", indicator, "--year", "2025",
                     "--value", value, "--data-dir", d]) == 0  # fmt: skip
    return folder


def test_the_bulletin_has_the_figures_the_engine_computes(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    soffice, pdftotext, pdftoppm = office()
    out = tmp_path / "月报.docx"
    code = main(["report", "monthly", "--jurisdiction", "苏州市", "--month", "2025-02", "-o", str(out), "--runs", "50",
                 "--issued", "2025-03-05", "--data-dir", str(data_dir)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "已写入 written" in captured.out
    assert len(docx.Document(str(out)).inline_shapes) == 1  # the chart
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=180)  # fmt: skip
    pdf = tmp_path / "月报.pdf"
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    assert "苏州市 2025 年 2 月环境空气质量月" in flat and "发布日期：2025 年 03 月 05 日" in flat
    for heading in ("一、本月空气质量", "二、年度目标完成情况", "四、预警与问责", "五、逾期任务"):
        assert heading in flat
    # the month's figures and the ranking: the engine's period statistics for 2025-02
    rows = AirQualityService(data_dir).assessment().period("city", parse_period("2025-02"), Options(),
                                                          with_last_year=False)  # fmt: skip
    suzhou = next(r for r in rows if r["station"] == "苏州")
    assert f"PM2.5（µg/m³） {suzhou['pm25']:g}" in flat
    assert f"环境空气质量综合指数 {suzhou['composite_index']}" in flat
    # the ranking: 苏州's own places (never 上海); February's 15 days are short of 25: none ranked, each says why
    assert "2 月苏州市各县（市、区）排名（按综合指数，并列同名次）" in flat and "上海" not in flat
    tables = docx.Document(str(out)).tables
    ranking = next(t for t in tables if [c.text for c in t.rows[0].cells][:2] == ["名次", "区域"])
    cells = {r.cells[1].text for r in ranking.rows[1:]}
    assert "吴中区（PM2.5有效天数15天，不足25天，不排名）" in cells and "昆山（无监测数据，不排名）" in cells
    assert "苏州市在江苏省各设区市中本月未排名" in flat.replace(" ", "")
    assert "本月无预警或问责事项" in flat.replace(" ", "")  # no ranks in February: no flag ends in it
    # overdue tasks: seed 000's tasks past their deadline on 2025-02-28 (no status reported)
    code = main(["tasks", "list", "--overdue", "--as-of", "2025-02-28", "--format", "json",
                 "--data-dir", str(data_dir)])  # fmt: skip
    overdue = json.loads(capsys.readouterr().out)
    assert overdue and "截至本月底无逾期任务" not in flat
    assert f"{len(overdue)} 项逾期任务 overdue tasks" in captured.out
    table = docx.Document(str(out)).tables[-1]  # 五、逾期任务
    assert [c.text for c in table.rows[0].cells] == ["计划", "任务", "牵头（负责）单位", "完成时限"]
    assert len(table.rows) == len(overdue) + 1
    for row, task in zip(table.rows[1:], overdue, strict=True):
        assert row.cells[3].text == task["last_deadline"] and row.cells[1].text.startswith(task["number"])
        names = {d["name"] for part in [task, *task["subtasks"]] for d in part["departments"]
                 if d["role"] in ("lead", "responsible")}  # fmt: skip
        assert set(row.cells[2].text.split("、")) == names
    # the targets, year to date
    assert "≤30µg/m³" in flat.replace(" ", "") and "≥85%" in flat.replace(" ", "")
    # the pages render
    subprocess.run([pdftoppm, "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages and all(p.stat().st_size > 2_000 for p in pages)


def test_the_bulletin_tables_say_how_many_stations_and_valid_days(data_dir: Path, tmp_path: Path) -> None:
    from lantian.cli.common import open_app
    from lantian.services.accountability import load_rules

    with open_app(data_dir, None) as lantian:
        b = lantian.reports.monthly("苏州市", "2025-02", load_rules(None), runs=20, issued=dt.date(2025, 3, 5))
        lantian.reports.write_monthly(b, tmp_path / "b.docx")
    assessment = AirQualityService(data_dir).assessment()
    counts: dict[str, list[int]] = {}
    for level in ("city", "county"):  # 苏州's county-level cities and its districts
        for d in assessment.daily(level, dt.date(2025, 2, 1), dt.date(2025, 2, 28), Options()):
            if d["aqi"] is not None:
                counts.setdefault(d["station"], []).append(d["stations"])

    def shown(n: list[int]) -> str:
        return str(max(n)) if min(n) == max(n) else f"{min(n)}–{max(n)}"

    month = {label: this for label, this, _ in b.month_rows}
    assert month["站点数"] == shown(counts["苏州"]) and month["有效天数"] == str(len(counts["苏州"]))
    assert b.ranking_columns[-2:] == ["站点数", "有效天数"]
    for row in b.ranking:
        place = row[1].split("（")[0]
        expected = [shown(counts[place]), str(len(counts[place]))] if place in counts else ["—", "—"]
        assert row[-2:] == expected, place
    measured = {row[1].split("（")[0] for row in b.ranking if row[-1] != "—"}
    assert measured == {"姑苏区", "吴中区", "虎丘区", "苏州工业园区", "相城区", "吴江"}
    tables = docx.Document(str(tmp_path / "b.docx")).tables
    ranking = next(t for t in tables if t.rows[0].cells[-1].text == "有效天数")
    assert [c.text for c in ranking.rows[0].cells][-2:] == ["站点数", "有效天数"]
    assert any(r.cells[0].text == "站点数" for r in tables[0].rows)


def test_the_chart_draws_chinese_without_missing_glyphs(data_dir: Path) -> None:
    from lantian.cli.common import open_app
    from lantian.services.accountability import load_rules

    with open_app(data_dir, None) as app:
        bulletin = app.reports.monthly("苏州", "2025-01", load_rules(), runs=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = chart_png(bulletin)
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert not [w for w in caught if "Glyph" in str(w.message)], [str(w.message) for w in caught]
    assert bulletin.targets and bulletin.pm25_target == 30 and bulletin.good_target == 85


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--jurisdiction", "苏州", "--month", "2025"], 2, "not a month"),
        (["--jurisdiction", "拉萨", "--month", "2025-01"], 4, "no daily values for 拉萨"),
        (["--jurisdiction", "苏州", "--month", "2024-06"], 4, "in 2024-06"),
        (["--jurisdiction", "苏州", "--month", "2025-01", "-o", "月报.pdf"], 2, ".docx"),
    ],
)
def test_bad_requests_are_one_clear_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, words: str
) -> None:
    assert main(["report", "monthly", *args, "--runs", "0", "--data-dir", str(data_dir)]) == code
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_the_bulletin_goes_to_the_data_folder_by_default_and_cites_the_standards(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # wherever the command runs from
    args = ["report", "monthly", "--jurisdiction", "苏州市", "--month", "2025-01", "--runs", "0",
            "--data-dir", str(data_dir)]  # fmt: skip
    assert main(args) == 0
    written = data_dir / "reports" / "苏州市2025年1月环境空气质量月报.docx"
    assert written.is_file() and not list(tmp_path.iterdir())
    assert f"已写入 written: {written}" in capsys.readouterr().out
    # -o DIR: the folder, with the bulletin's own name; -o FILE: that file
    assert main([*args, "-o", f"{tmp_path / 'out'}/"]) == 0
    assert (tmp_path / "out" / written.name).is_file()
    assert main([*args, "-o", str(tmp_path / "out")]) == 0  # an existing folder
    assert main([*args, "-o", str(tmp_path / "月报.docx")]) == 0
    assert (tmp_path / "月报.docx").is_file()
    capsys.readouterr()
    # for the public: the standards and the method by name, no path of the code or its docs
    text = "\n".join(p.text for p in docx.Document(str(written)).paragraphs)
    text += "\n".join(c.text for t in docx.Document(str(written)).tables for row in t.rows for c in row.cells)
    for cited in ("GB 3095—2012", "HJ 633—2012", "HJ 663—2013", "GB/T 8170—2008", "分块重抽样"):
        assert cited in text, cited
    for path in ("docs/", ".md", "lantian/", "src/", "metrics"):
        assert path not in text, path
