"""考核评分 in the web app and the API: 苏州市's counties ranked by score with a tie (并列), a county's
breakdown, the place check (own place and below), a bad date named beside its field, and the CLI's
``--json`` equal to the API's answer."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lantian.bootstrap import App
from lantian.cli.main import main
from lantian.domain.plans.model import TaskStatus
from lantian.domain.targets.registry import TargetEntry

COUNTIES = {"9001A": "昆山市", "9003A": "太仓市", "9004A": "常熟市"}
AS_OF = "2024-12-31"
# tasks due by 2024-12-31 (the third is due in 2025) and those completed: 昆山 2/2, 常熟 2/2, 太仓 1/2
DONE = {"昆山市": ("1", "2"), "常熟市": ("1", "2"), "太仓市": ("1",)}


def counties(app: App, folder: Path) -> None:
    """江苏省 ⊃ 苏州市 ⊃ 昆山市 太仓市 常熟市 (area map, county map, stations), each county with a plan
    of three tasks, some completed."""
    folder.mkdir()
    (folder / "areas.csv").write_text("城市,省级行政区\n苏州市,江苏省\n南京市,江苏省\n", encoding="utf-8")
    (folder / "counties.csv").write_text(
        "监测点编码,区县\n" + "".join(f"{c},{n}\n" for c, n in COUNTIES.items()), encoding="utf-8"
    )
    (folder / "stations.csv").write_text(
        "监测点编码,监测点名称,城市,经度,纬度\n"
        + "".join(f"{c},{n}站,苏州,120.9,31.4\n" for c, n in COUNTIES.items())
        + "9002A,南京站,南京,118.78,32.04\n",
        encoding="utf-8",
    )
    app.airquality.import_station_lists([folder / "stations.csv"], valid_from=dt.date(2020, 1, 1))
    app.airquality.import_area_map(folder / "areas.csv")
    app.airquality.import_county_map(folder / "counties.csv")
    for place, done in DONE.items():
        plan = folder / f"{place}.txt"
        plan.write_text(
            f"{place}2024年大气污染防治工作计划\n一、任务\n"
            "1. 完成扬尘治理。（市生态环境局负责，2024年6月底前完成）\n"
            "2. 淘汰老旧车辆。（市交通运输局负责，2024年9月底前完成）\n"
            "3. 推进清洁取暖。（市生态环境局负责，2025年12月底前完成）\n",
            encoding="utf-8",
        )
        (outcome,) = app.plans.import_files([plan], overrides={"jurisdiction": place}).outcomes
        for number in done:
            app.plans.set_task_status(outcome.key, number, TaskStatus.COMPLETED)
    # a target without monitoring data: listed on the card, not scored
    app.targets.set(TargetEntry("太仓市", "pm25", 2024, "<=", 35.0, "µg/m³"))


@pytest.fixture
def county_app(lantian: App, tmp_path: Path) -> App:
    counties(lantian, tmp_path / "maps")
    return lantian


def test_the_leader_reads_the_counties_ranked_by_score(
    client: Callable[[str | None], TestClient], county_app: App
) -> None:
    r = client("leader").get("/api/v1/scorecards", params={"as_of": AS_OF})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["office"] == "苏州市" and body["as_of"] == AS_OF
    assert body["weights"] == {"air": 60, "reported": 20, "tasks": 40}
    # 昆山 and 常熟 100 (2 of 2 due completed), tied first; 太仓 50 (1 of 2) is third, not second
    ranked = [(p["jurisdiction"], p["rank"], p["tied"], p["total"], p["tasks"]) for p in body["places"]]
    assert ranked == [("常熟市", 1, True, 100, 100), ("昆山市", 1, True, 100, 100), ("太仓市", 3, False, 50, 50)]
    page = client("leader").get("/scorecards", params={"as_of": AS_OF})
    assert page.status_code == 200
    tied = '(?: <span class="tag">并列</span>)?'
    row = re.compile(rf'<tr[^>]*><td>(\d+){tied}</td><td[^>]*><a href="/scorecards/[^"]+">([^<]+)<')
    assert row.findall(page.text) == [("1", "常熟市"), ("1", "昆山市"), ("3", "太仓市")]
    assert page.text.count("并列</span>") == 2 and "考核问责" in page.text


def test_a_countys_breakdown(client: Callable[[str | None], TestClient], county_app: App) -> None:
    r = client("admin").get("/api/v1/scorecards/太仓市", params={"as_of": AS_OF})
    assert r.status_code == 200, r.text
    card = r.json()
    assert card["total"] == 50 and card["air"] is None and card["missing"] == ["air"]
    (pm25,) = [line for line in card["lines"] if line["part"] == "air"]  # no monitoring data: listed, not scored
    assert (pm25["item"], pm25["target"], pm25["value"], pm25["score"]) == ("PM2.5浓度", "≤ 35", "—", None)
    (tasks,) = [line for line in card["lines"] if line["part"] == "tasks"]
    assert (tasks["due"], tasks["completed"], tasks["score"]) == (2, 1, 50)
    page = client("admin").get("/scorecards/太仓市", params={"as_of": AS_OF}).text
    assert 'id="tasks-due">2<' in page and 'id="tasks-completed">1<' in page and 'id="total">50<' in page
    assert "空气质量：无可评分项，其权重由其余部分承担" in page
    # the next year: the third task is due too (1 of 3)
    later = client("admin").get("/api/v1/scorecards/太仓市", params={"as_of": "2025-12-31"}).json()
    assert later["tasks"] == pytest.approx(33.3)


def test_a_place_card_is_for_its_own_place_and_those_below(
    client: Callable[[str | None], TestClient], county_app: App
) -> None:
    for role in ("admin", "dept", "leader"):
        c = client(role)
        assert c.get("/api/v1/scorecards/昆山市", params={"as_of": AS_OF}).status_code == 200
        assert c.get("/api/v1/scorecards/苏州市", params={"as_of": AS_OF}).status_code == 200
        refused = c.get("/api/v1/scorecards/南京市")
        assert refused.status_code == 403 and "非本辖区或下级辖区" in refused.json()["error"]["message"]
        assert c.get("/api/v1/scorecards/江苏省").status_code == 403
        assert c.get("/scorecards/南京市").status_code == 403
    assert client(None).get("/api/v1/scorecards").status_code == 401


def test_a_bad_date_is_named_beside_its_field_with_what_was_typed(
    client: Callable[[str | None], TestClient], county_app: App
) -> None:
    page = client("leader").get("/scorecards", params={"as_of": "2024-13-01"})
    assert page.status_code == 422
    assert re.search(r'id="error-as_of">[^<]*截至日期格式应为', page.text) and 'value="2024-13-01"' in page.text
    api = client("leader").get("/api/v1/scorecards", params={"as_of": "昨天"})
    assert api.status_code == 422 and api.json()["error"]["field"] == "as_of"


def test_the_command_line_prints_what_the_api_answers(
    client: Callable[[str | None], TestClient], county_app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(county_app.settings.data_dir)
    assert main(["targets", "scorecard", "--place", "苏州市", "--as-of", AS_OF, "--json", "--data-dir", data]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == client("admin").get("/api/v1/scorecards", params={"as_of": AS_OF}).json()
    assert main(["targets", "scorecard", "--jurisdiction", "太仓市", "--as-of", AS_OF, "--json",
                 "--data-dir", data]) == 0  # fmt: skip
    (card,) = json.loads(capsys.readouterr().out)
    assert card == client("admin").get("/api/v1/scorecards/太仓市", params={"as_of": AS_OF}).json()
