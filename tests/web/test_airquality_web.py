"""The air-quality page and its API: the city's stations' daily AQI (station calendar) and the targets'
value-to-date curves against the target, on real data (苏州, January 2019, CNEMC station hours)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.domain.aq.periods import parse_period
from lantian.domain.standards.rounding import round_half_even
from lantian.domain.targets.registry import TargetEntry
from lantian.services.assessment import Options
from lantian.web.pages import script_json


@pytest.fixture
def suzhou_january(lantian: App, seeds_dir: Path) -> App:
    aq = seeds_dir.parent / "data" / "aq"
    lantian.airquality.import_station_lists(sorted((aq / "station_lists").glob("站点列表-20*.csv")))
    lantian.airquality.import_files(sorted((aq / "cnemc_sites_2019_jiangsu").glob("china_sites_201901*.csv")))
    lantian.targets.set(TargetEntry("苏州市", "pm25", 2019, "<=", 35, "µg/m³"))
    lantian.targets.set(TargetEntry("苏州市", "good_day_ratio", 2019, ">=", 80, "%"))
    return lantian


def test_targets_are_drawn_against_the_value_to_date(
    client: Callable[[str | None], TestClient], suzhou_january: App
) -> None:
    c = client("leader")
    r = c.get("/api/v1/targets/trend")  # the user's own place, the newest year with targets and data
    assert r.status_code == 200, r.text
    trend = r.json()
    place = (trend["jurisdiction"], trend["area"], trend["year"], trend["as_of"])
    assert place == ("苏州市", "苏州", 2019, "2019-01-31")
    rows = {row["indicator"]: row for row in trend["rows"]}
    assert set(rows) == {"pm25", "good_day_ratio"}
    city = [d for d in suzhou_january.airquality.assessment().daily("city", None, None, Options())
            if d["station"] == "苏州"]  # fmt: skip
    assert len(city) == 31
    pm25 = rows["pm25"]
    assert [day for day, _ in pm25["series"]] == [d["day"].isoformat() for d in city]
    # each point is the mean of the daily values so far, rounded half to even as reported
    for k in (0, 1, 9, 30):
        values = [int(d["pm25"]) for d in city[: k + 1]]
        assert pm25["series"][k][1] == float(round_half_even(Fraction(sum(values), len(values)), 0))
    # the last point is the value to date, and the engine's statistic for the month
    (month,) = [m for m in suzhou_january.airquality.assessment().period("city", parse_period("2019-01"), Options())
                if m["station"] == "苏州"]  # fmt: skip
    assert pm25["series"][-1][1] == pm25["value_to_date"] == float(month["pm25"])
    assert pm25["target_value"] == 35 and pm25["on_track"] is (Decimal(str(pm25["value_to_date"])) <= 35)
    good = rows["good_day_ratio"]
    assert good["series"][-1][1] == good["value_to_date"] == float(month["good_ratio"])
    assert good["value_unit"] == "%"
    # a year without data: the targets, no curve, and why
    assert c.get("/api/v1/targets/trend", params={"year": 2020}).json()["rows"] == []
    r = c.get("/api/v1/targets/trend", params={"jurisdiction": "南京市"})
    assert r.status_code == 200 and r.json()["rows"] == []
    assert c.get("/api/v1/targets/trend", params={"year": 1999}).status_code == 422


def test_a_citys_stations_and_their_daily_aqi(client: Callable[[str | None], TestClient], suzhou_january: App) -> None:
    c = client("dept")
    r = c.get("/api/v1/airquality/stations", params={"city": "苏州"})
    assert r.status_code == 200, r.text
    data = r.json()
    codes = [s["code"] for s in data["stations"]]
    assert codes == [f"116{i}A" for i in range(8)]  # the 2019 list: 上方山 … 相城区
    assert next(s for s in data["stations"] if s["code"] == "1160A")["name"].startswith("上方山")
    engine = {(d["station"], d["day"].isoformat()): d["aqi"]
              for d in suzhou_january.airquality.assessment().daily("station", None, None, Options())
              if d["station"] in codes}  # fmt: skip
    assert len(data["days"]) == len(engine) > 31
    assert all(engine[(d["station"], d["day"])] == d["aqi"] for d in data["days"])
    assert c.get("/api/v1/airquality/stations", params={"city": "火星"}).json() == {
        "city": "火星", "stations": [], "days": []
    }  # fmt: skip
    assert c.get("/api/v1/airquality/stations").status_code == 422


def test_the_air_quality_page_embeds_what_its_charts_draw(
    client: Callable[[str | None], TestClient], suzhou_january: App
) -> None:
    c = client("admin")
    page = c.get("/airquality", params={"city": "苏州", "station": "1161A"})
    assert page.status_code == 200
    html = page.text
    assert "站点日历热力图" in html and 'value="1161A" selected' in html and "目标进度" in html
    assert "≤ 35 µg/m³" in html and "≥ 80 %" in html  # the targets as offices write them
    scripts = dict(re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, re.S))
    station_days = json.loads(scripts["station-days"])
    assert {d["station"] for d in station_days} == {"1161A"} and len(station_days) == 31
    curves = [json.loads(scripts[k]) for k in scripts if k.startswith("target-")]
    assert sorted(t["label"] for t in curves) == ["PM2.5浓度", "优良天数比率"]
    assert all(len(t["series"]) == 31 for t in curves)
    assert c.get("/airquality", params={"city": "苏州", "year": 2020}).status_code == 200
    # the dashboard's targets table names the year and links to the curves
    dashboard = c.get("/dashboard").text
    assert "/airquality?city=%E8%8B%8F%E5%B7%9E&amp;year=2019#targets" in dashboard
    assert "≤ 35 µg/m³" in dashboard and "还需优良" in dashboard


def test_the_page_and_the_ranking_say_how_many_stations_and_valid_days(
    client: Callable[[str | None], TestClient], suzhou_january: App
) -> None:
    html = client("admin").get("/airquality", params={"city": "苏州"}).text
    assert "站点数" in html and "有效天数" in html
    month = suzhou_january.airquality.assessment().period("city", parse_period("2019-01"), Options())
    for m in month:  # each ranking row ends with its 站点数 and 有效天数
        cells = f"<td>{m['station']}</td>"
        row = next(r for r in html.split("<tr>") if cells in r)
        stations = str(m["stations"]) if m["stations_min"] == m["stations"] else f"{m['stations_min']}–{m['stations']}"
        assert f"<td>{stations}</td><td>{m['valid_days']}</td></tr>" in row, row
    scripts = dict(re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, re.S))
    days = json.loads(scripts["city-days"])
    engine = {(d["station"], d["day"].isoformat()): d["stations"]
              for d in suzhou_january.airquality.assessment().daily("city", None, None, Options())}  # fmt: skip
    assert all(d["stations"] == engine[(d["station"], d["day"])] for d in days)
    assert {d["station"] for d in days} == {"苏州"} and len(days) == 31
    assert {d["stations"] for d in days} <= {7, 8} and 8 in {d["stations"] for d in days}


def test_script_json_cannot_close_its_script_element() -> None:
    text = str(script_json([{"title": "</script><img src=x onerror=alert(1)> & 'q'"}]))
    assert "<" not in text and ">" not in text and "&" not in text and "'" not in text
    assert json.loads(text) == [{"title": "</script><img src=x onerror=alert(1)> & 'q'"}]


def test_the_page_opens_on_the_users_own_city_with_every_year_stored(
    client: Callable[[str | None], TestClient], suzhou_january: App, tmp_path: Path
) -> None:
    published = tmp_path / "苏州.csv"  # the aqistudy layout: history of published city daily values
    published.write_text("苏州,2016-05-01,120,100~130,轻度污染,80,100,10,0.8,40,120,110\n"
                         "苏州,2017-01-02,60,50~70,良,40,60,9,0.7,35,50,45\n", encoding="utf-8")  # fmt: skip
    other = tmp_path / "南京.csv"  # a city before 苏州 in order
    other.write_text("南京,2016-05-02,90,80~100,良,60,80,10,0.8,40,120,110\n", encoding="utf-8")
    suzhou_january.airquality.import_published([published, other], city_from_file_name=True)
    c = client("admin")  # an account of 苏州市: the page opens on 苏州, not on the first city (南京)
    html = c.get("/airquality").text
    picked = re.search(r'<select name="city">(.*?)</select>', html, re.S)
    assert picked
    options = re.findall(r"<option ?(selected)?>([^<]+)</option>", picked.group(1))
    assert [name for on, name in options if on] == ["苏州"] and min(name for _, name in options) != "苏州"
    years = re.search(r'<select name="year" id="air-year">(.*?)</select>', html, re.S)
    assert years and re.findall(r'value="(\d+)"', years.group(1)) == ["2019", "2017", "2016"]
    assert 'value="2019" selected' in years.group(1) and 'data-year="2019"' in html
    scripts = dict(re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, re.S))
    days = json.loads(scripts["city-days"])
    assert {d["station"] for d in days} == {"苏州"} and len(days) == 31 and days[0]["day"] == "2019-01-01"
    assert {d["source"] for d in days} == {"computed"}
    # a year of the history: the published values, said so
    html = c.get("/airquality", params={"year": 2016}).text
    scripts = dict(re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, re.S))
    assert [(d["day"], d["aqi"], d["category"], d["source"]) for d in json.loads(scripts["city-days"])] == [
        ("2016-05-01", 120, "轻度污染", "published")
    ]
    assert 'data-year="2016"' in html and "部分或全部日值为公开发布值（历史数据）" in html
    # another city asked for has its own years; a year not stored for it shows its newest
    html = c.get("/airquality", params={"city": "南京", "year": 2017}).text
    assert "<option selected>南京</option>" in html and 'data-year="2019"' in html
    years = re.search(r'<select name="year" id="air-year">(.*?)</select>', html, re.S)
    assert years and re.findall(r'value="(\d+)"', years.group(1)) == ["2019", "2016"]
