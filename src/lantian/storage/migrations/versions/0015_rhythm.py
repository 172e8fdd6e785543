"""plans.rhythm and tasks.rhythm, how often a plan's or a task's progress is reported (调度频次:
weekly, monthly, quarterly). NULL inherits: a task its plan's, a plan the office's default
(``rhythm`` in ``<data>/workflow.toml``, monthly unless set). Existing plans and tasks inherit, so
nothing owed changes until an office sets a rhythm.

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-03 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE on SQLite too: a batch copy of plans would cascade-delete its tasks
    op.add_column("plans", sa.Column("rhythm", sa.String(20), nullable=True))
    op.add_column("tasks", sa.Column("rhythm", sa.String(20), nullable=True))


def downgrade() -> None:
    # in place (SQLite ≥ 3.35), as 0008: a batch copy of plans would cascade-delete its tasks
    op.drop_column("tasks", "rhythm")
    op.drop_column("plans", "rhythm")
