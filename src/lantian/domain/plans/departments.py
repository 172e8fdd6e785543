"""Department names (部门名称): responsibility clauses → departments by role, normalised.

A responsibility clause (责任分工) is a list of segments, each a list of names followed by a role
phrase: ``市生态环境局牵头，市发改委、市工信局等配合``. Rules:

* role phrases: ``牵头`` → lead; ``配合`` / ``参与`` → cooperating; ``负责`` / ``按职责分工负责`` /
  ``落实`` → responsible. A segment without a role phrase takes the role of the next one
  (``各县级市（区）人民政府，苏州工业园区、太仓港口管委会负责落实``).
* ``以下均需X负责落实，不再列出`` names departments that are implicit in every later task.
* names are split on ``、`` outside brackets (``县（市、区）`` stays whole); ``等`` is dropped.
* the shared prefix: in ``市发改委、工信局、生态环境局`` the level prefix of the first name
  (省/市/区/县) carries to later names that are known department stems; a segment that starts
  without a prefix takes the plan's default (市 in a city or county-level-city plan, 区 in a
  district plan, 省 in a provincial plan). Units (苏州海关, 各街道, 交警开发区大队 …) are never
  prefixed.
* normalisation: prefix + the canonical form of the stem through the dictionary's aliases
  (发改委 = 发展改革委).
* kinds (:func:`department_kind`): a name is a real department (部门: 市生态环境局, 苏州海关), a
  level of government (属地: 各县级市（区）人民政府, 地方各级人民政府, 各街道, 苏州工业园区) or a
  collective (统称: 各有关部门, 市各成员单位). The responsibility matrix lists them apart and only
  real departments get accounts.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path

from lantian.domain.plans.model import Department, Role
from lantian.errors import ConfigError

PREFIXES = ("省", "市", "区", "县")
_ROLE_SUFFIXES: tuple[tuple[re.Pattern[str], Role], ...] = (
    (re.compile(r"(?:等)?(?:共同)?牵头$"), Role.LEAD),
    (re.compile(r"(?:等)?(?:按(?:照)?职责(?:分工)?)?(?:配合|参与)$"), Role.COOPERATING),
    (re.compile(r"(?:等)?(?:按(?:照)?职责(?:分工)?)?(?:负责落实|负责|落实)$"), Role.RESPONSIBLE),
)
_IMPLICIT = re.compile(r"以下均需(?P<names>.+?)(?:负责)?落实[，,]?\s*不再列出")
ROLE_WORDS = re.compile(r"牵头|配合|参与|负责|落实")


class DepartmentKind(StrEnum):
    DEPARTMENT = "department"  # 部门: a body that can be charged and can report (市生态环境局)
    LEVEL = "level"  # 属地: a level of government or an area's administration (各县级市（区）人民政府)
    COLLECTIVE = "collective"  # 统称: "every department concerned" (各有关部门, 各成员单位)


KIND_LABELS = {
    DepartmentKind.DEPARTMENT: "部门",
    DepartmentKind.LEVEL: "各级人民政府及管委会",
    DepartmentKind.COLLECTIVE: "统称",
}
KIND_ORDER = {DepartmentKind.DEPARTMENT: 0, DepartmentKind.LEVEL: 1, DepartmentKind.COLLECTIVE: 2}
# 统称 end with one of these (市各有关部门, 各成员单位, 县级以上人民政府确定的监督管理部门)
_COLLECTIVE_ENDS = ("有关部门", "相关部门", "成员单位", "有关单位", "相关单位", "监督管理部门", "职能部门")
# 属地: governments, their dispatched administrations and the areas that stand for them
_LEVEL = re.compile(r"人民政府|政府（管委会）|管委会$|园区$|^各(?:地|街道|乡镇|镇|区镇|县|市|区)")


def department_kind(name: str) -> DepartmentKind:
    """Whether a (normalised) name is a department, a level of government or a collective."""
    name = name.strip()
    if name.endswith(_COLLECTIVE_ENDS):
        return DepartmentKind.COLLECTIVE
    if _LEVEL.search(name):
        return DepartmentKind.LEVEL
    return DepartmentKind.DEPARTMENT


@dataclass
class DepartmentDictionary:
    """aliases: stem → canonical stem; units: used as written; stems: known canonical stems."""

    aliases: dict[str, str] = field(default_factory=dict)
    units: set[str] = field(default_factory=set)
    unit_starts: tuple[str, ...] = ()
    unit_ends: tuple[str, ...] = ()
    stems: set[str] = field(default_factory=set)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], *, name: str = "departments.toml") -> DepartmentDictionary:
        def table(key: str) -> Mapping[str, object]:
            value = data.get(key, {})
            if not isinstance(value, Mapping):
                raise ConfigError(f"[{key}] must be a table (应为表)", file=name, field=key)
            return value

        def strings(value: object, key: str) -> list[str]:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError("must be a list of strings (应为文字列表)", file=name, field=key)
            return [str(v) for v in value]

        aliases = {str(k): str(v) for k, v in table("aliases").items()}
        units = strings(table("units").get("names", []), "units.names")
        patterns = table("unit_patterns")
        starts = strings(patterns.get("starts", []), "unit_patterns.starts")
        ends = strings(patterns.get("ends", []), "unit_patterns.ends")
        stems = strings(table("stems").get("names", []), "stems.names")
        return cls(
            aliases=aliases,
            units=set(units),
            unit_starts=tuple(starts),
            unit_ends=tuple(ends),
            stems=set(stems) | set(aliases.values()),
        )

    @classmethod
    def load_default(cls) -> DepartmentDictionary:
        text = resources.files("lantian.data").joinpath("departments.toml").read_text("utf-8")
        return cls.from_mapping(tomllib.loads(text), name="departments.toml (lantian)")

    def merged_with(self, path: Path) -> DepartmentDictionary:
        """Add the user's dictionary file (same format) over this one; a missing file is fine."""
        if not path.exists():
            return self
        try:
            other = DepartmentDictionary.from_mapping(tomllib.loads(path.read_text("utf-8-sig")), name=str(path))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"not valid TOML (配置格式错误): {exc}", file=str(path)) from None
        except UnicodeDecodeError:
            raise ConfigError("must be UTF-8 text (应为UTF-8编码)", file=str(path)) from None
        return DepartmentDictionary(
            aliases={**self.aliases, **other.aliases},
            units=self.units | other.units,
            unit_starts=tuple(dict.fromkeys(self.unit_starts + other.unit_starts)),
            unit_ends=tuple(dict.fromkeys(self.unit_ends + other.unit_ends)),
            stems=self.stems | other.stems,
        )

    # -- names ---------------------------------------------------------------------------------
    def is_unit(self, name: str) -> bool:
        return name in self.units or name.startswith(self.unit_starts) or name.endswith(self.unit_ends)

    def canonical_stem(self, stem: str) -> str:
        return self.aliases.get(stem, stem)

    def is_stem(self, stem: str) -> bool:
        return self.canonical_stem(stem) in self.stems

    def split_prefix(self, name: str) -> tuple[str, str]:
        """``市发改委`` → (``市``, ``发改委``); ``市场监管局`` → (``""``, ``市场监管局``)."""
        if name[:1] in PREFIXES and len(name) > 2:
            rest = name[1:]
            if self.is_stem(rest) or not self.is_stem(name):
                return name[:1], rest
        return "", name

    def normalize(self, name: str) -> str:
        if self.is_unit(name):
            return name
        prefix, stem = self.split_prefix(name)
        return prefix + self.canonical_stem(stem)


@dataclass
class ClauseResult:
    departments: list[Department]
    implicit: list[Department]
    unresolved: list[str]  # names without any role phrase (flagged for review)


def split_names(text: str) -> list[str]:
    """Split on 、 (and ASCII/full-width commas handled by the caller) outside brackets."""
    out: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in text:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        if ch in "、" and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [n.strip() for n in out if n.strip()]


def split_segments(text: str) -> list[str]:
    out: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in text:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        if ch in "，,；;。" and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [s.strip() for s in out if s.strip()]


def _clean_name(name: str) -> str:
    name = name.strip().strip("“”\"' ")
    name = re.sub(r"等$", "", name)
    return name.strip()


def parse_clause(
    clause: str,
    dictionary: DepartmentDictionary,
    *,
    default_prefix: str = "",
    line: int = 0,
) -> ClauseResult:
    """Parse one responsibility clause (without its brackets) into departments by role."""
    text = clause.strip().strip("（）() ")
    implicit: list[Department] = []
    m = _IMPLICIT.search(text)
    explicit_text = text
    if m:
        explicit_text = (text[: m.start()] + text[m.end() :]).strip("，,。 ")
    departments: list[Department] = []
    unresolved: list[str] = []
    pending: list[str] = []
    for segment in split_segments(explicit_text):
        role: Role | None = None
        names_text = segment
        for pattern, candidate in _ROLE_SUFFIXES:
            hit = pattern.search(segment)
            if hit:
                role = candidate
                names_text = segment[: hit.start()]
                break
        if role is None and ROLE_WORDS.search(segment):
            # a role word inside the segment (按职责分工配合 with trailing words): best effort
            idx = ROLE_WORDS.search(segment)
            assert idx is not None
            word = idx.group(0)
            role = {"牵头": Role.LEAD, "配合": Role.COOPERATING, "参与": Role.COOPERATING}.get(word, Role.RESPONSIBLE)
            names_text = re.sub(r"(等)?(按(照)?职责(分工)?)?$", "", segment[: idx.start()])
        names = [n for n in (_clean_name(x) for x in split_names(names_text)) if n]
        if role is None:
            pending.extend(names)
            continue
        names = pending + names
        pending = []
        departments.extend(make_departments(names, role, dictionary, default_prefix, line, implicit=False))
    unresolved.extend(pending)
    if m:
        implicit_names = [n for n in (_clean_name(x) for x in split_names(m.group("names"))) if n]
        if implicit_names == ["各地"]:
            # "以下均需各地落实": 各地 are the units this clause charged with 落实
            local = [d.written for d in departments if d.role is Role.RESPONSIBLE and dictionary.is_unit(d.written)]
            implicit_names = local or implicit_names
        implicit = make_departments(implicit_names, Role.RESPONSIBLE, dictionary, default_prefix, line, implicit=True)
    return ClauseResult(departments=departments, implicit=implicit, unresolved=unresolved)


def make_departments(
    names: list[str],
    role: Role,
    dictionary: DepartmentDictionary,
    default_prefix: str,
    line: int,
    *,
    implicit: bool,
) -> list[Department]:
    """Departments of ``role`` from names as written: a name without a prefix takes the one of the
    name before it in the list, else ``default_prefix`` (市发改委、工信局 → 市工信局), then the dictionary."""
    out: list[Department] = []
    prefix = default_prefix
    for i, written in enumerate(names):
        full = written
        if dictionary.is_unit(written):
            pass
        else:
            own, stem = dictionary.split_prefix(written)
            if own:
                prefix = own
            elif prefix and (dictionary.is_stem(stem) or i > 0):
                full = prefix + written
        out.append(
            Department(
                name=full,
                normalized=dictionary.normalize(full),
                role=role,
                implicit=implicit,
                written=written,
                line=line,
            )
        )
    return out


# -- addressees (督办对象): who a 督办 or a ticket's 交办 may name -------------------------------------
# A task names real units (市交通运输局, 苏州海关), lower levels' governments (常熟市人民政府) and
# collective catch-alls (各有关部门, 各县级市（区）人民政府, 各地). A 督办 or 交办 goes to one body that
# answers for it: a real unit, or the government of one place below the office, never a catch-all.
_COLLECTIVE = re.compile(r"^[省市区县]?(?:各|地方各级|县级以上)|(?:有关|相关)(?:部门|单位)$|^有关方面$")
GOVERNMENT_SUFFIX = "人民政府"  # 人民政府: a place's government (常熟市 → 常熟市人民政府)


def is_collective(name: str) -> bool:
    """``各有关部门``, ``各县级市（区）人民政府``, ``有关部门``: many bodies at once, not one that answers."""
    return bool(_COLLECTIVE.search(name.strip()))


def government_of(place: str) -> str:
    """The government of a place below the office: 常熟市 → 常熟市人民政府."""
    return place if place.endswith(GOVERNMENT_SUFFIX) else place + GOVERNMENT_SUFFIX


def matching_names(typed: str, names: list[str], dictionary: DepartmentDictionary) -> list[str]:
    """The names among ``names`` that ``typed`` stands for, as a person types part of one: the name
    itself, its stem or an alias (发改委 → 市发展改革委), else any name that contains the text
    (交通 → 市交通运输局) or whose canonical stem an alias containing it leads to (发改 → 发改委 →
    市发展改革委). Exact readings win over partial ones."""
    typed = typed.strip()
    if not typed:
        return []
    normalized = dictionary.normalize(typed)
    exact = []
    for candidate in names:
        prefix, stem = dictionary.split_prefix(candidate)
        if (
            candidate in (typed, normalized)
            or typed in (stem, dictionary.canonical_stem(stem))
            or dictionary.normalize(prefix + typed) == candidate
        ):
            exact.append(candidate)
    if exact:
        return exact
    stems = {canonical for alias, canonical in dictionary.aliases.items() if typed in alias}
    partial = []
    for candidate in names:
        _, stem = dictionary.split_prefix(candidate)
        if typed in candidate or dictionary.canonical_stem(stem) in stems:
            partial.append(candidate)
    return partial
