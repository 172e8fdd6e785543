"""Targets measured from accepted progress reports: every rule worked by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lantian.domain.targets.reported import (
    Reading,
    Rule,
    expected_percent,
    judge,
    measure,
    parse_rules,
    period_span,
    period_year,
)
from lantian.errors import ConfigError

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def r(period: str, value: float, *, unit: str = "市交通运输局", name: str = "淘汰车辆", rid: int = 0,
      minute: int = 0) -> Reading:  # fmt: skip
    return Reading(rid or hash((period, unit, name, minute)) % 10_000, unit, period, name, value,
                   T0 + dt.timedelta(minutes=minute), "苏气办〔2026〕1号", "15")  # fmt: skip


def test_sum_adds_every_period_and_every_unit() -> None:
    # 淘汰车辆: 120 in March, 80 in April by 交通局 and 30 in April by 公安局 → 230
    readings = [r("2026-03", 120, rid=1), r("2026-04", 80, rid=2), r("2026-04", 30, unit="市公安局", rid=3)]
    m = measure(readings, Rule("sum"), {"淘汰车辆"})
    assert (m.value, m.reports_counted, m.periods, m.latest_period) == (230, 3, ("2026-03", "2026-04"), "2026-04")
    assert m.notes == ()


def test_other_indicators_and_other_names_do_not_count() -> None:
    readings = [r("2026-03", 120, rid=1), r("2026-03", 5, name="完成项目", rid=2)]
    assert measure(readings, Rule("sum"), {"淘汰车辆"}).value == 120
    assert measure(readings, Rule("sum", aliases=("完成项目",)), {"淘汰车辆"}).value == 125
    assert measure([], Rule("sum"), {"淘汰车辆"}).value is None


def test_latest_is_the_newest_period_not_the_newest_submission() -> None:
    # 累计推广: April (13) was filed after May (12); the newest PERIOD, May, is the value, with a note
    readings = [r("2026-03", 10, rid=1, minute=1), r("2026-05", 12, rid=2, minute=2), r("2026-04", 13, rid=3, minute=3)]
    m = measure(readings, Rule("latest"), {"淘汰车辆"}, unit="万辆")
    assert m.value == 12
    assert m.notes == ("2026-05 报 12万辆，低于 2026-04 的 13万辆",)
    assert m.reports_counted == 1  # only May's report gives the value


def test_latest_with_several_units_takes_each_units_newest_and_adds_them() -> None:
    # 交通局: 3 (Mar) then 5 (May); 公安局: 4 (Apr) → 5 + 4 = 9
    readings = [r("2026-03", 3, rid=1), r("2026-05", 5, rid=2), r("2026-04", 4, unit="市公安局", rid=3)]
    m = measure(readings, Rule("latest"), {"淘汰车辆"})
    assert (m.value, m.reports_counted) == (9, 2)


def test_the_same_period_reported_twice_by_one_unit_counts_once_the_newest() -> None:
    # on the task (8) and again on a sub-task (10) for April: 10 counts, March's 5 is added → 15
    readings = [r("2026-03", 5, rid=1), r("2026-04", 8, rid=2, minute=1), r("2026-04", 10, rid=3, minute=2)]
    m = measure(readings, Rule("sum"), {"淘汰车辆"}, unit="辆")
    assert m.value == 15
    assert m.notes == ("市交通运输局 2026-04 重复报送淘汰车辆：取最新提交的 10辆（另报 8辆）",)
    assert m.reports_counted == 2


def test_max_is_the_largest_value() -> None:
    readings = [r("2026-03", 5, rid=1), r("2026-04", 9, rid=2), r("2026-05", 7, unit="市公安局", rid=3)]
    assert measure(readings, Rule("max"), {"淘汰车辆"}).value == 9


def test_mean_of_the_monthly_values_with_units_averaged_within_a_month() -> None:
    # 降尘: Jan 2.0; Feb 2.4 and 2.0 by two units → 2.2; Mar 3.1 → (2.0 + 2.2 + 3.1) / 3 = 2.4333…
    readings = [
        r("2026-01", 2.0, name="降尘", rid=1),
        r("2026-02", 2.4, name="降尘", rid=2),
        r("2026-02", 2.0, name="降尘", unit="吴江区", rid=3),
        r("2026-03", 3.1, name="降尘", rid=4),
    ]
    m = measure(readings, Rule("mean"), {"降尘"})
    assert m.value == pytest.approx(7.3 / 3)
    assert m.reports_counted == 4


def test_ratio_sums_each_side() -> None:
    # 新能源汽车比例: (300 + 500) / (1000 + 1000) × 100 = 40
    rule = Rule("ratio", numerator="新增新能源汽车", denominator="新增汽车")
    readings = [
        r("2026-03", 300, name="新增新能源汽车", rid=1),
        r("2026-03", 1000, name="新增汽车", rid=1),
        r("2026-04", 500, name="新增新能源汽车", rid=2),
        r("2026-04", 1000, name="新增汽车", rid=2),
    ]
    m = measure(readings, rule, {"新能源汽车比例"})
    assert (m.value, m.reports_counted) == (40, 2)
    assert measure(readings[:1], rule, {"x"}).value is None  # no denominator yet
    zero = [r("2026-03", 0, name="新增汽车", rid=5), r("2026-03", 1, name="新增新能源汽车", rid=5)]
    assert measure(zero, rule, {"x"}).value is None and "合计为0" in measure(zero, rule, {"x"}).notes[0]


def test_an_unreadable_period_is_left_out_with_a_note() -> None:
    m = measure([r("2026-13", 5, rid=1), r("2026-02", 2, rid=2)], Rule("sum"), {"淘汰车辆"})
    assert m.value == 2 and m.notes == ("报送期 2026-13 无法识别，未计入",)


@given(st.lists(st.tuples(st.sampled_from(["2026-01", "2026-02", "2026-Q2", "2026-W20"]),
                          st.sampled_from(["甲", "乙", "丙"]), st.integers(0, 10_000)), max_size=12),
       st.randoms())  # fmt: skip
def test_sum_does_not_depend_on_the_order_of_the_reports(rows: list[tuple[str, str, int]], rnd: object) -> None:
    readings = [r(p, v, unit=u, rid=i + 1, minute=i) for i, (p, u, v) in enumerate(rows)]
    shuffled = list(readings)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert measure(readings, Rule("sum"), {"淘汰车辆"}) == measure(shuffled, Rule("sum"), {"淘汰车辆"})


# ------------------------------------------------------------------ pace and % complete
def test_pace_is_linear_from_the_start_of_the_year_to_the_deadline() -> None:
    start, deadline = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    # 1 July: 181 of 364 days → 49.7 %
    assert expected_percent(dt.date(2026, 7, 1), start, deadline) == 49.7
    assert expected_percent(dt.date(2026, 6, 30), start, dt.date(2026, 6, 30)) == 100
    assert expected_percent(dt.date(2026, 7, 1), start, deadline, "deadline") == 0
    # 16万辆 by 31 December, 9.6 reported on 1 July: 60 % done against 49.7 % due → on track
    p = judge(9.6, ">=", 16, as_of=dt.date(2026, 7, 1), start=start, deadline=deadline)
    assert (p.percent_complete, p.expected_percent, p.on_track, p.met) == (60.0, 49.7, True, False)
    behind = judge(4, ">=", 16, as_of=dt.date(2026, 7, 1), start=start, deadline=deadline)
    assert (behind.percent_complete, behind.on_track) == (25.0, False)
    # a ceiling (降尘 ≤ 2.2) is met or not
    ceiling = judge(2.43, "<=", 2.2, as_of=dt.date(2026, 7, 1), start=start, deadline=deadline)
    assert (ceiling.percent_complete, ceiling.on_track, ceiling.met) == (None, False, False)
    nothing = judge(None, ">=", 16, as_of=dt.date(2026, 7, 1), start=start, deadline=deadline)
    assert (nothing.percent_complete, nothing.expected_percent, nothing.on_track) == (None, 49.7, None)


def test_periods() -> None:
    assert period_span("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert period_span("2026-Q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert period_span("2026-H1") == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert period_span("2026-W01") == (dt.date(2025, 12, 29), dt.date(2026, 1, 4))
    assert period_span("2026") == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert period_span("2026-13") is None and period_span("soon") is None
    assert period_year("2026-W01") == 2026 and period_year("2026-12") == 2026


# ------------------------------------------------------------------ the rules file
def test_the_shipped_rules_choose_by_indicator_words_and_unit() -> None:
    from importlib import resources

    book = parse_rules(resources.files("lantian.data").joinpath("indicator_rules.toml").read_text("utf-8"),
                       name="indicator_rules.toml")  # fmt: skip
    assert book.rule_for("dustfall", "降尘量", "t/km²·月").rule == "mean"
    assert book.rule_for("nox_reduction", "氮氧化物减排", "%").rule == "latest"
    assert book.rule_for("路检路查", "路检路查", "辆·次").rule == "sum"
    assert book.rule_for("淘汰国三及以下排放标准的柴油货车", "淘汰国三及以下排放标准的柴油货车", "万辆").rule == "sum"
    cumulative = book.rule_for("推广应用新能源汽车", "推广应用新能源汽车", "万辆", "推广应用新能源汽车16万辆以上")
    assert cumulative.rule == "latest"
    assert book.rule_for("新能源汽车比例", "新能源汽车比例", "%").rule == "latest"
    assert book.rule_for("A级企业培育", "A级企业培育", "").rule == "sum"  # the default


def test_a_users_file_overrides_the_defaults() -> None:
    base = parse_rules('default = "sum"\n[indicators]\ndustfall = "mean"\n', name="defaults")
    own = parse_rules(
        '[indicators]\n"新能源汽车比例" = { rule = "ratio", numerator = "新增新能源汽车", denominator = "新增汽车" }\n'
        'dustfall = "max"\n[[patterns]]\nwords = "累计"\nrule = "latest"\npace = "deadline"\n',
        name="/data/indicator_rules.toml", base=base,
    )  # fmt: skip
    ratio = own.rule_for("新能源汽车比例")
    assert (ratio.rule, ratio.numerator, ratio.denominator) == ("ratio", "新增新能源汽车", "新增汽车")
    assert ratio.origin == "/data/indicator_rules.toml:2 indicators.新能源汽车比例"
    assert own.rule_for("dustfall").rule == "max"
    assert (own.rule_for("累计推广", "累计推广").rule, own.rule_for("累计推广").pace) == ("latest", "deadline")
    assert own.rule_for("其他").rule == "sum"


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ('[indicators]\ndustfall = "median"\n', 2, "indicators.dustfall.rule"),
        ('[indicators]\n"比例" = { rule = "ratio", numerator = "a" }\n', 2, "indicators.比例.denominator"),
        ('default = "sum"\n\n[[patterns]]\nrule = "sum"\n', 3, "patterns[1].words"),
        ('[[patterns]]\nwords = "a"\nrule = "sum"\n[[patterns]]\nwords = "(("\nrule = "sum"\n', 4, "patterns[2].words"),
        ('[[patterns]]\nwords = "a"\nrule = "sum"\ncolour = 1\n', 1, "patterns[1].colour"),
        ('pace = "soon"\n', 1, "pace"),
        ("rules = 1\n", 1, "rules"),
        ("[indicators]\ndustfall = \n", 2, None),
    ],
)
def test_errors_name_file_line_and_field(text: str, line: int, field: str | None) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_rules(text, name="indicator_rules.toml")
    assert (caught.value.file, caught.value.line, caught.value.field) == ("indicator_rules.toml", line, field)
