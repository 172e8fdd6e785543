"""``lantian targets set / status`` end to end on the real archives, and their bad inputs."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from lantian.cli.main import main
from lantian.domain.standards.rounding import round_half_even
from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Options
from tests.helpers import ARCHIVE_2019, ARCHIVE_2025, aq_store, run


@pytest.fixture(scope="module")
def data_dir(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2019 (南京, 苏州, 南通) and 2025-01-01 … 02-15 (Jiangsu, Shanghai) in one store, plus seed 004."""
    folder = tmp_path_factory.mktemp("targets")
    aq_store(folder, seeds_dir, ARCHIVE_2019, ARCHIVE_2025)
    (seed,) = seeds_dir.glob("004_*.txt")
    assert main(["plans", "import", str(seed), "--data-dir", str(folder)]) == 0
    return folder


def test_status_has_the_contract_fields_and_the_arithmetic(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    d = str(data_dir)
    assert run(capsys, "targets", "set", "--jurisdiction", "南京市", "--indicator", "pm25", "--year", "2025",
               "--value", "40", "--stretch", "38", "--data-dir", d)[0] == 0  # fmt: skip
    assert run(capsys, "targets", "set", "--jurisdiction", "南京市", "--indicator", "good_day_ratio", "--year",
               "2025", "--value", "80", "--data-dir", d)[0] == 0  # fmt: skip
    args = ["targets", "status", "--jurisdiction", "南京", "--as-of", "2025-02-15", "--runs", "200", "--json"]
    code, out, err = run(capsys, *args, "--data-dir", d)
    assert code == 0, err
    rows = {r["indicator"]: r for r in json.loads(out)}
    pm25, good = rows["pm25"], rows["good_day_ratio"]
    for r in (pm25, good):
        assert {"indicator", "target", "value_to_date", "days_counted", "probability"} <= set(r)
        assert r["area"] == "南京" and r["days_remaining"] == 319 and 0 <= r["probability"] <= 1
        assert "2019" in r["probability_basis"]
    # the arithmetic, redone from the city's daily values
    days = [
        r for r in AirQualityService(data_dir).assessment().daily("city", None, None, Options())
        if r["station"] == "南京" and r["day"].year == 2025
    ]  # fmt: skip
    pm = [int(r["pm25"]) for r in days if r["pm25"] is not None]
    assert pm25["days_counted"] == len(pm) == 46
    assert pm25["value_to_date"] == float(round_half_even(Fraction(sum(pm), len(pm)), 0))
    required = round_half_even((Fraction(40) * 365 - sum(pm)) / 319, 1)
    assert Decimal(str(pm25["required_mean_remaining"])) == required
    assert pm25["stretch"] == 38
    aqi = [r["aqi"] for r in days if r["aqi"] is not None]
    good_days = sum(1 for a in aqi if a <= 100)
    fewest = next(g for g in range(366) if round_half_even(Fraction(100 * g, 365), 1) >= 80)
    assert good["affordable_non_good_days"] == 319 - (fewest - good_days)
    # the probability is reproducible
    assert json.loads(run(capsys, *args, "--data-dir", d)[1]) == json.loads(out)
    # the table
    code, out, _ = run(capsys, "targets", "status", "--jurisdiction", "南京市", "--as-of", "2025-02-15",
                       "--runs", "50", "--data-dir", d)  # fmt: skip
    assert code == 0 and "优良天数比率" in out and "剩余日均值" in out


def test_relative_targets_and_no_history(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    d = str(data_dir)
    relative = ("--value", "5", "--comparator", "decrease_by", "--baseline-year", "2019")
    assert run(capsys, "targets", "set", "--jurisdiction", "南京", "--indicator", "pm10", "--year", "2025",
               *relative, "--data-dir", d)[0] == 0  # fmt: skip
    assert run(capsys, "targets", "set", "--jurisdiction", "苏州", "--indicator", "pm25", "--year", "2019",
               "--value", "40", "--data-dir", d)[0] == 0  # fmt: skip
    _code, out, _err = run(capsys, "targets", "status", "--jurisdiction", "南京", "--as-of", "2025-02-15", "--runs",
                         "20", "--json", "--data-dir", d)  # fmt: skip
    pm10 = next(r for r in json.loads(out) if r["indicator"] == "pm10")
    assert pm10["target_value"] == pytest.approx(pm10["baseline_value"] * 0.95)
    _code, out, _err = run(capsys, "targets", "status", "--jurisdiction", "苏州市", "--as-of", "2019-06-30", "--json",
                         "--data-dir", d)  # fmt: skip
    (row,) = json.loads(out)
    assert row["probability"] is None and "没有往年数据" in row["probability_basis"]
    assert row["days_counted"] > 170 and row["required_mean_remaining"] is not None


def test_plan_targets_reach_the_status_and_a_user_entry_wins(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    d = str(data_dir)
    code, out, err = run(capsys, "targets", "status", "--jurisdiction", "海门市", "--as-of", "2020-06-30", "--json",
                         "--data-dir", d)  # fmt: skip
    assert code == 0, err
    rows = {r["indicator"]: r for r in json.loads(out)}
    assert rows["pm25"]["target"] == 35 and rows["pm25"]["stretch"] == 33 and "第" in rows["pm25"]["source"]
    assert rows["pm25"]["note"] and "没有该辖区的监测数据" in rows["pm25"]["note"]
    assert run(capsys, "targets", "set", "--jurisdiction", "海门", "--indicator", "pm25", "--year", "2020",
               "--value", "34", "--data-dir", d)[0] == 0  # fmt: skip
    out = run(capsys, "targets", "status", "--jurisdiction", "海门市", "--as-of", "2020-06-30", "--json",
              "--data-dir", d)[1]  # fmt: skip
    pm25 = next(r for r in json.loads(out) if r["indicator"] == "pm25")
    assert pm25["target"] == 34 and pm25["source"] == "user"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["set", "--jurisdiction", "南京", "--indicator", "PM 2.5", "--year", "2025", "--value", "30"], 2, "indicator"),
        (["set", "--jurisdiction", "南京", "--indicator", "nev_sales", "--year", "2025", "--value", "3"], 2,
         "--comparator"),
        (["set", "--jurisdiction", "南京", "--indicator", "pm25", "--year", "2025", "--value", "30", "--stretch", "32"],
         2, "力争"),
        (["set", "--jurisdiction", "南京", "--indicator", "pm25", "--year", "2025", "--value", "3", "--comparator",
          "decrease_by"], 2, "baseline"),
        (["set", "--jurisdiction", "南京", "--indicator", "pm25", "--year", "2025", "--value", "-1"], 2, "negative"),
        (["status", "--jurisdiction", "南京", "--as-of", "2025-13-01"], 2, "YYYY-MM-DD"),
        (["status", "--jurisdiction", "拉萨", "--as-of", "2025-02-15"], 4, "拉萨"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], data_dir: Path, args: list[str], code: int, message: str
) -> None:
    got, _out, err = run(capsys, "targets", *args, "--data-dir", str(data_dir))
    assert got == code and message in err and "Traceback" not in err


def test_a_custom_indicator_is_kept_and_measured_from_progress_reports(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    d = str(data_dir)
    code, _out, err = run(capsys, "targets", "set", "--jurisdiction", "南通", "--indicator", "nev_sales", "--year",
                         "2025", "--value", "3000", "--comparator", ">=", "--unit", "辆", "--data-dir", d)  # fmt: skip
    assert code == 0, err
    (row,) = json.loads(run(capsys, "targets", "status", "--jurisdiction", "南通市", "--as-of", "2025-02-01",
                            "--json", "--data-dir", d)[1])  # fmt: skip
    assert (row["indicator"], row["value_to_date"], row["note"]) == ("nev_sales", None, "尚无已通过审核的报送数值")
    assert (row["measured_from"], row["rule"], row["reports_counted"]) == ("reports", "sum", 0)  # 辆: a count


def test_backtest_on_published_history(tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = seeds_dir.parent / "data" / "aq" / "aqistudy_daily_2013_2017" / "data"
    d = str(tmp_path)
    assert run(capsys, "aq", "published", "import", str(history / "溧阳.csv"), "--data-dir", d)[0] == 0
    forecasts = tmp_path / "forecasts.csv"
    code, out, err = run(capsys, "targets", "backtest", "--runs", "20", "-o", str(forecasts), "--json", "--data-dir", d)
    assert code == 0, err
    summary = json.loads(out)
    # 溧阳 is on record 2013-12-31 … 2017-01-31: complete years 2014, 2015, 2016; forecasts for 2015 and
    # 2016 (an earlier complete year to set the target from), 11 month-ends, 3 targets, 2 indicators
    assert summary["places"] == ["溧阳"] and summary["years"] == [2015, 2016]
    assert summary["forecasts"] == 2 * 11 * 3 * 2
    with forecasts.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == summary["forecasts"]
    # the Brier scores are the mean squared errors of the forecasts written out
    for method in ("level_adjusted", "plain"):
        squares = [(float(r[method]) - (r["met"] == "True")) ** 2 for r in rows]
        assert summary["brier"]["all"][method] == pytest.approx(sum(squares) / len(squares))
    assert {r["reference_year"] for r in rows if r["year"] == "2016"} == {"2015"}
    code, out, _ = run(capsys, "targets", "backtest", "--runs", "20", "--indicator", "pm25", "--data-dir", d)
    assert code == 0 and "Brier" in out and "calibration" in out
    assert run(capsys, "targets", "backtest", "--indicator", "o3_p90", "--data-dir", d)[0] == 2
    assert run(capsys, "targets", "backtest", "--place", "拉萨", "--data-dir", d)[0] == 4


def test_status_uses_published_days_where_there_is_no_station_data(
    tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aq = seeds_dir.parent / "data" / "aq"
    d = str(tmp_path)
    files = [
        str(aq / "aqistudy_daily_2013_2017" / "data" / "南京.csv"),
        str(aq / "tianqihoubao_daily_2025" / "南京.csv"),
    ]
    assert run(capsys, "aq", "published", "import", *files, "--data-dir", d)[0] == 0
    assert run(capsys, "targets", "set", "--jurisdiction", "南京市", "--indicator", "pm25", "--year", "2026",
               "--value", "28", "--data-dir", d)[0] == 0  # fmt: skip
    code, out, err = run(capsys, "targets", "status", "--jurisdiction", "南京", "--as-of", "2026-03-31", "--runs", "50",
                         "--json", "--data-dir", d)  # fmt: skip
    assert code == 0, err
    (pm25,) = json.loads(out)
    with (aq / "tianqihoubao_daily_2025" / "南京.csv").open(encoding="utf-8-sig") as fh:
        # the header is shifted: the column headed PM10 holds PM2.5
        published = [
            int(r["PM10"]) for r in csv.DictReader(fh) if r["日期"].startswith("2026-0") and r["日期"] <= "2026-03-31"
        ]
    assert pm25["days_counted"] == len(published) == 90
    assert pm25["value_to_date"] == float(round_half_even(Fraction(sum(published), len(published)), 0))
    assert "90 of the days are published" in pm25["note"]
    assert "brought to this year's level" in pm25["probability_basis"] and 0 <= pm25["probability"] <= 1
