"""Migrations run on SQLite and on a real PostgreSQL server, and create exactly ``tables.py``."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

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
    "evidence",
    "notices",
    "tickets",
    "ticket_steps",
    "audit_log",
    "audit_head",
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
