"""The demo and the other "set" steps never overwrite what a person entered, and a step that changes
nothing writes no audit entry; without a CJK font the demo still finishes (a small data folder:
seed 000 and the published daily values of 南京 and 上海, so a run takes seconds)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.plans.model import TaskStatus
from lantian.domain.targets.registry import target_entry
from lantian.domain.tracking.model import UserRole
from lantian.errors import AuthenticationError
from lantian.reports import bulletin
from lantian.services.demo import DEMO_PASSWORD, DemoSummary, run_demo
from tests.helpers import run


@pytest.fixture(scope="module")
def shared(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shared folder like ``../shared`` but small: one seed plan, one station list, the area map and
    the published 2025–2026 values."""
    root = tmp_path_factory.mktemp("shared")
    (root / "seeds").mkdir()
    (seed,) = seeds_dir.glob("000_*.txt")
    shutil.copy(seed, root / "seeds")
    aq, source = root / "data" / "aq", seeds_dir.parent / "data" / "aq"
    (aq / "station_lists").mkdir(parents=True)
    shutil.copy(source / "station_lists" / "站点列表-2022.02.13起.csv", aq / "station_lists")
    shutil.copytree(source / "stations", aq / "stations")
    shutil.copytree(source / "tianqihoubao_daily_2025", aq / "tianqihoubao_daily_2025")
    return root


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    opened = App.open(Settings.load(tmp_path / "data"))
    try:
        yield opened
    finally:
        opened.close()


def demo(app: App, shared: Path) -> DemoSummary:
    return run_demo(app.plans, shared / "seeds", airquality=app.airquality, targets=app.targets,
                    reports=app.reports, reports_dir=app.settings.data_dir / "reports", accounts=app.accounts,
                    reduction=app.reduction, runs=20)  # fmt: skip


def entries(app: App) -> int:
    return len(app.audit.entries())


def test_a_demo_rerun_overwrites_nothing_a_person_entered_and_audits_nothing(app: App, shared: Path) -> None:
    first = demo(app, shared)
    assert first.bulletin is not None and first.bulletin.is_file() and len(first.accounts) == 4
    after_first = entries(app)
    assert {e.action for e in app.audit.entries()} >= {"plan.import", "target.set", "user.add"}
    head = app.audit.verify()
    # the bulletin carries the audit log's head, an anchor on paper that `audit verify --anchor` reads
    (line,) = [p.text for p in docx.Document(str(first.bulletin)).paragraphs if p.text.startswith("审计日志：")]
    count, digest, at = re.fullmatch(r"审计日志：第(\d+)条，校验值 ([0-9a-f]{64})，(\S+)（审计锚点）。", line).groups()  # type: ignore[union-attr]
    assert (int(count), digest) == (head.head_seq, head.head_hash)
    paper = app.settings.data_dir / "paper.txt"
    paper.write_text(f"{count} {digest} {at}\n", encoding="utf-8")
    assert app.audit.verify_anchored(paper, record=False).anchors.held is not None
    demo(app, shared)
    assert entries(app) == after_first  # an unchanged folder: not one entry

    # a person sets 南京's PM2.5 target for 2026 and changes a demo account's password
    mine = target_entry("南京市", "pm25", 2026, 28, note="市政府确定")
    assert app.targets.set(mine)
    app.accounts.set_password("dqb", "my-own-password")
    changed = entries(app)
    summary = demo(app, shared)
    assert entries(app) == changed
    (pm25,) = [t for t in app.targets.targets("南京市", 2026) if t.indicator == "pm25"]
    assert pm25.same_as(mine) and pm25.comparator == "<=" and pm25.value == 28
    assert next(r for r in summary.target_status if r["indicator"] == "pm25")["target"] == 28
    assert app.accounts.login("dqb", "my-own-password").user.username == "dqb"
    with pytest.raises(AuthenticationError):
        app.accounts.login("dqb", DEMO_PASSWORD)


def test_the_demo_never_sets_a_target_under_another_name_of_the_place(app: App, shared: Path) -> None:
    app.targets.set(target_entry("南京", "pm25", 2026, 30))  # 南京 and 南京市 are one place
    demo(app, shared)
    with app.store.reading() as repo:  # every stored row, not only the ones that win
        stored = {(t.jurisdiction, t.indicator, t.value) for t in repo.user_targets()}
    assert stored == {("南京", "pm25", 30), ("南京市", "good_day_ratio", 1)}


def test_the_demo_keeps_the_station_lists_and_area_map_a_person_imported(
    app: App, shared: Path, tmp_path: Path
) -> None:
    demo(app, shared)
    kept = app.airquality.stations_dir / "2022-02-13.csv"
    original = (shared / "data" / "aq" / "station_lists" / "站点列表-2022.02.13起.csv").read_text(encoding="utf-8")
    corrected = tmp_path / "站点列表-2022.02.13起.csv"  # the office corrects a station's name
    corrected.write_text(original.replace("万寿西宫", "万寿西宫（更正）", 1), encoding="utf-8")
    app.airquality.import_station_lists([corrected])
    own_map = tmp_path / "areas.csv"
    own_map.write_text("城市,省级行政区\n南京,江苏省\n苏州,江苏省\n", encoding="utf-8")
    app.airquality.import_area_map(own_map)
    demo(app, shared)
    assert "万寿西宫（更正）" in kept.read_text(encoding="utf-8")
    assert app.airquality.province_map() == {"南京": "江苏省", "苏州": "江苏省"}


def test_setting_what_is_already_set_changes_nothing_and_writes_no_entry(app: App, seeds_dir: Path) -> None:
    assert app.targets.set(target_entry("苏州市", "pm25", 2026, 3.0, stretch=2.5))
    before = entries(app)
    assert not app.targets.set(target_entry("苏州市", "pm25", 2026, 3, stretch=2.50))  # 3.0 is 3
    assert entries(app) == before
    assert app.targets.set(target_entry("苏州市", "pm25", 2026, 3.1, stretch=2.5))
    assert entries(app) == before + 1

    (seed,) = seeds_dir.glob("000_*.txt")
    (plan,) = [o.key for o in app.plans.import_files([seed]).outcomes]
    app.accounts.add("sthjj", "a-long-password", UserRole.DEPARTMENT, "苏州市", department="市生态环境局")
    app.plans.set_task_status(plan, "1", TaskStatus.IN_PROGRESS)
    app.accounts.set_active("sthjj", False)
    before = entries(app)
    app.plans.set_task_status(plan, "1", TaskStatus.IN_PROGRESS)
    app.accounts.set_active("sthjj", False)
    assert entries(app) == before
    app.accounts.set_active("sthjj", True)
    assert entries(app) == before + 1
    assert app.audit.verify().ok


def test_without_a_cjk_font_the_demo_finishes_with_a_warning(
    app: App, shared: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bulletin, "CJK_FONTS", ())  # the font lookup finds nothing it can use
    summary = demo(app, shared)
    assert summary.warnings == [bulletin.NO_FONT]
    assert "未找到中文字体" in bulletin.NO_FONT
    assert summary.bulletin is not None
    document = docx.Document(str(summary.bulletin))
    assert len(document.inline_shapes) == 0  # no chart drawn in boxes
    assert any("未找到中文字体" in p.text for p in document.paragraphs)
    assert any("年度目标完成情况" in p.text for p in document.paragraphs)  # the rest is written
    assert {u.username for u in app.accounts.list()} == {"dqb", "sthjj", "jtj", "lingdao"}
    assert summary.reduction_template is not None and summary.reduction_template.is_file()
    # the command writes it the same way and says so
    out = app.settings.data_dir / "月报.docx"
    code, printed, err = run(capsys, "report", "monthly", "--jurisdiction", "南京市", "--month", "2026-05", "-o",
                             str(out), "--runs", "0", "--data-dir", str(app.settings.data_dir))  # fmt: skip
    assert code == 0 and "警告 warning" in printed and "未找到中文字体" in printed and out.is_file(), err


def test_the_demo_sets_the_offices_place_only_where_none_is_set(tmp_path: Path) -> None:
    from lantian.bootstrap import office_place
    from lantian.services.demo import DEMO_OFFICE, write_office_place

    settings = Settings.load(tmp_path, env={})
    assert office_place(settings) is None
    assert write_office_place(settings.office_file, DEMO_OFFICE)
    assert office_place(settings) == "苏州市"
    settings.office_file.write_text('place = "无锡市"\n', encoding="utf-8")  # the office's own choice stays
    assert not write_office_place(settings.office_file, DEMO_OFFICE)
    assert office_place(settings) == "无锡市"
