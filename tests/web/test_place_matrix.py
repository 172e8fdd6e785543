"""Authorisation by place: every route that takes an id × every role × an object of the user's own
place, its parent, a sibling and a child. The expected statuses are written once, in ``MATRIX``;
a new route that takes an id without a row there fails the test.

The users are 苏州市's (conftest: the 大气办, 市生态环境局, 市交通运输局, a leader); the places are
江苏省 ⊃ 苏州市 ⊃ 昆山市 and 南京市 beside 苏州市, as the area maps (``aq areas import``) say.
Every object concerns 市生态环境局 (the task names it, the records are addressed to it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.domain.plans.corrections import Correction
from lantian.domain.plans.model import TaskStatus
from lantian.domain.plans.records import FlagStatus
from lantian.domain.tracking.model import SYSTEM, Actor, TicketSource, UserRole
from lantian.domain.tracking.workflow import TicketAction
from lantian.services.accountability import load_rules
from lantian.services.clock import beijing
from tests.web.conftest import ENV, PASSWORD, PDF, list_template
from tests.web.flagging import LADDER, with_flags
from tests.web.test_permissions import ACTION, READINGS, routes

ROLES = ("admin", "dept", "other", "leader")
PLACES = {"own": "苏州市", "parent": "江苏省", "sibling": "南京市", "child": "昆山市"}
ORDER = tuple(PLACES)  # the columns of MATRIX

# route → role → the status for an object of the (own, parent, sibling, child) place
TASK_READ = {"admin": (200, 200, 403, 200), "dept": (200, 200, 403, 403), "other": (403,) * 4,
             "leader": (200, 200, 403, 200)}  # fmt: skip
RECORD_READ = {"admin": (200, 403, 403, 200), "dept": (200, 403, 403, 403), "other": (403,) * 4,
               "leader": (200, 403, 403, 200)}  # fmt: skip
OWN_ADMIN = {"admin": (200, 403, 403, 403), "dept": (403,) * 4, "other": (403,) * 4, "leader": (403,) * 4}
OWN_OWNER = {"admin": (200, 403, 403, 403), "dept": (200, 403, 403, 403), "other": (403,) * 4, "leader": (403,) * 4}
# filing progress: on a task one sees (the report is the filer's own place's); the 大气办 for its departments
PROGRESS = {"admin": (200, 200, 403, 200), "dept": (200, 200, 403, 403), "other": (403,) * 4, "leader": (403,) * 4}
# a place's own records asked for by its name (a kept reduction list): one's own place, those above and,
# but for a department, those below
PLACE_READ = {"admin": (200, 200, 403, 200), "dept": (200, 200, 403, 403), "other": (200, 200, 403, 403),
              "leader": (200, 200, 403, 200)}  # fmt: skip
NOTICE_TASKS = {"admin": (200, 200, 403, 200), "dept": (403,) * 4, "other": (403,) * 4, "leader": (403,) * 4}
# a place's scorecard (考核评分): every role reads its own place's and those below it, never above or beside
CARD = {role: (200, 403, 403, 200) for role in ROLES}
# accounts (账号管理): the 大气办 manages its own place's and those below it, not a parent's or a sibling's
RANKINGS = {role: (200, 403, 403, 200) for role in ("admin", "dept", "other", "leader")}
ACCOUNTS = {"admin": (200, 403, 403, 200), "dept": (403,) * 4, "other": (403,) * 4, "leader": (403,) * 4}
# 目标: a place's targets are read by its own users and the admins and leaders above it (a department:
# its own place's only); the 大气办 of the place or above sets them
TARGETS_READ = {"admin": (200, 403, 403, 200), "dept": (200, 403, 403, 403), "other": (200, 403, 403, 403),
                "leader": (200, 403, 403, 200)}  # fmt: skip
TARGET_SET = ACCOUNTS
# 问责: a place's flags and actions are read by every account of it or of a place above it; its
# actions are recorded by the 大气办 of it or of a place above it
FLAG_READ = dict.fromkeys(ROLES, (200, 403, 403, 200))
FLAG_RECORD = {"admin": (200, 403, 403, 200), "dept": (403,) * 4, "other": (403,) * 4, "leader": (403,) * 4}

# 生态补偿 (web/compensation.py): the settlement of the places under ``place``, read by that place's users
# and by the 大气办 and leaders above it; confirmed by its own 大气办. The store has no air-quality data,
# so a read the rule allows finds nothing: the page says so (200), the API and the download answer 404
COMP_PAGE = {"admin": (200, 403, 403, 200), "dept": (200, 403, 403, 403), "other": (200, 403, 403, 403),
             "leader": (200, 403, 403, 200)}  # fmt: skip
COMP_DATA = {role: tuple(404 if s == 200 else s for s in row) for role, row in COMP_PAGE.items()}
COMP_CONFIRM = {role: tuple(404 if s == 200 else s for s in row) for role, row in OWN_ADMIN.items()}


def page(statuses: dict[str, tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
    """The same, as a form page answers: a redirect (303) where the API answers 200."""
    return {role: tuple(303 if s == 200 else s for s in row) for role, row in statuses.items()}


MATRIX: dict[tuple[str, str], dict[str, tuple[int, ...]]] = {
    ("GET", "/api/v1/tasks/{task_id}"): TASK_READ,
    ("POST", "/api/v1/tasks/{task_id}/progress"): PROGRESS,
    ("GET", "/api/v1/progress/{report_id}"): RECORD_READ,
    ("POST", "/api/v1/progress/{report_id}/review"): OWN_ADMIN,
    ("GET", "/api/v1/evidence/{evidence_id}"): RECORD_READ,
    ("POST", "/api/v1/notices"): NOTICE_TASKS,  # the tasks it names (task_ids)
    ("GET", "/api/v1/notices/{notice_id}"): RECORD_READ,
    ("POST", "/api/v1/notices/{notice_id}/answer"): OWN_OWNER,
    ("POST", "/api/v1/notices/{notice_id}/close"): OWN_ADMIN,
    ("GET", "/api/v1/tickets/{ticket_id}"): RECORD_READ,
    ("POST", "/api/v1/tickets/{ticket_id}/steps"): OWN_OWNER,
    ("POST", "/api/v1/flags/{flag_id}"): OWN_ADMIN,
    ("GET", "/tasks/{task_id}"): TASK_READ,
    ("POST", "/tasks/{task_id}/progress"): page(PROGRESS),
    ("POST", "/progress/{report_id}/review"): page(OWN_ADMIN),
    ("POST", "/notices"): page(NOTICE_TASKS),
    ("GET", "/notices/{notice_id}"): RECORD_READ,
    ("POST", "/notices/{notice_id}/answer"): page(OWN_OWNER),
    ("POST", "/notices/{notice_id}/close"): page(OWN_ADMIN),
    ("GET", "/tickets/{ticket_id}"): RECORD_READ,
    ("POST", "/tickets/{ticket_id}/steps"): page(OWN_OWNER),
    ("POST", "/flags/{flag_id}"): page(OWN_ADMIN),
    # the place named by a jurisdiction parameter
    ("GET", "/api/v1/reduction-list"): PLACE_READ,
    ("POST", "/api/v1/warnings/readings"): PLACE_READ,
    ("GET", "/reduction-list"): PLACE_READ,
    ("POST", "/warnings/readings"): PLACE_READ,
    # the plan named by its key (修订对比): read as its place's plans are
    ("GET", "/api/v1/plans/diff"): PLACE_READ,
    ("GET", "/plans/diff"): PLACE_READ,
    # 排名通报: the places under one's own place or under a place below it, never a parent's or a sibling's
    ("GET", "/api/v1/rankings"): RANKINGS,
    ("GET", "/rankings"): RANKINGS,
    ("GET", "/api/v1/users/{username}"): ACCOUNTS,
    ("PATCH", "/api/v1/users/{username}"): ACCOUNTS,
    ("POST", "/api/v1/users/{username}/password"): ACCOUNTS,
    ("POST", "/api/v1/users/{username}/active"): ACCOUNTS,
    ("GET", "/users/{username}"): ACCOUNTS,
    ("POST", "/users/{username}"): page(ACCOUNTS),
    ("POST", "/users/{username}/password"): page(ACCOUNTS),
    ("POST", "/users/{username}/active"): page(ACCOUNTS),
    ("GET", "/targets/{place}"): TARGETS_READ,
    ("GET", "/api/v1/targets/{place}"): TARGETS_READ,
    ("GET", "/targets"): TARGETS_READ,  # ?place=
    ("GET", "/api/v1/targets"): TARGETS_READ,
    ("POST", "/targets"): page(TARGET_SET),  # the place in the form
    ("POST", "/api/v1/targets"): TARGET_SET,
    ("GET", "/api/v1/accountability/actions/{action_id}"): FLAG_READ,
    ("GET", "/accountability/actions/{action_id}/files/{file_id}"): FLAG_READ,
    ("POST", "/api/v1/accountability/actions"): FLAG_RECORD,  # the flagged place in the body
    ("POST", "/accountability/actions"): page(FLAG_RECORD),
    ("GET", "/api/v1/scorecards/{place}"): CARD,
    ("GET", "/scorecards/{place}"): CARD,
    ("GET", "/compensation"): COMP_PAGE,
    ("GET", "/compensation.xlsx"): COMP_DATA,
    ("POST", "/compensation/confirm"): COMP_CONFIRM,
    ("GET", "/api/v1/compensation"): COMP_DATA,
    ("POST", "/api/v1/compensation/confirm"): COMP_CONFIRM,
    # 调度频次: set by the admin of the plan's own place only (not a province's over its cities)
    ("PUT", "/api/v1/tasks/{task_id}/rhythm"): OWN_ADMIN,
    ("POST", "/tasks/{task_id}/rhythm"): page(OWN_ADMIN),
    ("PUT", "/api/v1/plans/rhythm"): OWN_ADMIN,  # the plan by its key, in the body
    ("POST", "/plans/rhythm"): page(OWN_ADMIN),
}
# a language code, not a record; a complaint's tracking code, whose holder is the reporter: no
# place to check, its lookups are tested in test_public.py (not guessable, only public steps); a
# download of the user's own check (another's is unknown: 404, tests/web/test_exports_web.py)
NOT_AN_OBJECT = {("GET", "/lang/{code}"), ("GET", "/api/v1/public/reports/{code}"),
                 ("GET", "/reduction-lists/check/{token}.xlsx")}  # fmt: skip
# a published bulletin's files: published for anyone to read (tests/web/test_bulletins_web.py)
NOT_AN_OBJECT |= {("GET", "/public/bulletins/{bulletin_id}.docx"), ("GET", "/public/bulletins/{bulletin_id}.pdf")}
BODY_IDS = {("POST", "/api/v1/notices"), ("POST", "/notices")}  # ids in the body: task_ids
# routes that read a place's own records by its name (the place is the object; every other
# jurisdiction parameter reads what is public: warnings, the national rules, air quality)
BY_PLAN = {("GET", "/api/v1/plans/diff"), ("GET", "/plans/diff"),  # a plan key in the query, or the body
           ("PUT", "/api/v1/plans/rhythm"), ("POST", "/plans/rhythm")}  # fmt: skip
BY_PLACE = {("GET", "/api/v1/reduction-list"), ("POST", "/api/v1/warnings/readings"), ("GET", "/reduction-list"),
            ("POST", "/warnings/readings"), ("GET", "/targets"), ("GET", "/api/v1/targets"), ("POST", "/targets"),
            ("POST", "/api/v1/targets"), ("POST", "/api/v1/accountability/actions"),
            ("POST", "/accountability/actions"), ("GET", "/api/v1/rankings"), ("GET", "/rankings")}  # fmt: skip
BY_PLACE |= {("GET", "/api/v1/scorecards/{place}"), ("GET", "/scorecards/{place}")}  # a place's scorecard
BY_PLACE |= {("GET", "/compensation"), ("GET", "/compensation.xlsx"), ("POST", "/compensation/confirm"),
             ("GET", "/api/v1/compensation"), ("POST", "/api/v1/compensation/confirm")}  # fmt: skip


def request(key: tuple[str, str], v: dict[str, Any]) -> dict[str, Any]:
    """The arguments of a call that succeeds for a role allowed to make it."""
    due = "2099-01-01"
    return {
        ("POST", "/api/v1/tasks/{task_id}/progress"): {
            "data": {"period": v.get("period"), "status": "in_progress", "narrative": "x", "department": ENV}
        },
        ("POST", "/api/v1/progress/{report_id}/review"): {"json": {"accept": True, "version": 1}},
        ("POST", "/api/v1/notices"): {
            "json": {"department": ENV, "subject": "s", "body": "b", "due": due, "task_ids": [v.get("task_id", 0)]}
        },
        ("POST", "/api/v1/notices/{notice_id}/answer"): {"data": {"answer": "a", "version": "1"}},
        ("POST", "/api/v1/notices/{notice_id}/close"): {"json": {"version": 2}},
        ("POST", "/api/v1/tickets/{ticket_id}/steps"): {"data": {"action": "rectify", "version": "2", "note": "x"}},
        ("POST", "/api/v1/flags/{flag_id}"): {"json": {"status": "confirmed"}},
        ("POST", "/tasks/{task_id}/progress"): {
            "data": {"period": v.get("period"), "status": "in_progress", "narrative": "x", "department": ENV}
        },
        ("POST", "/progress/{report_id}/review"): {"data": {"decision": "accept", "version": "1"}},
        ("POST", "/notices"): {
            "data": {"department": ENV, "subject": "s", "body": "b", "due": due, "task_ids": str(v.get("task_id", 0))}
        },
        ("POST", "/notices/{notice_id}/answer"): {"data": {"answer": "a", "version": "1"}},
        ("POST", "/notices/{notice_id}/close"): {"data": {"version": "2"}},
        ("POST", "/tickets/{ticket_id}/steps"): {"data": {"action": "rectify", "version": "2", "note": "x"}},
        ("POST", "/flags/{flag_id}"): {"data": {"status": "confirmed"}},
        ("GET", "/api/v1/reduction-list"): {"params": {"jurisdiction": v.get("place")}},
        ("GET", "/reduction-list"): {"params": {"jurisdiction": v.get("place")}},
        ("GET", "/api/v1/rankings"): {"params": {"place": v.get("place")}},
        ("GET", "/rankings"): {"params": {"place": v.get("place")}},
        ("GET", "/api/v1/plans/diff"): {"params": {"plan": v.get("plan")}},
        ("GET", "/plans/diff"): {"params": {"plan": v.get("plan")}},
        ("POST", "/api/v1/warnings/readings"): {"data": {"jurisdiction": v.get("place")}, "files": {"file": READINGS}},
        ("POST", "/warnings/readings"): {"data": {"jurisdiction": v.get("place")}, "files": {"file": READINGS}},
        ("GET", "/compensation"): {"params": {"place": v.get("place"), "period": "2025-01"}},
        ("GET", "/compensation.xlsx"): {"params": {"place": v.get("place"), "period": "2025-01"}},
        ("POST", "/compensation/confirm"): {"data": {"place": v.get("place"), "period": "2025-01"}},
        ("GET", "/api/v1/compensation"): {"params": {"place": v.get("place"), "period": "2025-01"}},
        ("POST", "/api/v1/compensation/confirm"): {"json": {"place": v.get("place"), "period": "2025-01"}},
        ("PATCH", "/api/v1/users/{username}"): {"json": {"display_name": "书记员"}},
        ("POST", "/api/v1/users/{username}/password"): {"json": {"password": "another-long-one"}},
        ("POST", "/api/v1/users/{username}/active"): {"json": {"active": False}},
        ("POST", "/users/{username}"): {"data": {"display_name": "书记员", "role": "leader"}},
        ("POST", "/users/{username}/password"): {"data": {"password": "another-long-one"}},
        ("POST", "/users/{username}/active"): {"data": {"active": "0"}},
        ("GET", "/targets"): {"params": {"place": v.get("place")}},
        ("GET", "/api/v1/targets"): {"params": {"place": v.get("place")}},
        ("POST", "/targets"): {
            "data": {"jurisdiction": v.get("place"), "indicator": "pm25", "year": "2026", "value": "30"}
        },
        ("POST", "/api/v1/targets"): {
            "json": {"jurisdiction": v.get("place"), "indicator": "pm25", "year": 2026, "value": 30}
        },
        ("POST", "/api/v1/accountability/actions"): {
            "data": {"place": v.get("place"), "rule": LADDER, "period": "2025-01", **ACTION}
        },
        ("POST", "/accountability/actions"): {"data": {"flag": f"2025-01|{v.get('place')}|{LADDER}", **ACTION}},
        ("PUT", "/api/v1/tasks/{task_id}/rhythm"): {"json": {"rhythm": "weekly"}},
        ("POST", "/tasks/{task_id}/rhythm"): {"data": {"rhythm": "quarterly"}},
        ("PUT", "/api/v1/plans/rhythm"): {"json": {"plan": v.get("plan"), "rhythm": "weekly"}},
        ("POST", "/plans/rhythm"): {"data": {"plan": v.get("plan"), "rhythm": "monthly"}},
    }.get(key, {})


def with_places(app: App, folder: Path) -> None:
    """江苏省 ⊃ 苏州市 ⊃ 昆山市, 南京市 ⊂ 江苏省: an area map, a county map and a station list."""
    folder.mkdir()
    (folder / "areas.csv").write_text("城市,省级行政区\n苏州市,江苏省\n南京市,江苏省\n", encoding="utf-8")
    (folder / "counties.csv").write_text("监测点编码,区县\n9001A,昆山市\n", encoding="utf-8")
    (folder / "stations.csv").write_text(
        "监测点编码,监测点名称,城市,经度,纬度\n9001A,昆山站,苏州,120.95,31.38\n9002A,南京站,南京,118.78,32.04\n",
        encoding="utf-8",
    )
    app.airquality.import_station_lists([folder / "stations.csv"], valid_from=dt.date(2020, 1, 1))
    app.airquality.import_area_map(folder / "areas.csv")
    app.airquality.import_county_map(folder / "counties.csv")


class Objects:
    """Records of each place, made as that place's own users would make them (fresh ones for the
    calls that change them)."""

    def __init__(self, app: App, folder: Path) -> None:
        self.app, self.folder, self.made = app, folder, 0
        self.plans: dict[str, dict[str, Any]] = {}  # place → its plan's task and flag

    def make(self, place: str, wanted: str = "task_id report_id evidence_id notice_id ticket_id flag_id username "
             "action_id",
             *, answered: bool = False) -> dict[str, Any]:  # fmt: skip
        """The ``wanted`` records of ``place`` (its plan's task and flag; a report of a month of its
        own, and ``period``, a month not yet reported; a notice answered by the department when
        ``answered``)."""
        app, out = self.app, dict[str, Any]()
        admin = Actor(f"admin-{place}", UserRole.ADMIN, place)
        dept = Actor(f"dept-{place}", UserRole.DEPARTMENT, place, ENV)
        if place not in self.plans:
            plan = self.folder / f"plan-{len(self.plans)}.txt"
            plan.write_text(f"{place}测试计划\n一、任务\n1. 测试任务。（市生态环境局负责）\n", encoding="utf-8")
            (outcome,) = app.plans.import_files([plan], overrides={"jurisdiction": place}).outcomes
            (task,) = [r.id for r, _ in app.workflow.visible_tasks(admin) if r.plan_key == outcome.key]
            self.plans[place] = {"task_id": task, "flag_id": app.plans.review(outcome.key)[0].id, "plan": outcome.key}
        out.update(self.plans[place])
        out["place"] = place  # the 目标 pages take the place itself
        self.made += 2  # months: one for a report made here, one for the call to file
        out["period"] = f"{2000 + self.made // 12}-{self.made % 12 + 1:02d}"
        if {"report_id", "evidence_id"} & set(wanted.split()):
            month = f"{2000 + (self.made - 1) // 12}-{(self.made - 1) % 12 + 1:02d}"
            report = app.workflow.submit_progress(dept, out["task_id"], period=month, narrative="进展",
                                                  status=TaskStatus.IN_PROGRESS, files=[("a.pdf", PDF)])  # fmt: skip
            out["report_id"], out["evidence_id"] = report.id, report.evidence[0].id
        if "notice_id" in wanted:
            notice = app.workflow.issue_notice(admin, department=ENV, subject="s", body="b",
                                               due=app.workflow.today() + dt.timedelta(days=3))  # fmt: skip
            if answered:
                notice = app.workflow.answer_notice(dept, notice.id, answer="已办", version=notice.version)
            out["notice_id"] = notice.id
        if "username" in wanted:  # an account of the place (a leader's: no department to pick)
            out["username"] = app.accounts.add(f"user{self.made}", PASSWORD, UserRole.LEADER, place).username
        if "action_id" in wanted:  # an action on the place's flag (tests/web/flagging.py), with a file
            action = app.actions.record(admin, load_rules(), office=place, place=place, kind="警示", on="2025-02-03",
                                        unit=f"{place}大气办", document="d", rule=LADDER, period="2025-01",
                                        files=[("a.pdf", PDF)])  # fmt: skip
            out["action_id"], out["file_id"] = action.id, action.evidence[0].id
        if "ticket_id" in wanted:
            ticket = app.workflow.open_ticket(admin, source=TicketSource.INSPECTION, title="t", description="d")
            ticket = app.workflow.ticket_step(admin, ticket.id, TicketAction.ASSIGN, version=1, department=ENV,
                                              due=dt.date(2099, 1, 1))  # fmt: skip
            out["ticket_id"] = ticket.id
        return out


@pytest.fixture
def objects(lantian: App, tmp_path: Path) -> Iterator[Objects]:
    with_places(lantian, tmp_path / "areas")
    with_flags(lantian)
    yield Objects(lantian, tmp_path)


def id_routes(app: App) -> set[tuple[str, str]]:
    return {(m, p) for m, p in routes(app) if "{" in p and (m, p) not in NOT_AN_OBJECT} | BODY_IDS | BY_PLACE | BY_PLAN


def test_every_route_that_takes_an_id_has_a_row(lantian: App) -> None:
    assert id_routes(lantian) == set(MATRIX)
    assert all(set(row) == set(ROLES) and all(len(s) == len(PLACES) for s in row.values()) for row in MATRIX.values())


def test_every_id_route_for_every_role_and_place(
    client: Callable[[str | None], TestClient], lantian: App, objects: Objects
) -> None:
    clients = {name: client(name) for name in ROLES}
    shared = {name: objects.make(place) for name, place in PLACES.items()}  # for the calls that only read
    for place in PLACES.values():  # each place's reduction list in force
        kept = objects.folder / f"{place}.xlsx"
        kept.write_bytes(list_template())
        lantian.reduction.import_list(kept, place)
        lantian.warnings.record(place, "yellow", beijing(dt.datetime(2024, 1, 5, tzinfo=dt.UTC)), f"{place}指挥部")
    failures = []
    for (method, path), row in MATRIX.items():
        for role in ROLES:
            for column, expected in zip(ORDER, row[role], strict=True):
                wanted = " ".join(re.findall(r"\{(\w+)\}", path)) or "task_id"  # BODY_IDS: a task
                values: dict[str, Any]
                if (method, path) in BY_PLACE:
                    values = {"place": PLACES[column]}
                elif method == "GET":
                    values = shared[column]
                else:
                    values = objects.make(PLACES[column], wanted, answered=path.endswith("/close"))
                url = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)  # noqa: B023
                kwargs = request((method, path), values)
                c = clients[role]
                if method == "POST" and not path.startswith("/api/"):
                    kwargs = {**kwargs, "data": {**kwargs.get("data", {}), "csrf_token": c.headers["X-CSRF-Token"]}}
                response = c.request(method, url, **kwargs)
                if response.status_code != expected:
                    failures.append(f"{method} {path} as {role}, {column} ({PLACES[column]}): "
                                    f"{response.status_code}, expected {expected}: {response.text[:160]}")  # fmt: skip
    assert not failures, "\n".join(failures)


def test_a_refusal_names_the_place_in_chinese(client: Callable[[str | None], TestClient], objects: Objects) -> None:
    other_city = objects.make("南京市")
    r = client("admin").post(f"/api/v1/flags/{other_city['flag_id']}", json={"status": "confirmed"})
    assert r.status_code == 403
    assert "非本辖区" in r.json()["error"]["message"]


def test_a_flag_of_another_place_is_neither_listed_nor_changed(
    client: Callable[[str | None], TestClient], lantian: App, objects: Objects
) -> None:
    """The issue's case: an admin of one city confirmed another city's flags by id."""
    nanjing = objects.make("南京市")
    admin = client("admin")
    listed = {f["id"] for f in admin.get("/api/v1/flags", params={"status": "all"}).json()}
    assert nanjing["flag_id"] not in listed
    before = lantian.plans.flag(nanjing["flag_id"])
    assert admin.post(f"/api/v1/flags/{nanjing['flag_id']}", json={"status": "confirmed"}).status_code == 403
    assert lantian.plans.flag(nanjing["flag_id"]) == before


@pytest.mark.parametrize(
    ("start", "to", "status"),
    [("苏州市", "海门市", 403), ("苏州市", "昆山市", 403), ("南京市", "苏州市", 403), ("苏州市", "苏州", 200)],
)
def test_a_correction_moves_a_plan_only_within_the_jurisdiction(
    client: Callable[[str | None], TestClient], lantian: App, objects: Objects, start: str, to: str, status: int
) -> None:
    """The issue's case: a metadata correction moved 苏州's plan into 海门市 and 苏州 lost sight of it.
    An admin may not move a plan out of, or into, a place it does not administer (苏州 is 苏州市)."""
    made = objects.make(start)
    key = lantian.plans.flag(made["flag_id"]).plan_key
    meta = next(f for f in lantian.plans.review(key) if f.flag.field == "meta")
    body = {"status": "corrected", "correction": {"field": "meta", "jurisdiction": to}}
    r = client("admin").post(f"/api/v1/flags/{meta.id}", json=body)
    assert r.status_code == status, r.text
    place = lantian.plans.get_plan(key)[0].jurisdiction
    assert place == (to if status == 200 else start)
    if status == 403:
        assert "非本辖区" in r.json()["error"]["message"]


PLACELESS_TEXT = "2024年大气污染防治工作计划\n一、任务\n1. 测试任务。（市生态环境局负责）\n"  # no place in it
PLACELESS = ("计划.txt", PLACELESS_TEXT.encode(), "text/plain")


def test_a_plan_without_a_place_stays_with_the_office_that_imported_it(
    client: Callable[[str | None], TestClient], lantian: App, objects: Objects
) -> None:
    lantian.accounts.add("nj", PASSWORD, UserRole.ADMIN, "南京市")
    suzhou, nanjing, dept = client("admin"), client("nj"), client("dept")
    r = suzhou.post("/api/v1/plans", files={"file": PLACELESS})
    assert r.status_code == 200, r.text
    key = r.json()["outcomes"][0]["key"]
    assert key in {p["key"] for p in suzhou.get("/api/v1/plans").json()}
    assert key not in {p["key"] for p in nanjing.get("/api/v1/plans").json()}  # was: seen everywhere
    (task,) = dept.get("/api/v1/tasks", params={"plan": key}).json()["tasks"]
    assert nanjing.get(f"/api/v1/tasks/{task['id']}").status_code == 403
    assert suzhou.get(f"/api/v1/tasks/{task['id']}").status_code == 200
    (flag,) = [f for f in suzhou.get("/api/v1/flags").json() if f["plan"] == key and "辖区" in f["message"]]
    assert not [f for f in nanjing.get("/api/v1/flags").json() if f["plan"] == key]
    body = {"status": "corrected", "correction": {"field": "meta", "jurisdiction": "南京市"}}
    assert suzhou.post(f"/api/v1/flags/{flag['id']}", json=body).status_code == 403  # not 苏州's to give away
    assert nanjing.post(f"/api/v1/flags/{flag['id']}", json=body).status_code == 403
    body["correction"]["jurisdiction"] = "苏州市"
    assert suzhou.post(f"/api/v1/flags/{flag['id']}", json=body).status_code == 200
    assert lantian.plans.get_plan(key)[0].jurisdiction == "苏州市"


def test_a_placeless_plan_from_the_command_line_is_the_command_lines(
    client: Callable[[str | None], TestClient], lantian: App, objects: Objects, tmp_path: Path
) -> None:
    """No national level in the model: seen by the command line and everywhere-admins only, until
    its place is corrected; the dashboards' kept figures follow the correction."""
    suzhou = client("admin")
    before = suzhou.get("/api/v1/dashboard").json()["tasks"]["total"]
    path = tmp_path / PLACELESS[0]
    path.write_bytes(PLACELESS[1])
    (outcome,) = lantian.plans.import_files([path]).outcomes
    assert outcome.key in {p.key for p in lantian.workflow.visible_plans(SYSTEM, lantian.plans.list_plans())}
    assert outcome.key not in {p["key"] for p in suzhou.get("/api/v1/plans").json()}
    assert suzhou.get("/api/v1/dashboard").json()["tasks"]["total"] == before
    (flag,) = [f for f in lantian.plans.review(outcome.key) if "辖区" in f.flag.message]
    assert suzhou.post(f"/api/v1/flags/{flag.id}", json={"status": "confirmed"}).status_code == 403
    lantian.plans.resolve_flag(flag.id, FlagStatus.CORRECTED, correction=Correction("meta", jurisdiction="苏州市"))
    assert outcome.key in {p["key"] for p in suzhou.get("/api/v1/plans").json()}
    assert suzhou.get("/api/v1/dashboard").json()["tasks"]["total"] == before + 1


def test_the_audit_log_shows_an_office_its_own_places(
    client: Callable[[str | None], TestClient], lantian: App, objects: Objects
) -> None:
    """Like tasks' records: one's own place and those below; the command line sees every entry."""
    made = {column: objects.make(place, "notice_id")["notice_id"] for column, place in PLACES.items()}
    lantian.accounts.add("nj", PASSWORD, UserRole.ADMIN, "南京市")
    expected = {"admin": {"own", "child"}, "leader": {"own", "child"}, "nj": {"sibling"}}
    for name, columns in expected.items():
        entries = client(name).get("/api/v1/audit", params={"entity": "notice"}).json()
        assert {int(e["entity_id"]) for e in entries} == {made[c] for c in columns}, name
    assert {int(e.entity_id) for e in lantian.audit.entries(entity="notice")} == set(made.values())
    page = client("admin").get("/audit").text
    assert f"督办 {made['own']}<" in page and f"督办 {made['sibling']}<" not in page  # the entity by its label
    assert client("dept").get("/api/v1/audit").status_code == 403


def test_the_kept_figures_follow_a_placeless_plans_changes(
    client: Callable[[str | None], TestClient], lantian: App
) -> None:
    """An office whose only plan has no place: its task list's kept total and its dashboard recount
    when that plan's task changes (the change marks the office's place)."""
    lantian.accounts.add("nj", PASSWORD, UserRole.ADMIN, "南京市")
    nanjing = client("nj")
    key = nanjing.post("/api/v1/plans", files={"file": PLACELESS}).json()["outcomes"][0]["key"]
    done = {"plan": key, "status": "completed"}
    assert nanjing.get("/api/v1/tasks", params=done).json()["total"] == 0
    assert nanjing.get("/api/v1/dashboard").json()["tasks"]["completed"] == 0
    lantian.plans.set_task_status(key, "1", TaskStatus.COMPLETED)
    assert nanjing.get("/api/v1/tasks", params=done).json()["total"] == 1
    assert nanjing.get("/api/v1/dashboard").json()["tasks"]["completed"] == 1
