"""Migrations run on SQLite and on a real PostgreSQL server, and create exactly ``tables.py``."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from lantian.bootstrap import App
from lantian.config import Settings
from lantian.storage import tables as t
from lantian.storage.engine import current_revision, downgrade, head_revision, make_engine, upgrade
from lantian.storage.tables import metadata

TABLES = {
    "plans",
    "plan_revisions",
    "tasks",
    "task_departments",
    "task_deadlines",
    "targets",
    "review_flags",
    "jurisdiction_targets",
    "warning_events",
    "users",
    "web_sessions",
    "progress_reports",
    "progress_rounds",
    "evidence",
    "notices",
    "tickets",
    "ticket_steps",
    "audit_log",
    "audit_head",
    "compensation_settlements",
}


def test_upgrade_creates_the_schema_and_downgrade_removes_it(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        assert TABLES <= set(inspect(engine).get_table_names())
        assert current_revision(engine) == head_revision(engine)
        upgrade(engine)  # idempotent
        downgrade(engine, "base")
        assert not TABLES & set(inspect(engine).get_table_names())
        assert current_revision(engine) is None
        upgrade(engine)
        assert TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_match_the_table_definitions(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, metadata) == []
    finally:
        engine.dispose()


def test_the_reporter_marks_of_the_migrations_are_the_domain_rule(db_url: str, tmp_path: Path, seeds_dir: Path) -> None:
    """0006 and 0007 mark, in SQL, the rows already stored: the same marks as storing the plans does
    (overdue.reporting_units on the task, clause_reporting_units on its clauses)."""
    app = App.open(Settings.load(tmp_path / "data", db_url))
    try:
        app.plans.import_files(sorted(seeds_dir.glob("*.txt")))
        d = t.task_departments
        query = select(d.c.id, d.c.subtask.is_not(None), d.c.reporter).order_by(d.c.id)

        def marks() -> list[tuple[int, bool, bool]]:
            with app.store.engine.connect() as conn:
                return [(int(i), bool(on_clause), bool(r)) for i, on_clause, r in conn.execute(query)]

        stored = marks()
        assert any(r for _, on_clause, r in stored if not on_clause) and any(r for _, c, r in stored if c)
        downgrade(app.store.engine, "0005")  # the marks gone
        upgrade(app.store.engine)
        assert marks() == stored
    finally:
        app.close()


def test_0008_fills_plan_offices_and_audit_places_as_the_app_records_them(db_url: str, tmp_path: Path) -> None:
    """Rows stored before 0008 get the office and the audit places the app itself writes: the
    importer's jurisdiction (from the audit log) and the places the audited records name."""
    import datetime as dt

    from lantian.domain.tracking.model import SYSTEM, Actor, UserRole

    app = App.open(Settings.load(tmp_path / "data", db_url))
    try:
        app.accounts.add("sz", "a-long-test-password", UserRole.ADMIN, "苏州市")
        office = Actor("sz", UserRole.ADMIN, "苏州市")
        for name, actor in (("a.txt", office), ("b.txt", SYSTEM)):
            path = tmp_path / name
            path.write_text(f"{name}计划\n一、任务\n1. 测试任务。（市生态环境局负责）\n", encoding="utf-8")
            app.plans.import_files([path], actor=actor)
        app.workflow.issue_notice(office, department="市生态环境局", subject="s", body="b", due=dt.date(2099, 1, 1))

        def stored() -> tuple[list[tuple[str, str]], list[tuple[int, str]]]:
            with app.store.engine.connect() as conn:
                offices = [(str(k), str(o)) for k, o in conn.execute(select(t.plans.c.key, t.plans.c.office))]
                places = conn.execute(select(t.audit_places).order_by(t.audit_places.c.seq, t.audit_places.c.place))
                return sorted(offices), [(int(s), str(p)) for s, p in places]

        before = stored()
        assert ("a.txt计划", "苏州市") in before[0] and ("b.txt计划", "") in before[0]
        assert {p for _, p in before[1]} == {"苏州市"}
        downgrade(app.store.engine, "0007")
        upgrade(app.store.engine)
        assert stored() == before
    finally:
        app.close()


def test_0011_gives_every_report_kept_before_it_one_round_with_its_files(db_url: str, tmp_path: Path) -> None:
    """A report stored before rounds were becomes round 1 as it stands (text, review, reason), and
    its evidence files belong to that round; downgrading drops the rounds only."""
    from lantian.domain.plans.model import TaskStatus
    from lantian.domain.tracking.model import SYSTEM, Actor, UserRole

    app = App.open(Settings.load(tmp_path / "data", db_url))
    try:
        path = tmp_path / "a.txt"
        path.write_text("a计划\n一、任务\n1. 测试任务。（市生态环境局负责）\n", encoding="utf-8")
        app.plans.import_files([path])
        ((ref, _),) = app.workflow.visible_tasks(SYSTEM)
        dept = Actor("d", UserRole.DEPARTMENT, "", "市生态环境局")
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        report = app.workflow.submit_progress(dept, ref.id, period="2026-10", status=TaskStatus.IN_PROGRESS,
                                              narrative="进展", files=[("a.pdf", pdf)])  # fmt: skip
        app.workflow.review_progress(SYSTEM, report.id, accept=False, reason="缺材料", version=report.version)
        downgrade(app.store.engine, "0008")
        upgrade(app.store.engine)
        (kept,) = app.workflow.reports(SYSTEM)
        (first,) = kept.rounds
        assert (first.number, first.unit, first.narrative, first.review.value, first.review_reason) == (
            1, "市生态环境局", "进展", "returned", "缺材料"
        )  # fmt: skip
        assert [e.filename for e in first.evidence] == ["a.pdf"]
    finally:
        app.close()


def test_0012_adds_the_actions_and_its_downgrade_drops_them_with_their_files(db_url: str, tmp_path: Path) -> None:
    """Up: an action with its evidence file is kept; down to 0011: the table and the action's evidence
    rows go (a progress report's stay); up again: an empty table."""
    import datetime as dt

    from lantian.domain.plans.model import TaskStatus
    from lantian.domain.targets.actions import Action, FlagKey
    from lantian.domain.tracking.model import SYSTEM, Actor, UserRole
    from lantian.storage.actions import OWNER, ActionRepository

    app = App.open(Settings.load(tmp_path / "data", db_url))
    try:
        assert "accountability_actions" in set(inspect(app.store.engine).get_table_names())
        path = tmp_path / "a.txt"
        path.write_text("a计划\n一、任务\n1. 测试任务。（市生态环境局负责）\n", encoding="utf-8")
        app.plans.import_files([path])
        ((ref, _),) = app.workflow.visible_tasks(SYSTEM)
        dept = Actor("d", UserRole.DEPARTMENT, "", "市生态环境局")
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        app.workflow.submit_progress(dept, ref.id, period="2026-10", status=TaskStatus.IN_PROGRESS,
                                     narrative="进展", files=[("a.pdf", pdf)])  # fmt: skip
        at = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
        action = Action(0, FlagKey("末位", "昆山", "2025-01"), "约谈", dt.date(2025, 2, 3), "苏州市大气办", "x",
                        "苏大气办〔2025〕1号", "纪要", at)  # fmt: skip
        with app.audit.changing(SYSTEM) as (repo, _):
            actions = ActionRepository(repo.session)
            action_id = actions.add(action)
            app.workflow.keep_files(actions.tracking, SYSTEM, OWNER, action_id, app.workflow.check_files(
                [("b.pdf", pdf)]), [("b.pdf", pdf)])  # fmt: skip
        (kept,) = app.actions.actions(SYSTEM)
        assert (kept.flag, kept.kind, kept.minutes, [e.filename for e in kept.evidence]) == (
            action.flag, "约谈", "纪要", ["b.pdf"]
        )  # fmt: skip
        downgrade(app.store.engine, "0011")
        assert "accountability_actions" not in set(inspect(app.store.engine).get_table_names())
        with app.store.engine.connect() as conn:
            owners = sorted(r.owner for r in conn.execute(select(t.evidence.c.owner)))
        assert owners == ["progress"]
        upgrade(app.store.engine)
        assert app.actions.actions(SYSTEM) == []
    finally:
        app.close()


def test_0013_keeps_confirmed_settlements_and_goes_down_cleanly(db_url: str, tmp_path: Path) -> None:
    """A settlement confirmed is read back as stored (every line, the confirmation); downgrading
    below 0013 drops the table only, and upgrading again gives an empty one."""
    import datetime as dt
    from decimal import Decimal

    from lantian.domain.targets.accountability import Settlement
    from lantian.domain.targets.compensation import Confirmation, PeriodSettlement
    from lantian.storage.compensation import CompensationRepository

    app = App.open(Settings.load(tmp_path / "data", db_url))
    try:
        at = dt.datetime(2025, 2, 3, 4, 5, tzinfo=dt.UTC)
        lines = (Settlement("p", "南京", Decimal("-160"), "4 × −40", Decimal(35), Decimal(31), "附件1"),
                 Settlement("p", "徐州", Decimal(0), "无有效数据，不结算"))  # fmt: skip
        kept = PeriodSettlement("江苏省", "2025-01", "2025年1月", "r.toml", ("p",), lines,
                                Confirmation("dqb", "省大气办", at))  # fmt: skip
        with app.store.tracking() as repo:
            CompensationRepository(repo.session).put(kept)
        with app.store.tracking_read() as repo:
            got = CompensationRepository(repo.session).get("江苏省", "2025-01")
        assert got is not None and got.lines == lines and got.confirmed is not None
        assert (got.confirmed.by, got.confirmed.unit) == ("dqb", "省大气办")
        stored_at = got.confirmed.at
        assert (stored_at if stored_at.tzinfo else stored_at.replace(tzinfo=dt.UTC)) == at  # SQLite keeps no zone
        downgrade(app.store.engine, "0011")
        assert "compensation_settlements" not in inspect(app.store.engine).get_table_names()
        assert "progress_rounds" in inspect(app.store.engine).get_table_names()
        upgrade(app.store.engine)
        with app.store.tracking_read() as repo:
            assert CompensationRepository(repo.session).get("江苏省", "2025-01") is None
    finally:
        app.close()
