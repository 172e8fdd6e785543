"""The place directory (辖区目录): the one rule by which a name means a place, the chain above it and
the places a plan's collective units stand for — worked on lantian's shipped Jiangsu directory."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lantian.domain.places import (
    AreaMaps,
    Place,
    PlaceDirectory,
    PlaceLevel,
    format_places,
    name_key,
    parse_places,
)
from lantian.errors import InputError
from lantian.services.places import shipped_places


@pytest.fixture(scope="module")
def jiangsu() -> PlaceDirectory:
    return PlaceDirectory(shipped_places())


def test_shipped_directory_counts(jiangsu: PlaceDirectory) -> None:
    levels = [p.level for p in jiangsu]
    assert levels.count(PlaceLevel.PROVINCE) == 1
    assert levels.count(PlaceLevel.CITY) == 13  # 江苏's 设区市
    # 55 districts, 21 county-level cities, 19 counties, and 苏州工业园区 (功能区)
    assert levels.count(PlaceLevel.COUNTY) == 96
    assert len(jiangsu.children("苏州")) == 10
    assert len(jiangsu.children("海门市")) == 14  # 海门's 区镇 and parks, by its old name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("苏州", "苏州市"),
        ("吴江", "吴江区"),
        ("海门市", "海门区"),
        ("海门", "海门区"),
        ("工业园区", "苏州工业园区"),
        (" 昆山 ", "昆山市"),
    ],
)
def test_one_place_many_names(jiangsu: PlaceDirectory, a: str, b: str) -> None:
    assert jiangsu.same(a, b)
    assert jiangsu.canonical(a) == jiangsu.canonical(b)


def test_name_key_drops_one_suffix_only_when_two_characters_stay() -> None:
    assert name_key("苏州市") == "苏州"
    assert name_key("吴中区") == "吴中"
    assert name_key("沛县") == "沛县"  # one character would stay
    assert name_key("丰县") == "丰县"


def test_a_shared_name_needs_its_parent(jiangsu: PlaceDirectory) -> None:
    assert jiangsu.find("鼓楼区") is None  # 南京 and 徐州 both have one
    nanjing = jiangsu.find("鼓楼区", within="南京")
    xuzhou = jiangsu.find("徐州市·鼓楼区")
    assert nanjing is not None and nanjing.parent == "南京市"
    assert xuzhou is not None and xuzhou.parent == "徐州市"
    assert jiangsu.ancestors("徐州市·鼓楼区") == ["徐州市", "江苏省"]


def test_chain_above_a_township(jiangsu: PlaceDirectory) -> None:
    assert jiangsu.ancestors("常乐镇") == ["海门区", "南通市", "江苏省"]
    assert jiangsu.is_under("常乐镇", "江苏")
    assert jiangsu.is_under("昆山", "苏州")
    assert not jiangsu.is_under("苏州", "昆山")
    assert not jiangsu.is_under("昆山", "南通")
    assert not jiangsu.is_under("苏州", "苏州市")  # a place is not under itself
    assert jiangsu.within("苏州", "苏州市")
    assert jiangsu.ancestors("不存在的地方") == []


def test_collective_units_expand_under_the_plan_place(jiangsu: PlaceDirectory) -> None:
    counties = [p.name for p in jiangsu.expand("各县级市（区）人民政府（管委会）", "苏州市")]
    assert counties == ["姑苏区", "虎丘区", "吴中区", "相城区", "吴江区", "苏州工业园区", "常熟市", "张家港市",
                        "昆山市", "太仓市"]  # fmt: skip
    assert len(jiangsu.expand("各区镇", "海门市")) == 14
    assert [p.name for p in jiangsu.expand("各街道", "海门市")] == ["海门街道", "三厂街道", "滨江街道"]
    assert len(jiangsu.expand("地方各级人民政府", "江苏省")) == 13
    assert [p.name for p in jiangsu.expand("苏州工业园区管委会", "苏州市")] == ["苏州工业园区"]
    assert jiangsu.expand("苏州工业园区管委会", "南通市") == []  # not under the plan's place
    assert jiangsu.expand("市生态环境局", "苏州市") == []  # a department, not a place
    assert jiangsu.expand("各区镇", "不存在") == []


def test_area_maps_add_what_the_directory_lacks(jiangsu: PlaceDirectory) -> None:
    maps = AreaMaps({"上海": "上海市", "杭州": "浙江省", "昆山": "江苏省"}, {"昆山": "苏州市"}, {"西湖区": "杭州"})
    merged = jiangsu.with_area_maps(maps)
    assert merged.ancestors("西湖区") == ["杭州", "浙江省"]
    assert merged.find("上海") is not None  # a city that is its own province
    assert merged.ancestors("昆山") == ["苏州市", "江苏省"]  # already listed: unchanged
    assert len(merged) == len(jiangsu) + 4  # 上海市, 浙江省, 杭州, 西湖区


def test_office_rows_replace_and_add(jiangsu: PlaceDirectory) -> None:
    own = [Place("金鸡湖街道", PlaceLevel.TOWNSHIP, "苏州工业园区", "街道"),
           Place("昆山市", PlaceLevel.COUNTY, "苏州市", "县级市", ("昆山", "鹿城"))]  # fmt: skip
    merged = jiangsu.merged(own)
    assert merged.ancestors("金鸡湖街道") == ["苏州工业园区", "苏州市", "江苏省"]
    assert merged.same("鹿城", "昆山市")
    assert len(merged) == len(jiangsu) + 1


def test_file_round_trip_and_errors(jiangsu: PlaceDirectory) -> None:
    assert parse_places(format_places(jiangsu.places)) == jiangsu.places
    with pytest.raises(InputError) as bad:
        parse_places("名称,级别,上级\n苏州市,地级,江苏省\n", name="p.csv")
    assert bad.value.line == 2 and bad.value.field == "级别"
    with pytest.raises(InputError) as twice:
        parse_places("名称,级别,上级\n常乐镇,乡镇,海门区\n常乐镇,乡镇,海门区\n", name="p.csv")
    assert twice.value.line == 3
    with pytest.raises(InputError):
        parse_places("名称,上级\n常乐镇,海门区\n", name="p.csv")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        places = parse_places(text, name="x.csv")
    except InputError:
        return
    assert parse_places(format_places(places)) == places
