"""The public page (信息公开): whose page it is, health advice per AQI level as HJ 633 writes it, and
the 举报 form: anonymous, signed, rate-limited, photos checked by content, a ticket for the office
and a tracking code that shows its reporter the state and dated steps only."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.tracking.model import Actor, TicketSource, UserRole
from lantian.domain.tracking.public import ALPHABET, normalize_code, strip_jpeg
from lantian.domain.tracking.workflow import TicketAction
from lantian.storage import tables as t
from lantian.web.app import create_app
from tests.web.conftest import ENV, PASSWORD

# HJ 633—2012 表2 空气质量指数及相关信息: (级别, 类别, 颜色, 对健康影响情况, 建议采取的措施), as printed
HJ633_2012_TABLE_2 = [
    ("一级", "优", "绿色", "空气质量令人满意，基本无空气污染", "各类人群可正常活动"),
    ("二级", "良", "黄色", "空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响",
     "极少数异常敏感人群应减少户外活动"),
    ("三级", "轻度污染", "橙色", "易感人群症状有轻度加剧，健康人群出现刺激症状",
     "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼"),
    ("四级", "中度污染", "红色", "进一步加剧易感人群症状，可能对健康人群心脏、呼吸系统有影响",
     "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动"),
    ("五级", "重度污染", "紫色", "心脏病和肺病患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状",
     "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动"),
    ("六级", "严重污染", "褐红色", "健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病",
     "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动"),
]  # fmt: skip
# published city daily values (the aqistudy layout: city, day, AQI, range, category, PM2.5, PM10, SO2, CO, NO2,
# O3, O3-8h)
HISTORY = {
    "苏州": "苏州,2016-05-01,120,100~130,轻度污染,80,100,10,0.8,40,120,110\n"
    "苏州,2017-01-02,60,50~70,良,40,60,9,0.7,35,50,45\n",
    "无锡": "无锡,2016-05-01,130,110~140,轻度污染,90,110,11,0.9,41,121,111\n"
    "无锡,2017-01-03,40,30~50,优,20,30,9,0.7,35,50,45\n",
}


def png(text: bytes = b"") -> bytes:
    """A 1×1 PNG; ``text`` goes into a tEXt chunk (metadata a kept photo must not carry)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    extra = chunk(b"tEXt", b"Comment\x00" + text) if text else b""
    pixels = chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    return b"\x89PNG\r\n\x1a\n" + header + extra + pixels + chunk(b"IEND", b"")


def jpeg(exif: bytes) -> bytes:
    """SOI, an APP1 (EXIF) segment, a scan and EOI."""
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    return b"\xff\xd8" + app1 + b"\xff\xda\x00\x02picture\xff\xd9"


def office_app(folder: Path, **env: str) -> App:
    settings = Settings.load(folder, env={"LANTIAN_OFFICE_PLACE": "苏州市", **env})
    app = App.open(settings)
    accounts = [("admin", UserRole.ADMIN, "苏州市", None), ("dept", UserRole.DEPARTMENT, "苏州市", ENV),
                ("wuxi", UserRole.ADMIN, "无锡市", None), ("leader", UserRole.LEADER, "苏州市", None)]  # fmt: skip
    for name, role, place, department in accounts:
        app.accounts.add(name, PASSWORD, role, place, department=department)
    return app


@pytest.fixture
def office(tmp_path: Path) -> Iterator[App]:
    app = office_app(tmp_path / "office", LANTIAN_MAX_REPORTS_PER_HOUR="3")
    yield app
    app.close()


def signed_in(app: App, name: str | None) -> TestClient:
    c = TestClient(create_app(lantian=app), follow_redirects=False)
    if name is not None:
        r = c.post("/api/v1/session", json={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c


def token_of(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, "the 举报 form carries a signed token"
    return found.group(1)


def file_report(c: TestClient, *, text: str = "某工地夜间无苫盖，扬尘严重", location: str = "工业园区星湖街",
                contact: str = "13800000000",
                photos: list[tuple[str, bytes, str]] | None = None) -> tuple[int, str]:  # fmt: skip
    token = token_of(c.get("/public").text)
    sent = photos if photos is not None else [("现场.png", png(b"GPS 31.3,120.6"), "image/png")]
    files = [("photos", p) for p in sent]
    r = c.post("/public/reports", data={"token": token, "text": text, "location": location, "contact": contact},
               files=files or None)  # fmt: skip
    return r.status_code, r.headers.get("location", "") if r.status_code == 303 else r.text


def code_in(location: str) -> str:
    found = re.search(r"code=([0-9A-Z-]+)", location)
    assert found, location
    return found.group(1)


# ---------------------------------------------------------------- whose page, advice
def test_the_page_says_whose_it_is(office: App, web: TestClient) -> None:
    html = signed_in(office, None).get("/public").text
    assert '<h1 id="public-title">苏州市 大气污染防治信息公开</h1>' in html
    assert "<title>苏州市 大气污染防治信息公开" in html
    assert 'id="report-form"' in html
    assert signed_in(office, None).get("/api/v1/public").json()["office_place"] == "苏州市"
    plain = web.get("/public").text  # no place set: every place stored, no complaints taken
    assert '<h1 id="public-title">大气污染防治信息公开</h1>' in plain
    assert "本平台未设所属辖区，本页涵盖已存储的全部地区。" in plain
    assert "本平台未设所属辖区，暂不受理在线举报。" in plain and 'id="report-form"' not in plain


def test_the_office_place_comes_from_the_data_folder_and_the_environment_wins(tmp_path: Path) -> None:
    from lantian.bootstrap import office_place
    from lantian.errors import InputError

    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "office.toml").write_text('place = "苏州市"\n', encoding="utf-8")
    assert office_place(Settings.load(folder, env={})) == "苏州市"
    assert office_place(Settings.load(folder, env={"LANTIAN_OFFICE_PLACE": "无锡市"})) == "无锡市"
    (folder / "office.toml").write_text('city = "苏州市"\n', encoding="utf-8")
    with pytest.raises(InputError, match="city"):
        office_place(Settings.load(folder, env={}))


def test_health_advice_is_hj_633_table_2_for_the_offices_latest_day(office: App, tmp_path: Path) -> None:
    files = []
    for city, text in HISTORY.items():
        (tmp_path / f"{city}.csv").write_text(text, encoding="utf-8")
        files.append(tmp_path / f"{city}.csv")
    office.airquality.import_published(files, city_from_file_name=True)
    c = signed_in(office, None)
    html = c.get("/public").text
    today = html[html.index('id="public-today"') : html.index("</section>", html.index('id="public-today"'))]
    assert "苏州 2017-01-02" in today and "<strong>60</strong>" in today  # the newest day of 苏州, not 无锡's
    assert f"{HJ633_2012_TABLE_2[1][3]}" in today and HJ633_2012_TABLE_2[1][4] in today
    legend = html[html.index('id="public-levels"') :]
    assert "HJ 633-2012 表2" in legend
    for name, category, colour, health, advice in HJ633_2012_TABLE_2:
        assert f"{name} · {category}" in legend and colour in legend
        assert f'<p class="health">{health}</p><p class="advice">{advice}</p>' in legend
    api = c.get("/api/v1/public/reports/form").json()
    assert api["levels_standard"] == "HJ 633-2012 表2"
    assert [(x["name"], x["category"], x["colour"], x["health"], x["advice"]) for x in api["levels"]] == [
        row for row in HJ633_2012_TABLE_2
    ]


# ---------------------------------------------------------------- 举报
def test_a_complaint_opens_a_ticket_for_the_office_and_its_code_follows_it(office: App) -> None:
    visitor = signed_in(office, None)
    status, location = file_report(visitor)
    assert status == 303, location
    code = code_in(location)
    page = visitor.get(location)
    assert page.status_code == 200
    assert "举报已受理" in page.text and code in page.text and "发现" in page.text and "受理" in page.text

    admin = signed_in(office, "admin")
    (ticket,) = [k for k in admin.get("/api/v1/tickets").json() if k["source"] == "complaint"]
    assert ticket["jurisdiction"] == "苏州市" and ticket["state"] == "found"
    assert ticket["description"] == "某工地夜间无苫盖，扬尘严重" and ticket["location"] == "工业园区星湖街"
    detail = admin.get(f"/tickets/{ticket['id']}")
    assert detail.status_code == 200 and "群众举报：工业园区星湖街" in detail.text
    assert "13800000000" in detail.text  # the reporter's contact, for the office
    evidence = office.workflow.ticket(Actor("admin", UserRole.ADMIN, "苏州市"), ticket["id"]).steps[0].evidence
    assert [(e.filename, e.content_type) for e in evidence] == [("照片1.png", "image/png")]
    kept = office.workflow.blob_path(evidence[0].sha256).read_bytes()
    assert kept.startswith(b"\x89PNG") and b"GPS" not in kept and b"tEXt" not in kept  # metadata removed

    # a sibling city's office neither lists it nor opens it; a department is not told the contact
    wuxi = signed_in(office, "wuxi")
    assert all(k["source"] != "complaint" for k in wuxi.get("/api/v1/tickets").json())
    assert wuxi.get(f"/tickets/{ticket['id']}").status_code == 403
    assert wuxi.get(f"/api/v1/tickets/{ticket['id']}").status_code == 403
    # audited as the public's, without the contact
    entries = office.audit.entries(limit=5, actor=Actor("admin", UserRole.ADMIN, "苏州市"),
                                   ancestors=office.workflow.ancestors)  # fmt: skip
    created = [e for e in entries if e.action == "ticket.create"]
    assert created and created[0].actor == "（公众）"
    assert "13800000000" not in repr(created[0])


def test_the_tracking_page_shows_the_state_and_dated_steps_only(office: App, seeds_dir: Path) -> None:
    office.plans.import_files(sorted(seeds_dir.glob("000_*.txt")))  # the office's plan names the unit it hands on to
    visitor = signed_in(office, None)
    code = code_in(file_report(visitor)[1])
    admin = Actor("admin", UserRole.ADMIN, "苏州市")
    (ticket,) = office.workflow.tickets(admin)
    office.workflow.ticket_step(admin, ticket.id, TicketAction.ASSIGN, version=ticket.version, department=ENV,
                                due=ticket.created_at.date(), note="内部备注：请张科长联系施工单位")  # fmt: skip
    for shown in (visitor.get("/public/track", params={"code": code.lower().replace("-", " ")}).text,
                  visitor.get(f"/api/v1/public/reports/{code}").text):  # fmt: skip
        assert "交办" in shown and "受理" in shown
        for secret in ("内部备注", "张科长", ENV, "admin", "13800000000", "（公众）", "照片1", "工业园区星湖街"):
            assert secret not in shown, secret
    body = visitor.get(f"/api/v1/public/reports/{code}").json()
    assert set(body) == {"code", "state", "state_label", "received", "closed", "steps"}
    assert body["code"] == code and body["state"] == "assigned" and body["state_label"] == "交办"
    assert [s["label"] for s in body["steps"]] == ["受理", "交办"]
    assert all(set(s) == {"day", "label"} for s in body["steps"])


def test_complaints_from_one_address_are_rate_limited(office: App) -> None:
    visitor = signed_in(office, None)
    for _ in range(3):
        assert file_report(visitor, photos=[])[0] == 303
    status, html = file_report(visitor, text="第四次举报的内容", photos=[])
    assert status == 429
    assert "提交过于频繁" in html and "第四次举报的内容" in html  # beside the form, the text kept
    assert len(office.workflow.tickets(Actor("admin", UserRole.ADMIN, "苏州市"))) == 3
    # the count is kept in the database: a restarted server still refuses
    assert file_report(signed_in(office, None), photos=[])[0] == 429


def test_a_bad_photo_is_refused_beside_its_field_with_the_text_kept(office: App) -> None:
    visitor = signed_in(office, None)
    status, html = file_report(visitor, text="烟囱冒黑烟", contact="微信 abc",
                               photos=[("伪装.jpg", b"%PDF-1.4 not a picture", "image/jpeg")])  # fmt: skip
    assert status == 422
    error = re.search(r'<p class="error" id="error-photos">([^<]+)</p>', html)
    assert error and "伪装.jpg" in error.group(1) and "照片须为 JPEG 或 PNG 图片" in error.group(1)
    assert ">烟囱冒黑烟</textarea>" in html and 'value="工业园区星湖街"' in html and 'value="微信 abc"' in html
    status, html = file_report(visitor, photos=[(f"{i}.png", png(), "image/png") for i in range(4)])
    assert status == 422 and "照片最多 3 张" in html
    status, html = file_report(visitor, text="  ", photos=[])
    assert status == 422 and re.search(r'id="error-text">请填写举报内容<', html)
    assert office.workflow.tickets(Actor("admin", UserRole.ADMIN, "苏州市")) == []


def test_a_form_without_a_good_token_is_refused(office: App) -> None:
    visitor = signed_in(office, None)
    token = token_of(visitor.get("/public").text)
    forged = token.split(".")[0] + "." + "0" * 32
    for sent in ("", forged, "1." + token.split(".")[1]):
        r = visitor.post("/public/reports", data={"token": sent, "text": "x", "location": "y"})
        assert r.status_code == 422 and "表单已过期" in r.text
    r = visitor.post("/api/v1/public/reports", data={"token": forged, "text": "x", "location": "y"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "token"


def test_the_api_files_and_follows_a_complaint(office: App) -> None:
    visitor = signed_in(office, None)
    form = visitor.get("/api/v1/public/reports/form").json()
    assert form["office_place"] == "苏州市" and form["max_photos"] == 3 and form["per_hour"] == 3
    r = visitor.post("/api/v1/public/reports", data={"token": form["token"], "text": "露天焚烧", "location": "村口"},
                     files=[("photos", ("a.jpg", jpeg(b"Exif\x00\x00GPS"), "image/jpeg"))])  # fmt: skip
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["state_label"] == "发现" and [s["label"] for s in body["steps"]] == ["受理"]
    assert visitor.get(f"/api/v1/public/reports/{body['code']}").json() == body


def test_a_code_cannot_be_guessed_or_enumerated(office: App) -> None:
    visitor = signed_in(office, None)
    codes = [code_in(file_report(visitor, photos=[])[1]) for _ in range(2)]
    plain = [normalize_code(c) for c in codes]
    assert all(p is not None and len(p) == 12 and set(p) <= set(ALPHABET) for p in plain)
    assert codes[0] != codes[1]
    with office.store.tracking_read() as repo:  # only the code's digest is stored
        rows = repo.session.execute(select(t.public_reports)).all()
    assert len(rows) == 2 and not any(p and p in repr(r) for r in rows for p in plain)
    # a neighbouring code is unknown; a malformed one says what a code is
    neighbour = ALPHABET[(ALPHABET.index(plain[0][-1]) + 1) % 32]  # type: ignore[index]
    r = visitor.get(f"/api/v1/public/reports/{plain[0][:-1]}{neighbour}")  # type: ignore[index]
    assert r.status_code == 404 and r.json()["error"]["field"] == "code"
    page = visitor.get("/public/track", params={"code": "1234"})
    assert page.status_code == 422 and "查询码为 12 位字母和数字" in page.text and 'value="1234"' in page.text
    # a scanner is stopped: after 30 unknown codes the address is refused, even a right code
    for i in range(29):
        visitor.get(f"/api/v1/public/reports/{'0' * 8}{i:04d}")
    assert visitor.get(f"/api/v1/public/reports/{codes[1]}").status_code == 429


def test_jpeg_metadata_is_removed_and_the_picture_kept() -> None:
    data = jpeg(b"Exif\x00\x00GPS 31.3N")
    assert strip_jpeg(data) == b"\xff\xd8\xff\xda\x00\x02picture\xff\xd9"


def test_no_place_takes_no_complaints(lantian: App, client: Callable[[str | None], TestClient]) -> None:
    r = client(None).post("/api/v1/public/reports", data={"token": "x", "text": "t", "location": "l"})
    assert r.status_code == 404 and r.json()["error"]["field"] == "office"
    assert lantian.workflow.tickets(Actor("admin", UserRole.ADMIN, "苏州市")) == []


def test_a_ticket_from_the_office_is_not_a_public_report(office: App) -> None:
    admin = Actor("admin", UserRole.ADMIN, "苏州市")
    ticket = office.workflow.open_ticket(admin, source=TicketSource.COMPLAINT, title="电话投诉", description="d")
    assert office.public.contact(admin, ticket.id) is None
