"""Malformed monitoring data (畸形数据): non-finite values, times outside the accepted window, cut rows
and cut files are quarantined with their reason; the store stays readable."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lantian.cli.main import main
from lantian.config import Settings
from lantian.domain.aq.archive import REASONS, TimeWindow, parse_archive, parse_tidy
from lantian.errors import ConfigError

WINDOW = TimeWindow(dt.date(2000, 1, 1), dt.date(2026, 12, 31))


def _reasons(data: object) -> list[tuple[int, str, str]]:
    return sorted((q.line, q.column, q.reason) for q in data.quarantine)  # type: ignore[attr-defined]


def test_non_finite_values_are_quarantined_in_the_archive() -> None:
    text = "date,hour,type,1160A,1161A,1162A\n20200101,0,PM2.5,inf,1e309,nan\n20200101,0,PM10,-inf,NaN,40\n"
    data = parse_archive(text, name="china_sites_20200101.csv", window=WINDOW)
    assert _reasons(data) == [
        (2, "1160A", "non_finite"),
        (2, "1161A", "non_finite"),
        (2, "1162A", "non_finite"),
        (3, "1160A", "non_finite"),  # not "negative": -inf is no measurement at all
        (3, "1161A", "non_finite"),
    ]
    assert data.records == {("1162A", dt.datetime(2020, 1, 1, 0)): {"pm10": 40.0}}


def test_values_above_the_physical_range_are_quarantined() -> None:
    """Found by the property test: a finite 1.4e19 was stored and `aq daily` overflowed (exit 70)."""
    text = "date,hour,type,1160A,1161A,1162A\n20200101,0,PM10,1.3776e19,50000,50001\n20200101,0,CO,1000,1e308,\n"
    data = parse_archive(text, name="china_sites_20200101.csv", window=WINDOW)
    assert _reasons(data) == [(2, "1160A", "out_of_range"), (2, "1162A", "out_of_range"), (3, "1161A", "out_of_range")]
    hour = dt.datetime(2020, 1, 1, 0)
    assert data.records == {("1160A", hour): {"co": 1000.0}, ("1161A", hour): {"pm10": 50000.0}}
    tidy = parse_tidy("station,time,pm25\nA,2020-01-01T01:00,1e300\n", name="t.csv", window=WINDOW)
    assert _reasons(tidy) == [(2, "A", "out_of_range")]


def test_times_outside_the_window_are_quarantined() -> None:
    text = (
        "date,hour,type,1160A\n00010101,0,PM2.5,30\n99991231,23,PM2.5,30\n19991231,23,PM2.5,30\n"
        "20000101,0,PM2.5,31\n20261231,23,PM2.5,32\n20270101,0,PM2.5,33\n"
    )
    data = parse_archive(text, name="china_sites_x.csv", window=WINDOW)
    assert [(q.line, q.reason) for q in data.quarantine] == [(n, "out_of_window") for n in (2, 3, 4, 7)]
    assert sorted(data.days) == [dt.date(2000, 1, 1), dt.date(2026, 12, 31)]
    tidy = (
        "station,time,pm25\nA,0001-01-01T01:00,3\nA,9999-12-31T23:00,3\nA,2020-01-01T01:00,inf\nA,2020-01-01T02:00,4\n"
    )
    data = parse_tidy(tidy, name="t.csv", window=WINDOW)
    assert _reasons(data) == [(2, "time", "out_of_window"), (3, "time", "out_of_window"), (4, "A", "non_finite")]
    assert list(data.records) == [("A", dt.datetime(2020, 1, 1, 1)), ("A", dt.datetime(2020, 1, 1, 2))]


def test_the_default_window_ends_tomorrow_in_beijing() -> None:
    earliest, latest = TimeWindow().bounds()
    beijing_today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    assert earliest == dt.date(2000, 1, 1) and latest == beijing_today + dt.timedelta(days=1)


def test_the_window_is_a_setting() -> None:
    s = Settings.load("d", env={"LANTIAN_AQ_EARLIEST": "2013-01-01", "LANTIAN_AQ_LATEST": "2030-12-31"})
    assert (s.aq_earliest, s.aq_latest) == (dt.date(2013, 1, 1), dt.date(2030, 12, 31))
    s = Settings.load("d", env={})
    assert (s.aq_earliest, s.aq_latest) == (dt.date(2000, 1, 1), None)
    with pytest.raises(ConfigError, match="LANTIAN_AQ_EARLIEST"):
        Settings.load("d", env={"LANTIAN_AQ_EARLIEST": "2013/01/01"})
    with pytest.raises(ConfigError, match="LANTIAN_AQ_LATEST"):
        Settings.load("d", env={"LANTIAN_AQ_EARLIEST": "2013-01-01", "LANTIAN_AQ_LATEST": "2012-01-01"})


def test_a_row_with_fewer_cells_than_the_header_is_quarantined() -> None:
    text = "date,hour,type,1160A,1161A\n20200101,0,PM2.5,30,31\n20200101,1,PM2.5,3\n20200101,2,PM2.5,30,\n"
    data = parse_archive(text, name="china_sites_20200101.csv", window=WINDOW)
    assert _reasons(data) == [(3, "row", "short_row")]
    assert ("1160A", dt.datetime(2020, 1, 1, 1)) not in data.records
    assert data.records[("1160A", dt.datetime(2020, 1, 1, 2))] == {"pm25": 30.0}  # an empty last cell is fine
    tidy = "station,time,pm25,pm10\nA,2020-01-01T01:00,3,4\nA,2020-01-01T02:00,3\n"
    assert _reasons(parse_tidy(tidy, name="t.csv", window=WINDOW)) == [(3, "row", "short_row")]


def test_a_last_line_without_its_line_end_is_quarantined() -> None:
    text = "date,hour,type,1160A,1161A\n20200101,0,PM2.5,30,31\n20200101,1,PM2.5,30,3"  # cut in "31"
    data = parse_archive(text, name="china_sites_20200101.csv", window=WINDOW)
    assert _reasons(data) == [(3, "row", "unterminated")]
    assert list(data.records) == [("1160A", dt.datetime(2020, 1, 1, 0)), ("1161A", dt.datetime(2020, 1, 1, 0))]
    crlf = text.replace("\n", "\r\n")
    assert _reasons(parse_archive(crlf, name="china_sites_20200101.csv", window=WINDOW)) == [(3, "row", "unterminated")]
    assert parse_archive(text + "\n", name="china_sites_20200101.csv", window=WINDOW).quarantine == []
    tidy = "station,time,pm25\nA,2020-01-01T01:00,3\nA,2020-01-01T02:00,4"
    assert _reasons(parse_tidy(tidy, name="t.csv", window=WINDOW)) == [(3, "row", "unterminated")]
    assert parse_tidy(tidy + "\r\n", name="t.csv", window=WINDOW).quarantine == []
    assert all(r in REASONS for r in ("non_finite", "out_of_window", "out_of_range", "short_row", "unterminated"))


def test_imports_of_broken_values_leave_the_analysis_working(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, inf / nan / year 0001 were stored and `aq daily` then failed with an internal error (exit 70)."""
    data_dir = str(tmp_path / "d")
    archive = tmp_path / "china_sites_20200101.csv"
    archive.write_text(
        "date,hour,type,1160A,1161A\n20200101,0,PM2.5,inf,1e309\n20200101,1,PM2.5,nan,30\n00010101,0,PM2.5,5,5\n"
        "99991231,23,PM2.5,5,5\n20200101,3,PM2.5,1.3776e19,6\n20200101,2,PM2.5,40,4",
        encoding="utf-8",
    )
    tidy = tmp_path / "tidy.parquet"
    pq.write_table(
        pa.table(
            {
                "station": ["A", "A", "A"],
                "time": [dt.datetime(1, 1, 1, 1), dt.datetime(9999, 12, 31, 23), dt.datetime(2020, 1, 1, 3)],
                "pm25": [float("inf"), 1.0, float("-inf")],
            }
        ),
        tidy,
    )
    assert main(["aq", "import", str(archive), str(tidy), "--data-dir", data_dir, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report[0]["quarantined"] == {"non_finite": 3, "out_of_window": 2, "out_of_range": 1, "unterminated": 1}
    assert report[1]["quarantined"] == {"out_of_window": 2, "non_finite": 1}
    assert main(["aq", "daily", "--format", "csv", "--data-dir", data_dir]) == 0
    daily = capsys.readouterr().out
    assert "2020-01-01" in daily and "0001" not in daily and "9999" not in daily
    assert main(["aq", "status", "--json", "--data-dir", data_dir]) == 0
    assert json.loads(capsys.readouterr().out)["days"] == 1
    quarantine = (tmp_path / "d" / "aq" / "quarantine" / "china_sites_20200101.csv").read_text(encoding="utf-8-sig")
    assert "不是有限数值" in quarantine and "时间超出合理范围" in quarantine and "末行没有换行" in quarantine
