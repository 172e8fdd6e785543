"""Importing plans into the store: seeds, idempotence, revisions, atomicity, filters (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.domain.plans.corrections import Correction
from lantian.domain.plans.model import Role, TaskStatus
from lantian.domain.plans.records import FlagStatus, TaskFilter
from lantian.domain.tracking.model import SYSTEM
from lantian.errors import EmptyInputError, InputError, NotFoundError, StructureError

SEED_KEYS = {
    "000": "苏州市·2024·重点工作任务分解表",
    "001": "苏气办〔2023〕16号",
    "002": "2024·重点工作任务分解表",
    "003": "江苏省2021年大气污染防治工作计划",
    "004": "2019·海门市打赢蓝天保卫战三年行动计划实施方案",
}


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[App]:
    lantian = App.open(Settings.load(tmp_path / "data", db_url))
    yield lantian
    lantian.close()


def seed_files(seeds_dir: Path) -> list[Path]:
    return sorted(seeds_dir.glob("*.txt"))


def seed_file(seeds_dir: Path, prefix: str) -> Path:
    (path,) = seeds_dir.glob(f"{prefix}_*.txt")
    return path


def test_five_seeds_import_with_their_task_counts(app: App, seeds_dir: Path) -> None:
    report = app.plans.import_files(seed_files(seeds_dir))
    assert [o.status for o in report.outcomes] == ["created"] * 5
    by_key = {s.key: s for s in app.plans.list_plans()}
    assert set(by_key) == set(SEED_KEYS.values())
    assert by_key[SEED_KEYS["000"]].task_count == 56
    assert by_key[SEED_KEYS["001"]].task_count == 36
    assert by_key[SEED_KEYS["002"]].task_count == 45
    assert by_key[SEED_KEYS["003"]].task_count == 41
    assert by_key[SEED_KEYS["004"]].task_count == 38
    assert by_key[SEED_KEYS["001"]].doc_number == "苏气办〔2023〕16号"
    # the stored plan reads back exactly as parsed
    _, stored, revisions = app.plans.get_plan(SEED_KEYS["001"])
    parsed = app.plans.parse_file(seed_file(seeds_dir, "001"))
    assert stored.to_dict() == parsed.to_dict()
    assert [r.number for r in revisions] == [1]


def test_reimport_changes_nothing(app: App, seeds_dir: Path) -> None:
    app.plans.import_files(seed_files(seeds_dir))
    before = (app.plans.counts(), [(s.key, s.revision) for s in app.plans.list_plans()])
    report = app.plans.import_files(seed_files(seeds_dir))
    assert [o.status for o in report.outcomes] == ["unchanged"] * 5
    assert not report.changed
    assert (app.plans.counts(), [(s.key, s.revision) for s in app.plans.list_plans()]) == before


def test_a_changed_file_becomes_a_revision_with_its_differences(app: App, seeds_dir: Path, tmp_path: Path) -> None:
    original = seed_file(seeds_dir, "001")
    app.plans.import_files([original])
    key = SEED_KEYS["001"]
    app.plans.set_task_status(key, "2", TaskStatus.IN_PROGRESS)
    text = original.read_text(encoding="utf-8")
    # drop the last item (36) and give item 2 a new deadline; leave the rest as it is
    lines = text.splitlines()
    changed_lines = [line for line in lines if not line.startswith("**36.")]
    item2 = next(i for i, line in enumerate(changed_lines) if line.startswith("**2."))
    changed_lines[item2] = changed_lines[item2].replace("。", "，并于2023年9月底前完成评估。", 2)
    changed = "\n".join(changed_lines) + "\n"
    revised = tmp_path / "001_revised.txt"
    revised.write_text(changed, encoding="utf-8")
    report = app.plans.import_files([revised])
    (outcome,) = report.outcomes
    assert (outcome.status, outcome.key, outcome.revision) == ("revised", key, 2)
    assert outcome.changes is not None
    assert outcome.changes.removed == ["36"]
    assert [c.number for c in outcome.changes.changed] == ["2"]
    assert "deadlines" in outcome.changes.changed[0].fields
    # the task kept its identity (and status) through the revision; the removed one is gone from lists
    tasks = {t.task.number: t for t in app.plans.list_tasks(TaskFilter(plan=key))}
    assert tasks["2"].status is TaskStatus.IN_PROGRESS
    assert "36" not in tasks and len(tasks) == 35
    old, new, diff = app.plans.diff(key)
    assert (old, new, diff.removed) == (1, 2, ["36"])
    assert [r.number for r in app.plans.get_plan(key)[2]] == [1, 2]
    assert len(app.plans.get_plan(key, revision=1)[1].tasks) == 36
    # the same changed bytes again: unchanged
    assert app.plans.import_files([revised]).outcomes[0].status == "unchanged"


def test_an_import_is_all_or_nothing(app: App, seeds_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(EmptyInputError) as err:
        app.plans.import_files([seed_file(seeds_dir, "000"), empty])
    assert "empty.txt" in str(err.value)
    assert app.plans.counts()["plans"] == 0 and app.plans.list_plans() == []


def test_a_truncated_table_is_refused_and_the_store_keeps_what_it_had(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    app.plans.import_files([seed_file(seeds_dir, "001")])
    before = app.plans.counts()
    lines = seed_file(seeds_dir, "000").read_text(encoding="utf-8").splitlines()
    cut = lines.index("\t5")  # each cell is a tab-indented line; rows are separated by blank lines
    truncated = tmp_path / "000_cut.txt"
    truncated.write_text("\n".join(lines[: cut + 2]) + "\n", encoding="utf-8")  # row 5 keeps 2 of its 4 cells
    with pytest.raises(StructureError) as err:
        app.plans.import_files([truncated])
    assert err.value.file and err.value.file.endswith("000_cut.txt")
    assert err.value.line is not None
    assert app.plans.counts() == before


def test_gbk_and_bom_copies_import_as_the_same_plan(app: App, seeds_dir: Path, tmp_path: Path) -> None:
    original = seed_file(seeds_dir, "000")
    text = original.read_text(encoding="utf-8")
    gbk = tmp_path / "000_gbk.txt"
    gbk.write_bytes(text.encode("gb18030"))
    bom = tmp_path / "000_bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    report = app.plans.import_files([gbk])
    assert report.outcomes[0].tasks == 56
    # different bytes, same content: a new revision with no differences
    report = app.plans.import_files([bom])
    (outcome,) = report.outcomes
    assert outcome.status == "revised" and outcome.changes is not None and outcome.changes.empty


def test_task_filters(app: App, seeds_dir: Path) -> None:
    app.plans.import_files(seed_files(seeds_dir))
    suzhou = SEED_KEYS["000"]
    lead = app.plans.list_tasks(TaskFilter(plan=suzhou, department="生态环境局", role=Role.LEAD))
    assert "5" in {t.task.number for t in lead}
    coop = app.plans.list_tasks(TaskFilter(plan=suzhou, department="发改委", role=Role.COOPERATING))
    assert "5" in {t.task.number for t in coop}
    implicit = app.plans.list_tasks(TaskFilter(plan=suzhou, department="各县级市（区）人民政府（管委会）"))
    assert len(implicit) == 56
    explicit = app.plans.list_tasks(
        TaskFilter(plan=suzhou, department="各县级市（区）人民政府（管委会）", include_implicit=False)
    )
    assert len(explicit) < 56
    # deadlines: 001 is a 2023 plan; everything due by 2023-06-30
    due = app.plans.list_tasks(TaskFilter(plan=SEED_KEYS["001"], deadline_before=dt.date(2023, 6, 30)))
    assert due and all(t.last_deadline() is not None and t.last_deadline() <= dt.date(2023, 6, 30) for t in due)  # type: ignore[operator]
    later = app.plans.list_tasks(TaskFilter(plan=SEED_KEYS["001"], deadline_after=dt.date(2023, 7, 1)))
    assert not {t.task.number for t in due} & {t.task.number for t in later}
    overdue = app.plans.list_tasks(TaskFilter(plan=SEED_KEYS["001"], overdue_as_of=dt.date(2023, 7, 1)))
    assert {t.task.number for t in overdue} == {t.task.number for t in due}
    app.plans.set_task_status(SEED_KEYS["001"], due[0].task.number, TaskStatus.COMPLETED)
    overdue2 = app.plans.list_tasks(TaskFilter(plan=SEED_KEYS["001"], overdue_as_of=dt.date(2023, 7, 1)))
    assert len(overdue2) == len(overdue) - 1
    done = app.plans.list_tasks(TaskFilter(status=TaskStatus.COMPLETED))
    assert [t.task.number for t in done] == [due[0].task.number]


def test_targets_per_jurisdiction_from_the_annexes(app: App, seeds_dir: Path) -> None:
    app.plans.import_files([seed_file(seeds_dir, "003"), seed_file(seeds_dir, "001")])
    nanjing = app.plans.list_targets(jurisdiction="南京市", indicator="pm25")
    assert nanjing and all(t.target.source.startswith("附件") for t in nanjing)
    suzhou = app.plans.list_targets(plan=SEED_KEYS["001"], indicator="pm25")
    values = {(t.target.value, t.target.stretch_value) for t in suzhou if t.task_number is None}
    assert (28.0, 27.0) in values


def test_review_flags_keep_their_status_across_revisions(app: App, seeds_dir: Path, tmp_path: Path) -> None:
    original = seed_file(seeds_dir, "001")
    app.plans.import_files([original])
    flags = app.plans.review()
    assert flags, "the 001 seed has extractions flagged for review"
    first = flags[0]
    app.plans.resolve_flag(first.id, FlagStatus.CONFIRMED, "checked against the document")
    assert first.id not in {f.id for f in app.plans.review()}
    copy = tmp_path / "001_copy.txt"
    copy.write_bytes(original.read_bytes() + b"\n")
    assert app.plans.import_files([copy]).outcomes[0].status == "revised"
    resolved = [f for f in app.plans.review(status=None) if f.flag.message == first.flag.message]
    assert resolved and resolved[0].status == FlagStatus.CONFIRMED
    with pytest.raises(NotFoundError):
        app.plans.resolve_flag(99999, FlagStatus.CONFIRMED)


def test_unknown_plan_is_a_clear_error(app: App) -> None:
    with pytest.raises(NotFoundError, match="plans list"):
        app.plans.get_plan("no-such-plan")
    with pytest.raises(NotFoundError):
        app.plans.list_tasks(TaskFilter(plan="no-such-plan"))


def test_data_dirs_do_not_share_state(seeds_dir: Path, tmp_path: Path) -> None:
    a = App.open(Settings.load(tmp_path / "a", None))
    b = App.open(Settings.load(tmp_path / "b", None))
    try:
        a.plans.import_files([seed_file(seeds_dir, "000")])
        assert a.plans.counts()["plans"] == 1 and b.plans.counts()["plans"] == 0
        assert (tmp_path / "a" / "lantian.db").exists()
    finally:
        a.close()
        b.close()
    shutil.rmtree(tmp_path / "a")


def test_going_back_to_an_earlier_version_is_a_new_revision(app: App, seeds_dir: Path, tmp_path: Path) -> None:
    original = seed_file(seeds_dir, "001")
    app.plans.import_files([original])
    changed = tmp_path / "001_v2.txt"
    changed.write_bytes(original.read_bytes() + b"\n")
    app.plans.import_files([changed])
    outcome = app.plans.import_files([original]).outcomes[0]
    assert (outcome.status, outcome.revision) == ("revised", 3)
    assert app.plans.import_files([original]).outcomes[0].status == "unchanged"


def test_a_key_given_once_is_found_again_by_the_bytes(app: App, seeds_dir: Path) -> None:
    original = seed_file(seeds_dir, "000")
    app.plans.import_files([original], key="苏州2024任务")
    outcome = app.plans.import_files([original]).outcomes[0]
    assert (outcome.status, outcome.key) == ("unchanged", "苏州2024任务")


def test_two_files_with_one_key_in_one_import_are_refused(app: App, seeds_dir: Path, tmp_path: Path) -> None:
    original = seed_file(seeds_dir, "001")
    copy = tmp_path / "copy.txt"
    copy.write_bytes(original.read_bytes() + b"\n")
    with pytest.raises(InputError) as err:
        app.plans.import_files([original, copy])
    assert str(original) in str(err.value) and "copy.txt" in str(err.value)
    assert app.plans.list_plans() == []


def test_a_correction_rewrites_the_task_and_is_applied_to_later_revisions(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    original = seed_file(seeds_dir, "001")
    key = SEED_KEYS["001"]
    app.plans.import_files([original])
    (flag,) = [f for f in app.plans.review(key) if f.flag.task_number == "34"]
    assert app.plans.list_tasks(TaskFilter(plan=key, department="市大气办")) == []
    correction = Correction("departments", lead=("市大气办",), cooperating=("市财政局",))
    done = app.plans.resolve_flag(flag.id, FlagStatus.CORRECTED, correction=correction)
    assert (done.id, done.status, done.resolution, done.correction) == (
        flag.id, FlagStatus.CORRECTED, "牵头：市大气办；配合：市财政局", correction
    )  # fmt: skip

    def task_34() -> list[tuple[str, Role]]:
        (found,) = app.plans.list_tasks(TaskFilter(plan=key, department="市大气办"))
        assert found.task.number == "34"
        return [(d.normalized, d.role) for d in found.task.departments if not d.implicit]

    assert task_34() == [("市大气办", Role.LEAD), ("市财政局", Role.COOPERATING)]
    _, _, revisions = app.plans.get_plan(key)
    assert [r.file.startswith(f"复核更正 #{flag.id}") for r in revisions] == [False, True]
    assert [(c.number, c.fields) for c in revisions[-1].changes.changed] == [("34", ["departments"])]  # type: ignore[union-attr]
    (ref,) = [r for r, _ in app.workflow.visible_tasks(SYSTEM) if r.plan_key == key and r.number == "34"]
    assert ref.reporters()[0] == "市大气办"  # the lead now owes the monthly report
    entry = app.audit.entries(entity="flag")[0]
    assert entry.action == "flag.corrected" and '"revision":2' in entry.after and "市大气办" in entry.after

    # the same bytes again: nothing changes; a revised file: the correction is applied to it again
    assert app.plans.import_files([original]).outcomes[0].status == "unchanged"
    copy = tmp_path / "001_revised.txt"
    copy.write_bytes(original.read_bytes() + b"\n")
    (outcome,) = app.plans.import_files([copy]).outcomes
    assert (outcome.status, outcome.revision, outcome.corrections, outcome.reopened) == ("revised", 3, 1, 0)
    assert task_34() == [("市大气办", Role.LEAD), ("市财政局", Role.COOPERATING)]
    kept = next(f for f in app.plans.review(key, status=None) if f.id == flag.id)  # the same flag, kept
    assert (kept.status, kept.revision, kept.correction) == (FlagStatus.CORRECTED, 3, correction)


def test_a_correction_that_no_longer_fits_opens_its_flag_again(app: App, seeds_dir: Path, tmp_path: Path) -> None:
    original = seed_file(seeds_dir, "001")
    app.plans.import_files([original])
    flag = next(f for f in app.plans.review(SEED_KEYS["001"]) if f.flag.task_number == "35")
    with app.store.transaction() as repo:  # a correction naming a clause the task does not have (any more)
        repo.set_flag_status(flag.id, FlagStatus.CORRECTED, "x", dt.datetime.now(dt.UTC),
                             Correction("departments", part="35.2", lead=("市财政局",)))  # fmt: skip
    copy = tmp_path / "001_revised.txt"
    copy.write_bytes(original.read_bytes() + b"\n")
    (outcome,) = app.plans.import_files([copy]).outcomes
    assert (outcome.corrections, outcome.reopened) == (0, 1)
    reopened = next(f for f in app.plans.review(SEED_KEYS["001"]) if f.id == flag.id)
    assert reopened.correction is None and "没有该子任务" in (reopened.resolution or "")


def test_corrections_that_cannot_apply_change_nothing(app: App, seeds_dir: Path) -> None:
    app.plans.import_files([seed_file(seeds_dir, "003")])
    flags = [f.id for f in app.plans.review()]  # 附件4's column of names and 附件8's cut-off rows
    annex = next(f for f in app.plans.review() if f.flag.field == "annex")
    with pytest.raises(InputError, match="只能确认"):
        app.plans.resolve_flag(annex.id, FlagStatus.CORRECTED, correction=Correction("annex", text="扬州"))
    with pytest.raises(InputError, match="即为已更正"):
        app.plans.resolve_flag(annex.id, FlagStatus.CONFIRMED, correction=Correction("annex"))
    assert [f.id for f in app.plans.review()] == flags
    assert app.plans.list_plans()[0].revision == 1 and [e.action for e in app.audit.entries()] == ["plan.import"]
