"""Downloads from the pages (导出): the task list, the responsibility matrix and the reduction-list
check reports are the page's own list, by place, and the file the command line writes."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from lantian.bootstrap import App
from lantian.domain.plans.departments import DepartmentKind, department_kind
from lantian.web import exports
from tests.helpers import run
from tests.web.conftest import list_template
from tests.web.test_permissions import XLSX
from tests.web.test_place_matrix import with_places

Rows = list[list[Any]]


def sheets(content: bytes) -> dict[str, Rows]:
    book = load_workbook(io.BytesIO(content))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def book_rows(path: Path) -> dict[str, Rows]:
    return sheets(path.read_bytes())


def downloaded(r: Any, name: str) -> dict[str, Rows]:
    """The rows of a download named ``name`` (its Chinese name, RFC 5987), by sheet."""
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == XLSX
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="') and disposition.isascii()
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == name
    return sheets(r.content)


def cli(capsys: pytest.CaptureFixture[str], app: App, tmp_path: Path, *args: str) -> dict[str, Rows]:
    """What ``lantian … -o file.xlsx`` writes over the same data folder."""
    out = tmp_path / f"cli-{len(list(tmp_path.glob('cli-*')))}.xlsx"
    code, _, err = run(capsys, *args, "--data-dir", str(app.settings.data_dir), "-o", str(out))
    assert code in (0, 1), err  # reduction-list check: 1 when the list does not pass
    return book_rows(out)


def page_total(html: str, marker: str) -> int:
    found = re.search(rf'id="{marker}">(\d+)<', html)
    assert found, marker
    return int(found.group(1))


# ---------------------------------------------------------------- the task list
def test_the_task_download_is_the_filtered_list_every_page_of_it(
    client: Callable[[str | None], TestClient], lantian: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = client("admin")
    page = admin.get("/tasks").text
    total = page_total(page, "task-count")
    assert total > 50  # more than one page: the file holds them all
    assert 'id="tasks-download"' in page and 'href="/tasks.xlsx"' in page
    rows = downloaded(admin.get("/tasks.xlsx"), "任务清单.xlsx")["任务清单"]
    assert len(rows) == 1 + total
    assert rows == cli(capsys, lantian, tmp_path, "tasks", "list")["任务清单"]  # only 苏州's plan is stored
    first = re.findall(r'<td>([^<]+)</td><td><a href="/tasks/\d+">', page)
    assert [str(r[0]) for r in rows[1 : 1 + len(first)]] == first  # the page's order

    filtered = admin.get("/tasks", params={"department": "发改委", "role": "cooperating"}).text
    assert 'href="/tasks.xlsx?department=' in filtered
    link = re.search(r'href="(/tasks\.xlsx\?[^"]+)"', filtered)
    assert link
    rows = downloaded(admin.get(link.group(1).replace("&amp;", "&")), "任务清单.xlsx")["任务清单"]
    assert len(rows) == 1 + page_total(filtered, "task-count") < 1 + total
    wanted = ("--department", "发改委", "--role", "cooperating")
    assert rows == cli(capsys, lantian, tmp_path, "tasks", "list", *wanted)["任务清单"]
    assert all(re.search("发改委|发展改革委", str(r[4])) for r in rows[1:])  # 配合单位, as written


def test_the_task_download_is_scoped_by_place_like_the_list(
    client: Callable[[str | None], TestClient], lantian: App, tmp_path: Path
) -> None:
    with_places(lantian, tmp_path / "areas")
    plan = tmp_path / "南京.txt"
    plan.write_text("南京市测试计划\n一、任务\n1. 南京的任务。（市生态环境局负责）\n", encoding="utf-8")
    lantian.plans.import_files([plan], overrides={"jurisdiction": "南京市"})
    for name in ("admin", "dept", "other", "leader"):
        c = client(name)
        total = page_total(c.get("/tasks").text, "task-count")
        rows = downloaded(c.get("/tasks.xlsx"), "任务清单.xlsx")["任务清单"]
        assert len(rows) == 1 + total, name
        assert not any("南京的任务" in str(cell) for row in rows for cell in row), name
    assert client(None).get("/tasks.xlsx").status_code == 303  # sign in first


def test_a_bad_filter_is_named_not_a_traceback(client: Callable[[str | None], TestClient]) -> None:
    r = client("admin").get("/tasks.xlsx", params={"deadline_before": "明年"})
    assert r.status_code == 422 and "筛选条件有误" in r.text


# ---------------------------------------------------------------- the responsibility matrix
def test_the_matrix_page_is_department_by_task_with_levels_and_collectives_apart(
    client: Callable[[str | None], TestClient], lantian: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = client("admin")
    page = admin.get("/matrix").text
    sections = dict(re.findall(r'<section class="card matrix-group" id="matrix-(\w+)">(.*?)</section>', page, re.S))
    assert list(sections) == ["department", "level", "collective"]
    units = {kind: re.findall(r'<th class="unit"><a href="[^"]+">([^<]+)</a>', html) for kind, html in sections.items()}
    assert "市生态环境局" in units["department"] and "各县级市（区）人民政府（管委会）" in units["level"]
    assert all(department_kind(u) is DepartmentKind(kind) for kind, names in units.items() for u in names)
    rows = downloaded(admin.get("/matrix.xlsx"), "责任矩阵.xlsx")["责任矩阵"]
    assert rows == cli(capsys, lantian, tmp_path, "tasks", "matrix")["责任矩阵"]
    assert rows[0][:2] == ["部门", "类别"]
    assert [r[0] for r in rows[1:]] == units["department"] + units["level"] + units["collective"]  # in order
    eco = next(r for r in rows if r[0] == "市生态环境局")
    cells = re.search(r'<a href="/tasks\?department=%E5%B8%82%E7%94%9F%E6%80%81%E7%8E%AF%E5%A2%83%E5%B1%80">'
                      r"市生态环境局</a></th>(.*?)</tr>", sections["department"], re.S)  # fmt: skip
    assert cells
    shown = re.findall(r'<td class="cell[^"]*">([^<]*)</td>', cells.group(1))
    assert shown == [c or "" for c in eco[2:-3]]  # cell by cell: 牵头 / 配合 / 负责

    one = admin.get("/matrix", params={"department": "发改委"}).text
    link = re.search(r'href="(/matrix\.xlsx\?[^"]+)"', one)
    assert link and "department=%E5%8F%91%E6%94%B9%E5%A7%94" in link.group(1)
    narrowed = downloaded(admin.get(link.group(1)), "责任矩阵.xlsx")["责任矩阵"]
    assert narrowed == cli(capsys, lantian, tmp_path, "tasks", "matrix", "--department", "发改委")["责任矩阵"]
    assert len(narrowed[0]) < len(rows[0])


def test_a_department_sees_and_downloads_only_its_tasks_in_the_matrix(
    client: Callable[[str | None], TestClient],
) -> None:
    dept = client("dept")
    page = dept.get("/matrix").text
    rows = downloaded(dept.get("/matrix.xlsx"), "责任矩阵.xlsx")["责任矩阵"]
    eco = next(r for r in rows if r[0] == "市生态环境局")
    assert all(cell for cell in eco[2:-3])  # every column is a task naming it
    assert page_total(page, "matrix-count") == len(rows[0]) - 5


def test_a_matrix_too_wide_for_the_page_asks_for_a_filter_and_still_downloads(
    client: Callable[[str | None], TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "MATRIX_COLUMNS", 10)
    admin = client("admin")
    page = admin.get("/matrix").text
    assert 'id="matrix-too-many"' in page and "最多按列显示 10 项" in page and "matrix-group" not in page
    rows = downloaded(admin.get("/matrix.xlsx"), "责任矩阵.xlsx")["责任矩阵"]
    assert len(rows[0]) - 5 == page_total(page, "matrix-count") > 10
    narrowed = admin.get("/matrix", params={"department": "苏州海关"}).text  # a handful of tasks: drawn
    assert "matrix-group" in narrowed and 'id="matrix-too-many"' not in narrowed


# ---------------------------------------------------------------- reduction-list check reports
LIST = ("清单.xlsx", list_template(), XLSX)


def test_a_checks_report_downloads_as_the_cli_writes_it(
    client: Callable[[str | None], TestClient], lantian: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dept = client("dept")
    page = dept.post("/reduction-lists/check", files={"file": LIST}, data={"jurisdiction": "海门市"})
    assert page.status_code == 200
    assert "lantian-upload" not in page.text and "：清单.xlsx" in page.text  # the upload's name, not a folder
    link = re.search(r'href="(/reduction-lists/check/[\w-]{32}\.xlsx)" id="report-download"', page.text)
    assert link
    book = downloaded(dept.get(link.group(1)), "减排清单核查-清单.xlsx")
    listed = tmp_path / "清单.xlsx"
    listed.write_bytes(list_template())
    assert book == cli(capsys, lantian, tmp_path, "reduction-list", "check", str(listed), "--jurisdiction", "海门市")
    assert list(book) == ["减排比例", "不符合项", "企业减排量", "保障类与豁免", "重点用车单位", "未纳入清单"]
    ratios = book["减排比例"]
    assert ratios[0][:4] == ["清单", "结论", "级别", "污染物"] and ratios[1][1] == "未通过"  # 海门市: 30/40/50 %
    shortfalls = [r[8] for r in ratios[1:] if r[8]]
    assert shortfalls and all(s > 0 for s in shortfalls)
    shown = re.findall(r"<td>(\d+\.\d{3})</td></tr>", page.text)  # the page's 缺口 column
    assert [f"{s:.3f}" for s in shortfalls] == shown
    assert client("other").get(link.group(1)).status_code == 404  # another user's check: unknown
    assert dept.get("/reduction-lists/check/" + "y" * 32 + ".xlsx").status_code == 404


def test_the_kept_lists_report_downloads_for_the_places_that_see_it(
    client: Callable[[str | None], TestClient], lantian: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_places(lantian, tmp_path / "areas")
    kept = tmp_path / "kept.xlsx"
    kept.write_bytes(list_template())
    for place in ("苏州市", "南京市"):
        lantian.reduction.import_list(kept, place)
    admin = client("admin")
    page = admin.get("/reduction-list").text
    assert f'href="/reduction-list.xlsx?jurisdiction={quote("苏州市")}"' in page
    book = downloaded(admin.get("/reduction-list.xlsx"), "减排清单核查-苏州市.xlsx")
    assert book == cli(capsys, lantian, tmp_path, "reduction-list", "check", str(kept), "--jurisdiction", "苏州市")
    assert admin.get("/reduction-list.xlsx", params={"jurisdiction": "南京市"}).status_code == 403  # as the page
    assert admin.get("/reduction-list", params={"jurisdiction": "南京市"}).status_code == 403
    assert admin.get("/reduction-list.xlsx", params={"jurisdiction": "江苏省"}).status_code == 404  # none kept
