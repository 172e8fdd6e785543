from __future__ import annotations

from lantian.domain.plans.targets import find_targets


def summary(text: str, year: int = 2023) -> list[tuple[object, ...]]:
    found, _ = find_targets(text, year)
    return [(t.indicator, t.comparator, t.value, t.unit, t.year, t.baseline_year, t.stretch_value) for t in found]


def test_达到_follows_the_indicator_direction() -> None:
    assert summary("PM2.5浓度达到28微克/立方米，优良天数比率达到83%") == [
        ("pm25", "<=", 28.0, "µg/m³", 2023, None, None),
        ("good_day_ratio", ">=", 83.0, "%", 2023, None, None),
    ]


def test_stretch_values() -> None:
    assert summary("PM2.5浓度控制在35微克/立方米以下，力争在33微克/立方米以下。") == [
        ("pm25", "<=", 35.0, "µg/m³", 2023, None, 33.0)
    ]


def test_only_a_stretch_value() -> None:
    assert summary("到2025年，短流程炼钢产量占比力争达20%以上。") == [
        ("短流程炼钢产量占比", ">=", None, "%", 2025, None, 20.0)
    ]


def test_comparators() -> None:
    assert summary("新能源汽车比例不低于80%。")[0][1:3] == (">=", 80.0)
    assert summary("全市降尘量不高于2.2吨/平方千米·月。")[0][:4] == ("dustfall", "<=", 2.2, "t/km²·月")
    assert summary("非化石能源消费比重达13%左右。")[0][1:3] == ("~", 13.0)


def test_relative_to_a_baseline_year() -> None:
    assert summary("到2025年，煤炭消费量较2020年下降3%左右。") == [
        ("煤炭消费量", "decrease_by", 3.0, "%", 2025, 2020, None)
    ]
    assert summary("内河集装箱运量比2020年翻一番。") == [("内河集装箱运量", "multiply_by", 2.0, "倍", 2023, 2020, None)]


def test_分别_and_均_spread_over_indicators() -> None:
    assert summary("2021年，挥发性有机物、氮氧化物排放量比2020年分别削减10%、8%。") == [
        ("voc_reduction", "decrease_by", 10.0, "%", 2021, 2020, None),
        ("nox_reduction", "decrease_by", 8.0, "%", 2021, 2020, None),
    ]
    got = summary("到2020年，二氧化硫、氮氧化物排放总量均比2015年下降20%以上。")
    assert [g[0] for g in got] == ["so2_reduction", "nox_reduction"]
    assert all(g[2] == 20.0 and g[5] == 2015 for g in got)


def test_mismatched_分别_is_returned_for_review() -> None:
    found, issues = find_targets("水路、铁路、公路货运量分别达到800万、115万吨。", 2023)
    assert found == []
    assert issues and "3 indicators but 2 values" in issues[0].message


def test_counts() -> None:
    assert summary("2024年，推广应用新能源汽车16万辆以上。") == [
        ("推广应用新能源汽车", ">=", 16.0, "万辆", 2024, None, None)
    ]


def test_conditions_are_not_targets() -> None:
    assert summary("储油库和年销售汽油量大于5000吨的加油站安装油气回收自动监控设备。") == []


def test_a_list_of_values_spreads_over_a_list_of_indicators() -> None:
    got = summary("黄色、橙色、红色级别减排比例原则上不低于30%、40%、50%。", 2019)
    assert [(g[0], g[1], g[2]) for g in got] == [
        ("黄色级别减排比例", ">=", 30.0),
        ("橙色级别减排比例", ">=", 40.0),
        ("红色级别减排比例", ">=", 50.0),
    ]


def test_count_object_after_the_number() -> None:
    found, issues = find_targets("年内吴中区完成2个集中涂装中心建设、虎丘区完成1个。", 2023)
    assert [(t.indicator_label, t.value, t.unit) for t in found] == [("完成集中涂装中心建设", 2.0, "个")]
    assert issues[0].message.startswith("count without what is counted")
