"""progress_rounds, every submission of a progress report and the review it met (报送轮次): a report
returned with a reason and filed again keeps the returned round, its text and its reason.

Existing reports get one round, their current state; their evidence files belong to it (evidence.step
is the round of a progress file, as it is the step of a ticket's).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "progress_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sa.String(100), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review", sa.String(20), nullable=False),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(100), nullable=True),
        sa.Column("reviewer_unit", sa.String(200), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["progress_reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_id", "number", name="uq_progress_rounds_number"),
    )
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "INSERT INTO progress_rounds (report_id, number, unit, status, narrative, indicators, submitted_by,"
            " submitted_at, review, review_reason, reviewed_by, reviewed_at)"
            " SELECT id, 1, department, status, narrative, indicators, submitted_by, submitted_at, review,"
            " review_reason, reviewed_by, reviewed_at FROM progress_reports"
        )
    )
    bind.execute(sa.text("UPDATE evidence SET step = 1 WHERE owner = 'progress' AND step IS NULL"))


def downgrade() -> None:
    op.execute("UPDATE evidence SET step = NULL WHERE owner = 'progress'")
    op.drop_table("progress_rounds")
