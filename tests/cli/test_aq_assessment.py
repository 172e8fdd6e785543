"""``lantian aq compute / assess / rank / verify / areas`` end to end, and their bad inputs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.helpers import run


@pytest.fixture(scope="module")
def aq(seeds_dir: Path) -> Path:
    return seeds_dir.parent / "data" / "aq"


def _january(aq: Path) -> list[str]:
    return [str(p) for p in sorted((aq / "cnemc_sites_2019_jiangsu").glob("china_sites_201901*.csv"))]


def test_compute_hourly_csv_has_the_documented_columns_and_the_published_values(
    capsys: pytest.CaptureFixture[str], aq: Path, tmp_path: Path
) -> None:
    day = aq / "cnemc_sites_2019_jiangsu" / "china_sites_20190101.csv"
    code, out, err = run(capsys, "aq", "compute", "--input", str(day), "--data-dir", str(tmp_path / "none"))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[:12] == ["station", "time", "aqi", "level", "category", "primary_pollutant",
                                  "iaqi_so2", "iaqi_no2", "iaqi_co", "iaqi_o3", "iaqi_pm10", "iaqi_pm25"]  # fmt: skip
    first = rows[0]
    # 1151A 2019-01-01 hour 0: PM2.5 72 → 50 + 50/40·(72−35) = 96.25 → 97, as published
    assert (first["station"], first["time"], first["aqi"], first["primary_pollutant"]) == (
        "1151A", "2019-01-01T00:00:00+08:00", "97", "PM2.5",
    )  # fmt: skip
    assert first["level"] == "二级" and first["category"] == "良" and first["standard"] == "HJ 633-2012"
    assert not (tmp_path / "none").exists()  # stateless: nothing written


def test_compute_daily_city_json_and_period(capsys: pytest.CaptureFixture[str], aq: Path, tmp_path: Path) -> None:
    lists = sorted((aq / "station_lists").glob("站点列表-2019*.csv"))
    inputs = [arg for f in _january(aq)[:3] for arg in ("-i", f)]
    args = [*inputs, "--stations", str(lists[0]), "--data-dir", str(tmp_path)]
    code, out, err = run(capsys, "aq", "compute", *args, "--product", "daily", "--level", "city", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert {r["station"] for r in rows} == {"南京", "苏州", "南通"} and len(rows) == 9
    assert {r["time"] for r in rows} == {"2019-01-01", "2019-01-02", "2019-01-03"}
    out_file = tmp_path / "period.csv"
    code, out, err = run(capsys, "aq", "compute", *args, "--product", "period", "--level", "city", "-o", str(out_file))
    assert code == 0, err
    text = out_file.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")  # a BOM, for Excel
    period = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["station"] for r in period} == {"南京", "苏州", "南通"}
    assert all(r["start"] == "2019-01-01" and r["end"] == "2019-01-03" for r in period)
    assert sorted(r["rank"] for r in period) == ["1", "2", "3"]


def test_assess_rank_verify_over_the_store(capsys: pytest.CaptureFixture[str], aq: Path, tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path)]
    lists = [str(p) for p in sorted((aq / "station_lists").glob("站点列表-20*.csv"))]
    assert run(capsys, "aq", "stations", "import", *lists, *data)[0] == 0
    assert run(capsys, "aq", "import", *_january(aq), *data)[0] == 0
    code, out, err = run(capsys, "aq", "assess", "--period", "2019-01", "--format", "table", *data)
    assert code == 0, err
    assert "2019年1月" in out and "南京" in out and "排名" in out
    code, out, err = run(capsys, "aq", "assess", "--period", "2019-01", "--format", "json", *data)
    rows = json.loads(out)
    assert {r["station"] for r in rows} == {"南京", "苏州", "南通"}
    assert all(r["min_days"] == 27 for r in rows)
    code, out, err = run(capsys, "aq", "rank", "--period", "2019-01", "--by", "pm25", "--top", "1", *data)
    assert code == 0, err and "名次" in out
    code, out, err = run(capsys, "aq", "rank", "--period", "2019-01", "--format", "csv", *data)
    ranked = list(csv.DictReader(io.StringIO(out)))
    assert [r["rank"] for r in ranked] == ["1", "2", "3"]
    indexes = [float(r["composite_index"]) for r in ranked]
    assert indexes == sorted(indexes)
    code, out, err = run(capsys, "aq", "verify", "--json", *data)
    assert code == 0, err
    report = json.loads(out)
    assert report["rate"] == 1.0 and report["comparable"] > 15000
    code, out, err = run(capsys, "aq", "assess", "--product", "daily", "--from", "2019-01-01", "--to", "2019-01-02",
                         "--level", "station", "--area", "1151A", "--format", "csv", *data)  # fmt: skip
    assert code == 0, err
    assert [r["time"] for r in csv.DictReader(io.StringIO(out))] == ["2019-01-01", "2019-01-02"]


def test_province_values_from_a_gbk_area_map(capsys: pytest.CaptureFixture[str], aq: Path, tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path)]
    lists = [str(p) for p in sorted((aq / "station_lists").glob("站点列表-20*.csv"))]
    run(capsys, "aq", "stations", "import", *lists, *data)
    run(capsys, "aq", "import", *_january(aq)[:2], *data)
    code, out, err = run(capsys, "aq", "assess", "--period", "2019-01", "--level", "province", *data)
    assert code == 4 and "aq areas import" in err and "Traceback" not in err
    gbk = aq / "stations" / "NewSiteList.csv"  # the original bytes are GBK
    code, out, err = run(capsys, "aq", "areas", "import", str(gbk), *data)
    assert code == 0, err and "省份" in out
    code, out, err = run(
        capsys, "aq", "assess", "--period", "2019-01", "--level", "province", "--format", "json", *data
    )
    assert code == 0, err
    assert [r["station"] for r in json.loads(out)] == ["江苏省"]


# a district map of 南京's national stations (the national lists carry cities only), for the tests
NANJING_DISTRICTS = {
    "1151A": "栖霞区", "1152A": "鼓楼区", "1153A": "鼓楼区", "1154A": "秦淮区", "1155A": "秦淮区",
    "1156A": "玄武区", "1157A": "浦口区", "1158A": "建邺区", "1159A": "栖霞区",
}  # fmt: skip


def test_county_values_and_rankings_from_a_station_county_map(
    capsys: pytest.CaptureFixture[str], aq: Path, tmp_path: Path
) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    lists = [str(p) for p in sorted((aq / "station_lists").glob("站点列表-20*.csv"))]
    run(capsys, "aq", "stations", "import", *lists, *data)
    run(capsys, "aq", "import", *_january(aq), *data)
    code, _, err = run(capsys, "aq", "assess", "--period", "2019-01", "--level", "county", *data)
    assert code == 4 and "--counties" in err
    # the whole city as one county: its values are the city's, to the last digit
    whole = tmp_path / "whole.csv"
    whole.write_text("监测点编码,区县\n" + "".join(f"{c},南京全市\n" for c in NANJING_DISTRICTS), encoding="gbk")
    assert run(capsys, "aq", "areas", "import", "--counties", str(whole), *data)[0] == 0
    args = ["aq", "assess", "--period", "2019-01", "--format", "json", *data]
    county = json.loads(run(capsys, *args, "--level", "county")[1])
    city = next(r for r in json.loads(run(capsys, *args, "--level", "city")[1]) if r["station"] == "南京")
    assert len(county) == 1 and {k: v for k, v in county[0].items() if k not in ("station", "rank", "pm25_rank",
                                 "good_ratio_rank", "change_rank")} == {k: v for k, v in city.items() if k not in (
                                 "station", "rank", "pm25_rank", "good_ratio_rank", "change_rank")}  # fmt: skip
    # six districts, ranked (ties share a rank)
    districts = tmp_path / "districts.csv"
    districts.write_text("监测点编码,区县\n" + "".join(f"{c},{d}\n" for c, d in NANJING_DISTRICTS.items()))
    code, out, _ = run(capsys, "aq", "areas", "import", "--counties", str(districts), *data)
    assert code == 0 and "9 个站点 stations → 6 个区县 counties" in out
    code, out, err = run(capsys, "aq", "rank", "--period", "2019-01", "--level", "county", "--format", "json", *data)
    assert code == 0, err
    ranked = json.loads(out)
    assert sorted(r["station"] for r in ranked) == ["建邺区", "栖霞区", "浦口区", "玄武区", "秦淮区", "鼓楼区"]
    indices = {r["station"]: r["composite_index"] for r in ranked}
    for r in ranked:
        assert r["rank"] == 1 + sum(1 for v in indices.values() if float(v) < float(r["composite_index"]))
    # a station in two counties is refused with its line
    clash = tmp_path / "clash.csv"
    clash.write_text("监测点编码,区县\n1151A,栖霞区\n1151A,玄武区\n", encoding="utf-8")
    code, _, err = run(capsys, "aq", "areas", "import", "--counties", str(clash), *data)
    assert code == 2 and "clash.csv:3: 区县" in err and "1151A" in err


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["aq", "compute", "-i", "MISSING.csv"], "MISSING.csv"),
        (["aq", "compute", "-i", "{day}", "--level", "county"], "level"),
        (["aq", "compute", "-i", "{day}", "--product", "weekly"], "product"),
        (["aq", "compute", "-i", "{day}", "--format", "xml"], "format"),
        (["aq", "compute", "-i", "{day}", "--standard", "2020"], "standard"),
        (["aq", "compute", "-i", "{day}", "--method", "guess"], "method"),
        (["aq", "compute", "-i", "{day}", "--scheme", "mine"], "scheme"),
        (["aq", "compute", "-i", "{day}", "--level", "city"], "level"),
        (["aq", "compute", "-i", "{day}", "--product", "period", "--period", "2019-13"], "period"),
        (["aq", "compute", "-i", "{day}", "--period", "2019", "--from", "2019-01-01"], "period"),
        (["aq", "compute", "-i", "{day}", "--from", "2019-02-01", "--to", "2019-01-01"], "from"),
        (["aq", "compute", "-i", "{bad}"], "header"),
        (["aq", "assess", "--period", "2019"], "aq"),
        (["aq", "rank", "--by", "speed"], "by"),
        (["aq", "areas", "import", "{bad}"], "城市"),
    ],
)
def test_bad_input_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], aq: Path, tmp_path: Path, args: list[str], field: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    day = aq / "cnemc_sites_2019_jiangsu" / "china_sites_20190101.csv"
    argv = [a.format(day=day, bad=bad) for a in args] + ["--data-dir", str(tmp_path / "data")]
    code, out, err = run(capsys, *argv)
    assert code in (2, 3, 4), (code, out, err)  # usage or input 2, configuration 3, nothing to assess 4
    assert "Traceback" not in err and field in err, err
    assert len(err.strip().splitlines()) == 1, err
