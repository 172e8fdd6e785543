"""Station classes (对照点/城市点) read list by list, never carried back, and the office's dated corrections."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from lantian.cli.main import main
from lantian.domain.aq.stations import (
    ClassCorrection,
    StationRegistry,
    class_label,
    format_class_corrections,
    parse_class_corrections,
    parse_station_list,
)
from lantian.errors import StructureError
from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Options
from tests.conftest import shared_dir

HEAD = "监测点编码,监测点名称,城市,经度,纬度"
LIST_2019 = f"{HEAD}\n1168A,南郊,南通,120.9,31.9\n1169A,虹桥,南通,120.8,32.0\n"
LIST_2020 = f"{HEAD},对照点\n1168A,南郊,南通,120.9,31.9,Y\n1169A,虹桥,南通,120.8,32.0,N\n"
LIST_2021 = f"{HEAD},对照点\n1168A,狼山街道,南通,120.9,31.9,否\n1169A,虹桥,南通,120.8,32.0,\n"


def registry() -> StationRegistry:
    reg = StationRegistry()
    reg.add(parse_station_list(LIST_2019, name="a.csv", valid_from=dt.date(2019, 8, 1)))
    reg.add(parse_station_list(LIST_2020, name="b.csv", valid_from=dt.date(2020, 12, 6)))
    reg.add(parse_station_list(LIST_2021, name="c.csv", valid_from=dt.date(2021, 1, 1)))
    return reg


def members(reg: StationRegistry, day: dt.date) -> set[str]:
    return {code for code, _, start, end in reg.memberships() if start <= day and (end is None or day < end)}


def test_a_mark_is_read_only_from_the_list_that_states_it_and_never_carried_back() -> None:
    reg = registry()
    # 2019.08.01 has no 对照点 column: it says nothing; the 2020.12.06 Y is not carried back
    assert reg.class_on("1168A", dt.date(2019, 6, 1)) == (None, "")
    assert reg.class_on("1168A", dt.date(2020, 12, 5)) == (None, "")
    assert reg.class_on("1168A", dt.date(2020, 12, 6)) == (True, "list 2020-12-06")
    assert reg.class_on("1168A", dt.date(2021, 3, 1)) == (False, "list 2021-01-01")  # 否 read as N
    # a blank cell says nothing: the earlier statement stands
    assert reg.class_on("1169A", dt.date(2021, 3, 1)) == (False, "list 2020-12-06")
    assert members(reg, dt.date(2019, 1, 1)) == {"1168A", "1169A"}  # the earliest list covers the days before it
    assert members(reg, dt.date(2020, 12, 5)) == {"1168A", "1169A"}
    assert members(reg, dt.date(2020, 12, 6)) == {"1169A"}
    assert members(reg, dt.date(2021, 1, 1)) == {"1168A", "1169A"}


def test_a_y_is_called_what_the_list_says_it_is() -> None:
    reg = StationRegistry()
    text = (f"{HEAD},对照点\n1160A,上方山(对照点),苏州,1,2,Y\n1261A,四中(停运161031),金华,1,2,Y\n"
            "1168A,南郊,南通,1,2,Y\n1169A,虹桥,南通,1,2,N\n")  # fmt: skip
    reg.add(parse_station_list(text, name="b.csv", valid_from=dt.date(2020, 12, 6)))
    reg.add(parse_station_list(LIST_2019, name="a.csv", valid_from=dt.date(2019, 8, 1)))
    day = dt.date(2021, 1, 1)

    def label(code: str, on: dt.date = day) -> str:
        station = reg.lookup(code, on)
        assert station is not None
        return class_label(station)

    assert [label(c) for c in ("1160A", "1261A", "1168A", "1169A")] == [
        "对照点", "停运（不计入城市）", "不计入城市（列表标 Y）", "城市点",
    ]  # fmt: skip
    assert label("1168A", dt.date(2019, 9, 1)) == "城市点（列表未标明）"
    reg.correct(ClassCorrection("1168A", True, dt.date(2020, 12, 7)))
    assert label("1168A") == "对照点"


def test_a_bad_control_cell_names_its_file_line_and_field() -> None:
    with pytest.raises(StructureError) as caught:
        parse_station_list(f"{HEAD},对照点\n1168A,南郊,南通,1,2,N\n1169A,虹桥,南通,1,2,maybe\n", name="x.csv",
                           valid_from=dt.date(2021, 1, 1))  # fmt: skip
    assert (caught.value.file, caught.value.line, caught.value.field) == ("x.csv", 3, "对照点")


def test_an_office_correction_holds_from_its_date_until_a_later_statement() -> None:
    reg = registry()
    reg.correct(ClassCorrection("1169A", True, dt.date(2019, 10, 1), "关停"))
    assert reg.class_on("1169A", dt.date(2019, 9, 30)) == (None, "")
    assert reg.class_on("1169A", dt.date(2019, 10, 1)) == (True, "correction 2019-10-01")
    assert members(reg, dt.date(2019, 9, 30)) == {"1168A", "1169A"}
    assert members(reg, dt.date(2019, 10, 1)) == {"1168A"}
    # the 2020.12.06 list states N later than the correction: the latest statement wins
    assert reg.class_on("1169A", dt.date(2020, 12, 6)) == (False, "list 2020-12-06")
    # a correction dated the same day as a list wins over it
    reg.correct(ClassCorrection("1168A", False, dt.date(2020, 12, 6)))
    assert reg.class_on("1168A", dt.date(2020, 12, 6)) == (False, "correction 2020-12-06")
    # a correction dated before the earliest list applies from its own date only
    reg.correct(ClassCorrection("1168A", True, dt.date(2015, 1, 1)))
    assert members(reg, dt.date(2014, 12, 31)) == {"1168A", "1169A"}
    assert members(reg, dt.date(2015, 1, 1)) == {"1169A"}
    text = format_class_corrections(reg.corrections)
    assert parse_class_corrections(text, name="c.csv") == reg.corrections


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("1160A,背景点,2019-01-01,", "类别"),
        ("1160A,对照点,2019/01/01,", "起始日期"),
        (",对照点,2019-01-01,", "监测点编码"),
    ],
)
def test_a_bad_correction_row_names_its_line_and_field(row: str, field: str) -> None:
    with pytest.raises(StructureError) as caught:
        parse_class_corrections(f"监测点编码,类别,起始日期,说明\n1161A,城市点,2019-01-01,\n{row}\n", name="k.csv")
    assert (caught.value.line, caught.value.field) == (3, field)


def _lists_dir() -> Path:
    path = shared_dir() / "data" / "aq" / "station_lists"
    if not path.is_dir():
        pytest.skip(f"station lists not found at {path}")
    return path


def _expected_2019_counts(lists: Path) -> dict[str, int]:
    """Per city, the stations of the lists in force in 2019, read here without the registry: the
    2019.08.01 list (in force from that day; no older dated list, so it also covers the year's
    first months) has no 对照点 column, so a station counts unless its name says "(对照点)"."""
    with (lists / "站点列表-2019.08.01起.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert "对照点" not in rows[0]
    cities = {r["监测点编码"]: r["城市"] for r in rows if "对照点" not in r["监测点名称"]}  # 3207A is listed twice
    return dict(collections.Counter(cities.values()))


def test_2019_station_counts_per_city_follow_the_lists(tmp_path: Path) -> None:
    lists = _lists_dir()
    expected = _expected_2019_counts(lists)
    svc = AirQualityService(tmp_path)
    svc.import_station_lists(sorted(lists.glob("站点列表-20*.csv")))
    reg = svc.registry()
    for day in (dt.date(2019, 1, 1), dt.date(2019, 7, 31), dt.date(2019, 8, 1), dt.date(2019, 12, 31)):
        got = collections.Counter(area for _, area, start, end in reg.memberships()
                                  if start <= day and (end is None or day < end))  # fmt: skip
        assert dict(got) == expected, day
    # by hand from the list: 南通 1168A–1172A (5), 苏州 1160A–1167A (8), 南京 1151A–1159A (9); 南通's
    # 1168A was marked Y only from 2020.12.06 and 苏州's 1160A only from 2020.12.06 too
    assert (expected["南通"], expected["苏州"], expected["南京"]) == (5, 8, 9)


def test_2019_city_values_stand_on_every_listed_station(tmp_path: Path) -> None:
    lists = _lists_dir()
    data = shared_dir() / "data" / "aq" / "cnemc_sites_2019_jiangsu"
    svc = AirQualityService(tmp_path)
    svc.import_station_lists(sorted(lists.glob("站点列表-20*.csv")))
    assessment = svc.calculator([data / "china_sites_20190102.csv"])
    rows = {r["station"]: r for r in assessment.daily("city", None, None, Options())}
    stations = {r["station"]: r for r in assessment.daily("station", None, None, Options())}
    for city, codes in (("南通", [f"{n}A" for n in range(1168, 1173)]), ("苏州", [f"{n}A" for n in range(1160, 1168)])):
        with_data = [c for c in codes if stations[c]["pm25"] is not None]
        assert rows[city]["stations"] == len(codes) == len(with_data), city
        assert rows[city]["pm25_stations"] == len(with_data)


def test_the_assessment_uses_a_correction_from_its_date(tmp_path: Path) -> None:
    lists = _lists_dir()
    data = shared_dir() / "data" / "aq" / "cnemc_sites_2019_jiangsu"
    files = [data / "china_sites_20190102.csv", data / "china_sites_20190103.csv"]
    svc = AirQualityService(tmp_path)
    svc.import_station_lists(sorted(lists.glob("站点列表-20*.csv")))

    def nantong() -> dict[str, tuple[int, float]]:
        rows = svc.calculator(files).daily("city", None, None, Options())
        return {r["day"].isoformat(): (r["stations"], r["pm25"]) for r in rows if r["station"] == "南通"}

    before = nantong()
    station = {r["day"].isoformat(): r for r in svc.calculator(files).daily("station", None, None, Options())
               if r["station"] == "1168A"}  # fmt: skip
    assert station["2019-01-03"]["pm25"] is not None
    svc.correct_station_class(ClassCorrection("1168A", True, dt.date(2019, 1, 3), "迁址"))
    after = nantong()
    assert after["2019-01-02"] == before["2019-01-02"]
    assert after["2019-01-03"][0] == before["2019-01-03"][0] - 1
    assert after["2019-01-03"][1] != before["2019-01-03"][1]


def test_cli_class_correction_is_kept_listed_and_used(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    lists = tmp_path / "站点列表-2019.08.01起.csv"
    lists.write_text(LIST_2019, encoding="utf-8")
    d = str(tmp_path / "d")
    assert main(["aq", "stations", "import", str(lists), "--data-dir", d]) == 0
    assert "无对照点列，其余站点类别未标明" in capsys.readouterr().out
    correct = ["aq", "stations", "class", "1168A", "--as", "对照点", "--from", "2019-10-01", "--data-dir", d]
    assert main([*correct, "--note", "迁址"]) == 0
    capsys.readouterr()
    assert main(["aq", "stations", "classes", "--json", "--data-dir", d]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"监测点编码": "1168A", "类别": "对照点", "起始日期": "2019-10-01", "说明": "迁址"}
    ]
    for day, want in (("2019-09-30", None), ("2019-10-01", True)):
        assert main(["aq", "stations", "list", "--date", day, "--json", "--data-dir", d]) == 0
        listed = {s["code"]: s for s in json.loads(capsys.readouterr().out)}
        assert listed["1168A"]["control"] is want
    assert main(["aq", "stations", "class", "9999A", "--as", "对照点", "--from", "2019-10-01", "--data-dir", d]) == 2
    assert "9999A" in capsys.readouterr().err
    assert main(["aq", "stations", "class", "1168A", "--as", "背景点", "--from", "2019-10-01", "--data-dir", d]) == 2
    assert "对照点或城市点" in capsys.readouterr().err
    kept = tmp_path / "d" / "aq" / "station_classes.csv"
    kept.write_text("监测点编码,类别,起始日期,说明\n1168A,对照点,2019-13-01,\n", encoding="utf-8")
    assert main(["aq", "stations", "list", "--data-dir", d]) == 2
    err = capsys.readouterr().err
    assert "station_classes.csv" in err and "起始日期" in err and "2" in err
