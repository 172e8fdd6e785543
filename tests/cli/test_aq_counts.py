"""Every area value says how many stations and valid days it stands on (站点数, 有效天数)."""

from __future__ import annotations

import collections
import csv
import io
import json
from pathlib import Path

import pytest

from lantian.cli.common import out
from tests.helpers import run


@pytest.fixture(scope="module")
def aq(seeds_dir: Path) -> Path:
    return seeds_dir.parent / "data" / "aq"


def _days(aq: Path, n: int) -> list[str]:
    return [str(p) for p in sorted((aq / "cnemc_sites_2019_jiangsu").glob("china_sites_201901*.csv"))[:n]]


def test_daily_and_period_exports_carry_station_counts_and_valid_days(
    capsys: pytest.CaptureFixture[str], aq: Path, tmp_path: Path
) -> None:
    inputs = [arg for f in _days(aq, 3) for arg in ("-i", f)]
    lists = sorted((aq / "station_lists").glob("站点列表-20*.csv"))
    args = [*inputs, *(a for p in lists for a in ("--stations", str(p))), "--data-dir", str(tmp_path)]
    code, out, err = run(capsys, "aq", "compute", *args, "--product", "daily", "--format", "json")
    assert code == 0, err
    stations = json.loads(out)
    with (lists[0]).open(encoding="utf-8") as fh:  # 2019.08.01: every listed station counts in 2019
        city_of = {r["监测点编码"]: r["城市"] for r in csv.DictReader(fh)}
    # a station counts on a day when any of its daily values is valid
    values = ("pm25", "pm10", "so2", "no2", "co", "o3_8h_max", "o3_1h_max")
    expected = collections.Counter(
        (city_of[r["station"]], r["time"]) for r in stations if any(r[v] is not None for v in values)
    )
    assert all(r["stations"] == 1 for r in stations)
    code, out, err = run(capsys, "aq", "compute", *args, "--product", "daily", "--level", "city", "--format", "json")
    assert code == 0, err
    cities = json.loads(out)
    assert {(r["station"], r["time"]): r["stations"] for r in cities} == dict(expected)
    assert expected[("南通", "2019-01-01")] == 4  # one of 南通's five stations has no valid value that day
    code, out, err = run(capsys, "aq", "compute", *args, "--product", "period", "--level", "city", "--format", "csv")
    assert code == 0, err
    period = {r["station"]: r for r in csv.DictReader(io.StringIO(out))}
    for city in ("南京", "苏州", "南通"):
        per_day = [n for (c, _), n in expected.items() if c == city]
        valid = sum(1 for r in cities if r["station"] == city and r["aqi"] is not None)
        assert (period[city]["stations"], period[city]["stations_min"]) == (str(max(per_day)), str(min(per_day)))
        assert period[city]["valid_days"] == str(valid)


def test_assess_and_rank_tables_show_station_counts_and_valid_days(
    capsys: pytest.CaptureFixture[str], aq: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(out, "_width", 240)  # wide enough that no header is wrapped
    data = ["--data-dir", str(tmp_path)]
    lists = [str(p) for p in sorted((aq / "station_lists").glob("站点列表-20*.csv"))]
    assert run(capsys, "aq", "stations", "import", *lists, *data)[0] == 0
    assert run(capsys, "aq", "import", *_days(aq, 2), *data)[0] == 0
    code, text, err = run(capsys, "aq", "assess", "--from", "2019-01-01", "--to", "2019-01-02", "--format", "table",
                          *data)  # fmt: skip
    assert code == 0, err
    assert "站点数" in text and "有效天数" in text
    assert "4–5" in text  # 南通: 4 stations on 01-01, 5 on 01-02
    code, text, err = run(capsys, "aq", "rank", "--from", "2019-01-01", "--to", "2019-01-02", "--format", "table",
                          *data)  # fmt: skip
    assert code == 0, err
    assert "站点数" in text and "有效天数" in text and "4–5" in text
    code, text, err = run(capsys, "aq", "rank", "--from", "2019-01-01", "--to", "2019-01-02", "--format", "json", *data)
    ranked = {r["station"]: r for r in json.loads(text)}
    assert (ranked["南通"]["stations"], ranked["南京"]["stations"], ranked["南通"]["valid_days"]) == (5, 9, 2)


def _raw_hours(path: Path, codes: list[str]) -> dict[tuple[str, int], dict[str, float]]:
    """(station, hour) → {pollutant: value} read straight from a national archive file."""
    names = {"PM2.5": "pm25", "PM10": "pm10", "SO2": "so2", "NO2": "no2", "CO": "co", "O3": "o3"}
    out: dict[tuple[str, int], dict[str, float]] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["type"] in names:
                for code in codes:
                    if row[code].strip():
                        out.setdefault((code, int(row["hour"])), {})[names[row["type"]]] = float(row[code])
    return out


def _expected_failures(hours: dict[tuple[str, int], dict[str, float]], code: str) -> list[str]:
    """GB 3095 表4 by brute force: < 20 valid hours for a 24-h mean; MDA8 with < 14 windows of ≥ 6 hours
    unless its largest window mean exceeds 160."""
    reasons = []
    for p, word in (("pm25", "PM2.5"), ("pm10", "PM10"), ("so2", "SO2"), ("no2", "NO2"), ("co", "CO")):
        n = sum(1 for h in range(24) if p in hours.get((code, h), {}))
        if n < 20:
            reasons.append(f"{word} 有效小时 {n} < 20 (valid hours)")
    o3 = [hours.get((code, h), {}).get("o3") for h in range(24)]
    windows = [[v for v in o3[e - 7 : e + 1] if v is not None] for e in range(7, 24)]
    valid = [sum(w) / len(w) for w in windows if len(w) >= 6]
    if len(valid) < 14 and not (valid and round(max(valid)) > 160):
        reasons.append(f"O3-8h 有效窗口 {len(valid)} < 14 (valid 8-h windows)")
    return reasons


def test_status_reports_completeness_per_station_and_month(
    capsys: pytest.CaptureFixture[str], aq: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = ["--data-dir", str(tmp_path)]
    lists = [str(p) for p in sorted((aq / "station_lists").glob("站点列表-20*.csv"))]
    assert run(capsys, "aq", "stations", "import", *lists, *data)[0] == 0
    folder = aq / "cnemc_sites_2019_jiangsu"
    files = [*sorted(folder.glob("china_sites_2019040*.csv")), folder / "china_sites_20190410.csv"]
    assert run(capsys, "aq", "import", *map(str, files), *data)[0] == 0  # 04-01 … 04-10; 04-08 is missing
    code, text, err = run(capsys, "aq", "status", "--city", "南通", "--json", *data)
    assert code == 0, err
    rows = json.loads(text)["completeness"]
    codes = [f"{n}A" for n in range(1168, 1173)]
    assert [(r["station"], r["month"]) for r in rows] == [(c, "2019-04") for c in codes]
    raw = {f.stem[-8:]: _raw_hours(f, codes) for f in files}
    for r in rows:
        assert (r["expected_days"], r["expected_hours"]) == (10, 240)
        failing = {f["day"]: f for f in r["failing_days"]}
        assert failing["2019-04-08"]["reasons"] == ["无数据 no data"] and len(failing["2019-04-08"]["hours"]) == 24
        for stem, hours in raw.items():
            day = f"{stem[:4]}-{stem[4:6]}-{stem[6:]}"
            want = _expected_failures(hours, r["station"])
            assert (failing[day]["reasons"] if day in failing else []) == want, (r["station"], day)
            if want:
                lacking = [h for h in range(24) if len(hours.get((r["station"], h), {})) < 6]
                assert failing[day]["hours"] == lacking, (r["station"], day)
        assert r["valid_days"] == 10 - len(failing)
        assert r["hours"] == sum(1 for h in raw.values() for (c, _) in h if c == r["station"])
    monkeypatch.setattr(out, "_width", 160)
    code, text, err = run(capsys, "aq", "status", "--station", "1168A", *data)
    assert code == 0, err
    assert "04-08 无数据" in text and "有效天数/应有" in text  # piped: CSV, every cell whole
    assert "逐站逐月完整性" in err  # the title, beside the data
    assert "…" not in text  # every failing day is shown in full
    assert run(capsys, "aq", "status", "--city", "火星", *data)[0] != 0
