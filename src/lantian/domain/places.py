"""Places (辖区): one directory of the places lantian knows — province → city → county/district →
township/park — and the one rule by which a name means a place.

**The directory** (:class:`PlaceDirectory`) is data the office keeps (``lantian places import``):
each place has a canonical name, a level (省 / 市 / 县 / 乡镇), its parent and aliases (苏州 for
苏州市; 海门 and 海门市 for 海门区 after the 2020 rename; 工业园区 for 苏州工业园区). lantian ships
Jiangsu's (``data/places.csv``); the office's own file adds places and overrides rows by name; the
station area maps add the cities and counties monitoring names that neither lists.

**The matching rule** (:func:`name_key`, :meth:`PlaceDirectory.find`): a name is compared without
spaces and without one trailing 市/区/县 (苏州 = 苏州市, 吴江 = 吴江区, 海门市 = 海门区), then by
aliases. A name two places share (鼓楼区 in 南京 and in 徐州) is found only inside a place given as
``within`` or written qualified (``徐州市·鼓楼区``, the annexes' way). Access, targets, warnings,
rankings and hand-down all ask the directory: "which place is this, and is it under that one".

**Collective units** (:meth:`PlaceDirectory.expand`): a plan's 各县级市（区）人民政府, 各区镇,
各街道 or 各乡镇（园区） stand for the actual places under the plan's place, each answerable on its own.

The older :class:`AreaMaps` (the stations' city → province / prefecture and county → city maps)
feed the directory (:meth:`PlaceDirectory.with_area_maps`) and :func:`places_under`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from lantian.domain.targets.registry import place_key
from lantian.errors import InputError


@dataclass(frozen=True)
class AreaMaps:
    province_of: Mapping[str, str] = field(default_factory=dict)  # city → province 省级行政区
    prefecture_of: Mapping[str, str] = field(default_factory=dict)  # city → prefecture 地级行政区
    county_city: Mapping[str, str] = field(default_factory=dict)  # county → its city 区县 → 城市

    def is_province(self, place: str) -> bool:
        key = place_key(place)
        return any(place_key(p) == key for p in self.province_of.values())

    def is_county_level(self, city: str) -> bool:
        """A county-level city listed as a city of its own (昆山 under 苏州市)."""
        prefecture = self.prefecture_of.get(city)
        return prefecture is not None and place_key(prefecture) != place_key(city)


def places_under(place: str, maps: AreaMaps) -> list[str]:
    """The places directly under ``place``, by the names the air-quality values use: a province's
    prefecture-level cities; a city's county-level cities (those the prefecture map puts under it)
    and its counties and districts (the county map). Empty when the maps say nothing of ``place``."""
    key = place_key(place)
    if maps.is_province(place):
        return sorted(c for c, p in maps.province_of.items() if place_key(p) == key and not maps.is_county_level(c))
    counties = {c for c, p in maps.prefecture_of.items() if place_key(p) == key and place_key(c) != key}
    counties |= {c for c, city in maps.county_city.items() if place_key(city) == key}
    return sorted(counties)


class PlaceLevel(StrEnum):
    PROVINCE = "province"  # 省级
    CITY = "city"  # 市级 (设区市)
    COUNTY = "county"  # 县级 (县、县级市、区、功能区)
    TOWNSHIP = "township"  # 乡镇级 (乡、镇、街道、园区)


PLACE_LEVEL_LABELS = {PlaceLevel.PROVINCE: "省级", PlaceLevel.CITY: "市级", PlaceLevel.COUNTY: "县级",
                      PlaceLevel.TOWNSHIP: "乡镇级"}  # fmt: skip
LEVEL_WORDS = {"省": PlaceLevel.PROVINCE, "市": PlaceLevel.CITY, "县": PlaceLevel.COUNTY, "乡镇": PlaceLevel.TOWNSHIP,
               **{label: level for level, label in PLACE_LEVEL_LABELS.items()},
               **{level.value: level for level in PlaceLevel}}  # fmt: skip
LEVEL_SHORT = {PlaceLevel.PROVINCE: "省", PlaceLevel.CITY: "市", PlaceLevel.COUNTY: "县", PlaceLevel.TOWNSHIP: "乡镇"}
LEVEL_DEPTH = {PlaceLevel.PROVINCE: 0, PlaceLevel.CITY: 1, PlaceLevel.COUNTY: 2, PlaceLevel.TOWNSHIP: 3}
QUALIFIER = "·"  # 苏州市·昆山: a place written under its parent (the annexes' way)
_SUFFIX = re.compile(r"(?<=..)[市区县]$")


def name_key(name: str) -> str:
    """The one rule by which two names are one place: spaces dropped, then one trailing 市/区/县
    when two characters stay (苏州市 = 苏州, 吴江区 = 吴江, 海门市 = 海门区; 沛县 stays 沛县)."""
    name = re.sub(r"\s+", "", name)
    return _SUFFIX.sub("", name)


@dataclass(frozen=True)
class Place:
    name: str  # canonical name 名称 (苏州市, 昆山市, 海门区, 常乐镇)
    level: PlaceLevel  # 级别
    parent: str | None = None  # 上级 (its canonical name); None at the top
    kind: str = ""  # 类型: 省 / 设区市 / 县级市 / 县 / 区 / 功能区 / 镇 / 街道 / 园区 / 开发区
    aliases: tuple[str, ...] = ()  # 别名 (苏州; 海门、海门市)

    @property
    def level_label(self) -> str:
        return PLACE_LEVEL_LABELS[self.level]


@dataclass(frozen=True)
class PlaceRowError:
    line: int
    field: str
    message: str


HEADER = {"名称": "name", "name": "name", "级别": "level", "level": "level", "上级": "parent", "parent": "parent",
          "类型": "kind", "kind": "kind", "别名": "aliases", "aliases": "aliases"}  # fmt: skip
MAX_PLACES = 200_000  # a province's townships are a few thousand; a bigger file is not a directory


def parse_places(text: str, *, name: str = "places.csv") -> list[Place]:
    """Rows of ``名称,级别,上级,类型,别名`` (aliases split on ; or 、). Every bad row is named by file,
    line and field (InputError); a duplicate name under one parent is refused."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        return _parse_rows(reader, name)
    except csv.Error as e:
        raise InputError(f"{name}: line {reader.line_num}: not a CSV row ({e}) (不是有效的CSV行)",
                         file=name, line=reader.line_num) from None  # fmt: skip


def _parse_rows(reader: Iterator[list[str]], name: str) -> list[Place]:
    header = next(reader, None)
    if header is None:
        raise InputError(f"{name}: the file is empty (文件为空)", file=name, field="名称")
    fields = [HEADER.get(h.strip()) for h in header]
    for needed, label in (("name", "名称"), ("level", "级别"), ("parent", "上级")):
        if needed not in fields:
            raise InputError(f"{name}: line 1 has no {label} column (缺少“{label}”列)", file=name, line=1, field=label)
    out: list[Place] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(out) >= MAX_PLACES:
            raise InputError(f"{name}: more than {MAX_PLACES} places (超过{MAX_PLACES}个辖区)", file=name, line=number)
        cells = {f: (row[i].strip() if i < len(row) else "") for i, f in enumerate(fields) if f}
        place_name = cells.get("name", "")
        if not place_name or QUALIFIER in place_name:
            raise InputError(f"{name}: line {number}: 名称 is blank or has {QUALIFIER} (名称不能为空或含“{QUALIFIER}”)",
                             file=name, line=number, field="名称")  # fmt: skip
        level = LEVEL_WORDS.get(cells.get("level", ""))
        if level is None:
            raise InputError(
                f"{name}: line {number}: 级别 must be 省, 市, 县 or 乡镇, not {cells.get('level', '')!r} "
                "(级别应为省、市、县或乡镇)", file=name, line=number, field="级别",
            )  # fmt: skip
        parent = cells.get("parent") or None
        key = (place_name, parent or "")
        if key in seen:
            raise InputError(f"{name}: line {number}: {place_name} under {parent or '—'} is listed on line "
                             f"{seen[key]} too (与第{seen[key]}行重复)",
                             file=name, line=number, field="名称")  # fmt: skip
        seen[key] = number
        aliases = tuple(a.strip() for a in re.split(r"[;；、]", cells.get("aliases", "")) if a.strip())
        out.append(Place(place_name, level, parent, cells.get("kind", ""), aliases))
    return out


def format_places(places: Iterable[Place]) -> str:
    """The directory as the CSV :func:`parse_places` reads."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["名称", "级别", "上级", "类型", "别名"])
    for p in places:
        writer.writerow([p.name, LEVEL_SHORT[p.level], p.parent or "", p.kind, ";".join(p.aliases)])
    return buf.getvalue()


# 统称 of places (collective units) → which places under the plan's place they stand for
_COUNTY_UNITS = re.compile(
    r"^(?:地方各级|各级地方|各(?:县级市|县（市、区）|县（市|县市区|市县|市（县、区）|市、县（区）|区县|县区|设区市|市|县|区|地))"
)
_TOWNSHIP_UNITS = re.compile(r"^各(?:区镇|乡镇|镇|街道|园区|开发区)")
_TOWNSHIP_KINDS = {"街道": ("街道",), "镇": ("镇", "乡"), "乡镇": ("镇", "乡"), "园区": ("园区", "开发区"),
                   "开发区": ("园区", "开发区")}  # fmt: skip


class PlaceDirectory:
    """The places, found by :func:`name_key` and aliases. Pure and immutable once built."""

    def __init__(self, places: Iterable[Place]) -> None:
        self._places: dict[tuple[str, str], Place] = {}  # (name, parent) → place, file order
        for p in places:
            self._places[(p.name, p.parent or "")] = p
        self._by_key: dict[str, list[Place]] = {}
        self._children: dict[str, list[Place]] = {}
        for p in self._places.values():
            for n in {p.name, *p.aliases}:
                bucket = self._by_key.setdefault(name_key(n), [])
                if p not in bucket:
                    bucket.append(p)
            self._children.setdefault(name_key(p.parent or ""), []).append(p)

    def __len__(self) -> int:
        return len(self._places)

    def __iter__(self) -> Iterator[Place]:
        return iter(self._places.values())

    @property
    def places(self) -> list[Place]:
        return list(self._places.values())

    # ------------------------------------------------------------------ which place
    def find(self, name: str | None, within: str | None = None) -> Place | None:
        """The place ``name`` means: by canonical name or alias under :func:`name_key`; ``上级·名称``
        names it under its parent; a name two places share needs ``within`` (a place above it)."""
        text = (name or "").strip()
        if not text:
            return None
        if QUALIFIER in text:
            upper, _, lower = text.rpartition(QUALIFIER)
            return self.find(lower, within=upper) or None
        found = self._by_key.get(name_key(text), [])
        if len(found) == 1:
            return found[0]
        if within is not None and found:
            top = self.find(within)
            inside = [p for p in found if top is not None and top in self._chain(p)]
            if len(inside) == 1:
                return inside[0]
        return None

    def canonical(self, name: str | None, within: str | None = None) -> str:
        """The place's canonical name, or the name as written (trimmed) when the directory has it not."""
        place = self.find(name, within)
        return place.name if place else (name or "").strip()

    def same(self, a: str | None, b: str | None) -> bool:
        """Two names are one place: the same directory entry, else the same :func:`name_key`."""
        if not (a or "").strip() or not (b or "").strip():
            return not (a or "").strip() and not (b or "").strip()
        pa, pb = self.find(a), self.find(b)
        if pa is not None and pb is not None:
            return pa == pb
        return name_key(a or "") == name_key(b or "")

    def level(self, name: str | None) -> PlaceLevel | None:
        place = self.find(name)
        return place.level if place else None

    def parent(self, name: str | None) -> Place | None:
        place = self.find(name)
        if place is None or place.parent is None:
            return None
        return self._up(place)

    def _up(self, place: Place) -> Place | None:
        found = self._by_key.get(name_key(place.parent or ""), [])
        above = [p for p in found if LEVEL_DEPTH[p.level] < LEVEL_DEPTH[place.level]]
        if len(above) > 1:  # a parent two places share a name with: the one one level up
            above = [p for p in above if LEVEL_DEPTH[p.level] == LEVEL_DEPTH[place.level] - 1]
        return above[0] if len(above) == 1 else None

    def _chain(self, place: Place) -> list[Place]:
        """The directory's places above ``place``, nearest first."""
        out: list[Place] = []
        up = self._up(place)
        while up is not None and up not in out and len(out) < 8:
            out.append(up)
            up = self._up(up)
        return out

    def ancestors(self, name: str | None) -> list[str]:
        """The places above ``name``, nearest first (昆山 → [苏州市, 江苏省]); [] when unknown. A
        parent the directory does not list ends the chain by its name as written."""
        place = self.find(name)
        if place is None:
            return []
        chain = self._chain(place)
        out = [p.name for p in chain]
        last = chain[-1] if chain else place
        if last.parent is not None and self._up(last) is None:
            out.append(last.parent)
        return out

    def is_under(self, lower: str | None, upper: str | None) -> bool:
        """``upper`` is one of the places above ``lower`` (not the place itself)."""
        if not (upper or "").strip():
            return False
        key = self.find(upper)
        place = self.find(lower)
        if key is not None and place is not None:
            return key in self._chain(place)
        return any(name_key(a) == name_key(upper or "") for a in self.ancestors(lower))

    def within(self, lower: str | None, upper: str | None) -> bool:
        """``lower`` is ``upper`` or under it."""
        return self.same(lower, upper) or self.is_under(lower, upper)

    def children(self, name: str | None) -> list[Place]:
        place = self.find(name)
        if place is None:
            return []
        return [p for p in self._children.get(name_key(place.name), []) if self._up(p) == place]

    def descendants(self, name: str | None) -> list[Place]:
        out: list[Place] = []
        todo = self.children(name)
        while todo:
            p = todo.pop(0)
            out.append(p)
            todo.extend(self.children(p.name))
        return out

    # ------------------------------------------------------------------ collective units
    def expand(self, unit: str, plan_place: str | None) -> list[Place]:
        """The places a plan's collective unit stands for, under the plan's place: 各县级市（区）人民政府
        (管委会) and 地方各级人民政府 → the places directly under it; 各区镇 / 各乡镇（园区） → the
        townships and parks under it (of a county: its own; of a city: its counties'); 各街道 → the
        街道, 各镇 → the 镇. A unit naming one place (苏州工业园区管委会, 海门经济技术开发区) → that
        place when it is under the plan's place. [] when the unit is not a place or none is known."""
        name = re.sub(r"\s+", "", unit)
        if plan_place is None or self.find(plan_place) is None:
            return []
        top = self.find(plan_place)
        assert top is not None
        town = _TOWNSHIP_UNITS.match(name)
        if town is not None:
            word = town.group(0)[1:]
            kinds = _TOWNSHIP_KINDS.get(word)  # 区镇: every township-level place
            towns = [p for p in self.descendants(top.name) if p.level is PlaceLevel.TOWNSHIP]
            if kinds is not None:
                towns = [p for p in towns if p.kind.endswith(kinds)] or towns
            return towns
        if _COUNTY_UNITS.match(name) or name.startswith("各级人民政府"):
            return self.children(top.name)
        for candidate in (name, re.sub(r"(?:人民政府|管委会|管理委员会)$", "", name)):
            place = self.find(candidate, within=top.name)
            if place is not None and self.is_under(place.name, top.name):
                return [place]
        return []

    # ------------------------------------------------------------------ building
    def merged(self, extra: Iterable[Place]) -> PlaceDirectory:
        """This directory with ``extra`` added; a row naming a place already here (name and parent)
        replaces it (the office's own file over the shipped one)."""
        rows = dict(self._places)
        for p in extra:
            rows[(p.name, p.parent or "")] = p
        return PlaceDirectory(rows.values())

    def with_area_maps(self, maps: AreaMaps) -> PlaceDirectory:
        """Add the places monitoring names that the directory lacks: provinces and cities from the
        stations' area map (county-level cities under their prefecture), counties from the county map."""
        extra: list[Place] = []
        known = PlaceDirectory(self._places.values())

        def add(place: Place) -> None:
            nonlocal known
            if known.find(place.name) is None:
                extra.append(place)
                known = known.merged([place])

        for province in sorted(set(maps.province_of.values())):
            add(Place(province, PlaceLevel.PROVINCE, None, "省"))
        for city, province in sorted(maps.province_of.items()):
            prefecture = maps.prefecture_of.get(city)
            if prefecture is not None and name_key(prefecture) != name_key(city):
                add(Place(prefecture, PlaceLevel.CITY, known.canonical(province), "设区市"))
                add(Place(city, PlaceLevel.COUNTY, known.canonical(prefecture), "县级市"))
            elif name_key(city) == name_key(province):
                continue  # 上海: a city that is its own province
            else:
                add(Place(city, PlaceLevel.CITY, known.canonical(province), "设区市"))
        for county, city in sorted(maps.county_city.items()):
            add(Place(county, PlaceLevel.COUNTY, known.canonical(city), "区"))
        return self.merged(extra) if extra else self

    def replace_place(self, place: Place) -> PlaceDirectory:
        return self.merged([replace(place)])
