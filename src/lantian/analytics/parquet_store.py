"""The hourly monitoring store (小时数据存储): Parquet files partitioned by year and month.

Layout under ``<data folder>/aq/``::

    hourly/sites/year=2019/month=01/20190101.parquet     one file per day of station data
    hourly/cities/year=…/…                             the same for city series
    quarantine/<source file>.csv                         the cells an import rejected, with reasons
    published/city_daily.parquet                         published city daily values (history)
    staging/<process id>/…                               files being written (暂存), never read

Each day file holds ``station`` (string; the city name for city series), ``time`` (timestamp,
Beijing time, hour-ending — see :mod:`lantian.domain.aq.archive`) and one float column per
pollutant product (:data:`lantian.domain.aq.archive.COLUMNS`), sorted by station and time.

Writes are atomic per day: the new file is written in ``staging/`` — outside every folder that is
read — and renamed over the old one, so a crash (even ``kill -9``) leaves each day as it was or as
imported, never half written. What a killed writer left in ``staging/`` (its process is gone) and
the ``.tmp-*`` files older versions wrote beside the day files are removed when the store is next
opened; reads only ever take files named as a day (``YYYYMMDD.parquet``).

Importing a day again merges by (station, time) — the newer value wins — so re-importing the same
file changes nothing and a file with a subset of stations never erases the others.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
import re
import shutil
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


DAY_FILE = re.compile(r"^\d{8}\.parquet$")  # the only files a read takes


class Staging:
    """Where files are written before they are renamed into place (暂存区): ``<root>/staging/<pid>/``,
    on the same file system as the store so the rename is atomic."""

    def __init__(self, root: Path) -> None:
        self.folder = root / "staging"

    def temp(self, suffix: str) -> Path:
        """A new empty file in this process's staging folder."""
        own = self.folder / str(os.getpid())
        own.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="part-", suffix=suffix, dir=own)
        os.close(fd)
        return Path(name)

    def sweep(self) -> None:
        """Remove what writers that no longer run left behind."""
        if not self.folder.is_dir():
            return
        for entry in self.folder.iterdir():
            if not (entry.name.isdigit() and _running(int(entry.name))):
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    except OSError:
        return False
    return True


def replace_atomically(staged: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, target)


class HourlyStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.staging = Staging(root)
        self.recover()

    def recover(self) -> None:
        """Clean up after a killed import: the staging folder of writers that are gone, and the
        ``.tmp-*`` files that earlier versions left beside the day files."""
        self.staging.sweep()
        for pattern in ("hourly/*/year=*/month=*/.tmp-*", "published/.tmp-*", "quarantine/.tmp-*"):
            for leftover in self.root.glob(pattern):
                with contextlib.suppress(OSError):
                    leftover.unlink()

    def day_path(self, kind: str, day: dt.date) -> Path:
        return self.root / "hourly" / kind / f"year={day.year}" / f"month={day.month:02d}" / f"{day:%Y%m%d}.parquet"

    def glob(self, kind: str = "sites") -> str:
        """The day files' pattern for the engines (DuckDB and Spark both read ``[0-9]``)."""
        return str(self.root / "hourly" / kind / "year=*" / "month=*" / "[0-9]*.parquet")

    def files(self, kind: str = "sites") -> list[Path]:
        found = (self.root / "hourly" / kind).glob("year=*/month=*/*.parquet")
        return sorted(p for p in found if DAY_FILE.match(p.name))

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
                tmp = self.staging.temp(".parquet")
                staged.append((tmp, self.day_path(kind, day)))
                pq.write_table(_table(merged), tmp, compression="zstd")
                counts[day] = len(merged)
        except BaseException:
            for staged_tmp, _ in staged:
                staged_tmp.unlink(missing_ok=True)
            raise
        for staged_tmp, target in staged:  # every day file was written: now swap them in
            replace_atomically(staged_tmp, target)
        return counts

    def write_quarantine(self, source: str, cells: Iterable[QuarantinedCell]) -> Path:
        """The rejected cells of one source file (replacing the report of an earlier import of it)."""
        path = self.root / "quarantine" / f"{Path(source).stem}.csv"
        tmp = self.staging.temp(".csv")
        try:
            with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(["file", "line", "column", "type", "value", "reason", "说明"])
                for c in cells:
                    writer.writerow([c.file, c.line, c.column, c.type, c.value, c.reason, REASONS[c.reason]])
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        replace_atomically(tmp, path)
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
        self.staging = Staging(root)

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
        tmp = self.staging.temp(".parquet")
        try:
            pq.write_table(pa.table(columns, schema=PUBLISHED_SCHEMA), tmp, compression="zstd")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        replace_atomically(tmp, self.path)
        return len(keys)
