"""月报 from the browser, end to end over 苏州's 2025 station data: the 大气办 generates January's
bulletin (the page shows the job working until it is done), downloads the .docx, publishes it (the
PDF made by LibreOffice), publishes it again (replaced, audited), and anyone downloads both files
from /public; without LibreOffice the .docx is published all the same and the page says why there
is no PDF. A department neither downloads another's draft nor publishes."""

from __future__ import annotations

import io
import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import httpx
import pytest
from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.config import Settings
from tests.helpers import ARCHIVE_2025, aq_store
from tests.web.conftest import ACCOUNTS, PASSWORD

MONTH = "2025-01"
TITLE = "苏州市2025年1月环境空气质量月报"


@pytest.fixture(scope="module")
def bulletin_data(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    """Seed 000, the accounts, the 2025 Jiangsu + 上海 station data and the national area map."""
    folder = tmp_path_factory.mktemp("bulletins") / "data"
    folder.mkdir()
    svc = aq_store(folder, seeds_dir, ARCHIVE_2025)
    svc.import_area_map(seeds_dir.parent / "data" / "aq" / "stations" / "NewSiteList.csv")
    (folder / "office.toml").write_text('place = "苏州市"\n', encoding="utf-8")  # 本平台所属辖区: /public is 苏州's
    app = App.open(Settings.load(folder))
    (seed,) = seeds_dir.glob("000_*.txt")
    app.plans.import_files([seed])
    for name, (role, department) in ACCOUNTS.items():
        app.accounts.add(name, PASSWORD, role, "苏州市", department=department)
    app.close()
    return folder


@pytest.fixture
def app(tmp_path: Path, bulletin_data: Path) -> Iterator[App]:
    shutil.copytree(bulletin_data, tmp_path / "data")
    opened = App.open(Settings.load(tmp_path / "data"))
    opened.bulletins.runs = 20  # the probabilities' simulated years: enough to test, quick
    yield opened
    opened.close()


@pytest.fixture
def clients(app: App) -> Callable[[str | None], TestClient]:
    from lantian.web.app import create_app

    def make(name: str | None) -> TestClient:
        c = TestClient(create_app(lantian=app), follow_redirects=False)
        if name is not None:
            r = c.post("/api/v1/session", json={"username": name, "password": PASSWORD})
            assert r.status_code == 200, r.text
            c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        return c

    return make


def post(c: TestClient, path: str, **data: str) -> httpx.Response:
    return c.post(path, data={**data, "csrf_token": c.headers["X-CSRF-Token"]})


def wait(c: TestClient, month: str = MONTH, limit: float = 600) -> str:
    """The bulletins page once its job is done; while it runs the page says so and asks to be refreshed."""
    seen_working = False
    end = time.monotonic() + limit
    while time.monotonic() < end:
        r = c.get("/bulletins", params={"month": month})
        if "Refresh" not in r.headers:
            assert 'id="bulletin-working"' not in r.text
            return str(r.text)
        assert 'id="bulletin-working"' in r.text and "页面会自动刷新" in r.text
        seen_working = True
        time.sleep(0.5)
    raise AssertionError(f"the job did not finish in {limit} s (seen working: {seen_working})")


def test_generate_download_publish_and_download_from_public(
    clients: Callable[[str | None], TestClient], app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, dept, anonymous = clients("admin"), clients("dept"), clients(None)
    page = admin.get("/bulletins")
    assert page.status_code == 200 and f'value="{MONTH}"' in page.text  # data to 2025-02-15: January is complete
    r = post(admin, "/bulletins/generate", month=MONTH)
    assert r.status_code == 303 and r.headers["location"] == f"/bulletins?month={MONTH}"
    working = admin.get("/bulletins", params={"month": MONTH})
    assert working.headers.get("Refresh") == "2" and "正在生成月报" in working.text
    done = wait(admin)
    assert TITLE in done and 'id="download-draft"' in done and 'id="publish-form"' in done
    r = admin.get("/bulletins/draft.docx", params={"month": MONTH})
    assert r.status_code == 200 and r.content.startswith(b"PK")
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
    cells = {c.text for t in docx.Document(io.BytesIO(r.content)).tables for row in t.rows for c in row.cells}
    assert TITLE in text
    # 苏州's rank is among Jiangsu's cities only (its own places are ranked when the maps name them)
    assert "在江苏省" in text and "个参与排名的设区市中排第" in text and "上海" not in text + "".join(cells)
    draft = r.content
    # a department: not another user's draft, and no publishing
    assert dept.get("/bulletins/draft.docx", params={"month": MONTH}).status_code == 404
    assert post(dept, "/bulletins/publish", month=MONTH).status_code == 403
    # the 大气办 publishes: the .docx read, and a PDF LibreOffice made
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is needed to make the PDF (scripts/setup installs it)")
    assert post(admin, "/bulletins/publish", month=MONTH).status_code == 303
    published = wait(admin)
    assert "已发布到信息公开页面" in published and "该月已发布过" in published
    (first,) = app.bulletins.published("苏州市")
    assert first.title == TITLE and first.pdf_sha256 is not None
    public = anonymous.get("/public")
    assert public.status_code == 200 and TITLE in public.text
    assert f'href="/public/bulletins/{first.id}.pdf"' in public.text
    (listed,) = anonymous.get("/api/v1/public/bulletins").json()
    assert (listed["title"], listed["month"]) == (TITLE, MONTH)
    assert listed["pdf_url"] == f"/public/bulletins/{first.id}.pdf"
    got = anonymous.get(f"/public/bulletins/{first.id}.docx")
    assert got.status_code == 200 and got.content == draft
    pdf = anonymous.get(f"/public/bulletins/{first.id}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert (app.settings.data_dir / "bulletins" / first.docx_sha256[:2] / first.docx_sha256).read_bytes() == draft
    # published again without LibreOffice: replaced (same address), audited, the .docx still there
    monkeypatch.setenv("PATH", str(tmp_path))
    assert post(admin, "/bulletins/publish", month=MONTH).status_code == 303
    again = wait(admin)
    assert "未找到" in again and "未能生成" in again and "已发布到信息公开页面" in again
    (second,) = app.bulletins.published("苏州市")
    assert second.id == first.id and second.pdf_sha256 is None and second.published_at >= first.published_at
    public = anonymous.get("/public").text
    assert f'href="/public/bulletins/{first.id}.docx"' in public and f"/public/bulletins/{first.id}.pdf" not in public
    assert anonymous.get(f"/public/bulletins/{first.id}.pdf").status_code == 404
    entries = app.audit.entries(entity="bulletin")
    assert [e.action for e in entries] == ["bulletin.republish", "bulletin.publish"]
    assert entries[0].entity_id == f"苏州市·{MONTH}" and json.loads(entries[0].after)["pdf_sha256"] is None
    audit_page = admin.get("/audit").text
    assert "重新发布月报" in audit_page and "发布月报" in audit_page


def test_a_bad_month_is_named_beside_its_field(clients: Callable[[str | None], TestClient]) -> None:
    admin = clients("admin")
    r = post(admin, "/bulletins/generate", month="2025-13")
    assert r.status_code == 422
    assert 'id="error-month"' in r.text and "月份格式应为" in r.text and 'value="2025-13"' in r.text
    page = admin.get("/bulletins", params={"month": "一月"})
    assert page.status_code == 422 and "月份格式应为" in page.text and 'value="一月"' in page.text
    assert admin.get("/bulletins/draft.docx", params={"month": MONTH}).status_code == 404  # none generated yet
    assert clients(None).get("/public/bulletins/1.pdf").status_code == 404


def test_the_command_line_refuses_a_bad_month(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    from lantian.cli.main import main

    data = str(app.settings.data_dir)
    assert main(["report", "publish", "--jurisdiction", "苏州市", "--month", "2025-13", "--data-dir", data]) == 2
    assert "月份格式应为" in capsys.readouterr().err


def test_a_leader_generates_but_does_not_publish(clients: Callable[[str | None], TestClient], app: App) -> None:
    leader = clients("leader")
    page = leader.get("/bulletins")
    assert page.status_code == 200 and 'id="generate-form"' in page.text
    assert post(leader, "/bulletins/publish", month=MONTH).status_code == 403
    assert app.bulletins.published("苏州市") == []
