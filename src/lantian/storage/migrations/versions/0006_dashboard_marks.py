"""the dashboard's marks: task_departments.reporter, each task's reporting units (调度报送单位: its
牵头 and 负责 units, or every unit when it names neither; one row per unit) marked when the plan is
stored, so the dashboard counts missing reports without working the rule out per task in SQL; and
place_changes, per place the newest audit entry that changed its tasks or records, so a dashboard's
figures are kept until a place they count changes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# the rule of lantian.domain.tracking.overdue.reporting_units over the rows already stored: the first
# row (lowest id) of each unit that reports on its task
MARK = """
UPDATE task_departments SET reporter = TRUE WHERE id IN (
  SELECT MIN(d.id) FROM task_departments d
  WHERE d.subtask IS NULL AND (
    d.role IN ('lead', 'responsible') OR NOT EXISTS (
      SELECT 1 FROM task_departments o
      WHERE o.task_id = d.task_id AND o.subtask IS NULL AND o.role IN ('lead', 'responsible')))
  GROUP BY d.task_id, d.normalized)
"""


def upgrade() -> None:
    with op.batch_alter_table("task_departments") as batch:
        batch.add_column(sa.Column("reporter", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(MARK)
    op.create_table(
        "place_changes",
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("place", name=op.f("pk_place_changes")),
    )


def downgrade() -> None:
    op.drop_table("place_changes")
    with op.batch_alter_table("task_departments") as batch:
        batch.drop_column("reporter")
