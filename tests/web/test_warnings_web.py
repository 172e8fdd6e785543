"""Heavy-pollution weather in the web app: forecast levels and verification, the reduction list's check
and keeping, the measures in force during a warning and the readings check, through the API and the
pages, with the bad uploads. The figures are those worked in tests/cli (the shipped template: SO2 at
yellow 42.9 of 188.5 t/a, 13.65 t short of 海门's 30 %)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.services.assessment import Options
from tests.web.conftest import list_template

EPISODE = (160, 210, 230, 310, 320, 180)
CSV = "text/csv"


def episode() -> bytes:
    rows = [f"南京,2025-01-01 16:00,2025-01-{2 + i:02d},{a},PM2.5" for i, a in enumerate(EPISODE)]
    return ("城市,发布时间,预报日期,预报AQI,首要污染物\n" + "\n".join(rows) + "\n").encode("gbk")


def page_post(c: TestClient, url: str, **kwargs: object) -> object:
    data = {**kwargs.pop("data", {}), "csrf_token": c.headers["X-CSRF-Token"]}  # type: ignore[dict-item]
    return c.post(url, data=data, **kwargs)  # type: ignore[arg-type]


def test_forecast_levels_through_api_and_page(client: Callable[[str | None], TestClient]) -> None:
    dept = client("dept")
    codes = {s["code"] for s in dept.get("/api/v1/forecasts/schemes").json()}
    assert {"2018", "2024-key", "2024-other"} <= codes
    for scheme, expected in (("2018", [None, "red", "red", "red", "red", None]),
                             ("2024-key", ["orange", "red", "red", "red", "red", "orange"])):  # fmt: skip
        r = dept.post("/api/v1/forecasts/levels", files={"file": ("预报.csv", episode(), CSV)}, data={"scheme": scheme})
        assert r.status_code == 200, r.text
        (series,) = r.json()["series"]
        assert series["city"] == "南京" and series["level"] == "red"
        assert [d["level"] for d in series["days"]] == expected
    page = page_post(dept, "/forecasts/levels", files={"file": ("预报.csv", episode(), CSV)}, data={"scheme": "2018"})
    assert page.status_code == 200 and 'l-red">红色' in page.text and "持续≥96小时" in page.text  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "content", "scheme", "words"),
    [
        ("预报.csv", episode(), "2030", "unknown scheme '2030'"),
        ("预报.txt", episode(), "2018", "must be .csv/.xlsx"),
        ("预报.csv", b"", "2018", "empty"),
        ("坏预报.csv", "城市,发布时间,预报日期,预报AQI\n南京,2025-01-01,2025-01-02,九十\n".encode(), "2018", "aqi"),
    ],
    ids=["scheme", "suffix", "empty", "bad-row"],
)
def test_bad_forecast_upload_is_one_clear_error(
    client: Callable[[str | None], TestClient], name: str, content: bytes, scheme: str, words: str
) -> None:
    c = client("admin")
    r = c.post("/api/v1/forecasts/levels", files={"file": (name, content, CSV)}, data={"scheme": scheme})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert words in error["message"] + (error["field"] or "")
    assert "lantian-upload" not in r.text  # the upload's name, never the server's folder
    if name == "坏预报.csv":
        assert (error["file"], error["line"]) == ("坏预报.csv", 2)
    page = page_post(c, "/forecasts/levels", files={"file": (name, content, CSV)}, data={"scheme": scheme})
    assert page.status_code == 422 and "Traceback" not in page.text  # type: ignore[attr-defined]


def test_forecast_verification_against_suzhou_january_2019(
    client: Callable[[str | None], TestClient], lantian: App, seeds_dir: Path
) -> None:
    c = client("leader")
    r = c.post("/api/v1/forecasts/verification", files={"file": ("预报.csv", episode(), CSV)})
    assert r.status_code == 404 and "observed daily AQI" in r.json()["error"]["message"]
    aq = seeds_dir.parent / "data" / "aq"
    lantian.airquality.import_station_lists(sorted((aq / "station_lists").glob("站点列表-20*.csv")))
    lantian.airquality.import_files(sorted((aq / "cnemc_sites_2019_jiangsu").glob("china_sites_201901*.csv")))
    observed = {d["day"]: d["aqi"] for d in lantian.airquality.assessment().daily("city", None, None, Options())
                if d["station"] == "苏州"}  # fmt: skip
    lines = ["city,issued,date,aqi"]
    lines += [f"苏州,{day - dt.timedelta(days=1)},{day},{a + 30}" for day, a in observed.items()]
    forecast = ("\n".join(lines) + "\n").encode()
    r = c.post("/api/v1/forecasts/verification", files={"file": ("苏州预报.csv", forecast, CSV)})
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["pairs"] == len(observed) == 31 and result["file"] == "苏州预报.csv"
    (lead,) = result["by_lead"]
    assert lead["group"] == "024h" and lead["rmse"] == pytest.approx(30) and lead["r"] == pytest.approx(1)
    assert [(s["group"], s["n"]) for s in result["by_month"]] == [("2019-01", 31)]
    assert [(s["group"], s["n"]) for s in result["by_year"]] == [("2019", 31)]
    page = page_post(c, "/forecasts/verification", files={"file": ("苏州预报.csv", forecast, CSV)})
    assert page.status_code == 200 and "31 个预报日有实测日AQI" in page.text  # type: ignore[attr-defined]


def test_check_an_uploaded_list(client: Callable[[str | None], TestClient]) -> None:
    c = client("other")  # any department may check a draft list
    xlsx = ("清单.xlsx", list_template(), "application/octet-stream")
    r = c.post("/api/v1/reduction-lists/check", files={"file": xlsx})
    assert r.status_code == 200, r.text
    report = r.json()["report"]
    assert report["passed"] and report["enterprises_count"] == 3 and report["measures_count"] == 11
    r = c.post("/api/v1/reduction-lists/check", files={"file": xlsx}, data={"jurisdiction": "海门市"})
    report = r.json()["report"]
    short = next(x for x in report["levels"] if (x["level"], x["pollutant"]) == ("yellow", "so2"))
    assert not report["passed"] and short["required"] == 0.3 and short["shortfall_t"] == pytest.approx(13.65)
    codes = [row[1].value for row in openpyxl.load_workbook(io.BytesIO(list_template()))["企业"].iter_rows(min_row=2)]
    registry = "统一社会信用代码,企业名称,行业,涉气\n" + f"{codes[0]},示例水泥有限公司,水泥,是\n"
    registry += "91320684MA1WXY0097,漏报的铸造厂,铸造,是\n"
    r = c.post("/api/v1/reduction-lists/check",
               files={"file": xlsx, "registry": ("名录.csv", registry.encode("gbk"), CSV)})  # fmt: skip
    assert [x["name"] for x in r.json()["report"]["not_covered"]] == ["漏报的铸造厂"]
    page = page_post(c, "/reduction-lists/check", files={"file": xlsx}, data={"jurisdiction": "海门市"})
    assert page.status_code == 200 and "未通过" in page.text and "13.650" in page.text  # type: ignore[attr-defined]


def test_bad_list_uploads_name_the_upload_sheet_and_line(client: Callable[[str | None], TestClient]) -> None:
    c = client("admin")
    book = openpyxl.load_workbook(io.BytesIO(list_template()))
    book["企业"]["H3"] = "很多"
    buffer = io.BytesIO()
    book.save(buffer)
    r = c.post("/api/v1/reduction-lists/check", files={"file": ("坏清单.xlsx", buffer.getvalue(), CSV)})
    assert r.status_code == 422
    error = r.json()["error"]
    assert (error["file"], error["line"], error["field"]) == ("坏清单.xlsx!企业", 3, "SO2(t/a)")
    for name, content, words in (("清单.csv", b"x\n", "must be .xlsx"), ("损坏.xlsx", b"PK\x03\x04 no", "损坏.xlsx"),
                                 ("清单.xlsx", b"", "empty")):  # fmt: skip
        r = c.put("/api/v1/reduction-list", files={"file": (name, content, CSV)})
        assert r.status_code == 422 and words in str(r.json()["error"]), r.text
    assert c.get("/api/v1/reduction-list").status_code == 404  # nothing was kept
    assert not [e for e in c.get("/api/v1/audit").json() if e["action"] == "reduction_list.import"]


def test_keep_a_list_then_a_warning_puts_it_in_force(client: Callable[[str | None], TestClient]) -> None:
    admin, leader = client("admin"), client("leader")
    xlsx = ("苏州清单.xlsx", list_template(), "application/octet-stream")
    r = admin.put("/api/v1/reduction-list", files={"file": xlsx})
    assert r.status_code == 200, r.text
    assert r.json()["changed"] and r.json()["meta"]["file"] == "苏州清单.xlsx" and r.json()["report"]["passed"]
    assert not admin.put("/api/v1/reduction-list", files={"file": xlsx}).json()["changed"]  # the same file again
    kept = [e for e in admin.get("/api/v1/audit").json() if e["action"] == "reduction_list.import"]
    assert len(kept) == 1 and kept[0]["entity_id"] == "苏州市"
    assert leader.get("/api/v1/reduction-list").json()["meta"]["sha256"] == r.json()["meta"]["sha256"]
    template = leader.get("/api/v1/reduction-list/template")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    # an orange warning two days ago: the list's orange measures are in force now
    now = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None, microsecond=0)
    issued = now - dt.timedelta(days=2)
    warning = {"level": "orange", "at": issued.isoformat(), "issuer": "苏州市指挥部办公室"}
    r = admin.post("/api/v1/warnings", json=warning)
    assert r.status_code == 200, r.text
    state = leader.get("/api/v1/warnings").json()["now"]
    assert state["level"] == "orange" and state["list"] == "苏州清单.xlsx"
    assert {e["name"] for e in state["enterprises"]} == {"示例水泥有限公司", "示例化工有限公司"}
    assert state["reductions_t"]["nox"] == pytest.approx(480 * 0.4 + 25 * 0.5)
    before = leader.get("/api/v1/warnings", params={"at": (issued - dt.timedelta(hours=1)).isoformat()}).json()
    assert before["now"]["level"] is None
    page = leader.get("/warnings")
    assert page.status_code == 200 and "示例水泥有限公司" in page.text and 'id="in-force"' in page.text
    # readings: the cement plant's electricity falls 20 % under orange; it committed 40 %
    cement = openpyxl.load_workbook(io.BytesIO(list_template()))["企业"]["B2"].value
    rows = ["统一社会信用代码,时间,读数"]
    rows += [f"{cement},{issued - dt.timedelta(days=d):%Y-%m-%d %H:%M},1000" for d in range(1, 6)]
    rows += [f"{cement},{issued + dt.timedelta(hours=h):%Y-%m-%d %H:%M},800" for h in (3, 9, 15)]
    readings = ("用电.csv", "\n".join(rows).encode("gbk"), CSV)
    r = leader.post("/api/v1/warnings/readings", files={"file": readings})
    assert r.status_code == 200, r.text
    (row,) = r.json()["results"]
    assert row["level"] == "orange" and row["observed_cut"] == pytest.approx(0.2) and row["short"]
    page = page_post(leader, "/warnings/readings", files={"file": readings}, data={"tolerance": "25"})
    assert page.status_code == 200 and "符合" in page.text  # type: ignore[attr-defined]  # 20 % within 40 − 25
    r = leader.post("/api/v1/warnings/readings", files={"file": readings}, data={"jurisdiction": "无锡市"})
    assert r.status_code == 403 and "非本辖区" in r.json()["error"]["message"]  # another city's list


def test_keeping_a_list_is_the_admins(client: Callable[[str | None], TestClient]) -> None:
    page = page_post(client("admin"), "/reduction-list", files={"file": ("清单.xlsx", list_template(), CSV)})
    assert page.status_code == 200 and "已登记为本辖区清单" in page.text  # type: ignore[attr-defined]
    r = client("dept").put("/api/v1/reduction-list", files={"file": ("清单.xlsx", list_template(), CSV)})
    assert r.status_code == 403
