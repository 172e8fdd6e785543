"""The hourly monitoring store (小时数据存储): Parquet files partitioned by year and month.

Layout under ``<data folder>/aq/``::

    hourly/sites/year=2019/month=01/20190101.parquet     one file per day of station data
    hourly/cities/year=…/…                             the same for city series
    quarantine/<source file>.csv                         the cells an import rejected, with reasons
    published/city_daily.parquet                         published city daily values (history)

Each day file holds ``station`` (string; the city name for city series), ``time`` (timestamp,
Beijing time, hour-ending — see :mod:`lantian.domain.aq.archive`) and one float column per
pollutant product (:data:`lantian.domain.aq.archive.COLUMNS`), sorted by station and time.

Writes are atomic per day: the new file is written beside the old one and renamed over it, so a
crash leaves each day as it was. Importing a day again merges by (station, time) — the newer value
wins — so re-importing the same file changes nothing and a file with a subset of stations never
erases the others.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lantian.domain.aq.archive import COLUMNS, REASONS, QuarantinedCell
from lantian.domain.aq.published import FIELDS, PublishedDay

SCHEMA = pa.schema(
    [pa.field("station", pa.string(), nullable=False), pa.field("time", pa.timestamp("s"), nullable=False)]
    + [pa.field(c, pa.float64()) for c in COLUMNS]
)
Records = Mapping[tuple[str, dt.datetime], Mapping[str, float]]
PUBLISHED_SCHEMA = pa.schema(
    [pa.field("city", pa.string(), nullable=False), pa.field("day", pa.date32(), nullable=False)]
    + [pa.field(c, pa.float64()) for c in FIELDS]
    + [pa.field("source", pa.string(), nullable=False)]
)


class HourlyStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def day_path(self, kind: str, day: dt.date) -> Path:
        return self.root / "hourly" / kind / f"year={day.year}" / f"month={day.month:02d}" / f"{day:%Y%m%d}.parquet"

    def glob(self, kind: str = "sites") -> str:
        return str(self.root / "hourly" / kind / "year=*" / "month=*" / "*.parquet")

    def files(self, kind: str = "sites") -> list[Path]:
        return sorted((self.root / "hourly" / kind).glob("year=*/month=*/*.parquet"))

    def read_day(self, kind: str, day: dt.date) -> dict[tuple[str, dt.datetime], dict[str, float]]:
        path = self.day_path(kind, day)
        if not path.exists():
            return {}
        table = pq.read_table(path)
        data = table.to_pydict()
        out: dict[tuple[str, dt.datetime], dict[str, float]] = {}
        for i, (station, when) in enumerate(zip(data["station"], data["time"], strict=True)):
            out[(station, when)] = {c: data[c][i] for c in COLUMNS if data[c][i] is not None}
        return out

    def write(self, kind: str, records: Records) -> dict[dt.date, int]:
        """Merge ``records`` into their day files; returns the number of records per day written."""
        by_day: dict[dt.date, dict[tuple[str, dt.datetime], Mapping[str, float]]] = defaultdict(dict)
        for key, values in records.items():
            by_day[key[1].date()][key] = values
        staged: list[tuple[Path, Path]] = []
        counts: dict[dt.date, int] = {}
        try:
            for day, new in sorted(by_day.items()):
                merged = self.read_day(kind, day)
                for key, values in new.items():
                    merged.setdefault(key, {}).update(values)
                target = self.day_path(kind, day)
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=target.parent)
                os.close(fd)
                pq.write_table(_table(merged), tmp_name, compression="zstd")
                staged.append((Path(tmp_name), target))
                counts[day] = len(merged)
        except BaseException:
            for staged_tmp, _ in staged:
                staged_tmp.unlink(missing_ok=True)
            raise
        for staged_tmp, target in staged:  # every day file was written: now swap them in
            os.replace(staged_tmp, target)
        return counts

    def write_quarantine(self, source: str, cells: Iterable[QuarantinedCell]) -> Path:
        """The rejected cells of one source file (replacing the report of an earlier import of it)."""
        folder = self.root / "quarantine"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{Path(source).stem}.csv"
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".csv", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["file", "line", "column", "type", "value", "reason", "说明"])
            for c in cells:
                writer.writerow([c.file, c.line, c.column, c.type, c.value, c.reason, REASONS[c.reason]])
        os.replace(tmp, path)
        return path


def _table(records: Mapping[tuple[str, dt.datetime], Mapping[str, float]]) -> pa.Table:
    keys = sorted(records)
    columns: dict[str, list[object]] = {"station": [k[0] for k in keys], "time": [k[1] for k in keys]}
    for c in COLUMNS:
        columns[c] = [records[k].get(c) for k in keys]
    return pa.table(columns, schema=SCHEMA)


class PublishedStore:
    """Published city daily values in one Parquet file, merged by (city, day): a later import of
    the same day replaces it, so importing a file again changes nothing. Written atomically."""

    def __init__(self, root: Path) -> None:
        self.path = root / "published" / "city_daily.parquet"

    def read(self) -> dict[tuple[str, dt.date], tuple[dict[str, float], str]]:
        if not self.path.exists():
            return {}
        data = pq.read_table(self.path).to_pydict()
        out: dict[tuple[str, dt.date], tuple[dict[str, float], str]] = {}
        for i, (city, day) in enumerate(zip(data["city"], data["day"], strict=True)):
            values = {f: data[f][i] for f in FIELDS if data[f][i] is not None}
            out[(city, day)] = (values, data["source"][i])
        return out

    def write(self, files: Iterable[tuple[str, Iterable[PublishedDay]]]) -> int:
        """Merge the days of each (source file, days); returns the number of days now stored."""
        merged = self.read()
        for source, days in files:
            for d in days:
                merged[(d.city, d.day)] = (d.values, source)
        keys = sorted(merged)
        columns: dict[str, list[object]] = {"city": [k[0] for k in keys], "day": [k[1] for k in keys]}
        for f in FIELDS:
            columns[f] = [merged[k][0].get(f) for k in keys]
        columns["source"] = [merged[k][1] for k in keys]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=self.path.parent)
        os.close(fd)
        try:
            pq.write_table(pa.table(columns, schema=PUBLISHED_SCHEMA), tmp, compression="zstd")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        os.replace(tmp, self.path)
        return len(keys)
