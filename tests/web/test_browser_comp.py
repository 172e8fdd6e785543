"""生态补偿 in the browser, at 1366 px and 390 px: the 江苏省 大气办 (dqb) opens January 2025's
settlement over its 13 cities (上海 is not among them), confirms it, sees it frozen, downloads the
workbook and reads it back; the leader (lingdao) reads the confirmed settlement and has no confirm
button. Real data: the 2025 Jiangsu and Shanghai stations."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.tracking.model import UserRole
from tests.helpers import ARCHIVE_2025, aq_store
from tests.web.browsing import require_browser, served, walkers
from tests.web.conftest import PASSWORD

sync_api = require_browser()

JIANGSU = ("南京", "无锡", "徐州", "常州", "苏州", "南通", "连云港", "淮安", "盐城", "扬州", "镇江", "泰州", "宿迁")


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Iterator[App]:
    folder = tmp_path_factory.mktemp("comp") / "data"
    svc = aq_store(folder, seeds_dir, ARCHIVE_2025)
    cities = "".join(f"{c},江苏省\n" for c in JIANGSU)
    (folder / "areas.csv").write_text(f"城市,省级行政区\n{cities}上海,上海市\n", encoding="utf-8")
    svc.import_area_map(folder / "areas.csv")
    app = App.open(Settings.load(folder))
    app.accounts.add("dqb", PASSWORD, UserRole.ADMIN, "江苏省", display_name="省大气办")
    app.accounts.add("lingdao", PASSWORD, UserRole.LEADER, "江苏省", display_name="省领导")
    yield app
    app.close()


def test_the_office_confirms_and_downloads_the_leader_reads(province: App) -> None:
    with served(province) as base, walkers(base, sync_api) as pages:
        for n, w in enumerate(pages):
            w.page.set_default_timeout(180_000)  # a settlement is computed on each read: seconds on a busy machine
            w.sign_in("dqb", PASSWORD)
            w.open("/compensation?year=2025&span=01")
            totals = w.page.locator("#comp-totals")
            places = [r.locator("td").first.inner_text() for r in totals.locator("tr").all()[1:-1]]
            assert sorted(places) == sorted(JIANGSU)  # 上海 is not 江苏省's
            assert "上海" not in w.page.locator("main").inner_text()
            assert w.page.locator("#comp-span").input_value() == "01"
            w.no_sideways_scroll()
            if n == 0:  # the first width confirms; the second finds it confirmed
                assert "草稿" in w.page.locator("#comp-status").inner_text()
                w.shot("comp-draft-dqb")
                w.page.click("#comp-confirm")
                w.page.wait_for_url("**/compensation?*done=confirmed*")
                assert "已确认结算" in w.page.locator("#comp-done").inner_text()
            status = w.page.locator("#comp-status").inner_text()
            assert "已确认" in status and "省大气办" in status
            assert w.page.locator("#comp-confirm").count() == 0
            w.shot("comp-confirmed-dqb")
            with w.page.expect_download() as caught:
                w.page.click("#comp-download")
            download = caught.value
            assert download.suggested_filename == "生态补偿结算-江苏省-2025-01.xlsx"
            book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
            rows = list(book.worksheets[0].iter_rows(values_only=True))
            assert {r[0] for r in rows[1:-1]} == set(JIANGSU)
            assert str(rows[1][-1]).startswith("已确认：省大气办")
            assert len(book.sheetnames) == 4  # 合计 + the three shipped schemes
            w.page.context.clear_cookies()
            w.sign_in("lingdao", PASSWORD)
            w.open("/compensation?year=2025&span=01")
            assert "已确认" in w.page.locator("#comp-status").inner_text()
            assert w.page.locator("#comp-confirm").count() == 0 and w.page.locator("#comp-replace").count() == 0
            assert w.page.locator(".comp-scheme").count() == 3
            w.no_sideways_scroll()
            w.shot("comp-lingdao")
            w.page.context.clear_cookies()


def test_the_api_confirms_refuses_a_silent_replace_and_audits(province: App) -> None:
    from fastapi.testclient import TestClient

    from lantian.domain.targets.registry import target_entry
    from lantian.domain.tracking.model import Actor
    from lantian.web.app import create_app

    c = TestClient(create_app(lantian=province))
    token = c.post("/api/v1/session", json={"username": "dqb", "password": PASSWORD}).json()["csrf_token"]
    c.headers["X-CSRF-Token"] = token
    first = c.post("/api/v1/compensation/confirm", json={"period": "2025-01"})
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "confirmed" and first.json()["office"] == "江苏省"
    # 南京 gets its own target (003 附件1's 31): today's settlement differs from the confirmed one
    admin = Actor("dqb", UserRole.ADMIN, "江苏省")
    province.targets.set(target_entry("南京市", "pm25", 2025, 31), admin)
    shown = c.get("/api/v1/compensation", params={"period": "2025-01"}).json()
    assert shown["status"] == "confirmed" and shown["lines"] == first.json()["lines"]
    assert [d.split("：")[0] for d in shown["differences"]] == ["南京·PM2.5浓度考核（成都式）"]
    refused = c.post("/api/v1/compensation/confirm", json={"period": "2025-01"})
    assert refused.status_code == 409 and "南京" in refused.json()["error"]["message"]
    replaced = c.post("/api/v1/compensation/confirm", json={"period": "2025-01", "replace": True})
    assert replaced.status_code == 200 and len(replaced.json()["differences"]) == 1
    nanjing = next(x for x in replaced.json()["lines"] if x["place"] == "南京" and x["reference"] is not None)
    assert nanjing["reference"] == 31
    entries = province.audit.entries(entity="compensation")
    assert entries and entries[0].action == "compensation.confirm" and entries[0].entity_id == "江苏省·2025-01"
    assert c.get("/api/v1/compensation", params={"period": "2025-13"}).status_code == 422
