"""Numbers that add up (issue 19): every figure on the dashboard equals the list its tile opens, for
the user's own scope, and is current.

An office of 苏州市 (its two plans) under 江苏省 (the province's plan, inherited), with reports awaiting
review, 督办 on time and late, tickets at every stage. For every tile, as the 大气办, a department
and a leader of 苏州市 and the 大气办 of 江苏省, the tile's link is followed through every page of its
list and the rows counted.
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
from lantian.config import Settings
from lantian.domain.aq.periods import ranked_month
from lantian.domain.plans.model import TaskStatus
from lantian.domain.tracking.model import Actor, TicketSource, UserRole
from lantian.domain.tracking.workflow import TicketAction
from lantian.services.clock import beijing_now
from lantian.web.app import create_app
from tests.web.conftest import ENV, PASSWORD, PDF

AREAS = "城市,省级行政区\n苏州,江苏省\n南京,江苏省\n无锡,江苏省\n上海,上海市\n"
ACCOUNTS = {  # username → (role, place, department)
    "admin": (UserRole.ADMIN, "苏州市", None),
    "dept": (UserRole.DEPARTMENT, "苏州市", ENV),
    "leader": (UserRole.LEADER, "苏州市", None),
    "province": (UserRole.ADMIN, "江苏省", None),
}
ROW = re.compile(r'<td><a href="/(?:tasks|notices|tickets)/\d+">')  # one link to its record in each row
TILE = re.compile(r'<a class="tile[^"]*" id="(tile-[a-z-]+)" href="([^"]+)"><b[^>]*>(\d+)</b>')


def seed(seeds_dir: Path, number: str) -> Path:
    (path,) = seeds_dir.glob(f"{number}_*.txt")
    return path


@pytest.fixture
def office(tmp_path: Path, seeds_dir: Path) -> Iterator[App]:
    app = App.open(Settings.load(tmp_path / "data"))
    app.plans.import_files([seed(seeds_dir, n) for n in ("000", "001", "003")])
    areas = tmp_path / "areas.csv"
    areas.write_text(AREAS, encoding="utf-8")
    app.airquality.import_area_map(areas)
    for name, (role, place, department) in ACCOUNTS.items():
        app.accounts.add(name, PASSWORD, role, place, department=department)
    admin = Actor("admin", UserRole.ADMIN, "苏州市")
    dept = Actor("dept", UserRole.DEPARTMENT, "苏州市", ENV)
    mine = [ref.id for ref, _ in app.workflow.visible_tasks(dept)]
    month = (app.workflow.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    reports = [app.workflow.submit_progress(dept, i, period=month, status=TaskStatus.IN_PROGRESS, narrative="进展")
               for i in mine[:4]]  # fmt: skip
    app.workflow.review_progress(admin, reports[0].id, accept=False, reason="材料不全", version=reports[0].version)
    app.workflow.review_progress(admin, reports[1].id, accept=True, reason=None, version=reports[1].version)
    today = app.workflow.today()
    notices = [app.workflow.issue_notice(admin, department=ENV, subject=f"督办{i}", body="请办理",
                                         due=today + dt.timedelta(days=3)) for i in range(3)]  # fmt: skip
    with app.audit.writing() as repo:  # one notice 10 days late (a notice cannot be issued in the past)
        repo.change_notice(notices[0].id, notices[0].version, due=today - dt.timedelta(days=10))
    answered = app.workflow.answer_notice(dept, notices[1].id, answer="已办理", version=notices[1].version)
    app.workflow.close_notice(admin, notices[1].id, version=answered.version)
    for i in range(3):
        k = app.workflow.open_ticket(admin, source=TicketSource.INSPECTION, title=f"问题{i}", description="现场")
        if i == 0:
            continue
        k = app.workflow.ticket_step(admin, k.id, TicketAction.ASSIGN, version=k.version, department=ENV,
                                     due=today + dt.timedelta(days=30))  # fmt: skip
        if i == 2:
            k = app.workflow.ticket_step(dept, k.id, TicketAction.RECTIFY, version=k.version, note="已整改",
                                         files=[("整改.pdf", PDF)])  # fmt: skip
            k = app.workflow.ticket_step(admin, k.id, TicketAction.PASS, version=k.version, note="核查通过")
            app.workflow.ticket_step(admin, k.id, TicketAction.CLOSE, version=k.version, note="销号")
    yield app
    app.close()


@pytest.fixture
def signed_in(office: App) -> Callable[[str], TestClient]:
    def make(name: str) -> TestClient:
        c = TestClient(create_app(lantian=office), follow_redirects=False)
        r = c.post("/api/v1/session", json={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return c

    return make


def rows(client: TestClient, href: str) -> list[str]:
    """The rows of the list ``href`` opens, every page of it (their record links)."""
    found: list[str] = []
    page = 1
    while True:
        sep = "&" if "?" in href else "?"
        r = client.get(f"{href}{sep}page={page}" if page > 1 else href)
        assert r.status_code == 200, (href, r.status_code)
        found += ROW.findall(r.text)
        pager = re.search(r'<p class="pager">.*?(\d+) / (\d+)', r.text, re.S)
        if pager is None or int(pager.group(1)) >= int(pager.group(2)):
            return found
        page += 1


def tiles(client: TestClient) -> dict[str, tuple[str, int]]:
    r = client.get("/dashboard")
    assert r.status_code == 200
    out = {tile: (href, int(n)) for tile, href, n in TILE.findall(r.text)}
    assert len(out) == 8, out
    return out


@pytest.mark.parametrize("user", list(ACCOUNTS))
def test_every_tile_equals_the_list_it_opens(signed_in: Callable[[str], TestClient], user: str) -> None:
    client = signed_in(user)
    shown = tiles(client)
    assert shown["tile-missing"][0] == "/progress/missing"  # its own list, not the dashboard's first 20
    assert shown["tile-notices-late"][0] != shown["tile-notices-open"][0]
    for tile, (href, figure) in shown.items():
        listed = rows(client, href)
        assert len(listed) == figure, f"{user}: {tile} says {figure}, {href} lists {len(listed)}"
        assert len(set(listed)) == len(listed) or tile in ("tile-missing", "tile-reviews"), (tile, "repeated rows")
    # the figures are not all zero: the fixture made something of each
    assert shown["tile-overdue"][1] > 0 and shown["tile-missing"][1] > 0
    if user != "province":
        assert shown["tile-reviews"][1] == 2 and shown["tile-notices-open"][1] == 2
        assert shown["tile-notices-late"][1] == 1 and shown["tile-tickets-closed"][1] == 1


@pytest.mark.parametrize("user", ["admin", "province"])
def test_every_ticket_stage_equals_its_list(signed_in: Callable[[str], TestClient], user: str) -> None:
    client = signed_in(user)
    page = client.get("/dashboard").text
    stages = re.findall(r'<td><a href="(/tickets\?state=[a-z]+)">(\d+)</a></td>', page)
    assert len(stages) == 5
    for href, figure in stages:
        assert len(rows(client, href)) == int(figure), href


def test_a_city_counts_what_it_answers_for(office: App, signed_in: Callable[[str], TestClient]) -> None:
    """The province's plan is seen in 苏州 but counted by 江苏省: its tasks owned by 省生态环境厅 or
    addressed to 地方各级人民政府 are not 苏州's overdue work (docs/user-guide.md)."""
    province_plan = next(p.key for p in office.plans.list_plans() if p.jurisdiction == "江苏省")
    city, province = signed_in("admin"), signed_in("province")
    assert province_plan in city.get("/tasks", params={"plan": province_plan}).text  # seen
    city_overdue = city.get("/tasks?overdue=1").text
    assert province_plan not in re.sub(r"<select.*?</select>", "", city_overdue, flags=re.S)
    province_overdue = rows(province, f"/tasks?overdue=1&plan={province_plan}")
    assert province_overdue, "the province's own overdue tasks are its own"
    # the API's overdue work is the same set of tasks as the list
    api = city.get("/api/v1/overdue").json()
    deadline_tasks = {o["task_id"] for o in api if o["kind"] == "deadline"}
    listed = {int(x) for x in re.findall(r'<td><a href="/tasks/(\d+)">', "".join(
        city.get(f"/tasks?overdue=1&page={p}").text for p in range(1, 4)))}  # fmt: skip
    assert deadline_tasks <= listed


def test_a_revised_target_shows_at_once(office: App, signed_in: Callable[[str], TestClient], seeds_dir: Path,
                                        tmp_path: Path) -> None:  # fmt: skip
    client = signed_in("admin")
    before = client.get("/dashboard").text
    section = before[before.index('id="targets"') :]
    assert "≤ 2.2 t" in section[: section.index("</section>")]
    text = seed(seeds_dir, "001").read_text(encoding="utf-8").replace("降尘量不高于2.2吨", "降尘量不高于2.0吨")
    revised = tmp_path / "苏州市2023年大气污染防治工作计划（修订）.txt"
    revised.write_text(text, encoding="utf-8")
    key = next(p.key for p in office.plans.list_plans() if p.jurisdiction == "苏州市" and p.year == 2023)
    office.plans.import_files([revised], key=key)
    after = client.get("/dashboard").text
    section = after[after.index('id="targets"') :]
    section = section[: section.index("</section>")]
    assert "≤ 2 t" in section and "2.2" not in section  # 2.0 written as people write it
    assert 'id="targets-why"' in section  # 2023 has no data: said, not left as a column of —


def test_a_warning_in_force_shows_a_banner(office: App, signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("dept")
    assert 'id="warning-banner"' not in client.get("/dashboard").text
    office.warnings.record("江苏省", "orange", beijing_now() - dt.timedelta(hours=2), "江苏省大气办", "省级预警")
    for path in ("/dashboard", "/tasks", "/notices"):
        page = client.get(path).text
        banner = re.search(r'<a class="warning-banner[^"]*" id="warning-banner" href="/warnings">(.*?)</a>', page)
        assert banner is not None, path
        assert "橙色" in banner.group(1) and "江苏省" in banner.group(1)
    assert 'id="warning-banner"' not in TestClient(create_app(lantian=office)).get("/public").text  # signed-in pages


def test_ranked_month_is_the_newest_complete_one() -> None:
    d = dt.date
    assert ranked_month(d(2019, 1, 1), d(2025, 2, 15)) == ("2025-01", True)
    assert ranked_month(d(2019, 1, 1), d(2025, 1, 31)) == ("2025-01", True)
    assert ranked_month(d(2024, 2, 1), d(2024, 2, 29)) == ("2024-02", True)
    assert ranked_month(d(2025, 2, 1), d(2025, 2, 15)) == ("2025-02", False)  # no whole month yet
    assert ranked_month(d(2025, 1, 10), d(2025, 2, 15)) == ("2025-02", False)  # January began on the 10th


def row(city: str, index: float, rank: int) -> dict[str, Any]:
    return {"station": city, "rank": rank, "composite_index": index, "pm25": 30.0, "pm10": 50.0, "o3_p90": 150.0,
            "good_ratio": 80.0, "heavy_days": 0, "valid_days": 31, "stations": 8, "stations_min": 8,
            "max_index_pollutants": []}  # fmt: skip


def test_the_ranking_is_the_province_s_latest_complete_month(office: App, signed_in: Callable[[str], TestClient],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    days = [{"station": city, "day": "2025-01-05", "aqi": 60, "category": "良", "primary_pollutant": "PM2.5",
             "pm25": 40.0, "pm10": 60.0, "o3_8h_max": 80.0, "stations": 8} for city in ("上海", "苏州")]  # fmt: skip
    air = {"span": ["2024-12-01", "2025-02-15"], "month": "2025-01", "complete": True, "days": days,
           "ranking": [row("上海", 3.0, 1), row("苏州", 3.3, 2), row("无锡", 3.3, 2), row("南京", 3.5, 4)]}  # fmt: skip
    monkeypatch.setattr(office.overview, "air", lambda: air)
    for page in (signed_in("admin").get("/dashboard").text, TestClient(create_app(lantian=office)).get("/public").text):
        ranking = page[page.index('id="ranking-scope"') :]
        ranking = ranking[: ranking.index("</table>")]
        assert "江苏省 3 个城市" in ranking and "数据截至 2025-02-15" in ranking and "2025-02 数据不完整" in ranking
        assert "上海" not in ranking
        ranked = re.findall(r"<tr><td>(\d+)</td><td>(\S+?)</td>", ranking)
        assert ranked == [("1", "苏州"), ("1", "无锡"), ("3", "南京")]  # ranked again among the province's own
        trend = re.search(r'<script type="application/json" id="air-days">(.*?)</script>', page, re.S)
        assert trend is not None and "苏州" in trend.group(1) and "上海" not in trend.group(1)
    assert "2025-01" in signed_in("admin").get("/dashboard").text.split('id="ranking"')[1][:200]
    # with no whole month in, the partial one is shown and said to be
    air.update(span=["2025-02-01", "2025-02-15"], month="2025-02", complete=False)
    page = signed_in("leader").get("/dashboard").text
    assert "数据截至 2025-02-15，本月数据不完整" in page
