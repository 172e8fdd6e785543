"""review_flags.correction, a reviewer's structured correction of a flagged field (复核更正: the
departments, deadline, target or plan metadata it should have), kept so a revised file raising the
same flag gets it again; and the clause reporters: the units leading a task's clauses (子任务) that
report on the task through them, marked on the clause's rows (overdue.clause_reporting_units);
and ix_tasks_plan_order, a plan's tasks in order with their removal and status, from which the
task list reads a page and counts without touching the wide rows

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# a unit's first clause row where the clause's rule names it (its 牵头 / 负责 units, or all its units
# when it names neither), unless the unit already reports on the task itself
MARK = """
UPDATE task_departments SET reporter = TRUE WHERE id IN (
  SELECT MIN(d.id) FROM task_departments d
  WHERE d.subtask IS NOT NULL
    AND (d.role IN ('lead', 'responsible') OR NOT EXISTS (
      SELECT 1 FROM task_departments o
      WHERE o.task_id = d.task_id AND o.subtask = d.subtask AND o.role IN ('lead', 'responsible')))
    AND NOT EXISTS (
      SELECT 1 FROM task_departments m
      WHERE m.task_id = d.task_id AND m.subtask IS NULL AND m.reporter = TRUE AND m.normalized = d.normalized)
  GROUP BY d.task_id, d.normalized)
"""


def upgrade() -> None:
    with op.batch_alter_table("review_flags") as batch:
        batch.add_column(sa.Column("correction", sa.JSON(), nullable=True))
    op.execute(MARK)
    op.create_index("ix_tasks_plan_order", "tasks", ["plan_id", "position", "removed_in", "status"])


def downgrade() -> None:
    op.drop_index("ix_tasks_plan_order", table_name="tasks")
    op.execute("UPDATE task_departments SET reporter = FALSE WHERE subtask IS NOT NULL")
    with op.batch_alter_table("review_flags") as batch:
        batch.drop_column("correction")
