"""Alembic environment: runs on the engine handed over by ``lantian.storage.engine``."""

from __future__ import annotations

from alembic import context

from lantian.storage.tables import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
