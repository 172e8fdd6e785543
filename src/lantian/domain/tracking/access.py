"""Who may see and change what (权限): pure rules over an :class:`Actor` and a record's place.

- A **jurisdiction admin** (大气办) sees the plans of its place, of the places above it (the parent
  tasks it inherits, "按照省统一部署") and of the places below it; it changes the records of its own
  place: reviews, 督办, tickets.
- A **department user** sees the tasks that name its department and the records addressed to it,
  in its own place; it files progress, answers 督办 and reports 整改 for its department only.
- A **leader** (领导) sees what the admin of its place sees and changes nothing.
- The command line acts as :data:`~lantian.domain.tracking.model.SYSTEM`, an admin of every place.

``ancestors`` maps a place to the places above it, nearest first (南京市 → [江苏省]); the services
build it from the area maps (``lantian aq areas import``). Places compare by
:func:`~lantian.domain.targets.registry.place_key`, so 苏州市 and 苏州 are one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lantian.domain.targets.registry import place_key
from lantian.domain.tracking.model import Actor, UserRole
from lantian.errors import ForbiddenError

Ancestors = Callable[[str], list[str]]


def _same(a: str | None, b: str | None) -> bool:
    return place_key(a or "") == place_key(b or "")


def is_everywhere(actor: Actor) -> bool:
    return not actor.jurisdiction.strip()


def above(upper: str, lower: str, ancestors: Ancestors) -> bool:
    """``upper`` is one of the places above ``lower``."""
    return any(_same(upper, a) for a in ancestors(lower))


def sees_plan(actor: Actor, plan_place: str | None, ancestors: Ancestors) -> bool:
    """A plan without a place (a national plan) is inherited everywhere."""
    if is_everywhere(actor) or not (plan_place or "").strip():
        return True
    mine = actor.jurisdiction
    if _same(plan_place, mine) or above(plan_place or "", mine, ancestors):
        return True
    return actor.role is not UserRole.DEPARTMENT and above(mine, plan_place or "", ancestors)


def sees_task(actor: Actor, plan_place: str | None, departments: Iterable[str], ancestors: Ancestors) -> bool:
    if not sees_plan(actor, plan_place, ancestors):
        return False
    if actor.role is UserRole.DEPARTMENT:
        return actor.department is not None and actor.department in set(departments)
    return True


def sees_record(actor: Actor, place: str, department: str | None, ancestors: Ancestors) -> bool:
    """Reports, 督办 and tickets: one's own place and those below; a department only its own."""
    if is_everywhere(actor):
        return True
    if actor.role is UserRole.DEPARTMENT:
        return _same(place, actor.jurisdiction) and department is not None and department == actor.department
    return _same(place, actor.jurisdiction) or above(actor.jurisdiction, place, ancestors)


def require_admin(actor: Actor, place: str) -> None:
    """Only the admin of ``place`` (or the command line) changes its records."""
    if actor.role is not UserRole.ADMIN:
        raise ForbiddenError("only the 大气办 (jurisdiction admin) may do this (仅大气办管理员可操作)")
    if not is_everywhere(actor) and not _same(actor.jurisdiction, place):
        raise ForbiddenError(f"{place} is not your jurisdiction (非本辖区: {actor.jurisdiction})")


def require_department(actor: Actor, place: str, department: str | None) -> None:
    """A department acts for itself in its place; the place's admin may act for any department."""
    if actor.role is UserRole.ADMIN:
        require_admin(actor, place)
        return
    if actor.role is not UserRole.DEPARTMENT:
        raise ForbiddenError("this account is read-only (只读账号)")
    if not _same(actor.jurisdiction, place) or department != actor.department:
        raise ForbiddenError(f"this concerns {department or '—'}, not {actor.department} (非本部门事项)")


def require_writer(actor: Actor) -> None:
    if actor.role is UserRole.LEADER:
        raise ForbiddenError("this account is read-only (只读账号)")


@dataclass(frozen=True)
class Scope:
    """What an actor sees, as a query can ask for it: the places (as stored) and, for a department
    user, its department. For tasks (:func:`task_scope`) the places are the plans' and the department
    must be named on the task; for records (:func:`record_scope`) they are the records' own."""

    places: tuple[str | None, ...] | None  # None: every place
    department: str | None = None  # only what names or concerns this department


def task_scope(actor: Actor, plan_places: Iterable[str | None], ancestors: Ancestors) -> Scope:
    """The rule of :func:`sees_task`; ``plan_places`` are the places stored plans have (a handful)."""
    if actor.role is UserRole.DEPARTMENT and actor.department is None:
        return Scope(places=())
    department = actor.department if actor.role is UserRole.DEPARTMENT else None
    if is_everywhere(actor):
        return Scope(None, department)
    return Scope(tuple(p for p in plan_places if sees_plan(actor, p, ancestors)), department)


def record_scope(actor: Actor, record_places: Iterable[str], ancestors: Ancestors) -> Scope:
    """The rule of :func:`sees_record`; ``record_places`` are the places stored records have."""
    if is_everywhere(actor):
        return Scope(None)
    if actor.role is UserRole.DEPARTMENT and actor.department is None:
        return Scope(places=())
    department = actor.department if actor.role is UserRole.DEPARTMENT else None
    return Scope(tuple(p for p in record_places if sees_record(actor, p, department, ancestors)), department)
