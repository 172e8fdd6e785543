"""Department names (部门名称) as written → normalised, through an editable dictionary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class DepartmentDictionary:
    """aliases: short form → canonical form (发改委 → 发展改革委); units: names never prefixed."""

    aliases: dict[str, str] = field(default_factory=dict)
    units: list[str] = field(default_factory=list)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> DepartmentDictionary:
        raise NotImplementedError
