"""Importing a plan is a write to the plan's place: a 大气办 imports plans of its own place and the
places below it, and revises only the plans its own office keeps; the command line does any.
Places: 江苏省 ⊃ 苏州市 ⊃ 昆山市, 南京市 beside 苏州市 (tests.web.test_place_matrix.with_places)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.domain.tracking.model import UserRole
from tests.web.conftest import PASSWORD
from tests.web.test_place_matrix import with_places


def plan(place: str, task: str = "测试任务") -> tuple[str, bytes, str]:
    text = f"{place}2024年大气污染防治工作计划\n一、任务\n1. {task}。（市生态环境局负责）\n"
    return (f"{place}.txt", text.encode(), "text/plain")


@pytest.fixture
def offices(lantian: App, tmp_path: Path, client: Callable[[str | None], TestClient]) -> dict[str, TestClient]:
    with_places(lantian, tmp_path / "areas")
    for name, place in {"js": "江苏省", "nj": "南京市", "ks": "昆山市"}.items():
        lantian.accounts.add(name, PASSWORD, UserRole.ADMIN, place)
    return {name: client(name) for name in ("admin", "js", "nj", "ks")}


# importer → the places whose new plans it may import
MAY_IMPORT = {"admin": {"苏州市", "昆山市"}, "js": {"江苏省", "苏州市", "南京市", "昆山市"}, "nj": {"南京市"},
              "ks": {"昆山市"}}  # fmt: skip


@pytest.mark.parametrize("importer", sorted(MAY_IMPORT))
def test_a_new_plan_is_imported_by_its_place_or_one_above(
    offices: dict[str, TestClient], lantian: App, importer: str
) -> None:
    for place in ("江苏省", "苏州市", "南京市", "昆山市"):
        before = {p.key for p in lantian.plans.list_plans()}
        r = offices[importer].post("/api/v1/plans", files={"file": plan(place, f"{importer}的任务")})
        if place in MAY_IMPORT[importer]:
            assert r.status_code == 200, (place, r.text)
        else:
            assert r.status_code == 403, (place, r.text)
            assert "非本辖区或下级" in r.json()["error"]["message"]
            assert {p.key for p in lantian.plans.list_plans()} == before  # nothing written


def test_another_office_cannot_revise_a_plan_it_does_not_keep(offices: dict[str, TestClient], lantian: App) -> None:
    r = offices["admin"].post("/api/v1/plans", files={"file": plan("苏州市")})
    (outcome,) = r.json()["outcomes"]
    revised = plan("苏州市", "改写的任务")
    for other in ("nj", "js", "ks"):  # a sibling, the province above and the county below
        r = offices[other].post("/api/v1/plans", files={"file": revised})
        assert r.status_code == 403, (other, r.text)
        same = offices[other].post("/api/v1/plans", files={"file": plan("苏州市")})
        assert same.status_code == 403, (other, same.text)  # the same bytes are not a way in either
    (kept,) = [p for p in lantian.plans.list_plans() if p.key == outcome["key"]]
    assert kept.revision == 1
    r = offices["admin"].post("/api/v1/plans", files={"file": revised})
    assert r.status_code == 200 and r.json()["outcomes"][0]["status"] == "revised"


def test_the_command_line_imports_any_place(lantian: App, tmp_path: Path, offices: dict[str, TestClient]) -> None:
    file = tmp_path / "南京市.txt"
    file.write_bytes(plan("南京市")[1])
    (outcome,) = lantian.plans.import_files([file]).outcomes
    assert outcome.status == "created"
