"""The remaining-days arithmetic against a brute-force count on the real 2019 year of 苏州.

At each month-end of 2019: what the remaining days had to average (or how many good days were
still needed) against a target, and whether they then did — which must be exactly whether the year
met the target. Several targets around the year's outcome, so both answers occur."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

from lantian.domain.standards.hj663 import ratio_percent
from lantian.domain.targets.progress import good_day_progress, mean_progress
from lantian.services.assessment import Options

MONTH_ENDS = [dt.date(2019, m + 1, 1) - dt.timedelta(days=1) for m in range(1, 12)]


def test_month_end_projections_agree_with_what_the_year_did(archive: Any) -> None:
    rows = archive("2019").assessment().daily("city", dt.date(2019, 1, 1), dt.date(2019, 12, 31), Options())
    days = sorted((r["day"], r) for r in rows if r["station"] == "苏州")
    pm25 = [(d, int(r["pm25"])) for d, r in days if r["pm25"] is not None]
    aqi = [(d, r["aqi"]) for d, r in days if r["aqi"] is not None]
    assert len(pm25) >= 340 and len(aqi) >= 340
    outcomes = set()
    for target in (38, 39, 40, 41, 42):
        year_mean = Fraction(sum(v for _, v in pm25), len(pm25))
        for end in MONTH_ENDS:
            so_far = [v for d, v in pm25 if d <= end]
            rest = [v for d, v in pm25 if d > end]
            p = mean_progress(target, sum(so_far), len(so_far), len(rest))
            exact = (Fraction(target) * len(pm25) - sum(so_far)) / len(rest)
            assert abs(Fraction(p.required_mean_remaining) - exact) <= Fraction(1, 20)  # one decimal
            did = Fraction(sum(rest), len(rest)) <= exact
            assert did == (year_mean <= target), (target, end)
            outcomes.add(did)
    for target in ("70.0", "75.0", "76.5", "80.0"):
        year_good = sum(1 for _, a in aqi if a <= 100)
        met = ratio_percent(year_good, len(aqi)) >= Decimal(target)
        for end in MONTH_ENDS:
            so_far = [a for d, a in aqi if d <= end]
            rest = [a for d, a in aqi if d > end]
            q = good_day_progress(target, sum(1 for a in so_far if a <= 100), len(so_far), len(rest))
            rest_good = sum(1 for a in rest if a <= 100)
            assert q.needed_remaining is not None
            assert (rest_good >= q.needed_remaining) == met, (target, end)
            # brute force: try every number of good days the remainder could have had
            good_so_far = sum(1 for a in so_far if a <= 100)
            fewest = next(k for k in range(len(aqi) + 1) if ratio_percent(good_so_far + k, len(aqi)) >= Decimal(target))
            assert q.needed_remaining == fewest
            outcomes.add(met)
    assert outcomes == {True, False}


def test_year_to_date_from_daily_values_equals_the_engine(archive: Any) -> None:
    """Where some days are only published values, the year-to-date figure is computed from the daily
    values (services.targets); on station data it must equal the engine's period statistics."""
    from lantian.domain.aq.periods import Period
    from lantian.domain.targets.yearend import statistic_of
    from lantian.services.targets import city_days

    svc = archive("2019")
    assessment = svc.assessment()
    by_day = city_days(svc, assessment, "苏州")["苏州"]
    rules = [("pm25", "mean", "pm25"), ("pm10", "mean", "pm10"), ("good_day_ratio", "good_ratio", "good_ratio"),
             ("heavy_day_ratio", "heavy_ratio", "heavy_ratio"), ("o3_p90", "statistic", "o3_p90"),
             ("composite_index", "statistic", "composite_index")]  # fmt: skip
    for end in [*MONTH_ENDS, dt.date(2019, 12, 31)]:
        start = dt.date(2019, 1, 1)
        (row,) = [r for r in assessment.period("city", Period(start, end, "ytd"), Options(), with_last_year=False)
                  if r["station"] == "苏州"]  # fmt: skip
        observed = [v for d, v in sorted(by_day.items()) if d <= end]
        for key, kind, column in rules:
            assert row[column] is not None
            assert Decimal(str(row[column])) == statistic_of(kind, key)(observed), (key, end)
