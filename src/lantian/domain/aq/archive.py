"""The national hourly archive format (全国空气质量历史数据): ``china_sites_YYYYMMDD.csv`` / ``china_cities_…``.

``date,hour,type,<station codes or city names>``; one row per hour and type; ``type`` ∈ AQI, PM2.5,
PM2.5_24h, PM10, PM10_24h, SO2, SO2_24h, NO2, NO2_24h, O3, O3_24h, O3_8h, O3_8h_24h, CO, CO_24h;
µg/m³ (CO mg/m³); an empty cell is a missing value.

**Time convention (时间约定).** ``hour`` h of ``date`` d is the hour *ending* at h:00 Beijing time
(UTC+8) as published, and the record belongs to day d; lantian stores it as ``time = d + h hours``
(naive Beijing time). The day's 24 records are hours 0–23 of its date, so the daily mean at hour 23
is the mean of that date's 24 records, which is how the archive's ``*_24h`` column at hour 23 reads.

Every cell that cannot be taken goes to quarantine with its reason (:data:`REASONS`): the file, the
line, the column and the raw text. Nothing is silently dropped or guessed: a value that is not a
finite number (``inf``, ``nan``, ``1e309``), a time outside the accepted window (:class:`TimeWindow`,
合理时间范围), a row with fewer cells than the header and a last line without its line end (a file
cut in the middle of a number) are quarantined too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lantian.domain.aq.stations import StationRegistry
from lantian.errors import StructureError

# archive type → tidy column
TYPES: dict[str, str] = {
    "AQI": "aqi_published",
    "PM2.5": "pm25",
    "PM2.5_24h": "pm25_24h",
    "PM10": "pm10",
    "PM10_24h": "pm10_24h",
    "SO2": "so2",
    "SO2_24h": "so2_24h",
    "NO2": "no2",
    "NO2_24h": "no2_24h",
    "O3": "o3",
    "O3_24h": "o3_24h_max",  # the day's max 1-h O3 so far
    "O3_8h": "o3_8h",
    "O3_8h_24h": "o3_8h_24h_max",  # the day's max 8-h moving mean so far
    "CO": "co",
    "CO_24h": "co_24h",
}
COLUMNS: tuple[str, ...] = tuple(TYPES.values())  # the tidy schema's value columns, in this order
SENTINELS: frozenset[float] = frozenset({-99.0, -999.0, -9999.0, 9999.0, 99999.0, 999999.0})

REASONS = {
    "non_numeric": "不是数字 not a number",
    "negative": "负值 negative value",
    "sentinel": "缺测标记值 sentinel value (e.g. -999, 9999)",
    "duplicate_hour": "重复的小时 duplicated hour (the first is kept)",
    "unknown_station": "站点不在当日有效的站点列表中 station not in the list in force",
    "unknown_type": "未知的数据类型 unknown type row",
    "bad_time": "日期或小时无效 invalid date or hour",
    "non_finite": "不是有限数值 not a finite number (inf, nan, 1e309)",
    "out_of_window": "时间超出合理范围 time outside the accepted window (LANTIAN_AQ_EARLIEST … LANTIAN_AQ_LATEST)",
    "out_of_range": "超出物理范围 above the physical range (see RANGES)",
    "short_row": "行的字段少于表头 fewer cells than the header (a cut row)",
    "unterminated": "文件末行没有换行，可能被截断 last line without a line end (the file may be cut)",
}
# the physical range of an hourly value (物理范围), 0 … bound: far above any hour ever measured (dust
# storms bring hourly PM10 to about ten thousand µg/m³) and far below what breaks the engines'
# integer arithmetic (values × 1000 as 64-bit integers)
RANGES: dict[str, float] = {c: 50_000.0 for c in COLUMNS} | {"co": 1_000.0, "co_24h": 1_000.0, "aqi_published": 1_000.0}
BEIJING = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class TimeWindow:
    """The dates monitoring data may carry (合理时间范围), both ends included; a record outside is
    quarantined as ``out_of_window``. ``latest`` None means tomorrow in Beijing time when the file
    is read (an hour-ending record of today's last hour is stamped tomorrow 00:00)."""

    earliest: dt.date = dt.date(2000, 1, 1)
    latest: dt.date | None = None

    def bounds(self) -> tuple[dt.date, dt.date]:
        latest = self.latest or dt.datetime.now(BEIJING).date() + dt.timedelta(days=1)
        return self.earliest, latest


@dataclass(frozen=True)
class QuarantinedCell:
    file: str
    line: int
    column: str  # the station code / city, or "date"/"hour"/"type"
    type: str
    value: str
    reason: str  # a key of REASONS


@dataclass
class ArchiveData:
    """A parsed archive file: tidy records keyed by (station or city, time)."""

    kind: str  # "sites" | "cities"
    file: str
    records: dict[tuple[str, dt.datetime], dict[str, float]] = field(default_factory=dict)
    quarantine: list[QuarantinedCell] = field(default_factory=list)
    days: set[dt.date] = field(default_factory=set)
    entities: list[str] = field(default_factory=list)


def archive_kind(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "cities" if base.startswith("china_cities") else "sites"


def parse_archive(
    text: str,
    *,
    name: str,
    registry: StationRegistry | None = None,
    sentinels: frozenset[float] = SENTINELS,
    window: TimeWindow | None = None,
) -> ArchiveData:
    """Parse one archive file. Station (or city) columns are checked against the list in force on
    each row's date when a ``registry`` is given."""
    kind = archive_kind(name)
    earliest, latest = (window or TimeWindow()).bounds()
    cut = _cut_line(text)
    reader = csv.reader(io.StringIO(text, newline=""))  # a lone CR ends a line too
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        raise StructureError("the file is empty (文件为空)", file=name) from None
    if header[:3] != ["date", "hour", "type"] or len(header) < 4:
        raise StructureError(
            "not the national archive format: the header must start with date,hour,type and name stations "
            "(表头应为 date,hour,type,站点…)",
            file=name,
            line=1,
            field="header",
        )
    entities = header[3:]
    out = ArchiveData(kind=kind, file=name, entities=entities)
    seen: set[tuple[str, str, str]] = set()
    known_cache: dict[dt.date, set[str]] = {}
    width = len(header)
    for line, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) < width or reader.line_num == cut:
            why = "short_row" if len(row) < width else "unterminated"
            out.quarantine.append(QuarantinedCell(name, line, "row", "row", ",".join(row), why))
            continue
        date_text, hour_text, kind_text = [*row, "", "", ""][:3]
        column = TYPES.get(kind_text.strip())
        if column is None:
            out.quarantine.append(QuarantinedCell(name, line, "type", kind_text, kind_text, "unknown_type"))
            continue
        try:
            day = dt.datetime.strptime(date_text.strip(), "%Y%m%d").date()
            hour = int(hour_text)
            if not 0 <= hour <= 23:
                raise ValueError(hour)
        except ValueError:
            out.quarantine.append(
                QuarantinedCell(name, line, "date/hour", kind_text, f"{date_text},{hour_text}", "bad_time")
            )
            continue
        if not earliest <= day <= latest:
            out.quarantine.append(
                QuarantinedCell(name, line, "date/hour", kind_text, f"{date_text},{hour_text}", "out_of_window")
            )
            continue
        key = (date_text.strip(), str(hour), kind_text.strip())
        cells = row[3:width]
        if key in seen:
            out.quarantine.extend(
                QuarantinedCell(name, line, entities[i], kind_text, raw, "duplicate_hour")
                for i, raw in enumerate(cells)
                if raw.strip()
            )
            continue
        seen.add(key)
        out.days.add(day)
        known = None
        if registry is not None:
            if day not in known_cache:
                current = registry.in_force(day)
                known_cache[day] = (
                    (set(current.stations) if kind == "sites" else {s.city for s in current.stations.values()})
                    if current
                    else set()
                )
            known = known_cache[day]
        when = dt.datetime(day.year, day.month, day.day, hour)
        for i, raw in enumerate(cells):
            text_value = raw.strip()
            if not text_value:
                continue
            entity = entities[i]
            if known is not None and entity not in known:
                out.quarantine.append(QuarantinedCell(name, line, entity, kind_text, raw, "unknown_station"))
                continue
            value, reason = _value(text_value, sentinels, RANGES[column])
            if reason:
                out.quarantine.append(QuarantinedCell(name, line, entity, kind_text, raw, reason))
                continue
            out.records.setdefault((entity, when), {})[column] = value
    return out


TIDY_ALIASES = {"pm2.5": "pm25", "pm2_5": "pm25", "aqi": "aqi_published"}


def parse_tidy(
    text: str,
    *,
    name: str,
    registry: StationRegistry | None = None,
    sentinels: frozenset[float] = SENTINELS,
    window: TimeWindow | None = None,
) -> ArchiveData:
    """The tidy CSV schema: ``station,time,<pollutant columns>`` (docs/airquality.md).

    ``time`` is ISO 8601 in Beijing time, hour-ending (``2025-01-01T13:00`` or ``2025-01-01 13:00:00``;
    a ``+08:00`` offset is accepted, any other offset is refused). Value columns are the names of
    :data:`COLUMNS` (``pm25``, ``pm10``, ``so2``, ``no2``, ``o3``, ``co`` …; ``PM2.5`` also works).
    """
    reader = csv.reader(io.StringIO(text, newline=""))  # a lone CR ends a line too
    try:
        header = next(reader)
    except StopIteration:
        raise StructureError("the file is empty (文件为空)", file=name) from None
    cut = _cut_line(text)
    rows = (([*row, _CUT] if reader.line_num == cut else row) for row in reader)
    return parse_tidy_rows(header, rows, name=name, registry=registry, sentinels=sentinels, window=window)


def parse_tidy_rows(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    name: str,
    registry: StationRegistry | None = None,
    sentinels: frozenset[float] = SENTINELS,
    window: TimeWindow | None = None,
) -> ArchiveData:
    """The tidy schema from a header and rows of text cells, whatever file they came from (CSV, or
    Parquet read by the service). Line numbers count the header as line 1."""
    earliest, latest = (window or TimeWindow()).bounds()
    header = [h.strip().lstrip("\ufeff") for h in header]
    lowered = [TIDY_ALIASES.get(h.lower(), h.lower()) for h in header]
    if lowered[:2] != ["station", "time"]:
        raise StructureError(
            "the tidy format starts with the columns station,time (表头应以 station,time 开头)",
            file=name,
            line=1,
            field="header",
        )
    unknown = [h for h, low in zip(header[2:], lowered[2:], strict=True) if low not in COLUMNS]
    if unknown:
        raise StructureError(
            f"unknown column(s) {', '.join(unknown)}; known: {', '.join(COLUMNS)} (未知列)",
            file=name,
            line=1,
            field=unknown[0],
        )
    out = ArchiveData(kind="sites", file=name)
    stations: dict[str, None] = {}
    for line, row in enumerate(rows, start=2):
        if row and row[-1] is _CUT:  # the last line of a CSV file without its line end
            row = row[:-1]
            if "".join(row).strip():
                out.quarantine.append(QuarantinedCell(name, line, "row", "row", ",".join(row), "unterminated"))
            continue
        if not row or not "".join(row).strip():
            continue
        if len(row) < len(header):
            out.quarantine.append(QuarantinedCell(name, line, "row", "row", ",".join(row), "short_row"))
            continue
        station, time_text = row[0].strip(), row[1].strip()
        when = _iso_beijing(time_text)
        if when is None:
            out.quarantine.append(QuarantinedCell(name, line, "time", "time", time_text, "bad_time"))
            continue
        if not earliest <= when.date() <= latest:
            out.quarantine.append(QuarantinedCell(name, line, "time", "time", time_text, "out_of_window"))
            continue
        if registry is not None:
            current = registry.in_force(when.date())
            if current is None or station not in current.stations:
                out.quarantine.append(QuarantinedCell(name, line, station, "station", station, "unknown_station"))
                continue
        if (station, when) in out.records:
            out.quarantine.extend(
                QuarantinedCell(name, line, station, col, raw, "duplicate_hour")
                for col, raw in zip(lowered[2:], row[2:], strict=False)
                if raw.strip()
            )
            continue
        values: dict[str, float] = {}
        for col, raw in zip(lowered[2:], row[2:], strict=False):
            raw_text = raw.strip()
            if not raw_text or raw_text.upper() in ("NA", "NAN", "NULL"):
                continue
            value, reason = _value(raw_text, sentinels, RANGES[col])
            if reason:
                out.quarantine.append(QuarantinedCell(name, line, station, col, raw, reason))
                continue
            values[col] = value
        out.records[(station, when)] = values
        out.days.add(when.date())
        stations[station] = None
    out.entities = list(stations)
    return out


_CUT = "\x00cut"  # marks the row read from a last line without its line end


def _cut_line(text: str) -> int | None:
    """The number of the last physical line when the text does not end with a line end."""
    if not text or text.endswith(("\n", "\r")):
        return None
    return text.count("\n") + 1


def _value(text: str, sentinels: frozenset[float], bound: float) -> tuple[float, str | None]:
    """A cell's number, or the reason it cannot be taken."""
    try:
        value = float(text)
    except ValueError:
        return 0.0, "non_numeric"
    if not math.isfinite(value):
        return 0.0, "non_finite"
    if value in sentinels:
        return 0.0, "sentinel"
    if value < 0:
        return 0.0, "negative"
    if value > bound:
        return 0.0, "out_of_range"
    return value, None


def _iso_beijing(text: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is not None:
        if when.utcoffset() != dt.timedelta(hours=8):
            return None
        when = when.replace(tzinfo=None)
    if when.minute or when.second or when.microsecond:
        return None
    return when
