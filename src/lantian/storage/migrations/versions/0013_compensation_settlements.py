"""compensation_settlements, the ecological-compensation settlement of a period as the admin
confirmed it (确认结算): every scheme's amount and arithmetic per place, frozen; confirming again
replaces it (the audit log keeps the one replaced).

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-03 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compensation_settlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(100), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("rules", sa.String(300), nullable=False),
        sa.Column("schemes", sa.JSON(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("confirmed_by", sa.String(100), nullable=False),
        sa.Column("confirmed_unit", sa.String(200), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compensation_settlements")),
        sa.UniqueConstraint("office", "period", name=op.f("uq_compensation_settlements_office_period")),
    )


def downgrade() -> None:
    op.drop_table("compensation_settlements")
