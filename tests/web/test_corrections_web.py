"""Correcting a flagged field from the review screen and the API (复核更正): seed 000 (苏州) raises two
meta flags (the place read from the text, the year from the earliest deadline)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from lantian.bootstrap import App


def test_the_review_screen_corrects_a_field(lantian: App, client: Callable[[str | None], TestClient]) -> None:
    admin = client("admin")
    page = admin.get("/plans").text
    assert page.count('data-field="meta"') == 2 and 'name="jurisdiction"' in page
    assert '<option value="district">' in page
    year = next(f for f in admin.get("/api/v1/flags").json() if "year" in f["message"])
    assert (year["field_label"], year["correctable"], year["parts"]) == ("计划信息", True, [])
    form = {"csrf_token": admin.headers["X-CSRF-Token"], "field": "meta", "jurisdiction": "", "level": "",
            "year": "2025", "note": "", "status": "corrected"}  # fmt: skip
    assert admin.post(f"/flags/{year['id']}", data=form).status_code == 303
    (done,) = admin.get("/api/v1/flags", params={"status": "corrected"}).json()
    assert (done["id"], done["resolution"], done["correction"]) == (
        year["id"], "年度：2025", {"field": "meta", "year": 2025}
    )  # fmt: skip
    (plan,) = admin.get("/api/v1/plans").json()
    assert (plan["year"], plan["revision"]) == (2025, 2)
    # a correction that does not fit is refused with the field named, and nothing changes
    bad = {**form, "year": "1999"}
    r = admin.post(f"/flags/{year['id']}", data=bad)
    assert r.status_code == 422 and "2000–2100" in r.text
    place = next(f for f in admin.get("/api/v1/flags").json() if f["field"] == "meta")
    r = admin.post(f"/api/v1/flags/{place['id']}", json={"status": "corrected", "correction": {"field": "meta"}})
    assert r.status_code == 422 and r.json()["error"]["field"] == "jurisdiction"
    r = admin.post(f"/api/v1/flags/{place['id']}",
                   json={"status": "corrected", "correction": {"field": "deadline", "text": "6月底前"}})  # fmt: skip
    assert r.status_code == 422 and "更正字段不符" in r.json()["error"]["message"]
    assert admin.get("/api/v1/plans").json()[0]["revision"] == 2
    # the API corrects it
    body = {"status": "corrected", "correction": {"field": "meta", "jurisdiction": "苏州市"}, "note": "见文件抬头"}
    r = admin.post(f"/api/v1/flags/{place['id']}", json=body)
    assert r.status_code == 200 and r.json()["resolution"] == "见文件抬头"
    assert admin.get("/api/v1/plans").json()[0]["revision"] == 2  # the plan said 苏州市 already: no new revision
    assert client("dept").post(f"/api/v1/flags/{place['id']}", json=body).status_code == 403
