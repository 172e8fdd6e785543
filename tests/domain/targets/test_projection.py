"""The probability of meeting a target: the block bootstrap, the level adjustment, the Brier score."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import pytest

from lantian.domain.targets.projection import brier_score, level_factors, simulate, simulated_years

D = dt.date


def days(start: dt.date, n: int, **values: Any) -> dict[dt.date, dict[str, Any]]:
    return {start + dt.timedelta(days=k): {"day": start + dt.timedelta(days=k), **values} for k in range(n)}


def mean_pm25(ds: list[Any]) -> Fraction:
    values = [d["pm25"] for d in ds if d.get("pm25") is not None]
    return Fraction(sum(values), len(values))


def test_level_factors_worked_by_hand() -> None:
    # this year to 20 January: PM2.5 30 every day; 2024 over 1–20 January: 60 → factor 0.5;
    # 2023 has 10 days only (< 14) → not adjusted
    observed = list(days(D(2025, 1, 1), 20, pm25=30).values())
    history = {**days(D(2024, 1, 1), 366, pm25=60), **days(D(2023, 1, 1), 10, pm25=40)}
    assert level_factors(observed, history, [2023, 2024], ["pm25"]) == {2024: {"pm25": 0.5}}
    assert level_factors([], history, [2024], ["pm25"]) == {}


def test_the_adjusted_bootstrap_draws_scaled_days() -> None:
    observed = list(days(D(2025, 1, 1), 31, pm25=30).values())
    history = days(D(2024, 1, 1), 366, pm25=60)
    remaining = [D(2025, 2, 1) + dt.timedelta(days=k) for k in range(334)]
    plain, years = simulated_years(observed, history, remaining, mean_pm25, runs=5, seed=1)
    scaled, _ = simulated_years(observed, history, remaining, mean_pm25, runs=5, seed=1, scale={2024: {"pm25": 0.5}})
    assert years == (2024,)
    # every drawn day is 60 (plain) or 30 (brought to this year's level); a draw late in December
    # may run past the end of 2024, where nothing is on record, so a run can hold fewer than 334
    assert all(Fraction(30 * 31 + 60 * 300, 331) < v <= Fraction(30 * 31 + 60 * 334, 365) for v in plain)
    assert scaled == [Fraction(30)] * 5


def test_a_year_without_data_around_a_date_is_not_drawn_for_it() -> None:
    # 2023 has the whole year, 2024 only January: the autumn is drawn from 2023 only
    history = {**days(D(2023, 1, 1), 365, pm25=50), **days(D(2024, 1, 1), 31, pm25=10)}
    remaining = [D(2025, 10, 1) + dt.timedelta(days=k) for k in range(61)]  # to 30 November
    values, years = simulated_years([], history, remaining, mean_pm25, runs=20, seed=3)
    assert years == (2023, 2024) and values == [Fraction(50)] * 20
    # nothing on record anywhere near the date: no estimate
    assert simulated_years([], days(D(2024, 1, 1), 31, pm25=10), remaining, mean_pm25)[0] is None


def test_probability_is_the_share_of_simulated_years_that_meet_the_target() -> None:
    observed = list(days(D(2025, 1, 1), 334, pm25=35).values())  # to 30 November
    # December in history: 2023 clean (20), 2024 dirty (80); year means 33.7 and 38.7
    history = {**days(D(2023, 1, 1), 365, pm25=20), **days(D(2024, 1, 1), 366, pm25=80)}
    remaining = [D(2025, 12, 1) + dt.timedelta(days=k) for k in range(31)]
    sim = simulate(observed, history, remaining, lambda ds: mean_pm25(ds) <= 36, runs=400, seed=7)
    assert sim.history_years == (2023, 2024) and sim.runs == 400 and sim.block == 7
    assert sim.probability is not None and Fraction(1, 50) < sim.probability < Fraction(49, 50)
    again = simulate(observed, history, remaining, lambda ds: mean_pm25(ds) <= 36, runs=400, seed=7)
    assert again.probability == sim.probability  # seeded: reproducible
    # nothing remains: the year is decided
    done = simulate(observed, history, [], lambda ds: mean_pm25(ds) <= 36)
    assert done.probability == 1 and done.runs == 1
    # no earlier year: no estimate
    assert simulate(observed, {}, remaining, lambda ds: True).probability is None


def test_brier_score_by_hand() -> None:
    # (0.8 − 1)² = 0.04, (0.3 − 0)² = 0.09, (1 − 1)² = 0 → mean 0.13/3
    assert brier_score([(Fraction(4, 5), True), (Fraction(3, 10), False), (Fraction(1), True)]) == Fraction(13, 300)
    assert brier_score([(0.5, True), (0.5, False)]) == 0.25
    with pytest.raises(ValueError):
        brier_score([])
