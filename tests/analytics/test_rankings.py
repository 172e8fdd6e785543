"""Rankings (排名通报) worked by hand: ties (并列) and a place without a valid month on hand-made
period rows; then the real 2019 Jiangsu data (南京, 苏州, 南通): the year to date of March, where
南通 falls two days short of PM10 (77 of 79) and is listed unranked, and the improvement against the
same period last year (April 2019's hours filed as March 2020 against March 2019); then the real
2025 data: an office ranks its own places only, never 上海, and the dashboard's month ranking is the
rankings page's month view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.aq.periods import Period
from lantian.domain.targets.yearend import statistic_of
from lantian.services.accountability import RankingService, load_rules, rank_rows
from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Options
from lantian.services.demo import demo_county_map

POLLUTANTS = ("pm25", "pm10", "so2", "no2", "co", "o3")


def aq_dir(seeds_dir: Path) -> Path:
    return seeds_dir.parent / "data" / "aq"


# ---------------------------------------------------------------- by hand
def test_competition_ranks_share_and_skip() -> None:
    d = Decimal
    ranks = rank_rows({"甲": d("4.50"), "乙": d("4.20"), "丙": d("4.50"), "丁": d("5.00"), "戊": d("5.00"),
                       "己": None})  # fmt: skip
    assert ranks == {"乙": (1, False), "甲": (2, True), "丙": (2, True), "丁": (4, True), "戊": (4, True),
                     "己": (None, False)}  # fmt: skip


def hand_row(place: str, index: str, pm25: int, short: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "station": place,
        "composite_index": Decimal(index),
        "pm25": Decimal(pm25),
        "good_ratio": Decimal("80.6"),
        "valid_days": 31,
        "stations": 2,
        "stations_min": 2,
    }
    for p in POLLUTANTS:
        row[f"{p}_valid"] = p != short
        row[f"{p}_days"] = 20 if p == short else 31
    return row


def test_ties_a_tie_for_last_and_a_place_without_a_valid_month(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """测试市's six districts in 2025-01: 乙 best; 甲 and 丙 tie for second, so the next is fourth;
    丁 and 戊 tie for last; 己 has the best index but 20 days of PM2.5 (27 needed): unranked, with why;
    庚 has no data at all."""
    svc = AirQualityService(tmp_path)
    (tmp_path / "areas.csv").write_text("城市,省级行政区,地级行政区\n" + "".join(
        f"{p},测试省,测试市\n" for p in "甲乙丙丁戊己庚") + "测试市,测试省,测试市\n", encoding="utf-8")  # fmt: skip
    svc.import_area_map(tmp_path / "areas.csv")
    rankings = RankingService(svc, None)  # type: ignore[arg-type]
    made = [hand_row(p, i, v) for p, i, v in (("甲", "4.50", 40), ("乙", "4.20", 38), ("丙", "4.50", 41),
                                              ("丁", "5.00", 45), ("戊", "5.00", 47))]  # fmt: skip
    made.append(hand_row("己", "3.90", 30, short="pm25"))
    rows = {r["station"]: r for r in made}
    january = Period(dt.date(2025, 1, 1), dt.date(2025, 1, 31), "2025年1月")
    monkeypatch.setattr(rankings, "_period", lambda level, period: rows if period == january else {})
    table = rankings.table("测试市", "month", "2025-01")
    got = [(r.place, r.rank, r.tied, r.why_text) for r in table.rows]
    assert got == [
        ("乙", 1, False, None),
        ("丙", 2, True, None),
        ("甲", 2, True, None),
        ("丁", 4, True, None),
        ("戊", 4, True, None),
        ("己", None, False, "PM2.5有效天数20天，不足27天，不排名"),
        ("庚", None, False, "无监测数据，不排名"),
    ]
    assert table.ranked == 5 and table.tier == "county"
    assert table.ranks("pm25") == {"乙": 1, "甲": 2, "丙": 3, "丁": 4, "戊": 5}  # 己 is not ranked by any measure
    # an improvement ranking with no last year: every place unranked, and said why
    change = rankings.table("测试市", "month_change", "2025-01")
    assert {r.why for r in change.rows} == {"no_last_year", "short", "no_data"} and change.ranked == 0
    # no townships under the districts: said, never an empty table
    townships = rankings.table("测试市", "month", "2025-01", depth=2)
    assert townships.rows == [] and townships.note == "no_townships" and townships.tier == "township"


# ---------------------------------------------------------------- the real 2019 data
@pytest.fixture(scope="module")
def y2019(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> RankingService:
    """January–April 2019 of 南京, 苏州, 南通, and April 2019's hours filed again as March 2020."""
    aq = aq_dir(seeds_dir)
    folder = tmp_path_factory.mktemp("rank-2019")
    svc = AirQualityService(folder)
    svc.import_station_lists(sorted((aq / "station_lists").glob("站点列表-20*.csv")))
    files = sorted((aq / "cnemc_sites_2019_jiangsu").glob("china_sites_20190[1-4]*.csv"))
    again = folder / "redated"
    again.mkdir()
    for f in (f for f in files if f.name.startswith("china_sites_201904")):
        day = f.name[18:20]  # china_sites_201904DD.csv
        lines = f.read_text(encoding="utf-8").splitlines()
        body = [line.replace(f"201904{day},", f"202003{day},", 1) for line in lines[1:]]
        (again / f"china_sites_202003{day}.csv").write_text("\n".join([lines[0], *body]) + "\n", encoding="utf-8")
    svc.import_files([*files, *sorted(again.glob("*.csv"))])
    svc.import_area_map(aq / "stations" / "NewSiteList.csv")
    return RankingService(svc, None)  # type: ignore[arg-type]


def test_year_to_date_from_the_real_2019_data(y2019: RankingService) -> None:
    """Jan–Mar 2019 (90 days, 79 valid needed: 27 + 25 + 27): 苏州 5.14, 南京 5.55; 南通's index is the
    best (4.69) but its PM10 has 77 valid days: unranked. The indices are those the year-end rules
    compute from the city daily values; the 10 other cities of Jiangsu have no stations here."""
    table = y2019.table("江苏省", "ytd", "2019-03")
    assert table.period.label == "2019年1—3月" and table.period.start == dt.date(2019, 1, 1)
    assert [(r.place, r.rank, str(r.composite_index)) for r in table.rows[:3]] == [
        ("苏州", 1, "5.14"), ("南京", 2, "5.55"), ("南通", None, "4.69")]  # fmt: skip
    nantong = table.row("南通")
    assert nantong is not None and nantong.why_text == "PM10有效天数77天，不足79天，不排名"
    assert {r.why for r in table.rows[3:]} == {"no_data"} and len(table.rows) == 13
    days = y2019.airquality.assessment().daily("city", dt.date(2019, 1, 1), dt.date(2019, 3, 31), Options())
    for city in ("南京", "苏州", "南通"):
        rows = [d for d in days if d["station"] == city]
        row = table.row(city)
        assert row is not None and row.composite_index == statistic_of("statistic", "composite_index")(rows)
        assert row.pm25 == statistic_of("mean", "pm25")(rows)
    assert sum(1 for d in days if d["station"] == "南通" and d["pm10"] is not None) == 77
    # the month alone: March, 南通 one day short (26 of 27)
    march = y2019.table("江苏省", "month", "2019-03")
    assert [(r.place, r.rank) for r in march.rows[:3]] == [("苏州", 1), ("南京", 2), ("南通", None)]


def test_improvement_against_the_same_period_last_year(y2019: RankingService) -> None:
    """March 2020 (April 2019's hours) against March 2019: 苏州 4.51 against 5.18 → (4.51 − 5.18) /
    5.18 = −12.93 %; 南京 4.64 against 5.45 → −14.86 %: 南京 improved most and ranks first. 南通's
    March 2019 was one day short: it has no valid base, so it is not ranked."""
    table = y2019.table("江苏省", "month_change", "2020-03")
    got = [(r.place, r.rank, str(r.composite_index), str(r.composite_index_last_year), str(r.change_percent))
           for r in table.rows[:2]]  # fmt: skip
    assert got == [("南京", 1, "4.64", "5.45", "-14.86"), ("苏州", 2, "4.51", "5.18", "-12.93")]
    nantong = table.row("南通")
    assert nantong is not None and nantong.rank is None and nantong.why == "last_year_short"
    assert str(nantong.change_percent) == "-17.30"  # shown, (4.11 − 4.97) / 4.97, but not ranked
    # by the month's own index instead, 南通 (4.11) is first: the two rankings differ
    plain = y2019.table("江苏省", "month", "2020-03")
    assert [(r.place, r.rank) for r in plain.rows[:3]] == [("南通", 1), ("苏州", 2), ("南京", 3)]


# ---------------------------------------------------------------- the real 2025 data
@pytest.fixture(scope="module")
def office(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """January 2025 of Jiangsu and 上海, the national area map and the demo's 苏州 district map."""
    aq = aq_dir(seeds_dir)
    folder = tmp_path_factory.mktemp("rank-2025")
    app = App.open(Settings.load(folder, env={"LANTIAN_OFFICE_PLACE": "苏州市"}))
    app.airquality.import_station_lists(sorted((aq / "station_lists").glob("站点列表-20*.csv")))
    archive = aq / "quotsoft_china_sites_2025" / "jiangsu_shanghai_subset"
    app.airquality.import_files(sorted(archive.glob("china_sites_202501*.csv")))
    app.airquality.import_area_map(aq / "stations" / "NewSiteList.csv")
    app.airquality.import_county_map(demo_county_map())
    yield app
    app.close()


def test_an_office_ranks_its_own_places_only(office: App) -> None:
    january = Period(dt.date(2025, 1, 1), dt.date(2025, 1, 31), "2025年1月")
    stored = {
        r["station"] for r in office.airquality.assessment().period("city", january, Options(), with_last_year=False)
    }
    assert "上海" in stored  # the store holds 上海 …
    jiangsu = office.rankings.table("江苏省", "month", "2025-01")
    suzhou = office.rankings.table("苏州市", "month", "2025-01")
    assert len(jiangsu.rows) == jiangsu.ranked == 13 and "上海" not in {r.place for r in jiangsu.rows}  # … never ranked
    assert {r.place for r in suzhou.rows} == {"吴江", "太仓", "常熟", "张家港", "昆山", "姑苏区", "吴中区", "虎丘区",
                                              "苏州工业园区", "相城区"}  # fmt: skip
    # the districts from the district map are ranked; the county-level cities have no hours in 2025
    assert {r.place for r in suzhou.rows if r.rank is None} == {"太仓", "常熟", "张家港", "昆山"}
    assert {r.why for r in suzhou.rows if r.rank is None} == {"no_data"}
    first = [r for r in suzhou.rows if r.rank == 1]
    assert len(first) == 2 and all(r.tied for r in first)  # 吴中区 and 吴江, both 4.58
    assert office.rankings.rank_of("苏州市", ["江苏省"], "month", "2025-01") is not None


def test_the_dashboard_ranks_as_the_rankings_month_view(office: App) -> None:
    dashboard = office.overview.ranking("江苏省")
    view = office.rankings.table("江苏省", "month", dashboard["month"])
    assert dashboard["month"] == "2025-01"
    assert [(r["station"], r["rank"]) for r in dashboard["rows"]] == [(r.place, r.rank) for r in view.rows]
    assert [float(r.composite_index or 0) for r in view.rows] == [r["composite_index"] for r in dashboard["rows"]]


def test_the_bulletin_ranks_the_office_s_places_and_its_rank_in_the_province(office: App) -> None:
    b = office.reports.monthly("苏州市", "2025-01", load_rules(None), runs=10, issued=dt.date(2025, 2, 5))
    view = office.rankings.table("苏州市", "month", "2025-01")
    names = [row[1].split("（")[0] for row in b.ranking]
    assert names == [r.place for r in view.rows] and "上海" not in " ".join(" ".join(r) for r in b.ranking)
    assert b.ranking[0][0] == "1（并列）" and b.ranking_title == "1月苏州市各县（市、区）排名（按综合指数，并列同名次）"
    assert ["—", "太仓（无监测数据，不排名）"] in [row[:2] for row in b.ranking]
    province = office.rankings.table("江苏省", "month", "2025-01").row("苏州")
    assert province is not None and province.rank is not None
    assert b.ranking_lines == [
        f"苏州市在江苏省13个参与排名的设区市中排第{province.rank}名（综合指数{province.composite_index}）。"
    ]
    places = {r.place for r in view.rows}
    assert b.flags and all(line.split("：")[0] in places for line in b.flags)  # the flags over the same places
