"""A warning's life (发布 → 升级 → 降级 → 解除), 省级预警、市县响应, and readings against the committed cut."""

from __future__ import annotations

import datetime as dt

import pytest

from lantian.domain.warnings.lifecycle import Event, Segment, at, effective, next_event
from lantian.domain.warnings.readings import Reading, compliance, parse_readings
from lantian.errors import InputError, StructureError


def t(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour)


def life(place: str, *steps: tuple[str | None, dt.datetime]) -> list[Event]:
    events: list[Event] = []
    for level, when in steps:
        events.append(next_event(events, place, level, when, "指挥部办公室"))
    return events


def test_actions_follow_from_the_level_in_force() -> None:
    events = life("南通市", ("yellow", t(1, 20)), ("red", t(2, 8)), ("orange", t(3, 8)), (None, t(4, 12)))
    assert [e.action for e in events] == ["issue", "upgrade", "downgrade", "lift"]
    assert events[-1].level is None and "解除" in events[-1].text()
    with pytest.raises(InputError, match="no warning in force"):
        next_event(events, "南通市", None, t(5), "办公室")
    with pytest.raises(InputError, match="already"):
        next_event(events[:1], "南通市", "yellow", t(2), "办公室")
    with pytest.raises(InputError, match="time order"):
        next_event(events, "南通市", "yellow", t(1), "办公室")
    with pytest.raises(InputError, match="issuer"):
        next_event([], "南通市", "yellow", t(1), " ")
    with pytest.raises(InputError, match="unknown level"):
        next_event([], "南通市", "purple", t(1), "办公室")


def test_a_city_answers_its_province_at_no_less_than_its_level() -> None:
    province = life("江苏省", ("yellow", t(1, 20)), (None, t(4, 12)))
    city = life("南通市", ("orange", t(2, 8)), (None, t(3, 12)))
    spans = effective(city, {"江苏": province})
    assert spans == [
        Segment(t(1, 20), t(2, 8), "yellow", "江苏省"),
        Segment(t(2, 8), t(3, 12), "orange", "南通市"),
        Segment(t(3, 12), t(4, 12), "yellow", "江苏省"),
    ]
    assert at(spans, t(2, 9)).level == "orange"  # type: ignore[union-attr]
    assert at(spans, t(4, 12)) is None  # lifted at 12:00
    # a province's red over a city's yellow: the city responds at red, the province's warning
    upper = life("江苏省", ("red", t(1)))
    spans = effective(life("南通市", ("yellow", t(1))), {"江苏": upper})
    assert spans == [Segment(t(1), None, "red", "江苏省")]
    # equal levels: the place's own warning
    assert effective(life("南通市", ("red", t(1))), {"江苏": upper})[0].source == "南通市"


def readings(values: list[tuple[dt.datetime, float]], target: str = "") -> list[Reading]:
    return [Reading(i + 2, "X", target, when, v, "用电") for i, (when, v) in enumerate(values)]


def test_readings_show_whether_the_committed_cut_was_made() -> None:
    spans = [Segment(t(10), t(12), "orange", "南通市")]
    # normal 100 kWh in the 7 days before; during the warning 75 (a 25 % cut) against a committed 40 %
    data = readings([(t(3, 12), 90.0), (t(5), 100.0), (t(9, 23), 110.0), (t(10, 1), 70.0), (t(11, 5), 80.0),
                     (t(1), 999.0), (t(12, 1), 10.0)])  # fmt: skip
    (row,) = compliance(data, spans, lambda code, target, level: 0.4, baseline_days=7, tolerance=0.1)
    assert row.normal == pytest.approx(100.0) and row.during == pytest.approx(75.0) and row.readings == 2
    assert row.observed_cut == pytest.approx(0.25) and row.committed_cut == pytest.approx(0.4)
    assert row.short  # 25 % + 10 points < 40 %
    (ok,) = compliance(data, spans, lambda code, target, level: 0.3, baseline_days=7, tolerance=0.1)
    assert not ok.short  # 25 % is within 10 points of 30 %
    (none,) = compliance(data[3:5], spans, lambda *a: 0.4)
    assert none.normal is None and not none.short and "no readings before" in none.note


def test_bad_readings_are_named() -> None:
    with pytest.raises(StructureError) as err:
        parse_readings([(2, {"code": "X", "time": "2026-12-01 08:00", "value": "1"}),
                        (3, {"code": "X", "time": "昨天", "value": "1"})], file="读数.csv")  # fmt: skip
    assert err.value.line == 3 and err.value.field == "时间"
    with pytest.raises(StructureError, match="非负"):
        parse_readings([(2, {"code": "X", "time": "2026-12-01 08:00", "value": "-5"})], file="读数.csv")
