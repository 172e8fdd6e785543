"""Station lists (站点列表), which change over time: the list in force on a date decides membership.

A list file is the official CSV (``监测点编码,监测点名称,城市,经度,纬度[,对照点]``) named with the date
it takes effect (``站点列表-2022.02.13起.csv``). A station's class (类别) is 对照点 (control/background
station, or any station the list leaves out of the city's value) or 城市点 (city assessment station).

Each list is read for what it says, and only for the days it is in force:

- a 对照点 column cell Y/是 marks the station out of the city's value, N/否 in; a blank cell, or a
  list without the column (2019.08.01 and older), says nothing about the class;
- "(对照点)" in the station's name marks it 对照点 whatever the column says;
- a station's class on a day is the latest statement made on or before that day: by a list in force
  then or earlier, or by an office correction (:class:`ClassCorrection`, 站点类别更正) dated on or
  before it (on the same date the correction wins). A statement is never carried back before its
  date; a station no statement covers is a 城市点 (it is on the list) and is shown as "not stated".
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
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
    basis: str = ""  # where the class comes from: "list 2020-12-06", "correction 2024-01-01", "" (not stated)


@dataclass(frozen=True)
class ClassCorrection:
    """An office's dated correction of a station's class (站点类别更正), from ``valid_from`` on."""

    code: str
    control: bool  # True: 对照点, False: 城市点
    valid_from: dt.date
    note: str = ""


CLASS_WORDS = {"对照点": True, "城市点": False}


def class_label(station: Station) -> str:
    """The class as a user reads it. A list's Y also marks closed (停运) and otherwise excluded
    stations, so a Y is called 对照点 only when the name or an office correction says so."""
    if station.control is None:
        return "城市点（列表未标明）"
    if not station.control:
        return "城市点"
    if "对照点" in station.name or station.basis.startswith("correction"):
        return "对照点"
    if "停运" in station.name:
        return "停运（不计入城市）"
    return "不计入城市（列表标 Y）"


_FLAG_WORDS = {"Y": True, "YES": True, "是": True, "TRUE": True, "1": True,
               "N": False, "NO": False, "否": False, "FALSE": False, "0": False}  # fmt: skip


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
    for line, row in rows:
        station_name = row["name"]
        control: bool | None = None
        flag = row.get("control", "")
        if flag:
            if flag.upper() not in _FLAG_WORDS:
                message = (
                    f"the 对照点 cell must be Y/N (是/否) or blank, not {flag!r} (对照点列只能填 Y/N、是/否 或留空)"
                )
                raise StructureError(message, file=name, line=line, field="对照点")
            control = _FLAG_WORDS[flag.upper()]
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
    """Every known list, by the date it takes effect, and the office's class corrections."""

    lists: list[StationList] = field(default_factory=list)
    corrections: list[ClassCorrection] = field(default_factory=list)

    def add(self, station_list: StationList) -> None:
        self.lists = sorted(
            [*(x for x in self.lists if x.valid_from != station_list.valid_from), station_list],
            key=lambda x: x.valid_from,
        )

    def correct(self, correction: ClassCorrection) -> None:
        """Add an office correction (one per station and date: a new one replaces it)."""
        kept = [c for c in self.corrections if (c.code, c.valid_from) != (correction.code, correction.valid_from)]
        self.corrections = sorted([*kept, correction], key=lambda c: (c.code, c.valid_from))

    def in_force(self, day: dt.date) -> StationList | None:
        """The list in force on ``day``: the latest taking effect on or before it, else the earliest."""
        if not self.lists:
            return None
        starts = [x.valid_from for x in self.lists]
        i = bisect.bisect_right(starts, day) - 1
        return self.lists[max(i, 0)]

    def _start(self, station_list: StationList) -> dt.date:
        """When a list starts to apply: its date, or for the earliest list every day before it too."""
        return EARLIEST if station_list is self.lists[0] else station_list.valid_from

    def class_on(self, code: str, day: dt.date) -> tuple[bool | None, str]:
        """The station's class on ``day`` (True: 对照点, False: 城市点, None: not stated) and its basis:
        the latest statement on or before ``day``, never one from a later list or correction."""
        stated: tuple[dt.date, int, bool, str] | None = None
        for station_list in self.lists:
            start = self._start(station_list)
            if start > day:
                break
            station = station_list.stations.get(code)
            if station is not None and station.control is not None:
                stated = (start, 0, station.control, f"list {station_list.valid_from}")
        for c in self.corrections:
            if c.code == code and c.valid_from <= day and (stated is None or (c.valid_from, 1) >= stated[:2]):
                stated = (c.valid_from, 1, c.control, f"correction {c.valid_from}")
        return (None, "") if stated is None else (stated[2], stated[3])

    def lookup(self, code: str, day: dt.date) -> Station | None:
        """The station as the list in force on ``day`` describes it, with its class on that day."""
        current = self.in_force(day)
        if current is None or code not in current.stations:
            return None
        station = current.stations[code]
        control, basis = self.class_on(code, day)
        return Station(station.code, station.name, station.city, station.lon, station.lat, control, basis)

    def known(self, code: str) -> bool:
        return any(code in x.stations for x in self.lists)

    def cities(self, day: dt.date) -> set[str]:
        current = self.in_force(day)
        return {s.city for s in current.stations.values()} if current else set()

    def _spans(self) -> list[tuple[dt.date, dt.date | None]]:
        """[start, end) spans over which neither the list in force nor any class changes."""
        starts = {EARLIEST} | {self._start(x) for x in self.lists} | {c.valid_from for c in self.corrections}
        bounds = sorted(starts)
        return [(b, bounds[i + 1] if i + 1 < len(bounds) else None) for i, b in enumerate(bounds)]

    def memberships(
        self, province_of: dict[str, str] | None = None, county_of: dict[str, str] | None = None
    ) -> list[tuple[str, str, dt.date, dt.date | None]]:
        """Assessment membership (评价点归属): (station, area, valid_from, valid_to exclusive) per span
        over which the list in force and the classes hold.

        The area is the station's city; with ``province_of`` (city → province) its province; with
        ``county_of`` (station code → county) its county, stations without a county left out.
        对照点 stations are left out. The earliest list also covers the days before it."""
        rows: list[tuple[str, str, dt.date, dt.date | None]] = []
        if not self.lists:
            return rows
        for start, end in self._spans():
            current = self.in_force(start)
            assert current is not None
            for code in current.stations:
                station = self.lookup(code, start)
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


_PREFECTURE_HEADER = {"城市": "city", "city": "city", "地级行政区": "prefecture", "地级市": "prefecture",
                      "prefecture": "prefecture"}  # fmt: skip


def parse_prefecture_map(text: str, *, name: str) -> dict[str, str]:
    """City → prefecture (城市 → 地级行政区) from the same file as the area map, when it has that
    column (NewSiteList.csv does: 昆山 → 苏州市); {} when it has not. Blank prefectures are skipped."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    titles = {t.strip() for t in first.split(",")}
    if not any(t in titles for t, f in _PREFECTURE_HEADER.items() if f == "prefecture"):
        return {}
    return _parse_map(text, name, _PREFECTURE_HEADER, ("city", "prefecture"), ("城市", "地级市", "地级行政区"),
                      skip_blank=True)  # fmt: skip


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
    what = "area map 区域对照表" if area_field in ("province", "prefecture") else f"{area_field} map 区县对照表"
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


CORRECTIONS_HEADER = ("监测点编码", "类别", "起始日期", "说明")
_CORRECTION_FIELDS = {"监测点编码": "code", "类别": "class", "起始日期": "from", "说明": "note"}


def parse_class_corrections(text: str, *, name: str) -> list[ClassCorrection]:
    """The office's station class corrections (站点类别更正): ``监测点编码,类别,起始日期,说明`` with
    类别 对照点 or 城市点 and 起始日期 YYYY-MM-DD; one row per station and date."""
    _, rows = csv_rows(
        text,
        name=name,
        header=_CORRECTION_FIELDS,
        required=("code", "class", "from"),
        what="站点类别更正 class corrections",
    )
    out: dict[tuple[str, dt.date], ClassCorrection] = {}
    for line, row in rows:
        if not row["code"]:
            raise StructureError(
                "a row needs a station code (需填写监测点编码)", file=name, line=line, field="监测点编码"
            )
        if row["class"] not in CLASS_WORDS:
            message = f"类别 must be 对照点 or 城市点, not {row['class']!r} (类别只能是对照点或城市点)"
            raise StructureError(message, file=name, line=line, field="类别")
        try:
            start = dt.date.fromisoformat(row["from"])
        except ValueError:
            message = f"起始日期 must be a date YYYY-MM-DD, not {row['from']!r} (日期格式应为 YYYY-MM-DD)"
            raise StructureError(message, file=name, line=line, field="起始日期") from None
        if (row["code"], start) in out:
            message = f"{row['code']} is corrected twice from {start} (同一站点同一日期重复更正)"
            raise StructureError(message, file=name, line=line, field="监测点编码")
        out[(row["code"], start)] = ClassCorrection(row["code"], CLASS_WORDS[row["class"]], start, row.get("note", ""))
    return sorted(out.values(), key=lambda c: (c.code, c.valid_from))


def format_class_corrections(corrections: list[ClassCorrection]) -> str:
    """The corrections as the CSV :func:`parse_class_corrections` reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CORRECTIONS_HEADER)
    for c in sorted(corrections, key=lambda c: (c.code, c.valid_from)):
        writer.writerow([c.code, "对照点" if c.control else "城市点", c.valid_from.isoformat(), c.note])
    return buffer.getvalue()
