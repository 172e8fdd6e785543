"""The places under a place (辖区内的下级): what an office's rankings, flags, compensation and
scorecards run over — a province's cities, a city's counties and districts — never whatever
happens to be in the store (上海's stations in a Jiangsu ranking).

The maps are the office's area maps (``lantian aq areas import``): city → province (省级行政区),
city → prefecture (地级行政区: 昆山 → 苏州市, a county-level city with its own stations in the
national lists) and county → city (区县, from the station → county map). Names compare by
:func:`~lantian.domain.targets.registry.place_key` (苏州 = 苏州市).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lantian.domain.targets.registry import place_key


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
