"""``lantian targets compensation`` over real data (2025-01, the 13 Jiangsu cities and 上海; 2019-01
for an improvement scheme), worked by hand from the period values: each city against its own target
(003 附件1), the fallback where a city has none, 上海 outside 江苏省's settlement, an improvement
scheme against 2019, and the settlement confirmed, frozen, compared and replaced, and read back from
its ``.xlsx``."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.aq.periods import parse_period
from lantian.domain.targets.accountability import PerUnitScheme
from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Options
from tests.helpers import ARCHIVE_2019, ARCHIVE_2025, aq_store, run

JIANGSU = ("南京", "无锡", "徐州", "常州", "苏州", "南通", "连云港", "淮安", "盐城", "扬州", "镇江", "泰州", "宿迁")


@pytest.fixture(scope="module")
def data_dir(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("compensation")
    svc = aq_store(folder, seeds_dir, ARCHIVE_2025)
    svc.import_files(sorted((seeds_dir.parent / "data" / "aq" / ARCHIVE_2019).glob("china_sites_201901*.csv")))
    areas = folder / "areas.csv"
    areas.write_text(
        "城市,省级行政区\n" + "".join(f"{c},江苏省\n" for c in JIANGSU) + "上海,上海市\n", encoding="utf-8"
    )
    svc.import_area_map(areas)
    (seed,) = seeds_dir.glob("003_*")
    app = App.open(Settings.load(folder))
    try:
        app.plans.import_files([seed])
    finally:
        app.close()
    return folder


def pm25(folder: Path, period: str) -> dict[str, Decimal]:
    rows = AirQualityService(folder).assessment().period("city", parse_period(period), Options(),
                                                         with_last_year=False)  # fmt: skip
    return {r["station"]: Decimal(str(r["pm25"])) for r in rows if r["pm25"] is not None}


def by_hand(value: Decimal, target: Decimal) -> Decimal:
    """成都式 as shipped: +20 万元 per µg/m³ below the target, −40 per µg/m³ above, capped at 400."""
    raw = (target - value) * (20 if value < target else 40)
    return max(min(raw, Decimal(400)), Decimal(-400))


def test_own_targets_come_from_003s_annex(data_dir: Path) -> None:
    app = App.open(Settings.load(data_dir))
    try:
        scheme = PerUnitScheme("p", "pm25", Decimal(35), True, Decimal(40), Decimal(20), own_target=True)
        got = app.accountability.own_targets(scheme, parse_period("2021-06"), "city", ["南京", "苏州", "上海"], None)
    finally:
        app.close()
    assert (got["南京"].value, got["苏州"].value) == (31, 33)  # 附件1
    assert got["南京"].source.startswith("南京市2021年目标，") and "第" in got["南京"].source
    assert "上海" not in got  # no target: the fallback applies


def test_each_city_against_its_own_target(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    d = str(data_dir)
    for city, value in (("南京市", "31"), ("苏州市", "33")):  # 003 附件1's numbers, entered for 2025
        assert run(capsys, "targets", "set", "--jurisdiction", city, "--indicator", "pm25", "--year", "2025",
                   "--value", value, "--data-dir", d)[0] == 0  # fmt: skip
    code, out, err = run(capsys, "targets", "compensation", "--period", "2025-01", "--place", "江苏省", "--json",
                         "--data-dir", d)  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert (result["office"], result["period"], result["status"]) == ("江苏省", "2025-01", "draft")
    lines = {(x["scheme"], x["place"]): x for x in result["lines"]}
    assert {p for _, p in lines} == set(JIANGSU)  # 上海 is not 江苏省's
    values = pm25(data_dir, "2025-01")
    scheme = "PM2.5浓度考核（成都式）"
    for city in JIANGSU:
        target = {"南京": Decimal(31), "苏州": Decimal(33)}.get(city, Decimal(35))
        line = lines[(scheme, city)]
        assert Decimal(str(line["amount"])) == by_hand(values[city], target), city
        assert line["reference"] == target
    assert "用户登记" in lines[(scheme, "南京")]["arithmetic"] and "目标 31" in lines[(scheme, "南京")]["arithmetic"]
    assert "无锡无本年度目标，用配置的默认值" in lines[(scheme, "无锡")]["arithmetic"]
    totals = {t["place"]: t["amount"] for t in result["totals"]}
    for city in JIANGSU:
        assert totals[city] == pytest.approx(sum(x["amount"] for (_, p), x in lines.items() if p == city))


def test_improvement_against_2019(capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[improvement]]\nname = "较2019年改善"\nindicator = "pm25"\nby = "percent"\ncompare = "baseline"\n'
        "baseline_year = 2019\nreceive_per_step = 10\npay_per_step = 10\ncap = 200\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "targets", "compensation", "--period", "2025-01", "--place", "江苏省",
                         "--rules", str(rules), "--json", "--data-dir", str(data_dir))  # fmt: skip
    assert code == 0, err
    lines = {x["place"]: x for x in json.loads(out)["lines"]}
    now, before = pm25(data_dir, "2025-01"), pm25(data_dir, "2019-01")
    assert set(before) >= {"南京", "南通", "苏州"}  # the cities the 2019 archive has January values for
    for city in JIANGSU:
        if city not in before:
            assert lines[city]["amount"] == 0 and lines[city]["arithmetic"] == "2019年同期无有效数据，不结算"
            continue
        percent = ((before[city] - now[city]) / before[city] * 100).quantize(Decimal("0.1"))
        expected = max(min(percent * 10, Decimal(200)), Decimal(-200))
        assert Decimal(str(lines[city]["amount"])) == expected, city
        assert lines[city]["reference"] == float(before[city]) and lines[city]["reference_source"] == "2019年同期"


def test_confirm_freeze_differ_replace_and_xlsx(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    import openpyxl

    d = str(data_dir)
    base = ("targets", "compensation", "--period", "2025-01", "--place", "江苏省", "--data-dir", d)
    code, out, err = run(capsys, *base, "--confirm", "--json")
    assert code == 0, err
    confirmed = json.loads(out)
    assert confirmed["status"] == "confirmed" and confirmed["confirmed_by"] == "system"
    # the data change: 无锡 gets a target of its own; the confirmed settlement stays as it was
    assert run(capsys, "targets", "set", "--jurisdiction", "无锡市", "--indicator", "pm25", "--year", "2025",
               "--value", "33", "--data-dir", d)[0] == 0  # fmt: skip
    code, out, _ = run(capsys, *base, "--json")
    shown = json.loads(out)
    assert shown["status"] == "confirmed" and shown["lines"] == confirmed["lines"]
    assert len(shown["differences"]) == 1 and shown["differences"][0].startswith("无锡·PM2.5浓度考核（成都式）：")
    code, _, err = run(capsys, *base, "--confirm")
    assert code != 0 and "请核对后选择替换" in err and "无锡" in err and "Traceback" not in err
    xlsx = tmp_path / "结算.xlsx"
    code, out, err = run(capsys, *base, "--confirm", "--replace", "--xlsx", str(xlsx))
    assert code == 0 and "已替换" in out, err
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames[0] == "合计（2025年1月）"
    total = list(book.worksheets[0].iter_rows(values_only=True))
    assert total[0][0] == "辖区" and total[0][-2:] == ("合计（万元）", "结算状态")
    wuxi = next(r for r in total if r[0] == "无锡")
    assert str(wuxi[-1]).startswith("已确认：命令行")
    sheet = list(book["PM2.5浓度考核（成都式）"].iter_rows(values_only=True))
    assert sheet[0] == ("辖区", "指标值或名次", "对照值", "对照来源", "金额（万元）", "计算过程")
    row = next(r for r in sheet if r[0] == "无锡")
    value = pm25(data_dir, "2025-01")["无锡"]
    assert (Decimal(str(row[1])), row[2], Decimal(str(row[4]))) == (value, 33, by_hand(value, Decimal(33)))
    assert "目标 33" in row[5]
    code, out, _ = run(capsys, *base, "--json")
    assert json.loads(out)["differences"] == []
