"""Who may see and change what (权限): pure rules over an :class:`Actor` and a record's place.

- A **jurisdiction admin** (大气办) sees the plans of its place, of the places above it (the parent
  tasks it inherits, "按照省统一部署") and of the places below it; it changes the records of its own
  place: reviews, 督办, tickets.
- A **department user** sees the tasks that name its department and the records addressed to it,
  in its own place; it files progress, answers 督办 and reports 整改 for its department only.
- A **leader** (领导) sees what the admin of its place sees and changes nothing.
- The command line acts as :data:`~lantian.domain.tracking.model.SYSTEM`, an admin of every place.
- A plan whose place could not be read (no 辖区) stays with the **office** that imported it (the
  importer's jurisdiction, ``plans.office``) until its place is corrected: only that office (and
  the command line) sees it and reviews its flags. The model has no national level, so a placeless
  plan imported from the command line is seen by the command line and everywhere-admins only.
- Records are looked up by id only through these rules: every route or command that takes an id
  checks the object's place against the user's scope (a flag belongs to its plan's place).

``ancestors`` maps a place to the places above it, nearest first (南京市 → [江苏省]); the services
build it from the area maps (``lantian aq areas import``). Places compare by
:func:`~lantian.domain.targets.registry.place_key`, so 苏州市 and 苏州 are one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

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


def placeless(place: str | None) -> bool:
    return not (place or "").strip()


def sees_plan(actor: Actor, plan_place: str | None, ancestors: Ancestors, office: str | None = None) -> bool:
    """Its own place, the places above it (inherited tasks) and, but for a department, below it. A
    plan without a place is seen by the office that imported it (``office``; see the module)."""
    if is_everywhere(actor):
        return True
    mine = actor.jurisdiction
    if placeless(plan_place):
        return not placeless(office) and _same(office, mine)
    if _same(plan_place, mine) or above(plan_place or "", mine, ancestors):
        return True
    return actor.role is not UserRole.DEPARTMENT and above(mine, plan_place or "", ancestors)


def require_place(actor: Actor, place: str, ancestors: Ancestors) -> None:
    """A place's own records asked for by its name (a kept reduction list, readings against it): the
    places whose plans one sees (:func:`sees_plan`): one's own, those above and, but for a
    department, those below."""
    if not sees_plan(actor, place, ancestors):
        raise ForbiddenError(
            f"{place}非本辖区，也非上下级辖区（本账号辖区：{actor.jurisdiction}）(not a place you may read)"
        )


def sees_task(actor: Actor, plan_place: str | None, departments: Iterable[str], ancestors: Ancestors,
              office: str | None = None) -> bool:  # fmt: skip
    if not sees_plan(actor, plan_place, ancestors, office):
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
        raise ForbiddenError(
            f"{place or '未定辖区'}非本辖区（本账号辖区：{actor.jurisdiction}）({place} is not your jurisdiction)"
        )


def plan_office(plan_place: str | None, office: str | None) -> str:
    """The place whose admin reviews a plan: its own, else the office that imported it ('' : the
    command line's, which only an everywhere-admin administers)."""
    return (plan_place or "").strip() or (office or "").strip()


def require_plan_admin(actor: Actor, plan_place: str | None, office: str | None) -> None:
    """Only the admin of the plan's place (or of the importing office, for a placeless plan) reviews
    its flags and corrects it."""
    place = plan_office(plan_place, office)
    if place or actor.role is not UserRole.ADMIN:
        require_admin(actor, place)
    elif not is_everywhere(actor):
        raise ForbiddenError("this plan has no place yet and was imported from the command line; only the command "
                             "line may review it (该计划辖区未定，由命令行导入，仅可在命令行复核)")  # fmt: skip


def require_move(actor: Actor, old_place: str | None, new_place: str | None, office: str | None = None) -> None:
    """A correction that changes a plan's place stays within the actor's jurisdiction: an admin may
    not move a plan out of, or into, a place it does not administer (a placeless plan is its
    importing ``office``'s)."""
    if _same(old_place, new_place) or is_everywhere(actor):
        return
    for place in (plan_office(old_place, office), plan_office(new_place, office)):
        if placeless(place) or not _same(actor.jurisdiction, place):
            raise ForbiddenError(
                "a plan may not be moved out of or into a place you do not administer "
                f"(不得将计划辖区由{old_place or '未定'}改为{new_place or '未定'}：{place or '未定辖区'}非本辖区，"
                f"本账号辖区为{actor.jurisdiction})"
            )


def require_import(actor: Actor, plan_place: str | None, ancestors: Ancestors) -> None:
    """A 大气办 imports the plans of its own place and of the places below it; a plan of a place above
    it or beside it is that office's to import (a lower place inherits its parents' plans without
    importing them, :func:`sees_plan`). A plan whose place could not be read stays with its importer."""
    if is_everywhere(actor) or placeless(plan_place):
        return
    if actor.role is not UserRole.ADMIN:
        raise ForbiddenError("仅大气办管理员可导入计划 (only the 大气办 may import plans)")
    if _same(plan_place, actor.jurisdiction) or above(actor.jurisdiction, plan_place or "", ancestors):
        return
    raise ForbiddenError(
        f"a plan of {plan_place} is imported by its own office or one above it "
        f"(计划辖区{plan_place}非本辖区或下级，应由该辖区大气办导入；本账号辖区为{actor.jurisdiction})"
    )


def require_department(actor: Actor, place: str, department: str | None) -> None:
    """A department acts for itself in its place; the place's admin may act for any department."""
    if actor.role is UserRole.ADMIN:
        require_admin(actor, place)
        return
    if actor.role is not UserRole.DEPARTMENT:
        raise ForbiddenError("this account is read-only (只读账号)")
    if not _same(actor.jurisdiction, place) or department != actor.department:
        raise ForbiddenError(f"this concerns {department or '—'}, not {actor.department} (非本部门事项)")


def administers_accounts(actor: Actor, place: str, ancestors: Ancestors) -> bool:
    """账号管理: an admin manages the accounts of its own place and of the places below it, never
    those of a place above it or beside it (the command line: every account)."""
    if actor.role is not UserRole.ADMIN:
        return False
    return is_everywhere(actor) or _same(actor.jurisdiction, place) or above(actor.jurisdiction, place, ancestors)


def require_account_admin(actor: Actor, place: str, ancestors: Ancestors) -> None:
    if actor.role is not UserRole.ADMIN:
        raise ForbiddenError("only the 大气办 (jurisdiction admin) manages accounts (仅大气办管理员可管理账号)")
    if not administers_accounts(actor, place, ancestors):
        raise ForbiddenError(
            f"{place or '未定辖区'}的账号非本辖区或下级辖区（本账号辖区：{actor.jurisdiction}）"
            f"(the accounts of {place} are not yours to manage)"
        )


def require_writer(actor: Actor) -> None:
    if actor.role is UserRole.LEADER:
        raise ForbiddenError("this account is read-only (只读账号)")


PLACE_ENTITIES = ("warning", "reduction_list")  # audited under their place: the entry's id is the place


def entry_places(entity: str, entity_id: str, before: Any, after: Any, places: Iterable[str | None] = ()) -> list[str]:
    """The places an audit entry concerns, by which the log is shown (:func:`record_scope`): those
    the change named, the ``jurisdiction`` of the record before and after it, and the place of a
    warning or a reduction list. An entry with none is shown to everywhere-admins only."""
    found = [p for p in places if p]
    for state in (before, after):
        if isinstance(state, dict) and isinstance(state.get("jurisdiction"), str):
            found.append(state["jurisdiction"])
    if entity in PLACE_ENTITIES:
        found.append(entity_id)
    return sorted({p.strip() for p in found if p.strip()})


@dataclass(frozen=True)
class Scope:
    """What an actor sees, as a query can ask for it: the places (as stored) and, for a department
    user, its department. For tasks (:func:`task_scope`) the places are the plans' and the department
    must be named on the task; for records (:func:`record_scope`) they are the records' own."""

    places: tuple[str | None, ...] | None  # None: every place
    department: str | None = None  # only what names or concerns this department
    offices: tuple[str, ...] = ()  # tasks: also the placeless plans these offices imported


def task_scope(actor: Actor, plan_places: Iterable[tuple[str | None, str | None]], ancestors: Ancestors) -> Scope:
    """The rule of :func:`sees_task`; ``plan_places`` are the (place, office) pairs stored plans have
    (a handful)."""
    if actor.role is UserRole.DEPARTMENT and actor.department is None:
        return Scope(places=())
    department = actor.department if actor.role is UserRole.DEPARTMENT else None
    if is_everywhere(actor):
        return Scope(None, department)
    pairs = list(plan_places)
    places = dict.fromkeys(p for p, _ in pairs if not placeless(p) and sees_plan(actor, p, ancestors))
    offices = dict.fromkeys(str(o) for p, o in pairs if placeless(p) and sees_plan(actor, p, ancestors, o))
    return Scope(tuple(places), department, tuple(offices))


def duty_scope(actor: Actor, plan_places: Iterable[tuple[str | None, str | None]], ancestors: Ancestors) -> Scope:
    """The tasks an office answers for (本级承担), by which its overdue figures count (工作台 逾期任务、调度未报):
    those of :func:`task_scope` less the plans of the places above it. A city sees its province's plan
    (inherited, "按照省统一部署") but the province's office answers for that plan's tasks, whoever they
    name — 省生态环境厅, or 地方各级人民政府 as a whole — and counts them on its own dashboard; the
    city answers for its own plans and (an admin or leader) those of the places below it, which it
    oversees. docs/user-guide.md ("工作台的数字")."""
    seen = task_scope(actor, plan_places, ancestors)
    if seen.places is None or is_everywhere(actor):
        return seen
    mine = actor.jurisdiction
    places = tuple(p for p in seen.places if p is None or not above(p, mine, ancestors))
    return Scope(places, seen.department, seen.offices)


def record_scope(actor: Actor, record_places: Iterable[str], ancestors: Ancestors) -> Scope:
    """The rule of :func:`sees_record`; ``record_places`` are the places stored records have."""
    if is_everywhere(actor):
        return Scope(None)
    if actor.role is UserRole.DEPARTMENT and actor.department is None:
        return Scope(places=())
    department = actor.department if actor.role is UserRole.DEPARTMENT else None
    return Scope(tuple(p for p in record_places if sees_record(actor, p, department, ancestors)), department)


def target_parents(place: str, ancestors: Ancestors) -> list[str]:
    """The places above a target's place: a county target named under its city (苏州市·昆山, the
    annexes' way: accountability.cascade) has that city and the city's own above it."""
    if "·" in place:
        city = place.split("·", 1)[0].strip()
        return [city, *ancestors(city)]
    return ancestors(place)


def sees_targets(actor: Actor, place: str, ancestors: Ancestors) -> bool:
    """目标 pages: a place's targets are read by its own users and by the admins and leaders of the
    places above it (a city's office reads its counties'); a department reads its own place's only."""
    if is_everywhere(actor) or _same(place, actor.jurisdiction):
        return True
    below = any(_same(actor.jurisdiction, a) for a in target_parents(place, ancestors))
    return actor.role is not UserRole.DEPARTMENT and below


def require_targets(actor: Actor, place: str, ancestors: Ancestors) -> None:
    if not sees_targets(actor, place, ancestors):
        raise ForbiddenError(
            f"{place}的目标非本辖区或下级辖区（本账号辖区：{actor.jurisdiction}）"
            "(not a place whose targets you may read)"
        )


def require_target_admin(actor: Actor, place: str, ancestors: Ancestors) -> None:
    """登记目标: the 大气办 of the place or of a place above it (a city sets its counties' targets)."""
    if actor.role is not UserRole.ADMIN:
        raise ForbiddenError("only the 大气办 (jurisdiction admin) sets targets (仅大气办管理员可登记目标)")
    if is_everywhere(actor) or _same(place, actor.jurisdiction):
        return
    if place.strip() and any(_same(actor.jurisdiction, a) for a in target_parents(place, ancestors)):
        return
    raise ForbiddenError(
        f"{place or '未定辖区'}非本辖区或下级辖区，不能登记其目标（本账号辖区：{actor.jurisdiction}）"
        f"(the targets of {place} are set by its own office or one above it)"
    )


def require_settlement_reader(actor: Actor, office: str, ancestors: Ancestors) -> None:
    """An office's compensation settlement (生态补偿结算, over the places under it): read by the users of
    that place — its 大气办, leaders and departments — and by the 大气办 and leaders of the places
    above it; never by a sibling, a department of a place above, or a place below it."""
    if is_everywhere(actor) or _same(office, actor.jurisdiction):
        return
    if actor.role is not UserRole.DEPARTMENT and above(actor.jurisdiction, office, ancestors):
        return
    raise ForbiddenError(
        f"{office or '全部辖区'}的生态补偿结算非本辖区可查看（本账号辖区：{actor.jurisdiction}）"
        "(not a place you may read)"
    )
