"""Air-quality assessment use cases (空气质量评价): AQI, daily values, period statistics, rankings.

Over the hourly store (:mod:`lantian.analytics.parquet_store`) or, for the stateless calculator,
over files read in memory. The engine (:mod:`lantian.analytics`) does the column-wise work; the
pure standards (:mod:`lantian.domain.standards`) judge the small per-area results: validity of the
period, attainment, exceedance multiples, the composite index and ranks.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ibis
import pyarrow as pa

from lantian.analytics.aqi import with_aqi
from lantian.analytics.areas import DAILY_VALUES, HOURLY_VALUES, area_values, membership_table
from lantian.analytics.backends import connect
from lantian.analytics.daily import daily_aqi, station_daily
from lantian.analytics.parquet_store import SCHEMA, _table
from lantian.analytics.period import period_statistics
from lantian.analytics.rounding import HALF_EVEN
from lantian.domain.aq.archive import ArchiveData
from lantian.domain.aq.periods import Period
from lantian.domain.aq.stations import StationRegistry
from lantian.domain.standards.gb3095 import limit_set_for, min_days_for_period
from lantian.domain.standards.hj633 import POLLUTANT_LABELS, PUBLISHED, SWITCH_DATE
from lantian.domain.standards.hj663 import attainment, exceedance_multiple, overall_attainment, ratio_percent
from lantian.domain.standards.ranking import (
    CLASSIC,
    IndexScheme,
    competition_ranks,
    composite_index,
    improvement_percent,
)
from lantian.domain.targets.registry import place_key
from lantian.errors import InputError, NotFoundError

LEVELS = ("station", "county", "city", "province")
PRODUCTS = ("hourly", "daily", "period")
INDEX_INPUTS = {"so2": "so2", "no2": "no2", "pm10": "pm10", "pm25": "pm25", "co": "co_p95", "o3": "o3_p90"}
HOURLY_INPUTS = ("so2", "no2", "co", "o3", "pm10", "pm25", "so2_24h", "o3_8h", "pm10_24h", "pm25_24h")


def stations_text(row: Mapping[str, Any]) -> str:
    """站点数 of a value: "8", or "7–8" when a period's valid days stand on different numbers of
    stations (``stations`` the most, ``stations_min`` the fewest); "—" when not known."""
    most, fewest = row.get("stations"), row.get("stations_min")
    if most is None:
        return "—"
    return str(most) if fewest in (None, most) else f"{fewest}–{most}"


@dataclass(frozen=True)
class Options:
    """What an assessment may configure (each default is the standard's reading; docs/metrics.md)."""

    standard: str | None = None  # force HJ 633 "2012" | "2026"; default: by date (switch 2026-03-01)
    method: str = PUBLISHED  # 2012 real-time AQI: "published" | "literal"
    rounding: str = HALF_EVEN
    grade: int = 2  # GB 3095 grade for exceedance and attainment
    limits: str | None = None  # GB 3095 limit set "2012" | "2026" | "2031"; default: in force at period end
    scheme: IndexScheme = CLASSIC
    min_stations: int = 1
    dust_days: frozenset[tuple[str, dt.date]] = frozenset()  # (area or station, day): 沙尘日, 扣沙


class Assessment:
    """Computations over one hourly table (the store or files read in memory)."""

    def __init__(
        self,
        con: Any,
        hourly: Any,
        registry: StationRegistry,
        province_of: Mapping[str, str] | None = None,
        county_of: Mapping[str, str] | None = None,
    ):
        self.con = con
        self.source = hourly  # the hourly table
        self.registry = registry
        self.province_of = dict(province_of or {})
        self.county_of = dict(county_of or {})  # station code → county (区县)
        # An Assessment is a snapshot of its input for its lifetime: the data span and the station
        # daily values of a range are computed once and reused (period, last year, city values).
        self._span: tuple[dt.date, dt.date] | bool | None = False
        self._daily_cache: dict[tuple[dt.date | None, dt.date | None, str], Any] = {}
        self._daily_aqi_cache: dict[tuple[Any, ...], Any] = {}

    def span(self) -> tuple[dt.date, dt.date] | None:
        """The first and last day of the data (None when empty)."""
        if self._span is False:
            self._span = self._read_span()
        return self._span  # type: ignore[return-value]

    def _read_span(self) -> tuple[dt.date, dt.date] | None:
        frame = self.con.execute(self.source.aggregate(first=self.source.time.min(), last=self.source.time.max()))
        first, last = frame["first"].iloc[0], frame["last"].iloc[0]
        if first is None or first != first:
            return None
        return first.date(), last.date()

    # ------------------------------------------------------------------ tables (Ibis expressions)
    def _membership(self, level: str) -> Any:
        if not self.registry.lists:
            raise NotFoundError(
                "city and province values need a station list: `lantian aq stations import` "
                "(需要站点列表，请大气办先导入)",
                field="level",
            )
        if level == "province":
            if not self.province_of:
                raise NotFoundError(
                    "province values need a city → province map: `lantian aq areas import` "
                    "(需要城市—省份对照表，请大气办先导入)",
                    field="level",
                )
            rows = self.registry.memberships(self.province_of)
        elif level == "county":
            if not self.county_of:
                raise NotFoundError(
                    "county values need a station → county map: `lantian aq areas import --counties FILE` "
                    "(需要站点—区县对照表，请大气办先导入)",
                    field="level",
                )
            rows = self.registry.memberships(county_of=self.county_of)
        else:
            rows = self.registry.memberships()
        return membership_table(rows)

    def _range(self, table: Any, start: dt.date | None, end: dt.date | None, column: str = "time") -> Any:
        col = table[column]
        if start is not None:
            table = table.filter(col >= (dt.datetime.combine(start, dt.time()) if column == "time" else start))
        if end is not None:
            bound = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
            table = table.filter(col < bound) if column == "time" else table.filter(col <= end)
        return table

    def _standard(self, start: dt.date | None, end: dt.date | None, o: Options) -> str | None:
        """The HJ 633 version to use: the forced one, or the one in force over the whole range when
        the range does not cross the switch (None: each row by its own date)."""
        if o.standard:
            return o.standard
        span = self.span() if start is None or end is None else (start, end)
        first = start or (span[0] if span else None)
        last = end or (span[1] if span else None)
        if first is None or last is None:
            return None
        if last < SWITCH_DATE:
            return "2012"
        if first >= SWITCH_DATE:
            return "2026"
        return None

    def station_daily_table(self, start: dt.date | None, end: dt.date | None, o: Options) -> Any:
        """Station daily values of a range (means, MDA8, hours), computed once per Assessment."""
        key = (start, end, o.rounding)
        if key not in self._daily_cache:
            daily = station_daily(self._range(self.source, start, end), rounding=o.rounding)
            self._daily_cache[key] = daily.cache()
        return self._daily_cache[key]

    def hourly_table(self, level: str, start: dt.date | None, end: dt.date | None, o: Options) -> Any:
        t = self._range(self.source, start, end)
        if level != "station":
            values = t.select("station", "time", *(c for c in HOURLY_VALUES if c in t.columns))
            areas = area_values(
                values,
                self._membership(level),
                time_column="time",
                columns=HOURLY_VALUES,
                min_stations=o.min_stations,
                rounding=o.rounding,
            )
            t = areas.rename(station="area")
        else:
            t = t.mutate(stations=ibis.literal(1, "int64"))  # a station value stands on the station itself
        return with_aqi(t, "hourly", standard=self._standard(start, end, o), method=o.method, mode=o.rounding)

    def daily_table(self, level: str, start: dt.date | None, end: dt.date | None, o: Options) -> Any:
        """Daily values and daily AQI per station or area, computed once per Assessment."""
        key = (level, start, end, o.standard, o.rounding, o.min_stations)
        if key not in self._daily_aqi_cache:
            table = self._daily_table(level, start, end, o)
            # Ibis's PySpark cache cannot see the in-memory membership table of area values
            cacheable = level == "station" or self.con.name == "duckdb"
            self._daily_aqi_cache[key] = table.cache() if cacheable else table
        return self._daily_aqi_cache[key]

    def _daily_table(self, level: str, start: dt.date | None, end: dt.date | None, o: Options) -> Any:
        daily = self.station_daily_table(start, end, o)
        if level != "station":
            keep = ["station", "day", *(c for c in DAILY_VALUES if c in daily.columns)]
            areas = area_values(
                daily.select(*keep),
                self._membership(level),
                min_stations=o.min_stations,
                rounding=o.rounding,
            )
            daily = areas.rename(station="area")
        else:
            daily = daily.mutate(stations=ibis.literal(1, "int64"))  # a station value stands on the station itself
        return daily_aqi(daily, standard=self._standard(start, end, o), rounding=o.rounding)

    # ------------------------------------------------------------------ results (rows)
    def hourly(self, level: str, start: dt.date | None, end: dt.date | None, o: Options) -> list[dict[str, Any]]:
        return records(self.con.execute(self.hourly_table(level, start, end, o).order_by(["station", "time"])))

    def daily(self, level: str, start: dt.date | None, end: dt.date | None, o: Options) -> list[dict[str, Any]]:
        return records(self.con.execute(self.daily_table(level, start, end, o).order_by(["station", "day"])))

    def stations_daily(
        self, codes: Sequence[str], start: dt.date | None, end: dt.date | None, o: Options
    ) -> list[dict[str, Any]]:
        """Daily values and daily AQI of a few stations (their hours read alone): the rows
        :meth:`daily` gives them at the station level."""
        hourly = self._range(self.source, start, end)
        daily = station_daily(hourly.filter(hourly.station.isin(sorted(codes))), rounding=o.rounding)
        table = daily_aqi(daily, standard=self._standard(start, end, o), rounding=o.rounding)
        return records(self.con.execute(table.order_by(["station", "day"])))

    def period(
        self,
        level: str,
        period: Period,
        o: Options,
        *,
        with_last_year: bool = True,
        places: Collection[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Period statistics per station or area, judged: validity, attainment, index, ranks. With
        ``places`` (names compared by :func:`place_key`), only those areas, ranked among themselves:
        an office's cities or counties, never whatever else the store holds."""
        rows = self._period_rows(level, period, o)
        if places is not None:
            wanted = {place_key(p) for p in places}
            rows = [r for r in rows if place_key(str(r["station"])) in wanted]
        previous: dict[str, Decimal | None] = {}
        span = self.span()
        if with_last_year and span and span[0] <= period.same_period_last_year().end:
            last = period.same_period_last_year()
            previous = {r["station"]: r["composite_index"] for r in self._period_rows(level, last, o)}
        ranks = competition_ranks({r["station"]: r["composite_index"] for r in rows})
        pm_ranks = competition_ranks({r["station"]: r.get("pm25") for r in rows})
        good_ranks = competition_ranks({r["station"]: r.get("good_ratio") for r in rows}, descending=True)
        changes = {r["station"]: improvement_percent(r["composite_index"], previous.get(r["station"])) for r in rows}
        change_ranks = competition_ranks(changes)
        for r in rows:
            name = r["station"]
            r["rank"] = ranks[name]
            r["pm25_rank"] = pm_ranks[name]
            r["good_ratio_rank"] = good_ranks[name]
            r["composite_index_last_year"] = previous.get(name)
            r["change_percent"] = changes[name]
            r["change_rank"] = change_ranks[name]
        return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["station"]))

    def _period_rows(self, level: str, period: Period, o: Options) -> list[dict[str, Any]]:
        daily = self.daily_table(level, period.start, period.end, o)
        if o.dust_days:
            dust = ibis.memtable(
                pa.table(
                    {"_area": [a for a, _ in o.dust_days], "_day": pa.array([d for _, d in o.dust_days], pa.date32())}
                )
            )
            joined = daily.left_join(dust, [daily.station == dust._area, daily.day == dust._day])
            daily = joined.mutate(dust=joined._area.notnull()).drop("_area", "_day")
        statistics = period_statistics(daily, start=period.start, end=period.end, grade=o.grade, rounding=o.rounding)
        stats = records(self.con.execute(statistics))
        limits = limit_set_for(period.end, o.limits).grade(o.grade)
        needed = min_days_for_period(period.start, period.end)
        out = []
        for s in stats:
            r: dict[str, Any] = {
                "station": s["station"],
                "period": period.label,
                "start": period.start,
                "end": period.end,
            }
            r.update({k: v for k, v in s.items() if k != "station"})
            r["good_ratio"] = ratio_percent(s["good_days"], s["valid_days"])
            r["heavy_ratio"] = ratio_percent(s["heavy_days"], s["valid_days"])
            r["min_days"] = needed
            for p in ("pm25", "pm10", "so2", "no2", "co", "o3"):
                r[f"{p}_valid"] = (s.get(f"{p}_days") or 0) >= needed
            statistics = {
                "so2_mean": s.get("so2"), "so2_p98": s.get("so2_p98"), "no2_mean": s.get("no2"),
                "no2_p98": s.get("no2_p98"), "pm10_mean": s.get("pm10"), "pm10_p95": s.get("pm10_p95"),
                "pm25_mean": s.get("pm25"), "pm25_p95": s.get("pm25_p95"), "co_p95": s.get("co_p95"),
                "o3_p90": s.get("o3_p90"),
            }  # fmt: skip
            per = attainment(_decimals(statistics), limits)
            for p, ok in per.items():
                r[f"{p}_attains"] = ok
            r["attains"] = overall_attainment(per)
            for p in ("pm25", "pm10", "so2", "no2"):
                value = s.get(p)
                r[f"{p}_multiple"] = None if value is None else exceedance_multiple(_dec(value), limits[f"{p}_annual"])
            index = composite_index(
                _decimals({p: s.get(column) for p, column in INDEX_INPUTS.items()}),
                o.scheme,
            )
            r["composite_index"] = index.total
            r["max_index"] = index.maximum
            r["max_index_pollutants"] = ",".join(POLLUTANT_LABELS[p] for p in index.max_pollutants) or None
            for p, v in index.single.items():
                r[f"{p}_index"] = v
            r["limits"] = limit_set_for(period.end, o.limits).title
            out.append(r)
        return out

    def verify(self, start: dt.date | None, end: dt.date | None, o: Options) -> VerifyReport:
        """Hourly AQI recomputed against the published AQI in the data (station-hours with both)."""
        if "aqi_published" not in self.source.columns:
            raise NotFoundError("the data carries no published AQI to check against (数据中没有发布的AQI)", field="aqi")
        t = self.hourly_table("station", start, end, o)
        inputs = [c for c in ("so2", "no2", "co", "o3", "pm10", "pm25") if c in t.columns]
        has_any = None
        for c in inputs:
            has_any = t[c].notnull() if has_any is None else (has_any | t[c].notnull())
        published = t.filter(t.aqi_published.notnull())
        total = int(self.con.execute(published.count()))
        comparable = published.filter(has_any)
        n = int(self.con.execute(comparable.count()))
        wrong = comparable.filter(comparable.aqi.isnull() | (comparable.aqi != comparable.aqi_published.cast("int64")))
        rows = records(
            self.con.execute(
                wrong.select("station", "time", "aqi_published", "aqi", *inputs).order_by(["time", "station"])
            )
        )
        return VerifyReport(total, n, n - len(rows), total - n, rows)


@dataclass
class VerifyReport:
    published: int  # station-hours with a published AQI
    comparable: int  # … and at least one concentration
    equal: int
    without_concentrations: int
    mismatches: list[dict[str, Any]]

    @property
    def rate(self) -> float:
        return self.equal / self.comparable if self.comparable else math.nan


def _dec(value: Any) -> Decimal:
    return Decimal(repr(float(value)))


def _decimals(values: Mapping[str, Any]) -> dict[str, Decimal | None]:
    return {k: (None if v is None else _dec(v)) for k, v in values.items()}


def records(frame: Any) -> list[dict[str, Any]]:
    """Engine results as plain rows: NaN → None, timestamps → datetime/date, numpy → Python."""
    rows = []
    for record in frame.to_dict(orient="records"):
        row: dict[str, Any] = {}
        for k, v in record.items():
            if v is None or (isinstance(v, float) and math.isnan(v)):
                row[k] = None
            elif hasattr(v, "to_pydatetime"):
                when = v.to_pydatetime()
                row[k] = when.date() if k in ("day", "first_day", "last_day") else when
            elif hasattr(v, "item"):
                row[k] = v.item()
            elif v is getattr(__import__("pandas"), "NA", object()):
                row[k] = None
            else:
                row[k] = v
        rows.append(row)
    return rows


def memory_table(con: Any, data: Sequence[ArchiveData]) -> Any:
    """Parsed files as one in-memory hourly table (the stateless calculator's input)."""
    merged: dict[tuple[str, dt.datetime], dict[str, float]] = {}
    for d in data:
        if d.kind != "sites":
            raise InputError(
                "the calculator takes station data; city files (china_cities_…) are published city values "
                "(计算器只接受站点数据)",
                file=d.file,
            )
        for key, values in d.records.items():
            merged.setdefault(key, {}).update(values)
    if not merged:
        raise InputError("no hourly records in the input (输入中没有小时数据)", field="input")
    table: pa.Table = _table(merged)
    assert table.schema == SCHEMA
    return con.create_table("hourly_input", table.to_pandas(), overwrite=True)


def store_assessment(
    store_glob: str, registry: StationRegistry, province_of: Mapping[str, str], engine: str = "duckdb"
) -> Assessment:
    con = connect(engine)
    return Assessment(con, con.read_parquet(store_glob), registry, province_of)
