"""The store (存储): an engine plus transactions that hand out repositories.

Services never see SQLAlchemy: they ask the store for a transaction and get a repository; the
transaction commits when the block ends and rolls back on any error, so an import lands whole or
not at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from lantian.errors import ConfigError, ConflictError
from lantian.storage.engine import current_revision, head_revision, make_engine, session_factory, upgrade
from lantian.storage.notify import NotificationRepository
from lantian.storage.repositories import PlanRepository
from lantian.storage.tracking import CONFLICT, TrackingRepository


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Open the database at ``url``, migrating it to the newest schema when ``migrate``."""
        store = cls(make_engine(url))
        if migrate:
            before = current_revision(store.engine)
            upgrade(store.engine)
            # statistics missing, or a migration ran (SQLite rebuilds an altered table without them)
            migrated = before is not None and before != current_revision(store.engine)
            if store.engine.dialect.name == "sqlite" and (migrated or not store._has_statistics()):
                store.analyze()
        return store

    def analyze(self) -> None:
        """Refresh the query planner's statistics (ANALYZE) after a large change such as a plan import.
        Without them SQLite scans every task for a city's page instead of starting from its plans.
        (PostgreSQL's autovacuum keeps its own; running it there is harmless.)"""
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "sqlite":
                conn.execute(text("PRAGMA analysis_limit=1000"))  # sample each index: milliseconds at any size
            conn.execute(text("ANALYZE"))

    def _has_statistics(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first() is not None

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def schema_revision(self) -> tuple[str | None, str | None]:
        """(current, newest) Alembic revisions."""
        return current_revision(self.engine), head_revision(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[PlanRepository]:
        """A read-write unit of work: commits at the end, rolls back on any exception."""
        with self.transaction_with_audit() as (repo, _):
            yield repo

    @contextmanager
    def transaction_with_audit(self) -> Iterator[tuple[PlanRepository, TrackingRepository]]:
        """One read-write unit of work over the plan records and the workflow's (whose audit log
        records a change to the plans in the same transaction)."""
        try:
            with self._sessions.begin() as session:
                yield PlanRepository(session), TrackingRepository(session)
        except OperationalError as exc:
            raise ConfigError(f"database error (数据库错误): {exc.orig}", field="database_url") from None

    @contextmanager
    def reading(self) -> Iterator[PlanRepository]:
        """A read-only unit of work (rolled back at the end)."""
        with self._sessions() as session:
            try:
                yield PlanRepository(session)
            finally:
                session.rollback()

    @contextmanager
    def tracking(self) -> Iterator[TrackingRepository]:
        """A read-write unit of work on the workflow records; a unique-key race is a ConflictError."""
        try:
            with self._sessions.begin() as session:
                yield TrackingRepository(session)
        except IntegrityError:
            raise ConflictError(CONFLICT) from None
        except OperationalError as exc:
            raise ConfigError(f"database error (数据库错误): {exc.orig}", field="database_url") from None

    @contextmanager
    def tracking_read(self) -> Iterator[TrackingRepository]:
        with self._sessions() as session:
            try:
                yield TrackingRepository(session)
            finally:
                session.rollback()

    @contextmanager
    def notifications(self) -> Iterator[NotificationRepository]:
        """A read-write unit of work on notifications and deliveries (its ``tracking`` repository
        shares the transaction, for the audit entry of a change)."""
        try:
            with self._sessions.begin() as session:
                yield NotificationRepository(session)
        except IntegrityError:
            raise ConflictError(CONFLICT) from None
        except OperationalError as exc:
            raise ConfigError(f"database error (数据库错误): {exc.orig}", field="database_url") from None

    @contextmanager
    def notifications_read(self) -> Iterator[NotificationRepository]:
        with self._sessions() as session:
            try:
                yield NotificationRepository(session)
            finally:
                session.rollback()

    def close(self) -> None:
        self.engine.dispose()
