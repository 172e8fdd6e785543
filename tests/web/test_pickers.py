"""Pickers, revision diffs and empty states (issue 19): a 督办 or 交办 names a real unit, the task filter
finds a department by part of its name, 相关任务 are found by the plan's own numbering, a correction
says what it did, a new revision shows what changed, and empty tables say so."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.plans.departments import DepartmentDictionary, is_collective, matching_names
from lantian.domain.tracking.model import SYSTEM, UserRole
from lantian.web import picks
from lantian.web.app import create_app
from lantian.web.deps import Viewer
from tests.helpers import run
from tests.web.conftest import ENV, PASSWORD, TRANSPORT

SEED_KEY = "苏州市·2024·重点工作任务分解表"


def options(page: str) -> list[str]:
    """The choices of the page's department picker."""
    (select,) = re.findall(r'<select name="department"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r'<option value="([^"]+)"', select)


def seed(lantian: App, seeds_dir: Path, number: str) -> str:
    (path,) = seeds_dir.glob(f"{number}_*.txt")
    (outcome,) = lantian.plans.import_files([path]).outcomes
    return outcome.key


# ---------------------------------------------------------------- 督办对象 and 交办
def test_collective_names_and_partial_matches() -> None:
    assert is_collective("各有关部门") and is_collective("市各有关部门") and is_collective("各县级市（区）人民政府")
    assert is_collective("地方各级人民政府") and is_collective("有关部门")
    assert not is_collective("市交通运输局") and not is_collective("常熟市人民政府") and not is_collective("苏州海关")
    names = ["市交通运输局", "市发展改革委", "市生态环境局", "省生态环境厅"]
    dictionary = DepartmentDictionary.load_default()
    assert matching_names("交通", names, dictionary) == ["市交通运输局"]
    assert matching_names("发改", names, dictionary) == ["市发展改革委"]  # through the alias 发改委
    assert matching_names("发改委", names, dictionary) == ["市发展改革委"]
    assert matching_names("生态环境局", names, dictionary) == ["市生态环境局"]  # an exact stem wins
    assert matching_names("  ", names, dictionary) == []


def test_the_notice_form_offers_the_real_units_only(client: Callable[[str | None], TestClient]) -> None:
    page = client("admin").get("/notices").text
    offered = options(page)
    assert ENV in offered and TRANSPORT in offered
    assert not [n for n in offered if is_collective(n)]  # no 各有关部门, no 各县级市（区）人民政府
    assert 'name="task_ids" placeholder' not in page  # no ids to type


def test_a_notice_to_a_unit_that_is_not_one_is_refused(client: Callable[[str | None], TestClient]) -> None:
    admin = client("admin")
    body = {"subject": "s", "body": "b", "due": "2099-01-01"}
    r = admin.post("/api/v1/notices", json={**body, "department": "市不存在局"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "department"
    assert "督办对象「市不存在局」不是本单位计划中的部门" in r.json()["error"]["message"]
    r = admin.post("/api/v1/notices", json={**body, "department": "各有关部门"})
    assert r.status_code == 422 and "泛指" in r.json()["error"]["message"]
    r = admin.post("/api/v1/notices", json={**body, "department": "交通"})  # part of a name: a hint, not a guess
    assert r.status_code == 422 and "是否指：市交通运输局" in r.json()["error"]["message"]
    form = {**body, "department": "市不存在局", "csrf_token": admin.headers["X-CSRF-Token"]}
    r = admin.post("/notices", data=form)
    assert r.status_code == 422 and "督办对象" in r.text and "Traceback" not in r.text
    assert admin.get("/api/v1/notices").json() == []
    r = admin.post("/api/v1/notices", json={**body, "department": TRANSPORT})
    assert r.status_code == 200 and r.json()["department"] == TRANSPORT


def test_a_ticket_is_assigned_to_a_real_unit(client: Callable[[str | None], TestClient]) -> None:
    admin = client("admin")
    ticket = admin.post("/api/v1/tickets", data={"source": "inspection", "title": "t", "description": "d"}).json()
    page = admin.get(f"/tickets/{ticket['id']}").text
    assert ENV in options(page) and not [n for n in options(page) if is_collective(n)]
    step = {"action": "assign", "version": "1", "due": "2099-01-01"}
    r = admin.post(f"/api/v1/tickets/{ticket['id']}/steps", data={**step, "department": "各有关部门"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "department" and "责任单位" in r.text
    r = admin.post(f"/api/v1/tickets/{ticket['id']}/steps", data={**step, "department": ENV})
    assert r.status_code == 200 and r.json()["department"] == ENV


def test_the_governments_below_are_addressees(lantian: App, client: Callable[[str | None], TestClient],
                                              tmp_path: Path) -> None:  # fmt: skip
    """A 督办 may go to the government of a place below the office (昆山市 ⊂ 苏州市), not above (江苏省)."""
    folder = tmp_path / "areas"
    folder.mkdir()
    (folder / "areas.csv").write_text("城市,省级行政区\n苏州市,江苏省\n", encoding="utf-8")
    (folder / "counties.csv").write_text("监测点编码,区县\n9001A,昆山市\n", encoding="utf-8")
    (folder / "stations.csv").write_text("监测点编码,监测点名称,城市,经度,纬度\n9001A,昆山站,苏州,120.95,31.38\n",
                                         encoding="utf-8")  # fmt: skip
    lantian.airquality.import_station_lists([folder / "stations.csv"], valid_from=dt.date(2020, 1, 1))
    lantian.airquality.import_area_map(folder / "areas.csv")
    lantian.airquality.import_county_map(folder / "counties.csv")
    for place, unit in (("昆山市", "昆山市交通运输局"), ("江苏省", "省交通运输厅")):
        plan = tmp_path / f"{place}.txt"
        plan.write_text(f"{place}测试计划\n一、任务\n1. 测试任务。（{unit}负责）\n", encoding="utf-8")
        lantian.plans.import_files([plan], overrides={"jurisdiction": place})
    found = client("admin").get("/api/v1/addressees").json()
    assert found["governments"] == ["昆山市人民政府"]
    assert "昆山市交通运输局" in found["units"] and "省交通运输厅" not in found["units"]
    body = {"subject": "s", "body": "b", "due": "2099-01-01"}
    assert client("admin").post("/api/v1/notices", json={**body, "department": "昆山市人民政府"}).status_code == 200
    r = client("admin").post("/api/v1/notices", json={**body, "department": "省交通运输厅"})
    assert r.status_code == 422


# ---------------------------------------------------------------- the task filter
def test_the_task_filter_finds_a_department_by_part_of_its_name(
    client: Callable[[str | None], TestClient], lantian: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = client("admin")

    def total(department: str) -> int:
        r = admin.get("/api/v1/tasks", params={"department": department})
        assert r.status_code == 200
        return int(r.json()["total"])

    assert total("交通") == total(TRANSPORT) > 0
    assert total("发改") == total("市发展改革委") == total("发改委") > 0
    page = admin.get("/tasks", params={"department": "交通"}).text
    assert f'id="task-count">{total(TRANSPORT)}<' in page
    (datalist,) = re.findall(r'<datalist id="task-departments">(.*?)</datalist>', page, re.S)
    assert f'<option value="{TRANSPORT}">' in datalist
    other = client("other").get("/tasks").text  # 市交通运输局's own tasks name 市交通运输局, not every unit
    (mine,) = re.findall(r'<datalist id="task-departments">(.*?)</datalist>', other, re.S)
    assert f'<option value="{TRANSPORT}">' in mine
    assert len(re.findall("<option", mine)) < len(re.findall("<option", datalist))
    code, out, err = run(
        capsys, "tasks", "list", "--department", "交通", "--format", "json", "--data-dir", str(tmp_path / "data")
    )
    assert code == 0, err
    assert len(json.loads(out)) == total(TRANSPORT)


# ---------------------------------------------------------------- 相关任务 by the plan's own numbering
def test_tasks_are_found_by_the_plans_numbering(
    client: Callable[[str | None], TestClient], lantian: App, seeds_dir: Path
) -> None:
    key = seed(lantian, seeds_dir, "001")
    assert key == "苏气办〔2023〕16号"
    admin = client("admin")
    (found,) = admin.get("/api/v1/task-choices", params={"q": "16号 5"}).json()
    assert found["plan"] == key and found["number"] == "5"
    assert found["label"].startswith("苏气办〔2023〕16号 第5项 ")
    assert admin.get("/api/v1/task-choices", params={"q": "16号 第5项"}).json() == [found]
    dust = admin.get("/api/v1/task-choices", params={"q": "扬尘"}).json()
    listed = admin.get("/api/v1/tasks", params={"q": "扬尘", "limit": 1000}).json()  # the text filter's tasks
    assert dust and {c["id"] for c in dust} <= {t["id"] for t in listed["tasks"]}
    assert len(dust) == min(20, listed["total"])
    assert admin.get("/api/v1/task-choices", params={"q": "100%_"}).json() == []  # wildcards are text
    # the page without JavaScript: a search step lists the tasks to tick, the chosen ones are kept
    page = admin.get("/notices", params={"task_q": "16号 5"}).text
    assert f'name="task_ids" value="{found["id"]}"> 苏气办〔2023〕16号 第5项' in page
    page = admin.get("/notices", params={"task_q": "扬尘", "task": str(found["id"])}).text
    assert f'name="task_ids" value="{found["id"]}" checked> 苏气办〔2023〕16号 第5项' in page
    assert "没有找到相关任务" in admin.get("/notices", params={"task_q": "不存在的内容"}).text
    form = {"department": ENV, "subject": "s", "body": "b", "due": "2099-01-01", "task_ids": [str(found["id"])],
            "csrf_token": admin.headers["X-CSRF-Token"]}  # fmt: skip
    r = admin.post("/notices", data=form)
    assert r.status_code == 303, r.text
    (notice,) = admin.get("/api/v1/notices").json()
    assert notice["task_ids"] == [found["id"]]
    # a department finds only the tasks that name it
    mine = client("other").get("/api/v1/task-choices", params={"q": "扬尘"}).json()
    assert {c["id"] for c in mine} <= {c["id"] for c in dust}
    assert all(TRANSPORT in [n for n, _ in lantian.workflow.task(SYSTEM, c["id"]).ref.named] for c in mine)


# ---------------------------------------------------------------- a correction says what it did
def test_a_place_correction_says_what_it_did(client: Callable[[str | None], TestClient], lantian: App) -> None:
    admin = client("admin")
    text = "2024年大气污染防治工作计划\n一、任务\n1. 测试任务。（市生态环境局负责）\n"  # no place in it
    r = admin.post("/api/v1/plans", files={"file": ("计划.txt", text.encode(), "text/plain")})
    key = r.json()["outcomes"][0]["key"]
    (flag,) = [f for f in admin.get("/api/v1/flags").json() if f["plan"] == key and f["field"] == "meta"]
    form = {
        "field": "meta",
        "jurisdiction": "苏州市",
        "status": "corrected",
        "csrf_token": admin.headers["X-CSRF-Token"],
    }
    r = admin.post(f"/flags/{flag['id']}", data=form)
    assert r.status_code == 303
    page = admin.get(r.headers["location"]).text
    message = re.sub(r"<[^>]+>", "", re.search(r'<p class="notice"[^>]*>(.*?)</p>', page, re.S).group(1))
    assert message == f"已更正 {key}：辖区现为 苏州市，现为第2版。查看修订变化"
    (link,) = re.findall(r'<p class="notice".*?<a href="([^"]+)">', page, re.S)
    diff = admin.get(link.replace("&amp;", "&")).text
    assert "辖区" in diff and "苏州市" in diff and 'id="diff-meta"' in diff
    # a hand-made link says nothing
    forged = r.headers["location"].replace("rev=2", "rev=3")
    assert 'class="notice"' not in admin.get(forged).text


def test_a_plan_that_left_the_list_is_said_to_have_left(lantian: App) -> None:
    """The signed message names the place that now manages the plan when the user no longer sees it."""
    app = create_app(lantian=lantian)
    request = Request({"type": "http", "app": app, "query_string": b"", "headers": [], "method": "GET", "path": "/"})
    lantian.accounts.add("nj", PASSWORD, UserRole.ADMIN, "南京市")
    (user,) = [u for u in lantian.accounts.list() if u.username == "nj"]
    nanjing = Viewer(user, "token", "zh")
    url = picks.corrected_url(request, nanjing, SEED_KEY, place_changed=True)
    query = url.split("?", 1)[1].split("#")[0].encode()
    back = Request({**request.scope, "query_string": query})
    assert picks.corrected_message(back, nanjing) == {
        "plan": SEED_KEY, "revision": 1, "place": "苏州市", "left": True, "diff": picks.diff_url(SEED_KEY, None, 1),
    }  # fmt: skip
    assert picks.corrected_message(back, Viewer(nanjing.user, "another-session", "zh")) is None


# ---------------------------------------------------------------- a revision's diff
def revised(seeds_dir: Path, folder: Path) -> Path:
    """Seed 000 edited by hand: task 3's text, task 55's units (人行苏州市分行 dropped), task 56
    removed and a task 57 added."""
    (path,) = seeds_dir.glob("000_*.txt")
    text = path.read_text(encoding="utf-8")
    assert text.count("逐步淘汰球团竖炉") == 1 and text.count("人行苏州市分行、") == 1
    text = text.replace("逐步淘汰球团竖炉", "全面淘汰球团竖炉").replace("人行苏州市分行、", "")
    head = text[: text.index("\t56\n")]
    out = folder / "分解表（修订）.txt"
    out.write_text(head + "\t57\n\t\n\t测试新增任务：加强餐饮油烟治理。\n\t市城市管理局负责。\n", encoding="utf-8")
    return out


def test_a_revision_shows_what_changed(
    client: Callable[[str | None], TestClient], lantian: App, seeds_dir: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    (outcome,) = lantian.plans.import_files([revised(seeds_dir, tmp_path)], key=SEED_KEY).outcomes
    assert outcome.status == "revised" and outcome.revision == 2
    admin = client("admin")
    d: dict[str, Any] = admin.get("/api/v1/plans/diff", params={"plan": SEED_KEY}).json()
    assert (d["from_revision"], d["to_revision"], d["empty"]) == (1, 2, False)
    assert [t["number"] for t in d["added"]] == ["57"]
    assert (
        d["added"][0]["text"] == "测试新增任务：加强餐饮油烟治理。"
        and "市城市管理局（负责）" in d["added"][0]["departments"]
    )
    assert [t["number"] for t in d["removed"]] == ["56"]
    assert d["removed"][0]["text"].startswith("政府带头开展绿色采购")
    changed = {c["number"]: c["fields"] for c in d["changed"]}
    assert set(changed) == {"3", "55"}
    (text,) = changed["3"]
    assert text["field"] == "text" and text["label"] == "具体内容"
    assert "逐步淘汰球团竖炉" in text["before"][0] and "全面淘汰球团竖炉" in text["after"][0]
    assert [x["text"] for x in text["before_spans"] if x["changed"]] == ["逐步"]  # by character: the two words
    assert [x["text"] for x in text["after_spans"] if x["changed"]] == ["全面"]
    assert "".join(x["text"] for x in text["after_spans"]) == text["after"][0]
    (units,) = changed["55"]
    assert units["field"] == "departments"
    assert set(units["before"]) - set(units["after"]) == {"人行苏州市分行（负责）"}
    assert set(units["after"]) <= set(units["before"])
    assert [x["text"] for x in units["before_spans"] if x["changed"]] == ["人行苏州市分行（负责）"]
    assert not [x for x in units["after_spans"] if x["changed"]]
    assert d["targets_added"] == d["targets_removed"] == d["meta_changed"] == []
    # the page: from the plans list, with the same content
    (listed,) = re.findall(r'<a href="(/plans/diff\?plan=[^"]+)" class="diff-link"', admin.get("/plans").text)
    assert admin.get(listed).text == admin.get("/plans/diff", params={"plan": SEED_KEY}).text
    page = admin.get("/plans/diff", params={"plan": SEED_KEY}).text
    assert 'data-task="3" data-field="text"' in page and 'data-task="55" data-field="departments"' in page
    assert "<del>逐步</del>" in page and "<ins>全面</ins>" in page and "<del>人行苏州市分行（负责）</del>" in page
    assert "测试新增任务" in page and 'id="diff-removed"' in page
    same = admin.get("/plans/diff", params={"plan": SEED_KEY, "from": "2", "to": "2"}).text
    assert "同一版本" in same
    assert admin.get("/plans/diff", params={"plan": SEED_KEY, "from": "7"}).status_code == 404
    assert admin.get("/plans/diff", params={"plan": "没有这个计划"}).status_code == 404
    # the command line: the same schema
    code, out, err = run(capsys, "plans", "diff", SEED_KEY, "--json", "--data-dir", str(tmp_path / "data"))
    assert code == 0, err
    assert json.loads(out) == d
    code, out, err = run(capsys, "plans", "diff", SEED_KEY, "--from", "1", "--to", "2", "--data-dir",
                         str(tmp_path / "data"))  # fmt: skip
    assert code == 0 and "新增任务 added 57" in out and "人行苏州市分行（负责）" in out


def test_the_import_outcome_links_to_the_diff(client: Callable[[str | None], TestClient], seeds_dir: Path,
                                              tmp_path: Path) -> None:  # fmt: skip
    admin = client("admin")
    path = revised(seeds_dir, tmp_path)
    # the uploaded file has another name: its key is the seed's own (辖区·年度·标题), so it revises it
    r = admin.post("/plans/import", files={"file": (path.name, path.read_bytes(), "text/plain")},
                   data={"csrf_token": admin.headers["X-CSRF-Token"]})  # fmt: skip
    assert r.status_code == 200, r.text
    (link,) = re.findall(r'<ul id="import-outcome">.*?<a href="([^"]+)" class="diff-link">', r.text, re.S)
    assert admin.get(link.replace("&amp;", "&")).status_code == 200


# ---------------------------------------------------------------- empty states
def test_empty_tables_and_pages_say_so(tmp_path: Path) -> None:
    lantian = App.open(Settings.load(tmp_path / "empty"))
    try:
        lantian.accounts.add("admin", PASSWORD, UserRole.ADMIN, "苏州市")
        c = TestClient(create_app(lantian=lantian), follow_redirects=False)
        r = c.post("/api/v1/session", json={"username": "admin", "password": PASSWORD})
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        for path in ("/plans", "/tasks", "/matrix", "/notices", "/tickets", "/progress", "/dashboard"):
            page = c.get(path)
            assert page.status_code == 200, path
            assert "暂无数据" in page.text, path
        page = c.get("/reduction-list")
        assert page.status_code == 200 and "本辖区尚未登记应急减排清单" in page.text
        assert 'id="list-keep-form"' in page.text  # the admin keeps one from here
        assert "请选择部门或下级人民政府" in c.get("/notices").text and "请先导入计划" in c.get("/notices").text
    finally:
        lantian.close()
