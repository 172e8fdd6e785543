"""Station lists (站点列表), which change over time: the list in force on a date decides membership.

A list file is the official CSV (``监测点编码,监测点名称,城市,经度,纬度[,对照点]``) named with the date
it takes effect (``站点列表-2022.02.13起.csv``). 对照点 (control/background) stations are flagged by
the list's 对照点 column (Y/N) or by "(对照点)" in the name; they never count toward a city's value.
Lists older than the 对照点 column (2019.08.01) leave the flag unknown; :meth:`StationRegistry.lookup`
then takes it from the nearest later list that has it and says so.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field

from lantian.domain.aq.csvrows import csv_rows
from lantian.errors import StructureError

_FROM_NAME = re.compile(r"(\d{4})[.\-_](\d{1,2})[.\-_](\d{1,2})")
_HEADER = {
    "监测点编码": "code",
    "监测点名称": "name",
    "城市": "city",
    "经度": "lon",
    "纬度": "lat",
    "对照点": "control",
}


@dataclass(frozen=True)
class Station:
    code: str  # 监测点编码, 1151A
    name: str  # 监测点名称
    city: str  # 城市 (county-level cities such as 昆山 are cities of their own in the lists)
    lon: float | None
    lat: float | None
    control: bool | None  # 对照点; None when the list does not say


@dataclass
class StationList:
    valid_from: dt.date
    stations: dict[str, Station]
    source: str = ""
    has_control_column: bool = False


def valid_from_filename(name: str) -> dt.date | None:
    """``站点列表-2022.02.13起.csv`` → 2022-02-13."""
    m = _FROM_NAME.search(name)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_station_list(text: str, *, name: str, valid_from: dt.date) -> StationList:
    present, rows = csv_rows(text, name=name, header=_HEADER, required=("code", "name", "city"), what="station list")
    stations: dict[str, Station] = {}
    for _, row in rows:
        station_name = row["name"]
        control: bool | None = None
        if "control" in row:
            control = row["control"].upper() == "Y"
        if "对照点" in station_name:
            control = True
        stations[row["code"]] = Station(
            code=row["code"],
            name=station_name,
            city=row["city"],
            lon=_float(row["lon"]) if "lon" in row else None,
            lat=_float(row["lat"]) if "lat" in row else None,
            control=control,
        )
    if not stations:
        raise StructureError("the station list has no stations (站点列表没有站点)", file=name)
    return StationList(valid_from, stations, name, "control" in present)


@dataclass
class StationRegistry:
    """Every known list, by the date it takes effect."""

    lists: list[StationList] = field(default_factory=list)

    def add(self, station_list: StationList) -> None:
        self.lists = sorted(
            [*(x for x in self.lists if x.valid_from != station_list.valid_from), station_list],
            key=lambda x: x.valid_from,
        )

    def in_force(self, day: dt.date) -> StationList | None:
        """The list in force on ``day``: the latest taking effect on or before it, else the earliest."""
        if not self.lists:
            return None
        starts = [x.valid_from for x in self.lists]
        i = bisect.bisect_right(starts, day) - 1
        return self.lists[max(i, 0)]

    def lookup(self, code: str, day: dt.date) -> Station | None:
        """The station as the list in force on ``day`` describes it; the 对照点 flag filled from a later list
        when that list has no 对照点 column."""
        current = self.in_force(day)
        if current is None or code not in current.stations:
            return None
        station = current.stations[code]
        if station.control is None:
            for later in self.lists:
                if later.valid_from > current.valid_from and later.has_control_column and code in later.stations:
                    return Station(
                        station.code, station.name, station.city, station.lon, station.lat, later.stations[code].control
                    )
        return station

    def cities(self, day: dt.date) -> set[str]:
        current = self.in_force(day)
        return {s.city for s in current.stations.values()} if current else set()

    def memberships(
        self, province_of: dict[str, str] | None = None, county_of: dict[str, str] | None = None
    ) -> list[tuple[str, str, dt.date, dt.date | None]]:
        """Assessment membership (评价点归属): (station, area, valid_from, valid_to exclusive) per list period.

        The area is the station's city; with ``province_of`` (city → province) its province; with
        ``county_of`` (station code → county) its county, stations without a county left out.
        Control stations (对照点) are left out. The earliest list also covers the days before it."""
        rows: list[tuple[str, str, dt.date, dt.date | None]] = []
        for i, station_list in enumerate(self.lists):
            start = EARLIEST if i == 0 else station_list.valid_from
            end = self.lists[i + 1].valid_from if i + 1 < len(self.lists) else None
            for code in station_list.stations:
                station = self.lookup(code, station_list.valid_from)
                if station is None or station.control:
                    continue
                if county_of is not None:
                    area = county_of.get(code)
                else:
                    area = station.city if province_of is None else province_of.get(station.city)
                if area:
                    rows.append((code, area, start, end))
        return rows


EARLIEST = dt.date(1900, 1, 1)
_AREA_HEADER = {"城市": "city", "city": "city", "省级行政区": "province", "省份": "province", "province": "province"}


def parse_area_map(text: str, *, name: str) -> dict[str, str]:
    """City → province (城市 → 省级行政区) from a CSV with those columns (a full station list with a
    省级行政区 column, such as NewSiteList.csv, also works). Blank provinces are skipped."""
    return _parse_map(text, name, _AREA_HEADER, ("city", "province"), ("城市", "省份", "省级行政区"), skip_blank=True)


_COUNTY_HEADER = {
    "监测点编码": "station", "站点编码": "station", "station": "station", "code": "station",
    "区县": "county", "县（市、区）": "county", "县(市、区)": "county", "county": "county",
}  # fmt: skip


def parse_county_map(text: str, *, name: str) -> dict[str, str]:
    """Station → county (监测点编码 → 区县): which stations a county's (or district's) values are
    computed from. The national lists give only cities, so a 大气办 keeps this map itself."""
    return _parse_map(text, name, _COUNTY_HEADER, ("station", "county"), ("站点", "区县", "区县"), skip_blank=False)


def _parse_map(
    text: str,
    name: str,
    header: dict[str, str],
    fields: tuple[str, str],
    words: tuple[str, str, str],
    *,
    skip_blank: bool,
) -> dict[str, str]:
    """A two-column map (key → area): each key maps to one area; ``words`` are the Chinese names of
    the key, the area and the area's column, for the messages."""
    key_field, area_field = fields
    key_word, area_word, area_title = words
    what = "area map 区域对照表" if area_field == "province" else f"{area_field} map 区县对照表"
    _, rows = csv_rows(text, name=name, header=header, required=fields, what=what)
    out: dict[str, str] = {}
    for line, row in rows:
        key, area = row[key_field], row[area_field]
        if not key or not area:
            if skip_blank:
                continue
            raise StructureError(f"a row needs a {key_field} and a {area_field} (需填写{key_word}和{area_word})",
                                 file=name, line=line)  # fmt: skip
        if out.get(key, area) != area:
            message = f"{key} is mapped to both {out[key]} and {area} ({key_word}对应多个{area_word})"
            raise StructureError(message, file=name, line=line, field=area_title)
        out[key] = area
    if not out:
        raise StructureError(f"the {what} has no rows (没有数据)", file=name)
    return out
