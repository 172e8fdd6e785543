"""The places under a place (辖区内的下级), from the real national station list's columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from lantian.documents.read import decode_text
from lantian.domain.aq.stations import parse_area_map, parse_prefecture_map
from lantian.domain.places import AreaMaps, places_under

SITES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "aq" / "stations" / "NewSiteList.csv"


def test_a_province_has_its_prefecture_cities_and_a_city_its_county_level_cities() -> None:
    if not SITES.is_file():
        pytest.skip("the shared station list is not beside the repository")
    text, _ = decode_text(SITES.read_bytes(), name=SITES.name)
    maps = AreaMaps(parse_area_map(text, name="x"), parse_prefecture_map(text, name="x"))
    jiangsu = places_under("江苏省", maps)
    assert len(jiangsu) == 13 and "苏州" in jiangsu and "昆山" not in jiangsu and "上海" not in jiangsu
    assert places_under("苏州市", maps) == ["吴江", "太仓", "常熟", "张家港", "昆山"]
    assert places_under("苏州", maps) == places_under("苏州市", maps)
    assert places_under("南通市", maps) == ["海门"]
    assert places_under("昆山", maps) == []


def test_counties_of_the_county_map_are_under_their_city() -> None:
    maps = AreaMaps({"南京": "江苏省", "苏州": "江苏省"}, {}, {"江宁区": "南京", "玄武区": "南京", "姑苏区": "苏州"})
    assert places_under("南京市", maps) == ["江宁区", "玄武区"]
    assert places_under("江苏省", maps) == ["南京", "苏州"]
    assert places_under("上海", maps) == []


def test_a_map_without_prefectures_reads_as_none() -> None:
    assert parse_prefecture_map("城市,省级行政区\n南京,江苏省\n", name="areas.csv") == {}
    assert parse_prefecture_map("城市,省级行政区,地级行政区\n昆山,江苏省,苏州市\n南京,江苏省,\n", name="a") == {
        "昆山": "苏州市"
    }
