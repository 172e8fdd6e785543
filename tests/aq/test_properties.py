"""Property tests (性质测试): generated malformed archive CSV, tidy CSV and tidy Parquet fed to the
importers. Never an internal error: the file is refused (exit status 2, naming the file) or imported
with every bad cell quarantined with a reason — and what was stored reads back (`aq daily`)."""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lantian.cli.main import main
from lantian.domain.aq.archive import RANGES, REASONS, TYPES, ArchiveData, TimeWindow, parse_archive, parse_tidy
from lantian.errors import InputError

WINDOW = TimeWindow(dt.date(2000, 1, 1), dt.date(2030, 12, 31))
FAST = settings(max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=5, deadline=None, database=None, suppress_health_check=list(HealthCheck))

# cells as they come: numbers, sentinels, overflow, non-finite words, junk, blanks, quotes
numbers = st.floats(allow_nan=True, allow_infinity=True).map(repr)
cells = st.one_of(
    numbers,
    st.integers(-10_000, 1_000_000).map(str),
    st.sampled_from(["", " ", "inf", "-inf", "nan", "NaN", "1e309", "-1e309", "1e308", "-999", "9999", "abc", "NA"]),
    st.sampled_from(["12.", ".5", "3,4", '"5"', "1_000", "٣", "１２"]),
    st.text(max_size=6),
)
dates = st.one_of(
    st.dates(dt.date(1990, 1, 1), dt.date(2035, 12, 31)).map(lambda d: f"{d:%Y%m%d}"),
    st.sampled_from(["00010101", "99991231", "20200230", "2020011", "", "date", "20200101 "]),
)
hours = st.one_of(st.integers(-2, 26).map(str), st.sampled_from(["", "x", "1.5", "٣"]))
types = st.one_of(st.sampled_from(sorted(TYPES)), st.sampled_from(["", "pm2.5", "XYZ", "AQI "]))
endings = st.sampled_from(["\n", "\r\n"])


@st.composite
def archive_texts(draw: st.DrawFn) -> str:
    stations = draw(st.lists(st.sampled_from(["1001A", "1002A", "1003A", "南京", "x"]), min_size=1, max_size=4))
    header = draw(st.one_of(st.just(["date", "hour", "type"]), st.lists(st.text(max_size=5), max_size=4)))
    rows = [",".join([*header, *stations])]
    for _ in range(draw(st.integers(0, 8))):
        row = [draw(dates), draw(hours), draw(types), *(draw(cells) for _ in stations)]
        rows.append(",".join(row[: draw(st.integers(0, len(row)))] if draw(st.booleans()) else row))
    end = draw(endings)
    return end.join(rows) + draw(st.sampled_from(["", end]))


@st.composite
def tidy_texts(draw: st.DrawFn) -> str:
    columns = draw(st.lists(st.sampled_from(["pm25", "PM2.5", "o3", "co", "aqi", "bogus"]), max_size=3, unique=True))
    header = draw(st.one_of(st.just(["station", "time"]), st.lists(st.text(max_size=5), max_size=3)))
    times = st.one_of(
        st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31)).map(lambda t: t.isoformat()),
        st.datetimes(dt.datetime(2019, 1, 1), dt.datetime(2019, 1, 3)).map(lambda t: f"{t:%Y-%m-%d %H}:00"),
        st.sampled_from(["", "2020-01-01T01:00+09:00", "2020-01-01T01:00+08:00", "yesterday", "0001-01-01T00:00"]),
    )
    rows = [",".join([*header, *columns])]
    for _ in range(draw(st.integers(0, 8))):
        row = [draw(st.sampled_from(["A", "B", ""])), draw(times), *(draw(cells) for _ in columns)]
        rows.append(",".join(row[: draw(st.integers(0, len(row)))] if draw(st.booleans()) else row))
    end = draw(endings)
    return end.join(rows) + draw(st.sampled_from(["", end]))


def _sound(data: ArchiveData) -> None:
    """What a parse keeps is finite, in its physical range and inside the window; every reason is known."""
    for (station, when), values in data.records.items():
        assert isinstance(station, str) and WINDOW.earliest <= when.date() <= (WINDOW.latest or dt.date.max)
        assert all(math.isfinite(v) and 0 <= v <= RANGES[c] for c, v in values.items())
    assert all(q.reason in REASONS for q in data.quarantine)


@FAST
@given(archive_texts())
def test_any_archive_text_is_parsed_soundly_or_refused(text: str) -> None:
    try:
        data = parse_archive(text, name="china_sites_x.csv", window=WINDOW)
    except InputError as error:
        assert error.file == "china_sites_x.csv"
        return
    _sound(data)


@FAST
@given(tidy_texts())
def test_any_tidy_text_is_parsed_soundly_or_refused(text: str) -> None:
    try:
        data = parse_tidy(text, name="t.csv", window=WINDOW)
    except InputError as error:
        assert error.file == "t.csv"
        return
    _sound(data)


def _import_then_read(path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    status = main(["aq", "import", str(path), "--data-dir", str(data_dir)])
    err = capsys.readouterr().err
    assert status in (0, 2), err
    assert "内部错误" not in err and "Traceback" not in err
    if status == 2:
        assert path.name in err  # the refusal names the file
        return
    status = main(["aq", "daily", "--format", "csv", "--data-dir", str(data_dir)])
    err = capsys.readouterr().err
    assert status in (0, 4), err  # 4: nothing stored yet (NotFoundError), never 70


@SLOW
@given(
    st.one_of(archive_texts().map(lambda t: ("china_sites_20190101.csv", t)), tidy_texts().map(lambda t: ("t.csv", t)))
)
def test_the_cli_imports_any_csv_or_refuses_it(capsys: pytest.CaptureFixture[str], case: tuple[str, str]) -> None:
    name, text = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        _import_then_read(path, Path(folder) / "data", capsys)


parquet_times = st.one_of(
    st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31)),
    st.datetimes(dt.datetime(2019, 1, 1), dt.datetime(2019, 1, 3)),
    st.none(),
)
parquet_values = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.none())


@SLOW
@given(st.lists(st.tuples(st.sampled_from(["A", "B", ""]), parquet_times, parquet_values), max_size=6))
def test_the_cli_imports_any_tidy_parquet_or_refuses_it(
    capsys: pytest.CaptureFixture[str], rows: list[tuple[str, dt.datetime | None, float | None]]
) -> None:
    table = pa.table(
        {
            "station": [r[0] for r in rows],
            "time": pa.array([r[1] for r in rows], type=pa.timestamp("us")),
            "pm25": pa.array([r[2] for r in rows], type=pa.float64()),
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.parquet"
        pq.write_table(table, path)
        _import_then_read(path, Path(folder) / "data", capsys)
