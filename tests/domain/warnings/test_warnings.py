"""Warning levels, forecasts and forecast verification, worked by hand."""

from __future__ import annotations

import datetime as dt
import math
from importlib import resources

import pytest

from lantian.domain.warnings.forecast import ForecastRow, level_range, parse_forecast_rows
from lantian.domain.warnings.levels import Slot, highest, levels, parse_schemes
from lantian.domain.warnings.verification import Pair, round_band, scores
from lantian.errors import ConfigError, StructureError

SCHEMES = parse_schemes(
    resources.files("lantian.data").joinpath("warning_schemes.toml").read_text(encoding="utf-8"), name="shipped"
)


def days(*aqi: int) -> list[Slot]:
    return [Slot(dt.datetime(2025, 1, 1) + dt.timedelta(days=i), 24, a) for i, a in enumerate(aqi)]


def per_day(aqi: tuple[int, ...], scheme: str) -> list[str | None]:
    return [x.level for x in levels(days(*aqi), SCHEMES[scheme])]


EPISODE = (160, 210, 230, 310, 320, 180)


def test_the_episode_under_each_scheme() -> None:
    # 2018: AQI > 200 on days 2–5 (96 h) with > 300 on days 4–5 (48 h) → red on days 2–5
    assert per_day(EPISODE, "2018") == [None, "red", "red", "red", "red", None]
    # 2024 key regions: > 200 for 72 h and > 300 for 24 h → red on 2–5; > 150 for 6 days → orange on 1 and 6
    assert per_day(EPISODE, "2024-key") == ["orange", "red", "red", "red", "red", "orange"]
    assert per_day(EPISODE, "2024-other") == per_day(EPISODE, "2018") and not SCHEMES["2024-other"].verified


@pytest.mark.parametrize(
    ("aqi", "scheme", "expected"),
    [
        ((210, 220, 150), "2018", ["yellow", "yellow", None]),  # > 200 for 48 h
        ((210, 220, 230, 150), "2018", ["orange", "orange", "orange", None]),  # 72 h
        ((210, 220, 230, 240, 150), "2018", ["orange"] * 4 + [None]),  # 96 h but no > 300: orange
        ((150, 500, 150), "2018", [None, "red", None]),  # reaches 500
        ((210, 150, 220), "2018", [None, None, None]),  # a break ends the run
        ((210, 150), "2024-key", ["yellow", None]),  # > 200 on one day
        ((160, 170, 140), "2024-key", ["yellow", "yellow", None]),  # > 150 for 48 h
        ((210, 220, 230, 290), "2024-key", ["orange"] * 4),  # > 200 for 96 h, never > 300
    ],
)
def test_levels_by_hand(aqi: tuple[int, ...], scheme: str, expected: list[str | None]) -> None:
    assert per_day(aqi, scheme) == expected


def test_hourly_rows_run_across_day_boundaries() -> None:
    # the 24-h AQI exceeds 200 from 1 January 12:00 for 48 hours: two calendar days are each only
    # half covered, yet the run lasts 48 h → yellow under 2018
    start = dt.datetime(2025, 1, 1)
    slots = [Slot(start + dt.timedelta(hours=h), 1, 230 if 12 <= h < 60 else 150) for h in range(96)]
    result = levels(slots, SCHEMES["2018"])
    assert highest(result) == "yellow"
    assert [h for h, x in enumerate(result) if x.level] == list(range(12, 60))
    assert "01-01 12:00—01-03 12:00" in result[12].rule
    # one hour less is no warning
    short = [Slot(s.start, 1, 150 if s.start == start + dt.timedelta(hours=59) else s.aqi) for s in slots]
    assert highest(levels(short, SCHEMES["2018"])) is None


def test_schemes_file_errors() -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_schemes("[[scheme]\n", name="s.toml")
    with pytest.raises(ConfigError, match="level 'purple'"):
        parse_schemes('[[scheme]]\ncode = "x"\n[[scheme.level]]\nname = "purple"\nany = [[{ reaches = 500 }]]\n',
                      name="s.toml")  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        parse_schemes('[[scheme]]\ncode = "x"\n[[scheme.level]]\nname = "red"\n', name="s.toml")
    assert caught.value.field == "any"


def rows(*cells: str) -> list[tuple[int, dict[str, str]]]:
    header = ["city", "issued", "date", "aqi", "aqi_low", "aqi_high", "primary_pollutant"]
    return [(i + 2, dict(zip(header, c.split(","), strict=True))) for i, c in enumerate(cells)]


def test_forecast_rows() -> None:
    (row,) = parse_forecast_rows(rows("南京,2025-01-01 16:00,2025-01-03,210,190,230,PM2.5/O3"), name="f.csv")
    assert row.issued == dt.datetime(2025, 1, 1, 16) and row.lead_days == 2 and row.primary == ("pm25", "o3")


@pytest.mark.parametrize(
    ("cells", "field", "words"),
    [
        ("南京,2025-01-01,2025-01-02,abc,,,", "aqi", "not a whole number"),
        ("南京,2025-01-01,2025-01-02,600,,,", "aqi", "outside 0–500"),
        ("南京,2025-01-01,2025-02-30,100,,,", "date", "not a date"),
        ("南京,2025-01-03,2025-01-02,100,,,", "date", "before the issue"),
        ("南京,2025-01-01,2025-01-02,100,120,90,", "aqi_low", "above aqi_high"),
        ("南京,2025-01-01,2025-01-02,100,,,灰尘", "primary_pollutant", "not a pollutant"),
        (",2025-01-01,2025-01-02,100,,,", "city", "no city"),
    ],
)
def test_bad_forecast_rows(cells: str, field: str, words: str) -> None:
    with pytest.raises(StructureError) as caught:
        parse_forecast_rows(rows(cells), name="f.csv")
    assert caught.value.line == 2 and caught.value.field == field and words in str(caught.value)
    with pytest.raises(StructureError, match="appears twice, also on line 2"):
        parse_forecast_rows(rows("南京,2025-01-01,2025-01-02,100,,,", "南京,2025-01-01,2025-01-02,110,,,"),
                            name="f.csv")  # fmt: skip


def forecast(aqi: int, primary: tuple[str, ...] = (), low: int | None = None, high: int | None = None) -> ForecastRow:
    return ForecastRow("南京", dt.datetime(2025, 1, 1), dt.date(2025, 1, 2), None, aqi, low, high, primary)


def test_verification_by_hand() -> None:
    # the ±25 % band: 100 → 75…125, levels 2–3; 40 → 30…50, level 1 only
    assert (round_band(100, -1), round_band(100, 1)) == (75, 125)
    assert (round_band(41, -1), round_band(41, 1)) == (31, 51)
    pairs = [
        Pair(forecast(100, ("pm25",), 90, 110), 140, ("pm25",)),  # level 3 in 2–3: right; range wrong
        Pair(forecast(40, ("o3",)), 60, ("pm10",)),  # band 30–50 is level 1, observed 2: wrong; primary wrong
        Pair(forecast(160, ("pm25",), 150, 170), 160, ("o3", "pm25")),  # right; range right; primary overlaps
        Pair(forecast(30, ("pm25",)), 40, ()),  # level 1 observed: primary not judged
    ]
    s = scores("all", pairs)
    assert (s.n, s.level_accuracy) == (4, 0.75)
    assert (s.range_n, s.range_accuracy) == (2, 0.5)
    assert (s.primary_n, s.primary_accuracy) == (3, 2 / 3)
    f, o = [100, 40, 160, 30], [140, 60, 160, 40]
    assert s.nmb == pytest.approx((330 - 400) / 400)  # −17.5 %
    assert s.rmse == pytest.approx(math.sqrt((40**2 + 20**2 + 0 + 10**2) / 4))
    mf, mo = sum(f) / 4, sum(o) / 4
    r = sum((a - mf) * (b - mo) for a, b in zip(f, o, strict=True)) / math.sqrt(
        sum((a - mf) ** 2 for a in f) * sum((b - mo) ** 2 for b in o)
    )
    assert s.r == pytest.approx(r)


def test_heavy_pollution_day_hits_misses_and_false_alarms() -> None:
    # forecast/observed: 250/260 hit; 210/190 false alarm; 180/230 miss; 201/201 hit; 200/300 miss (200 is not > 200)
    pairs = [Pair(forecast(f), o, ()) for f, o in ((250, 260), (210, 190), (180, 230), (201, 201), (200, 300))]
    s = scores("all", pairs)
    assert (s.heavy_hits, s.heavy_misses, s.heavy_false) == (2, 2, 1)
    assert s.pod == pytest.approx(2 / 4) and s.far == pytest.approx(1 / 3) and s.ts == pytest.approx(2 / 5)
    quiet = scores("all", [Pair(forecast(80), 90, ())])
    assert (quiet.pod, quiet.far, quiet.ts) == (None, None, None)
    assert scores("all", pairs, heavy_above=150).heavy_hits == 5  # the threshold is a parameter: all five above 150


def test_published_level_ranges() -> None:
    assert level_range("良至轻度污染") == (2, 3) and level_range("轻度污染") == (3, 3)
    assert level_range("2-3") == (2, 3) and level_range("三级到二级") == (2, 3) and level_range("IV") == (4, 4)
    assert level_range("很差") is None and level_range("1-2-3") is None
    (row,) = parse_forecast_rows([(2, {"city": "南京", "issued": "2025-01-01", "date": "2025-01-02", "aqi": "120",
                                       "level": "良至轻度污染"})], name="f.csv")  # fmt: skip
    assert row.levels == (2, 3)
    # observed 140 (level 3) is in 良至轻度污染; observed 160 (level 4) is not
    s = scores("all", [Pair(row, 140, ()), Pair(row, 160, ()), Pair(forecast(100), 100, ())])
    assert (s.level_range_n, s.level_range_accuracy) == (2, 0.5)
    with pytest.raises(StructureError) as caught:
        parse_forecast_rows([(2, {"city": "南京", "issued": "2025-01-01", "date": "2025-01-02", "aqi": "120",
                                  "level": "很差"})], name="f.csv")  # fmt: skip
    assert caught.value.field == "level" and caught.value.line == 2
