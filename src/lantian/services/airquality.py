"""Air-quality data use cases (空气质量数据服务): station lists and hourly data in, with quarantine.

Station lists are kept in ``<data folder>/aq/stations/`` (one CSV per list, named by the date it
takes effect); hourly data in the Parquet store (:mod:`lantian.analytics.parquet_store`). An import
reads and checks every file before it writes anything.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lantian.analytics.backends import connect, read_hourly
from lantian.analytics.daily import MIN_HOURS, station_daily, station_day_hours
from lantian.analytics.parquet_store import HourlyStore, PublishedStore, replace_atomically
from lantian.analytics.rounding import HALF_EVEN
from lantian.config import Settings
from lantian.documents.read import decode_text
from lantian.domain.aq.archive import ArchiveData, TimeWindow, parse_archive, parse_tidy, parse_tidy_rows
from lantian.domain.aq.published import PublishedFile, parse_published
from lantian.domain.aq.stations import (
    ClassCorrection,
    StationList,
    StationRegistry,
    format_class_corrections,
    parse_area_map,
    parse_class_corrections,
    parse_county_map,
    parse_prefecture_map,
    parse_station_list,
    valid_from_filename,
)
from lantian.domain.places import AreaMaps
from lantian.domain.standards.gb3095 import MIN_MDA8_WINDOWS
from lantian.errors import EmptyInputError, InputError, NotFoundError, UnsupportedFormatError
from lantian.services.assessment import Assessment, memory_table


@dataclass
class FileOutcome:
    file: str
    kind: str  # sites | cities
    days: list[dt.date]
    records: int
    quarantined: Counter[str] = field(default_factory=Counter)
    quarantine_report: str | None = None


@dataclass
class AqImportReport:
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def quarantined(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for f in self.files:
            total.update(f.quarantined)
        return total


class AirQualityService:
    def __init__(self, data_dir: Path, *, window: TimeWindow | None = None) -> None:
        self.root = data_dir / "aq"
        self.store = HourlyStore(self.root)
        self.window = window or TimeWindow()  # the dates data may carry (LANTIAN_AQ_EARLIEST/LATEST)
        self._registry: StationRegistry | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> AirQualityService:
        return cls(settings.data_dir, window=TimeWindow(settings.aq_earliest, settings.aq_latest))

    # ------------------------------------------------------------------ station lists
    @property
    def stations_dir(self) -> Path:
        return self.root / "stations"

    def registry(self) -> StationRegistry:
        if self._registry is None:
            registry = StationRegistry()
            for path in sorted(self.stations_dir.glob("*.csv")):
                valid_from = dt.date.fromisoformat(path.stem)
                registry.add(
                    parse_station_list(path.read_text(encoding="utf-8"), name=path.name, valid_from=valid_from)
                )
            for correction in self.class_corrections():
                registry.correct(correction)
            self._registry = registry
        return self._registry

    # the office's dated class corrections (站点类别更正), kept beside the lists and read on every load
    @property
    def classes_path(self) -> Path:
        return self.root / "station_classes.csv"

    def class_corrections(self) -> list[ClassCorrection]:
        if not self.classes_path.exists():
            return []
        return parse_class_corrections(self.classes_path.read_text(encoding="utf-8"), name=str(self.classes_path))

    def correct_station_class(self, correction: ClassCorrection) -> ClassCorrection:
        """Record that ``correction.code`` is 对照点/城市点 from its date (replacing one of the same date)."""
        registry = self.registry()
        if not registry.lists:
            raise NotFoundError(
                "no station list yet; import one with `lantian aq stations import` "
                "(尚无站点列表，请大气办先导入站点列表)",
                field="code",
            )
        if not registry.known(correction.code):
            raise InputError(
                f"station {correction.code} is on no imported list (站点不在任何已导入的站点列表中)", field="code"
            )
        kept = [
            c for c in self.class_corrections() if (c.code, c.valid_from) != (correction.code, correction.valid_from)
        ]
        self.root.mkdir(parents=True, exist_ok=True)
        self._atomic_write(self.classes_path, format_class_corrections([*kept, correction]))
        self._registry = None
        return correction

    def import_station_lists(self, paths: Sequence[Path], valid_from: dt.date | None = None) -> list[StationList]:
        """Check every list first, then keep a UTF-8 copy of each under its start date."""
        if valid_from is not None and len(paths) > 1:
            raise InputError("--from applies to one list at a time (只能用于单个文件)", field="from")
        parsed: list[tuple[StationList, str]] = []
        for path in paths:
            start = valid_from or valid_from_filename(path.name)
            if start is None:
                raise InputError(
                    "no start date in the file name (e.g. 站点列表-2022.02.13起.csv); give --from YYYY-MM-DD "
                    "(文件名中没有生效日期)",
                    file=str(path),
                    field="from",
                )
            text = _read_text(path)
            parsed.append((parse_station_list(text, name=str(path), valid_from=start), text))
        self.stations_dir.mkdir(parents=True, exist_ok=True)
        for station_list, text in parsed:
            self._atomic_write(self.stations_dir / f"{station_list.valid_from.isoformat()}.csv", text)
        self._registry = None
        return [p for p, _ in parsed]

    # ------------------------------------------------------------------ area maps
    # city → province (areas.csv) and station → county (counties.csv), each checked when imported
    # and kept in the data folder in a normalised form
    @property
    def areas_path(self) -> Path:
        return self.root / "areas.csv"

    @property
    def counties_path(self) -> Path:
        return self.root / "counties.csv"

    def province_map(self) -> dict[str, str]:
        return _read_map(self.areas_path, parse_area_map)

    def county_map(self) -> dict[str, str]:
        return _read_map(self.counties_path, parse_county_map)

    def months_on_record(self) -> set[tuple[int, int]]:
        """The (year, month) of every month with hourly station data: what a month's rankings need
        (the store keeps a day's hours under ``year=YYYY/month=MM``), read from the folder names
        alone, so a month without data is never handed to the engine."""
        out: set[tuple[int, int]] = set()
        for path in self.store.files("sites"):
            year, month = path.parent.parent.name, path.parent.name
            if year.startswith("year=") and month.startswith("month="):
                out.add((int(year[5:]), int(month[6:])))
        return out

    def prefecture_map(self) -> dict[str, str]:
        """City → prefecture (地级行政区), kept beside the provinces when the imported map had it."""
        return _read_map(self.areas_path, parse_prefecture_map)

    def maps_signature(self) -> tuple[object, ...]:
        """What changes when the area maps change (the kept map files and the station lists): the
        place directory is rebuilt when it does."""

        def version(path: Path) -> tuple[int, int] | None:
            try:
                stat = path.stat()
            except FileNotFoundError:
                return None
            return stat.st_mtime_ns, stat.st_size

        lists = tuple(sorted(p.name for p in self.stations_dir.glob("*.csv"))) if self.stations_dir.is_dir() else ()
        return version(self.areas_path), version(self.counties_path), lists

    def area_maps(self) -> AreaMaps:
        """The office's area maps as one value: what :func:`places_under` reads."""
        cities = {code: st.city for x in self.registry().lists for code, st in x.stations.items()}
        county_city: dict[str, str] = {}
        for station, county in sorted(self.county_map().items()):
            if station in cities:
                county_city.setdefault(county, cities[station])
        return AreaMaps(self.province_map(), self.prefecture_map(), county_city)

    def import_area_map(self, path: Path) -> dict[str, str]:
        """Check a city → province map (城市, 省级行政区, and 地级行政区 when the file has it) and keep
        it as the data folder's map."""
        text = _read_text(path)
        mapping = parse_area_map(text, name=str(path))
        prefectures = parse_prefecture_map(text, name=str(path))
        if not prefectures:
            return self._keep_map(path, self.areas_path, parse_area_map, "城市,省级行政区")
        self.root.mkdir(parents=True, exist_ok=True)
        rows = [f"{k},{v},{prefectures.get(k, '')}" for k, v in sorted(mapping.items())]
        self._atomic_write(self.areas_path, "\n".join(["城市,省级行政区,地级行政区", *rows]) + "\n")
        return mapping

    def import_county_map(self, path: Path) -> dict[str, str]:
        """Check a station → county map (监测点编码, 区县) and keep it as the data folder's map."""
        return self._keep_map(path, self.counties_path, parse_county_map, "监测点编码,区县")

    def _keep_map(self, path: Path, kept: Path, parse: MapParser, header: str) -> dict[str, str]:
        mapping = parse(_read_text(path), name=str(path))
        self.root.mkdir(parents=True, exist_ok=True)
        self._atomic_write(kept, "\n".join([header, *(f"{k},{v}" for k, v in sorted(mapping.items()))]) + "\n")
        return mapping

    def _atomic_write(self, path: Path, text: str) -> None:
        """Written in the store's staging folder, then renamed into place."""
        tmp = self.store.staging.temp(path.suffix)
        try:
            tmp.write_text(text, encoding="utf-8")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        replace_atomically(tmp, path)

    # ------------------------------------------------------------------ assessment
    def assessment(self, engine: str = "duckdb") -> Assessment:
        """The assessment over the hourly store."""
        if not self.store.files("sites"):
            raise NotFoundError(
                "no hourly station data yet; import it with `lantian aq import` (尚无小时数据，请大气办先导入监测数据)",
                field="aq",
            )
        con = connect(engine)
        hourly = read_hourly(con, self.store.glob("sites"))
        return Assessment(con, hourly, self.registry(), self.province_map(), self.county_map())

    def calculator(
        self, paths: Sequence[Path], station_lists: Sequence[Path] = (), engine: str = "duckdb"
    ) -> Assessment:
        """The stateless calculator: files read in memory, nothing written. Station lists given here
        (else the data folder's, if any) decide city membership."""
        if not paths:
            raise InputError("no input files (未指定输入文件)", field="input")
        registry = StationRegistry()
        for path in station_lists:
            start = valid_from_filename(path.name) or dt.date(1900, 1, 1)
            registry.add(parse_station_list(_read_text(path), name=str(path), valid_from=start))
        if not station_lists:
            registry = self.registry()
        parsed = [self._parse(p, registry) for p in paths]
        con = connect(engine)
        return Assessment(con, memory_table(con, parsed), registry, self.province_map(), self.county_map())

    # ------------------------------------------------------------------ hourly data
    def parse_file(self, path: Path) -> ArchiveData:
        return self._parse(path, self.registry())

    def _parse(self, path: Path, registry_in: StationRegistry) -> ArchiveData:
        registry = registry_in if registry_in.lists else None
        if path.suffix.lower() == ".parquet":
            header, rows = _parquet_rows(path)
            return parse_tidy_rows(header, rows, name=str(path), registry=registry, window=self.window)
        text = _read_text(path)
        first = text.lstrip("\ufeff").split("\n", 1)[0].lower()
        if first.startswith("date,hour,type"):
            return parse_archive(text, name=str(path), registry=registry, window=self.window)
        if first.startswith("station,time"):
            return parse_tidy(text, name=str(path), registry=registry, window=self.window)
        raise UnsupportedFormatError(
            "neither the national archive format (date,hour,type,…) nor the tidy format (station,time,…) "
            "(不是可识别的监测数据格式)",
            file=str(path),
            line=1,
            field="header",
        )

    def import_files(
        self, paths: Sequence[Path], progress: Callable[[int, int, str], None] | None = None
    ) -> AqImportReport:
        """Read every file (any unreadable one: nothing written), then write them; ``progress(done,
        total, what)`` is told before each file is read and written (twice the files in all)."""
        if not paths:
            raise InputError("no files given (未指定文件)", field="FILE")
        total = 2 * len(paths)
        parsed = []
        for i, p in enumerate(paths):
            if progress is not None:
                progress(i, total, f"读取 {p.name}")
            parsed.append(self.parse_file(p))
        report = AqImportReport()
        for i, data in enumerate(parsed, len(paths)):
            if progress is not None:
                progress(i, total, f"写入 {Path(data.file).name}")
            days = self.store.write(data.kind, data.records)
            outcome = FileOutcome(
                data.file, data.kind, sorted(days), len(data.records), Counter(q.reason for q in data.quarantine)
            )
            if data.quarantine:
                outcome.quarantine_report = str(self.store.write_quarantine(data.file, data.quarantine))
            report.files.append(outcome)
        if progress is not None:
            progress(total, total, "")
        return report

    @property
    def published(self) -> PublishedStore:
        return PublishedStore(self.store.root)

    def import_published(
        self, paths: Sequence[Path], *, city: str | None = None, city_from_file_name: bool = False
    ) -> tuple[list[PublishedFile], int]:
        """Published city daily values (history for the target projection): every file is read
        and checked before anything is written. Returns the files read and the days now stored.

        Rows without a city take ``city``, or with ``city_from_file_name`` each file's name (stem);
        otherwise such a row is an error — a city is never guessed."""
        if not paths:
            raise InputError("no files given (未指定文件)", field="FILE")
        if city is not None and city_from_file_name:
            raise InputError(
                "give one of --city and --city-from-file-name (城市只能指明一次：直接指明或取自文件名，只能选一个)",
                field="city",
            )
        if city is not None and not city.strip():
            raise InputError("--city is empty (城市不能为空)", field="city")
        parsed = [
            parse_published(
                _read_text(p),
                name=str(p),
                city=p.stem if city_from_file_name else city.strip() if city else None,
                window=self.window,
            )
            for p in paths
        ]
        for p, f in zip(paths, parsed, strict=True):
            if not f.days:
                raise EmptyInputError("no days in the file (文件中没有日数据)", file=str(p))
        total = self.published.write((Path(f.file).name, f.days) for f in parsed)
        return parsed, total

    def published_days(self, city: str | None = None) -> dict[tuple[str, dt.date], tuple[dict[str, float], str]]:
        days = self.published.read()
        return days if city is None else {k: v for k, v in days.items() if k[0] == city}

    def daily(
        self,
        *,
        start: dt.date | None = None,
        end: dt.date | None = None,
        stations: Sequence[str] = (),
        city: str | None = None,
        rounding: str = HALF_EVEN,
    ) -> list[dict[str, object]]:
        """Station daily means (日均值) with their coverage, for a date range and stations or a city."""
        if not self.store.files("sites"):
            raise NotFoundError(
                "no hourly station data yet; import it with `lantian aq import` (尚无小时数据，请大气办先导入监测数据)",
                field="aq",
            )
        wanted = set(stations)
        if city:
            registry = self.registry()
            current = registry.in_force(end or start or dt.date.today())
            wanted |= {code for code, st in (current.stations if current else {}).items() if st.city == city}
            if not wanted:
                raise NotFoundError(f"no stations of {city} in the station list (站点列表中没有该城市)", field="city")
        con = connect()
        hourly = con.read_parquet(self.store.glob("sites"))
        if start:
            hourly = hourly.filter(hourly.time >= dt.datetime.combine(start, dt.time()))
        if end:
            hourly = hourly.filter(hourly.time < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
        if wanted:
            hourly = hourly.filter(hourly.station.isin(sorted(wanted)))
        frame = con.execute(station_daily(hourly, rounding=rounding))
        rows: list[dict[str, object]] = []
        for record in frame.to_dict(orient="records"):
            row: dict[str, object] = {}
            for k, v in record.items():
                if k == "day":
                    row[k] = v.date().isoformat() if hasattr(v, "date") else str(v)
                elif k.endswith("_hours"):
                    row[k] = int(v)
                else:
                    row[k] = None if isinstance(v, float) and v != v else v
            rows.append(row)
        return rows

    def completeness(
        self,
        *,
        start: dt.date | None = None,
        end: dt.date | None = None,
        stations: Sequence[str] = (),
        city: str | None = None,
    ) -> list[dict[str, Any]]:
        """Per station and month (完整性): days and hours against those expected, valid days, and the
        days that fail validity with the reason and the hours lacking a value.

        A day is valid when each pollutant's daily value is (GB 3095 表4: ≥ 20 valid hours for the
        24-h means; O3 MDA8 ≥ 14 valid 8-h windows, HJ 663, or over the limit); an hour is complete
        when all six pollutants have a value. Expected: every day of the month within the range
        (default the stored span), 24 hours each."""
        files = self.store.files("sites")
        if not files:
            return []
        first = start or dt.date.fromisoformat(files[0].stem)
        last = end or dt.date.fromisoformat(files[-1].stem)
        wanted = set(stations)
        registry = self.registry()
        if city:
            current = registry.in_force(last)
            wanted |= {code for code, st in (current.stations if current else {}).items() if st.city == city}
            if not wanted:
                raise NotFoundError(f"no stations of {city} in the station list (站点列表中没有该城市)", field="city")
        con = connect()
        hourly = read_hourly(con, self.store.glob("sites"))
        hourly = hourly.filter(
            (hourly.time >= dt.datetime.combine(first, dt.time()))
            & (hourly.time < dt.datetime.combine(last + dt.timedelta(days=1), dt.time()))
        )
        if wanted:
            hourly = hourly.filter(hourly.station.isin(sorted(wanted)))
        pollutants = [p for p in COMPLETENESS_POLLUTANTS if p in hourly.columns]
        hours = station_day_hours(hourly, pollutants)
        by_day: dict[tuple[str, dt.date], dict[str, Any]] = {}
        for r in con.execute(hours).to_dict(orient="records"):
            day = r["day"].date() if hasattr(r["day"], "date") else r["day"]
            by_day[(r["station"], day)] = {"present": set(r["present"]), "incomplete": set(r["incomplete"] or ())}
        for r in con.execute(station_daily(hourly)).to_dict(orient="records"):
            day = r["day"].date() if hasattr(r["day"], "date") else r["day"]
            by_day.setdefault((r["station"], day), {"present": set(), "incomplete": set()})["daily"] = r
        codes = sorted(wanted | {code for code, _ in by_day})
        rows: list[dict[str, Any]] = []
        for code in codes:
            month_start = first.replace(day=1)
            while month_start <= last:
                following = (month_start + dt.timedelta(days=32)).replace(day=1)
                days = [
                    month_start + dt.timedelta(days=i)
                    for i in range((following - month_start).days)
                    if first <= month_start + dt.timedelta(days=i) <= last
                ]
                rows.append(self._station_month(code, month_start, days, by_day, pollutants))
                month_start = following
        return rows

    def _station_month(
        self,
        code: str,
        month: dt.date,
        days: list[dt.date],
        by_day: dict[tuple[str, dt.date], dict[str, Any]],
        pollutants: list[str],
    ) -> dict[str, Any]:
        station = self.registry().lookup(code, days[-1])
        failing: list[dict[str, Any]] = []
        hours = complete_hours = valid_days = days_with_data = 0
        for day in days:
            seen = by_day.get((code, day))
            present: set[int] = seen["present"] if seen else set()
            lacking = sorted((set(range(24)) - present) | (seen["incomplete"] if seen else set()))
            hours += len(present)
            complete_hours += 24 - len(lacking)
            if not present:
                failing.append({"day": day.isoformat(), "reasons": ["无数据 no data"], "hours": lacking})
                continue
            days_with_data += 1
            reasons = _day_failures(seen.get("daily", {}) if seen else {}, pollutants)
            if reasons:
                failing.append({"day": day.isoformat(), "reasons": reasons, "hours": lacking})
            else:
                valid_days += 1
        return {
            "station": code,
            "name": station.name if station else None,
            "city": station.city if station else None,
            "month": f"{month:%Y-%m}",
            "expected_days": len(days),
            "days_with_data": days_with_data,
            "valid_days": valid_days,
            "expected_hours": 24 * len(days),
            "hours": hours,
            "complete_hours": complete_hours,
            "failing_days": failing,
        }

    def status(self) -> dict[str, object]:
        registry = self.registry()
        files = self.store.files("sites")
        return {
            "station_lists": [(x.valid_from.isoformat(), len(x.stations)) for x in registry.lists],
            "days": len(files),
            "first_day": files[0].stem if files else None,
            "last_day": files[-1].stem if files else None,
            "city_days": len(self.store.files("cities")),
            "published_city_days": len(self.published.read()),
        }


COMPLETENESS_POLLUTANTS = {"pm25": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "co": "CO", "o3": "O3"}


def _day_failures(daily: dict[str, Any], pollutants: list[str]) -> list[str]:
    """Why a station-day is not valid: each 24-h mean with fewer than 20 valid hours (GB 3095 表4),
    the O3 MDA8 with too few valid 8-h windows (HJ 663)."""
    reasons: list[str] = []
    for p in pollutants:
        if p == "o3":
            if daily.get("o3_8h_max") is None or daily["o3_8h_max"] != daily["o3_8h_max"]:
                windows = int(daily.get("o3_8h_windows") or 0)
                reasons.append(f"O3-8h 有效窗口 {windows} < {MIN_MDA8_WINDOWS} (valid 8-h windows)")
        elif daily.get(p) is None or daily[p] != daily[p]:
            valid = int(daily.get(f"{p}_hours") or 0)
            reasons.append(f"{COMPLETENESS_POLLUTANTS[p]} 有效小时 {valid} < {MIN_HOURS} (valid hours)")
    return reasons


def _parquet_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """A tidy Parquet file as a header and rows of text cells (the CSV path's input): timestamps in
    ISO 8601 (naive = Beijing time; an offset is kept and judged by the parser), numbers as text,
    null and NaN empty."""
    import pyarrow.parquet as pq

    if not path.exists():
        raise InputError("file not found (文件不存在)", file=str(path))
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a damaged or foreign file
        raise UnsupportedFormatError(
            f"not a readable Parquet file (无法读取的 Parquet 文件): {exc}", file=str(path)
        ) from None
    if table.num_rows == 0:
        raise EmptyInputError("the file has no rows (文件为空)", file=str(path))
    columns = [_parquet_cells(table.column(i).to_pylist()) for i in range(table.num_columns)]
    return list(table.column_names), [list(row) for row in zip(*columns, strict=True)]


def _parquet_cells(values: list[Any]) -> list[str]:
    cells = []
    for v in values:
        if v is None or (isinstance(v, float) and v != v):
            cells.append("")
        elif isinstance(v, dt.datetime):
            cells.append(v.isoformat())
        else:
            cells.append(str(v))
    return cells


MapParser = Callable[..., dict[str, str]]


_MAPS: dict[tuple[str, MapParser], tuple[tuple[int, int], dict[str, str]]] = {}


def _read_map(path: Path, parse: MapParser) -> dict[str, str]:
    """The kept map, parsed once per version of the file (every page's rights look places up in it)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    version = (stat.st_mtime_ns, stat.st_size)
    cached = _MAPS.get((str(path), parse))
    if cached is None or cached[0] != version:
        cached = version, parse(path.read_text(encoding="utf-8"), name=str(path))
        _MAPS[(str(path), parse)] = cached
    return dict(cached[1])


def _read_text(path: Path) -> str:
    if not path.exists():
        raise InputError("file not found (文件不存在)", file=str(path))
    data = path.read_bytes()
    if not data.strip():
        raise EmptyInputError("the file is empty (文件为空)", file=str(path))
    text, _ = decode_text(data, name=str(path))
    return text
