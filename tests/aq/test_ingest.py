"""Monitoring data in: station lists by date, the national archive and tidy formats, quarantine, Parquet store."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lantian.cli.main import main
from lantian.domain.aq.archive import COLUMNS, parse_archive, parse_tidy
from lantian.domain.aq.stations import StationRegistry, parse_station_list, valid_from_filename
from lantian.errors import StructureError, UnsupportedFormatError
from lantian.services.airquality import AirQualityService

LIST_2019 = "监测点编码,监测点名称,城市,经度,纬度\n1160A,上方山,苏州,120.561,31.2472\n1161A,南门,苏州,120.6,31.3\n"
LIST_2021 = (
    "监测点编码,监测点名称,城市,经度,纬度,对照点\n1160A,上方山(对照点),苏州,120.561,31.2472,Y\n"
    "1161A,南门,苏州,120.6,31.3,N\n1999A,新站,苏州,120.7,31.4,N\n"
)


def registry() -> StationRegistry:
    reg = StationRegistry()
    reg.add(parse_station_list(LIST_2019, name="a.csv", valid_from=dt.date(2019, 8, 1)))
    reg.add(parse_station_list(LIST_2021, name="b.csv", valid_from=dt.date(2021, 1, 1)))
    return reg


def test_the_list_in_force_and_the_control_flag() -> None:
    reg = registry()
    assert valid_from_filename("站点列表-2022.02.13起.csv") == dt.date(2022, 2, 13)
    in_force = reg.in_force(dt.date(2020, 12, 31))
    assert in_force is not None and in_force.valid_from == dt.date(2019, 8, 1)
    in_force = reg.in_force(dt.date(2021, 1, 1))
    assert in_force is not None and in_force.valid_from == dt.date(2021, 1, 1)
    earliest = reg.in_force(dt.date(2019, 1, 1))  # before every list: the earliest one
    assert earliest is not None and earliest.valid_from == dt.date(2019, 8, 1)
    # the 2019 list has no 对照点 column: it says nothing, and the later list's mark is not carried back
    station = reg.lookup("1160A", dt.date(2019, 1, 1))
    assert station is not None and station.control is None and station.name == "上方山"
    station = reg.lookup("1160A", dt.date(2021, 1, 1))
    assert station is not None and station.control is True and station.basis == "list 2021-01-01"
    assert reg.lookup("1999A", dt.date(2020, 1, 1)) is None
    with pytest.raises(StructureError, match="城市"):
        parse_station_list("监测点编码,监测点名称\n1,a\n", name="bad.csv", valid_from=dt.date(2020, 1, 1))


def _archive(rows: list[str], stations: str = "1160A,1161A,1999A") -> str:
    return f"date,hour,type,{stations}\n" + "\n".join(rows) + "\n"


def test_every_bad_cell_is_quarantined_with_its_reason() -> None:
    text = _archive(
        [
            "20200101,0,PM2.5,35,40,12",  # 1999A is not in the 2019 list in force on 2020-01-01
            "20200101,0,PM10,abc,-5,",
            "20200101,0,SO2,-999,9999,",
            "20200101,0,PM2.5,36,41,",  # the same hour and type again
            "20200101,24,CO,1,1,",
            "20200101,1,XYZ,1,1,",
            "20200101,1,CO,0.9,,",
        ]
    )
    data = parse_archive(text, name="china_sites_20200101.csv", registry=registry())
    reasons = sorted((q.line, q.column, q.reason) for q in data.quarantine)
    assert reasons == [
        (2, "1999A", "unknown_station"),
        (3, "1160A", "non_numeric"),
        (3, "1161A", "negative"),
        (4, "1160A", "sentinel"),
        (4, "1161A", "sentinel"),
        (5, "1160A", "duplicate_hour"),
        (5, "1161A", "duplicate_hour"),
        (6, "date/hour", "bad_time"),
        (7, "type", "unknown_type"),
    ]
    hour0 = dt.datetime(2020, 1, 1, 0)
    assert data.records[("1160A", hour0)] == {"pm25": 35.0}  # the first of the duplicated rows is kept
    assert data.records[("1160A", dt.datetime(2020, 1, 1, 1))] == {"co": 0.9}
    assert data.days == {dt.date(2020, 1, 1)}


def test_the_tidy_format() -> None:
    text = (
        "station,time,PM2.5,pm10,co\n1160A,2021-03-01T01:00,35,50,0.8\n1161A,2021-03-01 01:00:00+08:00,NA,,1.1\n"
        "1161A,2021-03-01T01:00+00:00,1,2,3\n1161A,2021-03-01T01:30,1,2,3\n9999A,2021-03-01T02:00,1,2,3\n"
    )
    data = parse_tidy(text, name="tidy.csv", registry=registry())
    assert data.records[("1160A", dt.datetime(2021, 3, 1, 1))] == {"pm25": 35.0, "pm10": 50.0, "co": 0.8}
    assert data.records[("1161A", dt.datetime(2021, 3, 1, 1))] == {"co": 1.1}
    assert sorted((q.line, q.reason) for q in data.quarantine) == [
        (4, "bad_time"),
        (5, "bad_time"),
        (6, "unknown_station"),
    ]
    with pytest.raises(StructureError, match="nox"):
        parse_tidy("station,time,nox\n", name="t.csv")


def test_real_archive_files_parse_without_quarantine(seeds_dir: Path) -> None:
    aq = seeds_dir.parent / "data" / "aq"
    reg = StationRegistry()
    for f in sorted((aq / "station_lists").glob("站点列表-20*.csv")):
        start = valid_from_filename(f.name)
        assert start is not None
        reg.add(parse_station_list(f.read_text(encoding="utf-8"), name=f.name, valid_from=start))
    data = parse_archive(
        (aq / "cnemc_sites_2019_jiangsu" / "china_sites_20190101.csv").read_text(encoding="utf-8"),
        name="china_sites_20190101.csv",
        registry=reg,
    )
    assert data.quarantine == []
    assert len(data.entities) == 22
    # 1151A at hour 0: AQI 97, PM2.5 72 (first data rows of the file, read by hand)
    first = data.records[("1151A", dt.datetime(2019, 1, 1, 0))]
    assert first["aqi_published"] == 97 and first["pm25"] == 72 and first["pm25_24h"] == 36


@pytest.fixture
def service(tmp_path: Path) -> AirQualityService:
    svc = AirQualityService(tmp_path / "data")
    for name, text in (("站点列表-2019.08.01起.csv", LIST_2019), ("站点列表-2021.01.01起.csv", LIST_2021)):
        path = tmp_path / name
        path.write_bytes(text.encode("gbk"))  # GBK lists, as the official files are
        svc.import_station_lists([path])
    return svc


def test_import_is_idempotent_merges_days_and_writes_quarantine(service: AirQualityService, tmp_path: Path) -> None:
    f1 = tmp_path / "china_sites_20210101.csv"
    f1.write_text(_archive(["20210101,0,PM2.5,35,40,12", "20210101,0,PM10,,-5,20"]), encoding="utf-8")
    report = service.import_files([f1])
    assert report.records == 3 and report.quarantined == {"negative": 1}
    day = service.store.day_path("sites", dt.date(2021, 1, 1))
    assert day.parent.name == "month=01" and day.parent.parent.name == "year=2021"
    before = pq.read_table(day)
    assert before.schema.names == ["station", "time", *COLUMNS]
    service.import_files([f1])
    assert pq.read_table(day).equals(before)  # the same file again changes nothing
    # another file for the same day, with one station only, merges instead of erasing
    f2 = tmp_path / "tidy.csv"
    f2.write_text("station,time,so2\n1161A,2021-01-01T00:00,7\n", encoding="utf-8")
    service.import_files([f2])
    rows = {r["station"]: r for r in pq.read_table(day).to_pylist()}
    assert rows["1161A"]["so2"] == 7 and rows["1161A"]["pm25"] == 40 and rows["1160A"]["pm25"] == 35
    report_csv = Path(str(report.files[0].quarantine_report))
    assert report_csv.read_text(encoding="utf-8-sig").splitlines()[1].startswith(f"{f1},3,1161A,PM10,-5,negative")


def test_a_bad_file_in_a_batch_writes_nothing(service: AirQualityService, tmp_path: Path) -> None:
    good = tmp_path / "china_sites_20210102.csv"
    good.write_text(_archive(["20210102,0,PM2.5,35,40,12"]), encoding="utf-8")
    bad = tmp_path / "notes.csv"
    bad.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(UnsupportedFormatError, match=r"notes\.csv"):
        service.import_files([good, bad])
    assert service.store.files() == []


def test_cli_aq_commands(capsys: pytest.CaptureFixture[str], seeds_dir: Path, tmp_path: Path) -> None:
    aq = seeds_dir.parent / "data" / "aq"
    data_dir = str(tmp_path / "d")
    lists = sorted(str(p) for p in (aq / "station_lists").glob("站点列表-20*.csv"))
    assert main(["aq", "stations", "import", *lists, "--data-dir", data_dir]) == 0
    files = sorted((aq / "quotsoft_china_sites_2025" / "jiangsu_shanghai_subset").glob("*.csv"))[:3]
    gbk = tmp_path / files[0].name
    gbk.write_bytes(files[0].read_text(encoding="utf-8").encode("gbk"))
    capsys.readouterr()
    assert main(["aq", "import", str(gbk), *map(str, files[1:]), "--data-dir", data_dir, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [f["days"] for f in report] == [["2025-01-01"], ["2025-01-02"], ["2025-01-03"]]
    assert all(f["quarantined"] == {} for f in report)
    assert main(["aq", "status", "--data-dir", data_dir, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["days"] == 3
    assert (
        main(["aq", "stations", "list", "--date", "2025-01-01", "--city", "苏州", "--data-dir", data_dir, "--json"])
        == 0
    )
    suzhou = json.loads(capsys.readouterr().out)
    assert any(s["code"] == "1160A" and s["control"] for s in suzhou)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert main(["aq", "import", str(empty), "--data-dir", data_dir]) == 2
    assert "empty.csv" in capsys.readouterr().err
    shutil.rmtree(tmp_path / "d")


def test_cli_aq_daily(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data_dir = str(tmp_path / "d")
    lst = tmp_path / "站点列表-2021.01.01起.csv"
    lst.write_text(LIST_2021, encoding="utf-8")
    assert main(["aq", "stations", "import", str(lst), "--data-dir", data_dir]) == 0
    rows = [f"20210101,{h},PM2.5,{10 + h % 2},{20 if h < 19 else ''},5" for h in range(24)]
    f = tmp_path / "china_sites_20210101.csv"
    f.write_text(_archive(rows), encoding="utf-8")
    assert main(["aq", "import", str(f), "--data-dir", data_dir]) == 0
    capsys.readouterr()
    assert main(["aq", "daily", "--city", "苏州", "--format", "json", "--data-dir", data_dir]) == 0
    got = {r["station"]: r for r in json.loads(capsys.readouterr().out)}
    # 1160A: twelve 10s and twelve 11s → 10.5 → 10 (half to even); 1161A: 19 valid hours → invalid
    assert (got["1160A"]["pm25"], got["1160A"]["pm25_hours"]) == (10.0, 24)
    assert (got["1161A"]["pm25"], got["1161A"]["pm25_hours"]) == (None, 19)
    assert got["1999A"]["pm25"] == 5.0
    assert (
        main(["aq", "daily", "--rounding", "half_up", "--station", "1160A", "--format", "csv", "--data-dir", data_dir])
        == 0
    )
    assert capsys.readouterr().out.splitlines()[1].startswith("1160A,2021-01-01,11,24")
    assert main(["aq", "daily", "--rounding", "bankers", "--data-dir", data_dir]) == 2
    assert main(["aq", "daily", "--city", "火星", "--data-dir", data_dir]) == 4


def test_the_tidy_parquet_format(service: AirQualityService, tmp_path: Path) -> None:
    import pyarrow as pa

    path = tmp_path / "tidy.parquet"
    table = pa.table(
        {
            "station": ["1160A", "1161A", "1161A", "9999A"],
            "time": pa.array(
                [dt.datetime(2021, 3, 1, 1), dt.datetime(2021, 3, 1, 1), dt.datetime(2021, 3, 1, 1, 30),
                 dt.datetime(2021, 3, 1, 2)], pa.timestamp("s")
            ),
            "PM2.5": [35.0, None, 1.0, 1.0],
            "co": [0.8, float("nan"), 3.0, -999.0],
            "pm10": [50.0, -5.0, 2.0, 2.0],
        }
    )  # fmt: skip
    pq.write_table(table, path)
    data = service.parse_file(path)
    assert data.records[("1160A", dt.datetime(2021, 3, 1, 1))] == {"pm25": 35.0, "pm10": 50.0, "co": 0.8}
    assert data.records[("1161A", dt.datetime(2021, 3, 1, 1))] == {}
    # rows are numbered as lines of a CSV with a header: the first row is line 2
    assert sorted((q.line, q.type, q.reason) for q in data.quarantine) == [
        (3, "pm10", "negative"),
        (4, "time", "bad_time"),
        (5, "station", "unknown_station"),
    ]
    report = service.import_files([path])
    assert report.files[0].records == 2
    assert service.import_files([path]).files[0].records == 2  # again: the same store


def test_a_bad_parquet_file_names_itself(service: AirQualityService, tmp_path: Path) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    with pytest.raises(UnsupportedFormatError, match=r"broken\.parquet"):
        service.import_files([broken])
    wrong = tmp_path / "wrong.parquet"
    pq.write_table(__import__("pyarrow").table({"site": ["1160A"], "pm25": [1.0]}), wrong)
    with pytest.raises(StructureError, match="station,time"):
        service.import_files([wrong])
    assert service.store.files() == []
