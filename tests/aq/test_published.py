"""Published city daily values: each layout read, every bad input named, imports atomic and idempotent."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from lantian.cli.main import main
from lantian.domain.aq.published import parse_published
from lantian.errors import StructureError
from lantian.services.airquality import AirQualityService

PUBLISHED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "aq"


def test_the_tidy_layout() -> None:
    f = parse_published("城市,日期,AQI,PM2.5,O3\n南京,2025-01-02,79,58,\n南京,2025/1/3,—,60.4,120\n", name="t.csv")
    assert f.layout == "tidy" and f.cities == ["南京"]
    first, second = f.days
    assert first.day == dt.date(2025, 1, 2) and first.values == {"aqi": 79, "pm25": 58}
    assert second.day == dt.date(2025, 1, 3) and second.values == {"pm25": 60.4, "o3": 120}


def test_the_aqistudy_layout_and_its_outage_rows() -> None:
    text = (
        "\ufeff南京,2013-12-02,228,212~245,重度污染,136.3,253.4,86.5,1.96,120.2,43,90\n"
        "宜兴,2016-07-05,0,0~0,,0,0,0,0,0,0,2\n"
    )
    f = parse_published(text, name="a.csv")
    assert f.layout == "aqistudy" and f.skipped_outages == 1
    (day,) = f.days
    assert day.values == {"aqi": 228, "pm25": 136.3, "pm10": 253.4, "so2": 86.5, "co": 1.96, "no2": 120.2, "o3": 43}


def test_the_shifted_tianqihoubao_header_is_read_in_its_real_order() -> None:
    text = "日期,质量等级,AQI,PM2.5,PM10,SO2,NO2,CO,O3,城市\n2025-01-01,良,76,140,55,101,46,8,0.70,南京\n"
    (day,) = parse_published(text, name="南京.csv").days
    # the column headed PM2.5 is the rank, O3 is CO: PM2.5 55, PM10 101, NO2 46, SO2 8, CO 0.70
    assert day.values == {"aqi": 76, "pm25": 55, "pm10": 101, "no2": 46, "so2": 8, "co": 0.7}


API = "aqi,co,no2,o3,pm10,pm2_5,quality,rank,so2,time_point\n177,1.9,96,55,248,134,中度污染,161,45,2014-01-01\n"


def test_the_api_layout_takes_the_city_the_user_names_and_never_the_file_name() -> None:
    f = parse_published(API, name="南京.csv", city="南京")
    assert f.layout == "aqistudy-api" and f.days[0].city == "南京" and f.days[0].values["pm25"] == 134
    assert (f.city_given, f.rows_given_city) == ("南京", 1)
    with pytest.raises(StructureError, match="--city") as caught:
        parse_published(API, name="南京.csv")  # before, the city was taken from the file name silently
    assert (caught.value.file, caught.value.line, caught.value.field) == ("南京.csv", 1, "城市")


def test_an_empty_city_cell_is_refused_with_its_line_unless_the_city_is_named() -> None:
    text = "城市,日期,PM2.5\n南京,2025-01-01,30\n,2025-01-02,31\n"
    with pytest.raises(StructureError, match="缺少城市") as caught:
        parse_published(text, name="南京.csv")
    assert (caught.value.line, caught.value.field) == (3, "城市")
    f = parse_published(text, name="x.csv", city="南京")
    assert [d.city for d in f.days] == ["南京", "南京"] and f.rows_given_city == 1


def test_the_largest_real_published_values_are_accepted() -> None:
    # the maxima of the shipped aqistudy 2013–2017 and tianqihoubao 2025–2026 files, one field each
    text = "城市,日期,AQI,PM2.5,PM10,SO2,NO2,CO,O3\n淮安,2013-12-04,430,452.4,530.8,213,573.6,4.033,1013\n"
    (day,) = parse_published(text, name="max.csv").days
    assert day.values == {"aqi": 430, "pm25": 452.4, "pm10": 530.8, "so2": 213, "no2": 573.6, "co": 4.033, "o3": 1013}


@pytest.mark.skipif(not PUBLISHED.is_dir(), reason="shared data not present")
def test_every_shipped_published_file_is_within_the_bounds() -> None:
    files = [*sorted((PUBLISHED / "aqistudy_daily_2013_2017" / "data").glob("*.csv"))]
    files += [*sorted((PUBLISHED / "tianqihoubao_daily_2025").glob("*.csv"))]
    files += [*sorted((PUBLISHED / "aqistudy_daily_nanjing_2014").glob("*.csv"))]
    assert len(files) > 20
    days = 0
    for path in files:
        text = path.read_text(encoding="utf-8-sig")
        days += len(parse_published(text, name=path.name, city=path.stem if "time_point" in text[:200] else None).days)
    assert days > 29_000


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        ("城市,日期,PM2.5\n南京,2025-01-01,abc\n", 2, "pm25", "not a number"),
        ("城市,日期,PM2.5\n南京,2025-01-01,-3\n", 2, "pm25", "not a valid value"),
        ("城市,日期,AQI\n南京,2025-01-01,1e308\n", 2, "aqi", "超出物理范围 0–1000"),
        ("城市,日期,AQI\n南京,2025-01-01,1001\n", 2, "aqi", "超出物理范围 0–1000"),
        ("城市,日期,CO\n南京,2025-01-01,151\n", 2, "co", "0–150 mg/m³"),
        ("城市,日期,PM10\n南京,2025-01-01,10001\n", 2, "pm10", "0–10000 µg/m³"),
        ("城市,日期,PM2.5\n南京,2025-01-01,inf\n", 2, "pm25", "not a valid value"),
        ("城市,日期,PM2.5\n南京,2025-01-01,1e309\n", 2, "pm25", "not a valid value"),
        ("城市,日期,PM2.5\n南京,2025-01-01,nan\n", 2, "pm25", "not a valid value"),
        ("城市,日期,PM2.5\n南京,0001-01-01,30\n", 2, "日期", "超出合理范围"),
        ("城市,日期,PM2.5\n南京,9999-12-31,30\n", 2, "日期", "超出合理范围"),
        ("城市,日期,PM2.5\n南京,2025-02-30,30\n", 2, "日期", "not a date"),
        ("城市,日期,PM2.5\n南京,2025-01-01,30\n南京,2025-01-01,31\n", 3, "日期", "twice, also on line 2"),
        ("城市,日期,PM2.5\n南京,2025-01-01\n", 2, None, "row has 2 cells"),
        ("城市,PM2.5\n南京,30\n", 1, "日期", "no 日期/date column"),
        ("日期,PM2.5\n2025-01-01,30\n", 1, "城市", "no 城市/city column"),
        ("\n\n", None, None, "empty"),
    ],
)
def test_bad_input_names_the_line_and_field(text: str, line: int | None, field: str | None, words: str) -> None:
    with pytest.raises(StructureError) as caught:
        parse_published(text, name="bad.csv")
    assert caught.value.line == line and caught.value.field == field and words in str(caught.value)


def test_import_is_atomic_idempotent_and_reads_gbk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "南京.csv"
    good.write_bytes("城市,日期,AQI,PM2.5\n南京,2025-01-01,76,55\n南京,2025-01-02,79,58\n".encode("gbk"))
    bad = tmp_path / "bad.csv"
    bad.write_text("城市,日期,AQI,PM2.5\n上海,2025-01-01,50,x\n", encoding="utf-8")
    data = tmp_path / "data"
    args = ["aq", "published", "import", "--data-dir", str(data)]
    assert main([*args, str(good), str(bad)]) == 2  # one bad file: nothing is written
    assert "bad.csv:2: pm25" in capsys.readouterr().err
    assert AirQualityService(data).published_days() == {}
    assert main([*args, str(good)]) == 0
    first = AirQualityService(data).published_days()
    assert main([*args, str(good)]) == 0
    assert AirQualityService(data).published_days() == first

    assert first[("南京", dt.date(2025, 1, 2))] == ({"aqi": 79, "pm25": 58}, "南京.csv")
    assert "stored city-days: 2" in capsys.readouterr().out


def test_the_cli_names_the_city_only_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api = tmp_path / "南京.csv"
    api.write_text(API, encoding="utf-8")
    args = ["aq", "published", "import", str(api), "--data-dir", str(tmp_path / "data")]
    assert main(args) == 2
    assert "南京.csv:1: 城市" in capsys.readouterr().err
    assert AirQualityService(tmp_path / "data").published_days() == {}
    assert main([*args, "--city", "南京", "--city-from-file-name"]) == 2
    assert "只能选一个" in capsys.readouterr().err
    assert main([*args, "--city-from-file-name"]) == 0
    assert "1 行的城市取自文件名 the file name: 南京" in capsys.readouterr().out
    assert main([*args, "--city", "南京市", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["files"][0]["city_given"] == {"city": "南京市", "rows": 1}
    assert set(AirQualityService(tmp_path / "data").published_days()) == {
        ("南京", dt.date(2014, 1, 1)),
        ("南京市", dt.date(2014, 1, 1)),
    }
