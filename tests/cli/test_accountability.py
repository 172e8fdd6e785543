"""``lantian targets flags / compensation / cascade`` end to end: 2025-01 … 02 at the 14 cities of
Jiangsu and Shanghai, seed 003's county targets, and the rules file's bad inputs."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from lantian.cli.main import main
from lantian.domain.aq.periods import parse_period
from lantian.services.accountability import load_rules
from lantian.services.airquality import AirQualityService
from lantian.services.assessment import Options
from tests.helpers import ARCHIVE_2025, aq_store, run


@pytest.fixture(scope="module")
def data_dir(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("accountability")
    aq_store(folder, seeds_dir, ARCHIVE_2025)
    (seed,) = seeds_dir.glob("003_*")
    assert main(["plans", "import", str(seed), "--data-dir", str(folder)]) == 0
    return folder


def test_the_shipped_rules_parse() -> None:
    rules = load_rules()
    assert rules.ranking == "composite"
    assert [(r.bottom, r.months, r.action) for r in rules.streaks] == [(5, 3, "专项帮扶")]
    assert rules.ladders[0].steps == ((1, "警示"), (2, "挂牌督办"), (3, "约谈"))


def test_flags_and_the_ladder_on_real_rankings(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(
        'ranking = "pm25"\n[[streak]]\nname = "连续2个月倒数3位"\nbottom = 3\nmonths = 2\naction = "专项帮扶"\n'
        '[[ladder]]\nname = "末位"\nsteps = [[1, "警示"], [2, "挂牌督办"]]\n',
        encoding="gbk",
    )
    code, out, err = run(capsys, "targets", "flags", "--from", "2025-01", "--to", "2025-02", "--rules", str(rules),
                         "--json", "--data-dir", str(data_dir))  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    # the rankings are the engine's monthly PM2.5 ranks; redo the rules from them by hand
    assessment = AirQualityService(data_dir).assessment()
    ranks = {}
    for month in ("2025-01", "2025-02"):
        rows = assessment.period("city", parse_period(month), Options(), with_last_year=False)
        ranks[month] = {r["station"]: r["pm25_rank"] for r in rows}
    assert [result["ranks"][m] for m in ("2025-01", "2025-02")] == [ranks["2025-01"], ranks["2025-02"]]
    assert len(ranks["2025-01"]) == 14

    def bottom3(m: str) -> set[str]:
        return {p for p, r in ranks[m].items() if sum(1 for q in ranks[m].values() if q > r) < 3}

    streaks = [f for f in result["flags"] if f["source"] == "streak"]
    assert {f["place"] for f in streaks} == bottom3("2025-01") & bottom3("2025-02")
    assert all(f["period"] == "2025-02" and f["state"] == "open" and f["required"] == "专项帮扶" for f in streaks)
    last = {m: {p for p, r in ranks[m].items() if r == max(ranks[m].values())} for m in ranks}
    expected = [("2025-01", p, 1, "警示") for p in sorted(last["2025-01"])] + [
        ("2025-02", p, 2 if p in last["2025-01"] else 1, "挂牌督办" if p in last["2025-01"] else "警示")
        for p in sorted(last["2025-02"])
    ]
    ladder = sorted(
        (f["period"], f["place"], f["streak"], f["required"]) for f in result["flags"] if f["source"] == "ladder"
    )
    assert ladder == expected
    assert result["open"] == result["total"] == len(result["flags"])
    code, out, _ = run(capsys, "targets", "flags", "--from", "2025-01", "--to", "2025-02", "--data-dir", str(data_dir))
    assert code == 0 and "逐月排名" in out


def test_compensation_shows_its_arithmetic(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, err = run(
        capsys, "targets", "compensation", "--period", "2025-01", "--json", "--data-dir", str(data_dir)
    )
    assert code == 0, err
    settlements = json.loads(out)["lines"]
    rows = AirQualityService(data_dir).assessment().period("city", parse_period("2025-01"), Options(),
                                                           with_last_year=False)  # fmt: skip
    pm25 = {r["station"]: Decimal(str(r["pm25"])) for r in rows}
    per_unit = {s["place"]: s for s in settlements if s["scheme"] == "PM2.5浓度考核（成都式）"}
    for place, value in pm25.items():  # no 2025 targets: the fallback 35 µg/m³, −40 per unit above, +20 below, cap 400
        raw = (35 - value) * (20 if value < 35 else 40)
        assert Decimal(str(per_unit[place]["amount"])) == max(min(raw, 400), -400), place
    ranked = [s for s in settlements if s["scheme"] == "排名奖惩（枣庄式）"]
    assert sum(1 for s in ranked if s["amount"] > 0) >= 6 and sum(1 for s in ranked if s["amount"] < 0) >= 6
    code, out, _ = run(capsys, "targets", "compensation", "--period", "2025-01", "--data-dir", str(data_dir))
    assert code == 0 and "封顶" in out and "合计 net" in out


def test_cascade_of_003(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, err = run(capsys, "targets", "cascade", "--year", "2021", "--json", "--data-dir", str(data_dir))
    assert code == 0, err
    rows = json.loads(out)
    # 附件2: 54 counties × (PM2.5, 优良天数比率) against 附件1's city targets
    assert len(rows) == 108 and {r["indicator"] for r in rows} == {"pm25", "good_day_ratio"}
    jiangning = next(r for r in rows if r["county"] == "南京市·江宁" and r["indicator"] == "pm25")
    assert (jiangning["city_target"], jiangning["county_target"], jiangning["relation"]) == (31, 32, "looser")
    code, out, err = run(capsys, "targets", "cascade", "--year", "2021", "--data-dir", str(data_dir))
    assert code == 0 and "宽于所在市 looser than the city: " in err  # piped: the count beside the CSV


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[[streak]\n", "not valid TOML"),
        ('[[streak]]\nname = "x"\nbottom = 5\naction = "a"\n', "lacks 'months'"),
        ('[[per_unit]]\nname = "p"\nindicator = "nope"\ntarget = 1\npay_per_unit = 1\nreceive_per_unit = 1\n',
         "unknown indicator 'nope'"),
    ],
)  # fmt: skip
def test_a_bad_rules_file_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path, text: str, words: str
) -> None:
    rules = tmp_path / "bad.toml"
    rules.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "targets", "compensation", "--period", "2025-01", "--rules", str(rules),
                       "--data-dir", str(data_dir))  # fmt: skip
    assert code in (2, 3) and words in err and "Traceback" not in err
    assert run(capsys, "targets", "flags", "--from", "2025-03", "--to", "2025-01", "--data-dir", str(data_dir))[0] == 2


def test_scorecard_to_xlsx(capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path) -> None:
    import openpyxl

    d = str(data_dir)
    assert run(capsys, "targets", "set", "--jurisdiction", "南京市", "--indicator", "pm25", "--year", "2025",
               "--value", "40", "--data-dir", d)[0] == 0  # fmt: skip
    assert run(capsys, "targets", "set", "--jurisdiction", "南京市", "--indicator", "good_day_ratio", "--year", "2025",
               "--value", "90", "--data-dir", d)[0] == 0  # fmt: skip
    code, out, err = run(capsys, "targets", "status", "--jurisdiction", "南京", "--as-of", "2025-02-15", "--runs", "10",
                         "--json", "--data-dir", d)  # fmt: skip
    status = {r["indicator"]: r for r in json.loads(out)}
    pm25, good = Decimal(str(status["pm25"]["value_to_date"])), Decimal(str(status["good_day_ratio"]["value_to_date"]))
    xlsx = tmp_path / "考核.xlsx"
    code, out, err = run(capsys, "targets", "scorecard", "--jurisdiction", "南京市", "--jurisdiction", "江苏省",
                         "--as-of", "2025-02-15", "-o", str(xlsx), "--data-dir", d)  # fmt: skip
    assert code == 0, err
    rows = list(openpyxl.load_workbook(xlsx).active.iter_rows(values_only=True))
    assert rows[0] == ("辖区 jurisdiction", "部分 part", "考核项 item", "目标 target", "至今 to date", "得分 score",
                       "权重 weight")  # fmt: skip
    nanjing = {r[2]: r for r in rows if r[0] == "南京市"}

    def expected(comparator: str, target: Decimal, value: Decimal) -> Decimal:
        met = value <= target if comparator == "<=" else value >= target
        ratio = Decimal(1) if met else (target / value if comparator == "<=" else value / target)
        return (ratio * 100).quantize(Decimal("0.1"))

    assert Decimal(str(nanjing["PM2.5浓度"][5])) == expected("<=", Decimal(40), pm25)
    assert Decimal(str(nanjing["优良天数比率"][5])) == expected(">=", Decimal(90), good)
    # 江苏省: 003's tasks, none due by 2025-02-15 completed (no status reported)
    jiangsu = [r for r in rows if r[0] == "江苏省"]
    tasks = next(r for r in jiangsu if r[1] == "任务 tasks")
    assert tasks[5] == 0.0 and "项到期" in tasks[3]
    code, out, _ = run(capsys, "targets", "scorecard", "--jurisdiction", "南京市", "--as-of", "2025-02-15",
                       "--format", "table", "--data-dir", d)  # fmt: skip
    assert code == 0 and "考核总分" in out
    assert run(capsys, "targets", "scorecard", "--jurisdiction", "拉萨", "--data-dir", d)[0] == 4


def test_an_action_recorded_from_the_command_line_closes_its_flag(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    """`targets action add` without --rule/--period answers the place's newest open flag of the kind;
    `targets flags` then shows it closed and `targets action list` lists it (the API's schema)."""
    months = ["--from", "2025-01", "--to", "2025-01", "--data-dir", str(data_dir)]
    code, out, err = run(capsys, "targets", "flags", *months, "--json")
    assert code == 0, err
    (first, *_) = [f for f in json.loads(out)["flags"] if f["required"] == "警示"]
    minutes = tmp_path / "说明.txt"
    minutes.write_text("已发警示函，限期整改。", encoding="gbk")
    code, out, err = run(capsys, "targets", "action", "add", "--place", first["place"], "--kind", "警示", "--date",
                         "2025-02-03", "--document", "警示函〔2025〕1号", "--minutes", str(minutes), "--json",
                         *months)  # fmt: skip
    assert code == 0, err
    action = json.loads(out)
    assert (action["period"], action["rule"], action["minutes"]) == ("2025-01", first["rule"], "已发警示函，限期整改。")
    code, out, _ = run(capsys, "targets", "flags", *months, "--place", first["place"], "--json")
    (closed,) = [f for f in json.loads(out)["flags"] if f["rule"] == first["rule"]]
    assert closed["state"] == "closed" and [a["id"] for a in closed["actions"]] == [action["id"]]
    code, out, _ = run(capsys, "targets", "action", "list", "--place", first["place"], "--json",
                       "--data-dir", str(data_dir))  # fmt: skip
    assert [a["document"] for a in json.loads(out)] == ["警示函〔2025〕1号"]
    code, _, err = run(capsys, "targets", "action", "add", "--place", first["place"], "--kind", "约谈", "--date",
                       "2025-02-03", "--document", "约谈通知", *months)  # fmt: skip
    assert code != 0 and "约谈须填写约谈纪要" in err and "Traceback" not in err
