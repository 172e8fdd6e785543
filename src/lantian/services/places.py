"""The place directory as the office keeps it (辖区目录): lantian's shipped Jiangsu directory, the
office's own ``<data>/places.csv`` over it, and the places the stations' area maps name besides.

Every rule that asks "which place, and is it under that one" — access, targets, warnings
inheritance, rankings, hand-down — asks :meth:`PlaceService.directory` (or :meth:`ancestors`); the
directory is built once per version of its sources.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from lantian.config import Limits
from lantian.documents.read import decode_text
from lantian.domain.places import AreaMaps, Place, PlaceDirectory, format_places, parse_places
from lantian.domain.tracking.model import SYSTEM, Actor
from lantian.errors import InputError
from lantian.services.audit import AuditTrail

SHIPPED = "places.csv"


def shipped_places() -> list[Place]:
    text = resources.files("lantian.data").joinpath(SHIPPED).read_text(encoding="utf-8")
    return parse_places(text, name=SHIPPED)


class PlaceService:
    """``maps``: the stations' area maps (AirQualityService.area_maps), read when the directory is built;
    ``signature``: what changes when they change (the kept map files' versions)."""

    def __init__(self, path: Path, maps: Callable[[], AreaMaps], signature: Callable[[], Any],
                 audit: AuditTrail | None = None, limits: Limits | None = None) -> None:  # fmt: skip
        self.path = path
        self._maps = maps
        self._signature = signature
        self.audit = audit
        self.limits = limits or Limits()
        self._cache: tuple[Any, PlaceDirectory] | None = None
        self._shipped = PlaceDirectory(shipped_places())

    def _version(self) -> Any:
        try:
            stat = self.path.stat()
            own: Any = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            own = None
        return own, self._signature()

    def directory(self) -> PlaceDirectory:
        version = self._version()
        if self._cache is not None and self._cache[0] == version:
            return self._cache[1]
        directory = self._shipped
        if self.path.is_file():
            directory = directory.merged(parse_places(self.path.read_text(encoding="utf-8"), name=self.path.name))
        directory = directory.with_area_maps(self._maps())
        self._cache = (version, directory)
        return directory

    def ancestors(self, name: str) -> list[str]:
        """The places above ``name``, nearest first: what access rules and warnings inheritance read."""
        return self.directory().ancestors(name)

    def own_places(self) -> list[Place]:
        """The office's own rows (its ``places.csv``), [] when it keeps none."""
        if not self.path.is_file():
            return []
        return parse_places(self.path.read_text(encoding="utf-8"), name=self.path.name)

    def import_file(self, source: Path, actor: Actor = SYSTEM) -> list[Place]:
        """Check a place file (名称,级别,上级,类型,别名) and keep it as the office's directory, replacing
        the one kept before; nothing is written when a row is wrong. Each row's 上级 must be a place
        the directory (shipped, this file or the area maps) knows."""
        if not source.is_file():
            raise InputError(f"{source.name}: no such file (文件不存在)", file=source.name)
        size = source.stat().st_size
        if size > self.limits.upload_bytes:
            raise InputError(f"{source.name}: {size} bytes is more than a place directory may be "
                             f"(文件过大，上限{self.limits.upload_bytes}字节，LANTIAN_MAX_UPLOAD_MB)",
                             file=source.name)  # fmt: skip
        text, _ = decode_text(source.read_bytes(), name=source.name)
        rows = parse_places(text, name=source.name)
        merged = self._shipped.merged(rows).with_area_maps(self._maps())
        for place in rows:
            if place.parent and merged.find(place.parent) is None:
                raise InputError(
                    f"{source.name}: {place.name}: 上级 {place.parent} is not a known place "
                    f"(上级辖区“{place.parent}”不在辖区目录中)", file=source.name, field="上级",
                )  # fmt: skip
        before = len(self.own_places())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(format_places(rows), encoding="utf-8")
            with tmp.open("rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        self._cache = None
        if self.audit is not None:
            with self.audit.changing(actor) as (_, note):
                note("places.import", "places", source.name, {"rows": before}, {"rows": len(rows)})
        return rows
