"""``lantian warnings level / verify`` end to end: CSV (GBK) and .xlsx forecasts, hourly rows, the
verification against 苏州's observed January 2019, and the bad inputs."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import openpyxl
import pytest

from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Options
from tests.helpers import run

EPISODE = (160, 210, 230, 310, 320, 180)
HEADER = "城市,发布时间,预报日期,预报AQI,首要污染物\n"


def episode_csv(path: Path) -> Path:
    lines = [f"南京,2025-01-01 16:00,2025-01-{2 + i:02d},{a},PM2.5" for i, a in enumerate(EPISODE)]
    path.write_bytes((HEADER + "\n".join(lines) + "\n").encode("gbk"))
    return path


def test_level_json_contract_csv_and_xlsx(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    csv_file = episode_csv(tmp_path / "预报.csv")
    expected = {"2018": [None, "red", "red", "red", "red", None],
                "2024-key": ["orange", "red", "red", "red", "red", "orange"]}  # fmt: skip
    for scheme, levels in expected.items():
        code, out, err = run(
            capsys, "warnings", "level", "--forecast", str(csv_file), "--scheme", scheme, "--json", *data
        )
        assert code == 0, err
        (series,) = json.loads(out)
        assert series["city"] == "南京" and series["level"] == "red" and series["issued"].startswith("2025-01-01T16")
        assert [d["level"] for d in series["days"]] == levels
        assert series["days"][0]["date"] == "2025-01-02"
        assert all(("AQI>" in d["rule"]) == (d["level"] is not None) for d in series["days"])
    # the same forecast as .xlsx, with dates as Excel dates
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["city", "issued", "date", "aqi"])
    for i, a in enumerate(EPISODE):
        sheet.append(["南京", dt.datetime(2025, 1, 1, 16), dt.datetime(2025, 1, 2 + i), a])
    xlsx = tmp_path / "预报.xlsx"
    book.save(xlsx)
    code, out, _ = run(capsys, "warnings", "level", "--forecast", str(xlsx), "--scheme", "2018", "--json", *data)
    assert code == 0 and [d["level"] for d in json.loads(out)[0]["days"]] == expected["2018"]
    # the template that ships is the same episode
    template = Path(__file__).resolve().parents[2] / "src" / "lantian" / "data" / "forecast_template.csv"
    code, out, _ = run(capsys, "warnings", "level", "--forecast", str(template), "--json", *data)
    assert code == 0 and [d["level"] for d in json.loads(out)[0]["days"]] == expected["2018"]
    code, out, _ = run(capsys, "warnings", "level", "--forecast", str(csv_file), *data)
    assert code == 0 and "红色 red" in out and "持续≥96小时" in out


def test_hourly_forecast_across_midnight(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = ["city,issued,date,hour,aqi"]
    for h in range(72):  # > 200 from 1 January 12:00 for 48 hours
        when = dt.datetime(2025, 1, 1) + dt.timedelta(hours=h)
        rows.append(f"南京,2025-01-01,{when:%Y-%m-%d},{when.hour},{230 if 12 <= h < 60 else 120}")
    path = tmp_path / "hourly.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "warnings", "level", "--forecast", str(path), "--json", "--data-dir", str(tmp_path))
    assert code == 0, err
    (series,) = json.loads(out)
    assert series["level"] == "yellow" and sum(1 for d in series["days"] if d["level"] == "yellow") == 48


def test_verify_against_observed_days(capsys: pytest.CaptureFixture[str], seeds_dir: Path, tmp_path: Path) -> None:
    aq = seeds_dir.parent / "data" / "aq"
    svc = AirQualityService(tmp_path / "data")
    svc.import_station_lists(sorted((aq / "station_lists").glob("站点列表-20*.csv")))
    svc.import_files(sorted((aq / "cnemc_sites_2019_jiangsu").glob("china_sites_201901*.csv")))
    observed = {r["day"]: r for r in svc.assessment().daily("city", None, None, Options()) if r["station"] == "苏州"}
    lines = ["city,issued,date,aqi,primary_pollutant"]
    for day, r in sorted(observed.items()):
        # 24 h ahead: the observed AQI + 30; 48 h ahead: twice the observed; primary always PM2.5
        lines.append(f"苏州,{day - dt.timedelta(days=1)},{day},{r['aqi'] + 30},PM2.5")
        lines.append(f"苏州,{day - dt.timedelta(days=2)},{day},{min(500, 2 * r['aqi'])},PM2.5")
    path = tmp_path / "forecast.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = ["--data-dir", str(tmp_path / "data")]
    code, out, err = run(capsys, "warnings", "verify", "--forecast", str(path), "--json", *data)
    assert code == 0, err
    result = json.loads(out)
    leads = {s["group"]: s for s in result["by_lead"]}
    assert set(leads) == {"024h", "048h"} and result["pairs"] == 2 * len(observed) == 62

    def level(aqi: int) -> int:
        return next(i for i, top in enumerate((50, 100, 150, 200, 300), start=1) if aqi <= top) if aqi <= 300 else 6

    def right(f: int, o: int) -> bool:
        return level(math.ceil(f * 0.75)) <= level(o) <= level(math.floor(f * 1.25))

    for lead, fc in (("024h", lambda a: a + 30), ("048h", lambda a: min(500, 2 * a))):
        hits = [right(fc(r["aqi"]), r["aqi"]) for r in observed.values()]
        assert leads[lead]["level_accuracy"] == pytest.approx(sum(hits) / len(hits))
        judged = [r for r in observed.values() if level(r["aqi"]) >= 2]
        primary = [("PM2.5" in (r["primary_pollutant"] or "")) for r in judged]
        assert leads[lead]["primary_accuracy"] == pytest.approx(sum(primary) / len(primary))
    total = sum(r["aqi"] for r in observed.values())
    assert leads["024h"]["nmb"] == pytest.approx(30 * len(observed) / total)
    assert leads["024h"]["rmse"] == pytest.approx(30) and leads["024h"]["r"] == pytest.approx(1)
    code, out, _ = run(capsys, "warnings", "verify", "--forecast", str(path), *data)
    assert code == 0 and "62 个预报日有实测日AQI" in out


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["level", "--forecast", "{good}", "--scheme", "2030"], 2, "unknown scheme '2030'"),
        (["level", "--forecast", "{missing}"], 2, "file not found"),
        (["level", "--forecast", "{nocol}"], 2, "预报日期"),
        (["level", "--forecast", "{bad}"], 2, "bad.csv:2: aqi"),
        (["verify", "--forecast", "{good}"], 4, "observed daily AQI"),
    ],
)
def test_bad_input_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], code: int, words: str
) -> None:
    good = episode_csv(tmp_path / "good.csv")
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("城市,发布时间,预报AQI\n南京,2025-01-01,100\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "南京,2025-01-01,2025-01-02,九十,PM2.5\n", encoding="utf-8")
    paths = {"good": good, "missing": tmp_path / "missing.csv", "nocol": nocol, "bad": bad}
    argv = ["warnings", *[a.format(**paths) for a in args], "--data-dir", str(tmp_path / "data")]
    got, _, err = run(capsys, *argv)
    assert got == code and words in err and "Traceback" not in err, err
